"""Render an assignment's Jinja2 template into an Otter master notebook, and turn test data into Otter test cells.

Template text is a sequence of cells, each introduced by a marker line:
    #%% markdown key=q1.prompt      (a markdown cell; `key` tags cells whose text depends on the variant)
    #%% code key=setup              (a code cell)
    #%% raw                         (a raw cell: Otter's `# BEGIN QUESTION`, `# BEGIN SOLUTION`, ... delimiters)
Keys travel in cell metadata (`metadata.lmcourse.key`), which Otter Assign keeps, so a per-student notebook can be
made from Otter's student notebook by swapping the keyed cells' text for the student's variant.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jinja2
import nbformat

from autograder.runtime.checks import Checks

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^#%% (markdown|code|raw)(?: key=(\S+))?\s*$")
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def parse_cells(text: str) -> list[nbformat.NotebookNode]:
    """Split rendered template text at marker lines into notebook cells (trailing blank lines dropped)."""
    cells: list[nbformat.NotebookNode] = []
    kind, key, lines = None, None, []

    def flush() -> None:
        if kind is None:
            return
        source = "\n".join(lines).strip("\n")
        new = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell,
               "raw": nbformat.v4.new_raw_cell}[kind]
        cell = new(source)
        if key:
            cell.metadata["lmcourse"] = {"key": key}
        if key == "variant":  # the first code cell: LMCOURSE_VARIANT and Otter's grader; locked like Otter's own
            cell.metadata.update({"deletable": False, "editable": False})
        cells.append(cell)

    for line in text.split("\n"):
        m = MARKER.match(line)
        if m:
            flush()
            kind, key, lines = m.group(1), m.group(2), []
        elif kind is not None:
            lines.append(line)
        elif line.strip():
            raise ValueError(f"template text before the first '#%%' cell marker: {line!r}")
    flush()
    return cells


def solution_source(assignment: str, name: str) -> str:
    """The reference fill-in solutions/<assignment>/<name>.py, spliced into a solution cell."""
    path = ROOT / "solutions" / assignment / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing reference solution for {assignment}/{name}")
    return path.read_text(encoding="utf-8").strip("\n")


def test_cells(by_variant: dict[str, Checks], question: str) -> str:
    """Otter exception-based test cells for one question, carrying every variant's expectations.

    Each cell is one Otter test case whose body calls `autograder.runtime.otter.check`, which picks the notebook's own
    variant (LMCOURSE_VARIANT) and evaluates the probe in the student's namespace. Hidden tests (all MCQ keys) are
    marked `hidden: true`, so Otter keeps them out of every student file.
    """
    default = by_variant["default"]
    q = next(q for q in default.questions if q.name == question)
    out = ["#%% raw", "# BEGIN TESTS"]
    for i, t in enumerate(q.tests):
        data = {
            "question": q.name,
            "forbidden": q.forbidden,
            "setup": {v: c.setup for v, c in sorted(by_variant.items())},
            "variants": {v: _test_dict(c, question, i) for v, c in sorted(by_variant.items())},
        }
        out += [
            "#%% code",
            '""" # BEGIN TEST CONFIG',
            f"points: {t.points}",
            f"hidden: {'true' if t.hidden else 'false'}",
            '""" # END TEST CONFIG',
            f"def test_{re.sub(r'[^0-9a-zA-Z_]', '_', t.name)}(env):",
            "    import json",
            "    from autograder.runtime import check",
            f"    data = json.loads({json.dumps(data, sort_keys=True)!r})",
            "    check(env, data)",
        ]
    out += ["#%% raw", "# END TESTS"]
    return "\n".join(out)


def _test_dict(checks: Checks, question: str, index: int) -> dict[str, Any]:
    from dataclasses import asdict

    q = next(q for q in checks.questions if q.name == question)
    return asdict(q.tests[index])


def render_master(assignment: str, params: dict[str, Any], by_variant: dict[str, Checks], variant: str,
                  student_id: str | None = None, context: dict[str, Any] | None = None,
                  with_tests: bool = True) -> nbformat.NotebookNode:
    """Render assignments/<assignment>/master.ipynb.j2 with one variant's parameters into an Otter master notebook.

    with_tests=False leaves the test cells out (enough to re-render a student's variant-dependent cells).
    """
    template = _template(assignment)
    text = template.render(
        p=params,
        variant=variant,
        solution=lambda name: solution_source(assignment, name),
        tests=(lambda question: test_cells(by_variant, question)) if with_tests else (lambda question: ""),
        **(context or {}),
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = parse_cells(text)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["lmcourse"] = {"assignment": assignment, "variant": variant, "student_id": student_id}
    return nb


@functools.cache
def _template(assignment: str) -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ROOT / "assignments" / assignment)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["py"] = _py
    return env.get_template("master.ipynb.j2")


def _py(value: Any) -> str:
    """A Python literal for a value in a code cell (floats keep their full repr so probes match exactly)."""
    return repr(value)


def stable_ids(nb: nbformat.NotebookNode, assignment: str) -> nbformat.NotebookNode:
    """Replace random cell ids by positional ones so the same inputs give byte-identical notebooks."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{assignment}-{i:03d}"
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
