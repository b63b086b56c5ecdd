"""The HTML of the teacher's view (report.html and students.html): every name, answer and label escaped; long lists
behind a link or a <details>."""

from __future__ import annotations

import html
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from autograder.grade import teaching
from autograder.grade.files import result_path
from autograder.grade.teaching import Attention, Mistake, QuestionStats, label, who

e = html.escape
GLANCE = 20  # students listed on the first screen (the rest are a link away)
STYLE = """body{font-family:system-ui,sans-serif;margin:1.2em 2em;color:#222;max-width:1500px}
h1{margin:0 0 .2em;font-size:1.6em}h2{font-size:1.15em;margin:1.2em 0 .4em}p.lede{margin:0 0 .8em;color:#444}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;vertical-align:top;font-size:14px}
th{border-bottom:1px solid #999}tr:nth-child(even) td{background:#f6f6f6}td.n{white-space:nowrap;text-align:right}
.glance{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:2.5em;align-items:start}
.glance h2{margin-top:.3em}ol.top{margin:0;padding-left:1.4em}ol.top li{margin:.2em 0;font-size:14px}
.tier{font-size:12px;color:#fff;border-radius:3px;padding:0 5px;white-space:nowrap}
.t0{background:#7b2d8e}.t1{background:#b03a2e}.t2{background:#c0392b}.t3{background:#d35400}.t4{background:#7f8c8d}
td.who{white-space:nowrap}details{font-size:13px}img{max-width:100%}.muted{color:#666}section{margin-bottom:1em}"""


def page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f} %"


def _num(x: Any) -> str:
    x = float(x or 0)
    return str(int(x)) if x.is_integer() else f"{x:.3g}"


def anchor(name: str) -> str:
    """An HTML id for a student's row in students.html."""
    return "s-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _student(row: dict) -> str:
    key = str(row.get("student_id") or row.get("file") or who(row))
    return f'<a href="students.html#{e(anchor(key))}">{e(who(row))}</a>'


def header(title: str, rows: list[dict], shares: list[float]) -> str:
    missing = sum(teaching.status(r) == teaching.MISSING for r in rows)
    parts = [f"{len(rows)} students", f"{len(rows) - missing} submitted"] + ([f"{missing} missing"] if missing else [])
    if shares:
        parts += [f"mean {_pct(statistics.fmean(shares))}", f"median {_pct(statistics.median(shares))}"]
    links = ('<a href="students.html">every student</a> · <a href="final_grades.csv">final_grades.csv</a> · '
             '<a href="#mistakes">mistakes</a> · <a href="#questions">questions</a> · <a href="#similar">similar '
             'code</a>')
    return f'<h1>{e(title)}</h1><p class=lede>{e(" · ".join(parts))} — {links}</p>'


def glance(need: list[Attention], found: list[Mistake], similar: list, names: dict[str, str],
           threshold: float | None) -> str:
    """The first screen: who needs attention (most in need first), the mistakes to reteach, whom to check."""
    rows = "".join(
        f"<tr><td><span class='tier t{a.tier}'>{e(teaching.TIERS[a.tier])}</span></td>"
        f"<td class=who>{_student(a.row)}</td><td class=n>{_score(a.row)}</td><td>{e(teaching.status(a.row))}</td>"
        f"<td>{e(_short(a.reasons))}</td></tr>"
        for a in need[:GLANCE])
    more = (f'<p class=muted>… and {len(need) - GLANCE} more in <a href="students.html">every student</a>.'
            "</p>" if len(need) > GLANCE else "")
    who_table = (f"<table><tr><th></th><th>student</th><th>score</th><th>status</th><th>why</th></tr>{rows}</table>"
                 f"{more}" if need else "<p>Nobody: every student submitted and scored at least "
                 f"{100 * teaching.PARTIAL:.0f} %.</p>")
    named = [m for m in found if m.id not in teaching.NOT_A_MISTAKE]
    reteach = "".join(f"<li><b>{e(label(m.id))}</b> — {len(m.students)} student{'s' * (len(m.students) != 1)} "
                      f"({e(_questions(m.questions))})</li>" for m in named[:5])
    reteach = f"<ol class=top>{reteach}</ol>" if named else "<p>No named mistake: nobody lost a point to one.</p>"
    pairs = "".join(f"<li>{e(names.get(p.a.name, p.a.name))} ↔ {e(names.get(p.b.name, p.b.name))} "
                    f"({p.score:.2f})</li>" for p in similar[:3])
    copying = (f"<ol class=top>{pairs}</ol>" if similar else
               f"<p>No pair scored {threshold:g} or more.</p>" if threshold is not None else "<p>Not checked.</p>")
    return (f"<div class=glance><section id=attention><h2>Who needs attention ({len(need)})</h2>{who_table}"
            f"</section><section><h2>Mistakes to reteach</h2>{reteach}<h2>Check for copying</h2>{copying}"
            "</section></div>")


