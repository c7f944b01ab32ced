"""The seed scenario: Qwen3-235B-A22B W4A16 (GPTQ int4, group 128) on 8x RTX 3090, TP=8.

The hand-written audit that motivated Headroom concluded a 2K-4K token ceiling. Worked by hand:

Architecture (Qwen/Qwen3-235B-A22B config.json): 94 layers, hidden 4096, 64 query heads,
4 KV heads, head_dim 128, 128 experts (8 per token) of width 1536, vocab 151,936, untied,
max_position_embeddings 40,960.

Weights per GPU at TP=8 (int4 + fp16 scale and zero per 128 -> ~4.16 bits; embeddings,
lm_head and routers stay 16-bit):
  experts   94 x 128 x 3 x 4096 x 1536 / 8 = 28.39 G params, but each expert is 192 wide per
            GPU, not a multiple of group 128, so vLLM loads them with MoE WNA16
            (moe_wna16.py MoeWNA16Method.create_weights), which halves the group to 64 (192 =
            3 x 64) and keeps a bf16 scale per 64 and no zero points (GPTQ sym: has_zp
            false): 4 + 16 / 64 = 4.25 bits -> per layer qweight 128 x (384 x 2048 + 4096 x
            96) B = 150,994,944 + scales 128 x (384 x 64 + 4096 x 3) x 2 B = 9,437,184 ->
            94 x 160,432,128 B = 15,080,620,032 B = 14.04 GiB (Marlin's layout at group 128
            would be 4.16 bits, 13.74 GiB)
  attention 94 x (2 x 4096 x 8192 / 8 + 2 x 4096 x 128) = 0.887 G x 4.16 / 8 B = 0.43 GiB
            (4 KV heads at TP=8: each rank holds one whole head, replicated)
  embeddings + lm_head 2 x 151,936 x 4096 / 8 x 2 B = 0.29 GiB; routers 94 x 4096 x 128
            x 2 B = 0.09 GiB                         -> about 14.86 GiB per GPU
KV per token per GPU: 2 x 94 x max(1, 4 // 8) x 128 x 2 B = 48,128 B.
Budget: ceil(23.57 GiB x 0.90) = 21.21 GiB (x 0.95: 22.39 GiB).
vLLM defaults on a 24 GB card (get_batch_defaults, < 70 GiB): 2048 batched tokens, 256 seqs.
Activation: 3.637 x 256 x 151,936 x 4 B (0.527 GiB) + 0.308 x 2048 x (4096 + 3072) x 2 B
  (0.008 GiB) + 2.574 x 2048 x 8 x 4096 x 2 B (0.322 GiB) = 0.86 GiB.
Non-torch at TP=8 over PCIe without P2P (the GeForce driver refuses it): NCCL's SHM transport
  keeps its buffers in host memory and vLLM's custom all-reduce is off (no P2P, and "not
  supported on more than two PCIe-only GPUs"), so only the CUDA context: 0.25 GiB.
CUDA graphs (subtracted from vLLM 0.20): largest capture size min(2 x 256, 512) = 512 ->
  sizes 1, 2, 4, 8..248 by 8, 256..512 by 16 = 51 piecewise graphs + 35 full decode graphs
  (sizes <= 256) = 86 graphs x 8.4 MiB = 722 MiB = 0.71 GiB.
Model runner buffers (vLLM 0.27 on; 0.33 starts every model on Model Runner V2, whose sampler
  keeps 256 x 151,936 x 4 B output_bin_counts = 155,582,464 B + prompt_bin_mask and
  grammar_bitmask 2 x 256 x 4,748 x 4 B = 9,723,904 B + request tables 256 x 17,924 B =
  4,588,544 B): 169,894,912 B = 0.16 GiB (planner.serving.runner_buffers).
KV pool at 0.90, vLLM 0.33: 21.21 - 14.86 - 0.86 - 0.25 - 0.16 - 0.71 = 4.37 GiB
  -> 4.37 GiB / 48,128 B = ~97,500 tokens; the native 40,960 needs 40,960 x 48,128 B = 1.84 GiB
  (2.38 requests at full length).
KV pool at 0.95: + 1.18 GiB = 5.55 GiB -> ~123,900 tokens.
"""

