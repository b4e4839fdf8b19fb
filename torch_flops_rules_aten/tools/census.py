"""Census of the aten ops real models run, forward and backward, and which of them have no rule.

    python torch_flops_rules_aten/tools/census.py                 # the test zoo + GPT-2/Llama configs, meta
    python torch_flops_rules_aten/tools/census.py --device cpu --models resnet18 vit_small_patch16_224

Every model runs forward, then backward of the sum of its output, under a TorchDispatchMode that notes
each aten overload. The ops no installed rule claims are printed first (that is the list to give rules
to, after a torch upgrade), then every op seen with the number of models that ran it. Models are built
with pretrained=False / from config objects: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from torch_flops_core import get_plugins

ROOT = Path(__file__).resolve().parents[2]


class Census(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.seen: set[Any] = set()

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        self.seen.add(func)
        return func(*args, **(kwargs or {}))


def llm_models(device: str) -> list[tuple[str, torch.nn.Module, dict[str, Any]]]:
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    with torch.device(device):
        gpt2 = GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=128, n_positions=64))
        llama = LlamaForCausalLM(
            LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=2, vocab_size=128)
        )  # fmt: skip
        ids = torch.zeros(1, 16, dtype=torch.long)
    # labels: the loss (cross entropy: nll_loss_forward and its backward) is part of the census
    return [("gpt2", gpt2, {"input_ids": ids, "labels": ids}), ("llama", llama, {"input_ids": ids, "labels": ids})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="meta", choices=["meta", "cpu"])
    parser.add_argument("--models", nargs="*", help="zoo model names (default: the whole test zoo)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from zoo_models import TIMM, TORCHVISION, timm_model, torchvision_model

    names = args.models or TIMM + TORCHVISION
    counts: Counter[str] = Counter()
    table = get_plugins().table
    unruled: set[str] = set()
    runs: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = []
    for name in names:
        model, x = (timm_model if name in TIMM else torchvision_model)(name)
        x = torch.randn((2, *x.shape[1:]), device=args.device)  # batch 2: BatchNorm trains on it
        if args.device != "meta":
            model = model.to_empty(device=args.device)
        runs.append((name, model, (x,), {}))
    if not args.models:
        runs += [(name, model, (), kwargs) for name, model, kwargs in llm_models(args.device)]
    for name, model, inputs, kwargs in runs:
        model.train()
        census = Census()
        try:
            with census:
                out = model(*inputs, **kwargs)
                out = out.loss if getattr(out, "loss", None) is not None else getattr(out, "logits", out)
                out = out[0] if isinstance(out, tuple) else out
                out.float().sum().backward()
        except Exception as exc:  # a model the census cannot run is reported, not fatal
            print(f"{name}: failed ({type(exc).__name__}: {str(exc)[:120]})", file=sys.stderr)
        for op in census.seen:
            counts[str(op)] += 1
            if table.function_rule(op) is None:
                unruled.add(str(op))
        print(f"{name}: {len(census.seen)} ops", file=sys.stderr)
    print(f"{len(unruled)} ops without a rule:")
    for op in sorted(unruled):
        print(f"  {op}  ({counts[op]} models)")
    print(f"\n{len(counts)} ops seen:")
    for op, n in sorted(counts.items()):
        print(f"  {op}  {n}")


if __name__ == "__main__":
    main()
