"""What transformers 4 (vLLM 0.12.0-0.19.0 require `transformers<5`) does to config.json's rope
object before vLLM builds the model (startup.transformers4_rope).

A rope object nested by layer type gets the config's rope_theta written in beside its blocks by
patch_rope_parameters, which then reads it as one block and raises ValueError("rope_parameters
should have a 'rope_type' key") (transformers_utils/config.py, 0.12.0, 0.13.0, 0.15.0 and 0.19.0
wheels; nested_theta_errors).

The config classes that call rope_config_validation (LlamaConfig, Qwen3Config, ...) refuse a
llama3 rope_scaling block without original_max_position_embeddings at load (KeyError), or with
it null (TypeError on `>=`), before vLLM would copy a top-level one in (modeling_rope_utils.py
_validate_llama3_parameters, transformers 4.57.6; rope_keys.llama3_original_errors).

Qwen3-8B (tests/fixtures/configs): model_type qwen3, top-level rope_theta 1000000,
max_position_embeddings 40,960, rope_scaling null. Gemma-4-26B-A4B: text_config gemma4_text (no
transformers 4 class), nested rope_parameters, no top-level rope_theta.
"""

import copy
import json

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.startup.rope_keys import llama3_original_errors
from planner.serving.startup.transformers4_rope import (
    legacy_type_errors,
    nested_theta_errors,
    own_validator_errors,
)
from tests.cli.conftest import plan_errors
from tests.conftest import load_ref_config

QWEN3_8B, _ = load_ref_config("Qwen__Qwen3-8B")
NESTED = {"full_attention": {"rope_type": "default", "rope_theta": 1000000.0}}
"""One default block under Qwen3's only layer type: a nested object with nothing wrong in it."""
LLAMA3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0}
"""Llama-3.1's block (meta-llama__Meta-Llama-3.1-8B.json) less its
original_max_position_embeddings 8192."""
STOP = ("ValueError: rope_parameters should have a 'rope_type' key (config.json's {key} is "
        "nested by layer type, and vLLM {v} runs transformers 4: its patch_rope_parameters "
        "writes {what} into the object beside the blocks")


def _qwen3(drop: tuple[str, ...] = (), **keys: object) -> dict:
    """Qwen3-8B's config.json with `keys` set and `drop` left out."""
    config = copy.deepcopy(QWEN3_8B)
    config.update(copy.deepcopy(keys))
    for key in drop:
        del config[key]
    return config


def _nested(config: dict, version: tuple[int, int, int]) -> list[str]:
    return nested_theta_errors(parse_model_config(config), version, False)


@pytest.mark.parametrize(("version", "refused"), [
    ((0, 11, 2), False),  # reads rope_scaling only: the rope_parameters object is not read
    ((0, 12, 0), True),   # first patch_rope_parameters: rope_theta written in
    ((0, 19, 0), True),   # last release requiring transformers<5
    ((0, 19, 1), False),  # transformers 5: standardize_rope_params keeps it nested
])
def test_a_nested_object_beside_a_rope_theta_stops_transformers_4_releases(version, refused):
    errors = _nested(_qwen3(rope_parameters=NESTED), version)
    assert bool(errors) is refused
    if refused:
        v = f"{version[0]}.{version[1]}.{version[2]}"
        assert errors[0].startswith(STOP.format(key="rope_parameters", v=v,
                                                what="config.json's rope_theta"))


def test_the_class_default_rope_theta_is_written_too():
    # Qwen3Config(rope_theta=10000.0) in 4.57.6: config.json without one still has it
    (error,) = _nested(_qwen3(drop=("rope_theta",), rope_parameters=NESTED), (0, 15, 0))
    assert error.startswith(STOP.format(
        key="rope_parameters", v="0.15.0",
        what="the rope_theta that transformers 4's config class for model_type 'qwen3' "
             "defaults to"))


def test_a_nested_rope_scaling_is_made_rope_parameters_and_stops_the_same_way():
    (error,) = _nested(_qwen3(rope_scaling=NESTED), (0, 12, 0))
    assert error.startswith(STOP.format(key="rope_scaling", v="0.12.0",
                                        what="config.json's rope_theta"))


