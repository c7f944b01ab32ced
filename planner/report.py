"""Reports: an audit (optional), a model, a plan (+ sweep, + comparison) -> Markdown, JSON, CSV.

Pure: no I/O, no Streamlit, no probes. The CLI (`python -m planner report`) and the app's
Report page build one `ReportInputs` and call `build_report`, so both print the same text.
The hardware audit enters as `AuditSummary`, a small flat model that probes/audit_summary.py
fills from a HardwareSnapshot and its findings. Nothing here ever sees a token or a secret:
the inputs carry none, so the outputs cannot.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from planner import __version__
from planner.catalog import PROVENANCE_LABELS
from planner.jsontext import indented_json
from planner.model.attention import model_kv_layers, turboquant_layers
from planner.model.attention.kvformat import KvBytes, describe
from planner.model.checkpoint import (
    ModelSource,
    ParamCheck,
    compare_param_counts,
    unread_headers,
)
from planner.model.params import count_params
from planner.model.quant import DTYPE_SCHEME, checkpoint_scheme, scheme
from planner.model.spec import (
    AttentionMixer,
    FieldSource,
    LayerSpec,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.auto_layout import compared_lora_note
from planner.serving.engine import (
    EngineSettings,
    model_served_dtype,
    served_kv_elem_bytes,
    vllm_window,
)
from planner.serving.hardware import ClusterSpec, GpuSpec
from planner.serving.hf_overrides import hf_overrides_errors, hf_overrides_notes
from planner.serving.launch import NO_COMMAND
from planner.serving.long_len import unmodelled_risk
from planner.serving.mm_modes import served_towers
from planner.serving.plan import (
    NO_FIT,
    WARM_RESTART_LAUNCH_NOTE,
    Plan,
    kv_room_text,
    unmodelled_ranks,
    verdict_stalled,
    verdict_unmodelled,
)
from planner.serving.processor_order import processor_order_spec
from planner.serving.recommend import Recommendation, ceiling_note
from planner.serving.speed import (
    ServingLoad,
    SpeedEstimate,
    cap_phrase,
    context_rule,
    speed_columns,
)
from planner.serving.sweep import Objective, SweepResult, SweepRow, format_kind, sweep_csv
from planner.serving.tie import served_spec
from planner.serving.vllm_versions import DEFAULT_VLLM_VERSION, listed_stand_in, vllm_rules
from planner.text import (
    counted,
    decimal,
    first_sentence,
    flags_as_code,
    layer_span,
    md_code_block,
    md_escape,
    params_count,
    per_replica,
    plural,
    rank_runs,
    ranks_by,
    shell_continued,
)
from planner.units import gib_text, number_as_given

REPORT_SCHEMA = "headroom.report"
REPORT_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- the audit, flattened for reports ----------------------------------------------------


class Fact(_Frozen):
    """One labelled value of a report table (host resources, serving stack)."""

    label: str
    value: str


class GpuRow(_Frozen):
    """One audited GPU as a report row."""

    index: int
    name: str
    memory_total_bytes: int | None
    memory_used_bytes: int | None
    pcie_link: str = Field(description="'Gen1 x16 (Gen4 x16)': the current link (an idle card "
                           "downclocks it) and, in brackets, the maximum the plan runs at; "
                           "'—' for a part unknown")
    power_limit_watts: float | None
    temperature_c: int | None
    ecc: str = Field(description="'on' / 'off' / '—'")
    nvlinks_active: int


class FindingRow(_Frozen):
    """One audit finding: what is wrong, the evidence and the mitigation."""

    code: str
    severity: Literal["info", "warning", "critical"]
    title: str
    evidence: str
    advice: str


class AuditSummary(_Frozen):
    """What a report shows of one node's hardware audit (built by probes/audit_summary.py)."""

    hostname: str
    taken_at: str = Field(description="ISO 8601 UTC time of the snapshot")
    gpus: tuple[GpuRow, ...]
    gpu_unavailable_reason: str | None = None
    driver_version: str | None
    cuda_version: str | None = Field(description="CUDA version the driver supports, '12.8'")
    cuda_toolkit_version: str | None
    topology: tuple[tuple[str, ...], ...] = Field(
        default=(), description="`nvidia-smi topo -m` matrix, header row first; () for one GPU"
    )
    topology_legend: tuple[Fact, ...] = ()
    host: tuple[Fact, ...] = Field(description="OS, CPU, RAM, swap, disks, ulimits")
    serving_stack: tuple[Fact, ...] = Field(description="package -> version ('—' if absent)")
    findings: tuple[FindingRow, ...] = ()


# --- the model card (also `python -m planner inspect`) -----------------------------------


def _mixer_label(layer: LayerSpec) -> str:
    """Short kind of one layer's token mixer: 'full', 'sliding(128)', 'mla', 'linear', ..."""
    mixer = layer.mixer
    if mixer is None:
        return "none"
    if isinstance(mixer, AttentionMixer) and mixer.kind == "sliding":
        return f"sliding({mixer.sliding_window})"
    return mixer.kind


def attention_pattern(spec: ModelSpec) -> str:
    """Run-length summary of the attention kind of every layer.

    Examples: '94x full'; gpt-oss-120b (36 layers, sliding 128 then full, repeated):
    '18x sliding(128) / 18x full alternating'; Qwen3-Next (3 linear then 1 full, 48 layers):
    '36x linear / 12x full, repeating every 4 layers (linear, linear, linear, full)'.
    """
    labels = [_mixer_label(layer) for layer in spec.layers]
    n = len(labels)
    period = next(p for p in range(1, n + 1) if all(labels[i] == labels[i % p] for i in range(n)))
    counts = Counter(labels)
    summary = " / ".join(f"{count}x {label}" for label, count in counts.items())
    if period == 1:
        return summary
    if period == 2 and len(counts) == 2:
        return f"{summary} alternating"
    if period < n and period <= 8:
        return f"{summary}, repeating every {period} layers ({', '.join(labels[:period])})"
    runs = 1 + sum(a != b for a, b in zip(labels, labels[1:], strict=False))
    return f"{summary}, in {runs} runs"


def _distinct(values: list[int]) -> str:
    """'4' when all equal, else the distinct values in first-seen order: '16 / 4'."""
    return " / ".join(str(v) for v in dict.fromkeys(values)) if values else "—"


class ModelCard(_Frozen):
    """The architecture card: the model's facts with the source of each field."""

    name: str
    source: str = Field(description="'catalog: ...', 'hub: org/name @ sha', 'file: path'")
    model_type: str
    architectures: tuple[str, ...]
    num_layers: int
    attention_pattern: str
    num_heads: str
    num_kv_heads: str
    head_dim: str
    experts: str | None = Field(description="'128 routed, 8 per token', None for dense")
    params_total: int
    params_active: int = Field(description="used per token: the routed experts not selected "
                               "left out, embeddings and lm_head counted in")
    params_embeddings: int = Field(description="the input embedding table, counted in "
                                   "params_active (publishers often leave it out: "
                                   "ParamBreakdown.active)")
    param_check: ParamCheck | None = Field(description="architecture vs checkpoint metadata")
    checkpoint_format: str
    stored_dtypes: dict[str, int] = Field(description="safetensors dtype -> stored elements")
    checkpoint_bytes: int | None
    max_context_tokens: int = Field(description="config.json's max_position_embeddings")
    vllm_version: str = Field(description="the vLLM release derived_max_model_len is for")
    derived_max_model_len: int = Field(description="the window vLLM `vllm_version` derives from "
                                       "config.json: the longest --max-model-len it accepts "
                                       "(engine.vllm_window)")
    derived_why: str = Field(description="why it differs from max_context_tokens (the key or "
                             "the rope scaling that set it); '' where it does not")
    extended_context_tokens: int | None
    rope_scaling: str | None
    fields: tuple[FieldSource, ...]
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]


def card_facts(card: ModelCard) -> list[tuple[str, str]]:
    """The card as (label, value) rows, shared by the report table and `inspect`."""
    # the rope scaling's length where it is not the one shown (context_note says why where
    # vLLM derives it; Kimi-K2's yarn x32 of 4,096 is its max_position_embeddings 131,072)
    extended = (f" ({card.rope_scaling}: {card.extended_context_tokens:,})"
                if card.extended_context_tokens
                and card.extended_context_tokens != card.derived_max_model_len else "")
    note = context_note(card.vllm_version, card.max_context_tokens, card.derived_why)
    note = f" ({note})" if note else ""
    size = "unknown" if card.checkpoint_bytes is None else gib_text(card.checkpoint_bytes)
    rows = [
        ("Source", card.source),
        ("Architecture", f"{card.model_type} ({', '.join(card.architectures) or '—'})"),
        ("Layers", str(card.num_layers)),
        ("Attention per layer", card.attention_pattern),
        ("Query heads", card.num_heads),
        ("KV heads", card.num_kv_heads),
        ("Head dim", card.head_dim),
        ("Experts", card.experts or "dense"),
        ("Parameters (total)", f"{card.params_total:,}"),
        ("Parameters (active per token)", f"{card.params_active:,} (embeddings included; "
         f"{card.params_active - card.params_embeddings:,} without the input embedding table)"),
        ("Checkpoint format", card.checkpoint_format),
        ("Checkpoint size", size),
        ("Max context", f"{card.derived_max_model_len:,} tokens{note}{extended}"),
    ]
    if card.param_check:
        rows.append(("Parameter check", card.param_check.explanation))
    if card.stored_dtypes:
        rows.append(("Stored dtypes", ", ".join(f"{k}: {v:,}" for k, v in
                                                card.stored_dtypes.items())))
    return rows


def context_note(vllm_version: str, max_position_embeddings: int, why: str) -> str:
    """Where vLLM's window is not max_position_embeddings (`why`: VllmWindow.why), what the
    card, `inspect` and the app say of it: "vLLM 0.19.0's derived max_model_len, not
    max_position_embeddings 40,960: yarn factor 4 x original_max_position_embeddings 32,768
    rope scaling"; "" where it is."""
    if not why:
        return ""
    return (f"vLLM {vllm_version}'s derived max_model_len, not max_position_embeddings "
            f"{max_position_embeddings:,}: {why}")


def source_label(source: ModelSource | None, spec: ModelSpec) -> str:
    """Where the config came from, with the resolved commit when known."""
    if source is None:
        return f"config: {spec.name or spec.model_type}"
    where = source.repo_id or "local config.json"
    commit = source.commit_sha or source.revision
    revision = f" @ {commit}" if commit else ""
    return f"{source.origin}: {where}{revision}"


def _source_caveat(label: str, source: ModelSource | None) -> str:
    """' (reconstructed, unverified; the hub is unreachable)': what the config is when it is
    not a verbatim copy, and why the hub's own answer is not the one used, when it is not."""
    why = source.fallback_reason if source else None
    said = "; ".join(part for part in (label, why) if part)
    return f" ({said})" if said else ""


