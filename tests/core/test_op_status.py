"""Every aten overload torch registers has a status (coverage.op_statuses), and docs/aten-coverage.md shows them.

The statuses are read from torch's own registry (schemas, tags, CompositeImplicitAutograd kernels, the Core ATen
decompositions) and the loaded rules; the reasons for the uncounted ones are the aten pack's
(``torch_flops_rules_aten.uncounted``). A torch upgrade that adds an op without a status fails here, naming it.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest
from helpers import ROOT

from torch_flops_core import get_plugins
from torch_flops_core.coverage import OpStatus, op_statuses
from torch_flops_rules_aten.uncounted import UNCOUNTED


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("op_status_tool", ROOT / "tools" / "op_status.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def statuses() -> dict[str, OpStatus]:
    return {s.op: s for s in op_statuses(get_plugins().table, UNCOUNTED)}


def test_every_aten_overload_has_a_status(statuses: dict[str, OpStatus]) -> None:
    unknown = sorted(op for op, s in statuses.items() if s.status == "unknown")
    assert unknown == [], f"{len(unknown)} aten overloads have no rule and no reason (python tools/op_status.py)"


def test_statuses_say_how_each_kind_of_op_is_counted(statuses: dict[str, OpStatus]) -> None:
    assert statuses["aten::addmm.default"].detail == "torch_flops_rules_aten.matmul.matmul_bias"
    assert statuses["aten::view.default"].detail == "torch_flops_rules_aten.zero.view"  # from its schema's aliasing
    assert statuses["aten::view_copy.default"].detail == "torch_flops_rules_aten.zero.copy"  # tagged view_copy
    assert statuses["aten::empty.memory_format"].detail == "torch_flops_rules_aten.zero.factory"  # no tensor in
    assert statuses["aten::linear.default"].status == "composite"  # the dispatcher runs it as t + addmm
    assert statuses["aten::add.out"].detail == "torch_flops_rules_aten.pointwise.arithmetic"  # a packet, every form
    decomposed = [s for s in statuses.values() if s.status == "decomposed"]
    assert decomposed and all(s.plugin == "" and s.detail == "" for s in decomposed)
    uncounted = [s for s in statuses.values() if s.status == "uncounted"]
    assert uncounted and all(s.detail in UNCOUNTED.values() for s in uncounted)


def test_the_docs_show_the_table_of_this_torch() -> None:
    tool = _tool()
    page = (ROOT / "docs" / "aten-coverage.md").read_text()
    shown = page[page.index(tool.BEGIN) + len(tool.BEGIN) : page.index(tool.END)].strip()
    assert shown == tool.markdown(tool.statuses()).strip(), (
        "docs/aten-coverage.md is out of date: paste the output of python tools/op_status.py --markdown"
    )
