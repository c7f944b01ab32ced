"""Which of a MoE router's weights vLLM holds in float32 beyond the model dtype, per release and
GPU: one rule per model_type that names the vLLM model file building its router
(ROUTER_DTYPE_RULES); and where a quantized checkpoint's method or a runtime quantization
takes the router below it (gate_quantized). Read by weight_load.weight_load_rules for
weights.rank_weights."""

from typing import Literal, NamedTuple

from planner.model.exclusion_match import INC_METHODS
from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec, MoeMlp, QuantSpec
from planner.serving.hardware import GpuSpec
from planner.serving.startup.device import capability
from planner.serving.vllm_versions import (
    AWQ_STORED_DTYPES_FROM,
    CORRECTION_BIAS_FP32_FROM,
    DEEPSEEK_GATE_ROUTER_DTYPE_SPAN,
    ERNIE_GATE_FP32_FROM,
    GATE_FP32_OFF_SM90_SM100_FROM,
    GLM4_MOE_GATE_FP32_FROM,
    MIMO_V2_BIAS_OUT_DTYPE_FROM,
    QWEN3_MOE_GATE_QUANTIZED_FROM,
    QWEN3_NEXT_GATE_QUANTIZED_SPAN,
    Version,
    in_span,
)

EVERY_RELEASE: Version = (0, 0, 0)


class RouterDtypeRule(NamedTuple):
    """How one vLLM model file holds a MoE router beyond the model dtype: its
    gate.e_score_correction_bias in float32 from `bias_fp32_from` (None: in the gate's dtype),
    the whole gate (its bias too) in float32 on every GPU from `gate_fp32_from`, and `gate_by`
    a rule of its own: "router_dtype" (DeepseekV2MoE's _get_moe_router_dtype as params_dtype,
    vllm_versions.DEEPSEEK_GATE_ROUTER_DTYPE_SPAN), "gpu" (GateLinear's force_fp32_compute off
    the specialized router kernels, vllm_versions.GATE_FP32_OFF_SM90_SM100_FROM)."""

    vllm_file: str
    bias_fp32_from: Version | None = None
    gate_fp32_from: Version | None = None
    gate_by: Literal["", "router_dtype", "gpu"] = ""


_DEEPSEEK_V2_MOE = RouterDtypeRule("deepseek_v2.py DeepseekV2MoE", CORRECTION_BIAS_FP32_FROM,
                                   gate_by="router_dtype")
_GLM4_MOE = RouterDtypeRule("glm4_moe.py Glm4MoE", gate_fp32_from=GLM4_MOE_GATE_FP32_FROM)
ROUTER_DTYPE_RULES: dict[str, RouterDtypeRule] = {
    **dict.fromkeys(("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2", "kimi_k25",
                     "kimi_vl", "glm_moe_dsa"), _DEEPSEEK_V2_MOE),
    "glm4_moe": _GLM4_MOE,
    "glm4_moe_lite": _GLM4_MOE._replace(vllm_file="glm4_moe_lite.py Glm4MoeLite (Glm4MoE)"),
    "ernie4_5_moe": RouterDtypeRule("ernie45_moe.py Ernie4_5_MoeMoE",
                                    gate_fp32_from=ERNIE_GATE_FP32_FROM),
    "nemotron_h": RouterDtypeRule("nemotron_h.py NemotronHMoE", EVERY_RELEASE, gate_by="gpu"),
    "mimo_v2_flash": RouterDtypeRule("mimo_v2.py MiMoV2MoE", MIMO_V2_BIAS_OUT_DTYPE_FROM),
}
"""NOTE: the model_types whose vLLM MoE router holds a float32 weight by release or GPU, each with
the file that builds it: deepseek_v2.py DeepseekV2MoE for DeepSeek-V2/V3/R1/V3.2, Kimi K2 / K2.5,
Kimi-VL's text model and GLM-5 (kimi_k25.py / kimi_vl.py build a DeepseekV2 text model; 0.30.0-
0.34.0 vllm/models/deepseek_v32, GlmMoeDsa's and DeepseekV32's registry entry from 0.30.0,
imports DeepseekV2MoE); glm4_moe.py Glm4MoE, which glm4_moe_lite.py's Glm4MoeLite subclasses;
ernie45_moe.py; nemotron_h.py (its correction bias float32 in every wheel that builds its MoE,
0.11.1-0.34.0); mimo_v2.py, whose bias follows the gate's out_dtype, float32, from
MIMO_V2_BIAS_OUT_DTYPE_FROM. Float32 in every release that has their file, and so read at the
parse (MoeMlp.router_fp32): minimax_m2.py MiniMaxM2MoE's gate and bias (0.11.1, its first
wheel, to 0.34.0) and MiMoV2MoE's at the default moe_router_dtype. The other known model_types'
routers are in the model dtype (planner.model.config.router_bias's NOTE for the files read)."""


