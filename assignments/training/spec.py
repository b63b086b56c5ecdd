"""Assignment "training": the dataset objective for one parameter set, a training step that lowers the summed
dataset loss on a tiny corpus, and comparing training progress between iterations. Runs on CUDA when present,
on CPU in seconds otherwise (BigramLM on the bundled Markov corpus, V = 27).

Parameter space of a variant: the corpus seed (which 12 sequences of 8-16 tokens are trained on), the learning rate,
and the per-sequence losses at two iterations; the default variant uses the card's losses 8.4, 2.1, 5.5.
"""

from __future__ import annotations

import functools
import random

import torch

import lmcore
from autograder.build_mcq import draw
from autograder.runtime.checks import Checks, Mistake, Question, Test
from autograder.variants import variant_seed

ID = "training"
TITLE = "The pre-training objective and a training step"
MCQ_ITEMS = {"q5": "training_goal", "q6": "training_progress", "q7": "unique_params_tf", "q8": "objective_formula"}
STEPS = 8


def params(variant: str) -> dict:
    seed = variant_seed(variant)
    rng = random.Random(0 if seed is None else seed)
    if seed is None:
        corpus_seed, lr, before = 1337, 0.05, [8.4, 2.1, 5.5]
    else:
        corpus_seed, lr = seed % 100_000, rng.choice([0.03, 0.04, 0.05, 0.06])
        before = [round(rng.uniform(2.0, 9.9), 1) for _ in range(3)]
    after = [round(max(0.1, b - random.Random(f"{variant}|{i}").uniform(-0.5, 2.0)), 1) for i, b in enumerate(before)]
    return {"variant": variant, "corpus_seed": corpus_seed, "lr": lr, "before": before, "after": after,
            "mcq": {q: draw(item, variant) for q, item in MCQ_ITEMS.items()}}


def setup_code(p: dict) -> str:
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


PROBE_HELPERS = """
def _one_step(train_step):
    model = fresh_model()
    before = float(train_step(model, torch.optim.SGD(model.parameters(), lr=LR), SEQS))
    return [before, lmcore.dataset_loss(model, SEQS)]
"""


def template_vars(p: dict) -> dict:
    return {"setup": setup_code(p), "steps": STEPS}


@functools.cache
def _dataset(corpus_seed: int) -> tuple[list[list[int]], int, lmcore.BigramLM]:
    """SEQS, V and FITTED exactly as the data cell makes them (cached: variants share nothing else)."""
    corpus = lmcore.load_corpus(n_train=3000, n_val=1000, seed=corpus_seed)
    V = len(corpus.vocab)
    seqs = corpus.sequences("train", min_len=8, max_len=16, seed=corpus_seed)[:12]
    return seqs, V, lmcore.BigramLM.from_counts(corpus.sequences("val"), V)


def _reference(p: dict, reduce: str = "sum", steps: int = STEPS) -> list[float]:
    """Objective values before each of `steps` SGD steps on the summed (or mean) dataset loss, then after the last,
    with lmcore: all sequences in one right-padded batch, padded targets ignored (-100)."""
    seqs, V, _ = _dataset(p["corpus_seed"])
    T = max(len(s) for s in seqs) - 1
    inputs = torch.zeros(len(seqs), T, dtype=torch.long)
    targets = torch.full((len(seqs), T), -100, dtype=torch.long)
    for row, s in enumerate(seqs):
        inputs[row, : len(s) - 1] = torch.tensor(s[:-1])
        targets[row, : len(s) - 1] = torch.tensor(s[1:])
    torch.manual_seed(0)
    model = lmcore.BigramLM(V)
    opt = torch.optim.SGD(model.parameters(), lr=p["lr"])
    curve = []
    for _ in range(steps):
        opt.zero_grad()
        losses = lmcore.sequence_loss(model(inputs), targets)  # (B,): L_theta(x) per sequence
        (losses.sum() if reduce == "sum" else losses.mean()).backward()
        opt.step()
        curve.append(float(losses.sum().detach()))
    curve.append(lmcore.dataset_loss(model, seqs))
    return curve


