"""report.html as a teacher's view: students per mistake (linked), words not slugs, MCQ option counts, unattempted
and undiagnosed failures counted as such."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import grade_fixtures as gf  # tests/support, importable through tests/conftest.py
import pytest

from autograder.grade import report  # noqa: E402
from autograder.runtime.checks import Checks, Question, Test  # noqa: E402

CHECKS = Checks("toy", [Question("q1", 2, [Test("q1 a", "f(1)", 1.0), Test("q1 b", "f(2)", 2.0)]),
                        Question("q2", 1, [Test("q2 answer", "q2_answer", "B", kind="choice", hidden=True)],
                                 kind="mcq")])


def _summary(name: str, q1: float, q2: float, mistakes: list[str] = (), **extra: object) -> dict:
    return {"file": name, "variant": "default", "questions": {"q1": q1, "q2": q2}, "points": {"q1": 2, "q2": 1},
            "total": q1 + q2, "possible": 3, "percent": (q1 + q2) / 3, "status": "Completed",
            "mistakes": [{"question": "q1", "test": "q1 a", "mistake": m} for m in mistakes], **extra}


def test_report_categories_name_the_cause_of_every_lost_point() -> None:
    assert report.categories(_summary("a", 2, 1)) == {}
    assert report.categories(_summary("b", 0, 1, ["mean-instead-of-sum"])) == {"q1": ["mean-instead-of-sum"]}
    assert report.categories(_summary("c", 1, 0)) == {"q1": ["undiagnosed"], "q2": ["undiagnosed"]}
    blank = _summary("d", 0, 0, ["product-underflow"], unattempted=["q1", "q2"])  # not charged to a mistake
    assert report.categories(blank) == {"q1": ["unattempted"], "q2": ["unattempted"]}
    assert report.categories({**blank, "variant": None}) == {}  # ungradable: nothing ran
    assert report.categories({**_summary("e", 0, 0), "status": "timeout"}) == {}  # counted once, as its status
    dead = _summary("f", 0, 0, mistakes=[])
    dead["mistakes"] = [{"question": q, "test": "", "mistake": "does-not-run"} for q in ("q1", "q2")]
    assert report.categories(dead) == {}  # no code runs at all: a status, not a mistake in every question


def rows(*summaries: dict, **by_file: dict) -> list[dict]:
    """Class rows (INTERFACES.md) for these summaries, with roster fields; by_file overrides fields per file."""
    out = []
    for k, s in enumerate(summaries):
        r = {"student_id": f"s{k:02d}", "name": f"Student {k}", "email": f"s{k}@x.edu", "file": s["file"],
             "status": s["status"], "raw": s["total"], "possible": s["possible"], "questions": s["questions"],
             "late_days": 0, "penalty": 0.0, "overrides": [], "final": s["total"], "percent": s["percent"],
             "flags": [], "summary": s}
        out.append({**r, **by_file.get(s["file"], {})})
    return out


def test_report_is_ordered_for_action(tmp_path: Path) -> None:
    summaries = [_summary("ada.ipynb", 2, 1), _summary("bob.ipynb", 0, 0, ["mean-instead-of-sum"], answers={}),
                 _summary("cy.ipynb", 1, 1, ["mean-instead-of-sum"]), {**_summary("dee.ipynb", 0, 0),
                                                                         "status": "timeout"}]
    class_rows = rows(*summaries, **{"ada.ipynb": {"flags": ["identity-mismatch: the notebook says s09"]}})
    class_rows.append({"student_id": "s09", "name": "Eve <script>", "email": "", "file": None, "status": "missing",
                       "raw": 0.0, "possible": 3, "questions": {}, "late_days": 0, "penalty": 0.0, "overrides": [],
                       "final": 0.0, "percent": 0.0, "flags": [], "summary": None})
    html = report.write_report(tmp_path, summaries, [("q1", 2), ("q2", 1)], "toy", {"default": CHECKS},
                               students=class_rows).read_text(encoding="utf-8")
    order = [html.index(n) for n in ("Eve &lt;script&gt; (s09)", "Student 3 (s03)", "Student 1 (s01)",
                                     "Student 0 (s00)", "Student 2 (s02)")]
    assert order == sorted(order)  # missing, not graded, low score, integrity flag, partial
    assert "<script>" not in html and "did not submit" in html and "ran past the time limit" in html
    assert "<b>mean instead of sum</b> — 2 students (q1 ×2)" in html
    assert html.index("Who needs attention") < html.index("Mistakes to reteach") < html.index('id=questions')
    students = (tmp_path / "students.html").read_text(encoding="utf-8")
    assert 'id="s-s01"' in students and 'href="results/bob.ipynb.json"' in students and "identity-mismatch" in students


def test_report_without_class_rows_has_one_row_per_submission(tmp_path: Path) -> None:
    summaries = [_summary("ada.ipynb", 0, 1, ["mean-instead-of-sum"], answers={"q2": "B"}),
                 _summary("bob/x.ipynb", 0, 0, ["mean-instead-of-sum"], answers={"q2": "(a)"}),
                 _summary("cy.ipynb", 1, 0, answers={"q2": "Option B"}),
                 _summary("dee.ipynb", 0, 0, unattempted=["q1", "q2"], answers={"q2": None})]
    html = report.write_report(tmp_path, summaries, [("q1", 2), ("q2", 1)], "toy", {"default": CHECKS}).read_text()
    assert "4 students · 4 submitted" in html and "mean-instead-of-sum" not in html  # words, not slugs
    assert '<a href="students.html#s-bob_x.ipynb">bob/x.ipynb</a>' in html
    assert 'href="results/bob__x.ipynb.json"' in (tmp_path / "students.html").read_text()
    assert re.search(r"q1: failed, no known mistake diagnosed|failed, no known mistake diagnosed: q1", html)
    options = dict(re.findall(r"<tr><td>(?:<b>)?([^<]+?)(?:</b>)?</td><td class=n>(\d+)</td><td class=n>\d+ %",
                              html))
    assert options == {"the key (correct)": "1", "wrong option": "1", "(not an option letter)": "1",
                       "(no answer)": "1"}
    assert (tmp_path / "mistakes.png").read_bytes()[:4] == b"\x89PNG"


def test_report_counts_mcq_options_by_meaning_across_shuffled_variants(tmp_path: Path) -> None:
    """Two variants whose options are shuffled: B in one means what D means in the other; the key is C and A."""
    def mcq(key: str, distractor: str) -> Checks:
        from autograder.runtime.checks import Mistake

        return Checks("toy", [CHECKS.questions[0], Question("q2", 1, [Test("q2 answer", "q2_answer", [key],
                      kind="choice", hidden=True, mistakes=[Mistake("argmax", distractor, "argmax")])], kind="mcq")],
                      variant=key)
    checks = {"v1": mcq("C", "B"), "v2": mcq("A", "D")}
    summaries = [{**_summary(f"s{k}.ipynb", 2, 1 if a in "CA" else 0, answers={"q2": a}), "variant": v}
                 for k, (v, a) in enumerate([("v1", "C"), ("v2", "A"), ("v1", "B"), ("v2", "D"), ("v1", " b ")])]
    html = report.write_report(tmp_path, summaries, [("q1", 2), ("q2", 1)], "toy", checks).read_text()
    options = dict(re.findall(r"<tr><td>(?:<b>)?([^<]+?)(?:</b>)?</td><td class=n>(\d+)</td><td class=n>\d+ %",
                              html))
    assert options == {"the key (correct)": "2", "argmax instead of argmin": "3"}


def test_report_says_so_in_words_when_nobody_lost_a_point(tmp_path: Path) -> None:
    (tmp_path / "mistakes.png").write_bytes(b"an earlier run's chart")
    html = report.write_report(tmp_path, [_summary("ada.ipynb", 2, 1), _summary("bob.ipynb", 2, 1)],
                               [("q1", 2), ("q2", 1)], "toy", {"default": CHECKS}, [], 0.5).read_text()
    assert "Nobody lost a point" in html and "No named mistake" in html and "No pair scored 0.5 or more" in html
    assert not (tmp_path / "mistakes.png").exists() and "mistakes.png" not in html
    assert "Nobody: every student submitted" in html


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    zip_path = gf.build(tmp / "dist") / "autograder" / "autograder.zip"
    subs = tmp / "subs"
    subs.mkdir()
    for nb in (gf.ROOT / "examples" / "submissions" / "loss").glob("*.ipynb"):
        shutil.copy(nb, subs / nb.name)
    gf.grade(zip_path, [subs], tmp / "out", "--workers", "2")
    return tmp / "out"


@pytest.mark.slow  # builds and grades an assignment (module fixture)
def test_report_on_the_example_class(graded: Path) -> None:
    html = (graded / "report.html").read_text(encoding="utf-8")
    assert gf.result(graded, "blank.ipynb")["extra_data"]["lmcourse"]["unattempted"] == [f"q{i}" for i in range(1, 8)]
    blank = re.search(r'<td class=who><a href="students.html#s-blank.ipynb">blank.ipynb</a>.*?</tr>', html).group(0)
    assert "underflow" not in blank and "nothing attempted" in blank
    assert re.search(r"<b>mean instead of sum</b> — 1 student \(q1\)", html)
    answered = len(list((gf.ROOT / "examples" / "submissions" / "loss").glob("*.ipynb"))) - 1  # all but blank
    assert re.search(rf"<tr><td><b>the key \(correct\)</b></td><td class=n>{answered}</td>", html)  # q7: every attempt
