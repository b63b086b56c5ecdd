"""sequence_loss_from_logits: L = sum_{i=1..m} -log softmax(logits[i-1])[x_i]; finite for huge logits."""

import torch

import lmcore
from assignments.loss.common import logits_mistakes, num, overflow, seq_mistakes
from autograder.runtime.checks import Mistake, Question
from autograder.runtime.requirements import Requirement

FN = "import torch\nimport torch.nn.functional as F\n\n\ndef sequence_loss_from_logits(logits, ids):\n"
ROWS = "    rows = torch.arange(len(ids) - 1)\n"
REQUIREMENTS = [
    Requirement("the sum of the step losses, not their mean", ["sequence loss from logits", "shifted logits, shorter"],
                FN + "    return float(F.cross_entropy(logits[:-1], torch.as_tensor(ids[1:])))\n",
                "mean-instead-of-sum", prompt=["the sequence loss L_θ(x)"]),
    Requirement("only rows that predict x_1..x_m count (no term for x_0)", ["sequence loss from logits"],
                FN + "    return float(F.cross_entropy(logits, torch.as_tensor(ids), reduction='sum'))\n",
                "loss-term-for-x0", prompt=["Only rows that predict x_1..x_m count"]),
    Requirement("row i−1 predicts x_i", ["sequence loss from logits"],
                FN + "    return float(F.cross_entropy(logits[1:], torch.as_tensor(ids[1:]), reduction='sum'))\n",
                "off-by-one", prompt=["row t holds the model's logits for the token after x_0..x_t"]),
    Requirement("it stays finite for very large logits (log-softmax, not log(softmax))", ["logits scaled by 1000"],
                FN + "    logp = torch.log(torch.softmax(logits[:-1], -1))\n" + ROWS
                + "    return float(-logp[rows, torch.as_tensor(ids[1:])].sum())\n", "log-softmax-overflow",
                prompt=["stay finite for very large logits"]),
    Requirement("it uses the logits and ids it is given, not the notebook's", ["shifted logits, shorter",
                                                                               "logits scaled by 1000"],
                FN + "    logp = torch.log_softmax(LOGITS[:-1], -1)\n    rows = torch.arange(len(IDS) - 1)\n"
                "    return float(-logp[rows, torch.as_tensor(IDS[1:])].sum())\n", "ignored-argument",
                prompt=["for any `logits` and `ids`"]),
]


def question(p: dict, name: str) -> Question:
    logits, ids = torch.tensor(p["logits"]).double(), p["ids"]

    def expected(z: torch.Tensor, x: list[int]) -> tuple[float, list[Mistake]]:
        total = float(lmcore.sequence_loss(z[:-1], x[1:]))
        return total, seq_mistakes(total, len(x) - 1, logits_mistakes(z, x))

    total, mistakes = expected(logits, ids)
    ignored = [Mistake("ignored-argument", total, "this is the loss of the notebook's LOGITS and IDS: use the "
                       "`logits` and `ids` the function is given.")]
    shifted, shifted_mistakes = expected(logits[:-1] + 100, ids[:-1])
    scaled, scaled_mistakes = expected(logits * 1000, ids)
    return Question(name, 3, [
        num(f"{name} sequence loss from logits", "sequence_loss_from_logits(LOGITS, IDS)", total, mistakes),
        num(f"{name} shifted logits, shorter", "sequence_loss_from_logits(LOGITS[:-1] + 100, IDS[:-1])", shifted,
            shifted_mistakes + ignored + [overflow()], hidden=True),
        num(f"{name} logits scaled by 1000", "sequence_loss_from_logits(LOGITS * 1000, IDS)", scaled,
            [overflow(), *ignored, *scaled_mistakes], hidden=True),
    ], forbidden=["lmcore.losses.sequence_loss", "lmcore.losses.step_losses", "lmcore.losses.sequence_log_prob"])
