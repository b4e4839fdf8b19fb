"""Coverage defined by torch's operator set: a status for every op overload the dispatcher registers.

An aten engine count meets an op in one of five situations, and :func:`op_statuses` says which for each
overload of a namespace (``aten`` by default):

- ``rule``: a loaded rule claims it (the record names that rule; a rule of 0 FLOPs for views, copies and
  factories is still a rule);
- ``composite``: torch defines it by other ops in a ``CompositeImplicitAutograd`` kernel, which the
  dispatcher runs before any mode sees the op, so its parts are what is counted;
- ``decomposed``: no rule, but torch decomposes it into Core ATen ops, and the engines count it by that
  decomposition (:mod:`torch_flops_core.decompose`);
- ``uncounted``: no rule on purpose, for the reason a rule pack wrote down (``reasons``);
- ``unknown``: none of these: a gap, shown as ``not recognized`` when it runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import torch

from .decompose import decomposition_of
from .registry import RuleTable

__all__ = ["OpStatus", "Status", "op_statuses", "overloads"]

Status = Literal["rule", "composite", "decomposed", "uncounted", "unknown"]

_IMPLICIT = torch._C.DispatchKey.CompositeImplicitAutograd


@dataclass(frozen=True, slots=True)
class OpStatus:
    """One overload's status: ``detail`` is the rule's qualified name, or the reason it is uncounted."""

    op: str
    """``aten::add.Tensor``, ``aten::addmm.default``"""
    status: Status
    detail: str = ""
    plugin: str = ""


def overloads(namespace: str = "aten") -> Iterator[tuple[str, Any]]:
    """Every ``(name, OpOverload)`` of ``namespace`` the dispatcher has registered, sorted by name."""
    prefix = f"{namespace}::"
    ops = getattr(torch.ops, namespace)
    for full in sorted(n for n in torch._C._dispatch_get_all_op_names() if n.startswith(prefix)):
        base, _, overload = full[len(prefix) :].partition(".")
        try:
            yield f"{prefix}{base}.{overload or 'default'}", getattr(getattr(ops, base), overload or "default")
        except (AttributeError, RuntimeError):  # registered by name only, without a schema Python can load
            continue


def op_statuses(table: RuleTable, reasons: Mapping[str, str] | None = None, namespace: str = "aten") -> list[OpStatus]:
    """The status of every overload of ``namespace`` under ``table``; ``reasons`` maps a regular expression
    (matched in full against ``name.overload`` without the namespace, or ``name`` alone for the default
    overload, e.g. ``cudnn_.*``) to why the ops it
    matches have no rule."""
    patterns = [(re.compile(pattern), reason) for pattern, reason in (reasons or {}).items()]
    statuses: list[OpStatus] = []
    for full, op in overloads(namespace):
        entry = table.function_rule(op)
        if entry is not None:
            statuses.append(OpStatus(full, "rule", entry.name, entry.plugin))
            continue
        if torch._C._dispatch_has_kernel_for_dispatch_key(op.name(), _IMPLICIT):
            statuses.append(OpStatus(full, "composite"))
            continue
        if decomposition_of(op) is not None:
            statuses.append(OpStatus(full, "decomposed"))
            continue
        short = full.split("::", 1)[1]
        plain = short.removesuffix(".default")
        reason = next((why for pattern, why in patterns if pattern.fullmatch(short) or pattern.fullmatch(plain)), None)
        statuses.append(OpStatus(full, "uncounted", reason) if reason else OpStatus(full, "unknown"))
    return statuses
