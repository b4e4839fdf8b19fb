"""Moved to :mod:`torch_flops_core.engines.guard`; this path keeps working."""

from .engines.guard import Guarded, modules_of, preserve_model

__all__ = ["Guarded", "modules_of", "preserve_model"]
