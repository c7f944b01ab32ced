"""What the pages show, checked as a newcomer read them (issue 13, items 14 and 16).

Hand-worked seed figures (README): Qwen3-235B-A22B GPTQ on 8x RTX 3090, TP=8 + EP, on vLLM
0.34.0 (the app's default release) at gpu_memory_utilization 0.92, its unset value and the
app's (tests/app/test_utilization.py): the seed report's pool at 0.90, 5,030,444,633 B (Model
Runner V2's buffers, 169,894,912 B, off it: tests/planner/serving/test_seed_scenario.py), plus
ceil(23.57 GiB x 0.92) - ceil(23.57 GiB x 0.90) = 23,283,447,209 - 22,777,285,313 =
506,161,896 B of budget is 5,536,606,529 B (no 0.34.0 rule moves it on an Ampere card with the
extensible KV cache off). 0.33.0's blocks of 16 tokens x 48,128 B = 770,048 B held 7,189 blocks
= 115,024 tokens; 0.34.0's are 64 tokens (vllm_versions.BLOCK_64_DEFAULT_FROM), 64 x 48,128 B =
3,080,192 B, so the pool holds 5,536,606,529 // 3,080,192 = 1,797 blocks (1,797 x 3,080,192 =
5,535,105,024 B, 1,501,505 B left; floor(7,189 x 16 / 64) = floor(1,797.25) agrees) = 1,797 x 64
= 115,008 tokens; a 40,960-token request needs 40,960 / 64 = 640 blocks, so concurrency =
1,797 / 640 = 2.808 and int(1,797 / 640 x 40,960) = int(1,797 x 64) = 115,008. The budget is
0.92 x 23.57 GiB (the 3090's CUDA total) = 21.68 GiB; at TP=4 the weights alone are
28.96 GiB per GPU, so that plan does not fit.
"""

import json
import math
import re

from planner.catalog import catalog_entries
from probes.snapshot import load_snapshot
from tests.app.conftest import open_page, show_chart, texts
from tests.app.test_plan import metric
from tests.probes.conftest import RTX3090X8
from tests.probes.test_mixed_node_memory import BUDGET_3090, BUDGET_4090
from tests.probes.test_mixed_node_memory import _plan as _mixed_plan
from tests.probes.test_mixed_node_speed import _rtx4090
from ui.charts import memory_bar


def figure(at, kind: str) -> dict:
    """The plotly figure drawn by ui.charts: 'memory' (stacked bars), 'curve' (the one-request
    line), 'heatmap'."""
    for chart in at.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        data, annotations = fig["data"], fig["layout"].get("annotations", [])
        if (kind == "heatmap" and data[0].get("type") == "heatmap"
                or kind == "memory" and any(t.get("name") == "weights" for t in data)
                or kind == "curve" and any(a.get("text") == "one request" for a in annotations)):
            return fig
    raise AssertionError(f"no {kind} chart")


def terms(at) -> dict[str, tuple[str, str]]:
    """'How every figure is computed' (a static table, its rows named by figure): figure ->
    (value, formula), as the table holds them (inert Markdown: md_escape)."""
    table = next(t.value for t in at.table if "Budget (total x utilization)" in t.value.index)
    return {figure: (r["value"], r["formula"]) for figure, r in table.iterrows()}


def test_whole_numbers_print_without_decimals_and_the_token_formula_reproduces() -> None:
    at = open_page()
    rows = terms(at)
    # no release chosen: vLLM 0.34.0's blocks of 64 tokens (the module docstring)
    assert rows["KV blocks (smallest rank)"][0] == "1,797 blocks"
    assert rows["KV cache tokens"][0] == "115,008 tokens"
    assert rows["Max concurrency at max_model_len"][0] == "2.81 requests"
    formula = rows["KV cache tokens"][1]
    numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", formula)]
    blocks, per_request, length, tokens = numbers
    assert (blocks, per_request, length, tokens) == (1797, 640, 40960, 115008)
    assert int(blocks / per_request * length) == tokens  # from the shown numbers alone


