"""Helpers shared by the test modules (``from helpers import ...``: pytest's ``pythonpath`` puts ``tests/`` on
``sys.path``, so every folder of tests imports them the same way).

They count with the public API only and compute nothing of their own: every expected number stays in
the test that asserts it. A helper that only one module uses stays in that module.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from torch_flops_core import FlopsResult, OpRecord, count_flops
from torch_flops_core.plugins import DISABLE_ENV

ROOT = Path(__file__).resolve().parent.parent
"""The repository's root (``tests/..``): for tests that read the docs, the tools or the sources."""

EXTRA_PLUGINS = {  # installed only where a test asks for them (the plugin_site fixture), never in the environment
    "acme": ROOT / "tests" / "plugins" / "acme_flops",  # test-only: a custom layer, a tryfirst nn.Linear override
    "example": ROOT / "docs" / "examples" / "flops_example",  # the worked example of docs/writing-plugins.md
}

CALL_KINDS = ("call_module", "call_function", "call_method")

WRAPPERS: dict[int, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    1: lambda fn: lambda a: fn(a),
    2: lambda fn: lambda a, b: fn(a, b),
    3: lambda fn: lambda a, b, c: fn(a, b, c),
    4: lambda fn: lambda a, b, c, d: fn(a, b, c, d),
}
"""``WRAPPERS[n](fn)``: a Python function of ``n`` positional arguments that calls ``fn`` with them,
which FX can trace even where ``fn`` is a builtin (``operator.add``, ``torch.matmul``)."""


def calls(result: FlopsResult) -> list[OpRecord]:
    """The records of real calls (no placeholder, get_attr or output)."""
    return [r for r in result.ops if r.kind in CALL_KINDS]


def count_module(module: nn.Module, *inputs: torch.Tensor) -> OpRecord:
    """Count a module that has a rule: one ``call_module`` op, counted by the ``nn`` pack."""
    result = count_flops(module, *inputs)
    assert result.unrecognized == []
    (op,) = calls(result)
    assert op.kind == "call_module"
    assert op.plugin == "nn"
    assert op.module_type == type(module).__name__
    assert result.total == op.flops
    assert result.total_macs == op.macs
    return op


def both(fn: Callable[..., Any], *inputs: Any) -> FlopsResult:
    """Count ``fn(*inputs)`` with the fx and the eager engine; both recognize every op and agree.

    Every call is counted by the functional pack; the fx result is returned. ``fn`` may be a builtin
    (``operator.add``): it is wrapped in a Python function of the same arity (:data:`WRAPPERS`), which
    FX can trace.
    """
    wrapped = WRAPPERS[len(inputs)](fn)
    fx, eager = (count_flops(wrapped, *inputs, engine=engine) for engine in ("fx", "eager"))
    for result in (fx, eager):
        assert result.unrecognized == []
        assert all(r.plugin == "functional" for r in calls(result)), [(r.target_name, r.plugin) for r in calls(result)]
    assert (fx.total, fx.total_macs) == (eager.total, eager.total_macs)
    return fx


def flop_counter_mode(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
    """What ``torch.utils.flop_counter.FlopCounterMode`` reports for ``fn(*args, **kwargs)``, run under
    ``torch.no_grad()``: 2 FLOPs per multiply-accumulate of the contractions (matmul, conv, attention)
    it has a formula for, biases and element-wise ops not counted. ``fn`` is a module or a function."""
    with FlopCounterMode(display=False) as fc, torch.no_grad():
        fn(*args, **kwargs)
    return fc.get_total_flops()


def agree(fn: Callable[..., Any], *inputs: Any) -> int:
    """The default engine's FLOPs of ``fn(*inputs)``, after checking that the aten engine counts the same FLOPs
    and MACs and that neither leaves an op unrecognized."""
    default, aten = count_flops(fn, *inputs), count_flops(fn, *inputs, engine="aten")
    assert default.unrecognized == [] and aten.unrecognized == [], (default.unrecognized, aten.unrecognized)
    assert (default.total, default.total_macs) == (aten.total, aten.total_macs), [
        (r.target_name, r.flops) for r in calls(aten) if r.flops
    ]
    return default.total


def run_python(code: str, site: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh Python; ``site`` (if given) goes first on its ``PYTHONPATH``."""
    environ = {k: v for k, v in os.environ.items() if k != DISABLE_ENV}
    if site is not None:
        environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), environ.get("PYTHONPATH", "")]))
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=environ, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def snapshot(model: nn.Module) -> dict[str, Any]:
    """What counting must leave as it was (:func:`assert_unchanged`): every module's training flag, hook counts
    and attribute names; parameters (values and ``requires_grad``), buffers (persistent or not) and the
    ``state_dict`` (keys in order, values)."""
    return {
        "training": [m.training for m in model.modules()],
        "hooks": [
            (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks), len(m._backward_pre_hooks))
            for m in model.modules()
        ],
        "attributes": [sorted(m.__dict__) for m in model.modules()],
        "requires_grad": {k: v.requires_grad for k, v in model.named_parameters()},
        "params": {k: v.detach().clone() for k, v in model.named_parameters()},
        "buffers": {k: v.clone() for k, v in model.named_buffers()},
        "state_dict_keys": list(model.state_dict()),
        "state": {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in model.state_dict().items()},
    }


def assert_unchanged(model: nn.Module, before: dict[str, Any]) -> None:
    """``model`` is as :func:`snapshot` saw it: the same flags, hooks, attributes, names and equal tensors."""
    after = snapshot(model)
    for key in ("training", "hooks", "attributes", "requires_grad", "state_dict_keys"):
        assert after[key] == before[key], key
    for key in ("params", "buffers", "state"):
        assert list(after[key]) == list(before[key]), key
        for name, value in before[key].items():
            now = after[key][name]
            same = torch.equal(now, value) if isinstance(value, torch.Tensor) else now == value
            assert same, f"{key} {name}"
