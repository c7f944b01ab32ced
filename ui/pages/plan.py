"""Plan page: quantization, KV dtype, layout and vLLM knobs -> one plan() call -> figures."""

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from planner.model.quant import checkpoint_scheme, scheme
from planner.model.spec import ModelSpec
from planner.report import (
    all_replicas,
    binding_stage_layers,
    errors_beside_verdict,
    fits_cell,
    idle_gpus,
    kv_formula_lines,
    kv_formula_note,
    max_model_len_stop,
    model_runner_line,
    no_speed_reason,
    not_planned_lines,
    own_format_line,
    param_check_warning,
    refused_concurrency,
    stalled_meaning,
    stalled_ranks,
    sweep_notes,
    tpot_target_missed,
    warm_restart_text,
    with_param_check,
)
from planner.serving.auto_layout import layout_refusals
from planner.serving.engine import (
    default_block_words,
    default_max_model_len,
    derived_max_model_len,
    served_kv_elem_bytes,
)
from planner.serving.hardware import ClusterSpec
from planner.serving.layout import ParallelLayout, layout_errors
from planner.serving.long_len import unmodelled_risk
from planner.serving.lora.settings import LORA_DTYPES, MAX_LORA_RANKS
from planner.serving.mm_processor import processor_keys
from planner.serving.plan import (
    CONFIDENT_FIT,
    WARM_RESTART_LAUNCH_NOTE,
    Plan,
    PlanRequest,
    kv_room_text,
    plan,
    unmodelled_ranks,
)
from planner.serving.speed import ServingLoad, SpeedEstimate, estimate_speed
from planner.serving.speed.coefficients import EAGER_LAYER_OVERHEAD_FACTOR
from planner.serving.sweep import (
    Objective,
    SweepResult,
    format_kind,
    sweep,
)
from planner.serving.vllm_versions import (
    GRAPHS_SUBTRACTED_FROM,
    default_gpu_memory_utilization,
    version_label,
    vllm_rules,
)
from planner.text import (
    capitalized,
    counted,
    decimal,
    md_escape,
    per_replica,
    plural,
    rank_runs,
)
from planner.units import VLLM_KV_DTYPE
from ui import format as fmt
from ui.charts import HEATMAP_MAX_LAYOUTS, MODEBAR, line_mark, memory_bar, sweep_heatmap
from ui.context import (
    CHECKPOINT_FIELD,
    USER_ERRORS,
    app_markdown,
    app_words,
    current_cluster,
    current_engine,
    current_load,
    current_request,
    current_source,
    current_spec,
    error_text,
    fit_advice_markdown,
    fit_settings,
    hardware_layout,
    hardware_layout_rule,
    layout_for,
    release_default_note,
    remote_code_runs,
    row_settings,
    show_error,
    show_the_way_out,
)
from ui.settle import (
    ALL2ALL_HELP,
    allow_long_input,
    backend_input,
    checkpoint_option_label,
    current_valid_layouts,
    drafter_inputs,
    held_scheme,
    hf_overrides_input,
    mamba_paging_inputs,
    mm_limit_inputs,
    mm_limits_offered,
    processor_inputs,
    quant_option,
    runner_inputs,
    settled_choices,
    show_replaced,
    tower_mode_inputs,
)
from ui.speed import (
    arrival_control,
    load_controls,
    objective_controls,
    rate_metrics,
    speed_cap_caption,
    speed_details,
    speed_metrics,
)
from ui.state import (
    CHECKPOINT_QUANT,
    LABELS,
    bind,
    block_label,
    keep,
    mm_limit_counts,
    processor_kwargs,
    set_state,
    state,
    typed_input,
)
from ui.tables import key_grid, terms_table

_CURVE_POINTS = (4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576)
_SWEEP_KEY = "plan.sweep_result"


def _explain_invalid_tp(valid: tuple[ParallelLayout, ...]) -> None:
    """Why each TP size up to the GPU count is not offered, in vLLM's words."""
    spec, cluster, held, version = (current_spec(), current_cluster(), held_scheme(),
                                    state().vllm_version)
    offered = {layout.tp for layout in valid}
    reasons = {tp: layout_errors(spec, cluster, ParallelLayout(tp=tp), held, version)
               for tp in range(1, cluster.gpu_count + 1) if tp not in offered}
    if reasons:
        # runs ("3, 5-7, 9-15, ..."): on 16 nodes x 8 GPUs the sizes one by one made a
        # 524-character header several lines high above the figures
        # one element of one paragraph per size: an element each cost ~1 s a rerun at
        # 64 nodes x 64 GPUs (4,090 sizes)
        with st.expander(f"Why not TP = {rank_runs(list(reasons), '')}?"):
            st.markdown("\n\n".join(
                f"**TP={tp}**: " + md_escape(" ".join(errors or ["no valid PP/EP pairing."]))
                for tp, errors in reasons.items()))


def _controls() -> tuple[ParallelLayout, ...]:
    """The widgets; only valid choices are offered (returned: the valid layouts, whose
    invalid TP sizes _layout_row explains under the speed figures)."""
    spec, cluster = current_spec(), current_cluster()
    # the settings replaced where they cannot run, as every page that plans has them
    choices = settled_choices()
    mtp_refused, skip_mm_refused, eplb_refused = (
        choices.mtp_refused, choices.skip_mm_refused, choices.eplb_refused)
    valid = choices.layouts
    if not valid:
        st.error(md_escape(f"No tensor/pipeline layout of {spec.name} runs on "
                           f"{counted(cluster.gpu_count, 'GPU')}."))
        _explain_invalid_tp(valid)
        show_replaced()
        st.stop()
    left, mid, right = st.columns([1.6, 1, 1.2])  # wider: format labels, the load and knobs
    left.selectbox(LABELS["quant"], choices.quants,
                   format_func=partial(quant_option, checkpoint_option_label()),
                   **bind("plan", "quant"))
    left.selectbox(LABELS["kv_cache_dtype"], choices.kv_dtypes, help="auto follows the model "
                   "dtype; the choices are the targeted vLLM release's --kv-cache-dtype values "
                   "Headroom sizes that it runs on this GPU (nvfp4 and the per-token-head "
                   "formats include their scales)", format_func=VLLM_KV_DTYPE.__getitem__,
                   **bind("plan", "kv_cache_dtype"))
    load_controls(left)
    auto = _layout_controls(mid, spec, cluster, valid)
    _limit_controls(right, spec)
    # under the KV dtype and the load: the right column, taller, would push the figures down;
    # the arrivals beside it, one line high (a labelled row would push them down too)
    more, arrivals = left.columns([1.1, 1], gap="xsmall")  # each label on one line at 1280 px
    arrival_control(arrivals, compact=True)
    _more_options(more, spec, mtp_refused, choices.block_sizes, choices.moe_backends,
                  choices.all2all_backends, not skip_mm_refused, not choices.lm_only_refused,
                  not choices.encoder_tp_refused, spec.is_moe and not eplb_refused,
                  not choices.lora_refused, not choices.tower_refused, choices.runners,
                  choices.state_dtypes, choices.cache_modes, choices.mamba_block,
                  not choices.prune_refused)
    if auto and cluster.gpu_count > 1:  # one GPU's only layout is TP=1: no rule to say
        st.caption(f"Layout chosen for this hardware: "
                   f"{md_escape(hardware_layout_rule(spec))}; pick TP, PP or DP to "
                   "change it.")
    return valid


