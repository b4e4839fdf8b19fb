"""Bytes an op moves: what it reads from its tensor inputs and writes to its tensor outputs.

The definition (``docs/conventions.md``): the bytes of every distinct tensor the op takes (positional
and keyword arguments, one level into lists and tuples; a module counted whole also reads its
parameters and buffers) plus the bytes of every distinct tensor it returns, each ``numel ×
element_size``. It is *unfused* traffic: each op reads its operands from memory and writes its result
back, an upper bound on what a fused kernel moves. Ops that move no data count 0: a view of an input
(``x.view``, ``x.t()``, ``x[0]``), an op that returns an input unchanged (``x.contiguous()`` on a
contiguous tensor, ``x.float()`` of a float), and queries that return no tensor (``x.size()``). An op
writing into an input (``x.add_(y)``) reads and writes it. A rule may give a better figure for an op
whose traffic is not its operands (an embedding reads the rows it looks up, not the table):
``Count(flops, bytes=...)``.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = [
    "IN_PLACE_DUNDERS", "aliasing", "io_bytes", "lookup_bytes", "module_bytes", "module_io_bytes", "tensor_bytes",
]  # fmt: skip

_Tensor = torch.Tensor

IN_PLACE_DUNDERS = frozenset(
    f"__i{op}__"
    for op in (
        "add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor", "lshift", "rshift",
    )
)  # fmt: skip
"""The augmented assignments (``x += y``): they write into their left operand."""


_NO_DATA = frozenset({
    "detach", "alias", "requires_grad_", "share_memory_", "rename_", "resize_", "set_", "detach_", "retain_grad",
})  # fmt: skip
"""Calls that share their input's storage without being a view of it (``detach``), or change a tensor's flags
and metadata, not its data (``requires_grad_``): they move nothing."""


def aliasing(target: object) -> str:
    """How an op's outputs alias its inputs: ``"write"`` (it writes into an input: ``add_``, ``relu_``,
    ``__iadd__``, an ``out=`` variant; not ``__add__``), ``"view"`` (it shares an input's data and moves nothing:
    ``detach``, a view op, flag setters such as ``requires_grad_``), or ``""``. An aten op is read from its schema,
    a function by its ``__name__``, a ``Tensor`` method by its name."""
    schema = getattr(target, "_schema", None)
    if schema is not None:
        infos = [r.alias_info for r in schema.returns if r.alias_info is not None]
        if any(info.is_write for info in infos):
            return "write"
        return "view" if infos else ""
    name = target if isinstance(target, str) else getattr(target, "__name__", None)
    if not isinstance(name, str):
        return ""
    if name in _NO_DATA:
        return "view"
    if (name.endswith("_") and not name.endswith("__")) or name in IN_PLACE_DUNDERS:
        return "write"
    return ""


def _tensors(values: Any, into: list[_Tensor]) -> None:
    """Append the distinct tensors among ``values`` (one level into lists and tuples) to ``into``."""
    for value in values:
        if isinstance(value, _Tensor):
            for seen in into:
                if seen is value:
                    break
            else:
                into.append(value)
        elif (type(value) is tuple or type(value) is list) and value and not isinstance(value[0], tuple | list):
            _tensors(value, into)


_SPARSE_PARTS = {
    torch.sparse_coo: ("_indices", "_values"),
    torch.sparse_csr: ("crow_indices", "col_indices", "values"),
    torch.sparse_bsr: ("crow_indices", "col_indices", "values"),
    torch.sparse_csc: ("ccol_indices", "row_indices", "values"),
    torch.sparse_bsc: ("ccol_indices", "row_indices", "values"),
}


def tensor_bytes(t: _Tensor) -> int:
    """A tensor's bytes: ``t.nbytes``; for a sparse tensor, its indices and values (what it stores); for a
    tensor that cannot say, ``numel × element_size``, else 0. Never raises: bytes must not stop a count."""
    if t._has_symbolic_sizes_strides:  # a symbolic count's fake tensor: nbytes raises there (85 µs a time)
        return t.numel() * t.element_size()
    try:
        return t.nbytes
    except Exception:  # sparse layouts and some subclasses have no nbytes
        pass
    try:
        parts = _SPARSE_PARTS.get(t.layout)
        if parts is not None:
            return sum(getattr(t, part)().nbytes for part in parts)
        return t.numel() * t.element_size()
    except Exception:
        return 0


def io_bytes(args: tuple[Any, ...], kwargs: dict[str, Any] | None, output: Any, in_place: bool = False) -> int:
    """Bytes read from the tensors among ``args``/``kwargs`` plus bytes written to those of ``output``.

    0 when the op returns no tensor, or only inputs (unless ``in_place``: it wrote them) and views of
    inputs. ``in_place``: the op writes into an input (``add_``, ``__iadd__``, an aten op whose schema says so).
    """
    if not isinstance(output, _Tensor):
        return _general(args, kwargs, output, in_place)
    try:  # the common case, one tensor out, inlined: it runs once per op
        if output._has_symbolic_sizes_strides:
            return _general(args, kwargs, output, in_place)
        base = output._base
        total = output.nbytes
        first = second = None  # the distinct tensors read so far (a third sends the op to the general path)
        for a in (*args, *kwargs.values()) if kwargs else args:
            if isinstance(a, _Tensor):
                if not in_place and (a is output or (base is not None and (a is base or a._base is base))):
                    return 0  # a view of an input, or the input itself
                if a is first or a is second:
                    continue
                if first is None:
                    first = a
                elif second is None:
                    second = a
                else:
                    return _general(args, kwargs, output, in_place)
                total += a.nbytes
            elif (type(a) is tuple or type(a) is list) and a:
                return _general(args, kwargs, output, in_place)
        return total
    except Exception:  # a tensor without nbytes (sparse) or without _base (some subclasses)
        return _general(args, kwargs, output, in_place)


def _general(args: tuple[Any, ...], kwargs: dict[str, Any] | None, output: Any, in_place: bool) -> int:
    """:func:`io_bytes` for lists of tensors in or out (``torch.cat``, ``split``, multi-output ops)."""
    outputs: list[_Tensor] = []
    if isinstance(output, _Tensor):
        outputs.append(output)
    elif type(output) is tuple or type(output) is list:
        _tensors(output, outputs)
    if not outputs:
        return 0
    inputs: list[_Tensor] = []
    _tensors(args, inputs)
    if kwargs:
        _tensors(kwargs.values(), inputs)
    if not in_place:
        outputs = [t for t in outputs if not _aliases(t, inputs)]
        if not outputs:  # views of the inputs, or the inputs themselves: no data moved
            return 0
    return sum(map(tensor_bytes, inputs)) + sum(map(tensor_bytes, outputs))


def _aliases(t: _Tensor, inputs: list[_Tensor]) -> bool:
    """Whether ``t`` is one of ``inputs`` or a view of one (or of the tensor one views)."""
    base = getattr(t, "_base", None)
    for x in inputs:
        if x is t:
            return True
        if base is not None and (x is base or getattr(x, "_base", None) is base):
            return True
    return False


def module_bytes(module: torch.nn.Module) -> int:
    """Bytes of a module's parameters and buffers (what a module counted whole also reads)."""
    if not module._modules:  # a leaf (Linear, Conv2d ...): the usual module counted whole
        total = 0
        for t in module._parameters.values():
            if t is not None:
                total += tensor_bytes(t)
        for b in module._buffers.values():
            if b is not None:
                total += tensor_bytes(b)
        return total
    total = 0
    seen: set[int] = set()
    stack = [module]
    while stack:  # the containers directly, not named_parameters(): this runs for every module counted whole
        m = stack.pop()
        for t in m._parameters.values():
            if t is not None and id(t) not in seen:
                seen.add(id(t))
                total += tensor_bytes(t)
        for b in m._buffers.values():
            if b is not None and id(b) not in seen:
                seen.add(id(b))
                total += tensor_bytes(b)
        stack.extend(sub for sub in m._modules.values() if sub is not None)
    return total


