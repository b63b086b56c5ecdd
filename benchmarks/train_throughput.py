"""Training throughput of lmcore's optimizer step, next to a nanoGPT-style step, on random tokens.

Prints one JSON object per (config, variant): params, ms/iter, tokens/s, and MFU, where a token costs
6 N + 12 L H Q T FLOPs (GPT.flops_per_token) against the GPU's dense bf16 peak (989 TFLOP/s for H100 SXM / H200).

  a: GPT-2 small shapes: 12 layers, 12 heads, 768 wide, vocab 50304, T=1024, B=12
  b: character model:    6 layers, 6 heads, 384 wide, vocab 65, T=256, B=64

Variants, timed one after the other in the same process (--variant, comma-separated):
  baseline         nanoGPT's train.py recipe: torch.compile(model + loss), bf16, fused AdamW, clip 1.0, eager step
  lmcore           what lmcore.train runs on CUDA: the same, with the whole step captured in one CUDA graph
  lmcore-cudnn     lmcore preferring cuDNN attention (TrainConfig.sdpa_backend="cudnn")
  lmcore-autotune  lmcore with torch.compile mode "max-autotune-no-cudagraphs" (minutes of compilation)

Both get a fresh host batch each iteration through pinned memory, as lmcore.train does. Without CUDA (or with
--cpu-smoke) the shapes shrink (T and B; layers, width and vocab stay) and only lmcore's eager fp32 step runs: those
figures stand in until a GPU is available and say nothing about GPU speed.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lmcore import GPT, GPTConfig  # noqa: E402
from lmcore.train_data import to_device  # noqa: E402
from lmcore.train_step import (  # noqa: E402
    Stepper,
    SummedLoss,
    autocast_dtype,
    configure_cuda,
    describe_device,
    make_optimizer,
)

CONFIGS = {
    "a": dict(name="gpt2-small", n_layer=12, n_head=12, n_embd=768, vocab_size=50304, T=1024, B=12),
    "b": dict(name="char", n_layer=6, n_head=6, n_embd=384, vocab_size=65, T=256, B=64),
}
CPU_SHAPES = {"a": dict(T=128, B=1), "b": dict(T=256, B=4)}  # --cpu-smoke: same model, fewer tokens per step
# nanoGPT's model.py on an H100 SXM (bf16, torch.compile, fused AdamW, random tokens), as the issue quotes it
REFERENCE = {"a": dict(ms_per_iter=29.05, tokens_per_s=423_000, mfu=0.366),
             "b": dict(ms_per_iter=14.48, tokens_per_s=1_130_000)}
GOAL = {"a": 1.2, "b": 2.0}  # wanted tokens/s over the reference's


def peak_bf16_tflops(device: torch.device) -> float | None:
    """Dense bf16 peak of the GPU (no sparsity), or None where unknown (and on CPU)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    if "H100" in name and "PCIe" in name:
        return 756.0
    if "H100" in name or "H200" in name or "GH200" in name:
        return 989.0
    if "A100" in name:
        return 312.0
    return None


VARIANTS = {  # name -> (CUDA graphs, sdpa_backend, compile mode)
    "baseline": (False, None, None),
    "lmcore": (True, None, None),
    "lmcore-cudnn": (True, "cudnn", None),
    "lmcore-autotune": (True, None, "max-autotune-no-cudagraphs"),
}


