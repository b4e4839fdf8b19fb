"""Linear algebra: factorizations, solves, inverses and decompositions, per matrix times the batch.

Sources, per formula (``docs/conventions.md``, *Linear algebra*, names each):

- **LAWN 41**: LAPACK Working Note 41 (Blackford & Dongarra, *Installation Guide for LAPACK*), the
  appendix's operation counts of the LAPACK routines, as multiplications and additions: xPOTRF, xPOTRS,
  xPOTRI, xGETRF, xGETRS, xTRSM/xTRTRS, xGEQRF, xORGQR/xUNGQR, xORMQR/xUNMQR, xSYTRF, xSYTRS. Divisions,
  square roots and reciprocals count with the multiplications, as LAWN 41 counts them.
- **GVL**: Golub & Van Loan, *Matrix Computations* (4th ed.), for the iterative decompositions LAWN 41
  has no closed count for: the SVD (Fig. 8.6.1: Golub–Reinsch and R-SVD), the symmetric QR algorithm
  (§8.3) and the unsymmetric (Francis) QR algorithm (§7.5). GVL gives FLOPs only; they are split half
  multiplications, half additions.
- **torch**: the arithmetic torch's own kernel does around the LAPACK calls (the product of a
  determinant's diagonal, the Taylor polynomial of ``matrix_exp``, the products of ``pinv``), counted
  from its algorithm as any other op of the convention.

**Exact integers.** Each formula is evaluated in exact rationals for one matrix and rounded once to the
nearest integer (halves up), then multiplied by the number of matrices; every LAWN 41 count used here
is an integer already (they count real operations), so only the GVL estimates (``4n³/3``) round.
A routine's multiplications and additions are each clamped at 0 (LAWN 41's low-order constants make
some counts negative for tiny sizes) and an empty matrix (a size 0) costs 0.

**Complex inputs** follow LAWN 41's convention: a complex multiplication is 6 real FLOPs and a complex
addition 2, so ``flops = 6·mults + 2·adds`` (a GVL estimate: ×4). **MACs** are the multiplications,
in elements of the input's type (a complex multiply-accumulate is one MAC, as a complex ``mm`` has
K·N): a matrix product's K·N, LAWN 41's multiplication count, half a GVL estimate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..rules import Count
from . import POINTWISE_COSTS, contraction, reduction, total, vector_norm

__all__ = [
    "Work", "cholesky", "cholesky_inverse", "cholesky_solve", "cond", "cross", "det", "eig", "eigh", "geqrf",
    "getrf", "getrs", "householder_multiply", "householder_product", "inverse", "ldl_factor", "ldl_solve", "logdet",
    "lstsq", "lu_factor", "lu_solve", "matrix_exp", "matrix_power", "matrix_rank", "matrix_sqrth", "orgqr", "ormqr",
    "pinv", "polar", "potrf", "potri", "potrs", "product", "qr", "slogdet", "solve", "svd", "sytrf", "sytrs",
    "tensorinv", "tensorsolve", "to_count", "triangular_solve", "trsm", "vander",
]  # fmt: skip

Shape = Sequence[int]


@dataclass(frozen=True, slots=True)
class Work:
    """The arithmetic of one matrix's routine: ``mults`` (with divides, roots) and ``adds`` (with compares)."""

    mults: Fraction = Fraction(0)
    adds: Fraction = Fraction(0)

    def __add__(self, other: Work) -> Work:
        return Work(self.mults + other.mults, self.adds + other.adds)


def _lawn(mults: Fraction | int, adds: Fraction | int) -> Work:
    """A LAWN 41 row: its multiplications and additions, each clamped at 0."""
    return Work(max(Fraction(mults), Fraction(0)), max(Fraction(adds), Fraction(0)))


def _gvl(flops: Fraction | int) -> Work:
    """A GVL estimate of ``flops``: half multiplications, half additions."""
    half = max(Fraction(flops), Fraction(0)) / 2
    return Work(half, half)


def _round(value: Fraction) -> int:
    """The nearest integer, halves up (values here are never negative)."""
    return math.floor(value + Fraction(1, 2))


def to_count(work: Work, matrices: int = 1, complex_: bool = False) -> Count:
    """``matrices`` × ``work``: FLOPs mults + adds (complex 6·mults + 2·adds), MACs mults, rounded per matrix."""
    weight_m, weight_a = (6, 2) if complex_ else (1, 1)
    flops = _round(weight_m * work.mults + weight_a * work.adds)
    return Count(flops=flops * matrices, macs=_round(work.mults) * matrices)


# ------------------------------------------------------------------------------------------------
# LAWN 41 rows (one matrix)
# ------------------------------------------------------------------------------------------------


