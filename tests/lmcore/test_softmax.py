"""lmcore.softmax: the formula, agreement with torch, stability for large logits, shapes and dtypes.
(A file of its own so it does not collide with tests/lmcore/test_losses.py, which another area owns.)"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import lmcore
from lmcore import softmax


def test_softmax_formula_on_a_small_example():
    z = [1.0, 2.0, 3.0]
    total = sum(math.exp(v) for v in z)
    assert softmax(z).tolist() == pytest.approx([math.exp(v) / total for v in z], rel=1e-6)
    assert lmcore.softmax is softmax and "softmax" in lmcore.__all__


def test_softmax_stable_for_large_logits():
    z = torch.tensor([[1.0, 2.0, 3.0], [1001.0, 1002.0, 1003.0], [1000.0, 2000.0, 3000.0], [-1e4, 0.0, 1e4]])
    q = softmax(z)
    assert torch.isfinite(q).all()
    assert torch.allclose(q[0], q[1], atol=1e-6)  # shift invariance: z + 1000 gives the same distribution
    assert torch.equal(q[2], torch.tensor([0.0, 0.0, 1.0])) and torch.equal(q[3], torch.tensor([0.0, 0.0, 1.0]))
    naive = torch.exp(z[1]) / torch.exp(z[1]).sum()  # what the stable form avoids
    assert torch.isnan(naive).all()


def test_softmax_matches_torch_along_any_dim():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(2, 3, 5, generator=g, dtype=torch.float64) * 50
    for dim in (0, 1, 2, -1):
        assert torch.allclose(softmax(z, dim=dim), torch.softmax(z, dim=dim), atol=1e-12)
        assert torch.allclose(softmax(z, dim=dim).sum(dim), torch.ones(()).double())


def test_softmax_dtypes_and_inputs():
    assert softmax(np.array([0, 0])).dtype == torch.float32 and softmax([0, 0]).tolist() == [0.5, 0.5]
    assert softmax(torch.tensor([1.0, 2.0], dtype=torch.float16) * 1000).dtype == torch.float16
    assert softmax(torch.zeros(3, dtype=torch.float64)).dtype == torch.float64
    with pytest.raises(ValueError, match="at least one dimension"):
        softmax(torch.tensor(1.0))
