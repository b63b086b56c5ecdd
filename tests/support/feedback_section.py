"""README's "What students are told" section, made from the grader's real output (never typed by hand).

Each example below is an answer cell; its feedback is what `compare` says in the notebook (a public check) and what
`lmcourse grade`'s scoring writes into results.json (`autograder.grade.scoring.score`, from the probe values this
process computes the way the sandbox does). `tests/test_readme_feedback.py` asserts README.md holds exactly this.

    python tests/support/feedback_section.py            print the section
    python tests/support/feedback_section.py --update   rewrite it in README.md (between the feedback markers)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess as ip  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- feedback:begin (python tests/support/feedback_section.py --update) -->", "<!-- feedback:end -->"

# (what the example shows, assignment, slug or MCQ question name, the answer cell or MCQ answer, where it is read)
EXAMPLES = [
    ("A known mistake, named by a public check in the notebook", "loss", "sequence_total",
     "def sequence_total(step_losses):\n    return sum(step_losses) / len(step_losses)\n", "notebook"),
    ("A passing public check says what the hidden tests still check", "loss", "sequence_loss",
     "def sequence_loss_from_logits(logits, ids):\n    logp = torch.log(torch.softmax(logits[:-1], -1))\n"
     "    rows = torch.arange(len(ids) - 1)\n    return float(-logp[rows, torch.as_tensor(ids[1:])].sum())\n",
     "notebook"),
    ("... and the hidden test that catches it, in the graded results", "loss", "sequence_loss",
     "def sequence_loss_from_logits(logits, ids):\n    logp = torch.log(torch.softmax(logits[:-1], -1))\n"
     "    rows = torch.arange(len(ids) - 1)\n    return float(-logp[rows, torch.as_tensor(ids[1:])].sum())\n",
     "graded"),
    ("Every requirement of the prompt has a test: GPT-2's pre-tokenizer splits \"isn't\" and keeps '?!' whole",
     "tokens", "tokenize",
     "from lmcore.bpe import _CHUNK_RE\n\n\ndef tokenize(text):\n"
     "    return [c.strip() for c in _CHUNK_RE.findall(text)]\n", "graded"),
    ("A later question graded with a correct earlier function (train_step without zero_grad: q2 only)",
     "training", "train_step", "def train_step(model, optimizer, sequences, objective):\n"
     "    loss = objective(model, sequences)\n    loss.backward()\n    optimizer.step()\n    return loss.item()\n",
     "graded"),
    ("A value of the wrong kind", "training", "objective",
     "import torch.nn.functional as F\n\n\ndef objective(model, sequences):\n    total = 0.0\n"
     "    for seq in sequences:\n        ids = torch.as_tensor(seq, device=next(model.parameters()).device)\n"
     "        total += F.cross_entropy(model(ids[:-1].unsqueeze(0))[0], ids[1:], reduction='sum').item()\n"
     "    return total\n", "notebook"),
    ("Code that does not run (a syntax error)", "loss", "dataset_total",
     "def dataset_total(step_losses_per_sequence)\n    return sum(map(sum, step_losses_per_sequence))\n",
     "notebook"),
    ("Not attempted (the starter code)", "tokens", "encode",
     'def encode(tokens, vocab):\n    raise NotImplementedError("map each token to its id")\n', "notebook"),
    ("A multiple-choice answer: the check cell in the notebook", "loss", "mcq", "right", "mcq-notebook"),
    ("... and a wrong letter after publication, named by its distractor's mistake", "loss", "mcq", "wrong",
     "graded"),
]


def _graded_lines(assignment: str, answers: dict[str, str], mcq: dict[str, str], question: str) -> list[str]:
    """The lines `lmcourse grade` writes for `question` (its results.json test output)."""
    from autograder.grade.scoring import score

    plains = ip.plains(assignment, answers, mcq)
    result = score(ip.checks(assignment), {"answers": plains, "done": True}, 60.0)
    (entry,) = [t for t in result["tests"] if t["name"] == question]
    return [f"{question}: {line}" if not line.startswith(question) else line for line in entry["output"].splitlines()]


def _mcq(assignment: str) -> tuple[str, list[str], list[str]]:
    (q,) = [q for q in ip.checks(assignment).questions if q.kind == "mcq"]
    _, key = q.tests
    return q.name, key.expect, [m.value[0] for m in key.mistakes]


def section() -> str:
    from autograder.runtime.mcq import Recorded

    out = [BEGIN, ""]
    for what, assignment, slug, answer, where in EXAMPLES:
        out.append(f"**{what}** ({assignment}):")
        out.append("")
        if slug == "mcq":
            name, key, wrong = _mcq(assignment)
            letter = key[0] if answer == "right" else wrong[0]
            out += ["```python", f'{name}_answer = "{letter}"', "```", "```"]
            lines = [Recorded(name).text()] if where == "mcq-notebook" else \
                [x for x in _graded_lines(assignment, {}, {f"{name}_answer": letter}, name) if "passed" not in x]
        else:
            q = ip.question_dir(assignment, slug)
            g = ip.grade(assignment, {slug: answer}, only=[q.name])
            tests = g.questions[q.name].tests
            out += ["```python", answer.strip("\n"), "```", "```"]
            if where == "notebook":
                lines = [o.message for t, o in zip(tests, g.outcomes[q.name], strict=True) if not t.hidden
                         and (not o.passed or o.message)]
            else:
                lines = [x for x in _graded_lines(assignment, {slug: answer}, {}, q.name) if not x.endswith("passed")]
        out += [*lines, "```", ""]
    out.append(END)
    return "\n".join(out)


def update(readme: Path = ROOT / "README.md") -> None:
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    readme.write_text(text[:start] + section() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    update() if "--update" in sys.argv[1:] else print(section())
