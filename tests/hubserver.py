"""A local fake of the Hugging Face Hub routes that huggingface_hub 2.x calls, for tests.

Routes (read from huggingface_hub's hf_api.py / file_download.py / utils/_http.py):
- GET /api/models/{repo}[/revision/{rev}]  model_info: {"id", "sha", "siblings": [...]}
- HEAD|GET /{repo}/resolve/{rev}/{path}     with X-Repo-Commit, ETag, Content-Length; Range reads
  (safetensors headers) answer 206. Errors carry X-Error-Code (RepoNotFound, GatedRepo,
  RevisionNotFound, EntryNotFound) as the hub does; hf_raise_for_status maps them.
Large safetensors files are virtual: a real header, then zeros up to the declared size, so a
full download would be noticed in `requests` (only Range reads are expected).
"""

import hashlib
import json
import os
import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class FakeFile:
    """File content, padded with zeros up to size_bytes (so huge shards cost nothing)."""

    data: bytes
    size_bytes: int | None = None

    @property
    def size(self) -> int:
        return max(len(self.data), self.size_bytes or 0)

    def read(self, start: int, end: int) -> bytes:
        """Bytes start..end inclusive, zeros past the real data."""
        end = min(end, self.size - 1)
        chunk = self.data[start : end + 1]
        return chunk + b"\0" * (end + 1 - start - len(chunk))


@dataclass
class FakeRepo:
    """One model repo: files, commit, and access rules."""

    files: dict[str, FakeFile]
    sha: str = "0123456789abcdef0123456789abcdef01234567"
    private: bool = False
    gated: bool = False
    tokens: frozenset[str] = frozenset()
    """Tokens that may read a private repo or have accepted a gated repo's licence."""
    behaviour: str = "normal"
    """normal | hang (accept, never answer) | hang_weights (only *.safetensors* hang) |
    error500 (every route answers 500) | html (every route answers 200 with a web page, as a
    captive portal or a wrong HF_ENDPOINT does) | png (200 with an image) | plain404 (404
    without the hub's X-Error-Code, as any web server that is not a hub answers) |
    rate_limited (every route answers 429) | redirect_loop (every route redirects to itself) |
    bad_gzip (200 declaring gzip, not gzip) | short_body (a file's body stops half-way through
    its Content-Length)."""
    model_info: bytes | None = None
    """The model info route's body (JSON of another shape, say) instead of the repo's own."""


