"""Small shape helpers shared by the rule modules of this pack."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from torch_flops_core import Call


def numel(value: object) -> int:
    """Elements of a tensor (0 for anything else)."""
    return value.numel() if isinstance(value, torch.Tensor) else 0


def out_numel(call: Call) -> int:
    """Elements of the call's output, or of its first output when it returns a tuple."""
    out = call.output
    if isinstance(out, (tuple, list)) and out:
        out = out[0]
    return numel(out)


def in_numel(call: Call) -> int:
    """Elements of the call's first argument."""
    return numel(call.arg(0, "input"))


def prod(values: Sequence[int] | int, dims: int = 1) -> int:
    """Product of a size tuple; an int size means that size in each of ``dims`` dimensions."""
    if isinstance(values, int):
        return values**dims
    return math.prod(values)
