"""The example pack's own tests, written with torch-flops-core's testing helpers."""

from __future__ import annotations

from types import SimpleNamespace

import torch
from torch import nn

from flops_example import WindowAttention, scaled_residual


def test_window_attention_is_one_op_counted_by_its_rule(torch_flops: SimpleNamespace) -> None:
    b, length, d, w = 2, 10, 16, 5
    p = b * length
    expected = (
        (2 * d - 1) * 3 * d * p + 3 * d * p  # qkv projection with bias
        + (2 * d - 1) * w * p + w * p  # window scores, scaled
        + (3 * w - 1) * p  # softmax over the window
        + (2 * w - 1) * d * p  # weighted sum of the values
    )  # fmt: skip
    op = torch_flops.assert_op_counts(
        WindowAttention(d, w), torch.randn(b, length, d), expected=expected, only=["example"], plugin="example"
    )
    assert op.kind == "call_module" and op.macs == (3 * d * d + 2 * w * d) * p


def test_the_custom_op_is_counted_in_both_engines(torch_flops: SimpleNamespace) -> None:
    def residual(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return scaled_residual(x, y, 0.5)

    x, y = torch.randn(3, 7), torch.randn(3, 7)
    for engine in ("fx", "eager"):
        torch_flops.assert_op_counts(residual, x, y, expected=2 * 21, only=["example"], engine=engine)


def test_the_gelu_override_wins_over_the_builtin_rule(torch_flops: SimpleNamespace) -> None:
    x = torch.randn(4, 8)
    op = torch_flops.assert_op_counts(nn.GELU(), x, expected=8 * 32, only=["example", "nn"])
    assert op.rule == "flops_example.gelu_polynomial"
    builtin = torch_flops.assert_op_counts(nn.GELU(), x, expected=32, only=["nn"])
    assert builtin.plugin == "nn"
