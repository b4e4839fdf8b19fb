"""Recurrent layers as functions: ``torch.lstm``, ``torch.gru``, ``torch.rnn_tanh``/``rnn_relu`` and their cells.

``nn.LSTM`` and the other recurrent modules call these; the counts are the nn pack's for the modules.
Per input row (one time step of one sequence), layer and direction, with G gates of hidden size H,
layer input size I and recurrent input size Hr: the gate products ``W_ih·x`` (K = I) and ``W_hh·h``
(K = Hr), G·H outputs each; G·H adds of the two and G·H more per bias; the gate arithmetic, E·H; and,
for an LSTM with a projection of size P, ``W_hr·h`` (K = H, P outputs). Everything is read from the
flat weight list, so ``proj_size``, layers and directions need no flags.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from torch_flops_core import Call, Count, Registry, RuleFn
from torch_flops_core.formulas import RNN_GATE_ARITHMETIC, RNN_GATES, dropout, rnn_step, total
from torch_flops_core.rulekit import Claimer, named

from ._common import ops

__all__ = ["GATES", "GATE_ARITHMETIC", "recurrent", "recurrent_cell"]

GATES: Mapping[str, int] = RNN_GATES
GATE_ARITHMETIC: Mapping[str, int] = RNN_GATE_ARITHMETIC
"""FLOPs per hidden unit of one step's gate arithmetic (``torch_flops_core.formulas``)."""


def _step(mode: str, w_ih: torch.Tensor, w_hh: torch.Tensor, bias: bool, w_hr: torch.Tensor | None) -> Count:
    """One row through one layer and direction: ``formulas.rnn_step`` with sizes read from the weights."""
    hidden = w_ih.shape[0] // RNN_GATES[mode]
    return rnn_step(mode, w_ih.shape[1], hidden, w_hh.shape[1], w_hr.shape[0] if w_hr is not None else 0, bias)


def _params(args: Sequence[Any]) -> int:
    """Position of the flat weight list: the first list whose first tensor is a 2-d weight."""
    for i, arg in enumerate(args):
        if isinstance(arg, list | tuple) and arg and isinstance(arg[0], torch.Tensor) and arg[0].dim() == 2:
            return i
    raise ValueError("no weight list among the arguments")


def recurrent(mode: str) -> RuleFn:
    """torch.lstm/gru/rnn_*: rows × Σ over layers and directions of one step; rows = numel(input)/I or packed rows;
    + the dropout between layers in training (2 per element of each inner layer's output)."""

    def rule(call: Call) -> Count:
        at = _params(call.args)
        params = list(call.args[at])
        has_biases, layers = call.args[at + 1], call.args[at + 2]
        drop_p, train, bidirectional = call.args[at + 3], call.args[at + 4], call.args[at + 5]
        packed = at == 3  # (data, batch_sizes, hx, params, ...) rather than (input, hx, params, ...)
        x = call.args[0]
        rows = x.shape[0] if packed else x.numel() // params[0].shape[1]
        groups = layers * (2 if bidirectional else 1)
        stride = len(params) // groups
        steps = []
        for g in range(groups):
            w = params[g * stride : (g + 1) * stride]
            w_hr = w[-1] if stride in (3, 5) else None  # an LSTM projection follows the weights and biases
            steps.append(_step(mode, w[0], w[1], bool(has_biases), w_hr))
        one_row = total(*steps)
        # torch drops every layer's output but the last's in training: its mask scaled and the product
        between = rows * params[1].shape[1] * (2 if bidirectional else 1)
        dropped = (layers - 1) * dropout(between, between, drop_p, bool(train))
        return Count(flops=rows * one_row.flops + dropped, macs=rows * one_row.macs)

    return named(rule, mode, f"torch.{mode}: {recurrent.__doc__}", __name__)


def recurrent_cell(mode: str) -> RuleFn:
    """torch.*_cell(input, hx, w_ih, w_hh, b_ih, b_hh): rows × one step; rows = numel(input)/I."""

    def rule(call: Call) -> Count:
        x, w_ih, w_hh = call.arg(0, "input"), call.arg(2, "w_ih"), call.arg(3, "w_hh")
        rows = x.numel() // w_ih.shape[1]
        step = _step(mode, w_ih, w_hh, call.arg(4, "b_ih") is not None, None)
        return Count(flops=rows * step.flops, macs=rows * step.macs)

    return named(rule, f"{mode}_cell", f"torch.{mode}_cell: {recurrent_cell.__doc__}", __name__)


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    for mode in GATES:
        claim(ops(f"torch.{mode}"), recurrent(mode))
        claim(ops(f"torch.{mode}_cell"), recurrent_cell(mode))
