"""`lmcourse train`: the verb runs lmcore's trainer; the tiny preset reaches the entropy floor and resumes."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from autograder.cli.train import train_command
from lmcore import ENTROPY_FLOOR
from lmcore.train_config import preset


def records(out) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_tiny_preset_cli_reaches_entropy_floor_and_writes_outputs(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(train_command, ["--preset", "tiny", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["entropy_floor"] == pytest.approx(ENTROPY_FLOOR)
    assert summary["final_val_loss_per_token"] - ENTROPY_FLOOR < 0.1, summary  # within 0.1 nats/token of the floor
    assert summary["final_val_loss_per_token"] > ENTROPY_FLOOR - 0.05  # and not suspiciously below it
    for key in ("final_val_loss_per_token", "entropy_floor", "steps", "device", "tokens_per_s"):
        assert summary[key] is not None, key
    assert summary["steps"] == preset("tiny").steps and summary["device"] == "cpu" and summary["tokens_per_s"] > 0
    recs = records(out)
    assert [r["step"] for r in recs] == list(range(10, preset("tiny").steps + 1, 10))
    for r in recs:
        assert {"step", "train_loss_per_token", "tokens_per_s", "lr"} <= set(r)
        assert math.isfinite(r["train_loss_per_token"]) and r["tokens_per_s"] > 0 and r["lr"] > 0
    evals = [r for r in recs if "val_loss_per_token" in r]
    assert [r["step"] for r in evals] == list(range(50, preset("tiny").steps + 1, 50))
    # val_loss_per_token is the dataset loss per token; the summed dataset loss is logged next to it
    assert all(r["val_objective"] == pytest.approx(r["val_loss_per_token"] * r["val_tokens"]) for r in evals)
    assert evals[-1]["val_loss_per_token"] == summary["final_val_loss_per_token"]
    assert recs[0]["train_loss_per_token"] > recs[-1]["train_loss_per_token"] + 1.0  # log(27) = 3.3 -> 1.01
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "entropy floor" in result.output


def test_resume_through_the_cli(tmp_path):
    out = str(tmp_path / "run")
    args = ["--preset", "tiny", "--steps", "20", "--log-interval", "5", "--eval-interval", "10", "--no-progress"]
    r1 = CliRunner().invoke(train_command, [*args, "--out", out, "--stop-at", "10"])
    assert r1.exit_code == 0 and "--resume" in r1.output, r1.output
    r2 = CliRunner().invoke(train_command, ["--resume", "--out", out, "--no-progress"])
    assert r2.exit_code == 0, r2.output
    assert [r["step"] for r in records(tmp_path / "run")] == [5, 10, 15, 20]


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(train_command, ["--resume", "--out", str(tmp_path / "none")])
    assert result.exit_code != 0 and "no checkpoint" in result.output
