"""The mutation corpus: for every code question, answers in many correct styles and realistic wrong answers, each
wrong one tagged with the mistake its feedback must name (tests/assignments/test_mutants.py grades them all).

One module per assignment defines CORRECT {slug: [(name, source)]} and WRONG {slug: [Mutant]}. Sources are whole
answer cells, written from the student notebook alone, as a student would (imports included where a student needs
them). `fn(signature, body)` builds `def signature:` + body.
"""

from __future__ import annotations

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


def corpus(assignment: str):
    """(CORRECT, WRONG) of an assignment."""
    import importlib

    mod = importlib.import_module(f"corpus.{assignment}")
    return mod.CORRECT, mod.WRONG
