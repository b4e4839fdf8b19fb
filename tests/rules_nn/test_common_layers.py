"""The ``nn`` pack's module rules, one family at a time.

Every expected number is computed here, from the shapes and the formula written out in the test
(docs/conventions.md), never by calling the rule code. Convolutions and linear layers are also
checked against ``torch.utils.flop_counter.FlopCounterMode``, which reports 2·MACs and ignores the
bias: exact = 2·MACs − numel(out), plus numel(out) with a bias.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import calls, count_module, flop_counter_mode
from torch import nn

from torch_flops_core import Call, Registry, RuleError, count_flops, hookimpl
from torch_flops_rules_nn.linear import linear
from torch_flops_rules_nn.norm import local_response_norm

# ---------------------------------------------------------------------------------------------
# Linear: (2K − 1)·N, + N with bias; MACs K·N; N = numel(out), K = in_features
# ---------------------------------------------------------------------------------------------


def test_linear_5_to_4_on_one_row_is_40_flops_and_36_without_bias() -> None:
    x = torch.randn(1, 5)
    with_bias = count_module(nn.Linear(5, 4), x)
    assert (with_bias.flops, with_bias.macs) == (40, 20)  # 4 outputs · (2·5 − 1) + 4 bias adds
    without_bias = count_module(nn.Linear(5, 4, bias=False), x)
    assert (without_bias.flops, without_bias.macs) == (36, 20)


LINEAR_CASES = [
    # (in_features, out_features, input shape)
    (5, 4, (5,)),
    (5, 4, (3, 5)),
    (8, 3, (2, 6, 8)),
    (7, 2, (2, 3, 4, 7)),
    (1, 1, (1, 1)),
]


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("k", "out_features", "shape"), LINEAR_CASES)
def test_linear(k: int, out_features: int, shape: tuple[int, ...], bias: bool) -> None:
    x = torch.randn(shape)
    op = count_module(nn.Linear(k, out_features, bias=bias), x)
    n = math.prod(shape[:-1]) * out_features  # numel(out): every leading dim, times out_features
    assert op.flops == (2 * k - 1) * n + (n if bias else 0)
    assert op.macs == k * n
    assert op.rule == "torch_flops_rules_nn.linear.linear"


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("k", "out_features", "shape"), LINEAR_CASES)
def test_linear_against_flop_counter_mode(k: int, out_features: int, shape: tuple[int, ...], bias: bool) -> None:
    linear, x = nn.Linear(k, out_features, bias=bias), torch.randn(shape)
    op = count_module(linear, x)
    n = linear(x).numel()
    reference = flop_counter_mode(linear, x)
    assert reference == 2 * op.macs
    assert op.flops == reference - n + (n if bias else 0)


def test_subclass_of_linear_uses_the_linear_rule() -> None:
    class MyLinear(nn.Linear):
        pass

    op = count_module(MyLinear(6, 3), torch.randn(2, 6))
    n, k = 2 * 3, 6
    assert op.rule == "torch_flops_rules_nn.linear.linear"
    assert op.module_type == "MyLinear"
    assert (op.flops, op.macs) == ((2 * k - 1) * n + n, k * n)


def test_linear_inside_a_model_is_one_call_module_op() -> None:
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2, bias=False))
    result = count_flops(model, torch.randn(3, 5))
    assert result.unrecognized == []
    assert [(r.module_type, r.plugin) for r in calls(result)] == [("Linear", "nn"), ("ReLU", "nn"), ("Linear", "nn")]
    first = (2 * 5 - 1) * 12 + 12  # N = 3·4
    relu = 12
    second = (2 * 4 - 1) * 6  # N = 3·2, no bias
    assert [r.flops for r in calls(result)] == [first, relu, second]
    assert result.total == first + relu + second
    assert result.total_macs == 5 * 12 + 4 * 6


# ---------------------------------------------------------------------------------------------
# ConvNd: N·(2·Cg·k − 1), + N with bias; MACs N·Cg·k; Cg = in_channels/groups, k = numel(kernel)
# ---------------------------------------------------------------------------------------------


def test_conv2d_3x3_worked_example() -> None:
    op = count_module(nn.Conv2d(3, 8, 3, padding=1), torch.randn(1, 3, 8, 8))
    n = 1 * 8 * 8 * 8  # output 1×8×8×8
    cg_k = 3 * 3 * 3  # Cg = 3, k = 3·3
    assert op.flops == n * (2 * cg_k - 1) + n == 27_648
    assert op.macs == n * cg_k == 13_824


ConvKernel = int | tuple[int, ...]

CONV_CASES = [
    # (class, in_channels, out_channels, kernel_size, other arguments, input shape)
    pytest.param(nn.Conv1d, 4, 6, 3, {}, (2, 4, 10), id="1d"),
    pytest.param(nn.Conv1d, 4, 6, 5, {"stride": 2, "padding": 2}, (1, 4, 11), id="1d-s2p2"),
    pytest.param(nn.Conv1d, 6, 9, 3, {"groups": 3, "dilation": 2}, (2, 6, 12), id="1d-g3d2"),
    pytest.param(nn.Conv2d, 3, 8, 3, {}, (1, 3, 7, 7), id="2d"),
    pytest.param(nn.Conv2d, 3, 4, (3, 1), {"stride": (2, 1)}, (2, 3, 9, 5), id="2d-3x1"),
    pytest.param(nn.Conv2d, 4, 8, 3, {"groups": 2, "padding": 1}, (1, 4, 6, 6), id="2d-g2"),
    pytest.param(nn.Conv2d, 4, 4, 3, {"groups": 4, "padding": 2, "dilation": 2}, (1, 4, 8, 8), id="2d-depthwise-d2"),
    pytest.param(nn.Conv2d, 5, 7, 1, {}, (3, 5, 4, 4), id="2d-1x1"),
    pytest.param(nn.Conv2d, 2, 4, 3, {"padding": "same"}, (1, 2, 5, 6), id="2d-same"),
    pytest.param(nn.Conv3d, 2, 3, 3, {}, (1, 2, 5, 5, 5), id="3d"),
    pytest.param(nn.Conv3d, 4, 4, (1, 3, 3), {"stride": 2, "padding": 1, "groups": 2}, (2, 4, 4, 6, 6), id="3d-s2g2"),
]


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("cls", "cin", "cout", "kernel", "kwargs", "shape"), CONV_CASES)
def test_conv(
    cls: type[nn.Module], cin: int, cout: int, kernel: ConvKernel, kwargs: dict[str, Any], shape: tuple, bias: bool
) -> None:
    conv, x = cls(cin, cout, kernel, **kwargs, bias=bias), torch.randn(shape)
    op = count_module(conv, x)
    n = conv(x).numel()
    cg = cin // kwargs.get("groups", 1)
    dims = len(shape) - 2
    k = math.prod(kernel) if isinstance(kernel, tuple) else kernel**dims  # a conv's int kernel is k×k(×k)
    assert op.flops == n * (2 * cg * k - 1) + (n if bias else 0)
    assert op.macs == n * cg * k
    assert op.rule == "torch_flops_rules_nn.conv.conv"


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("cls", "cin", "cout", "kernel", "kwargs", "shape"), CONV_CASES)
def test_conv_against_flop_counter_mode(
    cls: type[nn.Module], cin: int, cout: int, kernel: ConvKernel, kwargs: dict[str, Any], shape: tuple, bias: bool
) -> None:
    conv, x = cls(cin, cout, kernel, **kwargs, bias=bias), torch.randn(shape)
    op = count_module(conv, x)
    n = conv(x).numel()
    reference = flop_counter_mode(conv, x)
    assert reference == 2 * op.macs
    assert op.flops == reference - n + (n if bias else 0)


# ---------------------------------------------------------------------------------------------
# Pooling. AvgPool: k·N; MaxPool: (k − 1)·N. k = product of a tuple kernel_size, but an int
# kernel_size counts once (the seed's convention, kept for its ResNet-50 figure): MaxPool2d(3) is
# k = 3, MaxPool2d((3, 3)) is k = 9.
# ---------------------------------------------------------------------------------------------

POOL_CASES = [
    # (dims, kernel_size, stride, input shape, output shape)
    (1, 3, 2, (2, 3, 9), (2, 3, 4)),
    (1, (3,), 1, (1, 2, 6), (1, 2, 4)),
    (2, 3, 2, (1, 2, 9, 9), (1, 2, 4, 4)),
    (2, (3, 3), 2, (1, 2, 9, 9), (1, 2, 4, 4)),
    (2, (2, 3), (2, 1), (2, 1, 6, 5), (2, 1, 3, 3)),
    (3, 2, 2, (1, 2, 4, 6, 6), (1, 2, 2, 3, 3)),
    (3, (2, 2, 2), 2, (1, 2, 4, 6, 6), (1, 2, 2, 3, 3)),
    (3, (1, 3, 2), 1, (1, 1, 3, 5, 4), (1, 1, 3, 3, 3)),
]

AVG_POOLS = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}
MAX_POOLS = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}


def seed_kernel(kernel_size: int | tuple[int, ...]) -> int:
    """k as the seed counts it: an int kernel_size is k (not k**dims); a tuple is its product."""
    return kernel_size if isinstance(kernel_size, int) else math.prod(kernel_size)


@pytest.mark.parametrize(("dims", "kernel_size", "stride", "shape", "out_shape"), POOL_CASES)
def test_avg_pool(dims: int, kernel_size: int | tuple, stride: int | tuple, shape: tuple, out_shape: tuple) -> None:
    pool, x = AVG_POOLS[dims](kernel_size, stride), torch.randn(shape)
    assert pool(x).shape == out_shape
    op = count_module(pool, x)
    assert op.flops == seed_kernel(kernel_size) * math.prod(out_shape)
    assert op.macs == 0


@pytest.mark.parametrize(("dims", "kernel_size", "stride", "shape", "out_shape"), POOL_CASES)
def test_max_pool(dims: int, kernel_size: int | tuple, stride: int | tuple, shape: tuple, out_shape: tuple) -> None:
    pool, x = MAX_POOLS[dims](kernel_size, stride), torch.randn(shape)
    assert pool(x).shape == out_shape
    op = count_module(pool, x)
    assert op.flops == (seed_kernel(kernel_size) - 1) * math.prod(out_shape)


def test_int_kernel_size_counts_once_not_per_dimension() -> None:
    x = torch.randn(1, 2, 9, 9)  # 3×3 windows, stride 2: output 1×2×4×4, N = 32
    assert count_module(nn.MaxPool2d(3, 2), x).flops == (3 - 1) * 32  # k = 3
    assert count_module(nn.MaxPool2d((3, 3), 2), x).flops == (9 - 1) * 32  # k = 9
    assert count_module(nn.AvgPool2d(3, 2), x).flops == 3 * 32
    assert count_module(nn.AvgPool2d((3, 3), 2), x).flops == 9 * 32


def test_max_pool_with_indices_counts_the_values_output() -> None:
    op = count_module(nn.MaxPool2d(2, return_indices=True), torch.randn(1, 3, 4, 4))
    assert op.flops == (2 - 1) * (1 * 3 * 2 * 2)


# Adaptive pools: torch's exact windows, output i of a dim reads inputs ⌊i·in/out⌋ … ⌈(i + 1)·in/out⌉ − 1.
# AdaptiveAvgPool: Σ w over the output windows (w − 1 adds and a divide each); AdaptiveMaxPool: Σ (w − 1).
# When in is a multiple of out every window is in/out: k'·N and (k' − 1)·N, the seed's counts.


def window_sum(size_in: int, size_out: int) -> int:
    """Σ over the outputs of one dim of their window sizes."""
    return sum(math.ceil((i + 1) * size_in / size_out) - (i * size_in) // size_out for i in range(size_out))


ADAPTIVE_CASES = [
    # (dims, output_size, input shape, output shape)
    (1, 4, (2, 3, 8), (2, 3, 4)),  # divisible: 4 windows of 2
    (1, 3, (2, 3, 7), (2, 3, 3)),  # 7 → 3: windows [0, 3), [2, 5), [4, 7): 3 + 3 + 3
    (2, 1, (1, 4, 7, 7), (1, 4, 1, 1)),  # global pool: window 7·7
    (2, (2, 3), (1, 2, 8, 7), (1, 2, 2, 3)),  # (4 + 4) · (3 + 3 + 3)
    (2, (3, 3), (2, 2, 10, 11), (2, 2, 3, 3)),  # 10 → 3: 4 + 4 + 4; 11 → 3: 4 + 5 + 4
    (2, (None, 2), (1, 2, 5, 6), (1, 2, 5, 2)),  # None keeps the size: windows of 1 · (3 + 3)
    (3, 2, (1, 2, 4, 6, 8), (1, 2, 2, 2, 2)),  # divisible: (2 + 2) · (3 + 3) · (4 + 4)
    (3, (1, 2, 3), (1, 1, 5, 5, 5), (1, 1, 1, 2, 3)),  # 5 · (3 + 3) · (2 + 3 + 2)
]

ADAPTIVE_AVG = {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d}
ADAPTIVE_MAX = {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d}


@pytest.mark.parametrize(("dims", "output_size", "shape", "out_shape"), ADAPTIVE_CASES)
def test_adaptive_avg_pool(dims: int, output_size: int | tuple, shape: tuple, out_shape: tuple) -> None:
    pool, x = ADAPTIVE_AVG[dims](output_size), torch.randn(shape)
    assert pool(x).shape == out_shape
    op = count_module(pool, x)
    windows = math.prod(window_sum(i, o) for i, o in zip(shape[-dims:], out_shape[-dims:], strict=True))
    assert op.flops == math.prod(out_shape[:-dims]) * windows
    assert count_flops(pool, x, engine="aten").total == op.flops  # _adaptive_avg_pool*'s exact windows


@pytest.mark.parametrize(("dims", "output_size", "shape", "out_shape"), ADAPTIVE_CASES)
def test_adaptive_max_pool(dims: int, output_size: int | tuple, shape: tuple, out_shape: tuple) -> None:
    pool, x = ADAPTIVE_MAX[dims](output_size), torch.randn(shape)
    assert pool(x).shape == out_shape
    op = count_module(pool, x)
    windows = math.prod(window_sum(i, o) for i, o in zip(shape[-dims:], out_shape[-dims:], strict=True))
    assert op.flops == math.prod(out_shape[:-dims]) * windows - math.prod(out_shape)
    assert count_flops(pool, x, engine="aten").total == op.flops


def test_adaptive_pool_worked_example() -> None:
    # output 1×2×2×3, N = 12; rows 8 → 2: windows of 4; columns 7 → 3: [0, 3), [2, 5), [4, 7), 3 each: every
    # window 4·3 = 12 inputs
    x = torch.randn(1, 2, 8, 7)
    assert count_module(nn.AdaptiveAvgPool2d((2, 3)), x).flops == 12 * 12 == 144
    assert count_module(nn.AdaptiveMaxPool2d((2, 3)), x).flops == (12 - 1) * 12 == 132


def test_adaptive_max_pool_with_indices() -> None:
    op = count_module(nn.AdaptiveMaxPool2d(2, return_indices=True), torch.randn(1, 3, 4, 6))
    assert op.flops == (2 * 3 - 1) * (1 * 3 * 2 * 2)


# ---------------------------------------------------------------------------------------------
# Norms (inference statistics): 2·numel(in), + numel(in) with a weight, + numel(in) with a bias
# ---------------------------------------------------------------------------------------------

NORM_CASES = [
    # (module, input shape, FLOPs per input element)
    pytest.param(nn.LayerNorm(8), (2, 3, 8), 4, id="LayerNorm"),
    pytest.param(nn.LayerNorm((3, 8)), (2, 3, 8), 4, id="LayerNorm-2d-shape"),
    pytest.param(nn.LayerNorm(8, bias=False), (2, 3, 8), 3, id="LayerNorm-no-bias"),
    pytest.param(nn.LayerNorm(8, elementwise_affine=False), (2, 3, 8), 2, id="LayerNorm-no-affine"),
    pytest.param(nn.BatchNorm1d(4), (3, 4), 4, id="BatchNorm1d-2d-input"),
    pytest.param(nn.BatchNorm1d(4), (3, 4, 5), 4, id="BatchNorm1d-3d-input"),
    pytest.param(nn.BatchNorm1d(4, affine=False), (3, 4, 5), 2, id="BatchNorm1d-no-affine"),
    pytest.param(nn.BatchNorm2d(4), (2, 4, 5, 5), 4, id="BatchNorm2d"),
    pytest.param(nn.BatchNorm2d(4, affine=False), (2, 4, 5, 5), 2, id="BatchNorm2d-no-affine"),
    pytest.param(nn.BatchNorm2d(4, track_running_stats=False), (2, 4, 5, 5), 4, id="BatchNorm2d-no-running-stats"),
    pytest.param(nn.BatchNorm3d(2), (1, 2, 3, 4, 5), 4, id="BatchNorm3d"),
    pytest.param(nn.BatchNorm3d(2, affine=False), (1, 2, 3, 4, 5), 2, id="BatchNorm3d-no-affine"),
    pytest.param(nn.InstanceNorm1d(4), (2, 4, 6), 2, id="InstanceNorm1d-default-no-affine"),
    pytest.param(nn.InstanceNorm1d(4, affine=True), (2, 4, 6), 4, id="InstanceNorm1d-affine"),
    pytest.param(nn.InstanceNorm2d(3), (2, 3, 4, 4), 2, id="InstanceNorm2d"),
    pytest.param(nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 4), 4, id="InstanceNorm2d-affine"),
    pytest.param(nn.InstanceNorm3d(2, affine=True), (1, 2, 3, 3, 3), 4, id="InstanceNorm3d-affine"),
    pytest.param(nn.GroupNorm(2, 4), (2, 4, 3, 3), 4, id="GroupNorm"),
    pytest.param(nn.GroupNorm(2, 4, affine=False), (2, 4, 3, 3), 2, id="GroupNorm-no-affine"),
]


@pytest.mark.parametrize(("norm", "shape", "per_element"), NORM_CASES)
def test_norm(norm: nn.Module, shape: tuple[int, ...], per_element: int) -> None:
    norm.eval()
    op = count_module(norm, torch.randn(shape))
    weight = getattr(norm, "weight", None) is not None
    bias = getattr(norm, "bias", None) is not None
    assert per_element == 2 + weight + bias  # the table above agrees with the formula
    assert op.flops == (2 + weight + bias) * math.prod(shape)
    assert op.rule == "torch_flops_rules_nn.norm.norm"


def test_batchnorm2d_without_affine_counts_2_per_element() -> None:
    op = count_module(nn.BatchNorm2d(3, affine=False).eval(), torch.randn(2, 3, 4, 4))
    assert op.flops == 2 * (2 * 3 * 4 * 4)


def test_layernorm_without_bias_counts_3_per_element() -> None:
    op = count_module(nn.LayerNorm(6, bias=False), torch.randn(4, 6))
    assert op.flops == 3 * (4 * 6)


# ---------------------------------------------------------------------------------------------
# Activations: ReLU, GELU N; LeakyReLU 4·N. test_activation.py has the whole table, on
# 2-d (training), 3-d and 4-d inputs; here, the seed's activations on the shapes it does not use.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "per_element"),
    [
        (nn.ReLU(), 1),
        (nn.ReLU(inplace=True), 1),
        (nn.GELU(), 1),
        (nn.GELU("tanh"), 1),
        (nn.LeakyReLU(), 4),
        (nn.LeakyReLU(0.2), 4),
    ],
    ids=["ReLU", "ReLU-inplace", "GELU", "GELU-tanh", "LeakyReLU", "LeakyReLU-0.2"],
)
@pytest.mark.parametrize("shape", [(7,), (2, 5)])
def test_activation(module: nn.Module, per_element: int, shape: tuple[int, ...]) -> None:
    op = count_module(module, torch.randn(shape))
    assert op.flops == per_element * math.prod(shape)


# ---------------------------------------------------------------------------------------------
# Identity, Flatten, Dropout family: 0, and recognized
# ---------------------------------------------------------------------------------------------


DROPOUTS = [
    # (module, input shape, elements of its mask: one per element, or per (batch, channel) for feature dropout)
    (nn.Dropout(0.5), (2, 3), 2 * 3),
    (nn.Dropout1d(0.5), (2, 3, 4), 2 * 3),
    (nn.Dropout1d(0.5), (3, 4), 3),  # unbatched: one value per channel
    (nn.Dropout2d(0.5), (2, 3, 4, 4), 2 * 3),
    (nn.Dropout3d(0.5), (1, 2, 3, 4, 4), 1 * 2),
    (nn.Dropout3d(0.5), (2, 3, 4, 4), 2),  # unbatched
    (nn.AlphaDropout(0.5), (2, 3), 2 * 3),
    (nn.FeatureAlphaDropout(0.5), (2, 3, 4, 4), 2 * 3),
]


@pytest.mark.parametrize(
    ("module", "shape"),
    [(nn.Identity(), (2, 3)), (nn.Flatten(), (2, 3, 4)), (nn.Flatten(0, -1), (2, 3, 4))]
    + [(module, shape) for module, shape, _ in DROPOUTS],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else None,
)
def test_zero_cost_modules_are_recognized(module: nn.Module, shape: tuple[int, ...]) -> None:
    module.eval()  # dropout is the identity in eval
    op = count_module(module, torch.randn(shape))
    assert op.flops == 0
    assert op.recognized


@pytest.mark.parametrize(
    ("module", "shape", "mask"), DROPOUTS, ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else None
)
def test_dropout_in_training_counts_the_mask_and_the_multiply(
    module: nn.Module, shape: tuple[int, ...], mask: int
) -> None:
    # the mask scaled by 1/(1 − p) (mask) and x·mask (N); alpha dropout shifts and scales the mask (4·mask) and
    # computes x·mask + b (2N)
    module.train()
    n = math.prod(shape)
    alpha = isinstance(module, (nn.AlphaDropout, nn.FeatureAlphaDropout))
    expected = 4 * mask + 2 * n if alpha else mask + n
    x = torch.randn(shape)
    assert count_module(module, x).flops == expected
    assert count_flops(module, x, engine="aten").total == expected
    assert count_module(type(module)(1.0).train(), x).flops == n  # p = 1: x·0
    assert count_module(type(module)(0.0).train(), x).flops == 0  # p = 0: the input


def test_zero_cost_modules_inside_a_model() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.1), nn.Identity(), nn.Linear(12, 2)).eval()
    result = count_flops(model, torch.randn(3, 3, 4))
    assert result.unrecognized == []
    assert [(r.module_type, r.flops, r.plugin) for r in calls(result)] == [
        ("Flatten", 0, "nn"),
        ("Dropout", 0, "nn"),
        ("Identity", 0, "nn"),
        ("Linear", (2 * 12 - 1) * 6 + 6, "nn"),  # N = 3·2
    ]


# ---------------------------------------------------------------------------------------------
# Counting never changes the model
# ---------------------------------------------------------------------------------------------


def test_counting_in_training_mode_leaves_flags_and_batchnorm_buffers_unchanged() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5))
    model.train()
    bn = model[1]
    with torch.no_grad():  # non-trivial statistics, so a silent update would show
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    buffers_before = {name: b.clone() for name, b in model.named_buffers()}
    params_before = {name: p.detach().clone() for name, p in model.named_parameters()}

    result = count_flops(model, torch.randn(2, 3, 6, 6))

    assert result.unrecognized == []
    assert model.training
    assert all(m.training for m in model.modules())
    assert set(dict(model.named_buffers())) == {"1.running_mean", "1.running_var", "1.num_batches_tracked"}
    for name, before in buffers_before.items():
        assert torch.equal(dict(model.named_buffers())[name], before), name
    for name, before in params_before.items():
        assert torch.equal(dict(model.named_parameters())[name], before), name
    assert bn.num_batches_tracked.item() == 0
    n_conv = 2 * 4 * 4 * 4  # output 2×4×4×4
    bn = 4 * n_conv  # as in eval: statistics are not counted
    dropout = n_conv + n_conv  # the mask scaled by 1/(1 − p), then the product
    assert result.total == n_conv * (2 * 3 * 9 - 1) + n_conv + bn + n_conv + dropout


def test_counting_in_eval_mode_leaves_eval_mode() -> None:
    model = nn.Sequential(nn.BatchNorm1d(3), nn.Dropout()).eval()
    count_flops(model, torch.randn(4, 3))
    assert not model.training
    assert not any(m.training for m in model.modules())


@pytest.mark.parametrize("base", [nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d])
def test_subclass_of_an_adaptive_pool_uses_its_rule(base: type[nn.Module]) -> None:
    class MyPool(base):  # type: ignore[misc, valid-type]
        pass

    result = count_flops(MyPool(2), torch.randn(1, 3, 4, 4))
    n, window = 3 * 2 * 2, 2 * 2  # 4 -> 2 per dim: divisible, window 2
    expected = window * n if base is nn.AdaptiveAvgPool2d else (window - 1) * n
    assert result.total == expected


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, math.inf, -math.inf, -1.0])
def test_pairwise_distance_module_and_function_agree_for_every_p(p: float) -> None:
    """One p-norm formula in every pack (formulas.vector_norm): they disagreed for p = −1 and −∞."""
    x1, x2 = torch.randn(4, 8), torch.randn(4, 8)
    module = count_flops(nn.PairwiseDistance(p=p), x1, x2).total
    function = count_flops(lambda a, b: F.pairwise_distance(a, b, p=p), x1, x2).total
    d = 8
    norm = 2 * d if p == 2 else 2 * d - 1 if p in (1.0, 0.0, math.inf, -math.inf) else 3 * d
    assert module == function == 4 * (2 * d + norm)  # per row: d subtracts, d adds of eps, the p-norm


# ---------------------------------------------------------------------------------------------
# A rule given a module of another class says so (call.module_as), under python -O too
# ---------------------------------------------------------------------------------------------


def test_a_rule_given_another_module_names_the_class_it_counts_and_the_one_it_got() -> None:
    x = torch.randn(2, 4)
    call = Call("call_module", "conv", (x,), {}, torch.randn(2, 3), module=nn.ReLU())
    with pytest.raises(TypeError, match=r"counts Linear modules and was given a ReLU") as raised:
        linear(call)
    assert "register it for Linear" in str(raised.value)  # what to do
    without_module = Call("call_module", "fc", (x,), {}, torch.randn(2, 3))
    with pytest.raises(TypeError, match=r"counts Linear modules and was given no module"):
        linear(without_module)
    lrn = Call("call_module", "lrn", (x,), {}, x, module=nn.ReLU())  # a rule of two classes names both
    with pytest.raises(TypeError, match=r"counts LocalResponseNorm or CrossMapLRN2d modules and was given a ReLU"):
        local_response_norm(lrn)


def test_a_pack_rule_registered_for_another_module_is_a_rule_error_naming_rule_and_plugin() -> None:
    class Misregistered:
        name = "misregistered"

        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.module(nn.Conv1d)(linear)  # the nn pack's Linear rule, for a class it does not count

    with pytest.raises(RuleError) as raised:
        count_flops(nn.Sequential(nn.Conv1d(2, 3, 1)), torch.randn(1, 2, 5), plugins=[Misregistered()])
    error = raised.value
    assert (error.plugin, error.rule) == ("misregistered", "torch_flops_rules_nn.linear.linear")
    assert "counts Linear modules and was given a Conv1d" in str(error)
