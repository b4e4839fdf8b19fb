"""Linear algebra: factorizations, solves, inverses and decompositions, per matrix times the batch.

The ops of ``torch.linalg`` (and their ``torch.*``/``Tensor.*`` spellings) as shapes in, Count out: each sums
the routines it runs, one matrix's arithmetic from :mod:`.lapack` (LAWN 41's operation counts, GVL's estimates;
its docstring states the sources, the exact-integer rounding and the complex weights), times the matrices of
the batch (the leading dims). ``docs/conventions.md``, *Linear algebra*, names each formula's source. The
routines are re-exported here (``formulas.linalg.potrf`` ...), as before they had a module of their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..rules import Count
from ..shapes import at_least, broadcast_sizes, rows
from .costs import POINTWISE_COSTS
from .lapack import (
    Work,
    eig_estimate,
    eigh_estimate,
    geqrf,
    getrf,
    getrs,
    kernel_steps,
    orgqr,
    ormqr,
    potrf,
    potri,
    potrs,
    product,
    svd_estimate,
    sytrf,
    sytrs,
    to_count,
    trsm,
)
from .products import contraction, total
from .reductions import reduction, vector_norm

__all__ = [
    "Work", "cholesky", "cholesky_inverse", "cholesky_solve", "cond", "cross", "det", "eig", "eigh", "geqrf",
    "getrf", "getrs", "householder_multiply", "householder_product", "inverse", "ldl_factor", "ldl_solve", "logdet",
    "lstsq", "lu_factor", "lu_solve", "matrix_exp", "matrix_power", "matrix_rank", "matrix_sqrth", "orgqr", "ormqr",
    "pinv", "polar", "potrf", "potri", "potrs", "product", "qr", "slogdet", "solve", "svd", "sytrf", "sytrs",
    "tensorinv", "tensorsolve", "to_count", "triangular_solve", "trsm", "vander",
]  # fmt: skip

Shape = Sequence[int]
"""A tensor's shape; the matrices of a batch are its last two dims."""


def _matrices(shape: Shape) -> int:
    """Matrices in a batch of shape ``(*, m, n)``."""
    return math.prod(shape[:-2])


def _columns(n: int, out: Shape) -> int:
    """Right-hand sides solved in all, for an output of shape ``out`` of order-n solves."""
    return rows(math.prod(out), n)


def cholesky(a: Shape, complex_: bool) -> Count:
    """linalg.cholesky(_ex) of (*, n, n): POTRF(n) per matrix (n³/3 + n²/2 + n/6 real)."""
    return to_count(potrf(a[-1]), _matrices(a), complex_)


def cholesky_inverse(a: Shape, complex_: bool) -> Count:
    """cholesky_inverse of (*, n, n): POTRI(n) per matrix (torch's cpu kernel is LAPACK xPOTRI)."""
    return to_count(potri(a[-1]), _matrices(a), complex_)


def cholesky_solve(a: Shape, out: Shape, complex_: bool) -> Count:
    """cholesky_solve with factor (*, n, n): POTRS(n, c), c = numel(out)/n right-hand sides in all."""
    n = a[-1]
    return to_count(potrs(n, _columns(n, out)), 1, complex_)


def lu_factor(a: Shape, complex_: bool) -> Count:
    """linalg.lu, lu_factor(_ex), torch.lu of (*, m, n): GETRF(m, n) per matrix."""
    return to_count(getrf(a[-2], a[-1]), _matrices(a), complex_)


def lu_solve(lu: Shape, out: Shape, complex_: bool) -> Count:
    """linalg.lu_solve with LU (*, n, n): GETRS(n, c), c = numel(out)/n right-hand sides in all."""
    n = lu[-1]
    return to_count(getrs(n, _columns(n, out)), 1, complex_)


def solve(a: Shape, out: Shape, complex_: bool) -> Count:
    """linalg.solve(_ex): GETRF(n, n) per matrix of A (not broadcast) + GETRS(n, c), c = numel(out)/n."""
    n = a[-1]
    factor = to_count(getrf(n, n), _matrices(a), complex_)
    return total(factor, to_count(getrs(n, _columns(n, out)), 1, complex_))


