"""Example submissions (examples/submissions/<id>/): a correct one, a blank one and one per common mistake, made
from a built student notebook by filling its answer cells. `python -m autograder.build_examples` regenerates them;
expected.json records each file's expected score under stock `otter run` (asserted in tests/autograder).
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.build_notebook import ROOT, write_notebook

# assignment -> example name -> {function defined in an answer cell: replacement source}
MISTAKES: dict[str, dict[str, dict[str, str]]] = {
    "loss": {
        "mean_instead_of_sum": {"sequence_total": "def sequence_total(step_losses):\n"
                                "    return sum(step_losses) / len(step_losses)\n"},
        "log_base_2": {"step_losses_from_probs": "def step_losses_from_probs(probs, targets):\n"
                       "    return -torch.log2(probs[torch.arange(len(targets)), torch.as_tensor(targets)])\n"},
        "missing_minus": {"sequence_loss_from_logits": "def sequence_loss_from_logits(logits, ids):\n"
                          "    logp = torch.log_softmax(logits[:-1], -1)\n"
                          "    return float(logp[torch.arange(len(ids) - 1), torch.as_tensor(ids[1:])].sum())\n"},
        "loss_term_for_x0": {"sequence_loss_from_logits": "def sequence_loss_from_logits(logits, ids):\n"
                             "    logp = torch.log_softmax(logits, -1)  # every row, paired with x_0..x_m\n"
                             "    return float(-logp[torch.arange(len(ids)), torch.as_tensor(ids)].sum())\n"},
        "log_softmax_overflow": {"sequence_loss_from_logits": "def sequence_loss_from_logits(logits, ids):\n"
                                 "    logp = torch.log(torch.softmax(logits[:-1], -1))\n"
                                 "    rows = torch.arange(len(ids) - 1)\n"
                                 "    return float(-logp[rows, torch.as_tensor(ids[1:])].sum())\n"},
        "product_of_probabilities": {"sequence_log_prob": "def sequence_log_prob(step_probs):\n"
                                     "    return math.log(math.prod(step_probs))\n"},
    },
    "tokens": {
        "one_hot_int64": {"one_hot_targets": "def one_hot_targets(ids, vocab_size):\n"
                          "    return torch.nn.functional.one_hot(torch.tensor(ids[1:]), vocab_size)\n"},
        "one_hot_row_for_x0": {"one_hot_targets": "def one_hot_targets(ids, vocab_size):\n"
                               "    return torch.nn.functional.one_hot(torch.tensor(ids), vocab_size).float()\n"},
        "unknown_dropped": {"encode": "def encode(tokens, vocab):\n"
                            "    return [vocab.index(t) for t in tokens if t in vocab]\n"},
    },
    "training": {
        "mean_instead_of_sum": {"objective": "def objective(model, sequences):\n"
                                "    device = next(model.parameters()).device\n"
                                "    losses = []\n"
                                "    for seq in sequences:\n"
                                "        ids = torch.as_tensor(seq, device=device)\n"
                                "        logits = model(ids[:-1].unsqueeze(0))[0]\n"
                                "        losses.append(F.cross_entropy(logits, ids[1:], reduction='sum'))\n"
                                "    return torch.stack(losses).mean()\n"},
    },
}


def _defines(source: str) -> set[str]:
    return set(re.findall(r"^def (\w+)\(", source, flags=re.M))


def fill(student: nbformat.NotebookNode, solution: nbformat.NotebookNode, keys: dict[str, list[str]] | None = None,
         replace: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The student notebook with every answer cell filled from the solution notebook (cells pair up in order).

    keys: MCQ answers for the student's variant ({"q7": ["B"]}); replace: function name -> replacement source.
    """
    nb = nbformat.from_dict(student)
    answers = [c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])]
    sols = [c for c in solution.cells if "otter_assign_solution_cell" in c.metadata.get("tags", [])]
    if len(answers) != len(sols):
        raise ValueError(f"{len(answers)} answer cells but {len(sols)} solution cells")
    for cell, sol in zip(answers, sols, strict=True):
        source = sol.source
        for name, new in (replace or {}).items():
            if name in _defines(source):
                source = re.sub(rf"^def {name}\(.*?(?=^\S|\Z)", new, source, flags=re.M | re.S)
        for q, key in (keys or {}).items():
            source = re.sub(rf"^{q}_answer = .*$", f"{q}_answer = {', '.join(key)!r}", source, flags=re.M)
        cell.source = source
    return nb


def mcq_keys(checks_json: Path) -> dict[str, list[str]]:
    d = json.loads(checks_json.read_text(encoding="utf-8"))
    return {q["name"]: q["tests"][0]["expect"] for q in d["questions"] if q["kind"] == "mcq"}


def make_examples(assignment: str, built: Path, out: Path) -> None:
    """Write correct/blank/mistake notebooks for `assignment` from a build in `built` (expected.json is kept)."""
    student = nbformat.read(built / assignment / "student" / f"{assignment}.ipynb", as_version=4)
    solution = nbformat.read(built / assignment / "autograder" / f"{assignment}.ipynb", as_version=4)
    out.mkdir(parents=True, exist_ok=True)
    write_notebook(fill(student, solution), out / "correct.ipynb")
    write_notebook(student, out / "blank.ipynb")
    for name, replace in MISTAKES[assignment].items():
        write_notebook(fill(student, solution, replace=replace), out / f"{name}.ipynb")


if __name__ == "__main__":
    from autograder.build import ASSIGNMENTS, build_assignment

    with tempfile.TemporaryDirectory() as tmp:
        for a in sys.argv[1:] or ASSIGNMENTS:
            build_assignment(a, Path(tmp), [], None)
            make_examples(a, Path(tmp), ROOT / "examples" / "submissions" / a)
            print(f"{a}: examples written to examples/submissions/{a}")
