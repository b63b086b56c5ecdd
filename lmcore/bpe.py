"""Byte-level byte-pair encoding (GPT-2 style): text -> UTF-8 bytes -> merged byte-pair tokens.

Ids 0..255 are the single bytes, ids 256..256+M-1 are the M learned merges in the order they were learned
(merge r creates id 256 + r), and the special tokens come last, in the order given.
"""

from __future__ import annotations

import codecs
import heapq
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from os import PathLike
from pathlib import Path

# GPT-2's pre-tokenizer, written for Python's `re`: contractions, words with an optional leading space,
# numbers, punctuation runs (underscore counts as punctuation), and whitespace runs. Every character
# matches some branch, so the chunks always concatenate back to the input; merges never cross chunks.
# GPT-2's `\s` is Unicode White_Space; Python's `\s` (str.isspace) also holds U+001C..U+001F, the information
# separators, which GPT-2 (and HF tokenizers) treat as punctuation: _WS and _NOT_WS put them back there.
_WS = r"[^\S\x1c-\x1f]"
_NOT_WS = r"[\S\x1c-\x1f]"
_CHUNK_RE = re.compile(
    rf"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|[_\x1c-\x1f])+|{_WS}+(?!{_NOT_WS})|{_WS}+"""
)
_LOOKAHEAD = 4  # the pre-tokenizer decides a chunk boundary from at most 3 characters after it
_FORMAT = "lmcore.BPETokenizer/1"
_BYTES = 256
_SURROGATEPASS = codecs.lookup_error("surrogatepass")


def _utf8_errors(exc: UnicodeError) -> tuple[str, int]:
    """Error handler for decoding: keep encoded lone surrogates (surrogatepass), replace other invalid bytes."""
    try:
        return _SURROGATEPASS(exc)
    except UnicodeDecodeError:
        return codecs.replace_errors(exc)


codecs.register_error("lmcore.bpe", _utf8_errors)


