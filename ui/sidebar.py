"""The sidebar every page shares: the current hardware and model, always visible."""

import streamlit as st

from planner.params import count_params
from planner.quant import checkpoint_scheme
from ui import format as fmt
from ui.context import USER_ERRORS, cluster_label, current_cluster, current_spec, error_text
from ui.state import pop_messages


def render_sidebar() -> None:
    """Hardware and model summaries, plus any message about the link or refused values."""
    with st.sidebar:
        for message in pop_messages():
            st.warning(message)
        st.subheader("Hardware")
        try:
            cluster = current_cluster()
        except USER_ERRORS as exc:
            st.error(f"No usable hardware: {error_text(exc)}")
        else:
            gpu = cluster.nodes[0].gpu
            st.markdown(f"**{cluster_label(cluster)}**")
            st.caption(
                f"{fmt.gib(gpu.memory_total_bytes)} per GPU (CUDA total), "
                f"{cluster.gpu_count} GPUs · {cluster.source}"
            )
        st.subheader("Model")
        try:
            spec = current_spec()
        except USER_ERRORS as exc:
            st.error(f"No usable model: {error_text(exc)}")
        else:
            params = count_params(spec)
            st.markdown(f"**{spec.name}**")
            st.caption(
                f"{fmt.params(params.total)} parameters ({fmt.params(params.active)} active), "
                f"{checkpoint_scheme(spec).label}, {fmt.tokens(spec.max_position_embeddings)}"
            )
