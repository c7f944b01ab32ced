"""Cached I/O around the probes: the live audit and Hugging Face fetches.

Only I/O is cached (st.cache_data with a TTL), never planner functions, which take
microseconds. st.cache_data does not keep exceptions, so a failed hub look-up is remembered
here for HUB_FAILURE_TTL_S: with a hub that hangs, every rerun would otherwise wait the whole
deadline again.
"""

import hashlib
import ipaddress
import os
import threading
import time

import streamlit as st

from planner.model.checkpoint import ModelSource
from probes.hub import HubError, resolve_model
from probes.snapshot import HardwareSnapshot, take_snapshot

SNAPSHOT_TTL_S = 30
"""Live audit refresh: memory in use by other processes changes, so keep it short."""
HUB_TTL_S = 600
"""Hub answers for one (repo, revision): configs rarely change within minutes."""
HUB_FAILURE_TTL_S = 60.0
"""How long a failed hub look-up is answered from memory (per repo, revision and token)."""
_MAX_FAILURES = 1024
_failures: dict[tuple, tuple[float, HubError]] = {}
_failures_lock = threading.Lock()
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
    a session without a token never shares an answer fetched with one. A failure is raised
    again without asking the hub for HUB_FAILURE_TTL_S (shared by every session)."""
    digest = hashlib.sha256(token.encode()).hexdigest() if token else None
    key = (repo_id, revision, digest, server_token)
    with _failures_lock:
        failed = _failures.get(key)
    if failed is not None:
        age_s = time.monotonic() - failed[0]
        if age_s < HUB_FAILURE_TTL_S:
            raise HubError(failed[1].kind, f"{failed[1].message} (This answer is "
                           f"{age_s:.0f} s old; the hub is asked again after "
                           f"{HUB_FAILURE_TTL_S:.0f} s.)")
    try:
        return resolve_model(repo_id, revision, token, ambient_token=server_token)
    except HubError as exc:
        with _failures_lock:
            if len(_failures) >= _MAX_FAILURES:
                _failures.clear()
            _failures[key] = (time.monotonic(), exc)
        raise


def forget_hub_failures() -> None:
    """Ask the hub again at the next look-up, whatever failed recently (tests, a retry)."""
    with _failures_lock:
        _failures.clear()