def _heads(spec: ModelSpec) -> tuple[str, str, str]:
    """Query heads, KV heads and head_dim over all attention layers (MLA: the latent)."""
    attn = [layer.mixer for layer in spec.layers if isinstance(layer.mixer, AttentionMixer)]
    mla = [layer.mixer for layer in spec.layers if isinstance(layer.mixer, MlaMixer)]
    if mla:
        m = mla[0]
        return (
            _distinct([x.num_heads for x in mla]),
            f"latent: kv_lora_rank {m.kv_lora_rank} + rope {m.qk_rope_head_dim}",
            f"{m.qk_nope_head_dim + m.qk_rope_head_dim} (qk), {m.v_head_dim} (v)",
        )
    if not attn:
        recurrent = [layer.mixer for layer in spec.layers
                     if isinstance(layer.mixer, LinearAttentionMixer | MambaMixer)]
        kinds = ", ".join(sorted({m.kind for m in recurrent}))
        return "—", f"none (fixed {kinds} state)", "—"
    return (
        _distinct([m.num_heads for m in attn]),
        _distinct([m.num_kv_heads for m in attn]),
        _distinct([m.head_dim for m in attn]),
    )


def _experts(spec: ModelSpec) -> str | None:
    """'128 routed, 8 per token, 1 shared (MoE in 58 of 61 layers)' or None when dense."""
    moe = [layer.mlp for layer in spec.layers if isinstance(layer.mlp, MoeMlp)]
    if not moe:
        return None
    m = moe[0]
    text = f"{m.num_experts} routed, {m.experts_per_token} per token"
    if m.num_shared_experts:
        text += f", {m.num_shared_experts} shared"
    if len(moe) < spec.num_layers:
        text += f" (MoE in {len(moe)} of {spec.num_layers} layers)"
    return text


def param_check(spec: ModelSpec, source: ModelSource | None) -> ParamCheck | None:
    """The parameter count from planner.model.params (the vision tower's included) checked
    against the checkpoint's safetensors headers, where `source` read them (the hub, a local
    folder); None without checkpoint metadata (a bare config, the catalog)."""
    checkpoint = source.checkpoint if source else None
    if checkpoint is None:
        return None
    params = count_params(spec)
    return compare_param_counts(params.text_total, checkpoint, mtp_layers=spec.mtp_layers,
                                vision_params=params.vision)


def param_check_line(check: ParamCheck) -> str:
    """The check as the Model page and `plan` (a warning where the counts disagree) say it."""
    return f"Parameter check against the checkpoint: {check.explanation}"


def param_check_warning(spec: ModelSpec, source: ModelSource | None) -> str | None:
    """param_check_line where the checkpoint's stored count disagrees with the config's (more
    than 1 %), or why its safetensors headers were not read (unread_headers: a corrupt file or
    a missing shard, which vLLM refuses at load; a hub that did not answer in time): the
    warning `plan` (text and --json `warnings`), the app's Plan page and its sweep give, as
    inspect and the Model page say it; None where they agree or there is nothing to check
    against."""
    check = param_check(spec, source)
    if check is not None and check.agrees is False:
        return param_check_line(check)
    unread = unread_headers(source)
    return None if unread is None else (
        f"Parameter check against the checkpoint: not done ({unread}); the plan rests on "
        "config.json alone")


def with_param_check(result: Plan, spec: ModelSpec, source: ModelSource | None) -> Plan:
    """`result` with param_check_warning added to its warnings, where there is one."""
    warning = param_check_warning(spec, source)
    return result if warning is None else result.model_copy(
        update={"warnings": [*result.warnings, warning]})


def model_warnings(result: Plan, spec: ModelSpec,
                   asked: EngineSettings | None = None) -> tuple[str, ...]:
    """A compared model's warnings, each once: the plan's (with with_param_check's where the
    caller adds it, as the Plan page does), then the config's own (the Model page's, which no
    plan repeats), then, where `asked` (the settings the comparison asked for) has an
    --enable-lora `spec` is planned without, why (compared_lora_note). The Compare page lists
    them under its grid, `report --compare` under its table."""
    lora = compared_lora_note(spec, asked) if asked else None
    parser = served_towers(spec, result.engine).warnings  # of the towers the flags leave
    return tuple(dict.fromkeys((*result.warnings, *parser, *filter(None, [lora]))))


def model_card(spec: ModelSpec, source: ModelSource | None,
               vllm_version: str = DEFAULT_VLLM_VERSION, hf_overrides: str | None = None
               ) -> ModelCard:
    """The architecture card of `spec` (`inspect`, the Model page and every report): parameter
    counts from planner.model.params, checked against the checkpoint metadata when `source` has
    it (the count as vLLM `vllm_version` builds it: tie.served_spec); the context that release
    derives (the report's release; `inspect`: the default). `hf_overrides`: the --hf-overrides
    `spec` was read with (inspect's), whose notes and refusal at that release join the
    warnings."""
    rules = vllm_rules(vllm_version)
    window = vllm_window(spec, rules.version)
    # the tie this release builds, the processor files it reads
    served = processor_order_spec(served_spec(spec, vllm_version), rules.version)
    params = count_params(served)
    checkpoint = source.checkpoint if source else None
    check = param_check(spec, source)
    heads, kv_heads, head_dim = _heads(spec)
    rope = None
    if spec.rope_scaling_type:
        rope = f"{spec.rope_scaling_type} x{spec.rope_scaling_factor:g}" if (
            spec.rope_scaling_factor) else spec.rope_scaling_type
    label = PROVENANCE_LABELS.get(source.config_provenance, "") if source else ""
    marked = f"config.json ({label}): "
    fields = spec.fields if not label else tuple(
        f.model_copy(update={"source": f.source.replace("config.json: ", marked)})
        for f in spec.fields)
    return ModelCard(
        name=spec.name or (source.repo_id if source and source.repo_id else spec.model_type),
        source=source_label(source, spec) + _source_caveat(label, source),
        model_type=spec.model_type,
        architectures=spec.architectures,
        num_layers=spec.num_layers,
        attention_pattern=attention_pattern(spec),
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        experts=_experts(spec),
        params_total=params.total,
        params_active=params.active,
        params_embeddings=params.embeddings,
        param_check=check,
        # a mixed checkpoint's scheme is its experts' only: its summary names every format
        checkpoint_format=spec.quant.summary if spec.quant and spec.quant.module_formats
        else checkpoint_scheme(spec).label,
        stored_dtypes=dict(checkpoint.params_by_dtype) if checkpoint else {},
        checkpoint_bytes=checkpoint.safetensors_bytes if checkpoint else None,
        max_context_tokens=spec.max_position_embeddings,
        vllm_version=rules.label,
        derived_max_model_len=window.limit,
        derived_why=window.why(spec.max_position_embeddings),
        extended_context_tokens=spec.extended_context_tokens,
        rope_scaling=rope,
        fields=fields,
        assumptions=served.assumptions,
        warnings=spec.warnings
        + hf_overrides_errors(spec, hf_overrides, rules.version, rules.label)
        + hf_overrides_notes(hf_overrides, rules.version, rules.label),
    )


# --- KV formula with the model's own numbers -----------------------------------------------


def kv_formula_lines(spec: ModelSpec, kv_elem_bytes: KvBytes, tp: int,
                     layers: range | None = None) -> tuple[list[str], int]:
    """One line per group of identical layers, e.g. '94 layers x [max(1, 4 // 8) KV heads x
    (128 + 128) dims x 2 B = 512 B] = 48,128 B', and the sum over all layers (one rank), or
    over a PP stage's `layers` only (what one of its GPUs holds)."""
    kv_layers = turboquant_layers(model_kv_layers(spec), kv_elem_bytes)
    picked = kv_layers if layers is None else [kv_layers[i] for i in layers]
    groups = Counter(kv for kv in picked if kv is not None)
    lines, total = [], 0
    for kv, count in groups.items():
        per_layer = kv.bytes_per_token(kv_elem_bytes, tp)
        if per_layer == 0:
            lines.append(f"{count} {kv.kind} layers: fixed state per sequence, 0 B per token "
                         f"({kv.formula(kv_elem_bytes, tp)})")
            continue
        total += count * per_layer
        lines.append(f"{count} layers x [{kv.formula(kv_elem_bytes, tp)}] = "
                     f"{count * per_layer:,} B")
    return lines, total


def kv_formula_note(spec: ModelSpec, kv_elem_bytes: KvBytes) -> str:
    """The caption under the KV formulas: what an element is and how TP splits it. An MLA
    model (DeepSeek-V3, Kimi-K2) has no KV heads: its one latent per layer is whole on every
    GPU (planner.model.attention.mla.MlaKv)."""
    kinds = {kv.kind for kv in model_kv_layers(spec) if kv is not None}
    if "mla" in kinds and not kinds & {"full", "sliding"}:
        return (f"The latent (kv_lora_rank + rope dims) at {describe(kv_elem_bytes)}; MLA "
                "caches one latent per token per layer, whole on every GPU: TP does not split "
                "it.")
    return (f"K and V at {describe(kv_elem_bytes)}; KV heads are replicated, not split, once "
            "TP exceeds their count.")


def binding_stage_layers(plan: Plan) -> tuple[str, range | None]:
    """Under PP, the binding GPU's stage in words (", PP stage 1, layers 31-60") and its
    layers, whose KV is all one GPU holds; ("", None) without PP (every GPU holds them all)."""
    if plan.layout.pp == 1:
        return "", None
    rank = next(r for r in plan.per_gpu if r.rank == plan.binding_rank)
    first, end = rank.layers
    return f", PP stage {rank.pp_stage}, {layer_span(first, end)}", range(first, end)

# --- comparison rows and accuracy figures ---------------------------------------------------


class ComparisonRow(_Frozen):
    """One model of a comparison: the same GPUs and settings, the headline figures."""

    model_name: str
    layout: str
    params_total: int
    params_active: int
    weights_bytes_per_gpu: int
    weight_format: str = Field(description="the scheme key the row is planned in, as plan's "
                               "key: the report's plan's (a what-if or at-load format where "
                               "asked), each compared model's own checkpoint format")
    weight_format_label: str
    kv_bytes_per_token: int
    fits: bool
    max_context_tokens: int
    max_concurrency: float = Field(description="one DP replica's (each holds its own KV pool)")
    max_model_len: int
    verdict: str
    dp: int = Field(ge=1, description="the layout's data-parallel replicas")
    max_model_len_capped: bool = Field(
        default=False, description="a compared model planned at its own maximum "
        "max_model_len (vLLM's derived one), below the report's plan's, which every other "
        "row is at (planner.serving.auto_layout.compared_max_model_len)")
    ttft_ms: float | None = None
    """Speed at the report's load (planner.serving.speed); None: no speed (the model does
    not fit, or vLLM rejects one request of the load: speed.context_rule)."""
    tpot_ms: float | None = None
    output_tokens_per_s: float | None = Field(default=None, description="all requests")
    output_tokens_per_s_per_request: float | None = None
    prefill_tokens_per_s: float | None = None
    speed_concurrency: int | None = Field(default=None, description="requests in flight the "
                                          "speed is for: the load's, capped by the KV cache")
    warnings: tuple[str, ...] = Field(default=(), description="a compared model's warnings "
                                      "(model_warnings); none for the report's own model, "
                                      "whose warnings its memory plan lists")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def max_concurrency_all_replicas(self) -> float:
        """The requests the DP replicas hold together: DP x max_concurrency (one replica's),
        as the sweep's key of the same name."""
        return self.dp * self.max_concurrency


