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


def test_an_exception_can_name_its_mistake():
    t = CheckTest("q5 long", "f()", -900.0, error_mistake="product-underflow", failure_message="take a sum of logs.")
    out = compare(t, {"type": "error", "error": "ValueError: math domain error"})
    assert not out.passed and out.mistake == "product-underflow"
    assert "math domain error" in out.message and "sum of logs" in out.message
    assert compare(CheckTest("q", "f()", 1.0), {"type": "error", "error": "E"}).mistake is None
