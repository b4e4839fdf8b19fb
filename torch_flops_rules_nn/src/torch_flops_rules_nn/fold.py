"""Fold (col2im, sums overlapping blocks) and Unfold (im2col, copies)."""

from __future__ import annotations

from torch import nn
from torch.nn.modules.utils import _pair

from torch_flops_core import Call, Registry, formulas
from torch_flops_core.formulas import covered_outputs
from torch_flops_core.shapes import numel


def fold(call: Call) -> int:
    """Fold: numel(in) − N_cov adds; N_cov = output elements that receive at least one block value."""
    module = call.module_as(nn.Fold)
    kernel, dilation = _pair(module.kernel_size), _pair(module.dilation)
    padding, stride = _pair(module.padding), _pair(module.stride)
    out_size = _pair(module.output_size)
    blocks = [
        (o + 2 * p - d * (k - 1) - 1) // s + 1  # shape: the blocks along one dim (a sliding window's positions)
        for o, p, d, k, s in zip(out_size, padding, dilation, kernel, stride, strict=True)
    ]
    n_cov = covered_outputs(call.output.shape, blocks, kernel, stride, padding, dilation)
    return formulas.fold(numel(call.arguments()["input"]), n_cov)


def unfold(call: Call) -> int:
    """Unfold: 0 (copies sliding blocks, no arithmetic)."""
    return 0


def register(registry: Registry) -> None:
    registry.module(nn.Fold)(fold)
    registry.module(nn.Unfold)(unfold)
