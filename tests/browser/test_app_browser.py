"""Browser test: `streamlit run app.py` on 127.0.0.1, driven by Debian's chromium (Playwright).

Visits every page on the seed scenario (pinned in the URL, so a GPU on the test machine
does not change it), asserts the key text and saves a screenshot of each page to a
temporary folder, at 1280x800 (a laptop screen: what must stay readable). With
HEADROOM_SCREENSHOTS_DIR=docs/screenshots the Plan (top, charts, sweep), Hardware and Compare
screenshots are written there instead (how the README's images are made):

    HEADROOM_SCREENSHOTS_DIR=docs/screenshots python -m pytest -m browser tests/browser
"""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.app_server import free_port, start_server, stop_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SEED = "hw=preset&gpu=rtx-3090&gpn=8&nodes=1&model=Qwen/Qwen3-235B-A22B-GPTQ-Int4"
SNAPSHOT = ROOT / "tests" / "fixtures" / "snapshots" / "rtx3090x8.json"
START_TIMEOUT_S = 30

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found (Debian package chromium: apt-get install -y chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A headless Streamlit server on a free local port (bench/app_server.py), stopped at the
    end."""
    port = free_port()
    proc = start_server(port, timeout_s=START_TIMEOUT_S)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc, timeout_s=10)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bool]:
    """Where screenshots go, and whether that is the docs folder."""
    docs = os.environ.get("HEADROOM_SCREENSHOTS_DIR")
    if docs:
        return Path(docs).resolve(), True
    return tmp_path_factory.mktemp("artifacts"), False


VIEWPORT = {"width": 1280, "height": 800}


def _open(browser, server: str, path: str, width: int = VIEWPORT["width"],
          height: int = VIEWPORT["height"]):
    """The app's page at `path` in a new `width` x `height` tab, once Streamlit's view is up."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(60_000)
    page.goto(f"{server}/{path}")
    page.wait_for_selector("[data-testid=stAppViewContainer]")
    return page


def _settle(page, charts: int = 0) -> None:
    """Wait until the script finished and `charts` plotly figures are drawn."""
    if charts:
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {charts}")
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]")
    page.wait_for_timeout(1500)  # canvas tables (st.dataframe) draw after the script ends


def _shown(browser, server: str, path: str, *texts: str, charts: int = 0,
           width: int = VIEWPORT["width"], height: int = VIEWPORT["height"]):
    """The page at `path`, `width` x `height`, once each of `texts` shows and the script
    settled with `charts` plotly figures drawn (_open, wait for each text, _settle: the steps
    of every visit)."""
    page = _open(browser, server, path, width, height)
    for text in texts:
        page.get_by_text(text).first.wait_for()
    _settle(page, charts=charts)
    return page


def _shot(page, shots: tuple[Path, bool], name: str, for_docs: bool) -> None:
    folder, docs = shots
    if for_docs or not docs:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))


def _scroll_to(page, text: str) -> None:
    """Scroll Streamlit's main pane so the element holding `text` is at the top."""
    page.get_by_text(text, exact=True).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)


def _font_sizes(page, selector: str) -> list[float]:
    """Computed font sizes (px) of every element matching `selector`."""
    return page.eval_on_selector_all(
        selector, "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")


def _grid_fits(page) -> None:
    """The first visible grid (st.dataframe) shows every column without scrolling sideways
    (its last columns were out of sight at 1280 px: the sweep's, the comparison's under DP)."""
    grid = page.locator("[data-testid=stDataFrame]:visible .dvn-scroller").first
    scroll, client = grid.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll <= client, (scroll, client)


def _swept(page):
    """Run the Plan page's sweep and wait for its heatmap; the grid (every column in view,
    _grid_fits) and its column headers."""
    page.get_by_role("button", name="Run the sweep").click()
    page.locator(".js-plotly-plot .heatmaplayer").first.wait_for()
    _settle(page)
    _grid_fits(page)
    grid = page.locator("[data-testid=stDataFrame]:visible").first
    return grid, grid.locator("[role=columnheader]").all_inner_texts()


def test_every_page_in_a_real_browser(browser, server: str, shots) -> None:
    page = _open(browser, server, f"?{SEED}")
    page.get_by_text("48,128 B").first.wait_for()  # KV per token per GPU at TP=8
    page.get_by_text("Fits:").first.wait_for()
    # the seed layout follows the Marlin MoE advice: TP=8 with expert parallelism
    page.locator("[data-testid=stCode]", has_text="--enable-expert-parallel").first.wait_for()
    page.get_by_text("KV room, one request").first.wait_for()  # beside the capped ceiling
    _settle(page, charts=1)  # the memory bar; the curves are lazy tabs, built when opened
    _shot(page, shots, "plan", for_docs=True)
    _scroll_to(page, "Memory per GPU")
    _shot(page, shots, "plan-charts", for_docs=True)
    page.get_by_role("tab", name="Concurrency vs context").click()  # a lazy tab: built now
    page.locator(".js-plotly-plot", has_text="one request").first.wait_for()
    _settle(page)
    _scroll_to(page, "Memory per GPU")
    _shot(page, shots, "plan-curve", for_docs=True)
    _swept(page)
    page.locator(".js-plotly-plot", has=page.locator(".heatmaplayer")).first.evaluate(
        "e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    heatmap = ".js-plotly-plot:has(.heatmaplayer)"
    for part in ("xtick text", "ytick text", "cbaxis text", "heatmaplayer text"):
        sizes = _font_sizes(page, f"{heatmap} .{part}")
        assert sizes and min(sizes) >= 11, (part, sizes)  # issue 13: no 5 px labels
    _shot(page, shots, "plan-sweep", for_docs=True)
    page.close()

    page = _open(browser, server, "hardware?hw=snapshots")
    page.locator("input[type=file]").set_input_files(str(SNAPSHOT))
    page.get_by_text("snapshots: rig-3090x8").first.wait_for()
    page.get_by_text("No NVLink").first.wait_for()  # a finding of the recorded rig
    page.get_by_text("ulimit memlock").first.wait_for()  # the host facts table
    _settle(page)
    _shot(page, shots, "hardware", for_docs=True)
    page.close()

    # heads / KV heads / head_dim
    page = _shown(browser, server, f"model?{SEED}", "64 / 4 / 128", charts=1)
    _shot(page, shots, "model", for_docs=False)
    page.close()

    page = _shown(browser, server, f"compare?{SEED}", "Context ceiling (tokens, one request)",
                  charts=4)
    _grid_fits(page)
    _shot(page, shots, "compare", for_docs=True)
    page.close()
    # data parallelism: all replicas' concurrency beside one's, and still no sideways scroll
    page = _shown(browser, server, f"compare?{SEED}&tp=4&dp=2",
                  "of a model's replicas together (DP x", charts=4)
    _grid_fits(page)
    _shot(page, shots, "compare-dp", for_docs=False)
    page.close()
    # a context the models do not fit: each verdict is vLLM's long sentence, shown whole
    page = _shown(browser, server, f"compare?{SEED}&ctx=131072",
                  "Context ceiling (tokens, one request)", charts=4)
    verdict = page.locator("[data-testid=stTable] td", has_text="initializing the engine.")
    assert verdict.count() >= 1 and verdict.first.is_visible()  # whole, not cut by a grid cell
    # the Plan page's Qwen3-235B is refused there (a max_model_len over its 40,960): its
    # concurrency bar ends in the figure and "(refused)"; Qwen3-30B-A3B's, planned at its own
    # 40,960 as report --compare plans it, in "at 40,960 (its maximum)"; whole inside the chart
    ends = page.locator(".js-plotly-plot").last.evaluate("""plot => [...plot.querySelectorAll(
        '.bartext')].map(t => [t.textContent, plot.getBoundingClientRect().right
        - t.getBoundingClientRect().right])""")
    assert [text.endswith(" (refused)") for text, _ in ends] == [True, False, False], ends
    assert ends[1][0].endswith(" at 40,960 (its maximum)"), ends
    assert all(room >= 0 for _, room in ends), ends
    _shot(page, shots, "compare-refused", for_docs=False)
    page.close()

    page = _shown(browser, server, f"report?{SEED}",
                  "Headroom report: Qwen/Qwen3-235B-A22B-GPTQ-Int4", "the KV cache alone holds")
    _shot(page, shots, "report", for_docs=False)
    page.close()


def test_speed_in_view_under_a_note_at_1280x800(browser, server: str) -> None:
    """A note under the verdict (here: a pinned TP=4 on 8 GPUs, "This layout uses 4 of 8
    GPUs; idle: GPUs 4-7.", below the "Use the hardware's layout" button) pushed TTFT and
    TPOT below the fold; they come first under the verdict, the note after them."""
    page = _shown(browser, server, "?hw=preset&gpu=rtx-3090&gpn=8&nodes=1"
                  "&model=Qwen/Qwen3-30B-A3B&tp=4&pp=1&dp=1",
                  "This layout uses 4 of 8 GPUs; idle: GPUs 4-7.", charts=1)
    tpot = page.locator("[data-testid=stMetric]", has_text="TPOT").first.bounding_box()
    assert tpot is not None and tpot["y"] + tpot["height"] <= VIEWPORT["height"], tpot
    page.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (1366, 768)])
def test_no_flag_of_the_launch_command_is_split(browser, server: str, width: int,
                                                height: int) -> None:
    """Wrapped, the command split a flag after a hyphen ('--enable-expert-parallel -', then
    '-max-model-len'; helper 369's QA): a line per option with its value (ui.format.
    shell_block), each on one line of the block."""
    page = _open(browser, server, f"?{SEED}", width, height)
    block = page.locator("[data-testid=stCode]", has_text="--enable-expert-parallel").first
    block.wait_for()
    _settle(page, charts=1)
    lines = block.inner_text().splitlines()
    assert lines[:3] == ["vllm serve Qwen/Qwen3-235B-A22B-GPTQ-Int4 \\",
                         "  --tensor-parallel-size 8 \\", "  --enable-expert-parallel \\"]
    assert all(line.startswith("  --") for line in lines[1:]), lines
    shown_px, line_px = block.locator("code").evaluate(
        "e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)]")
    assert round(shown_px / line_px) == len(lines), (shown_px, line_px, lines)  # none wraps
    page.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("query, words, flag", [
    # a warning (app_markdown): the seed without EP leaves the Marlin MoE kernel (the nearest
    # change that fits names the Plan page's fields, not flags, since 1abc9b35:
    # tests/app/test_field_labels.py)
    ("&ep=0", "Marlin MoE kernel", "--enable-expert-parallel"),
])
def test_a_messages_flag_is_kept_whole(browser, server: str, width: int, query: str,
                                       words: str, flag: str) -> None:
    """A message's flag is inline code kept on one line (planner.text.flags_as_code, app.py's
    style): as text the browser split it after a hyphen where the message wrapped. At 360 px
    it wraps."""
    page = _open(browser, server, f"?{SEED}{query}", width)
    note = page.locator("[data-testid=stAlert]", has_text=words).first
    note.wait_for()
    _settle(page)
    code = note.locator("code", has_text=flag).first
    assert code.inner_text() == flag
    # app.py's style comes with the page's elements (st.html): once it holds, the code is
    # on one line (a full run once measured before it applied)
    page.wait_for_function("e => getComputedStyle(e).whiteSpace === 'nowrap'",
                           arg=code.element_handle(), timeout=15_000)
    assert code.evaluate("e => e.getClientRects().length") == 1  # on one line
    page.close()


