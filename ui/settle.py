"""The settings every page plans, settled before any page plans them: a linked or kept setting
that cannot run here (a TP the cluster cannot hold, MTP on a model without it, a block size or
MoE backend the sidebar's release refuses, a KV dtype the GPU cannot run, ...) is replaced by the
nearest valid one, with a warning saying why. It ran on the Plan page only, so Report, Compare
and Recommend planned what the Plan page replaces, and one link gave two reports depending on
the page opened first (review h427 #2)."""

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from typing import NamedTuple

import streamlit as st

from planner.model.config.overrides import HF_OVERRIDE_KEYS
from planner.model.config.vision import GEMMA3_IMAGE_TOKENS, LLAMA4_MAX_TILES
from planner.model.quant import QuantScheme, checkpoint_scheme, scheme
from planner.model.spec import ModelSpec
from planner.report import checkpoint_label
from planner.serving.all2all import all2all_refusal
from planner.serving.auto_layout import valid_layouts
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec
from planner.serving.layout import ParallelLayout, first_moe, layout_errors
from planner.serving.lora.coverage import lora_refusal
from planner.serving.lora.tower import tower_model_refusal
from planner.serving.mm_modes import (
    LIMITS_READ_FROM,
    data_mode_inert,
    declared_modalities,
    tower_lora,
)
from planner.serving.mm_processor import (
    GEMMA3_PAN_AND_SCAN_CROPS,
    GEMMA4_SOFT_TOKENS,
    MAX_PATCHES_RANGE,
    MODELLED_KEYS,
    processor_keys,
)
from planner.serving.moe_backend import moe_backend_refusal
from planner.serving.plan import mtp_refusal
from planner.serving.runner_choice import runner_request_refusal
from planner.serving.speed import acceptance_refusal
from planner.serving.startup.attention_backend import (
    runnable_kv_cache_dtypes,
    unrunnable_kv_errors,
)
from planner.serving.startup.block_size import block_size_choices, block_size_refusal
from planner.serving.sweep import accepts_what_if, quant_candidates
from planner.serving.vllm_cli import VllmCli, unrecognized_flag, vllm_cli
from planner.serving.vllm_versions import (
    MM_LIMIT_PER_PROMPT,
    mamba_dtype_choices,
    mamba_flag_refusal,
    mamba_mode_choices,
    version_label,
    vllm_rules,
)
from planner.text import control_quoted, counted, decimal, md_escape, sentence
from planner.units import VLLM_KV_DTYPE
from ui.context import (
    USER_ERRORS,
    current_cluster,
    current_draft,
    current_engine,
    current_spec,
    error_text,
    layout_for,
)
from ui.state import (
    CHECKPOINT_OPTION,
    CHECKPOINT_QUANT,
    LABELS,
    MM_LIMIT_FIELDS,
    PROCESSOR_LABELS,
    RUNNER_NAMES,
    WHAT_IF_OPTION,
    bind,
    bind_processor_kwarg,
    block_label,
    field_label,
    mm_limit_counts,
    processor_kwargs,
    set_state,
    state,
    typed_input,
)

_REPLACED_KEY = "settle.replaced"
"""session_state: the settings replaced in this run (_keep_valid), for show_replaced."""
_REPLACED_ICON = ":material/swap_horiz:"


class Replaced(NamedTuple):
    """A setting that cannot run here and the value shown instead, as the page writes them."""

    name: str
    was: str
    now: str
    why: str

    @property
    def text(self) -> str:
        return (f"{self.name} = {self.was} is not possible here: {self.why} Showing "
                f"{self.name} = {self.now} instead.")


class Choices(NamedTuple):
    """What the Plan page offers once the state is settled."""

    mtp_refused: tuple[str, ...]
    skip_mm_refused: str | None
    lm_only_refused: str | None
    encoder_tp_refused: str | None
    eplb_refused: str | None
    quants: list[str]
    layouts: tuple[ParallelLayout, ...]
    kv_dtypes: list[str]
    block_sizes: list[int | None]
    moe_backends: list[str | None]
    all2all_backends: list[str | None]
    lora_refused: str | None
    tower_refused: str | None
    runners: list[str]
    state_dtypes: tuple[str, ...]
    cache_modes: tuple[str, ...]
    mamba_block: bool
    prune_refused: str | None = None


def settle_state() -> None:
    """Settle the state before a page plans it (called first by the Compare, Recommend and
    Report pages; the Plan page calls settled_choices); a model or hardware that cannot be
    read is left to the page, which says why. The settings replaced are shown here, at the
    top (show_replaced)."""
    with suppress(USER_ERRORS):
        settled_choices(plan_page=False)
    show_replaced()


def show_replaced() -> None:
    """The settings replaced in this run (_keep_valid), each in full: one as a warning, several
    folded under one line that names each change. Three at once (MTP, TP and DP from a link:
    nine lines at 1366x768) pushed the Plan page's verdict, TTFT and TPOT below the fold."""
    replaced: list[Replaced] = st.session_state.pop(_REPLACED_KEY, [])
    if len(replaced) == 1:
        st.warning(md_escape(replaced[0].text), icon=_REPLACED_ICON)
    elif replaced:
        changes = "; ".join(f"{r.name} {r.was} → {r.now}" for r in replaced)
        with st.expander(f":orange[**{len(replaced)} settings are not possible here**, "
                         f"replaced:] {md_escape(changes)}", icon=_REPLACED_ICON):
            for notice in replaced:
                st.warning(md_escape(notice.text))


