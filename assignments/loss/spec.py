"""Assignment "loss": per-step losses, the sequence loss as a sum, cross-entropy with one-hot targets, the chain rule,
and the dataset loss. Every number in the prompts and tests is computed here with lmcore.

Parameter space of a variant (same difficulty for everyone): a 4-6 token sentence from the quiz word bank, seeded
random logits (m + 1, V) of a causal model run on it, 3-5 step losses with one decimal, three sequences' step losses,
and a seeded 400-step list of token probabilities. The default variant uses the course card's numbers.
"""

from __future__ import annotations

import math
import random

import numpy as np
import torch

import lmcore
from autograder.build_mcq import draw
from autograder.runtime.checks import NONFINITE, Checks, Mistake, Question, Test
from autograder.variants import variant_seed

ID = "loss"
TITLE = "The loss of a token sequence"
MCQ_ITEMS = {"q7": "which_predictions"}


def params(variant: str) -> dict:
    seed = variant_seed(variant)
    rng = random.Random(0 if seed is None else seed)
    if seed is None:
        tokens, steps = ["The", "cat", "sat", "on"], [1.2, 0.5, 2.3]
        dataset = [[1.2, 0.5, 2.3], [3.1, 2.2, 0.4, 2.7], [1.9, 0.8]]
    else:
        from assignments.quiz._common import sentence_tokens

        tokens = sentence_tokens(rng)
        steps = [round(rng.uniform(0.2, 3.5), 1) for _ in range(rng.randint(3, 5))]
        dataset = [[round(rng.uniform(0.2, 3.5), 1) for _ in range(rng.randint(2, 5))] for _ in range(3)]
    vocab = lmcore.Vocabulary.build([tokens])
    ids = vocab.encode(tokens)
    g = torch.Generator().manual_seed(seed if seed is not None else 4)
    logits = (torch.randn(len(ids), len(vocab), generator=g) * 2).round(decimals=2)
    step_probs = torch.exp(-lmcore.step_losses(logits[:-1].double(), ids[1:]))  # Pr(x_i | x_<i) = exp(-L_i)
    long_probs = [round(rng.uniform(0.01, 0.2), 3) for _ in range(400)]
    return {
        "variant": variant, "tokens": tokens, "vocab": vocab.itos, "ids": ids,
        "logits": [[round(v, 2) for v in row] for row in logits.double().tolist()],
        "steps": steps, "hidden_steps": [round(rng.uniform(0.1, 4.0), 2) for _ in range(7)],
        "step_probs": [float(f"{float(p):.4g}") for p in step_probs], "long_probs": long_probs, "dataset": dataset,
        "mcq": {q: draw(item, variant) for q, item in MCQ_ITEMS.items()},
    }


def setup_code(p: dict) -> str:
    """The data cell every student sees, also run before each probe so tests use the real data, not the student's."""
    return "\n".join([
        "import math", "import numpy as np", "import torch", "import lmcore", "",
        f"TOKENS = {p['tokens']!r}  # x_0..x_m",
        f"VOCAB = {p['vocab']!r}  # id -> token",
        f"IDS = {p['ids']!r}  # the indexed sequence",
        "# LOGITS[t] = the model's next-token logits after reading x_0..x_t (one row per position, V columns)",
        f"LOGITS = torch.tensor({p['logits']!r})",
    ])


def template_vars(p: dict) -> dict:
    return {"setup": setup_code(p), "total_steps": lmcore.total_loss(p["steps"]),
            "log_prob": _log_prob(p["step_probs"])}


def _log_prob(probs: list[float]) -> float:
    """Chain rule: log Pr(x_1..x_m | x_0) = sum_i log p_i = -(sum of the step losses -log p_i), via lmcore."""
    return -lmcore.total_loss(-np.log(np.asarray(probs, dtype=np.float64)))


