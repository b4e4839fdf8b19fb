"""Exceptions and warnings torch-flops raises; each message names what is involved and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "InputError",
    "LazyOutputError",
    "ModelChangedWarning",
    "PluginLoadWarning",
    "RuleConflictWarning",
    "RuleError",
    "TorchFlopsError",
    "TracingError",
    "UnrecognizedOpsError",
]


class TorchFlopsError(Exception):
    """Base class of torch-flops errors."""


class RuleError(TorchFlopsError):
    """A rule raised, or returned something other than a non-negative int or ``Count``.

    Attributes name the op, the graph node, the module path, the plugin and the rule involved.
    """

    def __init__(self, message: str, *, op: str, node: str, module_path: str, plugin: str, rule: str) -> None:
        super().__init__(message)
        self.op = op
        self.node = node
        self.module_path = module_path
        self.plugin = plugin
        self.rule = rule


class UnrecognizedOpsError(TorchFlopsError):
    """``strict=True`` and some ops have no rule; ``targets`` maps each target to its node names."""

    def __init__(self, message: str, targets: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.targets = targets


class TracingError(TorchFlopsError):
    """``torch.fx`` could not trace the model."""


class InputError(TorchFlopsError, TypeError):
    """The inputs given to ``count_flops`` do not fit the model's ``forward``."""


class LazyOutputError(TorchFlopsError, TypeError):
    """The model returned a generator, coroutine or iterator: its work had not run when counting ended."""


class ModelChangedWarning(UserWarning):
    """The model's forward modified its parameters in place, which counting cannot undo."""


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded; counting goes on without it."""


class RuleConflictWarning(UserWarning):
    """Two rules of the same priority claim one op; the one named as winner is used."""


class SymbolicError(TorchFlopsError):
    """A symbolic count (``dims=``) cannot give a formula: a named size was turned into a number (``int(n)`` in a
    rule, a branch on its exact value), so the result would hold at one size only. ``fixed``: each such size's name
    and the value it was fixed to."""

    def __init__(self, message: str, fixed: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.fixed = dict(fixed or {})


class PlotError(TorchFlopsError, ValueError):
    """A chart cannot be drawn or written: matplotlib is missing, a roof (peak FLOP/s or bandwidth) is not a
    positive finite number, or the file cannot be written (its folder does not exist)."""


class PeaksWarning(UserWarning):
    """Measured roofline peaks are not to be trusted: the repeats disagree, or the machine was busy."""


__all__ += ["PeaksWarning", "PlotError", "SymbolicError"]


if not TYPE_CHECKING:  # at run time only: type checkers are sent to the CLI's module

    def __getattr__(name: str) -> Any:
        """``UsageError`` lived here; it is the command line's (:mod:`torch_flops_core.cli.usage`) and is
        imported from there when asked for by its old path (never at import: this module is below the CLI)."""
        if name == "UsageError":
            from .cli.usage import UsageError

            return UsageError
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
