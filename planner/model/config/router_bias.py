"""Whether a MoE layer's router has a bias (MoeMlp.router_bias): by the rule of the vLLM model
file that builds the model_type, so a key another family's file reads builds no bias here; a
model_type Headroom does not know takes any key a vLLM model file turns its bias on by."""

from typing import NamedTuple

from planner.model.config.families import KNOWN_TYPES
from planner.model.config.reader import Reader
from planner.model.config.wrapper import text_model_type


class RouterBiasRule(NamedTuple):
    """How one vLLM model file builds its MoE router's bias: always (`key` None), or where
    config.json's `key` equals `value`."""

    vllm_file: str
    key: str | None = None
    value: object = True


_DEEPSEEK_V2 = RouterBiasRule("deepseek_v2.py DeepseekV2MoE", "topk_method", "noaux_tc")
ROUTER_BIAS_RULES: dict[str, RouterBiasRule] = {
    **dict.fromkeys(("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2", "kimi_k25",
                     "kimi_vl", "glm_moe_dsa"), _DEEPSEEK_V2),
    "deepseek_v4": RouterBiasRule("deepseek_v4/<platform>/model.py DeepseekV4MoE", "topk_method",
                                  "noaux_tc"),
    "minimax_m2": RouterBiasRule("minimax_m2.py MiniMaxM2MoE", "use_routing_bias"),
    "gpt_oss": RouterBiasRule("gpt_oss.py MLPBlock (router bias=True)"),
    "nemotron_h": RouterBiasRule("nemotron_h.py NemotronHMoE"),
    "mimo_v2_flash": RouterBiasRule("mimo_v2_flash.py / mimo_v2.py MiMoV2MoE"),
    "ernie4_5_moe": RouterBiasRule("ernie45_moe.py Ernie4_5_MoeMoE"),
    "glm4_moe": RouterBiasRule("glm4_moe.py Glm4MoE"),
    "glm4_moe_lite": RouterBiasRule("glm4_moe_lite.py Glm4MoeLite (Glm4MoE)"),
}
"""NOTE: the model_types whose vLLM MoE router holds a bias, each by its file's condition: an
unconditional gate.e_score_correction_bias in nemotron_h.py NemotronHMoE (0.11.1-0.34.0),
mimo_v2_flash.py (0.14.0-0.20.0) / mimo_v2.py (0.24.0-0.34.0) MiMoV2MoE, ernie45_moe.py
(0.10.1-0.34.0; none in the 0.10.0 wheel, whose 27 x 64 = 1,728 parameters of
ERNIE-4.5-21B-A3B are counted there too) and glm4_moe.py ("noaux_tc is not set in transformers
new config now"; 0.10.0-0.34.0), which glm4_moe_lite.py's Glm4MoeLite subclasses (0.15.0,
0.34.0); gpt_oss.py's router a linear bias (bias=True); deepseek_v2.py DeepseekV2MoE (Kimi K2.5's
and Kimi-VL's text models, GLM-5, deepseek_v32's classes from 0.30.0, which import it; 0.10.1,
0.34.0) and DeepseekV4MoE (0.34.0; its router's size is params._dsv4_layer's) only where
`topk_method == "noaux_tc"`, minimax_m2.py MiniMaxM2MoE only with a true `use_routing_bias`
(0.11.1, 0.34.0). The other known model_types' files build none, whatever config.json says
(no e_score_correction_bias nor expert_bias in mixtral.py, qwen2_moe.py, qwen3_moe.py,
llama4.py, granitemoe.py, olmoe.py, hunyuan_v1.py, arctic.py in the 0.10.1, 0.19.0 and 0.28.0
wheels; qwen3_next.py, gemma4.py in 0.19.0 and 0.28.0; those of them 0.34.0 still has, with
qwen3_5.py, qwen3_vl_moe.py, granitemoeshared.py and granitemoehybrid.py, in 0.34.0): a
topk_method "noaux_tc" or use_routing_bias there was counted as one."""

UNKNOWN_TYPE_BIAS_RULES: tuple[RouterBiasRule, ...] = (
    _DEEPSEEK_V2,
    ROUTER_BIAS_RULES["minimax_m2"],
    RouterBiasRule("bailing_moe.py BailingMoE; param2moe.py, sarvam.py",
                   "moe_router_enable_expert_bias"),
    RouterBiasRule("lfm2_moe.py Lfm2MoeSparseMoeBlock", "use_expert_bias"),
    RouterBiasRule("openpangu.py OpenPanguMoE", "router_enable_expert_bias"),
)
"""NOTE: the keys vLLM's model files turn a router's e_score_correction_bias on by (0.34.0
wheel): topk_method "noaux_tc" (deepseek_v2.py and its copies, AXK1.py), use_routing_bias
(minimax_m2.py), moe_router_enable_expert_bias (bailing_moe.py, bailing_moe_linear.py; default
true in param2moe.py and sarvam.py), use_expert_bias (lfm2_moe.py), router_enable_expert_bias
(openpangu.py). A model_type Headroom does not know is read from the standard fields: any of
these given true (topk_method "noaux_tc") is read as its router's bias, one per routed expert."""


def router_bias(r: Reader, model_type: str) -> bool:
    """Whether vLLM builds a bias on this MoE layer's router (MoeMlp.router_bias): the
    model_type's rule (ROUTER_BIAS_RULES, else its text model's), none for another known
    model_type, and for one Headroom does not know any key of UNKNOWN_TYPE_BIAS_RULES."""
    text_type = text_model_type(r, model_type)
    rule = ROUTER_BIAS_RULES.get(model_type) or ROUTER_BIAS_RULES.get(text_type)
    if rule is not None:
        return _holds(r, rule)
    if model_type in KNOWN_TYPES or text_type in KNOWN_TYPES:
        return False
    return any(_holds(r, rule) for rule in UNKNOWN_TYPE_BIAS_RULES)


def _holds(r: Reader, rule: RouterBiasRule) -> bool:
    """Whether config.json turns `rule`'s bias on: always without a key; a string key (
    topk_method) compared as vLLM does, a flag read as a boolean (refused otherwise)."""
    if rule.key is None:
        return True
    if isinstance(rule.value, str):
        return r.str_(rule.key) == rule.value
    return bool(r.flag(rule.key))
