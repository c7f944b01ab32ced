"""planner.text: hostile strings become inert Markdown, in the report as in the app.

Rendered with markdown-it-py (CommonMark + tables, as GitHub and Streamlit parse them): no
link, image, HTML or heading may come from input, and the text must still read as typed.
"""

import re
from pathlib import Path

from markdown_it import MarkdownIt

from cli.planner_cli import main
from planner.text import (
    WORD_JOINER,
    controls_as_spaces,
    counted,
    has_control,
    md_code_block,
    md_escape,
    params_count,
    rank_runs,
    ranks_by,
    sentence,
    shell_continued,
    tenths_up,
    with_article,
)
from tests.conftest import STREAMLIT_AUTOLINKS

HOSTILE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
HOSTILE = [
    "[Session expired - sign in again](http://evil.example/login)",
    "![t](http://127.0.0.1:9/x.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "# heading",
    "a | b || c",
    "line one\n# INJECTED\n![i](http://evil/y.png)\n| x | y |",
    "<http://evil.example>",
    "www.evil.example and http://evil.example and mail@evil.example",
    "**bold** _em_ ``code`` ~~gone~~ :red[red] :smile: $x^2$",  # `code` is code (below)
    "- a list\n1. numbered",
    "&lt;b&gt;",
]
MARKUP = {"link_open", "image", "html_inline", "html_block", "heading_open", "em_open",
          "strong_open", "s_open", "code_inline", "bullet_list_open", "ordered_list_open",
          "table_open", "blockquote_open"}


def _tokens(markdown: str) -> list:
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    out = []
    for token in parser.parse(markdown):
        out += [token, *(token.children or [])]
    return out


def _text(markdown: str) -> str:
    """The text a reader sees: the text tokens, without md_escape's WORD_JOINERs (drawn as
    nothing)."""
    return _text_nodes(markdown).replace(WORD_JOINER, "")


def _text_nodes(markdown: str) -> str:
    return "".join(t.content for t in _tokens(markdown) if t.type == "text")


def test_each_hostile_string_renders_as_its_own_text_and_nothing_else() -> None:
    for raw in HOSTILE:
        escaped = md_escape(raw)
        kinds = {t.type for t in _tokens(escaped)}
        assert not kinds & MARKUP, (raw, escaped, kinds & MARKUP)
        assert _text(escaped) == " ".join(raw.split())
        # GFM autolink literals (GitHub, Streamlit) need a bare '://', 'www.' or 'x@y'
        assert not re.search(r"(?<!\\)(://|www\.|@)", escaped), escaped


def test_no_url_or_email_address_is_left_for_streamlit_to_link() -> None:
    # Streamlit links URLs and e-mail addresses in the text it has read, escapes resolved: a
    # config's model_type "x_*em*_http://evil.example/a_b_" showed as a link in chromium,
    # escaped. md_escape puts a WORD_JOINER inside each start, so none is found, and the text
    # reads as typed
    for raw in ("x_*em*_http://evil.example/a_b_ **strong** __u__", "see HTTPS://a.example/p",
                "www.evil.example and WWW.b.example", "a@b.example, mailto:m@x.example",
                "Arch_*1*_ http://a.example", "[x](http://l.example)"):
        escaped = md_escape(raw)
        nodes = _text_nodes(escaped)
        assert not any(link.search(nodes) for link in STREAMLIT_AUTOLINKS), (raw, nodes)
        assert _text(escaped) == raw


def test_a_pair_of_backticks_shows_as_code_and_what_it_quotes_stays_inert() -> None:
    escaped = md_escape("Try increasing `gpu_memory_utilization`; `<img src=x onerror=alert(1)>` "
                        "`[a](javascript:alert(1))` `**b** #x` \\`y`")
    tokens = _tokens(escaped)
    assert [t.content for t in tokens if t.type == "code_inline"] == [
        "gpu_memory_utilization", "<img src=x onerror=alert(1)>", "[a](javascript:alert(1))",
        "**b** #x", "y"]
    assert not {t.type for t in tokens} & MARKUP - {"code_inline"}
    assert _text(escaped) == "Try increasing ;    \\"  # the text between the spans
    # unpaired, empty, or holding a table's '|' or an autolink's start: shown as typed
    for raw in ("a ` b", "`` x", "`a | b`", "`http://evil.example`", "`www.evil.example`",
                "`a@evil.example`", "` `"):
        escaped = md_escape(raw)
        assert "code_inline" not in {t.type for t in _tokens(escaped)}, escaped
        assert _text(escaped) == raw


