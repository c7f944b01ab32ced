"""Untrusted text made inert for Markdown: the report and every page of the app use these.

Model ids from a link, hub config fields, snapshot host and GPU names, file names and error
messages that echo them are data, never markup: escaped, they render as the characters they
are (CommonMark lets a backslash escape any ASCII punctuation, spec 2.4), so no link, image,
heading, emphasis, table cell break or HTML can come from them; text they quote between
backticks shows as code, verbatim, after the escaping. Code spans and fenced blocks
show text verbatim, so md_code_block only makes sure the text cannot close its fence.
has_control and controls_as_spaces do the same for a terminal (the CLI's and the audit's
output): no newline or escape sequence from such a name.
"""

import math
import re
from collections.abc import Callable, Hashable, Iterable
from decimal import Decimal
from typing import Any

from planner.units import number_as_given

_SPECIAL = re.compile(r"[\\`*{}\[\]<>|~$@&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|:(?=\S)")
"""Inline Markdown and HTML syntax (not '(', ')' or '!': a link or image needs '[', escaped,
and the report's formulas stay readable), plus what Streamlit adds on top of CommonMark:
':' before a non-space (emoji and :color[...] directives, GFM autolinks such as http://),
'$' (LaTeX), '~' (strikethrough), '@' (GFM e-mail autolinks). An '_' between two letters
or digits can neither open nor close emphasis (CommonMark 6.2): max_position_embeddings stays."""
_WWW = re.compile(r"(www)\.", re.IGNORECASE)
"""GFM's other autolink literal (www.example.com) needs no scheme, only 'www.'."""
_BLOCK_START = re.compile(r"^([-+#=]|\d+(?=[.)](\s|$)))")
"""Block syntax counts only at the start of a line, and md_escape leaves no line breaks: a
leading '-', '+', '1.' or '1)' (a list), '#' (a heading) or '=' is escaped there only."""
_ESCAPED_CODE = re.compile(r"\\`((?:[^\\]|\\[^`])*?)\\`")
"""A pair of escaped backticks and the escaped text between them: messages quote code so
(`gpu_memory_utilization`, `assert group_size >= 32`), and md_escape shows it as code."""
_ESCAPED = re.compile(r"\\(.)")
_NOT_CODE = re.compile(r"\||://|www\.|@", re.IGNORECASE)
WORD_JOINER = "\u2060"
"""A zero-width character that no line breaks at (Unicode's WORD JOINER, default-ignorable:
drawn as nothing). md_escape puts one inside each GFM autolink literal's start."""
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\\\.)|(?<=\\@)", re.IGNORECASE)
"""Where a GFM autolink literal starts, in md_escape's escaped text: between a scheme's ':' and
'//', 'www' and its '.', and after an e-mail's '@'. Escaping them is not enough in the app:
Streamlit's remark-gfm links the URLs and e-mail addresses it finds in a text node after the
escapes are read (mdast-util-gfm-autolink-literal's transform; a config's model_type
"http\\://evil.example" showed as a link in chromium), so a WORD_JOINER there leaves nothing
to find, and the text reads as typed."""


def md_escape(text: object) -> str:
    """`text` as inline Markdown that shows exactly these characters, a pair of backticks as
    the inline code it quotes (_code_span); line breaks become spaces (a newline could start a
    heading, a list or a table row); a WORD_JOINER, drawn as nothing, inside each URL's or
    e-mail address's start (_AUTOLINK: Streamlit links them, escaped or not)."""
    flat = " ".join(str(text).split())
    escaped = _WWW.sub(r"\1\\.", _SPECIAL.sub(lambda m: "\\" + m[0], flat))
    escaped = _BLOCK_START.sub(lambda m: m[1] + "\\" if m[1][0].isdigit() else "\\" + m[1],
                               escaped)
    # a code span never holds an autolink's start (_NOT_CODE): the joiners go outside code
    return _AUTOLINK.sub(WORD_JOINER, _ESCAPED_CODE.sub(_code_span, escaped))


