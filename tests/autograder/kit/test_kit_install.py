"""Issue 9's done-when, as a student and as Gradescope would do it (slow: each builds a venv).

(a) `lmcourse build --out D`; a fresh venv with only torch==2.13.0; `pip install -r requirements.txt` run from
    D/<id>/student. Then the solution's answers run in a real Jupyter kernel with every public check passing, the
    tools and content cannot be imported, and no installed file holds a hidden probe, expectation or MCQ key, nor
    can any forbidden function be imported.
(b) Gradescope from the zip alone: /autograder/{source,submission,results} under a temporary folder, a fresh venv
    with what the zip's setup installs (environment.yml's pip step; torch preinstalled instead of fetched), then
    the zip's run_otter.py, which is what run_autograder runs: solution 100 %, blank 0, hidden tests `hidden`.
"""

from __future__ import annotations

import json
import textwrap
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.build.examples import fill
from autograder.course.content import assignment_ids
from autograder.kit.edition import forbidden_functions
from autograder.kit.gradescope import AUTOGRADER_DIR, TORCH_INDEX
from autograder.kit.wheel import sha256, wheel_name

from .venvs import REACHABLE, TIMINGS, clean_env, run

ASSIGNMENTS = assignment_ids()

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
SHIPPED = [*(ROOT / "lmcore").glob("*.py"), *(ROOT / "autograder" / "runtime").glob("*.py")]
# what computes expectations and MCQ keys: the specs and quiz bank, the solutions, and the quiz engine
ANSWER_SOURCES = [*(ROOT / "assignments").rglob("*.py"), *(ROOT / "solutions").rglob("*.py"),
                  *(ROOT / "autograder" / "quiz").rglob("*.py"), *(ROOT / "autograder" / "build").rglob("*.py")]
TOOL_PATHS = ("assignments/", "solutions/", "autograder/build", "autograder/grade/", "autograder/quiz/",
              "autograder/kit/", "autograder/course/", "autograder/cli/")

EXECUTE = textwrap.dedent("""
    import json, sys
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(sys.argv[1], as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": sys.argv[2]}}).execute()
    cells = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        outs = [o.get("text") or o.get("data", {}).get("text/plain", "") if o.output_type != "error"
                else f"{o.ename}: {o.evalue}" for o in c.get("outputs", [])]
        cells.append({"source": c.source, "outputs": outs, "error": any(o.output_type == "error" for o in c.outputs)})
    print(json.dumps(cells))
""")

FORBIDDEN_PROBE = REACHABLE.join(textwrap.dedent("""
    import importlib, json, sys
    #REACHABLE
    import lmcore
    names = json.loads(sys.argv[1])
    print(json.dumps({n: reachable(n) or hasattr(lmcore, n.removesuffix(".__init__").split(".")[-1]) for n in names}))
""").split("#REACHABLE\n"))


def _checks(built: Path) -> list[dict]:
    return [json.loads(p.read_text()) for a in ASSIGNMENTS for p in (built / a / "autograder" / "checks").iterdir()]


def _needles(built: Path) -> dict[str, str]:
    """Distinctive strings that would show an answer capability: every hidden test's probe and (when specific
    enough) expectation, every MCQ key as the checks document writes it, and long source lines of the specs, quiz
    bank, solutions and tools that the student edition does not share."""
    out: dict[str, str] = {}
    for doc in _checks(built):
        for q in doc["questions"]:
            for t in q["tests"]:
                if q["kind"] == "mcq":
                    out[json.dumps({"expect": t["expect"]})[1:-1]] = f"{doc['assignment']} {q['name']} MCQ key"
                    out[f'"probe": "{t["probe"]}"'] = f"{doc['assignment']} {q['name']} MCQ key (checks document)"
                if not t["hidden"]:
                    continue
                out[t["probe"]] = f"{doc['assignment']} hidden probe of {t['name']}"
                expect = json.dumps(t["expect"])
                if len(expect) >= 12:
                    out[expect] = f"{doc['assignment']} hidden expectation of {t['name']}"
    shipped = {line.strip() for p in SHIPPED for line in p.read_text().splitlines()}
    for path in ANSWER_SOURCES:
        for line in map(str.strip, path.read_text().splitlines()):
            if len(line) >= 60 and line not in shipped and not line.startswith(("import ", "from ")):
                out[line] = f"a line of {path.relative_to(ROOT)}"
    return out


