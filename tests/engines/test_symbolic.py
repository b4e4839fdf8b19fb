"""Symbolic counting (dims=): one count on fake tensors whose named sizes are symbols gives exact expressions.

Every expression is checked against concrete counts at sizes that were not used to build it (the figure evaluated
there equals a count there, total, MACs and per module), and where a closed form is known, against it.
"""

from __future__ import annotations

import pytest
import sympy
import torch
import torchvision
from torch import nn
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from torch_flops_core import Registry, count_flops, hookimpl
from torch_flops_core.errors import InputError, SymbolicError
from torch_flops_core.expressions import polynomial, size_symbol

B, T, H, W = (size_symbol(name) for name in "BTHW")


def _agrees(model: nn.Module, symbolic: object, make_input, sizes: list[dict[str, int]], **options: object) -> None:
    for at in sizes:
        concrete = count_flops(model, make_input(**at), **options)
        evaluated = symbolic.evaluate(**at)  # type: ignore[attr-defined]
        assert evaluated.total == concrete.total, at
        assert evaluated.total_macs == concrete.total_macs, at
        assert evaluated.by_module(2) == concrete.by_module(2), at
        assert not concrete.unrecognized


def test_a_block_s_figures_are_its_formulas_in_b_and_t() -> None:
    block = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.LayerNorm(64))
    result = count_flops(block, torch.randn(8, 16, 32), dims={"input": {0: "B", 1: "T"}})
    rows = B * T
    linear = (2 * 32 - 1) * 64 * rows + 64 * rows  # 2K − 1 per dot product, + the bias
    assert result.total == linear + 1 * 64 * rows + (2 + 2) * 64 * rows  # GELU 1, LayerNorm (2 + weight + bias)
    assert result.total_macs == 32 * 64 * rows
    assert result.sizes == {"B": 8, "T": 16}
    assert result.guards == []
    assert result.formula() == "4.42e3·B·T"
    assert result.evaluate(B=3, T=5).total == count_flops(block, torch.randn(3, 5, 32)).total == 4416 * 15


def _gpt2() -> nn.Module:
    return GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=100, n_positions=256)).eval()


def _llama() -> nn.Module:
    config = LlamaConfig(
        num_hidden_layers=2, hidden_size=64, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=100, max_position_embeddings=256,
    )  # fmt: skip
    return LlamaForCausalLM(config).eval()


SIZES = [{"B": 3, "T": 7}, {"B": 2, "T": 33}, {"B": 5, "T": 64}, {"B": 4, "T": 2}, {"B": 2, "T": 100}]


@pytest.mark.parametrize("make", [_gpt2, _llama], ids=["gpt2", "llama-gqa-rope"])
def test_an_llm_s_formula_in_b_and_t_is_every_count_at_other_sizes(make) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    model = make()
    result = count_flops(model, torch.randint(0, 100, (2, 16)), dims={"input_ids": {0: "B", 1: "T"}})
    assert not result.unrecognized
    _agrees(model, result, lambda B, T: torch.randint(0, 100, (B, T)), SIZES)
    # the quadratic term is the attention: scores and values, 2·n_layers·d·T² MACs per sequence (full matrices)
    assert sympy.Poly(result.total_macs, T).coeff_monomial(T**2) == 2 * 2 * 64 * B


@pytest.mark.slow
def test_the_aten_engine_and_the_backward_give_formulas_too() -> None:
    torch.manual_seed(0)
    model = _gpt2()
    ids = torch.randint(0, 100, (2, 16))
    dims = {"input_ids": {0: "B", 1: "T"}}
    for options in ({"engine": "aten"}, {"backward": True}):
        result = count_flops(model, ids, dims=dims, **options)
        assert not result.unrecognized
        _agrees(model, result, lambda B, T: torch.randint(0, 100, (B, T)), SIZES, **options)
    backward = count_flops(model, ids, dims=dims, backward=True)
    forward = count_flops(model, ids, dims=dims)
    assert sympy.expand(backward.total_macs - 3 * forward.total_macs) == 0  # a training step: 3× the forward's MACs


