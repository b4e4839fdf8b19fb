"""Moved to :mod:`torch_flops_core.engines.ignore`; this path keeps working."""

from .engines.ignore import OBJECTS, IgnoreMarker, IgnoreSpec, known_names, unknown_names_message

__all__ = ["OBJECTS", "IgnoreMarker", "IgnoreSpec", "known_names", "unknown_names_message"]
