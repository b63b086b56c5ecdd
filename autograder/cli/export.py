"""`lmcourse export`: a class folder's grades as Canvas's and Moodle's gradebook imports and a plain CSV
(autograder/term/gradebook.py); see README.md, "Running a term"."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("export")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--scale", type=click.Choice(["points", "percent"]), default=None, help="grades as points or percent")
@click.option("--missing", type=click.Choice(["zero", "blank"]), default=None,
              help="a student with no submission: 0, or an empty cell (the LMS leaves the grade alone)")
@click.option("--assignment", default=None, help="the gradebook column's name (default: the assignment id)")
@click.option("--canvas-assignment-id", default=None,
              help="Canvas's assignment id: the column becomes '<name> (<id>)', so Canvas updates that assignment")
@click.option("--moodle-identifier", type=click.Choice(["email", "idnumber", "username"]), default=None,
              help="the user field Moodle matches rows by (map it on Moodle's import page)")
@click.option("--autograder", "-a", "autograder", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="the autograder zip (default: the one of OUT's last grading run)")
def export_command(out: Path, scale: str | None, missing: str | None, assignment: str | None,
                   canvas_assignment_id: str | None, moodle_identifier: str | None, autograder: Path | None) -> None:
    """Write OUT/exports/canvas.csv, moodle.csv and grades.csv (needs a roster: `lmcourse grade --roster`). The
    choices are kept: every later `lmcourse grade` rewrites the exports the same way."""
    from autograder.cli.grade import class_summary
    from autograder.term import run

    if canvas_assignment_id is not None and not canvas_assignment_id.isdigit():
        raise click.BadParameter("Canvas assignment ids are numbers (the number in the assignment's URL)",
                                 param_hint="--canvas-assignment-id")
    chosen = {"scale": scale, "missing": missing, "assignment": assignment, "canvas_id": canvas_assignment_id,
              "moodle_identifier": moodle_identifier}
    chosen = {k: v for k, v in chosen.items() if v is not None}
    try:
        summary = run.refresh(out, {"export": chosen} if chosen else {}, autograder)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    if not (out / "exports").is_dir():
        raise click.ClickException(f"{out}: no roster, so no gradebook to export; grade with --roster ROSTER.csv")
    class_summary(summary, out, quiet=True)
