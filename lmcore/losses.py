"""The pre-training objective, term by term.

For a token sequence x = (x_0, ..., x_m) and a model with parameters theta:
    L_i       = -log Pr_theta(x_i | x_0..x_{i-1})       i = 1..m  (natural log, nats; x_0 is context only)
              = cross_entropy(p_i, q_i) = -sum_k p_ik log q_ik = -log q_i[x_i]     (p_i one-hot at x_i)
    L_theta(x) = sum_i L_i                                (sequence loss)
    log Pr_theta(x_1..x_m | x_0) = sum_i log Pr(x_i | x_<i) = -L_theta(x)            (chain rule)
    objective  = sum_{x in D} L_theta(x),   theta_hat = argmin_theta objective      (one theta for all of D)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

Model = Callable[[torch.Tensor], torch.Tensor]  # LongTensor (B, T) -> logits (B, T, V)


def _as_tensor(x: Any, dtype: torch.dtype | None = None) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    return torch.as_tensor(np.asarray(x), dtype=dtype)


def _check_ids(ids: torch.Tensor, vocab_size: int, what: str, ignore_index: int | None = None) -> None:
    if ids.dtype.is_floating_point or ids.dtype == torch.bool:
        raise TypeError(f"{what} must be integer token ids, got dtype {ids.dtype}")
    valid = ids if ignore_index is None else ids[ids != ignore_index]
    bad = valid[(valid < 0) | (valid >= vocab_size)]
    if bad.numel():
        raise ValueError(f"{what} contains id {int(bad[0])}, outside [0, {vocab_size}) for vocab_size={vocab_size}")


def one_hot(ids: Any, vocab_size: int) -> torch.Tensor:
    """Ground-truth distributions p with p[..., k] = 1 if k == ids[...] else 0.

    Shape (*ids.shape, vocab_size), dtype float32, every row sums to 1.
    """
    ids = _as_tensor(ids)
    if vocab_size < 1:
        raise ValueError(f"vocab_size must be >= 1, got {vocab_size}")
    _check_ids(ids, vocab_size, "one_hot ids")
    return F.one_hot(ids.long(), vocab_size).to(torch.float32)


def cross_entropy(p: Any, q: Any) -> torch.Tensor:
    """H(p, q) = -sum_k p_k log q_k over the last dim (nats), with 0 * log 0 = 0.

    p: target distribution (e.g. one_hot), q: model probabilities; same shape (..., V). Returns shape (...).
    With p one-hot at x this is -log q[x].
    """
    p_t, q_t = _as_tensor(p), _as_tensor(q)
    if not p_t.dtype.is_floating_point:
        p_t = p_t.to(torch.float32)
    if not q_t.dtype.is_floating_point:
        q_t = q_t.to(torch.float32)
    if p_t.shape != q_t.shape:
        raise ValueError(f"cross_entropy: p has shape {tuple(p_t.shape)} but q has {tuple(q_t.shape)}; they must match")
    if (q_t < 0).any() or (q_t > 1 + 1e-6).any():
        raise ValueError("cross_entropy: q must hold probabilities in [0, 1] (pass softmax(logits), not logits)")
    dtype = torch.promote_types(p_t.dtype, q_t.dtype)
    return -torch.xlogy(p_t.to(dtype), q_t.to(dtype)).sum(-1)


def softmax(logits: Any, dim: int = -1) -> torch.Tensor:
    """q_k = exp(z_k) / sum_j exp(z_j) along `dim`, computed as exp(z_k - max_j z_j) / sum_j exp(z_j - max_j z_j).

    Subtracting the max changes nothing mathematically but keeps exp from overflowing, so logits like z + 1000 or
    1000 * z give the same, finite probabilities. Integer logits are taken as float32; float16/bfloat16 are computed
    in float32 and returned in their own dtype. Returns a tensor of the input's shape whose slices along `dim` sum to 1.
    """
    z = _as_tensor(logits)
    out_dtype = z.dtype if z.dtype.is_floating_point else torch.float32
    z = z.float() if z.dtype in (torch.float16, torch.bfloat16) or not z.dtype.is_floating_point else z
    if z.dim() == 0:
        raise ValueError("softmax expects at least one dimension of logits, got a scalar")
    shifted = z - z.amax(dim=dim, keepdim=True)
    e = shifted.exp()
    return (e / e.sum(dim=dim, keepdim=True)).to(out_dtype)


def step_losses(logits: torch.Tensor, targets: Any, ignore_index: int = -100) -> torch.Tensor:
    """Per-step losses L_i = -log softmax(z_i)[x_i] (nats), computed with log_softmax so that large logits
    (z + 100, 1000 * z) stay exact. logits (T, V) / (B, T, V), targets (T,) / (B, T); ignored steps give 0.
    """
    logits = _as_tensor(logits)
    targets = _as_tensor(targets).long()
    if logits.dim() not in (2, 3) or logits.shape[:-1] != targets.shape:
        raise ValueError(
            f"step_losses expects logits (T, V) with targets (T,) or (B, T, V) with (B, T); "
            f"got logits {tuple(logits.shape)} and targets {tuple(targets.shape)}"
        )
    _check_ids(targets, logits.shape[-1], "targets", ignore_index)
    if not logits.dtype.is_floating_point:
        logits = logits.float()
    elif logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()  # log-softmax in half precision loses ~3 digits
    keep = targets != ignore_index
    logp = torch.log_softmax(logits, dim=-1)  # (..., T, V)
    nll = -logp.gather(-1, torch.where(keep, targets, 0).unsqueeze(-1)).squeeze(-1)  # (..., T)
    return torch.where(keep, nll, torch.zeros((), dtype=nll.dtype, device=nll.device))


def sequence_loss(logits: torch.Tensor, targets: Any, ignore_index: int = -100) -> torch.Tensor:
    """L_theta(x) = sum_{i=1..m} L_i. Shape () for one sequence, (B,) for a batch."""
    return step_losses(logits, targets, ignore_index).sum(-1)


def total_loss(losses: Any) -> float:
    """sum_i losses[i] as a float, e.g. per-step losses 1.2, 0.5, 2.3 -> 4.0 or sequence losses 8.4, 2.1, 5.5 -> 16.0.

    A sum, not a mean. Uses a correctly rounded sum (math.fsum) so the course's examples come out exact.
    """
    if isinstance(losses, torch.Tensor):
        losses = losses.detach().cpu().double().reshape(-1).tolist()
    elif isinstance(losses, np.ndarray):
        losses = losses.astype(np.float64).reshape(-1).tolist()
    return math.fsum(float(v) for v in losses)


def next_token_targets(ids: Any) -> tuple[Any, Any]:
    """(inputs, targets) = (ids[..., :-1], ids[..., 1:]): position i of inputs predicts x_{i+1}.

    For x = (x_0..x_m) this gives m prediction steps; x_0 is never a target. Lists stay lists.
    """
    if isinstance(ids, (list, tuple)):
        return ids[:-1], ids[1:]
    return ids[..., :-1], ids[..., 1:]


def _as_ids(ids: Any) -> torch.Tensor:
    t = _as_tensor(ids).long()
    if t.dim() == 2 and t.shape[0] == 1:
        t = t[0]
    if t.dim() != 1:
        raise ValueError(f"expected one id sequence (T,) or (1, T), got shape {tuple(t.shape)}")
    return t


def _model_device(model: Any) -> torch.device:
    try:
        return next(model.parameters()).device
    except (AttributeError, StopIteration):
        return torch.device("cpu")


@torch.inference_mode()
def sequence_log_prob(model: Model, ids: Any) -> float:
    """log Pr_theta(x_1..x_m | x_0) = sum_i log Pr_theta(x_i | x_<i) = -L_theta(x) (chain rule), natural log."""
    ids = _as_ids(ids).to(_model_device(model))
    if ids.numel() < 2:
        return 0.0  # no prediction steps: the empty product is 1
    inputs, targets = next_token_targets(ids)
    logits = model(inputs.unsqueeze(0))  # (1, T, V)
    return -float(sequence_loss(logits[0], targets).double())


def sequence_prob(model: Model, ids: Any) -> float:
    """Pr_theta(x_1..x_m | x_0) = exp(-L_theta(x)) = prod_i Pr_theta(x_i | x_<i)."""
    return math.exp(sequence_log_prob(model, ids))


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first), so padding wastes almost nothing."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


@torch.inference_mode()
def dataset_loss(
    model: Model,
    sequences: Sequence[Any],
    *,
    batch_size: int = 64,
    device: str | torch.device | None = None,
) -> float:
    """sum_{x in D} L_theta(x): the pre-training objective's value for one parameter set theta.

    Ragged sequences are batched by length, right-padded, and padded targets masked, so the result equals the
    per-sequence sum and does not depend on batch size or order. Needs a causal model (position t sees only
    <= t), which is what makes right padding harmless. At most one batch of logits is alive at a time.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    device = torch.device(device) if device is not None else _model_device(model)
    seqs = [_as_ids(s) for s in sequences]
    lengths = [len(s) for s in seqs]
    total = 0.0
    for batch in length_sorted_batches(lengths, batch_size):
        T = lengths[batch[0]] - 1  # prediction steps of the longest sequence in this batch
        if T < 1:
            continue  # sequences of length <= 1 have no loss terms (batches are sorted, so all the rest too)
        ids = torch.zeros(len(batch), T + 1, dtype=torch.long)
        targets = torch.full((len(batch), T), -100, dtype=torch.long)
        for row, i in enumerate(batch):
            if lengths[i] >= 2:  # a sequence of one token has no prediction steps
                ids[row, : lengths[i]] = seqs[i]
                targets[row, : lengths[i] - 1] = seqs[i][1:]
        ids, targets = ids.to(device, non_blocking=True), targets.to(device, non_blocking=True)
        logits = model(ids[:, :-1])  # (B, T, V)
        V = logits.shape[-1]
        total += float(F.cross_entropy(logits.reshape(-1, V).float(), targets.reshape(-1), reduction="sum").double())
        del logits
    return total


def mean_token_loss(model: Model, sequences: Sequence[Any], **kwargs: Any) -> float:
    """Dataset loss per predicted token (nats/token): sum_x L_theta(x) / sum_x m_x, comparable to an entropy rate."""
    steps = sum(max(len(s) - 1, 0) for s in sequences)
    return dataset_loss(model, sequences, **kwargs) / max(steps, 1)
