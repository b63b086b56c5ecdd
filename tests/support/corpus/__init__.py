"""The mutation corpus: for every code question, answers in many correct styles and realistic wrong answers, each
wrong one tagged with the mistake its feedback must name (tests/assignments/test_mutants.py grades them all).

One module per assignment defines CORRECT {slug: [(name, source)]}, WRONG {slug: [Mutant]} and optionally BASE.
Sources are whole answer cells, written from the student notebook alone, as a student would (imports included where
a student needs them). `fn(signature, body)` builds `def signature:` + body.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

ASSIGNMENTS = ("loss", "tokens", "training")


@dataclass(frozen=True)
class Mutant:
    question: str  # the question folder's slug
    name: str
    mistake: str  # the catalogue id its feedback must name
    source: str
    also: tuple[str, ...] = ()  # other ids the same answer honestly exhibits (naming one of them is not misleading)


def fn(signature: str, body: str, imports: str = "") -> str:
    head = textwrap.dedent(imports).strip()
    return (head + "\n\n\n" if head else "") + f"def {signature}:\n" + textwrap.indent(textwrap.dedent(body).strip(),
                                                                                    "    ") + "\n"


def does_not_run(slug: str, solution: str) -> list[Mutant]:
    """Two answers that cannot run, made from any question's reference answer: the `def` line without its colon (a
    syntax error) and a failing import at the top of the cell (the `def` is never reached)."""
    broken = re.sub(r"^(def \w+\(.*\)):", r"\1", solution, count=1, flags=re.M)
    return [Mutant(slug, "syntax error (generated)", "does-not-run", broken),
            Mutant(slug, "failing import (generated)", "does-not-run", "import numpyy as np\n" + solution)]


def corpus(assignment: str) -> tuple[dict, dict, dict]:
    """(CORRECT, WRONG, BASE) of an assignment; WRONG also holds, for every question, the answers of `does_not_run`.
    BASE: answers that stand in for the rest of the notebook while one answer is graded (slug -> source; the
    reference solution otherwise), e.g. a `train` that calls `train_step`, so a wrong `train_step` shows whether it
    costs `train` points too."""
    import importlib

    import inprocess

    mod = importlib.import_module(f"corpus.{assignment}")
    wrong = {slug: [*ms, *does_not_run(slug, inprocess.solution(assignment, slug))] for slug, ms in mod.WRONG.items()}
    return mod.CORRECT, wrong, getattr(mod, "BASE", {})
