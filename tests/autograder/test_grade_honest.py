"""Honest notebooks score what stock `otter run` gives (issue 22): the correct `loss` notebook with every answer cell
decorated the way students write in Jupyter (cell and line magics, display, /dev/null, multiprocessing, torch.compile,
a subprocess of the interpreter, shell commands) scores in full, next to innocent neighbours whose rows stay the
solo run's."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grade_fixtures as gf
import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the jail (and its /dev, /proc, interpreter) needs root, "
                                "as in CI")
EXAMPLES = gf.ROOT / "examples" / "submissions" / gf.ASSIGNMENT
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text())
INNOCENT = {"a_correct.ipynb": "correct.ipynb", "m_mean.ipynb": "mean_instead_of_sum.ipynb",
            "n_blank.ipynb": "blank.ipynb", "z_correct.ipynb": "correct.ipynb"}

POOL = """from multiprocessing import Pool


def _square(x):
    return x * x


with Pool(2) as _pool:
    assert _pool.map(_square, range(5)) == [0, 1, 4, 9, 16]
"""
SUBPROCESS = """import subprocess
import sys

_run = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, check=True)
assert _run.stdout == "42\\n", _run
"""
DEVNULL = """import os

with open(os.devnull, "w") as _sink:
    print("not shown", file=_sink)
with open("/dev/urandom", "rb") as _noise:
    assert len(_noise.read(4)) == 4
"""
PLOT = """%matplotlib inline
import matplotlib.pyplot as plt

plt.plot([3, 2, 1])
plt.show()
"""


def _compiled(src: str) -> str:
    names = re.findall(r"^def (\w+)\(", src, flags=re.M)
    return src + "\n\nimport torch\n" + "".join(f"{n} = torch.compile({n})\n" for n in names)


# each: how an answer cell (one that defines a function or the MCQ answer) is written
DECORATIONS = {
    "time": lambda src: "%%time\n%timeit -n1 -r1 sum(range(10))\n" + src,
    "line_magics": lambda src: "%time _t = sum(range(10))\n%load_ext autoreload\n%autoreload 2\n" + src,
    "capture": lambda src: "%%capture _captured\nprint('kept in _captured')\n" + src,
    "display": lambda src: "from IPython.display import Markdown\ndisplay(Markdown('**an answer**'))\n"
                           "display(3, 'answers')\n" + src,
    "devnull": lambda src: DEVNULL + src,
    "pool": lambda src: POOL + src,
    "compile": _compiled,
    "subprocess": lambda src: SUBPROCESS + src,
    "shell": lambda src: "!echo hello\n_listing = !ls /\n%pip install --quiet nothing-here\n" + src,
    "matplotlib": lambda src: PLOT + src,
}


def decorate(notebook: Path, how: str, dest: Path) -> Path:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for c in nb["cells"]:
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        if c["cell_type"] == "code" and (re.search(r"^def \w+\(", src, flags=re.M) or "_answer =" in src):
            c["source"] = DECORATIONS[how](src)
    dest.write_text(json.dumps(nb), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("honest")
    built = gf.build(tmp / "dist")
    subs = tmp / "subs"
    subs.mkdir()
    for name, src in INNOCENT.items():
        shutil.copy(EXAMPLES / src, subs / name)
    for how in DECORATIONS:
        decorate(EXAMPLES / "correct.ipynb", how, subs / f"h_{how}.ipynb")
    zip_path = built / "autograder" / "autograder.zip"
    proc = gf.grade(zip_path, [subs], tmp / "out", "--workers", "2", "--timeout", "60", "--no-similarity",
                    check=False)
    return {"proc": proc, "out": tmp / "out", "zip": zip_path, "tmp": tmp,
            "grades": gf.grades(tmp / "out") if proc.returncode == 0 else {}}


def test_grade_honest_batch_finishes_and_innocent_rows_are_unchanged(honest: dict) -> None:
    assert honest["proc"].returncode == 0, honest["proc"].stderr[-3000:]
    for name, src in INNOCENT.items():
        row = honest["grades"][name]
        assert (float(row["total_points_earned"]), row["grading_status"]) == (EXPECTED[src], "Completed"), name


@pytest.mark.parametrize("how", list(DECORATIONS))
def test_grade_honest_decorated_correct_notebook_scores_in_full(honest: dict, how: str) -> None:
    row = honest["grades"][f"h_{how}.ipynb"]
    output = gf.result(honest["out"], f"h_{how}.ipynb")["output"]
    assert row["grading_status"] == "Completed", output[-2000:]
    assert float(row["total_points_earned"]) == EXPECTED["correct.ipynb"], output[-3000:]
    assert "Traceback" not in output and "Error" not in output, output[-3000:]


def test_grade_honest_magics_do_what_ipython_does(honest: dict) -> None:
    out = {how: gf.result(honest["out"], f"h_{how}.ipynb")["output"] for how in ("time", "shell", "display")}
    assert "Wall time:" in out["time"] and "per loop" in out["time"]  # %%time ran its body and timed it
    assert "not run while grading" in out["shell"] and "!echo hello" in out["shell"]
    assert "answers" in out["display"]  # display() printed its text form, as a terminal IPython does


@pytest.mark.slow
def test_grade_honest_scores_match_stock_otter(honest: dict) -> None:
    """Stock `otter run` on the same decorated notebooks (a sample: each costs it a Jupyter kernel with torch)."""
    otter = Path(sys.executable).with_name("otter")
    for how in ("time", "display", "pool", "shell"):
        out = honest["tmp"] / "otter" / how
        out.mkdir(parents=True)
        nb = honest["tmp"] / "subs" / f"h_{how}.ipynb"
        subprocess.run([str(otter), "run", "-a", str(honest["zip"]), "-o", str(out), str(nb)], check=True,
                       capture_output=True, cwd=out)
        theirs = sum(t.get("score") or 0 for t in json.loads((out / "results.json").read_text())["tests"]
                     if "max_score" in t)
        assert float(honest["grades"][f"h_{how}.ipynb"]["total_points_earned"]) == theirs, how
