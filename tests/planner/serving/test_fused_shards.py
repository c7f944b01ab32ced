"""A checkpoint whose exclusion list keeps some, not all, shards of a layer vLLM merges is
refused as vLLM refuses it while building the model, not called "Fits"
(planner.serving.startup.fused_shards).

Read in the wheels 0.9.1-0.34.0: quant_utils.is_layer_skipped (Fp8Config, FBGEMMFp8Config,
ModelOpt from 0.10.2, AWQ from 0.11.1 by substring) and compressed-tensors'
should_ignore_layer (Quark's quark/utils.py one too) look each shard of a
packed_modules_mapping entry up in the list and raise where they disagree; qwen3_next.py
merges in_proj_qkvz and in_proj_ba into one in_proj in the 0.10.2 wheel only, qwen3_5.py
merges in_proj_qkv / in_proj_z and in_proj_b / in_proj_a from 0.17.0; Fp8Config reads
modules_to_not_convert from 0.10.1 (ignored_layers only before).

Configs: the catalog's BF16 Qwen3-Next-80B-A3B-Instruct and Qwen3.5-27B with a block-FP8
quantization_config written here (their module lists are this test's, not a real
checkpoint's); Qwen3-32B-FP8 and RedHatAI Meta-Llama-3.1-8B-Instruct-quantized.w8a8 (ignore:
["lm_head"]) with their lists changed here; the catalog's Gemma-4-26B-A4B, Gemma-4-31B-IT-NVFP4
(attention_k_eq_v), Nemotron-H-56B-Base-8K, granite-vision-3.3-2b, Kimi-K2.5 and
Kimi-VL-A3B-Instruct (../shared/model-configs) with an FP8 or compressed-tensors list written
here.
"""

import copy

import pytest

from planner.catalog import catalog_entries, catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme, what_if_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.fused_shards import fused_shard_errors
from planner.serving.vllm_versions import parse_version, supported_versions
from tests.planner.model.test_config_vision import CLASS_DEFAULTS
from tests.planner.model.test_ernie45_moe import A21B
from tests.planner.model.test_granitemoehybrid import GRANITE_SHARED
from tests.planner.model.test_granitemoehybrid import SMALL as GRANITE_HYBRID
from tests.planner.model.test_hunyuan_arctic import A13B
from tests.planner.model.test_olmo3 import OLMO3
from tests.planner.model.test_torchao_quark import QUARK_FP8_KV
from tests.planner.serving.test_startup import _olmo

SAME_PRECISION = "All shards of fused layers to have the same precision"


def _quantized(repo: str, quantization_config: dict, **lists: list[str]):
    """`repo`'s config with `quantization_config` and the exclusion lists `lists`."""
    config = copy.deepcopy(catalog_entry(repo).config)
    config["quantization_config"] = {**quantization_config, **lists}
    return parse_model_config(config, name=f"{repo}-test")


def _fp8(repo: str, kept: list[str]):
    return _quantized(repo, {"quant_method": "fp8", "activation_scheme": "dynamic",
                             "weight_block_size": [128, 128]}, modules_to_not_convert=kept)


def _errors(spec, release: str) -> list[str]:
    return fused_shard_errors(spec, checkpoint_scheme(spec), parse_version(release))


def _plan_errors(spec, release: str, tp: int = 4) -> list[str]:
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", tp),
                            layout=ParallelLayout(tp=tp),
                            engine=EngineSettings(vllm_version=release,
                                                  max_model_len=32000))).errors


QWEN3_NEXT_BA_KEPT = _fp8("Qwen/Qwen3-Next-80B-A3B-Instruct",
                          [f"model.layers.{i}.linear_attn.in_proj_ba"
                           for i in range(48) if i % 4 != 3])
"""in_proj_ba kept 16-bit in each Gated DeltaNet layer (every layer but each 4th), in_proj_qkvz
in FP8: vLLM issue #25378's Qwen3-Next-80B-A3B-Instruct-FP8."""


def test_qwen3_next_in_proj_ba_alone_is_refused_on_0_10_2_only() -> None:
    # 0.10.2 builds in_proj = [in_proj_qkvz, in_proj_ba]: layer 0's in_proj_ba listed, its
    # in_proj_qkvz not -> is_layer_skipped raises for model.layers.0.linear_attn.in_proj
    assert _errors(QWEN3_NEXT_BA_KEPT, "0.10.2") == [
        "vLLM 0.10.2 stops building the model: Detected some but not all shards of "
        "model.layers.0.linear_attn.in_proj are quantized. All shards of fused layers to have "
        "the same precision (the checkpoint's modules_to_not_convert keeps in_proj_ba 16-bit "
        "and not in_proj_qkvz, which vLLM merges into in_proj; on every layout); vLLM 0.11.0 "
        "and later do not check them."]
    # 0.11.0-0.16.0: two layers; from 0.17.0 "in_proj_ba": ["in_proj_ba"], one shard
    for release in ("0.11.0", "0.16.0", "0.17.0", "0.18.0", "0.19.0", "0.34.0"):
        assert _errors(QWEN3_NEXT_BA_KEPT, release) == [], release
    assert not any(SAME_PRECISION in e for e in _plan_errors(QWEN3_NEXT_BA_KEPT, "0.19.0"))


