"""What a submission is called, and where its result lives.

A submission's file name is the student's choice: any bytes a file system allows (up to 255 per component, not valid
UTF-8, control characters, escape sequences). Two names come from it:
  * `display_name`: the name in final_grades.csv, report.html, the results and the terminal. It is the path as found
    when that is printable UTF-8 without a backslash (almost always); otherwise every undecodable byte, every
    non-printable character's UTF-8 bytes and every backslash is written as a `\\xNN` / `\\\\` escape, so the name is
    encodable and printable, two files never share it, and the original bytes are
    `codecs.escape_decode(display.encode())[0]`.
  * `result_path`: the only way to name `results/<name>.json` (written with autograder.course.outputs.write_atomic).
    An ordinary name keeps its readable form (`/` written as `__`); any other (long, unusual characters, `__` or `~`
    in it) becomes a short readable stem plus `~` and 24 hex digits of its SHA-256, so every result file name is
    under 100 bytes (the temporary name beside it too) and two submissions never share one.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from pathlib import Path

MAX_ORDINARY = 120  # bytes of an ordinary result name; longer names are hashed
_PUNCTUATION = set("()+,.=@ -_")


def display_name(name: str) -> str:
    """The printable, encodable, unique name a submission is reported under (see the module docstring)."""
    if "\\" not in name and name.isprintable():
        return name  # no lone surrogate (undecodable byte) either: those are not printable
    raw = os.fsencode(name)  # the bytes as on disk (undecodable ones arrive as surrogate escapes)
    out = []
    for c in raw.decode("utf-8", "surrogateescape"):
        if "\udc80" <= c <= "\udcff":
            out.append(f"\\x{ord(c) - 0xDC00:02x}")
        elif c == "\\":
            out.append("\\\\")
        elif not c.isprintable():
            out.append("".join(f"\\x{b:02x}" for b in c.encode("utf-8")))
        else:
            out.append(c)
    return "".join(out)


def original_name(display: str) -> str:
    """The file name a display_name stands for (as os.fsdecode gives it: undecodable bytes as surrogate escapes)."""
    if "\\" not in display:
        return display
    return os.fsdecode(codecs.escape_decode(display.encode("utf-8"))[0])


def result_path(out: Path, name: str) -> Path:
    """results/<name>.json for a submission's (display) name: readable when the name is ordinary, else hashed."""
    parts = name.split("/")
    if len(name.encode("utf-8", "surrogatepass")) <= MAX_ORDINARY and not name.startswith(".") \
            and all(_ordinary(p) for p in parts):
        return out / "results" / ("__".join(parts) + ".json")  # injective: "__" appears only between parts
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    stem = re.sub(r"[^A-Za-z0-9.-]+", "_", name)[-48:].strip("._-")
    return out / "results" / f"{stem}~{digest}.json"  # "~" never appears in an ordinary name


def _ordinary(part: str) -> bool:
    """Letters, digits and a little punctuation; "_" neither doubled nor at either end (so "__" can mark a "/")."""
    return bool(part) and "__" not in part and not part.startswith("_") and not part.endswith("_") \
        and all(c.isalnum() or c in _PUNCTUATION for c in part)
