"""The student runtime around Otter's export (issue 16): which notebook the kernel runs (`notebook_path`, also after a
rename mid-session), and how a check's feedback reaches the notebook (a cell not run yet; HTML shown as written).
The same behaviour in a real JupyterLab and Notebook 7 is tests/autograder/kit/test_kit_browser.py."""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from autograder.runtime import notebook as runtime_notebook
from autograder.runtime.checks import Mistake
from autograder.runtime.checks import Test as CheckTest
from autograder.runtime.notebook import jupyter_can_save, notebook_path
from autograder.runtime.otter import PRE_STYLE, check


def _nb(path: Path, assignment: str) -> Path:
    path.write_text(json.dumps({"cells": [], "metadata": {"lmcourse": {"assignment": assignment}},
                                "nbformat": 4, "nbformat_minor": 5}))
    return path


# ------------------------------------------------------------------ notebook_path without a server
def test_notebook_path_finds_a_renamed_notebook(tmp_path, monkeypatch):
    """Issue 10 #8: `otter.Notebook("loss.ipynb")` failed when the student saved the notebook as loss_ada.ipynb."""
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _nb(tmp_path / "tokens.ipynb", "tokens")
    assert notebook_path("loss", str(tmp_path)) is None
    _nb(tmp_path / "loss_ada.ipynb", "loss")
    assert notebook_path("loss", str(tmp_path)) == str(tmp_path / "loss_ada.ipynb")
    _nb(tmp_path / "loss.ipynb", "loss")
    assert notebook_path("loss", str(tmp_path)) == str(tmp_path / "loss.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "loss_ada.ipynb"))
    assert notebook_path("loss", str(tmp_path)) == str(tmp_path / "loss_ada.ipynb")


def test_notebook_path_is_the_bare_name_in_the_kernels_folder(tmp_path, monkeypatch):
    """Issue 16 #1: Jupyter's JPY_SESSION_NAME is absolute; Otter zips and links the notebook under the path it is
    given, so the first cell and the export cell must get `loss (1).ipynb`, never /home/.../loss (1).ipynb."""
    monkeypatch.chdir(tmp_path)
    _nb(tmp_path / "loss.ipynb", "loss")
    _nb(tmp_path / "loss (1).ipynb", "loss")
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "loss (1).ipynb"))
    assert notebook_path("loss") == "loss (1).ipynb"
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "gone.ipynb"))  # renamed since the kernel started
    assert notebook_path("loss") == "loss.ipynb"
    (tmp_path / "elsewhere").mkdir()
    _nb(tmp_path / "elsewhere" / "loss_ada.ipynb", "loss")  # another folder's notebook is never this kernel's
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "elsewhere" / "loss_ada.ipynb"))
    assert notebook_path("loss") == "loss.ipynb"


