"""Moved to :mod:`torch_flops_core.engines.recorder`; this path keeps working."""

from .engines.recorder import UNMEASURED, Measured, NodeOwners, Probe, Recorder, clock, op_bytes, tensor_devices

__all__ = ["UNMEASURED", "Measured", "NodeOwners", "Probe", "Recorder", "clock", "op_bytes", "tensor_devices"]
