"""Plan page speed: TTFT, TPOT and throughput beside memory, the load in the URL, the curve,
the terms, and the sweep ranked by an objective with speed columns."""

import json
import re

import pytest

from cli.planner_cli import main
from tests.app.conftest import metric, open_page, show_chart, texts


def number(text: str) -> float:
    return float(text.split()[0].replace(",", ""))


def test_seed_shows_speed_beside_memory() -> None:
    # the seed (TP=8 + EP on 8 RTX 3090, 1,024 in / 1,024 out, one request), worked by hand in
    # tests/planner/serving/test_speed_seed.py (its formulas at the coefficients refit on
    # 2026-12-05 on the 846 fit rows, each MoE layer waiting for the busiest EP rank): TPOT
    # 22.152 ms, TTFT 0.8846 s of which the prefill is 860.42 ms (884.63 less the host's 19.1
    # ms + 4.99 us x 1,024 = 24.21 ms); so 1,000 / 22.152 = 45.1 tokens/s per request, 1,024 /
    # 0.86042 s = 1,190 prefill tokens/s, and 1 / (22.152 ms + 884.63 ms / 1,024 tokens =
    # 23.016 ms) = 43.4 tokens/s in all (its time to first token counts against the one
    # request; 880 ms, 22.3 ms, 44.8, 43.1 and 1,198 before that refit, at 56.3 + 23.5 us
    # per-layer overheads, 0.238, 19.9 ms and 4.89 us; 870 ms, 20.5 ms, 48.8, 46.9 and 1,212
    # with the mean rank's share of the experts)
    at = open_page()
    assert not at.exception
    assert [metric(at, label) for label in ("TTFT", "TPOT", "Tokens/s per request",
                                            "Output tokens/s at 1", "Prefill tokens/s")] == [
        "885 ms", "22.2 ms", "45.1", "43.4", "1,190"]
    # the first screen builds the memory bar only; each curve when its tab is opened
    assert len(at.get("plotly_chart")) == 1
    show_chart(at, "Throughput and latency")
    assert "How the speed figures are computed" in [e.label for e in at.expander]
    assert "TPOT" in texts(at)  # the terms table
    # with each term's inputs: the PCIe all-reduce's measured NCCL start-up and ring step, and
    # its 8,192 B message (1 token x 4,096 hidden x 2 B)
    terms = next(t.value for t in at.table if "inputs" in t.value.columns)
    # its figures without an exponent: the Prefill tokens/s metric's 1,190 (1,198 before the
    # 2026-12-05 refit on the 846 fit rows) read "1.2e+03"
    assert terms.loc["Prefill tokens/s (one request)", "value"] == "1,190 tok/s"
    assert terms.loc["Time per output token", "value"] == "22.2 ms"  # as the TPOT metric
    allreduce = terms.loc["TP all-reduce per stage step", "inputs"]
    assert "message_bytes = 8192" in allreduce and "nccl_startup_us = 6" in allreduce
    # the seed's RTX 3090 preset: a PCIe 4.0 x16 card without P2P (GeForce)
    assert "Kernel path: weight-only; pcie-no-p2p link (PCIe 4.0 x16). Coefficients" in texts(at)
    assert "**Throughput and latency vs concurrency**" in texts(at)
    assert len(at.get("plotly_chart")) == 1


def test_more_concurrency_raises_throughput_and_tpot_and_is_in_the_link() -> None:
    at = open_page()
    one_tps, one_tpot = number(metric(at, "Output tokens/s at 1")), number(metric(at, "TPOT"))
    at.number_input(key="plan.concurrency").set_value(8).run()
    assert not at.exception
    assert at.query_params["conc"] == "8"
    assert number(metric(at, "Output tokens/s at 8")) > one_tps
    assert number(metric(at, "TPOT")) >= one_tpot


