"""`lmcourse quiz grade` item analysis.

A class of 40 sharing 4 variants per item: an item only the top half gets right discriminates (> 0.3), a variant
that everyone misses is flagged (its own row, Fisher's exact test, and its item), answers are counted by meaning.
A roster quiz of 200 (one variant per student, tests/support/quiz_class.py): an item whose variants with six losses
have an unreachable key is flagged and nothing else is; on fair classes (20 seeds) items are flagged at most 5 % of
the time; blanks are "no answer"; true/false answers are counted as True and False."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import quiz_class as qc  # tests/support
from click.testing import CliRunner

from autograder.cli import main
from autograder.quiz import grade as quiz_grade
from autograder.quiz.engine import item_ids
from autograder.quiz.model import build_quiz
from autograder.quiz.preview import key_doc

N_STUDENTS, N_VARIANTS = 40, 4
TOP_ONLY, HARD_ITEM, HARD_VARIANT = "total_loss", "training_goal", 2


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _counts(cell: str) -> dict[str, int]:
    main_part = cell.split(" (answered")[0]
    return {k: int(v) for k, v in (kv.rsplit(": ", 1) for kv in main_part.split("; ") if kv)}


def _wrong(v: dict) -> tuple[str, str]:
    """A wrong answer and the mistake it names ("" when none)."""
    if v["type"] == "numeric":
        if v["mistakes"]:
            return repr(v["mistakes"][0]["value"]), v["mistakes"][0]["mistake"]
        return "999999", ""
    c = next(c for c in v["choices"] if not c["correct"])
    return c["letter"], c["mistake"] or ""


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, dict, dict]:
    d = tmp_path_factory.mktemp("analysis")
    r = CliRunner().invoke(main, ["quiz", "--variants", str(N_VARIANTS), "--seed", "5", "--format", "json",
                                  "--out", str(d)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    key = json.loads((d / "key.json").read_text(encoding="utf-8"))
    items = key["items"]
    expected_mistakes: dict[str, int] = {}
    with open(d / "responses.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "item", "answer", "variant"])
        for k in range(N_STUDENTS):
            for j, item in enumerate(items):
                code = f"{item}/5/{k % N_VARIANTS}"
                v = key["variants"][code]
                if item == TOP_ONLY:
                    right = k < N_STUDENTS // 2  # only the top half
                elif item == HARD_ITEM:
                    right = k % N_VARIANTS != HARD_VARIANT  # one variant everyone misses
                else:
                    right = k < 14 + 2 * j  # ability falls with k: the rest of the test ranks the top half first
                if right:
                    answer = repr(v["answer"]) if v["type"] == "numeric" else v["answer"]
                else:
                    answer, mistake = _wrong(v)
                    if item == TOP_ONLY and mistake:
                        expected_mistakes[mistake] = expected_mistakes.get(mistake, 0) + 1
                w.writerow([f"s{k:02d}", item, answer, code])
    r = CliRunner().invoke(main, ["quiz", "grade", "--key", str(d / "key.json"), "--responses",
                                  str(d / "responses.csv"), "--out", str(d / "g")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return d / "g", key, expected_mistakes


def test_quiz_analysis_rows_per_item_and_per_variant_with_enough_answers(graded):
    out, key, _ = graded
    rows = _rows(out / "item_analysis.csv")
    assert list(rows[0]) == ["item", "variant", "type", "n", "no_answer", "facility", "discrimination", "p_value",
                             "flagged", "parameter", "answers"]
    assert [r["item"] for r in rows if r["variant"] == "all"] == key["items"]
    for item in key["items"]:
        vs = [r for r in rows if r["item"] == item and r["variant"] != "all"]
        assert [r["variant"] for r in vs] == [f"{item}/5/{i}" for i in range(N_VARIANTS)]  # 10 answers each
        assert sum(int(r["n"]) for r in vs) == N_STUDENTS


def test_quiz_analysis_top_half_item_discriminates(graded):
    rows = {(r["item"], r["variant"]): r for r in _rows(graded[0] / "item_analysis.csv")}
    top = rows[(TOP_ONLY, "all")]
    assert float(top["facility"]) == 0.5 and float(top["discrimination"]) > 0.3
    assert top["flagged"] == ""  # each variant has the same mix of top and bottom students


def test_quiz_analysis_flags_the_variant_everyone_misses(graded):
    rows = _rows(graded[0] / "item_analysis.csv")
    hard = [r for r in rows if r["item"] == HARD_ITEM and r["variant"] != "all"]
    assert [r["variant"] for r in hard if r["flagged"] == "yes"] == [f"{HARD_ITEM}/5/{HARD_VARIANT}"]
    missed = next(r for r in hard if r["flagged"] == "yes")
    assert float(missed["facility"]) == 0.0 and float(missed["p_value"]) < 1e-6
    item = next(r for r in rows if r["item"] == HARD_ITEM and r["variant"] == "all")
    assert item["flagged"] == "yes" and float(item["p_value"]) < 0.001
    assert f"variant = {HARD_ITEM}/5/{HARD_VARIANT}: 0 % right (n = 10)" in item["parameter"]
    assert not [r for r in rows if r["item"] != HARD_ITEM and r["flagged"] == "yes"]


def test_quiz_analysis_counts_answers_by_meaning(graded):
    out, key, expected_mistakes = graded
    rows = _rows(out / "item_analysis.csv")
    top = _counts(next(r for r in rows if r["item"] == TOP_ONLY and r["variant"] == "all")["answers"])
    from autograder.runtime.mistakes import label

    assert top["correct"] == N_STUDENTS // 2 and expected_mistakes
    assert {k: v for k, v in top.items() if k != "correct"} == {label(m): n for m, n in expected_mistakes.items()}
    mcq = next(i for i in key["items"] if key["variants"][f"{i}/5/0"]["type"] == "mcq")
    row = _counts(next(r for r in rows if r["item"] == mcq and r["variant"] == "all")["answers"])
    assert sum(row.values()) == N_STUDENTS and not any(re.fullmatch(r"[A-J]", k) for k in row)  # no letters


def test_quiz_analysis_html_page_with_readable_plots(graded):
    out = graded[0]
    page = (out / "item_analysis.html").read_text(encoding="utf-8")
    pngs = re.findall(r'<img src="([^"]+)"', page)
    assert pngs == ["item_analysis_items.png", "item_analysis_fairness.png"]  # an item is flagged: its groups
    for name in pngs:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (out / name).stat().st_size > 5000
    assert "http" not in page and "Variants unequally hard:</b> training_goal" in page


@pytest.fixture(scope="module")
def roster_key() -> dict:
    return json.loads(json.dumps(key_doc(build_quiz(item_ids(), 1, 2026, qc.roster(200)))))


def _analysed(key: dict, rows: list[list[str]], out: Path) -> list[dict[str, str]]:
    problems: list[str] = []
    responses = quiz_grade.read_responses(qc.write(out / "responses.csv", rows), key, problems)
    assert not problems
    quiz_grade.grade(key, responses, out)
    return [r for r in _rows(out / "item_analysis.csv") if r["variant"] == "all"]


def test_quiz_analysis_flags_an_unreachable_key_with_one_variant_per_student(roster_key: dict, tmp_path: Path):
    """total_loss's variants with six losses have a key nobody reaches (about a quarter of its variants, each drawn
    by one student): the item is flagged, says where, and no other item is."""
    items = _analysed(roster_key, qc.respond(roster_key, 0, ("total_loss", "len(losses)", "6")), tmp_path)
    assert [r["item"] for r in items if r["flagged"]] == ["total_loss"]
    bad = next(r for r in items if r["item"] == "total_loss")
    assert bad["parameter"].startswith("len(losses) = 6: 0 % right") and float(bad["p_value"]) < 0.05 / 9
    page = (tmp_path / "item_analysis.html").read_text(encoding="utf-8")
    assert "No variant was answered 10 times" in page  # no row per variant: n = 1 each


@pytest.mark.slow
def test_quiz_analysis_fair_quizzes_are_rarely_flagged(roster_key: dict, tmp_path: Path):
    flagged = []
    for seed in range(20):
        items = _analysed(roster_key, qc.respond(roster_key, seed), tmp_path)
        flagged += [(seed, r["item"]) for r in items if r["flagged"]]
    assert len(flagged) <= 0.05 * 20 * len(roster_key["items"]), flagged
    assert not (tmp_path / "item_analysis_fairness.png").exists() or flagged  # no chart without a flagged item


def test_quiz_analysis_blank_is_no_answer_and_true_false_is_true_or_false(roster_key: dict, tmp_path: Path):
    rows = qc.respond(roster_key, 3, blank=0.2)
    items = {r["item"]: r for r in _analysed(roster_key, rows, tmp_path)}
    blanks = sum(1 for r in rows if r[1] == "total_loss" and not r[2])
    counts = _counts(items["total_loss"]["answers"])
    assert counts["no answer"] == blanks == int(items["total_loss"]["no_answer"]) > 0
    assert "another value" not in counts or counts["another value"] < len(rows) / 9 - blanks
    tf = items["unique_params_tf"]["answers"]
    said = dict(re.findall(r"answered (True|False): (\d+)", tf))
    assert set(said) == {"True", "False"} and sum(map(int, said.values())) == 200 - int(
        items["unique_params_tf"]["no_answer"])
    assert "not one of the options" not in tf and "no answer" in tf
