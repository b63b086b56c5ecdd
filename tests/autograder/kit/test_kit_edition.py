"""The student edition of lmcore: every forbidden function is gone by every import path, what survives works and
gives the full lmcore's numbers, and no name in it is undefined."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

import lmcore
from autograder.kit.edition import forbidden_functions, student_lmcore, write_student_edition
from autograder.kit.lmcore_ast import Package
from lmcore.corpus import WORDS

from .venvs import REACHABLE

SURVIVORS = ["BPETokenizer", "BigramLM", "Corpus", "ENTROPY_FLOOR", "GPT", "GPTConfig", "entropy_rate", "load_corpus"]

# Runs with -I -S (no PYTHONPATH, no site: no .pth, so not the checkout's editable install); sys.path is the
# standard library, the edition, and the site-packages folder that holds torch and numpy.
PROBE = REACHABLE.join(textwrap.dedent("""
    import importlib, json, pkgutil, sys, types
    dest, forbidden = sys.argv[1], json.loads(sys.argv[2])
    sys.path[:0] = [dest]
    sys.path.append(sys.argv[3])
    for name in ("assignments", "solutions", "autograder.build", "autograder.kit"):
        try:
            importlib.import_module(name)
            raise SystemExit(f"{name} is importable: the checkout is on sys.path")
        except ModuleNotFoundError:
            pass
    import lmcore
    assert lmcore.__file__.startswith(dest), lmcore.__file__
    modules = {m.name: importlib.import_module(m.name) for m in pkgutil.iter_modules(lmcore.__path__, "lmcore.")}
    modules["lmcore"] = lmcore

    #REACHABLE

    def functions(obj, seen):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        for value in vars(obj).values():
            value = getattr(value, "__func__", getattr(value, "fget", value))
            if isinstance(value, types.FunctionType):
                yield value.__qualname__
            elif isinstance(value, type) and value.__module__.startswith("lmcore"):
                yield value.__qualname__
                yield from functions(value, seen)

    names = {q for m in modules.values() for q in functions(m, set())}
    found = {}
    for f in forbidden:
        short = f.split(".")[-1] if not f.endswith(".__init__") else f.split(".")[-2]
        qual = ".".join(f.split(".")[2:]).removesuffix(".__init__")
        found[f] = [reachable(f), reachable(f.removesuffix(".__init__")), reachable("lmcore." + short),
                    any(hasattr(m, short) for m in modules.values()), qual in names]
    corpus = lmcore.load_corpus(n_train=3000, n_val=400, seed=7)
    seqs = corpus.sequences("train", min_len=8, max_len=16)
    bigram = lmcore.BigramLM.from_counts(seqs, len(corpus.vocab))
    bpe = lmcore.BPETokenizer.train(corpus.text[:3000], 300)
    gpt = lmcore.GPT(lmcore.GPTConfig(block_size=8, vocab_size=len(corpus.vocab), n_layer=1, n_head=1, n_embd=8))
    print(json.dumps({
        "found": found, "exports": sorted(lmcore.__all__), "vocab": list(corpus.vocab), "ids": corpus.train_ids,
        "table": bigram.logits_table.double().sum().item(), "floor": lmcore.ENTROPY_FLOOR,
        "bpe": bpe.encode("the cat sat on the mat ."), "gpt_params": gpt.num_params(),
        "files": sorted(m.__file__ for m in modules.values()),
    }))
