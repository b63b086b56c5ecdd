"""dataset_total: the dataset loss sum_{x in D} L_theta(x) is a SUM of sequence losses (8.4 + 2.1 + 5.5 = 16.0)."""

import math

import lmcore
from assignments.loss.common import num
from autograder.runtime.checks import Mistake, Question
from autograder.runtime.requirements import Requirement

FN = "def dataset_total(step_losses_per_sequence):\n"
REQUIREMENTS = [
    Requirement("the sum over the sequences, not their mean", ["dataset loss", "another dataset"],
                FN + "    totals = [sum(s) for s in step_losses_per_sequence]\n    return sum(totals) / len(totals)\n",
                "mean-instead-of-sum", prompt=["Σ_x L_θ(x)"]),
    Requirement("each sequence's loss is the sum of its step losses, not their mean", ["dataset loss",
                                                                                       "another dataset"],
                FN + "    return sum(sum(s) / len(s) for s in step_losses_per_sequence)\n", "sum-of-means",
                prompt=["their step losses are"]),
    Requirement("every sequence of the dataset counts", ["dataset loss", "another dataset"],
                FN + "    return sum(step_losses_per_sequence[0])\n", "single-sequence", prompt=["sequences"]),
]


def _mistakes(data: list[list[float]]) -> list[Mistake]:
    totals = [lmcore.total_loss(s) for s in data]
    total = lmcore.total_loss(totals)
    return [
        Mistake("mean-instead-of-sum", total / len(data), "this is the mean sequence loss; the dataset loss is the "
                "sum Σ_x L_θ(x)."),
        Mistake("mean-per-token", total / sum(len(s) for s in data), "this is the mean loss per token; the dataset "
                "loss is the sum over sequences of their summed step losses."),
        Mistake("sum-of-means", math.fsum(math.fsum(s) / len(s) for s in data), "you averaged within each sequence; "
                "a sequence's loss is the sum of its step losses."),
        Mistake("single-sequence", totals[0], "this is the first sequence's loss only; the dataset loss adds every "
                "sequence's loss."),
        Mistake("single-sequence", totals[-1], "this is the last sequence's loss only; the dataset loss adds every "
                "sequence's loss."),
        Mistake("max-for-sum", max(totals), "this is the largest sequence loss; the dataset loss adds every "
                "sequence's loss."),
        Mistake("best-single-sequence", min(totals), "this is the smallest sequence loss; the dataset loss adds "
                "every sequence's loss."),
        Mistake("last-step-only", math.fsum(s[-1] for s in data), "you added each sequence's last step loss only; "
                "every step of every sequence counts."),
        Mistake("first-term-dropped", math.fsum(math.fsum(s[1:]) for s in data), "each sequence's first step loss "
                "is missing: L_1 counts too."),
        Mistake("product-for-sum", math.prod(totals), "this is the product of the sequence losses; the dataset "
                "loss is their sum."),
    ]


def question(p: dict, name: str) -> Question:
    data, other = p["dataset"], p["hidden_dataset"]

    def total(d: list[list[float]]) -> float:
        return lmcore.total_loss([lmcore.total_loss(s) for s in d])

    return Question(name, 2, [
        num(f"{name} dataset loss", f"dataset_total({data!r})", total(data), _mistakes(data)),
        num(f"{name} another dataset", f"dataset_total({other!r})", total(other), _mistakes(other), hidden=True),
    ], forbidden=["lmcore.losses.total_loss", "lmcore.losses.dataset_loss"])
