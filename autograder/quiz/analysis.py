"""Quiz item analysis (Moodle's quiz statistics, per item and per variant), written by `lmcourse quiz grade`.

For each item, and each variant of it, over the students who answered it:
- facility       = mean score (items score 0 or 1, so the fraction answering right);
- discrimination = Pearson correlation between the item score and the rest of the test (the student's total on the
                   other items, unanswered items counting 0), as Moodle's discrimination index (which Moodle shows
                   × 100); empty when either side is constant;
- p_value        = variant rows: Fisher's exact test (scipy, two-sided) of this variant's right/wrong counts against
                   the item's other variants; item rows: chi-square test of homogeneity across its variants.
                   `flagged` marks variants with p < 0.05 / (number of variants answered), a Bonferroni correction;
- responses      = how often each option letter was chosen; mistakes = how often each named mistake was made.

Files: DIR/item_analysis.csv, DIR/item_analysis.html and its plots DIR/item_analysis_items.png and
DIR/item_analysis_variants.png (matplotlib, no network needed to view).
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from autograder.runtime.mistakes import label

ALPHA = 0.05
COLUMNS = ["item", "variant", "n", "facility", "discrimination", "p_value", "flagged", "responses", "mistakes"]


def _corr(x: list[float], y: list[float]) -> float | None:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _counts(c: Counter) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def _row(item: str, variant: str, recs: list[dict[str, Any]], rest: dict[tuple[str, str], float]) -> dict[str, Any]:
    x = [r["score"] for r in recs]
    return {"item": item, "variant": variant, "n": len(recs), "facility": sum(x) / len(x) if x else None,
            "discrimination": _corr(x, [rest[(r["student"], item)] for r in recs]),
            "p_value": None, "flagged": False,
            "responses": Counter(r["choice"] for r in recs if r["choice"]),
            "mistakes": Counter(r["mistake"] for r in recs if r["mistake"])}


def item_analysis(key: dict[str, Any], records: list[dict[str, Any]],
                  scores: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """Rows (item rows, each followed by its variant rows) from the final answer of each (student, item):
    records hold student, item, variant (code), score, mistake and choice (letter or "")."""
    totals = {s: sum(per.values()) for s, per in scores.items()}
    rest = {(r["student"], r["item"]): totals[r["student"]] - r["score"] for r in records}
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_item[r["item"]].append(r)
    rows: list[dict[str, Any]] = []
    for item in key["items"]:
        recs = by_item.get(item, [])
        by_var: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in recs:
            by_var[r["variant"]].append(r)
        head = _row(item, "all", recs, rest)
        variants = [_row(item, code, vrecs, rest) for code, vrecs in sorted(by_var.items(), key=_variant_order)]
        right = [sum(r["score"] for r in v) for v in by_var.values()]
        table = [[sum(r["score"] for r in v), len(v) - sum(r["score"] for r in v)] for v in by_var.values()]
        if len(table) >= 2 and 0 < sum(right) < len(recs):
            head["p_value"] = float(stats.chi2_contingency(table)[1])
        for row, (code, vrecs) in zip(variants, sorted(by_var.items(), key=_variant_order), strict=True):
            if len(by_var) < 2:
                continue
            a = sum(r["score"] for r in vrecs)
            b = len(vrecs) - a
            c = sum(r["score"] for r in recs if r["variant"] != code)
            d = len(recs) - len(vrecs) - c
            row["p_value"] = float(stats.fisher_exact([[a, b], [c, d]])[1])
            row["flagged"] = row["p_value"] < ALPHA / len(by_var)
        head["flagged"] = any(v["flagged"] for v in variants)
        rows += [head, *variants]
    return rows


def _variant_order(kv: tuple[str, Any]) -> tuple[int, str]:
    tail = kv[0].rsplit("/", 1)[-1]
    return (int(tail), kv[0]) if tail.isdigit() else (0, kv[0])


def _fmt(x: float | None, digits: int = 4) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _p(x: float | None) -> str:
    return "" if x is None else f"{x:.3g}"


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    from autograder.course.outputs import write_csv  # atomic; no cell a spreadsheet would evaluate

    write_csv(path, COLUMNS, ([r["item"], r["variant"], r["n"], _fmt(r["facility"]), _fmt(r["discrimination"]),
                              _p(r["p_value"]), "yes" if r["flagged"] else "", _counts(r["responses"]),
                              _counts(r["mistakes"])] for r in rows))


def plot(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    """Two PNGs: facility vs discrimination per item, and each item's variant facilities (flagged in red)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = [r for r in rows if r["variant"] == "all" and r["n"]]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.axhspan(-1, 0.3, color="#f6e0e0", zorder=0)
    ax.axvspan(0.3, 0.9, color="#e4f1e4", zorder=0)
    for r in items:
        d = r["discrimination"] if r["discrimination"] is not None else 0.0
        ax.scatter(r["facility"], d, color="#c33" if r["flagged"] else "#235", zorder=2)
        ax.annotate(r["item"], (r["facility"], d), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set(xlim=(-0.05, 1.05), ylim=(-1.05, 1.05), xlabel="facility (mean score)",
           ylabel="discrimination (r with rest of test)",
           title="Items: green band = useful facility, red band = weak discrimination")
    fig.tight_layout()
    first = out / "item_analysis_items.png"
    fig.savefig(first, dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * max(len(items), 1)))
    for y, r in enumerate(items):
        vs = [v for v in rows if v["item"] == r["item"] and v["variant"] != "all"]
        ax.scatter([v["facility"] for v in vs], [y] * len(vs), s=[12 + 6 * v["n"] for v in vs],
                   c=["#c33" if v["flagged"] else "#89a" for v in vs], alpha=0.8, zorder=2)
        ax.plot([r["facility"]] * 2, [y - 0.35, y + 0.35], color="black", lw=2, zorder=3)
    ax.set_yticks(range(len(items)), [r["item"] for r in items], fontsize=8)
    ax.set(xlim=(-0.05, 1.05), xlabel="facility", title="Variants (size = answers, red = flagged; bar = item)")
    ax.invert_yaxis()
    fig.tight_layout()
    second = out / "item_analysis_variants.png"
    fig.savefig(second, dpi=110)
    plt.close(fig)
    return [first, second]


