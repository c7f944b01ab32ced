"""--mamba-cache-dtype / --mamba-ssm-cache-dtype (EngineSettings.mamba_cache_dtype,
mamba_ssm_cache_dtype; engine.stages._state_dtype), worked by hand from the catalog configs
and the vLLM source.

vLLM: mamba_utils.py MambaStateDtypeCalculator._mamba_state_dtype (0.10.1-0.34.0):
`conv_state_dtype = get_kv_cache_torch_dtype(mamba_cache_dtype, model_dtype)`; `if
mamba_ssm_cache_dtype == "auto": temporal_state_dtype = conv_state_dtype else
STR_DTYPE_TO_TORCH_DTYPE[mamba_ssm_cache_dtype]`. models/config.py
NemotronHForCausalLMConfig.update_mamba_ssm_cache_dtype and Qwen3_5ForConditionalGenerationConfig
replace mamba_ssm_cache_dtype with the config's only `if cache_config.mamba_ssm_cache_dtype ==
"auto"` (0.13.0-0.34.0; 0.34.0 lines 1155 and 1304): a value given wins. A Gated DeltaNet model
passes mamba_ssm_cache_dtype from 0.17.0 (qwen3_next.py get_mamba_state_dtype_from_config);
gated_delta_net_state_dtype returned (conv, conv) before (0.10.2-0.16.0 wheels).
"""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import mamba_dtype_choices
from tests.planner.serving.test_mamba_cache_mode import POOL_0_34

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
NEXT = "Qwen/Qwen3-Next-80B-A3B-Instruct"
L = 262_144


def _plan(model: str, tp: int, version: str = "0.34.0", **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", tp),
        layout=ParallelLayout(tp=tp), engine=EngineSettings(vllm_version=version, **engine)))


def test_nano_ssm_state_in_float16_on_one_h100() -> None:
    # Nemotron-3-Nano (bfloat16; Mamba2 64 heads x 64, 8 groups, d_state 128, conv 4; 6
    # attention layers of 2 KV heads x 128; config mamba_ssm_cache_dtype float32), vLLM 0.34.0
    # (block_size 64, mamba_cache_mode "align": 3 state pages a Mamba group from 0.32.0).
    # Default: conv (4,096 + 2 x 8 x 128) x 3 = 18,432 x 2 B = 36,864 B + SSM 64 x 64 x 128 =
    # 524,288 x 4 B = 2,097,152 B -> 2,134,016 B; block 64 x cdiv(2,134,016, 64 x 1,024) = 2,112
    default = _plan(NANO, 1)
    assert default.block_size == 2_112 and default.kv_cache_tokens == 1_561_383
    # --mamba-ssm-cache-dtype float16 wins over the config's float32: 36,864 + 524,288 x 2 B =
    # 1,085,440 B; block 64 x cdiv(1,085,440, 65,536) = 64 x 17 = 1,088 (65,536 x 16 =
    # 1,048,576 is short); one block = 6 pages (4 Mamba groups + 1 attention group of 6) of
    # 1,088 x 1,024 B = 6,684,672 B
    half = _plan(NANO, 1, mamba_ssm_cache_dtype="float16")
    assert half.block_size == 1_088
    # the pool: test_mamba_cache_mode.POOL_0_34, worked out there term by term
    assert half.kv_cache_bytes_per_gpu == default.kv_cache_bytes_per_gpu == POOL_0_34
    # 6,684,672 x 1,584 = 10,588,520,448; x 1,585 = 10,595,205,120 is over the pool
    assert half.num_gpu_blocks == 1_584
    # pages a request: cdiv(262,144, 1,088) = 241 (1,088 x 240 = 261,120) + 4 x 3 = 253;
    # int(1,584 x 262,144 / 253) = int(415,236,096 / 253) = 1,641,249
    assert half.kv_cache_tokens == 1_641_249


