"""Differential test: `lmcourse grade` gives the same per-question scores as stock `otter run` on every honest
example submission (examples/submissions/<id>/*.ipynb), for every assignment, from one fresh `lmcourse build`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grade_fixtures as gf
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.content]  # one stock `otter run` per example: ~10 s each
EXAMPLES = gf.ROOT / "examples" / "submissions"
ASSIGNMENTS = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith(".")
                     and list(p.glob("*.ipynb"))) if EXAMPLES.is_dir() else []


def _otter(zip_path: Path, nb: Path, out: Path) -> dict[str, float]:
    out.mkdir(parents=True)
    otter = Path(sys.executable).with_name("otter")
    subprocess.run([str(otter), "run", "-a", str(zip_path), "-o", str(out), str(nb)], check=True,
                   capture_output=True, cwd=out)
    tests = json.loads((out / "results.json").read_text())["tests"]
    return {t["name"]: t["score"] for t in tests if "max_score" in t}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("differential")
    subprocess.run([sys.executable, "-m", "autograder.cli", "build", *ASSIGNMENTS, "--out", str(tmp / "dist")],
                   cwd=gf.ROOT, check=True, capture_output=True)
    ours, jobs = {}, []
    for a in ASSIGNMENTS:
        zip_path = tmp / "dist" / a / "autograder" / "autograder.zip"
        nbs = sorted((EXAMPLES / a).glob("*.ipynb"))
        gf.grade(zip_path, nbs, tmp / "ours" / a)
        ours[a] = {nb.name: gf.result(tmp / "ours" / a, nb.name) for nb in nbs}
        jobs += [(a, nb, zip_path) for nb in nbs]
    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as ex:
        stock = list(ex.map(lambda j: _otter(j[2], j[1], tmp / "otter" / j[0] / j[1].stem), jobs))
    theirs = {(a, nb.name): s for (a, nb, _), s in zip(jobs, stock, strict=True)}
    return {"ours": ours, "theirs": theirs, "jobs": [(a, nb.name) for a, nb, _ in jobs]}


def test_every_assignment_has_honest_examples() -> None:
    built = {p.parent.name for p in (gf.ROOT / "assignments").glob("*/assignment.py")}
    assert built and built <= set(ASSIGNMENTS)  # every assignment lmcourse builds has honest examples
    assert all((EXAMPLES / a / "expected.json").is_file() for a in ASSIGNMENTS)


def test_same_scores_as_stock_otter_run(graded: dict) -> None:
    mismatches = []
    for a, name in graded["jobs"]:
        ours = {t["name"]: t["score"] for t in graded["ours"][a][name]["tests"] if "max_score" in t}
        theirs = graded["theirs"][(a, name)]
        if set(ours) != set(theirs) or any(abs(ours[q] - theirs[q]) > 1e-6 for q in ours):
            mismatches.append((a, name, ours, theirs))
        assert graded["ours"][a][name]["extra_data"]["lmcourse"]["status"] == "Completed"
    assert not mismatches, mismatches
    assert len(graded["jobs"]) >= 3


def test_scores_match_the_recorded_expectations(graded: dict) -> None:
    for a in ASSIGNMENTS:
        expected = json.loads((EXAMPLES / a / "expected.json").read_text())
        for name, total in expected.items():
            assert graded["ours"][a][name]["score"] == pytest.approx(total), (a, name)


def test_blank_is_unattempted_and_a_mistake_is_charged_where_it_is_made(graded: dict) -> None:
    """Issue 10 #3/#4: report.html counted a blank notebook under `product-underflow`, and training's mean objective
    was charged to q1, q2 and q3."""
    for a in ASSIGNMENTS:
        blank = graded["ours"][a]["blank.ipynb"]["extra_data"]["lmcourse"]["mistakes"]
        assert blank and {m["mistake"] for m in blank} == {"unattempted"}, (a, blank)
    if "training" in ASSIGNMENTS:
        mean = graded["ours"]["training"]["mean_instead_of_sum.ipynb"]["extra_data"]["lmcourse"]["mistakes"]
        assert {(m["question"], m["mistake"]) for m in mean} == {("q1", "mean-instead-of-sum")}, mean
