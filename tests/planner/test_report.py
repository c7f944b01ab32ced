"""planner.report: structure, Markdown tables, numbers, JSON schema and CSV of one report."""

import csv
import io
import json
import shlex
import tomllib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from pydantic import ValidationError

import planner
from planner.catalog import catalog_spec
from planner.model.checkpoint import CheckpointMetadata, ModelSource
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.report import (
    AuditSummary,
    ComparisonRow,
    Fact,
    FindingRow,
    GpuRow,
    ReportInputs,
    _ceiling,
    accuracy_figures,
    attention_pattern,
    build_report,
    comparison_caveats,
    comparison_row,
    fits_cell,
    model_card,
    public_speed_accuracy,
    render_markdown,
    speed_accuracy,
    sweep_caveats,
    sweep_cells,
    sweep_concurrency,
    sweep_speed_cells,
)
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec, NodeSpec, gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import Plan, PlanRequest, plan, verdict_unmodelled
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.sweep import CSV_COLUMNS, SweepRow, quant_settings, sweep
from planner.text import md_escape
from tests.cli.tiny_model import (
    TINY_CONFIG,
    TINY_KV_BYTES_PER_TOKEN,
    TINY_KV_BYTES_PER_TOKEN_TP2,
)

SECTIONS = ["Executive summary", "Platform", "Model facts", "Memory plan",
            "Performance expectations", "Alternatives", "Launch", "Assumptions and limits"]

SPEC = parse_model_config(TINY_CONFIG, name="tiny/llama")
CLUSTER = preset_cluster("rtx-3090", 2)
PLAN = plan(PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                        engine=EngineSettings(max_model_len=4096)))
CARD = model_card(SPEC, None)
AUDIT = AuditSummary(
    hostname="rig",
    taken_at="2026-01-01T00:00:00+00:00",
    gpus=(GpuRow(index=0, name="NVIDIA GeForce RTX 3090", memory_total_bytes=24 << 30,
                 memory_used_bytes=0, pcie_link="Gen4 x16", power_limit_watts=350.0,
                 temperature_c=40, ecc="—", nvlinks_active=0),),
    driver_version="570.172.08",
    cuda_version="12.8",
    cuda_toolkit_version=None,
    topology=(("", "GPU0", "GPU1"), ("GPU0", "X", "PIX"), ("GPU1", "PIX", "X")),
    topology_legend=(Fact(label="PIX", value="at most a single PCIe bridge"),),
    host=(Fact(label="RAM", value="64.00 GiB"),),
    serving_stack=(Fact(label="vllm", value="0.10.1"),),
    findings=(FindingRow(code="no_nvlink", severity="warning", title="No NVLink",
                         evidence="2 GPUs, PCIe | only", advice="keep TP small"),),
)


def inputs(**overrides) -> ReportInputs:
    values = dict(date="2026-01-02", headroom_version="9.9.9", model=SPEC, card=CARD,
                  cluster_source=CLUSTER.source, plan=PLAN,
                  sweep=sweep(SPEC, CLUSTER, EngineSettings(max_model_len=4096)),
                  comparison=(comparison_row(PLAN),), audits=(AUDIT,))
    values.update(overrides)
    return ReportInputs(**values)


def tables(markdown: str) -> list[list[list[str]]]:
    """Every table as rows of cell texts, parsed by markdown-it with the table extension."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    out, row = [], None
    for tok in tokens:
        if tok.type == "table_open":
            out.append([])
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and row is not None:
            row.append(tok.content)
        elif tok.type == "tr_close":
            out[-1].append(row)
            row = None
    return out


def test_every_section_in_order_with_the_injected_date() -> None:
    md = build_report(inputs()).markdown
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert headings == SECTIONS
    assert "- Date: 2026-01-02" in md and "Headroom version: 9.9.9" in md


def test_tables_parse_and_are_rectangular() -> None:
    parsed = tables(build_report(inputs()).markdown)
    # platform: GPUs, topology, host, stack, findings; model: facts, fields; plan: ranks'
    # places, their memory; alternatives: sweep, comparison; assumptions: estimated terms
    assert len(parsed) == 12
    for table in parsed:
        assert len({len(row) for row in table}) == 1, table[0]
    findings = next(t for t in parsed if t[0][0] == "Severity")
    assert findings[1][2] == "2 GPUs, PCIe | only"  # the pipe stayed inside its cell


def _launch_block(markdown: str) -> str:
    """The text of the Launch section's first shell block."""
    return markdown.split("## Launch\n\n```bash\n", 1)[1].split("\n```", 1)[0]


def test_the_memory_plan_is_two_tables_where_and_what() -> None:
    # one table of 15 columns scrolled sideways at 1280 px in the app: where each rank runs
    # with its budget, then what the budget holds (vLLM 0.34.0: Model Runner V2's buffers),
    # each rank a row in both; 8 columns at most each
    ranks = [t for t in tables(build_report(inputs()).markdown) if t[0][0] == "Rank"]
    assert [t[0] for t in ranks] == [
        ["Rank", "Node", "GPU", "PP stage", "Layers", "Total", "Budget", "Used by others"],
        ["Rank", "Weights", "Activation", "Non-torch", "Runner buffers", "CUDA graphs",
         "KV cache", "Blocks"]]
    assert [[row[0] for row in t[1:]] for t in ranks] == [["0", "1"], ["0", "1"]]  # TP=2
    # the RTX 3090's 23.57 GiB and its budget x 0.92, 21.68 GiB, beside each rank's place
    assert ranks[0][1][4:7] == ["0-3", "23.57 GiB", "21.68 GiB"]


def test_numbers_are_the_plans() -> None:
    md = build_report(inputs()).markdown
    ranks = next(t for t in tables(md) if t[0][0] == "Rank")
    assert len(ranks) == 1 + 2  # header + one row per GPU of TP=2
    assert f"total = {TINY_KV_BYTES_PER_TOKEN:,} B per token" in md
    assert f"per GPU = {TINY_KV_BYTES_PER_TOKEN_TP2:,} B per token" in md
    assert f"KV cache tokens: {PLAN.kv_cache_tokens:,}" in md
    assert shlex.split(_launch_block(md).replace(" \\\n", " ")) == shlex.split(PLAN.vllm_command)
    assert "4x full" in md  # attention pattern of the 4 layers


def test_without_audit_or_sweep_the_platform_says_so() -> None:
    md = build_report(inputs(audits=(), sweep=None, comparison=())).markdown
    assert "No hardware audit was attached" in md
    assert "## Alternatives" not in md


def test_the_gpus_of_nodes_of_several_models_are_each_named_with_their_totals() -> None:
    # 2x RTX 3090, 2x RTX 4090, 2x RTX 3090 at TP=2 x PP=3: ranks fill the nodes in order,
    # one stage a node, so 2 + 2 = 4 3090s and 2 4090s; the presets' CUDA totals 23.57 GiB
    # (3090, nvidia-smi 24,576 MiB) and 23.64 GiB (4090, 24,564 MiB). Both lines named node
    # 0's model for all 6 ("6x NVIDIA GeForce RTX 3090, 23.57 GiB per GPU")
    nodes = tuple(NodeSpec(hostname=f"n{i}", gpu=gpu_preset(gpu), gpus_per_node=2,
                           intra_node_link="pcie")
                  for i, gpu in enumerate(("rtx-3090", "rtx-4090", "rtx-3090")))
    cluster = ClusterSpec(nodes=nodes, source="test")
    mixed = plan(PlanRequest(model=SPEC, cluster=cluster, layout=ParallelLayout(tp=2, pp=3),
                             engine=EngineSettings(max_model_len=4096)))
    bundle = build_report(inputs(plan=mixed, cluster_source="test", audits=(), sweep=None,
                                 comparison=()))
    gpus = "4x NVIDIA GeForce RTX 3090 + 2x NVIDIA GeForce RTX 4090"
    assert f"- Configuration: TP=2 x PP=3 on {gpus}, weights" in bundle.markdown
    assert (f"\n{gpus}, CUDA total per GPU 23.57 GiB (nodes 0, 2), 23.64 GiB (node 1) (test)."
            in bundle.markdown)
    assert json.loads(bundle.json_text)["plan"]["gpus_label"] == gpus
    # one model: one total, as before (2 x 23.57 GiB)
    assert "\n2x NVIDIA GeForce RTX 3090, 23.57 GiB per GPU as CUDA reports it (preset: " in (
        build_report(inputs()).markdown)


