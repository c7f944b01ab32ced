"""Accuracy of the speed model against 2,265 measured TTFT/TPOT points (perf-silicon-aic.csv).

Each row of ../shared/calibration/perf-silicon-aic.csv (NVIDIA AIConfigurator's silicon
samples: vLLM and SGLang, aggregated serving, H100/H200/B200/B300/GB200) is planned from the
model's config.json and the row's layout, weight format and load alone (the client's
concurrency: batch_size x attention_dp_size, `concurrency`), then compared with the measured
mean TTFT and TPOT. A row whose EP size is below TP (SGLang's --ep-size at --tp-size: moe_tp x
moe_ep, which vLLM's layouts cannot state) is planned with it (`moe_ep_size`); their count is
printed and stored.

Rows kept: the model's config is in the bundled catalog; the layout fits one 8-GPU node
(tp x attention DP <= 8); the planner accepts the layout and the weights fit (a row whose TP
label cannot hold the model is an impossible label, dropped and counted), and vLLM starts on
it as labelled (a start-up it refuses there, e.g. block-FP8 experts no whole number of blocks
wide per GPU, is dropped and counted: the label cannot be what ran); the measured TPOT
is not below the physical floor (weights and KV read at 100 % of the datasheet bandwidth,
the all-reduces with their start-up, no fitted overhead: such rows cannot be real decode
steps). Duplicates (same configuration and
load) are averaged; a row whose TPOT falls by more than 10 % when its concurrency rises,
other things equal, is dropped as non-monotonic.

A row's model is its identity(): CSV names the bench plans with the same config are one
model (DeepSeek-V3 is DeepSeek-R1; nvidia/Llama-3.1-8B-Instruct-FP8 is
Llama-3.1-8B-Instruct). A row that repeats a measurement listed under the model's other
name (same configuration, load, TTFT and TPOT) is dropped and counted; repeat measurements
under the two names are averaged like any duplicates.

Split: every concurrency sweep (model identity, GPU, backend, version, format, isl, osl,
layout) goes wholly to the fit or the held-out set by the md5 of its key (held out when the
hash mod 3 is 0): no held-out row has a sibling in the fit at another concurrency, and no
measurement is both fitted and held out under two names.

    python bench/speed_accuracy.py            # the held-out error table (FITTED coefficients),
                                              # the rows within each target and the median
                                              # signed errors by group
    python bench/speed_accuracy.py --fit      # refit the coefficients on the fit rows, print
                                              # them and the held-out error with them
    python bench/speed_accuracy.py --json     # the same as JSON
    python bench/speed_accuracy.py --rows rows.csv   # also every row's figures, to find
                                              # what a tail is made of
"""

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.catalog import catalog_spec  # noqa: E402
from planner.report import SPEED_RESULTS  # noqa: E402
from planner.serving.engine import EngineSettings  # noqa: E402
from planner.serving.hardware import preset_cluster  # noqa: E402
from planner.serving.layout import ParallelLayout, layout_errors  # noqa: E402
from planner.serving.plan import PlanRequest, plan  # noqa: E402
from planner.serving.speed import ServingLoad, SpeedEstimate, estimate_speed  # noqa: E402
from planner.serving.speed.coefficients import FITTED, SpeedCoefficients  # noqa: E402
from planner.serving.speed.facts import TOLERANCE_POINTS, public_fact_figures  # noqa: E402
from planner.serving.vllm_versions import DEFAULT_VLLM_VERSION, LayoutRefused  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "calibration" / "perf-silicon-aic.csv"
SYSTEMS = {"h100_sxm": "h100-sxm", "h200_sxm": "h200", "b200_sxm": "b200", "b300_sxm": "b300",
           "gb200": "gb200"}
MODELS = {
    "MiniMaxAI/MiniMax-M2.5": "MiniMaxAI/MiniMax-M2.5",
    "Qwen/Qwen3-235B-A22B-FP8": "Qwen/Qwen3-235B-A22B-FP8",
    "Qwen/Qwen3-32B": "Qwen/Qwen3-32B",
    "Qwen/Qwen3.5-397B-A17B": "Qwen/Qwen3.5-397B-A17B",
    "meta-llama/Llama-3.1-70B": "meta-llama/Meta-Llama-3.1-70B",
    "meta-llama/Llama-3.1-8B-Instruct": "meta-llama/Llama-3.1-8B-Instruct",
    "nvidia/Llama-3.1-8B-Instruct-FP8": "meta-llama/Llama-3.1-8B-Instruct",
    "deepseek-ai/DeepSeek-R1": "deepseek-ai/DeepSeek-R1",
    "deepseek-ai/DeepSeek-V3": "deepseek-ai/DeepSeek-V3",
    "moonshotai/Kimi-K2.5": "moonshotai/Kimi-K2.5",
    "openai/gpt-oss-120b": "openai/gpt-oss-120b",
    "zhipuai/GLM-5": "zai-org/GLM-5",
}
"""CSV model -> catalog config (same architecture); a CSV model missing here is dropped."""
FAMILIES = {"MiniMaxAI": "minimax", "Qwen/Qwen3-235B": "qwen3-moe", "Qwen/Qwen3-32B": "qwen3",
            "Qwen/Qwen3.5": "qwen3.5-moe",
            "meta-llama": "llama-3.1", "nvidia/Llama": "llama-3.1", "deepseek": "deepseek-v3",
            "moonshotai": "kimi-k2", "openai": "gpt-oss", "zhipuai": "glm-5"}
