"""Recurrent kernels: oneDNN's LSTM layer (``mkldnn_rnn_layer``, what ``nn.LSTM`` runs on cpu) and its backward.

One call is one layer in one direction; the counts are the shared recurrent formulas
(``torch_flops_core.formulas.rnn_step`` and ``rnn_step_backward``), so an LSTM counts the same here as
the nn pack counts the module.
"""

from __future__ import annotations

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import rnn_step, rnn_step_backward
from torch_flops_core.shapes import rows

from ._ops import aten

__all__ = ["MODES", "mkldnn_rnn_layer", "mkldnn_rnn_layer_backward", "register"]

MODES = {0: "rnn_relu", 1: "rnn_tanh", 2: "lstm", 3: "gru"}
"""oneDNN's ``rnn_kind`` numbers, as the ``mode`` argument passes them."""


def mkldnn_rnn_layer(call: Call) -> Count:
    """mkldnn_rnn_layer(x, w_ih, w_hh, b_ih, b_hh, hx, cx, reverse, batch_sizes, mode, H, ...): rows × rnn_step;
    rows = numel(x)/I."""
    args = call.arguments()
    x, w_ih, w_hh = args["input"], args["weight0"], args["weight1"]
    steps = rows(x.numel(), w_ih.shape[1])
    step = rnn_step(MODES[args["mode"]], w_ih.shape[1], args["hidden_size"], w_hh.shape[1], 0, args["has_biases"])
    return Count(flops=steps * step.flops, macs=steps * step.macs)


def mkldnn_rnn_layer_backward(call: Call) -> Count:
    """mkldnn_rnn_layer_backward(x, w_ih, w_hh, b_ih, b_hh, ...): rnn_step_backward over rows = numel(x)/I (dX, dH,
    dW_ih, dW_hh, db, the gate arithmetic's derivatives)."""
    args = call.arguments()
    x, w_ih = args["input"], args["weight1"]
    steps = rows(x.numel(), w_ih.shape[1])
    return rnn_step_backward(MODES[args["mode"]], steps, w_ih.shape[1], args["hidden_size"], args["has_biases"])


def register(registry: Registry) -> None:
    registry.function(*aten("mkldnn_rnn_layer"))(mkldnn_rnn_layer)
    registry.function(*aten("mkldnn_rnn_layer_backward"))(mkldnn_rnn_layer_backward)