def test_qwen3_next_shared_expert_half_listed_is_refused_from_0_11_0() -> None:
    # the shared expert's gate_up_proj has no name in 0.10.2 (Qwen2MoeMLP without prefix),
    # f"{prefix}.gate_up_proj" from 0.11.0: its gate_proj listed alone is refused there on
    spec = _fp8("Qwen/Qwen3-Next-80B-A3B-Instruct", ["model.layers.5.mlp.shared_expert.gate_proj"])
    assert _errors(spec, "0.10.2") == []
    for release in ("0.11.0", "0.19.0", "0.34.0"):
        (error,) = _errors(spec, release)
        assert "shards of model.layers.5.mlp.shared_expert.gate_up_proj are quantized" in error
        assert "keeps gate_proj 16-bit and not up_proj" in error


def test_dense_q_proj_alone_is_refused_once_fp8_reads_modules_to_not_convert() -> None:
    spec = _fp8("Qwen/Qwen3-32B-FP8", ["model.layers.3.self_attn.q_proj"])
    # Fp8Config reads ignored_layers only up to 0.10.0: the list is not read, nothing checked
    for release in ("0.9.1", "0.9.2", "0.10.0"):
        assert _errors(spec, release) == [], release
    for release in ("0.10.1", "0.17.0", "0.19.0", "0.34.0"):
        assert _errors(spec, release) == [
            f"vLLM {release} stops building the model: Detected some but not all shards of "
            "model.layers.3.self_attn.qkv_proj are quantized. All shards of fused layers to "
            "have the same precision (the checkpoint's modules_to_not_convert keeps q_proj "
            "16-bit and not k_proj / v_proj, which vLLM merges into qkv_proj; on every "
            "layout)."], release
    assert any(SAME_PRECISION in e for e in _plan_errors(spec, "0.19.0"))
    assert _plan_errors(spec, "0.10.0") == []


def test_all_shards_listed_load() -> None:
    spec = _fp8("Qwen/Qwen3-32B-FP8", [f"model.layers.3.self_attn.{p}_proj" for p in "qkv"]
                + ["model.layers.3.mlp.gate_proj", "model.layers.3.mlp.up_proj"])
    for release in ("0.10.1", "0.19.0", "0.34.0"):
        assert _errors(spec, release) == [], release


def test_the_merged_name_listed_skips_the_check_from_0_24_0() -> None:
    # qkv_proj itself and q_proj listed: 0.9.1-0.23.0 check the shards only (q listed, k not);
    # from 0.24.0 is_layer_skipped takes a listed merged name as skipped first
    spec = _fp8("Qwen/Qwen3-32B-FP8", ["model.layers.3.self_attn.qkv_proj",
                                      "model.layers.3.self_attn.q_proj"])
    assert len(_errors(spec, "0.23.0")) == 1
    assert _errors(spec, "0.24.0") == []


def test_qwen3_5_in_proj_b_alone_is_refused_from_0_17_0() -> None:
    # Qwen3_5ForConditionalGeneration: the checkpoint's model.language_model. is vLLM's
    # language_model.model. (hf_to_vllm_mapper); in_proj_ba = [in_proj_b, in_proj_a]
    spec = _fp8("Qwen/Qwen3.5-27B", ["model.language_model.layers.0.linear_attn.in_proj_b"])
    for release in ("0.17.0", "0.19.0", "0.34.0"):
        (error,) = _errors(spec, release)
        assert error.startswith(
            f"vLLM {release} stops building the model: Detected some but not all shards of "
            "language_model.model.layers.0.linear_attn.in_proj_ba are quantized."), release
        assert "keeps in_proj_b 16-bit and not in_proj_a" in error
    both = _fp8("Qwen/Qwen3.5-27B", [f"model.language_model.layers.0.linear_attn.in_proj_{s}"
                                     for s in ("b", "a", "qkv", "z")])
    assert _errors(both, "0.19.0") == []
    # in_proj_qkvz = [in_proj_qkv, in_proj_z]
    z_only = _fp8("Qwen/Qwen3.5-27B", ["model.language_model.layers.2.linear_attn.in_proj_z"])
    assert "keeps in_proj_z 16-bit and not in_proj_qkv" in _errors(z_only, "0.19.0")[0]


def test_compressed_tensors_regex_half_match_words_change_at_0_30_0() -> None:
    repo = "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8"
    config = catalog_entry(repo).config["quantization_config"]
    spec = _quantized(repo, config, ignore=["lm_head", r"re:.*layers\.1\.mlp\.gate_proj$"])
    assert _errors(spec, "0.29.0") == [
        "vLLM 0.29.0 stops building the model: Found a different quantization schemes for "
        "['gate_proj', 'up_proj'] in model.layers.1.mlp.gate_up_proj. vLLM requires all to "
        "use the same scheme (the checkpoint's ignore keeps gate_proj 16-bit and not up_proj, "
        "which vLLM merges into gate_up_proj; on every layout)."]
    assert _errors(spec, "0.30.0")[0].startswith(
        "vLLM 0.30.0 stops building the model: Found different quantization schemes for the "
        "shards of model.layers.1.mlp.gate_up_proj. vLLM requires all to use the same scheme "
        "(")
    both = _quantized(repo, config, ignore=["lm_head", r"re:.*mlp\.(gate|up)_proj$"])
    assert _errors(both, "0.30.0") == []


