"""The grader side of the checks (trusted): decide one test from plain data and say why, naming known mistakes.

`compare(test, plain)` runs in the grader's own process for `lmcourse grade` (on the values the sandboxed student
process sent) and in the notebook's kernel for stock Otter (`evaluate`). A mistake is named only when the value (or
the exception) is that mistake's signature and no other mistake's; a stub is `unattempted`, code that cannot run
`does-not-run`, a value of the wrong kind `wrong-type` (then `wrong-shape`, `wrong-dtype`). A hidden test's message
holds only its own words and the mistake's: nothing derived from the student's value or exception, nor the hidden
input's shape.
"""

from __future__ import annotations

import math
import re
from typing import Any

from autograder.runtime.checks import (
    _DOES_NOT_RUN_ERRORS,
    DOES_NOT_RUN,
    NONFINITE,
    UNATTEMPTED,
    Outcome,
    Test,
    to_plain,
)


def _number(plain: Any) -> float | None:
    if isinstance(plain, dict) and plain.get("type") == "number" and type(plain.get("value")) in (int, float):
        return float(plain["value"])
    if isinstance(plain, dict) and plain.get("type") == "array" and plain.get("shape") == []:
        v = plain.get("value")
        return float(v) if type(v) in (int, float) else None
    return None


def _array(plain: Any):  # -> (np.ndarray | None, dtype name | None)
    import numpy as np

    if not isinstance(plain, dict):
        return None, None
    try:
        if plain.get("type") == "array":
            a = np.asarray(plain["value"], dtype=np.float64)
            if list(a.shape) != list(plain.get("shape", a.shape)):
                return None, None
            return a, str(plain.get("dtype"))
        if plain.get("type") == "list":
            vals = [_number(v) for v in plain["value"]]
            if all(v is not None for v in vals):
                return np.asarray(vals, dtype=np.float64), "list"
            rows = [_array(v)[0] for v in plain["value"]]
            if rows and all(r is not None for r in rows):
                return np.stack(rows), "list"
        n = _number(plain)
        if n is not None:
            return np.asarray(n, dtype=np.float64), "number"
    except (TypeError, ValueError, KeyError):
        pass
    return None, None


def _exact(plain: Any) -> Any:
    if not isinstance(plain, dict):
        return None
    t = plain.get("type")
    if t in ("str", "bool"):
        return plain.get("value")
    if t == "number":
        return plain.get("value")
    if t == "list" and isinstance(plain.get("value"), list):
        return [_exact(v) for v in plain["value"]]
    if t == "array":
        return plain.get("value")
    return None


def _describe(plain: Any) -> str:
    if isinstance(plain, dict):
        if plain.get("type") == "error":
            return f"raised {str(plain.get('error', ''))[:300]}"
        if plain.get("type") in ("number", "str", "bool"):
            return repr(plain.get("value"))[:200]
        if plain.get("type") == "array":
            return f"an array of shape {tuple(plain.get('shape') or ())} and dtype {plain.get('dtype')}"
        if plain.get("type") == "none":
            return "None (did you forget to return a value, or leave `...` in place?)"
        if plain.get("type") == "other":
            return str(plain.get("repr", "an unsupported object"))[:200]
        if plain.get("type") == "list":
            return f"a list of {len(plain.get('value') or [])} items"
    return "an unreadable value"


def _letters(answer: str) -> list[str]:
    """An MCQ answer's letters: split at commas or semicolons; case, spaces and brackets ignored ("(a), c")."""
    return sorted({c.strip().upper().strip("()").strip() for c in answer.replace(";", ",").split(",") if c.strip()})


def _matches(test: Test, expect: Any, plain: Any) -> bool:
    import numpy as np

    if isinstance(expect, dict):  # {"raises": ...}: only an exception with that signature matches
        return _raised(plain, expect)
    if test.kind == "number":
        got = _number(plain)
        return got is not None and math.isclose(got, float(expect), rel_tol=test.rtol, abs_tol=test.atol)
    if test.kind == "array":
        got, _ = _array(plain)
        want = np.asarray(expect, dtype=np.float64)
        return got is not None and got.shape == want.shape and bool(np.allclose(got, want, test.rtol, test.atol))
    if test.kind in ("choice", "choice-format"):
        got = _exact(plain)
        if not isinstance(got, str):
            return False
        letters = _letters(got)
        options = sorted({str(c).upper() for c in (expect if isinstance(expect, list) else [expect])})
        if test.kind == "choice":
            return letters == options
        return bool(letters) and set(letters) <= set(options) and (not test.shape or len(letters) == test.shape[0])
    return _exact(plain) == expect  # exact