def test_the_memory_bar_draws_the_budget_line() -> None:
    at = open_page(None, tp="4")  # weights 28.96 GiB > the 21.68 GiB budget
    assert any(e.value.startswith("Does not fit") for e in at.error)
    bar = figure(at, "memory")
    lines = [s for s in bar["layout"].get("shapes", []) if s.get("type") == "line"]
    assert len(lines) == 1
    assert abs(lines[0]["y0"] - 0.92 * 23.57) < 0.01
    weights = next(t for t in bar["data"] if t["name"] == "weights")
    assert min(weights["y"]) > lines[0]["y0"]  # the overflow shows above the line


def test_the_memory_bar_groups_equal_gpus_above_16() -> None:
    """4 nodes x 8 RTX 3090 at TP=8 x PP=2 x DP=2: vLLM's rank = (DP rank x PP + stage) x TP
    + TP rank (README), so stage 0 is GPUs 0-7 and 16-23, stage 1 GPUs 8-15 and 24-31. The
    two stages hold different parts (embeddings; lm_head) and 47 of the 94 layers each: two
    bars of 16 GPUs, where 32 slivers were drawn. At 2 nodes (16 GPUs) every GPU keeps its
    bar, named in its node."""
    bar = figure(open_page("plan", nodes="4", tp="8", pp="2", dp="2"), "memory")
    weights = next(t for t in bar["data"] if t["name"] == "weights")
    assert list(weights["x"]) == ["GPU0-7, 16-23 (16 GPUs)", "GPU8-15, 24-31 (16 GPUs)"]
    bar = figure(open_page("plan", nodes="2", tp="8", pp="2"), "memory")
    weights = next(t for t in bar["data"] if t["name"] == "weights")
    nodes, gpus = weights["x"]  # a two-level axis: each GPU in its node
    assert list(zip(nodes, gpus, strict=True)) == [(f"node {n}", f"GPU{g}") for n in (0, 1)
                                                   for g in range(8)]


def test_the_memory_bars_hover_a_small_segment_in_mib() -> None:
    # gpu_memory_utilization 0.9999 on the seed's RTX 3090s, whose CUDA total is 24,576 - 440
    # = 24,136 MiB = 25,308,233,728 B: the budget is ceil(0.9999 x 25,308,233,728 B) =
    # ceil(25,305,702,904.63) = 25,305,702,905 B, and the pool fills it, so free is
    # 25,308,233,728 - 25,305,702,905 = 2,530,823 B = 2.41 MiB; "%{y:.2f} GiB" read "0.00 GiB"
    # (gib_text's rule: under 0.01 GiB in MiB)
    bar = figure(open_page(None, gmu="0.9999"), "memory")
    free = next(t for t in bar["data"] if t["name"] == "free")
    assert free["hovertemplate"] == "%{customdata}"
    assert set(free["customdata"]) == {"2.41 MiB"}
    weights = next(t for t in bar["data"] if t["name"] == "weights")
    assert set(weights["customdata"]) == {"14.56 GiB"}  # README's seed: 14.56 GiB per GPU


def _luminance(hex_color: str) -> float:
    """WCAG 2 relative luminance of '#rrggbb'."""
    channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_the_memory_bars_legend_is_above_the_plot() -> None:
    # below it, at y = -0.15 of the plot's height, its three rows at 1024 px covered the
    # GPUs' labels of 2 nodes x 8 H100 (each GPU over its node); above, nothing is under it
    bar = figure(open_page(None, gpu="h100-sxm", nodes="2", model="deepseek-ai/DeepSeek-V3"),
                 "memory")
    legend = bar["layout"]["legend"]
    assert legend["y"] >= 1 and legend["yanchor"] == "bottom"


