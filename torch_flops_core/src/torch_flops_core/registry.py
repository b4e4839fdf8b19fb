"""The rule registry a plugin fills, and the dispatch table built from all plugins' rules.

Each plugin's ``torch_flops_register_rules(registry)`` hookimpl declares rules on a
:class:`Registry`. Core then merges every plugin's claims into one :class:`RuleTable`, in pluggy's
call order (``tryfirst`` impls, then plain, then ``trylast``): the first claim on an op wins, later
claims are kept as *shadowed*. Looking up a rule is a dict hit.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import torch

from .aliases import AliasTable, default_alias_table
from .claims import ClaimStanding, Priority, RuleEntry, rule_name  # re-exported: the path users know
from .errors import RuleConflictWarning
from .rules import RuleFn, RuleKind

__all__ = ["ClaimStanding", "Priority", "Registry", "RuleEntry", "RuleTable"]

_R = TypeVar("_R", bound=RuleFn)


class Registry:
    """What a plugin's ``torch_flops_register_rules`` hookimpl receives; every method is a decorator.

    ``registry.module(nn.Linear)(linear_rule)`` claims ``nn.Linear`` (and its subclasses, matched along
    the MRO); ``registry.function(torch.matmul)`` claims the op with every alias spelling
    (``operator.matmul``, ``Tensor.__matmul__`` ...); ``registry.method("softmax")`` claims the
    ``Tensor`` method, which is the same op as its ``torch`` function.
    """

    __slots__ = ("_aliases", "_claims", "_plugin", "_priority")

    def __init__(
        self, plugin: str, priority: Priority, claims: list[RuleEntry], aliases: list[tuple[Any, ...]]
    ) -> None:
        self._plugin = plugin
        self._priority = priority
        self._claims = claims
        self._aliases = aliases

    @property
    def plugin(self) -> str:
        """Name of the plugin this registry records rules for."""
        return self._plugin

    def _claim(self, kind: RuleKind, targets: tuple[Any, ...]) -> Callable[[_R], _R]:
        def decorator(rule: _R) -> _R:
            if not callable(rule):
                raise TypeError(f"plugin {self._plugin!r}: a rule must be callable, got {rule!r}")
            name = rule_name(rule)
            for target in targets:
                self._claims.append(RuleEntry(kind, target, rule, self._plugin, self._priority, name))
            return rule

        return decorator

    def module(self, *classes: type[torch.nn.Module]) -> Callable[[_R], _R]:
        """Claim ``nn.Module`` classes; a module with a rule is counted whole (an FX leaf)."""
        for cls in classes:
            if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
                raise TypeError(f"plugin {self._plugin!r}: registry.module() takes nn.Module subclasses, got {cls!r}")
        return self._claim("module", classes)

    def function(self, *targets: Callable[..., Any]) -> Callable[[_R], _R]:
        """Claim functions or ops by identity (``torch.matmul``, ``operator.add``, ``torch.ops.x.y``)."""
        for target in targets:
            if isinstance(target, str) or not callable(target):
                raise TypeError(
                    f"plugin {self._plugin!r}: registry.function() takes the function object, got {target!r}; "
                    "use registry.method('name') for a Tensor method"
                )
        return self._claim("function", targets)

    def method(self, *names: str) -> Callable[[_R], _R]:
        """Claim ``Tensor`` methods by name (``"softmax"`` is the same op as ``torch.softmax``)."""
        for name in names:
            if not isinstance(name, str) or not name.isidentifier():
                raise TypeError(f"plugin {self._plugin!r}: registry.method() takes method names, got {name!r}")
        return self._claim("method", names)

    def alias(self, *spellings: Any) -> None:
        """Declare that ``spellings`` are one op, so a rule for one of them counts them all."""
        self._aliases.append(spellings)

    def claimed(self) -> set[Any]:
        """The ops this plugin has claimed so far with :meth:`function`, by their alias-group key: a pack whose
        last family claims whatever is left (views, factories) skips what its other families counted.
        Test an op with ``default_alias_table().canonical(op) in registry.claimed()``."""
        canonical = default_alias_table().canonical
        return {canonical(e.target) for e in self._claims if e.plugin == self._plugin and e.kind == "function"}


class RuleTable:
    """The dispatch table of one plugin set: every claim resolved to one winning rule per op."""

    def __init__(self, claims: Iterable[RuleEntry], extra_aliases: Iterable[tuple[Any, ...]] = ()) -> None:
        aliases = default_alias_table()
        extra = list(extra_aliases)
        if extra:
            aliases = aliases.copy()
            for group in extra:
                aliases.add_group(group)
        self.aliases: AliasTable = aliases
        self.modules: dict[type, RuleEntry] = {}
        self.ops: dict[Any, RuleEntry] = {}
        self.shadowed: dict[Any, list[RuleEntry]] = {}
        """Claims that lost, keyed like ``modules``/``ops``, in the order they were made."""
        self.entries: list[RuleEntry] = []
        """Every claim, in call order."""
        for entry in claims:
            self._add(entry)
        self._mro_cache: weakref.WeakKeyDictionary[type, RuleEntry | None] = weakref.WeakKeyDictionary()
        """Per class, so a class defined in a loop (an architecture search) is not kept alive."""
        self._method_cache: dict[str, Any] = {}

    def key_of(self, entry: RuleEntry) -> Any:
        if entry.kind == "module":
            return entry.target
        if entry.kind == "method":
            return self.aliases.method_key(entry.target)
        return self.aliases.canonical(entry.target)

    def _add(self, entry: RuleEntry) -> None:
        self.entries.append(entry)
        key = self.key_of(entry)
        table: dict[Any, RuleEntry] = self.modules if entry.kind == "module" else self.ops
        winner = table.get(key)
        if winner is None:
            table[key] = entry
            return
        losers = self.shadowed.setdefault(key, [])
        if any(e.rule is entry.rule and e.plugin == entry.plugin for e in (winner, *losers)):
            return  # the same rule named through two spellings of one op
        losers.append(entry)
        if winner.priority == entry.priority:
            where = "both in plugin" if winner.plugin == entry.plugin else "plugins"
            plugins = (
                repr(winner.plugin) if winner.plugin == entry.plugin else f"{winner.plugin!r} and {entry.plugin!r}"
            )
            warnings.warn(
                f"torch-flops: {where} {plugins} claim {entry.target_name} at the same priority "
                f"({entry.priority}) with rules {winner.name} and {entry.name}; {winner.name} "
                f"(plugin {winner.plugin!r}, called first by pluggy) is used. Mark the intended rule "
                f"tryfirst=True, or disable one plugin with TORCH_FLOPS_DISABLE_PLUGINS.",
                RuleConflictWarning,
                stacklevel=2,
            )

    def module_rule(self, cls: type) -> RuleEntry | None:
        """The rule of a module class: its own claim, else its nearest base's, found along the MRO,
        but never past a class that defines its own ``forward``.

        A subclass that overrides ``forward`` (timm's ``BatchNormAct2d``, a ``BatchNorm2d`` that also
        applies an activation) does more than its base, so a base's rule does not cover it: it has no
        module rule, and engines count what its ``forward`` runs (its ``super().forward()`` included)
        with the function rules. A plugin can still claim the subclass itself.
        """
        try:
            return self._mro_cache[cls]
        except KeyError:
            pass
        found = None
        for base in cls.__mro__:
            found = self.modules.get(base)
            if found is not None or "forward" in base.__dict__:
                break
        self._mro_cache[cls] = found
        return found

    def module_entry(self, module: torch.nn.Module) -> RuleEntry | None:
        """The rule counting this module instance: :meth:`module_rule` of its class, unless the
        instance has a ``forward`` of its own (assigned on the object), which is then run, not ruled."""
        entry = self.module_rule(type(module))
        if entry is not None and "forward" in module.__dict__:
            return None
        return entry

    def covered_classes(self, entry: RuleEntry) -> list[type]:
        """The module classes, among those defined so far, that ``entry`` counts: its class and every
        subclass that inherits its ``forward`` (and is not claimed by another rule)."""
        if entry.kind != "module" or self.modules.get(entry.target) is not entry:
            return []
        found: list[type] = []
        seen: set[type] = set()
        todo = [entry.target]
        while todo:
            cls = todo.pop()
            if cls in seen:
                continue
            seen.add(cls)
            if self.module_rule(cls) is entry:
                found.append(cls)
            todo.extend(type.__subclasses__(cls))
        return found

    def function_rule(self, target: Any) -> RuleEntry | None:
        """The rule of a function or op, through its alias group."""
        try:
            return self.ops.get(self.aliases.canonical(target))
        except TypeError:  # unhashable target
            return None

    def method_rule(self, name: str) -> RuleEntry | None:
        """The rule of a ``Tensor`` method name, through its alias group."""
        try:
            key = self._method_cache[name]
        except KeyError:
            key = self._method_cache[name] = self.aliases.method_key(name)
        return self.ops.get(key)

    def standing(self, entry: RuleEntry) -> ClaimStanding:
        """Where one claim stands: active (and what it overrides), the same op as a claim of the same
        rule through another spelling, or shadowed (and by what)."""
        key = self.key_of(entry)
        table: dict[Any, RuleEntry] = self.modules if entry.kind == "module" else self.ops
        winner = table.get(key)
        if winner is entry:
            return ClaimStanding(entry, "active", overrides=tuple(self.shadowed_by(entry)))
        if winner is not None and winner.rule is entry.rule and winner.plugin == entry.plugin:
            return ClaimStanding(entry, "alias", winner=winner)
        return ClaimStanding(entry, "shadowed", winner=winner)

    def claims(self) -> list[ClaimStanding]:
        """Every claim, in dispatch order (pluggy's call order), with where it stands."""
        return [self.standing(entry) for entry in self.entries]

    def shadowed_by(self, entry: RuleEntry) -> list[RuleEntry]:
        """The claims that lost to ``entry``'s op (empty when it won uncontested or lost itself)."""
        key = self.key_of(entry)
        table: dict[Any, RuleEntry] = self.modules if entry.kind == "module" else self.ops
        return list(self.shadowed.get(key, [])) if table.get(key) is entry else []
