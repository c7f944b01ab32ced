"""Each method's exclusion list (the modules a quantized checkpoint keeps 16-bit) read under the
key vLLM reads it from, per release, not one rule for every method (config.quant.EXCLUSION_KEYS,
MODELOPT_KEYS_BEFORE; startup.exclusion_lists, startup.fused_shards).

Read in the wheels (quantization/*.py from_config): Fp8Config reads ignored_layers, from 0.10.1
else modules_to_not_convert (0.9.1-0.10.0: ignored_layers only), never "ignore";
CompressedTensorsConfig "ignore"; AWQ modules_to_not_convert; GPTQ no list; Mxfp4Config none
(`return cls()`); BitsAndBytesConfig llm_int8_skip_modules; a config.json ModelOpt config
exclude_modules (0.10.0-0.11.0), "ignore" (0.11.1-0.32.0), "ignore" else exclude_modules
(0.33.0 on).

Model: the catalog's Qwen2.5-7B-Instruct (hidden 3,584, intermediate 18,944, 28 layers, untied
lm_head) with FP8 per-tensor quantization_configs written here.
"""

import copy

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.exclusion_lists import exclusion_list_note
from planner.serving.startup.fused_shards import fused_shard_errors
from planner.serving.vllm_versions import parse_version
from planner.serving.weights import rank_weights

REPO = "Qwen/Qwen2.5-7B-Instruct"
FP8 = {"quant_method": "fp8", "activation_scheme": "dynamic"}
KEPT = ["lm_head", "model.layers.0.mlp.gate_proj", "model.layers.0.mlp.up_proj"]


def _spec(quantization_config: dict):
    config = copy.deepcopy(catalog_entry(REPO).config)
    config["quantization_config"] = quantization_config
    return parse_model_config(config, name=f"{REPO}-test")


def _weights(spec):
    (rank,) = rank_weights(spec, checkpoint_scheme(spec), ParallelLayout())
    return rank


def test_fp8_ignored_layers_keep_those_layers_16_bit() -> None:
    plain, kept = _spec(FP8), _spec({**FP8, "ignored_layers": KEPT})
    assert kept.quant.excluded_key == "ignored_layers"
    # gate_proj and up_proj are each 3,584 x 18,944 = 67,895,296 weights: 16 bits instead of
    # 8, one byte more each = 135,790,592 B; down_proj stays FP8. lm_head: Fp8Config quantizes
    # linear layers only, so the plan keeps it 16-bit with or without the list (0 B).
    assert _weights(kept).dense_mlp_bytes - _weights(plain).dense_mlp_bytes == 135_790_592
    assert _weights(kept).lm_head_bytes == _weights(plain).lm_head_bytes == 152_064 * 3_584 * 2
    assert _weights(kept).total_bytes - _weights(plain).total_bytes == 135_790_592
    # both shards of gate_up_proj listed: every release loads it
    for release in ("0.9.1", "0.10.0", "0.19.0", "0.34.0"):
        assert fused_shard_errors(kept, checkpoint_scheme(kept), parse_version(release)) == []
        assert exclusion_list_note(kept, checkpoint_scheme(kept), parse_version(release)) is None


def test_fp8_ignore_is_read_by_no_release() -> None:
    plain = _spec(FP8)
    spec = _spec({**FP8, "ignore": KEPT})
    assert spec.quant.excluded_modules == () and spec.quant.excluded_key is None
    assert _weights(spec).total_bytes == _weights(plain).total_bytes
    assert any(w.startswith("quantization_config.ignore: vLLM's fp8 loader does not read it "
                            "(it reads ignored_layers else modules_to_not_convert)")
               for w in spec.warnings)
    # gate_proj alone under "ignore": vLLM quantizes both shards and loads it
    half = _spec({**FP8, "ignore": ["model.layers.0.mlp.gate_proj"]})
    for release in ("0.9.1", "0.10.1", "0.19.0", "0.34.0"):
        assert fused_shard_errors(half, checkpoint_scheme(half), parse_version(release)) == []


def test_fp8_ignored_layers_half_a_merged_layer_is_refused_from_0_9_1() -> None:
    # ignored_layers is read by every release (modules_to_not_convert from 0.10.1 only:
    # test_fused_shards); gate_proj listed, up_proj not -> is_layer_skipped raises
    spec = _spec({**FP8, "ignored_layers": ["model.layers.0.mlp.gate_proj"]})
    for release in ("0.9.1", "0.10.0", "0.19.0"):
        (error,) = fused_shard_errors(spec, checkpoint_scheme(spec), parse_version(release))
        assert "Detected some but not all shards of model.layers.0.mlp.gate_up_proj" in error
        assert "the checkpoint's ignored_layers keeps gate_proj 16-bit and not up_proj" in error


