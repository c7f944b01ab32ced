"""The public benchmarks' data files are well formed, every run in them is planned, and the
README's headline table quotes what the benchmarks print today.

bench/public_memory_runs.json and bench/public_speed_runs.json are checking-only data (never
fitted); a run that stops planning, or a README figure left behind by a model change, would
otherwise go unnoticed. The planning checks need ../shared (stand-in configs) and skip
without it, as the catalog's cross-check does.
"""

import json
import re
from pathlib import Path

import pytest

from planner.report import PUBLIC_SPEED_RESULTS, SPEED_RESULTS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "model-configs"
MEMORY_RUNS = json.loads((ROOT / "bench" / "public_memory_runs.json").read_text())
SPEED_RUNS = json.loads((ROOT / "bench" / "public_speed_runs.json").read_text())
needs_shared = pytest.mark.skipif(not SHARED.is_dir(),
                                  reason="../shared is not beside the checkout")


def _readme_row(label: str) -> str:
    """The README headline table's row whose second cell starts with `label`."""
    rows = [line for line in (ROOT / "README.md").read_text().splitlines()
            if line.startswith("| ") and re.match(rf"\| [^|]+ \| {re.escape(label)}", line)]
    assert len(rows) == 1, label
    return rows[0]


def _readme_section(heading: str) -> str:
    """The README's text under the heading line `heading` ("### Speed") up to the next heading
    of its level or above, whitespace collapsed (the headline rows' history lives there)."""
    level = len(heading.split(" ", 1)[0])
    text = (ROOT / "README.md").read_text().split(f"\n{heading}\n", 1)[1]
    ends = [text.find("\n" + "#" * n + " ") for n in range(1, level + 1)]
    return " ".join(text[:min([end for end in ends if end >= 0], default=len(text))].split())


def _doc(name: str) -> str:
    """docs/NAME's text, whitespace collapsed (the README's Accuracy section keeps its tables;
    every run and term behind them moved to docs/accuracy-memory.md and docs/accuracy-speed.md)."""
    return " ".join((ROOT / "docs" / name).read_text().split())


def _all_docs() -> str:
    """README.md and every docs/*.md, each line's leading '#'s (a heading, a comment in a
    usage block) dropped, whitespace collapsed: for a figure quoted wherever it now lives."""
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return " ".join(re.sub(r"(?m)^#+", "", "\n".join(path.read_text() for path in files)).split())


def _history_section(name: str) -> str:
    """docs/benchmarks-history.md's section "## name" (the README Benchmarks row's older runs
    and explanations), whitespace collapsed."""
    text = (ROOT / "docs" / "benchmarks-history.md").read_text().split(f"\n## {name}\n", 1)[1]
    return " ".join(text.split("\n## ", 1)[0].split())


@pytest.mark.parametrize("data", [MEMORY_RUNS, SPEED_RUNS], ids=["memory", "speed"])
def test_ids_are_unique_and_rejections_give_a_reason(data: dict) -> None:
    ids = [run["id"] for run in data["runs"]]
    assert len(ids) == len(set(ids))
    for rejected in data["rejected"]:
        assert rejected["where"] and rejected["what"] and rejected["reason"], rejected


def test_every_memory_run_quotes_its_log_and_names_its_source() -> None:
    for run in MEMORY_RUNS["runs"]:
        source = run["source"]
        assert source.get("url") or source.get("find_string_id"), run["id"]
        assert run["quoted_lines"], run["id"]
        assert run["vllm_release"] and run["version_reason"], run["id"]


def test_the_wsl2_rule_reproduces_the_totals_the_wsl2_logs_print() -> None:
    """The WSL2 runs (`wsl2`) that print a CUDA total keep it; the WSL2 rule (the preset's
    whole nvidia-smi total, hardware.with_wsl2) gives the same to two decimals: an RTX 4090's
    nvidia-smi 24564 MiB / 1024 = 23.99 GiB, as 'Free memory on device (22.45/23.99 GiB)'; an
    RTX 4080's 16376 MiB / 1024 = 15.99, as its notes' '15.99 总量'. The run that prints none
    is planned through the rule: 16303 MiB = 17,094,934,528 B."""
    from bench.accuracy import _cluster
    from planner.serving.hardware import GPU_PRESETS, with_wsl2
    from planner.units import GIB

    runs = MEMORY_RUNS["runs"]
    wsl2 = [run for run in runs if run.get("wsl2")]
    assert [run["id"] for run in wsl2] == [run["id"] for run in runs
                                           if run["id"].startswith("unresolved-wsl-")]
    printed = {run["gpu"]: run["gpu_memory_total_gib"] for run in wsl2
               if run.get("gpu_memory_total_gib")}
    assert printed == {"rtx-4090": 23.99, "rtx-4080": 15.99}
    for key, smi in (("rtx-4090", "24564 MiB"), ("rtx-4080", "16376 MiB")):
        assert any(smi in line for run in wsl2 if run["gpu"] == key
                   for line in run["quoted_lines"])
        assert round(with_wsl2(GPU_PRESETS[key]).memory_total_bytes / GIB, 2) == printed[key]
    (ti,) = [run for run in wsl2 if not run.get("gpu_memory_total_gib")]
    assert "16303 MiB" in ti["quoted_lines"][0]
    gpu = _cluster(ti, ti["gpu"], 1).nodes[0].gpu
    assert gpu.memory_total_bytes == 17_094_934_528 and gpu.wsl2


def test_every_speed_run_quotes_a_measured_figure_and_names_its_source() -> None:
    for run in SPEED_RUNS["runs"]:
        assert run["url"] or run.get("find_string_id"), run["id"]
        assert run["quote"] and run["version_basis"], run["id"]
        figures = {"ttft_ms", "tpot_ms", "output_tok_s_single_stream"}
        assert figures & set(run["measured"]), run["id"]
        assert all(isinstance(flag, str) for flag in run["plan_flags"]), run["id"]


