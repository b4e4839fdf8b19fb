"""``torch.distributed``'s collectives as ops of a count: the functional collectives (``_c10d_functional.*``, what
DTensor and tensor parallelism run), c10d's (``c10d.*``, what FSDP2 and ``dist.all_reduce`` run) and DTensor's
all-to-all, with the ops around them that compute nothing (waiting for a collective, wrapping its output, barriers).

A collective computes no FLOPs in this convention (an all-reduce's additions are not counted); what it moves is
communication: a per-rank count notes each one's payload and its ring bytes on the wire
(:mod:`torch_flops_core.communication`). Its record's bytes are its tensors' memory traffic, as for any op.
"""

from __future__ import annotations

import contextlib
import importlib
from typing import Any

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.communication import COLLECTIVE_OPS

__all__ = ["WAITS", "collective", "register", "waiting"]

WAITS = (
    "_c10d_functional::wait_tensor", "_c10d_functional::_wrap_tensor_autograd", "c10d::barrier",
    "c10d::monitored_barrier_",
)  # fmt: skip
"""Ops around a collective that compute and send nothing: a wait, the autograd wrapper of a collective's output, a
barrier."""


def collective(call: Call) -> int:
    """A collective (all-reduce, all-gather, reduce-scatter, all-to-all, broadcast, send, receive): 0 FLOPs; its bytes
    on the wire are communication (torch_flops_core.communication)."""
    return 0


def waiting(call: Call) -> int:
    """Waiting for a collective, wrapping its output for autograd, a barrier: 0."""
    return 0


def _packets(names: Any) -> list[Any]:
    """The op packets of ``names`` (``ns::name``) this torch has; none without ``torch.distributed``."""
    found = []
    for name in names:
        namespace, _, op = name.partition("::")
        try:
            found.append(getattr(getattr(torch.ops, namespace), op))
        except (AttributeError, RuntimeError):
            continue
    return found


def register(registry: Registry) -> None:
    if not torch.distributed.is_available():
        return
    with contextlib.suppress(ImportError):  # registers _c10d_functional::_wrap_tensor_autograd (a Python custom op)
        importlib.import_module("torch.distributed._functional_collectives")
    registry.function(*_packets(COLLECTIVE_OPS))(collective)
    registry.function(*_packets(WAITS))(waiting)
