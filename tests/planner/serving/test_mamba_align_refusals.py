"""vLLM's start-up asserts on a model with recurrent state in mamba_cache_mode "align" (prefix
caching on), refused in vLLM's words instead of planned as fitting
(vllm_versions.align_refusal, align_block_refusal; plan.derive._require_mamba_settings,
plan.refusals.align_block_error), read in the vLLM source:

- chunked prefill required: models/config.py MambaModelConfig.verify_and_update_config
  `assert vllm_config.scheduler_config.enable_chunked_prefill` under `mamba_cache_mode ==
  "align"` (0.15.0 wheel :354, 0.30.0 :642; any prefix caching from 0.32.0 :694), "Chunked
  prefill is required for mamba cache mode 'align'." up to 0.32.0, "... for Mamba prefix
  caching." in 0.33.0 (:772) and 0.34.0 (:1103);
- no speculative decoding in "align": the same function in the 0.15.0 and 0.16.0 wheels
  (:357), "Mamba cache mode 'align' is currently not compatible with speculative decoding.";
  gone from 0.17.0;
- config/vllm.py "In Mamba cache align mode, block_size ({block}) must be <=
  max_num_batched_tokens ({mbt})." in 0.17.0 (:1216, __post_init__) and
  VllmConfig.validate_block_size 0.18.0-0.26.0 (0.26.0 :2266), with the hybrid-aligned
  attention block; not in 0.15.0 / 0.16.0 (config/vllm.py:1008), gone from 0.27.0 (:2304).

Blocks worked by hand. Nemotron-3-Nano (TP 1): state page conv (64 x 64 + 2 x 8 x 128) x 3 x 2 B
= 36,864 B + SSM 64 x 64 x 128 x 4 B (config mamba_ssm_cache_dtype float32) = 2,097,152 B =
2,134,016 B; attention 2 (K, V) x 2 heads x 128 x 2 B = 1,024 B a token: "align" / "none"
16 x cdiv(2,134,016, 16 x 1,024) = 16 x 131 = 2,096 tokens; "all" lcm(chunk_size 128, 16) x
cdiv(cdiv(2,134,016, 1,024) = 2,084, 128) = 128 x 17 = 2,176. Qwen3-Next at TP 4: GDN conv
(16 x 128 x 2 + 32 x 128) / 4 = 2,048 x 3 x 2 B = 12,288 B + state 32 / 4 = 8 heads x 128 x 128
x 2 B = 262,144 B = 274,432 B; attention 2 KV heads / 4 -> 1 a rank: 2 x 256 x 2 B = 1,024 B a
token: 16 x cdiv(274,432, 16,384) = 16 x 17 = 272 tokens (Qwen3-Next supports no Mamba prefix
caching, so prefix caching runs it in "align").
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import EngineError, LayoutRefused

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
NEXT = "Qwen/Qwen3-Next-80B-A3B-Instruct"


def _plan(version: str, model: str = NANO, tp: int = 1, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", tp),
        layout=ParallelLayout(tp=tp), engine=EngineSettings(vllm_version=version, **engine)))


@pytest.mark.parametrize(("version", "words"), [
    ("0.30.0", "Chunked prefill is required for mamba cache mode 'align'."),
    ("0.32.0", "Chunked prefill is required for mamba cache mode 'align'."),
    ("0.34.0", "Chunked prefill is required for Mamba prefix caching."),
])
def test_align_without_chunked_prefill_is_refused(version, words) -> None:
    # prefix caching is on by default for hybrids from 0.28.0, so Nano runs "align"
    with pytest.raises(EngineError, match=f"vLLM {version} refuses this model in "
                       "mamba_cache_mode 'align'") as refused:
        _plan(version, enable_chunked_prefill=False)
    assert f'"{words}"' in str(refused.value)


def test_all_or_no_prefix_caching_needs_no_chunked_prefill() -> None:
    # "all" (0.30.0 still takes it) and "none" skip the assert: planned, 2,176 and 2,096 blocks
    every = _plan("0.30.0", enable_chunked_prefill=False, mamba_cache_mode="all")
    assert every.block_size == 2_176
    none = _plan("0.30.0", enable_chunked_prefill=False, enable_prefix_caching=False)
    assert none.block_size == 2_096


def test_align_with_speculative_decoding_is_refused_before_0_17() -> None:
    for version in ("0.15.0", "0.16.0"):
        with pytest.raises(EngineError, match="Mamba cache mode 'align' is currently not "
                           "compatible with speculative decoding"):
            _plan(version, NEXT, 4, enable_prefix_caching=True, num_speculative_tokens=1)
    # 0.17.0 dropped the assert: planned, the 272-token block
    assert _plan("0.17.0", NEXT, 4, enable_prefix_caching=True,
                 num_speculative_tokens=1).block_size == 272
    # a draft vLLM cannot build fails first (SpeculativeConfig, before MambaModelConfig): the
    # plan's MTP error, not this refusal
    no_draft = _plan("0.16.0", enable_prefix_caching=True, mamba_cache_mode="align",
                     num_speculative_tokens=1, trust_remote_code=True)
    assert any("Unsupported speculative method: 'mtp'" in e for e in no_draft.errors)


def test_an_align_block_over_the_batched_tokens_is_refused_0_17_to_0_26() -> None:
    with pytest.raises(LayoutRefused, match=r"In Mamba cache align mode, block_size \(2096\) "
                       r"must be <= max_num_batched_tokens \(2048\)\."):
        _plan("0.20.0", enable_prefix_caching=True, mamba_cache_mode="align",
              max_num_batched_tokens=2_048)
    assert _plan("0.20.0", enable_prefix_caching=True, mamba_cache_mode="align",
                 max_num_batched_tokens=2_096).block_size == 2_096
    # 0.27.0 dropped the assert; "all" (0.20.0's pick for Nano) has none
    assert _plan("0.27.0", enable_prefix_caching=True, mamba_cache_mode="align",
                 max_num_batched_tokens=2_048).block_size == 2_096
    assert _plan("0.20.0", enable_prefix_caching=True,
                 max_num_batched_tokens=2_048).block_size == 2_176


def test_the_block_is_the_layouts() -> None:
    # Qwen3-Next at TP 4: a 272-token block, over 256 batched tokens on 0.17.0 (its
    # __post_init__ assert) but not on 0.16.0, which has no such assert
    with pytest.raises(LayoutRefused, match=r"block_size \(272\) must be <= "
                       r"max_num_batched_tokens \(256\)"):
        _plan("0.17.0", NEXT, 4, enable_prefix_caching=True, max_num_batched_tokens=256)
    assert _plan("0.16.0", NEXT, 4, enable_prefix_caching=True,
                 max_num_batched_tokens=256).block_size == 272
