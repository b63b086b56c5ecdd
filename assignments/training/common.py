"""Build-time reference values for assignment "training" (full lmcore; never shipped to students).

`dataset` rebuilds the data cell's SEQS, V and FITTED; `run` replays what the probe helpers' `_steps` and `train`
see for a correct training step, and for the ways a training step goes wrong (gradients not zeroed, no update,
the value recorded after the step, gradient ascent, another optimizer, an argument ignored), so each has a value that
names it; `objective_values` does the same for the dataset objective and its mistakes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch

import lmcore
from assignments.training.assignment import PROBE_HELPERS


@functools.cache
def dataset(corpus_seed: int) -> tuple[list[list[int]], int, lmcore.BigramLM]:
    """SEQS, V and FITTED exactly as the data cell makes them (cached: variants share nothing else)."""
    corpus = lmcore.load_corpus(n_train=3000, n_val=1000, seed=corpus_seed)
    V = len(corpus.vocab)
    seqs = corpus.sequences("train", min_len=8, max_len=16, seed=corpus_seed)[:12]
    return seqs, V, lmcore.BigramLM.from_counts(corpus.sequences("val"), V)


@functools.cache
def _helpers() -> dict:
    ns: dict = {"torch": torch}
    exec(PROBE_HELPERS, ns)
    return ns


def stand_in(name: str = "_stand_in") -> Callable:
    """A probe helpers' stand-in objective (`_stand_in` or `_stand_in_half`)."""
    return _helpers()[name]


def true_objective(model: torch.nn.Module, sequences: list[list[int]]) -> torch.Tensor:
    """Σ_x L_θ(x) with lmcore's step losses: what a student's global `objective` computes when an answer uses it
    instead of the objective it is given."""
    return sum(lmcore.sequence_loss(model(torch.as_tensor(s[:-1]).unsqueeze(0))[0], s[1:]) for s in sequences)


def run(p: dict, steps: int, *, sequences: list[list[int]] | None = None, objective: Callable | None = None,
        final: Callable | None = None, lr: float | None = None, momentum: float = 0.0, adam: bool = False,
        zero_grad: bool = True, step: bool = True, ascend: bool = False, scale: float = 1.0,
        after: bool = False, final_sequences: list[list[int]] | None = None, shift: float = 0.0) -> list[float]:
    """The values a training step returns over `steps` steps on a fresh model (CPU), then `final` (default: the
    training objective, on `final_sequences`, default the training ones) after the last step: what `_steps` gives
    the probes, and `train`'s curve is its first `steps` values. The keyword arguments replay a mistake: no
    zero_grad, no step, gradient ascent, the objective scaled (divided by the number of sequences), the value
    recorded after the step, another optimizer; `shift` starts from another model (probe helpers' `_shifted`)."""
    seqs, V, _ = dataset(p["corpus_seed"])
    seqs = seqs if sequences is None else sequences
    f = objective or stand_in()
    torch.manual_seed(0)
    model = _helpers()["_shifted"](lmcore.BigramLM(V), shift) if shift else lmcore.BigramLM(V)
    rate = p["lr"] if lr is None else lr
    opt = torch.optim.Adam(model.parameters(), lr=rate) if adam else \
        torch.optim.SGD(model.parameters(), lr=rate, momentum=momentum)
    values = []
    for _ in range(steps):
        if zero_grad:
            opt.zero_grad()
        loss = f(model, seqs) * scale
        ((-loss) if ascend else loss).backward()
        if step:
            opt.step()
        values.append(float(f(model, seqs).detach() * scale) if after else float(loss.detach()))
    values.append(float((final or f)(model, seqs if final_sequences is None else final_sequences).detach()))
    return values


def objective_values(model: torch.nn.Module, seqs: list[list[int]]) -> dict[str, float]:
    """The objective Σ_x L_θ(x) of `model` on `seqs` ("right"), and what each known mistake makes of it."""
    per_seq, x0, shift, no_softmax, twice, no_log, means = [], [], [], [], [], [], []
    with torch.no_grad():
        for s in seqs:
            x = torch.as_tensor(s)
            z = model(x[:-1].unsqueeze(0))[0].double()  # row i-1 predicts x_i
            rows = torch.arange(len(s) - 1)
            per_seq.append(float(lmcore.sequence_loss(z, s[1:])))
            x0.append(float(lmcore.sequence_loss(model(x.unsqueeze(0))[0].double(), s)))  # row t with x_t
            shift.append(float(lmcore.sequence_loss(model(x[1:].unsqueeze(0))[0].double(), s[1:])))
            no_softmax.append(-float(z[rows, x[1:]].sum()))
            twice.append(float(lmcore.sequence_loss(torch.softmax(z, -1), s[1:])))
            no_log.append(-float(torch.softmax(z, -1)[rows, x[1:]].sum()))
            means.append(per_seq[-1] / (len(s) - 1))
    right = math.fsum(per_seq)
    n_tok = sum(len(s) - 1 for s in seqs)
    return {"right": right, "mean-instead-of-sum": right / len(seqs), "mean-per-token": right / n_tok,
            "sum-of-means": math.fsum(means), "log-base-2": right / math.log(2),
            "log-base-10": right / math.log(10), "missing-minus": -right,
            "loss-term-for-x0": math.fsum(x0), "off-by-one": math.fsum(shift), "single-sequence": per_seq[0],
            "softmax-missing": math.fsum(no_softmax), "softmax-applied-twice": math.fsum(twice),
            "log-missing": math.fsum(no_log)}
