"""objective_change: sum(after) - sum(before), decided on the exact printed decimals (no float ties)."""

from fractions import Fraction

from assignments.signatures import distinct
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = "def objective_change(losses_before, losses_after):\n"
REQUIREMENTS = [
    Requirement("after − before: negative when training made progress", ["change of the objective",
                                                                         "another pair of iterations"],
                FN + "    return sum(losses_before) - sum(losses_after)\n", "reversed-direction",
                prompt=["(after − before)"]),
    Requirement("the change of the objective, a sum over the sequences (not a mean)", ["change of the objective",
                                                                                       "another pair of iterations"],
                FN + "    return (sum(losses_after) - sum(losses_before)) / len(losses_before)\n",
                "mean-instead-of-sum", prompt=["the change of the training objective"]),
    Requirement("one number for the whole dataset, not one per sequence", ["change of the objective"],
                FN + "    return [a - b for a, b in zip(losses_after, losses_before)]\n", "wrong-type",
                prompt=["returning the change"]),
]


def _exact(xs: list[float]) -> Fraction:
    return sum((Fraction(str(x)) for x in xs), Fraction(0))


def _test(label: str, before: list[float], after: list[float], hidden: bool = False) -> Test:
    change = _exact(after) - _exact(before)
    if change == 0:
        raise ValueError(f"training: objective change is exactly 0 for {before} -> {after}")
    total = _exact(before)
    return distinct(Test(label, f"objective_change({before!r}, {after!r})", float(change), rtol=1e-6, atol=1e-9,
                         hidden=hidden, mistakes=[
        Mistake("mean-instead-of-sum", float(change / len(before)), "you compared means; the objective is the sum "
                "of the sequence losses."),
        Mistake("reversed-direction", float(-change), "the sign is reversed (or lost): report after − before, "
                "negative when the objective went down."),
        Mistake("relative-change", float(change / total), "this is the change relative to the objective before: "
                "report the change itself, Σ after − Σ before."),
        Mistake("relative-change", float(_exact(after) / total), "this is the ratio after / before: report the "
                "change, Σ after − Σ before."),
        Mistake("relative-change", float(100 * change / total), "this is the change in percent of the objective "
                "before: report the change itself, Σ after − Σ before."),
        Mistake("single-sequence", float(Fraction(str(after[0])) - Fraction(str(before[0]))), "this is the change of "
                "the first sequence only: the objective sums every sequence's loss."),
        Mistake("max-for-sum", float(Fraction(str(max(after))) - Fraction(str(max(before)))), "you compared the "
                "largest losses: the objective sums every sequence's loss."),
    ]))


def question(p: dict, name: str) -> Question:
    return Question(name, 2, [
        _test(f"{name} change of the objective", p["before"], p["after"]),
        _test(f"{name} another pair of iterations", p["hidden_before"], p["hidden_after"], hidden=True),
    ])
