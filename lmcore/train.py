"""The training loop: find theta_hat = argmin_theta sum_{x in D} L_theta(x) by stochastic gradient steps.

    L_theta(x) = sum_i -log Pr_theta(x_i | x_<i)        (one sequence's loss, nats)
    objective  = sum_{x in D} L_theta(x)                 (the dataset loss: one theta for all of D)

Each step draws a batch of random windows of the training stream, computes the gradient of their summed loss
(scaled by 1 / tokens per step, which leaves the minimizer alone; see train_step), clips it, and moves theta with
AdamW at the scheduled learning rate. Every eval_interval steps the held-out dataset loss is computed with
lmcore.dataset_loss and reported per token, next to the source's entropy floor: the best loss any model can reach.

    from lmcore import train, TrainConfig
    summary = train(TrainConfig(steps=300), out="runs/demo")      # or: lmcourse train --preset tiny --out DIR
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn as nn

from .bigram import BigramLM
from .losses import dataset_loss
from .model import GPT, GPTConfig
from .train_config import TRAJECTORY_FIELDS, TrainConfig, lr_at, preset
from .train_data import WindowSampler, limit_tokens, load_data, to_device
from .train_report import (
    MetricsLog,
    Progress,
    Throughput,
    load_checkpoint,
    plot_losses,
    read_metrics,
    save_checkpoint,
)
from .train_step import (
    Stepper,
    SummedLoss,
    autocast_dtype,
    configure_cuda,
    describe_device,
    init_distributed,
    load_optimizer_state,
    make_optimizer,
    pick_device,
    set_lr,
)

__all__ = ["TrainConfig", "build_model", "preset", "train"]


def build_model(cfg: TrainConfig, vocab_size: int) -> nn.Module:
    """The model cfg names, for a vocabulary of vocab_size ids: (B, T) ids -> (B, T, V) logits."""
    if cfg.model == "bigram":
        return BigramLM(vocab_size)
    shape = GPTConfig(block_size=cfg.block_size, vocab_size=vocab_size, n_layer=cfg.n_layer, n_head=cfg.n_head,
                      n_embd=cfg.n_embd, dropout=cfg.dropout)
    return GPT(shape)


def train(config: TrainConfig | None = None, *, resume: bool = False, **overrides: Any) -> dict[str, Any]:
    """Train cfg.model on cfg.data (default: the bundled corpus); write metrics.jsonl, summary.json, loss.png and
    ckpt.pt under cfg.out, and return the summary. Keyword overrides replace config fields (train(out="d")).

    resume=True continues from cfg.out/ckpt.pt (model, optimizer, step, RNG states); on CPU the result is bitwise
    the run that never stopped. Under torchrun (WORLD_SIZE > 1) each process trains its share of every global batch
    with DistributedDataParallel; rank 0 evaluates and writes the files.
    """
    cfg, ckpt = _resolve(config, resume, overrides)
    device = pick_device(cfg.device)
    rank, world, own_group = init_distributed(device)
    threads = torch.get_num_threads()
    if cfg.threads is not None:
        torch.set_num_threads(cfg.threads)
    try:
        return _run(cfg, ckpt, device, rank, world)
    finally:
        torch.set_num_threads(threads)
        if own_group:
            dist.destroy_process_group()


def _resolve(config: TrainConfig | None, resume: bool, overrides: dict[str, Any]) -> tuple[TrainConfig, dict | None]:
    if not resume:
        return (config or TrainConfig()).with_(**overrides), None
    out = Path(overrides.get("out") or (config.out if config else TrainConfig.out))
    ckpt = load_checkpoint(out / "ckpt.pt")
    saved = TrainConfig.from_dict(ckpt["config"])
    base = config if config is not None else saved.with_(stop_at=None)
    cfg = base.with_(out=str(out), **{k: v for k, v in overrides.items() if k != "out"})
    changed = [f"{f} ({getattr(saved, f)!r} -> {getattr(cfg, f)!r})" for f in TRAJECTORY_FIELDS
               if getattr(saved, f) != getattr(cfg, f)]
    if changed:
        raise ValueError(f"--resume: {out / 'ckpt.pt'} was trained with other settings: {', '.join(changed)}")
    return cfg, ckpt


def _run(cfg: TrainConfig, ckpt: dict | None, device: torch.device, rank: int, world: int) -> dict[str, Any]:
    is_main = rank == 0
    out = Path(cfg.out)
    if is_main:
        out.mkdir(parents=True, exist_ok=True)
    if device.type == "cuda":
        configure_cuda()

    # --- data and model ------------------------------------------------------------------------------------
    data = load_data(cfg.data, cfg.block_size, cfg.tokenizer, cfg.bpe_vocab_size, cfg.val_fraction)
    val = limit_tokens(data.val_sequences, cfg.eval_tokens)
    eval_batch = max(1, min(64, 2**26 // (cfg.block_size * data.vocab_size)))  # <= ~256 MB of fp32 logits
    micro = cfg.micro_batch_size or cfg.batch_size // world
    if micro < 1 or cfg.batch_size % (micro * world):
        raise ValueError(f"batch_size {cfg.batch_size} must be a multiple of world size {world} "
                         f"x micro_batch_size {micro}")
    accum = cfg.batch_size // (micro * world)  # micro-batches per step per process (gradient accumulation)
    rows = slice(rank * micro * accum, (rank + 1) * micro * accum)  # this process's rows of each global batch
    tokens_per_step = cfg.batch_size * cfg.block_size

    torch.manual_seed(cfg.seed)
    model = build_model(cfg, data.vocab_size).to(device)
    use_compile = device.type == "cuda" if cfg.compile is None else cfg.compile
    inductor_graphs = use_compile and cfg.compile_mode in ("reduce-overhead", "max-autotune")  # has its own
    use_graphs = device.type == "cuda" and world == 1 and not inductor_graphs and cfg.cuda_graphs is not False
    if cfg.cuda_graphs and not use_graphs:
        warnings.warn("cuda_graphs needs one CUDA process and a compile mode without CUDA graphs; running without "
                      "lmcore's whole-step graph", stacklevel=2)
    amp = autocast_dtype(cfg.dtype, device)
    opt = make_optimizer(model, lr_at(0, cfg), cfg.weight_decay, (cfg.beta1, cfg.beta2), device, use_graphs)
    sampler = WindowSampler(data.train_ids, cfg.block_size, cfg.batch_size, cfg.seed)
    start = 0
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        load_optimizer_state(opt, ckpt["optimizer"], device, capturable=use_graphs)
        sampler.generator.set_state(ckpt["data_rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        if device.type == "cuda" and ckpt.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(ckpt["cuda_rng"], device)
        start = ckpt["step"]

    loss_module: nn.Module = SummedLoss(model)
    if use_compile:
        loss_module = torch.compile(loss_module, mode=cfg.compile_mode)
    if world > 1:
        ids = [device.index] if device.type == "cuda" else None
        loss_module = nn.parallel.DistributedDataParallel(loss_module, device_ids=ids)
    stepper = Stepper(loss_module, model.parameters(), opt, accum, cfg.grad_clip, amp, device,
                      ddp=world > 1, cuda_graphs=use_graphs, sdpa_backend=cfg.sdpa_backend)

    # --- the loop ------------------------------------------------------------------------------------------
    stop = min(cfg.steps, cfg.stop_at) if cfg.stop_at else cfg.steps
    metrics = MetricsLog(out / "metrics.jsonl", keep_through_step=start if ckpt else None) if is_main else None
    bar = Progress(stop, start, cfg.progress and is_main)
    say = bar.write  # prints above the bar; silent without one
    say(f"{cfg.model}: {sum(p.numel() for p in model.parameters()):,} parameters on {device} "
        f"({'bf16' if amp else 'fp32'}{', compiled' if use_compile else ''}{', CUDA graphs' if use_graphs else ''}"
        f"{f', {world} processes' if world > 1 else ''}); {cfg.batch_size} x {cfg.block_size} tokens per step"
        f"{f' in {accum} micro-batches' if accum > 1 else ''}")
    last_val: dict[str, float] = {}
    clock = Throughput()
    done, step, data_rng = start, -1, None
    try:
        for step in range(start, stop):
            data_rng = sampler.generator.get_state()  # the state as of `done` steps, in case this step is interrupted
            lr = lr_at(step, cfg)
            set_lr(opt, lr)
            batch = to_device(sampler.sample()[rows], device)
            loss, grad_norm = stepper.step(batch)  # forward, backward, clip, AdamW: theta <- theta - lr * update
            done = step + 1
            clock.add(tokens_per_step)
            evaluate = done % cfg.eval_interval == 0 or done == cfg.steps
            if done % cfg.log_interval == 0 or evaluate or done == stop:
                if world > 1:  # the global batch's mean: average the processes' means (equal token counts)
                    dist.all_reduce(loss)
                    loss /= world
                record = {"step": done, "train_loss_per_token": loss.item(), "lr": lr}  # .item() waits for the GPU
                # the batch's objective: sum of L_i
                record["train_objective"] = record["train_loss_per_token"] * tokens_per_step
                record["grad_norm"] = grad_norm.item() if cfg.grad_clip > 0 else None
                record["tokens_per_s"] = clock.lap()
                if evaluate and is_main:
                    with clock.paused():
                        last_val = _evaluate(model, val, eval_batch, data.entropy_floor)
                    record.update(last_val)
                    say(_eval_line(done, last_val, data.entropy_floor))
                if metrics is not None:
                    metrics.write(record)
                bar.update(0, loss_per_token=f"{record['train_loss_per_token']:.4f}",
                           tok_s=f"{record['tokens_per_s']:,.0f}")
            if is_main and cfg.ckpt_interval and done % cfg.ckpt_interval == 0 and done < stop:
                with clock.paused():
                    _save(out, cfg, model, opt, sampler, done, data.tokenizer_json)
            bar.update(1)
    except KeyboardInterrupt:
        if is_main:
            if done == step:  # the interrupted step had drawn its batch: rewind, so --resume draws it again
                sampler.generator.set_state(data_rng)
            _save(out, cfg, model, opt, sampler, done, data.tokenizer_json)
            print(f"interrupted after step {done}; resume with --resume --out {out}", file=sys.stderr)
        raise
    finally:
        bar.close()

    # --- what the run leaves behind -----------------------------------------------------------------------
    if is_main and not last_val and done == cfg.steps:  # resumed a finished run: evaluate it for the summary
        last_val = _evaluate(model, val, eval_batch, data.entropy_floor)
    summary = _summary(cfg, data, model, device, world, accum, done, last_val, clock, amp, use_compile, stepper)
    if is_main:
        _save(out, cfg, model, opt, sampler, done, data.tokenizer_json)
        records = read_metrics(out / "metrics.jsonl")
        summary["final_train_loss_per_token"] = records[-1]["train_loss_per_token"] if records else None
        (out / "summary.json").write_text(_dumps(summary))
        plot_losses(records, data.entropy_floor, out / "loss.png", f"{cfg.model} on {data.source}")
    return summary


def _evaluate(model: nn.Module, val: list[list[int]], batch_size: int, floor: float | None) -> dict[str, float]:
    """Held-out dataset loss sum_{x in D_val} L_theta(x) (fp32, exact), per token, and its gap to the floor."""
    was_training = model.training
    model.eval()
    total = dataset_loss(model, val, batch_size=batch_size)
    model.train(was_training)
    tokens = sum(len(s) - 1 for s in val)
    rec = {"val_loss_per_token": total / max(tokens, 1), "val_objective": total, "val_tokens": tokens}
    if floor is not None:
        rec["gap_to_floor"] = rec["val_loss_per_token"] - floor
    return rec


def _eval_line(step: int, v: dict[str, float], floor: float | None) -> str:
    # the objective sum_x L_theta(x) leads; the per-token mean is only there to compare with the entropy floor
    line = f"step {step}: val objective {v['val_objective']:,.1f} nats over {v['val_tokens']:,} tokens"
    line += f" = {v['val_loss_per_token']:.4f} nats/token"
    if floor is not None:
        line += f" (entropy floor {floor:.4f}, gap {v['gap_to_floor']:+.4f})"
    return line


def _save(out: Path, cfg: TrainConfig, model: nn.Module, opt: torch.optim.Optimizer, sampler: WindowSampler,
          step: int, tokenizer_json: str | None) -> None:
    save_checkpoint(out / "ckpt.pt", {
        "model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "config": cfg.to_dict(),
        "data_rng": sampler.generator.get_state(), "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state() if torch.cuda.is_available() else None,
        "tokenizer": tokenizer_json,
    })


def _summary(cfg: TrainConfig, data: Any, model: nn.Module, device: torch.device, world: int, accum: int, done: int,
             last_val: dict, clock: Throughput, amp: Any, use_compile: bool, stepper: Stepper) -> dict[str, Any]:
    floor = data.entropy_floor
    final = last_val.get("val_loss_per_token")
    return {
        "final_val_loss_per_token": final,
        "final_val_objective": last_val.get("val_objective"),
        "val_tokens": last_val.get("val_tokens"),
        "entropy_floor": floor,
        "gap_to_floor": None if final is None or floor is None else final - floor,
        "steps": done,
        "completed": done == cfg.steps,
        "device": device.type,
        "device_name": describe_device(device),
        "world_size": world,
        "tokens_per_s": clock.steady(),
        "params": sum(p.numel() for p in model.parameters()),
        "dtype": "bf16" if amp else "fp32",
        "compile": use_compile,
        "cuda_graphs": stepper.graph is not None,
        "grad_accum_steps": accum,
        "data": data.source,
        "config": cfg.to_dict(),
    }


def _dumps(obj: Any) -> str:
    def clean(v: Any) -> Any:
        return None if isinstance(v, float) and not math.isfinite(v) else v

    return json.dumps({k: clean(v) for k, v in obj.items()}, indent=2) + "\n"
