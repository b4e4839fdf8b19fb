"""Normalisation layers.

Every norm costs the seed's ``(2 + [weight] + [bias])·numel(in)``: subtract the mean, divide by the
std, then the affine parameters that exist. The statistics a norm kernel computes (means, variances, the
running-buffer update of a BatchNorm in training) are not counted, in either mode: the convention
counts the normalisation, so a norm counts the same in training and eval. Why: docs/conventions.md.
Work torch runs as ops of their own is counted, as the function and aten levels count it: an InstanceNorm
updating running statistics in training averages them over the batch (B·C each), and RMSNorm is a composite
whose every op counts (``formulas.rms_norm``).
"""

from __future__ import annotations

import math

from torch import nn

from torch_flops_core import Call, Registry, formulas, shapes
from torch_flops_core.shapes import numel, out_numel

__all__ = ["local_response_norm", "norm", "register", "rms_norm"]


def norm(call: Call) -> int:
    """Norm: (2 + [weight] + [bias])·numel(in), in training and eval alike (statistics are not counted); an
    InstanceNorm updating running statistics (training, track_running_stats) + 2·B·C (torch averages the
    per-instance running statistics over the batch B, C channels: one mean of B·C values per buffer, as
    F.instance_norm counts it)."""
    module = call.module_as(nn.Module)
    x = call.arguments()["input"]
    weight, bias = getattr(module, "weight", None) is not None, getattr(module, "bias", None) is not None
    flops = formulas.norm(numel(x), weight, bias)
    instance_norm = nn.modules.instancenorm._InstanceNorm
    if isinstance(module, instance_norm) and module.training and module.running_mean is not None:  # updated
        batch = 1 if x.dim() == module._get_no_batch_dim() else x.shape[0]
        flops += formulas.running_stats_average(batch, int(module.num_features), 2)  # running mean and var
    return flops


def rms_norm(call: Call) -> int:
    """RMSNorm over normalized_shape (R rows): x² (n), mean (n), + eps (R), rsqrt (R), x·rsqrt (n), [·weight (n)],
    as torch runs it: (3 + [weight])·n + 2R (formulas.rms_norm)."""
    module = call.module_as(nn.RMSNorm)
    n = numel(call.arguments()["x"])
    size = math.prod(module.normalized_shape)
    return formulas.rms_norm(n, shapes.rows(n, size), module.weight is not None)


def local_response_norm(call: Call) -> int:
    """LocalResponseNorm, CrossMapLRN2d: (size + 5)·N: square, window average (size), ·alpha, +k, ^beta, divide."""
    module = call.module_as((nn.LocalResponseNorm, nn.CrossMapLRN2d))
    return formulas.local_response_norm(module.size, out_numel(call))


def register(registry: Registry) -> None:
    registry.module(
        nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm,
        nn.LazyBatchNorm1d, nn.LazyBatchNorm2d, nn.LazyBatchNorm3d,
        nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
        nn.LazyInstanceNorm1d, nn.LazyInstanceNorm2d, nn.LazyInstanceNorm3d,
        nn.LayerNorm, nn.GroupNorm,
    )(norm)  # fmt: skip
    registry.module(nn.RMSNorm)(rms_norm)
    registry.module(nn.LocalResponseNorm, nn.CrossMapLRN2d)(local_response_norm)
