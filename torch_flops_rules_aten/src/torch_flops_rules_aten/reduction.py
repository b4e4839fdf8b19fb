"""Reductions and scans: sum, mean, amax, var, std, prod, any, argmax, cumsum ... (REDUCTION_COSTS)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import REDUCTION_COSTS, reduction, vector_norm
from torch_flops_core.shapes import numel, out_numel

from ._ops import aten

__all__ = ["linalg_vector_norm", "max_min", "norm", "reduce", "register", "scan", "sum_"]


def sum_(call: Call) -> int:
    """sum: numel(in) − numel(out) additions."""
    return max(numel(call.args[0]) - out_numel(call), 0)


def reduce(name: str) -> Callable[[Call], int]:
    """A rule counting ``REDUCTION_COSTS[name]``: a·n + b·R, n = numel(in), R = numel(out)."""

    def rule(call: Call) -> int:
        return reduction(name, numel(call.args[0]), out_numel(call))

    rule.__name__ = rule.__qualname__ = name
    rule.__doc__ = f"aten.{name}: {REDUCTION_COSTS[name][2]}; n = numel(in), R = numel(out)."
    return rule


def max_min(call: Call) -> int:
    """max/min: of two tensors (max.other), N = numel(out) compares; reducing (max.dim, max), n − R compares."""
    if len(call.args) > 1 and isinstance(call.args[1], torch.Tensor):
        return out_numel(call)
    return reduction("amax", numel(call.args[0]), out_numel(call))


def linalg_vector_norm(call: Call) -> int:
    """linalg_vector_norm(x, ord=2, ...): ord 2: 2n; 1, ∞, −∞, 0: 2n − R; other: 3n (formulas.vector_norm)."""
    p = call.args[1] if len(call.args) > 1 else call.kwargs.get("ord", 2)
    return vector_norm(p, numel(call.args[0]), out_numel(call))


def norm(call: Call) -> int:
    """norm(x, p=2, dim, ...) (the legacy torch.norm kernel): formulas.vector_norm, as linalg_vector_norm."""
    p = call.args[1] if len(call.args) > 1 else call.kwargs.get("p", 2)
    return vector_norm(2 if p is None else p, numel(call.args[0]), out_numel(call))


def scan(call: Call) -> int:
    """cumsum/cumprod along dim of size S: n − n/S ops (S − 1 per row)."""
    x, dim = call.args[0], call.args[1]
    size = x.shape[dim] if x.dim() else 1
    return x.numel() - (x.numel() // size if size else 0)


def register(registry: Registry) -> None:
    registry.function(*aten("sum"))(sum_)
    for name in ("mean", "prod", "amax", "amin", "argmax", "argmin", "any", "all", "var", "std", "logsumexp"):
        registry.function(*aten(name))(reduce(name))
    registry.function(*aten("max", "min"))(max_min)
    registry.function(*aten("cumsum", "cumprod"))(scan)
    registry.function(*aten("linalg_vector_norm"))(linalg_vector_norm)
    registry.function(*aten("norm"))(norm)
