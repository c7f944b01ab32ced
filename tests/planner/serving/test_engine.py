"""vLLM engine memory model: defaults, KV groups and blocks, calibrated terms (worked by hand)."""

import pytest

from planner.catalog import catalog_spec
from planner.model.attention import kv_layer_spec
from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    LayerSpec,
    LinearAttentionMixer,
    ModelSpec,
)
from planner.serving.engine import (
    EngineSettings,
    activation_bytes,
    blocks_per_request,
    cuda_graph_bytes,
    cuda_graph_count,
    default_batch_limits,
    derived_max_model_len,
    kv_elem_bytes,
    model_facts,
    non_torch_bytes,
    sort_sampler_peak_bytes,
    stage_kv,
)
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import vllm_rules
from planner.units import GIB


def attn(kv_heads, head_dim, kind="full", window=None):
    return AttentionMixer(kind=kind, num_heads=32, num_kv_heads=kv_heads, head_dim=head_dim,
                          v_head_dim=head_dim, sliding_window=window)


LLAMA_8B = ModelSpec(
    model_type="llama", hidden_size=4096, vocab_size=128256, tie_word_embeddings=False,
    torch_dtype="bfloat16", max_position_embeddings=131072,
    layers=tuple(LayerSpec(index=i, mixer=attn(8, 128), mlp=DenseMlp(intermediate_size=14336))
                 for i in range(32)),
)


def test_default_batch_limits_follow_get_batch_defaults():
    # vLLM EngineArgs.get_batch_defaults, OpenAI server: >= 70 GiB and not A100 -> 8192 / 1024
    assert default_batch_limits(int(79.19 * GIB), "NVIDIA H100 80GB HBM3", 8192) == (8192, 1024)
    assert default_batch_limits(int(23.57 * GIB), "NVIDIA GeForce RTX 3090", 40960) == (2048, 256)
    assert default_batch_limits(int(79.15 * GIB), "NVIDIA A100-SXM4-80GB", 8192) == (2048, 256)
    # capped at max_num_seqs x max_model_len: 256 x 4 = 1024 tokens, then seqs <= tokens
    assert default_batch_limits(int(23.57 * GIB), "RTX 3090", 4) == (1024, 256)
    # the tiers' edges (`device_memory >= 70 * GiB_bytes`; from 0.28.0 `>= 160 * GiB_bytes`):
    # no preset sits near them, so a moved threshold passed every figure above
    new = vllm_rules("0.28.0")
    assert [default_batch_limits(n, "GPU", 8192, new) for n in (
        70 * GIB - 1, 70 * GIB, 160 * GIB - 1, 160 * GIB)] == [
        (2048, 256), (8192, 1024), (8192, 1024), (16384, 1024)]


def test_kv_dtype_auto_follows_served_dtype():
    assert kv_elem_bytes(EngineSettings(), "bfloat16") == 2
    assert kv_elem_bytes(EngineSettings(dtype="float32"), "bfloat16") == 4
    assert kv_elem_bytes(EngineSettings(kv_cache_dtype="fp8"), "bfloat16") == 1


def test_uniform_model_one_group():
    layers = tuple(kv_layer_spec(attn(8, 128)) for _ in range(32))
    stage = stage_kv(layers, 16, 2, 1)
    # one group of 32 layers; page = 16 tokens x 2 x 8 x 128 x 2 B = 65,536 B; block = 2 MiB
    assert (stage.num_groups, stage.group_size, stage.page_bytes) == (1, 32, 65_536)
    assert stage.bytes_per_block == 2 * 1024 * 1024
    # llm-d log: 58.11 GiB available -> 29,751 blocks (58.11 GiB / 2 MiB = 29,752.3; the
    # log's 58.11 is rounded); test_plan.py checks the planner's own pool against that log
    assert blocks_per_request(stage, 8192, 8192) == 512  # 8192 / 16


def test_gemma3_27b_groups_reproduce_logged_concurrency():
    # 62 layers, every 6th full, sliding window 1024, 16 KV heads x 128
    mixers = [attn(16, 128) if (i + 1) % 6 == 0 else attn(16, 128, "sliding", 1024)
              for i in range(62)]
    stage = stage_kv(tuple(kv_layer_spec(m) for m in mixers), 16, 2, 1)
    # 10 full + 52 sliding -> group size 10 -> 1 + cdiv(52, 10) = 7 groups
    assert (stage.group_size, stage.num_groups) == (10, 7)
    assert stage.bytes_per_block == 10 * 16 * 2 * 16 * 128 * 2  # 1.25 MiB
    # 512 full + 6 x (512 + 1) sliding = 3,590; the log's concurrency 4.46 is its
    # 15,997 blocks / 3,590, so blocks per request is the figure that must match
    assert blocks_per_request(stage, 8192, 8192) == 3_590
    assert 15_997 // stage.num_groups * 16 == 36_560  # logged GPU KV cache size