def _to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _merge(ids: list[int], a: int, b: int, new: int) -> list[int]:
    """``ids`` with every non-overlapping occurrence of the pair (a, b), scanned left to right, replaced by ``new``."""
    out, i, n = [], 0, len(ids)
    while i < n:
        if i + 1 < n and ids[i] == a and ids[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


class _Greatest:
    """A heap key that pops the lexicographically greatest (bytes, bytes) pair first."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[bytes, bytes]):
        self.key = key

    def __lt__(self, other: _Greatest) -> bool:
        return self.key > other.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Greatest) and self.key == other.key


class BPETokenizer:
    """A byte-level BPE tokenizer: a list of merges (pairs of ids) plus special tokens that are never split.

    encode(decode(...)) is not guaranteed, but decode(encode(s)) == s for every Python str (lone surrogates too).
    """

    def __init__(self, merges: Sequence[tuple[int, int]], special_tokens: Sequence[str] = ()):
        self.merges: list[tuple[int, int]] = [(int(a), int(b)) for a, b in merges]
        self.vocab: list[bytes] = [bytes([i]) for i in range(_BYTES)]
        for r, (a, b) in enumerate(self.merges):
            if not (0 <= a < _BYTES + r and 0 <= b < _BYTES + r):
                raise ValueError(f"merge {r} = ({a}, {b}) refers to an id that does not exist yet")
            self.vocab.append(self.vocab[a] + self.vocab[b])
        self.ranks: dict[tuple[int, int], int] = {p: r for r, p in enumerate(self.merges)}
        self.special_tokens: tuple[str, ...] = tuple(dict.fromkeys(special_tokens))
        if any(not isinstance(s, str) or not s for s in self.special_tokens):
            raise ValueError(f"special tokens must be non-empty strings, got {list(self.special_tokens)}")
        self.special_ids: dict[str, int] = {s: len(self.vocab) + i for i, s in enumerate(self.special_tokens)}
        self.vocab.extend(_to_bytes(s) for s in self.special_tokens)
        # Longest first, so a special that contains another special wins.
        alternatives = "|".join(re.escape(s) for s in sorted(self.special_tokens, key=len, reverse=True))
        self._special_re = re.compile(f"({alternatives})") if self.special_tokens else None
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def train(cls, text: str, vocab_size: int, special_tokens: Sequence[str] = ()) -> BPETokenizer:
        """Learn up to ``vocab_size - 256 - len(special_tokens)`` merges from ``text``, most frequent pair first.

        Ties between equally frequent pairs go to the lexicographically greatest pair of byte strings,
        max over (count, (bytes_a, bytes_b)), as GPT-2-style reference trainers do, so training is deterministic.
        Fewer merges are learned when no pair is left to merge. Special tokens in ``text`` are cut out and never
        learned from.
        """
        specials = tuple(dict.fromkeys(special_tokens))
        n_merges = vocab_size - _BYTES - len(specials)
        if n_merges < 0:
            raise ValueError(
                f"vocab_size={vocab_size} is too small: it must be >= 256 byte tokens + {len(specials)} special tokens"
            )
        pieces = cls([], specials)._split_specials(text)
        chunk_counts = Counter(c for piece, special in pieces if not special for c in _CHUNK_RE.findall(piece))
        words = [list(_to_bytes(chunk)) for chunk in chunk_counts]
        freqs = list(chunk_counts.values())

        counts: defaultdict[tuple[int, int], int] = defaultdict(int)  # pair -> occurrences in the text
        where: defaultdict[tuple[int, int], set[int]] = defaultdict(set)  # pair -> indices of words containing it
        for w, (word, f) in enumerate(zip(words, freqs, strict=True)):
            for p in pairwise(word):
                counts[p] += f
                where[p].add(w)
        vocab = [bytes([i]) for i in range(_BYTES)]
        heap = [(-c, _Greatest((vocab[a], vocab[b])), a, b) for (a, b), c in counts.items()]
        heapq.heapify(heap)

        merges: list[tuple[int, int]] = []
        while len(merges) < n_merges and heap:
            neg, _, a, b = heapq.heappop(heap)
            pair, count = (a, b), counts.get((a, b), 0)
            if count != -neg:  # stale entry (lazy deletion): requeue with the current count if still present
                if count > 0:
                    heapq.heappush(heap, (-count, _Greatest((vocab[a], vocab[b])), a, b))
                continue
            new = len(vocab)
            merges.append(pair)
            vocab.append(vocab[a] + vocab[b])
            grown: set[tuple[int, int]] = set()
            for w in where.pop(pair):
                word, f = words[w], freqs[w]
                merged = _merge(word, a, b, new)
                old_pairs, new_pairs = list(pairwise(word)), list(pairwise(merged))
                for p in old_pairs:
                    counts[p] -= f
                for p in new_pairs:
                    counts[p] += f
                    if new in p:
                        grown.add(p)
                old_set, new_set = set(old_pairs), set(new_pairs)
                for p in old_set - new_set:
                    where[p].discard(w)
                for p in new_set - old_set:
                    where[p].add(w)
                words[w] = merged
            del counts[pair]
            for p in sorted(grown):  # only pairs with the new id can have gained counts
                heapq.heappush(heap, (-counts[p], _Greatest((vocab[p[0]], vocab[p[1]])), p[0], p[1]))
        return cls(merges, specials)

    @property
    def vocab_size(self) -> int:
        """Number of ids: 256 bytes + merges + special tokens."""
        return len(self.vocab)

    def __len__(self) -> int:
        return len(self.vocab)

    def __repr__(self) -> str:
        specials = list(self.special_tokens)
        return f"BPETokenizer(vocab_size={self.vocab_size}, merges={len(self.merges)}, specials={specials})"

    def _split_specials(self, text: str) -> list[tuple[str, bool]]:
        """``text`` cut into (piece, is_special) pairs, in order."""
        if self._special_re is None:
            return [(text, False)]
        parts = self._special_re.split(text)  # odd positions are the captured specials
        return [(p, i % 2 == 1) for i, p in enumerate(parts) if p]

    def _encode_chunk(self, chunk: str) -> list[int]:
        """Ids of one pre-tokenized chunk: its bytes, with merges applied lowest rank first (cached)."""
        cached = self._cache.get(chunk)
        if cached is not None:
            return cached
        ids, ranks = list(_to_bytes(chunk)), self.ranks
        while len(ids) > 1:
            best = min(pairwise(ids), key=lambda p: ranks.get(p, len(ranks)))
            rank = ranks.get(best)
            if rank is None:
                break
            ids = _merge(ids, best[0], best[1], _BYTES + rank)
        if len(self._cache) >= 200_000:
            self._cache.clear()
        self._cache[chunk] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``: special tokens become their own id, the rest is chunked and byte-pair merged."""
        if not isinstance(text, str):
            raise TypeError(f"encode expects a str, got {type(text).__name__}")
        out: list[int] = []
        for piece, special in self._split_specials(text):
            if special:
                out.append(self.special_ids[piece])
                continue
            for chunk in _CHUNK_RE.findall(piece):
                out.extend(self._encode_chunk(chunk))
        return out

    def encode_iterable(self, texts: Iterable[str]) -> Iterator[int]:
        """The ids of "".join(texts), yielded lazily: list(encode_iterable(pieces)) == encode("".join(pieces)).

        For a file object (an iterable of lines) or any stream of text pieces. Memory stays bounded by one piece plus
        the longest pre-tokenizer chunk: text is encoded up to the last chunk boundary that a later piece cannot move
        (one that ends at least 4 + the longest special token's length characters before the end of what was read);
        the rest waits for the next piece. Pieces may split anywhere, even inside a special token.
        """
        hold = _LOOKAHEAD + max(map(len, self.special_tokens), default=0)  # a special may start in the last hold
        buf = ""
        for piece in texts:
            if not isinstance(piece, str):
                raise TypeError(f"encode_iterable expects an iterable of str, got a {type(piece).__name__}")
            buf += piece
            done, cut = self._final_chunks(buf, len(buf) - hold)
            for chunk, special in done:
                if special:
                    yield self.special_ids[chunk]
                else:
                    yield from self._encode_chunk(chunk)
            buf = buf[cut:]
        yield from self.encode(buf)

    def _final_chunks(self, text: str, limit: int) -> tuple[list[tuple[str, bool]], int]:
        """The (chunk, is_special) pairs of ``text``, cut as encode cuts the whole text, that end at or before
        ``limit``, and the position where they end. They are final: text appended later cannot change them."""
        done: list[tuple[str, bool]] = []
        end = 0
        for piece, special in self._split_specials(text):
            chunks = [piece] if special else _CHUNK_RE.findall(piece)
            for chunk in chunks:
                if end + len(chunk) > limit:
                    return done, end
                done.append((chunk, special))
                end += len(chunk)
        return done, end

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``: their bytes joined and UTF-8 decoded (lone surrogates kept, invalid bytes -> U+FFFD)."""
        if hasattr(ids, "tolist"):
            ids = ids.tolist()
        if isinstance(ids, int):
            ids = [ids]
        ids, n = [int(i) for i in ids], len(self.vocab)
        bad = [i for i in ids if not 0 <= i < n]
        if bad:
            raise IndexError(f"token id {bad[0]} is outside this tokenizer's range [0, {n})")
        data = b"".join([self.vocab[i] for i in ids])
        return data.decode("utf-8", "lmcore.bpe")

    def to_dict(self) -> dict:
        """A JSON-ready dict: the format tag, the merges as [id, id] pairs, and the special tokens."""
        merges = [list(p) for p in self.merges]
        return {"format": _FORMAT, "merges": merges, "special_tokens": list(self.special_tokens)}

    def save(self, path: str | PathLike) -> None:
        """Write the merges (as [id, id] pairs) and special tokens to ``path`` as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=True), encoding="utf-8")

    @classmethod
    def load(cls, path: str | PathLike) -> BPETokenizer:
        """The tokenizer saved at ``path``; a file that is not a saved BPETokenizer raises ValueError naming it."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("format") != _FORMAT:
                raise ValueError(f"format is {data.get('format')!r}, expected {_FORMAT!r}")
            merges = data["merges"]
            if not all(isinstance(p, list) and len(p) == 2 and all(type(i) is int for i in p) for p in merges):
                raise ValueError("merges must be a list of [id, id] pairs")
            specials = data.get("special_tokens", [])
            if not isinstance(specials, list):
                raise ValueError("special_tokens must be a list")
            return cls([tuple(p) for p in merges], specials)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
            raise ValueError(f"{path}: not a saved BPETokenizer ({e})") from e
