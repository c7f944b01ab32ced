"""Browser test of the Plan page at laptop width (1280x800 and 1440x900) in Debian's chromium
(Playwright), on the server and helpers of test_app_browser.py: a refused plan's nearest change
and its Apply button in view (under a verdict of four lines, and of six), a DGX Spark plan's
unified-memory caveat named in the first screen, a long --hf-overrides launch command wrapped
inside its block (not scrolled sideways) with its words as bash reads them, and a refused typed
value kept in its field with the reason right under it (tests/app/test_laptop_width.py and
tests/app/test_walkthrough_fixes.py: the same cases as AppTest sees them)."""

import json
import shlex
from urllib.parse import urlencode

import pytest

from tests.browser import test_app_browser as base

pytestmark = pytest.mark.browser
server, browser, shots = base.server, base.browser, base.shots  # its fixtures, by name

SIZES = [(1280, 800), (1440, 900)]
REFUSED = ("hw=preset&gpu=rtx-4000-ada&gpn=1&nodes=1&model=meta-llama/Meta-Llama-3.1-8B"
           "&vllm=0.33.0")
"""Llama-3.1-8B at its 131,072 tokens on one RTX 4000 Ada (vLLM 0.33.0): refused, vLLM's words
four lines at 1280 px; nearest change max_model_len 702 blocks of 16 = 11,232 tokens, with an
fp8 KV cache 1,405 x 16 = 22,480 (tests/app/test_plan.py's docstring works both out)."""
YARN = {"rope_scaling": {"rope_type": "yarn", "factor": 4.0,
                         "original_max_position_embeddings": 32768, "rope_theta": 1000000},
        "max_position_embeddings": 131072}
QWEN3_8B = "hw=preset&gpu=h100-sxm&gpn=1&nodes=1&model=Qwen/Qwen3-8B"


def _in_view(box: dict | None, width: int, height: int) -> bool:
    return (box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height
            and box["x"] + box["width"] <= width)


@pytest.mark.parametrize("width, height", SIZES)
def test_a_refused_plans_nearest_change_and_apply_are_in_view(browser, server: str, shots,
                                                              width: int, height: int) -> None:
    page = base._shown(browser, server, f"?{REFUSED}", "Nearest change", width=width,
                       height=height)
    advice = page.locator("[data-testid=stAlert]", has_text="Nearest change").first
    text = advice.locator("[data-testid=stMarkdownContainer]").first  # not the icon's name
    assert text.inner_text().strip() == (
        f"Nearest change: max_model_len {702 * 16} fits. For a longer context: KV cache dtype "
        f"fp8 with max_model_len {1405 * 16} fits.")
    apply = page.get_by_role("button", name="Apply", exact=True).first
    weights = page.locator("[data-testid=stMetric]", has_text="Weights per GPU").first
    apply.wait_for()
    weights.wait_for()
    base._settle(page)
    base._shot(page, shots, f"plan-refused-{width}x{height}", for_docs=False)
    for box in (advice.bounding_box(), apply.bounding_box(), weights.bounding_box()):
        assert _in_view(box, width, height), box
    # beside the memory figures, level with them
    assert abs(advice.bounding_box()["y"] - weights.bounding_box()["y"]) < 40
    page.close()