def settled_choices(plan_page: bool = True) -> Choices:
    """Replace each setting that cannot run here, saying why (_keep_valid), and return the
    choices the Plan page offers (raises the owning module's errors); show_replaced shows
    what was replaced. Off the Plan page (`plan_page` False: the Compare and Recommend pages
    offer them for their own models, tower_mode_inputs) "Language model only" and "Encoder TP
    mode" are replaced only where the sidebar's release lacks the flag, not where the Plan
    page's model cannot take them, and so are the state dtypes (_state_dtypes)."""
    st.session_state[_REPLACED_KEY] = []
    _settle_drafter()  # before anything plans with it, whatever the model (current_engine)
    spec, cluster = current_spec(), current_cluster()
    mtp_refused = mtp_refusal(spec, EngineSettings(num_speculative_tokens=1,
                                                   vllm_version=state().vllm_version))
    # before any plan: a linked setting this model cannot take would refuse every layout; the
    # draft tokens of a drafter are kept (its refusals are the plan's, in vLLM's words)
    if mtp_refused and not state().speculative_model:
        _keep_valid("num_speculative_tokens", state().num_speculative_tokens, [0],
                    " ".join(mtp_refused))
    _settle_acceptance()
    skip_mm_refused = _vision_flag_refusal(spec, "--skip-mm-profiling")
    if skip_mm_refused:
        _keep_valid("skip_mm_profiling", state().skip_mm_profiling, [False], skip_mm_refused)
    prune_refused = _vision_flag_refusal(spec, "--video-pruning-rate")
    if prune_refused:
        _keep_valid("video_pruning_rate", state().video_pruning_rate, [None], prune_refused,
                    shown=_unset_in_words)
    lm_only_refused = _vision_flag_refusal(spec, "--language-model-only")
    lm_only_dropped = lm_only_refused if plan_page else _release_refusal("--language-model-only")
    if lm_only_dropped:
        _keep_valid("language_model_only", state().language_model_only, [False],
                    lm_only_dropped)
    encoder_tp_refused = _encoder_tp_refusal(spec)
    encoder_tp_dropped = (encoder_tp_refused if plan_page
                          else _release_refusal("--mm-encoder-tp-mode"))
    if encoder_tp_dropped:
        _keep_valid("mm_encoder_tp_mode", state().mm_encoder_tp_mode, ["weights"],
                    encoder_tp_dropped)
    eplb_refused = _eplb_refusal()
    if eplb_refused:
        _keep_valid("enable_eplb", state().enable_eplb, [False], eplb_refused)
    lora_refused = _lora_refusal(spec)
    if lora_refused:
        _keep_valid("enable_lora", state().enable_lora, [False], lora_refused)
    # the box is offered where vLLM wraps the tower and Headroom sizes it, not for a text
    # model, whose flag vLLM ignores (mm_modes.tower_lora says so)
    tower = tower_lora(spec, EngineSettings(enable_lora=True, enable_tower_connector_lora=True,
                                            vllm_version=state().vllm_version))
    tower_refused = tower.ignored or tower_model_refusal(spec, tower.wrapped)
    if tower_refused:
        _keep_valid("enable_tower_connector_lora", state().enable_tower_connector_lora,
                    [False], sentence(tower_refused))
    own = checkpoint_scheme(spec)
    quants = [CHECKPOINT_QUANT] + [k for k in quant_candidates(spec, cluster) if k != own.key]
    if state().quant not in quants:  # named as the field lists it, quoted: it has a colon
        _keep_valid("quant", state().quant, quants, _no_what_if_why(spec, cluster, own),
                    shown=lambda key: f'"{quant_option(checkpoint_option_label(), key)}"')
    valid = _redundant_experts_that_divide(spec, cluster, current_valid_layouts())
    if valid:
        _settle_layout(spec, cluster, valid)
    runners = runner_choices()
    _keep_valid("model_runner", state().model_runner, runners, sentence(runner_request_refusal(
        vllm_rules(state().vllm_version), state().model_runner) or ""),
        shown=RUNNER_NAMES.__getitem__)
    cli = vllm_cli(state().vllm_version)
    gpu = cluster.sizing_node.gpu
    kv_dtypes = runnable_kv_cache_dtypes(gpu, spec, cli)
    _keep_valid("kv_cache_dtype", state().kv_cache_dtype, kv_dtypes,
                " ".join(unrunnable_kv_errors(gpu, spec, state().kv_cache_dtype, cli))
                or "this vLLM release has no such --kv-cache-dtype.",
                shown=VLLM_KV_DTYPE.__getitem__)
    return Choices(mtp_refused, skip_mm_refused, lm_only_refused, encoder_tp_refused,
                   eplb_refused, quants, valid, kv_dtypes, _block_sizes(cli),
                   _backends(spec, cli, "moe_backend", "--moe-backend", moe_backend_refusal),
                   _backends(spec, cli, "all2all_backend", "--all2all-backend",
                             all2all_refusal), lora_refused, tower_refused, runners,
                   _state_dtypes(spec, plan_page), *mamba_paging_offered([spec]),
                   prune_refused=prune_refused)


def _settle_drafter() -> None:
    """A drafter that cannot be read (an unknown or gated repo, a local path, a malformed
    config) or that Headroom does not size (eagle.parse_eagle_draft) is replaced by none, its
    reason in the CLI's words (--speculative-model's exit 2); one a model or release refuses
    is kept, that plan's error in vLLM's words (eagle.eagle_refusals), as the CLI plans it."""
    try:
        current_draft()
    except USER_ERRORS as exc:
        _keep_valid("speculative_model", state().speculative_model, [""], error_text(exc),
                    nearest=False, shown=lambda name: name or "none")
        # its draft tokens go with it: kept, they asked for MTP (refused, on a model without
        # MTP layers, as a method the link never named; else planned as MTP unasked)
        _keep_valid("num_speculative_tokens", state().num_speculative_tokens, [0],
                    "they were the EAGLE-3 drafter's, which is replaced by none, not MTP's.")


