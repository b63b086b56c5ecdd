"""Declarative checks: the one source of truth for every assignment test.

A check is plain data: a probe (a Python expression evaluated in the student's namespace), the expected value
(computed by lmcore at build time), a tolerance, and known mistakes with the feedback that names them.
Two graders consume the same data:
  * stock Otter: each question's test file evaluates probes and calls `evaluate()` inside the student's kernel;
  * `lmcourse grade`: the sandboxed student process only evaluates probes and sends `to_plain()` data back over a
    pipe; `compare()` runs in the grader's own process, so nothing the student patches can change a score.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = "lmcourse.checks/1"
MAX_ELEMENTS = 1_000_000  # larger probe results are refused rather than shipped
NONFINITE = "nonfinite"  # Mistake.value matching any result holding inf or nan (e.g. log(softmax(1000 * z)))
# Mistake.value {"raises": "ValueError: math domain error"} matches a probe that raised an exception whose
# "Type: message" text starts with that string: an exception names a mistake only when it is the mistake's signature.
UNATTEMPTED = "unattempted"  # the catalogue id of a question still raising NotImplementedError or left blank
DOES_NOT_RUN = "does-not-run"  # the catalogue id of a function that is not defined when the tests run, or whose
# code cannot run (a syntax error, a failing import): distinct from `unattempted`
_DOES_NOT_RUN_ERRORS = ("SyntaxError", "IndentationError", "TabError", "ImportError", "ModuleNotFoundError")


@dataclass
class Mistake:
    name: str  # stable id, e.g. "mean-instead-of-sum"; counted in grade reports
    value: Any  # what a student who makes this mistake gets (computed by lmcore at build time), NONFINITE, or
    # {"raises": "<exception type>: <message prefix>"}
    message: str  # feedback naming the mistake


@dataclass
class Test:
    name: str
    probe: str  # expression evaluated in the student's namespace
    expect: Any  # plain JSON value
    kind: str = "number"  # number | array | exact | choice | choice-format (expect: the option letters)
    points: float = 1.0
    hidden: bool = False
    rtol: float = 1e-5
    atol: float = 1e-6
    shape: list[int] | None = None  # for arrays: required shape; for choice-format: [number of letters asked for]
    dtype: str | None = None  # for arrays: required dtype family, "float" or "int", or an exact name like "float32"
    mistakes: list[Mistake] = field(default_factory=list)
    failure_message: str = ""
    success_message: str = ""  # shown by Otter when the test passes


@dataclass
class Question:
    name: str
    points: float
    tests: list[Test]
    kind: str = "code"  # code | mcq
    forbidden: list[str] = field(default_factory=list)  # "lmcore.losses.sequence_loss": not in the student edition


@dataclass
class Checks:
    assignment: str
    questions: list[Question]
    variant: str = "default"
    setup: str = ""  # code run in the student namespace before probes (imports the probes need)
    format: str = FORMAT
    # the words of the content-declared mistake ids these checks use: id -> [label, feedback] (the catalogue's own
    # ids are in autograder.runtime.mistakes); loading the document declares them, so reports can label them
    mistakes: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> Checks:
        if d.get("format") != FORMAT:
            raise ValueError(f"not an {FORMAT} document (format={d.get('format')!r})")
        qs = [
            Question(**{**q, "tests": [Test(**{**t, "mistakes": [Mistake(**m) for m in t["mistakes"]]})
                                       for t in q["tests"]]})
            for q in d["questions"]
        ]
        checks = cls(**{**d, "questions": qs})
        if checks.mistakes:
            from autograder.runtime.mistakes import declare

            declare(checks.mistakes, f"checks of {checks.assignment} (variant {checks.variant})")
        return checks

    @classmethod
    def from_json(cls, text: str) -> Checks:
        return cls.from_dict(json.loads(text))


# ---------------------------------------------------------------- student side (runs in the untrusted process)
def to_plain(value: Any) -> dict:
    """Turn a probe's result into plain JSON data. Runs next to student code: the grader trusts none of it and
    re-validates everything in `compare`."""
    mod = type(value).__module__
    if value is None:
        return {"type": "none"}
    if isinstance(value, bool):
        return {"type": "bool", "value": bool(value)}
    if isinstance(value, str):
        return {"type": "str", "value": str.__str__(value)[:10_000]}
    if mod.startswith("torch") and hasattr(value, "detach"):
        t = value.detach().cpu()
        if t.numel() > MAX_ELEMENTS:
            return {"type": "other", "repr": f"tensor with {t.numel()} elements"}
        dtype = str(t.dtype).removeprefix("torch.")
        data = t.double().tolist() if t.dtype.is_floating_point else t.tolist()
        return {"type": "array", "shape": list(t.shape), "dtype": dtype, "value": data}
    if mod.startswith("numpy") and hasattr(value, "dtype"):
        import numpy as np

        a = np.asarray(value)
        if a.size > MAX_ELEMENTS:
            return {"type": "other", "repr": f"array with {a.size} elements"}
        if a.dtype.kind in "fiub":
            return {"type": "array", "shape": list(a.shape), "dtype": str(a.dtype), "value": a.tolist()}
    if isinstance(value, (int, float)):
        # the base-class methods read the stored value: a subclass's __float__/__int__ may lie
        return {"type": "number", "value": float.__float__(value) if isinstance(value, float) else int.__int__(value)}
    if isinstance(value, (list, tuple)):
        return {"type": "list", "value": [to_plain(v) for v in list(value)[:100_000]]}
    return {"type": "other", "repr": f"{type(value).__name__} object"}


@dataclass
class Outcome:
    passed: bool
    message: str = ""
    mistake: str | None = None


# the grader side (compare: plain data -> Outcome, with the feedback) lives in autograder/runtime/compare.py
from autograder.runtime.compare import as_plain, compare, evaluate, same  # noqa: E402  (compare imports this module)

__all__ = ["DOES_NOT_RUN", "FORMAT", "NONFINITE", "UNATTEMPTED", "Checks", "Mistake", "Outcome", "Question", "Test",
           "as_plain", "compare", "evaluate", "same", "to_plain"]
