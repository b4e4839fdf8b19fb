"""Built-in torch-flops rules for functions, operators and ``Tensor`` methods (entry point ``functional``).

A rule here is registered once per op: core's alias groups make ``operator.add``, ``torch.add``,
``Tensor.add`` and ``Tensor.__add__`` find it. Each op family lives in its own module
(``arithmetic``, ``matmul``, ``conv``, ``activation``, ``reduction``, ``attention``, ``resample``,
``shape``) with a ``register(registry)`` function. Formulas: ``docs/conventions.md``.
"""

from __future__ import annotations

__all__: list[str] = []
