"""Pooling: average, max and power-average, fixed, fractional and adaptive windows; max unpooling."""

from __future__ import annotations

import math

from torch import nn

from torch_flops_core import Call, Registry, formulas
from torch_flops_core.formulas import adaptive_pool
from torch_flops_core.shapes import numel, out_numel

_ADAPTIVE_DIMS: dict[type, int] = {
    nn.AdaptiveAvgPool1d: 1, nn.AdaptiveAvgPool2d: 2, nn.AdaptiveAvgPool3d: 3,
    nn.AdaptiveMaxPool1d: 1, nn.AdaptiveMaxPool2d: 2, nn.AdaptiveMaxPool3d: 3,
}  # fmt: skip


def _dims(module: nn.Module) -> int:
    """Pooled dimensions of an adaptive pool, from the torch class it is (or derives from)."""
    return next(_ADAPTIVE_DIMS[c] for c in type(module).__mro__ if c in _ADAPTIVE_DIMS)


def _kernel(size: int | tuple[int, ...]) -> int:
    """k of a fixed window, the seed's way: numel of a tuple kernel_size, but an int counts once.

    ``MaxPool2d(3)`` counts k = 3, ``MaxPool2d((3, 3))`` k = 9. The seed read an int kernel_size as
    a one-element size; its published ResNet-50 figure (8,227,340,288) depends on it, so the
    built-in rule keeps it (docs/conventions.md). Override the rule to count the full window.
    """
    return size if isinstance(size, int) else math.prod(size)


def _adaptive(call: Call, maximum: bool) -> int:
    """Σ over an adaptive pool's outputs of their windows' sizes (− 1 each for max): torch's exact windows (start
    ⌊i·in/out⌋, end ⌈(i + 1)·in/out⌉ per dim, formulas.adaptive_pool), times the leading (batch, channel) elements.
    When in is a multiple of out every window is in/out and this is k'·N (max (k' − 1)·N), the seed's count."""
    module = call.module_as(nn.Module)
    out = call.output[0] if isinstance(call.output, tuple) else call.output
    return adaptive_pool(call.arguments()["input"].shape, out.shape, _dims(module), maximum)


def avg_pool(call: Call) -> int:
    """AvgPoolNd: k·N; k = numel(kernel_size) (an int kernel_size counts as k), N = numel(out)."""
    module = call.module_as(nn.modules.pooling._AvgPoolNd)
    return formulas.avg_pool(_kernel(module.kernel_size), out_numel(call))  # type: ignore[arg-type]


def max_pool(call: Call) -> int:
    """MaxPoolNd: (k − 1)·N; k = numel(kernel_size) (an int kernel_size counts as k), N = numel(out)."""
    module = call.module_as(nn.modules.pooling._MaxPoolNd)
    return formulas.max_pool(_kernel(module.kernel_size), out_numel(call))


def adaptive_avg_pool(call: Call) -> int:
    """AdaptiveAvgPoolNd: Σ w over the output windows (w − 1 adds and a divide each; k'·N for equal windows)."""
    return _adaptive(call, maximum=False)


def adaptive_max_pool(call: Call) -> int:
    """AdaptiveMaxPoolNd: Σ (w − 1) over the output windows (w − 1 compares each; (k' − 1)·N for equal windows)."""
    return _adaptive(call, maximum=True)


_LP_DIMS: dict[type, int] = {nn.LPPool1d: 1, nn.LPPool2d: 2, nn.LPPool3d: 3}


def lp_pool(call: Call) -> int:
    """LPPoolNd: numel(in) + k·N = x^p on every input, k − 1 adds per window, one root per output; k = full window."""
    module = call.module_as(nn.modules.pooling._LPPoolNd)
    size = module.kernel_size
    dims = next(_LP_DIMS[c] for c in type(module).__mro__ if c in _LP_DIMS)
    # Unlike Avg/MaxPool's seed quirk, an int kernel_size is the full k**dims window here, as torch pools it.
    k = size**dims if isinstance(size, int) else math.prod(size)  # shape: the window's elements
    return formulas.lp_pool(numel(call.arguments()["input"]), k, out_numel(call))


def fractional_max_pool(call: Call) -> int:
    """FractionalMaxPool2d/3d: (k − 1)·N; k = numel(kernel_size) (the window; only its positions are random)."""
    module = call.module_as((nn.FractionalMaxPool2d, nn.FractionalMaxPool3d))
    kernel: tuple[int, ...] = module.kernel_size  # type: ignore[assignment]  # always a tuple once constructed
    return formulas.max_pool(math.prod(kernel), out_numel(call))


def max_unpool(call: Call) -> int:
    """MaxUnpool1d/2d/3d: 0 (scatters values into zeros, no arithmetic)."""
    return 0


def register(registry: Registry) -> None:
    registry.module(nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)(avg_pool)
    registry.module(nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)(max_pool)
    registry.module(nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)(adaptive_avg_pool)
    registry.module(nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)(adaptive_max_pool)
    registry.module(nn.LPPool1d, nn.LPPool2d, nn.LPPool3d)(lp_pool)
    registry.module(nn.FractionalMaxPool2d, nn.FractionalMaxPool3d)(fractional_max_pool)
    registry.module(nn.MaxUnpool1d, nn.MaxUnpool2d, nn.MaxUnpool3d)(max_unpool)
