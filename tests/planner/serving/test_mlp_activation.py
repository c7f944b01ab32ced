"""vLLM's refusal of a hidden_act other than "silu" where its model class takes SiLU only
(planner.serving.mlp_activation): llama.py LlamaMLP and the other classes raise
`ValueError(f"Unsupported activation: {hidden_act}. Only silu is supported for now.")` in every
wheel 0.9.1-0.34.0 read; Gemma and Phi read their activation with classes that take GeLU.

The tiny Llama (tests/cli/tiny_model.py) is worked by hand there: 2,048 B of KV per token."""

import pytest

from planner.catalog import catalog_entries, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.mlp_activation import silu_only_errors
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import supported_versions, vllm_cli
from tests.cli.tiny_model import TINY_CONFIG, TINY_KV_BYTES_PER_TOKEN
from tests.conftest import load_ref_config
from tests.planner.model.test_config_vision import CLASS_DEFAULTS

RELEASES = ("0.9.1", "0.9.2", "0.10.0", "0.10.1", "0.10.2") + tuple(
    f"0.{minor}.0" for minor in range(11, 35)) + ("0.11.1", "0.15.1", "0.22.1")
"""Every release Headroom covers: the fixtures in planner/serving/vllm_cli/, listed by hand."""


def llama_words(release: str, act: str = "gelu", arch: str = "LlamaForCausalLM") -> str:
    return (f"ValueError: Unsupported activation: {act}. Only silu is supported for now. "
            f"(vLLM {release} builds {arch}'s MLPs as vllm/model_executor/models/llama.py "
            "LlamaMLP, which raises this for any config.json hidden_act but \"silu\" in every "
            "release 0.9.1-0.34.0.)")


def tiny(**changes) -> dict:
    config = {**TINY_CONFIG, **changes}
    return {k: v for k, v in config.items() if v is not None}


def planned(config: dict, release: str = "0.34.0"):
    return plan(PlanRequest(model=parse_model_config(config),
                            cluster=preset_cluster("h100-sxm", 1), layout=ParallelLayout(tp=1),
                            engine=EngineSettings(max_model_len=4096, vllm_version=release)))


def test_the_release_list_is_every_covered_one() -> None:
    assert sorted(RELEASES) == sorted(supported_versions())


def test_no_catalog_model_is_refused_on_any_release() -> None:
    """Every catalog model takes an activation its class builds (silu, or a class that reads
    none or takes another) on every covered release: the rules change no catalog verdict."""
    for entry in catalog_entries():
        spec = catalog_spec(entry.repo_id)
        for release in RELEASES:
            assert silu_only_errors(spec, vllm_cli(release)) == [], (entry.repo_id, release)


@pytest.mark.parametrize("release", RELEASES)
def test_a_gelu_llama_is_refused_by_every_release(release: str) -> None:
    spec = parse_model_config(tiny(hidden_act="gelu"))
    assert silu_only_errors(spec, vllm_cli(release)) == [llama_words(release)]


@pytest.mark.parametrize("release", ["0.9.1", "0.13.0", "0.34.0"])
def test_a_gelu_llama_does_not_fit_and_silu_plans_as_before(release: str) -> None:
    refused = planned(tiny(hidden_act="gelu"), release)
    assert not refused.fits
    assert refused.verdict == f"Does not fit: {llama_words(release)}"
    silu = planned(tiny(), release)
    assert silu.fits and silu.errors == []
    # 2 (K, V) x 4 layers x 2 KV heads x 64 dims x 2 B, as before the rule
    assert TINY_KV_BYTES_PER_TOKEN == 2 * 4 * 2 * 64 * 2
    assert silu.kv_bytes_per_token == TINY_KV_BYTES_PER_TOKEN


def test_a_missing_hidden_act_takes_llamaconfigs_silu_and_plans() -> None:
    spec = parse_model_config(tiny(hidden_act=None))
    assert spec.hidden_act == "silu"
    assert ("hidden_act missing: assumed silu (transformers LlamaConfig class default for "
            "model_type 'llama')") in spec.assumptions
    assert planned(tiny(hidden_act=None)).fits


def test_swish_is_refused_too_the_check_is_on_the_string() -> None:
    # `if hidden_act != "silu"`: transformers' "swish" is the same function, vLLM refuses it
    spec = parse_model_config(tiny(hidden_act="swish"))
    assert silu_only_errors(spec, vllm_cli("0.34.0")) == [llama_words("0.34.0", "swish")]


@pytest.mark.parametrize("release", ["0.14.0", "0.15.0"])
def test_mistral_is_built_on_llamas_mlp_before_and_after_its_own_file(release: str) -> None:
    # registry.py: MistralForCausalLM -> llama.py to 0.14.0, mistral.py (on LlamaDecoderLayer)
    # from 0.15.0
    spec = parse_model_config(tiny(architectures=["MistralForCausalLM"], model_type="mistral",
                                   hidden_act="relu"))
    assert silu_only_errors(spec, vllm_cli(release)) == [
        llama_words(release, "relu", "MistralForCausalLM")]


def test_phi_3_is_refused_through_llama_phi_2_and_gemma_are_not() -> None:
    cli = vllm_cli("0.27.0")
    phi4 = catalog_spec("microsoft/phi-4")  # Phi3ForCausalLM(LlamaForCausalLM), silu
    assert silu_only_errors(phi4, cli) == []
    assert silu_only_errors(phi4.model_copy(update={"hidden_act": "gelu"}), cli) == [
        llama_words("0.27.0", arch="Phi3ForCausalLM")]
    # phi.py get_act_fn(config.hidden_act); gemma.py GeLU by hidden_activation
    for name, act in (("microsoft/phi-2", "gelu_new"), ("google/gemma-7b", "gelu")):
        spec = catalog_spec(name)
        assert spec.hidden_act == act
        for release in ("0.9.1", "0.27.0", "0.34.0"):
            assert silu_only_errors(spec, vllm_cli(release)) == []


