"""Wide tables at laptop width (1280 px): the key columns in one grid, the others one click away.

A grid (st.dataframe) that is wider than the page scrolls sideways, and its last columns are
then out of sight. key_grid shows the key columns under short labels (the full name is the
label's tooltip) and the others in a second grid under an expander, so nothing scrolls
sideways and nothing is dropped.
"""

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st


def key_grid(table: pd.DataFrame, key: Mapping[str, str], more: Sequence[str], more_title: str,
             *, widths: Mapping[str, int] | None = None, **options) -> None:
    """`table`'s `key` columns (column name -> its short label; a label equal to the name
    has no tooltip) in one grid, then an expander titled `more_title` holding a grid of the
    `more` columns (each grid's first key columns name the rows: pass them in `more` too).
    `widths`: pixels for the columns whose content would otherwise widen them (a long repo
    id or scheme label is cut at the edge). `options`: st.dataframe's (height, placeholder)."""
    config = {name: st.column_config.Column(label, help=None if label == name else name,
                                            width=(widths or {}).get(name))
              for name, label in key.items()}
    st.dataframe(table, hide_index=True, column_order=list(key), column_config=config,
                 **options)
    with st.expander(more_title):
        st.dataframe(table, hide_index=True, column_order=list(more), **options)
