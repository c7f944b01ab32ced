"""Mixed-GPU clusters: each pipeline stage's profile-run terms follow its own GPU, as vLLM
picks the kernels in each worker's process (plan.worker.overheads), worked out by hand."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec, NodeSpec, gpu_preset
from planner.serving.plan import Plan, PlanRequest, plan, plan_summary
from planner.serving.speed import ServingLoad, estimate_speed

DSV4 = "deepseek-ai/DeepSeek-V4-Flash"
LITE = "deepseek-ai/DeepSeek-V2-Lite-Chat"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
# engine.GRAPH_BYTES_PER_GRAPH: int(8.4 x 1,048,576) = 8,808,038 B
PER_GRAPH = 8_808_038
# envs.py VLLM_FLASHINFER_WORKSPACE_BUFFER_SIZE default: 394 x 1,048,576 = 413,138,944 B
WORKSPACE = 413_138_944


def _request(first: str, second: str) -> PlanRequest:
    nodes = tuple(NodeSpec(gpu=gpu_preset(key), gpus_per_node=8, intra_node_link="nvlink")
                  for key in (first, second))
    return PlanRequest(model=catalog_spec(DSV4), cluster=ClusterSpec(nodes=nodes, source="test"),
                       layout={"tp": 8, "pp": 2},
                       engine=EngineSettings(vllm_version="0.30.0", max_model_len=8192))


def _pp2_request(model: str, version: str, seqs: int, first: str, second: str) -> PlanRequest:
    """`model` at PP = 2 over two one-GPU nodes, the batch limits given (so node 0's GPU sets no
    default that differs): `seqs` sequences, 8,192 batched tokens."""
    nodes = tuple(NodeSpec(gpu=gpu_preset(key), gpus_per_node=1, intra_node_link="nvlink")
                  for key in (first, second))
    return PlanRequest(model=catalog_spec(model), cluster=ClusterSpec(nodes=nodes, source="test"),
                       layout={"pp": 2},
                       engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                             max_num_seqs=seqs, max_num_batched_tokens=8192))


def _assert_stages_sized_alone(p: Plan, request: PlanRequest, keys: tuple[str, str],
                               alone) -> None:
    """Each stage's worker (on the GPU preset `keys` names, node by node) sizes as on a cluster
    of its own GPU alone (`alone(key)`: the request on two nodes of that preset), and the
    sweep's summary sizes the binding worker."""
    for stage, key in enumerate(keys):
        assert p.per_gpu[stage].model_dump() == plan(alone(key)).per_gpu[stage].model_dump() | {
            "node": stage}
    assert plan_summary(request).kv_cache_bytes_per_gpu == p.per_gpu[p.binding_rank].kv_cache_bytes


def _forward_without_workspace(t: int) -> int:
    """DeepSeek-V4-Flash's indexer moment at TP 8 less the shared workspace, by hand from
    config.json (hidden 4,096, hc_mult 4, 64 heads of 512, q_lora_rank 1,024, index_n_heads
    64, index_head_dim 128; bf16) and activation_dsv4's tensors: 64 / 8 = 8 local heads pad
    to 64 (FlashMLA's get_padded_num_q_heads)."""
    streams = t * (4 + 1) * 4096 * 2
    heads = 2 * t * 64 * 512 * 2  # o_padded + padded q
    gemms = 2 * t * (1024 + 512) * 2 + t * 4 * 512 * 4 + t * 4 * 128 * 4 + t * 64 * 2
    indexer = t * 64 * (128 + 4) + 512 * 1024 * 1024  # fp8 q + float32 weights, 512 MiB logits
    return streams + heads + gemms + indexer


