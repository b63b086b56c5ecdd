"""Card: the ground truth at step i is the one-hot distribution p_i at the target token x_i.

p_i[k] = 1 if k == id(x_i) else 0 (lmcore.one_hot), and L_i = −Σ_k p_ik log q_ik = −log q_i[x_i].
"""

from __future__ import annotations

import random
from typing import Any

from lmcore import Vocabulary, one_hot

from .._common import NOUNS, OBJS, VERBS, choice, fmt, sentence_tokens

ORDER = 30  # place in the quiz (items are discovered from this folder)
TYPE = "mcq"
TITLE = "Ground-truth one-hot distribution"
ORIGINAL = {
    "tokens": ["The", "cat", "sat", "on"],
    "vocab": ["The", "cat", "sat", "on", "mat"],
    "step": 2,
    "q": [0.05, 0.15, 0.6, 0.1, 0.1],
}

STEM = """A language model reads the token sequence ({{ quoted }}). Its vocabulary has {{ V }} tokens with ids \
{% for t in vocab %}{{ loop.index0 }} = '{{ t }}'{{ ", " if not loop.last }}{% endfor %}.

At step i = {{ step }} the model sees the context ({{ context }}) and predicts the distribution \
q_{{ step }} = [{{ qtext }}] over the vocabulary. What is the ground-truth distribution p_{{ step }} used in the \
loss L_{{ step }} = −Σ_k p_{{ step }},k log q_{{ step }},k?"""


def generate(rng: random.Random) -> dict[str, Any]:
    toks = sentence_tokens(rng, 4, 6)
    V = rng.randint(max(4, len(set(toks))), 8)
    vocab = list(dict.fromkeys(toks))
    extra = [w for w in NOUNS + VERBS + OBJS if w not in vocab]
    vocab += rng.sample(extra, V - len(vocab))
    rng.shuffle(vocab)
    cuts = sorted(rng.sample(range(1, 100), V - 1))
    q = [(b - a) / 100 for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return {"tokens": toks, "vocab": vocab, "step": rng.randint(1, len(toks) - 1), "q": q}


def _vec(row: list[float]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in row) + "]"


def solve(p: dict[str, Any]) -> dict[str, Any]:
    voc = Vocabulary(p["vocab"], specials=())
    toks, i, V = p["tokens"], p["step"], len(p["vocab"])
    target, prev = voc.stoi[toks[i]], voc.stoi[toks[i - 1]]
    rows = one_hot([target, prev, (target + 1) % V], V).tolist()  # p_i, and the two wrong one-hots
    hot = {k: _vec(r) for k, r in zip([target, prev, (target + 1) % V], rows, strict=True)}.__getitem__
    options = [
        choice(hot(target), f"Right: p_{i} puts all its mass on the target x_{i} = '{toks[i]}' (id {target}), so "
               f"L_{i} = −log q_{i}[{target}] = −log {fmt(p['q'][target])}."),
        choice(hot(prev), f"Context token, not target: '{toks[i - 1]}' is the input at this step; the ground truth is "
               f"the next token x_{i} = '{toks[i]}'.", "context-token"),
        choice(hot((target + 1) % V), f"Off by one: ids start at 0, so '{toks[i]}' is position {target}.",
               "off-by-one"),
        choice(_vec(p["q"]), "That is the model's prediction q_i, not the ground truth p_i; p_i is one-hot at x_i.",
               "model-distribution"),
        choice(_vec([round(1 / V, 3)] * V), "Uniform: the ground truth is certain about the observed next token, "
               "so it is one-hot, not spread over the vocabulary.", "uniform"),
    ]
    return {
        "choices": options,
        "feedback": f"p_{i} = one_hot(id('{toks[i]}') = {target}, V = {V}) = {hot(target)}; "
                    f"L_{i} = −Σ_k p_{i},k log q_{i},k = −log q_{i}[{target}].",
        "context": {"quoted": ", ".join(f"'{t}'" for t in toks), "V": V, "context": " ".join(toks[:i]),
                    "qtext": ", ".join(f"{v:g}" for v in p["q"])},
        "n_distractors": 3,
    }
