"""The hardware and model the state points at, resolved for the sidebar and every page.

Resolution raises the owning module's own error (HardwareError, SnapshotError, ...); the
caller shows it inline (`or_error`), so bad input never becomes a traceback.
"""

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from planner.model.checkpoint import ModelSource
from planner.model.config.parser import parse_model_config
from planner.model.quant import QuantScheme, checkpoint_scheme, scheme
from planner.model.spec import ConfigError, ModelSpec
from planner.serving.auto_layout import (
    AUTO_LAYOUT_RULE,
    LORA_SETTINGS,
    auto_layout,
    compared_engine,
    compared_layout,
    layout_rule,
    layout_scheme,
    valid_layouts,
    widest_layout,
)
from planner.serving.eagle import EagleDraft, eagle_speculative_config, parse_eagle_draft
from planner.serving.engine import EngineSettings
from planner.serving.fixes import ALLOW_LONG_STEP, format_step
from planner.serving.hardware import (
    MEASURED_TOTAL_STEP,
    ClusterSpec,
    HardwareError,
    LinkKind,
    NetworkSpec,
    NoWsl2TotalError,
    parse_network,
    preset_cluster,
    with_pcie_slot,
)
from planner.serving.launch import (
    CHECKPOINT_STEP,
    DROP_CHECKPOINT_STEP,
    MODEL_STEP,
    REMOTE_CODE_STEP,
    VERSION_STEP,
    limit_mm_flags,
    lora_launch_flags,
    mamba_flags,
    prefix_caching_flags,
    remote_code_class,
)
from planner.serving.layout import ParallelLayout
from planner.serving.mm_modes import declared_modalities, limit_settings
from planner.serving.mm_processor import processor_keys, processor_kwargs_text
from planner.serving.plan import (
    LARGER_LEN_STEP,
    MORE_GPUS_STEP,
    FitChange,
    Plan,
    PlanRequest,
    plan,
)
from planner.serving.recommend import LONGER_LEN_REFUSED
from planner.serving.speed import ACCEPTANCE_STEP, ServingLoad
from planner.serving.startup.unknown_capability import GIVE_GPU_MODEL
from planner.serving.sweep import WHAT_IF_KEYS, layout_candidates, quant_settings
from planner.serving.vllm_cli import vllm_cli
from planner.serving.vllm_versions import EngineError, vllm_rules
from planner.text import capitalized, counted, flags_as_code, md_escape, plural, sentence
from planner.units import GIB
from probes.cluster import snapshots_to_cluster
from probes.hub import (
    DEADLINE_WAY_OUT,
    LOCAL_PATH_WAY_OUT,
    TIMEOUT_WAY_OUT,
    HubError,
    invalid_repo_id_message,
)
from probes.snapshot import HardwareSnapshot, SnapshotError
from ui import format as fmt
from ui.io import HUB_FAILURE_TTL_S, hub_source, live_snapshot, server_token_allowed
from ui.state import (
    CHECKPOINT_QUANT,
    LABELS,
    PREFIX_CACHING,
    WHAT_IF_OPTION,
    AppState,
    mm_limit_counts,
    processor_kwargs,
    state,
)

UPLOADS_KEY = "uploaded_snapshots"
"""session_state key of the uploaded snapshots: {file name: HardwareSnapshot}."""
UPLOAD_ERRORS_KEY = "hw.upload_errors"
"""session_state key of the uploads' refusals, one message a refused file (Hardware page)."""
TOKEN_KEY = "hub_token"
"""session_state key of the Hugging Face token: this session only, never in URL or on disk."""
_SOURCES_KEY = "model_sources"
_SPECS_KEY = "model_specs"
_AUTO_LAYOUT_KEY = "auto_layouts"
_CLUSTERS_KEY = "preset_clusters"
MEMORY_FIELD = LABELS["gpu_memory_gib"]
"""The Hardware page's field for a total CUDA reports: the fix where a preset has no nvidia-smi
total under WSL2 (current_cluster, the Recommend page)."""
NAME_THE_MODEL = (f"pick its model under 'GPU model' on the Hardware page, with its memory in "
                  f"'{MEMORY_FIELD}'")
"""How the app names a GPU's model (the CLI's --gpu-name): the sidebar's note on a GPU of
unknown compute capability, and the plan's refusal there (app_words)."""

APP_TIMEOUT_WAY_OUT = (
    "try again in a minute (a failed look-up is answered from memory for "
    f"{HUB_FAILURE_TTL_S:.0f} s), pick a model of the bundled catalog "
    "(answered without the hub), or plan the model's config.json with the CLI (python -m "
    "planner plan --model path/to/config.json)")
"""What a visitor can do where the hub timed out: the CLI's ways out (the connection, the
proxy, HEADROOM_HUB_DEADLINE_S: probes.hub.DEADLINE_WAY_OUT) are the server's, which the
visitor cannot change. (huggingface_hub's HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT
would not help either: probes.hub passes its own timeout to every call.)"""

USER_ERRORS = (ValueError, KeyError, HubError)
"""What bad input raises in the planner and probes (KeyError: planner.model.quant's unknown key)."""


class ModelInputError(ValueError):
    """A model field the app will not resolve (a local path: the app reads repo ids only)."""


def error_text(exc: BaseException) -> str:
    """The one-line message of a user error, ending with a full stop as the CLI's do
    (planner.text.sentence; KeyError's str() would add quotes)."""
    return sentence(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)


T = TypeVar("T")


def show_error(failure: str, exc: BaseException) -> None:
    """'<failure>: <message>' inline, the message of a user error (error_text) in the app's
    words (app_words) and escaped; `failure` is Markdown as given."""
    st.error(f"{failure}: {md_escape(app_words(error_text(exc)))}")


def or_error(call: Callable[[], T], failure: str) -> T | None:
    """`call()`, or None after showing '<failure>: <message>' inline when bad input raises."""
    try:
        return call()
    except USER_ERRORS as exc:
        show_error(failure, exc)
        return None


class PageRef(NamedTuple):
    """A page other pages link to: its script, title and icon, written once for the navigation
    (app.py), the sidebar's "Why" link and show_the_way_out's."""
    path: str
    title: str
    icon: str


HARDWARE_PAGE = PageRef("ui/pages/hardware.py", "Hardware", ":material/developer_board:")
"""The page where the hardware is picked: the way out of hardware that cannot be planned for."""
MODEL_PAGE = PageRef("ui/pages/model.py", "Model", ":material/neurology:")
"""The page where the model is picked: the way out of a model that cannot be read."""


