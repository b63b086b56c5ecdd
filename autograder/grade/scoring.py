"""Scores from plain data, in the trusted grader: the answers the grader asked for → a Gradescope results.json dict.

Question score = question points × (points of its passed tests / points of all its tests). A test whose probe never
answered (the process exited, crashed or timed out first) fails. Visibility follows stock Otter: a "Public Tests"
entry with the public tests' feedback (visible), each code question `hidden` when it has hidden tests (else
`visible`), each MCQ `after_published`. A hidden test's feedback never quotes what the student's code printed or
raised, so hidden inputs cannot be read back from it.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from autograder.runtime.checks import Checks, Outcome, Test, compare

COMPLETED = "Completed"  # Otter's grading_status for a submission graded normally


def _status(reply: dict, cell_errors: list[dict], done: bool, cpu_limit: float) -> tuple[str, str]:
    rep = reply.get("report") or {}
    if "error" in rep:
        return "grader-error", str(rep["error"])
    if rep.get("timed_out"):
        return "timeout", "the submission ran past the time limit and was stopped; tests that had not run fail"
    ws = rep.get("status")
    if type(rep.get("oom_kills")) is int and rep["oom_kills"] > 0:  # the kernel killed in the submission's cgroup
        return "memory", ("the submission's processes together ran out of memory (the limit is per submission) and "
                          "the system stopped one; tests that had not run fail")
    if reply.get("result_overflow"):
        return "output-limit", "the submission wrote more to the grader's result channel than allowed"
    if isinstance(ws, int) and os.WIFSIGNALED(ws):
        sig = os.WTERMSIG(ws)
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and float(rep.get("cpu", 0)) >= cpu_limit - 0.5):
            return "timeout", "the submission used up its CPU time and was stopped; tests that had not run fail"
        return "crashed", f"the Python process died ({signal.Signals(sig).name}); tests that had not run fail"
    if not done:
        return "crashed", ("the notebook ended the Python process (os._exit, or a crash) before every test ran; "
                           "tests that did not run fail")
    if any(e["etype"] == "MemoryError" or "can't allocate memory" in e["error"] for e in cell_errors):
        return "memory", "a cell ran out of memory (the limit is per submission); the tests that ran are scored"
    return COMPLETED, ""


def _decide(test: Test, answered: bool, plain: object, why_missing: str) -> Outcome:
    if not answered:
        return Outcome(False, f"{test.name}: did not run ({why_missing}).")
    try:
        o = compare(test, plain)
    except Exception:  # malformed data from the student process
        return Outcome(False, f"{test.name}: the value could not be read.")
    if test.hidden and not o.passed and isinstance(plain, dict) and plain.get("type") == "error" and not o.mistake:
        error = str(plain.get("error", ""))  # its message could quote the hidden input: only its type is shown
        return Outcome(False, f"{test.name}: your code raised {error.split(':', 1)[0][:80]} on this hidden test.")
    return o


def score(checks: Checks, reply: dict, cpu_limit: float) -> dict:
    """A Gradescope results.json dict (plus `extra_data.lmcourse`) from one worker reply."""
    answers = reply.get("answers") or {}
    cell_errors = list(reply.get("cell_errors") or [])
    status, why = _status(reply, cell_errors, bool(reply.get("done")), cpu_limit)
    tests_out, mistakes, per_q, public = [], [], {}, []
    for q in checks.questions:
        weight = sum(t.points for t in q.tests)
        earned, lines = 0.0, []
        for t in q.tests:
            o = _decide(t, t.name in answers, answers.get(t.name), why or "the process stopped first")
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
    return _result(checks, status, why, per_q, tests_out, mistakes, cell_errors, reply)


def _result(checks: Checks, status: str, why: str, per_q: dict[str, float], tests: list[dict], mistakes: list[dict],
            cell_errors: list[dict], reply: dict) -> dict:
    total = round(sum(per_q.values()), 5)
    possible = sum(q.points for q in checks.questions)
    out = [f"Grading status: {status}" + (f" — {why}" if why else "")]
    for e in cell_errors[:10]:
        where = "the grader's setup" if e["i"] == -1 else f"cell {e['i']}"
        out.append(f"\n{where} raised {e['etype']}:\n{e['error'].strip()[-1200:]}")
    if reply.get("stdout"):
        n = reply.get("stdout_bytes", 0)
        kept = len(reply["stdout"].encode())
        out.append(f"\nOutput of your notebook{f' (first {kept} of {n} bytes)' if n > kept else ''}:\n"
                   + reply["stdout"][-20_000:])
    if reply.get("stdout_hidden"):
        out.append("\n(What your code printed while the hidden tests ran is not shown.)")
    return {
        "score": total,
        "output": "\n".join(out),
        "tests": tests,
        "extra_data": {"lmcourse": {
            "assignment": checks.assignment, "variant": checks.variant, "status": status, "total": total,
            "possible": possible, "percent": round(total / possible, 4) if possible else 0.0, "questions": per_q,
            "points": {q.name: q.points for q in checks.questions}, "mistakes": mistakes,
            "wall_s": round(float(reply.get("wall", 0.0)), 3),
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
            "percent": 0.0, "questions": per_q, "points": dict(questions), "mistakes": [], "wall_s": 0.0,
        }},
    }


def summary(result: dict) -> dict[str, Any]:
    return result["extra_data"]["lmcourse"]