# T = 8,192 (the H100's default batched tokens on 0.30.0, node 0's): streams 335,544,320 +
# heads 1,073,741,824 + GEMMs 135,266,304 + indexer 606,076,928 = 2,150,629,376 B.
# T = 16,384 (the B200's): twice that, 4,301,258,752, less the constant 512 MiB logits once:
# 3,764,387,840 B.
# Marlin (H100, 9.0; select_deepseek_v4_mxfp4_moe_backend, 0.30.0 wheel): N = 2,048 / 8 = 256,
# K = 4,096; workspace13 T x 6 x 4,096 x 2 B + workspace2 T x 6 x max(512, 4,096) x 2 B:
# 805,306,368 B at 8,192, 1,610,612,736 B at 16,384.
# B200 (10.0: TRT-LLM MXFP8 / DeepGEMM, no Marlin): the workspace is FlashMLA's prefill gather
# 4 x (8,192 / 4 + 128 window + T) x 512 x 2 B: 42,467,328 B at 8,192, 76,021,760 B at 16,384
# (the indexer's K gather, 8,192 x 40 / 4 x 132 + 1 MiB = 11,862,016 B, is smaller).
@pytest.mark.parametrize("first, second, t, h100, b200", [
    ("h100-sxm", "b200", 8192, 2_150_629_376 + 805_306_368, 2_150_629_376 + 42_467_328),
    ("b200", "h100-sxm", 16384, 3_764_387_840 + 1_610_612_736, 3_764_387_840 + 76_021_760),
])
def test_dsv4_stage_holds_its_own_gpus_moe_workspace(first, second, t, h100, b200):
    # Node 0's capability gave both stages its own kernel before: with the H100 first both
    # stages held Marlin's 2,955,935,744 B, with the B200 first both 3,840,409,600 B. The
    # forward is each stage's peak: the sampler's moment (3.637 x seqs x 129,280 x 4 B, about
    # 1.8 GiB, plus the workspace) is lower on the last stage.
    assert _forward_without_workspace(t) == {8192: 2_150_629_376, 16384: 3_764_387_840}[t]
    request = _request(first, second)
    p = plan(request)
    by_gpu = {key: {rank.activation_bytes for rank in p.per_gpu if rank.pp_stage == stage}
              for stage, key in enumerate((first, second))}
    assert by_gpu == {"h100-sxm": {h100}, "b200": {b200}}
    # the binding rank is an H100's (its pool is smaller); the activation term is worked out
    # on its GPU, and the sweep's summary sizes the same worker
    binding = p.per_gpu[p.binding_rank]
    assert binding.pp_stage == (first, second).index("h100-sxm")
    assert next(t.value for t in p.terms if t.key == "activation") == h100
    summary = plan_summary(request)
    assert summary.kv_cache_bytes_per_gpu == binding.kv_cache_bytes


# 256 sequences: capture sizes up to min(2 x 256, 512) = 512: 1, 2, 4 (3), 8..248 by 8 (31),
# 256..512 by 16 (17) = 51 piecewise graphs; full decode graphs for the sizes <= 256: 3 + 31 +
# 1 = 35. The H100 (9.0) serves MLA on FlashMLA / FLASH_ATTN_MLA, full graphs allowed:
# (51 + 35) x 8,808,038 = 757,491,268 B. The A100 (8.0) serves it on TRITON_MLA,
# AttentionCGSupport.NEVER before 0.22, and its worker turns FULL_AND_PIECEWISE into PIECEWISE
# (gpu_model_runner.py _check_and_update_cudagraph_mode, 0.19.0 wheel): 51 x 8,808,038 =
# 449,209,938 B. 0.21.0 subtracts the estimate, so the A100 stage's pool is 35 x 8,808,038 =
# 308,281,330 B larger than node 0's H100 graphs left it, and an H100 stage's that much smaller
# than node 0's A100 graphs left it.
@pytest.mark.parametrize("first, second", [("h100-sxm", "a100-80gb"), ("a100-80gb", "h100-sxm")])
def test_each_stage_captures_the_graphs_its_own_gpus_attention_allows(first, second):
    request = _pp2_request(LITE, "0.21.0", 256, first, second)
    p = plan(request)
    graphs = {key: p.per_gpu[stage].cuda_graph_bytes for stage, key in enumerate((first, second))}
    assert graphs == {"h100-sxm": 86 * PER_GRAPH, "a100-80gb": 51 * PER_GRAPH}
    assert (86 * PER_GRAPH, 51 * PER_GRAPH) == (757_491_268, 449_209_938)
    _assert_stages_sized_alone(p, request, (first, second),
                               lambda key: _pp2_request(LITE, "0.21.0", 256, key, key))
    # the binding worker's cuda_graphs term counts its own GPU's graphs
    term = next(t for t in p.terms if t.key == "cuda_graphs")
    full = 35 if (first, second)[p.per_gpu[p.binding_rank].pp_stage] == "h100-sxm" else 0
    assert (term.inputs["piecewise_graphs"], term.inputs["full_graphs"]) == ("51", str(full))