def show_the_way_out() -> None:
    """Under a page's error: a link to the page that fixes what failed, the Model page when
    the model cannot be read (a link to a repo this server cannot read), the Hardware page
    when the hardware cannot be planned for (a link's live audit on a server without a GPU,
    snapshots removed): the Plan page was a dead end on the latter."""
    for resolve, page, label in (
            (current_spec, MODEL_PAGE, "Pick another model on the Model page"),
            (current_cluster, HARDWARE_PAGE,
             "Pick presets or upload snapshots on the Hardware page")):
        try:
            resolve()
        except USER_ERRORS:
            st.page_link(page.path, label=label, icon=page.icon)


def uploaded_snapshots() -> dict[str, HardwareSnapshot]:
    """Snapshots uploaded in this session (never in the URL, never written to disk)."""
    return st.session_state.setdefault(UPLOADS_KEY, {})


def gpu_present() -> bool:
    """True when the live audit sees at least one GPU on this machine."""
    return bool(live_snapshot().gpus)


def current_network() -> NetworkSpec | None:
    """The Hardware page's network between nodes (its text parsed), None when empty: the
    GPU's DGX network (planner.serving.hardware.network_link)."""
    text = state().network
    return parse_network(text) if text else None


def current_cluster() -> ClusterSpec:
    """The cluster chosen on the Hardware page: live audit, preset builder or snapshots."""
    current = state()
    if current.hardware == "audit":
        return snapshots_to_cluster([live_snapshot()])
    if current.hardware == "snapshots":
        refused = len(st.session_state.get(UPLOAD_ERRORS_KEY, []))
        if refused and not uploaded_snapshots():  # it said "no snapshots given" under them
            raise SnapshotError(f"no usable snapshot ({counted(refused, 'file')} refused on "
                                "the Hardware page)")
        return snapshots_to_cluster(list(uploaded_snapshots().values()))
    # one object per session and inputs: the planner caches what it derives from a cluster
    # by its identity (layout_candidates: ~70,000 layouts checked at 64 nodes x 64 GPUs), so
    # a new one each call worked it all out again on every rerun
    key = (current.gpu, current.gpus_per_node, current.nodes, current.intra_node_link,
           current.network, current.gpu_memory_gib, current.wsl2, current.pcie_generation,
           current.pcie_lanes)
    memo: dict = st.session_state.setdefault(_CLUSTERS_KEY, {})
    if key not in memo:
        if len(memo) > 64:
            memo.clear()
        memo[key] = _preset_cluster(current)
    return memo[key]


def _preset_cluster(current: AppState) -> ClusterSpec:
    """The Hardware page's preset builder's cluster (current_cluster keeps it)."""
    link = None if current.intra_node_link == "auto" else current.intra_node_link
    try:
        cluster = preset_cluster(
            current.gpu,
            current.gpus_per_node,
            current.nodes,
            intra_node_link=link,
            network=current_network(),
            memory_total_bytes=round(current.gpu_memory_gib * GIB) if current.gpu_memory_gib
            else None,
            wsl2=current.wsl2,
        )
    except NoWsl2TotalError as exc:  # the fix in the Hardware page's words
        raise HardwareError(f"{exc.what}: give the total CUDA reports under WSL2 in "
                            f"'{MEMORY_FIELD}'") from None
    return with_pcie_slot(cluster, current.pcie_generation, current.pcie_lanes, PAGE_SLOT)


PAGE_SLOT = "given on the Hardware page"
"""The source of the Hardware page's PCIe generation and lanes (PcieSlot.source)."""


_LINK_WORDS: dict[LinkKind, str] = {
    "nvlink": "NVLink", "pcie": "PCIe", "pcie-no-p2p": "PCIe, no P2P",
    "cross-socket": "PCIe, across host bridges"}
"""How a link kind reads in the hardware's label (the CLI's --link values, in words)."""


def cluster_label(cluster: ClusterSpec) -> str:
    """'8x NVIDIA GeForce RTX 3090 (PCIe, no P2P)' or '2 nodes x 8x NVIDIA H100 80GB HBM3
    (NVLink)': the link the GPUs of a node talk over (_LINK_WORDS). Nodes that differ (uploaded
    snapshots of other GPUs or counts) are named each: '2 nodes: 1 node x 8x NVIDIA GeForce
    RTX 4090 (PCIe) + 1 node x 8x NVIDIA GeForce RTX 3090 (PCIe)' (the first node's GPUs
    were named for all). A node of one GPU has no link in it: '1x NVIDIA GeForce RTX 4090'
    (it read '(PCIe, no P2P)', a link to no other GPU)."""
    kinds = Counter(f"{node.gpus_per_node}x {node.gpu.name}" + (
        f" ({_LINK_WORDS[node.intra_node_link]})" if node.gpus_per_node > 1 else "")
        for node in cluster.nodes)
    if len(kinds) > 1:
        return f"{len(cluster.nodes)} nodes: " + " + ".join(
            f"{counted(count, 'node')} x {text}" for text, count in kinds.items())
    text = next(iter(kinds))
    return text if len(cluster.nodes) == 1 else f"{len(cluster.nodes)} nodes x {text}"


def network_note(cluster: ClusterSpec) -> str | None:
    """ClusterSpec.network_assumed as a sentence with how to give the network here: the
    Hardware page's field for the preset builder; for snapshots, which that field does not
    change, the CLI's --network. None where the network is given, read, or not crossed."""
    if cluster.network_assumed is None:
        return None
    if state().hardware == "snapshots":
        return assumed_network_note(cluster.network_assumed, "plan the snapshots with the CLI's "
                                    "--network NICSxGBITS (the Hardware page's network field "
                                    "applies to presets)")
    return assumed_network_note(cluster.network_assumed)


def assumed_network_note(assumed: str, how: str = "give it in the Hardware page's 'Network "
                         "between nodes' (as the CLI's --network)") -> str:
    """A network assumed (ClusterSpec.network_assumed) as a sentence with `how` to give it:
    by default the Hardware page's field, which presets are planned over (the sidebar's
    cluster, the Recommend page's rows over several nodes)."""
    return capitalized(f"{assumed}; {how}")


