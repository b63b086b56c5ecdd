"""autograder.runtime.checks and autograder.runtime.otter: the plain-data checks every assignment test is made of."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import lmcore
from autograder.runtime.checks import NONFINITE, Checks, Mistake, Question, compare, evaluate, to_plain
from autograder.runtime.checks import Test as CheckTest
from autograder.runtime.otter import check


def _num(expect: float, mistakes: list[Mistake] = ()) -> CheckTest:
    return CheckTest("t", "x", expect, mistakes=list(mistakes))


def test_number_passes_and_names_mean_instead_of_sum():
    t = _num(4.0, [Mistake("mean-instead-of-sum", 4.0 / 3, "mean, not sum")])
    assert evaluate(t, lmcore.total_loss([1.2, 0.5, 2.3])).passed
    out = evaluate(t, sum([1.2, 0.5, 2.3]) / 3)
    assert not out.passed and out.mistake == "mean-instead-of-sum" and "mean, not sum" in out.message


def test_nonfinite_mistake_names_log_softmax_overflow():
    logits = torch.tensor([[1.0, 2.0, 3.0]]) * 1000
    naive = -torch.log(torch.softmax(logits, -1))[0, 0]
    assert math.isinf(float(naive))
    t = _num(float(lmcore.step_losses(logits, [0])[0]), [Mistake("overflow", NONFINITE, "use log-softmax")])
    out = evaluate(t, naive)
    assert out.mistake == "overflow"
    assert evaluate(t, lmcore.step_losses(logits, [0])[0]).passed
    assert evaluate(t, 5.0).mistake is None  # a finite wrong value is not called an overflow


def test_array_shape_mistake_is_named_before_generic_shape_message():
    ids = [4, 5, 7, 6]
    want = lmcore.one_hot(ids[1:], 8)
    t = CheckTest("q5", "p", want.tolist(), kind="array", shape=list(want.shape), dtype="float32",
             mistakes=[Mistake("row-for-x0", lmcore.one_hot(ids, 8).tolist(), "x_0 is context only")])
    assert evaluate(t, want).passed
    assert evaluate(t, lmcore.one_hot(ids, 8)).mistake == "row-for-x0"
    assert evaluate(t, torch.zeros(2, 8)).mistake == "wrong-shape"
    wrong_dtype = evaluate(t, want.long())
    assert wrong_dtype.mistake == "wrong-dtype" and "int64" in wrong_dtype.message


def test_correct_value_with_wrong_dtype_is_not_matched_as_a_mistake_value():
    want = np.eye(3, dtype=np.float32)
    t = CheckTest("q", "p", want.tolist(), kind="array", shape=[3, 3], dtype="float32",
             mistakes=[Mistake("same-values", want.tolist(), "should never be reported for a correct answer")])
    assert evaluate(t, want).passed


def test_choice_is_case_and_order_insensitive_and_hidden_message_keeps_the_key():
    t = CheckTest("q7 answer", "q7_answer", ["A", "C"], kind="choice", hidden=True)
    assert evaluate(t, "c, a").passed and evaluate(t, "(A);(C)").passed
    out = evaluate(t, "B")
    assert not out.passed and "A" not in out.message.replace("q7 answer", "") and "C" not in out.message[3:]


def test_checks_json_round_trip():
    c = Checks("loss", [Question("q1", 1, [_num(4.0, [Mistake("m", 1.0, "msg")])])], variant="v1", setup="x = 1")
    again = Checks.from_json(c.to_json())
    assert again == c and again.to_json() == c.to_json()
    with pytest.raises(ValueError, match="not an"):
        Checks.from_dict({"format": "other"})


def test_to_plain_of_error_free_values():
    assert to_plain(np.float32(2.5)) == {"type": "array", "shape": [], "dtype": "float32", "value": 2.5}
    assert compare(_num(2.5), to_plain(torch.tensor(2.5))).passed


def _data(test: CheckTest, forbidden: list[str] = (), setup: str = "") -> dict:
    from dataclasses import asdict

    return {"question": "q1", "forbidden": list(forbidden), "setup": {"default": setup, "v2": setup},
            "variants": {"default": asdict(test), "v2": asdict(CheckTest(test.name, test.probe, 99.0))}}


def test_otter_check_picks_the_notebooks_variant_and_uses_setup_data():
    data = _data(CheckTest("q1 total", "f(DATA)", 4.0), setup="DATA = [1.2, 0.5, 2.3]")
    env = {"f": lambda xs: math.fsum(xs), "DATA": [0.0], "LMCOURSE_VARIANT": "default"}
    check(env, data)  # the setup's DATA, not the student's edited copy, is what the probe sees
    with pytest.raises(AssertionError):
        check({**env, "LMCOURSE_VARIANT": "v2"}, data)
    with pytest.raises(AssertionError, match="not a variant"):
        check({**env, "LMCOURSE_VARIANT": "v-unknown"}, data)


def test_otter_check_reports_errors():
    data = _data(CheckTest("q1 total", "f([1.2, 0.5, 2.3])", 4.0), forbidden=["lmcore.losses.total_loss"])

    def stub(xs):
        raise NotImplementedError("q1: sum the step losses")

    with pytest.raises(AssertionError, match="NotImplementedError"):
        check({"f": stub}, data)


def test_checks_an_exception_names_a_mistake_only_when_it_is_its_signature():
    """Issue 10 #3: the 400-token test said "underflows" for any failure (NameError, NotImplementedError...)."""
    t = CheckTest("q5 long", "f()", -900.0, failure_message="take a sum of logs.", mistakes=[
        Mistake("product-underflow", {"raises": "ValueError: math domain error"}, "the product underflows"),
        Mistake("product-underflow", NONFINITE, "the product underflows"),
        Mistake("missing-minus", 900.0, "sign")])
    out = compare(t, {"type": "error", "error": "ValueError: math domain error"})
    assert not out.passed and out.mistake == "product-underflow" and "underflows" in out.message
    assert compare(t, to_plain(float("-inf"))).mistake == "product-underflow"
    for error in ("NameError: name 'math' is not defined", "TypeError: bad operand"):
        out = compare(t, {"type": "error", "error": error})
        assert out.mistake is None and "underflow" not in out.message and error in out.message
    minus = compare(t, to_plain(900.0))
    assert minus.mistake == "missing-minus" and "underflow" not in minus.message


