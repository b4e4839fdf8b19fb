"""Element-wise ops: the tabled activations and math functions, comparisons (``isclose``, ``isfinite``),
dropout and its masks, and other ops of one or a few FLOPs per element.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .costs import ACTIVATION_COSTS, POINTWISE_COSTS
from .reductions import reduction

__all__ = [
    "activation", "allclose", "diff", "dropout", "elementwise", "feature_mask", "index_put_accumulate", "isclose",
    "isfinite", "pointwise", "scalar_divided",
]  # fmt: skip


def elementwise(cost: int, n: int) -> int:
    """An element-wise op costing ``cost`` FLOPs per element, over n elements: cost·n."""
    return cost * n


def pointwise(name: str, n: int) -> int:
    """An element-wise math function over n output elements: ``POINTWISE_COSTS[name]·n``."""
    return POINTWISE_COSTS[name] * n


def activation(name: str, n: int) -> int:
    """An element-wise activation over n output elements: ``ACTIVATION_COSTS[name]·n``."""
    return ACTIVATION_COSTS[name] * n


def isclose(n: int, a: int, b: int, tolerance: bool, equal_nan: bool, bools: bool = True) -> int:
    """isclose(a, b) of n broadcast elements (a, b: numel of each input), as torch composes it.

    a == b (n); with equal_nan, isnan(a), isnan(b) (a + b), their AND and the OR into the result (2n); unless
    rtol = atol = 0: atol + |rtol·b| (3b), |a − b| (2n), isfinite of it (4n: two compares, abs, their AND as a
    multiply), ≤ (n), AND (n), OR (n): 10n + 3b. ``bools`` False drops the n-element ops on bool tensors (the ANDs
    and ORs), which core counts 0 on a 0-d output (integer bookkeeping, ``rules.is_bookkeeping``).
    """
    on_bools = n if bools else 0
    flops = n
    if equal_nan:
        flops += a + b + 2 * on_bools
    if tolerance:
        flops += 3 * b + 2 * n + 3 * n + on_bools + n + 2 * on_bools
    return flops


def allclose(n: int, a: int, b: int, tolerance: bool, equal_nan: bool, bools: bool = True) -> int:
    """allclose(a, b) of n broadcast elements: :func:`isclose`, then all() of its n results: n − 1 ANDs
    (``REDUCTION_COSTS['all']``)."""
    return isclose(n, a, b, tolerance, equal_nan, bools) + reduction("all", n, 1)


def isfinite(n: int, complex_: bool, bools: bool = True) -> int:
    """isfinite of n elements as torch composes it: floating (x == x)·(|x| ≠ ∞): 3n + n for the AND = 4n; complex:
    both parts (4n each) and their AND, 9n. ``bools`` False drops the ANDs of bool tensors (a 0-d input: integer
    bookkeeping, 0). Integer and bool inputs are not asked (torch returns ones: 0)."""
    ands = n if bools else 0
    per_part = 3 * n + ands
    return 2 * per_part + ands if complex_ else per_part


def dropout(n: int, mask: int, p: float, training: bool, alpha: bool = False) -> int:
    """Dropout of n elements with a mask of ``mask`` elements (n; per channel for feature dropout), as torch runs it.

    0 in eval, for p = 0 or an empty input (the input is returned); p = 1: x·0 (n); else the mask scaled by
    1/(1 − p) (mask) and x·mask (n): mask + n (plain dropout 2n); alpha dropout: the mask's affine term
    (mask − 1)·αa + αap (3·mask) and its scale a (mask), x·mask + b (2n): 4·mask + 2n.
    """
    if not training or p == 0 or n == 0:
        return 0
    if p == 1:
        return n
    return 4 * mask + 2 * n if alpha else mask + n


def feature_mask(shape: Sequence[int], spatial: int | None = None) -> int:
    """Elements of a feature dropout's mask: one per (batch, channel), the first two dims of the tensor torch drops.

    ``spatial``: the spatial dims of dropout1d/3d (1, 3), which add the batch dim to an unbatched input (spatial + 1
    dims: one value per channel); ``None``: the input as given (dropout2d, feature_dropout, feature_alpha_dropout).
    """
    if len(shape) < 2:
        return math.prod(shape)
    if spatial is not None and len(shape) == spatial + 1:
        return shape[0]
    return shape[0] * shape[1]


def index_put_accumulate(n: int) -> int:
    """n values masked (a select each, POINTWISE_COSTS['masked_fill']) and added into the destination:
    (masked_fill + 1)·n."""
    return (POINTWISE_COSTS["masked_fill"] + 1) * n


def scalar_divided(x: int, n: int) -> int:
    """A number divided by a tensor of x elements into n outputs, as torch runs it (``x.reciprocal() * number``,
    ``Tensor.__rdiv__``): x reciprocals + n multiplies = x + n."""
    return x + n


def diff(rows: int, size: int, order: int) -> int:
    """diff of order k along a dim of ``size`` S (before differencing), in ``rows`` rows: the k passes take
    Σ_{i=1..k} (S − i) subtracts per row."""
    return rows * sum(size - i for i in range(1, order + 1))
