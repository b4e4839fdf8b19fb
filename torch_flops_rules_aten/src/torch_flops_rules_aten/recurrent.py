"""Recurrent kernels: oneDNN's LSTM layer (``mkldnn_rnn_layer``, what ``nn.LSTM`` runs on cpu) and its backward.

One call is one layer in one direction; the counts are the shared recurrent formulas
(``torch_flops_core.formulas.rnn_step`` and ``rnn_step_backward``), so an LSTM counts the same here as
the nn pack counts the module.
"""

from __future__ import annotations

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import rnn_step, rnn_step_backward

from ._ops import aten

__all__ = ["MODES", "mkldnn_rnn_layer", "mkldnn_rnn_layer_backward", "register"]

MODES = {0: "rnn_relu", 1: "rnn_tanh", 2: "lstm", 3: "gru"}
"""oneDNN's ``rnn_kind`` numbers, as the ``mode`` argument passes them."""


def mkldnn_rnn_layer(call: Call) -> Count:
    """mkldnn_rnn_layer(x, w_ih, w_hh, b_ih, b_hh, hx, cx, reverse, batch_sizes, mode, H, ...): rows × rnn_step;
    rows = numel(x)/I."""
    named = call.arguments()
    x, w_ih, w_hh = named["input"], named["weight0"], named["weight1"]
    rows = x.numel() // w_ih.shape[1]
    step = rnn_step(MODES[named["mode"]], w_ih.shape[1], named["hidden_size"], w_hh.shape[1], 0, named["has_biases"])
    return Count(flops=rows * step.flops, macs=rows * step.macs)


def mkldnn_rnn_layer_backward(call: Call) -> Count:
    """mkldnn_rnn_layer_backward(x, w_ih, w_hh, b_ih, b_hh, ...): rnn_step_backward over rows = numel(x)/I (dX, dH,
    dW_ih, dW_hh, db, the gate arithmetic's derivatives)."""
    named = call.arguments()
    x, w_ih = named["input"], named["weight1"]
    rows = x.numel() // w_ih.shape[1]
    return rnn_step_backward(MODES[named["mode"]], rows, w_ih.shape[1], named["hidden_size"], named["has_biases"])


def register(registry: Registry) -> None:
    registry.function(*aten("mkldnn_rnn_layer"))(mkldnn_rnn_layer)
    registry.function(*aten("mkldnn_rnn_layer_backward"))(mkldnn_rnn_layer_backward)
