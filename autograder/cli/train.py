"""`lmcourse train`: run lmcore.train from the command line; every TrainConfig field is an option.

    lmcourse train --preset tiny --out dist/train            # CPU, ~5 s, ends near the entropy floor
    lmcourse train --resume --out dist/train --steps 600     # (steps must match: the schedule spans them)
    torchrun --nproc_per_node=8 $(which lmcourse) train --preset gpt2 --data corpus.txt --tokenizer bpe
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import click

from lmcore.train_config import PRESETS, TrainConfig

HELP = {
    "model": "gpt or bigram",
    "data": "UTF-8 text file to train on (default: the bundled Markov corpus)",
    "tokenizer": "word (Vocabulary) or bpe (BPETokenizer) for --data",
    "batch_size": "global sequences per optimizer step (all processes and micro-batches)",
    "micro_batch_size": "sequences per forward pass per process; the rest is gradient accumulation",
    "stop_at": "stop after this many steps and leave a checkpoint for --resume",
    "out": "output directory: metrics.jsonl, summary.json, loss.png, ckpt.pt",
    "device": "auto (cuda, then mps, then cpu), or a torch device such as cpu or cuda:1",
    "dtype": "auto (bf16 autocast on CUDA), bf16 or fp32",
    "compile": "torch.compile the model and loss (default: on for CUDA)",
    "cuda_graphs": "capture the whole step in a CUDA graph (default: on for one CUDA process)",
    "sdpa_backend": "preferred attention kernel: cudnn, flash, efficient or math (default: torch's choice)",
}


def _config_options(f: Any) -> Any:
    """One click option per TrainConfig field; None means 'not given', so presets and checkpoints keep theirs."""
    hints = typing.get_type_hints(TrainConfig)
    for field in reversed(dataclasses.fields(TrainConfig)):
        kind = hints[field.name]
        args = [a for a in typing.get_args(kind) if a is not type(None)] if isinstance(kind, types.UnionType) else []
        base = args[0] if args else kind
        flag = field.name.replace("_", "-")
        help_ = HELP.get(field.name, "") + f" [TrainConfig default: {field.default!r}]"
        if base is bool:
            f = click.option(f"--{flag}/--no-{flag}", field.name, default=None, help=help_)(f)
        else:
            f = click.option(f"--{flag}", field.name, type=base, default=None, help=help_)(f)
    return f


@click.command("train")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default=None, help="start from a named preset")
@click.option("--resume", is_flag=True, help="continue the run whose checkpoint is OUT/ckpt.pt")
@_config_options
def train_command(preset: str | None, resume: bool, **options: Any) -> None:
    """Minimize the dataset loss sum_x L_theta(x) of a GPT or bigram model; writes metrics.jsonl, summary.json,
    loss.png and ckpt.pt under --out."""
    from lmcore import train_config
    from lmcore.train import train

    given = {k: v for k, v in options.items() if v is not None}
    try:
        base = train_config.preset(preset) if preset else None
        summary = train(base, resume=resume, **given)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        raise click.ClickException(str(e)) from e
    out = summary["config"]["out"]
    floor, final = summary["entropy_floor"], summary["final_val_loss_per_token"]
    objective = summary.get("final_val_objective")
    line = "no evaluation yet"
    if final is not None:
        line = f"final validation objective {objective:,.1f} nats = {final:.4f} nats/token"
    if floor is not None and final is not None:
        line += f", entropy floor {floor:.4f} (gap {final - floor:+.4f})"
    tps = summary["tokens_per_s"]
    click.echo(f"{line}; {summary['steps']} steps on {summary['device']}"
               f"{f' at {tps:,.0f} tokens/s' if tps else ''}")
    click.echo(f"wrote {out}/metrics.jsonl, {out}/summary.json, {out}/loss.png, {out}/ckpt.pt")
    if not summary["completed"]:
        click.echo(f"stopped early: continue with  lmcourse train --resume --out {out}")
