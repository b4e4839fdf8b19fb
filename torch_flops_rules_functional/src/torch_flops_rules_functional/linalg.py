"""Linear algebra: ``torch.linalg.*`` and the ``torch.*``/``Tensor.*`` spellings of factorizations and solves.

Every count is a formula of ``torch_flops_core.formulas.linalg`` (LAWN 41 operation counts for the LAPACK
routines, Golub & Van Loan's estimates for the SVD and the eigensolvers), per matrix times the batch, and
equals what the aten pack counts for the kernels the function runs; a function that runs several kernels
(``logdet``, ``matrix_power``; ``matrix_rank``, ``cond`` in the decompositions family) sums the same formulas.
Complex inputs: 6 FLOPs per multiplication, 2 per addition (LAWN 41). The SVD, the eigendecompositions and
the functions built on them are the ``decompositions`` family's, which reads its arguments with
:func:`matrix_argument` and :func:`grad_path`; the matrix products, ``multi_dot`` and ``vecdot`` are the matmul
family's; the vector and matrix norms the reduction family's.
"""

from __future__ import annotations

from typing import Any

import torch

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import linalg as la
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import numel

from ._common import ops

__all__ = ["grad_path", "matrix_argument", "register"]


def _arg(call: Call, index: int, *names: str) -> Any:
    """The argument at ``index``, positional or under one of ``names`` (torch's spellings differ by overload)."""
    if len(call.args) > index:
        return call.args[index]
    return next((call.kwargs[name] for name in names if name in call.kwargs), None)


def matrix_argument(call: Call) -> torch.Tensor:
    """The matrix (or batch of matrices) a linear algebra function takes first: ``A``, ``input`` or ``self``."""
    return _arg(call, 0, "A", "input", "self")


def _complex(*tensors: Any) -> bool:
    return any(isinstance(t, torch.Tensor) and t.is_complex() for t in tensors)


def grad_path(a: torch.Tensor) -> bool:
    """Whether torch takes a values-only decomposition's autograd path, computing the vectors as well."""
    return torch.is_grad_enabled() and a.requires_grad


def _output(call: Call, index: int = 0) -> torch.Tensor:
    out = call.output
    return out[index] if isinstance(out, tuple | list) else out


def cholesky(call: Call) -> Count:
    """linalg.cholesky(_ex) of (*, n, n): POTRF(n) per matrix, n³/3 + n²/2 + n/6 (LAWN 41)."""
    a = matrix_argument(call)
    return la.cholesky(a.shape, a.is_complex())


def cholesky_inverse(call: Call) -> Count:
    """cholesky_inverse(L): POTRI(n) per matrix, 2n³/3 + n²/2 + 5n/6 (LAWN 41)."""
    a = matrix_argument(call)
    return la.cholesky_inverse(a.shape, a.is_complex())


def cholesky_solve(call: Call) -> Count:
    """cholesky_solve(B, L): POTRS(n, c) = 2n²·c, c = numel(out)/n right-hand sides (LAWN 41)."""
    b, factor = matrix_argument(call), call.arg(1, "input2")
    return la.cholesky_solve(factor.shape, call.output.shape, _complex(b, factor))


def inverse(call: Call) -> Count:
    """linalg.inv(_ex), inverse: GETRF(n, n) + GETRS(n, n) per matrix (torch solves A·X = I; LAWN 41)."""
    a = matrix_argument(call)
    return la.inverse(a.shape, a.is_complex())


def solve(call: Call) -> Count:
    """linalg.solve(_ex): GETRF(n, n) per matrix of A + GETRS(n, c), c = numel(X)/n (LAWN 41)."""
    a, b = matrix_argument(call), call.arg(1, "B")
    return la.solve(a.shape, _output(call).shape, _complex(a, b))


def solve_triangular(call: Call) -> Count:
    """linalg.solve_triangular(A, B): xTRSM(n, c) = n²·c, c = numel(X)/n (LAWN 41); unitriangular: n(n − 1)·c."""
    a, b = matrix_argument(call), call.arg(1, "B")
    unit = bool(call.kwargs.get("unitriangular", False))
    return la.triangular_solve(a.shape, call.output.shape, unit, _complex(a, b))


def triangular_solve(call: Call) -> Count:
    """triangular_solve(B, A): xTRSM(n, c) = n²·c, c = numel(X)/n (LAWN 41); unitriangular: n(n − 1)·c."""
    b, a = matrix_argument(call), call.arg(1, "A")
    unit = bool(call.arg(4, "unitriangular", False))
    return la.triangular_solve(a.shape, _output(call).shape, unit, _complex(a, b))


def lu_factor(call: Call) -> Count:
    """linalg.lu, lu_factor(_ex), torch.lu of (*, m, n): GETRF(m, n) per matrix (2n³/3 − n²/2 + 5n/6, LAWN 41)."""
    a = matrix_argument(call)
    return la.lu_factor(a.shape, a.is_complex())


def lu_solve(call: Call) -> Count:
    """linalg.lu_solve(LU, pivots, B): GETRS(n, c) = (2n² − n)·c, c = numel(X)/n (LAWN 41)."""
    lu, b = matrix_argument(call), call.arg(2, "B")
    return la.lu_solve(lu.shape, call.output.shape, _complex(lu, b))


def lu_solve_legacy(call: Call) -> Count:
    """torch.lu_solve(b, LU_data, LU_pivots): GETRS(n, c) = (2n² − n)·c, c = numel(X)/n (LAWN 41)."""
    b, lu = matrix_argument(call), call.arg(1, "LU_data")
    return la.lu_solve(lu.shape, call.output.shape, _complex(lu, b))


