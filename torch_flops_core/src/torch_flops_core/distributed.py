"""Per-GPU counts without GPUs: torch's fake process group in this one process (:func:`fake_world`), the standard
tensor- and fully-sharded-parallel plan of transformers' Llama-style models (:func:`parallelize_llama`), and both
around a count (:func:`parallel_count`).

A model parallelized any other way (``parallelize_module`` with other styles, ``fully_shard`` of other units) is
counted per rank by :func:`~torch_flops_core.api.count_flops` itself, inside :func:`fake_world` (or under a real
process group): see ``docs/distributed.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.utils._pytree import tree_map

from .api import count_flops
from .errors import InputError
from .results import FlopsResult

__all__ = ["FSDP_ON_FAKE", "fake_world", "llama_layers", "parallel_count", "parallelize_llama"]

FSDP_ON_FAKE = (
    "FSDP2 refuses parameters on meta: the model was materialized as fake tensors on cpu (no memory, no data), and its "
    "inputs with it; op times are not kernel times"
)


@contextmanager
def fake_world(world_size: int, rank: int = 0) -> Iterator[None]:
    """torch's fake process group of ``world_size`` ranks, this process as ``rank``, for the block (collectives
    compute nothing); destroyed after it. A process group the caller has initialised is kept, and used when it has
    this size and rank."""
    if world_size < 1 or not 0 <= rank < world_size:
        raise InputError(f"rank must be in [0, world_size): got rank {rank} of world_size {world_size}")
    if not torch.distributed.is_available():
        raise InputError("this torch is built without torch.distributed: per-rank counts need it")
    dist = torch.distributed
    if dist.is_initialized():
        if (dist.get_world_size(), dist.get_rank()) != (world_size, rank):
            raise InputError(
                f"a process group is initialised already (rank {dist.get_rank()} of {dist.get_world_size()}), not "
                f"rank {rank} of {world_size}: count inside it with count_flops, or destroy it first"
            )
        yield
        return
    from torch.testing._internal.distributed.fake_pg import FakeStore  # registers the "fake" backend

    dist.init_process_group("fake", rank=rank, world_size=world_size, store=FakeStore())
    try:
        yield
    finally:
        dist.destroy_process_group()


def llama_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The decoder layers of a Llama-style model: every module with ``self_attn`` (``q_proj``, ``k_proj``, ``v_proj``,
    ``o_proj``) and ``mlp`` (``gate_proj``, ``up_proj``, ``down_proj``), as transformers' Llama, Mistral, Qwen2 ..."""
    names = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj",
             "mlp.up_proj", "mlp.down_proj")  # fmt: skip
    layers = [m for m in model.modules() if all(_has(m, name) for name in names)]
    if not layers:
        raise InputError(
            f"{type(model).__name__} has no Llama-style decoder layer (self_attn.q_proj/k_proj/v_proj/o_proj and "
            "mlp.gate_proj/up_proj/down_proj): parallelize it with torch.distributed's own API and count it inside "
            "fake_world (docs/distributed.md)"
        )
    return layers


def _has(module: torch.nn.Module, dotted: str) -> bool:
    for part in dotted.split("."):
        module = getattr(module, part, None)  # type: ignore[assignment]
        if not isinstance(module, torch.nn.Module):
            return False
    return True


def parallelize_llama(model: torch.nn.Module, mesh: Any, *, tp: bool = True, fsdp: bool = False) -> torch.nn.Module:
    """The standard plan: with ``tp``, Megatron-LM's tensor parallelism of each decoder layer over ``mesh["tp"]`` (or a
    1-D ``mesh``): q, k, v, gate and up column-parallel, o and down row-parallel, the attention's and the MLP's input
    replicated as one DTensor (one all-reduce of its gradient in the backward, as Megatron's ``f``); the embedding,
    norms and LM head replicated. With ``fsdp``, FSDP2's ``fully_shard`` of each layer and of the model over
    ``mesh["fsdp"]``. Returns the model, parallelized in place."""
    from torch.distributed.tensor import Replicate
    from torch.distributed.tensor.parallel import (
        ColwiseParallel,
        PrepareModuleInput,
        RowwiseParallel,
        parallelize_module,
    )

    layers = llama_layers(model)
    names = getattr(mesh, "mesh_dim_names", None) or ()
    if tp:
        attention_input = PrepareModuleInput(
            input_kwarg_layouts={"hidden_states": Replicate()},
            desired_input_kwarg_layouts={"hidden_states": Replicate()},
            use_local_output=False,
        )
        mlp_input = PrepareModuleInput(
            input_layouts=(Replicate(),), desired_input_layouts=(Replicate(),), use_local_output=False
        )
        plan: dict[str, Any] = {"self_attn": attention_input, "mlp": mlp_input}
        plan |= {f"self_attn.{p}_proj": ColwiseParallel() for p in "qkv"} | {"self_attn.o_proj": RowwiseParallel()}
        plan |= {f"mlp.{p}_proj": ColwiseParallel() for p in ("gate", "up")} | {"mlp.down_proj": RowwiseParallel()}
        tp_mesh = mesh["tp"] if "tp" in names else mesh
        for layer in layers:
            _check_divisible(layer, tp_mesh.size())
            parallelize_module(layer, tp_mesh, plan)
    if fsdp:
        from torch.distributed.fsdp import fully_shard

        fsdp_mesh = mesh["fsdp"] if "fsdp" in names else mesh
        for layer in layers:
            fully_shard(layer, mesh=fsdp_mesh)
        fully_shard(model, mesh=fsdp_mesh)
    return model