def _sliding_full(layers: range, full_heads: int = 16):
    """Gemma-style KV layers `layers` of a 30-layer model, every 6th (5, 11, ...) full: 16 KV
    heads x 128 sliding (window 1,024), `full_heads` x 128 full."""
    return tuple(kv_layer_spec(attn(full_heads, 128) if (i + 1) % 6 == 0 else
                               attn(16, 128, "sliding", 1024)) for i in layers)


def test_a_stage_takes_blocks_in_the_whole_models_groups():
    # 30 layers (25 sliding + 5 full) at PP=2, split 15 / 15: stage 0 holds 13 sliding + 2
    # full, stage 1 12 + 3. Page 16 x 2 x 16 x 128 x 2 B = 131,072 B for both kinds.
    model, first, second = _sliding_full(range(30)), _sliding_full(range(15)), \
        _sliding_full(range(15, 30))
    # grouped alone (vLLM before 0.11.0, kv_cache_utils.get_kv_cache_config per worker):
    # stage 0 in groups of 2 (the full layers' count), cdiv(13, 2) = 7 sliding + 1 full;
    # stage 1 in groups of 3, 4 + 1
    alone = [stage_kv(stage, 16, 2, 1, group_pad_ratio=1.0) for stage in (first, second)]
    assert [(st.group_size, st.num_groups) for st in alone] == [(2, 8), (3, 5)]
    # at 8,192 tokens a full group needs 512 blocks, a sliding one cdiv(1,023 + 2,048, 16) + 1
    # = 193: stage 0 7 x 193 + 512 = 1,863, stage 1 4 x 193 + 512 = 1,284
    assert [blocks_per_request(st, 8192, 2048) for st in alone] == [1_863, 1_284]
    # grouped whole (0.11.0 on, get_kv_cache_configs on the merged specs): groups of 5, 5
    # sliding + 1 full, sliding group i holding sliding layers i, i + 5, ...: stage 0's 13
    # sliding fill its groups with 3, 3, 3, 2, 2 and its full group with 2, stage 1's 12
    # with 3, 3, 2, 2, 2 and 3 full: blocks of 3 pages (393,216 B) on both stages, and both
    # need 5 x 193 + 512 = 1,477 blocks
    whole = [stage_kv(stage, 16, 2, 1, model_layers=model, group_pad_ratio=1.0)
             for stage in (first, second)]
    assert [(st.group_size, st.num_groups, st.bytes_per_block) for st in whole] == [
        (3, 6, 393_216), (3, 6, 393_216)]
    assert [blocks_per_request(st, 8192, 2048) for st in whole] == [1_477, 1_477]
    # a stage of sliding layers only (layers 0-4 of a deep split) takes its blocks in the
    # full group too, and fills its five sliding groups with one layer each
    only = stage_kv(_sliding_full(range(5)), 16, 2, 1, model_layers=model,
                    group_pad_ratio=1.0)
    assert (only.group_size, only.num_groups, only.bytes_per_block) == (1, 6, 131_072)
    assert blocks_per_request(only, 8192, 2048) == 1_477
    alone_only = stage_kv(_sliding_full(range(5)), 16, 2, 1)
    assert (alone_only.group_size, alone_only.num_groups) == (5, 1)
    assert blocks_per_request(alone_only, 8192, 2048) == 193


def test_the_whole_models_pages_unify_a_stage_of_one_kind():
    # full layers of 8 KV heads (page 65,536 B) beside sliding ones of 16 (131,072 B): vLLM
    # (0.12.0 on, unify_kv_cache_spec_page_size on the merged specs) gives the full layers
    # blocks of 32 tokens. A stage of sliding layers alone has one page size, but its
    # request's blocks count the full group at 32 tokens: 8,192 / 32 = 256 + 5 x 193
    model = _sliding_full(range(30), full_heads=8)
    only = stage_kv(_sliding_full(range(5), full_heads=8), 16, 2, 1, model_layers=model,
                    group_pad_ratio=1.0)
    assert only.mixed_pages and only.page_bytes == 131_072
    assert blocks_per_request(only, 8192, 2048) == 256 + 5 * 193
    stage1 = stage_kv(_sliding_full(range(15, 30), full_heads=8), 16, 2, 1,
                      model_layers=model, group_pad_ratio=1.0)
    assert stage1.kind_blocks == (16, 32)  # sliding 16, full 32 (the stage's kinds in order)


def test_qwen3_next_attention_block_raised_to_544():
    gdn = LinearAttentionMixer(num_key_heads=16, num_value_heads=32, key_head_dim=128,
                               value_head_dim=128, conv_kernel_dim=4)
    mixers = [attn(2, 256) if (i + 1) % 4 == 0 else gdn for i in range(48)]
    stage = stage_kv(tuple(kv_layer_spec(m) for m in mixers), 16, 2, 1)
    # GDN state 1,097,728 B; attention 2 x 2 x 256 x 2 = 2,048 B/token/layer
    # 16 x cdiv(1,097,728, 16 x 2,048) = 16 x 34 = 544 tokens; page 544 x 2,048 = 1,114,112 B
    assert stage.block_tokens == 544 and stage.page_bytes == 1_114_112
    assert (stage.group_size, stage.num_groups) == (12, 4)  # 12 full; 36 GDN -> 3 groups
    assert stage.kv_bytes_per_token == 24_576 and stage.state_bytes == 36 * 1_097_728
    # one request of 8192 tokens: cdiv(8192, 544) = 16 attention blocks + 3 state blocks
    assert blocks_per_request(stage, 8192, 2048) == 19


