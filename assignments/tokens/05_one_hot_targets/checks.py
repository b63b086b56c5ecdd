"""one_hot_targets: p_i[k] = 1 if k == x_i else 0, for the targets x_1..x_m only (x_0 is context)."""

import torch

import lmcore
from assignments.signatures import distinct
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = "import torch\n\n\ndef one_hot_targets(ids, vocab_size):\n"
REQUIREMENTS = [
    Requirement("one row per target x_1..x_m: no row for x_0", ["one-hot targets", "another sequence"],
                FN + "    return torch.nn.functional.one_hot(torch.tensor(ids), vocab_size).float()\n", "row-for-x0",
                prompt=["for the targets x_1..x_m"]),
    Requirement("a torch.float32 tensor", ["one-hot targets", "another sequence"],
                FN + "    return torch.nn.functional.one_hot(torch.tensor(ids[1:]), vocab_size)\n", "wrong-dtype",
                prompt=["a `torch.float32` tensor"]),
    Requirement("a torch tensor, not a list or a numpy array", ["a torch tensor"],
                FN + "    return [[1.0 if k == x else 0.0 for k in range(vocab_size)] for x in ids[1:]]\n",
                "wrong-type",
                prompt=["tensor"]),
    Requirement("vocab_size columns, whatever ids hold", ["another vocabulary size"],
                FN + "    return torch.nn.functional.one_hot(torch.tensor(ids[1:])).float()\n", "ignored-argument",
                prompt=["shape (m, vocab_size)"]),
    Requirement("a single 1 per row, at x_i", ["one-hot targets", "another sequence"],
                FN + "    return torch.full((len(ids) - 1, vocab_size), 1.0 / vocab_size)\n", "uniform",
                prompt=["with a single 1 per row"]),
]


def _mistakes(ids: list[int], V: int, notebook_V: int) -> list[Mistake]:
    onehot = lmcore.one_hot(ids[1:], V)
    return [
        Mistake("row-for-x0", lmcore.one_hot(ids, V).tolist(), "you made a row for x_0 too; the targets are "
                "x_1..x_m, one row per prediction step (x_0 is context only)."),
        Mistake("off-by-one", lmcore.one_hot(ids[:-1], V).tolist(), "your rows are x_0..x_{m−1}: the targets are "
                "x_1..x_m (drop x_0, keep x_m)."),
        Mistake("uniform", torch.full_like(onehot, 1.0 / V).tolist(), "each row is one-hot at x_i (a single 1), not "
                "uniform."),
        Mistake("wrong-axis", onehot.T.tolist(), "your tensor is transposed: one row per target, shape "
                "(m, vocab_size)."),
        *[Mistake("ignored-argument", lmcore.one_hot(ids[1:], cols).tolist(), "your tensor has the wrong number "
                  "of columns (one per id seen, or the notebook's vocabulary size): use vocab_size, the size the "
                  "function is given.") for cols in {max(ids) + 1, max(ids[1:]) + 1, notebook_V} if cols != V],
    ]


def _test(name: str, label: str, ids: list[int], V: int, probe: str, notebook_V: int, hidden: bool = False) -> Test:
    onehot = lmcore.one_hot(ids[1:], V)
    return distinct(Test(f"{name} {label}", probe, onehot.tolist(), kind="array", shape=list(onehot.shape),
                         dtype="float32", hidden=hidden, mistakes=_mistakes(ids, V, notebook_V),
                         failure_message="one row per target x_1..x_m with a single 1 at x_i."))


def question(p: dict, name: str) -> Question:
    ids, V = p["test_ids"], len(p["vocab"])
    return Question(name, 4, [
        _test(name, "one-hot targets", ids, V, f"one_hot_targets({ids!r}, {V})", V),
        Test(f"{name} a torch tensor", f"type(one_hot_targets({ids!r}, {V})).__module__.split('.')[0]", "torch",
             kind="exact", mistakes=[
                 Mistake("wrong-type", module, "return a torch tensor (torch.zeros, F.one_hot, ...), not a "
                         f"{what}.") for module, what in (("numpy", "numpy array"), ("builtins", "Python list"))]),
        _test(name, "another sequence", [4, 2, 0, 3, 3], 6, "one_hot_targets([4, 2, 0, 3, 3], 6)", V, hidden=True),
        _test(name, "another vocabulary size", ids, V + 3, f"one_hot_targets({ids!r}, {V + 3})", V, hidden=True),
    ], forbidden=["lmcore.losses.one_hot", "lmcore.losses.next_token_targets"])
