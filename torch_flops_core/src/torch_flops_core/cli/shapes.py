"""Shapes and sweeps of the ``count`` inputs: :func:`parse_shape` reads one ``--input-shape`` (sizes, and
brace lists to sweep over), :func:`parse_int_list` a ``--seq-len`` list, and :func:`sweep_points` zips the
brace lists into one :class:`InputPoint` per count; anything malformed raises
:class:`~torch_flops_core.errors.UsageError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .usage import UsageError

if TYPE_CHECKING:  # annotations only: the parser imports this module, and --help never imports torch
    import torch

__all__ = ["Dim", "InputPoint", "dtype_name", "parse_int_list", "parse_shape", "sweep_points"]


Dim = int | tuple[int, ...]
"""One dimension of a shape as written: a size, or a brace list of sizes (a sweep)."""


def _positive(text: str, what: str, example: str) -> int:
    text = text.strip()
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"malformed {what}: {text!r} is not a positive integer; {example}")
    return int(text)


_SHAPE_EXAMPLE = "expected comma-separated positive integers such as 1,3,224,224 (a sweep: 1,3,{224,384,512})"


def parse_shape(text: str) -> list[Dim]:
    """``"1,3,{224,384},{224,384}"`` → ``[1, 3, (224, 384), (224, 384)]``.

    Dimensions are positive integers separated by commas; a dimension in braces is a list of sizes
    to sweep over. Anything else raises :class:`UsageError`.
    """
    where = f"--input-shape {text!r}"
    parts: list[str] = []
    depth, current = 0, ""
    for ch in text:
        if ch == "{":
            if depth:
                raise UsageError(f"malformed {where}: nested braces; {_SHAPE_EXAMPLE}")
            depth = 1
        elif ch == "}":
            if not depth:
                raise UsageError(f"malformed {where}: unbalanced '}}'; {_SHAPE_EXAMPLE}")
            depth = 0
        elif ch == "," and not depth:
            parts.append(current)
            current = ""
            continue
        current += ch
    if depth:
        raise UsageError(f"malformed {where}: unbalanced '{{'; {_SHAPE_EXAMPLE}")
    parts.append(current)
    dims: list[Dim] = []
    for part in parts:
        part = part.strip()
        if part.startswith("{") and part.endswith("}"):
            values = tuple(_positive(v, where, _SHAPE_EXAMPLE) for v in part[1:-1].split(","))
            dims.append(values[0] if len(values) == 1 else values)
        elif "{" in part or "}" in part:
            raise UsageError(f"malformed {where}: {part!r} mixes a size and a brace list; {_SHAPE_EXAMPLE}")
        else:
            dims.append(_positive(part, where, _SHAPE_EXAMPLE))
    return dims


def parse_int_list(text: str, option: str) -> list[int]:
    """``"512,1024,2048"`` (or ``"{512,1024,2048}"``) → ``[512, 1024, 2048]``."""
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    return [
        _positive(v, f"{option} {text!r}", "expected a positive integer or a comma list such as 512,1024")
        for v in inner.split(",")
    ]


@dataclass(frozen=True)
class InputPoint:
    """The inputs of one count: tensors of ``shapes`` (positional float tensors unless ``dtypes`` and
    ``names`` say otherwise), and ``input_ids`` when ``seq_len``."""

    shapes: tuple[tuple[int, ...], ...] = ()
    seq_len: int | None = None
    batch_size: int = 1
    size: int | None = None
    """The swept value of this point (a sweep's x axis); ``None`` outside sweeps."""
    dtypes: tuple[torch.dtype | None, ...] = ()
    """The dtype of each shape's tensor (an exported program's example inputs); missing or ``None``: the
    count's float dtype."""
    names: tuple[str | None, ...] = ()
    """The keyword of each shape's tensor; missing or ``None``: passed positionally."""
    seq_name: str | None = "input_ids"
    """The keyword of the token input made for ``seq_len``; ``None`` when ``shapes`` already hold the token
    inputs (an exported program's own, resized to ``batch_size`` × ``seq_len``)."""

    def dtype_at(self, index: int) -> torch.dtype | None:
        """The dtype of the tensor of ``shapes[index]`` (``None``: the count's float dtype)."""
        return self.dtypes[index] if index < len(self.dtypes) else None

    def name_at(self, index: int) -> str | None:
        """The keyword of the tensor of ``shapes[index]`` (``None``: positional)."""
        return self.names[index] if index < len(self.names) else None

    @property
    def tokens(self) -> int | None:
        """Tokens of a language model's input (batch × sequence length), ``None`` without ``input_ids``."""
        return self.batch_size * self.seq_len if self.seq_len is not None else None

    def describe(self) -> str:
        parts = []
        for i, shape in enumerate(self.shapes):
            name, dtype = self.name_at(i), self.dtype_at(i)
            text = "×".join(map(str, shape)) or "scalar"
            if name is not None:
                text = f"{name} {text}"
            if dtype is not None and not dtype.is_floating_point:  # float inputs: the dtype the header names
                text = f"{text} {dtype_name(dtype)}"
            parts.append(text)
        if self.seq_len is not None and self.seq_name is not None:
            parts.append(f"{self.seq_name} {self.batch_size}×{self.seq_len}")
        return ", ".join(parts) or "no inputs"

    def to_json(self, dtype: torch.dtype) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = [
            {"keyword": self.name_at(i), "shape": list(shape), "dtype": dtype_name(self.dtype_at(i) or dtype)}
            for i, shape in enumerate(self.shapes)
        ]
        if self.seq_len is not None and self.seq_name is not None:
            items.append({"keyword": self.seq_name, "shape": [self.batch_size, self.seq_len], "dtype": "int64"})
        return items


def sweep_points(shape_args: Sequence[str]) -> list[InputPoint]:
    """Expand ``--input-shape`` values into one :class:`InputPoint` per sweep size.

    Brace lists are zipped, not crossed: ``1,3,{224,384},{224,384}`` gives 1×3×224×224 and
    1×3×384×384, so every brace list in a command must have the same length.
    """
    parsed = [parse_shape(text) for text in shape_args]
    groups = [d for dims in parsed for d in dims if isinstance(d, tuple)]
    lengths = {len(g) for g in groups}
    if len(lengths) > 1:
        raise UsageError(
            f"the brace lists in --input-shape have different lengths ({', '.join(map(str, sorted(lengths)))}); "
            "they are zipped, one size from each per count, so give them equally many sizes"
        )
    if not groups:
        return [InputPoint(shapes=tuple(tuple(d for d in dims if isinstance(d, int)) for dims in parsed))]
    points = []
    for i in range(lengths.pop()):
        shapes = tuple(tuple(d[i] if isinstance(d, tuple) else d for d in dims) for dims in parsed)
        points.append(InputPoint(shapes=shapes, size=groups[0][i]))
    return points


def dtype_name(dtype: torch.dtype) -> str:
    """``float32`` for ``torch.float32``: a dtype as the command line spells it."""
    return str(dtype).removeprefix("torch.")