def comparison_row(plan: Plan, speed: SpeedEstimate | None = None,
                   warnings: Sequence[str] = (), plan_len: int | None = None) -> ComparisonRow:
    """The headline figures of one plan, for the model comparison table, with its speed at
    the report's load when given, and a compared model's warnings (model_warnings);
    `plan_len`: the report's plan's max_model_len, which a compared model planned below is
    capped under (compared_max_model_len)."""
    return ComparisonRow(
        max_model_len_capped=plan_len is not None and plan.max_model_len < plan_len,
        warnings=tuple(warnings),
        **speed_columns(speed),
        model_name=plan.model_name,
        layout=plan.layout.label(),
        params_total=plan.params_total,
        params_active=plan.params_active,
        weights_bytes_per_gpu=plan.weights_bytes_per_gpu,
        weight_format=plan.weight_format,
        weight_format_label=plan.weight_format_label,
        kv_bytes_per_token=plan.kv_bytes_per_token,
        fits=plan.fits,
        max_context_tokens=plan.max_context_tokens,
        max_concurrency=plan.max_concurrency,
        max_model_len=plan.max_model_len,
        verdict=plan.verdict,
        dp=plan.layout.dp,
    )


class AccuracyFigure(_Frozen):
    """The measured error of one estimated term against real vLLM start-ups."""

    term: str = Field(description="Plan term key: 'activation', 'non_torch', 'cuda_graphs'")
    label: str
    mape_percent: float | None = Field(description="mean absolute percentage error")
    cases: int | None
    note: str = ""


ACCURACY_LABELS = {
    "weights": "weights per GPU",
    "activation": "activation peak",
    "non_torch": "non-torch memory",
    "cuda_graphs": "CUDA graph estimate",
    "available_kv": "available KV memory",
    "kv_tokens": "KV cache tokens",
    "max_concurrency": "max concurrency",
    "num_blocks": "KV blocks",
    "max_concurrency_given_pool": "max concurrency, given the logged pool",
}
"""bench/accuracy.py figure key -> label used in the report."""

ACCURACY_RESULTS = "planner/accuracy_data/accuracy_results.json"
"""Measured planner error, where `python bench/accuracy.py --write` stores it (relative to the
checkout, which is also where the package installs it: package data beside this module); the
report names it, the edge reads it (cli/report_inputs.py)."""

SPEED_RESULTS = "planner/accuracy_data/speed_accuracy_results.json"
"""Measured speed-model error, stored by `python bench/speed_accuracy.py --write`, as above."""

PUBLIC_SPEED_RESULTS = "planner/accuracy_data/public_speed_results.json"
"""The speed model's error on published runs on GPUs without calibration rows, stored by
`python bench/public_speed.py --write`, as above."""


def accuracy_figures(document: dict) -> tuple[AccuracyFigure, ...]:
    """AccuracyFigures from ACCURACY_RESULTS, already parsed (pure: no file I/O).

    The note names the worst case, llm-d's published error for the same figure and the
    measurement date, e.g. 'worst 2.68 % (...); llm-d 6.70 %; measured 2026-01-01'.
    """
    date = document.get("date", "")
    out = []
    for key, fig in document.get("figures", {}).items():
        llm_d = f"; llm-d {fig['llm_d_published']}" if fig.get("llm_d_published") else ""
        out.append(AccuracyFigure(
            term=key, label=ACCURACY_LABELS.get(key, key), mape_percent=fig.get("mape_pct"),
            cases=fig.get("cases"),
            note=f"worst {fig.get('worst_pct')} % ({fig.get('worst_case')}){llm_d}; "
                 f"measured {date}",
        ))
    return tuple(out)


class SpeedAccuracy(_Frozen):
    """The speed model's measured error on held-out rows (bench/speed_accuracy.py --write)."""

    tpot_median_percent: float
    tpot_p90_percent: float
    ttft_median_percent: float
    ttft_p90_percent: float
    rows: int
    split: str
    measured_on: str = Field(description="GPUs, backends and links the rows cover")
    date: str


def speed_accuracy(document: dict) -> SpeedAccuracy:
    """SpeedAccuracy from SPEED_RESULTS, already parsed (pure)."""
    held = document["held_out"]["all"]
    return SpeedAccuracy(
        tpot_median_percent=held["tpot_median"], tpot_p90_percent=held["tpot_p90"],
        ttft_median_percent=held["ttft_median"], ttft_p90_percent=held["ttft_p90"],
        rows=held["rows"], split=document["split"], measured_on=document["measured_on"],
        date=document["date"],
    )


class PublicRunsError(_Frozen):
    """The speed model's absolute error on a group of bench/public_speed.py's published runs
    (median and p90 over the runs that publish the figure; None where none does)."""

    runs: int
    tpot_runs: int
    tpot_median_percent: float | None
    tpot_p90_percent: float | None
    ttft_runs: int
    ttft_median_percent: float | None
    ttft_p90_percent: float | None


class PublicSpeedAccuracy(_Frozen):
    """The speed model's error on published runs on GPUs without calibration rows, checking
    only, never fitted (bench/public_speed.py --write)."""

    overall: PublicRunsError
    by_gpu: dict[str, PublicRunsError] = Field(description="by GPU name, as Plan.gpu_name")
    date: str


def _runs_error(group: dict) -> PublicRunsError:
    return PublicRunsError(
        runs=group["runs"], tpot_runs=group["tpot_n"], tpot_median_percent=group["tpot_median"],
        tpot_p90_percent=group["tpot_p90"], ttft_runs=group["ttft_n"],
        ttft_median_percent=group["ttft_median"], ttft_p90_percent=group["ttft_p90"])


def public_speed_accuracy(document: dict) -> PublicSpeedAccuracy:
    """PublicSpeedAccuracy from PUBLIC_SPEED_RESULTS, already parsed (pure)."""
    summary = document["summary"]
    return PublicSpeedAccuracy(
        overall=_runs_error(summary["all"]),
        by_gpu={document["gpu_names"][key]: _runs_error(group)
                for key, group in summary["gpu"].items()},
        date=document["date"])


def _figure_error(figure: str, runs: int, median: float | None, p90: float | None) -> str:
    """'TPOT median 10.6 % (p90 47.6 %, 51 runs)', 'TPOT error 2.6 % (1 run)' (one run has no
    median nor p90 but its own error), or 'TTFT not published' (no run gives it)."""
    if median is None:
        return f"{figure} not published"
    if runs == 1:
        return f"{figure} error {median:.1f} % (1 run)"
    return f"{figure} median {median:.1f} % (p90 {p90:.1f} %, {counted(runs, 'run')})"


def public_runs_text(public: PublicSpeedAccuracy, gpu_name: str) -> str:
    """The speed model's error on the published runs on GPUs without calibration rows, and on
    those on `gpu_name` where it has some: what a report on such a GPU can expect."""
    def both(group: PublicRunsError) -> str:
        return (_figure_error("TPOT", group.tpot_runs, group.tpot_median_percent,
                              group.tpot_p90_percent) + ", "
                + _figure_error("TTFT", group.ttft_runs, group.ttft_median_percent,
                                group.ttft_p90_percent))
    text = (f"on {counted(public.overall.runs, 'published run')} on such GPUs "
            f"(bench/public_speed.py, checking only, never fitted; {public.date}): "
            f"{both(public.overall)}")
    on = public.by_gpu.get(gpu_name)
    if on is not None:
        text += f"; on the {gpu_name} ({counted(on.runs, 'run')}): {both(on)}"
    return text


# --- the report -------------------------------------------------------------------------------


class ReportInputs(_Frozen):
    """Everything one report shows; the CLI and the app's Report page both build this."""

    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="injected, for reproducibility")
    headroom_version: str = Field(default=__version__, description="planner.__version__")
    model: ModelSpec
    card: ModelCard
    cluster_source: str = Field(description="ClusterSpec.source: preset / live audit / snapshots")
    idle_gpus: str = Field(default="", description="the cluster's GPUs the plan's layout "
                           "leaves idle, and each node's GPU model where they are of several, "
                           "in words ('' when it uses them all, of one model): idle_gpus()")
    layout_rule: str = Field(default="", description="how the layout was chosen when nobody "
                             "chose one (planner.serving.auto_layout.AUTO_LAYOUT_RULE); '' when "
                             "the layout was given (CLI --tp/--pp/--dp, the Plan page's TP)")
    plan: Plan
    gpu_bf16: bool = Field(default=True, description="whether the plan's GPU computes "
                           "bfloat16 (False below compute capability 8.0): the dtype the KV "
                           "formula's 'auto' elements take (engine.served_dtype)")
    sweep: SweepResult | None = None
    sweep_top: int = Field(default=10, ge=1, description="sweep rows shown in Markdown")
    comparison: tuple[ComparisonRow, ...] = ()
    audits: tuple[AuditSummary, ...] = Field(default=(), description="one per audited node")
    accuracy: tuple[AccuracyFigure, ...] = ()
    accuracy_read: bool = Field(default=False, description="whether accuracy and "
                                "speed_accuracy are what the edge read from "
                                "planner/accuracy_data/ (cli/report_inputs.py; "
                                "public_speed_accuracy too): () or None then "
                                "means the file is absent or unreadable; False: the caller gave "
                                "none, which the report says")
    load: ServingLoad = Field(default=ServingLoad(), description="the load of every speed "
                              "figure: the plan's, the sweep's rows and the comparison's (at "
                              "the clamped output where vLLM clamps it: speed.context_rule, "
                              "SpeedEstimate.load)")
    speed: SpeedEstimate | None = Field(default=None, description="None: the plan does not "
                                        "fit, or vLLM rejects one request of the load "
                                        "(speed.context_rule)")
    speed_estimated: bool = Field(default=False, description="whether speed is "
                                  "estimate_speed's at load (cli/report_inputs.py), so None "
                                  "there says why (no_speed_reason); False and speed None: the "
                                  "caller gave none, which the report says")
    speed_accuracy: SpeedAccuracy | None = None
    public_speed_accuracy: PublicSpeedAccuracy | None = Field(
        default=None, description="the speed model's error on published runs on GPUs without "
        "calibration rows (bench/public_speed.py), quoted beside speed_accuracy")


class ReportBundle(_Frozen):
    """The same report in every export format."""

    markdown: str
    json_text: str = Field(description='{"schema": "headroom.report", "version": 1, ...}')
    csv_text: str = Field(description="the sweep table (header only when there is no sweep)")


def kv_pool_text(n_bytes: int) -> str:
    """The KV pool per GPU, or "none" and the shortfall when the budget cannot hold the rest
    (a negative pool), as the Plan page's KV pool metric says it (plan's text, the report)."""
    return (gib_text(n_bytes) if n_bytes >= 0
            else f"none (the budget is short by {gib_text(-n_bytes)})")


def warm_restart_text(plan: Plan) -> str:
    """The pool a Model Runner V2 restart with a warm torch.compile cache sizes, with its KV
    tokens and concurrency (Plan.v2_warm_restart_*), beside the plan's own first, cold-compile
    pool: "5.76 GiB = 41,936 KV tokens, 10.24 requests at 4,096 tokens (...)", as plan's text,
    the Plan page and the report show it; a pool the budget cannot hold is "none (the budget
    is short by 1.99 GiB; ...)", as the KV pool's own line says it, with no tokens to count;
    "" where the plan has none (off V2, or its figures are not read)."""
    pool = plan.v2_warm_restart_available_kv_bytes
    tokens = plan.v2_warm_restart_kv_cache_tokens
    concurrency = plan.v2_warm_restart_max_concurrency
    if pool is None or tokens is None or concurrency is None:
        return ""
    why = ("Model Runner V2 restarting with a warm torch.compile cache; this plan sizes the "
           "first, cold-compile start-up")
    if plan.v2_warm_restart_fits:
        again = ("the \"Warm restart\" command below, run again"
                 if plan.v2_warm_restart_commands else "the same vllm serve run again")
        why = ("Model Runner V2 restarting with a warm torch.compile cache: enough for the "
               "max_model_len request the first, cold-compile start-up is refused for; vLLM "
               "saves that cache in the refused start-up's profile run, before it sizes the KV "
               f"cache, so {again} with the cache kept (VLLM_CACHE_ROOT, without "
               "VLLM_DISABLE_COMPILE_CACHE) starts with this pool; a changed --max-model-len is "
               "another cache key and compiles cold again")
    if pool < 0:
        return f"none (the budget is short by {gib_text(-pool)}; {why})"
    replica = per_replica(plan.layout.dp)
    return (f"{kv_pool_text(pool)} = {tokens:,} KV tokens{replica}, {concurrency:,.2f} requests"
            f"{replica} at {counted(plan.max_model_len, 'token')} ({why})")