def _layout_controls(mid, spec: ModelSpec, cluster: ClusterSpec,
                     valid: tuple[ParallelLayout, ...]) -> bool:
    """TP, PP and DP among the `valid` layouts, each offering what the others leave valid, and
    expert parallelism (greyed, with why, where there is no choice); returned: whether the
    layout is the hardware's (the widgets show it, picking one pins it)."""
    tps = sorted({layout.tp for layout in valid})
    auto = state().tp is None
    if auto:  # the hardware's layout: the widgets show it, picking one pins it
        chosen = layout_for(spec)
        for field in ("tp", "pp", "dp"):
            st.session_state[f"plan.{field}"] = getattr(chosen, field)
    else:
        current = state()
        st.session_state.setdefault("plan.tp", current.tp)
        st.session_state.setdefault("plan.pp", current.pp or 1)
        st.session_state.setdefault("plan.dp", current.dp or 1)
    tp, pp, dp = (st.session_state[f"plan.{field}"] for field in ("tp", "pp", "dp"))
    pps = sorted({layout.pp for layout in valid if layout.tp == tp})
    dps = sorted({layout.dp for layout in valid if (layout.tp, layout.pp) == (tp, pp)})
    eps = sorted({layout.ep for layout in valid if (layout.tp, layout.pp, layout.dp)
                  == (tp, pp, dp)})
    mid.selectbox(LABELS["tp"], tps, key="plan.tp", on_change=_pin_layout,
                  args=("tp",))
    mid.selectbox(LABELS["pp"], pps, key="plan.pp", on_change=_pin_layout,
                  args=("pp",))
    mid.selectbox(LABELS["dp"], dps, key="plan.dp", on_change=_pin_layout,
                  args=("dp",), help="offered where TP x PP x DP fills every GPU")
    if eps == [False]:  # dense, TP=1 or experts that do not divide: the EP choice is kept
        mid.checkbox(LABELS["ep"], value=False, disabled=True, key="plan.ep_none",
                     help=_no_ep_why(spec, cluster, ParallelLayout(tp=tp, pp=pp, dp=dp,
                                                                   ep=True)))
    else:
        mid.checkbox(LABELS["ep"], disabled=len(eps) == 1, **bind("plan", "ep"))
    return auto


def _limit_controls(right, spec: ModelSpec) -> None:
    """The memory budget (vLLM's default for the release until moved), max_model_len,
    max_num_seqs and max_num_batched_tokens."""
    utilization = state().gpu_memory_utilization
    if utilization is None:  # unset: vLLM's default for the sidebar's release (the rule
        # EngineSettings and the CLI use), seeded each run so the slider follows the release
        st.session_state["plan.gpu_memory_utilization"] = default_gpu_memory_utilization(
            state().vllm_version)
    right.slider(f"{LABELS['gpu_memory_utilization']}{release_default_note()}", 0.05, 1.0,
                 step=0.01,
                 help="the fraction of each GPU's memory vLLM may use (--gpu-memory-utilization)"
                 ". Until you move it, vLLM's default for the sidebar's release (0.92 from "
                 "0.20, 0.9 before), and it follows the release; a value you set is kept (gmu "
                 "in the link)", **bind("plan", "gpu_memory_utilization"))
    if utilization is not None:
        right.button("Use vLLM's default utilization", key="plan.release_utilization",
                     on_click=set_state, kwargs={"gpu_memory_utilization": None})
    # value=None: an emptied field is None (the window the release derives, engine.
    # default_max_model_len), not min_value; no
    # widget bounds, so an out-of-range number reaches the state, which refuses it aloud
    window = default_max_model_len(spec, vllm_rules(state().vllm_version).version)
    typed_input(right.number_input, f"{LABELS['max_model_len']} (empty: the model's)",
                value=None, step=1024, placeholder=f"the model's: {window:,}",
                **bind("plan", "max_model_len"))
    a, b = right.columns(2, vertical_alignment="bottom")  # level where a label wraps
    # a refusal under the pair, not in its half-wide column (typed_input)
    typed_input(a.number_input, LABELS["max_num_seqs"], value=None, step=1, placeholder="default",
                under=right, **bind("plan", "max_num_seqs"))
    # in words, the name in its help: "max_num_batched_tokens" does not fit its half column
    # at 1280 px, and was cut mid-name ("max_num_batched" / "_tokens")
    typed_input(b.number_input, LABELS["max_num_batched_tokens"], value=None, step=1024,
                placeholder="default",
                help="vLLM's max_num_batched_tokens (--max-num-batched-tokens): the most "
                "tokens one engine step schedules; empty: vLLM's default",
                under=right, **bind("plan", "max_num_batched_tokens"))


def _no_ep_why(spec: ModelSpec, cluster: ClusterSpec, with_ep: ParallelLayout) -> str:
    """Why the layout has no EP to choose, for the greyed box: a dense model, one GPU a
    replica, else vLLM's refusal of `with_ep` (routed experts, with EPLB's redundant ones, that
    do not divide TP x DP). It said "no routed experts" for all three."""
    if not spec.is_moe:
        return "no routed experts to spread over GPUs: a dense model"
    if with_ep.tp * with_ep.dp == 1:
        return "one GPU a replica (TP x DP = 1): no other GPU to spread the routed experts over"
    return " ".join(layout_refusals(spec, cluster, with_ep, held_scheme(),
                                    current_engine())) or (
        "no layout vLLM takes with EP at this TP x PP x DP")


