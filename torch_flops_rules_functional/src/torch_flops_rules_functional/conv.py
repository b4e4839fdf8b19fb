"""Convolutions, transposed convolutions and the sliding-window fold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from torch_flops_core import Call, Count, Registry, formulas
from torch_flops_core.formulas import conv_transpose as conv_transpose_count
from torch_flops_core.formulas import covered
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import numel, out_numel

from ._common import ops

__all__ = ["conv", "conv_tbc", "conv_transpose", "convolution", "covered", "fold"]


def conv(call: Call) -> Count:
    """F.convNd: N·(2·Cg·k − 1), plus N with bias; Cg = weight.shape[1], k = numel(weight.shape[2:]); MACs N·Cg·k."""
    return formulas.convolution(out_numel(call), call.arg(1, "weight").shape, call.arg(2, "bias") is not None)


def _per_dim(value: int | Sequence[int], dims: int) -> tuple[int, ...]:
    return (value,) * dims if isinstance(value, int) else tuple(value)


def _transposed(call: Call, stride: Any, padding: Any, dilation: Any) -> Count:
    x, weight, bias = call.arg(0, "input"), call.arg(1, "weight"), call.arg(2, "bias")
    kernel = tuple(weight.shape[2:])
    dims = len(kernel)
    return conv_transpose_count(
        x.shape, call.output.shape, weight.shape[1], kernel,
        _per_dim(stride, dims), _per_dim(padding, dims), _per_dim(dilation, dims), bias is not None,
    )  # fmt: skip


def conv_transpose(call: Call) -> Count:
    """F.conv_transposeNd: 2·MACs − N_cov, + N with bias; MACs = numel(in)·(Cout/groups)·k; N_cov: see covered()."""
    return _transposed(call, call.arg(3, "stride", 1), call.arg(4, "padding", 0), call.arg(7, "dilation", 1))


def conv_tbc(call: Call) -> Count:
    """F.conv_tbc, weight [k, Cin, Cout]: N·(2·Cin·k − 1) + N (bias); MACs N·Cin·k."""
    return formulas.conv_tbc(out_numel(call), call.arg(1, "weight").shape, call.arg(2, "bias") is not None)


def convolution(call: Call) -> Count:
    """torch.convolution(input, weight, bias, stride, padding, dilation, transposed, ...): as conv or conv_transpose."""
    if call.arg(6, "transposed", False):
        return _transposed(call, call.arg(3, "stride"), call.arg(4, "padding"), call.arg(5, "dilation"))
    return conv(call)


def fold(call: Call) -> int:
    """F.fold (col2im): numel(in) − N_cov additions; N_cov = output elements that receive a block value."""
    args, out = call.arguments(), call.output
    kernel, dilation = _per_dim(args["kernel_size"], 2), _per_dim(args["dilation"], 2)
    padding, stride = _per_dim(args["padding"], 2), _per_dim(args["stride"], 2)
    blocks = [
        (o + 2 * p - d * (k - 1) - 1) // s + 1  # shape: the blocks along one dim (a sliding window's positions)
        for o, p, d, k, s in zip(out.shape[-2:], padding, dilation, kernel, stride, strict=True)
    ]
    n_cov = formulas.covered_outputs(out.shape, blocks, kernel, stride, padding, dilation)
    return formulas.fold(numel(args["input"]), n_cov)


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim([torch.conv1d, torch.conv2d, torch.conv3d], conv)
    claim([F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d], conv_transpose)
    claim([F.conv_tbc], conv_tbc)
    claim(ops("torch.convolution", "torch._convolution"), convolution)
    claim([F.fold], fold)
