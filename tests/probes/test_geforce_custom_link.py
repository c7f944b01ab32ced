"""A GeForce RTX 30/40/50 card no preset names links as the GeForce presets do: pcie-no-p2p.

Its driver refuses PCIe peer-to-peer (planner.serving.hardware.presets NO_P2P_NOTE), so NCCL stages
TP traffic through host memory and allocates no P2P buffers. An audited "NVIDIA GeForce RTX
4090 D" (no preset) on GPUs sharing a PCIe switch (PIX) was planned with P2P, and its
non-torch memory at TP=2 held NCCL's P2P buffers: "0.25 GiB CUDA context + 0.04 GiB NCCL 4 x
9.19 MiB P2P buffers", where the RTX 4090 preset's, on the same snapshot, is the CUDA context
alone, 0.25 GiB = 268,435,456 B.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from probes.cluster import snapshots_to_cluster
from probes.snapshot import HardwareSnapshot
from tests.probes.conftest import raw_3090

MIB = 1 << 20
ROOT = Path(__file__).resolve().parents[2]


def _node(name: str, tmp_path: Path) -> Path:
    raw = raw_3090()
    raw["topology"]["pcie"] = [["X" if i == j else "PIX" for j in range(8)] for i in range(8)]
    for gpu in raw["gpus"]:
        gpu.update(name=name, compute_capability="8.9", memory_total_bytes=24_564 * MIB,
                   memory_reserved_bytes=357 * MIB,  # free: what the total leaves, as NVML's
                   memory_free_bytes=(24_564 - 357) * MIB - gpu["memory_used_bytes"])
    path = tmp_path / "node.json"
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize(("name", "link"), [
    ("NVIDIA GeForce RTX 4090 D", "pcie-no-p2p"),
    ("NVIDIA GeForce RTX 4060 Laptop GPU", "pcie-no-p2p"),
    ("NVIDIA GeForce RTX 3070", "pcie-no-p2p"),
    ("NVIDIA GeForce RTX 4090", "pcie-no-p2p"),  # the preset, as before
    ("NVIDIA L20", "pcie"),  # no preset, not GeForce: P2P through the switch, as before
])
def test_an_audited_card_links_as_its_drivers_p2p_allows(name: str, link: str,
                                                         tmp_path: Path) -> None:
    snap = HardwareSnapshot.model_validate_json(_node(name, tmp_path).read_text())
    node = snapshots_to_cluster([snap]).nodes[0]
    assert node.gpu.name == name and node.intra_node_link == link


def _plan_json(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "planner", "plan", "--model", "Qwen/Qwen3-8B",
                           "--tp", "2", "--json", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"HF_HUB_OFFLINE": "1", "PATH": ""})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_its_non_torch_memory_holds_no_p2p_buffers(tmp_path: Path) -> None:
    audited = _plan_json("--snapshot", str(_node("NVIDIA GeForce RTX 4090 D", tmp_path)))
    assert audited["gpu_name"] == "NVIDIA GeForce RTX 4090 D"
    assert audited["non_torch_bytes_per_gpu"] == 268_435_456  # 0.25 GiB CUDA context alone
    # --gpu-name keeps a name no preset has as typed: the same card, the same link
    typed = _plan_json("--gpu-name", "NVIDIA GeForce RTX 4090 D", "--gpu-memory-gib", "23.64",
                       "--gpus", "2")
    assert typed["gpu_name"] == "NVIDIA GeForce RTX 4090 D"
    assert typed["non_torch_bytes_per_gpu"] == 268_435_456