SERIES = ["model_path", "system", "backend", "backend_version", "gemm_quant_mode",
          "moe_quant_mode", "isl", "osl", "tp_size", "attention_dp_size", "moe_ep_size"]
TARGETS = {"tpot": 10.0, "ttft": 20.0}


def _format(row, spec) -> str:
    """The planner's weight scheme for the row's GEMM/MoE formats."""
    if row.model_path == "openai/gpt-oss-120b":
        return "mxfp4"  # the checkpoint's own MXFP4 (the CSV labels it nvfp4)
    if row.gemm_quant_mode == "bf16":
        return "bf16"
    if row.gemm_quant_mode == "int4_wo":
        return ""  # the checkpoint's own int4 (Kimi-K2.5 compressed-tensors)
    if row.gemm_quant_mode == "nvfp4":
        return "nvfp4"
    if "fp8_block" in (row.gemm_quant_mode, row.moe_quant_mode):
        return "fp8-block128"
    if spec.quant is not None and spec.quant.method == "fp8":
        return ""  # an FP8 checkpoint (Qwen3-235B-A22B-FP8, MiniMax-M2.5: 128x128 blocks) is
        # served as stored: vLLM reads its quantization_config, the row's "fp8" names it
    return "fp8-tensor"


def _version(row) -> str:
    """The vLLM release whose rules (e.g. max_num_batched_tokens defaults) the row is planned
    under: its own; for the vLLM rows without one (measured 2025-10-29 to 2025-12-05, per
    silicon_data_source) 0.11.0, the release current then; nightlies and SGLang rows the
    default release."""
    version = str(row.backend_version)
    if row.backend != "vllm" or version.startswith("nightly"):
        return DEFAULT_VLLM_VERSION
    return "0.11.0" if version == "unknown" else version


def identity(model: str) -> str:
    """The model a CSV name measures, for the split and the duplicates: names the bench plans
    with the same ModelSpec (all but its name) are one model, named by the first in sort
    order. DeepSeek-R1 and DeepSeek-V3 share one config.json (the catalog's two differ only in
    transformers_version) and the CSV lists 112 of their measurements under both names;
    nvidia/Llama-3.1-8B-Instruct-FP8 is planned with Llama-3.1-8B-Instruct's config (MODELS).
    Keyed on the name alone, a measurement could be fitted under one name and held out under
    the other."""
    return _IDENTITIES[model]


def _identities() -> dict[str, str]:
    """CSV name -> the first name (in sort order) planned with the same ModelSpec."""
    shape = {n: catalog_spec(MODELS[n]).model_dump_json(exclude={"name"}) for n in sorted(MODELS)}
    first: dict[str, str] = {}
    for name, config in shape.items():
        first.setdefault(config, name)
    return {name: first[config] for name, config in shape.items()}


_IDENTITIES = _identities()


def _family(model: str) -> str:
    return next(v for k, v in FAMILIES.items() if model.startswith(k))


def load_rows(path: Path = DATA) -> tuple[pd.DataFrame, dict[str, int]]:
    """The usable rows (duplicates averaged, bad rows dropped) and the drop counts."""
    raw = pd.read_csv(path)
    # blank cells: one attention replica; the weight formats follow `precision`
    precision = raw.precision.map({"bf16": "bf16", "fp8": "fp8", "fp4": "nvfp4",
                                   "int4": "int4_wo"})
    raw = raw.assign(attention_dp_size=raw.attention_dp_size.fillna(1),
                     backend_version=raw.backend_version.fillna("unknown"),
                     gemm_quant_mode=raw.gemm_quant_mode.fillna(precision),
                     moe_quant_mode=raw.moe_quant_mode.fillna(precision))
    dropped: dict[str, int] = {}
    key = SERIES + ["batch_size"]
    figures = ["silicon_ttft_ms", "silicon_tpot_ms"]
    name = raw.model_path
    raw = raw.assign(model_path=name.map(lambda n: identity(n) if n in MODELS else n))
    measurement = raw.round({"silicon_ttft_ms": 2, "silicon_tpot_ms": 3})[key + figures]
    copy = name != name.groupby([measurement[c] for c in measurement],
                                dropna=False).transform("first")
    dropped["same measurement listed under the model's other name (DeepSeek-V3 / -R1)"] = int(
        copy.sum())
    raw = raw[~copy]
    data = raw.groupby(key, as_index=False)[figures].mean()
    dropped["duplicates merged"] = len(raw) - len(data)
    no_config = ~data.model_path.isin(list(MODELS))
    dropped["no config in the catalog"] = int(no_config.sum())
    data = data[~no_config]
    multi = data.tp_size * data.attention_dp_size > 8
    dropped["more than one 8-GPU node"] = int(multi.sum())
    data = data[~multi].sort_values(key).reset_index(drop=True)
    bad = []
    for _, group in data.groupby(SERIES):
        prev = None
        for idx, row in group.iterrows():
            if prev is not None and row.silicon_tpot_ms < 0.9 * prev:
                bad.append(idx)
            prev = row.silicon_tpot_ms
    dropped["non-monotonic TPOT"] = len(bad)
    data = data.drop(index=bad).reset_index(drop=True)
    data["family"] = data.model_path.map(_family)
    data["held_out"] = [
        int(hashlib.md5("|".join(str(row[c]) for c in SERIES).encode()).hexdigest(), 16) % 3 == 0
        for _, row in data.iterrows()
    ]
    return data, dropped


