"""Canvas's and Moodle's download names, as their own code writes them, and their download zips.

Canvas ("Download Submissions", canvas-lms lib/content_zipper.rb): one flat file per uploaded file,
`<name>[_LATE]_<user id>_<attachment id>_<file name>`, where <name> is the student's sortable name ("Last, First")
lower-cased with every non-word character removed ("lovelaceada"), `LATE` is there when Canvas counts the
submission late, and the attachment id is Canvas's id of that upload (ids only grow: a higher id is a later upload).
With anonymous grading the user id is replaced by `anon_<anonymous id>`. The zip carries no submission time (its
entries are stamped when the zip is made). Re-uploading files named `..._<user id>_<attachment id>_...` attaches
them to that submission as comments (Assignment#infer_comment_context_from_filename: the first two all-digit fields
are the user and attachment ids).

Moodle ("Download all submissions", mod/assign/locallib.php): one folder per participant and plugin,
`<Full name>_<participant id>_assignsubmission_file` (a trailing `_` before Moodle 4.1), the student's files inside,
or flat `<Full name>_<participant id>_assignsubmission_file_<file name>` when folders are off; underscores in the
name become spaces, and the participant id is the assignment's own number for that student (blind marking shows
"Participant" as the name). Its zip entries carry the files' times. Feedback files come back through
mod/assign/feedback/file/importziplib.php, which splits each path part on "_" into at most 5 fields: field 2 the
participant id, fields 3-4 a plugin of the assignment, the rest the file name.
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

_CANVAS = re.compile(r"^(?P<name>.*?)(?:_(?P<late>LATE))?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>.+)$", re.S)
_CANVAS_ENTRY = re.compile(r"^(?P<name>.*?)(?:_(?P<late>LATE))?_(?P<user>\d+)_(?P<file>text\.html|link\.html)$", re.S)
_CANVAS_ANON = re.compile(r"^(?:(?P<late>LATE)_)?anon_(?P<anon>[A-Za-z0-9]+)_(?P<attachment>\d+)_(?P<file>.+)$",
                          re.S)
_MOODLE = re.compile(r"^(?P<name>[^_]*)_(?P<participant>\d+)_(?P<plugin>assignsubmission_[a-z]+)(?:_(?P<rest>.*))?$",
                     re.S)
MOODLE_PLUGIN = "assignsubmission_file"


@dataclass(frozen=True)
class Upload:
    """What an LMS's download name says about one file."""

    lms: str  # "canvas" or "moodle"
    user: str  # Canvas user id, Moodle participant id ("" for Canvas's anonymous grading)
    name: str  # Canvas: the squeezed sortable name; Moodle: the full name as shown
    file: str  # the file name the student uploaded
    late: bool = False  # Canvas's LATE mark
    attachment: int = 0  # Canvas's attachment id (0 for Moodle)
    prefix: str = ""  # the name's LMS part, for naming feedback files the LMS takes back


def canvas_upload(file_name: str) -> Upload | None:
    if m := _CANVAS.match(file_name):
        prefix = file_name[: m.end("attachment")]
        return Upload("canvas", m["user"], m["name"], m["file"], bool(m["late"]), int(m["attachment"]), prefix)
    if m := _CANVAS_ENTRY.match(file_name):  # a text entry or a URL submission: no attachment
        return Upload("canvas", m["user"], m["name"], m["file"], bool(m["late"]), 0, file_name[: m.end("user")])
    if m := _CANVAS_ANON.match(file_name):
        return Upload("canvas", "", f"anon_{m['anon']}", m["file"], bool(m["late"]), int(m["attachment"]),
                      file_name[: m.end("attachment")])
    return None


def moodle_part(part: str) -> Upload | None:
    """A Moodle download folder (or flat file) name: `<Full name>_<participant id>_assignsubmission_<plugin>[_...]`."""
    if not (m := _MOODLE.match(part)):
        return None
    return Upload("moodle", m["participant"], m["name"], m["rest"] or "", prefix=f"{m['name']}_{m['participant']}")


