"""Is every variant of a quiz item equally hard? A test with power when each student draws their own variant.

With a roster every student gets a variant of their own (n = 1 per variant), so comparing variants one by one says
nothing. Instead the variants are pooled by what the item's generator drew for them, its parameters (re-drawn from
the key's seed and index through the engine, e.g. total_loss's number of losses, unique_params_tf's kind of
statement), and by what the key says (the key's option letter, the true/false answer, the answer's size): a fair
item's correctness does not depend on any of them.

The test, per item. Correctness is first compared with what the rest of the test predicts (the residual of a
linear fit on the student's score on the other items), which removes most of the noise students' abilities add.
Each feature gives columns: a number with many values itself (a trend), a category (or a number with few values)
one indicator per value (a defect at one value is not diluted among the others), and each indicator times the
centred ability (a group whose key is wrong fails its strong students: a true/false item at 50 % shows nothing
else). A column's statistic is n·r² (r its correlation with the residuals, ~χ²(1)); the item's is the smallest
p-value over its columns, and its p-value comes from PERMUTATIONS of the residuals within the item (Westfall &
Young's min-P: the roster assigns variants at random, so under fairness every permutation is as likely, and testing
many columns costs nothing extra). An item is flagged when p < ALPHA / (items tested): at most ALPHA chance of any
false flag in the whole quiz.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

ALPHA = 0.05
PERMUTATIONS = 2000  # p-values resolve to 1 / 2001: well under ALPHA / 9 items
MIN_LEVEL = 3  # a category level needs this many answers to be tested (rarer ones are pooled as "other")
MAX_LEVELS = 8  # a number with at most this many values is tested as categories (a defect at one value shows)


@lru_cache(maxsize=65536)
def _params(item: str, seed: int, index: int) -> tuple[tuple[str, Any], ...] | None:
    from autograder.quiz.engine import render_variant

    try:
        return tuple(render_variant(item, seed, index)["params"].items())
    except Exception:  # an item bank that changed since the quiz was made: no parameters for this variant
        return None


def features(key: dict[str, Any], code: str) -> dict[str, Any]:
    """What distinguishes variant `code`: its generator's parameters (numbers stay numbers, lists give their length
    and mean, strings and booleans are categories) and its key (letter, truth value, size of the answer)."""
    v = key["variants"][code]
    out: dict[str, Any] = {}
    for name, value in _params(v["item"], int(key.get("seed", 0)), int(v.get("index", 0))) or ():
        if isinstance(value, bool | str):
            out[name] = str(value)
        elif isinstance(value, int | float) and math.isfinite(value):
            out[name] = float(value)
        elif isinstance(value, list) and value:
            out[f"len({name})"] = float(len(value))
            if all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
                out[f"mean({name})"] = float(np.mean(value))
    if v["type"] == "numeric":
        out["size of the answer"] = math.log10(abs(float(v["answer"])) + 1e-12)
    else:
        out["the key"] = str(v["answer"])
    return out


@dataclass
class Fairness:
    p_value: float | None  # None: nothing to test (one kind of variant, or everyone right or wrong)
    feature: str = ""  # the feature that differs most
    detail: str = ""  # in words: "kind = tradeoff: 27 % right (n = 44) vs 56 % otherwise"
    groups: list[tuple[str, int, float]] | None = None  # (level or bin, n, facility) of that feature, for a plot


def test(records: list[dict[str, Any]], feats: dict[str, dict[str, Any]], item: str,
         ability: list[float] | None = None) -> Fairness:
    """records: one per student of this item (score 0/1, variant code); feats: variant code → features;
    ability: each student's score on the rest of the test (correctness is compared after what it predicts)."""
    y = np.array([float(r["score"]) for r in records])
    if len(y) < 10 or y.min() == y.max():
        return Fairness(None)
    resid = y - y.mean()
    if ability is not None and np.ptp(ability) > 0:  # what the rest of the test does not explain
        a = np.column_stack([np.ones(len(y)), np.asarray(ability, dtype=float)])
        resid = y - a @ np.linalg.lstsq(a, y, rcond=None)[0]
    names = sorted({f for r in records for f in feats.get(r["variant"], {})}, key=lambda f: (f != "variant", f))
    columns = [c for name in names for c in _columns(name, [feats.get(r["variant"], {}).get(name) for r in records])]
    if ability is not None and np.ptp(ability) > 0:  # in a group whose key is wrong the strong students fail
        centred = np.asarray(ability, dtype=float) - np.mean(ability)
        for c in columns:
            if c["level"] is not None:
                c["x"], c["ability"] = np.column_stack([c["x"], c["x"] * centred]), centred
    if not columns:
        return Fairness(None)
    rng = np.random.default_rng(int(hashlib.sha256(item.encode()).hexdigest()[:8], 16))
    perms = np.stack([resid] + [rng.permutation(resid) for _ in range(PERMUTATIONS)])
    pvals = np.stack([_pvalues(perms, c) for c in columns], axis=1)  # (1 + PERMUTATIONS) × columns
    least = pvals.min(axis=1)
    p = float((1 + np.sum(least[1:] <= least[0])) / (PERMUTATIONS + 1))
    best = columns[int(np.argmin(pvals[0]))]
    detail, groups = _describe(best, y, [feats.get(r["variant"], {}).get(best["name"]) for r in records])
    return Fairness(p, best["name"], detail, groups)


