"""FlashInfer's attention workspace where vLLM's KV budget subtracts it: TRT-LLM decode's buffer,
inside the CUDA graph estimate, on datacenter Blackwell, whose default attention is FlashInfer,
and where FlashInfer's XQA decode takes it on 9.0 (vLLM 0.25 on) and 12.x (0.28 on).

Why there only (vLLM's source, read in the 0.10.1, 0.11.0, 0.13.0, 0.19.0, 0.20.0, 0.25.0,
0.29.0, 0.30.0 and 0.34.0 wheels):

- The buffers: v1/attention/backends/flashinfer.py allocates `torch.zeros(size, uint8)`:
  the module-global _get_trtllm_gen_workspace_buffer (0.11.0-0.19.0) /
  _get_trtllm_workspace_buffer (0.25.0 on), one per process, when a TRT-LLM kernel first runs
  in FlashInferImpl.forward; and FlashInferMetadataBuilder._get_workspace_buffer, one per
  builder, for FlashInfer's own prefill / decode / cascade wrappers. size:
  FLASHINFER_WORKSPACE_BUFFER_SIZE = 256 MiB in that file up to 0.11.0,
  envs.VLLM_FLASHINFER_WORKSPACE_BUFFER_SIZE (default 394 * 1024 * 1024) from 0.11.1.
- Decode on TRT-LLM: the builder's use_trtllm_decode_attention is utils/flashinfer.py
  can_use_trtllm_attention: supports_trtllm_attention (the 10.x family, the cubins
  reachable, no batch-invariant mode) and query heads a multiple of KV heads (0.20.0-0.34.0).
- When: the profile run's dummy forward builds no attention metadata (V1
  gpu_model_runner._dummy_run builds it only with force_attention or a FULL graph; V2's
  profile_run passes skip_attn=True), so no buffer is in the profiled torch peak. Where the
  CUDA graph estimate is subtracted (vllm_versions.GRAPHS_SUBTRACTED_FROM; V2:
  VllmRules.v2_graph_estimate), profile_cudagraph_memory (V1 gpu_model_runner.py; V2
  v1/worker/gpu/cudagraph_utils.py) initializes a minimal KV cache, then measures
  torch.cuda.mem_get_info around the captures: the first FULL capture is a decode batch, whose
  forward allocates the TRT-LLM buffer, so the estimate holds it. The buffer is a module
  global: it outlives the profiling teardown and serves the real captures. V1 sums
  max(first captures) + per-graph x (graphs - 1); at Headroom's one figure per graph
  (engine.GRAPH_BYTES_PER_GRAPH) the FULL first capture plus the buffer is the max, so the
  estimate grows by the buffer exactly; V2 measures every capture's delta, the buffer once.
- Not counted here, held on top of the KV budget (docs/known-limits.md): the builder's buffer
  (V2's attn_utils.init_attn_backend allocates it at KV-cache init, before the graph
  measurement and again after the pool is sized; V1 where a prefill runs FlashInfer's own
  wrapper, at warm-up), and the TRT-LLM buffer without FULL graphs or a subtracted estimate.
- XQA: supports_trtllm_attention(is_prefill=False) also holds on 9.0 from 0.25.0 and on 12.x
  from 0.28.0 (vllm_versions.FLASHINFER_XQA_SM90_FROM, FLASHINFER_XQA_SM12X_FROM), where the
  builder's decode kernel is FlashInferDecodeKernel.XQA, whose forward takes the same
  module-global _get_trtllm_workspace_buffer; FlashInfer serves there where FlashAttention
  refuses the KV cache (spec_graph_mode.flashinfer_xqa_decode: fp8_e5m2 on 9.0, fp8 and nvfp4
  on 12.x; from 0.30 a layer of a head size XQA decodes). The estimate and captures are the
  same, so the buffer sits in it the same way (0.25.0, 0.28.0, 0.30.0, 0.34.0 wheels read).
- Which plans: platforms/cuda.py _get_backend_priorities puts FLASHINFER first for non-MLA
  attention on compute capability 10.x (0.13.0-0.34.0; from 0.30.0 TRITON_FLASHINFER,
  FlashInfer's composite, before it for multimodal prefix models), FLASH_ATTN first elsewhere;
  a Gemma 4 with heads of two sizes as startup.gemma4_backend gives.
"""

from planner.model.spec import AttentionMixer, ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import cc_to_int, parse_capability
from planner.serving.mm_modes import text_only
from planner.serving.spec_graph_mode import flashinfer_xqa_decode
from planner.serving.startup.attention_backend import flashinfer_head_sizes, gemma4_mixed_heads
from planner.serving.startup.gemma4_backend import gemma4_backend, gemma4_mm_prefix
from planner.serving.vllm_versions import Version, VllmRules
from planner.units import MIB, VLLM_KV_DTYPE

FLASHINFER_WORKSPACE_BYTES = 394 * MIB
"""envs.py VLLM_FLASHINFER_WORKSPACE_BUFFER_SIZE's default, 394 * 1024 * 1024 = 413,138,944 B
(0.11.1-0.34.0 wheels; 0.11.0 and before: flashinfer.py FLASHINFER_WORKSPACE_BUFFER_SIZE =
256 MiB, before the releases whose graph estimate is subtracted)."""