@needs_shared
def test_public_memory_runs_plan_and_readme_quotes_the_count() -> None:
    from bench.public_memory import markdown, other_gpus_line, run_all, v2_warm_line

    result = run_all()
    assert all(row["status"] in ("ok", "startup_error") for row in result["runs"])
    # a run's header names the version planned (the Gemma-4 H200 log prints 0.20.2, the
    # faradawn one 0.11.2, dennislee's 0.10.1.1: Headroom's 0.10.1), its row the release group
    text = markdown(result)
    for run_id, header, group in (
            ("clinician-copilot-h200-gemma4-26b-a4b-it-32k", "h200, NVLink datacenter, vLLM "
             "0.20.2", "0.20.0"),
            ("faradawn-h200-llama3-8b-1k", "h200, NVLink datacenter, vLLM 0.11.2", "0.11.0"),
            ("dennislee-a100-80g-qwen2-7b-u050", "a100-80gb-pcie, PCIe, vLLM 0.10.1", "0.10.1")):
        assert f"\n- {run_id} ({header}): " in text
        assert next(r for r in result["runs"] if r["id"] == run_id)["version"] == group
    other = result["kv_within_other_gpus"]
    row = _readme_row(f"{other['cases']} public start-ups on GPUs other than the H100")
    assert f"{other['within']} of {other['cases']} within 5 % or 0.5 GiB" in row
    # the row counts the misses; Accuracy lists them one by one
    misses = other["cases"] - other["within"]
    assert f"the {misses} misses: " in row
    assert f"The {misses} misses: " in _readme_section("## Accuracy")
    # Known limits (docs/known-limits.md, Model Runner V2) quotes the line after it verbatim
    # (V2's warm-restart pool as the plan): the same runs, only the V2 start-ups' planned
    # pools swapped
    warm = result["kv_within_other_gpus_v2_warm_restart"]
    assert f"\n{v2_warm_line(result)}\n" in (ROOT / "docs" / "known-limits.md").read_text()
    kept = [case for case in warm["detail"] if case["id"] not in warm["v2_warm_ids"]]
    assert kept == [case for case in other["detail"] if case["id"] not in warm["v2_warm_ids"]]
    assert warm["cases"] == other["cases"] and warm["v2_warm_ids"]
    # the MAPE figures the headline row, the Benchmarks row and docs/accuracy-memory.md quote:
    # over every run, and over the runs on GPUs other than the H100 (issue 11's population,
    # the runs kv_within_other_gpus counts), alone and by GPU class, a line the bench prints
    from bench.accuracy import splits, summarise

    runs = result["runs"]
    others = [r for r in runs if r["gpu"] != "h100-sxm"]
    assert {r["id"] for r in others} >= {case["id"] for case in other["detail"]}
    assert result["figures_other_gpus"] == summarise(others)
    assert result["splits_other_gpus"] == splits(others, {"gpu_class": "gpu_class"})
    printed = other_gpus_line(result)
    assert f"\n{printed}\n" in text
    kv = result["figures_other_gpus"]["available_kv"]
    by_class = {key: group["available_kv"]
                for key, group in result["splits_other_gpus"]["gpu_class"].items()}
    assert set(by_class) == {"PCIe", "NVLink datacenter", "unified memory"}
    assert printed == (f"Available KV MAPE on GPUs other than the H100: {kv['mape_pct']:.2f} % "
                       f"over {kv['cases']} runs (" + "; ".join(
                           f"{key} {by_class[key]['mape_pct']:.2f} %, {by_class[key]['cases']} "
                           "runs" for key in sorted(by_class)) + ")")
    assert kv["cases"] == other["cases"]

    def mape(figures: dict, term: str) -> str:
        return f"{figures[term]['mape_pct']:.2f} %"

    kv_n = result["figures"]["available_kv"]["cases"]
    assert (f"available-KV mean error {mape(result['figures'], 'available_kv')} over the {kv_n} "
            f"that log it ({kv['mape_pct']:.2f} % over the {kv['cases']})") in row
    bench = _readme_row("`python bench/public_memory.py`")
    pcie, nvlink, unified = (by_class[key] for key in ("PCIe", "NVLink datacenter",
                                                       "unified memory"))
    classes = (f"PCIe {pcie['mape_pct']:.2f} %, {pcie['cases']} runs; NVLink "
               f"{nvlink['mape_pct']:.2f} %, {nvlink['cases']}; unified memory "
               f"{unified['mape_pct']:.2f} %, {unified['cases']}")
    assert (f"available KV MAPE {mape(result['figures'], 'available_kv')} ({kv_n} runs); on GPUs "
            f"other than the H100 {kv['mape_pct']:.2f} %, {other['within']} of {other['cases']} "
            f"within 5 % or 0.5 GiB ({classes}); KV tokens {mape(result['figures'], 'kv_tokens')}"
            f" ({result['figures']['kv_tokens']['cases']} runs), concurrency "
            f"{mape(result['figures'], 'max_concurrency')} "
            f"({result['figures']['max_concurrency']['cases']})") in bench
    assert (f"MAPE {kv['mape_pct']:.2f} %: PCIe {pcie['mape_pct']:.2f} % ({pcie['cases']}), NVLink "
            f"{nvlink['mape_pct']:.2f} % ({nvlink['cases']}), unified memory "
            f"{unified['mape_pct']:.2f} % ({unified['cases']})") in _doc("accuracy-memory.md")


@needs_shared
def test_readme_quotes_the_public_memory_misses_by_cause() -> None:
    """bench/public_memory.py prints the misses on GPUs other than the H100 by first cause
    (MISS_CAUSES: a Model Runner V2 start-up, then DGX Spark, then a stand-in config or
    format), each V2 start-up's logged pool less V2's rules; the headline row quotes the
    counts and how many V2 ones lie within 0.11 GiB of V2's rules. It said 5 V2 and 5
    stand-in: the RTX 5090's Qwen3-14B-AWQ and Qwen3-32B-AWQ on 0.28.0 start on V2 and are
    planned from the base configs as AWQ, V2 first; gpt-oss-20b abliterated on DGX Spark is
    a stand-in config too, DGX Spark first."""
    from bench.public_memory import markdown, misses_line, run_all

    result = run_all()
    causes = {m["id"]: m["cause"] for m in result["kv_misses_other_gpus"]}
    assert {causes[run_id] for run_id in ("unresolved-rtx5090-qwen3-14b-awq-u070-32k",
                                          "unresolved-rtx5090-qwen3-32b-awq-u070-8k")} == {
        "Model Runner V2"}
    assert causes["tw10519-gb10-gpt-oss-20b-abliterated-u025-8k-0.13.0-ngc"] == "DGX Spark"
    # the 2x RTX 3090 Qwen3.8-27B FP8 run is planned from the Qwen3.5-27B stand-in config
    assert causes["mitchross-pr1995-3090x2-qwen38-27b-fp8-tp2-131k"] == "stand-in config or format"
    # the club-3090 AutoRound MTP run left the misses on 2026-12-07 (piecewise-only graphs with
    # its draft on FlashInfer: 10.77 GiB planned against 11.05 logged, within 0.5 GiB)
    assert "club3090-i642-3090x2-qwen36-27b-autoround-tp2" not in causes
    printed = misses_line(result)
    assert f"\n{printed}\n" in markdown(result)
    line = re.fullmatch(r"The (\d+) available-KV misses on GPUs other than the H100, by first "
                        r"cause: (\d+) Model Runner V2 \(logged - V2's rules: ([^)]*) GiB\), "
                        r"(\d+) DGX Spark, (\d+) stand-in configs or formats, 0 other", printed)
    assert line, printed
    misses, v2, excess, spark, stand_in = line.groups()
    other = result["kv_within_other_gpus"]
    assert int(misses) == other["cases"] - other["within"] == len(causes)
    row = _readme_row(f"{other['cases']} public start-ups on GPUs other than the H100")
    quote = re.search(r"the (\d+) misses: (\d+) Model Runner V2 \((\d+) of them within "
                      r"([\d.]+) GiB of V2's own rules", row)
    assert quote.groups()[:2] == (misses, v2)
    near = [abs(float(d)) <= float(quote.group(4)) for d in excess.split(", ")]
    assert len(near) == int(v2) and sum(near) == int(quote.group(3))
    assert f"), {spark} DGX Spark, {stand_in} stand-in configs or formats |" in row


