"""TPOT at one output token per request: undefined (None, shown "n/a (one output token)").

Hand reading of vLLM's benchmark (benchmarks/serve.py calculate_metrics, the same in every
release read): `if output_len > 1: tpot = (latency - ttft) / (output_len - 1);
tpots.append(tpot)`, so a request of one output token is left out of TPOT (there is no gap
between output tokens), and "if output_len <= 1, we regard tpot as 0 for goodput": a TPOT
target does not refuse it. TTFT and output tokens/s stay.
"""

import json

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest
from planner.serving.prices import with_overrides
from planner.serving.recommend import Workload, recommend
from planner.serving.speed import ServingLoad, estimate_speed, tpot_meets
from planner.serving.sweep import sweep
from tests.cli.conftest import run_main

QWEN_8B = catalog_spec("Qwen/Qwen3-8B")


def _request(max_model_len: int = 4096, version: str = "0.33.0") -> PlanRequest:
    return PlanRequest(model=QWEN_8B, cluster=preset_cluster("h100-sxm", 1),
                       layout=ParallelLayout(),
                       engine=EngineSettings(max_model_len=max_model_len,
                                             vllm_version=version))


def test_one_output_token_has_no_tpot_but_its_ttft_and_throughput() -> None:
    one = estimate_speed(_request(), ServingLoad(output_len=1, concurrency=256))
    assert one.tpot_ms is None and one.output_tokens_per_s_per_request is None
    assert one.ttft_ms > 0 and one.output_tokens_per_s > 0
    tpot = next(t for t in one.terms if t.key == "tpot")
    assert "not a TPOT with one output token" in tpot.note
    two = estimate_speed(_request(), ServingLoad(output_len=2, concurrency=256))
    assert two.tpot_ms > 0
    assert two.output_tokens_per_s_per_request == pytest.approx(1e3 / two.tpot_ms)
    # from 0.32 vLLM clamps the output to max_model_len - input: 1,025 - 1,024 = 1 token
    clamped = estimate_speed(_request(1025), ServingLoad(output_len=1024))
    assert clamped.load.output_len == 1 and clamped.tpot_ms is None


def test_a_tpot_target_does_not_refuse_one_output_token() -> None:
    assert tpot_meets(None, 0.001) and tpot_meets(5.0, None) and tpot_meets(5.0, 5.0)
    assert not tpot_meets(5.1, 5.0)
    load = ServingLoad(output_len=1, concurrency=8)
    request = _request()
    rows = sweep(QWEN_8B, request.cluster, request.engine, load=load, objective="throughput",
                 tpot_ms_target=0.001).rows
    assert rows[0].fits and rows[0].tpot_ms is None and rows[0].output_tokens_per_s > 0
    found = recommend([QWEN_8B], Workload(output_len=1, tpot_ms=0.001), with_overrides(),
                      gpu_keys=("h100-sxm",))
    assert found.rows and found.rows[0].tpot_ms is None


def test_the_cli_says_n_a_and_json_has_null(capsys, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    base = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--output-len", "1",
            "--concurrency", "256"]
    code, out, _ = run_main(capsys, *base)
    assert code == 0 and "  TPOT                n/a (one output token)\n" in out
    code, out, _ = run_main(capsys, *base, "--json")
    data = json.loads(out)
    assert data["tpot_ms"] is None and data["output_tokens_per_s_per_request"] is None
    assert data["ttft_ms"] > 0 and data["output_tokens_per_s"] > 0
    code, out, _ = run_main(capsys, "sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                            "--output-len", "1", "--top", "1")
    row = next(line.split() for line in out.splitlines() if line.startswith("1 "))
    assert code == 0 and row[-3:-1] == ["n/a", row[-2]] and row[-4] != "—"  # TTFT shown

