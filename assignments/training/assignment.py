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
    hidden_rng = random.Random(f"hidden|{seed}")  # the hidden test's losses: never the public ones
    for _ in range(100):
        h_before = [round(hidden_rng.uniform(1.0, 9.9), 1) for _ in range(4)]
        h_after = [round(max(0.1, b + hidden_rng.uniform(-2.0, 1.0)), 1) for b in h_before]
        if sum(map(Fraction, map(str, h_after))) != sum(map(Fraction, map(str, h_before))):
            break
    return {"corpus_seed": corpus_seed, "lr": lr, "before": before, "after": after, "steps": STEPS,
            "hidden_before": h_before, "hidden_after": h_after}


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


# Run before the probes (not shown in the data cell). Uses torch only: nothing here is a question's answer.
PROBE_HELPERS = '''
def _stand_in(model, sequences, target=1.0):
    """A stand-in objective for testing train_step and train: the sum over sequences of the mean squared distance
    of the logits from `target`. fresh_model() is a BigramLM (a position's logits depend on its token alone), so every
    sequence goes through the model in one call: a call per sequence made the training probes most of the grading."""
    dev = next(model.parameters()).device
    xs = [torch.as_tensor(s[:-1], device=dev) for s in sequences]
    if not xs:
        return 0
    lengths = torch.tensor([len(x) for x in xs], device=dev)
    logits = model(torch.cat(xs).unsqueeze(0))[0]  # (sum of lengths, V)
    per_token = (logits - target).square().sum(-1) / (lengths * logits.shape[-1]).repeat_interleave(lengths)
    return per_token.sum()


def _stand_in_half(model, sequences):
    """Another stand-in objective: the same distance from 0.5."""
    return _stand_in(model, sequences, 0.5)


def _steps(train_step, n=2, sequences=None, objective=None, optimizer=None):
    """The values train_step returns over n steps on a fresh model, then the objective after the last step."""
    model = fresh_model()
    opt = optimizer(model.parameters()) if optimizer else torch.optim.SGD(model.parameters(), lr=LR)
    seqs, f = (SEQS if sequences is None else sequences), (objective or _stand_in)
    returned = [float(train_step(model, opt, seqs, f)) for _ in range(n)]
    return returned + [float(f(model, seqs))]


def _shifted(model, by):
    """The model with `by` added to every parameter: another starting point than fresh_model()'s."""
    with torch.no_grad():
        for w in model.parameters():
            w.add_(by)
    return model


def _with(fn, **names):
    """fn, run with `names` bound in its globals (restored after): a question that uses an earlier question's
    function is graded with a correct one given, so one mistake costs one question."""
    def run(*args, **kwargs):
        scope, missing = fn.__globals__, object()
        saved = {k: scope.get(k, missing) for k in names}
        scope.update(names)
        try:
            return fn(*args, **kwargs)
        finally:
            for k, v in saved.items():
                if v is missing:
                    scope.pop(k, None)
                else:
                    scope[k] = v
    return run


def _result_kind(value):
    """What a function returned, in words (a 0-d tensor with a gradient is what an objective returns)."""
    if isinstance(value, torch.Tensor):
        if value.dim() != 0:
            return f"a tensor of shape {tuple(value.shape)}"
        return "a 0-d tensor with a gradient" if value.requires_grad else "a 0-d tensor without a gradient"
    return "a Python number" if isinstance(value, (int, float)) else f"a {type(value).__name__}"
'''
