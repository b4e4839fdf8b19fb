"""The figures of a symbolic count (``dims=``): exact expressions in named sizes, evaluated and written out.

A symbolic count's FLOPs, MACs and bytes are sympy expressions in the sizes the user named (``B``, ``T``), or ints
where they do not depend on them. :func:`size_symbol` is the symbol of a name, :func:`evaluated` the figure at given
sizes, :func:`polynomial` its terms by powers (``1.93e9·T + 2.4e5·T²``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["evaluated", "evaluation_sizes", "polynomial", "size_symbol"]


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
    return text.replace("+ -", "− ").replace("+ −", "− ")


def _generator(gen: Any) -> str:
    return str(gen) if gen.is_Symbol else f"({gen})"


def _number(value: int, digits: int) -> str:
    if abs(value) < 10**digits:
        return str(value)
    return f"{value:.{digits - 1}e}".replace("e+0", "e").replace("e+", "e")


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _superscript(power: int) -> str:
    return "" if power == 1 else str(power).translate(_SUPERSCRIPTS)