def test_qwen3_moe_refuses_where_it_builds_qwen3moemlp() -> None:
    """qwen3_moe.py builds Qwen3MoeMLP for a dense layer (mlp_only_layers) and, from 0.15.0,
    for a shared expert; Qwen3-30B-A3B has neither (48 MoE layers), so gelu is not refused."""
    base, _ = load_ref_config("Qwen__Qwen3-30B-A3B")
    gelu = {**base, "hidden_act": "gelu"}
    assert silu_only_errors(parse_model_config(gelu), vllm_cli("0.34.0")) == []
    words = ("ValueError: Unsupported activation: gelu. Only silu is supported for now. (vLLM "
             "{} builds Qwen3MoeForCausalLM's dense-layer MLPs (and shared experts from "
             "0.15.0) as vllm/model_executor/models/qwen3_moe.py Qwen3MoeMLP, which raises "
             "this for any config.json hidden_act but \"silu\" in every release 0.9.1-0.34.0.)")
    dense_first = parse_model_config({**gelu, "mlp_only_layers": [0]})
    assert silu_only_errors(dense_first, vllm_cli("0.13.0")) == [words.format("0.13.0")]
    shared = parse_model_config({**gelu, "shared_expert_intermediate_size": 768})
    assert silu_only_errors(shared, vllm_cli("0.14.0")) == []
    assert silu_only_errors(shared, vllm_cli("0.15.0")) == [words.format("0.15.0")]


def test_deepseek_v2_refuses_in_its_moe_block_too() -> None:
    spec = catalog_spec("deepseek-ai/DeepSeek-V2-Lite-Chat").model_copy(
        update={"hidden_act": "gelu"})
    assert silu_only_errors(spec, vllm_cli("0.10.1")) == [
        "ValueError: Unsupported activation: gelu. Only silu is supported for now. (vLLM 0.10.1 "
        "builds DeepseekV2ForCausalLM's dense MLPs and shared experts, and MoE blocks as "
        "vllm/model_executor/models/deepseek_v2.py DeepseekV2MLP and DeepseekV2MoE, which "
        "raises this for any config.json hidden_act but \"silu\" in every release 0.9.1-0.34.0.)"]


def test_the_class_vllm_picks_is_the_first_it_serves() -> None:
    # registry.py inspect_model_cls tries each name in turn: an unknown first one is skipped
    spec = parse_model_config(tiny(architectures=["AcmeForCausalLM", "LlamaForCausalLM"],
                                   hidden_act="gelu"))
    assert silu_only_errors(spec, vllm_cli("0.34.0")) == [llama_words("0.34.0")]
    served_first = parse_model_config(tiny(architectures=["GemmaForCausalLM", "LlamaForCausalLM"],
                                           hidden_act="gelu"))
    assert silu_only_errors(served_first, vllm_cli("0.27.0")) == []


# The families below, read in the wheels for this module's NOTE: each expectation is worked out
# from the class vLLM builds there (the message names it), not from a run of the code.

def gelu(name: str, **text_changes) -> dict:
    """A ../shared reference config.json with hidden_act "gelu" where its MLP reads it:
    text_config's for a multimodal wrapper, else the top level's."""
    config, _ = load_ref_config(name)
    if "text_config" in config:
        return {**config, "text_config": {**config["text_config"], "hidden_act": "gelu",
                                          **text_changes}}
    return {**config, "hidden_act": "gelu", **text_changes}


def words(release: str, arch: str, built: str, source: str, key: str = "hidden_act",
          read: str = "0.9.1-0.34.0") -> list[str]:
    return [f"ValueError: Unsupported activation: gelu. Only silu is supported for now. (vLLM "
            f"{release} builds {arch}'s {built} as vllm/model_executor/models/{source}, which "
            f"raises this for any config.json {key} but \"silu\" in every release {read}.)"]


def test_qwen3_vl_reads_its_text_configs_hidden_act_through_qwen2mlp() -> None:
    # qwen3_vl.py Qwen3LLMModel(Qwen3Model): Qwen3MLP is qwen2.py Qwen2MLP; registry from 0.11.0
    spec = parse_model_config(gelu("Qwen__Qwen3-VL-32B-Instruct"))
    assert spec.hidden_act == "gelu"
    assert silu_only_errors(spec, vllm_cli("0.10.2")) == []  # not served before 0.11.0
    for release in ("0.11.0", "0.34.0"):
        assert silu_only_errors(spec, vllm_cli(release)) == words(
            release, "Qwen3VLForConditionalGeneration", "MLPs", "qwen2.py Qwen2MLP",
            "text_config.hidden_act")


def test_qwen3_vl_moe_refuses_only_where_it_builds_a_dense_layer() -> None:
    # Qwen3-VL-30B-A3B: 48 MoE layers, no shared expert: no Qwen3MoeMLP built
    assert silu_only_errors(parse_model_config(gelu("Qwen__Qwen3-VL-30B-A3B-Instruct")),
                            vllm_cli("0.34.0")) == []
    dense_first = parse_model_config(gelu("Qwen__Qwen3-VL-30B-A3B-Instruct", mlp_only_layers=[0]))
    assert silu_only_errors(dense_first, vllm_cli("0.11.0")) == words(
        "0.11.0", "Qwen3VLMoeForConditionalGeneration",
        "dense-layer MLPs (and shared experts from 0.15.0)", "qwen3_moe.py Qwen3MoeMLP",
        "text_config.hidden_act")


