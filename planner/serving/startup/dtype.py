"""vLLM's refusals of the dtype it serves the model in: --dtype bfloat16 below compute capability
8.0 (platforms/cuda.py check_if_supports_dtype), float16 for model types it holds unstable
(config/model.py _check_valid_dtype), a dtype the quantization method's
get_supported_act_dtypes() does not list (config/vllm.py _get_quantization_config), and W8A8
int8 in float32 (the CUTLASS int8 GEMM's assertion)."""

from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec
from planner.serving.hardware import GpuSpec
from planner.serving.startup.device import capability
from planner.serving.startup.quant_method import loading_method
from planner.serving.startup.wna16_loaders import kept_marlin_method, marlin_keys_miss, plain_loader
from planner.serving.vllm_versions import Version, version_label


def dtype_errors(gpu: GpuSpec, dtype: str) -> list[str]:
    """vLLM's refusal of --dtype bfloat16 on an NVIDIA GPU below compute capability 8.0 (V100):
    [] for any other dtype, GPU, or a GPU without an NVIDIA capability.

    NOTE: every covered release raises it in Worker.init_device from model_config.dtype:
    v1/worker/gpu_worker.py _check_if_gpu_supports_dtype in the 0.9.1-0.10.1 wheels,
    platforms/cuda.py CudaPlatform.check_if_supports_dtype from 0.10.2 (0.33.0, 0.34.0 the same).
    --dtype auto does not meet it: config/model.py _resolve_auto_dtype falls back to the
    platform's first supported dtype (float16 below 8.0) with a warning.
    """
    current = capability(gpu)
    if dtype != "bfloat16" or current is None or current >= 80:
        return []
    return ["Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
            f"Your {gpu.name} GPU has compute capability {current // 10}.{current % 10}. You "
            "can use float16 instead by explicitly setting the `dtype` flag in CLI, for "
            "example: --dtype=half."]


def float16_errors(model_type: str, dtype: str, refused: bool) -> list[str]:
    """vLLM's refusal of --dtype float16 for a model type it holds numerically unstable in
    float16 (`refused`: vllm_versions.float16_refused, per release); [] otherwise.

    NOTE: _check_valid_dtype, run on the dtype --dtype resolves to (config.py in the 0.9.x
    wheels, config/model.py from 0.11; the same text in every wheel 0.9.1-0.34.0, the reason
    the same for each model type in _FLOAT16_NOT_SUPPORTED_MODELS). --dtype auto never meets
    it: _resolve_auto_dtype leaves float16 out for these types (engine.served_dtype).
    """
    if dtype != "float16" or not refused:
        return []
    return [f"The model type {model_type!r} does not support float16. Reason: Numerical "
            "instability. Please use bfloat16 or float32 instead."]


ACT_DTYPES: dict[str, tuple[str, ...]] = {
    "fp8": ("bfloat16", "float16"), "fbgemm_fp8": ("bfloat16", "float16"),
    "modelopt": ("bfloat16", "float16"), "modelopt_mixed": ("bfloat16", "float16"),
    "modelopt_fp4": ("bfloat16", "float16", "float8_e4m3fn"), "mxfp4": ("bfloat16",),
    "gptq": ("float16", "bfloat16"), "awq": ("float16", "bfloat16"),
    "inc": ("float16", "bfloat16"), "w4afp8": ("bfloat16", "float16"),
}
"""The activation dtypes each quantization method that loads a planned format takes, in the
order vLLM prints them (QuantizationConfig.get_supported_act_dtypes(), the 0.19.0 and 0.30.0
wheels alike: fp8.py, fbgemm_fp8.py, modelopt.py ModelOptFp8Config / ModelOptNvFp4Config /
ModelOptMixedPrecisionConfig, mxfp4.py). gptq and awq stand for their loaders, named
gptq / gptq_marlin / auto_gptq (awq alike) as the release and the checkpoint pick: the
Marlin ones take float16 and bfloat16, the plain ones float16 only, none float32.
compressed-tensors and bitsandbytes take float32 too, so they are not listed. inc: INCConfig
([torch.half, torch.bfloat16], 0.19.0, 0.33.0 and 0.34.0 wheels), which an AutoRound checkpoint's
"auto-round" turns into."""


