"""Training data: token ids for the train split, ragged validation sequences, and seeded random batch windows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from .corpus import load_corpus
from .tokenize import Vocabulary

BPE_TRAIN_CHARS = 1_000_000  # BPE merges are learned from (at most) the first million characters of a text file


@dataclass
class TokenData:
    train_ids: torch.Tensor  # int64, 1-D: the training split as one token stream
    val_sequences: list[list[int]]  # ragged held-out sequences for lmcore.dataset_loss
    vocab_size: int
    entropy_floor: float | None  # best achievable nats/token, when the source is known (the bundled corpus)
    source: str
    tokenizer_json: str | None = None  # the tokenizer/vocabulary, saved next to the checkpoint


def load_data(data: str | None, block_size: int, tokenizer: str = "word", bpe_vocab_size: int = 512,
              val_fraction: float = 0.1) -> TokenData:
    """The bundled corpus (data=None) or a text file, tokenized; validation sequences are at most block_size + 1."""
    if data is None:
        return _bundled(min(64, block_size + 1))
    path = Path(data)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"training data {path}: no such file") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"training data {path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    if tokenizer == "bpe":
        from .bpe import BPETokenizer

        tok = BPETokenizer.train(text[:BPE_TRAIN_CHARS], bpe_vocab_size)
        ids_list, vocab_size, tok_json = tok.encode(text), tok.vocab_size, json.dumps(tok.to_dict())
    else:
        vocab = Vocabulary.build([text])
        ids_list, vocab_size, tok_json = vocab.encode(text), len(vocab), json.dumps(vocab.to_dict())
    n_val = max(int(len(ids_list) * val_fraction), 2)
    if len(ids_list) - n_val < block_size + 2:
        raise ValueError(
            f"training data {path}: {len(ids_list)} tokens is too few for block_size={block_size} "
            f"with val_fraction={val_fraction}; need at least {block_size + 2 + n_val}"
        )
    train_ids, val_ids = ids_list[:-n_val], ids_list[-n_val:]
    val = [val_ids[i : i + block_size + 1] for i in range(0, len(val_ids) - 1, block_size + 1)]
    val = [s for s in val if len(s) >= 2]
    return TokenData(torch.tensor(train_ids, dtype=torch.long), val, vocab_size, None, str(path), tok_json)


@lru_cache(maxsize=4)
def _bundled(max_len: int) -> TokenData:
    """The bundled corpus (generated once per process); validation sequences of min(8, max_len)..max_len tokens."""
    corpus = load_corpus()
    val = corpus.sequences("val", min_len=min(8, max_len), max_len=max_len)
    ids = torch.tensor(corpus.train_ids, dtype=torch.long)
    vocab_json = json.dumps(Vocabulary(corpus.vocab).to_dict())
    return TokenData(ids, val, len(corpus.vocab), corpus.entropy_floor, "bundled Markov corpus", vocab_json)


def limit_tokens(sequences: list[list[int]], max_tokens: int | None) -> list[list[int]]:
    """The leading sequences holding at most max_tokens loss terms (all of them when max_tokens is None)."""
    if max_tokens is None:
        return sequences
    out, n = [], 0
    for s in sequences:
        if n + len(s) - 1 > max_tokens:
            break
        out.append(s)
        n += len(s) - 1
    return out


class WindowSampler:
    """Batches of random windows w = ids[i : i + T + 1], i uniform, drawn from a seeded torch.Generator.

    Inputs are w[:, :-1] and targets w[:, 1:], so every position of a window contributes one loss term
    L_i = -log Pr(x_i | x_<i) with up to T tokens of context. Every process draws the same global batch and keeps
    its own rows, so the data do not depend on how the batch is split over processes or micro-batches.
    """

    def __init__(self, ids: torch.Tensor, block_size: int, batch_size: int, seed: int):
        if len(ids) < block_size + 2:
            raise ValueError(f"{len(ids)} training tokens is too few for windows of block_size={block_size}")
        self.ids, self.batch_size = ids, batch_size
        self.offsets = torch.arange(block_size + 1)
        self.generator = torch.Generator().manual_seed(seed)

    def sample(self) -> torch.Tensor:
        """One global batch (batch_size, T + 1) of int64 ids, on the CPU."""
        starts = torch.randint(len(self.ids) - len(self.offsets) + 1, (self.batch_size,), generator=self.generator)
        return self.ids[starts[:, None] + self.offsets]


def to_device(batch: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Host -> device: on CUDA through pinned memory with a non-blocking copy, so the CPU runs ahead of the GPU."""
    if device.type == "cuda":
        return batch.pin_memory().to(device, non_blocking=True)
    return batch.to(device)
