"""``torch._foreach_*``: one function applied to every tensor of a list (what optimizers with ``foreach=True``
and gradient clipping call): ``torch_flops_core.rulekit.foreach``, the per-tensor aten op counted once per
tensor, as the aten pack counts ``aten._foreach_*`` (a foreach call and the aten op it runs count the same)."""

from __future__ import annotations

import torch

from torch_flops_core import Registry
from torch_flops_core.rulekit import foreach

__all__ = ["register"]


def register(registry: Registry) -> None:
    registry.function(*(getattr(torch, name) for name in sorted(dir(torch)) if name.startswith("_foreach_")))(foreach)