def test_quark_checks_the_shards_even_where_the_merged_name_is_listed_until_0_30_0() -> None:
    # quark/utils.py should_ignore_layer (read in every wheel 0.9.1-0.34.0), asked by
    # QuarkConfig for each layer with packed_modules_mapping (quark.py, 0.9.1, 0.19.0, 0.34.0):
    # compressed-tensors' words, but up to 0.29.0 no `layer_name not in ignore` guard, so the
    # merged name listed beside q_proj alone is still refused there; from 0.30.0
    # find_matching_patterns takes the listed merged name first, as compressed-tensors does
    config = copy.deepcopy(QUARK_FP8_KV)
    kept = ["lm_head", "model.layers.3.self_attn.q_proj"]
    spec = _quantized("Qwen/Qwen3-8B", config, exclude=kept)
    for release in ("0.9.1", "0.19.0", "0.29.0"):
        assert _errors(spec, release) == [
            f"vLLM {release} stops building the model: Found a different quantization schemes "
            "for ['q_proj', 'k_proj', 'v_proj'] in model.layers.3.self_attn.qkv_proj. vLLM "
            "requires all to use the same scheme (the checkpoint's exclude keeps q_proj 16-bit "
            "and not k_proj / v_proj, which vLLM merges into qkv_proj; on every layout)."], release
    assert _errors(spec, "0.34.0") == [
        "vLLM 0.34.0 stops building the model: Found different quantization schemes for the "
        "shards of model.layers.3.self_attn.qkv_proj. vLLM requires all to use the same scheme "
        "(the checkpoint's exclude keeps q_proj 16-bit and not k_proj / v_proj, which vLLM "
        "merges into qkv_proj; on every layout)."]
    merged = _quantized("Qwen/Qwen3-8B", config,
                        exclude=[*kept, "model.layers.3.self_attn.qkv_proj"])
    assert len(_errors(merged, "0.29.0")) == 1  # compressed-tensors would skip the check here
    assert _errors(merged, "0.30.0") == []
    # "re:" entries by re.match: gate_proj alone refused, the whole MLP not
    gate = _quantized("Qwen/Qwen3-8B", config, exclude=["lm_head", r"re:.*\.3\.mlp\.gate"])
    assert "keeps gate_proj 16-bit and not up_proj" in _errors(gate, "0.19.0")[0]
    whole = _quantized("Qwen/Qwen3-8B", config, exclude=["lm_head", r"re:.*\.3\.mlp\."])
    assert _errors(whole, "0.19.0") == []


def test_awq_matches_by_substring_from_0_11_1() -> None:
    # "q_proj" is in every layer's q_proj name and in none of k_proj / v_proj: layer 0 first
    spec = _quantized("Qwen/Qwen3-32B", {"quant_method": "awq", "bits": 4, "group_size": 128,
                                         "zero_point": True, "version": "gemm"},
                      modules_to_not_convert=["q_proj"])
    assert _errors(spec, "0.11.0") == []
    assert "shards of model.layers.0.self_attn.qkv_proj are quantized" \
        in _errors(spec, "0.11.1")[0]


def test_a_what_if_target_has_no_list() -> None:
    spec = _fp8("Qwen/Qwen3-32B-FP8", ["model.layers.3.self_attn.q_proj"])
    assert fused_shard_errors(spec, what_if_scheme("fp8-block128"), parse_version("0.19.0")) \
        == []


