"""--enable-prefix-caching / --no-enable-prefix-caching (EngineSettings.enable_prefix_caching)
on a hybrid model, worked by hand from the catalog's Nemotron-3-Nano config.json and the vLLM
source (vllm_versions.MAMBA_PREFIX_CACHING_FROM, HYBRID_PREFIX_CACHING_DROPPED,
ALIGN_NEEDS_CHUNKED_PREFILL).

Nemotron-3-Nano (tests/planner/serving/test_mamba_cache_mode_flag.py works the pages): a state
page is 2,134,016 B = cdiv(2,134,016, 1,024) = 2,084 attention tokens; 4 Mamba groups and 1
attention group of 6 layers, a block 6 pages of block x 1,024 B. Without a state page per
block the block is 16 x cdiv(2,134,016, 16 x 1,024) = 2,096 (12,877,824 B); in "all" lcm(128,
16) x cdiv(2,084, 128) = 128 x 17 = 2,176 (13,369,344 B). max_model_len 262,144.
"""

import re

import pytest

from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import EngineError
from tests.planner.serving.test_mamba_cache_mode import NON_TORCH, WEIGHTS
from tests.planner.serving.test_mamba_cache_mode_flag import NEXT, _plan

L = 262_144

# Nemotron-3-Nano's pool on one H100 under vLLM 0.13.0, term by term (the 0.27.0 / 0.34.0
# terms: test_mamba_cache_mode, whose WEIGHTS and NON_TORCH are taken as they stand):
# - budget: config/cache.py gpu_memory_utilization default 0.9 in the 0.13.0-0.19.0 wheels
#   (0.92 from 0.20.0): ceil(85,029,615,043 x 0.9) = ceil(76,526,653,538.7) = 76,526,653,539 B
BUDGET_0_13 = 76_526_653_539
# - weights: the 0.27.0 / 0.34.0 WEIGHTS (63,155,889,408 B, the gate in bf16 on an H100 from
#   0.17.0: gate_linear.py) + the gate in float32 in the 0.13.0 wheel (nemotron_h.py
#   NemotronHMoE: ReplicatedLinear(params_dtype=torch.float32)): 23 MoE layers x 2,688 x 128
#   x (4 - 2) B = 15,826,944 B more = 63,171,716,352 B
WEIGHTS_0_13 = WEIGHTS + 23 * 2_688 * 128 * 2
# - activation: the dummy sampler's sort before 0.17.0 (engine/activation.py
#   sort_sampler_peak_bytes; gpu_model_runner.py _dummy_sampler_run): 1,024 sequences x
#   131,072 vocab = 134,217,728 logits x (2 B bf16 logits + 4 fp32 copy + 4 + 8 sorted values
#   and int64 indices) = 2,415,919,104 B + the segmented sort's scratch (1,024 rows >= 128)
#   20 B x 134,217,728 = 2,684,354,560 B + the held rows (8,192 batched tokens + 2 x 1,024
#   sampled) 10,240 x 2,688 x 2 B = 55,050,240 B = 5,155,323,904 B, over the fitted forward's
#   0.308 x 8,192 x (2,688 + 14,848) x 2 + 2.574 x 8,192 x 6 x 2,688 x 2 = 768,648,151 B
SORT_SAMPLER_0_13 = (1_024 * 131_072 * (2 + 4 + 4 + 8) + 20 * 1_024 * 131_072
                     + (8_192 + 2 * 1_024) * 2_688 * 2)
# - no runner buffers (counted from 0.27.0: vllm_versions.RUNNER_BUFFERS_COUNTED_FROM) and no
#   CUDA graphs (the estimate is subtracted from 0.20.0: GRAPHS_SUBTRACTED_FROM)
# 76,526,653,539 - 63,171,716,352 - 5,155,323,904 - 268,435,456 = 7,931,177,827 B
POOL_0_13 = BUDGET_0_13 - WEIGHTS_0_13 - SORT_SAMPLER_0_13 - NON_TORCH


