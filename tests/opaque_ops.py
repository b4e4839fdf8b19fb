"""An op no plugin will ever have a rule for: a custom op in a test-only namespace.

It is a real ``torch.library`` op, so both engines see it as one call (``call_function`` with
target ``torch.ops.torch_flops_tests.opaque.default``), on cpu and meta alike.
"""

from __future__ import annotations

import torch


@torch.library.custom_op("torch_flops_tests::opaque", mutates_args=())
def opaque(x: torch.Tensor) -> torch.Tensor:
    """Returns a copy of ``x``."""
    return x.clone()


@opaque.register_fake
def _(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


OPAQUE = torch.ops.torch_flops_tests.opaque.default
