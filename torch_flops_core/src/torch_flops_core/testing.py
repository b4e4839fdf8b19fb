"""Helpers for testing rules: count with exactly the plugins you name, assert what an op cost.

Use them in a plugin's own test suite (the fixtures in :mod:`torch_flops_core.pytest_plugin` wrap
them for pytest)::

    from torch_flops_core.testing import assert_op_counts

    def test_window_attention_rule():
        layer = WindowAttention(dim=32, window=5)
        x = torch.randn(2, 10, 32)
        n, d, w = 2 * 10, 32, 5
        assert_op_counts(layer, x, expected=n * (2 * d * w - 1), only=["acme"])

``only=["acme"]`` counts with your plugin alone (every other installed plugin disabled), so the
test proves your rule did the counting; ``plugins=[obj]`` adds run-time plugin objects.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Sequence
from typing import Any

import torch

from .api import Engine, count_flops
from .hookspecs import NAME
from .results import FlopsResult, OpRecord

__all__ = ["assert_op_counts", "count_with", "installed_plugin_names", "only_plugins"]


def installed_plugin_names() -> list[str]:
    """Names of the ``torch_flops`` entry points installed in this environment, sorted."""
    return sorted({ep.name for ep in importlib.metadata.entry_points(group=NAME)})


def only_plugins(names: Iterable[str]) -> list[str]:
    """The ``disable=`` list that leaves exactly the installed plugins ``names`` enabled.

    Raises ``LookupError`` for a name that is not installed, so a typo cannot make a test pass
    with no plugin at all.
    """
    wanted = set(names)
    installed = installed_plugin_names()
    missing = wanted - set(installed)
    if missing:
        raise LookupError(
            f"plugin(s) {sorted(missing)} are not installed (installed torch_flops entry points: {installed}); "
            "install your distribution (pip install -e .) so its entry point is found"
        )
    return [name for name in installed if name not in wanted]


def count_with(
    model: Any,
    *args: Any,
    only: Iterable[str] | None = None,
    plugins: Sequence[Any] = (),
    engine: Engine = "fx",
    **kwargs: Any,
) -> FlopsResult:
    """``count_flops`` with ``only`` the named installed plugins (``None``: all) plus ``plugins``."""
    disable = only_plugins(only) if only is not None else []
    return count_flops(model, *args, engine=engine, disable=disable, plugins=plugins, measure_time=False, **kwargs)


def assert_op_counts(
    model: Any,
    *args: Any,
    expected: int,
    macs: int | None = None,
    target: Any = None,
    plugin: str | None = None,
    only: Iterable[str] | None = None,
    plugins: Sequence[Any] = (),
    engine: Engine = "fx",
    **kwargs: Any,
) -> OpRecord:
    """Count ``model(*args, **kwargs)`` and assert that its one op (or its one op of ``target``) cost
    ``expected`` FLOPs (and ``macs`` MACs when given), counted by ``plugin`` when given.

    ``target`` picks the op: a module class, a function or op (any spelling: ``torch.matmul``
    matches ``a @ b``), or a method name. Returns the op's record. The assertion message names
    the op, the rule and the plugin that counted it.
    """
    result = count_with(model, *args, only=only, plugins=plugins, engine=engine, **kwargs)
    ops = [r for r in result.ops if r.kind.startswith("call_")]
    if target is not None:
        ops = [r for r in ops if _matches(r, target)]
    if len(ops) != 1:
        listed = ", ".join(f"{r.name} ({_spelled(r)})" for r in ops)
        which = "" if target is None else f" of {target!r}"
        raise AssertionError(f"expected exactly one op{which}, found {len(ops)}: {listed}")
    (op,) = ops
    who = f"op {op.name!r} ({_spelled(op)}), rule {op.rule}, plugin {op.plugin!r}"
    if op.flops != expected:
        raise AssertionError(f"{who}: counted {op.flops} FLOPs, expected {expected}")
    if macs is not None and op.macs != macs:
        raise AssertionError(f"{who}: counted {op.macs} MACs, expected {macs}")
    if plugin is not None and op.plugin != plugin:
        raise AssertionError(f"{who}: counted by plugin {op.plugin!r}, expected {plugin!r}")
    return op


def _spelled(record: OpRecord) -> str:
    return record.module_type if record.kind == "call_module" else record.target_name


def _matches(record: OpRecord, target: Any) -> bool:
    if isinstance(target, type) and issubclass(target, torch.nn.Module):
        return record.kind == "call_module" and record.module_type == target.__name__
    if isinstance(target, str):
        return record.target == target or record.target_name == target or record.module_type == target
    from .aliases import default_alias_table

    aliases = default_alias_table()
    key = aliases.canonical(target)
    if record.kind == "call_method":
        return aliases.method_key(str(record.target)) == key
    return record.kind == "call_function" and aliases.canonical(record.target) == key
