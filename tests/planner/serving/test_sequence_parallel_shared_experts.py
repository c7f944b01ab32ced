"""Shared experts built whole on every TP rank under vLLM's sequence-parallel MoE
(vllm_versions.sp_moe_shared_whole; plan.moe.load_on_layout), in the memory plan's weights and
the speed model's weight read, worked by hand from the configs in ../shared/model-configs.

vLLM's sources: deepseek_v2.py DeepseekV2MLP and llama4.py Llama4MoE's shared_expert take
`disable_tp=is_sequence_parallel` from 0.11.0, nemotron_h.py NemotronHMLP (and its latent
projections) from 0.11.1, qwen3_next.py's Qwen3NextMLP (qwen2_moe.py Qwen2MoeMLP) from 0.20.0,
not in 0.19.0 / 0.19.1 (read in the 0.11.0, 0.11.1, 0.13.0, 0.19.0, 0.19.1, 0.20.0, 0.25.0 and
0.34.0 wheels). Sequence-parallel MoE itself needs --enable-expert-parallel, TP > 1, DP > 1
and a listed all2all backend (the release's default here: naive to 0.18.x, then
allgather_reducescatter); 0.10.2 has none of it.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.plan.layout_facts import setup
from planner.serving.speed import _context
from planner.serving.speed.coefficients import FITTED
from planner.serving.vllm_versions import SP_MOE_CHUNK, SP_MOE_SCATTER, sp_moe_shared_whole

V2_LITE = "deepseek-ai/DeepSeek-V2-Lite-Chat"
TP2_DP2_EP = ParallelLayout(tp=2, dp=2, ep=True)
TP8_DP2_EP = ParallelLayout(tp=8, dp=2, ep=True)

# DeepSeek-V2-Lite: 27 layers, first_k_dense_replace 1 -> 26 MoE layers, 2 shared experts of
# moe_intermediate_size 1,408 (one 2,816-wide gated MLP), hidden 2,048, BF16:
# 26 x 3 x 2,048 x 2,816 x 2 B = 26 x 17,301,504 x 2 = 899,678,208 B whole; split over TP 2
# 449,839,104 B
V2_LITE_WHOLE = 26 * 3 * 2_048 * (2 * 1_408) * 2
# DeepSeek-V3: 61 layers, first_k_dense_replace 3 -> 58 MoE layers, 1 shared expert of 2,048,
# hidden 7,168, FP8 with 128 x 128 blocks: 58 x 3 x 7,168 x 2,048 x 1 B = 2,554,331,136 B, plus
# a float32 scale a 16,384-weight block: 2,554,331,136 / 16,384 x 4 = 623,616 B (58 layers x
# (2 x 16 x 56 + 56 x 16 = 2,688 blocks) x 4 B): 2,554,954,752 B whole; split over TP 8 (256 of
# 2,048 a rank, two whole blocks) 319,369,344 B
V3_WHOLE = 58 * 3 * 7_168 * 2_048 + 58 * 3 * 7_168 * 2_048 // (128 * 128) * 4
# Qwen3-Next-80B-A3B: 48 MoE layers, a shared expert of 512, hidden 2,048, BF16:
# 48 x 3 x 2,048 x 512 x 2 B = 301,989,888 B, plus the shared_expert_gate (hidden -> 1, whole
# on every rank either way) 48 x 2,048 x 2 B = 196,608 B
QWEN3_NEXT_SHARED, QWEN3_NEXT_GATE = 48 * 3 * 2_048 * 512 * 2, 48 * 2_048 * 2
# Llama 4 Maverick: 48 layers, interleave_moe_layer_step 2 -> 24 MoE layers, a shared expert
# of intermediate_size 8,192, hidden 5,120, BF16: 24 x 3 x 5,120 x 8,192 x 2 B
MAVERICK_WHOLE = 24 * 3 * 5_120 * 8_192 * 2


def _shared_bytes(repo_id: str, preset: str, gpus: int, layout: ParallelLayout,
                  version: str) -> tuple[list[int], bool]:
    """(each rank's shared-expert bytes in the plan, whether they are held whole)."""
    facts = setup(catalog_spec(repo_id), preset_cluster(preset, gpus), layout,
                  EngineSettings(max_model_len=8192, vllm_version=version)).facts
    return [t.shared_experts_bytes for t in facts.weight_terms], facts.load.shared_experts_whole


def test_the_figures_by_hand() -> None:
    assert V2_LITE_WHOLE == 899_678_208
    assert V3_WHOLE == 2_554_954_752 and V3_WHOLE // 8 == 319_369_344
    assert QWEN3_NEXT_SHARED + QWEN3_NEXT_GATE == 302_186_496
    assert MAVERICK_WHOLE == 6_039_797_760


@pytest.mark.parametrize(("architecture", "version", "mode", "whole"), [
    ("DeepseekV3ForCausalLM", (0, 11, 0), SP_MOE_CHUNK, True),
    ("DeepseekV3ForCausalLM", (0, 34, 0), SP_MOE_SCATTER, True),
    ("GlmMoeDsaForCausalLM", (0, 25, 0), SP_MOE_SCATTER, True),
    ("Llama4ForConditionalGeneration", (0, 11, 0), SP_MOE_CHUNK, True),
    # Kimi-VL's text model builds deepseek_v2.py's DeepseekV2MoE (kimi_vl.py)
    ("KimiVLForConditionalGeneration", (0, 11, 0), SP_MOE_CHUNK, True),
    ("NemotronHForCausalLM", (0, 11, 1), SP_MOE_CHUNK, True),
    # qwen3_next.py passes is_sequence_parallel to its shared expert from 0.20.0
    ("Qwen3NextForCausalLM", (0, 19, 1), SP_MOE_CHUNK, False),
    ("Qwen3NextForCausalLM", (0, 20, 0), SP_MOE_CHUNK, True),
    ("Qwen3_5MoeForConditionalGeneration", (0, 26, 0), SP_MOE_SCATTER, True),
    # no shared experts in the block, or no sequence-parallel MoE on the layout
    ("Qwen3MoeForCausalLM", (0, 34, 0), SP_MOE_CHUNK, False),
    ("DeepseekV3ForCausalLM", (0, 34, 0), "", False),
])
def test_which_blocks_build_them_whole(architecture, version, mode, whole) -> None:
    assert sp_moe_shared_whole(architecture, version, mode) is whole


def test_deepseek_v2_lite_holds_them_whole_from_0_11() -> None:
    # 0.10.2, before the rule (no sequence-parallel MoE): split over TP 2
    assert _shared_bytes(V2_LITE, "h100-sxm", 4, TP2_DP2_EP, "0.10.2") == (
        [V2_LITE_WHOLE // 2] * 2, False) == ([449_839_104] * 2, False)
    for version in ("0.11.0", "0.19.0", "0.34.0"):
        assert _shared_bytes(V2_LITE, "h100-sxm", 4, TP2_DP2_EP, version) == (
            [V2_LITE_WHOLE] * 2, True)
    # without EP vLLM runs no sequence-parallel MoE: split
    assert _shared_bytes(V2_LITE, "h100-sxm", 4, ParallelLayout(tp=2, dp=2), "0.19.0") == (
        [V2_LITE_WHOLE // 2] * 2, False)


def test_deepseek_v3_at_tp8_dp2_ep() -> None:
    assert _shared_bytes("deepseek-ai/DeepSeek-V3", "h200", 16, TP8_DP2_EP, "0.10.2") == (
        [V3_WHOLE // 8] * 8, False)
    assert _shared_bytes("deepseek-ai/DeepSeek-V3", "h200", 16, TP8_DP2_EP, "0.19.0") == (
        [V3_WHOLE] * 8, True)


def test_qwen3_next_whole_from_0_20() -> None:
    repo = "Qwen/Qwen3-Next-80B-A3B-Instruct"
    assert _shared_bytes(repo, "h100-sxm", 4, TP2_DP2_EP, "0.19.1") == (
        [QWEN3_NEXT_SHARED // 2 + QWEN3_NEXT_GATE] * 2, False)
    assert _shared_bytes(repo, "h100-sxm", 4, TP2_DP2_EP, "0.20.0") == (
        [QWEN3_NEXT_SHARED + QWEN3_NEXT_GATE] * 2, True)


def test_llama4_maverick_at_tp8_dp2_ep() -> None:
    repo = "meta-llama/Llama-4-Maverick-17B-128E-Instruct"
    assert _shared_bytes(repo, "h200", 16, ParallelLayout(tp=8, dp=2), "0.19.0") == (
        [MAVERICK_WHOLE // 8] * 8, False)
    assert _shared_bytes(repo, "h200", 16, TP8_DP2_EP, "0.19.0") == ([MAVERICK_WHOLE] * 8, True)


def test_nemotron_super_latent_fc1_whole_on_0_13_too() -> None:
    # 40 MoE layers, a non-gated shared expert of 5,376 (2 x 4,096 x 5,376 = 44,040,192) and
    # latent projections fc1 / fc2 (2 x 4,096 x 1,024 = 8,388,608), held in BF16 (2 B).
    # 0.13.0 splits fc1 with the shared expert and holds fc2 whole:
    # 40 x 2 x (4,194,304 + (44,040,192 + 4,194,304) / 2) = 2,264,924,160 B. Sequence-parallel,
    # NemotronHMLP and fc1_latent_proj take disable_tp: 40 x 2 x 52,428,800 = 4,194,304,000 B
    repo = "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8"
    assert _shared_bytes(repo, "h200", 4, ParallelLayout(tp=2, dp=2), "0.13.0") == (
        [40 * 2 * (4_194_304 + (44_040_192 + 4_194_304) // 2)] * 2, False)
    assert _shared_bytes(repo, "h200", 4, TP2_DP2_EP, "0.13.0") == (
        [40 * 2 * (44_040_192 + 8_388_608)] * 2, True) == ([4_194_304_000] * 2, True)


def _request(layout: ParallelLayout, version: str) -> PlanRequest:
    return PlanRequest(model=catalog_spec(V2_LITE), cluster=preset_cluster("h100-sxm", 4),
                       layout=layout, engine=EngineSettings(max_model_len=8192,
                                                            vllm_version=version))


def test_the_speed_model_reads_the_whole_shared_experts() -> None:
    # a decode step reads each stage's dense bytes (speed.stages: attention, dense MLP, shared
    # experts, router, norms, lm_head): the whole shared experts add 899,678,208 / 2 B a rank;
    # the multiplies stay the split ones (each rank runs the whole MLP over 1/TP of the tokens)
    stages = [_context(request, FITTED, plan(request).max_num_batched_tokens).stages[0]
              for request in (_request(ParallelLayout(tp=2, dp=2), "0.19.0"),
                              _request(TP2_DP2_EP, "0.19.0"))]
    assert stages[1].dense_bytes - stages[0].dense_bytes == V2_LITE_WHOLE // 2
    assert stages[1].dense_params == stages[0].dense_params


def test_the_weights_term_says_so() -> None:
    p = plan(_request(TP2_DP2_EP, "0.19.0"))
    term = next(t for t in p.terms if t.key == "weights")
    assert "shared experts whole on each of the 2 TP ranks, not split: vLLM 0.19.0" in term.formula
    assert term.inputs["shared_experts_bytes"] == str(V2_LITE_WHOLE)
    assert term.inputs["shared_experts_split_ranks"] == "1"
    split = next(t for t in plan(_request(TP2_DP2_EP, "0.10.2")).terms if t.key == "weights")
    assert "shared experts whole" not in split.formula
    assert "shared_experts_split_ranks" not in split.inputs
