"""(being written) rules of the special family."""

from __future__ import annotations

from torch_flops_core import Registry

__all__ = ["register"]


def register(registry: Registry) -> None:
    return None
