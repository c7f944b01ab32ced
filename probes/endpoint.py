"""HF_ENDPOINT and the hub timeouts, checked before huggingface_hub is imported (probes.hub
imports this first); HF_ENDPOINT and the proxy settings again as its transport reads them,
before the first request (request_problem).

huggingface_hub parses HF_ENDPOINT at import (2.4: constants.py `urlsplit(ENDPOINT).hostname`,
utils/_http.py `_url_origin` reads `.port`), so a malformed one ("http://[::1",
"http://host:99999") raised ValueError from the import of probes.hub: every CLI command and
the app failed with a traceback, a local config.json included. Such a value is taken out of
the environment before the import (the client then reads its default, which no request uses:
probes.hub refuses every hub look-up with ENDPOINT_PROBLEM), so files and the bundled catalog
still answer.

HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT are read with int() at the same import (2.4:
constants.py `_as_int`), so "abc", "30.5" or an empty value raised ValueError there too: such a
value is taken out the same way (the client reads its default) and every hub look-up refuses
with SETTING_PROBLEM.
"""

import os
import re
from importlib.util import find_spec
from urllib.parse import urlsplit
from urllib.request import getproxies

ENDPOINT_ENV = "HF_ENDPOINT"


def endpoint_problem(value: str | None) -> str | None:
    """Why an HF_ENDPOINT value cannot be the hub's address, or None (unset, or an http(s) URL
    with a host and a valid port)."""
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        scheme, host, _ = parts.scheme, parts.hostname, parts.port  # .port checks the port
    except ValueError as exc:
        return f"{ENDPOINT_ENV} {value!r} is not a URL ({exc})"
    if scheme not in ("http", "https") or not host:
        return f"{ENDPOINT_ENV} {value!r} is not an http(s) URL with a host"
    return None


ENDPOINT_PROBLEM = endpoint_problem(os.environ.get(ENDPOINT_ENV))
"""Why HF_ENDPOINT was refused at import, or None; the message every hub look-up then raises."""
if ENDPOINT_PROBLEM is not None:
    del os.environ[ENDPOINT_ENV]

TIMEOUT_ENVS = ("HF_HUB_ETAG_TIMEOUT", "HF_HUB_DOWNLOAD_TIMEOUT")
"""huggingface_hub's settings its constants.py reads with int() at import (2.4: `_as_int`)."""


def timeout_problem(name: str, value: str | None) -> str | None:
    """Why a TIMEOUT_ENVS value makes huggingface_hub's import fail, or None (unset, or what
    int() reads: " 10 ", "0")."""
    if value is None:
        return None
    try:
        int(value)
    except ValueError:
        return (f"{name} {value!r} is not a whole number of seconds, which huggingface_hub "
                f"reads it as: set {name} to one (e.g. 10), or unset it")
    return None


_TIMEOUT_PROBLEMS = {name: problem for name in TIMEOUT_ENVS
                     if (problem := timeout_problem(name, os.environ.get(name)))}
SETTING_PROBLEM = next(iter(_TIMEOUT_PROBLEMS.values()), None)
"""Why a hub timeout setting was refused at import, or None; every hub look-up then raises it
(the first, when both are malformed)."""
for _name in _TIMEOUT_PROBLEMS:
    del os.environ[_name]

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
"""The proxy schemes the hub client's transport takes (httpx2 2.16 _config.py Proxy; socks5 and
socks5h through the socksio package, a requirement: httpx2[socks])."""
_PASSWORD = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*://)?[^/@:]*:)[^/@]*@")


def request_problem(endpoint: str) -> str | None:
    """Why the hub client cannot send a request to `endpoint` (HF_ENDPOINT as it read it) or
    through a proxy it reads from the environment, or None; the message names the setting.

    Checked before the first request, with the transport's own URL class (httpx2.URL, so it
    loads httpx2: call it at a look-up, not at import). Each was a traceback or an answer
    blamed on the hub though nothing was sent: httpx2's InvalidURL (an IPv4 part over 255, a
    proxy port that is not a number), the socket's idna encoding refusing an empty or
    over-63-character label ("a..b", UnicodeError, called "not JSON"), httpx2's ValueError for
    a proxy scheme it does not speak (ftp://, also called "not JSON") and its ImportError for
    a SOCKS proxy without socksio.
    """
    problem = _url_problem(ENDPOINT_ENV, endpoint, ("http", "https"))
    if problem:
        return (f"{problem}: set {ENDPOINT_ENV} to the hub's address (https://huggingface.co "
                "or a mirror), or unset it.")
    for name, value, url in _proxy_settings():
        problem = _url_problem(name, value, PROXY_SCHEMES, url)
        if problem:
            return f"{problem}: set {name} to your proxy's URL (http://host:port), or unset it."
        if url.lower().startswith("socks") and find_spec("socksio") is None:
            return (f"{name} {_masked(value)!r} is a SOCKS proxy, which the Hugging Face client "
                    "reaches only with the socksio package, a requirement of Headroom's: "
                    f"pip install -r requirements.txt, or unset {name}.")
    return None


def _url_problem(name: str, value: str, schemes: tuple[str, ...], url: str | None = None
                 ) -> str | None:
    """Why setting `name` (`value`; `url` as the client reads it, when it adds a scheme)
    is no URL of `schemes` with a host the transport can connect to, or None."""
    import httpx2  # the client's transport

    shown, target = _masked(value), url or value
    try:  # .port refuses 99999, which httpx2 takes and the socket then refuses
        parsed, _ = httpx2.URL(target), urlsplit(target).port
    except (httpx2.InvalidURL, ValueError) as exc:
        return f"{name} {shown!r} is not a URL ({exc})"
    if parsed.scheme not in schemes or not parsed.host:
        kinds = ", ".join(schemes[:-1]) + f" or {schemes[-1]}"
        return f"{name} {shown!r} is not an {kinds} URL with a host"
    try:  # how the socket names the host to the resolver
        parsed.raw_host.decode("ascii").encode("idna")
    except UnicodeError:
        return (f"{name} {shown!r} has an invalid host name {parsed.host!r} (a dot-separated "
                "part is empty or over 63 characters)")
    return None


def _proxy_settings() -> list[tuple[str, str, str]]:
    """(setting, its value, the proxy URL) of each proxy the hub client's transport builds:
    httpx2 2.16 _utils.get_environment_proxies takes urllib's getproxies() for http, https and
    all (a value without '://' as http://), and none at all under NO_PROXY=*."""
    found = getproxies()
    if "*" in (host.strip() for host in found.get("no", "").split(",")):
        return []
    return [(_proxy_name(scheme, value), value, value if "://" in value else f"http://{value}")
            for scheme in ("http", "https", "all") if (value := found.get(scheme))]


def _proxy_name(scheme: str, value: str) -> str:
    """The variable urllib read the `scheme` proxy from (the lower-case one first, as it
    prefers it), for messages."""
    return next((name for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY")
                 if os.environ.get(name) == value), f"the system's {scheme} proxy setting")


def _masked(value: str) -> str:
    """A proxy URL as a message shows it: a password in it masked."""
    return _PASSWORD.sub(r"\1***@", value)
