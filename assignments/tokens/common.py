"""What known wrong tokenizers and vocabularies make of the assignment's inputs (build time, full lmcore).

A mistake is named by its value on a test's input, so each wrong way of tokenizing is written once here, as the
regular expression or loop a student writes, and applied to every text the tests use.
"""

from __future__ import annotations

import re
from collections import Counter

import lmcore
from lmcore.bpe import _CHUNK_RE  # GPT-2's pre-tokenizer, in the student edition (BPETokenizer needs it)

SPECIALS = list(lmcore.DEFAULT_SPECIALS)
WORD = r"\w+(?:['\u2019-]\w+)*"


def wrong_tokenizations(text: str) -> dict[str, list[list[str]]]:
    """mistake id -> the token lists a tokenizer making that mistake returns for `text`."""
    chunks = _CHUNK_RE.findall(text)
    # GPT-2's pre-tokenizer + strip splits "isn't" into "isn", "'t" and keeps "?!" whole: on a text with inner
    # apostrophes or hyphens that is the first mistake, on one with a run of marks the second
    gpt2 = [[c.strip() for c in chunks if c.strip()], [c.strip() for c in chunks]]
    inner = bool(re.search(r"\w['\u2019-]\w", text))
    return {
        "punctuation-attached": [text.split()],
        "punctuation-dropped": [re.findall(WORD, text), re.findall(r"\w+", text)],
        "inner-word-split": [re.findall(r"\w+|[^\w\s]", text), re.findall(r"[\w']+|[^\w\s]", text),
                             *(gpt2 if inner else [])],
        "punctuation-run-merged": [re.findall(WORD + r"|[^\w\s]+", text), *([] if inner else gpt2)],
        "case-folded": [lmcore.word_tokenize(text.lower())],
        "whitespace-kept": [[t for t in re.split(r"(\W)", text) if t], re.split(r"(\W)", text)],
        "not-in-order": [sorted(set(lmcore.word_tokenize(text))), list(dict.fromkeys(lmcore.word_tokenize(text))),
                         lmcore.word_tokenize(text)[::-1]],
    }


def wrong_vocabularies(tokens: list[str]) -> dict[str, list[list[str]]]:
    """mistake id -> vocabularies a build_vocab making that mistake returns for `tokens`."""
    plain = [t for t in tokens if t not in SPECIALS]
    counts = Counter(plain)
    by_rule = sorted(counts, key=lambda t: (-counts[t], t))
    lower = Counter(t.lower() for t in plain)
    every = Counter(tokens)
    return {
        "first-seen-order": [SPECIALS + list(dict.fromkeys(plain))],
        "no-specials": [by_rule],
        "frequency-ignored": [SPECIALS + sorted(counts)],
        "ties-not-alphabetical": [SPECIALS + [t for t, _ in counts.most_common()],
                                  SPECIALS + sorted(counts, key=lambda t: (-counts[t], t.lower()))],
        "rising-frequency": [SPECIALS + sorted(counts, key=lambda t: (counts[t], t))],
        "specials-last": [by_rule + SPECIALS],
        "specials-order": [sorted(SPECIALS) + by_rule],
        "repeats-kept": [SPECIALS + sorted(plain, key=lambda t: (-counts[t], t))],
        "special-duplicated": [SPECIALS + sorted(every, key=lambda t: (-every[t], t))],
        "case-folded": [SPECIALS + sorted(lower, key=lambda t: (-lower[t], t))],
    }