def _settle_acceptance() -> None:
    """A mean acceptance length the draft tokens cannot emit (outside 1 to k + 1: k lowered
    after it was set, the drafts turned off, a link's) is replaced by none, decoding without
    the drafter, in the planner's words as the CLI refuses it (speed.acceptance_refusal)."""
    given = state().spec_acceptance_length
    refusal = acceptance_refusal(given, state().num_speculative_tokens)
    if refusal:
        _keep_valid("spec_acceptance_length", given, [None], sentence(refusal), nearest=False,
                    shown=lambda x: "none" if x is None else decimal(x))


def drafter_inputs(page: str, count: bool, one_row: bool = False) -> None:
    """The "EAGLE-3 drafter" field (a repo id, link key drafter), its method and, where
    `count` (the Plan page's model has MTP layers) or a drafter is named, the draft tokens
    (link key spec) and, with draft tokens, their mean acceptance length (acceptance_input):
    the Plan page's in its options list, the Compare and Recommend pages'
    on `one_row`, side by side, every model planned with the drafter (the CLI's
    --speculative-model, --speculative-method, --num-speculative-tokens). In the Plan page's
    narrow column the named drafter is spelled out whole under its field, which cut
    "acme/qwen3-32b-eagle3" to "acme/qwen3-32b-ea" at 1280 px."""
    drafter = bool(state().speculative_model)
    drafts = (count or drafter) and state().num_speculative_tokens > 0
    # with drafts, the acceptance length beside them: the repo id keeps its third of the row
    # (at 1024 px a quarter would cut "acme/qwen3-32b-eagle3")
    name, method, tokens, *accept = (
        st.columns([1.6, 1, 1, 1.2] if drafts else 3, vertical_alignment="bottom") if one_row
        else (st,) * 4)
    typed_input(name.text_input, LABELS["speculative_model"], placeholder="org/drafter-EAGLE3",
                help="a separate EAGLE-3 drafter checkpoint's repo id, read from the hub "
                "as the Model page's model is (vLLM --speculative-config method eagle3, "
                "the CLI's --speculative-model): a Llama-style head (llama_eagle3.py) "
                "of the target's width, vLLM 0.17 on. Its weights join the last pipeline "
                "stage's GPUs and its attention layers the KV cache; the speed figures "
                "model its drafts at a mean acceptance length you give, else decode "
                "without them. A model or release vLLM refuses it for is that plan's "
                "error, in vLLM's words",
                under=st, **bind(page, "speculative_model"))
    if drafter and not one_row:  # the options' column cuts a repo id at 17 characters
        st.caption(md_escape(state().speculative_model))
    if drafter:
        method.selectbox(LABELS["speculative_method"], ["eagle3"], help="vLLM "
                         "--speculative-config's method: eagle3, the one Headroom plans",
                         **bind(page, "speculative_method"))
    if count or drafter:
        # no widget bounds: the state refuses an out-of-range number aloud
        typed_input(
            tokens.number_input,
            ("Draft tokens" if drafter else LABELS["num_speculative_tokens"]) + " (0: off)",
            step=1, help="draft tokens per step: the drafter's (vLLM's num_speculative_tokens"
            ", which it needs with a drafter), else MTP speculative decoding with the model's "
            "own MTP layers (vLLM --speculative-config method mtp), whose weights and KV cache "
            "layers (and, on hybrid models, wider state pages) it adds; the speed figures "
            "model the drafts at a mean acceptance length you give, else decode without them",
            under=st, **bind(page, "num_speculative_tokens"))
    if drafts:
        acceptance_input(accept[0], page)


def acceptance_input(container, page: str) -> None:
    """The "Mean acceptance length" field (link key accept, the CLI's
    --spec-acceptance-length), shown where drafts are planned (drafter_inputs); empty: the
    speed figures decode without the drafter. No widget bounds: the state refuses a value
    under 1 aloud, and one over k + 1 is replaced by none in the planner's words
    (_settle_acceptance)."""
    k = state().num_speculative_tokens
    typed_input(
        container.number_input, LABELS["spec_acceptance_length"], value=None, step=0.1,
        format="%.2f", placeholder="none",
        help=f"the tokens each request's step emits on average, 1 to {k + 1} at "
        f"{counted(k, 'draft token')} (the bonus token included): vLLM's logged \"Mean acceptance "
        "length\" (its SpecDecoding metrics line, 1 + accepted / drafts; CLI: "
        "--spec-acceptance-length). Given, the speed figures model speculative decoding: "
        "TPOT = (verify step of k + 1 tokens a request + k drafter passes) / it; the "
        "drafter's timing is unvalidated (no speculative-decoding rows in the calibration "
        "data). Empty: decode without the drafter, as before",
        under=st, **bind(page, "spec_acceptance_length"))


def runner_choices() -> list[str]:
    """The model runners the sidebar's release runs, auto first (runner_choice.
    runner_request_refusal, the CLI's check): the "Model runner" box's options on the Plan,
    Compare and Recommend pages."""
    rules = vllm_rules(state().vllm_version)
    return [r for r in RUNNER_NAMES if not runner_request_refusal(rules, r)]


def _state_dtypes(spec: ModelSpec, plan_page: bool) -> tuple[str, ...]:
    """The state dtypes to offer the Plan page's model (state_dtypes_offered: none for a model
    without Mamba or Gated DeltaNet layers, whose kept choice waits for the next such one, or a
    release without the flags). A kept or linked dtype the release refuses is replaced by auto
    here, in its parser's words (mamba_flag_refusal, the CLI's check): on the Plan page where
    its model takes them, off it (`plan_page` False: the Compare and Recommend pages offer them
    for their own models) whatever the Plan page's model, as the tower modes."""
    if plan_page and not spec.has_state_layers:
        return ()
    release = state().vllm_version
    for field in ("mamba_cache_dtype", "mamba_ssm_cache_dtype"):
        refusal = mamba_flag_refusal(release, field, getattr(state(), field))
        if refusal:
            _keep_valid(field, getattr(state(), field), ["auto"], sentence(refusal))
    return state_dtypes_offered([spec])


