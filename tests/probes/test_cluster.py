"""snapshots_to_cluster: recorded node snapshots -> planner.serving.hardware.ClusterSpec."""

from __future__ import annotations

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from probes.cluster import (
    cluster_and_notes,
    repeated_machine,
    same_machine,
    snapshots_to_cluster,
)
from probes.nvml import NvLinkInfo
from probes.snapshot import HardwareSnapshot, SnapshotError

MIB = 1 << 20
# planner preset: RTX 3090 CUDA total 23.57 GiB = round(23.57 * 2**30) = 25,308,094,792 B
RTX3090_PRESET_TOTAL = 25_308_094_792
# the fixture's NVML figures: total 24,576 MiB less 440 MiB reserved = 24,136 MiB
# = 24,136 x 1,048,576 = 25,308,430,336 B, what CUDA reports and the plan budgets
RTX3090_CUDA_TOTAL = 25_308_430_336


def renamed(snap: HardwareSnapshot, hostname: str, **gpu_changes: object) -> HardwareSnapshot:
    gpus = [g.model_copy(update=gpu_changes) for g in snap.gpus]
    return snap.model_copy(update={"hostname": hostname, "gpus": gpus})


def test_two_3090_nodes(rig: HardwareSnapshot) -> None:
    cluster = snapshots_to_cluster([rig, renamed(rig, "node2")])
    assert cluster.gpu_count == 16 and cluster.gpus_per_node == 8
    assert [n.hostname for n in cluster.nodes] == ["rig-3090x8", "node2"]
    node = cluster.nodes[0]
    assert node.gpu.key == "rtx-3090" and node.gpu.memory_total_bytes == RTX3090_CUDA_TOTAL
    assert node.intra_node_link == "cross-socket"  # NODE: between host bridges, via the host
    assert node.pcie_topology == "NODE"  # worst of PIX/PXB/NODE on the board
    assert node.memory_used_bytes == (MIB,) * 8  # 1 MiB used per idle GPU
    assert cluster.source == "snapshots: rig-3090x8, node2"


def test_a_snapshot_plans_its_measured_total_with_the_presets_identity(
        rig: HardwareSnapshot) -> None:
    engine = EngineSettings(vllm_version="0.19", gpu_memory_utilization=0.9,
                            max_model_len=8192)

    def plan_on(cluster):
        return plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-8B"), cluster=cluster,
                                layout=ParallelLayout(tp=8), engine=engine))

    audited, preset = plan_on(snapshots_to_cluster([rig])), plan_on(preset_cluster("rtx-3090", 8))
    # vLLM's request_memory: ceil(total x 0.9); 25,308,430,336 x 0.9 = 22,777,587,302.4
    # and the preset's 25,308,094,792 x 0.9 = 22,777,285,312.8
    assert audited.per_gpu[0].total_bytes == RTX3090_CUDA_TOTAL
    assert preset.per_gpu[0].total_bytes == RTX3090_PRESET_TOTAL
    assert audited.per_gpu[0].budget_bytes == 22_777_587_303
    assert preset.per_gpu[0].budget_bytes == 22_777_285_313
    # no other term reads the total: the pool grows by the budgets' difference, 301,990 B
    assert audited.kv_cache_bytes_per_gpu - preset.kv_cache_bytes_per_gpu == 301_990
    # the preset's identity: vLLM's small-GPU batch defaults (2048 / 256) as on the preset
    assert audited.vllm_command == preset.vllm_command
    budget = next(t for t in audited.terms if t.key == "budget")
    assert budget.note.endswith("total 23.57 GiB (measured) = 25,308,430,336 B, where the "
                                "rtx-3090 preset holds 25,308,094,792 B (23.57 GiB)")
    assert "preset" not in next(t for t in preset.terms if t.key == "budget").note


