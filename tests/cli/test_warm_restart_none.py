"""Plan's "warm restart" line where the budget cannot hold the warm pool either: it read
"none (the budget is short by 1.99 GiB) = 0 KV tokens, 0.00 requests at 16,000 tokens (...)",
a pool that is none equated to counts of it. It now says "none" and the shortfall, as the
"KV cache per GPU" line does, and counts nothing (plan's text and the report).

Llama-3.1-70B-Instruct is 70,553,706,496 parameters in bfloat16 (config.json), about
141.1 GB of weights: over 6 GPUs at TP=2 x PP=3 about 23.5 GB = 21.9 GiB a GPU, more than the
RTX 3090's budget, 0.92 x 23.57 GiB = 21.68 GiB, so neither the cold pool nor the warm one
(vLLM 0.34.0 runs Model Runner V2) holds anything.
"""

import json

from tests.cli.conftest import run_main

ARGS = ("--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "rtx-3090", "--gpus", "6",
        "--tp", "2", "--pp", "3", "--max-model-len", "16000", "--vllm-version", "0.34.0")


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.lstrip().startswith(start))


def test_a_warm_pool_that_is_none_counts_no_tokens(capsys) -> None:
    code, out, err = run_main(capsys, "plan", *ARGS, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert not data["fits"] and data["v2_warm_restart_available_kv_bytes"] < 0
    code, out, err = run_main(capsys, "plan", *ARGS)
    assert code == 0, err
    warm = _line(out, "warm restart")
    assert warm.split(None, 2)[2].startswith("none (the budget is short by "), warm
    assert "KV tokens" not in warm and "requests at" not in warm, warm
    assert warm.endswith("; Model Runner V2 restarting with a warm torch.compile cache; this "
                         "plan sizes the first, cold-compile start-up)"), warm
    code, out, err = run_main(capsys, "report", *ARGS)
    assert code == 0, err
    line = _line(out, "- Warm restart:")
    assert line.startswith("- Warm restart: none (the budget is short by ") and \
        "KV tokens" not in line, line
