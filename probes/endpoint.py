"""HF_ENDPOINT and the hub timeouts, checked before huggingface_hub is imported (probes.hub
imports this first).

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
from urllib.parse import urlsplit

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