def gpu_totals_text(cluster: ClusterSpec) -> str:
    """'23.57 GiB per GPU (CUDA total)'; on nodes of several totals each, with its GPU and
    nodes, node 0's first: 'CUDA total per GPU: 23.57 GiB (NVIDIA GeForce RTX 3090, node 0),
    15.57 GiB (NVIDIA GeForce RTX 4090, node 1)'. Each rank is budgeted on its own GPU's total,
    the batch defaults on node 0's GPU (ClusterSpec.sizing_node), so no one total stands for
    all."""
    nodes: dict[tuple[int, str], list[int]] = {}
    for index, node in enumerate(cluster.nodes):
        nodes.setdefault((node.gpu.memory_total_bytes, node.gpu.name), []).append(index)
    if len({total for total, _ in nodes}) == 1:
        return f"{fmt.gib(cluster.nodes[0].gpu.memory_total_bytes)} per GPU (CUDA total)"
    return "CUDA total per GPU: " + ", ".join(
        f"{fmt.gib(total)} ({name}, {plural(len(indices), 'node')} "
        f"{', '.join(map(str, indices))})" for (total, name), indices in nodes.items())


def model_source(model: str, revision: str = "") -> ModelSource:
    """The config of a catalog entry or hub repo, resolved once per session.

    Verbatim catalog ids are answered offline; anything else asks the hub (through the cached
    wrapper), with the session's token, and a reconstructed catalog entry answers, labelled,
    when the hub cannot. The session keeps what it got, so its figures do not change under
    it; a new session (a reload) asks again. Local paths are refused: a web page should not
    read the server's files (the CLI reads them).
    """
    sources: dict[tuple[str, str], ModelSource] = st.session_state.setdefault(_SOURCES_KEY, {})
    key = (model.strip(), revision.strip())
    if key not in sources:
        if _local_path(key[0]):
            raise ModelInputError(
                f"{key[0]!r} looks like a local path; the app takes Hugging Face repo ids "
                "(org/name). Plan a local config.json with the CLI instead."
            )
        with st.spinner(f"Fetching {key[0]}…"):
            try:
                sources[key] = hub_source(key[0], key[1] or None,
                                          st.session_state.get(TOKEN_KEY),
                                          server_token_allowed())
            except HubError as exc:
                if exc.kind == "offline_not_cached":  # its "or pass a path to its
                    # config.json" is the CLI's way out, which the app refuses (above)
                    where = f" at {key[1]!r}" if key[1] else " nor in the bundled catalog"
                    raise ModelInputError(
                        f"HF_HUB_OFFLINE is set, so the hub was not asked: {key[0]} is not "
                        f"in this server's local cache{where}.") from None
                if exc.kind == "timeout":  # its ways out are the server's
                    raise HubError(exc.kind, exc.message.replace(
                        DEADLINE_WAY_OUT, APP_TIMEOUT_WAY_OUT, 1).replace(
                        TIMEOUT_WAY_OUT, APP_TIMEOUT_WAY_OUT, 1)) from None
                if exc.kind == "network":  # its way out is the CLI's too (above)
                    raise HubError(exc.kind, exc.message.replace(LOCAL_PATH_WAY_OUT, "", 1)
                                   ) from None
                if exc.kind != "invalid_repo_id":
                    raise
                # the hub's message offers a local path, which this page refuses (above)
                # and names a page's revision without the CLI's --revision
                words = invalid_repo_id_message(key[0], local_paths=None, revision_input=None)
                raise ModelInputError(f"{words} Plan a local config.json with the CLI "
                                      "(python -m planner).") from None
    return sources[key]


def _local_path(model: str) -> bool:
    """Whether a model field names a file or folder on the server rather than a repo id. A name
    no file system holds (over NAME_MAX / PATH_MAX: "File name too long") is none, as
    probes.hub.resolve_model reads it for the CLI; the repo id check then refuses it."""
    if model.startswith(("/", "~", ".")):
        return True
    try:
        return Path(model).expanduser().exists()
    except OSError:
        return False


def prefetch_sources(models: Iterable[str]) -> None:
    """Resolve the repo ids this session has not resolved yet, all at once (the Compare page's
    2-6 ids): a slow or hanging hub then costs one deadline, not one per model.

    Threads with this run's script context, so st.cache_data and the failure memory behave as
    in the script thread (huggingface_hub downloads different repos concurrently under its
    per-file locks, file_download.py). Failures are left for model_source to report.
    """
    sources: dict[tuple[str, str], ModelSource] = st.session_state.setdefault(_SOURCES_KEY, {})
    missing = [m for m in dict.fromkeys(m.strip() for m in models)
               if (m, "") not in sources and not _local_path(m)]
    if len(missing) < 2:
        return
    token, lend, ctx = st.session_state.get(TOKEN_KEY), server_token_allowed(), get_script_run_ctx()

    def fetch(model: str) -> tuple[str, ModelSource | None]:
        add_script_run_ctx(threading.current_thread(), ctx)
        try:
            return model, hub_source(model, None, token, lend)
        except USER_ERRORS:
            return model, None

    with st.spinner(f"Fetching {counted(len(missing), 'model')}…"), \
            ThreadPoolExecutor(max_workers=len(missing)) as pool:
        for model, source in pool.map(fetch, missing):
            if source is not None:
                sources[(model, "")] = source


def model_spec(model: str, revision: str = "") -> ModelSpec:
    """The parsed architecture of a model, parsed once per session like its source: a large
    config takes ~10 ms to parse and the sidebar and Plan page ask for it ~11 times a run."""
    specs: dict[tuple[str, str, str], ModelSpec] = st.session_state.setdefault(_SPECS_KEY, {})
    overrides = state().hf_overrides
    key = (model, revision, overrides)
    if key not in specs:
        source = model_source(model, revision)
        specs[key] = _parsed(source, model)
        if overrides:  # as the CLI's load_model: the config as read parses first
            try:
                specs[key] = _parsed(source, model, json.loads(overrides))
            except ConfigError as exc:
                del specs[key]
                raise ConfigError(f"{LABELS['hf_overrides']} {overrides}: {exc}") from exc
    return specs[key]


def _parsed(source: ModelSource, model: str, hf_overrides: dict | None = None) -> ModelSpec:
    """source's config.json (under the HF overrides `hf_overrides`, parsed, where given)
    parsed with source's other files."""
    return parse_model_config(source.config, source.hf_quant_config,
                              name=source.repo_id or model,
                              tokenizer_config=source.tokenizer_config,
                              processor_configs=source.processor_configs,
                              hf_overrides=hf_overrides)


def current_spec() -> ModelSpec:
    """The architecture of the model chosen on the Model page."""
    return model_spec(state().model, state().revision)


