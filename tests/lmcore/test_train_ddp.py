"""torchrun with 2 CPU processes (gloo, 127.0.0.1 only) follows the single-process loss trajectory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch.distributed as dist

from lmcore import TrainConfig, train

ROOT = Path(__file__).resolve().parents[2]
ARGS = dict(n_layer=1, n_head=2, n_embd=32, block_size=32, batch_size=8, steps=12, warmup_steps=3, log_interval=1,
            eval_interval=6, eval_tokens=2000, device="cpu", threads=1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow  # two torchrun processes
@pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(), reason="needs torch.distributed gloo")
def test_torchrun_two_processes_match_one(tmp_path):
    """Global batch 8 = 2 processes x 2 micro-batches (gradient accumulation, no_sync) x 2 sequences."""
    single = train(TrainConfig(**ARGS, progress=False), out=str(tmp_path / "single"))

    flags = [f"--{k.replace('_', '-')}={v}" for k, v in ARGS.items()]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc-per-node=2",
           "--master-addr=127.0.0.1", f"--master-port={_free_port()}",
           "-m", "autograder.cli", "train", *flags, "--micro-batch-size=2", "--no-progress",
           f"--out={tmp_path / 'ddp'}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": "lo", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    ddp = json.loads((tmp_path / "ddp" / "summary.json").read_text())
    assert ddp["world_size"] == 2 and ddp["grad_accum_steps"] == 2
    a, b = _records(tmp_path / "single"), _records(tmp_path / "ddp")
    assert [r["step"] for r in a] == [r["step"] for r in b] == list(range(1, 13))
    for ra, rb in zip(a, b, strict=True):
        assert rb["train_loss_per_token"] == pytest.approx(ra["train_loss_per_token"], rel=1e-5, abs=1e-6), ra["step"]
        assert rb["grad_norm"] == pytest.approx(ra["grad_norm"], rel=1e-4, abs=1e-6), ra["step"]
        assert ("val_loss_per_token" in ra) == ("val_loss_per_token" in rb)
        if "val_loss_per_token" in ra:
            assert rb["val_loss_per_token"] == pytest.approx(ra["val_loss_per_token"], rel=1e-5)
    assert ddp["final_val_loss_per_token"] == pytest.approx(single["final_val_loss_per_token"], rel=1e-5)
