"""The course's own worked examples, asserted against lmcore."""

import math

import pytest
import torch

from lmcore import BigramLM, next_token_targets, sequence_log_prob, step_losses, total_loss, word_tokenize


def test_total_loss_of_step_losses_is_their_sum():
    assert total_loss([1.2, 0.5, 2.3]) == 4.0


def test_objective_is_sum_of_sequence_losses_not_mean():
    value = total_loss([8.4, 2.1, 5.5])
    assert value == 16.0
    assert not math.isclose(value, (8.4 + 2.1 + 5.5) / 3)  # the mean 5.33 is the classic mistake


@pytest.mark.parametrize("container", [list, tuple, torch.tensor, lambda x: torch.tensor(x).numpy()])
def test_total_loss_accepts_lists_arrays_tensors(container):
    assert total_loss(container([1.2, 0.5, 2.3])) == pytest.approx(4.0, abs=1e-6)


def test_the_cat_sat_on_has_three_loss_terms():
    tokens = word_tokenize("The cat sat on")
    assert tokens == ["The", "cat", "sat", "on"]
    inputs, targets = next_token_targets(tokens)
    assert targets == ["cat", "sat", "on"]  # x_0 = 'The' is context only
    contexts = [tokens[: i + 1] for i in range(len(targets))]
    assert contexts == [["The"], ["The", "cat"], ["The", "cat", "sat"]]


def test_three_step_losses_for_four_tokens():
    ids = torch.tensor([0, 1, 2, 3])
    inputs, targets = next_token_targets(ids)
    logits = BigramLM(4)(inputs.unsqueeze(0))[0]
    losses = step_losses(logits, targets)
    assert losses.shape == (3,)
    assert torch.allclose(losses, torch.full((3,), math.log(4)))  # uniform model: each term is log V


def test_chain_rule_log_prob_is_minus_sequence_loss():
    torch.manual_seed(0)
    model = BigramLM(5)
    with torch.no_grad():
        model.logits_table.normal_()
    ids = [3, 1, 4, 1, 2]
    probs = torch.softmax(model.logits_table.detach(), -1)
    by_hand = sum(math.log(probs[a, b]) for a, b in zip(ids[:-1], ids[1:], strict=True))
    assert sequence_log_prob(model, ids) == pytest.approx(by_hand, rel=1e-5)