import pytest

from planner.model.spec import AttentionMixer, LayerSpec, ModelSpec, MoeMlp
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB

MIXER = AttentionMixer(num_heads=64, num_kv_heads=4, head_dim=128, v_head_dim=128, qk_norm=True)
MOE = MoeMlp(num_experts=128, experts_per_token=8, expert_intermediate_size=1536)
QWEN3_235B = ModelSpec(
    name="Qwen/Qwen3-235B-A22B", model_type="qwen3_moe", hidden_size=4096, vocab_size=151936,
    layers=tuple(LayerSpec(index=i, mixer=MIXER, mlp=MOE) for i in range(94)),
    tie_word_embeddings=False, torch_dtype="bfloat16", max_position_embeddings=40960,
)


def seed_plan(utilization: float, version: str = "0.33.0"):
    return plan(PlanRequest(
        model=QWEN3_235B,
        cluster=preset_cluster("rtx-3090", 8),
        layout=ParallelLayout(tp=8),
        engine=EngineSettings(vllm_version=version, target_quant="w4a16-gptq-g128",
                              gpu_memory_utilization=utilization),
    ))


def test_seed_per_gpu_figures():
    p = seed_plan(0.90)
    assert p.kv_bytes_per_token_per_gpu == 48_128
    assert p.kv_bytes_per_token == 192_512  # at TP=1
    # 1 %: the hand sum leaves out norms and rounds the GPTQ overhead; Marlin's 4.16 bits
    # instead of MoE WNA16's 4.25 for the experts would be 0.31 GiB (2.1 %) less
    assert p.weights_bytes_per_gpu / GIB == pytest.approx(14.86, rel=0.01)
    assert p.terms[1].inputs["experts_bytes"] == "15080620032"  # the docstring's, to the byte
    assert (p.max_num_batched_tokens, p.max_num_seqs) == (2048, 256)
    assert p.activation_bytes_per_gpu / GIB == pytest.approx(0.86, abs=0.02)
    assert p.non_torch_bytes_per_gpu / GIB == pytest.approx(0.25, abs=0.01)
    assert p.cuda_graph_bytes_per_gpu / GIB == pytest.approx(0.71, abs=0.01)
    assert p.runner_buffer_bytes_per_gpu == 169_894_912
    budget = p.per_gpu[0].budget_bytes
    assert budget / GIB == pytest.approx(21.21, abs=0.01)
    kv = budget - p.weights_bytes_per_gpu - (0.86 + 0.25 + 0.16 + 0.71) * GIB
    assert p.kv_cache_bytes_per_gpu == pytest.approx(kv, abs=0.03 * GIB)
    assert len(p.per_gpu) == 8 and p.vllm_command.startswith("vllm serve Qwen/Qwen3-235B-A22B")


def test_seed_true_ceiling_is_tens_of_thousands():
    p90, p95 = seed_plan(0.90), seed_plan(0.95)
    for p in (p90, p95):
        # KV tokens = pool / 48,128 B (one group: tokens = blocks x 16), to a block
        assert p.kv_cache_tokens == pytest.approx(p.kv_cache_bytes_per_gpu / 48_128, abs=16)
        # far above the audit's 2K-4K: the pool holds ~97,500 (0.90) and ~123,900 (0.95)
        # tokens, but vLLM accepts at most the model's 40,960 (no rope scaling)
        assert p.kv_limited_context_tokens > 40_960
        assert p.max_context_tokens == 40_960
    assert p95.kv_cache_bytes_per_gpu - p90.kv_cache_bytes_per_gpu == pytest.approx(
        0.05 * 23.57 * GIB, abs=0.01 * GIB
    )
    # the native 40,960 context needs 1.84 GiB: 2.38 requests at 0.90, 3.03 at 0.95
    assert p90.fits and p90.max_concurrency == pytest.approx(2.38, abs=0.02)
    assert p95.fits and p95.max_concurrency == pytest.approx(3.03, abs=0.02)
    # by hand (docstring): 4.37 GiB / 48,128 B = ~97,500 tokens; 5.55 GiB -> ~123,900
    assert p90.kv_cache_tokens == pytest.approx(97_500, rel=0.01)
    assert p95.kv_cache_tokens == pytest.approx(123_900, rel=0.01)
    # on vLLM 0.19 graphs are not subtracted (envs default 0) and the runner's buffers are
    # not counted (before 0.27): 0.71 + 0.16 GiB more KV pool
    p19 = seed_plan(0.90, "0.19")
    assert p19.kv_cache_bytes_per_gpu - p90.kv_cache_bytes_per_gpu == pytest.approx(
        0.87 * GIB, abs=0.01 * GIB
    )


