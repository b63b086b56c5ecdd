"""Train lmcore's BPETokenizer and HF `tokenizers` byte-level BPE on the same ~1 MB of text; print one JSON object.

The text is the standard library's top-level .py files, concatenated in name order and cut at 1,000,000 characters,
so every run sees the same input. Timings are wall-clock seconds of one training run each; encode and
encode_iterable (the text fed line by line) are timed side by side on the same tokenizer.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing lmcourse
from lmcore.bpe import BPETokenizer  # noqa: E402

VOCAB_SIZE = 1024
N_CHARS = 1_000_000


def stdlib_text(n_chars: int = N_CHARS) -> str:
    """The first ``n_chars`` characters of the stdlib's top-level .py files, concatenated in sorted name order."""
    parts, total = [], 0
    for path in sorted(Path(os.path.dirname(os.__file__)).glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        parts.append(text)
        total += len(text)
        if total >= n_chars:
            break
    return "".join(parts)[:n_chars]


def train_hf(text: str, vocab_size: int) -> Tokenizer:
    """HF `tokenizers` byte-level BPE trained on ``text`` (fed line by line)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(text.splitlines(keepends=True), trainer=trainer)
    return tok


def main() -> None:
    text = stdlib_text()
    n_bytes = len(text.encode("utf-8"))

    t0 = time.perf_counter()
    bpe = BPETokenizer.train(text, VOCAB_SIZE)
    lmcore_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    hf = train_hf(text, VOCAB_SIZE)
    hf_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    ids = bpe.encode(text)
    encode_s = time.perf_counter() - t0
    assert bpe.decode(ids) == text, "round trip failed"

    bpe._cache.clear()  # same cold cache as encode above
    t0 = time.perf_counter()
    streamed = list(bpe.encode_iterable(text.splitlines(keepends=True)))
    stream_s = time.perf_counter() - t0
    assert streamed == ids, "encode_iterable differs from encode"

    result = {
        "bytes": n_bytes,
        "vocab_size": VOCAB_SIZE,
        "lmcore_vocab_size": bpe.vocab_size,
        "hf_vocab_size": hf.get_vocab_size(),
        "lmcore_s": round(lmcore_s, 3),
        "hf_tokenizers_s": round(hf_s, 3),
        "ratio_lmcore_over_hf": round(lmcore_s / hf_s, 2),
        "lmcore_encode_mb_per_s": round(n_bytes / 1e6 / encode_s, 2),
        "lmcore_encode_iterable_mb_per_s": round(n_bytes / 1e6 / stream_s, 2),
        "lmcore_tokens": len(ids),
        "hf_tokens": len(hf.encode(text).ids),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
