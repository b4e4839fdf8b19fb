"""Normalisation functions, counted as the ``torch.nn`` norm modules are (the seed's convention).

A normalisation costs 2 FLOPs per input element (subtract the mean, divide by the standard
deviation), plus one per element for each affine parameter actually given (weight, bias); ``rms_norm``
only divides (no mean to subtract). The statistics themselves (means, variances, running-buffer
updates) are never counted, in training or eval, as in the seed: the convention counts the
normalisation, so a norm counts the same in both modes (docs/conventions.md).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from torch_flops_core import Call, Registry, RuleFn
from torch_flops_core.shapes import numel, out_numel

from ._common import Claimer, named, ops

__all__ = ["normalization"]


def normalization(name: str, base: int, weight: tuple[int, str], bias: tuple[int, str] | None) -> RuleFn:
    """A norm rule reading ``weight``/``bias`` at (position, keyword): the same in training and eval."""

    def rule(call: Call) -> int:
        affine = int(call.arg(*weight) is not None)
        if bias is not None:
            affine += call.arg(*bias) is not None
        return (base + affine) * numel(call.arg(0, "input"))

    terms = " + n·[weight]" + (" + n·[bias]" if bias is not None else "")
    return named(rule, __name__, name, f"{name}: {base}·n{terms}; n = numel(in), in training and eval alike.")


def local_response_norm(call: Call) -> int:
    """F.local_response_norm: (size + 5)·N: square, window average (size), ·alpha, +k, ^beta, divide."""
    return (call.arg(1, "size") + 5) * out_numel(call)


def normalize(call: Call) -> int:
    """F.normalize: 2·numel(in), the norm convention without affine parameters."""
    return 2 * numel(call.arg(0, "input"))


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim([F.layer_norm, *ops("torch.native_layer_norm")], normalization("layer_norm", 2, (2, "weight"), (3, "bias")))
    claim([F.group_norm], normalization("group_norm", 2, (2, "weight"), (3, "bias")))
    claim([F.rms_norm], normalization("rms_norm", 1, (2, "weight"), None))
    # F.batch_norm(input, running_mean, running_var, weight, bias, training, ...)
    claim([F.batch_norm], normalization("batch_norm", 2, (3, "weight"), (4, "bias")))
    # F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, ...)
    claim([F.instance_norm], normalization("instance_norm", 2, (3, "weight"), (4, "bias")))
    # torch's own spellings put weight and bias before the running statistics
    claim(
        [torch.batch_norm, *ops("torch.native_batch_norm", "torch._native_batch_norm_legit")],
        normalization("batch_norm", 2, (1, "weight"), (2, "bias")),
    )
    claim(ops("torch.native_group_norm"), normalization("group_norm", 2, (1, "weight"), (2, "bias")))
    claim([torch.instance_norm], normalization("instance_norm", 2, (1, "weight"), (2, "bias")))
    claim([F.local_response_norm], local_response_norm)
    claim([F.normalize], normalize)
