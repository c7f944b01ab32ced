"""Memory in use on a node of several GPU models, planned as that many of its smallest GPU.

vLLM checks each GPU on its own at start-up: free memory >= its total x gpu_memory_utilization
(v1/worker/utils.py request_memory), i.e. used <= total x (1 - utilization). The bytes in use on
a larger GPU were carried onto the smallest GPU's total as they were: 2 GiB in use on an A100
80GB beside RTX 3090s failed the check vLLM passes, so the default layout left the A100 idle,
and more than the 3090's total refused the node. They are planned as the same share now.

Figures by hand. RTX 3090 (fixture): 24,576 - 440 MiB reserved = 24,136 MiB = 25,308,430,336 B.
The edited A100: 81,920 - 512 MiB reserved = 81,408 MiB = 85,362,475,008 B, 2 GiB =
2,147,483,648 B in use, 2,048 / 81,408 = 4 / 159 of it; on the 3090: 25,308,430,336 x 4 / 159 =
101,233,721,344 / 159 = 636,690,071.35, rounded up 636,690,072 B (0.59 GiB). At 0.92 vLLM
asks ceil(25,308,430,336 x 0.92) = 23,283,755,910 B free of the 3090: 25,308,430,336 -
636,690,072 = 24,671,740,264 B passes; 25,308,430,336 - 2,147,483,648 = 23,160,946,688 B
(as before) did not. On the A100 itself: 79.50 - 2.00 = 77.50 GiB free >= 0.92 x 79.50 = 73.14.
"""

from __future__ import annotations

import re
from pathlib import Path

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from probes.cluster import cluster_and_notes
from probes.snapshot import HardwareSnapshot
from tests.probes.conftest import plan_snapshot, raw_3090

MIB = 1 << 20


def _raw_with_busy_a100(used_bytes: int) -> dict:
    raw = raw_3090()
    raw["gpus"][3].update(name="NVIDIA A100-SXM4-80GB", compute_capability="8.0",
                          memory_total_bytes=81_920 * MIB, memory_reserved_bytes=512 * MIB,
                          memory_used_bytes=used_bytes,
                          memory_free_bytes=81_408 * MIB - used_bytes)
    return raw


def test_a_larger_gpus_memory_in_use_is_planned_as_its_share() -> None:
    snap = HardwareSnapshot.model_validate(_raw_with_busy_a100(2 * 2**30))
    cluster, notes = cluster_and_notes([snap])
    node = cluster.nodes[0]
    assert node.gpu.memory_total_bytes == 25_308_430_336
    assert node.memory_used_bytes == (MIB,) * 3 + (636_690_072,) + (MIB,) * 4
    assert notes[-1] == (
        "rig-3090x8: memory in use on its larger GPUs is planned as the same share of the "
        "23.57 GiB planned, as vLLM checks each GPU's free memory against its own total x "
        "gpu_memory_utilization: GPU3 2.00 GiB of 79.50 GiB -> 0.59 GiB")
    result = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-8B"), cluster=cluster,
                              layout=ParallelLayout(tp=8),
                              engine=EngineSettings(gpu_memory_utilization=0.92)))
    assert not [e for e in result.errors if e.startswith("Free memory on device")]


def test_a_little_memory_in_use_on_a_larger_gpu_is_noted_in_mib() -> None:
    # 8 MiB = 8,388,608 B in use on the A100: 8,388,608 x 24,136 / 81,408 = 2,487,070.59,
    # rounded up 2,487,071 B = 2.372 MiB on the 3090; 0.0078 GiB and 0.0023 GiB move at two
    # decimals (0.01 -> 0.00), so the GPU is listed, and both are under 0.01 GiB
    # (10,737,418.24 B): in MiB, where the note read "GPU3 0.01 of 79.50 GiB -> 0.00 GiB"
    snap = HardwareSnapshot.model_validate(_raw_with_busy_a100(8 * MIB))
    cluster, notes = cluster_and_notes([snap])
    assert cluster.nodes[0].memory_used_bytes[3] == 2_487_071
    assert notes[-1].endswith("gpu_memory_utilization: GPU3 8.00 MiB of 79.50 GiB -> 2.37 MiB")


def test_the_cli_plans_every_gpu_and_loads_a_share_over_the_smallest_total(
        tmp_path: Path) -> None:
    _, done = plan_snapshot(_raw_with_busy_a100(2 * 2**30), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Qwen/Qwen3-8B on 8x NVIDIA GeForce RTX 3090, TP=8\n")
    # 30 GiB in use, more than the 3090's whole 23.57 GiB: the node was refused ("memory_used_
    # bytes 32212254720 is outside 0..25308430336"); 30,720 / 81,408 = 60 / 159 of it:
    # 25,308,430,336 x 60 / 159 = 1,518,505,820,160 / 159 = 9,550,351,070.19, rounded up
    # 9,550,351,071 B = 8.89 GiB
    snap = HardwareSnapshot.model_validate(_raw_with_busy_a100(30 * 2**30))
    assert cluster_and_notes([snap])[0].nodes[0].memory_used_bytes[3] == 9_550_351_071


def test_the_hardware_audit_doc_quotes_that_note() -> None:
    # docs/hardware-audit.md quoted it as "GPU3 2.00 of 79.50 GiB -> 0.59 GiB", a unit short
    doc = " ".join((Path(__file__).resolve().parents[2] / "docs" / "hardware-audit.md")
                   .read_text().split())
    quoted = re.search(r'with a note \("(GPU3 [^"]*)"\)', doc)[1]
    _, notes = cluster_and_notes([HardwareSnapshot.model_validate(_raw_with_busy_a100(2 * 2**30))])
    assert notes[-1].endswith(f": {quoted}")
