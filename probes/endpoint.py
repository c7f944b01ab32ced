"""HF_ENDPOINT, checked before huggingface_hub is imported (probes.hub imports this first).

huggingface_hub parses HF_ENDPOINT at import (2.4: constants.py `urlsplit(ENDPOINT).hostname`,
utils/_http.py `_url_origin` reads `.port`), so a malformed one ("http://[::1",
"http://host:99999") raised ValueError from the import of probes.hub: every CLI command and
the app failed with a traceback, a local config.json included. Such a value is taken out of
the environment before the import (the client then reads its default, which no request uses:
probes.hub refuses every hub look-up with ENDPOINT_PROBLEM), so files and the bundled catalog
still answer.
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
