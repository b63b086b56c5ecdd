"""lmcore losses against torch as the independent reference."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lmcore import (
    GPT,
    BigramLM,
    GPTConfig,
    cross_entropy,
    dataset_loss,
    mean_token_loss,
    next_token_targets,
    one_hot,
    sequence_log_prob,
    sequence_loss,
    sequence_prob,
    step_losses,
)

TOL = dict(rtol=1e-5, atol=1e-5)


def random_batch(B=4, T=7, V=11, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, T, V, generator=g) * 3
    targets = torch.randint(0, V, (B, T), generator=g)
    targets[1, 4:] = -100  # padding
    targets[3, 1:] = -100
    return logits, targets


def test_step_losses_matches_torch_cross_entropy():
    logits, targets = random_batch()
    ref = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (B, T), 0 where ignored
    got = step_losses(logits, targets)
    assert got.shape == targets.shape
    torch.testing.assert_close(got, ref, **TOL)
    assert (got[targets == -100] == 0).all()


def test_step_losses_unbatched():
    logits, targets = random_batch()
    torch.testing.assert_close(step_losses(logits[0], targets[0]), step_losses(logits, targets)[0])


@pytest.mark.parametrize("probe", [lambda z: z + 100, lambda z: 1000 * z, lambda z: z - 1e4])
def test_step_losses_stable_for_large_logits(probe):
    logits, targets = random_batch()
    z = probe(logits)
    ref = F.cross_entropy(z.transpose(1, 2), targets, reduction="none")
    got = step_losses(z, targets)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, ref, **TOL)


def test_step_losses_shift_invariant():
    logits, targets = random_batch()
    torch.testing.assert_close(step_losses(logits + 100, targets), step_losses(logits, targets), **TOL)


def test_step_losses_half_precision_upcast():
    logits, targets = random_batch()
    got = step_losses(logits.to(torch.bfloat16), targets)
    assert got.dtype == torch.float32


def test_step_losses_clear_errors():
    logits, targets = random_batch()
    with pytest.raises(ValueError, match="shape|expects"):
        step_losses(logits, targets[:, :-1])
    bad = targets.clone()
    bad[0, 0] = 11
    with pytest.raises(ValueError, match="11"):
        step_losses(logits, bad)


def test_sequence_loss_is_sum_of_steps():
    logits, targets = random_batch()
    seq = sequence_loss(logits, targets)
    assert seq.shape == (4,)
    ref = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none").sum(-1)
    torch.testing.assert_close(seq, ref, **TOL)
    assert sequence_loss(logits[0], targets[0]).shape == ()


def test_one_hot_matches_torch():
    ids = torch.tensor([[0, 3, 2], [1, 1, 4]])
    p = one_hot(ids, 5)
    assert p.dtype == torch.float32 and p.shape == (2, 3, 5)
    torch.testing.assert_close(p, F.one_hot(ids, 5).float())
    torch.testing.assert_close(p.sum(-1), torch.ones(2, 3))
    assert one_hot([2], 3).tolist() == [[0.0, 0.0, 1.0]]
    assert one_hot(1, 3).tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize("bad", [5, -1])
def test_one_hot_rejects_out_of_range(bad):
    with pytest.raises(ValueError, match=rf"{bad}.*\[0, 5\)"):
        one_hot([0, bad], 5)


def test_cross_entropy_of_one_hot_equals_step_loss():
    logits, targets = random_batch()
    targets = targets.clamp_min(0)
    ce = cross_entropy(one_hot(targets, 11), torch.softmax(logits, -1))
    torch.testing.assert_close(ce, step_losses(logits, targets), **TOL)


def test_cross_entropy_general_distribution_and_zero_mass():
    p = torch.tensor([0.5, 0.5, 0.0])
    q = torch.tensor([0.25, 0.75, 0.0])
    expected = -(0.5 * math.log(0.25) + 0.5 * math.log(0.75))
    assert float(cross_entropy(p, q)) == pytest.approx(expected)
    with pytest.raises(ValueError, match="probabilities"):
        cross_entropy(p, torch.tensor([2.0, -1.0, 0.0]))


def test_next_token_targets():
    ids = torch.arange(10).view(2, 5)
    x, y = next_token_targets(ids)
    assert x.tolist() == [[0, 1, 2, 3], [5, 6, 7, 8]] and y.tolist() == [[1, 2, 3, 4], [6, 7, 8, 9]]
    assert next_token_targets([7, 8, 9]) == ([7, 8], [8, 9])


def small_gpt(V=50, seed=0):
    torch.manual_seed(seed)
    return GPT(GPTConfig(block_size=64, vocab_size=V, n_layer=2, n_head=2, n_embd=32)).eval()


def ragged(n=37, V=50, seed=1):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, 40, (n,), generator=g).tolist()
    return [torch.randint(0, V, (n_,), generator=g).tolist() for n_ in lengths]


def naive_dataset_loss(model, seqs):
    return sum(-sequence_log_prob(model, s) for s in seqs)


def test_dataset_loss_equals_naive_sum():
    model, seqs = small_gpt(), ragged()
    assert dataset_loss(model, seqs) == pytest.approx(naive_dataset_loss(model, seqs), rel=1e-5)


@pytest.mark.parametrize("batch_size", [1, 3, 8, 64])
def test_dataset_loss_batch_size_invariant(batch_size):
    model, seqs = small_gpt(), ragged()
    assert dataset_loss(model, seqs, batch_size=batch_size) == pytest.approx(dataset_loss(model, seqs), rel=1e-5)


def test_dataset_loss_order_invariant():
    model, seqs = small_gpt(), ragged()
    g = torch.Generator().manual_seed(3)
    shuffled = [seqs[i] for i in torch.randperm(len(seqs), generator=g).tolist()]
    assert dataset_loss(model, shuffled, batch_size=5) == pytest.approx(dataset_loss(model, seqs), rel=1e-5)


def test_dataset_loss_bigram_and_tensors():
    model = BigramLM(50)
    seqs = ragged()
    steps = sum(len(s) - 1 for s in seqs)
    assert dataset_loss(model, [torch.tensor(s) for s in seqs]) == pytest.approx(steps * math.log(50), rel=1e-6)
    assert mean_token_loss(model, seqs) == pytest.approx(math.log(50), rel=1e-6)
    assert dataset_loss(model, []) == 0.0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), min_size=0, max_size=12), max_size=8), st.integers(1, 5))
def test_dataset_loss_property(seqs, batch_size):
    model = BigramLM(10)
    with torch.no_grad():
        model.logits_table.copy_(torch.linspace(-2, 2, 100).view(10, 10))
    assert dataset_loss(model, seqs, batch_size=batch_size) == pytest.approx(
        sum(-sequence_log_prob(model, s) for s in seqs), rel=1e-5, abs=1e-5)


def test_sequence_prob_is_product_of_conditionals():
    model = BigramLM(3)
    with torch.no_grad():
        model.logits_table.copy_(torch.tensor([[0.0, 1.0, 2.0], [2.0, 0.0, 1.0], [1.0, 2.0, 0.0]]))
    probs = torch.softmax(model.logits_table.detach(), -1)
    ids = [0, 2, 1]
    assert sequence_prob(model, ids) == pytest.approx(float(probs[0, 2] * probs[2, 1]), rel=1e-6)
    assert sequence_prob(model, [1]) == 1.0  # no prediction steps
