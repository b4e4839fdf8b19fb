"""The torchvision pack (entry point ``torchvision``): nms, RoI align and pool, deformable convolution and their
backward kernels, on the default and the aten engine.

Every expected value is worked out here by hand from the formula in ``docs/conventions.md`` (which reads
torchvision's CPU kernels loop by loop) for small boxes and feature maps; the deformable convolution's MACs
are also checked against ``FlopCounterMode`` on the ``conv2d`` it equals with zero offsets. Where a count
depends on how the kernel cuts a box into bins, the kernel's own output confirms the cut written here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pytest
import torch
from helpers import calls, flop_counter_mode
from torchvision import ops

from torch_flops_core import NOT_RECOGNIZED, FlopsResult, OpRecord, count_flops, get_plugins
from torch_flops_core.cli import main

Engine = Literal["eager", "aten"]
ENGINES: tuple[Engine, Engine] = ("eager", "aten")
TV = torch.ops.torchvision


def vision_ops(result: FlopsResult) -> list[OpRecord]:
    """The records of torchvision's dispatcher ops."""
    return [r for r in calls(result) if "torchvision" in r.target_name]


def count_op(fn: Callable[..., Any], *inputs: Any, engine: Engine = "eager") -> OpRecord:
    """Count ``fn``: everything recognized, and exactly one torchvision op, counted by this pack."""
    result = count_flops(fn, *inputs, engine=engine)
    assert result.unrecognized == []
    (op,) = vision_ops(result)
    assert op.plugin == "torchvision"
    return op


def both_engines(fn: Callable[..., Any], *inputs: Any) -> OpRecord:
    """The torchvision op of ``fn`` counted by the default and the aten engine: the same FLOPs and MACs."""
    eager, aten = (count_op(fn, *inputs, engine=engine) for engine in ENGINES)
    assert eager.target is getattr(TV, eager.target_name.rsplit(".", 1)[-1])  # the packet the wrapper calls
    assert aten.target_name == eager.target_name + ".default"  # the overload the dispatcher runs
    assert (eager.flops, eager.macs) == (aten.flops, aten.macs)
    return eager


def backward_op(fn: Callable[..., Any], x: torch.Tensor, *inputs: Any) -> OpRecord:
    """The torchvision backward kernel of ``fn(x, *inputs)``'s gradient with respect to ``x``."""
    result = count_flops(fn, x.requires_grad_(), *inputs, backward=True)
    assert result.unrecognized == []
    (op,) = [r for r in vision_ops(result) if r.phase == "backward"]
    assert op.plugin == "torchvision"
    return op


# -- the plugin ---------------------------------------------------------------------------------


def test_the_plugin_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:]}
    _, distribution, _, source, status, rules = rows["torchvision"]
    assert distribution == "torch-flops-rules-torchvision"
    assert (source, status) == ("torch_flops_rules_torchvision.plugin", "loaded")
    assert int(rules) == 11  # 5 forward ops and their 5 backward kernels, nms (which has none)


@pytest.mark.parametrize(
    "name",
    ["nms", "roi_align", "_roi_align_backward", "ps_roi_align", "_ps_roi_align_backward", "roi_pool",
     "_roi_pool_backward", "ps_roi_pool", "_ps_roi_pool_backward", "deform_conv2d", "_deform_conv2d_backward"],
)  # fmt: skip
def test_one_claim_serves_the_packet_and_its_overload(name: str) -> None:
    table = get_plugins().table
    packet = getattr(TV, name)
    entry = table.function_rule(packet)
    assert entry is not None and entry.plugin == "torchvision"
    assert table.function_rule(packet.default) is entry


# -- nms ----------------------------------------------------------------------------------------


