"""A generated class of `loss` notebooks for the teacher's-view tests and the similarity benchmark.

Honest students write the same short natural answers most of a class writes (`return sum(step_losses)`), in varied
styles drawn from a pool per question (built-in vs loop vs numpy vs torch, intermediate names, `float(...)` or
`.item()`, an assert or a debug print here and there, scratch cells), with identifiers of their own; some make the
course's known mistakes. Copiers take a classmate's whole notebook, or a classmate's answers to some questions
renamed and edited (comments, blank lines, a statement of their own) with the rest written alone. Who is who in a
class is class_plan.py.
"""

from __future__ import annotations

import builtins
import io
import json
import keyword
import random
import re
import textwrap
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

# Each style is a body with {a}, {b}, {c} standing for the student's own identifiers and «x|y» for a choice each
# student makes their own way. The first styles are what most of a class writes.
STYLES: dict[str, list[str]] = {
    "q1": ["return sum(step_losses)", "return «float(sum(step_losses))|math.fsum(step_losses)»",
           "return float(«math.fsum|np.sum»(step_losses))",
           "{a} = «0|0.0»\nfor {b} in step_losses:\n    {a} «+= {b}|= {a} + {b}|+= float({b})»\n"
           "return «{a}|float({a})»",
           "{a} = «0|0.0»\nfor {b} in range(len(step_losses)):\n    {a} «+=|= {a} +» step_losses[{b}]\n"
           "return «{a}|float({a})»",
           "return torch.tensor(step_losses«|, dtype=torch.float64»).sum().item()"],
    "q2": ["return float(-(p * torch.log(q)).sum())", "return -(p * q.log()).sum().item()",
           "return «-torch.sum(p * torch.log(q)).item()|float(-torch.sum(p * q.log()))»",
           "{a} = «torch.log(q)|q.log()»\n«return float(-(p * {a}).sum())|{b} = -(p * {a}).sum()\n"
           "return {b}.item()|return -torch.sum(p * {a}).item()»",
           "{a} = p > 0\nreturn float(-(p[{a}] * torch.log(q[{a}])).sum())",
           "{a} = 0.0\nfor {b}, {c} in zip(p.tolist(), q.tolist()):\n    «if {b} > 0:\n        {a} -= {b} * "
           "math.log({c})|{a} = {a} - {b} * math.log({c})»\nreturn {a}",
           "return -torch.xlogy(p, q).sum().item()"],
    "q3": ["{a} = torch.«as_tensor|tensor|LongTensor»(targets)«|.long()»\n{b} = «torch.arange(len({a}))|"
           "range(len({a}))|torch.arange({a}.shape[0])»\nreturn «-torch.log(probs[{b}, {a}])|-probs[{b}, {a}].log()|"
           "torch.log(probs[{b}, {a}]).neg()»",
           "return -torch.log(probs[torch.arange(«len(targets)|probs.shape[0]|probs.size(0)»), "
           "torch.«tensor|as_tensor»(targets)])",
           "return -probs[list(range(len(targets))), list(targets)].log()",
           "{a} = torch.tensor(targets)«.unsqueeze(1)|.view(-1, 1)|[:, None]»\n"
           "return -torch.log(probs.gather(«1|-1», {a}).squeeze(«1|-1»))",
           "return torch.stack([-torch.log(probs[{a}, {b}]) for {a}, {b} in enumerate(targets)])",
           "{a} = []\nfor {b}, {c} in enumerate(targets):\n    {a}.append(-math.log(probs[{b}][{c}]))\n"
           "return torch.tensor({a})"],
    "q4": ["{a} = torch.«as_tensor|tensor»(ids)«|.long()»\n{b} = torch.log_softmax(logits[:-1]«.double()|.float()|»"
           ", «dim=-1|-1|dim=1|1»)\n{c} = {b}[«torch.arange(len({a}) - 1)|range(len({a}) - 1)|torch.arange(len(ids) - "
           "1)», {a}[1:]]\nreturn «float(-{c}.sum())|-{c}.sum().item()|-float({c}.sum())|float(-torch.sum({c}))»",
           "import torch.nn.functional as F\n«{a} = torch.tensor(ids[1:])\nreturn F.cross_entropy(logits[:-1], {a}, "
           "reduction='sum').item()|return F.cross_entropy(logits[:-1], torch.tensor(ids[1:]), reduction='sum')"
           ".item()»",
           "{a} = torch.log_softmax(logits[:-1], «dim=-1|-1»)\n{b} = torch.tensor(ids[1:])\n"
           "return -{a}[torch.arange(len({b})), {b}].sum().item()",
           "{a} = 0.0\nfor {b} in range(1, len(ids)):\n    {c} = logits[{b} - 1]«.double()|»\n"
           "    {a} += float(torch.logsumexp({c}, «0|dim=0|-1») - {c}[ids[{b}]])\nreturn {a}",
           "{a} = torch.log_softmax(logits«.double()|», dim=-1)\n"
           "return -sum(float({a}[{b} - 1, ids[{b}]]) for {b} in range(1, len(ids)))",
           "{a} = logits[:-1].log_softmax(-1)\n{b} = torch.tensor(ids[1:])«.unsqueeze(1)|.view(-1, 1)»\n"
           "return -{a}.gather(1, {b}).sum().item()",
           "def {c}(z):\n    z = z - z.max(dim=-1, keepdim=True).values\n    return z - z.exp().sum(dim=-1, "
           "keepdim=True).log()\n{a} = {c}(logits[:-1]«.double()|»)\n"
           "return «float(-sum({a}[pos, tok] for pos, tok in enumerate(ids[1:])))|-sum(float({a}[pos, tok]) for pos, "
           "tok in enumerate(ids[1:]))»",
           "{a} = logits[:-1]«.double()|»\n{b} = {a} - {a}.max(dim=-1, keepdim=True).values\n"
           "{c} = {b} - {b}.exp().sum(dim=-1, keepdim=True).log()\n"
           "return -sum({c}[pos, tok].item() for pos, tok in enumerate(ids[1:]))"],
    "q5": ["return sum(math.log(p) for p in step_probs)", "return math.fsum(math.log({a}) for {a} in step_probs)",
           "return float(«np.sum(np.log(step_probs))|np.log(step_probs).sum()»)",
           "{a} = 0.0\nfor {b} in step_probs:\n    {a} «+= math.log({b})|= {a} + math.log({b})»\nreturn {a}",
           "return sum(map(math.log, step_probs))",
           "return torch.log(torch.tensor(step_probs, dtype=torch.«float64|double»)).sum().item()"],
    "q6": ["return sum(sum(s) for s in step_losses_per_sequence)",
           "return «math.fsum|sum»(«math.fsum|sum»({a}) for {a} in step_losses_per_sequence)",
           "return float(sum(map(sum, step_losses_per_sequence)))",
           "{a} = 0.0\nfor {b} in step_losses_per_sequence:\n    for {c} in {b}:\n        {a} += {c}\nreturn {a}",
           "{a} = 0\nfor {b} in step_losses_per_sequence:\n    {a} += «sum({b})|sequence_total({b})»\nreturn {a}",
           "return sum(sequence_total({a}) for {a} in step_losses_per_sequence)"],
}
WEIGHTS = [8, 4, 3, 2, 2, 1, 1, 1]  # style popularity: the first styles are what most students write
SPREAD = {"q3": [3, 3, 2, 2, 2, 1], "q4": [3, 3, 2, 2, 2, 1, 1, 1]}  # longer answers vary more
MISTAKES: dict[str, list[tuple[str, str]]] = {  # (mistake id the grader names, body)
    "q1": [("mean-instead-of-sum", "return sum(step_losses) / len(step_losses)"),
           ("mean-instead-of-sum", "return float(np.mean(step_losses))")],
    "q3": [("log-base-2", "return -torch.log2(probs[torch.arange(len(targets)), torch.tensor(targets)])")],
    "q4": [("missing-minus", "{a} = torch.log_softmax(logits[:-1], -1)\n"
                             "return float({a}[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].sum())"),
           ("log-softmax-overflow", "{a} = torch.log(torch.softmax(logits[:-1], -1))\n"
                                    "return float(-{a}[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].sum())")],
    "q5": [("product-of-probabilities", "return math.log(math.prod(step_probs))")],
    "q6": [("mean-instead-of-sum", "return sum(sum(s) for s in step_losses_per_sequence) / "
                                   "len(step_losses_per_sequence)")],
}
SCRATCH = ["print(sequence_total([1.2, 0.5, 2.3]))",
           "{a} = torch.softmax(LOGITS[0], -1)\nprint({a}.sum(), cross_entropy(torch.eye(len(VOCAB))[IDS[1]], {a}))",
           "print(step_losses_from_probs(torch.softmax(LOGITS[:-1], -1), IDS[1:]))",
           "for {a} in (0, 100, 1000):\n    print({a}, sequence_loss_from_logits(LOGITS * max({a}, 1), IDS))",
           "for {a} in (10, 100, 400):\n    print({a}, sequence_log_prob([0.5] * {a}))",
           "print(dataset_total([[1.2, 0.5, 2.3], [3.1, 2.2, 0.4, 2.7], [1.9, 0.8]]))"]