def test_off_on_0_30_0_holds_one_state_page_a_group() -> None:
    # on by default from 0.28.0: "align", 126 attention pages (cdiv(262,144, 2,096)) + 4 groups
    # x 2 state pages = 134: 1,608,077 (test_mamba_cache_mode_flag); off: "none", 126 + 4 x 1 =
    # 130 pages, the same 2,096 block and 822 blocks (the pool is the same): int(822 x 262,144
    # / 130) = int(215,482,368 / 130) = 1,657,556
    on, off = _plan("0.30.0"), _plan("0.30.0", enable_prefix_caching=False)
    assert (on.block_size, on.num_gpu_blocks, on.kv_cache_tokens) == (2_096, 822, 1_608_077)
    assert (off.block_size, off.num_gpu_blocks, off.kv_cache_tokens) == (2_096, 822, 1_657_556)
    assert off.vllm_command.endswith("--max-num-seqs 1024 --no-enable-prefix-caching")
    assert "prefix-caching" not in on.vllm_command


def test_on_in_0_13_0_pages_the_state_per_block() -> None:
    # 0.13.0 keeps prefix caching for NemotronHForCausalLM (SupportsMambaPrefixCaching) and
    # pages it as "all": the pool is POOL_0_13 = 7,931,177,827 B either way (worked out above
    # term by term); off: 7,931,177,827 //
    # 12,877,824 = 615 blocks (616 x = 7,932,739,584 is over), 615 // 5 groups x 2,096 = 123 x
    # 2,096 = 257,808 KV tokens; on: // 13,369,344 = 593 (594 x = 7,941,390,336 is over), 593 //
    # 5 x 2,176 = 118 x 2,176 = 256,768, and a request needs cdiv(262,144, 2,176) = 121 pages
    # (2,176 x 120 = 261,120) in each of the 5 groups = 605 > 593: it does not fit
    off = _plan("0.13.0", trust_remote_code=True)  # 0.13.0 has no nemotron_h config class
    on = _plan("0.13.0", trust_remote_code=True, enable_prefix_caching=True)
    rank = off.per_gpu[0]
    assert (rank.budget_bytes, rank.weights_bytes, rank.activation_bytes, rank.non_torch_bytes,
            rank.runner_buffer_bytes) == (BUDGET_0_13, WEIGHTS_0_13, SORT_SAMPLER_0_13,
                                          NON_TORCH, 0)
    assert off.kv_cache_bytes_per_gpu == on.kv_cache_bytes_per_gpu == POOL_0_13 == 7_931_177_827
    assert (off.block_size, off.num_gpu_blocks, off.kv_cache_tokens) == (2_096, 615, 257_808)
    assert (on.block_size, on.num_gpu_blocks, on.kv_cache_tokens) == (2_176, 593, 256_768)
    assert off.fits and not on.fits
    assert "needs 605 KV blocks" in on.verdict
    assert any("--enable-prefix-caching: vLLM 0.13.0 keeps a state page per block" in w
               for w in on.warnings)


def test_the_0_13_0_start_up_check_counts_padded_state_pages() -> None:
    # 0.13.0 check_enough_kv_cache_memory sums each layer's max_memory_usage_bytes: cdiv(262,144,
    # 2,176) = 121 pages x page_size_bytes, the Mamba page padded to the attention page (2,176
    # x 1,024 = 2,228,224 B for 2,134,016): 29 layers (6 attention + 23 Mamba) x 121 x 2,228,224
    # = 7,818,838,016 B = 7.28 GiB (unpadded: 6 x 121 x 2,228,224 + 23 x 121 x 2,134,016 =
    # 7,556,657,152 B = 7.04 GiB). The pool of 7,931,177,827 B holds it: vLLM starts
    on = _plan("0.13.0", trust_remote_code=True, enable_prefix_caching=True)
    assert "its request's 7.28 GiB fit its pool" in on.verdict
    assert "starts without this refusal" in on.verdict
    # a pool between the two: vLLM refuses at start-up, in its words with the padded bytes
    short = _plan("0.13.0", trust_remote_code=True, enable_prefix_caching=True,
                  gpu_memory_utilization=0.897)
    assert 7_556_657_152 < short.kv_cache_bytes_per_gpu < 7_818_838_016
    assert (f"(7.28 GiB KV cache is needed, which is larger than the available KV cache memory "
            f"({short.kv_cache_bytes_per_gpu / 2**30:.2f} GiB)") in short.verdict


