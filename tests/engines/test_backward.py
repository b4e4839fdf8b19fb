"""Training FLOPs: ``count_flops(..., backward=True)`` counts the backward pass op by op.

Expected values come from formulas written here, from torch's ``FlopCounterMode`` where it is right
(ungrouped contractions), and from agreements that must hold (a transformer's forward + backward
MACs are three times its forward MACs; a checkpointed model's forward and backward are the plain
model's).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import calls
from torch import nn
from torch.utils.checkpoint import checkpoint
from torch.utils.flop_counter import FlopCounterMode
from zoo_models import MODELS

from torch_flops_core import FlopsResult, InputError, count_flops
from torch_flops_core.cli import main


def backward_ops(result: FlopsResult) -> list[Any]:
    return [r for r in calls(result) if r.phase == "backward"]


def flop_counter_train(fn: Any, inputs: tuple[Any, ...], wrt: list[torch.Tensor]) -> int:
    """torch's FlopCounterMode around a forward and the backward of its output's sum (``.backward()``: its
    module tracker fails under ``autograd.grad`` of leaves); the gradients it writes are dropped."""
    with FlopCounterMode(display=False) as counter:
        out = fn(*inputs)
        out.sum().backward()
    for t in wrt:
        t.grad = None
    return counter.get_total_flops()


# -- contractions -------------------------------------------------------------------------------


M, K, N = 4, 5, 6


@pytest.mark.parametrize("grads", [(True, True), (True, False), (False, True)])
def test_mm_backward_is_one_contraction_per_operand_that_requires_grad(grads: tuple[bool, bool]) -> None:
    a = torch.randn(M, K, requires_grad=grads[0])
    b = torch.randn(K, N, requires_grad=grads[1])
    result = count_flops(torch.mm, a, b, backward=True)
    forward_macs = M * K * N
    assert result.total_macs_by_phase["forward"] == forward_macs
    assert result.total_macs_by_phase["backward"] == forward_macs * sum(grads)
    # dA = dY·Bᵀ: M×K outputs of N products; dB = Aᵀ·dY: K×N outputs of M products
    expected = grads[0] * M * K * (2 * N - 1) + grads[1] * K * N * (2 * M - 1)
    assert result.total_by_phase["backward"] == expected
    assert result.total_by_phase["loss"] == M * N - 1  # the default loss: the output's sum
    assert result.total == sum(result.total_by_phase.values())


@pytest.mark.parametrize(
    ("name", "fn", "shapes"),
    [
        ("mm", torch.mm, [(M, K), (K, N)]),
        ("bmm", torch.bmm, [(3, M, K), (3, K, N)]),
        ("addmm", torch.addmm, [(N,), (M, K), (K, N)]),
        ("matmul", torch.matmul, [(2, 3, M, K), (K, N)]),
    ],
)
def test_contraction_macs_agree_with_flop_counter_mode(name: str, fn: Any, shapes: list[tuple[int, ...]]) -> None:
    inputs = tuple(torch.randn(shape, requires_grad=True) for shape in shapes)
    for engine in ("auto", "aten"):
        result = count_flops(fn, *inputs, backward=True, engine=engine)
        forward, backward = result.total_macs_by_phase["forward"], result.total_macs_by_phase["backward"]
        assert backward == 2 * forward, (name, engine)
        assert 2 * (forward + backward) == flop_counter_train(fn, inputs, list(inputs)), (name, engine)


def test_linear_weight_gradient_only_when_the_input_does_not_require_grad() -> None:
    layer = nn.Linear(K, N)
    x = torch.randn(M, K)
    result = count_flops(layer, x, backward=True)
    assert result.total_macs_by_phase["backward"] == M * K * N  # dW only: the input needs no gradient
    # dW = dYᵀ·X: N×K outputs of M products; db = Σ dY over M rows
    assert result.total_by_phase["backward"] == N * K * (2 * M - 1) + (M * N - N)
    result = count_flops(layer, x.requires_grad_(), backward=True)
    assert result.total_macs_by_phase["backward"] == 2 * M * K * N
    assert 2 * (result.total_macs_by_phase["forward"] + result.total_macs_by_phase["backward"]) == (
        flop_counter_train(layer, (x,), [x, *layer.parameters()])
    )


def test_a_frozen_weight_gets_no_weight_gradient() -> None:
    layer = nn.Linear(K, N, bias=False).requires_grad_(False)
    x = torch.randn(M, K, requires_grad=True)
    result = count_flops(layer, x, backward=True)
    (mm,) = [r for r in backward_ops(result) if r.macs]
    assert mm.macs == M * K * N and mm.flops == M * K * (2 * N - 1)  # dX only
    assert layer.weight.requires_grad is False


def test_ungrouped_convolution_agrees_with_flop_counter_mode() -> None:
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    x = torch.randn(2, 3, 16, 16, requires_grad=True)
    result = count_flops(conv, x, backward=True)
    forward_macs = 2 * 8 * 8 * 8 * 3 * 9  # N·C_out·H_out·W_out · C_in·k
    expected = {"forward": forward_macs, "loss": 0, "backward": 2 * forward_macs, "recompute": 0}
    assert result.total_macs_by_phase == expected
    assert 2 * 3 * forward_macs == flop_counter_train(conv, (x,), [x, *conv.parameters()])


@pytest.mark.parametrize("groups", [2, 8])
def test_grouped_and_depthwise_convolution_backward_by_hand(groups: int) -> None:
    conv = nn.Conv2d(8, 8, 3, groups=groups)  # padding 0, stride 1: every input element is covered
    x = torch.randn(2, 8, 10, 10, requires_grad=True)
    result = count_flops(conv, x, backward=True)
    out = 2 * 8 * 8 * 8
    macs = out * (8 // groups) * 9  # N_out · C_in/groups · k
    assert result.total_macs_by_phase["backward"] == 2 * macs
    (op,) = [r for r in backward_ops(result) if r.target_name.endswith("convolution_backward.default")]
    # dX: a transposed convolution, 2·MACs − numel(x); dW: 2·MACs − numel(w); db: numel(dy) − C_out
    assert op.flops == (2 * macs - x.numel()) + (2 * macs - conv.weight.numel()) + (out - 8)
    # torch's counter ignores groups in the weight gradient: groups times the work it does
    assert flop_counter_train(conv, (x,), [x, *conv.parameters()]) == 2 * macs + 2 * macs + 2 * macs * groups


def test_a_vision_models_first_convolution_gets_no_input_gradient() -> None:
    from torchvision.models import resnet18

    with torch.device("meta"):
        model = resnet18()
        x = torch.randn(1, 3, 224, 224)
    result = count_flops(model, x, backward=True)
    conv1 = 64 * 112 * 112 * 3 * 7 * 7  # no dX for the image: the input does not require grad
    assert result.total_macs_by_phase["backward"] == 2 * result.total_macs_by_phase["forward"] - conv1
    assert result.unrecognized == []


# -- attention --------------------------------------------------------------------------------


def attention_backward_by_hand(b: int, lq: int, lk: int, d: int, dv: int) -> int:
    s = b * lq * lk
    dv_grad = (2 * lq - 1) * b * lk * dv  # dV = Pᵀ·dO
    dp = (2 * dv - 1) * s  # dP = dO·Vᵀ
    ds = 4 * s - b * lq  # softmax backward: P·(dP − Σ dP·P)
    scale = s
    dq = (2 * lk - 1) * b * lq * d  # dQ = dS·K
    dk = (2 * lq - 1) * b * lk * d  # dK = dSᵀ·Q
    return dv_grad + dp + ds + scale + dq + dk


@pytest.mark.parametrize("causal", [False, True])
def test_fused_cpu_attention_forward_and_backward(causal: bool) -> None:
    q, k, v = (torch.randn(2, 4, 16, 8, requires_grad=True) for _ in range(3))

    def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)

    result = count_flops(attend, q, k, v, backward=True, engine="aten")
    names = {r.target_name.rsplit(".", 2)[-2] for r in calls(result) if r.macs}
    fused = "_scaled_dot_product_flash_attention_for_cpu"
    assert names == {fused, f"{fused}_backward"}
    s = 8 * 16 * 16
    assert result.total_macs_by_phase["forward"] == s * 8 + s * 8
    assert result.total_macs_by_phase["backward"] == 2 * (s * 8 + s * 8)
    (kernel,) = [r for r in backward_ops(result) if r.macs]
    assert kernel.flops == attention_backward_by_hand(8, 16, 16, 8, 8)  # causal: the full T×T work, as counted
    # torch's own counter sees nothing of the fused cpu kernels
    assert flop_counter_train(attend, (q, k, v), [q, k, v]) == 0
    # on meta the math path runs (matmuls and softmax): the same contractions
    on_meta = (t.detach().to("meta").requires_grad_() for t in (q, k, v))
    meta = count_flops(attend, *on_meta, backward=True, engine="aten")
    assert meta.total_macs_by_phase == result.total_macs_by_phase
    assert all(not r.target_name.endswith("cpu_backward.default") for r in calls(meta))


def test_a_fused_backward_counts_only_the_gradients_it_is_asked_for() -> None:
    """The efficient kernel's grad_input_mask (cuda-only; its meta kernel runs here): dQ and dV, no dK."""
    q = torch.randn(2, 4, 16, 8, device="meta")
    lse, seed = torch.randn(2, 4, 16, device="meta"), torch.empty((), dtype=torch.long, device="meta")

    def efficient_backward(
        do: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, out: torch.Tensor
    ) -> Any:
        return torch.ops.aten._scaled_dot_product_efficient_attention_backward(
            do, q, k, v, None, out, lse, seed, seed, 0.0, [True, False, True], False
        )

    result = count_flops(efficient_backward, q, q, q, q, q, engine="aten")
    b, lq, lk, d, s = 8, 16, 16, 8, 8 * 16 * 16
    dk = (2 * lq - 1) * b * lk * d
    assert result.total == attention_backward_by_hand(b, lq, lk, d, d) - dk
    assert result.total_macs == 3 * s * d  # dV, dP and dQ


