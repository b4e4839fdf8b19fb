"""Dropout: what torch runs in training, 0 in eval (``torch_flops_core.formulas.dropout``, as the nn modules).

In training with 0 < p < 1 torch draws a mask (a random draw: free), scales it by 1/(1 − p) and multiplies the
input by it: ``numel(mask) + N``, the mask one value per element (plain dropout: 2N) or per (batch, channel)
(``dropout1d/2d/3d``, ``feature_dropout``); alpha dropout also shifts the mask and adds it back:
``4·numel(mask) + 2N``. p = 1 multiplies by 0 (N); p = 0 and eval return the input (0). cpu runs this as
``bernoulli_``, ``div_``, ``mul``; cuda's fused ``native_dropout`` (x·mask·scale) counts the same 2N.
"""

from __future__ import annotations

import inspect

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import dropout as dropout_cost
from torch_flops_core.formulas import feature_mask
from torch_flops_core.rulekit import Claimer

from ._common import variants

__all__ = ["dropout"]

_SPATIAL = {"dropout1d": 1, "dropout2d": None, "dropout3d": 3, "feature_dropout": None, "feature_alpha_dropout": None}
"""Feature dropouts, and the spatial dims that tell an unbatched input (``formulas.feature_mask``)."""


def dropout(call: Call) -> int:
    """Dropout of any kind: in training mask + N (plain 2N; alpha 4·mask + 2N), N for p = 1, 0 in eval or for p = 0."""
    name = getattr(call.target, "__name__", "").rstrip("_")
    x = call.arg(0, "input")
    if not isinstance(x, torch.Tensor):
        return 0
    if inspect.isfunction(call.target):  # F.*: ``training``, default True, but False for the alpha dropouts
        args = call.arguments()
        p, training = args["p"], args["training"]
    else:  # torch.* (C builtins): (input, p, train), all required
        p, training = call.arg(1, "p", 0.5), call.arg(2, "train", True)
    n = x.numel()
    if name == "native_dropout":  # the fused kernel multiplies by the mask and the scale whatever p
        return 2 * n if training is not False else 0
    mask = feature_mask(x.shape, _SPATIAL[name]) if name in _SPATIAL else n
    return dropout_cost(n, mask, p, bool(training), alpha="alpha" in name)


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim(
        variants("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
                 "feature_dropout", "native_dropout"),
        dropout,
    )  # fmt: skip
