"""Recurrent layers: the gates of each cell, one step forward and backward, a whole multi-layer RNN/LSTM/GRU."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..rules import Count
from ..shapes import at_least
from .costs import ACTIVATION_COSTS
from .per_element import dropout
from .products import contraction, total

__all__ = [
    "RNN_GATES", "RNN_GATE_ARITHMETIC", "rnn", "rnn_step", "rnn_step_backward",
]  # fmt: skip


RNN_GATES: Final[Mapping[str, int]] = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}
"""Gates per hidden unit of each recurrent cell (``nn.RNN`` modes in lower case)."""


_SIGMOID, _TANH = ACTIVATION_COSTS["sigmoid"], ACTIVATION_COSTS["tanh"]


RNN_GATE_ARITHMETIC: Final[Mapping[str, int]] = {
    "rnn_tanh": _TANH,  # h' = tanh(gates)
    "rnn_relu": ACTIVATION_COSTS["relu"],  # h' = relu(gates)
    # i, f, o = sigmoid; g = tanh; c' = f·c + i·g (3); h' = o·tanh(c') (2)
    "lstm": 3 * _SIGMOID + _TANH + 3 + _TANH + 1,
    # r, z = sigmoid; r·(W_hn·h + b_hn) (1); n = tanh; h' = n + z·(h − n) (3: torch's sub, mul, add)
    "gru": 2 * _SIGMOID + 1 + _TANH + 3,
}
"""FLOPs per hidden unit of one step's gate arithmetic, after the gate pre-activations are summed."""


def rnn_step(mode: str, in_size: int, hidden: int, rec_size: int, proj: int, bias: bool) -> Count:
    """One row (one time step of one sequence) through one layer and direction of a recurrent cell.

    G = gates·H: W_ih·x (2I − 1)·G, W_hh·h (2Hr − 1)·G, G adds of the two [+ 2G biases],
    RNN_GATE_ARITHMETIC·H, [LSTM projection W_hr·h (2H − 1)·P]; MACs (I + Hr)·G + H·P.
    """
    gates = RNN_GATES[mode] * hidden
    return total(
        contraction(gates, in_size),
        contraction(gates, rec_size),
        gates * (1 + 2 * bias),
        RNN_GATE_ARITHMETIC[mode] * hidden,
        contraction(proj, hidden),
    )


def rnn_step_backward(mode: str, rows: int, in_size: int, hidden: int, bias: bool) -> Count:
    """The gradients of ``rows`` steps of one layer and direction (no projection), G = gates·H:

    dX = dG·W_ih (2G − 1)·I and dH = dG·W_hh (2G − 1)·H per row; dW_ih (2·rows − 1)·G·I and dW_hh
    (2·rows − 1)·G·H; [db (rows − 1)·G, both biases]; the gate arithmetic twice per row (each
    element-wise op's local derivative times the incoming gradient). MACs 2·rows·(I + H)·G, twice the forward's.
    """
    gates = RNN_GATES[mode] * hidden
    return total(
        contraction(rows * in_size, gates),
        contraction(rows * hidden, gates),
        contraction(gates * in_size, rows),
        contraction(gates * hidden, rows),
        2 * at_least(rows - 1, 0) * gates if bias else 0,
        2 * RNN_GATE_ARITHMETIC[mode] * hidden * rows,
    )


def rnn(
    mode: str,
    rows: int,
    in_size: int,
    hidden: int,
    proj: int = 0,
    layers: int = 1,
    directions: int = 1,
    bias: bool = True,
    dropout_p: float = 0.0,
    training: bool = False,
) -> Count:
    """A recurrent module over ``rows`` rows (time steps × sequences): rows·directions × Σ over its layers of
    :func:`rnn_step` (layer 0 reads in_size, the others the previous layer's directions·(proj or H)); in training,
    + :func:`dropout` of every layer's output but the last's (rows·directions·(proj or H) elements each)."""
    out_size = proj or hidden
    steps = [
        rnn_step(mode.lower(), in_size if layer == 0 else out_size * directions, hidden, out_size, proj, bias)
        for layer in range(layers)
    ]
    step = total(*steps)
    between = rows * out_size * directions  # one layer's output, dropped before the next layer
    dropped = (layers - 1) * dropout(between, between, dropout_p, training)
    return total(Count(flops=step.flops * rows * directions, macs=step.macs * rows * directions), dropped)
