"""Norms of the ``nn`` pack in training and eval mode, and the norms the seed did not know (docs/conventions.md).

One rule: every norm costs the seed's (2 + [weight] + [bias])·numel(in), in training and in eval. The
statistics (means, variances, and the running-buffer update a BatchNorm does in training) are never
counted, for any norm: the convention counts the normalisation, so training and eval agree.
"""

from __future__ import annotations

import math

import pytest
import torch
from helpers import count_module
from torch import nn

from torch_flops_core import count_flops, get_plugins


def seed_norm(module: nn.Module, n: int) -> int:
    weight = getattr(module, "weight", None) is not None
    bias = getattr(module, "bias", None) is not None
    return (2 + weight + bias) * n


@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize(
    ("norm", "shape"),
    [
        pytest.param(nn.BatchNorm1d(4), (3, 4), id="BatchNorm1d-2d"),
        pytest.param(nn.BatchNorm1d(4), (3, 4, 5), id="BatchNorm1d-3d"),
        pytest.param(nn.BatchNorm2d(3), (2, 3, 5, 5), id="BatchNorm2d"),
        pytest.param(nn.BatchNorm2d(3, affine=False), (2, 3, 5, 5), id="BatchNorm2d-no-affine"),
        pytest.param(nn.BatchNorm2d(3, momentum=None), (2, 3, 4, 4), id="BatchNorm2d-cumulative"),
        pytest.param(nn.BatchNorm3d(2), (2, 2, 3, 3, 3), id="BatchNorm3d"),
        pytest.param(nn.SyncBatchNorm(3), (2, 3, 4, 4), id="SyncBatchNorm"),
        pytest.param(nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 4), id="BatchNorm2d-no-running-stats"),
        pytest.param(nn.InstanceNorm1d(3), (2, 3, 6), id="InstanceNorm1d"),
        pytest.param(nn.InstanceNorm1d(3, track_running_stats=True), (3, 6), id="InstanceNorm1d-running-unbatched"),
        pytest.param(nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 4), id="InstanceNorm2d-affine"),
        pytest.param(nn.InstanceNorm3d(2, track_running_stats=True), (3, 2, 2, 3, 3), id="InstanceNorm3d-running"),
        pytest.param(nn.LayerNorm(6), (2, 3, 6), id="LayerNorm"),
        pytest.param(nn.LayerNorm((3, 6), bias=False), (2, 3, 6), id="LayerNorm-no-bias"),
        pytest.param(nn.GroupNorm(2, 4), (2, 4, 3, 3), id="GroupNorm"),
        pytest.param(nn.GroupNorm(2, 4, affine=False), (2, 4, 3, 3), id="GroupNorm-no-affine"),
    ],
)
def test_every_norm_counts_the_seed_formula_in_both_modes(
    norm: nn.Module, shape: tuple[int, ...], training: bool
) -> None:
    op = count_module(norm.train(training), torch.randn(shape))
    expected = seed_norm(norm, math.prod(shape))
    if isinstance(norm, nn.modules.instancenorm._InstanceNorm) and norm.track_running_stats and training:
        # torch averages the B per-instance copies of each running statistic it updated: a mean of B·C values,
        # an op of its own after the norm kernel, for the mean and the variance
        unbatched = len(shape) == norm._get_no_batch_dim()
        batch = 1 if unbatched else shape[0]
        expected += 2 * batch * norm.num_features
    assert op.flops == expected
    assert count_flops(norm, torch.randn(shape), engine="aten").total == op.flops
    assert op.rule == "torch_flops_rules_nn.norm.norm"


def test_batch_norm_2d_worked_example() -> None:
    # input 2×3×4×4: n = 96; subtract, divide, weight, bias: 4·96, whatever the mode
    for training in (True, False):
        assert count_module(nn.BatchNorm2d(3).train(training), torch.randn(2, 3, 4, 4)).flops == 384