def _code_span(match: re.Match[str]) -> str:
    """An escaped `...` pair (md_escape) as the code span it means, its text verbatim: a code
    span renders no markup (CommonMark 6.1). Left escaped: an empty one, and one holding a '|'
    (GFM splits a table cell at it even in code) or a GFM autolink's start."""
    code = _ESCAPED.sub(r"\1", match[1])
    return match[0] if not code.strip() or _NOT_CODE.search(code) else f"`{code}`"


def md_code_block(language: str, lines: list[str]) -> list[str]:
    """A fenced code block whose fence is longer than any backtick run inside, so the text
    cannot close it (CommonMark 4.5)."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *lines, fence]


_SHELL_WORD = re.compile(r"""(?:'[^']*'|"(?:\\.|[^"\\])*"|\\.|[^\s'"\\])+""")
"""One word of a shell command as written, its quotes kept: '...' and "..." spans, backslash
escapes and plain characters up to unquoted whitespace (POSIX 2.3, as shlex.split reads it)."""


def shell_continued(lines: list[str]) -> list[str]:
    """Shell lines with each command broken before every `--` option, an option and its values
    on one indented line after a ` \\` continuation, as vLLM's docs write `vllm serve`: what
    comes before the first option (variable assignments, `vllm serve MODEL`) stays on the first
    line; comment lines stay as they are. The words keep their quoting, so the shell reads the
    same command."""
    out: list[str] = []
    for line in lines:
        if line.startswith("#"):
            out.append(line)
            continue
        parts: list[list[str]] = [[]]
        for word in _SHELL_WORD.findall(line):
            if word.startswith("--") and parts[-1]:
                parts.append([])
            parts[-1].append(word)
        last = len(parts) - 1
        out += [("  " if i else "") + " ".join(part) + (" \\" if i < last else "")
                for i, part in enumerate(parts)]
    return out


_FLAG = re.compile(r"(`[^`]*`)|(?<!')--[a-z0-9][a-z0-9-]*(?: (?=[\w.,-]*\d)[\w.](?:[\w.,-]*\w)?)?")
"""A CLI flag and, where one follows, its value holding a digit ('--max-model-len 32768',
'--kv-cache-dtype fp8', '--kv-cache-memory-bytes 8,589,934,592', '--gpu h100-pcie',
'--target-quant w4a16-gptq-g128'; not the 'fits' after
'--enable-expert-parallel', nor a sentence's closing '.' or ','); or, first, text already
quoted as code, kept as it is. Not a value quoted as a person gave it ("the checkpoint
'--trust-remote-code' starts with '-'"): that is no flag to pass."""


def flags_as_code(text: str) -> str:
    """`text` with each CLI flag and its value between backticks (text already between them
    stays as it is): md_escape shows them as inline code, which the app's style keeps on one
    line in a message box (plain text wraps a flag after a hyphen: '--enable-expert-parallel
    -', then '-max-model-len'); the report's notes show them as its commands are shown."""
    return _FLAG.sub(lambda m: m[1] or f"`{m[0]}`", text)


def one_line(text: object) -> str:
    """`text` on one line: runs of white space made one space, and every other control
    character (an escape sequence's ESC, BEL) a space too, so a name a hub or a file gave
    (a repo's file list in an error) cannot drive the terminal the line is printed on."""
    return " ".join(controls_as_spaces(str(text)).split())


def shortened(text: str, limit: int = 64) -> str:
    """`text` as a one-line message echoes it: whole up to `limit` characters, else its first
    `limit` - 3 and "..." (a 5,000-digit count or an edited file's field is not shown whole)."""
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def _unheld_path_cut(word: str) -> str:
    """`word` with the path in it (less quotes and closing punctuation) cut as shortened cuts
    where no file system holds that path: a name of over 255 characters (NAME_MAX), or 4,096
    characters in all (PATH_MAX). Messages echo a path as given (--snapshot, --prices, --model,
    --compare, probes' --model-dir): one of 5,000 characters made a line of 5,000 ('File name
    too long'). A path a file system holds stays whole."""
    path = word.lstrip("'\"(").rstrip("'\"),.:;")
    if len(path) < 4096 and all(len(name) <= 255 for name in path.split("/")):
        return word
    return word.replace(path, shortened(path), 1)


