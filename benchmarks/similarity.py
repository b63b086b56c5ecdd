"""Code similarity in `lmcourse grade`: how well the scores separate copies from independent answers, and what it
costs next to grading the same batch.

    python benchmarks/similarity.py [--n 1000] [--grade-n N] [--workers 0] [--seed 0]

Everything is synthesized from examples/submissions/loss/blank.ipynb (the notebook a student starts from):
* `measure`: for each code question of `loss`, hand-written independent answers (BANK, 3-4 per question, written
  differently on purpose), each renamed (every local identifier changed), renamed + edited (comments, blank lines and
  a harmless extra statement), and a copy of lmcore's forbidden function pasted and renamed. It reports the highest
  score between two independent answers (with each other and with the references) and the lowest score of each
  kind of copy; similarity.THRESHOLD is chosen between them.
* the batch: N notebooks (default 1,000), each answer a random BANK style with its identifiers renamed and 1-3 random
  statements of the student's own (`statement`) inserted, plus planted copies (a renamed classmate's answer, or pasted
  lmcore). The similarity pass over the N and `lmcourse grade` over the first GRADE_N of the same notebooks are timed
  in this one run (GRADE_N defaults to N). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import builtins
import io
import json
import keyword
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.grade import fingerprints, similarity  # noqa: E402
from autograder.grade.submissions import collect  # noqa: E402

BLANK = ROOT / "examples" / "submissions" / "loss" / "blank.ipynb"

# Independent answers, written differently on purpose (bodies only: the template's import, signature and docstring
# stay, as a student's notebook keeps them). Index 0 is the solution file's style.
BANK: dict[str, list[str]] = {
    "q1": [
        "return float(math.fsum(step_losses))",
        "total = 0.0\nfor loss in step_losses:\n    total += loss\nreturn total",
        "import numpy as np\nreturn float(np.sum(np.asarray(step_losses, dtype=np.float64)))",
        "from functools import reduce\nreturn reduce(lambda acc, x: acc + x, step_losses, 0.0)",
        "result = 0\nfor value in list(step_losses):\n    result = result + float(value)\nreturn float(result)",
    ],
    "q2": [
        "return float(-(p * torch.log(q)).nansum())",
        "h = 0.0\nfor pk, qk in zip(p.tolist(), q.tolist()):\n    if pk > 0:\n        h -= pk * math.log(qk)\n"
        "return h",
        "mask = p > 0\nreturn float(-(p[mask] * q[mask].log()).sum())",
        "return -torch.sum(torch.xlogy(p, q)).item()",
        "logq = torch.log(q)\nterms = torch.where(p > 0, p * logq, torch.zeros_like(p))\nreturn -float(terms.sum())",
    ],
    "q3": [
        "targets = torch.as_tensor(targets)\nreturn -torch.log(probs[torch.arange(len(targets)), targets])",
        "return torch.stack([-torch.log(probs[i, t]) for i, t in enumerate(targets)])",
        "idx = torch.tensor(list(targets), dtype=torch.long).unsqueeze(1)\n"
        "return -probs.gather(1, idx).squeeze(1).log()",
        "out = []\nfor row, t in zip(probs, targets):\n    out.append(-math.log(float(row[int(t)])))\n"
        "return torch.tensor(out)",
        "t = torch.as_tensor(targets).long()\nrows = torch.arange(probs.shape[0])\nreturn -(probs[rows, t].log())",
    ],
    "q4": [
        "ids = torch.as_tensor(ids)\nlogp = torch.log_softmax(logits[:-1].double(), dim=-1)\n"
        "return float(-logp[torch.arange(len(ids) - 1), ids[1:]].sum())",
        "total = 0.0\nfor i in range(1, len(ids)):\n    row = logits[i - 1].double()\n"
        "    total += float(torch.logsumexp(row, 0) - row[ids[i]])\nreturn total",
        "import torch.nn.functional as F\ntarget = torch.tensor(list(ids[1:]))\n"
        "return F.cross_entropy(logits[:-1].double(), target, reduction='sum').item()",
        "z = logits[:-1].double()\nm = z.max(dim=1, keepdim=True).values\n"
        "lse = m.squeeze(1) + torch.log(torch.exp(z - m).sum(dim=1))\n"
        "picked = torch.stack([z[t, x] for t, x in enumerate(ids[1:])])\nreturn (lse - picked).sum().item()",
        "logp = torch.log_softmax(logits.double(), dim=-1)\n"
        "return -sum(float(logp[t - 1, ids[t]]) for t in range(1, len(ids)))",
    ],
    "q5": [
        "return math.fsum(math.log(p) for p in step_probs)",
        "s = 0.0\nfor prob in step_probs:\n    s += math.log(prob)\nreturn s",
        "import numpy as np\nreturn float(np.log(np.asarray(step_probs, dtype=float)).sum())",
        "import torch\nreturn torch.log(torch.tensor(step_probs, dtype=torch.float64)).sum().item()",
        "logs = [math.log(x) for x in step_probs]\nreturn math.fsum(logs)",
    ],
    "q6": [
        "return math.fsum(math.fsum(steps) for steps in step_losses_per_sequence)",
        "grand = 0.0\nfor seq in step_losses_per_sequence:\n    for l in seq:\n        grand += l\nreturn grand",
        "return sum(sum(s) for s in step_losses_per_sequence)",
        "import itertools\nreturn math.fsum(itertools.chain.from_iterable(step_losses_per_sequence))",
        "per_seq = [math.fsum(steps) for steps in step_losses_per_sequence]\nreturn math.fsum(per_seq)",
    ],
}
EXTRA = [  # harmless statements inserted into synthesized answers, structurally different from each other
    "assert True", "pass", "_ = None", "_n = 0", "_s = 'ok'", "_l = []", "_d = {}", "_t = (1, 2)", "del _",
    "_x = [i for i in range(3)]", "_y = {k: k for k in 'ab'}", "_z = len('abc') * 2", "_w = not False",
    "_v = 1 if True else 0", "_u = abs(-3)", "_r = round(2.5)", "_q = max(1, 2, 3)", "_o = min([4, 5])",
    "_m = list(range(2))", "_k = str(7).zfill(3)", "_j = ''.join(['a', 'b'])", "_h = 'x' in 'xyz'",
    "_g = sorted([3, 1])", "_f = isinstance(1, int)", "_e = divmod(7, 2)", "_c = 3 ** 2 % 5", "_b = 1 << 4",
    "_a = (lambda t: t)(1)", "print(end='')", "_p = [*range(2), 9]",
]
PROTECTED = set(dir(builtins)) | {"math", "torch", "np", "numpy", "F", "functools", "itertools", "reduce", "self"}


def statement(rng: random.Random, depth: int = 2) -> str:
    """A random harmless statement: what makes each synthesized student's answer their own."""
    def expr(d: int) -> str:
        if d == 0:
            return rng.choice(["1", "2.5", "'ab'", "[1, 2]", "(3,)", "True", "None", "{}", "_k"])
        form = rng.randrange(9)
        a, b = expr(d - 1), expr(d - 1)
        return [f"({a} {rng.choice(['+', '-', '*', '==', 'or', 'and', '!=', '<'])} {b})",
                f"{rng.choice(['abs', 'len', 'str', 'repr', 'bool', 'id', 'type', 'hash'])}({a})",
                f"[{a} for _i in range({rng.randint(1, 4)})]", f"({a} if {b} else {expr(0)})",
                f"{{'k': {a}, 'j': {b}}}", f"str({a}).{rng.choice(['upper', 'strip', 'lower', 'title'])}()",
                f"max([{a}, {b}], key=str)", f"({a}, {b})[{rng.randint(0, 1)}]", f"not {a}"][form]
    target = rng.choice(["_k", "_tmp", "_dbg", "_x"])
    return f"_k = 0\n{target} = {expr(depth)}" if rng.random() < 0.5 else f"_k = 0\nif {expr(depth)}:\n    pass"