# -- other kernels autograd runs on cpu -----------------------------------------------------------


def test_an_lstm_on_cpu_counts_its_onednn_layers_forward_and_backward() -> None:
    """nn.LSTM on cpu runs oneDNN's mkldnn_rnn_layer and mkldnn_rnn_layer_backward, one call per layer."""
    lstm = nn.LSTM(8, 16)
    x = torch.randn(5, 2, 8, requires_grad=True)
    result = count_flops(lstm, x, backward=True, engine="aten")
    assert result.total_by_phase["forward"] == count_flops(lstm, x).total  # the nn pack's count of the module
    rows, i, h = 5 * 2, 8, 16
    g = 4 * h
    gate_arithmetic = 3 * 3 + 1 + 3 + 1 + 1  # i, f, o sigmoids (3 each), g tanh, c', tanh(c'), h' per unit
    expected = (
        rows * (2 * g - 1) * i  # dX = dG·W_ih
        + rows * (2 * g - 1) * h  # dH = dG·W_hh
        + (2 * rows - 1) * g * i  # dW_ih
        + (2 * rows - 1) * g * h  # dW_hh
        + 2 * (rows - 1) * g  # db_ih, db_hh
        + 2 * gate_arithmetic * h * rows
    )
    (layer,) = [r for r in backward_ops(result) if r.macs]
    assert (layer.flops, layer.macs) == (expected, 2 * rows * (i + h) * g)
    assert result.unrecognized == []


