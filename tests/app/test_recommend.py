"""Recommend page: the cheapest configurations for a workload, prices editable in a table.

Hand-worked (as in tests/cli/test_objective_recommend_cli.py): Qwen3-235B-A22B GPTQ int4 is
~114 GiB of weights, so it needs 8 RTX 3090s (8 x $0.468 = $3.744/h with the default table)
or 2 A100/H100-class 80 GB cards; Qwen3-8B in FP8 (~8 GB) fits one 16 GB card, the cheapest
of which in the default table are the RTX A4000 and A4500 at $0.396/h (RunPod Serverless's 16
GB tier, $0.00011/s x 3600), the A4500 first at that price (the faster, so fewer $ per M
output tokens); the 24 GB RTX 3090, L4 and RTX A5000 cost $0.468/h.
"""

import json

import pytest

from cli.planner_cli import main
from planner.model.quant import SCHEMES
from tests.app.conftest import ROOT, hub_answers, open_page
from tests.planner.serving.test_wsl2 import NO_NVIDIA_SMI_TOTAL
from ui.tables import COLUMN_HELP


def _run(at):
    at.button(key="recommend.run").click().run()
    assert not at.exception
    return at.dataframe[-1].value


def test_the_page_is_registered_and_waits_for_the_button() -> None:
    at = open_page("recommend")
    assert not at.exception
    assert at.title[0].value == "Recommend"
    assert at.multiselect(key="recommend.models").value == ["Qwen/Qwen3-235B-A22B-GPTQ-Int4"]
    assert not [d for d in at.dataframe if "$/hour" in d.value.columns]


def test_cheapest_first_for_a_small_model() -> None:
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    table = _run(at)
    # launchable rows first, each group cheapest first
    runnable = table["run"] == "serve"
    assert list(runnable) == sorted(runnable, reverse=True)
    # every listed row has its command: no caption on how rows without one rank (it showed
    # whatever the rows were; test_a_row_held_back_in_its_own_format_says_no_command has one)
    assert runnable.all() and not [c for c in at.caption if c.value.startswith(
        "Rows the targeted vLLM can start come first")]
    assert list(table["$/hour"][runnable]) == sorted(table["$/hour"][runnable])
    assert table["$/hour"].iloc[0] == 0.4  # one 16 GB card at $0.396/h, rounded
    assert table["GPUs"].iloc[0].startswith("1x ")
    # fp8 of the bf16 checkpoint (~8 GB) is made at load (--quantization fp8): a command
    assert "FP8" in table["weights"].iloc[0]
    assert any("vllm serve Qwen/Qwen3-8B" in c.value for c in at.code)


