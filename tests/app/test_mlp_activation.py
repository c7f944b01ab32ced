"""The Plan page for a Llama-architecture config.json whose hidden_act is "gelu": vLLM's
llama.py LlamaMLP refuses it in every release 0.9.1-0.34.0
(planner.serving.mlp_activation), so the page says it does not fit, in vLLM's words, with no
traceback."""

import pytest

from tests.app.conftest import open_page
from tests.cli.tiny_model import TINY_CONFIG

GELU_LLAMA = "acme/Tiny-Llama-gelu"


@pytest.fixture(autouse=True)
def gelu_hub(hub_reply):
    hub_reply(GELU_LLAMA, {**TINY_CONFIG, "hidden_act": "gelu"})


def test_the_plan_page_says_vllm_refuses_the_activation() -> None:
    at = open_page(None, model=GELU_LLAMA, gpu="h100-sxm", gpn="1", vllm="0.19.0")
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Does not fit: ValueError: Unsupported activation: gelu. Only silu is supported for "
        "now. (vLLM 0.19.0 builds LlamaForCausalLM's MLPs as "
        "vllm/model_executor/models/llama.py LlamaMLP, which raises this for any config.json "
        "hidden_act but \"silu\" in every release 0.9.1-0.34.0.)"]
    assert not at.success
