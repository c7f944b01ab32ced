"""Recommend page: the cheapest configurations for a workload, prices editable in a table.

Hand-worked (as in tests/cli/test_objective_recommend_cli.py): Qwen3-235B-A22B GPTQ int4 is
~114 GiB of weights, so it needs 8 RTX 3090s (8 x $0.468 = $3.744/h with the default table)
or 2 A100/H100-class 80 GB cards; Qwen3-8B in int4 fits one 24 GB card, the cheapest of
which in the default table are the RTX 3090 and L4 at $0.468/h.
"""

from tests.app.conftest import open_page


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
    runnable = table["run"] == "vllm serve"
    assert list(runnable) == sorted(runnable, reverse=True)
    assert list(table["$/hour"][runnable]) == sorted(table["$/hour"][runnable])
    assert table["$/hour"].iloc[0] == 0.47  # one 24 GB card at $0.468/h, rounded
    assert table["GPUs"].iloc[0].startswith("1x ")
    # fp8 of the bf16 checkpoint (~8 GB) is made at load (--quantization fp8): a command
    assert "FP8" in table["weights"].iloc[0]
    assert any("vllm serve Qwen/Qwen3-8B" in c.value for c in at.code)


def test_a_what_if_row_is_labelled_and_says_why() -> None:
    """3 requests/s on RTX 3090s: the INT8 W8A8 what-if serves on fewer cards than any
    launchable format; it comes after them, labelled, and picking it gives the reason."""
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    at.radio(key="recommend.mode").set_value("a request rate").run()
    at.number_input(key="recommend.rate").set_value(3.0).run()
    at.multiselect(key="recommend.gpus").set_value(["rtx-3090"]).run()
    table = _run(at)
    assert list(table["run"]) == ["vllm serve", "what-if (no command)"]
    at.selectbox(key="recommend.row").set_value(1).run()
    assert any(c.value.startswith("What-if, no command:") and "quantize it first" in c.value
               for c in at.caption)


def test_an_edited_price_changes_the_order() -> None:
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    first = _run(at)["GPUs"].iloc[0]
    assert "3090" in first or "L4" in first
    # the price editor (the page's first table): make both $0.468 cards cost $50/h
    gpus = list(at.dataframe[0].value["GPU"])
    at.session_state["recommend.prices"] = {
        "edited_rows": {gpus.index(g): {"$/GPU-hour": 50.0} for g in ("rtx-3090", "l4")},
        "added_rows": [], "deleted_rows": []}
    at.run()
    second = _run(at)
    assert "3090" not in second["GPUs"].iloc[0] and "L4" not in second["GPUs"].iloc[0]
    assert second["$/hour"].iloc[0] > 0.47


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
    assert any("No configuration serves this workload" in w.value for w in at.warning)


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
    figures are the CLI's for Qwen3-8B, 8 requests, one RTX 3090 (FP8, TP=1): TTFT 537 ms
    staggered, 1,584 ms burst (8 prompts of 1,024 tokens packed into 2,048-token steps, so a
    request waits for most of the others' prefills)."""
    figures = {}
    for arrival in ("staggered", "burst"):
        at = open_page("recommend", model="Qwen/Qwen3-8B", arr=arrival)
        at.number_input(key="recommend.concurrency").set_value(8).run()
        at.multiselect(key="recommend.gpus").set_value(["rtx-3090"]).run()
        assert f"arrivals: {arrival}" in at.caption[0].value
        figures[arrival] = _run(at)["TTFT (ms)"].iloc[0]
    assert figures == {"staggered": 537, "burst": 1584}
