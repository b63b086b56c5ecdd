"""build_vocab: specials first (ids 0..3), then tokens by falling frequency, ties alphabetical."""

import lmcore
from autograder.runtime.checks import Mistake, Question, Test


def _first_seen(tokens: list[str]) -> list[str]:
    return [*lmcore.DEFAULT_SPECIALS, *[t for t in dict.fromkeys(tokens) if t not in lmcore.DEFAULT_SPECIALS]]


def _mistakes(tokens: list[str]) -> list[Mistake]:
    built = lmcore.Vocabulary.build([tokens]).itos
    out = [Mistake("no-specials", built[len(lmcore.DEFAULT_SPECIALS):], "the specials <pad>, <unk>, <bos>, <eos> "
                   "must come first, with ids 0..3.")]
    if _first_seen(tokens) != built:
        out.insert(0, Mistake("first-seen-order", _first_seen(tokens), "your tokens are in order of first "
                              "appearance; sort them by falling frequency, ties alphabetical."))
    return out


def question(p: dict, name: str) -> Question:
    hidden = lmcore.word_tokenize(p["hidden_text"])  # the probes get the tokens as data, not from tokenize()
    return Question(name, 2, [
        Test(f"{name} vocabulary", f"build_vocab({p['train_tokens']!r})", p["vocab"], kind="exact",
             mistakes=_mistakes(p["train_tokens"])),
        Test(f"{name} another vocabulary", f"build_vocab({hidden!r})", lmcore.Vocabulary.build([hidden]).itos,
             kind="exact", hidden=True, mistakes=_mistakes(hidden)),
    ], forbidden=["lmcore.tokenize.Vocabulary.build", "lmcore.tokenize.Vocabulary.__init__"])
