"""train: `steps` SGD steps (learning rate `lr`) on the given objective; the values seen before each step.

Graded with the probe helpers' stand-in objectives and, where `train` calls `train_step`, a correct `train_step` given
by the hidden tests (`_with`), so a mistake in question 1 or 2 costs only that question. The public check runs the
student's own `train_step` and is worth no points: it tells a student whose `train_step` is wrong where to look.
"""

from assignments.signatures import distinct
from assignments.training.common import dataset, run, stand_in, true_objective
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = "import torch\n\n\ndef train(model, sequences, steps, lr, objective):\n"
STEP = "        optimizer.zero_grad()\n        loss = objective(model, sequences)\n        loss.backward()\n" \
       "        optimizer.step()\n        values.append(float(loss))\n"
SGD = "    optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n    values = []\n"
# a correct train_step, given to `train` while the hidden tests run (never in a student file: hidden tests only)
REFERENCE = "lambda model, optimizer, sequences, objective: [optimizer.zero_grad(), " \
            "(loss := objective(model, sequences)).backward(), optimizer.step(), float(loss)][-1]"
REQUIREMENTS = [
    Requirement("the values are those seen before each step", ["training curve"],
                FN + SGD + "    for _ in range(steps):\n        optimizer.zero_grad()\n"
                "        objective(model, sequences).backward()\n        optimizer.step()\n"
                "        values.append(float(objective(model, sequences)))\n    return values\n", "value-after-step",
                prompt=["the list of objective values seen before each step"]),
    Requirement("SGD with the given learning rate", ["another learning rate and step count"],
                FN + SGD.replace("lr=lr", "lr=0.05") + "    for _ in range(steps):\n" + STEP + "    return values\n",
                "ignored-argument", prompt=["`torch.optim.SGD(model.parameters(), lr=lr)`"]),
    Requirement("exactly `steps` steps", ["another learning rate and step count"],
                FN + SGD + "    for _ in range(8):\n" + STEP + "    return values\n", "ignored-argument",
                prompt=["run `steps` training steps"]),
    Requirement("the objective it is given, on the sequences it is given", ["another objective and dataset"],
                FN + SGD + "    for _ in range(steps):\n" + STEP.replace("objective(model, sequences)",
                                                                         "objective(model, SEQS)")
                + "    return values\n", "ignored-argument", prompt=["on `objective(model, sequences)`"]),
    Requirement("the model it is given", ["another model"],
                FN + "    model = fresh_model()\n" + SGD + "    for _ in range(steps):\n" + STEP
                + "    return values\n",
                "ignored-argument", prompt=["`train(model, sequences, steps, lr, objective)`"]),
    Requirement("the gradients are zeroed at every step", ["training curve"],
                FN + SGD + "    for _ in range(steps):\n" + STEP.replace("        optimizer.zero_grad()\n", "")
                + "    return values\n", "stale-gradients", prompt=["`train_step` does one step"]),
]


def _mistakes(p: dict, steps: int, **kw) -> list[Mistake]:
    """The curves train returns when its loop makes a known mistake, with the probe's arguments `kw`."""
    def curve(**more) -> list[float]:
        return run(p, steps, **kw, **more)[:steps]

    return [
        Mistake("stale-gradients", curve(zero_grad=False), "the gradients were not zeroed between steps: call "
                "zero_grad() on the optimizer before each backward()."),
        Mistake("no-update", curve(step=False), "the objective never changed: call the optimizer's step() after each "
                "backward()."),
        Mistake("value-after-step", curve(after=True), "these are the values after each step: record the value "
                "computed before each update."),
        Mistake("argmax", curve(ascend=True), "the objective went up: backpropagate the objective itself (not its "
                "negative), so that each step lowers it."),
        Mistake("wrong-optimizer", curve(adam=True), "this curve comes from Adam: use torch.optim.SGD with lr=lr."),
        Mistake("wrong-optimizer", curve(momentum=0.9), "this curve comes from SGD with momentum: use plain "
                "torch.optim.SGD(model.parameters(), lr=lr)."),
        *[Mistake("wrong-step-count", run(p, n, **kw)[:n], f"train made {n} steps: make exactly `steps`, one value "
                  "per step.") for n in (steps - 1, steps + 1)],
    ]


def question(p: dict, name: str) -> Question:
    steps, lr = p["steps"], p["lr"]
    seqs = dataset(p["corpus_seed"])[0]
    curve = run(p, steps)[:steps]
    if not all(b < a for a, b in zip(curve, curve[1:], strict=False)):
        raise ValueError(f"training: the stand-in objective does not go down for lr={lr}: {curve}")
    trained = f"_with(train, train_step={REFERENCE})"
    ignored = "train ignored an argument (a fixed learning rate or number of steps, the notebook's SEQS or another " \
              "objective): use the arguments it is given."
    few, half = {"lr": 2 * lr}, {"sequences": seqs[:6], "objective": stand_in("_stand_in_half")}
    public = f"train(fresh_model(), SEQS, {steps}, LR, _stand_in)"
    moved = {"shift": 0.5}
    return Question(name, 5, [
        Test(f"{name} the objective goes down",
             f"(lambda c: len(c) == {steps} and all(b < a for a, b in zip(c, c[1:])))({public})", True, kind="exact",
             points=0, failure_message=f"train should return {steps} objective values, each lower than the one "
             "before. If train calls your train_step, make question 2 pass first (this check uses it; the graded "
             "tests give train a correct train_step)."),
        distinct(Test(f"{name} training curve", f"{trained}(fresh_model(), SEQS, {steps}, LR, _stand_in)", curve,
                      kind="array", shape=[steps], rtol=1e-3, atol=1e-6, hidden=True, points=2,
                      mistakes=_mistakes(p, steps),
                      failure_message=f"return the {steps} objective values seen before each step.")),
        distinct(Test(f"{name} another learning rate and step count", f"{trained}(fresh_model(), SEQS, 5, 2 * LR, "
                      "_stand_in)", run(p, 5, **few)[:5], kind="array", shape=[5], rtol=1e-3, atol=1e-6, hidden=True,
                      mistakes=[*_mistakes(p, 5, **few),
                                *[Mistake("ignored-argument", run(p, n, lr=rate)[:n], ignored)
                                  for n, rate in ((5, lr), (steps, 2 * lr), (steps, lr))]])),
        distinct(Test(f"{name} another model", f"{trained}(_shifted(fresh_model(), 0.5), SEQS, 3, LR, _stand_in)",
                      run(p, 3, **moved)[:3], kind="array", shape=[3], rtol=1e-3, atol=1e-6, hidden=True,
                      mistakes=[*_mistakes(p, 3, **moved),
                                Mistake("ignored-argument", run(p, 3)[:3], "train trained another model than the "
                                        "`model` it is given (a fresh one?): train the model it is given."),
                                Mistake("ignored-argument", run(p, steps, **moved)[:steps], ignored)])),
        distinct(Test(f"{name} another objective and dataset", f"{trained}(fresh_model(), SEQS[:6], 3, LR, "
                      "_stand_in_half)", run(p, 3, **half)[:3], kind="array", shape=[3], rtol=1e-3, atol=1e-6,
                      hidden=True, mistakes=[*_mistakes(p, 3, **half),
                                             Mistake("ignored-argument", run(p, 3, **{**half, "sequences": seqs})[:3],
                                                     ignored),
                                             Mistake("ignored-argument", run(p, 3, sequences=seqs[:6],
                                                                             objective=true_objective)[:3], ignored),
                                             Mistake("ignored-argument", run(p, steps, **half)[:steps], ignored)])),
    ])
