"""Build one assignment: render it (found by folder, see autograder/course/content.py) into the base notebook
template, run Otter Assign once, and write per-student variants.

Output per assignment id (see README "Assignments and variants"):
    DIR/<id>/student/<id>.ipynb               default-variant student notebook (Otter Assign's, ids made stable)
    DIR/<id>/student/<student_id>/<id>.ipynb  with --roster: each student's own variant
    DIR/<id>/autograder/<id>.ipynb            solution notebook, as Otter Assign writes it
    DIR/<id>/autograder/autograder.zip        Otter autograder zip (+ lmcourse/checks/*.json, lmcourse/variants.csv)
    DIR/<id>/autograder/checks/<variant>.json one autograder.runtime.checks document per variant
    DIR/<id>/variants.csv                     with --roster: student_id,variant
Otter Assign runs once per assignment on a master notebook whose test cells carry every variant's expectations;
per-student notebooks are Otter's student notebook with the variant-dependent (keyed) cells re-rendered, so a
300-student roster costs one Otter run plus 300 template renders.
"""

from __future__ import annotations

import ast
import json
import math
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

from autograder.build.mcq import MCQ, draw
from autograder.build.notebook import render_master, stable_ids, write_notebook
from autograder.course.content import Assignment, ContentError, load_assignment, write_names
from autograder.course.mistakes import checked_words
from autograder.course.variants import DEFAULT, Student, variant_id, variant_seed
from autograder.runtime.checks import Checks, Question
from autograder.runtime.requirements import honest


def variant_params(a: Assignment, variant: str) -> dict:
    """The assignment's parameters for a variant: its params(seed), the tool passing the variant's seed in."""
    return a.module.params(variant_seed(variant))


def draw_mcqs(a: Assignment, variant: str) -> dict[str, MCQ]:
    """Each MCQ question's quiz item, drawn for this variant."""
    return {q.name: draw(q.item, variant) for q in a.questions if q.kind == "mcq"}


def make_checks(a: Assignment, params: dict, mcqs: dict[str, MCQ], variant: str) -> Checks:
    """One variant's checks: each question folder's checks.question(p, name), the MCQs' format and key tests.

    A question's points are its tests' points: stock Otter adds up the tests' points (each test cell's `points:`),
    `lmcourse grade` reads Question.points, so a Question whose points differ from its tests' sum is refused here
    rather than graded two ways."""
    questions = []
    for q in a.questions:
        if q.kind == "mcq":
            questions.append(mcqs[q.name].question(q.name, q.points))
            continue
        built = q.checks_module().question(params, q.name)
        if not isinstance(built, Question) or built.name != q.name:
            raise ContentError(f"{q.path / 'checks.py'}: question(p, name) must return a Question named {q.name!r}")
        check_points(built, q.path / "checks.py")
        try:  # a passing public check says what hidden tests still check (REQUIREMENTS, in the prompt's words)
            questions.append(honest(built, getattr(q.checks_module(), "REQUIREMENTS", [])))
        except ValueError as e:  # a requirement naming a test the question does not have
            raise ContentError(f"{q.path / 'checks.py'}: {e}") from None
    setup = a.module.data_cell(params)
    helpers = getattr(a.module, "PROBE_HELPERS", "")
    return Checks(a.id, questions, variant=variant, setup=setup + ("\n" + helpers if helpers else ""),
                  mistakes=checked_words(a, questions))  # an unknown mistake id stops the build here


def check_points(q: Question, where: Path) -> None:
    """Refuse a question whose declared points differ from the sum of its tests' points (ContentError naming
    `where`)."""
    total = sum(t.points for t in q.tests)
    if not math.isclose(q.points, total, rel_tol=0, abs_tol=1e-9):
        detail = " + ".join(f"{t.points:g} ({t.name})" for t in q.tests)
        raise ContentError(f"{where}: {q.name} is declared with {q.points:g} points but its tests are worth "
                           f"{detail} = {total:g}; stock Otter would grade it out of {total:g} and lmcourse grade out "
                           f"of {q.points:g}. Make Question(name, points, tests) declare {total:g}, or change the "
                           "tests' points")


