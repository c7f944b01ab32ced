"""The dtypes vLLM serves in: compute (served_dtype) and KV cache elements, the
checkpoint's FP8 KV cache included."""

from planner.model.attention.kvformat import KV_FORMATS, KvBytes
from planner.model.spec import ModelSpec
from planner.serving.engine.settings import EngineSettings
from planner.serving.vllm_versions import VllmRules, float16_refused, vllm_rules
from planner.units import TORCH_DTYPE_BYTES, kv_dtype_bytes


def checkpoint_fp8_kv(spec: ModelSpec, settings: EngineSettings, rules: VllmRules) -> bool:
    """Whether the KV cache takes the checkpoint's FP8 format, unless a what-if replaces the
    checkpoint: a ModelOpt kv_cache_quant_algo FP8 under --kv-cache-dtype auto
    (vllm_versions.CHECKPOINT_KV_DTYPE_FROM); a compressed-tensors kv_cache_scheme under
    `auto` (CT_KV_SCHEME_FROM), and whatever --kv-cache-dtype says before
    CT_KV_SCHEME_AUTO_ONLY_FROM. The memory plan and the speed model both read it here."""
    if settings.target_quant or spec.quant is None or spec.quant.kv_cache_dtype != "fp8":
        return False
    if spec.quant.method == "compressed-tensors":
        return rules.ct_kv_scheme and (settings.kv_cache_dtype == "auto"
                                       or rules.ct_kv_scheme_forced)
    return settings.kv_cache_dtype == "auto" and rules.checkpoint_kv_dtype


def checkpoint_kv_note(spec: ModelSpec, settings: EngineSettings, rules: VllmRules) -> str:
    """Why the KV cache is 1 B an element where checkpoint_fp8_kv says the checkpoint sets it
    (the KV-bytes term's note), else ''."""
    if not checkpoint_fp8_kv(spec, settings, rules):
        return ""
    if spec.quant is not None and spec.quant.method == "compressed-tensors":
        over = ("" if settings.kv_cache_dtype == "auto" else
                f"; vLLM {rules.label} applies it over the {settings.kv_cache_dtype} KV cache "
                "asked for (0.22 on: only under auto)")
        return ("FP8 KV cache (1 B): the checkpoint's compressed-tensors kv_cache_scheme, which "
                f"vLLM's Attention layer applies from 0.15{over}")
    return ("FP8 KV cache (1 B): --kv-cache-dtype auto takes the checkpoint's ModelOpt "
            "kv_cache_quant_algo (vLLM 0.14 on)")


def served_kv_elem_bytes(spec: ModelSpec, settings: EngineSettings, bf16: bool = True,
                         rules: VllmRules | None = None) -> KvBytes:
    """What the KV cache is sized with: 1 B where --kv-cache-dtype auto takes the
    checkpoint's FP8 KV cache (checkpoint_fp8_kv), else kv_elem_bytes. The memory plan, the
    speed model and the KV formulas (report, Plan page) all read it here."""
    rules = rules or vllm_rules(settings.vllm_version)
    if checkpoint_fp8_kv(spec, settings, rules):
        return 1
    return kv_elem_bytes(settings, spec.torch_dtype, bf16,
                         not float16_refused(spec.model_type, rules.version))


def kv_elem_bytes(settings: EngineSettings, model_dtype: str, bf16: bool = True,
                  fp16: bool = True) -> KvBytes:
    """Bytes per KV element for these settings (auto follows the served dtype), or the packed
    format (nvfp4, per-token-head) that sizes each head vector with its scales."""
    packed = KV_FORMATS.get(settings.kv_cache_dtype)
    if packed is not None:
        return packed
    return kv_dtype_bytes(settings.kv_cache_dtype,
                          served_dtype(settings, model_dtype, bf16, fp16))


def model_served_dtype(spec: ModelSpec, settings: EngineSettings, bf16: bool = True) -> str:
    """served_dtype for `spec` on a GPU that computes bfloat16 or not (`bf16`), float16 as the
    targeted release allows it for the model (vllm_versions.float16_refused)."""
    fp16 = not float16_refused(spec.model_type, vllm_rules(settings.vllm_version).version)
    return served_dtype(settings, spec.torch_dtype, bf16, fp16)


def served_dtype(settings: EngineSettings, model_dtype: str, bf16: bool = True,
                 fp16: bool = True) -> str:
    """The compute dtype vLLM runs: --dtype, or for auto the checkpoint's, float32 downcast and
    bfloat16 served as float16 where the GPU has no bfloat16.

    NOTE: vLLM config/model.py _resolve_auto_dtype: with --dtype auto a float32 checkpoint is
    downcast to the platform's preferred dtype, the first of current_platform.supported_dtypes
    (CUDA cc >= 8.0: bfloat16; older cards: float16). gemma-2-9b-it's config says float32;
    the v0.19 H100 log loads it as torch.bfloat16 in 17.22 GiB (not 34.4 GiB). A dtype the
    platform does not list (bfloat16 below cc 8.0: platforms/cuda.py supported_dtypes is
    [float16, float32] from 6.0) falls back to that preferred dtype with a warning ("Your
    device ... doesn't support torch.bfloat16. Falling back to torch.float16 for
    compatibility."; the 0.19.0 wheel). `bf16`: whether the GPU computes bfloat16 (False on
    pre-Ampere cards). `fp16`: whether the release lets the model run float16
    (vllm_versions.float16_refused: Gemma-2/3, GLM-4): where not, float16 leaves the supported
    list before the preferred dtype is taken, so on a GPU without bfloat16 it is float32
    (gemma-2-2b-it on a T4: 4 B per parameter, not 2) and a float16 checkpoint runs in
    bfloat16 where the GPU has it.
    """
    if settings.dtype != "auto":
        return settings.dtype
    preferred = "bfloat16" if bf16 else "float16" if fp16 else "float32"
    if model_dtype == "float32" or (model_dtype == "bfloat16" and not bf16) or (
            model_dtype == "float16" and not fp16):
        return preferred
    return model_dtype


def act_elem_bytes(settings: EngineSettings, model_dtype: str, bf16: bool = True,
                   fp16: bool = True) -> int:
    """Bytes per activation element."""
    return TORCH_DTYPE_BYTES[served_dtype(settings, model_dtype, bf16, fp16)]
