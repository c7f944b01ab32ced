"""The app's error box for a pooling model (vLLM 0.34.0's registry.py _EMBEDDING_MODELS lists
the headless LlamaModel; planner.serving.pooling): one line, where the Plan page planned it
as a generator on the Transformers backend ("has no model class of its own for LlamaModel")
and the Compare page listed its figures."""

import pytest

from tests.app.conftest import open_page
from tests.conftest import load_ref_config

EMBED = "acme/llama-embed"
"""Llama 3.1 8B's config (tests/fixtures/configs) under architectures ["LlamaModel"]."""
LINE = ("vLLM 0.34.0 serves LlamaModel as a pooling model (embeddings, classes, scores or "
        "rewards: model_executor/models/registry.py \\_EMBEDDING_MODELS; `vllm serve "
        "--runner pooling`); Headroom plans text generation only.")
"""The line as Markdown (planner.text.md_escape: a word's leading _ escaped, `...` as code)."""


@pytest.fixture(autouse=True)
def embed_hub(hub_reply):
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    hub_reply(EMBED, config | {"architectures": ["LlamaModel"]})


def test_the_plan_page_refuses_a_pooling_model_in_one_line() -> None:
    at = open_page(None, model=EMBED, gpu="h100-sxm", gpn="1")
    assert not at.exception
    assert [e.value for e in at.error] == ["Cannot plan this: " + LINE]
    assert not [w for w in at.warning if "no model class of its own" in w.value]


def test_the_compare_page_names_it_beside_the_model_planned() -> None:
    at = open_page("compare", cmp=f"{EMBED},Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1")
    assert not at.exception
    assert [e.value for e in at.error] == [f"{EMBED}: " + LINE]
