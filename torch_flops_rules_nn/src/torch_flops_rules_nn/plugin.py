"""The ``nn`` entry point: registers every rule family of this pack, at the lowest priority."""

from __future__ import annotations

from torch_flops_core import Registry, hookimpl

from . import (
    activation,
    attention,
    conv,
    distance,
    dropout,
    embedding,
    fold,
    linear,
    loss,
    norm,
    padding,
    pooling,
    resample,
    rnn,
    shape,
    shuffle,
    transformer,
)

FAMILIES = (
    linear, conv, fold, pooling, norm, activation, attention, transformer, rnn, embedding,
    resample, shuffle, padding, dropout, shape, distance, loss,
)  # fmt: skip


@hookimpl(trylast=True)
def torch_flops_register_rules(registry: Registry) -> None:
    for family in FAMILIES:
        family.register(registry)
