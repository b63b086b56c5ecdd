"""Adversarial submissions through the real pipeline (`lmcourse build` → `lmcourse grade`), in one batch.

Each must hold: the batch finishes, no attack scores above the blank notebook, the status says what happened, and no
process of any submission survives. Isolation needs root (this machine and CI run the suite as root).
"""

from __future__ import annotations

import ast
import os
import shutil
import socket
import sys
from pathlib import Path

import grade_fixtures as gf
import pytest

pytestmark = [pytest.mark.slow,  # a hostile batch through the real sandbox
              pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's isolation needs root (as in CI)")]

ATTACKS = ["infinite_loop", "sleep_forever", "fork_bomb", "allocate_50gb", "print_100mb", "sys_exit", "os_exit",
           "patch_comparisons", "lying_objects", "write_results", "read_secrets", "network", "background_process",
           "forbidden_lmcore", "profiler_off", "fill_disk"]
EXPECTED_STATUS = {
    "blank.ipynb": "Completed", "infinite_loop.ipynb": "timeout", "sleep_forever.ipynb": "timeout",
    "fork_bomb.ipynb": "timeout", "allocate_50gb.ipynb": "memory", "print_100mb.ipynb": "Completed",
    "sys_exit.ipynb": "Completed", "os_exit.ipynb": "crashed", "patch_comparisons.ipynb": "Completed",
    "lying_objects.ipynb": "Completed", "write_results.ipynb": "Completed", "read_secrets.ipynb": "Completed",
    "network.ipynb": "Completed", "background_process.ipynb": "Completed", "forbidden_lmcore.ipynb": "Completed",
    "profiler_off.ipynb": "Completed", "fill_disk.ipynb": "Completed", "malformed.ipynb": "invalid-notebook",
    "not_utf8.ipynb": "invalid-notebook",
    "empty.ipynb": "invalid-notebook", "essay.docx": "unsupported-file", "traversal.zip": "unsafe-zip",
    "symlink.zip": "unsafe-zip",
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("adversarial")
    built = gf.build(tmp / "dist")
    zip_path = built / "autograder" / "autograder.zip"
    student = built / "student" / f"{gf.ASSIGNMENT}.ipynb"
    subs, out = tmp / "subs", tmp / "grades"
    subs.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    ctx = {"OUT": str(out), "ZIP": str(zip_path), "CHECKS": str(built / "autograder" / "checks" / "default.json"),
           "REPO": str(gf.ROOT), "PORT": str(listener.getsockname()[1])}
    shutil.copy(student, subs / "blank.ipynb")
    for name in ATTACKS:
        gf.with_cells(student, [gf.cell(name, **ctx)], subs / f"{name}.ipynb")
    (subs / "malformed.ipynb").write_text('{"cells": [{"cell_type": "code", "source": ', encoding="utf-8")
    (subs / "not_utf8.ipynb").write_bytes(b'{"cells": [], "metadata": {"x": "\xff\xfe\x80"}}')
    (subs / "empty.ipynb").write_bytes(b"")
    (subs / "essay.docx").write_bytes(b"PK\x03\x04 not really a docx")
    gf.evil_zip(subs / "traversal.zip", "../../escape.ipynb")
    gf.evil_zip(subs / "symlink.zip", "answers.ipynb", symlink_to="/etc/shadow")
    proc = gf.grade(zip_path, [subs], out, "--timeout", "8", "--workers", "2", check=False)
    listener.settimeout(0.3)
    try:
        conn, _ = listener.accept()
        accepted = conn.recv(100)
    except OSError:
        accepted = None
    finally:
        listener.close()
    return {"proc": proc, "out": out, "grades": gf.grades(out) if proc.returncode == 0 else {},
            "accepted": accepted, "survivors": gf.survivors()}


def test_batch_finishes_with_a_row_for_every_submission(batch: dict) -> None:
    assert batch["proc"].returncode == 0, batch["proc"].stderr[-3000:]
    assert set(batch["grades"]) == set(EXPECTED_STATUS) | {"points-per-question"}


@pytest.mark.parametrize("name", sorted(EXPECTED_STATUS))
def test_no_attack_beats_blank_and_status_says_why(batch: dict, name: str) -> None:
    row, blank = batch["grades"][name], batch["grades"]["blank.ipynb"]
    col = "q1" if name == "forbidden_lmcore.ipynb" else "total_points_earned"  # it also hand-writes q6, honestly
    assert float(row[col]) <= float(blank[col])
    assert row["grading_status"] == EXPECTED_STATUS[name]


def test_no_submission_process_survives(batch: dict) -> None:
    assert batch["survivors"] == []


def test_no_network_not_even_loopback(batch: dict) -> None:
    assert batch["accepted"] is None
    out = gf.result(batch["out"], "network.ipynb")["output"]
    assert "CONNECTED" not in out and out.count("no connection to") == 3


def test_secrets_unreadable_and_uid_dropped(batch: dict) -> None:
    out = gf.result(batch["out"], "read_secrets.ipynb")["output"]
    assert "LEAKED" not in out and "could not read" in out
    uid = int(out.split("uid ", 1)[1].split()[0])
    assert gf.UID_BASE <= uid < gf.UID_BASE + 2  # one unprivileged uid per worker slot
    from autograder.grade.mounts import interpreter_files, reached
    from autograder.grade.sandbox import interpreter_paths

    listing = ast.literal_eval(out.split("root listing ", 1)[1].splitlines()[0])
    interpreter = {p.split("/")[1] for f in interpreter_files(sys.executable) for p, _ in reached(f)}
    assert set(listing) <= {"tmp", "dev", "proc"} | {p.split("/")[1] for p in interpreter_paths()} | interpreter
    assert "found []" in out


def test_fake_result_files_change_nothing(batch: dict) -> None:
    out = batch["out"]
    assert not (out / "results.json").exists()
    names = {p.name for p in out.iterdir()}
    assert {"final_grades.csv", "report.html", "students.html", "results", "similarity.csv", "class.sqlite",
            "feedback", "grades.csv", "submissions"} <= names <= {
        "final_grades.csv", "histogram.png", "mistakes.png", "question_means.png", "report.html", "students.html",
        "results", "similarity.csv", "similarity.html", "class.sqlite", "feedback", "grades.csv",
        "submissions"}  # the plots are drawn when they have something to show
    assert float(batch["grades"]["write_results.ipynb"]["total_points_earned"]) == 0
    assert "could not write __OUT__" not in gf.result(out, "write_results.ipynb")["output"]


def test_output_flood_is_truncated(batch: dict) -> None:
    res = gf.result(batch["out"], "print_100mb.ipynb")
    assert len(res["output"]) < 100_000
    assert "of 100000001 bytes" in res["output"]


def test_disk_is_small_private_and_the_installation_read_only(batch: dict) -> None:
    out = gf.result(batch["out"], "fill_disk.ipynb")["output"]
    written = int(out.split("stopped after ", 1)[1].split()[0])
    assert written <= 64 * 2**20  # the private tmpfs is 64 MB
    assert "big file refused: [Errno 27] File too large" in out  # RLIMIT_FSIZE: 16 MB per file
    assert "TAMPERED" not in out and out.count("could not tamper with") == 2


def test_exit_mid_notebook_fails_the_tests_that_never_ran(batch: dict) -> None:
    res = gf.result(batch["out"], "os_exit.ipynb")
    scored = [t for t in res["tests"] if "max_score" in t]
    assert all(t["score"] == 0 for t in scored)
    assert "did not run" in scored[0]["output"]


def test_calling_lmcore_earns_no_credit_but_hand_written_work_does(batch: dict) -> None:
    """The jail's lmcore is the student edition: what a question asks for is not there, however it is called."""
    row = batch["grades"]["forbidden_lmcore.ipynb"]
    assert float(row["q1"]) == 0 and float(row["q6"]) == float(batch["grades"]["points-per-question"]["q6"])
    q1 = next(t for t in gf.result(batch["out"], "forbidden_lmcore.ipynb")["tests"] if t["name"] == "q1")
    assert "has no attribute 'total_loss'" in q1["output"]
    assert float(batch["grades"]["profiler_off.ipynb"]["q1"]) == 0


def test_no_trace_of_an_earlier_submission_in_a_later_one(tmp_path: Path) -> None:
    """Same worker, one after the other: the second cannot find the first's code, results or output in memory."""
    built = gf.build(tmp_path / "dist")
    subs = tmp_path / "subs"
    subs.mkdir()
    correct = gf.ROOT / "examples" / "submissions" / gf.ASSIGNMENT / "correct.ipynb"
    gf.with_cells(correct, ["print('a secret line of output')"], subs / "a_correct.ipynb")
    gf.with_cells(built / "student" / f"{gf.ASSIGNMENT}.ipynb", [gf.cell("spy_on_others")], subs / "b_spy.ipynb")
    gf.grade(built / "autograder" / "autograder.zip", [subs], tmp_path / "out", "--workers", "1")
    out = gf.result(tmp_path / "out", "b_spy.ipynb")["output"]
    assert "spy found 0 []" in out and "a secret line" not in out
    assert gf.result(tmp_path / "out", "b_spy.ipynb")["score"] == 0
    assert gf.result(tmp_path / "out", "a_correct.ipynb")["score"] > 0