def _check_divisible(layer: torch.nn.Module, ranks: int) -> None:
    """Refuse a layer whose heads (q, k, v) or MLP width do not split evenly over ``ranks``, saying which."""
    attention: Any = layer.self_attn
    mlp: Any = layer.mlp
    head_dim = getattr(attention, "head_dim", None)
    sizes = {f"self_attn.{p}_proj": getattr(attention, f"{p}_proj").weight.shape[0] for p in "qkv"}
    counts = {name: (size // head_dim if isinstance(head_dim, int) and head_dim else size, "heads")
              for name, size in sizes.items()}  # fmt: skip
    counts["mlp.gate_proj"] = (mlp.gate_proj.weight.shape[0], "features")
    for name, (n, what) in counts.items():
        if n % ranks:
            raise InputError(
                f"{name} has {n} {what}, which do not split over {ranks} tensor-parallel ranks: pick a tp that "
                f"divides the model's heads, key-value heads and MLP width"
            )


def parallel_count(
    build: Callable[[], torch.nn.Module], *inputs: Any, tp: int = 1, fsdp: int = 1, rank: int = 0, **options: Any
) -> FlopsResult:
    """Count one rank of a Llama-style model under the standard plan (:func:`parallelize_llama`): ``tp``-way tensor
    parallel, ``fsdp``-way fully sharded (world size ``tp × fsdp``), in torch's fake process group (:func:`fake_world`),
    which is destroyed after. ``build()`` makes the model (on meta: no memory); ``options`` go to ``count_flops``
    (``engine`` must be ``"auto"`` or ``"aten"``). FSDP2 refuses meta parameters: with ``fsdp > 1`` a model on meta is
    materialized as fake tensors on cpu, its inputs with it (``result.notes`` says so)."""
    if tp < 1 or fsdp < 1:
        raise InputError(f"tp and fsdp are numbers of ranks (at least 1): got tp={tp}, fsdp={fsdp}")
    with fake_world(tp * fsdp, rank):
        from torch.distributed.device_mesh import init_device_mesh

        if tp > 1 and fsdp > 1:
            mesh = init_device_mesh("cpu", (fsdp, tp), mesh_dim_names=("fsdp", "tp"))
        else:
            mesh = init_device_mesh("cpu", (tp * fsdp,))
        model = build()
        fake = _fake_mode(model) if fsdp > 1 else None
        if fake is not None:
            with fake:
                model.to_empty(device="cpu")
                inputs = tree_map(_on_cpu, inputs)
        parallelize_llama(model, mesh, tp=tp > 1, fsdp=fsdp > 1)
        if fake is not None:
            options.setdefault("measure_time", False)
        result = count_flops(model, *inputs, **options)
        if fake is not None:
            result.notes.append(FSDP_ON_FAKE)
        return result


def _fake_mode(model: torch.nn.Module) -> Any:
    """A fake tensor mode to materialize ``model`` in, when it is on meta (else ``None``: it is counted as it is)."""
    if not any(t.is_meta for t in (*model.parameters(), *model.buffers())):
        return None
    from torch._subclasses.fake_tensor import FakeTensorMode

    return FakeTensorMode(allow_non_fake_inputs=True)


def _on_cpu(value: Any) -> Any:
    """Under the fake mode: an input on meta as a fake tensor on cpu (the model's device once materialized)."""
    if isinstance(value, torch.Tensor) and value.is_meta:
        return torch.zeros(value.shape, dtype=value.dtype, device="cpu")
    return value
