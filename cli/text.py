"""Readable (non-JSON) output of the planner commands: a plan, a sweep, an architecture card."""

from __future__ import annotations

from planner.report import ModelCard, card_facts, sweep_cells, text_columns
from planner.serving.plan import Plan
from planner.serving.sweep import SweepResult
from planner.units import GIB


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / GIB:,.2f} GiB"


def plan_text(plan: Plan) -> str:
    """The plan's headline figures, the binding GPU's memory and the launch command."""
    lines = [
        f"{plan.model_name} on {plan.gpus_used}x {plan.gpu_name}, {plan.layout.label()}",
        "",
        f"  weight format       {plan.weight_format} ({plan.weight_format_label})",
        f"  parameters          {plan.params_total:,} total, {plan.params_active:,} active",
        f"  weights per GPU     {_gib(plan.weights_bytes_per_gpu)}",
        f"  activation per GPU  {_gib(plan.activation_bytes_per_gpu)}",
        f"  non-torch per GPU   {_gib(plan.non_torch_bytes_per_gpu)}",
        f"  CUDA graphs per GPU {_gib(plan.cuda_graph_bytes_per_gpu)}",
        f"  KV cache per GPU    {_gib(plan.kv_cache_bytes_per_gpu)}",
        f"  KV bytes per token  {plan.kv_bytes_per_token:,} B "
        f"({plan.kv_bytes_per_token_per_gpu:,} B per GPU)",
        f"  KV cache tokens     {plan.kv_cache_tokens:,}",
        f"  context ceiling     {plan.max_context_tokens:,} tokens",
        f"  concurrency         {plan.max_concurrency:,.2f} at {plan.max_model_len:,} tokens",
        "",
        plan.verdict,
        *(f"warning: {w}" for w in plan.warnings),
        *(f"error: {e}" for e in plan.errors if e != plan.verdict.removeprefix("Does not fit: ")),
        "",
        plan.vllm_command,
    ]
    return "\n".join(lines) + "\n"


def sweep_text(result: SweepResult) -> str:
    """The ranked sweep as an aligned table."""
    rows = [["#", "weights", "layout", "kv", "gpus", "fits", "weights/gpu", "kv/gpu",
             "ceiling", "concurrency"], *sweep_cells(result.rows)]
    head = (f"{result.model_name} on {result.cluster_source}: {len(result.rows)} combinations "
            f"({len(result.quant_keys)} weight formats x {result.layouts_tried} layouts x "
            f"{len(result.kv_dtypes)} KV dtypes)")
    return "\n".join([head, "", *text_columns(rows)]) + "\n"


def card_text(card: ModelCard) -> str:
    """The architecture card as aligned text, then each field's source and the assumptions."""
    lines = [card.name, "", *("  " + line for line in text_columns(
        [list(fact) for fact in card_facts(card)]))]
    if card.fields:
        lines += ["", "Fields and their sources:",
                  *("  " + line for line in text_columns(
                      [[f.field, f.value, f.source] for f in card.fields]))]
    lines += [f"assumption: {a}" for a in card.assumptions]
    lines += [f"warning: {w}" for w in card.warnings]
    return "\n".join(lines) + "\n"