def test_arrivals_burst_raises_ttft_keeps_tpot_and_is_in_the_link_only_when_set() -> None:
    at = open_page(None, conc="8")
    assert "arr" not in at.query_params  # staggered, the default: left out of the link
    ttft, tpot = number(metric(at, "TTFT")), metric(at, "TPOT")
    at.selectbox(key="plan.arrival").set_value("burst").run()
    assert not at.exception and at.query_params["arr"] == "burst"
    # 8 prompts of 1,024 tokens arriving together wait for the steps that pack them all
    assert number(metric(at, "TTFT")) > ttft and metric(at, "TPOT") == tpot
    show_chart(at, "Throughput and latency")
    assert "Burst: prefill steps until a request's prompt ends" in texts(at)  # its term
    at.selectbox(key="plan.arrival").set_value("staggered").run()
    assert "arr" not in at.query_params
    assert open_page(None, conc="8", arr="burst").selectbox(key="plan.arrival").value == "burst"
    linked = open_page(None, arr="poisson")  # not an arrival: said, and the default kept
    assert not linked.exception and linked.selectbox(key="plan.arrival").value == "staggered"
    assert any("arr" in w.value for w in linked.warning), [w.value for w in linked.warning]


def test_load_from_the_link_and_a_request_longer_than_max_model_len() -> None:
    at = open_page(None, **{"in": "2048", "out": "256", "conc": "4"})
    assert not at.exception
    assert metric(at, "Output tokens/s at 4")
    # the seed's max_model_len is the model's 40,960 tokens: 40,000 + 1,024 do not fit in it;
    # vLLM 0.31 rejects such a request, 0.34 (the default) generates 40,960 - 40,000 = 960
    # (0.34.0 wheel, entrypoints/serve/utils/api_utils.py get_max_tokens: max_model_len -
    # input_length; vllm_versions.CLAMP_OUTPUT_FROM)
    at = open_page(None, **{"in": "40000", "vllm": "0.31.0"})
    assert not at.exception
    assert any("one request of 40,000 + 1,024 = 41,024 tokens is longer than max_model_len "
               "40,960: vLLM 0.31.0 rejects it" in i.value for i in at.info)
    assert not [m for m in at.metric if m.label == "TPOT"]
    at = open_page(None, **{"in": "40000"})
    assert not at.exception
    assert [m for m in at.metric if m.label == "TPOT"]
    # under the metrics, not only in the Speed tab
    assert any(c.value.startswith("output clamped to 960 tokens: max_model_len 40,960 - input "
                                  "40,000; vLLM 0.34.0") for c in at.caption)


def test_the_sweep_says_its_speed_columns_are_at_a_clamped_output() -> None:
    # 40,000 + 1,024 tokens at the seed's max_model_len 40,960: vLLM 0.34 (the default)
    # generates 40,960 - 40,000 = 960, as in the test above
    at = open_page(None, **{"in": "40000"})
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    assert any("(capped by the KV cache). Output clamped to 960 tokens: max_model_len 40,960 "
               "- input 40,000; vLLM 0.34.0" in c.value
               and "as ranked (each replica holds its own KV pool: per replica is one's). "
               "Speed columns at 40,000 input" in c.value for c in at.caption)


def test_concurrency_beyond_the_kv_cache_is_capped_and_said() -> None:
    at = open_page(None, conc="60000")  # the seed's KV cache holds tens of requests
    assert not at.exception
    capped = next(m.label for m in at.metric if m.label.startswith("Output tokens/s at "))
    assert int(capped.split(" at ")[1].replace(",", "")) < 60_000
    assert any("Concurrency capped at" in c.value for c in at.caption)


def test_a_cap_set_by_max_num_seqs_is_not_blamed_on_the_kv_cache() -> None:
    # 4x L40S hold more than 256 requests of Qwen3-32B-FP8 at 1,024 + 512 tokens
    # (tests/planner/serving/test_speed.py): vLLM's max_num_seqs, 256, caps 400
    at = open_page(None, model="Qwen/Qwen3-32B-FP8", gpu="l40s", gpn="4", conc="400")
    assert not at.exception
    assert metric(at, "Output tokens/s at 256")
    assert any(c.value.startswith("Concurrency capped at 256 by max_num_seqs: vLLM runs at "
                                  "most 256 requests at once, and the KV cache holds more")
               for c in at.caption)
    assert not any("the KV cache holds 256" in c.value for c in at.caption)