def test_qwen3_next_refuses_through_its_shared_expert() -> None:
    # qwen3_next.py: Qwen2MoeMLP as Qwen3NextMLP for the shared expert where
    # shared_expert_intermediate_size > 0 (512 here; every one of the 48 layers is MoE)
    spec = parse_model_config(gelu("Qwen__Qwen3-Next-80B-A3B-Instruct"))
    assert silu_only_errors(spec, vllm_cli("0.10.1")) == []  # registry from 0.10.2
    assert silu_only_errors(spec, vllm_cli("0.10.2")) == words(
        "0.10.2", "Qwen3NextForCausalLM", "dense-layer MLPs and shared experts",
        "qwen2_moe.py Qwen2MoeMLP")
    unshared = parse_model_config(gelu("Qwen__Qwen3-Next-80B-A3B-Instruct",
                                       shared_expert_intermediate_size=0))
    assert silu_only_errors(unshared, vllm_cli("0.34.0")) == []


def test_qwen3_5_builds_qwen3nextmlp_on_every_layer_and_qwen3_5_moe_its_shared_expert() -> None:
    dense = parse_model_config(gelu("Qwen__Qwen3.5-27B"))
    assert silu_only_errors(dense, vllm_cli("0.16.0")) == []  # registry from 0.17.0
    assert silu_only_errors(dense, vllm_cli("0.17.0")) == words(
        "0.17.0", "Qwen3_5ForConditionalGeneration", "MLPs", "qwen2_moe.py Qwen2MoeMLP",
        "text_config.hidden_act")
    moe = parse_model_config(gelu("Qwen__Qwen3.5-35B-A3B"))
    assert silu_only_errors(moe, vllm_cli("0.34.0")) == words(
        "0.34.0", "Qwen3_5MoeForConditionalGeneration", "dense-layer MLPs and shared experts",
        "qwen2_moe.py Qwen2MoeMLP", "text_config.hidden_act")


@pytest.mark.parametrize(("name", "arch", "release"), [
    ("deepseek-ai__DeepSeek-V3.2", "DeepseekV32ForCausalLM", "0.28.0"),  # deepseek_v2.py
    ("deepseek-ai__DeepSeek-V3.2", "DeepseekV32ForCausalLM", "0.29.0"),  # vllm/models/...
    ("zai-org__GLM-5", "GlmMoeDsaForCausalLM", "0.16.0"),
    ("zai-org__GLM-5", "GlmMoeDsaForCausalLM", "0.34.0"),
])
def test_the_sparse_attention_deepseeks_build_deepseek_v2s_mlps(name, arch, release) -> None:
    assert silu_only_errors(parse_model_config(gelu(name)), vllm_cli(release)) == words(
        release, arch, "dense MLPs and shared experts, and MoE blocks",
        "deepseek_v2.py DeepseekV2MLP and DeepseekV2MoE")


def test_kimi_k2_5s_text_model_is_deepseek_v2() -> None:
    spec = parse_model_config(gelu("moonshotai__Kimi-K2.5"))
    assert silu_only_errors(spec, vllm_cli("0.14.0")) == []  # registry from 0.15.0
    assert silu_only_errors(spec, vllm_cli("0.15.0")) == words(
        "0.15.0", "KimiK25ForConditionalGeneration",
        "dense MLPs and shared experts, and MoE blocks",
        "deepseek_v2.py DeepseekV2MLP and DeepseekV2MoE", "text_config.hidden_act")


def test_mimo_v2_flash_and_deepseek_v4_name_the_releases_their_class_exists_in() -> None:
    mimo = parse_model_config(gelu("XiaomiMiMo__MiMo-V2-Flash"))
    assert silu_only_errors(mimo, vllm_cli("0.13.0")) == []
    assert silu_only_errors(mimo, vllm_cli("0.14.0")) == words(
        "0.14.0", "MiMoV2FlashForCausalLM", "MLPs and MoE blocks",
        "mimo_v2_flash.py (mimo_v2.py from 0.21.0) MiMoV2MLP and MiMoV2MoE",
        read="0.14.0-0.34.0")
    v4 = parse_model_config(gelu("deepseek-ai__DeepSeek-V4-Flash"))  # n_shared_experts 1
    assert silu_only_errors(v4, vllm_cli("0.19.0")) == []
    assert silu_only_errors(v4, vllm_cli("0.22.0")) == words(
        "0.22.0", "DeepseekV4ForCausalLM", "shared experts",
        "deepseek_v4.py (vllm/models/deepseek_v4/<platform>/model.py from 0.22.0) "
        "DeepseekV4MLP", read="0.20.0-0.34.0")


@pytest.mark.parametrize("name", ["meta-llama__Llama-4-Maverick-17B-128E-Instruct",
                                  "MiniMaxAI__MiniMax-M2.5", "openai__gpt-oss-20b"])
def test_families_that_do_not_read_hidden_act_are_not_refused(name: str) -> None:
    # llama4.py builds LlamaMLP with hidden_act="silu" written in; minimax_m2.py and gpt_oss.py
    # read no hidden_act
    spec = parse_model_config(gelu(name))
    assert spec.hidden_act == "gelu"
    for release in ("0.11.1", "0.22.0", "0.34.0"):
        assert silu_only_errors(spec, vllm_cli(release)) == []


@pytest.mark.parametrize(("arch", "model_type", "first", "built", "source"), [
    ("InternLM2ForCausalLM", "internlm2", "0.9.1", "MLPs", "internlm2.py InternLM2MLP"),
    ("Exaone4ForCausalLM", "exaone4", "0.10.0", "MLPs", "exaone4.py Exaone4GatedMLP"),
    ("Glm4MoeForCausalLM", "glm4_moe", "0.10.0", "dense MLPs and shared experts, and MoE blocks",
     "glm4_moe.py Glm4MoeMLP and Glm4MoE"),
])
def test_model_types_headroom_does_not_know_are_refused_on_every_layer(
        arch, model_type, first, built, source) -> None:
    # planned from the standard keys, with a warning; the class raises whatever the layer
    spec = parse_model_config(tiny(architectures=[arch], model_type=model_type,
                                   hidden_act="gelu"))
    assert silu_only_errors(spec, vllm_cli(first)) == words(first, arch, built, source)
    if first != "0.9.1":  # registry.py serves it from `first`
        assert silu_only_errors(spec, vllm_cli("0.9.2")) == []


