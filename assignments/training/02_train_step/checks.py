"""train_step: zero the gradients, evaluate the objective, backpropagate, step; return the value before the step.

Tested with the probe helpers' stand-in objective, so a wrong `objective` (question 1) does not fail this question.
"""

from assignments.training.common import stand_in_run
from autograder.runtime.checks import Mistake, Question, Test


def question(p: dict, name: str) -> Question:
    want = stand_in_run(p, 2)
    no_zero_grad = stand_in_run(p, 2, zero_grad=False)
    return Question(name, 2, [
        Test(f"{name} returns the objective before the step", "_two_steps(train_step)[0]", want[0], rtol=1e-4,
             failure_message="return the value of objective(model, sequences) computed before the update."),
        Test(f"{name} two steps lower the objective", "_two_steps(train_step)", want, kind="array", shape=[3],
             rtol=1e-4, atol=1e-7, hidden=True,
             failure_message="each call makes one step of the given optimizer on objective(model, sequences), "
             "after zeroing the gradients (optimizer.zero_grad()).",
             mistakes=[] if no_zero_grad == want else [
                 Mistake("stale-gradients", no_zero_grad, "the second step used the first step's gradients too: "
                         "call optimizer.zero_grad() before backward().")]),
    ])
