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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below are imported when first asked for (``__getattr__``): see _HOMES
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

_HOMES = {
    "count_flops": "api", "TorchFLOPsByFX": "compat",
    **dict.fromkeys(("NAME", "hookimpl", "hookspec"), "hookspecs"),
    **dict.fromkeys(("PluginInfo", "PluginSet", "clear_plugin_cache", "get_plugins", "load_plugins"), "plugins"),
    **dict.fromkeys(("Registry", "RuleEntry", "RuleTable"), "registry"),
    **dict.fromkeys(("FlopsResult", "OpRecord"), "results"),
    **dict.fromkeys(("NOT_RECOGNIZED", "Call", "Count", "NotRecognizedType", "RuleFn"), "rules"),
}  # fmt: skip
"""Where each public name lives; every other name of ``__all__`` is an error or warning of ``errors``. Nothing
is imported with the package, so ``torch-flops --help`` answers without importing torch."""


def __getattr__(name: str) -> Any:
    """A public name (or a submodule) imported on first use, then kept as an attribute of the package."""
    if name in __all__:
        value = getattr(importlib.import_module(f".{_HOMES.get(name, 'errors')}", __name__), name)
    else:
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
