"""After `lmcourse build` has written DIR/<id>/: the student kit and the Gradescope-ready autograder.zip.

    DIR/<id>/student/requirements.txt                   pip install -r requirements.txt, from that folder
    DIR/<id>/student/lmcourse_student-<v>-py3-none-any.whl
    DIR/<id>/autograder/autograder.zip                  + the same wheel, requirements.txt, environment.yml

The wheel holds the student edition of lmcore and autograder.runtime only: nothing in it computes a hidden
expectation or an MCQ key (no specs, quiz bank, solutions, build, grade or quiz).
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from autograder.kit.edition import forbidden_functions
from autograder.kit.gradescope import TORCH, TORCH_INDEX, make_gradescope_ready
from autograder.kit.wheel import build_student_wheel

STUDENT_REQUIREMENTS = """\
# lmcourse student kit for "{assignment}". Install torch first, then, from this folder:
#     pip install -r requirements.txt
# torch is not listed here: its default Linux build from PyPI is ~5 GB (CUDA). The CPU build is enough:
#     pip install {torch} --index-url {torch_index}
./{wheel}
otter-grader==7.0.0
numpy>=1.24
# so that Jupyter can run the notebook with this environment's Python
# (from another Jupyter: python -m ipykernel install --user --name lmcourse)
ipykernel
"""


@lru_cache(maxsize=1)
def _wheel() -> Path:
    """The student wheel, built once per process (the edition is the same for every assignment)."""
    cache = Path(tempfile.mkdtemp(prefix="lmcourse-kit-"))
    atexit.register(shutil.rmtree, cache, ignore_errors=True)
    return build_student_wheel(cache, forbidden_functions())


def _mcq_questions(checks_json: Path) -> list[str]:
    try:
        doc = json.loads(checks_json.read_text(encoding="utf-8"))
        return [q["name"] for q in doc["questions"] if q.get("kind") == "mcq"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise RuntimeError(f"{checks_json}: cannot read the questions ({e})") from e


def write_student_kit(student_dir: Path, assignment: str, wheel: Path) -> Path:
    """Copy the wheel into student_dir and write its requirements.txt; returns the requirements path."""
    student_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wheel, student_dir / wheel.name)
    req = student_dir / "requirements.txt"
    req.write_text(STUDENT_REQUIREMENTS.format(assignment=assignment, wheel=wheel.name, torch=TORCH,
                                               torch_index=TORCH_INDEX), encoding="utf-8")
    return req


def package_assignment(dest: Path) -> None:
    """Given a built DIR/<id> (student/, autograder/autograder.zip, autograder/checks/default.json): write the
    student kit and make the zip Gradescope-ready."""
    dest = Path(dest)
    wheel = _wheel()
    write_student_kit(dest / "student", dest.name, wheel)
    make_gradescope_ready(dest / "autograder" / "autograder.zip", wheel,
                          _mcq_questions(dest / "autograder" / "checks" / "default.json"))
