"""The vLLM (V1 engine) memory model: every term vLLM subtracts before the KV cache, named.

Per worker (GPU), vLLM 0.11-0.34 computes (v1/worker/gpu_worker.py determine_available_memory;
0.34 with its extensible KV cache off, as the launch command runs it: vllm_versions.
EXTENSIBLE_KV_CACHE_FROM; see ../shared/calibration/VLLM_ACCOUNTING.md section 1):
    budget    = ceil(total x gpu_memory_utilization)        (of TOTAL memory, not free)
    KV pool   = budget - weights - activation peak - non-torch [- CUDA graphs from 0.20]
                [- the model runner's buffers from 0.27: planner.serving.runner_buffers]
then groups the layers, sizes one block for all groups, and every rank uses the smallest
block count (section 3). The constants below are calibrated on 39 real v0.19 H100 start-ups;
bench/accuracy.py refits them and prints the residuals.

One concept per module; this package re-exports the names used outside it:
- settings: EngineSettings (the `vllm serve` settings that change memory) and the checkpoint
  names a launch command can load;
- batch_defaults: vLLM's default max_num_batched_tokens / max_num_seqs per GPU and release;
- window: the context window vLLM derives from config.json (derived, default max_model_len);
- dtypes: the compute dtype and KV element bytes vLLM serves (the checkpoint's FP8 KV cache);
- sparse_mla: dense vs sparse MLA and the fp8_ds_mla KV layout;
- non_torch: the calibrated CUDA context and NCCL / custom all-reduce bytes, with sources;
- cuda_graphs: capture sizes, graph counts (TRITON_MLA's piecewise-only releases), graph bytes;
- facts: ModelFacts, the per-model figures prepared once (and the MTP draft's KV layer);
- activation: the profile run's activation peak (the calibrated fit, the sort sampler);
- encoder: the multimodal encoder profile run (Qwen3-VL's dummy video; which workers run it);
- kv_layout: one PP stage's KV layout (StageKv: groups, pages, block sizes, DeepSeek-V4's)
  and what one request needs of it;
- stages: each PP stage's layers and KV layout, with the release's state rules (StateRules).
"""

from planner.serving.engine.activation import (
    activation_bytes,
    activation_features,
    activation_inputs,
    sort_sampler_peak_bytes,
    stage_widths,
)
from planner.serving.engine.batch_defaults import default_batch_limits
from planner.serving.engine.cuda_graphs import (
    GRAPH_BYTES_PER_GRAPH,
    TRITON_MLA_PIECEWISE_NOTE,
    cuda_graph_bytes,
    cuda_graph_count,
    dsv4_graphs_note,
    on_triton_mla,
    spec_graph_refusal,
    triton_mla_piecewise,
)
from planner.serving.engine.dtypes import (
    act_elem_bytes,
    checkpoint_fp8_kv,
    checkpoint_kv_note,
    kv_elem_bytes,
    model_served_dtype,
    served_dtype,
    served_kv_elem_bytes,
)
from planner.serving.engine.encoder import (
    EncoderProfile,
    encoder_profile,
    profiled_encoder,
    qwen3_vl_dummy_video,
)
from planner.serving.engine.facts import ModelFacts, model_facts, text_only_facts
from planner.serving.engine.kv_layout import (
    DEFAULT_BLOCK_SIZE,
    DSV4_BLOCK,
    StageKv,
    blocks_per_request,
    default_block_size,
    default_block_words,
    request_bytes,
    stage_kv,
)
from planner.serving.engine.non_torch import (
    CONTEXT_BYTES,
    NCCL_CONNECTION_BYTES,
    NCCL_P2P_CONNECTIONS,
    NonTorchPart,
    non_torch_bytes,
    non_torch_parts,
)
from planner.serving.engine.settings import EngineSettings, checkpoint_name_problem
from planner.serving.engine.sparse_mla import (
    ds_mla_read,
    is_dense_mla,
    is_sparse_mla,
    sparse_mla_kv,
)
from planner.serving.engine.stages import (
    DEFAULT_STATE_RULES,
    StateRules,
    stage_layouts,
    state_dtype_rules,
    state_dtyped,
)
from planner.serving.engine.window import (
    VllmWindow,
    default_max_model_len,
    derived_max_model_len,
    vllm_window,
)

__all__ = [
    "CONTEXT_BYTES",
    "DEFAULT_BLOCK_SIZE",
    "DEFAULT_STATE_RULES",
    "DSV4_BLOCK",
    "GRAPH_BYTES_PER_GRAPH",
    "NCCL_CONNECTION_BYTES",
    "NCCL_P2P_CONNECTIONS",
    "TRITON_MLA_PIECEWISE_NOTE",
    "EncoderProfile",
    "EngineSettings",
    "ModelFacts",
    "StageKv",
    "StateRules",
    "VllmWindow",
    "act_elem_bytes",
    "activation_bytes",
    "activation_features",
    "activation_inputs",
    "blocks_per_request",
    "checkpoint_fp8_kv",
    "checkpoint_kv_note",
    "checkpoint_name_problem",
    "cuda_graph_bytes",
    "cuda_graph_count",
    "default_batch_limits",
    "default_block_size",
    "default_block_words",
    "default_max_model_len",
    "derived_max_model_len",
    "ds_mla_read",
    "dsv4_graphs_note",
    "encoder_profile",
    "is_dense_mla",
    "is_sparse_mla",
    "kv_elem_bytes",
    "model_facts",
    "text_only_facts",
    "non_torch_bytes",
    "NonTorchPart",
    "non_torch_parts",
    "on_triton_mla",
    "profiled_encoder",
    "qwen3_vl_dummy_video",
    "request_bytes",
    "model_served_dtype",
    "served_dtype",
    "served_kv_elem_bytes",
    "sort_sampler_peak_bytes",
    "sparse_mla_kv",
    "spec_graph_refusal",
    "stage_kv",
    "stage_layouts",
    "state_dtype_rules",
    "state_dtyped",
    "stage_widths",
    "triton_mla_piecewise",
    "vllm_window",
]
