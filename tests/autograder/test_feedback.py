"""Issue 18 (feedback that teaches) in the runtime and the build: "does not run" is its own category, a mistake is
named only when the value is one mistake's signature, hidden tests' messages quote nothing of the student's value,
the MCQ check cell says "recorded" (never "passed") and a wrong letter is recorded as its distractor's mistake;
issue 21's item: mistake ids declared by content, refused when unknown, labelled wherever checks are read."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from autograder.runtime.checks import Checks, Mistake, Test, compare, evaluate
from autograder.runtime.mistakes import Known, declare, label

ROOT = Path(__file__).resolve().parents[2]


def _error(text: str) -> dict:
    return {"type": "error", "error": text}


@pytest.mark.parametrize("error", ["SyntaxError: expected ':'", "IndentationError: expected an indented block",
                                   "ModuleNotFoundError: No module named 'numpyy'",
                                   "ImportError: cannot import name 'word_tokenize' from 'lmcore'",
                                   "NameError: name 'tokenize' is not defined"])
def test_feedback_code_that_cannot_run_is_does_not_run_not_unattempted(error):
    for hidden in (False, True):
        out = compare(Test("q1 t", "tokenize(TEXT)", ["a"], kind="exact", hidden=hidden), _error(error))
        assert not out.passed and out.mistake == "does-not-run" and "does not run" in out.message
        assert "numpyy" not in out.message and "word_tokenize" not in out.message  # nothing of the exception
    passed_on = compare(Test("q2 t", "_steps(train_step)[0]", 1.0), _error("NameError: name 'train_step' is not "
                                                                           "defined"))
    assert passed_on.mistake == "does-not-run"  # a function handed to a probe helper counts too
    stub = compare(Test("q1 t", "tokenize(TEXT)", ["a"], kind="exact"), _error("NotImplementedError: split"))
    assert stub.mistake == "unattempted"


def test_feedback_an_undefined_name_inside_the_answer_or_an_mcq_is_not_does_not_run():
    inside = compare(Test("q1 t", "tokenize(TEXT)", ["a"], kind="exact"), _error("NameError: name 'troch' is not "
                                                                                  "defined"))
    module = compare(Test("q1 t", "f(torch.ones(2))", 1.0), _error("NameError: name 'torch' is not defined"))
    mcq = compare(Test("q7 answer", "q7_answer", ["B"], kind="choice", hidden=True),
                  _error("NameError: name 'q7_answer' is not defined"))
    assert inside.mistake is None and module.mistake is None and mcq.mistake != "does-not-run"


def test_feedback_hidden_messages_quote_nothing_of_the_students_value():
    """A hidden test says pass/fail, its own words and the mistake: never the value, exception, shape or dtype."""
    array = Test("q5 h", "f()", [[1.0, 0.0]], kind="array", shape=[1, 2], dtype="float32", hidden=True,
                 failure_message="one row per target.")
    leaks = [compare(array, {"type": "str", "value": "LEAKED (4, 2)"}),
             compare(array, {"type": "array", "shape": [3, 7], "dtype": "float32", "value": [[0.0] * 7] * 3}),
             compare(array, {"type": "array", "shape": [1, 2], "dtype": "int64", "value": [[1, 0]]}),
             compare(Test("q1 h", "f()", 4.0, hidden=True), {"type": "number", "value": 31337.5}),
             compare(Test("q1 h", "f()", 4.0, hidden=True), _error("ValueError: LEAKED [3.21, 2.66]")),
             compare(Test("q1 h", "f()", ["a"], kind="exact", hidden=True), {"type": "other", "repr": "LEAKED obj"})]
    for out in leaks:
        assert not out.passed and not any(s in out.message for s in ("LEAKED", "31337", "(3, 7)", "int64",
                                                                       "ValueError", "3.21")), out.message
    assert [o.mistake for o in leaks[:3]] == ["wrong-type", "wrong-shape", "wrong-dtype"]
    public = compare(Test("q1 p", "f()", 4.0), {"type": "number", "value": 31337.5})
    assert "31337.5" in public.message  # a public test shows the student's own value


def test_feedback_a_value_two_mistakes_give_is_named_by_neither():
    """1.2, 0.5, 2.3: the largest term and the last term are both 2.3; naming either would be a guess."""
    t = Test("q1 t", "f()", 4.0, mistakes=[Mistake("max-for-sum", 2.3, "largest"), Mistake("last-step-only", 2.3,
                                                                                            "last")])
    out = evaluate(t, 2.3)
    assert not out.passed and out.mistake is None
    assert evaluate(Test("q1 t", "f()", 4.0, mistakes=t.mistakes[:1]), 2.3).mistake == "max-for-sum"


def test_feedback_a_wrong_kind_of_value_is_named_wrong_type():
    assert evaluate(Test("q2 t", "f()", ["<pad>", "a"], kind="exact"), {"<pad>", "a"}).mistake == "wrong-type"
    assert evaluate(Test("q6 t", "f()", 16.0), [4.0, 8.4, 3.6]).mistake == "wrong-type"
    assert evaluate(Test("q3 t", "f()", [1.0, 2.0], kind="array", shape=[2], dtype="float"), [1.0, 2.0]).mistake \
        == "wrong-type"


# ------------------------------------------------------------------ mistake ids declared by content
def test_feedback_declared_mistakes_are_labelled_and_refused_when_they_clash():
    declare({"fb-test-sorted-twice": Known("sorted twice", "sort once.")}, "a/mistakes.py")
    assert label("fb-test-sorted-twice") == "sorted twice"
    declare({"fb-test-sorted-twice": ["sorted twice", "sort once."]}, "checks of a")  # the same words again: fine
    with pytest.raises(ValueError, match="a/mistakes.py"):
        declare({"fb-test-sorted-twice": Known("other words", "other.")}, "b/mistakes.py")
    with pytest.raises(ValueError, match="already in the catalogue"):
        declare({"mean-instead-of-sum": Known("mean again", "sum.")}, "c/mistakes.py")
    with pytest.raises(ValueError, match="label in words"):
        declare({"fb-test-slug": Known("slug", "no period")}, "d/mistakes.py")


def test_feedback_the_words_of_content_ids_travel_in_the_checks_document(tmp_path):
    """The grader and the report read the zip's checks, not the content: loading them makes the labels known."""
    from autograder.build import draw_mcqs, make_checks, variant_params
    from autograder.course.content import load_assignment

    a = load_assignment("tokens")
    checks = make_checks(a, variant_params(a, "default"), draw_mcqs(a, "default"), "default")
    assert checks.mistakes["first-seen-order"][0] == "first-seen order"
    path = tmp_path / "default.json"
    path.write_text(checks.to_json())
    code = ("import sys; from autograder.runtime.checks import Checks; from autograder.runtime.mistakes import label;"
            "before = label('first-seen-order'); Checks.from_json(open(sys.argv[1]).read());"
            "print(before, '|', label('first-seen-order'))")
    r = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "first-seen-order | first-seen order", r.stderr


