"""vLLM's own start-up refusals that decide whether a plan can run, in vLLM's words.

One function for the CLI, the app, the sweep and the report (planner.serving.plan puts its
messages in Plan.errors), so they agree on every refusal. Sources, read in the 0.33.0 wheel:
- vllm/config/scheduler.py SchedulerConfig.verify_max_model_len: batched tokens vs
  max_num_seqs, and vs max_model_len when chunked prefill is off;
- vllm/config/model.py _get_and_verify_max_len: a max_model_len above the derived one;
- vllm/config/vllm.py _get_quantization_config: the quantization method's minimum compute
  capability (per release from planner/serving/vllm_cli/, get_min_capability()).
"""

from planner.model.quant import QuantScheme
from planner.serving.hardware import GpuSpec
from planner.serving.vllm_cli import VllmCli

QUANT_METHOD: dict[str, str] = {
    "fp8": "fp8", "gptq": "gptq", "awq": "awq", "int8": "compressed-tensors",
    "nvfp4": "modelopt_fp4", "mxfp4": "mxfp4", "bnb": "bitsandbytes", "gguf": "gguf",
}
"""The vLLM quantization method that loads each weight-format family (its config's
quant_method, or the runtime --quantization value); its get_min_capability() applies."""


def _capability(gpu: GpuSpec) -> int | None:
    """vLLM's DeviceCapability.to_int(): major x 10 + minor (None off NVIDIA or unknown)."""
    major, _, minor = gpu.compute_capability.partition(".")
    return int(major) * 10 + int(minor) if major.isdigit() and minor.isdigit() else None


def startup_errors(
    *, gpu: GpuSpec, scheme: QuantScheme, cli: VllmCli, max_model_len: int, model_limit: int,
    mbt: int, seqs: int, mbt_given: bool, chunked_prefill: bool,
) -> list[str]:
    """The ValueErrors vLLM raises at start-up for these settings ([] when it starts).

    The batch checks apply to a user-given max_num_batched_tokens: vLLM's defaults already
    satisfy them (EngineArgs caps the defaults, see engine.default_batch_limits).
    """
    errors = []
    if mbt_given and mbt < max_model_len and not chunked_prefill:
        errors.append(
            f"max_num_batched_tokens ({mbt}) is smaller than max_model_len ({max_model_len}). "
            "This effectively limits the maximum sequence length to max_num_batched_tokens "
            "and makes vLLM reject longer sequences. Please increase max_num_batched_tokens "
            "or decrease max_model_len.")
    if mbt < seqs:
        errors.append(f"max_num_batched_tokens ({mbt}) must be greater than or equal to "
                      f"max_num_seqs ({seqs}).")
    if max_model_len > model_limit:
        errors.append(
            f"User-specified max_model_len ({max_model_len}) is greater than the derived "
            f"max_model_len (max_position_embeddings={model_limit} or model_max_length=None "
            "in model's config.json). To allow overriding this maximum, set the env var "
            "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1.")
    method = QUANT_METHOD.get(scheme.family)
    minimum = cli.quantization_min_capability.get(method or "")
    current = _capability(gpu)
    if minimum is not None and current is not None and current < minimum:
        errors.append(
            f"The quantization method {method} is not supported for the current GPU. "
            f"Minimum capability: {minimum}. Current capability: {current}.")
    return errors
