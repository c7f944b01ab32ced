"""Hardware page: the live audit, a cluster built from presets, or uploaded probe snapshots."""

from typing import get_args

import pandas as pd
import streamlit as st

from planner.serving.hardware import (
    GPU_PRESETS,
    PCIE_LANES,
    PCIE_X16_GBPS,
    GpuSpec,
    LinkKind,
    PcieSlot,
    network_link,
    pcie_rate,
)
from planner.text import counted, md_escape, sentence
from planner.units import MIB, number_as_given
from probes.audit_summary import audit_summary
from probes.cluster import repeated_machine
from probes.snapshot import HardwareSnapshot, SnapshotError, load_snapshot
from ui import format as fmt
from ui.context import (
    MEMORY_FIELD,
    PAGE_SLOT,
    UPLOAD_ERRORS_KEY,
    UPLOADS_KEY,
    app_markdown,
    cluster_label,
    current_cluster,
    current_network,
    gpu_totals_text,
    or_error,
    uploaded_snapshots,
)
from ui.io import live_snapshot
from ui.state import LABELS, bind, set_state, state, typed_input

_SOURCES = {
    "audit": "Live audit of this machine",
    "preset": "Cluster from presets",
    "snapshots": "Uploaded probe snapshots",
}
_SEVERITY = {"critical": st.error, "warning": st.warning, "info": st.info}


def _render_snapshot(snap: HardwareSnapshot) -> None:
    """GPU table, topology matrix with its legend, host facts and findings of one snapshot
    (the same AuditSummary the report prints)."""
    summary = audit_summary(snap)
    if summary.gpus:
        st.dataframe(pd.DataFrame([{
            "GPU": g.index, "Name": g.name, "Total (NVML)": fmt.gib(g.memory_total_bytes),
            "Used": fmt.gib(g.memory_used_bytes), "PCIe link now (max)": g.pcie_link,
            "Power cap (W)": g.power_limit_watts, "°C": g.temperature_c,
            "ECC": g.ecc, "NVLinks up": g.nvlinks_active,
        } for g in summary.gpus]), hide_index=True)
        st.caption(md_escape(f"Driver {summary.driver_version or '—'}, CUDA "
                             f"{summary.cuda_version or '—'}, toolkit "
                             f"{summary.cuda_toolkit_version or 'not found'}"))
    else:
        st.info(md_escape(f"No GPU on {snap.hostname}: "
                          f"{summary.gpu_unavailable_reason or 'none listed'}."))
    if summary.topology:
        header, *rows = summary.topology
        st.markdown("**Topology** (`nvidia-smi topo -m`)")
        st.dataframe(pd.DataFrame([row[1:] for row in rows], index=[row[0] for row in rows],
                                  columns=header[1:]))
        st.caption("  \n".join(f"**{md_escape(f.label)}** {md_escape(f.value)}"
                                for f in summary.topology_legend))
    st.markdown("**Findings**")
    if not summary.findings:
        st.success("No red flags.")
    for finding in summary.findings:
        _SEVERITY[finding.severity](
            f"**{md_escape(finding.title)}**  \n{md_escape(finding.evidence)}  \n"
            f"*Advice:* {md_escape(finding.advice)}"
        )
    st.markdown("**Host**")
    facts = (*summary.host, *summary.serving_stack)
    st.table(pd.Series({md_escape(f.label): md_escape(f.value) for f in facts},
                       name=md_escape(f"{snap.hostname}, {snap.taken_at}")))


def _load_uploads() -> None:
    """on_change of the uploader: parse every file; the parsed snapshots outlive the widget.
    A file describing a machine already uploaded is refused (it would be planned as a second
    node); two files of one name from different machines are both kept."""
    loaded: dict[str, HardwareSnapshot] = {}
    errors = []
    for upload in st.session_state["hw.uploads"] or []:
        try:
            snap = load_snapshot(upload.getvalue())
        except SnapshotError as exc:
            errors.append(sentence(f"{upload.name}: {exc}"))
            continue
        repeat = repeated_machine(loaded.items(), upload.name, snap)
        if repeat:
            errors.append(repeat)
            continue
        name, copy = upload.name, 1
        while name in loaded:
            copy += 1
            name = f"{upload.name} ({copy})"
        loaded[name] = snap
    st.session_state[UPLOADS_KEY] = loaded
    st.session_state[UPLOAD_ERRORS_KEY] = errors


