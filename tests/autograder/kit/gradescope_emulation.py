"""Gradescope from an autograder zip alone, emulated: /autograder/{source,submission,results} under a temporary
folder, a venv holding what the zip's setup installs (environment.yml's pip step; torch preinstalled instead of
fetched), then the zip's run_otter.py, which is what run_autograder runs.

A submission is a notebook (written as submission/<assignment>.ipynb) or the zip a student uploads, which Gradescope
unpacks into submission/ as it is: a notebook stored under a folder inside the zip stays in that folder.
"""

from __future__ import annotations

import itertools
import json
import time
import zipfile
from pathlib import Path

import nbformat
import yaml

from autograder.kit.gradescope import AUTOGRADER_DIR, TORCH_INDEX

from .venvs import TIMINGS, clean_env, fresh_venv, run


def _requirements(ag: Path) -> list[str]:
    """conda's pip step, with two emulation changes: torch is preinstalled (no fetch from the CPU index), and the
    zip's absolute /autograder paths point into the temporary /autograder."""
    env_yml = yaml.safe_load((ag / "source" / "environment.yml").read_text())
    pip = next(d["pip"] for d in env_yml["dependencies"] if isinstance(d, dict))
    return [line.replace(f"{AUTOGRADER_DIR}/", f"{ag}/") for line in pip if TORCH_INDEX not in line]


class Gradescope:
    """One venv, made from the first assignment's zip, grades every assignment while their zips install the same
    things (one student wheel for all); each submission gets a fresh /autograder, so gradings may run at once."""

    def __init__(self, built: Path, torch_venv: Path, tmp: Path, first: str = "loss") -> None:
        self.built, self.tmp, self._count = built, tmp, itertools.count()
        ag = self._autograder_dir(first)
        lines = _requirements(ag)
        self.installed = [line.replace(str(ag), "AG") for line in lines]
        (ag / "source" / "emulated.requirements.txt").write_text("\n".join(lines) + "\n")
        self.venv = fresh_venv(torch_venv, tmp / "gradescope-venv")
        t0 = time.perf_counter()
        run([str(self.venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", "emulated.requirements.txt"],
            ag / "source", clean_env(tmp))
        TIMINGS["pip install the zip's environment.yml pip list"] = time.perf_counter() - t0

    def _autograder_dir(self, assignment: str) -> Path:
        ag = self.tmp / "gs" / f"{assignment}-{next(self._count)}" / "autograder"
        for sub in ("source", "submission", "results"):
            (ag / sub).mkdir(parents=True)
        with zipfile.ZipFile(self.built / assignment / "autograder" / "autograder.zip") as z:
            z.extractall(ag / "source")
        return ag

    def grade(self, assignment: str, submission: nbformat.NotebookNode | Path) -> dict:
        """results.json of one submission: a notebook, or an exported zip (unpacked as Gradescope unpacks it)."""
        ag = self._autograder_dir(assignment)
        assert [x.replace(str(ag), "AG") for x in _requirements(ag)] == self.installed, \
            f"{assignment}'s zip installs other things than the emulation's venv holds"
        if isinstance(submission, Path):
            with zipfile.ZipFile(submission) as z:
                z.extractall(ag / "submission")
        else:
            nbformat.write(submission, ag / "submission" / f"{assignment}.ipynb")
        run([str(self.venv / "bin" / "python"), str(ag / "source" / "run_otter.py"), str(ag)], ag.parent,
            clean_env(self.tmp))
        return json.loads((ag / "results" / "results.json").read_text())