FAMILIES = [
    # (repo, the layer's module path, its merged name, the shard kept, the shards left,
    #  a release that refuses it, the newest earlier release that does not, or None)
    ("mistralai/Mistral-7B-Instruct-v0.3", "model.layers.1.self_attn", "qkv_proj", "k_proj",
     ("q_proj", "v_proj"), "0.15.0", None),
    ("ibm-granite/granite-3.3-8b-instruct", "model.layers.2.mlp", "gate_up_proj", "up_proj",
     ("gate_proj",), "0.19.0", None),
    ("nvidia/Llama-3_3-Nemotron-Super-49B-v1", "model.layers.0.mlp", "gate_up_proj",
     "gate_proj", ("up_proj",), "0.34.0", None),
    ("XiaomiMiMo/MiMo-7B-Base", "model.layers.4.self_attn", "qkv_proj", "v_proj",
     ("q_proj", "k_proj"), "0.10.1", None),
    ("google/gemma-7b", "model.layers.0.self_attn", "qkv_proj", "q_proj", ("k_proj", "v_proj"),
     "0.33.0", None),
    ("google/gemma-2-9b-it", "model.layers.3.mlp", "gate_up_proj", "gate_proj", ("up_proj",),
     "0.11.1", "0.11.0"),
    ("microsoft/phi-2", "model.layers.0.self_attn", "qkv_proj", "k_proj", ("q_proj", "v_proj"),
     "0.31.0", "0.11.0"),
    ("mistralai/Mixtral-8x7B-v0.1", "model.layers.7.self_attn", "qkv_proj", "q_proj",
     ("k_proj", "v_proj"), "0.10.1", None),
    ("MiniMaxAI/MiniMax-M2.5", "model.layers.0.self_attn", "qkv_proj", "q_proj",
     ("k_proj", "v_proj"), "0.15.0", "0.14.0"),
    ("XiaomiMiMo/MiMo-V2-Flash", "model.layers.0.mlp", "gate_up_proj", "up_proj",
     ("gate_proj",), "0.21.0", "0.20.0"),
    ("Qwen/Qwen1.5-MoE-A2.7B", "model.layers.2.mlp.shared_expert", "gate_up_proj",
     "gate_proj", ("up_proj",), "0.11.0", "0.10.2"),
    ("deepseek-ai/DeepSeek-V3", "model.layers.0.self_attn", "fused_qkv_a_proj", "q_a_proj",
     ("kv_a_proj_with_mqa",), "0.10.1", "0.10.0"),
    ("deepseek-ai/DeepSeek-V3", "model.layers.5.mlp.shared_experts", "gate_up_proj",
     "up_proj", ("gate_proj",), "0.19.0", "0.10.0"),
    ("deepseek-ai/DeepSeek-V3.2", "model.layers.1.mlp", "gate_up_proj", "gate_proj",
     ("up_proj",), "0.30.0", "0.10.0"),
    ("moonshotai/Kimi-K2-Instruct", "model.layers.9.self_attn", "fused_qkv_a_proj",
     "kv_a_proj_with_mqa", ("q_a_proj",), "0.34.0", "0.10.0"),
    ("zai-org/GLM-5", "model.layers.3.self_attn", "fused_qkv_a_proj", "q_a_proj",
     ("kv_a_proj_with_mqa",), "0.29.0", "0.10.0"),
]


@pytest.mark.parametrize(("repo", "block", "fused", "kept", "left", "refused", "before"),
                         FAMILIES, ids=[f"{row[0]}:{row[2]}" for row in FAMILIES])
def test_each_family_refuses_half_a_merged_layer_and_loads_it_whole(
        repo: str, block: str, fused: str, kept: str, left: tuple[str, ...], refused: str,
        before: str | None) -> None:
    # FP8 modules_to_not_convert (read from 0.10.1): is_layer_skipped looks up each shard of
    # the model class's packed_modules_mapping entry; one listed, the others not -> ValueError
    spec = _fp8(repo, [f"{block}.{kept}"])
    assert _errors(spec, refused) == [
        f"vLLM {refused} stops building the model: Detected some but not all shards of "
        f"{block}.{fused} are quantized. All shards of fused layers to have the same precision "
        f"(the checkpoint's modules_to_not_convert keeps {kept} 16-bit and not "
        f"{' / '.join(left)}, which vLLM merges into {fused}; on every layout)."]
    if before is not None:
        assert _errors(spec, before) == []
    whole = _fp8(repo, [f"{block}.{shard}" for shard in (kept, *left)])
    assert _errors(whole, refused) == []


def test_families_handed_to_the_transformers_backend_are_not_checked() -> None:
    # 0.34.0 builds GemmaForCausalLM, 0.32.0 PhiForCausalLM with the Transformers backend
    # (its fusers not read): no refusal there, and none said of later releases
    gemma = _fp8("google/gemma-7b", ["model.layers.0.self_attn.q_proj"])
    assert _errors(gemma, "0.34.0") == []
    assert "later" not in _errors(gemma, "0.33.0")[0]
    assert _errors(_fp8("microsoft/phi-2", ["model.layers.0.self_attn.k_proj"]), "0.32.0") == []


def test_deepseek_v2_lite_has_no_q_lora_and_no_fused_qkv_a_proj() -> None:
    # q_lora_rank null: DeepseekV2ForCausalLM maps no fused_qkv_a_proj; kv_a_proj_with_mqa and
    # q_proj are layers of their own
    spec = _fp8("deepseek-ai/DeepSeek-V2-Lite-Chat",
                ["model.layers.0.self_attn.kv_a_proj_with_mqa"])
    assert _errors(spec, "0.19.0") == []