def _seq_mistakes(total: float, m: int, extra: list[Mistake]) -> list[Mistake]:
    return [
        Mistake("mean-instead-of-sum", total / m, "this is the mean of the step losses; the sequence loss is their "
                "sum L = Σ_i L_i."),
        Mistake("log-base-2", total / math.log(2), "you used log base 2; the loss uses the natural log (nats)."),
        Mistake("log-base-10", total / math.log(10), "you used log base 10; the loss uses the natural log (nats)."),
        Mistake("missing-minus", -total, "the sign is wrong: L_i = −log q_i[x_i] is positive (missing minus sign)."),
        *extra,
    ]


def checks(p: dict) -> Checks:
    logits, ids = torch.tensor(p["logits"]), p["ids"]
    m, V = len(ids) - 1, len(p["vocab"])
    total = float(lmcore.sequence_loss(logits[:-1], ids[1:]))
    x0 = float(lmcore.sequence_loss(logits, ids))  # a term for x_0: row t paired with x_t
    shift = float(lmcore.sequence_loss(logits[1:], ids[1:]))  # off by one: row t paired with x_t for t >= 1
    shape_mistakes = [
        Mistake("loss-term-for-x0", x0, "you included a loss term for x_0 (pairing row t of the logits with x_t). "
                "x_0 is context only: the terms are L_1..L_m, with row i−1 predicting x_i."),
        Mistake("off-by-one", shift, "off-by-one shift: row i−1 of the logits predicts x_i (use logits[:-1] with "
                "ids[1:])."),
    ]
    probs = torch.softmax(logits[:-1].double(), -1)
    steps = lmcore.cross_entropy(lmcore.one_hot(ids[1:], V).double(), probs).numpy()
    ce_p = torch.softmax(logits[0].double(), -1)
    ce_soft = torch.softmax(logits[1].double() / 2, -1)
    log_prob, long_lp = _log_prob(p["step_probs"]), _log_prob(p["long_probs"])
    data = p["dataset"]
    data_total = lmcore.total_loss([lmcore.total_loss(s) for s in data])
    n_tok = sum(len(s) for s in data)

    def num(name: str, probe: str, expect: float, mistakes: list[Mistake], hidden: bool = False,
            failure_message: str = "", error_mistake: str | None = None) -> Test:
        return Test(name, probe, float(expect), mistakes=mistakes, hidden=hidden, rtol=1e-4, atol=1e-6,
                    failure_message=failure_message, error_mistake=error_mistake)

    def arr(name: str, probe: str, expect: np.ndarray, mistakes: list[Mistake], hidden: bool = False) -> Test:
        return Test(name, probe, expect.tolist(), kind="array", shape=list(expect.shape), mistakes=mistakes,
                    hidden=hidden, rtol=1e-4, atol=1e-6)

    steps_l, hid_l = p["steps"], p["hidden_steps"]
    qs = [
        Question("q1", 2, [
            num("q1 sums the step losses", f"sequence_total({steps_l!r})", lmcore.total_loss(steps_l),
                _seq_mistakes(lmcore.total_loss(steps_l), len(steps_l), [])[:1]),
            num("q1 on another sequence", f"sequence_total({hid_l!r})", lmcore.total_loss(hid_l),
                _seq_mistakes(lmcore.total_loss(hid_l), len(hid_l), [])[:1], hidden=True),
        ], forbidden=["lmcore.losses.total_loss"]),
        Question("q2", 2, [
            num("q2 one-hot target", "cross_entropy(lmcore.one_hot(IDS[1], len(VOCAB)), torch.softmax(LOGITS[0], -1))",
                float(lmcore.cross_entropy(lmcore.one_hot(ids[1], V).double(), ce_p)),
                _seq_mistakes(float(-torch.log(ce_p[ids[1]])), 1, [])[1:]),
            num("q2 soft target", "cross_entropy(torch.softmax(LOGITS[1] / 2, -1), torch.softmax(LOGITS[0], -1))",
                float(lmcore.cross_entropy(ce_soft, ce_p)),
                _seq_mistakes(float(lmcore.cross_entropy(ce_soft, ce_p)), 1, [])[1:], hidden=True),
        ], forbidden=["lmcore.losses.cross_entropy", "lmcore.losses.step_losses"]),
        Question("q3", 2, [
            arr("q3 per-step losses", "step_losses_from_probs(torch.softmax(LOGITS[:-1], -1), IDS[1:])", steps, [
                Mistake("log-base-2", (steps / math.log(2)).tolist(), "you used log base 2; use the natural log."),
                Mistake("log-base-10", (steps / math.log(10)).tolist(), "you used log base 10; use the natural log."),
                Mistake("missing-minus", (-steps).tolist(), "missing minus sign: L_i = −log q_i[x_i] ≥ 0."),
            ]),
            Test("q3 one loss per prediction step", "len(step_losses_from_probs(torch.softmax(LOGITS[:-1], -1), "
                 "IDS[1:]))", m, kind="exact", hidden=True),
        ], forbidden=["lmcore.losses.cross_entropy", "lmcore.losses.step_losses", "lmcore.losses.sequence_loss"]),
        Question("q4", 3, [
            num("q4 sequence loss from logits", "sequence_loss_from_logits(LOGITS, IDS)", total,
                _seq_mistakes(total, m, shape_mistakes)),
            num("q4 logits shifted by +100", "sequence_loss_from_logits(LOGITS + 100, IDS)", total,
                _seq_mistakes(total, m, shape_mistakes) + [_overflow()], hidden=True),
            num("q4 logits scaled by 1000", "sequence_loss_from_logits(LOGITS * 1000, IDS)",
                float(lmcore.sequence_loss(logits[:-1] * 1000, ids[1:])), [_overflow()], hidden=True),
        ], forbidden=["lmcore.losses.sequence_loss", "lmcore.losses.step_losses",
                      "lmcore.losses.sequence_log_prob"]),
        Question("q5", 2, [
            num("q5 chain rule", f"sequence_log_prob({p['step_probs']!r})", log_prob, [
                Mistake("product-of-probabilities", math.exp(log_prob), "this is the product of the "
                        "probabilities (the sequence probability); return the sum of logs, log Pr = Σ_i log p_i."),
                Mistake("missing-minus", -log_prob, "this is −log Pr, the sequence loss; the log-probability "
                        "is its negative."),
            ]),
            num("q5 a 400-token sequence", f"sequence_log_prob({p['long_probs']!r})", long_lp, [
                Mistake("product-underflow", NONFINITE, "the product of 400 probabilities underflows to 0 and its "
                        "log is −inf: take a sum of logs instead of a product of probabilities."),
                Mistake("product-of-probabilities", 0.0, "this is the product of the probabilities, which "
                        "underflows to 0 for long sequences: return the sum of their logs."),
            ], hidden=True, error_mistake="product-underflow",
                failure_message="a product of 400 probabilities underflows to 0 (its log fails or is −inf): take a "
                "sum of logs instead of a product of probabilities."),
        ], forbidden=["lmcore.losses.sequence_log_prob", "lmcore.losses.sequence_prob"]),
        Question("q6", 1, [
            num("q6 dataset loss", f"dataset_total({data!r})", data_total, [
                Mistake("mean-instead-of-sum", data_total / len(data), "this is the mean sequence loss; the dataset "
                        "loss is the sum Σ_x L_θ(x)."),
                Mistake("mean-per-token", data_total / n_tok, "this is the mean loss per token; the dataset loss "
                        "is the sum over sequences of their summed step losses."),
                Mistake("sum-of-means", sum(sum(s) / len(s) for s in data), "you averaged within each sequence; a "
                        "sequence's loss is the sum of its step losses."),
            ]),
        ], forbidden=["lmcore.losses.total_loss", "lmcore.losses.dataset_loss"]),
    ]
    for q, mcq in p["mcq"].items():
        qs.append(Question(q, 1, [Test(f"{q} answer", f"{q}_answer", mcq.key, kind="choice", hidden=True)],
                           kind="mcq"))
    return Checks(ID, qs, variant=p["variant"], setup=setup_code(p))


def _overflow() -> Mistake:
    return Mistake("log-softmax-overflow", NONFINITE, "your result is inf or nan for large logits: log(softmax(z)) "
                   "overflows. Use log-softmax, log q_k = z_k − logsumexp(z) (subtract max z before exp).")
