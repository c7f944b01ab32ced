"""No Markdown or HTML from a link, a snapshot, a file name or a hub config reaches the page.

Every element whose body Streamlit renders as Markdown (markdown, captions, titles, messages,
expander labels, st.table cells) is parsed with markdown-it-py: no link, image or HTML may
appear, no bare autolink ('://', 'www.'), and no URL or e-mail address in the text that
Streamlit would link (STREAMLIT_AUTOLINKS), while the hostile text itself is still shown.
"""

import json
import re

import pytest
from markdown_it import MarkdownIt

from planner.text import WORD_JOINER
from tests.app.conftest import ROOT, open_page
from tests.conftest import STREAMLIT_AUTOLINKS

HOSTILE_DIR = ROOT / "tests" / "fixtures" / "hostile"
PAGES = ("hardware", "model", "plan", "compare", "recommend", "report")
LINK = "[Session expired - sign in again](http://evil.example/login)"
IMAGE = "![t](http://evil.example/x.png)"
QUERY = {  # every URL parameter the issue names, each with a different payload
    "model": LINK, "gpu": "<img src=x onerror=alert(1)>", "quant": IMAGE,
    "rev": "<script>alert(1)</script>", "cmp": f"{LINK},# heading\n|a|b|",
}
FORBIDDEN = {"link_open", "image", "html_inline", "html_block"}


def _bodies(at) -> list[str]:
    """The Markdown source of every element Streamlit renders as Markdown."""
    bodies = [str(e.value) for kind in ("markdown", "caption", "title", "subheader", "error",
                                        "warning", "info", "success") for e in at.get(kind)]
    bodies += [e.label for e in at.get("expander")]
    for table in at.table:
        frame = table.value
        bodies += [str(v) for v in (*frame.to_numpy().ravel(), *frame.index, *frame.columns)]
    return bodies


def _assert_inert(at) -> str:
    """No markup from input on this page; returns the page's text as a reader sees it."""
    assert not at.exception, at.exception
    parser = MarkdownIt("commonmark").enable("table")
    shown = []
    for body in _bodies(at):
        tokens = [t for block in parser.parse(body) for t in (block, *(block.children or []))]
        assert not {t.type for t in tokens} & FORBIDDEN, body
        assert not re.search(r"(?<!\\)(://|www\.)", body), body
        text = [t.content for t in tokens if t.type == "text"]
        # nor a URL or e-mail address that Streamlit finds in the text, escaped or not
        assert not any(link.search(t) for link in STREAMLIT_AUTOLINKS for t in text), body
        shown += [t.replace(WORD_JOINER, "") for t in text]  # drawn as nothing
    return "\n".join(shown)


def test_hostile_url_parameters_are_shown_as_text_on_every_page() -> None:
    at = open_page(**QUERY)
    seen = _assert_inert(at)
    for page in PAGES:
        at.switch_page(f"ui/pages/{page}.py").run()
        seen += _assert_inert(at)
    assert LINK in seen  # refused, and said so in its own words


def test_hostile_snapshots_and_file_names_are_shown_as_text() -> None:
    at = open_page("hardware", hw="snapshots")
    uploads = [(f"{IMAGE}<b>{name}", (HOSTILE_DIR / name).read_bytes(), "application/json")
               for name in ("snapshot_hostname_html.json", "snapshot_name_html.json")]
    uploads.append((f"{LINK}.json", b"{not json", "application/json"))
    at.get("file_uploader")[0].set_value(uploads).run()
    seen = _assert_inert(at)
    assert f"{LINK}.json" in seen  # the refused file's name, in its error
    assert "<script>alert(1)</script> # INJECTED |a|b|" in seen  # the hostname
    for page in PAGES:
        at.switch_page(f"ui/pages/{page}.py").run()
        seen += _assert_inert(at)
    assert "<img src=x onerror=alert(1)> **B** [x](javascript:alert(1))" in seen  # GPU name


@pytest.fixture
def hostile_hub(hub_reply):
    """acme/hostile answers with ../shared/bad-inputs/html_model_type.config.json (HTML in
    model_type and architectures) and a note echoing a link; other ids resolve as usual."""
    hub_reply("acme/hostile",
              json.loads((HOSTILE_DIR / "html_model_type.config.json").read_text()),
              (f"fetched from {LINK}",))