@pytest.mark.parametrize("path, words, code", [
    ("report", "No hardware audit was attached", "python -m probes --json > node.json"),
    ("recommend", "The cheapest GPU presets", "--arrival"),
    ("compare", "A concurrency marked (refused)", "report --compare"),
])
def test_a_paragraphs_code_is_kept_whole(browser, server: str, path: str, words: str,
                                         code: str) -> None:
    """Inline code in a paragraph or a caption stays on one line at 1280 px (app.py's style):
    the Report's "python -m probes -" / "-json > node.json" broke after a hyphen, and the
    Recommend caption's "CLI: --" / "arrival)" was text (helper 383's QA), as was the Compare
    caption's, "report --" / "compare's" at 1024 px (helper 527's review; a model vLLM
    refuses, the desc_act GPTQ checkpoint, brings that sentence)."""
    refused = "&cmp=Qwen/Qwen3-235B-A22B-GPTQ-Int4,RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized" \
        ".w4a16" if path == "compare" else ""
    page = _shown(browser, server, f"{path}?{SEED}{refused}", words)
    span = page.locator("[data-testid=stMarkdown]", has_text=words).first.locator(
        "code", has_text=code).first
    assert span.inner_text() == code
    page.wait_for_function("e => getComputedStyle(e).whiteSpace === 'nowrap'",
                           arg=span.element_handle(), timeout=15_000)
    assert span.evaluate("e => e.getClientRects().length") == 1
    page.close()


def test_speed_in_view_at_1366x768(browser, server: str) -> None:
    """1366x768, the common laptop screen, is 32 px shorter than 1280x800: gpt-oss-120b on
    8x H200 (verdict of two lines) and Llama 3.1 70B on 2 nodes x 8 H100 at TP=8 x DP=2 (the
    "Use the hardware's layout" button) put TPOT's figure 14 and 9 px below the fold under
    Streamlit's 6rem top padding (helper 366's QA); the padding is 3rem (app.py: 4rem until a
    plan's warnings were named in a line under the verdict)."""
    for query in ("hw=preset&gpu=h200&gpn=8&nodes=1&model=openai/gpt-oss-120b",
                  "hw=preset&gpu=h100-sxm&gpn=8&nodes=2"
                  "&model=meta-llama/Llama-3.1-70B-Instruct&tp=8&pp=1&dp=2"):
        page = _shown(browser, server, f"?{query}", "Fits:", charts=1, width=1366, height=768)
        tpot = page.locator("[data-testid=stMetric]", has_text="TPOT").first.bounding_box()
        assert tpot is not None and tpot["y"] + tpot["height"] <= 768, (query, tpot)
        page.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (1366, 768)])
@pytest.mark.parametrize("link, count", [
    (f"{SEED}&eager=1", 1),
    ("hw=preset&gpu=h100-sxm&gpn=1&nodes=1&model=meta-llama/Llama-3.1-8B-Instruct&lora=1"
     "&loras=4&lorarank=16&eager=1", 2),
])
def test_speed_in_view_under_linked_vllm_options(browser, server: str, width: int,
                                                  height: int, link: str, count: int) -> None:
    """A link that sets one of "More vLLM options" (eager=1, lora=1) opened them: the open
    options put the seed's TTFT and TPOT at y = 1,096 at 1366x768 with eager=1, and Llama
    3.1 8B's verdict too with LoRA (helper 540's review). Folded, the label counts them."""
    page = _shown(browser, server, f"?{link}", "Fits:", charts=1, width=width, height=height)
    verdict = page.locator("[data-testid=stAlert]", has_text="Fits:").first.bounding_box()
    assert verdict is not None and verdict["y"] + verdict["height"] <= height, verdict
    for label in ("TTFT", "TPOT"):
        box = page.locator("[data-testid=stMetric]", has_text=label).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= height, (label, box)
    options = page.locator(".st-key-plan-more_options details").first
    assert options.locator("summary").inner_text().endswith(f" ({count}\u00a0set)")
    assert options.get_attribute("open") is None
    page.close()


_HELP_GAPS = r"""() => [...document.querySelectorAll(
  '[data-testid=stWidgetLabel]:has([data-testid=stTooltipIcon])')].map(label => {
  const range = document.createRange(), icon = label.querySelector('svg');
  range.selectNodeContents(label.querySelector('p'));
  const at = icon.getBoundingClientRect(), beside = [...range.getClientRects()].filter(
    r => r.top < at.bottom && at.top < r.bottom);
  return [label.textContent, beside.length
    ? Math.round(at.left - Math.max(...beside.map(r => r.right))) : null]; })"""
"""Each widget label with a help icon: its text and the px between the icon and the end of the
text's line beside it (None where no line is beside it)."""


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 800)])
def test_help_icons_clear_of_their_labels(browser, server: str, width: int,
                                          height: int) -> None:
    """The Plan page's help icons ("?") ran into a label that filled its column: "Batched
    tokens?" and "...extensible KV?" 0.8 px apart at 1024 px, "Output tokens?" 1 px at 1280
    (helper 540's review). Each is 4 px clear, a wrapped label's field level with its row's."""
    page = _shown(browser, server, f"?{SEED}", "Fits:", charts=1, width=width, height=height)
    gaps = page.evaluate(_HELP_GAPS)
    assert len(gaps) >= 6 and all(gap is None or gap >= 4 for _, gap in gaps), gaps
    for row in (("Input tokens", "Output tokens", "Concurrency"),
                ("max_num_seqs", "Batched tokens")):
        tops = [page.get_by_label(label, exact=True).bounding_box()["y"] for label in row]
        assert max(tops) - min(tops) <= 1, (row, tops)
    page.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (1366, 768)])
@pytest.mark.parametrize("link, shown", [
    ("gpu=rtx-4090&gpn=1&nodes=1&model=meta-llama/Llama-3.1-8B-Instruct&tp=2&pp=1&dp=1"
     "&len=8192", "Showing Tensor parallel (TP) = 1 instead."),
    ("gpu=rtx-3090&gpn=8&nodes=1&model=Qwen/Qwen3-30B-A3B&tp=3&pp=1&dp=1",
     "Showing Tensor parallel (TP) = 4 instead."),
    # three notices (MTP on a model without a draft, TP=3, then DP=3 at TP=4 x PP=2): nine
    # lines above the controls put the verdict at y = 823 at 1366x768 (helper 466's QA); one
    # line under the speed figures names the three, their reasons folded under it
    ("gpu=rtx-3090&gpn=8&nodes=1&model=Qwen/Qwen3-30B-A3B&tp=3&pp=2&dp=3&spec=2",
     "3 settings are not possible here"),
])
def test_speed_in_view_under_a_layout_notice(browser, server: str, width: int, height: int,
                                             link: str, shown: str) -> None:
    """A link's TP the hardware cannot run, under its notice "Tensor parallel (TP) = ... is not
    possible here ... Showing Tensor parallel (TP) = ... instead." (three lines). TP=2 on one
    RTX 4090 offered a "Use the hardware's layout (TP=1)" button, a way back to the layout
    shown, that put TTFT and TPOT's boxes at y = 785 at 1366x768 (helper 446's review); TP=3
    on 8 RTX 3090s (Qwen3-30B-A3B) had "Use the hardware's layout (TP=8 + EP)" and "Why not
    TP = 3, 5-7?" in two rows above them, TTFT at y = 841. No button for the first now, and
    the second's row is under the speed figures: the verdict (context and concurrency) and
    TTFT and TPOT are in view, the button and the expander right under them, and the notice
    under them too (it was above the controls)."""
    page = _shown(browser, server, f"?hw=preset&{link}", shown, "Fits:", charts=1,
                  width=width, height=height)
    verdict = page.locator("[data-testid=stAlert]", has_text="Fits:").first.bounding_box()
    assert verdict is not None and verdict["y"] + verdict["height"] <= height, verdict
    speed = [page.locator("[data-testid=stMetric]", has_text=label).first.bounding_box()
             for label in ("TTFT", "TPOT")]
    for label, box in zip(("TTFT", "TPOT"), speed, strict=True):
        assert box is not None and box["y"] + box["height"] <= height, (label, box)
    notice = page.get_by_text(shown).first.bounding_box()
    assert notice is not None and notice["y"] >= max(b["y"] + b["height"] for b in speed)
    button = page.get_by_role("button", name="Use the hardware's layout")
    if "tp=3" in link:  # under the figures, not above them
        box = button.bounding_box()
        assert box is not None and box["y"] >= max(b["y"] + b["height"] for b in speed), box
    else:
        assert button.count() == 0
    page.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (1366, 768)])
def test_a_capped_sweep_rows_slot_wait_is_in_the_grid(browser, server: str, shots, width: int,
                                                     height: int) -> None:
    """The seed at 8,192 tokens with 64 requests in flight, ranked by fewest GPUs: the second
    row, TP=1 x PP=7 with 16-bit KV, runs 32 at once (tests/app/test_plan.py works it out),
    so the grid gains "wait s" (slot wait). Beside the 190 px format labels it was out of
    sight at 1280 px (helper 466's QA); by --target-quant name every column is in view."""
    page = _shown(browser, server, f"?{SEED}&len=8192&conc=64&obj=fewest-gpus", "Fits:",
                  charts=1)
    grid, headers = _swept(page)
    assert headers[0] == "format" and headers[-2:] == ["at conc.", "wait s"], headers
    capped = grid.locator("[role=row]", has_text="TP=1 x PP=7").filter(has_text="auto").first
    cells = capped.locator("[role=gridcell]").all_inner_texts()
    assert cells[-2] == "32" and float(cells[-1]) > 0, cells
    grid.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    _shot(page, shots, f"plan-sweep-capped-{width}x{height}", for_docs=False)
    page.close()


def test_a_bf16_sweeps_what_if_mark_and_slot_wait_both_in_view_at_1280x800(
        browser, server: str, shots) -> None:
    """Qwen3-30B-A3B (BF16) on 8 RTX 3090s at 256 requests, ranked by concurrency: the grid
    gains "kind" (own / what-if: the 4-bit formats rank first) and "wait s" (the rows the KV
    cache caps), beside layouts as wide as "TP=4 x PP=2 + EP"; every column stays in view."""
    page = _shown(browser, server, "?hw=preset&gpu=rtx-3090&gpn=8&nodes=1"
                  "&model=Qwen/Qwen3-30B-A3B&len=8192&conc=256&obj=concurrency", "Fits:",
                  charts=1)
    grid, headers = _swept(page)
    assert headers[:2] == ["format", "kind"] and headers[-1] == "wait s", headers
    first = grid.locator("[role=row]").nth(1).locator("[role=gridcell]").all_inner_texts()
    assert first[:2] == ["w4a16-gptq-g128", "what-if"], first
    page.get_by_text("Best in the checkpoint's own format (BF16): #").first.wait_for()
    grid.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    _shot(page, shots, "plan-sweep-what-if-1280x800", for_docs=False)
    page.close()


