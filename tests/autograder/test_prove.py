"""The build proves each assignment before writing it (autograder/build/prove.py): a wrong solution, a hidden test a
memorized public answer passes, a points mismatch and an undeclared mistake id each stop `lmcourse build` with a
message naming the file, question and test, and nothing is written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.build.prove import memorized_literal, sample
from autograder.runtime import checks as c

ROOT = Path(__file__).resolve().parents[2]


def _copy(tmp_path: Path) -> Path:
    """The code and content of this checkout, copied: a test then changes one content file."""
    root = tmp_path / "repo"
    for d in ("autograder", "lmcore", "assignments", "solutions"):
        shutil.copytree(ROOT / d, root / d, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path} no longer holds {old!r}: update this test"
    path.write_text(text.replace(old, new), encoding="utf-8")


UNDECLARED = """

_question = question


def question(p, name):
    from autograder.runtime.checks import Mistake

    q = _question(p, name)
    q.tests[0].mistakes.append(Mistake("no-such-mistake-anywhere", -12345.0, "a mistake nobody declared."))
    return q
"""


def _lmcourse(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=900)


def test_prove_sample_is_the_default_and_evenly_spaced_variants():
    vs = [f"v{i:02d}" for i in range(10)]
    assert sample([], 3) == ["default"]
    assert sample(vs, 3) == ["default", "v00", "v03", "v06"]
    assert sample(vs[:2], 3) == ["default", "v00", "v01"]
    assert sample(vs, 0) == ["default"]


def test_prove_memorized_answers_are_the_public_values_as_a_student_would_return_them():
    assert memorized_literal(c.Test("t", "f(1)", 4.0)) == "4.0"
    assert memorized_literal(c.Test("t", "f(1)", ["a", "b"], kind="exact")) == "['a', 'b']"
    assert memorized_literal(c.Test("t", "f(1)", [[1, 0]], kind="array", dtype="float32")) == \
        "torch.tensor([[1, 0]], dtype=torch.float32)"
    assert memorized_literal(c.Test("t", "f(1)", [1, 2], kind="array", dtype="int")) == \
        "torch.tensor([1, 2], dtype=torch.int64)"
    assert memorized_literal(c.Test("t", "f(1)", [0.5], kind="array")) == "torch.tensor([0.5], dtype=torch.float64)"
    assert memorized_literal(c.Test("t", "q7_answer", ["A", "B"], kind="choice-format")) is None


def test_prove_points_mismatch_stops_the_build_naming_the_file(tmp_path):
    """Question(name, 1, [two 1-point tests]): stock Otter would grade out of 2, lmcourse grade out of 1."""
    root = _copy(tmp_path)
    checks = root / "assignments" / "loss" / "01_sequence_total" / "checks.py"
    _edit(checks, "Question(name, 2,", "Question(name, 1,")
    r = _lmcourse(root, "build", "loss", "--out", str(tmp_path / "dist"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"loss: build failed: {checks}: q1 is declared with 1 points but its tests are worth" in r.stderr
    assert "= 2; stock Otter would grade it out of 2 and lmcourse grade out of 1" in r.stderr
    assert not (tmp_path / "dist" / "loss").exists()


def test_prove_unknown_mistake_id_stops_the_build_naming_the_file(tmp_path):
    """A mistake id nobody declared (with its words) is refused by the build, naming the file that uses it."""
    root = _copy(tmp_path)
    checks = root / "assignments" / "loss" / "01_sequence_total" / "checks.py"
    with checks.open("a", encoding="utf-8") as f:  # the question's first test also knows an undeclared mistake
        f.write(UNDECLARED)
    r = _lmcourse(root, "build", "loss", "--out", str(tmp_path / "dist"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "loss: build failed" in r.stderr and "no-such-mistake-anywhere" in r.stderr and str(checks) in r.stderr
    assert not (tmp_path / "dist" / "loss" / "autograder").exists()


@pytest.mark.slow
def test_prove_wrong_solution_and_memorizable_hidden_test_stop_the_build_and_write_nothing(tmp_path):
    root = _copy(tmp_path)
    # a wrong reference solution: the mean of the step losses, not their sum
    solution = root / "solutions" / "loss" / "sequence_total.py"
    right = solution.read_text(encoding="utf-8")
    _edit(solution, "return float(math.fsum(step_losses))", "return float(math.fsum(step_losses)) / len(step_losses)")
    # a hidden test on the public inputs: returning the public expected value as a constant passes it
    _edit(root / "assignments" / "loss" / "04_sequence_loss" / "checks.py",
          '"sequence_loss_from_logits(LOGITS[:-1] + 100, IDS[:-1])", shifted,',
          '"sequence_loss_from_logits(LOGITS + 100, IDS)", total,')
    dist = tmp_path / "dist"
    (dist / "loss" / "student").mkdir(parents=True)
    (dist / "loss" / "student" / "last-good.txt").write_text("the previous build", encoding="utf-8")
    r = _lmcourse(root, "build", "loss", "--out", str(dist))
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "loss: the proof failed; nothing was written" in r.stderr
    # the wrong solution: the notebook, variant, question, test and the grader's message (the mistake it makes)
    assert re.search(r"solution \(default\): q1 / q1 sums the step losses: .*mean", r.stderr), out
    # the examples and memorized answers are made from the solution: judged only once it passes
    assert "the mistake examples and memorized answers of variant default are made from the solution" in r.stderr
    assert re.search(r"^  mean_instead_of_sum +q1 .* not judged", r.stderr, flags=re.M), out
    # the memorizable hidden test (in a second run, with the solution right)
    solution.write_text(right, encoding="utf-8")
    r = _lmcourse(root, "build", "loss", "--out", str(dist))
    out = r.stdout + r.stderr
    assert r.returncode == 1 and "solution (default)" not in r.stderr, out
    assert ("memorized-1 (default): q4 / hidden test 'q4 shifted logits, shorter' passes when q4's function returns "
            "the expected value of public test 'q4 sequence loss from logits' as a constant") in r.stderr
    # the proof table is printed with the failure
    assert re.search(r"^  memorized-1 +q1, .*1/\d+ hidden passed .*FAILED", r.stderr, flags=re.M), out
    # nothing written: the last good build is still there, no zip
    assert (dist / "loss" / "student" / "last-good.txt").is_file()
    assert not (dist / "loss" / "autograder").exists()
    assert not [p for p in dist.iterdir() if p.name.startswith(".lmcourse-stage")]
