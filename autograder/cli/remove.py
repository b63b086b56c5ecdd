"""`lmcourse remove`: take submissions out of a class folder (a class keeps every submission it has graded until
removed here); see README.md, "Running a term"."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("remove")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("what", nargs=-1, required=True)
@click.option("--autograder", "-a", "autograder", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="the autograder zip (default: the one of OUT's last grading run)")
def remove_command(out: Path, what: tuple[str, ...], autograder: Path | None) -> None:
    """Remove WHAT... from the class OUT: a submission's name (the `file` column of final_grades.csv) or a student id
    (all of that student's submissions); then recompute OUT's outputs. The student keeps a row (`missing` when
    nothing is left)."""
    from autograder.cli.grade import class_summary
    from autograder.course.outputs import for_terminal
    from autograder.term import run

    try:
        removed = run.remove(out, list(what))
        summary = run.refresh(out, None, autograder)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    for name in removed:
        click.echo(f"removed {for_terminal(name)}", err=True)
    class_summary(summary, out, quiet=True)