def text_columns(rows: list[list[str]]) -> list[str]:
    """Plain-text table lines: left-aligned columns two spaces apart (the CLIs' tables)."""
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table; every cell is escaped (planner.text.md_escape)."""
    lines = ["| " + " | ".join(md_escape(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return lines


def _header(inputs: ReportInputs) -> list[str]:
    return [
        f"# Headroom report: {md_escape(inputs.card.name)}",
        "",
        f"- Date: {md_escape(inputs.date)}",
        f"- Headroom version: {md_escape(inputs.headroom_version)}",
        f"- Model source: {md_escape(inputs.card.source)}",
        f"- Hardware source: {md_escape(inputs.cluster_source)}",
        f"- vLLM release whose rules apply: {release_label(inputs.plan.engine.vllm_version)}",
        f"- {model_runner_line(inputs.plan)}",
    ]


def model_runner_line(plan: Plan) -> str:
    """'vLLM model runner: V1 (why, with vLLM's source)' as inline Markdown (the report's
    header, the Plan page)."""
    return f"vLLM model runner: {plan.model_runner.upper()} ({md_escape(plan.model_runner_reason)})"


def release_label(vllm_version: str) -> str:
    """'0.33.0 (the default)', '0.10.2', or for a patch release without its own fixture
    '0.19.1 (the rules and flags of 0.19.0)' (vllm_versions.listed_stand_in)."""
    rules = vllm_rules(vllm_version)
    if rules.label == DEFAULT_VLLM_VERSION:
        return f"{rules.label} (the default)"
    listed = listed_stand_in(rules)
    return rules.label if listed is None else f"{rules.label} (the rules and flags of {listed})"


def _settings_label(plan: Plan, card: ModelCard) -> str:
    """'TP=8 + EP on 8x NVIDIA GeForce RTX 3090, weights GPTQ int4, group 128 (W4A16), KV
    cache auto, gpu-memory-utilization 0.9, max-model-len 40,960' (the seed report's)."""
    engine = plan.engine
    quant = (scheme(engine.target_quant).label + " (what-if)" if engine.target_quant else
             f"runtime --quantization {engine.quantization}" if engine.quantization else
             _served_format(plan, card))
    return (f"{plan.layout.label()} on {plan.gpus_label}, weights {quant}, "
            f"KV cache {engine.kv_cache_dtype}, gpu-memory-utilization "
            f"{number_as_given(engine.gpu_memory_utilization)}, "
            f"max-model-len {plan.max_model_len:,}")


def _served_format(plan: Plan, card: ModelCard) -> str:
    """The checkpoint's format, or where a 16/32-bit checkpoint is served in another dtype
    the planned one with the stored one (served_note): "FP16 (the BF16 checkpoint served in
    FP16, --dtype auto)", as the memory plan's weights line says FP16."""
    note = served_note(plan, card.checkpoint_format)
    return f"{plan.weight_format_label} ({note})" if note else card.checkpoint_format


def served_note(plan: Plan, stored: str) -> str:
    """"the BF16 checkpoint served in FP16, --dtype auto" where a 16/32-bit checkpoint (its
    format `stored`) is served in another dtype (--dtype, or auto: bfloat16 as float16 on a
    GPU without bfloat16, float32 downcast: engine.served_dtype); "" where the plan sizes it
    as stored or in another format (a what-if, --quantization). The report's Configuration
    line and plan's weight format line say it, so "FP16" is not read as the checkpoint's."""
    planned = plan.weight_format_label
    if plan.weight_format not in DTYPE_SCHEME.values() or planned == stored:
        return ""
    return f"the {stored} checkpoint served in {planned}, --dtype {plan.engine.dtype}"


def stored_as_served(stored: str, served: str) -> str:
    """"BF16, served in FP16": a 16/32-bit checkpoint's format (`stored`) with the dtype the
    GPU serves it in (`served`), or `stored` alone where they agree; the sweep caption's
    (own_format_line) and the app's Quantization box's (checkpoint_label) words."""
    return stored if served == stored else f"{stored}, served in {served}"


def checkpoint_label(spec: ModelSpec, settings: EngineSettings, gpu: GpuSpec) -> str:
    """The checkpoint's format as served on `gpu` (stored_as_served): "BF16, served in FP16"
    for a BF16 checkpoint on a GPU without bfloat16 (compute capability below 8.0: vLLM's
    --dtype auto serves it in float16, engine.served_dtype), the format alone where the GPU
    serves it as stored or the checkpoint is quantized."""
    own = checkpoint_scheme(spec)
    if own.key not in DTYPE_SCHEME.values():
        return own.label
    served = DTYPE_SCHEME[model_served_dtype(spec, settings, gpu.computes_bf16)]
    return stored_as_served(own.label, scheme(served).label)


def all_replicas(plan: Plan) -> str:
    """The concurrency the DP replicas serve together, "9.32 over 2 replicas" (DP x one
    replica's); "" for one replica."""
    dp = plan.layout.dp
    return f"{dp * plan.max_concurrency:,.2f} over {dp} replicas" if dp > 1 else ""


ITS_MAXIMUM = " (its maximum)"
"""After a compared model's max_model_len where it is planned at its own maximum, below the
plan's (ComparisonRow.max_model_len_capped): report --compare's "7.30 at 40,960 (its
maximum)", the Compare page's alike (ui.format.concurrency_text)."""


NO_KV_CACHE = "no KV cache"
"""The words a plan's concurrency carries where the budget leaves it no KV cache (kv_pool_text's
"none (the budget is short by ...)"): it holds no request, refused or not (the CLI read "0.00
... (vLLM refuses this plan: see the verdict)" and the Compare page "0.00 (refused)" for
Qwen3-30B-A3B on a V100, as if only the refusal stood between it and serving)."""


def refused_concurrency(plan: Plan) -> str:
    """Where vLLM refuses `plan` for another reason than memory (a max_model_len over the
    model's own, a GPU it has no kernels for, a layout: memory_shortfall_bytes_per_gpu None),
    the words its concurrency figure carries, in the CLI's line and the Plan page's caption
    alike: the figure is what the KV cache would hold, and vLLM serves none of it (the Plan
    page's metric read "none" where the CLI and its JSON gave 2.18: Qwen3-8B on a V100); ""
    where the plan fits or misses on memory, and where the budget leaves no KV cache
    (concurrency_note: NO_KV_CACHE). The Compare page marks such a figure "(refused)"
    (ui.format.concurrency_text)."""
    refused = not plan.fits and plan.memory_shortfall_bytes_per_gpu is None
    return "vLLM refuses this plan: see the verdict" \
        if refused and plan.kv_cache_bytes_per_gpu >= 0 else ""


def concurrency_note(plan: Plan) -> str:
    """The words after the CLI's concurrency figure: NO_KV_CACHE where the budget leaves no KV
    cache, else refused_concurrency's ("" where none)."""
    return NO_KV_CACHE if plan.kv_cache_bytes_per_gpu < 0 else refused_concurrency(plan)


def idle_gpus(cluster: ClusterSpec, plan: Plan) -> str:
    """The cluster's GPUs the plan's layout leaves idle: "This layout uses 8 of 16 GPUs; idle:
    node 1 GPUs 0-7." ('' when every GPU works and they are of one model). The plan's
    headline names only the GPUs used (Plan.gpus_label), so without this a cluster larger
    than the layout went unmentioned; where the GPUs used are of several models the nodes
    holding each are named: "This layout uses 8 of 12 GPUs: 4x NVIDIA GeForce RTX 3090
    (node 0), 4x NVIDIA GeForce RTX 4090 (node 1); idle: node 1 GPUs 4-7."; consecutive nodes
    idle alike are one entry: "idle: node 0 GPUs 6-7; nodes 1-3 GPUs 0-7"."""
    used: dict[int, int] = {}  # GPUs the layout uses on each node, in node order
    for r in plan.per_gpu:
        used[r.node] = used.get(r.node, 0) + 1
    names = {cluster.nodes[n].gpu.name for n in used}
    if plan.gpus_used >= cluster.gpu_count and len(names) == 1:
        return ""
    models = ": " + ", ".join(f"{count}x {cluster.nodes[n].gpu.name} (node {n})"
                              for n, count in used.items()) if len(names) > 1 else ""
    if plan.gpus_used >= cluster.gpu_count:
        return f"This layout uses all {cluster.gpu_count:,} GPUs{models}."
    busy = {(r.node, r.gpu_index) for r in plan.per_gpu}
    # consecutive nodes with the same idle GPUs are one entry, "nodes 1-63 GPUs 0-63" (TP=32
    # on 64 nodes x 64 listed "node 1 GPUs 0-63; node 2 GPUs 0-63; ..." 63 times)
    runs: list[tuple[list[int], list[int]]] = []  # (nodes, their idle GPUs)
    for n, node in enumerate(cluster.nodes):
        free = [g for g in range(node.gpus_per_node) if (n, g) not in busy]
        if runs and runs[-1][1] == free and runs[-1][0][-1] == n - 1:
            runs[-1][0].append(n)
        elif free:
            runs.append(([n], free))
    idle = []
    for nodes, free in runs:
        where = "" if len(cluster.nodes) == 1 else (
            f"node {nodes[0]} " if len(nodes) == 1 else f"nodes {nodes[0]}-{nodes[-1]} ")
        idle.append(f"{where}GPU{'s' if len(free) > 1 else ''} {rank_runs(free, '')}")
    return (f"This layout uses {plan.gpus_used:,} of {cluster.gpu_count:,} GPUs{models}; idle: "
            f"{'; '.join(idle)}.")


def _ceiling(plan: Plan) -> str:
    """The ceiling beside the KV-limited figure it is capped from, and which bound binds; and,
    where the plan's max_model_len is lower, that the server planned stops a request there
    (the verdict's "one request can reach 32,768 tokens")."""
    kv_room = plan.kv_limited_context_tokens
    if plan.kv_cache_bytes_per_gpu < 0:
        return (f"{plan.max_context_tokens:,} tokens (no KV cache: the budget is short by "
                f"{gib_text(-plan.kv_cache_bytes_per_gpu)})")
    if kv_room > plan.max_context_tokens:
        text = (f"{plan.max_context_tokens:,} tokens (the model's max_model_len binds; the KV "
                f"cache alone holds {kv_room_text(kv_room)} tokens for one request)")
    else:
        text = f"{plan.max_context_tokens:,} tokens (the KV cache binds)"
    return text + max_model_len_stop(plan)


