"""The similarity pass's outputs: similarity.csv (every pair compared, ranked) and similarity.html (the evidence of
each flagged pair: per question, the two students' cells side by side with the matched code highlighted)."""

from __future__ import annotations

import html
from pathlib import Path

from autograder.course.outputs import write_atomic
from autograder.course.outputs import write_csv as write_safe_csv
from autograder.grade.fingerprints import fingerprint
from autograder.grade.matching import Answer, Pair

COLUMNS = ["rank", "a", "b", "score", "share_a", "share_b", "flagged", "evidence"]


def evidence_text(p: Pair) -> str:
    """"q4↔q4: 212 chars ×0.85; ..." (matched normalized characters per pair of regions, and their mean weight)."""
    return "; ".join(f"{ra}↔{rb.removeprefix('reference:')}: {n} chars ×{w / n:.2f}" if n else f"{ra}↔{rb}"
                     for ra, rb, n, w in p.evidence())


def write_csv(path: Path, pairs: list[Pair], threshold: float) -> None:
    write_safe_csv(path, COLUMNS, ([k, p.a.name, p.b.name, f"{p.score:.4f}", f"{p.share_a:.4f}",
                                    f"{p.share_b:.4f}", "yes" if p.score >= threshold else "", evidence_text(p)]
                                   for k, p in enumerate(pairs, start=1)))


def _marked(answer: Answer, cell: int, ranges: list[tuple[int, int]]) -> str:
    """One cell, HTML-escaped, the raw code behind each normalized range in <mark>."""
    code = answer.cells[cell]
    doc = fingerprint(code)
    raw = sorted(doc.raw_range(s, e) for s, e in ranges if e > s)
    merged: list[tuple[int, int]] = []
    for s, e in raw:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    out, at = [], 0
    for s, e in merged:
        out += [html.escape(code[at:s]), "<mark>", html.escape(code[s:e]), "</mark>"]
        at = e
    return "".join(out) + html.escape(code[at:])


def pair_html(p: Pair, rank: int, names: dict[str, str] | None = None) -> str:
    """One pair: its score, its evidence per question and the matched cells side by side."""
    e = html.escape
    who = names or {}

    def name(n: str) -> str:
        return e(f"{who[n]} ({n})" if n in who else n)

    cells: dict[tuple[int, int], tuple[list, list]] = {}
    for f in p.fragments:
        a, b = cells.setdefault((f.a_cell, f.b_cell), ([], []))
        a.append(f.a)
        b.append(f.b)
    rows = "".join(f"<tr><td>{e(ra)} ↔ {e(rb)}</td><td>{n}</td><td>{w / n if n else 0:.2f}</td></tr>"
                   for ra, rb, n, w in p.evidence())
    sides = "".join(
        f"<tr><th>{e(p.a.regions[ca])}</th><th>{e(p.b.regions[cb])}</th></tr><tr><td><pre>"
        f"{_marked(p.a, ca, a)}</pre></td><td><pre>{_marked(p.b, cb, b)}</pre></td></tr>"
        for (ca, cb), (a, b) in sorted(cells.items()))
    shares = "" if p.reference else f" (of {name(p.a.name)}'s code {p.share_a:.0%}, of the other's {p.share_b:.0%})"
    return (f'<section id="pair-{rank}"><h3>{rank}. {name(p.a.name)} ↔ {name(p.b.name)}: score {p.score:.2f}</h3>'
            f"<p>Weighted share found in the other{shares}.</p><table class=evidence><tr><th>where (a ↔ b)</th>"
            f"<th>matched characters</th><th>mean weight</th></tr>{rows}</table>"
            f"<table class=pair><tr><th>{name(p.a.name)}</th><th>{name(p.b.name)}</th></tr>{sides}</table></section>")


STYLE = """body{font-family:sans-serif;max-width:80em;margin:2em auto}td,th{padding:2px 10px;text-align:left;
vertical-align:top}pre{margin:0;font-size:85%;white-space:pre-wrap}mark{background:#ffd54f}
table.pair{width:100%;border-collapse:collapse}table.pair td{width:50%;border:1px solid #ccc}"""


def write_html(path: Path, flagged: list[Pair], threshold: float, names: dict[str, str] | None = None) -> None:
    body = "".join(pair_html(p, k, names) for k, p in enumerate(flagged, start=1)) or \
        f"<p>No pair scored {threshold:g} or more.</p>"
    write_atomic(path, f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Similar code</title>
<style>{STYLE}</style></head><body><h1>Similar code</h1>
<p>Pairs scoring at least {threshold:g}, best first (every pair compared: <a href="similarity.csv">similarity.csv</a>).
A score is the share of both students' own code found in the other, each match weighted by what it says: three lines
or more that only these two hold count in full, what n students hold counts 1/(n − 1), a line or two in proportion to
its length; and any match counts in full when the rest of what the pair shares is rarer than chance gives some pair of
this class (README, "Code similarity"). Starter code never counts; identifiers and literals are normalized, so
renaming hides nothing.</p>
{body}</body></html>
""")
