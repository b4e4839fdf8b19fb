"""Every ``nn.Module`` class that ``torch.nn`` exports has a rule in the ``nn`` pack, or a reason not to.

The reasons are the short list below (docs/conventions.md, "Modules without a rule"). Every class
with a rule is also counted once here, on cpu and on meta, from an example in ``EXAMPLES``: the
counts agree, nothing is unrecognized, and counting leaves the training flags and buffers as
they were. The formulas themselves are checked in ``test_rules_nn*.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from torch_flops_core import count_flops, get_plugins

pytestmark = [  # torch's own warnings about the examples
    pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning"),
    pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN:UserWarning"),
    pytest.mark.filterwarnings("ignore:.NLLLoss2d. has been deprecated:FutureWarning"),
    pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op:UserWarning"),
]

WITHOUT_RULE: dict[type[nn.Module], str] = {
    nn.Module: "the base class: a model is traced into",
    nn.Container: "deprecated container base: traced into",
    nn.Sequential: "container: calls its children in order, traced into",
    nn.ModuleList: "container without forward: its modules are called by the parent, traced into",
    nn.ModuleDict: "container without forward: its modules are called by the parent, traced into",
    nn.ParameterList: "holds parameters, no forward",
    nn.ParameterDict: "holds parameters, no forward",
    nn.DataParallel: "wrapper: on one device it calls its module, traced into",
    nn.RNNBase: "abstract base without forward; RNN, LSTM and GRU have rules",
    nn.RNNCellBase: "abstract base without forward; RNNCell, LSTMCell and GRUCell have rules",
}


def exported_module_classes() -> list[type[nn.Module]]:
    found = {c for c in (getattr(nn, name) for name in dir(nn)) if isinstance(c, type) and issubclass(c, nn.Module)}
    return sorted(found, key=lambda c: c.__name__)


def test_every_exported_module_class_has_a_rule_or_a_documented_reason() -> None:
    table = get_plugins().table
    missing = [c.__name__ for c in exported_module_classes() if table.module_rule(c) is None and c not in WITHOUT_RULE]
    assert missing == [], f"torch.nn classes without a rule or a reason in WITHOUT_RULE: {missing}"


def test_the_list_of_classes_without_a_rule_is_minimal() -> None:
    table = get_plugins().table
    ruled = [c.__name__ for c in WITHOUT_RULE if table.module_rule(c) is not None]
    assert ruled == [], f"these classes now have a rule; remove them from WITHOUT_RULE: {ruled}"
    assert all(c in exported_module_classes() for c in WITHOUT_RULE)


def test_rules_of_the_nn_pack_belong_to_it() -> None:
    table = get_plugins().table
    for cls in exported_module_classes():
        entry = table.module_rule(cls)
        if entry is not None:
            assert entry.plugin == "nn", cls
            assert entry.name.startswith("torch_flops_rules_nn."), cls
            assert entry.rule.__doc__, f"{entry.name} has no docstring stating its formula"


def t(*shape: int) -> torch.Tensor:
    return torch.randn(shape)


def idx(high: int, *shape: int) -> torch.Tensor:
    return torch.randint(0, high, shape)


Example = tuple[Callable[[], nn.Module], Callable[[], tuple[Any, ...]]]

# One example per class with a rule: (module factory, inputs factory). Inputs are made on cpu and
# moved to meta for the meta count.
EXAMPLES: dict[type[nn.Module], Example] = {
    nn.Linear: (lambda: nn.Linear(4, 3), lambda: (t(2, 4),)),
    nn.LazyLinear: (lambda: nn.LazyLinear(3), lambda: (t(2, 4),)),
    nn.Bilinear: (lambda: nn.Bilinear(3, 4, 5), lambda: (t(2, 3), t(2, 4))),
    nn.Conv1d: (lambda: nn.Conv1d(2, 3, 3), lambda: (t(1, 2, 8),)),
    nn.Conv2d: (lambda: nn.Conv2d(2, 3, 3), lambda: (t(1, 2, 6, 6),)),
    nn.Conv3d: (lambda: nn.Conv3d(2, 3, 3), lambda: (t(1, 2, 4, 4, 4),)),
    nn.LazyConv1d: (lambda: nn.LazyConv1d(3, 3), lambda: (t(1, 2, 8),)),
    nn.LazyConv2d: (lambda: nn.LazyConv2d(3, 3), lambda: (t(1, 2, 6, 6),)),
    nn.LazyConv3d: (lambda: nn.LazyConv3d(3, 3), lambda: (t(1, 2, 4, 4, 4),)),
    nn.ConvTranspose1d: (lambda: nn.ConvTranspose1d(2, 3, 3, stride=2), lambda: (t(1, 2, 5),)),
    nn.ConvTranspose2d: (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2), lambda: (t(1, 2, 4, 4),)),
    nn.ConvTranspose3d: (lambda: nn.ConvTranspose3d(2, 3, 2), lambda: (t(1, 2, 3, 3, 3),)),
    nn.LazyConvTranspose1d: (lambda: nn.LazyConvTranspose1d(3, 3), lambda: (t(1, 2, 5),)),
    nn.LazyConvTranspose2d: (lambda: nn.LazyConvTranspose2d(3, 3), lambda: (t(1, 2, 4, 4),)),
    nn.LazyConvTranspose3d: (lambda: nn.LazyConvTranspose3d(3, 2), lambda: (t(1, 2, 3, 3, 3),)),
    nn.Fold: (lambda: nn.Fold((4, 5), 2), lambda: (t(2, 3 * 4, 12),)),
    nn.Unfold: (lambda: nn.Unfold(2), lambda: (t(2, 3, 4, 5),)),
    nn.AvgPool1d: (lambda: nn.AvgPool1d(2), lambda: (t(1, 2, 8),)),
    nn.AvgPool2d: (lambda: nn.AvgPool2d(2), lambda: (t(1, 2, 6, 6),)),
    nn.AvgPool3d: (lambda: nn.AvgPool3d(2), lambda: (t(1, 2, 4, 4, 4),)),
    nn.MaxPool1d: (lambda: nn.MaxPool1d(2), lambda: (t(1, 2, 8),)),
    nn.MaxPool2d: (lambda: nn.MaxPool2d(2), lambda: (t(1, 2, 6, 6),)),
    nn.MaxPool3d: (lambda: nn.MaxPool3d(2), lambda: (t(1, 2, 4, 4, 4),)),
    nn.AdaptiveAvgPool1d: (lambda: nn.AdaptiveAvgPool1d(3), lambda: (t(1, 2, 8),)),
    nn.AdaptiveAvgPool2d: (lambda: nn.AdaptiveAvgPool2d(3), lambda: (t(1, 2, 6, 6),)),
    nn.AdaptiveAvgPool3d: (lambda: nn.AdaptiveAvgPool3d(2), lambda: (t(1, 2, 4, 4, 4),)),
    nn.AdaptiveMaxPool1d: (lambda: nn.AdaptiveMaxPool1d(3), lambda: (t(1, 2, 8),)),
    nn.AdaptiveMaxPool2d: (lambda: nn.AdaptiveMaxPool2d(3), lambda: (t(1, 2, 6, 6),)),
    nn.AdaptiveMaxPool3d: (lambda: nn.AdaptiveMaxPool3d(2), lambda: (t(1, 2, 4, 4, 4),)),
    nn.LPPool1d: (lambda: nn.LPPool1d(2, 2), lambda: (t(1, 2, 8),)),
    nn.LPPool2d: (lambda: nn.LPPool2d(2, 2), lambda: (t(1, 2, 6, 6),)),
    nn.LPPool3d: (lambda: nn.LPPool3d(2, 2), lambda: (t(1, 2, 4, 4, 4),)),
    nn.FractionalMaxPool2d: (lambda: nn.FractionalMaxPool2d(2, output_size=3), lambda: (t(1, 2, 6, 6),)),
    nn.FractionalMaxPool3d: (lambda: nn.FractionalMaxPool3d(2, output_size=2), lambda: (t(1, 2, 4, 4, 4),)),
    nn.MaxUnpool1d: (lambda: nn.MaxUnpool1d(2), lambda: (t(1, 2, 4), idx(2, 1, 2, 4) + torch.arange(0, 8, 2))),
    nn.MaxUnpool2d: (lambda: nn.MaxUnpool2d(2), lambda: (t(1, 1, 2, 2), torch.tensor([[[[0, 3], [8, 15]]]]))),
    nn.MaxUnpool3d: (
        lambda: nn.MaxUnpool3d(2),
        lambda: (t(1, 1, 1, 1, 1), torch.zeros(1, 1, 1, 1, 1, dtype=torch.long)),
    ),
    nn.BatchNorm1d: (lambda: nn.BatchNorm1d(3), lambda: (t(4, 3),)),
    nn.BatchNorm2d: (lambda: nn.BatchNorm2d(3), lambda: (t(2, 3, 4, 4),)),
    nn.BatchNorm3d: (lambda: nn.BatchNorm3d(3), lambda: (t(2, 3, 2, 2, 2),)),
    nn.SyncBatchNorm: (lambda: nn.SyncBatchNorm(3), lambda: (t(2, 3, 4, 4),)),
    nn.LazyBatchNorm1d: (lambda: nn.LazyBatchNorm1d(), lambda: (t(4, 3),)),
    nn.LazyBatchNorm2d: (lambda: nn.LazyBatchNorm2d(), lambda: (t(2, 3, 4, 4),)),
    nn.LazyBatchNorm3d: (lambda: nn.LazyBatchNorm3d(), lambda: (t(2, 3, 2, 2, 2),)),
    nn.InstanceNorm1d: (lambda: nn.InstanceNorm1d(3, track_running_stats=True), lambda: (t(2, 3, 5),)),
    nn.InstanceNorm2d: (lambda: nn.InstanceNorm2d(3, affine=True), lambda: (t(2, 3, 4, 4),)),
    nn.InstanceNorm3d: (lambda: nn.InstanceNorm3d(3), lambda: (t(2, 3, 2, 2, 2),)),
    nn.LazyInstanceNorm1d: (lambda: nn.LazyInstanceNorm1d(), lambda: (t(2, 3, 5),)),
    nn.LazyInstanceNorm2d: (lambda: nn.LazyInstanceNorm2d(affine=True), lambda: (t(2, 3, 4, 4),)),
    nn.LazyInstanceNorm3d: (lambda: nn.LazyInstanceNorm3d(track_running_stats=True), lambda: (t(2, 3, 2, 2, 2),)),
    nn.LayerNorm: (lambda: nn.LayerNorm(4), lambda: (t(2, 3, 4),)),
    nn.GroupNorm: (lambda: nn.GroupNorm(2, 4), lambda: (t(2, 4, 3, 3),)),
    nn.RMSNorm: (lambda: nn.RMSNorm(4), lambda: (t(2, 3, 4),)),
    nn.LocalResponseNorm: (lambda: nn.LocalResponseNorm(3), lambda: (t(2, 4, 3, 3),)),
    nn.CrossMapLRN2d: (lambda: nn.CrossMapLRN2d(3), lambda: (t(2, 4, 3, 3),)),
    nn.Softmax: (lambda: nn.Softmax(-1), lambda: (t(2, 5),)),
    nn.Softmin: (lambda: nn.Softmin(1), lambda: (t(2, 5),)),
    nn.Softmax2d: (lambda: nn.Softmax2d(), lambda: (t(2, 3, 4, 4),)),
    nn.LogSoftmax: (lambda: nn.LogSoftmax(-1), lambda: (t(2, 5),)),
    nn.GLU: (lambda: nn.GLU(), lambda: (t(2, 6),)),
    nn.MultiheadAttention: (lambda: nn.MultiheadAttention(8, 2), lambda: (t(5, 2, 8), t(6, 2, 8), t(6, 2, 8))),
    nn.TransformerEncoderLayer: (lambda: nn.TransformerEncoderLayer(8, 2, 16), lambda: (t(5, 2, 8),)),
    nn.TransformerDecoderLayer: (lambda: nn.TransformerDecoderLayer(8, 2, 16), lambda: (t(5, 2, 8), t(6, 2, 8))),
    nn.TransformerEncoder: (
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, enable_nested_tensor=False),
        lambda: (t(5, 2, 8),),
    ),
    nn.TransformerDecoder: (
        lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2),
        lambda: (t(5, 2, 8), t(6, 2, 8)),
    ),
    nn.Transformer: (lambda: nn.Transformer(8, 2, 1, 1, 16), lambda: (t(6, 2, 8), t(5, 2, 8))),
    nn.RNN: (lambda: nn.RNN(3, 4), lambda: (t(5, 2, 3),)),
    nn.LSTM: (lambda: nn.LSTM(3, 4, proj_size=2), lambda: (t(5, 2, 3),)),
    nn.GRU: (lambda: nn.GRU(3, 4, bidirectional=True), lambda: (t(5, 2, 3),)),
    nn.RNNCell: (lambda: nn.RNNCell(3, 4), lambda: (t(2, 3),)),
    nn.LSTMCell: (lambda: nn.LSTMCell(3, 4), lambda: (t(2, 3),)),
    nn.GRUCell: (lambda: nn.GRUCell(3, 4), lambda: (t(2, 3),)),
    nn.Embedding: (lambda: nn.Embedding(10, 4), lambda: (idx(10, 2, 3),)),
    nn.EmbeddingBag: (lambda: nn.EmbeddingBag(10, 4), lambda: (idx(10, 2, 3),)),
    nn.Upsample: (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), lambda: (t(1, 2, 3, 3),)),
    nn.UpsamplingNearest2d: (lambda: nn.UpsamplingNearest2d(scale_factor=2), lambda: (t(1, 2, 3, 3),)),
    nn.UpsamplingBilinear2d: (lambda: nn.UpsamplingBilinear2d(scale_factor=2), lambda: (t(1, 2, 3, 3),)),
    nn.PixelShuffle: (lambda: nn.PixelShuffle(2), lambda: (t(1, 8, 3, 3),)),
    nn.PixelUnshuffle: (lambda: nn.PixelUnshuffle(2), lambda: (t(1, 2, 4, 4),)),
    nn.ChannelShuffle: (lambda: nn.ChannelShuffle(2), lambda: (t(1, 4, 3, 3),)),
    nn.Identity: (lambda: nn.Identity(), lambda: (t(2, 3),)),
    nn.Flatten: (lambda: nn.Flatten(), lambda: (t(2, 3, 4),)),
    nn.Unflatten: (lambda: nn.Unflatten(1, (2, 3)), lambda: (t(2, 6),)),
    nn.Dropout: (lambda: nn.Dropout(), lambda: (t(2, 3),)),
    nn.Dropout1d: (lambda: nn.Dropout1d(), lambda: (t(2, 3, 4),)),
    nn.Dropout2d: (lambda: nn.Dropout2d(), lambda: (t(2, 3, 4, 4),)),
    nn.Dropout3d: (lambda: nn.Dropout3d(), lambda: (t(1, 2, 3, 4, 4),)),
    nn.AlphaDropout: (lambda: nn.AlphaDropout(), lambda: (t(2, 3),)),
    nn.FeatureAlphaDropout: (lambda: nn.FeatureAlphaDropout(), lambda: (t(2, 3, 4, 4),)),
    nn.PairwiseDistance: (lambda: nn.PairwiseDistance(), lambda: (t(3, 4), t(3, 4))),
    nn.CosineSimilarity: (lambda: nn.CosineSimilarity(), lambda: (t(3, 4), t(3, 4))),
    nn.L1Loss: (lambda: nn.L1Loss(), lambda: (t(3, 4), t(3, 4))),
    nn.MSELoss: (lambda: nn.MSELoss(), lambda: (t(3, 4), t(3, 4))),
    nn.HuberLoss: (lambda: nn.HuberLoss(), lambda: (t(3, 4), t(3, 4))),
    nn.SmoothL1Loss: (lambda: nn.SmoothL1Loss(), lambda: (t(3, 4), t(3, 4))),
    nn.SoftMarginLoss: (lambda: nn.SoftMarginLoss(), lambda: (t(3, 4), t(3, 4).sign())),
    nn.HingeEmbeddingLoss: (lambda: nn.HingeEmbeddingLoss(), lambda: (t(3, 4), t(3, 4).sign())),
    nn.MarginRankingLoss: (lambda: nn.MarginRankingLoss(), lambda: (t(5), t(5), t(5).sign())),
    nn.BCELoss: (lambda: nn.BCELoss(), lambda: (t(3, 4).sigmoid(), t(3, 4).sigmoid())),
    nn.BCEWithLogitsLoss: (lambda: nn.BCEWithLogitsLoss(), lambda: (t(3, 4), t(3, 4).sigmoid())),
    nn.KLDivLoss: (lambda: nn.KLDivLoss(reduction="batchmean"), lambda: (t(3, 4).log_softmax(1), t(3, 4).softmax(1))),
    nn.PoissonNLLLoss: (lambda: nn.PoissonNLLLoss(), lambda: (t(3, 4), t(3, 4).abs())),
    nn.GaussianNLLLoss: (lambda: nn.GaussianNLLLoss(), lambda: (t(3, 4), t(3, 4), t(3, 4).abs())),
    nn.NLLLoss: (lambda: nn.NLLLoss(), lambda: (t(3, 5).log_softmax(1), idx(5, 3))),
    nn.NLLLoss2d: (lambda: nn.NLLLoss2d(), lambda: (t(2, 5, 3, 3).log_softmax(1), idx(5, 2, 3, 3))),
    nn.CrossEntropyLoss: (lambda: nn.CrossEntropyLoss(), lambda: (t(3, 5), idx(5, 3))),
    nn.MultiLabelSoftMarginLoss: (lambda: nn.MultiLabelSoftMarginLoss(), lambda: (t(3, 5), idx(2, 3, 5).float())),
    nn.MultiMarginLoss: (lambda: nn.MultiMarginLoss(), lambda: (t(3, 5), idx(5, 3))),
    nn.MultiLabelMarginLoss: (
        lambda: nn.MultiLabelMarginLoss(),
        lambda: (t(2, 4), torch.tensor([[3, 0, -1, 1], [1, -1, 0, 0]])),
    ),
    nn.CosineEmbeddingLoss: (lambda: nn.CosineEmbeddingLoss(), lambda: (t(3, 4), t(3, 4), t(3).sign())),
    nn.TripletMarginLoss: (lambda: nn.TripletMarginLoss(), lambda: (t(3, 4), t(3, 4), t(3, 4))),
    nn.TripletMarginWithDistanceLoss: (lambda: nn.TripletMarginWithDistanceLoss(), lambda: (t(3, 4), t(3, 4), t(3, 4))),
    nn.CTCLoss: (lambda: nn.CTCLoss(), lambda: (t(10, 2, 5).log_softmax(2), idx(4, 2, 3) + 1, (10, 10), (3, 3))),
    nn.AdaptiveLogSoftmaxWithLoss: (
        lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5, 10]),
        lambda: (t(4, 8), idx(20, 4)),
    ),
    nn.LinearCrossEntropyLoss: (lambda: nn.LinearCrossEntropyLoss(5, 7), lambda: (t(3, 5), idx(7, 3))),
}
EXAMPLES.update({cls: (cls, lambda: (t(2, 3, 4),)) for cls in [
    nn.ReLU, nn.ReLU6, nn.Hardtanh, nn.LeakyReLU, nn.RReLU, nn.GELU, nn.ELU, nn.CELU, nn.SELU, nn.Sigmoid,
    nn.Tanh, nn.SiLU, nn.Mish, nn.Softplus, nn.Softsign, nn.Softshrink, nn.Hardshrink, nn.Tanhshrink,
    nn.LogSigmoid, nn.Hardsigmoid, nn.Hardswish,
]})  # fmt: skip
EXAMPLES[nn.PReLU] = (lambda: nn.PReLU(3), lambda: (t(2, 3, 4),))
EXAMPLES[nn.Threshold] = (lambda: nn.Threshold(0.1, 0.0), lambda: (t(2, 3, 4),))
for _name in ("ConstantPad", "ZeroPad", "ReflectionPad", "ReplicationPad", "CircularPad"):
    for _dims in (1, 2, 3):
        _pad = getattr(nn, f"{_name}{_dims}d")
        _make = (lambda c=_pad: c(1, 0.5)) if _name == "ConstantPad" else (lambda c=_pad: c(1))
        EXAMPLES[_pad] = (_make, lambda d=_dims: (t(1, 2, *[4] * d),))


NOT_ON_META: dict[type[nn.Module], str] = {
    nn.AdaptiveLogSoftmaxWithLoss: "its forward calls nonzero(), which has no meta kernel",
    nn.GaussianNLLLoss: "its forward checks torch.any(var < 0), a value",
}


def example_params() -> list[Any]:
    return [pytest.param(cls, id=cls.__name__) for cls in EXAMPLES]


def test_every_class_with_a_rule_has_an_example() -> None:
    table = get_plugins().table
    without = [c.__name__ for c in exported_module_classes() if table.module_rule(c) is not None and c not in EXAMPLES]
    assert without == []


def _meta(value: Any) -> Any:
    return value.to("meta") if isinstance(value, torch.Tensor) else value


@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize("cls", example_params())
def test_counts_the_same_on_cpu_and_meta_and_leaves_the_module_unchanged(cls: type[nn.Module], training: bool) -> None:
    make, inputs = EXAMPLES[cls]
    torch.manual_seed(0)
    module, args = make().train(training), inputs()
    state = {k: v.clone() for k, v in module.state_dict().items() if not nn.parameter.is_lazy(v)}
    flags = [m.training for m in module.modules()]

    cpu = count_flops(module, *args)

    assert cpu.unrecognized == []
    (op,) = [r for r in cpu.ops if r.kind == "call_module"]
    assert op.plugin == "nn"
    assert [m.training for m in module.modules()] == flags
    for key, before in state.items():
        assert torch.equal(module.state_dict()[key], before), key
    if cls in NOT_ON_META:
        return
    torch.manual_seed(0)
    with torch.device("meta"):
        meta_module = make().train(training)
    meta = count_flops(meta_module, *(_meta(a) for a in args))
    assert meta.unrecognized == []
    assert (meta.total, meta.total_macs) == (cpu.total, cpu.total_macs)
