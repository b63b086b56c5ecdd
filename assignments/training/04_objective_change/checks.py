"""objective_change: sum(after) - sum(before), decided on the exact printed decimals (no float ties)."""

from fractions import Fraction

from autograder.runtime.checks import Mistake, Question, Test


def _exact(xs: list[float]) -> Fraction:
    return sum((Fraction(str(x)) for x in xs), Fraction(0))


def question(p: dict, name: str) -> Question:
    change = _exact(p["after"]) - _exact(p["before"])
    if change == 0:
        raise ValueError(f"training: objective change is exactly 0 for {p['before']} -> {p['after']}")
    return Question(name, 1, [
        Test(f"{name} change of the objective", f"objective_change({p['before']!r}, {p['after']!r})", float(change),
             rtol=1e-6, atol=1e-9, mistakes=[
                 Mistake("mean-instead-of-sum", float(change / len(p["before"])), "you compared means; the objective "
                         "is the sum of the sequence losses."),
                 Mistake("reversed-direction", float(-change), "the sign is reversed: report after − before "
                         "(negative means the objective went down)."),
             ]),
    ])
