"""Moved to :mod:`torch_flops_core.engines.eager`; this path keeps working."""

from .engines.eager import EagerCounter, run_eager

__all__ = ["EagerCounter", "run_eager"]
