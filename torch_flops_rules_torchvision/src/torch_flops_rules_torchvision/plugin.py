"""The ``torchvision`` entry point: registers every rule family of this pack, at the lowest priority."""

from __future__ import annotations

from torch_flops_core import Registry, hookimpl

from . import deform_conv, nms, roi_align, roi_pool

FAMILIES = (nms, roi_align, roi_pool, deform_conv)


@hookimpl(trylast=True)
def torch_flops_register_rules(registry: Registry) -> None:
    for family in FAMILIES:
        family.register(registry)
