"""`lmcourse build`: build assignments (autograder/build/) into student notebooks, kits and autograder zips."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from autograder.course.variants import Student, read_roster


@click.command("build")
@click.argument("ids", nargs=-1)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"),
              show_default=True, help="output directory")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV with a student_id column: build one variant per student")
@click.option("--seed", type=int, default=None, help="variant seed (with --roster); same seed, same variants")
def build_command(ids: tuple[str, ...], out: Path, roster: Path | None, seed: int | None) -> None:
    """Build assignments IDS (default: all) into OUT: student notebooks, solution notebook, autograder.zip."""
    if seed is not None and roster is None:
        raise click.UsageError("--seed only makes sense with --roster")
    students: list[Student] = []
    if roster is not None:
        try:
            students = read_roster(roster)
        except ValueError as e:
            raise click.ClickException(str(e)) from e
        if seed is None:
            raise click.UsageError("--roster needs --seed (the variants are deterministic in the seed)")
        if not students:
            raise click.ClickException(f"{roster}: no usable student_id in the roster (see the skipped rows above); "
                                       "nothing to build")
    from autograder.build import build_assignment, describe
    from autograder.course.content import assignment_ids
    from autograder.kit.package import package_assignment

    known = assignment_ids()
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise click.BadParameter(f"unknown assignment {unknown[0]!r}; known: {', '.join(known)}")
    failed = []
    for assignment in ids or known:
        try:
            summary = build_assignment(assignment, out, students, seed)
            package_assignment(out / assignment)  # student kit + Gradescope-ready zip (autograder/kit)
            click.echo(describe(summary, out / assignment))
            if students:
                from autograder.term.handout import write_bundles

                made = write_bundles(out / assignment, students)  # hand-out bundles (autograder/term)
                click.echo(f"{assignment}: {made['bundles']} bundles in {out / assignment / 'handout'}/"
                           + (f", moodle-handout.zip for {made['moodle']} participants" if made["moodle"] else ""))
        except Exception as e:  # one broken assignment must not stop the others
            failed.append(assignment)
            click.echo(f"{assignment}: build failed: {e}", err=True)
    if failed:
        sys.exit(1)
