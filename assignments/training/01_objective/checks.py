"""objective: sum over the dataset of the summed step losses, for one parameter set, as a differentiable 0-d tensor."""

from assignments.signatures import distinct
from assignments.training.common import dataset, objective_values
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = "import torch\nimport torch.nn.functional as F\n\n\ndef objective(model, sequences):\n"
LOOP = ("    device = next(model.parameters()).device\n    total = 0\n    for seq in sequences:\n"
        "        ids = torch.as_tensor(seq, device=device)\n        logits = model(ids[:-1].unsqueeze(0))[0]\n")
CPU = LOOP.replace(", device=device", "")
REQUIREMENTS = [
    Requirement("the sum over the sequences, not their mean", ["objective of the uniform model",
                                                               "objective of the fitted model"],
                FN + LOOP + "        total = total + F.cross_entropy(logits, ids[1:], reduction='sum')\n"
                "    return total / len(sequences)\n", "mean-instead-of-sum", prompt=["Σ_{x∈D} L_θ(x)"]),
    Requirement("each sequence's loss is the sum of its step losses", ["objective of the uniform model",
                                                                       "objective of the fitted model"],
                FN + LOOP + "        total = total + F.cross_entropy(logits, ids[1:])\n    return total\n",
                "sum-of-means", prompt=["L_θ(x)"]),
    Requirement("x_0 is context only: no term for it", ["objective of the uniform model",
                                                        "objective of the fitted model"],
                FN + LOOP.replace("ids[:-1]", "ids") + "        total = total + F.cross_entropy(logits, ids, "
                "reduction='sum')\n    return total\n", "loss-term-for-x0", prompt=["x_0 is context only"]),
    Requirement("a 0-d tensor that can be differentiated", ["returns a differentiable 0-d tensor"],
                FN + LOOP + "        total = total + F.cross_entropy(logits, ids[1:], reduction='sum').item()\n"
                "    return total\n", "float-instead-of-tensor", prompt=["as a 0-d tensor (so that it can be "
                                                                        "differentiated)"]),
    Requirement("it uses the sequences it is given", ["another dataset"],
                FN + LOOP.replace("in sequences", "in SEQS") + "        total = total + F.cross_entropy(logits, "
                "ids[1:], reduction='sum')\n    return total\n", "ignored-argument", prompt=["over the `sequences`"]),
    Requirement("its tensors are made on the device of the model's parameters", ["works on the model's device"],
                FN + CPU + "        total = total + F.cross_entropy(logits, ids[1:], reduction='sum')\n"
                "    return total\n", "wrong-device", prompt=["on the device of its parameters"]),
]
MESSAGES = {
    "mean-instead-of-sum": "this is the mean sequence loss; the objective is the sum Σ_{x∈D} L_θ(x).",
    "mean-per-token": "this is the mean loss per token; the objective sums every step loss of every sequence.",
    "sum-of-means": "you averaged within each sequence (F.cross_entropy's default reduction is the mean): a "
                    "sequence's loss is the sum of its step losses, reduction='sum'.",
    "log-base-2": "you used log base 2; use the natural log.",
    "log-base-10": "you used log base 10; use the natural log.",
    "missing-minus": "the sign is wrong: each L_i = −log q_i[x_i] is positive.",
    "loss-term-for-x0": "you paired row t of the logits with x_t, a term for x_0 too: x_0 is context only, "
                        "model(x[:-1]) predicts x[1:].",
    "off-by-one": "off-by-one shift: the logits at position i−1 predict x_i (model(x[:-1]) with targets x[1:]).",
    "single-sequence": "this is the first sequence's loss only; the objective adds every sequence's loss.",
    "softmax-missing": "you took the logits as log-probabilities: F.cross_entropy (or a log-softmax) first.",
    "softmax-applied-twice": "F.cross_entropy takes logits: applying softmax first normalizes twice.",
    "log-missing": "you summed −q_i[x_i]: F.nll_loss expects log-probabilities (a log-softmax), not "
                   "probabilities.",
}


def _value_test(label: str, probe: str, values: dict[str, float], extra: list[Mistake], hidden: bool) -> Test:
    mistakes = [Mistake(mid, v, MESSAGES[mid]) for mid, v in values.items() if mid != "right"]
    mistakes.append(Mistake("wrong-axis", {"raises": "RuntimeError: Expected target size"}, "F.cross_entropy wants "
                            "logits (T, V) with targets (T,), or the classes on dim 1: take model(...)[0] (or "
                            "reshape) before the loss."))
    return distinct(Test(label, probe, values["right"], rtol=1e-4, hidden=hidden, mistakes=mistakes + extra))


def question(p: dict, name: str) -> Question:
    seqs, V, fitted = dataset(p["corpus_seed"])
    import lmcore

    uniform = lmcore.BigramLM(V)
    part = seqs[::2]
    ignored = [Mistake("ignored-argument", objective_values(fitted, seqs)["right"], "this is the objective on the "
                       "notebook's SEQS: use the `sequences` the function is given.")]
    kinds = {"a Python number": ("float-instead-of-tensor", "you returned a Python number (.item() or float()): "
                                 "return the 0-d tensor itself, so that it can be differentiated."),
             "a 0-d tensor without a gradient": ("not-differentiable", "your tensor has no gradient: computed under "
                                                 "torch.no_grad() or detached, it cannot be differentiated.")}
    kind_mistakes = [Mistake(mid, kind, message) for kind, (mid, message) in kinds.items()]
    kind_mistakes.append(Mistake("float-instead-of-tensor", {"raises": "RuntimeError: Tensor.item() cannot be called "
                                 "on meta tensors"}, kinds["a Python number"][1]))
    return Question(name, 5, [
        _value_test(f"{name} objective of the uniform model", "float(objective(UNIFORM, SEQS))",
                    objective_values(uniform, seqs), [], False),
        Test(f"{name} returns a differentiable 0-d tensor", "_result_kind(objective(fresh_model(), SEQS))",
             "a 0-d tensor with a gradient", kind="exact", mistakes=kind_mistakes,
             failure_message="return Σ_x L_θ(x) as a 0-d tensor with a gradient (a sum of F.cross_entropy "
             "values, for example)."),
        Test(f"{name} works on the model's device", "_result_kind(objective(fresh_model().to('meta'), SEQS[:2]))",
             "a 0-d tensor with a gradient", kind="exact", mistakes=[*kind_mistakes,
                 Mistake("wrong-device", {"raises": "RuntimeError: Tensor on device"}, "your tensors are on the CPU "
                         "while the model's parameters are on another device (the test puts them on torch's 'meta' "
                         "device; on a GPU this fails the same way): make them with "
                         "device=next(model.parameters()).device.")],
             failure_message="return a 0-d tensor with a gradient, computed on the device of the model's "
             "parameters."),
        _value_test(f"{name} objective of the fitted model", "float(objective(FITTED, SEQS))",
                    objective_values(fitted, seqs), [], True),
        _value_test(f"{name} another dataset", "float(objective(FITTED, SEQS[::2]))", objective_values(fitted, part),
                    ignored, True),
    ], forbidden=["lmcore.losses.dataset_loss", "lmcore.losses.sequence_loss", "lmcore.losses.step_losses",
                  "lmcore.losses.mean_token_loss", "lmcore.losses.sequence_log_prob"])
