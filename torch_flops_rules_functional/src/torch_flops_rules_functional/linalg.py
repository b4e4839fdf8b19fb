"""Linear algebra: ``torch.linalg.*`` and the ``torch.*``/``Tensor.*`` spellings of factorizations and solves.

Every count is a formula of ``torch_flops_core.formulas.linalg`` (LAWN 41 operation counts for the LAPACK
routines, Golub & Van Loan's estimates for the SVD and the eigensolvers), per matrix times the batch, and
equals what the aten pack counts for the kernels the function runs; a function that runs several kernels
(``matrix_rank``, ``cond``, ``logdet``, ``matrix_power``) sums the same formulas. Complex inputs: 6 FLOPs per
multiplication, 2 per addition (LAWN 41). The matrix products, ``multi_dot`` and ``vecdot`` are the matmul
family's; the vector and matrix norms the reduction family's.

Values-only decompositions (``svdvals``, ``eigvalsh``, ``eigvals``, ``torch.svd(compute_uv=False)``, and
``matrix_rank`` and ``cond`` through them) compute the vectors too where torch takes their autograd path
(grad enabled and an input requiring grad): the rule counts what runs.
"""

from __future__ import annotations

from typing import Any

import torch

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry
from torch_flops_core.formulas import linalg as la
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import numel

from ._common import ops

__all__ = ["register"]


def _arg(call: Call, index: int, *names: str) -> Any:
    """The argument at ``index``, positional or under one of ``names`` (torch's spellings differ by overload)."""
    if len(call.args) > index:
        return call.args[index]
    return next((call.kwargs[name] for name in names if name in call.kwargs), None)


def _matrix(call: Call) -> torch.Tensor:
    return _arg(call, 0, "A", "input", "self")


def _complex(*tensors: Any) -> bool:
    return any(isinstance(t, torch.Tensor) and t.is_complex() for t in tensors)


def _grad_path(a: torch.Tensor) -> bool:
    """Whether torch takes a values-only decomposition's autograd path, computing the vectors as well."""
    return torch.is_grad_enabled() and a.requires_grad


def _output(call: Call, index: int = 0) -> torch.Tensor:
    out = call.output
    return out[index] if isinstance(out, tuple | list) else out


def cholesky(call: Call) -> Count:
    """linalg.cholesky(_ex) of (*, n, n): POTRF(n) per matrix, n³/3 + n²/2 + n/6 (LAWN 41)."""
    a = _matrix(call)
    return la.cholesky(a.shape, a.is_complex())


def cholesky_inverse(call: Call) -> Count:
    """cholesky_inverse(L): POTRI(n) per matrix, 2n³/3 + n²/2 + 5n/6 (LAWN 41)."""
    a = _matrix(call)
    return la.cholesky_inverse(a.shape, a.is_complex())


def cholesky_solve(call: Call) -> Count:
    """cholesky_solve(B, L): POTRS(n, c) = 2n²·c, c = numel(out)/n right-hand sides (LAWN 41)."""
    b, factor = _matrix(call), call.arg(1, "input2")
    return la.cholesky_solve(factor.shape, call.output.shape, _complex(b, factor))


def inverse(call: Call) -> Count:
    """linalg.inv(_ex), inverse: GETRF(n, n) + GETRS(n, n) per matrix (torch solves A·X = I; LAWN 41)."""
    a = _matrix(call)
    return la.inverse(a.shape, a.is_complex())


def solve(call: Call) -> Count:
    """linalg.solve(_ex): GETRF(n, n) per matrix of A + GETRS(n, c), c = numel(X)/n (LAWN 41)."""
    a, b = _matrix(call), call.arg(1, "B")
    return la.solve(a.shape, _output(call).shape, _complex(a, b))


def solve_triangular(call: Call) -> Count:
    """linalg.solve_triangular(A, B): xTRSM(n, c) = n²·c, c = numel(X)/n (LAWN 41); unitriangular: n(n − 1)·c."""
    a, b = _matrix(call), call.arg(1, "B")
    unit = bool(call.kwargs.get("unitriangular", False))
    return la.triangular_solve(a.shape, call.output.shape, unit, _complex(a, b))


def triangular_solve(call: Call) -> Count:
    """triangular_solve(B, A): xTRSM(n, c) = n²·c, c = numel(X)/n (LAWN 41); unitriangular: n(n − 1)·c."""
    b, a = _matrix(call), call.arg(1, "A")
    unit = bool(call.arg(4, "unitriangular", False))
    return la.triangular_solve(a.shape, _output(call).shape, unit, _complex(a, b))


