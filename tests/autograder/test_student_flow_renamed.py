"""The student flow in a real Jupyter kernel (issue 10): a notebook saved under another name still runs every check;
the correct answers pass every public check and the MCQ check says the answer is recorded; each example mistake
gets only feedback (no Otter line framing, no grader warnings, no false "underflow"); `grader.export()` writes a zip
that stock `otter run` scores in full and `lmcourse grade` scores the same."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import grade_fixtures as gf  # tests/support, importable through tests/conftest.py
import nbformat
import pytest
from click.testing import CliRunner

from autograder.cli.build import build_command
from autograder.course.content import assignment_ids

pytestmark = pytest.mark.slow  # one kernel per notebook
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "submissions"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = CliRunner().invoke(build_command, ["--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def _run(path: Path) -> list[tuple[str, str]]:
    """Execute a notebook where it lies; (cell source, its outputs as text) for each grader cell."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    out = []
    for c in nb.cells:
        if c.cell_type == "code" and "grader." in c.source:
            texts = [o.get("text") or json.dumps(o.get("data") or {}) if o.get("output_type") != "error"
                     else f"{o['ename']}: {o['evalue']}" for o in c.get("outputs", [])]
            out.append((c.source, "\n".join(texts)))
    return out


@pytest.mark.parametrize("assignment", assignment_ids())
def test_student_flow_renamed_correct_notebook_passes_and_exports_a_zip_otter_scores_in_full(
        assignment, built, tmp_path):
    work = tmp_path / "home"
    work.mkdir()
    nb_path = work / f"{assignment}_ada (1).ipynb"  # renamed, with a space, as a download would be
    shutil.copy(EXAMPLES / assignment / "correct.ipynb", nb_path)
    cells = _run(nb_path)
    checks = [(src, text) for src, text in cells if "grader.check(" in src and "recorded(" not in src]
    assert checks and all("All test cases passed!" in text for _, text in checks), checks
    assert all("Error" not in text and "Warning" not in text for _, text in cells), cells
    mcq = [text for src, text in cells if "recorded(grader.check(" in src]  # an MCQ's own check cell (issue 18)
    assert mcq and all("your answer is recorded" in text and "graded after the deadline" in text
                       and "passed" not in text.lower() for text in mcq), mcq
    zips = list(work.glob("*.zip"))
    assert len(zips) == 1 and any(n.endswith(".ipynb") for n in zipfile.ZipFile(zips[0]).namelist())
    assert not any(n.endswith(".pdf") for n in zipfile.ZipFile(zips[0]).namelist())
    out = tmp_path / "otter"
    out.mkdir()
    otter = Path(sys.executable).with_name("otter")
    subprocess.run([str(otter), "run", "-a", str(built / assignment / "autograder" / "autograder.zip"), "-o",
                    str(out), str(zips[0])], check=True, capture_output=True, timeout=600)
    tests = [t for t in json.loads((out / "results.json").read_text())["tests"] if t.get("max_score") is not None]
    stock = sum(t["score"] for t in tests)
    assert stock == sum(t["max_score"] for t in tests) > 0
    gf.grade(built / assignment / "autograder" / "autograder.zip", [zips[0]], tmp_path / "ours")
    assert gf.result(tmp_path / "ours", zips[0].name)["score"] == pytest.approx(stock)  # lmcourse grade agrees


@pytest.mark.parametrize("assignment", assignment_ids())
def test_student_flow_mistakes_get_only_their_feedback(assignment, tmp_path):
    for example in sorted((EXAMPLES / assignment).glob("*.ipynb")):
        if example.name == "correct.ipynb":
            continue
        work = tmp_path / example.stem
        work.mkdir()
        shutil.copy(example, work / f"{assignment}.ipynb")
        cells = _run(work / f"{assignment}.ipynb")
        failed = [text for src, text in cells if "grader.check(" in src and "Test case failed" in text]
        joined = "\n".join(text for _, text in cells)
        assert "Error at line" not in joined and "check(env, data)" not in joined, (example.name, joined[-2000:])
        assert "Warning" not in joined, (example.name, joined[-2000:])
        assert "underflow" not in joined or example.name == "product_of_probabilities.ipynb", example.name
        if example.name == "blank.ipynb":
            assert failed and all("not attempted yet" in t or "no answer yet" in t for t in failed), failed
        else:  # a mistake the public checks see is named as such, never as unattempted (some show in hidden tests)
            assert all("not attempted" not in t and "no answer" not in t for t in failed), (example.name, failed)
