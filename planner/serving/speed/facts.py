"""The speed model's figures for the published facts on hardware the calibration data lacks.

Issue 10 names single-figure public measurements (2x RTX 3090 and 2x RTX 5090 with P2P on and
off, RTX 3090 TP=2 -> 4, a DGX Spark's share of its bandwidth roofline, gpt-oss-120b's experts
touched at batch 64). This module works out the model's side of each once, so that
bench/speed_accuracy.py (which prints them beside the published figures) and
tests/planner/serving/test_speed.py (which asserts them against the published ranges, cited
there) compare the same setups. The published figures are not here: each reader states them.
"""

from __future__ import annotations

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest
from planner.serving.speed import ServingLoad, SpeedEstimate, estimate_speed
from planner.serving.speed.routing import expected_experts_touched

TOLERANCE_POINTS = 5.0
"""A published fact is met when the model's figure lies within the published range widened by
this many percentage points on each side (the checks' rule, in the bench and the tests)."""

SPARK_ROOFLINE_MS = (68_451_041_280 * 4.5 / 8 + 128_256 * 8192 * 2) / 273e9 * 1e3
"""A DGX Spark's bandwidth roofline for one Llama-3.3-70B NVFP4 token (Llama-3.1-70B's
architecture): 80 layers x (2 x 8192^2 q, o + 2 x 8192 x 1024 k, v + 3 x 8192 x 28,672 MLP) =
68,451,041,280 weights x 4.5 / 8 B (NVFP4) + the 16-bit lm_head 128,256 x 8192 x 2 B = 38.504 +
2.101 = 40.605 GB, / 273 GB/s (GB10's LPDDR5X) = 148.7 ms."""


def _speed(repo_id: str, gpu: str, tp: int, link: str | None, quant: str,
           input_len: int, output_len: int) -> SpeedEstimate | None:
    """One request of input_len + output_len tokens on `tp` `gpu`s, max_model_len 8,192."""
    request = PlanRequest(model=catalog_spec(repo_id),
                          cluster=preset_cluster(gpu, tp, intra_node_link=link),
                          layout=ParallelLayout(tp=tp),
                          engine=EngineSettings(max_model_len=8192, target_quant=quant))
    return estimate_speed(request, ServingLoad(input_len=input_len, output_len=output_len))


def qwen3_32b_speed(gpu: str, tp: int, link: str) -> SpeedEstimate | None:
    """Qwen3-32B GPTQ-int4, 4,096 prompt tokens, 256 generated, one request: a model the
    cards' memory holds at TP=2 (the published runs do not all name theirs)."""
    return _speed("Qwen/Qwen3-32B", gpu, tp, link, "w4a16-gptq-g128", 4096, 256)


def spark_speed() -> SpeedEstimate | None:
    """Llama-3.3-70B NVFP4 (Llama-3.1-70B's config) on one DGX Spark, 128 + 256 tokens."""
    return _speed("meta-llama/Llama-3.1-70B-Instruct", "dgx-spark-gb10", 1, None, "nvfp4",
                  128, 256)


def _gain_pct(slow_ms: float, fast_ms: float) -> float:
    """How much longer the slow setup takes than the fast one, in %."""
    return (slow_ms / fast_ms - 1) * 100


def public_fact_figures() -> dict[str, float]:
    """The model's figure for each published fact (percentages: how much slower one setup is
    than the other, or the roofline share; experts: a count)."""
    off = qwen3_32b_speed("rtx-3090", 2, "pcie-no-p2p")
    on = qwen3_32b_speed("rtx-3090", 2, "pcie")
    off5 = qwen3_32b_speed("rtx-5090", 2, "pcie-no-p2p")
    on5 = qwen3_32b_speed("rtx-5090", 2, "pcie")
    tp4 = qwen3_32b_speed("rtx-3090", 4, "pcie-no-p2p")
    return {
        "gpt_oss_experts_touched_b64": expected_experts_touched(128, 4, 64),
        "rtx3090_p2p_off_decode_cost_pct": _gain_pct(off.tpot_ms, on.tpot_ms),
        "rtx3090_p2p_off_prefill_cost_pct": _gain_pct(off.prefill_ms, on.prefill_ms),
        "rtx5090_p2p_on_decode_gain_pct": _gain_pct(off5.tpot_ms, on5.tpot_ms),
        "rtx5090_p2p_on_prefill_gain_pct": _gain_pct(off5.prefill_ms, on5.prefill_ms),
        "rtx3090_tp2_to_tp4_decode_gain_pct": _gain_pct(off.tpot_ms, tp4.tpot_ms),
        "rtx3090_tp2_to_tp4_prefill_gain_pct": _gain_pct(off.prefill_ms, tp4.prefill_ms),
        "dgx_spark_roofline_pct": SPARK_ROOFLINE_MS / spark_speed().tpot_ms * 100,
    }
