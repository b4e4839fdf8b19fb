"""Moved to :mod:`torch_flops_core.engines.job`; this path keeps working."""

from .engines.job import Job, Ran

__all__ = ["Job", "Ran"]
