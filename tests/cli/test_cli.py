"""The ``torch-flops`` command line, run as users run it: in a subprocess.

Every SPEC scheme, every format, ``rules``, ``plugins``, ``--strict``, sweeps, ``--plot`` and each
usage error is one real invocation (``python -m torch_flops_core``, and once the ``torch-flops``
console script). Starting Python and importing torch dominates their cost, so the module starts
all of them at once on a thread pool and each test waits for its own. Option handling that needs
no fresh process is tested in-process through ``cli.main``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from helpers import ROOT
from torch import nn

from torch_flops_core import count_flops
from torch_flops_core.cli import (
    InputPoint,
    UsageError,
    main,
    parse_int_list,
    parse_shape,
    resolve_spec,
    sweep_points,
    torchvision_source,
)
from torch_flops_core.plugins import DISABLE_ENV
from torch_flops_core.views.report import format_flops

RESNET50_FLOPS, RESNET50_MACS = 8_227_340_288, 4_089_184_256  # the seed's figures

MODELS_PY = """
    import torch
    from torch import nn


    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3)
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))

        def forward(self, x):
            return self.head(torch.relu(self.stem(x)))


    def make():
        return Tiny()


    def boom():
        raise ValueError("factory exploded on purpose")
"""

OPAQUE_PY = """
    import torch
    from torch import nn


    @torch.library.custom_op("cli_tests::opaque", mutates_args=())
    def opaque(x: torch.Tensor) -> torch.Tensor:
        return x.clone()


    @opaque.register_fake
    def _(x):
        return torch.empty_like(x)


    class WithOpaque(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return opaque(self.fc(x))


    def make():
        return WithOpaque()
"""

GPT2_CONFIG = {
    "model_type": "gpt2",
    "n_layer": 2,
    "n_embd": 64,
    "n_head": 4,
    "vocab_size": 128,
    "n_positions": 64,
    "bos_token_id": 0,
    "eos_token_id": 0,
}

OPAQUE_TARGET = "torch.ops.cli_tests.opaque.default"


class Tiny(nn.Module):
    """The model ``MODELS_PY`` builds, for counting the same thing through the library."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.stem(x)))


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    script: bool = False
    """Run through the ``torch-flops`` console script instead of ``python -m torch_flops_core``."""


def case(*args: str, script: bool = False, **env: str) -> Case:
    return Case(args, tuple(env.items()), script)


def cases(tmp: Path, plugin_site: Path) -> dict[str, Case]:
    """Every subprocess this module runs; ``{tmp}`` files are written by the ``cli`` fixture.
    ``acme_on`` runs with the test plugin acme installed (and the worked example disabled)."""
    models, opaque, config = f"{tmp}/cli_models.py", f"{tmp}/cli_opaque.py", f"{tmp}/gpt2/config.json"
    acme_on = {DISABLE_ENV: "example", "PYTHONPATH": str(plugin_site)}
    return {
        "timm-json": case("count", "timm:resnet50", "--format", "json"),
        "torchvision-csv": case("count", "torchvision:resnet18", "--format", "csv", "--output", f"{tmp}/tv.csv"),
        "hf-sweep-json": case("count", f"hf:{config}", "--seq-len", "8,16,32", "--format", "json"),
        "module-markdown": case("count", "cli_models:make", "--input-shape", "1,3,16,16", "--format", "markdown",
                                PYTHONPATH=str(tmp)),
        "file-by-module-plot": case("count", f"{models}:make", "--input-shape", "1,3,16,16", "--by-module", "1",
                                    "--top", "2", "--plot", f"{tmp}/modules.png", script=True),
        "sweep-csv-plot": case("count", f"{models}:make", "--input-shape", "1,3,{8,16,32},{8,16,32}", "--format", "csv",
                               "--plot", f"{tmp}/sweep.png"),
        "strict": case("count", f"{opaque}:make", "--input-shape", "2,4", "--strict"),
        "rules-shadowed": case("rules", "--shadowed", **acme_on),
        "plugins": case("plugins", "--disable-plugin", "functional",
                        **{**acme_on, "PYTHONPATH": os.pathsep.join([f"{tmp}/site", str(plugin_site)])}),
        "plugins-readme-env": case("plugins", "--format", "json"),
        "rules-json-acme": case("rules", "--format", "json", **acme_on),
        "rules-plugin-acme": case("rules", "--plugin", "acme", "--format", "json", **acme_on),
        "vit-readme-env": case("count", "timm:vit_base_patch16_224", "--format", "json"),
        "err-scheme": case("count", "hub:org/model"),
        "err-not-found": case("count", "timm:no_such_model"),
        "err-shape": case("count", "timm:resnet18", "--input-shape", "1,3,x"),
        "err-factory": case("count", f"{models}:boom", "--input-shape", "1,3,8,8"),
        "err-no-matplotlib": case("count", f"{models}:make", "--input-shape", "1,3,8,8", "--plot", f"{tmp}/x.png",
                                  PYTHONPATH=f"{tmp}/no_matplotlib"),
    }  # fmt: skip


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


def console_script() -> str:
    """The ``torch-flops`` script installed next to this Python (``pip install -e ./torch_flops_core``)."""
    folder = Path(sys.executable).parent
    for candidate in (folder / "torch-flops", folder / "Scripts" / "torch-flops.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("torch-flops")
    assert found, "the torch-flops console script is not installed: pip install -e './torch_flops_core[plot]'"
    return found


def run(c: Case, cwd: Path) -> Done:
    env = {k: v for k, v in os.environ.items() if k != DISABLE_ENV}
    env.update(c.env)
    command = [console_script()] if c.script else [sys.executable, "-m", "torch_flops_core"]
    done = subprocess.run([*command, *c.args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    return Done(done.returncode, done.stdout, done.stderr)


def write_files(tmp: Path) -> None:
    (tmp / "cli_models.py").write_text(textwrap.dedent(MODELS_PY))
    (tmp / "cli_opaque.py").write_text(textwrap.dedent(OPAQUE_PY))
    (tmp / "gpt2").mkdir()
    (tmp / "gpt2" / "config.json").write_text(json.dumps(GPT2_CONFIG))
    blocker = tmp / "no_matplotlib" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("matplotlib is blocked for this test")\n')
    # A distribution whose plugin fails to import, for `torch-flops plugins`.
    site = tmp / "site"
    dist_info = site / "broken_flops-2.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-flops\nVersion: 2.0\n")
    (dist_info / "entry_points.txt").write_text("[torch_flops]\nbroken = broken_flops\n")
    (site / "broken_flops.py").write_text('raise ImportError("broken_flops cannot be imported")\n')
    # ... and one that calls sys.exit() while importing: listed as failed, never the command's exit status
    quitter = site / "quitter_flops-1.0.dist-info"
    quitter.mkdir()
    (quitter / "METADATA").write_text("Metadata-Version: 2.1\nName: quitter-flops\nVersion: 1.0\n")
    (quitter / "entry_points.txt").write_text("[torch_flops]\nquitter = quitter_flops\n")
    (site / "quitter_flops.py").write_text("import sys\nsys.exit(3)\n")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, plugin_site: Path) -> Iterator[tuple[Callable[[str], Done], Path]]:
    """Start every case at once; ``cli[0](name)`` waits for one and returns its result."""
    tmp = tmp_path_factory.mktemp("cli")
    write_files(tmp)
    workers = max(2, min(6, os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(run, c, tmp) for name, c in cases(tmp, plugin_site).items()}
        yield (lambda name: futures[name].result()), tmp


def ok(done: Done) -> Done:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def usage_error(done: Done) -> str:
    """The one-message stderr of a usage error (exit status 2, no Python traceback of ours)."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("torch-flops: error: "), done.stderr
    assert "cli.py" not in done.stderr
    assert done.stdout == ""
    return done.stderr


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# ---------------------------------------------------------------------------------------------
# SPEC schemes and formats
# ---------------------------------------------------------------------------------------------

CLI_JSON_KEYS = {
    "schema",
    "engine",
    "total",
    "total_macs",
    "total_by_phase",
    "total_bytes",
    "unrecognized",
    "params",
    "ops",
    "model",
    "device",
    "inputs",
    "tokens",
    "flops_per_token",
    "by_module",
    "tree",
    "total_2mac",
    "convention",
    "generation",
    "parallel",
}
OP_KEYS = {
    "name", "kind", "target", "module_path", "module_type", "status", "flops", "macs",
    "plugin", "rule", "time_ms", "mem_before", "mem_after", "mem_delta", "phase", "bytes", "intensity",
    "flop_s", "byte_s",
}  # fmt: skip
SWEEP_ROW_KEYS = {"size", "inputs", "total", "total_macs", "total_by_phase", "unrecognized", "engine"}


@pytest.mark.slow
def test_timm_json_has_the_seed_figure_and_the_documented_keys(cli: tuple[Callable[[str], Done], Path]) -> None:
    data = json.loads(ok(cli[0]("timm-json")).stdout)
    assert set(data) == CLI_JSON_KEYS
    assert (data["total"], data["total_macs"]) == (RESNET50_FLOPS, RESNET50_MACS)
    assert data["schema"] == "torch-flops/4" and data["engine"] == "eager" and data["unrecognized"] == {}
    assert data["model"] == "timm:resnet50" and data["device"] == "meta" and data["by_module"] is None
    assert data["total_2mac"] == 2 * RESNET50_MACS and data["convention"] == "exact"
    assert data["generation"] is None and data["parallel"] is None  # one forward, one process
    assert data["params"]["total"] == 25_557_032  # timm's resnet50: sum(p.numel())
    assert data["inputs"] == [{"keyword": None, "shape": [1, 3, 224, 224], "dtype": "float32"}]  # from pretrained_cfg
    assert all(set(op) == OP_KEYS for op in data["ops"])
    assert sum(op["flops"] for op in data["ops"]) == RESNET50_FLOPS


@pytest.mark.slow
def test_torchvision_csv_to_a_file_matches_the_library(cli: tuple[Callable[[str], Done], Path]) -> None:
    import torchvision

    done = ok(cli[0]("torchvision-csv"))
    assert done.stdout == ""
    rows = list(csv.DictReader(io.StringIO((cli[1] / "tv.csv").read_text())))
    with torch.device("meta"):
        model = torchvision.models.get_model("resnet18", weights=None).eval()
        expected = count_flops(model, torch.randn(1, 3, 224, 224))
    assert [row["name"] for row in rows] == [op.name for op in expected.ops]
    assert sum(int(row["flops"]) for row in rows if row["flops"]) == expected.total == 3_639_085_056


@pytest.mark.slow
def test_hf_config_sweeps_sequence_lengths_as_json_rows(cli: tuple[Callable[[str], Done], Path]) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    rows = json.loads(ok(cli[0]("hf-sweep-json")).stdout)
    assert [set(row) for row in rows] == [SWEEP_ROW_KEYS] * 3
    assert [row["size"] for row in rows] == [8, 16, 32]
    assert rows[1]["inputs"] == [{"keyword": "input_ids", "shape": [1, 16], "dtype": "int64"}]
    assert {row["engine"] for row in rows} == {"eager"}  # the default counts what runs
    totals = [row["total"] for row in rows]
    assert totals == sorted(totals) and len(set(totals)) == 3
    with torch.device("meta"):
        model = GPT2LMHeadModel(GPT2Config(**GPT2_CONFIG)).eval()
        input_ids = torch.zeros(1, 16, dtype=torch.long)
    expected = count_flops(model, input_ids=input_ids)
    assert rows[1]["total"] == expected.total and rows[1]["total_macs"] == expected.total_macs


@pytest.mark.slow
def test_package_module_factory_as_markdown(cli: tuple[Callable[[str], Done], Path]) -> None:
    lines = ok(cli[0]("module-markdown")).stdout.splitlines()
    assert lines[0] == "**cli_models:make (Tiny) · inputs 1×3×16×16 float32 · device meta**"
    assert lines[2].startswith("| node ") and lines[3].startswith("|--")
    expected = count_flops(Tiny(), torch.randn(1, 3, 16, 16))
    assert lines[-2] == "" and lines[-1] == f"total: {expected.total:,} FLOPs ({format_flops(expected.total)}), " + (
        f"{expected.total_macs:,} MACs ({format_flops(expected.total_macs, 'MACs')}), "
        f"2×MACs: {2 * expected.total_macs:,} FLOPs ({format_flops(2 * expected.total_macs)}), eager engine"
        f"; params: {3 * 8 * 3 * 3 + 8 + 8 * 10 + 10}"  # Tiny's Conv2d(3, 8, 3) and Linear(8, 10)
    )


@pytest.mark.slow
def test_file_factory_by_module_with_top_and_a_png(cli: tuple[Callable[[str], Done], Path]) -> None:
    """Through the console script: the per-module view and a bar chart of the top modules."""
    lines = ok(cli[0]("file-by-module-plot")).stdout.splitlines()
    expected = count_flops(Tiny(), torch.randn(1, 3, 16, 16))
    assert lines[0].endswith(":make (Tiny) · inputs 1×3×16×16 float32 · device meta")
    assert lines[1].split() == ["module", "FLOPs", "share", "MACs", "ops", "params"]
    shown = [line.split()[0] for line in lines[3:5]]
    assert shown == [row.path for row in expected.module_table(1, top=2)] == ["stem", "head"]
    stem = expected.module_table(1)[0]
    assert lines[3].split()[1:4] == [*format_flops(stem.flops).split(), f"{100 * stem.share:.1f}%"]
    assert lines[5].startswith("top 2 of 3 modules at depth 1; the other 1: ")
    assert lines[6].startswith(f"total: {expected.total:,} FLOPs")
    assert png_size(cli[1] / "modules.png") == (800, 500)


@pytest.mark.slow
def test_a_shape_sweep_gives_one_csv_row_per_size_and_a_line_chart(cli: tuple[Callable[[str], Done], Path]) -> None:
    import matplotlib.image

    rows = list(csv.DictReader(io.StringIO(ok(cli[0]("sweep-csv-plot")).stdout)))
    assert [row["size"] for row in rows] == ["8", "16", "32"]
    assert [row["inputs"] for row in rows] == ["1×3×8×8", "1×3×16×16", "1×3×32×32"]
    totals = [int(row["total"]) for row in rows]
    assert totals[0] < totals[1] < totals[2]
    assert totals[1] == count_flops(Tiny(), torch.randn(1, 3, 16, 16)).total
    path = cli[1] / "sweep.png"
    assert png_size(path) == (800, 500)
    assert matplotlib.image.imread(path).shape[:2] == (500, 800)


@pytest.mark.slow
def test_strict_exits_1_naming_the_unrecognized_op_after_printing_the_report(
    cli: tuple[Callable[[str], Done], Path],
) -> None:
    done = cli[0]("strict")
    assert done.returncode == 1, done.stderr
    assert "not recognized" in done.stdout and "total: 64 FLOPs" in done.stdout
    assert done.stderr.startswith(f"torch-flops: error: --strict: 1 op has no rule: {OPAQUE_TARGET} ×1.")
    assert f"--ignore-op {OPAQUE_TARGET}" in done.stderr


# ---------------------------------------------------------------------------------------------
# rules and plugins
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_rules_shows_acme_overriding_the_builtin_linear_rule(cli: tuple[Callable[[str], Done], Path]) -> None:
    lines = ok(cli[0]("rules-shadowed")).stdout.splitlines()
    assert lines[0].split() == ["kind", "target", "plugin", "rule", "priority", "status", "also_covers"]
    linear = [line.split(None, 5) for line in lines[2:] if " torch.nn.modules.linear.Linear " in line]
    # the last column: the loaded subclasses of Linear that keep its forward, which its rule counts too
    linear = [[*row[:5], row[5].split("  ")[0].strip()] for row in linear]
    assert len(linear) == 2
    acme, nn_rule = linear
    assert acme == [
        "module", "torch.nn.modules.linear.Linear", "acme", "acme_flops.linear_override", "tryfirst",
        "active; overrides nn:linear",
    ]  # fmt: skip
    assert nn_rule[:3] == ["module", "torch.nn.modules.linear.Linear", "nn"]
    assert nn_rule[4:] == ["trylast", "shadowed by acme:linear_override"]
    assert lines[-1] == f"{len(lines) - 3} rules"


@pytest.mark.slow
def test_plugins_lists_loaded_disabled_and_failed_plugins(cli: tuple[Callable[[str], Done], Path]) -> None:
    lines = ok(cli[0]("plugins")).stdout.splitlines()
    assert lines[0].split() == ["name", "distribution", "version", "source", "status", "rules", "error"]
    rows = {line.split()[0]: " ".join(line.split()) for line in lines[2:]}
    assert rows["acme"] == "acme acme-flops 0.1.0 acme_flops loaded 2"
    assert (
        rows["functional"]
        == "functional torch-flops-rules-functional 0.1.0 torch_flops_rules_functional.plugin disabled"
    )
    assert rows["nn"].startswith("nn torch-flops-rules-nn 0.1.0 torch_flops_rules_nn.plugin loaded ")
    assert rows["broken"] == "broken broken-flops 2.0 broken_flops failed ImportError: broken_flops cannot be imported"
    assert rows["quitter"] == "quitter quitter-flops 1.0 quitter_flops failed SystemExit: 3"


# ---------------------------------------------------------------------------------------------
# Usage errors: exit status 2, one message
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_unknown_spec_scheme(cli: tuple[Callable[[str], Done], Path]) -> None:
    message = usage_error(cli[0]("err-scheme"))
    assert message.startswith("torch-flops: error: unknown SPEC scheme 'hub' in 'hub:org/model'; SPEC is timm:NAME")


@pytest.mark.slow
def test_model_not_found(cli: tuple[Callable[[str], Done], Path]) -> None:
    assert (
        usage_error(cli[0]("err-not-found"))
        == "torch-flops: error: model not found: timm has no model 'no_such_model'\n"
    )


@pytest.mark.slow
def test_malformed_shape(cli: tuple[Callable[[str], Done], Path]) -> None:
    message = usage_error(cli[0]("err-shape"))
    assert message.startswith("torch-flops: error: malformed --input-shape '1,3,x': 'x' is not a positive integer")


@pytest.mark.slow
def test_a_factory_that_raises_shows_its_traceback_tail(cli: tuple[Callable[[str], Done], Path]) -> None:
    lines = usage_error(cli[0]("err-factory")).splitlines()
    assert lines[0].startswith("torch-flops: error: factory '")
    assert lines[0].endswith(":boom' on meta raised ValueError: factory exploded on purpose")
    assert lines[1] == "Traceback (most recent call last):"
    line = textwrap.dedent(MODELS_PY).splitlines().index('    raise ValueError("factory exploded on purpose")') + 1
    assert lines[2].endswith(f'cli_models.py", line {line}, in boom')
    assert lines[3].strip() == 'raise ValueError("factory exploded on purpose")'
    assert lines[-1] == "ValueError: factory exploded on purpose"


@pytest.mark.slow
def test_missing_matplotlib_names_the_extra_before_counting(cli: tuple[Callable[[str], Done], Path]) -> None:
    message = usage_error(cli[0]("err-no-matplotlib"))
    assert message.startswith("torch-flops: error: --plot needs matplotlib")
    assert "install torch-flops-core[plot]" in message
    assert not (cli[1] / "x.png").exists()


# ---------------------------------------------------------------------------------------------
# In-process: parsing and options
# ---------------------------------------------------------------------------------------------


def test_parse_shape_reads_sizes_and_brace_lists() -> None:
    assert parse_shape("1,3,224,224") == [1, 3, 224, 224]
    assert parse_shape(" 1, 3, {224, 384},{224,384} ") == [1, 3, (224, 384), (224, 384)]
    assert parse_shape("1,{7}") == [1, 7]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1,3,x", "'x' is not a positive integer"),
        ("1,3,0", "'0' is not a positive integer"),
        ("1,,3", "'' is not a positive integer"),
        ("1,3,-2", "'-2' is not a positive integer"),
        ("1,{2,{3}}", "nested braces"),
        ("1,{2,3", "unbalanced '{'"),
        ("1,2}", "unbalanced '}'"),
        ("1,2{3,4}", "mixes a size and a brace list"),
        ("", "'' is not a positive integer"),
    ],
)
def test_parse_shape_rejects_malformed_shapes(text: str, why: str) -> None:
    with pytest.raises(UsageError, match="malformed --input-shape") as info:
        parse_shape(text)
    assert why in str(info.value)


def test_sweeps_zip_brace_lists_across_inputs() -> None:
    points = sweep_points(["1,3,{224,384},{224,384}", "1,{5,6}"])
    assert [p.shapes for p in points] == [((1, 3, 224, 224), (1, 5)), ((1, 3, 384, 384), (1, 6))]
    assert [p.size for p in points] == [224, 384]
    assert sweep_points(["2,4"]) == [InputPoint(shapes=((2, 4),))]
    with pytest.raises(UsageError, match="different lengths"):
        sweep_points(["1,{2,3}", "1,{4,5,6}"])
    assert parse_int_list("512,1024", "--seq-len") == [512, 1024] == parse_int_list("{512,1024}", "--seq-len")
    with pytest.raises(UsageError, match="malformed --seq-len"):
        parse_int_list("512,a", "--seq-len")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("resnet50", "SPEC 'resnet50' has no scheme"),
        ("model.py", "SPEC 'model.py' names no factory: use model.py:FUNCTION"),
        ("timm:", "names no model after timm:"),
        ("s3://bucket/model", "unknown SPEC scheme 's3'"),
        ("torchvision:resnet_51", "model not found: torchvision has no model 'resnet_51'; did you mean"),
        ("hf:/no/such/folder", "model not found: '/no/such/folder' does not exist"),
        ("no_such_package_xyz:make", "no module named 'no_such_package_xyz' on the Python path"),
        ("torch_flops_core.cli:no_factory", "model not found: 'torch_flops_core.cli' has no 'no_factory'"),
        ("/no/such/file.py:make", "model not found: no file '/no/such/file.py'"),
    ],
)
def test_resolve_spec_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        resolve_spec(spec)
    assert message in str(info.value)


def test_torchvision_default_size_comes_from_the_weights() -> None:
    assert torchvision_source("torchvision:inception_v3", "inception_v3").default_input(None, 2) == InputPoint(
        shapes=((2, 3, 299, 299),), batch_size=2
    )


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> Done:
    code = main(list(argv))
    out = capsys.readouterr()
    return Done(code, out.out, out.err)


@pytest.fixture
def factory_file(tmp_path: Path) -> Path:
    (tmp_path / "cli_opaque_inproc.py").write_text(textwrap.dedent(OPAQUE_PY.replace("cli_tests::", "cli_inproc::")))
    return tmp_path / "cli_opaque_inproc.py"


def test_ignore_op_makes_strict_pass(capsys: pytest.CaptureFixture[str], factory_file: Path) -> None:
    target = "torch.ops.cli_inproc.opaque.default"
    done = run_main(capsys, "count", f"{factory_file}:make", "--input-shape", "2,4", "--strict", "--ignore-op", target)
    assert done.returncode == 0, done.stderr
    assert "ignored" in done.stdout and "not recognized" not in done.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--input-shape", "1,3,8,8", "--seq-len", "8"], "give --input-shape or --seq-len, not both"),
        (["--input-shape", "1,3,8,8", "--batch-size", "2"], "--batch-size applies to default inputs"),
        (["--input-shape", "1,3,{8,16}", "--by-module", "1"], "--by-module applies to one count, not to a sweep"),
        (["--input-shape", "1,3,8,8", "--plot", "chart.jpg"], "the file must end in .png or .svg"),
        (["--input-shape", "1,3,8", "1,3,16"], "the shell expanded a brace sweep; quote it"),
        ([], "no default input is known for"),
    ],
)
def test_option_errors(capsys: pytest.CaptureFixture[str], factory_file: Path, argv: list[str], message: str) -> None:
    done = run_main(capsys, "count", f"{factory_file}:make", *argv)
    assert done.returncode == 2 and done.stderr.startswith("torch-flops: error: ") and message in done.stderr


def test_argparse_errors_and_help_exit_like_a_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(capsys, "count").returncode == 2
    assert run_main(capsys, "count", "timm:resnet18", "--top", "0").returncode == 2
    assert run_main(capsys, "count", "timm:resnet18", "--format", "xml").returncode == 2
    done = run_main(capsys, "--help")
    assert done.returncode == 0 and "count" in done.stdout and "rules" in done.stdout and "plugins" in done.stdout


@pytest.mark.slow
def test_rules_filters_and_json(cli: tuple[Callable[[str], Done], Path], capsys: pytest.CaptureFixture[str]) -> None:
    rows = json.loads(ok(cli[0]("rules-json-acme")).stdout)
    assert set(rows[0]) == {
        "kind", "target", "plugin", "rule", "priority", "status", "overrides", "shadowed_by",
        "subclasses", "also_covers",
    }  # fmt: skip
    assert {r["plugin"] for r in rows} == {"acme", "aten", "nn", "functional", "torchvision"}
    acme = json.loads(ok(cli[0]("rules-plugin-acme")).stdout)
    assert [(r["target"], r["overrides"]) for r in acme] == [
        ("acme_flops.AcmeGate", []),
        ("torch.nn.modules.linear.Linear", ["nn:linear"]),
    ]
    methods = json.loads(run_main(capsys, "rules", "--kind", "function", "--format", "json").stdout)
    assert methods and {r["kind"] for r in methods} == {"function"}
    shadowed = json.loads(run_main(capsys, "rules", "--shadowed", "--format", "json").stdout)
    assert shadowed == []  # the README's environment: the built-in packs, which claim no op twice
    done = run_main(capsys, "rules", "--plugin", "nope")
    assert done.returncode == 2 and "--plugin 'nope': no such loaded plugin" in done.stderr


@pytest.mark.slow
def test_the_readme_environment_counts_vit_b16_with_the_builtin_rules_only(
    cli: tuple[Callable[[str], Done], Path],
) -> None:
    """The main job after the README's set-up: the documented figure, every rule shown a built-in one."""
    plugins = json.loads(ok(cli[0]("plugins-readme-env")).stdout)
    assert [(p["name"], p["status"]) for p in plugins] == [
        ("aten", "loaded"),
        ("functional", "loaded"),
        ("nn", "loaded"),
        ("torchvision", "loaded"),
    ]
    data = json.loads(ok(cli[0]("vit-readme-env")).stdout)
    assert data["total"] == 35_168_752_224 and data["unrecognized"] == {}
    assert {op["plugin"] for op in data["ops"] if op["plugin"]} == {"nn", "functional"}
    assert all(
        op["rule"].startswith(("torch_flops_rules_nn.", "torch_flops_rules_functional."))
        for op in data["ops"]
        if op["rule"]
    )


def test_the_readme_shows_the_real_output_of_its_command(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("Count a real model from the command line", 1)[1]
    command, output = re.findall(r"```(?:bash)?\n(.*?)\n```", section, flags=re.S)[:2]
    argv = shlex.split(command)
    assert argv[:2] == ["torch-flops", "count"]
    done = run_main(capsys, *argv[1:])
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip("\n") == output