def mamba_paging_offered(specs: Iterable[ModelSpec]) -> tuple[tuple[str, ...], bool]:
    """The Mamba cache modes to offer where one of these models (the Plan page's, or the
    Compare and Recommend pages' own) has Mamba or Gated DeltaNet layers, under the sidebar's
    release, auto first (vllm_versions.mamba_mode_choices; none before 0.15), and whether its
    parser takes --mamba-block-size (0.11.1 on); none for other models, whose kept choice
    waits for the next such one. A kept or linked value the release refuses is replaced by
    auto (the block size: not passed) here, in its parser's words (mamba_flag_refusal, the
    CLI's check)."""
    if not any(spec.has_state_layers for spec in specs):
        return (), False
    release = state().vllm_version
    for field, unset in (("mamba_cache_mode", "auto"), ("mamba_block_size", None)):
        refusal = mamba_flag_refusal(release, field, getattr(state(), field))
        if refusal:
            _keep_valid(field, getattr(state(), field), [unset], sentence(refusal),
                        nearest=False, shown=_unset_in_words)
    modes = mamba_mode_choices(vllm_rules(release).version)
    return ("auto", *modes) if modes else (), not mamba_flag_refusal(release,
                                                                      "mamba_block_size", 1)


PREFIX_CACHING_NAMES = {"auto": "default", "on": "on", "off": "off"}
"""The "Prefix caching" box's words for AppState.prefix_caching ("release default" ran 5 px
past the Plan page's options column at 1024 px)."""


def mamba_paging_inputs(page: str, modes: tuple[str, ...], block: bool, prefix: bool,
                        one_row: bool = False) -> None:
    """The "Prefix caching" box where `prefix` (the Plan page: every model; the Compare and
    Recommend pages: where one of their models has Mamba or Gated DeltaNet layers), the
    release's Mamba cache `modes` (mamba_paging_offered: auto first, none before vLLM 0.15)
    and, where its parser takes it (`block`), the Mamba block size, bound to the state (link
    keys prefix, mambamode, mambablock): the Plan page's in its options list, the Compare and
    Recommend pages' on `one_row`, side by side, as runner_inputs."""
    prefix_box, mode_box, block_box = (st.columns(3, vertical_alignment="bottom") if one_row
                                       else (st, st, st))
    if prefix:
        prefix_box.selectbox(
            LABELS["prefix_caching"], list(PREFIX_CACHING_NAMES),
            format_func=PREFIX_CACHING_NAMES.__getitem__, help="vLLM --enable-prefix-caching "
            "(on) / --no-enable-prefix-caching (off); default: neither passed, the "
            "release's own (on for a model with attention only; for a Mamba or Gated DeltaNet "
            "hybrid on from vLLM 0.28, off before). On a hybrid it sets how the state is paged: "
            "with it, a mamba cache mode (align: 2 state pages a request; all: a page per "
            "block); without it, 1 page. vLLM 0.10.2-0.11.0 turn it off for every hybrid, "
            "0.11.1-0.14 for one without Mamba prefix caching support (a warning quotes "
            "vLLM); 0.11.1-0.14 page a supporting model's state per block",
            **bind(page, "prefix_caching"))
    if len(modes) > 1:
        mode_box.selectbox(LABELS["mamba_cache_mode"], modes, help="vLLM --mamba-cache-mode: "
                           "how the state is paged under prefix caching (on for hybrids from "
                           "vLLM 0.28): all, a state page per block of the context (models "
                           "that support it, else vLLM falls back to align; up to 0.31), "
                           "align, 2 pages (3 with a prefill checkpoint); none and auto, the "
                           "release's own. Without prefix caching every mode is none, and 0.33 "
                           "on ignore the flag: a warning quotes vLLM where it changes or "
                           "drops the mode", **bind(page, "mamba_cache_mode"))
    if block:
        typed_input(block_box.number_input, f"{LABELS['mamba_block_size']} (empty: vLLM's)",
                    value=None, step=8, min_value=1, placeholder="not passed",
                    help="vLLM --mamba-block-size: in Mamba cache mode all, the "
                    "attention block is a multiple of it in place of the model's "
                    "Mamba chunk, so each request holds a state page per block; no "
                    "effect in align; vLLM refuses it without prefix caching "
                    "(hybrids before 0.28 by default), the plan's error in its "
                    "words", under=st, **bind(page, "mamba_block_size"))


def state_dtypes_offered(specs: Iterable[ModelSpec]) -> tuple[str, ...]:
    """The state dtypes (--mamba-cache-dtype, --mamba-ssm-cache-dtype) offered for these models
    (the Plan page's, or the Compare and Recommend pages' own): the sidebar's release's, auto
    first (vllm_versions.mamba_dtype_choices), where one of them has Mamba or Gated DeltaNet
    layers; () else."""
    if not any(spec.has_state_layers for spec in specs):
        return ()
    return mamba_dtype_choices(vllm_rules(state().vllm_version).version)


def allow_long_input(page: str) -> None:
    """The "Allow a context longer than the model's" box of `page` (the Plan page's "More vLLM
    options", the Compare and Recommend pages' vLLM options), bound to the state (link key
    longlen): the CLI's --allow-long-max-model-len (planner.serving.long_len)."""
    st.checkbox(LABELS["allow_long_max_model_len"], help="VLLM_ALLOW_LONG_MAX_MODEL_LEN=1: a "
                "max_model_len above the one vLLM derives from config.json (max_position_"
                "embeddings, rope scaling) is served with vLLM's warning instead of refused; "
                "the figures are at that length and the launch command sets the variable. "
                "vLLM warns that output past the model's length may be NaN or wrong, and the "
                "plan's warning says where the model's rotary cache ends: the verdict names "
                "that part unmodelled (the CLI's --allow-long-max-model-len)",
                **bind(page, "allow_long_max_model_len"))


