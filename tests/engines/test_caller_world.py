"""A count never touches the caller's world (issue 22, "state changed by a count").

The caller's autograd graph is a boundary the count's backward stops at; what a forward changes on the
model's tensors (hooks, ``requires_grad``, ``.grad``) is put back; a counted backward writes no ``.grad``
and runs no post-accumulate-grad hook; the random number generators end as they were. The last test
trains a model for 20 steps with a count before each step and compares it, bit for bit, with one that
was never counted.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.utils.checkpoint import checkpoint

from torch_flops_core import ModelChangedWarning, count_flops

M, K, N = 2, 8, 8  # rows, in and out features of the counted Linear
E = 4  # the upstream encoder's in features


def encoded(seed: int = 0) -> tuple[nn.Linear, torch.Tensor, torch.Tensor]:
    """An upstream encoder, its input, and its output: a tensor that carries the caller's graph."""
    torch.manual_seed(seed)
    encoder = nn.Linear(E, K)
    x = torch.randn(M, E)
    return encoder, x, encoder(x)


class Checkpointed(nn.Module):
    """A Linear, run plainly or inside a reentrant or non-reentrant checkpoint."""

    def __init__(self, reentrant: bool | None) -> None:
        super().__init__()
        self.fc = nn.Linear(K, N)
        self.reentrant = reentrant

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.reentrant is None:
            return self.fc(x)
        return checkpoint(self.fc, x, use_reentrant=self.reentrant)


# -- 1. the caller's graph is a boundary ------------------------------------------------------------


@pytest.mark.parametrize("reentrant", [None, False, True])
@pytest.mark.parametrize("engine", ["auto", "aten"])
def test_the_backward_stops_at_an_input_that_carries_the_callers_graph(reentrant: bool | None, engine: Any) -> None:
    encoder, _, h = encoded()
    model = Checkpointed(reentrant)
    reached: list[int] = []
    h.register_hook(lambda g: reached.append(1))  # the caller's hook on its own tensor
    result = count_flops(model, h, backward=True, engine=engine)
    # the model's backward: dX = dY·W and dW = dYᵀ·X, each M·K·N MACs; nothing of the encoder's
    assert result.total_macs_by_phase["forward"] == M * K * N
    assert result.total_macs_by_phase["backward"] == 2 * M * K * N
    assert reached == []
    assert encoder.weight.grad is None and encoder.bias.grad is None
    assert all(p.grad is None for p in model.parameters())
    # the caller's graph is whole: its own backward runs, and gives what it gives without a count
    model(h).sum().backward()
    counted = [p.grad.clone() for p in (*encoder.parameters(), *model.parameters())]
    encoder2, _, h2 = encoded()
    model2 = Checkpointed(reentrant)
    model2.load_state_dict(model.state_dict())
    model2(h2).sum().backward()
    reference = [p.grad for p in (*encoder2.parameters(), *model2.parameters())]
    assert all(torch.equal(a, b) for a, b in zip(counted, reference, strict=True))
    assert reached == [1]


def test_an_input_the_forward_modifies_in_place_still_counts() -> None:
    """The stand-in for an input with a graph is not a leaf: a forward may write into it, as into the input."""
    _, _, h = encoded()
    before = h.detach().clone()
    model = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(K, N))
    result = count_flops(model, h, backward=True)
    assert result.total_macs_by_phase["backward"] == 2 * M * K * N
    assert torch.equal(h, before)  # the count wrote into its own copy


def test_a_graph_reached_through_a_closure_stays_usable() -> None:
    """A tensor with the caller's graph held by a closure, not passed as an input: the count does not free
    that graph and writes nothing into it."""
    encoder, _, memory = encoded()
    layer = nn.Linear(K, N)
    count_flops(lambda q: layer(q) + memory, torch.randn(M, K), backward=True)
    assert encoder.weight.grad is None
    memory.sum().backward()  # raises if the count freed the graph
    assert encoder.weight.grad is not None


# -- 2. tensor hooks a forward registers ------------------------------------------------------------