def potrf(n: int) -> Work:
    """xPOTRF (Cholesky, LAWN 41): mults n³/6 + n²/2 + n/3, adds n³/6 − n/6 (total n³/3 + n²/2 + n/6)."""
    f = Fraction(n)
    return _lawn(f**3 / 6 + f**2 / 2 + f / 3, f**3 / 6 - f / 6)


def potrs(n: int, nrhs: int) -> Work:
    """xPOTRS (LAWN 41): mults nrhs·n(n + 1), adds nrhs·n(n − 1) (two triangular solves)."""
    return _lawn(nrhs * n * (n + 1), nrhs * n * (n - 1))


def potri(n: int) -> Work:
    """xPOTRI (LAWN 41): mults n³/3 + n² + 2n/3, adds n³/3 − n²/2 + n/6 (total 2n³/3 + n²/2 + 5n/6)."""
    f = Fraction(n)
    return _lawn(f**3 / 3 + f**2 + 2 * f / 3, f**3 / 3 - f**2 / 2 + f / 6)


def getrf(m: int, n: int) -> Work:
    """xGETRF (LU of m × n, LAWN 41), k = min(m, n), l = max(m, n): mults lk²/2 − k³/6 + lk/2 − k²/2 + 2k/3,
    adds lk²/2 − k³/6 − lk/2 + k/6."""
    if m == 0 or n == 0:
        return Work()
    k, big = Fraction(min(m, n)), Fraction(max(m, n))
    return _lawn(
        big * k**2 / 2 - k**3 / 6 + big * k / 2 - k**2 / 2 + 2 * k / 3,
        big * k**2 / 2 - k**3 / 6 - big * k / 2 + k / 6,
    )


def getrs(n: int, nrhs: int) -> Work:
    """xGETRS (LAWN 41): mults nrhs·n², adds nrhs·n(n − 1) (a unit lower and an upper triangular solve)."""
    return _lawn(nrhs * n * n, nrhs * n * (n - 1))


def trsm(n: int, nrhs: int, unit: bool = False) -> Work:
    """xTRSM/xTRTRS (LAWN 41), order n: mults nrhs·n(n + 1)/2 (unit diagonal: nrhs·n(n − 1)/2), adds nrhs·n(n − 1)/2."""
    diagonal = 0 if unit else n  # the n divisions by the diagonal, none when it is 1
    return _lawn(Fraction(nrhs * (n * (n - 1) + 2 * diagonal), 2), Fraction(nrhs * n * (n - 1), 2))


def geqrf(m: int, n: int) -> Work:
    """xGEQRF (Householder QR of m × n, LAWN 41), m ≥ n: mults mn² − n³/3 + mn + n²/2 + 23n/6,
    adds mn² − n³/3 + n²/2 + 5n/6; m < n: mults nm² − m³/3 + 2nm − m²/2 + 23m/6, adds nm² − m³/3 + nm − m²/2 + 5m/6."""
    if m == 0 or n == 0:
        return Work()
    fm, fn = Fraction(m), Fraction(n)
    if m >= n:
        return _lawn(
            fm * fn**2 - fn**3 / 3 + fm * fn + fn**2 / 2 + 23 * fn / 6, fm * fn**2 - fn**3 / 3 + fn**2 / 2 + 5 * fn / 6
        )
    return _lawn(
        fn * fm**2 - fm**3 / 3 + 2 * fn * fm - fm**2 / 2 + 23 * fm / 6,
        fn * fm**2 - fm**3 / 3 + fn * fm - fm**2 / 2 + 5 * fm / 6,
    )


def orgqr(m: int, n: int, k: int) -> Work:
    """xORGQR/xUNGQR (m × n Q from k reflectors, LAWN 41): mults 2mnk − (m + n)k² + 2k³/3 + 2nk − k² − 5k/3,
    adds 2mnk − (m + n)k² + 2k³/3 + nk − mk + k/3."""
    if m == 0 or n == 0:
        return Work()
    fm, fn, fk = Fraction(m), Fraction(n), Fraction(k)
    common = 2 * fm * fn * fk - (fm + fn) * fk**2 + 2 * fk**3 / 3
    return _lawn(common + 2 * fn * fk - fk**2 - 5 * fk / 3, common + fn * fk - fm * fk + fk / 3)


def ormqr(m: int, n: int, k: int, left: bool) -> Work:
    """xORMQR/xUNMQR (Q of k reflectors times m × n C, LAWN 41), left: mults 2nmk − nk² + 2nk, adds 2nmk − nk² + nk;
    right: mults 2nmk − mk² + mk + nk − k²/2 + k/2, adds 2nmk − mk² + mk."""
    if m == 0 or n == 0 or k == 0:
        return Work()
    fm, fn, fk = Fraction(m), Fraction(n), Fraction(k)
    if left:
        return _lawn(2 * fn * fm * fk - fn * fk**2 + 2 * fn * fk, 2 * fn * fm * fk - fn * fk**2 + fn * fk)
    return _lawn(
        2 * fn * fm * fk - fm * fk**2 + fm * fk + fn * fk - fk**2 / 2 + fk / 2, 2 * fn * fm * fk - fm * fk**2 + fm * fk
    )


