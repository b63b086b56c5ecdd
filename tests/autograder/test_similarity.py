"""Code similarity in `lmcourse grade`, on submissions made from examples/submissions/loss/blank.ipynb."""

from __future__ import annotations

import csv
import inspect
import json
import textwrap
from pathlib import Path

import grade_fixtures as gf  # tests/support, importable through tests/conftest.py
import pytest

from autograder.grade import similarity  # noqa: E402
from autograder.grade.bundle import Bundle  # noqa: E402
from autograder.grade.submissions import collect  # noqa: E402

BLANK = gf.ROOT / "examples" / "submissions" / "loss" / "blank.ipynb"
LOOP = """import torch


def sequence_loss_from_logits(logits, ids):
    total = 0.0
    for i in range(1, len(ids)):
        row = logits[i - 1].double()
        total += float(torch.logsumexp(row, 0) - row[ids[i]])
    return total
"""
LOOP_RENAMED = """import torch


def sequence_loss_from_logits(logits, ids):
    # my own work
    acc = 0
    for step in range(1, len(ids)):
        z = logits[step - 1].double()
        acc += float(torch.logsumexp(z, 0) - z[ids[step]])
    return acc
"""
CROSS_ENTROPY = """import torch
import torch.nn.functional as F


def sequence_loss_from_logits(logits, ids):
    target = torch.tensor(list(ids[1:]))
    return F.cross_entropy(logits[:-1].double(), target, reduction='sum').item()
"""


def pasted_cross_entropy() -> str:
    """lmcore's cross_entropy pasted into q2's answer cell, its variables renamed."""
    import lmcore.losses

    src = textwrap.dedent(inspect.getsource(lmcore.losses.cross_entropy))
    for old, new in (("p_t", "pp"), ("q_t", "qq"), ("dtype", "dt")):
        src = src.replace(old, new)
    return "import torch\n\n\n" + src.replace("torch.dt", "torch.dtype")


