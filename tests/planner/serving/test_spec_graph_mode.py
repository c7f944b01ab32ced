"""The CUDA graph mode vLLM lowers for a speculative draft where an attention backend replays
single-token decode batches only (planner.serving.spec_graph_mode): which backend, per release
and GPU, and the graphs and bytes a plan counts then, by hand from the vLLM wheels named in
vllm_versions (SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM, SPEC_SINGLE_TOKEN_STATE_UNTIL,
TRITON_MLA_SINGLE_TOKEN_SPAN)."""

import json
from pathlib import Path

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.eagle import parse_eagle_draft
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.spec_graph_mode import spec_piecewise_backend
from planner.serving.vllm_versions import vllm_rules

MIB_8_4 = 8_808_038  # int(8.4 x 1,048,576): engine.GRAPH_BYTES_PER_GRAPH
DRAFTERS = Path(__file__).resolve().parents[2] / "fixtures" / "drafters"
WARNING = ("CUDAGraphMode.FULL_AND_PIECEWISE is not supported with spec-decode for attention "
           "backend {} (support: AttentionCGSupport.UNIFORM_SINGLE_TOKEN_DECODE); setting "
           "cudagraph_mode=PIECEWISE")


def _backend(repo: str, cc: str, version: str, tokens: int = 1, vendor: str = "nvidia",
             kv: str = "auto", served: str = "bfloat16", images: bool = False) -> str | None:
    return spec_piecewise_backend(catalog_spec(repo), vllm_rules(version), cc, vendor, kv,
                                  served, tokens, images)


@pytest.mark.parametrize(("version", "backend"), [
    # 0.10.2 captures no full graph by default (vllm_versions.FULL_GRAPHS_FROM): nothing lowered
    ("0.10.2", None),
    # 0.11.0: check_and_update_config forces CUTLASS_MLA on 10.0; its builder's
    # cudagraph_support is UNIFORM_SINGLE_TOKEN_DECODE, and 0.11.0's warning names the builder
    ("0.11.0", "CutlassMLAMetadataBuilder"),
    # 0.11.1-0.14: CUTLASS_MLA first in _get_backend_priorities on 10.x; the backend's name
    ("0.12.0", "CutlassMLABackend"),
    ("0.14.0", "CutlassMLABackend"),
    # 0.15.0: FLASHINFER_MLA for qk_nope_head_dim 128 (DeepSeek-V3's), UNIFORM_BATCH
    ("0.15.0", None),
    ("0.34.0", None),
])
def test_deepseek_v3_mtp_on_b200_per_release(version, backend):
    assert _backend("deepseek-ai/DeepSeek-V3", "10.0", version) == backend


def test_cutlass_mla_from_0_18_where_flashinfer_mla_refuses_the_kv_dtype():
    # 0.19.0 on 10.0: FLASHINFER_MLA lists auto/float16/bfloat16/fp8/fp8_e4m3, as CUTLASS_MLA
    # does (attention_backend.dense_mla_backends), so fp8 stays on FLASHINFER_MLA; no backend
    # takes fp8_e5m2 (the plan is refused, nothing to lower)
    assert _backend("deepseek-ai/DeepSeek-V3", "10.0", "0.19.0", kv="fp8") is None
    assert _backend("deepseek-ai/DeepSeek-V3", "10.0", "0.19.0", kv="fp8_e5m2") is None


@pytest.mark.parametrize(("version", "backend"), [
    # TRITON_MLA serves MLA on an A100 (8.0) and on AMD: NEVER before 0.22 (no full graph with
    # or without a draft: engine.triton_mla_piecewise), UNIFORM_BATCH 0.22-0.25,
    # UNIFORM_SINGLE_TOKEN_DECODE 0.26-0.30, UNIFORM_BATCH from 0.31
    ("0.21.0", None), ("0.25.0", None), ("0.26.0", "TritonMLABackend"),
    ("0.30.0", "TritonMLABackend"), ("0.31.0", None),
])
def test_triton_mla_per_release(version, backend):
    assert _backend("deepseek-ai/DeepSeek-V3", "8.0", version) == backend
    assert _backend("deepseek-ai/DeepSeek-V3", "gfx942", version, vendor="amd") == backend
    # on an H100 FLASH_ATTN_MLA (UNIFORM_BATCH) serves it: never lowered
    assert _backend("deepseek-ai/DeepSeek-V3", "9.0", version) is None


