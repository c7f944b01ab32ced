"""vLLM's refusal of a config.json whose hidden_act is not "silu", for the model classes whose
MLP takes SiLU only: the model does not build, so the plan does not fit.

NOTE: each class below raises `ValueError(f"Unsupported activation: {hidden_act}. Only silu is
supported for now.")` in its __init__ where `hidden_act != "silu"` (the exact string: "swish",
the same function, is refused too), with hidden_act=config.hidden_act, in every wheel read:
0.9.1, 0.9.2, 0.10.0-0.10.2, every minor release 0.11.0-0.34.0, 0.11.1, 0.15.1, 0.22.1
and 0.27.1 (vllm/model_executor/models/, the architecture's class from registry.py
_TEXT_GENERATION_MODELS). Mistral is built on llama.py's decoder layer in every one of them:
registry.py maps MistralForCausalLM to llama.py LlamaForCausalLM up to 0.14.0, and from 0.15.0
to mistral.py, whose MistralDecoderLayer runs LlamaDecoderLayer.__init__ (its own MistralMLP
is not built there). Other classes take other activations and are not refused here: phi.py
and starcoder2.py (get_act_fn), gemma.py (hidden_activation, GeLU), gemma2.py, and the
Transformers backend that serves Phi, Gemma and StarCoder2 in later releases; mixtral.py
does not read hidden_act.
The multimodal wrappers below build a fixed text model from text_config, so the check is on
text_config.hidden_act (what ModelSpec.hidden_act holds for a wrapper): qwen3_vl.py
Qwen3LLMModel(Qwen3Model) and qwen3_vl_moe.py Qwen3MoeLLMModel(Qwen3MoeModel) (0.11.0-0.34.0),
qwen3_5.py Qwen3_5DecoderLayer (0.17.0-0.34.0; on CUDA in 0.34.0
vllm/models/qwen3_5/nvidia/model.py, the same classes), kimi_vl.py (0.9.1-0.34.0) and
kimi_k25.py (0.15.0-0.34.0) DeepseekV2Model, built directly or (kimi_vl.py from 0.15.0,
kimi_k25.py from 0.16.0) as init_vllm_registered_model(architectures=["DeepseekV2ForCausalLM"]).
DeepseekV32 and GlmMoeDsa are deepseek_v2.py's classes to 0.28.0 and from 0.29.0
vllm/models/deepseek_v32/{nvidia,amd}/model.py, which build deepseek_v2.py DeepseekV2MLP /
DeepseekV2MoE (other platforms: deepseek_v2.py's own). Qwen3-Next and Qwen3.5 build `Qwen2MoeMLP
as Qwen3NextMLP` for dense layers and the shared expert (where shared_expert_intermediate_size >
0); DeepSeek-V4's shared experts are DeepseekV4MLP (where n_shared_experts is set); both skip
that shared expert only under ROCm AITER's shared-expert fusion, off by default (envs.py
VLLM_ROCM_USE_AITER_FUSION_SHARED_EXPERTS "False", 0.34.0), which Headroom does not plan.
InternLM2 (0.9.1-0.34.0), EXAONE 4 (0.10.0-0.34.0) and GLM-4.5 (glm4_moe.py, 0.10.0-0.34.0)
build their raising class on every layer with config.hidden_act (Headroom plans these
model_types as ones it does not know, from the standard keys); so does Ernie 4.5 on llama.py
(0.10.1-0.34.0).
Not refused: llama4.py builds LlamaMLP with hidden_act="silu" written in (0.9.1-0.34.0), and
minimax_m2.py, gpt_oss.py, granitemoe.py read no hidden_act. Not covered: wrappers whose text
model is whatever text_config names (Mistral 3, LLaVA, LLaVA-NeXT, and the unsized wrappers):
vLLM picks that class per release (0.34.0 config/vllm.py with_hf_config: text_config's
architectures, else transformers' causal-LM class for its model_type); DeciLM (nemotron_nas.py
LlamaMLP takes each block's ffn.hidden_act before config.hidden_act, which Headroom does not
read); EXAONE 3 (exaone.py ExaoneGatedMLP reads config.activation_function); Ernie 4.5 MoE
(ernie45_moe.py: dense layers and shared experts only, from keys Headroom does not read); the
other files with the same check, not traced (a grep of the 0.9.1, 0.20.0 and 0.33.0 wheels:
qwen.py, baichuan.py, orion.py, solar.py, deepseek.py, arctic.py, chameleon.py,
granitemoeshared.py, bamba.py, falcon_h1.py, hunyuan_v1.py, seed_oss.py, step3_text.py,
dots1.py, longcat_flash.py, ...).
"""

