"""Every option is honoured on every engine and phase, or refused (issue 22, items 7-11, 13, 15).

- ``ignore_ops`` at the aten level (modules, names, function spellings) and in the backward;
- keywords a ``forward`` would only swallow through ``**kwargs`` are refused unless in ``model_kwargs=``;
- unknown plugin names, ignore names that match nothing and non-bool flags are errors;
- integer bookkeeping in tensors (BatchNorm's ``num_batches_tracked += 1``) counts 0 in every engine;
- a ``loss=`` that does not depend on the output, inputs made in inference mode, CLI ``--backward`` errors;
- ``count_bytes=False`` reports bytes as unknown, not 0;
- ``torch.device(...)`` is a metadata constructor, counted 0.

Expected values are written from the convention (docs/conventions.md): ``Linear(K → M)`` on B rows is
``(2K − 1)·B·M + B·M``; softmax over S of N elements ``2N + (S − 1)·N/S`` and its backward ``4N − N/S``;
the weight gradient ``dW = dyᵀ·x`` of a Linear is an ``mm`` with K = B, ``(2B − 1)·M·K_in``, and the bias
gradient a sum over the batch, ``B·M − M``.
"""

from __future__ import annotations

import csv
import io
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch
from timm.layers import BatchNormAct2d
from torch import nn
from torch.utils.checkpoint import checkpoint
from transformers import GPT2Config, GPT2LMHeadModel

from torch_flops_core import InputError, count_flops
from torch_flops_core.cli import main
from torch_flops_core.report import render_module_csv

B, K, M = 2, 8, 4  # fc: Linear(K, M) on B rows
N, S = B * M, M  # the softmaxes: N elements, over S
LINEAR = (2 * K - 1) * B * M + B * M  # 128
SOFTMAX = 2 * N + (S - 1) * N // S  # 22
SOFTMAX_BACKWARD = 4 * N - N // S  # 30
LINEAR_WEIGHT_GRAD = (2 * B - 1) * M * K + (B * M - M)  # dW (mm, K = B) and db (sum over the batch): 100


