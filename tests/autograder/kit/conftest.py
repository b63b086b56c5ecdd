"""Session fixtures for the kit's install tests: one `lmcourse build`, and a template venv holding only
torch==2.13.0 (made once; each test venv is a hard-link copy of it, so it costs seconds, not a torch install)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from .venvs import TIMINGS, TORCH, clean_env, run


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


def pytest_terminal_summary(terminalreporter) -> None:
    if TIMINGS:
        line = ", ".join(f"{k}: {v:.1f}" for k, v in TIMINGS.items())
        terminalreporter.write_line(f"kit install timings (s): {line}")
