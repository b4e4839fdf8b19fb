"""Counting never changes the model: flags, buffers, parameters, state_dict keys and hooks stay."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torch_flops_core import Call, Registry, RuleError, count_flops, hookimpl


class BNNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 6 * 6, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.bn(self.conv(x))))


def snapshot(model: nn.Module) -> dict[str, object]:
    return {
        "training": [m.training for m in model.modules()],
        "state": {k: v.clone() for k, v in model.state_dict().items()},
        "hooks": [(len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks)) for m in model.modules()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
    }


def assert_unchanged(model: nn.Module, before: dict[str, object]) -> None:
    after = snapshot(model)
    assert after["training"] == before["training"]
    assert after["hooks"] == before["hooks"]
    assert after["requires_grad"] == before["requires_grad"]
    state_before, state_after = before["state"], after["state"]
    assert isinstance(state_before, dict) and isinstance(state_after, dict)
    assert list(state_after) == list(state_before)
    for key, value in state_before.items():
        assert torch.equal(state_after[key], value), key


@pytest.mark.parametrize("training", [True, False])
def test_counting_leaves_model_as_it_was(training: bool) -> None:
    model = BNNet().train(training)
    before = snapshot(model)
    count_flops(model, torch.randn(2, 3, 8, 8))
    assert_unchanged(model, before)
    assert model.bn.num_batches_tracked.item() == 0


def test_model_is_restored_when_a_rule_raises() -> None:
    class Failing:
        name = "failing"

        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            @registry.module(nn.Linear)
            def boom(call: Call) -> int:
                raise RuntimeError("boom")

    model = BNNet().train()
    before = snapshot(model)
    with pytest.raises(RuleError):
        count_flops(model, torch.randn(2, 3, 8, 8), plugins=[Failing()])
    assert_unchanged(model, before)


def test_a_buffer_replaced_by_forward_is_put_back() -> None:
    class Counter(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("calls", torch.zeros(3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.calls = self.calls + 1  # replaces the buffer with a new tensor
            self.register_buffer("seen", x.clone())  # registers a new one
            return x * 2

    model = Counter()
    original = model.calls
    count_flops(model, torch.randn(3), engine="eager")
    assert model.calls is original and model.calls.tolist() == [0, 0, 0]
    assert list(model._buffers) == ["calls"]


def test_grad_mode_and_input_are_untouched() -> None:
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    x_before = x.detach().clone()
    count_flops(BNNet(), x)
    assert torch.is_grad_enabled()
    assert torch.equal(x.detach(), x_before) and x.grad is None


def test_tracing_leaves_no_tensor_constant_attributes() -> None:
    class WithConstant(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x) + torch.tensor([1.0, 2.0, 3.0])  # FX keeps this as a get_attr constant

    model = WithConstant()
    names = set(model.__dict__)
    result = count_flops(model, torch.randn(2, 3))
    assert set(model.__dict__) == names
    assert any(r.kind == "get_attr" for r in result.ops)
    assert result.total == (2 * 3 - 1) * 6 + 6 + 6
