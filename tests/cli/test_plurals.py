"""Counts and rates printed with the noun in the number they need: "1 requests/s", "1 blocks
per request", "1 requests of ... tokens" and "1 tokens" read as typos (planner.text.counted
and per_second are the shared formatters)."""

import re

from planner.text import per_second
from tests.cli.conftest import run_main
from ui import format as fmt


def test_per_second() -> None:
    assert [per_second(v, "request") for v in (1, 1.0, 2.5, 0.5, 1e6)] == [
        "1 request/s", "1 request/s", "2.5 requests/s", "0.5 requests/s",
        "1,000,000 requests/s"]


def test_ui_tokens() -> None:
    assert [fmt.tokens(n) for n in (1, 2, 40960)] == ["1 token", "2 tokens", "40,960 tokens"]


def test_recommend_rate_of_one(capsys) -> None:
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "rtx-3090", "--requests-per-s", "1", "--output-len", "256")
    assert code == 0, err
    assert out.startswith("Cheapest configurations for 1 request/s at "), out


def test_one_block_per_request(capsys) -> None:
    # --max-model-len 16 on one H100 (vLLM 0.34's 64-token blocks): a request of 16 tokens
    # takes cdiv(16, 64) = 1 block, and one of 8 in + 8 / 2 out held = 12 tokens 1 block too;
    # the formulas said "1 blocks per request" and the note "(1 blocks each"
    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                              "--max-model-len", "16", "--input-len", "8", "--output-len", "8",
                              "--concurrency", "100000")
    assert code == 0, err
    assert " blocks / 1 block per request x 16) = " in out, out
    assert " KV blocks // 1 block per request holding 8 in + 8 / 2 out on average)" in out, out
    assert " requests of 12 tokens (1 block each; " in out, out
    assert not re.search(r"(?<![\d,.])1 blocks", out), out


def test_a_pool_of_one_request(capsys) -> None:
    # Qwen3-8B on one 24 GiB RTX 3090: its 8.19e9 BF16 parameters take 16.38e9 B = 15.26 GiB,
    # leaving at most 8.74 GiB for KV. A request of 31,500 in + 1,000 / 2 out held = 32,000
    # tokens is cdiv(32,000, 64) = 500 blocks; two take 1,000 x 64 x 147,456 B (36 layers x
    # 8 KV heads x 128 x 2 x 2 B per token) = 8.79 GiB, more than that: the pool holds one,
    # and the note said "1 requests of 32,000 tokens"
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                              "--max-model-len", "32768", "--input-len", "31500",
                              "--output-len", "1000", "--concurrency", "2")
    assert code == 0, err
    assert " hold 1 request of 32,000 tokens (500 blocks each; " in out, out


def test_decode_compute_of_one_token_a_step(capsys) -> None:
    # one request in flight at TP=1, PP=1: a decode step computes 1 token a stage step
    # (micro-batch 1 / PP 1); the formula said "G params x 1 tokens"
    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                              "--concurrency", "1")
    assert code == 0, err
    assert " G params x 1 token / (" in out, out
    assert not re.search(r"(?<![\d,.])1 tokens", out), out


def test_one_kv_cache_group(capsys) -> None:
    # Qwen3-8B (every layer full attention: one KV cache group) on vLLM 0.19.0, which counts
    # the tokens as blocks // groups x block tokens: "// 1 groups" read as a typo
    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "v100-32gb", "--gpus", "2", "--vllm-version", "0.19.0")
    assert code == 0, err
    assert "KV cache tokens: 18,299 blocks // 1 group x 16 tokens = 292,784 tokens" in out, out
