"""The one catalogue of known mistakes: a stable id, a human-readable label and default feedback for each.

Assignments' checks (`Mistake(name=...)`), quiz items' distractors and numeric mistakes (`mistake=...`), grade
reports and quiz item analysis all use these ids, so a class's assignment and quiz results can be joined on a
mistake. Feedback given with a check or a quiz option may be more specific; the label is what reports show.
Adding a mistake means adding a line here; `tests/autograder/test_mistakes.py` asserts every id in use is listed.
"""

from __future__ import annotations

from typing import NamedTuple


class Known(NamedTuple):
    label: str  # shown in reports, e.g. "mean instead of sum"
    feedback: str  # default feedback to a student who made it


MISTAKES: dict[str, Known] = {
    # the sequence loss and the dataset objective
    "mean-instead-of-sum": Known("mean instead of sum", "the loss is a sum of terms, not their mean."),
    "mean-per-token": Known("mean per token", "the dataset objective sums every sequence's summed step losses; "
                            "dividing by the number of tokens gives the per-token mean."),
    "sum-of-means": Known("sum of per-sequence means", "a sequence's loss is the sum of its step losses, not their "
                          "mean."),
    "max-for-sum": Known("largest term instead of sum", "the loss adds every term; it is not the largest one."),
    "last-step-only": Known("last step only", "every prediction step x_1..x_m contributes a term."),
    "single-sequence": Known("one sequence only", "the objective sums the losses of every sequence in the dataset."),
    "best-single-sequence": Known("best single sequence", "the objective sums the losses of every sequence."),
    # logs and signs
    "log-base-2": Known("log base 2", "the loss uses the natural log (nats), not log base 2."),
    "log-base-10": Known("log base 10", "the loss uses the natural log (nats), not log base 10."),
    "missing-minus": Known("missing minus sign", "L_i = −log q_i[x_i] is positive: the minus sign is missing."),
    "loss-is-log-prob": Known("loss taken as log-probability", "the loss is −log Pr; the log-probability is its "
                              "negative."),
    "loss-not-probability": Known("loss taken as probability", "a loss is −log of a probability, not a "
                                  "probability."),
    # the chain rule
    "product-of-probabilities": Known("product of probabilities", "a product of probabilities underflows for long "
                                      "sequences: sum their logs instead."),
    "product-underflow": Known("product underflows", "the product of many probabilities underflows to 0 and its log "
                               "is −inf: sum the logs instead."),
    "sum-of-probabilities": Known("sum of probabilities", "the chain rule multiplies conditional probabilities (adds "
                                  "their logs); it does not add probabilities."),
    "mean-of-probabilities": Known("mean of probabilities", "the chain rule multiplies conditional probabilities."),
    # which predictions count
    "loss-term-for-x0": Known("loss term for x_0", "x_0 is context only: the terms are L_1..L_m."),
    "off-by-one": Known("off-by-one shift", "row i−1 of the logits predicts x_i."),
    "context-token": Known("context token predicted", "x_0 is given as context; it is never predicted."),
    "previous-token-only": Known("previous token only", "each prediction conditions on every earlier token "
                                 "x_0..x_{i−1}, not only the previous one."),
    # numerics
    "log-softmax-overflow": Known("log(softmax) overflow", "log(softmax(z)) overflows for large logits: use a "
                                  "log-softmax, z_k − logsumexp(z)."),
    # one-hot targets
    "row-for-x0": Known("row for x_0", "the targets are x_1..x_m, one row per prediction step."),
    "model-distribution": Known("model distribution as target", "the ground truth p_i is one-hot at x_i, not the "
                                "model's distribution q_i."),
    "uniform": Known("uniform target", "the ground truth p_i is one-hot at x_i, not uniform."),
    "wrong-dtype": Known("wrong dtype", "the result has the wrong dtype."),
    "wrong-shape": Known("wrong shape", "the result has the wrong shape."),
    "wrong-type": Known("wrong type", "the result is not the kind of value asked for."),
    # tokens and vocabulary
    "first-seen-order": Known("first-seen order", "sort the vocabulary by falling frequency, ties alphabetical."),
    "no-specials": Known("specials missing", "the specials <pad>, <unk>, <bos>, <eos> come first, ids 0..3."),
    "dropped-unknown": Known("unknown token dropped", "map a token outside the vocabulary to <unk>, do not drop it."),
    # the training objective
    "argmax": Known("argmax instead of argmin", "training minimizes the loss."),
    "per-sequence-argmin": Known("one θ per sequence", "pre-training finds one parameter set for the whole dataset."),
    "per-sequence-comparison": Known("compared sequence by sequence", "progress is judged on the summed objective "
                                     "Σ_x L_θ(x), not on each sequence."),
    "higher-is-better": Known("higher loss taken as better", "a lower loss is better."),
    "later-is-better": Known("later checkpoint taken as better", "a later checkpoint is not always better: compare "
                             "the dataset losses Σ_x L_θ(x)."),
    "reversed-direction": Known("reversed direction", "the objective decreases as training makes progress."),
    "objective-mean": Known("mean objective", "the objective is the sum of sequence losses, not their mean."),
    "stale-gradients": Known("gradients not zeroed", "call optimizer.zero_grad() before backward(): otherwise each "
                             "step also applies the earlier steps' gradients."),
    # grading outcomes that are not mistakes in the mathematics
    "unattempted": Known("not attempted", "the question still raises NotImplementedError or is left blank."),
}


def label(mistake_id: str) -> str:
    """The human-readable label of a mistake id (the id itself when it is not catalogued)."""
    known = MISTAKES.get(mistake_id)
    return known.label if known else mistake_id


def feedback(mistake_id: str) -> str:
    """The catalogue's default feedback for a mistake id; KeyError names an unknown id."""
    try:
        return MISTAKES[mistake_id].feedback
    except KeyError:
        raise KeyError(f"unknown mistake id {mistake_id!r}: add it to autograder/runtime/mistakes.py") from None