def test_seed_warns_about_the_moe_kernel_fallback_without_ep():
    # 1536 / 8 = 192 per GPU, 192 % 128 != 0 -> vLLM falls back to the MoE WNA16 kernel;
    # with --enable-expert-parallel the 1536-wide experts stay whole (1536 = 12 x 128)
    assert any("Marlin MoE kernel" in w for w in seed_plan(0.90).warnings)
    with_ep = plan(PlanRequest(
        model=QWEN3_235B, cluster=preset_cluster("rtx-3090", 8),
        layout=ParallelLayout(tp=8, ep=True),
        engine=EngineSettings(target_quant="w4a16-gptq-g128"),
    ))
    assert with_ep.warnings == []  # no warning at all, whatever its wording


def test_seed_on_0_34_pages_the_same_pool_in_blocks_of_64():
    # vLLM 0.34.0 pages KV in blocks of 64 tokens by default (BLOCK_64_DEFAULT_FROM), 0.33.0 in
    # blocks of 16. By hand at 0.90 on 0.34.0: 4,867,678,809 B (5,200,339,545 B with Marlin's
    # experts, less MoE WNA16's 332,660,736 B more: the docstring) less the runner's
    # 169,894,912 B = 4,697,783,897 B; a 16-token block holds 16 x 48,128 = 770,048 B: 6,100
    # blocks (97,600 tokens) and 491,097 B over; a 64-token block holds four of them:
    # floor(6,100 / 4) = 1,525 blocks x 64 = 97,600 tokens. At 0.95: 6,133,083,549 -
    # 169,894,912 = 5,963,188,637 B = 7,743 x 770,048 + 706,973: floor(7,743 / 4) = 1,935 x 64
    # = 123,840.
    # 0.33.0's pool is larger by the zero points Marlin frees on the int4 g128 attention
    # (weight_load.gptq_zeros_freed_bits; 0.34.0 keeps them): per GPU at TP 8, 94 layers x (q, o
    # 2 x 4,096 x 8,192 / 8 + k, v 2 x 4,096 x 128, one of the 4 KV heads) = 94 x 9,437,184
    # = 887,095,296 weights x 4 / 128 bit / 8 = 3,465,216 B (72 tokens): 0.90 (491,097 +
    # 3,465,216) // 770,048 = 5 blocks more, 6,105 x 16 = 97,680; 0.95 (706,973 + 3,465,216)
    # // 770,048 = 5, 7,748 x 16 = 123,968.
    for utilization, tokens_33, tokens_34 in ((0.90, 97_680, 97_600), (0.95, 123_968, 123_840)):
        p33, p34 = seed_plan(utilization), seed_plan(utilization, "0.34.0")
        assert p33.kv_cache_bytes_per_gpu - p34.kv_cache_bytes_per_gpu == 3_465_216
        assert (p33.kv_cache_tokens, p34.kv_cache_tokens) == (tokens_33, tokens_34)
    assert seed_plan(0.90, "0.34.0").kv_cache_bytes_per_gpu == 4_697_783_897
    # and the command keeps the pool sized as planned: the extensible KV cache (on by default
    # from 0.34.0 on CUDA) is turned off
    assert " --no-enable-extensible-kv-cache" in seed_plan(0.90, "0.34.0").vllm_command