def test_speed_in_view_for_a_what_if_format_at_1280x800(browser, server: str) -> None:
    """README's seed, Qwen3-235B-A22B in W4A16 on 8x RTX 3090: a what-if format added
    "Checkpoint in this format (optional)" under Quantization, a field taller than the other
    columns, and TPOT ended at y = 866 (helper 279's QA). The field is under "Start it",
    beside the command it changes, and TTFT and TPOT are in view."""
    page = _shown(browser, server, "?hw=preset&gpu=rtx-3090&gpn=8&nodes=1"
                  "&model=Qwen/Qwen3-235B-A22B&quant=w4a16-gptq-g128", "Fits:", charts=1)
    tpot = page.locator("[data-testid=stMetric]", has_text="TPOT").first.bounding_box()
    assert tpot is not None and tpot["y"] + tpot["height"] <= VIEWPORT["height"], tpot
    field = page.get_by_role("textbox", name="Checkpoint in this format (optional)")
    start = page.get_by_text("Start it", exact=True).first.bounding_box()
    box = field.bounding_box()
    assert start is not None and box is not None and box["y"] > start["y"] > tpot["y"]
    page.close()


_MID_WORD_BREAKS = r"""() => {
  const out = [];
  for (const label of document.querySelectorAll('[data-testid=stWidgetLabel] p')) {
    const text = label.firstChild;
    if (!text || text.nodeType !== Node.TEXT_NODE) continue;
    let top = null;
    for (let i = 0; i < text.length; i++) {
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      const here = Math.round(rect.top);
      const word = c => /[A-Za-z0-9_]/.test(c);
      // a zero-width space is no word's end: "max_num_batched\u200b_tokens" is one name
      const before = text.data.slice(0, i).replace(/\u200b+$/, '').slice(-1);
      if (top !== null && here > top + 2 && word(before) && word(text.data[i]))
        out.push(text.data.slice(0, i) + '|' + text.data.slice(i));
      top = here;
    }
  }
  return out;
}"""
"""Each widget label's line breaks that fall between two word characters (a zero-width space
between them does not count), as 'a|b'."""


@pytest.mark.parametrize("width, height", [(1280, 800), (1440, 900)])
def test_no_label_is_cut_mid_word(browser, server: str, width: int, height: int) -> None:
    """The Plan page's labels wrap at spaces, never inside a name: at 1440x900
    "max_num_batched_tokens" read "max_num_batched_tok" / "ens" in its half column (helper
    279's QA), and at 1280 "max_num_batched" / "_tokens" at the zero-width space it then
    allowed."""
    page = _shown(browser, server, f"?{SEED}", "Fits:", charts=1, width=width, height=height)
    assert page.evaluate(_MID_WORD_BREAKS) == []
    page.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (1366, 768), (1440, 900)])
def test_no_number_field_cuts_its_figure(browser, server: str, width: int, height: int) -> None:
    """The Plan page's number fields show their whole figure: from about 1300 px Streamlit
    drew - and + in max_num_seqs and Batched tokens, a third of the row between them, and
    16,384 batched tokens read "163" at 1366 px; at 1440 the load fields drew them too and
    131,072 input tokens read "13107" (helper 466's QA). A field under 160 px has none."""
    page = _shown(browser, server, f"?{SEED}&in=131072&out=16384&conc=1024&seqs=65536"
                  "&mbt=1048576", "Weights per GPU", charts=1, width=width, height=height)
    cut = page.eval_on_selector_all("[data-testid=stNumberInput] input", """els => els
        .filter(e => e.scrollWidth > e.clientWidth).map(e => e.getAttribute('aria-label'))""")
    assert cut == []
    page.close()


def test_no_metric_label_is_cut_at_1280x800(browser, server: str) -> None:
    """DeepSeek-V3 on 2 nodes x 8 H100 (TP=8 x DP=2): the concurrency metric's label,
    "Concurrency at 163,840 tokens per replica", ran 3 px past its third of the row and read
    "Concurrency at 163,840 tokens per repl…" (helper 279's QA); its column is wider."""
    page = _shown(browser, server, "?hw=preset&gpu=h100-sxm&gpn=8&nodes=2"
                  "&model=deepseek-ai/DeepSeek-V3", "tokens per replica", charts=1)
    cut = page.eval_on_selector_all("[data-testid=stMetricLabel] *", """els => els
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
    assert cut == []
    page.close()


_TILTED_OR_COVERED = r"""() => {
  const out = [];
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    for (const t of plot.querySelectorAll('.xtick text, .ytick text'))
      if ((t.getAttribute('transform') || '').includes('rotate')) out.push(t.textContent);
    const title = plot.querySelector('.gtitle'), legend = plot.querySelector('.legend');
    if (title && legend && legend.getBoundingClientRect().top
        < title.getBoundingClientRect().bottom) out.push('legend over ' + title.textContent);
  }
  return out;
}"""
"""Each plotly chart's tilted tick labels (plotly clips the last one at the chart's right
edge), and legends over their charts' titles."""


def test_six_compared_models_charts_are_whole_at_1280x800(browser, server: str) -> None:
    """Six models (the most the picker takes) under DP: the charts' tilted names ran past the
    right edge ("Qwen3-Coder-480B-A35B-Instru") and the legends wrapped onto the titles
    ("KV bytes per token" under "KV B/token per GPU"; helper 366's QA)."""
    models = ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "Qwen/Qwen3-30B-A3B",
              "meta-llama/Meta-Llama-3.1-70B", "openai/gpt-oss-120b",
              "deepseek-ai/DeepSeek-V2-Lite-Chat", "Qwen/Qwen3-Coder-480B-A35B-Instruct")
    page = _shown(browser, server, f"compare?{SEED}&tp=4&dp=2&cmp={','.join(models)}",
                  "Context ceiling (tokens, one request)", charts=4)
    page.locator(".js-plotly-plot").last.evaluate("e => e.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(500)
    assert page.locator(".js-plotly-plot .ytick text", has_text="Qwen3-Coder-480B-A35B-Instruct"
                        ).count() == 4
    assert page.evaluate(_TILTED_OR_COVERED) == []
    # each bar's figure, the longest ones' whole inside the chart ('16.46' read '16' at the
    # right edge; helper 478's QA): six models x (1 + 2 + 1 + 2 bars) under DP
    ends = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(
        plot => [...plot.querySelectorAll('.bartext')].map(t => [t.textContent,
        plot.getBoundingClientRect().right - t.getBoundingClientRect().right]))""")
    assert len(ends) == 36 and all(room >= 0 for _, room in ends), ends
    page.close()


@pytest.mark.parametrize("width, dp", [(1280, ""), (1366, ""), (1280, "&nodes=2&tp=8&dp=2")])
def test_compared_models_names_are_whole_in_the_grid(browser, server: str, width: int,
                                                     dp: str) -> None:
    """Six models on 8 H100: the grid's 230 px model column cut "meta-llama/Llama-4-Maverick-
    17B-128E" and "nvidia/NVIDIA-Nemotron-3-Super-120B-" at 1280 and 1366 px (helper 446's
    review). By name without the owner, as the charts name them, in 300 px: the longest,
    "NVIDIA-Nemotron-3-Super-120B-A12B-FP8", drawn in the grid's font with its cell's 8 px
    padding each side, fits, and nothing scrolls sideways (under DP too)."""
    models = ("deepseek-ai/DeepSeek-V3", "Qwen/Qwen3-Next-80B-A3B-Instruct",
              "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "openai/gpt-oss-120b",
              "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8", "moonshotai/Kimi-K2-Instruct")
    page = _shown(browser, server, f"compare?hw=preset&gpu=h100-sxm&gpn=8&model={models[0]}"
                  f"{dp}&cmp={','.join(models)}", "Context ceiling (tokens, one request)",
                  charts=4, width=width)
    _grid_fits(page)
    canvas = page.locator("[data-testid=stDataFrame]:visible canvas").first
    drawn = canvas.evaluate("""(e, text) => {
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = getComputedStyle(e).fontSize + ' ' + getComputedStyle(e).fontFamily;
        return ctx.measureText(text).width }""", "NVIDIA-Nemotron-3-Super-120B-A12B-FP8")
    assert 200 < drawn <= 300 - 2 * 8, drawn
    page.close()


def test_report_tables_stay_inside_the_page_at_1280x800(browser, server: str) -> None:
    """The report's memory plan (14 columns: rank, node, GPU, PP stage, layers, total, budget,
    used by others, weights, activation, non-torch, CUDA graphs, KV cache, blocks) ran ~180 px
    past its box and the page's right edge at 1280 px, the KV cache and blocks columns out of
    sight; with the sweep and the compared models, their tables too. Each table now ends
    inside the box and scrolls sideways within it, so its last column can be reached."""
    page = _open(browser, server, f"report?{SEED}")
    page.get_by_text("Include the sweep").first.click()
    page.get_by_text("Include the Compare page's models").first.click()
    page.get_by_text("Top 10 of").first.wait_for()
    _settle(page)
    report = page.locator("[data-testid=stMarkdownContainer]",
                          has_text="Headroom report: Qwen/Qwen3-235B-A22B-GPTQ-Int4").first
    box, tables = report.bounding_box(), report.locator("table")
    assert box is not None and tables.count() >= 5
    for i in range(tables.count()):
        table = tables.nth(i)
        edge = table.bounding_box()
        assert edge is not None and edge["x"] + edge["width"] <= box["x"] + box["width"], i
        table.evaluate("e => { e.scrollLeft = e.scrollWidth }")
        last = table.locator("th").last.bounding_box()
        assert last is not None and last["x"] + last["width"] <= box["x"] + box["width"] + 1, i
    page.close()


_STATIC_TABLE_ROWS = r"""() => {
  const lines = e => { const range = document.createRange();
    range.selectNodeContents(e.querySelector('p'));
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; };
  return [...document.querySelectorAll('[data-testid=stTable] tbody tr')].map(tr => {
    const room = [...tr.querySelectorAll('td')].filter(td => lines(td) > 1).map(td => {
      const style = getComputedStyle(td);
      return Math.round(td.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight) - td.querySelector('div').offsetWidth); });
    return [tr.querySelector('th').textContent, lines(tr.querySelector('th')),
            Math.max(0, ...room)]; }); }"""
"""Each st.table row: its name, the lines the name takes, and the most px a wrapped cell's
text leaves unused in its cell."""


@pytest.mark.parametrize("path, text", [("compare", "Context ceiling (tokens, one request)"),
                                        ("hardware", "Memory bandwidth")])
def test_static_tables_use_their_width(browser, server: str, path: str, text: str) -> None:
    """st.table caps each cell's text at 400 px: at 1280 px the Compare page's verdicts ran
    four lines in half their cells, the Hardware page's sources three (helper 478's QA); and
    a row's name, a compared model's repo id, split after a hyphen once the verdict had the
    room ("Qwen/Qwen3-235B-" / "A22B-GPTQ-Int4"). Each cell's text fills its cell, each
    name on one line."""
    page = _shown(browser, server, f"{path}?{SEED}", text)
    rows = page.evaluate(_STATIC_TABLE_ROWS)
    assert len(rows) >= 3 and all(lines == 1 and room <= 1 for _, lines, room in rows), rows
    page.close()


_WRAPPED_FIGURES = r"""() => [...document.querySelectorAll('.st-key-report-body td')]
  .filter(td => /^[\d.,]+ (GiB|MiB|KiB|B|%)$/.test(td.textContent.trim()))
  .filter(td => { const range = document.createRange(); range.selectNodeContents(td);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1; })
  .map(td => td.textContent)"""
"""The report's table cells holding a figure with its unit ('23.57 GiB', '0.12 %') that wrap
onto a second line."""


@pytest.mark.parametrize("width, height", [(1280, 800), (1366, 768)])
def test_report_figures_stay_whole(browser, server: str, width: int, height: int) -> None:
    """The memory plan's "23.57 GiB" wrapped in every cell at 1280 px (16 px text squeezed
    into 14 columns; each row two lines) and the Assumptions' "0.86 GiB" and "0.12 %" beside
    their formulas; the formulas' blocks ran past the box, each result out of sight (helper
    478's QA). No figure wraps, no formula block scrolls, and the memory plan's two tables
    (one of 15 columns scrolled sideways at 1280 px) show every column without scrolling,
    Llama 3.1 70B's on 2 nodes x 8 H100 too."""
    for query in (SEED, "hw=preset&gpu=h100-sxm&gpn=8&nodes=2"
                  "&model=meta-llama/Llama-3.1-70B-Instruct"):
        page = _shown(browser, server, f"report?{query}", "Memory plan", width=width,
                      height=height)
        assert page.evaluate(_WRAPPED_FIGURES) == [], query
        blocks = page.locator(".st-key-report-body code.language-text")
        assert blocks.count() >= 3
        for i in range(blocks.count()):
            scroll, client = blocks.nth(i).evaluate(
                "e => [e.parentElement.scrollWidth, e.parentElement.clientWidth]")
            assert scroll <= client, (query, i, scroll, client)
        # the title on one line at 1280 px (the seed's), above smaller section headings
        title = page.locator(".st-key-report-body h1").first
        sizes = [page.locator(f".st-key-report-body {h}").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)") for h in ("h1", "h2")]
        line_px = title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
        assert query != SEED or title.bounding_box()["height"] < 1.5 * line_px + 24, query
        assert sizes[0] > sizes[1], sizes
        for last in ("Used by others", "Blocks"):  # each table's last column
            memory = page.locator(".st-key-report-body table").filter(
                has=page.get_by_role("columnheader", name=last, exact=True)).first
            scroll, client = memory.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert scroll <= client, (query, last, scroll, client)
        page.close()


