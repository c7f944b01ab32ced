"""Gemma 4 served with images: vLLM sets use_mm_prefix (bidirectional attention over image
tokens) and picks its attention backend among those that take it, read from the wheels and
pinned against planner.serving.startup.gemma4_backend (the per-cell table:
test_gemma4_attention_backend.py) and the draft's graph mode (planner.serving.spec_graph_mode).

The reading (0.24.0, 0.26.0, 0.27.0, 0.28.0, 0.29.0, 0.30.0, 0.31.0, 0.33.0, 0.34.0 wheels):
- transformers_utils/model_arch_config_convertor.py Gemma4ModelArchConfigConvertor
  .is_mm_prefix_lm: use_bidirectional_attention == "vision" (both catalog Gemma 4 configs);
  from 0.27.0 it takes supports_multimodal (config/model.py _supports_multimodal_for_mm_prefix:
  False under --language-model-only or every modality's limit at 0), before it none.
- v1/attention/backend.py validate_configuration: "partial multimodal token full attention
  not supported" for a backend whose supports_mm_prefix is False: FLASHINFER (the base class).
  FLASH_ATTN's is is_fa_version_supported(4); its supports_combination asks FA4 under mm prefix
  (Gemma4Config sets flash_attn_version 4 on 9.x / 10.x), refuses an fp8 cache under FA4 on
  9.0 before 0.31 (fa_utils.py flash_attn_supports_kv_cache_dtype), fp8_e5m2 always, and from
  0.31 any quantized cache on 9.0 under mm prefix ("SM90 FP8 KV with mm_prefix requires
  Triton"). TRITON_ATTN takes mm prefix and every fp8 cache.
- platforms/cuda.py _get_backend_priorities from 0.30.0: TRITON_FLASHINFER first on 10.x and
  TRITON_FLASH_ATTN first on 9.x where use_mm_prefix. TRITON_FLASH_ATTN's causal half
  (FlashAttention, asked without mm prefix) lists no fp8_e5m2, and takes fp8 / fp8_e4m3 where
  FlashAttention does: not 0.30's FA4-only _FA4Backend, 0.31's _FABackend with FA3 at 256 and
  FA4 at 512. TRITON_FLASHINFER's halves list every fp8 cache.
So on an H100: 16-bit FLASH_ATTN 0.24-0.29, TRITON_FLASH_ATTN from 0.30; fp8 / fp8_e4m3
TRITON_ATTN 0.24-0.30, TRITON_FLASH_ATTN from 0.31; fp8_e5m2 TRITON_ATTN. On a B200:
TRITON_ATTN 0.24-0.29 (FLASH_ATTN refuses mm prefix: FA4 takes no head above 128 on
Blackwell, fa_utils.py; gemma4_backend.BLACKWELL_FA4_MM_PREFIX); from 0.30 TRITON_FLASHINFER.
A100 and RTX 5090: Gemma4Config forces TRITON_ATTN (no FA4).
"""

import json
import re
from pathlib import Path

import pytest

from planner.catalog import catalog_spec
from planner.serving.eagle import parse_eagle_draft
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.spec_graph_mode import spec_piecewise_backend
from planner.serving.startup.gemma4_backend import gemma4_mm_prefix
from planner.serving.vllm_versions import parse_version, vllm_rules

MODELS = ("google/gemma-4-26B-A4B", "nvidia/Gemma-4-31B-IT-NVFP4")
DRAFTERS = Path(__file__).resolve().parents[2] / "fixtures" / "drafters"


@pytest.mark.parametrize(("version", "images", "on"), [
    ("0.24.0", False, True), ("0.26.0", False, True),  # is_mm_prefix_lm() takes no limits
    ("0.27.0", False, False), ("0.34.0", False, False),  # text-only: off
    ("0.27.0", True, True), ("0.34.0", True, True),
])
def test_mm_prefix_follows_images_from_0_27(version, images, on):
    for repo in MODELS:
        spec = catalog_spec(repo)
        assert spec.use_bidirectional_attention == "vision"  # config.json
        assert gemma4_mm_prefix(spec, parse_version(version), images) is on


def test_no_mm_prefix_without_vision_bidirectional_attention():
    # Gemma-3's config holds no use_bidirectional_attention string; vLLM's Gemma 4 convertor
    # is not its model_type's
    spec = catalog_spec("google/gemma-3-4b-it")
    assert spec.use_bidirectional_attention is None
    assert not gemma4_mm_prefix(spec, (0, 24, 0), True)


def _lowered(repo: str, cc: str, version: str, kv: str, images: bool) -> str | None:
    return spec_piecewise_backend(catalog_spec(repo), vllm_rules(version), cc, "nvidia", kv,
                                  "bfloat16", 3, images)


