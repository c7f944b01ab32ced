"""A GPU with MIG mode on: the audit flags it and the plan says it plans whole GPUs.

With MIG on, CUDA runs each MIG instance as a device of its own with a slice of the GPU's memory
and no NVLink to another (NVIDIA's CUPTI and RAPIDS' MIG guides; probes.nvml.MIG_NOTE), so
vLLM never sees the whole GPU the snapshot's NVML total describes. The audit recorded
mig_enabled and said nothing; the plan budgeted the whole GPU silently.
"""

from __future__ import annotations

from probes.cluster import cluster_and_notes
from probes.findings import audit
from probes.snapshot import HardwareSnapshot


def _mig_on(rig: HardwareSnapshot, indices: set[int]) -> HardwareSnapshot:
    gpus = [g.model_copy(update={"mig_enabled": True}) if g.index in indices else g
            for g in rig.gpus]
    return rig.model_copy(update={"gpus": gpus})


MIG_WORDS = ("CUDA, and so vLLM, runs each MIG instance as a device of its own, holding a slice "
             "of the GPU's memory, with no NVLink or peer-to-peer to another instance")


def test_the_audit_flags_gpus_with_mig_on(rig: HardwareSnapshot) -> None:
    assert not [f for f in audit(rig) if f.code == "mig-enabled"]  # the fixture: not supported
    (finding,) = [f for f in audit(_mig_on(rig, {0, 1, 5})) if f.code == "mig-enabled"]
    assert finding.severity == "warning" and finding.title == "MIG is enabled"
    assert finding.evidence == f"GPU0-1,5: MIG mode on. {MIG_WORDS}."
    assert "--gpu-memory-gib X" in finding.advice and "-mig 0" in finding.advice
    assert "--gpu-name" in finding.advice and "'H100 MIG 3g.40gb'" in finding.advice


def test_the_plan_says_it_plans_whole_gpus(rig: HardwareSnapshot) -> None:
    # the fixture's 3090s: 24,576 - 440 MiB = 24,136 MiB = 23.57 GiB each
    cluster, notes = cluster_and_notes([_mig_on(rig, {2, 3})])
    assert notes == [f"rig-3090x8: MIG is enabled on GPU2-3, planned as whole GPUs of 23.57 GiB, "
                     f"though {MIG_WORDS}: disable MIG, or plan one instance with "
                     "--gpu-memory-gib X --gpu-name 'NVIDIA GeForce RTX 3090 MIG <profile>' "
                     "(its parent's compute capability and formats)"]
    assert cluster.source.endswith(notes[0])
    assert cluster_and_notes([rig])[1] == []
