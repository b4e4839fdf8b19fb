"""Linear layers: Linear (and LazyLinear, which derives from it) and Bilinear."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import contraction, total
from torch_flops_core.shapes import out_numel


def linear(call: Call) -> Count:
    """Linear: (2·K − 1)·N, plus N with bias; N = numel(out), K = in_features; MACs K·N."""
    module = call.module_as(nn.Linear)
    return contraction(out_numel(call), module.in_features, module.bias is not None)


def bilinear(call: Call) -> Count:
    """Bilinear: (2·I1 − 1)·N·I2 + (2·I2 − 1)·N, plus N with bias; N = numel(out); MACs N·I2·(I1 + 1)."""
    module = call.module_as(nn.Bilinear)
    n = out_numel(call)
    # torch contracts x1 with the weight first ([..., O, I2], K = I1), then that with x2 (K = I2).
    return total(
        contraction(n * module.in2_features, module.in1_features),  # shape: the [..., O, I2] intermediate
        contraction(n, module.in2_features, module.bias is not None),
    )


def register(registry: Registry) -> None:
    registry.module(nn.Linear)(linear)
    registry.module(nn.Bilinear)(bilinear)