def test_json_is_versioned_and_carries_the_objects() -> None:
    doc = json.loads(build_report(inputs()).json_text)
    assert doc["schema"] == "headroom.report" and doc["version"] == 1
    assert doc["plan"]["kv_bytes_per_token"] == TINY_KV_BYTES_PER_TOKEN
    assert doc["audits"][0]["hostname"] == "rig"
    assert doc["date"] == "2026-01-02"


def test_csv_is_the_sweep() -> None:
    bundle = build_report(inputs())
    rows = list(csv.reader(io.StringIO(bundle.csv_text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) - 1 == len(inputs().sweep.rows)
    assert build_report(inputs(sweep=None)).csv_text.strip() == ",".join(CSV_COLUMNS)


def test_date_must_be_iso() -> None:
    with pytest.raises(ValidationError):
        inputs(date="yesterday")


def _spec_with_layer_types(kinds: list[str]) -> object:
    config = {**TINY_CONFIG, "num_hidden_layers": len(kinds), "sliding_window": 128,
              "layer_types": kinds}
    return parse_model_config(config, name="tiny/hybrid")


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["full_attention"] * 4, "4x full"),
        (["sliding_attention", "full_attention"] * 3,
         "3x sliding(128) / 3x full alternating"),
        (["sliding_attention"] * 3 + ["full_attention"] * 2,
         "3x sliding(128) / 2x full, in 2 runs"),
    ],
)
def test_attention_pattern(kinds: list[str], expected: str) -> None:
    assert attention_pattern(_spec_with_layer_types(kinds)) == expected


def test_accuracy_figures_fill_the_assumptions_section() -> None:
    document = {
        "date": "2026-01-02",
        "figures": {
            "activation": {"mape_pct": 4.1, "worst_pct": 26.4, "worst_case": "a", "cases": 35,
                           "llm_d_published": ""},
            "available_kv": {"mape_pct": 0.43, "worst_pct": 2.68, "worst_case": "b",
                             "cases": 37, "llm_d_published": "6.70 %"},
        },
    }
    figures = accuracy_figures(document)
    assert [f.term for f in figures] == ["activation", "available_kv"]
    assert figures[1].note == "worst 2.68 % (b); llm-d 6.70 %; measured 2026-01-02"
    markdown = render_markdown(inputs(accuracy=figures))
    limits = markdown.split("## Assumptions and limits")[1]
    assert "4.1 % MAPE over 35 start-ups" in limits  # the estimated-term table
    assert "| available KV memory | 0.43 % | 37 | worst 2.68 % (b); llm-d 6.70 %" in limits
    assert accuracy_figures({}) == ()


def test_assumptions_say_when_the_accuracy_file_is_absent_not_unmeasured() -> None:
    """Without the measured-error file (planner/accuracy_data/accuracy_results.json absent or
    unreadable: an installed package lacked it while it lived in bench/) every estimated term
    read "not measured", though 37-39 start-ups measure each; with the file, a term it lacks
    still is."""
    absent = render_markdown(inputs(accuracy=(), accuracy_read=True)).split(
        "## Assumptions and limits")[1]
    assert "not measured" not in absent
    assert absent.count(
        "| not available (planner/accuracy_data/accuracy_results.json absent) |") == 3
    figures = accuracy_figures({"date": "2026-01-02", "figures": {"activation": {
        "mape_pct": 4.1, "worst_pct": 26.4, "worst_case": "a", "cases": 35,
        "llm_d_published": ""}}})
    some = render_markdown(inputs(accuracy=figures)).split("## Assumptions and limits")[1]
    assert "4.1 % MAPE over 35 start-ups" in some and some.count("| not measured |") == 2


def test_model_card_counts_and_checks_parameters_itself() -> None:
    # tiny Llama by hand: embeddings and untied lm_head 2 x 32,000 x 512 = 32,768,000;
    # per layer q, o 512 x 512 + k, v 512 x 128 = 655,360, MLP 3 x 512 x 1,024 = 1,572,864,
    # two norms 1,024 -> 2,229,248 x 4 layers = 8,916,992; final norm 512 -> 41,685,504.
    stored = 41_685_504
    source = ModelSource(
        repo_id="tiny/llama", revision=None, commit_sha="a" * 40, origin="hub",
        config=TINY_CONFIG, hf_quant_config=None,
        checkpoint=CheckpointMetadata(params_by_dtype={"BF16": stored}, total_params=stored,
                                      tensor_bytes=2 * stored, safetensors_bytes=2 * stored),
    )
    card = model_card(SPEC, source)
    assert card.params_total == card.params_active == stored  # dense: all active
    assert card.param_check is not None and card.param_check.agrees
    assert card.checkpoint_format == "BF16"
    assert card.source == f"hub: tiny/llama @ {'a' * 40}"
    assert CARD.param_check is None  # no source, nothing to check against


def test_version_is_pyproject_version() -> None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    with pyproject.open("rb") as handle:
        assert planner.__version__ == tomllib.load(handle)["project"]["version"]
    assert ReportInputs.model_fields["headroom_version"].default == planner.__version__


def test_ceiling_is_shown_with_the_kv_limited_context_and_which_bound_binds() -> None:
    # 2x RTX 3090 hold far more KV than the tiny model's 8,192-token max_position_embeddings:
    # more than the ceiling search reaches (2 ** 24 tokens), written "16,777,216+"
    text = render_markdown(inputs())
    assert PLAN.kv_limited_context_tokens == 1 << 24
    assert ("- Context ceiling: 8,192 tokens (the model's max_model_len binds; the KV cache "
            "alone holds 16,777,216+ tokens for one request)") in text
    # a 1 MiB KV pool per GPU at 1,024 B per token per GPU, in vLLM 0.34.0's (the default's)
    # 64-token blocks: 1 MiB / (64 x 1,024 B) = 16 blocks, one of them vLLM's null block ->
    # 15 x 64 = 960 tokens, under the model's 8,192: the KV
    # cache binds (the ceiling is the longest --max-model-len that would start, not the 512 set)
    small = plan(PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                             engine=EngineSettings(max_model_len=512,
                                                   kv_cache_memory_bytes=1 << 20)))
    assert small.max_context_tokens == 960
    text = render_markdown(inputs(plan=small))
    assert f"- Context ceiling: {small.max_context_tokens:,} tokens (the KV cache binds)" in text


def test_kv_tokens_and_concurrency_under_dp_are_per_replica_and_summed() -> None:
    # TP=1 x DP=2: each replica holds its own pool, so the pool's tokens and concurrency are
    # one replica's, and the two replicas serve twice that
    replicas = plan(PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(dp=2),
                                engine=EngineSettings(max_model_len=4096)))
    each = replicas.kv_cache_tokens
    assert replicas.fits and replicas.max_concurrency == pytest.approx(each / 4096, rel=1e-3)
    text = render_markdown(inputs(plan=replicas))
    assert f"- KV cache tokens: {each:,} per replica\n" in text
    both = f"({2 * replicas.max_concurrency:,.2f} over 2 replicas)"
    assert (f"- Concurrency at max-model-len 4,096: {replicas.max_concurrency:,.2f} requests "
            f"per replica {both}") in text
    assert f"- Concurrency at 4,096 tokens: {replicas.max_concurrency:,.2f} per replica {both}" \
        in text
    one = render_markdown(inputs())  # PLAN: TP=2, one replica
    assert (f"- Concurrency at max-model-len 4,096: {PLAN.max_concurrency:,.2f} requests\n"
            in one)