def test_a_gb10_without_an_nvml_memory_total_is_planned_as_its_preset(
        rig: HardwareSnapshot) -> None:
    # NVML answers NOT_SUPPORTED for GB10's memory (kubernetes-sigs/dra-driver-nvidia-gpu#1073,
    # NVIDIA-NeMo/RL#2203), so a DGX Spark's audit has no total; the preset holds the CUDA
    # total a DGX Spark start-up prints, 121.69 GiB (bench/public_memory_runs.json)
    gpu = rig.gpus[0].model_copy(update={
        "name": "NVIDIA GB10", "compute_capability": "12.1", "memory_total_bytes": None,
        "memory_reserved_bytes": None, "memory_used_bytes": None, "memory_free_bytes": None})
    spark = rig.model_copy(update={"hostname": "spark", "gpus": [gpu], "topology": None})
    node = snapshots_to_cluster([spark]).nodes[0]
    assert node.gpu.key == "dgx-spark-gb10" and node.gpus_per_node == 1
    assert node.gpu.memory_total_bytes == round(121.69 * 2**30)
    # another GPU without a total still cannot be planned
    with pytest.raises(SnapshotError, match="no name or memory total"):
        snapshots_to_cluster([renamed(spark, "spark", name="NVIDIA GeForce RTX 3090")])


def test_a_gb10_plans_vllms_start_up_check_on_the_hosts_available_ram(
        rig: HardwareSnapshot) -> None:
    # vLLM reads the host's available RAM (psutil) as GB10's free memory and refuses to start
    # below requested_memory = ceil(121.69 GiB x utilization) free. By hand: 110 GiB available
    # leaves 121.69 - 110 = 11.69 GiB held; 0.92 needs 111.95 GiB (refused), 0.85 needs
    # 103.44 GiB (starts).
    gpu = rig.gpus[0].model_copy(update={
        "name": "NVIDIA GB10", "compute_capability": "12.1", "memory_total_bytes": None,
        "memory_reserved_bytes": None, "memory_used_bytes": None, "memory_free_bytes": None})
    host = rig.host.model_copy(update={"ram_available_bytes": 110 * 2**30})
    spark = rig.model_copy(update={"hostname": "spark", "gpus": [gpu], "topology": None,
                                   "host": host})
    cluster, notes = cluster_and_notes([spark])
    assert cluster.nodes[0].memory_used_bytes == (round(121.69 * 2**30) - 110 * 2**30,)
    assert notes == ["spark: NVIDIA GB10 shares the host's RAM; 110.00 GiB was available at "
                     "the audit, so 11.69 GiB of its 121.69 GiB is taken as held by other "
                     "processes"]

    def errors(utilization: float) -> list[str]:
        return plan(PlanRequest(
            model=catalog_spec("meta-llama/Meta-Llama-3.1-8B"), cluster=cluster,
            layout=ParallelLayout(), engine=EngineSettings(
                vllm_version="0.33.0", gpu_memory_utilization=utilization))).errors

    # vLLM 0.33.0's words (v1/worker/utils.py request_memory, format_gib = round(b / 2^30, 2)
    # as text): 110 GiB free writes "110.0" (it read "110.00 GiB/121.69 GiB", not vLLM's
    # text), the total 130,663,642,563 B "121.69", the request ceil(0.92 x that) =
    # 120,210,551,158 B = 111.9548 GiB "111.95"
    assert any("Free memory on device cuda:0 (110.0/121.69 GiB) on startup is less than "
               "desired GPU memory utilization (0.92, 111.95 GiB). Decrease GPU memory "
               "utilization or reduce GPU memory used by other processes." in e
               for e in errors(0.92))
    assert not any("Free memory on device" in e for e in errors(0.85))


def test_mixed_models_across_nodes_plan_engine_settings_on_node_0(rig: HardwareSnapshot
                                                                   ) -> None:
    # RTX 4090: nvidia-smi 24564 MiB, about 357 MiB reserved -> 24207 MiB = 23.64 GiB usable,
    # larger than the 3090's 23.57 GiB.
    node2 = renamed(rig, "node2", name="NVIDIA GeForce RTX 4090", compute_capability="8.9",
                    memory_total_bytes=24564 * MIB, memory_reserved_bytes=357 * MIB)
    cluster = snapshots_to_cluster([rig, node2])
    assert cluster.nodes[1].gpu.key == "rtx-4090"
    assert cluster.sizing_node.gpu.memory_total_bytes == RTX3090_CUDA_TOTAL
    assert "mixed GPU models across nodes" in cluster.source
    # the same note apart, for the CLI to print (its plan header names the 3090 only); the
    # batch defaults are read on node 0's GPU 0 (EngineArgs.get_batch_defaults, device_id=0,
    # in node 0's `vllm serve`: ClusterSpec.sizing_node), here the 3090
    assert cluster_and_notes([rig, node2]) == (cluster, [
        "mixed GPU models across nodes (NVIDIA GeForce RTX 3090, NVIDIA GeForce RTX 4090); "
        "each node's ranks are sized on their own GPU's total and every rank takes the fewest "
        "KV blocks of all ranks, as vLLM does; batch defaults and kernels are planned for node "
        "0's GPU, as vLLM reads them there: NVIDIA GeForce RTX 3090 (rig-3090x8)"])
    # the 4090 node first: node 0's GPU is the 4090, though the 3090's total is the smaller
    first = snapshots_to_cluster([node2, rig])
    assert first.sizing_node.gpu.key == "rtx-4090"
    assert first.source.endswith("node 0's GPU, as vLLM reads them there: NVIDIA GeForce "
                                 "RTX 4090 (node2)")


