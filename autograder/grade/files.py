"""Where a batch's files live: one results/<name>.json per submission (written with
autograder.course.outputs.write_atomic)."""

from __future__ import annotations

from pathlib import Path


def result_path(out: Path, name: str) -> Path:
    return out / "results" / (name.replace("/", "__") + ".json")
