"""Bilinear and LazyLinear (docs/conventions.md).

Bilinear y_o = x1ᵀ·A_o·x2 + b_o is computed by torch as two contractions: x1 with the weight
(N·I2 dot products of length I1, N = numel(out)), then that with x2 (N dot products of length I2).
Exact: (2·I1 − 1)·N·I2 + (2·I2 − 1)·N, plus N with a bias; MACs N·I2·(I1 + 1).
FlopCounterMode has no formula for aten::_trilinear (it reports 0 for Bilinear), so the MACs are
checked against FlopCounterMode on the same two contractions written as a matmul and a bmm.
"""

from __future__ import annotations

import math

import pytest
import torch
from helpers import count_module
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from torch_flops_core import count_flops

BILINEAR_CASES = [
    # (in1_features, in2_features, out_features, leading shape)
    (3, 4, 5, (2,)),
    (1, 1, 1, (1,)),
    (6, 2, 3, (4, 3)),
    (2, 5, 4, ()),
]


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("i1", "i2", "out", "lead"), BILINEAR_CASES)
def test_bilinear(i1: int, i2: int, out: int, lead: tuple[int, ...], bias: bool) -> None:
    module = nn.Bilinear(i1, i2, out, bias=bias)
    op = count_module(module, torch.randn(*lead, i1), torch.randn(*lead, i2))
    n = math.prod(lead) * out
    assert op.flops == (2 * i1 - 1) * n * i2 + (2 * i2 - 1) * n + (n if bias else 0)
    assert op.macs == n * i2 * (i1 + 1)
    assert op.rule == "torch_flops_rules_nn.linear.bilinear"


def test_bilinear_worked_example() -> None:
    # Bilinear(3, 4, 5) on 2 rows: N = 10; x1·A: 40 dots of 3 (5 FLOPs each), then 10 dots of 4 (7 each), + 10 bias
    op = count_module(nn.Bilinear(3, 4, 5), torch.randn(2, 3), torch.randn(2, 4))
    assert op.flops == 40 * 5 + 10 * 7 + 10 == 280
    assert op.macs == 40 * 3 + 10 * 4 == 160


@pytest.mark.parametrize(("i1", "i2", "out", "lead"), BILINEAR_CASES)
def test_bilinear_macs_against_flop_counter_mode_on_its_two_contractions(
    i1: int, i2: int, out: int, lead: tuple[int, ...]
) -> None:
    module = nn.Bilinear(i1, i2, out, bias=False)
    x1, x2 = torch.randn(*lead, i1), torch.randn(*lead, i2)
    op = count_module(module, x1, x2)
    rows = math.prod(lead)
    with FlopCounterMode(display=False) as fc, torch.no_grad():
        a = x1.reshape(rows, i1) @ module.weight.permute(1, 0, 2).reshape(i1, out * i2)  # [rows, out·I2]
        y = torch.bmm(a.reshape(rows, out, i2), x2.reshape(rows, i2, 1))  # [rows, out, 1]
    assert torch.allclose(y.reshape(*lead, out), module(x1, x2), atol=1e-5)
    assert fc.get_total_flops() == 2 * op.macs
    # each contraction: exact = 2·MACs − its outputs
    assert op.flops == 2 * op.macs - rows * out * i2 - rows * out


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_lazy_linear_not_yet_initialised(device: str) -> None:
    with torch.device(device):
        module = nn.LazyLinear(4)
        x = torch.randn(3, 5)
    result = count_flops(module, x)
    assert result.unrecognized == []
    (op,) = [r for r in result.ops if r.kind == "call_module"]
    assert (op.plugin, op.rule, op.module_type) == ("nn", "torch_flops_rules_nn.linear.linear", "LazyLinear")
    n, k = 3 * 4, 5
    assert (op.flops, op.macs) == ((2 * k - 1) * n + n, k * n)


def test_lazy_linear_inside_a_model() -> None:
    model = nn.Sequential(nn.LazyLinear(6), nn.ReLU(), nn.LazyLinear(2, bias=False))
    result = count_flops(model, torch.randn(4, 3))
    assert result.unrecognized == []
    assert [r.flops for r in result.ops if r.kind == "call_module"] == [(2 * 3 - 1) * 24 + 24, 24, (2 * 6 - 1) * 8]
