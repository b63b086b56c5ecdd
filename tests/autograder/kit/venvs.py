"""Helpers for the kit's install tests: clean subprocess environments and venvs made from a torch-only template.

Subprocesses in these venvs run without PYTHONPATH (which points at the checkout) and with their own Jupyter data
dir, so nothing from the checkout or the tools venv can leak in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

TORCH = "torch==2.13.0"  # the CPU build from the local wheel house; never a bare `torch` (5 GB CUDA build)
TIMINGS: dict[str, float] = {}


def clean_env(tmp: Path) -> dict[str, str]:
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["JUPYTER_DATA_DIR"] = str(tmp / "jupyter-data")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{' '.join(cmd)} failed in {cwd}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def site_files(venv: Path) -> set[Path]:
    return {p.relative_to(venv) for p in (venv / "lib").rglob("*") if p.is_file()}


def fresh_venv(torch_venv: Path, dest: Path) -> Path:
    """A new venv with torch preinstalled: a hard-link copy of the template (pip replaces files, never edits them)."""
    t0 = time.perf_counter()
    shutil.copytree(torch_venv, dest, symlinks=True, copy_function=os.link)
    TIMINGS[f"copy torch venv -> {dest.name}"] = time.perf_counter() - t0
    return dest


# A probe's helper, run inside another interpreter: True when `dotted` ("pkg.mod.Class.method", a trailing
# ".__init__" meaning the class) can be reached by import plus attributes (the longest importable module prefix).
REACHABLE = """def reachable(dotted):
    parts = dotted.removesuffix(".__init__").split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False
"""