def test_counting_in_training_mode_leaves_running_statistics_unchanged() -> None:
    model = nn.Sequential(
        nn.BatchNorm2d(3, momentum=None), nn.InstanceNorm2d(3, track_running_stats=True), nn.SyncBatchNorm(3)
    ).train()
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if "running" in name:
                buffer.uniform_(0.5, 2)
    before = {name: b.clone() for name, b in model.named_buffers()}
    result = count_flops(model, torch.randn(2, 3, 4, 4))
    assert result.unrecognized == []
    assert all(m.training for m in model.modules())
    for name, buffer in model.named_buffers():
        assert torch.equal(buffer, before[name]), name


@pytest.mark.parametrize(
    ("norm", "shape"),
    [
        pytest.param(nn.RMSNorm(6), (2, 3, 6), id="RMSNorm"),
        pytest.param(nn.RMSNorm((3, 6)), (2, 3, 6), id="RMSNorm-2d-shape"),
        pytest.param(nn.RMSNorm(6, elementwise_affine=False), (4, 6), id="RMSNorm-no-weight"),
    ],
)
@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
def test_rms_norm(norm: nn.RMSNorm, shape: tuple[int, ...], training: bool) -> None:
    op = count_module(norm.train(training), torch.randn(shape))
    # torch's composite, every op of it: x² (n), the mean of each row (n), + eps and rsqrt per row, x·rsqrt (n),
    # ·weight (n)
    n = math.prod(shape)
    rows = n // math.prod(norm.normalized_shape)
    assert op.flops == n + n + 2 * rows + n + (n if norm.weight is not None else 0)
    assert count_flops(norm, torch.randn(shape), engine="aten").total == op.flops
    assert op.rule == "torch_flops_rules_nn.norm.rms_norm"


@pytest.mark.parametrize(
    ("norm", "shape"),
    [
        pytest.param(nn.LocalResponseNorm(3), (2, 5, 4, 4), id="LocalResponseNorm-2d"),
        pytest.param(nn.LocalResponseNorm(5, alpha=1e-3, beta=0.5, k=2.0), (2, 6, 7), id="LocalResponseNorm-1d"),
        pytest.param(nn.LocalResponseNorm(2), (1, 4, 2, 3, 3), id="LocalResponseNorm-3d"),
        pytest.param(nn.CrossMapLRN2d(3), (2, 5, 4, 4), id="CrossMapLRN2d"),
    ],
)
def test_local_response_norm(norm: nn.Module, shape: tuple[int, ...]) -> None:
    op = count_module(norm, torch.randn(shape))
    # square (1), the window average over `size` channels (size − 1 adds, 1 divide), ·alpha, +k, ^beta, x/(…)
    assert op.flops == (1 + norm.size + 4) * math.prod(shape)


LAZY_NORMS = [
    (nn.LazyBatchNorm1d, nn.BatchNorm1d, (4, 3)),
    (nn.LazyBatchNorm2d, nn.BatchNorm2d, (2, 3, 4, 4)),
    (nn.LazyBatchNorm3d, nn.BatchNorm3d, (2, 3, 2, 2, 2)),
    (nn.LazyInstanceNorm1d, nn.InstanceNorm1d, (2, 3, 5)),
    (nn.LazyInstanceNorm2d, nn.InstanceNorm2d, (2, 3, 4, 4)),
    (nn.LazyInstanceNorm3d, nn.InstanceNorm3d, (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize(("lazy", "initialised", "shape"), LAZY_NORMS, ids=lambda v: getattr(v, "__name__", None))
def test_lazy_norms_have_the_norm_rule_and_count_as_their_class_once_initialised(
    lazy: type[nn.Module], initialised: type[nn.Module], shape: tuple[int, ...]
) -> None:
    table = get_plugins().table
    assert table.module_rule(lazy).name == "torch_flops_rules_nn.norm.norm"  # type: ignore[union-attr]
    module = lazy(affine=True).eval()
    x = torch.randn(shape)
    module(x)  # the first forward initialises it (core cannot count an uninitialised one yet: test_nn_coverage)
    assert type(module) is initialised
    assert count_module(module, x).flops == 4 * math.prod(shape)
