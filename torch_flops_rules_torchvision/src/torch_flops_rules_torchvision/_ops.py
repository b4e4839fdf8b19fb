"""Finding torchvision's dispatcher ops by name, and telling whether values can be read."""

from __future__ import annotations

from typing import Any

import torch
import torchvision  # noqa: F401  (loads torchvision's C++ ops: torch.ops.torchvision.* exist from here on)
from torch._subclasses.fake_tensor import is_fake

__all__ = ["readable", "vision"]


def vision(*names: str) -> list[Any]:
    """The ``torch.ops.torchvision`` packets named ``names``; names this torchvision lacks are skipped.

    One claim of a packet covers both engines: the default engine sees the packet called
    (``torch.ops.torchvision.nms``), the aten engine and the backward its overload (``nms.default``).
    """
    found = []
    for name in names:
        try:
            found.append(getattr(torch.ops.torchvision, name))
        except (AttributeError, RuntimeError):
            continue
    return found


def readable(tensor: torch.Tensor) -> bool:
    """Whether a tensor's values can be read: not on ``meta``, not a fake tensor of a trace."""
    return tensor.device.type != "meta" and not is_fake(tensor)