def upload_of(parts: tuple[str, ...]) -> Upload | None:
    """The LMS naming in a submission's relative path: a Moodle folder (or flat name), else a Canvas file name."""
    for i, part in enumerate(parts):
        if (u := moodle_part(part)) is not None:
            return u if i < len(parts) - 1 or u.file else None  # a folder, or a flat file with its own name
    return canvas_upload(parts[-1]) if parts else None


def squeezed(name: str) -> str:
    """A roster name as Canvas squeezes it into download names: its sortable name ("Last, First", the last word
    taken as the family name) lower-cased with every non-word character removed: "Ada Lovelace" -> "lovelaceada"."""
    words = name.split()
    sortable = f"{words[-1]}, {' '.join(words[:-1])}" if len(words) > 1 else name
    return re.sub(r"[^\w]", "", re.sub(r"_(\d+)_", r"\1", sortable)).lower()


def same_name(a: str, b: str) -> bool:
    """Moodle's full name against a roster name: case and runs of spaces ignored (Moodle turns "_" into " ")."""
    def norm(s: str) -> str:
        return " ".join(s.replace("_", " ").split()).casefold()

    return norm(a) == norm(b) != ""


def moodle_feedback_name(full_name: str, participant: str, file_name: str) -> str:
    """A flat name Moodle's feedback-zip import maps to that participant: underscores in the name become spaces
    (as Moodle's own download does), characters Moodle's clean_filename drops are dropped."""
    name = re.sub(r'[\x00-\x1f/\\:*?"<>|]', "", full_name.replace("_", " ")).strip() or "Participant"
    return f"{name}_{participant}_{MOODLE_PLUGIN}_{file_name}"


def canvas_feedback_name(upload: Upload, file_name: str) -> str:
    """A name Canvas's "Upload Submissions" attaches to that student's submission as a comment: the download's own
    prefix (name, LATE, user id, attachment id), then the feedback file's name."""
    return f"{upload.prefix}_{file_name}"


# ------------------------------------------------------------------------------------------------ download zips
class DownloadError(ValueError):
    pass


def lms_of_zip(path: Path) -> str | None:
    """"canvas" or "moodle" when the zip is an LMS's whole download, None for anything else (an Otter export zip
    holds one notebook under its own name). A zip counts as a download when every file in it carries one LMS's
    naming (Moodle: in a participant folder or with the flat prefix; Canvas: the flat prefix)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    files = [n for n in names if not _ignored(n)]
    if not files:
        return None
    kinds = {(u.lms if (u := upload_of(tuple(n.split("/")))) else None) for n in files}
    return kinds.pop() if len(kinds) == 1 and None not in kinds else None


def _ignored(member: str) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in member.split("/"))


@dataclass
class Member:
    name: str  # path inside the download, "/"-separated
    data: bytes  # at most max_bytes + 1 bytes
    size: int  # the member's real size
    mtime: float  # the zip's time for it, read in this machine's time zone (zips store none)


def download_members(path: Path, max_bytes: int) -> tuple[list[Member], list[str]]:
    """The files of an LMS download zip, read in memory (never extracted by path), and messages about the members
    refused: paths outside the download and symbolic links. Each file is read up to max_bytes + 1 bytes."""
    import time

    members, notes = [], []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise DownloadError(f"{path}: not a readable zip ({e})") from e
    with zf:
        for info in zf.infolist():
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if info.is_dir():
                continue
            if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name) or "" in parts:
                notes.append(f"{path}: member {name!r} points outside the download; skipped")
                continue
            if _ignored(name):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                notes.append(f"{path}: member {name!r} is a symbolic link; skipped")
                continue
            with zf.open(info) as f:
                data = f.read(max_bytes + 1)
            members.append(Member("/".join(parts), data, max(info.file_size, len(data)),
                                  time.mktime((*info.date_time, 0, 0, -1))))
    return members, notes
