"""Contractions: matrix products, linear maps, einsum and tensordot.

Each returns ``Count(flops, macs)``: a dot product of length K is K multiplies and K − 1 additions,
so an output of N elements costs ``(2K − 1)·N`` exact FLOPs and ``K·N`` MACs; an added bias or input
adds N. ``torch.utils.flop_counter.FlopCounterMode`` reports 2·MACs and skips the bias.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry
from torch_flops_core.formulas import contraction, scaled_add, summed_into, total
from torch_flops_core.formulas import grouped_mm as grouped_mm_count
from torch_flops_core.rulekit import Claimer, named
from torch_flops_core.shapes import broadcast_shape, out_numel, rows

from ._common import ops, variants

__all__ = ["add_contraction", "addr", "bilinear", "einsum", "inner", "linear", "matmul", "outer", "tensordot"]


def matmul(call: Call) -> Count:
    """matmul / @ / mm / bmm / mv / dot / inner: (2·K − 1)·N; K = a.shape[-1] (a.shape[0] when a is 1-d); MACs K·N."""
    a = call.arg(0, "input")
    return contraction(out_numel(call), a.shape[-1] if a.dim() else 1)


def linear(call: Call) -> Count:
    """F.linear: (2·K − 1)·N, plus N with bias; K = weight.shape[-1], N = numel(out); MACs K·N."""
    weight = call.arg(1, "weight")
    return contraction(out_numel(call), weight.shape[-1], call.arg(2, "bias") is not None)


def inner(call: Call) -> Count | int:
    """inner: (2·K − 1)·N, K = a.shape[-1], MACs K·N; with a 0-d operand torch multiplies (a * b): N, no MACs."""
    a, b = call.arg(0, "input"), call.arg(1, "other")
    if a.dim() == 0 or b.dim() == 0:
        return out_numel(call)
    return contraction(out_numel(call), a.shape[-1])


def outer(call: Call) -> int:
    """outer / ger: N multiplies, N = numel(out); no MACs: an outer product is element-wise (torch runs mul)."""
    return out_numel(call)


def addr(call: Call) -> int:
    """addr: beta·input + alpha·(v1 ⊗ v2): N (the outer product's multiplies) + N [beta ≠ 0] + N [alpha ≠ 1]
    + N [beta ∉ {0, 1}]; no MACs (torch runs mul, as for outer)."""
    n = out_numel(call)
    return n + scaled_add(n, call.kwargs.get("beta", 1), call.kwargs.get("alpha", 1))


def add_contraction(operand: str, k_of: Any, name: str, k_doc: str) -> Any:
    """addmm-like ``beta·input + alpha·(a ⊗ b)``: (2K − 1)·N + N [beta ≠ 0] + N [alpha ≠ 1] + N [beta ∉ {0, 1}]."""

    def rule(call: Call) -> Count:
        n = out_numel(call)
        k = k_of(call.arg(1, operand))
        return total(contraction(n, k), scaled_add(n, call.kwargs.get("beta", 1), call.kwargs.get("alpha", 1)))

    doc = f"{name}: (2K − 1)·N + N (add input) [+ N per alpha ≠ 1, beta ∉ {{0, 1}}]; K = {k_doc}; MACs K·N."
    return named(rule, name, doc, __name__)


def _batch_dot_length(batch1: torch.Tensor) -> int:
    """K of addbmm, batch1 [b, n, m]: its b products are summed too, so each output is one dot of length b·m."""
    return batch1.shape[0] * batch1.shape[-1]  # shape: the dot length, b·m


def bilinear(call: Call) -> Count:
    """F.bilinear, weight [O, I1, I2]: N·(I2·(2·I1 − 1) + 2·I2 − 1), + N with bias; MACs N·(I1·I2 + I2).

    N·I2 dot products of length I1 (x1 with the weight), then N of length I2 (with x2), as ``nn.Bilinear``.
    """
    weight, bias = call.arg(2, "weight"), call.arg(3, "bias")
    i1, i2 = weight.shape[1], weight.shape[2]
    n = out_numel(call)
    return total(contraction(n * i2, i1), contraction(n, i2, bias is not None))


def tensordot(call: Call) -> Count:
    """tensordot: (2K − 1)·N, MACs K·N; K = the product of the contracted sizes that match, N = numel(out). A pair of
    contracted dims where one side has size 1 is summed out of the other operand first (n − n/s adds), as torch does.
    """
    args = call.arguments()
    a, b, dims = args["a"], args["b"], args["dims"]
    if isinstance(dims, torch.Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        pairs = list(zip(range(a.dim() - dims, a.dim()), range(dims), strict=True))  # shape: a's last dims
    else:
        first, second = dims
        first = [first] if isinstance(first, int) else list(first)
        second = [second] if isinstance(second, int) else list(second)
        pairs = list(zip(first, second, strict=True))
    shape_a, shape_b = list(a.shape), list(b.shape)
    k, summed = 1, 0
    for dim_a, dim_b in pairs:
        size_a, size_b = shape_a[dim_a], shape_b[dim_b]
        if size_b == 1 or size_a == 1:  # broadcast: sum the other operand over its dim right away
            shape, dim, size = (shape_a, dim_a, size_a) if size_b == 1 else (shape_b, dim_b, size_b)
            n = math.prod(shape)
            summed += summed_into(n, rows(n, size))
            shape[dim] = 1
        else:
            k *= size_a
    return total(contraction(out_numel(call), k), summed)


def vecdot(call: Call) -> Count:
    """linalg.vecdot(x, y, dim): (2K − 1)·N; K = size of dim of the broadcast inputs, N = numel(out); MACs K·N."""
    x, y = call.arg(0, "x"), call.arg(1, "y")
    dim = call.arg(2, "dim", -1)
    return contraction(out_numel(call), broadcast_shape(x, y)[dim])


def chain(call: Call) -> Count:
    """linalg.multi_dot / chain_matmul: the products in torch's cheapest order, each (2K − 1)·N; MACs K·N."""
    mats = call.args[0] if len(call.args) == 1 and isinstance(call.args[0], list | tuple) else call.args
    mats = list(mats) or list(call.kwargs.get("tensors", call.kwargs.get("matrices", ())))
    # p[i] × p[i + 1] is the shape of matrix i; a 1-d first (last) operand is a row (column) vector
    first = 1 if mats[0].dim() == 1 else mats[0].shape[0]
    p = [first, *(m.shape[-1] if m.dim() > 1 else 1 for m in mats)]
    if mats[-1].dim() == 1:
        p[-1] = 1
    count = len(mats)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):  # the matrix-chain order that minimises multiplications
        for i in range(count - length):
            j = i + length
            cost[i][j], split[i][j] = min(
                (cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1], k) for k in range(i, j)
            )

    def walk(i: int, j: int) -> Count:
        if i == j:
            return Count(0)
        k = split[i][j]
        return total(walk(i, k), walk(k + 1, j), contraction(p[i] * p[j + 1], p[k + 1]))

    return walk(0, count - 1)