def free(call: Call) -> int:
    """lu_unpack, linalg.diagonal: 0 (copies and a permutation matrix; a view)."""
    return 0


def det(call: Call) -> Count:
    """det: GETRF(n, n) + n − 1 multiplies of U's diagonal, per matrix."""
    a = matrix_argument(call)
    return la.det(a.shape, a.is_complex())


def slogdet(call: Call) -> Count:
    """slogdet: GETRF(n, n) + 5n − 2 per matrix (n sgn, n − 1 products; n abs, n logs, n − 1 adds)."""
    a = matrix_argument(call)
    return la.slogdet(a.shape, a.is_complex())


def logdet(call: Call) -> Count:
    """logdet: slogdet + 2 per matrix (the sign's test and the select)."""
    a = matrix_argument(call)
    return la.logdet(a.shape, a.is_complex())


def qr(call: Call) -> Count:
    """linalg.qr of (*, m, n): GEQRF(m, n) + ORGQR(m, q, min(m, n)), q = columns of Q (0 in mode 'r') (LAWN 41)."""
    a, q = matrix_argument(call), _output(call, 0)
    return la.qr(a.shape, q.shape[-1] if q.dim() >= 2 else 0, a.is_complex())


def geqrf(call: Call) -> Count:
    """geqrf of (*, m, n): GEQRF(m, n) per matrix (LAWN 41)."""
    a = matrix_argument(call)
    return la.qr(a.shape, 0, a.is_complex())


def householder_product(call: Call) -> Count:
    """linalg.householder_product, orgqr(A (*, m, n), tau (*, k)): ORGQR(m, n, k) per matrix (LAWN 41)."""
    a, tau = matrix_argument(call), _arg(call, 1, "tau", "input2")
    return la.householder_product(a.shape, tau.shape[-1], a.is_complex())


def ormqr(call: Call) -> Count:
    """ormqr(A, tau (*, k), C (*, m, n), left): ORMQR(m, n, k) per matrix, from the left or the right (LAWN 41)."""
    a, tau, c = matrix_argument(call), call.arg(1, "input2"), call.arg(2, "input3")
    left = bool(call.arg(3, "left", True))
    return la.householder_multiply(c.shape, tau.shape[-1], left, _complex(a, c))


def matrix_exp(call: Call) -> Count:
    """matrix_exp of (*, n, n): torch's degree-18 Taylor polynomial, 10n³ + 46n² − 1 per matrix (n = 1: exp)."""
    a = matrix_argument(call)
    return la.matrix_exp(a.shape, a.is_complex())


def lstsq(call: Call) -> Count:
    """linalg.lstsq(A, B): QR (GEQRF + ORMQR + TRSM, LAWN 41) per broadcast matrix; drivers gelsd/gelss: thin SVD."""
    a, b = matrix_argument(call), _arg(call, 1, "b", "B")
    driver = call.kwargs.get("driver")
    return la.lstsq(a.shape, b.shape, driver in ("gelsd", "gelss"), _complex(a, b))


def ldl_factor(call: Call) -> Count:
    """linalg.ldl_factor(_ex) of (*, n, n): SYTRF(n) per matrix, n³/3 + n²/2 + 19n/6 (LAWN 41)."""
    a = matrix_argument(call)
    return la.ldl_factor(a.shape, a.is_complex())


def ldl_solve(call: Call) -> Count:
    """linalg.ldl_solve(LD, pivots, B): SYTRS(n, c) = 2n²·c, c = numel(X)/n (LAWN 41)."""
    ld, b = matrix_argument(call), call.arg(2, "B")
    return la.ldl_solve(ld.shape, call.output.shape, _complex(ld, b))


def cross(call: Call) -> int:
    """linalg.cross: 3 per output element (two multiplies and a subtract), as torch.cross."""
    return la.cross(numel(call.output))


def vander(call: Call) -> int:
    """linalg.vander, vander(x, N): numel(x)·(N − 2) multiplies (the powers x² … x^(N−1))."""
    out = call.output
    return la.vander(numel(_arg(call, 0, "x")), out.shape[-1] if out.dim() else 0)


def tensorinv(call: Call) -> Count:
    """linalg.tensorinv(A, ind=2): the inverse of order prod(A.shape[:ind])."""
    a = matrix_argument(call)
    return la.tensorinv(a.shape, int(call.arg(1, "ind", 2)), a.is_complex())


def tensorsolve(call: Call) -> Count:
    """linalg.tensorsolve(A, B): a solve of order numel(B), one right-hand side."""
    a, b = matrix_argument(call), call.arg(1, "B")
    return la.tensorsolve(b.shape, _complex(a, b))


def matrix_power(call: Call) -> Count:
    """matrix_power(A, k): [k < 0: inverse] + (bit_length(|k|) + popcount(|k|) − 2) products of (2n − 1)·numel(A)."""
    a = matrix_argument(call)
    return la.matrix_power(a.shape, int(call.arg(1, "n")), a.is_complex())


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
    claim(ops("linalg.matrix_exp", "torch.matrix_exp", "Tensor.matrix_exp"), matrix_exp)
    claim(ops("linalg.lstsq"), lstsq)
    claim(ops("linalg.ldl_factor", "linalg.ldl_factor_ex"), ldl_factor)
    claim(ops("linalg.ldl_solve"), ldl_solve)
    claim(ops("linalg.cross"), cross)
    claim(ops("linalg.vander", "torch.vander"), vander)
    claim(ops("linalg.tensorinv"), tensorinv)
    claim(ops("linalg.tensorsolve"), tensorsolve)
    claim(ops("linalg.matrix_power", "torch.matrix_power", "Tensor.matrix_power"), matrix_power)