def _scan(venv: Path, files: set[Path], needles: dict[str, str]) -> list[str]:
    """Every (file, reason) where a needle occurs: probes, expectations and keys as bytes anywhere in any file
    (compiled .pyc and binaries too), source lines as whole lines of text files."""
    lines = {n: why for n, why in needles.items() if why.startswith("a line of")}
    strings = [(n.encode(), why) for n, why in needles.items() if n not in lines]
    hits = []
    for rel in sorted(files):
        data = (venv / rel).read_bytes()
        hits.extend(f"{rel}: {why}" for n, why in strings if n in data)
        if b"\0" not in data[:8192]:
            text = data.decode("utf-8", "ignore")
            hits.extend(f"{rel}: {lines[x.strip()]}" for x in text.splitlines() if x.strip() in lines)
    return hits


# ------------------------------------------------------------------------------------------------ (a) the kit
def test_kit_every_assignment_has_an_installable_kit(built):
    shas = set()
    for a in ASSIGNMENTS:
        student = built / a / "student"
        req = (student / "requirements.txt").read_text()
        wheel = student / wheel_name()
        assert wheel.is_file() and f"./{wheel.name}" in req.splitlines()
        assert "otter-grader==7.0.0" in req.splitlines() and any(r.startswith("numpy") for r in req.splitlines())
        assert not any(line.startswith("torch") for line in req.splitlines()), "torch is preinstalled, not fetched"
        with zipfile.ZipFile(wheel) as z:
            tops = {n.split("/")[0] for n in z.namelist()}
        assert tops == {"lmcore", "autograder", wheel.name.split("-py3")[0] + ".dist-info"}, tops
        shas.add(sha256(wheel))
    assert len(shas) == 1, "one edition for all assignments"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_kit_solution_runs_in_a_real_kernel_with_public_checks_passing(assignment, built, kit_venv, kit_tmp):
    venv, _ = kit_venv
    student_dir = built / assignment / "student"
    student = nbformat.read(student_dir / f"{assignment}.ipynb", as_version=4)
    solution = nbformat.read(built / assignment / "autograder" / f"{assignment}.ipynb", as_version=4)
    nb_path = kit_tmp / f"{assignment}-answered.ipynb"
    nbformat.write(fill(student, solution), nb_path)
    out = run([str(venv / "bin" / "python"), "-c", EXECUTE, str(nb_path), str(student_dir)], student_dir,
              clean_env(kit_tmp))
    cells = json.loads(out.stdout)
    checks = [c for c in cells if "grader.check(" in c["source"]]
    assert checks, "the notebook has public checks"
    failing = {c["source"]: c["outputs"] for c in checks
               if not any("All test cases passed!" in o or "your answer is recorded" in o for o in c["outputs"])}
    errors = {c["source"][:80]: c["outputs"] for c in cells if c["error"]}
    assert failing == {} and errors == {}, f"public checks failing: {failing}; cells raising: {errors}"


def test_kit_tools_and_content_cannot_be_imported(built, kit_venv, kit_tmp):
    venv, _ = kit_venv
    script = ("import importlib, json\nout = {}\n"
              "for m in ['assignments', 'solutions', 'autograder.build', 'autograder.build.mcq', 'autograder.grade',"
              " 'autograder.quiz', 'autograder.course.variants', 'autograder.cli', 'autograder.kit']:\n"
              "    try:\n        importlib.import_module(m)\n        out[m] = 'imported'\n"
              "    except ModuleNotFoundError:\n        out[m] = 'missing'\n"
              "import lmcore, autograder.runtime\nout['lmcore'] = lmcore.__file__\nprint(json.dumps(out))")
    found = json.loads(run([str(venv / "bin" / "python"), "-c", script], built / "loss" / "student",
                           clean_env(kit_tmp)).stdout)
    assert str(venv) in found.pop("lmcore")
    assert found == dict.fromkeys(found, "missing"), found


