"""sequence_total: the sequence loss is the SUM of the step losses (1.2 + 0.5 + 2.3 = 4.0)."""

import math

import lmcore
from assignments.loss.common import num
from autograder.runtime.checks import Mistake, Question
from autograder.runtime.requirements import Requirement

FN = "def sequence_total(step_losses):\n"
REQUIREMENTS = [
    Requirement("the sum of the step losses, not their mean", ["sums the step losses", "on another sequence"],
                FN + "    return sum(step_losses) / len(step_losses)\n", "mean-instead-of-sum",
                prompt=["L_θ(x) = Σ_i L_i"]),
    Requirement("every step's loss counts, the first and the last too", ["on another sequence"],
                FN + "    return sum(step_losses[1:])\n", "first-term-dropped", prompt=["every step's loss"]),
]


def _mistakes(steps: list[float]) -> list[Mistake]:
    total = lmcore.total_loss(steps)
    return [
        Mistake("mean-instead-of-sum", total / len(steps), "this is the mean of the step losses; the sequence loss "
                "is their sum L_θ(x) = Σ_i L_i."),
        Mistake("max-for-sum", max(steps), "this is the largest step loss; the sequence loss adds every step's "
                "loss."),
        Mistake("last-step-only", steps[-1], "this is the last step's loss only; every step x_1..x_m adds its "
                "loss."),
        Mistake("first-term-dropped", lmcore.total_loss(steps[1:]), "the first step's loss is missing: L_1 counts "
                "too (x_0 has no loss term, but predicting x_1 does)."),
        Mistake("product-for-sum", math.prod(steps), "this is the product of the step losses; the losses add up "
                "(it is the probabilities that multiply)."),
        Mistake("missing-minus", -total, "the sign is wrong: the step losses are added as they are."),
        Mistake("loss-not-probability", lmcore.total_loss([-math.log(x) for x in steps]), "you took −log of each "
                "step loss: they are losses already (−log of a probability), not probabilities."),
    ]


def question(p: dict, name: str) -> Question:
    steps, hidden = p["steps"], p["hidden_steps"]
    return Question(name, 2, [
        num(f"{name} sums the step losses", f"sequence_total({steps!r})", lmcore.total_loss(steps), _mistakes(steps)),
        num(f"{name} on another sequence", f"sequence_total({hidden!r})", lmcore.total_loss(hidden),
            _mistakes(hidden), hidden=True),
    ], forbidden=["lmcore.losses.total_loss"])