_ONE_PER_MACHINE_KEY = "hw._one_per_machine"


def _one_per_machine() -> None:
    """After a GPU model is picked: one sold a machine each (GpuSpec.one_per_machine: a DGX
    Spark holds one GB10) takes 1 GPU per node, so the pick does not land on the planner's
    refusal of several per node (OnePerMachineError); more of them are more nodes. One rented
    a machine each (GpuSpec.rented_one_per_machine: Lambda's 1x GH200 instance, the priced
    product, which the Recommend page plans as nodes of one) takes 1 too: several per node
    planned over a link no source gives. A link that asks for several per node keeps them
    (the refusal, or the assumed link's warning): it was given, not defaulted."""
    gpu, per_node = GPU_PRESETS[state().gpu], state().gpus_per_node
    machine = gpu.one_per_machine or gpu.rented_one_per_machine
    if not machine or per_node == 1:
        return
    set_state(gpus_per_node=1)
    st.session_state[_ONE_PER_MACHINE_KEY] = (
        f"{'A' if gpu.one_per_machine else 'The priced'} {machine} holds one {gpu.name}: GPUs "
        f"per node set to 1 (it was {per_node}); plan more {machine}s as more Nodes."
        + ("" if gpu.one_per_machine else " Machines that hold several exist (the preset's "
           "notes below): set GPUs per node for those, over a link no source gives."))


def _gpu_label(key: str) -> str:
    """A preset as the GPU picker lists it: its name, the machine it is sold as where that is
    how people name it (GpuSpec.one_per_machine: "NVIDIA GB10 (DGX Spark)"), its memory. The
    picker filters by what is typed, so "spark" found nothing: the CLI's --gpu takes
    "DGX Spark", the list said only "NVIDIA GB10"."""
    gpu = GPU_PRESETS[key]
    sold_as = f" ({gpu.one_per_machine})" if gpu.one_per_machine else ""
    return f"{gpu.name}{sold_as} — {gpu.memory_label}"