def test_kit_installs_no_answer_capability(built, kit_venv, kit_tmp):
    venv, installed = kit_venv
    assert any(p.name == "otter" for f in installed for p in f.parents), "the scan covers what the kit installed"
    assert not [str(f) for f in installed if any(t in str(f) for t in TOOL_PATHS)]
    needles = _needles(built)
    assert len(needles) > 50
    t0 = time.perf_counter()
    assert _scan(venv, installed, needles) == []
    TIMINGS["site-packages scan"] = time.perf_counter() - t0
    forbidden = forbidden_functions()
    found = json.loads(run([str(venv / "bin" / "python"), "-c", FORBIDDEN_PROBE, json.dumps(forbidden)],
                           built / "loss" / "student", clean_env(kit_tmp)).stdout)
    assert found == dict.fromkeys(forbidden, False), {n: v for n, v in found.items() if v}


def test_kit_scan_would_see_a_leak(built, kit_venv, kit_tmp):
    """The scan is not vacuous: a hidden probe, an MCQ key and a spec line in a planted file are all found."""
    venv, _ = kit_venv
    needles = _needles(built)
    kinds = {"hidden probe": None, "MCQ key": None, "a line of assignments": None}
    for needle, why in needles.items():
        for kind in kinds:
            if kinds[kind] is None and kind in why:
                kinds[kind] = needle
    planted = Path("lib") / "planted.txt"
    (venv / planted).write_text("\n".join(kinds.values()))
    try:
        hits = _scan(venv, {planted}, needles)
    finally:
        (venv / planted).unlink()
    assert all(any(kind in h for h in hits) for kind in kinds), hits


# ------------------------------------------------------------------------------------------- (b) Gradescope
def test_kit_gradescope_zip_declares_what_its_tests_need(built):
    with zipfile.ZipFile(built / "loss" / "autograder" / "autograder.zip") as z:
        names = set(z.namelist())
        pip = next(d["pip"] for d in yaml.safe_load(z.read("environment.yml"))["dependencies"] if isinstance(d, dict))
        req = z.read("requirements.txt").decode()
    assert wheel_name() in names and {"setup.sh", "run_autograder", "run_otter.py", "otter_config.json"} <= names
    for line in (f"--extra-index-url {TORCH_INDEX}", "torch==2.13.0", f"{AUTOGRADER_DIR}/source/{wheel_name()}"):
        assert line in pip and line in req.splitlines()
    assert "otter-grader[grading,plugins]==7.0.0" in pip


def test_kit_gradescope_emulation_scores_solution_100_and_blank_0(built, gradescope):
    student = nbformat.read(built / "loss" / "student" / "loss.ipynb", as_version=4)
    solution = nbformat.read(built / "loss" / "autograder" / "loss.ipynb", as_version=4)
    checks = json.loads((built / "loss" / "autograder" / "checks" / "default.json").read_text())
    mcqs = {q["name"] for q in checks["questions"] if q["kind"] == "mcq"}
    codes = {q["name"] for q in checks["questions"] if q["kind"] != "mcq"}
    assert mcqs and codes

    results = gradescope.grade("loss", fill(student, solution))
    rows = {t["name"]: t for t in results["tests"]}
    assert "Autograder Failed" not in rows, rows
    scored = [t for t in results["tests"] if "max_score" in t]
    total, possible = sum(t["score"] for t in scored), sum(t["max_score"] for t in scored)
    assert possible == sum(q["points"] for q in checks["questions"])
    assert total == possible, {t["name"]: (t["score"], t["max_score"], t.get("output", "")[-400:]) for t in scored
                               if t["score"] != t["max_score"]}
    assert {rows[q]["visibility"] for q in codes} == {"hidden"}
    assert {rows[q]["visibility"] for q in mcqs} == {"after_published"}
    assert rows["Public Tests"]["visibility"] == "visible"

    blank = gradescope.grade("loss", student)
    assert sum(t.get("score", 0) for t in blank["tests"]) == 0
    assert {t["name"] for t in blank["tests"] if "max_score" in t} == codes | mcqs