def test_performance_expectations_show_the_figures_formulas_and_error() -> None:
    request = PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                          engine=EngineSettings(max_model_len=4096))
    speed = estimate_speed(request, ServingLoad(input_len=512, output_len=128, concurrency=4),
                           plan_result=PLAN)
    accuracy = speed_accuracy({
        "held_out": {"all": {"rows": 10, "tpot_median": 12.5, "tpot_p90": 40.0,
                             "ttft_median": 30.0, "ttft_p90": 90.0}},
        "split": "by hash", "measured_on": "H100 over NVLink", "date": "2026-01-03"})
    md = build_report(inputs(speed=speed, speed_accuracy=accuracy)).markdown
    section = md.split("## Performance expectations")[1].split("## ")[0]
    assert "At 512 input and 128 output tokens per request, 4 requests at once" in section
    assert f"| Time per output token (TPOT) | {speed.tpot_ms:,.1f} ms |" in section
    assert all(t.formula in section for t in speed.terms)
    # each term's inputs and its constants' sources below the formulas: on 2 RTX 3090s
    # without P2P, NCCL's measured 6 us start-up and 3 us per ring step (hardware/links.py's NOTE)
    assert all(f"- {md_escape(t.label)}: {md_escape(t.inputs_text)}" in section
               for t in speed.terms)
    assert "nccl_startup_us = 6, " in section and "latency_us_per_hop = 3, " in section
    assert "TPOT median 12.5 % (p90 40.0 %), TTFT median 30.0 %" in section
    assert "H100 over NVLink" in section
    # no estimate for a plan that fits at the default load: the GPU lacks a figure (it said
    # "the plan does not fit" whatever the reason)
    assert "No speed figures for this GPU (no bandwidth or TFLOP/s figure)." in \
        build_report(inputs(speed_estimated=True)).markdown.split("## Performance")[1]


def test_a_report_built_without_speed_or_accuracy_says_none_was_given() -> None:
    """The Python API: a ReportInputs built without its speed or measured errors (only the
    edge, cli/report_inputs.py, estimates the one and reads the others) said "No speed figures
    for this GPU (no bandwidth or TFLOP/s figure)" for a GPU that has both (PLAN: 2 RTX 3090s,
    936 GB/s), "accuracy_results.json absent" and "speed_accuracy_results.json absent", both
    in the package; it says none was given, and where to get them."""
    markdown = render_markdown(inputs())
    performance = markdown.split("## Performance expectations")[1].split("\n## ")[0]
    assert "No speed figures: none were given to the report (ReportInputs.speed, " \
        "planner.serving.speed.estimate_speed's)." in performance
    assert "for this GPU" not in performance
    limits = markdown.split("## Assumptions and limits")[1]
    assert "absent" not in markdown
    assert limits.count("| not given to the report (ReportInputs.accuracy, read from "
                        "planner/accuracy_data/accuracy_results.json) |") == 3
    speed = estimate_speed(PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                                       engine=EngineSettings(max_model_len=4096)),
                           plan_result=PLAN)
    given = render_markdown(inputs(speed=speed)).split("## Performance expectations")[1]
    assert "- Expected error: not given to the report (ReportInputs.speed_accuracy, read " \
        "from planner/accuracy_data/speed_accuracy_results.json)." in given
    absent = render_markdown(inputs(speed=speed, accuracy_read=True)).split(
        "## Performance expectations")[1]
    assert "- Expected error: not measured (planner/accuracy_data/speed_accuracy_results.json " \
        "absent)." in absent



def test_expected_error_quotes_the_published_runs_for_gpus_without_calibration_rows() -> None:
    """The report said the calibration GPUs' held-out error does not apply on GPUs without
    calibration rows, but not what error to expect there: it quotes bench/public_speed.py's
    stored summary, all its runs and those on the plan's GPU (PLAN: RTX 3090s), where a figure
    no run publishes says so. Figures made up, read back as given."""
    document = {
        "date": "2026-01-04", "gpu_names": {"rtx-3090": "NVIDIA GeForce RTX 3090",
                                            "l4": "NVIDIA L4"},
        "summary": {
            "all": {"runs": 60, "tpot_n": 51, "tpot_median": 10.6, "tpot_p90": 47.6,
                    "ttft_n": 39, "ttft_median": 23.4, "ttft_p90": 55.1},
            "gpu": {"rtx-3090": {"runs": 1, "tpot_n": 1, "tpot_median": 2.6, "tpot_p90": 2.6,
                                 "ttft_n": 0, "ttft_median": None, "ttft_p90": None},
                    "l4": {"runs": 4, "tpot_n": 4, "tpot_median": 9.5, "tpot_p90": 15.8,
                           "ttft_n": 4, "ttft_median": 10.1, "ttft_p90": 42.3}}}}
    public = public_speed_accuracy(document)
    held = speed_accuracy({
        "held_out": {"all": {"rows": 10, "tpot_median": 12.5, "tpot_p90": 40.0,
                             "ttft_median": 30.0, "ttft_p90": 90.0}},
        "split": "by hash", "measured_on": "H100 over NVLink", "date": "2026-01-03"})
    speed = estimate_speed(PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                                       engine=EngineSettings(max_model_len=4096)),
                           plan_result=PLAN)
    section = render_markdown(inputs(speed=speed, speed_accuracy=held,
                                      public_speed_accuracy=public)).split(
        "## Performance expectations")[1].split("\n## ")[0]
    assert ("On GPUs and links without calibration rows (consumer cards, PCIe) this error does "
            "not apply: on 60 published runs on such GPUs (bench/public_speed.py, checking only, "
            "never fitted; 2026-01-04): TPOT median 10.6 % (p90 47.6 %, 51 runs), TTFT median "
            "23.4 % (p90 55.1 %, 39 runs); on the NVIDIA GeForce RTX 3090 (1 run): TPOT error "
            "2.6 % (1 run), TTFT not published.") in section  # one run: no median nor p90
    assert "NVIDIA L4" not in section
    without = render_markdown(inputs(speed=speed, speed_accuracy=held)).split(
        "## Performance expectations")[1]
    assert "published runs on some of them are checked in bench/public_speed.py" in without