# 1,024 sequences on vLLM 0.30.0: config/vllm.py _set_cudagraph_sizes caps the capture sizes
# at min(2 x 1,024, 512) on an H100 and min(2 x 1,024, 1,024) on a B200
# (is_device_capability_family(100)), read where each node's VllmConfig is built (every node
# past node 0 builds its own: entrypoints/cli/serve.py run_headless). H100: 1, 2, 4 (3),
# 8..248 by 8 (31), 256..512 by 16 (17) = 51 sizes, all <= 1,024 seqs, so 51 piecewise + 51
# full = 102 x 8,808,038 = 898,419,876 B. B200: 3 + 31 + 256..1,024 by 16 (49) = 83 sizes,
# 83 + 83 = 166 x 8,808,038 = 1,462,134,308 B + its FlashInfer workspace 413,138,944 B =
# 1,875,273,252 B. Node 0's cap gave both stages its own before: the B200 after an H100 held
# 102 graphs, the H100 after a B200 166 (its pool 64 x 8,808,038 = 563,714,432 B short).
@pytest.mark.parametrize("first, second", [("h100-sxm", "b200"), ("b200", "h100-sxm")])
def test_each_node_captures_up_to_its_own_gpus_largest_size(first, second):
    request = _pp2_request(LLAMA, "0.30.0", 1024, first, second)
    p = plan(request)
    graphs = {key: p.per_gpu[stage].cuda_graph_bytes for stage, key in enumerate((first, second))}
    assert graphs == {"h100-sxm": 102 * PER_GRAPH, "b200": 166 * PER_GRAPH + WORKSPACE}
    assert (102 * PER_GRAPH, 166 * PER_GRAPH + WORKSPACE) == (898_419_876, 1_875_273_252)
    _assert_stages_sized_alone(p, request, (first, second),
                               lambda key: _pp2_request(LLAMA, "0.30.0", 1024, key, key))