_SPECS: dict[str, object] = {}


def _spec(repo_id: str):
    if repo_id not in _SPECS:
        _SPECS[repo_id] = catalog_spec(MODELS[repo_id])
    return _SPECS[repo_id]


def concurrency(row) -> int:
    """The client's concurrency of a row: batch_size x attention_dp_size. AIConfigurator's
    batch_size is per attention-DP rank: every vLLM row with attention DP 2 or 4 (97) records
    silicon_concurrency (silicon_data_source) = batch_size x attention_dp_size, the others
    batch_size; MiniMax-M2.5 FP8 on B200, vLLM 0.19.0, TP=2 x DP=2 + EP at batch_size 2 / 128
    decodes at 9.58 / 38.04 ms a token, as TP=2 alone at 4 / 256 (9.37 / 37.90 ms)."""
    return int(row.batch_size * row.attention_dp_size)


def moe_ep_size(row) -> int | None:
    """The row's EP size where it is below TP x attention DP (SGLang's --ep-size with
    --tp-size: moe_tp_size x moe_ep_size = tp_size, e.g. Qwen3.5-397B-A17B NVFP4 on B300 at
    TP=4 as 2 x 2), passed to estimate_speed: each rank holds E / moe_ep experts, each sliced
    over tp / moe_ep ranks; None where EP spans every rank or there is none."""
    ep = int(row.moe_ep_size)
    return ep if 1 < ep < row.tp_size * row.attention_dp_size else None


def prepare(data: pd.DataFrame, dropped: dict[str, int]) -> list[tuple]:
    """(row, request, plan, load) per usable row; impossible layouts, and start-ups vLLM
    refuses on the layout as labelled (LayoutRefused), are dropped and counted."""
    out, impossible, refused = [], 0, 0
    for _, row in data.iterrows():
        spec = _spec(row.model_path)
        layout = ParallelLayout(tp=int(row.tp_size), dp=int(row.attention_dp_size),
                                ep=int(row.moe_ep_size) > 1)
        cluster = preset_cluster(SYSTEMS[row.system], 8)
        fmt = _format(row, spec)
        engine = EngineSettings(target_quant=fmt or None, max_model_len=int(row.isl + row.osl),
                                gpu_memory_utilization=0.9, vllm_version=_version(row))
        request = PlanRequest(model=spec, cluster=cluster, layout=layout, engine=engine)
        if layout_errors(spec, cluster, layout):
            impossible += 1
            continue
        try:
            p = plan(request)
        except LayoutRefused:
            refused += 1
            continue
        if not p.fits:
            impossible += 1
            continue
        load = ServingLoad(input_len=int(row.isl), output_len=int(row.osl),
                           concurrency=concurrency(row))
        out.append((row, request, p, load))
    dropped["impossible layout or weights do not fit (bad TP label)"] = impossible
    dropped["a start-up vLLM refuses on the layout as labelled (MiniMax-M2.5 FP8 at TP=8 "
            "without EP on 0.18.0: experts 1536 / 8 = 192 wide, no whole 128-block; vLLM's "
            "recipe: no TP8, use EP)"] = refused
    floor = predict(out, ROOFLINE, 0.0)
    fast = [i for i, (row, *_) in enumerate(out) if row.silicon_tpot_ms < floor[i, 1]]
    dropped["TPOT below the bandwidth floor (weights + KV read at 100 % of the datasheet "
            "bandwidth, no overhead)"] = len(fast)
    return [r for i, r in enumerate(out) if i not in set(fast)]