def level(value: Any) -> str | None:
    """A feature's value as a category ("6" for 6.0)."""
    return None if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _columns(name: str, values: list[Any]) -> list[dict[str, Any]]:
    """The feature's test columns: a number with many values as itself (a trend); a category, or a number with few
    values, as one indicator per value (a defect at one value shows alone, not diluted among the others)."""
    present = np.array([v is not None for v in values])
    if present.sum() < 10:
        return []
    distinct = {v for v in values if v is not None}
    if all(isinstance(v, float) for v in distinct) and len(distinct) > MAX_LEVELS:
        x = np.array([v if v is not None else np.nan for v in values], dtype=float)
        return [{"name": name, "level": None, "mask": present, "x": x}] if np.ptp(x[present]) > 0 else []
    text = [level(v) for v in values]
    levels = sorted({t for t in text if t is not None and text.count(t) >= MIN_LEVEL})
    if len({t for t in text if t is not None}) < 2:
        return []
    return [{"name": name, "level": lvl, "mask": present, "x": np.array([t == lvl for t in text], dtype=float)}
            for lvl in levels]


def _pvalues(perms: np.ndarray, c: dict[str, Any]) -> np.ndarray:
    """The asymptotic p-value of n·R² (~χ²(k)), R² the share of each row of permuted residuals that the column's k
    variables explain (k = 1: the number or the indicator; k = 2: the indicator and indicator × ability)."""
    m = c["mask"]
    ys = perms[:, m] - perms[:, m].mean(axis=1, keepdims=True)
    x = c["x"][m].reshape(int(m.sum()), -1)
    x = x - x.mean(axis=0)
    gram = x.T @ x
    if np.linalg.matrix_rank(gram) < gram.shape[0]:
        x, gram = x[:, :1], gram[:1, :1]
    b = ys @ x
    explained = np.sum((b @ np.linalg.inv(gram)) * b, axis=1)
    total = (ys ** 2).sum(axis=1)
    r2 = np.divide(explained, total, out=np.zeros(len(ys)), where=total > 0)
    return stats.chi2.sf(m.sum() * r2, x.shape[1])


def _describe(c: dict[str, Any], y: np.ndarray, values: list[Any]) -> tuple[str, list[tuple[str, int, float]]]:
    m = c["mask"]
    if c["level"] is not None:
        text = [level(v) for v in values]
        groups = [(lvl, text.count(lvl), float(np.mean([yy for yy, t in zip(y, text, strict=True) if t == lvl])))
                  for lvl in sorted({t for t in text if t is not None})]
        inside = np.array([t == c["level"] for t in text])
        a, b = (y[inside], np.asarray(c.get("ability", []))) if "ability" in c else (None, None)
        how = ("the better the rest of the test, the more often wrong: " if a is not None and len(a) > 2
               and np.ptp(a) > 0 and np.corrcoef(a, b[inside])[0, 1] < 0 else "")
        return (f"{c['name']} = {c['level']}: {how}{100 * y[inside].mean():.0f} % right (n = {int(inside.sum())}) "
                f"vs {100 * y[m & ~inside].mean():.0f} % otherwise"), groups
    x, ym = c["x"][m], y[m]
    edges = np.unique(np.quantile(x, [0, 0.25, 0.5, 0.75, 1]))
    bins = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, max(len(edges) - 2, 0))
    groups = [(f"{edges[b]:.3g}–{edges[min(b + 1, len(edges) - 1)]:.3g}", int((bins == b).sum()),
               float(ym[bins == b].mean())) for b in sorted(set(bins.tolist()))]
    return f"{c['name']}: correlation with being right r = {float(np.corrcoef(x, ym)[0, 1]):+.2f}", groups
