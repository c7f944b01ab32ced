"""ui.format.figures_whole: "How every figure is computed" at 1280 px broke a figure where its
cell wrapped ("(23,283,447,209" / "B)", "14.56" / "GiB", "layers 0-" / "93"); each figure goes
in a bare span the page keeps on one line (Streamlit's `:color[...]` directive with no colour:
a <span>), its characters its own: no-break spaces and U+2011 hyphens there made a copied
"w4a16-gptq-g128" or "--max-num-seqs" paste as other characters than typed."""

import html
import re

from markdown_it import MarkdownIt

from planner.text import WORD_JOINER, md_escape
from ui.format import figures_whole

_DIRECTIVE = re.compile(r"(\\.)|:color\[((?:\\.|[^\\\]])*)\]")
_TAG = re.compile(r"<[^>]*>")


def _html(markdown: str) -> str:
    """`markdown` as Streamlit renders a table cell, the directive as the <span> it draws: the
    text between directives and each one's label rendered inline (CommonMark), an escape pair
    never cut."""
    inline = MarkdownIt("commonmark").renderInline
    parts, start = [], 0
    for match in _DIRECTIVE.finditer(markdown):
        if match[2] is not None:
            parts += [inline(markdown[start:match.start()]),
                      f"<span>{inline(match[2])}</span>"]
            start = match.end()
    return "".join([*parts, inline(markdown[start:])])


def _text(markdown: str) -> str:
    """What a reader selects and copies: the rendered HTML without its tags, entities read."""
    return html.unescape(_TAG.sub("", _html(markdown)))


def _whole(text: str) -> list[str]:
    """The figures kept whole in `text` (each span's text)."""
    return re.findall(r"<span>(.*?)</span>", _html(figures_whole(md_escape(text))))


def test_a_number_keeps_its_unit_and_an_operator_stays_a_break() -> None:
    assert _whole("21.68 GiB (23,283,447,209 B)") == ["21.68 GiB", "(23,283,447,209 B)"]
    # "x" is the multiplication: the line may break at it, not between 4 and B
    assert _whole("151,936 vocab x 4 B = 0.86 GiB") == ["151,936 vocab", "4 B", "= 0.86 GiB"]
    assert _whole("0.12 %") == ["0.12 %"]


def test_a_range_and_an_inputs_value_stay_whole() -> None:
    assert _whole("stage 0, layers 0-93") == ["0-93"]
    assert _whole("weight_format = w4a16-gptq-g128, tp = 8") == [
        "= w4a16-gptq-g128,", "= 8"]
    # a hyphenated word in prose may still break after its hyphen, and a minus between two
    # figures is the break it always was
    assert _whole("up-projection") == []
    assert _whole("21.68 GiB - 14.56 GiB") == ["21.68 GiB", "14.56 GiB"]


def test_a_code_span_is_left_as_written() -> None:
    assert figures_whole(md_escape("set `--max-model-len 4096` to 4 GiB")) == (
        "set `--max-model-len 4096` to :color[4 GiB]")


def test_the_page_shows_and_copies_the_texts_own_characters() -> None:
    # byte for byte what the cell held: no no-break space, no U+2011, and no markup of its
    # own from a config's or a link's text (a model name): a link, a directive, brackets and
    # backslashes that could close a span early, a lone backtick. The one character added:
    # md_escape's WORD_JOINER, drawn as nothing, inside a URL's start (Streamlit links it)
    for text in ("21.68 GiB (23,283,447,209 B)", "weight_format = w4a16-gptq-g128, tp = 8",
                 "stage 0, layers 0-93, 0.24-0.27 GiB",
                 "name = [x](http://e.example) :red[y] 5 GiB] [z 0-9 a\\ = b\\ 3 B`"):
        shown = figures_whole(md_escape(text))
        assert "<span>" in _html(shown)
        assert _text(shown) == text.replace("://", f":{WORD_JOINER}//")
        assert not {"\u00a0", "\u2011"} & set(shown)
    # a code span shows its text (without the backticks), as before
    code = figures_whole(md_escape("set `--max-num-seqs 256` to 4 GiB"))
    assert _text(code) == "set --max-num-seqs 256 to 4 GiB"


def test_html_in_the_text_is_shown_as_text() -> None:
    shown = figures_whole(md_escape("model = <script>alert(1)</script>-x 4 GiB"))
    assert "<span>= &lt;script&gt;alert(1)&lt;/script&gt;-x</span>" in _html(shown)
    assert "<script" not in _html(shown)
    assert _text(shown) == "model = <script>alert(1)</script>-x 4 GiB"