@dataclass
class FakeHub:
    """A ThreadingHTTPServer on 127.0.0.1 serving `repos`; `requests` logs what was asked."""

    repos: dict[str, FakeRepo]
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        hub = self
        self._release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hub._handle(self, body=True)

            def do_HEAD(self) -> None:
                hub._handle(self, body=False)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Close the port (later connections are refused) and free any hanging handler."""
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, req: BaseHTTPRequestHandler, body: bool) -> None:
        path = urlsplit(req.path).path
        self.requests.append((req.command, path, dict(req.headers)))
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["api", "models"] and len(parts) >= 4:
            repo_id, rest = "/".join(parts[2:4]), parts[4:]
            revision = rest[1] if rest[:1] == ["revision"] and len(rest) == 2 else "main"
            self._route(req, body, repo_id, revision, None)
        elif len(parts) >= 5 and parts[2] == "resolve":
            self._route(req, body, "/".join(parts[:2]), parts[3], "/".join(parts[4:]))
        else:
            _send(req, 404, body=b"no such route" if body else b"")

    def _route(self, req, body: bool, repo_id: str, revision: str, filename: str | None) -> None:
        repo = self.repos.get(repo_id)
        if repo is None:
            return _error(req, 404, "RepoNotFound", "Repository not found")
        weights = filename is not None and ".safetensors" in filename
        if repo.behaviour == "hang" or (repo.behaviour == "hang_weights" and weights):
            self._release.wait()
            return None
        if repo.behaviour == "error500":
            return _error(req, 500, None, "Internal Error")
        if repo.behaviour == "tokenizer403" and filename == "tokenizer_config.json":
            return _error(req, 403, None, "Forbidden")  # that one file only
        if repo.behaviour == "rate_limited":
            return _error(req, 429, None, "You have been rate-limited")
        if repo.behaviour == "redirect_loop":
            return _send(req, 302, {"Location": req.path})
        if repo.behaviour == "bad_gzip":
            headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
            return _send(req, 200, headers, b"not gzip" if body else b"")
        if repo.behaviour in NOT_A_HUB:
            content_type, data = NOT_A_HUB[repo.behaviour]
            status = 404 if repo.behaviour == "plain404" else 200
            return _send(req, status, {"Content-Type": content_type}, data if body else b"")
        token = req.headers.get("authorization", "").removeprefix("Bearer ")
        allowed = token in repo.tokens
        if repo.private and not allowed:
            return _error(req, 401, "RepoNotFound", "Invalid username or password.")
        if revision not in ("main", repo.sha):
            return _error(req, 404, "RevisionNotFound", "Invalid rev id")
        if filename is None and repo.model_info is not None:
            headers = {"Content-Type": "application/json"}
            return _send(req, 200, headers, repo.model_info if body else b"")
        if filename is None:
            return _send_json(req, body, _model_info(repo_id, repo))
        if repo.gated and not allowed:
            status = 403 if token else 401
            return _error(req, status, "GatedRepo", "Access to this model is restricted.")
        file = repo.files.get(filename)
        if file is None:
            return _error(req, 404, "EntryNotFound", "Entry not found", commit=repo.sha)
        return _send_file(req, body, repo, file)


NOT_A_HUB = {
    "html": ("text/html", b"<!doctype html><html><body><h1>Sign in to the Wi-Fi</h1></body>"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\xff\xfe"),
    "plain404": ("text/html", b"<html><body>404 Not Found</body></html>"),
}
"""What a server that is not the hub answers: (content type, body) per behaviour."""


def _model_info(repo_id: str, repo: FakeRepo) -> dict:
    siblings = [{"rfilename": name, "size": f.size} for name, f in sorted(repo.files.items())]
    return {"id": repo_id, "sha": repo.sha, "private": repo.private, "siblings": siblings}


def _send(req, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
    req.send_response(status)
    for key, value in (headers or {}).items():
        req.send_header(key, value)
    if "Content-Length" not in (headers or {}):
        req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


def _send_json(req, body: bool, payload: dict) -> None:
    data = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(data))}
    _send(req, 200, headers, data if body else b"")


def _error(req, status: int, code: str | None, message: str, commit: str | None = None) -> None:
    headers = {"X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    if commit:
        headers["X-Repo-Commit"] = commit
    _send(req, status, headers)


def _send_file(req, body: bool, repo: FakeRepo, file: FakeFile) -> None:
    etag = hashlib.sha256(file.data + str(file.size).encode()).hexdigest()
    headers = {"X-Repo-Commit": repo.sha, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
    span = req.headers.get("Range", "").removeprefix("bytes=")
    if span and body:
        start, _, end = span.partition("-")
        first, last = int(start), min(int(end or file.size - 1), file.size - 1)
        headers["Content-Range"] = f"bytes {first}-{last}/{file.size}"
        headers["Content-Length"] = str(last - first + 1)
        return _send(req, 206, headers, file.read(first, last))
    headers["Content-Length"] = str(file.size)
    data = file.read(0, file.size - 1) if body else b""
    if repo.behaviour == "short_body":  # the connection closes after half the body
        data = data[: len(data) // 2]
    return _send(req, 200, headers, data)


def safetensors_file(tensors: dict[str, tuple[str, list[int]]], widths: dict) -> FakeFile:
    """A virtual safetensors file: 8-byte little-endian header length + JSON header, then
    zeros for the (dtype, shape) tensors' data."""
    header, offset = {}, 0
    for name, (dtype, shape) in tensors.items():
        count = 1
        for dim in shape:
            count *= dim
        size = count * widths[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    return FakeFile(struct.pack("<Q", len(raw)) + raw, size_bytes=8 + len(raw) + offset)


class Socks5Proxy:
    """A SOCKS5 proxy on 127.0.0.1 (RFC 1928: no authentication, CONNECT to an IPv4 address or
    a host name) relaying to wherever it is asked; `targets` logs each (host, port), so a test
    sees that the client went through it."""

    def __init__(self) -> None:
        proxy = self
        self.targets: list[tuple[str, int]] = []

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._relay(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"socks5://{host}:{port}"

    def stop(self) -> None:
        """Close the port."""
        self._server.shutdown()
        self._server.server_close()

    def _relay(self, client: socket.socket) -> None:
        _, methods = _recv(client, 2)  # version 5, the number of methods offered
        _recv(client, methods)
        client.sendall(b"\x05\x00")  # no authentication
        _, _, _, address_type = _recv(client, 4)  # version, CONNECT, reserved, address type
        if address_type == 1:
            host = socket.inet_ntoa(_recv(client, 4))
        else:  # 3: a host name, length first
            host = _recv(client, _recv(client, 1)[0]).decode()
        (port,) = struct.unpack(">H", _recv(client, 2))
        self.targets.append((host, port))
        with socket.create_connection((host, port)) as upstream:
            client.sendall(b"\x05\x00\x00\x01" + bytes(6))  # succeeded, bound 0.0.0.0:0
            threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()
            _pump(client, upstream)


def _recv(sock: socket.socket, size: int) -> bytes:
    """Exactly `size` bytes from `sock`."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed mid-message")
        data += chunk
    return data


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy `source` to `sink` until either closes."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass


def client_env(url: str, hf_home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh interpreter whose huggingface_hub uses the fake hub at `url`
    (read once at import) and `hf_home` as its cache, with none of the caller's HF_/HEADROOM_
    settings or proxies; `extra` is added (HF_TOKEN, HEADROOM_HUB_DEADLINE_S, ...)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGINGFACE_", "HEADROOM_")) and "proxy" not in k.lower()}
    return {**env, "HF_ENDPOINT": url, "HF_HOME": str(hf_home), "HF_HUB_DISABLE_TELEMETRY": "1",
            "NO_PROXY": "127.0.0.1", "PYTHONPATH": str(ROOT), **extra}
