"""Turn parsed CLI arguments into planner inputs: the model, the cluster, the engine, the layout.

This is where files and the hub are read (through probes), so the planner stays pure. Every
problem raises an exception with a one-line message; planner_cli maps them to exit code 2.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
from collections.abc import Callable, Iterable
from pathlib import Path

from cli.args import NO_LIMITS, Count, counted_gpu
from planner.jsondoc import JsonDocumentError
from planner.model.checkpoint import (
    HEADERS_NOT_READ,
    UNKNOWN_DTYPE,
    ModelSource,
    unread_headers,
)
from planner.model.config.parser import parse_model_config
from planner.model.quant import DTYPE_SCHEME, checkpoint_scheme, resolve_scheme, scheme
from planner.model.spec import ConfigError, ModelSpec
from planner.serving.all2all import all2all_refusal
from planner.serving.auto_layout import auto_layout, layout_scheme
from planner.serving.eagle import DraftError, EagleDraft, parse_eagle_draft
from planner.serving.engine import EngineSettings, derived_max_model_len
from planner.serving.eplb import flag_refusal, redundant_refusal
from planner.serving.hardware import (
    MAX_GPUS_PER_NODE,
    ClusterSpec,
    GpuSpec,
    HardwareError,
    LinkKind,
    NodeSpec,
    NoGpuPresetError,
    NoWsl2TotalError,
    OnePerMachineError,
    capability_from_name,
    custom_gpu,
    gpu_preset,
    memory_near,
    mig_instance,
    mig_parent,
    near_gpu_hint,
    no_bf16_assumed_notes,
    preset_choice_note,
    preset_cluster,
    preset_named,
    size_without_preset,
    stated_gb,
    states_other_memory,
    with_link,
    with_pcie_slot,
)
from planner.serving.launch import catalog_checkpoint_scheme, checkpoint_format_refusal
from planner.serving.layout import ParallelLayout, layout_errors
from planner.serving.lora.coverage import lora_refusal
from planner.serving.lora.expert_formats import run_time_quantization
from planner.serving.lora.settings import release_refusal as lora_release_refusal
from planner.serving.lora.tower import tower_model_refusal
from planner.serving.mm_modes import tower_lora
from planner.serving.moe_backend import moe_backend_refusal, normalize_moe_backend
from planner.serving.plan import redundant_experts
from planner.serving.plan.refusals import lora_gpu_refusal
from planner.serving.prices import MAX_USD_PER_GPU_HOUR
from planner.serving.recommend import GPUS_PER_NODE
from planner.serving.runner_choice import runner_request_refusal
from planner.serving.startup.block_size import block_size_refusal
from planner.serving.startup.wheel_arch import no_preset_text, wheel_floor
from planner.serving.sweep import (
    accepts_what_if,
    layout_candidates,
    quant_settings,
    quantizes_weights,
)
from planner.serving.vllm_cli import (
    CountError,
    choice_refusal,
    read_count,
    unrecognized_flag,
    vllm_cli,
)
from planner.serving.vllm_versions import (
    EngineError,
    mamba_flag_refusal,
    parse_version,
    require_kv_cache_dtype,
    vllm_rules,
)
from planner.text import has_control, shortened
from planner.units import GIB, number_as_given
from probes.cluster import cluster_and_notes, repeated_machine
from probes.files import broken_link, home_expanded, not_regular_file, read_json_document
from probes.hub import HubError, check_repo_id, resolve_model
from probes.snapshot import HardwareSnapshot, SnapshotError, load_snapshot


class CliError(ValueError):
    """Arguments that are valid one by one but not together (one-line message)."""


VLLM_WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.pt")
"""The weight files `vllm serve FOLDER` looks for (vllm/model_executor/model_loader/
default_loader.py, load format auto: *.safetensors, *.bin, then *.pt; none: "Cannot find any
model weights with `FOLDER`").

NOTE: DefaultModelLoader._prepare_weights (0.13.0 wheel) globs the patterns in this order and
stops at the first that matches anything, a directory or a FIFO included (glob.glob lists
names, not kinds), then opens every match as a weights file: a folder holding a directory
named model.safetensors fails there, even beside real *.bin files."""


def _weights_problem(folder: Path) -> tuple[str, str] | None:
    """Why `vllm serve FOLDER` finds no weights it can open, and what would (None when it can):
    no match of VLLM_WEIGHT_PATTERNS, or a match of the pattern vLLM picks that is not a
    regular file."""
    pattern, found = next(((p, m) for p in VLLM_WEIGHT_PATTERNS
                           if (m := sorted(folder.glob(p)))), ("", []))
    if not found:
        return (f"{folder} holds no weights (*.safetensors, *.bin or *.pt), so `vllm serve` "
                "would stop with \"Cannot find any model weights\"", "plan the checkpoint's "
                "folder, or its repo id")
    odd = next(((m, kind) for m in found if (kind := not_regular_file(m))), None)
    if odd is None:
        return None
    return (f"{odd[0]} is {odd[1]}, not a weights file, and `vllm serve` would open it as one "
            f"(it loads every {pattern} in the folder)", "move it out of the folder, or plan "
            "the checkpoint's repo id")


def served_checkpoint(name: str | None) -> str | None:
    """A --target-checkpoint as the command names it: a repo id as given, once the hub's
    rules take it (probes.hub.check_repo_id, as --model's); a local path (vLLM loads a name
    that exists on disk from there) by its absolute path, so the command runs from any
    directory, once it is a folder holding config.json and weights vLLM can open; CliError
    otherwise (the command would fail at load)."""
    if not name:
        return None
    path = Path(name)
    try:
        local = path.exists() or path.is_symlink()
    except OSError:  # a name no file system holds: a repo id (checked by the hub's rules)
        local = False
    if not local:
        try:
            check_repo_id(name, local_paths="model folder", revision_input=None)
        except HubError as err:
            raise CliError(f"--target-checkpoint {err.message}") from None
        return name
    kind = not_regular_file(path)
    if kind != "a directory":
        kind = "a file" if kind is None else kind
        raise CliError(f"--target-checkpoint {name} is {kind}: `vllm serve` loads a repo id or "
                       "a folder holding config.json and the weights; give the folder")
    folder = path.absolute()
    if not_regular_file(folder / "config.json"):
        raise CliError(f"--target-checkpoint {folder} holds no config.json, so `vllm serve` "
                       "cannot load it; give the checkpoint's folder or its repo id")
    problem = _weights_problem(folder)
    if problem:
        raise CliError(f"--target-checkpoint: {problem[0]}; give a folder it can load, or the "
                       "checkpoint's repo id")
    return str(folder)


def _checkpoint_in_format(checkpoint: str | None, target: str | None, model: str | None
                          ) -> dict[str, object]:
    """EngineSettings' target_checkpoint (served_checkpoint's `checkpoint`, given for the
    --target-quant `target`), and target_checkpoint_config_read: whether a local folder's
    config.json was read and holds `target`. CliError where its own config, read without the
    network, holds another format (a catalog entry's, or a local folder's config.json: the
    command would load weights the plan did not size, launch.checkpoint_format_refusal). A hub
    repo outside the catalog is not fetched for it, and a folder whose config Headroom cannot
    parse is not checked: the launch note says which (launch._checkpoint_checked)."""
    if checkpoint is None or target is None:
        return {"target_checkpoint": checkpoint}
    held = catalog_checkpoint_scheme(checkpoint)
    read = False
    if held is None and Path(checkpoint).is_absolute():  # a folder (served_checkpoint)
        try:
            held = checkpoint_scheme(load_model(checkpoint)[1]).key
            read = True
        except (ValueError, KeyError, HubError):
            held = None
    wanted = resolve_scheme(target)
    if held is not None and held != wanted.key:
        raise CliError("--target-checkpoint " + checkpoint_format_refusal(
            checkpoint, scheme(held), wanted, _served_model(model)))
    return {"target_checkpoint": checkpoint, "target_checkpoint_config_read": read}


def _served_model(model: str | None) -> str | None:
    """A plan's --model as served_checkpoint names a checkpoint: a folder by its absolute path,
    a repo id as given (recommend's several --model: None)."""
    if not isinstance(model, str):
        return None
    try:
        folder = Path(model).is_dir()
    except OSError:  # a name no file system holds: a repo id
        folder = False
    return str(Path(model).absolute()) if folder else model


def _local_name(path: Path) -> tuple[str, str | None]:
    """The name of a local --model and why `vllm serve` cannot load it (None when it can).

    A folder holding config.json and weights is loaded by its absolute path (the command runs
    from any directory); a lone config file (<name>.json, as in ../shared/model-configs) is
    named by its stem for display, and is nothing vLLM loads."""
    if path.is_dir() or path.name == "config.json":
        folder = (path if path.is_dir() else path.parent).absolute()
        problem = _weights_problem(folder)
        return str(folder), None if problem is None else (
            f"No launch command: {problem[0]}. {problem[1][0].upper()}{problem[1][1:]} "
            "(--model OWNER/NAME), for a command.")
    owner, _, repo = path.stem.partition("__")
    example = f"{owner}/{repo}" if owner and repo else "OWNER/NAME"
    return path.stem, (
        f"No launch command: {path} is a lone config file, and `vllm serve` loads a repo id "
        "or a folder holding config.json and the weights. Plan the model's repo id (--model "
        f"{example}, if that is where the file came from) or its checkpoint folder for a "
        "command.")


def _corrupt_weights(source: ModelSource) -> str | None:
    """The launch note of a local checkpoint whose safetensors headers were not read (probes.hub
    names the file and why: a corrupt or truncated header, which safetensors' safe_open
    refuses; a shard its index lists, missing): vLLM refuses it at load, so no command is
    printed. The plan of its config stays, with the parameter check's warning
    (report.param_check_warning). A dtype newer than Headroom's table is no fault."""
    unread = unread_headers(source) if source.origin == "file" else None
    if unread is None or UNKNOWN_DTYPE in unread:
        return None
    why = unread.removeprefix(HEADERS_NOT_READ + ": ")
    refused = "" if "vLLM" in why else ": vLLM refuses the checkpoint at load"
    return (f"No launch command: {why}{refused}. Download it again, or plan its repo id "
            "(--model OWNER/NAME), for a command.")


def _nothing_at(path: Path) -> str:
    """Why no file or folder is at `path`: a symbolic link loop, a link whose target is gone
    (probes.files.broken_link), else nothing there (a loop read "no such file or folder",
    which sent one looking for a typo)."""
    return broken_link(path) or "no such file or folder"


def _missing_path(model: str) -> bool:
    """Whether `model` is written as a path (from the root, home or current folder, or a
    .json file) that no file or folder is at: it was read as a repo id and refused for its
    characters ("is not a Hugging Face repo id"), not for the typo in its path."""
    if not (model.startswith(("/", "./", "../", "~")) or model.endswith(".json")):
        return False
    try:
        return not home_expanded(model).exists()
    except OSError:  # a name no file system holds (over NAME_MAX / PATH_MAX)
        return True


def load_model(model: str, revision: str | None = None, hf_overrides: str | None = None
               ) -> tuple[ModelSource, ModelSpec]:
    """Resolve a path or repo id (a verbatim catalog entry, else the hub, whose fallbacks are the
    local cache and the catalog) and parse its config, with --hf-overrides `hf_overrides`
    applied (the config as read must parse first: an error then is the override's); a local
    file or folder that `vllm serve` cannot load is marked (ModelSpec.unservable), so no plan
    prints a command for it."""
    if _missing_path(model):
        raise CliError(f"{model}: {_nothing_at(home_expanded(model))} (a model is a "
                       "config.json, a folder holding one, or a repo id such as Qwen/Qwen3-8B).")
    source = resolve_model(model, revision)
    if revision is not None and not source.repo_id:  # a file is read as it is on disk
        raise CliError(f"--revision {shortened(revision)} picks a commit, branch or tag of a "
                       f"hub repo; {model} is a local file or folder, read as it is on disk: "
                       "drop --revision, or give the repo id")
    name, unservable = (source.repo_id, None) if source.repo_id else \
        _local_name(home_expanded(model))
    unservable = unservable or _corrupt_weights(source)
    spec = _parsed(source, name)
    if hf_overrides is not None:
        try:
            spec = _parsed(source, name, json.loads(hf_overrides))
        except ConfigError as exc:
            raise ConfigError(f"--hf-overrides {shortened(hf_overrides)}: {exc}") from exc
    return source, spec.model_copy(update={"unservable": unservable}) if unservable else spec


def _parsed(source: ModelSource, name: str | None, hf_overrides: dict | None = None
            ) -> ModelSpec:
    """source's config.json (under --hf-overrides `hf_overrides`, parsed, where given) parsed
    with source's other files."""
    return parse_model_config(source.config, source.hf_quant_config, name=name,
                              tokenizer_config=source.tokenizer_config,
                              processor_configs=source.processor_configs,
                              hf_overrides=hf_overrides)


def model_identity(model: str, source: ModelSource) -> str:
    """Which model `model` names, whatever its spelling: a repo's id case-folded (the hub and
    the catalog read qwen/qwen3-8b as Qwen/Qwen3-8B), a local file's real path (a folder as
    its config.json). Two --model or --compare values of one identity plan one model twice."""
    if source.repo_id:
        return source.repo_id.casefold()
    path = home_expanded(model).resolve()
    return str(path / "config.json" if path.is_dir() else path)


def _custom_cluster(memory_gib: float, gpus_per_node: int, nodes: int,
                    link: LinkKind | None = None, name: str | None = None
                    ) -> tuple[ClusterSpec, str | None]:
    """Identical nodes of a GPU known by its CUDA total, and by its model when `name` is
    given: the preset that name designates (an ambiguous one settled by the memory) keeps
    its identity (compute capability, formats, default link, the name vLLM's batch defaults
    look at) with the memory as given; a name no preset has is kept as typed. PCIe is
    assumed between GPUs of no known model. With the note that says how a `name` was read
    (None where it is a preset's at its memory, or none is given)."""
    total = round(memory_gib * GIB)
    named = preset_named(name, total) if name is not None else None
    if named is not None:
        cluster = preset_cluster(named.key, gpus_per_node, nodes, intra_node_link=link,
                                 memory_total_bytes=total)
        other_size = states_other_memory(name, named)
        if not other_size and memory_near(named, total):
            return cluster, None
        # another memory size of that model, stated ("RTX 4060 Ti 8GB") or given ("RTX 4060
        # Ti" at 7.6 GiB, the 16 GB preset's nearest): called as typed, not by the preset's name
        typed = name.strip()
        stated = (f"states {' / '.join(f'{gb} GB' for gb in sorted(stated_gb(name)))}"
                  if other_size else f"with {number_as_given(memory_gib)} GiB is a memory size")
        return cluster.model_copy(update={
            "nodes": tuple(node.model_copy(update={"gpu": node.gpu.model_copy(
                update={"name": typed})}) for node in cluster.nodes),
            "source": cluster.source.replace(named.name, f"{typed} (as {named.key})")}), (
            f"--gpu-name {name!r} {stated}, which the {named.key} preset ({named.name}, "
            f"{named.memory_label}) is not: planned with that preset's compute capability, "
            f"formats, link and {named.memory_bandwidth_gbps:,.0f} GB/s memory bandwidth, "
            "which this model's may not share (the speed figures follow them), and the "
            "memory given" + ("" if typed == named.name
                              else f", and called {typed!r}, not {named.name!r}"))
    parent = mig_parent(name) if name is not None else None
    from_name = capability_from_name(name) if name is not None and parent is None else None
    typed = (name or "").strip() or f"Custom {number_as_given(memory_gib)} GiB GPU"
    note = None
    if from_name:  # a card NVIDIA's tables give a capability: its formats, no speed figures
        gpu = custom_gpu(total, name=typed, compute_capability=from_name[0],
                         notes=f"no preset; compute capability {from_name[0]} from its name "
                               f"({from_name[1]})")
        note = (f"--gpu-name {name!r} is no preset GPU model: planned with compute capability "
                f"{from_name[0]} from its name ({from_name[1]}) and that capability's formats, "
                "on the memory given, without speed figures (its bandwidth and TFLOP/s are not "
                "known)")
    else:
        gpu = custom_gpu(total, name=typed, vendor=parent.vendor if parent else "nvidia",
                         compute_capability=parent.compute_capability if parent else "")
        if parent is not None:
            note = (f"--gpu-name {name!r} is {mig_instance(name)}: planned with "
                    f"{parent.name}'s compute capability {parent.compute_capability} and "
                    "formats on the memory given, without speed figures (a slice's bandwidth "
                    "and SMs are not modelled)")
        elif name is not None:
            note = (f"--gpu-name {name!r} is no preset GPU model{near_gpu_hint(name)}: planned "
                    "as a GPU of unknown model (no preset's compute capability, native formats "
                    "or default link apply)")
    node_specs = tuple(
        NodeSpec(hostname=f"node{i}", gpu=gpu, gpus_per_node=gpus_per_node,
                 intra_node_link=link or gpu.default_intra_node_link)
        for i in range(nodes)
    )
    where = f" x {nodes} nodes" if nodes > 1 else ""
    # an unnamed GPU has its memory in its name
    memory = f" at {number_as_given(memory_gib)} GiB" if name is not None else ""
    return ClusterSpec(nodes=node_specs,
                       source=f"custom: {gpus_per_node}x {gpu.name}{memory}{where}"), note


def add_notes(args: argparse.Namespace, *notes: str) -> None:
    """Append `notes` to the command's stderr notes (args.source_notes, printed once each
    after it runs)."""
    args.source_notes = (*getattr(args, "source_notes", ()), *notes)


def note_preset_choice(args: argparse.Namespace, names: list[str], flag: str = "--gpu",
                       other: str = "--gpu {}") -> None:
    """A note for each --gpu name (or a price's GPU: `flag` "--price", `other` "--price
    {}=USD") that picked one of several presets ("H100": h100-sxm, not h100-pcie or
    h100-nvl; still accepted, scripts rely on it), naming the others' flags, or one of the
    memory sizes its GPU is sold in ("RTX 4060 Ti": the 16 GB preset; the 8 GB card is no
    preset),
    saying how to plan the other."""
    for name in names:
        choice = preset_choice_note(name, f"{flag} {name!r}", other)
        if choice:
            add_notes(args, choice)
        other_gb = size_without_preset(name)
        if other_gb is not None:
            gpu = gpu_preset(name)
            how = ("recommend searches the presets only: plan, sweep or report it with"
                   if args.command == "recommend" else "give")
            sized = shlex.quote(f"{name.strip()} {other_gb}GB")
            add_notes(args, (
                f"{flag} {name!r} is the {gpu.key} preset ({gpu.name}, {gpu.memory_label}); "
                f"for the {other_gb} GB card, which no preset holds, {how} --gpu-memory-gib X "
                f"(what CUDA reports) and --gpu-name {sized}"))


def one_node_note(gpus: int) -> str:
    """The stderr note of --gpus above GPUS_PER_NODE without --nodes: one node of them all,
    every pair on the node's link (NVLink on an SXM preset), where two 8-GPU servers are more
    often meant; what --nodes makes of them instead."""
    servers = (f"{gpus // GPUS_PER_NODE} such servers, give --nodes {gpus // GPUS_PER_NODE}"
               if gpus % GPUS_PER_NODE == 0 else "M servers, give --nodes M")
    return (f"--gpus {gpus} without --nodes is one node of {gpus} GPUs, every one on the node's "
            f"own link (--link), none over a network; a server commonly holds {GPUS_PER_NODE} "
            f"(HGX, DGX; the node recommend plans): for {servers}")


def network_assumed_note(assumed: str) -> str:
    """The stderr note of a network between nodes assumed (ClusterSpec.network_assumed), with
    how to give it: plan, sweep and report name their cluster's, recommend its rows'."""
    return (f"{assumed}; give it with --network NICSxGBITS (NICs per node x Gb/s each, e.g. "
            "8x400 or 2x100)")


def build_cluster(args: argparse.Namespace) -> tuple[ClusterSpec, list[HardwareSnapshot]]:
    """The cluster from --snapshot files, else from --gpu / --gpu-memory-gib x --gpus, with
    the --network given."""
    try:
        cluster, snapshots = _cluster_of(args)
    except OnePerMachineError as exc:  # --gpus counts them all, so --nodes alone is the fix
        raise CliError(f"{exc.what}: give --nodes {exc.gpus} (one per node)") from None
    except NoGpuPresetError as exc:  # the other UnknownGpuErrors (another size of a preset's
        # model, an ambiguous name) pass on as they are: they say what to do
        counted = counted_gpu(args.gpu)
        if counted:  # "8x H100": a count people write with the GPU, which --gpus takes
            raise CliError(f"--gpu {args.gpu!r} holds a GPU count: give --gpu "
                           f"{shlex.quote(counted[1])} --gpus {counted[0]}") from None
        # a GPU no preset has (a Tesla P100) is still planned, from its memory: say how
        how = "to plan it" if exc.capability else "to plan a GPU no preset has"
        raise CliError(f"{no_preset_text(exc)}; {how}, give --gpu-memory-gib X (what CUDA "
                       f"reports) and --gpu-name {shlex.quote(shortened(args.gpu))} instead of "
                       "--gpu"
                       ) from None
    except NoWsl2TotalError as exc:
        raise CliError(f"--wsl2: {exc.what}; give --gpu-memory-gib X, the total CUDA reports "
                       "there (vLLM's 'Free memory on device (free/X GiB)'), with --gpu-name "
                       f"{shlex.quote(args.gpu)}") from None
    network = getattr(args, "network", None)
    if network is not None:
        cluster = cluster.model_copy(update={"network": network})
        if len(cluster.nodes) == 1:
            several = ("another --snapshot per node" if snapshots  # --nodes is refused there
                       else "--gpus N --nodes M")
            add_notes(args, (
                f"--network ({network.label}) does not apply: the GPUs are one node (give "
                f"{several} to plan several nodes)"))
    if cluster.network_assumed is not None:
        add_notes(args, network_assumed_note(cluster.network_assumed))
    link = getattr(args, "link", None)
    if link is not None and all(node.gpus_per_node == 1 for node in cluster.nodes):
        add_notes(args, (
            f"--link {link} does not apply: each node has one GPU, with no other GPU in it to "
            "talk to" + (" (the network joins the nodes)" if len(cluster.nodes) > 1 else "")))
    return _with_slot(args, cluster), snapshots


def _with_slot(args: argparse.Namespace, cluster: ClusterSpec) -> ClusterSpec:
    """The cluster with the --pcie-gen / --pcie-lanes given (in place of a snapshot's); a note
    where every node's GPUs talk over NVLink, which they do not touch, or where a flag is above
    every card's own PCIe (the card caps the link: --pcie-gen 5 on an RTX 3090 runs 4.0)."""
    given = {flag: value for flag, value in (("--pcie-gen", getattr(args, "pcie_gen", None)),
                                             ("--pcie-lanes", getattr(args, "pcie_lanes", None)))
             if value is not None}
    if not given:
        return cluster
    words = " ".join(f"{flag} {value}" for flag, value in given.items())
    if all(node.intra_node_link == "nvlink" for node in cluster.nodes):
        add_notes(args, (
            f"{words} does not apply: the GPUs of a node talk over NVLink (give --link pcie "
            "or pcie-no-p2p to plan PCIe)"))
    elif above := [f"{flag} {value}" for flag, value in given.items()
                   if all(value > _card_pcie(node.gpu, flag) for node in cluster.nodes)]:
        # the link runs at the lower of card and slot: the card's (hardware.pcie_rate)
        cards = ", ".join(dict.fromkeys(
            f"{node.gpu.name} is PCIe {node.gpu.pcie_generation}.0 x{node.gpu.pcie_lanes}"
            for node in cluster.nodes))
        add_notes(args, (
            f"{' and '.join(above)} changes nothing: {cards}, and a link runs at the lower "
            "generation and the fewer lanes of card and slot (the flags are for a slot older "
            "or narrower than the card)"))
    return with_pcie_slot(cluster, getattr(args, "pcie_gen", None),
                          getattr(args, "pcie_lanes", None), words)


def _card_pcie(gpu: GpuSpec, flag: str) -> int:
    """The card's own PCIe generation (--pcie-gen) or lanes (--pcie-lanes)."""
    return gpu.pcie_generation if flag == "--pcie-gen" else gpu.pcie_lanes


def _snapshot_cluster(args: argparse.Namespace) -> tuple[ClusterSpec, list[HardwareSnapshot]]:
    """build_cluster's nodes from --snapshot files (no other GPU flag beside them)."""
    # --gpu-name too: it names a --gpu-memory-gib GPU's model, and was dropped silently
    clashing = [flag for flag, value in (("--gpu", args.gpu), ("--gpus", args.gpus),
                ("--gpu-memory-gib", args.gpu_memory_gib),
                ("--gpu-name", getattr(args, "gpu_name", None)), ("--nodes", args.nodes))
                if value is not None]
    if clashing:
        raise CliError(f"{', '.join(clashing)} cannot be combined with --snapshot "
                       "(the snapshots say which GPUs there are)")
    loaded: list[tuple[str, HardwareSnapshot]] = []
    for path in args.snapshot:
        snap = load_snapshot(path)
        repeat = repeated_machine(loaded, path, snap)
        if repeat:
            raise SnapshotError(repeat)
        loaded.append((path, snap))
    snapshots = [snap for _, snap in loaded]
    cluster, notes = cluster_and_notes(snapshots)
    # "rig mixes A, B; planned as 8x B": the plan's header names B only
    add_notes(args, *notes, *no_bf16_assumed_notes(cluster, (
        "give its memory to --gpu-memory-gib and its model to --gpu-name (e.g. 'RTX 4090') "
        "in place of --snapshot")))
    if getattr(args, "link", None):
        _note_link_overrides(args, cluster, snapshots)
        cluster = with_link(cluster, args.link)
    _note_wsl2_unused(args, "the snapshots' totals are measured")
    return cluster, snapshots


def _cluster_of(args: argparse.Namespace) -> tuple[ClusterSpec, list[HardwareSnapshot]]:
    """build_cluster's nodes."""
    if args.snapshot:
        return _snapshot_cluster(args)
    if getattr(args, "gpu_name", None) is not None and args.gpu_memory_gib is None:
        # a modded card ('RTX 2080 Ti 22GB') is a --gpu-memory-gib GPU of that model: say so
        # (--gpu NAME alone plans the preset's own memory)
        raise CliError(f"--gpu-name {shlex.quote(args.gpu_name)} names the model of a "
                       "--gpu-memory-gib GPU: give --gpu-memory-gib X with it (what CUDA "
                       "reports per GPU), or --gpu NAME for a preset")
    if args.gpu is not None and args.gpu_memory_gib is not None:
        # a preset's model with a memory of its own: that is --gpu-name's job, which reads the
        # name as _custom_cluster does (preset_named); a name no preset has keeps no model's
        memory, given = number_as_given(args.gpu_memory_gib), args.gpu.strip()
        step = f"give --gpu-memory-gib {memory} --gpu-name {shlex.quote(given)}"
        if preset_named(given, round(args.gpu_memory_gib * GIB)) is None:
            known = capability_from_name(given)
            floor = wheel_floor(known[0]) if known else None
            how = (f"planned with compute capability {known[0]} from its name"
                   f"{f'; {floor}' if floor else ''}" if known else
                   "planned as a GPU of unknown model")
            raise CliError(f"--gpu and --gpu-memory-gib both give the GPU: give one. No preset "
                           f"is named {given!r}{'' if known else near_gpu_hint(given)}; for a "
                           f"GPU no preset has, {step} ({how})")
        raise CliError(f"--gpu and --gpu-memory-gib both give the GPU: give one. For {given} "
                       f"with {memory} GiB, {step} (that model's formats and batch defaults, "
                       "planned on this memory)")
    if (args.gpu is None) == (args.gpu_memory_gib is None):
        raise CliError("give exactly one of --gpu NAME, --gpu-memory-gib X or --snapshot FILE")
    gpus, nodes = args.gpus or 1, args.nodes or 1
    if gpus % nodes and args.gpus is None:
        raise CliError(f"--nodes {nodes} needs --gpus N, the GPUs of all nodes together (e.g. "
                       f"--gpus {8 * nodes} --nodes {nodes} for {nodes} nodes of 8); without "
                       "it --gpus is 1")
    if gpus % nodes:
        each = -(-gpus // nodes)
        raise CliError(f"--gpus {gpus} cannot be spread evenly over --nodes {nodes}: give "
                       f"--gpus as the nodes x the GPUs each holds (e.g. --gpus {nodes * each} "
                       f"--nodes {nodes} for {nodes} nodes of {each}); nodes holding different "
                       "numbers are planned from one --snapshot per node")
    if gpus // nodes > MAX_GPUS_PER_NODE:
        example = f" (e.g. --nodes {gpus // 8} for 8 per node)" if gpus % 8 == 0 else ""
        raise CliError(f"--gpus {gpus} over --nodes {nodes} is {gpus // nodes:,} GPUs per node; "
                       f"a node holds at most {MAX_GPUS_PER_NODE}: give --nodes{example}")
    link = getattr(args, "link", None)
    one_node = args.nodes is None and gpus > GPUS_PER_NODE
    if args.gpu is not None:
        cluster = preset_cluster(args.gpu, gpus // nodes, nodes, intra_node_link=link,
                                 wsl2=getattr(args, "wsl2", False))
        note_preset_choice(args, [args.gpu])
        # a GH200's own warning gives its --nodes: the priced instance holds one (plan.notes)
        if one_node and not cluster.nodes[0].gpu.rented_one_per_machine:
            add_notes(args, one_node_note(gpus))
        return cluster, []
    if one_node:
        add_notes(args, one_node_note(gpus))
    _note_wsl2_unused(args, "--gpu-memory-gib is the total CUDA reports")
    name = getattr(args, "gpu_name", None)
    cluster, note = _custom_cluster(args.gpu_memory_gib, gpus // nodes, nodes, link, name)
    if note:
        add_notes(args, note)
    add_notes(args, *no_bf16_assumed_notes(cluster, (
        "give --gpu-name MODEL (e.g. 'RTX 4090')" if name is None else
        "give --gpu-name a preset's model (e.g. 'RTX 4090')")))
    return cluster, []


def _note_link_overrides(args: argparse.Namespace, cluster: ClusterSpec,
                         snapshots: list[HardwareSnapshot]) -> None:
    """A note where --link plans another link than a snapshot's node measured (its topology
    matrix, else its GPUs' NVLinks: probes.cluster): --link nvlink over GPUs whose topology
    shows no NVLink at all was planned on NVLink without a word."""
    measured = [f"{node.hostname} measured {node.intra_node_link}" + (
        " (no NVLink between any of its GPUs)" if args.link == "nvlink" and snap.topology
        and not snap.topology.has_nvlink else "")
        for node, snap in zip(cluster.nodes, snapshots, strict=True)
        if node.gpus_per_node > 1 and node.intra_node_link != args.link]
    if measured:
        add_notes(args, f"--link {args.link} overrides the snapshot's topology: "
                  f"{'; '.join(measured)}; planned on {args.link} as given")


def _note_wsl2_unused(args: argparse.Namespace, why: str) -> None:
    """A note that --wsl2 changed nothing: the total planned was given or measured, and it is
    what CUDA reports under WSL2 as elsewhere."""
    if getattr(args, "wsl2", False):
        add_notes(args, (
            f"--wsl2 changes nothing here: {why}, and planned as it is (the WSL2 rule, "
            "nvidia-smi's whole total, is for a --gpu preset)"))


def engine_settings(args: argparse.Namespace) -> EngineSettings:
    """EngineSettings from the vLLM flags (unset flags keep vLLM's defaults)."""
    target = getattr(args, "target_quant", None)
    if getattr(args, "target_checkpoint", None) and not target:
        raise CliError("--target-checkpoint names a checkpoint in the --target-quant format: "
                       "give --target-quant too (alone, --model is the checkpoint served)")
    if target and args.quantization != "auto":
        raise CliError(f"--target-quant {target} and --quantization {args.quantization} both "
                       "name the weight format: give --quantization or --target-quant, not both "
                       "(--target-quant fp8 on a 16-bit checkpoint is vLLM's --quantization fp8)")
    release = vllm_rules(args.vllm_version).label  # an uncovered release is refused first
    _require_flags(release, ("--kv-cache-memory-bytes", args.kv_cache_memory is not None))
    modes = mm_mode_settings(args, release)
    # and on a value it does not take (bitsandbytes from 0.28), as for --moe-backend
    refused = args.quantization != "auto" and choice_refusal(
        vllm_cli(release), "--quantization", args.quantization)
    if refused:
        raise CliError(refused)
    values: dict[str, object] = {
        "dtype": args.dtype,
        "quantization": None if args.quantization == "auto" else args.quantization,
        "target_quant": target and resolve_scheme(target).key,
        **_checkpoint_in_format(served_checkpoint(getattr(args, "target_checkpoint", None)),
                                target, getattr(args, "model", None)),
        "kv_cache_dtype": getattr(args, "kv_cache_dtype", "auto"),
        "gpu_memory_utilization": args.gpu_memory_utilization,
        "max_model_len": _release_count(args.max_model_len, "--max-model-len", release),
        "allow_long_max_model_len": allow_long_setting(args),
        "max_num_seqs": args.max_num_seqs,
        "max_num_batched_tokens": _release_count(args.max_num_batched_tokens,
                                                 "--max-num-batched-tokens", release),
        "kv_cache_memory_bytes": _release_count(args.kv_cache_memory,
                                                "--kv-cache-memory-bytes", release),
        "enable_chunked_prefill": args.enable_chunked_prefill,
        "enable_prefix_caching": args.enable_prefix_caching,
        "num_speculative_tokens": getattr(args, "num_speculative_tokens", 0),
        "speculative_draft": speculative_draft(getattr(args, "speculative_model", None)),
        **modes,
        "enforce_eager": args.enforce_eager,
        "model_runner": runner_setting(args, release),
        **mamba_settings(args, release),
        "trust_remote_code": args.trust_remote_code,
        "hf_overrides": getattr(args, "hf_overrides", None),
    }
    if args.vllm_version:
        values["vllm_version"] = args.vllm_version
    settings = EngineSettings(**values, **block_size_setting(args), **moe_backend_setting(args),
                              **all2all_backend_setting(args), **eplb_setting(args, release),
                              **lora_setting(args))
    # EngineError (exit 2) for a version not covered or a KV dtype it does not offer
    require_kv_cache_dtype(vllm_rules(settings.vllm_version), settings.kv_cache_dtype)
    return settings


def speculative_draft(model: str | None) -> EagleDraft | None:
    """The --speculative-model drafter, its config.json read as --model's is (a local file or
    folder, else the catalog and the hub: probes.hub.resolve_model); CliError (exit 2) where
    it cannot be read or is not an EAGLE-3 drafter Headroom sizes (eagle.parse_eagle_draft)."""
    if model is None:
        return None
    if _missing_path(model):
        raise CliError(f"--speculative-model {model}: {_nothing_at(home_expanded(model))} (a "
                       "drafter is a config.json, a folder holding one, or a repo id)")
    try:
        source = resolve_model(model)
        return parse_eagle_draft(source.config, source.repo_id or _drafter_folder(model))
    except (HubError, DraftError) as exc:
        raise CliError(f"--speculative-model {model}: {exc}") from None


def _drafter_folder(model: str) -> str:
    """A local drafter as --speculative-config names it: its folder's absolute path (a folder,
    or the config.json in it); CliError for a lone config file or a folder whose weights
    `vllm serve` could not open (_weights_problem), which no command can load."""
    path = home_expanded(model)
    if not (path.is_dir() or path.name == "config.json"):
        raise CliError(f"--speculative-model {model} is a lone config file: vLLM loads a drafter "
                       "from a repo id or a folder holding config.json and its weights")
    folder = (path if path.is_dir() else path.parent).absolute()
    problem = _weights_problem(folder)
    if problem:
        raise CliError(f"--speculative-model {model}: {problem[0]}; {problem[1]}")
    return str(folder)


def allow_long_setting(args: argparse.Namespace) -> bool:
    """--allow-long-max-model-len (plan, sweep, report); CliError without --max-model-len,
    whose default, the derived length, never passes it (the variable would change nothing)."""
    if args.allow_long_max_model_len and args.max_model_len is None:
        raise CliError("--allow-long-max-model-len lets vLLM serve a --max-model-len above the "
                       "model's derived one: give --max-model-len too (without it vLLM serves "
                       "the derived length, which the variable does not change)")
    return args.allow_long_max_model_len


def note_allow_long(args: argparse.Namespace, spec: ModelSpec, engine: EngineSettings) -> None:
    """A note that --allow-long-max-model-len changed nothing: --max-model-len is within the
    model's derived length, so vLLM reads no VLLM_ALLOW_LONG_MAX_MODEL_LEN and the launch
    command leaves it out (planner.serving.long_len.env_prefix); for sweep, one naming the flag
    where --max-model-len passes that length without it, which vLLM refuses on every row (plan
    and report name it in the plan's fit advice: Plan.allow_long_fit)."""
    limit = derived_max_model_len(spec, vllm_rules(engine.vllm_version).version)
    asked = engine.max_model_len or limit
    derives = (f"the {limit:,} tokens vLLM {engine.vllm_version} derives for "
               f"{spec.name or spec.model_type}")
    if engine.allow_long_max_model_len and asked <= limit:
        add_notes(args, f"--allow-long-max-model-len changes nothing: --max-model-len "
                  f"{asked:,} is within {derives}, so the launch command leaves "
                  "VLLM_ALLOW_LONG_MAX_MODEL_LEN out")
    elif args.command == "sweep" and not engine.allow_long_max_model_len and asked > limit:
        add_notes(args, f"--max-model-len {asked:,} is above {derives}, which vLLM refuses on "
                  "every row: --allow-long-max-model-len plans it as vLLM serves it under "
                  "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1")


def runner_setting(args: argparse.Namespace, release: str) -> str:
    """--model-runner (plan, sweep, report, recommend); CliError where the `release` cannot
    run it whatever the model (runner_choice.runner_request_refusal: it exits 2)."""
    refusal = runner_request_refusal(vllm_rules(release), args.model_runner)
    if refusal:
        raise CliError(refusal)
    return args.model_runner


def mamba_settings(args: argparse.Namespace, release: str) -> dict[str, str | int | None]:
    """--mamba-cache-dtype / --mamba-ssm-cache-dtype / --mamba-cache-mode / --mamba-block-size
    (plan, sweep, report, recommend); CliError, in vLLM's words, where the `release`'s parser
    lacks the flag or the value (vllm_versions.mamba_flag_refusal, the app's check too: it
    exits 2)."""
    values = {"mamba_cache_dtype": args.mamba_cache_dtype,
              "mamba_ssm_cache_dtype": args.mamba_ssm_cache_dtype,
              "mamba_cache_mode": args.mamba_cache_mode,
              "mamba_block_size": args.mamba_block_size}
    for field, value in values.items():
        refusal = mamba_flag_refusal(release, field, value)
        if refusal:
            raise CliError(refusal)
    return values


def mm_mode_settings(args: argparse.Namespace, release: str) -> dict[str, object]:
    """The EngineSettings fields of cli.args.add_mm_modes' flags (plan, sweep, report,
    recommend); CliError, in vLLM's words, for one the `release` parser lacks (it exits 2)."""
    limits = getattr(args, "mm_limits", None) or NO_LIMITS
    values = {"skip_mm_profiling": getattr(args, "skip_mm_profiling", False),
              "language_model_only": getattr(args, "language_model_only", False),
              "zero_mm_limits": limits.zero, "mm_item_limits": limits.counts,
              "mm_limit_order": limits.order,
              "mm_encoder_tp_mode": getattr(args, "mm_encoder_tp_mode", "weights"),
              "mm_processor_kwargs": getattr(args, "mm_processor_kwargs", ()),
              "video_pruning_rate": getattr(args, "video_pruning_rate", None),
              "video_pruning_method": getattr(args, "video_pruning_method", None)}
    _require_flags(release, ("--skip-mm-profiling", values["skip_mm_profiling"]),
                   ("--language-model-only", values["language_model_only"]),
                   ("--limit-mm-per-prompt", bool(limits.zero or limits.counts)),
                   ("--mm-encoder-tp-mode", values["mm_encoder_tp_mode"] != "weights"),
                   ("--mm-processor-kwargs", bool(values["mm_processor_kwargs"])),
                   ("--video-pruning-rate", values["video_pruning_rate"] is not None),
                   ("--video-pruning-method", values["video_pruning_method"] is not None))
    return values


def _require_flags(release: str, *given: tuple[str, bool]) -> None:
    """CliError for the first flag given (flag, whether given) that vLLM `release`'s parser
    lacks: it exits 2 on it, so it is refused here, not planned."""
    for flag, asked in given:
        missing = asked and unrecognized_flag(flag, vllm_cli(release))
        if missing:
            raise CliError(missing)


def _release_count(count: Count | int | None, flag: str, release: str) -> int | None:
    """A human-readable count (cli.args.Count, read as the newest release reads it) as vLLM
    `release` reads it: CliError for a suffix it does not have yet (vllm_cli.T_SUFFIX_FROM).
    A plain int (a default, not typed by the user) is taken as it is."""
    if count is None:
        return None
    try:
        return read_count(getattr(count, "text", str(count)), flag, release)
    except CountError as exc:
        raise CliError(f"argument {flag}: {exc}") from None


def block_size_setting(args: argparse.Namespace) -> dict[str, int]:
    """{"block_size": N} for --block-size N, {} when unset (vLLM's default); CliError, in the
    words of the --vllm-version release that would refuse it (block_size.block_size_refusal)."""
    if args.block_size is None:
        return {}
    rules = vllm_rules(args.vllm_version)  # an uncovered release is refused as such first
    refusal = block_size_refusal(args.block_size, vllm_cli(rules.label))
    if refusal:
        raise CliError(refusal)
    return {"block_size": args.block_size}


def moe_backend_setting(args: argparse.Namespace) -> dict[str, str]:
    """{"moe_backend": NAME} for --moe-backend NAME as vLLM's parser reads it, {} when unset;
    CliError in the words of the --vllm-version release whose parser refuses it
    (moe_backend.moe_backend_refusal)."""
    given = getattr(args, "moe_backend", None)
    if given is None:
        return {}
    backend = normalize_moe_backend(given)
    refusal = moe_backend_refusal(backend, vllm_cli(vllm_rules(args.vllm_version).label))
    if refusal and backend != given:  # the refusal echoes the value as read: say what was typed
        refusal = (f"--moe-backend {shortened(given)!r} is read as {shortened(backend)!r} "
                   f"(lower case, '-' as '_', as vLLM's parser reads it): {refusal}")
    if refusal:
        raise CliError(refusal)
    return {"moe_backend": backend}


def eplb_setting(args: argparse.Namespace, release: str) -> dict[str, object]:
    """{"enable_eplb": True, "num_redundant_experts": N} as given ({} when neither is);
    CliError where the release's parser lacks the flag (eplb.flag_refusal: 0.9.1) or
    redundant experts come without --enable-eplb (eplb.redundant_refusal)."""
    enable = getattr(args, "enable_eplb", False)
    redundant = getattr(args, "num_redundant_experts", None)
    refusal = flag_refusal(enable, redundant, vllm_cli(release))
    if refusal:
        raise CliError(refusal)
    unpaired = None if enable else redundant_refusal(redundant, parse_version(release))
    if unpaired:  # two flags that do not go together: bad input, not a plan
        raise CliError(f"--num-redundant-experts {redundant} needs --enable-eplb: {unpaired}")
    return {**({"enable_eplb": True} if enable else {}),
            **({"num_redundant_experts": redundant} if redundant is not None else {})}


def lora_setting(args: argparse.Namespace) -> dict[str, object]:
    """The LoRA settings as given ({} without --enable-lora); CliError for --max-loras,
    --max-lora-rank, --fully-sharded-loras, --specialize-active-lora,
    --enable-tower-connector-lora or --lora-dtype without it
    (vLLM reads them only with it), and for --enable-lora under a release whose LoRA source
    is not read (lora.settings.release_refusal)."""
    enable = getattr(args, "enable_lora", False)
    given = {"--max-loras": getattr(args, "max_loras", None),
             "--max-lora-rank": getattr(args, "max_lora_rank", None),
             "--fully-sharded-loras": getattr(args, "fully_sharded_loras", False) or None,
             "--specialize-active-lora":
             getattr(args, "specialize_active_lora", False) or None,
             "--enable-tower-connector-lora":
             getattr(args, "enable_tower_connector_lora", False) or None,
             "--lora-dtype": getattr(args, "lora_dtype", None)}
    if not enable:
        alone = [flag for flag, value in given.items() if value is not None]
        if alone:
            raise CliError(f"{alone[0]} needs --enable-lora (vLLM sizes no LoRA slots without "
                           "it)")
        return {}
    rules = vllm_rules(args.vllm_version)
    refusal = lora_release_refusal(rules.version, rules.label)
    if refusal:
        raise CliError(refusal)
    return {"enable_lora": True,
            **({"max_loras": int(given["--max-loras"])} if given["--max-loras"] else {}),
            **({"max_lora_rank": given["--max-lora-rank"]} if given["--max-lora-rank"] else {}),
            "fully_sharded_loras": bool(given["--fully-sharded-loras"]),
            "specialize_active_lora": bool(given["--specialize-active-lora"]),
            "enable_tower_connector_lora": bool(given["--enable-tower-connector-lora"]),
            **({"lora_dtype": given["--lora-dtype"]} if given["--lora-dtype"] else {})}


def check_lora(spec: ModelSpec, engine: EngineSettings, cluster: ClusterSpec) -> EngineSettings:
    """`engine`, or CliError where --enable-lora is asked of a model whose LoRA slots Headroom
    does not size under its release (a multimodal class vLLM serves no LoRA on there), or of an
    MoE model with a run-time quantization or --moe-backend whose LoRA path is not read
    (lora.coverage.lora_refusal), or --enable-tower-connector-lora of a tower not sized where
    the release wraps it (lora.tower.tower_model_refusal of mm_modes.tower_lora, as the plan
    asks it: not where vLLM ignores the flag, a text model's, or turns it off under
    --language-model-only), or of
    gpt-oss on a GPU off NVIDIA or of FP8 experts on a GPU without FP8 before vLLM 0.20 or in
    a dtype vLLM's LoRA kernels refuse there (plan.refusals.lora_gpu_refusal, as the plan asks
    it)."""
    rules = vllm_rules(engine.vllm_version)
    quantization = run_time_quantization(engine.quantization, engine.target_quant)
    refusal = (lora_refusal(spec, rules.version, rules.label, quantization, engine.moe_backend)
               or tower_model_refusal(spec, tower_lora(spec, engine).wrapped)
               or next(filter(None, (lora_gpu_refusal(spec, engine, quantization, rules,
                                                       node.gpu)
                                     for node in cluster.nodes)), None)
               if engine.enable_lora else None)
    if refusal:
        raise CliError(refusal)
    return engine


def all2all_backend_setting(args: argparse.Namespace) -> dict[str, str]:
    """{"all2all_backend": NAME} for --all2all-backend NAME, {} when unset; CliError in the
    words of the --vllm-version release whose parser refuses it (all2all.all2all_refusal)."""
    given = getattr(args, "all2all_backend", None)
    if given is None:
        return {}
    refusal = all2all_refusal(given, vllm_cli(vllm_rules(args.vllm_version).label))
    if refusal:
        raise CliError(refusal)
    return {"all2all_backend": given}


def layout_given(args: argparse.Namespace) -> bool:
    """Whether any of --tp, --pp or --dp was given (else the layout is the hardware's)."""
    return any(getattr(args, flag, None) is not None for flag in ("tp", "pp", "dp"))


def parallel_layout(args: argparse.Namespace, spec: ModelSpec, cluster: ClusterSpec,
                    engine: EngineSettings) -> tuple[ParallelLayout, bool]:
    """The layout to plan, and whether it is the hardware's: with none of --tp/--pp/--dp, the
    TP x PP x DP the app's Plan page opens on (planner.serving.auto_layout, ranked with the
    --ep choice and planned with `engine`), with EP as --ep says, so vLLM's refusal of it
    (a layout it does not take, or a start-up it stops) is said as for flags given; else the
    flags given (given_layout). Where auto_layout finds no valid layout, or vLLM refuses the
    settings on every layout, given_layout's defaults are planned: the message is theirs."""
    chosen, auto = None, not layout_given(args)
    if auto:
        try:
            chosen = auto_layout(spec, cluster, layout_scheme(spec, engine), engine,
                                 ep=args.ep)
        except EngineError:  # refused on every layout: plan() says why, for given_layout's
            chosen = None
    if chosen is not None:
        layout = _checked(spec, cluster, chosen.model_copy(update={"ep": args.ep}), engine)
    else:
        layout, auto = given_layout(args, spec, cluster, engine), False
    if layout.ep and layout.tp * layout.dp == 1:
        add_notes(args, EP_ON_ONE_RANK_NOTE)
    return layout, auto


EP_ON_ONE_RANK_NOTE = (
    "--ep at TP x DP = 1: vLLM runs expert parallelism only over more than one TP x DP rank "
    "(FusedMoEParallelConfig.make), so each GPU holds its layers' experts whole, as without "
    "--ep; the command passes the flag as given")
"""plan's and report's note where --ep is given on a layout with one rank per stage (TP=1 x
PP=8 + EP): vLLM 0.10.1 and 0.34.0 fused_moe/config.py set use_ep = dp_size x tp_size (x
pcp_size) > 1 and enable_expert_parallel, so the layout's '+ EP' changes nothing."""


def given_layout(args: argparse.Namespace, spec: ModelSpec, cluster: ClusterSpec,
                 engine: EngineSettings) -> ParallelLayout:
    """--tp/--pp/--dp/--ep (defaults: PP = nodes without --tp or --dp, else 1; TP = the GPUs /
    (PP x DP), at most GPUs per node, where the replicas then fill whole nodes, each inside a
    node or over whole nodes (2 nodes x 8, --dp 2: TP=8, a replica per node), else GPUs per
    node / DP, or the GPUs / (PP x DP) when fewer (--pp 2 on 2 GPUs is TP=1; 2 nodes x 8,
    --dp 3: TP=2 on one node); CliError if vLLM refuses it."""
    dp = getattr(args, "dp", None) or 1
    pp = args.pp or (len(cluster.nodes) if args.tp is None and dp == 1 else 1)
    gpn, gpus = cluster.gpus_per_node, cluster.gpu_count
    tp = args.tp or max(1, min(gpn, gpus // (pp * dp)))
    if not args.tp and (tp * pp * dp % gpn or (gpn % (tp * pp) and tp * pp % gpn)):
        tp = max(1, min(gpn // dp, gpus // (pp * dp)))
    return _checked(spec, cluster, ParallelLayout(tp=tp, pp=pp, dp=dp, ep=args.ep), engine)


def _checked(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
             engine: EngineSettings) -> ParallelLayout:
    """`layout`, or CliError with vLLM's reasons and the layouts it takes on the most GPUs
    (EPLB's redundant experts counted with the routed ones: plan.redundant_experts)."""
    errors = layout_errors(spec, cluster, layout, vllm_version=engine.vllm_version,
                           redundant_experts=redundant_experts(spec, engine, layout))
    if errors:
        raise CliError(f"invalid layout {layout.label()}: {' '.join(errors).rstrip('.')}"
                       f"{_valid_layouts_hint(spec, cluster)}")
    return layout


def _valid_layouts_hint(spec: ModelSpec, cluster: ClusterSpec) -> str:
    """'. Layouts vLLM takes on all 3 GPUs (--tp, --pp, --dp): TP=1 x DP=3, TP=1 x PP=3':
    the valid layouts (EP aside) using the most GPUs, widest TP first, at most 6; '' when
    none is valid."""
    valid = [lay for lay in layout_candidates(spec, cluster)
             if not lay.ep and not layout_errors(spec, cluster, lay)]
    if not valid:
        return ""
    most = max(lay.gpus for lay in valid)
    labels = [lay.label() for lay in sorted(valid, key=lambda lay: (-lay.tp, lay.pp, lay.dp))
              if lay.gpus == most]
    where = ("the one GPU" if cluster.gpu_count == 1
             else f"all {most} GPUs" if most == cluster.gpu_count
             else f"{most} of the {cluster.gpu_count} GPUs")
    more = f", ... ({len(labels)} in all)" if len(labels) > 6 else ""
    return (f". Layouts vLLM takes on {where} (--tp, --pp, --dp): "
            f"{', '.join(labels[:6])}{more}")




MAX_PRICES_FILE_BYTES = 10**6
"""1 MB: a price table is a few hundred bytes (probes.files reads at most this much)."""


def _one_price_per_preset(entries: Iterable[tuple[str, float]], prefix: str,
                          label: Callable[[str, float], str]) -> None:
    """CliError when two of the (GPU, $) `entries` name one preset in different spellings
    ("RTX 3090" and "rtx-3090"), as recommend --gpu refuses them (else the last silently won);
    the message is `prefix`, then both entries as `label` writes them. An unknown GPU is left
    for planner.serving.prices to name."""
    seen: dict[str, tuple[str, float]] = {}
    for name, usd in entries:
        try:
            key = gpu_preset(name).key
        except HardwareError:
            continue
        if key in seen:
            raise CliError(f"{prefix}{label(*seen[key])} and {label(name, usd)} are the same "
                           f"preset ({key}): give each once")
        seen[key] = (name, usd)


def load_prices(path: str | None, pairs: list[tuple[str, float]]) -> dict[str, float]:
    """$ per GPU-hour overrides: the --prices JSON file ({"rtx-3090": 0.22}), then each
    --price GPU=USD on top (checked against the presets by planner.serving.prices). One key
    twice in the file, or two spellings of one preset in the file or in the flags, exit 2."""
    prices: dict[str, float] = {}
    if path:
        try:
            data = read_json_document(path, MAX_PRICES_FILE_BYTES, f"--prices {path}",
                                      unique_keys=True)
        except JsonDocumentError as exc:
            raise CliError(str(exc)) from None
        if not isinstance(data, dict):
            raise CliError(f"--prices {path}: expected a JSON object of GPU preset -> $ per "
                           "GPU-hour")
        for key, usd in data.items():
            if has_control(key) or key != key.strip():
                # "rtx-4090\n" was read as rtx-4090 without a word (resolve_gpu_key strips
                # and compacts a name): a stray character in a file's key is a mistake to show
                raise CliError(f"--prices {path}: the key {shortened(key)!r} holds a control "
                               "character or white space around it: write the GPU preset's "
                               "name alone (e.g. 'rtx-3090')")
            if isinstance(usd, bool) or not isinstance(usd, (int, float)) \
                    or isinstance(usd, float) and not math.isfinite(usd):
                raise CliError(f"--prices {path}: the price of {key!r} is not a number")
            try:
                prices[str(key)] = float(usd)
            except OverflowError:
                # an integer past a float's range (400 digits) was a traceback; smaller ones
                # reach planner.serving.prices.user_price, which names the bound
                raise CliError(f"--prices {path}: the price of {key!r} is an integer of "
                               f"{len(str(abs(usd))):,} digits, not a number of $ per GPU-hour "
                               f">= 0 and <= {MAX_USD_PER_GPU_HOUR:,.0f}") from None
        _one_price_per_preset(prices.items(), f"--prices {path}: ",
                              lambda name, usd: f"{name!r}: {usd:g}")
    # the same spelling twice is refused by the parser
    _one_price_per_preset(pairs, "", lambda name, usd: f"--price '{name}={usd:g}'")
    prices.update(dict(pairs))
    return prices


_CAST_DTYPE = {key: dtype for dtype, key in DTYPE_SCHEME.items()}
"""The --dtype that serves a float --target-quant (bf16, fp16, fp32) of a 16-bit checkpoint."""


def check_target_quant(spec: ModelSpec, engine: EngineSettings) -> EngineSettings:
    """`engine` for this checkpoint: CliError for --target-quant on an already-quantized
    checkpoint, as the app refuses it (planner.serving.sweep.accepts_what_if); naming the
    checkpoint's own format without --target-checkpoint plans the checkpoint as stored (its
    launch command, KV dtype and per-module formats), as the app and the sweep do for that
    format (planner.serving.sweep.quant_settings); another float format of a 16-bit checkpoint
    (--target-quant fp16 of a bfloat16 one) is --dtype, as vLLM casts the weights at load;
    CliError for a format that quantizes none of the model's weights (MXFP4, experts only, of a
    dense model: planner.serving.sweep.quantizes_weights)."""
    own = checkpoint_scheme(spec).key
    if engine.target_quant == own and not engine.target_checkpoint:
        return engine.model_copy(update=quant_settings(own, own))
    cast = _CAST_DTYPE.get(engine.target_quant or "")
    if cast and not engine.target_checkpoint and accepts_what_if(spec):
        # another float format of a 16-bit checkpoint is no checkpoint to find: vLLM casts
        # the weights at load (--dtype), with that flag's checks (no bfloat16 on a T4, ...)
        if engine.dtype not in ("auto", cast):
            raise CliError(f"--target-quant {engine.target_quant} and --dtype {engine.dtype} "
                           "both give the weights' dtype: give one")
        return engine.model_copy(update={"target_quant": None, "dtype": cast})
    if engine.target_quant and engine.target_quant != own and not accepts_what_if(spec):
        raise CliError(f"--target-quant {engine.target_quant}: {spec.name} is already quantized "
                       f"({own}) and is planned as stored; what-if formats apply to 16-bit "
                       "checkpoints only")
    if engine.target_quant and not quantizes_weights(spec, engine.target_quant):
        label = scheme(engine.target_quant).label
        raise CliError(f"--target-quant {engine.target_quant}: {label} quantizes routed experts "
                       f"only (vLLM leaves every linear layer in 16 bits), and {spec.name} has "
                       "none: it would plan the 16-bit checkpoint; choose another format, e.g. "
                       "--target-quant nvfp4 or w4a16")
    return engine
