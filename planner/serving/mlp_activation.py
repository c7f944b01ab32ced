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
Not refused: llama4.py builds LlamaMLP with hidden_act="silu" written in (0.9.1-0.34.0), as
qwen.py builds QWenMLP (its default, 0.9.1-0.23.0), and minimax_m2.py, gpt_oss.py,
granitemoe.py read no hidden_act.
EXAONE 3 (exaone.py, 0.9.1-0.34.0) builds ExaoneGatedMLP on every layer with
config.activation_function, which Headroom reads from config.json only (vLLM's own ExaoneConfig,
default "silu", is in the 0.9.1 wheel only; later ones take the repository's config code).
Orion, Solar (0.9.1-0.34.0), Baichuan (0.9.1-0.24.0), Chameleon (0.9.1-0.28.0), dots.llm1
(0.9.2-0.23.0: Dots1MoE raises too), Seed-OSS (0.10.2-0.31.0), Ouro (0.11.1-0.26.0),
HyperCLOVAX (0.18.0-0.34.0), MiMo-V2 (MiMoV2ForCausalLM(MiMoV2FlashForCausalLM),
0.21.0-0.34.0), DeepSeek-V1 (deepseek.py 0.9.1-0.11.0, whose MoE experts are DeepseekMLP too;
DeepseekForCausalLM(DeepseekV2ForCausalLM) from 0.11.1), AFMoE (0.11.1-0.34.0) and AXK1
(0.17.0-0.34.0) (their MoE blocks raise too), LongCat-Flash (0.11.0-0.34.0: two FlashMLPs a
layer; its n-gram variant, longcat_flash_ngram.py FlashNgramModel(FlashModel), from 0.26.0),
openPangu (openpangu.py check_ffn_act_fn, in OpenPanguMLP and OpenPanguMoE alike: PanguEmbedded
and PanguUltraMoE 0.11.1-0.34.0, PanguProMoEV2 0.14.0-0.34.0), and the hybrids Falcon-H1
(0.9.1-0.34.0: every layer a FalconH1ParallelHybrid) and Bamba (0.9.1-0.23.0: mamba and
attention layers alike) build their raising class on every layer with config.hidden_act, in
every wheel of their range (registry.py's native entry; read: first and last, and the check's
presence in each); Headroom plans these model_types from the standard keys.
MoE classes whose plain MLPs are built by keys this check reads per release (ModelSpec.mlp_keys,
config.mlp.MLP_KEYS; the layers plan them as 0.28.0 builds them), their experts reading no
hidden_act (SiluOnly.where): hunyuan_v1.py
(HunYuanDenseV1ForCausalLM and HunYuanMoEV1ForCausalLM, 0.10.0-0.28.0) builds HunYuanMLP on
every layer where num_experts is at most 1 (_is_moe), else HunYuanSparseMoeBlock, whose
FusedMoE takes no activation (its default "silu") and whose shared_mlp is a HunYuanMLP where
`config.use_mixed_mlp_moe > 0`; 0.9.2's hunyuan_v1_moe.py (HunYuanMoEV1ForCausalLM) builds that
block on every layer (0.9.2, 0.10.0-0.28.0 read; the Transformers backend's from 0.29.0).
arctic.py (ArcticForCausalLM, 0.9.1-0.28.0; deprecated, not served, from 0.29.0): ArcticMoE
builds ArcticMLP where `(layer_id + 1) % config.moe_layer_frequency != 0` (vLLM's ArcticConfig,
transformers_utils/configs/arctic.py, from ARCTIC_CONFIG_FROM: default 2) and fused experts
reading no activation otherwise, and ArcticDecoderLayer an ArcticMLP residual_mlp on those
where config.use_residual (no default there: left out, an AttributeError first). granitemoeshared.py
(GraniteMoeSharedForCausalLM 0.9.1-0.34.0, GraniteMoeSWAForCausalLM 0.29.0-0.34.0) builds
GraniteMoeSharedMLP on every layer unless `getattr(config, "shared_intermediate_size", 0) ==
0`; its GraniteMoeMoE (granitemoe.py) reads no activation. granitemoehybrid.py
(GraniteMoeHybridForCausalLM, 0.9.1-0.34.0) builds the same GraniteMoeSharedMLP on its Mamba
and attention layers alike under the same condition, where a left-out shared_intermediate_size
is transformers GraniteMoeHybridConfig's 1024 (4.56.0, 5.24.0), so the layers decide it.
The TEXT_NAMED wrappers (Mistral 3, LLaVA, LLaVA-NeXT) build whatever class their text_config
resolves to (below), checked on text_config.hidden_act.
DeciLM (Nemotron-NAS) builds llama.py LlamaMLP with config.hidden_act for each block whose ffn
is not no_op (the layers Headroom plans an MLP for) to 0.15.1; not covered from 0.16.0
(DECILM_BLOCK_ACT_FROM: a block's own ffn.hidden_act where the repository's code has one).
ERNIE 4.5 MoE (ernie45_moe.py, 0.9.2-0.34.0; read 0.9.2, 0.10.2, 0.11.0, 0.11.1, 0.12.0-0.14.0,
0.19.0 and 0.34.0) builds Ernie4_5_MoeMLP with config.hidden_act on its dense layers (outside
moe_layer_start_index / _end_index / _interval) and as the shared experts of its MoE layers
(where moe_num_shared_experts > 0; 0.9.2: where it is not None); its experts do not read it.
Kimi-Linear: kimi_linear.py's KimiMLP and KimiMoE are refused on every layer 0.11.1-0.26.0;
from KIMI_LINEAR_K3_FROM its class also takes "situ" and words its refusal otherwise
(SILU_ONLY_FROM).
Not covered: the other files with the same check (a grep of every wheel read): laguna.py
(0.21.0-0.34.0, worded "Only silu is supported."; 0.34.0 read: LagunaMLP on the layers
config.mlp_layer_types calls dense, which Headroom does not read, and as the shared expert
where shared_expert_intermediate_size > 0), and not traced: hy_v3.py, k2_horizon.py,
interns1_pro.py (a 0.34.0 grep: each builds its raising MLP on dense layers and, hy_v3.py and
k2_horizon.py, as shared experts; the keys deciding those not read here).
step3_text.py and step3p5.py write hidden_act="silu" in where they build their raising class
(0.34.0).
"""

from collections.abc import Callable
from typing import NamedTuple

from planner.model.spec import DenseMlp, ModelSpec, MoeMlp
from planner.serving.vllm_cli import VllmCli
from planner.serving.vllm_versions import (
    DECILM_BLOCK_ACT_FROM,
    KIMI_LINEAR_K3_FROM,
    OLDEST_COVERED,
    QWEN3_MOE_SHARED_EXPERT_FROM,
    TEXT_CLASS_BY_TYPE_FROM,
    TRANSFORMERS_5_ALLOWED_FROM,
    TRANSFORMERS_5_ONLY_FROM,
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
    before: Version | None = None
    """The first release whose class no longer builds it from `key` (None: none read)."""
    taken: tuple[str, ...] = ("silu",)
    """The activations the class builds; any other raises."""
    words: str = "Only silu is supported for now."
    """The refusal's second sentence, as the class words it."""
    where: Callable[[ModelSpec, Version], bool] | None = None
    """Where the class is built, from config.json keys the layers do not show
    (ModelSpec.mlp_keys); None: by `every_layer` and `shared_from`."""


def _positive(spec: ModelSpec, key: str) -> bool:
    """config.json's `key` as written (ModelSpec.mlp_keys) an integer (or true) above 0; False
    where left out or null."""
    value = dict(spec.mlp_keys).get(key)
    return value is not None and value > 0


HUNYUAN_V1_FROM: Version = (0, 10, 0)
"""hunyuan_v1.py (0.10.0-0.28.0) builds each layer's MLP by `_is_moe(config)`: 0.9.2's
hunyuan_v1_moe.py a HunYuanSparseMoeBlock on every layer."""


def _hunyuan_builds(spec: ModelSpec, version: Version) -> bool:
    """HunYuanMLP on every layer where num_experts is at most 1 (from HUNYUAN_V1_FROM), else as
    HunYuanSparseMoeBlock's shared_mlp where `config.use_mixed_mlp_moe > 0`."""
    dense = version >= HUNYUAN_V1_FROM and any(
        isinstance(layer.mlp, DenseMlp)
        or (isinstance(layer.mlp, MoeMlp) and layer.mlp.num_experts <= 1)
        for layer in spec.layers)
    return dense or (spec.is_moe and _positive(spec, "use_mixed_mlp_moe"))


ARCTIC_CONFIG_FROM: Version = (0, 26, 0)
"""The first release whose transformers_utils/config.py _CONFIG_REGISTRY maps "arctic" to vLLM's
own ArcticConfig (configs/arctic.py: moe_layer_frequency 2, no use_residual), 0.26.0-0.28.0
read; 0.9.1-0.25.0 take the repository's config code, whose defaults are not read here."""


def _arctic_builds(spec: ModelSpec, version: Version) -> bool:
    """ArcticMLP on the layers i where `(i + 1) % moe_layer_frequency` is not 0 (layer 0 at
    least where it is above 1) and, where use_residual is true, as the residual MLP of the
    others: one or the other whatever the frequency, with use_residual true. A frequency left
    out is ArcticConfig's from ARCTIC_CONFIG_FROM, unknown before. ArcticDecoderLayer reads
    config.use_residual first: a config without it stops on that (AttributeError) from
    ARCTIC_CONFIG_FROM, and is not refused here, nor one with a frequency vLLM cannot take the
    remainder by."""
    keys = dict(spec.mlp_keys)
    if "use_residual" not in keys:
        return False
    frequency = keys.get("moe_layer_frequency", 2 if version >= ARCTIC_CONFIG_FROM else None)
    if frequency is None:
        return bool(keys["use_residual"])
    return isinstance(frequency, int) and frequency >= 1 and (
        frequency > 1 or bool(keys["use_residual"]))


def _granite_shared_builds(spec: ModelSpec, version: Version) -> bool:
    """GraniteMoeSharedMLP on every layer unless `getattr(config, "shared_intermediate_size",
    0) == 0` (transformers GraniteMoeSharedConfig's default 0); a null one stops earlier, sizing
    its projections, and is not refused here."""
    return _positive(spec, "shared_intermediate_size")


def _granite_hybrid_builds(spec: ModelSpec, version: Version) -> bool:
    """GraniteMoeSharedMLP on every layer unless shared_intermediate_size is 0, which the
    layers show: a shared expert beside the experts, or the whole MLP without experts (the
    parser plans it, transformers GraniteMoeHybridConfig's default 1024 where left out)."""
    return any(isinstance(layer.mlp, DenseMlp) or (
        isinstance(layer.mlp, MoeMlp) and layer.mlp.num_shared_experts > 0)
        for layer in spec.layers)


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
_LONGCAT = SiluOnly(  # FlashDecoderLayer: two FlashMLPs (mlps) beside the MoE block
    "MLPs", "vllm/model_executor/models/longcat_flash.py FlashMLP", True, read="0.11.0-0.34.0")
_PANGU = SiluOnly(  # OpenPanguDecoderLayer: OpenPanguMLP, or OpenPanguMoE (also checks)
    "MLPs and MoE blocks", "vllm/model_executor/models/openpangu.py OpenPanguMLP and "
    "OpenPanguMoE", True, read="0.11.1-0.34.0")
_QWEN3_NEXT = SiluOnly("dense-layer MLPs and shared experts",
                       "vllm/model_executor/models/qwen2_moe.py Qwen2MoeMLP", False,
                       OLDEST_COVERED)

_HUNYUAN = SiluOnly(
    "dense-layer MLPs and shared MLPs (use_mixed_mlp_moe)",
    "vllm/model_executor/models/hunyuan_v1.py HunYuanMLP", False, read="0.10.0-0.28.0",
    where=_hunyuan_builds)

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
    "ExaoneForCausalLM": SiluOnly(  # ExaoneDecoderLayer: hidden_act=config.activation_function
        "MLPs", "vllm/model_executor/models/exaone.py ExaoneGatedMLP", True,
        key="activation_function"),
    "OrionForCausalLM": SiluOnly("MLPs", "vllm/model_executor/models/orion.py OrionMLP", True),
    "SolarForCausalLM": SiluOnly("MLPs", "vllm/model_executor/models/solar.py SolarMLP", True),
    **dict.fromkeys(("BaichuanForCausalLM", "BaiChuanForCausalLM"), SiluOnly(
        "MLPs", "vllm/model_executor/models/baichuan.py BaiChuanMLP", True,
        read="0.9.1-0.24.0")),
    "ChameleonForConditionalGeneration": SiluOnly(  # both decoder layers (swin_norm or not)
        "MLPs", "vllm/model_executor/models/chameleon.py ChameleonMLP", True,
        read="0.9.1-0.28.0"),
    "Dots1ForCausalLM": SiluOnly(  # every layer: Dots1MLP, or Dots1MoE (also raises)
        "MLPs and MoE blocks", "vllm/model_executor/models/dots1.py Dots1MLP and Dots1MoE", True,
        read="0.9.2-0.23.0"),
    "SeedOssForCausalLM": SiluOnly(  # the Transformers backend's from 0.32.0: not refused there
        "MLPs", "vllm/model_executor/models/seed_oss.py SeedOssMLP", True, read="0.10.2-0.31.0"),
    "OuroForCausalLM": SiluOnly(
        "MLPs", "vllm/model_executor/models/ouro.py OuroMLP", True, read="0.11.1-0.26.0"),
    "HyperCLOVAXForCausalLM": SiluOnly(
        "MLPs", "vllm/model_executor/models/hyperclovax.py HyperCLOVAXMLP", True,
        read="0.18.0-0.34.0"),
    "MiMoV2ForCausalLM": SiluOnly(  # mimo_v2.py: class MiMoV2ForCausalLM(MiMoV2FlashForCausalLM)
        "MLPs and MoE blocks", "vllm/model_executor/models/mimo_v2.py MiMoV2MLP and MiMoV2MoE",
        True, read="0.21.0-0.34.0"),
    "AfmoeForCausalLM": SiluOnly(  # every layer: AfmoeMLP (llama.py LlamaMLP), or AfmoeMoE
        "MLPs and MoE blocks", "vllm/model_executor/models/afmoe.py AfmoeMLP (llama.py "
        "LlamaMLP) and AfmoeMoE", True, read="0.11.1-0.34.0"),
    "AXK1ForCausalLM": SiluOnly(  # every layer: AXK1MLP(DeepseekV2MLP), or AXK1MoE
        "MLPs and MoE blocks", "vllm/model_executor/models/AXK1.py AXK1MLP (deepseek_v2.py "
        "DeepseekV2MLP) and AXK1MoE", True, read="0.17.0-0.34.0"),
    "FalconH1ForCausalLM": SiluOnly(  # every layer is a FalconH1ParallelHybrid
        "MLPs", "vllm/model_executor/models/falcon_h1.py FalconH1MLP", True),
    "BambaForCausalLM": SiluOnly(  # both layer kinds (mamba, attention) build one
        "MLPs", "vllm/model_executor/models/bamba.py BambaMLP", True, read="0.9.1-0.23.0"),
    "DeciLMForCausalLM": SiluOnly(  # blocks whose ffn is not no_op; to DECILM_BLOCK_ACT_FROM
        "MLPs", "vllm/model_executor/models/nemotron_nas.py DeciLMDecoderLayer's LlamaMLP "
        "(llama.py)", False, read="0.9.1-0.15.1", before=DECILM_BLOCK_ACT_FROM),
    "KimiLinearForCausalLM": SiluOnly(  # every layer: KimiMLP, or KimiMoE (also raises)
        "MLPs and MoE blocks", "vllm/model_executor/models/kimi_linear.py KimiMLP and KimiMoE",
        True, read="0.11.1-0.26.0"),
    "LongcatFlashForCausalLM": _LONGCAT,
    **dict.fromkeys(("PanguEmbeddedForCausalLM", "PanguUltraMoEForCausalLM"), _PANGU),
    "PanguProMoEV2ForCausalLM": _PANGU._replace(read="0.14.0-0.34.0"),
    "LongcatFlashNgramForCausalLM": _LONGCAT._replace(read="0.26.0-0.34.0"),  # FlashModel's
    "DeepseekForCausalLM": SiluOnly(  # DeepseekForCausalLM(DeepseekV2ForCausalLM) from 0.11.1
        "MLPs, experts and shared experts", "vllm/model_executor/models/deepseek.py DeepseekMLP "
        "(deepseek_v2.py DeepseekV2MLP and DeepseekV2MoE from 0.11.1)", True),
    "HunYuanDenseV1ForCausalLM": _HUNYUAN,  # the Transformers backend's from 0.29.0
    "HunYuanMoEV1ForCausalLM": _HUNYUAN._replace(  # hunyuan_v1_moe.py in 0.9.2
        source="vllm/model_executor/models/hunyuan_v1.py (hunyuan_v1_moe.py in 0.9.2) "
        "HunYuanMLP", read="0.9.2-0.28.0"),
    "ArcticForCausalLM": SiluOnly(  # registry.py: deprecated (not served) from 0.29.0
        "dense-layer MLPs (moe_layer_frequency) and residual MLPs (use_residual)",
        "vllm/model_executor/models/arctic.py ArcticMLP", False, read="0.9.1-0.28.0",
        where=_arctic_builds),
    **dict.fromkeys(("GraniteMoeSharedForCausalLM", "GraniteMoeSWAForCausalLM"), SiluOnly(
        "shared MLPs (shared_intermediate_size)",
        "vllm/model_executor/models/granitemoeshared.py GraniteMoeSharedMLP", False,
        where=_granite_shared_builds)),
    "GraniteMoeHybridForCausalLM": SiluOnly(  # both layer classes build it
        "shared MLPs (shared_intermediate_size)",
        "vllm/model_executor/models/granitemoeshared.py GraniteMoeSharedMLP", False,
        where=_granite_hybrid_builds),
    "Ernie4_5_MoeForCausalLM": SiluOnly(  # the module's NOTE
        "dense-layer MLPs and shared experts",
        "vllm/model_executor/models/ernie45_moe.py Ernie4_5_MoeMLP", False, OLDEST_COVERED,
        read="0.9.2-0.34.0"),
    "DeepseekV4ForCausalLM": SiluOnly(  # n_shared_experts set; every layer DeepseekV4MoE
        "shared experts", "vllm/model_executor/models/deepseek_v4.py (vllm/models/deepseek_v4/"
        "<platform>/model.py from 0.22.0) DeepseekV4MLP", False, OLDEST_COVERED,
        read="0.20.0-0.34.0"),
}
"""NOTE: the architectures (registry.py names) whose vLLM class takes hidden_act "silu" only,
read in every wheel of READ_RELEASES."""

SILU_ONLY_FROM: dict[str, tuple[Version, SiluOnly]] = {
    "KimiLinearForCausalLM": (KIMI_LINEAR_K3_FROM, SiluOnly(
        "dense-layer MLPs and shared experts", "vllm/models/kimi_k3/nvidia/model.py (amd/"
        "linear.py on ROCm) KimiMLP", False, KIMI_LINEAR_K3_FROM, read="0.27.0-0.34.0",
        taken=("silu", "situ"), words="Only silu and situ are supported.")),
}
"""NOTE: the architectures whose class changes at a release: from it, its SiluOnly replaces
SILU_ONLY's. Kimi-Linear (KIMI_LINEAR_K3_FROM; 0.27.0, 0.27.1, 0.28.0-0.34.0 read):
KimiDecoderLayer builds KimiMLP with config.hidden_act on its dense layers (before
first_k_dense_replace, or off moe_layer_freq) and KimiMoE builds one as its shared experts
where num_shared_experts is not None; KimiMLP takes "silu" or "situ" and raises
`ValueError(f"Unsupported activation: {hidden_act}. Only silu and situ are supported.")`.
KimiMoE's routed experts (FusedMoEFactory, activation=config.hidden_act) take the fused-MoE
activations (MoEActivation: "gelu" among them) and word their refusal otherwise ("Unknown MoE
activation"): not checked here, so a model whose first layer is MoE without shared experts,
with an activation neither KimiMLP nor MoEActivation takes, is refused with KimiMLP's words."""


TEXT_NAMED = {"Mistral3ForConditionalGeneration": "mistral3.py",
              "LlavaForConditionalGeneration": "llava.py",
              "LlavaNextForConditionalGeneration": "llava_next.py"}
"""NOTE: the wrappers whose vLLM class (vllm/model_executor/models/<file>) builds its language
model as init_vllm_registered_model(hf_config=config.text_config), every wheel of
READ_RELEASES: the class the registry resolves text_config's architectures to, as for a
config.json's (initialize_model; 0.9.1 and 0.34.0 model_loader/utils.py read)."""

MISTRAL_FILLED = ("Mistral3ForConditionalGeneration", "LlavaForConditionalGeneration")
"""NOTE: mistral3.py (0.9.1-0.19.0) and llava.py (0.9.1-0.34.0) __init__ set
text_config.architectures = ["MistralForCausalLM"] where it is None and text_config.model_type
is "mistral" (Pixtral-12B's HF format); from TEXT_CLASS_BY_TYPE_FROM with_hf_config gives the
same class."""

CAUSAL_LM_CLASSES: dict[str, str] = {
    "bamba": "BambaForCausalLM", "code_llama": "LlamaForCausalLM",
    "deepseek_v2": "DeepseekV2ForCausalLM", "deepseek_v3": "DeepseekV3ForCausalLM",
    "dots1": "Dots1ForCausalLM", "ernie4_5": "Ernie4_5ForCausalLM",
    "exaone4": "Exaone4ForCausalLM", "falcon_h1": "FalconH1ForCausalLM",
    "glm4_moe": "Glm4MoeForCausalLM", "granite": "GraniteForCausalLM",
    "hunyuan_v1_dense": "HunYuanDenseV1ForCausalLM", "llama": "LlamaForCausalLM",
    "mistral": "MistralForCausalLM", "phi3": "Phi3ForCausalLM", "qwen2": "Qwen2ForCausalLM",
    "qwen2_moe": "Qwen2MoeForCausalLM", "qwen3": "Qwen3ForCausalLM",
    "qwen3_moe": "Qwen3MoeForCausalLM", "seed_oss": "SeedOssForCausalLM"}
"""NOTE: transformers' MODEL_FOR_CAUSAL_LM_MAPPING_NAMES (models/auto/modeling_auto.py) where it
maps a model_type to a SILU_ONLY class, the same in 4.56.0 and 5.5.3 (vLLM 0.20.0's and
0.24.0's lowest): the class with_hf_config gives a text config that names none, from
TEXT_CLASS_BY_TYPE_FROM."""

CAUSAL_LM_CLASSES_5: dict[str, str] = {
    "afmoe": "AfmoeForCausalLM", "cwm": "CwmForCausalLM",
    "glm_moe_dsa": "GlmMoeDsaForCausalLM", "longcat_flash": "LongcatFlashForCausalLM",
    "ministral3": "Ministral3ForCausalLM", "qwen3_next": "Qwen3NextForCausalLM"}
"""NOTE: the same in 5.5.3 only (4.56.0 maps none of these types): from
TRANSFORMERS_5_ALLOWED_FROM, as Headroom plans under transformers 5 from it (0.19.1-0.23.x with
transformers<5 pinned fill in no class for them)."""


def silu_only_errors(spec: ModelSpec, cli: VllmCli) -> list[str]:
    """vLLM `cli`'s start-up refusal of `spec` where the class it builds for config.json's
    architectures (the first the release serves), or for a TEXT_NAMED wrapper the class it
    builds the text model as, builds a SiLU-only MLP (SILU_ONLY) and the activation it reads
    (hidden_act, or activation_function: SiluOnly.key; the class default where left out) is
    not "silu"; [] otherwise, or where none is known. E.g. a LlamaForCausalLM config.json with
    hidden_act "gelu"."""
    version = parse_version(cli.vllm_version)
    arch = _served(spec.architectures, cli)
    whose, prefix = f"{arch}'s", ""
    if arch in TEXT_NAMED and arch in cli.architectures:
        names, how = text_classes(spec, arch, version)
        text = _served(names, cli)
        whose = f"{arch}'s text model as {text} ({TEXT_NAMED[arch]}: {how}), and {text}'s"
        arch, prefix = text, "text_config."
    rule = _rule(arch, version) if arch in cli.architectures else None
    if rule is None:
        return []
    # a wrapper's spec holds text_config's (the parser's text reader)
    act = spec.activation_function if rule.key == "activation_function" else spec.hidden_act
    if act is None or act in rule.taken or not _builds(spec, rule, version):
        return []
    taken = " or ".join(f"\"{name}\"" for name in rule.taken)
    return [f"ValueError: Unsupported activation: {act}. {rule.words} "
            f"(vLLM {cli.vllm_version} builds {whose} {rule.built} as {rule.source}, which "
            f"raises this for any config.json {prefix}{rule.key} but {taken} in every release "
            f"{rule.read}.)"]


def _rule(arch: str | None, version: Version) -> SiluOnly | None:
    """SILU_ONLY's rule for `arch`, or SILU_ONLY_FROM's from its release."""
    later = SILU_ONLY_FROM.get(arch) if arch is not None else None
    if later is not None and version >= later[0]:
        return later[1]
    return SILU_ONLY.get(arch) if arch is not None else None


def _served(architectures: tuple[str, ...], cli: VllmCli) -> str | None:
    """The class vLLM's registry takes for `architectures`: the first the release serves,
    natively or through the Transformers backend."""
    return next((a for a in architectures
                 if a in cli.architectures or a in cli.transformers_architectures), None)


def text_classes(spec: ModelSpec, wrapper: str, version: Version) -> tuple[tuple[str, ...], str]:
    """The architectures vLLM `version` resolves a TEXT_NAMED `wrapper`'s text model from, and
    where they come from in words: text_config's, else the class filled in for its model_type
    (MISTRAL_FILLED, and from TEXT_CLASS_BY_TYPE_FROM CAUSAL_LM_CLASSES); () where none."""
    if spec.text_architectures:
        return spec.text_architectures, "text_config.architectures"
    text_type = spec.window.text_model_type if spec.window is not None else None
    how = f"text_config.model_type \"{text_type}\""
    if text_type == "mistral" and wrapper in MISTRAL_FILLED:
        return ("MistralForCausalLM",), how
    if version < TEXT_CLASS_BY_TYPE_FROM or text_type is None:
        return (), how
    if text_type in CAUSAL_LM_CLASSES:
        return (CAUSAL_LM_CLASSES[text_type],), how
    if text_type not in CAUSAL_LM_CLASSES_5 or version < TRANSFORMERS_5_ALLOWED_FROM:
        return (), how
    pinned = ("; under transformers 5, which its image and a fresh pip install run: with "
              "transformers<5 pinned it fills in no class" if version < TRANSFORMERS_5_ONLY_FROM
              else "")
    return (CAUSAL_LM_CLASSES_5[text_type],), how + pinned


def _builds(spec: ModelSpec, rule: SiluOnly, version: Version) -> bool:
    """Whether vLLM `version` builds `rule`'s MLP class for some layer of `spec`."""
    if rule.before is not None and version >= rule.before:
        return False
    if rule.where is not None:
        return rule.where(spec, version)
    if rule.every_layer:
        return True
    shared = rule.shared_from is not None and version >= rule.shared_from
    return any(isinstance(layer.mlp, DenseMlp)
               or (shared and isinstance(layer.mlp, MoeMlp) and layer.mlp.num_shared_experts > 0)
               for layer in spec.layers)
