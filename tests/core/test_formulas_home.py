"""Every formula lives in ``torch_flops_core.formulas`` (or a pack's own ``formulas.py``): a rule reads sizes and
calls formulas, it does not multiply or add them itself. A line that does arithmetic on sizes that is not a count
(a dimension index ``dim + x.dim()``, a shape built for an output) says so with a ``# shape:`` comment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT

PACK_FILES = sorted(
    path
    for path in ROOT.glob("torch_flops_rules_*/src/torch_flops_rules_*/*.py")
    if path.name != "formulas.py"  # a pack's own formulas (torchvision's ops): the formulas' home for that pack
)
SIZE_ATTRIBUTES = frozenset({"shape", "ndim"})
SIZE_CALLS = frozenset({"numel", "size", "dim", "nelement", "out_numel", "in_numel", "arg_numel", "broadcast_numel"})
PRAGMA = "# shape:"


def _reads_size(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in SIZE_ATTRIBUTES:
            return True
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if name in SIZE_CALLS:
                return True
    return False


def size_arithmetic(source: str) -> list[int]:
    """Lines of ``source`` with arithmetic (+ − · / // **) on a size read (``x.shape``, ``numel()``, ``out_numel``),
    outside a call of formulas or shapes, without the ``# shape:`` pragma."""
    lines = source.splitlines()
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Mod):
            operands = (node.left, node.right)
        elif isinstance(node, ast.AugAssign) and not isinstance(node.op, ast.Mod):
            operands = (node.target, node.value)
        else:
            continue
        if any(_reads_size(operand) for operand in operands):
            span = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
            if not any(PRAGMA in line for line in span):
                found.add(node.lineno)
    return sorted(found)


def test_the_scan_finds_what_it_must() -> None:
    assert size_arithmetic("def r(call):\n    return 3 * out_numel(call)\n") == [2]
    assert size_arithmetic("def r(call):\n    n = x.shape[0] * x.shape[1]\n") == [2]
    assert size_arithmetic("def r(call):\n    return formulas.activation('relu', out_numel(call))\n") == []
    assert size_arithmetic("def r(call):\n    d = dim + x.dim()  # shape: a dimension index\n") == []


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pack_files_leave_arithmetic_to_formulas(path: Path) -> None:
    lines = size_arithmetic(path.read_text())
    assert not lines, (
        f"{path.relative_to(ROOT)} computes with sizes on lines {lines}: move the formula into "
        "torch_flops_core.formulas (its docstring states it, docs/conventions.md too) and call it, or mark an index or "
        f"shape computation that is not a count with '{PRAGMA} <why>'"
    )
