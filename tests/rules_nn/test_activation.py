"""Activations of the ``nn`` pack: the per-element table, the softmax family, GLU (docs/conventions.md).

Every expected number is written here from the formula: c·N for an element-wise activation of
cost c per element, softmax 2N + (S − 1)·N/S, log-softmax 3N, GLU 4·N.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
from helpers import count_module
from torch import nn

from torch_flops_core import count_flops

SIGMOID = 3  # exp, add, divide
TANH = 1  # one library function

# (module factory, FLOPs per output element, the formula it comes from)
PER_ELEMENT: list[tuple[Callable[[], nn.Module], int, str]] = [
    (nn.ReLU, 1, "max(x, 0)"),
    (lambda: nn.ReLU(inplace=True), 1, "max(x, 0)"),
    (nn.ReLU6, 2, "min(max(x, 0), 6)"),
    (nn.Hardtanh, 2, "clamp"),
    (lambda: nn.Hardtanh(-2.0, 3.0), 2, "clamp"),
    (lambda: nn.Threshold(0.5, -1.0), 1, "compare"),
    (nn.LeakyReLU, 4, "the seed's"),
    (lambda: nn.LeakyReLU(0.2), 4, "the seed's"),
    (nn.PReLU, 4, "as LeakyReLU"),
    (lambda: nn.PReLU(3), 4, "as LeakyReLU, one slope per channel"),
    (nn.RReLU, 4, "as LeakyReLU"),
    (nn.GELU, 1, "the seed's"),
    (lambda: nn.GELU("tanh"), 1, "the seed's, both approximations"),
    (nn.ELU, 4, "compare, exp, −1, ·alpha"),
    (nn.CELU, 5, "ELU with x/alpha"),
    (nn.SELU, 5, "ELU, ·scale"),
    (nn.Sigmoid, SIGMOID, "1/(1 + exp(−x))"),
    (nn.Tanh, TANH, "tanh"),
    (nn.SiLU, SIGMOID + 1, "x·sigmoid(x)"),
    (nn.Mish, 3 + TANH + 1, "x·tanh(log(1 + exp(x)))"),
    (nn.Softplus, 6, "log(1 + exp(beta·x))/beta, threshold compare"),
    (lambda: nn.Softplus(beta=2.0, threshold=10.0), 6, "same for any beta"),
    (nn.Softsign, 3, "x/(1 + |x|)"),
    (nn.Softshrink, 3, "two compares, ±lambda"),
    (nn.Hardshrink, 2, "two compares"),
    (nn.Tanhshrink, TANH + 1, "x − tanh(x)"),
    (nn.LogSigmoid, 3, "−log(1 + exp(−x))"),
    (nn.Hardsigmoid, 4, "relu6(x + 3)/6"),
    (nn.Hardswish, 5, "x·hardsigmoid(x)"),
]


@pytest.mark.parametrize(("shape", "training"), [((2, 3), True), ((2, 3, 5), False), ((2, 3, 4, 4), False)], ids=str)
@pytest.mark.parametrize(
    ("make", "per_element", "formula"), [pytest.param(*case, id=repr(case[0]())) for case in PER_ELEMENT]
)
def test_elementwise_activation(
    make: Callable[[], nn.Module], per_element: int, formula: str, shape: tuple[int, ...], training: bool
) -> None:
    module = make().train(training)
    op = count_module(module, torch.randn(shape))
    assert op.flops == per_element * math.prod(shape)
    assert op.macs == 0
    assert op.rule == "torch_flops_rules_nn.activation.elementwise"


def test_subclass_of_an_activation_uses_its_cost() -> None:
    class Swish(nn.SiLU):
        pass

    op = count_module(Swish(), torch.randn(3, 4))
    assert op.flops == (SIGMOID + 1) * 12


def test_seed_activations_in_a_model() -> None:
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 6), nn.GELU(), nn.Linear(6, 2), nn.LeakyReLU())
    result = count_flops(model, torch.randn(3, 4))
    assert result.unrecognized == []
    acts = [r.flops for r in result.ops if r.module_type in ("ReLU", "GELU", "LeakyReLU")]
    assert acts == [3 * 6, 3 * 6, 4 * 3 * 2]


# Softmax over dim of size S: N exps, (S − 1)·N/S adds, N divides. Softmin is softmax(−x): same.


def softmax_flops(n: int, size: int) -> int:
    return n + (size - 1) * (n // size) + n


SOFTMAX_CASES = [
    # (module, input shape, size of the softmax dim)
    pytest.param(nn.Softmax(dim=-1), (2, 3, 5), 5, id="Softmax-last"),
    pytest.param(nn.Softmax(dim=0), (4, 3), 4, id="Softmax-dim0"),
    pytest.param(nn.Softmax(dim=1), (2, 6, 3), 6, id="Softmax-dim1"),
    pytest.param(nn.Softmax(), (2, 6, 3), 2, id="Softmax-implicit-3d-dim0"),
    pytest.param(nn.Softmax(), (2, 6), 6, id="Softmax-implicit-2d-dim1"),
    pytest.param(nn.Softmax(), (7,), 7, id="Softmax-implicit-1d"),
    pytest.param(nn.Softmin(dim=-1), (2, 3, 5), 5, id="Softmin"),
    pytest.param(nn.Softmax2d(), (2, 3, 4, 4), 3, id="Softmax2d-channels"),
    pytest.param(nn.Softmax2d(), (3, 4, 4), 3, id="Softmax2d-unbatched"),
]


@pytest.mark.filterwarnings("ignore:Implicit dimension choice:UserWarning")
@pytest.mark.parametrize(("module", "shape", "size"), SOFTMAX_CASES)
def test_softmax(module: nn.Module, shape: tuple[int, ...], size: int) -> None:
    op = count_module(module, torch.randn(shape))
    n = math.prod(shape)
    negation = n if isinstance(module, nn.Softmin) else 0  # softmin(x) = softmax(−x): torch runs the negation
    assert op.flops == negation + softmax_flops(n, size)
    assert op.rule == "torch_flops_rules_nn.activation.softmax"


def test_softmax_worked_example() -> None:
    # 2 rows of 5: 10 exps, 2·4 adds, 10 divides
    assert count_module(nn.Softmax(-1), torch.randn(2, 5)).flops == 10 + 8 + 10 == 28


@pytest.mark.parametrize(("dim", "shape"), [(-1, (2, 5)), (1, (3, 4, 2)), (0, (6,))])
def test_log_softmax(dim: int, shape: tuple[int, ...]) -> None:
    n, size = math.prod(shape), shape[dim]
    rows = n // size
    op = count_module(nn.LogSoftmax(dim), torch.randn(shape))
    # x − log Σ exp(x): N exps, (S − 1)·rows adds, rows logs, N subtracts
    assert op.flops == n + (size - 1) * rows + rows + n == 3 * n


@pytest.mark.parametrize(("dim", "shape"), [(-1, (2, 6)), (1, (2, 4, 3)), (0, (8,))])
def test_glu(dim: int, shape: tuple[int, ...]) -> None:
    op = count_module(nn.GLU(dim), torch.randn(shape))
    n = math.prod(shape) // 2  # the output is half the input along dim
    assert op.flops == (SIGMOID + 1) * n  # a·sigmoid(b)
