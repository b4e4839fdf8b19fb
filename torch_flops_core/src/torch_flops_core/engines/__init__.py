"""The engines: what runs a model and records its ops through the rule table.

One decision per op (:mod:`~torch_flops_core.engines.plan`), one record path
(:mod:`~torch_flops_core.engines.recorder`), and the engines that feed them: eager
(:mod:`~torch_flops_core.engines.eager`, with :mod:`~torch_flops_core.engines.spans`), aten
(:mod:`~torch_flops_core.engines.aten`), fx (:mod:`~torch_flops_core.engines.tracer` and
:mod:`~torch_flops_core.engines.interpreter`) and the backward (:mod:`~torch_flops_core.engines.backward`, with
:mod:`~torch_flops_core.engines.autograd_graph`). Around them: the model guard (:mod:`~torch_flops_core.engines.guard`,
:mod:`~torch_flops_core.engines.snapshot`), the inputs (:mod:`~torch_flops_core.engines.inputs`), ``ignore_ops``
(:mod:`~torch_flops_core.engines.ignore`), the module events (:mod:`~torch_flops_core.engines.module_events`), and
:func:`run_count` (:mod:`~torch_flops_core.engines.run`), the one path of every count.

The engines import the plugin contract (rules, registry, results, traffic, aliases, decompose, errors) and never the
API above them; nothing in the contract imports them.
"""

from .run import ENGINES, run_count

__all__ = ["ENGINES", "run_count"]
