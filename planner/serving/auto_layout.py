"""The layout a plan opens on when nobody chose one: the hardware's, or the best that fits.

First choice: TP = GPUs per node inside each node, and the nodes shared out as the fewest
pipeline stages one replica needs with data-parallel replicas over the rest (TP=8 x DP=2 on
2 nodes of 8 when one node holds the model; TP=8 x PP=2 x DP=4 on 8 nodes when a replica
needs 2), so every GPU works and no replica is pipelined further than it must be. When no
such layout is valid and fits cleanly (a first choice vLLM starts but whose longest request
never completes, a STALLED_FIT verdict before vLLM 0.29, is passed over too), every valid
layout is planned and the one picked is the first of: fits (a clean fit before a stalled one,
as sweep.miss_key ranks them), has a launch command (plan's vllm_commands: launch.over_nodes
gives none where DP replicas straddle nodes, so TP=2 x DP=5 on 2 nodes of 5 gives way to
TP=2 x PP=5; a plan that does not fit has none, so this orders only fitting ones), uses the
most GPUs, keeps TP inside a node, larger TP, (when none fits) the smallest memory shortfall
per GPU as the sweep ranks misses (sweep.miss_key: memory_shortfall_bytes_per_gpu, then the
plans vLLM refuses), the wanted EP choice, longest ceiling. So a plan that cannot fit opens,
at its TP, on the split closest to fitting: Llama-3.1-405B on 2 nodes of 8 RTX 3090 is
TP=8 x PP=2 (half the weights per GPU), not TP=8 x DP=2. Where it falls back, layout_rule
says why the first choice with the most stages was passed over.
"""

from __future__ import annotations

from collections.abc import Iterator

from planner.model.quant import QuantScheme, checkpoint_scheme, scheme
from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings, derived_max_model_len
from planner.serving.hardware import ClusterSpec
from planner.serving.layout import ParallelLayout, layout_errors
from planner.serving.lora.coverage import settings_refusal as lora_settings_refusal
from planner.serving.lora.coverage import supports_lora_refusal
from planner.serving.lora.expert_formats import run_time_quantization
from planner.serving.lora.tower import tower_model_refusal
from planner.serving.mm_modes import tower_lora, tower_settings_where_built
from planner.serving.plan import redundant_experts, summary_figures, verdict_stalled
from planner.serving.sweep import layout_candidates, miss_key
from planner.serving.vllm_versions import LayoutRefused, vllm_rules
from planner.text import first_sentence
from planner.units import gib_text

AUTO_LAYOUT_RULE = ("TP = GPUs per node, the nodes as the fewest pipeline stages that fit with "
                    "DP replicas over the rest (else the launchable fitting layout on most "
                    "GPUs; if none fits, the widest TP, split closest to fitting)")
"""auto_layout's rule in a sentence, as the app's Plan page and the CLI's plan say it. Kept
short: the Plan page's caption must not push the speed figures below a 1280x800 fold
(tests/browser/test_app_browser.py)."""


def _with_ep(spec: ModelSpec, tp: int, pp: int, dp: int, ep: bool) -> ParallelLayout:
    """The layout with EP where it means something: routed experts over more than one rank."""
    return ParallelLayout(tp=tp, pp=pp, dp=dp, ep=ep and spec.is_moe and tp * dp > 1)


def layout_scheme(spec: ModelSpec, engine: EngineSettings) -> QuantScheme:
    """The weight format whose layout checks auto_layout applies (GPTQ/AWQ group alignment):
    the what-if format of `engine`, else the checkpoint's own."""
    return scheme(engine.target_quant) if engine.target_quant else checkpoint_scheme(spec)


def auto_layout(spec: ModelSpec, cluster: ClusterSpec, held: QuantScheme,
                engine: EngineSettings, *, ep: bool) -> ParallelLayout | None:
    """The default layout of `spec` on `cluster` in weight format `held` (None: no valid
    layout at all). `ep` is the wanted expert-parallel choice, kept where valid."""
    gpn = cluster.gpus_per_node
    for first in _first_choices(spec, cluster, ep):
        if not _first_choice_miss(spec, cluster, first, held, engine):
            return first
    valid = valid_layouts(spec, cluster, held, engine)
    if not valid:
        return None
    planned = {lay: _figures(spec, cluster, lay, engine) for lay in valid}
    figures = {lay: f for lay, f in planned.items() if not isinstance(f, LayoutRefused)}
    if not figures:  # the release refuses the start-up on every layout
        raise planned[valid[0]]
    wanted_ep = {lay: lay == _with_ep(spec, lay.tp, lay.pp, lay.dp, ep) for lay in figures}
    fit = {lay: miss_key(f["fits"], f["memory_shortfall_bytes_per_gpu"],
                         verdict_stalled(f["verdict"])) for lay, f in figures.items()}
    return min(figures, key=lambda lay: (
        fit[lay][0], not figures[lay]["vllm_commands"], -lay.gpus, lay.tp > gpn, -lay.tp,
        fit[lay][1:], not wanted_ep[lay], -figures[lay]["max_context_tokens"]))


