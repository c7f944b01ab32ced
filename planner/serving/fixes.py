"""The nearest change that makes a plan fit: a few candidate changes, each planned.

A plan that does not fit gets no launch command (planner.serving.launch); this says what
to change instead, e.g. "--max-model-len 32768 fits", "TP=4 x PP=2 fits" or, last, a smaller
weight format of a 16-bit checkpoint ("--target-quant w4a16-gptq-g128 (a GPTQ int4, group
128 (W4A16) checkpoint) fits"), with the same change as settings (FitChange) for a caller
to apply: the app's Plan page's Apply button.
"""

from pydantic import BaseModel

from planner.model.quant import checkpoint_scheme, scheme
from planner.serving.engine import EngineSettings, vllm_window
from planner.serving.layout import ParallelLayout
from planner.serving.long_len import over_window_part
from planner.serving.plan import FitChange, Plan, PlanRequest, summary_figures
from planner.serving.sweep import accepts_what_if, layout_candidates, quant_candidates
from planner.serving.vllm_versions import EngineError, vllm_rules
from planner.text import with_article

TARGET_QUANT_FLAG = "--target-quant"
"""The CLI flag a weight-format change names (format_step); the app says its Quantization
field instead (ui.context.app_words)."""


BLOCK_SIZE_STEP = "--block-size left to vLLM's choice"
"""The change that drops a --block-size given (vLLM picks its own block: 16, 64 from 0.34,
or the MLA backend's); the app names its KV block size field (ui.context._FIT_FLAGS)."""


_Try = tuple[str, FitChange, ParallelLayout, bool]
"""A candidate change: its label, the EngineSettings fields it changes, the layout it plans,
and whether a format change that holds a shorter context is offered with that
--max-model-len too."""


class NearestFit(BaseModel):
    """The first candidate change that fits, in words and as settings."""

    text: str
    """'<change> fits', as Plan.nearest_fit says it."""
    change: FitChange
    """The settings it changes and their new values (Plan.nearest_fit_change)."""
    longer_context: str | None = None
    """The fp8 KV cache's longer context where `text` only shortens it (Plan.longer_context_fit,
    _longer_in_fp8)."""


def _tries(request: PlanRequest, result: Plan) -> list[_Try]:
    """Candidate changes, in the order they are offered (smallest change first)."""
    s, layout = request.engine, request.layout
    tries: list[_Try] = []
    if s.block_size is not None and result.max_context_tokens == 0:
        # a --block-size whose one block the KV pool cannot hold (verdict.
        # _block_larger_than_pool): vLLM's own block, not more memory or a smaller KV dtype
        tries.append((BLOCK_SIZE_STEP, {"block_size": None}, layout, False))
    if result.max_num_batched_tokens < result.max_num_seqs:
        seqs = result.max_num_batched_tokens
        tries.append((f"--max-num-seqs {seqs}", {"max_num_seqs": seqs}, layout, False))
    length = result.max_context_tokens
    if 0 < length < result.max_model_len:
        tries.append((f"--max-model-len {length}", {"max_model_len": length}, layout, False))
    if not s.kv_cache_dtype.startswith("fp8"):
        tries.append(("--kv-cache-dtype fp8", {"kv_cache_dtype": "fp8"}, layout, False))
    if s.gpu_memory_utilization < 0.95 and not s.kv_cache_memory_bytes:
        tries.append(("--gpu-memory-utilization 0.95", {"gpu_memory_utilization": 0.95},
                      layout, False))
    defaults = _default_batch_limits(request)
    if defaults:
        label = " ".join(f"--{field.replace('_', '-')} {value}"
                         for field, value in defaults.items())
        tries.append((label, defaults, layout, False))
    # the asked DP (replicas) and EP first: a layout that changes them comes only when none
    # that keeps them fits (nearest_fit then says so); then the fewest of TP and PP changed
    # (TP=4 asked on 8 GPUs: TP=8 or TP=4 x PP=2 before TP=1 x PP=7), then the fewest GPUs
    wider = sorted((lay for lay in layout_candidates(request.model, request.cluster, request.engine)
                    if lay.gpus > layout.gpus or (lay.gpus == layout.gpus and lay != layout)),
                   key=lambda lay: (lay.dp != layout.dp, lay.ep != layout.ep,
                                    (lay.tp != layout.tp) + (lay.pp != layout.pp), lay.gpus,
                                    lay.dp, lay.pp, -lay.tp, not lay.ep))
    tries += [(lay.label(), {}, lay, False) for lay in wider]
    # another weight format is a bigger change (another checkpoint, or vLLM quantizing at
    # load) than any setting or layout: last, each at the asked layout (with the context it
    # holds where that is shorter), then at the layouts above
    formats = [(format_step(key), {"target_quant": key, "target_checkpoint": None})
               for key in _smaller_formats(request, result)]
    tries += [(label, update, layout, True) for label, update in formats]
    tries += [(f"{label} at {lay.label()}", update, lay, False)
              for label, update in formats for lay in wider]
    return tries


