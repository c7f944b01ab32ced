"""Block-FP8 checkpoints (Fp8Config weight_block_size [128, 128]) whose tensor-parallel shard
is not a whole number of blocks: refused as vLLM refuses them while building the weights, not
called "Fits" (vllm_versions.FP8_BLOCK_MERGED_EXEMPT_FROM, FP8_MOE_BLOCK_REFINED_FROM).

Read in the wheels 0.9.1-0.34.0:
- Fp8LinearMethod.create_weights (fp8.py inline to 0.10.2, fp8_utils.validate_fp8_block_shape
  from 0.11.0): a row-parallel layer's input_size_per_partition % block_k at TP > 1, each
  output shard % block_n of a TP-split or merged layer; merged layers with such a shard are
  exempt from 0.14.0 (ColumnParallelLinear._maybe_allow_fp8_block_shape_mismatch).
- Fp8MoEMethod.create_weights: the expert width per rank % block_n ("gate's and up's"), then
  % block_k at TP > 1 ("down's"); 0.29.0 refines the block scales to gcd(128, 128, width,
  hidden) where that is 32 or more.

Configs: /work/shared/model-configs Qwen3-235B-A22B-FP8 (moe_intermediate_size 1536, hidden
4096), Qwen3-32B-FP8 (intermediate_size 25600, hidden 5120), Qwen3-30B-A3B-FP8 (768, 2048).
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import LayoutRefused
from tests.cli.conftest import run_main

QWEN3_235B = "Qwen/Qwen3-235B-A22B-FP8"
QWEN3_32B = "Qwen/Qwen3-32B-FP8"
QWEN3_30B = "Qwen/Qwen3-30B-A3B-FP8"


def _plan(repo: str, layout: ParallelLayout, version: str, gpus: int = 8, nodes: int = 1):
    """The plan on `gpus` H100s over `nodes` nodes."""
    return plan(PlanRequest(model=catalog_spec(repo),
                            cluster=preset_cluster("h100-sxm", gpus // nodes, nodes=nodes),
                            layout=layout,
                            engine=EngineSettings(vllm_version=version, max_model_len=32000)))


def test_moe_experts_at_tp8_are_refused_up_to_0_28(capsys) -> None:
    # 1536 / 8 = 192 per GPU; 192 % 128 = 64 -> Fp8MoEMethod raises on 0.9.1-0.28.0
    for version in ("0.9.1", "0.20.0", "0.28.0"):
        with pytest.raises(LayoutRefused, match=(
                r"The output_size of gate's and up's weight = 192 is not divisible by weight "
                r"quantization block_n = 128 \(each expert is 1536 / 8 = 192 wide per GPU")):
            _plan(QWEN3_235B, ParallelLayout(tp=8), version)
    code, out, err = run_main(capsys, "plan", "--model", QWEN3_235B, "--gpu", "h100-sxm",
                              "--gpus", "8", "--tp", "8", "--max-model-len", "32k",
                              "--vllm-version", "0.20.0")
    assert code == 2 and out == ""
    line = err.strip()
    assert "\n" not in line and "Fits" not in line
    # the fixes: whole experts (1536 % 128 = 0), TP=4 (384 = 3 x 128), 0.29.0 (refines)
    assert line.endswith("use --enable-expert-parallel (each GPU holds whole experts) or "
                         "TP=4 or vLLM 0.29.0 or later.")


def test_moe_experts_fit_with_ep_at_tp4_and_from_0_29() -> None:
    # EP: each GPU holds whole 1536-wide experts, 1536 = 12 x 128
    assert _plan(QWEN3_235B, ParallelLayout(tp=8, ep=True), "0.20.0").fits
    # TP=4: 1536 / 4 = 384 = 3 x 128
    assert _plan(QWEN3_235B, ParallelLayout(tp=4), "0.20.0", gpus=4).fits
    # 0.29.0 refines the scales to gcd(128, 128, 192, 4096) = 64 >= 32
    assert _plan(QWEN3_235B, ParallelLayout(tp=8), "0.29.0").fits


def test_moe_refined_block_below_32_is_refused_on_0_34() -> None:
    # Qwen3-30B-A3B-FP8 at TP=8: 768 / 8 = 96, gcd(128, 128, 96, 2048) = 32: refined, fits
    assert _plan(QWEN3_30B, ParallelLayout(tp=8), "0.34.0").fits
    # TP=16 (2 nodes): 768 / 16 = 48, gcd = 16 < 32: no refinement, validate raises
    with pytest.raises(LayoutRefused, match=r"weight = 48 is not divisible .* or TP=8\.$"):
        _plan(QWEN3_30B, ParallelLayout(tp=16), "0.34.0", gpus=16, nodes=2)


def test_dense_down_proj_at_tp16_is_refused_on_every_release(capsys) -> None:
    # down_proj (RowParallelLinear): 25600 / 16 = 1600 inputs per GPU, 1600 % 128 = 64;
    # gate_up_proj is merged (1600 + 1600), exempt from 0.14.0, so down_proj raises there
    for version in ("0.14.0", "0.34.0"):
        with pytest.raises(LayoutRefused, match=(
                r"stops building down_proj .* at TP=16: Weight input_size_per_partition = 1600"
                r" is not divisible by weight quantization block_k = 128 \(down_proj takes "
                r"25600 / 16 = 1600 inputs per GPU")):
            _plan(QWEN3_32B, ParallelLayout(tp=16), version, gpus=16, nodes=2)
    # before 0.14.0 the merged gate_up_proj (built first) raises on its 1600-wide shards
    for version in ("0.9.1", "0.13.0"):
        with pytest.raises(LayoutRefused, match=(
                r"stops building gate_up_proj .* Weight output_partition_size = 1600 is not "
                r"divisible by weight quantization block_n = 128")):
            _plan(QWEN3_32B, ParallelLayout(tp=16), version, gpus=16, nodes=2)
    code, out, err = run_main(capsys, "plan", "--model", QWEN3_32B, "--gpu", "h100-sxm",
                              "--gpus", "16", "--nodes", "2", "--tp", "16",
                              "--max-model-len", "32k")
    assert code == 2 and out == "" and "Fits" not in err
    # TP=8: 25600 / 8 = 3200 = 25 x 128; no release exempts a row-parallel layer
    assert err.strip().splitlines()[-1].endswith("; use TP=8.")


def test_dense_at_tp8_fits() -> None:
    # 25600 / 8 = 3200 = 25 x 128; q 64 / 8 x 128 = 1024, kv 8 / 8 x 128 = 128; o 8192 / 8
    assert _plan(QWEN3_32B, ParallelLayout(tp=8), "0.9.1").fits


def test_a_model_without_vllm_s_own_class_is_not_refused_by_its_layers() -> None:
    # MiMo-V2-Flash (64 q heads, 4 or 8 KV heads, k 192 / v 128) at TP=8 + EP: its class's
    # qkv_proj would take 8 x 192 = 1536 + 192 + 128 per GPU (one KV head each), 192 % 128 =
    # 64, refused before 0.14.0 exempts merged layers; but mimo_v2_flash.py (and
    # QKVParallelLinear's v_head_size) first ship in 0.14.0: 0.13.0 runs the model on its
    # Transformers backend, which Headroom does not model, so no refusal and no confident fit
    result = _plan("XiaomiMiMo/MiMo-V2-Flash", ParallelLayout(tp=8, ep=True), "0.13.0")
    assert result.verdict.startswith("Fits (unmodelled: MiMoV2FlashForCausalLM on vLLM "
                                     "0.13.0's Transformers backend): "), result.verdict
