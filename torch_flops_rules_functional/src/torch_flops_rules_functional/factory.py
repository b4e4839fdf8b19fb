"""Tensor creation and random sampling: 0 FLOPs.

The fx engine never sees a factory call with constant arguments (it runs while tracing and becomes a
constant); the eager engine sees every one, so they are registered as 0 for the engines to agree.
"""

from __future__ import annotations

from torch_flops_core import Call, Registry
from torch_flops_core.rulekit import Claimer

from ._common import ops, variants

__all__ = ["CREATION", "create"]

CREATION: tuple[str, ...] = (
    "zeros", "ones", "empty", "empty_permuted", "full", "arange", "range", "linspace", "logspace", "eye", "tensor",
    "as_tensor", "asarray", "from_numpy", "frombuffer", "scalar_tensor", "empty_strided", "empty_like", "zeros_like",
    "ones_like", "full_like", "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
    "normal", "bernoulli", "multinomial", "poisson", "binomial", "tril_indices", "triu_indices", "complex",
    "sparse_coo_tensor", "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "new_empty_strided", "new",
    "fill", "zero", "fill_diagonal", "uniform", "random", "exponential", "geometric", "cauchy", "log_normal",
)  # fmt: skip
"""Creation and random ops (each with its torch, Tensor and in-place spellings: ``normal_``, ``zero_``)."""


def create(call: Call) -> int:
    """Tensor creation, filling and random sampling: 0 (no arithmetic on the model's values)."""
    return 0


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim([*variants(*CREATION), *ops("Tensor.copy_")], create)
