"""Render the base notebook template (templates/notebook.ipynb.j2) with an assignment's content into an
Otter master notebook, and turn test data into Otter test cells.

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

from autograder.build.mcq import MCQ
from autograder.course.content import ROOT, Assignment, QuestionDir
from autograder.course.variants import DEFAULT
from autograder.runtime.checks import Checks

__all__ = ["ROOT", "parse_cells", "render_master", "stable_ids", "test_cells", "write_notebook"]
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
        if key in ("variant", "submit", "submit.text"):  # the first code cell (LMCOURSE_VARIANT, Otter's grader)
            # and the submit cells (text, export): locked like Otter's own
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


def solution_source(a: Assignment, q: QuestionDir) -> str:
    """The reference fill-in solutions/<assignment>/<slug>.py, spliced into a solution cell."""
    path = a.solution_path(q)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing reference solution for {a.id}/{q.path.name}")
    return path.read_text(encoding="utf-8").strip("\n")


def test_cells(by_variant: dict[str, Checks], question: str) -> str:
    """Otter exception-based test cells for one question, carrying every variant's expectations.

    Each cell is one Otter test case whose body calls `autograder.runtime.otter.check`, which picks the notebook's own
    variant (LMCOURSE_VARIANT) and evaluates the probe in the student's namespace. Hidden tests (all MCQ keys) are
    marked `hidden: true`, so Otter keeps them out of every student file. A test's success_message is shown when it
    passes (the MCQ format check says the answer is recorded, not graded).
    """
    default = by_variant[DEFAULT]
    q = next(q for q in default.questions if q.name == question)
    out = ["#%% raw", "# BEGIN TESTS"]
    for i, t in enumerate(q.tests):
        data = {
            "question": q.name,
            "forbidden": q.forbidden,
            "setup": {v: c.setup for v, c in sorted(by_variant.items())},
            "variants": {v: _test_dict(c, question, i) for v, c in sorted(by_variant.items())},
        }
        config = [f"points: {t.points}", f"hidden: {'true' if t.hidden else 'false'}"]
        if t.success_message:
            config.append(f"success_message: {json.dumps(t.success_message)}")
        out += [
            "#%% code",
            '""" # BEGIN TEST CONFIG',
            *config,
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


def render_master(a: Assignment, params: dict[str, Any], by_variant: dict[str, Checks], variant: str,
                  mcqs: dict[str, MCQ], student_id: str | None = None, with_tests: bool = True
                  ) -> nbformat.NotebookNode:
    """Render the base template with one variant's parameters into an Otter master notebook.

    with_tests=False leaves the test cells out (enough to re-render a student's variant-dependent cells).
    """
    questions = []
    for q in a.questions:
        tests = test_cells(by_variant, q.name) if with_tests else ""
        if q.kind == "mcq":
            mcq = mcqs[q.name]
            questions.append({"name": q.name, "kind": "mcq", "prompt": mcq.markdown(q.number, f"{q.name}_answer"),
                              "key": ", ".join(mcq.key), "tests": tests,
                              "form": "the letters of the correct options" if len(mcq.key) > 1 else
                              "the letter of the one correct option"})
        else:
            prompt = _content_template(a.path.parent.parent, q.path / "prompt.md.j2").render(p=params,
                                                                                           number=q.number)
            questions.append({"name": q.name, "kind": "code", "prompt": prompt.strip("\n"),
                              "solution": solution_source(a, q), "tests": tests})
    intro = _content_template(a.path.parent.parent, a.path / "intro.md.j2").render(p=params, title=a.title)
    text = _base_template().render(a={"id": a.id, "title": a.title}, variant=variant, intro=intro.strip("\n"),
                                   setup=a.module.data_cell(params), questions=questions)
    nb = nbformat.v4.new_notebook()
    nb.cells = parse_cells(text)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["lmcourse"] = {"assignment": a.id, "variant": variant, "student_id": student_id}
    return nb


def _environment(path: Path) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(path)), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, autoescape=False)
    env.filters["py"] = _py
    return env


@functools.cache
def _base_template() -> jinja2.Template:
    return _environment(Path(__file__).resolve().parent / "templates").get_template("notebook.ipynb.j2")


@functools.cache
def _content_template(root: Path, path: Path) -> jinja2.Template:
    try:
        return _environment(root).get_template(path.relative_to(root).as_posix())
    except jinja2.TemplateSyntaxError as e:
        raise ValueError(f"{path}:{e.lineno}: {e.message}") from e


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
