"""Cached I/O around the probes: the live audit and Hugging Face fetches.

Only I/O is cached (st.cache_data with a TTL), never planner functions, which take
microseconds. Exceptions are not cached, so a failed fetch is retried on the next ask.
"""

import ipaddress
import os

import streamlit as st

from planner.model.checkpoint import ModelSource
from probes.hub import resolve_model
from probes.snapshot import HardwareSnapshot, take_snapshot

SNAPSHOT_TTL_S = 30
"""Live audit refresh: memory in use by other processes changes, so keep it short."""
HUB_TTL_S = 600
"""Hub answers for one (repo, revision): configs rarely change within minutes."""
SERVER_TOKEN_ENV = "HEADROOM_SERVER_TOKEN"
"""allow | deny | unset (allow only when the server listens on a loopback address)."""


def server_token_allowed() -> bool:
    """Whether visitors' hub requests may use the server's own HF_TOKEN / stored login.

    HEADROOM_SERVER_TOKEN=allow or deny decides; unset, only a server bound to a loopback
    address (streamlit's server.address: localhost, 127.0.0.1, ::1) shares it, since then the
    visitor is someone on this machine. Streamlit's default binds every interface, so a
    server anyone on the network can open does not spend its operator's token. Any other
    value is treated as deny.
    """
    choice = os.environ.get(SERVER_TOKEN_ENV, "").strip().lower()
    if choice:
        return choice == "allow"
    address = st.get_option("server.address") or ""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@st.cache_data(ttl=SNAPSHOT_TTL_S, show_spinner="Auditing this machine…")
def live_snapshot() -> HardwareSnapshot:
    """This machine's hardware snapshot (NVML + host), at most SNAPSHOT_TTL_S old."""
    return take_snapshot()


@st.cache_data(ttl=HUB_TTL_S, show_spinner=False)
def hub_source(repo_id: str, revision: str | None, token: str | None,
               server_token: bool) -> ModelSource:
    """A model's config: the bundled catalog when it has the repo and no revision is asked,
    else the hub (or its local cache). The visitor's `token`, else the server's when
    `server_token` (server_token_allowed). Only the token's hash keys the in-memory cache, and
    a session without a token never shares an answer fetched with one."""
    return resolve_model(repo_id, revision, token, ambient_token=server_token)