def test_a_run_is_planned_with_the_patch_release_its_log_prints() -> None:
    """vLLM prints "GPU KV cache size" as int(max concurrency x max_model_len) from the 0.20.1
    wheel on (_report_kv_cache_config): the 0.20.2 Gemma-4 start-up logs 984,297 tokens
    = 30.04x x 32,768, not num_blocks // groups x block size (its two page groups halve that)."""
    from bench.public_memory import plan_run, setup

    run = next(r for r in MEMORY_RUNS["runs"]
               if r["id"] == "clinician-copilot-h200-gemma4-26b-a4b-it-32k")
    assert (run["vllm_release"], setup(run).version) == ("0.20.0", "0.20.2")
    row, _ = plan_run(run)
    tokens = row["terms"]["kv_tokens"]
    assert tokens["logged"] == 984_297
    assert abs(tokens["planned"] / 984_297 - 1) < 0.001



def test_a_run_is_planned_on_the_link_its_source_names() -> None:
    """The g6.12xlarge's L4 pair (nvidia-smi topo NODE; AWS's g6 has no PCIe P2P,
    llm-d-incubation/llm-d-infra#181) runs NCCL through host memory and vLLM turns its
    custom all-reduce off without P2P: its non-torch memory is the 0.25 GiB CUDA context
    alone, where on the preset's P2P link NCCL's 4 x 9.19 MiB receive buffers (36.76 MiB,
    0.036 GiB) would come on top (vLLM 0.28 builds the custom all-reduce before its memory
    snapshot: vllm_versions.COMM_BEFORE_SNAPSHOT_FROM)."""
    from bench.public_memory import plan_run

    run = next(r for r in MEMORY_RUNS["runs"] if r["id"] == "unresolved-l4x2-qwen3-14b-awq-tp2")
    assert run["link"] == "cross-socket"
    on_source, _ = plan_run(run)
    on_preset, _ = plan_run({k: v for k, v in run.items() if k != "link"})
    assert on_source["terms"]["non_torch"]["planned"] == 0.25
    assert abs(on_preset["terms"]["non_torch"]["planned"] - (0.25 + 36.76 / 1024)) < 0.002
    speed = [r for r in SPEED_RUNS["runs"] if r["id"].startswith("2x-l4-")]
    assert len(speed) == 2
    assert all(r["link"] == "cross-socket" == r["plan_flags"][r["plan_flags"].index("--link") + 1]
               for r in speed)


def test_a_run_is_planned_on_the_cuda_total_its_log_prints() -> None:
    """The WSL2 RTX 4080's notes read vLLM's budget as '14.39 GiB = 15.99 total x 0.9': WSL2
    reports the whole 16,376 MiB (15.99 GiB) where the rtx-4080 preset holds native Linux's
    16,852,844,544 B (15.6955 GiB, the RTX 4080 SUPER's deviceQuery total). Planned on the
    printed total, as an audit's measured total is, the budget and so the available KV grow by
    (15.99 - 15.6955) x 0.9 = 0.265 GiB; every other term is the same. Through the WSL2 rule
    instead (`wsl2` alone: the whole 16,376 MiB = 15.992 GiB) the pool is within (15.992 -
    15.99) x 0.9 = 0.002 GiB of the printed total's."""
    from bench.public_memory import plan_run

    run = next(r for r in MEMORY_RUNS["runs"]
               if r["id"] == "unresolved-wsl-rtx4080-qwen2.5-7b-awq-u090-32k")
    assert run["gpu_memory_total_gib"] == 15.99 and run["wsl2"]
    printed, _ = plan_run(run)
    preset, _ = plan_run({k: v for k, v in run.items()
                          if k not in ("gpu_memory_total_gib", "wsl2")})
    rule, _ = plan_run({k: v for k, v in run.items() if k != "gpu_memory_total_gib"})
    kv = printed["terms"]["available_kv"]["planned"] - preset["terms"]["available_kv"]["planned"]
    assert abs(kv - 0.265) < 0.003
    assert printed["terms"]["weights"] == preset["terms"]["weights"]
    kv = rule["terms"]["available_kv"]["planned"] - printed["terms"]["available_kv"]["planned"]
    assert abs(kv - 0.002) < 0.001


@needs_shared
def test_the_stored_public_speed_result_is_what_the_bench_finds() -> None:
    """The report quotes bench/public_speed.py's summary from PUBLIC_SPEED_RESULTS (written by
    its --write): it must be what the runs give now, each GPU named as its preset is."""
    from bench.public_speed import evaluate, summary
    from planner.serving.hardware import GPU_PRESETS

    stored = json.loads((ROOT / PUBLIC_SPEED_RESULTS).read_text())
    assert stored["summary"] == summary(evaluate(SPEED_RUNS["runs"]))
    assert stored["gpu_names"] == {key: GPU_PRESETS[key].name for key in stored["summary"]["gpu"]}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", stored["date"])

