"""The sidebar every page shares: the vLLM release every page plans for (one choice for Plan,
Compare, Recommend and Report), and the current hardware and model, always visible."""

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from planner.model.params import count_params
from planner.model.quant import checkpoint_scheme
from planner.report import context_note
from planner.serving.engine import vllm_window
from planner.serving.hardware import no_bf16_assumed_notes
from planner.serving.vllm_versions import DEFAULT_VLLM_VERSION, covered_releases, vllm_rules
from planner.text import counted, md_escape
from ui import format as fmt
from ui.context import (
    HARDWARE_PAGE,
    MODEL_PAGE,
    NAME_THE_MODEL,
    USER_ERRORS,
    PageRef,
    cluster_label,
    current_cluster,
    current_spec,
    gpu_totals_text,
    link_message_markdown,
    model_source,
    network_note,
)
from ui.state import LABELS, bind, pop_messages, state

T = TypeVar("T")


def _usable(resolve: Callable[[], T], page: PageRef) -> T | None:
    """`resolve()`, or None under "No usable <page's title>." and a link to the page that says
    why and fixes it. The reason once, on the page (the Hardware or Model page's, and the page
    that plans): said here too, it stood twice side by side ("No usable model: <reason>" beside
    "Cannot plan this: <reason>" for a repo the server cannot read)."""
    try:
        return resolve()
    except USER_ERRORS:
        st.error(f"No usable {page.title.lower()}.")
        st.page_link(page.path, label=f"Why: see the {page.title} page", icon=page.icon)
        return None


def render_sidebar() -> None:
    """Any message about the link, the vLLM release, then the hardware and model summaries."""
    with st.sidebar:
        for message in pop_messages():
            st.warning(link_message_markdown(message))
        # first: a choice, in view on a laptop screen above the summaries
        st.selectbox(LABELS["vllm_version"], covered_releases()[::-1],  # newest first
                     format_func=lambda v: f"{v} (default)" if v == DEFAULT_VLLM_VERSION else v,
                     help="the release every page plans for, like the CLI's --vllm-version: "
                     "its batch defaults, CUDA graphs, KV cache dtypes and launch flags; before "
                     "0.11, start-ups it would run on its V0 engine are refused, with the reason",
                     **bind("sidebar", "vllm_version"))
        st.subheader("Hardware")
        cluster = _usable(current_cluster, HARDWARE_PAGE)
        if cluster is not None:
            st.markdown(f"**{md_escape(cluster_label(cluster))}**")
            st.caption(
                f"{md_escape(gpu_totals_text(cluster))}, "
                f"{counted(cluster.gpu_count, 'GPU')} · {md_escape(cluster.source)}"
            )
            for note in no_bf16_assumed_notes(cluster, NAME_THE_MODEL):
                st.caption(md_escape(note + "."))
            if note := network_note(cluster):
                st.caption(md_escape(note))
        st.subheader("Model")
        spec = _usable(current_spec, MODEL_PAGE)
        if spec is not None:
            params = count_params(spec)
            st.markdown(f"**{md_escape(spec.name)}**")
            rules = vllm_rules(state().vllm_version)
            window = vllm_window(spec, rules.version)  # the release's, as the Plan page plans
            st.caption(
                f"{fmt.params(params.total)} parameters ({fmt.params(params.active)} active, "
                f"embeddings included), "
                f"{checkpoint_scheme(spec).label}, {fmt.tokens(window.limit)}"
            )
            note = context_note(rules.label, spec.max_position_embeddings,
                                window.why(spec.max_position_embeddings))
            if note:
                st.caption(md_escape(f"Context: {note}."))
            source = model_source(state().model, state().revision)  # resolved for the spec
            if source.fallback_reason is not None:  # the cache or catalog, not the hub
                st.caption(md_escape(source.notes[0]))