def sentence(text: object) -> str:
    """`text` on one line (one_line), ending with a full stop unless it already ends a sentence
    ('.', '?', '!'): every one-line error the CLI and the app show ends the same way, whichever
    module worded it, and cuts a path no file system holds (_unheld_path_cut)."""
    flat = " ".join(map(_unheld_path_cut, one_line(text).split(" ")))
    return flat if not flat or flat.endswith((".", "?", "!")) else flat + "."


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")
"""The end of a sentence: '.', '?' or '!' before a space and a capital letter (not the
decimal point of '0.92' or '23.57', which has no space after it)."""


def first_sentence(text: object, limit: int = 240) -> str:
    """The first sentence of `text` on one line (one_line), cut at a word boundary with an
    ellipsis where it runs past `limit` characters: the short reason beside a table row (a
    compared model's verdict under the report's comparison), whose full text is elsewhere."""
    head = _SENTENCE_END.split(one_line(text), maxsplit=1)[0]
    if len(head) <= limit:
        return head
    return head[:limit].rsplit(" ", 1)[0] + " …"


def capitalized(text: object) -> str:
    """sentence(`text`) with its first letter upper-cased: a lower-case line (a note, a rule)
    put after another sentence, as the app's captions add speed.context_rule's line."""
    flat = sentence(text)
    return flat[:1].upper() + flat[1:]


def plural(count: float | None, noun: str) -> str:
    """`noun` in the number `count` needs: "socket" for 1, "sockets" otherwise (an unknown
    count, None, too)."""
    return noun if count == 1 else f"{noun}s"


def with_article(name: str) -> str:
    """`name` after "a" or "an", as it is read aloud: an initialism (its first word in capitals
    and digits) by its first letter's name ("an FP8 ...", "an INT8 ...", "an NVFP4 ...", "a
    BF16 ...", "a GPTQ ..."), another word by its first letter ("a torchao ...", "an int4")."""
    word = name.split(" ", 1)[0]
    initialism = word.upper() == word and any(c.isalpha() for c in word)
    vowel_sound = word[:1] in _VOWEL_NAMED_LETTERS if initialism else word[:1].lower() in "aeiou"
    return f"{'an' if vowel_sound else 'a'} {name}"


_VOWEL_NAMED_LETTERS = frozenset("AEFHILMNORSX")
"""The capital letters whose English names begin with a vowel sound (eff, aitch, em, ...)."""


def counted(count: int, noun: str) -> str:
    """`count` with `noun` in the number it needs ("1 request", "2 requests", "1,024 GPUs"):
    counts a user chose are printed back to them, often as 1."""
    return f"{count:,} {plural(count, noun)}"


def layer_span(first: int, end: int) -> str:
    """Layers first..end - 1 in words: "layers 31-60", "layer 1" for a one-layer stage."""
    return f"layer {first}" if end - first == 1 else f"layers {first}-{end - 1}"


def per_replica(dp: int) -> str:
    """" per replica" after a figure one data-parallel replica has (its KV pool's tokens and
    requests, its max_num_seqs: each replica holds its own) where there are `dp` > 1; "" for
    one replica, whose figures are the plan's."""
    return " per replica" if dp > 1 else ""


def params_count(n_params: int) -> str:
    """A parameter count in words, never "B", which beside a table's byte figures reads as
    bytes: "235.1 billion", "600.0 million"."""
    if n_params >= 10**9:
        return f"{n_params / 10**9:,.1f} billion"
    return f"{n_params / 10**6:,.1f} million"


