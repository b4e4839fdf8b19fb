"""Moved to :mod:`torch_flops_core.engines.plan`; this path keeps working."""

from .engines.plan import CONTAINER, GUARDS, NO_TORCH_OPS, OpPlan, Planner, PlanStatus, record_base

__all__ = ["CONTAINER", "GUARDS", "NO_TORCH_OPS", "OpPlan", "PlanStatus", "Planner", "record_base"]
