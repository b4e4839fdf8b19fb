"""Deformable convolution (v1, and v2 with a mask): ``deform_conv2d`` and its backward kernel.

The kernel samples the input at each tap's offset position (bilinear, times the mask with one),
writing B·C_in·k·P columns, then convolves them with the weight as a matrix product and adds the
bias (always: ``torchvision.ops.deform_conv2d`` passes zeros when there is none). With zero offsets and
no mask the MACs are those of ``conv2d``. Counts from shapes only.
"""

from __future__ import annotations

from typing import Any

from torch_flops_core import Call, Count, Registry

from . import formulas
from ._ops import vision

__all__ = ["deform_conv2d", "deform_conv2d_backward", "register"]


def _sizes(named: dict[str, Any]) -> dict[str, Any]:
    """The formula's arguments: batch, channels, groups, taps k, output positions P, mask."""
    batch, in_channels = named["input"].shape[:2]
    out_channels, _, kernel_h, kernel_w = named["weight"].shape
    out_h, out_w = named["offset"].shape[-2:]
    return {
        "batch": batch, "in_channels": in_channels, "out_channels": out_channels, "groups": named["groups"],
        "kernel": kernel_h * kernel_w, "positions": out_h * out_w, "mask": bool(named["use_mask"]),
    }  # fmt: skip


def deform_conv2d(call: Call) -> Count:
    """deform_conv2d(input, weight, offset, mask, ...): M·(7 + [mask]) + N·(2·C_in/g·k − 1) + N; MACs N·C_in/g·k."""
    return formulas.deform_conv2d(**_sizes(call.arguments()))


def deform_conv2d_backward(call: Call) -> Count:
    """_deform_conv2d_backward(grad, input, weight, offset, mask, bias, ...): the five gradients (formulas)."""
    named = call.arguments()
    return formulas.deform_conv2d_backward(offset_groups=named["offset_groups"], **_sizes(named))


def register(registry: Registry) -> None:
    registry.function(*vision("deform_conv2d"))(deform_conv2d)
    registry.function(*vision("_deform_conv2d_backward"))(deform_conv2d_backward)
