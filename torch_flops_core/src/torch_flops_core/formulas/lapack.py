"""The arithmetic of one matrix's routine: LAPACK's factorizations and solves (LAWN 41), the iterative
decompositions (GVL), and their conversion to a Count (:func:`to_count`). The ops of ``torch.linalg``
(:mod:`.linalg`) sum these per matrix, times the batch.

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
from dataclasses import dataclass
from fractions import Fraction

from ..rules import Count

__all__ = [
    "Work", "eig_estimate", "eigh_estimate", "geqrf", "getrf", "getrs", "kernel_steps", "orgqr", "ormqr", "potrf",
    "potri", "potrs", "product", "svd_estimate", "sytrf", "sytrs", "to_count", "trsm",
]  # fmt: skip


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


def kernel_steps(mults: int = 0, adds: int = 0) -> Work:
    """Element-wise steps in a kernel: ``mults`` multiplies, divides, roots, logs, abs; ``adds`` adds, compares."""
    return _lawn(mults, adds)


# ------------------------------------------------------------------------------------------------
# GVL estimates (one matrix)
# ------------------------------------------------------------------------------------------------


def svd_estimate(m: int, n: int, vectors: bool, full: bool) -> Work:
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


def eigh_estimate(n: int, vectors: bool) -> Work:
    """GVL §8.3 (symmetric QR algorithm): eigenvalues 4n³/3, with the eigenvectors 9n³."""
    f = Fraction(n)
    return _gvl(9 * f**3 if vectors else 4 * f**3 / 3)


def eig_estimate(n: int, vectors: bool) -> Work:
    """GVL §7.5.6 (Francis QR): eigenvalues 10n³; with Q and T 25n³, + n³/3 (eigenvectors of T) + n³ (times Q)."""
    f = Fraction(n)
    return _gvl(25 * f**3 + f**3 / 3 + f**3 if vectors else 10 * f**3)