SGLANG_REQUEST_OVERHEAD_MS = 212.0
"""SGLang's request overhead (its tokenizer, scheduler and detokenizer processes talk over
ZMQ; TTFT at low concurrency is 2-4x the prefill arithmetic): the serving stack's own fixed
cost, fitted on the fit split's SGLang rows like FITTED.request_overhead_ms on vLLM's. The
planner plans vLLM only; this serves to read the SGLang rows without biasing vLLM's. Refit
2026-12-02 (171 -> 160 ms) when the rows, planned at the default release, began to wait 2
decode steps under its async scheduling (step.steps_ahead); unchanged by the first 2026-12-04
refit; 160 -> 184 ms by the second, on the fit rows of the split by model identity; 184 ->
212 ms (211.6) by the 2026-12-05 refit on the 846 fit rows, Qwen3.5-397B-A17B's among them."""
SGLANG_QUEUE_SHARE = 0.097
"""SGLang's share of the other requests' prefills a new request waits behind, fitted on the
fit split's SGLang rows like FITTED.queue_share on vLLM's: SGLang schedules differently (a
prefill runs as its own batch ahead of the running decodes, and a request is admitted only
when the KV cache can also hold a reserved share of every running request's remaining
output: scheduler.py get_new_batch_prefill, schedule_policy.py PrefillAdder), and its TTFT
grows faster with concurrency than vLLM's; one shared share let those rows set vLLM's.
Refit 2026-12-04 with FITTED (0.099 -> 0.097), and again on the split by model identity
(0.097 -> 0.102), and on the 846 fit rows of 2026-12-05 (0.102 -> 0.097)."""
SGLANG_SEQUENCE_STEP_US = 20.0
"""SGLang's host work per running sequence per decode step, in us (SpeedCoefficients.
sequence_step_overhead_us; vLLM's is 0): SGLang 0.5.6.post2 handles every running request
in Python each step, in three processes: the scheduler (scheduler_output_processor_mixin.py
process_batch_result_decode: output_ids.append, check_finished, then stream_output_generation's
~20 list appends per request into one BatchTokenIDOutput, stream_interval 1 by default), the
detokenizer (an incremental decode per request) and the one tokenizer manager
(tokenizer_worker_num 1: tokenizer_manager.py _handle_batch_output builds each request's
meta_info and out_dict and wakes its HTTP stream). The fit split's 28 Llama-3.1-8B rows (H200,
FP8 blocks, TP 1/2/4/8, 20-512 sequences: the only dense SGLang rows) miss by 14-24 us a
sequence at 352-512 sequences at every TP alike (a GPU term would shrink with TP; a line
through each TP's misses starts at ~0 ms);
fitted 2026-12-06 with `--fit --only sglang_request_ms,sglang_queue,sglang_seq_step_us` on
the 846 fit rows (fit loss 0.2155 -> 0.2069; request overhead and queue share did not move).
Added to the step, not overlapped with it: max(GPU step, host) fits worse at any figure
(best 0.2127 at 40 us; SGLang's overlap scheduler hides its own loop behind the GPU, so the
time that stays is downstream of it or not overlapped; which of the three processes it is,
the rows cannot tell). The MoE families' rows miss by more per sequence (30-100 us), not
modelled: docs/accuracy-speed.md."""
SGLANG = {"request_overhead_ms": SGLANG_REQUEST_OVERHEAD_MS, "queue_share": SGLANG_QUEUE_SHARE,
          "sequence_step_overhead_us": SGLANG_SEQUENCE_STEP_US}
"""The coefficients that differ when reading SGLang rows."""


def estimates(rows: list[tuple], coefficients: SpeedCoefficients,
              sglang: dict[str, float] = SGLANG) -> Iterator[SpeedEstimate | None]:
    """Each row's speed estimate (SGLang rows with the `sglang` coefficients; the experts of
    a row whose EP size is below TP over its EP size: moe_ep_size)."""
    sglang = coefficients.model_copy(update=sglang)
    for row, request, p, load in rows:
        c = sglang if row.backend == "sglang" else coefficients
        yield estimate_speed(request, load, plan_result=p, coefficients=c,
                             moe_ep_size=moe_ep_size(row))


def predict(rows: list[tuple], coefficients: SpeedCoefficients,
            sglang: dict[str, float] = SGLANG) -> np.ndarray:
    """(TTFT ms, TPOT ms) predicted per row (SGLang rows with the `sglang` coefficients)."""
    out = np.empty((len(rows), 2))
    for i, est in enumerate(estimates(rows, coefficients, sglang)):
        out[i] = (est.ttft_ms, est.tpot_ms) if est else (math.nan, math.nan)
    return out


def measured(rows: list[tuple]) -> np.ndarray:
    return np.array([(r.silicon_ttft_ms, r.silicon_tpot_ms) for r, *_ in rows])


# --- the fit ---------------------------------------------------------------------------------

ROOFLINE = SpeedCoefficients(
    bandwidth_efficiency=dict.fromkeys(("bf16", "fp8", "fp4", "weight-only"), 1.0),
    expert_bandwidth_factor=1.0, kv_bandwidth_efficiency=1.0, compute_efficiency=1.0,
    link_efficiency=1.0,
    layer_overhead_us=0.0, request_overhead_ms=0.0, queue_share=0.0,
    prefill_interference=0.0, source="the physical floor: datasheet rates, no overhead",
)
"""Coefficients of a perfect machine: a measured TPOT below this one is not physical."""