def test_mamba_and_the_sparse_mla_indexer_before_0_17():
    # BaseMambaAttentionMetadataBuilder and DeepseekV32IndexerMetadataBuilder report
    # UNIFORM_SINGLE_TOKEN_DECODE in the 0.11.0-0.16.0 wheels, UNIFORM_BATCH from 0.17.0
    assert _backend("nvidia/Nemotron-H-56B-Base-8K", "9.0", "0.16.0", 3) == (
        "Mamba2AttentionBackend")
    assert _backend("nvidia/Nemotron-H-56B-Base-8K", "9.0", "0.11.0", 3) == (
        "Mamba2AttentionMetadataBuilder")
    assert _backend("nvidia/Nemotron-H-56B-Base-8K", "9.0", "0.17.0", 3) is None
    assert _backend("deepseek-ai/DeepSeek-V3.2", "9.0", "0.14.0") == "DeepseekV32IndexerBackend"
    assert _backend("deepseek-ai/DeepSeek-V3.2", "9.0", "0.17.0") is None


@pytest.mark.parametrize("cc", ["8.0", "8.9", "9.0", "10.0"])
def test_dense_attention_keeps_full_graphs_and_no_draft_lowers_nothing(cc):
    # a 16-bit cache: FLASH_ATTN (FA3 ALWAYS on 9.0, FA2 UNIFORM_BATCH on 8.x), FlashInfer on
    # 10.x (TRT-LLM attention: UNIFORM_BATCH)
    for version in ("0.12.0", "0.19.0", "0.27.0", "0.34.0"):
        assert _backend("meta-llama/Llama-3.1-8B-Instruct", cc, version, 3) is None
    assert _backend("deepseek-ai/DeepSeek-V3", "10.0", "0.12.0", 0) is None


@pytest.mark.parametrize(("cc", "kv", "served", "version", "backend"), [
    # compute capability 7.5: FLASH_ATTN needs 8.0, FlashInfer (next in the list) takes 7.5
    # before 0.24 and Llama's head 128; without TRT-LLM attention (SM100 only) its builder
    # reports UNIFORM_SINGLE_TOKEN_DECODE
    ("7.5", "auto", "float16", "0.12.0", "FlashInferBackend"),
    ("7.5", "auto", "float16", "0.23.0", "FlashInferBackend"),
    ("7.5", "auto", "float16", "0.24.0", None),  # FlashInfer needs 8.0: TRITON_ATTN (ALWAYS)
    ("7.5", "auto", "float32", "0.19.0", None),  # FlashInfer takes no float32: TRITON_ATTN
    # 8.9 with an fp8 cache: FlashAttention 2 takes none, FlashInfer serves it; from 0.33
    # FlashInfer decodes below 9.0 with FA2 (UNIFORM_BATCH)
    ("8.9", "fp8", "bfloat16", "0.19.0", "FlashInferBackend"),
    ("8.9", "fp8", "bfloat16", "0.32.0", "FlashInferBackend"),
    ("8.9", "fp8", "bfloat16", "0.33.0", None),
    ("9.0", "fp8", "bfloat16", "0.19.0", None),  # FlashAttention 3 takes fp8 (ALWAYS)
])
def test_flashinfer_below_sm90(cc, kv, served, version, backend):
    assert _backend("meta-llama/Llama-3.1-8B-Instruct", cc, version, 3, kv=kv,
                    served=served) == backend


