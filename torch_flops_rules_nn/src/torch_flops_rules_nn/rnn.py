"""Recurrent layers: RNN, LSTM, GRU (layers, directions, projections) and their cells.

Per input row (one time step of one sequence) and per layer and direction, with G gates of hidden
size H, layer input size I and recurrent input size Hr (``proj_size`` or H):

* gate matmuls ``W_ih·x`` (K = I) and ``W_hh·h`` (K = Hr), G·H outputs each: contractions, with their MACs;
* G·H adds of the two, and G·H more per bias (``b_ih``, ``b_hh``);
* the gate arithmetic, E·H (see ELEMENTWISE);
* LSTM with ``proj_size`` P: the projection ``W_hr·h``, P outputs, K = H.

With ``dropout`` in training, every layer's output but the last's goes through dropout (``formulas.dropout``:
its mask scaled and the product, 2 per element), as torch runs it between the layers. The whole module is
``formulas.rnn``.
"""

from __future__ import annotations

from typing import Final

from torch import nn
from torch.nn.utils.rnn import PackedSequence

from torch_flops_core import Call, Count, Registry, formulas, shapes
from torch_flops_core.formulas import RNN_GATE_ARITHMETIC, RNN_GATES, rnn_step
from torch_flops_core.shapes import numel

__all__ = ["ELEMENTWISE", "GATES", "register", "rnn", "rnn_cell", "step"]

GATES: Final[dict[str, int]] = {mode.upper(): n for mode, n in RNN_GATES.items()}
ELEMENTWISE: Final[dict[str, int]] = {mode.upper(): n for mode, n in RNN_GATE_ARITHMETIC.items()}
"""FLOPs per hidden unit of a step's gate arithmetic (``torch_flops_core.formulas.RNN_GATE_ARITHMETIC``)."""


def step(mode: str, in_size: int, hidden: int, rec_size: int, proj: int, bias: bool) -> Count:
    """One step of one row through one layer and direction: ``formulas.rnn_step`` (see the module docstring)."""
    return rnn_step(mode.lower(), in_size, hidden, rec_size, proj, bias)


def rnn(call: Call) -> Count:
    """RNN, LSTM, GRU: rows × Σ over layers and directions of step(); rows = numel(input)/input_size, or packed rows;
    in training, + the dropout between layers (2 per element of each inner layer's output) (formulas.rnn)."""
    module = call.module_as(nn.RNNBase)
    x = call.arguments()["input"]
    rows = x.data.shape[0] if isinstance(x, PackedSequence) else shapes.rows(numel(x), module.input_size)
    return formulas.rnn(
        module.mode, rows, module.input_size, module.hidden_size, module.proj_size, module.num_layers,
        2 if module.bidirectional else 1, module.bias, module.dropout, module.training,
    )  # fmt: skip


_CELLS: Final[dict[type, str]] = {nn.LSTMCell: "LSTM", nn.GRUCell: "GRU"}


def rnn_cell(call: Call) -> Count:
    """RNNCell, LSTMCell, GRUCell: rows × step(); rows = numel(input)/input_size (formulas.rnn, one layer)."""
    module = call.module_as(nn.RNNCellBase)
    if isinstance(module, nn.RNNCell):
        mode = "RNN_RELU" if module.nonlinearity == "relu" else "RNN_TANH"
    else:
        mode = next(_CELLS[c] for c in type(module).__mro__ if c in _CELLS)
    rows = shapes.rows(numel(call.arguments()["input"]), module.input_size)
    return formulas.rnn(mode, rows, module.input_size, module.hidden_size, bias=module.bias)


def register(registry: Registry) -> None:
    registry.module(nn.RNN, nn.LSTM, nn.GRU)(rnn)
    registry.module(nn.RNNCell, nn.LSTMCell, nn.GRUCell)(rnn_cell)
