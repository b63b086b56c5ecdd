"""decode: id -> its token in the vocabulary (an unknown word comes back as <unk>)."""

import lmcore
from assignments.signatures import distinct
from autograder.runtime.checks import Mistake, Question, Test
from autograder.runtime.requirements import Requirement

FN = "def decode(ids, vocab):\n"
REQUIREMENTS = [
    Requirement("each id's token in vocab (position = id, counted from 0)", ["decodes the ids", "another vocabulary"],
                FN + "    return [vocab[i - 1] for i in ids]\n", "one-based-ids", prompt=["each id's token"]),
    Requirement("a list of tokens, not a joined string", ["decodes the ids", "another vocabulary"],
                FN + "    return ' '.join(vocab[i] for i in ids)\n", "wrong-type", prompt=["the list of tokens"]),
    Requirement("the unknown word comes back as <unk>", ["decodes the ids"],
                FN + "    return [vocab[i] for i in ids if vocab[i] != '<unk>']\n", "dropped-unknown",
                prompt=['comes back as "<unk>"']),
    Requirement("it uses the vocab it is given", ["another vocabulary"],
                FN + "    mine = build_vocab(tokenize(TEXT))\n    return [mine[i] for i in ids]\n", "ignored-argument",
                prompt=["`vocab`"]),
]


def _mistakes(ids: list[int], itos: list[str], default_itos: list[str]) -> list[Mistake]:
    tokens = lmcore.Vocabulary(itos).decode(ids)
    return [
        Mistake("one-based-ids", [itos[i - 1] for i in ids], "ids count from 0: id i is the token at position i "
                "(you took the one before)."),
        Mistake("wrong-type", " ".join(tokens), "return the list of tokens, not one string joined from them."),
        Mistake("wrong-type", "".join(tokens), "return the list of tokens, not one string joined from them."),
        Mistake("dropped-unknown", [t for t in tokens if t not in lmcore.DEFAULT_SPECIALS], "the unknown word "
                "comes back as '<unk>': keep every id's token, specials too."),
        Mistake("case-folded", [t.lower() for t in tokens], "the case changed: return each token as the vocabulary "
                "holds it."),
        Mistake("not-in-order", sorted(tokens), "the tokens must follow the order of the ids."),
        Mistake("not-in-order", sorted(set(tokens)), "return one token per id, in the order of the ids."),
        Mistake("not-in-order", tokens[::-1], "the tokens must follow the order of the ids."),
        Mistake("ignored-argument", [default_itos[i] for i in ids], "these are the "
                "tokens of the notebook's vocabulary: use the `vocab` the function is given."),
    ]


def question(p: dict, name: str) -> Question:
    itos, other = p["vocab"], p["hidden_vocab"]
    # ids the notebook's vocabulary has too, so decoding them with it (ignoring `vocab`) gives other tokens, no error
    other_ids = [i for i in lmcore.Vocabulary(other).encode(p["hidden_tokens"] + ["zebra"]) if i < len(itos)]

    def test(label: str, ids: list[int], vocab: list[str], hidden: bool = False) -> Test:
        return distinct(Test(f"{name} {label}", f"decode({ids!r}, {vocab!r})", lmcore.Vocabulary(vocab).decode(ids),
                             kind="exact", hidden=hidden, mistakes=_mistakes(ids, vocab, itos),
                             failure_message="map each id back to its token in `vocab`."))

    return Question(name, 2, [
        test("decodes the ids", p["test_ids"], itos),
        test("another vocabulary", other_ids, other, hidden=True),
    ], forbidden=["lmcore.tokenize.Vocabulary.decode", "lmcore.tokenize.Vocabulary.id_to_token"])