def test_feedback_an_unknown_mistake_id_stops_the_build_naming_the_file(tmp_path):
    from autograder.build import make_checks
    from autograder.course.content import Assignment, ContentError, QuestionDir

    folder = tmp_path / "assignments" / "toy" / "01_double"
    folder.mkdir(parents=True)
    (folder / "checks.py").write_text(
        "from autograder.runtime.checks import Mistake, Question, Test\n\n\ndef question(p, name):\n"
        "    return Question(name, 1, [Test(f'{name} doubles', 'double(2)', 4.0, mistakes=[\n"
        "        Mistake('tripled-instead', 6.0, 'you tripled it.')])])\n")
    module = types.SimpleNamespace(data_cell=lambda p: "", MISTAKES={})
    (folder.parent / "assignment.py").write_text("")
    a = Assignment("toy", folder.parent, module, (QuestionDir("q1", 1, "double", folder, "code"),))
    with pytest.raises(ContentError, match=r"01_double/checks\.py.*'tripled-instead'"):
        make_checks(a, {}, {}, "default")
    (folder / "mistakes.py").write_text("from autograder.runtime.mistakes import Known\n\nMISTAKES = {"
                                        "'tripled-instead': Known('tripled instead of doubled', 'double it.')}\n")
    checks = make_checks(a, {}, {}, "default")
    assert checks.mistakes == {"tripled-instead": ["tripled instead of doubled", "double it."]}


