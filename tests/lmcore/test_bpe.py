"""Byte-level BPE: lossless round trips, special tokens, deterministic fast training, save/load."""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmcore import BPETokenizer
from lmcore.bpe import _CHUNK_RE

_SYLLABLES = ["ka", "to", "re", "mi", "su", "an", "el", "or", "the", "ing", "qu", "ph", "é", "ß", "中", "文"]
_rng = random.Random(0)
TRAIN_TEXT = (
    "The cat sat on the mat. The cat's hat isn't on the mat; it's on the cat!\n"
    "Numbers 12345 and 2024, snake_case_names, emoji 👋🏽 and 你好，世界.\n    indented   lines\t\ttabs\n"
) * 5 + " ".join("".join(_rng.choices(_SYLLABLES, k=_rng.randint(1, 4))) for _ in range(3000))
EXPLICIT = [
    "👋🏽 héllo",
    "你好，世界",
    "",
    "   \n\t  ",
    "a  b",
    " leading",
    "trailing  ",
    "x\r\n\r\ny",
    "__init__",
    "\ud800",
    "\ud83d\ude00 \udfff",
]


@pytest.fixture(scope="module")
def tok() -> BPETokenizer:
    return BPETokenizer.train(TRAIN_TEXT, vocab_size=400, special_tokens=["<|endoftext|>", "<pad>"])


def _reference_merges(text: str, n_merges: int) -> list[tuple[int, int]]:
    """Textbook BPE: recount every pair after every merge (slow, obviously correct); ties go to the
    lexicographically greatest (bytes, bytes) pair, as in GPT-2-style reference trainers."""
    counts = Counter(_CHUNK_RE.findall(text))
    words = {tuple(c.encode("utf-8", "surrogatepass")): f for c, f in counts.items()}
    vocab = [bytes([i]) for i in range(256)]
    merges = []
    while len(merges) < n_merges:
        pairs: Counter[tuple[int, int]] = Counter()
        for word, f in words.items():
            for p in pairwise(word):
                pairs[p] += f
        if not pairs:
            break
        a, b = max(pairs, key=lambda p: (pairs[p], vocab[p[0]], vocab[p[1]]))  # ties: greatest byte pair
        new, merged = len(vocab), {}
        for word, f in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == (a, b):
                    out.append(new)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + f
        words = merged
        merges.append((a, b))
        vocab.append(vocab[a] + vocab[b])
    return merges


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_pretokenizer_is_lossless(s: str) -> None:
    assert "".join(_CHUNK_RE.findall(s)) == s


@given(st.text(alphabet=st.characters(codec=None)))  # every code point, lone surrogates included
@settings(max_examples=300, deadline=None)
def test_round_trip_any_string(tok: BPETokenizer, s: str) -> None:
    ids = tok.encode(s)
    assert all(0 <= i < tok.vocab_size for i in ids)
    assert tok.decode(ids) == s


@pytest.mark.parametrize("s", EXPLICIT)
def test_round_trip_explicit(tok: BPETokenizer, s: str) -> None:
    assert tok.decode(tok.encode(s)) == s


def test_empty_string_encodes_to_nothing(tok: BPETokenizer) -> None:
    assert tok.encode("") == []
    assert tok.decode([]) == ""


def test_specials_are_single_ids_and_round_trip(tok: BPETokenizer) -> None:
    eot, pad = tok.special_ids["<|endoftext|>"], tok.special_ids["<pad>"]
    assert (eot, pad) == (tok.vocab_size - 2, tok.vocab_size - 1)  # specials come last
    assert tok.encode("<|endoftext|>") == [eot]
    s = "the cat<|endoftext|><pad>sat<|endoftext|>"
    ids = tok.encode(s)
    assert ids.count(eot) == 2 and ids.count(pad) == 1
    assert ids[-1] == eot
    assert tok.decode(ids) == s
    # no merge was learned across or inside a special's text
    assert all(b"<|" not in v for v in tok.vocab[256 : 256 + len(tok.merges)])