@needs_shared
def test_public_speed_runs_plan_and_readme_quotes_the_medians() -> None:
    from bench.public_speed import evaluate, held_back, held_back_lines, stats

    rows = evaluate(SPEED_RUNS["runs"])
    assert [r["id"] for r in rows if r["error"]] == []
    s = stats(rows)
    row = _readme_row(f"{s['runs']} published runs on GPUs without calibration rows")
    assert f"TPOT median {s['tpot_median']} % (p90 {s['tpot_p90']} %) over the {s['tpot_n']}" in row
    assert f"TTFT median {s['ttft_median']} % (p90 {s['ttft_p90']} %) over the {s['ttft_n']}" in row
    bench = _readme_row("`python bench/public_speed.py`")
    assert (f"all runs: TPOT median {s['tpot_median']} %, p90 {s['tpot_p90']} %, {s['tpot_n']} "
            f"runs; TTFT median {s['ttft_median']} %, p90 {s['ttft_p90']} %, {s['ttft_n']} runs"
            ) in bench
    # the Accuracy > Speed table and the rest of the Benchmarks row's old cell (now in
    # docs/benchmarks-history.md, "public speed runs") are the first 35 runs', those before the
    # ten collected blind on 2026-12-01 (the runs file keeps them in order)
    first = [r for r in rows if r["id"] in {run["id"] for run in SPEED_RUNS["runs"][:35]}]
    f, one = stats(first), stats([r for r in first if r["interconnect"] == "1 GPU"])
    history = _history_section("public speed runs")
    assert (f"TPOT median {f['tpot_median']} % ({f['tpot_n']} runs; one GPU {one['tpot_median']}"
            f" %, {one['tpot_n']} runs;") in history
    assert (f"TTFT median {f['ttft_median']} %, p90 {f['ttft_p90']} % ({f['ttft_n']} runs; one "
            f"GPU {one['ttft_median']} %, {one['ttft_n']} runs;") in history
    # the held-back runs (the bench's HELD_BACK, by position): the 5 added after the clock
    # scaling was chosen on the first 30, the 10 collected blind on 2026-12-01, the 8 on
    # 2026-12-02, the 7 of the fourth collection (2026-12-02, the first blind check of
    # --arrival steady), the 23 before it and all 30 together: the headline row quotes the
    # 30's median, Accuracy > Speed each group's, as the bench prints them
    groups = held_back(rows)
    assert [(g["first"], g["last"]) for g in groups] == [
        (31, 35), (36, 45), (46, 53), (54, 60), (31, 53), (31, 60)]
    assert [g["runs"] for g in groups] == [5, 10, 8, 7, 23, 30]
    printed = held_back_lines(groups)
    for g in groups:
        assert any(line.startswith(f"runs {g['first']}-{g['last']}, {g['group']} ")
                   and f" {g['tpot_median']:.1f}% " in line for line in printed), g
    after, blind, third, fourth, before, both = groups
    assert stats(rows[30:]) == {k: both[k] for k in stats(rows[30:])}
    assert (f"TPOT median {both['tpot_median']} % over the {both['runs']} runs the clock "
            f"scaling was not chosen on") in row
    errors = " / ".join(f"{r['tpot_err_pct']:.1f}" for r in rows[30:35])
    assert (f"the 5 runs added after the scaling was chosen: {errors} %, median "
            f"{after['tpot_median']} %; the 10 collected blind on 2026-12-01: median "
            f"{blind['tpot_median']} % (TTFT {blind['ttft_median']} % over "
            f"{blind['ttft_n']}); the {third['runs']} collected blind on 2026-12-02: median "
            f"{third['tpot_median']} % (TTFT {third['ttft_median']} % over "
            f"{third['ttft_n']}); the {fourth['runs']} of the fourth collection: median "
            f"{fourth['tpot_median']} % (TTFT {fourth['ttft_median']} % over "
            f"{fourth['ttft_n']}); the {both['runs']} together: median "
            f"{both['tpot_median']} % (the {before['runs']} before the fourth: "
            f"{before['tpot_median']} %;") in _doc("accuracy-speed.md")
    table = (ROOT / "docs" / "accuracy-speed.md").read_text().splitlines()
    for label, figures in (("all", f), ("one GPU (TP=1)", one)):
        line = next(line for line in table if line.startswith(f"| {label} | "))
        assert line.startswith(f"| {label} | {figures['tpot_n']} | {figures['tpot_median']} % ("
                               ), line
        assert f"| {figures['ttft_n']} | {figures['ttft_median']} % (" in line, line



@needs_shared
def test_fourth_collection_quotes_steady_against_staggered() -> None:
    """The fourth blind collection (runs 54-60) is the first blind check of --arrival steady:
    every run is planned steady, as its arrival_note chose from the source before planning, and
    the bench plans it again staggered (the default: the same as the flag removed) and burst
    (arrival_check). docs/accuracy-speed.md quotes its TTFT median in each mode, the
    --arrival help (README or docs/cli.md) steady's median, how many TTFTs it plans under the
    published ones and staggered's median, as the bench prints them; the comparison is data,
    the runs keep their mode."""
    from bench.public_speed import arrival_check, arrival_lines, evaluate, stats

    fourth = SPEED_RUNS["runs"][53:]
    assert len(fourth) == 7
    assert all(r["plan_flags"][-2:] == ["--arrival", "steady"]
               and r["arrival_note"].startswith("steady:") for r in fourth)
    check = arrival_check(SPEED_RUNS["runs"])
    steady, staggered, burst = check["steady"], check["staggered"], check["burst"]
    as_planned = evaluate(fourth)
    assert steady == stats(as_planned) | {"ttft_under": sum(
        r["model_ttft_ms"] < r["ttft_ms"] for r in as_planned)}
    assert {k: staggered[k] for k in stats([])} == stats(
        evaluate([{**r, "plan_flags": r["plan_flags"][:-2]} for r in fourth]))
    printed = arrival_lines(check)
    assert printed[0].startswith("--arrival steady check: runs 54-60 ")
    for mode, s in check.items():
        assert any(line.startswith(f"{mode} ") and f" {s['ttft_median']:.1f}% " in line
                   and line.endswith(f" {s['ttft_under']} of {s['ttft_n']}")
                   for line in printed), mode
    text = _doc("accuracy-speed.md")
    assert (f"The 7: TPOT median {steady['tpot_median']} % (p90 {steady['tpot_p90']} %); TTFT "
            f"median {steady['ttft_median']} % (p90 {steady['ttft_p90']} %) steady, "
            f"{staggered['ttft_median']} % (p90 {staggered['ttft_p90']} %) had they been "
            f"planned staggered") in text
    assert f"), {burst['ttft_median']} % burst (since the 2026-12-05 refit" in text
    assert (f"{steady['ttft_median']} %, {steady['ttft_under']} of {steady['ttft_n']} under, "
            f"against {staggered['ttft_median']} % now") in _all_docs()


def _accuracy_table_row(label: str) -> list[str]:
    """The Accuracy section's H100 table row whose first cell is `label`: its cells."""
    section = (ROOT / "README.md").read_text().split("\n## Accuracy\n", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith(f"| {label} |")]
    return [cell.strip() for cell in rows[0].strip("|").split("|")]


@pytest.mark.skipif(not (ROOT.parent / "shared" / "calibration").is_dir(),
                    reason="../shared/calibration is not beside the checkout")
def test_readme_quotes_the_h100_memory_accuracy_bench_prints() -> None:
    """The headline row, the Accuracy section's H100 table and its non-H100 count quote
    bench/accuracy.py as it plans the calibration start-ups today (about 1 s)."""
    from bench.accuracy import run

    result = run()
    figures = result["figures"]
    row = _readme_row(f"{figures['available_kv']['cases']} H100 start-ups")
    assert (f"{figures['available_kv']['mape_pct']:.2f} % mean error; concurrency "
            f"{figures['max_concurrency']['mape_pct']:.2f} %") in row
    for label, key in (("weights per GPU", "weights"), ("available KV memory", "available_kv"),
                       ("KV cache tokens", "kv_tokens"), ("max concurrency", "max_concurrency"),
                       ("max concurrency, given the logged pool",
                        "max_concurrency_given_pool")):
        cells = _accuracy_table_row(label)
        assert cells[1] == f"{figures[key]['mape_pct']:.2f} %", label
        assert cells[2].startswith(f"{figures[key]['worst_pct']:.2f} %"), label
    other = result["kv_target_non_h100"]
    assert f"**not met: {other['within']} of the {other['cases']}**" in (
        ROOT / "README.md").read_text()
    assert f"| {other['within']} of {other['cases']} within 5 % or 0.5 GiB" in _readme_row(
        f"calibration start-ups on other GPUs that print it ({other['cases']})")


