"""Word tokenization and the vocabulary that turns a token sequence x_0..x_m into its indexed form."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from os import PathLike
from pathlib import Path

# A special like <bos> stays whole; a word may carry inner apostrophes or hyphens ("don't", "well-known");
# every other non-space character (punctuation) is a token of its own.
_TOKEN_RE = re.compile(r"<[A-Za-z_]+>|\w+(?:['\u2019-]\w+)*|[^\w\s]")

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
DEFAULT_SPECIALS: tuple[str, ...] = (PAD, UNK, BOS, EOS)


def word_tokenize(text: str) -> list[str]:
    """Split ``text`` into words and punctuation marks, deterministically and case-preserving.

    "The cat sat on the mat." -> ['The', 'cat', 'sat', 'on', 'the', 'mat', '.']
    """
    if not isinstance(text, str):
        raise TypeError(f"word_tokenize expects a str, got {type(text).__name__}")
    return _TOKEN_RE.findall(text)


class Vocabulary:
    """A bijection token <-> id. Specials come first (ids 0..3 by default), then tokens by falling frequency.

    encode: (x_0, ..., x_m) -> (id(x_0), ..., id(x_m)), unknown tokens -> id(<unk>).
    """

    def __init__(self, tokens: Sequence[str], specials: Sequence[str] = DEFAULT_SPECIALS):
        self.specials = tuple(specials)
        self.itos: list[str] = list(tokens)
        if len(set(self.itos)) != len(self.itos):
            dupes = sorted({t for t in self.itos if self.itos.count(t) > 1})
            raise ValueError(f"Vocabulary tokens must be unique; duplicated: {dupes[:5]}")
        missing = [s for s in self.specials if s not in self.itos]
        if missing:
            raise ValueError(f"specials {missing} are not in the token list")
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def build(
        cls,
        tokens_or_texts: Iterable[str | Sequence[str]],
        min_freq: int = 1,
        specials: Sequence[str] = DEFAULT_SPECIALS,
        max_size: int | None = None,
    ) -> Vocabulary:
        """Build from texts (each str is word-tokenized; a single token tokenizes to itself) or token lists.

        Non-special tokens seen at least ``min_freq`` times are kept, most frequent first, ties alphabetical,
        so the same input always gives the same ids.
        """
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        counts: Counter[str] = Counter()
        for item in tokens_or_texts:
            counts.update(word_tokenize(item) if isinstance(item, str) else item)
        specials = tuple(dict.fromkeys(specials))
        kept = [t for t, c in counts.items() if c >= min_freq and t not in specials]
        kept.sort(key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[: max(0, max_size - len(specials))]
        return cls([*specials, *kept], specials)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        return f"Vocabulary(size={len(self)}, specials={list(self.specials)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.itos == other.itos and self.specials == other.specials

    def _special_id(self, token: str) -> int:
        if token not in self.stoi:
            raise KeyError(f"this vocabulary has no {token} token (specials: {list(self.specials)})")
        return self.stoi[token]

    @property
    def pad_id(self) -> int:
        return self._special_id(PAD)

    @property
    def unk_id(self) -> int:
        return self._special_id(UNK)

    @property
    def bos_id(self) -> int:
        return self._special_id(BOS)

    @property
    def eos_id(self) -> int:
        return self._special_id(EOS)

    def token_to_id(self, token: str) -> int:
        """id(token), or id(<unk>) for a token outside the vocabulary."""
        if token in self.stoi:
            return self.stoi[token]
        return self.unk_id

    def id_to_token(self, idx: int) -> str:
        if not 0 <= int(idx) < len(self.itos):
            raise IndexError(f"token id {idx} is outside this vocabulary's range [0, {len(self.itos)})")
        return self.itos[int(idx)]

    def encode(self, tokens: Sequence[str] | str) -> list[int]:
        """The indexed token sequence: [id(x_0), ..., id(x_m)]; a str is word-tokenized first."""
        if isinstance(tokens, str):
            tokens = word_tokenize(tokens)
        return [self.token_to_id(t) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Inverse of encode (up to <unk>): [x_0, ..., x_m]. Accepts ints, a list, or a 1-D tensor/array."""
        if hasattr(ids, "tolist"):
            ids = ids.tolist()
        if isinstance(ids, int):
            ids = [ids]
        return [self.id_to_token(i) for i in ids]

    def to_dict(self) -> dict:
        return {"format": "lmcore.Vocabulary/1", "tokens": self.itos, "specials": list(self.specials)}

    def save(self, path: str | PathLike) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: str | PathLike) -> Vocabulary:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(data["tokens"], data.get("specials", DEFAULT_SPECIALS))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise ValueError(f"{path}: not a saved Vocabulary ({e})") from e
