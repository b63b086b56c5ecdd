"""encode: token -> its position in the vocabulary, the id of <unk> for a token outside it (never dropped)."""

import lmcore
from assignments.signatures import distinct
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = "def encode(tokens, vocab):\n"
REQUIREMENTS = [
    Requirement("a token outside the vocabulary gets the id of <unk>, never dropped", ["indexed sequence",
                                                                                       "unknown words"],
                FN + "    return [vocab.index(t) for t in tokens if t in vocab]\n", "dropped-unknown",
                prompt=['gets the id of "<unk>"', "never dropped"]),
    Requirement("a token's id is its position in vocab, counted from 0", ["indexed sequence", "another vocabulary"],
                FN + "    ids = {t: i + 1 for i, t in enumerate(vocab)}\n"
                "    return [ids.get(t, ids['<unk>']) for t in tokens]\n", "one-based-ids",
                prompt=["its position in `vocab`"]),
    Requirement("it uses the vocab it is given", ["another vocabulary"],
                FN + "    mine = build_vocab(tokenize(TEXT))\n"
                "    return [mine.index(t) if t in mine else 1 for t in tokens]\n", "ignored-argument",
                prompt=["`vocab` (a list like `build_vocab`'s)"]),
]


def _mistakes(tokens: list[str], itos: list[str], default_itos: list[str]) -> list[Mistake]:
    vocab, default = lmcore.Vocabulary(itos), lmcore.Vocabulary(default_itos)
    ids, unk = vocab.encode(tokens), vocab.unk_id
    unknown = "a token outside the vocabulary must get the id of <unk>"
    return [
        Mistake("dropped-unknown", [vocab.stoi[t] for t in tokens if t in vocab], "you dropped the unknown token; "
                "map it to the id of <unk> instead."),
        *[Mistake("wrong-unk-id", [i if t in vocab else bad for t, i in zip(tokens, ids, strict=True)],
                  f"{unknown} ({unk}), not {bad}.") for bad in (0, -1, len(itos), None)],
        Mistake("one-based-ids", [i + 1 for i in ids], "ids count from 0: a token's id is its position in the "
                "vocabulary (you added 1)."),
        Mistake("case-folded", [vocab.stoi.get(t.lower(), unk) for t in tokens], "you looked tokens up in lower "
                "case: 'The' and 'the' have different ids."),
        Mistake("not-in-order", sorted(ids), "the ids must follow the order of the tokens."),
        Mistake("not-in-order", ids[::-1], "the ids must follow the order of the tokens."),
        Mistake("ignored-argument", default.encode(tokens), "these are the ids in the notebook's vocabulary: use "
                "the `vocab` the function is given."),
        Mistake("unknown-raises", {"raises": "ValueError"}, f"your code failed on a token outside the vocabulary "
                f"(list.index raises ValueError): {unknown}."),
        Mistake("unknown-raises", {"raises": "KeyError"}, f"your code failed on a token outside the vocabulary "
                f"(a dict lookup raised KeyError): {unknown}."),
    ]


def question(p: dict, name: str) -> Question:
    itos, other = p["vocab"], p["hidden_vocab"]

    def test(label: str, tokens: list[str], vocab: list[str], hidden: bool = False) -> Test:
        return distinct(Test(f"{name} {label}", f"encode({tokens!r}, {vocab!r})",
                             lmcore.Vocabulary(vocab).encode(tokens), kind="exact", hidden=hidden,
                             mistakes=_mistakes(tokens, vocab, itos)))

    return Question(name, 3, [
        test("indexed sequence", p["test_tokens"], itos),
        test("unknown words", ["zebra", *p["test_tokens"][:2], "quokka"], itos, hidden=True),
        test("another vocabulary", p["hidden_tokens"] + ["zebra"], other, hidden=True),
    ], forbidden=["lmcore.tokenize.Vocabulary.encode", "lmcore.tokenize.Vocabulary.token_to_id"])