from typing import NamedTuple

from planner.model.spec import DenseMlp, ModelSpec, MoeMlp
from planner.serving.vllm_cli import VllmCli
from planner.serving.vllm_versions import (
    OLDEST_COVERED,
    QWEN3_MOE_SHARED_EXPERT_FROM,
    Version,
    parse_version,
)

READ_RELEASES = "0.9.1-0.34.0"
"""The releases whose wheels were read for SILU_ONLY (the module's NOTE)."""


class SiluOnly(NamedTuple):
    """Where vLLM builds an architecture's SiLU-only MLP: `built` (what, in words), `source`
    (the class, as its wheel path), on `every_layer` or else on dense layers only, and on a
    MoE layer's shared expert from `shared_from` (None: never); `key` and `read` below."""

    built: str
    source: str
    every_layer: bool
    shared_from: Version | None = None
    key: str = "hidden_act"
    """config.json's key the class reads (text_config.hidden_act for a wrapper)."""
    read: str = READ_RELEASES
    """The releases that raise: those read where the class exists (from its first release)."""


_LLAMA = SiluOnly("MLPs", "vllm/model_executor/models/llama.py LlamaMLP", True)
_QWEN2 = SiluOnly("MLPs", "vllm/model_executor/models/qwen2.py Qwen2MLP", True)
_DEEPSEEK = SiluOnly("dense MLPs and shared experts, and MoE blocks",
                     "vllm/model_executor/models/deepseek_v2.py DeepseekV2MLP and DeepseekV2MoE",
                     True)
_GRANITE = SiluOnly("MLPs", "vllm/model_executor/models/granite.py GraniteMLP", True)
_TEXT = "text_config.hidden_act"
_QWEN3_MOE = SiluOnly("dense-layer MLPs (and shared experts from 0.15.0)",
                      "vllm/model_executor/models/qwen3_moe.py Qwen3MoeMLP", False,
                      QWEN3_MOE_SHARED_EXPERT_FROM)
_QWEN3_NEXT = SiluOnly("dense-layer MLPs and shared experts",
                       "vllm/model_executor/models/qwen2_moe.py Qwen2MoeMLP", False,
                       OLDEST_COVERED)

