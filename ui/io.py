"""Cached I/O around the probes: the live audit and Hugging Face fetches.

Only I/O is cached (st.cache_data with a TTL), never planner functions, which take
microseconds. st.cache_data does not keep exceptions, so a failed hub look-up is remembered
here for HUB_FAILURE_TTL_S: with a hub that hangs, every rerun would otherwise wait the whole
deadline again. A stand-in answer for a failed look-up (the cache's or a reconstructed catalog
entry's) is remembered the same way, not for HUB_TTL_S, so the hub's own config replaces it
a minute after the hub is back.
"""

import hashlib
import ipaddress
import os
import threading
import time

import streamlit as st

from planner.model.checkpoint import ModelSource
from probes.hub import HubError, hub_offline, resolve_model
from probes.snapshot import HardwareSnapshot, take_snapshot

SNAPSHOT_TTL_S = 30
"""Live audit refresh: memory in use by other processes changes, so keep it short."""
HUB_TTL_S = 600
"""Hub answers for one (repo, revision): configs rarely change within minutes."""
HUB_FAILURE_TTL_S = 60.0
"""How long a failed hub look-up, or the stand-in answered for it (the cache's or catalog's),
is answered from memory (per repo, revision and token)."""
_MAX_FAILURES = 1024
_failures: dict[tuple, tuple[float, HubError | ModelSource]] = {}
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


class _StandIn(Exception):
    """Carries a stand-in answer (the cache's or the catalog's for a failed fetch) out of
    _hub_answer, so st.cache_data, which keeps no exception, does not keep it for HUB_TTL_S."""

    def __init__(self, source: ModelSource):
        super().__init__(source.fallback_reason)
        self.source = source


@st.cache_data(ttl=HUB_TTL_S, show_spinner=False)
def _hub_answer(repo_id: str, revision: str | None, token: str | None,
                server_token: bool) -> ModelSource:
    """resolve_model's answer, kept HUB_TTL_S when it is the hub's (or a verbatim catalog
    entry's); a stand-in is raised as _StandIn."""
    source = resolve_model(repo_id, revision, token, ambient_token=server_token)
    if source.fallback_reason is not None:
        raise _StandIn(source)
    return source


def hub_source(repo_id: str, revision: str | None, token: str | None,
               server_token: bool) -> ModelSource:
    """A model's config: a verbatim catalog entry when no revision is asked, else the hub (or
    its local cache, or a reconstructed catalog entry when the hub cannot answer). The
    visitor's `token`, else the server's when `server_token` (server_token_allowed). Only the
    token's hash keys the in-memory cache, and a session without a token never shares an
    answer fetched with one. A failure, and a stand-in answered for one, are given again
    without asking the hub for HUB_FAILURE_TTL_S (shared by every session), then the hub is
    asked again (never while HF_HUB_OFFLINE is set, so then the failure says nothing of it)."""
    digest = hashlib.sha256(token.encode()).hexdigest() if token else None
    key = (repo_id, revision, digest, server_token)
    with _failures_lock:
        recent = _failures.get(key)
    if recent is not None:
        age_s = time.monotonic() - recent[0]
        if age_s < HUB_FAILURE_TTL_S:
            if isinstance(recent[1], ModelSource):
                return recent[1]
            # offline (HF_HUB_OFFLINE) the hub is never asked: no age, no "asked again"
            age = "" if hub_offline() else (f" (This answer is {age_s:.0f} s old; the hub is "
                                            f"asked again after {HUB_FAILURE_TTL_S:.0f} s.)")
            raise HubError(recent[1].kind, recent[1].message + age)
    try:
        return _hub_answer(repo_id, revision, token, server_token)
    except HubError as exc:
        _remember(key, exc)
        raise
    except _StandIn as stand_in:
        _remember(key, stand_in.source)
        return stand_in.source


def _remember(key: tuple, answer: HubError | ModelSource) -> None:
    """Keep a failure or a stand-in for HUB_FAILURE_TTL_S (at most _MAX_FAILURES keys)."""
    with _failures_lock:
        if len(_failures) >= _MAX_FAILURES:
            _failures.clear()
        _failures[key] = (time.monotonic(), answer)


def forget_hub_answers() -> None:
    """Ask the hub again at the next look-up, whatever it answered or failed recently (tests,
    a retry)."""
    with _failures_lock:
        _failures.clear()
    _hub_answer.clear()
