"""A server's own Hugging Face token never serves a visitor unless the operator allows it.

The app runs under AppTest in a fresh interpreter per server setting (huggingface_hub reads
HF_ENDPOINT at import) against the local fake hub (tests/hubserver.py, the real client), with
the server's HF_TOKEN in its environment and a private repo that needs that very token.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hubserver import FakeFile, FakeHub, FakeRepo, client_env

ROOT = Path(__file__).resolve().parents[2]
SERVER_TOKEN = "hf_ServerOperatorsOwnToken0123456789abc"
PRIVATE = "acme/private-model"

VISITORS = """
import json, os, sys
from streamlit import config
from streamlit.testing.v1 import AppTest
from probes.snapshot import load_snapshot
from ui import io

args = json.loads(sys.argv[1])
snapshot = load_snapshot("tests/fixtures/snapshots/no-gpu-vm.json")
io.take_snapshot = lambda: snapshot  # this machine as GPU-less, as every app test sees it


def visit(setting, address, token):
    os.environ.pop("HEADROOM_SERVER_TOKEN", None)
    if setting is not None:
        os.environ["HEADROOM_SERVER_TOKEN"] = setting
    config.set_option("server.address", address)
    at = AppTest.from_file("app.py", default_timeout=60)
    at.query_params["model"] = args["model"]
    at.run()
    if token:  # the visitor types their own token on the Model page, then fetches
        at.switch_page("ui/pages/model.py").run()
        at.text_input(key="model.token").set_value(token).run()
        at.text_input(key="model.repo").input(args["model"])  # a form: sent with its button
        at.button(key="model.fetch").click().run()
    texts = [e.value for e in (*at.sidebar.markdown, *at.error)]
    return {"model_shown": f"**{args['model']}**" in texts, "errors": [e.value for e in at.error]}


print(json.dumps([visit(*visitor) for visitor in args["visitors"]]))
"""


@pytest.fixture(scope="module")
def hub():
    config = (ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-8B.json").read_bytes()
    server = FakeHub(
        {PRIVATE: FakeRepo({"config.json": FakeFile(config)}, private=True,
                           tokens=frozenset({SERVER_TOKEN, "hf_VisitorsOwnToken9876543210xyz"}))}
    )
    yield server
    server.stop()


def visitors(hub: FakeHub, tmp_path: Path, visits: list[tuple]) -> list[dict]:
    """Fresh sessions, one per (HEADROOM_SERVER_TOKEN, server.address, token the visitor types)
    (None: unset, streamlit's default, none), on one server whose environment holds HF_TOKEN."""
    env = client_env(hub.url, tmp_path, HF_TOKEN=SERVER_TOKEN)
    args = {"model": PRIVATE, "visitors": visits}
    # The bound only stops a hung run from hanging the suite; it is not a timing.
    proc = subprocess.run([sys.executable, "-c", VISITORS, json.dumps(args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert SERVER_TOKEN not in proc.stdout
    return out


def test_the_server_token_serves_visitors_only_where_the_operator_lets_it(hub, tmp_path):
    own = "hf_VisitorsOwnToken9876543210xyz"
    visits = [
        # Streamlit's default address (every interface), no setting: refused; a visitor who
        # types their own token gets in; the next visitor without one is refused again (the
        # answer fetched with a token is not shared with sessions without it).
        (None, None, None), (None, None, own), (None, None, None),
        (None, "0.0.0.0", None), ("yes-please", None, None),  # unknown value: deny
        ("deny", "127.0.0.1", None),  # the operator's deny wins over loopback
    ]
    refused = visitors(hub, tmp_path, visits)
    assert [v["model_shown"] for v in refused] == [False, True, False, False, False, False]
    assert any("private" in e for e in refused[0]["errors"])
    assert all(h.get("authorization") != f"Bearer {SERVER_TOKEN}" for _, _, h in hub.requests)
    # Opt-in, or a server that only this machine can reach (loopback): the server's token.
    lent = visitors(hub, tmp_path, [("allow", None, None), (None, "127.0.0.1", None),
                                    (None, "localhost", None), (None, "::1", None)])
    assert [v["model_shown"] for v in lent] == [True, True, True, True]
    assert any(h.get("authorization") == f"Bearer {SERVER_TOKEN}" for _, _, h in hub.requests)


def test_a_typed_token_no_request_can_carry_is_named(hub, tmp_path):
    """A zero-width space pasted with the visitor's token (str.strip keeps it): the client's
    UnicodeEncodeError was shown as the hub answering something that is not JSON."""
    typed = visitors(hub, tmp_path, [(None, None, "\u200bhf_VisitorsOwnToken9876543210xyz")])
    assert typed[0]["model_shown"] is False
    assert any("The access token entered holds U+200B (ZERO WIDTH SPACE) at character 1, which "
               "an HTTP request cannot carry" in e for e in typed[0]["errors"]), typed
    assert not any("not JSON" in e or "VisitorsOwnToken" in e for e in typed[0]["errors"])