def test_sweep_by_throughput_within_a_tpot_target() -> None:
    at = open_page()
    at.selectbox(key="plan.sweep_objective").set_value("throughput").run()
    at.number_input(key="plan.tpot_target_ms").set_value(200.0).run()
    assert at.query_params["obj"] == "throughput" and at.query_params["tpot"] == "200.0"
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    meeting = table[table["TPOT (ms)"] <= 200.0]
    assert len(meeting) > 0
    # the rows meeting the target come first, highest output tokens/s first
    head = table.head(len(meeting))
    assert (head["TPOT (ms)"] <= 200.0).all()
    assert list(head["output tok/s"]) == sorted(head["output tok/s"], reverse=True)
    # no speed without a fit, asked of rows that exist: the seed's layouts of few GPUs a
    # replica (TP=1 x DP=8: the GPTQ weights, about 8 x 14.44 GiB = 115.5 GiB
    # (tests/cli/test_planner_cli.py), on one 23.57 GiB RTX 3090) fit nowhere
    no_fit = table[table["fits"] == "no"]
    assert len(no_fit) and no_fit["TPOT (ms)"].isna().all()
    assert any("within the TPOT target of 200 ms." in c.value for c in at.caption)


def test_the_curve_marks_the_kv_limited_concurrency() -> None:
    # seed on vLLM 0.34.0 (the default) at its unset utilization 0.92: the KV pool holds
    # 115,008 tokens (tests/app/test_display.py); a request in flight holds its 1,024-token
    # prompt and on average half its 1,024 output tokens (planner.serving.speed):
    # 115,008 // 1,536 = 74 requests in flight at most (74 x 1,536 = 113,664; below
    # max_num_seqs 256). On 0.33.0, 115,024 // 1,536 is 74 too
    at = show_chart(open_page(), "Throughput and latency")
    curve = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(a["text"] == "KV limit: 74" for a in curve["layout"]["annotations"])
    assert [s["x0"] for s in curve["layout"]["shapes"]] == [74, 1]  # the limit, the chosen 1
    # the chosen 1 named in the legend, not labelled over the curves' markers at 1
    assert curve["layout"]["shapes"][1]["name"] == "chosen: 1"
    assert curve["layout"]["shapes"][1]["showlegend"] is True
    assert [a["text"] for a in curve["layout"]["annotations"]] == ["KV limit: 74"]


def test_a_cap_of_one_request_reads_in_the_singular() -> None:
    # --max-num-seqs 1 with 4 requests asked: vLLM runs one request at a time
    at = open_page(None, seqs="1", conc="4")
    assert not at.exception
    assert any(c.value.startswith("Concurrency capped at 1 by max_num_seqs: vLLM runs at "
                                  "most 1 request at once, and the KV cache holds more")
               for c in at.caption)


