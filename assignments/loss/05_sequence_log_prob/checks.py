"""sequence_log_prob: log Pr(x_1..x_m | x_0) = sum_i log Pr(x_i | x_<i), a sum of logs (no underflow)."""

import math

from assignments.loss.common import log_prob, num
from autograder.runtime.checks import NONFINITE, Mistake, Question
from autograder.runtime.requirements import Requirement

FN = "import math\n\n\ndef sequence_log_prob(step_probs):\n"
REQUIREMENTS = [
    Requirement("the log of the probability, not the probability itself", ["chain rule", "another sequence"],
                FN + "    return math.prod(step_probs)\n", "product-of-probabilities",
                prompt=["log Pr(x_1..x_m | x_0)"]),
    Requirement("log Pr, not −log Pr (the sign)", ["chain rule", "another sequence"],
                FN + "    return -sum(math.log(p) for p in step_probs)\n", "missing-minus"),
    Requirement("the natural log", ["chain rule", "another sequence"],
                FN + "    return sum(math.log10(p) for p in step_probs)\n", "log-base-10"),
    Requirement("it works for a 400-token sequence (a sum of logs, not the log of a product)",
                ["a 400-token sequence"],
                FN + "    return math.log(math.prod(step_probs))\n", "product-underflow",
                prompt=["It must work for a 400-token sequence too"]),
]
UNDERFLOW = "the product of 400 probabilities underflows to 0 and its log is −inf (or log(0) fails): take a sum of " \
            "logs instead of a product of probabilities."


def _mistakes(probs: list[float]) -> list[Mistake]:
    lp = log_prob(probs)
    return [
        Mistake("product-of-probabilities", math.exp(lp), "this is the product of the probabilities (the sequence "
                "probability); return its log, the sum of logs log Pr = Σ_i log p_i."),
        Mistake("missing-minus", -lp, "this is −log Pr, the sequence loss; the log-probability is its negative."),
        Mistake("log-base-2", lp / math.log(2), "you used log base 2; use the natural log."),
        Mistake("log-base-10", lp / math.log(10), "you used log base 10; use the natural log."),
        Mistake("mean-instead-of-sum", lp / len(probs), "this is the mean of the logs; the chain rule adds them."),
        Mistake("sum-of-probabilities", math.fsum(probs), "you added the probabilities: the chain rule multiplies "
                "them, so their logs add."),
        Mistake("sum-of-probabilities", math.log(math.fsum(probs)), "you took the log of the sum of the "
                "probabilities: the chain rule multiplies them, so their logs add."),
        Mistake("mean-of-probabilities", math.fsum(probs) / len(probs), "this is the mean of the probabilities: "
                "the chain rule multiplies them, so their logs add."),
        Mistake("first-term-dropped", log_prob(probs[1:]), "the first step is missing: step_probs holds "
                "Pr(x_1 | x_0) too, and it counts."),
    ]


def question(p: dict, name: str) -> Question:
    short, other, long = p["step_probs"], p["hidden_probs"], p["long_probs"]
    return Question(name, 3, [
        num(f"{name} chain rule", f"sequence_log_prob({short!r})", log_prob(short), _mistakes(short)),
        num(f"{name} another sequence", f"sequence_log_prob({other!r})", log_prob(other), _mistakes(other),
            hidden=True),
        num(f"{name} a 400-token sequence", f"sequence_log_prob({long!r})", log_prob(long), [
            # the signatures of an underflowed product: -inf/nan, log(0) failing, or the product itself (0.0)
            Mistake("product-underflow", NONFINITE, UNDERFLOW),
            Mistake("product-underflow", {"raises": "ValueError: math domain error"}, UNDERFLOW),
            Mistake("product-of-probabilities", 0.0, "this is the product of the probabilities, which underflows "
                    "to 0 for long sequences: return the sum of their logs."),
            *[m for m in _mistakes(long) if m.name != "product-of-probabilities"],
        ], hidden=True),
    ], forbidden=["lmcore.losses.sequence_log_prob", "lmcore.losses.sequence_prob"])