def rename(code: str, rng: random.Random, keep: set[str]) -> str:
    """Every local identifier (not a keyword, builtin, module, attribute or a name in `keep`) renamed."""
    out, mapping, prev = [], {}, None
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        s = tok.string
        if (tok.type == tokenize.NAME and not keyword.iskeyword(s) and s not in PROTECTED and s not in keep
                and not (prev is not None and prev.string == ".")):
            s = mapping.setdefault(s, f"{rng.choice(['my', 'the', 'val', 'tmp', 'z'])}_{len(mapping)}_{s[:2]}")
        out.append(tok._replace(string=s))
        prev = tok
    return tokenize.untokenize(out)


def edit(code: str, rng: random.Random) -> str:
    """Cosmetic edits a copier makes: comments, blank lines, one harmless statement."""
    lines = code.split("\n")
    body = [i for i, line in enumerate(lines) if line.startswith("    ") and line.strip()]
    at = rng.choice(body) if body else len(lines)
    indent = re.match(r"\s*", lines[at]).group(0) if at < len(lines) else "    "
    lines[at:at] = [f"{indent}# my own solution", "", f"{indent}{rng.choice(EXTRA)}"]
    return "\n".join(lines)


def starter(nb: dict) -> dict[str, tuple[int, str]]:
    """Code question → (cell index, template code) of the answer cell before its grader.check cell."""
    out, last = {}, None
    for i, c in enumerate(nb["cells"]):
        src = "".join(c["source"])
        if c["cell_type"] != "code":
            continue
        m = similarity.CHECK_CELL.search(src)
        if m and last is not None:
            out[m.group(1)] = (last, "".join(nb["cells"][last]["source"]))
        elif "otter_answer_cell" in c["metadata"].get("tags", []):
            last = i
    return out


