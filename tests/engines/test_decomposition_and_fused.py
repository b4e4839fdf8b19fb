"""Ops no rule names, counted anyway: by torch's decomposition of them, by the fused kernels' layer formulas,
and the ``_foreach_*`` lists optimizers run.

Each expected figure is either written out by hand from the convention, or a second count that must agree:
the same model counted by the default engine (module and function rules) and by the aten engine, an
exported program versus the module it came from, an optimizer's foreach implementation versus its loop.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torch_flops_core import count_flops


def _conv_bn_linear() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.Linear(8 * 6 * 6, 4)).eval()


@pytest.mark.parametrize("engine", ["auto", "aten", "fx"])
def test_an_exported_modules_composite_aten_ops_count_as_the_module_does(engine: str) -> None:
    model, x = _conv_bn_linear(), torch.randn(2, 3, 8, 8)
    expected = count_flops(model, x)
    graph_module = torch.export.export(model, (x,)).module()  # calls aten.conv2d, aten.batch_norm, aten.linear
    result = count_flops(graph_module, x, engine=engine)
    assert result.unrecognized == []
    assert (result.total, result.total_macs) == (expected.total, expected.total_macs)
    parts = {r.name for r in result.ops if "." in r.name}
    assert any(name.startswith("conv2d") for name in parts)  # counted by its parts: <op>.<part>


def test_the_decomposed_op_is_named_in_the_notes_and_its_parts_in_the_records() -> None:
    model, x = _conv_bn_linear(), torch.randn(2, 3, 8, 8)
    result = count_flops(torch.export.export(model, (x,)).module(), x, engine="aten")
    (note,) = [n for n in result.notes if "decomposition" in n]
    assert "aten.linear.default" in note and "aten.conv2d.default" in note
    linear = [r for r in result.ops if r.name.startswith("linear.")]
    assert [r.target_name for r in linear if r.flops] == ["torch.ops.aten.addmm.default"]
    assert sum(r.flops for r in linear) == (2 * 288 - 1) * 2 * 4 + 2 * 4  # (2K − 1)·N + bias N, K = 8·6·6


def test_exported_graphs_guards_count_nothing() -> None:
    model = nn.Linear(3, 2)
    graph_module = torch.export.export(model, (torch.randn(1, 3),)).module()
    result = count_flops(graph_module, torch.randn(1, 3), engine="aten")
    assert result.unrecognized == [] and result.total == (2 * 3 - 1) * 2 + 2


def _mha(batch_first: bool = True) -> nn.MultiheadAttention:
    return nn.MultiheadAttention(8, 2, batch_first=batch_first).eval()


def test_the_fused_attention_kernel_counts_the_dense_layer_by_hand() -> None:
    mha, q = _mha(), torch.randn(2, 3, 8)  # B = 2, L = S = 3, E = 8, h = 2, d = 4
    result = count_flops(lambda t: mha(t, t, t, need_weights=False), q, engine="aten")
    (fused,) = [r for r in result.ops if r.name == "_native_multi_head_attention"]
    n, scores = 2 * 3 * 8, 2 * 2 * 3 * 3  # B·L·E, A = B·h·L·S
    projections = 4 * ((2 * 8 - 1) * n + n)  # q, k, v and out: (2E − 1)·B·L·E + bias
    qk, scale, softmax, av = (2 * 4 - 1) * scores, scores, 2 * scores + 2 * 2 * 3 * (3 - 1), (2 * 3 - 1) * 2 * 2 * 3 * 4
    assert fused.flops == projections + qk + scale + softmax + av
    assert fused.macs == 4 * 8 * n + scores * 4 + scores * 4


@pytest.mark.parametrize(("need_weights", "mask"), [(False, False), (True, False), (False, True)])
def test_the_fused_attention_kernel_agrees_with_the_module_rule(need_weights: bool, mask: bool) -> None:
    mha, q = _mha(), torch.randn(2, 3, 8)
    padding = torch.tensor([[False, False, True], [False, False, False]]) if mask else None

    def attend(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        return mha(t, t, t, need_weights=need_weights, key_padding_mask=padding)

    default, aten = (count_flops(attend, q, engine=engine) for engine in ("auto", "aten"))
    assert default.total_macs == aten.total_macs
    # the aten level also counts turning the bool padding mask into a float one (one op per mask element)
    assert aten.total - default.total == (2 * 3 if mask else 0)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_the_fused_encoder_layer_kernel_agrees_with_the_module_rule(activation: str, norm_first: bool) -> None:
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, activation=activation, norm_first=norm_first)
    layer.eval()
    x = torch.randn(2, 3, 8)
    default, aten = (count_flops(layer, x, engine=engine) for engine in ("auto", "aten"))
    assert [r.name for r in aten.ops] == ["_transformer_encoder_layer_fwd"]
    assert (aten.total, aten.total_macs) == (default.total, default.total_macs)


def test_foreach_ops_count_their_per_tensor_op_by_hand() -> None:
    params, grads = [torch.randn(3, 4), torch.randn(5)], [torch.randn(3, 4), torch.randn(5)]  # 17 elements

    def step(ps: list[torch.Tensor], gs: list[torch.Tensor]) -> None:
        torch._foreach_add_(ps, gs, alpha=-0.1)  # add with alpha ≠ 1: 2 per element
        torch._foreach_mul_(ps, 0.5)  # 1
        torch._foreach_addcmul_(ps, gs, gs, 0.3)  # value ≠ 1, given by position: 3
        torch._foreach_lerp_(ps, gs, 0.9)  # lerp: 3
        torch._foreach_norm(gs)  # 2-norm: n squares, n − 1 adds, 1 sqrt per tensor = 2n
        torch._foreach_zero_(gs)  # a fill: 0

    for engine in ("auto", "aten"):
        result = count_flops(step, params, grads, engine=engine)
        assert result.unrecognized == []
        assert [r.flops for r in result.ops] == [2 * 17, 17, 3 * 17, 3 * 17, 2 * 12 + 2 * 5, 0], engine


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "NAdam", "Adamax", "Adadelta"])
def test_an_optimizer_step_counts_the_same_foreach_or_looped_on_both_engines(name: str) -> None:
    counts = set()
    for foreach in (True, False):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
        kwargs = {"momentum": 0.9} if name == "SGD" else {}
        optimizer = getattr(torch.optim, name)(model.parameters(), foreach=foreach, **kwargs)
        model(torch.randn(2, 4)).sum().backward()
        optimizer.step()  # creates the state: the counted step is a steady-state one
        for engine in ("auto", "aten"):
            result = count_flops(optimizer.step, engine=engine)
            assert result.unrecognized == [], (foreach, engine)
            counts.add(result.total)
    assert len(counts) == 1 and counts.pop() > 0
