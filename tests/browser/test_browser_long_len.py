"""Browser test of the long max_model_len box (the CLI's --allow-long-max-model-len, link key
longlen) in Debian's chromium (Playwright), at 1280x800 and 1440x900, on the server and
helpers of test_app_browser.py.

Qwen3-8B on one H100 at max_model_len 65,536, past its max_position_embeddings of 40,960
(refused without the box: tests/app/test_allow_long_app.py; tests/planner/serving/
test_long_len.py works the figures by hand): linked with it, the verdict is `plan
--allow-long-max-model-len --json`'s no-confident fit (6,101 blocks x 64 = 390,464 KV tokens,
5.96 requests at 65,536 by the CLI), in view with TPOT and the memory metrics, and the command
starts with VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, each line whole in its block. Unfolded, the box's
label ("Allow a context longer than the model's") wraps at spaces: in the Plan page's narrow
fold "Allow max_model_len above the model's" read "max_model_le" / "n" at 1280 px, the name
wider than the line.
"""

import pytest

from tests.browser import test_app_browser as base

pytestmark = pytest.mark.browser
server, browser, shots = base.server, base.browser, base.shots  # its fixtures, by name

LINK = "hw=preset&gpu=h100-sxm&gpn=1&nodes=1&model=Qwen/Qwen3-8B&vllm=0.34.0&len=65536"


@pytest.mark.parametrize("width, height", [(1280, 800), (1440, 900)])
def test_the_box_plans_past_the_models_length_in_view(browser, server: str, shots, width: int,
                                                      height: int) -> None:
    cli = base._cli("plan", "--model", "Qwen/Qwen3-8B", "--gpus", "1", "--vllm-version",
                    "0.34.0", "--max-model-len", "65536", "--allow-long-max-model-len", "--json")
    assert cli["vllm_command"].startswith("VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 vllm serve ")
    page = base._shown(browser, server, f"?{LINK}&longlen=1", "Fits (unmodelled", charts=1,
                       width=width, height=height)
    base._shot(page, shots, f"plan-long-len-{width}x{height}", for_docs=False)
    verdict = page.locator("[data-testid=stAlert]", has_text="Fits (unmodelled").first
    assert verdict.inner_text().startswith(
        "Fits (unmodelled: output past the model's 40,960 tokens "
        f"(VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)): {cli['num_gpu_blocks']:,} blocks = "
        f"{cli['kv_cache_tokens']:,} KV tokens, {cli['max_concurrency']:.2f} concurrent "
        "requests at 65,536 tokens")
    for box in (verdict.bounding_box(), *(
            page.locator("[data-testid=stMetric]", has_text=label).first.bounding_box()
            for label in ("TPOT", "Weights per GPU", "KV pool per GPU"))):
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, box
    block = page.locator("[data-testid=stCode]", has_text="vllm serve").first
    lines = block.inner_text().splitlines()
    assert lines[0] == "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 vllm serve Qwen/Qwen3-8B \\", lines
    assert [w for w in " ".join(lines).split() if w != "\\"] == cli["vllm_command"].split()
    scroll, client = block.locator("code").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll <= client, (scroll, client)  # no line runs past the block
    summary = page.locator(".st-key-plan-more_options summary").first.inner_text()
    assert summary.endswith(" (1\u00a0set)"), summary
    base._open_options(page)
    box = page.locator(".st-key-plan-allow_long_max_model_len")
    box.first.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    base._shot(page, shots, f"plan-long-len-box-{width}x{height}", for_docs=False)
    assert box.locator("input[type=checkbox]").first.is_checked()
    # the label whole and broken at spaces only (every label of the page, the fold's too)
    assert page.eval_on_selector_all(".st-key-plan-allow_long_max_model_len "
                                     "[data-testid=stWidgetLabel] p", base._CUT) == []
    assert page.evaluate(base._MID_WORD_BREAKS) == []
    page.close()