CHECKS = ["assert abs(sequence_total([1.2, 0.5, 2.3]) - 4.0) < «1e-9|1e-6»",
          "assert math.isclose(sequence_total([1.2, 0.5, 2.3]), 4.0)",
          "print(sequence_total([1.2, 0.5, 2.3]), sequence_total([]))",
          "assert cross_entropy(torch.tensor([0.0, 1.0]), torch.tensor([0.5, 0.5])) > 0",
          "print(cross_entropy(torch.tensor([0.0, 1.0, 0.0]), torch.tensor([0.2, 0.7, 0.1])))",
          "assert step_losses_from_probs(torch.softmax(LOGITS[:-1], -1), IDS[1:]).shape == (len(IDS) - 1,)",
          "print(step_losses_from_probs(torch.tensor([[0.5, 0.5], [0.9, 0.1]]), [0, 1]))",
          "assert torch.isfinite(torch.tensor(sequence_loss_from_logits(LOGITS * 1000, IDS)))",
          "print(sequence_loss_from_logits(LOGITS + 100, IDS) - sequence_loss_from_logits(LOGITS, IDS))",
          "assert sequence_log_prob([0.5] * 400) > -«1000|math.inf»",
          "print(math.exp(sequence_log_prob([0.02848, 0.001616, 0.2215])))",
          "assert dataset_total([[8.4], [2.1], [5.5]]) == «16.0|pytest.approx(16.0)»",
          "print(dataset_total([[1.2, 0.5, 2.3], [3.1, 2.2, 0.4, 2.7], [1.9, 0.8]]))"]