def test_the_budget_label_reads_over_the_free_segment() -> None:
    # the label sits on the grey "free" bar, in the theme's grey when no colour was given;
    # WCAG's 4.5:1 for text, against that bar's grey
    bar = figure(open_page(), "memory")
    [label] = [a for a in bar["layout"]["annotations"] if a["text"] == "budget"]
    free = next(t for t in bar["data"] if t["name"] == "free")["marker"]["color"]
    light, dark = sorted((_luminance(free), _luminance(label["font"]["color"])), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5


def test_mixed_gpus_budget_segments_are_each_named() -> None:
    """Mixed GPUs draw a budget segment per bar, at each GPU's own budget: unnamed, the dashed
    segments of 8 RTX 3090s and an H200 said nothing of what they mark (helper 540's review).
    Llama 3.1 70B at TP=8 x PP=2 on a 3090 node and a 4090 node
    (tests/probes/test_mixed_node_memory.py works out both budgets at 0.9): "budget" over the
    first bar of each, GPU0 of node 0 and GPU0 of node 1 (bar 8)."""
    bar = memory_bar(_mixed_plan([load_snapshot(RTX3090X8), _rtx4090(load_snapshot(RTX3090X8))]))
    segments = [(s["x0"], s["y0"]) for s in bar["layout"]["shapes"]]
    assert segments == [(i - 0.4, (BUDGET_3090 if i < 8 else BUDGET_4090) / 2**30)
                        for i in range(16)]
    labels = [(a["x"], a["y"]) for a in bar["layout"]["annotations"] if a["text"] == "budget"]
    assert labels == [(-0.4, BUDGET_3090 / 2**30), (7.6, BUDGET_4090 / 2**30)]


def test_the_parameter_chart_labels_a_component_too_small_to_draw() -> None:
    """Qwen3-235B-A22B (its config.json in shared/model-configs): hidden 4096, 94 layers.
    Its norms (the hidden-size ones; the q/k norms count as attention: planner.model.params
    LayerParams): per layer input and post-attention RMSNorm, 94 x 2 x 4,096 = 770,048, plus
    the final norm's 4,096: 774,144, a bar of no pixels beside 227 billion routed-expert
    parameters. Its label, "0.00" inside that bar, showed nothing; it reads 0.77 million,
    beside the bar."""
    at = open_page("model")
    chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                 if "billions" in json.dumps(json.loads(c.proto.spec)["layout"]))
    [bars] = chart["data"]
    labels = dict(zip(bars["y"], bars["text"], strict=True))
    assert labels["norms"] == "0.77 million"
    assert bars["textposition"] == "outside"


def test_one_request_label_sits_below_the_line_at_the_left_end() -> None:
    curve = figure(show_chart(open_page(), "Concurrency vs context"), "curve")
    label = next(a for a in curve["layout"]["annotations"] if a["text"] == "one request")
    assert label["yanchor"] == "top" and label["xanchor"] == "left"  # below y=1, from the left
    ys = curve["data"][0]["y"]
    assert ys[0] > 5  # at 4K context the curve is far above the label (~26 requests)


def test_memory_bars_of_several_nodes_name_each_gpu_in_its_node() -> None:
    # Qwen3-32B at TP=4 x PP=2 on 2 nodes x 4 RTX 4000 Ada: the bars read GPU0..GPU7, as if
    # one node held 8 GPUs (GPU4 is node 1's first); each bar names its GPU in its node
    at = open_page(None, gpu="rtx-4000-ada", gpn="4", nodes="2", model="Qwen/Qwen3-32B",
                   tp="4", pp="2", dp="1")
    weights = next(t for t in figure(at, "memory")["data"] if t["name"] == "weights")
    nodes, gpus = weights["x"]  # a two-level axis: GPU0-3 over node 0, GPU0-3 over node 1
    assert list(zip(nodes, gpus, strict=True)) == [(f"node {n}", f"GPU{g}") for n in (0, 1)
                                                   for g in range(4)]
    one_node = next(t for t in figure(open_page(), "memory")["data"] if t["name"] == "weights")
    assert list(one_node["x"]) == [f"GPU{g}" for g in range(8)]  # the seed: one node


