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
- the Mamba page as Headroom sizes it (planner.model.attention.mamba.Mamba2Kv: the whole state
  in the config's mamba_ssm_cache_dtype): conv (64 x 64 + 2 x 8 x 128) x (4 - 1) = 18,432 +
  SSM 64 x 64 x 128 = 524,288 -> 542,720 elements x 4 B = 2,170,880 B
- attention 2 x 2 x 128 x 2 B = 1,024 B a token a layer
- "all" (platforms/interface.py _align_hybrid_block_size, 0.27.0): kernel_block_alignment_size
  = max(16, block_size 16) = 16; chunk_size = lcm(128, 16) = 128; attn_tokens_per_mamba_state
  = cdiv(2,170,880, 1,024) = 2,120; attn_block_size = 128 x cdiv(2,120, 128) = 128 x 17 = 2,176
- "none" / "align" (the else branch): 16 x cdiv(2,170,880, 16 x 1,024) = 16 x 133 = 2,128;
  0.34.0 (block_size 64 by default): 64 x cdiv(2,170,880, 64 x 1,024) = 64 x 34 = 2,176
- groups (kv_cache_utils._get_kv_cache_groups_uniform_page_size): 23 Mamba, 6 attention, 23 >=
  1.5 x 6 -> group_size 6: cdiv(23, 6) = 4 Mamba groups + 1 attention group = 5; one block =
  6 pages: 2,176 x 1,024 x 6 = 13,369,344 B (2,128 x 1,024 x 6 = 13,074,432 B)
- pages a request of L = 262,144 takes (get_max_concurrency_for_kv_cache_config: sum over the
  groups of cdiv(MambaSpec.max_memory_usage_bytes, page)): attention cdiv(L, block) each;
  Mamba "all" cdiv(L, block) (+ num_speculative_blocks from 0.22.0), "align" 2 (3 from 0.32.0
  for Mamba2: num_prefill_checkpoint_blocks), "none" 1
- KV tokens = int(num_blocks / pages x L) (kv_cache_utils.get_kv_cache_capacity)
The profile run is the same in every mode (ssd_combined.py computes every chunk's state;
return_intermediate_states only returns them), so the pool is: 0.27.0's 11,072,113,219 B.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import mamba_cache_mode

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
L = 262_144


def _plan(version: str, **engine):
    return plan(PlanRequest(
        model=catalog_spec(NANO), cluster=preset_cluster("h100", 1),
        layout=ParallelLayout(tp=1), engine=EngineSettings(vllm_version=version, **engine)))


def test_0_27_0_runs_all_where_prefix_caching_is_asked_a_state_page_per_block() -> None:
    r = _plan("0.27.0", enable_prefix_caching=True)
    assert r.block_size == 2_176
    assert r.kv_cache_bytes_per_gpu == 11_072_113_219
    assert r.num_gpu_blocks == 11_072_113_219 // 13_369_344 == 828
    # 1 attention group x cdiv(262,144, 2,176) = 121, 4 Mamba groups x 121 = 484: 605 pages
    assert r.max_concurrency == pytest.approx(828 / 605)
    assert r.kv_cache_tokens == 828 * L // 605 == 358_768
    # planned as "align" before: 846 blocks of 2,128 tokens, 124 + 4 x 2 = 132 pages a
    # request, int(846 x 262,144 / 132) = 1,680,104 KV tokens: 4.7 x what vLLM holds


@pytest.mark.parametrize("version", ["0.26.0", "0.27.0", "0.27.1"])
def test_0_26_0_to_0_27_1_keep_prefix_caching_off_for_hybrids_by_default(version) -> None:
    # arg_utils.py: `is_prefix_caching_supported and not model_config.is_hybrid`: "none",
    # one state page a Mamba group, the block 16 x cdiv(2,170,880, 16 x 1,024) = 2,128
    r = _plan(version)
    assert r.block_size == 2_128
    assert r.kv_cache_tokens == r.num_gpu_blocks * L // 128


def test_0_27_0_without_prefix_caching_holds_one_state_page() -> None:
    r = _plan("0.27.0", enable_prefix_caching=False)
    assert r.block_size == 2_128
    assert r.kv_cache_bytes_per_gpu == 11_072_113_219  # the profile does not move
    assert r.num_gpu_blocks == 11_072_113_219 // 13_074_432 == 846
    # cdiv(262,144, 2,128) = 124 + 4 x 1 = 128 pages
    assert r.kv_cache_tokens == 846 * L // 128 == 1_732_608


def test_0_27_0_all_adds_the_speculative_pages() -> None:
    r = _plan("0.27.0", num_speculative_tokens=1, enable_prefix_caching=True)
    # the conv state widens by a column (18,432 + 6,144) x 4 B: cdiv(2,195,456, 1,024) =
    # 2,144 -> 128 x 17 = 2,176 still; pages 121 + 4 x (121 + 1) = 609
    assert r.block_size == 2_176
    assert r.kv_cache_tokens == r.num_gpu_blocks * L // 609


def test_0_25_0_all_only_where_prefix_caching_is_asked() -> None:
    assert _plan("0.25.0").block_size == 2_128  # off by default before 0.28.0
    asked = _plan("0.25.0", enable_prefix_caching=True)
    assert asked.block_size == 2_176
    assert asked.kv_cache_tokens == asked.num_gpu_blocks * L // 605


def test_0_28_0_turns_prefix_caching_on_in_align() -> None:
    # default_prefix_caching = is_prefix_caching_supported (True for hybrids) from 0.28.0, and
    # MambaModelConfig picks "align": 2,128-token blocks (block_size 16), 124 + 4 x 2 = 132
    # pages (no Mamba2 prefill checkpoint before 0.32.0)
    r = _plan("0.28.0")
    assert r.block_size == 2_128
    assert r.kv_cache_tokens == r.num_gpu_blocks * L // 132


def test_0_34_0_runs_align() -> None:
    r = _plan("0.34.0")
    assert r.block_size == 2_176
    assert r.num_gpu_blocks == r.kv_cache_bytes_per_gpu // 13_369_344 == 792
    # 121 + 4 x 3 = 133 pages
    assert r.kv_cache_tokens == 792 * L // 133 == 1_561_037


NEMOTRON_H = ("NemotronHForCausalLM",)


@pytest.mark.parametrize(("version", "architectures", "prefix", "speculative", "mode"), [
    ((0, 14, 0), NEMOTRON_H, True, False, "none"),
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
