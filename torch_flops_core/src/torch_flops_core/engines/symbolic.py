"""Counting with symbolic sizes: the inputs' named dimensions become symbols, and every count an expression.

``count_flops(model, x, dims={"x": {0: "B", 1: "T"}})`` runs the model once on fake tensors (torch's
``FakeTensorMode``) whose named sizes are symbols of one ``ShapeEnv``, as ``torch.export`` does: an op's output
shapes are then expressions in them, so is whatever a rule computes from them (a rule is plain Python: ``2 * k * n``
on ``SymInt`` sizes is a ``SymInt``), and the recorder keeps each count as a sympy expression in the user's names
(``B``, ``T``). One name is one symbol wherever it appears (``input_ids`` and ``attention_mask`` share ``T``).

What the count assumed is part of the answer: a branch the model took on a size is a guard of the ``ShapeEnv``
(``T <= 1024``), returned with the result (:attr:`FlopsResult.guards`); a size that depends on data (``nonzero``,
MoE routing) is an unbacked symbol (``u0``), left in the expressions as an unknown, never guessed: it is named after
the op that made it (``nonzero``, ``nonzero_1``) and listed in :attr:`FlopsResult.unknowns`; ``evaluate`` needs its
value. A rule that
turns a symbolic size into a number (``int(n)``) would make the formula true at one size only: the count says which
sizes were fixed and refuses the result (:class:`~torch_flops_core.errors.SymbolicError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sympy
import torch
from torch._dynamo.source import ConstantSource
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv, free_unbacked_symbols
from torch.utils._sympy.symbol import SymT, symbol_is_type

from ..errors import InputError, SymbolicError, TorchFlopsError
from ..expressions import readable, size_symbol
from .inputs import parameter_names

__all__ = ["Dims", "Symbols"]

Dims = Mapping[str, Mapping[int, str]]
"""``dims=``: for each input (by its parameter name), the dimensions to make symbols, by index, and their names."""


class Symbols:
    """One symbolic count: its ``ShapeEnv``, the fake mode the model runs under, and the user's names of sizes."""

    def __init__(self, dims: Dims) -> None:
        self.dims = {name: dict(axes) for name, axes in dims.items()}
        self.env = ShapeEnv(duck_shape=False)
        self.mode = FakeTensorMode(shape_env=self.env, allow_non_fake_inputs=True)
        self._symbols: dict[str, Any] = {}  # a name's SymInt
        self.names: dict[sympy.Symbol, sympy.Symbol] = {}  # ShapeEnv symbol -> the user's
        self.hints: dict[str, int] = {}
        self._replacements = 0  # how many replacements the ShapeEnv had at the last check
        self._guard_count = 0  # how many guards it had then
        self._ranges = 0  # how many symbols the ShapeEnv had at the last check (new ones may be unknowns)
        self.unknown_ops: dict[str, str] = {}  # an unknown's name -> the op that made it

    def _size(self, name: str, hint: int, where: str) -> Any:
        """The ``SymInt`` of the size named ``name`` (made at its first use, with the example input's size as hint)."""
        if name in self._symbols:
            if self.hints[name] != hint:
                raise InputError(
                    f"dims= names {name!r} for sizes {self.hints[name]} and {hint} ({where}): one name is one size; "
                    "give the example inputs equal sizes where they share a name"
                )
            return self._symbols[name]
        if hint < 2:
            raise InputError(
                f"dims= names {name!r} for a size of {hint} ({where}): torch specialises sizes 0 and 1, so an example "
                "input must have at least 2 along a symbolic dimension"
            )
        symbol = self.env.create_symbol(hint, source=ConstantSource(name), dynamic_dim=DimDynamic.DYNAMIC)
        node = self.env.create_symintnode(symbol, hint=hint)
        self._symbols[name], self.hints[name] = node, hint
        self.names[symbol] = size_symbol(name)
        return node

    def inputs(
        self, model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The inputs, each tensor named in ``dims`` replaced by a fake tensor whose named sizes are symbols."""
        names = parameter_names(model, len(args))
        unknown = set(self.dims) - set(names) - set(kwargs)
        if unknown:
            raise InputError(
                f"dims= names {', '.join(sorted(map(repr, unknown)))}, which no input is called: the inputs are "
                f"{', '.join(map(repr, [*names, *kwargs])) or 'none'} (positional inputs by their parameter's name)"
            )
        new_args = tuple(self._fake(names[i], value) if i < len(names) else value for i, value in enumerate(args))
        new_kwargs = {key: self._fake(key, value) for key, value in kwargs.items()}
        return new_args, new_kwargs

    def _fake(self, name: str, value: Any) -> Any:
        axes = self.dims.get(name)
        if axes is None:
            return value
        if not isinstance(value, torch.Tensor):
            raise InputError(f"dims= names sizes of input {name!r}, which is a {type(value).__name__}, not a tensor")
        sizes: list[Any] = list(value.shape)
        for axis, size_name in axes.items():
            if not -value.dim() <= axis < value.dim():
                raise InputError(f"dims= names dimension {axis} of input {name!r}, which has {value.dim()}")
            sizes[axis] = self._size(size_name, int(value.shape[axis]), f"input {name!r}, dimension {axis}")
        with self.mode:
            fake = torch.empty(sizes, dtype=value.dtype, device=value.device)
        return fake.requires_grad_(value.requires_grad)

    @contextmanager
    def running(self) -> Iterator[None]:
        """The model runs in here: every tensor op on fake tensors. An error of torch's (a kernel that needs concrete
        sizes) becomes a :class:`SymbolicError` saying so; the rules' and the count's own errors pass as they are."""
        try:
            with self.mode:
                yield
        except TorchFlopsError:
            raise
        except Exception as error:
            raise SymbolicError(
                f"the model could not run with symbolic sizes (dims=): {type(error).__name__}: {error}. Some of "
                "torch's kernels need concrete sizes (F.interpolate to a computed size, as timm's dynamic_img_size "
                "does, an FFT); count without dims= at the sizes you need, or name other dimensions"
            ) from error

    def expression(self, value: Any) -> Any:
        """``value`` (an int, a ``SymInt``, a sympy expression) as an int when it is one, else as a sympy expression
        in the user's names."""
        if isinstance(value, torch.SymInt):
            node = value.node
            if not node.has_hint() or node.expr.free_symbols:
                return self._renamed(node.expr)
            return int(node.expr)
        if isinstance(value, sympy.Basic):
            return self._renamed(value)
        return value

    def _renamed(self, expr: sympy.Expr) -> Any:
        expr = self.env.simplify(expr)
        for symbol in free_unbacked_symbols(expr) - self.names.keys():  # made outside any recorded op: kept as u0
            self._name_unknown(symbol, str(symbol), "")
        expr = sympy.expand(expr.xreplace(self.names))
        return int(expr) if expr.is_Integer else expr

    def _name_unknowns(self, where: str) -> None:
        """Name the data-dependent sizes (unbacked symbols) the ShapeEnv gained since the last check after the op
        named in ``where`` (``... op 'nonzero'``): ``nonzero``, or ``nonzero_1``, ``nonzero_2`` when it made several."""
        if len(self.env.var_to_range) == self._ranges:
            return
        self._ranges = len(self.env.var_to_range)
        new = sorted(
            (s for s in self.env.var_to_range if s not in self.names and symbol_is_type(s, SymT.UNBACKED_INT)),
            key=lambda s: (len(s.name), s.name),
        )
        if not new:
            return
        op = where.rsplit(" op ", 1)[-1].strip("'") if " op " in where else ""
        base = op if op.isidentifier() else "u"
        for i, symbol in enumerate(new):
            self._name_unknown(symbol, base if len(new) == 1 else f"{base}_{i + 1}", op)

    def _name_unknown(self, symbol: sympy.Symbol, name: str, op: str) -> None:
        taken = {s.name for s in self.names.values()}
        unique, k = name, 1
        while unique in taken:
            k += 1
            unique = f"{name}_{k}"
        low = self.env.var_to_range[symbol].lower if symbol in self.env.var_to_range else None
        nonnegative = low is not None and bool(low >= 0)  # a count of rows (nonzero, a mask) is at least 0, maybe 0
        self.names[symbol] = (
            sympy.Symbol(unique, integer=True, nonnegative=True) if nonnegative else sympy.Symbol(unique, integer=True)
        )
        self.unknown_ops[unique] = op

    def unknowns(self, figures: Iterable[Any]) -> dict[str, str]:
        """The data-dependent sizes the ``figures`` (a result's expressions) depend on, by name: what made each (``"op
        'nonzero'"``). Their values are not known to the count; :meth:`FlopsResult.evaluate` needs them."""
        found: set[str] = set()
        for value in figures:
            if isinstance(value, sympy.Basic):
                found.update(s.name for s in value.free_symbols if s.name in self.unknown_ops)
        return {
            name: f"a size that depends on the data, made by op {op!r}" if op else "a size that depends on the data"
            for name, op in sorted(self.unknown_ops.items())
            if name in found
        }

    def guards(self) -> list[str]:
        """What the count assumed of the sizes (the branches the model took), in the user's names, as people write
        them (:func:`~torch_flops_core.expressions.readable`), each once; a bound of one size alone (``T ≤ 1024``) is
        in :meth:`ranges` instead."""
        found: dict[str, None] = {}
        for guard in self.env.guards:
            expr = guard.expr.xreplace(self.names)
            bound = (
                expr.is_Relational
                and expr.rel_op != "!="
                and any(a.is_Symbol and b.is_Integer for a, b in ((expr.lhs, expr.rhs), (expr.rhs, expr.lhs)))
            )
            if expr is not sympy.true and not bound:
                found[readable(expr)] = None
        return list(found)

    def ranges(self) -> dict[str, tuple[int, int | None]]:
        """Each named size's range (``None``: unbounded above), as the ``ShapeEnv`` narrowed it by the guards."""
        found: dict[str, tuple[int, int | None]] = {}
        for symbol, user in self.names.items():
            if user.name in self.hints and symbol in self.env.var_to_range:
                bounds = self.env.var_to_range[symbol]
                upper = int(bounds.upper) if bounds.upper.is_Integer else None  # torch's int_oo: no bound
                found[user.name] = (int(bounds.lower), upper)
        return found

    @staticmethod
    def validity(ranges: Mapping[str, tuple[int, int | None]], guards: list[str]) -> str:
        """The note a symbolic count carries: where its formulas hold."""
        spans = ", ".join(f"{low} ≤ {name}" + (f" ≤ {high}" if high is not None else "") for name, (low, high) in
                          ranges.items())  # fmt: skip
        shown = "; ".join(guards[:3]) + (f"; and {len(guards) - 3} more (result.guards)" if len(guards) > 3 else "")
        where = f", where {shown}" if guards else ""
        return f"symbolic count: its formulas hold for {spans}{where} (the branches the model took on these sizes)"

    def _pinned(self) -> dict[str, Any]:
        """Size expressions the new guards set equal to a number (``range(n)`` on ``⌊(H − 1)/2⌋ + 1``): a size fixed
        where torch could not solve for the symbol. An equality on a remainder (``T mod 8 = 0``) is a condition."""
        guards = self.env.guards
        if len(guards) == self._guard_count:
            return {}
        new, self._guard_count = guards[self._guard_count :], len(guards)
        pinned: dict[str, Any] = {}
        for guard in new:
            expr = guard.expr
            remainders = (type(f).__name__.endswith("Mod") for f in expr.atoms(sympy.Function, sympy.Mod))
            if not isinstance(expr, sympy.Eq) or any(remainders):
                continue
            for side, number in ((expr.lhs, expr.rhs), (expr.rhs, expr.lhs)):
                if number.is_number and side.free_symbols & self.names.keys():
                    pinned[readable(side.xreplace(self.names))] = number
        return pinned

    def check_not_fixed(self, where: str) -> None:
        """Refuse a count in which a named size was turned into a number (``int(T)`` in a rule or the model): its
        formula would hold at the example's size only. ``where``: what ran since the last check (the recorder checks
        before and after each rule). New data-dependent sizes are named after the op ``where`` names."""
        self._name_unknowns(where)
        pinned, fixed = self._pinned(), {}
        if len(self.env.replacements) != self._replacements:
            self._replacements = len(self.env.replacements)
            fixed = {
                self.names[symbol].name: value
                for symbol, value in self.env.replacements.items()
                if symbol in self.names and getattr(value, "is_number", False)
            }
        fixed = fixed or pinned  # a size fixed itself is what to fix; else the expression torch could not solve
        if fixed:
            listed = ", ".join(f"{name} = {value}" for name, value in sorted(fixed.items()))
            raise SymbolicError(
                f"the count fixed {listed}: {where} turned a symbolic size into a number (int(n), a Python branch on "
                "its exact value), so the formula would hold at that size only. Fix the rule to compute with the size "
                "as it is (SymInts take + − · // like ints), or count without dims= at the sizes you need",
                fixed,
            )