def current_draft() -> EagleDraft | None:
    """The EAGLE-3 drafter named on the Plan page (AppState.speculative_model), its config read
    as a model's is (model_source: the catalog, else the hub, once a session; a local path
    refused) and parsed as the CLI's --speculative-model (eagle.parse_eagle_draft); None
    where none is named. Raises HubError, ModelInputError or DraftError (user errors) where
    it cannot be read or Headroom does not size it (ui.settle replaces it then)."""
    name = state().speculative_model
    if not name:
        return None
    source = model_source(name)
    return parse_eagle_draft(source.config, source.repo_id or name)


def drafter_knobs() -> dict[str, object]:
    """The EngineSettings fields of the drafter and its draft tokens, with a drafter only: the
    Compare and Recommend pages plan every model with it (a model it cannot serve is that
    model's error, in vLLM's words), and without one no MTP drafts, as before."""
    draft = current_draft()
    if draft is None:
        return {}
    return {"speculative_draft": draft,
            "num_speculative_tokens": state().num_speculative_tokens}


def current_source() -> ModelSource:
    """Where the config of the model chosen on the Model page came from (its checkpoint
    metadata, where the hub gave it: the Plan page's parameter check)."""
    return model_source(state().model, state().revision)


def _engine_knobs() -> dict[str, object]:
    """The vLLM release and knobs the Plan and Compare pages share (the Report page's other
    models too: compare_engine), not the weight format or context."""
    current = state()
    return {
        "vllm_version": current.vllm_version,
        "kv_cache_dtype": current.kv_cache_dtype,
        # unset (None): vLLM's default for the release, filled by EngineSettings as for the CLI
        "gpu_memory_utilization": current.gpu_memory_utilization,
        "max_num_seqs": current.max_num_seqs,
        "max_num_batched_tokens": current.max_num_batched_tokens,
        # unset (None): EngineSettings' default, which the planner takes as vLLM's choice
        **({"block_size": current.block_size} if current.block_size else {}),
        "enforce_eager": current.enforce_eager,
        "model_runner": current.model_runner,
        "allow_long_max_model_len": current.allow_long_max_model_len,
    }


def state_settings(spec: ModelSpec | None = None) -> dict[str, str | int | None]:
    """The EngineSettings fields of "Conv state dtype", "SSM state dtype", "Mamba cache mode"
    and "Mamba block size" (--mamba-cache-dtype, --mamba-ssm-cache-dtype, --mamba-cache-mode,
    --mamba-block-size; the Plan, Compare and Recommend pages offer them, link keys mambadt,
    mambassmdt, mambamode and mambablock): for `spec` only where it has Mamba or Gated
    DeltaNet layers, the only model the Plan page offers them for (else none: a choice kept
    for the next such model is not planned unseen, nor put in its command); None: for every
    model (the Compare page's and the Report's compared models, as report --compare carries
    them, and the Recommend page's where it offers them: a model without such layers reads
    none of them)."""
    current = state()
    if spec is not None and not spec.has_state_layers:
        return {}
    return {"mamba_cache_dtype": current.mamba_cache_dtype,
            "mamba_ssm_cache_dtype": current.mamba_ssm_cache_dtype,
            "mamba_cache_mode": current.mamba_cache_mode,
            "mamba_block_size": current.mamba_block_size}


def prefix_caching() -> dict[str, bool | None]:
    """The EngineSettings field of "Prefix caching" (--enable-prefix-caching /
    --no-enable-prefix-caching, link key prefix; None at auto: the release's own)."""
    return {"enable_prefix_caching": PREFIX_CACHING[state().prefix_caching]}


def lora_caption(engine: EngineSettings) -> str:
    """The Plan page's multi-LoRA serving as the Compare and Recommend pages' captions name it
    ("" without it): its flags, on the models whose LoRA slots Headroom sizes, the others
    planned without them (lora_where_sized), each named in a warning; the tower flag on those
    with a vision tower only (a text model keeps LoRA without it: the caption put it on every
    model, a Qwen3-VL beside Qwen3-30B-A3B)."""
    tower = "--enable-tower-connector-lora"
    flags = [flag for flag in lora_launch_flags(engine) if flag != tower]
    return (f", {' '.join(flags)} on the models whose LoRA slots Headroom sizes"
            + (f", {tower} on those with a vision tower" if engine.enable_tower_connector_lora
               else "")
            + " (each other model planned without LoRA, a warning names it)" if flags else "")


def drafter_caption(engine: EngineSettings) -> str:
    """The Plan page's EAGLE-3 drafter as the Compare page's caption names it ("" without
    one): its --speculative-config, on every model."""
    draft = engine.speculative_draft
    return (f", {eagle_speculative_config(draft, engine.num_speculative_tokens)} on every "
            "model" if draft is not None else "")


def state_dtypes_caption(engine: EngineSettings) -> str:
    """The Plan page's state dtypes, Mamba cache mode and block size and prefix caching as the
    Compare page's caption names them ("" at auto): on the models with Mamba or Gated DeltaNet
    layers (the others read no state flag, and prefix caching changes no figure of theirs)."""
    flags = mamba_flags(engine) + prefix_caching_flags(engine)
    return (f", {' '.join(flags)} on the models with Mamba or Gated DeltaNet layers" if flags
            else "")


def tower_caption(engine: EngineSettings, offered: tuple[bool, bool]) -> str:
    """"Language model only", "Encoder TP mode" (where the page offers them: `offered`,
    settle.tower_modes_offered), the counts per prompt (as the launch command writes them:
    limit_mm_flags) and the processor options as the Compare page's caption names them (""
    where none is set): on the models with a vision tower only (a text model is planned
    without them: mm_modes.tower_settings_where_built)."""
    kwargs = processor_kwargs_text(engine.mm_processor_kwargs)
    flags = (["--language-model-only"] if offered[0] and engine.language_model_only else []) + (
        ["--mm-encoder-tp-mode data"] if offered[1] and engine.mm_encoder_tp_mode == "data"
        else []) + limit_mm_flags(engine) + (
        [f"--mm-processor-kwargs '{kwargs}'"] if kwargs else [])
    return f", {' '.join(flags)} on the models with a vision tower" if flags else ""


def release_default_note() -> str:
    """" (vLLM 0.19.0's default)" while gpu_memory_utilization is unset, so what the pages
    plan with is the sidebar's release's default (EngineSettings fills it), else "". From 0.34
    that default is the one with the extensible KV cache off, as the command runs vLLM
    (vllm_versions.EXTENSIBLE_KV_CACHE_FROM; on, vLLM resolves an unset value to 1.0)."""
    current = state()
    if current.gpu_memory_utilization is not None:
        return ""
    off = " with its extensible KV cache off" if vllm_rules(
        current.vllm_version).extensible_kv_cache else ""
    return f" (vLLM {current.vllm_version}'s default{off})"