def notebook(dest: Path, answers: dict[str, str]) -> Path:
    """blank.ipynb with the answer cells of the given questions replaced."""
    nb = json.loads(BLANK.read_text(encoding="utf-8"))
    code = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    for k, i in enumerate(code):
        m = similarity.CHECK_CELL.search("".join(nb["cells"][i]["source"]))
        if m and m.group(1) in answers:
            nb["cells"][code[k - 1]]["source"] = answers[m.group(1)]
    dest.write_text(json.dumps(nb), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("similarity")
    out = gf.build(tmp / "dist")
    zip_path = out / "autograder" / "autograder.zip"
    return {"tmp": tmp, "zip": zip_path, "checks": Bundle.load(zip_path).checks["default"],
            "template": similarity.template_path(zip_path, "loss")}


def flagged(built: dict, folder: Path, threshold: float = similarity.THRESHOLD) -> list[similarity.Pair]:
    return similarity.run(collect([folder]), built["checks"], built["template"], threshold)


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_flags_pasted_lmcore_against_the_reference(built: dict, tmp_path: Path) -> None:
    notebook(tmp_path / "paster.ipynb", {"q2": pasted_cross_entropy()})
    notebook(tmp_path / "honest.ipynb", {"q2": "import torch\n\n\ndef cross_entropy(p, q):\n    mask = p > 0\n"
                                               "    return float(-(p[mask] * q[mask].log()).sum())\n"})
    pairs = flagged(built, tmp_path)
    hits = {(p.question, p.a, p.b): p.score for p in pairs}
    assert hits[("q2", "paster.ipynb", "reference:lmcore.losses.cross_entropy")] >= similarity.THRESHOLD
    assert not [k for k in hits if "honest.ipynb" in k]


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_flags_the_same_answer_under_renamed_variables(built: dict, tmp_path: Path) -> None:
    notebook(tmp_path / "ada.ipynb", {"q4": LOOP})
    notebook(tmp_path / "bob.ipynb", {"q4": LOOP_RENAMED})
    pairs = flagged(built, tmp_path)
    [pair] = [p for p in pairs if not p.b.startswith("reference:")]
    assert (pair.question, pair.a, pair.b) == ("q4", "ada.ipynb", "bob.ipynb") and pair.score >= 0.9
    assert pair.a_marks and pair.b_marks  # the matched regions, for the report
    assert all(0 <= a < b <= len(pair.b_code) for a, b in pair.b_marks)


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_does_not_flag_independent_answers(built: dict, tmp_path: Path) -> None:
    notebook(tmp_path / "ada.ipynb", {"q4": LOOP})
    notebook(tmp_path / "cy.ipynb", {"q4": CROSS_ENTROPY})
    assert flagged(built, tmp_path) == []


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_template_alone_flags_nothing(built: dict, tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        notebook(tmp_path / f"{name}.ipynb", {})
    assert flagged(built, tmp_path, threshold=0.01) == []


def test_similarity_normalizes_identifiers_and_literals() -> None:
    a, _, _ = similarity.normalize("total = 1.5  # note\nreturn math.fsum(total, 'x')")
    b, _, _ = similarity.normalize("acc = 42\nreturn m.fsum(acc, \"another string\")")
    assert a == b == "V=NreturnV.fsum(V,S)"


def test_similarity_answer_regions_follow_the_check_cells() -> None:
    cells = ["setup = 1", "def f(): pass", "helper = 2", 'grader.check("q1")', "def g(): pass", "grader.check('q2')",
             "q3_answer = 'B'"]
    assert similarity.answer_regions(cells) == {"q1": ["setup = 1", "def f(): pass", "helper = 2"],
                                                "q2": ["def g(): pass"]}


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_leaves_untouched_template_cells_out(built: dict, tmp_path: Path) -> None:
    notebook(tmp_path / "ada.ipynb", {"q1": "def sequence_total(xs):\n    return sum(xs)"})
    template = similarity.Template.load(built["template"])
    answers = similarity.collect_answers(collect([tmp_path]), built["checks"], template)
    assert answers["q1"] == {"ada.ipynb": ["def sequence_total(xs):\n    return sum(xs)"]}  # no setup cell
    assert answers["q2"] == {}  # the starter, untouched


def test_similarity_compares_only_answers_that_share_a_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = similarity.compare
    monkeypatch.setattr(similarity, "compare", lambda *a, **k: calls.append(a[:2]) or real(*a, **k))
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
    answers = {f"s{i}.ipynb": f"def f(x):\n    return x.{w}().{w}_{w}().{w}_again()" for i, w in enumerate(words)}
    answers["copy.ipynb"] = answers["s5.ipynb"].replace("(x)", "(z)").replace("return x", "return z")
    pairs = similarity.find_pairs({"q1": answers}, {}, set(), 0.5)
    assert [(p.a, p.b) for p in pairs] == [("copy.ipynb", "s5.ipynb")]
    assert len(calls) == 1  # not 13 * 12 / 2 comparisons


def test_similarity_ignores_code_common_to_many_answers_but_not_the_reference() -> None:
    body = "def f(values):\n    out = 0\n    for v in values:\n        out += v * v\n    return out\n"
    answers = {f"s{i:02d}.ipynb": body.replace("out", f"o{i}") for i in range(similarity.COMMON + 1)}
    pairs = similarity.find_pairs({"q1": answers}, {"q1": {"reference:lib.f": body}}, set(), 0.5)
    assert {p.b for p in pairs} == {"reference:lib.f"} and len(pairs) == similarity.COMMON + 1


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_references_are_lmcore_source_and_the_solution(built: dict) -> None:
    refs = similarity.references(built["checks"])
    assert set(refs["q4"]) == {"reference:lmcore.losses.sequence_loss", "reference:lmcore.losses.step_losses",
                               "reference:lmcore.losses.sequence_log_prob", "reference:solutions/loss/q4.py"}
    assert "def step_losses(" in refs["q4"]["reference:lmcore.losses.step_losses"]
    assert "PROMPT" not in refs["q4"]["reference:solutions/loss/q4.py"]
    assert "q7" not in refs  # multiple choice: no code


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_in_the_grade_cli(built: dict) -> None:
    subs = built["tmp"] / "subs"
    subs.mkdir()
    notebook(subs / "ada.ipynb", {"q4": LOOP})
    notebook(subs / "bob.ipynb", {"q4": LOOP_RENAMED, "q2": pasted_cross_entropy()})
    notebook(subs / "blank.ipynb", {})
    out = built["tmp"] / "grades"
    gf.grade(built["zip"], [subs], out, "--workers", "1")
    with open(out / "similarity.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {(r["question"], r["a"], r["b"]) for r in rows} == {
        ("q4", "ada.ipynb", "bob.ipynb"), ("q2", "bob.ipynb", "reference:lmcore.losses.cross_entropy")}
    assert all(similarity.THRESHOLD <= float(r["score"]) <= 1 for r in rows)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Similar code" in html and "ada.ipynb ↔ bob.ipynb" in html and "<mark>" in html
    strict = built["tmp"] / "strict"
    gf.grade(built["zip"], [subs], strict, "--workers", "1", "--similarity-threshold", "1")
    assert len((strict / "similarity.csv").read_text().splitlines()) < 1 + len(rows)
    off = built["tmp"] / "off"
    gf.grade(built["zip"], [subs], off, "--workers", "1", "--no-similarity")
    assert not (off / "similarity.csv").exists() and "Similar code" not in (off / "report.html").read_text()


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_without_the_student_notebook_warns_and_skips(built: dict, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere" / "autograder.zip"
    moved.parent.mkdir()
    moved.write_bytes(built["zip"].read_bytes())
    notebook(tmp_path / "ada.ipynb", {"q4": LOOP})
    with pytest.warns(UserWarning, match="--template"):
        assert similarity.flag(moved, None, [tmp_path / "ada.ipynb"], tmp_path, 0.5, None) is None
    assert not (tmp_path / "similarity.csv").exists()
    pairs = similarity.flag(moved, None, [tmp_path / "ada.ipynb"], tmp_path, 0.5, built["template"])
    assert pairs == [] and (tmp_path / "similarity.csv").read_text() == "question,a,b,score\n"
