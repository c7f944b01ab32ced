"""Sequence-parallel MoE (vllm_versions.sequence_parallel_moe; step.tp_collectives_s) worked by
hand on 4x H100 SXM at TP=2 x DP=2 + EP, 64 tokens a DP rank (a decode step at 128 requests).

The h100-sxm preset's link: NVLink 4, 450 GB/s a direction, a 2 us hop (estimated), no NCCL
start-up; link efficiency 0.80 (FITTED); vLLM's custom all-reduce at 2 GPUs: 4.5 + 1.3 x 1 peer
= 5.8 us measured start-up, 433.6 GB/s measured bus bandwidth (collectives.NVLINK_ALLREDUCE).
Both models: hidden 2,048, BF16 (2 B an activation), so a token's hidden state is 4,096 B.

- TP all-reduce of 64 tokens (262,144 B): 5.8 + (2 - 1)/2 x 2 x 262,144 / 433.6e9 s
  = 5.8 + 0.604576 = 6.404576 us.
- NCCL all-gather over TP of the 2 ranks' 32-token shards (2 x 32 x 4,096 = 262,144 B): one
  ring step of 2 us + (2 - 1)/2 x 262,144 / 433.6e9 s = 2 + 0.302288 = 2.302288 us.
- allgather_reducescatter, sequence-parallel: each of the 4 EP ranks gathers the other 3
  ranks' 32-token shards, 3 x 32 x 4,096 = 393,216 B each way at 450 x 0.80 = 360 GB/s:
  2 x (2 + 1.092267) = 6.184533 us. Without it (the DP group of 2, each TP rank all 64
  tokens): 2 x (2 + 262,144 / 360e9 s = 0.728178) = 5.456356 us.
- naive (0.10.2's default, no sequence-parallel MoE there): 2 broadcasts x (2 + 0.728178)
  + an all-reduce of the 2 gathered ranks, 2 + 2 x 0.728178: 8.912711 us.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import ServingLoad, _context, estimate_speed
from planner.serving.speed.coefficients import FITTED
from planner.serving.speed.step import _tokens, tp_collectives_s
from planner.serving.vllm_versions import SP_MOE_CHUNK, SP_MOE_SCATTER, sequence_parallel_moe

AR_US = 5.8 + 262_144 / 433.6e9 * 1e6  # 6.404576
GATHER_US = 2 + 262_144 / 2 / 433.6e9 * 1e6  # 2.302288
SP_DISPATCH_US = 2 * (2 + 393_216 / 360e9 * 1e6)  # 6.184533
DP_DISPATCH_US = 2 * (2 + 262_144 / 360e9 * 1e6)  # 5.456356
NAIVE_US = 2 * (2 + 262_144 / 360e9 * 1e6) + 2 + 2 * 262_144 / 360e9 * 1e6  # 8.912711


def _request(repo_id: str, version: str) -> PlanRequest:
    return PlanRequest(model=catalog_spec(repo_id), cluster=preset_cluster("h100-sxm", 4),
                       layout=ParallelLayout(tp=2, dp=2, ep=True),
                       engine=EngineSettings(max_model_len=8192, vllm_version=version))


def _collectives_us(repo_id: str, version: str) -> tuple[str, float]:
    """(the sequence-parallel mode, one decode step's TP collectives + MoE dispatch, us) at 64
    tokens a DP rank."""
    request = _request(repo_id, version)
    ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
    stage, step = ctx.stages[0], _tokens(ctx, 64)
    return ctx.sp_moe, (tp_collectives_s(ctx, stage, step)
                        + stage.moe_layers * step.all_to_all_s) * 1e6


def test_the_figures_by_hand() -> None:
    assert pytest.approx(6.404576, abs=1e-6) == AR_US
    assert pytest.approx(2.302288, abs=1e-6) == GATHER_US
    assert pytest.approx(6.184533, abs=1e-6) == SP_DISPATCH_US
    assert pytest.approx(5.456356, abs=1e-6) == DP_DISPATCH_US
    assert pytest.approx(8.912711, abs=1e-6) == NAIVE_US


@pytest.mark.parametrize(("args", "mode"), [
    # config/parallel.py use_sequence_parallel_moe: a listed backend, EP, TP > 1, DP > 1
    (("Qwen3MoeForCausalLM", (0, 11, 0), "allgather_reducescatter", True, 2, 2, 1, False),
     SP_MOE_CHUNK),
    # 0.10.2 has no such property (and plans naive, its default)
    (("Qwen3MoeForCausalLM", (0, 10, 2), "naive", True, 2, 2, 1, False), ""),
    # naive is listed 0.11.0-0.18.x (from 0.19.0 it runs allgather_reducescatter instead)
    (("Qwen3MoeForCausalLM", (0, 18, 0), "naive", True, 2, 2, 1, False), SP_MOE_CHUNK),
    (("Qwen3MoeForCausalLM", (0, 19, 0), "naive", True, 2, 2, 1, False), ""),
    (("Qwen3MoeForCausalLM", (0, 16, 0), "pplx", True, 2, 2, 1, False), ""),
    # mori from 0.15.0, out of the list 0.23.0-0.33.x (mori_high_throughput / _low_latency)
    (("Qwen3MoeForCausalLM", (0, 14, 0), "mori", True, 2, 2, 1, False), ""),
    (("Qwen3MoeForCausalLM", (0, 15, 0), "mori", True, 2, 2, 1, False), SP_MOE_CHUNK),
    (("Qwen3MoeForCausalLM", (0, 22, 0), "mori", True, 2, 2, 1, False), SP_MOE_CHUNK),
    (("Qwen3MoeForCausalLM", (0, 24, 0), "mori", True, 2, 2, 1, False), ""),
    # the 0.23.0 wheel's list already names the pair (config/parallel.py, 0.23.0 read)
    (("Qwen3MoeForCausalLM", (0, 23, 0), "mori_high_throughput", True, 2, 2, 1, False),
     SP_MOE_CHUNK),
    (("Qwen3MoeForCausalLM", (0, 23, 0), "mori", True, 2, 2, 1, False), ""),
    (("Qwen3MoeForCausalLM", (0, 34, 0), "mori", True, 2, 2, 1, False), SP_MOE_CHUNK),
    # the other names each list adds (config/parallel.py, wheels read): nixl_ep in 0.18.0, not
    # 0.17.0; flashinfer_nvlink_one_sided in 0.29.0, not 0.28.0; deepep_v2 in 0.31.0, not
    # 0.30.0; passthrough in 0.32.0, not 0.31.0
    (("Qwen3MoeForCausalLM", (0, 17, 0), "nixl_ep", True, 2, 2, 1, False), ""),
    (("Qwen3MoeForCausalLM", (0, 18, 0), "nixl_ep", True, 2, 2, 1, False), SP_MOE_CHUNK),
    (("Qwen3MoeForCausalLM", (0, 28, 0), "flashinfer_nvlink_one_sided", True, 2, 2, 1, False),
     ""),
    (("Qwen3MoeForCausalLM", (0, 29, 0), "flashinfer_nvlink_one_sided", True, 2, 2, 1, False),
     SP_MOE_CHUNK),
    (("Qwen3MoeForCausalLM", (0, 30, 0), "deepep_v2", True, 2, 2, 1, False), ""),
    (("Qwen3MoeForCausalLM", (0, 31, 0), "deepep_v2", True, 2, 2, 1, False), SP_MOE_CHUNK),
    (("Qwen3MoeForCausalLM", (0, 31, 0), "passthrough", True, 2, 2, 1, False), ""),
    (("Qwen3MoeForCausalLM", (0, 32, 0), "passthrough", True, 2, 2, 1, False), SP_MOE_CHUNK),
    # the layout's conditions
    (("Qwen3MoeForCausalLM", (0, 34, 0), "allgather_reducescatter", False, 2, 2, 1, False), ""),
    (("Qwen3MoeForCausalLM", (0, 34, 0), "allgather_reducescatter", True, 1, 4, 1, False), ""),
    (("Qwen3MoeForCausalLM", (0, 34, 0), "allgather_reducescatter", True, 4, 1, 1, False), ""),
    # blocks that do not read it, or not yet
    (("MiniMaxM2ForCausalLM", (0, 34, 0), "allgather_reducescatter", True, 2, 2, 1, False), ""),
    (("NemotronHForCausalLM", (0, 11, 0), "allgather_reducescatter", True, 2, 2, 1, False), ""),
    (("NemotronHForCausalLM", (0, 11, 1), "allgather_reducescatter", True, 2, 2, 1, False),
     SP_MOE_CHUNK),
    # granitemoe.py GraniteMoeDecoderLayer passes use_sequence_parallel_moe (0.11.0-0.34.0);
    # granitemoehybrid.py builds the same GraniteMoeMoE without it
    (("GraniteMoeForCausalLM", (0, 11, 0), "allgather_reducescatter", True, 2, 2, 1, False),
     SP_MOE_CHUNK),
    (("GraniteMoeHybridForCausalLM", (0, 34, 0), "allgather_reducescatter", True, 2, 2, 1,
      False), ""),
    # kimi_vl.py's text model is deepseek_v2.py's (DeepseekV2Model / DeepseekV2ForCausalLM)
    (("KimiVLForConditionalGeneration", (0, 11, 0), "allgather_reducescatter", True, 2, 2, 1,
      False), SP_MOE_CHUNK),
    (("KimiVLForConditionalGeneration", (0, 25, 0), "allgather_reducescatter", True, 2, 2, 1,
      False), SP_MOE_SCATTER),
    # gpt-oss asks `lora_config is None` from 0.25.0
    (("GptOssForCausalLM", (0, 24, 0), "allgather_reducescatter", True, 2, 2, 1, True),
     SP_MOE_CHUNK),
    (("GptOssForCausalLM", (0, 25, 0), "allgather_reducescatter", True, 2, 2, 1, True), ""),
    # the decoder layer's reduce-scatter: DeepSeek from 0.25.0, Qwen3-Next from 0.26.0, PP 1
    (("DeepseekV3ForCausalLM", (0, 24, 0), "allgather_reducescatter", True, 2, 2, 1, False),
     SP_MOE_CHUNK),
    (("DeepseekV3ForCausalLM", (0, 25, 0), "allgather_reducescatter", True, 2, 2, 1, False),
     SP_MOE_SCATTER),
    (("DeepseekV3ForCausalLM", (0, 25, 0), "allgather_reducescatter", True, 2, 2, 2, False),
     SP_MOE_CHUNK),
    (("Qwen3NextForCausalLM", (0, 25, 0), "allgather_reducescatter", True, 2, 2, 1, False),
     SP_MOE_CHUNK),
    (("Qwen3NextForCausalLM", (0, 26, 0), "allgather_reducescatter", True, 2, 2, 1, False),
     SP_MOE_SCATTER),
])
def test_where_vllm_turns_it_on(args, mode) -> None:
    assert sequence_parallel_moe(*args) == mode


def test_qwen3_30b_a3b_chunks_and_all_gathers_each_moe_layer() -> None:
    # 48 layers, all MoE. vLLM 0.10.2 (no sequence-parallel MoE, naive):
    # 2 x 48 x 6.404576 + 48 x 8.912711 = 614.8393 + 427.8101 = 1,042.649 us
    assert _collectives_us("Qwen/Qwen3-30B-A3B", "0.10.2") == ("", pytest.approx(
        2 * 48 * AR_US + 48 * NAIVE_US)) == ("", pytest.approx(1_042.649, abs=1e-3))
    # 0.19.0: each MoE layer's all-reduce becomes an all-gather of the shards, its dispatch
    # the EP group's shards: (96 - 48) x 6.404576 + 48 x 2.302288 + 48 x 6.184533
    # = 307.4196 + 110.5098 + 296.8576 = 714.787 us, where the plan said
    # 2 x 48 x 6.404576 + 48 x 5.456356 = 614.8393 + 261.9051 = 876.744 us
    assert pytest.approx(876.744, abs=1e-3) == 2 * 48 * AR_US + 48 * DP_DISPATCH_US
    assert _collectives_us("Qwen/Qwen3-30B-A3B", "0.19.0") == (SP_MOE_CHUNK, pytest.approx(
        48 * AR_US + 48 * GATHER_US + 48 * SP_DISPATCH_US)) == (
        SP_MOE_CHUNK, pytest.approx(714.787, abs=1e-3))


def test_deepseek_v2_lite_reduce_scatters_attention_from_0_25() -> None:
    # 27 layers, the first dense (first_k_dense_replace 1), 26 MoE. 0.24.0, chunked:
    # (54 - 26) x 6.404576 + 26 x 2.302288 + 26 x 6.184533 = 179.3281 + 59.5595 + 160.7979
    # = 399.985 us (0.10.2: 54 x 6.404576 + 26 x 8.912711 = 345.8471 + 231.7305 = 577.578)
    assert _collectives_us("deepseek-ai/DeepSeek-V2-Lite-Chat", "0.10.2")[1] == pytest.approx(
        577.578, abs=1e-3)
    assert _collectives_us("deepseek-ai/DeepSeek-V2-Lite-Chat", "0.24.0") == (
        SP_MOE_CHUNK, pytest.approx(399.985, abs=1e-3))
    # 0.34.0: the dense layer's 2 all-reduces, 26 reduce-scatters + 25 all-gathers, the last
    # all-gather of hidden states and residual (2 + 524,288 / 2 / 433.6e9 s = 2.604576 us):
    # 12.8092 + 51 x 2.302288 (117.4167) + 2.6046 + 160.7979 = 293.628 us
    last_us = 2 + 524_288 / 2 / 433.6e9 * 1e6
    assert _collectives_us("deepseek-ai/DeepSeek-V2-Lite-Chat", "0.34.0") == (
        SP_MOE_SCATTER, pytest.approx(2 * AR_US + 51 * GATHER_US + last_us
                                      + 26 * SP_DISPATCH_US)) == (
        SP_MOE_SCATTER, pytest.approx(293.628, abs=1e-3))


def test_the_term_shows_the_shard_and_its_collectives() -> None:
    # 128 requests over 2 DP ranks: 64 tokens a decode step, a 32-token shard a TP rank,
    # whose 32 rows the router scores (qwen3_moe.py: the gate runs after
    # sequence_parallel_chunk)
    request = _request("Qwen/Qwen3-30B-A3B", "0.19.0")
    ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
    assert _tokens(ctx, 64).gated == 32
    est = estimate_speed(request, ServingLoad(concurrency=128))
    term = next(t for t in est.terms if t.key == "allreduce")
    assert term.value == pytest.approx(714.787e-3, abs=1e-6)
    assert term.formula.startswith("sequence-parallel MoE (32 of 64 tokens a rank): "
                                   "(2 x 48 layers - 48 MoE) x [")
    assert "48 x [1 hop x 2 us (estimated, unverified) + (2 - 1)/2 x 262,144 B" in term.formula
    assert "over the 4 EP ranks" in term.formula
    assert term.inputs["shard_tokens"] == "32"
    compute = next(t for t in est.terms if t.key == "decode_compute")
    assert compute.inputs["router_tokens"] == "32"