def test_gpt_oss_names_attention_attn_and_maps_the_list_but_for_fbgemm() -> None:
    # GptOssForCausalLM: model.layers.N.attn.qkv_proj, mapped as "qkv_proj" from 0.11.1
    # ("qkv" before: no layer's name); hf_to_vllm_mapper turns .self_attn. into .attn.
    spec = _fp8("openai/gpt-oss-20b", ["model.layers.0.self_attn.q_proj"])
    assert _errors(spec, "0.11.0") == []
    assert _errors(spec, "0.11.1") == [
        "vLLM 0.11.1 stops building the model: Detected some but not all shards of "
        "model.layers.0.attn.qkv_proj are quantized. All shards of fused layers to have the "
        "same precision (the checkpoint's modules_to_not_convert keeps q_proj 16-bit and not "
        "k_proj / v_proj, which vLLM merges into qkv_proj; on every layout)."]
    # FBGEMMFp8Config has no apply_vllm_mapper: the list keeps .self_attn., matching no layer
    fbgemm = _quantized("openai/gpt-oss-20b", {"quant_method": "fbgemm_fp8",
                                              "activation_scale_ub": 1200.0},
                        modules_to_not_convert=["model.layers.0.self_attn.q_proj"])
    assert _errors(fbgemm, "0.19.0") == []


def test_no_catalog_checkpoint_is_refused_on_any_release() -> None:
    # every catalog entry (../shared/model-configs' files among them) as stored, on each
    # release Headroom plans: their lists name whole merged layers, or none
    for entry in catalog_entries():
        spec = catalog_spec(entry.repo_id)
        for release in supported_versions():
            assert _errors(spec, release) == [], (entry.repo_id, release)


W8A8 = catalog_entry("RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8").config[
    "quantization_config"]
"""A compressed-tensors config (its `ignore` read by every release 0.9.1-0.34.0)."""


def _ct_words(release: str, shards: list[str], prefix: str) -> str:
    return (f"vLLM {release} stops building the model: Found a different quantization schemes "
            f"for {shards} in {prefix}. vLLM requires all to use the same scheme")


def test_gemma3_wrapped_layers_and_the_mapper_from_0_9_2() -> None:
    # Gemma3ForConditionalGeneration builds language_model.model.layers.N; its
    # hf_to_vllm_mapper (from 0.9.2) renames a listed model.language_model. to that
    new = _quantized("google/gemma-3-4b-it", W8A8,
                     ignore=["lm_head", "model.language_model.layers.0.self_attn.q_proj"])
    assert _errors(new, "0.9.1") == []  # no mapper: the name matches no layer
    assert _errors(new, "0.9.2")[0].startswith(_ct_words(
        "0.9.2", ["q_proj", "k_proj", "v_proj"],
        "language_model.model.layers.0.self_attn.qkv_proj"))
    old = _quantized("google/gemma-3-4b-it", W8A8,
                     ignore=["lm_head", "language_model.model.layers.0.mlp.up_proj"])
    assert _errors(old, "0.9.1")[0].startswith(_ct_words(
        "0.9.1", ["gate_proj", "up_proj"], "language_model.model.layers.0.mlp.gate_up_proj"))
    whole = _quantized("google/gemma-3-4b-it", W8A8,
                       ignore=["lm_head", r"re:.*layers\.0\.mlp\.(gate|up)_proj$"])
    assert _errors(whole, "0.19.0") == []


def test_llama4_feed_forward_from_0_10_0_and_no_mapper() -> None:
    # mllama4.py maps gate_up_proj from 0.10.0; the shared expert is feed_forward.shared_expert
    shared = "language_model.model.layers.1.feed_forward.shared_expert"
    spec = _quantized("meta-llama/Llama-4-Scout-17B-16E-Instruct", W8A8,
                      ignore=["lm_head", f"{shared}.gate_proj"])
    assert _errors(spec, "0.9.2") == []
    assert _errors(spec, "0.10.0")[0].startswith(_ct_words(
        "0.10.0", ["gate_proj", "up_proj"], f"{shared}.gate_up_proj"))
    both = _quantized("meta-llama/Llama-4-Scout-17B-16E-Instruct", W8A8,
                      ignore=["lm_head", f"{shared}.gate_proj", f"{shared}.up_proj"])
    assert _errors(both, "0.19.0") == []
    # no hf_to_vllm_mapper: a model.language_model. name is matched as written (no layer)
    renamed = _quantized("meta-llama/Llama-4-Scout-17B-16E-Instruct", W8A8,
                         ignore=["lm_head", "model.language_model.layers.0.self_attn.q_proj"])
    assert _errors(renamed, "0.34.0") == []


def test_qwen3_vl_from_0_11_0() -> None:
    spec = _fp8("Qwen/Qwen3-VL-32B-Instruct", ["model.language_model.layers.2.mlp.up_proj"])
    assert _errors(spec, "0.10.2") == []
    assert "shards of language_model.model.layers.2.mlp.gate_up_proj are quantized" \
        in _errors(spec, "0.11.0")[0]
    moe = _fp8("Qwen/Qwen3-VL-30B-A3B-Instruct",
               ["model.language_model.layers.0.self_attn.k_proj"])
    assert "keeps k_proj 16-bit and not q_proj / v_proj" in _errors(moe, "0.11.1")[0]
    whole = _fp8("Qwen/Qwen3-VL-30B-A3B-Instruct",
                 [f"model.language_model.layers.0.self_attn.{p}_proj" for p in "qkv"])
    assert _errors(whole, "0.11.1") == []