@pytest.mark.parametrize(("cc", "kv", "version", "backend"), [
    # 9.0: FlashAttention 3 claims fp8 / fp8_e4m3 only from 0.22.0 (flash_attn.py
    # supports_kv_cache_dtype), so FlashInfer serves fp8_e5m2; its get_cudagraph_support is
    # UNIFORM_BATCH only with TRT-LLM attention (utils/flashinfer.py supports_trtllm_attention:
    # the SM100 family in the 0.22.0-0.24.0 wheels), and the 0.25.0-0.29.0 wheels return
    # UNIFORM_SINGLE_TOKEN_DECODE on is_device_capability(90) outright
    ("9.0", "fp8_e5m2", "0.24.0", "FlashInferBackend"),
    ("9.0", "fp8_e5m2", "0.29.0", "FlashInferBackend"),
    ("9.0", "fp8", "0.24.0", None),  # FlashAttention 3 takes fp8 (ALWAYS)
    # 12.0: FlashAttention 2 (fa_utils.py: FA3 on 9.x, FA4 on 10.x) takes no fp8 cache, so
    # FlashInfer serves it; TRT-LLM attention is the SM100 family's alone until the 0.28.0
    # wheel adds SM12x (XQA decode, UNIFORM_BATCH)
    ("12.0", "fp8", "0.12.0", "FlashInferBackend"),
    ("12.0", "fp8_e5m2", "0.24.0", "FlashInferBackend"),
    ("12.0", "fp8", "0.27.0", "FlashInferBackend"),
    ("12.0", "fp8", "0.28.0", None),
    ("12.0", "auto", "0.24.0", None),  # a 16-bit cache: FLASH_ATTN (FA2, UNIFORM_BATCH)
])
def test_flashinfer_on_sm90_and_sm12x(cc, kv, version, backend):
    assert _backend("meta-llama/Llama-3.1-8B-Instruct", cc, version, 3, kv=kv) == backend


@pytest.mark.parametrize(("repo", "cc", "kv", "version", "backend"), [
    # From the 0.30.0 wheel FlashInferMetadataBuilder.get_cudagraph_support gives 9.0 and the
    # 12.x family (is_xqa_arch) UNIFORM_BATCH only where every FlashInfer layer's head passes
    # _is_xqa_head_dim_supported: 16 <= head_dim <= 256 and head_dim % 16 == 0 (0.30.0
    # flashinfer.py:575, 0.34.0 :765).
    # gemma-4-26B-A4B: 25 sliding layers of head_dim 256, 5 full layers of global_head_dim 512
    # (config.json). On 9.0 FLASH_ATTN takes no fp8_e5m2 (fa_utils.py
    # flash_attn_supports_kv_cache_dtype: False outright), Gemma4Config keeps the backend
    # open (FA4 there: attention_backend.gemma4_forced_triton), so FlashInfer (64/128/256/512)
    # takes all 30 layers; 256: 16 <= 256 <= 256 and 256 % 16 == 0, passes; 512 > 256 fails,
    # so UNIFORM_SINGLE_TOKEN_DECODE and piecewise graphs only with a draft
    ("google/gemma-4-26B-A4B", "9.0", "fp8_e5m2", "0.30.0", "FlashInferBackend"),
    ("google/gemma-4-26B-A4B", "9.0", "fp8_e5m2", "0.34.0", "FlashInferBackend"),
    # 0.29.0 returns UNIFORM_SINGLE_TOKEN_DECODE on 9.0 whatever the head (span until 0.30)
    ("google/gemma-4-26B-A4B", "9.0", "fp8_e5m2", "0.29.0", "FlashInferBackend"),
    # 0.24.0-0.26.0: use_mm_prefix on every Gemma 4 layer whatever the limits (the 0.26.0
    # wheel's Gemma4ModelArchConfigConvertor.is_mm_prefix_lm() takes no supports_multimodal;
    # 0.27.0's config/model.py passes _supports_multimodal_for_mm_prefix()); FlashInfer supports
    # no mm prefix, so TRITON_ATTN (ALWAYS) serves the fp8_e5m2 cache: full graphs kept. These
    # cells are text-only (images=False): 0.27.0 lowers like 0.28.0
    ("google/gemma-4-26B-A4B", "9.0", "fp8_e5m2", "0.24.0", None),
    ("google/gemma-4-26B-A4B", "9.0", "fp8_e5m2", "0.26.0", None),
    ("google/gemma-4-26B-A4B", "9.0", "fp8_e5m2", "0.27.0", "FlashInferBackend"),
    ("google/gemma-4-26B-A4B", "9.0", "fp8_e5m2", "0.28.0", "FlashInferBackend"),
    # inside the range: Llama-3.1-8B head 4,096 / 32 = 128 (128 % 16 == 0), Gemma-3-4B head
    # 256 (the top of it): UNIFORM_BATCH, full graphs kept
    ("meta-llama/Llama-3.1-8B-Instruct", "9.0", "fp8_e5m2", "0.30.0", None),
    ("google/gemma-3-4b-it", "9.0", "fp8_e5m2", "0.30.0", None),
    ("google/gemma-3-4b-it", "9.0", "fp8_e5m2", "0.34.0", None),
    # fp8 (e4m3) on 9.0: FLASH_ATTN (FlashAttention 3) serves Llama, no FlashInfer at all
    ("meta-llama/Llama-3.1-8B-Instruct", "9.0", "fp8", "0.30.0", None),
    # 12.0 with fp8: Gemma4Config forces TRITON_ATTN (no FA4 on 12.x), which keeps full
    # graphs; Llama's 128 passes on FlashInfer's XQA
    ("google/gemma-4-26B-A4B", "12.0", "fp8", "0.30.0", None),
    ("meta-llama/Llama-3.1-8B-Instruct", "12.0", "fp8", "0.30.0", None),
])
def test_flashinfer_xqa_head_sizes_from_0_30(repo, cc, kv, version, backend):
    assert _backend(repo, cc, version, 3, kv=kv) == backend


