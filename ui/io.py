"""Cached I/O around the probes: the live audit and Hugging Face fetches.

Only I/O is cached (st.cache_data with a TTL), never planner functions, which take
microseconds. Exceptions are not cached, so a failed fetch is retried on the next ask.
"""

import streamlit as st

from planner.model.checkpoint import ModelSource
from probes.hub import resolve_model
from probes.snapshot import HardwareSnapshot, take_snapshot

SNAPSHOT_TTL_S = 30
"""Live audit refresh: memory in use by other processes changes, so keep it short."""
HUB_TTL_S = 600
"""Hub answers for one (repo, revision): configs rarely change within minutes."""


@st.cache_data(ttl=SNAPSHOT_TTL_S, show_spinner="Auditing this machine…")
def live_snapshot() -> HardwareSnapshot:
    """This machine's hardware snapshot (NVML + host), at most SNAPSHOT_TTL_S old."""
    return take_snapshot()


@st.cache_data(ttl=HUB_TTL_S, show_spinner=False)
def hub_source(repo_id: str, revision: str | None, token: str | None) -> ModelSource:
    """A model's config: the bundled catalog when it has the repo and no revision is asked,
    else the hub (or its local cache). Only the token's hash keys the in-memory cache."""
    return resolve_model(repo_id, revision, token)
