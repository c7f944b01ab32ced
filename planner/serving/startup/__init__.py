"""vLLM's own start-up refusals that decide whether a plan can run, in vLLM's words.

One package for the CLI, the app, the sweep and the report (planner.serving.plan puts its
messages in Plan.errors), so they agree on every refusal. This module holds the entry points
(startup_errors, capability_errors, quantization_errors); each other module one kind of refusal:
- attention_backend: no attention backend (or not the one the model's config forces) takes
  the --kv-cache-dtype (or FlashInfer's head size 256 in 16-token blocks, an MLA model's
  prefill below compute capability 8.0, FlashInfer's prefill on a T4 in 0.22-0.23,
  0.10.2-0.11.0's FlexAttention below 8.0) on this GPU;
- block_size: a --block-size vLLM's parser or backends refuse;
- dtype: the dtype vLLM serves in (--dtype, a quantization method's activation dtypes);
- model_config: a model's config.json or architecture on a release (null fields, Gemma's tie,
  Nemotron-H MoE, OLMo 3 rope, the Transformers backend's qk-norm gather);
- quant_method: the quantization method vLLM names for a plan, and one the release or ROCm
  does not have;
- wna16_loaders, wna16_kernels, wna16_shapes: weight-only int (GPTQ, AWQ, compressed-tensors
  WNA16) checkpoints: their configs' checks, the linear kernels, the layers' per-rank shapes;
- autoround: AutoRound checkpoints (vLLM's INCConfig);
- fp4_weights, modelopt, torchao_quark, w4afp8, compressed_tensors_moe: those formats;
- fused_shards: an exclusion list keeping some, not all, shards of a layer vLLM merges;
- weight_load: no refusal: how vLLM lays weights out at load (WeightLoadRules);
- device: the GPU's compute capability as vLLM compares it;
- unknown_capability: a setting some compute capability refuses, on a GPU whose capability
  is unknown (each capability a GPU of its memory may have).

Sources of this module, read in the 0.33.0 and 0.34.0 wheels:
- vllm/config/scheduler.py SchedulerConfig.verify_max_model_len: batched tokens vs
  max_num_seqs, and vs max_model_len when chunked prefill is off;
- vllm/config/model.py _get_and_verify_max_len: a max_model_len above the derived one;
- vllm/config/model.py _verify_quantization: --quantization against a quantized checkpoint;
- vllm/config/vllm.py _get_quantization_config: the quantization method's minimum compute
  capability (per release from planner/serving/vllm_cli/, get_min_capability()).
"""

from planner.model.config.quant import W4AFP8_SCHEME
from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec
from planner.serving.engine import VllmWindow
from planner.serving.hardware import GpuSpec
from planner.serving.long_len import over_window_refusal
from planner.serving.startup.autoround import INC_AUTO_AWQ_FROM, inc_overrides_quantization
from planner.serving.startup.block_size import block_size_errors
from planner.serving.startup.device import capability
from planner.serving.startup.quant_method import QUANT_METHOD, config_quant_method
from planner.serving.startup.wheel_arch import wheel_arch_errors
from planner.serving.startup.wna16_loaders import PLAIN_LOADER_LAST
from planner.serving.vllm_cli import VllmCli
from planner.serving.vllm_versions import Version, parse_version, version_label


def quantization_errors(spec: ModelSpec, quantization: str | None) -> list[str]:
    """vLLM's refusal of a runtime --quantization that is not a quantized checkpoint's own.

    NOTE: vllm/config/model.py _verify_quantization (0.11.0, 0.20.0, 0.33.0, 0.34.0 wheels) raises
    when the config's quant_method and the argument differ after the methods' overrides,
    which convert only to a method the user named (gptq_marlin for marlin / gptq_marlin, ...);
    every --quantization Headroom plans (a runtime scheme: fp8) is no such override. A
    checkpoint whose quant_method Headroom reads no format from (spec.unread_quant_method,
    planned as 16-bit weights) is compared likewise: vLLM reads its config all the same.
    """
    method = config_quant_method(spec)
    if not quantization or method is None or method == quantization \
            or inc_overrides_quantization(spec, quantization):
        return []
    return [quantization_mismatch(method, quantization)]


