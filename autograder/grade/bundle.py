"""The autograder zip as the trusted grader sees it: the checks of every variant and the student → variant mapping.

Read once, before any worker forks; the sandboxed processes only ever receive the probe expressions of their own
variant, never these files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.course.outputs import read_cell
from autograder.runtime.checks import Checks


class BundleError(ValueError):
    pass


@dataclass
class Bundle:
    path: Path
    sha256: str
    checks: dict[str, Checks]  # variant id → checks
    mapping: dict[str, str]  # student id → variant id

    @classmethod
    def load(cls, path: Path, variants_csv: Path | None = None) -> Bundle:
        data = Path(path).read_bytes()
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as e:
            raise BundleError(f"{path}: not a zip file ({e})") from e
        checks: dict[str, Checks] = {}
        mapping_text = None
        for name in zf.namelist():
            if name.startswith("lmcourse/checks/") and name.endswith(".json"):
                variant = name.removeprefix("lmcourse/checks/").removesuffix(".json")
                try:
                    checks[variant] = Checks.from_json(zf.read(name).decode("utf-8"))
                except (ValueError, KeyError, TypeError) as e:
                    raise BundleError(f"{path}: {name} is not a valid checks document ({e})") from e
            elif name == "lmcourse/variants.csv":
                mapping_text = zf.read(name).decode("utf-8")
        if not checks:
            raise BundleError(f"{path}: no lmcourse/checks/*.json inside; build it with `lmcourse build`")
        if variants_csv is not None:
            mapping_text = Path(variants_csv).read_text(encoding="utf-8")
        mapping = _read_mapping(mapping_text, variants_csv or path)
        unknown = sorted(set(mapping.values()) - set(checks))
        if unknown:
            raise BundleError(f"{variants_csv or path}: variants {unknown[:5]} have no checks in {path}")
        names = {v: [q.name for q in c.questions] for v, c in checks.items()}
        if len({tuple(n) for n in names.values()}) != 1:
            raise BundleError(f"{path}: the variants do not share the same questions: {names}")
        return cls(Path(path), hashlib.sha256(data).hexdigest(), checks, mapping)

    @property
    def questions(self) -> list[tuple[str, float]]:
        """(question, points) in the assignment's order; identical across variants."""
        first = self.checks[sorted(self.checks)[0]]
        return [(q.name, q.points) for q in first.questions]

    def resolve(self, ids: list[str], claimed: str | None) -> tuple[str | None, str]:
        """The variant to grade and where it came from.

        Roster ids come first, in the order given: the submission's file/folder names (assigned by whoever
        collected the files), then the notebook metadata's student_id. The variant a notebook claims for itself
        (metadata or LMCOURSE_VARIANT) is only a fallback for submissions that match no roster entry, so a student
        on the roster cannot pick another variant.
        """
        for sid in ids:
            if sid in self.mapping:
                return self.mapping[sid], f"roster ({sid})"
        if claimed in self.checks:
            return claimed, "the notebook's own LMCOURSE_VARIANT" + (" (not on the roster)" if self.mapping else "")
        if "default" in self.checks:
            return "default", "default"
        if len(self.checks) == 1:
            return next(iter(self.checks)), "only variant"
        return None, "no roster entry"


def _read_mapping(text: str | None, where: Path) -> dict[str, str]:
    if not text:
        return {}
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and not {"student_id", "variant"} <= set(rows[0]):
        raise BundleError(f"{where}: variants.csv needs columns student_id,variant (has {list(rows[0])})")
    return {read_cell(r["student_id"].strip()): read_cell(r["variant"].strip()) for r in rows if r.get("student_id")}