class HooksOnFirstForward(nn.Module):
    """Registers a gradient hook (halving the gradient) and a post-accumulate hook at its first forward."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(K, N)
        self.ready = False
        self.accumulated = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.ready:
            self.fc.weight.register_hook(lambda g: g * 0.5)
            self.fc.bias.register_post_accumulate_grad_hook(self.count_accumulation)
            self.ready = True
        return self.fc(x)

    def count_accumulation(self, p: torch.Tensor) -> None:
        self.accumulated += 1


@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize("engine", ["eager", "aten"])
def test_tensor_hooks_a_forward_registers_are_removed(engine: Any, backward: bool) -> None:
    model = HooksOnFirstForward()
    x = torch.ones(M, K)
    count_flops(model, x, engine=engine, backward=backward)
    assert model.fc.weight._backward_hooks is None and model.fc.bias._post_accumulate_grad_hooks is None
    assert not model.ready
    model(x).sum().backward()  # the first real step registers the hooks once
    assert bool((model.fc.weight.grad == 0.5 * M).all())  # halved once, not twice
    assert model.accumulated == 1


def test_hooks_from_before_the_count_stay_and_one_removed_in_forward_comes_back() -> None:
    layer = nn.Linear(K, N)
    kept = layer.weight.register_hook(lambda g: g * 2)
    dropped = layer.bias.register_hook(lambda g: g * 3)

    def forward(x: torch.Tensor) -> torch.Tensor:
        dropped.remove()
        layer.weight.register_hook(lambda g: g * 5)
        return layer(x)

    count_flops(forward, torch.ones(M, K), backward=True)
    assert list(layer.weight._backward_hooks) == [kept.id]
    assert list(layer.bias._backward_hooks) == [dropped.id]
    layer(torch.ones(M, K)).sum().backward()
    assert bool((layer.weight.grad == 2 * M).all()) and bool((layer.bias.grad == 3 * M).all())


# -- 3. requires_grad and .grad changed by a forward ------------------------------------------------


class Switches(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(K, N)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.fc.bias.requires_grad_(False)
        self.fc.weight.grad = torch.ones_like(self.fc.weight)
        return self.fc(x)


@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize("engine", ["eager", "aten"])
def test_requires_grad_and_grad_set_by_a_forward_are_put_back(engine: Any, backward: bool) -> None:
    model = Switches()
    own = torch.zeros_like(model.fc.bias)
    model.fc.bias.grad = own
    count_flops(model, torch.randn(M, K), engine=engine, backward=backward)
    assert model.fc.bias.requires_grad and model.fc.weight.requires_grad
    assert model.fc.weight.grad is None
    assert model.fc.bias.grad is own and bool((own == 0).all())


# -- 4. reentrant checkpointing, and a forward that runs a backward ----------------------------------


class UsesAHelper(nn.Module):
    """A reentrant checkpoint around a function that also uses a module that is not part of the model."""

    def __init__(self, helper: nn.Module) -> None:
        super().__init__()
        self.fc = nn.Linear(K, N)
        self.helpers = [helper]  # a plain list: not a submodule, so not among the model's modules

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return checkpoint(lambda t: self.helpers[0](self.fc(t)), x, use_reentrant=True)


def test_reentrant_checkpointing_writes_no_grad_outside_the_model_and_runs_no_optimizer_hook() -> None:
    helper = nn.Linear(N, N)
    model = UsesAHelper(helper)
    everything = [*model.parameters(), *helper.parameters()]
    optimizer = torch.optim.SGD(everything, lr=0.1)
    stepped: list[int] = []

    def step(p: torch.Tensor) -> None:  # an optimizer run in backward, one parameter at a time
        stepped.append(1)
        optimizer.step()
        optimizer.zero_grad()

    for p in everything:
        p.register_post_accumulate_grad_hook(step)
    kept = torch.full_like(helper.bias, 7.0)
    helper.bias.grad = kept
    weights = [p.detach().clone() for p in everything]
    x = torch.randn(M, K, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelChangedWarning)
        result = count_flops(model, x, backward=True)
    assert result.total_by_phase["recompute"] > 0
    assert stepped == []
    assert helper.weight.grad is None and helper.bias.grad is kept and bool((kept == 7.0).all())
    assert x.grad is None and all(p.grad is None for p in model.parameters())
    assert all(torch.equal(p, w) for p, w in zip(everything, weights, strict=True))
    # the hooks are still there for real training
    model(x).sum().backward()
    assert len(stepped) == len(everything)


class RunsABackward(nn.Module):
    """A forward that takes a gradient step of its own (test-time training): it calls ``.backward()``."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(K, N)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            self.fc(x).sum().backward()
        return self.fc(x)


@pytest.mark.parametrize("backward", [False, True])
def test_a_forward_that_calls_backward_leaves_no_grad(backward: bool) -> None:
    model = RunsABackward()
    count_flops(model, torch.randn(M, K), backward=backward)
    assert all(p.grad is None for p in model.parameters())


