"""Built-in torch-flops rules for ``torch.nn`` modules (entry point ``nn``).

Each op family lives in its own module (``linear``, ``conv``, ``fold``, ``pooling``, ``norm``,
``activation``, ``attention``, ``transformer``, ``rnn``, ``embedding``, ``resample``, ``shuffle``,
``padding``, ``dropout``, ``shape``, ``distance``, ``loss``) with a ``register(registry)`` function;
``plugin`` is the hookimpl that calls them all, marked ``trylast=True`` so any third-party rule
takes precedence.
Formulas: ``docs/conventions.md``.
"""

from __future__ import annotations

__all__: list[str] = []
