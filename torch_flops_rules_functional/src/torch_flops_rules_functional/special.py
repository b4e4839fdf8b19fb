"""``torch.special`` functions without a rule in :mod:`.pointwise`: Bessel and Airy functions, the Hurwitz zeta
function, ``gammainc``/``gammaincc``, and the orthogonal polynomial families.

Costs: :data:`torch_flops_core.formulas.special.SPECIAL_COSTS` (1 per element: one library function, as ``erf``
or ``i0``), ``gammainc``/``gammaincc`` as ``igamma``/``igammac`` (``POINTWISE_COSTS``, the op they are), and
the polynomials by their recurrence, :func:`torch_flops_core.formulas.special.polynomial`, at the degree ``n``:
a number, or the largest value of a tensor ``n`` (every element is counted at that degree: an upper bound when
the degrees differ); a tensor ``n`` on the meta device has no values, and the call is not recognized.
"""

from __future__ import annotations

from torch_flops_core import NOT_RECOGNIZED, Call, NotRecognizedType, Registry, RuleFn
from torch_flops_core.formulas import POINTWISE_COSTS
from torch_flops_core.formulas.special import POLYNOMIAL_COSTS, SPECIAL_COSTS, polynomial, polynomial_degree, special
from torch_flops_core.rulekit import named, per_element
from torch_flops_core.shapes import out_numel

from ._common import ops

__all__ = ["fixed", "polynomial_rule", "register"]


def fixed(name: str) -> RuleFn:
    """A special function of fixed cost: ``SPECIAL_COSTS[name]·N``."""

    def rule(call: Call) -> int:
        return special(name, out_numel(call))

    return named(rule, name, f"special.{name}: {SPECIAL_COSTS[name]}·N, N = numel(out).", __name__)


def polynomial_rule(name: str) -> RuleFn:
    """A polynomial family: (a + b·max(n − 1, 0))·N at degree n (``POLYNOMIAL_COSTS[name] = (a, b)``)."""
    a, b = POLYNOMIAL_COSTS[name]

    def rule(call: Call) -> int | NotRecognizedType:
        n = polynomial_degree(call.arg(1, "n"))
        if n is None:
            return NOT_RECOGNIZED
        return polynomial(name, n, out_numel(call))

    doc = f"special.{name}: ({a} + {b}·max(n − 1, 0))·N at degree n (a tensor n: its largest value), N = numel(out)."
    return named(rule, name, doc, __name__)


def register(registry: Registry) -> None:
    for name in SPECIAL_COSTS:
        registry.function(*ops(f"special.{name}"))(fixed(name))
    for name in POLYNOMIAL_COSTS:
        registry.function(*ops(f"special.{name}"))(polynomial_rule(name))
    for name, op in (("gammainc", "igamma"), ("gammaincc", "igammac")):
        registry.function(*ops(f"special.{name}"))(per_element(POINTWISE_COSTS[op], name, __name__))