def test_embedding_bag_upsampling_and_adaptive_max_pool_backward_by_hand() -> None:
    bag = nn.EmbeddingBag(50, 8, mode="mean")
    ids = torch.randint(0, 50, (4, 3))
    result = count_flops(bag, ids, backward=True)
    (op,) = [r for r in backward_ops(result) if "embedding_bag" in r.target_name]
    assert op.flops == 4 * 8 + 12 * 8  # a divide per bag value, an add per looked-up value
    x = torch.randn(1, 2, 5, 5, requires_grad=True)
    up = count_flops(nn.Upsample(scale_factor=2, mode="bilinear"), x, backward=True)
    (op,) = [r for r in backward_ops(up) if "upsample" in r.target_name]
    assert op.flops == 8 * 2 * 10 * 10  # each output gradient scattered to 4 inputs: 4 multiplies, 4 adds
    near = count_flops(nn.Upsample(scale_factor=2), x, backward=True)
    (op,) = [r for r in backward_ops(near) if "upsample" in r.target_name]
    assert op.flops == 2 * 10 * 10 - 2 * 5 * 5  # each input's gradient the sum of its 4 copies
    pool = count_flops(nn.AdaptiveMaxPool2d(2), x, backward=True)
    (op,) = [r for r in backward_ops(pool) if "adaptive_max_pool" in r.target_name]
    assert op.flops == 2 * 2 * 2  # each gradient into its argmax
    gru = count_flops(nn.GRU(8, 16, bidirectional=True), torch.randn(5, 2, 8), backward=True, engine="aten")
    assert gru.unrecognized == []  # unsafe_split, the gate split, is a view