def _preset_builder() -> None:
    """GPU model, GPUs per node, nodes and links; the cluster itself is built by the planner."""
    left, mid, right = st.columns([3, 1, 1])
    left.selectbox(LABELS["gpu"], list(GPU_PRESETS), format_func=_gpu_label,
                   **bind("hw", "gpu", then=_one_per_machine))
    # no widget bounds (a browser refuses an out-of-range value silently): the state's
    # limits (1..64) refuse it aloud
    # a refusal under the row, not in its fifth-wide column (typed_input)
    typed_input(mid.number_input, LABELS["gpus_per_node"], step=1, under=st,
                **bind("hw", "gpus_per_node"))
    typed_input(right.number_input, LABELS["nodes"], step=1, under=st, **bind("hw", "nodes"))
    if note := st.session_state.pop(_ONE_PER_MACHINE_KEY, None):
        st.info(note)
    typed_input(st.number_input, f"{MEMORY_FIELD} (GiB; empty: the GPU preset's)", value=None,
                step=1.0, help="a custom card of this GPU model, e.g. a 48 GB RTX 4090: vLLM's "
                "batch defaults, formats and link follow the model, the budget this memory: "
                "nvidia-smi's total less the driver's reserved memory (an RTX 3090: 24,576 - "
                "440 MiB = 23.57, not 24)",
                **bind("hw", "gpu_memory_gib"))
    _wsl2_box(st)
    # one GPU per node has no GPU-to-GPU link: the link and its PCIe slots change nothing
    alone = state().gpus_per_node == 1
    left, gen, lanes = st.columns([2, 1, 1])
    left.radio(LABELS["intra_node_link"], ["auto", *get_args(LinkKind)], horizontal=True,
               help="as the CLI's --link. auto: the card's own (NVLink only for NVSwitch "
               "(SXM/HGX) parts, pcie-no-p2p for GeForce cards without peer-to-peer); "
               "pcie-no-p2p: staged through host memory; cross-socket: GPUs under different "
               "CPU sockets or host bridges",
               disabled=alone, **bind("hw", "intra_node_link"))
    gen.selectbox(LABELS["pcie_generation"], [None, *reversed(PCIE_X16_GBPS)],
                  format_func=lambda g: "the card's" if g is None else f"PCIe {g}.0",
                  placeholder="the card's",  # Streamlit shows None as its placeholder
                  help="where the board runs an older generation than the card (the "
                  "CLI's --pcie-gen); the link runs at the lower of the two",
                  disabled=alone, **bind("hw", "pcie_generation"))
    lanes.selectbox(LABELS["pcie_lanes"], [None, *reversed(PCIE_LANES)],
                    format_func=lambda n: "the card's" if n is None else f"x{n}",
                    placeholder="the card's",
                    help="where a slot is wired narrower than the card: x8/x8 boards, x4 or "
                    "x1 risers (the CLI's --pcie-lanes); the link runs on the fewer lanes",
                    disabled=alone, **bind("hw", "pcie_lanes"))
    if alone:
        st.caption("One GPU per node: no GPU-to-GPU link in a node, so the link and the PCIe "
                   "slots above do not apply (between nodes: the network below).")
    _network_field(st)
    gpu = GPU_PRESETS[state().gpu]
    given = state().gpu_memory_gib
    half = "bf16" if gpu.computes_bf16 else "fp16"  # no bfloat16 below 8.0: FP16's figure
    facts = {
        "CUDA total per GPU": f"{number_as_given(given)} GiB (given; the preset's is "
                              f"{fmt.gib(gpu.memory_total_bytes)})" if given else
                              _wsl2_total(gpu) if state().wsl2 else
                              f"{fmt.gib(gpu.memory_total_bytes)} (label {gpu.memory_label})",
        "Memory bandwidth": f"{gpu.memory_bandwidth_gbps:,.0f} GB/s",
        f"Dense {half.upper()} / FP8 / FP4": " / ".join(
            f"{t:,.0f} TFLOPS" if t else "—"
            for t in (gpu.dense_tflops(half), gpu.fp8_dense_tflops, gpu.fp4_dense_tflops)
        ),
        "Compute capability": gpu.compute_capability or "—",
        "Native weight formats": ", ".join(gpu.native_weight_formats),
        "Native KV dtypes": ", ".join(gpu.native_kv_dtypes),
        "Interconnect": gpu.interconnect,
        "PCIe link": _pcie_fact(gpu),
        "Network between nodes": _network_fact(gpu),
        "Source": gpu.source,
    }
    st.table(pd.Series(facts, name=gpu.name))
    if gpu.notes:  # its flags (--kv-cache-dtype fp8, --link pcie) as inline code
        st.caption(app_markdown(gpu.notes))


def _wsl2_box(where) -> None:
    """The Windows (WSL2) box (link key wsl2), in `where` (st or a column)."""
    where.checkbox(LABELS["wsl2"], help="the GPUs run under Windows WSL2, where CUDA reports "
                   "the whole nvidia-smi total (no driver reservation): presets are planned on "
                   f"it. A memory given in '{MEMORY_FIELD}' wins (it is what CUDA reports)",
                   **bind("hw", "wsl2"))


def _network_field(where) -> None:
    """The network between nodes (link key net), in `where` (st or a column)."""
    typed_input(where.text_input, f"{LABELS['network']} (NICs per node x Gb/s)",
                placeholder="e.g. 8x400",
                help="each node's NICs for GPU traffic x their line rate, shared evenly "
                "by its GPUs: 8x400 (a DGX H100), 2x100 (two 100 GbE ports), 1x400 (one "
                "NIC for the node). Empty: the GPU's DGX network, one 400 Gb/s NIC per "
                "GPU (800 on B300, 200 per DGX Spark). Used only when a layout spans "
                "nodes",
                **bind("hw", "network"))


