"""dataset_loss vs a per-sequence loop vs padded batches in the given order, measured side by side in one run.

2,000 ragged sequences of 8..256 tokens, vocab 1,000, a small GPT (2 layers, 128 wide). Prints one JSON object.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lmcore import GPT, GPTConfig, dataset_loss  # noqa: E402


def per_sequence_loop(model, seqs):
    total = 0.0
    for s in seqs:
        logits = model(s[:-1].unsqueeze(0))
        total += float(F.cross_entropy(logits[0], s[1:], reduction="sum"))
    return total


def padded_in_order(model, seqs, batch_size=64):
    total = 0.0
    for i in range(0, len(seqs), batch_size):
        batch = seqs[i : i + batch_size]
        T = max(len(s) for s in batch)
        ids = torch.zeros(len(batch), T, dtype=torch.long)
        tgt = torch.full((len(batch), T - 1), -100, dtype=torch.long)
        for r, s in enumerate(batch):
            ids[r, : len(s)] = s
            tgt[r, : len(s) - 1] = s[1:]
        logits = model(ids[:, :-1])
        total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="sum"))
    return total


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - t0


def main(n: int = 2000, vocab: int = 1000, device: str | None = None) -> dict:
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=256, vocab_size=vocab, n_layer=2, n_head=4, n_embd=128)).to(device).eval()
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(8, 257, (n,), generator=g).tolist()
    seqs = [torch.randint(0, vocab, (L,), generator=g) for L in lengths]
    seqs_dev = [s.to(device) for s in seqs]
    dataset_loss(model, seqs[:64])  # warm-up (allocator, kernels)
    ours, t_ours = timed(dataset_loss, model, seqs, batch_size=64)
    with torch.no_grad():
        loop, t_loop = timed(per_sequence_loop, model, seqs_dev)
        padded, t_pad = timed(padded_in_order, model, seqs_dev)
    assert abs(ours - loop) / loop < 1e-4, (ours, loop)
    return {
        "benchmark": "dataset_loss",
        "device": torch.cuda.get_device_name() if device == "cuda" else f"cpu ({platform.processor() or 'x86_64'})",
        "threads": torch.get_num_threads(),
        "sequences": n,
        "tokens": sum(lengths),
        "per_sequence_loop_s": round(t_loop, 3),
        "padded_batches_in_order_s": round(t_pad, 3),
        "dataset_loss_s": round(t_ours, 3),
        "speedup_vs_loop": round(t_loop / t_ours, 2),
        "speedup_vs_padded": round(t_pad / t_ours, 2),
        "relative_difference_vs_loop": abs(ours - loop) / loop,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