def module_io_bytes(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any] | None, output: Any) -> int:
    """A module counted whole as one op: its inputs and outputs, and its parameters and buffers it reads
    (0 when it returns its input or a view of it: ``nn.Identity``, ``nn.Flatten``, dropout in eval; a
    module with ``inplace=True`` reads and writes its input)."""
    moved = io_bytes(args, kwargs, output, module.__dict__.get("inplace") is True)  # ReLU(inplace=True)
    if isinstance(moved, torch.SymInt):  # a symbolic count: a data-dependent size (nonzero) may be 0, not decided here
        from torch.fx.experimental.symbolic_shapes import statically_known_true

        if not statically_known_true(moved != 0):
            return torch.sym_ite(moved != 0, moved + module_bytes(module), 0 * moved)
    return moved + module_bytes(module) if moved else 0


def lookup_bytes(indices: _Tensor, weight: _Tensor, output: Any, *extra: Any) -> int:
    """A table lookup (embedding, embedding bag): the indices, the rows looked up (numel(indices) rows of
    the table's last dimension, not the whole table), the output, and any ``extra`` tensors (offsets,
    per-sample weights). For rules: ``Count(flops, bytes=lookup_bytes(...))``."""
    rows = indices.numel() * (weight.shape[-1] if weight.dim() else 1) * weight.element_size()
    total = tensor_bytes(indices) + rows
    if isinstance(output, _Tensor):
        total += tensor_bytes(output)
    elif isinstance(output, tuple | list) and output and isinstance(output[0], _Tensor):
        total += tensor_bytes(output[0])  # embedding_bag's result; the rest is bookkeeping (offsets, bag sizes)
    return total + sum(tensor_bytes(t) for t in extra if isinstance(t, _Tensor))
