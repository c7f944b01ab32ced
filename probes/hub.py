"""Model configs and checkpoint metadata from the Hugging Face Hub, the cache or the catalog.

The only importer of huggingface_hub. Reads config.json / hf_quant_config.json /
tokenizer_config.json / the processor files (processor_config.json, preprocessor_config.json,
video_preprocessor_config.json) as JSON
(never model code, never trust_remote_code), safetensors headers (never weights) and the
repo file list, and records the commit they came from. Every failure becomes a HubError
with a kind and an actionable message; a token never appears in one.

Client behaviour designed around (huggingface_hub 2.x, measured against a local server):
- a hub that accepts connections but never answers makes `hf_hub_download` retry its HEAD
  with a hard-coded 60 s timeout and back off, whatever HF_HUB_ETAG_TIMEOUT says, so each
  user action runs in a daemon thread under our own deadline (HEADROOM_HUB_DEADLINE_S);
- `model_info` has no default timeout, so one is always passed;
- a 5xx during `hf_hub_download` surfaces as LocalEntryNotFoundError (its __cause__ holds
  the HTTP error);
- HF_ENDPOINT and HF_HUB_OFFLINE are read once, at import; offline mode is re-checked here.
"""

import functools
import json
import math
import os
import re
import shlex
import struct
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from probes.endpoint import (  # before the client reads HF_ENDPOINT and its timeouts
    ENDPOINT_ENV,
    ENDPOINT_PROBLEM,
    SETTING_PROBLEM,
    request_problem,
)

# isort: split
from huggingface_hub import constants
from pydantic import ValidationError

from planner.catalog import PROVENANCE_LABELS, CatalogEntry, catalog_entry, catalog_near
from planner.jsondoc import (
    RESAVE_AS_UTF8,
    JsonDocumentError,
    json_kind,
    parse_json_document,
    size_text,
)
from planner.model.checkpoint import (
    CheckpointError,
    CheckpointFile,
    CheckpointMetadata,
    ModelSource,
    build_checkpoint_metadata,
)
from planner.model.config.processor import PROCESSOR_FILES, processor_limits
from planner.model.config.vision import QWEN3_VL_MAX_PIXELS, QWEN3_VL_VIDEO_MAX_PIXELS
from planner.text import counted, one_line, shortened
from planner.units import gib_text
from probes.files import home_expanded, not_regular_file, read_bounded, read_json_document

DEADLINE_ENV = "HEADROOM_HUB_DEADLINE_S"
DEFAULT_DEADLINE_S = 20.0
MAX_DEADLINE_S = 86_400
"""The longest deadline taken (a day): more is a typo, and threading's wait overflows."""
REQUEST_TIMEOUT_S = 10.0
"""Per-request timeout, capped by the overall deadline."""
STAND_IN_DEADLINE_S = 5.0
"""The deadline when a catalog entry (reconstructed or subset) stands in for a failed fetch
and neither deadline_s nor HEADROOM_HUB_DEADLINE_S is given: a hub that never answers then
costs a few seconds (the app's default model is such an entry), not DEFAULT_DEADLINE_S; a
config is a few kB, and headers still unread at the deadline are left out with a note."""
CONFIG_FILE = "config.json"
QUANT_CONFIG_FILE = "hf_quant_config.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
"""Read for the launch rule only (its auto_map and tokenizer_class:
planner.serving.launch.remote_code_note), never its code: one that is not a JSON object is
left out with a note (vLLM would fail to read it too), not a failure of the fetch."""
MAX_CONFIG_BYTES = 4 * 10**6
"""4 MB (decimal), for config.json, hf_quant_config.json and tokenizer_config.json: the
largest real configs are tens of kB (nvidia/Qwen3.6-35B-A3B-NVFP4: 58 kB and 35 kB), so a
bigger file is not a config, and reading it would cost memory per app session."""
MAX_LISTED_FILE_BYTES = 10 * 10**12
"""10 TB (decimal): a file size in a model info above it is not a hub's. The hub documents 50 GB
per file as its maximum (hub-docs docs/hub/datasets-upload-guide-llm.md, "Per file: 50GB max,
20GB recommended"); 200x that leaves room for the limit to grow, while a garbage size (10**29
bytes) would otherwise reach the checkpoint size and the audit's disk finding."""
INDEX_FILE = "model.safetensors.index.json"
"""The shard index of a sharded safetensors checkpoint (transformers SAFE_WEIGHTS_INDEX_NAME),
which vLLM loads its shards by."""
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")
"""Weight files a user may give where a config is asked for (--model model.safetensors)."""
MAX_HEADER_BYTES = 100_000_000
"""Largest safetensors header read from a local file: the safetensors format itself refuses
headers over 100 MB (N_MAX in safetensors/src/tensor.rs), so a bigger length means a corrupt
file or not a safetensors file at all."""

TIMEOUT_WAY_OUT = "check your connection or proxy"
"""A hub that timed out: what the user of this machine can check (the app, whose visitor
cannot, says what it can do instead: ui.context.model_source)."""
DEADLINE_WAY_OUT = f"{TIMEOUT_WAY_OUT}, or raise the deadline ({DEADLINE_ENV})"
"""A hub that did not answer within the deadline: TIMEOUT_WAY_OUT, or this process's
deadline, an environment variable of the machine that runs it."""

LOCAL_PATH_WAY_OUT = ", or pass a path to a config.json"
"""The unreachable hub's message's last way out, the CLI's (a local config.json): the app,
which reads no local paths, leaves it out (ui.context.model_source)."""

_COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")
_TOKEN_LIKE = re.compile(r"hf_[A-Za-z0-9]{20,}")
_TRUE = {"1", "ON", "YES", "TRUE"}
_FALLBACK_KINDS = ("offline_not_cached", "network", "timeout", "server_error", "not_a_hub")
"""Failures that say nothing about the repo itself, so the cache and catalog may answer."""
_CATALOG_FALLBACK_KINDS = ("gated", "malformed")
"""Failures after which a catalog entry answers (labelled), but not the cache."""

if TYPE_CHECKING:
    from huggingface_hub import HfApi


@functools.cache
def _client() -> ModuleType:
    """huggingface_hub with its errors and utils loaded, imported at the first call that uses
    the client (a look-up, the cache, the stored token, the repo id rules): the import costs
    about 0.3 s, which a plan from a file or a verbatim catalog entry never pays. Its
    constants (HF_ENDPOINT, the timeouts, HF_HUB_OFFLINE) are still read when this module is
    imported, after probes.endpoint.

    NOTE: config.json is a few kB; progress bars on stderr would only be noise in the CLI, and
    so would the client's log lines (a body cut short logs "Trying to resume download..." five
    times, file_download.py): both are turned off here, and every failure becomes one HubError.
    """
    import huggingface_hub
    import huggingface_hub.errors
    import huggingface_hub.utils

    huggingface_hub.utils.disable_progress_bars()
    huggingface_hub.utils.logging.set_verbosity_error()
    return huggingface_hub


