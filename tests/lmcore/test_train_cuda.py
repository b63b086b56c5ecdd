"""The CUDA fast path: CUDA-graph steps equal eager steps; compiled bf16 training with graphs reaches the floor.

Skipped without an NVIDIA GPU; `benchmarks/gpu_check.sh` runs these together with the throughput benchmark.
"""

from __future__ import annotations

import copy
import json

import pytest
import torch

from lmcore import ENTROPY_FLOOR, GPT, GPTConfig, train
from lmcore.train_config import preset
from lmcore.train_data import to_device
from lmcore.train_step import Stepper, SummedLoss, make_optimizer, set_lr

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU")]


@pytest.fixture
def exact_fp32():
    """Plain fp32 matmuls (no TF32), so eager and graphed steps can be compared tightly."""
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


@pytest.mark.parametrize("micro_batches", [1, 2])
def test_cuda_graph_steps_equal_eager_steps(exact_fp32, micro_batches):
    dev = torch.device("cuda")
    torch.manual_seed(0)
    eager_model = GPT(GPTConfig(block_size=32, vocab_size=27, n_layer=2, n_head=2, n_embd=64)).to(dev)
    graph_model = copy.deepcopy(eager_model)
    eager_opt = make_optimizer(eager_model, 1e-3, 0.1, (0.9, 0.95), dev)
    graph_opt = make_optimizer(graph_model, 1e-3, 0.1, (0.9, 0.95), dev, capturable=True)
    eager = Stepper(SummedLoss(eager_model), eager_model.parameters(), eager_opt, micro_batches, 1.0, None, dev)
    graphed = Stepper(SummedLoss(graph_model), graph_model.parameters(), graph_opt, micro_batches, 1.0, None, dev,
                      cuda_graphs=True, warmup=2)
    gen = torch.Generator().manual_seed(0)
    for step in range(8):  # 2 eager warm-up steps, then capture and 6 replays, with a new lr and batch each step
        lr = 1e-3 * (step + 1)
        set_lr(eager_opt, lr)
        set_lr(graph_opt, lr)
        batch = to_device(torch.randint(27, (8, 33), generator=gen), dev)
        (l1, n1), (l2, n2) = eager.step(batch), graphed.step(batch)
        torch.testing.assert_close(l2, l1, rtol=1e-4, atol=1e-6, msg=f"loss at step {step}")
        torch.testing.assert_close(n2, n1, rtol=1e-3, atol=1e-6, msg=f"grad norm at step {step}")
    assert graphed.graph is not None, "the step was not captured (capture failed and fell back to eager)"
    for (name, p1), p2 in zip(eager_model.named_parameters(), graph_model.parameters(), strict=True):
        torch.testing.assert_close(p2, p1, rtol=1e-3, atol=1e-5, msg=name)
    # the replayed step reads the learning rate from its device tensor: lr = 0 leaves every parameter as it was
    before = [p.detach().clone() for p in graph_model.parameters()]
    set_lr(graph_opt, 0.0)
    graphed.step(to_device(torch.randint(27, (8, 33), generator=gen), dev))
    assert all(torch.equal(a, p) for a, p in zip(before, graph_model.parameters(), strict=True))


def test_compiled_bf16_graphed_tiny_preset_reaches_floor(tmp_path):
    s = train(preset("tiny"), out=str(tmp_path), progress=False)
    assert s["device"] == "cuda" and s["dtype"] == "bf16" and s["compile"] and s["cuda_graphs"], s
    assert s["final_val_loss_per_token"] - ENTROPY_FLOOR < 0.1, s
    recs = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert all(r["tokens_per_s"] > 0 for r in recs)


def test_cuda_resume_continues_the_run(tmp_path):
    cfg = preset("tiny", steps=60, eval_interval=30, compile=False, progress=False)
    straight = train(cfg, out=str(tmp_path / "a"))
    train(cfg, out=str(tmp_path / "b"), stop_at=30)
    resumed = train(resume=True, out=str(tmp_path / "b"), progress=False)
    assert resumed["completed"] and resumed["cuda_graphs"]
    # bf16 and atomics make CUDA runs close, not bitwise equal
    assert resumed["final_val_loss_per_token"] == pytest.approx(straight["final_val_loss_per_token"], abs=0.02)


def test_torch_compile_matches_eager_loss():
    dev = torch.device("cuda")
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=64, vocab_size=65, n_layer=2, n_head=4, n_embd=128)).to(dev)
    window = torch.randint(65, (4, 65), device=dev)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        eager = SummedLoss(model)(window)
        compiled = torch.compile(SummedLoss(model))(window)
    torch.testing.assert_close(compiled, eager, rtol=2e-2, atol=0.0)
