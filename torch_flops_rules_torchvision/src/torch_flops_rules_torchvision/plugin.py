"""The ``torchvision`` entry point: registers every rule family of this pack, at the lowest priority."""

from __future__ import annotations

from torch_flops_core.rulekit import pack_hook

from . import deform_conv, nms, roi_align, roi_pool

FAMILIES = (nms, roi_align, roi_pool, deform_conv)

torch_flops_register_rules = pack_hook(*FAMILIES)