def test_names_registry_maps_to_llamas_class_are_refused_while_served_natively() -> None:
    cwm = parse_model_config(tiny(architectures=["CwmForCausalLM"], hidden_act="gelu"))
    assert silu_only_errors(cwm, vllm_cli("0.31.0")) == [
        llama_words("0.31.0", arch="CwmForCausalLM")]
    # 0.32.0's registry serves it through the Transformers backend, which takes any activation
    assert silu_only_errors(cwm, vllm_cli("0.32.0")) == []
    ernie = parse_model_config(tiny(architectures=["Ernie4_5ForCausalLM"], model_type="ernie4_5",
                                    hidden_act="gelu"))
    assert silu_only_errors(ernie, vllm_cli("0.10.1")) == [
        llama_words("0.10.1", arch="Ernie4_5ForCausalLM")]


# Wrappers whose text model is the class text_config names (TEXT_NAMED): transformers 5.24.0's
# config-class defaults (tests/fixtures/param_counts.json), text_config.hidden_act "gelu".

def wrapper(kind: str, arch: str, **text_changes) -> dict:
    config = CLASS_DEFAULTS[kind]["config"]
    return {**config, "architectures": [arch],
            "text_config": {**config["text_config"], "hidden_act": "gelu", **text_changes}}


def text_words(release: str, arch: str, file: str, text: str, how: str) -> list[str]:
    return [f"ValueError: Unsupported activation: gelu. Only silu is supported for now. (vLLM "
            f"{release} builds {arch}'s text model as {text} ({file}: {how}), and {text}'s MLPs "
            "as vllm/model_executor/models/llama.py LlamaMLP, which raises this for any "
            "config.json text_config.hidden_act but \"silu\" in every release 0.9.1-0.34.0.)"]


MISTRAL3 = "Mistral3ForConditionalGeneration"
LLAVA = "LlavaForConditionalGeneration"
LLAVA_NEXT = "LlavaNextForConditionalGeneration"


@pytest.mark.parametrize("release", ["0.9.1", "0.19.0", "0.20.0", "0.34.0"])
def test_mistral_3s_text_model_is_mistral_in_every_release(release: str) -> None:
    # text_config: model_type "mistral", no architectures: mistral3.py fills in
    # ["MistralForCausalLM"] to 0.19.0, with_hf_config transformers' class for "mistral" after
    spec = parse_model_config(wrapper("mistral3", MISTRAL3))
    assert spec.hidden_act == "gelu" and spec.text_architectures == ()
    assert silu_only_errors(spec, vllm_cli(release)) == text_words(
        release, MISTRAL3, "mistral3.py", "MistralForCausalLM",
        'text_config.model_type "mistral"')
    silu = parse_model_config({**wrapper("mistral3", MISTRAL3), "text_config": {
        **CLASS_DEFAULTS["mistral3"]["config"]["text_config"]}})
    assert silu.hidden_act == "silu" and silu_only_errors(silu, vllm_cli(release)) == []


def test_llava_without_text_architectures_is_checked_from_0_20_0() -> None:
    # text_config model_type "llama", no architectures: llava.py fills in a class only for
    # "mistral"; before 0.20.0 with_hf_config gives none, so no LlamaMLP is built from it
    spec = parse_model_config(wrapper("llava", LLAVA))
    for release in ("0.9.1", "0.19.0"):
        assert silu_only_errors(spec, vllm_cli(release)) == []
    assert silu_only_errors(spec, vllm_cli("0.20.0")) == text_words(
        "0.20.0", LLAVA, "llava.py", "LlamaForCausalLM", 'text_config.model_type "llama"')
    named = parse_model_config(wrapper("llava", LLAVA, architectures=["LlamaForCausalLM"]))
    assert named.text_architectures == ("LlamaForCausalLM",)
    assert silu_only_errors(named, vllm_cli("0.9.1")) == text_words(
        "0.9.1", LLAVA, "llava.py", "LlamaForCausalLM", "text_config.architectures")


def test_a_mistral_text_model_is_filled_in_by_llava_not_by_llava_next() -> None:
    llava = parse_model_config(wrapper("llava", LLAVA, model_type="mistral"))
    assert silu_only_errors(llava, vllm_cli("0.9.1")) == text_words(
        "0.9.1", LLAVA, "llava.py", "MistralForCausalLM", 'text_config.model_type "mistral"')
    llava_next = parse_model_config(wrapper("llava_next", LLAVA_NEXT, model_type="mistral"))
    assert silu_only_errors(llava_next, vllm_cli("0.19.0")) == []
    assert silu_only_errors(llava_next, vllm_cli("0.20.0")) == text_words(
        "0.20.0", LLAVA_NEXT, "llava_next.py", "MistralForCausalLM",
        'text_config.model_type "mistral"')


def test_a_ministral_3_text_model_takes_its_class_under_transformers_5_only() -> None:
    # transformers 5.5.3 maps "ministral3" to Ministral3ForCausalLM (mistral.py in vLLM's
    # registry), 4.56.0 maps nothing: Headroom plans 0.19.1 on under transformers 5 (the class
    # filled in by type from 0.20.0), and 0.20.0-0.23.x say transformers<5 pinned fills in none
    spec = parse_model_config(wrapper("mistral3", MISTRAL3, model_type="ministral3"))
    assert silu_only_errors(spec, vllm_cli("0.19.0")) == []
    assert silu_only_errors(spec, vllm_cli("0.23.0")) == text_words(
        "0.23.0", MISTRAL3, "mistral3.py", "Ministral3ForCausalLM",
        'text_config.model_type "ministral3"; under transformers 5, which its image and a '
        "fresh pip install run: with transformers<5 pinned it fills in no class")
    assert silu_only_errors(spec, vllm_cli("0.24.0")) == text_words(
        "0.24.0", MISTRAL3, "mistral3.py", "Ministral3ForCausalLM",
        'text_config.model_type "ministral3"')


