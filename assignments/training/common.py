"""Build-time reference values for assignment "training" (full lmcore; never shipped to students)."""

from __future__ import annotations

import functools

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


def stand_in_run(p: dict, steps: int, zero_grad: bool = True) -> list[float]:
    """Objective values of the probe helpers' stand-in objective before each of `steps` SGD steps, then after the
    last, for a fresh model on CPU: what a correct train_step (or train) gives the probes."""
    seqs, V, _ = dataset(p["corpus_seed"])
    ns: dict = {"torch": torch}
    exec(PROBE_HELPERS, ns)
    torch.manual_seed(0)
    model = lmcore.BigramLM(V)
    opt = torch.optim.SGD(model.parameters(), lr=p["lr"])
    values = []
    for _ in range(steps):
        if zero_grad:
            opt.zero_grad()
        loss = ns["_stand_in"](model, seqs)
        loss.backward()
        opt.step()
        values.append(float(loss.detach()))
    values.append(float(ns["_stand_in"](model, seqs).detach()))
    return values