WORDS = ["total", "acc", "s", "result", "res", "out", "running", "tot", "loss", "val", "x", "y", "lp", "logp", "idx",
         "rows", "row", "seq", "item", "pk", "qk", "h", "terms", "m", "n", "w", "step", "prob", "value", "buf"]
CODE_QUESTIONS = ["q1", "q2", "q3", "q4", "q5", "q6"]


def _names(rng: random.Random) -> dict[str, str]:
    picked = rng.sample(WORDS, 4)
    return {"a": picked[0], "b": picked[1], "c": picked[2], "z": picked[3]}


def _arg(template: str) -> str:
    return re.search(r"def \w+\((\w+)", template).group(1)


def traits(rng: random.Random) -> dict[str, float]:
    """A student's habits, the same in every answer: how often they name the result before returning it, check
    their input, print while debugging."""
    return {"name_result": rng.choice([0, 0, 0.5, 0.9]), "check_input": rng.choice([0, 0, 0, 0.6]),
            "debug_print": rng.choice([0, 0, 0, 0.5]), "own_tests": rng.choice([0, 0, 1])}


def honest_body(question: str, template: str, rng: random.Random, mistake: str | None = None,
                habits: dict[str, float] | None = None) -> str:
    """One student's answer body: a style by popularity, their own names and choices, their habits."""
    if mistake is not None:
        body = next(b for m, b in MISTAKES[question] if m == mistake)
    else:
        styles = STYLES[question]
        body = rng.choices(styles, weights=SPREAD.get(question, WEIGHTS)[:len(styles)])[0]
    names = _names(rng)
    body = re.sub(r"«(.*?)»", lambda m: rng.choice(m.group(1).split("|")), body, flags=re.S).format(**names)
    habits = habits or {}
    arg = _arg(template)
    lines = body.split("\n")
    if rng.random() < habits.get("name_result", 0) and lines[-1].startswith("return "):
        lines[-1:] = [f"{names['z']} = {lines[-1][7:]}", f"return {names['z']}"]
    if rng.random() < habits.get("check_input", 0):
        lines.insert(0, rng.choice([f"assert len({arg}) > 0", f"if len({arg}) == 0:\n    return 0.0"]))
    if rng.random() < habits.get("debug_print", 0):
        lines.insert(len(lines) - 1, rng.choice([f"print({arg})", f"print(type({arg}), len({arg}))"]))
    return "\n".join(lines)


def fill(template: str, body: str, keep_docstring: bool) -> str:
    """The starter cell with its `raise NotImplementedError` replaced by `body` (docstring kept or not)."""
    code = template if keep_docstring else re.sub(r'\n\s*""".*?"""', "", template, count=1, flags=re.S)
    return re.sub(r"^(\s*)raise NotImplementedError\(.*\)\s*$", lambda m: textwrap.indent(body, m.group(1)), code,
                  count=1, flags=re.M)