def test_a_text_model_type_mapped_to_a_later_silu_only_class_is_checked() -> None:
    # transformers 4.56.0 and 5.5.3 MODEL_FOR_CAUSAL_LM_MAPPING_NAMES map "seed_oss" to
    # SeedOssForCausalLM (5.5.3 alone "afmoe" to AfmoeForCausalLM); from 0.20.0 with_hf_config
    # gives a LLaVA text config naming no class that one, whose seed_oss.py SeedOssMLP raises
    # for gelu (to 0.31.0). The type map lacked the classes SILU_ONLY gained later, so these
    # planned as fitting
    seed = parse_model_config(wrapper("llava", LLAVA, model_type="seed_oss"))
    assert silu_only_errors(seed, vllm_cli("0.19.0")) == []
    assert silu_only_errors(seed, vllm_cli("0.20.0")) == [
        "ValueError: Unsupported activation: gelu. Only silu is supported for now. (vLLM "
        "0.20.0 builds LlavaForConditionalGeneration's text model as SeedOssForCausalLM "
        "(llava.py: text_config.model_type \"seed_oss\"), and SeedOssForCausalLM's MLPs as "
        "vllm/model_executor/models/seed_oss.py SeedOssMLP, which raises this for any "
        "config.json text_config.hidden_act but \"silu\" in every release 0.10.2-0.31.0.)"]
    afmoe = parse_model_config(wrapper("llava", LLAVA, model_type="afmoe"))
    assert silu_only_errors(afmoe, vllm_cli("0.19.0")) == []  # no class by type before 0.20
    [refusal] = silu_only_errors(afmoe, vllm_cli("0.20.0"))  # transformers 5's class
    assert "with transformers<5 pinned it fills in no class" in refusal
    [refusal] = silu_only_errors(afmoe, vllm_cli("0.24.0"))
    assert "text model as AfmoeForCausalLM (llava.py: text_config.model_type \"afmoe\")" in refusal


def test_a_text_model_of_another_activation_class_is_not_refused() -> None:
    # text_config names Gemma 2 (gemma2.py: GeLU) or a class only the Transformers backend
    # serves: neither is a SiLU-only class
    for archs in (["Gemma2ForCausalLM"], ["AcmeForCausalLM"]):
        spec = parse_model_config(wrapper("llava", LLAVA, architectures=archs))
        assert silu_only_errors(spec, vllm_cli("0.34.0")) == []


def test_a_gelu_mistral_3_does_not_fit() -> None:
    refused = plan(PlanRequest(
        model=parse_model_config(wrapper("mistral3", MISTRAL3)),
        cluster=preset_cluster("h100-sxm", 1), layout=ParallelLayout(tp=1),
        engine=EngineSettings(max_model_len=4096, vllm_version="0.34.0")))
    assert not refused.fits
    assert refused.errors == text_words("0.34.0", MISTRAL3, "mistral3.py", "MistralForCausalLM",
                                        'text_config.model_type "mistral"')


