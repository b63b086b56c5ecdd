"""cross_entropy: H(p, q) = -sum_k p_k log q_k; with a one-hot p it is the step loss -log q[x]."""

import math

import torch

import lmcore
from assignments.loss.common import num
from autograder.runtime.checks import Mistake, Question
from autograder.runtime.requirements import Requirement

FN = "def cross_entropy(p, q):\n"
REQUIREMENTS = [
    Requirement("H(p, q) = −Σ_k p_k log q_k with the natural log", ["one-hot target", "soft target"],
                FN + "    return float(-(p * torch.log2(q)).sum())\n", "log-base-2",
                prompt=["H(p, q) = −Σ_k p_k log q_k"]),
    Requirement("a sum over the vocabulary, not a mean", ["one-hot target", "soft target"],
                FN + "    return float(-(p * torch.log(q)).mean())\n", "mean-instead-of-sum"),
    Requirement("any target distribution p, not only a one-hot one", ["soft target", "another soft target"],
                FN + "    return float(-torch.log(q[p.argmax()]))\n", "target-assumed-one-hot",
                prompt=["any target distribution p"]),
    Requirement("p is the target and q the model's distribution", ["soft target", "another soft target"],
                FN + "    return float(-(q * torch.log(p)).sum())\n", "arguments-swapped",
                prompt=["p (the target distribution)", "q (the model's distribution)"]),
]


def _mistakes(p: torch.Tensor, q: torch.Tensor) -> list[Mistake]:
    h = float(lmcore.cross_entropy(p, q))
    return [
        Mistake("mean-instead-of-sum", h / len(q), "this is a mean over the vocabulary; H(p, q) sums "
                "−p_k log q_k over every token k."),
        Mistake("log-base-2", h / math.log(2), "you used log base 2; the loss uses the natural log (nats)."),
        Mistake("log-base-10", h / math.log(10), "you used log base 10; the loss uses the natural log (nats)."),
        Mistake("missing-minus", -h, "the sign is wrong: H(p, q) = −Σ_k p_k log q_k is positive (missing minus)."),
        Mistake("arguments-swapped", float(-(q * torch.log(p)).sum()), "you swapped the arguments: p is the target "
                "and q the model's distribution, H(p, q) = −Σ_k p_k log q_k."),
        Mistake("target-assumed-one-hot", float(-torch.log(q[p.argmax()])), "you took −log q at p's largest entry, "
                "which is H(p, q) only for a one-hot p: sum −p_k log q_k over every k."),
        Mistake("kl-divergence", float((p * torch.log(p / q)).sum()), "this is the KL divergence Σ p log(p/q); "
                "cross-entropy is −Σ_k p_k log q_k (without p's own entropy term)."),
        Mistake("softmax-applied-twice", float(-(p * torch.log_softmax(q, -1)).sum()), "you normalized q again "
                "(F.cross_entropy and log_softmax take logits): q is already a distribution, use its log."),
        Mistake("log-missing", float(-(p * q).sum()), "you summed −p_k q_k: the loss takes the log of q."),
        Mistake("ignored-argument", float(-torch.log(q).sum()), "the target p is missing from your sum: weight "
                "each −log q_k by p_k."),
    ]


def question(p: dict, name: str) -> Question:
    logits, ids, V = torch.tensor(p["logits"]).double(), p["ids"], len(p["vocab"])
    soft = torch.softmax(logits[1] / 2, -1)
    q0, q2, q3 = (torch.softmax(logits[i] / d, -1) for i, d in ((0, 1), (2, 2), (3, 2)))
    hot1, hot3 = (lmcore.one_hot(ids[i], V).double() for i in (1, 3))  # the probe gets them as data
    other = torch.softmax(logits[2], -1)

    def test(label: str, p_probe: str, q_probe: str, pt: torch.Tensor, qt: torch.Tensor, hidden: bool = False):
        return num(f"{name} {label}", f"cross_entropy({p_probe}, {q_probe})", float(lmcore.cross_entropy(pt, qt)),
                   _mistakes(pt, qt), hidden=hidden)

    return Question(name, 4, [
        test("one-hot target", f"torch.tensor({hot1.tolist()!r})", "torch.softmax(LOGITS[0], -1)", hot1, q0),
        test("soft target", "torch.softmax(LOGITS[1] / 2, -1)", "torch.softmax(LOGITS[0], -1)", soft, q0),
        test("another soft target", "torch.softmax(LOGITS[2], -1)", "torch.softmax(LOGITS[3] / 2, -1)", other, q3,
             hidden=True),
        test("another one-hot target", f"torch.tensor({hot3.tolist()!r})", "torch.softmax(LOGITS[2] / 2, -1)", hot3,
             q2, hidden=True),
    ], forbidden=["lmcore.losses.cross_entropy", "lmcore.losses.step_losses"])
