"""`lmcourse build`: output layout, no leaks into student files, per-student variants, stock `otter run` scores,
and blank notebooks that execute in a real kernel."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from autograder.build.examples import fill, make_examples, mcq_keys
from autograder.cli.build import build_command
from autograder.course.content import assignment_ids, load_assignment
from autograder.runtime.checks import Checks

pytestmark = pytest.mark.content  # the course content and its exports (AUTHORING.md)

ASSIGNMENTS = assignment_ids()

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "examples" / "roster.csv"
OTTER = Path(sys.executable).parent / "otter"


def _build(*args: str) -> None:
    result = CliRunner().invoke(build_command, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _build("--out", str(out))
    return out


@pytest.fixture(scope="module")
def roster_built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("roster")
    _build("--roster", str(ROSTER), "--seed", "2026", "--out", str(out))
    return out


def _students() -> list[str]:
    return [line.split(",")[0] for line in ROSTER.read_text().splitlines()[1:] if line.strip()]


def test_build_discovers_every_assignment_folder():
    folders = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/assignment.py"))
    assert ASSIGNMENTS == folders and {"loss", "tokens", "training"} <= set(folders)
    assert "quiz" not in ASSIGNMENTS  # assignments/quiz (the item bank) has no assignment.py: not an assignment


@pytest.mark.slow  # builds and proves assignments
def test_build_layout_and_stable_names(built):
    for a in ASSIGNMENTS:
        d = built / a
        assert (d / "student" / f"{a}.ipynb").is_file()
        assert (d / "autograder" / f"{a}.ipynb").is_file()
        assert (d / "autograder" / "checks" / "default.json").is_file()
        with zipfile.ZipFile(d / "autograder" / "autograder.zip") as z:
            names = z.namelist()
            assert "lmcourse/checks/default.json" in names and any(n.startswith("tests/") for n in names)
            assert z.read("lmcourse/checks/default.json") == (d / "autograder" / "checks" / "default.json").read_bytes()
        assert not list((d / "autograder").glob("*autograder_*.zip"))  # only the stable name is left
        nb = nbformat.read(d / "student" / f"{a}.ipynb", as_version=4)
        assert nb.metadata["lmcourse"] == {"assignment": a, "variant": "default", "student_id": None}
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert first_code.source.startswith('LMCOURSE_VARIANT = "default"')
        checks = Checks.from_json((d / "autograder" / "checks" / "default.json").read_text())
        assert any(q.kind == "mcq" for q in checks.questions)
        mcq_tests = [t for q in checks.questions if q.kind == "mcq" for t in q.tests]
        assert all(t.hidden for t in mcq_tests if t.kind == "choice")  # the key
        assert all(not t.hidden and t.points == 0 for t in mcq_tests if t.kind == "choice-format")


@pytest.mark.slow  # builds and proves assignments
def test_build_default_variant_uses_the_course_card_numbers(built):
    loss = (built / "loss" / "student" / "loss.ipynb").read_text()
    assert "1.2, 0.5, 2.3" in loss and "should return 4.0" in loss and "('The', 'cat', 'sat', 'on')" in loss
    training = (built / "training" / "student" / "training.ipynb").read_text()
    assert "8.4, 2.1, 5.5" in training


def _strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def _student_text(student_dir: Path) -> dict[Path, str]:
    """Every file under student/, as raw text plus (for notebooks) every decoded JSON string in it."""
    texts = {}
    for f in sorted(p for p in student_dir.rglob("*") if p.is_file()):
        raw = f.read_text(encoding="utf-8", errors="replace")
        extra = "\n".join(_strings(json.loads(raw))) if f.suffix == ".ipynb" else ""
        texts[f] = raw + "\n" + extra
    return texts


def _solution_lines(assignment: str) -> list[str]:
    lines = []
    for f in sorted((ROOT / "solutions" / assignment).glob("*.py")):  # one file per code question
        inside = False
        for line in f.read_text().splitlines():
            if "# BEGIN SOLUTION" in line:
                inside = True
            elif "# END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) >= 12:
                lines.append(line.strip())
    return lines


@pytest.mark.slow  # builds and proves assignments
@pytest.mark.parametrize("which", ["built", "roster_built"])
def test_build_no_solution_line_mcq_key_or_hidden_expectation_in_student_files(which, request):
    out = request.getfixturevalue(which)
    for a in ASSIGNMENTS:
        texts = _student_text(out / a / "student")
        assert len(texts) >= (1 if which == "built" else 1 + len(_students()))
        sol_lines = _solution_lines(a)
        assert sol_lines, a
        hidden = []
        for f in sorted((out / a / "autograder" / "checks").glob("*.json")):
            checks = Checks.from_json(f.read_text())
            public = {json.dumps(t.expect) for q in checks.questions for t in q.tests if not t.hidden}
            public_probes = "\n".join(t.probe for q in checks.questions for t in q.tests if not t.hidden)
            for q in checks.questions:
                for t in q.tests:
                    if t.hidden:
                        hidden.append(t.name)  # the test itself
                        if q.kind != "mcq" and t.probe not in public_probes:  # an MCQ probe is a variable name
                            hidden.append(t.probe)
                        if json.dumps(t.expect) not in public and len(json.dumps(t.expect)) >= 8:
                            hidden.append(json.dumps(t.expect))
                    if q.kind == "mcq":
                        hidden += [f"{q.name}_answer = {k!r}" for k in t.expect]
                        hidden += [f'{q.name}_answer = "{k}"' for k in t.expect]
        for path, text in texts.items():
            for line in sol_lines:
                assert line not in text, f"solution line {line!r} leaked into {path}"
            for secret in hidden:
                assert secret not in text, f"hidden test data {secret[:80]!r} leaked into {path}"


@pytest.mark.slow  # builds and proves assignments
def test_build_roster_students_get_different_numbers_and_a_mapping(roster_built):
    students = _students()
    for a in ASSIGNMENTS:
        rows = (roster_built / a / "variants.csv").read_text().splitlines()
        assert rows[0] == "student_id,variant" and [r.split(",")[0] for r in rows[1:]] == sorted(students)
        variants = dict(r.split(",") for r in rows[1:])
        assert len(set(variants.values())) == len(students)
        setups = []
        for s in students:
            nb = nbformat.read(roster_built / a / "student" / s / f"{a}.ipynb", as_version=4)
            assert nb.metadata["lmcourse"] == {"assignment": a, "variant": variants[s], "student_id": s}
            first_code = next(c for c in nb.cells if c.cell_type == "code")
            assert first_code.source.startswith(f'LMCOURSE_VARIANT = "{variants[s]}"')
            setup = next(c.source for c in nb.cells if c.metadata.get("lmcourse", {}).get("key") == "setup")
            checks = Checks.from_json((roster_built / a / "autograder" / "checks" / f"{variants[s]}.json").read_text())
            assert checks.variant == variants[s] and checks.setup.startswith(setup)
            setups.append(setup)
        assert len(set(setups)) == len(students), f"{a}: two students got the same numbers"
        with zipfile.ZipFile(roster_built / a / "autograder" / "autograder.zip") as z:
            assert z.read("lmcourse/variants.csv").decode() == (roster_built / a / "variants.csv").read_text()
            assert {f"lmcourse/checks/{v}.json" for v in variants.values()} <= set(z.namelist())


@pytest.mark.slow  # builds and proves assignments
def test_build_rebuild_with_the_same_seed_is_byte_identical_and_another_seed_differs(roster_built, tmp_path):
    _build("--roster", str(ROSTER), "--seed", "2026", "--out", str(tmp_path / "again"), "loss", "tokens")
    _build("--roster", str(ROSTER), "--seed", "7", "--out", str(tmp_path / "other"), "loss")
    for a in ("loss", "tokens"):
        files = sorted(p.relative_to(roster_built / a) for p in (roster_built / a).rglob("*")
                       if p.is_file() and p.suffix in (".ipynb", ".json", ".csv") and "otter_config" not in p.name
                       and p.parent.name != "autograder")  # Otter's own solution notebook has random cell ids
        assert len(files) > 10
        for rel in files:
            assert (tmp_path / "again" / a / rel).read_bytes() == (roster_built / a / rel).read_bytes(), rel
    s = _students()[0]
    assert (tmp_path / "other" / "loss" / "student" / s / "loss.ipynb").read_bytes() != \
        (roster_built / "loss" / "student" / s / "loss.ipynb").read_bytes()


def test_build_bad_roster_is_reported_with_its_file_name(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAda,ada@example.edu\n")
    result = CliRunner().invoke(build_command, ["--roster", str(bad), "--seed", "1", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "bad.csv" in result.output and "student_id" in result.output
    rows = tmp_path / "rows.csv"
    rows.write_text("student_id,name\ns1,A\n,B\ns1,C\ns2,D\n")
    from autograder.course.variants import read_roster

    assert [s.student_id for s in read_roster(rows)] == ["s1", "s2"]  # bad rows skipped, the rest kept


def test_build_roster_without_a_usable_id_is_an_error(tmp_path):
    bad = tmp_path / "unusable.csv"
    bad.write_text("student_id,name\n,Ada\n../etc,Bob\n", encoding="utf-8")
    result = CliRunner().invoke(build_command, ["--roster", str(bad), "--seed", "1", "--out", str(tmp_path / "o"),
                                                "loss"])
    assert result.exit_code != 0 and "unusable.csv" in result.output and "no usable student_id" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.slow  # builds and proves assignments
def test_build_prints_a_readable_summary(tmp_path):
    result = CliRunner().invoke(build_command, ["--out", str(tmp_path), "tokens"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "{" not in result.output and "'assignment'" not in result.output
    n = len(load_assignment("tokens").questions)
    assert re.search(rf"tokens: built {n} questions for the default variant into .* in \d+\.\d s", result.output)
    assert re.search(r"tokens: proof on the default variant: \d+ notebooks graded in \d+\.\d s", result.output)
    assert re.search(r"^  solution +all +(\d+)/\1 .*ok", result.output, flags=re.M), result.output


@pytest.mark.slow  # builds and proves assignments
def test_build_student_notebooks_have_an_export_cell_without_pdf_and_a_rename_proof_grader(built):
    """Issue 16: the export cell zips the notebook under its current name (`notebook_path`, also after a rename),
    saves it first where Jupyter can (Otter's force_save), and says so without Otter's boilerplate."""
    for a in ASSIGNMENTS:
        nb = nbformat.read(built / a / "student" / f"{a}.ipynb", as_version=4)
        sources = [c.source for c in nb.cells if c.cell_type == "code"]
        assert f'grader = otter.Notebook(notebook_path("{a}"))' in sources[0], a
        export = [c for c in nb.cells if "grader.export(" in c.source]
        assert [c.source.split("  #")[0] for c in export] == [
            f'grader.export(notebook_path("{a}"), pdf=False, force_save=jupyter_can_save())'], a
        assert export[0].metadata.get("editable") is False and export[0].metadata.get("deletable") is False
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert "images/graphs" not in text and "Please save before exporting" not in text, a


@pytest.mark.slow  # builds and proves assignments
def test_build_committed_examples_match_a_fresh_build(built, tmp_path):
    for a in ASSIGNMENTS:
        make_examples(a, built, tmp_path / a)
        committed = ROOT / "examples" / "submissions" / a
        expected = json.loads((committed / "expected.json").read_text())
        assert set(expected) == {p.name for p in (tmp_path / a).glob("*.ipynb")}
        for name in expected:
            fresh, kept = (tmp_path / a / name).read_bytes(), (committed / name).read_bytes()
            assert _to_9_digits(fresh) == _to_9_digits(kept), f"{a}/{name} is stale"


FLOAT = re.compile(rb"-?\d+\.\d+(?:e[-+]?\d+)?")


def _to_9_digits(text: bytes) -> bytes:
    """Every decimal rounded to 9 significant digits: the mistake values built into the notebooks' test files come
    from torch's vectorized float64 kernels, whose last bit differs between CPUs (AVX2 vs AVX-512), so a checkout
    regenerated on one machine differs from a build on another in the 17th digit (the tests compare at rtol 1e-4)."""
    return FLOAT.sub(lambda m: b"%.9g" % float(m.group()), text)


def test_to_9_digits_forgives_the_last_bit_only():
    assert _to_9_digits(b'"value": 2.1978033945485795') == _to_9_digits(b'"value": 2.197803394548579')
    assert _to_9_digits(b'"value": 2.19780339') != _to_9_digits(b'"value": 2.19780349')
    assert _to_9_digits(b"q7_answer = 'B'") == b"q7_answer = 'B'"


@pytest.mark.slow  # builds and proves assignments
def test_build_examples_expected_totals_are_computed_not_typed(built):
    """expected.json is what build_examples.score gives each committed example (run --update after a change)."""
    from autograder.build.examples import score

    for a in ASSIGNMENTS:
        checks = Checks.from_json((built / a / "autograder" / "checks" / "default.json").read_text())
        expected = json.loads((ROOT / "examples" / "submissions" / a / "expected.json").read_text())
        assert expected["correct.ipynb"] == sum(q.points for q in checks.questions) and expected["blank.ipynb"] == 0
        for name, total in expected.items():
            assert score(ROOT / "examples" / "submissions" / a / name, checks) == pytest.approx(total), (a, name)


# ------------------------------------------------------------------ stock `otter run` and a real kernel (slow)
def _otter_score(zip_path: Path, notebook: Path, out: Path) -> tuple[float, float, str]:
    out.mkdir(parents=True)
    proc = subprocess.run([str(OTTER), "run", "-a", str(zip_path), "-o", str(out), str(notebook)],
                          capture_output=True, text=True, timeout=300)
    results = json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else None
    assert results is not None, proc.stdout[-2000:] + proc.stderr[-2000:]
    tests = [t for t in results["tests"] if t.get("max_score") is not None]
    return (sum(t["score"] for t in tests), sum(t["max_score"] for t in tests),
            "\n".join(t.get("output", "") for t in results["tests"]))


@pytest.mark.slow
def test_build_stock_otter_run_scores_solutions_blank_examples_and_variants(built, roster_built, tmp_path):
    jobs = []  # (label, zip, notebook, expected points or "full")
    for a in ASSIGNMENTS:
        zip_path = built / a / "autograder" / "autograder.zip"
        jobs.append((f"{a}/solution", zip_path, built / a / "autograder" / f"{a}.ipynb", "full"))
        jobs.append((f"{a}/student-blank", zip_path, built / a / "student" / f"{a}.ipynb", 0))
        expected = json.loads((ROOT / "examples" / "submissions" / a / "expected.json").read_text())
        for name, points in expected.items():
            if name != "blank.ipynb":  # the same notebook as student-blank above
                jobs.append((f"{a}/{name}", zip_path, ROOT / "examples" / "submissions" / a / name, points))
    # one student's own variant, filled with the reference solution (MCQ keys from that variant's checks)
    a, s = "loss", _students()[1]
    variant = dict(r.split(",") for r in (roster_built / a / "variants.csv").read_text().splitlines()[1:])[s]
    solution = nbformat.read(roster_built / a / "autograder" / f"{a}.ipynb", as_version=4)
    mine = nbformat.read(roster_built / a / "student" / s / f"{a}.ipynb", as_version=4)
    filled = fill(mine, solution, keys=mcq_keys(roster_built / a / "autograder" / "checks" / f"{variant}.json"))
    (tmp_path / "variant").mkdir()
    nbformat.write(filled, tmp_path / "variant" / f"{a}.ipynb")
    jobs.append((f"{a}/{s}-own-variant", roster_built / a / "autograder" / "autograder.zip",
                 tmp_path / "variant" / f"{a}.ipynb", "full"))

    def run(job):
        label, zip_path, nb, want = job
        return label, want, _otter_score(zip_path, nb, tmp_path / label.replace("/", "_"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, jobs))
    for label, want, (score, total, output) in results:
        assert total > 0, label
        assert score == (total if want == "full" else want), f"{label}: {score}/{total}, want {want}\n{output[-3000:]}"
    named = {label: output for label, _, (_, _, output) in results}
    assert "mean of the step losses" in named["loss/mean_instead_of_sum.ipynb"]
    assert "log base 2" in named["loss/log_base_2.ipynb"]
    assert "sign is wrong" in named["loss/missing_minus.ipynb"]
    assert "loss term for x_0" in named["loss/loss_term_for_x0.ipynb"]
    assert "log-softmax" in named["loss/log_softmax_overflow.ipynb"]
    assert "sum of logs" in named["loss/product_of_probabilities.ipynb"]
    assert "float32" in named["tokens/one_hot_int64.ipynb"] and "int64" in named["tokens/one_hot_int64.ipynb"]
    assert "row for x_0" in named["tokens/one_hot_row_for_x0.ipynb"]
    assert "mean sequence loss" in named["training/mean_instead_of_sum.ipynb"]
    assert not [label for label, out in named.items() if "Error at line" in out or "check(env, data)" in out]
    assert "underflow" not in named["loss/student-blank"] and "not attempted yet" in named["loss/student-blank"]


@pytest.mark.slow
def test_build_blank_student_notebooks_execute_in_a_real_kernel(built, roster_built):
    from nbclient import NotebookClient

    notebooks = [built / a / "student" / f"{a}.ipynb" for a in ASSIGNMENTS]
    notebooks.append(roster_built / "training" / "student" / _students()[0] / "training.ipynb")
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        assert all(e["ename"] == "NotImplementedError" for e in errors), (path, [e["ename"] for e in errors])
        checks = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("grader.check(")]
        assert checks and all(c.get("outputs") for c in checks), path  # every public check ran and reported
        joined = json.dumps([c.get("outputs") for c in checks])
        assert re.search(r"NotImplementedError", joined), path  # ... and reports the unimplemented stub


@pytest.mark.slow  # builds and proves assignments
def test_build_unknown_assignment_is_refused_and_a_broken_one_does_not_stop_the_batch(tmp_path, monkeypatch):
    result = CliRunner().invoke(build_command, ["nope", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "unknown assignment 'nope'" in result.output and "loss" in result.output

    import autograder.build.assignment as build

    real = build.load_assignment

    def broken(assignment):
        if assignment == "tokens":
            raise FileNotFoundError("solutions/tokens/q1.py: missing reference solution for tokens/q1")
        return real(assignment)

    monkeypatch.setattr(build, "load_assignment", broken)
    result = CliRunner().invoke(build_command, ["tokens", "loss", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "tokens: build failed" in result.output and "solutions/tokens/q1.py" in result.output
    assert (tmp_path / "loss" / "autograder" / "autograder.zip").is_file()
