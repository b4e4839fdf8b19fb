"""What runs around a module counted whole is counted (issue 22, item 6).

A module with a module rule (``nn.Linear`` ...) is one op on the default engine; torch also runs, at its
call, its forward pre-hooks (old-style ``weight_norm``/``spectral_norm`` are such hooks), its forward hooks,
and the parametrizations (``torch.nn.utils.parametrize``) its forward reads. Each is counted as ops of that
module, on the default engine as on the aten engine (which sees every kernel) and on fx.

The figures are written out by hand from the convention: a dot product of length K is 2K − 1 FLOPs (K
MACs); ``Linear(i, o)`` on r rows is (2i − 1)·o·r + o·r (bias) FLOPs and i·o·r MACs; an element-wise op
costs 1 per output element (tanh 1, sigmoid 3: exp, add, divide; GELU the seed's 1, see
docs/conventions.md "Per-element costs of activations"); a Euclidean norm of n elements is 2n (n squares,
n − 1 adds, a square root); ``F.normalize`` of one vector of n is its norm 2n, a clamp 1 and n divides.
"""

from __future__ import annotations

import pytest
import torch
from helpers import calls
from torch import nn
from torch.nn.utils import parametrize

from torch_flops_core import FlopsResult, count_flops

ROWS, N = 2, 8  # a Linear(8, 8) on 2 rows of 8 everywhere below


def linear_flops(i: int, o: int, rows: int) -> int:
    """(2i − 1)·o·rows for the dot products, + o·rows for the bias."""
    return (2 * i - 1) * o * rows + o * rows


LINEAR = linear_flops(N, N, ROWS)  # 256
LINEAR_MACS = N * N * ROWS  # 128


def counts(model: nn.Module, x: torch.Tensor, engines: tuple[str, ...] = ("auto", "aten", "fx")) -> list[FlopsResult]:
    """``model(x)`` counted by each engine; every op recognized."""
    results = [count_flops(model, x, engine=engine) for engine in engines]  # type: ignore[arg-type]
    for engine, result in zip(engines, results, strict=True):
        assert result.unrecognized == [], (engine, [r.name for r in result.unrecognized])
    return results


def totals(results: list[FlopsResult]) -> set[tuple[int, int]]:
    return {(r.total, r.total_macs) for r in results}


# -- forward pre-hooks and forward hooks ----------------------------------------------------------------------


def test_a_forward_pre_hook_of_a_module_counted_whole_is_counted() -> None:
    torch.manual_seed(0)
    linear = nn.Linear(N, N)
    linear.register_forward_pre_hook(lambda module, args: (args[0] * 2 + 1,))
    results = counts(linear, torch.randn(ROWS, N))
    hook = ROWS * N + ROWS * N  # x·2 and +1, one per element
    assert totals(results) == {(LINEAR + hook, LINEAR_MACS)}  # 288: was 256 on the default engine and fx
    default = results[0]
    assert [(r.name, r.flops, r.module_path) for r in calls(default)] == [
        ("mul", ROWS * N, ""),
        ("add", ROWS * N, ""),
        ("linear", LINEAR, ""),
    ]


def test_hooks_of_a_submodule_are_ops_of_that_submodule() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(N, N)
            self.fc.register_forward_pre_hook(lambda module, args: (args[0].tanh(),))
            self.fc.register_forward_hook(lambda module, args, output: output.sigmoid() * 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x).relu()

    torch.manual_seed(0)
    results = counts(Net(), torch.randn(ROWS, N))
    elements = ROWS * N
    tanh, sigmoid, times_3, relu = elements, 3 * elements, elements, elements
    # tanh (pre-hook), the linear, sigmoid and ·3 (forward hook), relu (the parent's)
    assert totals(results) == {(tanh + LINEAR + sigmoid + times_3 + relu, LINEAR_MACS)}
    default = results[0]
    assert [(r.name, r.module_path) for r in calls(default)] == [
        ("tanh", "fc"),
        ("fc", "fc"),
        ("sigmoid", "fc"),  # the forward hook runs after the module: still an op of it
        ("mul", "fc"),
        ("relu", ""),
    ]
    assert default.by_module(1) == {"fc": tanh + LINEAR + sigmoid + times_3, "": relu}