def test_ignored_layers_wins_over_modules_to_not_convert_unless_empty() -> None:
    both = _spec({**FP8, "ignored_layers": ["lm_head"], "modules_to_not_convert": KEPT})
    assert both.quant.excluded_key == "ignored_layers"
    assert both.quant.excluded_modules == ("lm_head",) and both.quant.module_schemes == ()
    # `if not ignored_layers:` -> an empty one falls through to modules_to_not_convert
    empty = _spec({**FP8, "ignored_layers": [], "modules_to_not_convert": ["lm_head"]})
    assert empty.quant.excluded_key == "modules_to_not_convert"


def test_fp8_modules_to_not_convert_is_noted_before_0_10_1() -> None:
    spec = _spec({**FP8, "modules_to_not_convert": KEPT})
    scheme = checkpoint_scheme(spec)
    assert _weights(spec).total_bytes == _weights(_spec({**FP8, "ignored_layers": KEPT})
                                                  ).total_bytes
    assert exclusion_list_note(spec, scheme, parse_version("0.10.0")) == (
        "vLLM 0.10.0 reads this fp8 checkpoint's exclusion list from ignored_layers, empty; "
        "vLLM 0.10.1 and later read modules_to_not_convert, 3 modules. The weights here keep "
        "the latter's modules 16-bit, as those releases build them: vLLM 0.10.0 keeps only the "
        "former's, so its weights differ by the modules the two lists do not share (16-bit "
        "against the checkpoint's format).")
    for release in ("0.10.1", "0.19.0"):
        assert exclusion_list_note(spec, scheme, parse_version(release)) is None
    # the plan lists it among its warnings on that release only
    for release, noted in (("0.10.0", True), ("0.19.0", False)):
        warnings = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                                    layout=ParallelLayout(), engine=EngineSettings(
                                        vllm_version=release, max_model_len=8000))).warnings
        assert any(w.startswith("vLLM 0.10.0 reads this fp8 checkpoint's exclusion list")
                   for w in warnings) is noted, release


def test_compressed_tensors_reads_ignore_only() -> None:
    repo = "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8"
    config = catalog_entry(repo).config
    spec = parse_model_config(config, name=repo)
    assert spec.quant.excluded_key == "ignore" and spec.quant.excluded_modules == ("lm_head",)
    moved = copy.deepcopy(config)
    moved["quantization_config"]["modules_to_not_convert"] = \
        moved["quantization_config"].pop("ignore")
    spec = parse_model_config(moved, name=repo)
    assert spec.quant.excluded_modules == ()
    assert any("modules_to_not_convert: vLLM's compressed-tensors loader does not read it "
               "(it reads ignore)" in w for w in spec.warnings)


def test_gptq_reads_no_list_and_bitsandbytes_reads_llm_int8_skip_modules() -> None:
    gptq = _spec({"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False,
                  "sym": True, "modules_to_not_convert": ["model.layers.0.mlp"]})
    assert gptq.quant.excluded_modules == ()
    assert any("vLLM's gptq loader does not read it (it reads no exclusion list)" in w
               for w in gptq.warnings)
    bnb = _spec({"quant_method": "bitsandbytes", "load_in_4bit": True,
                 "llm_int8_skip_modules": ["model.layers.0.mlp"]})
    assert bnb.quant.excluded_key == "llm_int8_skip_modules"
    assert bnb.quant.excluded_modules == ("model.layers.0.mlp",)


def _modelopt(**lists: list[str]):
    return _spec({"quant_method": "modelopt", "quant_algo": "FP8", **lists})


def test_modelopt_config_json_keys_per_release() -> None:
    # exclude_modules alone: read by 0.10.0-0.11.0 and 0.33.0 on, not 0.11.1-0.32.0 ("ignore")
    spec = _modelopt(exclude_modules=["model.layers.0.mlp"])
    scheme = checkpoint_scheme(spec)
    assert spec.quant.release_exclusions(parse_version("0.34.0")) \
        == ("exclude_modules", ("model.layers.0.mlp",))
    assert spec.quant.release_exclusions(parse_version("0.19.0")) == ("ignore", ())
    assert spec.quant.release_exclusions(parse_version("0.10.2")) \
        == ("exclude_modules", ("model.layers.0.mlp",))
    assert exclusion_list_note(spec, scheme, parse_version("0.10.2")) is None
    assert exclusion_list_note(spec, scheme, parse_version("0.19.0")).startswith(
        "vLLM 0.19.0 reads this modelopt checkpoint's exclusion list from ignore, empty; vLLM "
        "0.33.0 and later read exclude_modules, 1 module.")
    # "ignore": read from 0.11.1 on
    ignore = _modelopt(ignore=["model.layers.0.mlp"])
    assert exclusion_list_note(ignore, scheme, parse_version("0.19.0")) is None
    assert exclusion_list_note(ignore, scheme, parse_version("0.11.0")).startswith(
        "vLLM 0.11.0 reads this modelopt checkpoint's exclusion list from exclude_modules, "
        "empty;")
    # both, the same list: every release reads it
    assert _modelopt(ignore=["lm_head"], exclude_modules=["lm_head"]).quant.older_exclusions \
        == ()
