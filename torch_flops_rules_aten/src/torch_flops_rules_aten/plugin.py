"""The ``aten`` entry point: registers every rule family of this pack, at the lowest priority."""

from __future__ import annotations

from torch_flops_core.rulekit import pack_hook

from . import (
    attention,
    backward,
    collectives,
    conv,
    foreach,
    fused,
    linalg,
    loss,
    matmul,
    misc,
    norm,
    pointwise,
    pooling,
    recurrent,
    reduction,
    resample,
    softmax,
    special,
    spectral,
    statistics,
    zero,
)

FAMILIES = (
    matmul, conv, attention, fused, foreach, recurrent, pointwise, reduction, softmax, norm, pooling, resample, loss,
    misc, linalg, spectral, special, statistics, backward, collectives, zero,
)  # fmt: skip

torch_flops_register_rules = pack_hook(*FAMILIES)