ROWS, CLASSES = 4, 5
_target = torch.randint(0, CLASSES, (ROWS,))
_other, _probability = torch.randn(ROWS, CLASSES), torch.rand(ROWS, CLASSES)
LOSSES: dict[str, Any] = {
    "cross_entropy": lambda x: F.cross_entropy(x, _target),
    "cross_entropy_weighted": lambda x: F.cross_entropy(x, _target, weight=torch.rand(CLASSES), reduction="sum"),
    "nll_loss2d": lambda x: F.nll_loss(x.view(1, ROWS, CLASSES, 1), torch.zeros(1, CLASSES, 1, dtype=torch.long)),
    "mse_loss": lambda x: F.mse_loss(x, _other),
    "smooth_l1_loss": lambda x: F.smooth_l1_loss(x, _other, beta=0.5),
    "huber_loss": lambda x: F.huber_loss(x, _other, reduction="none"),
    "binary_cross_entropy": lambda x: F.binary_cross_entropy(x.sigmoid(), _probability),
    "binary_cross_entropy_with_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, _probability, pos_weight=torch.ones(CLASSES)
    ),
    "soft_margin_loss": lambda x: F.soft_margin_loss(x, _other.sign()),
    "multi_margin_loss": lambda x: F.multi_margin_loss(x, _target, p=2),
    "multilabel_margin_loss": lambda x: F.multilabel_margin_loss(x, torch.zeros(ROWS, CLASSES, dtype=torch.long)),
    "triplet_margin_loss": lambda x: F.triplet_margin_loss(x, _other, _probability),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_kernels_count_as_the_loss_functions_forward_and_have_a_backward(name: str) -> None:
    """At the aten level (nll_loss_forward, mse_loss ...) a loss counts what the functional pack counts for
    the function; its backward kernel has a rule."""
    x = torch.randn(ROWS, CLASSES, requires_grad=True)
    default = count_flops(LOSSES[name], x, backward=True)
    aten = count_flops(LOSSES[name], x, backward=True, engine="aten")
    assert default.unrecognized == [] and aten.unrecognized == []
    assert aten.total_by_phase["forward"] == default.total_by_phase["forward"]
    assert aten.total_by_phase["backward"] == default.total_by_phase["backward"] > 0


def test_loss_backward_kernels_by_hand() -> None:
    x = torch.randn(ROWS, CLASSES, requires_grad=True)
    n = ROWS * CLASSES

    def kernel(fn: Any, name: str) -> int:
        result = count_flops(fn, x, backward=True, engine="aten")
        (op,) = [r for r in backward_ops(result) if r.target_name.endswith(f"{name}.default")]
        return int(op.flops)

    assert kernel(LOSSES["mse_loss"], "mse_loss_backward") == 3 * n  # 2·(x − y)·g
    assert kernel(LOSSES["cross_entropy"], "nll_loss_backward") == ROWS  # −g/E written at each target
    assert kernel(LOSSES["cross_entropy_weighted"], "nll_loss_backward") == 2 * ROWS  # and × its class weight
    assert kernel(LOSSES["huber_loss"], "huber_loss_backward") == 4 * n  # d, compare, d or δ·sign(d), × g
    assert kernel(LOSSES["multi_margin_loss"], "multi_margin_loss_backward") == (3 + 1) * n  # p = 2: one more


