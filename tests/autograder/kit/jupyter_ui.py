"""A real Jupyter server (JupyterLab 4 and Notebook 7 in one) and a real browser (Debian's chromium, driven by
playwright) for the student-flow tests: a student opens a notebook, types answers, runs cells, renames the notebook.

The server runs from the tools venv (the `dev` extras install jupyterlab, notebook and playwright) on 127.0.0.1 with
a random token, a temporary root folder, its own runtime/config/settings folders, and one kernel spec, `python3`,
pointing at the venv the test gives (the student kit's venv), so notebooks run exactly on what students install.
Autosave is off, so what is on disk is what the student saved (here: nothing) until the export cell saves.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from .venvs import clean_env

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's package; `make test` installs it
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
UIS = {"lab": "JupyterLab 4", "notebook": "Notebook 7"}
TIMEOUT_MS = 300_000  # one cell (the training assignment's checks train a model)
PROMPT_DONE = re.compile(r"^\[\d+\]:?$")


class JupyterServer:
    """`jupyter lab` on 127.0.0.1:<free port>, serving `root`; kernels run `kernel_python`."""

    def __init__(self, root: Path, kernel_python: Path, tmp: Path) -> None:
        self.root, self.token = root, secrets.token_hex(16)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        kernels = tmp / "jupyter-path" / "kernels" / "python3"
        kernels.mkdir(parents=True)
        (kernels / "kernel.json").write_text(json.dumps({
            "argv": [str(kernel_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (student kit)", "language": "python"}))
        settings = tmp / "lab-settings" / "@jupyterlab" / "docmanager-extension"
        settings.mkdir(parents=True)
        (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
        env = clean_env(tmp)
        env.update(JUPYTER_PATH=str(tmp / "jupyter-path"), JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
                   JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"), JUPYTERLAB_SETTINGS_DIR=str(tmp / "lab-settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log = (tmp / "jupyter.log").open("w")
        self.process = subprocess.Popen(cmd, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.api("GET", "status")
                break
            except OSError:
                assert self.process.poll() is None and time.monotonic() < deadline, \
                    f"jupyter lab did not start: {(tmp / 'jupyter.log').read_text()[-3000:]}"
                time.sleep(0.5)

    def api(self, method: str, path: str) -> object:
        request = urllib.request.Request(f"{self.base}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None

    def url(self, ui: str, path: str, workspace: str) -> str:
        """The page a student opens for notebook `path` (relative to the root) in `ui`; logs in with the token."""
        quoted = urllib.parse.quote(path)
        page = f"lab/workspaces/{workspace}/tree/{quoted}" if ui == "lab" else f"notebooks/{quoted}"
        return f"{self.base}/{page}?token={self.token}"

    def shut_down_kernels(self) -> None:
        for s in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{s['id']}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class NotebookPage:
    """One notebook open in one browser page, driven as a student does: clicks, keys, menus."""

    def __init__(self, page, ui: str, url: str, n_cells: int) -> None:
        self.page, self.ui = page, ui
        page.goto(url)
        page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-Cell').length == {n_cells}",
                               timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=120_000)
        self.cells = page.locator(".jp-Notebook .jp-Cell")

    def prompt(self, i: int) -> str:
        return (self.cells.nth(i).locator(".jp-InputPrompt").text_content() or "").strip()  # rendered or not

    def select(self, i: int) -> None:
        """Click the cell's prompt: selects it in command mode."""
        cell = self.cells.nth(i)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").click()

    def type_answer(self, i: int, text: str) -> None:
        """Replace cell i's text: click into its editor, select all, type (as one input, no auto-indent)."""
        cell = self.cells.nth(i)
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")

    def menu(self, top: str, item: str) -> None:
        self.page.click(f".lm-MenuBar-itemLabel:text-is('{top}')")
        self.page.click(f".lm-Menu-item:visible:has-text('{item}')")

    def run_all_above(self, i: int) -> None:
        """Run > Run All Above Selected Cell, with cell i selected; returns when the last code cell above has run."""
        last = max(j for j in range(i) if "jp-CodeCell" in (self.cells.nth(j).get_attribute("class") or ""))
        before = self.prompt(last)
        self.select(i)
        self.menu("Run", "Run All Above Selected Cell")
        self.wait_ran(last, before)

    def run(self, i: int) -> None:
        """Select cell i and press Ctrl+Enter (run it, stay on it); returns when it has run."""
        before = self.prompt(i)
        self.select(i)
        self.page.keyboard.press("Control+Enter")
        self.wait_ran(i, before)

    def wait_ran(self, i: int, before: str) -> None:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            now = self.prompt(i)
            if now != before and PROMPT_DONE.match(now):
                return
            assert time.monotonic() < deadline, f"cell {i} did not finish running (prompt {now!r})"
            self.page.wait_for_timeout(250)

    def link(self, i: int) -> str:
        """The URL cell i's output links to for download (resolved by the browser, as a click would fetch it)."""
        a = self.cells.nth(i).locator(".jp-OutputArea a[download]")
        a.wait_for(timeout=TIMEOUT_MS)
        return a.evaluate("e => e.href")

    def feedback(self) -> list[tuple[str, str]]:
        """(text as rendered, CSS word-break) of every failed check's feedback block (Otter's `<pre>`, restyled by the
        runtime) on the page."""
        return self.page.evaluate("""() => [...document.querySelectorAll(
            '.jp-OutputArea-output pre[style*="word-break"]')]
            .map(p => [p.textContent, getComputedStyle(p).wordBreak])""")

    def rename(self, name: str) -> None:
        """File > Rename…: type the new name, press Rename."""
        self.menu("File", "Rename")
        box = self.page.locator(".jp-Dialog input")
        box.fill(name)
        self.page.click(".jp-Dialog button.jp-mod-accept")
        self.page.locator(".jp-Dialog").wait_for(state="detached")
