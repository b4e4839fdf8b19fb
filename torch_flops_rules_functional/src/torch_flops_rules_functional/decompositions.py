"""Linear algebra's iterative decompositions: ``torch.linalg`` SVD and eigendecompositions (Golub & Van Loan's
estimates, ``torch_flops_core.formulas.linalg``), and the functions torch builds on them: ``pinv``, ``polar``,
``matrix_sqrth``, ``matrix_rank``, ``cond``. The factorizations and solves (LAWN 41) are the ``linalg`` family's;
its docstring states the conventions both share (per matrix times the batch, complex inputs, the grad path).

Values-only decompositions (``svdvals``, ``eigvalsh``, ``eigvals``, ``torch.svd(compute_uv=False)``, and
``matrix_rank`` and ``cond`` through them) compute the vectors too where torch takes their autograd path
(grad enabled and an input requiring grad): the rule counts what runs.
"""

from __future__ import annotations

import torch

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry
from torch_flops_core.formulas import linalg as la
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import numel

from ._common import ops
from .linalg import grad_path, matrix_argument

__all__ = ["register"]


def linalg_svd(call: Call) -> Count:
    """linalg.svd(A, full_matrices=True): GVL Fig. 8.6.1 with U and V (thin: 14mn² + 8n³ | 6mn² + 11n³, the cheaper)."""
    a = matrix_argument(call)
    full = bool(call.arg(1, "full_matrices", True))
    return la.svd(a.shape, True, full, a.is_complex())


def svdvals(call: Call) -> Count:
    """linalg.svdvals: GVL Fig. 8.6.1, Σ only (4mn² − 4n³/3 | 2mn² + 2n³, the cheaper); thin U, V on the grad path."""
    a = matrix_argument(call)
    return la.svd(a.shape, grad_path(a), False, a.is_complex())


def torch_svd(call: Call) -> Count:
    """torch.svd(A, some=True, compute_uv=True): GVL Fig. 8.6.1; Σ only when compute_uv=False off the grad path."""
    a = matrix_argument(call)
    some, compute_uv = call.arg(1, "some", True), call.arg(2, "compute_uv", True)
    return la.svd(a.shape, bool(compute_uv) or grad_path(a), not some, a.is_complex())


def eig(call: Call) -> Count:
    """linalg.eig of (*, n, n): GVL §7.5.6, 25n³ (T, Q) + 4n³/3 (eigenvectors) per matrix."""
    a = matrix_argument(call)
    return la.eig(a.shape, True, a.is_complex())


def eigvals(call: Call) -> Count:
    """linalg.eigvals: GVL §7.5.6, 10n³ per matrix (with the eigenvectors on the grad path)."""
    a = matrix_argument(call)
    return la.eig(a.shape, grad_path(a), a.is_complex())


def eigh(call: Call) -> Count:
    """linalg.eigh of (*, n, n): GVL §8.3, 9n³ per matrix."""
    a = matrix_argument(call)
    return la.eigh(a.shape, True, a.is_complex())


def eigvalsh(call: Call) -> Count:
    """linalg.eigvalsh: GVL §8.3, 4n³/3 per matrix (9n³ with the eigenvectors on the grad path)."""
    a = matrix_argument(call)
    return la.eigh(a.shape, grad_path(a), a.is_complex())


def pinv(call: Call) -> Count:
    """linalg.pinv: thin SVD (hermitian: eigh) + tolerance + reciprocals + V·diag(1/σ)·Uᴴ per matrix."""
    a = matrix_argument(call)
    hermitian = call.kwargs.get("hermitian", call.args[2] if len(call.args) > 2 else False)
    return la.pinv(a.shape, bool(hermitian), a.is_complex())


def pinverse(call: Call) -> Count:
    """torch.pinverse: linalg.pinv's count (thin SVD + tolerance + reciprocals + the product)."""
    a = matrix_argument(call)
    return la.pinv(a.shape, False, a.is_complex())


def polar(call: Call) -> Count:
    """linalg.polar of (*, m, n): thin SVD + W·Vᴴ + V·Σ·Vᴴ per matrix."""
    a = matrix_argument(call)
    return la.polar(a.shape, a.is_complex())


def matrix_sqrth(call: Call) -> Count:
    """linalg.matrix_sqrth of (*, n, n): eigh (9n³) + √λ + Q·diag(√λ)·Qᴴ per matrix."""
    a = matrix_argument(call)
    return la.matrix_sqrth(a.shape, a.is_complex())


def matrix_rank(call: Call) -> Count:
    """linalg.matrix_rank: SVD values (hermitian: eigh + |λ| + max) + tolerance (2R) + R·k compares + R·(k − 1) adds."""
    a = matrix_argument(call)
    hermitian = call.kwargs.get("hermitian", call.args[2] if len(call.args) > 2 else False)
    atol = call.kwargs.get("atol")
    picked = atol.numel() if isinstance(atol, torch.Tensor) and call.kwargs.get("rtol") is None else 0
    return la.matrix_rank(a.shape, numel(call.output), bool(hermitian), grad_path(a), a.is_complex(), picked)


def cond(call: Call) -> Count | NotRecognizedType:
    """linalg.cond(A, p): p None, ±2: SVD values + R; 'nuc': SVD values + n·R + 2 sums + R; 'fro', ±1, ±∞: the
    inverse + the masking (R + n²·R) + the two matrix norms + 2R."""
    a = matrix_argument(call)
    counted = la.cond(a.shape, call.arg(1, "p"), grad_path(a), a.is_complex())
    return NOT_RECOGNIZED if counted is None else counted


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim(ops("linalg.svd"), linalg_svd)
    claim(ops("linalg.svdvals"), svdvals)
    claim(ops("torch.svd", "Tensor.svd"), torch_svd)
    claim(ops("linalg.eig"), eig)
    claim(ops("linalg.eigvals"), eigvals)
    claim(ops("linalg.eigh"), eigh)
    claim(ops("linalg.eigvalsh"), eigvalsh)
    claim(ops("linalg.pinv"), pinv)
    claim(ops("torch.pinverse", "Tensor.pinverse"), pinverse)
    claim(ops("linalg.polar"), polar)
    claim(ops("linalg.matrix_sqrth"), matrix_sqrth)
    claim(ops("linalg.matrix_rank"), matrix_rank)
    claim(ops("linalg.cond"), cond)