# -- language models: forward + backward = 3 × forward ------------------------------------------


def gpt2() -> nn.Module:
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=500, n_positions=64, bos_token_id=0, eos_token_id=0)
    return GPT2LMHeadModel(config).eval()


def llama() -> nn.Module:  # grouped-query attention, RoPE, RMSNorm, SiLU
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        num_hidden_layers=2, hidden_size=64, num_attention_heads=4, num_key_value_heads=2, intermediate_size=128,
        vocab_size=500, bos_token_id=0, eos_token_id=0,
    )  # fmt: skip
    return LlamaForCausalLM(config).eval()


@pytest.mark.parametrize("build", [gpt2, llama])
@pytest.mark.parametrize("engine", ["auto", "aten"])
def test_language_model_training_macs_are_three_times_the_forward(build: Any, engine: str) -> None:
    torch.manual_seed(0)
    model = build()
    ids = torch.randint(0, 500, (2, 16))
    result = count_flops(model, ids, backward=True, engine=engine)
    macs = result.total_macs_by_phase
    assert macs["forward"] == count_flops(model, ids, engine=engine).total_macs
    assert macs["backward"] == 2 * macs["forward"]
    assert result.unrecognized == []
    assert all(p.grad is None for p in model.parameters())


def test_a_model_output_with_a_loss_is_differentiated_from_that_loss() -> None:
    torch.manual_seed(0)
    model = gpt2()
    ids = torch.randint(0, 500, (2, 16))
    result = count_flops(model, ids, labels=ids, backward=True)
    assert result.total_by_phase["loss"] == 0  # the model computed its loss in forward: nothing to add
    forward_only = count_flops(model, ids, labels=ids)
    assert result.total_by_phase["forward"] == forward_only.total
    assert result.total_macs_by_phase["backward"] == 2 * forward_only.total_macs


def test_a_loss_function_is_counted_in_its_own_phase() -> None:
    layer = nn.Linear(K, N)
    x, target = torch.randn(M, K), torch.randint(0, N, (M,))
    result = count_flops(layer, x, backward=True, loss=lambda out: F.cross_entropy(out, target))
    assert result.total_by_phase["forward"] == count_flops(layer, x).total
    assert result.total_by_phase["loss"] > 0
    assert {r.phase for r in calls(result)} == {"forward", "loss", "backward"}
    assert result.total_macs_by_phase["backward"] == M * K * N


def test_every_float_output_that_requires_grad_is_in_the_default_loss() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(K, N, bias=False), nn.Linear(K, N, bias=False)

        def forward(self, x: torch.Tensor) -> dict[str, Any]:
            return {"a": self.a(x), "rest": (self.b(x), torch.ones(3, dtype=torch.long))}

    result = count_flops(Two(), torch.randn(M, K), backward=True)
    assert result.by_module(1, phase="backward") == {"a": N * K * (2 * M - 1), "b": N * K * (2 * M - 1), "": 0}


# -- attribution ----------------------------------------------------------------------------------


def test_backward_ops_belong_to_the_module_that_made_their_node() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    x = torch.randn(3, 8)
    for engine in ("auto", "fx", "aten"):
        result = count_flops(model, x, backward=True, engine=engine)
        assert result.by_module(1, phase="backward") == {
            "2": 3 * 16 * (2 * 4 - 1) + 4 * 16 * (2 * 3 - 1) + (3 * 4 - 4),  # dX, dW, db
            "1": 3 * 16,  # ReLU's gradient: one select per element
            "0": 16 * 8 * (2 * 3 - 1) + (3 * 16 - 16),  # dW, db: the input needs no gradient
            "": 0,  # the loss's own backward (an expand)
        }, engine
        rows = {row.path: row for row in result.module_table(1)}
        assert rows["2"].backward == result.by_module(1, phase="backward")["2"]
        assert rows["2"].forward == result.by_module(1, phase="forward")["2"]


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fc(x)


