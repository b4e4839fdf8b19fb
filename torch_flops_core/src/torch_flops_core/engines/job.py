"""What an engine is handed for one count (:class:`Job`) and what it hands back (:class:`Ran`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch.fx as fx

from ..registry import RuleTable
from .guard import Guarded
from .ignore import IgnoreMarker, IgnoreSpec
from .recorder import Recorder

__all__ = ["Job", "Ran"]


@dataclass(slots=True)
class Job:
    """One count: the model and its inputs, the live rule table and ``ignore_ops``, the recorder the ops go to, what
    :func:`~torch_flops_core.engines.guard.preserve_model` saw, the marker of ignored calls (``None`` when not
    needed), and the notes the result will carry."""

    model: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    table: RuleTable
    ignore: IgnoreSpec
    recorder: Recorder
    guarded: Guarded
    marker: IgnoreMarker | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Ran:
    """What an engine's run gives back: the model's output, the engine that ran, the graph it counted (fx and aten
    graphs), and the modules it ignored as wholes at the aten level (the backward ignores their ops too)."""

    output: Any
    engine: str
    graph: fx.Graph | None = None
    ignored_paths: set[str] = field(default_factory=set)