def _more_options(container, spec, mtp_refused: tuple[str, ...],
                  block_sizes: list[int | None], moe_backends: list[str | None],
                  all2all_backends: list[str | None], skip_mm: bool, lm_only: bool,
                  encoder_tp: bool, eplb: bool, lora: bool, tower: bool,
                  runners: list[str], state_dtypes: tuple[str, ...],
                  cache_modes: tuple[str, ...], mamba_block: bool, prune: bool) -> None:
    """The KV block size (vLLM --block-size), the MoE backend (--moe-backend: MoE models, vLLM
    0.17 on), the all-to-all backend (--all2all-backend: MoE models, vLLM 0.11.1 on), EPLB and
    its redundant experts (`eplb`: MoE models, vLLM 0.9.2 on), speculative decoding
    (an EAGLE-3 drafter, and MTP on models with MTP layers: drafter_inputs),
    --skip-mm-profiling (`skip_mm`: models with a vision tower,
    vLLM 0.10.1 on), --language-model-only (`lm_only`: likewise, vLLM 0.17.0 on),
    --mm-encoder-tp-mode (`encoder_tp`: where data mode changes the plan, mm_modes),
    --video-pruning-rate (`prune`: models with a vision tower, vLLM 0.11.0 on),
    --limit-mm-per-prompt's counts (the modalities the model's class declares, mm_modes),
    --mm-processor-kwargs (the keys the model's processor reads, mm_processor),
    --enforce-eager (every model and release), VLLM_ALLOW_LONG_MAX_MODEL_LEN (likewise:
    allow_long_input), the model runner (`runners`: those the release
    runs, runner_choice), --mamba-cache-mode (`cache_modes`: the release's, for a model
    with Mamba or Gated DeltaNet layers) and --mamba-block-size (`mamba_block`: likewise,
    0.11.1 on), --enable-prefix-caching / --no-enable-prefix-caching (every model),
    --mamba-cache-dtype and --mamba-ssm-cache-dtype (`state_dtypes`:
    the release's, for a model with Mamba or Gated DeltaNet layers) and multi-LoRA serving
    (`lora`: where Headroom sizes the LoRA slots, planner.serving.lora; its vision tower
    option where `tower`: a vision tower Headroom sizes, planner.serving.lora.tower), folded
    away so the figures stay in view, its label counting those set ("More vLLM options (2
    set)"). A link that set one opened it: at 1366x768 eager=1 put TTFT and TPOT below the
    fold, lora=1 the verdict too (Llama 3.1 8B, 4 LoRAs of rank 16)."""
    current = state()
    modalities = mm_limits_offered([spec], kept=False)
    set_here = sum(map(bool, (
        current.num_speculative_tokens, current.speculative_model,
        current.num_speculative_tokens and current.spec_acceptance_length,
        current.skip_mm_profiling, prune and current.video_pruning_rate is not None,
        lm_only and current.language_model_only,
        encoder_tp and current.mm_encoder_tp_mode != "weights",
        set(modalities) & set(mm_limit_counts()),
        any(key in processor_keys(spec) for key, _ in processor_kwargs()),
        current.enforce_eager, current.allow_long_max_model_len,
        current.model_runner != "auto",
        state_dtypes and current.mamba_cache_dtype != "auto",
        state_dtypes and current.mamba_ssm_cache_dtype != "auto",
        cache_modes and current.mamba_cache_mode != "auto",
        mamba_block and current.mamba_block_size,
        current.prefix_caching != "auto",
        current.block_size, len(moe_backends) > 1 and current.moe_backend,
        len(all2all_backends) > 1 and current.all2all_backend, eplb and current.enable_eplb,
        lora and current.enable_lora, current.hf_overrides)))
    # a fixed key: the user's open or folded stays as the label's count changes (without a
    # key, a new label would make it a new element, folded again)
    with container.expander("More vLLM options" + (f" ({set_here}\u00a0set)" if set_here else ""),
                            key="plan.more_options"):
        # placeholder: Streamlit shows a None value as "Choose an option", not its label
        st.selectbox(LABELS["block_size"], block_sizes, format_func=block_label,
                     placeholder=block_label(None),
                     help="vLLM --block-size, tokens per KV cache block. vLLM's choice: "
                     f"{default_block_words()}, or the MLA backend's own size; the others are "
                     "the sizes this vLLM release's --block-size takes that Headroom plans "
                     "(multiples of 16). Some "
                     "start-ups need one: FlashInfer on Blackwell refuses head size 256 "
                     "(Gemma-2/3) in 16-token blocks under vLLM 0.11.1-0.17",
                     **bind("plan", "block_size"))
        _moe_options(moe_backends, all2all_backends, eplb, current.enable_eplb)
        drafter_inputs("plan", not mtp_refused)
        if skip_mm:
            st.checkbox(LABELS["skip_mm_profiling"], help="vLLM --skip-mm-profiling: the "
                        "start-up profile runs the language model only, so the vision "
                        "encoder's activation peak is yours to leave room for; it changes the "
                        "figures where Headroom models the encoder (the Qwen3-VL family, "
                        "Llama 4) and drops the warning where it does not",
                        **bind("plan", "skip_mm_profiling"))
        tower_mode_inputs("plan", lm_only, encoder_tp)
        if prune:
            typed_input(
                st.number_input, LABELS["video_pruning_rate"], value=None, step=0.05,
                placeholder="not passed",
                help="vLLM --video-pruning-rate: the fraction of each video's tokens "
                "Efficient Video Sampling drops after the encoder (Qwen2.5-VL, Qwen3-VL from "
                "vLLM 0.13, Qwen3.5 from 0.27; other models ignore it). Above 0, vLLM 0.32 on "
                "builds Qwen3-VL's and Qwen3.5's rotary cache 4 rows a position, not 1 (the "
                "weights figure's note says how much), and their encoder outputs carry 5 "
                "more channels. 0 <= R < 1 (a value outside is refused aloud)",
                **bind("plan", "video_pruning_rate"))
        mm_limit_inputs("plan", modalities)
        processor_inputs("plan", processor_keys(spec))
        st.checkbox(LABELS["enforce_eager"], help="vLLM --enforce-eager: no CUDA graphs are "
                    "captured, so their memory (the CUDA graphs figure) is 0 and, from vLLM "
                    f"{version_label(GRAPHS_SUBTRACTED_FROM)}, goes to the KV cache instead; "
                    "every step launches each layer's kernels from Python, so the step's "
                    f"per-layer overhead is x {EAGER_LAYER_OVERHEAD_FACTOR:g} (estimated, "
                    "unverified): TPOT rises, TTFT a little. Often used to save memory on "
                    "consumer GPUs",
                    **bind("plan", "enforce_eager"))
        allow_long_input("plan")
        runner_inputs("plan", runners, state_dtypes)
        mamba_paging_inputs("plan", cache_modes, mamba_block, prefix=True)
        hf_overrides_input("plan")
        if lora:
            _lora_options(current.enable_lora, tower)


