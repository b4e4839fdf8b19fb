"""Moved to :mod:`torch_flops_core.views.report`; this path keeps working: it re-exports that module's public names.

New code imports from ``torch_flops_core.views.report``.
"""

from __future__ import annotations

from .results import ROOT_LABEL, ModuleRow, module_rows  # importable from here before the move; their home is results
from .views import report as view
from .views.report import *  # noqa: F403 (the view's public names, by its __all__)

__all__ = [*view.__all__, "ROOT_LABEL", "ModuleRow", "module_rows"]