class HubError(Exception):
    """A hub, cache or file failure with a kind (for code) and an actionable message (for people).

    kinds: invalid_repo_id, not_found, gated, private, revision_not_found, no_config, malformed,
    offline_not_cached, timeout, server_error, network, invalid_setting, not_a_hub (an answer
    that is not the hub's: HTML, an image, a 4xx without the hub's error code).
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def fetch_model(
    repo_id: str,
    revision: str | None = None,
    token: str | None = None,
    *,
    ambient_token: bool = True,
    deadline_s: float | None = None,
) -> ModelSource:
    """Config, quant config, checkpoint metadata and commit of a hub repo, within a deadline.

    The token is `token`, else (only when `ambient_token`) HF_TOKEN / the hub's stored login.
    Without either, the client is told to send none (token=False: huggingface_hub would
    otherwise read HF_TOKEN or the stored login itself, utils/_headers.py get_token_to_send).
    A web server passes ambient_token=False so its own token never serves a visitor.
    Offline (HF_HUB_OFFLINE=1) or when the hub cannot be reached, falls back to the local cache,
    then (no revision given) the bundled catalog; a gated repo or a config that is not JSON
    falls back to the catalog only. `origin`, `notes` and `fallback_reason` say which and why.
    `deadline_s` defaults to HEADROOM_HUB_DEADLINE_S or 20 s.
    """
    secret = token or (_stored_token() if ambient_token else None)
    _refuse_unsendable(secret, "The access token entered" if token else _token_source())
    try:
        source = _fetch(repo_id, revision, secret, _deadline(deadline_s))
    except HubError as err:
        raise HubError(err.kind, _scrub(err.message, secret)) from None
    reason = source.fallback_reason
    return source.model_copy(update={
        "notes": tuple(_scrub(n, secret) for n in source.notes),
        "fallback_reason": None if reason is None else _scrub(reason, secret)})


def _stored_token() -> str | None:
    """HF_TOKEN or the stored login (huggingface_hub get_token); HubError("invalid_setting")
    where the token file cannot be read: HF_HOME naming a file (NotADirectoryError),
    HF_TOKEN_PATH a folder (IsADirectoryError), a file that is not UTF-8 (UnicodeDecodeError),
    each a traceback before."""
    try:
        return _client().get_token()
    except (OSError, UnicodeDecodeError) as exc:
        reason = ("not UTF-8 text" if isinstance(exc, UnicodeDecodeError)
                  else exc.strerror or type(exc).__name__)
        raise HubError("invalid_setting", f"Cannot read the stored Hugging Face token "
                       f"{constants.HF_TOKEN_PATH} ({reason}): set HF_TOKEN, or HF_HOME / "
                       "HF_TOKEN_PATH to where `hf auth login` keeps it.") from None


def _token_source() -> str:
    """Where huggingface_hub's get_token read the ambient token (utils/_auth.py: HF_TOKEN,
    then HUGGING_FACE_HUB_TOKEN, then the stored login), for messages about it."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        if os.environ.get(name, "").strip():
            return name
    return f"The stored Hugging Face token {constants.HF_TOKEN_PATH}"


def _refuse_unsendable(secret: str | None, source: str) -> None:
    """HubError("invalid_setting") for a token holding a character outside ASCII, which no
    HTTP header carries: the client's first request raised UnicodeEncodeError, reported as the
    hub answering something that is not JSON (and the cache or catalog standing in). A zero-
    width space or a non-Latin letter pasted with it does this; Hugging Face tokens are ASCII
    (hf_ and letters and digits). The token itself is never echoed."""
    if not secret or secret.isascii() or hub_offline():  # offline, no request carries it
        return
    at, char = next((i, c) for i, c in enumerate(secret) if not c.isascii())
    name = unicodedata.name(char, "a character with no name")
    raise HubError("invalid_setting", f"{source} holds U+{ord(char):04X} ({name}) at character "
                   f"{at + 1}, which an HTTP request cannot carry: Hugging Face tokens are "
                   "ASCII (hf_ and letters and digits); set it again without that character.")


def resolve_model(
    model: str,
    revision: str | None = None,
    token: str | None = None,
    *,
    ambient_token: bool = True,
    prefer_catalog: bool = True,
    deadline_s: float | None = None,
) -> ModelSource:
    """A ModelSource from a config.json path, a folder holding one, or a repo id.

    A repo id with a verbatim catalog entry is answered from the catalog when
    `prefer_catalog` and no revision is given: the copy holds the hub file's values, so
    asking would cost a deadline offline and change nothing but the checkpoint metadata.
    Anything else (a reconstructed or subset entry included, under the catalog's spelling)
    asks the hub via fetch_model (`token` and `ambient_token` as there), whose fallbacks
    serve that entry, labelled, when the hub cannot answer (within STAND_IN_DEADLINE_S unless
    a deadline is given).
    """
    path = home_expanded(model)
    try:
        is_path = path.exists()
    except OSError:  # a name no file system holds (over NAME_MAX / PATH_MAX): not a path
        is_path = False
    if is_path:
        return _from_path(path)
    entry = catalog_entry(model) if revision is None else None
    if prefer_catalog and entry is not None and entry.provenance == "verbatim":
        return _catalog_source(entry, "bundled catalog entry, a verbatim copy of the hub's "
                               "config.json (the hub was not asked)")
    if entry is not None and deadline_s is None and os.environ.get(DEADLINE_ENV) is None:
        deadline_s = STAND_IN_DEADLINE_S
    return fetch_model(model if entry is None else entry.repo_id, revision, token,
                       ambient_token=ambient_token, deadline_s=deadline_s)


def invalid_repo_id_message(repo_id: str, *,
                            local_paths: str | None = "config.json or model folder",
                            revision_input: str | None = "--revision {}") -> str:
    """Why `repo_id` is refused. `local_paths` names the CLI's alternative (what a path
    given instead must be); the app, which reads repo ids only, passes None. A model page's
    address is answered with the repo id it holds, and the revision it shows (/tree/v2.0)
    as `revision_input` takes it ("--revision {}", the app's field; None: where no revision
    can be given, only named)."""
    # shown whole up to two 96-character names (the rule it breaks may be their length)
    rules = (f"{shortened(repo_id, 200)!r} is not a Hugging Face repo id: expected owner/name "
             "such as Qwen/Qwen3-8B (letters, digits, '-', '_', '.'; at most 96 characters each)")
    page = _page_repo_id(repo_id)
    return (rules + (f", or a path to an existing {local_paths}." if local_paths else ".")
            + (_page_hint(*page, revision_input) if page else ""))


def _page_hint(page_id: str, revision: str | None, revision_input: str | None) -> str:
    """' That is a model page's address; its repo id is X[ and its revision R (--revision R)].'
    (invalid_repo_id_message); a page's revision named unless it is the default branch."""
    if revision in (None, "main"):
        return f" That is a model page's address; its repo id is {page_id}."
    given = f" ({revision_input.format(shlex.quote(revision))})" if revision_input else ""
    return (f" That is a model page's address; its repo id is {page_id} and its revision "
            f"{revision}{given}.")


_REVISION_ROUTES = ("tree", "blob", "resolve")
"""A model page's path after owner/name that a revision follows: /tree/<rev>, a file's
/blob/<rev>/... and /resolve/<rev>/..."""


def _page_repo_id(text: str) -> tuple[str, str | None] | None:
    """(repo id, revision or None) in a model page's address pasted for one (https://
    huggingface.co/Qwen/Qwen3-8B/tree/v2: Qwen/Qwen3-8B at v2), or None: an http(s) URL, or
    one without its scheme (hf.co/Qwen/Qwen3-8B, as an address bar copies it), on
    huggingface.co, hf.co or HF_ENDPOINT's host whose path starts with an owner/name the
    client's rules take (a dataset's or a Space's page is none); the revision is the one its
    /tree/, /blob/ or /resolve/ part names (a branch with '/' written %2F), where git could
    name it (_ref_problem)."""
    text = text.strip()
    if "://" not in text:  # no host of a hub's is a path on this machine: it was tried first
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if (parts.scheme not in ("http", "https") or len(segments) < 2
            or host not in {"huggingface.co", "hf.co", urlsplit(constants.ENDPOINT).hostname}
            or segments[0] in ("datasets", "spaces")):
        return None
    utils = _client().utils
    try:
        utils.validate_repo_id(candidate := "/".join(segments[:2]))
    except utils.HFValidationError:
        return None
    revision = (unquote(segments[3])
                if len(segments) > 3 and segments[2] in _REVISION_ROUTES else None)
    return candidate, (None if revision is None or _ref_problem(revision) else revision)


