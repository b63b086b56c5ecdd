"""`lmcourse grade`: grade a class with the autograder zip (autograder/grade/); see README.md, section "Grading"."""


from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import click

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


@click.command("grade")
@click.option("--autograder", "-a", "autograder", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="autograder.zip from lmcourse build")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path), help="output folder")
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
def grade_command(autograder: Path, submissions: tuple[Path, ...], out: Path, workers: int, timeout: float,
                  memory: int, force: bool, shard: str | None, variants: Path | None, quiet: bool,
                  similarity_threshold: float, no_similarity: bool, template: Path | None) -> None:
    """Grade SUBMISSION... (.ipynb, .py, Otter export .zip, or folders of them) with AUTOGRADER."""
    from autograder.grade import batch, report, similarity
    from autograder.grade.bundle import Bundle, BundleError

    if sandbox.isolation_level() != "full":
        why = "not running as root" if os.geteuid() != 0 else "namespaces are unavailable (or LMCOURSE_ISOLATION)"
        warnings.warn(f"lmcourse grade: {why}, so submissions run with resource limits in their own session only "
                      "(no network/PID namespace, no chroot, no uid drop). Grade untrusted code as root on a host or "
                      "VM where unshare works.", stacklevel=1)
    opts = batch.Options(workers=workers, timeout=timeout, memory_mb=memory, force=force, shard=_shard(shard),
                         variants_csv=variants, progress=not quiet)
    try:
        summaries = batch.run(autograder, list(submissions), out, opts)
    except (BundleError, ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from e
    bundle = Bundle.load(autograder, variants)
    questions = bundle.questions
    header, rows = report.grade_rows(summaries, questions)
    if opts.shard is not None:
        click.echo(f"shard {shard}: {len(summaries)} submissions graded into {out / 'results'}; run again without "
                   "--shard over the same --out to merge", err=True)
        return
    report.write_csv(out / "final_grades.csv", header, rows)
    similar = None if no_similarity else similarity.flag(autograder, variants, list(submissions), out,
                                                         similarity_threshold, template)
    report.write_report(out, summaries, questions, f"Grades: {summaries[0]['assignment'] if summaries else ''}",
                        bundle.checks, similar, similarity_threshold)
    if not quiet:
        click.echo(report.table(header, rows))
    click.echo(f"wrote {out / 'final_grades.csv'}, {out / 'report.html'}"
               + (f", {out / 'similarity.csv'} ({len(similar)} flagged)" if similar is not None else ""), err=True)
    sys.stdout.flush()