def _recommend_presets() -> None:
    """Under the live audit or snapshots: the preset builder's two settings the Recommend page
    applies whatever the source (it searches presets), to see and change here."""
    st.subheader("Presets the Recommend page searches")
    st.caption("The Recommend page plans GPU presets whatever the hardware source: these two "
               "apply to them (and to the preset builder), not to the hardware above.")
    left, right = st.columns(2)
    _wsl2_box(left)
    _network_field(right)


def _wsl2_total(gpu: GpuSpec) -> str:
    """The preset's total under WSL2 with the native one, or why there is none."""
    if gpu.nvidia_smi_total_mib is None:
        return f"unknown under WSL2 (no nvidia-smi total on record; native Linux: " \
               f"{fmt.gib(gpu.memory_total_bytes)})"
    return (f"{fmt.gib(gpu.nvidia_smi_total_mib * MIB)} under WSL2 (nvidia-smi's "
            f"{gpu.nvidia_smi_total_mib:,} MiB; native Linux: {fmt.gib(gpu.memory_total_bytes)})")


def _pcie_fact(gpu) -> str:
    """'PCIe 4.0 x8 = 15.75 GB/s per direction (...)': the card's PCIe link in the slots
    given (hardware.pcie_rate), what a PCIe link between two of them carries."""
    given = state().pcie_generation, state().pcie_lanes
    slot = PcieSlot(generation=given[0], lanes=given[1], source=PAGE_SLOT) if any(given) \
        else None
    return pcie_rate(gpu, slot).formula


def _network_fact(gpu) -> str:
    """'2 NICs x 100 Gb/s per node / 8 GPUs / 8 bits per byte = 3.125 GB/s per GPU per
    direction (given: ...)', or the DGX one the speed model takes when none is given
    (hardware.network_link); on one node, first that it is not used there: bare, an RTX
    3090 box's row read "... (preset: unverified: no DGX reference ..., one 400 Gb/s NIC per
    GPU assumed)", a doubt about a plan that sends nothing between nodes."""
    net = network_link(gpu, current_network(), state().gpus_per_node)
    fact = f"{net.formula} ({net.source.split('; ')[0]})"
    return fact if state().nodes > 1 else f"not used on one node (over several: {fact})"


def _snapshots() -> None:
    """Upload `python -m probes --json` files from headless nodes, one node per file."""
    st.markdown(
        "On each headless node run `python -m probes --json > node1.json`, then upload the "
        "files here: one node per file. They stay in this browser session only."
    )
    st.file_uploader("Probe snapshots (JSON)", type="json", accept_multiple_files=True,
                     key="hw.uploads", on_change=_load_uploads)
    for message in st.session_state.get(UPLOAD_ERRORS_KEY, []):
        st.error(md_escape(message))
    for name, snap in uploaded_snapshots().items():
        with st.expander(md_escape(f"{name}: {snap.hostname}, {counted(len(snap.gpus), 'GPU')}"),
                         expanded=len(uploaded_snapshots()) == 1):
            _render_snapshot(snap)


st.title("Hardware")
st.radio(LABELS["hardware"], list(_SOURCES), format_func=_SOURCES.get, horizontal=True,
         **bind("hw", "hardware"))
choice = state().hardware
if choice == "audit":
    if st.button("Refresh audit", icon=":material/refresh:"):
        live_snapshot.clear()
    _render_snapshot(live_snapshot())
elif choice == "preset":
    _preset_builder()
else:
    _snapshots()

st.subheader("Hardware used for planning")
cluster = or_error(current_cluster, "This hardware cannot be planned for")
if cluster is not None:
    st.success(md_escape(f"{cluster_label(cluster)} — {counted(cluster.gpu_count, 'GPU')}, "
                         f"{gpu_totals_text(cluster)}. Source: {cluster.source}"))
if choice != "preset":
    _recommend_presets()