def _score(row: dict) -> str:
    if teaching.status(row) == teaching.MISSING:
        return "—"
    return f"{_num(row.get('final'))} / {_num(row.get('possible'))}"


def _short(reasons: list[str], limit: int = 3) -> str:
    return "; ".join(reasons[:limit]) + (f"; … ({len(reasons) - limit} more)" if len(reasons) > limit else "")


def _questions(qs: Counter) -> str:
    return ", ".join(q if n == 1 else f"{q} ×{n}" for q, n in sorted(qs.items()))


def mistakes_section(found: list[Mistake], png: Path | None) -> str:
    rows = "".join(
        f"<tr><td>{e(label(m.id))}</td><td class=n>{len(m.students)}</td><td>{e(_questions(m.questions))}</td>"
        f"<td><details><summary>names</summary>{', '.join(_student(r) for r in m.students)}</details></td></tr>"
        for m in found)
    chart = f'<img src="{png.name}" alt="students per mistake">' if png else ""
    text = ("<p>Each named mistake with the students who made it (once each), then what is not a mistake: "
            "<i>not attempted</i> (the starter code left in place), <i>code does not run</i>, <i>failed, no known "
            "mistake diagnosed</i>. Submissions that could not be graded count once, as their status (below).</p>")
    if not found:
        return "<section id=mistakes><h2>Mistakes</h2><p>Nobody lost a point in a graded submission.</p></section>"
    return (f"<section id=mistakes><h2>Mistakes</h2>{text}{chart}<table><tr><th>mistake</th><th>students</th>"
            f"<th>questions</th><th></th></tr>{rows}</table></section>")


def mcq_section(meanings: dict[str, Counter]) -> str:
    if not meanings:
        return ""
    parts = []
    for q, counts in meanings.items():
        total = sum(counts.values())
        rows = "".join(f"<tr><td>{'<b>' + e(m) + '</b>' if m == teaching.KEY else e(m)}</td><td class=n>{n}</td>"
                       f"<td class=n>{_pct(n / total)}</td></tr>" for m, n in teaching.options(counts))
        parts.append(f"<h3>{e(q)}</h3><table><tr><th>the option chosen means</th><th>students</th><th></th></tr>"
                     f"{rows or '<tr><td>no answers recorded</td></tr>'}</table>")
    return ("<section id=mcq><h2>Multiple-choice answers, by what the option means</h2><p>Options are shuffled per "
            "variant, so letters are counted by meaning: the key, or the mistake a distractor stands for.</p>"
            + "".join(parts) + "</section>")


def questions_section(stats: list[QuestionStats], png: Path | None) -> str:
    rows = "".join(f"<tr><td>{e(s.name)}</td><td class=n>{_num(s.points)}</td><td class=n>{s.mean:.2f}</td>"
                   f"<td class=n>{_pct(s.full / s.n if s.n else None)}</td>"
                   f"<td class=n>{_pct(s.attempted / s.n if s.n else None)}</td><td>{e(s.top)}</td></tr>"
                   for s in stats)
    chart = f'<img src="{png.name}" alt="per-question scores">' if png else "<p>No graded submission yet.</p>"
    return (f"<section id=questions><h2>Per question</h2>{chart}<table><tr><th>question</th><th>points</th>"
            "<th>mean earned</th><th>full marks</th><th>attempted</th><th>most common mistake</th></tr>"
            f"{rows}</table><p class=muted>Over the submissions that were graded.</p></section>")