def max_model_len_stop(plan: Plan) -> str:
    """"; served at max_model_len 32,768, a request stops there" where the plan's
    max_model_len is below its context ceiling (the ceiling is what a larger one reaches);
    "" otherwise."""
    if plan.max_model_len >= plan.max_context_tokens:
        return ""
    return f"; served at max_model_len {plan.max_model_len:,}, a request stops there"


def _summary(inputs: ReportInputs) -> list[str]:
    plan = inputs.plan
    lines = [
        "## Executive summary",
        "",
        f"- Verdict: {md_escape(plan.verdict)}",
        f"- Context ceiling (longest single request): {md_escape(_ceiling(plan))}",
        f"- Concurrency at max-model-len {plan.max_model_len:,}: "
        f"{plan.max_concurrency:,.2f} requests{per_replica(plan.layout.dp)}"
        + (f" ({all_replicas(plan)})" if plan.layout.dp > 1 else ""),
        _speed_summary(inputs),
        f"- Configuration: {md_escape(_settings_label(plan, inputs.card))}",
    ]
    if inputs.layout_rule and plan.layout.gpus > 1:  # one GPU: TP=1 is its only layout
        lines.append(f"- Layout chosen for this hardware: {md_escape(inputs.layout_rule)}")
    if inputs.sweep and inputs.sweep.rows:
        best = inputs.sweep.rows[0]
        speed = "" if best.output_tokens_per_s is None else (
            f"; TPOT {tpot_text(best.tpot_ms)}, {best.output_tokens_per_s:,.0f} output tokens/s "
            f"at {counted(best.speed_concurrency, 'request')}")
        kind = format_kind(best.quant_key, checkpoint_scheme(inputs.model).key)
        lines.append(f"- Best in the sweep (by {inputs.sweep.objective}): " + md_escape(
            f"{best.quant_label}{'' if kind == 'own' else f' ({kind})'}, "
            f"{best.layout.label()}, KV {best.kv_cache_dtype}: ceiling "
            f"{best.max_context_tokens:,} tokens, concurrency {sweep_concurrency(best)}"
            + speed))
    return lines


def _speed_summary(inputs: ReportInputs) -> str:
    """The summary's speed line: the plan's TTFT, TPOT and output tokens/s at the load, as
    Performance expectations gives them, or why there are none. Without it the summary named
    no speed: on the app's Report page it sat some eight screens down, under the memory plan."""
    speed = inputs.speed
    if speed is None:
        return f"- {no_speed_reason(inputs.plan, inputs.load, inputs.speed_estimated)}"
    load = speed.load
    asked = f" (of {load.concurrency:,} asked)" if speed.kv_bound else ""
    return (f"- Speed at {load.input_len:,} input and {load.output_len:,} output tokens, "
            f"{counted(speed.concurrency, 'request')} at once{asked}: TTFT "
            f"{speed.ttft_ms:,.0f} ms, TPOT {tpot_text(speed.tpot_ms)}, "
            f"{speed_cell(speed.output_tokens_per_s)} output tokens/s (all requests; how each "
            "is made: Performance expectations)")


def _audit_section(audit: AuditSummary) -> list[str]:
    lines = [f"### Host {md_escape(audit.hostname)} (audited {md_escape(audit.taken_at)})", ""]
    if not audit.gpus:
        lines += ["No GPU visible: "
                  + md_escape(audit.gpu_unavailable_reason or "unknown reason"), ""]
    else:
        lines += [md_escape(f"Driver {audit.driver_version or '—'}, CUDA (driver) "
                            f"{audit.cuda_version or '—'}, CUDA toolkit "
                            f"{audit.cuda_toolkit_version or 'not found'}"), ""]
        lines += md_table(
            ["GPU", "Name", "Memory total", "Used", "PCIe link now (max)", "Power limit", "Temp",
             "ECC", "NVLinks"],
            [[g.index, g.name,
              "—" if g.memory_total_bytes is None else gib_text(g.memory_total_bytes),
              "—" if g.memory_used_bytes is None else gib_text(g.memory_used_bytes), g.pcie_link,
              "—" if g.power_limit_watts is None else f"{g.power_limit_watts:.0f} W",
              "—" if g.temperature_c is None else f"{g.temperature_c} C", g.ecc,
              g.nvlinks_active] for g in audit.gpus],
        ) + [""]
    if audit.topology:
        lines += ["Topology (as `nvidia-smi topo -m`):", ""]
        lines += md_table(list(audit.topology[0]), [list(r) for r in audit.topology[1:]]) + [""]
        lines += ["Legend: " + md_escape("; ".join(f"{f.label} = {f.value}" for f in
                                                   audit.topology_legend)), ""]
    lines += ["Host resources:", ""]
    lines += md_table(["Resource", "Value"], [[f.label, f.value] for f in audit.host]) + [""]
    lines += ["Serving stack:", ""]
    lines += md_table(["Package", "Version"],
                      [[f.label, f.value] for f in audit.serving_stack]) + [""]
    if audit.findings:
        lines += ["Findings:", ""]
        lines += md_table(["Severity", "Finding", "Evidence", "Mitigation"],
                          [[f.severity, f.title, f.evidence, f.advice] for f in audit.findings])
    else:
        lines.append("Findings: no red flags.")
    return lines + [""]


def _cuda_totals(plan: Plan) -> str:
    """'23.57 GiB per GPU as CUDA reports it'; where the GPUs used report several totals (nodes
    of other GPU models), each with its nodes: 'CUDA total per GPU 23.57 GiB (node 0), 23.64
    GiB (node 1)' (rank 0's total was given for every GPU)."""
    nodes: dict[int, list[int]] = {}  # total -> the nodes whose used GPUs report it
    for r in plan.per_gpu:
        if r.node not in nodes.setdefault(r.total_bytes, []):
            nodes[r.total_bytes].append(r.node)
    if len(nodes) < 2:
        return f"{gib_text(next(iter(nodes), 0))} per GPU as CUDA reports it"
    return "CUDA total per GPU " + ", ".join(
        f"{gib_text(total)} ({plural(len(at), 'node')} {rank_runs(at, '')})"
        for total, at in nodes.items())


def _platform(inputs: ReportInputs) -> list[str]:
    plan = inputs.plan
    lines = ["## Platform", ""]
    lines += [md_escape(f"{plan.gpus_label}, {_cuda_totals(plan)} ({inputs.cluster_source}).")
              + (f" {md_escape(inputs.idle_gpus)}" if inputs.idle_gpus else ""), ""]
    if not inputs.audits:
        lines += ["No hardware audit was attached: driver, topology, host resources and "
                  "findings are not known (run `python -m probes --json > node.json` on each "
                  "node and pass `--snapshot node.json`).", ""]
    for audit in inputs.audits:
        lines += _audit_section(audit)
    return lines


def _model_facts(inputs: ReportInputs) -> list[str]:
    card = inputs.card
    rows = [list(fact) for fact in card_facts(card)]
    lines = ["## Model facts", ""] + md_table(["Fact", "Value"], rows) + [""]
    if card.fields:
        lines += ["Where each figure came from:", ""]
        lines += md_table(["Field", "Value", "Source"],
                          [[f.field, f.value, f.source] for f in card.fields]) + [""]
    return lines


def _memory_plan(inputs: ReportInputs) -> list[str]:
    plan, spec = inputs.plan, inputs.model
    buffers = any(r.runner_buffer_bytes for r in plan.per_gpu)  # vLLM 0.27 on
    # two tables of 8 columns or fewer, where and what: one of 15 scrolled sideways at 1280 px
    # in the app (and on GitHub), its last columns out of sight
    lines = ["## Memory plan", "", "Where each rank runs, and its budget:", ""]
    lines += md_table(
        ["Rank", "Node", "GPU", "PP stage", "Layers", "Total", "Budget", "Used by others"],
        [[r.rank, r.node, r.gpu_index, r.pp_stage, f"{r.layers[0]}-{r.layers[1] - 1}",
          gib_text(r.total_bytes), gib_text(r.budget_bytes), gib_text(r.used_by_others_bytes)]
         for r in plan.per_gpu],
    ) + ["", "What each rank's budget holds:", ""]
    lines += md_table(
        ["Rank", "Weights", "Activation", "Non-torch", *(["Runner buffers"] if buffers else []),
         "CUDA graphs", "KV cache", "Blocks"],
        [[r.rank, gib_text(r.weights_bytes), gib_text(r.activation_bytes),
          gib_text(r.non_torch_bytes), *([gib_text(r.runner_buffer_bytes)] if buffers else []),
          gib_text(r.cuda_graph_bytes), kv_pool_text(r.kv_cache_bytes), f"{r.num_blocks:,}"]
         for r in plan.per_gpu],
    ) + [""]
    elem = served_kv_elem_bytes(spec, plan.engine, inputs.gpu_bf16)
    total_lines, _ = kv_formula_lines(spec, elem, 1)
    where, layers = binding_stage_layers(plan)
    rank_lines, _ = kv_formula_lines(spec, elem, plan.layout.tp, layers)
    lines += ["KV cache bytes per token, with this model's numbers:", "", *md_code_block("text", [
        "whole model (TP=1):", *total_lines,
        f"  total = {plan.kv_bytes_per_token:,} B per token",
        f"one GPU at TP={plan.layout.tp}{where}:", *rank_lines,
        f"  per GPU = {plan.kv_bytes_per_token_per_gpu:,} B per token"
        + (f" (binding PP stage: rank {plan.binding_rank})" if plan.layout.pp > 1 else "")]), ""]
    replica = per_replica(plan.layout.dp)
    lines += [
        f"- KV pool per GPU: {kv_pool_text(plan.kv_cache_bytes_per_gpu)}"
        + (f" ({plan.kv_cache_bytes_per_gpu:,} B) = {plan.num_gpu_blocks:,} blocks of "
           f"{plan.block_size} tokens" if plan.kv_cache_bytes_per_gpu >= 0 else ""),
        *([f"- Warm restart: {md_escape(warm)}"] if (warm := warm_restart_text(plan)) else []),
        f"- KV cache tokens: {plan.kv_cache_tokens:,}{replica}",
        f"- Context ceiling: {_ceiling(plan)}",
        f"- Concurrency at {counted(plan.max_model_len, 'token')}: {plan.max_concurrency:,.2f}"
        f"{replica}" + (f" ({all_replicas(plan)})" if plan.layout.dp > 1 else ""),
    ]
    lines += [f"- Warning: {md_escape(w)}" for w in plan.warnings]
    lines += [f"- Error: {md_escape(e)}" for e in plan.errors]
    return lines + [
        "", "How each memory figure is made, with this model's numbers (activation, non-torch "
        "and CUDA graphs: Assumptions and limits):", "",
        *md_code_block("text", [f"{t.label}: {t.formula}" for t in plan.terms
                                if t.key not in (*ESTIMATED_TERMS, "kv_bytes_per_token_per_gpu")]),
        "", "Each memory figure's inputs (fitted_* constants: the v0.19 H100 fits, Assumptions "
        "and limits):", "",
        *[f"- {md_escape(t.label)}: {md_escape(t.inputs_text)}" for t in plan.terms], ""]


