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


def test_report_html_is_a_teachers_view(tmp_path: Path) -> None:
    summaries = [_summary("ada.ipynb", 0, 1, ["mean-instead-of-sum"], answers={"q2": "B"}),
                 _summary("bob/x.ipynb", 0, 0, ["mean-instead-of-sum"], answers={"q2": "(a)"}),
                 _summary("cy.ipynb", 1, 0, answers={"q2": "Option B"}),
                 _summary("dee.ipynb", 0, 0, unattempted=["q1", "q2"], answers={"q2": None})]
    html = report.write_report(tmp_path, summaries, [("q1", 2), ("q2", 1)], "toy", {"default": CHECKS}).read_text()
    row = re.search(r"<tr><td>q1: mean instead of sum</td><td>2</td><td class=ids>(.*?)</td></tr>", html)
    assert row and row.group(1) == '<a href="#s-ada.ipynb">ada.ipynb</a>, <a href="#s-bob_x.ipynb">bob/x.ipynb</a>'
    assert 'id="s-bob_x.ipynb"><td><a href="results/bob__x.ipynb.json">' in html  # linked to the results
    assert "mean-instead-of-sum" not in html  # words, not slugs
    assert re.search(r"q1: failed, no known mistake diagnosed</td><td>1<", html)
    assert re.search(r"q1: not attempted</td><td>1<", html) and re.search(r"q2: not attempted</td><td>1<", html)
    options = dict(re.findall(r"<td>([^<]+?)(?: ✓ key)?</td><td>(\d+)</td><td><div class=bar", html))
    assert options == {"A": "1", "B": "1", "(not an option letter)": "1", "(no answer)": "1"}
    assert "B ✓ key" in html
    assert (tmp_path / "mistakes.png").read_bytes()[:4] == b"\x89PNG"


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


@pytest.mark.slow  # builds and grades the example class
def test_report_on_the_example_class(graded: Path) -> None:
    html = (graded / "report.html").read_text(encoding="utf-8")
    assert gf.result(graded, "blank.ipynb")["extra_data"]["lmcourse"]["unattempted"] == [f"q{i}" for i in range(1, 8)]
    blank = re.search(r'id="s-blank.ipynb">.*?</tr>', html).group(0)
    assert "underflow" not in blank and blank.count("not attempted") == 7
    assert re.search(r'q1: mean instead of sum</td><td>1</td><td class=ids><a href="#s-mean_instead_of_sum.ipynb">',
                     html)
    answered = len(list((gf.ROOT / "examples" / "submissions" / "loss").glob("*.ipynb"))) - 1  # all but blank
    assert re.search(rf"<tr class=key><td>B ✓ key</td><td>{answered}</td>", html)  # q7: every attempt chose the key
