"""The sidebar every page shares: the current hardware and model, always visible."""

import streamlit as st

from ui import format as fmt
from ui.context import cluster_label, current_cluster
from ui.state import pop_messages


def render_sidebar() -> None:
    """Hardware and model summaries, plus any message about the link or refused values."""
    with st.sidebar:
        for message in pop_messages():
            st.warning(message)
        st.subheader("Hardware")
        try:
            cluster = current_cluster()
        except ValueError as exc:
            st.error(f"No usable hardware: {exc}")
        else:
            gpu = cluster.nodes[0].gpu
            st.markdown(f"**{cluster_label(cluster)}**")
            st.caption(
                f"{fmt.gib(gpu.memory_total_bytes)} per GPU (CUDA total), "
                f"{cluster.gpu_count} GPUs · {cluster.source}"
            )
