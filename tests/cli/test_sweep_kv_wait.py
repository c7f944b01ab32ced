"""Sweep rows capped by the KV cache below the load's concurrency carry plan's wait for a KV
slot (kv_bound, kv_wait_ms: JSON, CSV, the table's "32 of 64, +86.0 s wait" and a line saying
how to read them), and the table says what a ceiling past the command's --max-model-len means,
in recommend's words (issue of h455's review).

Hand-worked: Qwen3-235B-A22B-GPTQ-Int4 (bundled catalog config) on 8 RTX 3090s at
--max-model-len 8192, TP=1 x PP=7. Its KV pool holds 49,856 tokens with the model's 16-bit KV
(99,712 with fp8, one byte per element instead of two). A request of 1,024 in / 1,024 out
holds on average 1,024 + 1,024 / 2 = 1,536 tokens = 96 blocks of 16; the pool is 49,856 / 16 =
3,116 blocks, so 3,116 // 96 = 32 requests run at once (fp8: 6,232 // 96 = 64, all 64).
plan's kv_wait (speed._kv_wait_s, closed loop, Little's law): C clients on S slots each wait
(C / S - 1) x (TTFT + output x TPOT) = (64 / 32 - 1) x (TTFT + 1,024 x TPOT); at the row's
TTFT 7,979 ms and TPOT 76.22 ms that is 7.979 + 1,024 x 0.07622 = 7.979 + 78.05 = 86.03 s ->
"+86.0 s" (85.87 s, 7.835 + 1,024 x 0.07620, at the first 2026-12-05 refit's expert compute
factor 0.238, before the refit on the 846 fit rows set it to 0.233 again: the prefills the
row's TTFT and TPOT carry run their expert GEMMs slower, the per-layer overheads 56.3 + 23.5
-> 55.2 + 23.0 us take back part of it; 86.2 s, 7.98 + 1,024 x 0.07639, at 0.233 and the
19.5 ms request overhead before the first).
"""

import csv
import io
import json
from pathlib import Path

import pytest

from planner.catalog import catalog_spec
from planner.report import capped_cell
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.recommend import ceiling_note
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.sweep import sweep
from tests.cli.conftest import run_main

MODEL = "Qwen/Qwen3-235B-A22B-GPTQ-Int4"
ARGS = ("sweep", "--model", MODEL, "--gpu", "rtx-3090", "--gpus", "8", "--objective",
        "fewest-gpus", "--concurrency", "64", "--max-model-len", "8192")
PP7 = ParallelLayout(tp=1, pp=7)


def _rows() -> dict:
    """The sweep's TP=1 x PP=7 rows by KV dtype, at 64 requests in flight."""
    result = sweep(catalog_spec(MODEL), preset_cluster("rtx-3090", 8),
                   EngineSettings(max_model_len=8192), objective="fewest-gpus",
                   load=ServingLoad(concurrency=64), kv_dtypes=("auto", "fp8"), layouts=[PP7])
    return {row.kv_cache_dtype: row for row in result.rows}


def test_a_capped_row_carries_plans_wait_for_a_slot() -> None:
    rows = _rows()
    auto, fp8 = rows["auto"], rows["fp8"]
    assert (auto.kv_cache_tokens, fp8.kv_cache_tokens) == (49_856, 99_712)
    assert (auto.speed_concurrency, auto.kv_bound) == (32, True)
    assert (fp8.speed_concurrency, fp8.kv_bound, fp8.kv_wait_ms) == (64, False, 0.0)
    assert auto.kv_wait_ms == pytest.approx((64 / 32 - 1) * (auto.ttft_ms + 1024 * auto.tpot_ms))
    assert auto.kv_wait_ms / 1e3 == pytest.approx(86.03, abs=0.01)
    # plan's own figure for that layout, not another reckoning of it
    engine = EngineSettings(max_model_len=8192)
    request = PlanRequest(model=catalog_spec(MODEL), cluster=preset_cluster("rtx-3090", 8),
                          layout=PP7, engine=engine)
    estimate = estimate_speed(request, ServingLoad(concurrency=64), plan_result=plan(request))
    assert estimate is not None and estimate.kv_bound
    assert auto.kv_wait_ms == estimate.kv_wait_ms
    assert auto.max_model_len == 8192


