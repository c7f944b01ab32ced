"""Browser test: the counts per prompt (vLLM --limit-mm-per-prompt: "Images per prompt",
"Videos per prompt", link keys mmimage, mmvideo) in Debian's chromium (Playwright), at
1366x768 and 1440x900, on the server and helpers of test_app_browser.py.

Qwen3-VL-32B-Instruct on two H100s at max_model_len 131,072, --max-num-seqs 1 and 131,072
batched tokens: with {"image": 2, "video": 0} vLLM's profile encodes min(131,072 // 16,384,
1 x min(2, 8)) = 2 dummy images of 65,536 patches = 131,072 patches (8 at vLLM's default 999:
tests/app/test_mm_limits_app.py works them by hand); the page's weights, KV pool and command
are plan --json's with the same flag, in view without scrolling; the linked counts show whole
in each page's options.
"""

import pytest

from tests.browser import test_app_browser as base
from ui import format as fmt

pytestmark = pytest.mark.browser
server, browser, shots = base.server, base.browser, base.shots  # its fixtures, by name

VL, TEXT = "Qwen/Qwen3-VL-32B-Instruct", "Qwen/Qwen3-32B"
LINK = (f"hw=preset&gpu=h100-sxm&gpn=2&nodes=1&model={VL}&len=131072&seqs=1&mbt=131072"
        "&mmimage=2&mmvideo=0")
LIMITS = '{"image": 2, "video": 0}'
SIZES = [(1366, 768), (1440, 900)]


def _in_view(page, locator, height: int) -> None:
    box = locator.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, box


def _counts_whole(page, prefix: str) -> dict[str, str]:
    """The count fields of `prefix`'s page (st-key-<prefix>-mm_limit_*): each one's value, none
    of them, its label or its placeholder cut."""
    boxes = f"[class*=st-key-{prefix}-mm_limit_]"
    cut = page.eval_on_selector_all(f"{boxes} input, {boxes} [data-testid=stWidgetLabel] p",
                                    base._CUT)
    hidden = page.eval_on_selector_all(f"{boxes} input", base._PLACEHOLDERS_CUT)
    assert cut == [] and hidden == [], (cut, hidden)
    labels = page.locator(f"{boxes} [data-testid=stWidgetLabel] p").all_inner_texts()
    values = [field.input_value() for field in page.locator(f"{boxes} input").all()]
    return dict(zip(labels, values, strict=True))


@pytest.mark.parametrize("width, height", SIZES)
def test_linked_counts_plan_as_the_cli_on_every_page(browser, server: str, shots, width: int,
                                                     height: int) -> None:
    cli = base._cli("plan", "--model", VL, "--gpus", "2", "--max-model-len", "131072",
                    "--max-num-seqs", "1", "--max-num-batched-tokens", "131072",
                    "--limit-mm-per-prompt", LIMITS, "--json")
    assert cli["fits"] and cli["vllm_command"].endswith(f" --limit-mm-per-prompt '{LIMITS}'")
    page = base._shown(browser, server, f"?{LINK}", "Weights per GPU", charts=1, width=width,
                       height=height)
    base._shot(page, shots, f"plan-mm-limits-{width}x{height}", for_docs=False)
    # the verdict (the plan's blocks and concurrency) and TTFT / TPOT in view; the memory
    # metrics beside them are plan --json's (in view too: test_browser_headline.py)
    verdict = page.locator("[data-testid=stAlert]", has_text="Fits: ").first
    assert verdict.inner_text().startswith(
        f"Fits: {cli['num_gpu_blocks']:,} blocks = {cli['kv_cache_tokens']:,} KV tokens, "
        f"{cli['max_concurrency']:.2f} concurrent requests at 131,072 tokens")
    _in_view(page, verdict, height)
    _in_view(page, page.locator("[data-testid=stMetric]", has_text="TPOT").first, height)
    for label, figure in (("Weights per GPU", cli["weights_bytes_per_gpu"]),
                          ("KV pool per GPU", cli["kv_cache_bytes_per_gpu"])):
        metric = page.locator("[data-testid=stMetric]", has_text=label).first
        assert fmt.gib(figure) in metric.inner_text()
    summary = page.locator(".st-key-plan-more_options summary").first.inner_text()
    assert summary.endswith(" (1\u00a0set)"), summary
    command = page.locator("[data-testid=stCode]", has_text="vllm serve").first.inner_text()
    assert [word for word in command.split() if word != "\\"] == cli["vllm_command"].split()
    base._open_options(page)
    page.locator(".st-key-plan-mm_limit_image").first.evaluate(
        "e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    base._shot(page, shots, f"plan-mm-limits-options-{width}x{height}", for_docs=False)
    assert _counts_whole(page, "plan") == {"Images per prompt": "2", "Videos per prompt": "0"}
    page.close()
    # Compare and Recommend: the image count only (the video's field empty, its placeholder
    # whole), in their folds
    for path, words in (("compare", "Context ceiling (tokens, one request)"),
                        ("recommend", "Prices ($ per GPU-hour")):
        page = base._shown(browser, server, f"{path}?{LINK.removesuffix('&mmvideo=0')}"
                           f"&ctx=32768&cmp={VL},{TEXT}", words, width=width, height=height)
        base._open_options(page, f"{path}-vllm_options")
        page.locator(f".st-key-{path}-mm_limit_image").first.evaluate(
            "e => e.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(500)
        base._shot(page, shots, f"{path}-mm-limits-options-{width}x{height}", for_docs=False)
        assert _counts_whole(page, path) == {"Images per prompt": "2",
                                             "Videos per prompt": ""}
        page.close()
