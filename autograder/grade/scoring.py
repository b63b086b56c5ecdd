"""Scores from plain data, in the trusted grader: the answers the grader asked for → a Gradescope results.json dict.

Question score = question points × (points of its passed tests / points of all its tests). A test whose probe never
answered (the process exited, crashed or timed out first) fails. Visibility follows stock Otter: a "Public Tests"
entry with the public tests' feedback (visible), each code question `hidden` when it has hidden tests (else
`visible`), each MCQ `after_published`.

A reply is whatever the student process sent (arbitrary JSON): `score` reads only fields of the type it expects and
never raises on it. Everything in a result is student-visible on Gradescope (`tests[].output`, `output`,
`extra_data`), so nothing derived from what happened once the first hidden probe was asked goes back: a hidden test
says only passed or failed, its own words (`failure_message`) and the catalogue mistake it matched, never the value,
exception (not even its type name), shape, dtype or string the student's code produced; a hidden test that did not
answer is "failed" like any other once hidden probing had begun; output printed from then on is not shown, nor its
size; the signal that ended a process is not named; and no timing is recorded.
"""

from __future__ import annotations

import math
import os
import signal
from typing import Any

from autograder.grade.answers import probes_of
from autograder.runtime.checks import UNATTEMPTED, Checks, Outcome, Test, compare
from autograder.runtime.mistakes import lookup

COMPLETED = "Completed"  # Otter's grading_status for a submission graded normally
GRADER_ERROR = "grader-error"  # the grader failed on this submission: a rerun grades it again
MAX_CELL_ERRORS = 10  # cell errors quoted in the feedback
MAX_STDOUT = 20_000  # characters of the notebook's output quoted in the feedback


def _field(d: object, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    """d[key] when d is a dict and the value has the expected type (a bool is no int here), else the default."""
    value = d.get(key) if isinstance(d, dict) else None
    if kind is bool:
        return value if isinstance(value, bool) else default
    return value if isinstance(value, kind) and not isinstance(value, bool) else default


def _cell_errors(reply: dict) -> list[dict]:
    """The reply's cell errors that have the shape the grader records (see pool.Session), others ignored."""
    out = []
    for e in _field(reply, "cell_errors", list, []):
        if isinstance(e, dict) and isinstance(e.get("etype"), str) and isinstance(e.get("error"), str):
            out.append({"i": e.get("i") if type(e.get("i")) is int else None, "etype": e["etype"][:100],
                        "error": e["error"][-2000:]})
    return out


def _status(reply: dict, cell_errors: list[dict], done: bool, cpu_limit: float) -> tuple[str, str]:
    rep = _field(reply, "report", dict, {})
    if "error" in rep:  # its text is for the instructor (batch.py prints it), not the feedback
        return GRADER_ERROR, "the grader failed on this submission (not the submission's fault); it is graded again " \
            "on the next run"
    if _field(rep, "timed_out", bool, False):
        return "timeout", "the submission ran past the time limit and was stopped; tests that had not run fail"
    ws = _field(rep, "status", int, None)
    oom = _field(rep, "oom_kills", int, 0)
    if oom > 0:  # the kernel killed in the submission's cgroup
        return "memory", ("the submission's processes together ran out of memory (the limit is per submission) and "
                          "the system stopped one; tests that had not run fail")
    if _field(reply, "result_overflow", bool, False):
        return "output-limit", "the submission wrote more to the grader's result channel than allowed"
    if ws is not None and 0 <= ws < 1 << 16 and os.WIFSIGNALED(ws):
        sig = os.WTERMSIG(ws)
        cpu = _field(rep, "cpu", (int, float), 0.0)
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and math.isfinite(cpu) and cpu >= cpu_limit - 0.5):
            return "timeout", "the submission used up its CPU time and was stopped; tests that had not run fail"
        return "crashed", "the Python process was killed by a signal; tests that had not run fail"
    if not done:
        return "crashed", ("the notebook ended the Python process (os._exit, or a crash) before every test ran; "
                           "tests that did not run fail")
    if any(e["etype"] == "MemoryError" or "can't allocate memory" in e["error"] for e in cell_errors):
        return "memory", "a cell ran out of memory (the limit is per submission); the tests that ran are scored"
    return COMPLETED, ""


def _decide(test: Test, answered: bool, plain: object, why_missing: str, hidden_begun: bool) -> Outcome:
    """The outcome of one test; for a hidden test its message is built from the test's own words only."""
    if test.hidden and hidden_begun and not answered:
        return Outcome(False, _hidden_message(test, None))
    if not answered:
        return Outcome(False, f"{test.name}: did not run ({why_missing}).")
    try:
        o = compare(test, plain)
    except Exception:  # malformed data from the student process: a failed test
        o = Outcome(False, f"{test.name}: the value could not be read.")
    if test.hidden:
        return Outcome(o.passed, "" if o.passed else _hidden_message(test, o.mistake), o.mistake)
    return o


def _hidden_message(test: Test, mistake: str | None) -> str:
    """A failed hidden test's feedback, from the test's own words only: the mistake's message as the test names it
    (it says what went wrong), else the catalogue's words for a generic id (wrong-shape, does-not-run) followed by
    the test's failure message, else the failure message alone."""
    own = next((m.message for m in test.mistakes if m.name == mistake), None)
    if mistake == UNATTEMPTED:
        own = "not attempted yet."
    if own is None:
        known = lookup(mistake) if mistake else None
        own = " ".join(w for w in (known.feedback if known else None, test.failure_message) if w)
    return f"{test.name}: failed" + (f" — {own}" if own else ".")


