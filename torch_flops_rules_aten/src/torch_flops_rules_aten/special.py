"""The aten ops of ``torch.special`` functions without a rule in :mod:`.pointwise` (``special_bessel_j0``,
``special_zeta``, ``special_chebyshev_polynomial_t`` ..., and ``special_erfcx``, ``special_i0e``,
``special_i1``, ``special_i1e``, ``special_ndtri``, ``special_log_ndtr``, ``special_entr``, ``special_xlog1py``,
whose costs are in ``POINTWISE_COSTS``).

The costs are the functional pack's: :mod:`torch_flops_core.formulas.special` (``SPECIAL_COSTS``, the
polynomials by their recurrence at degree ``n``: a number, or the largest value of a tensor ``n``, not
recognized on meta) and ``POINTWISE_COSTS``. ``igamma``, ``polygamma``, ``digamma``, ``lgamma``, ``i0`` ... are
the pointwise family's; the composite ``special_*`` aliases (``special_gammainc`` is ``igamma``) decompose.
"""

from __future__ import annotations

from torch_flops_core import NOT_RECOGNIZED, Call, NotRecognizedType, Registry, RuleFn, rulekit
from torch_flops_core.formulas import POINTWISE_COSTS
from torch_flops_core.formulas.special import POLYNOMIAL_COSTS, SPECIAL_COSTS, polynomial, polynomial_degree, special
from torch_flops_core.shapes import out_numel

from ._ops import aten

__all__ = ["POINTWISE_SPECIAL", "fixed", "polynomial_rule", "register", "table_cost"]

POINTWISE_SPECIAL = ("entr", "erfcx", "i0e", "i1", "i1e", "log_ndtr", "ndtri", "xlog1py")
"""``special_<name>`` aten ops whose cost is ``POINTWISE_COSTS[name]`` (the functional pack's ``special.<name>``)."""


def fixed(name: str) -> RuleFn:
    """special_<name>: ``SPECIAL_COSTS[name]·N``."""

    def rule(call: Call) -> int:
        return special(name, out_numel(call))

    return rulekit.named(rule, name, f"aten.special_{name}: {SPECIAL_COSTS[name]}·N, N = numel(out).")


def table_cost(name: str) -> RuleFn:
    """special_<name>: ``POINTWISE_COSTS[name]·N``."""
    return rulekit.per_element(POINTWISE_COSTS[name], name, __name__, what=f"aten.special_{name}")


def polynomial_rule(name: str) -> RuleFn:
    """special_<name>(x, n): (a + b·max(n − 1, 0))·N at degree n (``POLYNOMIAL_COSTS[name] = (a, b)``)."""
    a, b = POLYNOMIAL_COSTS[name]

    def rule(call: Call) -> int | NotRecognizedType:
        n = polynomial_degree(call.arguments()["n"])
        if n is None:
            return NOT_RECOGNIZED
        return polynomial(name, n, out_numel(call))

    doc = f"aten.special_{name}: ({a} + {b}·max(n − 1, 0))·N at degree n (a tensor n: its largest value)."
    return rulekit.named(rule, name, doc)


def register(registry: Registry) -> None:
    for name in SPECIAL_COSTS:
        registry.function(*aten(f"special_{name}"))(fixed(name))
    for name in POLYNOMIAL_COSTS:
        registry.function(*aten(f"special_{name}"))(polynomial_rule(name))
    for name in POINTWISE_SPECIAL:
        registry.function(*aten(f"special_{name}"))(table_cost(name))