def test_a_gradient_a_forward_adds_into_in_place_is_reported_as_such() -> None:
    model = RunsABackward()
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    with pytest.warns(ModelChangedWarning, match=r"forward added gradients into \.grad in place \(fc\.weight"):
        count_flops(model, torch.randn(M, K))


class StepsInABackwardHook(nn.Module):
    """A module whose full backward hook writes into its weight: the counted backward runs that hook."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(K, N)
        self.fc.register_full_backward_hook(self.nudge)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)

    def nudge(self, module: nn.Module, grad_input: Any, grad_output: Any) -> None:
        with torch.no_grad():
            self.fc.weight.add_(0)


def test_the_warning_names_the_phase_that_modified_a_parameter() -> None:
    model = StepsInABackwardHook()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        count_flops(model, torch.randn(M, K, requires_grad=True), backward=True)
    messages = [str(w.message) for w in caught if issubclass(w.category, ModelChangedWarning)]
    assert len(messages) == 1
    assert "during the counted backward (fc.weight)" in messages[0] and "forward modified" not in messages[0]


# -- 5. the random number generators ---------------------------------------------------------------


@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize("engine", ["eager", "aten"])
def test_a_count_between_two_seeded_draws_does_not_change_the_second(engine: Any, backward: bool) -> None:
    model = nn.Sequential(nn.Linear(16, 16), nn.Dropout(0.5)).train()
    torch.manual_seed(0)
    torch.rand(4)
    expected = torch.rand(4)
    torch.manual_seed(0)
    torch.rand(4)
    count_flops(model, torch.ones(2, 16), engine=engine, backward=backward)
    assert torch.equal(torch.rand(4), expected)


# -- done when: 20 training steps, counted or not, end bit for bit the same -------------------------


class Symmetric(nn.Module):
    """A parametrization: the weight is the symmetric matrix built from its upper triangle."""

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return w.triu() + w.triu(1).transpose(0, 1)


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.drop = nn.Linear(16, 16), nn.Dropout(0.25)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop(torch.tanh(self.fc(x)))


class Trained(nn.Module):
    """A tensor hook a forward registers, a user's tensor hook, a parametrization, a reentrant and a
    non-reentrant checkpoint, and dropout inside and outside them."""

    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(K, 16)
        self.square = nn.Linear(16, 16)
        parametrize.register_parametrization(self.square, "weight", Symmetric())
        self.a, self.b = Block(), Block()
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(16, 3)
        self.head.weight.register_hook(lambda g: g.clamp(-0.05, 0.05))
        self.hooked = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.hooked:
            self.inp.weight.register_hook(lambda g: g * 0.5)
            self.hooked = True
        x = self.drop(self.square(self.inp(x)))
        x = checkpoint(self.a, x, use_reentrant=True)
        x = checkpoint(self.b, x, use_reentrant=False)
        return self.head(x)


def train(count: bool) -> tuple[dict[str, torch.Tensor], list[float], torch.Tensor]:
    torch.manual_seed(0)
    encoder, model = nn.Linear(E, K), Trained()
    parameters = [*encoder.parameters(), *model.parameters()]
    optimizer = torch.optim.SGD(parameters, lr=0.05, momentum=0.9)
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelChangedWarning)
        for _ in range(20):
            x, target = torch.randn(M, E), torch.randn(M, 3)
            h = encoder(x)  # the model's input carries the caller's graph
            if count:
                count_flops(model, h, backward=True)
            loss = nn.functional.mse_loss(model(h), target)
            loss.backward()
            if count:  # with gradients present: they stay as they are
                count_flops(model, h.detach(), backward=True, engine="aten")
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
    state = {f"encoder.{k}": v for k, v in encoder.state_dict().items()} | model.state_dict()
    return state, losses, torch.rand(8)


@pytest.mark.slow
def test_twenty_counted_training_steps_train_exactly_as_uncounted_ones() -> None:
    counted, counted_losses, counted_draw = train(count=True)
    plain, plain_losses, plain_draw = train(count=False)
    assert counted_losses == plain_losses
    assert counted.keys() == plain.keys()
    assert all(torch.equal(counted[k], plain[k]) for k in plain), [
        k for k in plain if not torch.equal(counted[k], plain[k])
    ]
    assert torch.equal(counted_draw, plain_draw)
