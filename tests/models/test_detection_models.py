"""torchvision's detection models, counted whole: every torchvision op recognized, on the default and the aten
engine, in eval mode (forward) and in training mode (forward with targets, the loss dict summed, backward).

Small random-weight models (no download) on 128 × 160 images, with few proposals and detections to stay fast.
``MISSING`` lists the ops outside torchvision that a model leaves ``not recognized`` today, per model, engine and
mode; the test asserts exactly that set, so it fails both when a new op goes missing and when one gains a rule
(then remove it here).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, Literal

import pytest
import torch
from helpers import calls
from torchvision.models import detection

from torch_flops_core import FlopsResult, count_flops

pytestmark = pytest.mark.slow

Engine = Literal["eager", "aten"]
ENGINES: tuple[Engine, Engine] = ("eager", "aten")
BASE: dict[str, Any] = {"weights": None, "weights_backbone": None}
SMALL = {"min_size": 128, "max_size": 160}
RCNN: dict[str, Any] = {
    **BASE, **SMALL, "rpn_pre_nms_top_n_test": 200, "rpn_post_nms_top_n_test": 50, "rpn_pre_nms_top_n_train": 200,
    "rpn_post_nms_top_n_train": 50, "rpn_batch_size_per_image": 32, "box_batch_size_per_image": 32,
    "box_detections_per_img": 10,
}  # fmt: skip

MODELS: dict[str, Callable[[], torch.nn.Module]] = {
    "fasterrcnn_mobilenet_v3_large_fpn": lambda: detection.fasterrcnn_mobilenet_v3_large_fpn(num_classes=3, **RCNN),
    "retinanet_resnet50_fpn": lambda: detection.retinanet_resnet50_fpn(
        num_classes=3, score_thresh=0.001, topk_candidates=50, detections_per_img=10, **BASE, **SMALL
    ),  # a low score threshold, so that random weights leave boxes for nms
    "maskrcnn_resnet50_fpn": lambda: detection.maskrcnn_resnet50_fpn(num_classes=3, **RCNN),
    "ssdlite320_mobilenet_v3_large": lambda: detection.ssdlite320_mobilenet_v3_large(
        num_classes=3, topk_candidates=50, detections_per_img=10, **BASE
    ),
    "keypointrcnn_resnet50_fpn": lambda: detection.keypointrcnn_resnet50_fpn(num_classes=2, num_keypoints=5, **RCNN),
}

MISSING: dict[tuple[str, str, str], set[str]] = {}
"""(model, engine, mode) → the ops outside torchvision left ``not recognized``: none in torch 2.14.1 with the aten
pack's statistics family (``aten._unique2`` and ``aten.uniform_`` were the last; ``_unique2`` runs in batched_nms's
per-class loop, over 1000 boxes on cpu: ``tests/rules_torchvision/test_ops.py`` covers it)."""

R_CNN = {"roi_align"}
VISION_OPS: dict[tuple[str, str], set[str]] = {
    ("fasterrcnn_mobilenet_v3_large_fpn", "eval"): {"nms", *R_CNN},
    ("fasterrcnn_mobilenet_v3_large_fpn", "train"): {"nms", *R_CNN, "_roi_align_backward"},
    ("retinanet_resnet50_fpn", "eval"): {"nms"},
    ("retinanet_resnet50_fpn", "train"): set(),  # its losses match anchors to targets: no nms in training
    ("maskrcnn_resnet50_fpn", "eval"): {"nms", *R_CNN},
    ("maskrcnn_resnet50_fpn", "train"): {"nms", *R_CNN, "_roi_align_backward"},
    ("ssdlite320_mobilenet_v3_large", "eval"): {"nms"},
    ("ssdlite320_mobilenet_v3_large", "train"): set(),
    ("keypointrcnn_resnet50_fpn", "eval"): {"nms", *R_CNN},
    ("keypointrcnn_resnet50_fpn", "train"): {"nms", *R_CNN, "_roi_align_backward"},
}
"""The torchvision ops each model runs (on the cpu: a cuda run may take another path, e.g. batched_nms's loop)."""


def inputs(name: str) -> tuple[list[torch.Tensor], list[dict[str, torch.Tensor]]]:
    """Images and training targets: two boxes per image (SSDlite's batch norms need two images in training)."""
    n = 2 if name.startswith("ssd") else 1
    images = [torch.rand(3, 128, 160) for _ in range(n)]
    target = {
        "boxes": torch.tensor([[10.0, 20.0, 60.0, 90.0], [30.0, 30.0, 100.0, 120.0]]),
        "labels": torch.tensor([1, 2]),
    }
    if name.startswith("mask"):
        target["masks"] = (torch.rand(2, 128, 160) > 0.5).to(torch.uint8)
    if name.startswith("keypoint"):
        target["labels"] = torch.tensor([1, 1])
        target["keypoints"] = torch.tensor([[[15.0, 25.0, 1.0]] * 5, [[40.0, 50.0, 1.0]] * 5])
    return images, [target] * n


def vision_flops(result: FlopsResult) -> Counter[tuple[str, str]]:
    """FLOPs of the torchvision ops by (op, phase), each op named by its packet on both engines."""
    totals: Counter[tuple[str, str]] = Counter()
    for r in calls(result):
        if "torchvision" in r.target_name:
            assert r.plugin == "torchvision", r.target_name
            name = r.target_name.removeprefix("torch.ops.torchvision.").removesuffix(".default")
            assert isinstance(r.flops, int)
            totals[name, r.phase] += r.flops
    return totals


@pytest.mark.parametrize("mode", ["eval", "train"])
@pytest.mark.parametrize("name", list(MODELS))
def test_detection_model(name: str, mode: str) -> None:
    torch.manual_seed(0)
    model = MODELS[name]().train(mode == "train")
    images, targets = inputs(name)
    seen = {}
    for engine in ENGINES:
        torch.manual_seed(1)  # the same proposals sampled in training on both engines
        if mode == "eval":
            result = count_flops(model, images, engine=engine)
        else:
            result = count_flops(
                model, images, targets, engine=engine, backward=True, loss=lambda out: sum(out.values())
            )
            assert result.total_by_phase["backward"] > 0
        assert {r.target_name for r in result.unrecognized} == MISSING.get((name, engine, mode), set())
        seen[engine] = vision_flops(result)
        assert {op for op, _ in seen[engine]} == VISION_OPS[name, mode]
    assert seen["eager"] == seen["aten"]  # one rule per op, whichever engine saw it