def runner_inputs(page: str, runners: list[str], dtypes: tuple[str, ...],
                  one_row: bool = False) -> None:
    """The "Model runner" box (`runners`: runner_choices) and, where `dtypes` offers a choice
    (state_dtypes_offered), the "Conv state dtype" and "SSM state dtype" boxes of `page`, bound
    to the state (link keys runner, mambadt, mambassmdt): the Plan page's in its options list,
    the Compare and Recommend pages' on `one_row`, side by side. A runner vLLM refuses for a
    model is that model's plan error, in vLLM's words."""
    runner, conv, ssm = st.columns(3, vertical_alignment="bottom") if one_row else (st, st, st)
    runner.selectbox(LABELS["model_runner"], runners, format_func=RUNNER_NAMES.__getitem__,
                     help="vLLM's model runner: auto is the one this release picks for each "
                     "model (the Plan page names it under its figures); V1 or V2 plans that "
                     "runner's rules and the launch command asks it with "
                     "VLLM_USE_V2_MODEL_RUNNER=0 / =1 (the CLI's --model-runner). Offered where "
                     "the release runs it; a runner vLLM refuses for a model is that model's "
                     "error, in vLLM's words", **bind(page, "model_runner"))
    if len(dtypes) < 2:
        return
    conv.selectbox(LABELS["mamba_cache_dtype"], dtypes, help="vLLM --mamba-cache-dtype: the "
                   "dtype of each Mamba or Gated DeltaNet layer's conv state (a short window "
                   "of recent inputs), and of its SSM state where that is auto; auto: the "
                   "model dtype. Each request holds one state page per such layer: a narrower "
                   "dtype shrinks it, so the KV cache holds more tokens",
                   **bind(page, "mamba_cache_dtype"))
    ssm.selectbox(LABELS["mamba_ssm_cache_dtype"], dtypes, help="vLLM --mamba-ssm-cache-dtype: "
                  "the dtype of the SSM state (Mamba) or delta-rule state (Gated DeltaNet, "
                  "from vLLM 0.17; before, the conv state's), the larger part of the state "
                  "page; auto: the config's (Nemotron-H mamba_ssm_cache_dtype, Qwen3.5 "
                  "mamba_ssm_dtype) or the release's default, else the conv state's dtype",
                  **bind(page, "mamba_ssm_cache_dtype"))


def _settle_layout(spec: ModelSpec, cluster: ClusterSpec,
                   valid: tuple[ParallelLayout, ...]) -> None:
    """A pinned TP, PP and DP the cluster cannot hold, each to the nearest valid one, then EP
    where vLLM refuses it on the layout planned."""
    current = state()
    if current.tp is not None:
        why = " ".join(layout_errors(spec, cluster, ParallelLayout(tp=current.tp),
                                      held_scheme(), current.vllm_version)) or "see below."
        _keep_valid("tp", current.tp, sorted({layout.tp for layout in valid}), why)
        pps = sorted({layout.pp for layout in valid if layout.tp == current.tp})
        _keep_valid("pp", current.pp or 1, pps,
                    f"TP={current.tp} x PP must fit {counted(cluster.gpu_count, 'GPU')}.")
        dps = sorted({layout.dp for layout in valid
                      if (layout.tp, layout.pp) == (current.tp, current.pp or 1)})
        _keep_valid("dp", current.dp or 1, dps,
                    f"TP={current.tp} x PP={current.pp or 1} x DP must fill "
                    f"{counted(cluster.gpu_count, 'GPU')}.")
    chosen = layout_for(spec)
    eps = sorted({layout.ep for layout in valid
                  if (layout.tp, layout.pp, layout.dp) == (chosen.tp, chosen.pp, chosen.dp)})
    if eps:
        _keep_valid("ep", chosen.ep, eps,
                    "expert parallelism needs routed experts (with --enable-eplb, + the "
                    "redundant ones) that divide TP x DP.")


def current_valid_layouts() -> tuple[ParallelLayout, ...]:
    """Layouts vLLM accepts for this model, on this cluster, in the chosen weight format."""
    # auto_layout's rule: EPLB's redundant experts count with the routed ones in the EP size's
    return tuple(valid_layouts(current_spec(), current_cluster(), held_scheme(),
                               current_engine()))


def held_scheme() -> QuantScheme:
    """The weight format vLLM will hold: the what-if choice or the checkpoint's own."""
    quant = state().quant
    return checkpoint_scheme(current_spec()) if quant == CHECKPOINT_QUANT else scheme(quant)


def _in_words(value: object) -> str:
    """A setting's value as the page shows it: a checkbox's on or off, else as written."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _unset_in_words(value: object) -> str:
    """A flag's value as _in_words writes it, None (the flag left out) as "not passed", the
    Mamba block size box's placeholder."""
    return "not passed" if value is None else _in_words(value)


def quant_option(own: str, key: str) -> str:
    """A Quantization choice as the field lists it: the checkpoint's own format (`own`, as
    checkpoint_option_label names it) or a what-if."""
    return (CHECKPOINT_OPTION.format(label=own) if key == CHECKPOINT_QUANT
            else WHAT_IF_OPTION.format(label=scheme(key).label))


def checkpoint_option_label() -> str:
    """The checkpoint's format on the chosen hardware (report.checkpoint_label, node 0's GPU,
    whose dtype vLLM serves the model in): "BF16, served in FP16" on a GPU without bfloat16,
    where the box said "Checkpoint: BF16" above a plan sized in FP16 (an RTX 2080 Ti, a T4)."""
    return checkpoint_label(current_spec(), current_engine(), current_cluster().nodes[0].gpu)


