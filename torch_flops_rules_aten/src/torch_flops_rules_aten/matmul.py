"""Contractions: mm, addmm, bmm, baddbmm, addbmm, dot, mv, addmv (what F.linear and torch.matmul decompose into; the
in-place ``addmm_`` ... too), _grouped_mm (the grouped products of mixture-of-experts layers), _trilinear (F.bilinear
and its backward), and addr (an outer product plus a matrix: element-wise, no MACs)."""

from __future__ import annotations

from collections.abc import Sequence

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import activation, contraction, scaled_add, total
from torch_flops_core.formulas import grouped_mm as grouped_mm_count
from torch_flops_core.formulas import trilinear as trilinear_count
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
    args = call.arguments()
    packet = getattr(call.target, "overloadpacket", call.target).__name__.rstrip("_")
    n = out_numel(call)
    a = args[_FIRST_FACTOR[packet]]
    k = a.shape[0] * a.shape[-1] if packet == "addbmm" else a.shape[-1]  # shape: the dot length (addbmm: b·K)
    return total(contraction(n, k), scaled_add(n, args.get("beta", 1), args.get("alpha", 1)))


def outer_bias(call: Call) -> int:
    """addr(self, vec1, vec2, beta, alpha): beta·self + alpha·(vec1 ⊗ vec2): N products + N [beta ≠ 0]
    + N [alpha ≠ 1] + N [beta ∉ {0, 1}]; no MACs: an outer product is element-wise (torch.outer runs aten.mul)."""
    args = call.arguments()
    n = out_numel(call)
    return n + scaled_add(n, args["beta"], args["alpha"])


def grouped_mm(call: Call) -> Count:
    """_grouped_mm(self, mat2, offs, bias, out_dtype): per group g an (m_g × K)·(K × N) product, Σ_g (2K − 1)·m_g·N
    (+ numel(out) with bias), MACs Σ_g m_g·K·N; 2-d × 2-d (groups split K, out [G, M, N]): Σ_g (2k_g − 1)·M·N.

    The groups are delimited by ``offs`` (values): they are taken to cover the jagged dimension (offs[−1] its
    size) and, for 2-d × 2-d, to be non-empty; any such split counts the same, so the count is a function of
    the shapes alone (rows past offs[−1] are padding a kernel skips: an upper bound there).
    """
    args = call.arguments()
    a, b = args["self"], args["mat2"]
    n, bias = out_numel(call), args.get("bias") is not None
    if a.dim() == 2 and b.dim() == 2:  # out [G, M, N], K split into G groups (formulas.grouped_mm)
        return grouped_mm_count(n, call.output.shape[0], a.shape[-1], bias)
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
    args = call.arguments()
    i1, i2, i3 = args["i1"], args["i2"], args["i3"]
    if not (numel(i1) and numel(i2) and numel(i3)):
        return Count(0)  # torch returns zeros without computing
    dims = i1.dim() + len(args["expand1"])  # shape: the operands' rank once unsqueezed
    sizes = [_expanded(t.shape, args[e], dims) for t, e in ((i1, "expand1"), (i2, "expand2"), (i3, "expand3"))]
    return trilinear_count(sizes, args["expand3"], args["sumdim"], args["unroll_dim"], out_numel(call))


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
