"""Assignment "training": the dataset objective for one parameter set, a training step and a training loop, and
comparing training progress between iterations. Runs on CUDA when present, on CPU in seconds otherwise (BigramLM on
the bundled Markov corpus, V = 27).

Parameter space of a variant: the corpus seed (which 12 sequences of 8-16 tokens are trained on), the learning rate,
and the per-sequence losses at two iterations; the default variant (seed None) uses the card's losses 8.4, 2.1, 5.5.

Each question is graded on its own: train_step and train receive the objective as an argument, and their tests pass
a stand-in objective (PROBE_HELPERS), so a mistake in `objective` costs question 1 only.
"""

from __future__ import annotations

import random
from fractions import Fraction

TITLE = "The pre-training objective and a training step"
STEPS = 8


def params(seed: int | None) -> dict:
    rng = random.Random(0 if seed is None else seed)
    if seed is None:
        corpus_seed, lr, before = 1337, 0.05, [8.4, 2.1, 5.5]
    else:
        corpus_seed, lr = seed % 100_000, rng.choice([0.03, 0.04, 0.05, 0.06])
        before = [round(rng.uniform(2.0, 9.9), 1) for _ in range(3)]
    for attempt in range(100):  # the change is never exactly 0 (decided on the printed decimals)
        after = [round(max(0.1, b - random.Random(f"{seed}|{attempt}|{i}").uniform(-0.5, 2.0)), 1)
                 for i, b in enumerate(before)]
        if sum(map(Fraction, map(str, after))) != sum(map(Fraction, map(str, before))):
            break
    return {"corpus_seed": corpus_seed, "lr": lr, "before": before, "after": after, "steps": STEPS}


def data_cell(p: dict) -> str:
    """The data cell the student sees; also run before each probe, so tests use this data and fresh models."""
    return "\n".join([
        "import torch", "import torch.nn.functional as F", "import lmcore", "",
        'device = "cuda" if torch.cuda.is_available() else "cpu"',
        f"corpus = lmcore.load_corpus(n_train=3000, n_val=1000, seed={p['corpus_seed']})",
        "V = len(corpus.vocab)",
        f"SEQS = corpus.sequences('train', min_len=8, max_len=16, seed={p['corpus_seed']})[:12]  # the dataset D",
        f"LR, STEPS = {p['lr']!r}, {STEPS}",
        "UNIFORM = lmcore.BigramLM(V).to(device)  # theta_A: every next-token distribution uniform",
        "FITTED = lmcore.BigramLM.from_counts(corpus.sequences('val'), V).to(device)  # theta_B: fitted elsewhere",
        "",
        "def fresh_model():",
        "    torch.manual_seed(0)",
        "    return lmcore.BigramLM(V).to(device)",
    ])


# Run before the probes (not shown in the data cell). Uses torch only: it is not the dataset objective.
PROBE_HELPERS = '''
def _stand_in(model, sequences):
    """A stand-in objective for testing train_step and train: mean squared distance of the logits from 1."""
    dev = next(model.parameters()).device
    return sum((model(torch.as_tensor(s[:-1], device=dev).unsqueeze(0)) - 1).square().mean() for s in sequences)


def _two_steps(train_step):
    model = fresh_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    returned = [float(train_step(model, optimizer, SEQS, _stand_in)) for _ in range(2)]
    return returned + [float(_stand_in(model, SEQS))]
'''
