"""build_vocab: specials first (ids 0..3), then every other token once, by falling frequency, ties in sorted order."""

import lmcore
from assignments.signatures import distinct
from assignments.tokens.common import wrong_vocabularies
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = ("from collections import Counter\n\nSPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>']\n\n\n"
      "def build_vocab(tokens):\n")
COUNT = "    counts = Counter(t for t in tokens if t not in SPECIALS)\n"
MESSAGES = {
    "first-seen-order": "your tokens are in order of first appearance; sort them by falling frequency, ties in "
                        "sorted order.",
    "no-specials": "the specials <pad>, <unk>, <bos>, <eos> must come first, with ids 0..3.",
    "frequency-ignored": "your tokens are sorted alphabetically only: sort by falling frequency first, then ties in "
                         "sorted order.",
    "ties-not-alphabetical": "tokens of equal frequency must be in sorted order (Python's sorted: uppercase before "
                             "lowercase); yours keep another order.",
    "rising-frequency": "the most frequent token comes first: sort by falling frequency, not rising.",
    "specials-last": "the specials come first (ids 0..3), not after the other tokens.",
    "specials-order": "the specials come in this order: <pad>, <unk>, <bos>, <eos> (ids 0, 1, 2, 3).",
    "repeats-kept": "a token appears once in the vocabulary, however often it occurs in the text.",
    "special-duplicated": "a special token that occurs in `tokens` is already in the vocabulary: do not add it again.",
    "case-folded": "the case changed: 'The' and 'the' are different tokens, each with its own id.",
}
REQUIREMENTS = [
    Requirement("the specials first, ids 0..3", ["vocabulary", "another vocabulary"],
                FN + COUNT + "    return sorted(counts, key=lambda t: (-counts[t], t))\n", "no-specials",
                prompt=["first"]),
    Requirement("the specials in the order <pad>, <unk>, <bos>, <eos>", ["vocabulary"],
                FN + COUNT + "    return sorted(SPECIALS) + sorted(counts, key=lambda t: (-counts[t], t))\n",
                "specials-order", prompt=['["<pad>", "<unk>", "<bos>", "<eos>"]']),
    Requirement("then the other tokens by falling frequency", ["vocabulary", "another vocabulary"],
                FN + COUNT + "    return SPECIALS + list(counts)\n", "first-seen-order", prompt=["falling frequency"]),
    Requirement("ties in sorted order", ["vocabulary", "another vocabulary"],
                FN + COUNT + "    return SPECIALS + [t for t, _ in counts.most_common()]\n", "ties-not-alphabetical",
                prompt=["ties in `sorted` order"]),
    Requirement("each token once", ["vocabulary", "another vocabulary"],
                FN + COUNT + "    return SPECIALS + sorted((t for t in tokens if t not in SPECIALS), "
                "key=lambda t: (-counts[t], t))\n", "repeats-kept", prompt=["once"]),
    Requirement("a special found in the tokens is not added again", ["tokens holding specials"],
                FN + "    counts = Counter(tokens)\n"
                "    return SPECIALS + sorted(counts, key=lambda t: (-counts[t], t))\n",
                "special-duplicated", prompt=["is not added again"]),
]


def _test(name: str, label: str, tokens: list[str], hidden: bool = False) -> Test:
    mistakes = [Mistake(mid, value, MESSAGES[mid]) for mid, values in wrong_vocabularies(tokens).items()
                for value in values]
    return distinct(Test(f"{name} {label}", f"build_vocab({tokens!r})", lmcore.Vocabulary.build([tokens]).itos,
                         kind="exact", hidden=hidden, mistakes=mistakes))


def question(p: dict, name: str) -> Question:
    hidden = p["hidden_tokens"]  # the probes get the tokens as data, not from tokenize()
    with_specials = ["<bos>", *lmcore.word_tokenize(p["inner_text"]), "<eos>", "<unk>", "<eos>"]
    return Question(name, 3, [
        _test(name, "vocabulary", p["train_tokens"]),
        _test(name, "another vocabulary", hidden, hidden=True),
        _test(name, "tokens holding specials", with_specials, hidden=True),
    ], forbidden=["lmcore.tokenize.Vocabulary.build", "lmcore.tokenize.Vocabulary.__init__"])
