"""Built-in torch-flops rules for torchvision's custom ops (entry point ``torchvision``), and the worked
example of a pack for a library's own dispatcher ops.

torchvision's kernels are dispatcher ops (``torch.ops.torchvision.nms`` ...): the default engine sees the
packet the Python wrapper calls, the aten engine and the backward pass its overload (``nms.default``);
the rule table keys both by the packet, so one claim per op serves every engine. Each op family lives in
its own module (``nms``, ``roi_align``, ``roi_pool``, ``deform_conv``) with a ``register(registry)``
function; ``plugin`` is the hookimpl that calls them all, marked ``trylast=True`` so any other plugin's
rule takes precedence. The formulas are this pack's own (``formulas``): only it counts these ops.

torchvision's Python functions made of torch ops (``box_iou``, ``box_convert``, ``batched_nms``'s
offsets, ``sigmoid_focal_loss`` ...) need no rule: every engine counts the torch ops they run.
Formulas: ``docs/conventions.md``.
"""

from __future__ import annotations

__all__: list[str] = []
