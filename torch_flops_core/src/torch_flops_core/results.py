"""The result model: one :class:`OpRecord` per op (:mod:`torch_flops_core.records`), gathered in a
:class:`FlopsResult`; per-module totals by :func:`~torch_flops_core.module_totals.module_rows`."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from .communication import Collective
from .conventions import DEFAULT_CONVENTION, Convention, chosen_total, figure_of
from .expressions import evaluated, evaluation_sizes, polynomial
from .generation import Generation
from .module_totals import module_rows  # re-exported: its old path
from .module_tree import TreeNode, module_tree
from .parameters import ModuleInfo, ParamCounts
from .records import PHASES, ROOT_LABEL, ModuleRow, OpRecord, Phase  # re-exported: the path users know
from .rules import CALL_KINDS, NOT_RECOGNIZED

# The views (torch_flops_core.views) import this module; it never imports them at module level. The only
# edges upward are deferred imports inside FlopsResult's display methods:
#   module_report, table -> views.report; to_dict, to_csv -> views.export; _repr_html_, to_pandas -> views.notebook;
#   roofline -> views.roofline.

__all__ = ["PHASES", "ROOT_LABEL", "FlopsResult", "ModuleRow", "OpRecord", "Phase", "module_rows"]


class FlopsResult:
    """Every op's record, and the totals a report needs."""

    __slots__ = ("bytes_counted", "collectives", "convention", "device", "engine", "generation", "graph", "guards",
                 "notes", "ops", "ranges", "rank", "sizes", "structure", "total", "total_macs", "unknowns",
                 "world_size")  # fmt: skip

    def __init__(
        self,
        ops: list[OpRecord],
        engine: str,
        graph: Any = None,
        notes: list[str] | None = None,
        device: str = "cpu",
        *,
        bytes_counted: bool = True,
    ) -> None:
        self.ops = ops
        self.bytes_counted = bytes_counted
        """Whether each op's bytes were worked out (``count_bytes=True``, the default); else every bytes
        figure of the result is unknown (``None``), never 0."""
        self.engine = engine
        self.device = device
        """Where the ops ran: ``"cpu"``, ``"cuda"`` or ``"meta"`` (on meta, times are not kernel times)."""
        self.total = sum(r.flops for r in ops if r.flops is not NOT_RECOGNIZED)
        self.total_macs = sum(r.macs for r in ops)
        self.convention: Convention = DEFAULT_CONVENTION
        """The figure tables sort, cut and plot by (``count_flops(convention=)``): ``"exact"`` or ``"2mac"``."""
        self.sizes: dict[str, int] = {}
        """A symbolic count's sizes (``dims=``), by name, with the example inputs' values: every figure of the result is
        then an exact expression in them (a sympy expression, or an int where it does not depend on them); empty for a
        count of concrete sizes. :meth:`evaluate` gives the figures at other sizes."""
        self.guards: list[str] = []
        """What a symbolic count assumed of its sizes (the branches the model took on them, ``T ≤ 1024``), written as
        people write them: its formulas hold where every guard does."""
        self.ranges: dict[str, tuple[int, int | None]] = {}
        """Each size's range where the formulas hold, ``(low, high or None)``: from 2, narrowed by guards."""
        self.unknowns: dict[str, str] = {}
        """A symbolic count's sizes that depend on the data (``nonzero``, MoE routing), named after the op that made
        them, with what they are: symbols in the figures, never guessed; :meth:`evaluate` needs each one's value."""
        self.graph = graph
        """The traced ``torch.fx.Graph`` (fx engine), else ``None``."""
        self.notes: list[str] = list(notes or [])
        """One line per thing the user should know about how this was counted (engine fallback)."""
        self.structure: dict[str, ModuleInfo] | None = None
        """The model's modules by path (``named_modules()`` order), each with its class name and parameters, taken at
        count time (:func:`~torch_flops_core.parameters.model_structure`); ``None`` when the model is a function."""
        self.generation: Generation | None = None
        """A generation's count (``model.generate``, a loop of one module's forwards): the prefill, each decode step,
        the loop around them (:mod:`torch_flops_core.generation`); ``None`` for a single forward."""
        self.world_size, self.rank, self.collectives = 1, 0, list[Collective]()
        """A per-rank count's group size, rank and collectives (their bytes: :mod:`torch_flops_core.communication`)."""

    @property
    def total_by_phase(self) -> dict[Phase, int]:
        """Recognized FLOPs per phase, every phase of :data:`PHASES` a key (0 when none of its ops ran).

        Model FLOPs of a training step are ``forward + loss + backward``; hardware FLOPs add
        ``recompute`` (activation checkpointing). ``result.total`` is the sum of all of them.
        """
        sums: dict[Phase, int] = dict.fromkeys(PHASES, 0)
        for r in self.ops:
            if r.flops is not NOT_RECOGNIZED:
                sums[r.phase] += r.flops
        return sums

    @property
    def total_macs_by_phase(self) -> dict[Phase, int]:
        """Multiply-accumulates per phase, every phase of :data:`PHASES` a key: ``2 ×`` these are the
        "matmul FLOPs" of published estimates (6N, PaLM's MFU)."""
        sums: dict[Phase, int] = dict.fromkeys(PHASES, 0)
        for r in self.ops:
            sums[r.phase] += r.macs
        return sums

    @property
    def counted_backward(self) -> bool:
        """Whether the backward pass was counted (``count_flops(..., backward=True)``)."""
        return any(r.phase != "forward" for r in self.ops)

    @property
    def unrecognized(self) -> list[OpRecord]:
        """The records whose flops is :data:`NOT_RECOGNIZED`, in op order."""
        return [r for r in self.ops if r.flops is NOT_RECOGNIZED]

    @property
    def ignored(self) -> list[OpRecord]:
        return [r for r in self.ops if r.ignored]

    def unrecognized_targets(self) -> dict[str, int]:
        """How many times each unrecognized target occurs, most frequent first."""
        return dict(
            Counter(
                r.target_name if r.kind != "call_module" else r.module_type for r in self.unrecognized
            ).most_common()
        )

    @property
    def total_bytes(self) -> int | None:
        """Bytes the ops move, summed (unfused traffic: an upper bound on what fused kernels move); ``None``
        when bytes were not counted (``count_bytes=False``)."""
        if not self.bytes_counted:
            return None
        return sum(r.bytes for r in self.ops if r.bytes is not None and r.kind in CALL_KINDS)

    @property
    def intensity(self) -> float | None:
        """The whole count's arithmetic intensity: ``total / total_bytes`` FLOPs per byte (``None`` when no
        bytes were moved or counted)."""
        moved = self.total_bytes
        return self.total / moved if moved else None

    def evaluate(self, **sizes: int) -> FlopsResult:
        """A symbolic count's result at ``sizes`` (``result.evaluate(B=8, T=4096)``): every figure an int, as a count
        at those sizes would give (where :attr:`guards` hold). A size not given keeps the example's value; every one of
        :attr:`unknowns` must be given."""
        values = evaluation_sizes(self.sizes, self.unknowns, sizes)
        ops = [
            dataclasses.replace(
                r, flops=evaluated(r.flops, values), macs=evaluated(r.macs, values), bytes=evaluated(r.bytes, values)
            )
            for r in self.ops
        ]
        result = FlopsResult(ops, self.engine, self.graph, self.notes, self.device, bytes_counted=self.bytes_counted)
        result.convention = self.convention
        result.structure = self.structure
        return result

    def formula(self, figure: str = "total") -> str:
        """A figure of a symbolic count (``total``, ``total_macs``, ``total_bytes``) as its terms by powers of the
        sizes: ``FLOPs(T) = 1.93e9·T + 2.4e5·T²`` is ``result.formula()``; the int itself for a concrete count."""
        return polynomial(getattr(self, figure))

    def figure(self, item: OpRecord | ModuleRow | None = None) -> Any:
        """The figure :attr:`convention` picks (exact FLOPs or 2×MACs) of an op, a module row or the count (None)."""
        return chosen_total(self) if item is None else figure_of(item, self.convention)

    def achieved(self, record: OpRecord | ModuleRow) -> tuple[float | None, float | None]:
        """Achieved (FLOP/s, bytes/s) of an op or a module row: its FLOPs and bytes over its measured time.

        ``(None, None)`` where no time was measured, on meta (no kernel runs there), or for an op no rule
        knows (its bytes/s is still given).
        """
        time_ms = record.time_ms
        if self.device == "meta" or not time_ms:
            return None, None
        seconds = time_ms / 1e3
        flops = record.flops / seconds if type(record.flops) is int else None
        moved = record.bytes / seconds if record.bytes is not None else None
        return flops, moved

    @property
    def total_time_ms(self) -> float:
        return sum(r.time_ms or 0.0 for r in self.ops)

    @property
    def max_memory(self) -> int | None:
        """Largest ``mem_after`` over all ops (bytes), or ``None`` when memory was not measured."""
        values = [r.mem_after for r in self.ops if r.mem_after is not None]
        return max(values) if values else None

    def by_module(self, depth: int = 1, phase: Phase | None = None) -> dict[str, int]:
        """Recognized FLOPs summed per module path cut to ``depth`` components (``""``: the root).

        Only paths holding at least one op appear, so the keys are the same whichever engine counted
        (placeholders and outputs belong to no module). The values of :meth:`module_table`. With
        ``phase``, only that phase's ops (``"backward"``: each module's share of the backward pass).
        """
        return {row.path: row.flops for row in module_rows(self, depth, phase=phase)}

    @property
    def params(self) -> ParamCounts | None:
        """The model's parameters (total, trainable, frozen) and buffers, each shared tensor once; ``None`` when the
        model is a function (a bound method counts its module's: ``model.generate``). Per module: :attr:`structure`."""
        return self.structure[""].params if self.structure else None

    def tree(self, depth: int | None = None, phase: Phase | None = None) -> TreeNode:
        """The model as a tree (``print(model)``'s modules, in its order): each module's FLOPs, MACs, ops, share, time,
        parameters and unrecognized ops, its own and beneath it, cut at ``depth``; every phase summed unless ``phase``
        (:mod:`~torch_flops_core.module_tree`). ``str()`` of it draws it; ``.to_dict()`` is nested JSON."""
        return module_tree(self, depth, phase)

    def module_table(self, depth: int = 1, top: int | None = None, phase: Phase | None = None) -> list[ModuleRow]:
        """Per-module rows at ``depth``, largest first: path (``""`` is the root), FLOPs, MACs, ops, share,
        and the FLOPs of each phase.

        Only paths holding at least one op appear, and ``top`` keeps the ``top`` largest. With
        ``phase``, the rows count only that phase's ops.
        """
        return module_rows(self, depth, top, phase)

    def module_report(
        self, depth: int = 1, top: int | None = None, *, tablefmt: str = "simple", roofline: bool = False
    ) -> str:
        """The per-module view as text: module, FLOPs (human units), share of the total, MACs, ops;
        ``roofline``: also bytes, intensity and achieved FLOP/s."""
        from .views.report import render_module_table

        return render_module_table(self, depth, top, tablefmt=tablefmt, roofline=roofline)

    def table(
        self, *, tablefmt: str = "simple", all_nodes: bool = False, top: int | None = None, roofline: bool = False
    ) -> str:
        """A table of the ops (tabulate), one row per op; placeholders/outputs with ``all_nodes``.

        ``top=K`` shows only the K ops with the most FLOPs, largest first. ``roofline=True`` adds each op's
        bytes, arithmetic intensity (FLOP/B), achieved FLOP/s and bytes/s.
        """
        from .views.report import render_table

        return render_table(self, tablefmt=tablefmt, all_nodes=all_nodes, top=top, roofline=roofline)

    def to_markdown(self, *, top: int | None = None) -> str:
        return self.table(tablefmt="github", top=top)

    def to_dict(self) -> dict[str, Any]:
        from .views.export import result_to_dict

        return result_to_dict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        import json

        return json.dumps(self.to_dict(), indent=indent)

    def to_csv(self, path: Any = None) -> str:
        """The ops as CSV; written to ``path`` when given, and returned."""
        from .views.export import render_csv

        text = render_csv(self)
        if path is not None:
            with open(path, "w", newline="", encoding="utf-8") as f:
                f.write(text)
        return text

    def _repr_html_(self) -> str:
        """What Jupyter shows: the totals, the top ops and modules, the ops no rule knows (highlighted)."""
        from .views.notebook import result_html

        return result_html(self)

    def to_pandas(self) -> Any:
        """One row per op as a ``pandas.DataFrame`` (needs pandas: ``pip install 'torch-flops-core[pandas]'``)."""
        from .views.notebook import to_pandas

        return to_pandas(self)

    def roofline(
        self,
        path: Any = None,
        *,
        peak_flops: float | None = None,
        peak_bandwidth: float | None = None,
        by: str = "op",
        depth: int = 1,
        title: str | None = None,
    ) -> Any:
        """A roofline chart of this count (matplotlib ``Figure``; written to ``path`` when given, .png or .svg).

        Each op (``by="op"``) or module at ``depth`` (``by="module"``) is a point at (FLOPs per byte,
        achieved FLOP/s), sized by its time, under the roofs ``min(peak_flops, peak_bandwidth × intensity)``.
        Peaks not given are measured on the spot on the count's device (a matmul and a copy). Needs
        measured times: a count on cpu or cuda, not meta.
        """
        from .views.roofline import plot_roofline

        return plot_roofline(
            self, path, peak_flops=peak_flops, peak_bandwidth=peak_bandwidth, by=by, depth=depth, title=title
        )

    def __repr__(self) -> str:
        return (
            f"FlopsResult(total={polynomial(self.total)}, total_macs={polynomial(self.total_macs)}, "
            f"2×MACs={polynomial(2 * self.total_macs)}, ops={len(self.ops)}, "
            f"unrecognized={len(self.unrecognized)}, engine={self.engine!r}, convention={self.convention!r})"
        )
