"""Moved to :mod:`torch_flops_core.engines.tracer`; this path keeps working."""

from .engines.tracer import EXPAND_META, ROOT_META, FlopsTracer, Traced, graph_module, trace, trace_graph

__all__ = ["EXPAND_META", "ROOT_META", "FlopsTracer", "Traced", "graph_module", "trace", "trace_graph"]