def test_sweep_heatmap_is_readable_at_64_gpus() -> None:
    at = open_page(None, nodes="8")  # 64 RTX 3090
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    heat = figure(at, "heatmap")
    layouts = at.dataframe[-1].value["layout"].nunique()
    assert layouts > 16
    trace = heat["data"][0]
    assert len(trace["x"]) == 16
    assert any(f"shows the 16 layouts with the best ceiling (tokens) of {layouts}" in c.value
               for c in at.caption)
    layout = heat["layout"]
    assert trace["textfont"]["size"] >= 11
    assert layout["xaxis"]["tickfont"]["size"] >= 11 and layout["yaxis"]["tickfont"]["size"] >= 11
    assert trace["colorbar"]["tickfont"]["size"] >= 11
    assert layout["height"] >= 360  # the colour bar spans the plot, not a squashed strip
    assert "title" not in layout["yaxis"] or not layout["yaxis"]["title"].get("text")


def test_sweep_heatmap_keeps_the_top_ranked_layouts_among_equal_values() -> None:
    # Qwen3-32B on 2 nodes x 4 RTX PRO 4500 (31.36 GiB each): most layouts reach the model's
    # 40,960 tokens, so more than 16 layouts tie on the best ceiling. The 16 shown were any
    # of them (pandas' unstable sort): the sweep's top row, TP=8, was left out for TP=1 x
    # PP=7. Among equal values the sweep's rank decides, and no layout left out has a
    # better value than one shown
    at = open_page(None, gpu="rtx-pro-4500", gpn="4", nodes="2", model="Qwen/Qwen3-32B")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    shown = figure(at, "heatmap")["data"][0]["x"]
    best = table.groupby("layout")["ceiling (tokens)"].max()
    assert (best == 40_960).sum() > 16  # the tie this is about
    assert table["layout"].iloc[0] in shown
    assert min(best[list(shown)]) >= max(best.drop(list(shown)))


def test_sweep_heatmap_has_no_colour_bar_when_every_cell_is_one_value() -> None:
    # Qwen3-0.6B on one H100 80 GB: every format and KV dtype holds the model's whole
    # 40,960-token window (bf16 KV: 28 layers x 2 x 8 KV heads x 128 x 2 B = 114,688 B per
    # token, 40,960 x 114,688 B = 4.375 GiB of a 68.51 GiB pool), so every cell reads 41k; the
    # colour bar of that one colour ticked "40.9604k" ... "40.9596k" (in a browser, helper
    # 279: DeepSeek-V3 on 2 x 8 H100, "163.8404k" ... "163.8396k")
    at = open_page(None, gpu="h100-sxm", gpn="1", model="Qwen/Qwen3-0.6B")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    trace = figure(at, "heatmap")["data"][0]
    assert {cell for row in trace["text"] for cell in row} == {"41k"}  # 40,960 each
    assert trace["showscale"] is False
    # the seed's ceilings differ (some formats do not fit): its colour bar stays
    seed = open_page()
    seed.button(key="plan.run_sweep").click().run()
    trace = figure(seed, "heatmap")["data"][0]
    assert len({cell for row in trace["text"] for cell in row if cell}) > 1
    assert trace["showscale"] is True


def test_sidebar_link_warnings_have_no_pydantic_prefix_or_preset_list() -> None:
    at = open_page(None, gpu="rtx3090x")
    (warning,) = [w.value for w in at.sidebar.warning]
    assert "did you mean rtx-3090" in warning
    assert "Value error" not in warning and "known:" not in warning and "a100-40gb" not in warning
    (warning,) = [w.value for w in open_page(None, gpu="no-such-gpu").sidebar.warning]
    assert warning == ("Link parameter gpu='no-such-gpu' ignored: unknown GPU preset "
                       "'no-such-gpu'; pick one on the Hardware page.")


def test_compare_shows_every_verdict_whole() -> None:
    # pinned to vLLM 0.33.0, whose sentence ends with its advice (0.34.0 adds one after it):
    # the subject is the whole sentence, not the default release
    at = open_page("compare", tp="8", ctx="131072", vllm="0.33.0")
    assert "verdict" not in at.dataframe[0].value.columns
    verdicts = at.table[0].value["verdict"]
    assert len(verdicts) == 3
    # Llama-3.1-70B bf16 at TP=8 on 3090s, 131,072 tokens: 131,072 x 40,960 B = 5 GiB of KV per
    # GPU beside 16.46 GiB of weights (and 1.42 GiB of activation, non-torch and CUDA graphs) in
    # a 21.68 GiB budget: vLLM's full sentence, with its advice
    llama = verdicts["meta-llama/Meta-Llama-3.1-70B"]
    assert llama.startswith("Does not fit") and llama.endswith("initializing the engine.")


