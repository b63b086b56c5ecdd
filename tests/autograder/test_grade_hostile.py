"""A hostile class (issue 13, items 1-8): each attack runs through `lmcourse build` → `lmcourse grade` next to
innocent submissions, and each test asserts no undeserved credit, innocent rows unchanged, no leak in any results file
or feedback, and nothing left behind (processes, SysV IPC objects, kernel keys, run folders)."""

from __future__ import annotations

import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import grade_fixtures as gf
import pytest

pytestmark = [pytest.mark.slow,  # hostile batches through the real sandbox
              pytest.mark.skipif(os.geteuid() != 0 or os.uname().machine != "x86_64",
                                 reason="the sandbox's isolation needs root (as in CI); key syscalls are x86_64's")]
EXAMPLES = gf.ROOT / "examples" / "submissions" / gf.ASSIGNMENT
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text())
INNOCENT = {"a_correct.ipynb": "correct.ipynb", "m_mean.ipynb": "mean_instead_of_sum.ipynb",
            "z_correct.ipynb": "correct.ipynb"}
ATTACKS = {"b_plant.ipynb": "plant_modules", "c_capability.ipynb": "answer_capability", "d_forge.ipynb": "forge_events",
           "e_environment.ipynb": "environment", "f_ipc.ipynb": "ipc_and_keys", "g_flood.ipynb": "flood_results",
           "h_hidden.ipynb": "print_hidden", "y_reader.ipynb": "ipc_and_keys_reader"}
SECRET = "grader-secret-" + secrets.token_hex(8)
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _keys_left(uids: range) -> list[str]:
    """Keys named lmcourse-* in any of these uids' user / user-session keyrings, or in this process's session."""
    left = []
    names = [b"lmcourse-user", b"lmcourse-session", b"lmcourse-user-session"]
    if any(_libc.syscall(250, 10, ctypes.c_long(-3), b"user", n, 0) > 0 for n in names):
        left.append("the grader's session keyring")
    for uid in uids:
        pid = os.fork()
        if pid == 0:
            os.setgid(uid)
            os.setuid(uid)
            found = any(_libc.syscall(250, 10, ctypes.c_long(r), b"user", n, 0) > 0 for r in (-4, -5) for n in names)
            os._exit(1 if found else 0)
        if os.waitpid(pid, 0)[1] != 0:
            left.append(f"uid {uid}")
    return left