@pytest.mark.parametrize("width, height", SIZES)
def test_a_long_hf_overrides_line_wraps_in_its_block(browser, server: str, shots, width: int,
                                                     height: int) -> None:
    link = f"?{QWEN3_8B}&{urlencode({'hfov': json.dumps(YARN), 'len': '131072'})}"
    cli = base._cli("plan", "--model", "Qwen/Qwen3-8B", "--gpus", "1", "--max-model-len",
                    "131072", "--hf-overrides", json.dumps(YARN), "--json")
    page = base._shown(browser, server, link, "Fits:", charts=1, width=width, height=height)
    block = page.locator("[data-testid=stCode]", has_text="--hf-overrides").first
    block.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    base._shot(page, shots, f"plan-hf-overrides-command-{width}x{height}", for_docs=False)
    code = block.locator("code")
    scroll, client = code.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll <= client, (scroll, client)  # it scrolled sideways
    # the block reads, line by line, as written: an option a line, no blank line between
    lines = block.inner_text().splitlines()
    assert lines[0] == "vllm serve Qwen/Qwen3-8B \\" and "" not in lines, lines
    assert shlex.split(block.inner_text().replace("\\\n", "")) == shlex.split(
        cli["vllm_command"])
    # the JSON's line wraps, each continuation 4ch in from the block's left edge, under its
    # option ("  --hf-overrides" is 2ch in), not at the edge, where it read as a line of its own
    line = code.locator(":scope > span", has_text="--hf-overrides").first
    fragments = line.locator(".token.string").first.evaluate(
        "e => Array.from(e.getClientRects(), r => [r.top, r.left])")
    ch = code.evaluate("e => { const b = document.createElement('b'); b.textContent = "
                       "'x'.repeat(10); e.appendChild(b); const w = "
                       "b.getBoundingClientRect().width / 10; b.remove(); return w; }")
    left = code.bounding_box()["x"]
    first = fragments[0][0]
    starts = {top: min(x for t, x in fragments if t == top) for top, _ in fragments if top > first}
    assert len(starts) >= 1, fragments  # wrapped onto at least a second line
    assert all(abs(x - (left + 4 * ch)) < 1 for x in starts.values()), (left, ch, starts)
    # the other options' lines one line each: no flag wrapped
    flags = code.locator(":scope > span").evaluate_all(
        "els => els.filter(e => !e.textContent.includes('--hf-overrides'))"
        ".map(e => e.getBoundingClientRect().height)")
    assert max(flags) < 30, flags
    page.close()


@pytest.mark.parametrize("width, height", SIZES)
def test_a_refused_number_stays_in_its_field_with_the_reason_under_it(
        browser, server: str, shots, width: int, height: int) -> None:
    page = base._shown(browser, server, f"?{QWEN3_8B}", "Fits:", width=width, height=height)
    field = page.get_by_role("spinbutton", name="max_num_seqs").first
    field.fill("1000000000")
    field.press("Enter")
    reason = page.locator(".st-key-refused-plan-max_num_seqs [data-testid=stAlert]").first
    reason.wait_for()
    base._settle(page)
    base._shot(page, shots, f"plan-refused-field-{width}x{height}", for_docs=False)
    assert field.input_value() == "1000000000"
    assert reason.inner_text().strip() == (
        "max_num_seqs = 1,000,000,000 refused: the value must be less than or equal to "
        "65,536. Kept empty (the default).")
    text, box = field.bounding_box(), reason.bounding_box()
    assert _in_view(box, width, height), box
    assert 0 <= box["y"] - (text["y"] + text["height"]) < 40, (text, box)  # right under it
    assert box["x"] <= text["x"] < box["x"] + box["width"], (text, box)  # in its column
    verdict = page.locator("[data-testid=stAlert]", has_text="Fits:").first.bounding_box()
    assert verdict["y"] > box["y"] + box["height"]  # not at the page's top any more
    page.close()


@pytest.mark.parametrize("width, height", SIZES)
def test_a_refused_plans_apply_is_in_view_under_six_lines_of_vllms_words(
        browser, server: str, shots, width: int, height: int) -> None:
    # Qwen3-8B at 65,536 tokens on one H100 (over its derived 40,960): vLLM's refusal six
    # lines at 1280 px, the advice four; under the advice Apply was 15 px below the fold
    page = base._shown(browser, server, f"?{QWEN3_8B}&len=65536", "Nearest change",
                       width=width, height=height)
    apply = page.get_by_role("button", name="Apply", exact=True).first
    advice = page.locator("[data-testid=stAlert]", has_text="Nearest change").first
    weights = page.locator("[data-testid=stMetric]", has_text="Weights per GPU").first
    apply.wait_for()
    base._settle(page)
    base._shot(page, shots, f"plan-refused-long-verdict-{width}x{height}", for_docs=False)
    for box in (apply.bounding_box(), advice.bounding_box(), weights.bounding_box()):
        assert _in_view(box, width, height), box
    # under the weights, beside the advice (its left edge, at the weights' own)
    assert abs(apply.bounding_box()["x"] - weights.bounding_box()["x"]) < 20
    assert apply.bounding_box()["y"] < advice.bounding_box()["y"] + advice.bounding_box()[
        "height"]
    page.close()


