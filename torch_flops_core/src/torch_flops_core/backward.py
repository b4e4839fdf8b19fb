"""Moved to :mod:`torch_flops_core.engines.backward` (the counting) and
:mod:`torch_flops_core.engines.autograd_graph` (the graph walk, the default loss, the cut inputs); this path keeps
working."""

from .engines.autograd_graph import Graph, autograd_nodes, cut_inputs, default_loss, graph_leaves, walk_graph
from .engines.backward import BackwardCounter, count_backward, count_training_step

__all__ = [
    "BackwardCounter",
    "Graph",
    "autograd_nodes",
    "count_backward",
    "count_training_step",
    "cut_inputs",
    "default_loss",
    "graph_leaves",
    "walk_graph",
]
