"""Linear algebra kernels: the factorizations, solves and decompositions ``torch.linalg`` runs.

Each rule reads its arguments with ``call.arguments()`` and counts with ``torch_flops_core.formulas.linalg``
(LAWN 41 for the LAPACK routines, Golub & Van Loan for the SVD and the eigensolvers), the functional pack's
formulas: ``torch.linalg.solve`` (``_linalg_solve_ex``) counts the same at both levels. Their backward is
made of ordinary kernels (``mm``, ``linalg_solve_triangular``, ``linalg_lu_solve`` ...), counted by these
rules and the other families'. Under a dispatch mode torch takes a values-only decomposition's autograd
path (``linalg.svdvals`` runs ``_linalg_svd`` with ``compute_uv=True``): these rules count what runs.
"""

from __future__ import annotations

from typing import Any

import torch

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import linalg as la
from torch_flops_core.shapes import numel

from ._ops import aten

__all__ = ["register"]


def _complex(*tensors: Any) -> bool:
    return any(isinstance(t, torch.Tensor) and t.is_complex() for t in tensors)


def _output(call: Call, index: int = 0) -> torch.Tensor:
    out = call.output
    return out[index] if isinstance(out, tuple | list) else out


def cholesky_ex(call: Call) -> Count:
    """linalg_cholesky_ex(self): POTRF(n) per matrix, n³/3 + n²/2 + n/6 (LAWN 41)."""
    a = call.arguments()["self"]
    return la.cholesky(a.shape, a.is_complex())


def cholesky_inverse(call: Call) -> Count:
    """cholesky_inverse(self): POTRI(n) per matrix (LAWN 41)."""
    a = call.arguments()["self"]
    return la.cholesky_inverse(a.shape, a.is_complex())


def cholesky_solve(call: Call) -> Count:
    """cholesky_solve(self=B, input2=L), _cholesky_solve_helper(self=B, A=L): POTRS(n, numel(out)/n) (LAWN 41)."""
    named = call.arguments()
    b, factor = named["self"], named["input2"] if "input2" in named else named["A"]
    return la.cholesky_solve(factor.shape, _output(call).shape, _complex(b, factor))


def inv_ex(call: Call) -> Count:
    """linalg_inv_ex(A): GETRF(n, n) + GETRS(n, n) per matrix (torch solves A·X = I; LAWN 41)."""
    a = call.arguments()["A"]
    return la.inverse(a.shape, a.is_complex())


def solve_ex(call: Call) -> Count:
    """_linalg_solve_ex(A, B): GETRF(n, n) per matrix of A + GETRS(n, numel(result)/n) (LAWN 41)."""
    named = call.arguments()
    a, b = named["A"], named["B"]
    return la.solve(a.shape, _output(call).shape, _complex(a, b))


def solve_triangular(call: Call) -> Count:
    """linalg_solve_triangular(self=A, B, unitriangular): xTRSM(n, numel(out)/n) (LAWN 41)."""
    named = call.arguments()
    a, b = named["self"], named["B"]
    return la.triangular_solve(a.shape, _output(call).shape, bool(named["unitriangular"]), _complex(a, b))


def triangular_solve(call: Call) -> Count:
    """triangular_solve(self=B, A, unitriangular): xTRSM(n, numel(solution)/n) (LAWN 41)."""
    named = call.arguments()
    b, a = named["self"], named["A"]
    return la.triangular_solve(a.shape, _output(call).shape, bool(named["unitriangular"]), _complex(a, b))


def lu_factor(call: Call) -> Count:
    """linalg_lu, linalg_lu_factor_ex(A): GETRF(m, n) per matrix (LAWN 41)."""
    a = call.arguments()["A"]
    return la.lu_factor(a.shape, a.is_complex())


def lu_solve(call: Call) -> Count:
    """linalg_lu_solve(LU, pivots, B): GETRS(n, numel(out)/n) (LAWN 41)."""
    named = call.arguments()
    lu, b = named["LU"], named["B"]
    return la.lu_solve(lu.shape, _output(call).shape, _complex(lu, b))


def free(call: Call) -> int:
    """lu_unpack, _linalg_check_errors: 0 (copies, a permutation matrix; a check of info)."""
    return 0


def det(call: Call) -> Count:
    """_linalg_det(A): GETRF(n, n) + n − 1 multiplies per matrix."""
    a = call.arguments()["A"]
    return la.det(a.shape, a.is_complex())


def slogdet(call: Call) -> Count:
    """_linalg_slogdet(A): GETRF(n, n) + 5n − 2 per matrix."""
    a = call.arguments()["A"]
    return la.slogdet(a.shape, a.is_complex())


def qr(call: Call) -> Count:
    """linalg_qr(A, mode): GEQRF(m, n) + ORGQR(m, q, min(m, n)), q = columns of Q (LAWN 41)."""
    a, q = call.arguments()["A"], _output(call, 0)
    return la.qr(a.shape, q.shape[-1] if q.dim() >= 2 else 0, a.is_complex())


def geqrf(call: Call) -> Count:
    """geqrf(self): GEQRF(m, n) per matrix (LAWN 41)."""
    a = call.arguments()["self"]
    return la.qr(a.shape, 0, a.is_complex())


def householder_product(call: Call) -> Count:
    """linalg_householder_product(input (*, m, n), tau (*, k)): ORGQR(m, n, k) per matrix (LAWN 41)."""
    named = call.arguments()
    a, tau = named["input"], named["tau"]
    return la.householder_product(a.shape, tau.shape[-1], a.is_complex())


