"""GPT: the (B, T) -> (B, T, V) contract, causality (what dataset_loss's right padding relies on), FLOP count."""

from __future__ import annotations

import pytest
import torch

from lmcore import GPT, GPTConfig
from lmcore.model import CausalSelfAttention


def small(**kw) -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(**{**dict(block_size=16, vocab_size=13, n_layer=2, n_head=2, n_embd=16), **kw})).eval()


def test_shape_contract_and_block_size_error():
    model = small()
    assert model(torch.randint(13, (3, 16))).shape == (3, 16, 13)
    assert model(torch.randint(13, (1, 1))).shape == (1, 1, 13)
    with pytest.raises(ValueError, match="exceeds block_size 16"):
        model(torch.randint(13, (1, 17)))


def test_causal_a_position_never_sees_later_tokens():
    model = small()
    ids = torch.randint(13, (2, 16))
    changed = ids.clone()
    changed[:, 9:] = (changed[:, 9:] + 1) % 13  # rewrite the future from position 9 on
    with torch.no_grad():
        a, b = model(ids), model(changed)
    torch.testing.assert_close(a[:, :9], b[:, :9], rtol=0, atol=1e-6)  # logits of positions 0..8 unchanged
    assert not torch.allclose(a[:, 9:], b[:, 9:])


def test_attention_matches_explicit_masked_softmax():
    torch.manual_seed(1)
    attn = CausalSelfAttention(GPTConfig(n_embd=16, n_head=4)).eval()
    x = torch.randn(2, 7, 16)
    B, T, C = x.shape
    q, k, v = (t.view(B, T, 4, 4).transpose(1, 2) for t in attn.c_attn(x).split(C, dim=2))
    scores = (q @ k.transpose(-2, -1)) / 4**0.5
    scores = scores.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
    torch.testing.assert_close(attn(x), attn.c_proj(y), rtol=1e-5, atol=1e-6)


def test_weight_tying_and_parameter_count():
    model = small(n_layer=3, n_embd=32, n_head=4, vocab_size=50)
    assert model.wte.weight is model.lm_head.weight
    C, L, V, T = 32, 3, 50, 16
    per_block = 12 * C * C + 2 * C  # qkv 3C^2 + proj C^2 + MLP 8C^2, two LayerNorm gains (no biases)
    assert model.num_params(non_embedding=False) == V * C + T * C + L * per_block + C
    assert model.num_params() == V * C + L * per_block + C  # the position table is not counted (nanoGPT)


def test_flops_per_token_is_6n_plus_attention():
    model = small(n_layer=3, n_embd=32, n_head=4, vocab_size=50)
    assert model.flops_per_token() == 6 * model.num_params() + 12 * 3 * 4 * 8 * 16
    assert model.flops_per_token(8) == 6 * model.num_params() + 12 * 3 * 4 * 8 * 8


def test_gpt2_small_shapes():
    cfg = GPTConfig(block_size=1024, vocab_size=50304, n_layer=12, n_head=12, n_embd=768)
    with torch.device("meta"):  # shapes only, no memory
        model = GPT(cfg)
    assert model.num_params() == 123_587_328  # nanoGPT's 124M without biases, vocab padded to 50304
    assert model.flops_per_token() == 6 * 123_587_328 + 12 * 12 * 12 * 64 * 1024