def test_the_cell_names_the_load_and_the_wait() -> None:
    rows = _rows()
    assert capped_cell(rows["auto"], 64) == "32 of 64, +86.0 s wait"
    # docs/cli.md quotes this cell; it still read +85.9 s after the refit on the 846 fit rows
    cli_doc = " ".join((Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
                       .replace("\n# ", " ").split())
    assert '--concurrency shows "32 of 64, +86.0 s wait" in its at C column' in cli_doc
    assert capped_cell(rows["fp8"], 64) == "64"
    assert capped_cell(rows["auto"], None) == "32"


def test_throughput_rows_are_at_a_concurrency_no_client_waits_for() -> None:
    # the throughput objective searches each row's concurrency up to max_num_seqs (256): the
    # 16-bit KV row holds 32 at once, so its search tops out at 32 with nobody queued, not
    # at 256 clients of whom 224 wait (whose wait the sweep's row then carried)
    result = sweep(catalog_spec(MODEL), preset_cluster("rtx-3090", 8),
                   EngineSettings(max_model_len=8192), objective="throughput",
                   load=ServingLoad(), kv_dtypes=("auto",), layouts=[PP7])
    (row,) = result.rows
    assert (row.speed_concurrency, row.kv_bound, row.kv_wait_ms) == (32, False, 0.0)


def test_ceiling_note_is_recommends_wording() -> None:
    assert ceiling_note([(40_960, 8_192), (8_000, 8_192)]) == (
        "the longest single request a row's KV cache holds, at a larger --max-model-len than "
        "the 8,192 its command sets (the model's limit at most).")
    assert ceiling_note([(40_960, 8_192), (40_960, 4_096)]).endswith(
        "than the one its command sets (the model's limit at most).")
    assert ceiling_note([(8_192, 8_192), (1_000, None)]) == ""


def test_sweep_text_json_and_csv(capsys) -> None:
    code, out, _ = run_main(capsys, *ARGS, "--top", "3")
    assert code == 0
    lines = out.splitlines()
    pp7_auto = next(line for line in lines if "TP=1 x PP=7  auto" in line)
    assert pp7_auto.endswith("32 of 64, +86.0 s wait")
    capped = next(line for line in lines if line.startswith("capped ("))
    assert "vLLM runs fewer than the 64 requests at once" in capped
    assert "TTFT leaves out a client's mean wait" in capped
    assert "no objective ranks these rows as serving all 64" in capped
    assert ("ceiling: the longest single request a row's KV cache holds, at a larger "
            "--max-model-len than the 8,192 its command sets (the model's limit at most).") in lines

    code, out, _ = run_main(capsys, *ARGS, "--json")
    assert code == 0
    rows = json.loads(out)["rows"]
    auto = next(r for r in rows if r["layout"]["pp"] == 7 and r["layout"]["tp"] == 1
                and r["kv_cache_dtype"] == "auto")
    assert auto["kv_bound"] is True and auto["speed_concurrency"] == 32
    assert auto["kv_wait_ms"] == pytest.approx((64 / 32 - 1) * (auto["ttft_ms"]
                                                                + 1024 * auto["tpot_ms"]))
    assert auto["max_model_len"] == 8192

    code, out, _ = run_main(capsys, *ARGS, "--csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert list(table[0])[-3:] == ["kv_bound", "kv_wait_ms", "max_model_len"]
    auto_csv = next(r for r in table if (r["tp"], r["pp"], r["kv_cache_dtype"])
                    == ("1", "7", "auto"))
    assert (auto_csv["kv_bound"], auto_csv["max_model_len"]) == ("True", "8192")
    assert float(auto_csv["kv_wait_ms"]) == pytest.approx(auto["kv_wait_ms"], abs=1e-3)
