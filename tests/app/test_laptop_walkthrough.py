"""What a new user's walkthrough at 1280x800 and 1366x768 found (session 54, h760: the seed on
8 RTX 3090s, Llama-3.1-8B on one RTX 4090, Qwen3-30B-A3B on 2 x 8 H100s at DP=16 + EP): the
same KV formula twice at TP=1, a refused plan's KV bytes per token alone at the right of an
empty row, the Report page's summary without the plan's speed, and an unreadable model's
reason twice side by side (the sidebar's and the page's)."""

import re

import pytest
from streamlit.testing.v1.element_tree import Block

from tests.app.conftest import open_link, open_page

LLAMA_8B = {"model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "rtx-4090", "gpn": "1"}
"""Llama-3.1-8B-Instruct (config.json: 32 layers, 8 KV heads, head_dim 128, bfloat16,
max_position_embeddings 131,072) on one RTX 4090: its 131,072 tokens take 32 x 8 x 256 x 2 B =
131,072 B x 131,072 = 16.00 GiB of KV, over the pool the 23.64 GiB card leaves, so refused."""
QWEN3_30B_DP = {"model": "Qwen/Qwen3-30B-A3B", "gpu": "h100-sxm", "gpn": "8", "nodes": "2",
                "tp": "1", "pp": "1", "dp": "16", "ep": "1"}


def _kv_formulas(at) -> tuple[list[str], list[str]]:
    """The Plan page's KV formula headings and their code blocks."""
    heads = [m.value for m in at.markdown if m.value.startswith("KV bytes per token, ")]
    return heads, [c.value for c in at.code if "KV heads x" in c.value]


def test_one_gpus_kv_formula_is_shown_once() -> None:
    # TP=1, no PP: the whole model's KV per token is what each GPU holds, and the page showed
    # the same heading figure and formula twice ("whole model (TP=1)" then "per GPU at TP=1").
    # 32 layers x [8 KV heads x (128 + 128) dims x 2 B = 4,096 B] = 131,072 B
    at = open_page(None, **LLAMA_8B)
    assert not at.exception
    heads, codes = _kv_formulas(at)
    assert heads == ["KV bytes per token, whole model (TP=1): **131,072 B**, all of it on each "
                     "GPU"]
    assert codes == ["32 layers x [max(1, 8 // 1) KV heads x (128 + 128) dims x 2 B = 4,096 B] "
                     "= 131,072 B"]
    # Qwen3-30B-A3B at TP=1 x DP=16 on two nodes: still one GPU's whole model, once.
    # 48 layers x [4 KV heads x 256 dims x 2 B = 2,048 B] = 98,304 B
    heads, codes = _kv_formulas(open_page(None, **QWEN3_30B_DP))
    assert heads == ["KV bytes per token, whole model (TP=1): **98,304 B**, all of it on each "
                     "GPU"] and len(codes) == 1


def test_tp_above_one_keeps_both_kv_formulas() -> None:
    # Llama-3.1-8B at TP=2: each GPU holds 8 // 2 = 4 KV heads, 32 x 4 x 256 x 2 B = 65,536 B,
    # half the whole model's 131,072 B: two figures, two formulas
    at = open_page(None, **{**LLAMA_8B, "gpn": "2", "tp": "2"})
    heads, codes = _kv_formulas(at)
    assert heads == ["KV bytes per token, whole model (TP=1): **131,072 B**",
                     "KV bytes per token, per GPU at TP=2: **65,536 B**"]
    assert len(codes) == 2 and codes[1].endswith("= 65,536 B")


def _column_of(at, label: str) -> int:
    """The index, in its row of columns, of the column holding the metric `label`."""
    def walk(node, column):
        if isinstance(node, Block):
            for index, child in node.children.items():
                yield from walk(child, index if node.type == "flex_container" else column)
        elif node.type == "metric" and node.label == label:
            yield column
    [column] = walk(at.main, None)
    return column


def test_without_a_speed_kv_bytes_per_token_is_at_the_rows_left() -> None:
    # a refused plan has no TTFT, TPOT nor rates: "KV bytes/token per GPU" stood alone in the
    # third column after two empty ones, under the concurrency; now under the KV room
    refused = open_page(None, **LLAMA_8B)
    assert not any(s.value.startswith("Fits:") for s in refused.success)
    assert _column_of(refused, "KV bytes/token per GPU") == 0
    assert _column_of(refused, "KV room, one request (tokens)") == 0
    # with a speed the row holds the two rates first, the KV figure third, as before
    seed = open_page()
    assert _column_of(seed, "Tokens/s per request") == 0
    assert _column_of(seed, "KV bytes/token per GPU") == 2


def _summary(at) -> str:
    markdown = at.main.markdown[-1].value
    return markdown.split("## Executive summary")[1].split("\n## ")[0]


def test_the_reports_summary_names_the_plans_speed() -> None:
    # the summary gave the verdict, ceiling, concurrency and configuration; TTFT, TPOT and
    # output tokens/s stood only under Performance expectations, some eight screens down the
    # Report page at 1280x800. The line quotes that table's figures, at the page's load
    at = open_page("report", gpu="rtx-3090", gpn="8", model="Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    assert not at.exception
    markdown = at.main.markdown[-1].value
    table = markdown.split("## Performance expectations")[1]
    ttft = re.search(r"\| Time to first token \(TTFT\) \| ([\d,]+ ms) \|", table)[1]
    tpot = re.search(r"\| Time per output token \(TPOT\) \| ([\d.,]+ ms) \|", table)[1]
    rate = re.search(r"\| Output tokens/s, all requests \| ([\d.,]+) \|", table)[1]
    assert (f"- Speed at 1,024 input and 1,024 output tokens, 1 request at once: TTFT {ttft}, "
            f"TPOT {tpot}, {rate} output tokens/s (all requests; how each is made: "
            "Performance expectations)\n") in _summary(at)
    # a refused plan says why it has none, there too
    refused = open_page("report", **LLAMA_8B)
    assert "\n- No speed figures: the plan does not fit.\n" in _summary(refused)


UNREAD = "nobody/no-such-model-xyz"
"""A repo id in neither the bundled catalog nor the local cache: offline (every app test sets
HF_HUB_OFFLINE) the model cannot be read."""


@pytest.mark.parametrize("page", ["plan", "model", "compare", "report", "hardware",
                                  "recommend"])
def test_an_unreadable_models_reason_is_given_once(page: str) -> None:
    # the sidebar said "No usable model: HF_HUB_OFFLINE is set, so the hub was not asked: ..."
    # beside the page's "Cannot plan this: HF_HUB_OFFLINE is set, ...": the same reason twice
    # side by side. As for hardware: the sidebar names none usable and links to the Model
    # page, which gives the reason (and the pages that plan with it, once each)
    at = open_link(page, gpu="rtx-4090", gpn="1", model=UNREAD)
    assert not at.exception
    why = f"HF_HUB_OFFLINE is set, so the hub was not asked: {UNREAD} is not in this server's"
    assert [e.value for e in at.sidebar.error] == ["No usable model."]
    [link] = at.sidebar.get("page_link")
    assert (link.proto.page, link.proto.label) == ("model", "Why: see the Model page")
    shown = [e.value for e in at.main.error if why in e.value]
    assert len(shown) == (0 if page in ("hardware", "recommend") else 1)


def _network_row(at) -> str:
    [table] = at.main.table
    return table.value.loc["Network between nodes"].iloc[0]


def test_one_nodes_network_fact_says_it_is_not_used() -> None:
    # 8 RTX 3090s in one node: the facts table's network row gave the assumed DGX rate,
    # "(preset: unverified: no DGX reference for NVIDIA GeForce RTX 3090, one 400 Gb/s NIC
    # per GPU assumed)", with nothing said of its use: one node sends nothing between nodes
    # (the field's help: "Used only when a layout spans nodes")
    row = _network_row(open_page("hardware", gpu="rtx-3090", gpn="8", nodes="1"))
    assert row.startswith("not used on one node (over several: 400 Gb/s NIC per GPU / 8 bits "
                          "per byte = 50 GB/s per direction (preset: unverified")
    # two nodes: the rate first, as it is planned (400 / 8 = 50 GB/s)
    row = _network_row(open_page("hardware", gpu="rtx-3090", gpn="8", nodes="2"))
    assert row.startswith("400 Gb/s NIC per GPU / 8 bits per byte = 50 GB/s per direction")


def test_a_one_value_heatmap_says_what_its_cells_stand_for() -> None:
    # Qwen3-0.6B on one H100: every format and KV dtype holds the model's whole 40,960-token
    # window (tests/app/test_display.py works the pool out), so every cell read "41k" in one
    # green, without a colour bar, under the table's "40,960": nothing said what the cells
    # stand for, nor that the colours tell nothing apart
    at = open_page(None, gpu="h100-sxm", gpn="1", model="Qwen/Qwen3-0.6B")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    said = "Every combination has the same ceiling (tokens), 40,960: the heatmap tells none apart"
    assert [c.value for c in at.caption if c.value.startswith(said)]
    # the seed's ceilings differ (formats that do not fit): no such line
    seed = open_page()
    seed.button(key="plan.run_sweep").click().run()
    assert not [c.value for c in seed.caption if c.value.startswith("Every combination")]
