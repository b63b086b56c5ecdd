"""Assignment "tokens": word tokenization, a vocabulary, the indexed sequence with <unk>, decoding, and one-hot
ground-truth distributions. Every expected value is computed with lmcore (word_tokenize, Vocabulary, one_hot).

Parameter space of a variant: two training sentences and a test sentence holding one word outside the vocabulary,
all drawn from the quiz word bank; a hidden text with commas for the tokenizer. The default variant uses the card's
('The', 'cat', 'sat', 'on') world.
"""

from __future__ import annotations

import random

import lmcore
from autograder.build_mcq import draw
from autograder.runtime.checks import Checks, Mistake, Question, Test
from autograder.variants import variant_seed

ID = "tokens"
TITLE = "From text to token ids and one-hot targets"
MCQ_ITEMS = {"q6": "one_hot_target"}


def params(variant: str) -> dict:
    seed = variant_seed(variant)
    if seed is None:
        text = "The cat sat on the mat. The dog sat on the log."
        test_text = "The cat sat on the rug."
        hidden_text = "My dog, the cat and the bird slept; the owl waited!"
    else:
        from assignments.quiz._common import NOUNS, OBJS, sentence_tokens

        rng = random.Random(seed)
        s1, s2 = (sentence_tokens(rng, 5, 6) for _ in range(2))
        text = " ".join(s1) + ". " + " ".join(s2) + "."
        unseen = [w for w in OBJS if w not in text.split()]
        test = sentence_tokens(rng, 6, 6)
        test[-1] = rng.choice(unseen)
        test_text = " ".join(test) + "."
        a, b, c = rng.sample(NOUNS, 3)
        hidden_text = f"My {a}, the {b} and the {c} {rng.choice(['slept', 'ran', 'waited'])}; the {a} sat!"
    train_tokens = lmcore.word_tokenize(text)
    vocab = lmcore.Vocabulary.build([train_tokens])
    test_tokens = lmcore.word_tokenize(test_text)
    return {"variant": variant, "text": text, "test_text": test_text, "hidden_text": hidden_text,
            "train_tokens": train_tokens, "vocab": vocab.itos, "test_tokens": test_tokens,
            "test_ids": vocab.encode(test_tokens), "mcq": {q: draw(item, variant) for q, item in MCQ_ITEMS.items()}}


def setup_code(p: dict) -> str:
    """The data cell the student sees; also run before each probe, so tests use this data, not edited copies."""
    return "\n".join([
        "import torch", "",
        f"TEXT = {p['text']!r}",
        f"TEST_TEXT = {p['test_text']!r}",
        f"TRAIN_TOKENS = {p['train_tokens']!r}",
        f"VOCAB = {p['vocab']!r}  # id -> token: specials first, then by falling frequency (ties alphabetical)",
        f"TEST_TOKENS = {p['test_tokens']!r}",
        f"TEST_IDS = {p['test_ids']!r}",
    ])


def template_vars(p: dict) -> dict:
    return {"setup": setup_code(p)}


def _first_seen(tokens: list[str]) -> list[str]:
    return [*lmcore.DEFAULT_SPECIALS, *[t for t in dict.fromkeys(tokens) if t not in lmcore.DEFAULT_SPECIALS]]


