"""A quiz: variants of the item bank for a seed, optionally one per student of a roster.

Variant codes "<item>/<seed>/<index>" name a variant everywhere (LMS question names, answer keys, responses).
With a roster, student s gets index 1 + (sha256("<seed>/<item>/<s>") mod 2^32) of each item: deterministic in
(student id, seed), independent of the roster's order or size, and never the course card's own variant 0.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import click
import mistune

from autograder.course import variants

from .engine import LETTERS, item_ids, render_variant

_MD = mistune.create_markdown(escape=True)
_MD_TABLES = mistune.create_markdown(escape=True, plugins=["table"])  # ~2x slower: only for stems with a table


@lru_cache(maxsize=16384)
def _block_html(block: str) -> str:
    return (_MD_TABLES if block.lstrip().startswith("|") else _MD)(block).strip()


def md_to_html(text: str) -> str:
    """Markdown stem -> HTML (mistune, raw HTML escaped), one blank-line-separated block at a time so the blocks
    that variants share (instructions, questions) are converted once. Stems have no fenced code or multi-paragraph
    list items, so blocks are independent; for 10,000 variants this halves the time and changes no output."""
    return "\n".join(_block_html(b) for b in text.split("\n\n") if b.strip())


def variant_code(item: str, seed: int, index: int) -> str:
    return f"{item}/{seed}/{index}"


def student_index(item: str, seed: int, student_id: str) -> int:
    h = hashlib.sha256(f"{seed}/{item}/{student_id}".encode()).digest()
    return 1 + int.from_bytes(h[:4], "big")


@dataclass
class Quiz:
    seed: int
    items: list[str]
    variants: dict[str, list[dict[str, Any]]]  # item -> rendered variants (with "code" and "html")
    students: list[dict[str, str]] = field(default_factory=list)  # roster rows: student_id, name, email
    assigned: dict[str, dict[str, str]] = field(default_factory=dict)  # student_id -> item -> variant code

    def by_code(self) -> dict[str, dict[str, Any]]:
        return {v["code"]: v for vs in self.variants.values() for v in vs}


def parse_items(spec: str | None) -> list[str]:
    items = [s.strip() for s in (spec or "").replace(" ", ",").split(",") if s.strip()]
    known = item_ids()
    if not items or "all" in items:
        return known
    bad = [s for s in items if s not in known]
    if bad:
        raise click.BadParameter(f"unknown item(s) {', '.join(bad)}; known: {', '.join(known)}", param_hint="--items")
    return list(dict.fromkeys(items))


def read_roster(path: Path) -> list[dict[str, str]]:
    """The roster through autograder.course.variants.read_roster; any id is kept (file_stem sanitizes file
    names)."""
    try:
        students = variants.read_roster(path, file_safe_ids=False)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    return [{"student_id": s.student_id, "name": s.name, "email": s.email} for s in students]


def file_stem(student_id: str) -> str:
    """A file name for a student's paper: the id itself when it is safe, else a sanitized id plus a short hash
    (so "../x" cannot leave the output folder and two odd ids cannot collide)."""
    safe = re.sub(r"[^A-Za-z0-9._@-]", "_", student_id).lstrip(".")
    if safe == student_id and safe:
        return safe
    return f"{safe[:40] or 'student'}-{hashlib.sha256(student_id.encode()).hexdigest()[:8]}"


def _finish(v: dict[str, Any]) -> dict[str, Any]:
    v["code"] = variant_code(v["item"], v["seed"], v["index"])
    v["html"] = md_to_html(v["stem"])
    for letter, c in zip(LETTERS, v.get("choices", []), strict=False):
        c["letter"] = letter
        c["html"] = html.escape(c["text"])
    return v


def build_quiz(items: list[str], n_variants: int, seed: int, students: list[dict[str, str]] | None = None) -> Quiz:
    """Variants 0..n-1 of every item (0 = the course card), or, with a roster, the variants its students get."""
    variants: dict[str, list[dict[str, Any]]] = {}
    assigned: dict[str, dict[str, str]] = {}
    for item in items:
        if students:
            idx = sorted({student_index(item, seed, s["student_id"]) for s in students})
        else:
            idx = list(range(n_variants))
        variants[item] = [_finish(render_variant(item, seed, i)) for i in idx]
        for s in students or []:
            assigned.setdefault(s["student_id"], {})[item] = variant_code(item, seed, student_index(item, seed,
                                                                                                  s["student_id"]))
    return Quiz(seed, items, variants, list(students or []), assigned)


def category(item: str) -> str:
    """The LMS category / question group of an item (ids only: '/' would nest categories)."""
    return f"lmcourse/{item}"


def num(x: float) -> str:
    """A number for LMS answer fields: 10 significant digits in plain decimal notation, never an exponent
    (0.000006173959535, not 6.173959535e-06, which gift-pegjs and other GIFT readers reject)."""
    if not math.isfinite(x):
        raise ValueError(f"cannot write {x!r} as an answer number")
    return format(Decimal(f"{x:.10g}"), "f")