def test_a_gradient_sum_belongs_to_the_node_that_completes_it() -> None:
    model = nn.Sequential(nn.Linear(8, 16), Residual())
    result = count_flops(model, torch.randn(3, 8), backward=True)
    # x feeds the residual's add and fc: its two gradients are summed when fc's arrives last
    sums = [r for r in backward_ops(result) if r.target_name.endswith("add.Tensor")]
    assert [(r.module_path, r.flops) for r in sums] == [("1.fc", 3 * 16)]


@pytest.mark.parametrize("engine", ["auto", "fx", "aten"])
def test_engines_agree_on_the_backward_of_a_real_model(engine: str) -> None:
    import timm

    with torch.device("meta"):
        model = timm.create_model("resnet18", pretrained=False)
        x = torch.randn(2, 3, 64, 64)
    reference = count_flops(model, x, backward=True, engine="eager")
    result = count_flops(model, x, backward=True, engine=engine)
    assert result.total_by_phase["backward"] == reference.total_by_phase["backward"]
    assert result.by_module(2, phase="backward") == reference.by_module(2, phase="backward")
    conv1 = 2 * 64 * 32 * 32 * 3 * 49  # no input gradient for the images
    assert result.total_macs_by_phase["backward"] == 2 * result.total_macs_by_phase["forward"] - conv1


def test_cpu_and_meta_count_the_same_training_step() -> None:
    from torchvision.models import resnet18

    torch.manual_seed(0)
    model = resnet18(num_classes=10)
    x = torch.randn(1, 3, 64, 64)
    on_cpu = count_flops(model, x, backward=True)
    on_meta = count_flops(model.to("meta"), x.to("meta"), backward=True)
    assert on_cpu.total_by_phase == on_meta.total_by_phase
    assert on_cpu.by_module(1, phase="backward") == on_meta.by_module(1, phase="backward")
    assert all(r.time_ms is not None for r in backward_ops(on_cpu))


# -- activation checkpointing -------------------------------------------------------------------


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fc2(self.act(self.fc1(x)))


class Net(nn.Module):
    def __init__(self, reentrant: bool | None = None) -> None:
        super().__init__()
        self.inp, self.head = nn.Linear(8, 16), nn.Linear(16, 3)
        self.blocks = nn.ModuleList(Block() for _ in range(2))
        self.reentrant = reentrant

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inp(x)
        for block in self.blocks:
            x = block(x) if self.reentrant is None else checkpoint(block, x, use_reentrant=self.reentrant)
        return self.head(x)


B = 4
FC1 = B * 32 * (2 * 16 - 1) + B * 32  # Linear(16, 32) on 4 rows, with its bias
RELU = B * 32
FC2 = B * 16 * (2 * 32 - 1) + B * 16
ADD = B * 16


@pytest.mark.parametrize(("reentrant", "recomputed"), [(False, FC1 + RELU), (True, FC1 + RELU + FC2 + ADD)])
def test_checkpointing_adds_recompute_and_changes_nothing_else(reentrant: bool, recomputed: int) -> None:
    torch.manual_seed(0)
    plain = Net()
    model = Net(reentrant)
    model.load_state_dict(plain.state_dict())
    x = torch.randn(B, 8)
    expected = count_flops(plain, x, backward=True)
    for engine in ("auto", "aten"):
        result = count_flops(model, x, backward=True, engine=engine)
        phases = result.total_by_phase
        assert (phases["forward"], phases["backward"]) == (
            expected.total_by_phase["forward"],
            expected.total_by_phase["backward"],
        )
        assert result.by_module(2, phase="backward") == expected.by_module(2, phase="backward")
        # non-reentrant checkpointing stops once the tensors backward needs are back: fc2 is not run again
        assert result.by_module(2, phase="recompute") == {"blocks.0": recomputed, "blocks.1": recomputed}
        assert result.unrecognized == []
    assert all(p.grad is None for p in model.parameters())


def test_reentrant_checkpointing_leaves_existing_gradients_as_they_were() -> None:
    model = Net(reentrant=True)
    grads = {}
    for name, p in model.named_parameters():
        p.grad = torch.full_like(p, 7.0)
        grads[name] = p.grad
    count_flops(model, torch.randn(B, 8), backward=True)
    for name, p in model.named_parameters():
        assert p.grad is grads[name] and bool((p.grad == 7.0).all()), name