def test_readme_quotes_the_stored_speed_accuracy_result() -> None:
    """bench/speed_accuracy.py takes longer than a test should (about 5-20 s): the README's
    held-out figures are checked against the result it stores (`--write`), which
    tests/planner/serving/test_speed_seed.py's coefficients tie to the fit."""
    stored = json.loads((ROOT / SPEED_RESULTS).read_text())
    held = stored["held_out"]["all"]
    row = _readme_row(f"{held['rows']} held-out")
    assert (f"median {held['tpot_median']} % / {held['ttft_median']} % "
            f"(p90 {held['tpot_p90']} % / {held['ttft_p90']} %)") in row
    section = (ROOT / "README.md").read_text().split("\n### Speed\n", 1)[1]
    assert (f"| all held-out | {held['rows']} | {held['tpot_median']} % | {held['tpot_p90']} % | "
            f"{held['ttft_median']} % | {held['ttft_p90']} % |") in section
    met = sum(check["met"] for check in stored["public_checks"])
    assert f"| {met} of {len(stored['public_checks'])} within range" in _readme_row(
        f"{len(stored['public_checks'])} published consumer")


def test_speed_bench_counts_rows_within_target_and_signed_medians() -> None:
    """within_targets counts the rows whose absolute error is at most the target (10.0 % TPOT
    counts, 10.5 does not; a row planned nan counts for neither); signed_medians takes each
    group's median of predicted / measured - 1, nan left out: TPOT -10 / +10.5 / -3 -> -3,
    TTFT +20 / -25 -> -2.5; the two rows at an EP size below TP +10.5 / -3 -> +3.75 (TTFT
    -25 alone), the two H100 rows -10 / +10.5 -> +0.25 (TTFT +20 alone)."""
    import pandas as pd

    from bench.speed_accuracy import signed_medians, within_targets

    nan = float("nan")
    frame = pd.DataFrame({"gpu": ["h100", "h100", "b200"], "backend": ["vllm"] * 3,
                          "family": ["x"] * 3, "ep_below_tp": [False, True, True],
                          "tpot_signed": [-10.0, 10.5, -3.0], "ttft_signed": [20.0, nan, -25.0]})
    frame["tpot"], frame["ttft"] = frame.tpot_signed.abs(), frame.ttft_signed.abs()
    assert within_targets(frame) == {"rows": 3, "tpot_within_10_pct": 2,
                                     "ttft_within_20_pct": 1}
    signed = signed_medians(frame)
    assert signed["all"] == {"rows": 3, "tpot_median": -3.0, "ttft_median": -2.5}
    assert signed["ep_below_tp"] == {"rows": 2, "tpot_median": 3.75, "ttft_median": -25.0}
    assert signed["gpu"]["h100"] == {"rows": 2, "tpot_median": 0.25, "ttft_median": 20.0}


def test_speed_docs_quote_the_stored_rows_within_target_and_ep_signed_error() -> None:
    """bench/speed_accuracy.py prints (target_lines; stored by --write) the held-out rows
    within each target and the median signed errors by group. The README's Accuracy > Speed
    quotes the current counts in its newest paragraph, the first after the held-out table
    (older paragraphs keep the counts of their day: 183 -> 182 was the 2026-12-05 refit's,
    before the EP-size-2 rows moved one more out), and the six held-out rows at an EP size
    below TP's signed TPOT median, in its newest paragraph that gives it (older ones keep
    theirs: -25.8 -> -27.3 % was the EP-size-2 planning's); docs/accuracy-speed.md the same
    unrounded and the counts in "Where it falls short"."""
    from bench.speed_accuracy import target_lines

    stored = json.loads((ROOT / SPEED_RESULTS).read_text())
    printed = target_lines(stored)
    within = re.fullmatch(r"Held-out rows within the targets: TPOT (\d+) of (\d+) within 10 %, "
                          r"TTFT (\d+) of \2 within 20 %", printed[0])
    assert within, printed[0]
    tpot, rows, ttft = within.groups()
    assert int(rows) == stored["held_out"]["all"]["rows"]
    ep_rows, ep_tpot, _ = next(line for line in printed
                               if line.startswith("EP size below TP ")).split()[-3:]
    assert ep_rows == "6"
    section = " ".join((ROOT / "README.md").read_text().split("\n### Speed\n", 1)[1].split())
    assert re.search(r"\d+ -> (\d+) rows within 10 %", section).group(1) == tpot
    assert re.search(r"(\d+) rows within 20 %", section).group(1) == ttft
    assert re.search(r"\(the six held out: median signed error -[\d.]+ -> (-[\d.]+) %\)",
                     section).group(1) == f"{float(ep_tpot[:-1]):.1f}"
    doc = _doc("accuracy-speed.md")
    assert re.search(r"/ -[\d.]+ -> (-[\d.]+) %; the six fitted", doc).group(1) == ep_tpot[:-1]
    assert f"{tpot} of {rows} held-out rows within 10 %" in doc
    assert f"{ttft} of {rows} held-out rows within 20 %" in doc


def test_readme_held_out_table_rows_are_the_stored_speed_accuracy_groups() -> None:
    """Every row of Accuracy > Speed's held-out table is the stored bench result's group
    (bench/speed_accuracy.py --write): the Kimi-K2.5 row said TPOT p90 14.9 % after 68f636a's
    replicated vision weights moved the bench to 14.4 % (only the all-row was checked)."""
    stored = json.loads((ROOT / SPEED_RESULTS).read_text())["held_out"]
    labels = {"H100 SXM": ("gpu", "h100_sxm"), "H200 SXM": ("gpu", "h200_sxm"),
              "B200 SXM": ("gpu", "b200_sxm"), "B300 SXM": ("gpu", "b300_sxm"),
              "vLLM": ("backend", "vllm"), "SGLang": ("backend", "sglang"),
              "Llama-3.1 (dense)": ("family", "llama-3.1"), "MiniMax-M2.5": ("family", "minimax"),
              "gpt-oss-120b": ("family", "gpt-oss"), "DeepSeek-V3/R1": ("family", "deepseek-v3"),
              "Kimi-K2.5": ("family", "kimi-k2"), "Qwen3-235B-A22B": ("family", "qwen3-moe"),
              "GLM-5": ("family", "glm-5"), "Qwen3.5-397B-A17B": ("family", "qwen3.5-moe")}
    section = (ROOT / "README.md").read_text().split("\n### Speed\n", 1)[1]
    table = section.split("| group | rows | TPOT median |", 1)[1].split("\n\n", 1)[0]
    rows = {cells[0]: cells[1:] for line in table.splitlines()[2:]
            for cells in [[c.strip() for c in line.strip("|").split("|")]]}
    assert set(rows) == {"all held-out", *labels}
    for label, (kind, key) in labels.items():
        group = stored[kind][key]
        assert rows[label] == [str(group["rows"]), f"{group['tpot_median']} %",
                               f"{group['tpot_p90']} %", f"{group['ttft_median']} %",
                               f"{group['ttft_p90']} %"], label
    assert set(stored["gpu"]) | set(stored["backend"]) | set(stored["family"]) == {
        key for _, key in labels.values()}