def sytrf(n: int) -> Work:
    """xSYTRF (Bunch–Kaufman LDLᵀ, LAWN 41): mults n³/6 + n²/2 + 10n/3, adds n³/6 − n/6."""
    if n == 0:
        return Work()
    f = Fraction(n)
    return _lawn(f**3 / 6 + f**2 / 2 + 10 * f / 3, f**3 / 6 - f / 6)


def sytrs(n: int, nrhs: int) -> Work:
    """xSYTRS (LAWN 41): mults nrhs·n(n + 1), adds nrhs·n(n − 1)."""
    return _lawn(nrhs * n * (n + 1), nrhs * n * (n - 1))


def product(m: int, n: int, k: int) -> Work:
    """A matrix product (m × k)(k × n) inside a kernel: mults mnk, adds mn(k − 1) (the convention's (2k − 1)·mn)."""
    if k == 0:
        return Work()
    return _lawn(m * n * k, m * n * (k - 1))


def _elementwise(mults: int = 0, adds: int = 0) -> Work:
    """Element-wise steps in a kernel: ``mults`` multiplies, divides, roots, logs, abs; ``adds`` adds, compares."""
    return _lawn(mults, adds)


# ------------------------------------------------------------------------------------------------
# GVL estimates (one matrix)
# ------------------------------------------------------------------------------------------------


def _svd_estimate(m: int, n: int, vectors: bool, full: bool) -> Work:
    """GVL Fig. 8.6.1 (m ≥ n, else transposed): the cheaper of Golub–Reinsch and R-SVD.
    Σ: 4mn² − 4n³/3 | 2mn² + 2n³; Σ, U1, V: 14mn² + 8n³ | 6mn² + 11n³; Σ, U, V: 4m²n + 8mn² + 9n³ | 4m²n + 22n³."""
    if m == 0 or n == 0:
        return Work()
    big, k = (Fraction(max(m, n)), Fraction(min(m, n)))
    if not vectors:
        flops = min(4 * big * k**2 - 4 * k**3 / 3, 2 * big * k**2 + 2 * k**3)
    elif full and m != n:
        flops = min(4 * big**2 * k + 8 * big * k**2 + 9 * k**3, 4 * big**2 * k + 22 * k**3)
    else:
        flops = min(14 * big * k**2 + 8 * k**3, 6 * big * k**2 + 11 * k**3)
    return _gvl(flops)


def _eigh_estimate(n: int, vectors: bool) -> Work:
    """GVL §8.3 (symmetric QR algorithm): eigenvalues 4n³/3, with the eigenvectors 9n³."""
    f = Fraction(n)
    return _gvl(9 * f**3 if vectors else 4 * f**3 / 3)


def _eig_estimate(n: int, vectors: bool) -> Work:
    """GVL §7.5.6 (Francis QR): eigenvalues 10n³; with Q and T 25n³, + n³/3 (eigenvectors of T) + n³ (times Q)."""
    f = Fraction(n)
    return _gvl(25 * f**3 + f**3 / 3 + f**3 if vectors else 10 * f**3)


# ------------------------------------------------------------------------------------------------
# The ops: shapes in, Count out (batch = the leading dims)
# ------------------------------------------------------------------------------------------------


def _matrices(shape: Shape) -> int:
    """Matrices in a batch of shape ``(*, m, n)``."""
    return math.prod(shape[:-2])


def _columns(n: int, out: Shape) -> int:
    """Right-hand sides solved in all, for an output of shape ``out`` of order-n solves."""
    return math.prod(out) // n if n else 0


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
    return to_count(getrf(n, n) + _elementwise(mults=n - 1), _matrices(a), complex_)


def slogdet(a: Shape, complex_: bool) -> Count:
    """linalg.slogdet of (*, n, n): GETRF(n, n) + the sign (n sgn, n − 1 products) + log|det| (n abs, n logs,
    n − 1 adds)."""
    n = a[-1]
    if n == 0:
        return Count(0)
    return to_count(getrf(n, n) + _elementwise(mults=4 * n - 1, adds=n - 1), _matrices(a), complex_)


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
    return to_count(_svd_estimate(a[-2], a[-1], vectors, full), _matrices(a), complex_)


def eigh(a: Shape, vectors: bool, complex_: bool) -> Count:
    """linalg.eigh, eigvalsh of (*, n, n): GVL §8.3, 9n³ with the eigenvectors, 4n³/3 without."""
    return to_count(_eigh_estimate(a[-1], vectors), _matrices(a), complex_)