_TERMS = r"""() => [...document.querySelectorAll('[class*=st-key-terms-] tbody tr')].map(tr => {
  const lines = e => { const tops = [], walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) { const range = document.createRange();
      range.selectNodeContents(walk.currentNode);
      tops.push(...[...range.getClientRects()].map(r => Math.round(r.top))); }
    return new Set(tops).size; };  // its text's lines (a figure's inline block has a box too)
  const cells = [...tr.querySelectorAll('td')];
  const spans = [...tr.querySelectorAll('td span:not([class], [style])')];
  return [tr.querySelector('th').textContent, lines(cells[0].querySelector('p')),
          cells.filter(td => td.scrollWidth > td.clientWidth).length,
          Math.round(cells[1].getBoundingClientRect().width),
          spans.filter(s => s.getBoundingClientRect().height
                        > 2 * parseFloat(getComputedStyle(s).fontSize)).length,
          spans.length]; })"""
"""Each row of the Plan page's terms table: its figure, the lines its value takes, how many of
its cells overflow, its formula's width (px), how many of its figures kept whole
(ui.format.figures_whole's spans) take more than one line, and how many there are."""


@pytest.mark.parametrize("width, height", [(1280, 800), (1366, 768)])
def test_every_figures_formula_reads_whole(browser, server: str, shots, width: int,
                                           height: int) -> None:
    """"How every figure is computed" at 1280 px: five columns of 784 px squeezed each formula
    into 130 px, and its value broke inside a figure ("(23,283,447,209" / "B)"), a formula's
    "14.56" / "GiB" and "layers 0-" / "93". Each value is its two figures on two lines at
    most, each whole; the note runs under the formula and its inputs, which share the rest
    of the row (a fifth of the page or more: 130 px before); no cell overflows, no row scrolls.
    Copied, the table is the text as typed: no-break spaces and U+2011 hyphens kept the
    figures whole before, and a copied "w4a16-gptq-g128" was no --target-quant."""
    page = _shown(browser, server, f"?{SEED}", "Fits:", width=width, height=height)
    page.get_by_text("How every figure is computed").first.click()
    table = page.locator(".st-key-terms-memory table").first
    table.wait_for()
    rows = page.evaluate(_TERMS)
    assert len(rows) >= 10, rows
    assert all(lines <= 2 and overflowing == 0 and formula >= width / 5 and wrapping == 0
               for _, lines, overflowing, formula, wrapping, _ in rows), rows
    assert sum(spans for *_, spans in rows) >= len(rows), rows  # figures are kept whole
    scroll, client = table.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll <= client, (scroll, client)
    table.scroll_into_view_if_needed()
    _shot(page, shots, f"plan_terms_{width}", for_docs=False)
    # copied, the table reads as typed: no no-break space or U+2011 hyphen in a figure (they
    # kept it whole before, and a copied "w4a16-gptq-g128" did not paste into --target-quant);
    # Streamlit draws an empty cell as one no-break space
    copied = table.evaluate("e => { const range = document.createRange(); "
                            "range.selectNodeContents(e); const s = getSelection(); "
                            "s.removeAllRanges(); s.addRange(range); return s.toString(); }")
    assert "= w4a16-gptq-g128" in copied and "21.68 GiB (23,283,447,209 B)" in copied, copied
    cells = table.evaluate("e => [...e.querySelectorAll('td')].map(td => td.textContent)")
    assert not [c for c in cells if c != "\u00a0" and {"\u00a0", "\u2011"} & set(c)], cells
    page.close()


def test_no_figures_cell_overflows_at_1024x768(browser, server: str) -> None:
    """"How every figure is computed" in a 1024 px window: the formula and inputs columns are
    128 px, and "gpu_memory_utilization = 0.92" (a word and a figure kept whole, white-space:
    nowrap) ran 23 px out of its cell, under the next one. A word wider than its cell breaks
    where it must (app.py); every figure narrower than its cell still reads whole."""
    page = _shown(browser, server, f"?{SEED}", "Fits:", width=1024, height=768)
    page.get_by_text("How every figure is computed").first.click()
    page.locator(".st-key-terms-memory table").first.wait_for()
    rows = page.evaluate(_TERMS)
    assert len(rows) >= 10, rows
    assert all(overflowing == 0 and wrapping == 0
               for _, _, overflowing, _, wrapping, _ in rows), rows
    assert sum(spans for *_, spans in rows) >= len(rows), rows
    page.close()