def test_checks_unimplemented_stub_and_blank_mcq_are_unattempted():
    out = compare(_num(4.0, [Mistake("product-underflow", {"raises": "NotImplementedError"}, "underflow")]),
                  {"type": "error", "error": "NotImplementedError: sum the step losses"})
    assert out.mistake == "unattempted" and "not attempted" in out.message and "underflow" not in out.message
    key = CheckTest("q7 answer", "q7_answer", ["B"], kind="choice", hidden=True)
    form = CheckTest("q7 format", "q7_answer", ["A", "B", "C"], kind="choice-format", points=0)
    for t in (key, form):
        assert evaluate(t, ...).mistake == "unattempted" and evaluate(t, None).mistake == "unattempted"
    from autograder.runtime.mistakes import MISTAKES

    assert "unattempted" in MISTAKES


def test_checks_mcq_public_check_validates_only_the_format_and_says_it_is_recorded():
    """Issue 10 #2: the public MCQ check passes any option letter (right or wrong) and says it is graded later;
    it rejects what is not an option letter ("Option B", "E"), before the deadline. Issue 18: its hint fits the
    question (one letter for a single-answer question, so "a, c" is refused), and the hidden key test names the
    mistake each wrong letter stands for."""
    from autograder.build.mcq import MCQ

    wrong = {"A": ("mean-instead-of-sum", "Mean for sum: the loss adds."), "B": ("argmax", "Sign error."),
             "D": ("max-for-sum", "Largest only.")}
    mcq = MCQ("item", "stem", ["w", "x", "y", "z"], ["C"], wrong)
    q = mcq.question("q7", 1)
    form, key = q.tests
    assert not form.hidden and form.points == 0 and key.hidden and key.points == 1 and q.points == 1
    assert form.expect == ["A", "B", "C", "D"]  # every option letter: the key is not singled out
    for answer in ("A", " b ", "c", "(D)"):
        out = evaluate(form, answer)
        assert out.passed and "recorded" in out.message and "graded after the deadline" in out.message
    for answer in ("Option B", "E", "", 2, "AB", "a, c"):
        out = evaluate(form, answer)
        assert not out.passed and "letter of the one correct option" in out.message
        assert "case and spaces do not matter" in out.message and "comma" not in out.message
    assert evaluate(key, "c").passed
    for letter, (mistake, words) in wrong.items():
        out = evaluate(key, letter.lower())
        assert not out.passed and out.mistake == mistake and words in out.message
    several = MCQ("item", "stem", ["w", "x", "y"], ["A", "C"], {"B": ("argmax", "Sign error.")}).question("q1", 1)
    assert evaluate(several.tests[0], "a, c").passed and "comma" in evaluate(several.tests[0], "x").message
    assert evaluate(several.tests[1], "C, A").passed and evaluate(several.tests[1], "B").mistake == "argmax"


def test_checks_otter_shows_only_the_feedback_without_line_framing_or_probe_warnings(tmp_path):
    """Issue 10 #10: Otter framed failures as "Error at line 13 in test ...: check(env, data)", and torch
    warnings from the grader's own probe reached the student."""
    import json
    import warnings
    from dataclasses import asdict

    from otter.test_files.exception_test import ExceptionTestFile

    t = CheckTest("q1 total", "f([1.2, 0.5, 2.3])", 4.0, mistakes=[Mistake("mean-instead-of-sum", 4.0 / 3, "mean!")])
    data = {"question": "q1", "forbidden": [], "setup": {"default": ""}, "variants": {"default": asdict(t)}}
    path = tmp_path / "q1.py"
    path.write_text("from otter.test_files import test_case\n\nOK_FORMAT = False\nname = 'q1'\npoints = None\n\n"
                    "@test_case(points=1, hidden=False)\ndef test_q1(env):\n    import json\n"
                    "    from autograder.runtime import check\n"
                    f"    data = json.loads({json.dumps(data)!r})\n    check(env, data)\n")

    def warn_then_mean(xs):
        warnings.warn("a grader-side UserWarning", UserWarning, stacklevel=2)
        return sum(xs) / len(xs)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        tf = ExceptionTestFile.from_file(str(path))
        tf.run({"f": warn_then_mean, "LMCOURSE_VARIANT": "default"})
    message = tf.test_case_results[0].message
    assert "mean!" in message and "Error at line" not in message and "check(env, data)" not in message
    assert not [w for w in seen if "grader-side" in str(w.message)]
    other = ExceptionTestFile.from_file(str(path))  # an error outside lmcourse's check keeps Otter's framing
    other.run({})
    assert "mean!" not in other.test_case_results[0].message