@pytest.mark.parametrize("repo", ["google/gemma-4-26B-A4B", "nvidia/Gemma-4-31B-IT-NVFP4"])
@pytest.mark.parametrize("kv", ["fp8", "fp8_e4m3"])
@pytest.mark.parametrize(("version", "backend"), [
    # Gemma4Config sets flash_attn_version = 4 for every layer on 9.x in the 0.24.0-0.30.0
    # wheels (heads of 256 and 512), and fa_utils.py flash_attn_supports_kv_cache_dtype takes
    # an fp8 cache on the 9.x family under fa_version 3 only (0.29.0, 0.30.0; 0.24.0-0.26.0
    # FlashAttentionBackend.supports_kv_cache_dtype the same): FLASH_ATTN refuses every layer and
    # FlashInfer serves them (attention_backend.gemma4_flashinfer_sm90). Its
    # get_cudagraph_support is UNIFORM_SINGLE_TOKEN_DECODE on 9.0 outright in 0.25.0-0.29.0
    # and, from 0.30.0, for the 512-wide layers (_is_xqa_head_dim_supported: 512 > 256):
    # piecewise graphs only with a draft, for a text-only Gemma 4 from 0.27.0
    # (gemma4_backend.GEMMA4_TEXT_ONLY_PREFIX_FROM: 0.27.0 config/model.py
    # _supports_multimodal_for_mm_prefix); 0.24.0-0.26.0 set use_mm_prefix whatever the limits
    # (use_bidirectional_attention "vision"), FlashInfer takes no mm prefix and TRITON_ATTN
    # (ALWAYS) serves the layers: full graphs kept
    ("0.24.0", None),
    ("0.26.0", None),
    ("0.27.0", "FlashInferBackend"),
    ("0.28.0", "FlashInferBackend"),
    ("0.29.0", "FlashInferBackend"),
    ("0.30.0", "FlashInferBackend"),
    # 0.31.0 on: per-layer FA3 (256) / FA4 (512), both taking fp8 / fp8_e4m3
    # (sm90_fp8_kv_supported: fa_version == 3, or 4 at head_size 512): FLASH_ATTN, full graphs
    ("0.31.0", None),
    ("0.33.0", None),
    ("0.34.0", None),
    # 0.23.0: Gemma4Config forces TRITON_ATTN (the wider head over 256), which keeps them
    ("0.23.0", None),
])
def test_gemma4_fp8_on_hopper_runs_flashinfer_until_0_31(repo, kv, version, backend):
    assert _backend(repo, "9.0", version, 3, kv=kv) == backend
    # B200 (FLASHINFER with TRT-LLM attention: UNIFORM_BATCH), RTX 5090 and A100 (TRITON_ATTN
    # forced: no FA4 off 9.x-11.x) keep full graphs
    for cc in ("10.0", "12.0", "8.0"):
        assert _backend(repo, cc, version, 3, kv=kv) is None


