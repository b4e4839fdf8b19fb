"""Built-in torch-flops rules for functions, operators and ``Tensor`` methods (entry point ``functional``).

A rule here is registered once per op: core's alias groups make ``operator.add``, ``torch.add``,
``Tensor.add`` and ``Tensor.__add__`` find it. Each op family lives in its own module with a
``register(registry)`` function, listed in ``plugin.FAMILIES``: ``arithmetic`` (operators),
``pointwise`` (math), ``activation``, ``reduction``, ``matmul`` (contractions), ``conv``, ``norm``,
``pooling``, ``resample``, ``embedding``, ``attention``, ``recurrent``, ``dropout``, ``loss``,
``distance``, and the zero-cost ``shape`` (data movement), ``factory`` (creation) and ``metadata``.
Per-element costs: ``torch_flops_core.formulas.ACTIVATION_COSTS`` (shared with the nn and aten packs) and
``POINTWISE_COSTS`` (shared with the aten pack). Formulas: ``docs/conventions.md``.
"""

from __future__ import annotations

__all__: list[str] = []
