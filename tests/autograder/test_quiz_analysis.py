"""`lmcourse quiz grade` item analysis on a synthetic class of 40: an item only the top half gets right discriminates
(> 0.3), a variant that everyone misses is flagged by Fisher's exact test, option and mistake counts add up, and
the HTML page shows its PNG plots without any network."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main

N_STUDENTS, N_VARIANTS = 40, 4
TOP_ONLY, HARD_ITEM, HARD_VARIANT = "total_loss", "training_goal", 2


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


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


def test_quiz_analysis_rows_per_item_and_variant(graded):
    out, key, _ = graded
    rows = _rows(out / "item_analysis.csv")
    assert list(rows[0])[:5] == ["item", "variant", "n", "facility", "discrimination"]
    assert [r["item"] for r in rows if r["variant"] == "all"] == key["items"]
    for item in key["items"]:
        vs = [r for r in rows if r["item"] == item and r["variant"] != "all"]
        assert [r["variant"] for r in vs] == [f"{item}/5/{i}" for i in range(N_VARIANTS)]
        assert sum(int(r["n"]) for r in vs) == N_STUDENTS


def test_quiz_analysis_top_half_item_discriminates(graded):
    rows = {(r["item"], r["variant"]): r for r in _rows(graded[0] / "item_analysis.csv")}
    top = rows[(TOP_ONLY, "all")]
    assert float(top["facility"]) == 0.5 and float(top["discrimination"]) > 0.3
    assert top["flagged"] == ""  # each variant has the same mix of top and bottom students


def test_quiz_analysis_flags_the_variant_everyone_misses(graded):
    rows = _rows(graded[0] / "item_analysis.csv")
    hard = [r for r in rows if r["item"] == HARD_ITEM and r["variant"] != "all"]
    flagged = [r["variant"] for r in hard if r["flagged"] == "yes"]
    assert flagged == [f"{HARD_ITEM}/5/{HARD_VARIANT}"]
    missed = next(r for r in hard if r["flagged"] == "yes")
    assert float(missed["facility"]) == 0.0 and float(missed["p_value"]) < 1e-6
    item = next(r for r in rows if r["item"] == HARD_ITEM and r["variant"] == "all")
    assert item["flagged"] == "yes" and float(item["p_value"]) < 1e-6
    others = [r for r in rows if r["item"] not in (HARD_ITEM,) and r["flagged"] == "yes"]
    assert not others, others


def test_quiz_analysis_counts_options_and_mistakes(graded):
    out, key, expected_mistakes = graded
    rows = _rows(out / "item_analysis.csv")
    top = next(r for r in rows if r["item"] == TOP_ONLY and r["variant"] == "all")
    got = dict(kv.split("=") for kv in top["mistakes"].split("; ")) if top["mistakes"] else {}
    assert {k: int(v) for k, v in got.items()} == expected_mistakes and expected_mistakes
    mcq = next(i for i in key["items"] if key["variants"][f"{i}/5/0"]["type"] == "mcq")
    row = next(r for r in rows if r["item"] == mcq and r["variant"] == "all")
    counts = [int(x.split("=")[1]) for x in row["responses"].split("; ")]
    assert sum(counts) == N_STUDENTS and all(re.fullmatch(r"[A-J]=\d+", x) for x in row["responses"].split("; "))


def test_quiz_analysis_html_page_with_plots(graded):
    out = graded[0]
    page = (out / "item_analysis.html").read_text(encoding="utf-8")
    pngs = re.findall(r'<img src="([^"]+)"', page)
    assert len(pngs) == 2
    for name in pngs:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (out / name).stat().st_size > 5000
    assert "http" not in page
    assert "mean instead of sum" in page or "missing minus sign" in page  # mistake labels, not slugs