@pytest.mark.parametrize(("cc", "version", "backend"), [
    # --kv-cache-dtype nvfp4 off 10.x: FlashInfer alone lists it (FLASH_ATTN: auto, float16,
    # bfloat16, fp8, fp8_e4m3), running it through fa2 on 8.x / 9.x / 12.x from the 0.32.0
    # wheel (_nvfp4_kv_on_fa2; refused before: attention_backend._nvfp4_error). Its
    # get_cudagraph_support on is_xqa_arch denies UNIFORM_BATCH for `kv_quant_mode.is_nvfp4
    # and not is_device_capability_family(120)` (0.32.0, 0.33.0, 0.34.0 wheels): 9.0 lowers
    ("9.0", "0.32.0", "FlashInferBackend"),
    ("9.0", "0.34.0", "FlashInferBackend"),
    # 12.0 is exempt from that clause, and Llama's head 128 passes the XQA rule: UNIFORM_BATCH
    ("12.0", "0.32.0", None),
    # 8.9: no TRT-LLM attention below 9.0, UNIFORM_SINGLE_TOKEN_DECODE in 0.32.0; the 0.33.0
    # wheel's _use_fa2_native_decode (not has_device_capability(90)) returns UNIFORM_BATCH
    ("8.9", "0.32.0", "FlashInferBackend"),
    ("8.9", "0.33.0", None),
    # 10.0: TRT-LLM attention (UNIFORM_BATCH)
    ("10.0", "0.32.0", None),
])
def test_flashinfer_nvfp4_kv_cache_from_0_32(cc, version, backend):
    assert _backend("meta-llama/Llama-3.1-8B-Instruct", cc, version, 3, kv="nvfp4") == backend


def test_flashinfer_xqa_head_512_on_12x_from_0_30():
    # No catalog model puts a head-512 layer on FlashInfer on 12.x (Gemma 4 runs TRITON_ATTN
    # there; --hf-overrides takes no head_dim), so a config.json of Llama-3.1-8B declaring
    # head_dim 512 (LlamaAttention reads config.head_dim): FlashAttention 2 takes no fp8
    # cache, FlashInfer lists 512, which fails the XQA rule (512 > 256) from 0.30; 0.29.0
    # gives 12.x UNIFORM_BATCH whatever the head (XQA via TRT-LLM from 0.28)
    entry = catalog_entry("meta-llama/Llama-3.1-8B-Instruct")
    spec = parse_model_config({**entry.config, "head_dim": 512}, None, name=entry.repo_id)
    assert {layer.mixer.head_dim for layer in spec.layers} == {512}
    lowered = spec_piecewise_backend(spec, vllm_rules("0.30.0"), "12.0", "nvidia", "fp8",
                                     "bfloat16", 3, False)
    assert lowered == "FlashInferBackend"
    assert spec_piecewise_backend(spec, vllm_rules("0.29.0"), "12.0", "nvidia", "fp8",
                                  "bfloat16", 3, False) is None


