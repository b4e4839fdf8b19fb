"""``result.tree()`` (issue 23, part 2): the model as a tree, in the model's order, every node its own ops plus its
children's, the root ``result.total``; folded text, nested JSON and collapsible HTML.

Expected figures come from the records themselves summed another way (``by_module``), from ``named_modules()``, from
``sum(p.numel())`` or from formulas written here; never from the tree's own arithmetic.
"""

from __future__ import annotations

import json

import pytest
import timm
import torch
from helpers import assert_unchanged, snapshot
from torch import nn
from transformers import GPT2Config, GPT2LMHeadModel

from torch_flops_core import FlopsResult, count_flops
from torch_flops_core.module_tree import TreeNode
from torch_flops_core.views.tree import FOLD_NOTE, render_tree_csv, tree_html

CALLS = ("call_module", "call_function", "call_method")


def check_sums(result: FlopsResult, root: TreeNode) -> None:
    """Every node: FLOPs, MACs, ops = its own + its children's; its own = the records at its path; the root = total."""
    for node in root.walk():
        assert node.flops == node.own_flops + sum(child.flops for child in node.children), node.path
        assert node.macs == node.own_macs + sum(child.macs for child in node.children), node.path
        assert node.ops == sum(1 for r in result.ops if r.kind in CALLS and r.module_path == node.path) + sum(
            child.ops for child in node.children
        ), node.path
        own = [r for r in result.ops if r.kind in CALLS and r.module_path == node.path]
        assert node.own_flops == sum(r.flops for r in own if r.recognized), node.path
        prefix = node.path + "." if node.path else ""
        beneath = [
            r
            for r in result.ops
            if r.kind in CALLS and (r.module_path == node.path or r.module_path.startswith(prefix))
        ]
        assert node.flops == sum(r.flops for r in beneath if r.recognized), node.path  # the records, summed directly
    assert root.flops == result.total and root.macs == result.total_macs and root.share == 1.0


def check_depth_one(result: FlopsResult, root: TreeNode) -> None:
    """The depth-1 nodes' FLOPs are ``by_module(1)`` (which lists only paths holding ops; the root's own ops: "")."""
    by_module = result.by_module(1)
    for child in root.children:
        assert by_module.get(child.path, 0) == child.flops, child.path
    assert by_module.get("", 0) == root.own_flops
    assert set(by_module) - {""} <= {child.path for child in root.children}


@pytest.fixture(scope="module")
def resnet50() -> tuple[nn.Module, FlopsResult]:
    with torch.device("meta"):
        model = timm.create_model("resnet50", pretrained=False).eval()
    return model, count_flops(model, torch.randn(1, 3, 224, 224, device="meta"))


def test_resnet50_tree_sums_at_every_node_and_follows_named_modules(resnet50: tuple[nn.Module, FlopsResult]) -> None:
    model, result = resnet50
    root = result.tree()
    check_sums(result, root)
    check_depth_one(result, root)
    assert [node.path for node in root.walk()] == [path for path, _ in model.named_modules()]
    assert [node.class_name for node in root.walk()] == [type(m).__name__ for m in model.modules()]
    assert root.params is not None and root.params.total == 25_557_032
    for node in root.walk():
        module = model.get_submodule(node.path)
        assert node.params is not None and node.params.total == sum(p.numel() for p in module.parameters())
    assert root.unrecognized == len(result.unrecognized) == 0


def test_resnet50_folds_only_identical_blocks(resnet50: tuple[nn.Module, FlopsResult]) -> None:
    _, result = resnet50
    folded = result.tree().folded()
    layers = {node.path: node for node in folded.children if node.path.startswith("layer")}
    # each stage: block 0 (with its downsample) alone, then the identical rest as one: ResNet-50's 3, 4, 6, 3 blocks
    for name, blocks in (("layer1", 3), ("layer2", 4), ("layer3", 6), ("layer4", 3)):
        first, rest = layers[name].children
        assert (first.path, first.repeat) == (f"{name}.0", 1)
        assert (rest.path, rest.repeat, rest.last_path) == (f"{name}.1", blocks - 1, f"{name}.{blocks - 1}")
    assert sum(node.repeat > 1 for node in folded.walk()) == 4  # nothing else is folded (the stem's 4 differ)
    text = str(result.tree())
    assert "└─ 1-5 (Bottleneck) ×5" in text and "1-2 (Bottleneck) ×2" in text and FOLD_NOTE in text
    assert "×" not in result.tree().render(fold=False).replace(FOLD_NOTE, "")


def test_depth_cuts_the_tree_and_keeps_every_figure_beneath(resnet50: tuple[nn.Module, FlopsResult]) -> None:
    _, result = resnet50
    cut = result.tree(depth=1)
    assert max(node.depth for node in cut.walk()) == 1
    check_depth_one(result, cut)
    assert cut.flops == result.total
    assert [len(result.tree(depth=d).children) for d in (0, 1)] == [0, len(list(result.tree().children))]
    lines = result.tree(depth=1).render().splitlines()
    assert lines[0].split()[:2] == ["module", "FLOPs"] and lines[2].startswith("ResNet ")
    assert lines[-1].startswith("└─ fc (Linear)")


