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
from assignments.quiz._common import NOUNS, OBJS, VERBS, sentence_tokens
from autograder.runtime.mistakes import Known

TITLE = "From text to token ids and one-hot targets"
# mistakes several of this assignment's questions can make (the catalogue's shared ones: autograder/runtime/mistakes.py)
MISTAKES = {
    "case-folded": Known("case folded", "keep the case of every letter: 'The' and 'the' are different tokens."),
    "not-in-order": Known("order or repeats lost", "keep every token in the order of the text, repeats too."),
    "one-based-ids": Known("ids counted from 1", "a token's id is its position in the vocabulary, counted from 0."),
    "dropped-unknown": Known("unknown token dropped", "a token outside the vocabulary maps to <unk> (and <unk> "
                             "decodes back to '<unk>'): never drop it."),
}
HYPHENATED = ["well-fed", "half-asleep", "long-haired", "old-fashioned", "sure-footed", "bright-eyed"]


def params(seed: int | None) -> dict:
    if seed is None:
        text = "The cat sat on the mat. The dog sat on the log."
        test_text = "The cat sat on the rug."
        hidden_text = "My dog, the cat and the bird slept; the owl waited!"
        example = "It's a well-known cat, isn't it?"
        rng = random.Random(0)
    else:
        rng = random.Random(seed)
        s1, s2 = (sentence_tokens(rng, 5, 6) for _ in range(2))
        text = " ".join(s1) + ". " + " ".join(s2) + "."
        unseen = [w for w in OBJS if w not in text.split()]
        test = sentence_tokens(rng, 6, 6)
        test[-1] = rng.choice(unseen)
        test_text = " ".join(test) + "."
        a, b, c = rng.sample(NOUNS, 3)
        hidden_text = f"My {a}, the {b} and the {c} {rng.choice(['slept', 'ran', 'waited'])}; the {a} sat!"
        n, m = rng.sample(NOUNS, 2)
        example = f"It's a {rng.choice(HYPHENATED)} {n}, isn't it? The {m}'s {rng.choice(VERBS)}."
    # hidden tests' texts: an inner apostrophe and hyphen, a run of marks with tabs and newlines
    n1, n2, n3 = rng.sample(NOUNS, 3)
    inner = f"The {n1}'s {rng.choice(HYPHENATED)} {n2} doesn't {rng.choice(VERBS)} near the {n3}'s {rng.choice(OBJS)}"
    runs = f"Wait... the {n2} {rng.choice(VERBS)}?! No --\tthe {n3} {rng.choice(VERBS)}\non the {rng.choice(OBJS)}!!"
    train_tokens = lmcore.word_tokenize(text)
    vocab = lmcore.Vocabulary.build([train_tokens])
    test_tokens = lmcore.word_tokenize(test_text)
    hidden_tokens = lmcore.word_tokenize(hidden_text)
    return {"text": text, "test_text": test_text, "hidden_text": hidden_text, "train_tokens": train_tokens,
            "vocab": vocab.itos, "test_tokens": test_tokens, "test_ids": vocab.encode(test_tokens),
            "example_text": example, "example_tokens": lmcore.word_tokenize(example), "inner_text": inner,
            "runs_text": runs, "hidden_tokens": hidden_tokens,
            "hidden_vocab": lmcore.Vocabulary.build([hidden_tokens, lmcore.word_tokenize(inner)]).itos}


def data_cell(p: dict) -> str:
    """The data cell the student sees; also run before each probe, so tests use this data, not edited copies."""
    return "\n".join([
        "import torch", "",
        f"TEXT = {p['text']!r}  # the training text",
        f"TEST_TEXT = {p['test_text']!r}  # one of its words is not in the training text",
    ])