def _gemma4(**text: object) -> dict:
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    config["text_config"].update(text)
    return config


def test_gemma_4_has_no_transformers_4_class_and_nothing_is_written():
    # gemma4_text: no configuration_gemma4 in any 4.x, so no class rope_theta; config.json
    # gives none at its top level: nothing goes in beside the blocks
    assert _nested(_gemma4(), (0, 19, 0)) == []


@pytest.mark.parametrize(("text", "what"), [
    ({"rope_theta": 1000000.0}, "config.json's rope_theta"),
    # `if ompe := getattr(config, "original_max_position_embeddings", None)` (0.12.0)
    ({"original_max_position_embeddings": 8192},
     "config.json's original_max_position_embeddings"),
])
def test_a_top_level_key_goes_in_beside_gemma_4s_blocks(text, what):
    (error,) = _nested(_gemma4(**text), (0, 12, 0))
    assert error.startswith(STOP.format(key="rope_parameters", v="0.12.0", what=what))


GPT_NEOX = {
    "model_type": "gpt_neox", "architectures": ["GPTNeoXForCausalLM"], "hidden_size": 512,
    "num_attention_heads": 8, "num_hidden_layers": 2, "intermediate_size": 2048,
    "vocab_size": 1024, "max_position_embeddings": 2048, "torch_dtype": "float16",
    "rope_parameters": NESTED,
}
"""A small hand-written GPT-NeoX: no rope_theta anywhere; GPTNeoXConfig defaults
rotary_emb_base 10000 and rotary_pct 0.25 and sets `self.rope_theta = rotary_emb_base`
(configuration_gpt_neox.py, 4.57.6)."""


@pytest.mark.parametrize("version", [(0, 12, 0), (0, 13, 0), (0, 19, 0)])
def test_gpt_neox_class_rope_theta_is_written_from_0_12_0(version):
    # 0.12.0 reads config.rope_theta only, which GPTNeoXConfig holds (10000, from its
    # rotary_emb_base): written in beside the blocks as in 0.13.0 on (was planned on 0.12.0)
    (error,) = _nested(GPT_NEOX, version)
    v = f"{version[0]}.{version[1]}.{version[2]}"
    assert error.startswith(STOP.format(
        key="rope_parameters", v=v,
        what="the rope_theta that transformers 4's config class for model_type 'gpt_neox' "
             "defaults to"))


@pytest.mark.parametrize(("version", "refused"), [
    # patch_rope_parameters 0.12.0: `getattr(config, "rope_theta", None)`; gemma4_text has no
    # transformers 4 class to copy rotary_emb_base into rope_theta: nothing written (was
    # refused as "config.json's rope_theta")
    ((0, 12, 0), False),
    # 0.13.0: getattr_iter(config, ["rope_theta", "rotary_emb_base"]) finds it
    ((0, 13, 0), True),
])
def test_a_top_level_rotary_emb_base_alone_is_read_from_0_13_0(version, refused):
    errors = _nested(_gemma4(rotary_emb_base=10000.0), version)
    assert bool(errors) is refused
    if refused:
        assert errors[0].startswith(STOP.format(key="rope_parameters", v="0.13.0",
                                                what="config.json's rotary_emb_base"))


def test_gpt_neox_copies_a_top_level_rotary_emb_base_on_0_12_0():
    # GPTNeoXConfig's `self.rope_theta = rotary_emb_base` takes config.json's value
    (error,) = _nested({**GPT_NEOX, "rotary_emb_base": 20000}, (0, 12, 0))
    assert error.startswith(STOP.format(key="rope_parameters", v="0.12.0",
                                        what="config.json's rotary_emb_base"))