def _default_batch_limits(request: PlanRequest) -> FitChange:
    """vLLM's defaults for max_num_seqs and max_num_batched_tokens (the request planned
    without either flag) where a larger one is given, each of those: the activation profile
    grows with the tokens and Model Runner V2's buffers with the sequences, until they leave
    no memory for the KV cache ("No available memory for the cache blocks"), which no other
    setting undoes; both come back together where both are given (vLLM refuses fewer tokens
    than sequences)."""
    s = request.engine
    given = {"max_num_seqs": s.max_num_seqs, "max_num_batched_tokens": s.max_num_batched_tokens}
    if all(value is None for value in given.values()):
        return {}
    figures = _figures(request, s.model_copy(update=dict.fromkeys(given)), request.layout)
    return {field: figures[field] for field, value in given.items()
            if figures and value is not None and figures[field] < value}


def nearest_fit(request: PlanRequest, result: Plan) -> NearestFit | None:
    """The first candidate change that fits ('<change> fits' and its settings), None when
    none does; a layout that changes the asked DP or EP says that none keeping them fits."""
    if result.fits:
        return None
    for label, update, layout, shorten in _tries(request, result):
        figures = _figures(request, request.engine.model_copy(update=update), layout)
        length = figures["max_context_tokens"] if figures else 0
        if figures and not figures["fits"] and shorten and 0 < length < figures[
                "max_model_len"]:
            label += f" with --max-model-len {length}"
            update = {**update, "max_model_len": length}
            figures = _figures(request, request.engine.model_copy(update=update), layout)
        if figures and figures["fits"]:
            return NearestFit(text=f"{label} fits{_kept_note(request, layout)}",
                              change=_change(request, update, layout),
                              longer_context=_longer_in_fp8(request, update))
    return None


def _longer_in_fp8(request: PlanRequest, update: FitChange) -> str | None:
    """Where the change found only shortens --max-model-len and the KV cache is 16-bit: the
    longer context an fp8 KV cache holds on the same pool ('--kv-cache-dtype fp8 with
    --max-model-len N fits', N up to the asked max_model_len: fp8 may hold all of it), planned
    like any other (so not where this GPU and release refuse fp8 KV); None otherwise. A user
    who asked for a long context learns what a KV format change buys, not only what to cut."""
    if set(update) != {"max_model_len"} or request.engine.kv_cache_dtype.startswith("fp8"):
        return None
    fp8 = {"kv_cache_dtype": "fp8"}
    figures = _figures(request, request.engine.model_copy(update=fp8), request.layout)
    if not figures or not update["max_model_len"] < figures["max_context_tokens"] <= figures[
            "max_model_len"]:
        return None
    length = figures["max_context_tokens"]
    if length < figures["max_model_len"]:  # else the plan at that length is the one above
        figures = _figures(request, request.engine.model_copy(
            update={**fp8, "max_model_len": length}), request.layout)
    return f"--kv-cache-dtype fp8 with --max-model-len {length} fits" if (
        figures and figures["fits"]) else None


ALLOW_LONG_STEP = "--allow-long-max-model-len"
"""The CLI flag allow_long_fit names (the app: its "Allow a context longer than the model's"
box, ui.context._FIT_FLAGS)."""


