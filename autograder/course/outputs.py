"""How every tool writes the instructor's files: atomically (a temporary file, then a rename, so a reader, a rerun or
a concurrent shard sees the old file or the new one, whole) and, for CSV, safe to open in a spreadsheet.

CSV cells follow OWASP's rule against formula injection: a cell that would start with `=`, `+`, `-`, `@`, a tab or a
carriage return is prefixed with a single quote, so a spreadsheet shows it as text instead of evaluating it. Numbers
lmcourse writes are never negative (a penalty is a column of deducted points), so no number needs the prefix.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import socket
from collections.abc import Iterable
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def safe_cell(value: object) -> str:
    """A CSV cell that no spreadsheet evaluates: `'` before a leading = + - @ tab or CR (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def read_cell(text: str) -> str:
    """A cell as it was before safe_cell (for CSVs lmcourse reads back, e.g. variants.csv): the quote before a
    leading = + - @ tab or CR removed. (A value that itself began with a quote and then one of those characters would
    lose its quote: no student id or variant does.)"""
    return text[1:] if text.startswith("'") and text[1:2] and text[1] in FORMULA_START else text


def for_terminal(text: str) -> str:
    """Text with control characters (escape sequences, bidi overrides) shown as \\x.. escapes, safe to print."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def csv_text(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    """CSV text, one row per line ending in "\\n", every cell safe_cell'd; a cell holding CR or LF is quoted."""
    lines = []
    for row in [header, *rows]:
        buf = io.StringIO()  # "\r\n" as the writer's terminator makes it quote cells holding either character
        csv.writer(buf, lineterminator="\r\n").writerow([safe_cell(c) for c in row])
        lines.append(buf.getvalue().removesuffix("\r\n") + "\n")
    return "".join(lines)


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[object]]) -> None:
    """Write a CSV atomically with every cell made safe for spreadsheets."""
    write_atomic(path, csv_text(header, rows))


_HOST = socket.gethostname().replace("-", "_")


def temporary_path(path: Path) -> Path:
    """The hidden temporary file a write of `path` goes through: `.<name>.tmp-<host>-<pid>` beside it, with a long
    name (a student's file name can take all 255 bytes a file system allows) shortened to a hash of it."""
    stem = path.name
    if len(os.fsencode(stem)) > 100:
        stem = hashlib.sha256(os.fsencode(stem)).hexdigest()[:32]
    return path.with_name(f".{stem}.tmp-{_HOST}-{os.getpid()}")


def write_atomic(path: Path, text: str) -> None:
    tmp = temporary_path(path)
    with open(tmp, "w", encoding="utf-8") as f:  # rename is atomic: a reader (or a rerun) sees old or new, whole
        f.write(text)
    os.replace(tmp, path)


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files left by a grader killed mid-write: only this host's, and only those whose process is
    gone, since shards on other hosts (or still running here) may be writing into the same folder."""
    for tmp in folder.glob(".*.tmp-*"):
        host, _, pid = tmp.name.rpartition(".tmp-")[2].rpartition("-")
        if host != _HOST or not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except PermissionError:
            pass