def _same_shape(a: Checks, b: Checks) -> bool:
    def shape(c: Checks) -> list:
        return [(q.name, q.points, q.kind, [(t.name, t.points, t.hidden) for t in q.tests]) for q in c.questions]

    return shape(a) == shape(b)


def build_assignment(assignment: str, out: Path, students: list[Student], seed: int | None,
                     renumber: bool = False) -> dict:
    """Build one assignment into out/<assignment>/; returns a small summary.

    First brings assignments/<id>/names.toml up to date (a new question folder gets the next unused name;
    renumber=True renames every question in folder order), so the names handed out stay stable.
    Runs torch with one thread: the reference numbers come from tiny tensors, where a thread pool only adds
    overhead (60x slower on a busy 2-core machine). Results are the same either way.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        names = write_names(assignment, renumber=renumber)
        return {**_build_assignment(assignment, out, students, seed), "names": names}
    finally:
        torch.set_num_threads(threads)


def _build_assignment(assignment: str, out: Path, students: list[Student], seed: int | None) -> dict:
    a = load_assignment(assignment)
    t0 = time.perf_counter()
    mapping = {s.student_id: variant_id(assignment, s.student_id, seed or 0) for s in students}
    variants = [DEFAULT, *sorted(set(mapping.values()))]
    params = {v: variant_params(a, v) for v in variants}
    mcqs = {v: draw_mcqs(a, v) for v in variants}
    checks = {v: make_checks(a, params[v], mcqs[v], v) for v in variants}
    for v in variants:
        if not _same_shape(checks[DEFAULT], checks[v]):
            raise RuntimeError(f"{assignment}: variant {v} has different questions/tests than the default variant")
    dest = out / assignment
    for sub in ("student", "autograder"):
        shutil.rmtree(dest / sub, ignore_errors=True)
    (dest / "variants.csv").unlink(missing_ok=True)  # a mapping left by an earlier roster build would be stale
    dest.mkdir(parents=True, exist_ok=True)

    master = render_master(a, params[DEFAULT], checks, DEFAULT, mcqs[DEFAULT])
    with tempfile.TemporaryDirectory(prefix=f"lmcourse-{assignment}-") as tmp:
        master_path = Path(tmp) / f"{assignment}.ipynb"
        nbformat.write(master, master_path)
        _otter_assign(master_path, dest)
    t_otter = time.perf_counter()

    ag = dest / "autograder"
    zips = sorted(ag.glob(f"{assignment}-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"{ag}: expected one Otter autograder zip, found {[z.name for z in zips]}")
    (ag / "checks").mkdir()
    for v in variants:
        (ag / "checks" / f"{v}.json").write_text(checks[v].to_json() + "\n", encoding="utf-8")
    variants_csv = _variants_csv(mapping) if students else None
    with zipfile.ZipFile(zips[0], "a", compression=zipfile.ZIP_DEFLATED) as z:
        for v in variants:
            z.writestr(f"lmcourse/checks/{v}.json", checks[v].to_json() + "\n")
        if variants_csv is not None:
            z.writestr("lmcourse/variants.csv", variants_csv)
    zips[0].replace(ag / "autograder.zip")
    if variants_csv is not None:
        (dest / "variants.csv").write_text(variants_csv, encoding="utf-8")

    student_nb = nbformat.read(dest / "student" / f"{assignment}.ipynb", as_version=4)
    tests = {name: _parse_test_file(src) for name, src in student_nb.metadata.get("otter", {}).get("tests", {}).items()}
    write_notebook(_student_copy(student_nb, tests, assignment, DEFAULT, None, None),
                   dest / "student" / f"{assignment}.ipynb")
    for s in students:
        v = mapping[s.student_id]
        rendered = render_master(a, params[v], checks, v, mcqs[v], s.student_id, with_tests=False)
        nb = _student_copy(student_nb, tests, assignment, v, s.student_id, rendered)
        write_notebook(nb, dest / "student" / s.student_id / f"{assignment}.ipynb")
    return {"assignment": assignment, "questions": len(a.questions), "variants": len(variants),
            "students": len(students), "checks_and_otter_assign_s": round(t_otter - t0, 2),
            "total_s": round(time.perf_counter() - t0, 2)}


def describe(summary: dict, out: Path) -> str:
    """A build summary as a sentence for the terminal."""
    who = f"{summary['students']} students in {summary['variants'] - 1} variants" if summary["students"] else \
        "the default variant"
    names = "".join(f"\n  {line}" for line in summary.get("names", []))
    return (f"{summary['assignment']}: built {summary['questions']} questions for {who} into {out} "
            f"in {summary['total_s']:.1f} s (student/: notebooks to hand out, autograder/autograder.zip: to grade)"
            + names)


def _variants_csv(mapping: dict[str, str]) -> str:
    from autograder.course.outputs import csv_text  # no cell a spreadsheet would evaluate; the grader reads it back

    return csv_text(["student_id", "variant"], sorted(mapping.items()))


def _student_copy(student_nb: nbformat.NotebookNode, tests: dict[str, list], assignment: str, variant: str,
                  student_id: str | None, rendered: nbformat.NotebookNode | None) -> nbformat.NotebookNode:
    """Otter's student notebook with the keyed, variant-dependent cells replaced by this variant's text, and public
    tests holding only this variant's data."""
    nb = nbformat.from_dict({**student_nb, "metadata": {}})
    nb.metadata = nbformat.from_dict({k: v for k, v in student_nb.metadata.items() if k != "otter"})
    if rendered is not None:
        texts = {c.metadata["lmcourse"]["key"]: c.source for c in rendered.cells if "lmcourse" in c.metadata}
        for cell in nb.cells:
            key = cell.metadata.get("lmcourse", {}).get("key")
            if key is None or "otter_answer_cell" in cell.metadata.get("tags", []):
                continue
            if key not in texts:
                raise RuntimeError(f"{assignment}: template cell {key!r} is missing from variant {variant}")
            cell.source = texts[key]
    if "otter" in student_nb.metadata:
        otter_meta = {k: v for k, v in student_nb.metadata["otter"].items() if k != "tests"}
        otter_meta["tests"] = {name: _test_file_for(parts, variant) for name, parts in tests.items()}
        nb.metadata["otter"] = nbformat.from_dict(otter_meta)
    nb.metadata["lmcourse"] = {"assignment": assignment, "variant": variant, "student_id": student_id}
    return stable_ids(nb, assignment)


