"""Multiple-choice questions for the assignments, drawn from the quiz item bank (assignments/quiz/items/, rendered
by autograder.quiz.engine).

The prompt lists the options as A, B, C, ...; the key (the letters of the correct options) goes only into a hidden
Otter test and the checks JSON, never into a student file. The public test only checks the answer's form (one option
letter, or several where several options are correct; case, spaces and brackets ignored); the notebook's check cell
then says the answer is recorded and graded after the deadline, with no "passed" headline
(`autograder.runtime.mcq.recorded`). Each distractor stands for a known mistake: the hidden test names it, with
the quiz item's feedback for that option, so a wrong letter's feedback (shown after publication) and the report say
which mistake it was.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from autograder.course.variants import variant_seed
from autograder.runtime.checks import Mistake, Question, Test

INDEX_SPAN = 1000  # a variant draws item index 1..INDEX_SPAN; index 0 is the course card's original


@dataclass
class MCQ:
    item: str
    stem: str  # markdown
    options: list[str]
    key: list[str]  # correct letters, e.g. ["B"]
    wrong: dict[str, tuple[str, str]]  # distractor letter -> (its mistake id, the item's feedback for it)

    def markdown(self, number: int, var: str) -> str:
        lines = [f"**Question {number}** (multiple choice). {self.stem.strip()}", ""]
        lines += [f"- **{letter}.** {text}" for letter, text in zip(string.ascii_uppercase, self.options, strict=False)]
        many = len(self.key) > 1
        lines += ["", f"Set `{var}` to "
                  + ('the letters of the correct options, e.g. `"A, C"`.' if many else
                     'the letter of the one correct option, e.g. `"A"`.')
                  + " Case and spaces do not matter. The check below only confirms that your answer is "
                  + ("made of option letters" if many else "one option letter")
                  + ": it is recorded and graded after the deadline."]
        return "\n".join(lines)

    def question(self, name: str, points: float) -> Question:
        """The checks of an MCQ: a public format check worth 0 points, and the hidden key worth `points`."""
        letters = list(string.ascii_uppercase[: len(self.options)])
        recorded = ("Your answer has the right form. It is recorded and graded after the deadline: this check does "
                    "not say whether it is correct.")
        named = [Mistake(mistake, [letter], f"option {letter}: {words}")
                 for letter, (mistake, words) in sorted(self.wrong.items())]
        return Question(name, points, [
            Test(f"{name} format", f"{name}_answer", letters, kind="choice-format", points=0,
                 shape=[len(self.key)] if len(self.key) == 1 else None, success_message=recorded),
            Test(f"{name} answer", f"{name}_answer", self.key, kind="choice", points=points, hidden=True,
                 mistakes=named),
        ], kind="mcq")


def draw(item: str, variant: str) -> MCQ:
    """The quiz item `item` for this variant: the card's original (index 0) for the default variant."""
    from autograder.quiz.engine import render_variant

    vseed = variant_seed(variant)
    d = render_variant(item, 2026 if vseed is None else vseed, 0 if vseed is None else 1 + vseed % INDEX_SPAN)
    if d.get("type") not in ("mcq", "truefalse"):
        raise ValueError(f"quiz item {item!r} is {d.get('type')!r}, not multiple choice")
    choices = list(d["choices"])
    if d["type"] == "mcq":  # the bank lists the correct option first; shuffle so the key is not always "A"
        random.Random(f"{item}|{variant}").shuffle(choices)
    options = [c["text"] for c in choices]
    key = [letter for letter, c in zip(string.ascii_uppercase, choices, strict=False) if c["correct"]]
    if not key:
        raise ValueError(f"quiz item {item!r} (variant {variant}) has no correct option")
    wrong = {letter: (c["mistake"], c["feedback"]) for letter, c in zip(string.ascii_uppercase, choices, strict=False)
             if not c["correct"]}
    unnamed = [letter for letter, (mistake, _) in wrong.items() if not mistake]
    if unnamed:
        raise ValueError(f"quiz item {item!r} (variant {variant}): options {unnamed} are wrong but name no mistake; "
                         "give each distractor its mistake id (assignments/quiz/_common.py choice(..., mistake))")
    return MCQ(item, d["stem"], options, key, wrong)
