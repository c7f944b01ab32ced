"""The Plan page's "EAGLE-3 drafter" (the CLI's --speculative-model, link key drafter) under
More vLLM options, read through the hub edge the Model page uses: the figures move by the
drafter's, hand-worked in tests/planner/serving/test_eagle.py (SpecForge's Qwen3-32B drafter at
TP 2: 806,389,760 B of weights a GPU; its KV layer, 4 KV heads a GPU x (80 + 80) x 2 B, adds
1,280 B a token to Qwen3-32B's 64 x 2 x 4 x 128 x 2 B = 131,072 B); a drafter that cannot be
read or is not sized is replaced by none with the CLI's one line, never a traceback; the
Compare and Recommend pages plan with it.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.conftest import (
    launch_command,
    metric,
    more_options,
    open_link,
    open_page,
    texts,
    weights_bytes,
)
from tests.hubserver import FakeFile, FakeHub, FakeRepo, client_env
from tests.planner.serving.test_eagle import QWEN3_32B_DRAFTER

ROOT = Path(__file__).resolve().parents[2]
DRAFTER = "acme/qwen3-32b-eagle3"
PLAN = {"model": "Qwen/Qwen3-32B", "gpu": "h100-sxm", "gpn": "2", "tp": "2"}
CONFIG = json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8"))


def test_the_drafter_moves_the_figures_and_the_link_keeps_it(hub_reply) -> None:
    hub_reply(DRAFTER, CONFIG)
    at = open_page(None, **PLAN)
    plain_weights = weights_bytes(at)
    assert metric(at, "KV bytes/token per GPU") == "131,072 B"
    at.text_input(key="plan.speculative_model").set_value(DRAFTER).run()
    at.number_input(key="plan.num_speculative_tokens").set_value(3).run()
    assert not at.exception
    # its weights (tests/planner/serving/test_eagle.py) and its own rotary cache, head_dim 80
    # not the target's 128: 40,960 positions x 80 x 2 B = 6,553,600 B
    assert weights_bytes(at) - plain_weights == 806_389_760 + 6_553_600
    assert metric(at, "KV bytes/token per GPU") == "132,352 B"
    assert ('--speculative-config \'{"method": "eagle3", "model": "acme/qwen3-32b-eagle3", '
            '"num_speculative_tokens": 3}\'') in launch_command(at)
    assert (at.query_params["drafter"], at.query_params["spec"]) == (DRAFTER, "3")
    assert "drafmethod" not in at.query_params  # eagle3, the default, is left out
    # the link reproduces the plan, both settings counted on the folded options
    linked = open_page(None, **PLAN, drafter=DRAFTER, spec="3")
    assert weights_bytes(linked) == weights_bytes(at)
    assert launch_command(linked) == launch_command(at)
    assert more_options(linked) == "More vLLM options (2 set)"


@pytest.mark.parametrize(("change", "words"), [
    # malformed: a config key that changes the head Headroom sizes
    ({"norm_before_fc": True}, "sets norm_before_fc, which changes the EAGLE-3 head"),
    # a drafter Headroom does not size: qwen3_eagle3.py's
    ({"architectures": ["Qwen3ForCausalLM"]}, "a module other than llama_eagle3.py"),
    # one vLLM builds and fails at its first draft step: a draft vocabulary past the
    # vocabulary (151,936), whose draft ids 151,936 and up index past the logits row
    ({"draft_vocab_size": 151_937}, "has draft_vocab_size 151,937, more than its vocab_size "
     "151,936: vLLM builds it but fails at the first draft step"),
])
def test_a_drafter_headroom_does_not_size_is_replaced_in_the_clis_words(
        hub_reply, change, words) -> None:
    hub_reply(DRAFTER, {**CONFIG, **change})
    at = open_page(None, **PLAN, drafter=DRAFTER, spec="3")
    assert not at.exception
    page = texts(at)
    assert f"EAGLE-3 drafter = {DRAFTER} is not possible here: " in page and words in page
    assert "Showing EAGLE-3 drafter = none instead." in page
    assert "--speculative-config" not in launch_command(at) and "drafter" not in at.query_params
    # its draft tokens go with it, said so: kept, they were refused as MTP tokens, "vLLM
    # refuses --speculative-config method mtp for Qwen/Qwen3-32B", a method never asked for
    assert "they were the EAGLE-3 drafter's, which is replaced by none, not MTP's." in page
    assert "Unsupported speculative method" not in page and at.query_params["spec"] == "0"
    assert metric(at, "KV bytes/token per GPU") == "131,072 B"


@pytest.mark.parametrize("page", [None, "compare", "recommend", "report"])  # a link to each
def test_a_drafter_named_with_a_control_character_is_echoed_quoted(page) -> None:
    # drafter=acme/d%00: "EAGLE-3 drafter = acme/d<NUL> is not possible here" showed it raw
    query = {**PLAN, "drafter": "acme/d\x00", "spec": "3"}
    at = open_page(None, **query) if page is None else open_link(page, **query)
    assert not at.exception
    page_text = texts(at)
    assert "\x00" not in page_text
    # repr's backslash Markdown-escaped, as the reason after it quotes it
    assert "EAGLE-3 drafter = 'acme/d\\\\x00' is not possible here: " in page_text


def test_a_local_path_is_refused_as_the_model_pages(hub_reply) -> None:
    at = open_page(None, **PLAN, drafter="/models/drafter")
    assert not at.exception
    assert "'/models/drafter' looks like a local path; the app takes Hugging Face repo ids" \
        in texts(at)


def test_the_compare_and_recommend_pages_plan_with_it(hub_reply) -> None:
    hub_reply(DRAFTER, CONFIG)
    compare = open_page("compare", **PLAN, drafter=DRAFTER, spec="3",
                        cmp="Qwen/Qwen3-32B,Qwen/Qwen3-8B")
    assert not compare.exception
    assert compare.text_input(key="compare.speculative_model").value == DRAFTER
    page = texts(compare)
    # the caption's flag as code, its JSON Markdown-escaped
    assert ('`--speculative-config` \'\\{"method": "eagle3", "model": '
            '"acme/qwen3-32b-eagle3", "num_speculative_tokens": 3\\}\' on every model') in page
    # Qwen3-8B (hidden 4,096) cannot take it: its row's error, in the planner's words
    assert "has hidden_size 5,120, Qwen/Qwen3-8B 4,096" in page
    recommend = open_page("recommend", **PLAN, drafter=DRAFTER, spec="3")
    assert not recommend.exception
    assert recommend.text_input(key="recommend.speculative_model").value == DRAFTER
    recommend.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    recommend.number_input(key="recommend.context").set_value(8192).run()
    recommend.button(key="recommend.run").click().run()
    assert not recommend.exception
    assert recommend.code[0].value.replace(" \\\n  ", " ").endswith(
        '--speculative-config \'{"method": "eagle3", "model": "acme/qwen3-32b-eagle3", '
        '"num_speculative_tokens": 3}\'')


VISITS = """
import json, sys
from probes.snapshot import load_snapshot
from tests.app.conftest import SNAPSHOTS, open_page, texts
from ui import io

