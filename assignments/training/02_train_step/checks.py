"""train_step: zero the gradients, evaluate the objective, backpropagate, step; return the value before the step.

Tested with the probe helpers' stand-in objectives, so a wrong `objective` (question 1) does not fail this question.
"""

from assignments.signatures import distinct
from assignments.training.common import dataset, run, stand_in, true_objective
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = "def train_step(model, optimizer, sequences, objective):\n"
REQUIREMENTS = [
    Requirement("the gradients are zeroed before backward()", ["two steps lower the objective"],
                FN + "    loss = objective(model, sequences)\n    loss.backward()\n    optimizer.step()\n"
                "    return float(loss)\n", "stale-gradients", prompt=["zero the gradients first"]),
    Requirement("one optimizer step is made", ["two steps lower the objective"],
                FN + "    optimizer.zero_grad()\n    loss = objective(model, sequences)\n    loss.backward()\n"
                "    return float(loss)\n", "no-update", prompt=["one optimizer step that lowers"]),
    Requirement("it returns the value computed before the update", ["returns the objective before the step",
                                                                    "two steps lower the objective"],
                FN + "    optimizer.zero_grad()\n    objective(model, sequences).backward()\n    optimizer.step()\n"
                "    return float(objective(model, sequences))\n", "value-after-step",
                prompt=["computed before the update"]),
    Requirement("the step lowers the objective (a descent, not an ascent)", ["two steps lower the objective"],
                FN + "    optimizer.zero_grad()\n    loss = objective(model, sequences)\n    (-loss).backward()\n"
                "    optimizer.step()\n    return float(loss)\n", "argmax", prompt=["lowers"]),
    Requirement("it uses the optimizer, sequences and objective it is given", ["another optimizer, objective and "
                                                                                "sequences"],
                FN + "    opt = torch.optim.SGD(model.parameters(), lr=LR)\n    opt.zero_grad()\n"
                "    loss = objective(model, sequences)\n    loss.backward()\n    opt.step()\n    return float(loss)\n",
                "ignored-argument", prompt=["`objective(model, sequences)`", "one optimizer step"]),
]


def _mistakes(p: dict, **kw) -> list[Mistake]:
    """What `_steps` sees for each known wrong training step, with the probe's own arguments `kw`."""
    return [
        Mistake("stale-gradients", run(p, 2, zero_grad=False, **kw), "the second step used the first step's "
                "gradients too: call zero_grad() on the optimizer before backward()."),
        Mistake("no-update", run(p, 2, step=False, **kw), "the parameters did not change: call the optimizer's step() "
                "after backward() (and zero the gradients before backward(), not between backward() and step())."),
        Mistake("value-after-step", run(p, 2, after=True, **kw), "you returned the objective after the update: "
                "return the value computed before the optimizer's step(), the one the step was taken on."),
        Mistake("argmax", run(p, 2, ascend=True, **kw), "the objective went up: backpropagate the objective itself "
                "(not its negative), so that the step lowers it."),
        Mistake("mean-instead-of-sum", run(p, 2, scale=1 / len(kw.get("sequences") or dataset(p["corpus_seed"])[0]),
                                           **kw), "you divided the objective by the number of sequences: train on "
                "objective(model, sequences) as it is given (a sum), and return its value."),
    ]


def question(p: dict, name: str) -> Question:
    want = run(p, 2)
    seqs = dataset(p["corpus_seed"])[0]
    other = {"sequences": seqs[:6], "objective": stand_in("_stand_in_half"), "lr": 2 * p["lr"], "momentum": 0.5}
    probe = "_steps(train_step, 2, SEQS[:6], _stand_in_half, lambda ps: torch.optim.SGD(ps, lr=2 * LR, momentum=0.5))"
    ignored = "used its own optimizer, the notebook's SEQS or another objective: use the optimizer, sequences and " \
              "objective train_step is given."
    final = {"final": stand_in("_stand_in_half")}
    return Question(name, 4, [
        distinct(Test(f"{name} returns the objective before the step", "_steps(train_step)[0]", want[0], rtol=1e-4,
                      failure_message="return the value of objective(model, sequences) computed before the update.",
                      mistakes=[Mistake(m.name, m.value[0], m.message) for m in _mistakes(p)])),
        distinct(Test(f"{name} two steps lower the objective", "_steps(train_step)", want, kind="array", shape=[3],
                      rtol=1e-4, atol=1e-7, mistakes=_mistakes(p),
                      failure_message="each call makes one step of the given optimizer on objective(model, "
                      "sequences), after zeroing the gradients (zero_grad() on the optimizer).")),
        distinct(Test(f"{name} another optimizer, objective and sequences", probe, run(p, 2, **other), kind="array",
                      shape=[3], rtol=1e-4, atol=1e-7, hidden=True, points=2, mistakes=[
                          *_mistakes(p, **other),
                          Mistake("ignored-argument", run(p, 2, **{**other, "lr": p["lr"], "momentum": 0.0}), ignored),
                          Mistake("ignored-argument", run(p, 2, **{**other, "sequences": seqs},
                                                          final_sequences=seqs[:6]), ignored),
                          Mistake("ignored-argument", run(p, 2, **{**other, "objective": true_objective, **final}),
                                  ignored)])),
    ])
