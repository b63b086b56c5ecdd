"""Collecting: every input (files, folders of them, or an LMS's whole download zip) is copied into the class folder's
`submissions/`, each with the identity its collector gave it, so the class folder holds every submission it has
graded (a submission that disappears from later inputs is kept until `lmcourse remove`).

Identity, strongest first (the collector's word outranks anything the student chose):
- the LMS's download name (Canvas's user id, Moodle's participant id; failing an id in the roster, the name the LMS
  wrote matched to exactly one roster name);
- a per-student folder named by a roster id (`s003/loss.ipynb`), or a file named by one when it sits in no such
  folder (`s002.ipynb`: the collector renamed it);
- only then, for a file no collector named, the notebook's own metadata (unverified, flagged).
Two collector identities that name different students refuse the submission (`identity-conflict`). A file name or
notebook metadata naming another student than the collector did is graded on the uploader's own variant and flagged
`identity-mismatch`, naming both.

A submission's name in the class folder is its path inside the input folder (or zip), with the folder that names the
student kept when a single student's file or folder is given: `lmcourse grade ... subs/s003/loss.ipynb` and a run over
`subs/` both call it `s003/loss.ipynb`, so grading it again replaces that submission instead of adding one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.outputs import temporary_path
from autograder.course.variants import Student
from autograder.grade.files import display_name, original_name
from autograder.grade.submissions import MAX_BYTES, collect
from autograder.term import lms

SUBMISSIONS = "submissions"


class Roster:
    """Who is who: roster students by their LMS identities, plus every id a submission may be named by."""

    def __init__(self, students: list[Student], known_ids: set[str]) -> None:
        self.students = {s.student_id: s for s in students}
        self.ids = set(self.students) | set(known_ids)
        self.canvas = {s.canvas_user_id: s.student_id for s in students if s.canvas_user_id}
        self.participant = {s.participant_id: s.student_id for s in students if s.participant_id}
        # by name only for students whose LMS id the roster lacks, and only names no two of them share
        self._squeezed = _unique([(lms.squeezed(s.name), s.student_id) for s in students
                                  if s.name and not s.canvas_user_id])
        self._names = _unique([(" ".join(s.name.split()).casefold(), s.student_id) for s in students
                               if s.name and not s.participant_id])

    def owner(self, upload: lms.Upload) -> tuple[str | None, str]:
        """(student id or None, how the upload was matched or why it was not)."""
        if upload.lms == "canvas":
            if not upload.user:
                return None, f"Canvas anonymous grading ({upload.name}) hides the student"
            if upload.user in self.canvas:
                return self.canvas[upload.user], f"Canvas user {upload.user}"
            if sid := self._squeezed.get(upload.name):
                return sid, f"Canvas name {upload.name}"
            return None, f"Canvas user {upload.user} ({upload.name}) is not on the roster"
        if upload.user in self.participant:
            return self.participant[upload.user], f"Moodle participant {upload.user}"
        if sid := self._names.get(" ".join(upload.name.replace("_", " ").split()).casefold()):
            return sid, f"Moodle participant {upload.user} ({upload.name})"
        return None, f"Moodle participant {upload.user} ({upload.name}) is not on the roster"


def _unique(pairs: list[tuple[str, str]]) -> dict[str, str]:
    seen: dict[str, set[str]] = {}
    for k, v in pairs:
        seen.setdefault(k, set()).add(v)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


@dataclass
class Identity:
    student_id: str | None
    source: str  # how the collector identified it ("" when nothing did)
    refused: str | None = None  # why the identities conflict
    flags: list[str] = field(default_factory=list)
    upload: lms.Upload | None = None


def identify(parts: tuple[str, ...], roster: Roster) -> Identity:
    """The collector's identity of a submission from its path parts in the class folder."""
    upload = lms.upload_of(parts)
    claims: list[tuple[str, str]] = []
    unmatched = ""
    if upload is not None:
        sid, how = roster.owner(upload)
        if sid:
            claims.append((sid, how))
        else:
            unmatched = how
    claims += [(p, f"folder {p}") for p in parts[:-1] if p in roster.ids]
    chosen = Path(upload.file if upload is not None and upload.file else parts[-1]).stem
    if chosen in roster.ids and upload is None and len(parts) == 1:
        claims.append((chosen, f"file name {chosen}"))
    named = list(dict.fromkeys(sid for sid, _ in claims))
    if len(named) > 1:
        return Identity(None, "; ".join(how for _, how in claims), refused="the collector's identities disagree: "
                        + ", ".join(f"{how} is {sid}" for sid, how in claims), upload=upload)
    flags = []
    sid = named[0] if named else None
    if sid and chosen in roster.ids and chosen != sid:
        flags.append(f"identity-mismatch: uploaded by {sid} ({claims[0][1]}) under the file name of {chosen}")
    if unmatched:
        flags.append(f"unmatched: {unmatched}")
    return Identity(sid, claims[0][1] if claims else "", None, flags, upload)


