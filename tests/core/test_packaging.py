"""Each distribution builds its own wheel, typed, with its dependencies and entry point declared; ``python -m
build`` makes a wheel and an sdist of each that ``twine check --strict`` passes (ready to publish); the install
from a clone that README.md and docs/index.md show works as written, into a fresh environment; and every range on
a torch-flops distribution (the packs', core's ``rules`` extra, the worked example's) is met by the clone."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
import tarfile
import venv
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest
from helpers import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest needs tomli below 3.11
    import tomli as tomllib

DISTRIBUTIONS = {
    "torch_flops_core": ("torch_flops_core", None, {"torch>=2.1", "pluggy>=1.3", "tabulate>=0.9"}),
    "torch_flops_rules_nn": ("torch_flops_rules_nn", "nn = torch_flops_rules_nn.plugin", {"torch-flops-core"}),
    "torch_flops_rules_functional": (
        "torch_flops_rules_functional",
        "functional = torch_flops_rules_functional.plugin",
        {"torch-flops-core"},
    ),
    "torch_flops_rules_aten": ("torch_flops_rules_aten", "aten = torch_flops_rules_aten.plugin", {"torch-flops-core"}),
    "torch_flops_rules_torchvision": (
        "torch_flops_rules_torchvision",
        "torchvision = torch_flops_rules_torchvision.plugin",
        {"torch-flops-core", "torchvision>="},
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("folder", list(DISTRIBUTIONS))
def test_distribution_builds_its_own_wheel(folder: str, tmp_path: Path) -> None:
    package, entry_point, requires = DISTRIBUTIONS[folder]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(ROOT / folder)],
        check=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert f"{package}/py.typed" in names
        assert f"{package}/__init__.py" in names
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        assert {n.split("/")[0] for n in names} == {package, dist_info}  # its package alone
        metadata = Parser().parsestr(zf.read(f"{dist_info}/METADATA").decode())
        declared = set(metadata.get_all("Requires-Dist") or [])
        entry_points = zf.read(f"{dist_info}/entry_points.txt").decode() if entry_point else ""
    assert metadata["Requires-Python"] == ">=3.10"
    for requirement in requires:
        assert any(d.replace(" ", "").startswith(requirement) for d in declared), (requirement, declared)
    library = ("torchvision",) if folder != "torch_flops_rules_torchvision" else ()  # the pack of torchvision's ops
    assert not any(d.startswith(("timm", "pytest", *library)) for d in declared)
    if entry_point:
        assert "[torch_flops]" in entry_points and entry_point in entry_points


def _metadata(wheel: Path) -> tuple[list[str], Message]:
    """The wheel's file names and its parsed METADATA."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        (meta,) = (n for n in names if n.endswith(".dist-info/METADATA"))
        return names, Parser().parsestr(zf.read(meta).decode())


@pytest.mark.slow
@pytest.mark.parametrize("folder", list(DISTRIBUTIONS))
def test_build_makes_a_wheel_and_an_sdist_that_twine_check_passes(folder: str, tmp_path: Path) -> None:
    """What ``python -m build && twine upload`` would publish: the wheel is built from the sdist (so the sdist
    is complete), both carry the README as a markdown long description, the MIT licence file and ``py.typed``."""
    package = DISTRIBUTIONS[folder][0]
    build = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(ROOT / folder)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, f"python -m build failed (pip install -r requirements-dev.txt?):\n{build.stderr}"
    (wheel,) = tmp_path.glob("*.whl")
    (sdist,) = tmp_path.glob("*.tar.gz")
    check = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    names, metadata = _metadata(wheel)
    assert f"{package}/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata["License-Expression"] == "MIT"
    readme = (ROOT / folder / "README.md").read_text()
    assert str(metadata.get_payload()).strip() == readme.strip()
    classifiers = set(metadata.get_all("Classifier") or [])
    assert {"Typing :: Typed", "Programming Language :: Python :: 3.10"} <= classifiers
    assert ("Framework :: Pytest" in classifiers) == (folder == "torch_flops_core"), classifiers  # core's pytest11
    with tarfile.open(sdist) as tf:
        members = {m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name}
    assert {"README.md", "LICENSE", "pyproject.toml", f"src/{package}/py.typed"} <= members, members


def _install_lines(page: Path) -> list[str]:
    """The ``pip install ./...`` lines of a page's first bash block that installs from the clone."""
    for block in re.findall(r"```bash\n(.*?)```", page.read_text(), re.DOTALL):
        lines = [line.split("#")[0].strip() for line in block.splitlines()]
        if any(line.startswith("pip install ./") for line in lines):
            return [line for line in lines if line]
    raise AssertionError(f"{page.relative_to(ROOT)} shows no `pip install ./...` from a clone")