def _raised(plain: Any, signature: dict) -> bool:
    prefix = signature.get("raises")
    return (isinstance(plain, dict) and plain.get("type") == "error" and isinstance(prefix, str)
            and str(plain.get("error", "")).startswith(prefix))


def _unattempted(test: Test, plain: Any) -> bool:
    """A stub still raising NotImplementedError, or an MCQ answer left as `...` (or None)."""
    if not isinstance(plain, dict):
        return False
    if plain.get("type") == "error":
        return str(plain.get("error", "")).startswith("NotImplementedError")
    blank = plain.get("type") == "none" or (plain.get("type") == "other" and plain.get("repr") == "ellipsis object")
    return test.kind in ("choice", "choice-format") and blank


def _does_not_run(test: Test, plain: Any) -> bool:
    """The code a test calls cannot run: a syntax error or failing import, or a name the probe calls undefined (its
    cell stopped before the def). A name undefined inside the student's own code is an error of that code."""
    if test.kind in ("choice", "choice-format") or not isinstance(plain, dict) or plain.get("type") != "error":
        return False
    error = str(plain.get("error", ""))
    if error.startswith(_DOES_NOT_RUN_ERRORS):
        return True
    undefined = re.match(r"NameError: name '(\w+)' is not defined", error)
    # the probe names it as a function (called or passed on), not as a module (`torch.` is set up by the grader)
    return bool(undefined) and bool(re.search(rf"(?<![\w.]){re.escape(undefined.group(1))}\b(?!\s*\.)", test.probe))


def _form_hint(test: Test) -> str:
    """How to write an MCQ answer, for this question: one letter, or several."""
    options = ", ".join(test.expect)
    if test.shape == [1]:
        return (f"write the letter of the one correct option as a string, e.g. {test.expect[-1]!r} (options "
                f"{options}; case and spaces do not matter).")
    return (f"write the letters of the correct options as a string, separated by commas, e.g. "
            f"{', '.join(test.expect[:2])!r} (options {options}; case and spaces do not matter).")


def _got(test: Test, plain: Any) -> str:
    """' Got <what the code returned>.' for a public test; nothing for a hidden one (its input stays hidden)."""
    return "" if test.hidden else f" Got {_describe(plain)}."