def _fp8_words(release: str, prefix: str, kept: str, left: str) -> str:
    return (f"vLLM {release} stops building the model: Detected some but not all shards of "
            f"{prefix} are quantized. All shards of fused layers to have the same precision (the "
            f"checkpoint's modules_to_not_convert keeps {kept} 16-bit and not {left}, which vLLM "
            f"merges into {prefix.rpartition('.')[2]}; on every layout).")


def test_gemma4_mlp_beside_the_experts_from_0_19_0() -> None:
    # gemma4_mm.py Gemma4ForConditionalGeneration (0.19.0 on): each layer's mlp.gate_up_proj,
    # an MoE layer's too (beside its experts); the mapper renames model.language_model.
    layer = "model.language_model.layers.3.mlp"
    spec = _fp8("google/gemma-4-26B-A4B", [f"{layer}.up_proj"])
    assert _errors(spec, "0.18.0") == []  # no Gemma 4 class before 0.19.0
    for release in ("0.19.0", "0.34.0"):
        assert _errors(spec, release) == [_fp8_words(
            release, "language_model.model.layers.3.mlp.gate_up_proj", "up_proj", "gate_proj")]
    whole = _fp8("google/gemma-4-26B-A4B", [f"{layer}.gate_proj", f"{layer}.up_proj"])
    assert _errors(whole, "0.34.0") == []


def test_gemma4_k_eq_v_layer_listed_as_shipped_is_refused() -> None:
    # Gemma-4-31B: attention_k_eq_v, layer 5 full attention ships q_proj and k_proj only, but
    # vLLM maps qkv_proj = [q_proj, k_proj, v_proj] there too: v_proj unlisted -> ValueError
    attn = "model.language_model.layers.5.self_attn"
    spec = _fp8("nvidia/Gemma-4-31B-IT-NVFP4", [f"{attn}.q_proj", f"{attn}.k_proj"])
    assert _errors(spec, "0.19.0") == [_fp8_words(
        "0.19.0", "language_model.model.layers.5.self_attn.qkv_proj", "q_proj / k_proj",
        "v_proj")]
    sliding = "model.language_model.layers.0.self_attn"
    whole = _fp8("nvidia/Gemma-4-31B-IT-NVFP4", [f"{sliding}.{p}_proj" for p in "qkv"])
    assert _errors(whole, "0.34.0") == []


def test_gemma4_kv_shared_layer_has_q_proj_alone_from_0_30_0() -> None:
    # num_kv_shared_layers 10 (this test's): layers 20-29 read another layer's K/V; up to
    # 0.29.x they still build qkv_proj, from 0.30.0 q_proj alone (nothing merged)
    config = copy.deepcopy(catalog_entry("google/gemma-4-26B-A4B").config)
    config["text_config"]["num_kv_shared_layers"] = 10
    config["quantization_config"] = {
        "quant_method": "fp8", "activation_scheme": "dynamic", "weight_block_size": [128, 128],
        "modules_to_not_convert": ["model.language_model.layers.25.self_attn.q_proj"]}
    spec = parse_model_config(config, name="gemma-4-kv-shared-test")
    assert _errors(spec, "0.29.0") == [_fp8_words(
        "0.29.0", "language_model.model.layers.25.self_attn.qkv_proj", "q_proj",
        "k_proj / v_proj")]
    assert _errors(spec, "0.30.0") == []


def test_nemotron_h_mixer_qkv_proj_and_the_backbone_rename_from_0_10_2() -> None:
    # Nemotron-H-56B: layer 7 is an attention block, vLLM's model.layers.7.mixer.qkv_proj; the
    # checkpoint's backbone.layers.7 is renamed by hf_to_vllm_mapper from 0.10.2
    spec = _fp8("nvidia/Nemotron-H-56B-Base-8K", ["backbone.layers.7.mixer.k_proj"])
    assert _errors(spec, "0.10.1") == []  # no mapper: backbone. names no layer
    for release in ("0.10.2", "0.34.0"):
        assert _errors(spec, release) == [_fp8_words(
            release, "model.layers.7.mixer.qkv_proj", "k_proj", "q_proj / v_proj")]
    named = _fp8("nvidia/Nemotron-H-56B-Base-8K", ["model.layers.7.mixer.k_proj"])
    assert len(_errors(named, "0.10.1")) == 1
    whole = _fp8("nvidia/Nemotron-H-56B-Base-8K",
                 [f"backbone.layers.7.mixer.{p}_proj" for p in "qkv"])
    assert _errors(whole, "0.34.0") == []
    # FBGEMMFp8Config applies no mapper: the list keeps backbone., matching no layer
    fbgemm = _quantized("nvidia/Nemotron-H-56B-Base-8K",
                        {"quant_method": "fbgemm_fp8", "activation_scale_ub": 1200.0},
                        modules_to_not_convert=["backbone.layers.7.mixer.k_proj"])
    assert _errors(fbgemm, "0.34.0") == []


