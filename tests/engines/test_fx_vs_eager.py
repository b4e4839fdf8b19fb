"""The default engine counts the program that runs; fx counts its graph and says what it cannot see.

Symbolic tracing runs everything that does not depend on the inputs at trace time and keeps only the
result, and takes branches on an input's Python type the tracing way. Expected figures below come
from the ops each forward really executes.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torch_flops_core import count_flops
from torch_flops_core.api import FX_NOTE


class BufferWork(nn.Module):
    """Work on a buffer that does not involve the input: run on every forward."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("buf", torch.randn(100, 100))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + (self.buf @ self.buf).sum()


def test_work_on_buffers_is_counted_by_default_and_reported_missing_by_fx() -> None:
    x = torch.randn(16)
    matmul, total_sum, add = (2 * 100 - 1) * 100 * 100, 100 * 100 - 1, 16
    result = count_flops(BufferWork(), x)
    assert result.engine == "eager" and result.notes == []
    assert result.total == matmul + total_sum + add
    assert result.total_macs == 100 * 100 * 100
    fx = count_flops(BufferWork(), x, engine="fx")
    assert fx.total == add  # the matmul and the sum ran while tracing
    assert fx.notes[0] == FX_NOTE
    assert "1 tensor was computed while tracing and is a constant of the graph" in fx.notes[1]
    assert "_tensor_constant0" in fx.notes[1]


class Rope(nn.Module):
    """A rotary table built from configuration integers, as LLMs do inside forward."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        freqs = torch.arange(self.n).float() * 0.5
        return x * freqs.cos()


def test_a_table_built_from_config_integers_is_counted() -> None:
    n = 16
    result = count_flops(Rope(n), torch.randn(n))
    assert result.total == n + n + n  # arange and float 0; × 0.5, cos, x × table
    assert count_flops(Rope(n), torch.randn(n), engine="fx").total == n  # only x × (a constant)


class TypeBranch(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if isinstance(x, torch.Tensor):  # True when it runs; False for fx's Proxy
            return x.exp() * 2
        return x * 2


def test_a_branch_on_the_inputs_type_takes_the_path_that_runs() -> None:
    n = 32
    assert count_flops(TypeBranch(), torch.randn(n)).total == 2 * n  # exp, × 2
    assert count_flops(TypeBranch(), torch.randn(n), engine="fx").total == n  # fx took the other path


def test_auto_is_the_eager_engine_for_modules_and_callables() -> None:
    def f(x: torch.Tensor) -> torch.Tensor:
        return x * 3

    for model in (BufferWork(), f):
        x = torch.randn(16)
        auto, eager = count_flops(model, x), count_flops(model, x, engine="eager")
        assert auto.engine == eager.engine == "eager"
        assert auto.total == eager.total


@pytest.mark.slow
def test_one_off_meta_initialisation_does_not_land_on_an_op() -> None:
    """In a fresh process, the first Python meta kernel imports several hundred modules (~0.5 s):
    that must not be reported as the time of the first layer_norm counted on meta."""
    from helpers import run_python

    out = run_python(
        """
        import torch
        from torch import nn
        from torch_flops_core import count_flops
        with torch.device("meta"):
            model = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8))
            x = torch.randn(2, 8)
        print(max(r.time_ms for r in count_flops(model, x).ops))
        """
    )
    assert float(out.stdout) < 200.0  # milliseconds; the one-off import alone takes about 500