def cross_check(ident: Identity, metadata_student_id: str | None) -> list[str]:
    """The collector's identity against the notebook's own metadata: flags for the instructor."""
    flags = list(ident.flags)
    if ident.refused:
        flags.append(f"identity-conflict: {ident.refused}")
    elif ident.student_id and metadata_student_id and metadata_student_id != ident.student_id:
        flags.append(f"identity-mismatch: uploaded by {ident.student_id} ({ident.source}), the notebook is "
                     f"{metadata_student_id}'s (its metadata); graded on {ident.student_id}'s variant")
    elif not ident.source and metadata_student_id:
        flags.append(f"identity-unverified: only the notebook's own metadata says {metadata_student_id}")
    return flags


def notebook_student_id(name: str, data: bytes) -> str | None:
    """The student id a notebook's own metadata claims (lmcourse.student_id), read as data; None when absent."""
    if name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                nbs = [i for i in zf.infolist() if i.filename.endswith(".ipynb") and "__MACOSX" not in i.filename]
                if len(nbs) != 1 or nbs[0].file_size > MAX_BYTES:
                    return None
                data = zf.read(nbs[0])
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
            return None
    elif not name.lower().endswith(".ipynb"):
        return None
    try:
        meta = json.loads(data.decode("utf-8-sig")).get("metadata", {}).get("lmcourse", {})
        sid = meta.get("student_id") if isinstance(meta, dict) else None
    except (ValueError, AttributeError, UnicodeDecodeError, RecursionError):
        return None
    return sid[:100] if isinstance(sid, str) and sid else None


# ------------------------------------------------------------------------------------------------ copying
@dataclass
class Item:
    parts: tuple[str, ...]  # name in the class folder, as path parts
    original: str  # what the instructor gave, for messages
    data: bytes | None  # None for a symbolic link (never followed)
    size: int
    mtime: float
    from_zip: str | None = None  # "canvas"/"moodle" when read from that LMS's download zip
    link: str = ""

    @property
    def name(self) -> str:
        """The name grade reports it under (files.display_name: printable, encodable, unique)."""
        return display_name("/".join(self.parts))


def gather(inputs: list[Path], roster: Roster, out: Path) -> tuple[list[Item], list[str]]:
    """Every submission in the inputs, read (files up to MAX_BYTES + 1 bytes), and messages about what was skipped."""
    items, notes = [], []
    inside = (out / SUBMISSIONS).resolve()
    for root in inputs:
        if root.is_file() and root.suffix.lower() == ".zip" and (kind := lms.lms_of_zip(root)):
            members, skipped = lms.download_members(root, MAX_BYTES)
            notes += skipped
            items += [Item(tuple(m.name.split("/")), f"{root}!{m.name}", m.data, m.size, m.mtime, kind)
                      for m in members]
            continue
        if root.is_dir() and root.resolve() == inside:
            continue  # the class folder's own submissions: already collected
        prefix = ()
        if root.is_dir() and root.name in roster.ids:
            prefix = (root.name,)
        elif root.is_file() and root.parent.name in roster.ids:
            prefix = (root.parent.name,)
        base = root if root.is_dir() else root.parent
        for sub in collect([root]):
            parts = prefix + sub.path.relative_to(base).parts
            if sub.link:
                items.append(Item(parts, str(sub.path), None, 0, 0.0, link=str(sub.path)))
                continue
            try:
                st = sub.path.stat()
                with open(sub.path, "rb") as f:
                    data = f.read(MAX_BYTES + 1)
            except OSError as e:
                notes.append(f"{sub.path}: cannot read ({e.strerror}); not collected")
                continue
            items.append(Item(parts, str(sub.path), data, max(st.st_size, len(data)), st.st_mtime))
    return items, notes


