"""What a training run does: TrainConfig, the named presets, and the learning-rate schedule."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass
class TrainConfig:
    """Every setting of one run of `lmcore.train`; a run is a pure function of this config (on CPU, bitwise)."""

    # the model: "gpt" (lmcore.GPT) or "bigram" (lmcore.BigramLM); shapes are GPT's
    model: str = "gpt"
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    block_size: int = 64  # T: tokens a training window feeds the model (the bundled val sequences need >= 63)
    dropout: float = 0.0
    # the data: None = the bundled Markov corpus; else a UTF-8 text file, tokenized by "word" or "bpe"
    data: str | None = None
    tokenizer: str = "word"
    bpe_vocab_size: int = 512
    val_fraction: float = 0.1  # tail of a text file held out for the validation loss
    # the optimisation: AdamW on the summed loss, warmup then cosine decay from lr to min_lr
    steps: int = 1000
    batch_size: int = 32  # GLOBAL sequences per optimizer step (all processes, all micro-batches)
    micro_batch_size: int | None = None  # sequences per forward pass per process; None = batch_size / world size
    lr: float = 3e-3
    min_lr: float | None = None  # None = lr / 10
    warmup_steps: int = 50
    weight_decay: float = 0.1  # on matrices only (not LayerNorm gains or biases)
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0  # clip the global gradient norm to this; 0 = off
    seed: int = 1337
    # evaluation, logging, checkpoints
    eval_interval: int = 100  # steps between held-out evaluations (and always at the end)
    eval_tokens: int | None = None  # evaluate on at most this many validation tokens; None = all
    log_interval: int = 10
    ckpt_interval: int = 0  # steps between checkpoints; 0 = only at the end (or when stopped)
    stop_at: int | None = None  # stop after this many steps, leaving a checkpoint (the schedule still spans `steps`)
    out: str = "runs/train"
    progress: bool = True
    # the hardware: "auto" picks cuda, then mps, then cpu; the rest default to the fast path on CUDA
    device: str = "auto"
    threads: int | None = None  # CPU threads for torch during the run; None = torch's default
    dtype: str = "auto"  # "auto" (bf16 autocast on CUDA, else fp32), "bf16" or "fp32"
    compile: bool | None = None  # torch.compile; None = on for CUDA
    compile_mode: str | None = None  # passed to torch.compile, e.g. "max-autotune-no-cudagraphs"
    cuda_graphs: bool | None = None  # capture the whole step in a CUDA graph; None = on for single-process CUDA
    sdpa_backend: str | None = None  # preferred attention kernel: "cudnn", "flash", "efficient", "math"; None = torch's

    def __post_init__(self) -> None:
        problems = []
        if self.model not in ("gpt", "bigram"):
            problems.append(f"model must be 'gpt' or 'bigram', got {self.model!r}")
        if self.tokenizer not in ("word", "bpe"):
            problems.append(f"tokenizer must be 'word' or 'bpe', got {self.tokenizer!r}")
        if self.sdpa_backend not in (None, "cudnn", "flash", "efficient", "math"):
            problems.append(f"sdpa_backend must be cudnn, flash, efficient, math or None, got {self.sdpa_backend!r}")
        if self.dtype not in ("auto", "bf16", "fp32"):
            problems.append(f"dtype must be 'auto', 'bf16' or 'fp32', got {self.dtype!r}")
        for name in ("steps", "batch_size", "block_size", "eval_interval", "log_interval"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("micro_batch_size", "stop_at", "eval_tokens", "threads"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1 (or None), got {getattr(self, name)}")
        if self.model == "gpt" and self.n_embd % self.n_head:
            problems.append(f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")
        if not 0 < self.val_fraction < 1:
            problems.append(f"val_fraction must be in (0, 1), got {self.val_fraction}")
        if problems:
            raise ValueError("TrainConfig: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"TrainConfig has no field(s) {unknown}")
        return cls(**d)

    def with_(self, **changes: Any) -> TrainConfig:
        return replace(self, **changes)


# Settings that decide the trajectory: a resumed run must agree with its checkpoint on all of them.
TRAJECTORY_FIELDS = (
    "model", "n_layer", "n_head", "n_embd", "block_size", "dropout", "data", "tokenizer", "bpe_vocab_size",
    "val_fraction", "steps", "batch_size", "lr", "min_lr", "warmup_steps", "weight_decay", "beta1", "beta2",
    "grad_clip", "seed",
)

PRESETS: dict[str, dict[str, Any]] = {
    # Reaches the bundled corpus's entropy floor (within 0.1 nats/token) in seconds on 2 CPU cores. One thread:
    # its matrices are too small to share, and on a busy machine a second thread mostly spins waiting.
    "tiny": dict(model="gpt", n_layer=1, n_head=2, n_embd=32, block_size=64, batch_size=32, steps=300, lr=1e-2,
                 warmup_steps=20, eval_interval=50, log_interval=10, threads=1),
    # The closed-form-fittable model, trained by gradient descent instead.
    "bigram": dict(model="bigram", block_size=64, batch_size=32, steps=300, lr=0.1, warmup_steps=10,
                   weight_decay=0.0, eval_interval=50, log_interval=10),
    # nanoGPT's shakespeare-char shapes (GPU).
    "char": dict(model="gpt", n_layer=6, n_head=6, n_embd=384, block_size=256, batch_size=64, steps=5000, lr=1e-3,
                 warmup_steps=100, eval_interval=250, log_interval=10),
    # GPT-2 small shapes, ~0.5M tokens per step through gradient accumulation (GPU).
    "gpt2": dict(model="gpt", n_layer=12, n_head=12, n_embd=768, block_size=1024, batch_size=480,
                 micro_batch_size=12, steps=5000, lr=6e-4, warmup_steps=200, eval_interval=250, log_interval=10),
}


def preset(name: str, **overrides: Any) -> TrainConfig:
    """The named preset (see PRESETS) with `overrides` applied."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return TrainConfig(**{**PRESETS[name], **overrides})


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Learning rate for optimizer step `step` (0-based): linear warmup, then cosine decay.

        lr(s) = lr * (s + 1) / W                                           for s < W
        lr(s) = min_lr + (lr - min_lr) * (1 + cos(pi * (s - W) / (S - W))) / 2   for W <= s < S
    with W = warmup_steps, S = steps, min_lr = lr / 10 unless set.
    """
    min_lr = cfg.lr / 10 if cfg.min_lr is None else cfg.min_lr
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    span = max(cfg.steps - cfg.warmup_steps, 1)
    progress = min((step - cfg.warmup_steps) / span, 1.0)
    return min_lr + (cfg.lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))