def lu_factor(call: Call) -> Count:
    """linalg.lu, lu_factor(_ex), torch.lu of (*, m, n): GETRF(m, n) per matrix (2n³/3 − n²/2 + 5n/6, LAWN 41)."""
    a = _matrix(call)
    return la.lu_factor(a.shape, a.is_complex())


def lu_solve(call: Call) -> Count:
    """linalg.lu_solve(LU, pivots, B): GETRS(n, c) = (2n² − n)·c, c = numel(X)/n (LAWN 41)."""
    lu, b = _matrix(call), call.arg(2, "B")
    return la.lu_solve(lu.shape, call.output.shape, _complex(lu, b))


def lu_solve_legacy(call: Call) -> Count:
    """torch.lu_solve(b, LU_data, LU_pivots): GETRS(n, c) = (2n² − n)·c, c = numel(X)/n (LAWN 41)."""
    b, lu = _matrix(call), call.arg(1, "LU_data")
    return la.lu_solve(lu.shape, call.output.shape, _complex(lu, b))


def free(call: Call) -> int:
    """lu_unpack, linalg.diagonal: 0 (copies and a permutation matrix; a view)."""
    return 0


def det(call: Call) -> Count:
    """det: GETRF(n, n) + n − 1 multiplies of U's diagonal, per matrix."""
    a = _matrix(call)
    return la.det(a.shape, a.is_complex())


def slogdet(call: Call) -> Count:
    """slogdet: GETRF(n, n) + 5n − 2 per matrix (n sgn, n − 1 products; n abs, n logs, n − 1 adds)."""
    a = _matrix(call)
    return la.slogdet(a.shape, a.is_complex())


def logdet(call: Call) -> Count:
    """logdet: slogdet + 2 per matrix (the sign's test and the select)."""
    a = _matrix(call)
    return la.logdet(a.shape, a.is_complex())


def qr(call: Call) -> Count:
    """linalg.qr of (*, m, n): GEQRF(m, n) + ORGQR(m, q, min(m, n)), q = columns of Q (0 in mode 'r') (LAWN 41)."""
    a, q = _matrix(call), _output(call, 0)
    return la.qr(a.shape, q.shape[-1] if q.dim() >= 2 else 0, a.is_complex())


def geqrf(call: Call) -> Count:
    """geqrf of (*, m, n): GEQRF(m, n) per matrix (LAWN 41)."""
    a = _matrix(call)
    return la.qr(a.shape, 0, a.is_complex())


def householder_product(call: Call) -> Count:
    """linalg.householder_product, orgqr(A (*, m, n), tau (*, k)): ORGQR(m, n, k) per matrix (LAWN 41)."""
    a, tau = _matrix(call), _arg(call, 1, "tau", "input2")
    return la.householder_product(a.shape, tau.shape[-1], a.is_complex())


def ormqr(call: Call) -> Count:
    """ormqr(A, tau (*, k), C (*, m, n), left): ORMQR(m, n, k) per matrix, from the left or the right (LAWN 41)."""
    a, tau, c = _matrix(call), call.arg(1, "input2"), call.arg(2, "input3")
    left = bool(call.arg(3, "left", True))
    return la.householder_multiply(c.shape, tau.shape[-1], left, _complex(a, c))


def linalg_svd(call: Call) -> Count:
    """linalg.svd(A, full_matrices=True): GVL Fig. 8.6.1 with U and V (thin: 14mn² + 8n³ | 6mn² + 11n³, the cheaper)."""
    a = _matrix(call)
    full = bool(call.arg(1, "full_matrices", True))
    return la.svd(a.shape, True, full, a.is_complex())


def svdvals(call: Call) -> Count:
    """linalg.svdvals: GVL Fig. 8.6.1, Σ only (4mn² − 4n³/3 | 2mn² + 2n³, the cheaper); thin U, V on the grad path."""
    a = _matrix(call)
    return la.svd(a.shape, _grad_path(a), False, a.is_complex())


def torch_svd(call: Call) -> Count:
    """torch.svd(A, some=True, compute_uv=True): GVL Fig. 8.6.1; Σ only when compute_uv=False off the grad path."""
    a = _matrix(call)
    some, compute_uv = call.arg(1, "some", True), call.arg(2, "compute_uv", True)
    return la.svd(a.shape, bool(compute_uv) or _grad_path(a), not some, a.is_complex())