@needs_shared
def test_known_limits_quotes_each_v2_start_up_s_pools_as_the_bench_plans_them() -> None:
    """Known limits lists the Model Runner V2 start-ups' warm-restart pool against the logged
    one ("V2 / logged") and, for the later runs, V1's plan too ("V2 / V1 / logged"), as
    bench/public_memory.py plans them (unrounded, then to two decimals: the bench's own rows
    keep three). It said the RTX PRO 6000 TP=2 pair 8.82 / 8.22, the WSL2 RTX 4080 8.72, the
    2x L4 pair 15.11 / 14.05 / 14.38 and one L4's bf16 4.16 / 3.04 / 3.14 where the bench
    plans 8.84, 8.71, 15.16 / 14.10 (on the cross-socket link its source names) and 4.15;
    from 2026-12-04 with the model runner's buffers off the 0.27+ pools (8.20, 15.00 / 13.94,
    4.00: planner.serving.runner_buffers)."""
    from bench.public_memory import PUBLIC_FIGURES, RUNS, case_spec, plan, request, setup
    from planner.units import GIB

    runs = {run["id"]: run for run in json.loads(RUNS.read_text())["runs"]}

    def pools(run_id: str) -> tuple[float, float, float]:
        run = runs[run_id]
        s = setup(run)
        spec = case_spec(s.repo_id)
        if run.get("max_position_embeddings"):  # as bench/public_memory.py plan_run
            spec = spec.model_copy(update={"max_position_embeddings":
                                           run["max_position_embeddings"]})
        result = plan(request(run, spec, s))
        return (result.v2_warm_restart_available_kv_bytes / GIB,
                PUBLIC_FIGURES["available_kv"][1](result),
                run["figures"]["available_kv_cache_gib"])

    text = " ".join((ROOT / "docs" / "known-limits.md").read_text().split(
        "\n### Model Runner V2\n", 1)[1].split("\n### ", 1)[0].split())
    pairs = {"the RunPod cold start {}": "unresolved-rtx4090-qwen3-8b-v2-cold-compile",
             "L40S Qwen3-14B {}": "unresolved-l40s-qwen3-14b-default",
             "the RTX PRO 6000 TP=2 {}": "unresolved-rtxpro6000x2-qwen3-32b-tp2-u0426",
             "PP=2 {}": "unresolved-rtxpro6000x2-qwen3-32b-pp2-u0426",
             "TP=1 {}": "unresolved-rtxpro6000-qwen3-32b-tp1-u0426-refused",
             "Qwen3-8B-AWQ at 0.90 {}": "unresolved-wsl-rtx4090-qwen3-8b-awq-u090-4k",
             "re-accepted on 2026-12-02 {}": "unresolved-wsl-rtx4080-qwen2.5-7b-awq-u090-32k",
             "DGX Spark {} stays": "unresolved-dgx-spark-qwen3-0.6b-u060",
             "Qwen3-8B {} and": "unresolved-wsl-rtx4090-qwen3-8b-u090-4k",
             "and {}, Qwen3-8B-AWQ": "unresolved-wsl-rtx4090-qwen3-8b-u085-4k",
             "0.85 {}, each within": "unresolved-wsl-rtx4090-qwen3-8b-awq-u085-4k"}
    for template, run_id in pairs.items():
        v2, _, logged = pools(run_id)
        assert template.format(f"{v2:.2f} / {logged:.2f}") in text, run_id
    triples = {"on 0.31 is within either way ({})":
               "unresolved-a100-80gb-llama31-8b-defaults-0.31.0",
               "Qwen3-32B-AWQ on 0.28 moves in ({})": "unresolved-rtx5090-qwen3-32b-awq-u070-8k",
               "Qwen3-14B-AWQ stays out ({})": "unresolved-rtx5090-qwen3-14b-awq-u070-32k",
               "at TP=2 is within either way too ({})": "unresolved-l4x2-qwen3-14b-awq-tp2",
               "on 0.27.1 ({},": "unresolved-l4-qwen3-8b-bf16-8k-0.27.1",
               ", {}). So a V2": "unresolved-l4-qwen3-8b-fp8-8k-0.27.1"}
    for template, run_id in triples.items():
        v2, v1, logged = pools(run_id)
        assert template.format(f"{v2:.2f} / {v1:.2f} / {logged:.2f}") in text, run_id


@needs_shared
def test_v2_pools_table_is_quoted_and_the_cold_start_s_excess_is_its_logged_peaks() -> None:
    """bench/public_memory.py's Model Runner V2 table (v2_pools): every V2 start-up that logs
    its pool, with logged - V2's rules, and docs/accuracy-memory.md quotes it verbatim. The
    RunPod RTX 4090 pair (0.27.1) logs its profile peak cold and warm, every other term the
    same (its README): 1.18 - 0.19 = 0.99 GiB, so V2's rules, which size the warm start, must
    sit that far above the cold start's logged 4.92 GiB, to the two decimals the log prints."""
    from bench.public_memory import run_all, v2_pool_lines

    result = run_all()
    rows = {r["id"]: r for r in result["v2_pools"]}
    logged = {case["id"] for case in result["kv_within"]["detail"]}
    warm_ids = set(result["kv_within_other_gpus_v2_warm_restart"]["v2_warm_ids"])
    assert warm_ids <= set(rows) <= logged
    for r in rows.values():
        assert r["logged_minus_v2_warm"] == round(r["logged"] - r["v2_warm"], 2)
    cold = rows["unresolved-rtx4090-qwen3-8b-v2-cold-compile"]
    assert cold["logged"] == 4.92
    assert abs(-cold["logged_minus_v2_warm"] - (1.18 - 0.19)) <= 0.02
    doc = (ROOT / "docs" / "accuracy-memory.md").read_text()
    assert "\n".join(v2_pool_lines(result)) in doc