def test_training_is_deterministic() -> None:
    a = BPETokenizer.train(TRAIN_TEXT, 350)
    b = BPETokenizer.train(TRAIN_TEXT, 350)
    assert a.merges == b.merges
    assert a.encode(TRAIN_TEXT) == b.encode(TRAIN_TEXT)


def test_incremental_training_matches_reference() -> None:
    assert BPETokenizer.train(TRAIN_TEXT, 330).merges == _reference_merges(TRAIN_TEXT, 330 - 256)


def test_vocab_size_respected(tok: BPETokenizer) -> None:
    assert tok.vocab_size == len(tok) == 400
    assert len(tok.merges) == 400 - 256 - 2
    assert BPETokenizer.train(TRAIN_TEXT, 256).vocab_size == 256
    tiny = BPETokenizer.train("abab", 1000)  # runs out of pairs: fewer merges, never more
    assert tiny.vocab_size <= 1000 and tiny.encode("abab") == [tiny.vocab.index(b"abab")]


def test_vocab_size_too_small_raises() -> None:
    with pytest.raises(ValueError, match="vocab_size"):
        BPETokenizer.train(TRAIN_TEXT, 256, special_tokens=["<pad>"])
    with pytest.raises(ValueError, match="vocab_size"):
        BPETokenizer.train(TRAIN_TEXT, 100)


def test_merges_compress_training_text(tok: BPETokenizer) -> None:
    assert len(tok.encode(TRAIN_TEXT)) < len(TRAIN_TEXT.encode("utf-8")) / 2


def test_merges_never_cross_chunks(tok: BPETokenizer) -> None:
    for chunk in _CHUNK_RE.findall(TRAIN_TEXT):
        ids = tok.encode(chunk)
        assert tok.decode(ids) == chunk
    joined = [i for chunk in _CHUNK_RE.findall(TRAIN_TEXT) for i in tok.encode(chunk)]
    assert tok.encode(TRAIN_TEXT) == joined


def test_save_load_identical(tok: BPETokenizer, tmp_path) -> None:
    path = tmp_path / "bpe.json"
    tok.save(path)
    loaded = BPETokenizer.load(path)
    assert loaded.merges == tok.merges and loaded.special_tokens == tok.special_tokens
    for s in [TRAIN_TEXT, *EXPLICIT, "x<pad>y<|endoftext|>"]:
        assert loaded.encode(s) == tok.encode(s)
    assert isinstance(json.loads(path.read_text())["merges"][0], list)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"format": "other"}',
        '{"format": "lmcore.BPETokenizer/1", "merges": [[1, 2, 3]]}',
        '{"format": "lmcore.BPETokenizer/1", "merges": [[999, 2]]}',
        '{"format": "lmcore.BPETokenizer/1"}',
    ],
)
def test_bad_file_raises_value_error_naming_it(tmp_path, content: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="broken.json"):
        BPETokenizer.load(path)


def test_decode_out_of_range_and_invalid_bytes(tok: BPETokenizer) -> None:
    with pytest.raises(IndexError):
        tok.decode([tok.vocab_size])
    with pytest.raises(IndexError):
        tok.decode([-1])
    assert tok.decode([0xE4]) == "\ufffd"  # a partial UTF-8 sequence decodes to the replacement character


# ------------------------------------------------------------------ GPT-2 conventions (issue 10, item 14)
def test_bpe_ties_go_to_the_greatest_byte_pair() -> None:
    # every pair of "abcd" occurs once: GPT-2-style trainers merge the greatest pair (c, d) first, then (b, cd)
    assert BPETokenizer.train("abcd", 258).merges == [(ord("c"), ord("d")), (ord("b"), 256)]
    # frequency still comes first: (a, b) occurs twice
    assert BPETokenizer.train("ab ab yz", 257).merges == [(ord("a"), ord("b"))]


def _gpt2_chunks(text: str) -> list[str]:
    """Chunks of GPT-2's own pre-tokenizer regex (Unicode White_Space for \\s), as HF tokenizers runs it."""
    from tokenizers.pre_tokenizers import ByteLevel

    pre = ByteLevel(add_prefix_space=False, use_regex=True)
    return [text[a:b] for _, (a, b) in pre.pre_tokenize_str(text)]