def test_key_figures_in_sight_at_1024x768(browser, server: str, shots) -> None:
    """At 1024 px, beside the 300 px sidebar, the page's 5rem sides left it 564 px: on the
    seed at TP=8 the Plan page's TTFT read "885 …" and TPOT "22.2…", and the Compare grid's
    concurrency column was out of sight to the right. Below 1100 px the sides are 1.5rem and a
    metric's figure in a narrow column is smaller, its label on two lines (app.py): every
    figure and label whole, the Compare grid's rows above the fold."""
    page = _shown(browser, server, f"?{SEED}&tp=8", "Fits:", "TPOT", charts=1, width=1024,
                  height=768)
    cut = page.eval_on_selector_all(
        "[data-testid=stMetricValue], [data-testid=stMetricValue] *, "
        "[data-testid=stMetricLabel] .stMarkdownEllipsis",
        "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)")
    shown = page.locator("[data-testid=stMetricValue]").all_inner_texts()
    assert len(shown) >= 11 and not cut, (shown, cut)  # 5 speed figures, 6 memory ones
    # the speed row's labels on two lines where they must ("Output tokens/s at 1" read
    # "Output tokens…"), its figures level
    tops = page.eval_on_selector_all(
        "[data-testid=stMetricValue]", "els => els.slice(0, 5).map(e => "
        "Math.round(e.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, tops
    # the first row's columns 1.6 : 1 : 1.2 cut the quantization ("Checkpoint: GPTQ int4,
    # group 128 (W4/") and the arrivals ("staggered arr") and broke "Concurren" / "cy"; at
    # 1.85 : 0.75 : 1.2 each is whole, "Expert parallel (EP)" on two lines (not "Expert
    # paralle…"), the load row's fields level under labels of one and two lines
    cut = page.eval_on_selector_all(
        "[data-testid=stSelectbox] input, [data-testid=stCheckbox] .stMarkdownEllipsis",
        "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.value || "
        "e.textContent)")
    assert cut == [] and page.evaluate(_MID_WORD_BREAKS) == [], cut
    load = [page.get_by_label(label, exact=True).bounding_box()["y"]
            for label in ("Input tokens", "Output tokens", "Concurrency")]
    assert max(load) - min(load) <= 1, load
    _shot(page, shots, "plan-1024x768", for_docs=False)
    page.close()
    page = _shown(browser, server, f"compare?{SEED}&tp=8",
                  "Context ceiling (tokens, one request)", charts=4, width=1024, height=768)
    # the grid draws its cells on a canvas: its width tells, 564 px before (the concurrency
    # column ended past it), 676 now, which holds the key columns up to the concurrency's
    grid = page.locator("[data-testid=stDataFrame]:visible").first.bounding_box()
    assert grid and grid["width"] >= 670 and grid["y"] + grid["height"] <= 768, grid
    # the model column as wide as its names, not a fixed 300 px: TPOT and tok/s were past the
    # grid's right edge (768 px of columns in 674)
    _grid_fits(page)
    _shot(page, shots, "compare-1024x768", for_docs=False)
    page.close()


_CUT = """els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.value ||
    e.textContent)"""
"""Each element of `els` whose text runs past its box (cut, or ended with an ellipsis)."""
_PLACEHOLDERS_CUT = r"""els => els.filter(e => !e.value && e.placeholder).filter(e => {
  const style = getComputedStyle(e), ctx = document.createElement('canvas').getContext('2d');
  ctx.font = style.fontSize + ' ' + style.fontFamily;
  return ctx.measureText(e.placeholder).width > e.clientWidth - parseFloat(style.paddingLeft)
    - parseFloat(style.paddingRight); }).map(e => e.placeholder)"""
"""Each empty field of `els` whose placeholder, drawn in its font, is wider than its room."""
_MEMORY_CHART = r"""() => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')].find(
    e => e.textContent.includes('KV cache pool')), box = e => e.getBoundingClientRect();
  const svg = box(plot.querySelector('.main-svg')), legend = box(plot.querySelector('.legend'));
  const labels = [...plot.querySelectorAll('.xtick text, .xtick2 text')];
  return {labels: labels.map(e => e.textContent),
    cut: labels.filter(e => box(e).bottom > svg.bottom + 1).map(e => e.textContent),
    covered: labels.filter(e => box(e).top < legend.bottom && legend.top < box(e).bottom)
      .map(e => e.textContent)};
}"""
"""The memory chart's GPU (and node) labels, those cut at the chart's foot and those the
legend covers."""


def test_several_nodes_plan_reads_whole_at_1024x768(browser, server: str, shots) -> None:
    """DeepSeek-V3 on 2 nodes x 8 H100 at 1024 px (helper 527's review): the max_model_len
    field's placeholder read "the model's: 163,84" beside its - and +; the memory chart's
    legend, three rows at y = -0.15 of the plot, covered the second line of 16 labels
    "GPU0<br>node 0", which also ran into each other ("node 0node 0"). The field has no - and
    + under 240 px; the legend is above the plot and each GPU over its node's name, once."""
    page = _shown(browser, server, "?hw=preset&gpu=h100-sxm&gpn=8&nodes=2"
                  "&model=deepseek-ai/DeepSeek-V3", "tokens per replica", charts=1,
                  width=1024, height=768)
    fields = "[data-testid=stNumberInput] input"
    assert page.eval_on_selector_all(fields, _PLACEHOLDERS_CUT) == []
    assert "the model's: 163,840" in page.eval_on_selector_all(
        fields, "els => els.map(e => e.placeholder)")
    chart = page.evaluate(_MEMORY_CHART)
    assert chart["labels"].count("node 0") == 1 and chart["labels"].count("GPU7") == 2, chart
    assert chart["cut"] == [] and chart["covered"] == [], chart
    _scroll_to(page, "Memory per GPU")
    _shot(page, shots, "plan-2x8-h100-1024x768", for_docs=False)
    page.close()


def test_a_buttons_label_is_whole_at_1024x768(browser, server: str) -> None:
    """The seed pinned at TP=4 (does not fit) offers the hardware's layout under the speed
    figures, in a third of the row: "Use the hardware's layout (TP=8 + EP)" read "Use the
    hardware's layout (…" at 1024 px (helper 527's review). A button's label wraps."""
    page = _shown(browser, server, f"?{SEED}&tp=4&pp=1&dp=1", "Does not fit",
                  "Use the hardware's layout (TP=8 + EP)", charts=1, width=1024, height=768)
    labels = "[data-testid=stButton] .stMarkdownEllipsis"
    assert "Use the hardware's layout (TP=8 + EP)" in page.locator(labels).all_inner_texts()
    assert page.eval_on_selector_all(f"{labels}, {labels} p", _CUT) == []
    page.close()


def test_recommends_left_out_presets_each_on_one_line(browser, server: str) -> None:
    """The Recommend page's "Left out for want of a price" list broke names at a hyphen
    ("rtx-4060-ti-" / "16gb", "quadro-rtx-" / "8000") at 1366 px (helper 527's review): each
    is code, kept on one line."""
    page = _shown(browser, server, f"recommend?{SEED}", "Prices ($ per GPU-hour", width=1366,
                  height=768)
    page.get_by_role("button", name="Find the cheapest").click()
    page.locator("[data-testid=stCode]", has_text="vllm serve").first.wait_for(timeout=120_000)
    _settle(page)
    names = page.locator("[data-testid=stCaptionContainer]",
                         has_text="Left out for want of a price").first.locator("code")
    lines = names.evaluate_all("els => els.map(e => [e.textContent, e.getClientRects().length])")
    assert len(lines) >= 40 and "rtx-4060-ti-16gb" in dict(lines), lines
    assert all(count == 1 for _, count in lines), lines
    page.close()


def test_model_report_and_compare_read_whole_at_1024x768(browser, server: str) -> None:
    """At 1024 px (helper 527's review): the Model page's figures "235.1 bi…" (Kimi-K2's
    "1,026.4 billion" also at 1280); the Report page's Rank by, in a fifth of the load's row,
    "longest conte"; six long names on the Compare page cut at its charts' left edges
    ("DIA-Nemotron-3-Super-120B-A12B-FP8"), two charts a row of 330 px each. The parameter
    counts are in billions in the label, the ranking is beside the arrivals, the charts one
    a row below 1100 px."""
    for width in (1024, 1280):
        page = _shown(browser, server, f"model?{SEED}&model=moonshotai/Kimi-K2-Instruct",
                      "Layers", width=width, height=768)
        cut = page.eval_on_selector_all("[data-testid=stMetricValue] *, "
                                        "[data-testid=stMetricLabel] .stMarkdownEllipsis", _CUT)
        assert cut == [], (width, cut)
        page.close()
    page = _shown(browser, server, f"report?{SEED}", "Headroom report", width=1024, height=768)
    assert page.eval_on_selector_all("[data-testid=stSelectbox] input", _CUT) == []
    page.close()
    models = ("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8",
              "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
              "Qwen/Qwen3-Coder-480B-A35B-Instruct", "nvidia/Llama-3_3-Nemotron-Super-49B-v1",
              "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16",
              "Qwen/Qwen3-VL-30B-A3B-Instruct")
    page = _shown(browser, server, f"compare?{SEED}&cmp={','.join(models)}",
                  "Context ceiling (tokens, one request)", charts=4, width=1024, height=768)
    cut = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(
        plot => [...plot.querySelectorAll('.ytick text')].filter(t =>
        t.getBoundingClientRect().left < plot.getBoundingClientRect().left)
        .map(t => t.textContent))""")
    names = page.locator(".js-plotly-plot .ytick text").all_inner_texts()
    assert len(names) == 24 and cut == [], cut  # six names in each of four charts
    _grid_fits(page)  # 755 px of columns in 674 beside the 300 px sidebar
    page.close()


def test_grids_in_sight_at_1024x768(browser, server: str) -> None:
    """At 1024 px the sweep's grid (728 px of columns in 674) and the Recommend page's (740)
    scrolled sideways, TTFT and tok/s out of sight (helper 527's review): below 1100 px the
    sidebar is 230 px, not 300, and the page's sides 1rem, and every column is in view."""
    page = _shown(browser, server, f"?{SEED}", "Fits:", charts=1, width=1024, height=768)
    _swept(page)  # _grid_fits
    page.close()
    page = _shown(browser, server, f"recommend?{SEED}", "Prices ($ per GPU-hour", width=1024,
                  height=768)
    page.get_by_role("button", name="Find the cheapest").click()
    page.locator("[data-testid=stCode]", has_text="vllm serve").first.wait_for(timeout=120_000)
    _settle(page)
    _grid_fits(page)
    page.close()


_SPEED_CHART = r"""() => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')].find(
    e => e.textContent.includes('KV limit:')), box = e => e.getBoundingClientRect();
  const meets = (a, b) => a.left < b.right && b.left < a.right
    && a.top < b.bottom && b.top < a.bottom;
  const ticks = [...plot.querySelectorAll('.xtick text')].map(box);
  const points = [...plot.querySelectorAll('.scatterlayer .point')].map(box);
  return {ticks: ticks.length, points: points.length,
    ticks_meeting: ticks.filter((a, i) => ticks.some((b, j) => i < j && meets(a, b))).length,
    notes_on_points: [...plot.querySelectorAll('.annotation')].filter(
      n => points.some(p => meets(box(n), p))).map(n => n.textContent),
    legend: [...plot.querySelectorAll('.legendtext')].map(e => e.textContent)};
}"""
_EMPTY_NOTES = r"""() => [...document.querySelectorAll(
  '[class*=st-key-terms-] tbody td:last-child')]
  .filter(td => !td.textContent.trim()).map(td => td.getBoundingClientRect().height)"""


def test_speed_chart_labels_clear_at_1024x768(browser, server: str) -> None:
    """The speed chart in a 1024 px window (TP=2 x DP=4 of Qwen3-30B-A3B: KV limit 660, 1
    chosen): "chosen: 1" at the foot of its line covered the curves' markers at 1, and the
    ticks "512" and "660" printed over each other, tilted. The chosen concurrency is named in
    the legend, no label covers a marker, no two tick labels meet. A figure without a note
    (the speed terms' KV-limited concurrency) drew a blank line 30 px tall under it: none."""
    page = _shown(browser, server, "?hw=preset&gpu=rtx-3090&gpn=8&nodes=1"
                  "&model=Qwen/Qwen3-30B-A3B&tp=2&pp=1&dp=4", "Fits:", width=1024, height=768)
    page.get_by_role("tab", name="Throughput and latency").click()
    page.locator(".js-plotly-plot .annotation", has_text="KV limit: 660").first.wait_for()
    page.wait_for_timeout(500)
    chart = page.evaluate(_SPEED_CHART)
    assert chart["ticks"] >= 5 and chart["points"] >= 10, chart
    assert chart["ticks_meeting"] == 0 and chart["notes_on_points"] == [], chart
    assert "chosen: 1" in chart["legend"], chart
    page.get_by_text("How the speed figures are computed").first.click()
    page.get_by_text("Kernel path:").first.wait_for()
    page.wait_for_timeout(500)
    heights = page.evaluate(_EMPTY_NOTES)
    assert heights and all(height == 0 for height in heights), heights
    page.close()


def test_typed_engine_values_in_a_real_browser(browser, server: str) -> None:
    """Issue 13 item 12, as only a browser shows it: a number outside a widget's bounds was
    refused by the page itself (red border, Enter did nothing), and an emptied field became 1."""
    page = _open(browser, server, f"?{SEED}&len=8192")
    field = page.get_by_label("max_model_len (empty: the model's)")
    field.wait_for()
    _settle(page)
    field.fill("0")
    field.press("Enter")
    page.get_by_text("max_model_len = 0 refused").first.wait_for()
    _settle(page)
    assert field.input_value() == "0"  # kept to correct, the plan at the 8,192 before
    field.fill("")
    field.press("Enter")
    page.locator("[data-testid=stCode]", has_text="--max-model-len 40960").first.wait_for()
    page.close()


def test_enter_in_the_repo_id_field_fetches(browser, server: str) -> None:
    """Enter in "Repo id" fetches and uses the model, as "Fetch and use" does (it did nothing:
    only the button fetched); Enter in "Revision" too, as both are one form."""
    page = _open(browser, server, f"model?{SEED}")
    page.get_by_role("tab", name="Any Hugging Face repo").click()
    field = page.get_by_label("Repo id")
    field.fill("Qwen/Qwen3-8B")
    field.press("Enter")
    page.get_by_text("Now planning Qwen/Qwen3-8B").first.wait_for()
    _settle(page)
    assert "model=Qwen%2FQwen3-8B" in page.url
    field.fill("Qwen/Qwen3-32B")
    page.get_by_label("Revision (branch, tag or commit; optional)").press("Enter")
    page.get_by_text("Now planning Qwen/Qwen3-32B").first.wait_for()
    page.close()


def test_speed_beside_memory_above_the_fold_and_recommend(browser, server: str, shots) -> None:
    """At 1280x800 the verdict and the speed figures show without scrolling; the speed chart,
    the terms and the Recommend page work in a real browser."""
    page = _open(browser, server, f"?{SEED}&conc=4")
    tpot = page.locator("[data-testid=stMetric]", has_text="TPOT").first
    tpot.wait_for(timeout=90_000)
    page.get_by_text("Output tokens/s at 4").first.wait_for()
    _settle(page, charts=1)  # the memory bar; the curves are lazy tabs
    box = tpot.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, box  # above the fold
    verdict = page.get_by_text("Fits:").first.bounding_box()
    assert verdict is not None and verdict["y"] < box["y"]
    _shot(page, shots, "plan-speed-1280x800", for_docs=False)
    page.get_by_role("tab", name="Throughput and latency").click()
    page.get_by_text("Throughput and latency vs concurrency").first.wait_for()
    page.get_by_text("KV limit:").first.wait_for()  # the marked KV-limited concurrency
    # the pointer on the chart shows plotly's modebar at its top right, where it hid the label
    plot = page.locator(".js-plotly-plot", has_text="KV limit:").first
    plot.hover()
    page.wait_for_timeout(500)
    label = page.locator(".js-plotly-plot .annotation", has_text="KV limit:").first.bounding_box()
    bar = plot.locator(".modebar").first.bounding_box()
    assert label and bar and label["y"] >= bar["y"] + bar["height"], (label, bar)
    page.get_by_text("How the speed figures are computed").first.click()
    page.get_by_text("Kernel path:").first.wait_for()
    page.close()

    page = _open(browser, server, f"recommend?{SEED}")
    page.get_by_text("Prices ($ per GPU-hour").first.wait_for()
    # a second model: the grid gains a model column (with two, 935 px in 818 before the
    # format went by its --target-quant name and the model without its owner)
    _pick(page, "[data-testid=stMain] [data-testid=stMultiSelect]", "Qwen/Qwen3-30B-A3B")
    page.get_by_role("button", name="Find the cheapest").click()
    page.locator("[data-testid=stCode]", has_text="vllm serve").first.wait_for(timeout=120_000)
    _settle(page)
    page.get_by_text("Qwen3-30B-A3B").first.wait_for()
    # the answer, the first row's GPUs, $/hour and $ per M output tokens, above the inputs, in
    # view without scrolling: under the button, the first row sat at the fold at 1280x800
    for label in ("Cheapest", "$/hour", "$ per M output tokens"):
        box = page.locator("[data-testid=stMetric]", has_text=label).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 800, (label, box)
    # the rows' $ per million output tokens, TTFT, TPOT and tok/s were out of sight to the
    # right at 1280 px; the price editor's grid is folded, so the first visible is the rows'
    _grid_fits(page)
    _shot(page, shots, "recommend", for_docs=False)
    # the picked row (the first) opens on the Plan page with the same command
    command = page.locator("[data-testid=stCode]", has_text="vllm serve").first.inner_text()
    page.get_by_role("button", name="Open it on the Plan page").click()
    page.get_by_text("Fits:").first.wait_for()  # every row fits
    _settle(page)
    shown = page.locator("[data-testid=stCode]", has_text="vllm serve").first.inner_text()
    assert " ".join(shown.split()) == " ".join(command.split())
    page.close()


def _pick(page, field: str, option: str) -> None:
    """Type `option` in the multiselect `field` (a CSS selector) and pick it from the list, once
    the script settled. The listed option itself is clicked: Enter pressed before the filtered
    list showed (a loaded CI machine) left the search without its button (timed out on a clean
    clone of cdab6808)."""
    box = page.locator(f"{field} input").first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    _settle(page)


def _clear_of_the_modebar(page, plot, parts: str) -> None:
    """With the pointer on `plot`, each of its `parts` (a CSS selector) clear of plotly's
    modebar, drawn at the chart's top right while the pointer is on it."""
    plot.hover()
    bar = plot.locator(".modebar").first
    bar.wait_for()
    page.wait_for_timeout(300)
    right = bar.bounding_box()
    for box in (p.bounding_box() for p in plot.locator(parts).all()):
        assert (box["x"] + box["width"] <= right["x"] or box["y"] >= right["y"] + right["height"]
                or box["y"] + box["height"] <= right["y"]), (parts, box, right)


@pytest.mark.parametrize("width, height", [(1280, 800), (1366, 768)])
def test_no_legend_or_title_under_the_modebar(browser, server: str, width: int,
                                              height: int) -> None:
    """Plotly's modebar of seven buttons hid the memory legend's "model runner buffers" at
    1280 px and "activation peak" and "weights" at 1366, and the end of the Compare chart's
    title "Context ceiling (tokens, one request)" (helper 654's browser pass): two buttons
    now (ui.charts.MODEBAR), the legend under them (MEMORY_TOP_PX)."""
    page = _shown(browser, server, f"?{SEED}", "Fits:", charts=1, width=width, height=height)
    plot = page.locator(".js-plotly-plot").first
    plot.scroll_into_view_if_needed()
    _clear_of_the_modebar(page, plot, ".legend .traces")
    page.close()
    page = _shown(browser, server, f"compare?{SEED}", "Context ceiling (tokens, one request)",
                  charts=4, width=width, height=height)
    for plot in page.locator(".js-plotly-plot").all():
        plot.scroll_into_view_if_needed()
        _clear_of_the_modebar(page, plot, ".gtitle, .legend .traces")
    page.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (1440, 900)])
