"""Moved to :mod:`torch_flops_core.views.roofline`; this path keeps working: it re-exports that module's public names.

New code imports from ``torch_flops_core.views.roofline``.
"""

from __future__ import annotations

from .views.roofline import *  # noqa: F403 (the view's public names, by its __all__)
from .views.roofline import __all__ as __all__
