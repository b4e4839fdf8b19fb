"""Activation functions and the softmax family."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import out_numel


def leaky_relu(call: Call) -> int:
    """F.leaky_relu: 4·N, N = numel(out) (as the LeakyReLU module)."""
    return 4 * out_numel(call)


def softmax(call: Call) -> int:
    """softmax over dim d of size S: N (exp) + (S − 1)·N/S (sums) + N (divisions), N = numel(out)."""
    x = call.arg(0, "input")
    dim = call.arg(1, "dim")
    if dim is None:  # deprecated implicit dim: torch picks 0 for 0-, 1- and 3-d inputs, else 1
        dim = 0 if x.dim() in (0, 1, 3) else 1
    n = out_numel(call)
    size = x.shape[dim] if x.dim() else 1
    rows = n // size if size else 0
    return 2 * n + (size - 1) * rows


def register(registry: Registry) -> None:
    registry.function(F.leaky_relu, F.leaky_relu_)(leaky_relu)
    registry.function(torch.softmax)(softmax)
