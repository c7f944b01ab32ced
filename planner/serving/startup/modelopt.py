"""ModelOpt checkpoints vLLM refuses while it reads their config: MIXED_PRECISION per-module
formats a release does not build (ModelOptMixedPrecisionConfig, quantization/modelopt.py) and a
legacy hf_quant_config.json quant_algo it does not know (config/model.py
_parse_quant_hf_config, model_arch_config_convertor.py)."""

from planner.model.config.quant import MODELOPT_KEYS_BEFORE
from planner.model.quant import QuantScheme, checkpoint_formats, stored_format
from planner.model.spec import ModelOptFaults, ModelSpec
from planner.serving.vllm_versions import Version, version_label

MODELOPT_MIXED_FROM: Version = (0, 17, 0)
"""NOTE: quantization/modelopt.py lists MIXED_PRECISION in QUANT_ALGOS and has
ModelOptMixedPrecisionConfig ("modelopt_mixed") from the 0.17.0 wheel; the 0.16.0 wheel's
ModelOptQuantConfigBase.from_config raises on it ("ModelOpt currently only supports: [...]
quantizations in vLLM")."""

MIXED_W4A16_NVFP4_FROM: Version = (0, 22, 0)
"""NOTE: ModelOptMixedPrecisionConfig.get_quant_method builds FP8 and NVFP4 entries only in the
0.17.0-0.21.0 wheels: a W4A16_NVFP4 module gets UnquantizedLinearMethod (routed experts: no
quantized method), which its FP4 tensors do not fit; the 0.22.0 wheel routes it to
ModelOptNvFp4W4A16LinearMethod / ModelOptNvFp4FusedMoE (vLLM PR 42566)."""

MIXED_LM_HEAD_FROM: Version = (0, 23, 0)
"""NOTE: up to the 0.22.0 wheel ModelOptMixedPrecisionConfig.get_quant_method quantizes
LinearBase layers only and qwen3_5.py builds its ParallelLMHead without a quant_config, so a
listed (quantized) lm_head is built 16-bit and its scales have nowhere to load: "There is no
module or parameter named 'lm_head.input_scale' in Qwen3_5MoeForCausalLM" (vLLM issues 44081
and 45102, nvidia/Qwen3.6-35B-A3B-NVFP4 on 0.22.0). The 0.23.0 wheel quantizes
(LinearBase, ParallelLMHead) and qwen3_5.py passes its quant_config (vLLM PR 42124); other
model classes are not read."""


def modelopt_mixed_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """Why vLLM `version` does not load this ModelOpt MIXED_PRECISION checkpoint in its own
    format ([] when it does, or when a what-if plans another checkpoint: stored_format): the
    per-module formats its release does not build."""
    quant = spec.quant
    if checkpoint_formats(spec, scheme) is None:
        return []
    v = version_label(version)
    if version < MODELOPT_MIXED_FROM:
        return [f"vLLM {v}'s ModelOpt config knows no quant_algo MIXED_PRECISION (\"ModelOpt "
                "currently only supports: [...] quantizations in vLLM\"); "
                "ModelOptMixedPrecisionConfig arrives in vLLM 0.17.0."]
    errors = []
    if version < MIXED_W4A16_NVFP4_FROM and any(f.algo == "W4A16_NVFP4"
                                                for f in quant.module_formats):
        errors.append(f"vLLM {v}'s ModelOptMixedPrecisionConfig builds FP8 and NVFP4 modules "
                      "only: its W4A16_NVFP4 ones are built unquantized and their FP4 "
                      "tensors do not load (W4A16_NVFP4 from vLLM 0.22.0).")
    if version < MIXED_LM_HEAD_FROM and any(f.module.split(".")[-1] == "lm_head"
                                            for f in quant.module_formats):
        errors.append(f"vLLM {v} builds the lm_head unquantized, so the checkpoint's quantized "
                      "lm_head does not load: \"There is no module or parameter named "
                      "'lm_head.input_scale'\" (a quantized lm_head from vLLM 0.23.0).")
    return errors


MODELOPT_LEGACY_ALGOS: tuple[tuple[Version, bool, tuple[str, ...]], ...] = (
    ((0, 13, 0), False, ("FP8", "NVFP4")),
    ((0, 14, 0), True, ("FP8", "FP8_PER_CHANNEL_PER_TOKEN", "FP8_PB_WO", "NVFP4")),
    ((0, 33, 0), True, ("FP8", "FP8_PER_CHANNEL_PER_TOKEN", "FP8_PB_WO", "NVFP4",
                        "MIXED_PRECISION")),
)
"""(first release, upper-cased, the quant_algos) a legacy ModelOpt config (producer.name
"modelopt" and a "quantization" block: hf_quant_config.json's layout) may name, from a release
on; vLLM raises ValueError(f"Unknown ModelOpt quant algo: {quant_algo}") for any other.

NOTE: config/model.py ModelConfig._parse_quant_hf_config in the 0.13.0 wheel (quant_algo
"FP8" or "NVFP4" exactly, else the raise), transformers_utils/model_arch_config_convertor.py
_normalize_quantization_config in 0.14.0, 0.16.0, 0.21.0, 0.23.0, 0.28.0, 0.29.0, 0.30.0,
0.31.0 and 0.32.0 (upper-cased: FP8, FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO -> modelopt, NVFP4 ->
modelopt_fp4, else the raise) and in 0.33.0 and 0.34.0 (MIXED_PRECISION -> modelopt_mixed as
well). The 0.9.1 wheel reads no hf_quant_config.json into the model config (not judged before
0.13). Not modelled: from 0.26.0 (read in 0.26.0-0.34.0; 0.25.0 lacks it) a "quantization"
block holding "modelopt_quant_config" is read so whatever its producer (is_legacy_modelopt); a
config with neither gets no quant_method there (vLLM then loads no quantization)."""