def compare(test: Test, plain: Any) -> Outcome:
    """Decide one test from plain data only. Shape and dtype requirements are checked before values.

    A known mistake is named only when the observed value (or exception) is that mistake's signature; an
    unimplemented stub or blank MCQ answer is `unattempted`, code that cannot run `does-not-run`, never a mistake in
    the mathematics. A hidden test's message holds only its own words and the mistake's: nothing derived from the
    student's value or exception, nor the hidden input's shape.
    """
    if _unattempted(test, plain):
        what = "no answer yet" if test.kind in ("choice", "choice-format") else "not attempted yet (your function " \
            "still raises NotImplementedError)"
        return Outcome(False, f"{test.name}: {what}.", UNATTEMPTED)
    if isinstance(plain, dict) and plain.get("type") == "error":
        for m in test.mistakes:
            if isinstance(m.value, dict) and _raised(plain, m.value):
                return Outcome(False, f"{test.name}: {m.message}", m.name)
        if _does_not_run(test, plain):
            from autograder.runtime.mistakes import feedback

            return Outcome(False, f"{test.name}: does not run: {feedback(DOES_NOT_RUN)}", DOES_NOT_RUN)
        said = f"your code {_describe(plain)}." if not test.hidden else "your code raised an error on this hidden test."
        return Outcome(False, f"{test.name}: {said} {test.failure_message}".strip())
    if test.kind == "choice-format":
        if _matches(test, test.expect, plain):
            return Outcome(True, test.success_message)
        return Outcome(False, f"{test.name}: {_form_hint(test)}{_got(test, plain)}", "wrong-type")
    value_mistakes = [m for m in test.mistakes if not isinstance(m.value, dict)]
    if test.kind == "array" and (test.shape is not None or test.dtype is not None):
        got, dtype = _array(plain)
        bad_form = got is not None and (
            (test.shape is not None and list(got.shape) != list(test.shape))
            or (test.dtype is not None and not _dtype_ok(test.dtype, dtype)))
        for m in value_mistakes if bad_form else []:  # a known mistake (e.g. a row for x_0) is named first
            if m.value != NONFINITE and _matches(test, m.value, plain):
                return Outcome(False, f"{test.name}: {m.message}", m.name)
        if got is None or (test.dtype is not None and dtype in ("list", "number")):
            what = "a tensor" if test.dtype is not None else "an array"
            return Outcome(False, f"{test.name}: return {what}, the kind of value the question asks for (not a list, "
                           f"a number or another object).{_got(test, plain)}", "wrong-type")
        if test.shape is not None and list(got.shape) != list(test.shape):
            said = f"expected shape {tuple(test.shape)}, got {tuple(got.shape)}." if not test.hidden else \
                "the result has the wrong shape."
            return Outcome(False, f"{test.name}: {said} {test.failure_message}".strip(), "wrong-shape")
        if test.dtype is not None and not _dtype_ok(test.dtype, dtype):
            said = f" (yours is {dtype})" if not test.hidden else ""
            return Outcome(False, f"{test.name}: the values must be {test.dtype}{said}: make the tensor with "
                           f"dtype={test.dtype if test.dtype not in ('float', 'int') else test.dtype + '32'} or "
                           "convert it (.float(), .to(...)).", "wrong-dtype")
    if _matches(test, test.expect, plain):
        return Outcome(True, test.success_message)
    named = [m for m in value_mistakes
             if (_nonfinite(plain) if m.value == NONFINITE else _matches(test, m.value, plain))]
    if named and len({m.name for m in named}) == 1:  # the signature of one mistake only: never a guess between two
        return Outcome(False, f"{test.name}: {named[0].message}", named[0].name)
    if test.kind == "exact" and not _same_kind(test.expect, plain):
        want = {list: "a list", str: "a string", bool: "True or False"}.get(type(test.expect), "a number")
        return Outcome(False, f"{test.name}: return {want}, the kind of value the question asks for (not a set, a "
                       f"tuple, a string or another object).{_got(test, plain)}", "wrong-type")
    if test.kind == "number" and _number(plain) is None and isinstance(plain, dict) and (
            plain.get("type") == "list" or (plain.get("type") == "array" and plain.get("shape") != [])):
        return Outcome(False, f"{test.name}: return one number, not several (a list, a tuple or a tensor of many "
                       f"values).{_got(test, plain)}", "wrong-type")
    msg = test.failure_message or "the value is not correct."
    if test.kind in ("number", "array"):
        msg += _got(test, plain)
    return Outcome(False, f"{test.name}: {msg}")


def as_plain(value: Any) -> dict:
    """The plain form of a JSON value as expectations and mistake values are written (what `to_plain` makes of a
    probe result equal to it), so two written values can be compared the way a test compares a result."""
    if isinstance(value, (bool, str)) or value is None:
        return to_plain(value)
    if isinstance(value, (int, float)):
        return {"type": "number", "value": value}
    if isinstance(value, list) and value and all(isinstance(v, (str, bool)) or v is None for v in value):
        return {"type": "list", "value": [to_plain(v) for v in value]}
    import numpy as np

    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return {"type": "list", "value": [as_plain(v) for v in value]} if isinstance(value, list) else to_plain(value)
    return {"type": "array", "shape": list(a.shape), "dtype": "float64", "value": a.tolist()}


def same(test: Test, a: Any, b: Any) -> bool:
    """Whether written values `a` and `b` are one result for this test (its kind and tolerance)."""
    if isinstance(a, dict) or isinstance(b, dict) or NONFINITE in (a, b):
        return a == b
    return _matches(test, a, as_plain(b)) and _matches(test, b, as_plain(a))


def _same_kind(expect: Any, plain: Any) -> bool:
    """Whether a result is the kind of value an exact test expects: a list (or 1-D array) for a list, a string for
    a string, a bool for a bool, a number for a number."""
    kind = plain.get("type") if isinstance(plain, dict) else None
    if isinstance(expect, bool):
        return kind == "bool"
    if isinstance(expect, str):
        return kind == "str"
    if isinstance(expect, list):
        return kind == "list" or (kind == "array" and len(plain.get("shape") or []) >= 1)
    return kind in ("number", "array")


def _nonfinite(plain: Any) -> bool:
    """True when a number or array result holds inf or nan."""
    import numpy as np

    got, _ = _array(plain)
    return got is not None and not bool(np.isfinite(got).all())


def _dtype_ok(want: str, got: str | None) -> bool:
    if got is None:
        return False
    if want == "float":
        return got.startswith(("float", "bfloat"))
    if want == "int":
        return got.startswith(("int", "uint")) or got == "long"
    return got == want


def evaluate(test: Test, value: Any) -> Outcome:
    """In-kernel path (stock Otter): convert then compare in the same process."""
    return compare(test, to_plain(value))
