"""Grade the mutation corpus (tests/support/corpus/) and measure the feedback: per code question, how many wrong
answers lose points on their own question, are named by their mistake, are told another mistake (misleading), keep
full marks, or cost another question points (double penalty); and whether every correct style scores full.

    python tests/support/mutation.py [ASSIGNMENT ...] [--variant V]   prints the table (markdown) and a JSON summary
"""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess as ip  # noqa: E402
from corpus import ASSIGNMENTS, Mutant, corpus  # noqa: E402


@dataclass
class Result:
    mutant: Mutant
    question: str  # its question's name (q1, ...)
    full: bool  # kept every point of its own question: a wrong answer scored full
    named: bool  # its question's feedback names its mistake
    misleading: set[str] = field(default_factory=set)  # other mistakes named on its question
    others: list[str] = field(default_factory=list)  # other questions that lost points: a double penalty
    messages: list[str] = field(default_factory=list)  # its question's failing feedback


def _names(assignment: str) -> dict[str, str]:
    return {q.slug: q.name for q in ip.code_questions(assignment)}


@functools.cache
def grade_mutants(assignment: str, variant: str = ip.DEFAULT) -> tuple[Result, ...]:
    _, wrong, base = corpus(assignment)
    names, out = _names(assignment), []
    for slug, mutants in wrong.items():
        for m in mutants:
            g = ip.grade(assignment, {**base, slug: m.source}, variant)
            q = names[slug]
            ids = g.mistakes(q)
            out.append(Result(m, q, g.full(q), m.mistake in ids, ids - {m.mistake, *m.also},
                              [o for o in g.outcomes if o != q and not g.full(o)], g.messages(q)))
    return tuple(out)


@functools.cache
def grade_correct(assignment: str, variant: str = ip.DEFAULT) -> tuple[tuple[str, str, dict[str, list[str]]], ...]:
    """(slug, style, {question: failing messages}) for every correct style (the dict empty when it scored full)."""
    right, _, base = corpus(assignment)
    out = []
    for slug, styles in right.items():
        for name, source in styles:
            g = ip.grade(assignment, {**base, slug: source}, variant)
            out.append((slug, name, {q: g.messages(q) for q in g.outcomes if not g.full(q)}))
    return tuple(out)


def table(results: list[Result]) -> list[dict]:
    rows: dict[str, dict] = {}
    for r in results:
        row = rows.setdefault(f"{r.question} {r.mutant.question}", {"question": f"{r.question} {r.mutant.question}",
                                                                   "mutants": 0, "named": 0, "misleading": 0,
                                                                   "wrong_at_full": 0, "double_penalty": 0})
        row["mutants"] += 1
        row["named"] += r.named
        row["misleading"] += bool(r.misleading)
        row["wrong_at_full"] += r.full
        row["double_penalty"] += bool(r.others)
    return list(rows.values())


def main(argv: list[str]) -> None:
    variant = argv[argv.index("--variant") + 1] if "--variant" in argv else ip.DEFAULT
    chosen = [a for a in argv if a in ASSIGNMENTS] or list(ASSIGNMENTS)
    total = {"mutants": 0, "named": 0, "misleading": 0, "wrong_at_full": 0, "double_penalty": 0, "correct": 0,
             "correct_full": 0}
    print("| assignment | question | wrong answers | named | misleading | wrong at full | double penalty |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for a in chosen:
        for row in table(list(grade_mutants(a, variant))):
            print(f"| {a} | {row['question']} | {row['mutants']} | {row['named']} ({row['named'] / row['mutants']:.0%})"
                  f" | {row['misleading']} | {row['wrong_at_full']} | {row['double_penalty']} |")
            for k in ("mutants", "named", "misleading", "wrong_at_full", "double_penalty"):
                total[k] += row[k]
        styles = grade_correct(a, variant)
        total["correct"] += len(styles)
        total["correct_full"] += sum(not lost for *_, lost in styles)
    total["named_share"] = round(total["named"] / total["mutants"], 4) if total["mutants"] else None
    print(json.dumps({"variant": variant, **total}))


if __name__ == "__main__":
    main(sys.argv[1:])