@pytest.mark.parametrize("repo", MODELS)
@pytest.mark.parametrize(("cc", "kv", "version", "with_images", "text_only"), [
    # H100, 16-bit: FLASH_ATTN (FA4: UNIFORM_BATCH) either way before 0.30; from 0.30 the
    # composite, whose MMPrefixAttentionRouting.get_cudagraph_support is
    # UNIFORM_SINGLE_TOKEN_DECODE (Gemma 4's sliding layers clamp their image block:
    # mm_prefix_clamp_sliding_window=self.is_sliding), below a draft's UNIFORM_BATCH
    ("9.0", "auto", "0.29.0", None, None),
    ("9.0", "auto", "0.30.0", "TritonFlashAttentionBackend", None),
    ("9.0", "auto", "0.34.0", "TritonFlashAttentionBackend", None),
    # H100, fp8: TRITON_ATTN (ALWAYS) with images where text-only runs FlashInfer's
    # single-token decode (0.27-0.29 outright, 0.30 the 512-wide layers' XQA miss)
    ("9.0", "fp8", "0.28.0", None, "FlashInferBackend"),
    ("9.0", "fp8_e4m3", "0.30.0", None, "FlashInferBackend"),
    # from 0.31 the composite with images, FLASH_ATTN (FA3 / FA4, full graphs) text-only
    ("9.0", "fp8", "0.31.0", "TritonFlashAttentionBackend", None),
    ("9.0", "fp8_e4m3", "0.34.0", "TritonFlashAttentionBackend", None),
    # H100, fp8_e5m2: TRITON_ATTN with images in every release; FlashInfer text-only
    ("9.0", "fp8_e5m2", "0.29.0", None, "FlashInferBackend"),
    ("9.0", "fp8_e5m2", "0.34.0", None, "FlashInferBackend"),
    # B200: TRITON_ATTN with images before 0.30 (full), TRITON_FLASHINFER from it;
    # text-only FLASHINFER with TRT-LLM attention (UNIFORM_BATCH)
    ("10.0", "auto", "0.29.0", None, None),
    ("10.0", "fp8_e5m2", "0.29.0", None, None),
    ("10.0", "auto", "0.30.0", "TritonFlashInferBackend", None),
    ("10.0", "fp8_e5m2", "0.34.0", "TritonFlashInferBackend", None),
    # A100 / RTX 5090: TRITON_ATTN forced either way
    ("8.0", "auto", "0.34.0", None, None),
    ("12.0", "fp8", "0.34.0", None, None),
])
def test_a_draft_follows_the_backend_images_pick(repo, cc, kv, version, with_images, text_only):
    assert _lowered(repo, cc, version, kv, True) == with_images
    assert _lowered(repo, cc, version, kv, False) == text_only


def _gemma4_with_a_draft(language_model_only: bool):
    """gemma-4-26B-A4B on one H100 under vLLM 0.30.0 with an EAGLE-3 draft of 3 tokens: the
    Llama-3-70B drafter's config (tests/fixtures/drafters) resized to Gemma 4's hidden size
    2,816 and vocabulary (no Gemma 4 drafter is published there; the graph mode follows the
    target's attention backend only)."""
    config = json.loads((DRAFTERS / "specforge__llama3-70B-eagle3.json").read_text("utf-8"))
    drafter = parse_eagle_draft({**config, "hidden_size": 2816, "num_attention_heads": 16,
                                 "intermediate_size": 8448, "vocab_size": 262144}, "drafter")
    return plan(PlanRequest(
        model=catalog_spec("google/gemma-4-26B-A4B"), cluster=preset_cluster("h100-sxm", 1),
        layout=ParallelLayout(tp=1),
        engine=EngineSettings(speculative_draft=drafter, num_speculative_tokens=3,
                              vllm_version="0.30.0", max_model_len=8192, max_num_seqs=256,
                              max_num_batched_tokens=8192,
                              language_model_only=language_model_only)))


def test_images_served_lower_a_drafts_graphs_on_the_composite():
    # Capture sizes: 4 tokens a decode request, largest min(256 x 4 x 2, 512) = 512: 1, 2, 4,
    # 8..256 by 8 (32), 272..512 by 16 (16) = 51 piecewise. Full decode graphs take the sizes
    # that hold whole requests of 4 (Model Runner V2 from 0.25 keeps the sizes unrounded): 49
    # (all but 1 and 2). Served with images TRITON_FLASH_ATTN (UNIFORM_SINGLE_TOKEN_DECODE)
    # lowers FULL_AND_PIECEWISE to PIECEWISE: 51 x 8,808,038 B = 449,209,938 B; with
    # --language-model-only FLASH_ATTN (FA4, UNIFORM_BATCH) keeps them: 100 x 8,808,038 B =
    # 880,803,800 B
    images = _gemma4_with_a_draft(language_model_only=False)
    graphs = next(t for t in images.terms if t.key == "cuda_graphs")
    assert images.cuda_graph_bytes_per_gpu == 51 * 8_808_038 == 449_209_938
    assert "(51 piecewise + 0 full graphs)" in graphs.formula
    assert ("attention backend TritonFlashAttentionBackend (support: "
            "AttentionCGSupport.UNIFORM_SINGLE_TOKEN_DECODE); setting cudagraph_mode=PIECEWISE"
            ) in graphs.note
    text_only = _gemma4_with_a_draft(language_model_only=True)
    assert text_only.cuda_graph_bytes_per_gpu == 100 * 8_808_038 == 880_803_800
    assert "spec-decode" not in next(t for t in text_only.terms if t.key == "cuda_graphs").note


