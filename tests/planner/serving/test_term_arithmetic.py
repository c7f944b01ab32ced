"""A term's formula text computes to the figure it shows: the numbers it writes, worked out by
hand, give its value (within the display's rounding), and the files it cites are the plan's
release's."""

import re

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import ServingLoad, estimate_speed


def _term(terms, key):
    return next(t for t in terms if t.key == key)


def test_decode_compute_writes_the_attention_it_adds_in_numbers() -> None:
    # Llama-3.1-8B on one H100 SXM, 32,768 in / 1,024 out, 64 clients: the KV cache holds 13
    # (the kv_limited_concurrency term), each reading 32,768 + 1,024 / 2 = 33,280 tokens of
    # context. The formula wrote only the GEMMs and "(+ attention at 989 TFLOP/s)": 0.306 of
    # the 0.767 ms it showed.
    request = PlanRequest(model=catalog_spec("meta-llama/Llama-3.1-8B-Instruct"),
                          cluster=preset_cluster("h100-sxm", 1))
    load = ServingLoad(input_len=32768, output_len=1024, concurrency=64)
    compute = _term(estimate_speed(request, load).terms, "decode_compute")
    # the compute efficiency: fitted 0.636 x 794.5 measured / 989.4 datasheet BF16 TFLOP/s /
    # 0.79195 = 0.64488; 989.4e12 x 0.64488 = 638.05e12 FLOP/s
    rate = 989.4e12 * 0.636 * 794.5 / 989.4 / 0.79195
    # GEMMs: 32 layers x (2 x 4,096^2 q, o + 2 x 4,096 x 1,024 k, v + 3 x 4,096 x 14,336 MLP)
    # + 128,256 x 4,096 lm_head = 6,979,321,856 + 525,336,576 = 7,504,658,432 parameters,
    # 2 FLOPs each for each of 13 tokens: 195,121,119,232 FLOPs = 0.306 ms
    gemm_flops = 2 * (32 * (2 * 4096**2 + 2 * 4096 * 1024 + 3 * 4096 * 14336)
                      + 128256 * 4096) * 13
    # attention: 13 queries x 33,280 keys, 2 FLOPs x (128 + 128) dims x 32 heads x 32 layers
    # = 226,827,960,320 FLOPs = 0.356 ms
    attention_flops = 2 * 13 * 33280 * (128 + 128) * 32 * 32
    # softmax: one exponential per key per head per layer, 443,023,360, at 67 FP32 TFLOP/s /
    # (2 x 128 lanes) x 16 SFU exponentials = 4.1875e12 a second: 0.106 ms
    softmax_s = 13 * 33280 * 32 * 32 / (67e12 / (2 * 128) * 16)
    gemm_s, attention_s = gemm_flops / rate, attention_flops / rate
    # (the rates are the code's constants written out: only float rounding differs)
    assert compute.value == pytest.approx((gemm_s + attention_s + softmax_s) * 1e3, rel=1e-6)
    assert "[2 x 7.505 G params x 13 tokens / (989 TFLOP/s datasheet x 0.645 " in compute.formula
    assert f"= {gemm_s * 1e3:.3f} ms] + [226.828 G attention FLOPs / (989 TFLOP/s x 0.645) = " \
           f"{attention_s * 1e3:.3f} ms] + softmax {softmax_s * 1e3:.3f} ms = 0.767 ms" \
           in compute.formula
    # the parts the formula writes add up to the figure it shows
    parts = re.findall(r"= ([\d.]+) ms\]|softmax ([\d.]+) ms", compute.formula)
    shown = [float(gemm_or_attention or softmax) for gemm_or_attention, softmax in parts]
    assert len(shown) == 3 and abs(sum(shown) - 0.767) <= 0.0015


def test_a_gated_deltanet_layer_adds_no_bytes_to_the_per_token_sum() -> None:
    # Qwen3-Next-80B-A3B at TP=4: 12 full-attention layers of 2 KV heads (one whole head a
    # GPU, max(1, 2 // 4)) x (256 + 256) dims x 2 B = 1,024 B a token each: 12,288 B. Its 36
    # Gated DeltaNet layers hold a fixed state per sequence, (16 x 128 x 2 + 32 x 128 = 8,192
    # conv channels) / 4 x 3 x 2 B + 32 / 4 heads x 128 x 128 x 2 B = 12,288 + 262,144 =
    # 274,432 B, not per token: the formula wrote "36 layers x [... = 274,432 B per sequence]
    # + 12 layers x [... = 1,024 B] = 12,288 B", a sum 36 x 274,432 + 12,288 that is not 12,288.
    result = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct"),
                              cluster=preset_cluster("h100-sxm", 4),
                              layout=ParallelLayout(tp=4)))
    term = _term(result.terms, "kv_bytes_per_token_per_gpu")
    assert term.value == 12288
    assert term.formula == (
        "36 linear layers x 0 B (a fixed state per sequence: 8192 / 4 x 3 conv x 2 B + 32 / 4 x "
        "128 x 128 state x 2 B = 274,432 B per sequence) + 12 layers x [max(1, 2 // 4) KV heads "
        "x (256 + 256) dims x 2 B = 1,024 B] = 12,288 B")


def test_the_cuda_graph_count_cites_the_runner_that_captures_them() -> None:
    # vLLM 0.34.0 has no V1 runner: its wheel holds no v1/cudagraph_dispatcher.py (nor
    # v1/worker/gpu_model_runner.py); Model Runner V2 picks the sizes in
    # v1/worker/gpu/cudagraph_utils.py CudaGraphManager._init_candidates. 0.19.0 runs V1.
    request = PlanRequest(model=catalog_spec("meta-llama/Llama-3.1-8B-Instruct"),
                          cluster=preset_cluster("h100-sxm", 1))
    v2 = plan(request.model_copy(update={"engine": EngineSettings(vllm_version="0.34.0")}))
    v1 = plan(request.model_copy(update={"engine": EngineSettings(vllm_version="0.19.0")}))
    assert (v2.model_runner, v1.model_runner) == ("v2", "v1")
    v2_terms = " ".join(t.note for t in v2.terms)
    assert "v1/cudagraph_dispatcher.py" not in v2_terms
    assert "v1/worker/gpu/cudagraph_utils.py CudaGraphManager._init_candidates" in v2_terms
    assert "gpu_model_runner.py (V1, 0.27.0-0.33.x; gone from 0.34.0)" in v2_terms
    assert "profile_cudagraph_memory, 0.29.0-0.34.0 wheels" in v2_terms
    assert "(vLLM v1/cudagraph_dispatcher.py: engine.cuda_graph_count)" in " ".join(
        t.note for t in v1.terms)
