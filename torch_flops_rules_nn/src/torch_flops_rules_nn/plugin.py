"""The ``nn`` entry point: registers every rule family of this pack, at the lowest priority."""

from __future__ import annotations

from torch_flops_core import Registry, hookimpl

from . import activation, conv, dropout, linear, norm, pooling, shape

FAMILIES = (linear, conv, pooling, norm, activation, dropout, shape)


@hookimpl(trylast=True)
def torch_flops_register_rules(registry: Registry) -> None:
    for family in FAMILIES:
        family.register(registry)