BAMBA = {
    "model_type": "bamba", "architectures": ["BambaForCausalLM"], "hidden_size": 512,
    "num_hidden_layers": 4, "num_attention_heads": 8, "num_key_value_heads": 8,
    "intermediate_size": 2048, "attn_layer_indices": [1, 3], "mamba_n_heads": 16,
    "mamba_d_head": 64, "mamba_n_groups": 1, "mamba_d_state": 128, "mamba_d_conv": 4,
    "mamba_expand": 2, "vocab_size": 1024, "max_position_embeddings": 4096,
    "torch_dtype": "bfloat16", "rope_parameters": NESTED,
}
"""A small hand-written Bamba: no rope_theta in config.json; BambaConfig's __init__ sets
`self.rope_theta = 10000.0` whatever config.json says (configuration_bamba.py, 4.57.6)."""


def test_bamba_class_rope_theta_is_written():
    # the AST scan read only a defaulted rope_theta argument and missed Bamba's constant
    (error,) = _nested(BAMBA, (0, 12, 0))
    assert error.startswith(STOP.format(
        key="rope_parameters", v="0.12.0",
        what="the rope_theta that transformers 4's config class for model_type 'bamba' "
             "defaults to"))


def test_an_overridden_rope_object_is_not_checked_here():
    spec = parse_model_config(_qwen3(rope_parameters=NESTED))
    assert nested_theta_errors(spec, (0, 19, 0), True) == []


def _llama3(version: tuple[int, int, int], block: dict, model: str = "Qwen__Qwen3-8B",
            overridden: bool = False) -> list[str]:
    config, _ = load_ref_config(model)
    config.update(rope_scaling=block, original_max_position_embeddings=8192)
    return llama3_original_errors(parse_model_config(config), version, overridden)


MISSING = ("KeyError: \"Missing required keys in `rope_scaling` for 'rope_type'='llama3': "
           "{'original_max_position_embeddings'}\" (vLLM ")


@pytest.mark.parametrize(("version", "refused"), [
    ((0, 12, 0), True),   # validated at load, before the patch would copy 8,192 in
    ((0, 19, 0), True),
    ((0, 19, 1), False),  # transformers 5 fills it from the top-level 8,192
])
def test_a_validating_class_refuses_the_block_before_vllm_fills_it(version, refused):
    errors = _llama3(version, LLAMA3)
    assert bool(errors) is refused
    if refused:
        assert errors[0].startswith(MISSING)
        assert "config class for model_type 'qwen3' validates a rope_scaling block" in errors[0]


def test_a_null_fails_the_comparison():
    # _validate_llama3_parameters: `original_max_position_embeddings >=
    # config.max_position_embeddings` is None >= 40960 (a string, array, object or number out
    # of range exits 2 at parse, length._checked_block)
    (error,) = _llama3((0, 12, 0), {**LLAMA3, "original_max_position_embeddings": None})
    assert error.startswith("TypeError: '>=' not supported between instances of 'NoneType' "
                            "and 'int' (vLLM 0.12.0 ")


def test_a_class_that_does_not_validate_is_left_planned():
    # MistralConfig (4.57.6) calls no rope_config_validation: the patch copies 8,192 in
    assert _llama3((0, 19, 0), LLAMA3, "mistralai__Mistral-7B-Instruct-v0.3") == []


def test_an_overridden_block_is_not_validated_at_load():
    assert _llama3((0, 19, 0), LLAMA3, overridden=True) == []


@pytest.mark.parametrize(("config", "word"), [
    (_qwen3(rope_parameters=NESTED), "rope_parameters should have a 'rope_type' key"),
    (_qwen3(rope_scaling=LLAMA3, original_max_position_embeddings=8192),
     "Missing required keys in `rope_scaling`"),
])
def test_the_cli_plan_refuses_on_0_19_0_and_fits_on_0_19_1(capsys, tmp_path, config, word):
    # both planned as fitting on 0.19.0 before these refusals
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    argv = ("--model", str(path), "--gpu", "h100-sxm")
    fits, errors = plan_errors(capsys, *argv, "--vllm-version", "0.19.0", word=word)
    assert (fits, len(errors)) == (False, 1)
    assert plan_errors(capsys, *argv, "--vllm-version", "0.19.1", word=word) == (True, [])


