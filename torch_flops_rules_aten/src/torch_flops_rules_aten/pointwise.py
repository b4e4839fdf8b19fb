"""Element-wise ops: arithmetic, math functions, activations, selects (cost·N, N = numel(out)).

The per-element costs are the shared tables of ``torch_flops_core.formulas`` (``POINTWISE_COSTS``,
``ACTIVATION_COSTS``), so ``aten.silu`` counts what ``F.silu`` and ``nn.SiLU`` count.
"""

from __future__ import annotations

import torch

from torch_flops_core import Call, Registry, RuleFn, rulekit
from torch_flops_core.formulas import ACTIVATION_COSTS, POINTWISE_COSTS, elementwise
from torch_flops_core.formulas import allclose as allclose_cost
from torch_flops_core.formulas import dropout as dropout_cost
from torch_flops_core.shapes import broadcast_numel, out_numel

from ._ops import aten, with_inplace

__all__ = ["ARITHMETIC", "allclose", "arithmetic", "clamp", "dropout", "per_element", "register", "scaled"]

ARITHMETIC = (
    "add", "sub", "rsub", "mul", "div", "floor_divide", "remainder", "pow", "neg", "abs",
    "eq", "ne", "lt", "le", "gt", "ge",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
    "__lshift__", "__rshift__", "__ilshift__", "__irshift__",
)  # fmt: skip
"""One FLOP per output element (``add``/``sub``/``rsub`` with ``alpha`` ≠ 1: two)."""

ACTIVATION_OPS = {
    "relu": "relu", "relu6": "relu6", "hardtanh": "hardtanh", "threshold": "threshold", "leaky_relu": "leaky_relu",
    "rrelu": "rrelu_with_noise", "prelu": "_prelu_kernel", "gelu": "gelu", "sigmoid": "sigmoid",
    "logsigmoid": "log_sigmoid_forward", "silu": "silu", "hardsigmoid": "hardsigmoid", "hardswish": "hardswish",
    "tanh": "tanh", "softplus": "softplus", "mish": "mish", "celu": "celu", "selu": "selu",
    "hardshrink": "hardshrink", "softshrink": "softshrink", "glu": "glu",
}  # fmt: skip
"""The aten op of each activation of ``ACTIVATION_COSTS`` (by its function name)."""


def per_element(cost: int, name: str) -> RuleFn:
    """A rule counting ``cost`` FLOPs per output element (rulekit.per_element, documented as ``aten.<name>``)."""
    return rulekit.per_element(cost, name, __name__, what=f"aten.{name}")


def arithmetic(call: Call) -> int:
    """add, sub, mul, div, floor_divide, pow, compares, bitwise ops ...: N = numel(out); add/sub/rsub with alpha ≠ 1:
    2N (the scaling of the second operand)."""
    return elementwise(_arithmetic_cost(call), out_numel(call))


def _arithmetic_cost(call: Call) -> int:
    """FLOPs per output element of an arithmetic op: 1, 2 for add/sub/rsub with alpha ≠ 1."""
    return 2 if call.arguments().get("alpha", 1) != 1 else 1


def add_relu(call: Call) -> int:
    """_add_relu(self, other, alpha) (a fused add then relu): the add's count + relu's ACTIVATION_COSTS·N."""
    return elementwise(_arithmetic_cost(call) + ACTIVATION_COSTS["relu"], out_numel(call))


def elu(call: Call) -> int:
    """elu(self, alpha, scale, input_scale) (also selu, celu): ACTIVATION_COSTS['elu']·N, + N for each scale ≠ 1
    (selu's scale: 5N)."""
    args = call.arguments()
    scales = (args.get("scale", 1) != 1) + (args.get("input_scale", 1) != 1)
    return elementwise(ACTIVATION_COSTS["elu"] + scales, out_numel(call))


def clamp(call: Call) -> int:
    """clamp(self, min, max): N per bound given."""
    args = call.arguments()
    return elementwise((args.get("min") is not None) + (args.get("max") is not None), out_numel(call))


def dropout(call: Call) -> int:
    """native_dropout(input, p, train), dropout(input, p, train): in training the mask scaled by 1/(1 − p) (N) and
    the product input·mask (N): 2N, as cpu runs it (bernoulli_, div_, mul) and cuda's fused kernel (x·mask·scale);
    dropout with p = 1 is input·0 (N); 0 in eval (and for dropout with p = 0: the input is returned)."""
    args = call.arguments()
    n = out_numel(call)
    if args["train"] is False:
        return 0
    packet = getattr(call.target, "overloadpacket", call.target).__name__
    if packet == "native_dropout":  # the kernel multiplies by the mask and the scale whatever p
        return elementwise(2, n)
    return dropout_cost(n, n, args["p"], True)


def scaled(base: int, name: str) -> RuleFn:
    """addcmul/addcdiv(self, tensor1, tensor2, value): base·N, + N when value ≠ 1."""

    def rule(call: Call) -> int:
        return elementwise(base + (call.arguments().get("value", 1) != 1), out_numel(call))

    return rulekit.named(rule, name, f"aten.{name}: {base}·N, + N when value ≠ 1.")


def allclose(call: Call) -> int:
    """allclose(self, other, rtol, atol, equal_nan): isclose of the n broadcast elements (formulas.isclose), then all
    of them: n − 1 ANDs (REDUCTION_COSTS['all']); as the functional pack's torch.allclose."""
    args = call.arguments()
    a, b = args["self"], args["other"]
    n = broadcast_numel(a, b)
    equal_nan = bool(args["equal_nan"]) and (a.is_floating_point() or a.is_complex())
    tolerance = not (args["rtol"] == 0 and args["atol"] == 0)
    zero_d = a.dim() == 0 and b.dim() == 0  # bool ops on a 0-d result are integer bookkeeping (0)
    return allclose_cost(n, a.numel(), b.numel(), tolerance, equal_nan, not zero_d)


def register(registry: Registry) -> None:
    claim = rulekit.Claimer(registry)
    claim(with_inplace(*ARITHMETIC), arithmetic)
    claim(with_inplace("_add_relu"), add_relu)
    claim(with_inplace("elu"), elu)
    claim(with_inplace("clamp", "clip"), clamp)
    claim(with_inplace("clamp_min", "clamp_max"), per_element(1, "clamp_bound"))
    for name in ("addcmul", "addcdiv"):
        claim(with_inplace(name), scaled(POINTWISE_COSTS[name], name))
    for name, cost in POINTWISE_COSTS.items():
        claim(with_inplace(name), per_element(cost, name))
    for name, op in ACTIVATION_OPS.items():
        claim(with_inplace(op), per_element(ACTIVATION_COSTS[name], op))
    claim([op for op in aten("where") if isinstance(op, torch._ops.OpOverloadPacket)], per_element(1, "where"))
    claim(aten("native_dropout") + with_inplace("dropout"), dropout)
    claim(aten("allclose"), allclose)