def test_a_refusal_from_0_14_0_quotes_whole_blocks() -> None:
    # 0.30.0 _check_enough_kv_cache_memory needs _max_memory_usage_bytes_from_groups: bytes per
    # block x the blocks of every group, (126 + 4 x 2) x 12,877,824 = 1,725,628,416 B = 1.61 GiB
    # (the layers' bytes, 6 x 126 x 2,146,304 + 23 x 2 x 2,146,304 = 1,721,335,808 B, are 1.60)
    r = _plan("0.30.0", gpu_memory_utilization=0.80)
    assert not r.fits
    assert "(1.61 GiB KV cache is needed" in r.verdict


def test_vllm_drops_it_for_qwen3_next_before_0_15_0() -> None:
    # 0.13.0 MambaModelConfig: Qwen3NextForCausalLM lacks SupportsMambaPrefixCaching, so vLLM
    # turns prefix caching off: the plan is the default one, with vLLM's log
    base = _plan("0.13.0", NEXT, 4)
    asked = _plan("0.13.0", NEXT, 4, enable_prefix_caching=True)
    assert (asked.block_size, asked.kv_cache_tokens) == (base.block_size, base.kv_cache_tokens)
    assert any("--enable-prefix-caching: vLLM 0.13.0 logs \"Hybrid or mamba-based model "
               "detected without support for prefix caching: disabling.\"" in w
               for w in asked.warnings)
    assert asked.vllm_command.endswith("--enable-prefix-caching")


def test_vllm_drops_it_for_every_hybrid_in_0_11_0() -> None:
    r = _plan("0.11.0", trust_remote_code=True, enable_prefix_caching=True)
    assert any("vLLM 0.11.0 logs \"Hybrid or mamba-based model detected: disabling prefix "
               "caching since it is not yet supported.\"" in w for w in r.warnings)


@pytest.mark.parametrize(("version", "words"), [
    ("0.30.0", "Chunked prefill is required for mamba cache mode 'align'."),
    ("0.34.0", "Chunked prefill is required for Mamba prefix caching."),
])
def test_align_without_chunked_prefill_is_refused(version, words) -> None:
    # MambaModelConfig asserts enable_chunked_prefill in "align" (the default from 0.28.0)
    short = {"enable_chunked_prefill": False, "max_model_len": 32_768,
             "max_num_batched_tokens": 32_768}
    with pytest.raises(EngineError, match=re.escape(words)):
        _plan(version, **short)
    # off, or in "all" (0.27.0 with prefix caching given), there is no such assert
    assert _plan(version, enable_prefix_caching=False, **short).fits
    assert _plan("0.27.0", enable_prefix_caching=True, **short).block_size == 2_176


@pytest.mark.parametrize("version", ["0.13.0", "0.27.0", "0.34.0"])
@pytest.mark.parametrize("on", [True, False])
def test_the_command_passes_the_releases_parser(version, on) -> None:
    r = _plan(version, enable_prefix_caching=on, max_model_len=32_768, trust_remote_code=True)
    flag = "--enable-prefix-caching" if on else "--no-enable-prefix-caching"
    assert r.vllm_command.endswith(flag)
    assert command_problems(r.vllm_command, vllm_cli(version)) == []