def rename(code: str, rng: random.Random) -> str:
    """Every local identifier renamed (not keywords, builtins, modules, attributes or the asked function names)."""
    keep = set(dir(builtins)) | {"math", "torch", "np", "F", "LOGITS", "IDS", "VOCAB", "TOKENS"} | set(
        re.findall(r"def (\w+)\(", code))
    toks = list(tokenize.generate_tokens(io.StringIO(code).readline))
    out, mapping, prev, depth = [], {}, None, 0
    for i, tok in enumerate(toks):
        s = tok.string
        depth += s in "([{" and tok.type == tokenize.OP
        depth -= s in ")]}" and tok.type == tokenize.OP
        keyword_arg = depth > 0 and i + 1 < len(toks) and toks[i + 1].string == "="
        if (tok.type == tokenize.NAME and not keyword.iskeyword(s) and s not in keep and not keyword_arg
                and not (prev is not None and prev.string == ".")):
            s = mapping.setdefault(s, f"{rng.choice(['my', 'the', 'v', 'tmp'])}_{s[:3]}{len(mapping)}")
        out.append(tok._replace(string=s))
        prev = tok
    return tokenize.untokenize(out)


def edit(code: str, rng: random.Random) -> str:
    """What a copier does to hide a copy: comments, blank lines, one statement of their own."""
    lines = code.split("\n")
    body = [i for i, line in enumerate(lines) if line.startswith("    ") and line.strip()]
    at = rng.choice(body) if body else len(lines)
    indent = re.match(r"\s*", lines[at]).group(0) if at < len(lines) else "    "
    lines[at:at] = [f"{indent}# {rng.choice(['my own work', 'step by step', 'compute it'])}", "",
                    f"{indent}_unused = {rng.randint(2, 99)}"]
    return "\n".join(lines)


@dataclass
class Student:
    name: str  # file stem (the roster id)
    answers: dict[str, str] = field(default_factory=dict)  # question -> the whole answer cell
    mcq: str = ""
    scratch: list[tuple[str, str]] = field(default_factory=list)  # (after question, cell)
    mistakes: list[tuple[str, str]] = field(default_factory=list)  # (question, mistake id) planted


def answer_cells(nb: dict) -> dict[str, int]:
    """Question -> index of its answer cell (the tagged cell before its grader.check)."""
    out, last = {}, None
    for i, c in enumerate(nb["cells"]):
        src = "".join(c["source"])
        m = re.match(r"""\s*grader\.check\(["'](\w+)["']\)""", src)
        if m and last is not None:
            out[m.group(1)] = last
        elif "otter_answer_cell" in c.get("metadata", {}).get("tags", []):
            last = i
    return out


def honest(name: str, nb: dict, key: str, rng: random.Random, mistakes: dict[str, str] | None = None) -> Student:
    cells = answer_cells(nb)
    s = Student(name, mcq=key)
    keep_doc = rng.random() < 0.5
    habits = traits(rng)
    for q in CODE_QUESTIONS:
        template = "".join(nb["cells"][cells[q]]["source"])
        m = (mistakes or {}).get(q)
        s.answers[q] = fill(template, honest_body(q, template, rng, m, habits), keep_doc)
        if m:
            s.mistakes.append((q, m))
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        k = rng.randrange(len(SCRATCH))
        s.scratch.append((CODE_QUESTIONS[k], SCRATCH[k].format(**_names(rng))))
    if habits["own_tests"]:  # a cell of their own checks, after the last question they wrote
        lines = [re.sub(r"«(.*?)»", lambda m: rng.choice(m.group(1).split("|")), c) for c in
                 rng.sample(CHECKS, rng.randint(2, 5))]
        s.scratch.append(("q6", "\n".join(lines).replace("pytest.approx(16.0)", "16.0")))
    return s


def copied(name: str, source: Student, nb: dict, rng: random.Random, questions: list[str]) -> Student:
    """Another student's answers to `questions`, renamed and edited; the rest written alone."""
    s = honest(name, nb, source.mcq, rng)
    for q in questions:
        s.answers[q] = edit(rename(source.answers[q], rng), rng)
    s.scratch = [(q, edit(rename(c, rng), rng)) for q, c in source.scratch if q in questions]
    return s


def notebook(nb: dict, s: Student) -> dict:
    """The student's notebook: their starter with their answer cells, MCQ answer and scratch cells."""
    doc = json.loads(json.dumps(nb))
    cells = answer_cells(doc)
    for q, code in s.answers.items():
        doc["cells"][cells[q]]["source"] = code
    mcq = [q for q in cells if q not in s.answers]
    for q in mcq:
        doc["cells"][cells[q]]["source"] = f"q7_answer = {s.mcq!r}"
    for q, code in sorted(s.scratch, key=lambda x: -cells[x[0]]):
        doc["cells"].insert(cells[q] + 1, {"cell_type": "code", "metadata": {}, "execution_count": None,
                                           "outputs": [], "source": code})
    return doc


def write(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path