def similar_section(pairs: list | None, names: dict[str, str], threshold: float | None, limit: int = 10) -> str:
    if pairs is None:
        return "<section id=similar><h2>Similar code</h2><p>Not checked (--no-similarity).</p></section>"
    from autograder.grade.similarity_page import evidence_text

    rows = "".join(f'<tr><td><a href="similarity.html#pair-{k}">{k}</a></td><td>{e(names.get(p.a.name, p.a.name))}'
                   f"</td><td>{e(names.get(p.b.name, p.b.name))}</td><td class=n>{p.score:.2f}</td>"
                   f"<td>{e(evidence_text(p))}</td></tr>" for k, p in enumerate(pairs[:limit], start=1))
    head = (f"<p>{len(pairs)} pair{'s' * (len(pairs) != 1)} scored at least {threshold:g}"
            f"{f', the first {limit} shown' if len(pairs) > limit else ''}: the evidence is in "
            '<a href="similarity.html">similarity.html</a> (the two students\' cells side by side), every pair '
            'compared in <a href="similarity.csv">similarity.csv</a>.</p>')
    table = (f"<table><tr><th>rank</th><th>a</th><th>b</th><th>score</th><th>where (a ↔ b)</th></tr>{rows}</table>"
             if pairs else "")
    return f"<section id=similar><h2>Similar code</h2>{head}{table}</section>"


def distribution_section(rows: list[dict], png: Path | None) -> str:
    counts = Counter(teaching.status(r) for r in rows)
    status_rows = "".join(f"<tr><td>{e(k)}</td><td class=n>{v}</td></tr>" for k, v in sorted(counts.items()))
    chart = f'<img src="{png.name}" alt="grade distribution">' if png else "<p>No graded submission.</p>"
    return (f"<section id=distribution><h2>Grade distribution</h2>{chart}<h2>Status</h2><table><tr><th>status</th>"
            f"<th>students</th></tr>{status_rows}</table></section>")


def _overrides(row: dict) -> str:
    """"q1 +1 (regrade request); total set to 15": the instructor's overrides applied to this row."""
    said = []
    for o in row.get("overrides") or []:
        change = f"set to {_num(o['set'])}" if o.get("set") is not None else f"{float(o.get('points') or 0):+g}"
        said.append(f"{o.get('target', '')} {change}" + (f" ({o['reason']})" if o.get("reason") else ""))
    return "; ".join(said)


def students_table(rows: list[dict], order: list[str]) -> str:
    """Every student, by roster id (then file): score, status, late days, penalty, overrides, flags, lost points."""
    out = []
    for r in sorted(rows, key=lambda r: (str(r.get("student_id") or ""), str(r.get("file") or ""))):
        why = "; ".join(teaching.lost_points(teaching.categories(r.get("summary") or {}), order))
        file = r.get("file")
        link = (f'<a href="{e(result_path(Path("."), str(file)).as_posix())}">{e(str(file))}</a>' if file else "—")
        key = str(r.get("student_id") or file or who(r))
        out.append(f'<tr id="{e(anchor(key))}"><td class=who>{e(who(r))}</td><td>{link}</td>'
                   f"<td class=n>{_score(r)}</td>"
                   f"<td>{e(teaching.status(r))}</td><td class=n>{int(r.get('late_days') or 0)}</td>"
                   f"<td class=n>{_num(r.get('penalty'))}</td><td>{e(_overrides(r))}</td>"
                   f"<td>{e('; '.join(map(str, r.get('flags') or [])))}</td><td>{e(why)}</td></tr>")
    return ("<h1>Every student</h1><p><a href=\"report.html\">back to the report</a>. Each file links to its "
            "results JSON.</p><table><tr><th>student</th><th>submission</th><th>score</th><th>status</th>"
            f"<th>late days</th><th>penalty</th><th>overrides</th><th>flags</th><th>lost points on</th></tr>"
            f"{''.join(out)}</table>")
