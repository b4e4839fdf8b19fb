"""Contractions: mm, addmm, bmm, baddbmm, dot, mv, addmv (what F.linear and torch.matmul decompose into)."""

from __future__ import annotations

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import contraction
from torch_flops_core.shapes import out_numel

from ._ops import aten

__all__ = ["matmul", "matmul_bias", "register"]


def matmul(call: Call) -> Count:
    """mm, bmm, dot, mv: (2K − 1)·N, N = numel(out), K = the contracted size (args[0].shape[-1]); MACs K·N."""
    a = call.args[0]
    return contraction(max(out_numel(call), 1), a.shape[-1] if a.dim() else 1)


def matmul_bias(call: Call) -> Count:
    """addmm, baddbmm, addmv: (2K − 1)·N + N, the product of args[1] and args[2] plus a bias; MACs K·N."""
    a = call.args[1]
    return contraction(out_numel(call), a.shape[-1], bias=True)


def register(registry: Registry) -> None:
    registry.function(*aten("mm", "bmm", "dot", "vdot", "mv"))(matmul)
    registry.function(*aten("addmm", "baddbmm", "addmv"))(matmul_bias)
