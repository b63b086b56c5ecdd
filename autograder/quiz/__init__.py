"""Quiz variants of every card, exported for Moodle, Canvas and GIFT, and graded (the `lmcourse quiz` command is
autograder/cli/quiz.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .model import Quiz

FORMATS = ("moodle-xml", "gift", "qti", "md", "html", "json")


def _writers() -> dict[str, Callable[[Quiz, Path], list[Path]]]:
    from .gift import write_gift
    from .moodle import write_moodle
    from .preview import write_json, write_preview
    from .qti import write_qti

    return {"moodle-xml": write_moodle, "gift": write_gift, "qti": write_qti,
            "md": lambda q, o: write_preview(q, o, "md"), "html": lambda q, o: write_preview(q, o, "html"),
            "json": write_json}


def export(quiz: Quiz, formats: list[str], out: Path) -> dict[str, list[Path]]:
    """Write every requested format plus key.json (and answer_key.csv with a roster) into `out`."""
    from .preview import write_key

    out.mkdir(parents=True, exist_ok=True)
    writers = _writers()
    written = {f: writers[f](quiz, out) for f in formats}
    written["key"] = write_key(quiz, out)
    return written


__all__ = ["FORMATS", "export"]
