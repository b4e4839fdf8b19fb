"""The ``nn`` entry point: registers every rule family of this pack, at the lowest priority."""

from __future__ import annotations

from torch_flops_core.rulekit import pack_hook

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
"""The rule families, registered in this order (``rulekit.pack_hook``)."""

torch_flops_register_rules = pack_hook(*FAMILIES)