def allow_long_fit(request: PlanRequest) -> str | None:
    """Where the --max-model-len asked passes the model's derived one (vLLM's refusal) and
    --allow-long-max-model-len is not given: that flag, where the plan at the length asked
    fits with it ('--allow-long-max-model-len fits at 65,536 tokens (unmodelled: output past
    the model's 40,960 tokens (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1))', Plan.allow_long_fit); None
    otherwise. The length asked kept, beside nearest_fit's shorter one."""
    s = request.engine
    if s.allow_long_max_model_len or s.max_model_len is None:
        return None
    version = vllm_rules(s.vllm_version).version
    window = vllm_window(request.model, version)
    if s.max_model_len <= window.limit:
        return None
    figures = _figures(request, s.model_copy(update={"allow_long_max_model_len": True}),
                       request.layout)
    if not figures or not figures["fits"]:
        return None
    return (f"{ALLOW_LONG_STEP} fits at {s.max_model_len:,} tokens (unmodelled: "
            f"{over_window_part(window)})")


def _change(request: PlanRequest, update: FitChange, layout: ParallelLayout) -> FitChange:
    """The settings a fitting candidate changes: its EngineSettings fields that differ from
    the request's (a format step's target_checkpoint None is left out where none was given)
    and, where it plans another layout, that whole layout (tp, pp, dp, ep)."""
    change = {field: value for field, value in update.items()
              if getattr(request.engine, field) != value}
    if layout != request.layout:
        change.update(layout.model_dump())
    return change


def _figures(request: PlanRequest, settings: EngineSettings, layout: ParallelLayout
             ) -> dict | None:
    """summary_figures of `request` with these settings and layout; None where vLLM refuses to
    start it: this layout (LayoutRefused) or these changed settings (a V0 fall-back, a format
    the release refuses). layout_errors are checked too (they make `fits` false): a setting
    change keeps a layout vLLM refuses, layout_candidates does not check the weight format's
    group alignment, and the request's own settings were planned."""
    try:
        return summary_figures(request.model, request.cluster, layout, settings)
    except EngineError:
        return None


def _smaller_formats(request: PlanRequest, result: Plan) -> list[str]:
    """The what-if formats of a 16-bit checkpoint the GPU runs (sweep.quant_candidates) with
    fewer bits per weight than the plan holds, nearest to the checkpoint's own first
    (sweep.WHAT_IF_KEYS' order: FP8 made at load, INT8, then the 4-bit formats); none where
    --quantization is given (a format change would have to drop it, which the step does not
    say). The checkpoint's own format is never one: the plan holds more bits than it where
    vLLM serves it in float32 (Gemma 2 on a GPU without bfloat16, or --dtype float32), and
    --target-quant naming it plans the checkpoint as stored, this same plan (the CLI's
    check_target_quant, the app's format choice)."""
    if not accepts_what_if(request.model) or request.engine.quantization:
        return []
    held = scheme(result.weight_format).bits_per_weight
    own = checkpoint_scheme(request.model).key
    return [key for key in quant_candidates(request.model, request.cluster)
            if scheme(key).bits_per_weight < held and key != own]


def format_step(key: str) -> str:
    """The weight-format change in the CLI's words: --target-quant and what it means, vLLM
    quantizing at load (launch.launch: --quantization, for fp8) or a checkpoint in it."""
    s = scheme(key)
    if s.runtime and s.vllm_quantization:
        return (f"{TARGET_QUANT_FLAG} {key} ({s.label}, which vLLM makes at load: "
                f"--quantization {s.vllm_quantization})")
    return f"{TARGET_QUANT_FLAG} {key} ({with_article(s.label)} checkpoint)"


def _kept_note(request: PlanRequest, layout: ParallelLayout) -> str:
    """'' when `layout` keeps the asked DP and EP, else why it changes them: every layout that
    keeps both was tried first (_tries) and none fits."""
    asked = request.layout
    if (layout.dp, layout.ep) == (asked.dp, asked.ep):
        return ""
    kept = [f"DP={asked.dp}"] if asked.dp > 1 or layout.dp != asked.dp else []
    if asked.ep or layout.ep:
        kept.append("EP" if asked.ep else "EP off")
    return (f" (no layout of these {request.cluster.gpu_count} GPUs that keeps "
            f"{' and '.join(kept)} fits)")