def test_a_sweep_made_on_other_hardware_is_not_shown() -> None:
    # Qwen3-8B on 2 RTX 3090s: the sweep over their own PCIe link without P2P gives the TP=2
    # fp8 row (its first: GPTQ int4) TPOT 6.3 ms, TTFT 265 ms; the CLI's `sweep --link nvlink`
    # gives it 5.7 ms and 159 ms (TP's all-reduce over NVLink). The sweep was kept by the
    # cluster's source line, "preset: 2x NVIDIA GeForce RTX 3090", which names no link, so the
    # PCIe table stayed on the page after the Hardware page's link became NVLink.
    # By hand (config.json: 36 layers, hidden 4,096, 32 heads, 8 KV heads x 128, MLP 12,288,
    # vocab 151,936; per GPU 96,468,992 weights a layer x 36 at 0.51953125 B + the 16-bit
    # lm_head half, 622.33 MB, + norms = 2.427 GB; test_speed_seed.py's 3090 figures and
    # the coefficients refit on 2026-12-05 on the 846 fit rows): decode = 2.427 GB / (936 GB/s
    # x 0.9, weight-only) 2.881 ms + KV 1,536 x 36,864 B / (936 x 0.707) 0.086 ms + 55.2 us x
    # 36 x 1,980/1,695 = 2.321 ms overhead + 72 all-reduces of 8,192 B: PCIe through host 72
    # x (6 + 2 x 3 us + 8,192 B / 5.0732 GB/s) = 0.980 ms -> 6.268 ms; NVLink 3 (112.5 / 2 x
    # 0.8 = 45 GB/s, vLLM's custom all-reduce) 72 x (4.5 + 1.3 us + 8,192 B / 45 GB/s) = 0.431
    # ms -> 5.72 ms. TTFT = 19.1 ms + 4.99 us x 1,024 (24.210 ms) + 2.321 ms + compute (2 x
    # 1,024 x 3,473 M + the lm_head on one token + causal attention) 7.2677e12 FLOP / (71 x
    # 0.86620 TFLOP/s) = 118.174 ms (+ softmax 0.136 ms) + 72 all-reduces of 8 MiB: PCIe 72 x
    # 1.6655 ms = 119.916 ms -> 264.757 ms, shown 265 (265.501, shown 266, at 56.3 us, 19.9
    # ms and 4.89 us before the refit on the 846 fit rows; 265.10 at the 19.5 ms request
    # overhead before that); NVLink (NCCL's ring from 8 MiB, 2 hops x 2 us) 72 x 0.1904 ms =
    # 13.71 ms -> 158.55 ms. (6.5, 260 and 5.9, 154 before the 2026-12-04
    # refit: the same sums at the 2026-12-01 coefficients.) Qwen3-8B is dense: the expert
    # compute factor does not enter.
    def tp2_fp8(at) -> tuple[float, float]:
        table = at.dataframe[-1].value
        row = table[(table["layout"] == "TP=2") & (table["KV dtype"] == "fp8")].iloc[0]
        return row["TPOT (ms)"], row["TTFT (ms)"]

    at = open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-3090", gpn="2")
    at.button(key="plan.run_sweep").click().run()
    assert tp2_fp8(at) == (6.3, 265)
    at.switch_page("ui/pages/hardware.py")
    at.run()
    at.radio(key="hw.intra_node_link").set_value("nvlink").run()
    at.switch_page("ui/pages/plan.py")
    at.run()
    assert not at.exception
    assert not [d for d in at.dataframe if "TPOT (ms)" in d.value.columns]
    assert any(c.value.startswith("Plans every quantization x layout x KV dtype")
               for c in at.caption)
    at.button(key="plan.run_sweep").click().run()
    assert tp2_fp8(at) == (5.7, 159)  # 5.72 ms, 158.55 ms by hand above


def test_the_kernel_path_names_fp16_on_a_gpu_without_bfloat16() -> None:
    # Qwen3-8B is stored in bfloat16; a T4 (7.5) has none, so vLLM serves it in float16
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="t4", gpn="2", tp="2", pp="1")
    assert not at.exception
    show_chart(at, "Throughput and latency")
    assert "Kernel path: fp16; pcie link (PCIe 3.0 x16). Coefficients" in texts(at)


def test_a_tpot_target_rows_miss_is_said_not_claimed_met() -> None:
    # Qwen3-8B on 2 RTX 3090s: one request's TPOT is 6.3 ms at the fastest row (TP=2, fp8
    # KV; worked by hand in test_a_sweep_made_on_other_hardware_is_not_shown), so a 0.5 ms
    # target is missed by every fitting row; the sweep shows those at one request, and the
    # caption said "each row at its best concurrency within the TPOT target of 0.5 ms" above
    # TPOTs of 6.3 ms and more. It now counts the rows that miss it.
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-3090", gpn="2", obj="throughput",
                   tpot="0.5")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    fitting = table[table["fits"] != "no"]
    assert fitting["TPOT (ms)"].min() == 6.3 and (fitting["at concurrency"] == 1).all()
    assert any(f"within the TPOT target of 0.5 ms, {len(fitting)} fitting rows miss it even at "
               "one request in flight (shown at one)." in c.value for c in at.caption)


def test_the_max_num_seqs_cap_reads_as_a_sentence() -> None:
    # Qwen3-32B-FP8 on 4 L40S at 400 requests (test_a_cap_set_by_max_num_seqs_is_not_blamed_
    # on_the_kv_cache): the caption ran "the KV cache holds more holding 1,536 tokens each";
    # a request holds its 1,024-token prompt and half its 1,024 output tokens on average
    at = open_page(None, model="Qwen/Qwen3-32B-FP8", gpu="l40s", gpn="4", conc="400")
    assert any("and the KV cache holds more of them, holding 1,536 tokens each on average "
               "(1,024 in + half of 1,024 out). Each of the 400 clients waits " in c.value
               for c in at.caption)


