"""No single submission breaks the batch (issue 22, part A), end to end: `lmcourse grade` over 40 submissions of which
14 attack the grader (one of each class in benchmarks/hostile_batch.py: replies the grader must read as data, file
names any file system allows, probes that try to carry a hidden input back, a notebook of 2000 shell lines), next to
innocent copies of the examples whose rows must equal a solo run's; and a grader failure on one submission is that
submission's grader-error row, graded again by the next run."""

from __future__ import annotations

import importlib.util
import json
import shutil
import zipfile
from pathlib import Path

import grade_fixtures as gf
import pytest

from autograder.grade import batch

pytestmark = pytest.mark.slow
_spec = importlib.util.spec_from_file_location("hostile_batch", gf.ROOT / "benchmarks" / "hostile_batch.py")
hb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hb)
ENV = {"LMCOURSE_SANDBOX_UID_BASE": str(gf.UID_BASE)}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("hostile-batch")
    zip_path = gf.build(tmp / "dist") / "autograder" / "autograder.zip"
    with zipfile.ZipFile(zip_path) as z:
        checks = json.loads(z.read("lmcourse/checks/default.json"))
    subs, solo = tmp / "subs", tmp / "solo"
    subs.mkdir()
    solo.mkdir()
    kinds = hb.make_batch(subs, 40, 0.35, checks)
    attacks = hb.hostile_cells(checks)
    neighbours = list({k: n for n, k in reversed(kinds.items()) if k not in attacks}.values())[:4]  # 4 kinds
    for name in neighbours:
        shutil.copy(subs / name, solo / name)
    run = hb.grade(zip_path, subs, tmp / "out", "--workers", "2", env=ENV)
    first = hb.rows(tmp / "out") if run["returncode"] == 0 else {}
    rerun = hb.grade(zip_path, subs, tmp / "out", "--workers", "2", env=ENV)
    alone = hb.grade(zip_path, solo, tmp / "solo-out", "--workers", "2", "--no-similarity", env=ENV)
    return {"tmp": tmp, "zip": zip_path, "kinds": kinds, "checks": checks, "run": run, "rerun": rerun,
            "alone": alone, "result": hb.check(tmp / "out", kinds, run, checks), "first": first,
            "neighbours": neighbours}


def test_hostile_batch_every_class_is_there(hostile: dict) -> None:
    assert set(hostile["kinds"].values()) >= set(hb.hostile_cells(hostile["checks"]))


def test_hostile_batch_completes_with_every_row_and_again_on_a_rerun(hostile: dict) -> None:
    assert hostile["run"]["returncode"] == 0, hostile["run"]["stderr"][-3000:]
    assert hostile["result"]["every_row_present"] and hostile["result"]["statuses"].get("grader-error", 0) == 0
    assert hostile["rerun"]["returncode"] == 0 and hb.rows(hostile["tmp"] / "out") == hostile["first"]
    assert (hostile["tmp"] / "out" / "report.html").exists() and (hostile["tmp"] / "out" / "similarity.csv").exists()


def test_hostile_batch_innocent_rows_equal_a_solo_run(hostile: dict) -> None:
    together, alone = hb.rows(hostile["tmp"] / "out"), hb.rows(hostile["tmp"] / "solo-out")
    assert hostile["alone"]["returncode"] == 0
    names = hostile["neighbours"]
    assert len(names) == 4 and {n: together[n] for n in names} == {n: alone[n] for n in names}
    assert hostile["result"]["innocent_rows_as_expected"], hostile["result"]["innocent_wrong"]


def test_hostile_batch_names_are_graded_bounded_and_recoverable(hostile: dict) -> None:
    import codecs
    import os

    assert hostile["result"]["hostile_names_score_in_full"], hostile["result"]["hostile_names_wrong"]
    on_disk = {os.fsencode(p.name) for p in (hostile["tmp"] / "subs").iterdir()}
    for name in hostile["kinds"]:
        assert codecs.escape_decode(name.encode())[0] in on_disk  # the original bytes, from the reported name
    assert all(len(p.name.encode()) < 100 for p in (hostile["tmp"] / "out" / "results").iterdir())


def test_hostile_batch_no_formula_cell_no_control_character_no_hidden_input(hostile: dict) -> None:
    r = hostile["result"]
    assert r["formula_cells"] == [] and not r["control_characters_on_terminal"]
    assert r["hidden_inputs_in_results"] == [] and r["results_with_timing"] == 0
    table = hostile["run"]["stdout"]
    assert "'=HYPERLINK" not in table and "\\x1b[2J" in table  # the terminal gets the name, escaped


def test_a_grader_failure_on_one_submission_is_its_own_row_then_regraded(hostile: dict, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a.ipynb", "b.ipynb", "c.ipynb"):
        shutil.copy(gf.ROOT / "examples" / "submissions" / "loss" / "correct.ipynb", subs / name)
    real = batch.answers.annotate

    def failing(result: dict, checks: object, reply: dict) -> None:
        if reply.get("id") == "b.ipynb":
            raise KeyError("value")  # what an unguarded reply field used to raise
        real(result, checks, reply)

    monkeypatch.setenv("LMCOURSE_SANDBOX_UID_BASE", str(gf.UID_BASE))
    monkeypatch.setattr(batch.answers, "annotate", failing)
    opts = batch.Options(workers=2, progress=False)
    first = {s["file"]: s["status"] for s in batch.run(hostile["zip"], [subs], tmp_path / "out", opts)}
    assert first == {"a.ipynb": "Completed", "b.ipynb": "grader-error", "c.ipynb": "Completed"}
    assert "b.ipynb: the grader failed while scoring it (KeyError" in capsys.readouterr().err
    feedback = gf.result(tmp_path / "out", "b.ipynb")["output"]
    assert "graded again on the next run" in feedback and "KeyError" not in feedback
    monkeypatch.setattr(batch.answers, "annotate", real)
    again = {s["file"]: (s["status"], s["total"]) for s in batch.run(hostile["zip"], [subs], tmp_path / "out", opts)}
    assert again == {n: ("Completed", gf.full_marks()) for n in ("a.ipynb", "b.ipynb", "c.ipynb")}