def fill(template: str, body: str) -> str:
    """The template's starter with its `raise NotImplementedError` line replaced by `body` (indented)."""
    return re.sub(r"^(\s*)raise NotImplementedError\(.*\)\s*$",
                  lambda m: textwrap.indent(body, m.group(1)), template, count=1, flags=re.M)


def pasted(question: str, template: str) -> str:
    """lmcore's first forbidden function for the question, pasted under the asked name."""
    refs = similarity.references(_checks())[question]
    name, code = next((n, c) for n, c in refs.items() if "lmcore" in n)
    asked = re.search(r"def (\w+)\(", template).group(1)
    fn = re.search(r"def (\w+)\(", code).group(1)
    head = template.split("def ")[0]
    return head + code.replace(f"def {fn}(", f"def {asked}(", 1)


def _checks():
    return _built()["checks"]


def _built() -> dict:
    """`lmcourse build loss` once into a temporary folder (kept for the process)."""
    if not hasattr(_built, "cache"):
        from autograder.grade.bundle import Bundle

        tmp = Path(tempfile.mkdtemp(prefix="lmcourse-sim-"))
        subprocess.run([sys.executable, "-m", "autograder.cli", "build", "loss", "--out", str(tmp / "dist")],
                       cwd=ROOT, check=True, capture_output=True)
        zip_path = tmp / "dist" / "loss" / "autograder" / "autograder.zip"
        bundle = Bundle.load(zip_path)
        _built.cache = {"tmp": tmp, "zip": zip_path, "checks": bundle.checks["default"],
                        "template": similarity.template_path(zip_path, "loss")}
    return _built.cache


