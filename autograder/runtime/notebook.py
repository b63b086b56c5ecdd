"""Which notebook file the student's kernel runs: the name Otter's `grader` is given in the first cell and at export.

Otter 7's `Notebook.export(nb_path)` stores the notebook in the zip under the path it is given (`ZipFile.write`), names
the zip after it and links the zip by that same path, so the path must be the notebook's bare file name in the
kernel's working folder (Jupyter starts a kernel in its notebook's folder): an absolute path would put the notebook
under `home/.../` inside the zip, where stock `otter run` and Gradescope find no notebook, and would make the download
link point outside Jupyter's files (404).

Students rename notebooks, also mid-session (`loss (1).ipynb`, `loss_ada.ipynb`), and the kernel's JPY_SESSION_NAME
keeps the name the kernel started with. So the current name is asked of the Jupyter server running this kernel: its
runtime file `jpserver-<pid>.json` (next to the kernel's connection file) gives its URL and token, and its sessions
API maps this kernel's id to the notebook's path now. Without a server (nbclient, `otter run`, other front ends) the
name comes from JPY_SESSION_NAME, then `<assignment>.ipynb`, then the newest notebook of this assignment in the
folder. Every candidate must be a notebook whose metadata says it is this assignment.

`jupyter_can_save()` tells the export cell whether Otter's force_save can work here (the same server lookup).

This module runs in the student's process: it reads files and asks the student's own Jupyter server, nothing else.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from typing import Any

TIMEOUT_S = 2.0  # per Jupyter server asked; a server that does not answer costs the export this much, once


def notebook_path(assignment: str, directory: str = ".") -> str | None:
    """The notebook of `assignment` this kernel runs, as a path relative to `directory` (its bare file name for the
    default `directory`, the kernel's working folder). None (Otter then runs without public tests) when none is found.

    Raises FileNotFoundError when the Jupyter server says the notebook now lies in another folder than `directory`
    (moved mid-session): Otter could not zip it at the top level.
    """
    here = os.path.abspath(directory)

    def mine(path: str) -> bool:
        try:
            with open(path, encoding="utf-8") as f:
                meta = json.load(f).get("metadata", {})
        except (OSError, ValueError, AttributeError):
            return False
        return isinstance(meta, dict) and (meta.get("lmcourse") or {}).get("assignment") == assignment

    def relative(path: str) -> str:
        if os.path.dirname(os.path.abspath(path)) != here:  # Otter would zip it as ../x.ipynb or sub/x.ipynb
            raise FileNotFoundError(
                f"this notebook is now {path}, not in the folder its kernel started in ({here}); move it back, or "
                "restart the kernel (Kernel > Restart Kernel) and run every cell again")
        return os.path.normpath(os.path.join(directory, os.path.basename(path)))

    current = server_session_path()
    if current is not None and mine(current):
        return relative(current)
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb"):
        session = session if os.path.isabs(session) else os.path.join(here, session)
        if os.path.isfile(session) and mine(session) and os.path.dirname(os.path.abspath(session)) == here:
            return relative(session)
    default = os.path.join(here, f"{assignment}.ipynb")
    if os.path.isfile(default) and mine(default):
        return relative(default)
    candidates = [p for p in glob.glob(os.path.join(glob.escape(here), "*.ipynb")) if mine(p)]
    return relative(max(candidates, key=os.path.getmtime)) if candidates else None


def jupyter_can_save() -> bool:
    """Whether Otter's `force_save` can save this notebook before the export zips it: a Jupyter server runs this
    kernel (JupyterLab 4, Notebook 7; Otter asks the page to save through ipylab). Elsewhere (VS Code, nbclient,
    grading) nothing would answer, and Otter would wait 10 s before zipping the notebook as last saved."""
    return server_session_path() is not None


def server_session_path() -> str | None:
    """The absolute path the Jupyter server running this kernel has for its notebook now (after any rename), or
    None outside a Jupyter server's kernel or when no server answers."""
    if "ipykernel" not in sys.modules:  # not a kernel: no server to ask
        return None
    try:
        from ipykernel.connect import get_connection_file

        connection = get_connection_file()
    except Exception:  # not a running kernel app
        return None
    kernel_id = os.path.basename(connection).removeprefix("kernel-").removesuffix(".json")
    runtime = os.path.dirname(connection)
    parent = os.path.join(runtime, f"jpserver-{os.getppid()}.json")  # a local kernel is its server's child
    servers = sorted(glob.glob(os.path.join(glob.escape(runtime), "jpserver-*.json")), key=lambda p: p != parent)
    for server in servers:
        try:
            with open(server, encoding="utf-8") as f:
                info = json.load(f)
            path = _session_path(info, kernel_id)
        except Exception:  # an unreadable file, a server gone or not answering: ask the next one
            continue
        if path is not None:
            return path
    return None


def _session_path(info: dict[str, Any], kernel_id: str) -> str | None:
    """Ask one server (its runtime file's `url`, `token`, `root_dir`) which notebook runs `kernel_id`."""
    import ssl
    import urllib.request

    url, root = info.get("url"), info.get("root_dir")
    if not url or not root:  # a server on a unix socket, or an unknown layout
        return None
    token = info.get("token") or os.environ.get("JUPYTERHUB_API_TOKEN", "")
    request = urllib.request.Request(url.rstrip("/") + "/api/sessions",
                                     headers={"Authorization": f"token {token}"} if token else {})
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]  # never through a proxy
    if url.startswith("https:"):  # the student's own server, often with a self-signed certificate
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    with urllib.request.build_opener(*handlers).open(request, timeout=TIMEOUT_S) as response:
        sessions = json.load(response)
    for s in sessions:
        if (s.get("kernel") or {}).get("id") == kernel_id and str(s.get("path", "")).endswith(".ipynb"):
            return os.path.join(root, *str(s["path"]).split("/"))
    return None
