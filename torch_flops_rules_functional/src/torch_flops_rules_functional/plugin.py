"""The ``functional`` entry point: registers every rule family of this pack, at the lowest priority."""

from __future__ import annotations

from torch_flops_core.rulekit import pack_hook

from . import (
    activation,
    arithmetic,
    attention,
    conv,
    decompositions,
    distance,
    dropout,
    embedding,
    factory,
    foreach,
    linalg,
    loss,
    masked_index,
    matmul,
    metadata,
    norm,
    pointwise,
    pooling,
    recurrent,
    reduction,
    resample,
    shape,
    special,
    spectral,
    statistics,
)

FAMILIES = (
    arithmetic, pointwise, activation, reduction, matmul, conv, norm, pooling, resample, embedding, attention,
    recurrent, dropout, loss, distance, foreach, linalg, decompositions, spectral, special, statistics, masked_index,
    shape, factory, metadata,
)  # fmt: skip

torch_flops_register_rules = pack_hook(*FAMILIES)
