"""Score quiz responses against key.json.

Responses are a CSV of `student,item,answer` (optional `variant` column holding the question code
"<item>/<seed>/<index>"; `item` may also be the code itself), or Moodle's quiz "Responses" report exported as CSV
(columns "Response 1..n", one per item in quiz order; the variant is read from the "Question code: ..." line in
the "Question n" column when the report includes question text, else from the roster key), or a wide CSV with one
column per question whose header holds the question text, as Canvas's Student Analysis report has. Numeric answers
score if |answer − key| ≤ tolerance; multiple-choice answers may be the letter or the choice's text.
Bad rows are reported with file and line and skipped; the rest is graded.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.course.outputs import write_csv

from .analysis import write_item_analysis
from .preview import KEY_FORMAT

CODE_RE = re.compile(r"Question code:\s*([A-Za-z][A-Za-z0-9_]*/-?\d+/\d+)")


@dataclass
class Response:
    student: str
    item: str
    code: str
    answer: str
    where: str  # "file:line" for messages


def load_key(path: Path) -> dict[str, Any]:
    try:
        key = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: cannot read the quiz key: {e}") from e
    if not isinstance(key, dict) or key.get("format") != KEY_FORMAT:
        raise ValueError(f"{path}: not an lmcourse quiz key (expected format {KEY_FORMAT!r}); use the key.json "
                         "that `lmcourse quiz` wrote")
    return key


def _norm(s: str) -> str:
    return " ".join(s.replace("\u2212", "-").split()).strip().rstrip(".").lower()


def parse_number(text: str) -> float | None:
    t = text.strip().replace("\u2212", "-").replace(" ", "")
    if "," in t and "." not in t:
        t = t.replace(",", ".")  # decimal comma
    try:
        x = float(t)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def score(kv: dict[str, Any], answer: str) -> tuple[float, str | None, str]:
    """(points in {0, 1}, mistake name or None, short message)."""
    if kv["type"] == "numeric":
        x = parse_number(answer)
        if x is None:
            return 0.0, "not-a-number", f"{answer!r} is not a number"
        if abs(x - kv["answer"]) <= kv["tolerance"] * (1 + 1e-9):
            return 1.0, None, "correct"
        for m in kv.get("mistakes", []):
            if abs(x - m["value"]) <= kv["tolerance"]:
                return 0.0, m["mistake"], f"matches the mistake {m['mistake']}"
        return 0.0, None, "incorrect"
    c = chosen(kv, answer)
    if c is None:
        return 0.0, "unknown-choice", f"{answer!r} is none of the choices"
    return (1.0, None, "correct") if c["correct"] else (0.0, c["mistake"], f"chose {c['letter']}")


def chosen(kv: dict[str, Any], answer: str) -> dict[str, Any] | None:
    """The choice a multiple-choice or true/false answer names (by letter, text, or T/F), or None."""
    a = _norm(answer)
    for c in kv.get("choices", []):
        tf_short = kv["type"] == "truefalse" and a == c["text"][0].lower()  # "t" / "f"
        if a == c["letter"].lower() or a == _norm(c["text"]) or tf_short:
            return c
    return None


def _resolve(key: dict[str, Any], student: str, item: str, code: str) -> str:
    if code:
        if code not in key["variants"]:
            raise ValueError(f"unknown question code {code!r}")
        return code
    assigned = key.get("students", {}).get(student, {}).get("variants", {})
    if item in assigned:
        return assigned[item]
    codes = [c for c, v in key["variants"].items() if v["item"] == item]
    if len(codes) == 1:
        return codes[0]
    raise ValueError(f"cannot tell which variant of {item!r} student {student!r} answered: add a 'variant' column "
                     "(the question code) or build the quiz with --roster")


def read_responses(path: Path, key: dict[str, Any], problems: list[str]) -> list[Response]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        problems.append(f"{path}: cannot read responses: {e}")
        return []
    if not rows:
        problems.append(f"{path}: empty responses file")
        return []
    header = [h.strip() for h in rows[0]]
    low = [h.lower() for h in header]
    out: list[Response] = []
    if "response 1" in low:
        return _moodle(path, header, rows[1:], key, problems)
    if any(CODE_RE.search(h) for h in header):
        return _wide(path, header, rows[1:], key, problems)
    sid_col = next((low.index(c) for c in ("student", "student_id") if c in low), None)
    if sid_col is None or "item" not in low or "answer" not in low:
        problems.append(f"{path}:1: expected columns student,item,answer (optional variant) or a Moodle Responses "
                        f"export; got {header}")
        return []
    item_col, ans_col = low.index("item"), low.index("answer")
    var_col = next((low.index(c) for c in ("variant", "code") if c in low), None)
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}:{line}"
        try:
            student, item, answer = row[sid_col].strip(), row[item_col].strip(), row[ans_col]
            code = row[var_col].strip() if var_col is not None and var_col < len(row) else ""
            if item.count("/") == 2 and not code:
                code, item = item, item.split("/")[0]
            if not student:
                raise ValueError("empty student")
            if item not in key["items"]:
                raise ValueError(f"unknown item {item!r} (this key has {', '.join(key['items'])})")
            code = _resolve(key, student, item, code)
            if key["variants"][code]["item"] != item:
                raise ValueError(f"question code {code!r} belongs to item {key['variants'][code]['item']!r}")
            out.append(Response(student, item, code, answer, where))
        except (IndexError, ValueError) as e:
            problems.append(f"{where}: {e if not isinstance(e, IndexError) else 'missing cells'}; row skipped")
    return out


def _moodle(path: Path, header: list[str], rows: list[list[str]], key: dict[str, Any],
            problems: list[str]) -> list[Response]:
    low = [h.lower() for h in header]
    id_col = next((low.index(c) for c in ("id number", "username", "email address") if c in low), None)
    names = [low.index(c) for c in ("first name", "surname") if c in low]
    out: list[Response] = []
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}"
        if not row or not any(c.strip() for c in row) or "overall average" in " ".join(row).lower():
            continue
        student = row[id_col].strip() if id_col is not None and id_col < len(row) else ""
        student = student or " ".join(row[i].strip() for i in names if i < len(row)).strip()
        if not student:
            problems.append(f"{where}: no student identifier (ID number, username, email or name); row skipped")
            continue
        for n, item in enumerate(key["items"], start=1):
            if f"response {n}" not in low:
                continue
            answer = row[low.index(f"response {n}")] if low.index(f"response {n}") < len(row) else ""
            if answer.strip() in ("", "-"):
                continue  # not answered: scores 0 in the grades
            qtext = row[low.index(f"question {n}")] if f"question {n}" in low else ""
            m = CODE_RE.search(qtext)
            try:
                code = _resolve(key, student, item, m.group(1) if m else "")
                if key["variants"][code]["item"] != item:
                    raise ValueError(f"Response {n} is {key['variants'][code]['item']!r}, expected item {item!r}: "
                                     "the quiz's slots must follow the key's item order")
                out.append(Response(student, item, code, answer, where))
            except ValueError as e:
                problems.append(f"{where}: Response {n}: {e}; answer skipped")
    return out


def _wide(path: Path, header: list[str], rows: list[list[str]], key: dict[str, Any],
          problems: list[str]) -> list[Response]:
    """One row per student, one column per question whose header holds the question text (so its "Question code"),
    as in Canvas's Student Analysis report: a student's cells are empty for the variants they did not draw."""
    low = [h.lower() for h in header]
    id_col = next((low.index(c) for c in ("sis_id", "id", "student_id", "student", "name") if c in low), None)
    codes = {i: m.group(1) for i, h in enumerate(header) if (m := CODE_RE.search(h))}
    out: list[Response] = []
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}"
        if not any(c.strip() for c in row):
            continue
        student = row[id_col].strip() if id_col is not None and id_col < len(row) else ""
        if not student:
            problems.append(f"{where}: no student identifier (sis_id, id, student_id, student or name); row skipped")
            continue
        for i, code in codes.items():
            if i >= len(row) or not row[i].strip():
                continue
            if code not in key["variants"]:
                problems.append(f"{where}: column {i + 1}: unknown question code {code!r}; answer skipped")
                continue
            out.append(Response(student, key["variants"][code]["item"], code, row[i], where))
    return out


def grade(key: dict[str, Any], responses: list[Response], out: Path) -> dict[str, dict[str, float]]:
    """Write grades.csv (student, one column per item, total, max), scored_responses.csv and the item analysis
    (item_analysis.csv, item_analysis.html and its plots); return the scores."""
    out.mkdir(parents=True, exist_ok=True)
    students = list(key.get("students", {}))
    scores: dict[str, dict[str, float]] = {s: {} for s in students}
    detail = []
    final: dict[tuple[str, str], dict[str, Any]] = {}
    for r in responses:
        kv = key["variants"][r.code]
        pts, mistake, msg = score(kv, r.answer)
        scores.setdefault(r.student, {})[r.item] = pts  # a later answer to the same item replaces an earlier one
        detail.append([r.student, r.item, r.code, r.answer, pts, mistake or "", msg])
        c = chosen(kv, r.answer) if kv["type"] != "numeric" else None
        final[(r.student, r.item)] = {"student": r.student, "item": r.item, "variant": r.code, "score": pts,
                                      "mistake": mistake or "", "choice": c["letter"] if c else "",
                                      "answer": r.answer}  # item analysis: a blank is "no answer", not a mistake
    # what students typed (answers, names) may start like a formula: write_csv quotes such cells (OWASP)
    rows = [[s, *(per.get(i, 0.0) for i in key["items"])] for s, per in scores.items()]
    write_csv(out / "grades.csv", ["student", *key["items"], "total", "max"],
              ([*row, sum(row[1:]), len(key["items"])] for row in rows))
    write_csv(out / "scored_responses.csv", ["student", "item", "variant", "answer", "score", "mistake", "message"],
              detail)
    write_item_analysis(key, list(final.values()), scores, out)
    return scores
