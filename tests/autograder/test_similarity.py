"""Code similarity in `lmcourse grade`: pairs of students ranked by what their code shares, weighted by length and
rarity, with evidence per question; the starter notebook (each student's own variant's) never counts."""

from __future__ import annotations

import csv
import inspect
import json
import textwrap
from pathlib import Path

import grade_fixtures as gf  # tests/support, importable through tests/conftest.py
import pytest

from autograder.grade import matching, similarity
from autograder.grade.bundle import Bundle
from autograder.grade.submissions import collect

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
DATASET = """import math


def dataset_total(step_losses_per_sequence):
    grand = 0.0
    for seq in step_losses_per_sequence:
        for loss in seq:
            grand += float(loss)
    return grand
"""
STEPS_GATHER = """import torch


def step_losses_from_probs(probs, targets):
    idx = torch.tensor(targets).view(-1, 1)
    return -torch.log(probs.gather(1, idx).squeeze(1))
"""
STEPS_LOOP = """import torch


def step_losses_from_probs(probs, targets):
    out = []
    for i, t in enumerate(targets):
        out.append(-torch.log(probs[i, t]))
    return torch.stack(out)
"""
TOTAL = """import math


def sequence_total(step_losses):
    acc = 0.0
    for x in step_losses:
        acc = acc + float(x)
    return acc
"""
NATURAL_Q2 = "import torch\n\n\ndef cross_entropy(p, q):\n    return float(-(p * torch.log(q)).nansum())\n"


def pasted_cross_entropy() -> str:
    """lmcore's cross_entropy pasted into q2's answer cell, its variables renamed."""
    import lmcore.losses

    src = textwrap.dedent(inspect.getsource(lmcore.losses.cross_entropy))
    for old, new in (("p_t", "pp"), ("q_t", "qq"), ("dtype", "dt")):
        src = src.replace(old, new)
    return "import torch\n\n\n" + src.replace("torch.dt", "torch.dtype")