def act_dtype_errors(spec: ModelSpec, scheme: QuantScheme, served: str,
                     mixed: bool = False, *, version: Version, vendor: str) -> list[str]:
    """vLLM's refusal of the dtype it runs the model in (`served`: engine.served_dtype, e.g.
    float32 for --dtype float32, or for Gemma-2/3 under auto on a GPU without bfloat16) for
    the quantization method that loads `scheme`: the checkpoint's own method, vLLM's
    --quantization fp8 at load, or for a what-if of GPTQ, AWQ, FP8 or MXFP4 the methods
    that load such a checkpoint ([] where it takes it, or no method loads the weights).
    vLLM `version` on a GPU of `vendor` picks the GPTQ/AWQ loader (plain_loader).

    NOTE: config/vllm.py VllmConfig._get_quantization_config, right after the minimum
    capability check (0.19.0 and 0.30.0 wheels; older releases hold the same check in
    model_executor/model_loader, unverified per release): `if model_config.dtype not in
    quant_config.get_supported_act_dtypes(): raise ValueError(f"{model_config.dtype} is not
    supported for quantization method {model_config.quantization}. Supported dtypes:
    {supported_dtypes}")`. `mixed`: a ModelOpt MIXED_PRECISION checkpoint (modelopt_mixed).
    E.g. a GPTQ int4 checkpoint in groups of 256 served in bfloat16 on vLLM 0.19.0-0.21.0:
    gptq_marlin refuses group 256, so quantization stays "gptq" (GPTQConfig, [torch.half])
    and vLLM raises "torch.bfloat16 is not supported for quantization method gptq. Supported
    dtypes: [torch.float16]"; 0.22.0's AutoGPTQConfig takes it.
    """
    if scheme.family == "float":
        return []
    method = loading_method(spec, scheme, mixed)
    named = kept_marlin_method(spec, scheme)
    if named and served not in ("float16", "bfloat16"):
        return [f"torch.{served} is not supported for quantization method {named}. Supported "
                "dtypes: [torch.float16, torch.bfloat16]"]
    allowed = ACT_DTYPES.get(method)
    if allowed is None or served in allowed:
        plain = "" if named else plain_loader(method, scheme, version, vendor,
                                               keys_miss=marlin_keys_miss(spec, scheme, version))
        if not plain or served == "float16":
            return []
        return [f"torch.{served} is not supported for quantization method {method}. Supported "
                f"dtypes: [torch.float16] (vLLM {version_label(version)} loads {scheme.label} "
                f"with {method}.py's plain loader: {plain}; --dtype float16 runs it)"]
    if method in ("gptq", "awq"):
        return [f"torch.{served} is not supported for quantization method {method}: vLLM's "
                f"{method.upper()} loaders ({method}_marlin, auto_{method}, {method}, as the "
                "release and the GPU pick) take torch.float16, and torch.bfloat16 on Marlin "
                "(get_supported_act_dtypes)."]
    listed = ", ".join(f"torch.{d}" for d in allowed)
    return [f"torch.{served} is not supported for quantization method {method}. Supported "
            f"dtypes: [{listed}]"]


def int8_float32_errors(scheme: QuantScheme, served: str) -> list[str]:
    """W8A8 int8 weights run in float32 (Gemma-2/3 or GLM-4 on a T4 or V100, or --dtype
    float32): vLLM loads them (compressed-tensors' get_supported_act_dtypes lists
    torch.float32), then its int8 GEMM stops at the profile run, in an assertion.

    NOTE: vLLM's CUDA int8 kernels are tried in the order CutlassInt8ScaledMMLinearKernel,
    Triton, Humming (model_executor/kernels/linear/__init__.py _POSSIBLE_INT8_KERNELS); the
    CUTLASS one's is_supported and can_implement accept every CUDA GPU, and its
    apply_weights calls ops.cutlass_scaled_mm(..., out_dtype=x.dtype) (cutlass_scaled_mm_azp
    for asymmetric activations), which begin `assert out_dtype is torch.bfloat16 or out_dtype
    is torch.float16` (_custom_ops.py). Read in the 0.19.0, 0.30.0, 0.33.0 and 0.34.0 wheels; older
    releases assumed alike (unverified)."""
    if scheme.family != "int8" or served != "float32":
        return []
    return [f"vLLM runs {scheme.label} in torch.float32 here, and its int8 GEMM stops at "
            "`assert out_dtype is torch.bfloat16 or out_dtype is torch.float16` "
            "(_custom_ops.cutlass_scaled_mm, from CutlassInt8ScaledMMLinearKernel with the "
            "activations' dtype): W8A8 int8 writes 16-bit outputs only."]
