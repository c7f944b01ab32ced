"""Plan's "warm restart" line where the cold start-up is refused for memory and the warm pool
would hold the request: it read "1.04 requests at 36,000 tokens (Model Runner V2 restarting
with a warm torch.compile cache; this plan sizes the first, cold-compile start-up)" under a
"Does not fit" verdict, without saying what that means for the user. vLLM saves the compile
cache in the refused start-up's profile run, before it sizes the KV cache (0.34.0
compilation/decorators.py, v1/engine/core.py), so the same command run again starts warm;
--max-model-len is in the cache key. The line now says so.

Qwen3-8B on one RTX 4090, vLLM 0.34.0 (64-token blocks, vLLM's null block held back), at
--max-model-len 36,000: 36 layers x 8 KV heads x (128 + 128) x 2 B = 147,456 B a token, so
one request is cdiv(36,000, 64) = 563 blocks + the null block = 564 x 64 x 147,456 B =
5,322,571,776 B of pool; the cold pool is short of it, the warm one is not.
"""

import json

from tests.cli.conftest import run_main

ARGS = ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090", "--vllm-version", "0.34.0")
NEEDED_BYTES = 564 * 64 * 147_456
WARM_FITS = ("(Model Runner V2 restarting with a warm torch.compile cache: enough for the "
             "max_model_len request the first, cold-compile start-up is refused for; vLLM saves "
             "that cache in the refused start-up's profile run, before it sizes the KV cache, "
             "so the same vllm serve run again with the cache kept (VLLM_CACHE_ROOT, without "
             "VLLM_DISABLE_COMPILE_CACHE) starts with this pool; a changed --max-model-len is "
             "another cache key and compiles cold again)")
COLD_ONLY = ("(Model Runner V2 restarting with a warm torch.compile cache; this plan sizes "
             "the first, cold-compile start-up)")


def _warm_line(capsys, *args: str) -> tuple[dict, str]:
    code, out, err = run_main(capsys, "plan", *ARGS, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    code, out, err = run_main(capsys, "plan", *ARGS, *args)
    assert code == 0, err
    return data, next(line for line in out.splitlines() if "warm restart" in line)


def test_a_cold_refusal_the_warm_pool_covers_says_to_run_it_again(capsys) -> None:
    data, line = _warm_line(capsys, "--max-model-len", "36000")
    assert not data["fits"]
    assert data["kv_cache_bytes_per_gpu"] < NEEDED_BYTES <= data[
        "v2_warm_restart_available_kv_bytes"]
    assert data["memory_shortfall_bytes_per_gpu"] == NEEDED_BYTES - data["kv_cache_bytes_per_gpu"]
    assert line.endswith(WARM_FITS), line
    code, out, err = run_main(capsys, "report", *ARGS, "--max-model-len", "36000")
    assert code == 0, err
    assert WARM_FITS in out


def test_a_warm_pool_short_too_keeps_the_plain_words(capsys) -> None:
    # at 40,960 tokens one request is 641 x 9,437,184 B = 6,049,234,944 B: over both pools
    data, line = _warm_line(capsys)
    assert not data["fits"]
    assert data["v2_warm_restart_available_kv_bytes"] < 641 * 64 * 147_456
    assert line.endswith(COLD_ONLY), line


def test_a_plan_that_fits_keeps_the_plain_words(capsys) -> None:
    data, line = _warm_line(capsys, "--max-model-len", "8192")
    assert data["fits"] and line.endswith(COLD_ONLY), line
