"""Model Runner V2 on a pipeline stage other than the last: the plan's (cold, first start-up)
activation was the V1 runner's fit, 0.308 x 2048 tokens x (8192 + 28672) x 2 B = 0.04 GiB
(no sampler term off the last stage), below V2's own warm-cache peak, the dummy forward read
from vLLM's source (planner.serving.runner_v2), so the warm restart's pool came out smaller
than the cold one (short by 1.99 GiB against 1.84). vLLM 0.34.0 v1/worker/gpu/model_runner.py
profile_run runs that same forward on every stage, warm or cold, inside the window
gpu_worker.determine_available_memory measures, and a cold start compiles there too: its peak
is no lower. The plan's activation is now max(V1 fit, V2 warm peak).

By hand, Llama-3.1-70B-Instruct (hidden 8192, gated MLP, intermediate 28,672, bf16) at TP=2,
2048 batched tokens (vLLM's default on a < 70 GiB card), stages 0 and 1:
  2048 x (8192 + (2 x 28,672 + 28,672) / 2) x 2 B = 2048 x 51,200 x 2 = 209,715,200 B.
"""

import json

from tests.cli.conftest import run_main

ARGS = ("--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "rtx-3090", "--gpus", "6",
        "--tp", "2", "--pp", "3", "--vllm-version", "0.34.0", "--json")


def test_the_cold_activation_is_no_lower_than_v2s_warm_peak(capsys) -> None:
    code, out, err = run_main(capsys, "plan", *ARGS)
    assert code == 0, err
    data = json.loads(out)
    assert data["model_runner"] == "v2"
    for rank in data["per_gpu"]:
        if rank["pp_stage"] < 2:
            assert rank["activation_bytes"] == 209_715_200, rank
    assert data["binding_rank"] in (0, 1)
    # the warm restart never leaves less than the planned first start-up
    assert data["v2_warm_restart_available_kv_bytes"] >= data["kv_cache_bytes_per_gpu"]