def test_alternatives_show_each_rows_speed_ranked_by_the_sweeps_objective() -> None:
    load = ServingLoad(input_len=512, output_len=128, concurrency=3)
    engine = EngineSettings(max_model_len=4096)
    ranked = sweep(SPEC, CLUSTER, engine, objective="throughput", load=load)
    md = render_markdown(inputs(sweep=ranked, load=load, sweep_top=100))
    table = next(t for t in tables(md) if t[0][1] == "Weights" and t[0][0] != "Rank")
    assert table[0][-4:] == ["TTFT ms", "TPOT ms", "Output tok/s", "At concurrency"]
    own = checkpoint_scheme(SPEC).key
    # tiny/llama is a BF16 checkpoint: vLLM makes FP8 from it at load (--quantization fp8);
    # GPTQ, AWQ and INT8 W8A8 need a converted checkpoint
    kind = {"bf16": "own", "fp8-tensor": "at load", "w4a16-gptq-g128": "what-if",
            "w4a16-awq-g128": "what-if", "w8a8-int8": "what-if"}
    throughput = []
    for cells, row in zip(table[1:], ranked.rows, strict=True):
        assert cells[1:5] == [row.quant_label, kind[row.quant_key], row.layout.label(),
                              row.kv_cache_dtype]
        if not row.fits:
            assert cells[-4:] == ["—"] * 4
            continue
        # the row's figures again, by the whole plan() and the speed model at the concurrency
        # the throughput search settled on (the sweep goes through its PlanSummary instead)
        request = PlanRequest(model=SPEC, cluster=CLUSTER, layout=row.layout,
                              engine=engine.model_copy(update={
                                  "kv_cache_dtype": row.kv_cache_dtype,
                                  **quant_settings(row.quant_key, own)}))
        est = estimate_speed(request, load.model_copy(
            update={"concurrency": int(cells[-1])}))
        assert cells[-4:-1] == [f"{est.ttft_ms:,.0f}", f"{est.tpot_ms:,.1f}",
                                f"{est.output_tokens_per_s:,.0f}"]
        throughput.append(est.output_tokens_per_s)
    # highest output tokens/s first: no TPOT target, so every fitting row meets it
    assert len(throughput) > 2 and throughput == sorted(throughput, reverse=True)
    assert "speed at 512 input / 128 output tokens, each row at the concurrency" in md
    assert "ranked by throughput" in md
    # no --tpot-ms: the order says so instead of naming a target there is none of
    assert "(fits first, then highest output tokens/s (no TPOT target), context ceiling)" in md
    assert "meeting the TPOT target" not in md
    best = ranked.rows[0]
    assert (f"- Best in the sweep (by throughput): {md_escape(best.quant_label)}" in md
            and f"{best.output_tokens_per_s:,.0f} output tokens/s at "
                f"{best.speed_concurrency} requests" in md)


def test_comparison_rows_carry_speed_at_the_load() -> None:
    load = ServingLoad(input_len=512, output_len=128, concurrency=4)
    request = PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                          engine=EngineSettings(max_model_len=4096))
    speed = estimate_speed(request, load, plan_result=PLAN)
    row = comparison_row(PLAN, speed)
    assert (row.ttft_ms, row.tpot_ms, row.output_tokens_per_s, row.speed_concurrency) == (
        speed.ttft_ms, speed.tpot_ms, speed.output_tokens_per_s, 4)
    assert comparison_row(PLAN).tpot_ms is None  # no speed given: none shown
    report = build_report(inputs(comparison=(row, comparison_row(PLAN)), load=load))
    table = next(t for t in tables(report.markdown) if t[0][0] == "Model")
    assert table[0][-4:] == ["TTFT ms", "TPOT ms", "Output tok/s", "At concurrency"]
    # the active count is ParamBreakdown.active, embedding table and lm_head in (the card's)
    assert table[0][2] == "Params (total / active, embeddings included)"
    assert table[1][-4:] == [f"{speed.ttft_ms:,.0f}", f"{speed.tpot_ms:,.1f}",
                             f"{speed.output_tokens_per_s:,.0f}", "4"]
    assert table[2][-4:] == ["—"] * 4
    assert "speed at 512 input / 128 output tokens, 4 requests in flight" in report.markdown
    compared = json.loads(report.json_text)["comparison"][0]
    for key in ("ttft_ms", "tpot_ms", "output_tokens_per_s",
                "output_tokens_per_s_per_request", "prefill_tokens_per_s"):
        assert compared[key] == getattr(speed, key)


def test_comparison_says_the_context_each_concurrency_is_at() -> None:
    # every compared model is at the plan's max_model_len (here 4,096), one planned lower at
    # its own maximum (auto_layout.compared_max_model_len) says so in its cell, and the title
    # names the length: 1.60 requests of 131,072 tokens and 4.48 of 40,960 are not comparable
    short = plan(PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                             engine=EngineSettings(max_model_len=1024)))
    same = comparison_row(PLAN, plan_len=4096)
    report = build_report(inputs(comparison=(comparison_row(PLAN), same,
                                             comparison_row(short, plan_len=4096))))
    table = next(t for t in tables(report.markdown) if t[0][0] == "Model")
    column = table[0].index("Concurrency at max_model_len (all replicas)")
    assert [row[column] for row in table[1:]] == [
        f"{PLAN.max_concurrency:,.2f} at 4,096", f"{PLAN.max_concurrency:,.2f} at 4,096",
        f"{short.max_concurrency:,.2f} at 1,024 (its maximum)"]
    assert "every model at the plan's max_model_len, 4,096, or at its own maximum" in (
        report.markdown)
    assert [r["max_model_len_capped"] for r in json.loads(report.json_text)["comparison"]] == [
        False, False, True]


def test_a_compared_model_under_dp_shows_all_replicas_beside_one() -> None:
    # DP=2 at TP=1 on 2 RTX 3090s: each replica is one GPU with its own KV pool, so one
    # replica holds what TP=1 on a single RTX 3090 holds, and the two hold twice that
    engine = EngineSettings(max_model_len=4096)
    one_gpu = plan(PlanRequest(model=SPEC, cluster=preset_cluster("rtx-3090", 1),
                               layout=ParallelLayout(tp=1), engine=engine))
    dp2 = comparison_row(plan(PlanRequest(model=SPEC, cluster=CLUSTER,
                                          layout=ParallelLayout(tp=1, dp=2), engine=engine)))
    one = one_gpu.max_concurrency
    assert one > 1 and (dp2.dp, dp2.max_concurrency) == (2, one)
    assert dp2.max_concurrency_all_replicas == 2 * one
    report = build_report(inputs(comparison=(comparison_row(PLAN), dp2)))
    table = next(t for t in tables(report.markdown) if t[0][0] == "Model")
    column = table[0].index("Concurrency at max_model_len (all replicas)")
    assert table[2][column] == f"{2 * one:,.2f} (2 x {one:,.2f}) at 4,096"
    assert table[1][column] == f"{PLAN.max_concurrency:,.2f} at 4,096"  # TP=2: one replica
    # JSON: the per-replica key as before, the layout's DP and the total added beside it
    compared = json.loads(report.json_text)["comparison"]
    assert [(c["dp"], c["max_concurrency"], c["max_concurrency_all_replicas"])
            for c in compared] == [(1, PLAN.max_concurrency, PLAN.max_concurrency),
                                   (2, one, 2 * one)]


def _release_line(md: str) -> str:
    return next(line for line in md.splitlines() if line.startswith("- vLLM release"))


def test_the_header_names_the_vllm_release_whose_rules_it_used() -> None:
    # planner.serving.vllm_versions.DEFAULT_VLLM_VERSION is 0.34.0 (the newest release read)
    assert _release_line(build_report(inputs()).markdown) == (
        "- vLLM release whose rules apply: 0.34.0 (the default)")
    for given, line in (("0.10.2", "0.10.2"), ("v0.12", "0.12.0"),
                        # no 0.19.1 fixture: its rules and flags are 0.19.0's
                        ("0.19.1", "0.19.1 (the rules and flags of 0.19.0)")):
        other = plan(PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                                 engine=EngineSettings(max_model_len=4096, vllm_version=given)))
        md = build_report(inputs(plan=other, sweep=None, comparison=())).markdown
        assert _release_line(md) == f"- vLLM release whose rules apply: {line}"
        assert json.loads(build_report(inputs(plan=other)).json_text
                          )["plan"]["engine"]["vllm_version"] == given


