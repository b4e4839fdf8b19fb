"""Moved to :mod:`torch_flops_core.engines.inputs`; this path keeps working."""

from .engines.inputs import (
    InputMismatchError,
    bind,
    check_flags,
    check_output,
    checked_loss,
    model_keywords,
    name_of,
    without_inference_tensors,
)

__all__ = [
    "InputMismatchError",
    "bind",
    "check_flags",
    "check_output",
    "checked_loss",
    "model_keywords",
    "name_of",
    "without_inference_tensors",
]