_NAMES = ["bw_bf16", "bw_fp8", "bw_fp4", "bw_wo", "expert_factor", "kv_bw", "compute",
          "layer_us", "request_ms", "queue", "interference", "expert_compute",
          "indexer_us", "moe_layer_us", "prompt_token_us", "moe_bw_trtllm_mxfp4",
          "moe_compute_trtllm_mxfp4", "moe_compute_triton_mxfp4", "marlin_bytes_per_flop",
          "moe_layer_us_deepgemm", "sglang_request_ms", "sglang_queue", "sglang_seq_step_us"]
_BOUNDS = [(0.1, 0.9), (0.1, 0.9), (0.1, 0.9), (0.1, 0.9), (0.2, 2), (0.1, 1), (0.05, 0.8),
           (0, 500), (0, 1000), (0, 1), (0, 1), (0.05, 2), (0, 1000), (0, 500),
           (0, 100), (0.2, 1.0), (0.05, 1.2), (0.05, 1.2), (0, 1), (0, 500), (0, 2000), (0, 1),
           (0, 200)]
"""Physical ranges: efficiencies are fractions (a dense GEMM reaches at most ~80 % of the
datasheet peak; a memory stream about 90 % of the datasheet bandwidth, ESTIMATE from
device-copy benchmarks, unverified), overheads are non-negative; a MoE kernel family's
expert factors at most read its experts at that 0.9 (x 1.0 of the fp4 family's 0.9) and
multiply them at ~80 % of the peak (x 1.2 of the compute efficiency, 0.636 when fitted)."""
_NOT_FITTED = {"bw_wo", "bw_bf16"}
"""Kept at FITTED's value: the data's only weight-only rows are Kimi-K2.5's int4 MoE (Marlin
MoE, group 32), which would set the figure every GPTQ/AWQ dense model on a consumer card
uses (Marlin's dense kernels stream at the 16-bit GEMM's rate up to batch 32 on their own
kernel timings, coefficients.py FITTED's docstring); no
row carries 16-bit weights at all, so bf16 stays at the fp8 rows' figure (coefficients.py,
FITTED's docstring)."""


TRTLLM, TRITON, DEEPGEMM = "flashinfer-trtllm-mxfp4", "triton-mxfp4", "deepgemm-moe"
"""The MoE kernel families with their own expert factors (moe_bw_trtllm_mxfp4,
moe_compute_trtllm_mxfp4, moe_compute_triton_mxfp4) or per-layer overhead
(moe_layer_us_deepgemm); planner.serving.speed.kernels.moe_kernel says which runs where; Marlin
MoE has its SM-bound rate, marlin_bytes_per_flop."""


def _sglang(x: np.ndarray) -> dict[str, float]:
    return {"request_overhead_ms": float(x[-3]), "queue_share": float(x[-2]),
            "sequence_step_overhead_us": float(x[-1])}


def _coefficients(x: np.ndarray, source: str) -> SpeedCoefficients:
    v = [min(max(val, lo), hi) for val, (lo, hi) in zip(x, _BOUNDS, strict=True)]
    return SpeedCoefficients(
        bandwidth_efficiency={"bf16": v[0], "fp8": v[1], "fp4": v[2], "weight-only": v[3]},
        expert_bandwidth_factor=v[4], kv_bandwidth_efficiency=v[5], compute_efficiency=v[6],
        link_efficiency=FITTED.link_efficiency, layer_overhead_us=v[7],
        request_overhead_ms=v[8], queue_share=v[9], prefill_interference=v[10],
        expert_compute_factor=v[11], indexer_layer_overhead_us=v[12],
        moe_layer_overhead_us=v[13], prompt_token_overhead_us=v[14],
        moe_kernel_bandwidth_factor={TRTLLM: v[15]},
        moe_kernel_compute_factor={TRTLLM: v[16], TRITON: v[17]},
        marlin_moe_bytes_per_fp32_flop=v[18], moe_kernel_layer_overhead_us={DEEPGEMM: v[19]},
        source=source,
    )


def _vector(c: SpeedCoefficients, sglang: dict[str, float]) -> np.ndarray:
    b = c.bandwidth_efficiency
    return np.array([b["bf16"], b["fp8"], b["fp4"], b["weight-only"], c.expert_bandwidth_factor,
                     c.kv_bandwidth_efficiency,
                     c.compute_efficiency, c.layer_overhead_us,
                     c.request_overhead_ms, c.queue_share, c.prefill_interference,
                     c.expert_compute_factor, c.indexer_layer_overhead_us,
                     c.moe_layer_overhead_us, c.prompt_token_overhead_us,
                     c.moe_kernel_bandwidth_factor.get(TRTLLM, c.expert_bandwidth_factor),
                     c.moe_kernel_compute_factor.get(TRTLLM, c.expert_compute_factor),
                     c.moe_kernel_compute_factor.get(TRITON, c.expert_compute_factor),
                     c.marlin_moe_bytes_per_fp32_flop,
                     c.moe_kernel_layer_overhead_us.get(DEEPGEMM, c.moe_layer_overhead_us),
                     sglang["request_overhead_ms"], sglang["queue_share"],
                     sglang["sequence_step_overhead_us"]])


