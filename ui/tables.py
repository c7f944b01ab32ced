"""Wide tables at laptop width (1280 px): the key columns in one grid, the others one click away.

A grid (st.dataframe) that is wider than the page scrolls sideways, and its last columns are
then out of sight. key_grid shows the key columns under short labels (the full name is the
label's tooltip) and the others in a second grid under an expander, so nothing scrolls
sideways and nothing is dropped.
"""

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from planner.text import md_escape
from ui.format import figures_whole

COLUMN_HELP = {
    "TPOT (ms)": "TPOT (ms), time per output token. — where the row has no speed figures (it "
    "does not fit), and n/a where each request gives one output token: no gap between output "
    "tokens, as vLLM's benchmark leaves such requests out of its TPOT",
    "format": "the weight format, by the name the CLI's --target-quant takes (its full name "
    "is under More columns)",
    "own, at load or what-if": "own: the checkpoint's own format, planned as stored; at load: "
    "a format vLLM makes from the checkpoint as it loads it (its command passes "
    "--quantization); what-if: another weight format, planned as if the checkpoint were "
    "converted to it (the caption names the best row in the checkpoint's own format)",
    "fits": "yes: vLLM starts it and serves max_model_len; yes*: it fits only on figures "
    "that leave parts out (an encoder profile not sized, a max_model_len past the model's "
    "own under VLLM_ALLOW_LONG_MAX_MODEL_LEN, ...): no confident fit, the warning under the "
    "grid says which; stalls: vLLM starts it but its longest request never completes; no: "
    "it does not fit, or vLLM refuses it (the verdict says why)",
    "run": "serve: the targeted vLLM starts this row (pick it under Start one for its "
    "`vllm serve` command); what-if: a format with no checkpoint vLLM can load, so no command; "
    "no command: the checkpoint as stored or quantized at load, held back for another reason "
    "(e.g. a flag to give); picked, either says why",
    "name": "the model's repo id without its owner, as the charts name it (whole where two "
    "models share that name); the whole repo id is under More columns",
    "preset": "GPU count x GPU preset (the Hardware page's presets; the GPU's full name is "
    "under More columns)",
}
"""The tooltip of a column whose empty cells need saying (a grid's placeholder is one for all
its columns, and a number column must stay numbers to sort)."""

COLUMN_FORMAT = {"$/hour": "dollar", "$ per M output tokens": "dollar"}
"""Number columns shown in another format than thousands separators: money in dollars and
cents ("$17.36"), where the Recommend page's grid read 17.356 beside 18.12 (the localized
format drops trailing zeros)."""


def key_grid(table: pd.DataFrame, key: Mapping[str, str], more: Sequence[str], more_title: str,
             *, widths: Mapping[str, int] | None = None, more_note: str = "",
             shown: Mapping[str, Sequence[str]] | None = None, **options) -> None:
    """`table`'s `key` columns (column name -> its short label; a label equal to the name
    has no tooltip) in one grid, then an expander titled `more_title` holding a grid of the
    `more` columns (each grid's first key columns name the rows: pass them in `more` too).
    `widths`: pixels for the columns whose content would otherwise widen them (a long repo
    id or scheme label is cut at the edge). `more_note`: a caption under the second grid,
    what one of its columns means (inert text). `shown`: a number column's cells as text, one
    per row ('2.18 (refused)'), the grid still sorting by its figures. `options`:
    st.dataframe's (height, placeholder)."""
    shown = shown or {}
    data = _shown_as(table, shown) if shown else table
    config = {name: _column(table, name, label, (widths or {}).get(name), name in shown)
              for name, label in key.items()}
    st.dataframe(data, hide_index=True, column_order=list(key), column_config=config,
                 **options)
    with st.expander(more_title):
        st.dataframe(data, hide_index=True, column_order=list(more),
                     column_config={name: _column(table, name, name, text=name in shown)
                                    for name in more},
                     **options)
        if more_note:
            st.caption(md_escape(more_note))


def _shown_as(table: pd.DataFrame, shown: Mapping[str, Sequence[str]]) -> Styler:
    """`table` with each `shown` column's cells displayed as its texts (a Styler's display
    values: the grid keeps the figures to sort by)."""
    styled = table.style
    for name, texts in shown.items():
        for row, text in zip(table.index, texts, strict=True):
            styled = styled.format(lambda _, text=text: text, subset=([row], [name]))
    return styled


def _column(table: pd.DataFrame, name: str, label: str, width: int | None = None,
            text: bool = False):
    """A grid column under `label` (the full name its tooltip where they differ); numbers with
    thousands separators, as the rest of the app prints them ("8,702,176": the grid's default
    printed "8702176"), or as the `text` a Styler gives them (key_grid's `shown`: a number
    format would replace it)."""
    tip = COLUMN_HELP.get(name, None if label == name else name)
    if text:
        return number_column(label, None, help=tip, width=width)
    if pd.api.types.is_numeric_dtype(table[name]) and not pd.api.types.is_bool_dtype(table[name]):
        fixed = {} if name in COLUMN_FORMAT else _fixed_decimals(table[name])
        return number_column(label, help=tip, width=width,
                             number_format=COLUMN_FORMAT.get(name, "localized"), **fixed)
    return st.column_config.Column(label, help=tip, width=width)


def _fixed_decimals(values: pd.Series) -> dict[str, float]:
    """A float column's figures each with the same decimals, the fewest (up to 4) that show
    every one as rounded, as NumberColumn's `step` sets them: the localized format drops
    trailing zeros, so the Recommend page's TPOT read "23" beside "17.7". {} for whole
    numbers."""
    if not pd.api.types.is_float_dtype(values):
        return {}
    shown = values.dropna()
    digits = next((d for d in range(4) if ((shown - shown.round(d)).abs() < 1e-9).all()), 4)
    return {"step": 10.0 ** -digits} if digits else {}


def number_column(label: str | None = None, number_format: str | None = "localized",
                  **options):
    """A grid column of numbers with thousands separators (the browser's locale format:
    "8,702,176" in English), or in `number_format` (COLUMN_FORMAT; None: as a Styler shows
    them), for any st.dataframe."""
    return st.column_config.NumberColumn(label, format=number_format, **options)


def terms_table(rows: Iterable[Mapping[str, object]], name: str) -> None:
    """Figures with their formulas, inputs and notes (dicts keyed figure, value, formula,
    inputs, note) as a static table whose cells wrap, the figure naming each row: a grid
    (st.dataframe) cut each formula at its column's edge at 1280 px ("21.68 GiB - 14.56 GiB
    weights - 0.86 GiB activation - 0.25 GiB", the KV pool's), so a figure's explanation read
    only in part.
    st.table renders its cells as Markdown: each is inert text (md_escape), an empty note
    empty and not drawn (a blank line 30 px tall under its figure's formula). Shown with each
    figure whole (figures_whole: '23,283,447,209 B)' broke before its 'B)' at 1280 px), in a
    container keyed terms-`name` (app.py lays each row out: the note under the formula and
    inputs); the table's data (AppTest's value) is the text as read."""
    table = pd.DataFrame(rows).map(lambda v: "" if v is None else md_escape(v))
    with st.container(key=f"terms-{name}"):
        st.table(table.set_index("figure").style.format(figures_whole).map(
            lambda note: "" if note else "display: none", subset=["note"]))
