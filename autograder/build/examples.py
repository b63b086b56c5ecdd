"""Example submissions (examples/submissions/<id>/): a correct one, a blank one and one per example mistake, made
from a built student notebook by filling its answer cells. The mistakes come from each question folder's
mistakes.py (EXAMPLES: example name -> a wrong version of the question's function).

`python -m autograder.build.examples --update [ID ...]` rewrites the notebooks and expected.json, whose totals are
computed here by running each notebook's code and the assignment's checks in this process (the tests assert that
stock `otter run` and `lmcourse grade` give the same totals).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import nbformat

from autograder.build.notebook import write_notebook
from autograder.course.content import ROOT, assignment_ids, load_assignment
from autograder.runtime.checks import Checks


def defined_functions(source: str) -> set[str]:
    """The names of the top-level functions a piece of source code defines."""
    return set(re.findall(r"^def (\w+)\(", source, flags=re.M))


def fill(student: nbformat.NotebookNode, solution: nbformat.NotebookNode, keys: dict[str, list[str]] | None = None,
         replace: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The student notebook with every answer cell filled from the solution notebook (cells pair up in order).

    keys: MCQ answers for the student's variant ({"q7": ["B"]}); replace: function name -> replacement source.
    """
    nb = nbformat.from_dict(student)
    answers = [c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])]
    sols = [c for c in solution.cells if "otter_assign_solution_cell" in c.metadata.get("tags", [])]
    if len(answers) != len(sols):
        raise ValueError(f"{len(answers)} answer cells but {len(sols)} solution cells")
    for cell, sol in zip(answers, sols, strict=True):
        source = sol.source
        for name, new in (replace or {}).items():
            if name in defined_functions(source):
                source = re.sub(rf"^def {name}\(.*?(?=^\S|\Z)", new, source, flags=re.M | re.S)
        for q, key in (keys or {}).items():
            source = re.sub(rf"^{q}_answer = .*$", f"{q}_answer = {', '.join(key)!r}", source, flags=re.M)
        cell.source = source
    return nb


def mcq_keys(checks_json: Path) -> dict[str, list[str]]:
    d = json.loads(checks_json.read_text(encoding="utf-8"))
    return {q["name"]: t["expect"] for q in d["questions"] if q["kind"] == "mcq" for t in q["tests"]
            if t["kind"] == "choice"}


def mistakes(assignment: str, root: Path = ROOT) -> dict[str, dict[str, str]]:
    """Example name -> {function name: replacement source}, from every question folder's mistakes.py."""
    out: dict[str, dict[str, str]] = {}
    for q in load_assignment(assignment, root).questions:
        for name, source in q.example_mistakes().items():
            (fn,) = defined_functions(source) or {None}
            if fn is None:
                raise ValueError(f"{q.path / 'mistakes.py'}: example {name!r} defines no function")
            if name in out:
                raise ValueError(f"{q.path / 'mistakes.py'}: example {name!r} is defined by another question too")
            out[name] = {fn: source}
    return out


def make_examples(assignment: str, built: Path, out: Path) -> list[str]:
    """Write correct/blank/mistake notebooks for `assignment` from a build in `built`; returns their file names."""
    student = nbformat.read(built / assignment / "student" / f"{assignment}.ipynb", as_version=4)
    solution = nbformat.read(built / assignment / "autograder" / f"{assignment}.ipynb", as_version=4)
    out.mkdir(parents=True, exist_ok=True)
    write_notebook(fill(student, solution), out / "correct.ipynb")
    write_notebook(student, out / "blank.ipynb")
    for name, replace in mistakes(assignment).items():
        write_notebook(fill(student, solution, replace=replace), out / f"{name}.ipynb")
    return sorted(["correct.ipynb", "blank.ipynb", *(f"{n}.ipynb" for n in mistakes(assignment))])


def score(notebook: Path, checks: Checks) -> float:
    """The points a notebook earns: its code cells run in one namespace (Otter's lines left out), then each test
    through the same `autograder.runtime.otter.check` the Otter test cells call."""
    from dataclasses import asdict

    from autograder.runtime.otter import check

    nb = nbformat.read(notebook, as_version=4)
    env: dict = {"__name__": "__main__"}
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(), \
            contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        os.chdir(tmp)
        try:
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                lines = [ln for ln in cell.source.split("\n")
                         if not re.match(r"\s*(import otter|from autograder\.runtime import|grader\s*=|grader\.)", ln)]
                try:
                    exec(compile("\n".join(lines), "<cell>", "exec"), env)
                except Exception:  # a failing cell goes on, as in a kernel run with errors allowed
                    pass
            total = 0.0
            for q in checks.questions:
                got = 0.0
                for t in q.tests:
                    data = {"question": q.name, "forbidden": q.forbidden, "setup": {checks.variant: checks.setup},
                            "variants": {checks.variant: asdict(t)}}
                    try:
                        check({**env, "LMCOURSE_VARIANT": checks.variant}, data)
                        got += t.points
                    except AssertionError:
                        pass
                possible = sum(t.points for t in q.tests)
                total += q.points * got / possible if possible else 0.0
        finally:
            os.chdir(cwd)
    return round(total, 6)


def update(assignment: str, out_root: Path = ROOT / "examples" / "submissions") -> dict[str, float]:
    """Rebuild the default variant, rewrite the examples and expected.json (computed totals).

    Refuses (ValueError, nothing written) when the solution does not score every point or the blank notebook
    scores any: expected.json would then record a broken build as the truth."""
    from autograder.build import build_assignment

    with tempfile.TemporaryDirectory() as tmp:
        build_assignment(assignment, Path(tmp), [], None)
        checks = Checks.from_json((Path(tmp) / assignment / "autograder" / "checks" / "default.json").read_text())
        staged = Path(tmp) / "examples"
        names = make_examples(assignment, Path(tmp), staged)
        expected = {name: score(staged / name, checks) for name in names}
        possible = sum(q.points for q in checks.questions)
        if expected["correct.ipynb"] != possible or expected["blank.ipynb"] != 0:
            raise ValueError(f"{assignment}: the solution scores {expected['correct.ipynb']:g}/{possible:g} and the "
                             f"blank notebook {expected['blank.ipynb']:g}; nothing written to {out_root / assignment} "
                             f"(run `lmcourse prove {assignment}` to see which test fails)")
        out = out_root / assignment
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.ipynb"):
            old.unlink()
        for name in names:
            shutil.copyfile(staged / name, out / name)
    expected = {k: int(v) if float(v).is_integer() else v for k, v in expected.items()}
    (out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return expected


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.build.examples", description=__doc__.split("\n")[0])
    parser.add_argument("ids", nargs="*", help="assignments (default: all)")
    parser.add_argument("--update", action="store_true", required=True,
                        help="rewrite examples/submissions/<id>/ and expected.json")
    args = parser.parse_args(argv)
    for a in args.ids or assignment_ids():
        try:
            expected = update(a)
        except ValueError as e:
            raise SystemExit(f"python -m autograder.build.examples: {e}") from e
        print(f"{a}: {len(expected)} examples written to examples/submissions/{a} ({expected})")


if __name__ == "__main__":
    main()