def test_the_kv_formula_sizes_a_checkpoints_fp8_kv_cache_as_the_plan_does() -> None:
    # nvidia/Qwen3.6-35B-A3B-NVFP4 with an FP8 kv_cache_scheme in config.json's
    # quantization_config (vLLM reads that one, not hf_quant_config.json's
    # kv_cache_quant_algo), which --kv-cache-dtype auto takes; config.json: full attention on
    # 10 of 40 layers, 2 KV heads of 256: 10 layers x 2 heads x (256 + 256) x 1 B = 10,240 B a
    # token (at 2 B: 20,480)
    from planner.catalog import catalog_entry
    from planner.model.config.parser import parse_model_config

    entry = catalog_entry("nvidia/Qwen3.6-35B-A3B-NVFP4")
    fp8_kv = {"dynamic": False, "num_bits": 8, "type": "float"}
    config = {**entry.config, "quantization_config": {
        **entry.config["quantization_config"], "kv_cache_scheme": fp8_kv}}
    spec = parse_model_config(config, entry.hf_quant_config, name=entry.repo_id)
    fp8 = plan(PlanRequest(model=spec, cluster=preset_cluster("rtx-5090", 1),
                           layout=ParallelLayout(tp=1),
                           engine=EngineSettings(max_model_len=16384)))
    text = render_markdown(inputs(model=spec, card=model_card(spec, None), plan=fp8, sweep=None,
                                  comparison=()))
    formula = "10 layers x [max(1, 2 // 1) KV heads x (256 + 256) dims x 1 B = 1,024 B] = 10,240 B"
    assert text.count(formula) == 2  # whole model and one GPU at TP=1
    assert "  total = 10,240 B per token" in text


def test_a_compared_model_fitting_on_unmodelled_figures_reads_yes_star() -> None:
    # DeepSeek-V4-Flash's CUDA graph memory is not modelled (its spec says so): its plan on 8
    # B200s fits as "Fits (unmodelled: DeepSeek-V4 CUDA graph memory)", which the comparison
    # table marks as the sweep's table does; the tiny model fits plainly
    from tests.planner.serving.test_speed import _spec

    spec = _spec("deepseek-ai/DeepSeek-V4-Flash")
    dsv4 = plan(PlanRequest(model=spec, cluster=preset_cluster("b200", 8),
                            layout=ParallelLayout(tp=8),
                            engine=EngineSettings(max_model_len=65536)))
    assert dsv4.fits and dsv4.verdict.startswith("Fits (unmodelled: DeepSeek-V4 CUDA graph")
    md = render_markdown(inputs(comparison=(comparison_row(PLAN), comparison_row(dsv4))))
    table = next(t for t in tables(md) if t[0][0] == "Model")
    fits = table[0].index("Fits")
    assert [row[fits] for row in table[1:]] == ["yes", "yes\\*"]  # "yes*", Markdown-escaped
    assert (f"- yes\\* ({dsv4.model_name}): fits on figures that leave out DeepSeek-V4 CUDA "
            "graph memory;") in md


def test_alternatives_name_the_rows_without_a_launch_command() -> None:
    # tiny/llama is a 16-bit checkpoint with no known quantized copy: its GPTQ, AWQ and INT8
    # W8A8 rows are what-ifs vLLM cannot load, while BF16 (its own) and FP8 (vLLM's runtime
    # --quantization fp8) have a command; the table alone does not say which is which
    report = inputs()
    md = build_report(report).markdown
    shown = report.sweep.rows[:report.sweep_top]
    named = {}
    for line in md.splitlines():
        if line.startswith("- no launch command for "):
            ranks, _, why = line.removeprefix("- no launch command for ").partition(": ")
            runs = [run.split("-") for run in ranks.replace("#", "").split(", ")]
            named[why.split(" checkpoint of ")[0]] = {
                rank for run in runs for rank in range(int(run[0]), int(run[-1]) + 1)}
    expected = {}
    for rank, row in enumerate(shown, 1):
        if row.quant_key in ("w4a16-gptq-g128", "w4a16-awq-g128", "w8a8-int8"):
            expected.setdefault(f"No {row.quant_label}", set()).add(rank)
        else:
            assert row.quant_key in ("bf16", "fp8-tensor") and row.vllm_command
    assert named == expected and len(expected) == 3


def test_memory_plan_gives_each_figure_its_formula() -> None:
    # the budget, KV pool, blocks, tokens and concurrency carried only a value (the plan has
    # their formulas); RTX 3090: 23.57 GiB as CUDA reports it x 0.92 = 21.68 GiB
    md = build_report(inputs()).markdown
    section = md.split("## Memory plan")[1].split("## Performance expectations")[0]
    block = section.split("```text")[-1].split("```")[0].strip().splitlines()
    labels = [line.split(": ")[0] for line in block]
    # (vLLM 0.34.0, the default: Model Runner V2's buffers come off the pool too)
    assert labels[:4] == ["Budget (total x utilization)", "Weights on the binding GPU",
                          "Model runner buffers", "KV cache pool per GPU"]
    assert {"KV blocks (smallest rank)", "KV cache tokens", "Longest request that fits"} <= set(
        labels)
    assert block[0].endswith("ceil(23.57 GiB x 0.92) = 21.68 GiB")
    # the pool is the budget less the five terms: the figures in its line add up
    pool = block[3].split(": ", 1)[1]
    figures = [float(part.split(" GiB")[0]) for part in pool.replace("=", "-").split(" - ")]
    assert len(figures) == 7
    assert figures[0] - sum(figures[1:6]) == pytest.approx(figures[6], abs=0.03)
    # the estimated terms keep their formulas in Assumptions and limits, not here too
    assert "Profile-run activation peak" not in labels
    # each figure's inputs below the formulas, the estimated terms' too: the tiny llama's 2 KV
    # heads at TP=2 (1 per GPU), its config.json head_dim 64: 4 layers x 1 x (64 + 64)
    # x 2 B; 64-token pages of 64 x 256 B = 16,384 B; and the activation fit's coefficients
    # (engine.activation.SAMPLER_COEF)
    inputs_list = section.split("Each memory figure's inputs")[1]
    assert ("- KV bytes per token per GPU: layers = 4, kv_heads = 2, tp = 2, "
            "kv_heads_per_gpu = 1, head_dim = 64, v_head_dim = 64, kv_dtype_bytes = 2, "
            "bytes_per_token_per_layer = 256\n" in inputs_list)
    assert ("- Bytes per block: block_size_tokens = 64, layers_per_group = 4, "
            "page_bytes = 16384\n" in inputs_list)
    assert "fitted_sampler_coef = 3.637" in inputs_list


def test_an_output_rate_for_all_requests_keeps_the_per_request_decimal() -> None:
    from planner.report import speed_cell

    # beside a per-request 20.9 tok/s, an aggregate of 20.6 must not read 21; nor 145.6
    # read 146 beside 145.7, nor 99.96 read "100.0" while 100.2 read "100"
    assert speed_cell(20.6) == "20.6"
    assert speed_cell(145.6) == "145.6"
    assert (speed_cell(99.96), speed_cell(100.2)) == ("100.0", "100.2")
    assert speed_cell(1234.44) == "1,234.4"


def test_a_prefix_goes_before_a_usd_figure_only() -> None:
    from planner.report import usd_per_million_cell

    # the Recommend page asks for "$" (prefix), the CLI's "$/M out tok" column for none:
    # 1,234.5 with two decimals and separators "1,234.50"; 1,108,333.33 >= USD_EXPONENT_FROM
    # (1e6) to three significant digits "1.11e+06"; no figure ("—") and a float's overflow
    # ("> 1.8e+308", sys.float_info.max = 1.797...e308 to 2 digits) take no "$"
    assert usd_per_million_cell(1234.5) == "1,234.50"
    assert usd_per_million_cell(1234.5, prefix="$") == "$1,234.50"
    assert usd_per_million_cell(1_108_333.33, prefix="$") == "$1.11e+06"
    assert usd_per_million_cell(None, prefix="$") == "—"
    assert usd_per_million_cell(float("inf"), prefix="$") == "> 1.8e+308"