def test_model_picker_shows_the_current_model_and_never_switches_silently() -> None:
    at = open_page("model", model="Qwen/Qwen3-8B")
    picker = at.selectbox(key="model.catalog_choice")
    assert picker.value == "Qwen/Qwen3-8B"  # not the first entry of the catalog
    assert not [b for b in at.button if b.key == "model.use_catalog"]
    picker.set_value("Qwen/Qwen3-32B").run()
    button = at.button(key="model.use_catalog")
    assert button.label == "Use Qwen/Qwen3-32B instead of Qwen/Qwen3-8B"
    button.click().run()
    assert at.query_params["model"] == "Qwen/Qwen3-32B"
    assert any(s.value.startswith("Now planning Qwen/Qwen3-32B") for s in at.success)


def test_model_page_context_is_not_truncated_and_no_local_path_shows() -> None:
    at = open_page("model", model="deepseek-ai/DeepSeek-V3")
    assert metric(at, "Max context (tokens)") == "163,840"  # config max_position_embeddings
    page = texts(at)
    assert "/work/" not in page and "/shared/" not in page
    assert not [e.repo_id for e in catalog_entries()
                if re.search(r"(^|[\s(])(/|~/)\w", e.source)]


def test_speed_chart_labels_stay_on_its_log_axis() -> None:
    # plotly reads an annotation's x on a log axis as log10(x): a label at x = the KV limit
    # (e.g. 26 requests) stretched the axis to 1e26; the label must sit at log10(limit)
    at = show_chart(open_page(), "Throughput and latency")  # a lazy tab
    chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                 if "requests in flight" in json.dumps(json.loads(c.proto.spec)["layout"]))
    label = next(a for a in chart["layout"]["annotations"] if a["text"].startswith("KV limit"))
    limit = int(label["text"].split(": ")[1].replace(",", ""))
    assert abs(label["x"] - math.log10(limit)) < 1e-9


def test_speed_chart_ticks_are_readable_round_numbers_apart() -> None:
    # the seed at TP=4 x DP=2, 8 requests: each replica's 1,562 KV blocks of 64 tokens (vLLM
    # 0.34, Model Runner V2's buffers off the pool) hold 1,562 // 24 = 65 requests of 1,024 in
    # + 1,024 / 2 out on average (1,536 tokens = 24 blocks of 64), 2 x 65 = 130 in all (the
    # report's KV-limited concurrency), so the points are 1, 2, 4, ..., 64, 128 and 130; at
    # 1280 px the ticks "128" and "134" (134 / 128 = 1.05, the figure before) printed over each
    # other as "1134". 128 loses its label, 130 keeps its own, every other power of two keeps
    # its
    at = show_chart(open_page(None, tp="4", dp="2", pp="1", conc="8"), "Throughput and latency")
    chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                 if "requests in flight" in json.dumps(json.loads(c.proto.spec)["layout"]))
    xaxis = chart["layout"]["xaxis"]
    assert xaxis["tickvals"] == [1, 2, 4, 8, 16, 32, 64, 130]
    assert xaxis["ticktext"] == ["1", "2", "4", "8", "16", "32", "64", "130"]
    # the ms axis (TPOT 20 ms to TTFT 20 s here) was labelled at plotly's own log steps,
    # 12, 47, 176, 663, 2,494, 9,374 ms; "D2" labels 1, 2 and 5 of each decade: 20, 50,
    # 100, ..., 20,000
    assert chart["layout"]["yaxis2"]["dtick"] == "D2"


