"""The one catalogue of known mistakes: a stable id, a human-readable label and default feedback for each.

Assignments' checks (`Mistake(name=...)`), quiz items' distractors and numeric mistakes (`mistake=...`), grade
reports and quiz item analysis all use these ids, so a class's assignment and quiz results can be joined on a
mistake. Feedback given with a check or a quiz option may be more specific; the label is what reports show.

Two places hold ids:
  * `MISTAKES` below: mistakes that can occur in more than one question or quiz item (mean instead of sum, a log
    base, an ignored argument, ...) and grading outcomes (not attempted, does not run);
  * content: a mistake only one question or assignment can make is declared with its words next to it, in the
    question folder's `mistakes.py` or the assignment's `assignment.py` (`MISTAKES = {id: Known(label, feedback)}`).
    The build refuses an id found in neither place, and carries the words of the content ids a checks document uses
    in it (`Checks.mistakes`); loading that document `declare`s them, so `label(id)` knows them wherever checks are
    read (the grader, the report) without importing the content.
`tests/autograder/test_mistakes.py` asserts every id in use is listed with a label in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Known(NamedTuple):
    label: str  # shown in reports, e.g. "mean instead of sum"
    feedback: str  # default feedback to a student who made it


MISTAKES: dict[str, Known] = {
    # sums, means and which terms count
    "mean-instead-of-sum": Known("mean instead of sum", "the loss is a sum of terms, not their mean."),
    "mean-per-token": Known("mean per token", "the dataset objective sums every sequence's summed step losses; "
                            "dividing by the number of tokens gives the per-token mean."),
    "sum-of-means": Known("sum of per-sequence means", "a sequence's loss is the sum of its step losses, not their "
                          "mean (F.cross_entropy averages unless reduction='sum')."),
    "max-for-sum": Known("largest term instead of sum", "the loss adds every term; it is not the largest one."),
    "last-step-only": Known("last step only", "every prediction step x_1..x_m contributes a term."),
    "first-term-dropped": Known("first term dropped", "every term counts, the first one too: x_0 has no term of "
                                "its own, but L_1 (predicting x_1) does."),
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
    "sum-of-probabilities": Known("sum of probabilities", "the chain rule multiplies conditional probabilities (adds "
                                  "their logs); it does not add probabilities."),
    "mean-of-probabilities": Known("mean of probabilities", "the chain rule multiplies conditional probabilities."),
    # which predictions count
    "loss-term-for-x0": Known("loss term for x_0", "x_0 is context only: the terms are L_1..L_m."),
    "off-by-one": Known("off-by-one shift", "row i−1 of the logits predicts x_i."),
    "context-token": Known("context token predicted", "x_0 is given as context; it is never predicted."),
    "previous-token-only": Known("previous token only", "each prediction conditions on every earlier token "
                                 "x_0..x_{i−1}, not only the previous one."),
    # probabilities, logits and axes
    "softmax-applied-twice": Known("softmax applied to probabilities", "the values are already probabilities: a "
                                   "(log-)softmax or F.cross_entropy normalizes them a second time (use their log, "
                                   "or F.nll_loss of the log)."),
    "softmax-missing": Known("logits used as log-probabilities", "logits are not log-probabilities: take a "
                             "log-softmax first (F.cross_entropy does it for you)."),
    "log-missing": Known("log missing", "the loss is −log of the probability: take the log (F.nll_loss expects "
                         "log-probabilities, not probabilities)."),
    "wrong-axis": Known("wrong axis", "normalize or index along the vocabulary axis (the last one), one row per "
                        "prediction step."),
    "uniform": Known("uniform target", "the ground truth p_i is one-hot at x_i, not uniform."),
    "model-distribution": Known("model distribution as target", "the ground truth p_i is one-hot at x_i, not the "
                                "model's distribution q_i."),
    # what the function is given and returns
    "ignored-argument": Known("an argument ignored", "use the arguments the function is given (the tests pass "
                              "other values than the notebook's data)."),
    "wrong-dtype": Known("wrong dtype", "the result has the wrong dtype."),
    "wrong-shape": Known("wrong shape", "the result has the wrong shape."),
    "wrong-type": Known("wrong type", "the result is not the kind of value asked for."),
    # the training objective
    "argmax": Known("argmax instead of argmin", "training minimizes the loss."),
    "per-sequence-argmin": Known("one θ per sequence", "pre-training finds one parameter set for the whole dataset."),
    "per-sequence-comparison": Known("compared sequence by sequence", "progress is judged on the summed objective "
                                     "Σ_x L_θ(x), not on each sequence."),
    "higher-is-better": Known("higher loss taken as better", "a lower loss is better."),
    "later-is-better": Known("later checkpoint taken as better", "a later checkpoint is not always better: compare "
                             "the dataset losses Σ_x L_θ(x)."),
    "reversed-direction": Known("reversed direction", "the objective decreases as training makes progress."),
    "stale-gradients": Known("gradients not zeroed", "call zero_grad() on the optimizer before backward(): "
                             "otherwise each step also applies the earlier steps' gradients."),
    "no-update": Known("parameters not updated", "call the optimizer's step() after backward() (and zero the gradients "
                       "before backward(), not between backward() and step())."),
    "value-after-step": Known("value after the step", "record the objective's value computed before the update, "
                              "the one the step was taken on."),
    # grading outcomes that are not mistakes in the mathematics
    "unattempted": Known("not attempted", "the question still raises NotImplementedError or is left blank."),
    "does-not-run": Known("does not run", "the function is not defined when the tests run: its cell stopped before "
                          "the def (a syntax error, a failing import or another error), or it has another name."),
}

_declared: dict[str, tuple[Known, str]] = {}  # content-declared id -> (words, where they were declared)


def _known(value: object, mistake_id: str, where: str) -> Known:
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        value = Known(*value)
    if not isinstance(value, Known) or not isinstance(mistake_id, str) or not mistake_id:
        raise ValueError(f"{where}: mistake {mistake_id!r} must be declared as Known(label, feedback)")
    if " " not in value.label.strip() or not value.feedback.rstrip().endswith("."):
        raise ValueError(f"{where}: mistake {mistake_id!r} needs a label in words (e.g. 'mean instead of sum') and "
                         f"a feedback sentence ending with '.'")
    return value


def declare(words: Mapping[str, object], where: str) -> None:
    """Make content-declared mistakes known to `label` and `feedback` in this process.

    `words`: id -> Known(label, feedback) (or a [label, feedback] pair, as a checks document carries them); `where`
    names the file they come from. An id of the catalogue above, or one declared elsewhere with other words, is an
    error naming both places: one id means one mistake everywhere.
    """
    for mistake_id, value in words.items():
        known = _known(value, mistake_id, where)
        if mistake_id in MISTAKES:
            raise ValueError(f"{where}: mistake {mistake_id!r} is already in the catalogue "
                             "(autograder/runtime/mistakes.py): use it without declaring it again")
        earlier = _declared.get(mistake_id)
        if earlier is not None and earlier[0] != known:
            raise ValueError(f"{where}: mistake {mistake_id!r} is declared with other words in {earlier[1]}")
        if earlier is None:
            _declared[mistake_id] = (known, where)


def lookup(mistake_id: str) -> Known | None:
    """The words of a mistake id: the catalogue's, else those declared by content; None when unknown."""
    if mistake_id in MISTAKES:
        return MISTAKES[mistake_id]
    declared = _declared.get(mistake_id)
    return declared[0] if declared else None


def catalogue() -> dict[str, Known]:
    """Every id known in this process: the catalogue, then what content declared so far."""
    return {**MISTAKES, **{k: v for k, (v, _) in _declared.items()}}


def label(mistake_id: str) -> str:
    """The human-readable label of a mistake id (the id itself when it is not catalogued)."""
    known = lookup(mistake_id)
    return known.label if known else mistake_id


def feedback(mistake_id: str) -> str:
    """The default feedback for a mistake id; KeyError names an unknown id."""
    known = lookup(mistake_id)
    if known is None:
        raise KeyError(f"unknown mistake id {mistake_id!r}: add it to autograder/runtime/mistakes.py, or declare it "
                       "in the question folder's mistakes.py (MISTAKES = {id: Known(label, feedback)})")
    return known.feedback