def test_sweep_concurrency_cell_is_all_replicas_with_one_replicas_beside_it() -> None:
    # 4.54 requests in each of 2 replicas: 2 x 4.54 = 9.08 together (what the sweep ranks by);
    # one replica: its own figure alone
    dp2 = SweepRow.model_construct(layout=ParallelLayout(tp=4, dp=2), max_concurrency=4.54)
    one = SweepRow.model_construct(layout=ParallelLayout(pp=8), max_concurrency=7.04)
    assert (sweep_concurrency(dp2), sweep_concurrency(one)) == ("9.08 (2 x 4.54)", "7.04")


def test_a_budget_short_of_the_rest_says_so_as_plans_text_does() -> None:
    """Utilization 0.04 of an RTX 3090's 25,308,094,792 B: budget ceil(1,012,323,791.68) =
    1,012,323,792 B, below weights 42,738,688 + activation 121,114,984 + non-torch 268,435,456
    + CUDA graphs 757,491,268 + Model Runner V2's buffers (vLLM 0.34.0, 256 sequences, vocab
    32,000: 256 x 32,000 x 4 + 2 x 256 x 1,000 x 4 + 256 x 17,924 = 39,404,544) =
    1,229,184,940 B, so the pool is short by 216,861,148 B = 0.20 GiB: "none (the budget is
    short by 0.20 GiB)", the words of plan's text, not a negative pool."""
    short = plan(PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                             engine=EngineSettings(max_model_len=4096,
                                                   gpu_memory_utilization=0.04)))
    words = "none (the budget is short by 0.20 GiB)"
    md = build_report(inputs(plan=short, comparison=(), sweep=None)).markdown
    memory = next(t for t in tables(md) if t[0][-2:] == ["KV cache", "Blocks"])
    assert [row[-2:] for row in memory[1:]] == [[words, "0"], [words, "0"]]
    assert f"- KV pool per GPU: {words}\n" in md


def test_the_concurrency_cell_reads_with_thousands_separators() -> None:
    # the sweep's and report's "at C" / "At concurrency" cell read "1024" beside "4,078" ms
    row = SweepRow.model_construct(ttft_ms=4078.2, tpot_ms=162.44, output_tokens_per_s=6005.8,
                                   speed_concurrency=1024)
    assert sweep_speed_cells(row) == ["4,078", "162.4", "6,006", "1,024"]
    none = SweepRow.model_construct(ttft_ms=None, tpot_ms=None, output_tokens_per_s=None,
                                    speed_concurrency=None)
    assert sweep_speed_cells(none) == ["—", "—", "—", "—"]


def test_a_sweep_row_short_of_budget_shows_no_pool_as_plan_does() -> None:
    # plan and the report's memory table say "none (the budget is short by ...)"; the sweep's
    # and the report's alternatives tables printed the negative pool ("-417.99 GiB")
    row = SweepRow.model_construct(
        quant_label="BF16", layout=ParallelLayout(), kv_cache_dtype="auto", gpus_used=1,
        fits=False, verdict="Does not fit: ...", weights_bytes_per_gpu=32 * 2**30,
        kv_cache_bytes_per_gpu=-(2**31), max_context_tokens=0, max_concurrency=0.0)
    assert sweep_cells([row])[0][6:8] == ["32.00 GiB", "none (the budget is short by 2.00 GiB)"]


def test_the_ceiling_of_a_plan_short_of_budget_says_why_it_is_0() -> None:
    # it read "0 tokens (the KV cache binds)" where the weights alone overflow the budget
    short = Plan.model_construct(kv_cache_bytes_per_gpu=-(2**31), kv_limited_context_tokens=0,
                                 max_context_tokens=0, max_model_len=40960)
    assert _ceiling(short) == "0 tokens (no KV cache: the budget is short by 2.00 GiB)"


def test_card_active_params_say_embeddings_are_counted():
    # gpt-oss-120b: OpenAI's "117B parameters with 5.1B active parameters" (openai/gpt-oss
    # README.md) is the active count less the input embedding table, 201,088 x 2,880 =
    # 579,133,440: 5,711,982,912 - 579,133,440 = 5,132,849,472 (5.1 B); the card says both
    from planner.catalog import catalog_spec
    from planner.report import card_facts

    card = model_card(catalog_spec("openai/gpt-oss-120b"), None)
    assert card.params_embeddings == 201_088 * 2_880 == 579_133_440
    assert dict(card_facts(card))["Parameters (active per token)"] == (
        "5,711,982,912 (embeddings included; 5,132,849,472 without the input embedding table)")
    assert round((card.params_active - card.params_embeddings) / 1e8) == 51


def test_memory_plan_shows_the_v2_warm_restart_pool_beside_the_kv_pool() -> None:
    """Qwen3-8B on one RTX 4090 at vLLM 0.27.1, max-model-len 8,192 (Model Runner V2): the
    warm restart's pool, hand-worked in tests/cli/test_planner_cli.py
    (test_plan_json_v2_warm_restart_pool), 6,354,537,174 B = 5.92 GiB, holds 2,693 blocks of
    2,359,296 B, so 2,693 / 512 = 5.26 requests of 8,192 tokens and 43,088 tokens; on V1
    (0.19.0) the line is not there."""
    spec = catalog_spec("Qwen/Qwen3-8B")
    cluster = preset_cluster("rtx-4090", 1)

    def report(version: str) -> str:
        planned = plan(PlanRequest(model=spec, cluster=cluster, layout=ParallelLayout(),
                                   engine=EngineSettings(max_model_len=8192,
                                                         vllm_version=version)))
        return build_report(inputs(model=spec, card=model_card(spec, None),
                                   cluster_source=cluster.source, plan=planned, comparison=(),
                                   sweep=None)).markdown

    warm = md_escape("5.92 GiB = 43,088 KV tokens, 5.26 requests at 8,192 tokens (Model Runner "
                     "V2 restarting with a warm torch.compile cache; this plan sizes the first, "
                     "cold-compile start-up)")
    memory = report("0.27.1").split("## Memory plan", 1)[1].split("\n## ", 1)[0].splitlines()
    at = memory.index(f"- Warm restart: {warm}")
    assert memory[at - 1].startswith("- KV pool per GPU: ")  # beside the plan's (cold) pool
    assert "Warm restart" not in report("0.19.0")


