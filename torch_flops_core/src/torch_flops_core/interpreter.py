"""Moved to :mod:`torch_flops_core.engines.interpreter`; this path keeps working."""

from .engines.interpreter import FlopsInterpreter

__all__ = ["FlopsInterpreter"]