def current_engine() -> EngineSettings:
    """vLLM settings from the Plan page's choices (MTP speculative decoding,
    --skip-mm-profiling, --video-pruning-rate, --language-model-only and --mm-encoder-tp-mode
    (a vision model's only: tower_modes), --moe-backend, --all2all-backend and --enable-eplb
    (a MoE model's only), the LoRA flags and --trust-remote-code included; the Compare page
    plans each model without them but --enable-eplb, the LoRA flags and the text-only and
    encoder-TP flags, as report --compare carries them: it shows no launch command).

    A what-if format vLLM makes at load time (fp8 from a 16-bit checkpoint) is passed as
    `--quantization`, so the command line carries it, unless a checkpoint in that format is
    typed in (the command loads it); other what-ifs are target schemes
    (planner.serving.sweep.quant_settings, the rule the sweep applies to its rows). A chosen
    revision pins the command to the commit read (`--revision`).
    """
    current = state()
    quant = _what_if_settings()
    typed = current.target_checkpoint.strip() or None
    if quant and typed:  # the checkpoint typed in is what the command loads, a format vLLM
        # makes at load too (fp8), as the CLI's --target-quant K --target-checkpoint C: it
        # was left out for vLLM's --quantization fp8 of the 16-bit checkpoint
        quant = {"quantization": None, "target_quant": current.quant}
    checkpoint = typed if quant.get("target_quant") else None
    # a chosen revision is pinned in the command: the commit the config was read at
    revision = (current_source().commit_sha
                or current.revision.strip()) if current.revision.strip() else None
    return EngineSettings(**quant, **_engine_knobs(), **state_settings(current_spec()),
                          **prefix_caching(),
                          max_model_len=current.max_model_len,
                          target_checkpoint=checkpoint, revision=revision,
                          num_speculative_tokens=current.num_speculative_tokens,
                          speculative_draft=current_draft(),
                          skip_mm_profiling=current.skip_mm_profiling,
                          video_pruning_rate=current.video_pruning_rate,
                          **tower_modes(current_spec()),
                          moe_backend=current.moe_backend if current_spec().is_moe else None,
                          all2all_backend=(current.all2all_backend if current_spec().is_moe
                                           else None),
                          **_eplb_knobs(), **lora_knobs(), **override_knobs(),
                          trust_remote_code=trusts_remote_code(current_spec()))


def tower_modes(spec: ModelSpec | None = None) -> dict[str, object]:
    """The EngineSettings fields of "Language model only", "Encoder TP mode", the counts per
    prompt (--limit-mm-per-prompt) and the processor options (the Plan, Compare and Recommend
    pages offer them, link keys lmonly, mmtp, mmimage / mmvideo / mmaudio and mmkw): for
    `spec` only where it has a vision tower, its processor's keys and its class's modalities
    only (mm_processor.processor_keys, mm_modes.declared_modalities; kept in the state for the
    other pages' models, as EPLB for a dense model); None: for every model (compared_engine
    and recommend drop them for a model without one: mm_modes.tower_settings_where_built; a
    vision model of another family keeps a key or a count, noted, as report --compare and
    recommend carry it)."""
    current = state()
    if spec is not None and spec.vision is None:
        return {}
    kwargs, counts = processor_kwargs(), mm_limit_counts()
    if spec is not None:
        kwargs = tuple((key, value) for key, value in kwargs if key in processor_keys(spec))
        declared = declared_modalities(spec) or frozenset()
        counts = {m: count for m, count in counts.items() if m in declared}
    return {"language_model_only": current.language_model_only,
            "mm_encoder_tp_mode": current.mm_encoder_tp_mode, "mm_processor_kwargs": kwargs,
            **limit_settings(counts)}


def _eplb_knobs() -> dict[str, object]:
    """The EngineSettings fields of the Plan page's EPLB choices: a MoE model's only, the
    redundant count only with EPLB on (the page offers it then)."""
    current = state()
    if not (current.enable_eplb and current_spec().is_moe):
        return {}
    return {"enable_eplb": True, "num_redundant_experts": current.num_redundant_experts}


def override_knobs() -> dict[str, object]:
    """The EngineSettings field of the HF overrides (link key hfov), where given: every page
    plans them (current_engine, compare_engine, the Recommend page) on every model, whose
    config model_spec read with them, as the CLI's --hf-overrides."""
    given = state().hf_overrides
    return {"hf_overrides": given} if given else {}


def lora_knobs() -> dict[str, object]:
    """The EngineSettings fields of the Plan page's LoRA choices, with --enable-lora only (the
    page offers the others then; the settled state drops it where it is refused): every page
    plans them (current_engine, compare_engine, the Recommend page), each model whose LoRA
    slots are not sized without them and a warning (auto_layout.lora_where_sized)."""
    current = state()
    if not current.enable_lora:
        return {}
    return {name: getattr(current, name) for name in LORA_SETTINGS}


def _what_if_settings() -> dict[str, str | None]:
    """The EngineSettings fields (`quantization`, `target_quant`) of the Plan page's
    Quantization choice: none for the checkpoint's own format (quant_settings' rule)."""
    current = state()
    return ({} if current.quant == CHECKPOINT_QUANT else
            quant_settings(current.quant, checkpoint_scheme(current_spec()).key))


def trusts_remote_code(spec: ModelSpec) -> bool:
    """Whether `spec`'s launch command passes --trust-remote-code: the Plan page's box is
    ticked and the sidebar's release needs it for `spec` (remote_code_runs), so a box kept
    from another model never adds the flag unseen (the Plan, Report and Recommend pages)."""
    return state().trust_remote_code and remote_code_runs(spec) is not None


def remote_code_runs(spec: ModelSpec) -> str | None:
    """The repository's class the sidebar's vLLM release runs for `spec`, which it loads only
    with --trust-remote-code (the planner's rule, planner.serving.launch.remote_code_class);
    None where it needs none. The Plan page offers the choice then, and only then does the
    launch command carry it, so a choice kept from another model never adds the flag unseen."""
    return remote_code_class(spec, vllm_cli(state().vllm_version))