@pytest.mark.parametrize("engine", ["eager", "aten"])
def test_gpt2_config_tree_sums_at_every_node(engine: str) -> None:
    config = GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=500, n_positions=64)
    model = GPT2LMHeadModel(config).eval()
    before = snapshot(model)
    result = count_flops(model, input_ids=torch.zeros(1, 8, dtype=torch.long), engine=engine)
    assert_unchanged(model, before)
    root = result.tree()
    check_sums(result, root)
    check_depth_one(result, root)
    assert root.params is not None and root.params.total == sum(p.numel() for p in model.parameters())
    (blocks,) = [node for node in root.folded().walk() if node.path == "transformer.h"]
    assert [(child.path, child.repeat) for child in blocks.children] == [("transformer.h.0", 2)]


def test_the_fx_engine_and_backward_phases() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 8), nn.Tanh()), nn.Linear(8, 2))
    x = torch.randn(3, 4)
    fx = count_flops(model, x, engine="fx")
    check_sums(fx, fx.tree())
    trained = count_flops(model, x, backward=True)
    check_sums(trained, trained.tree())  # every phase summed
    for phase in ("forward", "backward"):
        root = trained.tree(phase=phase)
        assert root.flops == trained.total_by_phase[phase]
        assert root.find("2").flops == trained.by_module(1, phase=phase)["2"]  # type: ignore[union-attr]


class Outside(nn.Module):
    """Ops at the root, a module that runs none, and a module made inside ``forward`` (not in the model)."""

    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(4, 4)
        self.unused = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.ReLU()(self.used(x) + 1)


def test_root_ops_unused_modules_and_modules_outside_the_model() -> None:
    result = count_flops(Outside(), torch.randn(2, 4))
    root = result.tree()
    check_sums(result, root)
    assert root.own_flops == 2 * 4  # the + 1 at the root
    unused = root.find("unused")
    assert unused is not None and (unused.flops, unused.ops, unused.params.total) == (0, 0, 4 * 4 + 4)  # type: ignore[union-attr]
    extra = [node for node in root.children if node.path not in ("used", "unused")]
    assert [node.class_name for node in extra] == ["ReLU"] and extra[0].params is None


def test_a_function_s_tree_is_its_ops_at_the_root() -> None:
    result = count_flops(lambda a: torch.relu(a @ a), torch.randn(3, 3))
    root = result.tree()
    assert (root.path, root.children, root.params, root.flops) == ("", [], None, result.total)
    assert str(root).splitlines()[2].startswith("(root)")


def test_nested_json_csv_and_folded_html(resnet50: tuple[nn.Module, FlopsResult]) -> None:
    model, result = resnet50
    data = json.loads(json.dumps(result.tree().to_dict()))
    assert (data["path"], data["class"], data["flops"], data["params"]["total"]) == (
        "",
        "ResNet",
        result.total,
        25_557_032,
    )

    def paths(node: dict) -> list[str]:
        return [node["path"], *[p for child in node["children"] for p in paths(child)]]

    assert paths(data) == [path for path, _ in model.named_modules()]  # not folded
    folded = result.tree().folded().to_dict()
    assert [c["repeat"] for c in folded["children"][4]["children"][1:]] == [2]  # layer1.1-2
    rows = render_tree_csv(result.tree()).splitlines()
    assert rows[0].startswith("module,class,depth,flops") and len(rows) == 1 + len(list(model.modules()))
    html = tree_html(result.tree())
    assert html.count("<details") == html.count("</details>") > 10
    assert "1-5 (Bottleneck) ×5" in html and "25.6 M params" in html
    notebook = result._repr_html_()
    assert "<details" in notebook and "the model as a tree" in notebook


def test_tree_arguments_are_checked() -> None:
    result = count_flops(nn.Linear(2, 2), torch.randn(1, 2))
    with pytest.raises(ValueError, match="depth"):
        result.tree(depth=-1)
    with pytest.raises(ValueError, match="phase"):
        result.tree(phase="sideways")  # type: ignore[arg-type]


def test_a_generate_count_s_tree_is_its_module_s_with_the_loop_at_the_root() -> None:
    config = GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=500, n_positions=64, bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config).eval()
    options = {"max_new_tokens": 3, "min_new_tokens": 3, "do_sample": False, "pad_token_id": 0}
    result = count_flops(model.generate, torch.zeros(1, 8, dtype=torch.long), model_kwargs=options)
    root = result.tree()
    check_sums(result, root)  # every forward (prefill and decode steps) summed; the loop's own ops at the root
    assert root.class_name == "GPT2LMHeadModel" and [c.path for c in root.children] == ["transformer", "lm_head"]
    assert result.params is not None and result.params.total == sum(p.numel() for p in model.parameters())
