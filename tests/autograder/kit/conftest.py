"""Session fixtures for the kit's install and browser tests: one `lmcourse build`, a template venv holding only
torch==2.13.0 (made once; each test venv is a hard-link copy of it, so it costs seconds, not a torch install), the
student's venv (the kit installed as students install it) and the Gradescope emulation."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from .gradescope_emulation import Gradescope
from .venvs import TIMINGS, TORCH, clean_env, fresh_venv, run, site_files


@pytest.fixture(scope="session")
def kit_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("kit")


@pytest.fixture(scope="session")
def built(kit_tmp) -> Path:
    """`lmcourse build --out D` for every assignment."""
    from autograder.cli.build import build_command

    out = kit_tmp / "dist"
    t0 = time.perf_counter()
    result = CliRunner().invoke(build_command, ["--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    TIMINGS["lmcourse build (3 assignments, with kits)"] = time.perf_counter() - t0
    return out


@pytest.fixture(scope="session")
def torch_venv(kit_tmp) -> Path:
    """A venv holding only torch==2.13.0 (and its own dependencies); copied, never used directly."""
    venv = kit_tmp / "torch-venv"
    env = clean_env(kit_tmp)
    t0 = time.perf_counter()
    run([sys._base_executable, "-m", "venv", str(venv)], kit_tmp, env)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", TORCH], kit_tmp, env)
    TIMINGS["venv + pip install torch==2.13.0"] = time.perf_counter() - t0
    return venv


@pytest.fixture(scope="session")
def kit_venv(built, torch_venv, kit_tmp) -> tuple[Path, set[Path]]:
    """The student's venv: torch preinstalled, then `pip install -r requirements.txt` from D/loss/student; with the
    files the kit installed."""
    venv = fresh_venv(torch_venv, kit_tmp / "kit-venv")
    before = site_files(venv)
    t0 = time.perf_counter()
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
        built / "loss" / "student", clean_env(kit_tmp))
    TIMINGS["pip install -r student/requirements.txt"] = time.perf_counter() - t0
    return venv, site_files(venv) - before


@pytest.fixture(scope="session")
def gradescope_soon(built, torch_venv, kit_tmp) -> Iterator[Future[Gradescope]]:
    """The Gradescope emulation (see gradescope_emulation.py), set up in a background thread: its pip install
    takes minutes, which other work (the student's venv, the browser sessions) can overlap."""
    with ThreadPoolExecutor(1) as pool:
        yield pool.submit(Gradescope, built, torch_venv, kit_tmp)


@pytest.fixture(scope="session")
def gradescope(gradescope_soon) -> Gradescope:
    """Gradescope emulated from each assignment's autograder zip alone."""
    return gradescope_soon.result()


def pytest_terminal_summary(terminalreporter) -> None:
    if TIMINGS:
        line = ", ".join(f"{k}: {v:.1f}" for k, v in TIMINGS.items())
        terminalreporter.write_line(f"kit install timings (s): {line}")
