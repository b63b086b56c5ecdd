"""AUTHORING.md's recipe files, read from the file: every fenced block introduced by a line naming a file
(`assignments/.../checks.py`:) is that file's content, so the tests follow the recipes exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

AUTHORING = Path(__file__).resolve().parents[2] / "AUTHORING.md"
_BLOCK = re.compile(r"^`([\w./-]+)`:\n```[a-z0-9]*\n(.*?)^```", flags=re.M | re.S)


def recipe_files(text: str | None = None) -> dict[str, str]:
    """{path relative to the repository: content} of every file AUTHORING.md's recipes create."""
    text = AUTHORING.read_text(encoding="utf-8") if text is None else text
    return {path: body for path, body in _BLOCK.findall(text)}


def write_recipe_files(root: Path, prefix: str = "") -> list[str]:
    """Write the recipe files whose path starts with `prefix` under `root`; returns their paths."""
    written = []
    for path, body in recipe_files().items():
        if path.startswith(prefix):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(body, encoding="utf-8")
            written.append(path)
    return written