def eig(call: Call) -> Count:
    """linalg.eig of (*, n, n): GVL §7.5.6, 25n³ (T, Q) + 4n³/3 (eigenvectors) per matrix."""
    a = _matrix(call)
    return la.eig(a.shape, True, a.is_complex())


def eigvals(call: Call) -> Count:
    """linalg.eigvals: GVL §7.5.6, 10n³ per matrix (with the eigenvectors on the grad path)."""
    a = _matrix(call)
    return la.eig(a.shape, _grad_path(a), a.is_complex())


def eigh(call: Call) -> Count:
    """linalg.eigh of (*, n, n): GVL §8.3, 9n³ per matrix."""
    a = _matrix(call)
    return la.eigh(a.shape, True, a.is_complex())


def eigvalsh(call: Call) -> Count:
    """linalg.eigvalsh: GVL §8.3, 4n³/3 per matrix (9n³ with the eigenvectors on the grad path)."""
    a = _matrix(call)
    return la.eigh(a.shape, _grad_path(a), a.is_complex())


def matrix_exp(call: Call) -> Count:
    """matrix_exp of (*, n, n): torch's degree-18 Taylor polynomial, 10n³ + 46n² − 1 per matrix (n = 1: exp)."""
    a = _matrix(call)
    return la.matrix_exp(a.shape, a.is_complex())


def lstsq(call: Call) -> Count:
    """linalg.lstsq(A, B): QR (GEQRF + ORMQR + TRSM, LAWN 41) per broadcast matrix; drivers gelsd/gelss: thin SVD."""
    a, b = _matrix(call), _arg(call, 1, "b", "B")
    driver = call.kwargs.get("driver")
    return la.lstsq(a.shape, b.shape, driver in ("gelsd", "gelss"), _complex(a, b))


def pinv(call: Call) -> Count:
    """linalg.pinv: thin SVD (hermitian: eigh) + tolerance + reciprocals + V·diag(1/σ)·Uᴴ per matrix."""
    a = _matrix(call)
    hermitian = call.kwargs.get("hermitian", call.args[2] if len(call.args) > 2 else False)
    return la.pinv(a.shape, bool(hermitian), a.is_complex())


def pinverse(call: Call) -> Count:
    """torch.pinverse: linalg.pinv's count (thin SVD + tolerance + reciprocals + the product)."""
    a = _matrix(call)
    return la.pinv(a.shape, False, a.is_complex())


def ldl_factor(call: Call) -> Count:
    """linalg.ldl_factor(_ex) of (*, n, n): SYTRF(n) per matrix, n³/3 + n²/2 + 19n/6 (LAWN 41)."""
    a = _matrix(call)
    return la.ldl_factor(a.shape, a.is_complex())


def ldl_solve(call: Call) -> Count:
    """linalg.ldl_solve(LD, pivots, B): SYTRS(n, c) = 2n²·c, c = numel(X)/n (LAWN 41)."""
    ld, b = _matrix(call), call.arg(2, "B")
    return la.ldl_solve(ld.shape, call.output.shape, _complex(ld, b))


def cross(call: Call) -> int:
    """linalg.cross: 3 per output element (two multiplies and a subtract), as torch.cross."""
    return la.cross(numel(call.output))


def vander(call: Call) -> int:
    """linalg.vander, vander(x, N): numel(x)·(N − 2) multiplies (the powers x² … x^(N−1))."""
    out = call.output
    return la.vander(numel(_arg(call, 0, "x")), out.shape[-1] if out.dim() else 0)


def polar(call: Call) -> Count:
    """linalg.polar of (*, m, n): thin SVD + W·Vᴴ + V·Σ·Vᴴ per matrix."""
    a = _matrix(call)
    return la.polar(a.shape, a.is_complex())


def matrix_sqrth(call: Call) -> Count:
    """linalg.matrix_sqrth of (*, n, n): eigh (9n³) + √λ + Q·diag(√λ)·Qᴴ per matrix."""
    a = _matrix(call)
    return la.matrix_sqrth(a.shape, a.is_complex())


def tensorinv(call: Call) -> Count:
    """linalg.tensorinv(A, ind=2): the inverse of order prod(A.shape[:ind])."""
    a = _matrix(call)
    return la.tensorinv(a.shape, int(call.arg(1, "ind", 2)), a.is_complex())


def tensorsolve(call: Call) -> Count:
    """linalg.tensorsolve(A, B): a solve of order numel(B), one right-hand side."""
    a, b = _matrix(call), call.arg(1, "B")
    return la.tensorsolve(b.shape, _complex(a, b))


