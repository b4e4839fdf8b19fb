"""Element-wise rules of the functional pack: operators, math functions, activations, selects.

Every count is ``cost · N``, N = numel of the (broadcast) output; the per-element costs are written
out here (docs/conventions.md) and compared with the pack's tables, so a change of either is seen.
Each op is counted with both engines, which must agree.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import both, calls

from torch_flops_core import count_flops
from torch_flops_core.formulas import ACTIVATION_COSTS, POINTWISE_COSTS

SHAPE = (2, 3, 4)
N = 24


def x_() -> torch.Tensor:
    return torch.rand(SHAPE) * 0.8 + 0.1  # in (0, 1): every function is defined there


# ---------------------------------------------------------------------------------------------
# Operators: N per element of the broadcast output, in every spelling; in-place forms alike
# ---------------------------------------------------------------------------------------------

OPERATORS = [
    operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.mod,
    operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge,
]  # fmt: skip
BITWISE = [operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift]
IN_PLACE = {
    operator.add: "add_", operator.sub: "sub_", operator.mul: "mul_", operator.truediv: "div_",
    operator.pow: "pow_", operator.mod: "remainder_", operator.eq: "eq_", operator.ne: "ne_",
    operator.lt: "lt_", operator.le: "le_", operator.gt: "gt_", operator.ge: "ge_",
}  # fmt: skip


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
@pytest.mark.parametrize(
    ("a_shape", "b_shape", "out"),
    [((2, 3), (2, 3), 6), ((3, 1, 5), (4, 1), 60), ((2, 1, 3), (), 6), ((1,), (2, 6), 12)],
)
def test_operators_count_the_broadcast_output(
    op: Callable[..., Any], a_shape: tuple[int, ...], b_shape: tuple[int, ...], out: int
) -> None:
    a, b = torch.rand(a_shape) + 0.5, torch.rand(b_shape) + 0.5
    assert op(a, b).numel() == out
    assert both(op, a, b).total == out
    assert both(lambda a: op(a, 2.0), a).total == math.prod(a_shape)  # a Python scalar operand
    reflected = both(lambda b: op(2.0, b), b).total  # __radd__, __rsub__ ...
    if op is operator.truediv:  # 2 / b runs b.reciprocal() * 2 (Tensor.__rdiv__): two ops per element
        assert reflected == 2 * math.prod(b_shape)
        assert count_flops(lambda b: op(2.0, b), b, engine="aten").total == reflected
    else:
        assert reflected == math.prod(b_shape)


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
def test_in_place_operators(op: Callable[..., Any]) -> None:
    method = IN_PLACE[op]
    assert both(lambda x, y: getattr(x, method)(y), x_(), torch.rand(4) + 0.5).total == N


@pytest.mark.parametrize(
    ("op", "dtype"),
    [
        pytest.param(op, dtype, id=f"{op.__name__}-{dtype}".replace("torch.", ""))
        for op in BITWISE
        for dtype in (torch.int32, torch.bool, torch.uint8)
        if not (dtype is torch.bool and op in (operator.lshift, operator.rshift))  # bool tensors do not shift
    ],
)
def test_bitwise_and_integer_tensors_count_like_floats(op: Callable[..., Any], dtype: torch.dtype) -> None:
    a, b = torch.ones(SHAPE, dtype=dtype), torch.ones(4, dtype=dtype)
    assert both(op, a, b).total == N


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool])
def test_integer_and_bool_tensors_count_the_same_way(dtype: torch.dtype) -> None:
    a = torch.ones(SHAPE, dtype=dtype)
    assert both(lambda a: (a == a) & (a != a), a).total == 3 * N
    assert both(lambda a: a.sum(-1), a).total == N - 6


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda x: -x, N, id="-x"),
        pytest.param(lambda x: abs(x), N, id="abs(x)"),
        pytest.param(lambda x: torch.neg(x), N, id="torch.neg"),
        pytest.param(lambda x: x.abs_(), N, id="x.abs_"),
        pytest.param(lambda x: torch.absolute(x), N, id="torch.absolute"),
        pytest.param(lambda x: (x > 0.5).logical_not(), N + N, id="x.logical_not (+ the compare)"),
        pytest.param(lambda x: ~(x > 0.5), N + N, id="~mask (+ the compare)"),
    ],
)
def test_unary_operators_are_one_per_element(fn: Callable[[torch.Tensor], torch.Tensor], expected: int) -> None:
    assert both(fn, x_()).total == expected


def test_unary_plus_is_free() -> None:
    assert both(lambda x: +x, x_()).total == 0


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda a, b: torch.add(a, b, alpha=2), 2 * N, id="add alpha=2"),
        pytest.param(lambda a, b: a.sub(b, alpha=0.5), 2 * N, id="sub alpha"),
        pytest.param(lambda a, b: torch.add(a, b, alpha=1), N, id="add alpha=1"),
        pytest.param(lambda a, b: a.add_(b, alpha=3), 2 * N, id="add_ alpha"),
    ],
)
def test_alpha_scaling_adds_one_multiply_per_element(fn: Callable[..., Any], expected: int) -> None:
    assert both(fn, x_(), x_()).total == expected  # a + alpha·b


def test_floor_division_of_tensors_counts_and_shape_arithmetic_is_zero() -> None:
    assert both(lambda x: x // 2, x_()).total == N  # floor_divide: one per element, as div
    assert both(lambda x: x.view(x.shape[0] // 2, -1), torch.ones(4, 6)).total == 0  # on Python numbers
    result = both(lambda x: x.view(math.ceil(x.shape[0] / 2), -1) * math.floor(x.shape[1] / 3), torch.ones(4, 6))
    assert result.total == 24  # only the tensor multiply; math.ceil and math.floor on sizes count 0


# ---------------------------------------------------------------------------------------------
# Math functions: cost·N, with the costs of docs/conventions.md
# ---------------------------------------------------------------------------------------------

UNARY_MATH = {
    # one elementary function per element
    "exp": 1, "exp2": 1, "expm1": 1, "log": 1, "log2": 1, "log10": 1, "log1p": 1, "sqrt": 1, "rsqrt": 1,
    "reciprocal": 1, "square": 1, "sin": 1, "cos": 1, "tan": 1, "asin": 1, "acos": 1, "atan": 1,
    "arcsin": 1, "arccos": 1, "arctan": 1, "sinh": 1, "cosh": 1, "asinh": 1, "acosh": 1, "atanh": 1,
    "arcsinh": 1, "arccosh": 1, "arctanh": 1, "deg2rad": 1, "rad2deg": 1, "sinc": 1, "erf": 1, "erfc": 1,
    "erfinv": 1, "lgamma": 1, "digamma": 1, "i0": 1, "floor": 1, "ceil": 1, "round": 1, "trunc": 1, "fix": 1,
    "frac": 1, "sign": 1, "sgn": 1, "signbit": 1, "isnan": 1, "isinf": 1, "isposinf": 1,
    "isneginf": 1, "nan_to_num": 1, "angle": 1, "logical_not": 1, "frexp": 1,
    # composites
    "logit": 3,  # log(x / (1 − x))
}  # fmt: skip
BINARY_MATH = {
    "float_power": 1, "atan2": 1, "arctan2": 1, "hypot": 1, "copysign": 1, "nextafter": 1, "heaviside": 1,
    "fmod": 1, "maximum": 1, "minimum": 1, "fmax": 1, "fmin": 1, "logical_and": 1, "logical_or": 1,
    "logical_xor": 1, "igamma": 1, "igammac": 1, "ldexp": 1,
    "xlogy": 2,  # x · log(y)
    "logaddexp": 4,  # log(exp(a) + exp(b))
    "logaddexp2": 4,
}  # fmt: skip
SPECIAL_MATH = {"ndtr": 4, "ndtri": 1, "log_ndtr": 1, "i0e": 1, "i1": 1, "i1e": 1, "entr": 1, "erfcx": 1, "psi": 1,
                "gammaln": 1, "xlog1py": 2}  # fmt: skip
"""ndtr(x) = 0.5·(1 + erf(x/√2)): a divide (or multiply), erf, an add and a multiply."""


@pytest.mark.parametrize(("name", "cost"), UNARY_MATH.items())
def test_unary_math_in_every_spelling(name: str, cost: int) -> None:
    spellings = [lambda x: getattr(torch, name)(x)]
    if hasattr(torch.Tensor, name):
        spellings.append(lambda x: getattr(x, name)())
    if hasattr(torch.Tensor, name + "_") and name not in ("signbit", "isnan", "angle"):
        spellings.append(lambda x: getattr(x.clone(), name + "_")())
    for fn in spellings:
        result = both(fn, x_())
        assert result.total == cost * N, name


@pytest.mark.parametrize(("name", "cost"), BINARY_MATH.items())
def test_binary_math_counts_the_broadcast_output(name: str, cost: int) -> None:
    a, b = x_(), torch.rand(3, 1) + 0.1  # broadcast output 2×3×4
    if name == "ldexp":
        b = torch.ones(3, 1, dtype=torch.int64)
    assert both(lambda a, b: getattr(torch, name)(a, b), a, b).total == cost * N
    if hasattr(torch.Tensor, name):
        assert both(lambda a, b: getattr(a, name)(b), a, b).total == cost * N


@pytest.mark.parametrize(("name", "cost"), SPECIAL_MATH.items())
def test_torch_special_functions(name: str, cost: int) -> None:
    fn = getattr(torch.special, name)
    result = both(fn, x_(), x_()) if name == "xlog1py" else both(fn, x_())
    assert result.total == cost * N


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_integer_math(name: str) -> None:
    a, b = torch.arange(1, 25).view(SHAPE), torch.tensor([2, 3, 4, 6])
    assert both(getattr(torch, name), a, b).total == N


def test_polygamma_and_mvlgamma() -> None:
    assert both(lambda x: torch.polygamma(1, x), x_()).total == N
    assert both(lambda x: torch.mvlgamma(x + 2, p=2), x_()).total == N + N  # the + 2, then one function


def test_the_cost_tables_are_the_documented_ones() -> None:
    documented = {
        **UNARY_MATH, **BINARY_MATH, **SPECIAL_MATH, "lerp": 3, "addcmul": 2, "addcdiv": 2, "where": 1,
        "masked_fill": 1, "polygamma": 1, "mvlgamma": 1, "multigammaln": 1, "cross": 3, "polar": 4, "gcd": 1, "lcm": 1,
        # the costs on the inputs these ops compute on (the rules: 0 on a real input for isreal and conj_physical,
        # 0 on an integer one for isfinite); isclose per output, + 3 per element of b (test_isclose)
        "isfinite": 4, "isreal": 1, "conj_physical": 1, "isclose": 10,
    }  # fmt: skip
    assert dict(POINTWISE_COSTS) == documented


# ---------------------------------------------------------------------------------------------
# Selects, clamps and blends
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda x: torch.clamp(x, 0.2, 0.6), 2 * N, id="clamp(min, max)"),
        pytest.param(lambda x: x.clamp(min=0.2), N, id="clamp(min)"),
        pytest.param(lambda x: x.clamp(max=0.6), N, id="clamp(max)"),
        pytest.param(lambda x: torch.clip(x, 0.2, 0.6), 2 * N, id="clip"),
        pytest.param(lambda x: x.clamp_(0.2, 0.6), 2 * N, id="clamp_"),
        pytest.param(lambda x: x.clamp_min(0.2), N, id="clamp_min"),
        pytest.param(lambda x: torch.clamp_max(x, 0.2), N, id="clamp_max"),
        pytest.param(lambda x: torch.where(x > 0.5, x, 0.0), N + N, id="where (+ the compare)"),
        pytest.param(lambda x: x.where(x > 0.5, 0.0), N + N, id="x.where"),
        pytest.param(lambda x: x.masked_fill(x > 0.5, 0.0), N + N, id="masked_fill (+ the compare)"),
        pytest.param(lambda x: torch.lerp(x, x, 0.3), 3 * N, id="lerp: start + w·(end − start)"),
        pytest.param(lambda x: torch.addcmul(x, x, x), 2 * N, id="addcmul"),
        pytest.param(lambda x: torch.addcmul(x, x, x, value=0.5), 3 * N, id="addcmul value"),
        pytest.param(lambda x: x.addcdiv(x, x, value=2), 3 * N, id="addcdiv value"),
        pytest.param(lambda x: torch.cross(x[:, :3, :1].expand(2, 3, 4), x[:, :3, :], dim=1), 3 * N, id="cross"),
        pytest.param(lambda x: torch.polar(x, x), 4 * N, id="polar"),
    ],
)
def test_selects_clamps_and_blends(fn: Callable[[torch.Tensor], torch.Tensor], expected: int) -> None:
    assert both(fn, x_()).total == expected


def test_where_with_only_a_condition_finds_the_nonzeros() -> None:
    mask = torch.tensor([[True, False], [False, True]])
    result = count_flops(lambda m: torch.where(m), mask, engine="eager")
    assert result.unrecognized == [] and result.total == 4  # one compare per element


def test_isfinite_isreal_and_conj_physical_count_what_torch_runs() -> None:
    x, z, i = x_(), torch.complex(x_(), x_()), torch.arange(N).view(SHAPE)
    # floating: (x == x)·(|x| ≠ ∞): compare, abs, compare, the AND as a multiply
    assert both(torch.isfinite, x).total == 4 * N
    assert both(torch.isfinite, z).total == 2 * 4 * N + N  # both parts, then their AND
    assert both(torch.isfinite, i).total == 0  # an integer is finite: torch returns ones
    assert both(torch.isreal, x).total == 0  # a real tensor is real: ones
    assert both(torch.isreal, z).total == N  # imag(z) == 0
    assert both(torch.conj_physical, x).total == 0  # a real tensor is returned as it is
    assert both(torch.conj_physical, z).total == N
    for fn, t in ((torch.isfinite, x), (torch.isfinite, z), (torch.isreal, z), (torch.conj_physical, x)):
        assert count_flops(fn, t, engine="aten").total == both(fn, t).total


def test_isclose() -> None:
    a, b = x_(), torch.rand(3, 1)  # broadcast output 2×3×4 (N), b of 3
    # a == b (N); atol + |rtol·b| (3 per element of b); |a − b| (2N); isfinite of it (4N); ≤, AND, OR (3N)
    assert both(torch.isclose, a, b).total == 10 * N + 3 * 3
    # equal_nan: isnan of a (N) and of b (3), their AND and the OR into the result (2N)
    assert both(lambda a, b: torch.isclose(a, b, equal_nan=True), a, b).total == 10 * N + 3 * 3 + N + 3 + 2 * N
    assert both(lambda a, b: torch.isclose(a, b, rtol=0, atol=0), a, b).total == N  # an equality check only
    for fn in (torch.isclose, lambda a, b: torch.isclose(a, b, equal_nan=True)):
        assert count_flops(fn, a, b, engine="aten").total == both(fn, a, b).total


def test_allclose_and_equal() -> None:
    a, b = torch.ones(3, 4), torch.ones(4)
    # isclose (10 per output, 3 per element of b), then all() of the 12 results: 11 ANDs
    assert count_flops(lambda a, b: torch.allclose(a, b), a, b, engine="eager").total == 10 * 12 + 3 * 4 + 11
    assert count_flops(lambda a: torch.equal(a, a), a, engine="eager").total == 2 * 12 - 1


# ---------------------------------------------------------------------------------------------
# Activations: one cost table shared with the nn modules
# ---------------------------------------------------------------------------------------------

ACTIVATIONS = {
    "relu": 1,  # the seed's
    "relu6": 2,  # two compares
    "hardtanh": 2,
    "threshold": 1,
    "leaky_relu": 4,  # the seed's
    "rrelu": 4,
    "prelu": 4,
    "gelu": 1,  # the seed's
    "sigmoid": 3,  # exp, add, divide
    "logsigmoid": 3,  # exp, add, log
    "silu": 4,  # sigmoid + multiply
    "hardsigmoid": 4,  # add, two compares, divide
    "hardswish": 5,  # hardsigmoid + multiply
    "tanh": 1,
    "tanhshrink": 2,
    "softsign": 3,  # abs, add, divide
    "softplus": 6,  # multiply, compare, exp, add, log, divide
    "mish": 5,  # exp, add, log, tanh, multiply
    "elu": 4,  # compare, exp, subtract, multiply
    "celu": 5,
    "selu": 5,
    "hardshrink": 2,
    "softshrink": 3,
    "glu": 4,  # sigmoid + multiply, per output element
}


def test_the_activation_table_is_the_documented_one() -> None:
    assert dict(ACTIVATION_COSTS) == ACTIVATIONS


def _activation_calls(name: str) -> list[Callable[[torch.Tensor], Any]]:
    if name == "threshold":
        return [lambda x: F.threshold(x, 0.5, 0.0), lambda x: torch.threshold(x, 0.5, 0.0)]
    if name == "prelu":
        return [lambda x: F.prelu(x, torch.tensor([0.25])), lambda x: x.prelu(torch.tensor([0.25]))]
    if name == "glu":
        return [lambda x: F.glu(x, -1)]
    found: list[Callable[[torch.Tensor], Any]] = [lambda x: getattr(F, name)(x)]
    if hasattr(torch, name):
        found.append(lambda x: getattr(torch, name)(x))
    if hasattr(torch.Tensor, name):
        found.append(lambda x: getattr(x, name)())
    for root in (F, torch):
        if hasattr(root, name + "_"):
            found.append(lambda x, root=root: getattr(root, name + "_")(x.clone()))
    if hasattr(torch.Tensor, name + "_"):
        found.append(lambda x: getattr(x.clone(), name + "_")())
    return found


@pytest.mark.parametrize(("name", "cost"), ACTIVATIONS.items())
def test_activation_functions_in_every_spelling(name: str, cost: int) -> None:
    x = torch.randn(SHAPE)
    for fn in _activation_calls(name):
        out = fn(x)
        result = both(fn, x)
        assert result.total == cost * out.numel(), name


@pytest.mark.parametrize(
    "fn",
    [lambda x: F.gelu(x, approximate="tanh"), lambda x: F.softplus(x, beta=2.0, threshold=5.0),
     lambda x: F.elu(x, alpha=0.5), lambda x: F.hardtanh(x, -2.0, 2.0), lambda x: F.rrelu(x, training=True)],
    ids=["gelu-tanh", "softplus-beta", "elu-alpha", "hardtanh-range", "rrelu-training"],
)  # fmt: skip
def test_activation_parameters_do_not_change_the_count(fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
    name = next(n for n in ACTIVATIONS if n in fn.__code__.co_names)
    assert both(fn, torch.randn(SHAPE)).total == ACTIVATIONS[name] * N


def test_sigmoid_spellings_are_one_op() -> None:
    spellings = [torch.sigmoid, F.sigmoid, torch.special.expit, lambda x: x.sigmoid(), lambda x: x.clone().sigmoid_()]
    assert {both(fn, x_()).total for fn in spellings} == {3 * N}


# ---------------------------------------------------------------------------------------------
# Softmax family over dim of size S: softmax 2N + (S − 1)·N/S; log_softmax 3N
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_softmax_family(dim: int) -> None:
    s = SHAPE[dim]
    rows = N // s
    softmax = 2 * N + (s - 1) * rows
    for fn in (lambda x: F.softmax(x, dim), lambda x: torch.special.softmax(x, dim)):
        assert both(fn, x_()).total == softmax
    # softmin(x) = softmax(−x): torch runs the negation first (N)
    assert both(lambda x: F.softmin(x, dim=dim), x_()).total == N + softmax
    assert count_flops(lambda x: F.softmin(x, dim=dim), x_(), engine="aten").total == N + softmax
    assert count_flops(lambda x: torch._safe_softmax(x, dim), x_(), engine="eager").total == softmax
    log_softmax = N + (s - 1) * rows + rows + N  # exp, sums, log per row, subtract
    assert log_softmax == 3 * N
    for fn in (lambda x: F.log_softmax(x, dim), lambda x: x.log_softmax(dim), lambda x: torch.log_softmax(x, dim)):
        assert both(fn, x_()).total == log_softmax


def test_gumbel_softmax() -> None:
    torch.manual_seed(0)
    result = count_flops(lambda x: F.gumbel_softmax(x, tau=0.5), x_(), engine="eager")
    s, rows = 4, 6
    assert result.unrecognized == []
    assert result.total == 2 * N + N + N + (2 * N + (s - 1) * rows)  # −log(−log u), add, / tau, softmax


def test_every_op_is_counted_by_the_functional_pack() -> None:
    result = both(lambda x: F.silu(x) * torch.sigmoid(x) + x.exp().log1p().sum(), x_())
    assert {r.plugin for r in calls(result)} == {"functional"}
    silu, sigmoid, mul, exp, log1p, total, add = 4 * N, 3 * N, N, N, N, N - 1, N
    assert result.total == silu + sigmoid + mul + exp + log1p + total + add