def test_mixed_models_in_one_node(rig: HardwareSnapshot) -> None:
    gpus = list(rig.gpus)
    gpus[7] = gpus[7].model_copy(update={"name": "NVIDIA GeForce RTX 4090",
                                         "compute_capability": "8.9",
                                         "memory_total_bytes": 24564 * MIB,
                                         "memory_reserved_bytes": 357 * MIB})
    cluster = snapshots_to_cluster([rig.model_copy(update={"gpus": gpus})])
    assert cluster.nodes[0].gpu.key == "rtx-3090" and cluster.nodes[0].gpus_per_node == 8
    # the 4090 reads faster (1,008 GB/s) than the 3090 (936): no speed caveat; vLLM's own
    # warning on a node of several models (platforms/cuda.py log_warnings) is passed on
    assert cluster.source.endswith(
        "rig-3090x8 mixes NVIDIA GeForce RTX 3090, NVIDIA GeForce RTX 4090; planned as 8x "
        "NVIDIA GeForce RTX 3090; vLLM asks for CUDA_DEVICE_ORDER=PCI_BUS_ID on such a node")


def test_a_gpu_without_a_preset_keeps_its_audited_compute_capability(
        rig: HardwareSnapshot) -> None:
    # No preset is named "NVIDIA A800 40GB Active" (nvidia-smi's name of the PCIe A800, an A800
    # variant beside the a800 preset's SXM4 80GB; the a30 preset took the A30 this test named
    # before), audited at compute capability 8.0 here. The audit records the
    # capability, but the GPU was planned without it, as a card of unknown capability: only
    # fp32/fp16 native, so Qwen3-8B's bf16 config was labelled "fp16 (FP16)" where vLLM's
    # dtype auto runs it in bfloat16 on 8.0, and nothing said the GPU had no preset
    cluster = snapshots_to_cluster([renamed(rig, "a800-node", name="NVIDIA A800 40GB Active",
                                            compute_capability="8.0")])
    gpu = cluster.nodes[0].gpu
    assert gpu.key == "custom" and gpu.compute_capability == "8.0"
    assert gpu.memory_total_bytes == RTX3090_CUDA_TOTAL  # the audited total, as before
    assert "bf16" in gpu.native_weight_formats and "bf16" in gpu.native_kv_dtypes
    # 25,308,430,336 B / 2**30 = 23.57 GiB; the near preset is the A800's own (the SXM4 80 GB
    # card), not the A100s it was once told (a100-40gb-pcie, ...: 100 is not its number 800)
    assert cluster.source.endswith(
        "a800-node: no preset for 'NVIDIA A800 40GB Active' (did you mean a800?): planned as a "
        "GPU of unknown model at its audited total "
        "(23.57 GiB) and compute capability 8.0 (native formats: fp32, bf16, fp16, int8, int4); "
        "no preset's memory bandwidth or TFLOP/s, so no speed figures")
    # a capability the audit did not read (or not major.minor) is planned as before: unknown
    unread = snapshots_to_cluster([renamed(rig, "a800-node", name="NVIDIA A800 40GB Active",
                                           compute_capability=None)])
    assert unread.nodes[0].gpu.compute_capability == ""
    assert unread.nodes[0].gpu.native_weight_formats == ("fp32", "fp16")
    assert unread.source.endswith("and compute capability unknown (native formats: fp32, fp16); no "
                                  "preset's memory bandwidth or TFLOP/s, so no speed figures")


