"""recommend --all2all-backend: every candidate is planned with the backend, as plan plans it
(the speed model's MoE dispatch at DP > 1 with EP, the DeepEP buffers off the KV pool, the flag
in the launch command, plan's notes on where vLLM ignores it or what it needs), and the
release's parser refuses it where plan's does.

Worked by hand for Qwen/Qwen3-30B-A3B (the catalog's config: hidden_size 2,048, 128 routed
experts, num_experts_per_tok 8, 48 MoE layers; BF16 activations, 2 B) at 1,000 requests/s on
up to 1,024 H100s (DGX H100 nodes of 8 on the preset network, 400 Gb/s NIC per GPU = 50 GB/s
per direction, x 0.80 link efficiency = 40 GB/s; NCCL 6.6 us start-up + 2.7 us a network
step: collectives.all_to_all_s). On vLLM 0.34.0's default, allgather_reducescatter, no count
serves (docs/known-limits.md, Data parallelism of MoE models; tests/test_docs.py); with
deepep_high_throughput the cheapest row is TP=1 x PP=2 x DP=128 + EP on 256 GPUs.
"""

import json
import math

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import _context
from planner.serving.speed.coefficients import FITTED
from planner.serving.speed.collectives import explained_all_to_all, rank_hit_chance
from tests.cli.conftest import run_main

HT = "deepep_high_throughput"
RECOMMEND = ("recommend", "--model", "Qwen/Qwen3-30B-A3B", "--requests-per-s", "1000",
             "--gpu", "h100-sxm", "--gpus-max", "1024")
# the row's layout as plan takes it: 32 nodes of 8, the row's format, KV dtype, load and
# concurrency (speed_concurrency), vLLM's default --max-num-seqs 1,024 on an H100 (0.34.0)
PLAN = ("--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--gpus", "256", "--nodes", "32",
        "--tp", "1", "--pp", "2", "--dp", "128", "--ep", "--quantization", "fp8",
        "--kv-cache-dtype", "fp8", "--max-model-len", "2048", "--input-len", "1024",
        "--output-len", "1024", "--concurrency", "40694")