def inverse(a: Shape, complex_: bool) -> Count:
    """linalg.inv(_ex) of (*, n, n): GETRF(n, n) + GETRS(n, n) per matrix (torch solves A·X = I)."""
    n = a[-1]
    return to_count(getrf(n, n) + getrs(n, n), _matrices(a), complex_)


def triangular_solve(a: Shape, out: Shape, unit: bool, complex_: bool) -> Count:
    """linalg.solve_triangular, triangular_solve with A (*, n, n): xTRSM(n, c), c = numel(out)/n; no divides if unit."""
    n = a[-1]
    return to_count(trsm(n, _columns(n, out), unit), 1, complex_)


def det(a: Shape, complex_: bool) -> Count:
    """linalg.det of (*, n, n): GETRF(n, n) + n − 1 multiplies (the product of U's diagonal; the sign is free)."""
    n = a[-1]
    if n == 0:
        return Count(0)
    return to_count(getrf(n, n) + kernel_steps(mults=n - 1), _matrices(a), complex_)


def slogdet(a: Shape, complex_: bool) -> Count:
    """linalg.slogdet of (*, n, n): GETRF(n, n) + the sign (n sgn, n − 1 products) + log|det| (n abs, n logs,
    n − 1 adds)."""
    n = a[-1]
    if n == 0:
        return Count(0)
    return to_count(getrf(n, n) + kernel_steps(mults=4 * n - 1, adds=n - 1), _matrices(a), complex_)


def logdet(a: Shape, complex_: bool) -> Count:
    """torch.logdet: slogdet + 2 per matrix (real: sign == −1 and the select; complex: log(sign) and the add)."""
    return total(slogdet(a, complex_), 2 * _matrices(a))


def qr(a: Shape, q_columns: int, complex_: bool) -> Count:
    """linalg.qr of (*, m, n): GEQRF(m, n) + ORGQR(m, q, min(m, n)) for a Q of q columns (none in mode 'r')."""
    m, n = a[-2], a[-1]
    work = geqrf(m, n)
    if q_columns:
        work = work + orgqr(m, q_columns, min(m, n))
    return to_count(work, _matrices(a), complex_)


def householder_product(a: Shape, k: int, complex_: bool) -> Count:
    """linalg.householder_product, orgqr of (*, m, n) with k reflectors: ORGQR(m, n, k) per matrix."""
    return to_count(orgqr(a[-2], a[-1], k), _matrices(a), complex_)


def householder_multiply(c: Shape, k: int, left: bool, complex_: bool) -> Count:
    """ormqr: Q of k reflectors times C (*, m, n), from the left or the right: ORMQR(m, n, k) per matrix."""
    return to_count(ormqr(c[-2], c[-1], k, left), _matrices(c), complex_)


def svd(a: Shape, vectors: bool, full: bool, complex_: bool) -> Count:
    """linalg.svd, svdvals, torch.svd of (*, m, n): GVL Fig. 8.6.1, the cheaper of Golub–Reinsch and R-SVD."""
    return to_count(svd_estimate(a[-2], a[-1], vectors, full), _matrices(a), complex_)


def eigh(a: Shape, vectors: bool, complex_: bool) -> Count:
    """linalg.eigh, eigvalsh of (*, n, n): GVL §8.3, 9n³ with the eigenvectors, 4n³/3 without."""
    return to_count(eigh_estimate(a[-1], vectors), _matrices(a), complex_)


def eig(a: Shape, vectors: bool, complex_: bool) -> Count:
    """linalg.eig, eigvals of (*, n, n): GVL §7.5.6, 25n³ + 4n³/3 with the eigenvectors, 10n³ without."""
    return to_count(eig_estimate(a[-1], vectors), _matrices(a), complex_)