def runs_flashinfer(spec: ModelSpec, version: Version, compute_capability: str, kv: str,
                    mm_prefix: bool, given_block: int | None) -> bool:
    """Whether vLLM `version` serves `spec`'s attention on FlashInfer by default on this GPU,
    given 16-bit activations (FlashInferBackend.supported_dtypes: float16, bfloat16; its one
    caller, graph_workspace_bytes, asks them first): compute capability 10.x (FLASHINFER first,
    _get_backend_priorities), a softmax attention layer (MLA layers take the MLA list:
    FLASHINFER_MLA, CUTLASS_MLA, ...), a head size it lists
    (attention_backend.flashinfer_head_sizes). A Gemma 4 with heads of two sizes takes the
    backend gemma4_backend gives for a KV cache of `kv` (vLLM's name), `mm_prefix`
    (gemma4_backend.gemma4_mm_prefix) and --block-size `given_block` (None: not given):
    FLASHINFER text-only, TRITON_FLASHINFER served with images from 0.30 (its capture variant
    is the FlashInfer half: composite.py MMPrefixAttentionRouting.capture_variant = 1),
    TRITON_ATTN with images before 0.30 or a given block no multiple of 64."""
    cc = parse_capability(compute_capability)
    if cc is None or cc[0] != 10:
        return False
    if gemma4_mixed_heads(spec):
        return gemma4_backend(spec, version, cc_to_int(cc), kv, mm_prefix,
                              given_block) in (
            "FLASHINFER", "TRITON_FLASHINFER")
    heads = flashinfer_head_sizes(version[1])
    return any(isinstance(layer.mixer, AttentionMixer) and layer.mixer.head_dim in heads
               for layer in spec.layers)


def graph_workspace_bytes(spec: ModelSpec, version: Version, compute_capability: str,
                          act_bytes: int, full_graphs: int, estimate_subtracted: bool,
                          kv: str, mm_prefix: bool, given_block: int | None) -> int:
    """The FlashInfer workspace inside the CUDA graph estimate vLLM subtracts (module
    docstring): TRT-LLM decode's one buffer where the estimate is subtracted, FULL graphs are
    captured, the plan runs FlashInfer on 10.x (runs_flashinfer) or decodes on its XQA kernel
    on 9.0 / 12.x (spec_graph_mode.flashinfer_xqa_decode) with 16-bit activations, and every
    attention layer's query heads are a multiple of its KV heads (can_use_trtllm_attention);
    0 otherwise."""
    if not (estimate_subtracted and full_graphs and act_bytes == 2):
        return 0
    trtllm = all(layer.mixer.num_heads % layer.mixer.num_kv_heads == 0
                 for layer in spec.layers if isinstance(layer.mixer, AttentionMixer))
    return FLASHINFER_WORKSPACE_BYTES if trtllm and (runs_flashinfer(
        spec, version, compute_capability, kv, mm_prefix, given_block)
        or flashinfer_xqa_decode(spec, version, compute_capability, kv, mm_prefix)) else 0


def flashinfer_workspace(spec: ModelSpec, s: EngineSettings, rules: VllmRules,
                         compute_capability: str, act_b: int, full_graphs: int,
                         subtract_graphs: bool, runner: str) -> int:
    """FlashInfer's attention workspace inside the CUDA graph estimate vLLM subtracts on every
    worker of these settings (graph_workspace_bytes: each worker is a process whose first FULL
    capture allocates it), under `rules` (s.vllm_version's, which the caller holds); 0 where
    it is not there. The estimate is subtracted where `subtract_graphs` holds
    (Resolved.subtract_graphs), on Model Runner V2 (`runner`) only where its rules have one
    (VllmRules.v2_graph_estimate). It reads neither the layout nor the stage, but the GPU's
    compute capability, from which vLLM picks each worker's attention backend
    (platforms/cuda.py get_attn_backend_cls, 0.34.0 wheel): plan.derive works it out once
    per capability of the cluster's GPUs (Resolved.captures), which each worker's overheads
    and the graphs term read for the worker's own GPU."""
    subtracted = subtract_graphs and (runner == "v1" or rules.v2_graph_estimate)
    return graph_workspace_bytes(spec, rules.version, compute_capability, act_b, full_graphs,
                                 subtracted, VLLM_KV_DTYPE[s.kv_cache_dtype],
                                 gemma4_mm_prefix(spec, rules.version, not text_only(spec, s)),
                                 s.block_size)


WORKSPACE_NOTE = (
    "FlashInfer serves attention by default on compute capability 10.x (vLLM platforms/cuda.py "
    "_get_backend_priorities) and decodes on TRT-LLM there (utils/flashinfer.py "
    "can_use_trtllm_attention), and on its XQA kernel on 9.0 from 0.25 and 12.x from 0.28 "
    "where it serves a KV cache FlashAttention refuses; that kernel's workspace "
    "(v1/attention/backends/flashinfer.py "
    "_get_trtllm_workspace_buffer, one a process, envs.VLLM_FLASHINFER_WORKSPACE_BUFFER_SIZE "
    "= 394 MiB in 0.11.1-0.34.0) is allocated in the first FULL decode capture of "
    "profile_cudagraph_memory, so the CUDA graph estimate vLLM subtracts holds it and the KV "
    "pool is smaller by it (planner.serving.flashinfer_workspace); the metadata builder's own "
    "buffer is not counted (docs/known-limits.md)")
"""The flashinfer_workspace term's note: where the figure comes from and why it is subtracted."""
