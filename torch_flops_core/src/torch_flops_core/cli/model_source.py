"""What a ``count`` SPEC resolves to: a :class:`ModelSource`, made by :mod:`.sources` (one function per scheme)
and :mod:`.programs` (``.pt2`` files), read by :mod:`.run`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .shapes import InputPoint

__all__ = ["ModelSource"]


@dataclass
class ModelSource:
    """What a SPEC resolved to: how to build the model, and its default inputs where known."""

    spec: str
    scheme: str
    """``timm``, ``torchvision``, ``hf``, ``module`` or ``file``."""
    build: Callable[[], Any]
    """Builds the model; called inside ``with torch.device(device):``."""
    default_input: Callable[[Any, int], InputPoint | None] = field(default=lambda model, batch: None)
    """The default inputs for a built model and a batch size, or ``None`` when unknown."""
    what: str = "building the model"
    """How to name ``build`` in an error message (``factory 'models.py:make'``)."""
    max_seq_len: Callable[[Any], int | None] = field(default=lambda model: None)
