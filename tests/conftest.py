"""Shared test fixtures.

Support modules live in tests/support/ and are imported by name (`import grade_fixtures as gf`): this is the one
place that makes them importable, instead of a sys.path insert in each test file.

`gift_pegjs`: parse(path) -> the questions gift-pegjs (npm), the PEG grammar other GIFT tools use, reads from a GIFT
file. It installs gift-pegjs once per machine with `npm install --prefix` into a cache dir ($LMCOURSE_NPM_CACHE,
default <tmp>/lmcourse-npm) and fails, never skips, when node or npm cannot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

GIFT_PEGJS = "gift-pegjs@1.0.2"
_NODE_PARSE = """
const gift = require(process.argv[1]);
const text = require("fs").readFileSync(process.argv[2], "utf8");
try { process.stdout.write(JSON.stringify(gift.parse(text))); }
catch (e) {
  process.stderr.write((e.location ? "line " + e.location.start.line + ": " : "") + e.message);
  process.exit(3);
}
"""


@pytest.fixture(scope="session")
def gift_pegjs() -> Callable[[Path], list[dict]]:
    """parse(path) -> gift-pegjs's questions; installs gift-pegjs into the npm cache dir on first use."""
    prefix = Path(os.environ.get("LMCOURSE_NPM_CACHE", Path(tempfile.gettempdir()) / "lmcourse-npm")) / GIFT_PEGJS
    module = prefix / "node_modules" / "gift-pegjs"
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail(f"gift-pegjs needs node and npm on PATH (found node={node}, npm={npm}); install Node.js")
    if not (module / "package.json").exists():
        r = subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", GIFT_PEGJS],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0 or not (module / "package.json").exists():
            pytest.fail(f"npm could not install {GIFT_PEGJS} into {prefix} (exit {r.returncode}): "
                        f"{(r.stderr or r.stdout)[-2000:]}")

    def parse(path: Path) -> list[dict]:
        r = subprocess.run([node, "-e", _NODE_PARSE, str(module), str(path)], capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, f"gift-pegjs rejects {path}: {r.stderr[-2000:]}"
        return json.loads(r.stdout)

    return parse
