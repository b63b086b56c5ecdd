"""`lmcourse prove`: the proof `lmcourse build` runs before it writes an assignment, printed as a table, in a
temporary folder (nothing written to dist/; a new question still gets its name in names.toml): how an author
checks a new question (AUTHORING.md)."""

from __future__ import annotations

from pathlib import Path

import click

from autograder.cli.build import PROOF_VARIANTS, ROSTER, SEED, assignment_list, build_all, students_from


@click.command("prove")
@click.argument("ids", nargs=-1)
@ROSTER
@SEED
@PROOF_VARIANTS
def prove_command(ids: tuple[str, ...], roster: Path | None, seed: int | None, proof_variants: int) -> None:
    """Build assignments IDS (default: all) in a temporary folder and print the proof table.

    Nothing is written but a new question's name in assignments/<id>/names.toml.

    One row per notebook the grader scored: the solution, the blank notebook, each mistakes.py example with the
    mistake that named it, and the memorized public answers with the hidden tests they passed."""
    build_all(assignment_list(ids), None, students_from(roster, seed), seed, proof_variants, True, False)