def test_fields_of_a_row_line_up(browser, server: str, width: int, height: int) -> None:
    """A label of two lines put its field below the others of its row: the Recommend page's
    "Context (max_model_len; empty: input + output)" at 1280 and 1440 px, the Report page's
    "TPOT target (ms, throughput ranking)" at 1280 (helper 290's QA)."""
    for path, first, other in (("recommend", "Input tokens", "Context (max_model_len)"),
                               ("report", "Arrivals", "TPOT target (ms)")):
        page = _open(browser, server, f"{path}?{SEED}", width, height)
        page.get_by_label(other, exact=True).wait_for()  # not "Help for ..." (its tooltip)
        _settle(page)
        tops = [page.get_by_label(label, exact=True).first.bounding_box()["y"]
                for label in (first, other)]
        # a select's input sits 1.2 px above a number field's; a label's line is 20 px
        assert abs(tops[0] - tops[1]) <= 2, (path, tops)
        page.close()


def test_state_dtype_boxes_whole_at_1024x768(browser, server: str) -> None:
    """A hybrid model's "Conv state dtype" and "SSM state dtype" (More vLLM options,
    Nemotron-3-Nano, the SSM one at its longest value, bfloat16), opened at 1024 px: each
    label and value whole (the Model runner's "auto (the release's pick)" was cut there)."""
    page = _shown(browser, server, "?hw=preset&gpu=h100-sxm&gpn=1&nodes=1&model=nvidia/"
                  "NVIDIA-Nemotron-3-Nano-30B-A3B-BF16&mambassmdt=bfloat16", "Fits:",
                  charts=1, width=1024, height=768)
    page.locator(".st-key-plan-more_options summary").first.click()
    for label in ("Conv state dtype", "SSM state dtype"):
        page.get_by_label(label, exact=True).wait_for()
    _settle(page)
    values = page.eval_on_selector_all(
        ".st-key-plan-mamba_cache_dtype input, .st-key-plan-mamba_ssm_cache_dtype input",
        "els => els.map(e => e.value)")
    assert values == ["auto", "bfloat16"], values
    cut = page.eval_on_selector_all(
        ".st-key-plan-more_options [data-testid=stSelectbox] input, "
        ".st-key-plan-more_options [data-testid=stWidgetLabel] p", _CUT)
    assert cut == [] and page.evaluate(_MID_WORD_BREAKS) == [], cut
    page.close()


NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
NANO_H100 = f"hw=preset&gpu=h100-sxm&gpn=1&nodes=1&model={NANO}"
_ROW_KEYS = ("model_runner", "mamba_cache_dtype", "mamba_ssm_cache_dtype", "speculative_model",
             "num_speculative_tokens", "prefix_caching", "mamba_cache_mode", "mamba_block_size")


def _linked_values(page, prefix: str) -> dict[str, str]:
    """The value each of `prefix`'s shown boxes and fields of _ROW_KEYS holds (st-key-<page>-
    <field>), and that none of them, nor its label, is cut or broken mid-word (the drafter's
    repo id aside on the Plan page, spelled out under its field: test_a_linked_drafter_...)."""
    boxes = ", ".join(f".st-key-{prefix}-{key}" for key in _ROW_KEYS
                      if (prefix, key) != ("plan", "speculative_model"))
    cut = page.eval_on_selector_all(f":is({boxes}) input, :is({boxes}) "
                                    "[data-testid=stWidgetLabel] p", _CUT)
    assert cut == [] and page.evaluate(_MID_WORD_BREAKS) == [], cut
    return {key: page.locator(f".st-key-{prefix}-{key} input").first.input_value()
            for key in _ROW_KEYS if page.locator(f".st-key-{prefix}-{key} input").count()}


def _open_options(page, key: str = "plan-more_options") -> None:
    """Unfold the expander st-key-`key` (the Plan page's "More vLLM options", a link folds
    them: their count is in the label; the Compare page's "vLLM options for every model", the
    Recommend page's "vLLM options for every row") and wait for the script to settle."""
    page.locator(f".st-key-{key} summary").first.click()
    page.locator(f".st-key-{key} [data-testid=stWidgetLabel]").first.wait_for()
    _settle(page)


@pytest.mark.parametrize("width, height", [(1280, 800), (1024, 768)])
@pytest.mark.parametrize("link, count, figures, values", [
    # Mamba cache mode all at vLLM 0.30.0: 128 x cdiv(2,084, 128) = 2,176-token blocks, 792
    # of them (tests/app/test_mamba_cache_mode_app.py, worked in tests/planner/serving/
    # test_mamba_cache_mode_flag.py); V2 is the release's own pick for it, the figure unmoved
    ("vllm=0.30.0&mambamode=all&runner=v2", 2, "792 blocks = 343,170 KV tokens",
     {"model_runner": "V2", "prefix_caching": "default", "mamba_cache_mode": "all",
      "mamba_block_size": ""}),
    # a 512-token Mamba block: 512 x cdiv(2,084, 512) = 2,560-token blocks, 673 of them
    ("vllm=0.30.0&mambamode=all&mambablock=512", 2, "673 blocks = 342,568 KV tokens",
     {"model_runner": "auto", "prefix_caching": "default", "mamba_cache_mode": "all",
      "mamba_block_size": "512"}),
    # prefix caching off: one state page a request, 126 + 4 = 130 pages, int(822 x 262,144 /
    # 130) (tests/app/test_mamba_cache_mode_app.py's hand-worked figure, commit f29721dc)
    ("vllm=0.30.0&prefix=off", 1, "822 blocks = 1,657,556 KV tokens",
     {"model_runner": "auto", "prefix_caching": "off", "mamba_cache_mode": "auto",
      "mamba_block_size": ""}),
])
def test_linked_hybrid_options_show_and_move_the_plan(browser, server: str, shots, width: int,
                                                      height: int, link: str, count: int,
                                                      figures: str, values: dict) -> None:
    """A link setting "More vLLM options" of a hybrid (Nemotron-3-Nano on one H100: runner,
    mambamode, mambablock, prefix) plans them, the verdict in view with its options folded and
    counted; unfolded, each box shows the linked value whole."""
    page = _shown(browser, server, f"?{NANO_H100}&{link}", figures, charts=1, width=width,
                  height=height)
    verdict = page.locator("[data-testid=stAlert]", has_text=figures).first.bounding_box()
    assert verdict is not None and verdict["y"] + verdict["height"] <= height, verdict
    summary = page.locator(".st-key-plan-more_options summary").first.inner_text()
    assert summary.endswith(f" ({count}\u00a0set)"), summary
    _open_options(page)
    page.locator(".st-key-plan-model_runner").first.evaluate(
        "e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    _shot(page, shots, f"plan-hybrid-options-{link.replace('&', '-').replace('=', '')}-"
          f"{width}x{height}", for_docs=False)
    shown = _linked_values(page, "plan")
    assert {key: shown[key] for key in values} == values, shown
    assert (shown["mamba_cache_dtype"], shown["mamba_ssm_cache_dtype"]) == ("auto", "auto")
    page.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (1024, 768)])