def _keep_valid(field: str, value: object, options: list, why: str, *, nearest: bool = True,
                shown=_in_words) -> None:
    """When a linked value is not a valid choice here, fall back to the nearest valid one
    (numbers: the closest, larger on ties; else, or with nearest=False, the first) and keep why
    for show_replaced, the field named by its widget's label (ui.state.LABELS) and each value
    as `shown` writes it: a select box's as its list does (its format_func), not the state's
    key."""
    if value in options:
        return
    fallback = options[0]
    if nearest and isinstance(value, int) and not isinstance(value, bool):
        fallback = min(options, key=lambda option: (abs(option - value), -option))
    st.session_state.setdefault(_REPLACED_KEY, []).append(
        Replaced(field_label(field), control_quoted(shown(value)),
                 control_quoted(shown(fallback)), why))
    set_state(**{field: fallback})


def _redundant_experts_that_divide(spec: ModelSpec, cluster: ClusterSpec,
                                   valid: tuple[ParallelLayout, ...]
                                   ) -> tuple[ParallelLayout, ...]:
    """`valid`, or, where EPLB's redundant experts leave no layout with EP (the routed experts
    with them divide no TP x DP > 1 here) while EP is ticked, the layouts at vLLM's default
    count after saying so: EPLB runs with EP only, and the page opened on a layout without it
    that plan() refused ("vLLM refuses --enable-eplb without --enable-expert-parallel") under
    a greyed EP box."""
    current, moe = state(), first_moe(spec)
    redundant = current.num_redundant_experts
    if (moe is None or not (current.enable_eplb and current.ep and redundant)
            or any(layout.ep for layout in valid)
            or not any(layout.tp * layout.dp > 1 for layout in valid)):
        return valid
    _keep_valid("num_redundant_experts", redundant, [None],
                f"{moe.num_experts} routed + {redundant} redundant experts = "
                f"{moe.num_experts + redundant} divide no expert-parallel size (TP x DP) on "
                f"{counted(cluster.gpu_count, 'GPU')}, and EPLB runs with expert parallelism "
                "only.", nearest=False, shown=lambda n: "vLLM's default" if n is None else str(n))
    return current_valid_layouts()


def _no_what_if_why(spec: ModelSpec, cluster: ClusterSpec, own: QuantScheme) -> str:
    """Why the state's weight format is not a Quantization choice, the reason that applies
    (quant_candidates' rules): the checkpoint's own format, a quantized checkpoint (planned as
    stored), else a format vLLM does not run on this GPU. One sentence said all of them."""
    asked = scheme(state().quant)
    if asked.key == own.key:
        return (f"it is the checkpoint's own format, {own.label}, which the Quantization "
                "choice Checkpoint plans.")
    if not accepts_what_if(spec):
        return (f"{spec.name} is a quantized checkpoint ({own.label}), planned as stored: "
                "what-ifs are for 16-bit checkpoints.")
    gpu = cluster.sizing_node.gpu
    return (f"{asked.label} is not a format vLLM runs on the {gpu.name} (compute capability "
            f"{gpu.compute_capability or 'unknown'}), the what-ifs offered here.")


_TOWER_FLAGS = {"--skip-mm-profiling": "profile", "--language-model-only": "leave out",
                "--mm-encoder-tp-mode": "split", "--video-pruning-rate": "prune video for"}
"""The vision-tower flags the Plan page offers, each with what it does to the tower."""


def _vision_flag_refusal(spec: ModelSpec, flag: str) -> str | None:
    """Why a vision-tower flag (_TOWER_FLAGS) is not offered: no vision tower, or the sidebar's
    release's parser lacks the flag (before 0.10.1, 0.17.0, 0.10.2; the CLI's refusal, in its
    words); None: offered."""
    if not spec.vision:
        return f"{spec.name} has no vision tower to {_TOWER_FLAGS[flag]}."
    return _release_refusal(flag)


def _release_refusal(flag: str) -> str | None:
    """The CLI's refusal of `flag`, in its words, where the sidebar's release's parser lacks
    it; None where it has it."""
    missing = unrecognized_flag(flag, vllm_cli(state().vllm_version))
    return sentence(missing) if missing else None


def _encoder_tp_refusal(spec: ModelSpec) -> str | None:
    """Why --mm-encoder-tp-mode is not offered: _vision_flag_refusal's, or data mode plans as
    the default for this model and release (mm_modes.data_mode_inert: vLLM falls back to
    weights, or the tower is whole already); None: offered."""
    inert = data_mode_inert(spec, vllm_rules(state().vllm_version).version)
    return (_vision_flag_refusal(spec, "--mm-encoder-tp-mode")
            or (sentence(f"--mm-encoder-tp-mode data: {inert}") if inert else None))


def tower_modes_offered(specs: Iterable[ModelSpec]) -> tuple[bool, bool]:
    """Whether "Language model only" and "Encoder TP mode" are offered for these models (the
    Compare and Recommend pages' own): where one of them takes the flag as the Plan page
    offers it for its model (_vision_flag_refusal, _encoder_tp_refusal)."""
    specs = tuple(specs)
    return (any(not _vision_flag_refusal(s, "--language-model-only") for s in specs),
            any(not _encoder_tp_refusal(s) for s in specs))


