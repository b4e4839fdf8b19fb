"""Reductions and scans: sum, mean, amax, var, std, var_mean, std_mean, prod, any, argmax, cumsum ...
(REDUCTION_COSTS)."""

from __future__ import annotations

import torch

from torch_flops_core import Call, Registry, RuleFn, rulekit
from torch_flops_core.formulas import REDUCTION_COSTS, reduction, summed_into, vector_norm
from torch_flops_core.formulas.statistics import scan as scan_cost
from torch_flops_core.shapes import numel, out_numel

from ._ops import aten, with_inplace

__all__ = ["linalg_vector_norm", "max_min", "norm", "reduce", "register", "scan", "sum_"]


def sum_(call: Call) -> int:
    """sum: numel(in) − numel(out) additions (0 for an empty input)."""
    return summed_into(numel(call.arguments()["self"]), out_numel(call))


def reduce(name: str) -> RuleFn:
    """A rule counting ``REDUCTION_COSTS[name]``: a·n + b·R, n = numel(in), R = numel(out)."""

    def rule(call: Call) -> int:
        return reduction(name, numel(call.arguments()["self"]), out_numel(call))

    return rulekit.named(rule, name, f"aten.{name}: {REDUCTION_COSTS[name][2]}; n = numel(in), R = numel(out).")


def max_min(call: Call) -> int:
    """max/min: of two tensors (max.other), N = numel(out) compares; reducing (max.dim, max), n − R compares."""
    named = call.arguments()
    if isinstance(named.get("other"), torch.Tensor):
        return out_numel(call)
    return reduction("amax", numel(named["self"]), out_numel(call))


def linalg_vector_norm(call: Call) -> int:
    """linalg_vector_norm(self, ord=2, ...): ord 2: 2n; 1, ∞, −∞, 0: 2n − R; other: 3n (formulas.vector_norm)."""
    named = call.arguments()
    return vector_norm(named["ord"], numel(named["self"]), out_numel(call))


def norm(call: Call) -> int:
    """norm(self, p=2, dim, ...) (the legacy torch.norm kernel): formulas.vector_norm, as linalg_vector_norm."""
    named = call.arguments()
    p = named.get("p", 2)
    return vector_norm(2 if p is None else p, numel(named["self"]), out_numel(call))


def scan(call: Call) -> int:
    """cumsum/cumprod(self, dim) along dim of size S: n − n/S ops (S − 1 per row)."""
    args = call.arguments()
    x = args["self"]
    return scan_cost(x.numel(), x.shape[args["dim"]] if x.dim() else 1)


def register(registry: Registry) -> None:
    registry.function(*aten("sum"))(sum_)
    for name in (
        "mean", "prod", "amax", "amin", "argmax", "argmin", "any", "all", "var", "std", "logsumexp", "var_mean",
        "std_mean", "nansum",
    ):  # fmt: skip
        registry.function(*aten(name))(reduce(name))
    registry.function(*aten("max", "min"))(max_min)
    registry.function(*with_inplace("cumsum", "cumprod"))(scan)
    registry.function(*aten("_is_all_true"))(reduce("all"))
    registry.function(*aten("_is_any_true"))(reduce("any"))
    registry.function(*aten("linalg_vector_norm"))(linalg_vector_norm)
    registry.function(*aten("norm", "native_norm"))(norm)
