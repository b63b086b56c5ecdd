"""One optimizer step, made fast: device and precision choice, fused AdamW, torch.compile, CUDA graphs, DDP.

The step minimizes the summed loss sum_{x in batch} L_theta(x). Its gradient is scaled by 1 / (tokens per step),
a positive constant, so the minimizer is unchanged and the learning rate does not depend on the batch size:

    g = (1 / N) * sum_{micro-batches m} sum_{processes r} grad sum_{i in (m, r)} L_i,   N = tokens per step

Each micro-batch's backward adds its share, and DDP averages over processes, so g equals the gradient of one big
batch (up to float rounding), however the batch is split.
"""

from __future__ import annotations

import contextlib
import os
import platform
import warnings
from collections.abc import Iterable
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F


def pick_device(name: str = "auto") -> torch.device:
    """cuda, then mps, then cpu for "auto"; otherwise the named device (cuda:LOCAL_RANK under torchrun)."""
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(f"device {name!r} was asked for but CUDA is not available")
        if device.index is None:
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    return device


def describe_device(device: torch.device) -> str:
    """The GPU's name, or the CPU's model name and torch's thread count."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    n = torch.get_num_threads()
    return f"{device.type} ({cpu}, {n} thread{'s' if n > 1 else ''})"


def autocast_dtype(dtype: str, device: torch.device) -> torch.dtype | None:
    """bf16 autocast on CUDA ("auto" when the GPU supports it), or None for plain fp32."""
    if dtype == "fp32" or (dtype == "auto" and device.type != "cuda"):
        return None
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        if dtype == "bf16":
            raise RuntimeError("dtype='bf16' was asked for but this GPU does not support bfloat16")
        return None
    return torch.bfloat16


def configure_cuda() -> None:
    """TF32 for fp32 matmuls and convolutions (Ampere and later): ~10 bits of mantissa, much faster."""
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True


def init_distributed(device: torch.device) -> tuple[int, int, bool]:
    """(rank, world_size, we_initialized) from torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR/PORT).

    NCCL on CUDA, gloo elsewhere. A single process (no WORLD_SIZE, or 1) needs no process group.
    """
    world = int(os.environ.get("WORLD_SIZE", 1))
    if world <= 1:
        return 0, 1, False
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), False
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size(), True


class SummedLoss(nn.Module):
    """A batch of windows (B, T + 1) -> sum_i L_i over its B x T positions (a scalar, nats, computed in fp32).

    Inputs are window[:, :-1] and targets window[:, 1:]. Wrapping the model and its loss in one module lets
    torch.compile fuse the logits' upcast, log-softmax and gather, and lets DDP wrap the whole forward.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        logits = self.model(window[:, :-1])  # (B, T, V)
        return F.cross_entropy(logits.flatten(0, 1).float(), window[:, 1:].flatten(), reduction="sum")


def make_optimizer(model: nn.Module, lr: float, weight_decay: float, betas: tuple[float, float],
                   device: torch.device, capturable: bool = False) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only, fused (one kernel for every parameter) where torch has the kernel:
    CUDA, and CPU since torch 2.4 (there ~25x faster than the per-parameter loop on GPT shapes).

    capturable=True keeps every piece of optimizer state, the learning rate included, in device tensors, so the
    step can be captured in a CUDA graph and the schedule still changes the rate it reads.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    groups = [g for g in groups if g["params"]]
    kwargs: dict = {"capturable": True} if capturable else {}
    try:
        opt = torch.optim.AdamW(groups, lr=lr, betas=betas, fused=True, **kwargs)
    except (RuntimeError, ValueError):  # no fused kernel for this device in this torch
        opt = torch.optim.AdamW(groups, lr=lr, betas=betas, **kwargs)
    if capturable:
        set_tensor_lr(opt, lr, device)
    return opt


def set_tensor_lr(opt: torch.optim.Optimizer, lr: float, device: torch.device) -> None:
    """Give each param group its own device tensor for lr, which a captured step reads."""
    for g in opt.param_groups:
        g["lr"] = torch.tensor(float(lr), device=device)


def load_optimizer_state(opt: torch.optim.Optimizer, state: dict, device: torch.device, capturable: bool) -> None:
    """opt.load_state_dict(state), keeping this optimizer's implementation flags (fused, capturable, ...):
    load_state_dict would otherwise take them from the checkpoint, which may come from another device."""
    keys = ("fused", "foreach", "capturable", "differentiable")
    flags = [{k: g[k] for k in keys if k in g} for g in opt.param_groups]
    opt.load_state_dict(state)
    for g, f in zip(opt.param_groups, flags, strict=True):
        g.update(f)
        lr = float(g["lr"])
        g["lr"] = torch.tensor(lr, device=device) if capturable else lr


def set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    """Set every group's learning rate; a tensor lr (CUDA-graph mode) is updated in place, so graphs see it."""
    for g in opt.param_groups:
        if isinstance(g["lr"], torch.Tensor):
            g["lr"].fill_(lr)
        else:
            g["lr"] = lr


