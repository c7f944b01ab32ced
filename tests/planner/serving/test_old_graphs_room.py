"""A release that does not subtract the CUDA graph estimate from the KV budget (before 0.20.0:
vllm_versions.GRAPHS_SUBTRACTED_FROM) captures the graphs after the KV cache is allocated,
from the memory left outside the utilization (0.17.0 gpu_worker.py determine_available_memory:
available_kv_cache_memory_bytes = requested_memory - non_kv_cache_memory, no graphs in it;
v1/worker/utils.py request_memory = ceil(total x gpu_memory_utilization)). The KV figures
stand either way; the fit is a confident one only where the estimate fits in that room.

Qwen3-8B on one RTX 3090 (23.57 GiB: round(23.57 x 2^30) = 25,308,094,792 B), vLLM 0.17.0,
max_model_len 8,192: 51 piecewise + 35 full graphs (256 sequences,
tests/planner/serving/test_spec_graphs.py) x 8,808,038 B (int(8.4 MiB)) = 757,491,268 B.
- utilization 0.9: budget ceil(22,777,285,312.8) = 22,777,285,313, room 2,530,809,479 B
  (2.36 GiB) >= 757,491,268: "Fits: ...".
- utilization 0.99: budget ceil(25,055,013,844.08) = 25,055,013,845, room 253,080,947 B
  (0.24 GiB) < 757,491,268: the capture's rest is not modelled, no confident fit.
"""

import contextlib
import io
import json

import pytest

from cli.planner_cli import main

GRAPHS = (51 + 35) * 8_808_038  # 757,491,268 B


def _plan(utilization: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--gpus", "1",
                     "--vllm-version", "0.17.0", "--max-model-len", "8192",
                     "--gpu-memory-utilization", utilization, "--json"]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("utilization, room, confident", [
    ("0.9", "2.36 GiB = 23.57 GiB - 21.21 GiB budget): room for them, the KV figures stand.",
     True),
    ("0.99", "0.24 GiB = 23.57 GiB - 23.33 GiB budget): more than that room; whether the "
     "capture finds the rest is not modelled.", False),
])
def test_graphs_outside_the_budget_fit_its_room_or_the_fit_is_not_confident(
        utilization: str, room: str, confident: bool) -> None:
    plan = _plan(utilization)
    assert plan["cuda_graph_bytes_per_gpu"] == GRAPHS
    assert plan["fits"]
    graphs = [w for w in plan["warnings"] if "does not subtract CUDA graph memory" in w]
    assert graphs == ["vLLM 0.17.0 does not subtract CUDA graph memory (~0.71 GiB per GPU) "
                      "from the KV budget; it is taken after the KV cache is allocated, from "
                      f"the memory left outside the utilization ({room}"]
    head = ("Fits: " if confident else
            "Fits (unmodelled: CUDA graphs beyond the memory outside the utilization): ")
    assert plan["verdict"].startswith(head), plan["verdict"]