def write_bytes(path: Path, data: bytes, size: int | None = None, mtime: float | None = None) -> None:
    """Write atomically (a hidden temporary file in the same folder, then a rename): a reader, a rerun or a kill -9
    sees the old file or the new one, whole (as autograder.course.outputs.write_atomic, for bytes). `size` beyond
    the data leaves a sparse tail; `mtime` sets its time."""
    tmp = temporary_path(path)
    tmp.unlink(missing_ok=True)
    with open(tmp, "wb") as f:
        f.write(data)
        if size is not None and size > len(data):
            f.truncate(size)
    if mtime is not None:
        os.utime(tmp, (mtime, mtime))
    os.replace(tmp, path)


def store_copy(out: Path, item: Item) -> bool:
    """Write the item into the class folder atomically; False when the same bytes are there already."""
    dest = out.joinpath(SUBMISSIONS, *item.parts)
    if item.data is not None and dest.is_file() and not dest.is_symlink() and dest.stat().st_size == item.size:
        with open(dest, "rb") as f:
            if _sha(f.read(MAX_BYTES + 1)) == _sha(item.data):
                return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    if item.data is None:
        tmp = temporary_path(dest)
        tmp.unlink(missing_ok=True)
        os.symlink(item.link, tmp)  # the grader reports it as unsafe-file; nothing follows it
        os.replace(tmp, dest)
    else:  # too large: kept sparse, so the grader still sees (and reports) its size
        write_bytes(dest, item.data, item.size, item.mtime)
    return True


def _sha(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()


def record(item: Item, ident: Identity) -> dict:
    """What the store keeps about a collected submission."""
    u = ident.upload
    trusted_time = u is None or u.lms == "moodle"  # Canvas's zip times are when the zip was made
    return {
        "name": item.name, "student_id": ident.student_id, "source": ident.source, "refused": ident.refused,
        "flags": ident.flags, "original": display_name(item.original), "sha256": _sha(item.data),
        "metadata_student_id": notebook_student_id(item.name, item.data) if item.data else None,
        "submitted_at": item.mtime if trusted_time and item.data is not None else None, "order_at": item.mtime,
        "lms": u.lms if u else None, "lms_user": u.user if u else "", "lms_name": u.name if u else "",
        "late_mark": bool(u and u.late), "attachment": u.attachment if u else 0, "lms_prefix": u.prefix if u else "",
        "uploaded_file": display_name(u.file if u and u.file else item.parts[-1]),
    }


def collect_into(out: Path, inputs: list[Path], roster: Roster, known: dict[str, dict]) -> tuple[list[dict], list[str]]:
    """Copy the inputs into OUT/submissions; returns the records of what this run collected and messages. A name
    already in the class with other bytes is replaced unless what arrives is older than what is there."""
    items, notes = gather(inputs, roster, out)
    seen: dict[str, Item] = {}
    records = []
    for item in items:
        if item.name in seen:
            if _sha(seen[item.name].data) != _sha(item.data):
                first, second = display_name(seen[item.name].original), display_name(item.original)
                raise ValueError(f"two submissions are both named {item.name!r} ({first} and {second}); grade them "
                                 "in separate runs or rename one")
            continue
        seen[item.name] = item
        old = known.get(item.name)
        if old and old["sha256"] != _sha(item.data) and item.mtime < old.get("order_at", 0):
            notes.append(f"{display_name(item.original)}: older than the {item.name} already in the class; kept "
                         "that one")
            continue
        store_copy(out, item)
        records.append(record(item, identify(item.parts, roster)))
    return records, notes


def remove_leftovers(out: Path) -> None:
    """Temporary files of a run killed mid-write (this host's, whose process is gone), wherever a run writes."""
    from autograder.course.outputs import remove_stale_temporaries

    folders = [out, out / "feedback", out / "exports"]
    if (out / SUBMISSIONS).is_dir():
        folders += [out / SUBMISSIONS, *(p for p in (out / SUBMISSIONS).rglob("*") if p.is_dir())]
    for folder in folders:
        if folder.is_dir():
            remove_stale_temporaries(folder)


def on_disk(out: Path) -> list[str]:
    """Names of every submission in the class folder (what the grader grades)."""
    return [s.name for s in collect([out / SUBMISSIONS])] if (out / SUBMISSIONS).is_dir() else []


def orphan(out: Path, name: str, roster: Roster) -> dict:
    """A record for a file found in submissions/ that no run recorded (a run killed between copying and recording,
    or a file put there by hand): identified from its name, timed by the file."""
    path = out / SUBMISSIONS / original_name(name)
    data = None if path.is_symlink() else path.read_bytes()[:MAX_BYTES + 1]
    st = path.lstat()
    item = Item(tuple(original_name(name).split("/")), str(path), data, st.st_size, st.st_mtime)
    return record(item, identify(item.parts, roster))