def tower_mode_inputs(page: str, lm_only: bool, encoder_tp: bool, one_row: bool = False
                      ) -> None:
    """The "Language model only" box (`lm_only`) and "Encoder TP mode" select (`encoder_tp`)
    of `page`, bound to the state (link keys lmonly, mmtp): the Plan page's for its model, in
    its options list, the Compare and Recommend pages' for theirs (tower_modes_offered) on
    `one_row`, side by side, so that their results start one row higher."""
    box = select = st
    if one_row and lm_only and encoder_tp:
        box, select = st.columns(2, vertical_alignment="bottom")
    if lm_only:
        box.checkbox(LABELS["language_model_only"], help="vLLM --language-model-only: "
                       "serve the model text-only (every modality's limit 0, as "
                       "--limit-mm-per-prompt with each at 0): vLLM builds no vision tower, "
                       "so its weights leave each GPU, and profiles no encoder; the weights "
                       "figure's note says how much",
                       **bind(page, "language_model_only"))
    if encoder_tp:
        select.selectbox(LABELS["mm_encoder_tp_mode"], ["weights", "data"],
                        help="vLLM --mm-encoder-tp-mode: weights (vLLM's default) splits the "
                        "vision tower over the GPUs of a TP group like the language model; "
                        "data holds the whole tower on every GPU, each encoding its share of "
                        "the images: more weights per GPU at TP > 1 and an encoder profile "
                        "at the unsplit widths; the weights figure's note says how much",
                        **bind(page, "mm_encoder_tp_mode"))


def mm_limits_offered(specs: Iterable[ModelSpec], kept: bool = True) -> tuple[str, ...]:
    """The modalities a "... per prompt" count is offered for (mm_limit_inputs): those one of
    `specs`' classes declares (mm_modes.declared_modalities, as the CLI plans them), and, with
    `kept` (the Compare and Recommend pages) where one of them has a vision tower, every one
    given (those pages pass them all to each vision model, so a count set on the Plan page for
    a model not here is shown and can be cleared); in MM_LIMIT_FIELDS' order."""
    specs = tuple(specs)
    declared = {m for spec in specs for m in declared_modalities(spec) or ()}
    if kept and any(spec.vision is not None for spec in specs):
        declared |= set(mm_limit_counts())
    return tuple(m for m in MM_LIMIT_FIELDS if m in declared)


def mm_limit_inputs(page: str, modalities: Iterable[str], one_row: bool = False) -> None:
    """A count field for each modality in `modalities` (mm_limits_offered), bound to the state
    (link keys mmimage, mmvideo, mmaudio): vLLM --limit-mm-per-prompt, empty for vLLM's default;
    on `one_row`, side by side. A count the state refuses (below 0) is refused aloud, the
    field put back (no widget bounds: a browser clamps silently)."""
    modalities = tuple(modalities)
    places = (st.columns(len(modalities)) if one_row and len(modalities) > 1
              else [st] * len(modalities))
    for place, modality in zip(places, modalities, strict=True):
        field = MM_LIMIT_FIELDS[modality]
        typed_input(
            place.number_input, LABELS[field], value=None, step=1,
            placeholder=f"vLLM's {MM_LIMIT_PER_PROMPT}",
            help=f"vLLM --limit-mm-per-prompt '{{\"{modality}\": N}}': the most {modality} "
            f"items a request may carry (empty: vLLM's {MM_LIMIT_PER_PROMPT}). 0 takes the "
            "modality out of the encoder profile; every modality of the tower at 0 serves the "
            "model text-only, as Language model only. A count above 0 (planned from vLLM "
            f"{version_label(LIMITS_READ_FROM)}) caps the profile's dummy items at "
            "max_num_seqs x the count",
            under=st, **bind(page, field))


def hf_overrides_input(page: str) -> None:
    """The HF overrides field (link key hfov): vLLM --hf-overrides as the CLI takes it, applied
    to every model's config (ui.context.model_spec) and passed in each command; a value the
    CLI refuses is refused aloud in its words under the field, which keeps the text typed
    (typed_input)."""
    typed_input(st.text_input, LABELS["hf_overrides"], placeholder="none",
                help="vLLM --hf-overrides, a JSON object of config.json keys set before "
                f"planning, limited to {', '.join(HF_OVERRIDE_KEYS)}: e.g. a YaRN block to "
                "serve Qwen3 past its 40,960 tokens: {\"rope_scaling\": {\"rope_type\": "
                "\"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": 32768, "
                "\"rope_theta\": 1000000}, \"max_position_embeddings\": 131072} (from "
                "vLLM 0.30 the yarn block alone does not lengthen the derived max_model_len); "
                "for a model whose config.json has a text_config (Qwen3-VL, Qwen3.5), the "
                "same keys under it: {\"text_config\": {...}}. The derived context and the "
                "rotary cache follow it, and the command passes it",
                **bind(page, "hf_overrides"))


def processor_keys_offered(specs: Iterable[ModelSpec]) -> tuple[str, ...]:
    """The --mm-processor-kwargs keys the Compare and Recommend pages offer a field for: those
    one of their models' processors reads (mm_processor.processor_keys), and, where one of
    them has a vision tower, every key in force (processor_kwargs): those pages pass them all
    to each vision model, so a key set on the Plan page for a model not here is shown and can
    be cleared here; in MODELLED_KEYS' order."""
    specs = tuple(specs)
    read = {key for spec in specs for key in processor_keys(spec)}
    if any(spec.vision is not None for spec in specs):
        read |= {key for key, _ in processor_kwargs()}
    return tuple(key for key in MODELLED_KEYS if key in read)


