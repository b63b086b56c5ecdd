"""Known mistakes a test can tell apart (build time, shared by every assignment's checks.py).

A mistake is named only when the student's value is its signature. `distinct(test)` keeps the mistakes whose value
does that on this test's input: not the right answer itself, and not the value of a different mistake too (the
card's losses 1.2, 0.5, 2.3 make "largest term" and "last term" both 2.3: neither is named there, a hidden test on
other numbers names each), nor inf or nan (NONFINITE names those). Exception signatures and NONFINITE are kept as
written.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from autograder.runtime.checks import NONFINITE, Test, same


def _by_value(m) -> bool:
    return not isinstance(m.value, dict) and m.value != NONFINITE


def _finite(value: object) -> bool:
    try:
        return bool(np.isfinite(np.asarray(value, dtype=np.float64)).all())
    except (TypeError, ValueError):
        return True  # not numbers (tokens, strings): nothing to overflow


def distinct(test: Test) -> Test:
    keep = []
    for m in test.mistakes:
        if _by_value(m):
            if (test.kind in ("number", "array") and not _finite(m.value)) or same(test, test.expect, m.value):
                continue
            if any(o.name != m.name and _by_value(o) and same(test, o.value, m.value) for o in test.mistakes):
                continue
            if any(k.name == m.name and _by_value(k) and same(test, k.value, m.value) for k in keep):
                continue
        keep.append(m)
    return replace(test, mistakes=keep)