def quantization_mismatch(method: str, quantization: str) -> str:
    """vLLM's words where the config's quant_method `method` is not --quantization's
    (quantization_errors' NOTE)."""
    return ("Quantization method specified in the model config "
            f"({method}) does not match the quantization method specified in the "
            f"`quantization` argument ({quantization}).")


def startup_errors(
    *, gpu: GpuSpec, scheme: QuantScheme, cli: VllmCli, max_model_len: int, window: VllmWindow,
    mbt: int, seqs: int, mbt_given: bool, chunked_prefill: bool, block_size: int | None,
    mixed: bool = False, ct_scheme: str | None = None, named: str | None = None,
    allow_long: bool = False,
) -> list[str]:
    """The ValueErrors vLLM raises at start-up for these settings ([] when it starts).

    The batch checks apply to a user-given max_num_batched_tokens: vLLM's defaults already
    satisfy them (EngineArgs caps the defaults, see engine.default_batch_limits). `mixed`: the
    checkpoint's own per-module formats (ModelOpt MIXED_PRECISION), which vLLM loads with its
    modelopt_mixed method (ModelOptMixedPrecisionConfig.override_quantization_method).
    A --max-model-len above the release's `window` (engine.vllm_window) is refused naming the
    length key that set it (max_len_key: seq_length, model_max_length, ... not always
    max_position_embeddings) with the window after rope scaling, as config/model.py
    _get_and_verify_max_len words it (0.19.0 and 0.30.0 wheels; long_len.over_window_refusal
    per release), unless `allow_long` (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1: vLLM warns instead,
    planner.serving.long_len).
    """
    errors = [] if block_size is None else block_size_errors(block_size)
    if mbt_given and mbt < max_model_len and not chunked_prefill:
        errors.append(
            f"max_num_batched_tokens ({mbt}) is smaller than max_model_len ({max_model_len}). "
            "This effectively limits the maximum sequence length to max_num_batched_tokens "
            "and makes vLLM reject longer sequences. Please increase max_num_batched_tokens "
            "or decrease max_model_len.")
    if mbt < seqs:
        errors.append(f"max_num_batched_tokens ({mbt}) must be greater than or equal to "
                      f"max_num_seqs ({seqs}).")
    if max_model_len > window.limit and not allow_long:
        errors.append(over_window_refusal(max_model_len, window,
                                          parse_version(cli.vllm_version)))
    return (wheel_arch_errors(gpu, parse_version(cli.vllm_version)) + errors
            + capability_errors(gpu, scheme, cli, mixed, ct_scheme, named))


CT_SCHEME_MIN_CAPABILITY: dict[str, tuple[tuple[Version, int], ...]] = {
    "NVFP4": (((0, 9, 1), 80), ((0, 10, 1), 100), ((0, 16, 0), 75)),
    "NVFP4A16": (((0, 9, 1), 80), ((0, 16, 0), 75)),
    "W8A8 int8": (((0, 9, 1), 75),),
    "WNA16": (((0, 9, 1), 80), ((0, 12, 0), 75)),
    "FP8": (((0, 9, 1), 80), ((0, 16, 0), 75)),
}
"""get_min_capability of the compressed-tensors scheme that loads a checkpoint's linear layers,
from each release on (ct_linear_scheme names it).

NOTE: CompressedTensorsConfig.get_scheme calls _check_scheme_supported(scheme.
get_min_capability()), which raises RuntimeError "Quantization scheme is not supported for the
current GPU. Min capability: N. Current capability: C." (0.33.0's and 0.34.0's words; up to 0.16.0
the same words passed as a tuple), after the method's own get_min_capability (70:
capability_errors). Each scheme's get_min_capability read in the compressed_tensors/schemes/ files
of every wheel 0.9.1-0.34.0: W4A4 NVFP4 (compressed_tensors_w4a4_nvfp4.py) 80 in 0.9.1, 100 in
0.10.1-0.15.1 (80 with VLLM_USE_NVFP4_CT_EMULATIONS, not modelled), 75 from 0.16.0; NVFP4A16
(compressed_tensors_w4a16_nvfp4.py) 80 in 0.9.1-0.15.1, 75 in 0.16.0-0.22.0, and from 0.23.0
CompressedTensorsW4A4Fp4(use_a16=True) at 75; W8A8 int8 (compressed_tensors_w8a8_int8.py) 75
in every wheel; WNA16 (compressed_tensors_wNa16.py) 80 in 0.9.1-0.11.2, 75 from 0.12.0; FP8
(_get_scheme_from_parts: W8A8 at 89 where _check_scheme_supported(89, error=False) holds, else
CompressedTensorsW8A16Fp8, compressed_tensors_w8a16_fp8.py) 80 in 0.9.1-0.15.1, 75 from 0.16.0,
so W8A16's figure decides."""