def _moe_options(moe_backends: list[str | None], all2all_backends: list[str | None],
                 eplb: bool, eplb_on: bool) -> None:
    """The MoE backends where the release offers a choice (--moe-backend, --all2all-backend)
    and, where `eplb` is offered, EPLB with its redundant experts once it is on (`eplb_on`)."""
    backend_input("plan", "moe_backend", moe_backends,
                  "vLLM --moe-backend: the fused-MoE kernel for the routed experts; vLLM's "
                  "choice picks one for the GPU and weight format. The others are this vLLM "
                  "release's values. flashinfer_b12x (NVFP4 experts on RTX 50 / RTX PRO "
                  "Blackwell) adds its MoE workspace to the activation peak on vLLM "
                  "0.25-0.28; a backend vLLM refuses for this GPU or format is the plan's "
                  "error")
    backend_input("plan", "all2all_backend", all2all_backends, ALL2ALL_HELP)
    if eplb:
        st.checkbox(LABELS["enable_eplb"], help="vLLM --enable-eplb: "
                    "with expert parallelism only; vLLM moves experts between GPUs by "
                    "their load. Its expert maps and load statistics (and from vLLM 0.12 a "
                    "transfer buffer) are in the weights; its communication buffers are "
                    "not sized (the verdict says so)",
                    **bind("plan", "enable_eplb"))
        if eplb_on:
            typed_input(
                st.number_input, f"{LABELS['num_redundant_experts']} (empty: vLLM's default)",
                value=None, step=1, placeholder="not passed",
                help="EPLB's redundant experts per MoE layer (vLLM --eplb-config "
                "num_redundant_experts; --num-redundant-experts before 0.10.2): each "
                "GPU of the expert-parallel group holds (routed + redundant) / its size "
                "experts, so the weights grow and the KV cache shrinks",
                **bind("plan", "num_redundant_experts"))


def _lora_options(enabled: bool, tower: bool) -> None:
    """Multi-LoRA serving (vLLM --enable-lora) and, once on, its slots, rank and sharding, and
    where `tower` (a vision tower Headroom sizes) LoRA on it: a text model's box only ever
    unticked itself again, its refusal below the fold at 1366x768 (Qwen3-30B-A3B)."""
    st.checkbox(LABELS["enable_lora"], help="vLLM --enable-lora: a slot per LoRA adapter "
                "served in one batch in every layer vLLM wraps, allocated before the KV cache is "
                "sized: the weights grow (the LoRA slots figure), the KV cache shrinks. Wrapped: "
                "the attention and MLP projections (DeepSeek-V2/V3's MLA ones from vLLM 0.19 "
                "(with a q_lora_rank, DeepSeek-V3 / R1 and Kimi-K2, from 0.20; DeepSeek-V3.2 and "
                "GLM-5 also their sparse-attention indexer's wq_b, from 0.20)); on an MoE model "
                "every expert's and the router's (Nemotron-H: no router slots), with EP each "
                "GPU's own experts' (sized: unquantized or FP8 experts, FP8 on GPUs without FP8 "
                "from vLLM 0.20; int4 (GPTQ, AWQ, compressed-tensors) and NVFP4 experts from "
                "vLLM 0.20, on Marlin, NVIDIA GPUs only; gpt-oss's MXFP4 experts on Marlin, "
                "padded); the Gated-DeltaNet and Mamba2 projections and conv1d on Qwen3.5, "
                "Qwen3-Next and Nemotron-H; the embedding and lm_head where the model declares "
                "them; on a multimodal model its language model's, a vision tower only with the "
                "tower option below, where it is offered. CUDA graphs are captured twice, for no "
                "LoRA and for LoRAs (once on Model Runner V2 before vLLM 0.24). The speed adds "
                "the LoRA kernels' reads of the adapters in a batch (one per request, at most "
                "LoRAs per batch) and their FLOPs, not validated against measured LoRA runs",
                **bind("plan", "enable_lora"))
    if not enabled:
        return
    typed_input(st.number_input, LABELS["max_loras"], min_value=1, step=1,
                help="vLLM --max-loras: adapters served in one batch, a slot each",
                **bind("plan", "max_loras"))
    st.selectbox(LABELS["max_lora_rank"], MAX_LORA_RANKS,
                 help="vLLM --max-lora-rank: the slots' rank (the largest adapter rank served)",
                 **bind("plan", "max_lora_rank"))
    st.checkbox(LABELS["fully_sharded_loras"], help="vLLM --fully-sharded-loras: the LoRA A of "
                "column layers and B of row layers split over tensor parallel too (the rank and "
                "the hidden size must divide by TP)", **bind("plan", "fully_sharded_loras"))
    st.checkbox(LABELS["specialize_active_lora"], help="vLLM --specialize-active-lora: CUDA "
                "graphs captured for 0, each power of two up to the LoRAs per batch and one "
                "more active LoRAs, not only 0 and one more (5 graphs per size at 4 LoRAs, not "
                "2: more graph memory, less KV cache)",
                **bind("plan", "specialize_active_lora"))
    if tower:
        st.checkbox(LABELS["enable_tower_connector_lora"], help="vLLM "
                    "--enable-tower-connector-lora: the vision tower's and connector's linear "
                    "layers get LoRA slots too, with Punica buffers of their own (sized for "
                    "the Qwen3-VL tower of Qwen3-VL, Qwen3-VL-MoE, Qwen3.5 and Qwen3.5-MoE, "
                    "Gemma 3's SigLIP tower, Llama 4's vision model, Gemma 4's tower "
                    "(vLLM 0.28 on: 0.20-0.27 fail at start-up with it) and LLaVA-NeXT's "
                    "SigLIP tower and projector (vLLM 0.29 on, where the config has "
                    "image_grid_pinpoints); with pipeline "
                    "parallel on the stages vLLM builds the tower on, the buffers on every "
                    "stage)",
                    **bind("plan", "enable_tower_connector_lora"))
    st.selectbox(LABELS["lora_dtype"], LORA_DTYPES,
                 help="vLLM --lora-dtype: the slots' element (auto: the model's dtype; "
                 "float16 or bfloat16: 2 bytes), passed when not auto",
                 **bind("plan", "lora_dtype"))


def _pin_layout(changed: str) -> None:
    """on_change of TP, PP or DP: the layout is the user's from now on (all three pinned).
    When the other two no longer make a valid layout with the changed one, they move to the
    valid layout with that value using the most GPUs (keeping DP, then PP, where possible)."""
    wanted = {field: st.session_state[f"plan.{field}"] for field in ("tp", "pp", "dp")}
    same = [lay for lay in current_valid_layouts() if getattr(lay, changed) == wanted[changed]]
    if same and not any((lay.tp, lay.pp, lay.dp) == tuple(wanted.values()) for lay in same):
        best = max(same, key=lambda lay: (lay.gpus, lay.dp == wanted["dp"],
                                          lay.pp == wanted["pp"], lay.tp == wanted["tp"]))
        wanted = {field: getattr(best, field) for field in wanted}
    set_state(**wanted)