def test_bpe_pretokenizer_information_separators_like_gpt2() -> None:
    assert _CHUNK_RE.findall("x\n\n\x1cy") == _gpt2_chunks("x\n\n\x1cy") == ["x", "\n", "\n", "\x1c", "y"]


@pytest.mark.parametrize("cp", [cp for cp in range(0x3001) if chr(cp).isspace()] + [0x1C, 0x1D, 0x1E, 0x1F])
def test_bpe_pretokenizer_whitespace_matches_gpt2(cp: int) -> None:
    c = chr(cp)
    for text in (f"x\n\n{c}y", f"a{c}{c}b", f" {c}z", f"{c} q", f"k{c}", f"it{c}'s {c}{c}", f"1{c}\n2"):
        assert _CHUNK_RE.findall(text) == _gpt2_chunks(text), (hex(cp), text)


_GPT2_ALPHABET = st.sampled_from(list("ab zé'sdtlvrm0123456789.,!_-中") +
                                 list("\n\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u3000"))


@given(st.lists(_GPT2_ALPHABET, max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_bpe_pretokenizer_matches_gpt2_on_mixed_text(s: str) -> None:
    assert _CHUNK_RE.findall(s) == _gpt2_chunks(s)


# ------------------------------------------------------------------ encode_iterable
def test_bpe_encode_iterable_equals_encode_on_lines(tok: BPETokenizer) -> None:
    text = TRAIN_TEXT[:3000] + "<|endoftext|>  \n  tail"
    lines = text.splitlines(keepends=True)
    assert list(tok.encode_iterable(lines)) == tok.encode(text)
    assert list(tok.encode_iterable(iter(text))) == tok.encode(text)  # one character at a time
    assert list(tok.encode_iterable([])) == []


@given(st.lists(st.sampled_from(["a", "b", " ", "\n", "'", "s", "ll", "<|endoftext|>", "<|", "end", "<pad>", "1",
                                 "!", "\x1c", "é"]), max_size=30),
       st.lists(st.integers(0, 200), max_size=8))
@settings(max_examples=300, deadline=None)
def test_bpe_encode_iterable_any_split(tok: BPETokenizer, parts: list[str], cuts: list[int]) -> None:
    text = "".join(parts)
    bounds = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *bounds], [*bounds, len(text)], strict=True)]
    assert list(tok.encode_iterable(pieces)) == tok.encode(text)


def test_bpe_encode_iterable_is_lazy_and_bounded(tok: BPETokenizer) -> None:
    """A stream of 20,000 lines: ids come out before the stream ends, and the held-back text stays small."""
    read = 0

    def lines():
        nonlocal read
        for _ in range(20_000):
            read += 1
            yield "The cat sat on the mat.\n"

    it = tok.encode_iterable(lines())
    first = [next(it) for _ in range(10)]
    assert read <= 2 and first == tok.encode("The cat sat on the mat.\n" * 2)[:10]
    assert sum(1 for _ in it) + 10 == len(tok.encode("The cat sat on the mat.\n" * 20_000))


def test_bpe_encode_iterable_rejects_bytes(tok: BPETokenizer) -> None:
    with pytest.raises(TypeError, match="iterable of str, got a bytes"):
        list(tok.encode_iterable([b"abc"]))


def test_bpe_encode_iterable_keeps_lookahead_across_pieces() -> None:
    """"sysconfig\n\ntry" chunks as "\n", "\n" (a whitespace run before a letter leaves its last character to it);
    encoding the text read so far on its own would end it with the chunk "\n\n", a merged token here."""
    lines = ['."""\n', "\n", "import sys\n", "import sysconfig\n", "\n", "try:\n", "    import subprocess\n"] * 3
    tok = BPETokenizer.train("".join(lines) * 5 + "\n\n" * 20, 300)
    assert (10, 10) in tok.merges
    assert list(tok.encode_iterable(lines)) == tok.encode("".join(lines))
