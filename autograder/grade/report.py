"""Batch outputs: final_grades.csv in Otter's layout, report.html (a teacher's view, PNG plots), the grade table."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from pathlib import Path

from autograder.course.outputs import write_atomic
from autograder.grade.files import result_path
from autograder.runtime.checks import Checks

POINTS_ROW = "points-per-question"  # Otter's label for the first row


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.5g}"


def grade_rows(summaries: list[dict], questions: list[tuple[str, float]]) -> tuple[list[str], list[list[str]]]:
    """Otter's final_grades.csv: `file`, questions (sorted, as Otter sorts them), total_points_earned,
    percent_correct, grading_status; the first row holds the points per question."""
    qs = sorted(q for q, _ in questions)
    points = dict(questions)
    header = ["file", *qs, "total_points_earned", "percent_correct", "grading_status"]
    rows = [[POINTS_ROW, *(_num(points[q]) for q in qs), _num(sum(points.values())), "1", "--"]]
    for s in sorted(summaries, key=lambda s: s["file"]):
        rows.append([s["file"], *(_num(s["questions"].get(q, 0.0)) for q in qs), _num(s["total"]),
                     _num(s["percent"]), s["status"]])
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    write_atomic(path, buf.getvalue())


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*r) for r in [header, *rows])


# ------------------------------------------------------------------ teacher view (issue 10 item 12, issue 11 item 3)
UNATTEMPTED = "unattempted"  # catalogue id (autograder.runtime.mistakes)
UNDIAGNOSED = "undiagnosed"  # a lost point no known mistake explains
_LEFT_BLANK = {"ellipsis object", "NotImplementedType object"}


def annotate(result: dict, checks: Checks, reply: dict) -> None:
    """Add to `extra_data.lmcourse`, from the same plain probe values the score is decided on (read as data here,
    never trusted as a verdict): `answers`, each MCQ's answer as given (a string, or None when there was none), and
    `unattempted`, the questions whose every probe found the starter code (NotImplementedError, `...`/None, or a name
    the probe uses left undefined)."""
    answers_by_test = reply.get("answers")  # {test name: plain value}, only the probes the grader asked for
    probes = answers_by_test if isinstance(answers_by_test, dict) else {}
    lm = result["extra_data"]["lmcourse"]
    answers, unattempted = {}, []
    for q in checks.questions:
        plains = [probes.get(t.name) for t in q.tests]
        if q.kind == "mcq" and q.tests:
            p = plains[0]
            answers[q.name] = str(p["value"])[:40] if isinstance(p, dict) and p.get("type") == "str" else None
        if q.tests and all(_left_blank(t.probe, p) for t, p in zip(q.tests, plains, strict=True)):
            unattempted.append(q.name)
    lm["answers"], lm["unattempted"] = answers, unattempted


def _left_blank(probe: str, plain: object) -> bool:
    if not isinstance(plain, dict):
        return False
    if plain.get("type") in ("none",) or (plain.get("type") == "other" and plain.get("repr") in _LEFT_BLANK):
        return True
    err = str(plain.get("error", "")) if plain.get("type") == "error" else ""
    undefined = re.match(r"NameError: name '(\w+)' is not defined", err)  # a typo inside the answer is an attempt
    return err.startswith("NotImplementedError") or bool(
        undefined and re.search(rf"\b{re.escape(undefined.group(1))}\b", probe))


def categories(s: dict) -> dict[str, list[str]]:
    """Question → why it lost points: its diagnosed mistake ids, else `unattempted` or `undiagnosed`. Questions
    with full marks are absent; so are ungradable submissions (nothing ran, nothing to diagnose)."""
    if "variant" in s and s["variant"] is None:
        return {}
    out: dict[str, list[str]] = {}
    blank = set(s.get("unattempted") or []) | {m["question"] for m in s.get("mistakes", [])
                                               if m.get("mistake") == UNATTEMPTED}
    points = s.get("points") or {}
    for q, earned in s["questions"].items():
        ids = list(dict.fromkeys(m["mistake"] for m in s.get("mistakes", []) if m["question"] == q and m["mistake"]))
        lost = earned < points[q] - 1e-9 if q in points else bool(ids or q in blank)
        if lost:
            out[q] = [UNATTEMPTED] if q in blank else ids or [UNDIAGNOSED]
    return out


def label(mistake: str) -> str:
    from autograder.runtime.mistakes import label as catalogued

    return "failed, no known mistake diagnosed" if mistake == UNDIAGNOSED else catalogued(mistake)


def _choice(answer: str | None) -> str:
    if answer is None:
        return "(no answer)"
    parts = sorted({c.strip().upper().strip("()") for c in answer.replace(";", ",").split(",") if c.strip()})
    return ",".join(parts) if parts and all(re.fullmatch(r"[A-Z]", p) for p in parts) else "(not an option letter)"


def anchor(name: str) -> str:
    return "s-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def write_report(out: Path, summaries: list[dict], questions: list[tuple[str, float]], title: str,
                 checks: dict[str, Checks] | None = None, similar: list | None = None,
                 threshold: float | None = None) -> Path:
    """report.html next to histogram.png, question_means.png and mistakes.png: grades, per-question means, each
    mistake with the students who made it, each MCQ's chosen options, flagged similar code, one row per student."""
    graded = summaries
    pct = [100 * s["percent"] for s in graded]
    means = {q: (sum(s["questions"].get(q, 0.0) for s in graded) / len(graded) if graded else 0.0)
             for q, _ in questions}
    who: dict[tuple[str, str], list[str]] = {}
    for s in sorted(graded, key=lambda s: s["file"]):
        for q, ids in categories(s).items():
            for m in ids:
                who.setdefault((q, m), []).append(s["file"])
    order = [q for q, _ in questions]
    rows_m = sorted(who, key=lambda k: (order.index(k[0]) if k[0] in order else len(order), -len(who[k]), k[1]))
    statuses = Counter(s["status"] for s in summaries)
    _plots(out, pct, questions, means, {f"{q}: {label(m)}": len(who[(q, m)]) for q, m in rows_m})

    e = html.escape
    qrows = "".join(f"<tr><td>{e(q)}</td><td>{p:g}</td><td>{means[q]:.2f}</td></tr>" for q, p in questions)
    mrows = "".join(
        f"<tr><td>{e(q)}: {e(label(m))}</td><td>{len(who[(q, m)])}</td><td class=ids>"
        + ", ".join(f'<a href="#{anchor(f)}">{e(f)}</a>' for f in who[(q, m)]) + "</td></tr>" for q, m in rows_m)
    srows = "".join(f"<tr><td>{e(k)}</td><td>{v}</td></tr>" for k, v in sorted(statuses.items()))
    mean_pct = sum(pct) / len(pct) if pct else 0.0
    sim = "" if similar is None else _similarity_section(similar, threshold)
    doc = f"""<!doctype html><html><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:sans-serif;max-width:72em;margin:2em auto}}td,th{{padding:2px 10px;text-align:left;
vertical-align:top}}td.ids{{font-size:90%}}td.n{{white-space:nowrap}}.bar{{background:#4c72b0;height:1em}}
tr.key td{{font-weight:bold}}pre{{margin:0;font-size:85%;white-space:pre-wrap}}mark{{background:#ffd54f}}
table.pair td{{width:50%;border:1px solid #ccc}}</style>
</head><body><h1>{e(title)}</h1>
<p>{len(summaries)} submissions, mean score {mean_pct:.1f} %.</p>
<h2>Grade distribution</h2><img src="histogram.png" alt="histogram of scores">
<h2>Per-question means</h2><img src="question_means.png" alt="per-question means">
<table><tr><th>question</th><th>points</th><th>mean earned</th></tr>{qrows}</table>
<h2>Mistakes</h2><p>Why each question lost points: the diagnosed mistake, <i>not attempted</i> (the starter code was
left in place) or <i>failed, no known mistake diagnosed</i>. Each name links to that student's row below.</p>
<img src="mistakes.png" alt="mistake counts">
<table><tr><th>question: mistake</th><th>submissions</th><th>students</th></tr>{mrows}</table>
{_mcq_section(graded, checks)}{sim}
<h2>Grading status</h2><table><tr><th>status</th><th>submissions</th></tr>{srows}</table>
{_students(summaries, order)}
</body></html>
"""
    (out / "report.html").write_text(doc, encoding="utf-8")
    return out / "report.html"


