"""sequence_log_prob: log Pr(x_1..x_m | x_0) = sum_i log Pr(x_i | x_<i), a sum of logs (no underflow)."""

import math

from assignments.loss.common import log_prob, num
from autograder.runtime.checks import NONFINITE, Mistake, Question


def question(p: dict, name: str) -> Question:
    short, long_lp = log_prob(p["step_probs"]), log_prob(p["long_probs"])
    underflow = "the product of 400 probabilities underflows to 0 and its log is −inf (or log(0) fails): take a " \
                "sum of logs instead of a product of probabilities."
    return Question(name, 2, [
        num(f"{name} chain rule", f"sequence_log_prob({p['step_probs']!r})", short, [
            Mistake("product-of-probabilities", math.exp(short), "this is the product of the probabilities (the "
                    "sequence probability); return the sum of logs, log Pr = Σ_i log p_i."),
            Mistake("missing-minus", -short, "this is −log Pr, the sequence loss; the log-probability is its "
                    "negative."),
        ]),
        num(f"{name} a 400-token sequence", f"sequence_log_prob({p['long_probs']!r})", long_lp, [
            # only the signatures of an underflowed product: -inf/nan, log(0) failing, or the product itself (0.0)
            Mistake("product-underflow", NONFINITE, underflow),
            Mistake("product-underflow", {"raises": "ValueError: math domain error"}, underflow),
            Mistake("product-of-probabilities", 0.0, "this is the product of the probabilities, which underflows "
                    "to 0 for long sequences: return the sum of their logs."),
            Mistake("missing-minus", -long_lp, "this is −log Pr, the sequence loss; the log-probability is its "
                    "negative."),
        ], hidden=True),
    ], forbidden=["lmcore.losses.sequence_log_prob", "lmcore.losses.sequence_prob"])