def _gemma4_31b_on_b200(version: str, language_model_only: bool):
    """nvidia/Gemma-4-31B-IT-NVFP4 (50 sliding layers of 16 KV heads x 256, window 1,024; 10
    global of 4 x 512; its FP8 KV cache: 450,560 B a token) on one B200, 262,144 tokens."""
    return plan(PlanRequest(
        model=catalog_spec("nvidia/Gemma-4-31B-IT-NVFP4"), cluster=preset_cluster("b200", 1),
        engine=EngineSettings(vllm_version=version, max_model_len=262144,
                              max_num_batched_tokens=4096,
                              language_model_only=language_model_only)))


@pytest.mark.parametrize("version", ["0.30.0", "0.33.0"])
def test_triton_flashinfer_takes_64_token_blocks_on_a_b200(version):
    # TRITON_FLASHINFER's only kernel block is 64 (triton_flashinfer.py kernel_block_sizes), so
    # get_preferred_block_size turns the default 16 into 64. Sliding page 64 x 8,192 B =
    # 524,288 B; global page 64 x 4,096 B = 262,144 B -> global blocks of 128 tokens. One
    # 262,144-token request: 262,144 / 128 = 2,048 global blocks + 5 sliding groups x
    # (cdiv(1,023 + 8,192 in flight, 64) + 1 = 145) = 2,773 blocks of 10 x 524,288 B
    # (test_plan.py's H100 case pages 16 and 11,077, as text-only FLASHINFER does here)
    images = _gemma4_31b_on_b200(version, language_model_only=False)
    assert images.kv_bytes_per_token_per_gpu == 450_560
    assert (images.block_size, images.num_gpu_blocks) == (
        64, images.kv_cache_bytes_per_gpu // 5_242_880)
    assert images.max_concurrency == pytest.approx(images.num_gpu_blocks / 2_773, rel=1e-9)
    block = next(t for t in images.terms if t.key == "bytes_per_block")
    assert "64-token blocks: what vLLM" in block.note + block.formula
    assert "gemma4_default_block" in block.note + block.formula
    text_only = _gemma4_31b_on_b200(version, language_model_only=True)
    assert (text_only.block_size, text_only.num_gpu_blocks) == (
        16, text_only.kv_cache_bytes_per_gpu // 1_310_720)
    assert text_only.max_concurrency == pytest.approx(text_only.num_gpu_blocks / 11_077,
                                                      rel=1e-9)


def _gemma4_31b_given_block(block_size: int):
    return plan(PlanRequest(
        model=catalog_spec("nvidia/Gemma-4-31B-IT-NVFP4"), cluster=preset_cluster("b200", 1),
        engine=EngineSettings(vllm_version="0.33.0", max_model_len=262144,
                              max_num_batched_tokens=4096, block_size=block_size)))


def test_a_given_block_size_is_kept_and_0_29_has_no_composite():
    # --block-size given: update_block_size_for_backend skips phase 1 (user_specified_block_size)
    # and keeps it; 0.29.0 (no TRITON_FLASHINFER) runs TRITON_ATTN on the B200 with images: the
    # default 16
    assert _gemma4_31b_given_block(32).block_size == 32
    assert _gemma4_31b_on_b200("0.29.0", language_model_only=False).block_size == 16


@pytest.mark.parametrize(("block_size", "workspace"), [(16, False), (32, False),
                                                       (64, True), (128, True)])
def test_a_given_block_no_multiple_of_64_leaves_triton_flashinfer(block_size, workspace):
    # The selector validates a user-given block (selector.py user_specified_block_size):
    # TRITON_FLASHINFER's supports_block_size is `block_size % 64 == 0` (composite.py, kernel
    # block 64 alone), so 16 and 32 go on down _get_backend_priorities: FLASHINFER and
    # FLASH_ATTN refuse mm prefix, TRITON_ATTN (MultipleOf(16)) takes them, 0.30-0.34 as
    # before 0.30. No FlashInfer, so no TRT-LLM workspace in the graph estimate: the graphs
    # at 8,808,038 B each and nothing more; 64 and 128 stay on TRITON_FLASHINFER, + 394 x
    # 1,048,576 = 413,138,944 B
    p = _gemma4_31b_given_block(block_size)
    formula = next(t for t in p.terms if t.key == "cuda_graphs").formula
    graphs = re.search(r"\((\d+) piecewise \+ (\d+) full graphs\)", formula)
    assert graphs is not None and int(graphs[2]) > 0  # full graphs captured
    assert p.cuda_graph_bytes_per_gpu == 8_808_038 * (int(graphs[1]) + int(graphs[2])) + (
        413_138_944 if workspace else 0)
    assert any(t.key == "flashinfer_workspace" for t in p.terms) is workspace
    lowered = spec_piecewise_backend(catalog_spec("nvidia/Gemma-4-31B-IT-NVFP4"),
                                     vllm_rules("0.33.0"), "10.0", "nvidia", "auto", "bfloat16",
                                     3, True, block_size)
    # a 3-token draft: TRITON_FLASHINFER's UNIFORM_SINGLE_TOKEN_DECODE lowers it, TRITON_ATTN
    # (ALWAYS) keeps full graphs
    assert lowered == ("TritonFlashInferBackend" if workspace else None)


def _gemma4_nvfp4(gpu: str, version: str, language_model_only: bool):
    return plan(PlanRequest(
        model=catalog_spec("google/gemma-4-26B-A4B"), cluster=preset_cluster(gpu, 1),
        engine=EngineSettings(vllm_version=version, max_model_len=8192, kv_cache_dtype="nvfp4",
                              language_model_only=language_model_only)))


MM_PREFIX_REFUSAL = ("No valid attention backend found for cuda with kv_cache_dtype=nvfp4 and "
                     "use_mm_prefix=True: FLASHINFER, the one backend that lists it, reports "
                     "'partial multimodal token full attention not supported'")


@pytest.mark.parametrize(("gpu", "version"), [("h100-sxm", "0.33.0"), ("b200", "0.30.0")])
def test_an_nvfp4_cache_finds_no_backend_with_images(gpu, version):
    # FlashInfer alone lists nvfp4 (10.x; 9.x through fa2 from 0.32) and takes no mm prefix;
    # TRITON_ATTN / FLASH_ATTN / FLEX_ATTENTION and the composites take mm prefix but list no
    # nvfp4 (supported_kv_cache_dtypes): vLLM's selector finds none. Text-only, FlashInfer runs it
    images = _gemma4_nvfp4(gpu, version, language_model_only=False)
    assert not images.fits
    assert any(r.startswith(MM_PREFIX_REFUSAL) and "--language-model-only" in r
               for r in images.errors)
    text_only = _gemma4_nvfp4(gpu, version, language_model_only=True)
    assert not any(r.startswith(MM_PREFIX_REFUSAL) for r in text_only.errors)


def test_an_earlier_nvfp4_refusal_stands_alone():
    # 0.31 on an H100: FlashInfer takes nvfp4 on the SM100 family only
    # (attention_backend._nvfp4_error), refused as before, images or not
    refusals = _gemma4_nvfp4("h100-sxm", "0.31.0", language_model_only=False).errors
    assert refusals and not any(r.startswith(MM_PREFIX_REFUSAL) for r in refusals)


@pytest.mark.parametrize(("version", "language_model_only", "workspace"), [
    ("0.29.0", True, True),  # FLASHINFER, first on 10.x (text-only: no mm prefix)
    ("0.29.0", False, False),  # images: FLASH_ATTN (FA4), no FlashInfer buffer
    ("0.30.0", False, True),  # images: TRITON_FLASHINFER, captured on its FlashInfer half
    ("0.33.0", True, True),
])
def test_flashinfer_workspace_follows_the_backend_on_a_b200(version, language_model_only,
                                                            workspace):
    # The graphs at 8,808,038 B each (engine.GRAPH_BYTES_PER_GRAPH), + 394 MiB = 413,138,944 B
    # (envs.py VLLM_FLASHINFER_WORKSPACE_BUFFER_SIZE) where FlashInfer runs TRT-LLM decode in
    # the first FULL capture (flashinfer_workspace.graph_workspace_bytes), else nothing
    p = _gemma4_31b_on_b200(version, language_model_only)
    formula = next(t for t in p.terms if t.key == "cuda_graphs").formula
    graphs = re.search(r"\((\d+) piecewise \+ (\d+) full graphs\)", formula)
    assert graphs is not None and int(graphs[2]) > 0  # full graphs captured
    assert p.cuda_graph_bytes_per_gpu == 8_808_038 * (int(graphs[1]) + int(graphs[2])) + (
        413_138_944 if workspace else 0)