""").split("#REACHABLE\n"))


@pytest.fixture(scope="module")
def forbidden() -> list[str]:
    return forbidden_functions()


@pytest.fixture(scope="module")
def edition(tmp_path_factory, forbidden) -> Path:
    return write_student_edition(tmp_path_factory.mktemp("edition"), forbidden)


def _probe(edition: Path, forbidden: list[str]) -> dict:
    site = sysconfig.get_paths()["purelib"]
    out = subprocess.run([sys.executable, "-I", "-S", "-c", PROBE, str(edition), json.dumps(forbidden), site],
                         capture_output=True, text=True, timeout=300, cwd=edition)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def probed(edition, forbidden) -> dict:
    return _probe(edition, forbidden)


def test_kit_edition_probe_sees_functions_that_are_there(tmp_path, forbidden):
    """The probe is not vacuous: with nothing removed, every forbidden name is found by some path."""
    found = _probe(write_student_edition(tmp_path, []), forbidden)["found"]
    assert {name for name, paths in found.items() if not any(paths)} == set()


def test_kit_forbidden_functions_are_the_questions_lists(forbidden):
    assert "lmcore.losses.sequence_loss" in forbidden and "lmcore.tokenize.Vocabulary.__init__" in forbidden
    assert "lmcore.losses.one_hot" in forbidden and forbidden == sorted(set(forbidden))


def test_kit_edition_has_no_forbidden_function_by_any_path(probed, forbidden):
    assert set(probed["found"]) == set(forbidden)
    leaks = {name: paths for name, paths in probed["found"].items() if any(paths)}
    assert leaks == {}, "forbidden functions still importable (module path, class, lmcore.X, any module, qualname)"


def test_kit_edition_keeps_the_given_tools_only(probed, edition):
    assert set(SURVIVORS) <= set(probed["exports"])
    assert not set(probed["exports"]) & {"Vocabulary", "word_tokenize", "one_hot", "sequence_loss", "train",
                                          "TrainConfig", "dataset_loss", "total_loss", "cross_entropy"}
    shipped = {Path(f).name for f in probed["files"]}
    assert not any(n.startswith(("train", "demo")) for n in shipped), shipped
    assert all(f.startswith(str(edition)) for f in probed["files"])
    tokenize_py = (edition / "lmcore" / "tokenize.py").read_text()
    assert "_TOKEN_RE" not in tokenize_py and "def " not in tokenize_py  # the tokenizer's regex goes with it


def test_kit_edition_survivors_give_full_lmcore_numbers(probed):
    corpus = lmcore.load_corpus(n_train=3000, n_val=400, seed=7)
    seqs = corpus.sequences("train", min_len=8, max_len=16)
    assert probed["vocab"] == list(corpus.vocab) and probed["ids"] == corpus.train_ids
    assert probed["table"] == lmcore.BigramLM.from_counts(seqs, len(corpus.vocab)).logits_table.double().sum().item()
    assert probed["floor"] == lmcore.ENTROPY_FLOOR
    assert probed["bpe"] == lmcore.BPETokenizer.train(corpus.text[:3000], 300).encode("the cat sat on the mat .")
    assert probed["gpt_params"] == lmcore.GPT(lmcore.GPTConfig(block_size=8, vocab_size=len(corpus.vocab), n_layer=1,
                                                               n_head=1, n_embd=8)).num_params()


def test_kit_edition_has_no_undefined_or_unused_name(edition):
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "F",
                          str(edition / "lmcore")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_kit_corpus_vocab_is_the_vocabulary_it_replaced():
    corpus = lmcore.load_corpus(n_train=500, n_val=100)
    built = lmcore.Vocabulary.build([WORDS])
    assert list(corpus.vocab) == built.itos
    assert corpus.train_ids == built.encode(corpus.train_tokens) and corpus.val_ids == built.encode(corpus.val_tokens)


def _package(tmp_path: Path, files: dict[str, str]) -> Package:
    root = tmp_path / "pkg"
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    return Package.parse(root, "pkg", ["train*"])


def test_kit_edition_removes_dependents_transitively(tmp_path):
    pkg = _package(tmp_path, {
        "__init__.py": """
            from .a import Box, helper, uses_helper, uses_box
            from .train import fit
            __all__ = ["Box", "helper", "uses_helper", "uses_box", "fit"]
        """,
        "a.py": """
            import math

            _SECRET = 3  # only helper needs it


            def helper(x):
                return x * _SECRET


            def uses_helper(x):
                return math.sqrt(helper(x))


            class Box:
                def __init__(self, v):
                    self.v = v

                def peek(self):
                    return self.v

                def twice(self):
                    return 2 * self.peek()

                def size(self):
                    return len(str(self.v))


            def uses_box():
                return Box(1).twice()
        """,
        "train.py": "def fit():\n    return 1\n",
    })
    files = pkg.edition(["pkg.helper", "pkg.a.Box.peek"])
    a, init = files["a.py"], files["__init__.py"]
    assert "def helper" not in a and "_SECRET" not in a and "uses_helper" not in a and "import math" not in a
    assert "def peek" not in a and "def twice" not in a and "def size" in a and "uses_box" not in a
    assert "from .a import Box\n" in init and "fit" not in init and "train.py" not in files
    assert '"Box"' in init and '"helper"' not in init
    gone = pkg.edition(["pkg.a.Box.__init__"])
    assert "class Box" not in gone["a.py"] and "def helper" in gone["a.py"]


def test_kit_edition_unknown_forbidden_name_is_a_clear_error(tmp_path):
    pkg = _package(tmp_path, {"__init__.py": "from .a import f\n", "a.py": "def f():\n    return 1\n"})
    with pytest.raises(ValueError, match="pkg.a.nope"):
        pkg.edition(["pkg.a.nope"])
    assert "def f" in pkg.edition(["torch.nn.functional.cross_entropy"])["a.py"]  # not ours: left alone


def test_kit_student_lmcore_is_generated_from_the_real_sources(forbidden):
    files = student_lmcore(forbidden)
    real = Path(lmcore.__file__).parent
    for line in files["model.py"].splitlines():
        assert line in (real / "model.py").read_text().splitlines()