def eig(a: Shape, vectors: bool, complex_: bool) -> Count:
    """linalg.eig, eigvals of (*, n, n): GVL §7.5.6, 25n³ + 4n³/3 with the eigenvectors, 10n³ without."""
    return to_count(_eig_estimate(a[-1], vectors), _matrices(a), complex_)


def matrix_exp(a: Shape, complex_: bool) -> Count:
    """linalg.matrix_exp of (*, n, n): torch's degree-18 Taylor (Bader–Blanes–Casas): 10n³ + 46n² − 1 real; n = 1: exp.

    The 1-norm (n² abs, n² − 1 adds and compares), the scaling (n² divides), A², A³, A⁶ (3 products),
    5 linear combinations of 5 matrices (25n² mults, 20n² adds), 2 more products and 3 matrix additions.
    The squarings (⌈log2(‖A‖₁/θ₁₈)⌉ products) and the cheaper degrees torch picks for small norms depend on
    values and are not counted.
    """
    n = a[-1]
    if n <= 1:
        return to_count(_elementwise(mults=n), _matrices(a), complex_)
    norm = _elementwise(mults=n * n, adds=n * n - 1)
    work = norm + _elementwise(mults=n * n) + product(n, n, n) + product(n, n, n) + product(n, n, n)
    work = work + _elementwise(mults=25 * n * n, adds=20 * n * n) + product(n, n, n) + product(n, n, n)
    return to_count(work + _elementwise(adds=3 * n * n), _matrices(a), complex_)


def lstsq(a: Shape, b: Shape, svd_driver: bool, complex_: bool) -> Count:
    """linalg.lstsq of A (*, m, n), B (*, m, r) or (*, m): QR (gels, gelsy) or SVD (gelsd, gelss) per broadcast matrix.

    QR, m ≥ n: GEQRF(m, n) + ORMQR(m, r, n, left) + TRSM(n, r); m < n: the QR of Aᴴ, GEQRF(n, m) + TRSM(m, r) +
    ORMQR(n, r, m, left). SVD: thin SVD + Uᴴ·B (k × m × r) + r·k divides + V·(·) (n × k × r), k = min(m, n).
    """
    m, n = a[-2], a[-1]
    vector = len(b) == 1 or len(b) == len(a) - 1
    r = 1 if vector else b[-1]
    matrices = math.prod(_broadcast(a[:-2], b[:-1] if vector else b[:-2]))
    if m == 0 or n == 0 or r == 0:
        return Count(0)
    k = min(m, n)
    if svd_driver:
        work = _svd_estimate(m, n, True, False) + product(k, r, m) + _elementwise(mults=k * r) + product(n, r, k)
    elif m >= n:
        work = geqrf(m, n) + ormqr(m, r, n, True) + trsm(n, r)
    else:
        work = geqrf(n, m) + trsm(m, r) + ormqr(n, r, m, True)
    return to_count(work, matrices, complex_)


def _broadcast(first: Shape, second: Shape) -> list[int]:
    """The broadcast of two batch shapes."""
    size = max(len(first), len(second))
    a = [1] * (size - len(first)) + list(first)
    b = [1] * (size - len(second)) + list(second)
    return [y if x == 1 else x for x, y in zip(a, b, strict=True)]


def pinv(a: Shape, hermitian: bool, complex_: bool) -> Count:
    """linalg.pinv of (*, m, n), k = min(m, n): thin SVD (hermitian: eigh + k abs + k − 1 max) + the tolerance (2)
    + k compares and reciprocals + n·k scalings + the product (n × k)(k × m)."""
    m, n = a[-2], a[-1]
    if m == 0 or n == 0:
        return Count(0)
    k = min(m, n)
    if hermitian:
        work = _eigh_estimate(n, True) + _elementwise(mults=n, adds=n - 1)
    else:
        work = _svd_estimate(m, n, True, False)
    work = work + _elementwise(mults=1 + k + n * k, adds=1 + k) + product(n, m, k)
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
    work = _svd_estimate(m, n, True, False) + product(m, n, n) + _elementwise(mults=n * n) + product(n, n, n)
    return to_count(work, _matrices(a), complex_)


def matrix_sqrth(a: Shape, complex_: bool) -> Count:
    """linalg.matrix_sqrth of (*, n, n): eigh with vectors + n clamps, n roots + Q·diag(√λ) (n²) + (·)·Qᴴ (order n)."""
    n = a[-1]
    if n == 0:
        return Count(0)
    work = _eigh_estimate(n, True) + _elementwise(mults=n + n * n, adds=n) + product(n, n, n)
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
    return rows * max(columns - 2, 0)
