"""Assignment "training": correct answers in many styles and realistic wrong ones, per question (see __init__.py)."""

from __future__ import annotations

from dataclasses import replace

from corpus import Mutant, fn

OB = "objective(model, sequences)"
TS = "train_step(model, optimizer, sequences, objective)"
TR = "train(model, sequences, steps, lr, objective)"
OC = "objective_change(losses_before, losses_after)"
TF = "import torch\nimport torch.nn.functional as F"
T = "import torch"
DEV = "device = next(model.parameters()).device\n"


def _loop(term: str, ids: str = "ids[:-1]", target: str = "ids[1:]", over: str = "sequences", total: str = "0",
          ret: str = "total", device: bool = True) -> str:
    """An objective's loop over the sequences, with `term` the loss of one sequence from `logits` and `target`."""
    make = "torch.as_tensor(seq, device=device)" if device else "torch.as_tensor(seq)"
    return (DEV if device else "") + (f"total = {total}\nfor seq in {over}:\n    ids = {make}\n"
                                      f"    logits = model({ids}.unsqueeze(0))[0]\n    target = {target}\n"
                                      f"    total = total + {term}\nreturn {ret}")


CE_SUM = "F.cross_entropy(logits, target, reduction='sum')"
STEP = "optimizer.zero_grad()\nloss = objective(model, sequences)\nloss.backward()\noptimizer.step()\n"
LOOP = "optimizer = torch.optim.SGD(model.parameters(), lr=lr)\nvalues = []\nfor _ in range(steps):\n"


def _train(body: str, opt: str = "optimizer = torch.optim.SGD(model.parameters(), lr=lr)") -> str:
    return fn(TR, f"{opt}\nvalues = []\nfor _ in range(steps):\n" + "\n".join("    " + ln for ln in body.splitlines())
              + "\nreturn values", T)


CORRECT = {
    "objective": [
        ("cross_entropy sum", fn(OB, _loop(CE_SUM), TF)),
        ("zeros start", fn(OB, _loop(CE_SUM, total="torch.zeros((), device=device)"), TF)),
        ("stack and sum", fn(OB, DEV + "losses = []\nfor seq in sequences:\n"
                                   "    x = torch.tensor(seq, device=device)\n"
                                   "    losses.append(F.cross_entropy(model(x[None, :-1])[0], x[1:], "
                                   "reduction='sum'))\nreturn torch.stack(losses).sum()", TF)),
        ("log_softmax gather", fn(OB, _loop("-torch.log_softmax(logits, -1).gather(1, target[:, None]).sum()"), T)),
        ("nll_loss", fn(OB, _loop("F.nll_loss(F.log_softmax(logits, dim=-1), target, reduction='sum')"), TF)),
        ("mean times count", fn(OB, _loop("F.cross_entropy(logits, target) * len(target)"), TF)),
        ("batched flatten", fn(OB, DEV + "total = 0\nfor seq in sequences:\n"
                                     "    x = torch.as_tensor(seq, device=device).unsqueeze(0)\n"
                                     "    logits = model(x[:, :-1])\n"
                                     "    total = total + F.cross_entropy(logits.reshape(-1, logits.shape[-1]), "
                                     "x[:, 1:].reshape(-1), reduction='sum')\nreturn total", TF)),
    ],
    "train_step": [
        ("plain", fn(TS, STEP + "return loss.item()")),
        ("float", fn(TS, STEP + "return float(loss)")),
        ("set_to_none", fn(TS, "optimizer.zero_grad(set_to_none=True)\nvalue = objective(model, sequences)\n"
                               "value.backward()\noptimizer.step()\nreturn float(value.detach())")),
        ("model zero_grad", fn(TS, "model.zero_grad()\nloss = objective(model, sequences)\nloss.backward()\n"
                                   "optimizer.step()\nreturn loss.item()")),
        ("value first", fn(TS, "loss = objective(model, sequences)\nbefore = loss.item()\noptimizer.zero_grad()\n"
                               "loss.backward()\noptimizer.step()\nreturn before")),
    ],
    "train": [
        ("own loop", _train("optimizer.zero_grad()\nloss = objective(model, sequences)\nloss.backward()\n"
                            "optimizer.step()\nvalues.append(loss.item())")),
        ("calls train_step", _train("values.append(train_step(model, optimizer, sequences, objective))")),
        ("comprehension", fn(TR, "optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n"
                                 "return [train_step(model, optimizer, sequences, objective) for _ in range(steps)]",
                             T)),
        ("while loop", fn(TR, "opt = torch.optim.SGD(model.parameters(), lr=lr)\nvalues = []\n"
                              "while len(values) < steps:\n    opt.zero_grad()\n"
                              "    loss = objective(model, sequences)\n"
                              "    values.append(float(loss))\n    loss.backward()\n    opt.step()\nreturn values", T)),
        ("keyword args", _train("values.append(train_step(model=model, optimizer=optimizer, sequences=sequences, "
                                "objective=objective))", "optimizer = torch.optim.SGD(params=model.parameters(), "
                                                         "lr=lr)")),
    ],
    "objective_change": [
        ("sums", fn(OC, "return sum(losses_after) - sum(losses_before)")),
        ("fsum", fn(OC, "return math.fsum(losses_after) - math.fsum(losses_before)", "import math")),
        ("per sequence", fn(OC, "return sum(a - b for a, b in zip(losses_after, losses_before))")),
        ("numpy", fn(OC, "return float(np.sum(losses_after) - np.sum(losses_before))", "import numpy as np")),
        ("decimal", fn(OC, "from decimal import Decimal\nd = lambda xs: sum(Decimal(str(x)) for x in xs)\n"
                           "return float(d(losses_after) - d(losses_before))")),
    ],
}


