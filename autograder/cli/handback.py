"""`lmcourse handback`: rewrite a class folder's feedback files and LMS feedback zips (autograder/term/feedback.py),
e.g. once the multiple-choice results are to be published; see README.md, "Running a term"."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("handback")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--publish-mcq/--withhold-mcq", default=None,
              help="show (or keep hiding) multiple-choice results and the totals they are part of")
@click.option("--autograder", "-a", "autograder", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="the autograder zip (default: the one of OUT's last grading run)")
def handback_command(out: Path, publish_mcq: bool | None, autograder: Path | None) -> None:
    """Write OUT/feedback/: one HTML and one Markdown file per student, and the zips Canvas ("Upload Submissions")
    and Moodle ("Upload multiple feedback files in a zip") take back in one upload."""
    from autograder.cli.grade import class_summary
    from autograder.term import run
    from autograder.term.feedback import CANVAS_ZIP, MOODLE_ZIP

    try:
        summary = run.refresh(out, {} if publish_mcq is None else {"publish_mcq": publish_mcq}, autograder)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    class_summary(summary, out, quiet=True)
    for name in (CANVAS_ZIP, MOODLE_ZIP):
        if (out / "feedback" / name).is_file():
            click.echo(f"upload {out / 'feedback' / name}", err=True)