def test_a_slower_gpu_in_a_node_planned_as_its_smallest_is_named(rig: HardwareSnapshot
                                                                  ) -> None:
    # an RTX A6000 (nvidia-smi 49,140 MiB; datasheet 768 GB/s) beside seven 3090s (936 GB/s):
    # memory is planned on the 3090's smaller total, speed at its 936 GB/s, which the A6000's
    # 768 GB/s undercuts
    gpus = list(rig.gpus)
    gpus[7] = gpus[7].model_copy(update={"name": "NVIDIA RTX A6000",
                                         "memory_total_bytes": 49140 * MIB})
    cluster = snapshots_to_cluster([rig.model_copy(update={"gpus": gpus})])
    assert cluster.nodes[0].gpu.key == "rtx-3090"
    assert ("planned as 8x NVIDIA GeForce RTX 3090; speed is timed at its rates, though NVIDIA "
            "RTX A6000 reads memory at 768 GB/s to its 936, and a step waits for its slowest "
            "GPU; vLLM asks for CUDA_DEVICE_ORDER=PCI_BUS_ID on such a node") in cluster.source


def test_the_link_is_nvlink_only_when_every_pair_is_nvlinked(rig: HardwareSnapshot) -> None:
    n = len(rig.topology.gpu_indices)
    everywhere = [[0 if i == j else 4 for j in range(n)] for i in range(n)]
    one_pair = [[4 if {i, j} == {0, 1} else 0 for j in range(n)] for i in range(n)]
    for matrix, kind in ((everywhere, "nvlink"), (one_pair, "cross-socket")):
        topology = rig.topology.model_copy(update={"nvlink": matrix})
        cluster = snapshots_to_cluster([rig.model_copy(update={"topology": topology})])
        assert cluster.nodes[0].intra_node_link == kind


def test_without_a_matrix_active_nvlinks_on_every_gpu_make_nvlink(rig: HardwareSnapshot) -> None:
    links = [NvLinkInfo(link=k, active=True, remote_pci_bus_id="00000000:21:00.0")
             for k in range(4)]
    gpus = [g.model_copy(update={"nvlinks": links}) for g in rig.gpus]
    cluster = snapshots_to_cluster([rig.model_copy(update={"gpus": gpus, "topology": None})])
    assert cluster.nodes[0].intra_node_link == "nvlink"
    plain = snapshots_to_cluster([rig.model_copy(update={"topology": None})])
    assert plain.nodes[0].intra_node_link == "pcie-no-p2p"  # RTX 3090's default


def test_a_snapshot_without_gpus_is_an_error(rig: HardwareSnapshot,
                                             no_gpu: HardwareSnapshot) -> None:
    with pytest.raises(SnapshotError, match="vm: the snapshot has no GPUs .*libnvidia-ml"):
        snapshots_to_cluster([rig, no_gpu])
    with pytest.raises(SnapshotError, match="no snapshots given"):
        snapshots_to_cluster([])


def test_a_gpu_without_memory_total_is_an_error(rig: HardwareSnapshot) -> None:
    with pytest.raises(SnapshotError, match="GPU0 has no name or memory total"):
        snapshots_to_cluster([renamed(rig, "rig", memory_total_bytes=None)])


def test_one_machine_is_its_hostname_and_its_gpu_uuids(rig: HardwareSnapshot) -> None:
    assert same_machine(rig, rig.model_copy())  # the same file read twice
    # the recorded rig's 8 GPUs each carry an NVML UUID
    assert all(g.uuid for g in rig.gpus) and len({g.uuid for g in rig.gpus}) == 8
    # two machines left at a default hostname: their GPUs' UUIDs tell them apart
    other_gpus = rig.model_copy(update={"gpus": [
        g.model_copy(update={"uuid": f"GPU-other-{g.index}"}) for g in rig.gpus]})
    assert not same_machine(rig, other_gpus)
    # a copy given another hostname is another node, as its author meant (two like machines)
    assert not same_machine(rig, renamed(rig, "node2"))
    # without UUIDs on either side, the hostname alone names the machine
    assert same_machine(rig, renamed(rig, rig.hostname, uuid=None))