APP_REMOTE_CODE_STEP = "tick Trust remote code on the Plan page"
APP_VERSION_STEP = "Pick {version} as the sidebar's vLLM release"
APP_ACCEPTANCE_STEP = ("a \"Mean acceptance length\" beside the draft tokens (vLLM's logged "
                       "figure) models it")
_VERSION_STEP = re.compile(re.escape(VERSION_STEP).replace(re.escape("{version}"),
                                                           r"(?P<version>\d+\.\d+\.\d+)"))


APP_LARGER_LEN_STEP = "at a larger max_model_len (the Plan page's field)"
RECOMMEND_LARGER_LEN_STEP = "at a larger max_model_len (this page's Context field)"
"""APP_LARGER_LEN_STEP on the Recommend page, whose rows are planned at its own Context field
(the Plan page's did not move them)."""
COMPARE_LARGER_LEN_STEP = ("at a larger max_model_len (this page's "
                           f"\"{LABELS['compare_context']}\" field)")
"""APP_LARGER_LEN_STEP on the Compare page, whose models are planned at its own field (the
Plan page's only seeds it until it is changed there)."""
APP_LONGER_LEN_REFUSED = ("vLLM refuses a max_model_len longer than that; the Recommend page's "
                          f"Context field sets it, its \"{LABELS['allow_long_max_model_len']}\" "
                          "box plans it past the model's as vLLM serves it under "
                          "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1")
CHECKPOINT_FIELD = f"{LABELS['target_checkpoint']} (optional)"
"""The Plan page's field for a checkpoint holding the what-if format (the CLI's
--target-checkpoint)."""
APP_CHECKPOINT_STEP = f"in the Plan page's \"{LABELS['target_checkpoint']}\" field"
APP_MODEL_STEP = "(pick it on the Model page)"
APP_MEASURED_TOTAL_STEP = (f"give the total CUDA reports on your host (the Hardware page's "
                           f"'{MEMORY_FIELD}'; an audit measures it)")
APP_DROP_CHECKPOINT_STEP = f"empty the Plan page's \"{LABELS['target_checkpoint']}\" field"
APP_MORE_GPUS_STEP = (f"more GPUs (the Hardware page's {LABELS['gpus_per_node']} or "
                      f"{LABELS['nodes']}, with the Plan page's {LABELS['tp']})")


def app_format_step(key: str) -> str:
    """The nearest fit's weight-format change (planner.serving.fixes.format_step, the CLI's
    --target-quant) as the Plan page's Quantization choice, and what it loads."""
    s = scheme(key)
    how = ("vLLM makes it at load" if s.runtime and s.vllm_quantization
           else "a checkpoint in that format")
    return f'Quantization "{WHAT_IF_OPTION.format(label=s.label)}" ({how})'


_APP_FORMAT_STEPS = {format_step(key): app_format_step(key) for key in WHAT_IF_KEYS}
"""Each weight-format change a nearest fit can name (fixes._smaller_formats: a what-if key)
in the CLI's words -> the app's; fixed text, built once."""


def app_words(text: str) -> str:
    """Planner text as the app says it: the CLI flag the launch note asks for
    (planner.serving.launch.REMOTE_CODE_STEP) is the Plan page's checkbox here, the
    release to plan with instead (VERSION_STEP) the sidebar's choice, the verdict's
    longer --max-model-len (planner.serving.plan.LARGER_LEN_STEP) the Plan page's field,
    recommend's --context (recommend.LONGER_LEN_REFUSED) the Recommend page's field, the
    what-if format's --target-checkpoint (launch.CHECKPOINT_STEP) the Plan page's field,
    the checkpoint to plan itself (launch.MODEL_STEP) the Model page, leaving that checkpoint
    out (launch.DROP_CHECKPOINT_STEP) emptying the field, the nearest fit's
    --target-quant (fixes.format_step) the Plan page's Quantization, and the --gpu-name that
    gives a GPU of unknown compute capability one (unknown_capability.GIVE_GPU_MODEL) the
    Hardware page's GPU model (NAME_THE_MODEL), and the load peak's more GPUs (load_peak's
    MORE_GPUS_STEP: --gpus with --tp) the Hardware page's and the Plan page's fields, the
    older-driver notes' --gpu-memory-gib (hardware.MEASURED_TOTAL_STEP) MEMORY_FIELD, and the
    speed's --spec-acceptance-length (speed.ACCEPTANCE_STEP) the draft tokens' field."""
    text = text.replace(REMOTE_CODE_STEP, APP_REMOTE_CODE_STEP)
    text = text.replace(ACCEPTANCE_STEP, APP_ACCEPTANCE_STEP)
    text = text.replace(MORE_GPUS_STEP, APP_MORE_GPUS_STEP)
    text = text.replace(MEASURED_TOTAL_STEP, APP_MEASURED_TOTAL_STEP)
    text = text.replace(GIVE_GPU_MODEL, NAME_THE_MODEL)
    text = text.replace(CHECKPOINT_STEP, APP_CHECKPOINT_STEP)
    text = text.replace(DROP_CHECKPOINT_STEP, APP_DROP_CHECKPOINT_STEP)
    text = text.replace(MODEL_STEP, APP_MODEL_STEP)
    text = text.replace(LARGER_LEN_STEP, APP_LARGER_LEN_STEP)
    text = text.replace(LONGER_LEN_REFUSED, APP_LONGER_LEN_REFUSED)
    for cli_words, app in _APP_FORMAT_STEPS.items():
        text = text.replace(cli_words, app)
    return _VERSION_STEP.sub(lambda m: APP_VERSION_STEP.format(version=m["version"]), text)


_FIT_FLAGS = {f"--{field.replace('_', '-')}": LABELS[field] for field in (
    "max_model_len", "max_num_seqs", "max_num_batched_tokens", "kv_cache_dtype",
    "gpu_memory_utilization", "block_size")} | {
    ALLOW_LONG_STEP: f"the \"{LABELS['allow_long_max_model_len']}\" box"}
"""The vLLM flags a nearest change that fits names (planner.serving.fixes._tries: each an
EngineSettings field, hyphenated; fixes.allow_long_fit's flag) -> the label of the Plan page
field that sets it (ui.state.LABELS), the one its Apply button changes (the box: ticked by
hand)."""
_FIT_FLAG = re.compile(r"(`[^`]*`)|(?<![\w'-])(" + "|".join(map(re.escape, _FIT_FLAGS))
                       + r")(?![\w-])")
"""A _FIT_FLAGS flag in running text; or, first, text quoted as code, kept as it is."""