def _loss(rows: list[tuple], truth: np.ndarray, x: np.ndarray) -> float:
    """Mean absolute log error of TPOT plus half that of TTFT (TPOT is the tighter target),
    each clipped at 0.4 (a factor 1.5) so that a few rows the model cannot explain do not
    pull the typical row (the target is a median)."""
    pred = predict(rows, _coefficients(x, "fit"), _sglang(x))
    err = np.minimum(np.abs(np.log(pred / truth)), 0.4)
    return float(np.nanmean(err[:, 1]) + 0.5 * np.nanmean(err[:, 0]))


def fit(rows: list[tuple], start: SpeedCoefficients, passes: int = 3,
        only: frozenset[str] = frozenset(_NAMES)
        ) -> tuple[SpeedCoefficients, dict[str, float]]:
    """Coordinate search in log space (numpy only): each coefficient is scaled by factors
    around its value, the best kept, with shrinking steps, each step repeated (up to
    `passes` times) while it still lowers the loss. Returns the coefficients and
    SGLang's own (SGLANG: request overhead, queue share, host work per sequence per step)."""
    truth = measured(rows)
    x = _vector(start, SGLANG)
    best = _loss(rows, truth, x)
    for step in (2.0, 1.4, 1.15, 1.05, 1.02):
        for _ in range(passes):
            before = best
            for i in range(len(x)):
                if _NAMES[i] in _NOT_FITTED or _NAMES[i] not in only:
                    continue
                for factor in (step, 1 / step):
                    trial = x.copy()
                    trial[i] = min(max(trial[i] * factor if trial[i] else 0.01, _BOUNDS[i][0]),
                                   _BOUNDS[i][1])
                    loss = _loss(rows, truth, trial)
                    if loss < best:
                        best, x = loss, trial
            if best >= before:
                break
        print(f"  step x{step}: loss {best:.4f}", file=sys.stderr)
    return _coefficients(x, "fit"), _sglang(x)


# --- public facts on hardware without rows (checks, never fitted) ---------------------------

def public_checks() -> list[dict]:
    """The model against published single-figure facts on hardware the calibration data does
    not cover (issue 10; the setups in planner/serving/speed/facts.py). Percentages: how much
    slower (cost) or faster (gain) one setup is."""
    fig = public_fact_figures()
    rows = [
        ("gpt-oss-120b, experts touched at batch 64 (of 128)", "~111",
         fig["gpt_oss_experts_touched_b64"], 111, 111, 1.0),
        ("2x RTX 3090, P2P off: decode cost %", "3-5",
         fig["rtx3090_p2p_off_decode_cost_pct"], 3, 5, TOLERANCE_POINTS),
        ("2x RTX 3090, P2P off: prefill cost %", "35-49",
         fig["rtx3090_p2p_off_prefill_cost_pct"], 35, 49, TOLERANCE_POINTS),
        ("2x RTX 5090, P2P on: decode gain %", "32.5",
         fig["rtx5090_p2p_on_decode_gain_pct"], 32.5, 32.5, TOLERANCE_POINTS),
        ("2x RTX 5090, P2P on: prefill gain %", "33.9",
         fig["rtx5090_p2p_on_prefill_gain_pct"], 33.9, 33.9, TOLERANCE_POINTS),
        ("RTX 3090 TP=2 -> 4: single-stream decode gain %", "flat (0)",
         fig["rtx3090_tp2_to_tp4_decode_gain_pct"], 0, 0, TOLERANCE_POINTS),
        ("RTX 3090 TP=2 -> 4: prefill gain %", "55-62",
         fig["rtx3090_tp2_to_tp4_prefill_gain_pct"], 55, 62, TOLERANCE_POINTS),
        ("DGX Spark, Llama-3.3-70B NVFP4: % of bandwidth roofline", "~61",
         fig["dgx_spark_roofline_pct"], 61, 61, TOLERANCE_POINTS),
    ]
    return [{"check": name, "published": pub, "model": round(value, 1),
             "met": lo - tol <= value <= hi + tol} for name, pub, value, lo, hi, tol in rows]


# --- the report ------------------------------------------------------------------------------


def errors(rows: list[tuple], coefficients: SpeedCoefficients,
           sglang: dict[str, float] = SGLANG) -> pd.DataFrame:
    """Absolute % error of TTFT and TPOT per row (`ttft`, `tpot`) and the signed one
    (predicted / measured - 1: `ttft_signed`, `tpot_signed`), with the grouping columns and
    whether the row's EP size is below TP (moe_ep_size)."""
    pred, truth = predict(rows, coefficients, sglang), measured(rows)
    signed = (pred / truth - 1) * 100
    frame = pd.DataFrame([{"gpu": r.system, "backend": r.backend, "family": r.family,
                           "ep_below_tp": moe_ep_size(r) is not None} for r, *_ in rows])
    frame["ttft"], frame["tpot"] = np.abs(signed[:, 0]), np.abs(signed[:, 1])
    frame["ttft_signed"], frame["tpot_signed"] = signed[:, 0], signed[:, 1]
    return frame