PHI4 = catalog_entry("microsoft/phi-4").config
"""model_type phi3 (Phi3Config under transformers 4), rope_scaling null, top-level
original_max_position_embeddings 16,384."""
LLAMA31 = {**LLAMA3, "original_max_position_embeddings": 8192}
"""Llama-3.1's whole block (meta-llama__Meta-Llama-3.1-8B.json): nothing missing."""


def _own(version: tuple[int, int, int], model_type: str, block: dict,
         overridden: bool = False) -> list[str]:
    config = {**copy.deepcopy(PHI4), "model_type": model_type, "rope_scaling": block}
    return own_validator_errors(parse_model_config(config), version, overridden)


@pytest.mark.parametrize(("model_type", "name"), [
    ("phi3", "Phi3Config"), ("olmo", "OlmoConfig"), ("olmo2", "Olmo2Config")])
@pytest.mark.parametrize("version", [(0, 9, 2), (0, 12, 0), (0, 19, 0)])
def test_an_own_validator_refuses_even_a_whole_llama3_block(model_type, name, version):
    # _rope_scaling_validation wants exactly 3 (Phi-3) / 2 (OLMo) keys and a `type` key; the
    # whole Llama-3.1 block has 5 keys and spells rope_type: ValueError at load, 4.51.1-4.57.6
    (error,) = _own(version, model_type, LLAMA31)
    assert error.startswith(f"ValueError from {name}._rope_scaling_validation: it takes only ")
    assert f"for model_type '{model_type}' validates rope_scaling with its own rules" in error


def test_an_own_validator_stops_before_get_rope_reads_the_key():
    # on 0.9.2 a block without original_max_position_embeddings would stop get_rope with a
    # KeyError (llama3_original_errors), but the class's ValueError comes first, at load
    config = {**copy.deepcopy(PHI4), "model_type": "olmo2", "rope_scaling": LLAMA3}
    spec = parse_model_config(config)
    assert llama3_original_errors(spec, (0, 9, 2)) == []
    assert own_validator_errors(spec, (0, 9, 2), False)[0].startswith("ValueError from Olmo2")


@pytest.mark.parametrize(("version", "model_type", "block", "overridden"), [
    ((0, 19, 1), "phi3", LLAMA31, False),  # transformers 5: not planned as refused
    ((0, 19, 0), "llama", LLAMA31, False),  # LlamaConfig's rope_config_validation takes it
    ((0, 19, 0), "phi3", None, False),      # Phi-4 as published
    ((0, 19, 0), "phi3", LLAMA31, True),    # an --hf-overrides block is applied after load
])
def test_no_own_validator_error(version, model_type, block, overridden):
    assert _own(version, model_type, block, overridden) == []


def test_the_cli_refuses_phi4_with_a_llama3_block(capsys, tmp_path):
    # planned as fitting on 0.19.0 before this refusal
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**PHI4, "rope_scaling": LLAMA31}))
    argv = ("--model", str(path), "--gpu", "h100-sxm")
    word = "ValueError from Phi3Config._rope_scaling_validation"
    fits, errors = plan_errors(capsys, *argv, "--vllm-version", "0.19.0", word=word)
    assert (fits, len(errors)) == (False, 1)


GEMMA3 = catalog_entry("google/gemma-3-27b-it").config
"""model_type gemma3, whose text_config (Gemma3TextConfig under transformers 4) writes
rope_scaling {"rope_type": "linear", "factor": 8.0}."""
GRANITE = catalog_entry("ibm-granite/granite-3.3-8b-instruct").config
"""model_type granite (GraniteConfig), rope_scaling null, max_position_embeddings 131,072."""
LEGACY = ("KeyError: \"Missing required keys in `rope_scaling` for 'rope_type'='{t}': "
          "{{..., 'rope_type'}}\" (vLLM {v} runs transformers 4, whose config class for "
          "model_type '{m}' validates a rope_scaling block as it loads config.json")