def test_a_machine_given_twice_is_named_with_both_files(rig: HardwareSnapshot) -> None:
    # another machine: new UUIDs
    node2 = rig.model_copy(update={"hostname": "node2", "gpus": [
        g.model_copy(update={"uuid": f"GPU-node2-{g.index}"}) for g in rig.gpus]})
    assert repeated_machine([("a.json", rig)], "b.json", node2) is None
    # a copy given another hostname (all 8 of the rig's UUIDs, no more): another node of that
    # kind, as its author meant; so is a second copy, and two uploads of one name
    copy = renamed(rig, "node2")
    assert repeated_machine([("a.json", rig)], "b.json", copy) is None
    assert repeated_machine([("a.json", rig), ("b.json", copy)], "c.json",
                            renamed(rig, "node3")) is None
    assert repeated_machine([("node.json", rig)], "node.json", copy) is None
    # a partial overlap: node2's GPU 2 holds the rig's GPU 5's UUID (the fixture's sixth),
    # its other GPUs their own; one GPU on two nodes
    shared = rig.gpus[5].uuid
    partial = node2.model_copy(update={"gpus": [
        g.model_copy(update={"uuid": shared}) if g.index == 2 else g for g in node2.gpus]})
    assert repeated_machine([("a.json", rig)], "b.json", partial) == (
        f"GPU UUID {shared} is in a.json and b.json, GPU 5 of rig-3090x8 and GPU 2 of node2: "
        "NVML gives every GPU its own UUID, so one GPU would be planned on two nodes (write "
        "each machine's snapshot with `python -m probes --json` on it).")
    assert repeated_machine([("node.json", rig)], "node.json", partial).startswith(
        f"GPU UUID {shared} is in two files named node.json, ")
    # after a copy, the partial overlap is found against the copy too (the first holding it)
    assert repeated_machine([("a.json", rig), ("b.json", copy)], "c.json", partial).startswith(
        f"GPU UUID {shared} is in a.json and c.json, ")
    # a copy trimmed to 4 of the 8 GPUs: 4 GPUs on two nodes, refused as a partial overlap
    trimmed = copy.model_copy(update={"gpus": copy.gpus[:4]})
    assert repeated_machine([("a.json", rig)], "b.json", trimmed).startswith(
        f"GPU UUID {rig.gpus[0].uuid} is in a.json and b.json, GPU 0 of rig-3090x8 and GPU 0 "
        "of node2: ")
    # without UUIDs nothing is shared
    assert repeated_machine([("a.json", rig)], "b.json",
                            renamed(rig, "node2", uuid=None)) is None
    assert repeated_machine([("a.json", rig)], "b.json", rig) == (
        "a.json and b.json describe the same machine (hostname rig-3090x8, the same 8 GPU "
        "UUIDs): each snapshot is one node, so that machine would be planned as two; give "
        "each machine's snapshot once.")
    assert repeated_machine([("a.json", rig)], "a.json", rig).startswith(
        "a.json is given twice: each snapshot is one node")
    no_uuids = renamed(rig, rig.hostname, uuid=None)
    assert repeated_machine([("a.json", rig)], "b.json", no_uuids).startswith(
        "a.json and b.json describe the same machine (hostname rig-3090x8): ")


def test_memory_used_above_the_total_names_the_field_not_pydantic(rig: HardwareSnapshot) -> None:
    # 2 x the 3090's 25,308,430,336 B in use: the message was pydantic's whole repr
    # ("1 validation error for NodeSpec Value error, ... [type=value_error, input_value=...")
    with pytest.raises(SnapshotError) as caught:
        snapshots_to_cluster([renamed(rig, "rig-3090x8", memory_used_bytes=2 * 25_308_430_336)])
    assert str(caught.value) == (
        "rig-3090x8: cannot plan for this node (memory_used_bytes 50616860672 is outside "
        "0..25308430336)")


