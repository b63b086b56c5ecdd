"""`lmcourse build`: build assignments (autograder/build/) into student notebooks, kits and autograder zips, each
proven by the grader before it is written (autograder/build/prove.py; `lmcourse prove` prints the proof alone)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from autograder.course.variants import Student, read_roster


def students_from(roster: Path | None, seed: int | None) -> list[Student]:
    if seed is not None and roster is None:
        raise click.UsageError("--seed only makes sense with --roster")
    if roster is None:
        return []
    try:
        students = read_roster(roster)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    if seed is None:
        raise click.UsageError("--roster needs --seed (the variants are deterministic in the seed)")
    if not students:
        raise click.ClickException(f"{roster}: no usable student_id in the roster (see the skipped rows above); "
                                   "nothing to build")
    return students


def assignment_list(ids: tuple[str, ...]) -> list[str]:
    from autograder.course.content import assignment_ids

    known = assignment_ids()
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise click.BadParameter(f"unknown assignment {unknown[0]!r}; known: {', '.join(known)}")
    return list(ids) or known


def build_all(ids: list[str], out: Path | None, students: list[Student], seed: int | None, proof_variants: int,
         proven: bool, renumber: bool) -> None:
    """Build (and prove) each assignment; a broken one is reported and does not stop the others (exit 1)."""
    from autograder.build import describe
    from autograder.build.release import release

    failed = []
    for assignment in ids:
        try:
            summary, proof = release(assignment, out, students, seed, proof_variants=proof_variants, proven=proven,
                                     renumber=renumber)
        except Exception as e:  # one broken assignment must not stop the others
            failed.append(assignment)
            click.echo(f"{assignment}: build failed: {e}", err=True)
            continue
        if proof is not None:
            click.echo(proof.table())
        if out is not None:
            click.echo(describe(summary, out / assignment) + ("" if proof else " (UNPROVEN: built with --no-proof)"))
        if out is not None and students:
            from autograder.term.handout import write_bundles

            made = write_bundles(out / assignment, students)  # hand-out bundles (autograder/term)
            click.echo(f"{assignment}: {made['bundles']} bundles in {out / assignment / 'handout'}/"
                       + (f", moodle-handout.zip for {made['moodle']} participants" if made["moodle"] else ""))
    if failed:
        sys.exit(1)


ROSTER = click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), default=None,
                      help="CSV with a student_id column: build one variant per student")
SEED = click.option("--seed", type=int, default=None, help="variant seed (with --roster); same seed, same variants")
PROOF_VARIANTS = click.option("--proof-variants", type=click.IntRange(min=0), default=3, show_default=True,
                              help="roster variants the proof grades besides the default one (evenly spaced)")


@click.command("build")
@click.argument("ids", nargs=-1)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"),
              show_default=True, help="output directory")
@ROSTER
@SEED
@PROOF_VARIANTS
@click.option("--no-proof", "no_proof", is_flag=True,
              help="skip the proof (solution, blank, mistakes, memorized answers); the build is then unproven")
@click.option("--renumber", is_flag=True,
              help="rename the questions q1, q2, ... in folder order in names.toml (changes names already handed "
                   "out: only before the assignment is handed out)")
def build_command(ids: tuple[str, ...], out: Path, roster: Path | None, seed: int | None, proof_variants: int,
                  no_proof: bool, renumber: bool) -> None:
    """Build assignments IDS (default: all) into OUT: student notebooks, solution notebook, autograder.zip.

    Each is proven before it is written: the grader scores the solution 100 % and the blank notebook 0 on every
    proven variant, names each mistakes.py example on its own question, and fails every hidden test with memorized
    public answers. A failed proof writes nothing to OUT and names the notebook, question, test and message."""
    build_all(assignment_list(ids), out, students_from(roster, seed), seed, proof_variants, not no_proof, renumber)