def decimal(value: float) -> str:
    """A number a user gave (a rate, a time target) as they would write it: thousands
    separators and no exponent, where f"{value:g}" printed "1e+06" ("1,000,000", "2.5",
    "0.001"). One under a millionth keeps its exponent ("1e-300"), where it printed a line of
    300 zeros, in the shortest text that reads back as it (number_as_given): ':g' kept six
    digits, so --requests-per-s 5e-324 read "4.94066e-324 requests/s"."""
    if 0 < abs(value) < 1e-6:
        return number_as_given(value)
    text = format(Decimal(repr(float(value))), ",f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def tenths_up(value: float) -> str:
    """`value` (a time in ms over its target) rounded up to a tenth, one decimal: a miss never
    reads as a hit (50.04 ms over 50 is "50.1"); rounded at 6 places first, so a float just
    above a tenth (50.1000000001) stays "50.1"."""
    return f"{math.ceil(round(value * 10, 6)) / 10:,.1f}"


def per_second(value: float, noun: str) -> str:
    """A rate a user gave, decimal(`value`) with `noun` in the number it needs: "1 request/s",
    "2.5 requests/s"."""
    return f"{decimal(value)} {plural(value, noun)}/s"


def consecutive_runs(numbers: list[int]) -> list[list[int]]:
    """Ascending numbers grouped into runs of consecutive ones: [1, 2, 3, 5] -> [[1, 2, 3], [5]]
    (layer indices in a model card, ranks in a table's note)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def ranks_by(ranked: Iterable[tuple[int, Any]], key: Callable[[Any], Hashable | None]
             ) -> dict[Hashable, list[int]]:
    """The ranks of (rank, row) pairs grouped by key(row), skipping rows whose key is None,
    groups in the order they first appear (a table's note names each group's ranks with
    rank_runs)."""
    groups: dict[Hashable, list[int]] = {}
    for rank, row in ranked:
        if (group := key(row)) is not None:
            groups.setdefault(group, []).append(rank)
    return groups


def has_control(text: str) -> bool:
    """Whether `text` holds a control character (C0 or DEL), which a terminal acts on: a
    newline splits a printed line, an escape sequence recolours or clears the screen."""
    return any(_is_control(c) for c in text)


def control_quoted(text: str) -> str:
    """`text` as the app echoes a name or value: quoted (repr) where it holds a control
    character (has_control), as an error message quotes it, else as given (a link's
    drafter=acme/d%00 or cmp=%00 showed a raw NUL)."""
    return repr(text) if has_control(text) else text


def controls_as_spaces(text: str) -> str:
    """`text` with each of has_control's characters made a space."""
    return "".join(" " if _is_control(c) else c for c in text)


def spaced_controls(value: Any, where: str = "") -> tuple[Any, list[str]]:
    """A parsed JSON `value` with every control character (C0, DEL) in its strings and keys
    made a space, and where there were any ("gpus.0.name", "host.packages.NAME (its name)").
    Plans, reports, inspect's card and the audit summary print names read from a hardware
    snapshot or a config.json (a model_type, an architecture, a quant_method): a newline split
    the plan's header, an escape sequence recoloured the terminal; NVML's strings, /proc's
    fields and real config.json files hold none. A space is how Markdown already showed a
    newline, so the app and the report read as before."""
    if isinstance(value, str):
        spaced = controls_as_spaces(value)
        return spaced, [where] if spaced != value else []
    found: list[str] = []
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            # keys too: host.packages maps free distribution names to versions
            name = controls_as_spaces(str(key))
            path = f"{where}.{name}" if where else name
            if name != key:
                found.append(f"{path} (its name)")
            out[name], more = spaced_controls(item, path)
            found += more
        return out, found
    if isinstance(value, list):
        items = []
        for i, item in enumerate(value):
            cleaned, more = spaced_controls(item, f"{where}.{i}" if where else str(i))
            items.append(cleaned)
            found += more
        return items, found
    return value, []


def _is_control(c: str) -> bool:
    return ord(c) < 32 or ord(c) == 127


def rank_runs(numbers: list[int], mark: str = "#") -> str:
    """Ascending numbers as runs: [1, 2, 3, 5] -> "#1-#3, #5" (with mark "": "1-3, 5")."""
    return ", ".join(f"{mark}{r[0]}" + (f"-{mark}{r[-1]}" if len(r) > 1 else "")
                     for r in consecutive_runs(numbers))
