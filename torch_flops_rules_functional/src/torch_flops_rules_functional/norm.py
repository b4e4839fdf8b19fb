"""Normalisation functions, counted as the ``torch.nn`` norm modules are (the seed's convention).

A normalisation costs 2 FLOPs per input element (subtract the mean, divide by the standard
deviation), plus one per element for each affine parameter actually given (weight, bias). The statistics
a norm kernel computes inside (means, variances, running-buffer updates) are not counted, in training or
eval, as in the seed: the convention counts the normalisation, so a norm counts the same in both modes
(docs/conventions.md). What torch runs as ops of their own outside the norm kernel is counted like any op:
``rms_norm`` is such a composite (x², mean, + eps, rsqrt, multiplies: ``formulas.rms_norm``), and
``instance_norm`` with ``use_input_stats`` averages each running statistic over the batch after its kernel.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from torch_flops_core import Call, Registry, RuleFn, formulas
from torch_flops_core.rulekit import Claimer, named
from torch_flops_core.shapes import numel, out_numel, rows

from ._common import ops

__all__ = ["instance_norm", "normalization", "normalize", "rms_norm"]


def normalization(name: str, base: int, weight: tuple[int, str], bias: tuple[int, str] | None) -> RuleFn:
    """A norm rule reading ``weight``/``bias`` at (position, keyword): the same in training and eval."""

    def rule(call: Call) -> int:
        has_bias = bias is not None and call.arg(*bias) is not None
        return formulas.norm(numel(call.arg(0, "input")), call.arg(*weight) is not None, has_bias, base)

    terms = " + n·[weight]" + (" + n·[bias]" if bias is not None else "")
    return named(rule, name, f"{name}: {base}·n{terms}; n = numel(in), in training and eval alike.", __name__)


def instance_norm(weight: tuple[int, str], bias: tuple[int, str], stats: tuple[int, int]) -> RuleFn:
    """instance_norm: the norm, + B·C per running statistic given with use_input_stats (torch averages the B
    per-instance copies it updated into the buffer: a mean of B·C values, B·C FLOPs)."""
    norm = normalization("instance_norm", 2, weight, bias)

    def rule(call: Call) -> int:
        x = call.arg(0, "input")
        running = (call.arg(stats[0], "running_mean") is not None) + (call.arg(stats[1], "running_var") is not None)
        if not call.arg(5, "use_input_stats", True):  # the running statistics are only read
            running = 0
        averaged = formulas.running_stats_average(x.shape[0], x.shape[1], running) if x.dim() >= 2 else 0
        return norm(call) + averaged  # type: ignore[operator]

    doc = "instance_norm: (2 + [weight] + [bias])·n + B·C per running statistic updated (use_input_stats)."
    return named(rule, "instance_norm", doc, __name__)


def rms_norm(call: Call) -> int:
    """rms_norm over normalized_shape (R rows): x² (n), mean (n), + eps (R), rsqrt (R), x·rsqrt (n), [·weight (n)],
    as torch's composite runs it: (3 + [weight])·n + 2R (formulas.rms_norm)."""
    args = call.arguments()
    x = args["input"]
    size = math.prod(args["normalized_shape"])
    return formulas.rms_norm(x.numel(), rows(x.numel(), size), args.get("weight") is not None)


def local_response_norm(call: Call) -> int:
    """F.local_response_norm: (size + 5)·N: square, window average (size), ·alpha, +k, ^beta, divide."""
    return formulas.local_response_norm(call.arguments()["size"], out_numel(call))


def normalize(call: Call) -> int:
    """F.normalize: x / max(‖x‖_p, eps) along dim: the p-norms of the R vectors, their clamp (R), n divides
    (formulas.normalize: p = 2 gives 3n + R)."""
    args = call.arguments()
    x = args["input"]
    dim = args["dim"]
    size = x.shape[dim] if x.dim() else 1
    return formulas.normalize(args["p"], x.numel(), rows(x.numel(), size))


def weight_norm(call: Call) -> int:
    """torch._weight_norm(v, g, dim): formulas.weight_norm, 3·numel(v) + numel(g)."""
    return formulas.weight_norm(numel(call.arg(0, "v")), numel(call.arg(1, "g")))


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim(ops("torch._weight_norm"), weight_norm)
    claim([F.layer_norm, *ops("torch.native_layer_norm")], normalization("layer_norm", 2, (2, "weight"), (3, "bias")))
    claim([F.group_norm], normalization("group_norm", 2, (2, "weight"), (3, "bias")))
    claim([F.rms_norm], rms_norm)
    # F.batch_norm(input, running_mean, running_var, weight, bias, training, ...)
    claim([F.batch_norm], normalization("batch_norm", 2, (3, "weight"), (4, "bias")))
    # F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, ...)
    claim([F.instance_norm], instance_norm((3, "weight"), (4, "bias"), (1, 2)))
    # torch's own spellings put weight and bias before the running statistics
    claim(
        [torch.batch_norm, *ops("torch.native_batch_norm", "torch._native_batch_norm_legit")],
        normalization("batch_norm", 2, (1, "weight"), (2, "bias")),
    )
    claim(ops("torch.native_group_norm"), normalization("group_norm", 2, (1, "weight"), (2, "bias")))
    claim([torch.instance_norm], instance_norm((1, "weight"), (2, "bias"), (3, 4)))
    claim([F.local_response_norm], local_response_norm)
    claim([F.normalize], normalize)
