"""Hand out: each student's own bundle (their notebook and the student kit), and the routes that deliver it.

    DIR/<id>/handout/<student_id>/<id>/   <id>.ipynb (the student's variant), requirements.txt, the kit's wheel
    DIR/<id>/handout/<student_id>.zip     the same folder zipped (what an LMS hands over as one file)
    DIR/<id>/handout/moodle-handout.zip   every student's zip named for Moodle's "Upload multiple feedback files in a
                                          zip" (`<Full name>_<participant id>_assignsubmission_file_<id>.zip`), for
                                          roster rows with a participant_id: one upload gives each student theirs
    JupyterHub                            `lmcourse handout DIR/<id> --roster R` copies each bundle into the home
                                          folder of the roster's username (owned by that home's owner); existing
                                          files are never overwritten (a student's work), --dry-run shows the plan

Canvas takes files back only as comments on an existing submission (its re-upload needs the submission's attachment
id), so on Canvas hand out through JupyterHub (or Canvas's LTI link to it).
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

from autograder.course.variants import Student
from autograder.term.collect import write_bytes
from autograder.term.lms import moodle_feedback_name

FOLDER = "handout"
MOODLE_ZIP = "moodle-handout.zip"
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _kit(built: Path) -> list[Path]:
    student = built / "student"
    return sorted([student / "requirements.txt", *student.glob("*.whl")])


def _zip_folder(folder: Path, arcroot: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{arcroot}/{path.relative_to(folder).as_posix()}", _EPOCH)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    return buf.getvalue()


def write_bundles(built: Path, students: list[Student]) -> dict[str, int]:
    """The per-student bundles of a built assignment DIR/<id> (after its kit is written); returns counts."""
    assignment = built.name
    root = built / FOLDER
    kit = _kit(built)
    moodle: dict[str, bytes] = {}
    for s in students:
        bundle = root / s.student_id / assignment
        bundle.mkdir(parents=True, exist_ok=True)
        for src in [built / "student" / s.student_id / f"{assignment}.ipynb", *kit]:
            write_bytes(bundle / src.name, src.read_bytes())
        packed = _zip_folder(bundle, assignment)
        write_bytes(root / f"{s.student_id}.zip", packed)
        if s.participant_id:
            moodle[moodle_feedback_name(s.name or s.student_id, s.participant_id, f"{assignment}.zip")] = packed
    if moodle:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for name in sorted(moodle):
                info = zipfile.ZipInfo(name, _EPOCH)
                info.external_attr = 0o644 << 16
                zf.writestr(info, moodle[name])
        write_bytes(root / MOODLE_ZIP, buf.getvalue())
    return {"bundles": len(students), "moodle": len(moodle)}


def _safe_username(name: str) -> bool:
    return bool(name) and "/" not in name and "\0" not in name and not name.startswith(".")


def to_homes(built: Path, students: list[Student], homes: str, dry_run: bool) -> list[str]:
    """Copy each student's bundle into `homes` (a pattern with {username}) / <id>/; returns what was (or, dry,
    would be) done, one line per student. A file already there is left alone: it may hold the student's work."""
    assignment = built.name
    lines = []
    for s in students:
        bundle = built / FOLDER / s.student_id / assignment
        if not _safe_username(s.username):
            lines.append(f"{s.student_id}: skipped, no usable username in the roster ({s.username!r})")
            continue
        if not bundle.is_dir():
            lines.append(f"{s.student_id}: skipped, no bundle {bundle} (build with --roster first)")
            continue
        home = Path(homes.format(username=s.username))
        if not home.is_dir():
            lines.append(f"{s.student_id}: skipped, no home folder {home} (the user has not logged in yet?)")
            continue
        dest = home / assignment
        owner = home.stat()
        copied, kept = [], []
        for src in sorted(bundle.iterdir()):
            target = dest / src.name
            if target.exists():
                kept.append(src.name)
                continue
            copied.append(src.name)
            if not dry_run:
                dest.mkdir(mode=0o755, exist_ok=True)
                shutil.copyfile(src, target)
                if os.geteuid() == 0:
                    os.chown(dest, owner.st_uid, owner.st_gid)
                    os.chown(target, owner.st_uid, owner.st_gid)
        verb = "would copy" if dry_run else "copied"
        lines.append(f"{s.student_id} ({s.username}): {verb} {', '.join(copied) or 'nothing'} to {dest}"
                     + (f"; kept existing {', '.join(kept)}" if kept else ""))
    return lines
