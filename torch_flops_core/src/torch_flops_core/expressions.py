"""The figures of a symbolic count (``dims=``): exact expressions in named sizes, evaluated and written out.

A symbolic count's FLOPs, MACs and bytes are sympy expressions in the sizes the user named (``B``, ``T``), or ints
where they do not depend on them. :func:`size_symbol` is the symbol of a name, :func:`evaluated` the figure at given
sizes, :func:`polynomial` its terms by powers (``1.93e9·T + 2.4e5·T²``), :func:`readable` an expression or a guard as
people write it (``⌊(H − 1)/2⌋ + 1 ≠ 1``). :func:`ceil_log2_function` is the one function of sizes a formula may need
beyond + − · // (a sort's ⌈log2 n⌉ compares), kept exact in the expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

__all__ = ["ceil_log2_function", "evaluated", "evaluation_sizes", "polynomial", "readable", "size_symbol"]


def size_symbol(name: str) -> Any:
    """The symbol of a size named ``name`` in a result's expressions: a positive integer."""
    import sympy  # torch imports it too; only symbolic counts need it

    return sympy.Symbol(name, integer=True, positive=True)


def evaluated(value: Any, sizes: Mapping[str, int]) -> Any:
    """``value`` at ``sizes`` (each name's value): an int for an expression in those names, ``value`` itself when it
    is not an expression (an int, ``NOT_RECOGNIZED``, ``None``). A name the expression needs and ``sizes`` lacks is a
    ``ValueError`` naming it."""
    if not hasattr(value, "free_symbols"):
        return value
    import sympy

    values = {s: sympy.Integer(sizes[s.name]) for s in value.free_symbols if s.name in sizes}  # by name: a size or an
    result = value.xreplace(values)  # unknown (a data-dependent size, whose symbol may be 0)
    if result.free_symbols:
        missing = ", ".join(sorted(str(s) for s in result.free_symbols))
        raise ValueError(f"evaluate() needs a value for {missing}: the figures depend on it")
    return int(result)


def evaluation_sizes(sizes: Mapping[str, int], unknowns: Mapping[str, str], given: Mapping[str, int]) -> dict[str, int]:
    """The values ``FlopsResult.evaluate(**given)`` evaluates at: the example's ``sizes`` overridden by ``given``, which
    must give every one of ``unknowns`` (data-dependent sizes, by name, with what they are) and name nothing else."""
    names = [*sizes, *unknowns]
    odd = sorted(set(given) - set(names))
    if odd:
        raise ValueError(f"evaluate() got {', '.join(odd)}; the sizes are {', '.join(names)}")
    missing = [name for name in unknowns if name not in given]
    if missing:
        what = "; ".join(f"{name} is {unknowns[name]}" for name in missing)
        example = ", ".join(f"{name}=..." for name in missing)
        raise ValueError(
            f"evaluate() needs a value for {', '.join(missing)}: {what}, which the count cannot know. "
            f"Give it: evaluate({example})"
        )
    return {**sizes, **given}


def polynomial(value: Any, digits: int = 3) -> str:
    """``value`` written as a sum of terms, highest powers first, coefficients to ``digits`` significant digits
    (``2.4e5·T² + 1.93e9·T``); an int is written with thousands separators."""
    if not hasattr(value, "free_symbols"):
        return f"{value:,}" if isinstance(value, int) else str(value)
    import sympy

    try:
        poly = sympy.Poly(value, *sorted(value.free_symbols, key=str))
    except sympy.PolynomialError:  # floor divisions (a convolution's output size): terms in them
        try:
            poly = sympy.Poly(value)
        except sympy.PolynomialError:
            return str(value)
    terms = []
    for powers, coefficient in poly.terms():
        factor = "·".join(
            f"{_generator(gen)}{_superscript(power)}" for gen, power in zip(poly.gens, powers, strict=True) if power
        )
        number = _number(int(coefficient), digits)
        if factor:
            number = "" if number == "1" else "−" if number == "-1" else number + "·"
        terms.append(f"{number}{factor}")
    text = " + ".join(terms) if terms else "0"
    text = _RECIPROCAL.sub(r"/\1", text).replace("+ -", "− ").replace("+ −", "− ")  # 145·(1/B) → 145/B
    return text


def _generator(gen: Any) -> str:
    text = readable(gen)
    return text if gen.is_Symbol or (text[0] in "⌊⌈" and text[-1] in "⌋⌉") else f"({text})"


def readable(expr: Any) -> str:
    """An expression or a guard as people write it: ``⌊(H − 1)/2⌋`` for a floor division, ``⌈log2 N⌉``, ``≠ ≤ ≥``
    and ``a mod b``; ``str`` of anything that is not a sympy expression. JSON and CSV keep sympy's own form (which
    ``sympy.sympify`` reads back); the text views print this one."""
    if not hasattr(expr, "free_symbols"):
        return str(expr)
    text = _printer().doprint(expr).replace(" - ", " − ").replace("**", "^").replace("*", "·")
    return _BRACKETED.sub(r"\1", text)  # (⌊a/b⌋) → ⌊a/b⌋: the floor's brackets are parentheses enough


_RECIPROCAL = re.compile(r"·\(1/(\w+)\)")
_BRACKETED = re.compile(r"\(([⌊⌈][^⌊⌋⌈⌉]*[⌋⌉])\)")


@cache
def _printer() -> Any:
    from sympy.printing.str import StrPrinter

    class Readable(StrPrinter):
        printmethod = "_readable"  # not torch's _sympystr: its FloorDiv prints ((a//b))

        def _print_FloorDiv(self, expr: Any) -> str:
            return f"⌊{self.parenthesize(expr.args[0], 50)}/{self.parenthesize(expr.args[1], 50)}⌋"  # 50: a product

        def _print_CeilLog2(self, expr: Any) -> str:
            inner = self._print(expr.args[0])
            return f"⌈log2 {inner}⌉" if expr.args[0].is_Symbol else f"⌈log2({inner})⌉"

        def _print_Mod(self, expr: Any) -> str:
            return f"{self.parenthesize(expr.args[0], 50)} mod {self.parenthesize(expr.args[1], 50)}"

        PythonMod = _print_Mod

        def _print_Relational(self, expr: Any) -> str:
            op = {"!=": "≠", "<=": "≤", ">=": "≥", "==": "="}.get(expr.rel_op, expr.rel_op)
            return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    Readable._print_PythonMod = Readable._print_Mod
    return Readable()


@cache
def ceil_log2_function() -> Any:
    """The sympy function ``CeilLog2(n)`` = ⌈log2 n⌉ for n ≥ 1, 0 for n ≤ 1 (a sort's compares per element): an
    integer, evaluated exactly (``(n − 1).bit_length()``) once its argument is a number."""
    import sympy

    class CeilLog2(sympy.Function):
        is_integer = True
        is_nonnegative = True

        @classmethod
        def eval(cls, n: Any) -> Any:
            if n.is_Integer:
                return sympy.Integer(int(n - 1).bit_length() if n > 1 else 0)
            return None

    return CeilLog2


def _number(value: int, digits: int) -> str:
    if abs(value) < 10**digits:
        return str(value)
    return f"{value:.{digits - 1}e}".replace("e+0", "e").replace("e+", "e")


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _superscript(power: int) -> str:
    return "" if power == 1 else str(power).translate(_SUPERSCRIPTS)
