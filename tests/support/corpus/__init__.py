"""The mutation corpus: for every code question, answers in many correct styles and realistic wrong answers, each
wrong one tagged with the mistake its feedback must name (tests/assignments/test_mutants.py grades them all).

Nothing lists the assignments or questions: an assignment's corpus is the package `corpus/<id>/`, found by listing
this folder. Its `__init__.py` may define CORRECT {slug: [(name, source)]}, WRONG {slug: [Mutant]} and BASE for
several questions at once; a module `corpus/<id>/<slug>.py` holds one question's, as CORRECT [(name, source)] and
WRONG [wrong(name, mistake, source)], so adding a question adds a file (AUTHORING.md, "add a question").
Sources are whole answer cells, written from the student notebook alone, as a student would (imports included where
a student needs them). `fn(signature, body)` builds `def signature:` + body.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

ASSIGNMENTS = tuple(sorted(p.name for p in Path(__file__).resolve().parent.iterdir() if (p / "__init__.py").is_file()))


@dataclass(frozen=True)
class Mutant:
    question: str  # the question folder's slug
    name: str
    mistake: str  # the catalogue id its feedback must name
    source: str
    also: tuple[str, ...] = ()  # other ids the same answer honestly exhibits (naming one of them is not misleading)


def wrong(name: str, mistake: str, source: str, *also: str) -> Mutant:
    """A wrong answer of the question whose corpus file or WRONG key holds it (corpus() sets its question)."""
    return Mutant("", name, mistake, source, also)


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
    import inprocess

    mod = importlib.import_module(f"corpus.{assignment}")
    right, wrongs = dict(getattr(mod, "CORRECT", {})), dict(getattr(mod, "WRONG", {}))
    for info in pkgutil.iter_modules(mod.__path__):  # corpus/<id>/<slug>.py: one question's answers
        one = importlib.import_module(f"corpus.{assignment}.{info.name}")
        if info.name in right or info.name in wrongs:
            raise ValueError(f"{one.__file__}: question {info.name!r} also has answers in {mod.__file__}")
        right[info.name], wrongs[info.name] = list(one.CORRECT), list(one.WRONG)
    wrongs = {slug: [*(replace(m, question=slug) for m in ms),
                     *does_not_run(slug, inprocess.solution(assignment, slug))] for slug, ms in wrongs.items()}
    return right, wrongs, getattr(mod, "BASE", {})