def score(checks: Checks, reply: object, cpu_limit: float) -> dict:
    """A Gradescope results.json dict (plus `extra_data.lmcourse`) from one worker reply (any JSON)."""
    reply = reply if isinstance(reply, dict) else {}
    answers = probes_of(reply)
    cell_errors = _cell_errors(reply)
    status, why = _status(reply, cell_errors, _field(reply, "done", bool, False), cpu_limit)
    tests = [t for q in checks.questions for t in q.tests]
    hidden_begun = any(t.hidden for t in tests) and all(t.name in answers for t in tests if not t.hidden)
    tests_out, mistakes, per_q, public = [], [], {}, []
    for q in checks.questions:
        weight = sum(t.points for t in q.tests)
        earned, lines = 0.0, []
        for t in q.tests:
            o = _decide(t, t.name in answers, answers.get(t.name), why or "the process stopped first", hidden_begun)
            earned += t.points if o.passed else 0.0
            lines.append(f"{t.name}: passed" if o.passed else o.message)
            if not t.hidden and q.kind != "mcq":
                public.append(lines[-1])
            if o.mistake:
                mistakes.append({"question": q.name, "test": t.name, "mistake": o.mistake})
        per_q[q.name] = round(q.points * earned / weight, 5) if weight else 0.0
        visibility = "after_published" if q.kind == "mcq" else "hidden" if any(t.hidden for t in q.tests) \
            else "visible"
        tests_out.append({"name": q.name, "score": per_q[q.name], "max_score": q.points, "visibility": visibility,
                          "output": "\n".join(lines)})
    tests_out.insert(0, {"name": "Public Tests", "visibility": "visible", "output": "\n".join(public),
                         "status": "passed" if all(line.endswith(": passed") for line in public) else "failed"})
    output = _output(status, why, cell_errors, reply, any(t.hidden for t in tests))
    return _result(checks, status, output, per_q, tests_out, mistakes)


def _output(status: str, why: str, cell_errors: list[dict], reply: dict, has_hidden: bool) -> str:
    """The submission's feedback: its status, the cells' errors (all raised before any probe was asked) and what the
    notebook printed before the first hidden probe (the sandbox's reply holds nothing later)."""
    out = [f"Grading status: {status}" + (f" — {why}" if why else "")]
    for e in cell_errors[:MAX_CELL_ERRORS]:
        where = "the grader's setup" if e["i"] == -1 else f"cell {e['i']}"
        out.append(f"\n{where} raised {e['etype']}:\n{e['error'].strip()[-1200:]}")
    stdout = _field(reply, "stdout", str, "")
    if stdout:
        n = _field(reply, "stdout_bytes", int, 0)
        kept = len(stdout.encode("utf-8", "replace"))
        out.append(f"\nOutput of your notebook{f' (first {kept} of {n} bytes)' if n > kept else ''}:\n"
                   + stdout[-MAX_STDOUT:])
    if has_hidden:  # said whether or not anything was printed: that too would come from the hidden phase
        out.append("\n(What your code printed while the hidden tests ran is not shown.)")
    return "\n".join(out)


def _result(checks: Checks, status: str, output: str, per_q: dict[str, float], tests: list[dict],
            mistakes: list[dict]) -> dict:
    total = round(sum(per_q.values()), 5)
    possible = sum(q.points for q in checks.questions)
    return {
        "score": total,
        "output": output,
        "tests": tests,
        "extra_data": {"lmcourse": {
            "assignment": checks.assignment, "variant": checks.variant, "status": status, "total": total,
            "possible": possible, "percent": round(total / possible, 4) if possible else 0.0, "questions": per_q,
            "points": {q.name: q.points for q in checks.questions}, "mistakes": mistakes,
        }},
    }


def ungradable(questions: list[tuple[str, float]], status: str, message: str, assignment: str = "") -> dict:
    """Score 0 on every question, with the reason as the feedback."""
    per_q = {q: 0.0 for q, _ in questions}
    possible = sum(p for _, p in questions)
    return {
        "score": 0.0,
        "output": f"Grading status: {status} — {message}",
        "tests": [{"name": q, "score": 0.0, "max_score": p, "visibility": "visible", "output": message}
                  for q, p in questions],  # nothing ran: no hidden result to hide
        "extra_data": {"lmcourse": {
            "assignment": assignment, "variant": None, "status": status, "total": 0.0, "possible": possible,
            "percent": 0.0, "questions": per_q, "points": dict(questions), "mistakes": [],
        }},
    }


def grader_error(questions: list[tuple[str, float]], assignment: str = "") -> dict:
    """The row of a submission the grader itself failed on (scoring, annotating, saving): 0 for now, graded again by
    the next run. The failure's details go to the instructor's terminal, not into the student's feedback."""
    return ungradable(questions, GRADER_ERROR, "the grader failed on this submission (not the submission's fault); "
                      "it is graded again on the next run", assignment)


def summary(result: dict) -> dict[str, Any]:
    return result["extra_data"]["lmcourse"]
