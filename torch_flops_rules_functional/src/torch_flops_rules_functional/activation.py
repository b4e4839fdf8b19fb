"""Activation functions and the softmax family.

``torch_flops_core.formulas.ACTIVATION_COSTS`` is the single source of the per-element cost of every
activation: the module (``nn.SiLU``), the function (``F.silu``) and the aten op (``aten.silu``) count alike.
The convention: an elementary function (``exp``, ``log``, ``tanh``, ``erf``) or a scalar add,
multiply, divide, compare or select is 1 FLOP; a composite activation costs the ops of its formula
(a sign flip inside a formula is free; softmin's negation is an op torch runs before the softmax, and
counts N); ReLU = 1, GELU = 1 and LeakyReLU = 4 are the seed's values.
"""

from __future__ import annotations

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import ACTIVATION_COSTS
from torch_flops_core.formulas import log_softmax as log_softmax_cost
from torch_flops_core.formulas import softmax as softmax_cost
from torch_flops_core.rulekit import Claimer, per_element
from torch_flops_core.shapes import out_numel

from ._common import ops, variants

__all__ = ["ACTIVATION_COSTS", "log_softmax", "softmax", "softmin"]


def _softmax_dim(x: torch.Tensor, dim: int | None) -> int:
    if dim is None:  # deprecated implicit dim: torch picks 0 for 0-, 1- and 3-d inputs, else 1
        dim = 0 if x.dim() in (0, 1, 3) else 1
    return x.shape[dim] if x.dim() else 1


def softmax(call: Call) -> int:
    """softmax over dim d of size S: N (exp) + (S − 1)·N/S (sums) + N (divisions), N = numel(out)."""
    return softmax_cost(out_numel(call), _softmax_dim(call.arg(0, "input"), call.arg(1, "dim")))


def softmin(call: Call) -> int:
    """softmin = softmax(−x): N (the negation torch runs first) + the softmax, 2N + (S − 1)·N/S."""
    n = out_numel(call)
    return n + softmax_cost(n, _softmax_dim(call.arg(0, "input"), call.arg(1, "dim")))


def log_softmax(call: Call) -> int:
    """log_softmax: x − log(Σ exp x): N (exp) + (S − 1)·N/S (sums) + N/S (log) + N (subtract) = 3N."""
    return log_softmax_cost(out_numel(call), _softmax_dim(call.arg(0, "input"), call.arg(1, "dim")))


def gumbel_softmax(call: Call) -> int:
    """gumbel_softmax: −log(−log u) noise (2N), add (N), divide by τ (N), softmax over dim; N = numel(out)."""
    n = out_numel(call)
    logits = call.arg(0, "logits")
    dim = call.arg(4, "dim", -1)
    size = logits.shape[dim] if logits.dim() else 1
    return 4 * n + 2 * n + (size - 1) * (n // size if size else 0)


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    for name, cost in ACTIVATION_COSTS.items():
        claim(variants(name), per_element(cost, name, __name__))
    # _safe_softmax (the math attention path's): softmax, its fully masked rows then set to 0 (a select)
    claim([*variants("softmax", inplace=False), *ops("torch._safe_softmax")], softmax)
    claim(variants("softmin", inplace=False), softmin)
    claim(variants("log_softmax", inplace=False), log_softmax)
    claim(variants("gumbel_softmax", inplace=False), gumbel_softmax)