def _gemma3(block: dict) -> dict:
    config = copy.deepcopy(GEMMA3)
    config["text_config"]["rope_scaling"] = block
    return config


def _legacy(config: dict, version: tuple[int, int, int], overridden: bool = False
            ) -> list[str]:
    return legacy_type_errors(parse_model_config(config), version, overridden)


@pytest.mark.parametrize(("version", "refused"), [
    ((0, 9, 1), True),    # transformers>=4.51.1 uncapped: planned under 4.57
    ((0, 12, 0), True),
    ((0, 19, 0), True),   # last release requiring transformers<5
    ((0, 19, 1), False),  # transformers 5: standardize_rope_params sets rope_type from type
])
def test_gemma_3_stops_on_a_type_only_block(version, refused):
    # Gemma3TextConfig.__init__ (4.57.6) sets self.rope_scaling and calls
    # rope_config_validation with no type -> rope_type copy; _check_received_keys turns the
    # received {"type", "factor"} into {"factor"} and requires {"rope_type", "factor"}:
    # {"rope_type"} is missing -> KeyError
    errors = _legacy(_gemma3({"type": "linear", "factor": 8.0}), version)
    assert bool(errors) is refused
    if refused:
        label = ".".join(map(str, version))
        assert errors[0].startswith(LEGACY.format(t="linear", v=label, m="gemma3_text"))
        assert errors[0].endswith("Write \"rope_type\": \"linear\" in the block, or plan a "
                                  "later release.")


@pytest.mark.parametrize("block", [
    {"rope_type": "linear", "factor": 8.0},                  # Gemma 3 27B as published
    {"type": "linear", "rope_type": "linear", "factor": 8.0},  # rope_type received: no KeyError
    {"type": "mrope", "mrope_section": [16, 24, 24]},       # no validator for "mrope": a warning
])
def test_gemma_3_loads_a_block_with_rope_type_or_an_unvalidated_type(block):
    assert _legacy(_gemma3(block), (0, 19, 0)) == []


def test_a_class_that_copies_type_loads_it():
    # Qwen3Config.__init__ copies rope_scaling["type"] into "rope_type" before validating
    assert _legacy(_qwen3(rope_scaling={"type": "yarn", "factor": 4.0,
                                        "original_max_position_embeddings": 32768}),
                   (0, 19, 0)) == []


def test_an_overridden_type_only_block_is_not_checked():
    assert _legacy(_gemma3({"type": "linear", "factor": 8.0}), (0, 19, 0), True) == []


def test_a_type_only_llama3_block_on_granite_is_refused_once():
    # GraniteConfig validates without copying: required {"rope_type", "factor",
    # "original_max_position_embeddings", "low_freq_factor", "high_freq_factor"} less the
    # received ones leaves {"rope_type", "original_max_position_embeddings"}: one KeyError,
    # so llama3_original_errors' KeyError for the missing key alone is not given beside it
    block = {**LLAMA3, "type": "llama3"}
    del block["rope_type"]
    spec = parse_model_config({**copy.deepcopy(GRANITE), "rope_scaling": block,
                               "original_max_position_embeddings": 8192})
    assert llama3_original_errors(spec, (0, 19, 0)) == []
    (error,) = legacy_type_errors(spec, (0, 19, 0), False)
    assert error.startswith(LEGACY.format(t="llama3", v="0.19.0", m="granite"))


def test_the_cli_refuses_gemma_3_with_a_type_only_block(capsys, tmp_path):
    # planned as fitting on 0.19.0 before this refusal
    path = tmp_path / "config.json"
    path.write_text(json.dumps(_gemma3({"type": "linear", "factor": 8.0})))
    argv = ("--model", str(path), "--gpu", "h100-sxm")
    word = "Missing required keys in `rope_scaling` for 'rope_type'='linear'"
    fits, errors = plan_errors(capsys, *argv, "--vllm-version", "0.19.0", word=word)
    assert (fits, len(errors)) == (False, 1)
    assert plan_errors(capsys, *argv, "--vllm-version", "0.19.1", word=word) == (True, [])