def notebook(dest: Path, answers: dict[str, str], extra: list[str] = (), base: Path = BLANK) -> Path:
    """`base` with the answer cells of the given questions replaced and `extra` cells appended at the end."""
    nb = json.loads(base.read_text(encoding="utf-8"))
    code = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    for k, i in enumerate(code):
        m = similarity.CHECK_CELL.search("".join(nb["cells"][i]["source"]))
        if m and m.group(1) in answers:
            nb["cells"][code[k - 1]]["source"] = answers[m.group(1)]
    nb["cells"] += [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": s}
                    for s in extra]
    dest.write_text(json.dumps(nb), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("similarity")
    out = gf.build(tmp / "dist")
    zip_path = out / "autograder" / "autograder.zip"
    return {"tmp": tmp, "zip": zip_path, "checks": Bundle.load(zip_path).checks["default"],
            "template": similarity.template_path(zip_path, "loss")}


def ranked(built: dict, folder: Path) -> list[matching.Pair]:
    return similarity.run(collect([folder]), built["checks"], built["template"])


def flagged(built: dict, folder: Path, threshold: float = similarity.THRESHOLD) -> list[matching.Pair]:
    return [p for p in ranked(built, folder) if p.score >= threshold]


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_flags_pasted_lmcore_against_the_reference(built: dict, tmp_path: Path) -> None:
    notebook(tmp_path / "paster.ipynb", {"q2": pasted_cross_entropy()})
    notebook(tmp_path / "honest.ipynb", {"q2": "import torch\n\n\ndef cross_entropy(p, q):\n    mask = p > 0\n"
                                               "    return float(-(p[mask] * q[mask].log()).sum())\n"})
    hits = {(p.a.name, p.b.name): p for p in flagged(built, tmp_path)}
    paste = hits[("paster.ipynb", "reference:lmcore.losses.cross_entropy")]
    assert paste.score >= 0.9 and paste.evidence()[0][:2] == ("q2", "q2")
    assert not [k for k in hits if "honest.ipynb" in k]


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_a_natural_answer_equal_to_the_solution_is_not_a_copy(built: dict, tmp_path: Path) -> None:
    """The solution's own one-liner, which any student may write, matches the reference solution whole: it counts
    for nothing (issue 19: a natural one-liner scored 0.90 against the solution)."""
    notebook(tmp_path / "natural.ipynb", {"q2": NATURAL_Q2})
    notebook(tmp_path / "other.ipynb", {"q4": CROSS_ENTROPY})
    assert [p for p in ranked(built, tmp_path) if p.reference] == []


def classmates(folder: Path, n: int = 8) -> None:
    """n honest students of the generated class (tests/support/classroom.py): a class for rarity to mean something."""
    import random

    import classroom as cr

    nb = json.loads(BLANK.read_text(encoding="utf-8"))
    for k in range(n):
        cr.write(folder / f"z{k}.ipynb", cr.notebook(nb, cr.honest(f"z{k}", nb, "B", random.Random(k))))


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_flags_the_same_answers_under_renamed_variables(built: dict, tmp_path: Path) -> None:
    classmates(tmp_path)
    ada = {"q2": NATURAL_Q2, "q3": STEPS_GATHER, "q4": LOOP, "q6": DATASET}
    notebook(tmp_path / "ada.ipynb", ada)
    notebook(tmp_path / "bob.ipynb", {"q2": NATURAL_Q2.replace("(p, q)", "(a, b)").replace("p *", "a *"),
                                      "q3": STEPS_GATHER.replace("idx", "ix"), "q4": LOOP_RENAMED,
                                      "q6": DATASET.replace("grand", "g").replace("seq", "x")})
    notebook(tmp_path / "cy.ipynb", {"q4": LOOP})  # cy's only answer is ada's q4, which three students now hold
    pairs = ranked(built, tmp_path)
    assert [(p.a.name, p.b.name) for p in pairs][:1] == [("ada.ipynb", "bob.ipynb")]
    assert pairs[0].score >= similarity.THRESHOLD > max(p.score for p in pairs[1:])
    assert {e[:2] for e in pairs[0].evidence()} == {("q2", "q2"), ("q3", "q3"), ("q4", "q4"), ("q6", "q6")}
    assert all(0 <= s < e <= pairs[0].a.lengths[f.a_cell] for f in pairs[0].fragments for s, e in [f.a])


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_one_shared_answer_in_otherwise_different_notebooks_is_not_flagged(built: dict,
                                                                                       tmp_path: Path) -> None:
    """The same four-line answer to one question, and nothing else alike: a coincidence scores under the
    threshold (the pair is still ranked, with its evidence)."""
    notebook(tmp_path / "ada.ipynb", {"q4": LOOP, "q6": DATASET, "q3": STEPS_GATHER})
    notebook(tmp_path / "bob.ipynb", {"q4": LOOP_RENAMED, "q6": "import math\n\n\ndef dataset_total(s):\n"
                                      "    return sum(map(sum, s))\n", "q3": STEPS_LOOP})
    [pair] = ranked(built, tmp_path)
    assert 0 < pair.score < similarity.THRESHOLD


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_does_not_flag_independent_answers(built: dict, tmp_path: Path) -> None:
    notebook(tmp_path / "ada.ipynb", {"q4": LOOP})
    notebook(tmp_path / "cy.ipynb", {"q4": CROSS_ENTROPY})
    assert flagged(built, tmp_path) == []


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_finds_answers_pasted_after_the_last_check(built: dict, tmp_path: Path) -> None:
    """Issue 22: a classmate's answer pasted after the notebook's last grader.check is compared too."""
    notebook(tmp_path / "ada.ipynb", {"q4": LOOP})
    notebook(tmp_path / "bob.ipynb", {}, extra=[LOOP_RENAMED])
    [pair] = flagged(built, tmp_path)
    assert {pair.a.name, pair.b.name} == {"ada.ipynb", "bob.ipynb"}
    assert {tuple(sorted(e[:2])) for e in pair.evidence()} == {(similarity.TAIL, "q4")}


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_template_alone_flags_nothing(built: dict, tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        notebook(tmp_path / f"{name}.ipynb", {})
    assert ranked(built, tmp_path) == []


def test_similarity_normalizes_identifiers_and_literals() -> None:
    a, _, _ = similarity.normalize("total = 1.5  # note\nreturn math.fsum(total, 'x')")
    b, _, _ = similarity.normalize("acc = 42\nreturn m.fsum(acc, \"another string\")")
    assert a == b == "V=NreturnV.fsum(V,S)"


def test_similarity_answer_regions_cover_every_cell() -> None:
    cells = ["setup = 1", "def f(): pass", "helper = 2", 'grader.check("q1")', "def g(): pass", "grader.check('q2')",
             "q3_answer = 'B'"]
    assert similarity.answer_regions(cells) == {"q1": ["setup = 1", "def f(): pass", "helper = 2"],
                                                "q2": ["def g(): pass"], similarity.TAIL: ["q3_answer = 'B'"]}


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_leaves_untouched_template_cells_out(built: dict, tmp_path: Path) -> None:
    notebook(tmp_path / "ada.ipynb", {"q1": "def sequence_total(xs):\n    return sum(xs)"}, extra=["print(1)"])
    starters = similarity.Starters(similarity.Template.load(built["template"]))
    [answer] = similarity.collect_answers(collect([tmp_path]), starters)
    assert list(zip(answer.regions, answer.cells, strict=True)) == [
        ("q1", "def sequence_total(xs):\n    return sum(xs)"), (similarity.TAIL, "print(1)")]  # no setup cell


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_similarity_caps_what_one_submission_costs(built: dict, tmp_path: Path) -> None:
    """Issue 22: a 2.4 MB answer cell cost similarity 784 MB and 37 s. Grading refuses over MAX_CODE characters of
    code (too-large); under it, cells are cut at MAX_CELL characters, a submission's own code at MAX_OWN and its
    cells at MAX_CELLS, and code is read as written (no IPython transform, which costs superlinear time on 2,000
    `!echo` lines)."""
    from autograder.grade.submissions import MAX_CODE

    huge = "x = 0\n" + "x = x + 1\n" * ((MAX_CODE - 100_000) // 10)  # ~1.9 MB: just under what grading refuses
    notebook(tmp_path / "huge.ipynb", {"q4": huge}, extra=["!echo hi\n" * 2000] + ["y = 1"] * 1000)
    starters = similarity.Starters(similarity.Template.load(built["template"]))
    [answer] = similarity.collect_answers(collect([tmp_path]), starters)
    assert max(map(len, answer.cells)) <= similarity.MAX_CELL
    assert sum(map(len, answer.cells)) <= similarity.MAX_OWN and len(answer.cells) <= similarity.MAX_CELLS
    assert answer.cells[1].startswith("!echo hi")  # as the student wrote it, not get_ipython().system(...)


def test_similarity_compares_only_students_who_share_a_rare_fingerprint() -> None:
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
    answers = [matching.Answer.of(f"s{i}", [("q1", f"def f(x):\n    return x.{w}().{w}_{w}().{w}_again()")], set())
               for i, w in enumerate(words)]
    copied = answers[5].cells[0].replace("(x)", "(z)").replace("return x", "return z")
    answers.append(matching.Answer.of("copy", [("q1", copied)], set()))
    index = matching.Index(answers)
    assert index.candidates() == {(5, 12)}  # not 13 * 12 / 2 comparisons
    assert matching.pair(answers[5], answers[12], index).score > 0


def test_similarity_a_fragment_many_students_share_counts_little() -> None:
    body = LOOP + DATASET.replace("import math", "")  # about 200 normalized characters
    few = [matching.Answer.of(f"s{i}", [("q1", body)], set()) for i in range(2)]
    many = [matching.Answer.of(f"s{i}", [("q1", body)], set()) for i in range(6)]
    alone = matching.pair(few[0], few[1], matching.Index(few)).score
    shared = matching.pair(many[0], many[1], matching.Index(many)).score
    assert alone >= 0.9 and shared == pytest.approx(alone / 5, abs=0.01)  # held by 6: a pair explains 1/5 of it


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
    notebook(subs / "ada.ipynb", {"q1": TOTAL, "q2": NATURAL_Q2, "q3": STEPS_GATHER, "q4": LOOP, "q6": DATASET})
    notebook(subs / "bob.ipynb", {"q1": TOTAL.replace("acc", "t"), "q2": NATURAL_Q2,
                                  "q3": STEPS_GATHER.replace("idx", "ix"), "q4": LOOP_RENAMED,
                                  "q6": DATASET.replace("grand", "g")})
    notebook(subs / "cy.ipynb", {"q2": pasted_cross_entropy(), "q4": CROSS_ENTROPY})
    notebook(subs / "blank.ipynb", {})
    classmates(subs, 6)
    out = built["tmp"] / "grades"
    gf.grade(built["zip"], [subs], out, "--workers", "1")
    with open(out / "similarity.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["rank", "a", "b", "score", "share_a", "share_b", "flagged", "evidence"]
    assert {(r["a"], r["b"]) for r in rows if r["flagged"]} == {
        ("ada.ipynb", "bob.ipynb"), ("cy.ipynb", "reference:lmcore.losses.cross_entropy")}
    assert [r["rank"] for r in rows] == [str(k) for k in range(1, len(rows) + 1)]
    assert "q4↔q4" in next(r["evidence"] for r in rows if r["b"] == "bob.ipynb")
    page = (out / "similarity.html").read_text(encoding="utf-8")
    assert "ada.ipynb ↔ bob.ipynb" in page and "<mark>" in page and 'href="similarity.csv"' in page
    assert "ada.ipynb" in (out / "report.html").read_text(encoding="utf-8")
    off = built["tmp"] / "off"
    gf.grade(built["zip"], [subs], off, "--workers", "1", "--no-similarity")
    assert not (off / "similarity.csv").exists()


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
    assert pairs == [] and (tmp_path / "similarity.csv").read_text().startswith("rank,a,b,score")
