"""probes.findings over recorded snapshots, with one fact changed per test."""

from __future__ import annotations

from typing import Any

from probes.findings import Finding, audit, gpu_names, max_startable_utilization
from probes.nvml import GpuProcess
from probes.snapshot import HardwareSnapshot

MIB = 1 << 20


def with_gpu(snap: HardwareSnapshot, index: int, **changes: Any) -> HardwareSnapshot:
    gpus = list(snap.gpus)
    gpus[index] = gpus[index].model_copy(update=changes)
    return snap.model_copy(update={"gpus": gpus})


def with_host(snap: HardwareSnapshot, **changes: Any) -> HardwareSnapshot:
    return snap.model_copy(update={"host": snap.host.model_copy(update=changes)})


def codes(snap: HardwareSnapshot, **kwargs: Any) -> list[str]:
    return [f.code for f in audit(snap, **kwargs)]


def only(snap: HardwareSnapshot, code: str, **kwargs: Any) -> Finding:
    found = [f for f in audit(snap, **kwargs) if f.code == code]
    assert len(found) == 1, codes(snap, **kwargs)
    return found[0]


def test_the_3090_rig_raises_exactly_no_nvlink_and_memlock(rig: HardwareSnapshot) -> None:
    # PCIe only, two switch groups; Ubuntu's default 8 MiB memlock; nothing else wrong.
    assert sorted(codes(rig)) == ["memlock-limited", "no-nvlink"]


def test_no_nvlink_names_the_host_bridge_groups(rig: HardwareSnapshot) -> None:
    f = only(rig, "no-nvlink")
    assert f.severity == "warning"
    assert "GPU2-4 and GPU5-7" in f.evidence
    assert "Behind their own host bridge: GPU0, GPU1" in f.evidence
    assert "CUDA_VISIBLE_DEVICES=2,3,4" in f.advice and "pipeline" in f.advice


def test_memlock_evidence_in_kib(rig: HardwareSnapshot) -> None:
    assert "8192 KiB" in only(rig, "memlock-limited").evidence  # 8,388,608 B / 1024
    assert "memlock-limited" not in codes(with_host(rig, ulimit_memlock_soft_bytes=-1))


def test_memory_in_use_gives_the_largest_startable_utilization(rig: HardwareSnapshot) -> None:
    # GPU3 with 4096 MiB used: free = 24576 - 440 reserved - 4096 = 20040 MiB of a usable
    # 24136 MiB; 20040 / 24136 = 0.8303 -> 0.83 (24136 * 0.84 = 20274 > 20040 would fail).
    snap = with_gpu(rig, 3, memory_used_bytes=4096 * MIB, memory_free_bytes=20040 * MIB)
    assert max_startable_utilization(snap.gpus[3]) == 0.83
    f = only(snap, "gpu-memory-in-use")
    assert f.severity == "warning"  # below vLLM's default 0.92
    assert "GPU3: 4.00 GiB used, largest gpu_memory_utilization that starts: 0.83" in f.evidence
    assert "--gpu-memory-utilization 0.83" in f.advice


def test_a_little_memory_in_use_is_only_info(rig: HardwareSnapshot) -> None:
    # 1024 MiB used: free 23112 MiB; 23112 / 24136 = 0.9576 -> 0.95, still above 0.92.
    snap = with_gpu(rig, 0, memory_used_bytes=1024 * MIB, memory_free_bytes=23112 * MIB)
    f = only(snap, "gpu-memory-in-use")
    assert f.severity == "info" and "0.95" in f.evidence


def test_memory_in_use_warns_below_the_default_releases_0_92(rig: HardwareSnapshot) -> None:
    # 2048 MiB used: free 24136 - 2048 = 22088 MiB; 22088 / 24136 = 0.9151 -> 0.91: above the
    # 0.9 of vLLM 0.9.1-0.19, below the 0.92 of 0.20 on (config/cache.py; the default release
    # 0.34.0 without its extensible KV cache, as the command runs it), where vLLM refuses to
    # start: a warning, not info
    snap = with_gpu(rig, 4, memory_used_bytes=2048 * MIB, memory_free_bytes=22088 * MIB)
    f = only(snap, "gpu-memory-in-use")
    assert "largest gpu_memory_utilization that starts: 0.91" in f.evidence
    assert f.severity == "warning"


def test_defunct_process_is_critical(rig: HardwareSnapshot) -> None:
    proc = GpuProcess(pid=4242, used_memory_bytes=18 * 2**30, name="python3", status="zombie")
    f = only(with_gpu(rig, 1, processes=[proc]), "defunct-gpu-processes")
    assert f.severity == "critical"
    assert "GPU1: pid 4242 (python3) zombie, 18.00 GiB" in f.evidence


def test_a_defunct_process_holding_3_mib_reads_mib_not_zero(rig: HardwareSnapshot) -> None:
    # 3 MiB = 3,145,728 B is under 0.01 GiB (10,737,418.24 B): it read "0.00 GiB"
    proc = GpuProcess(pid=4242, used_memory_bytes=3 * MIB, name="python3", status="zombie")
    f = only(with_gpu(rig, 1, processes=[proc]), "defunct-gpu-processes")
    assert "GPU1: pid 4242 (python3) zombie, 3.00 MiB." in f.evidence


def test_running_process_is_not_defunct(rig: HardwareSnapshot) -> None:
    proc = GpuProcess(pid=1, used_memory_bytes=MIB, name="vllm", status="sleeping")
    assert "defunct-gpu-processes" not in codes(with_gpu(rig, 1, processes=[proc]))