# DeepSeek-V3 with 3 MTP draft tokens at TP=8 x PP=2 on vLLM 0.12.0, max_num_seqs 1: the
# capture sizes' largest is min(1 x 2, 512, 4,096 batched tokens) = 2 (config/vllm.py
# _set_cudagraph_sizes, 0.12.0), sizes [1, 2]. An H100 worker keeps full decode graphs
# (FlashMLA) and rounds them to multiples of 1 + 3 = 4 (adjust_cudagraph_sizes_for_spec_decode,
# called by its own model runner, gpu_model_runner.py _check_and_update_cudagraph_mode): 4 > 2
# leaves none, and 4 > max_cudagraph_capture_size 2 leaves no fallback, so that worker raises
# and the start-up stops. An A100 worker runs TRITON_MLA, piecewise before 0.22: no rounding,
# 2 piecewise graphs (2 x 8,808,038 = 17,616,076 B). Node 0's A100 alone was checked before,
# and the plan with the A100 first read as starting.
@pytest.mark.parametrize("first, second", [("a100-80gb", "h100-sxm"), ("h100-sxm", "a100-80gb")])
def test_a_draft_refused_on_any_nodes_gpu_refuses_the_plan(first, second):
    nodes = tuple(NodeSpec(gpu=gpu_preset(key), gpus_per_node=8, intra_node_link="nvlink")
                  for key in (first, second))
    p = plan(PlanRequest(
        model=catalog_spec("deepseek-ai/DeepSeek-V3"),
        cluster=ClusterSpec(nodes=nodes, source="test"), layout={"tp": 8, "pp": 2},
        engine=EngineSettings(vllm_version="0.12.0", max_model_len=4096, max_num_seqs=1,
                              max_num_batched_tokens=4096, num_speculative_tokens=3)))
    assert not p.fits
    assert [e for e in p.errors if e.startswith("No valid cudagraph sizes")] == [
        "No valid cudagraph sizes after rounding to multiple of 4 (num_speculative_tokens + 1 "
        "or tp if sequence parallelism is enabled) please adjust num_speculative_tokens (3) or "
        "max_cudagraph_capture_size (2) or cudagraph_capture_sizes ([1, 2]) (vLLM 0.12.0 "
        "config/compilation.py adjust_cudagraph_sizes_for_spec_decode: every capture size "
        "rounds up past the largest, which is under 1 + k = 4; a larger --max-num-seqs or "
        "--enforce-eager starts it)"]
    a100_stage = (first, second).index("a100-80gb")
    assert {g.cuda_graph_bytes for g in p.per_gpu if g.pp_stage == a100_stage} == {
        2 * PER_GRAPH}
    assert 2 * PER_GRAPH == 17_616_076


# The speed model's piecewise decode cost, per stage: a decode step passes both stages in
# turn (one request in flight: TPOT = stage 0 + stage 1 + the hop), and each stage's worker
# resolves its own cudagraph mode (gpu_model_runner.py _check_and_update_cudagraph_mode). On
# 0.21.0 the A100's TRITON_MLA decodes piecewise, the H100's FlashMLA with full graphs; on
# 0.22.0 both capture full decode graphs (vllm_versions.TRITON_MLA_FULL_GRAPHS_FROM), nothing
# else of this estimate moves (test_speed: 0.21.0 - 0.22.0 on one A100 is 27 x 50.8 us). The
# 27 layers split 14 + 13 (distributed/utils.py get_pp_indices, 0.22.0 wheel: 27 // 2 = 13 a
# stage, the remaining one to partitions[-2], stage 0), so only the A100's stage pays
# coefficients.TRITON_MLA_PIECEWISE_LAYER_COST, 50.8 us a layer: 13 x 50.8 = 660.4 us as stage
# 1, 14 x 50.8 = 711.2 us as stage 0. Node 0's GPU set it for both stages before: 0 with the
# H100 first, 27 x 50.8 = 1,371.6 us with the A100 first.
@pytest.mark.parametrize("first, second, a100_layers", [
    ("h100-sxm", "a100-80gb", 13), ("a100-80gb", "h100-sxm", 14)])
def test_only_the_piecewise_stage_pays_the_piecewise_decode_cost(first, second, a100_layers):
    load = ServingLoad(input_len=24, output_len=100)
    piecewise, full = (estimate_speed(_pp2_request(LITE, version, 256, first, second), load)
                       for version in ("0.21.0", "0.22.0"))
    assert piecewise.tpot_ms - full.tpot_ms == pytest.approx(a100_layers * 50.8e-3)
    assert piecewise.prefill_ms == pytest.approx(full.prefill_ms)  # piecewise on both
    # the decode terms are the slowest stage's, the A100's, with its own layers
    overhead = next(t for t in piecewise.terms if t.key == "step_overhead")
    assert f"50.8 us x {a100_layers} layers measured for piecewise" in overhead.formula