def test_a_choice_left_at_its_default_shows_the_defaults_name() -> None:
    # README: the KV block size's default is "vLLM's choice" (the MoE and all-to-all
    # backends' too), the PCIe slot's "the card's". Each is the None option, which Streamlit
    # shows as the selectbox's placeholder, "Choose an option", as if nothing were chosen and
    # the plan had no value
    at = open_page(None, model="Qwen/Qwen3-30B-A3B")  # a MoE model: the backends are offered
    for key in ("plan.block_size", "plan.moe_backend", "plan.all2all_backend"):
        box = at.selectbox(key=key)
        assert box.value is None and box.proto.placeholder == "vLLM's choice", key
    at.switch_page("ui/pages/hardware.py")
    at.run()
    for key in ("hw.pcie_generation", "hw.pcie_lanes"):
        box = at.selectbox(key=key)
        assert box.value is None and box.proto.placeholder == "the card's", key


def test_grid_numbers_have_thousands_separators() -> None:
    """The sweep grid printed a ceiling of 8702176 where the metrics above print 8,702,176:
    every number column of the Plan page's sweep grids (the key columns and those under "More
    columns"), the Compare and Recommend grids is shown in the locale's format ("localized":
    40,960, Qwen3-8B's max_position_embeddings, its ceiling on an RTX 3090)."""
    at = open_page("plan", model="Qwen/Qwen3-8B", gpu="rtx-3090")
    at.button(key="plan.run_sweep").click().run()
    grids = [d for d in at.dataframe if "ceiling (tokens)" in d.value.columns]
    assert len(grids) == 2 and 40960 in set(grids[0].value["ceiling (tokens)"])
    numeric = {"ceiling (tokens)", "concurrency", "TPOT (ms)", "output tok/s", "TTFT (ms)",
               "at concurrency", "per replica", "KV B/token/GPU"}
    shown = {}
    for grid in grids:
        for name, config in json.loads(grid.proto.columns).items():
            if config.get("type_config", {}).get("format") == "localized":
                shown[name] = config
    assert numeric <= set(shown)
    assert not {"quantization", "layout", "KV dtype", "fits", "weights/GPU"} & set(shown)
    for page in ("compare", "recommend"):
        at = open_page(page, model="Qwen/Qwen3-8B")
        if page == "recommend":
            at.button(key="recommend.run").click().run()
        # (on Recommend the ceiling is under "More columns": a grid of its own)
        configs = [json.loads(d.proto.columns).get("ceiling (tokens)") for d in at.dataframe]
        assert {"type": "number", "format": "localized"} in [
            c["type_config"] for c in configs if c], page


def test_a_grids_figures_each_show_the_same_decimals() -> None:
    """The grids' localized number format drops trailing zeros: on the Recommend page 8x L4's
    TPOT read "23" beside 8x RTX 3090's "17.7" (helper 383's QA). A column rounded to one
    decimal shows one on every row (NumberColumn's step), two decimals two; money keeps its
    dollars and cents, whole numbers none. The seed on the Compare page: TPOT 20.5, 10.3 and
    34.6 ms (one decimal), weights 14.56, 7.16 and 16.46 GiB per GPU (two)."""
    import pandas as pd

    from ui.tables import _fixed_decimals

    assert _fixed_decimals(pd.Series([17.7, 23.0, None])) == {"step": 0.1}
    assert _fixed_decimals(pd.Series([3.51, 16.95, 2.9])) == {"step": 0.01}
    assert _fixed_decimals(pd.Series([486.0, None])) == {}  # whole: no decimals
    assert _fixed_decimals(pd.Series([486, 1077])) == {}
    columns = json.loads(open_page("compare").dataframe[0].proto.columns)
    steps = {name: c.get("type_config", {}).get("step") for name, c in columns.items()}
    assert steps["TPOT (ms)"] == 0.1 and steps["weights per GPU (GiB)"] == 0.01
    assert steps["ceiling (tokens)"] is None  # whole numbers, as the per-GPU KV bytes:
    more = json.loads(open_page("compare").dataframe[1].proto.columns)  # under More columns
    assert more["KV B/token per GPU"]["type_config"] == {"type": "number", "format": "localized"}
