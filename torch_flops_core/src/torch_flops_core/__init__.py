"""torch-flops core: exact FLOPs of every op in a PyTorch forward, counted by rule plugins.

    from torch_flops_core import count_flops
    result = count_flops(model, x)
    print(result.table()); result.total

Core holds the engines, the plugin manager and the result model, and no formula: the rules come
from plugins (the built-in ``torch-flops-rules-nn`` and ``torch-flops-rules-functional`` packs, or
your own) found through the ``torch_flops`` entry-point group. See ``hookspecs`` for the hook a
plugin implements.
"""

from __future__ import annotations

from .api import count_flops
from .compat import TorchFLOPsByFX
from .errors import (
    InputError,
    LazyOutputError,
    ModelChangedWarning,
    PeaksWarning,
    PlotError,
    PluginLoadWarning,
    RuleConflictWarning,
    RuleError,
    TorchFlopsError,
    TracingError,
    UnrecognizedOpsError,
)
from .hookspecs import NAME, hookimpl, hookspec
from .plugins import PluginInfo, PluginSet, clear_plugin_cache, get_plugins, load_plugins
from .registry import Registry, RuleEntry, RuleTable
from .results import FlopsResult, OpRecord
from .rules import NOT_RECOGNIZED, Call, Count, NotRecognizedType, RuleFn

__all__ = [
    "NAME",
    "NOT_RECOGNIZED",
    "Call",
    "Count",
    "FlopsResult",
    "InputError",
    "LazyOutputError",
    "ModelChangedWarning",
    "NotRecognizedType",
    "OpRecord",
    "PeaksWarning",
    "PlotError",
    "PluginInfo",
    "PluginLoadWarning",
    "PluginSet",
    "Registry",
    "RuleConflictWarning",
    "RuleEntry",
    "RuleError",
    "RuleFn",
    "RuleTable",
    "TorchFLOPsByFX",
    "TorchFlopsError",
    "TracingError",
    "UnrecognizedOpsError",
    "clear_plugin_cache",
    "count_flops",
    "get_plugins",
    "hookimpl",
    "hookspec",
    "load_plugins",
]
