"""The aten ops this pack gives no rule, on purpose, and why: the ``uncounted`` status of
``torch_flops_core.coverage.op_statuses`` (docs/aten-coverage.md).

Keys are regular expressions matched in full against ``name.overload`` (no namespace). An op listed here
that runs is still shown as ``not recognized`` (never a silent 0); the reason says why no rule counts it.
"""

from __future__ import annotations

__all__ = ["UNCOUNTED"]

UNCOUNTED: dict[str, str] = {
    r"_test_.*|_foobar.*": "torch's own test ops",
}