@pytest.mark.parametrize(("arch", "model_type", "served", "built", "source", "read"), [
    ("OrionForCausalLM", "orion", (None, "0.9.1", "0.34.0", None), "MLPs", "orion.py OrionMLP",
     "0.9.1-0.34.0"),
    ("SolarForCausalLM", "solar", (None, "0.9.1", "0.34.0", None), "MLPs", "solar.py SolarMLP",
     "0.9.1-0.34.0"),
    ("BaichuanForCausalLM", "baichuan", (None, "0.9.1", "0.24.0", "0.25.0"), "MLPs",
     "baichuan.py BaiChuanMLP", "0.9.1-0.24.0"),
    ("BaiChuanForCausalLM", "baichuan", (None, "0.9.1", "0.24.0", "0.25.0"), "MLPs",
     "baichuan.py BaiChuanMLP", "0.9.1-0.24.0"),
    ("ChameleonForConditionalGeneration", "chameleon", (None, "0.9.1", "0.28.0", "0.29.0"), "MLPs",
     "chameleon.py ChameleonMLP", "0.9.1-0.28.0"),
    ("Dots1ForCausalLM", "dots1", ("0.9.1", "0.9.2", "0.23.0", "0.24.0"), "MLPs and MoE blocks",
     "dots1.py Dots1MLP and Dots1MoE", "0.9.2-0.23.0"),
    ("SeedOssForCausalLM", "seed_oss", ("0.10.1", "0.10.2", "0.31.0", "0.32.0"), "MLPs",
     "seed_oss.py SeedOssMLP", "0.10.2-0.31.0"),
    ("OuroForCausalLM", "ouro", ("0.11.0", "0.11.1", "0.26.0", "0.27.0"), "MLPs", "ouro.py OuroMLP",
     "0.11.1-0.26.0"),
    ("HyperCLOVAXForCausalLM", "hyperclovax", ("0.17.0", "0.18.0", "0.34.0", None), "MLPs",
     "hyperclovax.py HyperCLOVAXMLP", "0.18.0-0.34.0"),
    ("MiMoV2ForCausalLM", "mimo_v2", ("0.20.0", "0.21.0", "0.34.0", None), "MLPs and MoE blocks",
     "mimo_v2.py MiMoV2MLP and MiMoV2MoE", "0.21.0-0.34.0"),
    ("AfmoeForCausalLM", "afmoe", ("0.11.0", "0.11.1", "0.34.0", None), "MLPs and MoE blocks",
     "afmoe.py AfmoeMLP (llama.py LlamaMLP) and AfmoeMoE", "0.11.1-0.34.0"),
    ("AXK1ForCausalLM", "AXK1", ("0.16.0", "0.17.0", "0.34.0", None), "MLPs and MoE blocks",
     "AXK1.py AXK1MLP (deepseek_v2.py DeepseekV2MLP) and AXK1MoE", "0.17.0-0.34.0"),
    ("FalconH1ForCausalLM", "falcon_h1", (None, "0.9.1", "0.34.0", None), "MLPs",
     "falcon_h1.py FalconH1MLP", "0.9.1-0.34.0"),
    ("BambaForCausalLM", "bamba", (None, "0.9.1", "0.23.0", "0.24.0"), "MLPs",
     "bamba.py BambaMLP", "0.9.1-0.23.0"),
    ("LongcatFlashForCausalLM", "longcat_flash", ("0.10.2", "0.11.0", "0.34.0", None), "MLPs",
     "longcat_flash.py FlashMLP", "0.11.0-0.34.0"),
    ("LongcatFlashNgramForCausalLM", "longcat_flash_ngram", ("0.25.0", "0.26.0", "0.34.0", None),
     "MLPs", "longcat_flash.py FlashMLP", "0.26.0-0.34.0"),
    ("PanguEmbeddedForCausalLM", "pangu_embedded", ("0.11.0", "0.11.1", "0.34.0", None),
     "MLPs and MoE blocks", "openpangu.py OpenPanguMLP and OpenPanguMoE", "0.11.1-0.34.0"),
    ("PanguUltraMoEForCausalLM", "pangu_ultra_moe", ("0.11.0", "0.11.1", "0.34.0", None),
     "MLPs and MoE blocks", "openpangu.py OpenPanguMLP and OpenPanguMoE", "0.11.1-0.34.0"),
    ("PanguProMoEV2ForCausalLM", "pangu_pro_moe_v2", ("0.13.0", "0.14.0", "0.34.0", None),
     "MLPs and MoE blocks", "openpangu.py OpenPanguMLP and OpenPanguMoE", "0.14.0-0.34.0"),
])
def test_families_refused_on_every_layer_while_served_natively(
        arch, model_type, served, built, source, read) -> None:
    # registry.py's native entry runs first..last; before it, and after it (gone, or the
    # Transformers backend's: Seed-OSS from 0.32.0), nothing raises this
    before, first, last, after = served
    spec = parse_model_config(tiny(architectures=[arch], model_type=model_type,
                                   hidden_act="gelu"))
    for release in (first, last):
        assert silu_only_errors(spec, vllm_cli(release)) == words(release, arch, built, source,
                                                                  read=read)
    for release in (before, after):
        if release is not None:
            assert silu_only_errors(spec, vllm_cli(release)) == []


def test_exaone_3_is_refused_on_its_activation_function() -> None:
    # exaone.py ExaoneDecoderLayer: ExaoneGatedMLP(hidden_act=config.activation_function)
    exaone = {"architectures": ["ExaoneForCausalLM"], "model_type": "exaone"}
    spec = parse_model_config(tiny(**exaone, hidden_act=None, activation_function="gelu"))
    assert spec.activation_function == "gelu"
    for release in ("0.9.1", "0.34.0"):
        assert silu_only_errors(spec, vllm_cli(release)) == words(
            release, "ExaoneForCausalLM", "MLPs", "exaone.py ExaoneGatedMLP",
            key="activation_function")
    # its hidden_act is not what the class reads; nor is an activation_function left out
    # (its default is the repository's config code from 0.10.0) checked
    for config in (tiny(**exaone, hidden_act="gelu", activation_function="silu"),
                   tiny(**exaone, hidden_act="gelu")):
        assert silu_only_errors(parse_model_config(config), vllm_cli("0.34.0")) == []


@pytest.mark.parametrize("release", ["0.9.1", "0.11.0", "0.11.1", "0.34.0"])
def test_deepseek_v1_is_refused_on_every_layer(release: str) -> None:
    # deepseek.py (0.9.1-0.11.0): dense layers, routed and shared experts are all DeepseekMLP;
    # from 0.11.1 DeepseekForCausalLM(DeepseekV2ForCausalLM), whose DeepseekV2MoE raises too
    source = "deepseek.py DeepseekMLP (deepseek_v2.py DeepseekV2MLP and DeepseekV2MoE from 0.11.1)"
    spec = parse_model_config(tiny(
        architectures=["DeepseekForCausalLM"], model_type="deepseek", hidden_act="gelu",
        n_routed_experts=4, num_experts_per_tok=2, moe_intermediate_size=64,
        first_k_dense_replace=1, n_shared_experts=1))
    assert silu_only_errors(spec, vllm_cli(release)) == words(
        release, "DeepseekForCausalLM", "MLPs, experts and shared experts", source)


HUNYUAN = ("dense-layer MLPs and shared MLPs (use_mixed_mlp_moe)", "hunyuan_v1.py HunYuanMLP")


