"""Moved to :mod:`torch_flops_core.engines.subcalls`; this path keeps working."""

from .engines.subcalls import SubCalls

__all__ = ["SubCalls"]