def check_repo_id(repo_id: str, *,
                  local_paths: str | None = "config.json or model folder",
                  revision_input: str | None = "--revision {}") -> None:
    """HubError("invalid_repo_id", invalid_repo_id_message) when the client's own rules
    (huggingface_hub validate_repo_id: ASCII only, no '--', '..' or '.git' ending, 96
    characters) refuse `repo_id`: vLLM, which loads a name that is no local path from the
    hub through the same client, would stop there too."""
    utils = _client().utils
    try:
        utils.validate_repo_id(repo_id)
    except utils.HFValidationError:
        raise HubError("invalid_repo_id", invalid_repo_id_message(
            repo_id, local_paths=local_paths, revision_input=revision_input)) from None


def _fetch(repo_id: str, revision: str | None, secret: str | None, limit_s: float) -> ModelSource:
    """fetch_model without the token scrubbing: hub, then cache, then catalog."""
    check_repo_id(repo_id)
    if revision is not None and not revision.strip():
        raise HubError("revision_not_found", "The revision is empty: give a branch, tag or sha.")
    if revision is not None and (why := _ref_problem(revision)):
        raise HubError("revision_not_found", f"The revision {revision!r} cannot name a branch, "
                       f"tag or commit: git ref names cannot {why} (git check-ref-format). "
                       "Give a branch, tag or sha.")
    if ENDPOINT_PROBLEM is not None:
        raise HubError("invalid_setting", f"{ENDPOINT_PROBLEM}: set {ENDPOINT_ENV} to the hub's "
                       "address (https://huggingface.co or a mirror), or unset it.")
    if SETTING_PROBLEM is not None:
        raise HubError("invalid_setting", f"{SETTING_PROBLEM}.")
    if hub_offline():
        failure = HubError(
            "offline_not_cached",
            f"HF_HUB_OFFLINE is set, so the hub was not asked: unset it to fetch {repo_id}, "
            "or pass a path to its config.json.",
        )
    elif (problem := request_problem(constants.ENDPOINT)) is not None:
        raise HubError("invalid_setting", problem)
    else:
        try:
            return _run_with_deadline(
                lambda progress: _fetch_online(repo_id, revision, secret, limit_s, progress),
                limit_s,
                repo_id,
            )
        except HubError as err:
            if err.kind not in (*_FALLBACK_KINDS, *_CATALOG_FALLBACK_KINDS):
                raise
            failure = err
    return _stand_in(repo_id, revision, failure)


