"""Shared helpers for quiz items: word bank, number formatting, exact values of printed numbers, choices, sampled
losses.

Keys are decided on what the student reads: `shown(x)` is the exact value (a Fraction) of the digits `fmt(x)`
prints, and sums and comparisons that decide an answer use those Fractions, never binary floats (4.9 + 3.2 and
4.6 + 3.5 are both exactly 8.1, though their float sums differ)."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from lmcore import word_tokenize

DETS = ["The", "A", "My", "Our", "This", "That", "Every", "One"]
NOUNS = ["cat", "dog", "bird", "model", "student", "robot", "child", "teacher", "fox", "horse", "owl", "pilot"]
VERBS = ["sat", "slept", "ran", "looked", "waited", "jumped", "stood", "walked", "paused", "landed"]
PREPS = ["on", "under", "near", "behind", "beside", "over", "by", "at"]
OBJS = ["mat", "chair", "table", "fence", "tree", "door", "wall", "bench", "roof", "rug"]


def sentence_tokens(rng: random.Random, min_len: int = 4, max_len: int = 6) -> list[str]:
    """A short sentence x_0..x_m drawn from the word bank, tokenized by lmcore.word_tokenize."""
    n = rng.randint(min_len, max_len)
    det, noun = rng.choice(DETS), rng.choice(NOUNS)
    det = "An" if det == "A" and noun[0] in "aeiou" else det
    words = [det, noun, rng.choice(VERBS), rng.choice(PREPS), "the", rng.choice(OBJS)]
    return word_tokenize(" ".join(words[:n]))


def losses(rng: random.Random, n: int, lo: float = 0.1, hi: float = 9.9) -> list[float]:
    """n losses in nats with one decimal (what a course card shows)."""
    return [round(rng.uniform(lo, hi), 1) for _ in range(n)]


def fmt(x: float, digits: int = 4) -> str:
    """A number as students see it: up to `digits` significant figures, no trailing zeros noise."""
    if x == 0:
        return "0"
    if abs(x) < 1e-3 or abs(x) >= 1e6:
        return f"{x:.{digits - 1}e}"
    s = f"{x:.{digits}g}" if abs(x) < 1 else f"{round(x, max(digits - 1 - int(math.log10(abs(x))), 0)):g}"
    return s if ("." in s or "e" in s) else s + ".0"


@lru_cache(maxsize=65536)  # losses have one decimal: few distinct values, many lookups
def shown(x: float | Fraction, digits: int = 4) -> Fraction:
    """The exact value of `x` as a student reads it: the Fraction of the decimal string fmt(x, digits)."""
    return Fraction(Decimal(fmt(float(x), digits)))


def shown_sum(xs: list[float]) -> Fraction:
    """Σ_k shown(x_k), exactly: the sum a student computes from the printed numbers."""
    return sum((shown(x) for x in xs), Fraction(0))


def fmt_list(xs: list[float]) -> str:
    return ", ".join(fmt(x) for x in xs)


def choice(text: str, feedback: str, mistake: str | None = None) -> dict[str, Any]:
    """One option. `mistake` names the real error a student makes when choosing it (None for the correct one)."""
    return {"text": text, "correct": mistake is None, "feedback": feedback, "mistake": mistake}


def mistake(value: float, name: str, feedback: str) -> dict[str, Any]:
    """A wrong numeric answer a known mistake produces (used for per-answer feedback in LMS exports)."""
    return {"value": value, "mistake": name, "feedback": feedback}


def distinct_mistakes(answer: float, tol: float, ms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop mistakes whose value would be accepted as correct, or equals an earlier mistake."""
    kept: list[dict[str, Any]] = []
    for m in ms:
        v = m["value"]
        if not math.isfinite(v) or abs(v - answer) <= 2 * tol:
            continue
        if any(abs(v - k["value"]) <= tol for k in kept):
            continue
        kept.append(m)
    return kept
