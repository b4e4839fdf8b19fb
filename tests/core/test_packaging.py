"""Each distribution builds its own wheel, typed, with its dependencies and entry point declared."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from helpers import ROOT

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