_REF_RULES = (
    (re.compile(r"\.\."), "contain {!r}"),
    (re.compile(r"(?:^|/)\."), "have a part that starts with '.'"),
    (re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|@\{"), "contain {!r}"),
    (re.compile(r"^/|/$|//"), "start or end with '/' or contain '//'"),
    (re.compile(r"\.$|\.lock(?:/|$)|^@$"), "end with '.' or '.lock', or be '@'"),
)
"""git check-ref-format's rules for ref names (git-check-ref-format(1)), each with what it
forbids: no hub branch or tag breaks one, and a commit sha breaks none."""


def _ref_problem(revision: str) -> str | None:
    """What a revision breaks of _REF_RULES, or None. '..' was sent: the client's URL
    resolves the segment ("revision/.." is the repo's route), and the answer was blamed on
    the server ("answered HTTP 404 ... it does not look like a Hugging Face hub")."""
    for rule, words in _REF_RULES:
        if found := rule.search(revision):
            return words.format(found.group())
    return None


def _stand_in(repo_id: str, revision: str | None, failure: HubError) -> ModelSource:
    """What answers for a failed fetch: the local cache (the hub unreachable or offline),
    else the bundled catalog (no revision asked), else the failure, saying where it looked.

    A gated repo or a config that is not JSON goes to the catalog only: the cache may hold a
    gated config fetched with another token (an app's visitors share it).
    """
    entry = catalog_entry(repo_id) if revision is None else None
    if failure.kind not in _FALLBACK_KINDS:
        if entry is None:
            raise failure
        return _catalog_source(entry, reason=failure.message.rstrip("."))
    reason = _FALLBACK_REASONS[failure.kind]
    source = _from_cache(repo_id, revision, reason)
    if source is None and entry is not None:
        source = _catalog_source(entry, reason=reason)
    if source is None:
        broken = _broken_cached_config(repo_id, revision)
        if broken is not None:
            path, kind = broken
            raise HubError(failure.kind, f"{failure.message} {repo_id}'s config.json in the local "
                           f"cache ({path}) is {kind}, not a file (an interrupted download or a "
                           f"deleted blob): delete {path.parents[2]} to fetch it again.")
        raise HubError(
            failure.kind,
            f"{failure.message} {repo_id} is not in the local cache ({constants.HF_HUB_CACHE})"
            + (" nor in the bundled catalog." if revision is None else f" at {revision!r}.")
            + (_did_you_mean(repo_id) if revision is None else ""),
        )
    return source


def _did_you_mean(repo_id: str) -> str:
    """" Did you mean A or B?" naming the bundled repo ids near `repo_id` (catalog_near:
    its owner's or another's namesake, an id it starts, a near spelling), "" where none is."""
    near = catalog_near(repo_id)
    return f" Did you mean {' or '.join(near)}?" if near else ""


_FALLBACK_REASONS = {
    "offline_not_cached": "offline (HF_HUB_OFFLINE is set)",
    "network": "the hub is unreachable",
    "timeout": "the hub did not answer in time",
    "server_error": "the hub answered with a server error",
    "not_a_hub": "the server at HF_ENDPOINT did not answer as a hub",
}


def _fetch_online(
    repo_id: str, revision: str | None, secret: str | None, limit_s: float, progress: dict
) -> ModelSource:
    """Ask the hub: file list, config (pins the commit), quant config, safetensors headers.

    Leaves a config-only ModelSource in progress["partial"] once the configs are in, so a
    deadline hit while reading headers still returns the config.
    """
    api = _client().HfApi()
    timeout_s = min(REQUEST_TIMEOUT_S, limit_s)
    try:
        info = _model_info(api, repo_id, revision, secret, timeout_s)
        files = _listed_files(info, repo_id)
        names = {f.path for f in files}
        if info.siblings is not None and CONFIG_FILE not in names:
            raise HubError("no_config", _no_config_message(repo_id, files))
        oversized = [f for f in files if f.path in (CONFIG_FILE, QUANT_CONFIG_FILE)
                     and (f.size_bytes or 0) > MAX_CONFIG_BYTES]
        if oversized:  # refused before the download; the read below is bounded regardless
            raise HubError("malformed", f"{repo_id}/{oversized[0].path} is over the "
                           f"{size_text(MAX_CONFIG_BYTES)} limit ({oversized[0].size_bytes:,} "
                           "bytes listed by the hub): not a model config.")

        def download(filename: str, at: str | None) -> str:
            return api.hf_hub_download(
                repo_id, filename, revision=at, token=_auth(secret), etag_timeout=timeout_s
            )

        # NOTE: the config is fetched at the branch name, not the sha, so the cache records
        # refs/<branch> and an offline run finds it; its snapshot folder names the commit.
        config_path = download(CONFIG_FILE, revision)
        sha = _snapshot_sha(config_path)
        config = _read_json(config_path, f"{repo_id}/{CONFIG_FILE}")
        quant = None
        if QUANT_CONFIG_FILE in names:
            quant = _read_json(download(QUANT_CONFIG_FILE, sha), f"{repo_id}/{QUANT_CONFIG_FILE}")
        tokenizer_label = f"{repo_id}/{TOKENIZER_CONFIG_FILE}"
        try:  # asked for whatever the listing says: the hub's 404 says there is none
            tokenizer, tokenizer_note = _tokenizer_config(
                download(TOKENIZER_CONFIG_FILE, sha or revision), tokenizer_label)
        except _client().errors.RemoteEntryNotFoundError:
            tokenizer, tokenizer_note = None, None
        except Exception as exc:  # the config was read: a tokenizer fetch fails on its own
            cause, status = _unwrapped(exc)
            why = f"HTTP {status}" if status else type(cause).__name__
            tokenizer, tokenizer_note = None, _unread_tokenizer(
                f"{tokenizer_label} could not be fetched ({why})")
        sizes = {f.path: f.size_bytes or 0 for f in files}
        processors, processor_notes = _processor_configs(
            lambda name: download(name, sha or revision) if name in names else None,
            f"{repo_id}/", sizes)
    except HubError:
        raise
    except Exception as exc:
        raise _mapped(exc, repo_id, revision, secret, limit_s) from None
    fetched = (f"fetched from {constants.ENDPOINT} at commit {sha or 'unknown'}",
               *([tokenizer_note] if tokenizer_note else []), *processor_notes)
    partial = ModelSource(
        repo_id=repo_id,
        revision=revision,
        commit_sha=sha,
        origin="hub",
        config=config,
        hf_quant_config=quant,
        tokenizer_config=tokenizer,
        tokenizer_problem=tokenizer_note,
        processor_configs=processors,
        processor_problems=processor_notes,
        checkpoint=build_checkpoint_metadata([], files),
        notes=(*fetched, f"safetensors headers not read within the {limit_s:g} s deadline"),
    )
    progress["partial"] = partial
    tensors, problem = _read_tensors(api, repo_id, sha or revision, secret, timeout_s, names)
    try:
        checkpoint = build_checkpoint_metadata(tensors, files)
    except CheckpointError as err:
        checkpoint, problem = build_checkpoint_metadata([], files), str(err)
    notes = fetched if problem is None else (*fetched, f"safetensors headers not read: {problem}")
    return partial.model_copy(update={"checkpoint": checkpoint, "notes": notes})


def _model_info(api: "HfApi", repo_id: str, revision: str | None, secret: str | None,
                timeout_s: float):
    """The hub's model info (file list with sizes); HubError("not_a_hub") for JSON of another
    shape, which huggingface_hub's ModelInfo(**data) reads without checking (TypeError for an
    array, KeyError for no "id", ValueError for a date that is none, hf_api.py model_info).
    A ValueError before any JSON was read (the body is not JSON) goes on to _mapped."""
    try:
        return api.model_info(repo_id, revision=revision, files_metadata=True,
                              timeout=timeout_s, token=_auth(secret))
    except (TypeError, KeyError, AttributeError, IndexError, ValueError) as exc:
        read, answer = _answer_read(exc)
        if not read and isinstance(exc, ValueError):
            raise
        problem = _model_info_problem(answer) if read else "a shape the client cannot read"
        raise _not_model_info(repo_id, problem) from None


def _answer_read(exc: Exception) -> tuple[bool, object]:
    """(True, the JSON the client had read) when `exc` came from ModelInfo(**data), else
    (False, None).

    NOTE: huggingface_hub 2.4.0 hf_api.py HfApi.model_info ends `data = r.json()` / `return
    ModelInfo(**data)`, so its frame in the traceback holds the answer; were that to change,
    the message falls back to words without the field."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "model_info" and "data" in frame.f_locals:
            return True, frame.f_locals["data"]
        tb = tb.tb_next
    return False, None


def _model_info_problem(answer: object) -> str:
    """What is wrong with a model info answer, in its JSON's terms: its kind, no "id", or the
    first field ModelInfo cannot take (each tried alone, so the one named is at fault)."""
    if not isinstance(answer, dict):
        return f"{json_kind(answer)}, not an object"
    if "id" not in answer:
        return "no 'id'"
    for key, value in answer.items():
        try:
            _client().ModelInfo(**{"id": "x", key: value})
        except Exception:  # whatever the client raises on it, it is this field's fault
            return (f"its {_excerpt(key)} field holds {json_kind(value)} the Hugging Face "
                    f"client cannot read: {_excerpt(value)}")
    return "a shape the client cannot read"


def _excerpt(value: object) -> str:
    """`value` as JSON (ASCII: control characters escaped), cut to 60 characters."""
    text = json.dumps(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _listed_files(info, repo_id: str) -> tuple[CheckpointFile, ...]:
    """The repo's files (name, size) from its model info; HubError("not_a_hub") when an entry's
    name is not text or its size not a byte count up to MAX_LISTED_FILE_BYTES."""
    try:
        files = tuple(CheckpointFile(path=s.rfilename, size_bytes=s.size)
                      for s in info.siblings or ())
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        value = repr(error["input"])[:80]
        raise _not_model_info(repo_id, f"a listed file's {field} {value}: {error['msg']}"
                              ) from None
    huge = next((f for f in files if (f.size_bytes or 0) > MAX_LISTED_FILE_BYTES), None)
    if huge is not None:
        raise _not_model_info(repo_id, f"{huge.path} is listed at {huge.size_bytes:,} bytes, over "
                              f"the {MAX_LISTED_FILE_BYTES // 10**12:,} TB no hub file reaches")
    return files


def _not_model_info(repo_id: str, problem: str) -> HubError:
    """The error for a model info answer that is JSON but not a model's."""
    return HubError(
        "not_a_hub",
        f"The hub at {constants.ENDPOINT} answered {repo_id}'s model info with JSON that is "
        f"not a model's ({problem}): HF_ENDPOINT may not point at a Hugging Face hub, or a "
        "proxy answered instead; check both.",
    )


def _read_tensors(
    api: "HfApi",
    repo_id: str,
    revision: str | None,
    secret: str | None,
    timeout_s: float,
    names: set[str],
) -> tuple[list[tuple[str, str, int]], str | None]:
    """(name, dtype, elements) of every tensor from the safetensors headers, or why not."""
    if names and not any(n.endswith(".safetensors") for n in names):
        return [], "the repo has no .safetensors files"
    import httpx2  # the client's transport, loaded with it

    errors = _client().errors
    try:
        meta = api.get_safetensors_metadata(
            repo_id, revision=revision, token=_auth(secret), timeout=timeout_s
        )
    except (errors.NotASafetensorsRepoError, errors.SafetensorsParsingError,
            errors.HfHubHTTPError, OSError, ValueError, RecursionError) as exc:
        return [], str(exc).splitlines()[0]  # ValueError: an answer that is not JSON
    except httpx2.HTTPError as exc:
        return [], f"network error ({type(exc).__name__})"
    except (TypeError, AttributeError, KeyError, IndexError):
        # huggingface_hub parses a header or index of the wrong shape without checking it
        return [], ("the hub's safetensors metadata is malformed (a header or index the "
                    f"Hugging Face client cannot parse: {HEADER_FORM}, an index's weight_map "
                    "an object of tensor names to files)")
    tensors = [
        (name, tensor.dtype, tensor.parameter_count)
        for file_meta in meta.files_metadata.values()
        for name, tensor in file_meta.tensors.items()
    ]
    for file_meta in meta.files_metadata.values():
        for name, tensor in file_meta.tensors.items():
            # huggingface_hub keeps whatever the fields hold (a null shape counted 1 element)
            problem = (_tensor_problem(vars(tensor))
                       or _oversized(tensor.parameter_count, tensor.data_offsets))
            if problem:
                return [], (f"the hub's safetensors metadata is malformed (tensor {name!r} "
                            f"{problem})")
    return tensors, None


def _run_with_deadline(
    work: Callable[[dict], ModelSource], limit_s: float, repo_id: str
) -> ModelSource:
    """Run `work` in a daemon thread; past the deadline return its partial result or time out.

    The thread is abandoned, not killed (Python cannot): it ends when the client gives up.
    A daemon thread, not a ThreadPoolExecutor, whose workers would hold up interpreter exit.
    """
    box: dict = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["result"] = work(box)
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="headroom-hub-fetch", daemon=True).start()
    if done.wait(limit_s):
        if "error" in box:
            raise box["error"]
        return box["result"]
    if "partial" in box:
        return box["partial"]
    raise HubError(
        "timeout",
        f"The hub at {constants.ENDPOINT} did not answer within {limit_s:g} s for {repo_id}: "
        f"{DEADLINE_WAY_OUT}.",
    )


def _unwrapped(exc: Exception) -> tuple[Exception, int | None]:
    """(the error hf_hub_download met, its HTTP status or None): hf_hub_download wraps 5xx and
    connection errors in LocalEntryNotFoundError after its cache try."""
    errors = _client().errors
    if isinstance(exc, errors.LocalEntryNotFoundError) and isinstance(exc.__cause__, Exception):
        exc = exc.__cause__
    return exc, exc.response.status_code if isinstance(exc, errors.HfHubHTTPError) else None


def _mapped(
    exc: Exception, repo_id: str, revision: str | None, secret: str | None, limit_s: float
) -> Exception:
    """A HubError for a huggingface_hub / transport error; the error itself if unknown."""
    import httpx2  # the client's transport, loaded with it

    errors = _client().errors
    page = f"{constants.ENDPOINT}/{repo_id}"
    exc, status = _unwrapped(exc)
    # NOTE: GatedRepoError subclasses RepositoryNotFoundError, so it is checked first.
    if isinstance(exc, errors.GatedRepoError):
        if secret:
            return HubError(
                "gated",
                f"{repo_id} is gated and this token's account has not been granted access yet: "
                f"accept the licence at {page} with that account (some repos need approval).",
            )
        return HubError(
            "gated",
            f"{repo_id} is gated: accept its licence at {page} while logged in, then set "
            "HF_TOKEN (or enter a token) for that account.",
        )
    if isinstance(exc, errors.RevisionNotFoundError):
        return HubError(
            "revision_not_found",
            f"{repo_id} has no revision {revision!r}: give a branch, tag or full commit sha "
            f"(see {page}/commits/main).",
        )
    if isinstance(exc, errors.RemoteEntryNotFoundError):
        return HubError("no_config", _no_config_message(repo_id, ()))
    if status in (401, 403):
        if secret:
            return HubError(
                "private",
                f"{repo_id} was not found with this token: the token was rejected or its "
                "account has no access. Check the spelling and the token's read permission."
                + _did_you_mean(repo_id),
            )
        return HubError(
            "private",
            f"{repo_id} was not found or is private: check the spelling; if it is private, "
            "set HF_TOKEN (or enter a token) for an account with access." + _did_you_mean(repo_id),
        )
    if isinstance(exc, errors.RepositoryNotFoundError):
        hint = _did_you_mean(repo_id) or (
            "" if "/" in repo_id else " Repo ids usually include the owner, e.g. Qwen/Qwen3-8B.")
        return HubError(
            "not_found",
            f"No model repo {repo_id} on {constants.ENDPOINT}: check the spelling.{hint}",
        )
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return HubError("offline_not_cached", f"Offline mode is on and {repo_id} is not cached.")
    if isinstance(exc, httpx2.TimeoutException):
        return HubError(
            "timeout",
            f"The hub at {constants.ENDPOINT} timed out for {repo_id} (each request may take "
            f"up to {min(REQUEST_TIMEOUT_S, limit_s):g} s): {TIMEOUT_WAY_OUT}.",
        )
    if isinstance(exc, httpx2.TooManyRedirects | httpx2.DecodingError):
        what = ("redirects that never end" if isinstance(exc, httpx2.TooManyRedirects)
                else "a body that cannot be decoded")
        return HubError(
            "not_a_hub",
            f"The server at {constants.ENDPOINT} answered {repo_id} with {what} "
            f"({type(exc).__name__}: {str(exc).splitlines()[0][:100]}): HF_ENDPOINT or a proxy "
            "in between is misconfigured; check both.",
        )
    if isinstance(exc, httpx2.RemoteProtocolError):
        return HubError(
            "network",
            f"The hub at {constants.ENDPOINT} broke off its answer for {repo_id} "
            f"({type(exc).__name__}: {str(exc).splitlines()[0][:100]}): retry; if it keeps "
            "happening, check any proxy in between.",
        )
    if isinstance(exc, httpx2.TransportError | errors.LocalEntryNotFoundError):
        return HubError(
            "network",
            f"Cannot reach the hub at {constants.ENDPOINT} ({type(exc).__name__}): check your "
            f"connection, proxy and HF_ENDPOINT{LOCAL_PATH_WAY_OUT}.",
        )
    # r.json() on a web page, an image...; a ValueError from a setting is refused up front
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError | RecursionError):
        return HubError(
            "not_a_hub",
            f"The hub at {constants.ENDPOINT} returned something that is not JSON "
            f"({_what_came(exc)}) for {repo_id}: HF_ENDPOINT may not point at a Hugging Face "
            "hub, or a proxy or captive portal answered instead; check both.",
        )
    if isinstance(exc, ValueError):  # the client refusing what came (an X-Repo-Commit that
        # is no commit: "Invalid pointer path ... `revision='../x'`"), a traceback before
        return HubError(
            "not_a_hub",
            f"The server at {constants.ENDPOINT} answered {repo_id} with something the Hugging "
            f"Face client refuses ({type(exc).__name__}: {shortened(one_line(exc), 100)}): "
            "HF_ENDPOINT or a proxy in between is misconfigured; check both.",
        )
    # NOTE: 429 is the real hub's rate limit, so it is the hub's own answer (below)
    if isinstance(exc, errors.FileMetadataError) or (status is not None and status < 500
                                               and status != 429):
        answer = "without the hub's headers" if status is None else f"HTTP {status}"
        return HubError(
            "not_a_hub",
            f"The server at {constants.ENDPOINT} answered {answer} for {repo_id}, without the "
            "hub's error details: it does not look like a Hugging Face hub. Check HF_ENDPOINT "
            "and any proxy in between.",
        )
    if status == 429:  # huggingface.co/docs/hub/rate-limits: "defined over 5-minute windows"
        return HubError(
            "server_error",
            f"The hub at {constants.ENDPOINT} rate-limited the requests for {repo_id} (HTTP "
            "429): wait a few minutes and retry (the hub counts its limits over 5-minute "
            "windows).",
        )
    if status is not None:
        return HubError(
            "server_error",
            f"The hub at {constants.ENDPOINT} answered HTTP {status} for {repo_id}: a "
            "server-side problem, not your input; retry later.",
        )
    return exc