@pytest.mark.usefixtures("hostile_hub")
def test_hostile_hub_config_fields_are_shown_as_text() -> None:
    at = open_page("model", model="acme/hostile")
    seen = _assert_inert(at)
    assert "<img src=x onerror=alert(1)> (<script>alert(1)</script>" in seen  # model_type
    for page in PAGES:
        at.switch_page(f"ui/pages/{page}.py").run()
        _assert_inert(at)


@pytest.mark.usefixtures("hostile_hub")
def test_a_hostile_config_compared_is_shown_as_text() -> None:
    # the Compare page's verdict quotes the config's model_type; its table renders cells as
    # Markdown, and the verdict went there unescaped (an <img onerror> ran in the page)
    at = open_page("compare", cmp="acme/hostile,Qwen/Qwen3-8B")
    seen = _assert_inert(at)
    assert "model_type '<img src=x onerror=alert(1)>'" in seen


@pytest.mark.parametrize("page", ["model", "plan", "compare", "report"])
def test_a_url_and_markdown_in_a_config_render_literally(hub_reply, page) -> None:
    # config-derived text (model_type, architectures) is quoted in the Model page's table, the
    # Plan page's verdict and warnings, the Compare page's verdicts and the report: a URL in it
    # showed as a link in chromium though escaped (Streamlit links what it finds in the text
    # once escapes are read), and '*' or '_' must not turn into emphasis
    config = json.loads((HOSTILE_DIR / "html_model_type.config.json").read_text())
    model_type, arch = "x_*em*_http://evil.example/a_b_ **b** __u__", "A_*1*_ a@evil.example"
    hub_reply("acme/md", config | {"model_type": model_type, "architectures": [arch]})
    at = open_page(page, model="acme/md", cmp="acme/md,Qwen/Qwen3-8B")
    if page == "report":
        at.checkbox(key="report.compare").check().run()
    seen = _assert_inert(at)
    assert f"model_type '{model_type}'" in seen and arch in seen


def _code_spans(at) -> list[str]:
    """The text of every inline code span the page renders (CommonMark)."""
    parser = MarkdownIt("commonmark").enable("table")
    return [t.content for body in _bodies(at) for block in parser.parse(body)
            for t in block.children or [] if t.type == "code_inline"]


def test_a_message_quoting_code_in_backticks_shows_it_as_code() -> None:
    # vLLM 0.34.0's own words past the derived length (the seed at 262,144 tokens): the
    # backticks showed as typed ("Try increasing \`gpu_memory_utilization\`")
    at = open_page(None, model="Qwen/Qwen3-235B-A22B-GPTQ-Int4", gpu="rtx-3090", gpn="8",
                   len="262144")
    _assert_inert(at)
    assert {"gpu_memory_utilization", "max_model_len"} <= set(_code_spans(at))
    assert not [e.value for e in at.error if "\\`" in e.value]


def test_backticks_in_a_config_show_code_that_stays_text(hub_reply) -> None:
    config = json.loads((HOSTILE_DIR / "html_model_type.config.json").read_text())
    hub_reply("acme/ticks", config | {"model_type": "`<img src=x onerror=alert(1)>` **b**"})
    at = open_page("model", model="acme/ticks")
    seen = _assert_inert(at)
    assert "<img src=x onerror=alert(1)>" in _code_spans(at)  # shown as code, not run
    assert " **b**" in seen  # and the rest as typed


def test_a_flag_in_a_config_shows_as_code_and_the_rest_as_text(hub_reply) -> None:
    # app_markdown quotes a message's flags as code (flags_as_code) before escaping: the
    # Compare verdict quotes the model_type, a flag in it included, and a link there stays text
    config = json.loads((HOSTILE_DIR / "html_model_type.config.json").read_text())
    hub_reply("acme/flag", config | {"model_type": "--evil-flag 1 [x](http://evil.example)"})
    at = open_page("compare", cmp="acme/flag,Qwen/Qwen3-8B")
    seen = _assert_inert(at)
    assert "--evil-flag 1" in _code_spans(at)
    assert " [x](http://evil.example)" in seen