def test_a_hook_that_calls_a_module_and_reads_a_parametrized_weight() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.act = nn.GELU()
            self.fc = nn.Linear(N, N)
            parametrize.register_parametrization(self.fc, "weight", Double())
            # the pre-hook runs GELU (a module of the model) and reads the parametrized weight once
            self.fc.register_forward_pre_hook(lambda module, args: (self.act(args[0]) * module.weight.sum(),))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x)

    torch.manual_seed(0)
    results = counts(Net(), torch.randn(ROWS, N))
    elements, weights = ROWS * N, N * N
    gelu = elements  # nn.GELU: the seed's 1 per element
    hook = gelu + weights + (weights - 1) + elements  # GELU, the parametrization (w·2), its sum, the product
    forward = weights + LINEAR  # forward reads the weight again: w·2, then the linear
    assert totals(results) == {(hook + forward, LINEAR_MACS)}
    default = results[0]
    assert [r.module_path for r in calls(default)] == [
        "act",
        "fc.parametrizations.weight.0",
        "fc",
        "fc",
        "fc.parametrizations.weight.0",
        "fc",
    ]


class Double(nn.Module):
    """A parametrization: the weight used is twice the one stored (one multiply per element)."""

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return weight * 2


# -- parametrizations ----------------------------------------------------------------------------------------


def test_a_parametrization_read_by_a_module_counted_whole_is_counted() -> None:
    torch.manual_seed(0)
    linear = nn.Linear(N, N)
    parametrize.register_parametrization(linear, "weight", Double())
    results = counts(linear, torch.randn(ROWS, N))
    assert totals(results) == {(N * N + LINEAR, LINEAR_MACS)}  # 320: was 256
    default = results[0]
    assert [(r.name, r.flops, r.module_path, r.module_type) for r in calls(default)] == [
        ("mul", N * N, "parametrizations.weight.0", "Double"),
        ("parametrizedlinear", LINEAR, "", "ParametrizedLinear"),
    ]


def test_a_cached_parametrization_is_counted_once() -> None:
    torch.manual_seed(0)
    linear = nn.Linear(N, N)
    parametrize.register_parametrization(linear, "weight", Double())

    def twice(x: torch.Tensor) -> torch.Tensor:
        with parametrize.cached():  # the weight is computed at its first read and reused
            return linear(linear(x))

    for engine in ("auto", "aten"):
        result = count_flops(twice, torch.randn(ROWS, N), engine=engine)
        assert (result.total, result.total_macs) == (N * N + 2 * LINEAR, 2 * LINEAR_MACS), engine


def spectral_norm_flops(rows_out: int, cols_in: int, power_iterations: int) -> tuple[int, int]:
    """torch.nn.utils.spectral_norm of an (o × i) weight (its ``_SpectralNorm``/``SpectralNorm.compute_weight``).

    Each power iteration: v = normalize(Wᵀu) (a matrix-vector product, i dot products of o, then
    normalize of i), u = normalize(Wv) (o dot products of i, normalize of o). Then σ = u·(Wv): a product
    Wv (o dot products of i) and a dot product of o; the weight used is W/σ (o·i divides).
    """
    o, i = rows_out, cols_in
    normalize = lambda n: 2 * n + 1 + n  # noqa: E731  # the norm, the clamp, the divides
    iteration = (2 * o - 1) * i + normalize(i) + (2 * i - 1) * o + normalize(o)
    iteration_macs = o * i + i * o
    sigma = (2 * i - 1) * o + (2 * o - 1)
    sigma_macs = i * o + o
    flops = power_iterations * iteration + sigma + o * i
    return flops, power_iterations * iteration_macs + sigma_macs


