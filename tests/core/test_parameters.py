"""``result.params`` and each module row's ``params`` (issue 23, part 1): parameters and buffers, shared tensors once.

Every expected figure is ``sum(t.numel() ...)`` over torch's own ``parameters()``/``buffers()`` (which yield each
tensor once), a published figure (ResNet-50's 25,557,032) or a formula written here.
"""

from __future__ import annotations

import json

import pytest
import timm
import torch
from helpers import assert_unchanged, snapshot
from torch import nn
from transformers import GPT2Config, GPT2LMHeadModel

from torch_flops_core import count_flops
from torch_flops_core.parameters import ParamCounts, model_structure

ENGINES = ("eager", "fx", "aten")


def reference(model: nn.Module) -> ParamCounts:
    """What torch's own iterators say: each tensor once."""
    params = list(model.parameters())
    trainable = sum(p.numel() for p in params if p.requires_grad)
    total = sum(p.numel() for p in params)
    return ParamCounts(total, trainable, total - trainable, sum(b.numel() for b in model.buffers()))


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(6))  # the root's own parameter
        self.conv = nn.Conv2d(3, 6, 3)
        self.bn = nn.BatchNorm2d(6)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(6 * 6 * 6, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.bn(self.conv(x)) * self.scale[:, None, None])


# Net's parameters by formula: conv 3·6·3·3 + 6, BatchNorm weight and bias 2·6 (buffers: mean and var 2·6, and the
# one-element num_batches_tracked), head 216·4 + 4, the root's scale 6.
CONV, BN, BN_BUFFERS, HEAD, SCALE = 3 * 6 * 9 + 6, 2 * 6, 2 * 6 + 1, 216 * 4 + 4, 6


def test_timm_resnet50_has_its_published_25_557_032_parameters() -> None:
    with torch.device("meta"):
        model = timm.create_model("resnet50", pretrained=False).eval()
    names = [name for name, _ in model.named_parameters()]
    result = count_flops(model, torch.randn(1, 3, 224, 224, device="meta"))
    assert [name for name, _ in model.named_parameters()] == names  # (meta: values are compared on cpu models below)
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert result.params is not None
    assert result.params.total == 25_557_032 == sum(p.numel() for p in model.parameters())
    assert result.params == reference(model)
    assert result.params.buffers == sum(
        2 * m.num_features + 1 for m in model.modules() if isinstance(m, nn.BatchNorm2d)
    )
    rows = {row.path: row.params for row in result.module_table(1)}
    assert rows["layer1"] == reference(model.layer1) and rows["fc"] == ParamCounts(2048 * 1000 + 1000, *[2049000, 0, 0])


def test_net_by_formula_on_every_engine_and_the_model_unchanged() -> None:
    model = Net().eval()
    for engine in ENGINES:
        before = snapshot(model)
        result = count_flops(model, torch.randn(1, 3, 8, 8), engine=engine)
        assert_unchanged(model, before)
        total = CONV + BN + HEAD + SCALE
        assert result.params == ParamCounts(total, total, 0, BN_BUFFERS) == reference(model), engine
        assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_module_rows_hold_each_subtree_and_the_root_row_its_own_tensors() -> None:
    result = count_flops(Net().eval(), torch.randn(1, 3, 8, 8))
    rows = {row.path: row.params for row in result.module_table(1)}
    assert rows["conv"] == ParamCounts(CONV, CONV, 0, 0)
    assert rows["bn"] == ParamCounts(BN, BN, 0, BN_BUFFERS)
    assert rows["head"] == ParamCounts(HEAD, HEAD, 0, 0)
    assert rows[""] == ParamCounts(SCALE, SCALE, 0, 0)  # the ops outside every submodule: the root's own scale
    assert sum(p.total for p in rows.values() if p is not None) == result.params.total  # type: ignore[union-attr]
    (whole,) = result.module_table(0)
    assert whole.params == result.params
    deeper = {row.path: row.params for row in result.module_table(2)}
    assert deeper["head.1"] == ParamCounts(HEAD, HEAD, 0, 0) and deeper["head.0"] == ParamCounts(0, 0, 0, 0)


