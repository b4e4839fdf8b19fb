"""The plain data of a count: one :class:`OpRecord` per op, one :class:`ModuleRow` per module path, and the
phases of a count (:data:`PHASES`). :class:`~torch_flops_core.results.FlopsResult` gathers them, and
:mod:`torch_flops_core.results` re-exports these names (the path users know).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .aliases import op_name
from .parameters import ParamCounts
from .rules import NOT_RECOGNIZED, NotRecognizedType, RecordKind

__all__ = ["PHASES", "ROOT_LABEL", "ModuleRow", "OpRecord", "Phase"]

ROOT_LABEL = "(root)"
"""How reports name the ops outside every submodule (module path ``""``)."""

Phase = Literal["forward", "loss", "backward", "recompute"]
PHASES: tuple[Phase, ...] = ("forward", "loss", "backward", "recompute")
"""The phases of a count, in the order they run: the model's forward; the loss computed from its output
(``count_flops(..., backward=True)`` only); the backward pass; forward ops that activation
checkpointing runs again during the backward."""


@dataclass(slots=True)
class OpRecord:
    """What one op (one FX node, or one eager call) cost.

    ``flops`` is an int, or :data:`NOT_RECOGNIZED` when no rule knows the op. ``ignored`` is true
    for ops named in ``ignore_ops`` (counted 0). Time is in milliseconds; memory columns are bytes
    of ``torch.cuda.memory_allocated`` and ``None`` wherever they were not measured (cpu, meta).
    """

    name: str
    kind: RecordKind
    target: Any
    """The raw target: module path (``call_module``), function object, or method name."""
    module_path: str
    """The path of the module the op ran in (``""``: the root), as ``named_modules()`` spells it."""
    module_type: str
    """The class *name* of that module (``"Linear"``): records are plain data, so they hold names, not the
    classes or the modules, and keep no model alive (the seed's ``nn_module_stack[-1]`` column)."""
    flops: int | NotRecognizedType
    macs: int = 0
    plugin: str | None = None
    rule: str | None = None
    ignored: bool = False
    time_ms: float | None = None
    mem_before: int | None = None
    mem_after: int | None = None
    mem_delta: int | None = None
    phase: Phase = "forward"
    """Which pass ran the op (:data:`PHASES`): ``"forward"`` unless the backward was counted."""
    bytes: int | None = None
    """Bytes the op reads from its tensor inputs and writes to its outputs (unfused traffic, see
    :mod:`torch_flops_core.traffic`); ``None`` for graph inputs and outputs, or with ``count_bytes=False``."""

    @property
    def intensity(self) -> float | None:
        """Arithmetic intensity, FLOPs per byte moved; ``None`` without FLOPs (not recognized) or bytes, or where either
        is a symbolic count's expression (a rate is left to the evaluated result)."""
        if type(self.flops) is int and type(self.bytes) is int and self.bytes:
            return self.flops / self.bytes
        return None

    @property
    def target_name(self) -> str:
        """The target spelled for people: ``operator.add``, ``Tensor.softmax``, ``layer1.0.conv1``."""
        return op_name(self.target)

    @property
    def recognized(self) -> bool:
        return self.flops is not NOT_RECOGNIZED

    @property
    def status(self) -> str:
        """``counted``, ``ignored`` or ``not recognized``."""
        if self.ignored:
            return "ignored"
        return "counted" if self.flops is not NOT_RECOGNIZED else str(NOT_RECOGNIZED)


@dataclass(frozen=True, slots=True)
class ModuleRow:
    """One module path's share of a result (see :meth:`FlopsResult.module_table`)."""

    path: str
    """Module path cut to the requested depth; ``""`` for ops that belong to no submodule."""
    flops: int
    """Recognized FLOPs of the ops under ``path`` (exact)."""
    macs: int
    ops: int
    """Number of ops (calls) under ``path``, recognized or not."""
    share: float
    """``flops / result.total`` (0.0 when the total is 0); of the phase's total when rows are of one phase; with
    ``convention="2mac"``, ``macs / result.total_macs`` (the share of the figure the rows are ordered by)."""
    forward: int = 0
    """The ``flops`` of the module's ops in the forward phase (also ``loss``, ``backward``, ``recompute``)."""
    loss: int = 0
    backward: int = 0
    recompute: int = 0
    bytes: int | None = 0
    """Bytes its ops move (the sum of their unfused traffic); ``None`` when bytes were not counted
    (``count_bytes=False``): unknown, not 0."""
    time_ms: float = 0.0
    """Time of its ops (0.0 when not measured)."""
    params: ParamCounts | None = None
    """Parameters and buffers of the module at ``path``, its whole subtree (shared tensors once); for the root row
    (``""``) at a depth of 1 or more, which holds the ops outside every submodule, the root's own; ``None`` where the
    path names no module of the model (:func:`~torch_flops_core.parameters.row_params`)."""

    @property
    def intensity(self) -> float | None:
        """FLOPs per byte moved by the module's ops; ``None`` when they move no bytes."""
        return self.flops / self.bytes if self.bytes else None

    @property
    def label(self) -> str:
        """``path``, or ``(root)`` for ops outside every submodule."""
        return self.path or ROOT_LABEL