def _what_came(exc: Exception) -> str:
    """'an HTML page', 'binary data', ... for an answer json could not read."""
    if isinstance(exc, UnicodeDecodeError):
        return "binary data, not text"
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply to be read"
    doc = getattr(exc, "doc", "")
    if isinstance(doc, str) and doc.lstrip()[:1] == "<":
        return "an HTML page"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}" if str(exc) else "no JSON"


def _no_config_message(repo_id: str, files: tuple[CheckpointFile, ...]) -> str:
    """Say there is no config.json and what the repo's listing holds instead: safetensors
    weights (how many, their size), its GGUF files (with sizes, to pick from), or neither
    (its first files); without a listing, what such a repo usually is."""
    head = f"{repo_id} has no {CONFIG_FILE}, so its architecture cannot be read"
    advice = ("Plan from the original repo it was converted from, or pass a path to a "
              "config.json.")
    if not files:  # no listing: the hub answered the config's download only
        return f"{head}: it may be a GGUF-only or non-transformers repo. {advice}"
    safetensors = [f for f in files if f.path.endswith(".safetensors")]
    gguf = [f for f in files if f.path.endswith(".gguf")]
    held = []
    if safetensors:
        sizes = [f.size_bytes for f in safetensors]
        size = "" if None in sizes else f", {gib_text(sum(sizes))}"
        held.append(f"safetensors weights ({counted(len(safetensors), 'file')}{size}) without "
                    "the transformers config that describes them")
    if gguf:
        held.append("GGUF files" + ("" if safetensors else " only"))
    if not held:
        shown = ", ".join(f.path for f in files[:5])
        more = f" and {len(files) - 5:,} more" if len(files) > 5 else ""
        held.append(f"no safetensors or GGUF weights (its files: {shown}{more})")
    message = f"{head}: it holds {' and '.join(held)}. {advice}"
    if gguf:
        listed = ", ".join(
            f.path if f.size_bytes is None else f"{f.path} ({gib_text(f.size_bytes)})"
            for f in gguf
        )
        message += f" Its GGUF files: {listed}."
    return message


