"""The Plan and Model pages on configs with malformed values in the newer quantization fields,
layer_types and a Llama 4 vision_config (tests/cli/test_fuzz_configs.py's and
test_fuzz_vision_configs.py's): one error naming the field, no exception, no plan."""

import pytest

from tests.app.conftest import hub_answers, open_page
from tests.cli.test_fuzz_configs import AUTOROUND, DEEPSEEK_V3, GPTQ, MIXTRAL, O_PROJ, nas
from tests.cli.test_fuzz_vision_configs import scout
from tests.cli.tiny_model import TINY_CONFIG
from tests.planner.model.test_granitemoehybrid import SMALL as GRANITE_HYBRID
from ui import io

REPO = "acme/malformed"
TEXT = {k: v for k, v in TINY_CONFIG.items() if k != "architectures"}
CASES = {
    "extra_config bits": (
        TINY_CONFIG | {"quantization_config": AUTOROUND | {
            "extra_config": {O_PROJ: {"bits": "8"}}}},
        f"quantization_config.extra_config['{O_PROJ}'].bits must be an integer, got '8'"),
    "block names": (
        TINY_CONFIG | {"quantization_config": AUTOROUND | {"block_name_to_quantize": 5}},
        "block_name_to_quantize must be a string or a list of strings, got 5"),
    "gptq dynamic": (
        TINY_CONFIG | {"quantization_config": GPTQ | {"dynamic": {"+:.*": "x"}}},
        "quantization_config.dynamic['+:.*'] must be an object of overrides, got 'x'"),
    "wrapper tie": (
        {"architectures": ["Idefics3ForConditionalGeneration"], "model_type": "idefics3",
         "text_config": TEXT, "vision_config": {"hidden_size": 1152},
         "tie_word_embeddings": "yes"},
        "tie_word_embeddings must be true or false, got 'yes'"),
    "granite layer_types list entry": (
        GRANITE_HYBRID | {"layer_types": [["mamba"], "attention", "mamba", "mamba"]},
        "layer_types[0] is an array, not a string: each entry names one layer's kind"),
    "nemotron-nas group over the heads": (
        nas(attention={"n_heads_in_group": 128}),
        "block_configs[0].attention.n_heads_in_group = 128 is out of range (1 to 64)"),
    "nemotron-nas without attention": (
        nas(attention={"no_op": True}),
        "block_configs: no block has attention (each is no_op)"),
    "nemotron-nas linear FFNs": (  # vLLM stops at start-up: TypeError on ffn_mult None
        nas(ffn={"replace_with_linear": True}),
        "block_configs[0].ffn.replace_with_linear is true (blocks with a linear "
        "replacement: 80 of 80, 0-79)"),
    "mixtral without experts": (  # was "Fits (unmodelled: num_experts_per_tok)"
        MIXTRAL | {"num_local_experts": 0},
        "num_local_experts = 0: vLLM builds every mixtral layer's MLP as a router and FusedMoE"),
    "deepseek scoring_func": (  # was planned as the real model
        DEEPSEEK_V3 | {"scoring_func": "nonsense"},
        "scoring_func = 'nonsense': vLLM's MoE routers score with softmax or sigmoid"),
    "llama 4 chunk without a token": (  # was planned, its tower LoRA as a Qwen3-VL tower's
        scout(image_size=14),
        "image_size 14 / patch_size 14 makes chunks of 1 x 1 patches, which pixel_shuffle_ratio "
        "0.5 cannot pool 2 x 2 into tokens"),
}


@pytest.mark.parametrize("page", [None, "model"])
@pytest.mark.parametrize("case", CASES)
def test_malformed_fields_show_one_error(monkeypatch: pytest.MonkeyPatch, case: str,
                                         page: str | None) -> None:
    config, words = CASES[case]
    hub_answers(monkeypatch, REPO, config)
    try:
        at = open_page(page, model=REPO, gpu="h100-sxm", gpn="1")
    finally:
        io.forget_hub_answers()
    assert not at.exception
    # the page escapes Markdown's brackets: "extra_config\\['...'\\]"
    shown = [e.value.replace("\\", "") for e in at.error]
    assert [e for e in shown if words in e], shown
    assert not any(s.value.startswith("Fits") for s in at.success)
