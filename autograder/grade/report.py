"""Batch outputs: final_grades.csv in Otter's layout, report.html with PNG plots, and the grade table on stdout."""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from pathlib import Path

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
    from autograder.grade.batch import write_atomic

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    write_atomic(path, buf.getvalue())


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*r) for r in [header, *rows])


def write_report(out: Path, summaries: list[dict], questions: list[tuple[str, float]], title: str) -> Path:
    """report.html next to histogram.png, question_means.png and mistakes.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    graded = summaries
    pct = [100 * s["percent"] for s in graded]
    means = {q: (sum(s["questions"].get(q, 0.0) for s in graded) / len(graded) if graded else 0.0)
             for q, _ in questions}
    mistakes = Counter(k for s in graded for k in {f"{m['question']}: {m['mistake']}" for m in s.get("mistakes", [])})
    statuses = Counter(s["status"] for s in summaries)

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

    fig, ax = plt.subplots(figsize=(7, 0.6 + 0.35 * max(1, len(mistakes))))
    names = [k for k, _ in mistakes.most_common()][::-1]
    ax.barh(names or ["(no diagnosed mistakes)"], [mistakes[k] for k in names] or [0], color="#c44e52")
    ax.set(xlabel="submissions", title="Diagnosed mistakes")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(out / "mistakes.png", dpi=100)
    plt.close(fig)

    e = html.escape
    rows = "".join(f"<tr><td>{e(q)}</td><td>{p:g}</td><td>{means[q]:.2f}</td></tr>" for q, p in questions)
    mrows = "".join(f"<tr><td>{e(k)}</td><td>{v}</td></tr>" for k, v in mistakes.most_common())
    srows = "".join(f"<tr><td>{e(k)}</td><td>{v}</td></tr>" for k, v in sorted(statuses.items()))
    mean_pct = sum(pct) / len(pct) if pct else 0.0
    doc = f"""<!doctype html><html><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:2px 10px;text-align:left}}</style>
</head><body><h1>{e(title)}</h1>
<p>{len(summaries)} submissions, mean score {mean_pct:.1f} %.</p>
<h2>Grade distribution</h2><img src="histogram.png" alt="histogram of scores">
<h2>Per-question means</h2><img src="question_means.png" alt="per-question means">
<table><tr><th>question</th><th>points</th><th>mean earned</th></tr>{rows}</table>
<h2>Diagnosed mistakes</h2><img src="mistakes.png" alt="mistake counts">
<table><tr><th>question: mistake</th><th>submissions</th></tr>{mrows}</table>
<h2>Grading status</h2><table><tr><th>status</th><th>submissions</th></tr>{srows}</table>
</body></html>
"""
    (out / "report.html").write_text(doc, encoding="utf-8")
    return out / "report.html"