def test_hunyuan_dense_is_refused_on_its_dense_layers_while_served_natively() -> None:
    # hunyuan_v1.py: HunYuanMLP where num_experts is at most 1 (_is_moe); registry 0.10.0-0.28.0
    dense = parse_model_config(tiny(architectures=["HunYuanDenseV1ForCausalLM"],
                                    model_type="hunyuan_v1_dense", hidden_act="gelu"))
    for release in ("0.10.0", "0.28.0"):
        assert silu_only_errors(dense, vllm_cli(release)) == words(
            release, "HunYuanDenseV1ForCausalLM", *HUNYUAN, read="0.10.0-0.28.0")
    for release in ("0.9.2", "0.29.0"):  # not served; the Transformers backend's
        assert silu_only_errors(dense, vllm_cli(release)) == []
    # MoE layers (num_experts 4): a shared_mlp only under use_mixed_mlp_moe, not given
    moe = parse_model_config(tiny(architectures=["HunYuanDenseV1ForCausalLM"],
                                  model_type="hunyuan_v1_dense", hidden_act="gelu", num_experts=4,
                                  num_experts_per_tok=2, moe_intermediate_size=64))
    assert silu_only_errors(moe, vllm_cli("0.28.0")) == []


def hunyuan_moe(**changes) -> dict:
    """A 4-layer HunYuan-MoE: 4 experts, 2 a token (moe_topk), all layers MoE (_is_moe)."""
    return tiny(**{"architectures": ["HunYuanMoEV1ForCausalLM"], "model_type": "hunyuan_v1_moe",
                   "hidden_act": "gelu", "num_experts": 4, "moe_topk": 2,
                   "moe_intermediate_size": 64, **changes})


def test_hunyuan_moe_is_refused_where_it_builds_its_shared_mlp() -> None:
    # HunYuanSparseMoeBlock: FusedMoE takes no activation (its default "silu"); shared_mlp =
    # HunYuanMLP(hidden_act=config.hidden_act) where config.use_mixed_mlp_moe > 0:
    # hunyuan_v1_moe.py in 0.9.2, hunyuan_v1.py 0.10.0-0.28.0
    moe_words = ("ValueError: Unsupported activation: gelu. Only silu is supported for now. "
                 "(vLLM {} builds HunYuanMoEV1ForCausalLM's dense-layer MLPs and shared MLPs "
                 "(use_mixed_mlp_moe) as vllm/model_executor/models/hunyuan_v1.py "
                 "(hunyuan_v1_moe.py in 0.9.2) HunYuanMLP, which raises this for any config.json "
                 "hidden_act but \"silu\" in every release 0.9.2-0.28.0.)")
    for mixed in (True, 1):
        spec = parse_model_config(hunyuan_moe(use_mixed_mlp_moe=mixed, num_shared_expert=1))
        for release in ("0.9.2", "0.10.0", "0.28.0"):
            assert silu_only_errors(spec, vllm_cli(release)) == [moe_words.format(release)]
        for release in ("0.9.1", "0.29.0"):  # not served; the Transformers backend's
            assert silu_only_errors(spec, vllm_cli(release)) == []
    for unmixed in ({}, {"use_mixed_mlp_moe": False}, {"use_mixed_mlp_moe": 0}):
        spec = parse_model_config(hunyuan_moe(**unmixed))
        assert silu_only_errors(spec, vllm_cli("0.28.0")) == []
    silu = parse_model_config(hunyuan_moe(use_mixed_mlp_moe=True, hidden_act="silu"))
    assert silu_only_errors(silu, vllm_cli("0.28.0")) == []


def arctic(**changes) -> dict:
    """A 4-layer Snowflake Arctic: 4 experts, 2 a token."""
    return tiny(**{"architectures": ["ArcticForCausalLM"], "model_type": "arctic",
                   "hidden_act": "gelu", "num_local_experts": 4, "num_experts_per_tok": 2,
                   **changes})


def test_arctic_is_refused_on_its_dense_and_residual_mlps() -> None:
    # arctic.py ArcticDecoderLayer: ArcticMoE builds ArcticMLP (raises) where (i + 1) %
    # moe_layer_frequency != 0, and ArcticMLP as residual_mlp on the others where use_residual;
    # its experts (fused_experts) read no activation. 0.9.1-0.28.0; not served from 0.29.0
    refused = words("{}", "ArcticForCausalLM",
                    "dense-layer MLPs (moe_layer_frequency) and residual MLPs (use_residual)",
                    "arctic.py ArcticMLP", read="0.9.1-0.28.0")[0]
    residual = parse_model_config(arctic(moe_layer_frequency=1, use_residual=True))
    for release in ("0.9.1", "0.28.0"):
        assert silu_only_errors(residual, vllm_cli(release)) == [refused.format(release)]
    assert silu_only_errors(residual, vllm_cli("0.29.0")) == []
    # every other layer dense: layers 0 and 2 ((0 + 1) % 2, (2 + 1) % 2)
    halves = parse_model_config(arctic(use_residual=False, moe_layer_frequency=2))
    assert silu_only_errors(halves, vllm_cli("0.20.0")) == [refused.format("0.20.0")]
    # the frequency left out: vLLM's ArcticConfig default, 2, from 0.26.0; the repository's
    # config code before, not read
    unset = parse_model_config(arctic(use_residual=False))
    for release in ("0.26.0", "0.28.0"):
        assert silu_only_errors(unset, vllm_cli(release)) == [refused.format(release)]
    assert silu_only_errors(unset, vllm_cli("0.25.0")) == []
    # with use_residual true any frequency builds one: residual MLPs, or dense layers
    residual_unset = parse_model_config(arctic(use_residual=True))
    assert silu_only_errors(residual_unset, vllm_cli("0.25.0")) == [refused.format("0.25.0")]
    # every layer MoE, no residual: no ArcticMLP built
    plain = parse_model_config(arctic(moe_layer_frequency=1, use_residual=False))
    assert silu_only_errors(plain, vllm_cli("0.20.0")) == []
    # use_residual left out: ArcticDecoderLayer stops on config.use_residual (AttributeError)
    assert silu_only_errors(parse_model_config(arctic(moe_layer_frequency=2)),
                            vllm_cli("0.20.0")) == []


