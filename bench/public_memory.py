"""Headroom against public vLLM V1 start-ups: CHECKING ONLY, never fitted.

`bench/public_memory_runs.json` holds start-up logs found in public issues, repositories and
pages (each run quotes its log lines verbatim, with its source), on GPUs other than the H100
SXM or on vLLM releases other than 0.19, none of them in ../shared/calibration. Nothing in
planner/ is fitted to them: every run is planned from its config and settings alone, through
the same path as bench/accuracy.py's other-GPU set (its `request`, `compare`, `summarise`,
`splits`, `kv_target` and Markdown pieces), and compared with what vLLM printed. Errors per
run, per logged figure, split by GPU class (NVLink datacenter / PCIe) and by vLLM release, and
the share of runs whose available KV is within 5 % or 0.5 GiB (issue 11's rule), over every
run and over those on GPUs other than the H100, whose available-KV MAPE is printed again alone
and by GPU class (the README's headline row quotes it). Runs with ids `unresolved-*` were found in a
code-search index that names no repository: their `source` gives the heading or title to find
them by (and the index's file id), not a URL. A run whose checkpoint is quantized offline in a
format no shared config holds (AutoRound int4) names it in `target_quant` and is planned from
the base model's config in that format (the CLI's --target-quant); one started with
--moe-backend names it in `moe_backend` and is planned with it. A second share takes each
Model Runner V2 start-up's available KV from the pool V2's own rules size on a restart with a
warm torch.compile cache (Plan.v2_warm_restart_available_kv_bytes, planner.serving.runner_v2)
where the plan has one, and the planned figure (the V1 runner's terms) elsewhere; a table lists
each V2 start-up that logs its pool with both and what the log holds beyond V2's rules
(v2_pools). The misses on GPUs other than the H100 are counted by first cause (MISS_CAUSES:
kv_misses, misses_line).

    python bench/public_memory.py [--json]
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.accuracy import (  # noqa: E402
    FIGURES,
    Setup,
    case_lines,
    case_spec,
    compare,
    default_utilization_note,
    gpu_class,
    kv_target,
    mape_table,
    request,
    split_lines,
    splits,
    summarise,
)
from planner.serving.plan import plan  # noqa: E402
from planner.serving.vllm_versions import vllm_rules  # noqa: E402
from planner.units import GIB  # noqa: E402

RUNS = Path(__file__).resolve().with_name("public_memory_runs.json")
OTHER_THAN = "h100-sxm"
"""Issue 11's population is the runs on GPUs other than this one (kv_target's default)."""
PUBLIC_FIGURES = {key: FIGURES[key] for key in
                  ("weights", "activation", "non_torch", "available_kv", "kv_tokens",
                   "max_concurrency")}
PUBLIC_FIGURES["cuda_graphs"] = (("graph_capture_took_gib", "cuda_graph_estimated_gib"),
                                 FIGURES["cuda_graphs"][1])
"""The logged figures compared: "Model loading took", the profile's activation and non-torch
terms where printed, "Available KV cache memory", "GPU KV cache size", "Maximum concurrency"
and the CUDA graphs ("Graph capturing finished ... took", else vLLM's estimate)."""


def setup(run: dict) -> Setup:
    """The config, GPU preset and vLLM release a run is planned with, and what it assumes.
    The run is planned with the version its log prints (a patch release can carry a rule:
    TOKENS_FROM_CONCURRENCY_FROM is 0.20.1) and grouped by `vllm_release` in the splits."""
    source = run["source"]
    notes = [f"source: {source.get('url') or 'find_string id ' + source['find_string_id']}"]
    if run["stand_in"]:
        notes.append(f"stand-in config: {run['stand_in']}")
    notes.append(f"GPU: {run['gpu_reason']}")
    label = vllm_rules(run["vllm_release"]).label
    version = vllm_rules(run["vllm_version"]).label if run["vllm_version"] else label
    if run["vllm_version"] != run["vllm_release"]:
        notes.append(f"vLLM {run['vllm_version'] or 'not printed'}: {run['version_reason']}")
    if run["gpu_memory_utilization"] is None:
        notes.append(default_utilization_note(label, "not set"))
    engine: list[tuple[str, object]] = []
    if run["enforce_eager"]:
        engine.append(("enforce_eager", True))
    if run["num_speculative_tokens"]:
        engine.append(("num_speculative_tokens", run["num_speculative_tokens"]))
    if run.get("flashinfer_sampler"):  # the log prints "Using FlashInfer for top-p & top-k"
        engine.append(("flashinfer_sampler", True))
        notes.append("FlashInfer's sampler on (the log's line): no logits sort before vLLM 0.17")
    if run.get("target_quant"):  # an offline-quantized checkpoint planned from its base config
        engine.append(("target_quant", run["target_quant"]))
    if run.get("moe_backend"):  # the start-up's --moe-backend (planner.serving.moe_backend)
        engine.append(("moe_backend", run["moe_backend"]))
    if run["notes"]:
        notes.append(run["notes"])
    return Setup(run["config"], run["gpu"], version, label, tuple(notes), tuple(engine))


def plan_run(run: dict) -> tuple[dict, float | None]:
    """One run planned and compared figure by figure (None where the log prints none), and
    the KV pool (GiB) Model Runner V2 sizes on a warm restart (None off V2 or where V2's rules
    are not read: Plan.v2_warm_restart_available_kv_bytes)."""
    s = setup(run)
    spec = case_spec(s.repo_id)
    if run.get("max_position_embeddings"):  # the start-up accepted this length (stand_in)
        spec = spec.model_copy(update={"max_position_embeddings": run["max_position_embeddings"]})
    row = compare(run, s, spec, PUBLIC_FIGURES)
    row["gpu_class"] = gpu_class(run, s.gpu)
    warm = plan(request(run, spec, s)).v2_warm_restart_available_kv_bytes
    return row, None if warm is None else round(warm / GIB, 3)


def with_v2_warm(row: dict, warm_gib: float | None) -> dict:
    """The row with its planned available KV taken from V2's warm-restart pool where the plan
    has one (a copy; the row itself is unchanged)."""
    if warm_gib is None or "available_kv" not in row["terms"]:
        return row
    kv = row["terms"]["available_kv"] | {"planned": warm_gib}
    return row | {"terms": row["terms"] | {"available_kv": kv}}


def run_all() -> dict:
    """Every run planned; figures overall, by GPU class and by vLLM release, and the share of
    runs whose planned available KV is within 5 % or 0.5 GiB of the logged one: over every run,
    and over the runs on GPUs other than the H100 (issue 11's population), then there again
    with V2's warm-restart pool as the planned figure where a plan has one (`v2_warm_ids`: the
    runs counted that take it); the figures over those runs alone, and by GPU class."""
    planned = [plan_run(r) for r in json.loads(RUNS.read_text())["runs"]]
    rows = [row for row, _ in planned]
    warm = kv_target([with_v2_warm(row, gib) for row, gib in planned])
    warm_ids = {row["id"] for row, gib in planned if gib is not None}
    warm["v2_warm_ids"] = [case["id"] for case in warm["detail"] if case["id"] in warm_ids]
    others = [row for row in rows if row["gpu"] != OTHER_THAN]
    share = kv_target(rows)
    return {"figures": summarise(rows),
            "splits": splits(rows, {"gpu_class": "gpu_class", "vllm_release": "version"}),
            "figures_other_gpus": summarise(others),
            "splits_other_gpus": splits(others, {"gpu_class": "gpu_class"}),
            "kv_within": kv_target(rows, skip_gpu=None),
            "kv_within_other_gpus": share,
            "kv_within_other_gpus_v2_warm_restart": warm, "v2_pools": v2_pools(planned),
            "kv_misses_other_gpus": kv_misses(planned, share),
            "runs": rows}


MISS_CAUSES = ("Model Runner V2", "DGX Spark", "stand-in config or format", "other")
"""A miss's cause, the first that applies: a Model Runner V2 start-up (the plan has V2's
warm-restart pool; Headroom's figure is V1's terms), a run on DGX Spark (unified memory), a
run planned from a stand-in config or format (`stand_in`), else other."""


def kv_misses(planned: list[tuple[dict, float | None]], share: dict) -> list[dict]:
    """The runs on GPUs other than the H100 whose available KV is not within issue 11's rule
    (`share`: kv_target's), each with its cause (MISS_CAUSES) and, on a V2 start-up, the
    logged pool less V2's own rules' (GiB, as v2_pools)."""
    runs = {run["id"]: run for run in json.loads(RUNS.read_text())["runs"]}
    gib = {row["id"]: warm for row, warm in planned}
    out = []
    for case in share["detail"]:
        if case["within"]:
            continue
        run, warm = runs[case["id"]], gib[case["id"]]
        cause = ("Model Runner V2" if warm is not None else
                 "DGX Spark" if run["gpu"].startswith("dgx-spark") else
                 "stand-in config or format" if run["stand_in"] else "other")
        out.append({"id": case["id"], "cause": cause, "logged_minus_v2_warm":
                    None if warm is None else round(case["logged"] - warm, 2)})
    return out


def misses_line(result: dict) -> str:
    """The misses on GPUs other than the H100 by cause, each V2 start-up's logged pool less
    V2's rules (the README's headline row quotes it)."""
    misses = result["kv_misses_other_gpus"]
    v2 = sorted((m["logged_minus_v2_warm"] for m in misses if m["cause"] == MISS_CAUSES[0]),
                reverse=True)
    counts = {cause: sum(m["cause"] == cause for m in misses) for cause in MISS_CAUSES}
    return (f"The {len(misses)} available-KV misses on GPUs other than the H100, by first "
            f"cause: {counts[MISS_CAUSES[0]]} Model Runner V2 (logged - V2's rules: "
            + ", ".join(f"{d:+.2f}" for d in v2) + f" GiB), {counts['DGX Spark']} DGX Spark, "
            f"{counts['stand-in config or format']} stand-in configs or formats, "
            f"{counts['other']} other")


def v2_pools(planned: list[tuple[dict, float | None]]) -> list[dict]:
    """Each Model Runner V2 start-up that logs its pool, with the plan's (V1's terms) and V2's
    own rules' (a warm torch.compile cache) pools and what the log holds beyond V2's rules
    (logged - V2's, GiB), largest first: near 0 on a warm cache, about -1 GiB where
    torch.compile ran cold inside the profile window (docs/accuracy-memory.md)."""
    out = [{"id": row["id"], "version": row["version"], "logged": kv["logged"],
            "planned": kv["planned"], "v2_warm": gib,
            "logged_minus_v2_warm": round(kv["logged"] - gib, 2)}
           for row, gib in planned
           if gib is not None and (kv := row["terms"].get("available_kv"))
           and kv["logged"] is not None]
    return sorted(out, key=lambda r: -r["logged_minus_v2_warm"])


def v2_pool_lines(result: dict) -> list[str]:
    """The V2 start-ups' pools as a table (v2_pools; docs/accuracy-memory.md quotes it)."""
    return ["Model Runner V2 start-ups that log their pool (GiB): the plan (V1's terms) and V2's "
            "own rules (a warm torch.compile cache)", "",
            "| run | rules | logged | plan | V2's rules | logged - V2's |",
            "|---|---|---|---|---|---|",
            *(f"| {r['id']} | {r['version']} | {r['logged']:.2f} | {r['planned']:.2f} | "
              f"{r['v2_warm']:.2f} | {r['logged_minus_v2_warm']:+.2f} |"
              for r in result["v2_pools"])]


def other_gpus_line(result: dict) -> str:
    """The available-KV MAPE over the runs on GPUs other than the H100, and by GPU class (the
    README's headline and Benchmarks rows and docs/accuracy-memory.md quote it)."""
    kv = result["figures_other_gpus"]["available_kv"]
    classes = "; ".join(f"{name} {group['available_kv']['mape_pct']:.2f} %, "
                        f"{group['available_kv']['cases']} runs"
                        for name, group in result["splits_other_gpus"]["gpu_class"].items()
                        if "available_kv" in group)
    return (f"Available KV MAPE on GPUs other than the H100: {kv['mape_pct']:.2f} % over "
            f"{kv['cases']} runs ({classes})")


def v2_warm_line(result: dict) -> str:
    """The available-KV share on GPUs other than the H100 with V2's warm-restart pool as the
    plan on the V2 start-ups that have one (docs/known-limits.md quotes it)."""
    warm = result["kv_within_other_gpus_v2_warm_restart"]
    return (f"Available KV {warm['rule']} with Model Runner V2's warm-restart pool as the plan "
            f"(v2_warm_restart_available_kv_bytes, on {len(warm['v2_warm_ids'])} V2 start-ups; "
            f"V1's terms on the rest): on GPUs other than the H100: {warm['within']} of "
            f"{warm['cases']}")


def markdown(result: dict) -> str:
    """The overall table, the splits, the available-KV share and every run figure by figure,
    each headed by the version it was planned with (a printed patch release, e.g. 0.20.2,
    where its rows and splits say the release group, 0.20.0)."""
    share, other = result["kv_within"], result["kv_within_other_gpus"]
    planned = {run["id"]: setup(run).version for run in json.loads(RUNS.read_text())["runs"]}
    return "\n".join([
        f"## Public vLLM start-ups ({len(result['runs'])} runs; checking only, never fitted)",
        "", *mape_table(result["figures"]), "", *split_lines(result["splits"]),
        f"Available KV {share['rule']}: {share['within']} of {share['cases']} runs; "
        f"on GPUs other than the H100: {other['within']} of {other['cases']}",
        other_gpus_line(result), misses_line(result), v2_warm_line(result), "",
        *v2_pool_lines(result), "",
        "## Run by run (logged / planned; - = not printed by the log)", "",
        *case_lines(result["runs"], planned)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    result = run_all()
    print(json.dumps(result, indent=1) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
