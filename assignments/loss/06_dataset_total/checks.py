"""dataset_total: the dataset loss sum_{x in D} L_theta(x) is a SUM of sequence losses (8.4 + 2.1 + 5.5 = 16.0)."""

import lmcore
from assignments.loss.common import num
from autograder.runtime.checks import Mistake, Question


def question(p: dict, name: str) -> Question:
    data = p["dataset"]
    total = lmcore.total_loss([lmcore.total_loss(s) for s in data])
    n_tok = sum(len(s) for s in data)
    return Question(name, 1, [
        num(f"{name} dataset loss", f"dataset_total({data!r})", total, [
            Mistake("mean-instead-of-sum", total / len(data), "this is the mean sequence loss; the dataset loss is "
                    "the sum Σ_x L_θ(x)."),
            Mistake("mean-per-token", total / n_tok, "this is the mean loss per token; the dataset loss is the sum "
                    "over sequences of their summed step losses."),
            Mistake("sum-of-means", sum(sum(s) / len(s) for s in data), "you averaged within each sequence; a "
                    "sequence's loss is the sum of its step losses."),
        ]),
    ], forbidden=["lmcore.losses.total_loss", "lmcore.losses.dataset_loss"])