# The binding GPU's KV pool under vLLM 0.34.0 (the last PP stage, layers 24-47 of 48:
# get_pp_indices splits 48 / 2), term by term from the catalog config (hidden 2,048, 32 query
# + 4 KV heads of 128, 128 experts of moe_intermediate_size 768, vocab 151,936, untied,
# max_position_embeddings 40,960) and vLLM's rules:
# - budget: v1/worker/utils.py request_memory, math.ceil(total x gpu_memory_utilization),
#   CacheConfig.DEFAULT_GPU_MEMORY_UTILIZATION 0.92: ceil(85,029,615,043 x 0.92) =
#   ceil(78,227,245,839.56) = 78,227,245,840 B
BUDGET = 78_227_245_840
# - weights, `--quantization fp8` on the BF16 checkpoint (0.34.0: the online fp8_per_tensor
#   config, one byte a weight of every LinearBase and the routed experts; the per-tensor fp32
#   scales, a few dozen bytes, left out: the pool's 1,089,268 B over its last whole block
#   cover them):
WEIGHT_PARTS = {
    # qwen3_moe.py Qwen3MoeModel builds embed_tokens on every PP rank, 16-bit
    "embeddings_bytes": 151_936 * 2_048 * 2,  # 622,329,856
    # qkv 2,048 x (32 + 4 + 4) x 128 + o 4,096 x 2,048 = 18,874,368 B fp8, + q_norm / k_norm
    # 2 x 128 x 2 B: 24 x 18,874,880 = 452,997,120
    "attention_bytes": 24 * (2_048 * 40 * 128 + 4_096 * 2_048 + 2 * 128 * 2),
    # EP over TP x DP = 128 ranks: 128 / 128 = 1 expert, w13 + w2 = 3 x 2,048 x 768 B fp8
    "experts_bytes": 24 * 3 * 2_048 * 768,  # 113,246,208
    # the gate takes the quant config from 0.10.1 (vllm_versions.QWEN3_MOE_GATE_QUANTIZED_FROM):
    # 24 x 2,048 x 128 x 1 B = 6,291,456 (it was 16-bit here: 12,582,912)
    "router_bytes": 24 * 2_048 * 128,
    # input / post-attention RMSNorms + the final norm on the last stage, 16-bit
    "norms_bytes": 24 * 2 * 2_048 * 2 + 2_048 * 2,  # 200,704
    "lm_head_bytes": 151_936 * 2_048 * 2,  # ParallelLMHead, not a LinearBase: 16-bit
    # rotary_embedding/base.py: cos_sin_cache [40,960 positions x 128] in the model dtype,
    # one buffer shared by the layers (get_rope's cache)
    "rope_cache_bytes": 40_960 * 128 * 2,  # 10,485,760
}
WEIGHTS = sum(WEIGHT_PARTS.values())  # 1,827,880,960
# - activation: the fitted profile peak (engine/activation.py SAMPLER_COEF; vLLM's
#   `vllm serve` defaults on an H100, max_num_seqs 1,024 and max_num_batched_tokens 8,192:
#   engine/arg_utils.py): 3.637 x 1,024 x 151,936 x 4 + 0.308 x 8,192 x (2,048 + 8 x 768 x 2)
#   x 2 + 2.574 x 8,192 x 8 x 2,048 x 2 = 2,263,413,686.3 + 72,343,355.4 + 690,952,863.7
ACTIVATION = 3_026_709_905
# - non-torch: the measured 0.07 GiB CUDA context int(0.07 x 2^30) = 75,161,927 + the DeepEP
#   buffers 2 x 1,024 MiB + 32 MiB + 160 B = 2,181,038,240 (below) = 2,256,200,167
NON_TORCH = int(0.07 * 2**30) + 2 * 1_024 * 2**20 + 32 * 2**20 + 160
# - Model Runner V2's buffers (runner_buffers.py, 0.27.0-0.34.0): PP intermediate tensors
#   2 x 8,192 x 2,048 x 2 + output_bin_counts 1,024 x 151,936 x 4 + prompt_bin_mask and
#   grammar_bitmask 2 x 1,024 x cdiv(151,936, 32) x 4 + request tables 1,024 x 17,924
RUNNER_BUFFERS = 2 * 8_192 * 2_048 * 2 + 1_024 * 151_936 * 4 + 2 * 1_024 * 4_748 * 4 \
    + 1_024 * 17_924  # 746,688,512
# - CUDA graphs: 51 capture sizes (1, 2, 4, 8-248 by 8, 256-512 by 16) piecewise + 51 full
#   (each <= max_num_seqs) x the fitted 8,808,038 B a graph = 898,419,876
CUDA_GRAPHS = 102 * 8_808_038
# 78,227,245,840 - 1,827,880,960 - 3,026,709,905 - 2,256,200,167 - 746,688,512 - 898,419,876
POOL = BUDGET - WEIGHTS - ACTIVATION - NON_TORCH - RUNNER_BUFFERS - CUDA_GRAPHS
# KV: 24 layers x 4 KV heads x (128 + 128) x 1 B (fp8) = 24,576 B a token; 64-token blocks
# (CacheConfig.DEFAULT_BLOCK_SIZE, 0.34.0): 1,572,864 B; 69,471,346,420 // 1,572,864 = 44,168
# blocks (44,169 x = 69,472,919,552 is over) = 2,826,752 tokens, 44,168 / 32 blocks of a
# 2,048-token request = 1,380.25 requests
BLOCK_BYTES = 64 * 24 * 4 * 256
NETWORK_BPS = 400e9 / 8 * 0.80  # B/s a GPU's NIC moves, at the link efficiency
STEP_S = (6.6 + 2.7) * 1e-6
TOKEN_BYTES = 2_048 * 2  # one token's hidden state, BF16


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the catalog's config: no network