def _first_choices(spec: ModelSpec, cluster: ClusterSpec, ep: bool) -> list[ParallelLayout]:
    """The rule's first choices, fewest pipeline stages first: TP = GPUs per node, the nodes
    as PP stages x DP replicas. None on nodes of different GPU counts, where TP = node 0's
    count x the nodes is not every GPU (nor a layout_candidates one, which the app's Plan
    page offers): the candidates decide."""
    gpn, nodes = cluster.gpus_per_node, len(cluster.nodes)
    if gpn * nodes != cluster.gpu_count:
        return []
    return [_with_ep(spec, gpn, pp, nodes // pp, ep)
            for pp in range(1, nodes + 1) if nodes % pp == 0]


def _first_choice_miss(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                       held: QuantScheme, engine: EngineSettings) -> str:
    """Why a first choice is passed over, in a clause ("" where vLLM takes it and it fits
    cleanly): vLLM's layout rule, its start-up refusal on this layout, a longest request that
    never completes (STALLED_FIT, with the bytes per GPU that complete it), or the memory it
    misses by."""
    refusals = layout_refusals(spec, cluster, layout, held, engine)
    if refusals:
        return f"vLLM refuses it ({first_sentence(refusals[0]).rstrip('.')})"
    figures = _figures(spec, cluster, layout, engine)
    if isinstance(figures, LayoutRefused):
        return f"vLLM stops its start-up ({first_sentence(figures).rstrip('.')})"
    if verdict_stalled(figures["verdict"]):
        return (f"its longest request never completes on vLLM {engine.vllm_version} "
                f"({figures['max_model_len_shortfall_bytes_per_gpu']:,} B per GPU short)")
    if figures["fits"]:
        return ""
    short = figures["memory_shortfall_bytes_per_gpu"]
    if short:
        return f"it is {gib_text(short)} per GPU short of memory"
    return f"it does not fit ({first_sentence(figures['errors'][0]).rstrip('.')})"


def layout_rule(spec: ModelSpec, cluster: ClusterSpec, chosen: ParallelLayout,
                engine: EngineSettings, *, ep: bool) -> str:
    """AUTO_LAYOUT_RULE, and where auto_layout's `chosen` (with `ep`, the wanted EP choice)
    is none of the rule's first choices, why not (_fallback_reason): how the CLI's plan and
    report and the app's Plan page say a layout nobody chose was chosen."""
    reason = _fallback_reason(spec, cluster, chosen, engine, ep)
    return f"{AUTO_LAYOUT_RULE}; {reason}" if reason else AUTO_LAYOUT_RULE


def _fallback_reason(spec: ModelSpec, cluster: ClusterSpec, chosen: ParallelLayout,
                     engine: EngineSettings, ep: bool) -> str:
    """Why `chosen` is not one of the rule's first choices, naming the one with the most
    pipeline stages (the least memory per GPU) and what turned it down: "TP=8 x PP=2 was
    passed over: it is 0.24 GiB per GPU short of memory" (Kimi-K2 on 2 nodes of 8 H100,
    which runs TP=4 x PP=4); "" where `chosen` is a first choice."""
    firsts = _first_choices(spec, cluster, ep)
    if not firsts:
        counts = ", ".join(str(node.gpus_per_node) for node in cluster.nodes)
        return f"TP = GPUs per node was passed over: the nodes hold different GPU counts ({counts})"
    if any((f.tp, f.pp, f.dp) == (chosen.tp, chosen.pp, chosen.dp) for f in firsts):
        return ""
    last = firsts[-1]
    why = _first_choice_miss(spec, cluster, last, layout_scheme(spec, engine), engine)
    return f"{last.label()} was passed over: {why}"


def valid_layouts(spec: ModelSpec, cluster: ClusterSpec, held: QuantScheme,
                  engine: EngineSettings) -> list[ParallelLayout]:
    """The sweep's layout_candidates that vLLM takes for `spec` in format `held` (no
    layout_refusals): what auto_layout picks from and the Plan page offers."""
    return [lay for lay in layout_candidates(spec, cluster, engine)
            if not layout_refusals(spec, cluster, lay, held, engine)]


def layout_refusals(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                    held: QuantScheme, engine: EngineSettings) -> list[str]:
    """Why vLLM `engine.vllm_version` refuses `layout` for `spec` in format `held` (empty:
    it takes it): layout_errors, with --enable-eplb's redundant experts in the EP size rule
    (plan.redundant_experts: vLLM's FusedMoE divides routed + redundant experts)."""
    return layout_errors(spec, cluster, layout, held, engine.vllm_version,
                         redundant_experts(spec, engine, layout), engine.mm_encoder_tp_mode,
                         engine.speculative_draft)


def _by_width(spec: ModelSpec, cluster: ClusterSpec, held: QuantScheme, engine: EngineSettings
              ) -> list[ParallelLayout]:
    """The valid layouts, the one using the most GPUs first (most TP, no EP first)."""
    return sorted(valid_layouts(spec, cluster, held, engine),
                  key=lambda lay: (lay.gpus, lay.tp, not lay.ep), reverse=True)


def widest_layout(spec: ModelSpec, cluster: ClusterSpec, held: QuantScheme,
                  engine: EngineSettings) -> ParallelLayout | None:
    """The valid layout using the most GPUs (most TP, no EP first); None when none is."""
    return next(iter(_by_width(spec, cluster, held, engine)), None)


LORA_SETTINGS = ("enable_lora", "max_loras", "max_lora_rank", "fully_sharded_loras",
                  "specialize_active_lora", "lora_dtype", "enable_tower_connector_lora")
"""The EngineSettings fields --enable-lora and its flags set: lora_where_sized drops them, the
app's lora_knobs carries them from the Plan page to every page that plans."""


def compared_engine(spec: ModelSpec, engine: EngineSettings) -> EngineSettings:
    """The settings a model compared beside a plan is planned with (the app's Compare and
    Report pages, report --compare): the plan's shared ones, --enable-eplb and its redundant
    experts included, but not for a model without routed experts: vLLM refuses EP for it, so
    compared_layout drops EP, and EPLB without EP would refuse the model. A MoE model whose
    EPLB vLLM refuses (its class, its MoE method) keeps them: its plan says why. --enable-lora
    and its settings too, but not for a model whose LoRA slots Headroom does not size
    (lora.coverage.settings_refusal): it is planned without LoRA, which compared_lora_note says.
    The text-only and encoder-TP flags only where it has a vision tower
    (mm_modes.tower_settings_where_built)."""
    engine = tower_settings_where_built(spec, lora_where_sized(spec, engine)[0])
    if not spec.is_moe and (engine.enable_eplb or engine.num_redundant_experts):
        return engine.model_copy(update={"enable_eplb": False, "num_redundant_experts": None})
    return engine


def lora_where_sized(spec: ModelSpec, engine: EngineSettings
                     ) -> tuple[EngineSettings, str | None]:
    """(`engine`, None), or where Headroom does not size `spec`'s LoRA slots `engine` less
    --enable-lora and its settings, with compared_lora_note's note on why: a model compared
    beside a plan (compared_engine) or searched by recommend beside others is planned without
    LoRA, never refused for it; a text model keeps LoRA without
    --enable-tower-connector-lora, which vLLM ignores for it (mm_modes.tower_lora's
    text_model), as tower_settings_where_built drops the other tower flags."""
    if tower_lora(spec, engine).text_model:
        engine = engine.model_copy(update={"enable_tower_connector_lora": False})
    note = compared_lora_note(spec, engine)
    if not note:
        return engine, None
    return engine.model_copy(update={name: EngineSettings.model_fields[name].default
                                     for name in LORA_SETTINGS}), note


def compared_lora_note(spec: ModelSpec, engine: EngineSettings) -> str | None:
    """The note on a model planned without the --enable-lora asked of it (lora_where_sized: a
    compared model, one recommend searches), None where it keeps it: its figures leave out
    what LoRA adds, and why, in the words `plan --enable-lora` refuses it with
    (lora.coverage.supports_lora_refusal, lora.coverage.settings_refusal)."""
    rules = vllm_rules(engine.vllm_version)
    refusal = (supports_lora_refusal(spec, rules.version, rules.label)
               or lora_settings_refusal(spec, rules.version,
                                        run_time_quantization(engine.quantization,
                                                              engine.target_quant),
                                        engine.moe_backend)
               or tower_model_refusal(spec, tower_lora(spec, engine).wrapped)
               if engine.enable_lora else None)
    if refusal is None:
        return None
    return ("planned without LoRA: its figures leave out what --enable-lora adds (the LoRA "
            "slots in its weights, the CUDA graphs captured per LoRA case), as "
            "`plan --enable-lora` "
            f"would refuse it: {refusal.removeprefix('--enable-lora: ')}")


def compared_max_model_len(spec: ModelSpec, plan_len: int, vllm_version: str,
                           allow_long: bool = False) -> int:
    """The max_model_len a model compared beside a plan in a report is planned at (the app's
    Report page and report --compare: "the same hardware and settings"): the plan's own,
    `plan_len` (its --max-model-len, else its model's default), so every row's concurrency
    counts requests of one length; capped at the model's own maximum where that is lower
    (derived_max_model_len under `vllm_version`: vLLM refuses a longer one), which its row says
    (ComparisonRow.max_model_len_capped); not where `allow_long` (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1:
    vLLM serves the longer one with a warning, planner.serving.long_len). The Compare page's
    context field is its `plan_len` (the Plan page's model there is the plan's, planned at it
    as the Plan page plans it)."""
    if allow_long:
        return plan_len
    return min(plan_len, derived_max_model_len(spec, vllm_rules(vllm_version).version))


def at_compared_len(spec: ModelSpec, engine: EngineSettings, plan_len: int) -> EngineSettings:
    """`engine` at the max_model_len `spec` is compared at beside a plan at `plan_len`
    (compared_max_model_len under engine's release): report --compare's models, the app's
    Report page's and the Compare page's other than the Plan page's model."""
    return engine.model_copy(update={"max_model_len": compared_max_model_len(
        spec, plan_len, engine.vllm_version, engine.allow_long_max_model_len)})


def compared_layout(spec: ModelSpec, cluster: ClusterSpec, preferred: ParallelLayout,
                    held: QuantScheme, engine: EngineSettings) -> ParallelLayout:
    """The layout a model compared beside a plan on `preferred` is planned on (the app's
    Compare and Report pages, report --compare), the first that is valid and whose start-up
    vLLM does not refuse on that layout alone (LayoutRefused: e.g. act-order GPTQ at TP > 1
    on ROCm 0.22-0.29) of: `preferred` with EP only where `spec` has routed experts over more
    than one rank; the same without EP (vLLM refuses EP where the experts do not divide TP x
    DP, with --enable-eplb routed + redundant ones: dropping it keeps the chosen TP/PP/DP);
    the valid layouts, widest first
    (widest_layout's order); else the first, so plan() says why rather than the model going
    unlisted. Each step is the smallest change from the layout the user chose that runs."""
    first = _with_ep(spec, preferred.tp, preferred.pp, preferred.dp, preferred.ep)
    for layout in _compared_candidates(spec, cluster, first, held, engine):
        if not isinstance(_figures(spec, cluster, layout, engine), LayoutRefused):
            return layout
    return first


def _compared_candidates(spec: ModelSpec, cluster: ClusterSpec, first: ParallelLayout,
                         held: QuantScheme, engine: EngineSettings) -> Iterator[ParallelLayout]:
    """compared_layout's valid layouts in its order, each worked out only when asked for."""
    for layout in (first, first.model_copy(update={"ep": False})):
        if not layout_refusals(spec, cluster, layout, held, engine):
            yield layout
    yield from _by_width(spec, cluster, held, engine)


def _figures(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
             engine: EngineSettings) -> dict | LayoutRefused:
    """summary_figures of a valid layout, or vLLM's refusal of the start-up on this layout
    only (0.10.1's FlashInfer MXFP4 MoE with EP). A refusal of the settings (a V0 fall-back,
    planner.serving.v1_oracle) refuses every layout: raised, as the first one planned."""
    try:
        return summary_figures(spec, cluster, layout, engine, validated=True)
    except LayoutRefused as exc:
        return exc
