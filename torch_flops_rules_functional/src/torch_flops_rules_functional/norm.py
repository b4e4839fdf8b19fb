"""Normalisation functions, counted as the ``torch.nn`` norm modules are (the seed's convention).

A normalisation costs 2 FLOPs per input element (subtract the mean, divide by the standard
deviation), plus one per element for each affine parameter actually given (weight, bias); ``rms_norm``
only divides (no mean to subtract). Statistics a norm always computes from its input (layer, group,
RMS norms) are not counted, as in the seed, so ``F.layer_norm`` counts what ``nn.LayerNorm`` counts.
What training adds to a norm that reads running statistics in eval is counted: ``batch_norm`` with
``training=True`` and ``instance_norm`` with ``use_input_stats=True``, given running buffers, compute
batch statistics and update the buffers (the nn pack counts the modules in training the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
import torch.nn.functional as F

from torch_flops_core import Call, Registry, RuleFn
from torch_flops_core.shapes import numel, out_numel

from ._common import Claimer, named, ops

__all__ = ["Training", "batch_statistics", "normalization", "running_update"]


def batch_statistics(n: int, groups: int) -> int:
    """Mean, biased variance and std of ``groups`` groups of n/groups elements: 4·n + 2·groups.

    Mean: n − groups additions and groups divisions (n). Variance: n subtractions, n squares,
    n − groups additions, groups divisions (3·n). Std: groups additions of eps and groups roots.
    """
    return 4 * n + 2 * groups


def running_update(channels: int) -> int:
    """running = (1 − momentum)·running + momentum·batch for mean and var (+ the unbiased factor): 7·C."""
    return 7 * channels


def _batch_norm_training(x: torch.Tensor, running: bool) -> int:
    channels = x.shape[1] if x.dim() > 1 else 1
    return batch_statistics(x.numel(), channels) + running_update(channels) if running else 0


def _instance_norm_training(x: torch.Tensor, running: bool) -> int:
    if not running:
        return 0
    channels = x.shape[1] if x.dim() > 1 else 1
    instances = x.shape[0] * channels if x.dim() > 2 else channels
    # per-instance statistics; the running buffers take their batch average (2 per instance), then the update
    return batch_statistics(x.numel(), instances) + 2 * instances + running_update(channels)


class Training(NamedTuple):
    """Where a norm function says it computes batch statistics, and what that adds."""

    flag: tuple[int, str, bool]
    """(position, keyword, default) of ``training`` / ``use_input_stats``."""
    running_mean: tuple[int, str]
    extra: Callable[[torch.Tensor, bool], int]
    """FLOPs added, from the input and whether running buffers are given."""


def normalization(
    name: str, base: int, weight: tuple[int, str], bias: tuple[int, str] | None, training: Training | None = None
) -> RuleFn:
    """A norm rule reading ``weight``/``bias`` at (position, keyword), and what training adds."""

    def rule(call: Call) -> int:
        x = call.arg(0, "input")
        affine = int(call.arg(*weight) is not None)
        if bias is not None:
            affine += call.arg(*bias) is not None
        flops = (base + affine) * numel(x)
        if training is not None and call.arg(*training.flag):
            flops += training.extra(x, call.arg(*training.running_mean) is not None)
        return flops

    terms = " + n·[weight]" + (" + n·[bias]" if bias is not None else "")
    extra = " + batch statistics and running update in training (see module doc)" if training else ""
    return named(rule, __name__, name, f"{name}: {base}·n{terms}{extra}; n = numel(in).")


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
    bn_training = Training((5, "training", False), (1, "running_mean"), _batch_norm_training)
    claim([F.batch_norm], normalization("batch_norm", 2, (3, "weight"), (4, "bias"), bn_training))
    # F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, ...)
    in_training = Training((5, "use_input_stats", True), (1, "running_mean"), _instance_norm_training)
    claim([F.instance_norm], normalization("instance_norm", 2, (3, "weight"), (4, "bias"), in_training))
    # torch's own spellings put weight and bias before the running statistics
    bn_training = Training((5, "training", False), (3, "running_mean"), _batch_norm_training)
    claim(
        [torch.batch_norm, *ops("torch.native_batch_norm", "torch._native_batch_norm_legit")],
        normalization("batch_norm", 2, (1, "weight"), (2, "bias"), bn_training),
    )
    claim(ops("torch.native_group_norm"), normalization("group_norm", 2, (1, "weight"), (2, "bias")))
    in_training = Training((5, "use_input_stats", True), (3, "running_mean"), _instance_norm_training)
    claim([torch.instance_norm], normalization("instance_norm", 2, (1, "weight"), (2, "bias"), in_training))
    claim([F.local_response_norm], local_response_norm)
    claim([F.normalize], normalize)
