"""step_losses_from_probs: L_i = -log q_i[x_i] for i = 1..m, one loss per prediction step."""

import math

import torch

import lmcore
from assignments.signatures import distinct
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = "def step_losses_from_probs(probs, targets):\n"
PICK = "probs[torch.arange(len(targets)), torch.as_tensor(targets)]"
REQUIREMENTS = [
    Requirement("L_i = −log q_i[x_i] with the natural log", ["per-step losses", "another sequence"],
                FN + f"    return -torch.log10({PICK})\n", "log-base-10", prompt=["L_i = −log q_i[x_i]"]),
    Requirement("one loss per prediction step (a 1-D tensor of m losses, not their sum)",
                ["per-step losses", "another sequence"], FN + f"    return -torch.log({PICK}).sum()\n",
                "not-per-step", prompt=["the m per-step losses", "as a 1-D tensor"]),
    Requirement("row i−1 of probs goes with x_i", ["per-step losses", "another sequence"],
                FN + "    return -torch.log(probs[:, torch.as_tensor(targets)])\n", "missing-row-index",
                prompt=["row i−1 is the model's distribution q_i for x_i"]),
    Requirement("a 1-D tensor for any m, one step too", ["a single step"],
                FN + f"    return -torch.log({PICK}).squeeze()\n", "wrong-shape"),
]


def _mistakes(probs: torch.Tensor, targets: list[int], steps: torch.Tensor) -> list[Mistake]:
    rows, x = torch.arange(len(targets)), torch.as_tensor(targets)
    return [
        Mistake("log-base-2", (steps / math.log(2)).tolist(), "you used log base 2; use the natural log."),
        Mistake("log-base-10", (steps / math.log(10)).tolist(), "you used log base 10; use the natural log."),
        Mistake("missing-minus", (-steps).tolist(), "missing minus sign: L_i = −log q_i[x_i] ≥ 0."),
        Mistake("softmax-applied-twice", (-torch.log_softmax(probs, -1)[rows, x]).tolist(), "probs are already "
                "probabilities: take their log (a log-softmax or F.cross_entropy normalizes them a second time)."),
        Mistake("log-missing", (-probs[rows, x]).tolist(), "you returned −q_i[x_i]: the loss is −log q_i[x_i] "
                "(F.nll_loss expects log-probabilities)."),
        Mistake("not-per-step", float(steps.sum()), "you returned the sum of the step losses (the sequence loss); "
                "return the m per-step losses, one per prediction step."),
        Mistake("not-per-step", float(steps.mean()), "you returned the mean of the step losses; return the m "
                "per-step losses, one per prediction step."),
        Mistake("missing-row-index", (-torch.log(probs[:, x])).tolist(), "you picked every target in every row "
                "(an m × m table): take q_i[x_i] from row i−1 only, e.g. probs[torch.arange(m), targets]."),
        Mistake("first-term-dropped", steps[1:].tolist(), "the first step's loss is missing: targets already holds "
                "x_1..x_m, so row 0 with x_1 is L_1."),
    ]


def _test(name: str, label: str, probs_probe: str, targets_probe: str, probs: torch.Tensor, targets: list[int],
          hidden: bool = False, notebook_targets: list[int] | None = None) -> Test:
    steps = lmcore.cross_entropy(lmcore.one_hot(targets, probs.shape[-1]).double(), probs)
    mistakes = _mistakes(probs, targets, steps)
    if notebook_targets is not None and notebook_targets != targets:
        rows = torch.arange(len(targets))  # indexed as the answer indexes: one row broadcasts over every target
        mistakes.append(Mistake("ignored-argument", (-torch.log(probs[rows, torch.as_tensor(notebook_targets)]))
                                .tolist(), "these are the losses of the notebook's IDS[1:]: use the `targets` the "
                                "function is given."))
    if len(targets) == 1:  # one step: its sum is that step's loss, as a squeezed 0-d tensor is (a shape mistake)
        mistakes = [m for m in mistakes if m.name != "not-per-step"]
    return distinct(Test(f"{name} {label}", f"step_losses_from_probs({probs_probe}, {targets_probe})", steps.tolist(),
                         kind="array", shape=list(steps.shape), dtype="float", rtol=1e-4, atol=1e-6, hidden=hidden,
                         mistakes=mistakes))


def question(p: dict, name: str) -> Question:
    logits, ids = torch.tensor(p["logits"]).double(), p["ids"]
    return Question(name, 3, [
        _test(name, "per-step losses", "torch.softmax(LOGITS[:-1], -1)", "IDS[1:]", torch.softmax(logits[:-1], -1),
              ids[1:]),
        _test(name, "another sequence", "torch.softmax(LOGITS[1:] * 2, -1)", "IDS[1:][::-1]",
              torch.softmax(logits[1:] * 2, -1), ids[1:][::-1], hidden=True, notebook_targets=ids[1:]),
        _test(name, "a single step", "torch.softmax(LOGITS[:1], -1)", "IDS[1:2]", torch.softmax(logits[:1], -1),
              ids[1:2], hidden=True, notebook_targets=ids[1:]),
    ], forbidden=["lmcore.losses.cross_entropy", "lmcore.losses.step_losses", "lmcore.losses.sequence_loss"])
