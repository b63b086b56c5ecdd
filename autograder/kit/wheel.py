"""The student wheel: the student edition (lmcore minus the answers, plus autograder.runtime) as one pip-installable
file, built by pip from a generated pyproject with setuptools, reproducibly (fixed SOURCE_DATE_EPOCH, sorted files).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from autograder.kit.edition import write_student_edition

DIST_NAME = "lmcourse-student"
EPOCH = "315532800"  # 1980-01-01, the earliest time a zip entry can hold: the same bytes on every build
# torch is left out on purpose: installed as a dependency, pip would fetch the 5 GB CUDA build. Students and
# Gradescope install the CPU build first (see the kit's requirements.txt).
DEPENDENCIES = ["numpy>=1.24"]

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
description = "lmcourse student kit: the student edition of lmcore and the autograder runtime (no answers)"
requires-python = ">=3.11"
dependencies = {dependencies}

[tool.setuptools]
packages = ["lmcore", "autograder", "autograder.runtime"]
"""


def kit_version() -> str:
    """The lmcourse version the kit is built from (pyproject's), e.g. "0.1.0"."""
    try:
        return version("lmcourse")
    except PackageNotFoundError:
        return "0.0.0"


def wheel_name(ver: str | None = None) -> str:
    return f"{DIST_NAME.replace('-', '_')}-{ver or kit_version()}-py3-none-any.whl"


def build_student_wheel(out_dir: Path, forbidden: Iterable[str], ver: str | None = None) -> Path:
    """Build the student wheel into out_dir and return its path. Same sources, same bytes."""
    ver = ver or kit_version()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lmcourse-wheel-") as tmp:
        src, dist = Path(tmp) / "src", Path(tmp) / "dist"
        write_student_edition(src, forbidden)
        deps = "[" + ", ".join(f'"{d}"' for d in DEPENDENCIES) + "]"
        (src / "pyproject.toml").write_text(PYPROJECT.format(name=DIST_NAME, version=ver, dependencies=deps))
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PIP_NO_INDEX": "1", "PYTHONHASHSEED": "0"}
        cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
               "--wheel-dir", str(dist), str(src)]
        run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp)
        built = dist / wheel_name(ver)
        if run.returncode != 0 or not built.is_file():
            raise RuntimeError(f"building {wheel_name(ver)} failed ({' '.join(cmd)}):\n{run.stdout}{run.stderr}")
        target = out_dir / built.name
        shutil.copyfile(built, target)
    return target


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