def _cached_file(repo_id: str, filename: str, revision: str | None) -> str | None:
    """A file's path in the local hub cache, or None: try_to_load_from_cache reads the cache
    folders only. NOTE: hf_hub_download(local_files_only=True) builds request headers first,
    and huggingface_hub 2.4's user agent fetches {HF_ENDPOINT}/api/agent-harnesses (3 s
    timeout, utils/_detect_agent.py) once per process, so an unreachable hub cost the
    fallback another 3 s."""
    path = _client().try_to_load_from_cache(repo_id, filename, revision=revision)
    return path if isinstance(path, str) else None  # else None or the "known absent" marker


def _from_cache(repo_id: str, revision: str | None, reason: str) -> ModelSource | None:
    """The configs from the local hub cache (no network), or None if config.json is not there."""
    config_path = _cached_file(repo_id, CONFIG_FILE, revision)
    if config_path is None:
        return None
    sha = _snapshot_sha(config_path)
    quant_path = _cached_file(repo_id, QUANT_CONFIG_FILE, sha or revision)
    # a path, huggingface_hub's "known absent" marker (the hub's 404 leaves one), or None:
    # neither, a cache filled before Headroom fetched the tokenizer's config (need unknown)
    tokenizer_cached = _client().try_to_load_from_cache(repo_id, TOKENIZER_CONFIG_FILE,
                                              revision=sha or revision)
    tokenizer, tokenizer_note = _tokenizer_config(
        tokenizer_cached if isinstance(tokenizer_cached, str) else None,
        f"cached {repo_id}/{TOKENIZER_CONFIG_FILE}")
    if tokenizer_cached is None:
        tokenizer_note = _unread_tokenizer(
            f"{repo_id}/{TOKENIZER_CONFIG_FILE} is not in the local cache")
    processors, processor_notes = _processor_configs(
        lambda name: _cached_file(repo_id, name, sha or revision), f"cached {repo_id}/")
    return ModelSource(
        repo_id=repo_id,
        revision=revision,
        commit_sha=sha,
        origin="cache",
        config=_read_json(config_path, f"cached {repo_id}/{CONFIG_FILE}"),
        hf_quant_config=None
        if quant_path is None
        else _read_json(quant_path, f"cached {repo_id}/{QUANT_CONFIG_FILE}"),
        tokenizer_config=tokenizer,
        tokenizer_problem=tokenizer_note,
        processor_configs=processors,
        processor_problems=processor_notes,
        checkpoint=None,
        notes=(
            f"{reason}: served from the local cache ({constants.HF_HUB_CACHE}) "
            f"at commit {sha or 'unknown'}",
            "checkpoint metadata (safetensors headers, file sizes) needs the hub",
            *([tokenizer_note] if tokenizer_note else []),
            *processor_notes,
        ),
        fallback_reason=reason,
    )


def _catalog_source(entry: CatalogEntry, note: str | None = None, *,
                    reason: str | None = None) -> ModelSource:
    """A ModelSource for a bundled catalog entry: asked for (`note`), or standing in for a
    failed fetch (`reason`, e.g. "the hub is unreachable: using the bundled catalog config
    (reconstructed, unverified)")."""
    if reason is not None:
        label = PROVENANCE_LABELS.get(entry.provenance, "a verbatim copy")
        note = f"{reason}: using the bundled catalog config ({label})"
    return ModelSource(
        repo_id=entry.repo_id,
        revision=None,
        commit_sha=None,
        origin="catalog",
        config=entry.config,
        hf_quant_config=entry.hf_quant_config,
        tokenizer_config=entry.tokenizer_config,
        checkpoint=None,
        notes=(note, f"catalog source: {entry.source}"),
        config_provenance=entry.provenance,
        fallback_reason=reason,
    )


def _from_path(path: Path) -> ModelSource:
    """Configs from a config.json file or a folder holding one (+ hf_quant_config.json), and
    the checkpoint metadata of the model folder's *.safetensors headers."""
    if path.is_dir():
        config_path = path / CONFIG_FILE
        quant_path = path / QUANT_CONFIG_FILE
        # a FIFO, a device or a broken link there is refused by the read, naming it
        if not os.path.lexists(config_path):
            if path.suffix == ".json":  # a config's name: "x/config.json has no config.json"
                raise HubError("no_config", f"{path} is a directory, not a config file: pass "
                               f"the model's folder or its {CONFIG_FILE}.")
            raise HubError("no_config", f"{path} has no {CONFIG_FILE}: pass the model's folder.")
    elif path.suffix in WEIGHT_SUFFIXES:  # read as JSON, it was "not UTF-8 text"
        raise HubError("no_config", f"{path} is a weights file, not a config: pass the "
                       f"model's folder (holding {CONFIG_FILE}) or its {CONFIG_FILE}.")
    else:
        config_path = path
        # NOTE: both layouts are in use: config.json + hf_quant_config.json in one folder,
        # and <name>.json + <name>.hf_quant_config.json as in /work/shared/model-configs.
        paired = f"{path.stem}.{QUANT_CONFIG_FILE}"
        quant_path = path.with_name(QUANT_CONFIG_FILE if path.name == CONFIG_FILE else paired)
    config = _read_local(config_path, "give the model's own config.json, as its Hugging Face "
                         "repo holds it (a JSON object of its settings), or its repo id")
    quant = _read_local(quant_path, "give the checkpoint's own hf_quant_config.json, as its "
                        "repo holds it, or remove it") if quant_path.exists() else None
    notes = [f"read from {config_path}"]
    checkpoint, tokenizer, tokenizer_note = None, None, None
    processors: dict[str, dict] = {}
    processor_notes: tuple[str, ...] = ()
    # A <name>.json beside other configs says nothing about the folder's weights (nor its
    # tokenizer); a config.json is the model folder's own.
    if config_path.name == CONFIG_FILE:
        checkpoint, note = _local_checkpoint(config_path.parent)
        notes.append(note)
        tokenizer_path = config_path.parent / TOKENIZER_CONFIG_FILE
        tokenizer, tokenizer_note = _tokenizer_config(
            tokenizer_path if tokenizer_path.exists() else None, str(tokenizer_path))
        notes.extend([tokenizer_note] if tokenizer_note else [])
        folder = config_path.parent
        processors, processor_notes = _processor_configs(
            lambda name: folder / name if os.path.lexists(folder / name) else None, f"{folder}/")
        notes.extend(processor_notes)
    return ModelSource(
        repo_id=None,
        revision=None,
        commit_sha=None,
        origin="file",
        config=config,
        hf_quant_config=quant,
        tokenizer_config=tokenizer,
        tokenizer_problem=tokenizer_note,
        processor_configs=processors,
        processor_problems=processor_notes,
        checkpoint=checkpoint,
        notes=tuple(notes),
    )