# ------------------------------------------------------------------ multiple-choice questions
def _mcq_test_file(tmp_path: Path, test: Test) -> object:
    from dataclasses import asdict

    from otter.test_files.exception_test import ExceptionTestFile

    data = {"question": "q7", "forbidden": [], "setup": {"default": ""}, "variants": {"default": asdict(test)}}
    path = tmp_path / "q7.py"
    path.write_text("from otter.test_files import test_case\n\nOK_FORMAT = False\nname = 'q7'\npoints = None\n\n"
                    f"@test_case(points=0, hidden=False, success_message={test.success_message!r})\n"
                    "def test_q7(env):\n    import json\n    from autograder.runtime import check\n"
                    f"    data = json.loads({json.dumps(data)!r})\n    check(env, data)\n")
    return ExceptionTestFile.from_file(str(path))


def test_feedback_mcq_check_cell_says_recorded_and_never_passed(tmp_path):
    from autograder.build.mcq import MCQ
    from autograder.runtime.mcq import recorded

    form = MCQ("item", "stem", ["w", "x", "y"], ["B"], {"A": ("argmax", "Sign."), "C": ("max-for-sum", "Max.")}
               ).question("q7", 1).tests[0]
    ok = _mcq_test_file(tmp_path, form)
    ok.run({"q7_answer": "c", "LMCOURSE_VARIANT": "default"})
    shown = recorded(ok)
    for text in (repr(shown), shown._repr_html_()):
        assert "recorded" in text and "graded after the deadline" in text and "passed" not in text.lower()
    bad = _mcq_test_file(tmp_path, form)
    bad.run({"q7_answer": "Option B", "LMCOURSE_VARIANT": "default"})
    assert recorded(bad) is bad and "one correct option" in bad.summary()
    assert recorded(None) is None  # the grader's stand-in for grader.check returns None


@pytest.mark.slow  # one `lmcourse build` (Otter Assign)
def test_feedback_built_mcq_has_no_otter_check_cell_only_the_recorded_one(tmp_path):
    import re

    import nbformat

    r = subprocess.run([sys.executable, "-m", "autograder.cli", "build", "loss", "--out", str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    nb = nbformat.read(tmp_path / "loss" / "student" / "loss.ipynb", as_version=4)
    mcqs = sorted({m for c in nb.cells for m in re.findall(r"^(q\d+)_answer = ", c.source, flags=re.M)})
    assert mcqs
    for q in mcqs:
        cells = [c.source for c in nb.cells if f'grader.check("{q}")' in c.source]
        assert cells == [f'from autograder.runtime.mcq import recorded\nrecorded(grader.check("{q}"))'], cells
        prompt = next(c.source for c in nb.cells if c.cell_type == "markdown" and "multiple choice" in c.source)
        assert "the one correct option" in prompt and "several" not in prompt


def test_feedback_a_wrong_mcq_letter_is_recorded_as_its_distractors_mistake():
    from autograder.build import draw_mcqs, make_checks, variant_params
    from autograder.course.content import load_assignment
    from autograder.grade.scoring import score

    a = load_assignment("loss")
    checks = make_checks(a, variant_params(a, "default"), draw_mcqs(a, "default"), "default")
    (q,) = [q for q in checks.questions if q.kind == "mcq"]
    form, key = q.tests
    wrong = next(m for m in key.mistakes)
    answers = {t.name: {"type": "str", "value": wrong.value[0]} for t in q.tests}
    result = score(Checks(checks.assignment, [q], checks.variant), {"answers": answers, "done": True}, 60)
    assert result["extra_data"]["lmcourse"]["mistakes"] == [{"question": q.name, "test": key.name,
                                                             "mistake": wrong.name}]
    assert label(wrong.name) != wrong.name  # the report labels it in words