def fit_advice_markdown(text: str) -> str:
    """A plan's nearest change that fits (Plan.fit_advice; launch_text, which ends with it,
    where there is no command) as the app shows it: app_markdown, each setting it changes
    named by the Plan page field's label ("max_model_len 40960", "KV cache dtype fp8", "Batched
    tokens 8192"), not the CLI's flag: the field is what the user changes, or Apply does."""
    return app_markdown(_FIT_FLAG.sub(lambda m: m[1] or _FIT_FLAGS[m[2]], text))


def app_markdown(text: str) -> str:
    """Planner text as the app shows it in Markdown: in its words (app_words), its CLI flags
    as inline code (flags_as_code) and inert (md_escape: a config's strings, such as a
    model_type it quotes, render as written)."""
    return md_escape(flags_as_code(app_words(text)))


_LINK_HEAD = re.compile(r"Link parameter \w+=(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")
"""The head of a ui.state.decode message: 'Link parameter ' + the parameter = repr(value),
which escapes its own quote and backslashes, so the head ends at the value's closing quote."""


def link_message_markdown(message: str) -> str:
    """A message about a link parameter (ui.state.decode) as the sidebar shows it: the value
    as written (md_escape: '--trust-remote-code' given as a value is no flag to run), the
    reason as the pages show planner text (app_markdown: its CLI flags as inline code)."""
    head = _LINK_HEAD.match(message)
    if head is None:
        return app_markdown(message)
    reason = message[head.end():]  # " ignored: ..." or ": ...": md_escape drops a leading space
    return md_escape(head[0]) + " " * reason[:1].isspace() + app_markdown(reason)


def layout_for(spec: ModelSpec, engine: EngineSettings | None = None) -> ParallelLayout:
    """The TP/PP/EP layout chosen on the Plan page, as it applies to `spec`: the EP choice
    counts only for routed experts spread over more than one GPU (a dense model, or TP=1,
    is the same layout without EP), so it can stay on while other models are looked at.

    With no TP chosen (the default) the layout is the hardware's (auto_layout: TP = GPUs per
    node, the nodes as the fewest PP stages that fit x DP replicas, else the fitting layout
    using the most GPUs), planned
    with `engine` (default: the Plan page's settings) and kept per session.
    """
    current = state()
    if current.tp is None:
        layout = _auto_layout(spec, engine or current_engine())
        if layout is not None:
            return layout
    tp, pp, dp = current.tp or 1, current.pp or 1, current.dp or 1
    return ParallelLayout(tp=tp, pp=pp, dp=dp, ep=current.ep and spec.is_moe and tp * dp > 1)


def row_settings(spec: ModelSpec, cluster: ClusterSpec, quant_key: str,
                 layout: ParallelLayout, kv_cache_dtype: str) -> dict[str, object]:
    """The Plan page's state fields for a sweep or Recommend row of `spec` on `cluster`: its
    weight format, its layout, pinned, and its KV dtype."""
    return {"quant": _quant_choice(spec, quant_key), **_layout_settings(spec, cluster, layout),
            "kv_cache_dtype": kv_cache_dtype}


_LAYOUT_FIELDS = ("tp", "pp", "dp", "ep")
_FORMAT_FIELDS = ("target_quant", "target_checkpoint")


def fit_settings(spec: ModelSpec, cluster: ClusterSpec, change: FitChange
                 ) -> dict[str, object]:
    """The Plan page's state fields for the nearest change that fits (Plan.nearest_fit_change)
    of `spec` on `cluster`, for its Apply button: the engine settings under their own names
    (max_model_len, max_num_seqs, kv_cache_dtype, gpu_memory_utilization), a weight format as
    the Quantization choice with no checkpoint typed in (one typed for another format would
    be loaded as this one), and a layout pinned as a sweep row's (row_settings). A setting
    change keeps the hardware's layout where it was chosen: that picks a layout that fits when
    one does (auto_layout)."""
    fields = {field: value for field, value in change.items()
              if field not in (*_LAYOUT_FIELDS, *_FORMAT_FIELDS)}
    if "target_quant" in change:
        fields.update(quant=_quant_choice(spec, str(change["target_quant"])),
                      target_checkpoint="")
    if "tp" in change:
        fields.update(_layout_settings(spec, cluster, ParallelLayout(
            **{field: change[field] for field in _LAYOUT_FIELDS})))
    return fields


def _quant_choice(spec: ModelSpec, quant_key: str) -> str:
    """A weight format as the Quantization field holds it: the checkpoint's own as
    CHECKPOINT_QUANT, else its key (a what-if)."""
    return CHECKPOINT_QUANT if quant_key == checkpoint_scheme(spec).key else quant_key


def _layout_settings(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout
                     ) -> dict[str, object]:
    """The state fields that pin `layout` of `spec` on `cluster`. The EP choice is kept where
    the layout has no EP variant (TP=1, a dense model): taking its "no EP" turned EP off for
    the hardware's layout and the next MoE model."""
    ep_applies = any(other.ep for other in layout_candidates(spec, cluster, current_engine())
                     if (other.tp, other.pp, other.dp) == (layout.tp, layout.pp, layout.dp))
    return {"tp": layout.tp, "pp": layout.pp, "dp": layout.dp,
            "ep": layout.ep if ep_applies else state().ep}


def hardware_layout(spec: ModelSpec) -> ParallelLayout | None:
    """The layout the Plan page would open on for `spec` (auto_layout), even when TP is
    pinned: a pinned layout that does not fit can point to it."""
    return _auto_layout(spec, current_engine())


def hardware_layout_rule(spec: ModelSpec) -> str:
    """How the layout the Plan page opens on for `spec` was chosen (auto_layout.layout_rule:
    the rule, and why its first choice was passed over where it was), once per session and
    inputs."""
    engine = current_engine()
    layout = _auto_layout(spec, engine)
    if layout is None:
        return AUTO_LAYOUT_RULE
    memo, key = _auto_memo(spec, engine, "rule")
    if key not in memo:
        try:
            memo[key] = layout_rule(spec, current_cluster(), layout, engine, ep=state().ep)
        except EngineError:  # refused on every layout (_auto_layout): plan() says why
            memo[key] = AUTO_LAYOUT_RULE
    return memo[key]


def _auto_memo(spec: ModelSpec, engine: EngineSettings, *what: str) -> tuple[dict, tuple]:
    """The session's memo of auto_layout answers (cleared past 64) and the key of `what` for
    `spec` planned with `engine` on the current cluster, in its held format, with the EP
    choice."""
    key = (id(spec), spec.name, current_cluster().model_dump_json(),
           layout_scheme(spec, engine).key, engine.model_dump_json(), state().ep, *what)
    memo: dict = st.session_state.setdefault(_AUTO_LAYOUT_KEY, {})
    if key not in memo and len(memo) > 64:
        memo.clear()
    return memo, key


