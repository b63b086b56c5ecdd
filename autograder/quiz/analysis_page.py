"""The item analysis's page and plots: item_analysis.html, item_analysis_items.png (facility and discrimination of
every item, one row each, so no label overlaps another) and item_analysis_fairness.png (for each flagged item, the
share right in each group of the parameter that differs; not drawn when no item is flagged)."""

from __future__ import annotations

import html
import textwrap
from pathlib import Path
from typing import Any

from autograder.quiz.analysis import ALPHA, MIN_VARIANT_N, _fmt, _p, answers_text

e = html.escape


def plot(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = [r for r in rows if r["variant"] == "all" and r["n"]]
    written = []
    if items:
        names = [r["item"] for r in items][::-1]
        colors = ["#c33" if r["flagged"] else "#4c72b0" for r in items][::-1]
        fig, (a, b) = plt.subplots(1, 2, figsize=(9, 0.9 + 0.38 * len(items)), sharey=True)
        a.barh(names, [r["facility"] for r in items][::-1], color=colors)
        a.axvspan(0.3, 0.9, color="#e4f1e4", zorder=0)
        a.set(xlim=(0, 1), xlabel="facility (share right)", title="Facility (green band: useful)")
        b.barh(names, [r["discrimination"] or 0 for r in items][::-1], color=colors)
        b.axvspan(-1, 0.2, color="#f6e0e0", zorder=0)
        b.axvline(0, color="black", lw=0.8)
        b.set(xlim=(-1, 1), xlabel="discrimination (r with the rest)", title="Discrimination (red band: weak)")
        fig.suptitle("Items (red: variants unequally hard)", fontsize=10)
        fig.tight_layout()
        written.append(out / "item_analysis_items.png")
        fig.savefig(written[-1], dpi=100)
        plt.close(fig)
    flagged = [r for r in items if r["flagged"] and r["groups"]]
    stale = out / "item_analysis_fairness.png"
    if not flagged:
        stale.unlink(missing_ok=True)
        return written
    fig, axes = plt.subplots(len(flagged), 1, figsize=(7, sum(0.8 + 0.35 * len(r["groups"]) for r in flagged)),
                             squeeze=False)
    for ax, r in zip(axes[:, 0], flagged, strict=True):
        labels = ["\n".join(textwrap.wrap(f"{g} (n = {n})", 30)) for g, n, _ in r["groups"]][::-1]
        shares = [f for _, _, f in r["groups"]][::-1]
        worst = min(shares)
        ax.barh(labels, shares, color=["#c33" if f == worst else "#999" for f in shares])
        for y, f in enumerate(shares):
            ax.text(f + 0.01, y, f"{100 * f:.0f} %", va="center", fontsize=9)
        ax.set(xlim=(0, 1.1), xlabel="share right",
               title=f"{r['item']}: share right by {r['parameter'].split(':')[0].split(' = ')[0]}")
    fig.tight_layout()
    fig.savefig(stale, dpi=100)
    plt.close(fig)
    return [*written, stale]


def page(rows: list[dict[str, Any]], pngs: list[Path]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ["item", "variant", "type", "n", "no answer", "facility",
                                            "discrimination", "p", "flagged", "why", "answers, by meaning"])
    body = []
    for r in rows:
        cls = ' class="item"' if r["variant"] == "all" else (' class="flag"' if r["flagged"] else "")
        body.append(f"<tr{cls}><td>{e(r['item'])}</td><td>{e(r['variant'])}</td><td>{e(r['type'])}</td>"
                    f"<td>{r['n']}</td><td>{r['no_answer']}</td><td>{_fmt(r['facility'], 2)}</td>"
                    f"<td>{_fmt(r['discrimination'], 2)}</td><td>{_p(r['p_value'])}</td>"
                    f"<td>{'yes' if r['flagged'] else ''}</td><td>{e(r['parameter'] if r['flagged'] else '')}</td>"
                    f"<td>{e(answers_text(r))}</td></tr>")
    items = [r for r in rows if r["variant"] == "all"]
    flagged = [r for r in items if r["flagged"]]
    verdict = ("<p><b>Variants unequally hard:</b> " + "; ".join(f"{e(r['item'])} ({e(r['parameter'])})"
                                                                for r in flagged) + ".</p>" if flagged else
               "<p>No item's variants differ in difficulty: for every item, correctness depends on none of its "
               f"variants' parameters (permutation test, p ≥ {ALPHA} / items tested).</p>")
    per_variant = any(r["variant"] != "all" for r in rows)
    note = ("" if per_variant else f"<p>No variant was answered {MIN_VARIANT_N} times or more (a roster gives each "
            "student their own), so there is no row per variant: fairness is tested by pooling variants by their "
            "parameters instead.</p>")
    imgs = "".join(f'<p><img src="{p.name}" alt="{p.stem}"></p>' for p in pngs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Quiz item analysis</title>
<style>body{{font-family:sans-serif;margin:1em 2em}}table{{border-collapse:collapse;font-size:90%}}
td,th{{border:1px solid #bbb;padding:2px 6px;vertical-align:top}}tr.item{{background:#eef}}
tr.flag{{background:#fdd}}tr.item td:first-child{{font-weight:bold}}img{{max-width:100%}}</style></head>
<body><h1>Quiz item analysis</h1>
{verdict}
<p>Facility = share of the students given the item who answered it right (a blank counts 0, as "no answer").
Discrimination = correlation of the item score with the rest of the test (Moodle's discrimination index / 100).
Fairness: each student draws a variant of their own, so variants are pooled by what the item's generator drew
(its parameters) and by the key, and a permutation test asks whether correctness depends on any of them; an item is
flagged at p &lt; {ALPHA} / items tested, and "why" names the parameter. Answers are counted by what they mean (the
key, or the mistake an option or a number stands for), so shuffled variants add up.</p>
{note}{imgs}
<table><tr>{head}</tr>
{chr(10).join(body)}
</table></body></html>
"""