@pytest.mark.parametrize(("cc", "version", "backend"), [
    # 0.11.0 platforms/cuda.py: FlashInfer by default on is_device_capability(100) (10.0) for
    # head sizes 64 / 128 / 256, whose builder's class constant cudagraph_support is
    # UNIFORM_SINGLE_TOKEN_DECODE; its warning names the builder. 10.3 (B300) takes FLASH_ATTN
    # there (FlashAttention 2: UNIFORM_BATCH)
    ("10.0", "0.11.0", "FlashInferMetadataBuilder"),
    ("10.3", "0.11.0", None),
    # 0.11.1-0.12.0: FLASHINFER first on major 10 (_get_backend_priorities) and
    # get_cudagraph_support UNIFORM_BATCH where TRT-LLM attention runs, which
    # utils/flashinfer.py supports_trtllm_attention gives is_device_capability(100): 10.0 only
    ("10.0", "0.11.1", None),
    ("10.3", "0.11.1", "FlashInferBackend"),
    ("10.3", "0.12.0", "FlashInferBackend"),
    # 0.13.0: is_device_capability_family(100), every 10.x
    ("10.3", "0.13.0", None),
])
def test_flashinfer_on_datacenter_blackwell_before_0_13(cc, version, backend):
    assert _backend("meta-llama/Llama-3.1-8B-Instruct", cc, version, 3) == backend


def test_gpt_oss_sinks_on_flashinfer_per_release_on_blackwell():
    # gpt-oss (head 64, attention sinks): 0.11.0's default on 10.0 checks head size and dtype
    # only (is_attn_backend_supported), so FlashInfer takes its sink layers too; on 10.3 under
    # 0.11.1 FlashInferBackend.supports_sink needs TRT-LLM attention (10.0 only there), so
    # TRITON_ATTN (ALWAYS) serves them
    assert _backend("openai/gpt-oss-120b", "10.0", "0.11.0", 3) == "FlashInferMetadataBuilder"
    assert _backend("openai/gpt-oss-120b", "10.3", "0.11.1", 3) is None


def _mimo_mtp(gpu: str, version: str):
    return plan(PlanRequest(
        model=catalog_spec("XiaomiMiMo/MiMo-7B-Base"), cluster=preset_cluster(gpu, 1),
        layout=ParallelLayout(tp=1),
        engine=EngineSettings(num_speculative_tokens=1, vllm_version=version, max_num_seqs=256,
                              max_num_batched_tokens=8192)))


def test_mimo_mtp_on_blackwell_before_0_13_captures_piecewise_graphs_only():
    # MiMo-7B (head 4,096 / 32 = 128) with its MTP layer (k = 1), 256 sequences, 8,192 batched
    # tokens, one GPU:
    # - B200 (10.0) on 0.11.0: sizes [1, 2, 4] + range(8, 512 + 1, 8) (config/__init__.py
    #   _set_cudagraph_sizes, largest min(2 x 256, 512) = 512) = 3 + 64 = 67, PIECEWISE only:
    #   67 + 0 graphs x 8,808,038 B = 590,138,546 B
    # - B300 (10.3) on 0.11.1: sizes 1, 2, 4 | 8..248 by 8 (31) | 256..512 by 16 (17) = 51,
    #   PIECEWISE only and not rounded (V1 rounds with full decode graphs only): 51 + 0 =
    #   449,209,938 B
    # - B200 on 0.11.1 (TRT-LLM attention, UNIFORM_BATCH): the 51 rounded to multiples of 2
    #   (1, 2 -> 2) = 50, all within 2..2 x 256 tokens full: 50 + 50 = 880,803,800 B
    b200 = _mimo_mtp("b200", "0.11.0")
    graphs = next(t for t in b200.terms if t.key == "cuda_graphs")
    assert b200.cuda_graph_bytes_per_gpu == 67 * MIB_8_4 == 590_138_546
    assert WARNING.format("FlashInferMetadataBuilder") in graphs.note
    assert "gpu_model_runner.py initialize_cudagraph_capture logs" in graphs.note
    b300 = _mimo_mtp("b300", "0.11.1")
    assert b300.cuda_graph_bytes_per_gpu == 51 * MIB_8_4 == 449_209_938
    assert WARNING.format("FlashInferBackend") in next(
        t for t in b300.terms if t.key == "cuda_graphs").note
    assert _mimo_mtp("b200", "0.11.1").cuda_graph_bytes_per_gpu == 100 * MIB_8_4 == 880_803_800