def capability_errors(gpu: GpuSpec, scheme: QuantScheme, cli: VllmCli, mixed: bool = False,
                      ct_scheme: str | None = None, named: str | None = None) -> list[str]:
    """vLLM's refusal of the quantization method on a GPU below its get_min_capability()
    (VllmConfig._get_quantization_config, config/vllm.py; [] where it runs): startup_errors'
    for node 0's GPU, plan's for each other node a layout reaches (plan.refusals.node_quant_errors).
    `ct_scheme`: the compressed-tensors scheme of a checkpoint that method loads
    (ct_linear_scheme; None: not one), whose own minimum comes next (CT_SCHEME_MIN_CAPABILITY).
    E.g. a W8A8 int8 checkpoint on a V100 (7.0): the method takes 70, the scheme 75. AWQ is
    named auto_awq from INC_AUTO_AWQ_FROM, as AutoAWQConfig.override_quantization_method
    renames "awq" (auto_awq.py get_name, 0.24.0-0.34.0 wheels) before config/vllm.py words the
    refusal with model_config.quantization. `named`: the checkpoint's quant_method awq_marlin /
    gptq_marlin, which vLLM keeps under that name (kept_marlin_method), whose minimum the
    release's fixture gives (80 to 0.13, then 75; gptq_marlin 60 from 0.22, AutoGPTQConfig's);
    where AWQMarlinConfig itself loads it (own_marlin_config) its __init__'s Marlin check
    raises first below 7.5 (awq_marlin_capability_refusal)."""
    version = parse_version(cli.vllm_version)
    if named == "awq_marlin" and version <= PLAIN_LOADER_LAST["awq"]:
        return []
    method = named or ("modelopt_mixed" if mixed else "compressed-tensors" if ct_scheme
                       else "w4afp8" if scheme.key == W4AFP8_SCHEME
                       else QUANT_METHOD.get(scheme.family))
    if method == "awq" and version >= INC_AUTO_AWQ_FROM:
        method = "auto_awq"
    minimum = cli.quantization_min_capability.get(method or "")
    current = capability(gpu)
    if minimum is not None and current is not None and current < minimum:
        return [f"The quantization method {method} is not supported for the current GPU. "
                f"Minimum capability: {minimum}. Current capability: {current}."]
    if ct_scheme and current is not None:
        need = next((n for first, n in reversed(CT_SCHEME_MIN_CAPABILITY[ct_scheme])
                     if version >= first), 0)
        if current < need:
            return [f"Quantization scheme is not supported for the current GPU. Min capability: "
                    f"{need}. Current capability: {current}. (vLLM {version_label(version)}: "
                    f"compressed-tensors {ct_scheme} weights)"]
    return []


def ct_linear_scheme(spec: ModelSpec, scheme: QuantScheme) -> str | None:
    """For capability_errors: the compressed-tensors scheme (a CT_SCHEME_MIN_CAPABILITY key)
    that loads a checkpoint's linear layers, stored or what-if (W8A8 int8 and the -ct- WNA16
    keys are compressed-tensors formats); None for any other. NVFP4A16 is
    QuantSpec.weight_only."""
    quant = spec.quant
    stored = not scheme.what_if and quant is not None and quant.method == "compressed-tensors"
    if scheme.family == "int8" and (stored or scheme.what_if):
        return "W8A8 int8"
    if scheme.family == "gptq" and (stored or "-ct-" in scheme.key):
        return "WNA16"
    if not stored:
        return None
    if scheme.family == "nvfp4":
        return "NVFP4A16" if quant.weight_only else "NVFP4"
    return "FP8" if scheme.family == "fp8" else None
