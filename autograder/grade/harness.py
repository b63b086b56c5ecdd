"""Runs inside the sandboxed student process: executes the notebook's cells, then evaluates each test's probe.

Nothing here decides a score. The process only ever holds the probe expressions of its own variant (never expected
values or mistake values), and streams one JSON line per event to the result pipe:
    {"ev": "cell", "i": 3, "etype": "ZeroDivisionError", "error": "..."}      a cell raised (later cells still run)
    {"ev": "probe", "test": "q1a", "plain": to_plain(value), "forbidden": [...]} one per test, as soon as it ran
    {"ev": "done", "modules": [...]}     every test ran (modules: imported lazily, for the worker to pre-import)
The trusted grader re-validates every line and scores with `autograder.checks.compare`; a test whose line never
arrives (os._exit, a crash, a timeout) counts as failed.
"""

from __future__ import annotations

import builtins
import importlib
import io
import json
import linecache
import os
import sys
import traceback
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from autograder.checks import to_plain

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


def _resolve(dotted: str) -> types.FunctionType | None:
    """"pkg.module.Class.method" → the function object (longest importable module prefix, then attributes)."""
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, None)
        obj = getattr(obj, "__func__", obj)
        return obj if isinstance(obj, types.FunctionType) else None
    return None


@contextmanager
def _guard(names: list[str], question: str) -> Iterator[list[str]]:
    """While a question's probes run, its forbidden lmcore functions are unusable and every attempt is recorded.

    Two layers: each function's code is swapped for a trap that raises (so aliases, wrappers and a switched-off
    tracer still get no lmcore value), and a profiler records calls to the original or the trap code by identity
    (so a copy rebuilt from the original code object is still caught while tracing is on)."""
    fns = {d: f for d in names if (f := _resolve(d)) is not None and not f.__code__.co_freevars}
    saved = {d: f.__code__ for d, f in fns.items()}
    codes: dict[types.CodeType, str] = {}
    for d, f in fns.items():
        msg = f"{question} asks you to implement this yourself: lmcore's {d} is off limits here"
        trap: dict[str, Any] = {}
        exec(f"def {f.__name__}(*args, **kwargs):\n    raise RuntimeError({msg!r})\n", trap)
        codes[saved[d]] = d
        codes[trap[f.__name__].__code__] = d
        f.__code__ = trap[f.__name__].__code__
    hits: list[str] = []
    closing: list[bool] = []

    def profiler(frame: types.FrameType, event: str, arg: Any) -> None:
        if closing:
            return
        if event == "call" and frame.f_code in codes and codes[frame.f_code] not in hits:
            hits.append(codes[frame.f_code])
        elif event == "c_call" and arg in (sys.setprofile, sys.settrace) and "sys.setprofile" not in hits:
            hits.append("sys.setprofile")

    previous = sys.getprofile()
    sys.setprofile(profiler if codes else previous)
    try:
        yield hits
    finally:
        closing.append(True)
        if codes and sys.getprofile() is not profiler and "sys.setprofile" not in hits:
            hits.append("sys.setprofile")
        sys.setprofile(previous)
        for d, f in fns.items():
            f.__code__ = saved[d]


def _probe(test: dict, forbidden: list[str], question: str, ns: dict) -> dict:
    """Evaluate one probe while its question's forbidden lmcore functions are trapped and traced."""
    hits: list[str] = []
    try:
        with _guard(forbidden, question) as recorded:
            try:
                value = eval(compile(test["probe"], f"<test {test['name']}>", "eval"), ns)
            finally:
                hits = recorded
        plain = to_plain(value)
    except BaseException as e:
        plain = {"type": "error", "error": _short_error(e, 500).strip().splitlines()[-1]}
    return {"ev": "probe", "test": test["name"], "plain": plain, "forbidden": list(hits)}
