"""What a submission answered, read from its reply as data (the teacher's view: MCQ answers, unattempted questions).

A reply is whatever the student process sent: any JSON at all (a probe's `plain` may lack its `value`, hold a list
where a string belongs, or nest a thousand levels deep). Everything here is total: it never raises, whatever the
reply holds, and reads only fields of the type it expects.
"""

from __future__ import annotations

import re

from autograder.runtime.checks import Checks

LEFT_BLANK = {"ellipsis object", "NotImplementedType object"}  # to_plain's repr of `...` / NotImplemented
MAX_ANSWER = 40  # characters of an MCQ answer kept for the report
_UNDEFINED = re.compile(r"NameError: name '(\w+)' is not defined")


def annotate(result: dict, checks: Checks, reply: object) -> None:
    """Add to `extra_data.lmcourse`, from the same plain probe values the score is decided on (read as data here,
    never trusted as a verdict): `answers`, each MCQ's answer as given to its public check (a string, or None when
    there was none: `extra_data` is student-visible, so nothing read after the first hidden probe goes in), and
    `unattempted`, the questions whose every probe found the starter code (NotImplementedError, `...`/None, or a name
    the probe uses left undefined)."""
    probes = probes_of(reply)
    answers: dict[str, str | None] = {}
    unattempted = []
    for q in checks.questions:
        plains = [probes.get(t.name) for t in q.tests]
        if q.kind == "mcq" and q.tests:  # read where a public test asked (before any hidden probe: see scoring.py)
            public = [p for t, p in zip(q.tests, plains, strict=True) if not t.hidden]
            answers[q.name] = mcq_answer(public[0]) if public else None
        if q.tests and all(left_blank(t.probe, p) for t, p in zip(q.tests, plains, strict=True)):
            unattempted.append(q.name)
    lm = result["extra_data"]["lmcourse"]
    lm["answers"], lm["unattempted"] = answers, unattempted


def probes_of(reply: object) -> dict[str, object]:
    """{test name: plain value} from a reply, {} when it holds none (or not as a mapping)."""
    answers = reply.get("answers") if isinstance(reply, dict) else None
    return answers if isinstance(answers, dict) else {}


def mcq_answer(plain: object) -> str | None:
    """The answer as the student gave it (its first MAX_ANSWER characters), None unless it is a string."""
    if isinstance(plain, dict) and plain.get("type") == "str" and isinstance(plain.get("value"), str):
        return plain["value"][:MAX_ANSWER]
    return None


def left_blank(probe: str, plain: object) -> bool:
    """The probe found the starter code: None, `...`, NotImplementedError, or the probe's whole expression (an MCQ
    answer variable) undefined. A function the probe calls being undefined is `does-not-run`, not blank, and a
    NameError for a name the student typed inside their own answer is an attempt."""
    if not isinstance(plain, dict):
        return False
    kind, shown = plain.get("type"), plain.get("repr")
    if kind == "none" or (kind == "other" and isinstance(shown, str) and shown in LEFT_BLANK):
        return True
    err = plain.get("error") if kind == "error" else None
    if not isinstance(err, str):
        return False
    # an MCQ answer variable never set is blank; a function the probe calls being undefined is `does-not-run` (its
    # cell stopped before the def: compare names it), and a name undefined inside the answer is an attempt
    undefined = _UNDEFINED.match(err)
    return err.startswith("NotImplementedError") or bool(undefined and probe.strip() == undefined.group(1))