@pytest.mark.parametrize("width, height", SIZES)
def test_a_spark_plans_unified_memory_caveat_is_in_the_first_screen(
        browser, server: str, shots, width: int, height: int) -> None:
    # gpt-oss-120b on a DGX Spark: the unified-memory warning stands under every figure, below
    # the fold; the line under the verdict names it, the key figures still in view
    page = base._shown(browser, server, "?hw=preset&gpu=dgx-spark-gb10&gpn=1&nodes=1"
                       "&model=openai/gpt-oss-120b", "Fits:", width=width, height=height)
    line = page.get_by_text("Read the figures with the warning under them: NVIDIA GB10 has "
                            "unified memory.").first
    line.wait_for()
    base._settle(page)
    base._shot(page, shots, f"plan-spark-caveat-{width}x{height}", for_docs=False)
    assert _in_view(line.bounding_box(), width, height), line.bounding_box()
    for label in ("TTFT", "KV pool per GPU"):
        metric = page.locator("[data-testid=stMetric]", has_text=label).first
        assert _in_view(metric.bounding_box(), width, height), label
    page.close()


_LINES = """label => new Set([...document.querySelectorAll(
  '.st-key-plan-more_options [data-testid=stWidgetLabel] p')].filter(
  p => p.textContent === label).flatMap(p => { const r = document.createRange();
  r.selectNodeContents(p); return [...r.getClientRects()].map(c => Math.round(c.top)); })).size"""
"""How many lines `label` (a widget label in the Plan page's More vLLM options) takes."""


@pytest.mark.parametrize("width, height", SIZES)
def test_open_vllm_options_are_as_wide_as_their_row(browser, server: str, shots, width: int,
                                                    height: int) -> None:
    # the seed (a MoE model on 8 GPUs: block size, MoE and all-to-all backends, EPLB): in its
    # half of the row beside the arrivals (1.1 : 1, a 0.5rem gap) the open panel was 171 px
    # at 1280 px and its labels wrapped; open, it spans the row: at least (2.1 / 1.1) x its
    # header's width, each of these labels on one line
    page = base._shown(browser, server, f"?{base.SEED}", "Fits:", charts=1, width=width,
                       height=height)
    header = page.locator(".st-key-plan-more_options summary").first
    arrivals = page.locator(".st-key-plan-arrival").first
    for label in ("TTFT", "TPOT"):  # folded: the figures where they were, in view
        metric = page.locator("[data-testid=stMetric]", has_text=label).first
        assert _in_view(metric.bounding_box(), width, height), label
    header.click()
    panel = page.locator(".st-key-plan-more_options [data-testid=stExpanderDetails]").first
    page.get_by_text("All-to-all backend (DP + EP)", exact=True).first.wait_for()
    base._settle(page)
    base._shot(page, shots, f"plan-vllm-options-open-{width}x{height}", for_docs=False)
    top, box, right = header.bounding_box(), panel.bounding_box(), arrivals.bounding_box()
    assert abs(box["x"] - top["x"]) < 1, (box, top)
    assert abs(box["x"] + box["width"] - (right["x"] + right["width"])) < 1, (box, right)
    assert box["width"] >= 2.1 / 1.1 * top["width"], (box, top)
    assert box["y"] >= right["y"] + right["height"], (box, right)  # under the arrivals' box
    for label in ("KV block size (tokens)", "All-to-all backend (DP + EP)",
                  "Expert-parallel load balancer (EPLB)"):
        assert page.evaluate(_LINES, label) == 1, label
    page.close()