@pytest.mark.slow
@pytest.mark.parametrize(("build", "name"), MODELS)
def test_zoo_training_step_is_recognized_and_the_engines_agree(build: Any, name: str) -> None:
    """Every zoo model on meta: forward and backward counted with no unrecognized op; the default and aten
    engines run the same backward; no contraction runs more than twice its forward MACs backward."""
    model, x = build(name)
    default = count_flops(model, x, backward=True)
    aten = count_flops(model, x, backward=True, engine="aten")
    assert default.unrecognized == [] and aten.unrecognized == []
    assert default.total_by_phase["backward"] == aten.total_by_phase["backward"]
    assert default.by_module(1, phase="backward") == aten.by_module(1, phase="backward")
    macs = default.total_macs_by_phase
    assert macs["forward"] < macs["backward"] <= 2 * macs["forward"]


# -- the model and the process end as they were ---------------------------------------------------


def dispatch_and_function_modes() -> tuple[int, int]:
    from torch.utils._python_dispatch import _get_current_dispatch_mode_stack

    return len(_get_current_dispatch_mode_stack()), len(torch.overrides._get_current_function_mode_stack())


def global_hooks() -> tuple[int, int]:
    from torch.nn.modules import module

    return len(module._global_forward_pre_hooks), len(module._global_forward_hooks)


def test_nothing_changes_after_a_training_count() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    model[0].weight.requires_grad_(False)
    model[4].weight.grad = torch.ones_like(model[4].weight)
    model.train()
    stats = {k: v.clone() for k, v in model.state_dict().items()}
    flags = [p.requires_grad for p in model.parameters()]
    handle = model[1].register_forward_hook(lambda *a: None)
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        result = count_flops(model, x, backward=True)
        assert not torch.is_grad_enabled()
    assert result.total_by_phase["backward"] > 0
    assert [p.requires_grad for p in model.parameters()] == flags
    assert model[0].weight.grad is None and model[1].weight.grad is None
    assert bool((model[4].weight.grad == 1).all())
    for key, value in model.state_dict().items():
        assert torch.equal(value, stats[key]), key  # running statistics and num_batches_tracked
    assert model.training and all(m.training for m in model.modules())
    assert list(model[1]._forward_hooks) == [handle.id]
    assert dispatch_and_function_modes() == (0, 0) and global_hooks() == (0, 0)


def test_counting_inside_inference_mode() -> None:
    layer = nn.Linear(K, N)
    x = torch.randn(M, K)
    with torch.inference_mode():
        result = count_flops(layer, x, backward=True)
        assert torch.is_inference_mode_enabled()
    assert result.total_macs_by_phase["backward"] == M * K * N