SDPA_BACKENDS = {"cudnn": "CUDNN_ATTENTION", "flash": "FLASH_ATTENTION", "efficient": "EFFICIENT_ATTENTION",
                 "math": "MATH"}


def sdpa_preference(name: str | None) -> contextlib.AbstractContextManager:
    """Prefer one scaled_dot_product_attention backend (e.g. "cudnn", fast on H100), falling back to the others.

    None leaves torch's own choice. Must be active while the model is compiled/captured and at every forward.
    """
    if name is None:
        return contextlib.nullcontext()
    if name not in SDPA_BACKENDS:
        raise ValueError(f"sdpa_backend must be one of {sorted(SDPA_BACKENDS)} or None, got {name!r}")
    from torch.nn.attention import SDPBackend, sdpa_kernel

    first = getattr(SDPBackend, SDPA_BACKENDS[name])
    rest = [getattr(SDPBackend, b) for b in SDPA_BACKENDS.values() if b != SDPA_BACKENDS[name]]
    try:
        return sdpa_kernel([first, *rest], set_priority=True)
    except TypeError:  # torch < 2.6: no priorities, only a restriction
        return sdpa_kernel([first])


class Stepper:
    """Runs one optimizer step on a global batch slice: forward and backward over micro-batches, clip, AdamW.

    `step(batch)` takes this process's rows (micro_batches * micro_batch_size, T + 1) on the device and returns
    (mean per-token loss, gradient norm before clipping) as device tensors, without synchronizing.
    With cuda_graphs, the first `warmup` steps run eagerly (compiling, allocating), then the whole step - every
    forward, backward, the clip and the fused AdamW update - is captured once and replayed: one launch per step.
    """

    def __init__(self, loss_module: nn.Module, params: Iterable[torch.Tensor], optimizer: torch.optim.Optimizer,
                 micro_batches: int, grad_clip: float, amp_dtype: torch.dtype | None, device: torch.device,
                 ddp: bool = False, cuda_graphs: bool = False, warmup: int = 3, sdpa_backend: str | None = None):
        self.loss_module, self.params, self.opt = loss_module, list(params), optimizer
        self.sdpa_backend = sdpa_backend
        self.micro_batches, self.grad_clip, self.device, self.ddp = micro_batches, grad_clip, device, ddp
        self.amp_dtype, self.cuda_graphs, self.warmup = amp_dtype, cuda_graphs, warmup
        self.graph: torch.cuda.CUDAGraph | None = None
        self.steps_run = 0

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        # CUDA graphs need the autocast weight cache off: a cached cast would be baked in from the capture.
        return torch.autocast(self.device.type, dtype=self.amp_dtype, cache_enabled=not self.cuda_graphs)

    def _forward_backward(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Accumulate the gradient over micro-batches, clip it, and take the AdamW step (grads stay in .grad)."""
        micro = batch.view(self.micro_batches, -1, batch.shape[-1])
        scale = 1.0 / (micro.shape[0] * micro.shape[1] * (micro.shape[2] - 1))  # 1 / tokens this process sees
        total = torch.zeros((), device=self.device)
        for m in range(self.micro_batches):
            if self.ddp:  # all-reduce the gradients only once, after the last micro-batch
                self.loss_module.require_backward_grad_sync = m == self.micro_batches - 1
            with self._autocast(), sdpa_preference(self.sdpa_backend):
                loss = self.loss_module(micro[m]) * scale
            loss.backward()
            total += loss.detach()
        if self.grad_clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(self.params, self.grad_clip)
        else:
            norm = torch.full((), float("nan"), device=self.device)
        self.opt.step()
        return total, norm

    def _eager(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        loss, norm = self._forward_backward(batch)
        self.opt.zero_grad(set_to_none=True)
        return loss, norm

    def step(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.steps_run += 1
        if not self.cuda_graphs:
            return self._eager(batch)
        if self.graph is None and self.steps_run <= self.warmup:
            side = torch.cuda.Stream(self.device)  # warm up off the default stream, as graph capture requires
            side.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(side):
                out = self._eager(batch)
            torch.cuda.current_stream(self.device).wait_stream(side)
            return out
        if self.graph is None:
            try:
                self._capture(batch)
            except Exception as e:  # noqa: BLE001 - any capture failure: keep training without graphs
                warnings.warn(f"CUDA graph capture failed ({type(e).__name__}: {e}); continuing without CUDA graphs",
                              stacklevel=2)
                self.graph, self.cuda_graphs = None, False
                self.opt.zero_grad(set_to_none=True)
                torch.cuda.synchronize(self.device)
                return self._eager(batch)
        self.static_batch.copy_(batch, non_blocking=True)
        self.graph.replay()
        return self.static_loss.clone(), self.static_norm.clone()

    def _capture(self, batch: torch.Tensor) -> None:
        self.static_batch = batch.clone()
        self.opt.zero_grad(set_to_none=True)  # backward then allocates .grad from the graph's private pool
        torch.cuda.synchronize(self.device)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            self.static_loss, self.static_norm = self._forward_backward(self.static_batch)
        self.graph = graph  # capture records the step but runs nothing: step() replays it for this batch
