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
from torch_flops_core.formulas import RNN_GATE_ARITHMETIC, RNN_GATES, rnn
from torch_flops_core.rulekit import Claimer, named
from torch_flops_core.shapes import rows as rows_of

from ._common import ops

__all__ = ["GATES", "GATE_ARITHMETIC", "recurrent", "recurrent_cell"]

GATES: Mapping[str, int] = RNN_GATES
GATE_ARITHMETIC: Mapping[str, int] = RNN_GATE_ARITHMETIC
"""FLOPs per hidden unit of one step's gate arithmetic (``torch_flops_core.formulas``)."""


def _hidden(mode: str, w_ih: torch.Tensor) -> int:
    """H, the hidden size, from a layer's input weight [gates·H, I]."""
    return w_ih.shape[0] // RNN_GATES[mode]  # shape: the gates' weights stacked, gates·H rows


def _params(args: Sequence[Any]) -> int:
    """Position of the flat weight list: the first list whose first tensor is a 2-d weight."""
    for i, arg in enumerate(args):
        if isinstance(arg, list | tuple) and arg and isinstance(arg[0], torch.Tensor) and arg[0].dim() == 2:
            return i
    raise ValueError("no weight list among the arguments")


def recurrent(mode: str) -> RuleFn:
    """torch.lstm/gru/rnn_*: rows × Σ over layers and directions of one step; rows = numel(input)/I or packed rows;
    + the dropout between layers in training (2 per element of each inner layer's output) (formulas.rnn)."""

    def rule(call: Call) -> Count:
        at = _params(call.args)
        params = list(call.args[at])
        has_biases, layers = call.args[at + 1], call.args[at + 2]
        drop_p, train, bidirectional = call.args[at + 3], call.args[at + 4], call.args[at + 5]
        packed = at == 3  # (data, batch_sizes, hx, params, ...) rather than (input, hx, params, ...)
        x, w_ih = call.args[0], params[0]
        rows = x.shape[0] if packed else rows_of(x.numel(), w_ih.shape[1])
        directions = 2 if bidirectional else 1
        stride = len(params) // (layers * directions)  # the weights (and biases) of one layer and direction
        proj = params[stride - 1].shape[0] if stride in (3, 5) else 0  # an LSTM projection follows the others
        return rnn(
            mode, rows, w_ih.shape[1], _hidden(mode, w_ih), proj, layers, directions,
            bool(has_biases), drop_p, bool(train),
        )  # fmt: skip

    return named(rule, mode, f"torch.{mode}: {recurrent.__doc__}", __name__)


def recurrent_cell(mode: str) -> RuleFn:
    """torch.*_cell(input, hx, w_ih, w_hh, b_ih, b_hh): rows × one step; rows = numel(input)/I."""

    def rule(call: Call) -> Count:
        x, w_ih = call.arg(0, "input"), call.arg(2, "w_ih")
        rows = rows_of(x.numel(), w_ih.shape[1])
        return rnn(mode, rows, w_ih.shape[1], _hidden(mode, w_ih), bias=call.arg(4, "b_ih") is not None)

    return named(rule, f"{mode}_cell", f"torch.{mode}_cell: {recurrent_cell.__doc__}", __name__)


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    for mode in GATES:
        claim(ops(f"torch.{mode}"), recurrent(mode))
        claim(ops(f"torch.{mode}_cell"), recurrent_cell(mode))
