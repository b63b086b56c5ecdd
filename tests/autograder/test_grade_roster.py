"""Per-student variants: `lmcourse grade` takes each submission's variant from the roster mapping, not from the
notebook, so a student who hands in a classmate's notebook is graded on their own variant; the collector's identity
(a per-student folder) outranks the file name a student chose, and two collector identities that disagree are refused
(issue 22)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import grade_fixtures as gf
import pytest

pytestmark = pytest.mark.slow  # a roster build graded on every variant


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("roster")
    subprocess.run([sys.executable, "-m", "autograder.cli", "build", gf.ASSIGNMENT, "--out", str(tmp / "dist"),
                    "--roster", str(gf.ROOT / "examples" / "roster.csv"), "--seed", "7"], cwd=gf.ROOT, check=True,
                   capture_output=True)
    built = tmp / "dist" / gf.ASSIGNMENT
    with open(built / "variants.csv", newline="") as f:
        mapping = {r["student_id"]: r["variant"] for r in csv.DictReader(f)}
    correct = json.loads((gf.ROOT / "examples" / "submissions" / gf.ASSIGNMENT / "correct.ipynb").read_text())
    answers = ["".join(c["source"]) for c in correct["cells"] if c["cell_type"] == "code"
               and "def " in "".join(c["source"])]  # the hand-written functions (not variant-specific)
    own = built / "student" / "s001" / f"{gf.ASSIGNMENT}.ipynb"
    subs = tmp / "subs"
    (subs / "s003").mkdir(parents=True)
    gf.with_cells(own, answers, subs / "s001.ipynb")
    gf.with_cells(own, answers, subs / "s002.ipynb")  # s002 hands in s001's notebook
    gf.with_cells(own, answers, subs / "s003" / f"{gf.ASSIGNMENT}.ipynb")  # one folder per student
    (subs / "s004").mkdir()
    gf.with_cells(own, answers, subs / "s004" / "s005.ipynb")  # s004's folder, a file named for s005
    (subs / "s005" / "s004").mkdir(parents=True)
    gf.with_cells(own, answers, subs / "s005" / "s004" / "loss.ipynb")  # two student folders: which one?
    stranger = gf.with_cells(own, answers, subs / "stranger.ipynb")  # not on the roster, no student id
    nb = json.loads(stranger.read_text())
    nb["metadata"]["lmcourse"]["student_id"] = None
    stranger.write_text(json.dumps(nb))
    out = tmp / "grades"
    gf.grade(built / "autograder" / "autograder.zip", [subs], out)
    return {"out": out, "mapping": mapping}


def _lm(graded: dict, name: str) -> dict:
    return gf.result(graded["out"], name)["extra_data"]["lmcourse"]


def test_each_student_is_graded_on_their_own_variant(graded: dict) -> None:
    m = graded["mapping"]
    assert len(set(m.values())) == len(m)  # the roster really has distinct variants
    assert _lm(graded, "s001.ipynb")["variant"] == m["s001"]
    assert _lm(graded, "s002.ipynb")["variant"] == m["s002"]  # not the s001 variant its notebook claims
    assert _lm(graded, "s003/loss.ipynb")["variant"] == m["s003"]


def test_a_submission_off_the_roster_falls_back_to_its_notebook(graded: dict) -> None:
    assert _lm(graded, "s002.ipynb")["variant_source"] == "roster (s002)"  # the file name wins over the metadata
    lm = _lm(graded, "stranger.ipynb")
    assert lm["variant"] == graded["mapping"]["s001"] and "not on the roster" in lm["variant_source"]


def test_hand_written_answers_score_on_every_variant(graded: dict) -> None:
    for name in ("s001.ipynb", "s002.ipynb", "s003/loss.ipynb"):
        q = _lm(graded, name)["questions"]
        assert all(q[f"q{i}"] > 0 for i in range(1, 7)), (name, q)


def test_the_collectors_folder_outranks_the_file_name_and_conflicts_are_refused(graded: dict) -> None:
    m = graded["mapping"]
    lm = _lm(graded, "s004/s005.ipynb")
    assert lm["variant"] == m["s004"] and lm["variant_source"] == "roster (s004)"
    conflict = _lm(graded, "s005/s004/loss.ipynb")
    assert conflict["status"] == "identity-conflict" and conflict["total"] == 0
    rows = {r["file"]: r for r in csv.DictReader(open(graded["out"] / "grades.csv", newline=""))}
    assert "identity-mismatch" in rows["s004/s005.ipynb"]["flags"] and "s005" in rows["s004/s005.ipynb"]["flags"]
    assert rows["s005/s004/loss.ipynb"]["status"] == "identity-conflict"
    assert "folder s005 is s005" in gf.result(graded["out"], "s005/s004/loss.ipynb")["output"]
