"""Normalisation layers.

Every norm costs the seed's ``(2 + [weight] + [bias])·numel(in)``: subtract the mean, divide by the
std, then the affine parameters that exist. The statistics (means, variances, the running-buffer
update of a BatchNorm in training) are not counted, for any norm in either mode: the convention
counts the normalisation, so a norm counts the same in training and eval. Why: docs/conventions.md.
"""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import in_numel, out_numel

__all__ = ["local_response_norm", "norm", "register", "rms_norm"]


def norm(call: Call) -> int:
    """Norm: (2 + [weight] + [bias])·numel(in), in training and eval alike (statistics are not counted)."""
    module = call.module
    assert module is not None
    affine = (getattr(module, "weight", None) is not None) + (getattr(module, "bias", None) is not None)
    return (2 + affine) * in_numel(call)


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
