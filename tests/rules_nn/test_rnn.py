"""RNN, LSTM, GRU and their cells (docs/conventions.md).

Per input row (one time step of one sequence), layer and direction, with G gates of hidden size
H, layer input size I and recurrent size R (proj_size, else H):

    W_ih·x: G·H dots of length I      (2I − 1)·G·H   MACs I·G·H
    W_hh·h: G·H dots of length R      (2R − 1)·G·H   MACs R·G·H
    their sum G·H, each bias G·H
    gate arithmetic E·H: RNN 1 (tanh or relu); LSTM 3 sigmoids (3 each), tanh, f·c + i·g (3),
    o·tanh(c) (2) = 15; GRU 2 sigmoids, r·(W_hn·h + b_hn) (1), tanh, h' = n + z·(h − n) (3: torch's subtract,
    multiply, add) = 11
    LSTM projection W_hr·h: P dots of length H   (2H − 1)·P   MACs H·P

FlopCounterMode counts the gate and projection matmuls as mm/addmm: 2·MACs. (On CPU, oneDNN's
fused LSTM kernel hides them from it; the comparison runs with oneDNN off.)
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from helpers import count_module, flop_counter_mode
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

pytestmark = [
    pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN:UserWarning"),
    pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN:UserWarning"),
]

SIGMOID, TANH = 3, 1
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}
ELEMENTWISE = {
    "RNN_TANH": TANH,
    "RNN_RELU": 1,
    "LSTM": 3 * SIGMOID + TANH + 3 + (TANH + 1),
    "GRU": 2 * SIGMOID + 1 + TANH + 3,  # h' = n + z·(h − n): subtract, multiply, add
}


def expected(module: nn.Module, rows: int) -> tuple[int, int]:
    """(FLOPs, MACs) of an RNN module processing `rows` rows, from the formula above."""
    mode = module.mode if isinstance(module, nn.RNNBase) else cell_mode(module)
    layers = getattr(module, "num_layers", 1)
    directions = 2 if getattr(module, "bidirectional", False) else 1
    hidden, proj = module.hidden_size, getattr(module, "proj_size", 0)
    rec = proj or hidden
    g, e = GATES[mode] * hidden, ELEMENTWISE[mode]
    flops = macs = 0
    for layer in range(layers):
        i = module.input_size if layer == 0 else rec * directions
        per_row = (2 * i - 1) * g + (2 * rec - 1) * g + g + (2 * g if module.bias else 0) + e * hidden
        per_row += (2 * hidden - 1) * proj
        flops += directions * rows * per_row
        macs += directions * rows * (i * g + rec * g + hidden * proj)
    return flops, macs


def cell_mode(cell: nn.Module) -> str:
    if isinstance(cell, nn.LSTMCell):
        return "LSTM"
    if isinstance(cell, nn.GRUCell):
        return "GRU"
    return "RNN_RELU" if cell.nonlinearity == "relu" else "RNN_TANH"


RNN_CASES = [
    # (class, constructor arguments, input shape, rows = steps × sequences)
    pytest.param(nn.RNN, {"input_size": 3, "hidden_size": 4}, (5, 2, 3), 10, id="RNN"),
    pytest.param(nn.RNN, {"input_size": 3, "hidden_size": 4, "nonlinearity": "relu"}, (5, 2, 3), 10, id="RNN-relu"),
    pytest.param(nn.RNN, {"input_size": 3, "hidden_size": 4, "bias": False}, (5, 3), 5, id="RNN-no-bias-unbatched"),
    pytest.param(nn.LSTM, {"input_size": 3, "hidden_size": 4}, (5, 2, 3), 10, id="LSTM"),
    pytest.param(nn.LSTM, {"input_size": 3, "hidden_size": 4, "num_layers": 2}, (4, 2, 3), 8, id="LSTM-2-layers"),
    pytest.param(nn.LSTM, {"input_size": 3, "hidden_size": 6, "proj_size": 2}, (5, 2, 3), 10, id="LSTM-proj"),
    pytest.param(
        nn.LSTM,
        {"input_size": 3, "hidden_size": 5, "num_layers": 2, "bidirectional": True, "proj_size": 2},
        (4, 3, 3),
        12,
        id="LSTM-2-layers-bidirectional-proj",
    ),
    pytest.param(
        nn.LSTM, {"input_size": 3, "hidden_size": 4, "batch_first": True}, (2, 5, 3), 10, id="LSTM-batch-first"
    ),
    pytest.param(nn.GRU, {"input_size": 3, "hidden_size": 4}, (5, 2, 3), 10, id="GRU"),
    pytest.param(
        nn.GRU, {"input_size": 3, "hidden_size": 4, "bidirectional": True}, (5, 2, 3), 10, id="GRU-bidirectional"
    ),
    pytest.param(
        nn.GRU,
        {"input_size": 2, "hidden_size": 3, "num_layers": 3, "bias": False, "batch_first": True},
        (2, 4, 2),
        8,
        id="GRU-3-layers-no-bias-batch-first",
    ),
]


@pytest.mark.parametrize(("cls", "kwargs", "shape", "rows"), RNN_CASES)
def test_rnn(cls: type[nn.Module], kwargs: dict[str, Any], shape: tuple, rows: int) -> None:
    module = cls(**kwargs)
    op = count_module(module, torch.randn(shape))
    assert (op.flops, op.macs) == expected(module, rows)
    assert op.rule == "torch_flops_rules_nn.rnn.rnn"


@pytest.mark.parametrize(("cls", "kwargs", "shape", "rows"), RNN_CASES)
def test_rnn_gate_matmuls_against_flop_counter_mode(
    cls: type[nn.Module], kwargs: dict[str, Any], shape: tuple, rows: int
) -> None:
    module, x = cls(**kwargs), torch.randn(shape)
    op = count_module(module, x)
    with torch.backends.mkldnn.flags(enabled=False):
        assert flop_counter_mode(module, x) == 2 * op.macs


def test_lstm_worked_example() -> None:
    # LSTM(3, 4) over 5 steps of 2 sequences: 10 rows, 16 gate units; per row
    # W_ih·x 16·5 + W_hh·h 16·7 + sum 16 + biases 32 + gate arithmetic 15·4 = 300
    op = count_module(nn.LSTM(3, 4), torch.randn(5, 2, 3))
    assert op.flops == 10 * (80 + 112 + 16 + 32 + 60) == 3000
    assert op.macs == 10 * 16 * (3 + 4) == 1120


def test_rnn_with_initial_state_counts_the_same() -> None:
    module, x = nn.GRU(3, 4, num_layers=2), torch.randn(5, 2, 3)
    h0 = torch.randn(2, 2, 4)
    assert count_module(module, x, h0).flops == expected(module, 10)[0]
    lstm = nn.LSTM(3, 4)
    state = (torch.randn(1, 2, 4), torch.randn(1, 2, 4))
    assert count_module(lstm, x, state).flops == expected(lstm, 10)[0]


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_packed_sequence_counts_its_rows(cls: type[nn.Module]) -> None:
    module = cls(3, 4)
    packed = pack_padded_sequence(torch.randn(5, 3, 3), [5, 3, 2])
    op = count_module(module, packed)
    assert (op.flops, op.macs) == expected(module, 5 + 3 + 2)


CELL_CASES = [
    pytest.param(nn.RNNCell(3, 4), (2, 3), 2, id="RNNCell"),
    pytest.param(nn.RNNCell(3, 4, nonlinearity="relu", bias=False), (3,), 1, id="RNNCell-relu-unbatched"),
    pytest.param(nn.LSTMCell(3, 4), (2, 3), 2, id="LSTMCell"),
    pytest.param(nn.LSTMCell(5, 2, bias=False), (4, 5), 4, id="LSTMCell-no-bias"),
    pytest.param(nn.GRUCell(3, 4), (2, 3), 2, id="GRUCell"),
    pytest.param(nn.GRUCell(3, 4), (3,), 1, id="GRUCell-unbatched"),
]


@pytest.mark.parametrize(("cell", "shape", "rows"), CELL_CASES)
def test_rnn_cell(cell: nn.Module, shape: tuple, rows: int) -> None:
    x = torch.randn(shape)
    op = count_module(cell, x)
    assert (op.flops, op.macs) == expected(cell, rows)
    assert op.rule == "torch_flops_rules_nn.rnn.rnn_cell"
    assert flop_counter_mode(cell, x) == 2 * op.macs


def test_one_layer_rnn_is_its_cell_over_the_steps() -> None:
    for cls, cell_cls in [(nn.RNN, nn.RNNCell), (nn.LSTM, nn.LSTMCell), (nn.GRU, nn.GRUCell)]:
        steps = count_module(cls(3, 4), torch.randn(6, 2, 3))
        cell = count_module(cell_cls(3, 4), torch.randn(2, 3))
        assert (steps.flops, steps.macs) == (6 * cell.flops, 6 * cell.macs)


def test_rows_of_any_layout() -> None:
    module = nn.LSTM(3, 4, batch_first=True)
    assert count_module(module, torch.randn(2, 5, 3)).flops == count_module(module, torch.randn(5, 2, 3)).flops