def test_llava_next_granite_text_model_from_0_25_0() -> None:
    # Granite Vision (text_config.architectures ["GraniteForCausalLM"]): llava_next.py maps
    # qkv_proj / gate_up_proj from 0.29.0, GraniteForCausalLM (SupportsQuant from 0.25.0) adds
    # its own from 0.25.0; the text layers are language_model.model.layers.N (mapper, 0.9.2)
    repo = "ibm-granite/granite-vision-3.3-2b"
    spec = _quantized(repo, W8A8, ignore=["lm_head", "model.language_model.layers.0.mlp.gate_proj"])
    assert _errors(spec, "0.24.0") == []
    for release in ("0.25.0", "0.29.0"):
        assert _errors(spec, release)[0].startswith(_ct_words(
            release, ["gate_proj", "up_proj"], "language_model.model.layers.0.mlp.gate_up_proj"))
    # a text model of a class not read here (text_config.architectures) is not checked
    other = copy.deepcopy(catalog_entry(repo).config)
    other["text_config"]["architectures"] = ["Exaone4ForCausalLM"]
    other["quantization_config"] = {**W8A8, "ignore": [
        "lm_head", "model.language_model.layers.0.mlp.gate_proj"]}
    assert _errors(parse_model_config(other, name="llava-next-exaone-test"), "0.34.0") == []
    whole = _quantized(repo, W8A8, ignore=["lm_head", r"re:.*layers\.0\.mlp\.(gate|up)_proj$"])
    assert _errors(whole, "0.34.0") == []


@pytest.mark.parametrize("repo", ["moonshotai/Kimi-K2.5", "moonshotai/Kimi-VL-A3B-Instruct"])
def test_kimi_wrappers_pass_no_mapping_to_the_quantization_config(repo: str) -> None:
    # KimiK25 / KimiVL ...ForConditionalGeneration have no packed_modules_mapping, and their
    # DeepseekV2ForCausalLM is not SupportsQuant: half of layer 0's dense gate_up_proj listed
    # (named as vLLM builds it), no check
    spec = _fp8(repo, ["language_model.model.layers.0.mlp.gate_proj",
                       "model.layers.0.mlp.gate_proj"])
    for release in ("0.16.0", "0.34.0"):
        assert _errors(spec, release) == [], release


GRANITE_MOE = {**{k: v for k, v in GRANITE_SHARED.items() if k != "shared_intermediate_size"},
               "architectures": ["GraniteMoeForCausalLM"], "model_type": "granitemoe"}
MISTRAL3 = {**CLASS_DEFAULTS["mistral3"]["config"],
            "architectures": ["Mistral3ForConditionalGeneration"]}
PALIGEMMA = {**CLASS_DEFAULTS["paligemma"]["config"],
             "architectures": ["PaliGemmaForConditionalGeneration"]}
PALIGEMMA_2 = {**PALIGEMMA,
               "text_config": {**PALIGEMMA["text_config"], "model_type": "gemma2"}}

CONFIG_FAMILIES = [
    # (id, config.json, the layer's module path in the checkpoint, vLLM's, its merged name,
    #  the shard kept, the shards left, releases that refuse it, releases that do not)
    ("olmo2", _olmo("olmo2", 2), "model.layers.1.mlp", "model.layers.1.mlp", "gate_up_proj",
     "up_proj", ("gate_proj",), ("0.10.2", "0.25.0"), ("0.10.1", "0.26.0")),
    ("olmo3", OLMO3, "model.layers.3.self_attn", "model.layers.3.self_attn", "qkv_proj",
     "q_proj", ("k_proj", "v_proj"), ("0.11.0", "0.26.0", "0.28.0"), ("0.10.2", "0.29.0")),
    ("olmoe", _olmo("olmoe", 2), "model.layers.0.self_attn", "model.layers.0.self_attn",
     "qkv_proj", "v_proj", ("q_proj", "k_proj"), ("0.11.1", "0.33.0"), ("0.11.0", "0.34.0")),
    ("granitemoe", GRANITE_MOE, "model.layers.1.self_attn", "model.layers.1.self_attn",
     "qkv_proj", "k_proj", ("q_proj", "v_proj"), ("0.10.1", "0.34.0"), ()),
    ("granitemoeshared", GRANITE_SHARED, "model.layers.0.self_attn", "model.layers.0.self_attn",
     "qkv_proj", "q_proj", ("k_proj", "v_proj"), ("0.10.1", "0.34.0"), ()),
    ("granitemoehybrid", GRANITE_HYBRID, "model.layers.1.self_attn", "model.layers.1.self_attn",
     "qkv_proj", "q_proj", ("k_proj", "v_proj"), ("0.10.1", "0.34.0"), ()),
    ("ernie-dense", A21B, "model.layers.0.mlp", "model.layers.0.mlp", "gate_up_proj",
     "gate_proj", ("up_proj",), ("0.10.1", "0.34.0"), ()),
    ("ernie-shared", A21B, "model.layers.1.mlp.shared_experts",
     "model.layers.1.mlp.shared_experts", "gate_up_proj", "up_proj", ("gate_proj",),
     ("0.10.1", "0.34.0"), ()),
    ("hunyuan-attention", A13B, "model.layers.0.self_attn", "model.layers.0.self_attn",
     "qkv_proj", "q_proj", ("k_proj", "v_proj"), ("0.10.1", "0.28.0"), ("0.29.0",)),
    ("hunyuan-shared", A13B, "model.layers.2.mlp.shared_mlp", "model.layers.2.mlp.shared_mlp",
     "gate_up_proj", "gate_proj", ("up_proj",), ("0.14.0", "0.28.0"), ("0.13.0", "0.29.0")),
    ("mistral3", MISTRAL3, "model.language_model.layers.0.mlp",
     "language_model.model.layers.0.mlp", "gate_up_proj", "gate_proj", ("up_proj",),
     ("0.10.1", "0.20.0", "0.34.0"), ()),
    # paligemma.py builds a "gemma" text model as GemmaForCausalLM (the Transformers backend
    # from 0.34.0), else as Gemma2ForCausalLM (its layers named from 0.11.1)
    ("paligemma", PALIGEMMA, "model.language_model.layers.0.self_attn",
     "language_model.model.layers.0.self_attn", "qkv_proj", "k_proj", ("q_proj", "v_proj"),
     ("0.10.1", "0.33.0"), ("0.34.0",)),
    ("paligemma2", PALIGEMMA_2, "model.language_model.layers.0.mlp",
     "language_model.model.layers.0.mlp", "gate_up_proj", "up_proj", ("gate_proj",),
     ("0.11.1", "0.34.0"), ("0.11.0",)),
]


