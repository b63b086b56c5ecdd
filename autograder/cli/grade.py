"""`lmcourse grade`: grade a class into its class folder (autograder/term/ over autograder/grade/); see README.md,
sections "Grading" and "Running a term"."""


from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import click

from autograder.course.outputs import for_terminal
from autograder.grade import sandbox
from autograder.grade.similarity import THRESHOLD


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        k, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected K/N, e.g. 3/8") from None
    if not 1 <= k <= n:
        raise click.BadParameter(f"{value!r}: need 1 <= K <= N (K is 1-based)")
    return k, n


def _policy(due: str | None, late_penalty: float | None, late_cap: float | None, late_cutoff: float | None) -> dict:
    from autograder.term.deadlines import parse_due

    policy: dict = {}
    if due is not None:
        try:
            policy["due"] = parse_due(due)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--due") from None
    for key, value in (("per_day", late_penalty), ("cap", late_cap), ("cutoff", late_cutoff)):
        if value is not None:
            policy[key] = value
    return {"policy": policy} if policy else {}


def class_summary(summary: dict, out: Path, quiet: bool) -> None:
    """What a run wrote, its messages on stderr and (unless quiet) the grade table on stdout."""
    from autograder.grade import report

    for note in summary["notes"]:
        click.echo(for_terminal(note), err=True)
    if not quiet:
        rows = summary["rows"]
        if any(r["student_id"] for r in rows):  # the class: one line per student
            header = ["student_id", "status", "raw", "late", "penalty", "final", "flags"]
            body = [[r["student_id"] or "-", r["status"], f"{r['raw']:g}", str(r["late_days"]), f"{r['penalty']:g}",
                     f"{r['final']:g}", ", ".join(dict.fromkeys(f.split(":")[0] for f in r["flags"]))] for r in rows]
        else:  # no roster, no ids: Otter's table of files
            header, body = summary["header"], summary["body"]
        shown = [[for_terminal(c) for c in row] for row in [header, *body]]  # names are the students' choice
        click.echo(report.table(shown[0], shown[1:]))
    similar = summary["similar"]
    reach = summary["reach"]
    click.echo(f"wrote {out / 'final_grades.csv'}, {out / 'grades.csv'} ({len(summary['rows'])} rows), "
               f"{out / 'report.html'}, {out / 'feedback'}/ (Canvas zip: {reach['canvas']} students, Moodle zip: "
               f"{reach['moodle']})" + (f", {out / 'exports'}/" if (out / "exports").is_dir() else "")
               + (f", {out / 'similarity.csv'} ({len(similar)} flagged)" if similar is not None else ""), err=True)
    sys.stdout.flush()


@click.command("grade")
@click.option("--autograder", "-a", "autograder", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="autograder.zip from lmcourse build")
@click.argument("submissions", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="the class folder: every run merges into it")
@click.option("--workers", "-n", default=0, show_default=True, help="worker processes (0: one per CPU core)")
@click.option("--timeout", default=60.0, show_default=True,
              help="seconds per submission: CPU time of all its processes with cgroups (wall clock: twice that + 5 "
                   "s), else wall clock")
@click.option("--memory", default=2048, show_default=True, help="MB of memory per submission")
@click.option("--force", is_flag=True, help="regrade submissions that already have a result")
@click.option("--shard", default=None, help="K/N: grade only the K-th of N deterministic parts (1-based)")
@click.option("--variants", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="student_id,variant mapping (default: the one inside the autograder zip)")
@click.option("--quiet", "-q", is_flag=True, help="no progress bar, no table")
# code similarity (issue 11): DIR/similarity.csv and a report.html section
@click.option("--similarity-threshold", type=click.FloatRange(0, 1), default=THRESHOLD, show_default=True,
              help="flag pairs of answers (or an answer and the reference) scoring at least this")
@click.option("--no-similarity", is_flag=True, help="skip the code similarity check")
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="the student notebook the class started from (default: ../student/<id>.ipynb next to the zip)")
# the term (issue 17): identity, deadlines, overrides; each is kept in the class folder for later runs
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="roster CSV (student_id, name, email, LMS identities, extension_days): every student gets a row")
@click.option("--due", default=None, help="due date, ISO 8601 (2026-12-10T23:59; no zone: this machine's time)")
@click.option("--late-penalty", type=click.FloatRange(0, 100), default=None,
              help="% of the points deducted per late day")
@click.option("--late-cap", type=click.FloatRange(0, 100), default=None, help="% of the points deducted at most")
@click.option("--late-cutoff", type=click.FloatRange(0), default=None, help="more late days than this score 0")
@click.option("--extensions", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV student_id,days: extra days past --due")
@click.option("--overrides", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV student,question,points,reason (question: a question or total; +N/-N adjust, N sets)")
def grade_command(autograder: Path, submissions: tuple[Path, ...], out: Path, workers: int, timeout: float,
                  memory: int, force: bool, shard: str | None, variants: Path | None, quiet: bool,
                  similarity_threshold: float, no_similarity: bool, template: Path | None, roster: Path | None,
                  due: str | None, late_penalty: float | None, late_cap: float | None, late_cutoff: float | None,
                  extensions: Path | None, overrides: Path | None) -> None:
    """Grade SUBMISSION... (.ipynb, .py, Otter export .zip, folders of them, or a Canvas or Moodle download zip) with
    AUTOGRADER into the class folder OUT, merging with what it holds. With no SUBMISSION, recompute OUT's outputs
    (after changing overrides, extensions or deadlines)."""
    from autograder.grade import batch
    from autograder.grade.bundle import BundleError
    from autograder.term import run
    from autograder.term.store import StoreError

    if not submissions and not (out / "class.sqlite").is_file():
        raise click.UsageError("give SUBMISSION... (files, folders or an LMS download zip) to grade into a new OUT")
    if sandbox.isolation_level() != "full":
        why = "not running as root" if os.geteuid() != 0 else "namespaces are unavailable (or LMCOURSE_ISOLATION)"
        warnings.warn(f"lmcourse grade: {why}, so submissions run with resource limits in their own session only "
                      "(no network/PID namespace, no chroot, no uid drop). Grade untrusted code as root on a host or "
                      "VM where unshare works.", stacklevel=1)
    opts = batch.Options(workers=workers, timeout=timeout, memory_mb=memory, force=force, shard=_shard(shard),
                         variants_csv=variants, progress=not quiet)
    settings = {**_policy(due, late_penalty, late_cap, late_cutoff), "autograder": str(autograder.resolve())}
    ins = run.Instructions(roster=roster, overrides=overrides, extensions=extensions, settings=settings)
    similarity = None if no_similarity else {"threshold": similarity_threshold, "template": template}
    try:
        summary = run.grade(autograder, list(submissions), out, opts, ins, similarity)
    except (BundleError, StoreError, ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from e
    if "shard" in summary:
        click.echo(f"shard {shard}: {len(summary['shard'])} submissions graded into {out / 'results'}; run again "
                   "without --shard over the same --out to merge", err=True)
        return
    class_summary(summary, out, quiet)
