"""Pooling: max_pool*_with_indices, fractional_max_pool*, avg_pool*, _adaptive_avg_pool*, adaptive_max_pool*.

The window is the full kernel (k = prod(kernel_size)): at the aten level an int ``kernel_size`` has
been expanded to one size per dimension, so the seed's reading of ``MaxPool2d(3)`` as k = 3 (kept by
the nn and functional packs for its published figures) cannot apply; docs/conventions.md lists this.
"""

from __future__ import annotations

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import adaptive_pool, pool_window
from torch_flops_core.formulas import avg_pool as avg_pool_cost
from torch_flops_core.formulas import max_pool as max_pool_cost
from torch_flops_core.shapes import out_numel

from ._ops import aten

__all__ = ["adaptive_avg_pool", "adaptive_max_pool", "avg_pool", "max_pool", "register", "window"]


def window(call: Call) -> int:
    """k = prod(kernel_size) (formulas.pool_window); an int ``kernel_size`` (an fx graph may pass one for ``int[2]``)
    is k per dimension, the dimensions read from the op's name."""
    name = getattr(call.target, "overloadpacket", call.target).__name__
    dims = next((int(d) for d in "123" if f"{d}d" in name), 1)
    return pool_window(call.arguments()["kernel_size"], dims)


def max_pool(call: Call) -> int:
    """max_pool*_with_indices, fractional_max_pool*(self, kernel_size, ...): (k − 1)·N compares; N = numel(out),
    k = prod(kernel_size) (a fractional pool's windows are placed at random, their size is fixed)."""
    return max_pool_cost(window(call), out_numel(call))


def avg_pool(call: Call) -> int:
    """avg_pool*(self, kernel_size, ...): k·N (k − 1 adds and a divide per output); k = prod(kernel_size)."""
    return avg_pool_cost(window(call), out_numel(call))


def adaptive_avg_pool(call: Call) -> int:
    """_adaptive_avg_pool*(self, output_size): Σ windows (adds and a divide per output: w per window)."""
    args = call.arguments()
    return adaptive_pool(args["self"].shape, call.output.shape, len(args["output_size"]))


def adaptive_max_pool(call: Call) -> int:
    """adaptive_max_pool*(self, output_size): Σ (window − 1) compares."""
    args = call.arguments()
    out = call.output[0] if isinstance(call.output, tuple) else call.output
    return adaptive_pool(args["self"].shape, out.shape, len(args["output_size"]), maximum=True)


def register(registry: Registry) -> None:
    registry.function(
        *aten(
            "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices", "fractional_max_pool2d",
            "fractional_max_pool3d",
        )
    )(max_pool)  # fmt: skip
    registry.function(*aten("avg_pool1d", "avg_pool2d", "avg_pool3d"))(avg_pool)
    registry.function(*aten("_adaptive_avg_pool2d", "_adaptive_avg_pool3d", "adaptive_avg_pool1d"))(adaptive_avg_pool)
    registry.function(*aten("adaptive_max_pool2d", "adaptive_max_pool3d"))(adaptive_max_pool)