class Failing(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        return x * 2

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("backward failed on purpose")


class Breaks(nn.Module):
    def __init__(self, where: str) -> None:
        super().__init__()
        self.fc = nn.Linear(K, N)
        self.where = where

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(x)
        if self.where == "forward":
            raise RuntimeError("forward failed on purpose")
        return Failing.apply(y) if self.where == "backward" else y


@pytest.mark.parametrize("where", ["forward", "loss", "backward"])
def test_an_error_in_any_phase_leaves_everything_as_it_was(where: str) -> None:
    model = Breaks(where)
    model.fc.weight.grad = torch.zeros_like(model.fc.weight)
    before = model.fc.weight.grad

    def loss(out: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("loss failed on purpose")

    with pytest.raises(RuntimeError, match=f"{where} failed on purpose"):
        count_flops(model, torch.randn(M, K), backward=True, loss=loss if where == "loss" else None)
    assert model.fc.weight.grad is before and model.fc.bias.grad is None
    assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()
    assert dispatch_and_function_modes() == (0, 0) and global_hooks() == (0, 0)
    # and the next count is a clean one
    assert count_flops(nn.Linear(K, N), torch.randn(M, K), backward=True).total_macs_by_phase["backward"] == M * K * N


def test_bad_training_options_are_clear_errors() -> None:
    layer, x = nn.Linear(K, N), torch.randn(M, K)
    with pytest.raises(InputError, match="backward=True"):
        count_flops(layer, x, loss=lambda out: out.sum())
    with pytest.raises(TypeError, match="loss= takes a function"):
        count_flops(layer, x, backward=True, loss=5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="loss= returned a float"):
        count_flops(layer, x, backward=True, loss=lambda out: 1.0)
    with pytest.raises(InputError, match="requires_grad"):
        count_flops(layer.requires_grad_(False), x, backward=True)
    with pytest.raises(InputError, match="backward"):
        count_flops(layer, x, backwards=True)
    with pytest.raises(InputError, match=r"output \(Tensor\) holds no floating-point tensor"):
        count_flops(lambda t: t.long(), x.requires_grad_(), backward=True)
    without_aten = count_flops(nn.Linear(K, N), x, backward=True, disable=["aten"])
    assert without_aten.total_by_phase["backward"] == 0 and len(without_aten.unrecognized) > 0
    assert "aten-level rules" in without_aten.notes[-1]


def test_threads_count_training_steps_independently() -> None:
    torch.manual_seed(0)
    shared = Net()
    own = [Net(reentrant=False) for _ in range(3)]
    x = torch.randn(B, 8)
    expected_shared = count_flops(shared, x, backward=True)
    expected_own = count_flops(own[0], x, backward=True)
    results: dict[tuple[str, int, int], FlopsResult] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(5):
                results["shared", i, j] = count_flops(shared, x, backward=True)
                results["own", i, j] = count_flops(own[i], x, backward=True)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for (kind, _, _), result in results.items():
        expected = expected_shared if kind == "shared" else expected_own
        assert result.total_by_phase == expected.total_by_phase
        assert result.by_module(2, phase="backward") == expected.by_module(2, phase="backward")
        assert result.by_module(2, phase="recompute") == expected.by_module(2, phase="recompute")


# -- reports and the command line ---------------------------------------------------------------


def test_reports_show_the_phase() -> None:
    result = count_flops(nn.Sequential(nn.Linear(8, 16), nn.ReLU()), torch.randn(3, 8), backward=True)
    table = result.table()
    assert table.splitlines()[0].split()[:2] == ["node", "phase"]
    assert "(forward" in table.splitlines()[-1] and "backward" in table.splitlines()[-1]
    assert "backward" in result.module_report(1).splitlines()[0]
    data = json.loads(result.to_json())
    assert data["total_by_phase"] == result.total_by_phase
    assert {op["phase"] for op in data["ops"]} == {"forward", "loss", "backward"}
    assert ",phase," in result.to_csv().splitlines()[0]
    forward_only = count_flops(nn.Linear(8, 16), torch.randn(3, 8))
    assert "phase" not in forward_only.table().splitlines()[0]
    with pytest.raises(ValueError, match="phase must be one of"):
        result.by_module(1, phase="backwards")  # type: ignore[arg-type]


def test_cli_backward_counts_a_language_model_per_token(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from transformers import LlamaConfig

    LlamaConfig(
        num_hidden_layers=2, hidden_size=64, num_attention_heads=4, num_key_value_heads=2, intermediate_size=128,
        vocab_size=500, bos_token_id=0, eos_token_id=0,
    ).save_pretrained(tmp_path)  # fmt: skip
    spec = f"hf:{tmp_path}"
    assert main(["count", spec, "--seq-len", "16", "--backward", "--format", "json", "--by-module", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    phases = data["total_by_phase"]
    assert data["schema"] == "torch-flops/4" and data["tokens"] == 16
    assert data["flops_per_token"] == data["total"] / 16
    assert phases["backward"] > phases["forward"] > 0 and sum(phases.values()) == data["total"]
    rows = {row["module"]: row for row in data["by_module"]["modules"]}
    assert rows["lm_head"]["backward"] > rows["lm_head"]["forward"] > 0
    assert main(["count", spec, "--seq-len", "16", "--backward", "--by-module", "1"]) == 0
    text = capsys.readouterr().out
    assert "forward" in text.splitlines()[1] and "backward" in text.splitlines()[1]
    assert "training FLOPs per token" in text.splitlines()[-1]
    assert main(["count", spec, "--seq-len", "16", "--backward", "--top", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:2] == ["node", "phase"]