def boxes(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """n boxes in xyxy and their scores."""
    g = torch.Generator().manual_seed(seed)
    corner = torch.rand(n, 2, generator=g) * 20
    return torch.cat([corner, corner + 1 + torch.rand(n, 2, generator=g) * 10], 1), torch.rand(n, generator=g)


@pytest.mark.parametrize(("n", "expected"), [(1, 3), (2, 3 * 2 + 2 * 1 + 13 * 1), (5, 3 * 5 + 5 * 3 + 13 * 10)])
def test_nms_counts_every_pair(n: int, expected: int) -> None:
    """areas 3n, the score sort n·⌈log2 n⌉, 13 per pair for all n(n − 1)/2 pairs."""
    b, s = boxes(n)
    assert both_engines(lambda b, s: ops.nms(b, s, 0.5), b, s).flops == expected


def test_nms_is_its_worst_case_whatever_it_keeps() -> None:
    """Identical boxes (all but one suppressed) and disjoint boxes (all kept) count the same."""
    same = torch.tensor([[0.0, 0.0, 4.0, 4.0]] * 4)
    apart = torch.tensor([[10.0 * i, 0.0, 10.0 * i + 4, 4.0] for i in range(4)])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
    expected = 3 * 4 + 4 * 2 + 13 * 6
    for b in (same, apart):
        assert count_op(lambda b, s: ops.nms(b, s, 0.5), b, scores).flops == expected


def test_nms_of_no_box_is_zero() -> None:
    assert count_op(lambda b, s: ops.nms(b, s, 0.5), torch.zeros(0, 4), torch.zeros(0)).flops == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_batched_nms_offsets_then_nms(engine: Engine) -> None:
    """batched_nms (Python): boxes.max() 4n − 1, max + 1, idxs·(max + 1) n, boxes + offsets 4n; then nms(n)."""
    n = 10
    b, s = boxes(n)
    idxs = torch.arange(n) % 3
    result = count_flops(lambda b, s, i: ops.batched_nms(b, s, i, 0.5), b, s, idxs, engine=engine)
    assert result.unrecognized == []
    nms = 3 * n + n * 4 + 13 * 45
    assert [r.flops for r in vision_ops(result)] == [nms]
    assert result.total == (4 * n - 1) + 1 + n + 4 * n + nms


@pytest.mark.parametrize("engine", ENGINES)
def test_batched_nms_per_class_loop(engine: Engine) -> None:
    """Over 4000 coordinates on cpu, batched_nms loops over the classes: one nms per class, each of its boxes."""
    n = 1001
    b, s = boxes(n)
    idxs = torch.arange(n) % 2  # 501 and 500 boxes
    result = count_flops(lambda b, s, i: ops.batched_nms(b, s, i, 0.5), b, s, idxs, engine=engine)
    assert result.unrecognized == []

    def nms(k: int) -> int:
        return 3 * k + k * 9 + 13 * (k * (k - 1) // 2)  # ⌈log2 501⌉ = ⌈log2 500⌉ = 9

    assert [r.flops for r in vision_ops(result)] == [nms(501), nms(500)]


# -- roi_align, ps_roi_align ----------------------------------------------------------------------

X = torch.randn(1, 3, 16, 16)
ROIS = torch.tensor([[0, 1.0, 1.0, 9.0, 9.0], [0, 2.0, 3.0, 12.0, 14.0]])  # 8 × 8 and 10 wide × 11 high


def test_roi_align_with_a_sampling_ratio() -> None:
    """N = 2 rois · 3 channels · 2 × 2 bins; s = 2² samples per bin: 7s + (s − 1) + 1 = 8s each."""
    op = both_engines(lambda x, r: ops.roi_align(x, r, (2, 2), 0.5, 2), X, ROIS)
    assert op.flops == 24 * 8 * 4


def test_roi_align_adaptive_grid_reads_the_boxes() -> None:
    """sampling_ratio −1: each roi's grid is ⌈h/2⌉·⌈w/2⌉: 4·4 = 16 for the 8 × 8 box, ⌈11/2⌉·⌈10/2⌉ = 30 for
    the other."""
    op = both_engines(lambda x, r: ops.roi_align(x, r, (2, 2), 1.0, -1), X, ROIS)
    assert op.flops == 12 * 8 * 16 + 12 * 8 * 30


def test_roi_align_adaptive_grid_of_small_boxes() -> None:
    """Not aligned, a side under 1 counts as 1 (grid 1); aligned, a 0.5 side has grid ⌈0.25⌉ = 1 and a
    0 side grid 0: no sample, the divide alone (1 per output)."""
    rois = torch.tensor([[0, 4.0, 4.0, 4.5, 4.5], [0, 4.0, 4.0, 4.0, 6.0]])
    legacy = count_op(lambda x, r: ops.roi_align(x, r, (2, 2), 1.0, -1, aligned=False), X, rois)
    assert legacy.flops == 12 * 8 * 1 + 12 * 8 * 1  # the second: 0 wide → 1, 2 high → ⌈1/2⌉ = 1
    aligned = count_op(lambda x, r: ops.roi_align(x, r, (2, 2), 1.0, -1, aligned=True), X, rois)
    assert aligned.flops == 12 * 8 * 1 + 12 * 1


def test_roi_align_spatial_scale_scales_the_grid() -> None:
    """spatial_scale 0.5 halves the sides: 4 × 4 → grid 2·2; 5 wide × 5.5 high → ⌈2.75⌉·⌈2.5⌉ = 9."""
    op = count_op(lambda x, r: ops.roi_align(x, r, (2, 2), 0.5, -1), X, ROIS)
    assert op.flops == 12 * 8 * 4 + 12 * 8 * 9


def test_ps_roi_align() -> None:
    """8 channels = 2 outputs · 2 × 2 bins; N = 2 rois · 2 · 4 = 16; sampling 2: 8·4 each; adaptive (aligned, no
    minimum side): grids 16 and 30 as for roi_align."""
    x = torch.randn(1, 8, 16, 16)
    assert both_engines(lambda x, r: ops.ps_roi_align(x, r, (2, 2), 1.0, 2), x, ROIS).flops == 16 * 32
    assert both_engines(lambda x, r: ops.ps_roi_align(x, r, (2, 2), 1.0, -1), x, ROIS).flops == 8 * 8 * (16 + 30)


def test_roi_align_backward() -> None:
    """numel(grad)·(8s + 1): dy/s, then per sample 4 multiplies and 4 adds."""
    op = backward_op(lambda x, r: ops.roi_align(x, r, (2, 2), 0.5, 2), X.clone(), ROIS)
    assert op.flops == 24 * (8 * 4 + 1)
    adaptive = backward_op(lambda x, r: ops.roi_align(x, r, (2, 2), 1.0, -1), X.clone(), ROIS)
    assert adaptive.flops == 12 * (8 * 16 + 1) + 12 * (8 * 30 + 1)


def test_ps_roi_align_backward() -> None:
    op = backward_op(lambda x, r: ops.ps_roi_align(x, r, (2, 2), 1.0, 2), torch.randn(1, 8, 16, 16), ROIS)
    assert op.flops == 16 * (8 * 4 + 1)


def test_roi_align_on_meta() -> None:
    """A sampling ratio is a count from shapes: the same on meta. An adaptive grid needs the boxes: not on meta."""
    x, rois = X.to("meta"), ROIS.to("meta")
    fixed = count_flops(lambda x, r: ops.roi_align(x, r, (2, 2), 0.5, 2), x, rois)
    assert fixed.unrecognized == [] and fixed.total == 24 * 32
    adaptive = count_flops(lambda x, r: ops.roi_align(x, r, (2, 2), 1.0, -1), x, rois)
    assert [r.target_name for r in adaptive.unrecognized] == ["torch.ops.torchvision.roi_align"]


# -- roi_pool, ps_roi_pool ------------------------------------------------------------------------


def bin_corners(pool: Callable[..., torch.Tensor], rois: torch.Tensor, size: int, bins: int) -> list[int]:
    """The last pixel (row·size + column) each bin of the first roi pools, read off the kernel: on an input that
    grows with the index, a bin's maximum is its last pixel (roi_pool), which tells where the kernel cut the box."""
    x = torch.arange(size * size, dtype=torch.float32).view(1, 1, size, size)
    return [int(v) for v in pool(x, rois[:1], (bins, bins), 1.0)[0, 0].flatten()]


def test_roi_pool() -> None:
    """Per roi and channel, the bins' pixels less one compare each. 8 × 8 box [1, 9]: 9 pixels, bins of 4.5:
    [1, 6), [5, 10), 5 × 5 each: 4·(25 − 1). Box x [2, 12], y [3, 14]: 11 and 12 pixels, bins 6 × 6: 4·35."""
    assert bin_corners(ops.roi_pool, ROIS, 16, 2) == [5 * 16 + 5, 5 * 16 + 9, 9 * 16 + 5, 9 * 16 + 9]
    op = both_engines(lambda x, r: ops.roi_pool(x, r, (2, 2), 1.0), X, ROIS)
    assert op.flops == 3 * 4 * 24 + 3 * 4 * 35


def test_roi_pool_clips_bins_to_the_image() -> None:
    """Box [12, 20] on 16 pixels: bins [12, 17) → [12, 16), 4 pixels, and [16, 21) → empty: one bin of 4 × 4."""
    rois = torch.tensor([[0, 12.0, 12.0, 20.0, 20.0]])
    assert count_op(lambda x, r: ops.roi_pool(x, r, (2, 2), 1.0), X, rois).flops == 3 * (16 - 1)


def test_roi_pool_rounds_halves_away_from_zero() -> None:
    """C's round: x1 = 2.5 → 3 (torch.round gives 2), so 7 pixels [3, 10), bins of 7/3: [3, 6), [5, 8), [7, 10)."""
    rois = torch.tensor([[0, 2.5, 2.5, 9.0, 9.0]])
    assert bin_corners(ops.roi_pool, rois, 16, 3)[:3] == [5 * 16 + 5, 5 * 16 + 7, 5 * 16 + 9]
    assert count_op(lambda x, r: ops.roi_pool(x, r, (3, 3), 1.0), X, rois).flops == 3 * (9 * 9 - 9)


def test_roi_pool_cuts_bins_in_the_boxes_dtype() -> None:
    """10 pixels in 7 bins: in float32, 7·(10/7) is 10.0, so the last bin ends at 10 (in double it would be 11).
    Bins [0, 2), [1, 3), [2, 5), [4, 6), [5, 8), [7, 9), [8, 10): 16 pixels a side, 16·16 − 49 compares."""
    rois = torch.tensor([[0, 0.0, 0.0, 9.0, 9.0]])
    assert bin_corners(ops.roi_pool, rois, 16, 7)[-1] == 9 * 16 + 9
    x = torch.randn(1, 1, 16, 16)
    assert count_op(lambda x, r: ops.roi_pool(x, r, (7, 7), 1.0), x, rois).flops == 16 * 16 - 49


def test_ps_roi_pool() -> None:
    """2 output channels; the box spans end − start pixels: [1, 9) in bins of 4 (64 a channel); x [2, 12) in
    bins of 5, y [3, 14) in bins of 5.5: [3, 9), [8, 14) (10 · 12 = 120). Average: h·w per bin."""
    x = torch.randn(1, 8, 16, 16)
    assert both_engines(lambda x, r: ops.ps_roi_pool(x, r, (2, 2), 1.0), x, ROIS).flops == 2 * 64 + 2 * 120


def test_ps_roi_pool_clips_at_the_last_row() -> None:
    """The forward kernels clip bins at H − 1: box [8, 16) on 16 pixels, bins [8, 12), [12, 16) → [12, 15)."""
    rois = torch.tensor([[0, 8.0, 8.0, 16.0, 16.0]])
    op = count_op(lambda x, r: ops.ps_roi_pool(x, r, (2, 2), 1.0), torch.randn(1, 4, 16, 16), rois)
    assert op.flops == (4 + 3) * (4 + 3)


def test_roi_pool_backward() -> None:
    """One add per non-empty bin of each roi and channel (its gradient to the maximum)."""
    assert backward_op(lambda x, r: ops.roi_pool(x, r, (2, 2), 1.0), X.clone(), ROIS).flops == 3 * 4 * 2
    clipped = torch.tensor([[0, 12.0, 12.0, 20.0, 20.0]])
    assert backward_op(lambda x, r: ops.roi_pool(x, r, (2, 2), 1.0), X.clone(), clipped).flops == 3 * 1


def test_ps_roi_pool_backward() -> None:
    """Per non-empty bin a divide and h·w adds; bins clipped at H (the forward's H − 1 is not the backward's)."""
    op = backward_op(lambda x, r: ops.ps_roi_pool(x, r, (2, 2), 1.0), torch.randn(1, 8, 16, 16), ROIS)
    assert op.flops == 2 * (64 + 4) + 2 * (120 + 4)
    rois = torch.tensor([[0, 8.0, 8.0, 16.0, 16.0]])
    edge = backward_op(lambda x, r: ops.ps_roi_pool(x, r, (2, 2), 1.0), torch.randn(1, 4, 16, 16), rois)
    assert edge.flops == 8 * 8 + 4


@pytest.mark.parametrize("pool", [ops.roi_pool, ops.ps_roi_pool])
def test_roi_pool_needs_the_boxes(pool: Callable[..., torch.Tensor]) -> None:
    x = torch.randn(1, 8, 16, 16, device="meta")
    result = count_flops(lambda x, r: pool(x, r, (2, 2), 1.0), x, ROIS.to("meta"))
    assert [r.flops for r in vision_ops(result)] == [NOT_RECOGNIZED]


# -- deform_conv2d --------------------------------------------------------------------------------


def deform_inputs(
    groups: int = 1, offset_groups: int = 1, mask: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """x [1, 6, 8, 8], weight [4, 6/g, 3, 3] (out 6 × 6, P = 36), offsets and mask of `offset_groups`."""
    x = torch.randn(1, 6, 8, 8)
    weight = torch.randn(4, 6 // groups, 3, 3)
    offset = torch.randn(1, offset_groups * 18, 6, 6)
    m = torch.rand(1, offset_groups * 9, 6, 6) if mask else None
    return x, offset, weight, m


@pytest.mark.parametrize(("groups", "offset_groups"), [(1, 1), (2, 1), (2, 3)])
@pytest.mark.parametrize("mask", [True, False])
def test_deform_conv2d(groups: int, offset_groups: int, mask: bool) -> None:
    """Columns M = B·C_in·k·P = 6·9·36, each a bilinear sample (7), times the mask (1); then the convolution:
    N = 4·36 outputs of 2·(6/g)·9 − 1, + N for the bias (always added); MACs N·(6/g)·9."""
    x, offset, weight, m = deform_inputs(groups, offset_groups, mask)
    op = both_engines(lambda x, o, w, m: ops.deform_conv2d(x, o, w, mask=m), x, offset, weight, m)
    columns, n, depth = 6 * 9 * 36, 4 * 36, 6 // groups * 9
    assert op.flops == columns * (7 + mask) + n * (2 * depth - 1) + n
    assert op.macs == n * depth


def test_deform_conv2d_macs_are_conv2d_macs() -> None:
    """With zero offsets deform_conv2d is conv2d: FlopCounterMode counts 2 FLOPs per MAC of it."""
    x, _, weight, _ = deform_inputs(groups=2)
    offset = torch.zeros(1, 18, 6, 6)
    op = count_op(lambda x, o, w: ops.deform_conv2d(x, o, w), x, offset, weight)
    assert 2 * op.macs == flop_counter_mode(lambda: torch.nn.functional.conv2d(x, weight, groups=2))


def test_deform_conv2d_on_meta() -> None:
    x, offset, weight, m = (t.to("meta") for t in deform_inputs() if t is not None)
    result = count_flops(lambda x, o, w, m: ops.deform_conv2d(x, o, w, mask=m), x, offset, weight, m)
    assert result.unrecognized == [] and result.total == 6 * 9 * 36 * 8 + 4 * 36 * 2 * 54


@pytest.mark.parametrize("mask", [True, False])
def test_deform_conv2d_backward(mask: bool) -> None:
    """x [1, 2, 4, 4], weight [2, 2, 3, 3]: P = 4, M = 2·9·4 = 72 columns, T = 9·4 = 36 mask values.
    dcolumns = Wᵀ·dy: 72 dots of 2; dx: per column (·mask) 4 multiplies, 4 adds; d_offset: 2T values, each a
    sum over 2 channels of (5 + column + mask); d_mask: T sums over 2 channels of (7 + 1); the columns sampled
    again; dW: 36 dots of 4; db: 8 − 2."""
    x = torch.randn(1, 2, 4, 4)
    weight, offset = torch.randn(2, 2, 3, 3), torch.randn(1, 18, 2, 2)
    m = torch.rand(1, 9, 2, 2) if mask else None
    op = backward_op(lambda x, o, w, m: ops.deform_conv2d(x, o, w, mask=m), x, offset, weight, m)
    d_columns = 72 * (2 * 2 - 1)
    d_input = 72 * (8 + mask)
    d_offset = 2 * 36 * (2 * (5 + 1 + mask) + 1)
    d_mask = 36 * (2 * 8 + 1) if mask else 0
    recompute = 72 * (7 + mask)
    d_weight = 36 * (2 * 4 - 1)
    assert op.flops == d_columns + d_input + d_offset + d_mask + recompute + d_weight + (8 - 2)
    assert op.macs == 72 * 2 + 36 * 4


# -- torchvision's Python functions: counted by the torch ops they run ------------------------------


A, _ = boxes(5, seed=1)
B, _ = boxes(3, seed=2)
MASKS = torch.rand(2, 8, 8, generator=torch.Generator().manual_seed(0)) > 0.5


@pytest.mark.parametrize(
    ("name", "fn", "expected"),
    [
        ("box_area", lambda a, b: ops.box_area(a), 3 * 5),  # (x2 − x1)·(y2 − y1)
        ("box_iou", ops.box_iou, 3 * (5 + 3) + 12 * 15),  # areas; per pair max 2, min 2, sub 2, clamp 2, ·, +, −, ÷
        ("box_convert", lambda a, b: ops.box_convert(a, "xyxy", "cxcywh"), 6 * 5),  # (x1 + x2)/2 ×2, x2 − x1 ×2
        ("generalized_box_iou", ops.generalized_box_iou, None),
        ("distance_box_iou", ops.distance_box_iou, None),
        ("complete_box_iou", ops.complete_box_iou, None),
        ("clip_boxes_to_image", lambda a, b: ops.clip_boxes_to_image(a, (16, 16)), None),
        ("generalized_box_iou_loss", lambda a, b: ops.generalized_box_iou_loss(a[:3], b), None),
        ("sigmoid_focal_loss", lambda a, b: ops.sigmoid_focal_loss(a, torch.rand(5, 4), reduction="mean"), None),
        ("masks_to_boxes", lambda a, b: ops.masks_to_boxes(MASKS), None),
    ],
)  # fmt: skip
def test_python_functions_are_counted_by_their_torch_ops(
    name: str, fn: Callable[..., Any], expected: int | None
) -> None:
    """Python functions: the engines see their torch ops (every one recognized, the same on both engines)."""
    eager, aten = (count_flops(fn, A, B, engine=engine) for engine in ENGINES)
    assert eager.unrecognized == [] and aten.unrecognized == []
    assert vision_ops(eager) == []
    assert eager.total == aten.total
    if expected is not None:
        assert eager.total == expected


def test_remove_small_boxes_agrees() -> None:
    eager, aten = (count_flops(lambda a: ops.remove_small_boxes(a, 3.0), A, engine=e) for e in ENGINES)
    assert eager.unrecognized == [] and aten.unrecognized == []
    assert eager.total == aten.total