def matrix_power(call: Call) -> Count:
    """matrix_power(A, k): [k < 0: inverse] + (bit_length(|k|) + popcount(|k|) − 2) products of (2n − 1)·numel(A)."""
    a = _matrix(call)
    return la.matrix_power(a.shape, int(call.arg(1, "n")), a.is_complex())


def matrix_rank(call: Call) -> Count:
    """linalg.matrix_rank: SVD values (hermitian: eigh + |λ| + max) + tolerance (2R) + R·k compares + R·(k − 1) adds."""
    a = _matrix(call)
    hermitian = call.kwargs.get("hermitian", call.args[2] if len(call.args) > 2 else False)
    atol = call.kwargs.get("atol")
    picked = atol.numel() if isinstance(atol, torch.Tensor) and call.kwargs.get("rtol") is None else 0
    return la.matrix_rank(a.shape, numel(call.output), bool(hermitian), _grad_path(a), a.is_complex(), picked)


def cond(call: Call) -> Count | NotRecognizedType:
    """linalg.cond(A, p): p None, ±2: SVD values + R; 'nuc': SVD values + n·R + 2 sums + R; 'fro', ±1, ±∞: the
    inverse + the masking (R + n²·R) + the two matrix norms + 2R."""
    a = _matrix(call)
    counted = la.cond(a.shape, call.arg(1, "p"), _grad_path(a), a.is_complex())
    return NOT_RECOGNIZED if counted is None else counted


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim(ops("linalg.cholesky", "linalg.cholesky_ex"), cholesky)
    claim(ops("torch.cholesky_inverse", "Tensor.cholesky_inverse"), cholesky_inverse)
    claim(ops("torch.cholesky_solve", "Tensor.cholesky_solve"), cholesky_solve)
    claim(ops("linalg.inv", "linalg.inv_ex", "torch.inverse", "Tensor.inverse"), inverse)
    claim(ops("linalg.solve", "linalg.solve_ex"), solve)
    claim(ops("linalg.solve_triangular"), solve_triangular)
    claim(ops("torch.triangular_solve", "Tensor.triangular_solve"), triangular_solve)
    claim(ops("linalg.lu", "linalg.lu_factor", "linalg.lu_factor_ex", "torch.lu", "Tensor.lu"), lu_factor)
    claim(ops("linalg.lu_solve"), lu_solve)
    claim(ops("torch.lu_solve", "Tensor.lu_solve"), lu_solve_legacy)
    claim(ops("torch.lu_unpack", "linalg.diagonal"), free)
    claim(ops("linalg.det", "torch.det", "Tensor.det"), det)
    claim(ops("linalg.slogdet", "torch.slogdet", "Tensor.slogdet"), slogdet)
    claim(ops("torch.logdet", "Tensor.logdet"), logdet)
    claim(ops("linalg.qr"), qr)
    claim(ops("torch.geqrf", "Tensor.geqrf"), geqrf)
    claim(ops("linalg.householder_product", "torch.orgqr", "Tensor.orgqr"), householder_product)
    claim(ops("torch.ormqr", "Tensor.ormqr"), ormqr)
    claim(ops("linalg.svd"), linalg_svd)
    claim(ops("linalg.svdvals"), svdvals)
    claim(ops("torch.svd", "Tensor.svd"), torch_svd)
    claim(ops("linalg.eig"), eig)
    claim(ops("linalg.eigvals"), eigvals)
    claim(ops("linalg.eigh"), eigh)
    claim(ops("linalg.eigvalsh"), eigvalsh)
    claim(ops("linalg.matrix_exp", "torch.matrix_exp", "Tensor.matrix_exp"), matrix_exp)
    claim(ops("linalg.lstsq"), lstsq)
    claim(ops("linalg.pinv"), pinv)
    claim(ops("torch.pinverse", "Tensor.pinverse"), pinverse)
    claim(ops("linalg.ldl_factor", "linalg.ldl_factor_ex"), ldl_factor)
    claim(ops("linalg.ldl_solve"), ldl_solve)
    claim(ops("linalg.cross"), cross)
    claim(ops("linalg.vander", "torch.vander"), vander)
    claim(ops("linalg.polar"), polar)
    claim(ops("linalg.matrix_sqrth"), matrix_sqrth)
    claim(ops("linalg.tensorinv"), tensorinv)
    claim(ops("linalg.tensorsolve"), tensorsolve)
    claim(ops("linalg.matrix_power", "torch.matrix_power", "Tensor.matrix_power"), matrix_power)
    claim(ops("linalg.matrix_rank"), matrix_rank)
    claim(ops("linalg.cond"), cond)