def _plots(out: Path, pct: list[float], questions: list[tuple[str, float]], means: dict[str, float],
           mistakes: dict[str, int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(pct, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001], color="#4c72b0", edgecolor="white")
    ax.set(xlabel="score (%)", ylabel="submissions", title="Grade distribution")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(out / "histogram.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar([q for q, _ in questions], [p for _, p in questions], color="#dddddd", label="points")
    ax.bar([q for q, _ in questions], list(means.values()), color="#55a868", label="mean earned")
    ax.set(ylabel="points", title="Per-question mean")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "question_means.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.35 * max(1, len(mistakes))))
    names = list(mistakes)[::-1]
    colors = ["#999999" if n.endswith((label(UNDIAGNOSED), label(UNATTEMPTED))) else "#c44e52" for n in names]
    ax.barh(names or ["(no lost points)"], [mistakes[k] for k in names] or [0], color=colors or ["#c44e52"])
    ax.set(xlabel="submissions", title="Why points were lost (grey: not attempted, not diagnosed)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(out / "mistakes.png", dpi=100)
    plt.close(fig)


def _mcq_section(graded: list[dict], checks: dict[str, Checks] | None) -> str:
    """How often each option of each MCQ was chosen, per variant when the variants' keys differ."""
    if not checks:
        return ""
    e = html.escape
    first_v = sorted(checks)[0]
    first = checks[first_v]
    parts = []
    for q in (q for q in first.questions if q.kind == "mcq" and q.tests):
        keys = {v: _key(c, q.name) for v, c in checks.items()}
        split = len(set(keys.values())) > 1
        counts: Counter = Counter()
        for s in graded:
            if s.get("variant") is not None and isinstance(s.get("answers"), dict) and q.name in s["answers"]:
                counts[(s["variant"] if split else "", _choice(s["answers"][q.name]))] += 1
        total = sum(counts.values())
        rows = "".join(
            f"<tr{' class=key' if keys[v or first_v] == opt else ''}>"
            + (f"<td>{e(v)}</td>" if split else "")
            + f"<td>{e(opt)}{' ✓ key' if keys[v or first_v] == opt else ''}</td><td>{n}</td>"
            f"<td><div class=bar style='width:{200 * n / total:.0f}px'></div></td></tr>"
            for (v, opt), n in sorted(counts.items()))
        head = "<th>variant</th>" if split else ""
        parts.append(f"<h3>{e(q.name)}</h3><table><tr>{head}<th>option chosen</th><th>students</th><th></th></tr>"
                     f"{rows or '<tr><td>no answers recorded</td></tr>'}</table>")
    return "<h2>Multiple-choice answers</h2>" + "".join(parts) if parts else ""


def _key(checks: Checks, question: str) -> str:
    """The MCQ's key, from its graded test (kind "choice"; the public format check comes first)."""
    tests = next(x for x in checks.questions if x.name == question).tests
    expect = next((t for t in tests if t.kind == "choice"), tests[-1]).expect
    return _choice(",".join(map(str, expect)) if isinstance(expect, list) else str(expect))


def _similarity_section(pairs: list, threshold: float | None, limit: int = 10) -> str:
    e = html.escape
    rows = "".join(f'<tr><td><a href="similarity.html#pair-{k}">{k}</a></td><td>{e(p.a.name)}</td>'
                   f"<td>{e(p.b.name)}</td><td>{p.score:.2f}</td></tr>" for k, p in enumerate(pairs[:limit], start=1))
    return (f"<h2>Similar code</h2><p>{len(pairs)} pairs scored at least {threshold:g}: the evidence of each is in "
            '<a href="similarity.html">similarity.html</a>, every pair compared in <a href="similarity.csv">'
            f"similarity.csv</a>.</p><table><tr><th>rank</th><th>a</th><th>b</th><th>score</th></tr>{rows}</table>")


def _students(summaries: list[dict], order: list[str]) -> str:
    e = html.escape
    rows = []
    for s in sorted(summaries, key=lambda s: s["file"]):
        cats = categories(s)
        why = "; ".join(f"{q}: {', '.join(label(m) for m in ids)}" for q, ids in
                        sorted(cats.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 0))
        link = result_path(Path("."), s["file"]).as_posix()
        rows.append(f'<tr id="{anchor(s["file"])}"><td><a href="{e(link)}">{e(s["file"])}</a></td>'
                    f"<td class=n>{_num(s['total'])} / {_num(s.get('possible', 0))}</td><td>{e(s['status'])}</td>"
                    f"<td>{e(why)}</td></tr>")
    return ("<h2>Students</h2><p>Each name links to the submission's results.json.</p><table><tr><th>submission</th>"
            f"<th>score</th><th>status</th><th>lost points on</th></tr>{''.join(rows)}</table>")