def _cell(c: Counter, labels: bool) -> str:
    return html.escape("; ".join(f"{label(k) if labels else k}: {v}" for k, v in
                                 sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))))


def write_html(rows: list[dict[str, Any]], pngs: list[Path], path: Path) -> None:
    head = "".join(f"<th>{h}</th>" for h in ["item", "variant", "n", "facility", "discrimination", "p", "flagged",
                                            "options chosen", "mistakes"])
    body = []
    for r in rows:
        cls = ' class="item"' if r["variant"] == "all" else (' class="flag"' if r["flagged"] else "")
        body.append(f"<tr{cls}><td>{html.escape(r['item'])}</td><td>{html.escape(r['variant'])}</td><td>{r['n']}"
                    f"</td><td>{_fmt(r['facility'], 2)}</td><td>{_fmt(r['discrimination'], 2)}</td>"
                    f"<td>{_p(r['p_value'])}</td><td>{'yes' if r['flagged'] else ''}</td>"
                    f"<td>{_cell(r['responses'], False)}</td><td>{_cell(r['mistakes'], True)}</td></tr>")
    imgs = "".join(f'<p><img src="{p.name}" alt="{p.stem}"></p>' for p in pngs)
    path.write_text(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Quiz item analysis</title>
<style>body{{font-family:sans-serif;margin:1em 2em}}table{{border-collapse:collapse;font-size:90%}}
td,th{{border:1px solid #bbb;padding:2px 6px}}tr.item{{background:#eef;font-weight:bold}}tr.flag{{background:#fdd}}
</style></head><body><h1>Quiz item analysis</h1>
<p>Facility = mean score. Discrimination = correlation of the item score with the rest of the test (Moodle's
discrimination index / 100). A variant is flagged when Fisher's exact test says its facility differs from the
item's other variants (p &lt; {ALPHA} / number of variants).</p>
{imgs}
<table><tr>{head}</tr>
{chr(10).join(body)}
</table></body></html>
""", encoding="utf-8")


def write_item_analysis(key: dict[str, Any], records: list[dict[str, Any]], scores: dict[str, dict[str, float]],
                        out: Path) -> list[Path]:
    rows = item_analysis(key, records, scores)
    write_csv(rows, out / "item_analysis.csv")
    pngs = plot(rows, out)
    write_html(rows, pngs, out / "item_analysis.html")
    return [out / "item_analysis.csv", out / "item_analysis.html", *pngs]
