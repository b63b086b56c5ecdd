"""lmcore.train on CPU: the tiny preset reaches the entropy floor, exact resume, gradient accumulation, outputs."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F

from lmcore import ENTROPY_FLOOR, GPT, GPTConfig, TrainConfig, train
from lmcore.train_config import lr_at, preset
from lmcore.train_step import Stepper, SummedLoss, pick_device

# a few-second run: 1-layer GPT, 8 x 32 tokens per step
SMALL = TrainConfig(n_layer=1, n_head=2, n_embd=32, block_size=32, batch_size=8, steps=24, warmup_steps=4,
                    log_interval=1, eval_interval=8, eval_tokens=2000, progress=False, device="cpu", threads=1)


def records(out) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def losses(out) -> list[tuple]:
    """Every logged number that depends on the trajectory (tokens/s does not)."""
    return [(r["step"], r["train_loss_per_token"], r["grad_norm"], r["lr"], r.get("val_loss_per_token"))
            for r in records(out)]




def test_bigram_preset_learns_the_chain(tmp_path):
    s = train(preset("bigram"), out=str(tmp_path), progress=False, steps=150, eval_interval=150)
    assert s["final_val_loss_per_token"] - ENTROPY_FLOOR < 0.1


def test_resume_is_bitwise_identical_on_cpu(tmp_path):
    straight = train(SMALL, out=str(tmp_path / "a"))
    first = train(SMALL, out=str(tmp_path / "b"), stop_at=SMALL.steps // 2)
    assert not first["completed"] and first["steps"] == SMALL.steps // 2
    resumed = train(resume=True, out=str(tmp_path / "b"))  # config, step and RNG states come from the checkpoint
    assert resumed["completed"] and resumed["steps"] == SMALL.steps
    assert losses(tmp_path / "a") == losses(tmp_path / "b")  # exact equality, every step
    assert straight["final_val_loss_per_token"] == resumed["final_val_loss_per_token"]
    a = torch.load(tmp_path / "a" / "ckpt.pt", weights_only=False)
    b = torch.load(tmp_path / "b" / "ckpt.pt", weights_only=False)
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert torch.equal(a["data_rng"], b["data_rng"])


def test_ctrl_c_leaves_a_checkpoint_that_resumes_exactly(tmp_path, monkeypatch):
    train(SMALL, out=str(tmp_path / "a"))
    real_step, calls = Stepper.step, []

    def interrupted_step(self, batch):
        calls.append(1)
        if len(calls) == 11:  # Ctrl-C inside step 11, after its batch was drawn
            raise KeyboardInterrupt
        return real_step(self, batch)

    monkeypatch.setattr(Stepper, "step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        train(SMALL, out=str(tmp_path / "b"))
    monkeypatch.setattr(Stepper, "step", real_step)
    assert torch.load(tmp_path / "b" / "ckpt.pt", weights_only=False)["step"] == 10
    train(resume=True, out=str(tmp_path / "b"))
    assert losses(tmp_path / "a") == losses(tmp_path / "b")




def test_resume_refuses_other_settings_and_missing_checkpoints(tmp_path):
    train(SMALL, out=str(tmp_path), stop_at=4)
    with pytest.raises(ValueError, match="lr"):
        train(SMALL, out=str(tmp_path), lr=1e-4, resume=True)
    with pytest.raises(FileNotFoundError, match="ckpt.pt"):
        train(SMALL, out=str(tmp_path / "nothing"), resume=True)


def test_same_seed_same_run_other_seed_other_run(tmp_path):
    train(SMALL, out=str(tmp_path / "a"), steps=6, eval_interval=6)
    train(SMALL, out=str(tmp_path / "b"), steps=6, eval_interval=6)
    train(SMALL, out=str(tmp_path / "c"), steps=6, eval_interval=6, seed=7)
    assert losses(tmp_path / "a") == losses(tmp_path / "b")
    assert losses(tmp_path / "a") != losses(tmp_path / "c")


def _one_sgd_step(model: GPT, batch: torch.Tensor, micro_batches: int) -> dict[str, torch.Tensor]:
    """The update one Stepper step makes with SGD(lr=1), i.e. minus the gradient it computed."""
    before = {k: v.clone() for k, v in model.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    Stepper(SummedLoss(model), model.parameters(), opt, micro_batches, 0.0, None, torch.device("cpu")).step(batch)
    return {k: before[k] - v for k, v in model.state_dict().items()}


def test_gradient_accumulation_equals_one_big_batch():
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=16, vocab_size=27, n_layer=2, n_head=2, n_embd=32))
    batch = torch.randint(27, (8, 17))
    # reference: the gradient of the mean per-token loss over all 8 x 16 tokens, in one pass
    ref = GPT(model.config)
    ref.load_state_dict(model.state_dict())
    logits = ref(batch[:, :-1])
    F.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten()).backward()
    grads = {n: p.grad for n, p in ref.named_parameters()}
    for micro_batches in (1, 2, 4, 8):
        m = GPT(model.config)
        m.load_state_dict(model.state_dict())
        step = _one_sgd_step(m, batch, micro_batches)
        for name, g in grads.items():
            torch.testing.assert_close(step[name], g, rtol=1e-5, atol=1e-7, msg=f"{name}, {micro_batches} micro")


def test_training_with_micro_batches_follows_the_same_trajectory(tmp_path):
    assert train(SMALL, out=str(tmp_path / "big"))["grad_accum_steps"] == 1
    assert train(SMALL, out=str(tmp_path / "accum"), micro_batch_size=2)["grad_accum_steps"] == 4
    a, b = losses(tmp_path / "big"), losses(tmp_path / "accum")
    assert [r[0] for r in a] == [r[0] for r in b] and [r[3] for r in a] == [r[3] for r in b]
    assert [r[4] is None for r in a] == [r[4] is None for r in b]
    assert [r[1] for r in a] == pytest.approx([r[1] for r in b], rel=1e-5)
    assert [r[4] for r in a if r[4]] == pytest.approx([r[4] for r in b if r[4]], rel=1e-5)


def test_preferred_attention_kernel_computes_the_same_function(tmp_path):
    train(SMALL, out=str(tmp_path / "a"), steps=6, eval_interval=6)
    train(SMALL, out=str(tmp_path / "b"), steps=6, eval_interval=6, sdpa_backend="math")
    a, b = losses(tmp_path / "a"), losses(tmp_path / "b")
    assert [r[1] for r in a] == pytest.approx([r[1] for r in b], rel=1e-4)
    with pytest.raises(ValueError, match="sdpa_backend"):
        TrainConfig(sdpa_backend="fast")


def test_train_on_a_text_file_with_word_and_bpe_tokenizers(tmp_path):
    text = " ".join(["the cat sat on the mat .", "a dog ran to the sun !", "the bird sang ."] * 200)
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    for tok in ("word", "bpe"):
        s = train(SMALL, data=str(path), tokenizer=tok, bpe_vocab_size=300, steps=8, eval_interval=8,
                  out=str(tmp_path / tok))
        assert s["entropy_floor"] is None and s["gap_to_floor"] is None
        assert math.isfinite(s["final_val_loss_per_token"]) and s["data"] == str(path)
    ckpt = torch.load(tmp_path / "bpe" / "ckpt.pt", weights_only=False)
    assert json.loads(ckpt["tokenizer"])["merges"]  # the tokenizer travels with the model


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        train(SMALL, data=str(tmp_path / "missing.txt"), out=str(tmp_path))
    (tmp_path / "short.txt").write_text("too short", encoding="utf-8")
    with pytest.raises(ValueError, match="short.txt.*too few"):
        train(SMALL, data=str(tmp_path / "short.txt"), out=str(tmp_path))
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") * 100)
    with pytest.raises(ValueError, match="latin1.txt.*not UTF-8"):
        train(SMALL, data=str(tmp_path / "latin1.txt"), out=str(tmp_path))
    with pytest.raises(ValueError, match="multiple"):
        train(SMALL, micro_batch_size=3, out=str(tmp_path))
    with pytest.raises(ValueError, match="n_embd"):
        TrainConfig(n_embd=30, n_head=4)
    with pytest.raises(ValueError, match="unknown preset"):
        preset("huge")


def test_lr_schedule_warmup_then_cosine():
    cfg = TrainConfig(lr=1.0, min_lr=0.1, warmup_steps=10, steps=110)
    lrs = [lr_at(s, cfg) for s in range(cfg.steps)]
    assert lrs[:10] == pytest.approx([(s + 1) / 10 for s in range(10)])  # linear warmup up to lr
    assert lrs[10] == 1.0 and all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))  # then decays
    assert lrs[60] == pytest.approx(0.55)  # half way down the cosine: (lr + min_lr) / 2
    assert lr_at(cfg.steps, cfg) == pytest.approx(0.1) and lr_at(10 * cfg.steps, cfg) == pytest.approx(0.1)
    assert lr_at(200, TrainConfig(lr=1.0, warmup_steps=0, steps=200)) == pytest.approx(0.1)  # min_lr = lr / 10


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert pick_device("auto").type == expected
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            pick_device("cuda")
