"""`python -m lmcore.demo`: the course's worked examples and a bigram fit on the bundled corpus, all from lmcore."""

from __future__ import annotations

import time

import torch

from . import BigramLM, load_corpus, mean_token_loss, one_hot, step_losses, total_loss, word_tokenize
from .losses import dataset_loss, next_token_targets


def main() -> None:
    print("== Worked examples (computed by lmcore)")
    print(f"sequence loss of per-step losses 1.2, 0.5, 2.3: {total_loss([1.2, 0.5, 2.3]):.1f}")
    print(f"objective for sequence losses 8.4, 2.1, 5.5: {total_loss([8.4, 2.1, 5.5]):.1f} (a sum, not a mean)")
    tokens = word_tokenize("The cat sat on")
    inputs, targets = next_token_targets(tokens)
    terms = [f"Pr({t} | {' '.join(tokens[: i + 1])})" for i, t in enumerate(targets)]
    print(f"loss terms of {tuple(tokens)}: {len(terms)} -> " + ", ".join(terms))
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    print(f"one-hot target for id 2 of 3: {one_hot(2, 3).tolist()}; "
          f"step losses {[round(x, 4) for x in step_losses(logits, [0, 2]).tolist()]}")

    print("\n== Bigram model on the bundled corpus")
    t0 = time.perf_counter()
    corpus = load_corpus()
    train, val = corpus.sequences("train"), corpus.sequences("val")
    model = BigramLM(len(corpus.vocab)).fit(train, k=0.01)
    n_steps = sum(len(s) - 1 for s in val)
    print(f"corpus: {len(corpus.train_tokens):,} train / {len(corpus.val_tokens):,} val tokens, "
          f"vocabulary of {len(corpus.vocab)}; {len(val)} validation sequences, {n_steps:,} loss terms")
    print(f"uniform model  dataset loss: {dataset_loss(BigramLM(len(corpus.vocab)), val):,.1f} nats")
    print(f"fitted bigram  dataset loss: {dataset_loss(model, val):,.1f} nats "
          f"= {mean_token_loss(model, val):.4f} nats/token")
    print(f"entropy floor of the source:  {corpus.entropy_floor:.4f} nats/token "
          f"(x {n_steps:,} terms = {corpus.entropy_floor * n_steps:,.1f} nats)   [{time.perf_counter() - t0:.1f} s]")


if __name__ == "__main__":
    main()
