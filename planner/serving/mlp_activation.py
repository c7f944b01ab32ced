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
does not read hidden_act. Multimodal wrappers (Qwen3-VL, Mistral 3) are not covered: their text
model's class is not named in config.json's top-level architectures.
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
    MoE layer's shared expert from `shared_from` (None: never)."""

    built: str
    source: str
    every_layer: bool
    shared_from: Version | None = None


_LLAMA = SiluOnly("MLPs", "vllm/model_executor/models/llama.py LlamaMLP", True)
_QWEN2 = SiluOnly("MLPs", "vllm/model_executor/models/qwen2.py Qwen2MLP", True)
_DEEPSEEK = SiluOnly("dense MLPs and shared experts, and MoE blocks",
                     "vllm/model_executor/models/deepseek_v2.py DeepseekV2MLP and DeepseekV2MoE",
                     True)

SILU_ONLY: dict[str, SiluOnly] = {
    "LlamaForCausalLM": _LLAMA,
    "MistralForCausalLM": _LLAMA,  # the module's NOTE
    "Phi3ForCausalLM": _LLAMA,  # phi3.py: class Phi3ForCausalLM(LlamaForCausalLM)
    "Qwen2ForCausalLM": _QWEN2,
    "Qwen3ForCausalLM": _QWEN2,  # qwen3.py: from .qwen2 import Qwen2MLP as Qwen3MLP
    "MiMoForCausalLM": _QWEN2,  # mimo.py: class MiMoModel(Qwen2Model)
    "GraniteForCausalLM": SiluOnly("MLPs", "vllm/model_executor/models/granite.py GraniteMLP",
                                   True),
    "Qwen2MoeForCausalLM": SiluOnly(
        "dense-layer MLPs and shared experts",
        "vllm/model_executor/models/qwen2_moe.py Qwen2MoeMLP", False, OLDEST_COVERED),
    "Qwen3MoeForCausalLM": SiluOnly(
        "dense-layer MLPs (and shared experts from 0.15.0)",
        "vllm/model_executor/models/qwen3_moe.py Qwen3MoeMLP", False,
        QWEN3_MOE_SHARED_EXPERT_FROM),
    "DeepseekV2ForCausalLM": _DEEPSEEK,
    "DeepseekV3ForCausalLM": _DEEPSEEK,
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
            f"raises this for any config.json hidden_act but \"silu\" in every release "
            f"{READ_RELEASES}.)"]


def _builds(spec: ModelSpec, rule: SiluOnly, version: Version) -> bool:
    """Whether vLLM `version` builds `rule`'s MLP class for some layer of `spec`."""
    if rule.every_layer:
        return True
    shared = rule.shared_from is not None and version >= rule.shared_from
    return any(isinstance(layer.mlp, DenseMlp)
               or (shared and isinstance(layer.mlp, MoeMlp) and layer.mlp.num_shared_experts > 0)
               for layer in spec.layers)
