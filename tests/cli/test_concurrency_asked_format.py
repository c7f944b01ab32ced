"""The concurrency asked for, where the KV cache caps it, is printed with thousands separators
like every other count: plan's Speed line read "44 requests at once (of 1000 asked)", the
report "(of 1000 asked: ...)" and the KV-limited term's formula "served 44 of 1000 asked".

Qwen3-8B on two RTX 3090s (TP=1 x DP=2, max_model_len 8,000) holds about 34,500 KV tokens a
replica (README Quick start: 34,496 on one), far from 1,000 requests x (1,024 in + 512 out on
average) = 1,536,000 tokens, so --concurrency 1000 is capped and the phrase is printed.
"""

import json

from tests.cli.conftest import run_main

ARGS = ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--gpus", "2", "--dp", "2",
        "--max-model-len", "8000", "--concurrency", "1000")


def test_plan_text_and_json(capsys) -> None:
    code, out, err = run_main(capsys, "plan", *ARGS)
    assert code == 0, err
    speed = next(line for line in out.splitlines() if line.startswith("Speed at "))
    assert " (of 1,000 asked); " in speed, speed
    code, out, err = run_main(capsys, "plan", *ARGS, "--json")
    assert code == 0, err
    term = next(t for t in json.loads(out)["speed_terms"] if t["key"] == "kv_limited_concurrency")
    assert term["formula"].endswith(" of 1,000 asked"), term["formula"]


def test_report(capsys) -> None:
    code, out, err = run_main(capsys, "report", *ARGS)
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("At 1,024 input"))
    assert " (of 1,000 asked: " in line, line
