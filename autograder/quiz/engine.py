"""The quiz engine: finds the item modules in `assignments/quiz/items/` and renders their variants.

Items are content; this module is a tool. An item is one file `assignments/quiz/items/<item_id>.py` defining
ORDER (its place in the quiz; ties by file name), TYPE ("numeric" | "mcq" | "truefalse"), TITLE, ORIGINAL (the course
card's own parameters), a Jinja2 STEM, `generate(rng) -> params` and `solve(params)`, which computes the answer,
choices and feedback with lmcore and decides every key on the exact values of the numbers the stem prints.
Files whose name starts with "_" are helpers, not items. `render_variant(item, seed, index)` puts them together:

    rng    = random.Random("lmcourse.quiz/<item>/<seed>/<index>")      (deterministic in item, seed, index)
    params = ORIGINAL if index == 0 else generate(rng)
    choices: the correct one plus `n_distractors` real mistakes, shuffled by rng; answer = its letter A, B, ...
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import random
import re
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2

ITEMS_PACKAGE = "assignments.quiz.items"
LETTERS = "ABCDEFGHIJ"
ITEM_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
REQUIRED = ("ORDER", "TYPE", "TITLE", "ORIGINAL", "STEM", "generate", "solve")
TYPES = ("numeric", "mcq", "truefalse")


def items_dir() -> Path:
    """The folder the items are discovered in (found through the import system, so a copy on sys.path wins)."""
    spec = importlib.util.find_spec(ITEMS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no quiz item folder: package {ITEMS_PACKAGE} not found")
    return Path(next(iter(spec.submodule_search_locations)))


def _load(item_id: str, path: Path) -> ModuleType:
    if not ITEM_ID_RE.match(item_id):
        raise ValueError(f"{path}: quiz item file names must be lower-case identifiers ([a-z][a-z0-9_]*), "
                         f"got {item_id!r}")
    mod = importlib.import_module(f"{ITEMS_PACKAGE}.{item_id}")
    missing = [name for name in REQUIRED if not hasattr(mod, name)]
    if missing:
        raise ValueError(f"{path}: a quiz item must define {', '.join(REQUIRED)}; missing {', '.join(missing)}")
    if mod.TYPE not in TYPES:
        raise ValueError(f"{path}: TYPE must be one of {', '.join(TYPES)}, got {mod.TYPE!r}")
    if not isinstance(mod.ORDER, int | float):
        raise ValueError(f"{path}: ORDER must be a number, got {mod.ORDER!r}")
    return mod


@cache
def _discover() -> dict[str, ModuleType]:
    folder = items_dir()
    mods = {p.stem: _load(p.stem, p) for p in sorted(folder.glob("*.py")) if not p.name.startswith("_")}
    return dict(sorted(mods.items(), key=lambda kv: (kv[1].ORDER, kv[0])))


def item_ids() -> list[str]:
    """Every item id (file stem), in quiz order: ORDER, then file name."""
    return list(_discover())


def item_module(item_id: str) -> ModuleType:
    mods = _discover()
    if item_id not in mods:
        raise KeyError(f"unknown quiz item {item_id!r}; known items: {', '.join(mods)}")
    return mods[item_id]


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
TEMPLATE_GLOBALS = ("fmt", "fmt_list")  # taken from the item's module, so stems print numbers as its keys read them


@cache
def _template(item_id: str) -> jinja2.Template:
    mod = item_module(item_id)
    return _ENV.from_string(mod.STEM, globals={g: getattr(mod, g) for g in TEMPLATE_GLOBALS if hasattr(mod, g)})


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


__all__ = ["LETTERS", "item_ids", "item_module", "item_title", "items_dir", "render_variant"]
