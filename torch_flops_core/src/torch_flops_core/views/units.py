"""Human units for people: FLOPs, MACs, bytes and rates in decimal SI prefixes (``8.23 GFLOPs``), intensity
with three significant digits. Tables and charts use them; JSON and CSV hold exact integers only.
"""

from __future__ import annotations

from typing import Any

from ..expressions import polynomial
from ..rules import is_symbolic

__all__ = ["figure", "format_bytes", "format_flops", "format_intensity", "format_macs"]


def figure(n: Any) -> str:
    """An exact figure: an int with thousands separators (``8,227,340,288``), a symbolic count's expression by
    powers of its sizes (``1.84e4·T² + 1.24e8·T``)."""
    return polynomial(n)


_PREFIXES = ("", "K", "M", "G", "T", "P", "E")


def format_flops(n: int | float, unit: str = "FLOPs") -> str:
    """``n`` in decimal SI units with three significant digits: ``8.23 GFLOPs``, ``950 FLOPs``.

    Prefixes are powers of 1000 (K, M, G, T, P, E). ``unit=""`` gives the bare number and prefix
    (``8.23 G``), as on a chart's axis. A symbolic count's expression is written by powers (:func:`figure`).
    """
    if is_symbolic(n):
        return f"{figure(n)} {unit}".rstrip()
    value = float(n)
    i = 0
    while abs(value) >= 999.5 and i < len(_PREFIXES) - 1:
        value /= 1000.0
        i += 1
    if i == 0:
        text = f"{int(n)}" if float(n).is_integer() else f"{value:.3g}"
        return f"{text} {unit}".rstrip()
    digits = 2 if abs(value) < 9.995 else 1 if abs(value) < 99.95 else 0
    return f"{value:.{digits}f} {_PREFIXES[i]}{unit}".rstrip()


def format_macs(n: int | float) -> str:
    """``n`` multiply-accumulates in human units: ``4.09 GMACs``."""
    return format_flops(n, "MACs")


def format_bytes(n: int | float) -> str:
    """Bytes in decimal units: ``3.49 GB``, ``512 B``."""
    return format_flops(n, "B")


def format_intensity(value: float | None) -> str:
    """FLOPs per byte with three significant digits (``""`` when there is none)."""
    if value is None:
        return ""
    return str(value) if is_symbolic(value) else f"{value:.3g}"
