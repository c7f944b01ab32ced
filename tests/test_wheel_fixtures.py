"""tools/wheel_fixtures.py, the download-and-write loop both extract scripts share, and the
scripts' two ways of importing it (run as `python tools/X.py`, imported as `tools.X`)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools import extract_transformers_model_types, extract_vllm_cli, wheel_fixtures

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", ["extract_vllm_cli.py", "extract_transformers_model_types.py"])
def test_each_script_runs_from_the_command_line(script: str) -> None:
    # `python tools/X.py` puts tools/ (not the repository root) first on sys.path
    done = subprocess.run([sys.executable, str(ROOT / "tools" / script), "--help"],
                          capture_output=True, text=True, cwd=ROOT.parent, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: ")


def test_write_fixtures_downloads_one_wheel_per_release_and_writes_its_json(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    asked = []

    def fake_pip(command: list[str], check: bool) -> None:  # pip download ... -d FOLDER
        asked.append(command[command.index("download") + 1])
        folder = Path(command[command.index("-d") + 1])
        (folder / f"pkg-{asked[-1].split('==')[1]}-py3-none-any.whl").write_bytes(b"wheel")

    monkeypatch.setattr(wheel_fixtures.subprocess, "run", fake_pip)
    out = tmp_path / "fixtures"
    wheel_fixtures.write_fixtures(
        "pkg", ["1.0", "2.0"], out, lambda wheel, version: {"wheel": wheel.name, "v": version},
        lambda data: f"read {data['wheel']}")
    assert asked == ["pkg==1.0", "pkg==2.0"]
    assert (out / "pkg-2.0.json").read_text() == (
        '{\n "wheel": "pkg-2.0-py3-none-any.whl",\n "v": "2.0"\n}\n')
    assert json.loads((out / "pkg-1.0.json").read_text())["v"] == "1.0"
    assert capsys.readouterr().out.splitlines() == [
        f"{out / 'pkg-1.0.json'}: read pkg-1.0-py3-none-any.whl",
        f"{out / 'pkg-2.0.json'}: read pkg-2.0-py3-none-any.whl"]
    # both scripts hand their releases to it
    assert extract_vllm_cli.write_fixtures is wheel_fixtures.write_fixtures
    assert extract_transformers_model_types.write_fixtures is wheel_fixtures.write_fixtures


def test_the_extractor_follows_bases_and_imports_to_mixture_of_experts() -> None:
    """eplb_architectures: a registry class subclassing MixtureOfExperts through a base in
    another module, one re-exported by a package under an `if` (the CUDA branch last), one
    without it; a Transformers-backend entry counts too."""
    models = "vllm/model_executor/models/"
    sources = {
        extract_vllm_cli.REGISTRY: (
            '_TEXT_GENERATION_MODELS = {"AForCausalLM": ("a", "AForCausalLM"),\n'
            '    "BForCausalLM": ("b", "BForCausalLM"),\n'
            '    "KForCausalLM": ("vllm.models.k", "KForCausalLM")}\n'
            '_TRANSFORMERS_SUPPORTED_MODELS = {"HForCausalLM": ("a", "AForCausalLM")}\n'),
        models + "interfaces.py": "class MixtureOfExperts: ...\n",
        models + "base.py": "from .interfaces import MixtureOfExperts as MoE\n"
                            "class Base(MoE): ...\n",
        models + "a.py": "from vllm.model_executor.models.base import Base\n"
                         "class AForCausalLM(Base): ...\n",
        models + "b.py": "class BForCausalLM: ...\n",
        "vllm/models/k/__init__.py": "if ROCM:\n    from .amd import KForCausalLM\n"
                                     "else:\n    from .nvidia import KForCausalLM\n",
        "vllm/models/k/amd.py": "class KForCausalLM: ...\n",
        "vllm/models/k/nvidia.py": "from vllm.model_executor.models.interfaces import "
                                   "MixtureOfExperts\nclass KForCausalLM(MixtureOfExperts): ...\n",
    }
    assert extract_vllm_cli._eplb_architectures(sources) == [
        "AForCausalLM", "HForCausalLM", "KForCausalLM"]
