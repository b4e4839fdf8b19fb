"""torch's spellings of one op, as tables: the operator-backed ops (plain, reflected and in-place spellings)
and torch's own aliases, each spelling a dotted name that :func:`resolve` turns into the object.

Facts about torch, not formulas: :mod:`torch_flops_core.aliases` builds its alias groups from them.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

import torch
import torch.nn.functional as F

__all__ = ["NOT_TORCH_TWINS", "OPERATOR_OPS", "TORCH_ALIASES", "resolve"]

# (out-of-place spellings, reflected spellings, in-place spellings) for operator-backed ops.
# Names are looked up on operator / torch / Tensor; missing ones are skipped (older torch).
OPERATOR_OPS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (("operator.add", "torch.add", "T.add", "T.__add__"), ("T.__radd__",), ("operator.iadd", "T.add_", "T.__iadd__")),
    (
        ("operator.sub", "torch.sub", "torch.subtract", "T.sub", "T.subtract", "T.__sub__"),
        ("T.__rsub__", "torch.rsub"),
        ("operator.isub", "T.sub_", "T.subtract_", "T.__isub__"),
    ),
    (
        ("operator.mul", "torch.mul", "torch.multiply", "T.mul", "T.multiply", "T.__mul__"),
        ("T.__rmul__",),
        ("operator.imul", "T.mul_", "T.multiply_", "T.__imul__"),
    ),
    (
        (
            "operator.truediv",
            "torch.div",
            "torch.divide",
            "torch.true_divide",
            "T.div",
            "T.divide",
            "T.true_divide",
            "T.__truediv__",
            "T.__div__",
        ),
        ("T.__rtruediv__", "T.__rdiv__"),
        ("operator.itruediv", "T.div_", "T.divide_", "T.true_divide_", "T.__itruediv__", "T.__idiv__"),
    ),
    (
        ("operator.floordiv", "torch.floor_divide", "T.floor_divide", "T.__floordiv__"),
        ("T.__rfloordiv__",),
        ("operator.ifloordiv", "T.floor_divide_", "T.__ifloordiv__"),
    ),
    (
        ("operator.mod", "torch.remainder", "T.remainder", "T.__mod__"),
        ("T.__rmod__",),
        ("operator.imod", "T.remainder_", "T.__imod__"),
    ),
    (("operator.pow", "torch.pow", "T.pow", "T.__pow__"), ("T.__rpow__",), ("operator.ipow", "T.pow_", "T.__ipow__")),
    (("operator.matmul", "torch.matmul", "T.matmul", "T.__matmul__"), ("T.__rmatmul__",), ("operator.imatmul",)),
    (
        ("operator.and_", "torch.bitwise_and", "T.bitwise_and", "T.__and__"),
        ("T.__rand__",),
        ("operator.iand", "T.bitwise_and_", "T.__iand__"),
    ),
    (
        ("operator.or_", "torch.bitwise_or", "T.bitwise_or", "T.__or__"),
        ("T.__ror__",),
        ("operator.ior", "T.bitwise_or_", "T.__ior__"),
    ),
    (
        ("operator.xor", "torch.bitwise_xor", "T.bitwise_xor", "T.__xor__"),
        ("T.__rxor__",),
        ("operator.ixor", "T.bitwise_xor_", "T.__ixor__"),
    ),
    (
        ("operator.lshift", "torch.bitwise_left_shift", "T.bitwise_left_shift", "T.__lshift__"),
        ("T.__rlshift__",),
        ("operator.ilshift", "T.bitwise_left_shift_", "T.__ilshift__"),
    ),
    (
        ("operator.rshift", "torch.bitwise_right_shift", "T.bitwise_right_shift", "T.__rshift__"),
        ("T.__rrshift__",),
        ("operator.irshift", "T.bitwise_right_shift_", "T.__irshift__"),
    ),
    (("operator.eq", "torch.eq", "T.eq", "T.__eq__"), (), ("T.eq_",)),
    (("operator.ne", "torch.ne", "torch.not_equal", "T.ne", "T.not_equal", "T.__ne__"), (), ("T.ne_", "T.not_equal_")),
    (("operator.lt", "torch.lt", "torch.less", "T.lt", "T.less", "T.__lt__"), (), ("T.lt_", "T.less_")),
    (
        ("operator.le", "torch.le", "torch.less_equal", "T.le", "T.less_equal", "T.__le__"),
        (),
        ("T.le_", "T.less_equal_"),
    ),
    (("operator.gt", "torch.gt", "torch.greater", "T.gt", "T.greater", "T.__gt__"), (), ("T.gt_", "T.greater_")),
    (
        ("operator.ge", "torch.ge", "torch.greater_equal", "T.ge", "T.greater_equal", "T.__ge__"),
        (),
        ("T.ge_", "T.greater_equal_"),
    ),
    (
        ("operator.neg", "torch.neg", "torch.negative", "T.neg", "T.negative", "T.__neg__"),
        (),
        ("T.neg_", "T.negative_"),
    ),
    (("operator.pos", "torch.positive", "T.positive", "T.__pos__"), (), ()),
    (
        ("operator.abs", "torch.abs", "torch.absolute", "T.abs", "T.absolute", "T.__abs__"),
        (),
        ("T.abs_", "T.absolute_"),
    ),
    (
        ("operator.invert", "torch.bitwise_not", "T.bitwise_not", "T.__invert__"),
        (),
        ("T.bitwise_not_",),
    ),
    (("operator.getitem", "T.__getitem__"), (), ()),
    (("operator.setitem", "T.__setitem__"), (), ()),
)

# torch's own aliases (same op, other name), beyond the operator-backed ones above.
TORCH_ALIASES: tuple[tuple[str, ...], ...] = (
    ("torch.cat", "torch.concat", "torch.concatenate"),
    ("torch.clamp", "torch.clip", "T.clamp", "T.clip"),
    ("T.clamp_", "T.clip_", "torch.clamp_", "torch.clip_"),
    ("torch.acos", "torch.arccos"),
    ("torch.asin", "torch.arcsin"),
    ("torch.atan", "torch.arctan"),
    ("torch.acosh", "torch.arccosh"),
    ("torch.asinh", "torch.arcsinh"),
    ("torch.atanh", "torch.arctanh"),
    ("torch.atan2", "torch.arctan2"),
    ("torch.trunc", "torch.fix"),
    ("torch.outer", "torch.ger"),
    ("torch.transpose", "torch.swapaxes", "torch.swapdims", "T.transpose", "T.swapaxes", "T.swapdims"),
    ("torch.movedim", "torch.moveaxis", "T.movedim", "T.moveaxis"),
    ("torch.vstack", "torch.row_stack"),
    ("torch.sigmoid", "torch.special.expit", "F.sigmoid"),
    ("torch.tanh", "F.tanh"),
    ("torch.erf", "torch.special.erf"),
    ("torch.erfc", "torch.special.erfc"),
    ("torch.erfinv", "torch.special.erfinv"),
    ("torch.exp2", "torch.special.exp2"),
    ("torch.expm1", "torch.special.expm1"),
    ("torch.log1p", "torch.special.log1p"),
    ("torch.logsumexp", "torch.special.logsumexp"),
    ("torch.logit", "torch.special.logit"),
    ("torch.sinc", "torch.special.sinc"),
    ("torch.round", "torch.special.round"),
    ("torch.xlogy", "torch.special.xlogy"),
    ("torch.i0", "torch.special.i0"),
    ("torch.softmax", "F.softmax", "torch.special.softmax"),
    ("torch.log_softmax", "F.log_softmax", "torch.special.log_softmax"),
    ("torch.det", "torch.linalg.det"),
    ("torch.matrix_power", "torch.linalg.matrix_power"),
    ("torch.inverse", "torch.linalg.inv"),
    # torch.nn.functional wrappers with the same parameters, in the same order, as their torch twin.
    ("torch.relu", "F.relu"),
    ("torch.rrelu", "F.rrelu"),
    ("torch.selu", "F.selu"),
    ("torch.celu", "F.celu"),
    ("torch.threshold", "F.threshold"),
    ("torch.dropout", "F.dropout"),
    ("torch.alpha_dropout", "F.alpha_dropout"),
    ("torch.feature_alpha_dropout", "F.feature_alpha_dropout"),
    ("torch.layer_norm", "F.layer_norm"),
    ("torch.group_norm", "F.group_norm"),
    ("torch.rms_norm", "F.rms_norm"),
    ("torch.max_pool1d", "F.max_pool1d"),
    ("torch.max_pool2d", "F.max_pool2d"),
    ("torch.max_pool3d", "F.max_pool3d"),
)

# Tensor methods whose parameters are not in the order of the torch function of the same name.
NOT_TORCH_TWINS = frozenset({"where"})

_ROOTS: dict[str, Any] = {
    "operator": operator,
    "builtins": builtins,
    "torch": torch,
    "T": torch.Tensor,
    "Tensor": torch.Tensor,
    "F": F,
    "special": torch.special,
    "linalg": torch.linalg,
}


def resolve(spelling: str) -> Any:
    """The object a dotted spelling names (``"torch.exp"``, ``"Tensor.exp_"``, ``"F.silu"``,
    ``"special.expit"``, ``"operator.add"``), or ``None`` where this torch lacks it."""
    root, _, path = spelling.partition(".")
    obj: Any = _ROOTS[root]
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj
