"""What an Otter test cell runs inside the notebook's kernel (stock `otter run` and `grader.check`).

Each test cell carries the expectations of every variant; `check` picks the notebook's own variant from
`LMCOURSE_VARIANT` (set in the notebook's first code cell), evaluates the probe in a copy of the student's namespace
and raises `Feedback` (an AssertionError) with `autograder.runtime.checks.compare`'s message (which names known
mistakes) when the value is wrong. (What a question asks students to write is not in the student edition of lmcore,
so there is no call to watch for.)

What students see is the feedback only: warnings raised while the grader's probe runs are silenced, and Otter's
"Error at line N in test ...: <test source line>" framing of a failed exception-based test is dropped for `Feedback`
(Otter 7 builds it in `ExceptionTestFile._generate_error_message`; see `_quiet_otter_framing`), and its HTML breaks
lines between words. A function whose cell was not run yet is named: "run the cell that defines it".
"""

from __future__ import annotations

import copy
import dataclasses
import html as html_text
import warnings
from typing import Any

from autograder.runtime.checks import Mistake, Test, compare, to_plain

PRE_STYLE = "white-space: pre-wrap; word-break: normal; overflow-wrap: anywhere"  # lines break between words


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
        except NameError as e:  # mostly a cell not run yet in this kernel (else a misspelt name: it is named)
            if not getattr(e, "name", None):
                raise Feedback(f"{test.name}: {e}.") from None
            raise Feedback(f"{test.name}: {e.name} is not defined: run the cell that defines it, then this check "
                           "again (or check the spelling).") from None
        except Exception as e:  # the student's code failed: report it as the test's outcome
            plain = {"type": "error", "error": f"{type(e).__name__}: {e}"}
    outcome = compare(test, plain)
    if not outcome.passed:
        raise Feedback(outcome.message)


def _escape(text: str | None) -> str | None:
    return None if text is None else html_text.escape(text, quote=False)


def _quiet_otter_framing() -> None:
    """Make Otter report a `Feedback` failure as its message alone (once per process; other errors unchanged), and
    show its HTML as written: Otter puts messages into HTML unescaped (a "<unk>" vanished) and a failure into a
    `<pre>`, which JupyterLab and Notebook 7 style `word-break: break-all` (a long line broke mid-word, "di / m");
    here the texts are escaped and the `<pre>` breaks lines at spaces (a word only when wider than the output)."""
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

    html = ExceptionTestFile._repr_html_

    def repr_html(self) -> str:  # Otter's layout, on a copy whose texts are escaped (a message may say "<unk>")
        shown = copy.copy(self)
        shown.test_case_results = [dataclasses.replace(r, message=_escape(r.message), test_case=dataclasses.replace(
            r.test_case, success_message=_escape(r.test_case.success_message),
            failure_message=_escape(r.test_case.failure_message))) for r in self.test_case_results]
        return html(shown).replace("<pre>", f"<pre style='{PRE_STYLE}'>")

    generate._lmcourse = True  # type: ignore[attr-defined]
    ExceptionTestFile._generate_error_message = generate
    ExceptionTestFile._repr_html_ = repr_html
