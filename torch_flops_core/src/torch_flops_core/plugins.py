"""Plugin discovery: a fresh pluggy manager per plugin set, and the rule table built from it.

Nothing is created at import time. :func:`load_plugins` builds a :class:`PluginSet`: the
``torch_flops`` entry points, loaded in sorted order, minus the disabled ones
(``TORCH_FLOPS_DISABLE_PLUGINS=a,b`` and ``disable=``), then the run-time ``plugins=`` objects,
registered last. A plugin that fails to import is reported with a :class:`PluginLoadWarning` naming
the entry point, its distribution and the error, and the others still load.

A ``disable=`` name that no discovered plugin has is a ``ValueError`` listing the plugins there are (a
typo never leaves the plugin it meant enabled in silence). Names in ``TORCH_FLOPS_DISABLE_PLUGINS``
are not checked: an environment is shared by programs with different plugins installed.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import threading
import types
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pluggy

from . import hookspecs
from .errors import PluginLoadWarning
from .names import DISABLE_ENV, NAME
from .plugin_options import (  # re-exported: the path users know
    check_disabled,
    check_plugin_objects,
    disabled_from_env,
    plugin_names,
)
from .registry import Priority, Registry, RuleEntry, RuleTable

__all__ = [
    "DISABLE_ENV",
    "PluginInfo",
    "PluginSet",
    "check_disabled",
    "clear_plugin_cache",
    "disabled_from_env",
    "get_plugins",
    "load_plugins",
]

Status = Literal["loaded", "disabled", "failed"]


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """One discovered plugin and what became of it."""

    name: str
    source: str
    """The entry point's value (``package.module``), or ``run-time`` for a ``plugins=`` object."""
    distribution: str | None
    version: str | None
    status: Status
    error: str | None = None