def link_phrase(speed: SpeedEstimate, plan: Plan) -> str:
    """The link a speed estimate charges, as its heading names it: "pcie-no-p2p link (PCIe 4.0
    x8)" with the PCIe slot it runs at (--pcie-gen/--pcie-lanes, a snapshot's, or the card's),
    "nvlink link"; "no link (no TP/PP/EP traffic)" where the plan has one pipeline stage and
    the estimate charges no all-reduce or all-to-all (TP=1, and no MoE layer gathers DP ranks:
    the speed terms' "TP=1: no all-reduce"), so no GPU waits on another; a replica spread over
    nodes adds "the network between nodes" (its stage hops or TP groups cross it), and so do
    DP replicas on several nodes whose MoE layers gather one another's tokens (the EP
    all-to-all or the DP MoE gather: DeepSeek-V3 at TP=8 x DP=2 on 2 nodes of 8 said "nvlink
    link" while its note put that traffic on the network)."""
    if plan.layout.pp == 1 and speed.allreduce_ms_per_step == 0:
        return "no link (no TP/PP/EP traffic)"
    slot = ("" if speed.link_pcie_generation is None
            else f" (PCIe {speed.link_pcie_generation}.0 x{speed.link_pcie_lanes})")
    per_node = Counter(rank.node for rank in plan.per_gpu)
    moe_gather = speed.allreduce_label != "TP all-reduce"  # collectives_label: DP ranks' MoE
    if plan.layout.tp * plan.layout.pp <= max(per_node.values()) and not (
            moe_gather and len(per_node) > 1):
        return f"{speed.link} link{slot}"
    # a replica spans nodes (its TP groups or stage hops), or its MoE layers gather replicas
    # on other nodes: that traffic crosses the network between them
    within = "" if max(per_node.values()) == 1 else f"{speed.link} link{slot} in a node, "
    return f"{within}the network between nodes"


def errors_beside_verdict(result: Plan) -> tuple[str, ...]:
    """The plan's errors other than the one its verdict already states (NO_FIT +
    the first): each said once where the verdict is shown (the CLI's plan, the Plan page)."""
    stated = result.verdict.removeprefix(NO_FIT)
    return tuple(e for e in result.errors if e != stated)


def no_speed_reason(result: Plan, load: ServingLoad, estimated: bool = True) -> str:
    """Why a plan has no speed figures at `load` (the app's Plan page, the CLI plan and the
    report): it does not fit, vLLM rejects one request (speed.context_rule), or, where the
    speed was `estimated`, the GPU has no figure the speed model needs
    (planner.serving.speed.estimate_speed returns None); else none was given (a ReportInputs
    built without its speed)."""
    if not result.fits:
        return "No speed figures: the plan does not fit."
    served, why = context_rule(load, result.max_model_len, result.engine.vllm_version)
    if served is None:
        return f"No speed figures: {why}."
    if not estimated:
        return ("No speed figures: none were given to the report (ReportInputs.speed, "
                "planner.serving.speed.estimate_speed's).")
    return "No speed figures for this GPU (no bandwidth or TFLOP/s figure)."


def _performance(inputs: ReportInputs) -> list[str]:
    """Performance expectations: TTFT, TPOT, throughput with their formulas, and the error."""
    lines = ["## Performance expectations", ""]
    speed = inputs.speed
    if speed is None:
        return lines + [no_speed_reason(inputs.plan, inputs.load, inputs.speed_estimated), ""]
    load = speed.load
    lines += [f"At {load.input_len:,} input and {load.output_len:,} output tokens per request, "
              f"{counted(speed.concurrency, 'request')} at once{load.arriving}"
              + (f" (of {load.concurrency:,} asked: {speed.cap_phrase})" if speed.kv_bound else "")
              + f"; {speed.kernel_label} kernels, {link_phrase(speed, inputs.plan)}:", ""]
    lines += md_table(["Figure", "Value"], [
        ["Time to first token (TTFT)", f"{speed.ttft_ms:,.0f} ms"],
        ["Time per output token (TPOT)", tpot_text(speed.tpot_ms)],
        ["Output tokens/s per request", TPOT_NA if speed.tpot_ms is None
         else speed_cell(speed.output_tokens_per_s_per_request)],
        ["Output tokens/s, all requests", speed_cell(speed.output_tokens_per_s)],
        ["Prefill tokens/s (one request)", f"{speed.prefill_tokens_per_s:,.0f}"],
        [f"{speed.allreduce_label} per decode step",
         collectives_text(speed, inputs.plan.layout.tp)],
        ["KV-limited concurrency", kv_limited_requests(speed, inputs.plan.layout.dp)
         + (f" ({cap})" if (cap := kv_limit_cap(speed, inputs.plan)) else "")],
    ]) + ["", "How each figure is made, with this model's numbers:", ""]
    lines += [*md_code_block("text", [f"{t.label}: {t.formula}" for t in speed.terms]), ""]
    lines += ["Each figure's inputs and where its constants come from (fitted, measured, "
              "datasheet or estimated):", ""]
    lines += [f"- {md_escape(t.label)}: {md_escape(t.inputs_text)}"
              + (f"; {md_escape(t.note)}" if t.note and t.key != "decode_step" else "")
              for t in speed.terms]
    lines.append("")
    # which stage the decode terms are for (under PP), as the app's terms table notes it
    stage = [t.note for t in speed.terms if t.key == "decode_step" and t.note]
    lines += [f"- {md_escape(n)}" for n in (*stage, *speed.notes)]
    acc = inputs.speed_accuracy
    if acc is None:
        lines.append(f"- Expected error: not measured ({SPEED_RESULTS} absent)."
                     if inputs.accuracy_read else "- Expected error: not given to the report "
                     f"(ReportInputs.speed_accuracy, read from {SPEED_RESULTS}).")
    else:
        lines.append(
            f"- Expected error (bench/speed_accuracy.py, {acc.rows} held-out measurements, "
            f"{acc.date}): TPOT median {acc.tpot_median_percent:.1f} % (p90 "
            f"{acc.tpot_p90_percent:.1f} %), TTFT median {acc.ttft_median_percent:.1f} % (p90 "
            f"{acc.ttft_p90_percent:.1f} %). Measured on {acc.measured_on}. On GPUs and "
            "links without calibration rows (consumer cards, PCIe) this error does not apply: "
            + ("published runs on some of them are checked in bench/public_speed.py, with "
               "larger errors (README, Accuracy)" if inputs.public_speed_accuracy is None
               else public_runs_text(inputs.public_speed_accuracy, inputs.plan.gpu_name))
            + ".")
    return lines + [""]


def sweep_cells(rows: Iterable[SweepRow]) -> list[list[str]]:
    """One line of text cells per ranked sweep row: rank, weights, layout, KV dtype, GPUs,
    fits ("yes*": on figures that leave parts out, sweep_caveats), weights and KV pool per GPU,
    ceiling, concurrency of all DP replicas, what the sweep ranks by (sweep_concurrency) (the
    report's and the CLI's table)."""
    return [[str(i), r.quant_label, r.layout.label(), r.kv_cache_dtype, str(r.gpus_used),
             fits_cell(r), gib_text(r.weights_bytes_per_gpu),
             kv_pool_text(r.kv_cache_bytes_per_gpu), f"{r.max_context_tokens:,}",
             sweep_concurrency(r)] for i, r in enumerate(rows, 1)]


def sweep_concurrency(row: SweepRow | Recommendation) -> str:
    """A sweep or recommend row's concurrency, all DP replicas' (what the sweep ranks by):
    "9.08 (2 x 4.54)" under DP (max_concurrency_all_replicas, DP x one replica's); one
    replica's figure alone without DP."""
    return replicas_concurrency(row.max_concurrency_all_replicas, row.max_concurrency,
                                row.layout.dp)


def collectives_text(speed: SpeedEstimate, tp: int) -> str:
    """allreduce_ms_per_step as plan and report show it: "none (TP=1)" where the step has no
    collective (TP=1 without DP's MoE gather), whose "0.00 ms" read as a time worked out."""
    if tp == 1 and speed.allreduce_label == "TP all-reduce":
        return "none (TP=1)"
    return f"{speed.allreduce_ms_per_step:,.2f} ms"


