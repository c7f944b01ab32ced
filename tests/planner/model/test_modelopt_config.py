"""ModelOpt checkpoints read as vLLM reads them: which file, which case, which KV keys.

Worked from the wheels:
- transformers_utils/config.py (0.13.0, 0.16.0, 0.21.0, 0.23.0, 0.33.0, 0.34.0): config.json's
  quantization_config is the checkpoint's; hf_quant_config.json is read only where config.json
  has none ("ModelOpt 0.29.0 and before saves the quantization config in a separate
  hf_quant_config.json").
- utils/torch_utils.py get_kv_cache_quant_algo_string (0.16.0, 0.21.0, 0.33.0, 0.34.0), which
  --kv-cache-dtype auto resolves through: the first of the "quantization" block's
  kv_cache_scheme, the config's kv_cache_scheme, the block's kv_cache_quant_algo, the config's;
  a dict {dynamic: false, num_bits: 8, type: float} or the string "fp8" (any case) is FP8.
- modelopt.py ModelOptQuantConfigBase.from_config (0.16.0-0.34.0): quant_algo upper-cased
  ("ModelOpt may emit lowercase"); the "quantization" block's exclude_modules, else the
  config's "ignore", else its exclude_modules; ModelOptNvFp4Config group_size default 16.
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan

QWEN36 = catalog_entry("nvidia/Qwen3.6-35B-A3B-NVFP4")
LLAMA = catalog_entry("meta-llama/Llama-3.1-8B-Instruct")
FP8_KV = {"dynamic": False, "num_bits": 8, "type": "float"}


def _llama(hf_quant: dict | None = None, quantization_config: dict | None = None):
    config = dict(LLAMA.config)
    if quantization_config is not None:
        config["quantization_config"] = quantization_config
    return parse_model_config(config, hf_quant, name="acme/modelopt")


def test_config_json_quantization_config_wins_over_hf_quant_config_json() -> None:
    # nvidia/Qwen3.6-35B-A3B-NVFP4 ships both: config.json's names no KV scheme, the
    # hf_quant_config.json says kv_cache_quant_algo FP8. vLLM reads config.json's: 16-bit KV
    # under --kv-cache-dtype auto (was FP8: 10,240 B a token instead of 20,480)
    spec = parse_model_config(QWEN36.config, QWEN36.hf_quant_config, name=QWEN36.repo_id)
    assert spec.quant.kv_cache_dtype is None
    assert len(spec.quant.module_formats) == 291  # the same quantized_layers either way
    kv = [plan(PlanRequest(model=spec, cluster=preset_cluster("rtx-5090", 1),
                           engine=EngineSettings(max_model_len=16384, vllm_version=v))
               ).kv_bytes_per_token for v in ("0.17.0", "0.34.0")]  # Qwen3.5's first: 0.17.0
    # 10 full-attention layers x 2 KV heads x (256 + 256) x 2 B
    assert kv == [20_480, 20_480]
    # the hf_quant_config.json alone (a config.json without quantization_config): FP8 KV
    alone = {k: v for k, v in QWEN36.config.items() if k != "quantization_config"}
    spec = parse_model_config(alone, QWEN36.hf_quant_config, name=QWEN36.repo_id)
    assert spec.quant.kv_cache_dtype == "fp8"
    # a config.json quantization_config of another method is read, not the ModelOpt file
    gptq = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False,
            "sym": True}
    hf = {"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "FP8"}}
    assert _llama(hf, gptq).quant.method == "gptq"


def test_lowercase_quant_algo_and_kv_algo_are_read_as_vllm_upper_cases_them() -> None:
    # was: ConfigError "quant_algo 'nvfp4' is not a known ModelOpt algorithm"
    hf = {"producer": {"name": "modelopt", "version": "0.29.0"},
          "quantization": {"quant_algo": "nvfp4", "kv_cache_quant_algo": "fp8",
                           "group_size": 16, "exclude_modules": ["lm_head"]}}
    quant = _llama(hf).quant
    assert (quant.scheme, quant.kv_cache_dtype, quant.group_size) == ("nvfp4", "fp8", 16)
    assert quant.excluded_modules == ("lm_head",)
    with pytest.raises(ConfigError, match="quant_algo 'NVFP5' is not a known ModelOpt"):
        _llama({"quantization": {"quant_algo": "nvfp5"}})


def test_config_json_form_reads_kv_cache_scheme_ignore_and_nvfp4s_default_group() -> None:
    # config.json quantization_config (ModelOpt 0.31 on): kv_cache_scheme, "ignore", no
    # group_size (ModelOptNvFp4Config takes 16)
    qc = {"quant_method": "modelopt", "quant_algo": "NVFP4", "kv_cache_scheme": FP8_KV,
          "ignore": ["lm_head"], "exclude_modules": ["model.layers.0.mlp"],
          "producer": {"name": "modelopt", "version": "0.37.0"}}
    quant = _llama(quantization_config=qc).quant
    assert (quant.kv_cache_dtype, quant.group_size, quant.excluded_modules) == (
        "fp8", 16, ("lm_head",))
    # a dynamic scheme is not FP8 to get_kv_cache_quant_algo_string ("auto")
    dynamic = qc | {"kv_cache_scheme": FP8_KV | {"dynamic": True}}
    assert _llama(quantization_config=dynamic).quant.kv_cache_dtype is None
    # the legacy layout's "quantization" block: its exclude_modules only
    legacy = {"quantization": {"quant_algo": "FP8", "ignore": ["lm_head"]}}
    assert _llama(legacy).quant.excluded_modules == ()


def _errors(hf_quant: dict, version: str) -> list[str]:
    return plan(PlanRequest(model=_llama(hf_quant), cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(max_model_len=4096, vllm_version=version))
                ).errors


def _legacy(algo: str) -> dict:
    return {"producer": {"name": "modelopt", "version": "0.29.0"},
            "quantization": {"quant_algo": algo, "group_size": 128,
                             "exclude_modules": ["lm_head"]}}


def test_legacy_modelopt_quant_algo_vllm_names_no_method_for_is_refused_per_release() -> None:
    # transformers_utils/model_arch_config_convertor.py _normalize_quantization_config: a
    # producer "modelopt" config's quant_algo becomes quant_method modelopt (FP8,
    # FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO), modelopt_fp4 (NVFP4), from 0.33 modelopt_mixed
    # (MIXED_PRECISION), else ValueError; 0.13.0's config/model.py took "FP8" / "NVFP4" exactly.
    # W4A16_AWQ read Fits before
    taken = "FP8, FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO, NVFP4"
    assert _errors(_legacy("W4A16_AWQ"), "0.34.0") == [
        "Unknown ModelOpt quant algo: W4A16_AWQ (vLLM 0.34.0 reads a ModelOpt config whose "
        "producer is modelopt as quant_method modelopt, modelopt_fp4 or modelopt_mixed only for "
        f"quant_algo {taken}, MIXED_PRECISION)"]
    assert _errors(_legacy("W4A16_AWQ"), "0.21.0") == [
        "Unknown ModelOpt quant algo: W4A16_AWQ (vLLM 0.21.0 reads a ModelOpt config whose "
        f"producer is modelopt as quant_method modelopt, modelopt_fp4 only for quant_algo "
        f"{taken})"]
    # FP8_PB_WO: taken from 0.14, refused by 0.13.0's exact list; lowercase fp8 likewise
    assert _errors(_legacy("FP8_PB_WO"), "0.14.0") == []
    assert _errors(_legacy("fp8"), "0.14.0") == []
    assert _errors(_legacy("fp8"), "0.13.0") == [
        "Unknown ModelOpt quant algo: fp8 (vLLM 0.13.0 reads a ModelOpt config whose producer "
        "is modelopt as quant_method modelopt, modelopt_fp4 only for quant_algo FP8, NVFP4 "
        "(exactly so written))"]
    # the same algorithm in a config.json quantization_config (quant_method modelopt, no
    # "quantization" block) is not normalized there; not judged here
    qc = {"quant_method": "modelopt", "quant_algo": "FP8_PB_WO"}
    assert _llama(quantization_config=qc).quant.modelopt_legacy_algo is None


@pytest.mark.parametrize("version", ["0.29.0", "0.32.0"])
def test_legacy_mixed_precision_is_refused_up_to_0_32(version) -> None:
    # _normalize_quantization_config in the 0.29.0, 0.30.0, 0.31.0 and 0.32.0 wheels lists what
    # 0.28.0's does (FP8, FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO -> modelopt, NVFP4 ->
    # modelopt_fp4): MIXED_PRECISION -> modelopt_mixed arrives in 0.33.0. Was [] there (0.29-0.32
    # were not read and took 0.33.0's list)
    mixed = {"producer": {"name": "modelopt", "version": "0.29.0"},
             "quantization": {"quant_algo": "MIXED_PRECISION", "exclude_modules": ["lm_head"],
                              "quantized_layers": {"model.layers.0.mlp.down_proj":
                                                   {"quant_algo": "FP8"}}}}
    assert _errors(mixed, version) == [
        f"Unknown ModelOpt quant algo: MIXED_PRECISION (vLLM {version} reads a ModelOpt config "
        "whose producer is modelopt as quant_method modelopt, modelopt_fp4 only for quant_algo "
        "FP8, FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO, NVFP4)"]
    assert _errors(mixed, "0.33.0") == []
    # W4A16_AWQ is refused there as before, without the old "not read" hedge
    assert _errors(_legacy("W4A16_AWQ"), version) == [
        f"Unknown ModelOpt quant algo: W4A16_AWQ (vLLM {version} reads a ModelOpt config whose "
        "producer is modelopt as quant_method modelopt, modelopt_fp4 only for quant_algo FP8, "
        "FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO, NVFP4)"]


def _typed(algo: str, **fields) -> dict:
    block = {"quant_algo": algo, "group_size": 16, "exclude_modules": ["lm_head"]} | fields
    return {"producer": {"name": "modelopt", "version": "0.29.0"}, "quantization": block}


@pytest.mark.parametrize(("algo", "fields", "version", "refusal"), [
    # ModelOptQuantConfigBase.from_config, every algorithm from 0.12.0: .get(...) then
    # isinstance checks ("must be a list" / "must be a string"); an explicit null is no list
    ("FP8", {"exclude_modules": {}}, "0.34.0", "exclude_modules must be a list, got <class "
     "'dict'> (vLLM 0.34.0's ModelOpt config reader, the config's exclude_modules)"),
    ("FP8", {"exclude_modules": None}, "0.12.0", "exclude_modules must be a list, got <class "
     "'NoneType'> (vLLM 0.12.0's ModelOpt config reader, the config's exclude_modules)"),
    ("FP8", {"kv_cache_quant_algo": 5}, "0.12.0", "kv_cache_quant_algo must be a string, got "
     "<class 'int'> (vLLM 0.12.0's ModelOpt config reader)"),
    # 0.10.0-0.11.1: ModelOptFp8Config takes them (is_layer_excluded: None -> False, {} empty)
    ("FP8", {"exclude_modules": {}}, "0.11.1", None),
    ("FP8", {"exclude_modules": None}, "0.10.0", None),
    ("FP8", {"kv_cache_quant_algo": 5}, "0.11.1", None),
    # ... but matches `module in prefix` against a non-string entry: TypeError
    ("FP8", {"exclude_modules": [5]}, "0.10.0", "exclude_modules holds 5, not a module name: "
     "vLLM 0.10.0 matches each layer's name against every entry as a string "
     "(is_layer_excluded) and raises on it."),
    # 0.9.1's ModelOptFp8Config reads quant_algo only
    ("FP8", {"exclude_modules": [5]}, "0.9.1", None),
    ("FP8", {"exclude_modules": None}, "0.9.1", None),
    # ModelOptNvFp4Config checks both types from 0.10.0
    ("NVFP4", {"exclude_modules": {}}, "0.10.0", "exclude_modules must be a list, got <class "
     "'dict'> (vLLM 0.10.0's ModelOpt config reader, the config's exclude_modules)"),
    ("NVFP4", {"kv_cache_quant_algo": ["FP8"]}, "0.11.1", "kv_cache_quant_algo must be a "
     "string, got <class 'list'> (vLLM 0.11.1's ModelOpt config reader)"),
    # 0.9.1 NVFP4: stored unchecked; `prefix in None` raises, `prefix in {}` does not
    ("NVFP4", {"exclude_modules": None}, "0.9.1", "TypeError: argument of type 'NoneType' is "
     "not iterable (vLLM 0.9.1's ModelOpt NVFP4 config matches each layer against "
     "exclude_modules null)"),
    ("NVFP4", {"exclude_modules": {}}, "0.9.1", None),
    ("NVFP4", {"kv_cache_quant_algo": 5}, "0.9.1", None),
    ("NVFP4", {"exclude_modules": ["lm_head", 5]}, "0.9.1", "exclude_modules holds 5, not a "
     "module name: vLLM 0.9.1 matches each layer's name against every entry as a string "
     "(is_layer_excluded) and raises on it."),
])
def test_modelopt_values_of_another_type_are_refused_where_vllm_refuses_them(
        algo, fields, version, refusal) -> None:
    # was: {} / null read as no list and Fits everywhere; [5] kept as "5"; a kv_cache_quant_algo
    # 5 read as no FP8 KV cache
    assert _errors(_typed(algo, **fields), version) == ([refusal] if refusal else [])


def test_flat_modelopt_faults_are_judged_where_the_release_reads_the_key() -> None:
    # config.json quantization_config: 0.11.1-0.32.0 read "ignore" only, so an exclude_modules
    # {} there is not read; 0.33 on read "ignore" else exclude_modules (MODELOPT_KEYS_BEFORE).
    # kv_cache_quant_algo is read up to 0.16.0; 0.18.0 on read kv_cache_scheme instead
    qc = {"quant_method": "modelopt", "quant_algo": "FP8", "exclude_modules": {},
          "kv_cache_quant_algo": 5}
    spec = _llama(quantization_config=qc)
    faults = spec.quant.modelopt_faults
    assert (faults.key, faults.flat, faults.list_type, faults.kv_type) == (
        "exclude_modules", True, "dict", "int")
    assert spec.quant.excluded_modules == ()

    def errors(version):
        return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                                engine=EngineSettings(max_model_len=4096, vllm_version=version))
                    ).errors
    assert errors("0.14.0") == ["kv_cache_quant_algo must be a string, got <class 'int'> "
                                "(vLLM 0.14.0's ModelOpt config reader)"]
    assert errors("0.20.0") == []
    assert errors("0.34.0") == ["exclude_modules must be a list, got <class 'dict'> (vLLM "
                                "0.34.0's ModelOpt config reader, the config's exclude_modules)"]