def test_the_answer_above_the_inputs_is_the_clis_first_row(capsys) -> None:
    """Qwen3-8B at 32,000 tokens x 8 requests: the answer above the inputs (in view without
    scrolling, tests/browser) is recommend's first row. Its KV is 36 layers x 8 KV heads x
    (128 + 128) dims x 1 B (fp8) = 73,728 B a token, 8 x 32,000 tokens 18.9 GB with ~9 GB of
    FP8 weights (embeddings and lm_head in BF16): over one 20 GB RTX A4500, so two, at the
    table's cheapest GPU-hour ($0.396, RunPod's 16 GB tier): 2 x $0.396 = $0.792/h; $ per
    million output tokens = $0.792 / (the CLI's output tokens/s x 3,600 / 10^6)."""
    assert main(["recommend", "--model", "Qwen/Qwen3-8B", "--context", "32000",
                 "--concurrency", "8", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["rows"][0]
    assert (first["gpus"], first["gpu_key"], first["layout"]["tp"]) == (2, "rtx-a4500", 2)
    assert first["usd_per_hour"] == pytest.approx(2 * 0.396)
    per_million = 0.792 / (first["output_tokens_per_s"] * 3600 / 1e6)
    at = open_page("recommend", model="Qwen/Qwen3-8B", conc="8")
    assert not at.metric  # no answer before the button
    at.number_input(key="recommend.context").set_value(32000).run()
    _run(at)
    assert {m.label: m.value for m in at.metric} == {
        "Cheapest": "2x rtx-a4500", "$/hour": "$0.79",
        "$ per M output tokens": f"${per_million:.2f}"}
    assert f"${per_million:.2f}" == "$0.34"
    # its weights, layout, KV dtype and verdict (the CLI's, its flag in the app's words)
    assert at.caption[0].value.startswith("The cheapest GPU presets")  # what the page does
    caption = at.caption[1].value
    assert caption.startswith("Qwen/Qwen3-8B: FP8 E4M3, per-tensor scale, TP=2, KV fp8 ")
    assert first["verdict"].split(";")[0] in caption  # "Fits: 5,384 blocks = ..."
    # a changed input hides it with the rows, until the button is pressed again
    at.number_input(key="recommend.concurrency").set_value(9).run()
    assert not at.metric


def test_a_what_if_row_is_labelled_and_says_why() -> None:
    """4 requests/s on RTX 3090s: the INT8 W8A8 what-if serves on fewer cards than any
    launchable format (2 against 4); it comes after them, labelled, and picking it gives the
    reason."""
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    at.radio(key="recommend.mode").set_value("a request rate").run()
    at.number_input(key="recommend.rate").set_value(4.0).run()
    at.multiselect(key="recommend.gpus").set_value(["rtx-3090"]).run()
    table = _run(at)
    assert list(table["run"]) == ["serve", "what-if"]
    at.selectbox(key="recommend.row").set_value(1).run()
    assert any(c.value.startswith("What-if, no command:") and "quantize it first" in c.value
               for c in at.caption)


def test_an_edited_price_changes_the_order() -> None:
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    first = _run(at)["GPUs"].iloc[0]
    assert first == "1x NVIDIA RTX A4500"
    # the price editor (the page's first table): make both $0.396 cards cost $50/h
    gpus = list(at.dataframe[0].value["GPU"])
    at.session_state["recommend.prices"] = {
        "edited_rows": {gpus.index(g): {"$/GPU-hour": 50.0} for g in ("rtx-a4000", "rtx-a4500")},
        "added_rows": [], "deleted_rows": []}
    at.run()
    second = _run(at)
    assert "A4000" not in second["GPUs"].iloc[0] and "A4500" not in second["GPUs"].iloc[0]
    assert second["$/hour"].iloc[0] == 0.47  # one 24 GB card at $0.468/h, rounded


def test_a_request_rate_and_an_impossible_target() -> None:
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    at.radio(key="recommend.mode").set_value("a request rate").run()
    at.number_input(key="recommend.rate").set_value(2.0).run()
    table = _run(at)
    # 2 requests/s x 1,024 output tokens = 2,048 output tokens/s at least
    assert (table["output tok/s"] >= 2048).all()
    at.multiselect(key="recommend.gpus").set_value(["rtx-3090", "h100-sxm"]).run()
    assert set(_run(at)["GPUs"].str.split().str[-1]) <= {"3090", "HBM3"}  # the two chosen
    at.number_input(key="recommend.tpot").set_value(0.1).run()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    # and why: a TPOT of 0.1 ms is missed by every plan that fits (3090 and H100 only)
    said = [w.value for w in at.warning if "No configuration serves this workload" in w.value]
    assert len(said) == 1 and "miss the TPOT target (0.1 ms) (best TPOT " in said[0]


def test_no_configuration_names_the_fewest_gpus_that_would_serve() -> None:
    # Llama 3.1 405B, 64 x 32,000 tokens on H100s: more than 8 hold, 16 serve
    # (tests/planner/serving/test_way_out.py works it out); the page names its own control,
    # and, with no network from the Hardware page, the DGX H100's network its two nodes are
    # assumed to be on (one 400 Gb/s ConnectX-7 per GPU), as the page's rows over nodes say
    step = ": set 'At most (GPUs)' to 16."
    for net in ("", "8x400"):
        at = open_page("recommend", model="meta-llama/Meta-Llama-3.1-405B", net=net)
        at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
        at.number_input(key="recommend.context").set_value(32000).run()
        at.number_input(key="recommend.concurrency").set_value(64).run()
        at.button(key="recommend.run").click().run()
        assert not at.exception
        said = [w.value for w in at.warning if w.value.startswith("No configuration serves")]
        assert len(said) == 1 and "Searching on up to 64 GPUs: 16 would serve it (16x " \
            "h100-sxm, " in said[0]
        if net:  # given: nothing assumed, the line ends at its step
            assert said[0].endswith(step)
            continue
        assert f"{step} The network between nodes was neither given nor measured: " in said[0]
        assert said[0].endswith(" assume 400 Gb/s per GPU (DGX H100: 8x ConnectX-7, 400 Gb/s "
                                "each (NVIDIA DGX BasePOD RA)).")


def test_every_plan_refused_at_start_up_is_said_with_vllm_s_reason() -> None:
    # Gemma-3 4B (head size 256) on a B200 under vLLM 0.15.1: FlashInfer's head-256 assertion
    # refuses every plan (tests/planner/serving/test_recommend.py works it out)
    at = open_page("recommend", model="google/gemma-3-4b-it", vllm="0.15.1")
    at.multiselect(key="recommend.gpus").set_value(["b200"]).run()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    said = [w.value for w in at.warning if w.value.startswith("No configuration serves")]
    assert len(said) == 1 and " refused by vLLM at start-up (There is a bug in FlashInfer " \
        "block_size 16 head size 256 support" in said[0]


def test_rows_on_an_unmodelled_encoder_profile_are_named_in_a_warning() -> None:
    # gemma-3-4b-it's SigLIP profile is covered at vLLM's default 8 batched tokens per
    # sequence on one stage only; on a B200 (>= 160 GiB from 0.28: 16,384 / 1,024 = 16 per
    # sequence) it is not, so a B200 row fits on figures without it and the page says so
    at = open_page("recommend", model="google/gemma-3-4b-it")
    at.multiselect(key="recommend.gpus").set_value(["b200"])
    table = _run(at)
    assert table["GPUs"].iloc[0].endswith("B200")
    assert any(w.value.startswith("google/gemma-3-4b-it (#1") and
               "leave out Gemma 3 SigLIP vision encoder start-up profile" in w.value
               for w in at.warning)


def test_the_plan_pages_arrivals_reach_ttft() -> None:
    """arr=burst: the page plans with burst arrivals, as `recommend --arrival burst` does. The
    figures are the CLI's for Qwen3-8B, 8 requests, one RTX 3090 (FP8, TP=1): TTFT 421 ms
    staggered, 1,213 ms burst (8 prompts of 1,024 tokens packed into 2,048-token steps, so a
    request waits for most of the others' prefills); 422 and 1,214 ms (421.97 and 1,213.93)
    at the coefficients of the first 2026-12-05 refit, before the one on the 846 fit rows
    (per-layer 56.3 -> 55.2 us, request 19.9 -> 19.1 ms, prompt token 4.89 -> 4.99 us; the
    FP8 weights run Marlin's weight-only path on the 3090, so the fp8 figure's 0.9 -> 0.865
    does not enter); 421.57 and 1,213.53 ms, rounding the same, at the 19.5 ms request
    overhead before the 2026-12-05 refits; 421 and 1,213 ms before the
    refit on the split by model identity, 410 and 1,167 ms before the first 2026-12-04 refit
    of the speed coefficients. By hand, at today's coefficients (config.json: 36 layers,
    hidden 4,096, 32 heads, 8 KV heads x 128, MLP 12,288, vocab 151,936; the 3090's figures
    of tests/planner/serving/test_speed_seed.py, GEMMs at 71 TFLOP/s x 0.8662): FP8 GEMM
    weights 6,945,767,424 B + the 16-bit lm_head 1,244,659,712 B + norms 616,448 B = 8.191 GB
    / (936 GB/s x 0.9) = 9.724 ms; KV 8 x 1,536 x 73,728 B / (936 GB/s x 0.707) = 1.369 ms;
    overhead o = 55.2 us x 36 x 1,980/1,695 = 2.321 ms: decode step 13.414 ms. One
    prompt's compute m = (2 x 1,024 x 6,945,767,424 + 2 x 622,329,856 (the lm_head, one row)
    + 2 x 1,024 x 512 x 36 x 32 x 256 (attention)) FLOP / 61.50e12 + softmax 0.271 ms =
    236.620 ms, prefill p = m + o = 238.941 ms; host 19.1 ms + 4.99 us x 1,024 = 24.210 ms
    (Qwen3-8B is dense: the expert compute factor does not enter). Staggered: 24.210
    + 238.941 + 2 x 13.414 (async scheduling) + 0.0784 x 7 others x 238.941 (131.130) =
    421.11 ms. Burst: 4 steps of 2 whole prompts, t = o + 2 m = 475.561 ms, the 8 requests
    ending after 1, 1, 2, 2, 3, 3, 4, 4 steps: 24.210 + 2.5 t = 1,213.11 ms."""
    figures = {}
    for arrival in ("staggered", "burst"):
        at = open_page("recommend", model="Qwen/Qwen3-8B", arr=arrival)
        at.number_input(key="recommend.concurrency").set_value(8).run()
        at.multiselect(key="recommend.gpus").set_value(["rtx-3090"]).run()
        assert f"arrivals: {arrival} (TTFT and its target; CLI: `--arrival`)" in \
            at.caption[0].value  # the flag as inline code: as text it broke after a hyphen
        figures[arrival] = _run(at)["TTFT (ms)"].iloc[0]
    assert figures == {"staggered": 421, "burst": 1213}


def test_the_hardware_pages_wsl2_box_plans_the_whole_nvidia_smi_totals() -> None:
    """wsl2=1, as `recommend --wsl2`: 33 requests of 2,048 tokens of Qwen3-14B (FP8 weights
    and KV cache) on RTX 4090s. Native Linux leaves one card KV room for 32.04 of them (the
    CLI's figure), so it takes two; under WSL2 the card's total is nvidia-smi's 24564 MiB =
    25,757,220,864 B, 373,964,145 B over the preset's 25,383,256,719, which at the release's
    utilization 0.92 is 344,047,013 B more KV cache: / (40 layers x 8 KV heads x 128 x 2 x
    1 B = 81,920 B per token x 2,048 tokens) = 2.05 requests more, 34.09, so one card serves."""
    rows = {}
    for wsl2 in ("", "1"):
        at = open_page("recommend", model="Qwen/Qwen3-14B", **({"wsl2": wsl2} if wsl2 else {}))
        at.number_input(key="recommend.concurrency").set_value(33).run()
        at.multiselect(key="recommend.gpus").set_value(["rtx-4090"]).run()
        rows[wsl2] = _run(at).iloc[0]
        said = any("Windows (WSL2)" in c.value and "whole nvidia-smi total" in c.value
                   for c in at.caption)
        assert said == bool(wsl2)
    assert rows[""]["GPUs"] == "2x NVIDIA GeForce RTX 4090"
    assert rows["1"]["GPUs"] == "1x NVIDIA GeForce RTX 4090"
    assert rows["1"]["run"] == "serve" and rows["1"]["at concurrency"] == 33
    # a preset without an nvidia-smi total: named, refused in the page's words, as the CLI
    at.multiselect(key="recommend.gpus").set_value(["v100-32gb"]).run()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    assert any(e.value.startswith("Cannot search: no nvidia-smi total is on record for "
                                  "v100-32gb") and "'Memory per GPU as CUDA reports it'"
               in e.value for e in at.error)
    # not named: left out of the search and listed
    at.multiselect(key="recommend.gpus").set_value([]).run()
    at.selectbox(key="recommend.gpus_max").set_value(1).run()
    _run(at)
    listed = next(c.value for c in at.caption if c.value.startswith("Left out under Windows"))
    assert set(listed.rsplit(": ", 1)[1].rstrip(".").split(", ")) == {
        f"`{key}`" for key in NO_NVIDIA_SMI_TOTAL}  # as code, each kept on one line


def _results(at) -> list:
    """The result tables on the page (none before a search, or when its inputs changed)."""
    return [d.value for d in at.dataframe if "$/hour" in d.value.columns]


# plan of the 8x3200 answer's row (16 H100s over two nodes, TP=1 x PP=2 x DP=8, FP8, fp8 KV)
ROW_PLAN = ("plan", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "h100-sxm", "--gpus", "16",
            "--nodes", "2", "--network", "8x3200", "--tp", "1", "--pp", "2", "--dp", "8",
            "--quantization", "fp8", "--kv-cache-dtype", "fp8", "--max-model-len", "2048",
            "--input-len", "1024", "--output-len", "1024", "--json", "--concurrency")


def _row_speed(capsys, concurrency: int) -> dict:
    """The CLI plan's speed figures for the 8x3200 row at `concurrency` requests in flight."""
    assert main([*ROW_PLAN, str(concurrency)]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_hardware_pages_network_plans_counts_above_one_node(capsys) -> None:
    """net=8x3200, as `recommend --network 8x3200` (the scenario of tests/planner/serving/
    test_recommend.py): Qwen3-235B-A22B at 40 requests/s x 1,024 output tokens = 40,960 output
    tokens/s on up to 16 H100s. Over each H100's DGX network (one 400 Gb/s NIC per GPU) no
    count serves it; over 8 NICs x 3,200 Gb/s per node (3,200 Gb/s per GPU, 8x faster) 16 GPUs
    do, FP8, TP=1 x PP=2 x DP=8 over both nodes (the full sweep's row; the CLI's 4,731.5 ms
    TTFT and 67.758 ms TPOT: by Little's law 40 x (4.7315 + 1,024 x 0.067758 s) = 2,964.6, so
    2,965 requests in flight, and 2,965 / (0.067758 + 4.7315 / 1,024 s) = 40,965 output
    tokens/s). At 50 requests/s 16 GPUs served it with DP=16 + EP (51,207 tok/s) until the
    MoE dispatch at DP > 1 was costed as vLLM's allgather_reducescatter gathers it
    (2026-12-07): no count up to 16 serves 50 now, on either network.
    A slower network (1x10) is named and, serving on no fewer GPUs than the DGX one, finds
    nothing either. The result is tied to the network: changing it asks for a new search."""
    found = {}
    for net in ("", "1x10", "8x3200"):
        at = open_page("recommend", model="Qwen/Qwen3-235B-A22B", net=net)
        at.radio(key="recommend.mode").set_value("a request rate").run()
        at.number_input(key="recommend.rate").set_value(40.0).run()
        at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
        at.selectbox(key="recommend.gpus_max").set_value(16).run()
        named = [c.value for c in at.caption if c.value.startswith("Network between nodes")]
        assert len(named) == bool(net)
        at.button(key="recommend.run").click().run()
        assert not at.exception
        found[net] = _results(at)[0].iloc[0] if _results(at) else None
        if net:
            assert f"(CLI: `--network {net}`)" in named[0]  # inline code, kept whole
        if found[net] is None:
            assert any(w.value.startswith("No configuration serves") for w in at.warning)
    assert found[""] is None and found["1x10"] is None
    row = found["8x3200"]
    assert row["GPUs"] == "16x NVIDIA H100 80GB HBM3" and row["KV dtype"] == "fp8"
    assert "FP8" in row["weights"] and row["layout"] == "TP=1 x PP=2 x DP=8"
    # the row's 40,965 tok/s by its rule (sweep.row_speed: the fewest requests in flight whose
    # output tokens/s reach 40 x 1,024 = 40,960; speed.estimate's aggregate = concurrency /
    # (TPOT + TTFT / output_len)): plan at 2,965 gives TTFT 4,731.54 ms, TPOT 67.758 ms, and
    # 2,965 x 1,024 / (4,731.54 + 1,024 x 67.758 ms) = 2,965 x 1,024 / 74,115.73 ms = 40,965.1
    # tok/s; at 2,964 the same TTFT and TPOT give 40,951.3 < 40,960 (2,966 and 40,969 before
    # the FP8 router of router_dtype.gate_quantized, 94 x 4,096 x 128 B less a GPU's weights)
    reach, under = _row_speed(capsys, 2965), _row_speed(capsys, 2964)
    assert row["at concurrency"] == 2965
    assert (row["TTFT (ms)"], row["TPOT (ms)"]) == (round(reach["ttft_ms"]),
                                                    round(reach["tpot_ms"], 1)) == (4732, 67.8)
    for count, speed in ((2965, reach), (2964, under)):
        assert speed["output_tokens_per_s"] == pytest.approx(
            count * 1_024 / (speed["ttft_ms"] + 1_024 * speed["tpot_ms"]) * 1e3)
    assert under["output_tokens_per_s"] < 40 * 1024 <= reach["output_tokens_per_s"]
    assert row["output tok/s"] == round(reach["output_tokens_per_s"]) == 40965
    # the Hardware page's network changed (the state is its record): the 8x3200 answer goes
    at.session_state["app_state"].network = "1x10"
    at.run()
    assert not at.exception and not _results(at)
    assert any(c.value.startswith("Set the workload and press") for c in at.caption)
    at.session_state["app_state"].network = "8x3200"
    at.run()
    assert _results(at)[0].iloc[0]["GPUs"] == "16x NVIDIA H100 80GB HBM3"


def test_rows_over_nodes_on_an_assumed_network_say_so() -> None:
    """The page planned rows over several nodes on the GPU's DGX network, assumed, without a
    word where the Hardware page gave none (review-h436 #3): it says so as the sidebar does.
    64 requests of 32,000 tokens of Qwen3-32B take two nodes of RTX 3090s (their fp8 KV alone
    is 64 x 32,000 x 2 x 64 layers x 8 KV heads x 128 x 1 B = 250 GiB > 8 x 23.57 GiB)."""
    for net in ("", "2x100"):
        at = open_page("recommend", model="Qwen/Qwen3-32B", net=net)
        at.number_input(key="recommend.context").set_value(32000).run()
        at.number_input(key="recommend.concurrency").set_value(64).run()
        at.multiselect(key="recommend.gpus").set_value(["rtx-3090"]).run()
        at.selectbox(key="recommend.gpus_max").set_value(16).run()
        assert _run(at)["GPUs"].iloc[0] == "16x NVIDIA GeForce RTX 3090"
        assumed = [c.value for c in at.caption
                   if c.value.startswith("The network between nodes was neither given")]
        if net:  # given: planned over it, named by the page's own caption
            assert not assumed
            continue
        [note] = assumed
        assert "assume 400 Gb/s per GPU (unverified: no DGX reference for NVIDIA GeForce RTX " \
               "3090" in note
        assert note.endswith("; give it in the Hardware page's 'Network between nodes' (as the "
                             "CLI's --network).")


def test_a_row_over_nodes_says_what_the_other_nodes_run() -> None:
    """The page showed node 0's command of a row over two nodes (the 16 RTX 3090s above) and
    the note "run node R's command there" without node R's command, which the CLI's Launch
    line gives ("Node R's command is this one with --node-rank R --headless"): the caption now
    says it, and how to pick each node's network interface."""
    at = open_page("recommend", model="Qwen/Qwen3-32B", net="2x100")
    at.number_input(key="recommend.context").set_value(32000).run()
    at.number_input(key="recommend.concurrency").set_value(64).run()
    at.multiselect(key="recommend.gpus").set_value(["rtx-3090"]).run()
    at.selectbox(key="recommend.gpus_max").set_value(16).run()
    assert _run(at)["GPUs"].iloc[0] == "16x NVIDIA GeForce RTX 3090"
    [command] = [c.value for c in at.code if "vllm serve" in c.value]
    assert command.endswith("--node-rank 0")
    [note] = [c.value for c in at.caption if c.value.startswith("Over 2 nodes:")]
    assert "Node R's command is this one with `--node-rank` R `--headless`." in note
    assert "NCCL_SOCKET_IFNAME" in note


def test_gpus_without_a_price_say_where_to_enter_one() -> None:
    # the planner's message ended "give one with --price KEY=USD", a flag the page has not
    at = open_page("recommend")
    at.multiselect(key="recommend.gpus").set_value(["mi300x"]).run()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Cannot search: no GPU in the search has a price (mi300x: none on record): enter a $ "
        "per GPU-hour for mi300x in the 'Prices' table."]


def test_an_emptied_price_leaves_the_gpu_out() -> None:
    # the price column's help: "empty: the GPU is left out". Emptying two $0.468 cards'
    # cells (RTX 3090, L4: 24 GB cards that serve Qwen3-8B) planned them at that default price
    # still; now neither is searched, and the page names them as unpriced
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    gpus = list(at.dataframe[0].value["GPU"])
    at.session_state["recommend.prices"] = {
        "edited_rows": {gpus.index(g): {"$/GPU-hour": None} for g in ("rtx-3090", "l4")},
        "added_rows": [], "deleted_rows": []}
    at.run()
    table = _run(at)
    assert not table["GPUs"].str.contains("RTX 3090|L4$").any()
    left_out = next(c.value for c in at.caption if c.value.startswith("Left out for want of "
                                                                      "a price: "))
    assert {"`rtx-3090`", "`l4`"} <= set(left_out.removesuffix(".").split(": ")[1].split(", "))


def test_the_inputs_and_prices_stay_after_a_visit_to_another_page() -> None:
    # README: "These inputs stay in the session". Streamlit forgets a widget's value once its
    # page is left: back from the Plan page, the lengths, the targets, the GPU filter and the
    # price edits (in a folded expander) were the defaults again, so the search ran on the
    # default prices. Qwen3-8B at 4,096 input tokens on the RTX 3090 and L4 only, both at
    # $50/h after the edit: one card serves it, so the cheapest row costs $50.00/h, not $0.47
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    gpus = list(at.dataframe[0].value["GPU"])
    at.session_state["recommend.prices"] = {
        "edited_rows": {gpus.index(g): {"$/GPU-hour": 50.0} for g in ("rtx-3090", "l4")},
        "added_rows": [], "deleted_rows": []}
    at.run()
    at.number_input(key="recommend.input_len").set_value(4096).run()
    at.number_input(key="recommend.tpot").set_value(500.0).run()
    at.multiselect(key="recommend.gpus").set_value(["rtx-3090", "l4"]).run()
    at.switch_page("ui/pages/plan.py")
    at.run()
    at.switch_page("ui/pages/recommend.py")
    at.run()
    assert not at.exception
    assert at.number_input(key="recommend.input_len").value == 4096
    assert at.number_input(key="recommend.tpot").value == 500.0
    assert at.number_input(key="recommend.output_len").value == 1024  # never changed here
    assert at.multiselect(key="recommend.gpus").value == ["rtx-3090", "l4"]
    prices = at.dataframe[0].value.set_index("GPU")["$/GPU-hour"]
    assert (prices["rtx-3090"], prices["l4"], prices["h100-sxm"]) == (50.0, 50.0, 3.99)
    table = _run(at)
    assert table["$/hour"].iloc[0] == 50.0


def test_the_rows_grid_holds_the_cost_and_speed_at_laptop_width() -> None:
    # 14 columns scrolled sideways at 1280 px, the $ per million output tokens, TTFT, TPOT and
    # tok/s out of sight: the grid holds those under short labels, the rest one click away;
    # the model column only when more than one model is searched (it repeats otherwise).
    # With two models the grid was 935 px in 818 at 1280 x 800 (tok/s and run out of sight,
    # helper 279's browser QA): the weight format by its --target-quant name (its full name
    # under More columns), the model by its name without the owner, run as serve / what-if
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    _run(at)
    rows, more = (d.proto for d in at.dataframe[-2:])
    assert list(rows.column_order) == [
        "preset", "format", "layout", "KV dtype", "$/hour", "$ per M output tokens",
        "TTFT (ms)", "TPOT (ms)", "output tok/s", "run"]
    assert list(more.column_order) == ["preset", "GPUs", "model", "weights",
                                       "price is an estimate", "at concurrency",
                                       "ceiling (tokens)"]
    at.multiselect(key="recommend.models").set_value(["Qwen/Qwen3-8B", "Qwen/Qwen3-32B"]).run()
    _run(at)
    assert at.dataframe[-2].proto.column_order[0] == "name"
    table = at.dataframe[-2].value
    assert set(table["name"]) == {"Qwen3-8B", "Qwen3-32B"}
    assert set(table["format"]) <= set(SCHEMES) and set(table["run"]) <= {"serve", "what-if"}


def test_the_rows_grid_names_each_gpu_by_its_preset() -> None:
    # the grid's GPU cell held the full name and cut it at its edge at 1280 px: "1x NVIDIA
    # GeForce RTX 309" (the 3090 or the 3090 Ti?), "1x NVIDIA RTX 6000 Ada Ge"; and two
    # presets share one name (rtx-3080 and rtx-3080-12gb: "NVIDIA GeForce RTX 3080"). It
    # names the preset, as the CLI's recommend table does ("1x rtx-a4500" first for this
    # model: one 16 GB card at $0.396/h, module docstring), the full name beside it under
    # More columns
    from planner.serving.hardware import GPU_PRESETS

    at = open_page("recommend", model="Qwen/Qwen3-8B")
    table = _run(at)
    assert table["preset"].iloc[0] == "1x rtx-a4500"
    for preset, full in zip(table["preset"], table["GPUs"], strict=True):
        count, key = preset.split("x ", 1)
        assert full == f"{count}x {GPU_PRESETS[key].name}"


def test_the_plan_pages_block_size_reaches_the_search() -> None:
    """Gemma-3 4B (head size 256) on a B200 under vLLM 0.15.0 starts only with --block-size
    32 or 64 (FlashInfer's assertion, README), which the Plan page's bs=32 gives: the search
    ignored it and found no configuration. With it, the CLI's `recommend --model
    google/gemma-3-4b-it --vllm-version 0.15.0 --gpu b200 --block-size 32` row: one B200 at
    $6.79/h, its command carrying --block-size 32."""
    at = open_page("recommend", model="google/gemma-3-4b-it", vllm="0.15.0", bs="32")
    at.multiselect(key="recommend.gpus").set_value(["b200"]).run()
    row = _run(at).iloc[0]
    assert (row["GPUs"], row["$/hour"]) == ("1x NVIDIA B200", 6.79)
    assert any(c.value.startswith("vllm serve google/gemma-3-4b-it ")
               and c.value.endswith(" --block-size 32") for c in at.code)
    assert "KV block size: 32 tokens (CLI: `--block-size`)." in at.caption[0].value


def test_a_row_opens_on_the_plan_page() -> None:
    """'Open it on the Plan page' plans the chosen row there: the seed model on 8 RTX 3090
    presets (the Hardware page's custom 22 GiB and PCIe link give way to the preset's own),
    TP=4 x PP=2 without EP, fp8 KV, at the workload's context (input + output = 2,048).
    Hand-worked: 94 layers over 2 stages = 47 per GPU, the 4 KV heads split over TP=4 = 1,
    head_dim 128, fp8 1 B: KV bytes per token per GPU = 2 x 47 x 1 x 128 x 1 = 12,032 B."""
    at = open_page("recommend", gmem="22", link="pcie", tp="8", ep="1")
    table = _run(at)
    index = int(table.index[(table["GPUs"] == "8x NVIDIA GeForce RTX 3090")
                            & (table["layout"] == "TP=4 x PP=2")
                            & (table["KV dtype"] == "fp8")][0])
    at.selectbox(key="recommend.row").set_value(index).run()
    command = at.code[-1].value
    assert command.startswith("vllm serve Qwen/Qwen3-235B-A22B-GPTQ-Int4 ")
    at.button(key="recommend.plan_row").click().run()
    assert not at.exception
    assert at.title[0].value == "Plan"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["KV bytes/token per GPU"] == "12,032 B"
    assert "Concurrency at 2,048 tokens" in metrics
    assert [c.value for c in at.code if c.value.startswith("vllm serve")] == [command]
    link = at.query_params
    assert {k: link[k] for k in ("gpu", "gpn", "nodes", "tp", "pp", "dp", "ep", "kv", "len")} \
        == {"gpu": "rtx-3090", "gpn": "8", "nodes": "1", "tp": "4", "pp": "2", "dp": "1",
            "ep": "0", "kv": "fp8", "len": "2048"}
    assert "gmem" not in link and link["link"] == "auto"
    # back on the Recommend page, the search is still there
    at.switch_page("ui/pages/recommend.py")
    at.run()
    assert not at.exception and any(c.value.startswith("vllm serve") for c in at.code)


def test_a_row_at_a_raised_max_num_seqs_opens_with_it() -> None:
    """Qwen3-8B, 500 requests, TTFT <= 5,000 ms on RTX A6000s (review-h436 #1): the row's
    command runs 500 at once, --max-num-seqs 500 (ceil(500 / DP 1) over the A6000's default
    256), and the Plan page it opens on plans the same command, with the seqs in its link."""
    at = open_page("recommend", model="Qwen/Qwen3-8B", seqs="64")  # the Plan page's own 64
    at.number_input(key="recommend.concurrency").set_value(500).run()
    at.number_input(key="recommend.ttft").set_value(5000.0).run()
    at.multiselect(key="recommend.gpus").set_value(["rtx-a6000"]).run()
    at.selectbox(key="recommend.gpus_max").set_value(2).run()
    table = _run(at)
    assert list(table["GPUs"]) == ["2x NVIDIA RTX A6000"]
    assert list(table["at concurrency"]) == [500]
    command = at.code[-1].value
    assert command.endswith(" --max-num-seqs 500")
    at.button(key="recommend.plan_row").click().run()
    assert not at.exception and at.title[0].value == "Plan"
    assert [c.value for c in at.code if c.value.startswith("vllm serve")] == [command]
    assert at.query_params["seqs"] == "500"


def test_the_searched_models_config_warnings_are_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    # the Plan page and the CLI's recommend show the parser's warnings; this page dropped them:
    # an FP8 checkpoint whose config.json lacks its quantization_config was searched as 16-bit
    # weights without a word
    config = json.loads((ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-0.6B.json")
                        .read_text()) | {"torch_dtype": "float8_e4m3fn"}
    hub_answers(monkeypatch, "acme/fp8-no-qc", config)
    at = open_page("recommend", model="acme/fp8-no-qc")
    at.selectbox(key="recommend.gpus_max").set_value(1)
    at.multiselect(key="recommend.gpus").set_value(["rtx-3090"])
    _run(at)
    shown = [w.value for w in at.warning]
    assert ("acme/fp8-no-qc: config.json: torch_dtype = 'float8_e4m3fn' is not a 16/32-bit "
            "float: planned as bfloat16") in shown, shown
    assert any(w.startswith("acme/fp8-no-qc: acme/fp8-no-qc looks quantized (fp8)")
               for w in shown), shown


def test_the_context_label_is_short_and_its_empty_meaning_in_the_field() -> None:
    # "Context (max_model_len; empty: input + output)" took two lines in its quarter of the
    # row at 1280 and 1440 px, its field below the others (tests/browser checks the line-up):
    # what empty means is the field's placeholder and its help
    field = open_page("recommend").number_input(key="recommend.context")
    assert (field.label, field.placeholder) == ("Context (max_model_len)", "input + output")
    assert field.help.endswith("empty: input + output tokens")


def test_the_money_columns_read_in_dollars_and_cents() -> None:
    # the grid's localized format drops trailing zeros: "$/M tok" read 17.356 beside 18.12 and
    # 24.34 (8x RTX 3090 vs 4x A40 vs 8x L4 for the seed, helper 290's QA); both money
    # columns now show dollars and cents ("$17.36"), the figures themselves unchanged
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    _run(at)
    grid = at.dataframe[-2]
    config = json.loads(grid.proto.columns)
    for name, label in (("$/hour", "$/h"), ("$ per M output tokens", "$/M tok")):
        assert config[name]["label"] == label
        assert config[name]["type_config"] == {"type": "number", "format": "dollar"}
    assert grid.value["$/hour"].iloc[0] == 0.4  # the data stays a number, to sort
    # the other numbers keep their thousands separators
    assert config["TTFT (ms)"]["type_config"] == {"type": "number", "format": "localized"}


def test_an_out_of_range_number_is_refused_aloud_and_the_kept_value_stays() -> None:
    # the workload fields had widget bounds (Input tokens 1..16,777,216, Concurrency 1..65,536,
    # the targets from 0.1 ms): a value outside them was dropped without a word, as the
    # Plan page's fields were before they lost theirs (test_newcomer)
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    for field in at.number_input:
        assert field.min is None and field.max is None, field.key
    at.number_input(key="recommend.input_len").set_value(4096).run()
    at.number_input(key="recommend.input_len").set_value(0).run()
    assert not at.exception
    refusals = [w.value for w in at.main.warning if "refused" in w.value]
    assert refusals == ["Input tokens = 0 refused: the value must be greater than or equal to "
                        "1. Kept 4,096."]
    # the field keeps the 0 to correct (ui.state.typed_input), its reason under it while it
    # does; the search takes the 4,096 kept
    assert at.number_input(key="recommend.input_len").value == 0
    at.number_input(key="recommend.concurrency").set_value(100_000).run()
    refusals = [w.value for w in at.main.warning if "refused" in w.value]
    assert refusals[1:] == ["Concurrency = 100,000 refused: the value must be less than or "
                            "equal to 65,536. Kept 1."]
    at.number_input(key="recommend.tpot").set_value(0.05).run()
    refusals = [w.value for w in at.main.warning if "refused" in w.value]
    assert refusals[2:] == ["TPOT target = 0.05 refused: the value must be greater than or "
                            "equal to 0.1. Kept empty (the default)."]
    assert at.number_input(key="recommend.tpot").value == 0.05
    # values inside the limits are taken and searched with: 4,096 input tokens on one GPU
    at.number_input(key="recommend.input_len").set_value(4096).run()
    at.number_input(key="recommend.concurrency").set_value(1).run()
    at.number_input(key="recommend.tpot").set_value(500.0).run()
    assert not [w for w in at.main.warning if "refused" in w.value]
    assert _run(at)["TPOT (ms)"].max() <= 500


def test_the_prices_caption_names_every_kind_of_source_the_table_has() -> None:
    # it said "(RunPod, else Lambda), else an estimate", where the RTX 3090, L4, RTX A6000,
    # A40, RTX 6000 Ada and L40 rows are RunPod Serverless's always-on worker rate, dearer than
    # a pod (docs/prices.md; planner.serving.prices), and no row is an estimate
    at = open_page("recommend")
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("On-demand rates"))
    assert "RunPod's pods, else Lambda's list, else RunPod Serverless's always-on worker " \
        "rate (usually dearer than a pod)" in caption


def test_a_ceiling_past_the_context_is_explained_where_the_column_is() -> None:
    """The ceiling column under "More columns" beside commands that set a shorter
    --max-model-len: the CLI's note (tests/cli/test_recommend_ceiling_note.py) is given under
    it. Qwen3-8B (max_position_embeddings 40,960) on one RTX 3090: 0.92 x 23.57 GiB = 21.7 GiB,
    less ~8.8 GiB of FP8 weights, leaves ~11 GiB; an fp8 KV token is 36 layers x 8 KV heads x
    (128 + 128) x 1 B = 73,728 B: ~160k tokens, so the ceiling is the model's 40,960."""
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    at.multiselect(key="recommend.gpus").set_value(["rtx-3090"]).run()
    at.number_input(key="recommend.context").set_value(8192).run()
    table = _run(at)
    assert table["ceiling (tokens)"].iloc[0] == 40_960
    assert any("--max-model-len 8192 " in c.value for c in at.code)
    [more] = [e for e in at.expander if e.label.startswith("More columns")]
    assert [c.value for c in more.caption] == [
        "ceiling (tokens): the longest single request a row's KV cache holds, at a larger "
        "--max-model-len than the 8,192 its command sets (the model's limit at most)."]
    at.number_input(key="recommend.context").set_value(40960).run()
    _run(at)
    [more] = [e for e in at.expander if e.label.startswith("More columns")]
    assert not more.caption


def test_a_context_longer_than_the_model_s_names_the_field() -> None:
    # Qwen3-8B's config.json: max_position_embeddings 40,960; the page's field is "Context
    # (max_model_len)", not recommend's --context (the CLI's words, the planner's text)
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    at.number_input(key="recommend.context").set_value(1_000_000).run()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Cannot search: Qwen/Qwen3-8B: a context of 1,000,000 tokens is longer than the "
        "model's 40,960 (vLLM refuses a max_model_len longer than that; the Recommend "
        "page's Context field sets it, its \"Allow a context longer than the model's\" box plans "
        "it past the model's as vLLM serves it under VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)."]


def test_a_blank_model_typed_into_models_is_said_as_blank_not_a_local_path() -> None:
    # bound with keep, not bind, the picker skipped the state's check of blank entries: "Cannot
    # search: '' looks like a local path; the app takes Hugging Face repo ids"
    at = open_page("recommend")
    at.multiselect(key="recommend.models").set_value(["  "]).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Cannot search: Models: an entry is blank: a model is a Hugging Face repo id such as "
        "Qwen/Qwen3-8B, not blank."]