@pytest.mark.slow
def test_the_install_from_a_clone_works_as_the_readme_writes_it(tmp_path: Path) -> None:
    """README.md's install lines (and docs/index.md's, the same), run as written at the clone's root into a fresh
    environment: the packs' ``torch-flops-core`` range is met by ``./torch_flops_core`` of the same command. The
    environment sees this one's packages (torch, pluggy, ...: ``--no-index``, nothing is downloaded) and its
    editable torch-flops installs, which the fresh installs shadow: every plugin must come from the new ones."""
    lines = _install_lines(ROOT / "README.md")
    assert lines == _install_lines(ROOT / "docs" / "index.md")
    assert lines[0] == (
        "pip install ./torch_flops_core ./torch_flops_rules_nn ./torch_flops_rules_functional ./torch_flops_rules_aten"
    )
    env_dir = tmp_path / "env"
    venv.create(env_dir, system_site_packages=True, with_pip=False)  # pip: this environment's, run by the new one
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    for line in lines:
        args = shlex.split(line)
        assert args[:2] == ["pip", "install"], line
        done = subprocess.run(
            [str(python), "-m", *args, "--no-index", "--no-build-isolation", "--quiet"],
            cwd=ROOT, capture_output=True, text=True, env=environ,
        )  # fmt: skip
        assert done.returncode == 0, f"{line}\n{done.stderr[-3000:]}"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True, env=environ,
    ).stdout.strip()  # fmt: skip
    done = subprocess.run(
        [str(python), "-c", """
import importlib, importlib.metadata as md, torch
from torch_flops_core import count_flops
for ep in sorted(md.entry_points(group="torch_flops"), key=lambda ep: ep.name):
    print(ep.name, ep.dist.name, importlib.import_module(ep.value).__file__)
print("core", importlib.import_module("torch_flops_core").__file__)
print("total", count_flops(torch.nn.Linear(4, 3), torch.randn(2, 4)).total)
"""],
        capture_output=True, text=True, env=environ, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    *plugin_rows, core, total = (line.split() for line in done.stdout.splitlines())
    plugins = {name: file for name, _, file in plugin_rows}
    assert set(plugins) == {"aten", "functional", "nn", "torchvision"}, done.stdout
    assert all(file.startswith(site) for file in [*plugins.values(), core[1]]), done.stdout  # not the editable ones
    assert total == ["total", "48"]
    cli = env_dir / ("Scripts/torch-flops.exe" if os.name == "nt" else "bin/torch-flops")
    listed = subprocess.run([str(cli), "plugins"], capture_output=True, text=True, env=environ, check=True).stdout
    assert all(f"torch-flops-rules-{name}" in listed for name in plugins), listed


PYPROJECTS = [ROOT / folder / "pyproject.toml" for folder in DISTRIBUTIONS] + [
    ROOT / "docs" / "examples" / "flops_example" / "pyproject.toml",
]  # not the test-only acme-flops: it is never published nor installed but by the tests


def test_every_range_on_a_torch_flops_distribution_is_met_by_the_clone() -> None:
    """A clone installs as one: the packs', core's ``rules`` extra and the worked example's requirement on a
    torch-flops distribution contains the version of that distribution in this repository, capped below the next
    minor (0.x releases may break plugins)."""
    projects = {p: tomllib.loads(p.read_text())["project"] for p in PYPROJECTS}
    versions = {canonicalize_name(project["name"]): project["version"] for project in projects.values()}
    checked = 0
    for path, project in projects.items():
        optional = [r for extra in project.get("optional-dependencies", {}).values() for r in extra]
        for requirement in map(Requirement, [*project.get("dependencies", []), *optional]):
            name = canonicalize_name(requirement.name)
            if name in versions:
                where = f"{path.relative_to(ROOT)}: {requirement}"
                assert requirement.specifier.contains(versions[name]), f"{where} excludes the clone's {versions[name]}"
                assert any(s.operator == "<" for s in requirement.specifier), f"{where}: cap it (<0.2)"
                checked += 1
    assert checked >= 8  # 4 packs on core, core's rules extra on 3 packs, the example on core


def test_core_readme_example_prints_what_it_says() -> None:
    """The python block of torch_flops_core/README.md (PyPI's page for core) prints the total its comment shows."""
    readme = (ROOT / "torch_flops_core" / "README.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    (shown,) = re.findall(r"print\(result\.total\)\s*# (\d+)", code)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "torch_flops_core/README.md", "exec"), {})
    assert out.getvalue().splitlines()[0] == shown
