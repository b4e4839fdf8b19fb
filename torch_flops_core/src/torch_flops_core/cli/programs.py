"""Exported programs as models: a ``path/to/program.pt2`` SPEC (:func:`program_source`), and the command
line's inputs in a program's own terms (:func:`program_point`): the dtypes and keywords of its example inputs,
token inputs resized by ``--seq-len``, and a :class:`UsageError` for a size its graph fixed when exported.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from .model_source import ModelSource
from .shapes import InputPoint
from .usage import UsageError

__all__ = ["program_point", "program_source"]


def program_source(spec: str) -> ModelSource:
    """``path/to/program.pt2``: a program saved with ``torch.export.save``, counted node by node with the
    aten rules; its example inputs (their shapes, dtypes and keywords) are the default inputs. It is
    loaded on cpu and moved, parameters, buffers and constants, to the device it is built on (meta by
    default), see :func:`program_point` for ``--input-shape`` and ``--seq-len``."""
    path = Path(spec).expanduser()
    if not path.is_file():
        raise UsageError(f"model not found: no file {spec!r}")

    def build() -> Any:
        import torch.export

        device = torch.get_default_device() if hasattr(torch, "get_default_device") else torch.device("cpu")
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)  # torch.export logs a traceback of its own before raising
        try:
            with torch.device("cpu"):  # a program's tensors are loaded where they were saved from
                program = torch.export.load(str(path))
        except Exception as exc:
            raise UsageError(
                f"cannot load {spec!r} as an exported program ({type(exc).__name__}: {_first(exc)}); a .pt2 SPEC "
                "is a file written by torch.export.save(torch.export.export(model, inputs), path)"
            ) from None
        finally:
            logging.disable(previous)
        return _moved(program, device)

    def default_input(program: Any, batch: int) -> InputPoint | None:
        leaves = _example_leaves(program)
        if leaves is None:
            return None
        return InputPoint(
            shapes=tuple(tuple(t.shape) for _, _, t in leaves),
            dtypes=tuple(t.dtype for _, _, t in leaves),
            names=tuple(keyword for _, keyword, _ in leaves),
        )

    return ModelSource(spec, "program", build, default_input, what=f"loading {spec!r}")


def _moved(program: Any, device: torch.device) -> Any:
    """``program`` with its parameters, buffers, constants and example inputs on ``device`` (the graph's
    own device arguments too): an op mixing a cpu weight and a meta input (batch norm) fails otherwise."""
    tensors = [*program.state_dict.values(), *program.constants.values()]
    if all(not isinstance(t, torch.Tensor) or t.device == device for t in tensors):
        return program
    try:
        from torch.export.passes import move_to_device_pass
    except ImportError:  # torch < 2.6
        raise NotImplementedError(
            f"this torch has no torch.export.passes.move_to_device_pass to move the program to {device.type}; "
            "count it with --device cpu"
        ) from None
    return move_to_device_pass(program, device)


def _example_leaves(program: Any) -> list[tuple[str, str | None, torch.Tensor]] | None:
    """The example inputs of ``program`` as (name in the graph, keyword or ``None``, tensor), ``None`` when
    it has none or one is not a tensor."""
    inputs = getattr(program, "example_inputs", None)
    if not inputs:
        return None
    args, kwargs = inputs
    values = [(None, a) for a in args] + [(k, v) for k, v in kwargs.items()]
    if not all(isinstance(v, torch.Tensor) for _, v in values):
        return None
    graph_names = list(program.graph_signature.user_inputs)
    if len(graph_names) != len(values):
        graph_names = [keyword or f"input {i}" for i, (keyword, _) in enumerate(values)]
    return [(str(g), keyword, v) for g, (keyword, v) in zip(graph_names, values, strict=True)]


def _token_like(t: torch.Tensor) -> bool:
    return t.dim() == 2 and not t.is_floating_point() and not t.is_complex()


def program_point(program: Any, point: InputPoint, spec: str, batch: int | None = None) -> InputPoint:
    """The command line's inputs for an exported program, in its own terms: ``--input-shape`` shapes take
    the dtypes and keywords of the program's example inputs (when as many are given); ``--seq-len N``
    resizes its token inputs (the integer or bool tensors of 2 dimensions shaped like the first of them)
    to ``batch × N`` (``batch``: ``--batch-size``, or the example's) and keeps the others as exported.
    A size a program exported with static shapes cannot take is a :class:`UsageError` saying how to
    export it."""
    leaves = _example_leaves(program)
    if point.seq_len is not None:
        tokens = [i for i, (_, _, t) in enumerate(leaves or []) if _token_like(t)]
        if leaves is None or not tokens:
            raise UsageError(
                f"--seq-len: {spec} takes no token input (an integer tensor of batch × sequence); its example "
                f"inputs are {_describe(leaves)}: give --input-shape"
            )
        like = leaves[tokens[0]][2].shape
        resized = {i for i in tokens if leaves[i][2].shape == like}
        batch = like[0] if batch is None else batch
        shapes = tuple((batch, point.seq_len) if i in resized else tuple(t.shape) for i, (_, _, t) in enumerate(leaves))
        point = replace(point, shapes=shapes, batch_size=batch, seq_name=None)
    elif leaves is None or len(point.shapes) != len(leaves):
        return point
    point = replace(point, dtypes=tuple(t.dtype for _, _, t in leaves), names=tuple(k for _, k, _ in leaves))
    _check_static(program, point, leaves, spec)
    return point


def _check_static(
    program: Any, point: InputPoint, leaves: list[tuple[str, str | None, torch.Tensor]], spec: str
) -> None:
    """A :class:`UsageError` for a size the program's graph fixed when it was exported (its placeholders'
    sizes are plain integers, not symbols): its views and expands would not fit any other."""
    placeholders = {n.name: n for n in program.graph.nodes if n.op == "placeholder"}
    for (name, _, _), shape in zip(leaves, point.shapes, strict=True):
        node = placeholders.get(name)
        value = node.meta.get("val") if node is not None else None
        if not isinstance(value, torch.Tensor):
            continue
        exported = tuple(value.shape)
        if len(exported) != len(shape) or any(
            isinstance(d, int) and d != s for d, s in zip(exported, shape, strict=True)
        ):
            raise UsageError(
                f"{spec} was exported with {name} of shape {_shape(exported)}, not {_shape(shape)}: export it with "
                "dynamic_shapes (torch.export.Dim) for the sizes to vary, or count it on its example inputs"
            )


def _shape(shape: Sequence[Any]) -> str:
    return "×".join(map(str, shape)) or "scalar"


def _describe(leaves: list[tuple[str, str | None, torch.Tensor]] | None) -> str:
    if not leaves:
        return "unknown"
    return ", ".join(f"{name} {_shape(tuple(t.shape))} {str(t.dtype).removeprefix('torch.')}" for name, _, t in leaves)


def _first(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""