def _layout_row(valid: tuple[ParallelLayout, ...]) -> None:
    """Under TTFT and TPOT, one row: a way back where the layout is pinned and the hardware's
    differs from the one shown, beside why each TP size is not offered. Above the figures,
    under a pinned TP's "not possible here" notice, the two rows put TTFT and TPOT at
    y = 841 at 1366x768 (TP=3 on 8 RTX 3090s, Qwen3-30B-A3B); a TP=2 on one GPU, shown at
    TP=1, offered "Use the hardware's layout (TP=1)", a button that changed nothing in sight."""
    spec = current_spec()
    other = None if state().tp is None else hardware_layout(spec)
    if state().tp is None or other == layout_for(spec):
        _explain_invalid_tp(valid)
        return
    back, why = st.columns([1, 2.2], vertical_alignment="center")
    # the button names the layout: bare, it said nothing of it
    back.button("Use the hardware's layout" + (f" ({other.label()})" if other else ""),
                key="plan.auto_layout", on_click=set_state,
                kwargs={"tp": None, "pp": None, "dp": None})
    with why:
        _explain_invalid_tp(valid)


def _kv_formula(request: PlanRequest, result: Plan) -> None:
    """KV bytes per token, total and per GPU, with the formula filled in; one formula where a
    GPU holds the whole model's KV (TP=1 without PP), where the two read the same twice."""
    spec, tp = request.model, request.layout.tp
    kv_b = served_kv_elem_bytes(spec, request.engine,
                                request.cluster.sizing_node.gpu.computes_bf16)
    where, layers = binding_stage_layers(result)
    figures = (("whole model (TP=1)", 1, None), (f"per GPU at TP={tp}{where}", tp, layers))
    alone = (tp, layers) == (1, None)  # the per-GPU formula would repeat the whole model's
    for label, ranks, stage in figures[:1] if alone else figures:
        lines, total = kv_formula_lines(spec, kv_b, ranks, stage)
        st.markdown(f"KV bytes per token, {label}: **{total:,} B**"
                    + (", all of it on each GPU" if alone else ""))
        st.code("\n".join(lines), language=None, wrap_lines=True)
    st.caption(kv_formula_note(spec, kv_b))


def _concurrency_curve(request: PlanRequest) -> go.Figure:
    """Concurrent requests the KV pool holds when max_model_len is set to each context."""
    limit = max(derived_max_model_len(request.model, vllm_rules(
        request.engine.vllm_version).version), request.engine.max_model_len or 0)
    xs, ys = [], []
    for tokens in sorted({*(t for t in _CURVE_POINTS if t < limit), limit}):
        engine = request.engine.model_copy(update={"max_model_len": tokens})
        result = plan(request.model_copy(update={"engine": engine}), nearest=False)
        xs.append(tokens)
        ys.append(result.max_concurrency)
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines+markers", name="concurrency"))
    # the label sits at the left end, below the line: the curve falls with context, so it is
    # high above one request there and never under the label
    fig.update_layout(
        shapes=[line_mark("y", 1, "dot")],
        annotations=[{"xref": "paper", "x": 0, "yref": "y", "y": 1, "text": "one request",
                      "showarrow": False, "xanchor": "left", "yanchor": "top"}],
        xaxis={"title": "context (max_model_len, tokens)", "type": "log", "tickvals": xs,
               "ticktext": [f"{x / 1024:g}K" for x in xs]},
        yaxis_title="concurrent requests", height=320, margin={"t": 30, "b": 10},
        modebar=MODEBAR)
    return fig


# session_state key of the open chart tab (a label of CHART_TABS). A comment, not a
# docstring: Streamlit's "magic" prints a bare string in a page script on the page.
CHARTS_KEY = "plan.charts"
CHART_TABS = ("Memory per GPU", "Concurrency vs context", "Throughput and latency")
# the open tab as last shown, kept across pages: Streamlit forgets the tabs' own state once
# the page is left, so the Memory tab was open again on return
_OPEN_CHART_KEY = "plan.open_chart"


def _charts(request: PlanRequest, result: Plan, speed: SpeedEstimate | None) -> None:
    """The memory bar, then the curves one tab at a time: a tab's chart is built only while
    it is open (lazy tabs), since building plotly figures is most of a rerun's time
    (bench/load.py), and the first screen needs the memory bar only."""
    names = list(CHART_TABS) if speed is not None else list(CHART_TABS)[:2]
    kept = st.session_state.get(_OPEN_CHART_KEY)
    if CHARTS_KEY not in st.session_state and kept in names:  # back from another page
        st.session_state[CHARTS_KEY] = kept
    tabs = st.tabs(names, key=CHARTS_KEY, on_change="rerun")
    st.session_state[_OPEN_CHART_KEY] = next(
        (name for name, tab in zip(names, tabs, strict=True) if tab.open), kept)
    if tabs[0].open:
        with tabs[0]:
            st.plotly_chart(memory_bar(result), width="stretch")
    if tabs[1].open:
        with tabs[1]:
            st.plotly_chart(_concurrency_curve(request), width="stretch")
    if speed is not None and tabs[2].open:
        with tabs[2]:
            speed_details(request, result, speed)


def _point_to_a_fitting_layout(request: PlanRequest) -> None:
    """A pinned layout that does not fit: name the hardware's layout when that one fits."""
    other = hardware_layout(request.model)
    if other is None or other == request.layout:
        return
    if plan(request.model_copy(update={"layout": other}), nearest=False).fits:
        st.info(f"{other.label()} fits this hardware: 'Use the hardware's layout' above "
                "switches to it.", icon=":material/lightbulb:")


def _trust_remote_code(spec: ModelSpec, runs: str) -> None:
    """The CLI's --trust-remote-code, for a model the release loads only with it: the choice
    changes the printed command, never a figure, and a ticked box (from a link too) says
    whose code the command runs (`runs`: auto_map's class)."""
    st.checkbox(f"{LABELS['trust_remote_code']} (vLLM --trust-remote-code)", help="adds vLLM's "
                "--trust-remote-code to the printed command, nothing else: Headroom runs no "
                "code and no figure changes. vLLM will then run the repository's own Python "
                "code (config.json's or tokenizer_config.json's auto_map), so review it first",
                **bind("plan", "trust_remote_code"))
    if state().trust_remote_code:
        st.warning(md_escape(f"This command runs {spec.name}'s own Python code "
                             f"({runs}) when vLLM loads it: review that "
                             "code first."), icon=":material/shield:")


