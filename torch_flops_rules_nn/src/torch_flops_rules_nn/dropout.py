"""Dropout family: what torch runs in training, 0 in eval (``torch_flops_core.formulas.dropout``).

In training with 0 < p < 1: the mask scaled by 1/(1 − p) and the input times it, ``numel(mask) + N`` (the mask
one value per element for ``nn.Dropout``, per (batch, channel) for ``nn.Dropout1d/2d/3d``); alpha dropout
(``nn.AlphaDropout``, ``nn.FeatureAlphaDropout``) ``4·numel(mask) + 2N``; p = 1: N; eval or p = 0: 0. The same
counts as the functional pack's ``F.dropout*`` and the aten ops torch runs for them.
"""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import dropout as dropout_cost
from torch_flops_core.formulas import feature_mask
from torch_flops_core.shapes import numel

__all__ = ["dropout", "register"]

_SPATIAL: dict[type[nn.Module], int | None] = {
    nn.Dropout1d: 1, nn.Dropout2d: None, nn.Dropout3d: 3, nn.FeatureAlphaDropout: None,
}  # fmt: skip
"""Feature dropouts and their spatial dims (an unbatched input of spatial + 1 dims has one mask value per channel)."""


def dropout(call: Call) -> int:
    """Dropout: in training numel(mask) + N (Dropout 2N), alpha 4·numel(mask) + 2N; N for p = 1; 0 in eval, p = 0."""
    module = call.module_as(nn.modules.dropout._DropoutNd)
    x = call.arguments()["input"]
    n = numel(x)
    feature = next((c for c in type(module).__mro__ if c in _SPATIAL), None)
    mask = feature_mask(x.shape, _SPATIAL[feature]) if feature is not None else n
    alpha = isinstance(module, (nn.AlphaDropout, nn.FeatureAlphaDropout))
    return dropout_cost(n, mask, module.p, module.training, alpha=alpha)


def register(registry: Registry) -> None:
    registry.module(nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)(
        dropout
    )