def measure(rng: random.Random) -> dict:
    """Scores of independent answers vs copies, per kind (the threshold's evidence)."""
    nb = json.loads(BLANK.read_text(encoding="utf-8"))
    starters = starter(nb)
    boiler = similarity.Template.load(_built()["template"]).boilerplate
    refs = similarity.references(_checks())
    kinds: dict[str, list[float]] = {"independent_pair": [], "independent_vs_reference": [], "renamed_copy": [],
                                     "renamed_edited_copy": [], "pasted_lmcore_renamed": [], "template_only": []}
    for q, bodies in BANK.items():
        template = starters[q][1]
        keep = set(re.findall(r"def (\w+)\(", template))
        answers = [fill(template, b) for b in bodies]
        for i, a in enumerate(answers):
            for j in range(i + 1, len(answers)):
                kinds["independent_pair"].append(_pair(q, a, answers[j], boiler))
            if i > 0:  # index 0 is the solution's own style: scored against the references as a copy would be
                kinds["independent_vs_reference"].append(_ref(q, a, refs[q], boiler))
            copy = rename(a, rng, keep)
            kinds["renamed_copy"].append(_pair(q, a, copy, boiler))
            kinds["renamed_edited_copy"].append(_pair(q, a, edit(copy, rng), boiler))
        if any("lmcore" in n for n in refs[q]):
            kinds["pasted_lmcore_renamed"].append(_ref(q, rename(pasted(q, template), rng, keep), refs[q], boiler))
        kinds["template_only"].append(_pair(q, template, template, boiler))
        kinds["template_only"].append(_ref(q, template, refs[q], boiler))
    return {k: {"n": len(v), "min": min(v), "max": max(v), "flagged": sum(x >= similarity.THRESHOLD for x in v)}
            for k, v in kinds.items()}


def _pair(q: str, a: str, b: str, boiler: set[int]) -> float:
    da, db = fingerprints.fingerprint("a", a, boiler), fingerprints.fingerprint("b", b, boiler)
    return similarity.compare(da, db, None, q, both_sides=True).score


def _ref(q: str, a: str, refs: dict[str, str], boiler: set[int]) -> float:
    da = fingerprints.fingerprint("a", a, boiler)
    return max((similarity.compare(da, fingerprints.fingerprint(n, c, boiler), None, q, both_sides=False).score
                for n, c in refs.items()), default=0.0)


