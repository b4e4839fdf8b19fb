"""Property tests: the element-wise, reduction and matmul rules over random shapes and broadcasting.

Counts depend on shapes only, so the tensors live on the meta device: every example is free to run.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import torch
from helpers import WRAPPERS
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes
from torch.utils.flop_counter import FlopCounterMode

from torch_flops_core import FlopsResult, count_flops

SETTINGS = settings(max_examples=40, deadline=None)


def meta(shape: tuple[int, ...]) -> torch.Tensor:
    return torch.empty(shape, device="meta")


def count(fn: Callable[..., Any], *inputs: torch.Tensor, engine: str = "eager") -> FlopsResult:
    result = count_flops(WRAPPERS[len(inputs)](fn), *inputs, engine=engine, measure_time=False)  # type: ignore[arg-type]
    assert result.unrecognized == []
    return result


BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.gt, torch.maximum, torch.atan2]


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=1, max_side=5),
    op=st.sampled_from(BINARY),
    engine=st.sampled_from(["fx", "eager"]),
)
def test_binary_element_wise_ops_count_the_broadcast_output(shapes: Any, op: Callable[..., Any], engine: str) -> None:
    (a, b), out = shapes.input_shapes, shapes.result_shape
    assert count(op, meta(a), meta(b), engine=engine).total == math.prod(out)


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=1, max_side=4),
    scalar=st.floats(-2, 2),
)
def test_ternary_ops_and_scalar_operands(shapes: Any, scalar: float) -> None:
    (a, b, c), out = shapes.input_shapes, shapes.result_shape
    n = math.prod(out)
    assert count(lambda a, b, c: torch.where(a > 0, b, c), meta(a), meta(b), meta(c)).total == math.prod(a) + n
    assert count(lambda a, b, c: torch.lerp(a, b, c), meta(a), meta(b), meta(c)).total == 3 * n
    assert count(lambda a: a * scalar + scalar, meta(a)).total == 2 * math.prod(a)


@st.composite
def reductions(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], bool]:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    dims = tuple(draw(st.sets(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape))))
    if len({d % len(shape) for d in dims}) != len(dims):  # -1 and the last dim name the same dim
        dims = tuple(sorted({d % len(shape) for d in dims}))
    return shape, dims, draw(st.booleans())


@SETTINGS
@given(case=reductions(), name=st.sampled_from(["sum", "mean", "amax", "var", "logsumexp"]))
def test_reductions_over_random_dims(case: tuple[tuple[int, ...], tuple[int, ...], bool], name: str) -> None:
    shape, dims, keepdim = case
    n = math.prod(shape)
    r = n // math.prod(shape[d] for d in dims)
    expected = {"sum": n - r, "mean": n, "amax": n - r, "var": 4 * n, "logsumexp": 2 * n}[name]
    fn = getattr(torch, name)
    result = count(lambda x: fn(x, dims, keepdim=keepdim), meta(shape))
    assert result.total == expected
    method = count(lambda x: getattr(x, name)(dims, keepdim=keepdim), meta(shape), engine="fx")
    assert method.total == expected


@st.composite
def matmuls(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    batch = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4))
    m, k, n = draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    (a, b) = batch.input_shapes
    return (*a, m, k), (*b, k, n), k


@SETTINGS
@given(case=matmuls(), engine=st.sampled_from(["fx", "eager"]))
def test_matmul_with_random_batch_broadcasting(case: tuple[tuple[int, ...], tuple[int, ...], int], engine: str) -> None:
    a_shape, b_shape, k = case
    a, b = meta(a_shape), meta(b_shape)
    out = (*torch.broadcast_shapes(a_shape[:-2], b_shape[:-2]), a_shape[-2], b_shape[-1])
    n = math.prod(out)
    result = count(operator.matmul, a, b, engine=engine)
    assert (result.total, result.total_macs) == ((2 * k - 1) * n, k * n)
    with FlopCounterMode(display=False) as reference:
        a @ b
    assert reference.get_total_flops() == 2 * result.total_macs == result.total + n