@pytest.mark.parametrize("old_style", [True, False], ids=["hook", "parametrization"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_spectral_norm_is_counted(old_style: bool, training: bool) -> None:
    torch.manual_seed(0)
    linear: nn.Module
    if old_style:
        linear = torch.nn.utils.spectral_norm(nn.Linear(N, N))  # a forward pre-hook (SpectralNorm)
    else:
        linear = torch.nn.utils.parametrizations.spectral_norm(nn.Linear(N, N))
    linear.train(training)
    results = counts(linear, torch.randn(ROWS, N))
    flops, macs = spectral_norm_flops(N, N, 1 if training else 0)  # eval: no power iteration
    assert totals(results) == {(flops + LINEAR, macs + LINEAR_MACS)}
    if training:
        assert (flops + LINEAR, macs + LINEAR_MACS) == (745, 328)  # the aten figures; 256 / 128 before


def weight_norm_flops(rows_out: int, cols_in: int) -> int:
    """torch._weight_norm(v, g, dim=0) of an (o × i) weight: w = g·v/‖v‖ per row: the o row norms (2i each),
    o divides g/‖v‖, and o·i multiplies: 3·o·i + o."""
    return rows_out * 2 * cols_in + rows_out + rows_out * cols_in


@pytest.mark.parametrize("old_style", [True, False], ids=["hook", "parametrization"])
def test_weight_norm_work_is_recorded_in_the_module(old_style: bool) -> None:
    torch.manual_seed(0)
    if old_style:
        with pytest.warns(FutureWarning):
            linear = torch.nn.utils.weight_norm(nn.Linear(N, N))
        path = ""
    else:
        linear = torch.nn.utils.parametrizations.weight_norm(nn.Linear(N, N))
        path = "parametrizations.weight.0"
    default = count_flops(linear, torch.randn(ROWS, N))
    (norm,) = [r for r in calls(default) if r.name == "_weight_norm"]  # never silently dropped
    assert norm.module_path == path
    aten = count_flops(linear, torch.randn(ROWS, N), engine="aten")
    assert (aten.total, aten.total_macs) == (weight_norm_flops(N, N) + LINEAR, LINEAR_MACS)  # 456: was 256


@pytest.mark.parametrize("old_style", [True, False], ids=["hook", "parametrization"])
def test_weight_norm_counts_the_same_on_every_engine(old_style: bool) -> None:
    torch.manual_seed(0)
    if old_style:
        with pytest.warns(FutureWarning):
            linear = torch.nn.utils.weight_norm(nn.Linear(N, N))
    else:
        linear = torch.nn.utils.parametrizations.weight_norm(nn.Linear(N, N))
    results = counts(linear, torch.randn(ROWS, N))
    assert totals(results) == {(weight_norm_flops(N, N) + LINEAR, LINEAR_MACS)}


# -- what stays as it was ------------------------------------------------------------------------------------


def test_an_ignored_module_ignores_what_runs_around_it() -> None:
    torch.manual_seed(0)
    linear = torch.nn.utils.parametrizations.spectral_norm(nn.Linear(N, N))
    linear.register_forward_pre_hook(lambda module, args: (args[0] * 2,))
    result = count_flops(linear, torch.randn(ROWS, N), ignore_ops=[nn.Linear])
    assert result.total == 0
    assert [r.ignored for r in calls(result)] == [True]


def test_a_lazy_modules_set_up_hook_is_not_an_op() -> None:
    lazy = nn.LazyLinear(N)  # its parameters are made by a forward pre-hook at the first call
    lazy.register_forward_pre_hook(lambda module, args: (args[0] + 1,))
    result = count_flops(lazy, torch.randn(ROWS, N))
    assert result.unrecognized == []
    assert [(r.name, r.flops) for r in calls(result)] == [("add", ROWS * N), ("lazylinear", LINEAR)]


def test_a_hook_that_raises_leaves_the_next_count_right() -> None:
    torch.manual_seed(0)
    linear = nn.Linear(N, N)

    def broken(module: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
        _ = args[0] * 2
        raise RuntimeError("hook failed on purpose")

    handle = linear.register_forward_pre_hook(broken)
    with pytest.raises(RuntimeError, match="on purpose"):
        count_flops(linear, torch.randn(ROWS, N))
    handle.remove()
    x = torch.randn(ROWS, N)
    assert count_flops(linear, x).total == LINEAR
    assert torch.equal(torch.tanh(x), x.tanh())  # the mode is gone: torch functions run plainly


def test_modules_without_hooks_are_one_op_as_before() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(N, N), nn.ReLU(), nn.Linear(N, N))
    result = count_flops(model, torch.randn(ROWS, N))
    assert [r.kind for r in calls(result)] == ["call_module"] * 3


def test_the_backward_of_a_hooked_module_is_counted_in_it() -> None:
    torch.manual_seed(0)
    linear = torch.nn.utils.parametrizations.spectral_norm(nn.Linear(N, N)).train()
    x = torch.randn(ROWS, N)
    default = count_flops(linear, x, backward=True)
    aten = count_flops(linear, x, engine="aten", backward=True)
    assert default.total_by_phase == aten.total_by_phase
    assert default.total_by_phase["forward"] == spectral_norm_flops(N, N, 1)[0] + LINEAR
