"""`lmcourse handout`: copy each student's bundle (written by `lmcourse build --roster`) into their JupyterHub home
folder (autograder/term/handout.py); see README.md, "Running a term"."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("handout")
@click.argument("built", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the roster the assignment was built with; its `username` column names each home folder")
@click.option("--homes", default="/home/{username}", show_default=True,
              help="each student's home folder, {username} replaced (e.g. a DockerSpawner volume's path)")
@click.option("--dry-run", is_flag=True, help="say what would be copied, copy nothing")
def handout_command(built: Path, roster: Path, homes: str, dry_run: bool) -> None:
    """Copy BUILT/handout/<student_id>/<id>/ (BUILT is DIR/<id> from `lmcourse build --roster`) into each student's
    home folder as <home>/<id>/. Files already there are kept (they may hold the student's work)."""
    from autograder.course.outputs import for_terminal
    from autograder.course.variants import read_roster
    from autograder.term.handout import to_homes

    if "{username}" not in homes:
        raise click.BadParameter("needs {username}, e.g. /home/{username}", param_hint="--homes")
    try:
        students = read_roster(roster)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    for line in to_homes(built, students, homes, dry_run):
        click.echo(for_terminal(line))
