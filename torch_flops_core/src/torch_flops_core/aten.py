"""Moved to :mod:`torch_flops_core.engines.aten`; this path keeps working."""

from .engines.aten import AtenCounter, run_aten

__all__ = ["AtenCounter", "run_aten"]
