"""Runs inside the sandboxed student process: executes the notebook's cells, then evaluates each test's probe.

Nothing here decides a score. The process only ever holds the probe expressions of its own variant (never expected
values or mistake values), and streams one JSON line per event to the result pipe:
    {"ev": "cell", "i": 3, "etype": "ZeroDivisionError", "error": "..."}      a cell raised (later cells still run)
    {"ev": "probe", "test": "q1a", "plain": to_plain(value), "forbidden": [...]} one per test, as soon as it ran
    {"ev": "done", "modules": [...]}     every test ran (modules: imported lazily, for the worker to pre-import)
The trusted grader re-validates every line and scores with `autograder.runtime.checks.compare`; a test whose line never
arrives (os._exit, a crash, a timeout) counts as failed.
"""

from __future__ import annotations

import builtins
import io
import json
import linecache
import os
import sys
import traceback
import types
from typing import Any

from autograder.runtime.checks import forbidden_calls, to_plain

_dumps, _write = json.dumps, os.write  # captured before any student code runs


class _Anything:
    """Stand-in for `otter.Notebook` / `get_ipython()`: every attribute is a no-op callable returning None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None


def _otter_stub() -> types.ModuleType:
    mod = types.ModuleType("otter")
    mod.Notebook = _Anything  # grader.check("q1") / grader.export(...) do nothing here: grading is ours
    return mod


def _short_error(e: BaseException, limit: int = 4000) -> str:
    """The traceback without the harness's own frame (a student exception whose __str__ raises is still reported)."""
    try:
        tb = e.__traceback__.tb_next if e.__traceback__ else None
        return "".join(traceback.format_exception(type(e), e, tb))[-limit:]
    except BaseException:
        return f"{type(e).__name__} (unprintable)"


def _send(fd: int, event: dict) -> None:
    data = (_dumps(event, allow_nan=True) + "\n").encode()
    while data:
        data = data[_write(fd, data):]


def run(job: dict, fd: int) -> None:
    """Execute `job["cells"]` like a Jupyter kernel would (errors and SystemExit caught per cell), then the probes."""
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True, errors="backslashreplace")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True, errors="backslashreplace")
    sys.modules["otter"] = _otter_stub()
    preloaded = set(sys.modules)
    ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _Anything}
    for i, src in enumerate(job["cells"]):
        name = f"<cell {i}>"
        linecache.cache[name] = (len(src), None, src.splitlines(True), name)
        try:
            exec(compile(src, name, "exec"), ns)
        except BaseException as e:  # SystemExit and KeyboardInterrupt too: later cells still run, as in Jupyter
            _send(fd, {"ev": "cell", "i": i, "etype": type(e).__name__, "error": _short_error(e)})
        finally:
            sys.stdout.flush()
    ns["LMCOURSE_VARIANT"] = job["variant"]
    try:
        exec(compile(job.get("setup") or "", "<grader setup>", "exec"), ns)
    except BaseException as e:
        _send(fd, {"ev": "cell", "i": -1, "etype": type(e).__name__, "error": _short_error(e)})
    for q in job["questions"]:
        for t in q["tests"]:
            _send(fd, _probe(t, q["forbidden"], q["name"], ns))
    sys.stdout.flush()
    _send(fd, {"ev": "done", "modules": sorted(set(sys.modules) - preloaded)[:1000]})


def _probe(test: dict, forbidden: list[str], question: str, ns: dict) -> dict:
    """Evaluate one probe while its question's forbidden lmcore functions are trapped and traced."""
    hits: list[str] = []
    try:
        with forbidden_calls(forbidden, f"{question} asks you to implement this yourself; lmcore's function "
                             "is off limits here") as recorded:
            try:
                value = eval(compile(test["probe"], f"<test {test['name']}>", "eval"), ns)
            finally:
                hits = recorded
        plain = to_plain(value)
    except BaseException as e:
        plain = {"type": "error", "error": _short_error(e, 500).strip().splitlines()[-1]}
    return {"ev": "probe", "test": test["name"], "plain": plain, "forbidden": list(hits)}