def _segments_left() -> list[str]:
    """SysV shared-memory segments on the host owned by this test process's sandbox uids."""
    out = subprocess.run(["ipcs", "-m"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.startswith("0x") and line.split()[2].isdigit()
            and int(line.split()[2]) in gf.UID_RANGE]


def _probe_hashes(checks_json: str) -> list[str]:
    import hashlib

    tests = [t for q in json.loads(checks_json)["questions"] for t in q["tests"]]
    return [hashlib.sha256(t["probe"].encode()).hexdigest() for t in tests]


def _run_dirs(pid: int) -> list[Path]:
    return list(Path("/tmp").glob(f"lmcourse-run-*-{pid}-*"))


def _grade_watching_memory(zip_path: Path, subs: Path, out: Path, *args: str) -> tuple[subprocess.Popen, int]:
    """`lmcourse grade` with a secret in its environment; returns the process and its peak RSS (kB)."""
    cmd = [sys.executable, "-m", "autograder.cli", "grade", "--autograder", str(zip_path), str(subs), "--out",
           str(out), "--quiet", *args]
    env = {**os.environ, "LMCOURSE_SANDBOX_UID_BASE": str(gf.UID_BASE), "LMCOURSE_GRADER_SECRET": SECRET}
    proc = subprocess.Popen(cmd, cwd=gf.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                peak = max([peak, *(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))])
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    proc.stdout_text, proc.stderr_text = proc.communicate()
    return proc, peak


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("hostile")
    built = gf.build(tmp / "dist")
    zip_path = built / "autograder" / "autograder.zip"
    student = built / "student" / f"{gf.ASSIGNMENT}.ipynb"
    checks_json = (built / "autograder" / "checks" / "default.json").read_text()
    subs, later = tmp / "subs", tmp / "later"
    subs.mkdir()
    later.mkdir()
    for name, src in INNOCENT.items():
        shutil.copy(EXAMPLES / src, subs / name)
    for name, cell in ATTACKS.items():
        gf.with_cells(student, [gf.cell(cell, REPO=str(gf.ROOT), CHECKS_JSON=checks_json,
                                        PROBE_HASHES=",".join(_probe_hashes(checks_json)))], subs / name)
    proc, peak = _grade_watching_memory(zip_path, subs, tmp / "out", "--workers", "2", "--timeout", "20")
    # a later batch, on the same uid block: nothing of the first may reach it
    gf.with_cells(student, [gf.cell("ipc_and_keys_reader")], later / "reader.ipynb")
    shutil.copy(EXAMPLES / "correct.ipynb", later / "correct.ipynb")
    proc2, _ = _grade_watching_memory(zip_path, later, tmp / "out2", "--workers", "2", "--timeout", "20")
    results = {p.name: p.read_text() for out in (tmp / "out", tmp / "out2") for p in (out / "results").glob("*.json")}
    return {"proc": proc, "proc2": proc2, "peak_kb": peak, "out": tmp / "out", "out2": tmp / "out2",
            "grades": gf.grades(tmp / "out") if proc.returncode == 0 else {}, "results": results,
            "checks": json.loads(checks_json), "survivors": gf.survivors(), "segments": _segments_left(),
            "keys": _keys_left(range(gf.UID_BASE, gf.UID_BASE + 2)),
            "run_dirs": _run_dirs(proc.pid) + _run_dirs(proc2.pid)}


def _output(hostile: dict, name: str) -> str:
    return gf.result(hostile["out"], name)["output"]


def test_grade_hostile_batch_finishes_and_innocent_rows_are_unchanged(hostile: dict) -> None:
    assert hostile["proc"].returncode == 0, hostile["proc"].stderr_text[-3000:]
    assert hostile["proc2"].returncode == 0, hostile["proc2"].stderr_text[-3000:]
    for name, src in INNOCENT.items():
        row = hostile["grades"][name]
        assert float(row["total_points_earned"]) == EXPECTED[src] and row["grading_status"] == "Completed", name
    assert gf.result(hostile["out2"], "correct.ipynb")["score"] == EXPECTED["correct.ipynb"]


def test_grade_hostile_nothing_left_behind(hostile: dict) -> None:
    assert hostile["survivors"] == []
    assert hostile["segments"] == []  # the IPC namespace died with each submission
    assert hostile["keys"] == []
    assert hostile["run_dirs"] == []


def test_grade_hostile_1_no_answer_capability_in_the_jail(hostile: dict) -> None:
    """Threads, code reuse, source, another lmcore on disk, the assignment's spec, the harness's frames: nothing
    computes an answer, and no probe is in the process while the cells run."""
    row = hostile["grades"]["c_capability.ipynb"]
    assert float(row["q1"]) == 0 and float(row["total_points_earned"]) == 0
    out = _output(hostile, "c_capability.ipynb")
    assert "probes seen while cells run: 0" in out
    caps = dict(re.findall(r"\('(\w+)', '(failed: \w+)'\)", out))
    assert set(caps) == {"thread", "code", "source", "disk", "spec"}, out[-2000:]


def test_grade_hostile_1_forged_events_before_asking_count_for_nothing(hostile: dict) -> None:
    row = hostile["grades"]["d_forge.ipynb"]
    assert "forged into" in _output(hostile, "d_forge.ipynb")
    assert float(row["total_points_earned"]) == 0 and row["grading_status"] == "Completed"


def test_grade_hostile_3_planted_modules_change_no_other_row(hostile: dict) -> None:
    row = hostile["grades"]["b_plant.ipynb"]
    assert "planted" in _output(hostile, "b_plant.ipynb")
    assert row["grading_status"] == "Completed" and float(row["total_points_earned"]) == 0
    # every submission graded after it (same two workers) ran to the end, the innocent ones at their usual score
    assert {n: r["grading_status"] for n, r in hostile["grades"].items() if r["grading_status"] != "Completed"
            and n != "points-per-question"} == {"g_flood.ipynb": "output-limit"}  # its "--" is written "'--" (OWASP)
    assert [float(hostile["grades"][n]["total_points_earned"]) for n in INNOCENT] == [EXPECTED[s] for s in
                                                                                      INNOCENT.values()]


def test_grade_hostile_4_no_string_of_the_graders_environment_reaches_the_student(hostile: dict) -> None:
    out = _output(hostile, "e_environment.ipynb")
    assert "envp: [" in out and "stack not read" not in out
    envp = eval(out.split("envp: ", 1)[1].splitlines()[0])  # noqa: S307 - our own test's output
    assert {e.split("=", 1)[0] for e in envp} <= {"PATH", "LANG", "LC_ALL"}
    for text in hostile["results"].values():
        assert SECRET not in text and "LMCOURSE_GRADER_SECRET" not in text
        if not sys.prefix.startswith(str(gf.ROOT)):  # a venv inside the checkout is the installation, not a leak
            assert str(gf.ROOT) not in text


def test_grade_hostile_5_ipc_and_keys_do_not_reach_another_submission(hostile: dict) -> None:
    made = _output(hostile, "f_ipc.ipynb")
    assert "segments made: 3" in made and "key in user True" in made  # the attack itself worked ...
    for out in (_output(hostile, "y_reader.ipynb"), gf.result(hostile["out2"], "reader.ipynb")["output"]):
        assert "READER segments [] keys []" in out  # ... and nothing of it reached a later submission


def test_grade_hostile_6_a_flood_on_the_result_pipe_costs_the_grader_little(hostile: dict) -> None:
    assert hostile["grades"]["g_flood.ipynb"]["grading_status"] == "output-limit"
    assert float(hostile["grades"]["g_flood.ipynb"]["total_points_earned"]) == 0
    assert hostile["peak_kb"] < 400_000, hostile["peak_kb"]  # the old grader kept 31 MB of lines: 1.4 GB


def test_grade_hostile_8_hidden_inputs_never_reach_the_student(hostile: dict) -> None:
    hidden = [t["probe"] for q in hostile["checks"]["questions"] for t in q["tests"] if t["hidden"]
              and "(" in t["probe"]]
    inputs = [p.split("(", 1)[1].rsplit(")", 1)[0] for p in hidden]
    assert inputs
    res = json.loads(hostile["results"]["h_hidden.ipynb.json"])
    assert "INPUT [1.2, 0.5, 2.3]" in res["output"]  # the public input may be shown ...
    for text in hostile["results"].values():
        assert not any(i in text for i in inputs)  # ... the hidden ones are in no results file
    assert float(hostile["grades"]["h_hidden.ipynb"]["q1"]) == 0


def test_grade_hostile_7_kill_9_leftovers_are_removed_on_rerun(tmp_path: Path) -> None:
    built = gf.build(tmp_path / "dist")
    zip_path = built / "autograder" / "autograder.zip"
    subs = tmp_path / "subs"
    subs.mkdir()
    for i in range(3):
        gf.with_cells(built / "student" / f"{gf.ASSIGNMENT}.ipynb", [gf.cell("sleep_forever")], subs / f"s{i}.ipynb")
    shutil.copy(EXAMPLES / "correct.ipynb", subs / "t_correct.ipynb")
    cmd = [sys.executable, "-m", "autograder.cli", "grade", "-a", str(zip_path), str(subs), "--out",
           str(tmp_path / "out"), "--quiet", "--workers", "2", "--timeout", "6"]
    env = {**os.environ, "LMCOURSE_SANDBOX_UID_BASE": str(gf.UID_BASE)}
    proc = subprocess.Popen(cmd, cwd=gf.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not any(d.glob("sub-*") for d in _run_dirs(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _run_dirs(proc.pid)  # what kill -9 leaves: the run folder with a submission's working directory
    rerun = subprocess.run(cmd, cwd=gf.ROOT, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert _run_dirs(proc.pid) == [] and gf.survivors() == []
    rows = gf.grades(tmp_path / "out")
    assert float(rows["t_correct.ipynb"]["total_points_earned"]) == EXPECTED["correct.ipynb"]
    assert {rows[f"s{i}.ipynb"]["grading_status"] for i in range(3)} == {"timeout"}


def test_grade_hostile_5_concurrent_shards_run_under_different_uids(tmp_path: Path) -> None:
    from autograder.grade.batch import in_shard

    built = gf.build(tmp_path / "dist")
    subs = tmp_path / "subs"
    subs.mkdir()
    names = [f"u{i}.ipynb" for i in range(12)]
    assert any(in_shard(n, (1, 2)) for n in names) and any(in_shard(n, (2, 2)) for n in names)
    for n in names:
        gf.with_cells(built / "student" / f"{gf.ASSIGNMENT}.ipynb", ["import os, time\nprint('UID', os.getuid())\n"
                                                                      "time.sleep(1)"], subs / n)
    env = {**os.environ, "LMCOURSE_SANDBOX_UID_BASE": str(gf.UID_BASE)}
    procs = [subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", "-a",
                               str(built / "autograder" / "autograder.zip"), str(subs), "--out", str(tmp_path / "out"),
                               "--quiet", "--workers", "1", "--shard", f"{k}/2"], cwd=gf.ROOT, env=env,
                              stderr=subprocess.DEVNULL) for k in (1, 2)]
    assert [p.wait() for p in procs] == [0, 0]
    uids = {k: {int(gf.result(tmp_path / "out", n)["output"].split("UID ", 1)[1].split()[0])
                for n in names if in_shard(n, (k, 2))} for k in (1, 2)}
    assert not uids[1] & uids[2] and all(u in gf.UID_RANGE for u in uids[1] | uids[2])


@pytest.mark.slow
def test_grade_hostile_2_decorated_honest_code_scores_what_stock_otter_gives(tmp_path: Path) -> None:
    """@torch.no_grad() on correct q4/q5 functions (once 8 of 13 under the tracer) scores like stock `otter run`."""
    built = gf.build(tmp_path / "dist")
    zip_path = built / "autograder" / "autograder.zip"
    wrap = "import torch\n" + "".join(f"{f} = torch.no_grad()({f})\n" for f in ("sequence_loss_from_logits",
                                                                                  "sequence_log_prob"))
    nb = gf.with_cells(EXAMPLES / "correct.ipynb", [wrap], tmp_path / "no_grad.ipynb")
    gf.grade(zip_path, [nb], tmp_path / "ours")
    ours = {t["name"]: t["score"] for t in gf.result(tmp_path / "ours", "no_grad.ipynb")["tests"] if "max_score" in t}
    (tmp_path / "otter").mkdir()
    subprocess.run([str(Path(sys.executable).with_name("otter")), "run", "-a", str(zip_path), "-o",
                    str(tmp_path / "otter"), str(nb)], check=True, capture_output=True, cwd=tmp_path / "otter")
    theirs = {t["name"]: t["score"] for t in json.loads((tmp_path / "otter" / "results.json").read_text())["tests"]
              if "max_score" in t}
    assert ours == theirs and sum(ours.values()) == EXPECTED["correct.ipynb"]
