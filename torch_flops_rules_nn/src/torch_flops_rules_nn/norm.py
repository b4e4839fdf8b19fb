"""Normalisation layers.

Every norm costs the seed's ``(2 + [weight] + [bias])·numel(in)``: subtract the mean, divide by the
std, then the affine parameters that exist. Training mode adds only what training computes on top
of that: a norm that normalises with stored running statistics in eval (BatchNorm, SyncBatchNorm,
InstanceNorm with ``track_running_stats``) computes the batch statistics instead, and updates the
running ones. Norms that always use statistics of their input (LayerNorm, GroupNorm, RMSNorm,
BatchNorm/InstanceNorm without running statistics) compute the same in both modes and count the
same in both modes. Why: docs/conventions.md.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import in_numel, out_numel

__all__ = ["batch_statistics", "local_response_norm", "norm", "register", "rms_norm", "running_update"]


def batch_statistics(n: int, groups: int) -> int:
    """Mean, biased variance and std of `groups` groups of n/groups elements: 4·n + 2·groups.

    Mean: n − groups adds and groups divides (n). Variance: n subtracts, n squares, n − groups
    adds, groups divides (3·n). Std: groups adds of eps and groups square roots (2·groups).
    """
    return 4 * n + 2 * groups


def running_update(channels: int) -> int:
    """Update running_mean and running_var of `channels` channels: 7·channels.

    running = (1 − momentum)·running + momentum·batch: two multiplies and one add per channel for
    each buffer, and one multiply for the unbiased variance (·m/(m − 1)).
    """
    return 7 * channels


def _training_extra(module: nn.Module, x: torch.Tensor) -> int:
    """What training adds to a norm that uses running statistics in eval (0 for every other norm)."""
    if not (module.training and isinstance(module, (_BatchNorm, _InstanceNorm))):
        return 0
    if module.running_mean is None:  # no running statistics: batch statistics in both modes, counted alike
        return 0
    n = x.numel()
    if isinstance(module, _BatchNorm):
        channels = x.shape[1]
        return batch_statistics(n, channels) + running_update(channels)
    instances = n // math.prod(x.shape[-(module._get_no_batch_dim() - 1) :])  # batch × channels
    # Each instance has its own statistics; the running buffers take their batch average, (N − 1)·C
    # adds and C divides per buffer (2·instances), then the update.
    return batch_statistics(n, instances) + 2 * instances + running_update(module.num_features)


def norm(call: Call) -> int:
    """Norm: (2 + [weight] + [bias])·numel(in); in training, + batch statistics and running update (see docs)."""
    module = call.module
    assert module is not None
    affine = (getattr(module, "weight", None) is not None) + (getattr(module, "bias", None) is not None)
    return (2 + affine) * in_numel(call) + _training_extra(module, call.arg(0, "input"))


def rms_norm(call: Call) -> int:
    """RMSNorm: (1 + [weight])·numel(in): divide by the RMS, then the weight (statistics as LayerNorm: not counted)."""
    module = call.module
    assert isinstance(module, nn.RMSNorm)
    return (1 + (module.weight is not None)) * in_numel(call)


def local_response_norm(call: Call) -> int:
    """LocalResponseNorm, CrossMapLRN2d: (size + 5)·N: square, window average (size), ·alpha, +k, ^beta, divide."""
    module = call.module
    assert isinstance(module, (nn.LocalResponseNorm, nn.CrossMapLRN2d))
    return (module.size + 5) * out_numel(call)


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