def grouped_mm(call: Call) -> Count:
    """F.grouped_mm, scaled_mm, scaled_grouped_mm: 2·MACs − N (+ N with bias); MACs = K·N (2-d × 2-d: K_total·N/G).

    Grouped: each output element is a dot product over its group's K, so Σ (2K_g − 1) = 2·MACs − N.
    The scales of the scaled forms (dequantisation of low-precision operands) are not counted.
    """
    a, b = call.arg(0, "mat_a"), call.arg(1, "mat_b")
    n = out_numel(call)
    out = call.output
    bias = call.kwargs.get("bias") is not None
    if a.dim() == 2 and b.dim() == 2 and out.dim() == 3:  # groups split K: out [G, M, N]
        return grouped_mm_count(n, out.shape[0], a.shape[-1], bias)
    return contraction(n, a.shape[-1], bias)


def kron(call: Call) -> int:
    """kron: N multiplies, N = numel(out)."""
    return out_numel(call)


# ------------------------------------------------------------------------------------------------
# einsum
# ------------------------------------------------------------------------------------------------


def _einsum_operands(call: Call) -> tuple[str, list[torch.Tensor]] | None:
    args = list(call.args) if call.args else [call.kwargs.get("equation"), *call.kwargs.get("operands", ())]
    if not args:
        return None
    if isinstance(args[0], str):
        rest = args[1:]
        if len(rest) == 1 and isinstance(rest[0], list | tuple):
            rest = list(rest[0])
        return args[0], list(rest)
    # sublist format: einsum(op1, [0, 1], op2, [1, 2], [0, 2])
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def spell(sub: Sequence[Any]) -> str:
        return "".join("..." if s is Ellipsis else letters[s] for s in sub)

    operands = args[0::2][: len(args) // 2]
    subs = [spell(s) for s in args[1::2][: len(args) // 2]]
    eq = ",".join(subs)
    if len(args) % 2:
        eq += "->" + spell(args[-1])
    return eq, operands


def _einsum_sizes(equation: str, operands: list[torch.Tensor]) -> tuple[list[str], str, dict[str, int]] | None:
    """Subscripts of each operand and of the output (ellipsis spelled as upper-case-free tokens) and label sizes."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(operands):
        return None
    sizes: dict[str, int] = {}
    expanded: list[str] = []
    ell_dims = 0
    for sub, op in zip(inputs, operands, strict=True):
        if "..." in sub:
            ell_dims = max(ell_dims, op.dim() - (len(sub) - 3))  # shape: the dims '...' stands for
    ell = [chr(0x2460 + i) for i in range(ell_dims)]  # ①②③ stand for the broadcast dims
    for sub, op in zip(inputs, operands, strict=True):
        if "..." in sub:
            before, after = sub.split("...")
            n_ell = op.dim() - len(before) - len(after)  # shape: the dims '...' stands for here
            sub = before + "".join(ell[ell_dims - n_ell :]) + after
        for label, size in zip(sub, op.shape, strict=True):
            sizes[label] = max(sizes.get(label, 1), size)
        expanded.append(sub)
    if arrow:
        out = rhs.replace("...", "".join(ell))
    else:
        counts: dict[str, int] = {}
        for sub in expanded:
            for label in sub:
                counts[label] = counts.get(label, 0) + 1
        out = "".join(ell) + "".join(sorted(lab for lab, c in counts.items() if c == 1 and lab not in ell))
    return expanded, out, sizes


def einsum(call: Call) -> Count | NotRecognizedType:
    """einsum, contracted left to right: per pairwise step (2K − 1)·M, MACs K·M; K, M: sizes summed, kept (a step
    that sums no label is a product, M FLOPs and no MACs)."""
    parsed = _einsum_operands(call)
    if parsed is None:
        return NOT_RECOGNIZED
    spelled = _einsum_sizes(*parsed)
    if spelled is None:
        return NOT_RECOGNIZED
    subs, out, sizes = spelled
    if len(subs) == 1:  # a sum over labels not in the output (or a permutation / diagonal: 0)
        kept = math.prod(sizes[lab] for lab in out)
        every = math.prod(sizes[lab] for lab in set(subs[0]))
        return Count(flops=summed_into(every, kept), macs=0)
    steps: list[Count | int] = []
    current = subs[0]
    for i, sub in enumerate(subs[1:], start=1):
        later = set(out).union(*subs[i + 1 :])
        labels = set(current) | set(sub)
        keep = [lab for lab in labels if lab in later]
        summed = [lab for lab in labels if lab not in later]
        kept = math.prod(sizes[lab] for lab in keep)
        if summed:
            steps.append(contraction(kept, math.prod(sizes[lab] for lab in summed)))
        else:  # nothing summed: an element-wise product (torch runs mul), no MACs
            steps.append(kept)
        current = "".join(keep)
    return total(*steps)


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim([operator.matmul, operator.imatmul, *ops("torch.mm", "torch.bmm", "torch.mv", "torch.dot")], matmul)
    claim(ops("torch.inner", "Tensor.inner"), inner)
    claim(ops("torch.vdot", "Tensor.mm", "Tensor.bmm", "Tensor.mv", "Tensor.dot", "Tensor.vdot"), matmul)
    claim([F.linear], linear)
    claim(variants("outer", "ger", inplace=False), outer)
    claim(variants("addmm"), add_contraction("mat1", lambda a: a.shape[-1], "addmm", "mat1.shape[-1]"))
    claim(variants("addmv"), add_contraction("mat", lambda a: a.shape[-1], "addmv", "mat.shape[-1]"))
    claim(variants("baddbmm"), add_contraction("batch1", lambda a: a.shape[-1], "baddbmm", "batch1.shape[-1]"))
    claim(variants("addbmm"), add_contraction("batch1", _batch_dot_length, "addbmm", "b·m"))
    claim(variants("addr"), addr)
    claim([F.bilinear], bilinear)
    claim(variants("tensordot", inplace=False), tensordot)
    claim(variants("einsum", inplace=False), einsum)
    claim(variants("kron", inplace=False), kron)
    claim(ops("linalg.matmul"), matmul)
    claim(ops("linalg.vecdot"), vecdot)
    claim(ops("torch.chain_matmul", "linalg.multi_dot"), chain)
    claim(ops("F.grouped_mm", "F.scaled_mm", "F.scaled_grouped_mm", "torch._grouped_mm"), grouped_mm)
