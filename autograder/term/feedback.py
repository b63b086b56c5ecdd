"""Hand back: one self-contained feedback file per student (HTML, and the same as Markdown), and the zips Canvas's and
Moodle's bulk feedback upload take.

A file holds the score, each question's points, the public tests' feedback, the late penalty, the overrides and
what the notebook printed (as the grader's results show it: nothing after the first hidden test). A hidden test says
only whether it passed and, when diagnosed, the catalogued mistake's label and feedback: never its name, its input or
its expected value. Multiple-choice results (Otter's `after_published`) and the total they are part of appear only
once the instructor publishes them (`lmcourse handback --publish-mcq`). Identity flags (whose notebook it was) stay in
the instructor's report: a student's file names no other student.
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from pathlib import Path

from autograder.grade.files import result_path
from autograder.runtime import mistakes as catalogue
from autograder.runtime.checks import Checks
from autograder.term import lms

FOLDER = "feedback"
CANVAS_ZIP = "canvas-feedback.zip"
MOODLE_ZIP = "moodle-feedback.zip"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip entries carry a fixed time: the same class gives the same bytes


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.5g}"


def _why(mistake: str) -> str:
    try:
        return f"{catalogue.label(mistake)}: {catalogue.feedback(mistake)}"
    except KeyError:
        return catalogue.label(mistake)


def question_lines(result: dict, checks: Checks | None, summary: dict, published: bool) -> dict[str, list[str]]:
    """Question -> the lines a student may read: public tests' feedback as the grader wrote it, hidden tests as
    passed/failed with the catalogued mistake, MCQs as recorded until published."""
    outputs = {t.get("name"): str(t.get("output", "")) for t in result.get("tests", []) if isinstance(t, dict)}
    diagnosed = {m.get("test"): m.get("mistake") for m in summary.get("mistakes", []) if isinstance(m, dict)}
    answers = summary.get("answers") or {}
    out: dict[str, list[str]] = {}
    if checks is None:  # nothing ran (an ungradable file): its message is the feedback
        return {q: [outputs.get(q, "")] for q in summary.get("questions", {})}
    for q in checks.questions:
        lines = outputs.get(q.name, "").split("\n")
        shown, hidden_n = [], 0
        for t in q.tests:
            line = next((x for x in lines if x.startswith(f"{t.name}:")), f"{t.name}: did not run.")
            passed = line == f"{t.name}: passed"
            if q.kind == "mcq":
                continue
            if not t.hidden:
                shown.append(line)
                continue
            hidden_n += 1
            why = f" ({_why(diagnosed[t.name])})" if not passed and diagnosed.get(t.name) else ""
            shown.append(f"hidden test {hidden_n}: {'passed' if passed else 'failed'}{why}")
        if q.kind == "mcq":
            answer = answers.get(q.name)
            given = f"your answer: {answer}" if answer else "no answer recorded"
            if not published:
                shown.append(f"{given}; multiple-choice results are published later.")
            else:
                correct = summary.get("questions", {}).get(q.name, 0) >= q.points - 1e-9
                shown.append(f"{given}: {'correct' if correct else 'not correct'}.")
        out[q.name] = shown
    return out


def render(row: dict, record: dict | None, checks: dict[str, Checks], out: Path, title: str, published: bool,
           policy: str) -> tuple[str, str]:
    """(HTML, Markdown) feedback for one class row."""
    summary = row.get("summary") or {}
    result = {}
    if row.get("file"):
        try:
            result = json.loads(result_path(out, row["file"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            result = {}
    variant_checks = checks.get(summary.get("variant")) if summary.get("variant") else None
    mcqs = [q.name for q in next(iter(checks.values())).questions if q.kind == "mcq"] if checks else []
    withheld = bool(mcqs) and not published
    lines = question_lines(result, variant_checks, summary, published) if summary else {}
    who = f"{row['name']} ({row['student_id']})" if row.get("name") else str(row.get("student_id"))
    if row["status"] == "missing":
        facts = ["No submission was received."]
    else:
        uploaded = (record or {}).get("uploaded_file") or row["file"]
        facts = [f"Graded: {uploaded} (status: {row['status']})."]
    facts += [f"You also uploaded {(older or {}).get('uploaded_file') or name} earlier; the latest upload counts."
              for name, older in row.get("superseded", [])]
    score = [f"Autograded score: {_num(row['raw'])} / {_num(row['possible'])}"]
    for o in row["overrides"]:
        what = "total" if o["target"] == "total" else o["target"]
        change = f"set to {_num(o['set'])}" if o["set"] is not None else \
            f"{'+' if o['points'] >= 0 else '−'}{_num(abs(o['points']))} points"
        score.append(f"Instructor's change to {what}: {change}" + (f" ({o['reason']})" if o["reason"] else ""))
    if row["late_days"]:
        score.append(f"Late: {row['late_days']} day{'s' if row['late_days'] != 1 else ''}; "
                     f"{_num(row['penalty'])} points deducted ({policy})")
    score.append("Total: published with the multiple-choice results" if withheld else
                 f"Total: {_num(row['final'])} / {_num(row['possible'])} ({100 * row['percent']:.1f} %)")
    questions = []
    first = next(iter(checks.values())) if checks else None
    points = summary.get("points") or ({q.name: q.points for q in first.questions} if first else {})
    for q, earned in row["questions"].items():
        pts = "—" if withheld and q in mcqs else f"{_num(earned)} / {_num(points.get(q, 0))}"
        questions.append((q, pts, lines.get(q, [])))
    output = str(result.get("output", "")) if row.get("file") else ""
    return _html(title, who, facts, score, questions, output), _markdown(title, who, facts, score, questions, output)


def _html(title: str, who: str, facts: list[str], score: list[str], questions: list, output: str) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(q)}</td><td class=n>{e(p)}</td><td>{'<br>'.join(e(x) for x in ls)}</td></tr>"
                   for q, p, ls in questions)
    out = f"<h2>What the grader saw</h2><pre>{e(output)}</pre>" if output.strip() else ""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{e(title)}: {e(who)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:3px 10px;text-align:left;
vertical-align:top;border-bottom:1px solid #ddd}}td.n{{white-space:nowrap}}pre{{white-space:pre-wrap;font-size:85%;
background:#f6f6f6;padding:1em}}</style></head><body>
<h1>{e(title)}</h1><p>Feedback for {e(who)}</p>
{''.join(f'<p>{e(f)}</p>' for f in facts)}
<ul>{''.join(f'<li>{e(s)}</li>' for s in score)}</ul>
<h2>Questions</h2><table><tr><th>question</th><th>points</th><th>feedback</th></tr>{rows}</table>
{out}</body></html>
"""


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _markdown(title: str, who: str, facts: list[str], score: list[str], questions: list, output: str) -> str:
    parts = [f"# {_md(title)}", "", f"Feedback for {_md(who)}", "", *[_md(f) for f in facts], "",
             *[f"- {_md(s)}" for s in score], "", "## Questions", "", "| question | points | feedback |",
             "| --- | --- | --- |"]
    parts += [f"| {_md(q)} | {_md(p)} | {'<br>'.join(_md(x) for x in ls)} |" for q, p, ls in questions]
    if output.strip():
        fence = "````" if "```" in output else "```"
        parts += ["", "## What the grader saw", "", fence, output.rstrip(), fence]
    return "\n".join(parts) + "\n"