def _auto_layout(spec: ModelSpec, engine: EngineSettings) -> ParallelLayout | None:
    """auto_layout for the current cluster and `spec`'s held format, once per session and
    inputs (when nothing fits, every valid layout is planned: ~100 plans at 64 GPUs)."""
    cluster = current_cluster()
    held = layout_scheme(spec, engine)
    memo, key = _auto_memo(spec, engine)
    if key not in memo:
        try:
            layout = auto_layout(spec, cluster, held, engine, ep=state().ep)
        except EngineError:
            # a start-up this release refuses on every layout (planner.serving.v1_oracle;
            # auto_layout passes over those it refuses on some layouts only): the widgets
            # show the widest layout and plan() says why, so the settings stay on the page
            layout = widest_layout(spec, cluster, held, engine)
        memo[key] = layout and _with_ep_choice(spec, cluster, held, engine, layout)
    return memo[key]


def _with_ep_choice(spec: ModelSpec, cluster: ClusterSpec, held: QuantScheme,
                    engine: EngineSettings, layout: ParallelLayout) -> ParallelLayout:
    """`layout` with the Plan page's EP choice where vLLM takes it, as the CLI's plan sets
    --ep on the hardware's layout (cli.inputs.parallel_layout). Where nothing fits, auto_layout
    ranks the split closest to fitting before the wanted EP, so gpt-oss-120b on 2 RTX 4090 was
    planned TP=2 + EP under an unticked EP box. Where vLLM refuses the choice (experts that do
    not divide TP x DP), the layout stays as auto_layout picked it, the one EP choice vLLM
    takes there."""
    wanted = layout.model_copy(update={
        "ep": state().ep and spec.is_moe and layout.tp * layout.dp > 1})
    return wanted if wanted == layout or wanted in valid_layouts(spec, cluster, held, engine) \
        else layout


def current_request() -> PlanRequest:
    """Everything one plan() call needs, from the state (raises the owning module's errors)."""
    spec = current_spec()
    return PlanRequest(model=spec, cluster=current_cluster(), layout=layout_for(spec),
                       engine=current_engine())


def compare_engine(model: str | None = None) -> EngineSettings:
    """The Compare page's settings for `model` (None: the settings every model shares):
    max_model_len = the chosen context (AppState.compared_context); each model as stored,
    the Plan page's model in the Plan page's weight format (a what-if: Qwen3-235B-A22B
    planned in W4A16 read "Does not fit" in BF16 there), as the report's comparison plans
    its first row; the Plan page's --enable-eplb and redundant experts and its LoRA
    (lora_knobs), "Language model only" and "Encoder TP mode" (tower_modes), the model runner,
    the state dtypes and the Mamba cache mode and block size (state_settings) and
    prefix caching (prefix_caching), each offered on the Compare page too, as report
    --compare (compare_plan drops EPLB for a dense model,
    LoRA for one whose slots are not sized and the tower flags for one without a vision
    tower: auto_layout.compared_engine)."""
    quant = _what_if_settings() if model == state().model else {}
    # the Plan page's EPLB and LoRA, the tower flags and the state dtypes, as report --compare
    # carries --enable-eplb, --enable-lora, --language-model-only and --mamba-ssm-cache-dtype
    # (compared_engine drops the first three where the model cannot take them; a model
    # without state layers reads no state dtype)
    return EngineSettings(**quant, **_engine_knobs(), **_eplb_knobs(), **lora_knobs(),
                          **override_knobs(),
                          **tower_modes(), **state_settings(), **drafter_knobs(),
                          **prefix_caching(),
                          max_model_len=state().compared_context())


def compared_revision(model: str) -> str:
    """The revision the Compare page reads `model` at: the Plan page's for the Plan page's
    model (its row is that plan's model, in its weight format too: compare_engine), none for
    the others. The row read the default branch, another config than the one planned."""
    return state().revision if model == state().model else ""


def compared_formats(models: Iterable[str]) -> str:
    """The Compare page's words for the weight formats its models are planned in
    (compare_engine): 'each model in its own checkpoint format', and the Plan page's model
    in its what-if where it is compared in one."""
    current = state()
    if current.quant == CHECKPOINT_QUANT or current.model not in models:
        return "each model in its own checkpoint format"
    what_if = WHAT_IF_OPTION.format(label=scheme(current.quant).label)
    return (f"{current.model} in the Plan page's Quantization, {what_if}; the others each in "
            "its own checkpoint format")


def compare_plan(spec: ModelSpec, cluster: ClusterSpec, engine: EngineSettings) -> Plan:
    """One compared model: on the Plan page's layout where the model runs there, as
    `report --compare` plans it (planner.serving.auto_layout.compared_layout), in the weight
    format `engine` plans (layout_scheme: a what-if's, as the Plan page's layout), with its
    EPLB where `spec` has routed experts (compared_engine; the plan's `engine` is what it was
    planned with, for its speed)."""
    engine = compared_engine(spec, engine)
    layout = compared_layout(spec, cluster, layout_for(spec, engine),
                             layout_scheme(spec, engine), engine)
    return plan(PlanRequest(model=spec, cluster=cluster, layout=layout, engine=engine),
                nearest=False)  # the Compare page and the report's table show no nearest fit


def current_load(engine: EngineSettings | None = None) -> ServingLoad:
    """The serving load the speed figures are for (Plan page: input, output, concurrency,
    arrivals, and the mean acceptance length where drafts are planned: planned_acceptance),
    for the Plan page's settings or `engine` (the Compare page's, its models planned with
    draft tokens only with a drafter: drafter_knobs)."""
    current = state()
    return ServingLoad(input_len=current.input_len, output_len=current.output_len,
                       concurrency=current.concurrency, arrival=current.arrival,
                       spec_acceptance_length=planned_acceptance(
                           current.num_speculative_tokens if engine is None
                           else engine.num_speculative_tokens))


def planned_acceptance(drafts: int) -> float | None:
    """The Plan page's mean acceptance length (AppState.spec_acceptance_length, settled in
    range of its draft tokens: ui.settle) for settings of `drafts` draft tokens a step; None
    without drafts (the Compare and Recommend pages without a drafter), which decode as
    before."""
    return state().spec_acceptance_length if drafts else None