def _local_checkpoint(folder: Path) -> tuple[CheckpointMetadata | None, str]:
    """Checkpoint metadata from the safetensors headers in a model folder, and a note.

    Reads each *.safetensors file's header only (never tensor data). A header that cannot be
    read leaves the file list without tensor counts and says why, as the hub path does.
    """
    entries = sorted(folder.iterdir())
    files = tuple(
        CheckpointFile(path=p.name, size_bytes=p.stat().st_size) for p in entries if p.is_file()
    )
    shards = [folder / f.path for f in files if f.path.endswith(".safetensors")]
    # a directory (or FIFO, ...) named *.safetensors is a broken checkpoint, not a missing one:
    # reading the other shards alone would count part of the weights
    odd = next(((p, kind) for p in entries if p.name.endswith(".safetensors")
                and (kind := not_regular_file(p))), None)
    if odd:
        return build_checkpoint_metadata([], files), (
            f"safetensors headers not read: {odd[0].name} is {odd[1]}, not a safetensors file")
    if not shards and not any(f.path.endswith(".gguf") for f in files):
        return None, f"no *.safetensors files in {folder}: checkpoint not read"
    if problem := _index_problem(folder, {f.path for f in files}):
        return build_checkpoint_metadata([], files), f"safetensors headers not read: {problem}"
    try:
        tensors = [t for shard in shards for t in _safetensors_header(shard)]
        checkpoint = build_checkpoint_metadata(tensors, files)
    except (HubError, CheckpointError) as err:
        return build_checkpoint_metadata([], files), f"safetensors headers not read: {err}"
    return checkpoint, f"safetensors headers of {counted(len(shards), 'file')} read from {folder}"


def _index_problem(folder: Path, names: set[str]) -> str | None:
    """Why vLLM cannot load a folder's shards by its INDEX_FILE, or None (no index, or every
    shard it lists is there): a shard missing (an interrupted download), where the headers of
    the others alone were compared with the architecture and the gap called a parser gap; or
    an index that is no JSON object mapping tensor names to file names.

    NOTE: vLLM 0.34.0 weight_utils.py filter_duplicate_safetensors_files reads the index's
    weight_map (json.load(f)["weight_map"], joining each value to the folder) and raises
    FileNotFoundError "Weight files referenced in index but missing"."""
    if INDEX_FILE not in names:
        return None
    try:
        weight_map = _read_json(folder / INDEX_FILE, INDEX_FILE).get("weight_map")
    except HubError as err:
        return f"{err.message.rstrip('.')}: vLLM cannot load the checkpoint"
    if not isinstance(weight_map, dict) or not all(isinstance(v, str)
                                                   for v in weight_map.values()):
        return (f"{INDEX_FILE} has no weight_map of tensor names to file names: vLLM cannot "
                "load the checkpoint")
    missing = sorted(set(weight_map.values()) - names)
    if not missing:
        return None
    listed = ", ".join(missing[:3]) + (f" and {len(missing) - 3:,} more" if len(missing) > 3
                                       else "")
    return (f"{INDEX_FILE} lists {listed}, which {'is' if len(missing) == 1 else 'are'} not in "
            f"{folder} (an incomplete download?): vLLM cannot load the checkpoint")


MAX_TENSOR_ELEMENTS = 2**64 - 1
"""The most elements a safetensors tensor may have. NOTE (huggingface/safetensors
safetensors/src/tensor.rs at 000a16f4): TensorInfo.shape is a Vec<usize>, and
Metadata::validate counts its elements with `try_fold(1usize, usize::checked_mul)`, failing
with ValidationOverflow ("overflow computing buffer size from shape and/or element type")
past a 64-bit usize: safe_open, and so vLLM, refuses such a file."""

OVERFLOWING_SHAPE = (f"declares more than {MAX_TENSOR_ELEMENTS:,} elements, which the "
                     "safetensors library refuses (\"overflow computing buffer size from shape "
                     "and/or element type\")")
"""Why a tensor past MAX_TENSOR_ELEMENTS is refused, after "tensor 'w' "."""


def _element_count(shape: list[int]) -> int:
    """The elements of a tensor of `shape`, multiplied in order as safetensors does; once a
    dimension or the product passes MAX_TENSOR_ELEMENTS, MAX_TENSOR_ELEMENTS + 1, stopping
    there: a header of 400-digit dimensions was an OverflowError traceback as the count was
    formatted, and thousands of them a product of millions of digits."""
    count = 1
    for dim in shape:
        count *= dim
        if dim > MAX_TENSOR_ELEMENTS or count > MAX_TENSOR_ELEMENTS:
            return MAX_TENSOR_ELEMENTS + 1
    return count


HEADER_FORM = ('a header maps each tensor name to {"dtype": a name such as "BF16", "shape": a '
               'list of non-negative integers, "data_offsets": two non-negative integers}')
"""The safetensors header's types. NOTE (huggingface/safetensors safetensors/src/tensor.rs at
000a16f4): TensorInfo { dtype: Dtype, shape: Vec<usize>, data_offsets: (usize, usize) }, each
required, so safe_open, and so vLLM, refuses a file whose fields are of other types."""


def _tensor_problem(info: object) -> str | None:
    """Why a header's entry for one tensor is not of HEADER_FORM's types, after "tensor 'w' "
    (None when it is): a null shape, a number for a dtype, named with the value given."""
    if not isinstance(info, dict):
        return f"is {_excerpt(info)}, not an object (expected: {HEADER_FORM})"
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str):
        return _field_problem(info, "dtype", 'a dtype name such as "BF16"')
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        return _field_problem(info, "shape", "a list of non-negative integers")
    if not (isinstance(offsets, (list, tuple)) and len(offsets) == 2
            and all(_is_count(o) for o in offsets)):
        return _field_problem(info, "data_offsets", "two non-negative integers")
    return None


def _field_problem(info: dict, field: str, expected: str) -> str:
    """'has shape null, not a list of non-negative integers', or 'has no shape (a list of
    non-negative integers expected)' where the field is left out."""
    if field in info:
        return f"has {field} {_excerpt(info[field])}, not {expected}"
    return f"has no {field} ({expected} expected)"


def _is_count(value: object) -> bool:
    """Whether `value` is a non-negative JSON integer (not true or false)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _oversized(elements: int, offsets: Sequence[int]) -> str | None:
    """Why a tensor's shape cannot be the bytes its data_offsets span (None when it can; the
    offsets are two integers, _tensor_problem): no safetensors dtype packs more than 8 elements
    in a byte, so a corrupt shape (1e19 elements in 2 bytes) is caught before it is counted;
    past MAX_TENSOR_ELEMENTS, whatever the offsets, OVERFLOWING_SHAPE."""
    if elements > MAX_TENSOR_ELEMENTS:
        return OVERFLOWING_SHAPE
    size = offsets[1] - offsets[0]
    if elements > 8 * max(size, 0):
        return f"declares {elements:.3g} elements in {size:,} bytes"
    return None


def _safetensors_header(path: Path) -> list[tuple[str, str, int]]:
    """(name, dtype, elements) of every tensor in one safetensors file, from its header.

    NOTE (safetensors format): the file starts with an unsigned 64-bit little-endian length N,
    then N bytes of JSON {name: {"dtype", "shape", "data_offsets"}, "__metadata__": {...}};
    the tensor data follows and is never read here. A [4096, 1024] BF16 tensor counts
    4,194,304 elements.
    """
    with path.open("rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise HubError("malformed", f"{path.name} is shorter than the 8-byte header length")
        (length,) = struct.unpack("<Q", prefix)
        if length > MAX_HEADER_BYTES:
            raise HubError(
                "malformed",
                f"{path.name} declares a {length:,}-byte header, over the 100 MB safetensors "
                "limit: a corrupt file or not a safetensors file",
            )
        raw = f.read(length)
    if len(raw) < length:
        raise HubError(
            "malformed", f"{path.name} ends inside its {length:,}-byte header (truncated?)"
        )
    try:
        header = parse_json_document(raw, f"{path.name}: its header", MAX_HEADER_BYTES,
                                     utf8_only=True)
    except JsonDocumentError as err:
        raise HubError("malformed", str(err)) from None
    if not isinstance(header, dict):
        raise HubError("malformed", f"{path.name} has a header that is not a JSON object")
    tensors = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        problem = _tensor_problem(info)
        elements = 0 if problem else _element_count(info["shape"])
        problem = problem or _oversized(elements, info["data_offsets"])
        if problem:
            raise HubError("malformed", f"{path.name}: tensor {name!r} {problem}")
        tensors.append((name, info["dtype"], elements))
    return tensors


def _read_json(path: str | Path, label: str) -> dict:
    """A JSON object from a config file, read within MAX_CONFIG_BYTES (probes.files), in
    UTF-8 only, as vLLM reads it (planner.jsondoc._not_utf8)."""
    try:
        data = read_json_document(path, MAX_CONFIG_BYTES, label, utf8_only=True)
    except JsonDocumentError as err:
        raise HubError("malformed", f"{err}.") from None
    if not isinstance(data, dict):
        raise HubError("malformed", f"{label} holds {json_kind(data)}, not a JSON object.")
    return data


def _read_local(path: Path, advice: str) -> dict:
    """_read_json of a config the user's --model path names, whose refusal ends with what to
    give instead (`advice`): "x/config.json holds an array, not a JSON object: give the
    model's own config.json, ...", where it said only what was wrong."""
    try:
        return _read_json(path, str(path))
    except HubError as err:
        if RESAVE_AS_UTF8 in err.message:  # the right text in the wrong encoding: said so
            raise
        raise HubError(err.kind, f"{err.message.removesuffix('.')}: {advice}.") from None


