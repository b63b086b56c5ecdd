"""sequence_total: the sequence loss is the SUM of the step losses (1.2 + 0.5 + 2.3 = 4.0)."""

import lmcore
from assignments.loss.common import num, seq_mistakes
from autograder.runtime.checks import Question


def question(p: dict, name: str) -> Question:
    steps, hidden = p["steps"], p["hidden_steps"]
    return Question(name, 2, [
        num(f"{name} sums the step losses", f"sequence_total({steps!r})", lmcore.total_loss(steps),
            seq_mistakes(lmcore.total_loss(steps), len(steps))[:1]),
        num(f"{name} on another sequence", f"sequence_total({hidden!r})", lmcore.total_loss(hidden),
            seq_mistakes(lmcore.total_loss(hidden), len(hidden))[:1], hidden=True),
    ], forbidden=["lmcore.losses.total_loss"])