def _what_if_checkpoint() -> None:
    """A checkpoint holding the what-if format, beside the command that loads it: it moves
    no figure (the weights are the format's either way), only what `vllm serve` loads. Among
    the controls it made the left column a field taller, and at 1280x800 TTFT and TPOT fell
    below the fold for every what-if format (README's seed: Qwen3-235B-A22B in W4A16)."""
    left, _ = st.columns([1.6, 2.2])  # the Quantization field's width, as it stood under it
    # the example names the format picked (it said "org/model-GPTQ" for AWQ and FP8 too)
    example = scheme(state().quant).label.split()[0]
    typed_input(left.text_input, CHECKPOINT_FIELD, placeholder=f"org/model-{example}",
                help="a repo id or path holding the what-if format: the launch command "
                "loads it", under=st, **bind("plan", "target_checkpoint"))


def _results(request: PlanRequest, result: Plan, valid: tuple[ParallelLayout, ...]) -> None:
    """Verdict, headline figures, memory bar, curve, command and every formula (`valid`: the
    layouts offered, for _layout_row)."""
    _verdict(request, result)
    # the key figures first under the verdict, the notes and warnings after every figure: at
    # 1280x800 a note above them (a mixed cluster's or idle GPUs' line, a warning, a setting
    # replaced) pushed TTFT and TPOT out of view, and at 1366x768 the planner's warnings
    # (Qwen3-VL-32B's --limit-mm-per-prompt one) put Weights and KV pool per GPU below it
    speed = _key_figures(request, result)
    _more_figures(result, speed)
    _layout_row(valid)
    _notes(request, result, speed)
    _charts(request, result, speed)
    _start_it(request, result)
    st.caption(model_runner_line(result))  # the report header's line
    _kv_formula(request, result)
    with st.expander("How every figure is computed"):
        terms_table(({"figure": t.label, "value": fmt.quantity(t.value, t.unit),
                      "formula": t.formula, "inputs": t.inputs_text, "note": app_words(t.note)}
                     for t in result.terms), "memory")


def _verdict(request: PlanRequest, result: Plan) -> None:
    """The verdict and the errors beside it."""
    # a fit on figures that leave parts out, or one whose longest request never completes
    # (STALLED_FIT), is shown as a warning, not a green "Fits"
    confident = result.verdict.startswith(CONFIDENT_FIT)
    (st.success if confident else st.warning if result.fits else st.error)(
        app_markdown(result.verdict))
    for message in errors_beside_verdict(result):  # the verdict's own is shown above
        st.error(app_markdown(message))
    if result.warnings:  # whole under the figures (_notes); in the first screen, a line
        st.caption(f":orange[:material/warning:] {md_escape(fmt.caveats_line(result.warnings))}")


def _fit_advice(request: PlanRequest, result: Plan, beside, under) -> None:
    """Where the plan does not fit, the nearest change that does (in `beside`: the room of the
    speed figures, beside the memory figures; above the figures, a plan that does not fit had
    its weights per GPU below the fold at 1366x768; under them, its text and Apply were cut at
    the bottom edge at 1280x800 where the verdict took four lines: Llama 3.1 8B at 131,072
    tokens on an RTX 4000 Ada), with a button that makes it `under` the memory figures, level
    with the advice's last lines: under the advice, it was 15 px below the fold at 1280x800
    where vLLM's refusal took six lines and the advice four (Qwen3-8B at 65,536 tokens)."""
    if result.nearest_fit:  # what to change, in view: "Start it" (below the fold) says it too
        beside.info(fit_advice_markdown(result.fit_advice),
                    icon=":material/lightbulb:")
    if result.nearest_fit_change:  # nearest_fit's settings: one click makes the change
        under.button("Apply", key="plan.apply_nearest_fit", help="sets the fields to the "
                     "nearest change beside it and plans again", on_click=set_state,
                     kwargs=fit_settings(request.model, request.cluster,
                                         result.nearest_fit_change))


def _notes(request: PlanRequest, result: Plan, speed: SpeedEstimate | None) -> None:
    """Under the speed figures: the settings replaced, the plan's warnings, the speed's EP
    note, the idle GPUs and, for a pinned layout that does not fit, the hardware's."""
    show_replaced()  # what settled_choices replaced (ui/settle.py), each named
    for message in result.warnings:
        st.warning(app_markdown(message))
    if speed is not None and speed.ep_marlin_note:  # the speed model on a warning's EP fact
        st.info(app_markdown(speed.ep_marlin_note), icon=":material/speed:")
    idle = idle_gpus(request.cluster, result)
    if idle:
        st.info(md_escape(idle), icon=":material/info:")
    if not result.fits and state().tp is not None:
        _point_to_a_fitting_layout(request)


def _key_figures(request: PlanRequest, result: Plan) -> SpeedEstimate | None:
    """One row under the verdict: TTFT, TPOT and output tokens/s at the chosen load (none
    where there is no speed), then Weights per GPU and KV pool per GPU; the speed's cap under
    it. In a row of their own under TTFT and TPOT, the memory figures were below the fold at
    1366x768 wherever the verdict took two lines (Qwen3-VL-32B at 131,072 tokens). Without
    speed figures (the plan does not fit), the nearest change that fits in their room."""
    load = current_load()
    est = estimate_speed(request, load, plan_result=result)
    if est is not None:
        cols = st.columns(5)
        speed_metrics(est, cols[:3])
        weights, pool = cols[3:]
    else:
        weights, pool, beside = st.columns([1, 1, 3])
    # the LoRA slots inside the weights in the CLI's words ("of them LoRA slots"), as the
    # memory bar's own segment shows them
    lora, kv_pool = result.lora_bytes_per_gpu, result.kv_cache_bytes_per_gpu
    weights.metric("Weights per GPU", fmt.gib(result.weights_bytes_per_gpu),
                   delta=f"{fmt.gib(lora)} of them LoRA slots" if lora else None,
                   delta_color="off", delta_arrow="off")
    pool.metric("KV pool per GPU", fmt.gib(kv_pool) if kv_pool >= 0 else "none",
                help=None if kv_pool >= 0 else f"the budget is short by {fmt.gib(-kv_pool)}")
    if est is None:  # after the metric: Apply under the weights, beside the advice
        _fit_advice(request, result, beside, weights)
    else:
        speed_cap_caption(est)
        if est.load != load:  # vLLM clamps the output (speed.context_rule): its note is first
            st.caption(md_escape(est.notes[0]))
    return est