@pytest.mark.parametrize(("version", "given", "block", "blocks", "per_request"), [
    # 0.33.0 default 16: multiple max(16, 16) -> 16 x cdiv(548,864, 16 x 1,024) = 16 x 34 = 544
    # (the pools: Model Runner V2's buffers off them, 0.63 GiB: test_runner_buffers.py)
    ("0.33.0", None, 544, 7_680, 19),
    # --block-size 64 (0.20.0 on) and 0.34.0's default 64: multiple max(16, 64) = 64 ->
    # 64 x cdiv(548,864, 65,536) = 64 x 9 = 576
    ("0.33.0", 64, 576, 7_254, 18), ("0.34.0", None, 576, 7_254, 18),
    # 0.19.0 aligns to a fixed 16 whatever the block size: 544
    ("0.19.0", 64, 544, None, None),
])
def test_qwen3_next_block_rounds_to_whole_blocks_from_0_20(version, given, block, blocks,
                                                           per_request):
    """Qwen3-Next-80B-A3B on 2 H200 at TP 2, max_model_len 8,192, prefix caching off (on,
    FlashInfer's GDN checkpoints round further: test_qwen3_next_flashinfer_gdn_checkpoints):
    per rank the GDN state is 1,097,728 / 2 = 548,864 B and an attention layer 2 x 1 KV head x
    256 x 2 B = 1,024 B a token (platforms/interface.py _align_hybrid_block_size,
    0.20.0-0.34.0: kernel_block_alignment_size = max(FLASH_ATTN's 16,
    cache_config.block_size))."""
    p = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct"),
                         cluster=preset_cluster("h200", 2), layout=ParallelLayout(tp=2),
                         engine=EngineSettings(vllm_version=version, block_size=given,
                                               max_model_len=8192,
                                               enable_prefix_caching=False)))
    assert p.fits and p.block_size == block
    if blocks is None:
        return
    # one block = 12 layers' pages (12 full; 36 GDN in 3 groups) of block x 1,024 B
    assert p.num_gpu_blocks == p.kv_cache_bytes_per_gpu // (12 * block * 1_024) == blocks
    # a request: cdiv(8,192, block) attention blocks + 3 GDN groups x 1 state page (no prefix
    # caching): 16 + 3 at 544, 15 + 3 at 576
    assert -(-8192 // block) + 3 == per_request
    assert p.max_concurrency == pytest.approx(blocks / per_request)


@pytest.mark.parametrize(("gpu", "version", "given", "caching", "block", "pages"), [
    # H200 (9.0): FlashInfer's GDN prefill from 0.33 -> multiple lcm(16, 64) = 64: 64 x
    # cdiv(548,864, 65,536) = 576, and 3 state pages a request
    ("h200", "0.33.0", None, None, 576, 3),
    # 0.34.0 with --block-size 16: lcm(max(16, 16), 64) = 64 -> 576 again
    ("h200", "0.34.0", 16, None, 576, 3),
    # 0.32.0: no checkpoints -> 16 x cdiv(548,864, 16,384) = 16 x 34 = 544, 2 pages
    ("h200", "0.32.0", None, None, 544, 2),
    # prefix caching off: no "align" mode -> 544, 1 page
    ("h200", "0.33.0", None, False, 544, 1),
    # B200 (10.x, linear_key_head_dim 128, a CUDA 13 wheel) and an RTX PRO 6000 (12.0) too
    ("b200", "0.33.0", None, None, 576, 3), ("rtx-pro-6000", "0.33.0", None, None, 576, 3),
    # an MI300X (ROCm) runs Triton/FLA's GDN prefill: 544, 2 pages
    ("mi300x", "0.33.0", None, None, 544, 2),
])
def test_qwen3_next_flashinfer_gdn_checkpoints(gpu, version, given, caching, block, pages):
    """Qwen3-Next-80B-A3B at TP 2, max_model_len 8,192, prefix caching on as hybrids default
    from 0.26 (mamba_cache_mode "align"): from 0.33 its GDN layers on FlashInfer's prefill
    kernel (qwen_gdn_linear_attn.py: 9.0; 10.x / 12.x with head_k_dim 128 and CUDA 13)
    checkpoint every 64 tokens, which _align_hybrid_block_size lcm's into the block multiple,
    and their MambaSpec holds one prefill-checkpoint page more (max_memory_usage_bytes: 2 +
    0 + 1). Per rank as above: GDN state 548,864 B, attention 1,024 B a token."""
    p = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct"),
                         cluster=preset_cluster(gpu, 2), layout=ParallelLayout(tp=2),
                         engine=EngineSettings(vllm_version=version, block_size=given,
                                               max_model_len=8192,
                                               enable_prefix_caching=caching)))
    assert p.fits and p.block_size == block
    # a request: cdiv(8,192, block) attention blocks + 3 GDN groups x `pages` state pages
    assert p.max_concurrency == pytest.approx(
        p.num_gpu_blocks / (-(-8192 // block) + 3 * pages))


def test_gdn_flashinfer_prefill_per_release_and_gpu():
    """qwen_gdn_linear_attn.py _resolve_gdn_prefill_backend: 9.0 whatever the head; 10.x and
    12.x with head_k_dim 128 (0.33.0, 0.34.0); none before 0.33 (no checkpoints exported) nor
    off NVIDIA. 11.x (Jetson Thor) never: 0.34.0's family-110 branch sets supports_cutedsl
    only (an opt-in backend), so "auto" falls to "triton"."""
    from planner.serving.vllm_versions import gdn_flashinfer_prefill

    assert gdn_flashinfer_prefill((0, 33, 0), "9.0", 64)
    assert not gdn_flashinfer_prefill((0, 32, 0), "9.0", 128)
    assert not gdn_flashinfer_prefill((0, 33, 0), "10.0", 64)
    assert gdn_flashinfer_prefill((0, 33, 0), "10.3", 128)
    assert gdn_flashinfer_prefill((0, 33, 0), "12.1", 128)
    assert not gdn_flashinfer_prefill((0, 33, 0), "11.0", 128)
    assert not gdn_flashinfer_prefill((0, 34, 0), "11.0", 128)
    assert not gdn_flashinfer_prefill((0, 34, 0), "8.9", 128)
    assert not gdn_flashinfer_prefill((0, 34, 0), "gfx942", 128)


@pytest.mark.parametrize(("version", "caching", "pages"), [
    ("0.31.0", None, 2), ("0.32.0", None, 3), ("0.34.0", None, 3), ("0.32.0", False, 1)])
def test_mamba2_prefill_checkpoint_page_from_0_32(version, caching, pages):
    """mamba_mixer2.py MambaMixer2.get_kv_cache_spec gives num_prefill_checkpoint_blocks=1
    from 0.32.0 (absent in 0.31.0), so in "align" mode a request holds 3 state pages.
    Nemotron-3-Nano-30B-A3B on an H100 at 8,192: 23 Mamba2 and 6 attention layers -> groups
    of 6, cdiv(23, 6) = 4 Mamba groups; a request: cdiv(8,192, block) attention blocks + 4 x
    `pages` (the block unchanged: Mamba2 gives no checkpoint alignment)."""
    p = plan(PlanRequest(model=catalog_spec("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"),
                         cluster=preset_cluster("h100-sxm", 1), layout=ParallelLayout(tp=1),
                         engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                               enable_prefix_caching=caching)))
    assert p.fits
    assert p.max_concurrency == pytest.approx(
        p.num_gpu_blocks / (-(-8192 // p.block_size) + 4 * pages))


def test_activation_llama_8b_close_to_log():
    facts = model_facts(LLAMA_8B)
    act, formula = activation_bytes(facts, range(32), True, 8192, 1024, 1, 2)
    # 3.637 x 1024 x 128,256 x 4 B (0.4893 GiB) + 0.308 x 8192 x (4096 + 28,672) x 2 B
    # (0.5 GiB) = 1.7795 + 0.154 = 1.934 GiB; the v0.19 log says 1.89 GiB
    assert act / GIB == pytest.approx(1.934, abs=0.01)
    assert "128,256 vocab" in formula
    first_stage, _ = activation_bytes(facts, range(16), False, 8192, 1024, 1, 2)
    # no sampler before the last: int(0.308 x 8192 x (4096 + 28,672) x 2 B) = 165,356,240 B
    assert first_stage == 165_356_240


def test_non_torch_single_gpu_and_pp_only():
    # v0.19 H100 logs: 0.24-0.27 GiB at TP=1; VLLM_ACCOUNTING section 5: ~0.07 GiB PP only
    assert non_torch_bytes(ParallelLayout()) == int(0.25 * GIB)
    assert non_torch_bytes(ParallelLayout(pp=2)) == int(0.07 * GIB)


def test_non_torch_on_nvswitch_matches_the_h100_logs():
    # v0.19 H100 logs at TP 2 and 4 print 2.07-2.17 GiB non_torch_forward_increase
    for tp in (2, 4):
        assert 2.07 <= non_torch_bytes(ParallelLayout(tp=tp), "nvlink", True) / GIB <= 2.17


def test_non_torch_over_pcie_follows_nccl_and_custom_all_reduce():
    # 2x RTX 4090 (no P2P: NCCL's SHM transport, custom all-reduce off) print 0.25 GiB
    # (vllm-other-gpus.json, vLLM issue #13061)
    assert non_torch_bytes(ParallelLayout(tp=2), "pcie-no-p2p", False) / GIB == 0.25
    # with P2P: 4 NCCL connections x (4 MiB + 4,915,200 + 524,288 B) (NCCL src/init.cc
    # DEFAULT_*BUFFSIZE); from vLLM 0.11 the custom all-reduce is built before the memory
    # snapshot (gpu_worker.py init_device), so only releases before it count its 2 x 8 MiB
    nccl = 0.25 * GIB + 4 * 9_633_792
    assert non_torch_bytes(ParallelLayout(tp=2), "pcie", False) == int(nccl)
    assert non_torch_bytes(ParallelLayout(tp=2), "pcie", False, comm_counted=True) == int(
        nccl + 16 * 2**20)
    # "Custom allreduce is disabled because it's not supported on more than two PCIe-only
    # GPUs": TP=4 over PCIe keeps only NCCL's buffers, whatever the release
    assert non_torch_bytes(ParallelLayout(tp=4), "pcie", False, comm_counted=True) == int(nccl)


def test_non_torch_on_nvswitch_adds_the_custom_all_reduce_before_0_11():
    # the fitted NVLS term is the v0.19 logs' non-torch less the context, which holds neither
    # the custom all-reduce nor the symmetric-memory buffer (both built before the snapshot);
    # a release before 0.11 counts the custom all-reduce's 2 x 8 MiB on top
    for tp in (2, 4, 8):
        new = non_torch_bytes(ParallelLayout(tp=tp), "nvlink", True)
        assert non_torch_bytes(ParallelLayout(tp=tp), "nvlink", True, comm_counted=True) == \
            new + 16 * 2**20
    # TP=16: vLLM's custom all-reduce takes 2/4/6/8 GPUs only before 0.27 (and runs none at
    # 16 after): nothing on top in either case
    assert non_torch_bytes(ParallelLayout(tp=16), "nvlink", True, comm_counted=True) == \
        non_torch_bytes(ParallelLayout(tp=16), "nvlink", True)


def test_cuda_graph_count_follows_capture_sizes():
    # _set_cudagraph_sizes: largest = min(2 x max_num_seqs, 512); sizes 1, 2, 4, 8..248 by 8,
    # 256..512 by 16 -> 3 + 31 + 17 = 51 piecewise; FULL decode graphs for sizes <= max_num_seqs
    assert cuda_graph_count(1024, 8192) == (51, 51)
    assert cuda_graph_count(256, 2048) == (51, 35)  # 3 + 31 + one size (256) <= 256
    assert cuda_graph_count(2, 8192) == (3, 2)  # largest 4: sizes 1, 2, 4
    assert cuda_graph_count(1024, 8192, blackwell_1024=True) == (83, 83)  # 256..1024 by 16
    # 102 graphs x 8.4 MiB = 0.84 GiB, the H100 v0.19 logs' typical estimate
    assert cuda_graph_bytes(102) / GIB == pytest.approx(0.84, abs=0.01)


def test_capture_sizes_take_the_batch_limits_off_the_stride():
    """_set_cudagraph_sizes appends max_num_batched_tokens where it is the largest size (0.20.1
    on: the 0.20.1 and 0.20.2 wheels' config/vllm.py have the lines 0.20.0's lacks) and
    max_num_seqs where it is <= 512 and <= the batched tokens (0.31.0 on: "Uniform decode sizes
    are appended ...")."""
    # 100 seqs, 8,192 tokens: largest min(200, 512, 8192) = 200: 1, 2, 4, 8..200 by 8 = 3 + 25
    # = 28; FULL for sizes <= 100: 3 + 12 (8..96) = 15. 0.31.0 adds 100: 29 and 16
    assert cuda_graph_count(100, 8192, False, vllm_rules("0.30.0")) == (28, 15)
    assert cuda_graph_count(100, 8192, False, vllm_rules("0.31.0")) == (29, 16)
    assert cuda_graph_count(100, 8192, False, vllm_rules("0.34.0")) == (29, 16)
    # 256 seqs, 300 tokens: largest 300: 3 + 31 (8..248) + 3 (256, 272, 288) = 37; 0.20.1 adds
    # 300 (38); FULL <= 256: 3 + 31 + 1 = 35 either way
    assert cuda_graph_count(256, 300, False, vllm_rules("0.19.1")) == (37, 35)
    assert cuda_graph_count(256, 300, False, vllm_rules("0.20.0")) == (37, 35)
    for version in ("0.20.1", "0.20.2", "0.21.0"):
        assert cuda_graph_count(256, 300, False, vllm_rules(version)) == (38, 35), version


def test_vllm_0_34_captures_its_sm100_grids():
    """0.34.0 config/compilation.py on SM100 (10.x), no capture sizes given. Prefill
    (PIECEWISE) token grid to min(8192, batched tokens), each size the next multiple of the
    largest power of two <= min(t, max(8, t / 4), 0.07 x max(t, 4096)): 1, 2, 4 (3); 8..64 by
    8 (8); 80..128 by 16 (4); 160..256 by 32 (4); 320..512 by 64 (4); 640..1024 by 128 (4);
    1280..7680 by 256 (26); then 8192 (0.07 x 7680 = 537.6: stride 512 reaches the limit):
    54, the docstring's "54 sizes at 8192". Decode (FULL) request grid to 1024, strides of
    0.65 x n^(2/3): "64 sizes at 1024". 0.33.0 captured 83 + 83 there (256..1024 by 16)."""
    new, old = vllm_rules("0.34.0"), vllm_rules("0.33.0")
    assert cuda_graph_count(1024, 16384, True, new) == (54, 64)
    assert cuda_graph_count(1024, 16384, True, old) == (83, 83)
    # 256 seqs, 2048 tokens: prefill grid to 2048: 1, 2, 4, 8..64 (8), 80..128 (4), 160..256
    # (4), 320..512 (4), 640..1024 (4), 1280..2048 (4) = 31; decode 1..6 (6), 8..16 by 2
    # (5), 20..48 by 4 (8), 56..128 by 8 (10), 144..256 by 16 (8) = 37
    assert cuda_graph_count(256, 2048, True, new) == (31, 37)
    # off SM100 0.34.0 captures 0.33.0's sets
    assert cuda_graph_count(1024, 8192, False, new) == cuda_graph_count(1024, 8192, False, old)


def test_model_facts_cached_by_identity():
    assert model_facts(LLAMA_8B) is model_facts(LLAMA_8B)
    assert model_facts(LLAMA_8B).mlp_width[0] == 2 * 14336


@pytest.mark.parametrize(
    ("rope", "version", "expected"),
    [
        # no scaling / llama3 (not extended by vLLM): max_position_embeddings
        ({}, (0, 33, 0), 131_072),
        ({"rope_scaling_type": "llama3", "rope_scaling_factor": 8.0,
          "original_max_position_embeddings": 8192}, (0, 33, 0), 131_072),
        # yarn: original x factor = 4,096 x 40 = 163,840 up to vLLM 0.29 (config/model.py
        # _get_and_verify_max_len); from 0.30 max_position_embeddings (YARN_WINDOW_UNSCALED_FROM)
        ({"rope_scaling_type": "yarn", "rope_scaling_factor": 40.0,
          "original_max_position_embeddings": 4096}, (0, 29, 0), 163_840),
        ({"rope_scaling_type": "yarn", "rope_scaling_factor": 40.0,
          "original_max_position_embeddings": 4096}, (0, 30, 0), 131_072),
        # linear: max_position_embeddings x factor = 131,072 x 8
        ({"rope_scaling_type": "linear", "rope_scaling_factor": 8.0}, (0, 33, 0), 1_048_576),
    ],
)
def test_derived_max_model_len_follows_vllm_rope_rules(rope, version, expected):
    # a hand-built spec (no parsed window): its max_position_embeddings and rope fields
    assert derived_max_model_len(LLAMA_8B.model_copy(update=rope), version) == expected


def test_sort_sampler_peak_follows_the_sort_buffers_by_row_count():
    # vLLM 0.9.2-0.16.0, Llama-3.1-8B (vocab 128,256, hidden 4096, bf16), 2048 tokens batched.
    # Per logit: bf16 logits 2 + fp32 copy 4 + sort values 4 + int64 indices 8 = 18 B; scratch
    # (PyTorch SortStable.cu) 128+ rows: reverse indices 8 + cub's 3rd key 4 and value 8 = 20 B;
    # 2-127 rows: two int2 arrays 16 + keys_out 4 + cub's 3rd key 4 and int2 value 8 = 32 B.
    # Held: the forward's 2048 hidden-state rows + sampled rows + their rand_like (2 x seqs).
    facts = model_facts(LLAMA_8B)
    full, _ = sort_sampler_peak_bytes(facts, 256, 2048, 2, True)
    # 256 x 128,256 = 32,833,536 logits x 38 B = 1,247,674,368 + 2560 x 8192 = 20,971,520
    assert full == 1_268_645_888
    few, formula = sort_sampler_peak_bytes(facts, 64, 2048, 2, True)
    # 64 x 128,256 = 8,208,384 x 50 B = 410,419,200 + 2176 x 8192 = 17,825,792
    assert few == 428_244_992 and "full sort" in formula
    one, _ = sort_sampler_peak_bytes(facts, 1, 2048, 2, True)
    # one row: 128,256 x (18 + 20) = 4,873,728 + 2050 x 8192 = 16,793,600
    assert one == 21_667_328
    # 0.9.1 returns only the sampled rows from the dummy run: 2 x 256 rows held, not 2560
    assert sort_sampler_peak_bytes(facts, 256, 2048, 2, False)[0] == full - 2048 * 8192


def test_activation_takes_the_sort_sampler_or_the_forward_whichever_is_larger():
    facts = model_facts(LLAMA_8B)
    # 256 seqs, 2048 tokens: forward 0.308 x 2048 x (4096 + 28,672) x 2 B = 41,339,060 B
    # against the sampler's 1,268,645,888 B (above): the sampler binds, the two do not add
    act, formula = activation_bytes(facts, range(32), True, 2048, 256, 1, 2, sort_sampler=True)
    assert act == 1_268_645_888 and formula.startswith("max(forward")
    # not the last PP stage: no sampler, the fit's forward terms alone
    first, _ = activation_bytes(facts, range(16), False, 2048, 256, 1, 2, sort_sampler=True)
    assert first == int(0.308 * 2048 * (4096 + 28672) * 2)


def test_triton_mla_piecewise_only_for_dense_mla_off_hopper_and_blackwell_before_0_22():
    # TRITON_MLA is the only dense-MLA backend on compute capability 8.x and 12.x (FLASH_ATTN_MLA
    # needs major 9, FLASHMLA 9 or 10, FLASHINFER_MLA and CUTLASS_MLA 10: the backends'
    # supports_compute_capability in the 0.16.0 and 0.21.0 wheels), and its metadata builder
    # supports no CUDA graph until 0.22.0 adds TritonMLAMetadataBuilder (UNIFORM_BATCH)
    from planner.catalog import catalog_spec
    from planner.serving.engine import triton_mla_piecewise

    lite = catalog_spec("deepseek-ai/DeepSeek-V2-Lite-Chat")
    sparse = catalog_spec("deepseek-ai/DeepSeek-V3.2")
    assert triton_mla_piecewise(lite, vllm_rules("0.16.0"), "8.0")
    assert triton_mla_piecewise(lite, vllm_rules("0.21.0"), "12.0")
    assert triton_mla_piecewise(lite, vllm_rules("0.11.0"), "8.6")
    assert not triton_mla_piecewise(lite, vllm_rules("0.22.0"), "8.0")  # UNIFORM_BATCH
    assert not triton_mla_piecewise(lite, vllm_rules("0.16.0"), "9.0")  # FLASH_ATTN_MLA
    assert not triton_mla_piecewise(lite, vllm_rules("0.16.0"), "10.0")  # FLASHINFER_MLA
    # 0.11.0-0.12.0 take Blackwell's MLA backends on exactly 10.0 (is_device_capability(100));
    # FlashMLA and FlashAttention MLA need major 9: a B300 (10.3) gets TRITON_MLA there
    assert triton_mla_piecewise(lite, vllm_rules("0.11.0"), "10.3")
    assert triton_mla_piecewise(lite, vllm_rules("0.12.0"), "10.3")
    assert not triton_mla_piecewise(lite, vllm_rules("0.11.0"), "10.0")
    assert not triton_mla_piecewise(lite, vllm_rules("0.13.0"), "10.3")  # any 10.x from 0.13
    assert not triton_mla_piecewise(lite, vllm_rules("0.10.2"), "8.0")  # piecewise anyway
    # ROCm (platforms/rocm.py, 0.11.0-0.21.0 wheels): TRITON_MLA unless AITER's MLA is on
    # (VLLM_ROCM_USE_AITER, default False) or the block size is 1
    assert triton_mla_piecewise(lite, vllm_rules("0.16.0"), "gfx942", "amd")
    assert triton_mla_piecewise(lite, vllm_rules("0.21.0"), "", "amd")  # a custom AMD GPU
    assert not triton_mla_piecewise(lite, vllm_rules("0.22.0"), "gfx942", "amd")
    assert not triton_mla_piecewise(lite, vllm_rules("0.16.0"), "")  # an unknown NVIDIA one
    assert not triton_mla_piecewise(LLAMA_8B, vllm_rules("0.16.0"), "8.0")  # FLASH_ATTN
    assert not triton_mla_piecewise(sparse, vllm_rules("0.16.0"), "8.0")  # no sparse backend


def test_triton_mla_and_flex_attention_on_the_releases_that_decode_piecewise_anyway():
    # Before 0.11 every backend decodes piecewise; the MLA one is still TRITON_MLA off Hopper
    # and 10.0 (platforms/cuda.py, 0.9.1 and 0.10.1 wheels: block size 64 forced for FlashMLA
    # only where is_flashmla_supported, major 9; CUTLASS_MLA on 10.0 in 0.10.1; any other block
    # size gets TRITON_MLA), so its decode pays TRITON_MLA's measured cost (test_speed)
    from planner.catalog import catalog_spec
    from planner.serving.engine import on_triton_mla
    from planner.serving.hardware import GPU_PRESETS
    from planner.serving.startup.attention_backend import flex_decodes_piecewise

    lite = catalog_spec("deepseek-ai/DeepSeek-V2-Lite-Chat")
    assert on_triton_mla(lite, (0, 10, 1), "8.0") and on_triton_mla(lite, (0, 9, 1), "8.6")
    assert not on_triton_mla(lite, (0, 10, 1), "9.0")  # FlashMLA, block size 64
    assert not on_triton_mla(lite, (0, 10, 1), "10.0")  # CUTLASS_MLA, block size 128
    assert not on_triton_mla(LLAMA_8B, (0, 10, 1), "8.0")
    # vLLM 0.11.0 serves attention below 8.0 on FLEX_ATTENTION (platforms/cuda.py "FlexAttention
    # is the default for older GPUs"), whose builder keeps AttentionCGSupport.NEVER
    # (flex_attention.py sets no cudagraph_support), so _check_and_update_cudagraph_mode turns
    # FULL_AND_PIECEWISE into PIECEWISE; 0.10.2 is piecewise anyway, 0.11.1 takes TRITON_ATTN
    v100, a100 = (GPU_PRESETS[key].compute_capability for key in ("v100-32gb", "a100-80gb"))
    assert flex_decodes_piecewise(v100, LLAMA_8B, vllm_rules("0.11.0"))
    assert not flex_decodes_piecewise(v100, LLAMA_8B, vllm_rules("0.10.2"))
    assert not flex_decodes_piecewise(v100, LLAMA_8B, vllm_rules("0.11.1"))
    assert not flex_decodes_piecewise(a100, LLAMA_8B, vllm_rules("0.11.0"))  # FLASH_ATTN
    assert not flex_decodes_piecewise(v100, lite, vllm_rules("0.11.0"))  # MLA: TRITON_MLA


def test_cuda_graph_count_without_full_decode_graphs():
    # 256 seqs, 2,048 tokens: capture sizes 1, 2, 4, 8..248 by 8, 256..512 by 16 = 51
    # piecewise graphs; none full when the attention backend allows none
    assert cuda_graph_count(256, 2048, rules=vllm_rules("0.21.0"), full_decode=False) == (51, 0)


def test_triton_mla_fallback_on_hopper_and_blackwell_where_the_block_size_fits_no_faster_backend():
    # vLLM 0.18-0.21 keep a --block-size given and take the first backend whose kernel block
    # sizes divide it (platforms/cuda.py _get_backend_priorities, v1/attention/backend.py
    # supports_block_size, 0.19.0 wheel); DeepSeek-V2-Lite (qk_nope_head_dim 128):
    # 9.x, fp8: FLASH_ATTN_MLA lists no fp8, FLASHMLA takes multiples of 64 only
    from planner.catalog import catalog_spec
    from planner.serving.mla_block import triton_mla_fallback

    lite = catalog_spec("deepseek-ai/DeepSeek-V2-Lite-Chat")
    assert triton_mla_fallback(lite, 16, (0, 19, 0), "9.0", "fp8")
    assert not triton_mla_fallback(lite, 64, (0, 19, 0), "9.0", "fp8")  # FLASHMLA
    assert not triton_mla_fallback(lite, 16, (0, 19, 0), "9.0", "auto")  # FLASH_ATTN_MLA
    # 10.x: FLASHINFER_MLA multiples of 32, CUTLASS_MLA of 128, FLASHMLA of 64
    assert triton_mla_fallback(lite, 16, (0, 20, 0), "10.0", "auto")
    assert triton_mla_fallback(lite, 48, (0, 21, 0), "10.0", "fp8")
    assert not triton_mla_fallback(lite, 32, (0, 19, 0), "10.0", "auto")
    # vLLM's own choice, releases that replace the size (0.17) or give TRITON_MLA full graphs
    assert not triton_mla_fallback(lite, None, (0, 19, 0), "9.0", "fp8")
    assert not triton_mla_fallback(lite, 16, (0, 17, 0), "9.0", "fp8")
    assert not triton_mla_fallback(lite, 16, (0, 22, 0), "9.0", "fp8")
    assert not triton_mla_fallback(LLAMA_8B, 16, (0, 19, 0), "9.0", "fp8")  # no MLA


def test_alike_stages_share_one_kv_layout(monkeypatch) -> None:
    # Llama 3.1 405B at PP 126: 125 stages of one full-attention layer and the last (the same
    # layer; no MTP draft): two stage_kv calls, not 126, and the 125 share one StageKv
    import planner.serving.engine.stages as stages_module

    calls = []
    real = stages_module.stage_kv

    def counting(layers, *args):
        calls.append(len(layers))
        return real(layers, *args)

    monkeypatch.setattr(stages_module, "stage_kv", counting)
    spec = catalog_spec("meta-llama/Meta-Llama-3.1-405B")
    stages = stages_module.stage_layouts(model_facts(spec), ParallelLayout(tp=8, pp=126), 16, 2)
    assert calls == [1, 1]
    assert len({id(stage) for _, stage in stages[:125]}) == 1
    assert stages[0][1] == stages[125][1] and stages[125][0] == range(125, 126)
