"""train: `steps` SGD steps on the given objective; the values seen before each step.

Tested with the probe helpers' stand-in objective, so a wrong `objective` (question 1) does not fail this question.
"""

from assignments.training.common import stand_in_run
from autograder.runtime.checks import Question, Test


def question(p: dict, name: str) -> Question:
    steps = p["steps"]
    curve = stand_in_run(p, steps)[:steps]
    if not all(b < a for a, b in zip(curve, curve[1:], strict=False)):
        raise ValueError(f"training: the stand-in objective does not go down for lr={p['lr']}: {curve}")
    probe = f"train(fresh_model(), SEQS, {steps}, LR, _stand_in)"
    uses_step = " If train calls your train_step, make question 2 pass first."
    return Question(name, 2, [
        Test(f"{name} the objective goes down",
             f"(lambda c: len(c) == {steps} and all(b < a for a, b in zip(c, c[1:])))({probe})", True, kind="exact",
             failure_message=f"train should return {steps} objective values, each lower than the one before."
             + uses_step),
        Test(f"{name} training curve", probe, curve, kind="array", shape=[steps], rtol=1e-3, atol=1e-6,
             hidden=True, failure_message=f"return the {steps} objective values seen before each step." + uses_step),
    ])