def modelopt_legacy_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM's refusal of a legacy ModelOpt config's quant_algo (QuantSpec.modelopt_legacy_algo,
    MODELOPT_LEGACY_ALGOS) while it reads the model config, in its words; [] where it loads or
    the release is not read. E.g. hf_quant_config.json quant_algo W4A16_AWQ on 0.34.0."""
    algo = spec.quant.modelopt_legacy_algo if stored_format(spec, scheme) else None
    if algo is None or version < MODELOPT_LEGACY_ALGOS[0][0]:
        return []
    _, upper, taken = next(e for e in reversed(MODELOPT_LEGACY_ALGOS) if e[0] <= version)
    if (algo.upper() if upper else algo) in taken:
        return []
    return [f"Unknown ModelOpt quant algo: {algo} (vLLM {version_label(version)} reads a "
            "ModelOpt config whose producer is modelopt as quant_method modelopt, modelopt_fp4"
            + (" or modelopt_mixed" if "MIXED_PRECISION" in taken else "")
            + f" only for quant_algo {', '.join(taken)}"
            + ("" if upper else " (exactly so written)") + ")"]


MODELOPT_TYPES_CHECKED_FROM: Version = (0, 12, 0)
"""NOTE: from the 0.12.0 wheel every ModelOpt algorithm's config is read by
ModelOptQuantConfigBase.from_config (0.12.0-0.34.0 wheels read: 0.12.0-0.16.0, 0.18.0-0.20.0,
0.24.0, 0.25.0, 0.28.0-0.31.0, 0.34.0), which raises ValueError(f"kv_cache_quant_algo must be
a string, got {type(...)}") for a kv_cache_quant_algo neither None nor a string and
ValueError(f"exclude_modules must be a list, got {type(...)}") for an exclusion list that is
not a list: the block's .get("exclude_modules", []) (flat: "ignore", 0.33 on "ignore" else
exclude_modules), so an explicit null is refused too. Before 0.12 (0.10.0-0.11.1 wheels) only
ModelOptNvFp4Config.from_config checks both (NVFP4_TYPES_CHECKED_FROM); ModelOptFp8Config
takes either as it is, and its is_layer_excluded returns False for exclude_modules None and
iterates a {} as empty. The 0.9.1 / 0.9.2 ModelOptFp8Config reads quant_algo only;
ModelOptNvFp4Config stores exclude_modules and kv_cache_quant_algo unchecked, and
get_quant_method's is_layer_skipped (`prefix in exclude_modules`) raises TypeError for None
(a {} holds nothing)."""

NVFP4_TYPES_CHECKED_FROM: Version = (0, 10, 0)
"""NOTE: ModelOptNvFp4Config.from_config in the 0.10.0-0.11.1 wheels: the two ValueErrors of
MODELOPT_TYPES_CHECKED_FROM, for the "quantization" block and the flat config alike."""

FLAT_KV_ALGO_LAST: Version = (0, 17, 0)
"""NOTE: the flat (config.json quantization_config) branch of
ModelOptQuantConfigBase.from_config reads kv_cache_quant_algo in the 0.12.0-0.16.0 wheels and
kv_cache_scheme instead (a dict; kv_cache_quant_algo unread) from the 0.18.0 wheel; 0.17.0 is
not read and taken as 0.16.0 (unverified)."""


def _reads_key(faults: ModelOptFaults, version: Version) -> bool:
    """Whether vLLM `version` reads the exclusion list under faults.key (a flat config's key
    before 0.33: config.quant.MODELOPT_KEYS_BEFORE)."""
    older = next((key for until, key in MODELOPT_KEYS_BEFORE if version < until), None)
    return not faults.flat or older in (None, faults.key)


def modelopt_type_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM `version`'s refusal of a ModelOpt config's values of another type
    (QuantSpec.modelopt_faults) in its words, [] where it takes them or a what-if plans another
    checkpoint: an exclusion list {} or null (MODELOPT_TYPES_CHECKED_FROM), one holding a
    non-string (every release that reads the list: is_layer_excluded's `exclude_module in
    prefix` TypeError; the NVFP4 config's `pattern.replace` / `"*" in pattern` before 0.12), a
    kv_cache_quant_algo 5."""
    faults = spec.quant.modelopt_faults if stored_format(spec, scheme) else None
    if faults is None:
        return []
    v = version_label(version)
    nvfp4 = spec.quant.scheme == "nvfp4"
    checked = version >= MODELOPT_TYPES_CHECKED_FROM or (
        nvfp4 and version >= NVFP4_TYPES_CHECKED_FROM)
    reads_list = _reads_key(faults, version) and (nvfp4 or version >= NVFP4_TYPES_CHECKED_FROM)
    errors = []
    if faults.kv_type and checked and (not faults.flat or version <= FLAT_KV_ALGO_LAST):
        errors.append(f"kv_cache_quant_algo must be a string, got <class '{faults.kv_type}'> "
                      f"(vLLM {v}'s ModelOpt config reader)")
    if faults.list_type and reads_list and checked:
        errors.append(f"exclude_modules must be a list, got <class '{faults.list_type}'> "
                      f"(vLLM {v}'s ModelOpt config reader, the config's {faults.key})")
    elif faults.list_type == "NoneType" and reads_list and nvfp4:
        errors.append(f"TypeError: argument of type 'NoneType' is not iterable (vLLM {v}'s "
                      f"ModelOpt NVFP4 config matches each layer against {faults.key} null)")
    if faults.entry and reads_list:
        errors.append(f"{faults.key} holds {faults.entry}, not a module name: vLLM {v} matches "
                      "each layer's name against every entry as a string (is_layer_excluded) "
                      "and raises on it.")
    return errors
