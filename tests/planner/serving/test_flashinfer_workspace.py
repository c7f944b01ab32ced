"""FlashInfer's attention workspace inside vLLM's subtracted CUDA graph estimate
(planner.serving.flashinfer_workspace), worked out by hand from vLLM's source."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec, NodeSpec, gpu_preset, preset_cluster
from planner.serving.plan import Plan, PlanRequest, plan, plan_summary

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
# envs.py VLLM_FLASHINFER_WORKSPACE_BUFFER_SIZE default (0.11.1-0.34.0 wheels):
# 394 x 1024 x 1024 = 394 x 1,048,576 = 413,138,944 B
WORKSPACE = 413_138_944
# engine.GRAPH_BYTES_PER_GRAPH: int(8.4 x 1,048,576) = int(8,808,038.4) = 8,808,038 B
PER_GRAPH = 8_808_038


def _plan(model: str, gpu: str, version: str, **settings) -> Plan:
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **settings)))


def _workspace_term(p: Plan) -> int | None:
    return next((t.value for t in p.terms if t.key == "flashinfer_workspace"), None)


def _graphs(p: Plan) -> tuple[int, int]:
    """(full, piecewise) graphs the cuda_graphs term counts."""
    inputs = next(t.inputs for t in p.terms if t.key == "cuda_graphs")
    return int(inputs["full_graphs"]), int(inputs["piecewise_graphs"])


@pytest.mark.parametrize("version", ["0.20.0", "0.30.0", "0.34.0"])
def test_b200_pool_shrinks_by_exactly_the_buffer(version):
    # Llama-3.1-8B (32 query / 8 KV heads, head 128, bf16) on a B200 (10.0): FLASHINFER first
    # (platforms/cuda.py _get_backend_priorities), TRT-LLM decode (32 % 8 == 0), FULL graphs
    # captured, the graph estimate subtracted from 0.20.0 (V1 0.20-0.21, V2 from 0.29 / 0.34).
    # --cuda-graph-bytes set to the graphs alone (8,808,038 B x graphs) is what the plan
    # subtracted before: the planned pool is smaller than that one by 413,138,944 B exactly.
    planned = _plan(LLAMA, "b200", version)
    full, piecewise = _graphs(planned)
    graphs_alone = PER_GRAPH * (full + piecewise)
    assert full > 0
    assert planned.cuda_graph_bytes_per_gpu == graphs_alone + WORKSPACE
    assert _workspace_term(planned) == WORKSPACE
    given = _plan(LLAMA, "b200", version, cuda_graph_bytes=graphs_alone)
    assert given.kv_cache_bytes_per_gpu - planned.kv_cache_bytes_per_gpu == WORKSPACE
    assert _workspace_term(given) is None  # a given estimate is taken as it stands


def test_b200_unchanged_where_vllm_does_not_measure_it():
    # 0.19.0 prints the estimate and does not subtract it (GRAPHS_SUBTRACTED_FROM 0.20.0);
    # --enforce-eager captures no graph. Neither has the term; 0.19.0's graphs are 8,808,038 B
    # a graph alone.
    old = _plan(LLAMA, "b200", "0.19.0")
    assert _workspace_term(old) is None
    assert old.cuda_graph_bytes_per_gpu == PER_GRAPH * sum(_graphs(old))
    assert _workspace_term(_plan(LLAMA, "b200", "0.30.0", enforce_eager=True)) is None


def test_h100_flash_attn_plan_unchanged():
    # 9.0 lists FLASH_ATTN first: no FlashInfer, graphs are 8,808,038 B a graph alone.
    p = _plan(LLAMA, "h100-sxm", "0.30.0")
    assert _workspace_term(p) is None
    assert p.cuda_graph_bytes_per_gpu == PER_GRAPH * sum(_graphs(p))


def test_b200_float32_plan_has_no_term():
    # v1/attention/backends/flashinfer.py FlashInferBackend.supported_dtypes = [torch.float16,
    # torch.bfloat16] (0.30.0 wheel): a --dtype float32 Llama on a B200 runs no FlashInfer
    # though FULL graphs are captured (graph_workspace_bytes asks 16-bit activations before
    # runs_flashinfer), so its graphs are 8,808,038 B a graph alone.
    p = _plan(LLAMA, "b200", "0.30.0", dtype="float32")
    assert _graphs(p)[0] > 0
    assert _workspace_term(p) is None
    assert p.cuda_graph_bytes_per_gpu == PER_GRAPH * sum(_graphs(p))


@pytest.mark.parametrize("model", [
    # MLA layers take the MLA list (FLASHINFER_MLA, CUTLASS_MLA, ...), whose workspaces are
    # other buffers (docs/known-limits.md), not this one
    "deepseek-ai/DeepSeek-V2-Lite-Chat",
    # (Gemma 4, heads of 256 and 512, per backend: test_gemma4_mm_prefix_backend.py)
])
def test_b200_plans_not_on_flashinfer_attention_have_no_term(model):
    assert _workspace_term(_plan(model, "b200", "0.30.0")) is None


# XQA decode on 9.0 (vLLM 0.25 on) and 12.x (0.28 on): utils/flashinfer.py
# supports_trtllm_attention(is_prefill=False) holds there, the builder's decode kernel is
# FlashInferDecodeKernel.XQA, and FlashInferImpl.forward takes the same module-global
# _get_trtllm_workspace_buffer for it (v1/attention/backends/flashinfer.py 0.25.0 L2018,
# 0.28.0 L2356, 0.30.0 L2431, 0.34.0 L2687). FlashInfer serves Llama-3.1-8B there because
# FlashAttention refuses the cache: FlashAttention 2 (12.x) takes no fp8 cache, FlashAttention 3
# (9.0) no fp8_e5m2 from 0.22. Head 128 is an XQA head (16 <= 128 <= 256, 128 % 16 == 0),
# 32 % 8 == 0 query / KV heads.
@pytest.mark.parametrize("gpu, kv, version, runner, workspace", [
    # RTX 5090 (12.0), fp8: V1 subtracts the estimate from 0.20; 0.34's default runner (V2)
    # subtracts it from 0.29 (V2_GRAPH_ESTIMATE_FROM)
    ("rtx-5090", "fp8", "0.28.0", "v1", WORKSPACE),
    ("rtx-5090", "fp8", "0.34.0", "auto", WORKSPACE),
    # 0.32-0.34 keep XQA for nvfp4 on 12.x ("XQA reads an NVFP4 cache only on SM12x")
    ("rtx-5090", "nvfp4", "0.34.0", "auto", WORKSPACE),
    # H100 (9.0), fp8_e5m2: XQA from 0.25, with V1's subtracted estimate
    ("h100-sxm", "fp8_e5m2", "0.25.0", "v1", WORKSPACE),
    ("h100-sxm", "fp8_e5m2", "0.30.0", "auto", WORKSPACE),
    # 0.27: supports_trtllm_attention is 9.0 and the SM100 family, not 12.x: native decode
    ("rtx-5090", "fp8", "0.27.0", "v1", 0),
    # 0.28's default runner here is V2, whose profile_cudagraph_memory returns 0 until 0.29:
    # no estimate subtracted, the buffer is held on top (docs/known-limits.md)
    ("rtx-5090", "fp8", "0.28.0", "auto", 0),
    # 0.24: supports_trtllm_attention is the SM100 family alone
    ("h100-sxm", "fp8_e5m2", "0.24.0", "v1", 0),
    # FLASH_ATTN (FlashAttention 3) takes an auto / fp8 cache on 9.0: no FlashInfer
    ("h100-sxm", "auto", "0.30.0", "auto", 0),
    ("h100-sxm", "fp8", "0.34.0", "auto", 0),
    # an nvfp4 cache on 9.0 from 0.32 decodes on fa2, not XQA ("SM90 decodes it with fa2")
    ("h100-sxm", "nvfp4", "0.34.0", "auto", 0),
    # RTX 5090 with a 16-bit cache: FLASH_ATTN (FlashAttention 2)
    ("rtx-5090", "auto", "0.34.0", "auto", 0),
])
def test_xqa_workspace_in_the_estimate(gpu, kv, version, runner, workspace):
    # graphs alone: 8,808,038 B x (full + piecewise); the plan's estimate is that + the
    # workspace (413,138,944 B or 0), and against the graphs-alone estimate given the pool is
    # smaller by the workspace exactly.
    settings = {"kv_cache_dtype": kv, "model_runner": runner}
    planned = _plan(LLAMA, gpu, version, **settings)
    full, piecewise = _graphs(planned)
    graphs_alone = PER_GRAPH * (full + piecewise)
    assert full > 0
    assert _workspace_term(planned) == (workspace or None)
    assert planned.cuda_graph_bytes_per_gpu == graphs_alone + workspace
    given = _plan(LLAMA, gpu, version, cuda_graph_bytes=graphs_alone, **settings)
    assert given.kv_cache_bytes_per_gpu - planned.kv_cache_bytes_per_gpu == workspace


def test_workspace_worked_out_once_a_resolved_for_every_stage(monkeypatch):
    # The workspace reads the model, settings and GPU, not the layout or the stage
    # (flashinfer_workspace.flashinfer_workspace): plan.derive works it out once per Resolved, which
    # every worker's overheads and the graphs term read. Llama-3.1-8B at PP = 2 on two B200s
    # under 0.30.0 (max_model_len 8,064 and 96 sequences, values no other test plans, so no
    # Resolved is cached): one call, where each of the two stages' overheads and the term
    # worked it out again (2 x 2 + 1 = 5 calls) before. Both stages' graph estimates hold it:
    # 8,808,038 B x graphs + 413,138,944 B.
    import planner.serving.plan.derive as derive

    calls, real = [], derive.flashinfer_workspace
    monkeypatch.setattr(derive, "flashinfer_workspace",
                        lambda *args: calls.append(args) or real(*args))
    p = plan(PlanRequest(model=catalog_spec(LLAMA), cluster=preset_cluster("b200", 2),
                         layout={"pp": 2},
                         engine=EngineSettings(vllm_version="0.30.0", max_model_len=8064,
                                               max_num_seqs=96)))
    assert len(calls) == 1
    assert _workspace_term(p) == WORKSPACE
    full, piecewise = _graphs(p)
    assert {rank.cuda_graph_bytes for rank in p.per_gpu} == {
        PER_GRAPH * (full + piecewise) + WORKSPACE}


@pytest.mark.parametrize("first, second", [("h100-sxm", "b200"), ("b200", "h100-sxm")])
def test_each_stage_holds_its_own_gpus_workspace(monkeypatch, first, second):
    # vLLM picks each worker's attention backend from its own GPU (platforms/cuda.py
    # get_attn_backend_cls, 0.34.0 wheel): Llama-3.1-8B at PP = 2 under 0.30.0 on a node of one
    # H100 (9.0: FLASH_ATTN, no workspace) and a node of one B200 (10.0: FLASHINFER's
    # 413,138,944 B), whichever node comes first, holds the workspace on the B200's stage only.
    # Node 0's GPU gave both stages its own before (27affedd: 369,937,596 B on both stages
    # with the H100 first, 783,076,540 B on both with the B200 first). 96 sequences: 42
    # graphs, 42 x 8,808,038 = 369,937,596 B; + 413,138,944 = 783,076,540 B. The workspace
    # is worked out once per capability (2 calls), not per stage or worker.
    import planner.serving.plan.derive as derive

    calls, real = [], derive.flashinfer_workspace
    monkeypatch.setattr(derive, "flashinfer_workspace",
                        lambda *args: calls.append(args) or real(*args))
    nodes = tuple(NodeSpec(gpu=gpu_preset(key), gpus_per_node=1, intra_node_link="nvlink")
                  for key in (first, second))
    request = PlanRequest(model=catalog_spec(LLAMA),
                          cluster=ClusterSpec(nodes=nodes, source="test"), layout={"pp": 2},
                          engine=EngineSettings(vllm_version="0.30.0", max_model_len=8064,
                                                max_num_seqs=96))
    p = plan(request)
    assert sorted(args[3] for args in calls) == ["10.0", "9.0"]
    full, piecewise = _graphs(p)
    assert PER_GRAPH * (full + piecewise) == 369_937_596
    by_gpu = {p.per_gpu[stage].cuda_graph_bytes: key for stage, key in enumerate((first, second))}
    assert by_gpu == {369_937_596: "h100-sxm", 783_076_540: "b200"}
    # the binding worker is the H100 (the smaller pool): no workspace term, and the sweep's
    # summary sizes the same worker
    binding = p.per_gpu[p.binding_rank]
    assert (binding.pp_stage, _workspace_term(p)) == ((first, second).index("h100-sxm"), None)
    summary = plan_summary(request)
    assert (summary.kv_cache_bytes_per_gpu, summary.cuda_graph_bytes_per_gpu) == (
        binding.kv_cache_bytes, 369_937_596)