def test_escaping_leaves_ordinary_names_readable() -> None:
    for name in ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "max_position_embeddings", "9.9.9",
                 "GPTQ int4, group 128 (W4A16)", "a + b = c", "config: tiny/llama"):
        assert md_escape(name) == name


def test_a_code_block_cannot_be_closed_by_its_text() -> None:
    lines = md_code_block("bash", ["vllm serve x```", "````# not a heading"])
    assert lines[0] == "`````bash" and lines[-1] == "`````"
    kinds = [t.type for t in _tokens("\n".join(lines))]
    assert kinds == ["fence"]


def test_a_command_is_continued_before_each_option_its_quoting_kept() -> None:
    # an option and its values on one line; a quoted value holding " --" and a shell variable
    # stay one word each as written; a comment line and a command without options stay whole
    command = ("vllm serve '/m/my model' --hf-overrides '{\"a\": \"x --y\"}' "
               "--enable-expert-parallel --master-addr $HEAD_NODE_IP --node-rank 0")
    assert shell_continued(["# node 0", command, "vllm serve x"]) == [
        "# node 0",
        "vllm serve '/m/my model' \\",
        "  --hf-overrides '{\"a\": \"x --y\"}' \\",
        "  --enable-expert-parallel \\",
        "  --master-addr $HEAD_NODE_IP \\",
        "  --node-rank 0",
        "vllm serve x",
    ]


def test_the_report_shows_hostile_snapshots_and_configs_as_text(capsys, tmp_path) -> None:
    # ../shared/bad-inputs reproducers: a snapshot hostname with <script>, a heading, a table
    # row and an outside image; GPU names with <img onerror>, bold, a javascript: link and an
    # image; a config whose model_type / architectures are HTML and an image.
    config = tmp_path / "[Session expired](http:evil) <b>x.json"
    config.write_bytes((HOSTILE_DIR / "html_model_type.config.json").read_bytes())
    code = main(["report", "--model", str(config), "--tp", "8",
                 "--snapshot", str(HOSTILE_DIR / "snapshot_hostname_html.json"),
                 "--snapshot", str(HOSTILE_DIR / "snapshot_name_html.json"),
                 "--compare", "Qwen/Qwen3-8B", "--sweep", "--date", "2026-01-01"])
    markdown = capsys.readouterr().out
    assert code == 0
    tokens = _tokens(markdown)
    kinds = {t.type for t in tokens}
    assert not kinds & {"link_open", "image", "html_inline", "html_block"}
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    # only the report's own headings; a hostname is text inside its "Host ..." heading
    assert sum(h.startswith("Host ") for h in headings) == 2
    assert all(h.startswith(("Headroom report", "Executive", "Platform", "Host ", "Model facts",
                             "Memory plan", "Performance expectations", "Alternatives",
                             "Launch", "Assumptions"))
               for h in headings), headings
    assert not re.search(r"(?<!\\)(://|www\.)", markdown)
    text = _text(markdown)
    # the input still reads as typed, as text
    assert "<script>alert(1)</script> # INJECTED |a|b| ![t](http://127.0.0.1:9/h.png)" in text
    assert "<img src=x onerror=alert(1)> **B** [x](javascript:alert(1))" in text
    assert "<img src=x onerror=alert(1)> (<script>alert(1)</script>" in text  # model_type
    # every row of a table has its header's column count: no pipe from input splits a cell
    tables, current = [], []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            current.append(len(re.split(r"(?<!\\)\|", line)))
        elif current:
            tables, current = [*tables, current], []
    assert len(tables) >= 8
    assert all(len(set(counts)) == 1 for counts in tables), tables


def test_counted_puts_the_noun_in_the_number_it_needs() -> None:
    assert counted(1, "request") == "1 request"
    assert counted(0, "request") == "0 requests"
    assert counted(2, "priced GPU preset") == "2 priced GPU presets"
    assert counted(1024, "GPU") == "1,024 GPUs"


