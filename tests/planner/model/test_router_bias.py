"""A MoE router's bias by the rule of the vLLM model file that builds the model_type
(planner.model.config.router_bias): a key another family's file reads adds none; a model_type
Headroom does not know takes any key a vLLM file turns its e_score_correction_bias on by."""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.spec import ConfigError


def _total(config: dict) -> int:
    return count_params(parse_model_config(config)).total


def test_known_model_type_takes_only_its_own_files_key():
    # qwen3_moe.py Qwen3MoeSparseMoeBlock builds no router bias whatever config.json says
    # (no e_score_correction_bias in qwen3_moe.py, 0.10.1-0.34.0 wheels): Qwen3-30B-A3B's
    # 48 MoE layers x 128 experts = 6,144 parameters were added for a topk_method "noaux_tc"
    # (deepseek_v2.py's key) or use_routing_bias (minimax_m2.py's)
    qwen = catalog_entry("Qwen/Qwen3-30B-A3B").config
    assert _total(qwen | {"topk_method": "noaux_tc"}) == _total(qwen)
    assert _total(qwen | {"use_routing_bias": True}) == _total(qwen)
    # minimax_m2.py MiniMaxM2MoE: the bias only with use_routing_bias (0.11.1, 0.34.0), 62 MoE
    # layers x 256 experts = 15,872; a topk_method "noaux_tc" adds none
    minimax = catalog_entry("MiniMaxAI/MiniMax-M2.5").config
    assert minimax["use_routing_bias"] is True
    without = minimax | {"use_routing_bias": False}
    assert _total(minimax) - _total(without) == 62 * 256 == 15_872
    assert _total(without | {"topk_method": "noaux_tc"}) == _total(without)
    # deepseek_v2.py DeepseekV2MoE: only topk_method "noaux_tc" (0.10.1, 0.34.0), DeepSeek-V3's
    # 58 MoE layers x 256 = 14,848; use_routing_bias adds none
    v3 = catalog_entry("deepseek-ai/DeepSeek-V3").config
    greedy = v3 | {"topk_method": "greedy"}
    assert _total(v3) - _total(greedy) == 58 * 256 == 14_848
    assert _total(greedy | {"use_routing_bias": True}) == _total(greedy)


@pytest.mark.parametrize("key", [
    # deepseek_v2.py and its copies (AXK1.py), minimax_m2.py, bailing_moe.py /
    # bailing_moe_linear.py / param2moe.py / sarvam.py, lfm2_moe.py, openpangu.py (0.34.0 wheel)
    ("topk_method", "noaux_tc"), ("use_routing_bias", True),
    ("moe_router_enable_expert_bias", True), ("use_expert_bias", True),
    ("router_enable_expert_bias", True),
])
def test_unknown_model_type_takes_any_vllm_bias_key(key):
    # Qwen3-30B-A3B's fields under a model_type Headroom does not know: 48 MoE layers x 128
    # experts = 6,144 router bias parameters with any key a vLLM model file reads for it, none
    # without; a key given false adds none
    name, value = key
    unknown = catalog_entry("Qwen/Qwen3-30B-A3B").config | {"model_type": "some_moe"}
    assert _total(unknown | {name: value}) - _total(unknown) == 48 * 128 == 6_144
    if value is True:
        assert _total(unknown | {name: False}) == _total(unknown)
        with pytest.raises(ConfigError, match=f"{name} must be true or false, got 'yes'"):
            _total(unknown | {name: "yes"})


def test_wrapped_text_models_keep_their_bias():
    # kimi_vl.py builds deepseek_v2.py's DeepseekV2Model as its text model, kimi_k25.py a
    # DeepseekV2 text model (0.34.0): their text_config's topk_method "noaux_tc" gives each
    # MoE layer its bias, Kimi-VL-A3B's 26 x 64 = 1,664, Kimi-K2.5's 60 x 384 = 23,040
    for repo, added in (("moonshotai/Kimi-VL-A3B-Instruct", 1_664),
                        ("moonshotai/Kimi-K2.5", 23_040)):
        config = catalog_entry(repo).config
        greedy = config | {"text_config": config["text_config"] | {"topk_method": "greedy"}}
        assert _total(config) - _total(greedy) == added
