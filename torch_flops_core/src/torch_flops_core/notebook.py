"""Moved to :mod:`torch_flops_core.views.notebook`; this path keeps working: it re-exports that module's public names.

New code imports from ``torch_flops_core.views.notebook``.
"""

from __future__ import annotations

from .views.notebook import *  # noqa: F403 (the view's public names, by its __all__)
from .views.notebook import __all__ as __all__
