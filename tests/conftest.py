"""Shared test helpers: `ref_config(name)` loads a reference config from tests/fixtures/configs,
load_remote_code_config() the hand-made config of tests/fixtures/remote_code, catalog_spec(repo_id)
parses a bundled catalog entry.

No test touches the network: a repo id whose catalog entry is not verbatim asks the hub first
(probes.hub.resolve_model), so HF_HUB_OFFLINE=1 (no request at all, not even a refused
connection) and an empty HF_HOME (no cache or stored login of the machine's) are set here,
before huggingface_hub is imported (it reads them once), for this process and every
subprocess. Tests of the hub path give their client the local fake hub (tests/hubserver.py,
client_env), which drops both.
"""

import atexit
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

_HF_HOME = tempfile.mkdtemp(prefix="headroom-tests-hf-")
atexit.register(shutil.rmtree, _HF_HOME, ignore_errors=True)
os.environ.update(HF_HUB_OFFLINE="1", HF_HOME=_HF_HOME)
for _name in ("HF_HUB_CACHE", "HF_ENDPOINT", "HF_TOKEN", "HUGGINGFACE_HUB_CACHE"):
    os.environ.pop(_name, None)

CONFIG_DIR = Path(__file__).resolve().parent / "fixtures" / "configs"
REMOTE_CODE_CONFIG = CONFIG_DIR.parent / "remote_code" / "config.json"
"""A hand-made config: a Llama-sized decoder under an architecture no vLLM has
(AcmeForCausalLM), whose auto_map names the repository's own code (configuration_acme.AcmeConfig,
modeling_acme.AcmeForCausalLM). Not a real model's, so not among CONFIG_DIR's references."""


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def load_ref_config(name: str) -> tuple[dict, dict | None]:
    """(config.json, hf_quant_config.json or None) of a reference model, e.g. 'Qwen__Qwen3-8B'."""
    config = _read_json(CONFIG_DIR / f"{name}.json")
    quant_path = CONFIG_DIR / f"{name}.hf_quant_config.json"
    return config, _read_json(quant_path) if quant_path.exists() else None


def load_remote_code_config() -> dict:
    """REMOTE_CODE_CONFIG, read afresh (callers change their copy)."""
    return _read_json(REMOTE_CODE_CONFIG)


@pytest.fixture
def ref_config():
    """The loader above as a fixture: ref_config('Qwen__Qwen3-8B') -> (config, quant)."""
    return load_ref_config


V100_WHEELS = ("vLLM's prebuilt wheels hold no CUDA code for compute capability 7.0 "
               "(Tesla V100-SXM2-32GB) on vLLM ")
"""How a V100 plan on vLLM 0.20 and later begins its errors (startup.wheel_arch: those wheels
and the PyTorch they pin are CUDA 13 builds for 7.5 and up)."""


def past_v100_wheels(errors, node: str = "") -> list[str]:
    """A V100 plan's errors on vLLM 0.20 and later after the wheels' refusal, which must come
    first (`node`: the prefix naming a later node, "Node 1 (n1, Tesla V100-SXM2-32GB): "): the
    rules vLLM's Python would meet next."""
    assert errors[0].startswith(node + V100_WHEELS), errors[0]
    return list(errors[1:])


STREAMLIT_AUTOLINKS = (re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.IGNORECASE | re.ASCII),
                       re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.ASCII))
r"""What Streamlit 1.67.0 links in a text node after its escapes are read (its bundle
static/js/StreamlitMarkdown.*.js, mdast-util-gfm-autolink-literal's transform: URLs
/(https?:\/\/|www(?=\.))([-.\w]+)([^ \t\r\n]*)/gi and e-mail addresses
/(?<=^|\s|\p{P}|\p{S})([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)/gu; here without the look-behind, so
stricter): a backslash before ':', '.' or '@' does not stop it."""
