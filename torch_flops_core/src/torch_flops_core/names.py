"""The names torch-flops is known by outside Python: the pluggy project (its hook markers and entry-point
group) and the environment variable that disables plugins.

Both the plugin contract (:mod:`~torch_flops_core.hookspecs`) and the rule table
(:mod:`~torch_flops_core.registry`) read them, so they live below both; ``hookspecs`` re-exports them.
"""

from __future__ import annotations

__all__ = ["DISABLE_ENV", "NAME"]

NAME = "torch_flops"
"""The one name used for the pluggy project, the hook markers and the entry-point group."""

DISABLE_ENV = "TORCH_FLOPS_DISABLE_PLUGINS"
"""Environment variable naming plugins not to load, comma-separated."""