io.take_snapshot = lambda: load_snapshot(SNAPSHOTS / "no-gpu-vm.json")  # GPU-less, as ever
pages = {d: open_page(None, **json.loads(sys.argv[1]), drafter=d, spec="3")
         for d in json.loads(sys.argv[2])}
print(json.dumps({d: [bool(at.exception), texts(at)] for d, at in pages.items()}))
"""


def test_an_unknown_or_gated_drafter_repo_says_so(tmp_path: Path) -> None:
    # the real client against the local fake hub (tests/hubserver.py): the hub's errors, in
    # the CLI's words (probes.hub)
    hub = FakeHub({"acme/gated": FakeRepo({"config.json": FakeFile(
        QWEN3_32B_DRAFTER.read_bytes())}, gated=True)})
    try:
        # The bound only stops a hung run from hanging the suite; it is not a timing.
        proc = subprocess.run([sys.executable, "-c", VISITS, json.dumps(PLAN),
                               json.dumps(["acme/gated", "acme/missing"])],
                              cwd=ROOT, env=client_env(hub.url, tmp_path), capture_output=True,
                              text=True, timeout=300)
    finally:
        hub.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    for drafter, words in (("acme/gated", "acme/gated is gated: accept its licence at "),
                           ("acme/missing", "No model repo acme/missing on ")):
        exception, page = seen[drafter]
        assert not exception
        assert f"EAGLE-3 drafter = {drafter} is not possible here: " in page, page
        assert words in page, page


def test_a_drafter_rope_theta_nan_is_warned_on_the_page(hub_reply) -> None:
    # as the CLI's plan warns (tests/planner/serving/test_eagle.py): the drafter is planned,
    # and the page says its rope_theta gives NaN frequencies
    hub_reply(DRAFTER, {**CONFIG, "rope_theta": float("nan")})
    at = open_page(None, **PLAN, drafter=DRAFTER, spec="3")
    assert not at.exception
    warned = [w.value for w in at.warning if "rope_theta nan" in w.value]
    assert len(warned) == 1 and warned[0].startswith(
        f"the drafter config of {DRAFTER}: rope_theta nan: vLLM's rotary embedding")
