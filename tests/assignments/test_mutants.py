"""Issue 18: the mutation corpus (tests/support/corpus/) graded from the checks data, in this process.

For every code question: at least 10 realistic wrong answers and several correct styles. Every wrong answer loses
points on its own question only (no double penalty: later questions are written to call the earlier functions, see
the corpus's BASE), its feedback names its mistake (at least 90 % of them; today all) and never another one, and
every correct style scores full. `python tests/support/mutation.py` prints the table. A sample is graded again by
`lmcourse grade` in its sandbox (slow test below), which must agree on every score and mistake.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import inprocess as ip
import mutation
import pytest
from corpus import ASSIGNMENTS, corpus

from autograder.course.content import assignment_ids

pytestmark = pytest.mark.content  # the course content (AUTHORING.md's recipes keep it green)

ROOT = Path(__file__).resolve().parents[2]


def test_mutants_the_corpus_covers_every_code_question_of_every_assignment():
    assert sorted(ASSIGNMENTS) == assignment_ids()
    for a in ASSIGNMENTS:
        right, wrong, base = corpus(a)
        slugs = {q.slug for q in ip.code_questions(a)}
        assert set(wrong) == slugs and set(right) == slugs, (a, slugs ^ set(wrong), slugs ^ set(right))
        assert set(base) <= slugs
        for slug in slugs:
            assert len(wrong[slug]) >= 10, (a, slug, len(wrong[slug]))
            assert len(right[slug]) >= 4, (a, slug, len(right[slug]))
            assert len({m.name for m in wrong[slug]}) == len(wrong[slug]), (a, slug)
            assert sum("generated" not in m.name for m in wrong[slug]) >= 10, (a, slug)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutants_correct_answers_in_every_style_score_full(assignment):
    lost = [(slug, style, messages) for slug, style, messages in mutation.grade_correct(assignment) if messages]
    assert lost == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutants_every_wrong_answer_loses_points_on_its_own_question_only(assignment):
    results = mutation.grade_mutants(assignment)
    assert [r.mutant.name for r in results if r.full] == []  # 0 wrong at full
    assert [(r.mutant.name, r.others) for r in results if r.others] == []  # no double penalty


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutants_feedback_names_the_mistake_made_and_no_other(assignment):
    results = mutation.grade_mutants(assignment)
    assert [(r.mutant.name, sorted(r.misleading)) for r in results if r.misleading] == []  # 0 misleading
    for row in mutation.table(list(results)):
        assert row["named"] >= 0.9 * row["mutants"], row
    unnamed = [(r.mutant.question, r.mutant.name, r.mutant.mistake, r.messages) for r in results if not r.named]
    assert len(unnamed) <= 0.1 * len(results), unnamed


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutants_a_named_mistake_is_said_in_words(assignment):
    """The message naming a mistake is a sentence for people, not its id or "the value is not correct"."""
    for r in mutation.grade_mutants(assignment):
        if r.named:
            assert r.messages and all(len(m.split(":", 1)[-1].split()) >= 5 for m in r.messages), r.messages


@pytest.mark.slow  # two more variants of every assignment: ~1-2 min on a busy 2-core machine
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutants_hold_on_other_variants(assignment):
    from autograder.course.variants import variant_id

    for student in ("s001", "s002"):
        variant = variant_id(assignment, student, 2026)
        results = mutation.grade_mutants(assignment, variant)
        assert [r.mutant.name for r in results if r.full or r.others or r.misleading] == [], variant
        assert sum(r.named for r in results) >= 0.9 * len(results), variant
        assert [s for s in mutation.grade_correct(assignment, variant) if s[2]] == [], variant


# ------------------------------------------------------------------ agreement with the sandboxed grader
def _notebooks(assignment: str, built: Path, out: Path, per_question: int) -> dict[str, dict]:
    """A notebook per sampled mutant (its answer cell swapped in the built solution notebook): name -> mutant."""
    import nbformat

    from autograder.build.examples import fill

    student = nbformat.read(built / assignment / "student" / f"{assignment}.ipynb", as_version=4)
    solution = nbformat.read(built / assignment / "autograder" / f"{assignment}.ipynb", as_version=4)
    _, wrong, base = corpus(assignment)
    out.mkdir(parents=True)
    chosen = {}
    for slug, mutants in wrong.items():
        for m in mutants[:per_question]:
            name = f"{slug}-{len(chosen):03d}"
            nb = fill(student, solution)
            cells = [c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])]
            for q_slug, source in {**base, slug: m.source}.items():
                fn = ip.function_name(ip.solution(assignment, q_slug))
                (cell,) = [c for c in cells if f"def {fn}(" in c.source]
                cell.source = source
            nbformat.write(nb, out / f"{name}.ipynb")
            chosen[name] = m
    return chosen


@pytest.mark.slow  # `lmcourse build` and a sandboxed `lmcourse grade` of a sample of the corpus
def test_mutants_lmcourse_grade_agrees_with_the_in_process_grading(tmp_path):
    for assignment in ASSIGNMENTS:
        subprocess.run([sys.executable, "-m", "autograder.cli", "build", assignment, "--out", str(tmp_path / "dist")],
                       cwd=ROOT, check=True, capture_output=True, timeout=600)
        chosen = _notebooks(assignment, tmp_path / "dist", tmp_path / assignment, per_question=3)
        r = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "-q", "-n", "2", "-a",
                            str(tmp_path / "dist" / assignment / "autograder" / "autograder.zip"),
                            "-o", str(tmp_path / f"graded-{assignment}"), str(tmp_path / assignment)],
                           cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        expected = {(m.question, m.name): m for m in chosen.values()}
        by_mutant = {(x.mutant.question, x.mutant.name): x for x in mutation.grade_mutants(assignment)}
        for path in (tmp_path / f"graded-{assignment}" / "results").glob("*.json"):
            lm = json.loads(path.read_text())["extra_data"]["lmcourse"]
            m = chosen[Path(lm["file"]).stem]
            mine = by_mutant[(m.question, m.name)]
            q = mine.question
            ids = {x["mistake"] for x in lm["mistakes"] if x["question"] == q}
            assert (lm["questions"][q] >= lm["points"][q] - 1e-9) == mine.full, (assignment, m.name, lm)
            assert (m.mistake in ids) == mine.named, (assignment, m.name, ids)
            lost = [o for o, v in lm["questions"].items() if o != q and v < lm["points"][o] - 1e-9]
            assert lost == mine.others, (assignment, m.name, lost)
            expected.pop((m.question, m.name))
        assert expected == {}, f"{assignment}: not graded: {list(expected)}"
