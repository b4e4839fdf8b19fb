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
