"""Speed of the seed scenario, worked by hand: Qwen3-235B-A22B GPTQ-Int4 on 8x RTX 3090.

Inputs, none read from the code under test:
- config.json (Qwen/Qwen3-235B-A22B): 94 layers, hidden 4096, 64 query heads, 4 KV heads,
  head_dim 128, 128 routed experts, 8 per token, expert width 1536, vocab 151,936.
- GPTQ int4 group 128: 4 + 20/128 = 4.15625 bits = 0.51953125 B per weight; embeddings,
  lm_head, routers and norms stay 16-bit.
- RTX 3090 (GA102 whitepaper): 936 GB/s, 71 TFLOP/s FP16 with FP32 accumulate, boost clock
  1,695 MHz; the calibration GPUs (H100/H200/B200) boost at 1,980 MHz, so the per-layer
  overheads, a fixed number of cycles per small kernel, take 1,980 / 1,695 = 1.16814 of their
  fitted time here. Its measured BF16 matmul rate, 76.58 TFLOP/s (torch-performance-test-data,
  the median of three RTX 3090 rows), sets the GEMMs at 0.636 x 76.58 / 71 / 0.79195 = 0.8662
  (EFF).
- Link: GeForce drivers refuse PCIe P2P, so NCCL stages through host memory: PCIe 4.0 x16
  = 16 GT/s x 16 x 128/130 / 8 = 31.508 GB/s; measured host-staged share 6.34 / 31.5 ->
  6.3415 GB/s; x 0.8 link efficiency = 5.0732 GB/s; NCCL's ring (no custom all-reduce
  without P2P): 2 (N - 1) steps, each 3 us, + 6 us per collective (nccl-tests on GeForce
  cards: 12 us for 2 GPUs, 42-54 us for 8 = 6 + 14 x 3; NVIDIA/nccl#1530, #1439); a stage
  hop is one NCCL send: 6 + 3 us.
- The fitted coefficients (planner.serving.speed.coefficients.FITTED,
  bench/speed_accuracy.py --fit), typed here: see COEF.
- vLLM defaults on a 24 GB card: 2048 batched tokens, 256 sequences; the memory plan at 0.90
  holds 108,048 KV tokens at TP=8 (tests/planner/serving/test_seed_scenario.py).
- The code is held to the hand model within 1e-4 (they agree to ~5e-6, the rounding of the
  MB figures below); 0.5 % let the lm_head run on every prefill row (+0.35 % TTFT) pass.

Per GPU at TP=8 with EP (16 whole experts per GPU):
  attention  94 x (4096 x 8192/8 q + 8192/8 x 4096 o + 2 x 4096 x 128 k, v: one KV head
             each, replicated) = 94 x 9,437,184 = 887,095,296 x 0.51953125 B = 460.87 MB
  routers    94 x 4096 x 128 x 2 B = 98.57 MB;  norms 94 x 2 x 4096 x 2 B + 8,192 = 1.55 MB
  lm_head    151,936 / 8 x 4096 x 2 B = 155.58 MB   -> dense bytes read per step 716.57 MB
  experts    16 x 94 x 3 x 4096 x 1536 = 28,386,459,648 x 0.51953125 B = 14,747.57 MB
  one token touches 8 of 128 experts: 14,747.57 MB x 8/128 = 921.72 MB on the mean GPU; each
  MoE layer waits for the GPU touching the most of its 16 (whole experts: EP), each touched
  with p = 1 - (1 - 8/128)^tokens. P(busiest <= m) = F(m)^8, F Binomial(16, p)'s CDF; at one
  token (p = 1/16) F(0..6) = 0.35607, 0.73588, 0.92579, 0.98487, 0.99767, 0.99972, 0.99997,
  so E[busiest] = sum over m of 1 - F(m)^8 = 0.99974 + 0.91403 + 0.46038 + 0.11482 + 0.01849
  + 0.00224 + 0.00022 + ... = 2.510 experts: 14,747.57 MB x 2.510/16 = 2,313.29 MB read.
  Its compute likewise: a step's tokens x 8 (token, expert) pairs, each on a GPU with
  p = 16/128, the busiest GPU's E[max] of 8 Binomial(tokens x 8, 1/8): 2.438 at one token
  (against 1 on the mean GPU), 1,066.79 at 1,024 tokens (1.04178 x the mean 1,024).
  KV per token per GPU: 2 x 94 x 1 x 128 x 2 B = 48,128 B
All-reduce (twice per layer, 188 per step) of one token's hidden state, 8,192 B:
  6 us + 14 steps x 3 us + 7/8 x 2 x 8,192 B / 5.0732 GB/s = 48 + 2.826 = 50.83 us
  -> 188 x 50.83 us = 9.56 ms per decode step: the largest single term.
Without EP (TP=8 slices every expert to 192 columns, 192 % 128 != 0): vLLM falls back to
the Triton WNA16 MoE kernel, charged 1.5x on the expert read.
TP=4 x PP=2: 47 layers per stage; per GPU attention 47 x (2 x 4096 x 2048 + 2 x 4096 x 128)
  = 837,812,224 x 0.51953125 B = 435.27 MB, routers 49.28 MB, norms 0.77 MB, lm_head (last
  stage) 151,936 / 4 x 4096 x 2 B = 311.16 MB, experts 128 x 47 x 18,874,368 / 4 weights =
  the same 14,747.57 MB; KV 47 x 2 x 128 x 2 B = 24,064 B per token; all-reduce 6 steps:
  6 + 18 us + 3/4 x 2 x 8,192 / 5.0732 GB/s = 26.42 us x 94 = 2.48 ms per stage.
TP=1 x PP=8: a token walks 8 stages (11, 12 x 6, 11 layers); all together they read every
  weight once: attention 94 x 71,303,424 x 0.51953125 B = 3,482.19 MB (+ q/k norms), routers
  98.57 MB, norms 1.55 MB, lm_head 151,936 x 4096 x 2 B = 1,244.66 MB, experts 117,980.6 MB
  x 8/128; KV 94 x 2 x 4 x 128 x 2 B = 192,512 B per token; no all-reduce; 7 stage hops of
  6 + 3 us + 8,192 B / 5.0732 GB/s = 10.61 us.
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import ServingLoad, ep_marlin_text, estimate_speed
from planner.serving.speed.coefficients import FITTED
from tests.planner.serving.gemm_rates import R_CAL

COEF = {
    "wo": 0.9, "expert": 0.901, "kv": 0.707, "compute": 0.636, "expert_compute": 0.233,
    "layer_us": 55.2, "moe_layer_us": 23.0, "request_ms": 19.1,
    "queue": 0.0784, "prompt_token_us": 4.99, "interference": 1.0,
}
"""FITTED, typed by hand from `python bench/speed_accuracy.py --fit` (a refit must update
these and the figures below)."""

BW = 936e9  # B/s
PEAK = 71e12  # FLOP/s
LINK = 31.5077e9 * 6.34 / 31.5 * 0.8  # 5.0732e9 B/s
NCCL = 6e-6  # NCCL's start-up per collective on PCIe (measured, see the docstring)
STEP = 3e-6  # one ring step
MB = 1e6
CLOCK = 1980 / 1695  # the H100/H200/B200 boost clock / the RTX 3090's (see the docstring)
# GEMMs at the fitted efficiency x the 3090's measured BF16 matmul rate (76.58 TFLOP/s, the
# median of torch-performance-test-data's three RTX 3090 rows) / its 71 datasheet / the
# calibration GPUs' 0.79195: 0.636 x 1.07859 / 0.79195 = 0.86620
EFF = COEF["compute"] * 76.58 / 71.0 / R_CAL

ENTRY = catalog_entry("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
SPEC = parse_model_config(ENTRY.config, ENTRY.hf_quant_config, name=ENTRY.repo_id)


def _request(layout: ParallelLayout) -> PlanRequest:
    return PlanRequest(model=SPEC, cluster=preset_cluster("rtx-3090", 8), layout=layout,
                       engine=EngineSettings(max_model_len=40960, gpu_memory_utilization=0.9))


def _speed(layout: ParallelLayout, **load: int):
    return estimate_speed(_request(layout), ServingLoad(**load))


def _mem_s(dense_mb: float, experts_mb: float, kv_bytes: float) -> float:
    """Weight and KV read time: dense at the weight-only efficiency, experts x the factor."""
    return (dense_mb * MB / (BW * COEF["wo"]) + experts_mb * MB / (BW * COEF["wo"] * COEF["expert"])
            + kv_bytes / (BW * COEF["kv"]))


def _busiest(n: int, a: int, b: int, ranks: int) -> float:
    """E[max] of `ranks` independent Binomial(n, a / (a + b)) counts: sum over m < n of
    1 - F(m)^ranks, F from the pmf's exact integer numerators C(n, j) a^j b^(n - j) over
    (a + b)^n (each from the last: x (n - j) a / ((j + 1) b))."""
    whole = (a + b) ** n
    term, below, total = b ** n, 0, 0.0
    for j in range(n):
        below += term
        total += 1 - (below / whole) ** ranks
        term = term * (n - j) * a // ((j + 1) * b)
    return total


def _overhead_s(layers: int) -> float:
    """Every Qwen3-235B layer is MoE (config.json: decoder_sparse_step 1, no mlp_only_layers),
    so each pays the per-layer and the per-MoE-layer overhead, both x CLOCK."""
    return (COEF["layer_us"] + COEF["moe_layer_us"]) * layers * CLOCK * 1e-6


def test_the_fitted_coefficients_are_the_ones_worked_here() -> None:
    assert FITTED.bandwidth_efficiency["weight-only"] == COEF["wo"]
    assert (FITTED.expert_bandwidth_factor, FITTED.kv_bandwidth_efficiency,
            FITTED.compute_efficiency, FITTED.expert_compute_factor) == (
        COEF["expert"], COEF["kv"], COEF["compute"], COEF["expert_compute"])
    assert FITTED.indexer_layer_overhead_us > 0  # Qwen3 has no sparse attention: unused here
    assert (FITTED.layer_overhead_us, FITTED.moe_layer_overhead_us,
            FITTED.request_overhead_ms, FITTED.queue_share, FITTED.prefill_interference,
            FITTED.prompt_token_overhead_us) == (
        COEF["layer_us"], COEF["moe_layer_us"], COEF["request_ms"],
        COEF["queue"], COEF["interference"], COEF["prompt_token_us"])
    assert FITTED.link_efficiency == 0.8


# --- TP=8 + EP ---------------------------------------------------------------------------------

DENSE_TP8 = 716.57  # MB, see the docstring
EXPERTS_TP8 = 14747.57
# without EP the 192-wide slices run MoE WNA16, which holds them at 4.25 bits, not Marlin's
# 4.156 (layout.moe_wna16_load): 94 x 160,432,128 B = 15,080.62 MB per GPU
EXPERTS_TP8_WNA16 = 15080.62
ALLREDUCE_1 = 188 * (NCCL + 14 * STEP + 7 / 8 * 2 * 8192 / LINK)  # 9.56 ms
# the busiest GPU's touched experts at one token (p = 1/16, see the docstring)
BUSIEST_1 = _busiest(16, 1, 15, 8)  # 2.510 of its 16
# TPOT alone: 1,536 tokens of KV on average (1,024 prompt + half of 1,024 out)
TPOT_EP = (_mem_s(DENSE_TP8, EXPERTS_TP8 * BUSIEST_1 / 16, 1536 * 48128) + ALLREDUCE_1
           + _overhead_s(94))
# prefill of 1,024 tokens in one chunk: every expert is touched (1 - (15/16)^1024 = 1);
# compute 2 x 1,024 x 936.40 M dense parameters per GPU at 71 TFLOP/s, the 77.79 M lm_head
# slice on the chunk's last token only (vLLM computes logits at logits_indices), 2 x 1,024 x
# 1,774.19 M expert parameters (the mean GPU's; x the busiest GPU's (token, expert) pairs /
# the mean's, _pairs) at 71 x the expert compute factor (fused-MoE GEMMs), the causal
# attention 2 x 1,024 x 512 x 94 x 8 heads x 256 = 0.2023e12 FLOP at the 16-bit rate (71
# TFLOP/s on a 3090: the GPTQ GEMMs run 16-bit too), all at the compute efficiency; plus the
# softmax: one exponential per query head per key seen, 1,024 x 512 x 8 heads x 94 layers =
# 394.26 M at the 3090's FP32 35.6 TFLOP/s / (2 x 128 FP32 lanes per SM) x 16 SFU lanes =
# 2.225e12 per s: 0.177 ms
EXP_RATE = 35.6e12 / (2 * 128) * 16
LM_HEAD = 151_936 * 4096 / 8  # 77.79 M
# per GPU: q, o split (2 x 4,096 x 8,192 / 8), one whole KV head (2 x 4,096 x 128: vLLM
# replicates the 4 KV heads over 8 GPUs), the q/k norms (256) and the router (4,096 x 128,
# a ReplicatedLinear) whole, as the weight bytes count them
DENSE_PARAMS = 94 * (2 * 4096 * 8192 / 8 + 2 * 4096 * 128 + 256 + 4096 * 128) + LM_HEAD
# 1,014.19 M
EXPERT_PARAMS = 8 * 3 * 4096 * 1536 * 94 / 8  # 1,774.19 M per token per GPU
WIDTH = 94 * 8 * 256  # attention: heads per GPU x (q.k + v dims), all layers


def _pairs(tokens: int) -> float:
    """The busiest GPU's (token, expert) pairs / the mean GPU's: E[max] of 8 Binomial(tokens
    x 8, 1/8) / tokens (8 pairs a token over 8 GPUs)."""
    return _busiest(tokens * 8, 1, 7, 8) / tokens


def _prefill_chunk(tokens: int, context: float) -> tuple[float, float]:
    """(step seconds, marginal seconds) of one prefill chunk at TP=8 + EP."""
    compute = ((2 * tokens * (DENSE_PARAMS - LM_HEAD) + 2 * LM_HEAD
                + 2 * tokens * EXPERT_PARAMS * _pairs(tokens) / COEF["expert_compute"]
                + 2 * tokens * context * WIDTH) / (PEAK * EFF)
               + tokens * context * 8 * 94 / EXP_RATE)
    memory = _mem_s(DENSE_TP8, EXPERTS_TP8, context * 48128)
    allreduce = 188 * (NCCL + 14 * STEP + 7 / 8 * 2 * tokens * 8192 / LINK)
    return max(compute, memory) + allreduce + _overhead_s(94), compute + allreduce


PREFILL_1K, MARGINAL_1K = _prefill_chunk(1024, 512)
HOST_1K = COEF["request_ms"] / 1e3 + COEF["prompt_token_us"] * 1024 * 1e-6  # 24.21 ms
TTFT_1K = HOST_1K + PREFILL_1K
# 32K: 16 chunks of 2,048 (max_num_batched_tokens), chunk i sees 2,048 i + 1,024 context
TTFT_32K = (COEF["request_ms"] / 1e3 + COEF["prompt_token_us"] * 32768 * 1e-6
            + sum(_prefill_chunk(2048, 2048 * i + 1024)[0] for i in range(16)))


def test_tp8_ep_tpot_and_allreduce() -> None:
    # by hand: dense 716.57 MB / (936 GB/s x 0.9) = 0.851 ms; experts on the busiest GPU
    # 2,313.29 MB / (936 x 0.9 x 0.901) = 3.048 ms (the mean GPU's 921.72 MB: 1.214 ms); KV
    # 1,536 x 48,128 B / (936 x 0.707) = 0.112 ms; all-reduce 9.555 ms; overhead (55.2 + 23.0
    # MoE) us x 94 x 1,980/1,695 MHz = 7,350.8 x 1.16814 = 8.587 ms -> 22.153 ms per token
    # (45.1 tok/s; 20.319 with the mean GPU's read; 22.328 at 56.3 + 23.5 us before the
    # 2026-12-05 refit on the 846 fit rows). Its compute, 2 x (1,014.19 M + 1,774.19 M x
    # 2.438 busiest pairs / 0.233) x 1 token / 61.50 TFLOP/s = 0.637 ms, stays below the
    # read. The experts run
    # vLLM's Marlin MoE (int4 GPTQ); its SM-bound rate, 0.0395 B/FLOP
    # (marlin_moe_bytes_per_fp32_flop) x the 3090's 35.6 FP32 TFLOP/s = 1,406 GB/s, lies
    # above the 936 GB/s, so they stay bandwidth-bound here
    assert pytest.approx(2.510, abs=1e-3) == BUSIEST_1
    assert pytest.approx(2.438, abs=1e-3) == _pairs(1)
    assert pytest.approx(22.153e-3, rel=1e-3) == TPOT_EP
    est = _speed(ParallelLayout(tp=8, ep=True))
    assert est.allreduce_ms_per_step == pytest.approx(ALLREDUCE_1 * 1e3, rel=1e-4)
    assert pytest.approx(9.555e-3, rel=1e-3) == ALLREDUCE_1
    assert est.tpot_ms == pytest.approx(TPOT_EP * 1e3, rel=1e-4)
    assert est.link == "pcie-no-p2p" and est.kernel == "weight-only"


def test_tp8_ep_ttft_at_1k_and_32k() -> None:
    # by hand: compute (1.918e12 dense (the lm_head on one token) + 3.634e12 / 0.233 =
    # 15.597e12 expert x 1.04178 on the busiest GPU = 16.248e12 + 0.202e12 attention FLOP =
    # 18.368e12) / (71 x 0.8662 = 61.50e12) = 298.67 ms + 0.18 ms softmax > the 20.3 ms
    # weight read (every expert touched: 1 - (15/16)^1,024 = 1); all-reduce 188 x (6 + 14 x 3
    # us + 7/8 x 2 x 1,024 x 8,192 B / 5.0732 GB/s) = 188 x 2.9416 ms = 553.03 ms; overhead
    # 8.587 ms -> prefill 298.67 + 0.18 + 553.03 + 8.59 = 860.47 ms; + 19.1 ms request
    # overhead + 4.99 us x 1,024 prompt tokens = 5.11 ms -> 0.8847 s (0.8741 s with the mean
    # GPU's compute, 288.07 ms; 0.8800 s at the coefficients before the 2026-12-05 refit on
    # the 846 fit rows: 0.238, 56.3 + 23.5 us, 19.9 ms, 4.89 us)
    assert pytest.approx(1.04178, rel=1e-5) == _pairs(1024)
    assert pytest.approx(0.8847, rel=1e-3) == TTFT_1K
    assert _speed(ParallelLayout(tp=8, ep=True)).ttft_ms == pytest.approx(TTFT_1K * 1e3,
                                                                          rel=1e-4)
    # 32K: 16 chunks; the link, not the GPUs, sets the pace: 16 x 188 all-reduces of 2,048 x
    # 8,192 B = 16.8 MB through host memory, each 48 us + 7/8 x 2 x 16,777,216 B / 5.0732
    # GB/s = 5.835 ms: 17.55 s of the 30.77 s TTFT (16 x 8.587 ms of it overhead; the host
    # terms 19.1 ms + 4.99 us x 32,768 = 182.6 ms; the chunks' compute 1/0.233 of the expert
    # FLOPs x 1.02951 on the busiest GPU (E[max] of 8 Binomial(16,384, 1/8) / 2,048): 2 x
    # 2,048 x 1,774.19 M / 0.233 = 31.189e12 x 0.02951 = 0.920e12 FLOP / 61.50e12 = 14.97 ms
    # a chunk over the mean GPU's, 16 x 14.97 = 0.239 s). Against 30.59 s before the
    # 2026-12-05 refit on the 846 fit rows: each chunk's expert GEMMs 2 x 2,048 x 1,774.19 M x
    # 1.02951 x (1/0.233 - 1/0.238 = 0.09017) = 0.6746e12 FLOP / 61.50e12 = 10.97 ms slower,
    # 16 x 10.97 = +175.5 ms; overhead 16 x (8.587 - 8.762) = -2.8 ms; host 182.6 - 180.1 =
    # +2.5 ms: 30.59 + 0.175 = 30.77 s
    assert pytest.approx(1.02951, rel=1e-5) == _pairs(2048)
    assert pytest.approx(30.77, rel=1e-3) == TTFT_32K
    long = _speed(ParallelLayout(tp=8, ep=True), input_len=32768)
    assert long.ttft_ms == pytest.approx(TTFT_32K * 1e3, rel=1e-4)



def test_the_formulas_count_in_english() -> None:
    # one request on one stage, as the seed report shows it: "1 stage", "1 chunk", "1 client",
    # "1 request" (read "1 stage(s)", "1 chunk(s)", "1 client(s)", "1 requests"); 68 KV slots
    # = 104,512 KV tokens (vLLM 0.34: the seed's pool less Model Runner V2's buffers,
    # test_seed_scenario.py) // (1,024 + 512); 1,024 prompt tokens fit one 2,048-token chunk
    terms = {t.key: t.formula for t in _speed(ParallelLayout(tp=8, ep=True)).terms}
    assert terms["decode_step"].startswith("max(sum over 1 stage, min(sequences, PP)")
    # 22.152 ms: TPOT_EP's 22.1522 (22.153 by hand above, its MB figures rounded)
    assert terms["decode_step"].endswith("+ overhead] + 0 stage hops = 22.152 ms")
    assert terms["prefill"].startswith("1 chunk of <= 2,048 tokens of 1,024, each")
    assert "+ all-reduce through 1 stage = " in terms["prefill"]
    assert terms["kv_wait"] == "1 client <= 68 KV slots: none waits = 0 ms"
    assert terms["output_tokens_per_s"].startswith("1 request / (22.152 ms + ")
    # the busiest GPU's expert read, its formula and inputs
    assert "14.748 GB experts x 2.51 / 16 held: the busiest of 8 EP ranks' expected " \
        "touched experts, E[max] = sum over m of 1 - F(m)^8, F Binomial(16, 1 - (1 - " \
        "8/128)^1 = 0.062) (the mean rank's 1.00)" in terms["decode_weights"]
    # and its compute's: 2.438 pairs at one token, 1.04178 x the mean's at 1,024 (_pairs)
    assert "1.774 expert x 2.438 (the busiest EP rank's expected (token, expert) pairs" \
        in terms["decode_compute"]
    assert "E[max] of Binomial(tokens x 8, 1/8): 1.042 at 1,024 tokens" in terms["prefill"]
    # two stages, one hop between them; 4 requests, so 3 others; the hop carries a
    # micro-batch of 4 / 2 = 2 tokens: 6 us NCCL start-up + 3 us step + 2 x 4,096 x 2 B /
    # 5.0732 GB/s (3.2295 us) = 12.23 us
    two = {t.key: t.formula for t in _speed(ParallelLayout(tp=4, pp=2), concurrency=4).terms}
    assert "max(sum over 2 stages," in two["decode_step"]
    assert "+ overhead] + 1 stage hop (0.012 ms) = " in two["decode_step"]
    assert "x 3 others x " in two["tpot"]
    assert two["output_tokens_per_s"].startswith("4 requests / (")

def test_tp8_ep_throughput_at_the_kv_limited_concurrency() -> None:
    # 104,512 KV tokens // (1,024 + 512) = 68 requests in flight
    # by hand: 0.9375^68 = e^(68 x -0.064539) = 0.0124, so each expert is touched with p =
    # 0.98765 and the busiest GPU touches 16 less F(15)^8 + the smaller F(14)^8 ... of its
    # 16, F(15) = 1 - p^16 = 1 - e^(16 x -0.012427) = 1 - 0.8197 = 0.1803, 0.1803^8 =
    # 1.1e-6: it reads all 14,747.57 MB / 759.00 GB/s = 19.43
    # ms + dense 0.85 + KV 68 x 1,536 x 48,128 B / 661.75 GB/s = 7.60 -> 27.88 ms (compute
    # 2 x 68 x (1,014.19 M + 1,774.19 M x 1.16390 busiest pairs / 0.233) + 40.2 G attention
    # FLOP = 1.383e12 / 61.50e12 = 22.49 ms is below); all-reduce 188 x (48 us + 7/8 x 2 x
    # 68 x 8,192 B / 5.0732 GB/s) = 45.15 ms; overhead 8.59 ms: step 81.62 ms. TPOT adds 67
    # others' prefill work, each prompt's compute and all-reduce 298.85 + 553.03 = 851.88
    # ms: 67 x 851.88 ms / 1,024 = 55.74 ms -> 137.35 ms; TTFT = 19.1 + 5.11 + 860.47 + 2 x
    # 81.62 (the running step and, vLLM 0.33's async scheduling at one stage, the one queued
    # behind it) + 0.0784 x 67 x 860.47 (4,519.9) = 5,567.8 ms; 68 / (0.13735 + 5.5678 /
    # 1,024) = 68 / 0.142792 = 476.2 output tokens/s. 1,000 clients share the 68 slots
    # (closed loop, Little's law): each waits (1,000 / 68 - 1) x (5.5678 + 1,024 x 0.13735 =
    # 146.22 s) = 13.7059 x 146.22 = 2,004.1 s for one, shown apart from the served
    # request's TTFT (137.16 ms, 5,534.9 ms, 477.0 tokens/s, 2,000.9 s at the coefficients
    # before the 2026-12-05 refit on the 846 fit rows)
    k = 104512 // 1536
    # the busiest GPU touches 16 - 1.2e-6 of its 16: p = 1 - (15/16)^68 = 0.98765
    touched = _busiest(16, 16 ** k - 15 ** k, 15 ** k, 8) / 16
    step_memory = _mem_s(DENSE_TP8, EXPERTS_TP8 * touched, k * 1536 * 48128)
    step_compute = (2 * k * (DENSE_PARAMS + EXPERT_PARAMS * _pairs(k) / COEF["expert_compute"])
                    + 2 * k * 1536 * WIDTH) / (PEAK * EFF)
    step = (max(step_memory, step_compute)
            + 188 * (NCCL + 14 * STEP + 7 / 8 * 2 * k * 8192 / LINK)
            + _overhead_s(94))
    tpot = step + COEF["interference"] * (k - 1) * MARGINAL_1K / 1024
    # a new request waits for two decode steps and a share of the other 67 requests' whole
    # prefills
    ttft = HOST_1K + PREFILL_1K + 2 * step + COEF["queue"] * (k - 1) * PREFILL_1K
    throughput = k / (tpot + ttft / 1024)
    assert pytest.approx(1.16390, rel=1e-5) == _pairs(k)
    assert (tpot, ttft, throughput) == pytest.approx((0.13735, 5.5678, 476.2), rel=2e-3)
    wait = (1000 / k - 1) * (ttft + 1024 * tpot)
    assert pytest.approx(2004.1, rel=2e-3) == wait
    est = _speed(ParallelLayout(tp=8, ep=True), concurrency=1000)
    assert est.concurrency == k == 68 and est.kv_bound
    assert est.tpot_ms == pytest.approx(tpot * 1e3, rel=1e-4)
    assert est.ttft_ms == pytest.approx(ttft * 1e3, rel=1e-4)
    assert est.output_tokens_per_s == pytest.approx(throughput, rel=1e-4)
    assert est.kv_wait_ms == pytest.approx(wait * 1e3, rel=1e-4)
    assert {t.key: t.value for t in est.terms}["kv_wait"] == est.kv_wait_ms


def test_twice_the_kv_limited_concurrency_waits_one_served_request() -> None:
    # 136 clients on the 68 slots: each request waits (136 / 68 - 1) = 1 x a served request's
    # whole time, 5.5678 s TTFT + 1,024 x 0.13735 s = 146.22 s, before its prefill; the served
    # 68 run as at 68 clients (TTFT 5.5678 s, TPOT 137.35 ms, 476.2 tokens/s in all, so
    # 476.2 / 136 = 3.50 tokens/s per client; 3.51 before the 2026-12-05 refit)
    est = _speed(ParallelLayout(tp=8, ep=True), concurrency=136)
    assert est.concurrency == 68 and est.kv_bound
    assert est.kv_wait_ms == pytest.approx(146.22e3, rel=2e-3)
    assert (est.ttft_ms, est.tpot_ms) == pytest.approx((5567.8, 137.35), rel=2e-3)
    assert est.output_tokens_per_s == pytest.approx(476.2, rel=2e-3)
    wait = next(t for t in est.terms if t.key == "kv_wait")
    assert "(136 clients / 68 slots - 1)" in wait.formula and "3.50" in wait.note
    at_limit = _speed(ParallelLayout(tp=8, ep=True), concurrency=68)
    assert not at_limit.kv_bound and at_limit.kv_wait_ms == 0
    assert at_limit.ttft_ms == pytest.approx(5567.8, rel=2e-3)


# --- TP=8 without EP, TP=4 x PP=2, TP=1 x PP=8 -------------------------------------------------


def test_tp8_without_ep_pays_the_wna16_fallback() -> None:
    # every GPU reads its 1/8 slice of the 8 touched experts in MoE WNA16's layout (942.54
    # MB, 1.241 ms at the expert rate), x 1.5: 1.862 ms, in place of the EP's busiest GPU's
    # 3.048 ms: 22.153 - 3.048 + 1.862 = 20.967 ms (20.926 with Marlin's 4.156-bit slices;
    # 21.10 before the 2026-12-05 refit on the 846 fit rows)
    rate = BW * COEF["wo"] * COEF["expert"]
    mean_read = EXPERTS_TP8_WNA16 * 8 / 128 * MB / rate
    busiest_read = EXPERTS_TP8 * BUSIEST_1 / 16 * MB / rate
    tpot = TPOT_EP - busiest_read + 1.5 * mean_read
    assert pytest.approx(20.967e-3, rel=1e-3) == tpot
    est = _speed(ParallelLayout(tp=8))
    assert est.tpot_ms == pytest.approx(tpot * 1e3, rel=1e-4)


def test_tp8_without_ep_compares_itself_with_ep() -> None:
    # its warning's fact, that EP keeps Marlin MoE, by the speed model at the plan's load: at
    # one request EP's busiest GPU (22.153 ms, worked above) is behind the fallback's x 1.5
    # slice (20.967 ms); the EP plan holds 104,512 // 1,536 = 68 requests, where the check ends
    # (without EP MoE WNA16's experts leave 97,600 tokens: 63)
    alone = {c: (_speed(ParallelLayout(tp=8), concurrency=c),
                 _speed(ParallelLayout(tp=8, ep=True), concurrency=c)) for c in range(1, 69)}
    one, one_ep = alone[1]
    assert one.ep_marlin.tpot_ms == one_ep.tpot_ms == pytest.approx(TPOT_EP * 1e3, rel=1e-4)
    assert one.tpot_ms < one.ep_marlin.tpot_ms
    assert one.ep_marlin.checked_to == 104512 // 1536 == 68
    # ahead_from: the plans run alone put EP behind one request below it and ahead from it
    # to 68 (ahead_to, all 62 of them)
    n = one.ep_marlin.ahead_from
    assert n is not None and alone[n - 1][1].tpot_ms >= alone[n - 1][0].tpot_ms
    assert all(with_ep.tpot_ms < without.tpot_ms for c, (without, with_ep) in alone.items()
               if c >= n)
    assert one.ep_marlin.ahead_to == 68 and one.ep_marlin.ahead_count == 68 - n + 1
    busy, busy_ep = alone[16]  # past it the comparison turns: EP ahead
    assert busy.ep_marlin.tpot_ms == busy_ep.tpot_ms < busy.tpot_ms
    assert busy.ep_marlin.ahead_from == n
    assert (f"TPOT 22.15 ms at 1 request at once against this plan's 20.97 ms; EP ahead from {n} "
            "requests at once (checked up to 68, the larger KV-limited concurrency); the x 1.5 "
            "fallback read is an estimate") in one.ep_marlin_note
    assert one.ep_marlin_note in one.notes
    # none where EP is on, where the experts run Marlin MoE already (TP=4: 1536 / 4 = 384 =
    # 3 x 128), nor without a TPOT (one output token)
    assert one_ep.ep_marlin is None and _speed(ParallelLayout(tp=4, pp=2)).ep_marlin is None
    assert _speed(ParallelLayout(tp=8), output_len=1).ep_marlin is None


def test_the_ep_comparison_names_what_each_plan_serves_past_its_kv_cache() -> None:
    # Asked 1,000 at once, neither plan serves them: by hand, a request holds 1,024 + 1,024 / 2
    # = 1,536 tokens = 24 blocks of 64; the EP plan's pool at 0.90 is 104,512 / 64 = 1,633
    # blocks -> 1,633 // 24 = 68 requests; without EP the WNA16 fallback's experts hold
    # 128 slices x 94 layers x 1,253,376 B (192 wide, group halved to 64: 3 x 4096 x 192 x
    # 0.5 B + (64 x 192 x 2 + 64 x 192 x 2 + 3 x 4096 x 2) B scales) = 15,080,620,032 B
    # against EP's 16 x 94 x 9,805,824 B = 14,747,959,296 B: 332,660,736 B = 108 blocks of
    # 94 x 32,768 B less, 1,525 -> 1,525 // 24 = 63. The note read "at 1,000 requests at once"
    # for both TPOTs, which neither plan runs.
    busy = _speed(ParallelLayout(tp=8), concurrency=1000)
    assert (busy.concurrency, busy.ep_marlin.concurrency) == (1525 // 24, 1633 // 24) == (63, 68)
    assert busy.ep_marlin.tpot_ms == _speed(ParallelLayout(tp=8, ep=True),
                                            concurrency=68).tpot_ms
    assert (f"TPOT {busy.ep_marlin.tpot_ms:.2f} ms at 68 requests at once against this plan's "
            f"{busy.tpot_ms:.2f} ms at 63 (of 1,000 asked, each plan capped by its KV cache or "
            "max_num_seqs); EP ahead from") in busy.ep_marlin_note
    # asked 65: this plan serves its 63, the EP plan all 65 (65 <= 68): only this one is capped
    some = _speed(ParallelLayout(tp=8), concurrency=65)
    assert (some.concurrency, some.ep_marlin.concurrency) == (63, 65)
    assert (f"TPOT {some.ep_marlin.tpot_ms:.2f} ms at 65 requests at once against this plan's "
            f"{some.tpot_ms:.2f} ms at 63 (of 65 asked, this plan capped by its KV cache or "
            "max_num_seqs)") in some.ep_marlin_note
    # where both serve what was asked, one count (as at one request above)
    assert " ms at 16 requests at once against this plan's " in _speed(
        ParallelLayout(tp=8), concurrency=16).ep_marlin_note


def test_ep_ahead_in_a_middle_run_of_concurrencies_says_both_ends() -> None:
    # 128 in / 128 out at max_model_len 2,048 and max_num_seqs 1,024: both plans hold a few
    # hundred requests, and at the top every expert is touched on every GPU either way, so EP's
    # busiest-rank wait no longer buys anything while the fallback's x 1.5 still costs: EP is
    # ahead only in a middle run. The note read "EP not ahead at 345 requests" (the check ran
    # down from the top and stopped at the first concurrency EP lost), hiding that run.
    def request(ep: bool) -> PlanRequest:
        return PlanRequest(model=SPEC, cluster=preset_cluster("rtx-3090", 8),
                           layout=ParallelLayout(tp=8, ep=ep),
                           engine=EngineSettings(max_model_len=2048, max_num_seqs=1024,
                                                 gpu_memory_utilization=0.9))

    def tpot(ep: bool, c: int) -> float:
        return estimate_speed(request(ep), ServingLoad(input_len=128, output_len=128,
                                                       concurrency=c)).tpot_ms

    ep = estimate_speed(request(False), ServingLoad(input_len=128, output_len=128)).ep_marlin
    assert 1 < ep.ahead_from < ep.ahead_to < ep.checked_to
    assert ep.ahead_count == ep.ahead_to - ep.ahead_from + 1  # one run
    # the plans run alone: behind just outside the run, ahead at its ends
    for c, ahead in ((ep.ahead_from - 1, False), (ep.ahead_from, True), (ep.ahead_to, True),
                     (ep.ahead_to + 1, False), (ep.checked_to, False)):
        assert (tpot(True, c) < tpot(False, c)) == ahead, c
    assert (f"EP ahead from {ep.ahead_from:,} to {ep.ahead_to:,} requests at once (checked up "
            f"to {ep.checked_to:,}") in ep_marlin_text(ep, 20.0, 1, 1)


def test_tp4_pp2_tpot() -> None:
    # by hand: stage 1 = dense 485.32 MB / 842.4 GB/s 0.576 + experts 1.214 + KV 1,536 x
    # 24,064 B / 661.75 GB/s 0.056 + all-reduce 2.484 + overhead (55.2 + 23.0
    # MoE) us x 47 x 1,980/1,695 MHz = 3,675.4 x 1.16814 = 4.293 -> 8.623 ms; stage 2
    # reads the 311.17 MB lm_head too (0.370 ms): 8.993 ms; + one 10.6 us stage hop = 17.627
    # ms per token (17.80 at 56.3 + 23.5 us before the 2026-12-05 refit on the 846 fit rows)
    allreduce = 94 * (NCCL + 6 * STEP + 3 / 4 * 2 * 8192 / LINK)  # 2.48 ms per stage
    first = 435.27 + 49.28 + 0.77
    stages = [
        _mem_s(first, EXPERTS_TP8 / 16, 1536 * 24064) + allreduce + _overhead_s(47),
        _mem_s(first + 311.16 + 0.008, EXPERTS_TP8 / 16, 1536 * 24064) + allreduce
        + _overhead_s(47),
    ]
    tpot = sum(stages) + NCCL + STEP + 8192 / LINK
    assert pytest.approx(17.627e-3, rel=2e-3) == tpot
    est = _speed(ParallelLayout(tp=4, pp=2))
    assert est.tpot_ms == pytest.approx(tpot * 1e3, rel=1e-4)
    assert est.allreduce_ms_per_step == pytest.approx(2 * allreduce * 1e3, rel=1e-4)


def test_tp1_pp8_tpot() -> None:
    # by hand: dense 4,826.98 MB / 842.4 GB/s = 5.730 ms; experts 117,980.6 x 8/128 = 7,373.8
    # MB / 759.00 GB/s = 9.715 ms; KV 1,536 x 192,512 B / 661.75 GB/s = 0.447 ms; overhead
    # (55.2 + 23.0 MoE) us x 94 x 1,980/1,695 MHz = 8.587 ms; 7 hops
    # x 10.61 us = 0.074 ms -> 24.553 ms per token (24.73 at 56.3 + 23.5 us before the
    # 2026-12-05 refit on the 846 fit rows)
    dense = 94 * 71_303_680 * 0.51953125 / MB + 98.57 + 1.55 + 1244.66
    experts = 128 * 94 * 3 * 4096 * 1536 * 0.51953125 / MB  # 117,980.6 MB
    tpot = (_mem_s(dense, experts * 8 / 128, 1536 * 192512) + _overhead_s(94)
            + 7 * (NCCL + STEP + 8192 / LINK))
    assert pytest.approx(24.553e-3, rel=2e-3) == tpot
    est = _speed(ParallelLayout(tp=1, pp=8))
    assert est.tpot_ms == pytest.approx(tpot * 1e3, rel=1e-4)
    assert est.allreduce_ms_per_step == 0


def test_the_layouts_compared() -> None:
    """What the sweep could not tell before: on host-staged PCIe, TP=8's 188 all-reduces of 14
    ring steps each (9.56 ms a token) make it slower per token than TP=4 x PP=2 (94 of 6
    steps a stage, 2.48 ms), yet faster than PP=8, which walks eight stages at one GPU's
    bandwidth (24.55 ms) and prefills at one GPU's compute; with EP one token's layers wait
    for the GPU touching 2.51 of its experts (22.15 ms), slower than TP=8 without EP even on
    the WNA16 fallback's 1.5x of the mean GPU's one (20.97 ms); at the KV-limited concurrency
    TP=4 x PP=2 and PP=8 (more KV room: 128 and 92 requests against 68) serve more
    tokens/s than TP=8."""
    ep, tp8 = _speed(ParallelLayout(tp=8, ep=True)), _speed(ParallelLayout(tp=8))
    tp4pp2, pp8 = _speed(ParallelLayout(tp=4, pp=2)), _speed(ParallelLayout(tp=1, pp=8))
    assert tp4pp2.tpot_ms < tp8.tpot_ms < ep.tpot_ms < pp8.tpot_ms  # TP=8: WNA16 fallback
    assert ep.ttft_ms < tp4pp2.ttft_ms < pp8.ttft_ms
    busy = {name: _speed(layout, concurrency=1000) for name, layout in (
        ("ep", ParallelLayout(tp=8, ep=True)), ("tp4pp2", ParallelLayout(tp=4, pp=2)),
        ("pp8", ParallelLayout(tp=1, pp=8)))}
    assert all(e.kv_bound for e in busy.values())
    kv = {name: plan(_request(layout)).kv_cache_tokens // 1536 for name, layout in (
        ("ep", ParallelLayout(tp=8, ep=True)), ("tp4pp2", ParallelLayout(tp=4, pp=2)),
        ("pp8", ParallelLayout(tp=1, pp=8)))}
    assert {n: e.concurrency for n, e in busy.items()} == kv
    assert busy["tp4pp2"].output_tokens_per_s > busy["pp8"].output_tokens_per_s \
        > busy["ep"].output_tokens_per_s
