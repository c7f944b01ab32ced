"""Display formatting: bytes as GiB (2**30) or GB (10**9), token counts, parameter counts,
shell commands a line per option.

The unit is always printed, so a GiB figure is never mistaken for a GB one.
"""

import re
from collections import Counter
from collections.abc import Iterable

from planner.report import ITS_MAXIMUM, NO_KV_CACHE, concurrency_note
from planner.serving.plan import Plan
from planner.text import counted, params_count
from planner.units import GB, GIB, KIB, MIB, gib_text

_OPTION = re.compile(r"-[-A-Za-z]")
_WORD = r"(?:\\.|[^ `\\])+"  # a word of md_escape's text: no space, no code span, escapes whole
_FIGURE = re.compile(
    r"(`[^`]*`|\\.)"  # a code span (shown on one line) or an escape pair: left as written
    rf"|{_WORD}(?:(?:(?<=\d) (?!x )(?=[A-Za-z%])"  # a number and its unit or noun: '14.56 GiB'
    rf"|(?<= =) ){_WORD})+"  # an input's name's '=' and its value: 'tp = 8', '= w4a16-gptq-g128'
    rf"|(?=(?:\\.|[^ `\\])*?\d-\d){_WORD}")  # a range: 'layers 0-93', '0.24-0.27'


def rounded(value: float | None, digits: int = 0) -> float | None:
    """A speed figure for a table cell, `digits` after the point (0: a whole number); None
    stays empty."""
    return None if value is None else round(value, digits or None)


def short_model_names(repo_ids: Iterable[str]) -> list[str]:
    """Each repo id without its owner ('Llama-4-Maverick-17B-128E-Instruct'), as the Compare
    page's charts and grid and the Recommend page's grid name models, where the whole id was
    cut at a grid cell's edge; whole where two share that name (Qwen/Qwen3-8B beside
    acme/Qwen3-8B), which alone would read as one model."""
    ids = [str(repo_id) for repo_id in repo_ids]
    short = {repo_id: repo_id.rsplit("/", 1)[-1] for repo_id in ids}
    holders = Counter(short.values())  # how many different ids each name stands for
    return [short[repo_id] if holders[short[repo_id]] == 1 else repo_id for repo_id in ids]


REFUSED_MARK = " (refused)"
"""After a compared model's concurrency where vLLM refuses its plan for another reason than
memory (planner.report.refused_concurrency): the figure the KV cache would hold, as `report
--compare` and the Plan page give it, which vLLM serves none of (the Compare page's cell and
bar were empty where the CLI printed 2.18: Qwen3-8B on a V100)."""


def concurrency_text(figure: float, result: Plan, capped: bool = False) -> str:
    """A compared plan's concurrency at max_model_len as the Compare page's grid shows it, two
    decimals, marked where vLLM refuses the plan: '2.18 (refused)'; where `capped` (planned at
    the model's own maximum, below the page's context: ComparisonRow.max_model_len_capped)
    the length it is at, as report --compare writes it: '7.30 at 40,960 (its maximum)';
    NO_KV_CACHE where the budget leaves no KV pool (planner.report.kv_pool_text's "none")."""
    note = concurrency_note(result)
    if note == NO_KV_CACHE:
        return NO_KV_CACHE
    return f"{figure:,.2f}" + (f" at {result.max_model_len:,}{ITS_MAXIMUM}" if capped
                               else "") + (REFUSED_MARK if note else "")