@pytest.mark.parametrize(
    ("config", "block", "vllm_block", "fused", "kept", "left", "refused", "passed"),
    [row[1:] for row in CONFIG_FAMILIES], ids=[row[0] for row in CONFIG_FAMILIES])
def test_each_config_family_refuses_half_a_merged_layer_and_loads_it_whole(
        config: dict, block: str, vllm_block: str, fused: str, kept: str,
        left: tuple[str, ...], refused: tuple[str, ...], passed: tuple[str, ...]) -> None:
    # FP8 modules_to_not_convert (read from 0.10.1; hf_to_vllm_mapper from 0.9.2): the
    # release's model class maps the merged layer (MERGED_LAYERS' NOTE), or builds the model
    # with the Transformers backend, or has no class for it yet (`passed`)
    def fp8(kept_names: list[str]):
        return parse_model_config({**config, "quantization_config": {
            "quant_method": "fp8", "activation_scheme": "dynamic",
            "weight_block_size": [128, 128], "modules_to_not_convert": kept_names}},
            name="family-test")

    spec = fp8([f"{block}.{kept}"])
    for release in refused:
        assert _errors(spec, release) == [_fp8_words(
            release, f"{vllm_block}.{fused}", kept, " / ".join(left))], release
    for release in passed:
        assert _errors(spec, release) == [], release
    whole = fp8([f"{block}.{shard}" for shard in (kept, *left)])
    assert _errors(whole, refused[-1]) == []


@pytest.mark.parametrize("model_type", ["arctic", "starcoder2", "phi3"])
def test_families_mapping_no_shards_are_not_refused(model_type: str) -> None:
    # arctic.py and starcoder2.py map nothing, phi3.py maps each merged layer to itself
    config = {**_olmo("olmo2", 2), "model_type": model_type, "architectures": [
        {"arctic": "ArcticForCausalLM", "starcoder2": "Starcoder2ForCausalLM",
         "phi3": "Phi3ForCausalLM"}[model_type]],
        "quantization_config": {"quant_method": "fp8", "activation_scheme": "dynamic",
                                "modules_to_not_convert": ["model.layers.0.self_attn.q_proj"]}}
    assert _errors(parse_model_config(config, name="x"), "0.19.0") == []


def test_deepseek_v4_fused_wqa_wkv_and_shared_experts_from_0_29_0() -> None:
    # DeepseekV4ForCausalLM (vllm/models/deepseek_v4/nvidia/model.py) maps them from 0.29.0;
    # its mapper reads the checkpoint's layers.N as model.layers.N
    spec = _fp8("deepseek-ai/DeepSeek-V4-Flash", ["layers.3.attn.wq_a"])
    assert _errors(spec, "0.28.0") == []
    for release in ("0.29.0", "0.34.0"):
        assert _errors(spec, release) == [_fp8_words(
            release, "model.layers.3.attn.fused_wqa_wkv", "wq_a", "wkv")]
    shared = _fp8("deepseek-ai/DeepSeek-V4-Flash", ["layers.5.ffn.shared_experts.w3"])
    assert _errors(shared, "0.29.0") == [_fp8_words(
        "0.29.0", "model.layers.5.ffn.shared_experts.gate_up_proj", "w3", "w1")]
    whole = _fp8("deepseek-ai/DeepSeek-V4-Flash",
                 ["layers.3.attn.wq_a", "layers.3.attn.wkv",
                  "layers.5.ffn.shared_experts.w1", "layers.5.ffn.shared_experts.w3"])
    assert _errors(whole, "0.34.0") == []