def test_checkpoint_larger_than_the_hf_cache_disk(rig: HardwareSnapshot) -> None:
    # DeepSeek-V3 FP8 is about 688 GB on disk. The HF cache disk has 355,003,387,904 B
    # (330.62 GiB) free: too small. /data/models has 5.43 TB free: fine.
    f = only(rig, "low-disk", checkpoint_bytes=688 * 10**9)
    assert f.severity == "critical" and "HF cache" in f.title
    assert "330.62 GiB free" in f.evidence
    # Qwen2.5-72B in bf16 is about 145 GB: fits both.
    assert "low-disk" not in codes(rig, checkpoint_bytes=145 * 10**9)


def test_low_disk_without_a_checkpoint_size(rig: HardwareSnapshot) -> None:
    disks = [d.model_copy(update={"free_bytes": 10 * 2**30}) if d.role == "hf_cache" else d
             for d in rig.host.disks]
    f = only(with_host(rig, disks=disks), "low-disk")
    assert f.severity == "warning" and "10.00 GiB free" in f.evidence


def test_gpus_split_across_sockets(rig: HardwareSnapshot) -> None:
    # Two sockets: GPU0-3 on NUMA 0, GPU4-7 on NUMA 1 -> 4 x 4 = 16 SYS pairs.
    pcie = [["X" if i == j else "SYS" if (i < 4) != (j < 4) else "NODE" for j in range(8)]
            for i in range(8)]
    snap = rig.model_copy(update={"topology": rig.topology.model_copy(update={"pcie": pcie})})
    for i in range(4, 8):
        snap = with_gpu(snap, i, numa_node=1)
    f = only(snap, "gpus-across-sockets")
    assert "16 GPU pairs" in f.evidence
    assert "NUMA node 0: GPU0-3; NUMA node 1: GPU4-7" in f.evidence
    assert "gpus-across-sockets" not in codes(rig)  # one socket: NODE, not SYS


def test_thermal_throttling(rig: HardwareSnapshot) -> None:
    snap = with_gpu(rig, 6, temperature_c=88, clock_event_reasons=["sw_thermal_slowdown"])
    snap = with_gpu(snap, 0, temperature_c=70, clock_event_reasons=["sw_power_cap"])
    f = only(snap, "thermal")
    assert f.evidence == "GPU6: 88 C, clocks held by sw_thermal_slowdown."


def test_ecc_errors(rig: HardwareSnapshot) -> None:
    snap = with_gpu(rig, 1, ecc_enabled=True, ecc_errors_uncorrected=2, ecc_errors_corrected=7)
    assert only(snap, "ecc-errors-uncorrected").severity == "critical"
    assert only(snap, "ecc-errors-corrected").severity == "info"
    assert audit(snap)[0].code == "ecc-errors-uncorrected"  # most severe first


def test_mixed_gpu_models(rig: HardwareSnapshot) -> None:
    f = only(with_gpu(rig, 7, name="NVIDIA GeForce RTX 4090"), "mixed-gpu-models")
    assert f.evidence == ("NVIDIA GeForce RTX 3090: GPU0-6; NVIDIA GeForce RTX 4090: GPU7.")


def test_deprecated_pynvml(rig: HardwareSnapshot) -> None:
    snap = with_host(rig, packages={**rig.host.packages, "pynvml": "11.5.3"})
    assert "pynvml 11.5.3" in only(snap, "deprecated-pynvml").evidence


def test_no_gpu_machine(no_gpu: HardwareSnapshot) -> None:
    # Only the missing GPU is flagged: GPU-only rules (memlock, topology) stay quiet.
    [f] = audit(no_gpu)
    assert f.code == "no-gpu" and "libnvidia-ml.so.1" in f.evidence


def test_gpu_names() -> None:
    assert gpu_names([2, 3, 4]) == "GPU2-4"
    assert gpu_names([0, 1, 5]) == "GPU0-1,5"


def test_a_gpu_no_vllm_wheel_runs_is_critical(rig: HardwareSnapshot) -> None:
    # a Tesla K80 (3.7): no wheel holds code below 7.0 (planner.serving.startup.wheel_arch),
    # so `python -m probes` on a K80 host said nothing of vLLM not running there
    snap = rig
    for index in range(8):
        snap = with_gpu(snap, index, name="Tesla K80", compute_capability="3.7")
    f = only(snap, "no-vllm-wheel")
    assert f.severity == "critical" and audit(snap)[0].code == "no-vllm-wheel"
    assert f.title == "vLLM does not run on compute capability 3.7"
    assert f.evidence == ("GPU0-7: vLLM's prebuilt wheels hold no CUDA code for compute "
                          "capability 3.7 on any release (7.0 and newer to 0.19, 7.5 and newer "
                          "from 0.20.0), so a pip-installed vLLM cannot run it.")


def test_a_volta_gpu_is_warned_that_recent_releases_do_not_run_it(rig: HardwareSnapshot) -> None:
    f = only(with_gpu(rig, 5, compute_capability="7.0"), "no-recent-vllm-wheel")
    assert f.severity == "warning" and f.evidence.startswith("GPU5: ")
    assert "from 0.20.0 (7.5 and newer)" in f.evidence
    assert "no-vllm-wheel" not in codes(rig)  # the rig's 8.6 runs on every release
