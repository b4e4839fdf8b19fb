"""Power-average, fractional and unpooling layers (docs/conventions.md).

LPPool: (Σ_window x^p)^(1/p): x^p on every input element (torch raises the whole input), k − 1
adds per window, one root per output: numel(in) + k·N, with k the full window (an int kernel_size
is k^dims here; the seed's int quirk belongs to AvgPool/MaxPool only). FractionalMaxPool: (k − 1)·N.
MaxUnpool: 0.
"""

from __future__ import annotations

import math

import pytest
import torch
from helpers import count_module
from torch import nn

LP_POOLS = {1: nn.LPPool1d, 2: nn.LPPool2d, 3: nn.LPPool3d}


@pytest.mark.parametrize(
    ("dims", "norm_type", "kernel", "stride", "shape"),
    [
        (1, 2, 3, 2, (2, 3, 9)),
        (1, 1.5, 2, None, (1, 2, 8)),
        (2, 2, 2, None, (1, 2, 6, 6)),
        (2, 3, (2, 3), (1, 2), (2, 1, 5, 7)),
        (3, 2, 2, None, (1, 2, 4, 4, 6)),
        (3, 1, (1, 2, 2), 1, (1, 1, 3, 4, 4)),
    ],
)
def test_lp_pool(dims: int, norm_type: float, kernel: int | tuple, stride: int | tuple | None, shape: tuple) -> None:
    pool, x = LP_POOLS[dims](norm_type, kernel, stride), torch.randn(shape).abs()
    op = count_module(pool, x)
    k = kernel**dims if isinstance(kernel, int) else math.prod(kernel)
    n = pool(x).numel()
    assert op.flops == math.prod(shape) + (k - 1) * n + n


@pytest.mark.parametrize(
    ("pool", "shape", "k"),
    [
        pytest.param(nn.FractionalMaxPool2d(2, output_size=3), (1, 2, 7, 7), 4, id="2d-output-size"),
        pytest.param(nn.FractionalMaxPool2d((3, 2), output_ratio=0.5), (2, 1, 8, 8), 6, id="2d-ratio"),
        pytest.param(nn.FractionalMaxPool3d(2, output_size=(2, 3, 3)), (1, 2, 5, 6, 6), 8, id="3d"),
        pytest.param(nn.FractionalMaxPool2d(2, output_size=3, return_indices=True), (1, 2, 7, 7), 4, id="indices"),
    ],
)
def test_fractional_max_pool(pool: nn.Module, shape: tuple, k: int) -> None:
    x = torch.randn(shape)
    out = pool(x)
    n = (out[0] if isinstance(out, tuple) else out).numel()
    assert count_module(pool, x).flops == (k - 1) * n


@pytest.mark.parametrize(
    ("pool", "unpool", "shape"),
    [
        (nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2), (1, 2, 8)),
        (nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2), (2, 3, 4, 4)),
        (nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2), (1, 1, 4, 4, 4)),
    ],
)
def test_max_unpool_is_free(pool: nn.Module, unpool: nn.Module, shape: tuple) -> None:
    values, indices = pool(torch.randn(shape))
    assert count_module(unpool, values, indices).flops == 0