def test_the_wait_for_a_kv_slot_is_said_beside_the_capped_concurrency() -> None:
    # Qwen3-4B on one RTX 4090, 64 clients of 32,000 + 2,000 tokens: the KV cache holds 2
    # (the caption above), so, closed loop (speed._kv_wait_s, Little's law), each request
    # waits (64 / 2 - 1) = 31 served times, TTFT + 2,000 x TPOT, before its prefill starts.
    # The CLI's note gives it ("a client waits ... s for a slot"); the page showed the TTFT
    # of a served request only, as if all 64 were served at once
    at = open_page(None, gpu="rtx-4090", gpn="1", model="Qwen/Qwen3-4B",
                   **{"in": "32000", "out": "2000", "conc": "64"})
    assert not at.exception
    ttft_s = float(metric(at, "TTFT").removesuffix(" ms").replace(",", "")) / 1e3
    tpot_s = float(metric(at, "TPOT").removesuffix(" ms")) / 1e3
    [caption] = [c.value for c in at.caption if c.value.startswith("Concurrency capped at 2:")]
    shown = re.search(r"Each of the 64 clients waits ([\d,.]+) s for a slot on average before "
                      r"its prefill starts \(not in TTFT\)\.$", caption)
    assert shown, caption
    # TPOT is shown to 0.1 ms: 2,000 x 31 x 0.05 ms = 3.1 s either way
    assert abs(float(shown[1].replace(",", "")) - 31 * (ttft_s + 2000 * tpot_s)) < 3.2
    # within the KV cache: nobody waits, nothing said
    one = open_page(None, gpu="rtx-4090", gpn="1", model="Qwen/Qwen3-4B", conc="2")
    assert not any("for a slot" in c.value for c in one.caption)


def test_a_request_holding_one_token_reads_in_the_singular() -> None:
    # 1 input token and 1 output token: a request holds 1 + 1 // 2 = 1 token on average
    # (prompt + half the output, whole tokens); the caption read "holding 1 tokens each"
    at = open_page(None, **{"in": "1", "out": "1", "conc": "300"})
    assert any("holding 1 token each on average (1 in + half of 1 out)." in c.value
               for c in at.caption)


def test_one_output_token_shows_tpot_as_n_a() -> None:
    # vLLM's benchmark leaves a request of one output token out of TPOT (no gap between
    # output tokens: tests/planner/serving/test_speed_one_token.py)
    at = open_page("plan", model="Qwen/Qwen3-8B", gpu="h100-sxm", out="1", conc="256")
    assert not at.exception
    assert metric(at, "TPOT") == "n/a (one output token)"
    assert metric(at, "Tokens/s per request") == "—"
    assert metric(at, "TTFT").endswith(" ms")


def test_one_output_token_leaves_the_grids_tpot_empty_and_says_why() -> None:
    # the Plan sweep, Compare and Recommend grids: no TPOT at one output token (the cell
    # shows the grid's placeholder, the column stays numbers to sort), its tooltip says n/a
    plan = open_page("plan", model="Qwen/Qwen3-8B", gpu="h100-sxm", out="1", conc="256")
    plan.button(key="plan.run_sweep").click().run()
    compare = open_page("compare", model="Qwen/Qwen3-8B", gpu="h100-sxm", out="1")
    recommend = open_page("recommend", model="Qwen/Qwen3-8B", out="1")
    recommend.button(key="recommend.run").click().run()
    for at in (plan, compare, recommend):
        assert not at.exception
        grid = next(d for d in at.dataframe if "TPOT (ms)" in list(d.proto.column_order))
        assert grid.value["TPOT (ms)"].isna().all() and grid.value["TTFT (ms)"].notna().any()
        help_ = json.loads(grid.proto.columns)["TPOT (ms)"]["help"]
        assert "n/a where each request gives one output token" in help_
        assert grid.proto.placeholder == "—"


def test_each_throughput_figure_says_how_it_is_worked_out() -> None:
    # at one request "Tokens/s per request" (49.3) read above "Output tokens/s at 1" (47.3)
    # with no word why: 1,000 / 20.275 ms TPOT = 49.3 is the decode alone, and
    # 1 / (20.275 ms + 872.4 ms TTFT / 1,024 tokens) = 47.3 counts the TTFT; each says so
    at = open_page()
    helps = {m.label: m.help for m in at.metric}
    assert helps["Tokens/s per request"] == (
        "one request while it decodes: 1 / TPOT (its TTFT not counted, so above the "
        "all-requests figure at one request)")
    assert helps["Output tokens/s at 1"] == (
        "all requests in flight together, each request's TTFT included: requests / (TPOT + "
        "TTFT / output tokens)")