def _deepseek_v3(gpu: str, version: str, tokens: int):
    return plan(PlanRequest(
        model=catalog_spec("deepseek-ai/DeepSeek-V3"), cluster=preset_cluster(gpu, 8),
        layout=ParallelLayout(tp=8),
        engine=EngineSettings(vllm_version=version, num_speculative_tokens=tokens,
                              max_model_len=8192, max_num_seqs=256,
                              max_num_batched_tokens=8192)))


def test_deepseek_v3_mtp_on_8_b200_under_0_12_captures_piecewise_graphs_only():
    # 256 sequences, 8,192 batched tokens, vLLM 0.12.0 (largest capture size min(2 x 256, 512)
    # = 512, not widened for a draft before 0.13): sizes 1, 2, 4 | 8..248 by 8 (31) | 256..512
    # by 16 (17) = 51.
    # - no draft: 51 piecewise + the 35 sizes <= 256 full = 86 graphs x 8,808,038 B
    #   = 757,491,268 B
    # - MTP k = 1 on B200 (CUTLASS_MLA, UNIFORM_SINGLE_TOKEN_DECODE): PIECEWISE only, the sizes
    #   not rounded (V1 rounds only with full decode graphs): 51 + 0 = 449,209,938 B
    # - MTP k = 1 on H200 (FLASH_ATTN_MLA, UNIFORM_BATCH): rounded to multiples of 2 (1, 2 ->
    #   2; 4.. stay): 50 sizes, all within 2..2 x 256 tokens full: 50 + 50 = 880,803,800 B
    plain = _deepseek_v3("b200", "0.12.0", 0)
    lowered = _deepseek_v3("b200", "0.12.0", 1)
    kept = _deepseek_v3("h200", "0.12.0", 1)
    assert plain.cuda_graph_bytes_per_gpu == 86 * MIB_8_4 == 757_491_268
    assert lowered.cuda_graph_bytes_per_gpu == 51 * MIB_8_4 == 449_209_938
    assert kept.cuda_graph_bytes_per_gpu == 100 * MIB_8_4 == 880_803_800
    graphs = next(t for t in lowered.terms if t.key == "cuda_graphs")
    assert "(51 piecewise + 0 full graphs)" in graphs.formula
    assert WARNING.format("CutlassMLABackend") in graphs.note
    assert "1 + k = 2 tokens" in graphs.note
    assert "spec-decode" not in next(t for t in kept.terms if t.key == "cuda_graphs").note


def test_deepseek_v3_mtp_on_8_mi300x_per_release():
    # vLLM 0.27.0 on MI300X (TRITON_MLA, UNIFORM_SINGLE_TOKEN_DECODE): 256 sequences, k = 1:
    # largest min(256 x 2 x 2, 512, 8,192) = 512 (widened from 0.13), the same 51 sizes,
    # PIECEWISE only: 51 + 0 = 449,209,938 B; 0.25.0 (UNIFORM_BATCH) on V1: rounded to
    # multiples of 2, 50 + 50 = 880,803,800 B
    lowered = _deepseek_v3("mi300x", "0.27.0", 1)
    assert lowered.cuda_graph_bytes_per_gpu == 51 * MIB_8_4 == 449_209_938
    assert WARNING.format("TritonMLABackend") in next(
        t for t in lowered.terms if t.key == "cuda_graphs").note
    assert _deepseek_v3("mi300x", "0.25.0", 1).cuda_graph_bytes_per_gpu == 100 * MIB_8_4