def _m(name: str, mistake: str, source: str, *also: str) -> Mutant:
    return Mutant("", name, mistake, source, also)  # the question is set below, from the dict key


WRONG = {
    "objective": [
        _m("mean over tokens of all sequences", "mean-per-token",
           fn(OB, DEV + "losses = []\nfor seq in sequences:\n    ids = torch.as_tensor(seq, device=device)\n"
                        "    logits = model(ids[:-1].unsqueeze(0))[0]\n"
                        "    losses.append(F.cross_entropy(logits, ids[1:], reduction='none'))\n"
                        "return torch.cat(losses).mean()", TF)),
        _m("mean over sequences", "mean-instead-of-sum", fn(OB, _loop(CE_SUM, ret="total / len(sequences)"),
                                                                        TF)),
        _m("stacked mean", "mean-instead-of-sum",
           fn(OB, DEV + "losses = []\nfor seq in sequences:\n    ids = torch.as_tensor(seq, device=device)\n"
                        "    logits = model(ids[:-1].unsqueeze(0))[0]\n"
                        "    losses.append(F.cross_entropy(logits, ids[1:], reduction='sum'))\n"
                        "return torch.stack(losses).mean()", TF)),
        _m("default reduction", "sum-of-means", fn(OB, _loop("F.cross_entropy(logits, target)"), TF)),
        _m("per token", "mean-per-token",
           fn(OB, _loop(CE_SUM, ret="total / sum(len(s) - 1 for s in sequences)"), TF)),
        _m("log2", "log-base-2", fn(OB, _loop("-torch.log2(torch.softmax(logits, -1))[torch.arange(len("
                                                           "target)), target].sum()"), T)),
        _m("log10", "log-base-10", fn(OB, _loop("-torch.log10(torch.softmax(logits, -1))[torch.arange(len("
                                                "target)), target].sum()"), T)),
        _m("no minus", "missing-minus", fn(OB, _loop("torch.log_softmax(logits, -1)[torch.arange(len("
                                                                  "target)), target].sum()"), T)),
        _m("term for x_0", "loss-term-for-x0", fn(OB, _loop(CE_SUM, ids="ids", target="ids"), TF)),
        _m("off by one", "off-by-one", fn(OB, _loop(CE_SUM, ids="ids[1:]"), TF)),
        _m("first sequence", "single-sequence",
           fn(OB, DEV + "ids = torch.as_tensor(sequences[0], device=device)\n"
                        "return F.cross_entropy(model(ids[:-1].unsqueeze(0))[0], ids[1:], reduction='sum')", TF)),
        _m("softmax first", "softmax-applied-twice",
           fn(OB, _loop("F.cross_entropy(torch.softmax(logits, -1), target, reduction='sum')"), TF)),
        _m("nll_loss on logits", "softmax-missing",
           fn(OB, _loop("F.nll_loss(logits, target, reduction='sum')"), TF)),
        _m("nll_loss on probabilities", "log-missing",
           fn(OB, _loop("F.nll_loss(torch.softmax(logits, -1), target, reduction='sum')"), TF)),
        _m("no unbatching", "wrong-axis",
           fn(OB, DEV + "total = 0\nfor seq in sequences:\n    ids = torch.as_tensor(seq, device=device)\n"
                        "    total = total + F.cross_entropy(model(ids[:-1].unsqueeze(0)), ids[1:].unsqueeze(0), "
                        "reduction='sum')\nreturn total", TF)),
        _m("item", "float-instead-of-tensor", fn(OB, _loop(CE_SUM + ".item()"), TF)),
        _m("float", "float-instead-of-tensor", fn(OB, _loop(CE_SUM, ret="float(total)"), TF)),
        _m("no_grad", "not-differentiable",
           fn(OB, "with torch.no_grad():\n" + "\n".join("    " + ln for ln in _loop(CE_SUM).splitlines()), TF)),
        _m("detached", "not-differentiable", fn(OB, _loop(CE_SUM, ret="total.detach()"), TF)),
        _m("notebook's SEQS", "ignored-argument", fn(OB, _loop(CE_SUM, over="SEQS"), TF)),
        _m("tensors on the CPU", "wrong-device", fn(OB, _loop(CE_SUM, device=False), TF)),
    ],
    "train_step": [
        _m("step before backward", "no-update",
           fn(TS, "optimizer.zero_grad()\nloss = objective(model, sequences)\noptimizer.step()\nloss.backward()\n"
                  "return loss.item()")),
        _m("no zero_grad", "stale-gradients", fn(TS, "loss = objective(model, sequences)\nloss.backward()\n"
                                                                   "optimizer.step()\nreturn loss.item()")),
        _m("no step", "no-update", fn(TS, "optimizer.zero_grad()\nloss = objective(model, sequences)\n"
                                                        "loss.backward()\nreturn loss.item()")),
        _m("zero_grad after backward", "no-update",
           fn(TS, "loss = objective(model, sequences)\nloss.backward()\noptimizer.zero_grad()\noptimizer.step()\n"
                  "return loss.item()")),
        _m("value after the step", "value-after-step",
           fn(TS, "optimizer.zero_grad()\nobjective(model, sequences).backward()\noptimizer.step()\n"
                  "return objective(model, sequences).item()")),
        _m("gradient ascent", "argmax",
           fn(TS, "optimizer.zero_grad()\nloss = objective(model, sequences)\n(-loss).backward()\noptimizer.step()\n"
                  "return loss.item()")),
        _m("divided by the number of sequences", "mean-instead-of-sum",
           fn(TS, "optimizer.zero_grad()\nloss = objective(model, sequences) / len(sequences)\nloss.backward()\n"
                  "optimizer.step()\nreturn loss.item()")),
        _m("own optimizer", "ignored-argument",
           fn(TS, "opt = torch.optim.SGD(model.parameters(), lr=LR)\nopt.zero_grad()\n"
                  "loss = objective(model, sequences)\nloss.backward()\nopt.step()\nreturn loss.item()", T)),
        _m("notebook's SEQS", "ignored-argument",
           fn(TS, "optimizer.zero_grad()\nloss = objective(model, SEQS)\nloss.backward()\noptimizer.step()\n"
                  "return loss.item()")),
        _m("question 1's objective", "ignored-argument",
           fn(TS, "optimizer.zero_grad()\nloss = globals()['objective'](model, sequences)\nloss.backward()\n"
                  "optimizer.step()\nreturn loss.item()")),
        _m("manual update with LR", "ignored-argument",
           fn(TS, "model.zero_grad()\nloss = objective(model, sequences)\nloss.backward()\nwith torch.no_grad():\n"
                  "    for w in model.parameters():\n        w -= LR * w.grad\nreturn loss.item()", T)),
        _m("syntax error", "does-not-run",
           "def train_step(model, optimizer, sequences, objective):\n    optimizer.zero_grad(\n    return 0.0\n"),
    ],
    "train": [
        _m("fresh model inside", "ignored-argument",
           _train("values.append(train_step(model, optimizer, sequences, objective))").replace(
               "    optimizer = torch.optim.SGD", "    model = fresh_model()\n    optimizer = torch.optim.SGD")),
        _m("no zero_grad", "stale-gradients", _train("loss = objective(model, sequences)\nloss.backward()\n"
                                                              "optimizer.step()\nvalues.append(loss.item())")),
        _m("no step", "no-update", _train("optimizer.zero_grad()\nloss = objective(model, sequences)\n"
                                                   "loss.backward()\nvalues.append(loss.item())")),
        _m("values after each step", "value-after-step",
           _train("optimizer.zero_grad()\nobjective(model, sequences).backward()\noptimizer.step()\n"
                  "values.append(objective(model, sequences).item())")),
        _m("gradient ascent", "argmax", _train("optimizer.zero_grad()\nloss = objective(model, sequences)\n"
                                                        "(-loss).backward()\noptimizer.step()\n"
                                                        "values.append(loss.item())")),
        _m("Adam", "wrong-optimizer", _train("values.append(train_step(model, optimizer, sequences, objective))",
                                                      "optimizer = torch.optim.Adam(model.parameters(), lr=lr)")),
        _m("momentum", "wrong-optimizer",
           _train("values.append(train_step(model, optimizer, sequences, objective))",
                  "optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)")),
        _m("fixed learning rate", "ignored-argument",
           _train("values.append(train_step(model, optimizer, sequences, objective))",
                  "optimizer = torch.optim.SGD(model.parameters(), lr=LR)")),
        _m("fixed step count", "ignored-argument",
           fn(TR, "optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n"
                  "return [train_step(model, optimizer, sequences, objective) for _ in range(STEPS)]", T)),
        _m("question 1's objective", "ignored-argument",
           _train("values.append(train_step(model, optimizer, sequences, globals()['objective']))")),
        _m("notebook's SEQS", "ignored-argument",
           _train("values.append(train_step(model, optimizer, SEQS, objective))")),
        _m("one step too many", "wrong-step-count",
           fn(TR, "optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n"
                  "return [train_step(model, optimizer, sequences, objective) for _ in range(steps + 1)]", T)),
        _m("range from 1", "wrong-step-count",
           fn(TR, "optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n"
                  "return [train_step(model, optimizer, sequences, objective) for _ in range(1, steps)]", T)),
    ],
    "objective_change": [
        _m("after minus before per sequence, averaged", "mean-instead-of-sum",
           fn(OC, "return sum(a - b for a, b in zip(losses_after, losses_before)) / len(losses_after)")),
        _m("before minus after", "reversed-direction",
           fn(OC, "return sum(losses_before) - sum(losses_after)")),
        _m("absolute", "reversed-direction",
           fn(OC, "return abs(sum(losses_after) - sum(losses_before))")),
        _m("means", "mean-instead-of-sum",
           fn(OC, "return sum(losses_after) / len(losses_after) - sum(losses_before) / len(losses_before)")),
        _m("relative", "relative-change",
           fn(OC, "return (sum(losses_after) - sum(losses_before)) / sum(losses_before)")),
        _m("ratio", "relative-change", fn(OC, "return sum(losses_after) / sum(losses_before)")),
        _m("per sequence", "wrong-type",
           fn(OC, "return [a - b for a, b in zip(losses_after, losses_before)]")),
        _m("first sequence", "single-sequence", fn(OC, "return losses_after[0] - losses_before[0]")),
        _m("largest losses", "max-for-sum", fn(OC, "return max(losses_after) - max(losses_before)")),
        _m("numpy means", "mean-instead-of-sum",
           fn(OC, "return float(np.mean(losses_after) - np.mean(losses_before))", "import numpy as np")),
        _m("percent", "relative-change",
           fn(OC, "return 100 * (sum(losses_after) - sum(losses_before)) / sum(losses_before)")),
        _m("tuple", "wrong-type",
           fn(OC, "return sum(losses_before), sum(losses_after)")),
    ],
}
WRONG = {q: [replace(m, question=q) for m in ms] for q, ms in WRONG.items()}
# a `train` that calls the student's `train_step`, as the prompt suggests: a wrong train_step must cost q2 only
BASE = {"train": dict(CORRECT["train"])["calls train_step"]}
