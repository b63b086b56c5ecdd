"""Batch outputs: final_grades.csv in Otter's layout, report.html (the teacher's view: teaching.py decides what it
says, report_parts.py writes it, report_plots.py draws it) and students.html, the grade table."""

from __future__ import annotations

from pathlib import Path

from autograder.course.outputs import write_atomic
from autograder.grade import report_parts as parts
from autograder.grade import report_plots as plots
from autograder.grade import teaching
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


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*r) for r in [header, *rows])


# ------------------------------------------------------------------ teacher view (issue 10 item 12, issue 11 item 3)
UNATTEMPTED = "unattempted"  # catalogue id (autograder.runtime.mistakes)
UNDIAGNOSED = "undiagnosed"  # a lost point no known mistake explains
categories, label, anchor = teaching.categories, teaching.label, parts.anchor  # as report.* for callers


def write_report(out: Path, summaries: list[dict], questions: list[tuple[str, float]], title: str,
                 checks: dict[str, Checks] | None = None, similar: list | None = None,
                 threshold: float | None = None, students: list[dict] | None = None) -> Path:
    """report.html, ordered for action: who needs attention (sorted by need), the mistakes to reteach, multiple
    choice answers by meaning, per-question statistics, the top similar pairs; then students.html (every student)
    and the plots next to them. `students`: the class rows (INTERFACES.md); None: one row per summary."""
    rows = students if students is not None else teaching.rows_from_summaries(summaries)
    order = [q for q, _ in questions]
    names = {str(r["file"]): teaching.who(r) for r in rows if r.get("file")}
    flags = teaching.similar_flags(similar, names)
    need = teaching.attention(rows, flags, order)
    found = teaching.mistakes(rows)
    stats = teaching.question_stats(rows, questions)
    graded = [r for r in rows if teaching.gradable(r.get("summary"))]
    shares = [x for x in (teaching.share(r) for r in graded) if x is not None]
    pngs = {"histogram": plots.histogram(out / "histogram.png", shares),
            "means": plots.question_means(out / "question_means.png", stats),
            "mistakes": plots.mistakes(out / "mistakes.png", found)}
    for name, path in (("histogram", "histogram.png"), ("means", "question_means.png"), ("mistakes", "mistakes.png")):
        if pngs[name] is None:
            (out / path).unlink(missing_ok=True)  # an earlier run's plot would show what is no longer true
    meanings = teaching.mcq_meanings(rows, checks)
    body = (parts.header(title, rows, shares) + parts.glance(need, found, similar or [], names, threshold)
            + parts.mistakes_section(found, pngs["mistakes"]) + parts.mcq_section(meanings)
            + parts.questions_section(stats, pngs["means"]) + parts.similar_section(similar, names, threshold)
            + parts.distribution_section(rows, pngs["histogram"]))
    write_atomic(out / "students.html", parts.page(f"{title}: every student", parts.students_table(rows, order)))
    write_atomic(out / "report.html", parts.page(title, body))
    return out / "report.html"
