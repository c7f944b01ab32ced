"""`report --compare` plans every model at the report's plan's max_model_len, as its table's
title says ("the same hardware and settings"), or at a model's own maximum where that is
lower, which its row says. Each --compare model was planned at its own default instead:
beside the seed's 40,960, Meta-Llama-3.1-70B at 131,072 read "no, 0.64 at 131,072", where the
app's Report page (at the Compare page's 32,768) said yes.

Hand-worked for the seed (Qwen3-235B-A22B GPTQ-Int4 at TP=8 + EP on 8x RTX 3090, utilization
0.9, vLLM 0.34.0, whose default KV block is 64 tokens): the plan's max_model_len is Qwen3-235B's
max_position_embeddings, 40,960 (/work/shared/model-configs), a request 40,960 / 64 = 640
blocks.
- meta-llama/Meta-Llama-3.1-70B: 80 layers, 8 KV heads, head_dim 8,192 / 64 = 128, bf16:
  2 x 80 x 8 x 128 x 2 = 327,680 B of KV a token; TP=8 puts one KV head on each GPU:
  40,960 B a token per GPU, 64 x 40,960 = 2,621,440 B a block. Its own maximum (llama3 rope,
  8 x 8,192 = 131,072) is above 40,960: it is planned at 40,960.
- microsoft/phi-2: 32 layers, 32 KV heads, head_dim 2,560 / 32 = 80, float16:
  2 x 32 x 32 x 80 x 2 = 327,680 B a token; 4 heads a GPU at TP=8, 40,960 B, the same block.
  Its own maximum, max_position_embeddings 2,048, is below 40,960: it is planned at 2,048,
  2,048 / 64 = 32 blocks a request, and its row says "(its maximum)".
Concurrency = the pool's whole blocks / a request's blocks, the pool being the KV cache memory
per GPU of the model's own `plan` at that length (kv_cache_bytes_per_gpu: the memory terms,
tested on their own); fits where one request's blocks are within the pool's.
"""

import json

from tests.cli.conftest import run_main

SEED = ["--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090", "--gpus", "8",
        "--tp", "8", "--gpu-memory-utilization", "0.9", "--date", "2026-01-01"]
LLAMA, PHI = "meta-llama/Meta-Llama-3.1-70B", "microsoft/phi-2"
BLOCK_TOKENS = 64  # vLLM 0.34.0's default block size


def pool_blocks(capsys, model: str, kv_bytes_per_token_per_gpu: int, *flags: str) -> int:
    """The whole KV blocks in `model`'s pool on the seed's 8 RTX 3090s at TP=8 (utilization
    0.9): its plan's KV cache memory per GPU over a block's bytes, worked here."""
    code, out, _ = run_main(capsys, "plan", "--model", model, "--gpu", "rtx-3090", "--gpus", "8",
                            "--tp", "8", "--gpu-memory-utilization", "0.9", "--json", *flags)
    assert code == 0
    pool = json.loads(out)["kv_cache_bytes_per_gpu"]
    return pool // (BLOCK_TOKENS * kv_bytes_per_token_per_gpu)


def test_every_compared_model_is_at_the_plans_max_model_len_or_its_own_lower_maximum(
        capsys) -> None:
    llama = pool_blocks(capsys, LLAMA, 40_960, "--max-model-len", "40960") / (40_960 // 64)
    phi = pool_blocks(capsys, PHI, 40_960, "--max-model-len", "2048") / (2_048 // 64)
    code, out, _ = run_main(capsys, "report", *SEED, "--ep", "--compare", LLAMA, PHI)
    assert code == 0
    assert ("Model comparison on the same hardware and settings, every model at the plan's "
            "max_model_len, 40,960, or at its own maximum where that is lower (its row says "
            "so); speed at" in out)
    rows = {line.split(" | ")[0].removeprefix("| "): line.split(" | ") for line in
            out.splitlines() if line.startswith((f"| {LLAMA} |", f"| {PHI} |"))}
    # Model, Layout, Params, Weights/GPU, KV B/token, Fits, Ceiling, Concurrency, ...
    assert rows[LLAMA][4:6] == ["327,680", "yes"] and llama > 1
    assert rows[LLAMA][7] == f"{llama:.2f} at 40,960"  # was "0.64 at 131,072", no fit
    assert rows[PHI][4:6] == ["327,680", "yes"]
    assert rows[PHI][7] == f"{phi:.2f} at 2,048 (its maximum)"
    code, out, _ = run_main(capsys, "report", *SEED, "--ep", "--compare", LLAMA, PHI,
                            "--format", "json")
    assert code == 0
    compared = {r["model_name"]: r for r in json.loads(out)["comparison"]}
    assert [(r["max_model_len"], r["max_model_len_capped"], r["fits"])
            for r in compared.values()] == [(40_960, False, True), (40_960, False, True),
                                             (2_048, True, True)]
    assert compared[LLAMA]["max_concurrency"] == llama


def test_a_max_model_len_given_is_every_compared_models_too(capsys) -> None:
    # --max-model-len 16384: the plan at 16,384, so Meta-Llama-3.1-70B too (131,072 is its
    # own maximum, above), phi-2 still at its 2,048
    code, out, _ = run_main(capsys, "report", *SEED, "--ep", "--max-model-len", "16384",
                            "--compare", LLAMA, PHI, "--format", "json")
    assert code == 0
    assert [(r["max_model_len"], r["max_model_len_capped"])
            for r in json.loads(out)["comparison"]] == [(16_384, False), (16_384, False),
                                                         (2_048, True)]