ROW_KEYS = ["model_path", "system", "backend", "backend_version", "gemm_quant_mode",
            "moe_quant_mode", "isl", "osl", "tp_size", "attention_dp_size", "moe_ep_size",
            "batch_size", "family", "held_out"]
"""The columns of --rows that describe a row (the CSV's own, after load_rows)."""


def row_table(rows: list[tuple], coefficients: SpeedCoefficients,
              sglang: dict[str, float] = SGLANG) -> pd.DataFrame:
    """One line per planned row (--rows): its key, the client's concurrency, measured and
    predicted TTFT and TPOT with the signed % error (predicted / measured - 1), and the terms
    that explain a TTFT miss: one request's prefill, the decode step, the KV-limited
    concurrency and the Little's-law wait for a KV slot (kv_wait_ms, not in ttft_ms)."""
    lines = []
    for (row, *_, load), est in zip(rows, estimates(rows, coefficients, sglang), strict=True):
        ttft, tpot = (est.ttft_ms, est.tpot_ms) if est else (math.nan, math.nan)
        tpot = math.nan if tpot is None else tpot
        lines.append({k: row[k] for k in ROW_KEYS} | {
            "concurrency": load.concurrency,
            "measured_ttft_ms": row.silicon_ttft_ms, "ttft_ms": ttft,
            "ttft_error_pct": (ttft / row.silicon_ttft_ms - 1) * 100,
            "measured_tpot_ms": row.silicon_tpot_ms, "tpot_ms": tpot,
            "tpot_error_pct": (tpot / row.silicon_tpot_ms - 1) * 100,
            **{k: getattr(est, k) if est else math.nan for k in (
                "prefill_ms", "decode_step_ms", "kv_limited_concurrency", "kv_wait_ms")}})
    return pd.DataFrame(lines)


def summary(frame: pd.DataFrame) -> dict:
    """Median and p90 absolute % error of TPOT and TTFT: overall and per group."""
    def stats(part: pd.DataFrame) -> dict:
        return {"rows": len(part),
                **{f"{m}_{q}": round(float(np.nanpercentile(part[m], p)), 1)
                   for m in ("tpot", "ttft") for q, p in (("median", 50), ("p90", 90))}}
    out = {"all": stats(frame)}
    for col in ("gpu", "backend", "family"):
        out[col] = {k: stats(g) for k, g in frame.groupby(col)}
    return out


def within_targets(frame: pd.DataFrame) -> dict:
    """How many rows' absolute error is at most the target's: TPOT within 10 %
    (`tpot_within_10_pct`), TTFT within 20 % (`ttft_within_20_pct`)."""
    return {"rows": len(frame), **{f"{m}_within_{TARGETS[m]:g}_pct": int((frame[m] <= TARGETS[m])
                                                                         .sum())
                                   for m in ("tpot", "ttft")}}


def signed_medians(frame: pd.DataFrame) -> dict:
    """Median signed % error (predicted / measured - 1: below 0, planned faster than
    measured) of TPOT and TTFT, to two decimals: overall, per group as summary's, and over the
    rows whose EP size is below TP (`ep_below_tp`)."""
    def medians(part: pd.DataFrame) -> dict:
        return {"rows": len(part),
                **{f"{m}_median": round(float(np.nanmedian(part[f"{m}_signed"])), 2)
                   for m in ("tpot", "ttft")}}
    out = {"all": medians(frame)}
    for col in ("gpu", "backend", "family"):
        out[col] = {k: medians(g) for k, g in frame.groupby(col)}
    out["ep_below_tp"] = medians(frame[frame.ep_below_tp])
    return out


def target_lines(result: dict) -> list[str]:
    """The held-out rows within each target and the median signed errors by group (the
    README's Accuracy > Speed and docs/accuracy-speed.md quote them)."""
    count, signed = result["held_out_within_targets"], result["held_out_signed"]
    groups = [("all held-out", signed["all"]),
              *((f"{col} {k}", s) for col in ("gpu", "backend", "family")
                for k, s in signed[col].items()),
              ("EP size below TP", signed["ep_below_tp"])]
    return [f"Held-out rows within the targets: TPOT {count['tpot_within_10_pct']} of "
            f"{count['rows']} within {TARGETS['tpot']:g} %, TTFT {count['ttft_within_20_pct']}"
            f" of {count['rows']} within {TARGETS['ttft']:g} %",
            "Held-out median signed error (predicted / measured - 1; below 0: planned faster "
            "than measured):",
            f"{'group':<22}{'rows':>6}{'TPOT':>10}{'TTFT':>10}",
            *(f"{name:<22}{s['rows']:>6}{s['tpot_median']:>+9.2f}%{s['ttft_median']:>+9.2f}%"
              for name, s in groups)]


