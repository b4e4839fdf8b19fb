"""The plugin options of a count, checked and read: ``disable=`` (names), ``plugins=`` (objects with
hookimpls) and ``TORCH_FLOPS_DISABLE_PLUGINS``; a wrong one is a ``TypeError`` or ``ValueError`` saying what is
expected. :mod:`torch_flops_core.plugins` uses them to load a plugin set, and re-exports them.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from typing import Any

from .names import DISABLE_ENV

__all__ = ["check_disabled", "check_plugin_objects", "disabled_from_env", "plugin_names"]


def disabled_from_env() -> frozenset[str]:
    """Plugin names listed in ``TORCH_FLOPS_DISABLE_PLUGINS`` (comma-separated)."""
    raw = os.environ.get(DISABLE_ENV, "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def plugin_names(disable: Iterable[str] | str, what: str = "disable") -> frozenset[str]:
    """``disable=`` as a set of names: one string is one name, never its characters."""
    if isinstance(disable, str):
        return frozenset([disable])
    try:
        names = list(disable)
    except TypeError:
        raise TypeError(f"{what} takes plugin names (strings), got {disable!r}") from None
    bad = [name for name in names if not isinstance(name, str)]
    if bad:
        raise TypeError(
            f"{what} takes plugin names (strings, as `torch-flops plugins` lists them), got {bad[0]!r} "
            f"({type(bad[0]).__name__})"
        )
    return frozenset(names)


def check_plugin_objects(plugins: Any) -> list[Any]:
    """``plugins=`` as a list of plugin objects; anything else is a ``TypeError`` saying what is expected, one
    object given twice a ``ValueError``."""
    if isinstance(plugins, str) or not isinstance(plugins, Iterable):
        raise TypeError(
            f"plugins takes a list of plugin objects (each with a torch_flops_register_rules hookimpl), got "
            f"{plugins!r}. To leave installed plugins out, use disable=[...]."
        )
    objects = list(plugins)
    for obj in objects:
        if isinstance(obj, str):
            raise TypeError(
                f"plugins takes plugin objects, got the name {obj!r}: installed plugins are used by default; "
                "to count with some of them only, use disable=[...] (torch_flops_core.testing.only_plugins)."
            )
        if not callable(getattr(obj, "torch_flops_register_rules", None)):
            raise TypeError(
                f"plugins takes objects with a @hookimpl torch_flops_register_rules(registry) method, got {obj!r} "
                f"({type(obj).__name__}); see docs/writing-plugins.md."
            )
    twice = [obj for i, obj in enumerate(objects) if any(obj is other for other in objects[:i])]
    if twice:
        raise ValueError(
            f"plugins lists {twice[0]!r} twice: a plugin object registers its rules once; give it once (two "
            "instances of one class are two plugins, named Class and Class#2)"
        )
    return objects


def check_disabled(names: Iterable[str], known: Iterable[str], what: str = "disable") -> None:
    """``ValueError`` for a name in ``names`` (plugins to disable) that is not among ``known`` (the plugins
    discovered: entry points, whatever became of them, and run-time plugins), listing the known names."""
    known = sorted(set(known))
    unknown = sorted(set(names) - set(known))
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise ValueError(
        f"{what}: no plugin is named {', '.join(hints)}; the plugins here are "
        f"{', '.join(map(repr, known)) or 'none'} (`torch-flops plugins` lists them)"
    )
