"""The snapshot `python -m probes --json` wrote on a real machine: one NVIDIA H200 (SXM, driver
580.159.04, CUDA 13.0, torch 2.11.0) lent to session 32 on 2026-12-04. Its figures are checked
against what other tools printed on the same machine in the same run (nvidia-smi, and
torch.cuda.mem_get_info through bench/gpu_facts.py), not against the probe's own output."""

from __future__ import annotations

from pathlib import Path

from planner.serving.hardware import GPU_PRESETS, match_gpu_name
from planner.units import MIB
from probes.__main__ import main as probes_main
from probes.findings import audit
from probes.snapshot import load_snapshot
from tests.cli.conftest import run_main

H200X1 = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots" / "h200x1.json"

NVIDIA_SMI_TOTAL_MIB = 143771
"""nvidia-smi on that machine: '0MiB / 143771MiB'."""
TORCH_TOTAL_BYTES = 150_109_880_320
"""torch.cuda.mem_get_info()[1] on that machine (bench/gpu_facts.py 'total_bytes'): the CUDA
total, what vLLM's gpu_memory_utilization is a fraction of."""


def test_the_h200_snapshot_agrees_with_nvidia_smi_and_torch() -> None:
    snap = load_snapshot(H200X1)
    (gpu,) = snap.gpus
    assert gpu.name == "NVIDIA H200" and gpu.compute_capability == "9.0"
    assert gpu.memory_total_bytes == NVIDIA_SMI_TOTAL_MIB * MIB
    # NVML's free + used is the CUDA total: NVML's total less the driver's reservation
    assert gpu.memory_free_bytes + gpu.memory_used_bytes == TORCH_TOTAL_BYTES
    assert gpu.memory_total_bytes - gpu.memory_reserved_bytes == TORCH_TOTAL_BYTES
    assert (gpu.pcie_generation_max, gpu.pcie_width_max) == (5, 16)
    assert gpu.clock_graphics_max_mhz == 1980  # the preset's boost clock (hmc-tech.com)


def test_the_h200_preset_matches_the_real_card() -> None:
    """The preset's CUDA total (139.80 GiB, from PyTorch OOM messages) and nvidia-smi total
    are what the real card reports, to the 2-decimal GiB the preset is written in."""
    snap = load_snapshot(H200X1)
    (gpu,) = snap.gpus
    preset = match_gpu_name(gpu.name, TORCH_TOTAL_BYTES)
    assert preset is not None and preset.key == "h200"
    assert preset.nvidia_smi_total_mib == NVIDIA_SMI_TOTAL_MIB
    shown = {f"{total / 2**30:.2f}" for total in
             (TORCH_TOTAL_BYTES, GPU_PRESETS["h200"].memory_total_bytes)}
    assert shown == {"139.80"}


def test_the_h200_audit_finds_nothing_wrong(capsys) -> None:
    assert audit(load_snapshot(H200X1)) == []
    assert probes_main(["--load", str(H200X1)]) == 0
    out = capsys.readouterr().out
    assert "GPUs: 1, driver 580.159.04, CUDA (driver) 13.0" in out  # nvidia-smi's header
    assert "NVIDIA H200  0.00 GiB / 140.40 GiB" in out  # 143,771 MiB = 140.40 GiB; none used
    assert "Gen5 x16 (Gen5 x16)" in out and "No red flags." in out


def test_planning_on_the_h200_snapshot_budgets_its_measured_total(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--snapshot",
                              str(H200X1), "--json")
    assert code == 0, err
    assert f'"total_bytes": {TORCH_TOTAL_BYTES}' in out
    # vLLM: requested_memory = gpu_memory_utilization (0.92 by default here) x total
    assert f'"budget_bytes": {-(-TORCH_TOTAL_BYTES * 92 // 100)}' in out
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--snapshot",
                            str(H200X1), "--tp", "2")
    assert code == 2 and len(err.strip().splitlines()) == 1
