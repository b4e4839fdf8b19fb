"""Contractions: mm, addmm, bmm, baddbmm, dot, mv, addmv (what F.linear and torch.matmul decompose into),
_grouped_mm (the grouped products of mixture-of-experts layers), and addr (an outer product plus a matrix:
element-wise, no MACs)."""

from __future__ import annotations

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import contraction, total
from torch_flops_core.shapes import out_numel

from ._ops import aten

__all__ = ["grouped_mm", "matmul", "matmul_bias", "outer_bias", "register"]

_FIRST_FACTOR = {"addmm": "mat1", "baddbmm": "batch1", "addmv": "mat"}
"""The parameter of each ``beta·self + alpha·(a @ b)`` op holding ``a`` (its last size is K)."""


def matmul(call: Call) -> Count:
    """mm, bmm, dot, vdot, mv: (2K − 1)·N, N = numel(out) (0 for an empty output), K = self.shape[-1]; MACs K·N."""
    return contraction(out_numel(call), call.arguments()["self"].shape[-1])


def matmul_bias(call: Call) -> Count:
    """addmm, baddbmm, addmv: beta·self + alpha·(a @ b): (2K − 1)·N + N [beta ≠ 0] + N [alpha ≠ 1]
    + N [beta ∉ {0, 1}] (as the functional pack's torch.addmm); K = a.shape[-1]; MACs K·N."""
    named = call.arguments()
    packet = getattr(call.target, "overloadpacket", call.target).__name__
    n = out_numel(call)
    beta, alpha = named.get("beta", 1), named.get("alpha", 1)
    extra = (beta != 0) + (alpha != 1) + (beta not in (0, 1))
    return total(contraction(n, named[_FIRST_FACTOR[packet]].shape[-1]), extra * n)


def outer_bias(call: Call) -> int:
    """addr(self, vec1, vec2, beta, alpha): beta·self + alpha·(vec1 ⊗ vec2): N products + N [beta ≠ 0]
    + N [alpha ≠ 1] + N [beta ∉ {0, 1}]; no MACs: an outer product is element-wise (torch.outer runs aten.mul)."""
    named = call.arguments()
    n = out_numel(call)
    beta, alpha = named["beta"], named["alpha"]
    return n + ((beta != 0) + (alpha != 1) + (beta not in (0, 1))) * n


def grouped_mm(call: Call) -> Count:
    """_grouped_mm(self, mat2, offs, bias, out_dtype): per group g an (m_g × K)·(K × N) product, Σ_g (2K − 1)·m_g·N
    (+ numel(out) with bias), MACs Σ_g m_g·K·N; 2-d × 2-d (groups split K, out [G, M, N]): Σ_g (2k_g − 1)·M·N.

    The groups are delimited by ``offs`` (values): they are taken to cover the jagged dimension (offs[−1] its
    size) and, for 2-d × 2-d, to be non-empty; any such split counts the same, so the count is a function of
    the shapes alone (rows past offs[−1] are padding a kernel skips: an upper bound there).
    """
    named = call.arguments()
    a, b = named["self"], named["mat2"]
    n, bias = out_numel(call), named.get("bias") is not None
    if a.dim() == 2 and b.dim() == 2:  # out [G, M, N], K split into G groups: even split, same sum as any other
        groups = call.output.shape[0]
        per_group = n // groups if groups else 0
        q, r = divmod(a.shape[-1], groups) if groups else (0, 0)
        return total(contraction(r * per_group, q + 1), contraction((groups - r) * per_group, q), n if bias else 0)
    return contraction(n, a.shape[-1], bias)  # 2-d × 3-d, 3-d × 2-d, 3-d × 3-d: every output one dot of length K


def register(registry: Registry) -> None:
    registry.function(*aten("mm", "bmm", "dot", "vdot", "mv"))(matmul)
    registry.function(*aten("addmm", "baddbmm", "addmv"))(matmul_bias)
    registry.function(*aten("addr"))(outer_bias)
    registry.function(*aten("_grouped_mm"))(grouped_mm)