def checks(p: dict) -> Checks:
    V = len(p["vocab"])
    vocab = lmcore.Vocabulary(p["vocab"])
    hidden_tokens = lmcore.word_tokenize(p["hidden_text"])
    hidden_vocab = lmcore.Vocabulary.build([hidden_tokens])
    ids = p["test_ids"]
    onehot = lmcore.one_hot(ids[1:], V)

    def vocab_mistakes(tokens: list[str]) -> list[Mistake]:
        built = lmcore.Vocabulary.build([tokens]).itos
        return [
            Mistake("first-seen-order", _first_seen(tokens), "your tokens are in order of first appearance; sort "
                    "them by falling frequency, ties alphabetical.") if _first_seen(tokens) != built else None,
            Mistake("no-specials", built[len(lmcore.DEFAULT_SPECIALS):], "the specials <pad>, <unk>, <bos>, <eos> "
                    "must come first, with ids 0..3."),
        ]

    qs = [
        Question("q1", 2, [
            Test("q1 tokenizes the text", "tokenize(TEXT)", p["train_tokens"], kind="exact",
                 failure_message="split into words and punctuation marks, each mark a token of its own."),
            Test("q1 on a text with commas", f"tokenize({p['hidden_text']!r})", hidden_tokens, kind="exact",
                 hidden=True, failure_message="every punctuation mark is a token of its own."),
        ], forbidden=["lmcore.tokenize.word_tokenize"]),
        Question("q2", 2, [
            Test("q2 vocabulary", "build_vocab(TRAIN_TOKENS)", p["vocab"], kind="exact",
                 mistakes=[m for m in vocab_mistakes(p["train_tokens"]) if m]),
            Test("q2 another vocabulary", f"build_vocab({hidden_tokens!r})", hidden_vocab.itos, kind="exact",
                 hidden=True, mistakes=[m for m in vocab_mistakes(hidden_tokens) if m]),
        ], forbidden=["lmcore.tokenize.Vocabulary.build", "lmcore.tokenize.Vocabulary.__init__"]),
        Question("q3", 2, [
            Test("q3 indexed sequence", "encode(TEST_TOKENS, VOCAB)", ids, kind="exact", mistakes=[
                Mistake("dropped-unknown", [vocab.stoi[t] for t in p["test_tokens"] if t in vocab],
                        "you dropped the unknown token; map it to the id of <unk> instead."),
            ]),
            Test("q3 unknown words", "encode(['zebra', 'quokka'], VOCAB)", [vocab.unk_id] * 2, kind="exact",
                 hidden=True, failure_message="a token outside the vocabulary maps to the id of <unk>."),
        ], forbidden=["lmcore.tokenize.Vocabulary.encode", "lmcore.tokenize.Vocabulary.token_to_id"]),
        Question("q4", 1, [
            Test("q4 decodes the ids", "decode(TEST_IDS, VOCAB)", vocab.decode(ids), kind="exact",
                 failure_message="map each id back to its token (the unknown word comes back as <unk>)."),
        ], forbidden=["lmcore.tokenize.Vocabulary.decode", "lmcore.tokenize.Vocabulary.id_to_token"]),
        Question("q5", 3, [
            Test("q5 one-hot targets", "one_hot_targets(TEST_IDS, len(VOCAB))", onehot.tolist(), kind="array",
                 shape=list(onehot.shape), dtype="float32", mistakes=[
                     Mistake("row-for-x0", lmcore.one_hot(ids, V).tolist(), "you made a row for x_0 too; the "
                             "targets are x_1..x_m, one row per prediction step (x_0 is context only)."),
                 ]),
            Test("q5 one 1 per row", "one_hot_targets(TEST_IDS, len(VOCAB)).sum(-1)", [1.0] * (len(ids) - 1),
                 kind="array", failure_message="each row is a distribution with a single 1."),
            Test("q5 another sequence", "one_hot_targets([4, 2, 0, 3], 6)", lmcore.one_hot([2, 0, 3], 6).tolist(),
                 kind="array", shape=[3, 6], dtype="float32", hidden=True, mistakes=[
                     Mistake("row-for-x0", lmcore.one_hot([4, 2, 0, 3], 6).tolist(), "you made a row for x_0 too; "
                             "one row per target x_1..x_m.")]),
        ], forbidden=["lmcore.losses.one_hot"]),
    ]
    for q, mcq in p["mcq"].items():
        qs.append(Question(q, 1, [Test(f"{q} answer", f"{q}_answer", mcq.key, kind="choice", hidden=True)],
                           kind="mcq"))
    return Checks(ID, qs, variant=p["variant"], setup=setup_code(p))
