"""Quiz item analysis (Moodle's quiz statistics, made to work with one variant per student), written by
`lmcourse quiz grade`.

For each item, over the students who were given it (a blank answer scores 0 and is counted as "no answer", not as
a mistake):
- facility       = mean score (items score 0 or 1, so the share answering right);
- discrimination = Pearson's r between the item score and the rest of the test (the student's total on the other
                   items), Moodle's discrimination index / 100; empty when either side is constant;
- fairness       = whether correctness depends on what the variant is (fairness.py: variants pooled by the
                   generator's parameters and the key, a permutation test that has power at n = 1 per variant);
                   `flagged` when p < 0.05 / items tested, `parameter` says which feature and how;
- answers        = how often each answer was given, by what it means (the key, the mistake a distractor or a
                   numeric value stands for, another value, no answer), so shuffled variants add up; true/false
                   items also count True and False.
A row per variant is added only where a variant has MIN_VARIANT_N answers or more (variants shared by a class, without
a roster), with Fisher's exact test of that variant against the item's others (flagged at 0.05 / variants).

Files: DIR/item_analysis.csv, DIR/item_analysis.html and its plots DIR/item_analysis_items.png (and
DIR/item_analysis_fairness.png when an item is flagged).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from autograder.course.outputs import write_atomic
from autograder.course.outputs import write_csv as write_safe_csv
from autograder.quiz import fairness
from autograder.runtime.mistakes import label

ALPHA = fairness.ALPHA
MIN_VARIANT_N = 10  # answers a variant needs for a row of its own
COLUMNS = ["item", "variant", "type", "n", "no_answer", "facility", "discrimination", "p_value", "flagged",
           "parameter", "answers"]
CORRECT, NO_ANSWER, OTHER_VALUE, NOT_AN_OPTION, WRONG_OPTION = ("correct", "no answer", "another value",
                                                                "not one of the options", "wrong option")


def _corr(x: list[float], y: list[float]) -> float | None:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def meaning(kv: dict[str, Any], r: dict[str, Any]) -> str:
    """What one answer means, the same across variants whatever their letters."""
    if "answer" in r and not str(r["answer"]).strip():
        return NO_ANSWER
    if r["score"] >= 1:
        return CORRECT
    if kv["type"] == "numeric":
        m = r.get("mistake") or ""
        return OTHER_VALUE if m in ("", "not-a-number") else label(m)
    c = next((c for c in kv.get("choices", []) if c["letter"] == r.get("choice")), None)
    if c is None:
        return NOT_AN_OPTION
    return label(c["mistake"]) if c.get("mistake") else WRONG_OPTION


def _said(kv: dict[str, Any], r: dict[str, Any]) -> str | None:
    """For a true/false item, "True" or "False" as answered."""
    c = next((c for c in kv.get("choices", []) if c["letter"] == r.get("choice")), None)
    return c["text"] if c is not None and kv["type"] == "truefalse" else None


def _row(key: dict[str, Any], item: str, variant: str, recs: list[dict[str, Any]],
         rest: dict[tuple[str, str], float]) -> dict[str, Any]:
    x = [float(r["score"]) for r in recs]
    kinds = {key["variants"][r["variant"]]["type"] for r in recs}
    answers: Counter = Counter(meaning(key["variants"][r["variant"]], r) for r in recs)
    said = Counter(s for r in recs if (s := _said(key["variants"][r["variant"]], r)))
    return {"item": item, "variant": variant, "type": "/".join(sorted(kinds)) or "", "n": len(recs),
            "no_answer": answers.get(NO_ANSWER, 0), "facility": sum(x) / len(x) if x else None,
            "discrimination": _corr(x, [rest[(r["student"], item)] for r in recs]), "p_value": None,
            "flagged": False, "parameter": "", "answers": answers, "said": said, "groups": None}


def item_analysis(key: dict[str, Any], records: list[dict[str, Any]],
                  scores: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """Rows (each item's row, then its variants' rows where they have MIN_VARIANT_N answers) from the final answer
    of each (student, item): records hold student, item, variant (code), score, mistake, choice and answer."""
    totals = {s: sum(per.values()) for s, per in scores.items()}
    rest = {(r["student"], r["item"]): totals.get(r["student"], 0.0) - r["score"] for r in records}
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_item[r["item"]].append(r)
    feats = {code: {**fairness.features(key, code), "variant": code} for code in {r["variant"] for r in records}}
    heads, fair = {}, {}
    for item in key["items"]:
        heads[item] = _row(key, item, "all", by_item.get(item, []), rest)
        recs = by_item.get(item, [])
        fair[item] = fairness.test(recs, feats, item, [rest[(r["student"], item)] for r in recs])
    tested = sum(f.p_value is not None for f in fair.values()) or 1
    rows: list[dict[str, Any]] = []
    for item in key["items"]:
        head, f = heads[item], fair[item]
        head.update(p_value=f.p_value, parameter=f.detail, groups=f.groups,
                    flagged=f.p_value is not None and f.p_value < ALPHA / tested)
        rows += [head, *_variant_rows(key, item, by_item.get(item, []), rest)]
    return rows


def _variant_rows(key: dict[str, Any], item: str, recs: list[dict[str, Any]],
                  rest: dict[tuple[str, str], float]) -> list[dict[str, Any]]:
    by_var: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        by_var[r["variant"]].append(r)
    big = sorted((c for c, v in by_var.items() if len(v) >= MIN_VARIANT_N), key=_variant_order)
    out = []
    for code in big:
        row = _row(key, item, code, by_var[code], rest)
        if len(by_var) >= 2:
            a = sum(r["score"] for r in by_var[code])
            c = sum(r["score"] for r in recs if r["variant"] != code)
            table = [[a, len(by_var[code]) - a], [c, len(recs) - len(by_var[code]) - c]]
            row["p_value"] = float(stats.fisher_exact(table)[1])
            row["flagged"] = row["p_value"] < ALPHA / len(big)
        out.append(row)
    return out


def _variant_order(code: str) -> tuple[int, str]:
    tail = code.rsplit("/", 1)[-1]
    return (int(tail), code) if tail.isdigit() else (0, code)


def _fmt(x: float | None, digits: int = 4) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _p(x: float | None) -> str:
    return "" if x is None else f"{x:.3g}"


def answers_text(r: dict[str, Any]) -> str:
    said = "; ".join(f"answered {k}: {v}" for k, v in sorted(r["said"].items()))
    main = "; ".join(f"{k}: {v}" for k, v in sorted(r["answers"].items(), key=lambda kv: (kv[0] != CORRECT, -kv[1],
                                                                                         kv[0])))
    return main + (f" ({said})" if said else "")


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    write_safe_csv(path, COLUMNS, ([r["item"], r["variant"], r["type"], r["n"], r["no_answer"], _fmt(r["facility"]),
                                    _fmt(r["discrimination"]), _p(r["p_value"]), "yes" if r["flagged"] else "",
                                    r["parameter"], answers_text(r)] for r in rows))


def write_html(rows: list[dict[str, Any]], pngs: list[Path], path: Path) -> None:
    from autograder.quiz.analysis_page import page

    write_atomic(path, page(rows, pngs))


def write_item_analysis(key: dict[str, Any], records: list[dict[str, Any]], scores: dict[str, dict[str, float]],
                        out: Path) -> list[Path]:
    from autograder.quiz.analysis_page import plot

    rows = item_analysis(key, records, scores)
    write_csv(rows, out / "item_analysis.csv")
    pngs = plot(rows, out)
    write_html(rows, pngs, out / "item_analysis.html")
    return [out / "item_analysis.csv", out / "item_analysis.html", *pngs]
