"""vLLM's mamba_cache_mode "all" (vllm_versions.MAMBA_ALL_BEFORE, mamba_cache_mode), worked by
hand from the catalog's nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16 config and the vLLM source.

Which mode (model_executor/models/config.py MambaModelConfig.verify_and_update_config): with
prefix caching on and mamba_cache_mode "none", `"all" if model_config.
supports_mamba_prefix_caching else "align"` in the 0.15.0-0.27.1 wheels ("align" when a
speculative_config is set in 0.20.0-0.21.0); "align" from 0.28.0. Prefix caching is on by
default for hybrids from 0.28.0 only (engine/arg_utils.py
_set_default_chunked_prefill_and_prefix_caching_args: default_prefix_caching =
is_prefix_caching_supported, which is False for hybrids up to 0.25.1; the 0.26.0-0.27.1 wheels
take `is_prefix_caching_supported and not model_config.is_hybrid`, "keep it opt-in for now"),
so "all" is planned only where prefix caching is asked. NemotronHForCausalLM subclasses
SupportsMambaPrefixCaching (models/nemotron_h.py); Qwen3-Next does not.

The model: 52 layers, 23 Mamba2 ("M"), 6 attention ("*": 2 KV heads of 128), bfloat16;
Mamba2 64 heads of 64, n_groups 8, ssm_state_size 128, conv_kernel 4, chunk_size 128,
mamba_ssm_cache_dtype float32; max_position_embeddings 262,144 (the max_model_len planned).
One H100, TP=1:
- the Mamba page (MambaSpec.page_size_bytes: each state's elements x its dtype; mamba_utils.py
  MambaStateDtypeCalculator._mamba_state_dtype: the conv state in mamba_cache_dtype, auto = the
  model dtype, the SSM state in mamba_ssm_cache_dtype, which NemotronHForCausalLMConfig sets
  from the config's float32): conv (64 x 64 + 2 x 8 x 128) x (4 - 1) = 18,432 x 2 B = 36,864 B
  + SSM 64 x 64 x 128 = 524,288 x 4 B = 2,097,152 B -> 2,134,016 B
- attention 2 x 2 x 128 x 2 B = 1,024 B a token a layer
- "all" (platforms/interface.py _align_hybrid_block_size, 0.27.0): kernel_block_alignment_size
  = max(16, block_size 16) = 16; chunk_size = lcm(128, 16) = 128; attn_tokens_per_mamba_state
  = cdiv(2,134,016, 1,024) = 2,084 (1,024 x 2,084 = 2,134,016); attn_block_size = 128 x
  cdiv(2,084, 128) = 128 x 17 = 2,176
- "none" / "align" (the else branch): 16 x cdiv(2,134,016, 16 x 1,024) = 16 x 131 = 2,096
  (16,384 x 130 = 2,129,920 is short); 0.34.0 (block_size 64 by default): 64 x
  cdiv(2,134,016, 64 x 1,024) = 64 x 33 = 2,112 (65,536 x 32 = 2,097,152 is short)
- groups (kv_cache_utils._get_kv_cache_groups_uniform_page_size): 23 Mamba, 6 attention, 23 >=
  1.5 x 6 -> group_size 6: cdiv(23, 6) = 4 Mamba groups + 1 attention group = 5; one block =
  6 pages: 2,176 x 1,024 x 6 = 13,369,344 B (2,096: 12,877,824 B; 2,112: 12,976,128 B)
- pages a request of L = 262,144 takes (get_max_concurrency_for_kv_cache_config: sum over the
  groups of cdiv(MambaSpec.max_memory_usage_bytes, page)): attention cdiv(L, block) each;
  Mamba "all" cdiv(L, block) (+ num_speculative_blocks from 0.22.0), "align" 2 (3 from 0.32.0
  for Mamba2: num_prefill_checkpoint_blocks), "none" 1
- KV tokens = int(num_blocks / pages x L) (kv_cache_utils.get_kv_cache_capacity)
The profile run is the same in every mode (ssd_combined.py computes every chunk's state;
return_intermediate_states only returns them), so the pool is one figure a release: POOL_0_27
and POOL_0_34, worked out below term by term as tests/planner/serving/test_long_len.py works
Qwen3-8B's (vLLM's defaults on an H100: 1,024 sequences, 8,192 batched tokens).
"""

import math

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import mamba_cache_mode, nemotron_ssm_default

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
L = 262_144

