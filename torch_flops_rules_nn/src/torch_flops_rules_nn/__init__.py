"""Built-in torch-flops rules for ``torch.nn`` modules (entry point ``nn``).

Each op family lives in its own module (``linear``, ``conv``, ``pooling``, ``norm``, ``activation``,
``dropout``, ``shape``) with a ``register(registry)`` function; ``plugin`` is the hookimpl that
calls them all, marked ``trylast=True`` so any third-party rule takes precedence.
Formulas: ``docs/conventions.md``.
"""

from __future__ import annotations

__all__: list[str] = []