class Net(nn.Module):
    """A Linear, a softmax module, and a softmax called as a function (at the root)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(K, M)
        self.sm = nn.Softmax(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.sm(self.fc(x)), -1)


def x() -> torch.Tensor:
    return torch.randn(B, K)


def calls(result: Any) -> list[Any]:
    return [r for r in result.ops if r.kind.startswith("call_")]


# -- 7. ignore_ops at the aten level and in the backward ------------------------------------------


@pytest.mark.parametrize("spec", [nn.Linear, "Linear", "torch.nn.Linear"])
def test_an_ignored_module_makes_every_aten_op_inside_it_ignored(spec: Any) -> None:
    result = count_flops(Net(), x(), engine="aten", ignore_ops=[spec])
    fc = [r for r in calls(result) if r.module_path == "fc"]
    assert {r.target_name for r in fc} >= {"torch.ops.aten.addmm.default"}
    assert all(r.ignored and r.flops == 0 and r.status == "ignored" and r.plugin is None for r in fc)
    assert result.total == 2 * SOFTMAX


def test_an_ignored_module_class_ignores_only_that_module_at_the_aten_level() -> None:
    result = count_flops(Net(), x(), engine="aten", ignore_ops=[nn.Softmax])
    assert [r.module_path for r in result.ignored if r.flops == 0 and "softmax" in r.name] == ["sm"]
    assert result.total == LINEAR + SOFTMAX  # the root's torch.softmax still counts


@pytest.mark.parametrize("spec", [torch.softmax, "softmax", "torch.softmax", torch.Tensor.softmax])
def test_an_ignored_function_ignores_the_aten_ops_it_dispatches_to(spec: Any) -> None:
    result = count_flops(Net(), x(), engine="aten", ignore_ops=[spec])
    softmaxes = [r for r in calls(result) if r.target_name == "torch.ops.aten._softmax.default"]
    assert len(softmaxes) == 2 and all(r.ignored and r.flops == 0 for r in softmaxes)
    assert result.total == LINEAR  # at the aten level nn.Softmax is its ops: its softmax call is ignored too


@pytest.mark.parametrize("spec", [torch.matmul, "matmul", "mm", torch.ops.aten.mm])
def test_matmul_in_every_spelling_is_ignored_at_the_aten_level(spec: Any) -> None:
    def f(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a @ b) + torch.matmul(a, b)

    result = count_flops(f, torch.randn(3, 3), torch.randn(3, 3), engine="aten", ignore_ops=[spec])
    assert [r.status for r in calls(result)] == ["ignored", "ignored", "counted"]
    assert result.total == 9  # the add


@pytest.mark.parametrize("engine", ["auto", "fx", "aten"])
@pytest.mark.parametrize("spec", [nn.Linear, "Linear"])
def test_an_ignored_modules_backward_is_ignored_and_shown_as_ignored(engine: str, spec: Any) -> None:
    result = count_flops(Net(), x(), engine=engine, ignore_ops=[spec], backward=True)
    backward = [r for r in result.ops if r.phase == "backward"]
    fc = [r for r in backward if r.module_path == "fc"]
    assert fc and all(r.ignored and r.flops == 0 and r.status == "ignored" for r in fc)
    assert result.total_by_phase["forward"] == 2 * SOFTMAX
    assert result.total_by_phase["backward"] == 2 * SOFTMAX_BACKWARD  # not the Linear's dW and db


def test_without_ignore_the_linears_backward_counts() -> None:
    result = count_flops(Net(), x(), backward=True)
    assert result.total_by_phase["backward"] == 2 * SOFTMAX_BACKWARD + LINEAR_WEIGHT_GRAD


@pytest.mark.parametrize(("engine", "forward", "backward"), [
    ("auto", LINEAR + SOFTMAX, LINEAR_WEIGHT_GRAD + SOFTMAX_BACKWARD),  # nn.Softmax is one op of its own rule
    ("aten", LINEAR, LINEAR_WEIGHT_GRAD),  # at the aten level its softmax call is a torch.softmax too
])  # fmt: skip
def test_an_ignored_functions_backward_is_ignored(engine: str, forward: int, backward: int) -> None:
    result = count_flops(Net(), x(), engine=engine, ignore_ops=[torch.softmax], backward=True)
    assert result.total_by_phase["forward"] == forward
    assert result.total_by_phase["backward"] == backward
    ignored = [r for r in result.ops if r.phase == "backward" and r.ignored]
    assert any(r.target_name == "torch.ops.aten._softmax_backward_data.default" for r in ignored)


def test_an_ignored_modules_recompute_under_checkpointing_is_ignored() -> None:
    class Checkpointed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(K, M)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return checkpoint(self.fc, x, use_reentrant=False).softmax(-1)

    result = count_flops(Checkpointed(), x(), ignore_ops=[nn.Linear], backward=True)
    fc = [r for r in result.ops if r.module_path == "fc"]
    assert {r.phase for r in fc} >= {"forward", "backward"}
    assert all(r.ignored and r.flops == 0 for r in fc)
    assert result.total_by_phase == {"forward": SOFTMAX, "loss": N - 1, "backward": SOFTMAX_BACKWARD, "recompute": 0}


# -- 8. keywords forward would swallow through **kwargs -------------------------------------------


def gpt2() -> tuple[nn.Module, torch.Tensor]:
    config = GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=64, n_positions=16)
    return GPT2LMHeadModel(config).eval(), torch.zeros(1, 8, dtype=torch.long)


@pytest.mark.parametrize("keyword", ["loss_fn", "loss_func", "criterion", "anything_else"])
def test_a_keyword_only_kwargs_would_take_is_refused(keyword: str) -> None:
    model, ids = gpt2()
    with pytest.raises(InputError) as info:
        count_flops(model, input_ids=ids, backward=True, **{keyword: nn.CrossEntropyLoss()})
    message = str(info.value)
    assert f"{keyword}=" in message and "**kwargs" in message and "model_kwargs={" in message


def test_named_parameters_of_forward_still_pass_as_keywords() -> None:
    model, ids = gpt2()
    plain = count_flops(model, input_ids=ids)
    assert plain.total > 0
    with_labels = count_flops(model, input_ids=ids, labels=ids, attention_mask=torch.ones_like(ids))
    assert with_labels.total > plain.total  # the loss ran: labels reached the model


def test_a_keyword_for_kwargs_goes_through_model_kwargs() -> None:
    class TakesKwargs(nn.Module):
        def forward(self, x: torch.Tensor, **kwargs: Any) -> torch.Tensor:
            y = x * 2
            for value in kwargs.values():
                y = y + value
            return y

    v = torch.randn(3)
    with pytest.raises(InputError, match=r"shift="):
        count_flops(TakesKwargs(), v, shift=torch.ones(3))
    assert count_flops(TakesKwargs(), v, model_kwargs={"shift": torch.ones(3)}).total == 3 + 3


# -- 9. unknown names and non-bool flags ----------------------------------------------------------


def test_an_unknown_plugin_name_is_an_error_listing_the_plugins() -> None:
    with pytest.raises(ValueError, match=r"no plugin is named 'nnn'") as info:
        count_flops(nn.Linear(2, 2), torch.randn(1, 2), disable=["nnn"])
    assert "'nn'" in str(info.value) and "'functional'" in str(info.value) and "'aten'" in str(info.value)
    with pytest.raises(ValueError, match=r"'fuctional' \(did you mean 'functional'\?\)"):
        count_flops(nn.Linear(2, 2), torch.randn(1, 2), disable="fuctional")


def test_an_ignore_name_that_matches_nothing_is_an_error_with_suggestions() -> None:
    with pytest.raises(ValueError, match=r"nothing matched 'Sofmax' \(did you mean .*'Softmax'"):
        count_flops(Net(), x(), ignore_ops=["Sofmax"])
    with pytest.raises(ValueError, match=r"nothing matched 'torch.sofmax'"):
        count_flops(Net(), x(), ignore_ops=["torch.sofmax"])


class NotInNet(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


@pytest.mark.parametrize(
    "name",
    ["Conv2d", "NotInNet", "layer_norm", "addmm", "aten.addmm", "torch.ops.aten.mm", "getitem", "torch.fft.rfft"],
)
def test_a_name_of_something_that_did_not_run_is_still_valid(name: str) -> None:
    assert count_flops(Net(), x(), ignore_ops=[name]).total == LINEAR + 2 * SOFTMAX


@pytest.mark.parametrize("flag", ["strict", "measure_time", "count_bytes", "backward"])
@pytest.mark.parametrize("value", ["no", 1, None])
def test_a_flag_takes_true_or_false_only(flag: str, value: Any) -> None:
    with pytest.raises(TypeError, match=rf"{flag}= takes True or False"):
        count_flops(nn.Linear(2, 2), torch.randn(1, 2), **{flag: value})


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


MODELS = """
    import torch
    from torch import nn


    def frozen():
        model = nn.Linear(4, 3)
        model.requires_grad_(False)
        return model


    class Argmax(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(x).argmax(-1)


    def argmax():
        return Argmax()


    def linear():
        return nn.Linear(4, 3)
"""


@pytest.fixture
def models(tmp_path: Path) -> Path:
    path = tmp_path / "options_models.py"
    path.write_text(textwrap.dedent(MODELS))
    return path


def test_the_command_line_refuses_an_unknown_plugin_name(capsys: pytest.CaptureFixture[str], models: Path) -> None:
    for argv in (
        ["count", f"{models}:linear", "--input-shape", "2,4", "--disable-plugin", "nnn"],
        ["rules", "--disable-plugin", "nnn"],
        ["plugins", "--disable-plugin", "nnn"],
    ):
        code, _, err = run_main(capsys, *argv)
        assert code == 2, argv
        assert err.startswith("torch-flops: error: --disable-plugin: no plugin is named 'nnn'") and "'nn'" in err


def test_the_command_line_refuses_an_ignore_op_that_matches_nothing(
    capsys: pytest.CaptureFixture[str], models: Path
) -> None:
    code, _, err = run_main(capsys, "count", f"{models}:linear", "--input-shape", "2,4", "--ignore-op", "Linaer")
    assert code == 2 and "--ignore-op: nothing matched 'Linaer' (did you mean 'Linear'" in err
    code, out, _ = run_main(capsys, "count", f"{models}:linear", "--input-shape", "2,4", "--ignore-op", "Linear")
    assert code == 0 and "ignored" in out


# -- 10. integer bookkeeping in tensors -----------------------------------------------------------


@pytest.mark.parametrize("engine", ["auto", "fx", "aten"])
def test_batchnorms_num_batches_tracked_update_is_not_a_flop(engine: str) -> None:
    module = BatchNormAct2d(3)  # timm: its own forward runs `num_batches_tracked.add_(1)` in training
    inputs = torch.randn(2, 3, 4, 4)
    n = inputs.numel()
    norm_and_relu = 4 * n + n  # (2 + weight + bias)·n, then ReLU n
    for training in (True, False):
        module.train(training)
        assert count_flops(module, inputs, engine=engine).total == norm_and_relu, (engine, training)


@pytest.mark.parametrize("engine", ["auto", "fx", "aten"])
def test_integer_arithmetic_on_scalar_tensors_is_bookkeeping(engine: str) -> None:
    def step(counter: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        return (counter + 1) * 2 + values

    ints = torch.arange(5)
    assert count_flops(step, torch.tensor(3), ints, engine=engine).total == 5  # only the add of 5 elements
    floats = count_flops(step, torch.tensor(3.0), ints.float(), engine=engine)
    assert floats.total == 1 + 1 + 5  # a 0-d float is a value of the model: counted


# -- 11. clear errors for the loss, inference tensors, the command line's --backward ---------------


def test_a_loss_that_is_a_leaf_is_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"loss= returned a leaf tensor .* does not depend on the model's output"):
        count_flops(
            nn.Linear(4, 3), torch.randn(2, 4), backward=True, loss=lambda out: torch.ones((), requires_grad=True)
        )


def test_a_loss_not_connected_to_the_model_is_a_clear_error() -> None:
    other = nn.Parameter(torch.randn(3))
    with pytest.raises(InputError, match=r"loss= returned a tensor computed without it"):
        count_flops(nn.Linear(4, 3), torch.randn(2, 4), backward=True, loss=lambda out: (other * 2).sum())


def test_a_loss_of_an_output_attribute_is_connected() -> None:
    model, ids = gpt2()
    result = count_flops(model, input_ids=ids, backward=True, loss=lambda out: out.logits.mean())
    assert result.total_by_phase["backward"] > 0


def test_inputs_made_in_inference_mode_count_the_backward() -> None:
    with torch.inference_mode():
        inputs = torch.randn(B, K)
    model = nn.Linear(K, M)
    result = count_flops(model, inputs, backward=True)
    assert result.total_by_phase["forward"] == LINEAR
    assert result.total_by_phase["backward"] == LINEAR_WEIGHT_GRAD
    assert inputs.is_inference()  # the caller's tensor is left as it was


@pytest.mark.parametrize(("factory", "what"), [("frozen", "requires grad"), ("argmax", "no floating-point tensor")])
def test_the_command_lines_backward_errors_say_what_is_wrong(
    capsys: pytest.CaptureFixture[str], models: Path, factory: str, what: str
) -> None:
    code, _, err = run_main(capsys, "count", f"{models}:{factory}", "--input-shape", "2,4", "--backward")
    assert code == 2
    assert "do not fit" not in err and "--backward" in err and what in err, err


# -- 13. count_bytes=False: unknown, not 0 --------------------------------------------------------


def test_bytes_not_counted_are_unknown_in_the_result_and_every_report() -> None:
    result = count_flops(Net(), x(), count_bytes=False)
    assert result.total_bytes is None and result.intensity is None
    assert result.to_dict()["total_bytes"] is None
    assert all(row.bytes is None and row.intensity is None for row in result.module_table(1))
    for text in (result.table(roofline=True), result.module_report(1, roofline=True)):
        assert "0 B/s" not in text and "bytes: 0" not in text and "not counted" in text
    assert "not counted" in result._repr_html_() and "0 B moved" not in result._repr_html_()
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert rows and all(row["bytes"] == "" and row["byte_s"] == "" for row in rows)
    modules = list(csv.DictReader(io.StringIO(render_module_csv(result, 1))))
    assert modules and all(row["bytes"] == "" for row in modules)
    counted = count_flops(Net(), x())
    assert counted.total_bytes is not None and counted.total_bytes > 0


# -- 15. torch.device is a metadata constructor ---------------------------------------------------


def test_torch_device_is_counted_as_zero() -> None:
    def f(v: torch.Tensor) -> torch.Tensor:
        torch.device("cpu")
        return v * 2

    result = count_flops(f, torch.randn(3), strict=True)
    (device,) = [r for r in result.ops if r.target_name == "torch.device"]
    assert device.flops == 0 and device.plugin == "functional"
    assert result.total == 3


def test_a_non_reentrant_checkpoint_on_meta_is_fully_counted() -> None:
    class Checkpointed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(K, M)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return checkpoint(self.fc, x, use_reentrant=False)

    model = Checkpointed().to("meta")
    inputs = torch.randn(B, K, device="meta")
    assert count_flops(model, inputs, strict=True).total == LINEAR
    assert count_flops(model, inputs, strict=True, backward=True).total_by_phase["backward"] == LINEAR_WEIGHT_GRAD
