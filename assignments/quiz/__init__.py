"""The quiz item bank: one seeded generator per card of the module, PrairieLearn style.

Each item module in `assignments/quiz/items/` defines TYPE ("numeric" | "mcq" | "truefalse"), TITLE, ORIGINAL (the
course card's own parameters), a Jinja2 STEM, `generate(rng) -> params` and `solve(params)`, which computes the
answer, choices and feedback with lmcore. `render_variant(item, seed, index)` puts them together:

    rng    = random.Random("lmcourse.quiz/<item>/<seed>/<index>")      (deterministic in item, seed, index)
    params = ORIGINAL if index == 0 else generate(rng)
    choices: the correct one plus `n_distractors` real mistakes, shuffled by rng; answer = its letter A, B, ...
"""

from __future__ import annotations

import copy
import importlib
import random
import re
from functools import cache
from types import ModuleType
from typing import Any

import jinja2

from ._common import fmt

ITEMS: list[str] = [
    "total_loss",
    "which_predictions",
    "one_hot_target",
    "sequence_probability",
    "training_goal",
    "training_progress",
    "dataset_loss",
    "unique_params_tf",
    "objective_formula",
]
LETTERS = "ABCDEFGHIJ"
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
_ENV.globals["fmt"] = fmt


@cache
def item_module(item_id: str) -> ModuleType:
    if item_id not in ITEMS:
        raise KeyError(f"unknown quiz item {item_id!r}; known items: {', '.join(ITEMS)}")
    return importlib.import_module(f"{__name__}.items.{item_id}")


@cache
def _template(item_id: str) -> jinja2.Template:
    return _ENV.from_string(item_module(item_id).STEM)


def item_title(item_id: str) -> str:
    return item_module(item_id).TITLE


def render_variant(item_id: str, seed: int, index: int) -> dict[str, Any]:
    """Variant `index` of `item_id` for `seed`: {item, seed, index, type, title, params, stem (markdown),
    choices [{text, correct, feedback, mistake}] (mcq/truefalse), answer (float, or the correct letter / "True" /
    "False"), tolerance (numeric), mistakes [{value, mistake, feedback}] (numeric), feedback}.
    Index 0 is the course card's original."""
    if index < 0:
        raise ValueError(f"variant index must be >= 0, got {index}")
    mod = item_module(item_id)
    rng = random.Random(f"lmcourse.quiz/{item_id}/{int(seed)}/{int(index)}")
    params = copy.deepcopy(mod.ORIGINAL) if index == 0 else mod.generate(rng)
    sol = mod.solve(params)
    stem = _template(item_id).render({**params, **sol.get("context", {})})
    stem = re.sub(r"\n{3,}", "\n\n", stem).strip()
    out: dict[str, Any] = {"item": item_id, "seed": int(seed), "index": int(index), "type": mod.TYPE,
                           "title": mod.TITLE, "params": params, "stem": stem}
    if mod.TYPE == "numeric":
        out.update(answer=float(sol["answer"]), tolerance=float(sol["tolerance"]), mistakes=sol["mistakes"])
    elif mod.TYPE == "truefalse":
        out.update(choices=sol["choices"], answer=sol["answer"])
    else:
        choices = _pick_choices(sol["choices"], sol.get("n_distractors"), rng)
        out.update(choices=choices, answer=LETTERS[next(i for i, c in enumerate(choices) if c["correct"])])
    out["feedback"] = sol["feedback"]
    n_correct = sum(c["correct"] for c in out.get("choices", []))
    if mod.TYPE != "numeric" and n_correct != 1:
        raise AssertionError(f"{item_id} variant {index}: {n_correct} correct choices")
    return out


def _pick_choices(options: list[dict], n: int | None, rng: random.Random) -> list[dict]:
    """Keep the correct option and `n` distractors with distinct texts, in an order drawn from rng."""
    seen: set[str] = set()
    correct = [c for c in options if c["correct"]]
    wrong = []
    for c in correct + [c for c in options if not c["correct"]]:
        if c["text"] not in seen:
            seen.add(c["text"])
            if not c["correct"]:
                wrong.append(c)
    if n is not None and len(wrong) > n:
        wrong = rng.sample(wrong, n)
    picked = correct + wrong
    rng.shuffle(picked)
    return picked


__all__ = ["ITEMS", "LETTERS", "item_module", "item_title", "render_variant"]