def gate_fp32(spec: ModelSpec, version: Version, gpu: GpuSpec, draft: bool = False) -> bool:
    """Whether vLLM `version` holds the MoE gate in float32 on `gpu` (weights.rank_weights
    gate_fp32), or with `draft` the MTP draft layer's, by the model_type's rule
    (ROUTER_DTYPE_RULES): from its gate_fp32_from on every GPU, the draft's too (ERNIE 4.5 MoE
    from 0.11.1, GLM-4.5 from 0.10.1); DeepseekV2MoE's in 0.25.x for GLM-5 (not its draft,
    renamed deepseek_mtp) or a config moe_router_dtype "float32"
    (vllm_versions.DEEPSEEK_GATE_ROUTER_DTYPE_SPAN); Nemotron-H's always before 0.17, then off
    NVIDIA compute capability 9.0 and 10.x (vllm_versions.GATE_FP32_OFF_SM90_SM100_FROM)."""
    rule = ROUTER_DTYPE_RULES.get(spec.model_type)
    if rule is None or not spec.is_moe:
        return False
    if rule.gate_fp32_from is not None:
        return version >= rule.gate_fp32_from
    if rule.gate_by == "router_dtype":
        return in_span(version, *DEEPSEEK_GATE_ROUTER_DTYPE_SPAN) and (
            spec.model_type == "glm_moe_dsa" and not draft or any(
                isinstance(layer.mlp, MoeMlp) and layer.mlp.router_dtype_float32
                for layer in spec.layers))
    if rule.gate_by == "gpu":
        cc = capability(gpu) if gpu.vendor == "nvidia" else None
        return version < GATE_FP32_OFF_SM90_SM100_FROM or not (
            cc is not None and (cc == 90 or cc // 10 == 10))
    return False


def correction_bias_fp32(spec: ModelSpec, version: Version) -> bool:
    """Whether vLLM `version` holds this model's MoE gate.e_score_correction_bias in float32
    whatever the gate's dtype (weights.rank_weights correction_bias_fp32), by the model_type's
    rule (ROUTER_DTYPE_RULES bias_fp32_from): DeepseekV2MoE's from 0.10.2
    (vllm_versions.CORRECTION_BIAS_FP32_FROM), Nemotron-H's in every release, MiMo-V2's from
    0.31.0 (vllm_versions.MIMO_V2_BIAS_OUT_DTYPE_FROM)."""
    rule = ROUTER_DTYPE_RULES.get(spec.model_type)
    return (spec.is_moe and rule is not None and rule.bias_fp32_from is not None
            and version >= rule.bias_fp32_from)


class GateQuantConfigSpan(NamedTuple):
    """The vLLM releases [start, until) whose model file builds the MoE gate with the model's
    quant_config (a runtime quantization can then take it), and that file."""

    vllm_file: str
    start: Version
    until: Version | None = None


_QWEN3_MOE_BLOCK = GateQuantConfigSpan("qwen3_moe.py Qwen3MoeSparseMoeBlock",
                                       QWEN3_MOE_GATE_QUANTIZED_FROM)
GATE_QUANT_CONFIG_SPANS: dict[str, GateQuantConfigSpan] = {
    "qwen3_moe": _QWEN3_MOE_BLOCK,
    **dict.fromkeys(("qwen3_vl_moe", "qwen3_vl_moe_text"), _QWEN3_MOE_BLOCK._replace(
        vllm_file="qwen3_vl_moe.py Qwen3MoeLLMModel (Qwen3MoeSparseMoeBlock)")),
    "qwen3_next": GateQuantConfigSpan("qwen3_next.py Qwen3NextSparseMoeBlock",
                                      *QWEN3_NEXT_GATE_QUANTIZED_SPAN),
    "arctic": GateQuantConfigSpan("arctic.py ArcticMoE", EVERY_RELEASE),
}
"""NOTE: the model_types whose vLLM MoE gate takes the model's quant_config, by release, each
with the file that builds it (read in 0.9.0-0.34.0, every minor but 0.21.0, whose wheel holds no
model files): Qwen3-MoE from 0.10.1 (vllm_versions.QWEN3_MOE_GATE_QUANTIZED_FROM), Qwen3-VL-MoE
in every wheel that has qwen3_vl_moe.py (0.11.0-0.34.0: its Qwen3MoeLLMModel passes
vllm_config.quant_config to Qwen3MoeSparseMoeBlock), Qwen3-Next 0.10.2-0.16.0
(vllm_versions.QWEN3_NEXT_GATE_QUANTIZED_SPAN), Arctic in every wheel that serves it (arctic.py
ArcticMoE's `self.gate = ReplicatedLinear(..., quant_config=quant_config)`, 0.9.0-0.28.0; its
experts are plain parameters no quant method takes, ModelSpec.experts_unquantized). Every other
MoE file Headroom plans builds its gate or router with quant_config=None (ReplicatedLinear, to
0.30.0), an nn.Linear, or a GateLinear without one (its default None, 0.17.0-0.34.0) in every
release that has it: qwen2_moe.py, qwen3_5.py (Qwen3NextSparseMoeBlock from 0.17.0),
mixtral.py, olmoe.py (0.9.0-0.33.0), phimoe.py, granitemoe.py, llama4.py, gpt_oss.py (0.10.1-
0.34.0), gemma4.py (Gemma4Router takes quant_config, its proj, a GateLinear, does not; 0.19.0-
0.34.0), minimax_m2.py, mimo_v2.py, ernie45_moe.py, glm4_moe.py, deepseek_v2.py, deepseek_v4
(0.20.0-0.34.0), nemotron_h.py, hunyuan_v1.py, dots1.py, bailing_moe.py, step3_text.py,
jamba.py, flex_olmo.py."""


GATE_QUANTIZING_METHODS = frozenset({"fp8", "compressed-tensors", "modelopt", "bitsandbytes",
                                     "fbgemm_fp8", "w4afp8", "torchao", "quark", *INC_METHODS})
"""The checkpoint methods whose vLLM loader quantizes a MoE gate built with the quant config
unless the checkpoint's exclusion list names it; AWQ's does so only where it reads a list
(checkpoint_gate_quantized).

NOTE: each method's get_quant_method for a ReplicatedLinear (GateLinear, a ReplicatedLinear,
from 0.32.0) prefixed "model.layers.N.mlp.gate", read in the 0.19.0 and 0.34.0 wheels:
Fp8Config (fp8.py, block-wise or per-tensor checkpoints): is_layer_skipped(prefix,
ignored_layers) (exact prefix; 0.34.0 match_mode "exact") -> UnquantizedLinearMethod, else
Fp8LinearMethod (fp8 weight + its block or tensor scales). CompressedTensorsConfig
(compressed_tensors.py get_scheme_dict): should_ignore_layer (exact name or "re:" regex) -> None
(unquantized), else find_matched_target, whose class-name match takes a "Linear" target
(`"linear" in "replicatedlinear"` / "gatelinear"), so the gate gets the group's scheme
(W4A16, W8A8, FP8, NVFP4); a config whose targets match nothing of the gate raises "Unable to
find matching target" in 0.19.0 and leaves it unquantized in 0.34.0 (not read here: targets).
ModelOptFp8Config / ModelOptNvFp4Config (modelopt.py): is_layer_excluded (exact, substring or
fnmatch wildcard of exclude_modules) -> UnquantizedLinearMethod, else the FP8 / NVFP4 linear
method; the MIXED_PRECISION config leaves every layer quantized_layers does not list
unquantized (the checkpoint's module_formats: not this rule). BitsAndBytesConfig
(bitsandbytes.py, 0.19.0; dropped in 0.28.0): is_layer_skipped_bnb(prefix,
llm_int8_skip_modules) -> UnquantizedLinearMethod, else BitsAndBytesLinearMethod, which the
loader's _get_bnb_target_modules then quantizes (NF4 at load under --quantization
bitsandbytes). The others keep it 16-bit whatever the list: Mxfp4Config hands every LinearBase
UnquantizedLinearMethod (MXFP4 is the experts'); GPTQConfig / GPTQMarlinConfig (0.19.0) and
AutoGPTQConfig (0.34.0) quantize a layer only where modules_in_block_to_quantize names it, and
maybe_update_config fills that list from the checkpoint's safetensors dtypes where the config
gives none (from 0.11.0): a gate stored 16-bit stays 16-bit (Qwen's GPTQ checkpoints; 0.10.2's
qwen3_moe.py / qwen3_next.py drop the gate's quant config for GPTQ without an autoround_version;
0.10.1 hands Qwen3-MoE's GPTQ and cannot load a 16-bit one: stored_gate.gptq_gate_errors), and
one stored quantized, AutoRound's GPTQ export (QuantSpec.autoround_gptq), is GPTQ in every
release that hands it the quant config. AWQConfig / AWQMarlinConfig (0.19.0) and AutoAWQConfig
(0.34.0): is_layer_skipped(prefix, modules_to_not_convert, substring match) ->
UnquantizedLinearMethod, else the AWQ (Marlin) linear method, the checkpoint's int4 qweight /
qzeros / scales (vllm_versions.AWQ_STORED_DTYPES_FROM: the list it reads).
FBGEMMFp8Config (fbgemm_fp8.py, the same get_quant_method in the 0.9.0, 0.19.0 and 0.34.0
wheels): any LinearBase is_layer_skipped (exact) does not name -> FBGEMMFp8LinearMethod (fp8
weight, one float32 scale per output row). W4AFP8Config (w4afp8.py, 0.34.0 only:
vllm_versions.W4AFP8_FROM): a RoutedExperts layer gets the W4A8 MoE method, every other layer
Fp8Config.get_quant_method (the gate Fp8LinearMethod in 128 x 128 blocks unless
ignored_layers names it). TorchAOConfig (torchao.py, 0.13.0, 0.19.0, 0.27.0 and 0.34.0):
every LinearBase should_skip(prefix, modules_to_not_convert) does not keep gets
TorchAOLinearMethod with the checkpoint's config (a ModuleFqnToConfig per name: not read
here); 0.9.0 the same with no list. QuarkConfig (quark/quark.py, 0.19.0 and 0.34.0): a
LinearBase should_ignore_layer(prefix, exclude) does not keep gets QuarkLinearMethod with
the scheme _find_matched_config finds (layer_quant_config's own formats are planned in the
global one: config.quant._quark). INCConfig (AutoRound, quant_method "auto-round" / "inc";
inc.py 0.19.0, inc/inc.py + inc/config_parser.py 0.34.0; Headroom plans AutoRound from 0.19.0:
autoround._inc_unread): get_quant_method returns UnquantizedLinearMethod where an extra_config
key equal to the prefix (or "model." + prefix) has bits >= 16 (16 where absent), else
get_layer_config / INCConfigParser.resolve quantize a layer not an lm_head whose name starts
with a block_name_to_quantize entry (every layer where there is none) unless an exact or regex
(re.search) extra_config entry gives it 16 bits: the gate gets the checkpoint's GPTQ / AWQ
(Marlin) linear method or, from 0.29.0, INCFp8Scheme's block-FP8 one. No size or backend rule
there keeps it 16-bit: Marlin or the plain GPTQ / AWQ method hold the same int4 / int8 tensors
(the gates above have 2,048-7,168 inputs and 128 or 512 outputs). Headroom plans every decoder
layer inside the blocks (config.quant._inc), the gate with them. AutoRound itself keeps each
".gate" of a MoE model 16-bit and writes it into extra_config (auto-round 0.16.1
special_model_handler.py get_predefined_ignore_layers, export_to_autoround/export.py); older
exports quantized it (qwen3_moe.py 0.10.2: "AutoGPTQ seems to avoid gate quantization while
AutoRound does"). A gate these checkpoints store 16-bit is loaded into the
quantized layer without the unloaded-weights check (default_loader.py load_weights runs it
only where model_config.quantization is None, 0.19.0); whether a weight_loader stops on it is
not read: not refused."""


def checkpoint_gate_quantized(quant: QuantSpec, version: Version) -> bool:
    """Whether vLLM `version` builds a MoE gate handed this checkpoint's quant config in the
    checkpoint's format where its exclusion list does not name the gate
    (GATE_QUANTIZING_METHODS): AWQ only where it reads a list (config.json gives one, or
    before vllm_versions.AWQ_STORED_DTYPES_FROM), GPTQ only where AutoRound stored it
    quantized (autoround_gptq), not ModelOpt MIXED_PRECISION (module_formats: an unlisted gate
    is unquantized)."""
    if quant.module_formats:
        return False
    if quant.method == "gptq":  # gptq_marlin too (config.quant._gptq_awq)
        return quant.autoround_gptq
    if quant.method == "awq":  # awq_marlin too (config.quant._gptq_awq)
        return quant.excluded_key is not None or version < AWQ_STORED_DTYPES_FROM
    return quant.method in GATE_QUANTIZING_METHODS


def gate_takes_quant_config(spec: ModelSpec, version: Version) -> bool:
    """Whether vLLM `version` builds this MoE model's gate with the model's quant_config
    (GATE_QUANT_CONFIG_SPANS), so that the method's get_quant_method is asked about it."""
    span = GATE_QUANT_CONFIG_SPANS.get(spec.model_type)
    return spec.is_moe and span is not None and in_span(version, span.start, span.until)


def gate_quantized(spec: ModelSpec, scheme: QuantScheme, version: Version) -> bool:
    """Whether vLLM `version` holds the MoE gate in the scheme's bits rather than the 16-bit the
    scheme keeps routers in (weights.rank_weights router_quantized; each layer whose gate the
    checkpoint's exclusion list does not name), for a model_type whose gate takes the model's
    quant_config in `version` (GATE_QUANT_CONFIG_SPANS): the checkpoint as stored where its
    method's loader quantizes such a gate (checkpoint_gate_quantized), else a runtime
    quantization of a 16-bit checkpoint (`--quantization fp8`: Fp8Config / the online
    fp8_per_tensor config quantizes every LinearBase it is handed; `--quantization
    bitsandbytes`: every one BitsAndBytesConfig hands its method, GATE_QUANTIZING_METHODS)."""
    if not gate_takes_quant_config(spec, version):
        return False
    if stored_format(spec, scheme):
        return checkpoint_gate_quantized(spec.quant, version)
    return scheme.runtime
