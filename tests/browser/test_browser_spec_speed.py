"""Browser test of the "Mean acceptance length" field (link key accept) in Debian's chromium
(Playwright), the app served with the local fake hub holding SpecForge's Qwen3-32B EAGLE-3
drafter (tests/browser/test_app_browser.py's hub_server): typed on the Plan page beside the
draft tokens, it moves TPOT to the CLI's figure (tests/app/test_spec_speed_app.py: 15.882 ms
speculative step / 2.4 = 6.617 ms, "6.6 ms"), lands in the link, and the page reads whole with
TPOT in view; the Compare and Recommend pages show it beside the drafter's draft tokens.
Screenshots at 1366x768 and 1440x900 (--basetemp's artifacts folder, or
HEADROOM_SCREENSHOTS_DIR)."""

import pytest

from tests.app.test_drafter_app import DRAFTER
from tests.browser import test_app_browser as base
from tests.browser.test_app_browser import (
    _CUT,
    _MID_WORD_BREAKS,
    _PLACEHOLDERS_CUT,
    _open_options,
    _settle,
    _shot,
    _shown,
)

# test_app_browser's fixtures: its app servers (offline, and with the fake hub holding the
# drafter: hub_env), its chromium and its screenshots folder
server, hub_env, hub_server = base.server, base.hub_env, base.hub_server
browser, shots = base.browser, base.shots

pytestmark = pytest.mark.browser

LINK = ("hw=preset&gpu=h100-sxm&gpn=2&nodes=1&model=Qwen/Qwen3-32B&tp=2"
        f"&drafter={DRAFTER}&spec=3")


def _in_view(page, height: int, label: str) -> None:
    box = page.locator("[data-testid=stMetric]", has_text=label).first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, (label, box)


def _whole(page, key: str) -> None:
    """The field st-key-`key`, its placeholder and its label whole: not cut, not broken
    mid-word."""
    cut = page.eval_on_selector_all(f".st-key-{key} input, .st-key-{key} "
                                    "[data-testid=stWidgetLabel] p", _CUT)
    assert cut == [] and page.evaluate(_MID_WORD_BREAKS) == [], cut
    assert page.eval_on_selector_all(f".st-key-{key} input", _PLACEHOLDERS_CUT) == []


@pytest.mark.parametrize("width, height", [(1366, 768), (1440, 900)])
def test_typing_an_acceptance_length_moves_tpot(browser, hub_server: str, shots, width: int,
                                                height: int) -> None:
    page = _shown(browser, hub_server, f"?{LINK}", "Fits:", charts=1, width=width,
                  height=height)
    _in_view(page, height, "TPOT")
    _open_options(page)
    field = page.locator(".st-key-plan-spec_acceptance_length input").first
    field.evaluate("e => e.scrollIntoView({block: 'center'})")
    assert field.input_value() == ""
    assert field.get_attribute("placeholder") == "none"
    _whole(page, "plan-spec_acceptance_length")
    field.fill("2.4")
    field.press("Enter")
    page.locator("[data-testid=stMetric]", has_text="6.6 ms").first.wait_for()
    _settle(page)
    assert "accept=2.4" in page.url
    _whole(page, "plan-spec_acceptance_length")
    field.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    _shot(page, shots, f"plan-acceptance-field-{width}x{height}", for_docs=False)
    page.close()
    # the link opens with it, the options folded and counted, TPOT in view
    page = _shown(browser, hub_server, f"?{LINK}&accept=2.4", "Fits:", charts=1, width=width,
                  height=height)
    page.locator("[data-testid=stMetric]", has_text="6.6 ms").first.wait_for()
    _in_view(page, height, "TPOT")
    _in_view(page, height, "TTFT")
    summary = page.locator(".st-key-plan-more_options summary").first.inner_text()
    assert summary.endswith(" (3\u00a0set)"), summary
    _shot(page, shots, f"plan-acceptance-linked-{width}x{height}", for_docs=False)
    page.close()


@pytest.mark.parametrize("width, height", [(1024, 768), (1366, 768), (1440, 900)])
def test_compare_and_recommend_show_it_beside_the_draft_tokens(
        browser, hub_server: str, shots, width: int, height: int) -> None:
    """Beside the draft tokens in one row, whole, its placeholder too (at 1024 px "none: no
    drafting" read "none: no drafti")."""
    link = f"{LINK}&cmp=Qwen/Qwen3-32B,Qwen/Qwen3-8B"
    page = _shown(browser, hub_server, f"compare?{link}", "--speculative-config", width=width,
                  height=height)
    _open_options(page, "compare-vllm_options")
    field = page.locator(".st-key-compare-spec_acceptance_length input").first
    assert field.input_value() == ""
    tokens = page.locator(".st-key-compare-num_speculative_tokens").first.bounding_box()
    box = page.locator(".st-key-compare-spec_acceptance_length").first.bounding_box()
    assert tokens is not None and box is not None and abs(box["y"] - tokens["y"]) < 4, \
        (tokens, box)  # one row
    _whole(page, "compare-spec_acceptance_length")
    _whole(page, "compare-speculative_model")
    _shot(page, shots, f"compare-acceptance-{width}x{height}", for_docs=False)
    page.close()
    page = _shown(browser, hub_server, f"recommend?{link}&accept=2.4", "Prices ($ per",
                  width=width, height=height)
    # folded, the label counting the drafter, its draft tokens and the length
    summary = page.locator(".st-key-recommend-vllm_options summary").first.inner_text()
    assert summary.endswith(" (3\u00a0set)"), summary
    _open_options(page, "recommend-vllm_options")
    field = page.locator(".st-key-recommend-spec_acceptance_length input").first
    field.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    assert field.input_value() == "2.40"
    _whole(page, "recommend-spec_acceptance_length")
    _whole(page, "recommend-speculative_model")
    _shot(page, shots, f"recommend-acceptance-{width}x{height}", for_docs=False)
    page.close()
