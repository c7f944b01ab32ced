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

- Gated DeltaNet (vllm_versions.GDN_BA_PAIR_FROM): in_proj_qkvz / in_proj_ba one-output
  ColumnParallelLinear layers 0.11.0-0.16.0; MergedColumnParallelLinear from 0.17.0, Qwen3-Next's
  in_proj_ba two shards [32, 32] in 0.17.0 only, one [64] from 0.18.0; conv1d never quantized.

Configs: /work/shared/model-configs Qwen3-235B-A22B-FP8 (moe_intermediate_size 1536, hidden
4096), Qwen3-32B-FP8 (intermediate_size 25600, hidden 5120), Qwen3-30B-A3B-FP8 (768, 2048).
No Qwen3-Next or Qwen3.5 FP8 config is in ../shared: the BF16 configs (Qwen3-Next-80B-A3B:
hidden 2048, 16 key heads and 32 value heads of 128; Qwen3.5-27B: hidden 5120, 16 key heads
and 48 value heads of 128) as a what-if target, or with a block-FP8 quantization_config written
here (_stored_fp8; its module list is this test's, not a real checkpoint's).
"""

import copy

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.fp8_block import fp8_block_refusal
from planner.serving.vllm_versions import EngineError, LayoutRefused, parse_version
from tests.cli.conftest import run_main

QWEN3_235B = "Qwen/Qwen3-235B-A22B-FP8"
QWEN3_32B = "Qwen/Qwen3-32B-FP8"
QWEN3_30B = "Qwen/Qwen3-30B-A3B-FP8"


QWEN3_NEXT = "Qwen/Qwen3-Next-80B-A3B-Instruct"
QWEN35_27B = "Qwen/Qwen3.5-27B"


def _plan(repo: str, layout: ParallelLayout, version: str, gpus: int = 8, nodes: int = 1,
          target_quant: str | None = None, model=None):
    """The plan on `gpus` H100s over `nodes` nodes (`model`: a spec in place of `repo`'s)."""
    return plan(PlanRequest(model=model or catalog_spec(repo),
                            cluster=preset_cluster("h100-sxm", gpus // nodes, nodes=nodes),
                            layout=layout,
                            engine=EngineSettings(vllm_version=version, max_model_len=32000,
                                                  target_quant=target_quant)))


def _stored_fp8(repo: str, kept: list[str]):
    """`repo`'s BF16 config as a 128 x 128 block-FP8 checkpoint keeping `kept` 16-bit."""
    config = copy.deepcopy(catalog_entry(repo).config)
    config["quantization_config"] = {"quant_method": "fp8", "activation_scheme": "dynamic",
                                     "weight_block_size": [128, 128],
                                     "modules_to_not_convert": kept}
    return parse_model_config(config, name=f"{repo}-FP8")


def _qwen3_next_ba_kept():
    """Qwen3-Next as block FP8 with in_proj_ba kept 16-bit in each Gated DeltaNet layer (every
    layer but each 4th: full_attention_interval 4)."""
    return _stored_fp8(QWEN3_NEXT, [f"model.layers.{i}.linear_attn.in_proj_ba"
                                    for i in range(48) if i % 4 != 3])


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


def test_a_model_without_vllm_s_own_class_is_refused_for_its_class_not_its_layers() -> None:
    # MiMo-V2-Flash (64 q heads, 4 or 8 KV heads, k 192 / v 128) at TP=8 + EP: its class's
    # qkv_proj would take 8 x 192 = 1536 + 192 + 128 per GPU (one KV head each), 192 % 128 =
    # 64, refused before 0.14.0 exempts merged layers; but mimo_v2_flash.py (and
    # QKVParallelLinear's v_head_size) first ship in 0.14.0: 0.13.0 would try its Transformers
    # backend, which Headroom does not model, so the refusal names the class, not the layer
    with pytest.raises(EngineError, match=r"^vLLM 0\.13\.0 has no model class for "
                       r"MiMoV2FlashForCausalLM .*plan it with vLLM 0\.14\.0 or later$"):
        _plan("XiaomiMiMo/MiMo-V2-Flash", ParallelLayout(tp=8, ep=True), "0.13.0")


def test_gdn_in_proj_ba_in_fp8_blocks_is_refused_at_tp2_but_on_0_17() -> None:
    # in_proj_ba: 2 x 32 value heads = 64 outputs, 64 / 2 = 32 per GPU, 32 % 128 = 32: one
    # output shard (ColumnParallelLinear 0.11-0.16, MergedColumnParallelLinear [64] from 0.18)
    spec = _stored_fp8(QWEN3_NEXT, [])
    for version in ("0.11.0", "0.16.0", "0.18.0", "0.34.0"):
        with pytest.raises(LayoutRefused, match=(
                r"stops building in_proj_ba \(Fp8LinearMethod.create_weights\) at TP=2: Weight "
                r"output_partition_size = 32 is not divisible by weight quantization block_n = "
                r"128 \(in_proj_ba takes output shards 32 per GPU; .*; use TP=1\.$")):
            _plan(QWEN3_NEXT, ParallelLayout(tp=2), version, gpus=2, model=spec)
    # 0.17.0 builds it as [32, 32] -> 16 + 16 per GPU: a merged layer with a shard off the
    # block, exempt from 0.14.0 (allow_fp8_block_shape_mismatch)
    assert _plan(QWEN3_NEXT, ParallelLayout(tp=2), "0.17.0", gpus=2, model=spec).fits
    # TP=1: the 64 outputs are whole (no TP split, one shard): no check on any release
    for version in ("0.11.0", "0.34.0"):
        assert fp8_block_refusal(spec, scheme("fp8-block128"), ParallelLayout(tp=1),
                                 parse_version(version), None) is None


def test_gdn_with_in_proj_ba_kept_loads_at_tp4() -> None:
    # in_proj_ba kept 16-bit (as a what-if is taken): in_proj_qkvz (2 x 2048 + 2 x 4096) / 4 =
    # 3072 = 24 x 128 outputs, out_proj 4096 / 4 = 1024 = 8 x 128 inputs per GPU
    kept = _qwen3_next_ba_kept()
    for version in ("0.11.0", "0.18.0", "0.34.0"):
        assert _plan(QWEN3_NEXT, ParallelLayout(tp=4), version, gpus=4, model=kept).fits
        assert _plan(QWEN3_NEXT, ParallelLayout(tp=4), version, gpus=4,
                     target_quant="fp8-block128").fits


def test_qwen3_5_in_proj_ba_is_two_shards_exempt_from_the_check() -> None:
    # Qwen3.5-27B: in_proj_ba [48, 48] -> 24 + 24 per GPU at TP=2, merged (b, a): exempt;
    # in_proj_qkvz [2048, 2048, 6144, 6144] / 2 = 1024, 1024, 3072, 3072 (8, 8, 24, 24 x 128)
    spec = _stored_fp8(QWEN35_27B, [])
    for version in ("0.17.0", "0.34.0"):
        assert fp8_block_refusal(spec, scheme("fp8-block128"), ParallelLayout(tp=2),
                                 parse_version(version), None) is None


def test_qwen3_next_fp8_is_not_planned_on_0_10_2() -> None:
    # 0.10.2 fuses in_proj_qkvz and in_proj_ba into one in_proj; a list keeping in_proj_ba
    # only raises "Detected some but not all shards ... are quantized" at every TP (vLLM issue
    # #25378); no Gated DeltaNet model is planned on 0.10.2, so none is called "Fits" there
    kept = _qwen3_next_ba_kept()
    with pytest.raises(EngineError, match=r"^vLLM 0\.10\.2's V1 layout of Mamba / linear-"
                                          r"attention state is not read; plan it with vLLM 0\.11"):
        _plan(QWEN3_NEXT, ParallelLayout(tp=4), "0.10.2", gpus=4, model=kept)