def test_a_sweep_where_nothing_fits_says_its_misses_rank_by_shortfall(capsys) -> None:
    # Qwen3-235B-A22B on 2x RTX 3090: its int4 weights alone, 235 billion x ~4 bits / 2 GPUs,
    # overflow a 24 GB card, so no row fits and sweep.rank_key orders them by the per-GPU
    # shortfall; the order in words said only "fits first, then context ceiling, ..."
    from tests.cli.conftest import run_main

    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-235B-A22B", "--gpu",
                              "rtx-3090", "--gpus", "2", "--sweep")
    assert code == 0, err
    assert ("valid configurations (fits first, then context ceiling, concurrency of all "
            "replicas, fewer GPUs; rows that do not fit: the smallest shortfall per GPU first)"
            ) in out
    table = out.split("valid configurations", 1)[1].split("\n\n", 2)[1].splitlines()[2:]
    rows = sweep(catalog_spec("Qwen/Qwen3-235B-A22B"), preset_cluster("rtx-3090", 2),
                 EngineSettings()).rows[:10]
    # "| #", Weights, Kind (a BF16 checkpoint's int4 rows are what-ifs), Layout, KV dtype;
    # BF16, its own format, short by the most, ranks below the 10: a '...' row, then its best
    *top, gap, own = table
    assert [(line.split(" | ")[3], line.split(" | ")[4]) for line in top] == [
        (row.layout.label(), row.kv_cache_dtype) for row in rows]
    assert gap.startswith("| ... |") and own.split(" | ")[1:3] == ["BF16", "own"]
    shortfalls = [row.memory_shortfall_bytes_per_gpu for row in rows]
    assert len(shortfalls) == 10 and shortfalls == sorted(shortfalls)
    # the shortfall is what the pool is under 0 plus one 40,960-token request and a block:
    # at TP=2 (or a stage of PP=2) 94 layers x 2 KV heads x 128 x 2 (K, V) x 1 B (fp8) =
    # 48,128 B a token (47 layers x 4 heads at PP=2: the same), x 40,960 = 1,971,322,880 B,
    # a block 64 x 48,128 = 3,080,192 B; twice both in BF16. So TP=1 x PP=2 in fp8 (the
    # budget short by 39.10 GiB) ranks above TP=2 in BF16 (short by 38.12 GiB): 39.10 + 1.84
    # = 40.94 GiB < 38.12 + 3.68 = 41.80 GiB, as its "short by" cell alone would not say
    fp8_request = 40_960 * 48_128 + 64 * 48_128
    assert fp8_request == 1_971_322_880 + 3_080_192
    for row in rows:
        request = fp8_request * (1 if row.kv_cache_dtype == "fp8" else 2)
        assert row.memory_shortfall_bytes_per_gpu == request - row.kv_cache_bytes_per_gpu
    order = [(row.layout.label(), row.kv_cache_dtype) for row in rows]
    assert order.index(("TP=1 x PP=2", "fp8")) < order.index(("TP=2", "auto"))


def test_a_bf16_sweeps_table_marks_fp8_rows_at_load_and_int4_rows_what_ifs(capsys) -> None:
    # Llama-3.1-70B-Instruct is stored in BF16: vLLM makes FP8 from it as it loads it
    # (`--quantization fp8`), GPTQ and AWQ int4 need a checkpoint in that format. The report's
    # table ranked GPTQ int4 first on 16 H100s with nothing saying it is hypothetical, where
    # the CLI's sweep and the app's grid said so
    from tests.cli.conftest import run_main

    code, out, err = run_main(capsys, "report", "--model", "meta-llama/Llama-3.1-70B-Instruct",
                              "--gpu", "h100-sxm", "--gpus", "16", "--sweep")
    assert code == 0, err
    table = next(t for t in tables(out) if t[0][1] == "Weights" and t[0][0] != "Rank")
    assert table[0][1:4] == ["Weights", "Kind", "Layout"]
    kinds: dict[str, set[str]] = {}
    for cells in table[1:]:
        kinds.setdefault(cells[1], set()).add(cells[2])
    assert kinds["GPTQ int4, group 128 (W4A16)"] == {"what-if"}
    assert kinds["AWQ int4, group 128 (W4A16)"] == {"what-if"}
    # the first FP8 row is #9 (TP=1 x PP=16, below GPTQ and AWQ int4 on the 4 layouts without
    # DP, whose 4-bit weights leave more KV room: tests/cli's sweep test)
    assert table[9][:4] == ["9", "FP8 E4M3, per-tensor scale", "at load", "TP=1 x PP=16"]
    # BF16, its own format, ranks 25th: every fitting row's ceiling is the model's 131,072
    # tokens, so rows rank by the KV pool the weights leave; above BF16's best (TP=1 x PP=16)
    # rank GPTQ and AWQ int4 on 8 layouts and FP8 and INT8 W8A8 on the 4 without DP, 2 x 8 +
    # 2 x 4 = 24 rows (tests/app's sweep test). Below the table of 10, as in the CLI's, a
    # '...' row, then #25, the row the line under the table names
    assert len(table) == 1 + 10 + 2
    assert table[11] == ["..."] + [""] * (len(table[0]) - 1)
    assert table[12][:5] == ["25", "BF16", "own", "TP=1 x PP=16", "fp8"]
    assert ("- best in the checkpoint's own format (BF16): #25; what-if rows need a converted "
            "checkpoint; vLLM quantizes at-load rows as it loads the checkpoint"
            ) in out.splitlines()
    assert ("- Best in the sweep (by context): GPTQ int4, group 128 (W4A16) (what-if), "
            "TP=1 x PP=16, KV fp8") in out


def test_a_sweep_with_a_refused_row_says_it_ranks_after_the_memory_misses(capsys) -> None:
    # gpt-oss-20b on one A10G (SM86) at 0.75, vLLM 0.34.0: the BF16 KV row's 0.84 GiB pool
    # is short of one 131,072-token request; the FP8 KV row is refused (Triton's FP8 KV cache
    # needs SM89+) and ranks second though its ceiling is longer, as the order line says
    from tests.cli.conftest import run_main

    code, out, err = run_main(capsys, "report", "--model", "openai/gpt-oss-20b", "--gpu",
                              "a10g", "--gpu-memory-utilization", "0.75", "--vllm-version",
                              "0.34.0", "--sweep")
    assert code == 0, err
    assert ("; rows that do not fit: the smallest shortfall per GPU first, then the rows vLLM "
            "refuses for another reason)") in out
    table = out.split("valid configurations", 1)[1].split("\n\n", 2)[1].splitlines()[2:]
    assert [line.split(" | ")[3] for line in table] == ["auto", "fp8"]


def test_the_order_line_names_the_misses_only_where_a_row_shown_misses() -> None:
    # Qwen3-32B in GPTQ int4 on one RTX 3090 at --max-model-len 8192: 64 layers x 8 KV heads x
    # 128 x 2 (K, V) = 131,072 elements a token, x 8,192 tokens = 1 GiB of fp8 KV a request and
    # 2 GiB of bf16, beside 18 GiB of weights in a 0.92 x 24 GiB budget: a pool under 2 GiB
    # holds the fp8 request, not the bf16 one. Shown both, the order line says how the miss
    # ranks; shown the fitting row alone, it does not
    result = sweep(catalog_spec("Qwen/Qwen3-32B"), preset_cluster("rtx-3090", 1),
                   EngineSettings(max_model_len=8192), quant_keys=["w4a16-gptq-g128"],
                   kv_dtypes=["auto", "fp8"])
    fp8, bf16 = result.rows
    assert (fp8.kv_cache_dtype, fp8.fits, bf16.kv_cache_dtype, bf16.fits) == (
        "fp8", True, "auto", False)
    assert 2**30 < fp8.kv_cache_bytes_per_gpu < 2 * 2**30
    clause = "; rows that do not fit: the smallest shortfall per GPU first)"
    assert clause in render_markdown(inputs(sweep=result, sweep_top=2))
    assert clause not in render_markdown(inputs(sweep=result, sweep_top=1))


def test_the_order_line_says_stalled_rows_follow_the_clean_fits() -> None:
    # the tiny Llama on 4 RTX 3090s, vLLM 0.28.0, an 8,388,608 B pool per GPU: TP=2 x PP=2
    # and TP=1 x PP=4 hold 1,024 blocks of 8,192 B, clean fits; the next rows hold 512 of
    # 16,384 B, which vLLM 0.28 starts though a max_model_len request needs all 512 and
    # BlockPool's null block leaves 511 (fits "stalls"). Shown three rows, the order line
    # says where the stalled one ranks; shown the two clean fits, it does not
    result = sweep(SPEC, preset_cluster("rtx-3090", 4),
                   EngineSettings(vllm_version="0.28.0", kv_cache_memory_bytes=512 * 16_384),
                   quant_keys=["bf16"], kv_dtypes=["auto"])
    assert [fits_cell(row) for row in result.rows[:3]] == ["yes", "yes", "stalls"]
    clause = ("(fits first, then context ceiling, concurrency of all replicas, fewer GPUs; "
              "rows that stall: after the other fitting rows)")
    assert clause in render_markdown(inputs(sweep=result, sweep_top=3))
    assert "rows that stall" not in render_markdown(inputs(sweep=result, sweep_top=2))


