"""Contractions: mm, addmm, bmm, baddbmm, addbmm, dot, mv, addmv (what F.linear and torch.matmul decompose into; the
in-place ``addmm_`` ... too), _grouped_mm (the grouped products of mixture-of-experts layers), _trilinear (F.bilinear
and its backward), and addr (an outer product plus a matrix: element-wise, no MACs)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import activation, contraction, total
from torch_flops_core.shapes import numel, out_numel

from ._ops import aten, with_inplace

__all__ = ["grouped_mm", "matmul", "matmul_bias", "outer_bias", "register", "trilinear"]

_FIRST_FACTOR = {"addmm": "mat1", "baddbmm": "batch1", "addmv": "mat", "addbmm": "batch1"}
"""The parameter of each ``beta·self + alpha·(a @ b)`` op holding ``a`` (its last size is K; addbmm also sums the
b products of its batch: K = b·m)."""


def matmul(call: Call) -> Count:
    """mm, bmm, dot, vdot, mv: (2K − 1)·N, N = numel(out) (0 for an empty output), K = self.shape[-1]; MACs K·N."""
    return contraction(out_numel(call), call.arguments()["self"].shape[-1])


def matmul_bias(call: Call) -> Count:
    """addmm, baddbmm, addmv, addbmm (and addmm_ ...): beta·self + alpha·(a @ b): (2K − 1)·N + N [beta ≠ 0]
    + N [alpha ≠ 1] + N [beta ∉ {0, 1}] (as the functional pack's torch.addmm); K = a.shape[-1] (addbmm, which
    also sums its b products: b·a.shape[-1]); MACs K·N."""
    named = call.arguments()
    packet = getattr(call.target, "overloadpacket", call.target).__name__.rstrip("_")
    n = out_numel(call)
    beta, alpha = named.get("beta", 1), named.get("alpha", 1)
    extra = (beta != 0) + (alpha != 1) + (beta not in (0, 1))
    a = named[_FIRST_FACTOR[packet]]
    k = a.shape[0] * a.shape[-1] if packet == "addbmm" else a.shape[-1]
    return total(contraction(n, k), extra * n)


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


def _expanded(sizes: Sequence[int], expand: Sequence[int], dims: int) -> list[int]:
    """The sizes of a _trilinear operand after unsqueezing it at ``expand`` (1 there), as torch does."""
    out, rest = [], iter(sizes)
    for dim in range(dims):
        out.append(1 if dim in expand else next(rest))
    return out


def trilinear(call: Call) -> Count:
    """_trilinear(i1, i2, i3, expand1, expand2, expand3, sumdim, unroll_dim): Σ_sumdim i1·i2·i3 as torch runs it,
    two contractions: buf = Σ_{s12} i1·i2, contraction(numel(buf), K12), then Σ_{s23} buf·i3, contraction(N, K23);
    s12 the summed dims i3 lacks, s23 the others (with unroll_dim when summed: its slices are added up)."""
    named = call.arguments()
    i1, i2, i3 = named["i1"], named["i2"], named["i3"]
    if not (numel(i1) and numel(i2) and numel(i3)):
        return Count(0)  # torch returns zeros without computing
    dims = i1.dim() + len(named["expand1"])
    s1, s2, s3 = (_expanded(t.shape, named[e], dims) for t, e in ((i1, "expand1"), (i2, "expand2"), (i3, "expand3")))
    sumdim, unroll = set(named["sumdim"]), named["unroll_dim"]
    summed12 = [d for d in sumdim if d != unroll and d in named["expand3"]]
    summed23 = [d for d in sumdim if d != unroll and d not in named["expand3"]]
    slices = max(s1[unroll], s2[unroll], s3[unroll])  # torch loops over the unrolled dim
    buf = slices * math.prod(max(s1[d], s2[d]) for d in range(dims) if d != unroll and d not in summed12)
    k12 = math.prod(max(s1[d], s2[d]) for d in summed12)
    k23 = math.prod(max(s1[d], s2[d], s3[d]) for d in summed23) * (slices if unroll in sumdim else 1)
    return total(contraction(buf, k12), contraction(out_numel(call), k23))


def addmm_activation(call: Call) -> Count:
    """_addmm_activation(self, mat1, mat2, beta, alpha, use_gelu) (addmm fused with its activation): addmm's count
    + the activation's ACTIVATION_COSTS·N (gelu or relu)."""
    activation_name = "gelu" if call.arguments()["use_gelu"] else "relu"
    return total(matmul_bias(call), activation(activation_name, out_numel(call)))


def register(registry: Registry) -> None:
    registry.function(*aten("_addmm_activation"))(addmm_activation)
    registry.function(*aten("mm", "bmm", "dot", "vdot", "mv"))(matmul)
    registry.function(*with_inplace("addmm", "baddbmm", "addmv", "addbmm"))(matmul_bias)
    registry.function(*aten("_trilinear"))(trilinear)
    registry.function(*with_inplace("addr"))(outer_bias)
    registry.function(*aten("_grouped_mm"))(grouped_mm)
