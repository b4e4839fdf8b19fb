"""The shared formulas this pack's families use, from core's one home for them (``torch_flops_core.formulas``)."""

from __future__ import annotations

from torch_flops_core.formulas import contraction, total

__all__ = ["contraction", "total"]