def _collectives_row(at) -> tuple[str, str]:
    """The speed terms' collectives row (its figure, its formula), Throughput tab open."""
    show_chart(at, "Throughput and latency")
    [terms] = [t.value for t in at.table if "Decode step (whole pipeline)" in t.value.index]
    [label] = [i for i in terms.index if i.endswith("per stage step") and "all-" in i]
    return label, terms.loc[label, "formula"]


def test_the_collectives_term_is_named_by_what_it_holds() -> None:
    """DeepSeek-V3 on 2 nodes of 8 H100 at TP=1 x DP=16 + EP has no TP group: its collectives
    figure is the 58 MoE layers' EP dispatch and combine alone, which the terms named "TP
    all-reduce (+ EP all-to-all)"; as the CLI's speed line (92688415), it is "EP all-to-all".
    At TP=8 x DP=2 without EP both run: 2 x 61 layers' TP all-reduce and the DP MoE
    all-gather / reduce-scatter; the seed (TP=8 + EP, DP=1): the TP all-reduce alone."""
    dsv3 = {"model": "deepseek-ai/DeepSeek-V3", "gpu": "h100-sxm", "gpn": "8", "nodes": "2",
            "len": "8192"}
    label, formula = _collectives_row(open_page("plan", **dsv3, tp="1", dp="16", ep="1"))
    assert label == "EP all-to-all per stage step"
    assert formula.startswith("TP=1: no all-reduce + 58 MoE layers x ")
    label, formula = _collectives_row(open_page("plan", **dsv3, tp="8", dp="2", ep="0"))
    assert label == "TP all-reduce + DP MoE gather per stage step"
    assert formula.startswith("2 x 61 layers x ") and " + 58 MoE layers x " in formula
    label, formula = _collectives_row(open_page())
    assert label == "TP all-reduce per stage step" and "MoE layers" not in formula


@pytest.mark.parametrize(("model", "gpu", "version", "piecewise"), [
    # TRITON_MLA piecewise decode before 0.22 (PR #42885's 50.8 us a layer), DeepSeek-V2-Lite's
    # 27 layers: (55.2 us x 27 + 23 us x 26 MoE layers) x 1,980 / 1,410 MHz = 2,932.7 us, +
    # 27 x 50.8 = 1,371.6 us: 4.304 ms
    ("deepseek-ai/DeepSeek-V2-Lite-Chat", "a100-80gb", "0.16.0",
     "+ 50.8 us x 27 layers measured for piecewise CUDA graphs (not scaled by the clock)"),
    # vLLM 0.10.x decodes with piecewise graphs on FlashAttention 2 (PR #20059's 14.3 us)
    ("Qwen/Qwen3-8B", "l40s", "0.10.2",
     "+ 14.3 us x 36 layers measured for piecewise CUDA graphs (not scaled by the clock)")])
def test_the_piecewise_cuda_graph_decode_cost_is_a_speed_term_as_the_cli_gives_it(
        capsys, model, gpu, version, piecewise) -> None:
    at = show_chart(open_page("plan", model=model, gpu=gpu, gpn="1", len="8192", vllm=version),
                    "Throughput and latency")
    assert not at.exception
    [terms] = [t.value for t in at.table if "Fixed overhead per stage step" in t.value.index]
    row = terms.loc["Fixed overhead per stage step"]
    assert piecewise in row["formula"]
    assert "piecewise_layer_us = " + piecewise.split()[1] in row["inputs"]
    capsys.readouterr()
    assert main(["plan", "--model", model, "--gpu", gpu, "--gpus", "1", "--max-model-len",
                 "8192", "--vllm-version", version, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    [term] = [t for t in cli["speed_terms"] if t["key"] == "step_overhead"]
    assert row["formula"] == term["formula"]
    if model.startswith("deepseek"):
        assert term["formula"].endswith(" = 4.304 ms")