def _more_figures(result: Plan, speed: SpeedEstimate | None) -> None:
    """Under the key row and the nearest fitting change: why there is no speed; the KV room,
    the context ceiling and the concurrency, with the captions on concurrency and context;
    then tokens/s per request and prefill tokens/s (with a speed) beside KV bytes per token
    per GPU."""
    if speed is None:
        st.info(no_speed_reason(result, current_load()), icon=":material/speed:")
    # the third column wider: under DP its label, "Concurrency at 163,840 tokens per replica",
    # was cut at 1280 px ("... per repl…"); both rows alike, so the figures stay aligned
    widths = [1, 0.9, 1.2]
    cols = st.columns(widths)
    cols[0].metric("KV room, one request (tokens)",
                   kv_room_text(result.kv_limited_context_tokens),
                   help="longest single request the KV pool holds: vLLM keeps one block "
                   "of the pool back (its null block), so this can be a block below the "
                   "verdict's KV tokens; '+': more than the search reaches")
    cols[1].metric("Context ceiling (tokens)", f"{result.max_context_tokens:,}",
                   help="the KV room capped at the longest max_model_len vLLM accepts")
    # under DP all replicas' concurrency in view, under one's (the CLI's "4.44 over 2
    # replicas"): it was the tooltip's only
    replica = per_replica(result.layout.dp)
    cols[2].metric(f"Concurrency at {result.max_model_len:,} tokens{replica}",
                   f"{result.max_concurrency:.2f}", delta=all_replicas(result) or None,
                   delta_color="off", delta_arrow="off")
    if refused := refused_concurrency(result):  # the figure as the CLI's plan and its JSON
        # give it, with the CLI's words under it (the metric read "none" where the CLI gave
        # 2.18: Qwen3-8B on a V100); a caption, whole, where the delta cut them under DP
        st.caption(md_escape(f"Concurrency {result.max_concurrency:.2f} ({refused}): what "
                             "the KV cache would hold, not requests vLLM serves."))
    if warm := warm_restart_text(result):  # Model Runner V2: the pool a restart sizes
        st.caption(md_escape(f"Warm restart: {warm}"))
    if stop := max_model_len_stop(result):  # as the CLI's line: a ceiling above max_model_len
        # read as the longest request, which the verdict says is max_model_len
        st.caption(md_escape(f"Context ceiling {result.max_context_tokens:,} tokens{stop}."))
    rates = st.columns(widths)  # under the captions on concurrency and context
    if speed is not None:
        rate_metrics(speed, rates[:2])
    # without a speed the row has no rates: the figure at its left, under the KV room, not
    # alone at its right after two empty columns (a refused plan's row read as missing figures)
    kv_column = rates[0 if speed is None else 2]
    kv_column.metric("KV bytes/token per GPU", f"{result.kv_bytes_per_token_per_gpu:,} B",
                     help=f"whole model: {result.kv_bytes_per_token:,} B per token")


def _start_it(request: PlanRequest, result: Plan) -> None:
    """The "Start it" part: the what-if's checkpoint, --trust-remote-code, the launch command
    or why there is none, and the warm-restart commands."""
    st.markdown("**Start it**")
    if state().quant != CHECKPOINT_QUANT:
        _what_if_checkpoint()
    if runs := remote_code_runs(request.model):
        _trust_remote_code(request.model, runs)
    if result.vllm_command:
        # a line per option (fmt.shell_block): wrapped whole, a flag was split after a hyphen;
        # a value longer than the block's width (an --hf-overrides JSON) wraps inside its own
        # line, where it scrolled sideways at 1280 px (wrap_lines: display only, the copy
        # button copies the block as written)
        st.code(fmt.shell_block(result.launch_lines), language="bash", wrap_lines=True)
    if result.launch_text:
        # the note can quote the config (its model_type): inert text, as the report shows it
        # no command: the note ends with the nearest change that fits (Plan.launch_text)
        if result.vllm_command:
            st.caption(app_markdown(result.launch_text))
        else:
            st.info(fit_advice_markdown(result.launch_text))
    if result.warm_restart_launch_lines:  # refused cold, fits warm: the command to run twice
        st.caption(md_escape(WARM_RESTART_LAUNCH_NOTE))
        st.code(fmt.shell_block(result.warm_restart_launch_lines), language="bash",
                wrap_lines=True)
    if result.v2_warm_restart_launch_note:  # as the command's (over nodes: HEAD_NODE_IP)
        st.caption(app_markdown(result.v2_warm_restart_launch_note))


def _apply_sweep_row(result: SweepResult, index: int) -> None:
    """on_click: make one sweep row the plan (quantization, layout, KV dtype)."""
    row = result.rows[index]
    set_state(**row_settings(current_spec(), current_cluster(), row.quant_key, row.layout,
                             row.kv_cache_dtype))


def _sweep_section(request: PlanRequest) -> None:
    """Every quantization x layout x KV dtype, best first: a table and a heatmap."""
    st.subheader("Sweep")
    objective_controls(st)
    load, objective, target = current_load(), state().sweep_objective, state().tpot_target_ms
    # the whole cluster, not its source line: that names the GPUs only, so a sweep made over
    # PCIe without P2P was shown, with its speed columns, after the link became NVLink
    key = (request.model.name, request.cluster.model_dump_json(),
           request.engine.model_dump_json(), load, objective, target)
    if st.button("Run the sweep", help="plans every valid combination (may take a second)",
                 key="plan.run_sweep"):
        try:
            st.session_state[_SWEEP_KEY] = (key, sweep(
                request.model, request.cluster, request.engine, objective=objective,
                tpot_ms_target=target, load=load))
        except USER_ERRORS as exc:
            st.error(md_escape(error_text(exc)))
    stored = st.session_state.get(_SWEEP_KEY)
    if stored is None or stored[0] != key:
        st.caption("Plans every quantization x layout x KV dtype this hardware can run.")
        return
    result: SweepResult = stored[1]
    checkpoint = param_check_warning(request.model, current_source())
    if checkpoint:  # every row is planned on the config's count, as the plan above
        st.warning(md_escape(checkpoint))
    own_key = checkpoint_scheme(request.model).key
    table = _sweep_table(result, own_key)
    # one replica's concurrency beside all replicas' only where a row has replicas (DP > 1):
    # without, the two columns are the same figure
    replicated = any(row.layout.dp > 1 for row in result.rows)
    st.caption(_sweep_caption(result, own_key, replicated, load, objective, target))
    _sweep_grid(table, replicated)
    for line in not_planned_lines(result):  # the combinations the grid has no row for
        st.caption(md_escape(capitalized(line)))
    _sweep_warnings(result)
    # kept in the session across pages (keep), as the sweep it draws
    metric = st.radio("Heatmap of", ["ceiling (tokens)", "concurrency"], horizontal=True,
                      **keep("plan.heatmap_metric", "ceiling (tokens)"))
    st.plotly_chart(sweep_heatmap(table, metric), width="stretch")
    if len(same := table[metric].dropna().unique()) == 1:  # one colour and "41k" in each cell,
        # no colour bar (ui.charts.sweep_heatmap): the figure it stands for, and that the
        # colours tell no combination apart (the table's other columns do)
        st.caption(f"Every combination has the same {metric}, {same[0]:,.10g}: the heatmap "
                   "tells none apart; the table above ranks them by its other columns.")
    layouts = table["layout"].nunique()
    if layouts > HEATMAP_MAX_LAYOUTS:
        st.caption(f"The heatmap shows the {HEATMAP_MAX_LAYOUTS} layouts with the best {metric} "
                   f"of {layouts}; the table above lists every combination.")
    index = st.selectbox("Use a row", range(len(result.rows)), key="plan.sweep_row",
                         format_func=lambda i: f"#{i + 1}: {table.iloc[i]['quantization']}, "
                         f"{table.iloc[i]['layout']}, KV {table.iloc[i]['KV dtype']}")
    st.button("Apply", on_click=_apply_sweep_row, args=(result, index))


