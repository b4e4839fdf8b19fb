"""The ``functional`` pack's function and method rules, through small models that use each op.

Every expected number is computed here, from the shapes and the formula written out in the test
(docs/conventions.md), never by calling the rule code. Contractions are also checked against
``torch.utils.flop_counter.FlopCounterMode``, which reports 2·MACs and ignores biases:
exact = 2·MACs − numel(out), plus numel(out) with a bias.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import calls, flop_counter_mode
from torch import nn

from torch_flops_core import FlopsResult, OpRecord, count_flops


class Unary(nn.Module):
    """``forward(x) = fn(x)``: FX traces through ``fn``, so its ops are what gets counted."""

    def __init__(self, fn: Callable[[torch.Tensor], Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> Any:
        return self.fn(x)


class Binary(nn.Module):
    """``forward(a, b) = fn(a, b)``."""

    def __init__(self, fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> Any:
        return self.fn(a, b)


def count(model: nn.Module, *inputs: torch.Tensor) -> FlopsResult:
    """Count ``model``, which uses only supported ops: nothing may be left unrecognized, and the eager
    engine (what runs) agrees with fx. The fx result is returned, whose records keep the source's
    spelling (``operator.add`` for ``x + 1``; torch runs that as ``Tensor.add``, which eager records)."""
    result = count_flops(model, *inputs, engine="fx")
    eager = count_flops(model, *inputs, engine="eager")
    assert result.unrecognized == [] and eager.unrecognized == []
    assert (eager.total, eager.total_macs) == (result.total, result.total_macs)
    return result


def only_op(model: nn.Module, *inputs: torch.Tensor) -> OpRecord:
    """The one op of a model whose forward is a single function or method call (functional pack)."""
    result = count(model, *inputs)
    (op,) = calls(result)
    assert op.kind in ("call_function", "call_method")
    assert op.plugin == "functional"
    assert result.total == op.flops
    assert result.total_macs == op.macs
    return op


def op_of(result: FlopsResult, target_name: str) -> OpRecord:
    """The one op whose target is spelled ``target_name`` (``operator.mul``, ``softmax``, ...)."""
    (op,) = [r for r in calls(result) if r.target_name == target_name]
    assert op.plugin == "functional"
    return op


# ---------------------------------------------------------------------------------------------
# Element-wise arithmetic: N = numel(out), in every spelling
# ---------------------------------------------------------------------------------------------

X_SHAPE = (2, 3, 4)
N_X = 2 * 3 * 4


def add_in_place(x: torch.Tensor) -> torch.Tensor:
    x += 1  # FX sees operator.add
    return x


UNARY_ELEMENTWISE = [
    # (spelling in the forward, expected target as recorded)
    pytest.param(lambda x: x + 1, "operator.add", id="x + 1"),
    pytest.param(lambda x: 1 + x, "operator.add", id="1 + x"),
    pytest.param(add_in_place, "operator.add", id="x += 1"),
    pytest.param(lambda x: torch.add(x, 1), "torch.add", id="torch.add"),
    pytest.param(lambda x: x.add(2), "add", id="x.add"),
    pytest.param(lambda x: x.add_(2), "add_", id="x.add_"),
    pytest.param(lambda x: x - 1, "operator.sub", id="x - 1"),
    pytest.param(lambda x: 1 - x, "operator.sub", id="1 - x"),
    pytest.param(lambda x: torch.sub(x, 1), "torch.sub", id="torch.sub"),
    pytest.param(lambda x: x.sub(1), "sub", id="x.sub"),
    pytest.param(lambda x: x * 3, "operator.mul", id="x * 3"),
    pytest.param(lambda x: torch.mul(x, 3), "torch.mul", id="torch.mul"),
    pytest.param(lambda x: x.mul_(3), "mul_", id="x.mul_"),
    pytest.param(lambda x: x / 2, "operator.truediv", id="x / 2"),
    pytest.param(lambda x: torch.div(x, 2), "torch.div", id="torch.div"),
    pytest.param(lambda x: x.div(2), "div", id="x.div"),
    pytest.param(lambda x: x == 0, "operator.eq", id="x == 0"),
    pytest.param(lambda x: torch.eq(x, 0), "torch.eq", id="torch.eq"),
    pytest.param(lambda x: x**2, "operator.pow", id="x ** 2"),
    pytest.param(lambda x: x.pow(2), "pow", id="x.pow(2)"),
    pytest.param(lambda x: torch.pow(x, 3), "torch.pow", id="torch.pow"),
    pytest.param(lambda x: x.exp(), "exp", id="x.exp()"),
    pytest.param(lambda x: torch.exp(x), "torch.exp", id="torch.exp"),
    pytest.param(lambda x: x.exp_(), "exp_", id="x.exp_()"),
]


@pytest.mark.parametrize(("fn", "target"), UNARY_ELEMENTWISE)
def test_elementwise_is_numel_of_output(fn: Callable[[torch.Tensor], torch.Tensor], target: str) -> None:
    op = only_op(Unary(fn), torch.randn(X_SHAPE))
    assert op.target_name == target
    assert op.flops == N_X
    assert op.macs == 0


def test_pow_is_not_zero() -> None:
    assert only_op(Unary(lambda x: x**2), torch.randn(5, 7)).flops == 5 * 7
    assert only_op(Unary(lambda x: x.pow(2)), torch.randn(5, 7)).flops == 5 * 7


BINARY_ELEMENTWISE = [
    pytest.param(lambda a, b: a + b, "operator.add", id="a + b"),
    pytest.param(lambda a, b: torch.add(a, b), "torch.add", id="torch.add"),
    pytest.param(lambda a, b: a.add(b), "add", id="a.add(b)"),
    pytest.param(lambda a, b: a - b, "operator.sub", id="a - b"),
    pytest.param(lambda a, b: a * b, "operator.mul", id="a * b"),
    pytest.param(lambda a, b: a / b, "operator.truediv", id="a / b"),
    pytest.param(lambda a, b: a == b, "operator.eq", id="a == b"),
    pytest.param(lambda a, b: a**b, "operator.pow", id="a ** b"),
]

BROADCAST_SHAPES = [
    # (a, b, broadcast output)
    ((2, 3), (2, 3), (2, 3)),
    ((3, 1, 5), (4, 1), (3, 4, 5)),
    ((1,), (2, 6), (2, 6)),
    ((2, 1, 3, 1), (5, 1, 4), (2, 5, 3, 4)),
]


@pytest.mark.parametrize(("a_shape", "b_shape", "out_shape"), BROADCAST_SHAPES)
@pytest.mark.parametrize(("fn", "target"), BINARY_ELEMENTWISE)
def test_binary_elementwise_is_numel_of_broadcast_output(
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    target: str,
    a_shape: tuple[int, ...],
    b_shape: tuple[int, ...],
    out_shape: tuple[int, ...],
) -> None:
    a, b = torch.rand(a_shape) + 0.5, torch.rand(b_shape)
    assert fn(a, b).shape == out_shape
    op = only_op(Binary(fn), a, b)
    assert op.target_name == target
    assert op.flops == math.prod(out_shape)


@pytest.mark.parametrize(
    ("fn", "target"),
    [
        pytest.param(lambda x: x // 2, "operator.floordiv", id="x // 2"),
        pytest.param(lambda x: torch.floor_divide(x, 2), "torch.floor_divide", id="torch.floor_divide"),
    ],
)
def test_floordiv_of_a_tensor_is_one_per_element(fn: Callable[[torch.Tensor], torch.Tensor], target: str) -> None:
    # torch runs floor_divide (div with rounding_mode="floor"): one FLOP per output element, as div
    op = only_op(Unary(fn), torch.randn(X_SHAPE))
    assert op.target_name == target
    assert op.flops == math.prod(X_SHAPE)
    assert op.recognized


def test_arithmetic_on_python_numbers_counts_zero() -> None:
    result = count(Unary(lambda x: x.shape[0] * 2 + x.shape[-1]), torch.randn(X_SHAPE))
    assert op_of(result, "operator.mul").flops == 0  # shape arithmetic: not model computation
    assert op_of(result, "operator.add").flops == 0
    assert op_of(result, "operator.add").recognized
    assert {r.target_name: r.flops for r in calls(result)}["getattr"] == 0  # x.shape
    assert result.total == 0


def test_floordiv_on_python_numbers_is_zero() -> None:
    result = count(Unary(lambda x: x.view(x.size(0) // 2, -1)), torch.randn(4, 6))
    assert op_of(result, "operator.floordiv").flops == 0
    assert result.total == 0


# ---------------------------------------------------------------------------------------------
# matmul: (2K − 1)·N, MACs K·N; K = a.shape[-1] (a.shape[0] when a is 1-d), N = numel(out)
# ---------------------------------------------------------------------------------------------

MATMUL_SPELLINGS = [
    pytest.param(lambda a, b: a @ b, "operator.matmul", id="a @ b"),
    pytest.param(lambda a, b: torch.matmul(a, b), "torch.matmul", id="torch.matmul"),
    pytest.param(lambda a, b: a.matmul(b), "matmul", id="a.matmul(b)"),
]

MATMUL_SHAPES = [
    # (a, b, output)
    pytest.param((5,), (5,), (), id="1d@1d"),
    pytest.param((3, 5), (5,), (3,), id="2d@1d"),
    pytest.param((5,), (5, 3), (3,), id="1d@2d"),
    pytest.param((3, 5), (5, 4), (3, 4), id="2d@2d"),
    pytest.param((2, 3, 5), (5, 4), (2, 3, 4), id="3d@2d"),
    pytest.param((3, 5), (2, 5, 4), (2, 3, 4), id="2d@3d"),
    pytest.param((2, 3, 5), (2, 5, 4), (2, 3, 4), id="bmm"),
    pytest.param((2, 1, 3, 5), (4, 5, 6), (2, 4, 3, 6), id="broadcast-batch"),
]


@pytest.mark.parametrize(("a_shape", "b_shape", "out_shape"), MATMUL_SHAPES)
@pytest.mark.parametrize(("fn", "target"), MATMUL_SPELLINGS)
def test_matmul(
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    target: str,
    a_shape: tuple[int, ...],
    b_shape: tuple[int, ...],
    out_shape: tuple[int, ...],
) -> None:
    a, b = torch.randn(a_shape), torch.randn(b_shape)
    assert fn(a, b).shape == out_shape
    op = only_op(Binary(fn), a, b)
    assert op.target_name == target
    k = a_shape[-1]  # for a 1-d a, a_shape[-1] is a_shape[0]
    n = math.prod(out_shape)  # 1 for the scalar of a 1-d · 1-d product
    assert op.flops == (2 * k - 1) * n
    assert op.macs == k * n


@pytest.mark.parametrize(
    ("a_shape", "b_shape", "out_shape"),
    [p for p in MATMUL_SHAPES if len(p.values[0]) >= 2 and len(p.values[1]) >= 2],  # mv and dot: not in FlopCounterMode
)
def test_matmul_against_flop_counter_mode(
    a_shape: tuple[int, ...], b_shape: tuple[int, ...], out_shape: tuple[int, ...]
) -> None:
    a, b = torch.randn(a_shape), torch.randn(b_shape)
    op = only_op(Binary(operator.matmul), a, b)
    n = math.prod(out_shape)
    reference = flop_counter_mode(torch.matmul, a, b)
    assert reference == 2 * a_shape[-1] * n == 2 * op.macs
    assert op.flops == reference - n


def test_matmul_worked_example() -> None:
    op = only_op(Binary(operator.matmul), torch.randn(2, 3), torch.randn(3, 4))
    assert (op.flops, op.macs) == ((2 * 3 - 1) * 8, 3 * 8) == (40, 24)


# ---------------------------------------------------------------------------------------------
# F.linear: (2K − 1)·N, + N with bias; MACs K·N; K = weight.shape[-1]
# ---------------------------------------------------------------------------------------------


class FunctionalLinear(nn.Module):
    def __init__(self, k: int, out_features: int, bias: str) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, k))
        self.bias = nn.Parameter(torch.randn(out_features)) if bias != "none" else None
        self.bias_mode = bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bias_mode == "keyword":
            return F.linear(x, self.weight, bias=self.bias)
        if self.bias_mode == "positional":
            return F.linear(x, self.weight, self.bias)
        return F.linear(x, self.weight)


@pytest.mark.parametrize("bias", ["none", "positional", "keyword"])
@pytest.mark.parametrize(("k", "out_features", "shape"), [(5, 4, (5,)), (5, 4, (1, 5)), (8, 3, (2, 6, 8))])
def test_f_linear(k: int, out_features: int, shape: tuple[int, ...], bias: str) -> None:
    model, x = FunctionalLinear(k, out_features, bias), torch.randn(shape)
    op = only_op(model, x)
    assert op.target_name == "torch.nn.functional.linear"
    n = math.prod(shape[:-1]) * out_features
    has_bias = bias != "none"
    assert op.flops == (2 * k - 1) * n + (n if has_bias else 0)
    assert op.macs == k * n
    reference = flop_counter_mode(model, x)
    assert op.flops == reference - n + (n if has_bias else 0)


def test_f_linear_5_to_4_on_one_row_is_40() -> None:
    assert only_op(FunctionalLinear(5, 4, "positional"), torch.randn(1, 5)).flops == 40
    assert only_op(FunctionalLinear(5, 4, "none"), torch.randn(1, 5)).flops == 36


# ---------------------------------------------------------------------------------------------
# F.conv1d/2d/3d: N·(2·Cg·k − 1), + N with bias; MACs N·Cg·k; Cg = in_channels/groups
# ---------------------------------------------------------------------------------------------

CONVS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class FunctionalConv(nn.Module):
    def __init__(
        self, dims: int, cin: int, cout: int, kernel: tuple[int, ...], groups: int, bias: str, **kw: Any
    ) -> None:
        super().__init__()
        assert len(kernel) == dims
        self.conv = CONVS[dims]
        self.weight = nn.Parameter(torch.randn(cout, cin // groups, *kernel))
        self.bias = nn.Parameter(torch.randn(cout)) if bias != "none" else None
        self.bias_mode, self.groups, self.kw = bias, groups, kw

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        stride, padding, dilation = self.kw.get("stride", 1), self.kw.get("padding", 0), self.kw.get("dilation", 1)
        if self.bias_mode == "keyword":
            return self.conv(
                x, self.weight, bias=self.bias, stride=stride, padding=padding, dilation=dilation, groups=self.groups
            )
        if self.bias_mode == "positional":
            return self.conv(x, self.weight, self.bias, stride, padding, dilation, self.groups)
        return self.conv(x, self.weight, None, stride, padding, dilation, self.groups)


F_CONV_CASES = [
    # (dims, in_channels, out_channels, kernel, groups, extra kwargs, input shape)
    pytest.param(1, 4, 6, (3,), 1, {}, (2, 4, 10), id="1d"),
    pytest.param(1, 4, 6, (3,), 2, {"stride": 2, "padding": 1}, (2, 4, 9), id="1d-g2-s2"),
    pytest.param(2, 3, 8, (3, 3), 1, {"padding": 1}, (1, 3, 6, 6), id="2d"),
    pytest.param(2, 4, 8, (3, 3), 2, {"stride": 2}, (1, 4, 7, 7), id="2d-g2"),
    pytest.param(2, 6, 6, (3, 1), 6, {}, (2, 6, 5, 5), id="2d-depthwise"),
    pytest.param(2, 4, 4, (3, 3), 2, {"dilation": 2, "padding": 2}, (1, 4, 8, 8), id="2d-dilated"),
    pytest.param(3, 2, 4, (2, 3, 3), 1, {}, (1, 2, 4, 5, 5), id="3d"),
    pytest.param(3, 4, 6, (1, 3, 3), 2, {"padding": 1}, (1, 4, 3, 4, 4), id="3d-g2"),
]


@pytest.mark.parametrize("bias", ["none", "positional", "keyword"])
@pytest.mark.parametrize(("dims", "cin", "cout", "kernel", "groups", "kw", "shape"), F_CONV_CASES)
def test_f_conv(
    dims: int,
    cin: int,
    cout: int,
    kernel: tuple[int, ...],
    groups: int,
    kw: dict[str, int],
    shape: tuple[int, ...],
    bias: str,
) -> None:
    model, x = FunctionalConv(dims, cin, cout, kernel, groups, bias, **kw), torch.randn(shape)
    op = only_op(model, x)
    assert op.target_name == f"torch.conv{dims}d"
    n = model(x).numel()
    cg, k = cin // groups, math.prod(kernel)
    has_bias = bias != "none"
    assert op.flops == n * (2 * cg * k - 1) + (n if has_bias else 0)
    assert op.macs == n * cg * k
    reference = flop_counter_mode(model, x)
    assert reference == 2 * op.macs
    assert op.flops == reference - n + (n if has_bias else 0)


def test_f_conv_bias_keyword_and_positional_agree() -> None:
    x = torch.randn(1, 3, 6, 6)
    n = 1 * 8 * 4 * 4  # 3×3 kernel, no padding: output 1×8×4×4
    for bias in ("positional", "keyword"):
        op = only_op(FunctionalConv(2, 3, 8, (3, 3), 1, bias), x)
        assert op.flops == n * (2 * 3 * 9 - 1) + n, bias
    assert only_op(FunctionalConv(2, 3, 8, (3, 3), 1, "none"), x).flops == n * (2 * 3 * 9 - 1)


# ---------------------------------------------------------------------------------------------
# Activations: F.leaky_relu 4·N; softmax over dim d (size S): 2N + (S − 1)·N/S
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [F.leaky_relu, lambda x: F.leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, negative_slope=0.1, inplace=True)],
    ids=["default", "slope-positional", "keyword-inplace"],
)
@pytest.mark.parametrize("shape", [(7,), (2, 3, 4)])
def test_f_leaky_relu(fn: Callable[[torch.Tensor], torch.Tensor], shape: tuple[int, ...]) -> None:
    op = only_op(Unary(fn), torch.randn(shape))
    assert op.target_name == "torch.nn.functional.leaky_relu"
    assert op.flops == 4 * math.prod(shape)


SOFTMAX_SPELLINGS = [
    pytest.param(lambda x, d: x.softmax(d), "softmax", id="x.softmax(d)"),
    pytest.param(lambda x, d: x.softmax(dim=d), "softmax", id="x.softmax(dim=d)"),
    pytest.param(lambda x, d: torch.softmax(x, d), "torch.softmax", id="torch.softmax"),
    pytest.param(lambda x, d: F.softmax(x, dim=d), "torch.nn.functional.softmax", id="F.softmax(dim=d)"),
    pytest.param(lambda x, d: F.softmax(x, d), "torch.nn.functional.softmax", id="F.softmax(x, d)"),
]


SOFTMAX_DIMS = [
    ((2, 3, 4), 0),
    ((2, 3, 4), 1),
    ((2, 3, 4), 2),
    ((2, 3, 4), -1),
    ((2, 3, 4), -2),
    ((5,), 0),
    ((6, 1), 1),
]


@pytest.mark.parametrize(("shape", "dim"), SOFTMAX_DIMS)
@pytest.mark.parametrize(("spelling", "target"), SOFTMAX_SPELLINGS)
def test_softmax(spelling: Callable[[torch.Tensor, int], torch.Tensor], target: str, shape: tuple, dim: int) -> None:
    op = only_op(Unary(lambda x: spelling(x, dim)), torch.randn(shape))
    assert op.target_name == target
    assert op.rule == "torch_flops_rules_functional.activation.softmax"
    n, s = math.prod(shape), shape[dim]
    assert op.flops == n + (s - 1) * (n // s) + n  # exp, the (S − 1) adds of each of N/S rows, divisions


def test_softmax_worked_example() -> None:
    # 2×3×4 over the last dim: 24 exps, 6 rows · 3 adds, 24 divisions
    assert only_op(Unary(lambda x: x.softmax(-1)), torch.randn(2, 3, 4)).flops == 24 + 18 + 24


# ---------------------------------------------------------------------------------------------
# sum: numel(in) − numel(out) = numel(out)·(numel(reduced) − 1)
# ---------------------------------------------------------------------------------------------

SUM_CASES = [
    # (spelling, input shape, output shape)
    pytest.param(lambda x: x.sum(), (2, 3, 4), (), id="x.sum()"),
    pytest.param(lambda x: torch.sum(x), (2, 3, 4), (), id="torch.sum(x)"),
    pytest.param(lambda x: x.sum(dim=1), (2, 3, 4), (2, 4), id="dim=1"),
    pytest.param(lambda x: x.sum(1), (2, 3, 4), (2, 4), id="dim 1 positional"),
    pytest.param(lambda x: x.sum((0, 2)), (2, 3, 4), (3,), id="dims (0, 2)"),
    pytest.param(lambda x: x.sum(-1), (2, 3, 4), (2, 3), id="dim -1"),
    pytest.param(lambda x: x.sum(1, keepdim=True), (2, 3, 4), (2, 1, 4), id="keepdim"),
    pytest.param(lambda x: torch.sum(x, dim=(1, 2), keepdim=True), (2, 3, 4), (2, 1, 1), id="torch.sum keepdim"),
    pytest.param(lambda x: x.sum(0), (4, 4, 4), (4, 4), id="repeated sizes dim 0"),
    pytest.param(lambda x: x.sum((1, 2)), (4, 4, 4), (4,), id="repeated sizes dims (1, 2)"),
    pytest.param(lambda x: x.sum(0), (1, 5), (5,), id="size-1 dim"),
]


@pytest.mark.parametrize(("fn", "shape", "out_shape"), SUM_CASES)
def test_sum(fn: Callable[[torch.Tensor], torch.Tensor], shape: tuple[int, ...], out_shape: tuple[int, ...]) -> None:
    x = torch.randn(shape)
    assert fn(x).shape == out_shape
    op = only_op(Unary(fn), x)
    n_in, n_out = math.prod(shape), math.prod(out_shape)
    assert op.flops == n_in - n_out
    assert op.flops == n_out * (n_in // n_out - 1)  # numel(out) sums of numel(in)/numel(out) terms


def test_sum_to_scalar_is_numel_minus_one() -> None:
    assert only_op(Unary(lambda x: x.sum()), torch.randn(2, 3, 4)).flops == 24 - 1


def test_sum_over_repeated_sizes_uses_the_dim_argument() -> None:
    # 4×4×4 summed over dim 0: 16 outputs, each 3 additions
    assert only_op(Unary(lambda x: x.sum(0)), torch.randn(4, 4, 4)).flops == 16 * 3 == 64 - 16


# ---------------------------------------------------------------------------------------------
# F.scaled_dot_product_attention, S = B·Lq·Lk:
#   (2d − 1)·S (QKᵀ) + S (scale) [+ S mask or causal] + S + B·Lq·(Lk − 1) + S (softmax)
#   [+ S dropout] + (2Lk − 1)·B·Lq·dv (weights × V);  MACs S·d + B·Lq·Lk·dv
# ---------------------------------------------------------------------------------------------


class Attention(nn.Module):
    def __init__(self, mask: torch.Tensor | None = None, dropout_p: float = 0.0, is_causal: bool = False) -> None:
        super().__init__()
        self.register_buffer("mask", mask)
        self.dropout_p, self.is_causal = dropout_p, is_causal

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=self.mask, dropout_p=self.dropout_p, is_causal=self.is_causal
        )


class PositionalAttention(nn.Module):
    """The same call with every argument positional: (q, k, v, attn_mask, dropout_p, is_causal)."""

    def __init__(self, mask: torch.Tensor | None) -> None:
        super().__init__()
        self.register_buffer("mask", mask)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v, self.mask, 0.0, False)


def sdpa_flops(b: int, lq: int, lk: int, d: int, dv: int, masked: bool, dropout: bool) -> int:
    s = b * lq * lk
    qk = (2 * d - 1) * s
    scale = s
    mask = s if masked else 0
    softmax = s + b * lq * (lk - 1) + s
    drop = 2 * s if dropout else 0  # the mask scaled by 1/(1 − p), then the weights times it
    av = (2 * lk - 1) * b * lq * dv
    return qk + scale + mask + softmax + drop + av


SDPA_SHAPES = [
    # (batch dims, Lq, Lk, d, dv)
    pytest.param((2, 3), 5, 7, 8, 4, id="b2h3-5x7"),
    pytest.param((1,), 4, 4, 6, 6, id="b1-square"),
    pytest.param((2, 2, 2), 3, 6, 4, 5, id="3-batch-dims"),
]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({}, id="plain"),
        pytest.param({"mask": "bool"}, id="bool-mask"),
        pytest.param({"mask": "float"}, id="float-mask"),
        pytest.param({"is_causal": True}, id="causal"),
        pytest.param({"dropout_p": 0.1}, id="dropout"),
        pytest.param({"mask": "float", "dropout_p": 0.5}, id="mask+dropout"),
    ],
)
@pytest.mark.parametrize(("batch", "lq", "lk", "d", "dv"), SDPA_SHAPES)
def test_sdpa(batch: tuple[int, ...], lq: int, lk: int, d: int, dv: int, options: dict[str, Any]) -> None:
    torch.manual_seed(0)  # dropout_p > 0 draws random numbers; only the count matters
    mask = None
    if options.get("mask") == "bool":
        mask = torch.rand(lq, lk) > 0.3
        mask[:, 0] = True  # no fully masked row
    elif options.get("mask") == "float":
        mask = torch.randn(lq, lk)
    model = Attention(mask, options.get("dropout_p", 0.0), options.get("is_causal", False)).eval()
    q, k, v = torch.randn(*batch, lq, d), torch.randn(*batch, lk, d), torch.randn(*batch, lk, dv)
    op = only_op(model, q, k, v)
    assert op.target_name == "torch.nn.functional.scaled_dot_product_attention"
    b = math.prod(batch)
    masked = mask is not None or options.get("is_causal", False)
    assert op.flops == sdpa_flops(b, lq, lk, d, dv, masked, options.get("dropout_p", 0.0) > 0)
    assert op.macs == b * lq * lk * d + b * lq * lk * dv
    if not options and len(batch) == 2:  # FlopCounterMode misses CPU sdpa on other ranks
        assert flop_counter_mode(model, q, k, v) == 2 * op.macs


def test_sdpa_worked_example() -> None:
    # B = 1, Lq = Lk = 2, d = dv = 3, no mask: S = 4
    op = only_op(Attention(), torch.randn(1, 2, 3), torch.randn(1, 2, 3), torch.randn(1, 2, 3))
    qk, scale, softmax, av = (2 * 3 - 1) * 4, 4, 4 + 2 * (2 - 1) + 4, (2 * 2 - 1) * 2 * 3
    assert op.flops == qk + scale + softmax + av == 52


@pytest.mark.parametrize("masked", [False, True])
def test_sdpa_positional_arguments(masked: bool) -> None:
    mask = torch.randn(3, 5) if masked else None
    q, k, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 6)
    op = only_op(PositionalAttention(mask), q, k, v)
    assert op.flops == sdpa_flops(2, 3, 5, 4, 6, masked, False)


# ---------------------------------------------------------------------------------------------
# F.interpolate: N = numel(out), for size= and scale_factor= alike
# ---------------------------------------------------------------------------------------------


# FLOPs per output element of each interpolation mode: a weighted sum of its 2^d (bicubic 16) neighbours
PER_OUTPUT = {"nearest": 0, "linear": 2 + 1, "bilinear": 4 + 3, "trilinear": 8 + 7, "bicubic": 16 + 15}


@pytest.mark.parametrize(
    ("fn", "shape", "out_shape", "mode"),
    [
        pytest.param(lambda x: F.interpolate(x, size=9), (1, 2, 5), (1, 2, 9), "nearest", id="1d-size"),
        pytest.param(
            lambda x: F.interpolate(x, scale_factor=1.5, mode="linear"), (2, 3, 4), (2, 3, 6), "linear", id="1d-linear"
        ),
        pytest.param(lambda x: F.interpolate(x, size=(8, 6)), (1, 2, 4, 4), (1, 2, 8, 6), "nearest", id="2d-size"),
        pytest.param(
            lambda x: F.interpolate(x, scale_factor=(2, 3), mode="bilinear", align_corners=False),
            (1, 2, 3, 3),
            (1, 2, 6, 9),
            "bilinear",
            id="2d-bilinear-scale-tuple",
        ),
        pytest.param(
            lambda x: F.interpolate(x, 8, None, "bicubic"), (1, 2, 4, 4), (1, 2, 8, 8), "bicubic", id="2d-bicubic-pos"
        ),
        pytest.param(
            lambda x: F.interpolate(x, size=(2, 3, 4), mode="trilinear"),
            (1, 1, 4, 4, 4),
            (1, 1, 2, 3, 4),
            "trilinear",
            id="3d-down",
        ),
    ],
)
def test_interpolate(fn: Callable[[torch.Tensor], torch.Tensor], shape: tuple, out_shape: tuple, mode: str) -> None:
    x = torch.randn(shape)
    assert fn(x).shape == out_shape
    op = only_op(Unary(fn), x)
    assert op.target_name == "torch.nn.functional.interpolate"
    assert op.flops == PER_OUTPUT[mode] * math.prod(out_shape)  # batch and channels included


# ---------------------------------------------------------------------------------------------
# Data movement and metadata: 0, and recognized
# ---------------------------------------------------------------------------------------------

ZERO_COST = [
    pytest.param(lambda x: x.view(6, 4), id="x.view"),
    pytest.param(lambda x: x.view(-1), id="x.view(-1)"),
    pytest.param(lambda x: x.reshape(4, 6), id="x.reshape"),
    pytest.param(lambda x: torch.reshape(x, (-1,)), id="torch.reshape"),
    pytest.param(lambda x: x.permute(2, 0, 1), id="x.permute"),
    pytest.param(lambda x: torch.permute(x, (2, 0, 1)), id="torch.permute"),
    pytest.param(lambda x: x.transpose(0, 1), id="x.transpose"),
    pytest.param(lambda x: torch.transpose(x, 1, 2), id="torch.transpose"),
    pytest.param(lambda x: x.flatten(1), id="x.flatten"),
    pytest.param(lambda x: torch.flatten(x), id="torch.flatten"),
    pytest.param(lambda x: x.unsqueeze(0), id="x.unsqueeze"),
    pytest.param(lambda x: torch.unsqueeze(x, -1), id="torch.unsqueeze"),
    pytest.param(lambda x: x.expand(5, 2, 3, 4), id="x.expand"),
    pytest.param(lambda x: x.repeat(2, 1, 1), id="x.repeat"),
    pytest.param(lambda x: torch.cat([x, x], dim=1), id="torch.cat"),
    pytest.param(lambda x: torch.concat((x, x)), id="torch.concat"),
    pytest.param(lambda x: x[0], id="x[0]"),
    pytest.param(lambda x: x[:, 1:, ::2], id="x[slices]"),
    pytest.param(lambda x: x.size(), id="x.size()"),
    pytest.param(lambda x: x.size(0), id="x.size(0)"),
    pytest.param(lambda x: x.clone(), id="x.clone"),
    pytest.param(lambda x: torch.clone(x), id="torch.clone"),
    pytest.param(lambda x: x.contiguous(), id="x.contiguous"),
    pytest.param(lambda x: x.type_as(x), id="x.type_as"),
    pytest.param(lambda x: F.pad(x, (1, 1)), id="F.pad"),
    pytest.param(lambda x: F.pad(x, (1, 2, 0, 1), value=3.0), id="F.pad-value"),
    pytest.param(lambda x: torch.flip(x, [0]), id="torch.flip"),
    pytest.param(lambda x: x.flip(-1), id="x.flip"),
]


ZERO_RULES = {"torch_flops_rules_functional.shape.zero", "torch_flops_rules_functional.metadata.query"}


@pytest.mark.parametrize("fn", ZERO_COST)
def test_zero_cost_ops_are_recognized(fn: Callable[[torch.Tensor], Any]) -> None:
    op = only_op(Unary(fn), torch.randn(X_SHAPE))
    assert op.flops == 0
    assert op.recognized
    assert op.rule in ZERO_RULES  # data movement, or a metadata query (x.size())


def test_zero_cost_ops_chained() -> None:
    result = count(Unary(lambda x: x.permute(0, 2, 1).contiguous().view(x.size(0), -1)), torch.randn(X_SHAPE))
    assert [r.flops for r in calls(result)] == [0, 0, 0, 0]
    assert all(r.plugin == "functional" for r in calls(result))
    assert result.total == 0


# ---------------------------------------------------------------------------------------------
# A small model mixing the rules: the total is the sum of the per-op formulas
# ---------------------------------------------------------------------------------------------


class TinyAttentionBlock(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(8, 8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = x @ self.w  # (2, 5, 8)
        scores = q @ x.transpose(-2, -1) / 8**0.5  # (2, 5, 5)
        attn = scores.softmax(dim=-1)
        return (attn @ x).sum(1)  # (2, 8)


def test_mixed_model_total() -> None:
    result = count(TinyAttentionBlock(), torch.randn(2, 5, 8))
    assert all(r.plugin == "functional" for r in calls(result))
    proj = (2 * 8 - 1) * (2 * 5 * 8)
    transpose = 0
    qk = (2 * 8 - 1) * (2 * 5 * 5)
    scale = 2 * 5 * 5
    softmax = 2 * 50 + (5 - 1) * 10
    av = (2 * 5 - 1) * (2 * 5 * 8)
    reduce = 80 - 16
    assert result.total == proj + transpose + qk + scale + softmax + av + reduce
    assert result.total_macs == 8 * 80 + 8 * 50 + 5 * 80


def test_first_argument_by_keyword() -> None:
    a, b = torch.randn(2, 3), torch.randn(3, 4)
    assert count(Binary(lambda a, b: torch.matmul(input=a, other=b)), a, b).total == (2 * 3 - 1) * 2 * 4
    assert count(Unary(lambda x: torch.sum(input=x)), a).total == 6 - 1
    q, k, v = torch.randn(1, 2, 5, 4), torch.randn(1, 2, 6, 4), torch.randn(1, 2, 6, 3)
    op = only_op(Unary(lambda q: F.scaled_dot_product_attention(query=q, key=k, value=v)), q)
    b_, lq, lk, d, dv = 2, 5, 6, 4, 3
    scores = b_ * lq * lk
    softmax = scores + b_ * lq * (lk - 1) + scores
    assert op.flops == (2 * d - 1) * scores + scores + softmax + (2 * lk - 1) * b_ * lq * dv


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")
@pytest.mark.parametrize(("shape", "dim"), [((5,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)])
def test_softmax_without_dim_uses_the_dimension_torch_picks(shape: tuple[int, ...], dim: int) -> None:
    x = torch.randn(shape)
    n, size = x.numel(), shape[dim]
    assert only_op(Unary(lambda x: F.softmax(x)), x).flops == 2 * n + (size - 1) * (n // size)
