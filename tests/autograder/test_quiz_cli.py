"""`lmcourse quiz` and `lmcourse quiz grade` end to end: roster variants, per-student keys, scoring with
tolerances and named mistakes, Moodle Responses exports, and bad rows reported without stopping the batch."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.quiz.engine import item_ids

ITEMS = item_ids()

ROSTER = Path(__file__).parents[2] / "examples" / "roster.csv"


def run(*args: str):
    result = CliRunner().invoke(main, ["quiz", *args], catch_exceptions=False)
    return result


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def roster_quiz(tmp_path_factory):
    out = tmp_path_factory.mktemp("roster")
    r = run("--roster", str(ROSTER), "--seed", "2026", "--format", "all", "--out", str(out))
    assert r.exit_code == 0, r.output
    return out


def test_roster_gives_each_student_their_own_deterministic_variants(roster_quiz, tmp_path):
    key = rows(roster_quiz / "answer_key.csv")
    students = [r["student_id"] for r in rows(ROSTER)]
    assert [(r["student_id"], r["item"]) for r in key] == [(s, i) for s in students for i in ITEMS]
    for item in ITEMS:
        codes = [r["variant"] for r in key if r["item"] == item]
        assert len(set(codes)) == len(students) and all(not c.endswith("/0") for c in codes)
    # same roster + seed -> same variants, whatever the roster's order
    shuffled = tmp_path / "roster.csv"
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    shuffled.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    assert run("--roster", str(shuffled), "--seed", "2026", "--format", "json", "--out", str(tmp_path / "b")
               ).exit_code == 0
    again = {(r["student_id"], r["item"]): r["variant"] for r in rows(tmp_path / "b" / "answer_key.csv")}
    assert again == {(r["student_id"], r["item"]): r["variant"] for r in key}
    # per-student papers hold exactly that student's variants, answers only in the key
    paper = (roster_quiz / "students" / "s001.md").read_text(encoding="utf-8")
    keyed = (roster_quiz / "keys" / "s001.md").read_text(encoding="utf-8")
    mine = [r["variant"] for r in key if r["student_id"] == "s001"]
    others = [r["variant"] for r in key if r["student_id"] != "s001"]
    assert all(c in paper for c in mine) and not any(c in paper for c in others)
    assert "**Answer:**" not in paper and keyed.count("**Answer:**") == len(ITEMS)
    assert lxml.html.fromstring((roster_quiz / "students" / "s001.html").read_text(encoding="utf-8")) is not None


def test_grade_scores_answers_mistakes_and_reports_bad_rows(roster_quiz, tmp_path):
    key = rows(roster_quiz / "answer_key.csv")
    doc = json.loads((roster_quiz / "key.json").read_text(encoding="utf-8"))
    resp = tmp_path / "responses.csv"
    with open(resp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "item", "answer"])
        for r in key:
            if r["student_id"] == "s001":  # all right; numbers off by half the tolerance, choices by letter
                ans = str(float(r["answer"]) + 0.5 * float(r["tolerance"])) if r["type"] == "numeric" else r["answer"]
                w.writerow(["s001", r["item"], ans])
            elif r["student_id"] == "s002":  # all right, choices given by their text
                w.writerow(["s002", r["item"], r["answer_text"] or r["answer"]])
            elif r["student_id"] == "s003":  # numeric answers make a known mistake; choices pick a distractor
                v = doc["variants"][r["variant"]]
                if v["type"] == "numeric":
                    w.writerow(["s003", r["item"], repr(v["mistakes"][0]["value"])])
                else:
                    w.writerow(["s003", r["item"], next(c["letter"] for c in v["choices"] if not c["correct"])])
        w.writerow(["s004", "no_such_item", "1"])  # line 29: reported, skipped
        w.writerow(["s999", "total_loss", "4.0"])  # not in the roster, several variants: reported
        w.writerow(["s004", "total_loss", "twelve"])  # graded: not a number
    out = tmp_path / "grades"
    r = CliRunner().invoke(main, ["quiz", "grade", "--key", str(roster_quiz / "key.json"), "--responses", str(resp),
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert f"{resp}:29: unknown item 'no_such_item'" in r.output
    assert f"{resp}:30: cannot tell which variant" in r.output
    grades = {g["student"]: g for g in rows(out / "grades.csv")}
    n = len(ITEMS)
    assert float(grades["s001"]["total"]) == n and float(grades["s002"]["total"]) == n
    assert float(grades["s003"]["total"]) == 0 and float(grades["s004"]["total"]) == 0
    assert float(grades["s005"]["total"]) == 0 and grades["s005"]["max"] == str(n)  # no answers at all
    scored = rows(out / "scored_responses.csv")
    s003 = [s for s in scored if s["student"] == "s003"]
    assert len(s003) == n and all(s["mistake"] for s in s003)  # every wrong answer names its mistake
    assert any(s["mistake"] == "not-a-number" for s in scored if s["student"] == "s004")
    assert (out / "problems.txt").read_text(encoding="utf-8").count("\n") == 2


def test_grade_moodle_responses_export_by_question_code(tmp_path):
    quiz = tmp_path / "quiz"
    assert run("--items", "total_loss,training_goal,unique_params_tf", "--variants", "3", "--seed", "7", "--format",
               "moodle-xml", "--out", str(quiz)).exit_code == 0
    doc = json.loads((quiz / "key.json").read_text(encoding="utf-8"))
    assert doc["items"] == ["total_loss", "training_goal", "unique_params_tf"]
    picks = {"ada@example.edu": [1, 2, 0], "alan@example.edu": [2, 0, 1]}
    header = ["Surname", "First name", "Email address", "State", "Started on", "Completed", "Time taken",
              "Grade/3.00"] + [f"{k} {n}" for n in (1, 2, 3) for k in ("Question", "Response")]
    resp = tmp_path / "moodle.csv"
    with open(resp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for email, idx in picks.items():
            cells = []
            for item, i in zip(doc["items"], idx, strict=True):
                code = f"{item}/7/{i}"
                v = doc["variants"][code]
                if v["type"] == "numeric":
                    ans = f"{v['answer']:.2f}"
                else:
                    ans = next(c["text"] for c in v["choices"] if c["correct"])
                if email.startswith("alan") and item == "training_goal":
                    ans = next(c["text"] for c in v["choices"] if c["mistake"] == "argmax")  \
                        if any(c["mistake"] == "argmax" for c in v["choices"]) else "nonsense"
                cells += [f"Some stem text ... Question code: {code}", ans]
            w.writerow(["L", "F", email, "Finished", "", "", "", "", *cells])
        w.writerow(["Overall average", "", "", "", "", "", "", "", "", "", "", "", "", ""])
    out = tmp_path / "g"
    r = CliRunner().invoke(main, ["quiz", "grade", "--key", str(quiz / "key.json"), "--responses", str(resp),
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    grades = {g["student"]: g for g in rows(out / "grades.csv")}
    assert float(grades["ada@example.edu"]["total"]) == 3
    assert float(grades["alan@example.edu"]["total"]) == 2 and float(grades["alan@example.edu"]["training_goal"]) == 0


def test_cli_errors_name_the_problem(tmp_path):
    r = CliRunner().invoke(main, ["quiz", "--items", "total_loss,nope", "--out", str(tmp_path)])
    assert r.exit_code != 0 and "nope" in r.output
    r = CliRunner().invoke(main, ["quiz", "--format", "pdf", "--out", str(tmp_path)])
    assert r.exit_code != 0 and "pdf" in r.output
    bad = tmp_path / "roster.csv"
    bad.write_text("name\nAda\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["quiz", "--roster", str(bad), "--out", str(tmp_path)])
    assert r.exit_code != 0 and str(bad) in r.output and "student_id" in r.output
    notkey = tmp_path / "k.json"
    notkey.write_text("{}", encoding="utf-8")
    r = CliRunner().invoke(main, ["quiz", "grade", "--key", str(notkey), "--responses", str(bad), "--out",
                                  str(tmp_path / "o")])
    assert r.exit_code != 0 and str(notkey) in r.output


def test_formats_can_be_combined(tmp_path, gift_pegjs):
    r = run("--items", "dataset_loss", "--items", "total_loss", "--variants", "2", "--format", "gift,json",
            "--format", "qti",
            "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key.json", "quiz.gift", "quiz.json", "quiz.qti.zip"]
    assert json.loads((tmp_path / "key.json").read_text(encoding="utf-8"))["items"] == ["dataset_loss", "total_loss"]
    codes = [v["code"] for v in json.loads((tmp_path / "quiz.json").read_text(encoding="utf-8"))["variants"]]
    parsed = gift_pegjs(tmp_path / "quiz.gift")  # the GIFT file, as another GIFT tool reads it
    assert [q["title"] for q in parsed if q["type"] != "Category"] == codes and len(codes) == 4


def test_bundled_example_responses_grade_as_documented(tmp_path):
    """`make demo` grades examples/quiz_responses.csv against the roster quiz of seed 2026."""
    assert run("--roster", str(ROSTER), "--seed", "2026", "--format", "json", "--out", str(tmp_path)).exit_code == 0
    responses = ROSTER.parent / "quiz_responses.csv"
    r = CliRunner().invoke(main, ["quiz", "grade", "--key", str(tmp_path / "key.json"), "--responses",
                                  str(responses), "--out", str(tmp_path / "g")])
    assert r.exit_code == 0, r.output
    assert "warning" not in r.output and "0 problem(s)" in r.output, r.output  # `make demo` runs clean
    totals = {g["student"]: float(g["total"]) for g in rows(tmp_path / "g" / "grades.csv")}
    assert totals == {"s001": 9.0, "s002": 8.0, "s003": 4.0, "s004": 0.0, "s005": 0.0}
    scored = rows(tmp_path / "g" / "scored_responses.csv")
    assert {(s["student"], s["item"], s["mistake"]) for s in scored if s["score"] == "0.0"} == {
        ("s002", "total_loss", "mean-instead-of-sum"), ("s004", "dataset_loss", "not-a-number")}


def test_roster_rows_are_checked_and_odd_ids_stay_inside_out(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n../evil,E\n,Nobody\nok1,A\nok1,Again\n", encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["quiz", "--roster", str(roster), "--items", "total_loss", "--format", "md",
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert f"{roster}:3: empty student_id" in r.output and f"{roster}:5: duplicate student_id 'ok1'" in r.output
    papers = sorted(p.name for p in (out / "students").iterdir())
    assert len(papers) == 2 and "ok1.md" in papers and not (tmp_path / "evil.md").exists()
    assert [k["student_id"] for k in rows(out / "answer_key.csv")] == ["../evil", "ok1"]
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("student,item,answer\nJos\xe9,total_loss,4\n".encode("latin-1"))
    other = ROSTER.parent / "quiz_responses.csv"
    r = CliRunner().invoke(main, ["quiz", "grade", "--key", str(out / "key.json"), "--responses", str(bad),
                                  "--responses", str(other), "--out", str(tmp_path / "g")])
    assert r.exit_code == 0 and f"{bad}: cannot read responses" in r.output
    assert f"{other}:2: cannot tell which variant" in r.output  # the next file is still read, row by row


def test_grade_wide_export_with_question_text_headers(tmp_path):
    """Canvas's Student Analysis shape: a column per question (header = its text), empty where not drawn."""
    quiz = tmp_path / "quiz"
    assert run("--items", "dataset_loss,which_predictions", "--variants", "2", "--seed", "3", "--format", "qti",
               "--out", str(quiz)).exit_code == 0
    doc = json.loads((quiz / "key.json").read_text(encoding="utf-8"))
    codes = list(doc["variants"])  # dataset_loss/3/0, dataset_loss/3/1, which_predictions/3/0, which_predictions/3/1
    header = ["name", "id", "sis_id", "section", "submitted", "attempt"]
    for n, c in enumerate(codes):
        header += [f"{1000 + n}: Some question text. Question code: {c}", "1.0"]
    header += ["n correct", "n incorrect", "score"]

    def answer(code: str, right: bool) -> str:
        v = doc["variants"][code]
        if v["type"] == "numeric":
            return str(v["answer"] if right else v["mistakes"][0]["value"])
        return next(c["text"] for c in v["choices"] if c["correct"] == right)

    drawn = {"u1": (codes[0], codes[3], True), "u2": (codes[1], codes[2], False)}
    resp = tmp_path / "analysis.csv"
    with open(resp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for sid, (a, b, right) in drawn.items():
            cells = []
            for c in codes:
                cells += [answer(c, right) if c in (a, b) else "", ""]
            w.writerow([sid.upper(), "1", sid, "S", "2026-01-01", "1", *cells, "", "", ""])
    out = tmp_path / "g"
    r = CliRunner().invoke(main, ["quiz", "grade", "--key", str(quiz / "key.json"), "--responses", str(resp),
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    grades = {g["student"]: g for g in rows(out / "grades.csv")}
    assert float(grades["u1"]["total"]) == 2 and float(grades["u2"]["total"]) == 0
    u2 = [s for s in rows(out / "scored_responses.csv") if s["student"] == "u2"]
    assert sorted(s["variant"] for s in u2) == [codes[1], codes[2]] and all(s["mistake"] for s in u2)