def _tokenizer_config(path: str | Path | None, label: str) -> tuple[dict | None, str | None]:
    """(tokenizer_config.json's object, None), (None, None) where there is none (`path`
    None), or (None, a note) for one that is not a JSON object within MAX_CONFIG_BYTES: it is
    left out (TOKENIZER_CONFIG_FILE), so its auto_map is not read."""
    if path is None:
        return None, None
    try:
        return _read_json(path, label), None
    except HubError as err:  # vLLM reads a valid file of any size, a broken one not at all
        oversized = Path(path).stat().st_size > MAX_CONFIG_BYTES
        return None, _unread_tokenizer(err.message.rstrip("."), "" if oversized else
                                       " (vLLM cannot read that file either)")


def _processor_configs(path_of: Callable[[str], str | Path | None], label: str,
                       sizes: dict[str, int] | None = None
                       ) -> tuple[dict[str, dict | None], tuple[str, ...]]:
    """The processor files (PROCESSOR_FILES) there are, by name, as JSON objects, and a note for
    each one not read: `path_of` gives a file's path (None: not there; it may download it),
    `sizes` the hub's listed sizes (one over MAX_CONFIG_BYTES is not fetched). A file there but
    not read is None: planner.model.config.processor plans the assumed limit for a processor
    that reads it, not another file's."""
    configs: dict[str, dict | None] = {}
    unread: list[str] = []
    for name in PROCESSOR_FILES:
        if (sizes or {}).get(name, 0) > MAX_CONFIG_BYTES:
            configs[name] = None
            unread.append(f"{label}{name} is over the {size_text(MAX_CONFIG_BYTES)} limit")
            continue
        try:
            path = path_of(name)
            if path is not None:
                configs[name] = _read_json(path, f"{label}{name}")
        except HubError as err:
            configs[name] = None
            unread.append(err.message.rstrip("."))
        except Exception as exc:  # the config was read: a processor fetch fails on its own
            configs[name] = None
            cause, status = _unwrapped(exc)
            why = f"HTTP {status}" if status else type(cause).__name__
            unread.append(f"{label}{name} could not be fetched ({why})")
    if not unread:
        return configs, ()
    read = _planned_limits(configs)
    return configs, tuple(f"{why}: not read; {read}" for why in unread)


def _planned_limits(configs: dict[str, dict | None]) -> str:
    """What a note on a processor file not read says is planned: each limit a Qwen3-VL-family
    tower takes, from the file it was read from or assumed (model.config.processor: a file
    there but not read leaves its limit assumed, not another file's; the plan's assumption
    says the same, and the transformers 4.57 order's reading where it differs)."""
    limits = processor_limits(configs)
    said = ", ".join(
        f"{kind} limit {limit.max_pixels:,} px from {limit.source}" if limit is not None
        else f"{kind} limit {assumed:,} px assumed (unverified)"
        for kind, limit, assumed in (("image", limits.image, QWEN3_VL_MAX_PIXELS),
                                     ("video", limits.video, QWEN3_VL_VIDEO_MAX_PIXELS)))
    return (f"a Qwen3-VL-family tower (no other reads these files) plans the {said} "
            "(transformers 5.x's file order)")


def _unread_tokenizer(why: str, aside: str = "") -> str:
    """The note (ModelSource.tokenizer_problem) of a tokenizer_config.json that was not read."""
    return (f"{why}: its tokenizer is not read, so whether vLLM needs --trust-remote-code for "
            f"it is not known{aside}")


def _broken_cached_config(repo_id: str, revision: str | None) -> tuple[Path, str] | None:
    """The cached config.json of `revision` (main when None) and what it is, where the cache
    holds an entry under that name that is no file: a link whose blob is gone, a directory, a
    FIFO. try_to_load_from_cache reads such an entry as absent, and the message said "not in
    the local cache", though it is there, broken. None otherwise."""
    folder = Path(constants.HF_HUB_CACHE) / f"models--{repo_id.replace('/', '--')}"
    ref = revision or "main"
    sha = ref if _COMMIT_SHA.match(ref) else None
    if sha is None:
        try:  # a ref file written by huggingface_hub holds the commit sha alone
            sha = read_bounded(folder / "refs" / ref, 64).decode("ascii", "replace").strip()
        except JsonDocumentError:
            return None
    path = folder / "snapshots" / sha / CONFIG_FILE
    if not _COMMIT_SHA.match(sha) or not os.path.lexists(path):
        return None
    kind = not_regular_file(path)
    return None if kind is None else (path, "a link to a missing file"
                                      if kind.startswith("unreadable") else kind)


def _snapshot_sha(path: str) -> str | None:
    """The commit of a cached file: its snapshots/<sha>/ folder name."""
    name = Path(path).parent.name
    return name if _COMMIT_SHA.match(name) else None


def hub_offline() -> bool:
    """HF_HUB_OFFLINE as the client read it at import, or as the environment says now."""
    return constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "").upper() in _TRUE


def _deadline(deadline_s: float | None) -> float:
    """The overall deadline: the argument, else HEADROOM_HUB_DEADLINE_S, else 20 s."""
    raw = os.environ.get(DEADLINE_ENV) if deadline_s is None else deadline_s
    if raw is None:
        return DEFAULT_DEADLINE_S
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    # above a day is a typo; above threading.TIMEOUT_MAX (9,223,372,036 s) the wait raised
    # OverflowError ("timestamp out of range for platform time_t")
    if not math.isfinite(value) or not 0 < value <= MAX_DEADLINE_S:
        raise HubError(
            "invalid_setting",
            f"The hub deadline must be a positive number of seconds up to "
            f"{MAX_DEADLINE_S:,} (a day), got {raw!r} (argument deadline_s or {DEADLINE_ENV}).",
        )
    return value


def _auth(secret: str | None) -> str | bool:
    """The client's token argument: the token, or False (send none; None would let the
    client read HF_TOKEN or the stored login by itself)."""
    return secret or False


def _scrub(text: str, secret: str | None) -> str:
    """Text with the token (and anything token-shaped) masked."""
    if secret:
        text = text.replace(secret, "***")
    return _TOKEN_LIKE.sub("hf_***", text)
