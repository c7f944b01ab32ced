"""Cached I/O around the probes: the live audit and Hugging Face fetches.

Only I/O is cached (st.cache_data with a TTL), never planner functions, which take
microseconds. Exceptions are not cached, so a failed fetch is retried on the next ask.
"""

import streamlit as st

from probes.snapshot import HardwareSnapshot, take_snapshot

SNAPSHOT_TTL_S = 30
"""Live audit refresh: memory in use by other processes changes, so keep it short."""
HUB_TTL_S = 600
"""Hub answers for one (repo, revision): configs rarely change within minutes."""


@st.cache_data(ttl=SNAPSHOT_TTL_S, show_spinner="Auditing this machine…")
def live_snapshot() -> HardwareSnapshot:
    """This machine's hardware snapshot (NVML + host), at most SNAPSHOT_TTL_S old."""
    return take_snapshot()
