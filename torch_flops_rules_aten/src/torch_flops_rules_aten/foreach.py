"""``aten._foreach_*``: one op applied to every tensor of a list (what optimizers with ``foreach=True`` and
gradient clipping run): ``torch_flops_core.rulekit.foreach``, the per-tensor op counted once per tensor by
the running count's own rule for it."""

from __future__ import annotations

import torch

from torch_flops_core import Registry
from torch_flops_core.rulekit import foreach

__all__ = ["register"]


def register(registry: Registry) -> None:
    names = sorted(
        {n[6:].split(".")[0] for n in torch._C._dispatch_get_all_op_names() if n.startswith("aten::_foreach")}
    )
    registry.function(*(getattr(torch.ops.aten, name) for name in names))(foreach)
