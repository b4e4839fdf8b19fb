"""Transposed and lazy convolutions, Fold and Unfold (docs/conventions.md).

A transposed convolution multiplies every input element by (C_out/groups)·k weights, MACs =
numel(in)·(C_out/groups)·k, and adds each product into its output element: every product after
an element's first is one add. So exact = 2·MACs − N_cov, plus N with a bias, where N_cov is the
number of output elements that receive a product (numel(out) except where the stride skips
positions or output_padding adds some). FlopCounterMode counts 2·MACs, so
exact = FlopCounterMode − N_cov (+ N with a bias), which is the relation of every contraction
(FlopCounterMode − N) whenever every output element receives a product.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import count_module, flop_counter_mode
from torch import nn

TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def covered_outputs(conv: nn.Module, x: torch.Tensor) -> int:
    """Output elements that receive at least one product: run the convolution on ones, count non-zeros."""
    dims = x.dim() - 2
    ones_w = torch.ones_like(conv.weight)
    out = TRANSPOSED[dims](
        torch.ones_like(x), ones_w, None, conv.stride, conv.padding, conv.output_padding, conv.groups, conv.dilation
    )
    return int((out > 0).sum())


TRANSPOSED_CASES = [
    # (class, in_channels, out_channels, kernel_size, other arguments, input shape, every output covered)
    pytest.param(nn.ConvTranspose1d, 4, 6, 3, {}, (2, 4, 7), True, id="1d"),
    pytest.param(nn.ConvTranspose1d, 4, 6, 4, {"stride": 2, "padding": 1}, (1, 4, 8), True, id="1d-s2p1"),
    pytest.param(nn.ConvTranspose1d, 6, 4, 3, {"groups": 2, "dilation": 2}, (2, 6, 5), True, id="1d-g2d2"),
    pytest.param(nn.ConvTranspose1d, 2, 3, 2, {"stride": 3}, (1, 2, 5), False, id="1d-stride-over-kernel"),
    pytest.param(nn.ConvTranspose2d, 3, 8, 3, {}, (1, 3, 5, 5), True, id="2d"),
    pytest.param(nn.ConvTranspose2d, 4, 4, 4, {"stride": 2, "padding": 1}, (2, 4, 4, 4), True, id="2d-dcgan"),
    pytest.param(nn.ConvTranspose2d, 3, 4, 3, {"stride": 2, "output_padding": 1}, (1, 3, 4, 4), False, id="2d-op1"),
    pytest.param(nn.ConvTranspose2d, 4, 6, (3, 2), {"stride": (2, 1), "groups": 2}, (1, 4, 3, 5), True, id="2d-g2"),
    pytest.param(
        nn.ConvTranspose2d, 2, 2, 3, {"stride": 2, "dilation": 2, "padding": 2}, (1, 2, 4, 4), False, id="2d-d2"
    ),
    pytest.param(nn.ConvTranspose2d, 2, 3, 1, {"stride": 2, "output_padding": 1}, (2, 2, 3, 3), False, id="2d-1x1-s2"),
    pytest.param(nn.ConvTranspose3d, 2, 3, 3, {}, (1, 2, 3, 3, 3), True, id="3d"),
    pytest.param(nn.ConvTranspose3d, 4, 2, 2, {"stride": 2, "groups": 2}, (1, 4, 2, 3, 3), True, id="3d-s2g2"),
]


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("cls", "cin", "cout", "kernel", "kwargs", "shape", "all_covered"), TRANSPOSED_CASES)
def test_conv_transpose(
    cls: type[nn.Module], cin: int, cout: int, kernel: Any, kwargs: dict[str, Any], shape: tuple, all_covered: bool,
    bias: bool,
) -> None:  # fmt: skip
    conv, x = cls(cin, cout, kernel, **kwargs, bias=bias), torch.randn(shape)
    op = count_module(conv, x)
    n = conv(x).numel()
    k = math.prod(kernel) if isinstance(kernel, tuple) else kernel ** (len(shape) - 2)
    macs = math.prod(shape) * (cout // kwargs.get("groups", 1)) * k
    n_cov = covered_outputs(conv, x)
    assert (n_cov == n) is all_covered
    assert op.macs == macs
    assert op.flops == 2 * macs - n_cov + (n if bias else 0)
    assert op.rule == "torch_flops_rules_nn.conv.conv_transpose"


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("cls", "cin", "cout", "kernel", "kwargs", "shape", "all_covered"), TRANSPOSED_CASES)
def test_conv_transpose_against_flop_counter_mode(
    cls: type[nn.Module], cin: int, cout: int, kernel: Any, kwargs: dict[str, Any], shape: tuple, all_covered: bool,
    bias: bool,
) -> None:  # fmt: skip
    conv, x = cls(cin, cout, kernel, **kwargs, bias=bias), torch.randn(shape)
    op = count_module(conv, x)
    n = conv(x).numel()
    reference = flop_counter_mode(conv, x)
    assert reference == 2 * op.macs
    if all_covered:
        assert op.flops == reference - n + (n if bias else 0)
    else:
        assert op.flops == reference - covered_outputs(conv, x) + (n if bias else 0)


def test_conv_transpose_worked_examples() -> None:
    # 1 input channel, 1 output, kernel 3, stride 2 on length 4: output length (4 − 1)·2 + 3 = 9, all covered
    op = count_module(nn.ConvTranspose1d(1, 1, 3, stride=2, bias=False), torch.randn(1, 1, 4))
    assert (op.macs, op.flops) == (4 * 3, 2 * 12 - 9)
    # kernel 1, stride 3 on length 4: output 10, only 4 positions receive a product
    op = count_module(nn.ConvTranspose1d(1, 1, 1, stride=3, bias=False), torch.randn(1, 1, 4))
    assert (op.macs, op.flops) == (4, 2 * 4 - 4)


def test_conv_transpose_with_output_size() -> None:
    conv, x = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), torch.randn(1, 2, 4, 4)
    result = count_module(conv, x)  # output 7×7 by default
    assert result.flops == 2 * (2 * 16 * 3 * 9) - 3 * 49 + 3 * 49


# Lazy convolutions become Conv*/ConvTranspose* on their first forward; counting one that is not
# initialised yet runs that forward, and the rule of the class it derives from counts it.

LAZY_CONVS = [
    (nn.LazyConv1d, 4, (2, 3, 9), "conv"),
    (nn.LazyConv2d, 4, (1, 3, 6, 6), "conv"),
    (nn.LazyConv3d, 2, (1, 3, 4, 4, 4), "conv"),
    (nn.LazyConvTranspose1d, 4, (2, 3, 5), "conv_transpose"),
    (nn.LazyConvTranspose2d, 4, (1, 3, 4, 4), "conv_transpose"),
    (nn.LazyConvTranspose3d, 2, (1, 3, 2, 2, 2), "conv_transpose"),
]


@pytest.mark.parametrize(("cls", "cout", "shape", "rule"), LAZY_CONVS, ids=lambda v: getattr(v, "__name__", None))
@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_lazy_conv_not_yet_initialised(cls: type[nn.Module], cout: int, shape: tuple, rule: str, device: str) -> None:
    with torch.device(device):
        conv = cls(cout, 3)
        x = torch.randn(shape)
    from torch_flops_core import count_flops

    result = count_flops(conv, x)
    assert result.unrecognized == []
    (op,) = [r for r in result.ops if r.kind == "call_module"]
    assert (op.plugin, op.rule, op.module_type) == ("nn", f"torch_flops_rules_nn.conv.{rule}", cls.__name__)
    cin, dims = shape[1], len(shape) - 2
    k = 3**dims
    n = conv(x).numel()
    if rule == "conv":
        assert (op.flops, op.macs) == (n * (2 * cin * k - 1) + n, n * cin * k)
    else:  # stride 1: every output receives a product
        macs = math.prod(shape) * cout * k
        assert (op.flops, op.macs) == (2 * macs - n + n, macs)


# Fold (col2im): each block value is added into its output element; an element receiving c values
# costs c − 1 adds. So Fold = numel(in) − N_cov (the elements receiving at least one). Unfold copies.


@pytest.mark.parametrize(
    ("output_size", "kernel", "kwargs", "channels"),
    [
        ((4, 5), 2, {}, 3),
        ((6, 6), 3, {"stride": 2}, 2),
        ((5, 5), 2, {"stride": 3}, 1),  # stride over the kernel: some positions receive nothing
        ((6, 7), (2, 3), {"padding": 1, "dilation": (2, 1)}, 2),
    ],
)
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
def test_fold(output_size: tuple[int, int], kernel: Any, kwargs: dict[str, Any], channels: int, batched: bool) -> None:
    fold = nn.Fold(output_size, kernel, **kwargs)
    unfold = nn.Unfold(kernel, **kwargs)
    image = torch.randn(2, channels, *output_size)
    cols = unfold(image) if batched else unfold(image)[0]
    op = count_module(fold, cols)
    covered = int((fold(torch.ones_like(cols)) > 0).sum())
    assert op.flops == cols.numel() - covered
    assert count_module(unfold, image).flops == 0


def test_fold_worked_example() -> None:
    # 2×2 blocks, stride 1, over 3×3: 4 blocks of 4 values = 16 values into 9 positions, all covered
    op = count_module(nn.Fold((3, 3), 2), torch.randn(1, 4, 4))
    assert op.flops == 16 - 9