def test_where_it_falls_short_quotes_the_stored_held_out_medians() -> None:
    """docs/accuracy-speed.md's "Where it falls short" list opens on the held-out TPOT and TTFT
    medians and names B200's TTFT; it said "TTFT is 16.3 % median" and "B200 (20 %)" while the
    stored result (and the table above it) read 16.2 % and 19.2 %."""
    held = json.loads((ROOT / SPEED_RESULTS).read_text())["held_out"]
    text = _doc("accuracy-speed.md")
    assert f"- TPOT is {held['all']['tpot_median']} % median" in text
    assert f"- TTFT is {held['all']['ttft_median']} % median" in text
    assert f"B200 ({held['gpu']['b200_sxm']['ttft_median']} %, just within)" in text
    # the TTFT groups above the target: it said GLM-5 20.6 % while the stored result read 27.4
    fam = held["family"]
    assert (f"SGLang {held['backend']['sglang']['ttft_median']} %, Qwen3.5-397B-A17B "
            f"{fam['qwen3.5-moe']['ttft_median']} %, GLM-5 {fam['glm-5']['ttft_median']} %, "
            f"DeepSeek-V3 {fam['deepseek-v3']['ttft_median']} %; p90 "
            f"{held['all']['ttft_p90']} %") in text


@needs_shared
def test_tp_over_pcie_paragraph_quotes_the_runs_as_planned() -> None:
    """docs/accuracy-speed.md's TP-over-PCIe paragraph quotes the 2x RTX 5090 and 4x RTX 3090 runs
    as bench/public_speed.py plans them (at the x8 slot their sources state); it kept TTFTs
    from before the 2026-12-02 request-overhead refit (517 / 5,779 ms with P2P, 710 / 7,453
    without, INT4 712 / 7,755, 25-token TTFTs 32-33 ms) and the 3090 run's TPOT from before
    the tied lm_head read (12.09 ms, 7.0 % under; the table above said 0.6 %)."""
    from bench.public_speed import evaluate

    wanted = {"2x5090-qwen36-a3b-nvfp4-p2p-10k", "2x5090-qwen36-a3b-nvfp4-p2p-87k",
              "2x5090-qwen36-a3b-nvfp4-nop2p-10k", "2x5090-qwen36-a3b-nvfp4-nop2p-87k",
              "2x5090-qwen36-a3b-int4ar-nop2p-10k", "2x5090-qwen36-a3b-int4ar-nop2p-87k",
              "2x5090-qwen36-a3b-nvfp4-nop2p-dec", "2x5090-qwen36-a3b-nvfp4-p2p-dec",
              "2x5090-qwen36-a3b-int4ar-nop2p-dec", "4x-rtx3090-gemma4-31b-awq-tp4-pcie",
              "rtx5090-qwen3-4b-bf16-qps1"}
    rows = {r["id"]: r for r in evaluate([r for r in SPEED_RUNS["runs"] if r["id"] in wanted])}
    assert set(rows) == wanted
    text = _doc("accuracy-speed.md")

    def ttft(run_id: str) -> str:
        return f"{rows[run_id]['model_ttft_ms']:,.0f}"

    def err(run_id: str, key: str = "ttft") -> str:
        return f"{rows[run_id][f'{key}_err_pct']:.0f}"

    p2p, off, int4 = ("2x5090-qwen36-a3b-nvfp4-p2p", "2x5090-qwen36-a3b-nvfp4-nop2p",
                      "2x5090-qwen36-a3b-int4ar-nop2p")
    assert (f"the all-reduce doubles: TTFT {ttft(p2p + '-10k')} ms ({err(p2p + '-10k')} % under)"
            f" and {ttft(p2p + '-87k')} ms ({err(p2p + '-87k')} % under)") in text
    assert (f"The P2P-off TTFTs are over, {ttft(off + '-10k')} ms against 698 "
            f"(+{err(off + '-10k')} %) at 10K and {ttft(off + '-87k')} against 5,680 "
            f"(+{err(off + '-87k')} %) at 87K") in text
    assert (f"is over by {err(int4 + '-10k')} % and {err(int4 + '-87k')} % ({ttft(int4 + '-10k')}"
            f" ms against 457, {ttft(int4 + '-87k')} against 5,704;") in text
    short = sorted(rows[f"{p}-dec"]["model_ttft_ms"] for p in (p2p, off, int4))
    assert f"25-token TTFTs are under ({short[0]:.0f}-{short[-1]:.0f} ms against 42-57)" in text
    decode = ", ".join(f"{rows[f'{p}-dec']['model_tpot_ms']:.2f}" for p in (off, p2p))
    assert f"the plan is 11-21 % over: {decode} and {rows[int4 + '-dec']['model_tpot_ms']:.2f} ms" \
        in text
    rig = rows["4x-rtx3090-gemma4-31b-awq-tp4-pcie"]
    assert (f"is {rig['tpot_err_pct']:.1f} % under ({rig['model_tpot_ms']:.2f} ms against "
            f"{rig['tpot_ms']:.1f};") in text
    qwen = rows["rtx5090-qwen3-4b-bf16-qps1"]
    assert (f"({qwen['model_ttft_ms']:.1f} planned against {qwen['ttft_ms']:.1f})") in text


@needs_shared
def test_speed_bench_plans_each_row_at_the_client_s_concurrency() -> None:
    """bench/speed_accuracy.py planned an attention-DP row at its batch_size, which
    AIConfigurator records per DP rank: the MiniMax-M2.5 TP=2 x DP=2 + EP rows ran twice the
    clients they were planned at. Every row that records silicon_concurrency (2,262 of 2,265)
    is planned at it: batch_size x attention_dp_size (e.g. 128 x 2 = 256, 64 x 4 = 256)."""
    import pandas as pd

    from bench.speed_accuracy import DATA, concurrency

    raw = pd.read_csv(DATA)
    raw = raw.assign(attention_dp_size=raw.attention_dp_size.fillna(1))
    recorded = raw.silicon_data_source.str.extract(r"silicon_concurrency=(\d+)")[0]
    rows = raw[recorded.notna()]
    assert len(rows) == 2262
    assert sorted(set(rows.attention_dp_size)) == [1, 2, 4]
    assert [concurrency(row) for row in rows.itertuples()] == [
        int(c) for c in recorded.dropna()]