def processor_inputs(page: str, keys: Iterable[str]) -> None:
    """A field for each --mm-processor-kwargs key in `keys` (the Plan page: its model's
    processor's, mm_processor.processor_keys; the Compare and Recommend pages:
    processor_keys_offered), bound to the state (link key mmkw: bind_processor_kwarg):
    Gemma 4's soft tokens among the values vLLM takes, Llama 4's tiles a number the state
    refuses aloud out of range (no widget bounds: a browser clamps silently), Gemma 3's pan
    and scan a box."""
    for key in keys:
        bound = bind_processor_kwarg(page, key)
        if key == "max_soft_tokens":
            st.selectbox(PROCESSOR_LABELS[key], [None, *GEMMA4_SOFT_TOKENS],
                         format_func=_soft_tokens_option, placeholder=_soft_tokens_option(None),
                         help="vLLM --mm-processor-kwargs max_soft_tokens: the soft tokens "
                         "Gemma 4's processor makes of an image, one of the values vLLM and "
                         "transformers take; it sets the image's token budget (vLLM 0.21 on) "
                         "and, with LoRA on the vision tower, its Punica batches (the video, "
                         "profiled first, is unchanged)", **bound)
        elif key == "max_patches":
            low, high = MAX_PATCHES_RANGE
            typed_input(st.number_input, f"{PROCESSOR_LABELS[key]} (empty: {LLAMA4_MAX_TILES})",
                        value=None, step=1, placeholder=f"the processor's {LLAMA4_MAX_TILES}",
                        help="vLLM --mm-processor-kwargs max_patches: the tiles of Llama "
                        f"4's largest image, {low} to {high:,}; it sets the encoder "
                        "profile's dummy images (activation term) and the tower LoRA's "
                        "tokens per item", **bound)
        else:
            tokens = (GEMMA3_PAN_AND_SCAN_CROPS + 1) * GEMMA3_IMAGE_TOKENS
            st.checkbox(PROCESSOR_LABELS[key], help="vLLM --mm-processor-kwargs "
                        "do_pan_and_scan: Gemma 3's largest image cut into "
                        f"{GEMMA3_PAN_AND_SCAN_CROPS} crops + itself, {tokens:,} tokens; the "
                        "tower LoRA's items per prompt follow, and the encoder profile runs "
                        f"{GEMMA3_PAN_AND_SCAN_CROPS + 1} tower passes an image: no more than "
                        f"the measured start-ups' from {tokens:,} batched tokens up, more "
                        "below (a warning)", **bound)


def _soft_tokens_option(tokens: int | None) -> str:
    """A Gemma 4 soft-token count as its field lists it."""
    return "the model's (default_output_length)" if tokens is None else f"{tokens:,}"


def _eplb_refusal() -> str | None:
    """Why --enable-eplb is dropped: the sidebar's release's parser lacks the flag (0.9.1; the
    CLI's refusal, in its words); None: offered to a MoE model, kept for a dense one."""
    return _release_refusal("--enable-eplb")


def _lora_refusal(spec: ModelSpec) -> str | None:
    """Why --enable-lora is not offered: the sidebar's release or the model is one whose LoRA
    slots Headroom does not size (planner.serving.lora.coverage.lora_refusal, the CLI's refusal, in
    its words); None: offered."""
    rules = vllm_rules(state().vllm_version)
    refusal = lora_refusal(spec, rules.version, rules.label)
    return sentence(refusal) if refusal else None


def _block_sizes(cli: VllmCli) -> list[int | None]:
    """The KV block sizes to offer under the sidebar's release, None (vLLM's choice) first:
    block_size_choices, and a linked size the release takes (block_size_refusal, the CLI's
    check); a linked size it refuses is dropped here, with its words, before any plan."""
    sizes: list[int | None] = [None, *block_size_choices(cli)]
    linked = state().block_size
    refusal = block_size_refusal(linked, cli) if linked else None
    if linked and not refusal and linked not in sizes:
        sizes.append(linked)  # 0.18 on take any multiple of 16
    _keep_valid("block_size", linked, sizes, sentence(refusal or ""), nearest=False,
                shown=block_label)
    return sorted(sizes, key=lambda size: size or 0)


def _backends(spec: ModelSpec, cli: VllmCli, field: str, flag: str,
              refusal: Callable[[str, VllmCli], str | None]) -> list[str | None]:
    """The values of `flag` (--moe-backend: the fixture's MoEBackend choices, 0.17 on;
    --all2all-backend: 0.11.1 on; none before) to offer a MoE model under the sidebar's
    release, None (vLLM's choice) first, as the CLI's flag takes them. A kept or linked
    `field` the release refuses is dropped here, in its parser's words (`refusal`:
    moe_backend_refusal, all2all_refusal); a dense model offers none and leaves the choice
    kept for the next MoE model (current_engine plans it for MoE models only)."""
    if not spec.is_moe:
        return [None]
    backends: list[str | None] = [None, *cli.choices.get(flag, ())]
    chosen = getattr(state(), field)
    why = refusal(chosen, cli) if chosen else None
    _keep_valid(field, chosen, backends, sentence(why or ""), nearest=False,
                shown=backend_label)
    return backends


def all2all_backends_offered(specs: Sequence[ModelSpec]) -> list[str | None]:
    """The Recommend page's --all2all-backend choices for the models it searches: the Plan
    page's (_backends) where one of them is a MoE model, one choice for every row (recommend
    --all2all-backend); [None] where none is, the kept choice left for the next."""
    moe = next((spec for spec in specs if spec.is_moe), None)
    return [None] if moe is None else _backends(moe, vllm_cli(state().vllm_version),
                                                "all2all_backend", "--all2all-backend",
                                                all2all_refusal)


ALL2ALL_HELP = ("vLLM --all2all-backend: how the MoE layers send tokens to the experts on other "
                "GPUs and back; vLLM reads it only with DP > 1 and Expert parallel. "
                "deepep_high_throughput and deepep_low_latency need the deep_ep package, and "
                "their DeepEP buffers come off the KV pool (the all2all_buffers figure); vLLM's "
                "choice, allgather_reducescatter, holds none")
"""The "All-to-all backend" box's help, the Plan and Recommend pages'."""


def backend_input(page: str, field: str, backends: list[str | None], help_text: str) -> None:
    """The box of a MoE backend `field` (moe_backend, all2all_backend) on `page` where
    `backends` offers a choice (_backends, all2all_backends_offered), bound to the state (link
    keys moe, a2a), vLLM's choice first."""
    if len(backends) < 2:
        return
    st.selectbox(LABELS[field], backends, format_func=backend_label,
                 placeholder=backend_label(None), help=help_text, **bind(page, field))


def backend_label(backend: str | None) -> str:
    return "vLLM's choice" if backend is None else backend