# The pool by hand, one H100 SXM (CUDA total 85,029,615,043 B: hardware/presets.py):
BUDGET = math.ceil(85_029_615_043 * 0.92)  # 78,227,245,840 B: request_memory's ceil
# Weights, bf16 (config.json: hidden 2,688, vocab 131,072 untied, pattern of 23 M, 23 E, 6 *):
#   embeddings + lm_head 2 x 131,072 x 2,688; attention 6 x (2,688 x 4,096 (q) x 2 (q, o) +
#   2,688 x 256 x 2 (k, v: 2 KV heads of 128)); Mamba2 23 x (in_proj 2,688 x (2 x 4,096 +
#   2 x 8 groups x 128 + 64 heads) + conv1d (4,096 + 2,048) x (4 + 1 bias) + D, dt_bias
#   2 x 64 + gated norm 4,096 + out_proj 4,096 x 2,688) = 23 x 38,742,144; routed experts
#   23 x 128 x (up + down, relu2: not gated) 2 x 2,688 x 1,856; shared expert 23 x 2 x 2,688
#   x 3,712; 53 norms of 2,688 (52 layers + final); all x 2 B; the router 23 x (2,688 x 128
#   x 2 B (bf16 on an H100: weight_load.gate_fp32) + 128 x 4 B (e_score_correction_bias,
#   float32: nemotron_h.py NemotronHMoE)); Mamba2's A 23 x 64 x 4 B (float32: mamba_mixer2.py
#   MambaMixer2, every release); no rotary cache (NemotronH attention has none)
WEIGHTS = (2 * (2 * 131_072 * 2_688 + 6 * (2_688 * 4_096 * 2 + 2_688 * 256 * 2)
                + 23 * (2_688 * (2 * 4_096 + 2 * 8 * 128 + 64) + (4_096 + 2_048) * 5 + 2 * 64
                        + 4_096 + 4_096 * 2_688)
                + 23 * 128 * 2 * 2_688 * 1_856 + 23 * 2 * 2_688 * 3_712
                + 53 * 2_688)
           + 23 * (2_688 * 128 * 2 + 128 * 4) + 23 * 64 * 4)  # 63,155,889,408 B
# Activation, the fitted profile peak (engine/activation.py): 3.637 x 1,024 seqs x 131,072
# vocab x 4 B + 0.308 x 8,192 x (2,688 + widest MLP 6 x 1,856 + 3,712 = 14,848) x 2 B
# + 2.574 x 8,192 x 6 experts x 2,688 x 2 B
ACTIVATION = int(3.637 * 1_024 * 131_072 * 4 + 0.308 * 8_192 * (2_688 + 14_848) * 2
                 + 2.574 * 8_192 * 6 * 2_688 * 2)  # 2,721,247,657 B
NON_TORCH = 2**28  # the 0.25 GiB CUDA context
# CUDA graphs: 51 capture sizes (1, 2, 4; 8-248 by 8; 256-512 by 16), each piecewise and,
# within 1,024 sequences, full: 102 x 8,808,038 B (int(8.4 MiB), engine/cuda_graphs.py)
GRAPHS = 102 * 8_808_038
# Model Runner V1 (0.27.0): inputs_embeds 8,192 x 2,688 x 2 B + the block table at the
# placeholder block of 16 (gpu_model_runner.py; the hybrid's block size is set after it, by
# update_block_size_for_backend, 0.27.1 wheel): 1,024 x cdiv(262,144, 16) x 4 B
RUNNER_V1 = 8_192 * 2_688 * 2 + 1_024 * 16_384 * 4  # 111,149,056 B
# Model Runner V2 (0.34.0): output_bin_counts 1,024 x 131,072 x 4 B, prompt_bin_mask and
# grammar_bitmask 1,024 x cdiv(131,072, 32) x 4 B each, sampler tables 1,024 x 17,924 B
RUNNER_V2 = 1_024 * 131_072 * 4 + 2 * 1_024 * 4_096 * 4 + 1_024 * 17_924  # 588,779,520 B
POOL_0_27 = BUDGET - WEIGHTS - ACTIVATION - NON_TORCH - GRAPHS - RUNNER_V1  # 11,072,104,387
POOL_0_34 = BUDGET - WEIGHTS - ACTIVATION - NON_TORCH - GRAPHS - RUNNER_V2  # 10,594,473,923


def _plan(version: str, model: str = NANO, tp: int = 1, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", tp),
        layout=ParallelLayout(tp=tp), engine=EngineSettings(vllm_version=version, **engine)))


