"""The Plan page's warning for an architecture the sidebar's vLLM release dropped: vLLM's own
refusal (registry.py _PREVIOUSLY_SUPPORTED_MODELS, 0.25.0-0.34.0: "AquilaForCausalLM":
"0.24.0"), and the release to pick, in the app's words (the CLI says --vllm-version)."""

import pytest

from tests.app.conftest import open_page
from tests.conftest import load_remote_code_config

AQUILA = "acme/Aquila-1B"
"""tests/fixtures/remote_code's Llama-sized config as AquilaForCausalLM, model_type aquila,
with auto_map's AutoConfig only (no model code)."""


@pytest.fixture(autouse=True)
def aquila_hub(hub_reply):
    hub_reply(AQUILA, load_remote_code_config() | {
        "architectures": ["AquilaForCausalLM"], "model_type": "aquila",
        "auto_map": {"AutoConfig": "configuration_aquila.AquilaConfig"}})


def test_the_warning_quotes_vllm_and_points_at_the_sidebar() -> None:
    at = open_page(None, model=AQUILA, gpu="h100-sxm", gpn="1")
    assert not at.exception
    [warning] = [w.value for w in at.warning if "no model class of its own" in w.value]
    assert warning.endswith(
        "vLLM 0.34.0 stops with \"Model architecture AquilaForCausalLM was supported in "
        "vLLM until v0.24.0, and is not supported anymore. Please use an older version "
        "of vLLM if you want to use this model architecture.\" Pick 0.24.0 as the "
        "sidebar's vLLM release, the last release that served AquilaForCausalLM."), warning
    assert "--vllm-version" not in warning


def test_the_compare_page_points_at_the_sidebar_too() -> None:
    # the Compare page lists each model's plan warnings under its grid, as the Plan page shows
    # them: it showed the CLI's "Plan with --vllm-version 0.24.0", a flag the app has not
    at = open_page("compare", cmp=f"{AQUILA},Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1")
    assert not at.exception
    [block] = [w.value for w in at.warning if w.value.startswith(AQUILA)]
    assert ("Please use an older version of vLLM if you want to use this model "
            "architecture.\" Pick 0.24.0 as the sidebar's vLLM release, the last release "
            "that served AquilaForCausalLM.") in block, block
    assert "--vllm-version" not in block


def test_the_fp8_load_peak_refusal_names_the_apps_fields() -> None:
    # vLLM 0.11.0 loads Qwen3-32B whole in BF16 (61.03 GiB) before making fp8 of it: the three
    # ways out are the app's (its GPU count and TP fields, its Model page), not CLI flags
    at = open_page(None, model="Qwen/Qwen3-32B", gpu="l40s", gpn="1", vllm="0.11.0",
                   quant="fp8-tensor", len="8000")
    assert not at.exception
    [refusal] = [e.value for e in at.error if "allocates Qwen/Qwen3-32B's weights whole" in e.value]
    assert refusal.endswith(
        "more GPUs (the Hardware page's GPUs per node or Nodes, with the Plan page's Tensor "
        "parallel (TP)), or an FP8 checkpoint itself (pick it on the Model page), which vLLM "
        "loads as stored."), refusal
    assert "--gpus" not in refusal and "--model" not in refusal


def test_the_fp8_load_warning_is_shown_in_the_apps_words() -> None:
    # vLLM 0.14.0 holds every BF16 weight while it quantizes Qwen3-30B-A3B at load (vLLM PR
    # #32773): the plan fits, with a warning whose way out names the app's fields
    at = open_page(None, model="Qwen/Qwen3-30B-A3B", gpu="h100-sxm", gpn="1", vllm="0.14.0",
                   quant="fp8-tensor", len="8000")
    assert not at.exception
    [warning] = [w.value for w in at.warning if "load_weights" in w.value]
    # fp8 copies: experts 48 x 128 x 3 x 2,048 x 768 = 28,991,029,248 B, attention 48 x
    # (2 x 2,048 x 4,096 + 2 x 2,048 x 512) = 905,969,664 B, and the router, which vLLM 0.14.0
    # quantizes with the rest (qwen3_moe.py gate takes quant_config from 0.10.1): 48 x 2,048 x
    # 128 = 12,582,912 B; 29,909,581,824 B = 27.86 GiB. 56.88 + 27.86 + 0.25 = 84.99 GiB,
    # 84.99 - 79.19 = 5.80 GiB (84.97 / 5.78 before the router's 0.0117 GiB was counted)
    assert "27.86 GiB of their fp8 copies" in warning, warning
    assert "84.99 GiB exceed the GPU's 79.19 GiB by 5.80 GiB" in warning, warning
    assert "the Hardware page's GPUs per node or Nodes" in warning and "--gpus" not in warning