def matrix_exp(a: Shape, complex_: bool) -> Count:
    """linalg.matrix_exp of (*, n, n): torch's degree-18 Taylor (Bader–Blanes–Casas): 10n³ + 46n² − 1 real; n = 1: exp.

    The 1-norm (n² abs, n² − 1 adds and compares), the scaling (n² divides), A², A³, A⁶ (3 products),
    5 linear combinations of 5 matrices (25n² mults, 20n² adds), 2 more products and 3 matrix additions.
    The squarings (⌈log2(‖A‖₁/θ₁₈)⌉ products) and the cheaper degrees torch picks for small norms depend on
    values and are not counted.
    """
    n = a[-1]
    if n <= 1:
        return to_count(kernel_steps(mults=n), _matrices(a), complex_)
    norm = kernel_steps(mults=n * n, adds=n * n - 1)
    work = norm + kernel_steps(mults=n * n) + product(n, n, n) + product(n, n, n) + product(n, n, n)
    work = work + kernel_steps(mults=25 * n * n, adds=20 * n * n) + product(n, n, n) + product(n, n, n)
    return to_count(work + kernel_steps(adds=3 * n * n), _matrices(a), complex_)


def lstsq(a: Shape, b: Shape, svd_driver: bool, complex_: bool) -> Count:
    """linalg.lstsq of A (*, m, n), B (*, m, r) or (*, m): QR (gels, gelsy) or SVD (gelsd, gelss) per broadcast matrix.

    QR, m ≥ n: GEQRF(m, n) + ORMQR(m, r, n, left) + TRSM(n, r); m < n: the QR of Aᴴ, GEQRF(n, m) + TRSM(m, r) +
    ORMQR(n, r, m, left). SVD: thin SVD + Uᴴ·B (k × m × r) + r·k divides + V·(·) (n × k × r), k = min(m, n).
    """
    m, n = a[-2], a[-1]
    vector = len(b) == 1 or len(b) == len(a) - 1
    r = 1 if vector else b[-1]
    matrices = math.prod(broadcast_sizes(a[:-2], b[:-1] if vector else b[:-2]))
    if m == 0 or n == 0 or r == 0:
        return Count(0)
    k = min(m, n)
    if svd_driver:
        work = svd_estimate(m, n, True, False) + product(k, r, m) + kernel_steps(mults=k * r) + product(n, r, k)
    elif m >= n:
        work = geqrf(m, n) + ormqr(m, r, n, True) + trsm(n, r)
    else:
        work = geqrf(n, m) + trsm(m, r) + ormqr(n, r, m, True)
    return to_count(work, matrices, complex_)


def pinv(a: Shape, hermitian: bool, complex_: bool) -> Count:
    """linalg.pinv of (*, m, n), k = min(m, n): thin SVD (hermitian: eigh + k abs + k − 1 max) + the tolerance (2)
    + k compares and reciprocals + n·k scalings + the product (n × k)(k × m)."""
    m, n = a[-2], a[-1]
    if m == 0 or n == 0:
        return Count(0)
    k = min(m, n)
    work = eigh_estimate(n, True) + kernel_steps(mults=n, adds=n - 1) if hermitian else svd_estimate(m, n, True, False)
    work = work + kernel_steps(mults=1 + k + n * k, adds=1 + k) + product(n, m, k)
    return to_count(work, _matrices(a), complex_)


def ldl_factor(a: Shape, complex_: bool) -> Count:
    """linalg.ldl_factor(_ex) of (*, n, n): SYTRF(n) per matrix."""
    return to_count(sytrf(a[-1]), _matrices(a), complex_)


def ldl_solve(ld: Shape, out: Shape, complex_: bool) -> Count:
    """linalg.ldl_solve with LD (*, n, n): SYTRS(n, c), c = numel(out)/n right-hand sides in all."""
    n = ld[-1]
    return to_count(sytrs(n, _columns(n, out)), 1, complex_)


def polar(a: Shape, complex_: bool) -> Count:
    """linalg.polar of (*, m, n), m ≥ n (cpu: SVD-based): thin SVD + U = W·Vᴴ (m × n × n) + H = V·(Σ·Vᴴ)
    (n² + n × n × n)."""
    m, n = a[-2], a[-1]
    if m == 0 or n == 0:
        return Count(0)
    work = svd_estimate(m, n, True, False) + product(m, n, n) + kernel_steps(mults=n * n) + product(n, n, n)
    return to_count(work, _matrices(a), complex_)


