"""Formulas of the special-function family: per-element costs of ``torch.special`` functions not in
:data:`torch_flops_core.formulas.POINTWISE_COSTS`, and the polynomial families by their recurrence.

A special function of fixed cost is one evaluation of a library routine, 1 FLOP per element, as the
convention counts ``erf``, ``lgamma``, ``digamma`` and ``i0`` (``POINTWISE_COSTS``). ATen's kernels
(``aten/src/ATen/native/Math.h``, derived from Cephes) branch on the value: ``bessel_j0`` runs two
polynomials of degrees 3 and 7 in x² for |x| ≤ 5, four of degrees 6, 6, 7, 6 in 25/x² plus a cos, a sin and a
square root above; ``modified_bessel_i0`` a Chebyshev series of 30 or 25 terms; ``airy_ai`` and ``zeta`` iterate
until the terms fall below the machine epsilon. No count from shapes is exact for them, and ``special.i0`` and
``special.modified_bessel_i0`` (one function, two kernels) must count alike: 1 each.

A polynomial of degree n is evaluated by its three-term recurrence (the kernels of ``Math.h``): P_1 and the
loop's constants once (a FLOPs), then n − 1 steps of b FLOPs each, with the integer arithmetic on the step k
free: a + b·max(n − 1, 0) per element. ``docs/conventions.md`` states each value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

import torch

from ..shapes import at_least

__all__ = ["POLYNOMIAL_COSTS", "SPECIAL_COSTS", "polynomial", "polynomial_degree", "special"]

SPECIAL_COSTS: Final[Mapping[str, int]] = {
    # Bessel functions (Math.h: bessel_j0_forward ..., rational approximations in two ranges of x)
    "bessel_j0": 1, "bessel_j1": 1, "bessel_y0": 1, "bessel_y1": 1,
    # modified Bessel functions (Math.h: Chebyshev series of 10 to 30 terms in two ranges), and exp(x)·K
    "modified_bessel_i0": 1, "modified_bessel_i1": 1, "modified_bessel_k0": 1, "modified_bessel_k1": 1,
    "scaled_modified_bessel_k0": 1, "scaled_modified_bessel_k1": 1,
    # sin(x)/x, a series below |x| = 0.5: one function, as sinc is
    "spherical_bessel_j0": 1,
    # Airy Ai (rational approximations or a power series to convergence)
    "airy_ai": 1,
    # Hurwitz zeta(x, q) (Euler–Maclaurin summation, up to 9 + 12 terms): one function of two arguments, as igamma
    "zeta": 1,
}  # fmt: skip
"""FLOPs per output element of the ``torch.special`` functions of fixed cost without a ``POINTWISE_COSTS`` entry."""

POLYNOMIAL_COSTS: Final[Mapping[str, tuple[int, int]]] = {
    # name: (a, b): P_1 and the loop's constants once, then b per recurrence step
    "chebyshev_polynomial_t": (1, 2),  # 2x once; T_k = 2x·T_{k−1} − T_{k−2}: multiply, subtract
    "chebyshev_polynomial_u": (1, 2),  # U_1 = 2x; same recurrence
    "chebyshev_polynomial_v": (2, 2),  # V_1 = 2x − 1; same recurrence
    "chebyshev_polynomial_w": (2, 2),  # W_1 = 2x + 1; same recurrence
    "shifted_chebyshev_polynomial_t": (3, 2),  # y = 2x − 1, 2y once; recurrence in y
    "shifted_chebyshev_polynomial_u": (3, 2),  # y = 2x − 1, U*_1 = 2y
    "shifted_chebyshev_polynomial_v": (4, 2),  # V*_1 = 2y − 1
    "shifted_chebyshev_polynomial_w": (4, 2),  # W*_1 = 2y + 1
    "hermite_polynomial_h": (1, 3),  # H_1 = 2x; H_k = 2x·H_{k−1} − 2(k − 1)·H_{k−2}: 2 multiplies, subtract
    "hermite_polynomial_he": (1, 3),  # He_1 = x (the 1 is the floor); He_k = x·He_{k−1} − (k − 1)·He_{k−2}
    "laguerre_polynomial_l": (1, 5),  # L_1 = 1 − x; ((2k + 1 − x)·L_k − k·L_{k−1})/(k + 1): add, 2 mul, sub, div
    "legendre_polynomial_p": (1, 5),  # P_1 = x (the 1 is the floor); ((2k + 1)·x·P_k − k·P_{k−1})/(k + 1)
}
"""The polynomial families: ``(a, b)`` for a + b·max(n − 1, 0) FLOPs per element at degree n."""


def special(name: str, n: int) -> int:
    """A special function of fixed cost over n output elements: ``SPECIAL_COSTS[name]·n``."""
    return SPECIAL_COSTS[name] * n


def polynomial(name: str, degree: int, n: int) -> int:
    """A polynomial of ``degree`` (the kernel's ``int64`` cast of ``n``) over n output elements, by its recurrence:
    (a + b·max(degree − 1, 0))·n with ``(a, b) = POLYNOMIAL_COSTS[name]``; a degree ≤ 1 costs a."""
    a, b = POLYNOMIAL_COSTS[name]
    return (a + b * at_least(degree - 1, 0)) * n


def polynomial_degree(n: Any) -> int | None:
    """The degree a polynomial kernel evaluates for its argument ``n`` (``static_cast<int64_t>``): a number, or the
    largest value of a tensor ``n`` (an upper bound for its other elements); ``None`` for a tensor without values
    (meta); a NaN or infinite ``n`` is −1 (the kernel returns without a recurrence)."""
    if isinstance(n, torch.Tensor):
        if n.device.type == "meta":
            return None
        if n.numel() == 0:
            return 0
        n = n.detach().max().item()
    value = float(n)
    return int(value) if math.isfinite(value) else -1