def test_nano_conv_state_in_float32_keeps_the_configs_ssm_dtype() -> None:
    # --mamba-cache-dtype float32, SSM auto (the config's float32): 18,432 x 4 B = 73,728 +
    # 2,097,152 = 2,170,880 B; block 64 x cdiv(2,170,880, 65,536) = 64 x 34 (65,536 x 33 =
    # 2,162,688 is short) = 2,176; 2,176 x 1,024 x 6 = 13,369,344 B a block: 792 blocks
    # (13,369,344 x 793 = 10,601,889,792 is over 10,594,473,923); cdiv(262,144, 2,176) = 121
    # + 12 = 133 pages: int(792 x 262,144 / 133) = 1,561,037
    r = _plan(NANO, 1, mamba_cache_dtype="float32")
    assert (r.block_size, r.num_gpu_blocks, r.kv_cache_tokens) == (2_176, 792, 1_561_037)


def test_gated_deltanet_takes_the_ssm_dtype_from_0_17_0() -> None:
    # Qwen3-Next-80B-A3B (bfloat16, no mamba_ssm_dtype; GDN 16 key / 32 value heads of 128,
    # conv 4; attention 2 KV heads of 256) at TP=4, prefix caching off (0.16/0.17): per rank
    # conv (128 x 16 x 2 + 128 x 32) / 4 x 3 = 6,144 x 2 B = 12,288 B; temporal 32 / 4 x 128 x
    # 128 = 131,072 elements; attention 1 KV head (2 over 4 ranks, replicated) x 256 x 2 x 2 B
    # = 1,024 B a token. Default: 12,288 + 262,144 = 274,432 B, block 16 x cdiv(274,432,
    # 16,384) = 16 x 17 = 272
    assert _plan(NEXT, 4, "0.17.0").block_size == 272
    # float32 asked: 12,288 + 524,288 = 536,576 B, block 16 x cdiv(536,576, 16,384) = 16 x 33
    # (16,384 x 32 = 524,288 is short) = 528
    assert _plan(NEXT, 4, "0.17.0", mamba_ssm_cache_dtype="float32").block_size == 528
    # 0.16.0: gated_delta_net_state_dtype(model_dtype, mamba_cache_dtype) -> (conv, conv): the
    # flag parses and changes nothing
    base = _plan(NEXT, 4, "0.16.0")
    asked = _plan(NEXT, 4, "0.16.0", mamba_ssm_cache_dtype="float32")
    assert (asked.block_size, asked.kv_cache_tokens) == (base.block_size, base.kv_cache_tokens)


def test_a_model_without_recurrent_layers_is_planned_unchanged() -> None:
    base = _plan("Qwen/Qwen3-8B", 1)
    asked = _plan("Qwen/Qwen3-8B", 1, mamba_cache_dtype="float32",
                  mamba_ssm_cache_dtype="float16")
    assert (asked.block_size, asked.kv_cache_tokens) == (base.block_size, base.kv_cache_tokens)
    # the flags kept in the command: the release's parser takes them for any model
    assert asked.vllm_command.endswith("--mamba-cache-dtype float32 --mamba-ssm-cache-dtype "
                                       "float16")


def test_the_choices_per_release() -> None:
    # config/cache.py MambaDType: Literal["auto", "float32"] 0.10.1-0.12.0, + "float16"
    # 0.13.0-0.21.0, + "bfloat16" 0.22.0-0.34.0; no flag in the 0.10.0 parser
    assert mamba_dtype_choices((0, 10, 0)) == ()
    assert mamba_dtype_choices((0, 12, 0)) == ("auto", "float32")
    assert mamba_dtype_choices((0, 21, 0)) == ("auto", "float32", "float16")
    assert mamba_dtype_choices((0, 22, 0)) == ("auto", "float32", "float16", "bfloat16")


def test_the_dump_keeps_its_keys_while_auto() -> None:
    assert "mamba_cache_dtype" not in EngineSettings().model_dump()
    assert EngineSettings(mamba_ssm_cache_dtype="float16").model_dump()[
        "mamba_ssm_cache_dtype"] == "float16"