def _parse_test_file(test_file: str) -> list:
    """Split an Otter test file into text lines and (prefix, data) pairs for its `data = json.loads(...)` lines,
    parsed once so each student's copy costs only a small json.dumps."""
    parts: list = []
    for line in test_file.split("\n"):
        head, sep, literal = line.partition("data = json.loads(")
        if sep and literal.endswith(")"):
            parts.append((head + sep, json.loads(ast.literal_eval(literal[:-1]))))
        else:
            parts.append(line)
    return parts


def _test_file_for(parts: list, variant: str) -> str:
    """The public test file with only `variant`'s data (the zip keeps every variant): a student's notebook holds
    only its own public expectations, and stays small for a large roster."""
    lines = []
    for part in parts:
        if isinstance(part, str):
            lines.append(part)
            continue
        prefix, data = part
        one = {**data, "variants": {variant: data["variants"][variant]}, "setup": {variant: data["setup"][variant]}}
        lines.append(f"{prefix}{json.dumps(one, sort_keys=True)!r})")
    return "\n".join(lines)


def _otter_assign(master: Path, dest: Path) -> None:
    from otter.assign import main as otter_assign

    try:
        otter_assign(str(master), str(dest), no_pdfs=True, no_run_tests=True)
    except Exception as e:
        raise RuntimeError(f"otter assign failed on {master.name}: {e}") from e
