"""Fingerprints of code for the similarity pass: normalization and robust winnowing (copydetect's).

Code is normalized with Python's tokenizer (Pygments' lexer for code it rejects): identifiers become V,
function/class names F, number literals N, string literals S; comments, docstrings and whitespace go; builtins and
attribute names (`torch.log`: the library API a student cannot rename) stay. The normalized text's K-grams are hashed
with a fixed rolling hash (copydetect's uses Python's per-run `hash()`) and selected by winnowing (Schleimer,
Wilkerson & Aiken 2003, what MOSS does).
"""

from __future__ import annotations

import builtins
import io
import keyword
import tokenize
from collections.abc import Container
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pygments import token
from pygments.lexers import PythonLexer

K = 25  # noise threshold (normalized characters): shorter matches are ignored (copydetect's default)
WINDOW = 6  # winnowing window: every match of K + WINDOW - 1 = 30 characters or more is found
CACHE_CHARS = 4096  # cells up to this size are normalized once per process (shared template cells, common answers)
_LEXER = PythonLexer()
_BUILTINS = frozenset(dir(builtins))  # sum, len, float, NotImplementedError: kept, like Pygments' Name.Builtin
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING}
_LINE_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
_FSTRING = {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)}
_NAMES = {token.Name, token.Name.Variable, token.Name.Namespace, token.Name.Other}  # attributes (torch.log) stay


@dataclass(frozen=True, eq=False)
class Doc:
    """One cell (or one reference function), normalized and fingerprinted; shared through the cache, so read-only."""

    raw: str
    length: int  # normalized length
    starts: np.ndarray  # raw offset where the token behind each normalized character starts
    ends: np.ndarray  # ... and ends
    hashes: tuple[int, ...]  # the winnowed fingerprints, in text order
    positions: tuple[int, ...]  # where each starts in the normalized text

    def kept(self, boilerplate: Container[int]) -> dict[int, list[int]]:
        """Fingerprint → its positions, leaving out the boilerplate's (the starter code's k-grams)."""
        out: dict[int, list[int]] = {}
        for h, p in zip(self.hashes, self.positions, strict=True):
            if h not in boilerplate:
                out.setdefault(h, []).append(p)
        return out

    def covered(self, positions: list[int]) -> int:
        """Normalized characters covered by the k-grams starting at `positions`: the size of what can match."""
        covered = np.zeros(self.length + K, dtype=bool)
        for p in positions:
            covered[p:p + K] = True
        return int(covered[:self.length].sum())

    def raw_range(self, start: int, end: int) -> tuple[int, int]:
        """A normalized [start, end) range → the raw text's range of the tokens behind it."""
        return int(self.starts[start]), int(self.ends[min(end, self.length) - 1])


def normalize(code: str) -> tuple[str, np.ndarray, np.ndarray]:
    """(normalized text, raw start and end of each normalized character's token). Cells up to CACHE_CHARS are
    cached: a class's notebooks share most cells (setup, checks, untouched starters), which are then lexed once;
    larger ones are not kept (at most 4096 × 4 KB of cache)."""
    return _normalize_cached(code) if len(code) <= CACHE_CHARS else _normalize(code)


@lru_cache(maxsize=4096)
def _normalize_cached(code: str) -> tuple[str, np.ndarray, np.ndarray]:
    return _normalize(code)


def _normalize(code: str) -> tuple[str, np.ndarray, np.ndarray]:
    try:
        toks = _python_tokens(code)
    except (tokenize.TokenError, SyntaxError):  # code Python cannot tokenize: Pygments' lexer never gives up
        toks = _pygments_tokens(code)
    text = "".join(t for _, _, t in toks)
    a = np.fromiter((s for s, _, t in toks for _ in t), dtype=np.int32, count=len(text))
    b = np.fromiter((e for _, e, t in toks for _ in t), dtype=np.int32, count=len(text))
    a.flags.writeable = b.flags.writeable = False  # shared through the cache
    return text, a, b