def test_0_27_0_runs_all_where_prefix_caching_is_asked_a_state_page_per_block() -> None:
    r = _plan("0.27.0", enable_prefix_caching=True)
    assert r.block_size == 2_176
    rank = r.per_gpu[0]
    assert (rank.budget_bytes, rank.weights_bytes, rank.activation_bytes, rank.non_torch_bytes,
            rank.cuda_graph_bytes, rank.runner_buffer_bytes) == (
        BUDGET, WEIGHTS, ACTIVATION, NON_TORCH, GRAPHS, RUNNER_V1)
    assert r.kv_cache_bytes_per_gpu == POOL_0_27 == 11_072_104_387
    assert r.num_gpu_blocks == POOL_0_27 // 13_369_344 == 828
    # 1 attention group x cdiv(262,144, 2,176) = 121, 4 Mamba groups x 121 = 484: 605 pages
    assert r.max_concurrency == pytest.approx(828 / 605)
    assert r.kv_cache_tokens == 828 * L // 605 == 358_768
    # planned as "align" before h665 (and with the conv state in float32, before h668): 846
    # blocks of 2,128 tokens, 124 + 4 x 2 = 132 pages a request, int(846 x 262,144 / 132) =
    # 1,680,104 KV tokens: 4.7 x what vLLM holds


@pytest.mark.parametrize("version", ["0.26.0", "0.27.0", "0.27.1"])
def test_0_26_0_to_0_27_1_keep_prefix_caching_off_for_hybrids_by_default(version) -> None:
    # arg_utils.py: `is_prefix_caching_supported and not model_config.is_hybrid`: "none",
    # one state page a Mamba group, the block 16 x cdiv(2,134,016, 16 x 1,024) = 2,096:
    # cdiv(262,144, 2,096) = 126 + 4 x 1 = 130 pages
    r = _plan(version)
    assert r.block_size == 2_096
    assert r.kv_cache_tokens == r.num_gpu_blocks * L // 130


def test_0_27_0_without_prefix_caching_holds_one_state_page() -> None:
    r = _plan("0.27.0", enable_prefix_caching=False)
    assert r.block_size == 2_096
    assert r.kv_cache_bytes_per_gpu == POOL_0_27  # the profile does not move
    # 12,877,824 x 859 = 11,062,050,816; x 860 = 11,074,928,640 is over
    assert r.num_gpu_blocks == POOL_0_27 // 12_877_824 == 859
    # cdiv(262,144, 2,096) = 126 (2,096 x 125 = 262,000) + 4 x 1 = 130 pages
    assert r.kv_cache_tokens == 859 * L // 130 == 1_732_166


def test_0_27_0_all_adds_the_speculative_pages() -> None:
    r = _plan("0.27.0", num_speculative_tokens=1, enable_prefix_caching=True)
    # the conv state widens by a column (18,432 + 6,144) x 2 B = 49,152 + 2,097,152 =
    # 2,146,304 B: cdiv(2,146,304, 1,024) = 2,096 -> 128 x 17 = 2,176 still; pages 121 + 4 x
    # (121 + 1) = 609
    assert r.block_size == 2_176
    assert r.kv_cache_tokens == r.num_gpu_blocks * L // 609


def test_0_25_0_all_only_where_prefix_caching_is_asked() -> None:
    assert _plan("0.25.0").block_size == 2_096  # off by default before 0.28.0
    asked = _plan("0.25.0", enable_prefix_caching=True)
    assert asked.block_size == 2_176
    assert asked.kv_cache_tokens == asked.num_gpu_blocks * L // 605


def test_0_28_0_turns_prefix_caching_on_in_align() -> None:
    # default_prefix_caching = is_prefix_caching_supported (True for hybrids) from 0.28.0, and
    # MambaModelConfig picks "align": 2,096-token blocks (block_size 16), 126 + 4 x 2 = 134
    # pages (no Mamba2 prefill checkpoint before 0.32.0)
    r = _plan("0.28.0")
    assert r.block_size == 2_096
    assert r.kv_cache_tokens == r.num_gpu_blocks * L // 134


def test_0_34_0_runs_align() -> None:
    r = _plan("0.34.0")
    assert r.block_size == 2_112
    assert r.per_gpu[0].runner_buffer_bytes == RUNNER_V2
    assert r.kv_cache_bytes_per_gpu == POOL_0_34 == 10_594_473_923
    # pool 10,594,473,923 B: 12,976,128 x 816 = 10,588,520,448; x 817 = 10,601,496,576 is over
    assert r.num_gpu_blocks == r.kv_cache_bytes_per_gpu // 12_976_128 == 816
    # cdiv(262,144, 2,112) = 125 (2,112 x 124 = 261,888) + 4 x 3 = 137 pages
    assert r.kv_cache_tokens == 816 * L // 137 == 1_561_383


NEMOTRON_H = ("NemotronHForCausalLM",)


