"""Dot products and sums of counts: contractions (matrix products, their grouped and trilinear forms), the
scaled add of ``addmm``-like ops, values summed into fewer positions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..rules import Count
from ..shapes import at_least, rows

__all__ = [
    "contraction", "grouped_mm", "scaled_add", "summed_into", "total", "trilinear",
]  # fmt: skip


def contraction(n: int, k: int, bias: bool = False) -> Count:
    """n dot products of length k: (2k − 1)·n FLOPs, + n with a bias; k·n MACs."""
    return Count(flops=at_least(2 * k - 1, 0) * n + (n if bias else 0), macs=k * n)


def total(*parts: int | Count) -> Count:
    """The sum of several counts; an int part is FLOPs without MACs."""
    flops = macs = 0
    for part in parts:
        if isinstance(part, Count):
            flops += part.flops
            macs += part.macs
        else:
            flops += part
    return Count(flops=flops, macs=macs)


def scaled_add(n: int, beta: object, alpha: object) -> int:
    """beta·self + alpha·P over n outputs (addmm, addr ...), after the product P: n [beta ≠ 0] + n [alpha ≠ 1]
    + n [beta ∉ {0, 1}]."""
    return ((beta != 0) + (alpha != 1) + (beta not in (0, 1))) * n


def grouped_mm(n: int, groups: int, k: int, bias: bool) -> Count:
    """G = ``groups`` products splitting K (a 2-d × 2-d grouped mm, out [G, M, N] of n elements): Σ_g (2k_g − 1)·M·N
    (+ n with bias), MACs K·M·N. Any split into non-empty groups counts the same, so an even one is counted: r
    groups of ⌊K/G⌋ + 1, G − r of ⌊K/G⌋ (r = K mod G)."""
    per_group = rows(n, groups)
    q, r = divmod(k, groups) if groups else (0, 0)
    return total(contraction(r * per_group, q + 1), contraction((groups - r) * per_group, q), n if bias else 0)


def trilinear(
    sizes: Sequence[Sequence[int]], expand3: Sequence[int], sumdim: Sequence[int], unroll: int, n: int
) -> Count:
    """Σ_sumdim i1·i2·i3 (aten._trilinear; ``sizes`` the three operands' sizes after unsqueezing at their expand
    dims) as torch runs it, two contractions: buf = Σ_{s12} i1·i2, contraction(numel(buf), K12), then Σ_{s23}
    buf·i3, contraction(n, K23); s12 the summed dims i3 lacks, s23 the others (with ``unroll`` when summed: torch
    loops over its slices and adds them up)."""
    s1, s2, s3 = sizes
    summed = set(sumdim)
    summed12 = [d for d in summed if d != unroll and d in expand3]
    summed23 = [d for d in summed if d != unroll and d not in expand3]
    slices = at_least(at_least(s1[unroll], s2[unroll]), s3[unroll])
    buf = slices * math.prod(at_least(s1[d], s2[d]) for d in range(len(s1)) if d != unroll and d not in summed12)
    k12 = math.prod(at_least(s1[d], s2[d]) for d in summed12)
    k23 = math.prod(at_least(at_least(s1[d], s2[d]), s3[d]) for d in summed23) * (slices if unroll in summed else 1)
    return total(contraction(buf, k12), contraction(n, k23))


def summed_into(values: int, targets: int) -> int:
    """``values`` values added into ``targets`` positions (a sum's outputs, a bias's or a padding's gradient):
    values − targets adds (0 when values ≤ targets)."""
    return at_least(values - targets, 0)
