"""Channel and pixel rearrangements: 0 FLOPs."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Registry


def shuffle(call: Call) -> int:
    """PixelShuffle, PixelUnshuffle, ChannelShuffle: 0 (a permutation of elements, no arithmetic)."""
    return 0


def register(registry: Registry) -> None:
    registry.module(nn.PixelShuffle, nn.PixelUnshuffle, nn.ChannelShuffle)(shuffle)