def test_rank_runs_joins_consecutive_numbers() -> None:
    assert rank_runs([1, 2, 3, 5]) == "#1-#3, #5"
    assert rank_runs([8, 9, 12, 13, 19]) == "#8-#9, #12-#13, #19"
    assert rank_runs([0, 1, 2, 4], "") == "0-2, 4"  # a model card's layer runs


def test_ranks_by_groups_in_first_seen_order_and_skips_none() -> None:
    rows = [(1, "a"), (2, None), (3, "b"), (4, "a"), (5, "b")]
    assert ranks_by(rows, lambda row: row) == {"a": [1, 4], "b": [3, 5]}
    assert list(ranks_by(rows, lambda row: row)) == ["a", "b"]


def test_control_characters_for_a_terminal() -> None:
    # the one rule --gpu-name, --target-checkpoint (engine.checkpoint_name_problem) and a
    # loaded snapshot (probes.snapshot) share: C0 (0-31, tab included) and DEL (127); spaces
    # and non-ASCII letters pass
    assert has_control("a\nb") and has_control("\x1b[31m") and has_control("x\x7f")
    assert has_control("\t")
    assert not has_control("NVIDIA GeForce RTX 3090 — Ti é")
    assert controls_as_spaces("rig\x1b[2J\nname\x07") == "rig [2J name "
    assert controls_as_spaces("RTX 3090") == "RTX 3090"



def test_params_count_in_words_switches_to_billions_at_one_billion() -> None:
    # Qwen3-235B-A22B's 235,093,634,560 and Kimi-K2-Instruct's 1,026,408,232,448
    # (tests/fixtures/param_counts.json) to one decimal, the latter with its separator; 10^9
    # is "1.0 billion", 999,900,000 still millions
    assert params_count(235_093_634_560) == "235.1 billion"
    assert params_count(1_026_408_232_448) == "1,026.4 billion"
    assert params_count(10**9) == "1.0 billion"
    assert params_count(999_900_000) == "999.9 million"
    assert params_count(600_000_000) == "600.0 million"


def test_a_format_label_takes_the_article_its_first_letter_is_read_with() -> None:
    # an initialism by its first letter's name (eff, i, en, em; bee, gee), a word by its letter
    assert with_article("FP8 E4M3, per-tensor scale") == "an FP8 E4M3, per-tensor scale"
    assert with_article("INT8 W8A8, per-channel scale") == "an INT8 W8A8, per-channel scale"
    assert with_article("NVFP4 (FP4 E2M1)") == "an NVFP4 (FP4 E2M1)"
    assert with_article("MXFP4 (experts only)") == "an MXFP4 (experts only)"
    assert with_article("BF16") == "a BF16"
    assert with_article("GPTQ int4, group 128 (W4A16)") == "a GPTQ int4, group 128 (W4A16)"
    assert with_article("torchao int4 weight-only") == "a torchao int4 weight-only"
    assert with_article("Quark MXFP4") == "a Quark MXFP4"


def test_tenths_up_never_reads_a_miss_as_a_hit() -> None:
    # 50.04 ms over a 50 ms target shows "50.1", not "50.0"; a float a hair above a tenth
    # (0.1 + 0.2 = 0.30000000000000004) stays "0.3", not "0.4"; thousands separated
    assert tenths_up(50.04) == "50.1"
    assert tenths_up(0.1 + 0.2) == "0.3"
    assert tenths_up(0.001) == "0.1"
    assert tenths_up(1234.5) == "1,234.5"


def test_a_message_cuts_only_a_path_no_file_system_holds() -> None:
    held = "/models/" + "/".join(["m" * 255] * 15)  # 3,848 characters: names of NAME_MAX 255
    assert sentence(f"{held}: no such file or folder") == f"{held}: no such file or folder."
    assert sentence(f"'/tmp/{'n' * 256}': cannot read") == f"'/tmp/{'n' * 56}...': cannot read."
    deep = "a/" * 2048  # 4,096 characters: over PATH_MAX, though each name is one letter
    assert sentence(f"argument --model-dir: {deep} cannot be") == (
        f"argument --model-dir: {'a/' * 30}a... cannot be.")