def test_a_dollar_a_token_and_more_reads_with_an_exponent() -> None:
    # 1x h100-sxm at its $3.99/h serving 0.001 requests/s of 1 output token: 0.001 x 3,600 =
    # 3.6 tokens an hour, 3.99 / 3.6 x 10^6 = $1,108,333.33 per million, past USD_EXPONENT_FROM
    # ($1e6, a dollar a token): "$1.11e+06", as the CLI's table writes it ("1.11e+06"), where
    # the CLI wrote 1e300 in 301 digits
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    at.number_input(key="recommend.output_len").set_value(1).run()
    at.radio(key="recommend.mode").set_value("a request rate").run()
    at.number_input(key="recommend.rate").set_value(0.001).run()
    _run(at)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Cheapest"], metrics["$/hour"]) == ("1x h100-sxm", "$3.99")
    assert metrics["$ per M output tokens"] == "$1.11e+06"


def test_a_row_held_back_in_its_own_format_says_no_command() -> None:
    """Kimi-K2-Instruct on B200s (tests/cli/test_recommend_launch_note.py): its FP8 checkpoint
    as stored on 8 of them, no command without --trust-remote-code (its tokenizer's code).
    The run column said "what-if" and the caption "what-if rows (a format with no checkpoint
    vLLM can load)", and picking the row "What-if, no command: No launch command: ..."."""
    at = open_page("recommend", model="moonshotai/Kimi-K2-Instruct")
    at.multiselect(key="recommend.gpus").set_value(["b200"]).run()
    at.number_input(key="recommend.context").set_value(8000).run()
    table = _run(at)
    assert list(table["run"]) == ["no command"] and list(table["format"]) == ["fp8-block128"]
    # the run column's tooltip names the word too (it knew serve and what-if only)
    assert "no command: the checkpoint as stored or quantized at load" in COLUMN_HELP["run"]
    assert list(table["preset"]) == ["8x b200"]
    # the answer above the inputs: no "(what-if)", nor "with its command"
    assert at.metric[0].label == "Cheapest (no command)" and at.metric[0].value == "8x b200"
    assert any(c.value.startswith("moonshotai/Kimi-K2-Instruct: FP8 E4M3, 128x128 block "
                                  "scales, ") and
               "(row 1 below, with why it has no command)" in c.value for c in at.caption)
    assert not [c for c in at.code if "vllm serve" in c.value]
    (note,) = [c.value for c in at.caption if c.value.startswith("No command: ")]
    assert note.startswith("No command: tokenizer_config.json's tokenizer_class "
                           "'TikTokenTokenizer'"), note
    assert "No launch command" not in note
    assert any(c.value.startswith("Rows the targeted vLLM can start come first") and
               "no command (another reason, e.g. a flag to give)" in c.value
               for c in at.caption)
