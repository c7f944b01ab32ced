"""Browser test: the Plan page's headline figures above the fold at 1366x768 and 1440x900.

The verdict (blocks, KV tokens, concurrency), TTFT and TPOT, Weights per GPU, KV pool per GPU,
the context ceiling and the concurrency at max_model_len, each inside the viewport without
scrolling, in Debian's chromium (Playwright), on the server and helpers of test_app_browser.py:
a plain text model, a vision model with --limit-mm-per-prompt counts, a hybrid with the
planner's warnings, a plan that does not fit and one with several warnings. The planner's
warnings stood between TTFT/TPOT and the memory figures, so a plan with warnings put Weights
per GPU and KV pool per GPU below the fold (Qwen3-VL-32B with mmimage=2&mmvideo=0 at 1366x768).
"""

import pytest

from tests.browser import test_app_browser as base

pytestmark = pytest.mark.browser
server, browser, shots = base.server, base.browser, base.shots  # its fixtures, by name

H100 = "hw=preset&gpu=h100-sxm&nodes=1"
CASES = {
    "text": f"{H100}&gpn=2&model=Qwen/Qwen3-32B",
    "vision": (f"{H100}&gpn=2&model=Qwen/Qwen3-VL-32B-Instruct&len=131072&seqs=1&mbt=131072"
               "&mmimage=2&mmvideo=0"),
    # vLLM 0.17.0: its CUDA graph memory not subtracted from the KV budget, a warning
    "hybrid": f"{H100}&gpn=1&model=nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16&vllm=0.17.0",
    "no-fit": "hw=preset&gpu=rtx-3090&gpn=1&nodes=1&model=Qwen/Qwen3-32B",
    "warnings": "hw=preset&gpu=h200&gpn=8&nodes=1&model=deepseek-ai/DeepSeek-V4-Flash&spec=1",
}
WARNINGS = {"vision": 1, "hybrid": 1, "warnings": 2}
# a plan that does not fit has no speed figures (the nearest change and why follow the row)
KEY = ("TTFT", "TPOT", "Weights per GPU", "KV pool per GPU")
NO_SPEED = ("Weights per GPU", "KV pool per GPU")


@pytest.mark.parametrize("width, height", [(1366, 768), (1440, 900)])
@pytest.mark.parametrize("case", list(CASES))
def test_headline_figures_above_the_fold(browser, server: str, shots, case: str, width: int,
                                         height: int) -> None:
    """The verdict (blocks, KV tokens, concurrency at max_model_len and the longest request:
    the context ceiling and concurrency metrics sit under the key row), and in one row under
    it TTFT, TPOT, Weights per GPU and KV pool per GPU, all inside the viewport; every
    warning of the plan still on the page, after the figures."""
    page = base._shown(browser, server, f"?{CASES[case]}", "Weights per GPU", charts=1,
                       width=width, height=height)
    base._shot(page, shots, f"plan-headline-{case}-{width}x{height}", for_docs=False)
    verdict = page.locator("[data-testid=stAlert]").first
    words = verdict.inner_text()
    if case == "no-fit":
        assert words.startswith("Does not fit:"), words
    else:
        assert "concurrent requests at" in words and "one request can reach" in words, words
    boxes = {"verdict": verdict.bounding_box()} | {
        label: page.locator("[data-testid=stMetric]", has_text=label).first.bounding_box()
        for label in (NO_SPEED if case == "no-fit" else KEY)}
    out = {label: box for label, box in boxes.items()
           if box is None or box["y"] < 0 or box["y"] + box["height"] > height}
    assert out == {}, out
    # the plan's warnings (plan --json's: the --limit-mm-per-prompt one, vLLM 0.17.0's graph
    # memory, DeepSeek-V4's KV layout and unmodelled graphs) on the page, after the figures
    under = boxes["verdict"]["y"] + boxes["verdict"]["height"]
    warnings = [box for box in (w.bounding_box() for w in page.locator(
        "[data-testid=stAlertContentWarning]").all()) if box["y"] > under]
    assert len(warnings) >= WARNINGS.get(case, 0), warnings
    assert all(box["y"] > boxes["Weights per GPU"]["y"] for box in warnings), warnings
    page.close()
