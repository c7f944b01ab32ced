"""--enforce-eager on plan, sweep, report and recommend: it reaches EngineSettings.enforce_eager
(the plan's `engine` JSON), the `vllm serve` command every covered release's parser takes,
the CUDA graphs term (none captured) and the speed model's per-layer overhead.

Qwen3-8B (bf16, 36 layers, 8 KV heads x 128 dims: 36 x 2 x 8 x 128 x 2 B = 147,456 B per
token) on one L4 at max_model_len 16,000 under vLLM 0.34.0, the default release: vLLM's batch
defaults below 70 GiB are 256 sequences / 2,048 tokens, so it captures 51 piecewise graphs
(1, 2, 4, 8..248 by 8: 34; 256..512 by 16: 17) and 35 full decode graphs (sizes <= 256:
1, 2, 4, 8..248 by 8, 256), 86 x int(8.4 MiB) = 86 x 8,808,038 B = 757,491,268 B, which
releases from 0.20.0 subtract from the KV budget.
"""

import json
import shlex

import pytest

from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import covered_releases
from tests.cli.conftest import run_main as _run

QWEN3_L4 = ("--model", "Qwen/Qwen3-8B", "--gpu", "l4", "--max-model-len", "16000")
GRAPH_BYTES = 86 * 8_808_038
BLOCK_BYTES = 147_456 * 64
"""One 64-token block (vLLM 0.34.0's default block size) of Qwen3-8B's 147,456 B per token."""
LAYER_OVERHEAD_MS = 55.2e-3 * 36 * 1980 / 2040
"""The fitted 55.2 us per layer x 36 layers, scaled from the 1,980 MHz it was fitted at to
the L4's 2,040 MHz boost clock (the step_overhead term's inputs)."""


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network


def _plan(capsys, *flags: str) -> dict:
    code, out, err = _run(capsys, "plan", *QWEN3_L4, *flags, "--json")
    assert code == 0, err
    return json.loads(out)


def test_no_graphs_leave_their_memory_to_the_kv_cache_and_triple_the_layer_overhead(
        capsys) -> None:
    graphs, eager = _plan(capsys), _plan(capsys, "--enforce-eager")
    assert (graphs["engine"]["enforce_eager"], eager["engine"]["enforce_eager"]) == (False, True)
    assert graphs["cuda_graph_bytes_per_gpu"] == GRAPH_BYTES == 757_491_268
    assert eager["cuda_graph_bytes_per_gpu"] == 0
    # every other term is the same: the pool gains exactly the graphs' bytes
    assert eager["kv_cache_bytes_per_gpu"] - graphs["kv_cache_bytes_per_gpu"] == GRAPH_BYTES
    assert graphs["num_gpu_blocks"] == graphs["kv_cache_bytes_per_gpu"] // BLOCK_BYTES == 378
    assert eager["num_gpu_blocks"] == eager["kv_cache_bytes_per_gpu"] // BLOCK_BYTES == 458
    # one request: TPOT is the decode step, whose overhead x 3 adds 2 x the per-layer overhead
    assert eager["tpot_ms"] - graphs["tpot_ms"] == pytest.approx(2 * LAYER_OVERHEAD_MS)
    # and TTFT, whose 1,024 input tokens are one prefill step (under 2,048 batched tokens), by
    # as much: a step's overhead, not decode's alone (the flag's help says so)
    assert eager["ttft_ms"] - graphs["ttft_ms"] == pytest.approx(2 * LAYER_OVERHEAD_MS)
    overhead = next(t for t in eager["speed_terms"] if t["key"] == "step_overhead")
    assert overhead["value"] == pytest.approx(3 * LAYER_OVERHEAD_MS)
    assert "--enforce-eager" not in shlex.split(graphs["vllm_command"])
    assert shlex.split(eager["vllm_command"])[-1] == "--enforce-eager"


def test_before_0_20_the_graphs_were_not_subtracted_so_the_pool_stays(capsys) -> None:
    # vLLM 0.19.0 reports its graph estimate without subtracting it: no KV byte moves
    graphs = _plan(capsys, "--vllm-version", "0.19.0")
    eager = _plan(capsys, "--vllm-version", "0.19.0", "--enforce-eager")
    assert graphs["cuda_graph_bytes_per_gpu"] > 0 == eager["cuda_graph_bytes_per_gpu"]
    assert eager["kv_cache_bytes_per_gpu"] == graphs["kv_cache_bytes_per_gpu"]


def test_every_covered_release_s_parser_takes_the_command(capsys) -> None:
    assert all(vllm_cli(v).accepts("--enforce-eager") for v in covered_releases())
    for version in ("0.9.1", "0.19.0", covered_releases()[-1]):
        command = _plan(capsys, "--vllm-version", version, "--enforce-eager")["vllm_command"]
        assert "--enforce-eager" in shlex.split(command)
        assert command_problems(command, vllm_cli(version)) == [], (version, command)


def test_sweep_report_and_recommend_carry_it_into_their_commands(capsys) -> None:
    code, out, err = _run(capsys, "sweep", *QWEN3_L4, "--enforce-eager", "--json")
    assert code == 0, err
    commands = [row["vllm_command"] for row in json.loads(out)["rows"] if row["vllm_command"]]
    assert commands and all(c.endswith(" --enforce-eager") for c in commands)

    code, out, err = _run(capsys, "report", *QWEN3_L4, "--enforce-eager", "--format", "json")
    assert code == 0, err
    plan = json.loads(out)["plan"]
    assert plan["engine"]["enforce_eager"] and plan["cuda_graph_bytes_per_gpu"] == 0

    code, out, err = _run(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--context", "16000",
                          "--gpu", "l4", "--enforce-eager", "--json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert rows and all(r["vllm_command"].endswith(" --enforce-eager") for r in rows)