@pytest.mark.parametrize(("version", "architectures", "prefix", "speculative", "mode"), [
    # before 0.15.0 (no modes) MambaModelConfig drops prefix caching for every hybrid in
    # 0.10.2-0.11.0, and in 0.11.1-0.14.0 for a model without SupportsMambaPrefixCaching; kept,
    # the state is paged per block as "all" (vllm_versions.MAMBA_PREFIX_CACHING_FROM)
    ((0, 11, 0), NEMOTRON_H, True, False, "none"),
    ((0, 11, 1), NEMOTRON_H, True, False, "all"),
    ((0, 14, 0), NEMOTRON_H, True, False, "all"),
    ((0, 14, 0), ("Qwen3NextForCausalLM",), True, False, "none"),
    ((0, 14, 0), NEMOTRON_H, False, False, "none"),
    ((0, 15, 0), NEMOTRON_H, True, False, "all"),
    ((0, 19, 0), NEMOTRON_H, True, True, "all"),
    ((0, 20, 0), NEMOTRON_H, True, True, "align"),
    ((0, 21, 0), NEMOTRON_H, True, False, "all"),
    ((0, 22, 0), NEMOTRON_H, True, True, "all"),
    ((0, 27, 1), ("GraniteMoeHybridForCausalLM",), True, False, "all"),
    ((0, 27, 1), NEMOTRON_H, False, False, "none"),
    ((0, 27, 1), ("Qwen3NextForCausalLM",), True, False, "align"),
    ((0, 28, 0), NEMOTRON_H, True, False, "align"),
    ((0, 34, 0), NEMOTRON_H, True, False, "align"),
])
def test_the_mode_per_release(version, architectures, prefix, speculative, mode) -> None:
    assert mamba_cache_mode(version, architectures, prefix, speculative) == mode


# The SSM state's dtype per release (vllm_versions.NEMOTRON_H_SSM_CONFIG_ARCHITECTURES,
# NEMOTRON_H_SSM_FP32_FROM): models/config.py NemotronHForCausalLMConfig sets an "auto"
# mamba_ssm_cache_dtype to `getattr(hf_config, "mamba_ssm_cache_dtype", "float16")` in the
# 0.13.0-0.19.1 wheels, DEFAULT_MAMBA_SSM_CACHE_DTYPE "float32" from 0.20.0; no such class in
# 0.11.0-0.12.0, where the whole state is in the model dtype. On 0.19.1, which allows
# transformers 5, the config object without --trust-remote-code is transformers 5's
# NemotronHConfig (`mamba_ssm_cache_dtype: str = "float32"`, 5.5.1 configuration_nemotron_h.py
# :121), with it the repository's class (configuration_auto.py, 5.5.1 :1499), which declares
# none: tests/planner/serving/test_nemotron_ssm_class.py.


@pytest.mark.parametrize(("version", "remote", "default"), [
    ((0, 12, 0), False, None), ((0, 13, 0), True, "float16"), ((0, 19, 0), False, "float16"),
    ((0, 19, 1), True, "float16"), ((0, 19, 1), False, "float32"),
    ((0, 20, 0), True, "float32"), ((0, 34, 0), False, "float32"),
])
def test_nemotron_h_ssm_default_per_release(version, remote, default) -> None:
    assert nemotron_ssm_default(version, NEMOTRON_H, remote) == default


def test_0_12_0_reads_no_state_dtype_from_the_config() -> None:
    # Nano's float32 unread: (18,432 + 524,288) x 2 B = 1,085,440 B; 16 x cdiv(1,085,440,
    # 16,384) = 16 x 67 (16,384 x 66 = 1,081,344 is short) = 1,072
    assert _plan("0.12.0").block_size == 1_072
    assert _plan("0.13.0").block_size == 2_096  # float32 read: 2,134,016 B as above


H56 = "nvidia/Nemotron-H-56B-Base-8K"  # no mamba_ssm_cache_dtype in its config


def test_nemotron_h_without_the_key_float16_then_float32() -> None:
    # TP=2: 256 heads x 64, 8 groups, d_state 256, conv 4: conv (16,384 + 2 x 8 x 256) / 2 x 3
    # = 30,720 x 2 B = 61,440 B; SSM 256 / 2 x 64 x 256 = 2,097,152 elements; attention 8 / 2
    # KV heads x 128 x 2 x 2 B = 2,048 B a token
    # 0.19.0 float16: 61,440 + 4,194,304 = 4,255,744 B; 16 x cdiv(4,255,744, 32,768) = 16 x 130
    assert _plan("0.19.0", H56, 2).block_size == 2_080
    # 0.20.0 float32: 61,440 + 8,388,608 = 8,450,048 B; 16 x cdiv(8,450,048, 32,768) = 16 x 258
    # (32,768 x 257 = 8,421,376 is short) = 4,128
    assert _plan("0.20.0", H56, 2).block_size == 4_128
