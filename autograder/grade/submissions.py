"""Finding submissions and turning each one into code cells, in the trusted grader (nothing here executes them).

A submission is a .ipynb, a .py (cells split at `# %%` lines), or an Otter export .zip holding one notebook. Zips are
read in memory and never extracted; one with `..` paths, absolute paths or symlinks is refused whole.
"""

from __future__ import annotations

import io
import re
import stat
import sys
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.grade.files import display_name

MAX_BYTES = 50 * 2**20  # larger submissions are refused (a notebook with outputs is rarely over a few MB)
# What parsing one submission may cost the grader (it runs outside any sandbox): JSON items ("[", "{" and ","
# bytes; each costs at most ~80 bytes once parsed), cells, zip members, characters of code, characters tokenized to turn
# IPython syntax into Python (a cell past this budget runs as it is, so a magic in it is a SyntaxError there).
MAX_JSON_ITEMS = 1_000_000
MAX_CELLS = 10_000  # nbformat validates each cell: ~30 µs apiece
MAX_ZIP_MEMBERS = 10_000
MAX_CODE = 2_000_000
MAX_TRANSFORMED = 256_000
_VARIANT_RE = re.compile(r"""^\s*LMCOURSE_VARIANT\s*=\s*["']([^"'\n]{1,100})["']""", re.M)