def synthesize(n: int, out: Path, rng: random.Random) -> dict[str, set]:
    """N notebooks into `out`; returns the planted copies: {"pairs": {(q, a, b)}, "pastes": {(q, a)}}."""
    nb = json.loads(BLANK.read_text(encoding="utf-8"))
    starters = starter(nb)
    answers: dict[str, dict[str, str]] = {}
    planted: dict[str, set] = {"pairs": set(), "pastes": set()}
    names = [f"s{i:04d}.ipynb" for i in range(n)]
    for k, name in enumerate(names):
        for q, (_, template) in starters.items():
            keep = set(re.findall(r"def (\w+)\(", template))
            body = rng.choice(BANK[q]).split("\n")
            for _ in range(rng.randint(1, 3)):
                at = rng.randint(0, len(body) - 1)
                while body[at].startswith(" "):  # not inside a loop body
                    at -= 1
                body[at:at] = statement(rng).split("\n")
            code = rename(fill(template, "\n".join(body)), rng, keep)
            if k % 50 == 7:  # a copy of the previous student's answer, renamed and edited
                code = edit(rename(answers[names[k - 1]][q], rng, keep), rng)
                planted["pairs"].add((q, names[k - 1], name))
            elif k % 50 == 23 and q in ("q2", "q4", "q6"):  # pasted lmcore
                code = rename(pasted(q, template), rng, keep)
                planted["pastes"].add((q, name))
            answers.setdefault(name, {})[q] = code
        doc = json.loads(json.dumps(nb))
        for q, (cell, _) in starters.items():
            doc["cells"][cell]["source"] = answers[name][q]
        (out / name).write_text(json.dumps(doc), encoding="utf-8")
    return planted


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--grade-n", type=int, default=None, help="grade only the first N of the batch (default: all)")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--measure-only", action="store_true", help="only the score measurements, no batch")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    built = _built()
    result: dict = {"benchmark": "similarity", "cpu_count": os.cpu_count(),
                    "loadavg_1m": round(os.getloadavg()[0], 1), "k": fingerprints.K,
                    "window": fingerprints.WINDOW, "common": similarity.COMMON, "threshold": similarity.THRESHOLD}
    result["scores"] = measure(rng)
    if args.measure_only:
        shutil.rmtree(built["tmp"], ignore_errors=True)
        print(json.dumps(result))
        return
    subs_dir = built["tmp"] / "subs"
    subs_dir.mkdir()
    planted = synthesize(args.n, subs_dir, rng)
    subs = collect([subs_dir])

    compares = [0]
    real_compare = similarity.compare

    def counted(*a, **k):  # pairs actually compared: the work the fingerprint index lets through
        compares[0] += 1
        return real_compare(*a, **k)

    similarity.compare = counted

    def timed(batch: list) -> tuple[list, float, float, int]:
        """Best of 2 runs, each from a cold cache: (pairs, wall s, CPU s, comparisons). CPU time is what to compare
        across sizes on a loaded machine."""
        best, cpu, pairs = float("inf"), float("inf"), []
        for _ in range(2):
            fingerprints.normalize.cache_clear()
            compares[0] = 0
            t0, c0 = time.perf_counter(), time.process_time()
            pairs = similarity.run(batch, built["checks"], built["template"], similarity.THRESHOLD)
            best, cpu = min(best, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
        return pairs, best, cpu, compares[0]

    _, half_s, half_cpu, half_cmp = timed(subs[: args.n // 2])
    pairs, sim_s, sim_cpu, sim_cmp = timed(subs)
    flagged_pairs = {(p.question, p.a, p.b) for p in pairs if not p.b.startswith("reference:")}
    flagged_refs = {(p.question, p.a) for p in pairs if "lmcore" in p.b}
    both_pasted = {x for x in flagged_pairs if (x[0], x[1]) in planted["pastes"] and (x[0], x[2]) in planted["pastes"]}
    grade_n = args.grade_n or args.n
    grade_dir = built["tmp"] / "grade_subs"
    grade_dir.mkdir()
    for s in subs[:grade_n]:
        os.link(s.path, grade_dir / s.name)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "-a", str(built["zip"]), str(grade_dir),
                    "--out", str(built["tmp"] / "grades"), "--quiet", "--no-similarity", "--workers",
                    str(args.workers)], cwd=ROOT, check=True, capture_output=True)
    grade_s = time.perf_counter() - t0
    result.update({
        "loadavg_1m_at_end": round(os.getloadavg()[0], 1),
        "submissions": args.n, "similarity_s": round(sim_s, 2), "similarity_cpu_s": round(sim_cpu, 2),
        "similarity_comparisons": sim_cmp, "similarity_half_batch_s": round(half_s, 2),
        "similarity_half_batch_cpu_s": round(half_cpu, 2), "similarity_half_batch_comparisons": half_cmp,
        "similarity_ms_per_submission": round(1000 * sim_s / args.n, 2),
        "graded_submissions": grade_n, "grade_s": round(grade_s, 2),
        "grade_ms_per_submission": round(1000 * grade_s / grade_n, 1),
        "similarity_over_grading": round((sim_s / args.n) / (grade_s / grade_n), 4),
        "flagged": len(pairs),
        "planted_pairs_found": f"{len(planted['pairs'] & flagged_pairs)}/{len(planted['pairs'])}",
        "planted_pastes_found": f"{len(planted['pastes'] & flagged_refs)}/{len(planted['pastes'])}",
        "pasted_pairs_flagged": len(both_pasted),  # two students who pasted the same lmcore function: true copies
        "unplanted_pairs_flagged": len(flagged_pairs - planted["pairs"] - both_pasted),
        "unplanted_lmcore_flagged": len(flagged_refs - planted["pastes"]),
    })
    shutil.rmtree(built["tmp"], ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