def kv_limited_requests(speed: SpeedEstimate, dp: int) -> str:
    """The KV-limited concurrency, all DP replicas' with one replica's beside it, "134 (2 x
    67)" (each replica's pool holds its own share); the figure alone for one replica."""
    n = speed.kv_limited_concurrency
    return replicas_concurrency(n, n // dp, dp, ",")


def kv_limit_cap(speed: SpeedEstimate, plan: Plan) -> str:
    """Which limit the KV-limited concurrency is, where the figure alone misleads: the cap on
    the load (speed.cap_phrase) where it cut it; else "max_num_seqs binds" where the figure is
    max_num_seqs x DP, the smaller of the two (one A100 80GB holds 300 requests of Llama-3.1-8B
    at 1,024 + 512 tokens, and the line read "KV-limited 256": vLLM's default max_num_seqs);
    "" where it is the KV cache's count under the load."""
    if speed.kv_bound:
        return speed.cap_phrase
    if speed.kv_limited_concurrency == plan.max_num_seqs * plan.layout.dp:
        return cap_phrase(seqs_bound=True)
    return ""


def replicas_concurrency(total: float, one: float, dp: int, spec: str = ",.2f") -> str:
    """`total` requests of `dp` DP replicas holding `one` each, both in format `spec`: "9.08
    (2 x 4.54)"; the figure alone for one replica."""
    return f"{total:{spec}} ({dp} x {one:{spec}})" if dp > 1 else f"{total:{spec}}"


def fits_cell(row: SweepRow | ComparisonRow) -> str:
    """yes, no, yes* where the row fits on figures that leave parts out (a sweep row, or a
    compared model: comparison_caveats), or stalls where vLLM starts it but its longest request
    never completes (STALLED_FIT; its warning says why)."""
    if verdict_stalled(row.verdict):
        return "stalls"
    return "yes*" if verdict_unmodelled(row.verdict) else "yes" if row.fits else "no"


def sweep_caveats(ranked: Iterable[tuple[int, SweepRow]]) -> list[str]:
    """One line per set of parts the rows marked yes* leave out (unmodelled_ranks), and one
    naming the rows marked stalls (stalled_line)."""
    ranked = list(ranked)
    return [_unmodelled_line(rank_runs(at), parts)
            for parts, at in unmodelled_ranks(ranked).items()] + stalled_line(ranked)


def stalled_line(ranked: Iterable[tuple[int, SweepRow]]) -> list[str]:
    """The lines under a sweep table naming its rows marked stalls (fits_cell) and what that
    means, one per set of parts their figures also leave out (stalled_ranks), with `plan`'s
    warning for the why; [] where none is."""
    return [f"stalls ({rank_runs(at)}): {stalled_meaning(parts)} (`plan` with the row's "
            "settings gives the warning)" for parts, at in stalled_ranks(ranked).items()]


def stalled_ranks(ranked: Iterable[tuple[int, SweepRow]]) -> dict[str, list[int]]:
    """The ranks of the (rank, row) pairs whose row vLLM starts but whose longest request
    never completes (SweepRow.stalled: fits_cell's stalls), grouped by the parts their figures
    also leave out ("" for none: verdict_unmodelled), groups in the order they first appear."""
    return ranks_by(ranked, lambda row: (verdict_unmodelled(row.verdict) or "")
                    if row.stalled else None)


STALLS_MEANING = ("vLLM (before 0.29) starts it, but a request that grows to max_model_len "
                  "never completes: the KV blocks less the null block vLLM takes are too few")
"""What a fits cell of stalls means (plan.verdict.STALLED_FIT), under the CLI's and the report's
tables and on the app's Plan page sweep."""


def stalled_meaning(parts: str | None) -> str:
    """STALLS_MEANING, with what the figures also leave out where they do (`parts`:
    verdict_unmodelled), so a stalled row named under stalls alone still says them."""
    also = (f"; its figures also leave out {parts}, so the KV room may be less still"
            if parts else "")
    return STALLS_MEANING + also


def launch_note_ranks(ranked: Iterable[tuple[int, SweepRow]]) -> dict[str, list[int]]:
    """The ranks of the (rank, row) pairs whose row has no launch command, grouped by its
    launch note (why it has none), groups in the order they first appear (text.ranks_by)."""
    return ranks_by(ranked, lambda row: row.launch_note if row.vllm_command is None else None)


def _unlaunchable(ranked: list[tuple[int, SweepRow]]) -> list[str]:
    """One line per reason the fitting rows among the (rank, row) pairs `ranked` have no
    launch command (a what-if format no known checkpoint holds, ...), naming them, as `sweep`
    lists them (cli.text.sweep_text)."""
    ranks = launch_note_ranks((rank, row) for rank, row in ranked if row.fits)
    return [f"no launch command for {rank_runs(at)}: {note.removeprefix(NO_COMMAND)}"
            for note, at in ranks.items()]


def comparison_caveats(rows: Iterable[ComparisonRow]) -> list[str]:
    """One line per compared model marked yes* (it fits on figures that leave parts out) or
    stalls (stalled_meaning, with the parts its figures also leave out), each named once, by
    its fits cell."""
    marked = [(row, fits_cell(row), verdict_unmodelled(row.verdict)) for row in rows]
    return [_unmodelled_line(row.model_name, parts) for row, cell, parts in marked
            if cell == "yes*"] + [f"stalls ({row.model_name}): {stalled_meaning(parts)}"
                                  for row, cell, parts in marked if cell == "stalls"]


def no_fit_reasons(rows: Iterable[ComparisonRow]) -> list[str]:
    """One line per compared model marked no: why, the first sentence of its verdict (vLLM's
    words as the plan carries them, text.first_sentence), as 'no (Qwen/Qwen3-32B): The weights
    alone (61.03 GiB per GPU) do not fit the budget (...); vLLM runs out of memory while
    loading the model.' (the whole verdict is the JSON's `verdict`)."""
    return [f"no ({row.model_name}): {first_sentence(row.verdict.removeprefix(NO_FIT))}"
            for row in rows if not row.fits]


def _comparison_warnings(rows: Iterable[ComparisonRow]) -> list[str]:
    """Each compared model's warnings (ComparisonRow.warnings) under a line naming it, as
    the Compare page lists them under its grid (Markdown, escaped)."""
    return [line for row in rows if row.warnings for line in (
        f"- {md_escape(row.model_name)}: {counted(len(row.warnings), 'warning')}:",
        *(f"  - {md_escape(w)}" for w in row.warnings))]


def _unmodelled_line(rows: str, parts: str) -> str:
    """The line under a table that names its yes* rows (`rows`) and what they leave out."""
    return (f"yes* ({rows}): {unmodelled_fit(parts)} (`plan` with the row's settings gives "
            "the warning)")


def unmodelled_fit(parts: str) -> str:
    """What a yes* means, for a fit whose figures leave `parts` out (verdict_unmodelled): the
    report's lines under its tables and the app's Compare page say it in these words."""
    return f"fits on figures that leave out {parts}; {unmodelled_risk(parts)}"


def speed_cell(value: float | None, digits: int = 1) -> str:
    """A speed figure (or the concurrency it is for) with thousands separators, '—' where
    there is none."""
    return "—" if value is None else f"{value:,.{digits}f}"


USD_EXPONENT_FROM = 1e6
"""The $ per million output tokens (a dollar a token) from which a table writes it in
scientific notation (usd_per_million_cell): recommend --requests-per-s 1e-300 priced a
token at a 301-digit figure with thousands separators, a column 400 characters wide."""


def usd_per_million_cell(value: float | None, prefix: str = "") -> str:
    """$ per million output tokens for a table: '—' where there is none (no speed figure),
    two decimals with thousands separators under USD_EXPONENT_FROM, three significant digits
    and an exponent from it ('1.08e+300'), and '> 1.8e+308' where the figure overflows a float
    (inf: --requests-per-s 5e-324 serves so few tokens an hour that dividing by them is past
    the largest double; the JSON writes it null). `prefix` goes before a figure only (the
    Recommend page's "$"; the CLI's column is headed "$/M out tok" and gives none)."""
    if value is None:
        return "—"
    if math.isinf(value):
        return f"> {sys.float_info.max:.2g}"
    return prefix + (f"{value:,.2f}" if value < USD_EXPONENT_FROM else f"{value:.3g}")


TPOT_NA = "n/a (one output token)"
"""TPOT where each request gives one output token (ServingLoad.one_token): no gap between
output tokens, as vLLM's benchmark leaves such requests out of its TPOT."""


def tpot_cell(tpot_ms: float | None, output_tokens_per_s: float | None) -> str:
    """A table row's TPOT in ms (speed_cell), 'n/a' where it has speed figures but no TPOT
    (one output token: TPOT_NA), '—' where it has none."""
    if tpot_ms is None and output_tokens_per_s is not None:
        return "n/a"
    return speed_cell(tpot_ms)


def tpot_text(tpot_ms: float | None) -> str:
    """An estimate's TPOT with its unit ("12.3 ms"), TPOT_NA where it has none."""
    return TPOT_NA if tpot_ms is None else f"{tpot_ms:,.1f} ms"


def sweep_speed_cells(row: SweepRow, asked: int | None = None) -> list[str]:
    """A sweep row's speed cells: TTFT ms, TPOT ms, output tokens/s (all requests) and the
    concurrency they are for ('—' where the row has no speed: it does not fit, or vLLM rejects
    one request of the load: SweepResult.context_notes), with the load's `asked` concurrency
    and a client's wait for a slot where the row runs fewer (capped_cell)."""
    return [speed_cell(row.ttft_ms, 0), tpot_cell(row.tpot_ms, row.output_tokens_per_s),
            speed_cell(row.output_tokens_per_s, 0), capped_cell(row, asked)]


def capped_cell(row: SweepRow, asked: int | None) -> str:
    """The requests in flight a sweep row's speed is for: "32 of 64, +86.2 s wait" where it
    runs fewer than the load's `asked` (kv_bound: the KV cache or max_num_seqs caps it) and
    the others wait kv_wait_ms on average for a slot, which its TTFT leaves out (capped_line
    says so under the table); the figure alone otherwise."""
    if not row.kv_bound or asked is None or row.kv_wait_ms is None:
        return speed_cell(row.speed_concurrency, 0)
    return f"{row.speed_concurrency:,} of {asked:,}, +{row.kv_wait_ms / 1e3:,.1f} s wait"


def best_own_format(rows: Iterable[SweepRow], own_key: str) -> tuple[int, SweepRow] | None:
    """The best-ranked sweep row in the checkpoint's own format (`own_key`) with its rank (1:
    the first of `rows`), or None where no row is in it."""
    return next(((rank, row) for rank, row in enumerate(rows, 1) if row.quant_key == own_key),
                None)


def shown_sweep_rows(rows: Sequence[SweepRow], own_key: str,
                     top: int | None) -> list[tuple[int, SweepRow | None]]:
    """The (rank, row) pairs a sweep table shows (the CLI's, the report's): the `top` best of
    `rows` (None: all), ranked from 1, then, where the best row in the checkpoint's own format
    (`own_key`, best_own_format) ranks below them, (0, None) for a '...' line and that row at
    its real rank, so the line naming it (own_format_line) names a row the table shows."""
    shown: list[tuple[int, SweepRow | None]] = list(enumerate(rows[:top] if top else rows, 1))
    own = best_own_format(rows, own_key)
    if own is not None and own[0] > len(shown):
        shown += [(0, None), own]
    return shown


def own_format_line(rows: Sequence[SweepRow], own_key: str) -> list[str]:
    """The line over a sweep table naming the rank of its best row in the checkpoint's own
    format (`own_key`, best_own_format), and what the other kinds of row need (format_kind),
    so the what-ifs ranked above it are not read as servable as stored (the CLI's, the app's
    caption); [] where no row is in that format, or every row is (a quantized checkpoint has
    no what-ifs). A 16-bit checkpoint a GPU serves in another dtype is named as stored:
    "(BF16, served in FP16)" on a GPU without bfloat16 (served_note), not "(FP16)"."""
    own = best_own_format(rows, own_key)
    if own is None or all(row.quant_key == own_key for row in rows):
        return []
    rank, row = own
    # a 16-bit checkpoint's rows: the dtype the GPU serves
    label = (stored_as_served(scheme(own_key).label, row.quant_label)
             if own_key in DTYPE_SCHEME.values() else row.quant_label)
    kinds = {format_kind(r.quant_key, own_key) for r in rows}
    needs = [*(["what-if rows need a converted checkpoint"] if "what-if" in kinds else []),
             *(["vLLM quantizes at-load rows as it loads the checkpoint"]
               if "at load" in kinds else [])]
    return [f"best in the checkpoint's own format ({label}): #{rank}; "
            + "; ".join(needs)]


def not_planned_lines(result: SweepResult) -> list[str]:
    """Why the sweep left combinations out (SweepResult.refused: a layout vLLM stops on, e.g.
    --enable-lora where the int4 experts run off Marlin MoE), a line each: under the CLI's
    head, among the report's notes and under the app's grid (both left them out: the seed on
    8 RTX 3090s with LoRA lost TP=8 without EP, unsaid)."""
    return [f"not planned: {why}" for why in result.refused]


def sweep_notes(result: SweepResult, ranked: Iterable[tuple[int, SweepRow]]) -> list[str]:
    """The lines under a sweep table (the CLI's, the report's, the app's caption) about its
    speed and ceiling columns: the rows capped below the load's concurrency (capped_line) and
    what a ceiling past the command's --max-model-len means (recommend's ceiling_note)."""
    ranked = list(ranked)
    capped = capped_line(ranked, result.load.concurrency) if result.load else []
    ceiling = ceiling_note((row.max_context_tokens, row.max_model_len) for _, row in ranked)
    return [*capped, *([f"ceiling: {ceiling}"] if ceiling else [])]


def capped_line(ranked: Iterable[tuple[int, SweepRow]], asked: int) -> list[str]:
    """The line under a sweep table naming its rows that run fewer than the load's `asked`
    requests at once (capped_cell) and how to read their speed: output tokens/s at the
    requests served, TTFT without the wait for a slot, ranked on those figures; [] where
    none is."""
    ranks = [rank for rank, row in ranked if row.kv_bound]
    if not ranks:
        return []
    return [f"capped ({rank_runs(ranks)}): vLLM runs fewer than the {asked:,} requests at "
            "once (the KV cache or max_num_seqs caps it); the others queue for a slot: TTFT "
            "leaves out a client's mean wait for one (plan's kv_wait, kv_wait_ms) and out tok/s "
            f"is at the requests served; no objective ranks these rows as serving all {asked:,}"]


def tpot_target_missed(result: SweepResult) -> str:
    """", 3 fitting rows miss it even at one request in flight (shown at one)" where a
    throughput sweep's TPOT target is missed by fitting rows with one request in flight, which
    the sweep shows at one request (planner.serving.sweep.row_speed gives them up there), so
    "within TPOT X ms" is not read as met by every row; "" otherwise."""
    target = result.tpot_ms_target
    if result.objective != "throughput" or not target:
        return ""
    missed = sum(1 for row in result.rows
                 if row.fits and row.tpot_ms is not None and row.tpot_ms > target)
    if not missed:
        return ""
    return (f", {counted(missed, 'fitting row')} {'misses' if missed == 1 else 'miss'} it even "
            "at one request in flight (shown at one)")


def sweep_speed_note(result: SweepResult) -> str:
    """What a sweep's speed columns are for: the load, the concurrency and the objective, and
    what vLLM does with a request longer than max_model_len (SweepResult.context_notes)."""
    load, target = result.load or ServingLoad(), result.tpot_ms_target
    where = ("each row at the concurrency with the most output tokens/s"
             + (f" within TPOT {decimal(target)} ms" if target else "")
             + tpot_target_missed(result)
             + load.arriving if result.objective == "throughput"
             else f"{counted(load.concurrency, 'request')} in flight{load.arriving}, capped by "
             "the KV cache")
    return (f"speed at {load.input_len:,} input / {load.output_len:,} output tokens, {where}; "
            f"ranked by {result.objective}" + "".join(f"; {n}" for n in result.context_notes))


RANKING: dict[Objective, str] = {
    "context": "fits first, then context ceiling, concurrency of all replicas, fewer GPUs",
    "concurrency": "fits first, then concurrency of all replicas, context ceiling, fewer GPUs",
    "fewest-gpus": "fits first, then fewer GPUs, context ceiling, concurrency of all replicas",
    "throughput": "fits first, then the rows meeting the TPOT target, highest output "
                  "tokens/s, context ceiling",
}
"""How each sweep objective orders the rows, in words (planner.serving.sweep.rank_key)."""


def _sweep_md_row(rank: int, row: SweepRow, own_key: str | None, asked: int | None
                  ) -> list[str]:
    """A sweep row's cells in the report's table: its `rank`, its format, how that comes from
    the checkpoint stored as `own_key` (format_kind; None: no Kind column), its layout and
    figures (sweep_cells) and its speed at the load's `asked` concurrency."""
    cells = sweep_cells([row])[0]
    kind = [] if own_key is None else [format_kind(row.quant_key, own_key)]
    return [str(rank), cells[1], *kind, *cells[2:], *sweep_speed_cells(row, asked)]


def _alternatives(inputs: ReportInputs) -> list[str]:
    if inputs.sweep is None and not inputs.comparison:
        return []
    lines = ["## Alternatives", ""]
    if inputs.sweep is not None:
        result = inputs.sweep
        own_key = checkpoint_scheme(inputs.model).key
        # the top rows, then the best in the checkpoint's own format below a '...' row where
        # it ranks below them (shown_sweep_rows: as the CLI's table)
        table_rows = shown_sweep_rows(result.rows, own_key, inputs.sweep_top)
        ranked = [(rank, row) for rank, row in table_rows if row]
        shown = [row for _, row in ranked]
        asked = result.load.concurrency if result.load else None
        order = RANKING[result.objective]
        if result.objective == "throughput":
            target = result.tpot_ms_target
            order = (order.replace("TPOT target", f"TPOT target of {decimal(target)} ms")
                     if target else
                     "fits first, then highest output tokens/s (no TPOT target), context ceiling")
        if any(row.stalled for row in shown):  # rank_key: a stalled fit after the clean ones
            order += "; rows that stall: after the other fitting rows"
        if not all(row.fits for row in shown):  # rank_key: a miss by its shortfall first
            order += "; rows that do not fit: the smallest shortfall per GPU first"
            if any(not row.fits and row.memory_shortfall_bytes_per_gpu is None for row in shown):
                order += ", then the rows vLLM refuses for another reason"
        top = len(result.rows[: inputs.sweep_top])
        lines += [f"Top {top} of {len(result.rows)} valid configurations ({order}); "
                  f"{md_escape(sweep_speed_note(result))}:", ""]
        # a row in another format than the checkpoint's is made at load or a what-if: a column
        # saying which only where the table holds one (as the app's grid and the CLI's format)
        kind = any(format_kind(row.quant_key, own_key) != "own" for row in shown)
        header = ["#", "Weights", *(["Kind"] if kind else []), "Layout", "KV dtype", "GPUs",
                  "Fits", "Weights/GPU", "KV pool/GPU", "Ceiling (tokens)",
                  "Concurrency (all replicas)", "TTFT ms", "TPOT ms", "Output tok/s",
                  "At concurrency"]
        lines += md_table(header, [
            _sweep_md_row(rank, row, own_key if kind else None, asked) if row
            else ["..."] + [""] * (len(header) - 1) for rank, row in table_rows
        ]) + [""] + [f"- {md_escape(c)}" for c in (*own_format_line(result.rows, own_key),
                                                  *not_planned_lines(result),
                                                  *sweep_caveats(ranked),
                                                  *sweep_notes(result, ranked),
                                                  *_unlaunchable(ranked))]
        lines += [""] if lines[-1] else []
    if inputs.comparison:
        load, plan_len = inputs.load, inputs.plan.max_model_len
        lines += ["Model comparison on the same hardware and settings, every model at the "
                  f"plan's max_model_len, {plan_len:,}, or at its own maximum where that is "
                  "lower (its row says so); speed at "
                  f"{load.input_len:,} input / {load.output_len:,} output tokens, "
                  f"{counted(load.concurrency, 'request')} in flight{load.arriving}, capped by "
                  "each KV cache:", ""]
        lines += md_table(
            ["Model", "Layout", "Params (total / active, embeddings included)", "Weights/GPU",
             "KV B/token", "Fits", "Ceiling (tokens)",
             "Concurrency at max_model_len (all replicas)", "TTFT ms", "TPOT ms", "Output tok/s",
             "At concurrency"],
            [[c.model_name, c.layout, f"{params_count(c.params_total)} / "
              f"{params_count(c.params_active)}",
              # the format beside the GiB: the plan's row may be a what-if, the others are
              # each in its checkpoint's, and "4.51 GiB" of AWQ beside "6.89 GiB" of BF16
              # read as the smaller model
              f"{gib_text(c.weights_bytes_per_gpu)} ({c.weight_format_label})",
              f"{c.kv_bytes_per_token:,}", fits_cell(c),
              f"{c.max_context_tokens:,}", replicas_concurrency(
                  c.max_concurrency_all_replicas, c.max_concurrency, c.dp)
              + f" at {c.max_model_len:,}" + (ITS_MAXIMUM if c.max_model_len_capped else ""),
              speed_cell(c.ttft_ms, 0), tpot_cell(c.tpot_ms, c.output_tokens_per_s),
              speed_cell(c.output_tokens_per_s, 0),
              speed_cell(c.speed_concurrency, 0)]
             for c in inputs.comparison],
        ) + [""] + [f"- {md_escape(c)}" for c in (*comparison_caveats(inputs.comparison),
                                                     *no_fit_reasons(inputs.comparison))
                    ] + _comparison_warnings(inputs.comparison)
        lines += [""] if lines[-1] else []
    return lines


ESTIMATED_TERMS = {
    "activation": "activation_bytes_per_gpu",
    "non_torch": "non_torch_bytes_per_gpu",
    "cuda_graphs": "cuda_graph_bytes_per_gpu",
}
"""Plan term key -> Plan field of the terms estimated rather than derived (their error is
measured by bench/accuracy.py against real vLLM start-ups)."""


def _assumptions(inputs: ReportInputs) -> list[str]:
    plan = inputs.plan
    errors = {a.term: a for a in inputs.accuracy}
    terms = {t.key: t for t in plan.terms}
    rows = []
    for key, field in ESTIMATED_TERMS.items():
        term = terms.get(key)
        figure = errors.get(key)
        error = ((f"not available ({ACCURACY_RESULTS} absent)" if inputs.accuracy_read else
                  f"not given to the report (ReportInputs.accuracy, read from {ACCURACY_RESULTS})")
                 if not inputs.accuracy
                 else "not measured" if figure is None or figure.mape_percent is None
                 else f"{figure.mape_percent:.1f} % MAPE over {figure.cases} start-ups")
        rows.append([term.label if term else key, gib_text(getattr(plan, field)),
                     f"{term.formula} {term.note}".strip() if term else "—", error])
    lines = ["## Assumptions and limits", "",
             "Estimated terms (per GPU) and their measured error against real vLLM start-ups:",
             ""]
    lines += md_table(["Term", "Value", "How it is estimated", "Expected error"], rows) + [""]
    headline = [a for a in inputs.accuracy if a.term not in ESTIMATED_TERMS and a.mape_percent
                is not None]
    if headline:
        lines += ["Measured error of the headline figures against real vLLM v0.19 start-ups "
                  f"({ACCURACY_RESULTS}):", ""]
        lines += md_table(["Figure", "MAPE", "Start-ups", "Worst case and comparison"],
                          [[a.label, f"{a.mape_percent:.2f} %", a.cases, a.note]
                           for a in headline]) + [""]
    defaults = [f"{t.label}: {t.note}" for t in plan.terms if t.note and t.key not in
                ESTIMATED_TERMS]
    lines += [f"- {md_escape(text)}" for text in (*defaults, *inputs.card.assumptions,
                                                  *inputs.card.warnings)]
    return lines + [""]


def _launch(plan: Plan) -> list[str]:
    """The launch command, or the note saying why there is none (and what it loads); where only
    Model Runner V2's warm restart fits, the command to run twice, with what to do. Each
    command one option a line (shell_continued), so the block does not scroll sideways."""
    lines = ["## Launch", ""]
    if plan.vllm_command:
        lines += [*md_code_block("bash", shell_continued(plan.launch_lines)), ""]
    lines += [md_escape(plan.launch_text), ""] if plan.launch_text else []
    if plan.warm_restart_launch_lines:
        lines += [md_escape(WARM_RESTART_LAUNCH_NOTE), "",
                  *md_code_block("bash", shell_continued(plan.warm_restart_launch_lines)), ""]
    if plan.v2_warm_restart_launch_note:  # what to do with them (over nodes: HEAD_NODE_IP)
        lines += [md_escape(flags_as_code(plan.v2_warm_restart_launch_note)), ""]
    return lines


def render_markdown(inputs: ReportInputs) -> str:
    """The report as Markdown (pure; the same text for the CLI and the app)."""
    plan = inputs.plan
    lines = [
        *_header(inputs), "",
        *_summary(inputs), "",
        *_platform(inputs),
        *_model_facts(inputs),
        *_memory_plan(inputs),
        *_performance(inputs),
        *_alternatives(inputs),
        *_launch(plan),
        *_assumptions(inputs),
    ]
    return "\n".join(lines).rstrip() + "\n"


def report_document(inputs: ReportInputs) -> dict:
    """The report as one versioned JSON-ready dict: {"schema": "headroom.report", ...}."""
    data = inputs.model_dump(mode="json")
    return {"schema": REPORT_SCHEMA, "version": REPORT_VERSION, **data}


def build_report(inputs: ReportInputs) -> ReportBundle:
    """The one entry point for the CLI and the app: every export of one report."""
    return ReportBundle(
        markdown=render_markdown(inputs),
        json_text=indented_json(report_document(inputs)) + "\n",
        csv_text=sweep_csv(inputs.sweep.rows if inputs.sweep else ()),
    )