@needs_shared
def test_speed_bench_rows_table_has_each_row_s_figures_and_kv_wait() -> None:
    """bench/speed_accuracy.py --rows writes one line per planned row, for reading what a
    tail is made of: MiniMax-M2.5 NVFP4 on B200, vLLM 0.19.0, TP=2 x DP=2 + EP, 8,192 in +
    1,024 out, batch_size 64 / 128 / 256 per DP rank (the CSV's
    minimaxm2_5_b200_vllm_fp4_agg_8192x1024_c128/c256/c512_cfg706: TTFT 882.2 / 13,476.9 /
    70,308.9 ms, TPOT 33.97 / 49.63 / 49.76 ms) is planned at 128 / 256 / 512 clients; the
    KV wait (not in ttft_ms) is 0 while the clients fit the KV-limited concurrency K and
    Little's law's (C / K - 1) x (TTFT + 1,024 x TPOT) above it."""
    from bench.speed_accuracy import FITTED, load_rows, prepare, row_table

    data, dropped = load_rows()
    data = data[(data.model_path == "MiniMaxAI/MiniMax-M2.5") & (data.system == "b200_sxm")
                & (data.tp_size == 2) & (data.attention_dp_size == 2) & (data.isl == 8192)
                & (data.gemm_quant_mode == "nvfp4")]
    table = row_table(prepare(data, dropped), FITTED)
    assert list(table.concurrency) == [128, 256, 512]
    assert list(table.measured_ttft_ms.round(1)) == [882.2, 13476.9, 70308.9]
    assert list(table.measured_tpot_ms.round(2)) == [33.97, 49.63, 49.76]
    for line in table.itertuples():
        clients, slots = line.concurrency, line.kv_limited_concurrency
        wait = max(0.0, clients / slots - 1) * (line.ttft_ms + 1024 * line.tpot_ms)
        assert line.kv_wait_ms == pytest.approx(wait)
        assert line.ttft_error_pct == pytest.approx(
            (line.ttft_ms / line.measured_ttft_ms - 1) * 100)
    assert table.kv_wait_ms.iloc[0] == 0 < table.kv_wait_ms.iloc[1] < table.kv_wait_ms.iloc[2]


@needs_shared
def test_speed_bench_split_keys_on_the_model_identity() -> None:
    """The CSV lists one measurement under both deepseek-ai/DeepSeek-V3 and -R1 (the same
    config.json): dsr1_b200_sglang_fp4_agg_1024x1024_c4_cfg88 (V3) and
    2026_04_06_deepseek_r1_b200_sxm_sglang_fp4_agg_1024x1024_c4_tp4_ep1_38 (R1), SGLang NVFP4
    on 4 B200s, 1,024 + 1,024 tokens, 4 requests, both TTFT 387.9 ms and TPOT 9.089 ms,
    measured 2025-11-10. Keyed on the name, the V3 sweep was fitted and the R1 sweep held out.
    The split now keys on the model the bench plans (V3 is R1, the FP8 Llama-3.1-8B is
    Llama-3.1-8B-Instruct) and keeps such a measurement once; the copies are counted: every
    V3 configuration that R1 also lists with the same figures (counted here from the CSV)."""
    import pandas as pd

    from bench.speed_accuracy import DATA, MODELS, identity, load_rows

    assert identity("deepseek-ai/DeepSeek-V3") == "deepseek-ai/DeepSeek-R1"
    assert identity("nvidia/Llama-3.1-8B-Instruct-FP8") == "meta-llama/Llama-3.1-8B-Instruct"
    assert {n for n in MODELS if identity(n) != n} == {
        "deepseek-ai/DeepSeek-V3", "nvidia/Llama-3.1-8B-Instruct-FP8"}

    raw = pd.read_csv(DATA).set_index("id")
    v3 = raw.loc["dsr1_b200_sglang_fp4_agg_1024x1024_c4_cfg88"]
    r1 = raw.loc["2026_04_06_deepseek_r1_b200_sxm_sglang_fp4_agg_1024x1024_c4_tp4_ep1_38"]
    assert (v3.model_path, r1.model_path) == ("deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-R1")
    assert v3.silicon_ttft_ms == r1.silicon_ttft_ms and v3.silicon_tpot_ms == r1.silicon_tpot_ms

    data, dropped = load_rows()
    assert "deepseek-ai/DeepSeek-V3" not in set(data.model_path)
    same = data[(data.model_path == "deepseek-ai/DeepSeek-R1") & (data.system == "b200_sxm")
                & (data.backend == "sglang") & (data.backend_version == "unknown")
                & (data.gemm_quant_mode == "nvfp4") & (data.isl == 1024) & (data.osl == 1024)
                & (data.tp_size == 4) & (data.moe_ep_size == 1) & (data.batch_size == 4)]
    assert len(same) == 1 and round(float(same.silicon_tpot_ms.iloc[0]), 3) == 9.089

    # R1's rows whose configuration, load, TTFT and TPOT a V3 row (listed first) also has
    key = ["system", "backend", "backend_version", "precision", "gemm_quant_mode",
           "moe_quant_mode", "isl", "osl", "tp_size", "attention_dp_size", "moe_ep_size",
           "batch_size", "silicon_ttft_ms", "silicon_tpot_ms"]
    raw = raw.fillna({"backend_version": "unknown", "attention_dp_size": 1,
                      "gemm_quant_mode": "", "moe_quant_mode": ""}).round(
        {"silicon_ttft_ms": 2, "silicon_tpot_ms": 3})
    r1 = raw[raw.model_path == "deepseek-ai/DeepSeek-R1"]
    v3 = raw[raw.model_path == "deepseek-ai/DeepSeek-V3"].drop_duplicates(key)
    copies = len(r1.merge(v3[key], on=key))
    assert dropped["same measurement listed under the model's other name (DeepSeek-V3 / -R1)"] \
        == copies == 133



@pytest.mark.parametrize(("family", "key", "lift", "figures"), [
    # the lift's range, then (fit without the family's rows vs on all 37) at each row, in the
    # H100 set's order
    ("gemma-3", ("gemma3", "siglip_vision_model"), "0.060-0.089 GiB less",
     ["12b 3.712 vs 3.788", "27b 3.788 vs 3.848", "gemma-3-4b-it 3.648 vs 3.737"]),
    ("granite-visi", ("llava_next", "siglip_vision_model"), "0.0003 GiB less",
     ["0.7622 vs 0.7625"]),
    ("kimi-vl", ("kimi_vl", "moonvit"), "0.021-0.022 GiB less",
     ["TP=1 2.849 vs 2.870", "TP=2 2.799 vs 2.821"])])
def test_encoder_covers_fit_lift_is_the_refit_without_their_rows(
        family: str, key: tuple, lift: str, figures: list[str]) -> None:
    """encoder_cover.MEASURED's fit_lift: the activation fit's least squares over the 37 H100
    start-ups that print their peak, with and without the family's rows (which hold the
    encoder profile), read at those rows."""
    import numpy as np

    from bench.accuracy import activation_rows
    from planner.serving.encoder_cover import MEASURED

    ids, rows, ys = activation_rows()
    x, y = np.array(rows), np.array(ys)
    own = np.array([family in i.lower() for i in ids])
    every = np.linalg.lstsq(x, y, rcond=None)[0]
    others = np.linalg.lstsq(x[~own], y[~own], rcond=None)[0]
    digits = 4 if family == "granite-visi" else 3
    found = [f"{row @ others:.{digits}f} vs {row @ every:.{digits}f}" for row in x[own]]
    assert len(y) == 37 and all(q.endswith(f) for q, f in zip(figures, found, strict=True)), found
    gains = sorted(f"{g:.{digits}f}" for g in x[own] @ (every - others))
    assert lift == f"{'-'.join(dict.fromkeys([gains[0], gains[-1]]))} GiB less", gains
    assert lift in MEASURED[key].fit_lift and all(q in MEASURED[key].fit_lift for q in figures)
