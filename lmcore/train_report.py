"""What a training run leaves behind: metrics.jsonl, summary.json, loss.png, checkpoints, and the progress bar."""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch


class MetricsLog:
    """metrics.jsonl: one JSON object per logged step, appended and flushed as it goes."""

    def __init__(self, path: Path, keep_through_step: int | None = None):
        self.path = path
        if keep_through_step is None:
            path.write_text("")
        else:  # resuming: drop lines logged after the checkpoint, they will be logged again
            kept = [line for line in read_metrics(path) if line["step"] <= keep_through_step]
            path.write_text("".join(json.dumps(r) + "\n" for r in kept))

    def write(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(record) + "\n")


def read_metrics(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a metrics.jsonl file (missing file: none)."""
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write atomically (temp file, then rename), so an interrupted save never leaves a broken checkpoint."""
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise FileNotFoundError(f"--resume: no checkpoint at {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001 - any unreadable file gets the same clear message
        raise ValueError(f"--resume: {path} is not a readable checkpoint ({type(e).__name__}: {e})") from e


def plot_losses(records: list[dict[str, Any]], entropy_floor: float | None, path: Path, title: str = "") -> None:
    """loss.png: train and validation loss (nats/token) against step, with the entropy floor as a line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    train = [(r["step"], r["train_loss_per_token"]) for r in records if r.get("train_loss_per_token") is not None]
    val = [(r["step"], r["val_loss_per_token"]) for r in records if r.get("val_loss_per_token") is not None]
    if train:
        ax.plot(*zip(*train, strict=True), label="train (per-token mean)", color="tab:blue", lw=1.2)
    if val:
        ax.plot(*zip(*val, strict=True), "o-", label="validation: dataset loss / tokens", color="tab:orange", ms=3)
    if entropy_floor is not None:
        ax.axhline(entropy_floor, color="k", ls="--", lw=1, label=f"entropy floor {entropy_floor:.4f}")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (nats / token)")
    ax.set_title(title or "Minimizing the dataset loss")
    losses = [v for _, v in train + val if math.isfinite(v)]
    if losses and entropy_floor is not None:
        ax.set_ylim(min(entropy_floor, *losses) - 0.05, max(losses) + 0.05)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


class Throughput:
    """Tokens per second of training alone: evaluation and checkpoint time (inside paused()) is left out.

    lap() gives the rate since the previous lap; steady() the rate over every lap after the first, which holds
    compilation and CUDA-graph capture (the first lap's rate when there is only one).
    """

    def __init__(self) -> None:
        self.t, self.tokens, self.excluded = time.perf_counter(), 0, 0.0
        self.first: float | None = None
        self.steady_tokens, self.steady_s = 0, 0.0

    def add(self, tokens: int) -> None:
        self.tokens += tokens

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.excluded += time.perf_counter() - t0

    def lap(self) -> float:
        now = time.perf_counter()
        seconds = max(now - self.t - self.excluded, 1e-9)
        rate = self.tokens / seconds
        if self.first is None:
            self.first = rate
        else:
            self.steady_tokens += self.tokens
            self.steady_s += seconds
        self.t, self.tokens, self.excluded = now, 0, 0.0
        return rate

    def steady(self) -> float | None:
        return self.steady_tokens / self.steady_s if self.steady_s > 0 else self.first


class Progress:
    """A tqdm bar with the loss and tokens/s (lazily imported; a no-op when disabled)."""

    def __init__(self, total: int, initial: int, enabled: bool):
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=initial, desc="train", unit="step", dynamic_ncols=True)

    def update(self, n: int, **postfix: Any) -> None:
        if self.bar is not None:
            if postfix:
                self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(n)

    def write(self, msg: str) -> None:
        if self.bar is not None:
            self.bar.write(msg)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
