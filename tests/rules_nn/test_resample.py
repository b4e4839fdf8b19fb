"""Upsampling, shuffles, padding and reshaping modules (docs/conventions.md).

Upsample costs, per output element, a weighted sum of its 2^d (bicubic: 4^d) neighbours: m
multiplies and m − 1 adds, 2m − 1. Nearest copies: 0. 'area' is adaptive average pooling: each
output's window of w inputs costs w (w − 1 adds, one divide). Shuffles, padding, Unflatten: 0.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from helpers import count_module
from torch import nn


def weighted_sum(neighbours: int) -> int:
    return neighbours + (neighbours - 1)


PER_OUTPUT = {
    "nearest": 0,
    "nearest-exact": 0,
    "linear": weighted_sum(2),
    "bilinear": weighted_sum(4),
    "bicubic": weighted_sum(16),
    "trilinear": weighted_sum(8),
}

UPSAMPLE_CASES = [
    # (mode, input shape, size or scale_factor, output shape)
    ("nearest", (1, 2, 5), {"scale_factor": 2}, (1, 2, 10)),
    ("nearest", (2, 3, 4, 4), {"size": (6, 9)}, (2, 3, 6, 9)),
    ("nearest", (1, 2, 2, 3, 3), {"size": (3, 4, 5)}, (1, 2, 3, 4, 5)),
    ("nearest-exact", (1, 2, 3, 3), {"scale_factor": 3}, (1, 2, 9, 9)),
    ("linear", (2, 3, 5), {"size": 12}, (2, 3, 12)),
    ("linear", (1, 1, 4), {"scale_factor": 1.5, "align_corners": True}, (1, 1, 6)),
    ("bilinear", (1, 2, 4, 5), {"scale_factor": 2}, (1, 2, 8, 10)),
    ("bilinear", (2, 1, 3, 3), {"size": (4, 7), "align_corners": True}, (2, 1, 4, 7)),
    ("bicubic", (1, 3, 4, 4), {"scale_factor": 2}, (1, 3, 8, 8)),
    ("trilinear", (1, 2, 2, 3, 3), {"scale_factor": 2}, (1, 2, 4, 6, 6)),
]


@pytest.mark.parametrize(("mode", "shape", "kwargs", "out_shape"), UPSAMPLE_CASES)
def test_upsample(mode: str, shape: tuple, kwargs: dict[str, Any], out_shape: tuple) -> None:
    module, x = nn.Upsample(mode=mode, **kwargs), torch.randn(shape)
    assert module(x).shape == out_shape
    op = count_module(module, x)
    assert op.flops == PER_OUTPUT[mode] * math.prod(out_shape)
    assert op.rule == "torch_flops_rules_nn.resample.upsample"


def area_windows(size_in: int, size_out: int) -> list[int]:
    return [math.ceil((i + 1) * size_in / size_out) - math.floor(i * size_in / size_out) for i in range(size_out)]


@pytest.mark.parametrize(
    ("shape", "size"),
    [
        ((1, 2, 8), (4,)),
        ((1, 2, 7), (3,)),
        ((2, 1, 6, 6), (3, 4)),
        ((1, 1, 3, 4), (6, 6)),
        ((1, 2, 4, 4, 4), (2, 3, 4)),
    ],
)
def test_upsample_area(shape: tuple, size: tuple) -> None:
    module, x = nn.Upsample(size=size, mode="area"), torch.randn(shape)
    op = count_module(module, x)
    per_channel = math.prod(sum(area_windows(i, o)) for i, o in zip(shape[2:], size, strict=True))
    assert op.flops == shape[0] * shape[1] * per_channel


def test_upsample_area_worked_example() -> None:
    # 7 → 3: windows [0, 3), [2, 5), [4, 7): 3 inputs each, 9 per channel, 2 channels
    assert count_module(nn.Upsample(size=3, mode="area"), torch.randn(1, 2, 7)).flops == 18


@pytest.mark.parametrize(
    ("module", "shape", "out_shape", "per_output"),
    [
        (nn.UpsamplingNearest2d(scale_factor=2), (1, 2, 3, 3), (1, 2, 6, 6), 0),
        (nn.UpsamplingNearest2d(size=(4, 5)), (2, 1, 3, 3), (2, 1, 4, 5), 0),
        (nn.UpsamplingBilinear2d(scale_factor=2), (1, 2, 3, 3), (1, 2, 6, 6), weighted_sum(4)),
        (nn.UpsamplingBilinear2d(size=(5, 4)), (2, 1, 3, 3), (2, 1, 5, 4), weighted_sum(4)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else None,
)
def test_fixed_mode_upsampling(module: nn.Module, shape: tuple, out_shape: tuple, per_output: int) -> None:
    assert count_module(module, torch.randn(shape)).flops == per_output * math.prod(out_shape)


@pytest.mark.parametrize(
    ("module", "shape"),
    [
        (nn.PixelShuffle(2), (1, 8, 3, 3)),
        (nn.PixelShuffle(3), (2, 9, 2, 2)),
        (nn.PixelUnshuffle(2), (1, 2, 4, 6)),
        (nn.ChannelShuffle(2), (1, 4, 3, 3)),
        (nn.ChannelShuffle(3), (2, 6, 2)),
        (nn.Unflatten(1, (2, 3)), (4, 6)),
        (nn.Unflatten(-1, (2, 2)), (3, 2, 4)),
        (nn.ConstantPad1d(2, 1.5), (1, 2, 5)),
        (nn.ConstantPad2d((1, 0, 2, 1), 0.0), (1, 2, 3, 3)),
        (nn.ConstantPad3d(1, -1.0), (1, 1, 2, 2, 2)),
        (nn.ZeroPad1d(1), (2, 3)),
        (nn.ZeroPad2d((1, 2, 0, 1)), (1, 2, 3, 3)),
        (nn.ZeroPad3d(1), (1, 1, 2, 2, 2)),
        (nn.ReflectionPad1d(2), (1, 2, 5)),
        (nn.ReflectionPad2d(1), (1, 2, 3, 3)),
        (nn.ReflectionPad3d(1), (1, 1, 2, 2, 2)),
        (nn.ReplicationPad1d(2), (1, 2, 5)),
        (nn.ReplicationPad2d(1), (1, 2, 3, 3)),
        (nn.ReplicationPad3d(1), (1, 1, 2, 2, 2)),
        (nn.CircularPad1d(2), (1, 2, 5)),
        (nn.CircularPad2d(1), (1, 2, 3, 3)),
        (nn.CircularPad3d(1), (1, 1, 2, 2, 2)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else None,
)
def test_rearranging_and_padding_modules_are_free(module: nn.Module, shape: tuple) -> None:
    op = count_module(module, torch.randn(shape))
    assert op.flops == 0
    assert op.recognized