def test_gpt2_tied_embeddings_count_the_shared_matrix_once() -> None:
    config = GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=500, n_positions=64)
    model = GPT2LMHeadModel(config).eval()
    assert model.lm_head.weight is model.transformer.wte.weight  # tied
    result = count_flops(model, input_ids=torch.zeros(1, 8, dtype=torch.long))
    assert result.params is not None
    assert result.params.total == sum(p.numel() for p in model.parameters())
    # by formula: wte + wpe + 2 blocks + ln_f; the tied lm_head adds nothing
    d, v, n = 64, 500, 64
    block = 2 * (2 * d) + (d * 3 * d + 3 * d) + (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d)
    assert result.params.total == v * d + n * d + 2 * block + 2 * d
    shared = v * d
    rows = {row.path: row.params for row in result.module_table(1)}
    assert rows["lm_head"] == ParamCounts(shared, shared, 0, 0)  # its subtree holds the matrix (once)
    assert rows["transformer"].total == result.params.total  # type: ignore[union-attr]


def test_a_half_frozen_model_splits_trainable_and_frozen_exactly() -> None:
    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 30), nn.BatchNorm1d(30))
    model[0].requires_grad_(False)
    model[3].weight.requires_grad_(False)
    result = count_flops(model.eval(), torch.randn(4, 10))
    frozen = (10 * 20 + 20) + 30
    trainable = (20 * 30 + 30) + 30
    assert result.params == ParamCounts(frozen + trainable, trainable, frozen, 2 * 30 + 1) == reference(model)
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True, False, True]  # as it was


def test_a_module_shared_at_two_paths_counts_once_in_the_whole_and_in_each_subtree() -> None:
    shared = nn.Linear(8, 8)
    model = nn.Sequential(nn.Sequential(shared, nn.ReLU()), nn.Sequential(shared, nn.Tanh()))
    result = count_flops(model, torch.randn(2, 8))
    one = 8 * 8 + 8
    assert result.params == ParamCounts(one, one, 0, 0) == reference(model)
    structure = result.structure
    assert structure is not None
    assert structure["0"].params.total == one and structure["1"].params.total == one
    assert "1.0" not in structure  # named_modules() names a module once, at its first path


def test_functions_have_no_params_and_bound_methods_their_module_s() -> None:
    model = Net().eval()
    x = torch.randn(1, 3, 8, 8)
    assert count_flops(lambda t: model(t), x).params is None
    assert count_flops(torch.relu, x).params is None
    assert count_flops(model.forward, x).params == reference(model)


def test_meta_symbolic_and_lazy_models() -> None:
    with torch.device("meta"):
        on_meta = Net().eval()
    assert count_flops(on_meta, torch.randn(1, 3, 8, 8, device="meta")).params == reference(on_meta)
    model = Net().eval()
    symbolic = count_flops(model, torch.randn(2, 3, 8, 8), dims={"x": {0: "B"}})
    assert symbolic.params == reference(model) == symbolic.evaluate(B=5).params
    lazy = nn.Sequential(nn.LazyLinear(3))
    assert count_flops(lazy, torch.randn(2, 5)).params == ParamCounts(5 * 3 + 3, 18, 0, 0)  # made by its forward


@pytest.mark.slow
def test_an_exported_program_counts_its_state_dict_s_parameters() -> None:
    model = Net().eval()
    program = torch.export.export(model, (torch.randn(1, 3, 8, 8),))
    assert count_flops(program).params == reference(model)


def test_structure_lists_modules_in_named_modules_order() -> None:
    model = Net()
    structure = model_structure(model)
    assert structure is not None
    assert list(structure) == [path for path, _ in model.named_modules()]
    assert [info.class_name for info in structure.values()] == [type(m).__name__ for m in model.modules()]
    assert structure[""].own == ParamCounts(SCALE, SCALE, 0, 0)
    assert model_structure(torch.relu) is None


def test_params_in_json_csv_and_the_summary_line() -> None:
    result = count_flops(Net().eval(), torch.randn(1, 3, 8, 8))
    total = CONV + BN + HEAD + SCALE
    data = json.loads(result.to_json())
    assert data["params"] == {"total": total, "trainable": total, "frozen": 0, "buffers": BN_BUFFERS}
    from torch_flops_core.views.report import render_module_csv, summary_line

    lines = render_module_csv(result, 1).splitlines()
    assert lines[0].split(",")[-1] == "params"
    assert {line.split(",")[0]: line.split(",")[-1] for line in lines[1:]}["head"] == str(HEAD)
    assert summary_line(result).endswith(f"; params: {total:,} (1.05 K), buffers: {BN_BUFFERS}")
    assert "params" not in summary_line(count_flops(torch.relu, torch.randn(3)))
    assert result.module_report(1).splitlines()[0].split()[-1] == "params"