def _python_tokens(code: str) -> list[tuple[int, int, str]]:
    """(start, end, normalized text) of each token that counts, from the standard library's tokenizer."""
    offsets = [0]
    for line in code.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    raw = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type not in _SKIP]
    out: list[tuple[int, int, str]] = []
    for i, t in enumerate(raw):
        start, end = offsets[t.start[0] - 1] + t.start[1], offsets[t.end[0] - 1] + t.end[1]
        prev = raw[i - 1] if i else None
        if t.type == tokenize.STRING or t.type in _FSTRING:
            statement = (prev is None or prev.type in _LINE_START) and raw[i + 1].type in (tokenize.NEWLINE,
                                                                                           tokenize.ENDMARKER)
            if statement:  # a docstring, or a string used as a comment
                continue
            joined = prev is not None and (prev.type == tokenize.STRING or prev.type in _FSTRING)
            if out and out[-1][2] == "S" and joined:
                out[-1] = (out[-1][0], end, "S")  # one S for a whole (implicitly concatenated) literal
                continue
            text = "S"
        elif t.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        elif t.type == tokenize.NUMBER:
            text = "N"
        elif t.type == tokenize.NAME and not keyword.iskeyword(t.string):
            after = prev.string if prev is not None else ""
            text = "F" if after in ("def", "class") else t.string if after == "." or t.string in _BUILTINS else "V"
        else:
            text = t.string.strip()
            if not text:
                continue
        out.append((start, end, text))
    return out


def _pygments_tokens(code: str) -> list[tuple[int, int, str]]:
    """The same from Pygments' lexer (for code the standard tokenizer rejects)."""
    out: list[tuple[int, int, str]] = []
    in_string = False
    for start, ttype, value in _LEXER.get_tokens_unprocessed(code):
        end = start + len(value)
        if ttype in token.Literal.String and ttype is not token.Literal.String.Doc:
            if in_string:  # one S for a whole string literal, whatever its parts
                out[-1] = (out[-1][0], end, "S")
                continue
            in_string, text = True, "S"
        else:
            in_string = False
            if ttype in token.Comment or ttype in token.Text or ttype is token.Literal.String.Doc or not value.strip():
                continue
            if ttype in _NAMES:
                text = value if out and out[-1][2] == "." else "V"  # an attribute (library API) stays
            elif ttype in token.Name.Function or ttype in token.Name.Class:
                text = "F"
            elif ttype in token.Literal.Number:
                text = "N"
            else:
                text = value
        out.append((start, end, text))
    return out


def hashed_kgrams(text: str, k: int) -> np.ndarray:
    """Hashes of every k-gram of `text`: a polynomial rolling hash mod 2^64 (copydetect's own uses Python's hash(),
    salted per process, so its winnowing, and so the scores, would change from run to run)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - k + 1
    h = np.zeros(max(n, 0), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * np.uint64(1_000_003) + codes[j:j + n]
    return h.view(np.int64)


def all_kgrams(code: str) -> set[int]:
    """Every k-gram hash of the normalized code (boilerplate: copydetect uses window 1 for it too)."""
    text, _, _ = normalize(code)
    return set(hashed_kgrams(text, K).tolist()) if len(text) >= K else set()


def fingerprint(code: str) -> Doc:
    """A Doc for one cell of code: normalized once per distinct cell of up to CACHE_CHARS (the cache)."""
    return _fingerprint_cached(code) if len(code) <= CACHE_CHARS else _fingerprint(code)


@lru_cache(maxsize=4096)
def _fingerprint_cached(code: str) -> Doc:
    return _fingerprint(code)


def _fingerprint(code: str) -> Doc:
    text, starts, ends = normalize(code)
    hashes: list[int] = []
    positions: list[int] = []
    if len(text) >= K:
        from copydetect.utils import winnow  # here: copydetect's package imports matplotlib.pyplot (~0.3 s)

        h, p = winnow(hashed_kgrams(text, K), WINDOW, remove_duplicates=False)
        hashes, positions = h.tolist(), p.tolist()
    return Doc(code, len(text), starts, ends, tuple(hashes), tuple(positions))


def clear_caches() -> None:
    """Forget every cached cell (benchmarks time a cold start with it)."""
    _normalize_cached.cache_clear()
    _fingerprint_cached.cache_clear()
