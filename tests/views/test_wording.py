"""Messages agree with their counts (issue 25: "1 ops have no rule", "1 tensors were computed"), and every view
spells an op's ``target`` alike: for a module call its class, in the table, the HTML, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

import torch
from torch import nn

from torch_flops_core import count_flops
from torch_flops_core.decompose import decomposed_note
from torch_flops_core.views.export import JSON_SCHEMA, shown_target
from torch_flops_core.wording import agree


def test_agree_says_one_and_many() -> None:
    assert agree(1, "op has", "ops have") == "1 op has"
    assert agree(0, "op has", "ops have") == "0 ops have"
    assert agree(2, "tensor was", "tensors were") == "2 tensors were"


def test_the_decomposition_note_agrees_with_its_count() -> None:
    (one,) = decomposed_note({"aten.foo.default": 1})
    assert one.startswith("1 aten op of the forward has no rule and was counted by torch's decomposition of it ")
    (three,) = decomposed_note({"aten.foo.default": 2, "aten.bar.default": 1}, "backward")
    assert three.startswith("3 aten ops of the backward have no rule and were counted by torch's decomposition of them")


def test_the_table_json_csv_and_html_spell_target_alike() -> None:
    """A module call's target is its class everywhere (its path is module_path); a function's its name."""
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    result = count_flops(model, torch.randn(1, 4))
    by_name = {r.name: shown_target(r) for r in result.ops}
    assert by_name == {"0": "Linear", "1": "ReLU"}
    table = {line.split()[0]: line.split()[2] for line in result.table().splitlines()[2:] if line[:1].isdigit()}
    assert table == by_name
    data = json.loads(result.to_json())
    assert data["schema"] == JSON_SCHEMA == "torch-flops/4"
    assert {op["name"]: op["target"] for op in data["ops"]} == by_name
    assert {op["name"]: op["module_path"] for op in data["ops"]} == {"0": "0", "1": "1"}
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert {row["name"]: row["target"] for row in rows} == by_name
    assert ">Linear</td>" in result._repr_html_()
    functional = count_flops(lambda x: torch.relu(x), torch.randn(3), engine="eager")
    assert [op["target"] for op in json.loads(functional.to_json())["ops"]] == ["torch.relu"]