def test_granitemoeshared_is_refused_where_it_builds_its_shared_mlp() -> None:
    # granitemoeshared.py: shared_mlp = GraniteMoeSharedMLP (raises) unless
    # getattr(config, "shared_intermediate_size", 0) == 0; GraniteMoeMoE reads no activation.
    # GraniteMoeSWAForCausalLM is the same class from 0.29.0
    base = dict(model_type="granitemoeshared", hidden_act="gelu", num_local_experts=4,
                num_experts_per_tok=2)
    for arch, releases in (("GraniteMoeSharedForCausalLM", ("0.9.1", "0.34.0")),
                           ("GraniteMoeSWAForCausalLM", ("0.29.0", "0.34.0"))):
        spec = parse_model_config(tiny(architectures=[arch], shared_intermediate_size=256,
                                       **base))
        for release in releases:
            assert silu_only_errors(spec, vllm_cli(release)) == words(
                release, arch, "shared MLPs (shared_intermediate_size)",
                "granitemoeshared.py GraniteMoeSharedMLP")
    for unshared in ({}, {"shared_intermediate_size": 0}):
        spec = parse_model_config(tiny(architectures=["GraniteMoeSharedForCausalLM"],
                                       **unshared, **base))
        assert silu_only_errors(spec, vllm_cli("0.34.0")) == []


def test_decilm_is_refused_where_it_reads_config_hidden_act() -> None:
    # nemotron_nas.py: LlamaMLP(hidden_act=config.hidden_act) for each block whose ffn is not
    # no_op, to 0.15.1 (line 183 of the 0.15.1 wheel's nemotron_nas.py still passes
    # hidden_act=config.hidden_act); from 0.16.0 a block's ffn.hidden_act where the
    # repository's block-config class has one, which Headroom cannot know
    spec = parse_model_config(gelu("nvidia__Llama-3_3-Nemotron-Super-49B-v1"))
    for release in ("0.9.1", "0.15.0", "0.15.1"):
        assert silu_only_errors(spec, vllm_cli(release)) == words(
            release, "DeciLMForCausalLM", "MLPs",
            "nemotron_nas.py DeciLMDecoderLayer's LlamaMLP (llama.py)", read="0.9.1-0.15.1")
    for release in ("0.16.0", "0.34.0"):
        assert silu_only_errors(spec, vllm_cli(release)) == []
    # a model of no-op FFN blocks only builds no LlamaMLP
    config, _ = load_ref_config("nvidia__Llama-3_3-Nemotron-Super-49B-v1")
    no_ffn = [{**block, "ffn": {"no_op": True}} for block in config["block_configs"]]
    spec = parse_model_config({**config, "hidden_act": "gelu", "block_configs": no_ffn})
    assert silu_only_errors(spec, vllm_cli("0.15.0")) == []


def kimi_k3_words(release: str, act: str = "gelu") -> list[str]:
    return [f"ValueError: Unsupported activation: {act}. Only silu and situ are supported. (vLLM "
            f"{release} builds KimiLinearForCausalLM's dense-layer MLPs and shared experts as "
            "vllm/models/kimi_k3/nvidia/model.py (amd/linear.py on ROCm) KimiMLP, which raises "
            "this for any config.json hidden_act but \"silu\" or \"situ\" in every release "
            "0.27.0-0.34.0.)"]


def test_kimi_linear_is_refused_in_each_releases_words() -> None:
    # kimi_linear.py KimiMLP / KimiMoE (0.11.1-0.26.0); from 0.27.0 vllm/models/kimi_k3's
    # KimiMLP also takes "situ": "Only silu and situ are supported."
    spec = parse_model_config(tiny(architectures=["KimiLinearForCausalLM"],
                                   model_type="kimi_linear", hidden_act="gelu"))
    for release in ("0.11.1", "0.26.0"):
        assert silu_only_errors(spec, vllm_cli(release)) == words(
            release, "KimiLinearForCausalLM", "MLPs and MoE blocks",
            "kimi_linear.py KimiMLP and KimiMoE", read="0.11.1-0.26.0")
    assert silu_only_errors(spec, vllm_cli("0.11.0")) == []  # registry from 0.11.1
    for release in ("0.27.0", "0.34.0"):  # every layer of the tiny model is dense
        assert silu_only_errors(spec, vllm_cli(release)) == kimi_k3_words(release)
    situ = parse_model_config(tiny(architectures=["KimiLinearForCausalLM"],
                                   model_type="kimi_linear", hidden_act="situ"))
    assert silu_only_errors(situ, vllm_cli("0.26.0")) == [
        line.replace("gelu", "situ") for line in words(
            "0.26.0", "KimiLinearForCausalLM", "MLPs and MoE blocks",
            "kimi_linear.py KimiMLP and KimiMoE", read="0.11.1-0.26.0")]
    assert silu_only_errors(situ, vllm_cli("0.27.0")) == []


def test_kimi_linear_from_0_27_refuses_where_it_builds_kimimlp() -> None:
    # 4 layers, all MoE (first_k_dense_replace 0): KimiMLP only as the shared experts, built
    # where num_shared_experts is given; the routed experts take "gelu" (MoEActivation)
    moe = dict(architectures=["KimiLinearForCausalLM"], model_type="kimi_linear",
               hidden_act="gelu", num_experts=8, num_experts_per_tok=2,
               moe_intermediate_size=64)
    assert silu_only_errors(parse_model_config(tiny(**moe)), vllm_cli("0.27.0")) == []
    shared = parse_model_config(tiny(**moe, num_shared_experts=1))
    assert silu_only_errors(shared, vllm_cli("0.34.0")) == kimi_k3_words("0.34.0")
    relu = parse_model_config(tiny(**{**moe, "hidden_act": "relu"}, first_k_dense_replace=1))
    assert silu_only_errors(relu, vllm_cli("0.30.0")) == kimi_k3_words("0.30.0", "relu")