@pytest.mark.parametrize("link, figure, values", [
    # 1,584 / 253 blocks = 6.26 requests in float16 (5.96 at auto)
    ("runner=v2&mambassmdt=float16", "6.26",
     {"model_runner": "V2", "mamba_ssm_cache_dtype": "float16", "prefix_caching":
      "default"}),
    # one state page a request without prefix caching: 816 / 129 = 6.33
    ("prefix=off", "6.33",
     {"model_runner": "auto", "mamba_ssm_cache_dtype": "auto", "prefix_caching": "off"}),
])
def test_compare_and_recommend_rows_show_the_linked_options(
        browser, server: str, shots, width: int, height: int, link: str, figure: str,
        values: dict) -> None:
    """The Compare and Recommend pages' rows of Model runner, Conv and SSM state dtype,
    drafter and prefix caching / Mamba paging hold the link's values, whole (Compare's folded,
    its grid in view); on Compare Nano's
    concurrency at 262,144 tokens (vLLM 0.34.0, BF16 KV) moves as the link says (tests/app/
    test_runner_state_dtypes_other_pages.py and CHANGELOG's prefix caching entry, worked by
    hand there)."""
    link = (f"{NANO_H100}&vllm=0.34.0&{link}&ctx=262144"
            "&cmp=nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16,Qwen/Qwen3-8B")
    expected = {"mamba_cache_dtype": "auto", "speculative_model": "", "mamba_cache_mode": "auto",
                "mamba_block_size": "", **values}
    name = f"{values['prefix_caching'].replace(' ', '-')}-{width}x{height}"
    page = _shown(browser, server, f"compare?{link}", "Context ceiling (tokens, one request)",
                  charts=4, width=width, height=height)
    page.locator(".js-plotly-plot .bartext", has_text=figure).first.wait_for()
    # the options folded (their three rows put the grid below the fold): its header and first
    # row in view
    grid = page.locator("[data-testid=stDataFrame]:visible").first.bounding_box()
    assert grid is not None and grid["y"] + 72 <= height, grid
    _shot(page, shots, f"compare-{name}", for_docs=False)
    _open_options(page, "compare-vllm_options")
    _shot(page, shots, f"compare-rows-{name}", for_docs=False)
    assert _linked_values(page, "compare") == expected
    page.close()
    page = _shown(browser, server, f"recommend?{link}", "Prices ($ per GPU-hour", width=width,
                  height=height)
    _open_options(page, "recommend-vllm_options")
    page.locator(".st-key-recommend-model_runner").first.evaluate(
        "e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    _shot(page, shots, f"recommend-rows-{name}", for_docs=False)
    assert _linked_values(page, "recommend") == expected
    page.close()


HUB_MODEL = "acme/qwen3-8b"
"""A model only the fake hub holds (not a catalog id)."""


def _catalog_config(repo_id: str) -> dict:
    """A catalog entry's config.json object."""
    name = repo_id.replace("/", "__")
    return json.loads((ROOT / "planner" / "catalog_data" / f"{name}.json").read_text())["config"]


@pytest.fixture(scope="module")
def hub_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of a process whose hub is the local fake one (tests/hubserver.py)
    holding SpecForge's Qwen3-32B EAGLE-3 drafter's config as DRAFTER, as tests/app/
    test_drafter_app.py reads it, and Qwen3-8B's catalog config as HUB_MODEL: the second app
    server's, and the CLI's it is checked against."""
    from tests.app.test_drafter_app import DRAFTER
    from tests.hubserver import FakeFile, FakeHub, FakeRepo, client_env
    from tests.planner.serving.test_eagle import QWEN3_32B_DRAFTER

    hub = FakeHub({DRAFTER: FakeRepo({"config.json": FakeFile(
        QWEN3_32B_DRAFTER.read_bytes())}), HUB_MODEL: FakeRepo({"config.json": FakeFile(
            json.dumps(_catalog_config("Qwen/Qwen3-8B")).encode())})})
    try:
        yield client_env(hub.url, tmp_path_factory.mktemp("hf"))
    finally:
        hub.stop()


@pytest.fixture(scope="module")
def hub_server(hub_env: dict[str, str]) -> Iterator[str]:
    """A second app server, on the fake hub of hub_env."""
    port = free_port()
    proc = start_server(port, timeout_s=START_TIMEOUT_S, env=hub_env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc, timeout_s=10)


def test_a_hub_model_opens_the_model_page_on_its_hub_tab(browser, hub_server: str,
                                                         shots) -> None:
    """A repo only the hub holds opens the Model page on "Any Hugging Face repo", its repo id
    in the field, and the catalog offers no entry in its place: r4 saw the catalog tab open, its
    first entry picked and a red "Use ... instead of acme/qwen3-8b" button."""
    page = _shown(browser, hub_server, f"model?model={HUB_MODEL}", "Parameters by component",
                  charts=1)
    _shot(page, shots, "model-hub-tab", for_docs=False)
    assert page.locator("[role=tab][aria-selected=true]").inner_text() == "Any Hugging Face repo"
    assert page.get_by_label("Repo id").input_value() == HUB_MODEL
    assert page.get_by_role("button", name="instead of").count() == 0
    page.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (1024, 768)])
def test_a_linked_drafter_shows_and_moves_the_figures(browser, hub_server: str, shots,
                                                      width: int, height: int) -> None:
    """drafter=<the SpecForge Qwen3-32B EAGLE-3 head>&spec=3, read through the fake hub:
    Qwen3-32B at TP 2 holds 64 x 2 x 4 x 128 x 2 B = 131,072 B of KV a token a GPU, and the
    drafter's layer 4 x (80 + 80) x 2 B = 1,280 B more: 132,352 B (tests/app/
    test_drafter_app.py); the drafter and its draft tokens show on the Plan page's options and
    the Compare and Recommend pages' row, whole."""
    from tests.app.test_drafter_app import DRAFTER

    link = ("hw=preset&gpu=h100-sxm&gpn=2&nodes=1&model=Qwen/Qwen3-32B&tp=2"
            f"&drafter={DRAFTER}&spec=3")
    page = _shown(browser, hub_server, f"?{link}", "Fits:", "132,352 B", charts=1,
                  width=width, height=height)
    _open_options(page)
    page.locator(".st-key-plan-speculative_model").first.evaluate(
        "e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    _shot(page, shots, f"plan-drafter-{width}x{height}", for_docs=False)
    shown = _linked_values(page, "plan")
    assert (shown["speculative_model"], shown["num_speculative_tokens"]) == (DRAFTER, "3")
    # the options' column cut the field's "acme/qwen3-32b-eagle3" to "acme/qwen3-32b-ea": the
    # repo id whole under it
    named = page.locator(".st-key-plan-more_options [data-testid=stCaptionContainer]",
                         has_text=DRAFTER).first
    assert named.inner_text() == DRAFTER and named.evaluate("e => e.scrollWidth <= e.clientWidth")
    page.close()
    for path, words in (("compare", "--speculative-config"), ("recommend", "Prices ($ per")):
        page = _shown(browser, hub_server, f"{path}?{link}&cmp=Qwen/Qwen3-32B,Qwen/Qwen3-8B",
                      words, width=width, height=height)
        _open_options(page, f"{path}-vllm_options")
        _shot(page, shots, f"{path}-drafter-{width}x{height}", for_docs=False)
        shown = _linked_values(page, path)
        assert (shown["speculative_model"], shown["num_speculative_tokens"]) == (DRAFTER, "3")
        page.close()


def _cli(*argv: str, env: dict[str, str] | None = None) -> dict:
    """The JSON of `python -m planner <argv> --gpu h100-sxm`, offline (or on `env`'s fake
    hub)."""
    out = subprocess.run([sys.executable, "-m", "planner", *argv, "--gpu", "h100-sxm"],
                         cwd=ROOT, capture_output=True, text=True, check=True,
                         env=env or {**os.environ, "HF_HUB_OFFLINE": "1"}).stdout
    return json.loads(out)


def _cli_recommend(*flags: str, env: dict[str, str] | None = None) -> dict:
    """The first row of `recommend <flags> --json` (_cli)."""
    return _cli("recommend", *flags, "--json", env=env)["rows"][0]


def _search_h100s(page, context: int) -> None:
    """The Recommend page's search over H100 SXM presets ("Only these GPUs") at `context`
    tokens, once its first row's command shows."""
    _pick(page, ".st-key-recommend-gpus", "h100-sxm")
    field = page.locator(".st-key-recommend-context input").first
    field.fill(str(context))
    field.press("Enter")
    _settle(page)
    page.get_by_role("button", name="Find the cheapest").click()
    page.locator("[data-testid=stCode]", has_text="vllm serve").first.wait_for(timeout=120_000)
    _settle(page)


def _answer_is_the_clis(page, row: dict, height: int) -> None:
    """The Recommend page's answer, above its inputs and in view without scrolling, is the
    CLI's first `row`: its GPUs, $/hour and $ per M output tokens (to the cent), weights,
    layout, KV dtype and verdict; the picked row's command is the CLI's, flag for flag."""
    metrics = page.locator("[data-testid=stMetric]")
    assert [" ".join(m.split()) for m in metrics.all_inner_texts()] == [
        f"Cheapest {row['gpus']}x {row['gpu_key']}", f"$/hour ${row['usd_per_hour']:.2f}",
        f"$ per M output tokens ${row['usd_per_million_output_tokens']:.2f}"]
    for box in (metrics.nth(i).bounding_box() for i in range(3)):
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, box
    caption = " ".join(page.locator("[data-testid=stCaptionContainer]",
                                    has_text="(row 1 below, with its command)").first
                       .inner_text().split())
    # the verdict's longer request asks this page's field, not the CLI's flag (it named the
    # Plan page's, which moves no row here)
    verdict = row["verdict"].replace("at a larger --max-model-len",
                                     "at a larger max_model_len (this page's Context field)")
    assert caption == (f"{row['model_name']}: {row['quant_label']}, TP={row['layout']['tp']}, "
                       f"KV {row['kv_cache_dtype']} (row 1 below, with its command). "
                       f"{verdict}"), caption
    command = page.locator("[data-testid=stCode]", has_text="vllm serve").first.inner_text()
    assert [word for word in command.split() if word != "\\"] == row["vllm_command"].split()


def _shared_link_reopens(browser, server: str, page, keys: dict[str, str], width: int,
                         height: int) -> None:
    """The address `page` shows (the link a user shares) holds each of `keys` and not
    drafmethod (eagle3, its default, is left out); opened in a new tab, the Recommend page's
    folded "vLLM options for every row" hold what `page`'s do."""
    query = parse_qs(urlsplit(page.url).query)
    assert {key: query.get(key) for key in keys} == {k: [v] for k, v in keys.items()}, query
    assert "drafmethod" not in query
    shown = _linked_values(page, "recommend")
    again = _shown(browser, server, page.url.split("/", 3)[3], "Prices ($ per GPU-hour",
                   width=width, height=height)
    _open_options(again, "recommend-vllm_options")
    assert _linked_values(again, "recommend") == shown
    again.close()


def _options_shot(page, shots, field: str, name: str) -> None:
    """Unfold the Recommend page's "vLLM options for every row", its `field` (st-key-recommend-
    <field>) in the middle of the view, and save the screenshot `name`."""
    _open_options(page, "recommend-vllm_options")
    page.locator(f".st-key-recommend-{field}").first.evaluate(
        "e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    _shot(page, shots, name, for_docs=False)


@pytest.mark.parametrize("width, height", [(1366, 768), (1440, 900)])
@pytest.mark.parametrize("link, context, flags, count", [
    # prefix caching off at 0.34.0, FP8 KV (the H100 row's): 4,224-token attention blocks,
    # cdiv(262,144, 4,224) = 63, and one state page a request in each of the 4 Mamba groups:
    # 63 + 4 = 67 blocks a request (tests/app/test_prefix_caching_app.py)
    ({"vllm": "0.34.0", "prefix": "off"}, 262_144, ["--no-enable-prefix-caching"], 1),
    ({"vllm": "0.30.0", "mambamode": "all"}, 8_192, ["--mamba-cache-mode", "all"], 1),
    ({"vllm": "0.30.0", "mambamode": "all", "mambablock": "512"}, 8_192,
     ["--mamba-cache-mode", "all", "--mamba-block-size", "512"], 2),
])
def test_recommend_with_linked_mamba_paging_gives_the_clis_answer(
        browser, server: str, shots, width: int, height: int, link: dict, context: int,
        flags: list, count: int) -> None:
    """Nemotron-3-Nano, 4 requests on H100s, each Mamba paging option a link sets (prefix,
    mambamode, mambablock), folded and counted: the answer in view once searched is the CLI's
    recommend with the same flags, and the shared link reopens them."""
    query = "&".join(f"{key}={value}" for key, value in link.items())
    page = _shown(browser, server, f"recommend?{NANO_H100}&conc=4&{query}",
                  "Prices ($ per GPU-hour", width=width, height=height)
    label = page.locator(".st-key-recommend-vllm_options summary").first.inner_text()
    assert label.endswith(f"\nvLLM options for every row ({count}\u00a0set)"), label
    # "Find the cheapest" in view with the options folded (below the fold, open)
    button = page.get_by_role("button", name="Find the cheapest").bounding_box()
    assert button is not None and button["y"] + button["height"] <= height, button
    _search_h100s(page, context)
    row = _cli_recommend("--model", NANO, "--vllm-version", link["vllm"], "--context",
                         str(context), "--input-len", "1024", "--output-len", "1024",
                         "--concurrency", "4", *flags)
    _answer_is_the_clis(page, row, height)
    # the verdict's blocks a request, and its concurrency = blocks / blocks a request
    blocks, per_request, requests = re.search(
        r"Fits: ([\d,]+) blocks .* per (\d+) blocks: .*, ([\d.]+) concurrent", row["verdict"]
    ).groups()
    assert per_request == "67" or "prefix" not in link
    assert float(requests) == round(int(blocks.replace(",", "")) / int(per_request), 2)
    name = "-".join(f"{key}{value}" for key, value in link.items())
    _shot(page, shots, f"recommend-{name}-{width}x{height}", for_docs=False)
    _options_shot(page, shots, "prefix_caching", f"recommend-{name}-options-{width}x{height}")
    _shared_link_reopens(browser, server, page, {k: v for k, v in link.items() if k != "vllm"},
                         width, height)
    page.close()


@pytest.mark.parametrize("width, height", [(1366, 768), (1440, 900)])
def test_recommend_with_a_linked_drafter_gives_the_clis_answer(
        browser, hub_server: str, hub_env: dict, shots, width: int, height: int) -> None:
    """Qwen3-32B with the SpecForge EAGLE-3 drafter (drafter, spec=3, drafmethod=eagle3 in the
    link), searched on H100s at 8,192 tokens: the answer is the CLI's recommend with
    --speculative-model on the same fake hub, its command carrying the drafter's
    --speculative-config, and the shared link reopens the drafter and its draft tokens."""
    from tests.app.test_drafter_app import DRAFTER

    page = _shown(browser, hub_server, "recommend?hw=preset&gpu=h100-sxm&gpn=2&nodes=1"
                  f"&model=Qwen/Qwen3-32B&tp=2&drafter={DRAFTER}&spec=3&drafmethod=eagle3",
                  "Prices ($ per GPU-hour", width=width, height=height)
    label = page.locator(".st-key-recommend-vllm_options summary").first.inner_text()
    # the drafter and its draft tokens
    assert label.endswith("\nvLLM options for every row (2\u00a0set)"), label
    _search_h100s(page, 8_192)
    row = _cli_recommend("--model", "Qwen/Qwen3-32B", "--context", "8192", "--input-len",
                         "1024", "--output-len", "1024", "--concurrency", "1",
                         "--speculative-model", DRAFTER, "--num-speculative-tokens", "3",
                         env=hub_env)
    assert row["vllm_command"].endswith(
        '--speculative-config \'{"method": "eagle3", "model": "acme/qwen3-32b-eagle3", '
        '"num_speculative_tokens": 3}\'')
    _answer_is_the_clis(page, row, height)
    _shot(page, shots, f"recommend-drafter-answer-{width}x{height}", for_docs=False)
    _options_shot(page, shots, "speculative_model", f"recommend-drafter-options-{width}x{height}")
    assert page.locator(".st-key-recommend-speculative_method input").first.input_value() \
        == "eagle3"
    _shared_link_reopens(browser, hub_server, page, {"drafter": DRAFTER, "spec": "3"}, width,
                         height)
    page.close()


def _cli_compare(*flags: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """Each compared model's concurrency, as the Compare page's bars write it (two decimals,
    the length a model at its own maximum is at, " (refused)" where vLLM refuses the plan),
    from `report <flags> --format json` (_cli)."""
    rows = _cli("report", *flags, "--format", "json", env=env)["comparison"]
    return {row["model_name"]: f"{row['max_concurrency']:,.2f}"
            + (f" at {row['max_model_len']:,} (its maximum)" if row["max_model_len_capped"]
               else "")
            + ("" if row["fits"] else " (refused)") for row in rows}


def _bars(page) -> list[str]:
    """The Compare page's concurrency bars' figures (its last chart), sorted."""
    return sorted(page.locator(".js-plotly-plot").last.locator(".bartext").evaluate_all(
        "texts => texts.map(t => t.textContent)"))


@pytest.mark.parametrize("width, height", [(1366, 768), (1440, 900)])
@pytest.mark.parametrize("link, flags, nano", [
    # at vLLM 0.30.0 in BF16 KV, 32,768 tokens. "all": 128 x cdiv(2,084, 128) = 2,176-token
    # blocks, 792 of them (test_linked_hybrid_options_show_and_move_the_plan); a request
    # cdiv(32,768, 2,176) = 16 attention blocks and a state page a block in each of the 4
    # Mamba groups, 16 + 4 x 16 = 80: 792 / 80 = 9.90 requests
    ("mambamode=all", ["--mamba-cache-mode", "all"], "9.90"),
    # with a 512-token Mamba block: 512 x cdiv(2,084, 512) = 2,560-token blocks, 673 of them;
    # cdiv(32,768, 2,560) = 13, 13 + 4 x 13 = 65 a request: 673 / 65 = 10.35
    ("mambamode=all&mambablock=512", ["--mamba-cache-mode", "all", "--mamba-block-size", "512"],
     "10.35"),
])
def test_compare_with_linked_mamba_paging_gives_the_clis_concurrency(
        browser, server: str, shots, width: int, height: int, link: str, flags: list,
        nano: str) -> None:
    """Nemotron-3-Nano beside Qwen3-8B on one H100 at 32,768 tokens, the Mamba cache mode and
    block size from the link: each model's concurrency bar is report --compare's with the
    same flags (Nano's worked by hand above), the grid's first row in view."""
    page = _shown(browser, server, f"compare?{NANO_H100}&vllm=0.30.0&{link}&ctx=32768"
                  f"&cmp={NANO},Qwen/Qwen3-8B", "Context ceiling (tokens, one request)",
                  charts=4, width=width, height=height)
    page.locator(".js-plotly-plot .bartext", has_text=nano).first.wait_for()
    expected = _cli_compare("--model", NANO, "--compare", "Qwen/Qwen3-8B", "--gpus", "1",
                            "--vllm-version", "0.30.0", "--max-model-len", "32768", *flags)
    assert expected[NANO] == nano and _bars(page) == sorted(expected.values()), expected
    grid = page.locator("[data-testid=stDataFrame]:visible").first.bounding_box()
    assert grid is not None and grid["y"] + 72 <= height, grid
    _shot(page, shots, f"compare-{link.replace('&', '-').replace('=', '')}-{width}x{height}",
          for_docs=False)
    page.close()


@pytest.mark.parametrize("width, height", [(1366, 768), (1440, 900)])
def test_compare_with_a_linked_drafter_gives_the_clis_concurrency(
        browser, hub_server: str, hub_env: dict, shots, width: int, height: int) -> None:
    """Qwen3-32B with the SpecForge EAGLE-3 drafter at TP 2 on two H100s, beside Qwen3-8B (whose
    hidden size the drafter does not match: its row's error), at 32,768 tokens: Qwen3-32B's
    concurrency bar is report --compare's with --speculative-model on the same fake hub."""
    from tests.app.test_drafter_app import DRAFTER

    page = _shown(browser, hub_server, "compare?hw=preset&gpu=h100-sxm&gpn=2&nodes=1"
                  f"&model=Qwen/Qwen3-32B&tp=2&drafter={DRAFTER}&spec=3&ctx=32768"
                  "&cmp=Qwen/Qwen3-32B,Qwen/Qwen3-8B", "has hidden_size 5,120", width=width,
                  height=height)
    _settle(page, charts=1)
    expected = _cli_compare("--model", "Qwen/Qwen3-32B", "--compare", "Qwen/Qwen3-8B",
                            "--gpus", "2", "--max-model-len", "32768", "--speculative-model",
                            DRAFTER, "--num-speculative-tokens", "3", env=hub_env)
    assert _bars(page) == sorted(expected.values()), (_bars(page), expected)
    assert expected["Qwen/Qwen3-8B"].endswith(" (refused)")
    _shot(page, shots, f"compare-drafter-bars-{width}x{height}", for_docs=False)
    page.close()