def checks(p: dict) -> Checks:
    seqs, V, fitted = _dataset(p["corpus_seed"])
    models = {"UNIFORM": lmcore.BigramLM(V), "FITTED": fitted}
    n_tok = sum(len(s) - 1 for s in seqs)

    def objective_test(name: str, model: str, hidden: bool) -> Test:
        value = lmcore.dataset_loss(models[model], seqs)
        return Test(name, f"float(objective({model}, SEQS))", value, hidden=hidden, rtol=1e-4, mistakes=[
            Mistake("mean-instead-of-sum", value / len(seqs), "this is the mean sequence loss; the objective is the "
                    "sum Σ_{x∈D} L_θ(x)."),
            Mistake("mean-per-token", value / n_tok, "this is the mean loss per token; the objective sums every "
                    "step loss of every sequence."),
            Mistake("log-base-2", value / 0.6931471805599453, "you used log base 2; use the natural log."),
            Mistake("missing-minus", -value, "the sign is wrong: each L_i = −log q_i[x_i] is positive."),
        ])

    curve, mean_curve = _reference(p), _reference(p, "mean")
    mean_reported = [v / len(seqs) for v in mean_curve[:STEPS]]  # what a mean-loss train_step returns
    change = lmcore.total_loss(p["after"]) - lmcore.total_loss(p["before"])
    qs = [
        Question("q1", 2, [
            objective_test("q1 objective of the uniform model", "UNIFORM", False),
            objective_test("q1 objective of the fitted model", "FITTED", True),
        ], forbidden=["lmcore.losses.dataset_loss", "lmcore.losses.sequence_loss", "lmcore.losses.step_losses",
                      "lmcore.losses.mean_token_loss", "lmcore.losses.sequence_log_prob"]),
        Question("q2", 2, [
            Test("q2 returns the objective before the step", "_one_step(train_step)[0]", curve[0], rtol=1e-4,
                 failure_message="return the dataset objective computed before the update.", mistakes=[
                     Mistake("mean-instead-of-sum", mean_reported[0], "this is the mean sequence loss; the objective "
                             "is the sum over the dataset.")]),
            Test("q2 objective after one step", "_one_step(train_step)[1]", curve[1], rtol=1e-4, hidden=True,
                 mistakes=[Mistake("mean-instead-of-sum", mean_curve[1], "your step minimized the mean sequence "
                                   "loss; the objective (and its gradient) is the sum over the dataset.")],
                 failure_message="one step of the given optimizer on the summed dataset loss."),
        ]),
        Question("q3", 2, [
            Test("q3 the objective goes down", "(lambda c: len(c) == STEPS and all(b < a for a, b in zip(c, c[1:])))"
                 "(train(fresh_model(), SEQS, STEPS, LR))", True, kind="exact",
                 failure_message=f"train should return {STEPS} objective values, each lower than the one before."),
            Test("q3 training curve", "train(fresh_model(), SEQS, STEPS, LR)", curve[:STEPS], kind="array",
                 shape=[STEPS], rtol=1e-3, atol=1e-4, hidden=True, mistakes=[
                     Mistake("mean-instead-of-sum", mean_reported, "you trained on the mean sequence loss; the "
                             "objective is the sum Σ_{x∈D} L_θ(x).")],
                 failure_message=f"return the {STEPS} objective values before each step."),
        ]),
        Question("q4", 1, [
            Test("q4 change of the objective", f"objective_change({p['before']!r}, {p['after']!r})", change,
                 rtol=1e-6, atol=1e-9, mistakes=[
                     Mistake("mean-instead-of-sum", change / len(p["before"]), "you compared means; the objective "
                             "is the sum of the sequence losses."),
                     Mistake("reversed-sign", -change, "the sign is reversed: report after − before (negative means "
                             "the objective went down)."),
                 ]),
        ]),
    ]
    for q, mcq in p["mcq"].items():
        qs.append(Question(q, 1, [Test(f"{q} answer", f"{q}_answer", mcq.key, kind="choice", hidden=True)],
                           kind="mcq"))
    return Checks(ID, qs, variant=p["variant"], setup=setup_code(p) + "\n" + PROBE_HELPERS)