def _one_token(backend: str | None):
    """The MoE dispatch + combine of one token per DP rank at the recommended layout."""
    request = PlanRequest(model=catalog_spec("Qwen/Qwen3-30B-A3B"),
                          cluster=preset_cluster("h100-sxm", 8, 32),
                          layout=ParallelLayout(tp=1, pp=2, dp=128, ep=True),
                          engine=EngineSettings(max_model_len=2048, quantization="fp8",
                                                kv_cache_dtype="fp8", all2all_backend=backend))
    ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
    return explained_all_to_all(ctx, 1, "1 token")


def test_deepep_ht_sends_a_sixteenth_of_what_agrs_gathers_at_dp_128() -> None:
    # EP = TP x DP = 128 ranks, E / EP = 1 expert each: a rank holds none of a token's 8
    # experts with chance C(127, 8) / C(128, 8) = 120 / 128, so DeepEP HT sends it there with
    # p = 1 - 120/128 = 1/16: (EP - 1) x p x T x h = 127/16 = 7.94 copies of a token, where
    # allgather_reducescatter gathers (DP - 1) x T x h = 127 copies: 16 x fewer bytes
    p = 1 - math.comb(127, 8) / math.comb(128, 8)
    assert p == 1 / 16 == rank_hit_chance(128, 8, 128)
    # per token and MoE layer, each way over the network (124 of the 128 ranks in other
    # nodes, 3 in its own node over NVLink at 450 GB/s, the slower bound):
    # AgRs 127 x 4,096 B = 520,192 B / 40 GB/s = 13.0048 us; + 9.3 us, x 2 = 44.6096 us
    agrs = _one_token(None)
    assert agrs.inputs["gathered_bytes"] == 127 * TOKEN_BYTES == 520_192
    assert agrs.seconds == pytest.approx(2 * (STEP_S + 520_192 / NETWORK_BPS))
    assert agrs.seconds * 1e6 == pytest.approx(44.6096, rel=1e-6)
    # HT: 128 x 1/16 x 124/128 x 4,096 B = 31,744 B / 40 GB/s = 0.7936 us; x 2 = 20.1872 us
    ht = _one_token(HT)
    assert ht.seconds == pytest.approx(2 * (STEP_S + 124 / 16 * TOKEN_BYTES / NETWORK_BPS))
    assert ht.seconds * 1e6 == pytest.approx(20.1872, rel=1e-6)


