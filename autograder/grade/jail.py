"""One grading run's jail folder and uid block, and the cleanup of what a killed run left behind.

`/tmp/lmcourse-run-<host>-<pid>-<random>/` holds the student edition (`edition/`, see `edition.py`) and one
`sub-*` working directory per submission in flight. It is removed when the run ends; a run started later removes
every such folder whose grader process is gone (after kill -9, or a machine crash), so nothing piles up (and empty
`lmcourse-sub-*` folders that older graders left, once they are hours old).

Where the machine has cgroups, the run also has a cgroup of the same name under the grader's own (see budget.py):
one child group per submission in flight, each with its own memory, process and CPU budget; it goes with the run
folder, and a later run removes those of graders that are gone.

Each run (and each concurrent shard) takes its own block of `sandbox.UID_BLOCK` uids, held by an flock on
`/tmp/lmcourse-uids/<first uid>.lock`: two graders never run submissions under the same uid at the same time, and
keys or IPC objects a submission managed to leave under one run's uid are not met by the next run's submissions.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import site
import socket
import tempfile
import time
import warnings
from pathlib import Path

from autograder.grade import budget, edition, sandbox
from autograder.grade.bundle import Bundle

PREFIX = "lmcourse-run-"
LEGACY = "lmcourse-sub-*"  # working directories of graders before run folders (no owner pid in the name)
LEGACY_AGE_S = 6 * 3600  # far past any submission's time limit: whoever made it is gone
_HOST = socket.gethostname().replace("-", "_")
WARM_SETUPS = 8  # distinct assignment setups the warm worker runs before forking (more: each template, on first use)


def remove_stale_runs(tmp: Path | None = None) -> list[Path]:
    """Delete run folders (and run cgroups) of this host whose grader process no longer exists; returns the
    folders removed."""
    removed = []
    budget.remove_stale(f"{PREFIX}{_HOST}-", _alive)
    for d in Path(tmp or tempfile.gettempdir()).glob(f"{PREFIX}{_HOST}-*"):
        pid = d.name.removeprefix(f"{PREFIX}{_HOST}-").split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    for d in Path(tmp or tempfile.gettempdir()).glob(LEGACY):
        try:
            if d.is_dir() and not any(d.iterdir()) and time.time() - d.stat().st_mtime > LEGACY_AGE_S:
                d.rmdir()
                removed.append(d)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


class Jail:
    """Context manager: the run folder with its student edition, and the uid block (full isolation only)."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.budget: dict | None = None  # the run cgroup: {"version", "dirs"}
        self.budget_reason = ""  # why there is none
        self.run_dir: Path | None = None
        self.edition: edition.Edition | None = None
        self.uid_base = sandbox.UID_BASE
        self._lock: int | None = None

    def __enter__(self) -> Jail:
        remove_stale_runs()
        self.run_dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{_HOST}-{os.getpid()}-"))
        self.run_dir.chmod(0o711)
        self.edition = edition.write(self.run_dir / "edition", self.bundle.path, list(self.bundle.checks.values()))
        if sandbox.isolation_level() == "full":
            self.uid_base, self._lock = _take_uid_block()
            _clear_keys(range(self.uid_base, self.uid_base + sandbox.UID_BLOCK))  # a killed run may have left some
        if os.environ.get("LMCOURSE_CGROUPS", "auto") != "off":
            made = budget.start_run(self.run_dir.name)
            self.budget, self.budget_reason = (made, "") if isinstance(made, dict) else (None, made)
        else:
            self.budget_reason = "LMCOURSE_CGROUPS=off"
        if self.budget is None and sandbox.isolation_level() == "full":
            warnings.warn(f"lmcourse grade: no cgroup per submission ({self.budget_reason}): memory, processes and "
                          "CPU are limited per process only, so one submission's many processes can take more than "
                          "--memory and crowd out its neighbours' CPU (README, trust model)", stacklevel=2)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.budget is not None:
            budget.remove(self.budget["dirs"])
        if self._lock is not None:
            os.close(self._lock)
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def weigh(self, slots: int) -> None:
        """The run's CPU weight: that of `slots` busy processes, what the run's workers weigh without cgroups."""
        if self.budget is not None:
            budget.weigh(self.budget, slots)

    def worker_config(self) -> dict:
        """What the worker process is told (on its command line): its sys.path, the jail's mounts, the isolation
        level. The standard library and site-packages only, and the student edition first."""
        assert self.edition is not None and self.run_dir is not None
        interp = sandbox.interpreter_paths()
        sites = [p for p in {*site.getsitepackages(), *[q for q in interp if q.endswith("-packages")]}
                 if os.path.isdir(p)]
        return {"path": [str(self.edition.root), *interp], "mounts": [*interp, str(self.edition.root)],
                "site_packages": sorted(sites), "hide": list(edition.HIDDEN_PACKAGES),
                "run_dir": str(self.run_dir), "isolation": sandbox.isolation_level(), "budget": self.budget,
                "setups": str(self._write_setups()), "optimizers": self._uses_optimizers()}

    def _write_setups(self) -> Path:
        """The assignment's setup codes for the worker to warm up, in a file only root reads (not on its command
        line, which a submission could read in its /proc)."""
        assert self.run_dir is not None
        path = self.run_dir / "setups.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(sorted({c.setup for c in self.bundle.checks.values()})[:WARM_SETUPS], f)
        return path

    def _uses_optimizers(self) -> bool:
        """Whether the assignment's setup or probes run an optimizer or torch.compile: then the worker warms what
        their first call imports (torch._dynamo and sympy, ~1 s) once, instead of every submission paying it."""
        texts = [c.setup for c in self.bundle.checks.values()] + [
            t.probe for c in self.bundle.checks.values() for q in c.questions for t in q.tests]
        return any(re.search(r"\btorch\.(optim|compile)\b|\.backward\(", text) for text in texts)


def _take_uid_block() -> tuple[int, int]:
    folder = Path(tempfile.gettempdir()) / "lmcourse-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    for k in range(sandbox.UID_BLOCKS):
        base = sandbox.UID_BASE + k * sandbox.UID_BLOCK
        fd = os.open(folder / f"{base}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return base, fd
    raise RuntimeError(f"all {sandbox.UID_BLOCKS} sandbox uid blocks from {sandbox.UID_BASE} are in use by other "
                       "graders on this machine; wait for one to finish or set LMCOURSE_SANDBOX_UID_BASE")


def _clear_keys(uids: range) -> None:
    """Empty the keyrings of every uid of the block (a killed run may have left keys), in one child process."""
    pid = os.fork()
    if pid == 0:
        try:
            sandbox.clear_keyrings_of(uids)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
