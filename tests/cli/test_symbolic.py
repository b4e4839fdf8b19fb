"""``torch-flops count SPEC --symbolic NAMES``: one count with symbolic sizes, its figures as formulas."""

from __future__ import annotations

import json

import pytest
import sympy
import timm
import torch

from torch_flops_core import count_flops
from torch_flops_core.cli import main
from torch_flops_core.expressions import evaluated, size_symbol


def test_symbolic_h_and_w_of_an_image_model_is_a_formula_every_size_agrees_with(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["count", "timm:resnet18", "--input-shape", "1,3,64,64", "--symbolic", "_,H,W", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    names = {"H": size_symbol("H"), "W": size_symbol("W")}
    total = sympy.sympify(data["total"], locals=names)
    torch.manual_seed(0)
    model = timm.create_model("resnet18", pretrained=False).eval()
    for h, w in ((224, 224), (97, 131)):
        assert evaluated(total, {"H": h, "W": w}) == count_flops(model, torch.randn(1, 3, h, w)).total


def test_symbolic_refuses_a_sweep_and_names_that_do_not_fit(capsys: pytest.CaptureFixture[str]) -> None:
    sweep = ["count", "timm:resnet18", "--input-shape", "1,3,{32,64},64", "--symbolic", "_,H,W"]
    assert main(sweep) == 2
    assert "--symbolic gives one formula for every size" in capsys.readouterr().err
    assert main(["count", "timm:resnet18", "--input-shape", "1,3,64,64", "--symbolic", "B,H,W,X"]) == 2
    assert "give up to 3 names" in capsys.readouterr().err


@pytest.fixture
def llama_config(tmp_path) -> str:  # type: ignore[no-untyped-def]
    from transformers import LlamaConfig

    config = LlamaConfig(
        num_hidden_layers=2, hidden_size=64, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=100,
    )  # fmt: skip
    config.save_pretrained(tmp_path / "llama")
    return f"hf:{tmp_path / 'llama'}"


def test_a_symbolic_language_model_s_per_token_figure_is_its_formula_over_b_t(
    llama_config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["count", llama_config, "--seq-len", "16", "--symbolic", "B,T"]
    assert main(base) == 2  # the default batch is 1: torch specialises it, and the command says what to give
    assert "B is 1; a symbolic size needs at least 2" in capsys.readouterr().err
    assert main([*base, "--batch-size", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    B, T = size_symbol("B"), size_symbol("T")
    total = sympy.sympify(data["total"], locals={"B": B, "T": T})
    assert data["tokens"] == "B*T"
    per_token = sympy.sympify(data["flops_per_token"], locals={"B": B, "T": T})
    assert sympy.simplify(per_token - total / (B * T)) == 0  # the total over the B·T tokens, not the example's 32
    assert all(op["intensity"] is None for op in data["ops"] if isinstance(op["bytes"], str))  # rates: evaluate first
    assert main([*base, "--batch-size", "2", "--top", "1"]) == 0
    assert "(B·T tokens)" in capsys.readouterr().out.splitlines()[-1]
