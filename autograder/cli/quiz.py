"""`lmcourse quiz`: quiz variants of every card, exported for Moodle, Canvas and GIFT, and graded.

    lmcourse quiz [--items a,b] --variants N --seed S --format moodle-xml,gift,qti,md,html,json|all --out DIR
                  [--roster roster.csv]
    lmcourse quiz grade --key DIR/key.json --responses responses.csv --out DIR
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from autograder.quiz import FORMATS, export
from autograder.quiz.model import build_quiz, parse_items, read_roster


def parse_formats(specs: tuple[str, ...]) -> list[str]:
    names = [s.strip().lower() for spec in specs for s in spec.split(",") if s.strip()]
    if not names or "all" in names:
        return list(FORMATS)
    aliases = {"moodle": "moodle-xml", "xml": "moodle-xml", "canvas": "qti", "markdown": "md"}
    names = [aliases.get(n, n) for n in names]
    bad = [n for n in names if n not in FORMATS]
    if bad:
        raise click.BadParameter(f"unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)} or all",
                                 param_hint="--format")
    return list(dict.fromkeys(names))


@click.group(invoke_without_command=True)
@click.option("--items", multiple=True, default=("all",), show_default=True,
              help="Item ids (comma-separated or repeated), or all.")
@click.option("--variants", "n_variants", type=click.IntRange(1), default=10, show_default=True,
              help="Variants per item (variant 0 is the course card). Ignored with --roster.")
@click.option("--seed", type=int, default=0, show_default=True, help="Term seed: same seed, same quiz.")
@click.option("--format", "formats", multiple=True, default=("all",), show_default=True,
              help=f"One or more of {', '.join(FORMATS)} (comma-separated or repeated), or all.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("dist/quiz"),
              show_default=True)
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV with a student_id column: one variant of each item per student, and a key per student.")
@click.pass_context
def quiz_command(ctx: click.Context, items: tuple[str, ...], n_variants: int, seed: int, formats: tuple[str, ...],
                 out: Path, roster: Path | None) -> None:
    """Generate quiz variants of every card and export them for an LMS."""
    if ctx.invoked_subcommand is not None:
        return
    t0 = time.perf_counter()
    fmts = parse_formats(formats)
    students = read_roster(roster) if roster else None
    if roster and not students:
        raise click.ClickException(f"{roster}: no students to give variants to")
    try:
        chosen = parse_items(",".join(items))
    except ValueError as e:  # a malformed item file: the message names it
        raise click.ClickException(str(e)) from e
    quiz = build_quiz(chosen, n_variants, seed, students)
    written = export(quiz, fmts, out)
    n = sum(len(v) for v in quiz.variants.values())
    who = f" for {len(students)} students" if students else ""
    click.echo(f"{n} variants of {len(quiz.items)} items{who} (seed {seed}) in {time.perf_counter() - t0:.2f} s:")
    for fmt, paths in written.items():
        shown = ", ".join(str(p) for p in paths[:3]) + (f" (+{len(paths) - 3} more)" if len(paths) > 3 else "")
        click.echo(f"  {fmt}: {shown}")


@quiz_command.command("grade")
@click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="key.json written by `lmcourse quiz`.")
@click.option("--responses", "responses_paths", required=True, multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of student,item,answer[,variant] or a Moodle Responses export (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def grade_command(key_path: Path, responses_paths: tuple[Path, ...], out: Path) -> None:
    """Score responses with the key's tolerances; write grades.csv and scored_responses.csv."""
    from autograder.course.outputs import for_terminal
    from autograder.quiz.grade import grade, load_key, read_responses

    try:
        key = load_key(key_path)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    problems: list[str] = []
    responses = [r for p in responses_paths for r in read_responses(p, key, problems)]
    scores = grade(key, responses, out)
    for p in problems:
        click.echo(f"warning: {for_terminal(p)}", err=True)  # quotes what students typed
    if problems:
        (out / "problems.txt").write_text("\n".join(problems) + "\n", encoding="utf-8")
    full = sum(1 for s in scores.values() if sum(s.values()) == len(key["items"]))
    click.echo(f"graded {len(responses)} answers of {len(scores)} students ({full} with full marks); "
               f"{len(problems)} problem(s); wrote {out / 'grades.csv'}")