def test_llama_with_an_eagle3_drafter_on_fa3_keeps_its_full_graphs():
    # Llama-3.1-70B + its EAGLE-3 drafter (k = 3) at TP 4 on H100s, vLLM 0.19.0 V1, 256
    # sequences, 8,192 batched tokens: FLASH_ATTN is FlashAttention 3 on 9.0 (ALWAYS), so full
    # decode graphs stay: largest min(256 x 4 x 2, 512) = 512, 51 sizes rounded to multiples
    # of 4 (1, 2, 4 -> 4): 49, all within 4..4 x 256 tokens full: 49 + 49 = 98 graphs
    # x 8,808,038 B = 863,187,724 B (test_spec_graphs.py CASES)
    drafter = parse_eagle_draft(json.loads(
        (DRAFTERS / "specforge__llama3-70B-eagle3.json").read_text(encoding="utf-8")), "drafter")
    p = plan(PlanRequest(
        model=catalog_spec("meta-llama/Llama-3.1-70B-Instruct"),
        cluster=preset_cluster("h100-sxm", 4), layout=ParallelLayout(tp=4),
        engine=EngineSettings(speculative_draft=drafter, num_speculative_tokens=3,
                              vllm_version="0.19.0", max_model_len=8192, max_num_seqs=256,
                              max_num_batched_tokens=8192)))
    graphs = next(t for t in p.terms if t.key == "cuda_graphs")
    assert p.cuda_graph_bytes_per_gpu == 98 * MIB_8_4 == 863_187_724
    assert "(49 piecewise + 49 full graphs)" in graphs.formula
    assert "spec-decode" not in graphs.note


def _llama_70b_eagle3(gpu: str, version: str, kv: str):
    drafter = parse_eagle_draft(json.loads(
        (DRAFTERS / "specforge__llama3-70B-eagle3.json").read_text(encoding="utf-8")), "drafter")
    return plan(PlanRequest(
        model=catalog_spec("meta-llama/Llama-3.1-70B-Instruct"),
        cluster=preset_cluster(gpu, 4), layout=ParallelLayout(tp=4),
        engine=EngineSettings(speculative_draft=drafter, num_speculative_tokens=3,
                              vllm_version=version, max_model_len=8192, max_num_seqs=256,
                              max_num_batched_tokens=8192, kv_cache_dtype=kv)))


def test_llama_with_an_eagle3_drafter_and_fp8_on_rtx_pro_6000_captures_piecewise_only():
    # As the H100 case above, on 4 RTX PRO 6000 (12.0) with an fp8 cache at vLLM 0.24.0:
    # FlashInfer serves every layer (FlashAttention 2 takes no fp8), UNIFORM_SINGLE_TOKEN_DECODE
    # before 0.28, so resolve_cudagraph_mode_and_sizes turns FULL_AND_PIECEWISE into PIECEWISE.
    # LlamaForCausalLM runs on Model Runner V2 (config/vllm.py
    # DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES), whose 0.24.0 CudaGraphManager.__init__ calls
    # adjust_cudagraph_sizes_for_spec_decode whatever the mode: the 51 sizes rounded to
    # multiples of 4 are 49, all piecewise: 49 + 0 graphs x 8,808,038 B = 431,593,862 B
    # (16-bit cache: 49 + 49 = 863,187,724 B, as on the H100). 0.28.0 (XQA on SM12x:
    # UNIFORM_BATCH) keeps the 49 full graphs.
    lowered = _llama_70b_eagle3("rtx-pro-6000", "0.24.0", "fp8")
    graphs = next(t for t in lowered.terms if t.key == "cuda_graphs")
    assert lowered.cuda_graph_bytes_per_gpu == 49 * MIB_8_4 == 431_593_862
    assert "(49 piecewise + 0 full graphs)" in graphs.formula
    assert WARNING.format("FlashInferBackend") in graphs.note
    sixteen_bit = _llama_70b_eagle3("rtx-pro-6000", "0.24.0", "auto")
    assert sixteen_bit.cuda_graph_bytes_per_gpu == 98 * MIB_8_4 == 863_187_724
    kept = next(t for t in _llama_70b_eagle3("rtx-pro-6000", "0.28.0", "fp8").terms
                if t.key == "cuda_graphs")
    assert "+ 49 full graphs)" in kept.formula
    assert "spec-decode" not in kept.note
