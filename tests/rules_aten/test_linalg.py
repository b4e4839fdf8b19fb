"""Linear algebra at the function level (functional pack) and the aten level (aten pack).

Every expected value is written out from its published formula (docs/conventions.md, *Linear algebra*):

- LAWN 41: LAPACK Working Note 41 (Blackford & Dongarra, Installation Guide for LAPACK), the appendix's
  operation counts, multiplications (M) and additions (A) per routine; FLOPs = M + A, MACs = M; complex:
  6·M + 2·A.
- GVL: Golub & Van Loan, Matrix Computations, 4th ed.: the SVD (Fig. 8.6.1), the symmetric QR algorithm
  (§8.3), the Francis QR algorithm (§7.5.6); FLOPs as published, MACs half of them; complex ×4.
- torch's own kernels for the arithmetic around the LAPACK calls (a determinant's diagonal product ...).

Each count is rounded once per matrix (halves up) and multiplied by the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from torch_flops_core import FlopsResult, count_flops

pytestmark = pytest.mark.filterwarnings(r"ignore:torch\.(lu|lu_solve|triangular_solve) is deprecated:UserWarning")

torch.manual_seed(0)
F64 = torch.float64


def spd(*shape: int, dtype: torch.dtype = F64) -> torch.Tensor:
    """A batch of symmetric (Hermitian) positive-definite matrices of shape ``shape``."""
    a = torch.randn(*shape, dtype=dtype)
    n = shape[-1]
    return a @ a.mH + n * torch.eye(n, dtype=dtype)


def general(*shape: int, dtype: torch.dtype = F64) -> torch.Tensor:
    """A batch of well-conditioned general matrices (diagonally dominant when square)."""
    a = torch.randn(*shape, dtype=dtype)
    if shape[-1] == shape[-2]:
        a = a + shape[-1] * torch.eye(shape[-1], dtype=dtype)
    return a


A4 = general(4, 4)
S4 = spd(4, 4)
L4 = torch.linalg.cholesky(S4)
B42 = torch.randn(4, 2, dtype=F64)
R53 = torch.randn(5, 3, dtype=F64)
C52 = torch.randn(5, 2, dtype=F64)
LU4, PIV4 = torch.linalg.lu_factor(A4)
LD4, LPIV4 = torch.linalg.ldl_factor(S4)
QR53, TAU3 = torch.geqrf(R53)


def counted(fn: Callable[..., Any], *inputs: Any, engine: Any = "eager") -> FlopsResult:
    result = count_flops(fn, *inputs, engine=engine)
    assert result.unrecognized == [], [r.target_name for r in result.unrecognized]
    return result


# ------------------------------------------------------------------------------------------------
# Hand-computed counts, one per formula (default engine; the aten engine agrees, below)
# ------------------------------------------------------------------------------------------------

# GETRF(4, 4), LAWN 41 xGETRF (m = n = 4): M = n³/3 + 2n/3 = 64/3 + 8/3 = 24;
# A = n³/3 − n²/2 + n/6 = 64/3 − 8 + 2/3 = 14
GETRF4 = (24 + 14, 24)
# GETRS(4, nrhs), LAWN 41 xGETRS: M = nrhs·n² = 16·nrhs, A = nrhs·n(n − 1) = 12·nrhs
GETRS4_2 = (2 * 16 + 2 * 12, 2 * 16)
GETRS4_4 = (4 * 16 + 4 * 12, 4 * 16)
# GEQRF(5, 3), LAWN 41 xGEQRF (m ≥ n): M = mn² − n³/3 + mn + n²/2 + 23n/6 = 45 − 9 + 15 + 4.5 + 11.5 = 67;
# A = mn² − n³/3 + n²/2 + 5n/6 = 45 − 9 + 4.5 + 2.5 = 43
GEQRF53 = (67 + 43, 67)
# ORGQR(5, 3, 3), LAWN 41 xORGQR: M = 2mnk − (m + n)k² + 2k³/3 + 2nk − k² − 5k/3 = 90 − 72 + 18 + 18 − 9 − 5 = 40;
# A = 2mnk − (m + n)k² + 2k³/3 + nk − mk + k/3 = 90 − 72 + 18 + 9 − 15 + 1 = 31
ORGQR533 = (40 + 31, 40)
# ORGQR(5, 5, 3): M = 150 − 90 + 18 + 30 − 9 − 5 = 94; A = 150 − 90 + 18 + 15 − 15 + 1 = 79
ORGQR553 = (94 + 79, 94)
# SVD of 5 × 3 (GVL Fig. 8.6.1, m = 5, n = 3, the cheaper of Golub–Reinsch | R-SVD):
SVD53_VALUES = min(4 * 5 * 9 - 4 * 27 // 3, 2 * 5 * 9 + 2 * 27)  # Σ: min(144, 144) = 144
SVD53_THIN = min(14 * 5 * 9 + 8 * 27, 6 * 5 * 9 + 11 * 27)  # Σ, U1, V: min(846, 567) = 567
SVD53_FULL = min(4 * 25 * 3 + 8 * 5 * 9 + 9 * 27, 4 * 25 * 3 + 22 * 27)  # Σ, U, V: min(903, 894) = 894

HAND: list[Any] = [
    # LAWN 41 xPOTRF, n = 4: M = n³/6 + n²/2 + n/3 = 64/6 + 8 + 4/3 = 20; A = n³/6 − n/6 = 10;
    # total n³/3 + n²/2 + n/6 = 64/3 + 8 + 4/6 = 30
    pytest.param(torch.linalg.cholesky, (S4,), 30, 20, id="cholesky"),
    pytest.param(torch.linalg.cholesky_ex, (S4,), 30, 20, id="cholesky_ex"),
    # LAWN 41 xPOTRI, n = 4: M = n³/3 + n² + 2n/3 = 64/3 + 16 + 8/3 = 40; A = n³/3 − n²/2 + n/6 = 64/3 − 8 + 2/3 = 14
    pytest.param(torch.cholesky_inverse, (L4,), 54, 40, id="cholesky_inverse"),
    # LAWN 41 xPOTRS, n = 4, nrhs = 2: M = nrhs·n(n + 1) = 40; A = nrhs·n(n − 1) = 24
    pytest.param(torch.cholesky_solve, (B42, L4), 64, 40, id="cholesky_solve"),
    # linalg.inv: torch solves A·X = I: xGETRF(4, 4) + xGETRS(4, nrhs = 4)
    pytest.param(torch.linalg.inv, (A4,), GETRF4[0] + GETRS4_4[0], GETRF4[1] + GETRS4_4[1], id="inv"),
    pytest.param(torch.inverse, (A4,), 150, 88, id="torch.inverse"),
    pytest.param(lambda a: a.inverse(), (A4,), 150, 88, id="Tensor.inverse"),
    pytest.param(torch.linalg.inv_ex, (A4,), 150, 88, id="inv_ex"),
    # xGETRF(4, 4) + xGETRS(4, 2)
    pytest.param(torch.linalg.solve, (A4, B42), GETRF4[0] + GETRS4_2[0], GETRF4[1] + GETRS4_2[1], id="solve"),
    pytest.param(torch.linalg.solve_ex, (A4, B42), 94, 56, id="solve_ex"),
    # a vector right-hand side: xGETRS(4, 1): M 16, A 12
    pytest.param(torch.linalg.solve, (A4, B42[:, 0]), 38 + 28, 24 + 16, id="solve-vector"),
    # LAWN 41 xTRSM (side = L), order n = 4, nrhs = 2: M = nrhs·n(n + 1)/2 = 20, A = nrhs·n(n − 1)/2 = 12
    pytest.param(
        lambda a, b: torch.linalg.solve_triangular(a, b, upper=False), (L4, B42), 32, 20, id="solve_triangular"
    ),
    # unit diagonal: no divisions, M = nrhs·n(n − 1)/2 = 12
    pytest.param(
        lambda a, b: torch.linalg.solve_triangular(a, b, upper=False, unitriangular=True),
        (L4, B42),
        24,
        12,
        id="solve_triangular-unit",
    ),
    pytest.param(lambda a, b: torch.triangular_solve(b, a, upper=False), (L4, B42), 32, 20, id="triangular_solve"),
    # LAWN 41 xGETRF, m = 5, n = 3: M = mn²/2 − n³/6 + mn/2 − n²/2 + 2n/3 = 22.5 − 4.5 + 7.5 − 4.5 + 2 = 23;
    # A = mn²/2 − n³/6 − mn/2 + n/6 = 22.5 − 4.5 − 7.5 + 0.5 = 11
    pytest.param(torch.linalg.lu, (R53,), 34, 23, id="lu-5x3"),
    pytest.param(lambda a: torch.linalg.lu(a.mT), (R53,), 34, 23, id="lu-3x5"),
    pytest.param(torch.linalg.lu_factor, (A4,), *GETRF4, id="lu_factor"),
    pytest.param(torch.linalg.lu_factor_ex, (A4,), *GETRF4, id="lu_factor_ex"),
    pytest.param(torch.lu, (A4,), *GETRF4, id="torch.lu"),
    # xGETRS(4, 2)
    pytest.param(lambda lu, b: torch.linalg.lu_solve(lu, PIV4, b), (LU4, B42), *GETRS4_2, id="lu_solve"),
    pytest.param(lambda lu, b: torch.lu_solve(b, lu, PIV4), (LU4, B42), *GETRS4_2, id="torch.lu_solve"),
    # GETRF + the product of U's diagonal (n − 1 = 3 multiplies)
    pytest.param(torch.linalg.det, (A4,), 38 + 3, 24 + 3, id="det"),
    pytest.param(torch.det, (A4,), 41, 27, id="torch.det"),
    # GETRF + sign (n sgn, n − 1 products) + log|det| (n abs, n logs, n − 1 adds): M 4n − 1 = 15, A n − 1 = 3
    pytest.param(torch.linalg.slogdet, (A4,), 38 + 18, 24 + 15, id="slogdet"),
    pytest.param(torch.slogdet, (A4,), 56, 39, id="torch.slogdet"),
    # slogdet + 2 (the sign's test and the select of torch.logdet)
    pytest.param(torch.logdet, (S4,), 58, 39, id="logdet"),
    # xGEQRF(5, 3) + xORGQR(5, 3, 3); complete: xORGQR(5, 5, 3); 'r': xGEQRF only
    pytest.param(torch.linalg.qr, (R53,), GEQRF53[0] + ORGQR533[0], GEQRF53[1] + ORGQR533[1], id="qr"),
    pytest.param(
        lambda a: torch.linalg.qr(a, mode="complete"),
        (R53,),
        GEQRF53[0] + ORGQR553[0],
        GEQRF53[1] + ORGQR553[1],
        id="qr-complete",
    ),
    pytest.param(lambda a: torch.linalg.qr(a, mode="r"), (R53,), *GEQRF53, id="qr-r"),
    pytest.param(torch.geqrf, (R53,), *GEQRF53, id="geqrf"),
    pytest.param(torch.linalg.householder_product, (QR53, TAU3), *ORGQR533, id="householder_product"),
    pytest.param(torch.orgqr, (QR53, TAU3), *ORGQR533, id="orgqr"),
    # LAWN 41 xORMQR side = L, m = 5, n = 2, k = 3: M = 2nmk − nk² + 2nk = 60 − 18 + 12 = 54; A = 60 − 18 + 6 = 48
    pytest.param(lambda q, t, c: torch.ormqr(q, t, c), (QR53, TAU3, C52), 102, 54, id="ormqr-left"),
    # side = R, m = 2, n = 5, k = 3: M = 2nmk − mk² + mk + nk − k²/2 + k/2 = 60 − 18 + 6 + 15 − 4.5 + 1.5 = 60;
    # A = 2nmk − mk² + mk = 60 − 18 + 6 = 48
    pytest.param(lambda q, t, c: torch.ormqr(q, t, c.mT, left=False), (QR53, TAU3, C52), 108, 60, id="ormqr-right"),
    # LAWN 41 xSYTRF, n = 4: M = n³/6 + n²/2 + 10n/3 = 32/3 + 8 + 40/3 = 32; A = n³/6 − n/6 = 10
    pytest.param(torch.linalg.ldl_factor, (S4,), 42, 32, id="ldl_factor"),
    pytest.param(torch.linalg.ldl_factor_ex, (S4,), 42, 32, id="ldl_factor_ex"),
    # LAWN 41 xSYTRS, n = 4, nrhs = 2: M = nrhs·n(n + 1) = 40, A = nrhs·n(n − 1) = 24
    pytest.param(lambda ld, b: torch.linalg.ldl_solve(ld, LPIV4, b), (LD4, B42), 64, 40, id="ldl_solve"),
    # GVL SVD table (MACs: half)
    pytest.param(torch.linalg.svd, (R53,), SVD53_FULL, SVD53_FULL // 2, id="svd-full"),
    pytest.param(lambda a: torch.linalg.svd(a, full_matrices=False), (R53,), SVD53_THIN, 284, id="svd-thin"),
    pytest.param(torch.svd, (R53,), SVD53_THIN, 284, id="torch.svd"),  # some=True: thin; 567/2 rounds up
    pytest.param(torch.linalg.svdvals, (R53,), SVD53_VALUES, SVD53_VALUES // 2, id="svdvals"),
    pytest.param(lambda a: torch.svd(a, compute_uv=False), (R53,), SVD53_VALUES, 72, id="torch.svd-values"),
    # GVL §8.3: eigenvalues 4n³/3 = 256/3 = 85.33 → 85 (MACs 42.67 → 43); with vectors 9n³ = 576
    pytest.param(torch.linalg.eigvalsh, (S4,), 85, 43, id="eigvalsh"),
    pytest.param(torch.linalg.eigh, (S4,), 576, 288, id="eigh"),
    # GVL §7.5.6: eigenvalues 10n³ = 640; with vectors 25n³ + n³/3 + n³ = 1600 + 21.33 + 64 → 1685 (MACs 842.67 → 843)
    pytest.param(torch.linalg.eigvals, (A4,), 640, 320, id="eigvals"),
    pytest.param(torch.linalg.eig, (A4,), 1685, 843, id="eig"),
    # torch's degree-18 Taylor: 10n³ + 46n² − 1 = 640 + 736 − 1; MACs 5n³ + 27n² = 320 + 432
    pytest.param(torch.linalg.matrix_exp, (A4,), 1375, 752, id="matrix_exp"),
    pytest.param(torch.matrix_exp, (A4,), 1375, 752, id="torch.matrix_exp"),
    # QR least squares: xGEQRF(5, 3) + xORMQR(L, 5, 2, 3) + xTRSM(3, 2) (M 2·3·4/2 = 12, A 2·3·2/2 = 6)
    pytest.param(torch.linalg.lstsq, (R53, C52), 110 + 102 + 18, 67 + 54 + 12, id="lstsq"),
    # thin SVD + the tolerance (2) + 3 compares + 3 reciprocals + V·diag (9) + (3 × 3)(3 × 5): M 45, A 30
    pytest.param(torch.linalg.pinv, (R53,), SVD53_THIN + 2 + 3 + 3 + 9 + 75, 284 + 1 + 3 + 9 + 45, id="pinv"),
    pytest.param(torch.pinverse, (R53,), 659, 342, id="pinverse"),
    # eigh (576) + |λ| 4 + max 3 + tolerance 2 + 4 compares + 4 reciprocals + 16 scalings + (4 × 4)(4 × 4): 64 M, 48 A
    pytest.param(
        lambda a: torch.linalg.pinv(a, hermitian=True),
        (S4,),
        576 + 4 + 3 + 2 + 8 + 16 + 112,
        288 + 4 + 1 + 4 + 16 + 64,
        id="pinv-hermitian",
    ),
    # thin SVD + W·Vᴴ (5 × 3 × 3: 45 M, 30 A) + Σ·Vᴴ (9) + V·(Σ·Vᴴ) (3 × 3 × 3: 27 M, 18 A)
    pytest.param(torch.linalg.polar, (R53,), 567 + 75 + 9 + 45, 284 + 45 + 9 + 27, id="polar"),
    # eigh (576) + 4 clamps + 4 roots + 16 scalings + a 4 × 4 × 4 product (64 M, 48 A)
    pytest.param(torch.linalg.matrix_sqrth, (S4,), 576 + 8 + 16 + 112, 288 + 4 + 16 + 64, id="matrix_sqrth"),
    # tensorinv of (4, 2, 2) with ind=1: the inverse of order 4
    pytest.param(lambda a: torch.linalg.tensorinv(a, ind=1), (A4.reshape(4, 2, 2),), 150, 88, id="tensorinv"),
    # tensorsolve: order n = numel(B) = 6, one rhs: xGETRF(6, 6) = 2·216/3 − 36/2 + 5 = 131 (M 216/3 + 4 = 76),
    # xGETRS(6, 1) = 36 + 30 (M 36)
    pytest.param(
        torch.linalg.tensorsolve,
        (general(6, 6).reshape(2, 3, 6), torch.randn(2, 3, dtype=F64)),
        131 + 66,
        76 + 36,
        id="tensorsolve",
    ),
    # k = 5 = 0b101: 2 squarings + 1 product, each (2n − 1)·n² = 112 (MACs 64)
    pytest.param(lambda a: torch.linalg.matrix_power(a, 5), (A4,), 3 * 112, 3 * 64, id="matrix_power-5"),
    # k = −2: the inverse (150) + 1 squaring
    pytest.param(lambda a: torch.matrix_power(a, -2), (A4,), 150 + 112, 88 + 64, id="matrix_power-neg"),
    # Σ of 5 × 3 (144) + rtol·σmax (1) + max with atol (1) + 3 compares + 2 adds
    pytest.param(torch.linalg.matrix_rank, (R53,), 144 + 1 + 1 + 3 + 2, 72, id="matrix_rank"),
    # eigvalsh (85) + 4 abs + 3 max + 2 + 4 compares + 3 adds
    pytest.param(lambda a: torch.linalg.matrix_rank(a, hermitian=True), (S4,), 85 + 7 + 2 + 7, 43, id="matrix_rank-h"),
    # Σ of 4 × 4 (GVL: min(4·64 − 4·64/3, 2·64 + 2·64) = min(170.67, 256) → 171, MACs 85.33 → 85) + 1 divide
    pytest.param(torch.linalg.cond, (A4,), 171 + 1, 85, id="cond-2"),
    # the inverse (150) + info > 0 (1) + masked_fill (16) + two Frobenius norms (2·16 each) + product + nan_to_num (2)
    pytest.param(lambda a: torch.linalg.cond(a, "fro"), (A4,), 150 + 1 + 16 + 64 + 2, 88, id="cond-fro"),
    # the two 1-norms: |·| and column sums 2·16 − 4 each, then a max of 4 (3) each
    pytest.param(lambda a: torch.linalg.cond(a, 1), (A4,), 150 + 1 + 16 + 2 * (28 + 3) + 2, 88, id="cond-1"),
    # Σ (171) + 4 reciprocals + two sums (3 each) + the product
    pytest.param(lambda a: torch.linalg.cond(a, "nuc"), (A4,), 171 + 4 + 6 + 1, 85, id="cond-nuc"),
    # cross: 2 multiplies and a subtract per output element, 5 × 3 outputs
    pytest.param(torch.linalg.cross, (R53, R53.flip(0)), 45, 0, id="linalg.cross"),
    # vander of 4 values, N = 5 columns: x², x³, x⁴, 3 multiplies per value
    pytest.param(lambda x: torch.linalg.vander(x, N=5), (R53[:4, 0],), 12, 0, id="linalg.vander"),
    pytest.param(lambda x: torch.vander(x, N=5), (R53[:4, 0],), 12, 0, id="vander"),
]


@pytest.mark.parametrize(("fn", "inputs", "flops", "macs"), HAND)
def test_hand_computed(fn: Callable[..., Any], inputs: tuple[Any, ...], flops: int, macs: int) -> None:
    result = counted(fn, *inputs)
    assert (result.total, result.total_macs) == (flops, macs)


def test_data_movement_counts_zero() -> None:
    # lu_unpack builds P, L, U by copying (and a permutation): no arithmetic; linalg.diagonal is a view
    assert counted(lambda lu: torch.lu_unpack(lu, PIV4), LU4).total == 0
    assert counted(torch.linalg.diagonal, A4).total == 0
    assert counted(lambda lu: torch.lu_unpack(lu, PIV4), LU4, engine="aten").total == 0


def test_rules_come_from_the_linalg_families() -> None:
    (op,) = [r for r in counted(torch.linalg.solve, A4, B42).ops if r.kind == "call_function"]
    assert (op.plugin, op.rule) == ("functional", "torch_flops_rules_functional.linalg.solve")
    aten = counted(torch.linalg.solve, A4, B42, engine="aten")
    rules = {r.rule for r in aten.ops if r.flops}
    assert rules == {"torch_flops_rules_aten.linalg.solve_ex"}


# ------------------------------------------------------------------------------------------------
# Complex inputs: LAWN 41's 6 FLOPs per multiplication, 2 per addition; MACs unchanged
# ------------------------------------------------------------------------------------------------


def test_complex_lawn_convention() -> None:
    s = spd(4, 4, dtype=torch.complex128)
    # xPOTRF(4): M 20, A 10 → 6·20 + 2·10 = 140
    result = counted(torch.linalg.cholesky, s)
    assert (result.total, result.total_macs) == (140, 20)
    # xGETRF(4) + xGETRS(4, 2): M 24 + 32 = 56, A 14 + 24 = 38 → 6·56 + 2·38 = 412
    a, b = general(4, 4, dtype=torch.complex128), torch.randn(4, 2, dtype=torch.complex128)
    result = counted(torch.linalg.solve, a, b)
    assert (result.total, result.total_macs) == (412, 56)


def test_complex_gvl_estimate_is_four_times() -> None:
    s = spd(4, 4, dtype=torch.complex128)
    # GVL §8.3, 9n³ = 576 real flops: half multiplications (288), half additions → 6·288 + 2·288 = 2304
    result = counted(torch.linalg.eigh, s)
    assert (result.total, result.total_macs) == (4 * 576, 288)


def test_rounding_halves_up_per_matrix() -> None:
    # GVL 9n³ for n = 3: 243 FLOPs, MACs 121.5 → 122; per matrix, times the batch of 2
    s = spd(2, 3, 3)
    result = counted(torch.linalg.eigh, s)
    assert (result.total, result.total_macs) == (2 * 243, 2 * 122)


# ------------------------------------------------------------------------------------------------
# Batches: the count of one matrix times the number of matrices
# ------------------------------------------------------------------------------------------------

BATCHED: list[Any] = [
    pytest.param(torch.linalg.cholesky, lambda *b: (spd(*b, 4, 4),), id="cholesky"),
    pytest.param(torch.linalg.inv, lambda *b: (general(*b, 4, 4),), id="inv"),
    pytest.param(torch.linalg.solve, lambda *b: (general(*b, 4, 4), torch.randn(*b, 4, 2, dtype=F64)), id="solve"),
    pytest.param(torch.linalg.lu_factor, lambda *b: (torch.randn(*b, 5, 3, dtype=F64),), id="lu_factor"),
    pytest.param(torch.linalg.qr, lambda *b: (torch.randn(*b, 5, 3, dtype=F64),), id="qr"),
    pytest.param(torch.linalg.svd, lambda *b: (torch.randn(*b, 5, 3, dtype=F64),), id="svd"),
    pytest.param(torch.linalg.eigh, lambda *b: (spd(*b, 3, 3),), id="eigh"),
    pytest.param(torch.linalg.eigvalsh, lambda *b: (spd(*b, 4, 4),), id="eigvalsh"),
    pytest.param(torch.linalg.eig, lambda *b: (general(*b, 4, 4),), id="eig"),
    pytest.param(torch.linalg.det, lambda *b: (general(*b, 4, 4),), id="det"),
    pytest.param(torch.linalg.slogdet, lambda *b: (general(*b, 4, 4),), id="slogdet"),
    pytest.param(torch.linalg.matrix_exp, lambda *b: (general(*b, 4, 4),), id="matrix_exp"),
    pytest.param(torch.linalg.pinv, lambda *b: (torch.randn(*b, 5, 3, dtype=F64),), id="pinv"),
    pytest.param(torch.linalg.ldl_factor, lambda *b: (spd(*b, 4, 4),), id="ldl_factor"),
    pytest.param(torch.cholesky_inverse, lambda *b: (torch.linalg.cholesky(spd(*b, 4, 4)),), id="cholesky_inverse"),
    pytest.param(
        torch.linalg.lstsq, lambda *b: (torch.randn(*b, 5, 3, dtype=F64), torch.randn(*b, 5, 2, dtype=F64)), id="lstsq"
    ),
]


@pytest.mark.parametrize(("fn", "make"), BATCHED)
def test_batch_scales_the_count(fn: Callable[..., Any], make: Callable[..., tuple[Any, ...]]) -> None:
    one, six = counted(fn, *make()), counted(fn, *make(2, 3))
    assert (six.total, six.total_macs) == (6 * one.total, 6 * one.total_macs)
    assert one.total > 0


def test_solve_factors_a_once_for_a_broadcast_b() -> None:
    # A (4, 4) is factored once for a B of 3 × (4, 2): xGETRF(4) + xGETRS(4, 3·2 = 6)
    result = counted(torch.linalg.solve, A4, torch.randn(3, 4, 2, dtype=F64))
    assert (result.total, result.total_macs) == (38 + 6 * 16 + 6 * 12, 24 + 6 * 16)


# ------------------------------------------------------------------------------------------------
# The default engine and the aten engine count the same
# ------------------------------------------------------------------------------------------------

AGREE: list[Any] = [
    param for param in HAND if param.id not in {"svdvals", "torch.svd-values", "eigvalsh", "eigvals", "matrix_rank",
                                                  "matrix_rank-h", "cond-2", "cond-nuc"}
] + [
    pytest.param(lambda a: torch.linalg.solve(a, a[:2], left=False), (A4,), 0, 0, id="solve-left-false"),
    pytest.param(lambda a, b: torch.linalg.lstsq(a, b, driver="gelsd"), (R53, C52), 0, 0, id="lstsq-gelsd"),
    pytest.param(lambda a, b: torch.linalg.lstsq(a.mT, b[:3]), (R53, C52), 0, 0, id="lstsq-wide"),
    pytest.param(lambda a: torch.linalg.cond(a, -float("inf")), (A4,), 0, 0, id="cond--inf"),
    pytest.param(torch.linalg.multi_dot, ([A4, A4, B42],), 0, 0, id="multi_dot"),  # the matmul family's
]  # fmt: skip


@pytest.mark.parametrize(("fn", "inputs", "flops", "macs"), AGREE)
def test_default_and_aten_engines_agree(fn: Callable[..., Any], inputs: tuple[Any, ...], flops: int, macs: int) -> None:
    default, aten = counted(fn, *inputs), counted(fn, *inputs, engine="aten")
    assert (default.total, default.total_macs) == (aten.total, aten.total_macs)


VALUES_ONLY: list[Any] = [
    # (fn, inputs, the kernel's count without vectors, with them): GVL, as above
    pytest.param(torch.linalg.svdvals, (R53,), (144, 72), (567, 284), id="svdvals"),
    pytest.param(lambda a: torch.svd(a, compute_uv=False), (R53,), (144, 72), (567, 284), id="torch.svd-values"),
    pytest.param(torch.linalg.eigvalsh, (S4,), (85, 43), (576, 288), id="eigvalsh"),
    pytest.param(torch.linalg.eigvals, (A4,), (640, 320), (1685, 843), id="eigvals"),
    # the rank is an integer: a sine of A (15 FLOPs on both engines) gives the backward something to differentiate
    pytest.param(lambda a: (torch.linalg.matrix_rank(a), a.sin()), (R53,), (144, 72), (567, 284), id="matrix_rank"),
    pytest.param(torch.linalg.cond, (A4,), (171, 85), (17 * 64, 17 * 32), id="cond"),  # thin SVD of 4 × 4: 17n³
]


@pytest.mark.parametrize(("fn", "inputs", "values", "vectors"), VALUES_ONLY)
def test_values_only_decompositions(
    fn: Callable[..., Any], inputs: tuple[Any, ...], values: tuple[int, int], vectors: tuple[int, int]
) -> None:
    """Under a dispatch mode torch takes these functions' autograd path, whose kernel computes the vectors too:
    the aten engine counts that kernel; the default engine counts what runs without a mode (values only), and
    the vectors where torch computes them there as well (grad enabled, an input requiring grad)."""
    default, aten = counted(fn, *inputs), counted(fn, *inputs, engine="aten")
    assert aten.total - default.total == vectors[0] - values[0]
    assert aten.total_macs - default.total_macs == vectors[1] - values[1]
    leaves = [x.detach().clone().requires_grad_() for x in inputs]
    forward = [
        count_flops(fn, *leaves, engine=engine, backward=True, loss=real_sum).total_by_phase["forward"]
        for engine in ("eager", "aten")
    ]
    assert forward[0] == forward[1] == aten.total


def real_sum(output: Any) -> torch.Tensor:
    """The loss: the sum of every output that requires grad (a complex one through its real part)."""
    tensors = output if isinstance(output, tuple | list) else (output,)
    return torch.stack([t.real.sum() for t in tensors if isinstance(t, torch.Tensor) and t.requires_grad]).sum()


def test_meta_counts_as_cpu() -> None:
    for fn, inputs in [(torch.linalg.inv, (A4,)), (torch.linalg.svd, (R53,)), (torch.linalg.eigh, (S4,))]:
        meta = tuple(x.to("meta") for x in inputs)
        for engine in ("eager", "aten"):
            cpu_count, meta_count = counted(fn, *inputs, engine=engine), counted(fn, *meta, engine=engine)
            assert (cpu_count.total, cpu_count.total_macs) == (meta_count.total, meta_count.total_macs)


# ------------------------------------------------------------------------------------------------
# The backward is recognized, and nothing counts 0
# ------------------------------------------------------------------------------------------------

BACKWARD: list[Any] = [
    pytest.param(torch.linalg.cholesky, (S4,), id="cholesky"),
    pytest.param(torch.linalg.inv, (A4,), id="inv"),
    pytest.param(torch.linalg.solve, (A4, B42), id="solve"),
    pytest.param(lambda a, b: torch.linalg.solve_triangular(a, b, upper=False), (L4, B42), id="solve_triangular"),
    pytest.param(lambda a, b: torch.triangular_solve(b, a, upper=False)[0], (L4, B42), id="triangular_solve"),
    pytest.param(torch.linalg.lu, (A4,), id="lu"),
    pytest.param(lambda a: torch.linalg.lu_factor(a)[0], (A4,), id="lu_factor"),
    pytest.param(lambda lu, b: torch.linalg.lu_solve(lu, PIV4, b), (LU4, B42), id="lu_solve"),
    pytest.param(lambda lu: torch.lu_unpack(lu, PIV4), (LU4,), id="lu_unpack"),
    pytest.param(torch.linalg.qr, (R53,), id="qr"),
    pytest.param(torch.linalg.householder_product, (QR53, TAU3), id="householder_product"),
    pytest.param(lambda q, t, c: torch.ormqr(q, t, c), (QR53, TAU3, C52), id="ormqr"),
    pytest.param(lambda a: torch.linalg.svd(a, full_matrices=False), (R53,), id="svd"),
    pytest.param(torch.linalg.svdvals, (R53,), id="svdvals"),
    pytest.param(torch.linalg.eigvalsh, (S4,), id="eigvalsh"),
    pytest.param(torch.linalg.eigh, (S4,), id="eigh"),
    pytest.param(lambda a: tuple(t.real for t in torch.linalg.eig(a)), (A4,), id="eig"),
    pytest.param(lambda a: torch.linalg.eigvals(a).real, (A4,), id="eigvals"),
    pytest.param(torch.linalg.det, (A4,), id="det"),
    pytest.param(lambda a: torch.linalg.slogdet(a)[1], (A4,), id="slogdet"),
    pytest.param(torch.logdet, (S4,), id="logdet"),
    pytest.param(torch.linalg.matrix_exp, (A4,), id="matrix_exp"),
    pytest.param(lambda a, b: torch.linalg.lstsq(a, b).solution, (R53, C52), id="lstsq"),
    pytest.param(torch.linalg.pinv, (R53,), id="pinv"),
    pytest.param(lambda a: torch.linalg.pinv(a, hermitian=True), (S4,), id="pinv-hermitian"),
    pytest.param(lambda a: torch.linalg.matrix_power(a, -3), (A4,), id="matrix_power"),
    pytest.param(torch.linalg.cond, (A4,), id="cond"),
    pytest.param(torch.cholesky_inverse, (L4,), id="cholesky_inverse"),
    pytest.param(torch.cholesky_solve, (B42, L4), id="cholesky_solve"),
    pytest.param(torch.linalg.cross, (R53, R53.flip(0)), id="cross"),
    pytest.param(torch.linalg.vander, (R53[:4, 0],), id="vander"),
    pytest.param(lambda a: torch.linalg.tensorinv(a, ind=1), (A4.reshape(4, 2, 2),), id="tensorinv"),
    pytest.param(torch.linalg.polar, (R53,), id="polar"),
    pytest.param(torch.linalg.matrix_sqrth, (S4,), id="matrix_sqrth"),
]


@pytest.mark.parametrize(("fn", "inputs"), BACKWARD)
def test_backward_is_recognized(fn: Callable[..., Any], inputs: tuple[Any, ...]) -> None:
    leaves = [x.detach().clone().requires_grad_() for x in inputs]
    result = count_flops(fn, *leaves, backward=True)
    assert result.unrecognized == [], sorted({r.target_name for r in result.unrecognized})
    assert result.total_by_phase["backward"] > 0


ONE_BY_ONE = torch.full((1, 1), 2.0, dtype=F64)


@pytest.mark.parametrize(
    ("fn", "inputs"),
    [
        pytest.param(p.values[0], p.values[1], id=p.id)
        for p in HAND
        if p.id not in {"solve_triangular-unit"}  # a unit triangular solve of order 1 is the identity
    ],
)
@pytest.mark.parametrize("engine", ["eager", "aten"])
def test_nothing_counts_zero(fn: Callable[..., Any], inputs: tuple[Any, ...], engine: str) -> None:
    assert counted(fn, *inputs, engine=engine).total > 0


SMALLEST: list[Any] = [
    pytest.param(torch.linalg.cholesky, (ONE_BY_ONE,), id="cholesky"),
    pytest.param(torch.linalg.inv, (ONE_BY_ONE,), id="inv"),
    pytest.param(torch.linalg.solve, (ONE_BY_ONE, ONE_BY_ONE), id="solve"),
    pytest.param(lambda a: torch.linalg.solve_triangular(a, a, upper=True), (ONE_BY_ONE,), id="solve_triangular"),
    pytest.param(torch.linalg.lu_factor, (ONE_BY_ONE,), id="lu_factor"),
    pytest.param(torch.linalg.qr, (ONE_BY_ONE,), id="qr"),
    pytest.param(torch.linalg.svd, (ONE_BY_ONE,), id="svd"),
    pytest.param(torch.linalg.svdvals, (ONE_BY_ONE,), id="svdvals"),
    pytest.param(torch.linalg.eigh, (ONE_BY_ONE,), id="eigh"),
    pytest.param(torch.linalg.eigvalsh, (ONE_BY_ONE,), id="eigvalsh"),
    pytest.param(torch.linalg.eig, (ONE_BY_ONE,), id="eig"),
    pytest.param(torch.linalg.det, (ONE_BY_ONE,), id="det"),
    pytest.param(torch.linalg.slogdet, (ONE_BY_ONE,), id="slogdet"),
    pytest.param(torch.linalg.matrix_exp, (ONE_BY_ONE,), id="matrix_exp"),
    pytest.param(torch.linalg.lstsq, (ONE_BY_ONE, ONE_BY_ONE), id="lstsq"),
    pytest.param(torch.linalg.pinv, (ONE_BY_ONE,), id="pinv"),
    pytest.param(torch.linalg.ldl_factor, (ONE_BY_ONE,), id="ldl_factor"),
    pytest.param(torch.cholesky_inverse, (ONE_BY_ONE,), id="cholesky_inverse"),
    pytest.param(torch.cholesky_solve, (ONE_BY_ONE, ONE_BY_ONE), id="cholesky_solve"),
    pytest.param(torch.linalg.matrix_rank, (ONE_BY_ONE,), id="matrix_rank"),
    pytest.param(lambda a: torch.linalg.cond(a, "fro"), (ONE_BY_ONE,), id="cond"),
    pytest.param(torch.linalg.polar, (ONE_BY_ONE,), id="polar"),
    pytest.param(torch.linalg.matrix_sqrth, (ONE_BY_ONE,), id="matrix_sqrth"),
]


@pytest.mark.parametrize(("fn", "inputs"), SMALLEST)
@pytest.mark.parametrize("engine", ["eager", "aten"])
def test_one_by_one_counts_something(fn: Callable[..., Any], inputs: tuple[Any, ...], engine: str) -> None:
    assert counted(fn, *inputs, engine=engine).total > 0
