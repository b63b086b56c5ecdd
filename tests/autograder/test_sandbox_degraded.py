"""Without namespaces (not root, or a container without CAP_SYS_ADMIN) `lmcourse grade` still grades, with a
warning: rlimits, a wall-clock kill of the submission's session, same scores on honest work."""

from __future__ import annotations

import shutil
from pathlib import Path

import grade_fixtures as gf
import pytest

pytestmark = pytest.mark.slow  # a build and a batch through the degraded sandbox


def test_degraded_mode_grades_and_still_stops_runaway_code(tmp_path: Path) -> None:
    built = gf.build(tmp_path / "dist")
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(gf.ROOT / "examples" / "submissions" / gf.ASSIGNMENT / "correct.ipynb", subs / "correct.ipynb")
    gf.with_cells(built / "student" / f"{gf.ASSIGNMENT}.ipynb", [gf.cell("infinite_loop")], subs / "loop.ipynb")
    gf.with_cells(built / "student" / f"{gf.ASSIGNMENT}.ipynb", [gf.cell("allocate_50gb")], subs / "alloc.ipynb")
    r = gf.grade(built / "autograder" / "autograder.zip", [subs], tmp_path / "out", "--timeout", "6",
                 env={"LMCOURSE_ISOLATION": "rlimits"})
    assert "no network/PID namespace" in r.stderr
    rows = gf.grades(tmp_path / "out")
    assert rows["correct.ipynb"]["percent_correct"] == "1" and rows["correct.ipynb"]["grading_status"] == "Completed"
    assert rows["loop.ipynb"]["grading_status"] == "timeout"
    assert rows["alloc.ipynb"]["grading_status"] == "memory"
    assert gf.result(tmp_path / "out", "correct.ipynb")["extra_data"]["lmcourse"]["isolation"] == "rlimits"
