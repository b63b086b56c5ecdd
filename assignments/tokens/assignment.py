"""Assignment "tokens": word tokenization, a vocabulary, the indexed sequence with <unk>, decoding, and one-hot
ground-truth distributions. Every expected value is computed with lmcore (word_tokenize, Vocabulary, one_hot).

Parameter space of a variant: two training sentences and a test sentence holding one word outside the vocabulary,
all drawn from the quiz word bank; a hidden text with commas for the tokenizer. The default variant (seed None)
uses the card's ('The', 'cat', 'sat', 'on') world. The data cell holds only the texts: the tokens, the vocabulary
and the ids are what the questions ask for, so they reach students only through their own functions.
"""

from __future__ import annotations

import random

import lmcore

TITLE = "From text to token ids and one-hot targets"


def params(seed: int | None) -> dict:
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
    return {"text": text, "test_text": test_text, "hidden_text": hidden_text, "train_tokens": train_tokens,
            "vocab": vocab.itos, "test_tokens": test_tokens, "test_ids": vocab.encode(test_tokens)}


def data_cell(p: dict) -> str:
    """The data cell the student sees; also run before each probe, so tests use this data, not edited copies."""
    return "\n".join([
        "import torch", "",
        f"TEXT = {p['text']!r}  # the training text",
        f"TEST_TEXT = {p['test_text']!r}  # one of its words is not in the training text",
    ])