def run(key: str, variant: str, device: torch.device, steps: int, warmup: int, cpu_smoke: bool) -> dict:
    c = {**CONFIGS[key], **(CPU_SHAPES[key] if cpu_smoke else {})}
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=c["T"], vocab_size=c["vocab_size"], n_layer=c["n_layer"], n_head=c["n_head"],
                          n_embd=c["n_embd"])).to(device)
    cuda = device.type == "cuda"
    graphs, sdpa, compile_mode = VARIANTS[variant]
    graphs = graphs and cuda
    opt = make_optimizer(model, 6e-4, 0.1, (0.9, 0.95), device, capturable=graphs)
    loss_module = SummedLoss(model)
    if cuda:
        loss_module = torch.compile(loss_module, mode=compile_mode)
    stepper = Stepper(loss_module, model.parameters(), opt, 1, 1.0, autocast_dtype("auto", device), device,
                      cuda_graphs=graphs, sdpa_backend=sdpa if cuda else None)

    def batch() -> torch.Tensor:
        return to_device(torch.randint(c["vocab_size"], (c["B"], c["T"] + 1)), device)

    t0 = time.perf_counter()
    for _ in range(warmup):  # compilation, CUDA-graph capture, allocator warm-up
        loss, _ = stepper.step(batch())
    float(loss)
    warm_s = time.perf_counter() - t0
    if cuda:
        torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        loss, _ = stepper.step(batch())
    float(loss)  # waits for the last step
    if cuda:
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - t0

    tokens = c["B"] * c["T"]
    ms = 1000 * seconds / steps
    tps = tokens * steps / seconds
    fpt = model.flops_per_token(c["T"])
    peak = peak_bf16_tflops(device)
    out = {
        "benchmark": "train_throughput", "config": key, "name": c["name"], "variant": variant,
        "device": describe_device(device), "torch": torch.__version__,
        "dtype": "bf16" if autocast_dtype("auto", device) else "fp32", "compile": cuda,
        "compile_mode": compile_mode if cuda else None, "cuda_graphs": stepper.graph is not None,
        "sdpa_backend": sdpa if cuda else None,
        "shape": {k: c[k] for k in ("n_layer", "n_head", "n_embd", "vocab_size", "T", "B")},
        "params": model.num_params(), "ms_per_iter": round(ms, 3), "tokens_per_s": round(tps),
        "flops_per_token": fpt, "achieved_tflops": round(fpt * tps / 1e12, 2),
        "mfu": round(fpt * tps / (peak * 1e12), 4) if peak else None,
        "steps": steps, "warmup_steps": warmup, "warmup_s": round(warm_s, 1), "loss": round(float(loss), 4),
    }
    if cuda:
        out["max_memory_gib"] = round(torch.cuda.max_memory_allocated(device) / 2**30, 2)
    del stepper, loss_module, opt, model
    gc.collect()
    if cuda:
        torch._dynamo.reset()  # each variant compiles afresh (and never hits the recompile limit)
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", choices=["a", "b", "all"], default="all")
    ap.add_argument("--variant", default="baseline,lmcore", help=f"comma-separated, from {', '.join(VARIANTS)}")
    ap.add_argument("--steps", type=int, default=None, help="timed steps (default 50 on CUDA, 3 on CPU)")
    ap.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 10 on CUDA, 1 on CPU)")
    ap.add_argument("--cpu-smoke", action="store_true", help="CPU, smaller T and B (automatic without CUDA)")
    args = ap.parse_args()

    cpu_smoke = args.cpu_smoke or not torch.cuda.is_available()
    device = torch.device("cpu" if cpu_smoke else "cuda")
    if device.type == "cuda":
        configure_cuda()
    steps = args.steps or (3 if cpu_smoke else 50)
    warmup = args.warmup or (1 if cpu_smoke else 10)
    keys = ["b", "a"] if args.config == "all" else [args.config]  # b first: it compiles in seconds
    variants = [v.strip() for v in args.variant.split(",")]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    if cpu_smoke:
        variants = ["lmcore"]  # on CPU both variants are the same eager fp32 step
    for key in keys:
        rows = {}
        for v in variants:
            row = rows[v] = run(key, v, device, steps, warmup, cpu_smoke)
            if "baseline" in rows and v != "baseline":
                row["speedup_vs_baseline_same_run"] = round(row["tokens_per_s"] / rows["baseline"]["tokens_per_s"], 3)
            if not cpu_smoke:
                ref = REFERENCE[key]
                row["nanogpt_reference_h100"] = ref
                row["ratio_vs_reference"] = round(row["tokens_per_s"] / ref["tokens_per_s"], 3)
                row["goal_ratio"] = GOAL[key]
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