def test_recommend_with_deepep_ht_finds_the_plan_that_plan_gives(capsys) -> None:
    code, out, err = run_main(capsys, *RECOMMEND, "--all2all-backend", HT, "--json")
    assert code == 0, err
    result = json.loads(out)
    row = result["rows"][0]
    assert (row["gpus"], row["nodes"], row["layout"], row["quant_key"],
            row["kv_cache_dtype"]) == (256, 32, {"tp": 1, "pp": 2, "dp": 128, "ep": True},
                                       "fp8-tensor", "fp8")
    # 256 x $3.99 an H100-hour (RunPod, the default table) = $1,021.44
    assert row["usd_per_hour"] == pytest.approx(1_021.44)
    assert result["engine"]["all2all_backend"] == HT
    assert f"--all2all-backend {HT} " in row["vllm_command"]
    # plan's note on the package DeepEP needs, for row #1
    assert any(w.startswith(f"#1: --all2all-backend {HT} needs the deep_ep package")
               for w in result["model_warnings"])
    # plan of that layout with the same flag: the same figures and command (node 0's)
    code, out, err = run_main(capsys, "plan", *PLAN, "--all2all-backend", HT, "--json")
    assert code == 0, err
    planned = json.loads(out)
    for key in ("ttft_ms", "tpot_ms", "output_tokens_per_s"):
        assert row[key] == planned[key], key
    # speed_concurrency is the fewest requests in flight whose output tokens/s reach the rate's
    # 1,000 requests/s x 1,024 output tokens = 1,024,000 (sweep.row_speed's bisection): 40,694
    # reach it (1,024,012.1 tokens/s), 40,693 do not (1,023,986.9): the rule, not the count alone
    assert row["speed_concurrency"] == 40_694
    assert planned["output_tokens_per_s"] >= 1_000 * 1_024
    code, out, err = run_main(capsys, "plan", *PLAN[:-1], "40693", "--all2all-backend", HT,
                              "--json")
    assert code == 0, err
    assert json.loads(out)["output_tokens_per_s"] < 1_000 * 1_024
    assert (row["max_concurrency"], row["vllm_command"]) == (planned["max_concurrency"],
                                                             planned["vllm_command"])
    # the DeepEP buffers off each GPU's KV pool (all2all.py: VLLM_DEEPEP_BUFFER_SIZE_MB 1,024
    # MiB of NVLink buffer + the same of RDMA, the EP group spanning nodes, + DeepEP's 32 MiB
    # workspace + 160 B of signals and pointers) = 2,181,038,240 B: the pool POOL, worked
    # out above term by term, 2,826,752 KV tokens a replica, 1,380.25 requests of 2,048
    # tokens, 128 replicas 176,672
    buffers = 2 * 1_024 * 2**20 + 32 * 2**20 + 160
    terms = {t["key"]: t for t in planned["terms"]}
    assert terms["all2all_buffers"]["value"] == buffers == 2_181_038_240
    assert {k: int(terms["weights"]["inputs"][k]) for k in WEIGHT_PARTS} == WEIGHT_PARTS
    assert [terms[k]["value"] for k in ("budget", "weights", "activation", "non_torch",
                                        "runner_buffers", "cuda_graphs", "kv_cache")] == [
        BUDGET, WEIGHTS, ACTIVATION, NON_TORCH, RUNNER_BUFFERS, CUDA_GRAPHS, POOL]
    assert (WEIGHTS, NON_TORCH, RUNNER_BUFFERS, POOL) == (
        1_827_880_960, 2_256_200_167, 746_688_512, 69_471_346_420)
    assert planned["kv_cache_bytes_per_gpu"] == POOL
    assert (planned["kv_bytes_per_token_per_gpu"], terms["bytes_per_block"]["value"]) == (
        24_576, BLOCK_BYTES)
    assert (planned["num_gpu_blocks"], planned["kv_cache_tokens"]) == (
        POOL // BLOCK_BYTES, POOL // BLOCK_BYTES * 64) == (44_168, 2_826_752)
    assert planned["max_concurrency"] == row["max_concurrency"] == 44_168 / 32 == 1_380.25
    code, out, err = run_main(capsys, "plan", *PLAN, "--json")
    assert code == 0, err
    assert json.loads(out)["kv_cache_bytes_per_gpu"] - planned["kv_cache_bytes_per_gpu"] \
        == buffers
    assert row["max_concurrency_all_replicas"] == 128 * row["max_concurrency"] == 176_672


def test_refused_or_ignored_as_plan_does(capsys) -> None:
    # vLLM 0.11.0's parser has no --all2all-backend (it arrives in 0.11.1): exit 2, one line
    code, _, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-30B-A3B", "--context",
                            "4096", "--vllm-version", "0.11.0", "--all2all-backend", HT)
    assert code == 2
    assert "vLLM 0.11.0: unrecognized arguments: --all2all-backend" in err
    # a dense model: its commands carry the flag as plan's do, and plan's note says vLLM
    # ignores it there, once for the rows it is about
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--context",
                              "4096", "--concurrency", "4", "--top", "2", "--all2all-backend",
                              HT, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert all(f"--all2all-backend {HT}" in r["vllm_command"] for r in result["rows"])
    assert f"#1, #2: --all2all-backend {HT}: vLLM 0.34.0 ignores it on this layout: the " \
        "model has no MoE layers." in result["model_warnings"]
