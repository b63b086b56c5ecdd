"""Assignment "loss": correct answers in many styles and realistic wrong ones, per question (see __init__.py)."""

from __future__ import annotations

from dataclasses import replace

from corpus import Mutant, fn

T = "import torch"
TF = "import torch\nimport torch.nn.functional as F"

ST = "sequence_total(step_losses)"
CE = "cross_entropy(p, q)"
SL = "step_losses_from_probs(probs, targets)"
LG = "sequence_loss_from_logits(logits, ids)"
LP = "sequence_log_prob(step_probs)"
DT = "dataset_total(step_losses_per_sequence)"
PICK = "probs[torch.arange(len(targets)), torch.as_tensor(targets)]"
LOGP = "logp = torch.log_softmax(logits[:-1], dim=-1)\nrows = torch.arange(len(ids) - 1)\n"

CORRECT = {
    "sequence_total": [
        ("fsum", fn(ST, "return math.fsum(step_losses)", "import math")),
        ("loop", fn(ST, "total = 0.0\nfor loss in step_losses:\n    total += loss\nreturn total")),
        ("numpy", fn(ST, "return float(np.sum(step_losses))", "import numpy as np")),
        ("reduce", fn(ST, "return reduce(lambda a, b: a + b, step_losses, 0.0)", "from functools import reduce")),
        ("torch", fn(ST, "return torch.tensor(step_losses, dtype=torch.float64).sum().item()", T)),
        ("builtin sum", fn(ST, "return sum(step_losses)")),
    ],
    "cross_entropy": [
        ("sum of p log q", fn(CE, "return float(-(p * torch.log(q)).sum())", T)),
        ("dot", fn(CE, "return -torch.dot(p.double(), torch.log(q.double())).item()", T)),
        ("xlogy", fn(CE, "return -torch.xlogy(p, q).sum()", T)),
        ("F.cross_entropy with probabilities", fn(CE, "return F.cross_entropy(torch.log(q).unsqueeze(0), "
                                                  "p.unsqueeze(0)).item()", TF)),
        ("loop", fn(CE, "h = 0.0\nfor pk, qk in zip(p.tolist(), q.tolist()):\n    if pk > 0:\n"
                        "        h -= pk * math.log(qk)\nreturn h", "import math")),
        ("numpy", fn(CE, "p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)\n"
                         "return float(-np.sum(p * np.log(q)))", "import numpy as np")),
    ],
    "step_losses": [
        ("index", fn(SL, f"return -torch.log({PICK})", T)),
        ("gather", fn(SL, "t = torch.as_tensor(targets).view(-1, 1)\nreturn -torch.log(probs).gather(1, t).squeeze(1)",
                      T)),
        ("nll_loss", fn(SL, "return F.nll_loss(torch.log(probs), torch.tensor(targets), reduction='none')", TF)),
        ("stack", fn(SL, "return torch.stack([-torch.log(probs[i, x]) for i, x in enumerate(targets)])", T)),
        ("float64", fn(SL, f"return -torch.log({PICK}.double())", T)),
    ],
    "sequence_loss": [
        ("log_softmax", fn(LG, LOGP + "return float(-logp[rows, torch.as_tensor(ids[1:])].sum())", T)),
        ("cross_entropy sum", fn(LG, "return F.cross_entropy(logits[:-1], torch.tensor(ids[1:]), reduction='sum')"
                                     ".item()", TF)),
        ("nll_loss", fn(LG, "logp = F.log_softmax(logits[:-1], dim=1)\n"
                            "return float(F.nll_loss(logp, torch.as_tensor(ids[1:]), reduction='sum'))", TF)),
        ("logsumexp loop", fn(LG, "total = 0.0\nfor i in range(1, len(ids)):\n    z = logits[i - 1].double()\n"
                                  "    total += float(torch.logsumexp(z, 0) - z[ids[i]])\nreturn total", T)),
        ("max shift", fn(LG, "z = logits[:-1].double()\nz = z - z.max(dim=-1, keepdim=True).values\n"
                             "logp = z - torch.log(torch.exp(z).sum(-1, keepdim=True))\n"
                             "return -sum(logp[i - 1, ids[i]].item() for i in range(1, len(ids)))", T)),
    ],
    "sequence_log_prob": [
        ("fsum", fn(LP, "return math.fsum(math.log(p) for p in step_probs)", "import math")),
        ("sum", fn(LP, "return sum(math.log(p) for p in step_probs)", "import math")),
        ("numpy", fn(LP, "return float(np.log(np.asarray(step_probs)).sum())", "import numpy as np")),
        ("torch float64", fn(LP, "return torch.log(torch.tensor(step_probs, dtype=torch.float64)).sum().item()", T)),
        ("minus loss", fn(LP, "loss = sum(-math.log(p) for p in step_probs)\nreturn -loss", "import math")),
    ],
    "dataset_total": [
        ("fsum", fn(DT, "return math.fsum(math.fsum(s) for s in step_losses_per_sequence)", "import math")),
        ("nested sum", fn(DT, "return sum(sum(s) for s in step_losses_per_sequence)")),
        ("loop", fn(DT, "total = 0\nfor seq in step_losses_per_sequence:\n    for loss in seq:\n"
                        "        total += loss\nreturn total")),
        ("chain", fn(DT, "return sum(itertools.chain.from_iterable(step_losses_per_sequence))", "import itertools")),
        ("map", fn(DT, "return float(sum(map(sum, step_losses_per_sequence)))")),
    ],
}