def test_an_impossible_gpu_memory_names_the_node(rig: HardwareSnapshot) -> None:
    # before: "GPU memory total must be between ..." without the node or the GPU; then "...,
    # got 999999999999999999999538626560 bytes", the usable total, which the file does not
    # hold: 10**30 - the rig's 461,373,440 B reserved = 999,999,999,999,999,999,999,538,626,560
    with pytest.raises(SnapshotError) as caught:
        snapshots_to_cluster([renamed(rig, "rig-3090x8", memory_total_bytes=10**30)])
    assert str(caught.value) == (
        "rig-3090x8: GPU0: memory_total_bytes 1,000,000,000,000,000,000,000,000,000,000 less "
        "memory_reserved_bytes 461,373,440 is 999,999,999,999,999,999,999,538,626,560 B, not a "
        "GPU's memory (under 1 TiB): the snapshot is corrupt; take it again with python -m "
        "probes --json")


def _with_nics(snap: HardwareSnapshot, hostname: str, *nics: tuple[str, str, float]
               ) -> HardwareSnapshot:
    from probes.host import NicInfo

    host = snap.host.model_copy(update={"nics": [
        NicInfo(name=name, kind=kind, gbits=gbits) for name, kind, gbits in nics]})
    return renamed(snap, hostname).model_copy(update={"host": host})


def test_the_network_between_snapshot_nodes_is_the_audited_nics(rig: HardwareSnapshot) -> None:
    from planner.serving.hardware import NetworkSpec, network_link

    ib = _with_nics(rig, "a", ("mlx5_0 port 1", "infiniband", 400.0),
                    ("mlx5_1 port 1", "infiniband", 400.0), ("eno1", "ethernet", 1.0))
    eth = _with_nics(rig, "b", ("eth0", "ethernet", 100.0), ("eth1", "ethernet", 100.0),
                     ("eno1", "ethernet", 1.0))
    # a: the RDMA ports, 2 x 400 = 800 Gb/s; b: its fastest Ethernet, 2 x 100 = 200 Gb/s
    # (the 1 GbE port left out); b binds
    cluster = snapshots_to_cluster([ib, eth])
    assert cluster.network == NetworkSpec(nics_per_node=2, nic_gbits=100.0, source="audit of b")
    # 200 Gb/s / 8 GPUs / 8 = 3.125 GB/s per GPU
    net = network_link(cluster.nodes[0].gpu, cluster.network, cluster.gpus_per_node)
    assert net.bandwidth_gbps == 3.125 and net.source.startswith("audit of b: 2x 100 Gb/s")
    # a snapshot without NICs read (older, or no /sys): the GPU's default network
    assert snapshots_to_cluster([ib, rig]).network is None
    assert snapshots_to_cluster([ib, renamed(ib, "c")]).network.nics_per_node == 2


def _gpus_at(snap: HardwareSnapshot, **links: tuple[int | None, int | None]) -> HardwareSnapshot:
    """The snapshot with GPU<i>'s NVML max link set to (generation, width) per `GPU<i>=`."""
    gpus = [g.model_copy(update=dict(zip(("pcie_generation_max", "pcie_width_max"),
                                         links[f"GPU{g.index}"], strict=True)))
            if f"GPU{g.index}" in links else g for g in snap.gpus]
    return snap.model_copy(update={"gpus": gpus})


def test_the_slot_is_nvmls_max_link_not_the_idle_current_one(rig: HardwareSnapshot) -> None:
    # the recorded RTX 3090s idle at Gen1 (pcie_generation_current 1) of Gen4 x16 max: the
    # link is planned at Gen4 x16, the card's, and no note is added
    assert {(g.pcie_generation_current, g.pcie_generation_max, g.pcie_width_max)
            for g in rig.gpus} == {(1, 4, 16)}
    cluster, notes = cluster_and_notes([rig])
    slot = cluster.nodes[0].pcie_slot
    assert (slot.generation, slot.lanes) == (4, 16) and notes == []
    # cross-socket (NODE): 31.5077 x 6.34/31.5 staged = 6.3415 GB/s, as without a slot
    assert cluster.link.bandwidth_gbps == pytest.approx(16 * 16 * 128 / 130 / 8 * 6.34 / 31.5)