def _print(result: dict) -> None:
    print(f"Split: {result['split']}")
    print("Dropped: " + "; ".join(f"{k}: {v}" for k, v in result["dropped"].items()))
    print(f"Held-out rows: {result['held_out']['all']['rows']} (fit rows: {result['fit_rows']})")
    sliced = result["ep_below_tp_rows"]
    print(f"Rows with an EP size below TP (SGLang moe_tp x moe_ep, planned so: moe_ep_size): "
          f"{sliced['rows']} ({sliced['held_out']} held out)")
    print(f"{'group':<22}{'rows':>6}{'TPOT med':>10}{'TPOT p90':>10}{'TTFT med':>10}"
          f"{'TTFT p90':>10}")
    def line(name, s):
        print(f"{name:<22}{s['rows']:>6}{s['tpot_median']:>9.1f}%{s['tpot_p90']:>9.1f}%"
              f"{s['ttft_median']:>9.1f}%{s['ttft_p90']:>9.1f}%")
    line("all held-out", result["held_out"]["all"])
    for col in ("gpu", "backend", "family"):
        for k, s in result["held_out"][col].items():
            line(f"{col} {k}", s)
    print(f"Targets: median TPOT <= {TARGETS['tpot']:g} %, TTFT <= {TARGETS['ttft']:g} %")
    print("\n".join(target_lines(result)))
    print(f"\nPublic facts on hardware without rows (checks, not fitted; met = within the "
          f"published range +- {TOLERANCE_POINTS:g} points):")
    print(f"{'check':<58}{'published':>11}{'model':>9}  met")
    for c in result["public_checks"]:
        print(f"{c['check']:<58}{c['published']:>11}{c['model']:>9.1f}  "
              f"{'yes' if c['met'] else 'NO'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="refit the coefficients first")
    parser.add_argument("--only", metavar="NAMES",
                        help="with --fit: refit only these comma-separated coefficients ("
                        + ", ".join(_NAMES) + "), the others kept")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--write", type=Path, metavar="JSON",
                        help=f"also store the result (the report reads {SPEED_RESULTS})")
    parser.add_argument("--rows", type=Path, metavar="CSV",
                        help="also write every planned row (fit and held-out) with its "
                        "measured and predicted TTFT/TPOT, signed errors, prefill, decode "
                        "step, KV-limited concurrency and KV-slot wait")
    args = parser.parse_args()
    data, dropped = load_rows(args.data)
    rows = prepare(data, dropped)
    fit_rows = [r for r in rows if not r[0].held_out]
    held = [r for r in rows if r[0].held_out]
    coefficients, sglang = FITTED, SGLANG
    if args.fit:
        only = frozenset(args.only.split(",")) if args.only else frozenset(_NAMES)
        if only - set(_NAMES):
            parser.error(f"--only: unknown {', '.join(sorted(only - set(_NAMES)))}")
        coefficients, sglang = fit(fit_rows, FITTED, only=only)
        print(coefficients.model_dump_json(indent=2))
        print(f"SGLANG_REQUEST_OVERHEAD_MS = {sglang['request_overhead_ms']:.1f}")
        print(f"SGLANG_QUEUE_SHARE = {sglang['queue_share']:.3f}")
        print(f"SGLANG_SEQUENCE_STEP_US = {sglang['sequence_step_overhead_us']:.2f}")
    result = {
        "split": "each concurrency sweep (model identity: names planned with one config "
                 "are one model, DeepSeek-V3 = DeepSeek-R1; GPU, backend, version, format, "
                 "isl, osl, layout) held out when md5(key) % 3 == 0; a measurement listed "
                 "under two names kept once",
        "measured_on": "H100/H200/B200/B300 SXM over NVLink, vLLM and SGLang (fp8, nvfp4, "
                       "mxfp4, int4 weight-only), one 8-GPU node",
        "date": datetime.now(UTC).date().isoformat(),
        "command": "python bench/speed_accuracy.py" + (" --fit" if args.fit else "")
                   + (f" --only {args.only}" if args.fit and args.only else ""),
        "dropped": dropped, "fit_rows": len(fit_rows),
        "ep_below_tp_rows": {"rows": sum(moe_ep_size(r) is not None for r, *_ in rows),
                             "held_out": sum(moe_ep_size(r) is not None for r, *_ in held)},
        "coefficients": coefficients.model_dump(),
        "sglang_request_overhead_ms": sglang["request_overhead_ms"],
        "sglang_queue_share": sglang["queue_share"],
        "sglang_sequence_step_overhead_us": sglang["sequence_step_overhead_us"],
        "held_out": summary(held_errors := errors(held, coefficients, sglang)),
        "held_out_within_targets": within_targets(held_errors),
        "held_out_signed": signed_medians(held_errors),
        "fit": summary(errors(fit_rows, coefficients, sglang))["all"],
        "public_checks": public_checks(),
    }
    if args.rows:
        row_table(rows, coefficients, sglang).to_csv(args.rows, index=False,
                                                    float_format="%.4g")
    if args.write:
        args.write.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
