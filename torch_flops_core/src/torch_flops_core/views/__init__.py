"""Views of a count: how a :class:`~torch_flops_core.results.FlopsResult` is shown.

``report`` (tables, CSV, JSON-ready dicts, human units), ``notebook`` (Jupyter's HTML, pandas), ``plot``
(module bars, sweeps, and the chart helpers) and ``roofline`` (the roofline chart and the measured roofs).
Views import downward only, from :mod:`torch_flops_core.results` and the plugin contract; nothing below them
imports them at module level (``FlopsResult``'s display methods import them when called). Import the module
you need (``from torch_flops_core.views.report import format_flops``): this package re-exports nothing, so
importing one view does not import the others.
"""