def three_figures(value: float) -> str:
    """A figure to three significant figures, without an exponent: '0.112', '74', '20.5',
    and a whole number from 1,000 with thousands separators, '1,198' (the speed terms
    table's '{:,.3g}' read '1.2e+03 tok/s' for the Prefill tokens/s metric's 1,198, and a
    27 s TTFT '2.71e+04 ms')."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def gib(n_bytes: int | float | None, digits: int = 2) -> str:
    """'22.13 GiB' (2**30 bytes), a tiny figure in MiB, KiB or bytes rather than '0.00 GiB'
    (planner.units.gib_text); '—' for None."""
    if n_bytes is None:
        return "—"
    return gib_text(n_bytes, digits)


def gb(n_bytes: int | float | None, digits: int = 1) -> str:
    """'24.0 GB' (10**9 bytes, vendor and disk sizes); '—' for None."""
    if n_bytes is None:
        return "—"
    return f"{n_bytes / GB:,.{digits}f} GB"


def binary_bytes(n_bytes: int | float | None) -> str:
    """The largest binary unit that keeps the number >= 1: '48,128 B', '1.50 MiB', '3.20 GiB'."""
    if n_bytes is None:
        return "—"
    if abs(n_bytes) >= GIB:
        return gib(n_bytes)
    if abs(n_bytes) >= MIB:
        return f"{n_bytes / MIB:,.2f} MiB"
    if abs(n_bytes) >= 10 * KIB:
        return f"{n_bytes / KIB:,.1f} KiB"
    return f"{int(n_bytes):,} B"


def tokens(n_tokens: int | float | None) -> str:
    """'40,960 tokens', '1 token'; '—' for None."""
    if n_tokens is None:
        return "—"
    return counted(int(n_tokens), "token")


def params(n_params: int | None) -> str:
    """A parameter count in words (planner.text.params_count: '235.1 billion'); '—' for None."""
    return "—" if n_params is None else params_count(n_params)


def quantity(value: float, unit: str) -> str:
    """A figure with its unit: whole numbers without decimals ('2,853 blocks'), others with
    two ('1.11 requests'); bytes also in MiB or GiB ('4.84 GiB (5,200,339,545 B)')."""
    if unit == "B" and abs(value) >= MIB:
        return f"{binary_bytes(value)} ({int(value):,} B)"
    if float(value).is_integer():
        return f"{int(value):,} {unit}"
    return f"{value:,.2f} {unit}"


def figures_whole(text: str) -> str:
    """`text` (Markdown, md_escape's) with no line break inside a figure where a narrow table
    cell wraps it: a number keeps its unit or noun ('23,283,447,209 B)' broke before 'B)' in
    "How every figure is computed" at 1280 px, '14.56' / 'GiB'), a range its ends ('layers 0-'
    / '93') and an input its value ('= 4588544'; 'w4a16-gptq-' / 'g128'). Each such run of
    words goes in Streamlit's `:color[...]` directive with no colour named, which renders a
    bare <span> (app.py: in a terms table an inline block, whole up to its cell's width): the
    characters stay the text's own, so a copied 'w4a16-gptq-g128' pastes as typed (no-break
    spaces and U+2011 hyphens did not). md_escape leaves no '[', ']' or ':' unescaped to close
    or open a directive; code spans and escape pairs are never cut."""
    return _FIGURE.sub(lambda m: m[1] or f":color[{m[0]}]", text)


def shell_block(lines: Iterable[str]) -> str:
    """Commands as a shell block shows them to copy: each option (a word starting '-' and a
    letter or '-') and its value on a line of its own under a backslash line continuation,
    as vLLM's docs write `vllm serve`, so no flag is split where a narrow page wraps; bash
    runs the block as pasted (it drops each backslash-newline). Quoted values are kept as
    written; a '#' comment line is kept whole."""
    return "\n".join(line if line.startswith("#") else " \\\n  ".join(_option_lines(line))
                     for line in lines)


def _option_lines(command: str) -> list[str]:
    """`command`'s words as written (quotes kept), a line per option with its values."""
    out: list[str] = []
    for word in _shell_words(command):
        if out and _OPTION.match(word):
            out.append(word)
        elif out:
            out[-1] += " " + word
        else:
            out = [word]
    return out


def _shell_words(command: str) -> list[str]:
    """`command` split at the blanks a POSIX shell splits at, each word as written: a blank
    inside quotes, or escaped by a backslash, stays in its word."""
    words, word, quote, escaped = [], "", "", False
    for c in command:
        if escaped or (quote and c != quote and not (quote == '"' and c == "\\")):
            word, escaped = word + c, False
        elif quote:  # the closing quote, or a backslash inside double quotes
            word += c
            escaped, quote = (True, quote) if c == "\\" else (False, "")
        elif c.isspace():
            words, word = ([*words, word] if word else words), ""
        else:
            word += c
            escaped, quote = c == "\\", c if c in "'\"" else ""
    return [*words, word] if word else words


CAVEAT_HEAD_CHARS = 90
"""The longest head of a warning caveats_line gives whole."""

CAVEAT_LINE_CHARS = 130
"""The longest caveats_line: one line of the main pane at 1280 px (about 137 characters of its
caption text); a second line pushed TTFT, TPOT, Weights and KV pool per GPU below the fold at
1366x768 (DeepSeek-V4-Flash with three warnings)."""


def caveats_line(warnings: list[str]) -> str:
    """The plan's warnings in one line under the verdict, each by its head (up to its first
    colon or full stop; a longer one cut at a word, before a parenthesis the cut leaves open),
    pointing to their whole text under the figures: each says what the figures leave out or
    what they hold under, so it changes how they read (a DGX Spark's unified memory: the
    host's processes count against vLLM's start-up check), and under the figures it was below
    the fold at 1280x800 (gpt-oss-120b on a DGX Spark). One line, not the warnings: they
    pushed TTFT and TPOT out of view; the heads that fit CAVEAT_LINE_CHARS, then how many more."""
    heads = []
    for warning in warnings:
        head = re.split(r": |\. ", warning, maxsplit=1)[0].rstrip(".")
        if len(head) > CAVEAT_HEAD_CHARS:  # at a word, before a parenthesis it would open
            head = head[:CAVEAT_HEAD_CHARS].rsplit(" ", 1)[0]
            if head.count("(") > head.count(")"):
                head = head[:head.rindex("(")].rstrip()
            head += "…"
        heads.append(head)
    told = "the warning" if len(heads) == 1 else f"the {len(heads)} warnings"
    line = f"Read the figures with {told} under them"
    shown: list[str] = []
    for head in heads:  # in order, while the line with its "and N more" stays in one line
        if len(_caveat(line, [*shown, head], len(heads) - len(shown) - 1)) > CAVEAT_LINE_CHARS:
            break
        shown.append(head)
    return _caveat(line, shown, len(heads) - len(shown))


def _caveat(line: str, shown: list[str], left: int) -> str:
    """caveats_line's text: `line`, the `shown` heads and how many are `left` (none shown: the
    count in `line` alone)."""
    if not shown:
        return f"{line}."
    return f"{line}: {'; '.join(shown)}{f'; and {left} more' if left else ''}."