def ormqr(call: Call) -> Count:
    """ormqr(self, input2=tau (*, k), input3=C (*, m, n), left): ORMQR(m, n, k) per matrix (LAWN 41)."""
    named = call.arguments()
    a, tau, c = named["self"], named["input2"], named["input3"]
    return la.householder_multiply(c.shape, tau.shape[-1], bool(named["left"]), _complex(a, c))


def svd(call: Call) -> Count:
    """_linalg_svd(A, full_matrices, compute_uv): GVL Fig. 8.6.1, the cheaper of Golub–Reinsch and R-SVD."""
    named = call.arguments()
    a = named["A"]
    return la.svd(a.shape, bool(named["compute_uv"]), bool(named["full_matrices"]), a.is_complex())


def eigh(call: Call) -> Count:
    """_linalg_eigh(A, UPLO, compute_v): GVL §8.3, 9n³ with the eigenvectors, 4n³/3 without."""
    named = call.arguments()
    a = named["A"]
    return la.eigh(a.shape, bool(named["compute_v"]), a.is_complex())


def eig(call: Call) -> Count:
    """linalg_eig(self): GVL §7.5.6, 25n³ + 4n³/3 per matrix (with the eigenvectors)."""
    a = call.arguments()["self"]
    return la.eig(a.shape, True, a.is_complex())


def eigvals(call: Call) -> Count:
    """_linalg_eigvals(self): GVL §7.5.6, 10n³ per matrix."""
    a = call.arguments()["self"]
    return la.eig(a.shape, False, a.is_complex())


def matrix_exp(call: Call) -> Count:
    """linalg_matrix_exp(self): torch's degree-18 Taylor polynomial, 10n³ + 46n² − 1 per matrix (n = 1: exp)."""
    a = call.arguments()["self"]
    return la.matrix_exp(a.shape, a.is_complex())


def lstsq(call: Call) -> Count:
    """linalg_lstsq(self, b, rcond, driver): QR (GEQRF + ORMQR + TRSM) per broadcast matrix; gelsd/gelss: thin SVD."""
    named = call.arguments()
    a, b = named["self"], named["b"]
    return la.lstsq(a.shape, b.shape, named.get("driver") in ("gelsd", "gelss"), _complex(a, b))


def pinv(call: Call) -> Count:
    """linalg_pinv(self, ..., hermitian): thin SVD (hermitian: eigh) + tolerance + reciprocals + V·diag(1/σ)·Uᴴ."""
    named = call.arguments()
    a = named["self"]
    return la.pinv(a.shape, bool(named["hermitian"]), a.is_complex())


def ldl_factor(call: Call) -> Count:
    """linalg_ldl_factor_ex(self): SYTRF(n) per matrix (LAWN 41)."""
    a = call.arguments()["self"]
    return la.ldl_factor(a.shape, a.is_complex())


def ldl_solve(call: Call) -> Count:
    """linalg_ldl_solve(LD, pivots, B): SYTRS(n, numel(out)/n) (LAWN 41)."""
    named = call.arguments()
    ld, b = named["LD"], named["B"]
    return la.ldl_solve(ld.shape, _output(call).shape, _complex(ld, b))


def cross(call: Call) -> int:
    """linalg_cross(self, other, dim): 3 per output element (two multiplies and a subtract)."""
    return la.cross(numel(_output(call)))


def polar(call: Call) -> Count:
    """linalg_polar(A): thin SVD + W·Vᴴ + V·Σ·Vᴴ per matrix."""
    a = call.arguments()["A"]
    return la.polar(a.shape, a.is_complex())


def matrix_sqrth(call: Call) -> Count:
    """linalg_matrix_sqrth(self): eigh (9n³) + √λ + Q·diag(√λ)·Qᴴ per matrix."""
    a = call.arguments()["self"]
    return la.matrix_sqrth(a.shape, a.is_complex())


def register(registry: Registry) -> None:
    registry.function(*aten("linalg_cholesky_ex"))(cholesky_ex)
    registry.function(*aten("cholesky_inverse"))(cholesky_inverse)
    registry.function(*aten("cholesky_solve", "_cholesky_solve_helper"))(cholesky_solve)
    registry.function(*aten("linalg_inv_ex"))(inv_ex)
    registry.function(*aten("_linalg_solve_ex"))(solve_ex)
    registry.function(*aten("linalg_solve_triangular"))(solve_triangular)
    registry.function(*aten("triangular_solve"))(triangular_solve)
    registry.function(*aten("linalg_lu", "linalg_lu_factor_ex"))(lu_factor)
    registry.function(*aten("linalg_lu_solve"))(lu_solve)
    registry.function(*aten("lu_unpack", "_linalg_check_errors"))(free)
    registry.function(*aten("_linalg_det"))(det)
    registry.function(*aten("_linalg_slogdet"))(slogdet)
    registry.function(*aten("linalg_qr"))(qr)
    registry.function(*aten("geqrf"))(geqrf)
    registry.function(*aten("linalg_householder_product"))(householder_product)
    registry.function(*aten("ormqr"))(ormqr)
    registry.function(*aten("_linalg_svd"))(svd)
    registry.function(*aten("_linalg_eigh"))(eigh)
    registry.function(*aten("linalg_eig"))(eig)
    registry.function(*aten("_linalg_eigvals"))(eigvals)
    registry.function(*aten("linalg_matrix_exp"))(matrix_exp)
    registry.function(*aten("linalg_lstsq"))(lstsq)
    registry.function(*aten("linalg_pinv"))(pinv)
    registry.function(*aten("linalg_ldl_factor_ex"))(ldl_factor)
    registry.function(*aten("linalg_ldl_solve"))(ldl_solve)
    registry.function(*aten("linalg_cross"))(cross)
    registry.function(*aten("linalg_polar"))(polar)
    registry.function(*aten("linalg_matrix_sqrth"))(matrix_sqrth)
