"""Shared test setup. Support modules live in tests/support/ and are imported by name (`import grade_fixtures as gf`):
this is the one place that makes them importable, instead of a sys.path insert in each test file."""

from __future__ import annotations

import sys
from pathlib import Path

SUPPORT = Path(__file__).resolve().parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))