def _m(name: str, mistake: str, source: str, *also: str) -> Mutant:
    return Mutant("", name, mistake, source, also)  # the question is set below, from the dict key


WRONG = {
    "sequence_total": [
        _m("last step dropped", "first-term-dropped", fn(ST, "return sum(step_losses[:-1])")),
        _m("statistics fmean", "mean-instead-of-sum", fn(ST, "return statistics.fmean(step_losses)",
                                                        "import statistics")),
        _m("mean", "mean-instead-of-sum", fn(ST, "return sum(step_losses) / len(step_losses)")),
        _m("numpy mean", "mean-instead-of-sum", fn(ST, "return float(np.mean(step_losses))",
                                                                      "import numpy as np")),
        _m("torch mean", "mean-instead-of-sum",
           fn(ST, "return torch.tensor(step_losses).mean().item()", T)),
        _m("max", "max-for-sum", fn(ST, "return max(step_losses)")),
        _m("last", "last-step-only", fn(ST, "return step_losses[-1]")),
        _m("first dropped (x_0 has no term)", "first-term-dropped",
           fn(ST, "return sum(step_losses[1:])")),
        _m("product", "product-for-sum", fn(ST, "return math.prod(step_losses)", "import math")),
        _m("negated", "missing-minus", fn(ST, "return -sum(step_losses)")),
        _m("minus log of each", "loss-not-probability",
           fn(ST, "return sum(-math.log(x) for x in step_losses)", "import math")),
        _m("running totals", "wrong-type",
           fn(ST, "return list(itertools.accumulate(step_losses))", "import itertools")),
        _m("syntax error", "does-not-run", "def sequence_total(step_losses)\n    return sum(step_losses)\n"),
    ],
    "cross_entropy": [
        _m("natural log of a normalized q", "softmax-applied-twice",
           fn(CE, "return float(-(p * torch.log_softmax(q, dim=0)).sum())", T)),
        _m("mean", "mean-instead-of-sum", fn(CE, "return float(-(p * torch.log(q)).mean())", T)),
        _m("log2", "log-base-2", fn(CE, "return float(-(p * torch.log2(q)).sum())", T)),
        _m("log10", "log-base-10", fn(CE, "return float(-(p * torch.log10(q)).sum())", T)),
        _m("no minus", "missing-minus", fn(CE, "return float((p * torch.log(q)).sum())", T)),
        _m("swapped", "arguments-swapped", fn(CE, "return float(-(q * torch.log(p)).sum())", T)),
        _m("one-hot only", "target-assumed-one-hot", fn(CE, "return float(-torch.log(q[p.argmax()]))",
                                                                         T)),
        _m("one-hot via F.cross_entropy", "target-assumed-one-hot",
           fn(CE, "return F.cross_entropy(torch.log(q).unsqueeze(0), p.argmax().unsqueeze(0)).item()", TF)),
        _m("KL divergence", "kl-divergence", fn(CE, "return float((p * torch.log(p / q)).sum())", T)),
        _m("F.cross_entropy on probabilities", "softmax-applied-twice",
           fn(CE, "return F.cross_entropy(q.unsqueeze(0), p.unsqueeze(0)).item()", TF)),
        _m("no log", "log-missing", fn(CE, "return float(-(p * q).sum())", T)),
        _m("target ignored", "ignored-argument", fn(CE, "return float(-torch.log(q).sum())", T)),
        _m("bad import", "does-not-run", "import torch.nn.functionals as F\n\n\n"
           + fn(CE, "return float(-(p * torch.log(q)).sum())")),
    ],
    "step_losses": [
        _m("log of the row sums", "missing-row-index", fn(SL, "return -torch.log(probs[:, targets]).sum(0)", T),
           "wrong-shape"),
        _m("log2", "log-base-2", fn(SL, f"return -torch.log2({PICK})", T)),
        _m("log10", "log-base-10", fn(SL, f"return -torch.log10({PICK})", T)),
        _m("no minus", "missing-minus", fn(SL, f"return torch.log({PICK})", T)),
        _m("F.cross_entropy on probabilities", "softmax-applied-twice",
           fn(SL, "return F.cross_entropy(probs, torch.as_tensor(targets), reduction='none')", TF)),
        _m("log_softmax of probabilities", "softmax-applied-twice",
           fn(SL, "logp = torch.log_softmax(probs, -1)\n"
                  "return -logp[torch.arange(len(targets)), torch.as_tensor(targets)]", T)),
        _m("nll_loss without log", "log-missing",
           fn(SL, "return F.nll_loss(probs, torch.as_tensor(targets), reduction='none')", TF)),
        _m("summed", "not-per-step", fn(SL, f"return -torch.log({PICK}).sum()", T), "wrong-shape"),
        _m("default reduction", "not-per-step",
           fn(SL, "return F.nll_loss(torch.log(probs), torch.as_tensor(targets))", TF), "wrong-shape"),
        _m("every target in every row", "missing-row-index",
           fn(SL, "return -torch.log(probs[:, targets])", T)),
        _m("first step dropped", "first-term-dropped",
           fn(SL, "return -torch.log(probs[torch.arange(1, len(targets)), torch.as_tensor(targets[1:])])", T)),
        _m("notebook's targets", "ignored-argument", fn(SL, "return -torch.log(probs[torch.arange(len(targets)), "
                                                           "torch.as_tensor(IDS[1:])])", T)),
        _m("squeezed", "wrong-shape", fn(SL, f"return -torch.log({PICK}).squeeze()", T)),
        _m("list of floats", "wrong-type",
           fn(SL, "return [-math.log(float(probs[i, x])) for i, x in enumerate(targets)]", "import math")),
    ],
    "sequence_loss": [
        _m("mean times rows", "loss-term-for-x0",
           fn(LG, "return F.cross_entropy(logits, torch.tensor(ids)).item() * len(ids)", TF)),
        _m("default reduction", "mean-instead-of-sum",
           fn(LG, "return F.cross_entropy(logits[:-1], torch.tensor(ids[1:])).item()", TF)),
        _m("log2", "log-base-2",
           fn(LG, LOGP + "return float(-logp[rows, torch.as_tensor(ids[1:])].sum() / math.log(2))",
              "import math\nimport torch")),
        _m("log10", "log-base-10",
           fn(LG, LOGP + "return float(-logp[rows, torch.as_tensor(ids[1:])].sum() / math.log(10))",
              "import math\nimport torch")),
        _m("no minus", "missing-minus", fn(LG, LOGP + "return float(logp[rows, "
                                                                  "torch.as_tensor(ids[1:])].sum())", T)),
        _m("term for x_0", "loss-term-for-x0",
           fn(LG, "return F.cross_entropy(logits, torch.tensor(ids), reduction='sum').item()", TF)),
        _m("off by one", "off-by-one",
           fn(LG, "return F.cross_entropy(logits[1:], torch.tensor(ids[1:]), reduction='sum').item()", TF)),
        _m("log of softmax", "log-softmax-overflow",
           fn(LG, "logp = torch.log(torch.softmax(logits[:-1], -1))\nrows = torch.arange(len(ids) - 1)\n"
                  "return float(-logp[rows, torch.as_tensor(ids[1:])].sum())", T)),
        _m("hand-made softmax", "log-softmax-overflow",
           fn(LG, "e = torch.exp(logits[:-1])\nq = e / e.sum(-1, keepdim=True)\n"
                  "return -sum(math.log(q[i - 1, ids[i]]) for i in range(1, len(ids)))", "import math\nimport torch")),
        _m("logits as log-probabilities", "softmax-missing",
           fn(LG, "rows = torch.arange(len(ids) - 1)\nreturn float(-logits[rows, torch.as_tensor(ids[1:])].sum())",
              T)),
        _m("softmax before F.cross_entropy", "softmax-applied-twice",
           fn(LG, "q = torch.softmax(logits[:-1], -1)\n"
                  "return F.cross_entropy(q, torch.tensor(ids[1:]), reduction='sum').item()", TF)),
        _m("nll_loss on probabilities", "log-missing",
           fn(LG, "q = torch.softmax(logits[:-1], -1)\n"
                  "return F.nll_loss(q, torch.tensor(ids[1:]), reduction='sum').item()", TF)),
        _m("normalized over positions", "wrong-axis",
           fn(LG, "logp = torch.log_softmax(logits[:-1], dim=0)\nrows = torch.arange(len(ids) - 1)\n"
                  "return float(-logp[rows, torch.as_tensor(ids[1:])].sum())", T)),
        _m("notebook's data", "ignored-argument",
           fn(LG, "logp = torch.log_softmax(LOGITS[:-1], -1)\nrows = torch.arange(len(IDS) - 1)\n"
                  "return float(-logp[rows, torch.as_tensor(IDS[1:])].sum())", T)),
    ],
    "sequence_log_prob": [
        _m("math.prod then log2", "product-underflow",
           fn(LP, "return math.log2(math.prod(step_probs)) * math.log(2)", "import math")),
        _m("log of product", "product-underflow",
           fn(LP, "return math.log(math.prod(step_probs))", "import math")),
        _m("numpy log of product", "product-underflow",
           fn(LP, "return float(np.log(np.prod(step_probs)))", "import numpy as np")),
        _m("torch product in float32", "product-underflow",
           fn(LP, "return torch.log(torch.prod(torch.tensor(step_probs))).item()", T)),
        _m("product", "product-of-probabilities", fn(LP, "return math.prod(step_probs)",
                                                                          "import math")),
        _m("negated", "missing-minus",
           fn(LP, "return -sum(math.log(p) for p in step_probs)", "import math")),
        _m("log2", "log-base-2", fn(LP, "return sum(math.log2(p) for p in step_probs)",
                                                         "import math")),
        _m("log10", "log-base-10", fn(LP, "return sum(math.log10(p) for p in step_probs)",
                                                           "import math")),
        _m("mean of logs", "mean-instead-of-sum",
           fn(LP, "return sum(math.log(p) for p in step_probs) / len(step_probs)", "import math")),
        _m("sum of probabilities", "sum-of-probabilities", fn(LP, "return sum(step_probs)")),
        _m("log of sum", "sum-of-probabilities",
           fn(LP, "return math.log(sum(step_probs))", "import math")),
        _m("mean of probabilities", "mean-of-probabilities",
           fn(LP, "return sum(step_probs) / len(step_probs)")),
        _m("first step dropped", "first-term-dropped",
           fn(LP, "return sum(math.log(p) for p in step_probs[1:])", "import math")),
    ],
    "dataset_total": [
        _m("last sequence", "single-sequence", fn(DT, "return sum(step_losses_per_sequence[-1])")),
        _m("mean of sequences", "mean-instead-of-sum",
           fn(DT, "totals = [sum(s) for s in step_losses_per_sequence]\nreturn sum(totals) / len(totals)")),
        _m("statistics mean", "mean-instead-of-sum",
           fn(DT, "return statistics.mean(sum(s) for s in step_losses_per_sequence)", "import statistics")),
        _m("per token", "mean-per-token",
           fn(DT, "flat = [x for s in step_losses_per_sequence for x in s]\nreturn sum(flat) / len(flat)")),
        _m("numpy mean of tokens", "mean-per-token",
           fn(DT, "return float(np.mean(np.concatenate(step_losses_per_sequence)))", "import numpy as np")),
        _m("sum of means", "sum-of-means",
           fn(DT, "return sum(sum(s) / len(s) for s in step_losses_per_sequence)")),
        _m("first sequence", "single-sequence", fn(DT, "return sum(step_losses_per_sequence[0])")),
        _m("largest sequence", "max-for-sum",
           fn(DT, "return max(sum(s) for s in step_losses_per_sequence)")),
        _m("smallest sequence", "best-single-sequence",
           fn(DT, "return min(sum(s) for s in step_losses_per_sequence)")),
        _m("last steps", "last-step-only", fn(DT, "return sum(s[-1] for s in step_losses_per_sequence)")),
        _m("first steps dropped", "first-term-dropped",
           fn(DT, "return sum(sum(s[1:]) for s in step_losses_per_sequence)")),
        _m("product", "product-for-sum",
           fn(DT, "return math.prod(sum(s) for s in step_losses_per_sequence)", "import math")),
        _m("list of totals", "wrong-type", fn(DT, "return [sum(s) for s in step_losses_per_sequence]")),
    ],
}
WRONG = {q: [replace(m, question=q) for m in ms] for q, ms in WRONG.items()}
