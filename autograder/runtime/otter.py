"""What an Otter test cell runs inside the notebook's kernel (stock `otter run` and `grader.check`).

Each test cell carries the expectations of every variant; `check` picks the notebook's own variant from
`LMCOURSE_VARIANT` (set in the notebook's first code cell), evaluates the probe in a copy of the student's namespace
and raises AssertionError with
`autograder.runtime.checks.compare`'s message (which names known mistakes) when the value is wrong.
"""

from __future__ import annotations

from typing import Any

from autograder.runtime.checks import Mistake, Test, compare, to_plain


def _test(d: dict[str, Any]) -> Test:
    return Test(**{**d, "mistakes": [Mistake(**m) for m in d["mistakes"]]})


def check(env: dict[str, Any], data: dict[str, Any]) -> None:
    variants = data["variants"]
    variant = env.get("LMCOURSE_VARIANT", "default")
    if not isinstance(variant, str) or variant not in variants:
        raise AssertionError(
            f"this notebook's LMCOURSE_VARIANT ({variant!r}) is not a variant of this assignment; "
            "restore the first code cell of the notebook you were given"
        )
    test = _test(variants[variant])
    ns = dict(env)
    exec((data.get("setup") or {}).get(variant, ""), ns)
    try:
        plain = to_plain(eval(test.probe, ns))
    except Exception as e:  # the student's code failed: report it as the test's outcome
        plain = {"type": "error", "error": f"{type(e).__name__}: {e}"}
    outcome = compare(test, plain)
    if not outcome.passed:
        raise AssertionError(outcome.message)
