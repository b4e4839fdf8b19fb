"""Moved to :mod:`torch_flops_core.engines.module_events`; this path keeps working."""

from .engines.module_events import ModuleListener, module_events, module_path, outer_counts_paused, torch_functions_off
from .engines.module_events import thread_listeners as _local  # noqa: F401  (the old name; tests import it)

__all__ = ["ModuleListener", "module_events", "module_path", "outer_counts_paused", "torch_functions_off"]
