"""What an Otter test cell runs inside the notebook's kernel (stock `otter run` and `grader.check`).

Each test cell carries the expectations of every variant; `check` picks the notebook's own variant from
`LMCOURSE_VARIANT` (set in the notebook's first code cell), evaluates the probe in a copy of the student's namespace
and raises `Feedback` (an AssertionError) with `autograder.runtime.checks.compare`'s message (which names known
mistakes) when the value is wrong. (What a question asks students to write is not in the student edition of lmcore,
so there is no call to watch for.)

What students see is the feedback only: warnings raised while the grader's probe runs are silenced, and Otter's
"Error at line N in test ...: <test source line>" framing of a failed exception-based test is dropped for `Feedback`
(Otter 7 builds it in `ExceptionTestFile._generate_error_message`; see `_quiet_otter_framing`).
"""

from __future__ import annotations

import glob
import json
import os
import warnings
from typing import Any

from autograder.runtime.checks import Mistake, Test, compare, to_plain


class Feedback(AssertionError):
    """A failed test's feedback, shown to the student as is."""


def _test(d: dict[str, Any]) -> Test:
    return Test(**{**d, "mistakes": [Mistake(**m) for m in d["mistakes"]]})


def check(env: dict[str, Any], data: dict[str, Any]) -> None:
    _quiet_otter_framing()
    variants = data["variants"]
    variant = env.get("LMCOURSE_VARIANT", "default")
    if not isinstance(variant, str) or variant not in variants:
        raise Feedback(
            f"this notebook's LMCOURSE_VARIANT ({variant!r}) is not a variant of this assignment; "
            "restore the first code cell of the notebook you were given"
        )
    test = _test(variants[variant])
    ns = dict(env)
    with warnings.catch_warnings():  # the grader's own setup and probe: their warnings are not the student's
        warnings.simplefilter("ignore")
        exec((data.get("setup") or {}).get(variant, ""), ns)
        try:
            plain = to_plain(eval(test.probe, ns))
        except Exception as e:  # the student's code failed: report it as the test's outcome
            plain = {"type": "error", "error": f"{type(e).__name__}: {e}"}
    outcome = compare(test, plain)
    if not outcome.passed:
        raise Feedback(outcome.message)


def _quiet_otter_framing() -> None:
    """Make Otter report a `Feedback` failure as its message alone (once per process; other errors unchanged)."""
    try:
        from otter.test_files.exception_test import ExceptionTestFile
    except ImportError:  # not running under Otter
        return
    original = ExceptionTestFile._generate_error_message
    if getattr(original, "_lmcourse", False):
        return

    def generate(self, excp: Exception, context: int = 0) -> str:
        if isinstance(excp, Feedback):
            return str(excp)
        return original(self, excp, context)

    generate._lmcourse = True  # type: ignore[attr-defined]
    ExceptionTestFile._generate_error_message = generate


def notebook_path(assignment: str, directory: str = ".") -> str | None:
    """The notebook `grader = otter.Notebook(...)` should read its public tests from, under any file name.

    Otter needs the notebook's path; students rename files (`loss (1).ipynb`, `loss_ada.ipynb`). In order: the file
    Jupyter names in JPY_SESSION_NAME, `<assignment>.ipynb`, then the newest notebook in the folder whose metadata
    says it is this assignment. None (Otter then runs without public tests) when there is none.
    """
    def mine(path: str) -> bool:
        try:
            with open(path, encoding="utf-8") as f:
                meta = json.load(f).get("metadata", {})
        except (OSError, ValueError):
            return False
        return isinstance(meta, dict) and (meta.get("lmcourse") or {}).get("assignment") == assignment

    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb") and os.path.isfile(session) and mine(session):
        return session
    default = os.path.normpath(os.path.join(directory, f"{assignment}.ipynb"))
    if os.path.isfile(default) and mine(default):
        return default
    candidates = [os.path.normpath(p) for p in glob.glob(os.path.join(directory, "*.ipynb")) if mine(p)]
    return max(candidates, key=os.path.getmtime) if candidates else None