def test_the_slowest_gpu_of_the_node_sets_its_slot(rig: HardwareSnapshot) -> None:
    # GPU2 on a Gen3 x16 slot: 15.75 GB/s; GPU5 on a Gen4 x2 riser: 2 x 16 x 128/130 / 8 =
    # 3.94 GB/s, the slower (taking the lowest generation and the fewest lanes apart, Gen3 x2,
    # would plan 1.97 GB/s, which no GPU has); GPU6 reports no width (older driver): its Gen4
    # leaves the lanes to the card
    snap = _gpus_at(rig, GPU2=(3, 16), GPU5=(4, 2), GPU6=(4, None))
    cluster, notes = cluster_and_notes([snap])
    slot = cluster.nodes[0].pcie_slot
    assert (slot.generation, slot.lanes) == (4, 2)
    assert notes == ["audit of rig-3090x8: GPU5 at most Gen4 x2 (NVML max link): the node's "
                     "PCIe links are planned at PCIe 4.0 x2, 3.94 GB/s per direction"]
    # cross-socket, staged through the host at 6.34 GB/s, capped by the x2 link's 3.94 GB/s
    assert cluster.link.bandwidth_gbps == pytest.approx(2 * 16 * 128 / 130 / 8)
    assert "slot of PCIe 4.0 x2, audit of rig-3090x8: GPU5" in cluster.link.formula


def test_a_snapshot_without_link_figures_or_with_one_gpu_has_no_slot(
        rig: HardwareSnapshot) -> None:
    unknown = {f"GPU{g.index}": (None, None) for g in rig.gpus}
    assert cluster_and_notes([_gpus_at(rig, **unknown)])[0].nodes[0].pcie_slot is None
    # a width no link has (NVML's 0 on a fault) is left to the card; one GPU has no link
    assert cluster_and_notes([_gpus_at(rig, **{k: (4, 0) for k in unknown})])[
        0].nodes[0].pcie_slot.lanes is None
    one = rig.model_copy(update={"gpus": [rig.gpus[0].model_copy(
        update={"pcie_width_max": 1})], "topology": None})
    assert cluster_and_notes([one])[0].nodes[0].pcie_slot is None


def test_a_max_q_rtx_pro_6000_snapshot_is_planned_on_its_own_preset(
        rig: HardwareSnapshot) -> None:
    # an audit of 8 Max-Q Workstation Editions: nvidia-smi 97,887 MiB, the preset's 94.97 GiB
    # for CUDA (638 MiB kept): it was planned as the Workstation Edition preset, with a note;
    # now on rtx-pro-6000-maxq (its datasheet's 110 FP32 TFLOPS), with none
    total, cuda = 97_887 * MIB, round(94.97 * 2**30)
    maxq = renamed(rig, "ws", name="NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition",
                   memory_total_bytes=total, memory_reserved_bytes=total - cuda,
                   compute_capability="12.0")
    cluster, notes = cluster_and_notes([maxq])
    assert (cluster.nodes[0].gpu.key, cluster.nodes[0].gpu.fp32_tflops) == (
        "rtx-pro-6000-maxq", 110.0)
    assert not [n for n in notes if "planned as the" in n], notes


def test_a_preset_gpu_read_at_another_capability_is_named_and_planned_at_the_presets(
        rig: HardwareSnapshot) -> None:
    # the rig's eight NVIDIA GeForce RTX 3090s (the rtx-3090 preset: 8.6), GPUs 0-2 and 5
    # read as 9.0: that reading was dropped without a word; the preset's 8.6 is planned, and
    # a note says both
    gpus = [g.model_copy(update={"compute_capability": "9.0"}) if g.index in (0, 1, 2, 5)
            else g for g in rig.gpus]
    cluster, notes = cluster_and_notes([rig.model_copy(update={"gpus": gpus})])
    assert cluster.nodes[0].gpu.compute_capability == "8.6"
    assert notes == [
        "rig-3090x8: GPU0-2,5 read compute capability 9.0 in the snapshot, where the rtx-3090 "
        "preset, matched by name, has 8.6: planned with the preset's 8.6 (its native formats "
        "and vLLM's refusals); a GPU of 9.0 is another model than the preset's, or the "
        "snapshot was edited"]
    # read as the preset's (the recorded rig: 8.6) or not read: no note
    assert cluster_and_notes([rig])[1] == []
    unread = [g.model_copy(update={"compute_capability": None}) for g in rig.gpus]
    assert cluster_and_notes([rig.model_copy(update={"gpus": unread})])[1] == []