SILU_ONLY: dict[str, SiluOnly] = {
    "LlamaForCausalLM": _LLAMA,
    "MistralForCausalLM": _LLAMA,  # the module's NOTE
    "Phi3ForCausalLM": _LLAMA,  # phi3.py: class Phi3ForCausalLM(LlamaForCausalLM)
    "Qwen2ForCausalLM": _QWEN2,
    "Qwen3ForCausalLM": _QWEN2,  # qwen3.py: from .qwen2 import Qwen2MLP as Qwen3MLP
    "MiMoForCausalLM": _QWEN2,  # mimo.py: class MiMoModel(Qwen2Model)
    "GraniteForCausalLM": _GRANITE,
    "GraniteSWAForCausalLM": _GRANITE,  # registry.py: granite.py GraniteForCausalLM, 0.29.0 on
    "Ministral3ForCausalLM": _LLAMA,  # registry.py: mistral.py MistralForCausalLM, 0.20.0 on
    "Ernie4_5ForCausalLM": _LLAMA,  # ernie45.py: class Ernie4_5ForCausalLM(LlamaForCausalLM)
    # registry.py maps these to llama.py LlamaForCausalLM in every release that serves them
    # natively (CwmForCausalLM is the Transformers backend's from 0.32.0: not refused there)
    **dict.fromkeys(("AquilaForCausalLM", "AquilaModel", "CwmForCausalLM",
                     "IQuestCoderForCausalLM", "InternLM3ForCausalLM", "InternLMForCausalLM",
                     "LLaMAForCausalLM", "TeleChat3ForCausalLM", "XverseForCausalLM"), _LLAMA),
    "InternLM2ForCausalLM": SiluOnly(
        "MLPs", "vllm/model_executor/models/internlm2.py InternLM2MLP", True),
    "Exaone4ForCausalLM": SiluOnly(
        "MLPs", "vllm/model_executor/models/exaone4.py Exaone4GatedMLP", True),
    "Glm4MoeForCausalLM": SiluOnly(  # Glm4MoE raises too: every layer
        "dense MLPs and shared experts, and MoE blocks",
        "vllm/model_executor/models/glm4_moe.py Glm4MoeMLP and Glm4MoE", True),
    "Qwen2MoeForCausalLM": SiluOnly(
        "dense-layer MLPs and shared experts",
        "vllm/model_executor/models/qwen2_moe.py Qwen2MoeMLP", False, OLDEST_COVERED),
    "Qwen3MoeForCausalLM": _QWEN3_MOE,
    "DeepseekV2ForCausalLM": _DEEPSEEK,
    "DeepseekV3ForCausalLM": _DEEPSEEK,
    "DeepseekV32ForCausalLM": _DEEPSEEK,  # deepseek_v32/ from 0.29.0: the module's NOTE
    "GlmMoeDsaForCausalLM": _DEEPSEEK,  # deepseek_v2.py GlmMoeDsaForCausalLM(DeepseekV2ForCausalLM)
    "Qwen3NextForCausalLM": _QWEN3_NEXT,  # qwen3_next.py: Qwen2MoeMLP as Qwen3NextMLP
    "Qwen3VLForConditionalGeneration": _QWEN2._replace(key=_TEXT),  # Qwen3LLMModel(Qwen3Model)
    "Qwen3VLMoeForConditionalGeneration": _QWEN3_MOE._replace(key=_TEXT),  # qwen3_vl_moe.py
    "Qwen3_5ForConditionalGeneration": SiluOnly(  # qwen3_5_text: Qwen3NextMLP on every layer
        "MLPs", "vllm/model_executor/models/qwen2_moe.py Qwen2MoeMLP", True, key=_TEXT),
    "Qwen3_5MoeForConditionalGeneration": _QWEN3_NEXT._replace(key=_TEXT),  # qwen3_5.py
    "KimiVLForConditionalGeneration": _DEEPSEEK._replace(key=_TEXT),  # kimi_vl.py DeepseekV2Model
    "KimiK25ForConditionalGeneration": _DEEPSEEK._replace(key=_TEXT),  # kimi_k25.py, the same
    "MiMoV2FlashForCausalLM": SiluOnly(  # every layer: MiMoV2MLP, or MiMoV2MoE (also raises)
        "MLPs and MoE blocks", "vllm/model_executor/models/mimo_v2_flash.py (mimo_v2.py from "
        "0.21.0) MiMoV2MLP and MiMoV2MoE", True, read="0.14.0-0.34.0"),
    "DeepseekV4ForCausalLM": SiluOnly(  # n_shared_experts set; every layer DeepseekV4MoE
        "shared experts", "vllm/model_executor/models/deepseek_v4.py (vllm/models/deepseek_v4/"
        "<platform>/model.py from 0.22.0) DeepseekV4MLP", False, OLDEST_COVERED,
        read="0.20.0-0.34.0"),
}
"""NOTE: the architectures (registry.py names) whose vLLM class takes hidden_act "silu" only,
read in every wheel of READ_RELEASES."""


def silu_only_errors(spec: ModelSpec, cli: VllmCli) -> list[str]:
    """vLLM `cli`'s start-up refusal of `spec` where the class it builds for config.json's
    architectures (the first the release serves) builds a SiLU-only MLP (SILU_ONLY) and
    hidden_act (its class default where left out) is not "silu"; [] otherwise, or where no
    hidden_act is known. E.g. a LlamaForCausalLM config.json with hidden_act "gelu"."""
    act = spec.hidden_act
    arch = next((a for a in spec.architectures
                 if a in cli.architectures or a in cli.transformers_architectures), None)
    rule = SILU_ONLY.get(arch) if arch in cli.architectures else None
    if act is None or act == "silu" or rule is None:
        return []
    if not _builds(spec, rule, parse_version(cli.vllm_version)):
        return []
    return [f"ValueError: Unsupported activation: {act}. Only silu is supported for now. "
            f"(vLLM {cli.vllm_version} builds {arch}'s {rule.built} as {rule.source}, which "
            f"raises this for any config.json {rule.key} but \"silu\" in every release "
            f"{rule.read}.)"]


def _builds(spec: ModelSpec, rule: SiluOnly, version: Version) -> bool:
    """Whether vLLM `version` builds `rule`'s MLP class for some layer of `spec`."""
    if rule.every_layer:
        return True
    shared = rule.shared_from is not None and version >= rule.shared_from
    return any(isinstance(layer.mlp, DenseMlp)
               or (shared and isinstance(layer.mlp, MoeMlp) and layer.mlp.num_shared_experts > 0)
               for layer in spec.layers)
