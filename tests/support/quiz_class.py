"""A simulated class answering a roster quiz (one variant of each item per student), for the item analysis tests.

Each student has an ability θ ~ N(0, 1), each item a difficulty b; a student reasons right with probability
1 / (1 + exp(b − θ)) and leaves an item blank 3 % of the time. Reasoning right gives the key's answer, reasoning
wrong a distractor (multiple choice, true/false) or a named mistake's value (numbers). In a fair quiz that is all.
An unfair item's variants with a given parameter value have a key nobody can reach: reasoning right there gives an
answer the key does not accept (for true/false the other truth value, so only those who reason wrong score).
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
from pathlib import Path
from typing import Any

from autograder.quiz import fairness


def roster(n: int) -> list[dict[str, str]]:
    return [{"student_id": f"u{i:03d}", "name": f"Student {i}", "email": ""} for i in range(n)]


def _difficulty(item: str) -> float:
    return -1.5 + 2.0 * int(hashlib.sha256(item.encode()).hexdigest()[:6], 16) / 0xFFFFFF


def _wrong(kv: dict[str, Any], rng: random.Random) -> str:
    if kv["type"] == "numeric":
        if kv["mistakes"] and rng.random() < 0.7:
            return repr(rng.choice(kv["mistakes"])["value"])
        return repr(round(kv["answer"] * 1.5 + 3.7, 4))
    return rng.choice([c["letter"] for c in kv["choices"] if not c["correct"]])


def _right(kv: dict[str, Any]) -> str:
    return repr(kv["answer"]) if kv["type"] == "numeric" else next(c["letter"] for c in kv["choices"] if c["correct"])


def respond(key: dict[str, Any], seed: int, unfair: tuple[str, str, str] | None = None,
            blank: float = 0.03) -> list[list[str]]:
    """Rows student,item,answer,variant. unfair: (item, feature, value) whose variants have an unreachable key."""
    rng = random.Random(seed)
    rows = []
    for sid, s in sorted(key["students"].items()):
        theta = rng.gauss(0, 1)
        for item in key["items"]:
            code = s["variants"][item]
            kv = key["variants"][code]
            if rng.random() < blank:
                rows.append([sid, item, "", code])
                continue
            right = rng.random() < 1 / (1 + math.exp(_difficulty(item) - theta))
            broken = unfair is not None and item == unfair[0] and \
                fairness.level(fairness.features(key, code).get(unfair[1])) == unfair[2]
            if broken:  # the key is unreachable: reasoning right is marked wrong
                answer = _wrong(kv, rng) if right else (_right(kv) if kv["type"] == "truefalse" else _wrong(kv, rng))
            else:
                answer = _right(kv) if right else _wrong(kv, rng)
            rows.append([sid, item, answer, code])
    return rows


def write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "item", "answer", "variant"])
        w.writerows(rows)
    return path
