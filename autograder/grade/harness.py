"""Runs inside the sandboxed student process: executes the notebook's cells, then answers the grader's probes.

Nothing here decides a score, and nothing here is trusted: the process holds the student's code, which can read and
write everything the harness can. The protocol is built so that does not matter:
  * the job pipe first brings only the cells, the variant and the setup code; each probe expression arrives later,
    one at a time, after the grader has been told the cells are done, so no probe (hidden ones included) is in the
    process while the cells run;
  * the grader asks for the probes in a fixed order (public tests first, then hidden ones), each with a fresh random
    nonce, and accepts exactly one answer per question asked, echoing that nonce; any other line on the result pipe
    is dropped (unparsed where its start already shows it), so forged or early reports change nothing, and line
    size and count are bounded;
  * what the process prints after the first hidden probe was sent is never shown to the student.
Lines on the result pipe (one JSON object each, written by `_send`):
    {"ev": "cell", "i": 3, "etype": "ZeroDivisionError", "error": "..."}   a cell raised (later cells still run)
    {"ev": "ready"}                                                        cells and setup ran: ask the probes
    {"ev": "probe", "seq": nonce, "plain": to_plain(value)}               the answer to the probe just asked
    {"ev": "done"}                                                         the grader said there are no more
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

from autograder.runtime.checks import to_plain

_dumps, _loads, _write, _read = json.dumps, json.loads, os.write, os.read  # captured before any student code runs


class _Anything:
    """Stand-in for `otter.Notebook` (and for `get_ipython()` where IPython is not installed): every attribute is a
    no-op callable returning None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None


SHELL: Any = None  # IPython's InteractiveShell, made once by the warm worker (prepare_shell), before any submission


def prepare_shell(ipython_dir: str) -> None:
    """Make IPython's shell in the warm worker, so that in a submission magics (`%%time`, `%timeit`, `%%capture`,
    `%matplotlib`, ...) and `display()` do what they do in Jupyter, where Otter runs notebooks. The cells reach the
    harness already turned into `get_ipython().run_cell_magic(...)` calls, and each submission's namespace is this
    shell's `__main__` module (its own copy, after fork), so pickling what a cell defines (multiprocessing) works.
    Shell commands (`!cmd`, `x = !cmd`, `%pip`) print a note and do nothing: the jail has no shell to run them."""
    global SHELL
    try:
        os.environ["IPYTHONDIR"] = ipython_dir  # its profile folder: in the run folder, not the grader's home
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.text import SList
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False  # no sqlite file, no history thread
        shell = InteractiveShell.instance(config=config, user_module=types.ModuleType("__main__"))
    except Exception:  # no IPython: get_ipython() is a do-nothing stand-in, as before
        return

    def no_shell(cmd: str, *args: Any, **kwargs: Any) -> SList:
        print(f"(not run while grading, there is no shell: !{str(cmd)[:200]})", file=sys.stderr)
        shell.user_ns["_exit_code"] = 127
        return SList()

    shell.system = shell.system_piped = shell.system_raw = shell.getoutput = no_shell
    shell.enable_gui = lambda gui=None: None  # as in ipykernel for `%matplotlib inline`: no event loop to start
    SHELL = shell


def _namespace() -> dict[str, Any]:
    """The cells' global namespace: the shell's `__main__` (made `sys.modules["__main__"]`, as in a kernel)."""
    if SHELL is None:
        return {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _Anything}
    sys.modules["__main__"] = SHELL.user_module
    SHELL.user_ns["__builtins__"] = builtins
    return SHELL.user_ns


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


class _Lines:
    """Newline-delimited JSON messages from the grader on the job pipe."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buf = fd, b""

    def next(self) -> dict | None:
        while b"\n" not in self.buf:
            chunk = _read(self.fd, 1 << 20)
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return _loads(line)


def run(job_fd: int, fd: int) -> None:
    """Execute the cells like a Jupyter kernel would (errors and SystemExit caught per cell), then answer probes."""
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True, errors="backslashreplace")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True, errors="backslashreplace")
    sys.modules["otter"] = _otter_stub()
    lines = _Lines(job_fd)
    job = lines.next() or {}
    ns = _namespace()
    for i, src in enumerate(job.get("cells", [])):
        name = f"<cell {i}>"
        linecache.cache[name] = (len(src), None, src.splitlines(True), name)
        try:
            exec(compile(src, name, "exec"), ns)
        except BaseException as e:  # SystemExit and KeyboardInterrupt too: later cells still run, as in Jupyter
            _send(fd, {"ev": "cell", "i": i, "etype": type(e).__name__, "error": _short_error(e)})
        finally:
            sys.stdout.flush()
    ns["LMCOURSE_VARIANT"] = job.get("variant")
    try:
        exec(compile(job.get("setup") or "", "<grader setup>", "exec"), ns)
    except BaseException as e:
        _send(fd, {"ev": "cell", "i": -1, "etype": type(e).__name__, "error": _short_error(e)})
    sys.stdout.flush()
    _send(fd, {"ev": "ready"})
    while (msg := lines.next()) is not None and "probe" in msg:
        _send(fd, {"ev": "probe", "seq": msg["seq"], "plain": _probe(msg["probe"], msg["name"], ns)})
        sys.stdout.flush()
    _send(fd, {"ev": "done"})


def _probe(probe: str, name: str, ns: dict) -> dict:
    try:
        return to_plain(eval(compile(probe, f"<test {name}>", "eval"), ns))
    except BaseException as e:
        return {"type": "error", "error": _short_error(e, 500).strip().splitlines()[-1]}