def _zip(path: Path, files: dict[str, str]) -> None:
    """A zip with a fixed entry time, members in name order: the same files give the same bytes."""
    from autograder.term.collect import write_bytes

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    write_bytes(path, buf.getvalue())


def file_key(name: str) -> str:
    """A feedback file name for a submission no student owns: "file-" + its name made file-safe + a short hash."""
    import hashlib
    import re

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80]
    return f"file-{safe}-{hashlib.sha256(name.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def write(out: Path, rows: list[dict], records: dict[str, dict], roster: dict, checks: dict[str, Checks],
          title: str, published: bool, policy: str) -> dict[str, int]:
    """feedback/<student_id>.html and .md for every student with an id, the Canvas and Moodle upload zips; files
    of students no longer in the class are removed. Returns how many students each zip reaches."""
    from autograder.term.collect import write_bytes

    folder = out / FOLDER
    folder.mkdir(exist_ok=True)
    written, canvas, moodle = set(), {}, {}
    for row in rows:
        sid = row.get("student_id") or file_key(row["file"])
        rec = records.get(row["file"]) if row.get("file") else None
        page, text = render(row, rec, checks, out, title, published, policy)
        for name, content in ((f"{sid}.html", page), (f"{sid}.md", text)):
            write_bytes(folder / name, content.encode("utf-8"))
            written.add(name)
        if row["status"] == "identity-conflict":
            continue  # whose it is is unsettled (its message names both students): nothing goes back through an LMS
        if rec and rec.get("lms") == "canvas" and rec.get("attachment"):
            canvas[f"{rec['lms_prefix']}_feedback.html"] = page
        student = roster.get(sid)
        participant = (rec.get("lms_user") if rec and rec.get("lms") == "moodle" else "") or \
            (student.participant_id if student else "")
        if participant:
            name = (student.name if student and student.name else (rec or {}).get("lms_name")) or sid
            moodle[lms.moodle_feedback_name(name, participant, "feedback.html")] = page
    for zip_name, files in ((CANVAS_ZIP, canvas), (MOODLE_ZIP, moodle)):
        if files:
            _zip(folder / zip_name, files)
            written.add(zip_name)
    for stale in folder.iterdir():
        if stale.is_file() and not stale.name.startswith(".") and stale.name not in written:
            stale.unlink()
    return {"canvas": len(canvas), "moodle": len(moodle)}