def _sweep_table(result: SweepResult, own_key: str) -> pd.DataFrame:
    """The sweep's rows as the grid and the heatmap read them: a kind column (own, at load or
    what-if) only where a row is in another format than the checkpoint's `own_key`, a slot
    wait column only where the KV cache caps a row."""
    # a row the KV cache caps below the load's concurrency: its clients' wait for a slot
    # beside its speed, only where one is (the column would be empty otherwise)
    capped = any(row.kv_bound for row in result.rows)
    # rows in another format than the checkpoint's are made at load or what-ifs, a column
    # saying which only where one is (a quantized checkpoint is swept in its own format alone)
    what_ifs = any(row.quant_key != own_key for row in result.rows)
    return pd.DataFrame([{
        "format": row.quant_key,
        **({"own, at load or what-if": format_kind(row.quant_key, own_key)}
           if what_ifs else {}),
        "quantization": row.quant_label, "layout": row.layout.label(),
        # yes* and stalls as `sweep` and the Compare page write them (fits_cell): a tick
        # marked a row that fits only on figures leaving parts out like a plain fit
        "KV dtype": row.kv_cache_dtype, "fits": fits_cell(row),
        "ceiling (tokens)": row.max_context_tokens,
        "concurrency": round(row.max_concurrency_all_replicas, 2),
        "TPOT (ms)": fmt.rounded(row.tpot_ms, 1),
        "output tok/s": fmt.rounded(row.output_tokens_per_s),
        "TTFT (ms)": fmt.rounded(row.ttft_ms), "at concurrency": row.speed_concurrency,
        **({"slot wait (s)": fmt.rounded(row.kv_wait_ms / 1e3, 1) if row.kv_bound else None}
           if capped else {}),
        "per replica": round(row.max_concurrency, 2), "weights/GPU": fmt.gib(
            row.weights_bytes_per_gpu), "KV B/token/GPU": row.kv_bytes_per_token_per_gpu,
    } for row in result.rows])


def _sweep_caption(result: SweepResult, own_key: str, replicated: bool, load: ServingLoad,
                   objective: Objective, target: float | None) -> str:
    """The line over the grid: the checkpoint's own format's best row, what concurrency
    counts under replicas, the load the speed columns are at, and the sweep's notes."""
    # the what-ifs ranked above the checkpoint's own format are not servable as stored
    own = "".join(f"{md_escape(capitalized(line))} "
                  for line in own_format_line(result.rows, own_key))
    return (own
            + ("Concurrency: all data-parallel replicas together, as ranked (each replica "
             "holds its own KV pool: per replica is one's). " if replicated else "")
            + f"Speed columns at {load.input_len:,} input and {load.output_len:,} output "
            "tokens, " + ((f"each row at its best concurrency within the TPOT target of "
                           f"{decimal(target)} ms{tpot_target_missed(result)}." if target else
                           "each row at the concurrency "
                           "with the most output tokens/s (no TPOT target).")
                          if objective == "throughput" else
                          f"{counted(load.concurrency, 'request')} in flight{load.arriving} "
                          "(capped by the KV cache).")
            + "".join(f" {md_escape(capitalized(note))}" for note in result.context_notes)
            + "".join(f" {md_escape(capitalized(note))}"
                      for note in sweep_notes(result, enumerate(result.rows, 1))))


def _sweep_grid(table: pd.DataFrame, replicated: bool) -> None:
    """The ranked grid under short labels, the other columns one click away."""
    what_ifs = "own, at load or what-if" in table.columns
    capped = "slot wait (s)" in table.columns
    # at 1280 px the grid holds the ranked figures and the speed under short labels (the full
    # name is the tooltip); per replica and the memory columns are one click away: nothing
    # scrolls sideways and nothing is dropped. The weight format by its --target-quant name,
    # as the Recommend page's grid: its label in 190 px put a capped row's "slot wait (s)"
    # out of sight at 1280 px (the label is under More columns, the heatmap and "Use a row").
    key_grid(table, {
        "format": "format", **({"own, at load or what-if": "kind"} if what_ifs else {}),
        "layout": "layout", "KV dtype": "KV", "fits": "fits",
        "ceiling (tokens)": "ceiling", "concurrency": "conc.", "TPOT (ms)": "TPOT ms",
        "output tok/s": "tok/s", "TTFT (ms)": "TTFT ms", "at concurrency": "at conc.",
        **({"slot wait (s)": "wait s"} if capped else {}),
    }, ["format", "layout", "KV dtype", "quantization",
        *(["per replica"] if replicated else []), "weights/GPU", "KV B/token/GPU"],
        "More columns: the weight format's full name, "
        + ("concurrency per replica, " if replicated else "")
        + "weights per GPU, KV bytes per token per GPU", height=280, placeholder="—")


def _sweep_warnings(result: SweepResult) -> None:
    """A warning per set of rows that fit on figures leaving parts out, or whose longest
    request never completes."""
    for parts, ranks in unmodelled_ranks(enumerate(result.rows, 1)).items():
        st.warning(md_escape(  # fits on figures that leave parts out: no confident fit
            f"yes*: {counted(len(ranks), 'row')} ({rank_runs(ranks, '')}, counted from the "
            f"top) fit on figures that leave out {parts}: {unmodelled_risk(parts)} (the Plan "
            "above gives the warning for its own settings)."))
    for parts, stalled in stalled_ranks(enumerate(result.rows, 1)).items():  # no confident fit
        st.warning(md_escape(f"stalls: {plural(len(stalled), 'Row').title()} "
                             f"{rank_runs(stalled, '')} (counted from the top): "
                             f"{stalled_meaning(parts)} (the Plan above gives the "
                             "warning for its own settings)."))


st.title("Plan")
try:
    valid = _controls()
    request = current_request()
    # the checkpoint's parameter check where it disagrees, among the warnings, as `plan`'s
    result = with_param_check(plan(request), request.model, current_source())
except USER_ERRORS as exc:
    show_error("Cannot plan this", exc)
    show_replaced()
    show_the_way_out()
    st.stop()
_results(request, result, valid)
_sweep_section(request)
