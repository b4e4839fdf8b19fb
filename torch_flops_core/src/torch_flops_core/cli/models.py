"""The model and its inputs on the command line: :func:`build_model` (a SPEC's source built on a device, in
eval mode and a dtype), :func:`make_inputs` (the tensors of an input point) and what the commands read off a
built model (its tensors, device, weight bytes and float dtype).
"""

from __future__ import annotations

from typing import Any

import torch

from .model_source import ModelSource
from .shapes import InputPoint
from .sources import raised_as_usage
from .usage import UsageError

__all__ = ["build_model", "device_of", "float_dtype", "make_inputs", "tensors_of", "weight_bytes"]


def tensors_of(model: Any) -> list[torch.Tensor]:
    """A module's parameters and buffers; an exported program's state and constants, then example inputs."""
    if isinstance(model, torch.nn.Module):
        return [*model.parameters(), *model.buffers()]
    if isinstance(model, torch.export.ExportedProgram):
        args, kwargs = model.example_inputs or ((), {})
        found = [*model.state_dict.values(), *model.constants.values(), *args, *kwargs.values()]
        return [t for t in found if isinstance(t, torch.Tensor)]
    return []


def device_of(model: Any, fallback: str) -> torch.device:
    """Where the model's first tensor is, else ``fallback``."""
    for t in tensors_of(model):
        return t.device
    return torch.device(fallback)


def weight_bytes(model: Any) -> int:
    """Bytes of a module's parameters and buffers (0 for anything else)."""
    if not isinstance(model, torch.nn.Module):
        return 0
    return sum(t.numel() * t.element_size() for t in (*model.parameters(), *model.buffers()))


def build_model(source: ModelSource, device: str, dtype: torch.dtype | None) -> Any:
    """``source.build()`` under ``torch.device(device)``, in eval mode and ``dtype``."""
    try:
        with torch.device(device):
            model = source.build()
    except UsageError:
        raise
    except Exception as exc:
        raise raised_as_usage(f"{source.what} on {device}", exc) from exc
    if isinstance(model, torch.nn.Module):
        model.eval()
        if dtype is not None:
            model.to(dtype)
    elif not callable(model) and not isinstance(model, torch.export.ExportedProgram):
        raise UsageError(f"{source.what} returned a {type(model).__name__}, not an nn.Module")
    return model


def make_inputs(point: InputPoint, device: torch.device, dtype: torch.dtype) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Inputs of ``point.shapes``: random floats (of ``dtype`` unless the point names another), zeros of an
    integer or bool dtype (valid token ids), each positional or by its keyword; and ``input_ids``."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for i, shape in enumerate(point.shapes):
        kind = point.dtype_at(i) or dtype
        if kind.is_floating_point or kind.is_complex:
            tensor = torch.randn(shape, dtype=kind, device=device)
        else:
            tensor = torch.zeros(shape, dtype=kind, device=device)
        name = point.name_at(i)
        if name is None:
            args.append(tensor)
        else:
            kwargs[name] = tensor
    if point.seq_len is not None and point.seq_name is not None:
        kwargs[point.seq_name] = torch.zeros(point.batch_size, point.seq_len, dtype=torch.long, device=device)
    return tuple(args), kwargs


def float_dtype(model: Any) -> torch.dtype:
    """The dtype of the model's first floating-point tensor (float32 when it has none)."""
    for t in tensors_of(model):
        if t.is_floating_point():
            return t.dtype
    return torch.float32