class Ungradable(Exception):
    """A submission that cannot be graded: `status` goes to final_grades.csv, the message to the feedback."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Submission:
    name: str  # row name in final_grades.csv: path relative to the folder it was found in, as files.display_name
    path: Path
    link: bool = False  # found in a folder as (or through) a symbolic link: never followed

    def read(self) -> bytes:
        if self.link:
            raise Ungradable("unsafe-file", f"{self.name}: a symbolic link inside the submissions folder is not "
                             "followed (it could point at any file on this machine)")
        size = self.path.stat().st_size
        if size > MAX_BYTES:
            raise Ungradable("too-large", f"{self.name}: {size} bytes; submissions over {MAX_BYTES} are refused")
        return self.path.read_bytes()


@dataclass
class Parsed:
    cells: list[str]
    student_id: str | None = None  # from the notebook's metadata (student-editable: used only as a fallback)
    variant: str | None = None  # from metadata or the LMCOURSE_VARIANT line (student-editable: last resort)
    assignment: str | None = None  # metadata.lmcourse.assignment: which assignment the notebook was built for
    notes: list[str] = field(default_factory=list)


def collect(paths: list[Path]) -> list[Submission]:
    """Every regular, non-hidden file under the given files/folders, named relative to the folder given (printable
    and encodable whatever bytes the file system holds: files.display_name)."""
    subs: dict[str, Submission] = {}
    for root in paths:
        if root.is_dir():
            real_root = root.resolve()
            files = sorted(p for p in root.rglob("*") if (p.is_file() or p.is_symlink()) and not any(
                part.startswith((".", "__")) for part in p.relative_to(root).parts))
            items = [(display_name(p.relative_to(root).as_posix()), p, p.is_symlink() or p.resolve().parent != (
                real_root / p.relative_to(root)).parent) for p in files]
        elif root.is_file():
            items = [(display_name(root.name), root, False)]
        else:
            raise FileNotFoundError(f"{root}: no such file or folder")
        for name, p, link in items:
            if name in subs and subs[name].path.resolve() != p.resolve():
                raise ValueError(f"two submissions are both named {name!r} ({subs[name].path} and {p}); "
                                 "grade them in separate batches or rename one")
            subs[name] = Submission(name, p, link)
    return [subs[k] for k in sorted(subs)]


def parse(name: str, data: bytes, transform: bool = True) -> Parsed:
    """Code cells of a submission, as Python source (IPython magics and `!` lines made harmless), or as the student
    wrote them with transform=False (similarity reads code as text and must not pay for IPython's transforms)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".ipynb":
        return _parse_notebook(name, data, transform)
    if suffix == ".py":
        return Parsed(_py_cells(name, data))
    if suffix == ".zip":
        return _parse_zip(name, data, transform)
    raise Ungradable("unsupported-file", f"{name}: {suffix or 'no extension'} files cannot be graded; "
                     "submit the .ipynb notebook (or a .py, or Otter's export .zip)")


def _decode(name: str, data: bytes, status: str) -> str:
    if not data.strip():
        raise Ungradable(status, f"{name}: the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Ungradable(status, f"{name}: not UTF-8 text (byte {e.start}: {data[e.start:e.start + 1]!r})") from e


def _nbformat():  # noqa: ANN202 - the module
    """nbformat, imported without jsonschema's optional IRI format checker: importing rfc3987_syntax builds ~40 lark
    grammars (~1.2 s of the grader's CPU per run), and nbformat never checks formats (it passes no format checker,
    and the notebook schemas use no `format` keyword). Anything imported later may still import it."""
    if "nbformat" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import -> ImportError, which jsonschema skips
        try:
            import nbformat
        finally:
            if sys.modules.get("rfc3987_syntax", 0) is None:
                del sys.modules["rfc3987_syntax"]
    import nbformat

    return nbformat


def _parse_notebook(name: str, data: bytes, transform: bool = True) -> Parsed:
    nbformat = _nbformat()
    items = data.count(b"[") + data.count(b"{") + data.count(b",")
    if items > MAX_JSON_ITEMS:
        raise Ungradable("too-large", f"{name}: the notebook's JSON holds {items} items (lists, objects, commas); "
                         f"at most {MAX_JSON_ITEMS} are read")
    cells = data.count(b'"cell_type"')  # an upper bound, counted before nbformat reads (and validates) them
    if cells > MAX_CELLS:
        raise Ungradable("too-large", f"{name}: about {cells} cells; at most {MAX_CELLS} are read")
    text = _decode(name, data, "invalid-notebook")
    try:
        with warnings.catch_warnings():  # missing cell ids and the like: not the student's problem
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
        cells = [c for c in nb.cells if c.get("cell_type") == "code"]
        sources = [c.source if isinstance(c.source, str) else "".join(c.source) for c in cells]
        meta = nb.metadata.get("lmcourse")
    except Exception as e:  # json errors, missing keys, unknown nbformat versions: all the student's file
        raise Ungradable("invalid-notebook", f"{name}: not a readable Jupyter notebook ({e.__class__.__name__}: "
                         f"{str(e)[:200]})") from e
    if not all(isinstance(src, str) for src in sources):
        raise Ungradable("invalid-notebook", f"{name}: a code cell's source is not text")
    code = sum(map(len, sources))
    if code > MAX_CODE:
        raise Ungradable("too-large", f"{name}: its code cells hold {code} characters; at most {MAX_CODE} are graded")
    meta = meta if isinstance(meta, dict) else {}
    sid, variant, assignment = meta.get("student_id"), meta.get("variant"), meta.get("assignment")
    if variant is None and sources and (m := _VARIANT_RE.search(sources[0])):
        variant = m.group(1)
    budget = [MAX_TRANSFORMED]
    code = [_transform(s, budget) for s in sources] if transform else sources
    return Parsed(code, sid if isinstance(sid, str) else None,
                  variant if isinstance(variant, str) else None,
                  assignment if isinstance(assignment, str) else None)


def _py_cells(name: str, data: bytes) -> list[str]:
    text = _decode(name, data, "invalid-file") if data.strip() else ""
    parts = re.split(r"^# ?%%.*$", text, flags=re.M)
    return [p for p in parts if p.strip()]


def _parse_zip(name: str, data: bytes, transform: bool = True) -> Parsed:
    members = data.count(b"PK\x01\x02")  # central directory entries (an upper bound), before zipfile lists them
    if members > MAX_ZIP_MEMBERS:
        raise Ungradable("invalid-zip", f"{name}: about {members} members; an export zip holds a notebook and a few "
                         f"files (at most {MAX_ZIP_MEMBERS} are read)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception as e:  # BadZipFile, and NotImplementedError for a zip version zipfile does not read, ...
        raise Ungradable("invalid-zip", f"{name}: not a readable zip file ({e.__class__.__name__}: "
                         f"{str(e)[:200]})") from e
    for info in infos:
        parts = info.filename.replace("\\", "/").split("/")
        if info.filename.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", info.filename):
            raise Ungradable("unsafe-zip", f"{name}: member {info.filename!r} points outside the archive")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise Ungradable("unsafe-zip", f"{name}: member {info.filename!r} is a symbolic link")
    notebooks = [i for i in infos if i.filename.endswith(".ipynb") and not i.is_dir()
                 and not any(p.startswith((".", "__MACOSX")) for p in i.filename.split("/"))]
    if len(notebooks) != 1:
        found = ", ".join(i.filename for i in notebooks) or "none"
        raise Ungradable("invalid-zip", f"{name}: expected exactly one .ipynb in the zip, found {found}")
    info = notebooks[0]
    if info.file_size > MAX_BYTES:
        raise Ungradable("too-large", f"{name}: {info.filename} unpacks to {info.file_size} bytes")
    try:
        with zf.open(info) as f:
            inner = f.read(MAX_BYTES + 1)
    except Exception as e:  # a bad CRC or header, an unknown compression method, encryption, truncated data
        raise Ungradable("invalid-zip", f"{name}: {info.filename} cannot be unpacked ({e.__class__.__name__}: "
                         f"{str(e)[:200]})") from e
    if len(inner) > MAX_BYTES:
        raise Ungradable("too-large", f"{name}: {info.filename} unpacks to more than {MAX_BYTES} bytes")
    parsed = _parse_notebook(f"{name}:{info.filename}", inner, transform)
    # the file name only: a notebook exported under an absolute path sits in the zip under the student's home folders
    notebook = PurePosixPath(info.filename.replace("\\", "/")).name
    parsed.notes.append(f"graded {notebook} from the zip")
    return parsed


def _transform(src: str, budget: list[int]) -> str:
    """IPython syntax (`%magic`, `!cmd`, `x?`) → the Python IPython would run, calling get_ipython() (linear in the
    cell's size: magics.py). `budget` holds the characters this submission may still have tokenized."""
    from autograder.grade.magics import to_python

    if len(src) > budget[0]:
        return src  # past the budget: run as written
    budget[0] -= len(src)
    try:
        out = to_python(src)
    except Exception:  # as IPython would refuse it: compiling it in the sandbox reports the error against that cell
        return src
    return src if out in (src, src + "\n") else out  # plain Python comes back as written