def test_the_fits_cell_says_a_plan_whose_longest_request_never_completes_stalls() -> None:
    # plan.verdict.STALLED_FIT: vLLM starts it (fits) but its longest request never gets its blocks,
    # with or without unmodelled parts; no "yes" for it
    head = "Starts, but its longest request never completes"
    rows = [SweepRow.model_construct(fits=fits, verdict=verdict) for fits, verdict in (
        (True, "Fits: 1 blocks"), (True, "Fits (unmodelled: a): 1 blocks"),
        (True, f"{head}: 1 blocks"), (True, f"{head} (unmodelled: a): 1 blocks"),
        (False, "Does not fit: x"))]
    assert [fits_cell(row) for row in rows] == ["yes", "yes*", "stalls", "stalls", "no"]
    assert [verdict_unmodelled(row.verdict) for row in rows] == [None, "a", None, "a", None]


def test_the_rows_marked_stalls_are_named_under_the_table_with_what_it_means() -> None:
    # a stalls cell alone said nothing (the CLI's sweep, the report's tables): a line under
    # the table names those rows, as the yes* line does its own; none where no row stalls
    head = "Starts, but its longest request never completes"
    rows = [SweepRow.model_construct(fits=fits, verdict=verdict) for fits, verdict in (
        (True, "Fits: 9 blocks"), (True, f"{head}: 8 blocks"), (True, f"{head}: 8 blocks"),
        (True, "Fits: 7 blocks"), (True, f"{head}: 6 blocks"))]
    meaning = ("vLLM (before 0.29) starts it, but a request that grows to max_model_len never "
               "completes: the KV blocks less the null block vLLM takes are too few")
    assert sweep_caveats(enumerate(rows, 1)) == [
        f"stalls (#2-#3, #5): {meaning} (`plan` with the row's settings gives the warning)"]
    assert sweep_caveats(enumerate(rows[:1], 1)) == []
    compared = [ComparisonRow.model_construct(model_name=name, verdict=verdict, fits=True)
                for name, verdict in (("a/x", "Fits: 9 blocks"), ("b/y", f"{head}: 8 blocks"))]
    assert comparison_caveats(compared) == [f"stalls (b/y): {meaning}"]


def test_a_stalled_row_whose_figures_leave_parts_out_is_named_once_under_stalls() -> None:
    # a stalled row with unmodelled parts showed "stalls" in its cell but was named under the
    # yes* line too: each row once, under its cell's label, its parts said on the stalls line
    head = "Starts, but its longest request never completes"
    rows = [SweepRow.model_construct(fits=True, verdict=verdict) for verdict in (
        "Fits (unmodelled: a): 9 blocks", f"{head} (unmodelled: a): 8 blocks",
        f"{head}: 7 blocks")]
    meaning = ("vLLM (before 0.29) starts it, but a request that grows to max_model_len never "
               "completes: the KV blocks less the null block vLLM takes are too few")
    also = "; its figures also leave out a, so the KV room may be less still"
    warning = " (`plan` with the row's settings gives the warning)"
    assert sweep_caveats(enumerate(rows, 1)) == [
        "yes* (#1): fits on figures that leave out a; the KV room may be less than planned"
        + warning, f"stalls (#2): {meaning}{also}{warning}", f"stalls (#3): {meaning}{warning}"]
    compared = [ComparisonRow.model_construct(model_name=name, verdict=row.verdict, fits=True)
                for name, row in zip(("a/x", "b/y"), rows[:2], strict=True)]
    assert comparison_caveats(compared) == [
        "yes* (a/x): fits on figures that leave out a; the KV room may be less than planned"
        + warning, f"stalls (b/y): {meaning}{also}"]


def test_a_tiny_checkpoints_size_reads_mib_not_zero() -> None:
    # 3 MiB = 3,145,728 B is under 0.01 GiB (10,737,418.24 B): "3.00 MiB", where the card
    # printed "0.00 GiB"
    from planner.report import card_facts

    card = model_card(parse_model_config(TINY_CONFIG, name="tiny/llama"), None)
    tiny = card.model_copy(update={"checkpoint_bytes": 3 * 2**20})
    assert dict(card_facts(tiny))["Checkpoint size"] == "3.00 MiB"


SEED_FLAGS = ("--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090", "--gpus", "8",
              "--tp", "8", "--ep", "--gpu-memory-utilization", "0.9")


def test_the_launch_block_shows_one_option_a_line_and_the_shell_reads_the_plans_command(
        capsys) -> None:
    # a ~250-character command scrolls sideways in the app and on GitHub: the report writes it
    # as vLLM's docs do, `vllm serve MODEL`, then each option and its value on an indented line
    # after a " \" continuation; the CLI's plan text and its JSON keep the one line
    from tests.cli.conftest import run_main

    code, out, err = run_main(capsys, "plan", *SEED_FLAGS, "--json")
    assert code == 0, err
    command = json.loads(out)["vllm_command"]
    code, out, err = run_main(capsys, "report", *SEED_FLAGS, "--date", "2026-01-01")
    assert code == 0, err
    block = _launch_block(out)
    assert block.splitlines()[:4] == ["vllm serve Qwen/Qwen3-235B-A22B-GPTQ-Int4 \\",
                                      "  --tensor-parallel-size 8 \\",
                                      "  --enable-expert-parallel \\",
                                      "  --max-model-len 40960 \\"]
    assert block.splitlines()[-1] == "  --max-num-seqs 256"  # the last: no continuation
    assert shlex.split(block.replace(" \\\n", " ")) == shlex.split(command)


def test_each_comparison_row_names_the_weight_format_it_is_planned_in() -> None:
    # audit57 (4x RTX 4090, `report --model Qwen/Qwen3-32B --target-quant awq --compare
    # Qwen/Qwen3-14B`): the plan's row is the AWQ what-if (4.51 GiB a GPU), the compared model
    # its own BF16 checkpoint (6.89 GiB), under "the same hardware and settings" and with no
    # word of either format, so the 32B model read as the smaller one. Here the tiny model:
    # its own BF16 row beside its GPTQ int4 what-if, each cell naming its format after the
    # GiB, and the JSON rows carrying plan's weight_format / weight_format_label keys.
    what_if = plan(PlanRequest(model=SPEC, cluster=CLUSTER, layout=ParallelLayout(tp=2),
                               engine=EngineSettings(max_model_len=4096,
                                                     target_quant="w4a16-gptq-g128")))
    assert what_if.weights_bytes_per_gpu < PLAN.weights_bytes_per_gpu
    report = build_report(inputs(comparison=(comparison_row(what_if), comparison_row(PLAN))))
    table = next(t for t in tables(report.markdown) if t[0][0] == "Model")
    column = table[0].index("Weights/GPU")
    assert [row[column] for row in table[1:]] == [
        f"{what_if.weights_bytes_per_gpu / 2**30:.2f} GiB (GPTQ int4, group 128 (W4A16))",
        f"{PLAN.weights_bytes_per_gpu / 2**30:.2f} GiB (BF16)"]
    compared = json.loads(report.json_text)["comparison"]
    assert [(c["weight_format"], c["weight_format_label"]) for c in compared] == [
        ("w4a16-gptq-g128", "GPTQ int4, group 128 (W4A16)"), ("bf16", "BF16")]
