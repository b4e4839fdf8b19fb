"""Counting never changes the model: flags, buffers, parameters, state_dict keys and hooks stay."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from helpers import assert_unchanged, snapshot
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
    result = count_flops(model, torch.randn(2, 3), engine="fx")
    assert set(model.__dict__) == names
    assert any(r.kind == "get_attr" for r in result.ops)
    assert result.total == (2 * 3 - 1) * 6 + 6 + 6


class LazyMask(nn.Module):
    """Sets an attribute the first time it runs: under fx, to a Proxy."""

    def __init__(self) -> None:
        super().__init__()
        self.mask: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mask is None:
            self.mask = torch.ones_like(x)
        return x * self.mask


@pytest.mark.parametrize("engine", ["auto", "fx", "eager"])
def test_an_attribute_set_lazily_in_forward_is_put_back(engine: str) -> None:
    model, x = LazyMask(), torch.randn(4)
    for _ in range(2):  # a second count sees the model as it was before the first
        assert count_flops(model, x, engine=engine).total == 4  # ones_like 0, × 4
        assert model.mask is None
    assert isinstance(model(x), torch.Tensor)


class Caches(nn.Module):
    """timm's LeViT/EfficientFormer way: an attention bias cache (a dict) filled in eval-mode forward."""

    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.ones(4))
        self.cache: dict[str, torch.Tensor] = {}
        self.seen: list[int] = [1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if str(x.device) not in self.cache:
            self.cache[str(x.device)] = self.bias * 2
        self.seen.append(len(self.seen))
        return x + self.cache[str(x.device)]


@pytest.mark.parametrize("engine", ["auto", "aten"])  # fx cannot trace a dict keyed by a device's name
@pytest.mark.parametrize("backward", [False, True])
def test_a_dict_or_list_filled_in_forward_gets_its_contents_back(engine: str, backward: bool) -> None:
    model = Caches().eval()
    cache, seen = model.cache, model.seen
    for _ in range(2):  # with backward=True the second count would reach a freed graph through the cache
        result = count_flops(model, torch.randn(4), engine=engine, backward=backward)
        assert result.total_by_phase["forward"] == 4 + 4  # bias·2, x + cached
        assert model.cache is cache and cache == {} and model.seen is seen and seen == [1]


class Tinkers(nn.Module):
    """A forward that changes attributes of its submodules and registers hooks on them."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Linear(3, 3)
        self.inner.calls = 0  # type: ignore[assignment]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inner.calls += 1  # type: ignore[operator]
        self.inner.seen = True
        self.inner.register_forward_hook(lambda m, a, out: out * 2)
        self.register_forward_pre_hook(lambda m, a: None)
        return self.inner(x)


@pytest.mark.parametrize("engine", ["auto", "fx"])
def test_attributes_and_hooks_changed_in_forward_are_put_back(engine: str) -> None:
    model = Tinkers()
    state = {name: dict(m.__dict__) for name, m in model.named_modules()}
    hooks = [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()]
    count_flops(model, torch.randn(2, 3), engine=engine)
    assert model.inner.calls == 0 and not hasattr(model.inner, "seen")
    assert [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()] == hooks
    assert {name: dict(m.__dict__) for name, m in model.named_modules()}.keys() == state.keys()
    for name, m in model.named_modules():
        assert m.__dict__.keys() == state[name].keys()
        assert all(m.__dict__[k] is v for k, v in state[name].items() if k != "_forward_hooks"), name


class Raises(nn.Module):
    def __init__(self, error: type[BaseException]) -> None:
        super().__init__()
        self.error = error
        self.step = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.step += 1
        self.extra = x
        raise self.error("stop")


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_the_model_is_put_back_when_forward_raises_or_is_interrupted(error: type[BaseException]) -> None:
    model = Raises(error)
    with pytest.raises(error):
        count_flops(model, torch.randn(2))
    assert model.step == 0 and "extra" not in model.__dict__
    assert not torch.nn.modules.module._global_forward_hooks  # the engine's hooks are gone too
    assert not torch.nn.modules.module._global_forward_pre_hooks


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda m: m.forward, id="bound forward"),
        pytest.param(lambda m: lambda x: m(x), id="lambda closure"),
        pytest.param(lambda m: __import__("functools").partial(m), id="partial"),
    ],
)
def test_a_callable_reaching_the_model_protects_it_too(wrap: Any) -> None:
    model = BNNet().train()
    before = snapshot(model)
    result = count_flops(wrap(model), torch.randn(2, 3, 8, 8))
    assert result.total > 0
    assert_unchanged(model, before)
    assert model.bn.num_batches_tracked.item() == 0


def test_module_paths_of_a_bound_forward_are_its_modules_paths() -> None:
    model = BNNet().eval()
    result = count_flops(model.forward, torch.randn(2, 3, 8, 8))
    assert {r.module_path for r in result.ops} == {"conv", "bn", "", "head.0", "head.1"}


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_ends_as_it_was(enabled: bool) -> None:
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        count_flops(BNNet(), torch.randn(2, 3, 8, 8))
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError):
            count_flops(Raises(RuntimeError), torch.randn(2))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
