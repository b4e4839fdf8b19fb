"""Embedding and EmbeddingBag (docs/conventions.md).

A lookup is free. With max_norm, each looked-up index has its row's p-norm computed and compared
(2D for p = 2: D squares, D − 1 adds, a root; then 1 compare); rescaling depends on values and is
not counted. EmbeddingBag combines R = numel(indices)·D gathered values into N = numel(out)
outputs: 'sum' and 'max' R − N (b − 1 adds or compares per output of a bag of b), 'mean' R
(plus one divide per output), per_sample_weights R multiplies more.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from helpers import count_module
from torch import nn


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4)])
def test_embedding_lookup_is_free(shape: tuple[int, ...]) -> None:
    op = count_module(nn.Embedding(10, 4), torch.randint(0, 10, shape))
    assert (op.flops, op.macs) == (0, 0)
    assert op.rule == "torch_flops_rules_nn.embedding.embedding"


NORM_OF_4 = {2.0: 4 + 3 + 1, 1.0: 4 + 3, 3.0: 4 + 4 + 3 + 1}  # squares/abs, powers, adds, root


@pytest.mark.parametrize("norm_type", list(NORM_OF_4))
def test_embedding_max_norm_counts_each_index_norm_and_compare(norm_type: float) -> None:
    indices = torch.randint(0, 10, (3, 5))
    op = count_module(nn.Embedding(10, 4, max_norm=1.0, norm_type=norm_type), indices)
    assert op.flops == 15 * (NORM_OF_4[norm_type] + 1)


BAG_CASES = [
    # (input shape, offsets, number of bags)
    pytest.param((3, 5), None, 3, id="2d-input"),
    pytest.param((12,), [0, 3, 7], 3, id="1d-offsets"),
    pytest.param((6,), [0, 2, 4, 6], 3, id="include-last-offset"),
]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize(("shape", "offsets", "bags"), BAG_CASES)
def test_embedding_bag(mode: str, shape: tuple[int, ...], offsets: list[int] | None, bags: int) -> None:
    d = 4
    last = offsets is not None and len(offsets) > bags
    bag = nn.EmbeddingBag(10, d, mode=mode, include_last_offset=last)
    args: list[Any] = [torch.randint(0, 10, shape)]
    if offsets is not None:
        args.append(torch.tensor(offsets))
    op = count_module(bag, *args)
    r, n = math.prod(shape) * d, bags * d
    assert op.flops == (r if mode == "mean" else r - n)
    assert op.rule == "torch_flops_rules_nn.embedding.embedding_bag"


def test_embedding_bag_per_sample_weights_and_max_norm() -> None:
    bag = nn.EmbeddingBag(10, 4, mode="sum", max_norm=2.0)
    indices, weights = torch.randint(0, 10, (3, 5)), torch.rand(3, 5)
    op = count_module(bag, indices, None, weights)
    r, n = 15 * 4, 3 * 4
    assert op.flops == (r - n) + r + 15 * (2 * 4 + 1)


def test_embedding_bag_worked_example() -> None:
    # 2 bags of 3 indices, D = 4: each bag sums 3 rows (2 adds per output), 'mean' divides once more
    x = torch.randint(0, 10, (2, 3))
    assert count_module(nn.EmbeddingBag(10, 4, mode="sum"), x).flops == 2 * 2 * 4 == 16
    assert count_module(nn.EmbeddingBag(10, 4, mode="mean"), x).flops == 16 + 8
