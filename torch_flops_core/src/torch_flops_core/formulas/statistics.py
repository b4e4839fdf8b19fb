"""Formulas of the statistics family: sorts and sets, searches and histograms, scans, the composites that
torch runs as several kernels (quantile, cov, corrcoef, trapezoid, gradient) and sparse-dense products.

Pure functions of sizes and flags, shared by the functional and aten packs. A composite's formula is
the sum of what its kernels count under the convention (one FLOP per element of each element-wise
kernel, ``n − r`` for a reduction of n elements to r, a dense ``(2K − 1)·N`` product), so a function
counted whole agrees with the aten engine, which sees the kernels. ``docs/conventions.md`` states each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from .. import shapes
from ..rules import Count
from ..shapes import at_least, broadcast_sizes, ceil_log2
from .costs import POINTWISE_COSTS
from .products import contraction, total
from .reductions import vector_norm

__all__ = [
    "ISIN_BRUTE_FORCE_FACTOR", "QUANTILE_INTERPOLATION", "binary_search", "corrcoef", "cov", "cumulative_trapezoid_dx",
    "cumulative_trapezoid_x", "gradient", "gradient_along", "histogram", "isin", "isin_brute_force", "quantile",
    "renorm", "scan", "segment_reduce", "segment_reduce_backward", "sort", "sparse_product", "sparse_reduce_product",
    "trapezoid_dx", "trapezoid_x", "unique", "unique_consecutive",
]  # fmt: skip


def sort(n: int, size: int) -> int:
    """A comparison sort of rows of ``size`` elements, n in all: n·⌈log2 size⌉ compares (0 when size ≤ 1)."""
    return n * ceil_log2(size)


def unique(n: int, size: int) -> int:
    """unique by sorting ``size`` slices of n/size elements (all n elements: size = n): the sort's
    n·⌈log2 size⌉ compares + (size − 1)·n/size compares of neighbours = n·⌈log2 size⌉ + n − n/size."""
    return sort(n, size) + unique_consecutive(n, size)


def unique_consecutive(n: int, size: int) -> int:
    """unique_consecutive of ``size`` slices of n/size elements: each slice compared with the one
    before it, (size − 1)·n/size = n − n/size compares (n − 1 over all elements)."""
    return n - shapes.rows(n, size)


def binary_search(values: int, boundaries: int) -> int:
    """A binary search of each of ``values`` among B sorted boundaries: values·⌈log2(B + 1)⌉ compares
    (B boundaries leave B + 1 insertion positions)."""
    return values * ceil_log2(boundaries + 1)


def histogram(n: int) -> int:
    """Binning n elements (coordinates): one bin update per element, n. Bin edges are not counted."""
    return n


ISIN_BRUTE_FORCE_FACTOR: Final = 10.0
"""torch's CPU ``isin`` compares every element with every test element while
``numel(test) < int(10·numel(elements)^0.145)`` (numpy's heuristic), else sorts."""


def isin_brute_force(elements: int, tests: int) -> bool:
    """Whether torch's CPU ``isin`` takes its brute-force path: tests < ⌊10·elements^0.145⌋."""
    return tests < int(ISIN_BRUTE_FORCE_FACTOR * float(elements) ** 0.145)


def isin(elements: int, tests: int, assume_unique: bool) -> int:
    """isin of n elements in m test elements, as torch's CPU kernel picks: brute force n·m compares; else
    sort-based: unique(n) + unique(m) (not with assume_unique) + sort(n + m) + (n + m − 1) neighbour compares."""
    if elements == 0:
        return 0
    if isin_brute_force(elements, tests):
        return elements * tests
    both = elements + tests
    uniques = 0 if assume_unique else unique(elements, elements) + unique(tests, tests)
    return uniques + sort(both, both) + both - 1


def scan(n: int, size: int, per_element: int = 1) -> int:
    """A scan along a dim of ``size`` (cumsum, cummax, logcumsumexp ...): per_element·n − n/size
    (size − 1 combining ops per row, plus (per_element − 1)·n element-wise: logcumsumexp's exp and log)."""
    return at_least(per_element * n - shapes.rows(n, size), 0)


QUANTILE_INTERPOLATION: Final = {
    "linear": 2 + POINTWISE_COSTS["lerp"],  # weights = ranks − below, ceil, lerp
    "lower": 1,  # floor
    "higher": 1,  # ceil
    "midpoint": 1 + POINTWISE_COSTS["lerp"],  # ceil, lerp with weight 0.5
    "nearest": 1,  # round
}
"""FLOPs per output of each ``interpolation`` of quantile, from the ranks to the value."""


def quantile(n: int, size: int, q: int, ignore_nan: bool, interpolation: str) -> int:
    """quantile/nanquantile of n elements in rows of ``size`` (R = n/size rows), q quantiles, P = R·q outputs:
    sort n·⌈log2 size⌉ + ranks (quantile: q·(size − 1), isnan n, any n − R, masked_fill P; nanquantile: isnan,
    logical_not n each, sum n − R, − 1 R, ·q P, < 0 P, masked_fill P) + QUANTILE_INTERPOLATION·P."""
    rows = shapes.rows(n, size)
    outputs = rows * q
    nan_ranks = 2 * n + (n - rows) + rows + 3 * outputs  # isnan, logical_not, sum, − 1; ·q, < 0, masked_fill
    ranks = q + n + (n - rows) + outputs  # q·(size − 1), isnan, any; masked_fill
    return sort(n, size) + (nan_ranks if ignore_nan else ranks) + QUANTILE_INTERPOLATION[interpolation] * outputs


def _check(integer: bool) -> int:
    """A compare of a 0-d value (``ge``, ``ne``, ``le``) and the ``equal`` of one element torch reads it with:
    2, or 1 when the value is an integer (the compare is integer bookkeeping, 0 in every engine)."""
    return 1 if integer else 2


def cov(variables: int, observations: int, correction: int, fweights: bool, aweights: bool) -> Count:
    """cov of V variables × O observations (n = V·O), as torch's kernels run it: the weight checks (min, ≥ 0, Σw,
    ≠ 0), their product O, the mean ((w·) n − V adds, V divides), the normalisation factor and its check, x − mean
    n (·w n), the product (2O − 1)·V² (O·V² MACs), V² divides. A compare or subtraction on a 0-d integer (the count
    O − c, integer fweights' sums) is integer bookkeeping: 0."""
    v, o = variables, observations
    n = v * o
    weighted = fweights or aweights
    integer = not aweights  # Σw and the normalisation factor are integers without aweights
    flops = 0
    if fweights and o:
        flops += (o - 1) + _check(True)  # fweights.min() >= 0
    if aweights and o:
        flops += (o - 1) + _check(False)  # aweights.min() >= 0
    if fweights and aweights:
        flops += o  # fweights · aweights
    if weighted:
        flops += (o - 1) + _check(integer)  # Σw != 0
        flops += n  # x · w
    flops += (n - v) + v  # the mean: sums over the observations, divided by Σw (or O)
    corner = aweights and not fweights and o == 1 and correction == 1  # torch's factor: an integer 0
    if aweights and correction != 0 and not corner:
        flops += o + (o - 1) + 3  # Σw − correction·Σ(w·aw)/Σw (without aweights: integers, or Σw itself)
    flops += _check(integer or corner)  # norm_factor <= 0
    if not (o == 1 and fweights != aweights):
        flops += n  # x − mean
    if weighted:
        flops += n  # (x − mean) · w
    return total(flops, contraction(v * v, o), v * v)


def corrcoef(variables: int, observations: int, complex_values: bool = False) -> Count:
    """corrcoef: cov, then c/c for one variable; else √diag V, two divides V² each, the clip to [−1, 1] 2V²
    (complex: the real and the imaginary parts clipped, 4V²)."""
    v = variables
    clip = (4 if complex_values else 2) * v * v
    tail = 1 if v == 1 else v + 2 * v * v + clip
    return total(cov(v, observations, 1, False, False), tail)


def trapezoid_dx(n: int, out: int) -> int:
    """trapezoid with a scalar spacing, n samples into ``out`` integrals: (Σy − (y₀ + yₙ)·½)·dx:
    n − out adds, then add, multiply, subtract, multiply per output = n + 3·out."""
    return (n - out) + 4 * out if n else 0


def _trapezoid_parts(y_shape: Sequence[int], x_shape: Sequence[int], dim: int) -> tuple[int, int, int]:
    """(dx, pairs, products): elements of x[1:] − x[:−1] (x viewed against y as torch views it: a 1-d x along
    ``dim``, a shorter x padded with leading 1s), of y[:−1] + y[1:] along ``dim``, and of their broadcast product."""
    ndim = len(y_shape)
    dim = dim % ndim if ndim else 0
    if len(x_shape) == 1:
        viewed = [1] * ndim
        viewed[dim] = x_shape[0]
    else:
        viewed = [1] * (ndim - len(x_shape)) + list(x_shape)
    dx = list(viewed)
    dx[dim] = at_least(dx[dim] - 1, 0)
    pairs = list(y_shape)
    pairs[dim] = at_least(pairs[dim] - 1, 0)
    products = math.prod(broadcast_sizes(dx, pairs))
    return math.prod(dx), math.prod(pairs), products


def trapezoid_x(y_shape: Sequence[int], x_shape: Sequence[int], dim: int, out: int) -> int:
    """trapezoid with sample points x: dx = x[1:] − x[:−1], y[:−1] + y[1:], their broadcast product, its sum
    along ``dim`` into ``out`` integrals (products − out adds) and / 2 (out)."""
    if not y_shape or y_shape[dim] == 0:
        return 0
    dx, pairs, products = _trapezoid_parts(y_shape, x_shape, dim)
    return dx + pairs + products + at_least(products - out, 0) + out


def cumulative_trapezoid_dx(y_shape: Sequence[int], dim: int) -> int:
    """cumulative_trapezoid with a scalar spacing: y[:−1] + y[1:] and ·dx/2 (P pairs each), then a cumsum
    along ``dim`` of size S − 1: 2P + P − P/(S − 1)."""
    if not y_shape:
        return 0
    size = y_shape[dim] - 1
    pairs = math.prod(y_shape) // y_shape[dim] * size if y_shape[dim] else 0
    return 2 * pairs + scan(pairs, size)


def cumulative_trapezoid_x(y_shape: Sequence[int], x_shape: Sequence[int], dim: int) -> int:
    """cumulative_trapezoid with sample points x: dx, y[:−1] + y[1:], their product (M elements), its cumsum
    along ``dim`` (M − M/(S − 1)) and / 2 (M)."""
    if not y_shape or y_shape[dim] == 0:
        return 0
    dx, pairs, products = _trapezoid_parts(y_shape, x_shape, dim)
    return dx + pairs + products + scan(products, y_shape[dim] - 1) + products


def gradient(shape: Sequence[int], dims: Sequence[int], edge_order: int, coordinates: bool) -> int:
    """torch.gradient of a tensor of ``shape`` along each of ``dims``: Σ over the dims of :func:`gradient_along`."""
    n = math.prod(shape)
    return sum(gradient_along(n, shape[d], edge_order, coordinates) for d in dims)


def gradient_along(n: int, size: int, edge_order: int, coordinates: bool) -> int:
    """torch.gradient of n elements along one dim of ``size`` (r = n/size rows). Scalar spacing h: interior
    (y[2:] − y[:−2])/h/2, 3·r·(size − 2); each edge (y₁ − y₀)/h 2r (edge_order 2: (−1.5y₀ + 2y₁ − 0.5y₂)/h 6r).
    Coordinates: their differences size − 1, the three interior coefficients 10·(size − 2), the interior
    a·y₀ + b·y₁ + c·y₂ 5·r·(size − 2), each edge 2r (edge_order 2: its coefficients 12 and 13, 5r per edge)."""
    rows = shapes.rows(n, size)
    inner = at_least(size - 2, 0)
    if not coordinates:
        return 3 * rows * inner + (4 if edge_order == 1 else 12) * rows
    spacing = (size - 1) + 10 * inner
    edges = 4 * rows if edge_order == 1 else 25 + 10 * rows
    return spacing + 5 * rows * inner + edges


def renorm(p: object, n: int, slices: int) -> int:
    """renorm of n elements in ``slices`` sub-tensors: the p-norm of each (vector_norm), its scale factor
    (norm > maxnorm ? maxnorm/(norm + 1e-7) : 1: compare, add, divide = 3 per slice), n multiplies."""
    return vector_norm(p, n, slices) + 3 * slices + n


def segment_reduce(n: int, out: int, reduce: str) -> int:
    """segment_reduce of n elements into ``out`` segments: one op (add, max, min, multiply) per element
    reduced into its segment's accumulator, n; 'mean' also divides each output: + out."""
    return n + (out if reduce == "mean" else 0)


def segment_reduce_backward(n: int, out: int, reduce: str) -> int:
    """segment_reduce's input gradient, n elements from ``out`` output gradients: 'max'/'min' n compares (which
    elements hold the extremum), 'mean' out divides, 'prod' out multiplies (dy·y) + n divides, 'sum' 0 (a copy)."""
    return {"max": n, "min": n, "mean": out, "prod": out + n}.get(reduce, 0)


def sparse_product(nnz: int, columns: int, out: int, alpha: object = 1, beta: object = 0) -> Count:
    """A sparse (nnz stored values) by dense (K × N) product into ``out`` elements, beta·input + alpha·(S @ D):
    each nonzero multiplies a dense row and accumulates it, one multiply-add per output column: 2·nnz·N FLOPs,
    nnz·N MACs; + nnz with alpha ≠ 1 (each value scaled), + out with beta ∉ {0, 1} (the input scaled)."""
    flops = 2 * nnz * columns + (nnz if alpha != 1 else 0) + (out if beta not in (0, 1) else 0)
    return Count(flops=flops, macs=nnz * columns)


def sparse_reduce_product(nnz: int, columns: int, out: int, reduce: str) -> Count:
    """A sparse CSR by dense product reduced with ``reduce``: each nonzero times a dense row, combined into the
    output (sum, mean, amax, amin): 2·nnz·N FLOPs, + out divides for 'mean'; nnz·N MACs for 'sum' and 'mean'."""
    flops = 2 * nnz * columns + (out if reduce == "mean" else 0)
    return Count(flops=flops, macs=nnz * columns if reduce in ("sum", "mean") else 0)
