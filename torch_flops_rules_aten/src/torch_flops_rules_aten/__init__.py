"""Built-in torch-flops rules for aten ops (entry point ``aten``): what ``engine="aten"`` counts.

Each op family lives in its own module (``matmul``, ``conv``, ``pointwise``, ``reduction``,
``softmax``, ``norm``, ``pooling``, ``attention``, ``zero``) with a ``register(registry)`` function;
``plugin`` is the hookimpl that calls them all, marked ``trylast=True`` so any third-party rule takes
precedence. Rules claim packets (``torch.ops.aten.mm``: every overload) and take their formulas from
``torch_flops_core.formulas``, shared with the nn and functional packs. Formulas: ``docs/conventions.md``.
"""

from __future__ import annotations

__all__: list[str] = []