class PluginSet:
    """A pluggy manager holding one set of plugins, and that set's rule table (built once)."""

    def __init__(self, manager: pluggy.PluginManager, infos: Sequence[PluginInfo]) -> None:
        self.manager = manager
        self._infos: tuple[PluginInfo, ...] = tuple(infos)
        self._table: RuleTable | None = None

    @property
    def infos(self) -> tuple[PluginInfo, ...]:
        """Every discovered plugin and what became of it: a plugin whose hook raised while registering
        its rules is ``failed`` with the error (so the rule table is built first)."""
        self.table  # noqa: B018
        return self._infos

    @property
    def names(self) -> list[str]:
        """Names of the loaded plugins, in registration order."""
        return [info.name for info in self.infos if info.status == "loaded"]

    @property
    def table(self) -> RuleTable:
        """The dispatch table: every plugin's rules merged in pluggy's call order."""
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def _fail(self, plugin: str, error: str) -> None:
        """Mark ``plugin`` failed with ``error``, drop its rules, and say so (``PluginLoadWarning``)."""
        self._infos = tuple(
            dataclasses.replace(info, status="failed", error=error) if info.name == plugin else info
            for info in self._infos
        )
        warnings.warn(
            f"torch-flops: plugin {plugin!r} failed while registering its rules ({error}); its rules are not used. "
            f"Fix the plugin, or disable it with {DISABLE_ENV}={plugin}.",
            PluginLoadWarning,
            stacklevel=4,
        )

    def _build_table(self) -> RuleTable:
        claims: list[RuleEntry] = []
        aliases: list[tuple[Any, ...]] = []
        # Each hookimpl is called with a Registry of its own (so every claim knows its plugin and
        # priority), in the order pluggy itself would call them: get_hookimpls() lists them in reverse
        # call order (trylast first, then plain, then tryfirst; within each, last registered last),
        # as pluggy's HookCaller documents and tests/core/test_plugins.py checks against pluggy's own call.
        for impl in reversed(self.manager.hook.torch_flops_register_rules.get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:  # a wrapper registers no rule: refused, not dropped in silence
                self._fail(
                    impl.plugin_name,
                    "torch_flops_register_rules is a hook wrapper; rules are declared by a plain hookimpl "
                    "(@hookimpl, @hookimpl(tryfirst=True) or @hookimpl(trylast=True))",
                )
                continue
            priority: Priority = "tryfirst" if impl.tryfirst else "trylast" if impl.trylast else "normal"
            own_claims: list[RuleEntry] = []
            own_aliases: list[tuple[Any, ...]] = []
            registry = Registry(impl.plugin_name, priority, own_claims, own_aliases)
            try:
                impl.function(**{arg: registry for arg in impl.argnames})
            except (Exception, SystemExit) as exc:  # a broken plugin must not take the others down
                self._fail(impl.plugin_name, f"torch_flops_register_rules raised {type(exc).__name__}: {exc}")
                continue
            claims.extend(own_claims)
            aliases.extend(own_aliases)
        return RuleTable(claims, aliases)


def _plugin_name(obj: Any) -> str:
    """A run-time plugin's name: its ``name`` attribute, else a module's ``__name__`` (``my_flops``), a class's
    or function's qualified name, an instance's class name."""
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name:
        return name
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    if isinstance(obj, type) or hasattr(obj, "__qualname__"):
        return str(getattr(obj, "__qualname__", None) or obj.__name__)
    return type(obj).__qualname__


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    eps = importlib.metadata.entry_points(group=NAME)

    def order(ep: importlib.metadata.EntryPoint) -> tuple[str, str, str]:
        dist = ep.dist.name if ep.dist is not None else ""
        return (ep.name, dist, ep.value)

    return sorted(eps, key=order)


def load_plugins(
    *,
    disable: Iterable[str] | str = (),
    plugins: Iterable[Any] = (),
    entry_points: bool = True,
) -> PluginSet:
    """Build a new :class:`PluginSet`.

    :param disable: plugin names not to load, on top of ``TORCH_FLOPS_DISABLE_PLUGINS``.
    :param plugins: objects with hookimpls, registered after the entry points. A plugin's name is
        its ``name`` attribute when it has one, else its (class) name.
    :param entry_points: load the ``torch_flops`` entry points (``False``: only ``plugins``).
    """
    env = disabled_from_env()
    asked = plugin_names(disable)
    blocked = env | asked
    plugins = check_plugin_objects(plugins)
    manager = pluggy.PluginManager(NAME)
    manager.add_hookspecs(hookspecs)
    seen: dict[str, str | None] = {}  # plugin name -> its distribution (None: a run-time plugin)
    infos: list[PluginInfo] = []
    for ep in _entry_points() if entry_points else []:  # a loop, not a comprehension: the warnings' stacklevel
        infos.append(_load_entry_point(manager, ep, seen, blocked))
    for plugin in plugins:
        infos.append(_register_object(manager, plugin, seen, blocked))
    check_disabled(asked - env, [info.name for info in infos])
    return PluginSet(manager, infos)


def _load_entry_point(
    manager: pluggy.PluginManager,
    ep: importlib.metadata.EntryPoint,
    seen: dict[str, str | None],
    blocked: frozenset[str],
) -> PluginInfo:
    """Load and register one entry point, unless blocked or a duplicate name; what became of it. A duplicate
    or a plugin that fails to load is warned (:class:`PluginLoadWarning`, at ``load_plugins``' caller)."""
    dist = ep.dist.name if ep.dist is not None else None
    version = ep.dist.version if ep.dist is not None else None
    if ep.name in seen:
        warnings.warn(
            f"torch-flops: entry point {ep.name!r} is declared by distribution {seen[ep.name]!r} and "
            f"by {dist!r} ({ep.value}); only the first, {seen[ep.name]!r}, is loaded. Uninstall one "
            f"of them, or rename the entry point.",
            PluginLoadWarning,
            stacklevel=3,
        )
        return PluginInfo(ep.name, ep.value, dist, version, "failed", "duplicate entry-point name")
    seen[ep.name] = dist
    if ep.name in blocked:
        manager.set_blocked(ep.name)
        return PluginInfo(ep.name, ep.value, dist, version, "disabled")
    try:
        plugin = ep.load()
        manager.register(plugin, name=ep.name)
        try:
            manager.check_pending()
        except Exception:
            manager.unregister(name=ep.name)
            raise
    except (Exception, SystemExit) as exc:  # sys.exit() in a plugin's import must not end the caller
        error = f"{type(exc).__name__}: {exc}"
        warnings.warn(
            f"torch-flops: plugin {ep.name!r} ({ep.value}, distribution {dist} {version}) failed to "
            f"load: {error}. Counting goes on without it; disable it with {DISABLE_ENV}={ep.name}.",
            PluginLoadWarning,
            stacklevel=3,
        )
        return PluginInfo(ep.name, ep.value, dist, version, "failed", error)
    return PluginInfo(ep.name, ep.value, dist, version, "loaded")


def _register_object(
    manager: pluggy.PluginManager, plugin: Any, seen: dict[str, str | None], blocked: frozenset[str]
) -> PluginInfo:
    """Register one run-time plugin object under its name (``name#2`` ... when taken), unless blocked."""
    base = name = _plugin_name(plugin)
    n = 1
    while manager.has_plugin(name) or name in seen:
        n += 1
        name = f"{base}#{n}"
    seen[name] = None
    if name in blocked:
        return PluginInfo(name, "run-time", None, None, "disabled")
    manager.register(plugin, name=name)
    manager.check_pending()
    return PluginInfo(name, "run-time", None, None, "loaded")


@functools.lru_cache(maxsize=32)
def _cached_plugins(blocked: frozenset[str]) -> PluginSet:
    plugin_set = load_plugins(disable=blocked)
    plugin_set.table  # noqa: B018 - built here, under the lock, not by two threads at once
    return plugin_set


_lock = threading.Lock()


def get_plugins(*, disable: Iterable[str] | str = (), plugins: Sequence[Any] = ()) -> PluginSet:
    """The plugin set for a count: cached per set of disabled names when no run-time plugin is given.

    Thread-safe: threads asking for the same set at once share one load (imports and rule tables
    are built once, and a broken plugin is reported once).
    """
    plugins = check_plugin_objects(plugins)
    if plugins:
        return load_plugins(disable=disable, plugins=plugins)
    blocked = disabled_from_env() | plugin_names(disable)
    with _lock:
        return _cached_plugins(blocked)


def clear_plugin_cache() -> None:
    """Forget cached plugin sets (after installing or removing a plugin in a running process)."""
    with _lock:
        _cached_plugins.cache_clear()