def matrix_sqrth(a: Shape, complex_: bool) -> Count:
    """linalg.matrix_sqrth of (*, n, n): eigh with vectors + n clamps, n roots + Q·diag(√λ) (n²) + (·)·Qᴴ (order n)."""
    n = a[-1]
    if n == 0:
        return Count(0)
    work = eigh_estimate(n, True) + kernel_steps(mults=n + n * n, adds=n) + product(n, n, n)
    return to_count(work, _matrices(a), complex_)


def tensorinv(a: Shape, ind: int, complex_: bool) -> Count:
    """linalg.tensorinv: the inverse of the (prod(shape[:ind]) × prod(shape[ind:])) matrix it reshapes to."""
    n = math.prod(a[:ind])
    return inverse((n, n), complex_)


def tensorsolve(b: Shape, complex_: bool) -> Count:
    """linalg.tensorsolve: a solve of order n = numel(B) with one right-hand side."""
    n = math.prod(b)
    return solve((n, n), (n,), complex_)


def matrix_power(a: Shape, k: int, complex_: bool) -> Count:
    """linalg.matrix_power(A, k): [k < 0: inverse] + (bit_length(|k|) − 1 + popcount(|k|) − 1) products,
    each (2n − 1)·numel(A)."""
    power = abs(k)
    products = power.bit_length() - 1 + bin(power).count("1") - 1 if power > 1 else 0
    each = contraction(math.prod(a), a[-1])
    parts = [inverse(a, complex_)] if k < 0 else []
    return total(*parts, *([each] * products))


def matrix_rank(a: Shape, ranks: int, hermitian: bool, vectors: bool, complex_: bool, atol_elements: int = 0) -> Count:
    """linalg.matrix_rank, k = min(m, n), R = numel(out) = ``ranks``: SVD values (hermitian: eigh + R·k abs + R·(k − 1)
    max) + R (rtol·σmax) + R (max with atol) + R·k compares + R·(k − 1) adds (the count); a tensor ``atol`` without
    ``rtol`` adds 2 per element of it (torch's rtol = where(atol > 0, 0, eps·max(m, n)))."""
    k = min(a[-2], a[-1])
    if k == 0:
        return Count(0)  # torch answers an empty matrix without computing
    if hermitian:
        decomposition = total(eigh(a, vectors, complex_), ranks * k, reduction("amax", ranks * k, ranks))
    else:
        decomposition = svd(a, vectors, False, complex_)
    return total(decomposition, 2 * ranks, ranks * k, reduction("sum_to_size", ranks * k, ranks), 2 * atol_elements)


def cond(a: Shape, p: object, vectors: bool, complex_: bool) -> Count | None:
    """linalg.cond of (*, n, n), R = matrices: p None, ±2: SVD values + R divides; 'nuc': SVD values + R·n reciprocals
    + 2 sums + R; 'fro', ±1, ±∞: the inverse + R (info > 0) + n²·R (masked_fill) + the two matrix norms + 2R."""
    r = _matrices(a)
    n = a[-1]
    if min(a[-2], n) == 0:
        return Count(0)  # torch answers an empty matrix without computing
    if p is None or p in (2, -2):
        return total(svd(a, vectors, False, complex_), r)
    if p == "nuc":
        return total(svd(a, vectors, False, complex_), r * n, 2 * reduction("sum_to_size", r * n, r), r)
    elements = r * n * n
    if p == "fro":
        norm = vector_norm(2, elements, r)
    elif p in (1, -1, math.inf, -math.inf):
        norm = vector_norm(1, elements, r * n) + reduction("amax", r * n, r)
    else:
        return None
    return total(inverse(a, complex_), r, POINTWISE_COSTS["masked_fill"] * elements, 2 * norm, 2 * r)


def cross(n: int) -> int:
    """linalg.cross: ``POINTWISE_COSTS['cross']`` (two multiplies and a subtract) per output element, as torch.cross."""
    return POINTWISE_COSTS["cross"] * n


def vander(rows: int, columns: int) -> int:
    """linalg.vander, torch.vander: rows·(N − 2) multiplies (the cumulative product x, x², … x^(N−1))."""
    return rows * at_least(columns - 2, 0)