# ------------------------------------------------------------------ notebook_path asks the Jupyter server
class _Server:
    """A stand-in Jupyter server: GET /api/sessions with the right token lists one session per (kernel id, path)."""

    def __init__(self, token: str, sessions: list[tuple[str, str]]) -> None:
        self.sessions, self.seen = sessions, []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                owner.seen.append((self.path, self.headers.get("Authorization")))
                if self.path != "/api/sessions" or self.headers.get("Authorization") != f"token {token}":
                    self.send_response(403)
                    self.end_headers()
                    return
                body = json.dumps([{"id": f"s{k}", "path": p, "type": "notebook", "kernel": {"id": kid}}
                                   for k, (kid, p) in enumerate(owner.sessions)]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    """This process as a kernel a Jupyter server started: a connection file in the server's runtime folder."""
    import ipykernel.connect  # a dependency of the tools and of the kit

    runtime = tmp_path / "runtime"
    runtime.mkdir()
    connection = runtime / "kernel-1234-abcd.json"
    connection.write_text("{}")
    monkeypatch.setattr(ipykernel.connect, "get_connection_file", lambda app=None: str(connection))
    return runtime


def _server_file(runtime: Path, pid: int, url: str, root: Path, token: str) -> None:
    (runtime / f"jpserver-{pid}.json").write_text(json.dumps({"url": url, "token": token, "root_dir": str(root),
                                                              "pid": pid}))


def test_notebook_path_follows_a_rename_mid_session_through_the_server(tmp_path, monkeypatch, kernel):
    """Issue 16 #4: after a rename, JPY_SESSION_NAME still names the old file, and the folder may hold other copies
    of the assignment (newer ones too); the server that runs the kernel knows the notebook's name now."""
    root = tmp_path / "root"
    (root / "week 1").mkdir(parents=True)
    monkeypatch.chdir(root / "week 1")
    _nb(root / "week 1" / "loss_ada.ipynb", "loss")
    _nb(root / "week 1" / "loss.ipynb", "loss")  # newer, and named like the assignment: not the one open
    monkeypatch.setenv("JPY_SESSION_NAME", str(root / "week 1" / "loss (1).ipynb"))  # the name before the rename
    server = _Server("secret", [("other-kernel", "week 1/loss.ipynb"), ("1234-abcd", "week 1/loss_ada.ipynb")])
    _server_file(kernel, os.getppid(), server.url, root, "secret")
    assert notebook_path("loss") == "loss_ada.ipynb"
    assert server.seen == [("/api/sessions", "token secret")]
    assert jupyter_can_save()  # the export cell's force_save: a Jupyter server runs this kernel


def test_notebook_path_asks_every_server_of_the_runtime_folder_and_survives_dead_ones(tmp_path, monkeypatch, kernel):
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.chdir(root)
    _nb(root / "loss.ipynb", "loss")
    _nb(root / "loss_ada.ipynb", "loss")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _server_file(kernel, os.getppid(), "http://127.0.0.1:9/", root, "x")  # the parent's file, nobody listening
    (kernel / "jpserver-77.json").write_text("not json")
    other = _Server("t2", [("1234-abcd", "loss_ada.ipynb")])  # e.g. a kernel started through a wrapper script
    _server_file(kernel, 78, other.url, root, "t2")
    assert notebook_path("loss") == "loss_ada.ipynb"
    other.sessions = [("1234-abcd", "notes.ipynb")]  # the server's notebook is not this assignment's: fall back
    assert notebook_path("loss") == "loss.ipynb"


def test_notebook_path_refuses_a_notebook_moved_to_another_folder(tmp_path, monkeypatch, kernel):
    root = tmp_path / "root"
    (root / "archive").mkdir(parents=True)
    (root / "work").mkdir()
    monkeypatch.chdir(root / "work")
    _nb(root / "archive" / "loss.ipynb", "loss")
    server = _Server("t", [("1234-abcd", "archive/loss.ipynb")])
    _server_file(kernel, os.getppid(), server.url, root, "t")
    with pytest.raises(FileNotFoundError, match="not in the folder its kernel started in"):
        notebook_path("loss")
    (root / "work" / "sub").mkdir()
    _nb(root / "work" / "sub" / "loss.ipynb", "loss")
    server.sessions = [("1234-abcd", "work/sub/loss.ipynb")]  # Otter would zip it as sub/loss.ipynb
    with pytest.raises(FileNotFoundError, match="not in the folder its kernel started in"):
        notebook_path("loss")
    server.sessions = []  # no server runs this kernel (nbclient, VS Code): Otter would wait for a save in vain
    assert not jupyter_can_save()


def test_notebook_path_outside_a_kernel_asks_no_server(tmp_path, monkeypatch):
    monkeypatch.setattr(runtime_notebook, "_session_path", lambda *a: pytest.fail("asked a server"))
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert runtime_notebook.server_session_path() is None


# ------------------------------------------------------------------ feedback in the notebook
def _data(test: CheckTest) -> dict:
    return {"question": "q1", "forbidden": [], "setup": {"default": ""}, "variants": {"default": asdict(test)}}


def test_check_of_a_function_whose_cell_was_not_run_says_to_run_it():
    """Issue 16 #5: a NameError said only that the name is not defined."""
    data = _data(CheckTest("q1 total", "sequence_total([1.2, 0.5, 2.3])", 4.0))
    with pytest.raises(AssertionError, match=r"q1 total: sequence_total is not defined: run the cell that defines it"):
        check({"LMCOURSE_VARIANT": "default"}, data)
    check({"LMCOURSE_VARIANT": "default", "sequence_total": sum}, data)  # defined: no complaint


def test_check_feedback_html_is_escaped_and_breaks_between_words(tmp_path):
    """Issue 16 #5: JupyterLab's `<pre>` style broke long feedback lines mid-word, and Otter puts the feedback into
    HTML unescaped, so "<unk>" vanished from it."""
    from otter.test_files.exception_test import ExceptionTestFile

    message = "you dropped the unknown token; map it to the id of <unk> instead."
    t = CheckTest("q3 ids", "f()", 1.0, mistakes=[Mistake("dropped-unknown", 2.0, message)])
    path = tmp_path / "q3.py"
    path.write_text("from otter.test_files import test_case\n\nOK_FORMAT = False\nname = 'q3'\npoints = None\n\n"
                    "@test_case(points=1, hidden=False)\ndef test_q3(env):\n    import json\n"
                    "    from autograder.runtime import check\n"
                    f"    data = json.loads({json.dumps(_data(t))!r})\n    check(env, data)\n")
    tf = ExceptionTestFile.from_file(str(path))
    tf.run({"f": lambda: 2.0, "LMCOURSE_VARIANT": "default"})
    html = tf._repr_html_()
    assert "id of &lt;unk&gt; instead" in html and "<unk>" not in html
    assert f"<pre style='{PRE_STYLE}'>" in html and "word-break: normal" in PRE_STYLE
    assert tf.test_case_results[0].message.endswith(f"\nq3 ids: {message}")  # the text output is unchanged
    assert message in repr(tf)