def test_a_cnn_s_formula_in_h_and_w_has_the_floor_divisions_of_its_strides() -> None:
    torch.manual_seed(0)
    model = torchvision.models.resnet18().eval()
    result = count_flops(model, torch.randn(2, 3, 64, 64), dims={"x": {2: "H", 3: "W"}})
    assert any(isinstance(atom, sympy.Function) or "//" in str(atom) for atom in sympy.preorder_traversal(result.total))
    sizes = [{"H": 37, "W": 45}, {"H": 64, "W": 96}, {"H": 50, "W": 50}, {"H": 33, "W": 65}, {"H": 70, "W": 41}]
    _agrees(model, result, lambda H, W: torch.randn(2, 3, H, W), sizes)


def test_a_branch_on_a_size_is_a_guard_of_the_result() -> None:
    class Branchy(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2 if x.shape[1] > 10 else x + 1

    result = count_flops(Branchy(), torch.randn(3, 16), dims={"x": {1: "T"}})
    assert result.ranges == {"T": (11, None)}  # a bound of one size narrows its range
    assert result.guards == []
    assert result.total == 3 * T
    assert "its formulas hold for 11 ≤ T" in result.notes[-1]


def test_a_guard_that_is_no_bound_is_written_as_people_write_it() -> None:
    class Aligned(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2 if x.shape[1] % 8 == 0 and x.shape[1] // 2 != 12 else x + 1

    result = count_flops(Aligned(), torch.randn(3, 16), dims={"x": {1: "T"}})
    assert result.guards == ["T mod 8 = 0", "⌊T/2⌋ ≠ 12"]
    assert result.ranges == {"T": (2, None)}
    assert "where T mod 8 = 0; ⌊T/2⌋ ≠ 12" in result.notes[-1]


def test_a_rule_that_fixes_a_size_is_refused_naming_it() -> None:
    class Fixing:
        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.function(torch.relu)(lambda call: int(call.output.numel()))

    with pytest.raises(
        SymbolicError, match=r"fixed T = 16: rule .*<lambda> of plugin .*Fixing., counting op .relu"
    ) as raised:
        count_flops(lambda x: torch.relu(x), torch.randn(3, 16), dims={"x": {1: "T"}}, plugins=[Fixing()])
    assert raised.value.fixed == {"T": 16}


def test_a_rule_that_fixes_a_size_expression_torch_cannot_solve_is_refused_too() -> None:
    class Listing:  # range() over ⌊T/2⌋ + 1 pins the expression; torch cannot solve it for T, so it is no replacement
        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.function(torch.relu)(lambda call: len(range(call.output.shape[1] // 2 + 1)))

    with pytest.raises(SymbolicError, match=r"fixed ⌊T/2⌋ \+ 1 = 9: rule .*<lambda> of plugin .*Listing") as raised:
        count_flops(lambda x: torch.relu(x), torch.randn(3, 16), dims={"x": {1: "T"}}, plugins=[Listing()])
    assert raised.value.fixed == {"⌊T/2⌋ + 1": 9}


def test_dims_that_do_not_fit_the_inputs_are_input_errors() -> None:
    layer = nn.Linear(4, 4)
    with pytest.raises(InputError, match=r"'x', which no input is called.*'input'"):
        count_flops(layer, torch.randn(3, 4), dims={"x": {0: "B"}})
    with pytest.raises(InputError, match=r"size of 1.*at least 2"):
        count_flops(layer, torch.randn(1, 4), dims={"input": {0: "B"}})
    with pytest.raises(InputError, match=r"dimension 2 of input 'input', which has 2"):
        count_flops(layer, torch.randn(3, 4), dims={"input": {2: "B"}})
    with pytest.raises(InputError, match=r"one name is one size"):
        count_flops(lambda a, b: a + b, torch.randn(3, 4), torch.randn(5, 4), dims={"a": {0: "B"}, "b": {0: "B"}})


def test_formulas_are_written_by_powers() -> None:
    assert polynomial(1600 * B * T**2 + 489000 * B * T + 73 * T - 80400) == "1.60e3·B·T² + 4.89e5·B·T + 73·T − 8.04e4"
    assert polynomial(12_345) == "12,345"


def test_a_model_that_fixes_a_size_is_refused_naming_where() -> None:
    def fixing(x: torch.Tensor) -> torch.Tensor:
        y = x * 2
        return y.reshape(int(x.shape[0]) * x.shape[1])  # int() of a symbolic size: its value at the example

    with pytest.raises(SymbolicError, match=r"fixed B = 3: the model, in the torch calls it made up to op"):
        count_flops(fixing, torch.randn(3, 16), dims={"x": {0: "B"}})


@pytest.mark.slow
def test_timm_resnet50_in_h_and_w_and_vit_in_the_batch() -> None:
    import timm

    torch.manual_seed(0)
    resnet = timm.create_model("resnet50", pretrained=False).eval()
    result = count_flops(resnet, torch.randn(1, 3, 64, 64), dims={"x": {2: "H", 3: "W"}})
    assert result.evaluate(H=224, W=224).total == 8_227_340_288  # the seed's published figure
    # per stride-2 stage k, n_k positions, MACs per position from the layers (docs/symbolic.md derives them)
    from torch.utils._sympy.functions import FloorDiv

    n = {k: (FloorDiv(H - 1, 2**k) + 1) * (FloorDiv(W - 1, 2**k) + 1) for k in range(1, 6)}
    by_hand = 9408 * n[1] + 245760 * n[2] + 1310720 * n[3] + 7471104 * n[4] + 14417920 * n[5] + 2048 * 1000
    assert sympy.expand(result.total_macs - by_hand) == 0
    sizes = [{"H": 224, "W": 224}, {"H": 97, "W": 131}, {"H": 160, "W": 96}, {"H": 65, "W": 65}, {"H": 33, "W": 250}]
    _agrees(resnet, result, lambda H, W: torch.randn(1, 3, H, W), sizes)
    vit = timm.create_model("vit_tiny_patch16_224", pretrained=False).eval()
    result = count_flops(vit, torch.randn(2, 3, 224, 224), dims={"x": {0: "B"}})
    assert sympy.Poly(result.total, B).degree() == 1 and result.total.subs(B, 0) == 0  # B images: B × one image
    _agrees(vit, result, lambda B: torch.randn(B, 3, 224, 224), [{"B": n} for n in (3, 4, 5, 7, 8)])
    # timm's ViT asserts its image size: a symbolic H is fixed by the model, and the count says so
    with pytest.raises(SymbolicError, match=r"fixed H = 224: the model"):
        count_flops(vit, torch.randn(2, 3, 224, 224), dims={"x": {2: "H", 3: "W"}})
    # with dynamic_img_size it interpolates its position embedding to H/16 × W/16, which torch's kernel cannot do
    # with symbolic sizes: the count says that, and what to do
    dynamic = timm.create_model("vit_tiny_patch16_224", pretrained=False, dynamic_img_size=True).eval()
    with pytest.raises(SymbolicError, match=r"could not run with symbolic sizes.*concrete integers.*without dims="):
        count_flops(dynamic, torch.randn(1, 3, 64, 80), dims={"x": {2: "H", 3: "W"}})


@pytest.mark.slow
def test_llama_2_7b_s_formula_is_the_weights_it_multiplies_and_the_attention() -> None:
    config = LlamaConfig(
        hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
        num_key_value_heads=32, vocab_size=32000, max_position_embeddings=4096,
    )  # fmt: skip
    with torch.device("meta"):
        model = LlamaForCausalLM(config)
    ids = torch.zeros(1, 128, dtype=torch.long, device="meta")
    result = count_flops(model, ids, dims={"input_ids": {1: "T"}})
    n = 6_607_077_376  # docs/training-flops.md's N: every Linear, lm_head included (not the embedding, not the norms)
    assert result.total_macs == n * T + 2 * 32 * 4096 * T**2
    assert result.evaluate(T=2048).total == 29_283_876_476_928  # the forward of docs/training-flops.md, counted at 2048


def test_a_symbolic_result_s_reports_write_its_formulas() -> None:
    block = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.LayerNorm(64))
    result = count_flops(block, torch.randn(8, 16, 32), dims={"input": {0: "B", 1: "T"}})
    data = result.to_dict()
    assert sympy.sympify(data["total"], locals={"B": B, "T": T}) == 4416 * B * T  # JSON holds the exact expression
    assert data["ops"][0]["flops"] == "4096*B*T" and data["ops"][0]["macs"] == "2048*B*T"
    table = result.table()
    assert "4.10e3·B·T" in table and "total: 4.42e3·B·T FLOPs, 2.05e3·B·T MACs" in table
    assert "4096*B*T" in result.to_csv()
    assert "<b>4.42e3·B·T FLOPs</b>" in result._repr_html_()


@pytest.mark.slow
def test_vit_b16_s_formula_in_the_batch_is_its_tokens_through_its_weights() -> None:
    import timm

    with torch.device("meta"):
        vit = timm.create_model("vit_base_patch16_224", pretrained=False).eval()
    result = count_flops(vit, torch.zeros(2, 3, 224, 224, device="meta"), dims={"x": {0: "B"}})
    tokens, d, layers = 197, 768, 12
    weights = layers * (4 * d * d + 2 * d * 3072) * tokens  # q, k, v, proj and the MLP, per token
    attention = 2 * layers * d * tokens**2  # scores and values
    assert result.total_macs == (weights + attention + d * 768 * 196 + d * 1000) * B  # + patch embedding, head


def _timm_resnet50() -> nn.Module:
    import timm

    with torch.device("meta"):
        return timm.create_model("resnet50", pretrained=False)


def _timm_vit_tiny() -> nn.Module:
    import timm

    with torch.device("meta"):
        return timm.create_model("vit_tiny_patch16_224", pretrained=False)


BACKWARD_CASES = {  # model, example input, dims, input at sizes, 5 sizes not used to build the formula
    "llama-gqa-rope": (_llama, lambda: torch.randint(0, 100, (2, 16)), {"input_ids": {0: "B", 1: "T"}},
                       lambda B, T: torch.randint(0, 100, (B, T)), SIZES),
    "vit-tiny-batch": (_timm_vit_tiny, lambda: torch.zeros(2, 3, 224, 224, device="meta"), {"x": {0: "B"}},
                       lambda B: torch.zeros(B, 3, 224, 224, device="meta"), [{"B": n} for n in (3, 4, 5, 7, 8)]),
    "resnet50-hw": (_timm_resnet50, lambda: torch.zeros(2, 3, 64, 64, device="meta"), {"x": {2: "H", 3: "W"}},
                    lambda H, W: torch.zeros(2, 3, H, W, device="meta"),
                    [{"H": 224, "W": 224}, {"H": 97, "W": 131}, {"H": 160, "W": 96}, {"H": 65, "W": 65},
                     {"H": 33, "W": 250}]),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BACKWARD_CASES))
def test_a_training_step_s_formulas_are_every_count_at_other_sizes(case: str) -> None:
    make, example, dims, make_input, sizes = BACKWARD_CASES[case]
    model = make()
    result = count_flops(model, example(), dims=dims, backward=True)
    assert not result.unrecognized
    _agrees(model, result, make_input, sizes, backward=True)
    for at in sizes[:2]:  # each phase, too
        concrete = count_flops(model, make_input(**at), backward=True)
        assert result.evaluate(**at).total_by_phase == concrete.total_by_phase, at
