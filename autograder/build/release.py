"""One assignment from content to what is handed out: build it into a staging folder beside the output, add the
student kit and the Gradescope-ready zip (autograder.kit), prove it with the grader (prove.py), and only then move
it into DIR/<id>/. A build whose proof fails writes nothing there: the last good build stays in place."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from autograder.build.assignment import build_assignment
from autograder.build.prove import Proof, prove
from autograder.course.variants import Student
from autograder.kit.package import package_assignment

PUBLISHED = ("student", "autograder", "variants.csv")  # what a build owns in DIR/<id>/; anything else is left alone


def release(assignment: str, out: Path | None, students: list[Student], seed: int | None, *,
            proof_variants: int = 3, proven: bool = True, renumber: bool = False,
            workers: int = 0) -> tuple[dict, Proof | None]:
    """Build, package and prove `assignment`; with `out`, replace out/<id>/'s build by it. out=None proves only.

    proof_variants: how many roster variants the proof samples besides the default one. proven=False skips the
    proof (the build is then unproven: say so). Raises ProofError (nothing written) when the proof fails."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".lmcourse-stage-{assignment}-", dir=out) as stage:
        summary = build_assignment(assignment, Path(stage), students, seed, renumber=renumber)
        staged = Path(stage) / assignment
        package_assignment(staged)
        proof = prove(assignment, staged, proof_variants, workers) if proven else None
        if out is not None:
            _replace(staged, out / assignment)
    return summary, proof


def _replace(staged: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name in PUBLISHED:
        old = dest / name
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        elif old.exists() or old.is_symlink():
            old.unlink()
        if (staged / name).exists():
            (staged / name).rename(old)
