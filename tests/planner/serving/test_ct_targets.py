"""compressed-tensors config groups whose `targets` are not "Linear": a layer vLLM builds
with the quant config that no target takes (by name, class or shards) and the ignore list
does not keep stops vLLM 0.9.0-0.20.2 ("Unable to find matching target"; find_matched_target,
compressed_tensors/utils.py) and is built unquantized from 0.22.0 (vLLM PR 41965; 0.22.0 and
0.34.0 wheels): planner.serving.startup.ct_targets, planner.model.exclusion_match.ct_targeted.
Bytes per GPU (H200, TP 1) worked by hand."""

import copy

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.model.spec import ConfigError
from planner.serving.startup.ct_targets import ct_target_errors
from tests.planner.model.test_exclusion_match import _weights
from tests.planner.serving.test_router_checkpoint_quant import CT_W4A16

ATTENTION_AND_EXPERTS = ["re:.*self_attn.*", "re:.*mlp.experts.*"]


def _spec(repo: str, targets: list[str], ignore: list[str]):
    config = copy.deepcopy(catalog_entry(repo).config)
    group = {**CT_W4A16["config_groups"]["group_0"], "targets": targets}
    config["quantization_config"] = {**CT_W4A16, "config_groups": {"group_0": group},
                                     "ignore": ignore}
    return parse_model_config(config)


def _errors(spec, version):
    return ct_target_errors(spec, checkpoint_scheme(spec), version)


# Qwen3-30B-A3B: 48 MoE layers, each gate 2,048 x 128 = 262,144 weights, built with the quant
# config (qwen3_moe.py, 0.10.1 on): 16-bit 524,288 B; W4A16 g128 weight_packed 131,072 B +
# weight_scale bf16 [128, 16] 4,096 B = 135,168 B
QWEN3_LAYERS = 48


@pytest.mark.parametrize("version", [(0, 19, 0), (0, 20, 2)])
def test_untargeted_gate_stops_vllm_up_to_0_20(version):
    """Attention and experts are taken by the patterns, the gate 'model.layers.0.mlp.gate' by
    none (not "Linear"): find_matched_target raises there, layer 0's gate built before its
    experts."""
    spec = _spec("Qwen/Qwen3-30B-A3B", ATTENTION_AND_EXPERTS, ["lm_head"])
    [error] = _errors(spec, version)
    assert error.startswith("vLLM " + ".".join(map(str, version)) + " stops building the model: "
                            "Unable to find matching target for model.layers.0.mlp.gate in "
                            "the compressed-tensors config.")


def test_untargeted_gate_is_16_bit_from_0_22():
    """0.22.0 on build the untaken gate unquantized: 48 x 524,288 = 25,165,824 B (planned
    W4A16 before, 48 x 135,168 = 6,488,064 B, as a "Linear" target gives)."""
    spec = _spec("Qwen/Qwen3-30B-A3B", ATTENTION_AND_EXPERTS, ["lm_head"])
    assert _errors(spec, (0, 22, 0)) == []
    assert _weights(spec).router_bytes == QWEN3_LAYERS * 524_288 == 25_165_824
    linear = _spec("Qwen/Qwen3-30B-A3B", ["Linear"], ["lm_head"])
    assert _weights(linear).router_bytes == QWEN3_LAYERS * 135_168 == 6_488_064
    assert _errors(linear, (0, 19, 0)) == []


def test_ignored_gate_needs_no_target():
    """should_ignore_layer comes first: a gate the list keeps is never matched to targets."""
    spec = _spec("Qwen/Qwen3-30B-A3B", ATTENTION_AND_EXPERTS, ["lm_head", "re:.*mlp.gate$"])
    assert _errors(spec, (0, 19, 0)) == []


# Llama-3.1-8B: 32 layers, attention q 4,096 x 4,096, k and v 1,024 x 4,096, o 4,096 x 4,096
# = 41,943,040 weights a layer: 16-bit 83,886,080 B, W4A16 x 0.515625 = 21,626,880 B
LLAMA_LAYERS = 32


def test_untargeted_attention():
    """Targets naming the MLP only: 0.19.0 stops at the first layer's merged qkv_proj (its
    shards match no target either); 0.34.0 holds attention 16-bit, 32 x 83,886,080 =
    2,684,354,560 B (was W4A16, 32 x 21,626,880 = 692,060,160 B)."""
    spec = _spec("meta-llama/Llama-3.1-8B-Instruct", ["re:.*mlp.*"], ["lm_head"])
    assert "Unable to find matching target for model.layers.0.self_attn.qkv_proj in the " \
        "compressed-tensors config." in _errors(spec, (0, 19, 0))[0]
    assert _weights(spec).attention_bytes == LLAMA_LAYERS * 83_886_080 == 2_684_354_560


def test_shard_names_take_a_merged_layer():
    """_match_fused_layer: q_proj, k_proj and v_proj each named take qkv_proj; o_proj named
    too: the attention is taken whole."""
    spec = _spec("meta-llama/Llama-3.1-8B-Instruct", ["re:.*mlp.*", "re:.*self_attn.[qkvo]_proj"],
                 ["lm_head"])
    assert _errors(spec, (0, 19, 0)) == []
    assert _weights(spec).attention_bytes == LLAMA_LAYERS * 21_626_880 == 692_060_160


def test_red_hat_w8a8_linear_targets_load_everywhere():
    """RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8 (targets ["Linear"], ignore
    ["lm_head"]): every layer taken by class, no refusal, no lm_head warning."""
    spec = parse_model_config(catalog_entry(
        "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8").config)
    assert spec.quant.targets == ("Linear",)
    assert _errors(spec, (0, 19, 0)) == []
    assert not any("lm_head" in w for w in spec.warnings)


def test_lm_head_target_is_planned_quantized():
    """A target naming lm_head: vLLM 0.20.0 on quantize it (ParallelLMHead branch), planned in
    the group's scheme (tests/planner/serving/test_ct_lm_head.py has its bytes); the ignore
    list naming it keeps it 16-bit everywhere."""
    taken = _spec("meta-llama/Llama-3.1-8B-Instruct", ["Linear", "lm_head"], [])
    assert [f.module for f in taken.quant.module_schemes] == ["lm_head"]
    kept = _spec("meta-llama/Llama-3.1-8B-Instruct", ["Linear", "lm_head"], ["lm_head"])
    assert kept.quant.module_schemes == ()


def test_attention_only_group_is_left_out():
    """from_config drops a group whose one target ends "Attention" (KV-cache quantization)."""
    config = copy.deepcopy(catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config)
    groups = {"group_0": CT_W4A16["config_groups"]["group_0"],
              "group_1": {"targets": ["LlamaAttention"], "weights": {}}}
    config["quantization_config"] = {**CT_W4A16, "config_groups": groups}
    assert parse_model_config(config).quant.targets == ("Linear",)


def test_bad_pattern_is_one_line():
    """A "re:" entry the regex package cannot compile either ("missing )"): vLLM's
    regex.match raises regex.error (no ValueError, which no caller catches) building the first
    layer it reaches; refused in one line."""
    with pytest.raises(ConfigError, match=r"'re:\.\*mlp\.\(gate' is not a regular expression"):
        _spec("meta-llama/Llama-3.1-8B-Instruct", ["Linear"], ["re:.*mlp.(gate"])


def test_pattern_only_the_regex_package_reads_plans():
    """vLLM compiles "re:" entries with the regex package (`import regex as re`:
    compressed_tensors/utils.py 0.9.0-0.29.0, utils/config_utils.py 0.30.0-0.34.0), whose
    variable-width look-behind Python's re refuses ("look-behind requires fixed-width
    pattern"): the checkpoint loads, each Qwen3-30B-A3B router 'model.layers.N.mlp.gate' is
    ignored, 48 x 524,288 = 25,165,824 B 16-bit (was refused: exit 2)."""
    spec = _spec("Qwen/Qwen3-30B-A3B", ["Linear"],
                 ["lm_head", r"re:.*(?<=mlp|shared_expert)\.gate$"])
    assert _weights(spec).router_bytes == QWEN3_LAYERS * 524_288 == 25_165_824
    assert _errors(spec, (0, 19, 0)) == []


# Qwen3-VL-30B-A3B-Instruct (Qwen3VLMoeForConditionalGeneration): the text model's 48 layers and
# gates as Qwen3-30B-A3B's, built by vLLM as language_model.model.layers.N (qwen3_vl.py,
# maybe_prefix(prefix, "language_model"); layer_names.WRAPPED). Its hf_to_vllm_mapper
# (orig_to_new_prefix "model.language_model." -> "language_model.model.", 0.11.0 on) renames a
# literal entry holding a "." (CompressedTensorsConfig.apply_vllm_mapper._map_target, 0.13.0,
# 0.19.0 and 0.34.0 wheels), never a "re:" one, and should_ignore_layer matches the result
# against vLLM's name. One gate kept: 47 x 135,168 + 524,288 = 6,877,184 B; none:
# 48 x 135,168 = 6,488,064 B; all: 48 x 524,288 = 25,165,824 B.
VL_MOE = "Qwen/Qwen3-VL-30B-A3B-Instruct"


@pytest.mark.parametrize(("entry", "router_bytes"), [
    # the checkpoint's own name, renamed by the mapper: layer 0's gate kept
    ("model.language_model.layers.0.mlp.gate", 47 * 135_168 + 524_288),
    # vLLM's own name, left alone by the mapper
    ("language_model.model.layers.0.mlp.gate", 6_877_184),
    # the text class's name: no layer vLLM builds here
    ("model.layers.0.mlp.gate", 48 * 135_168),
    # a pattern is not renamed; re.match from the start of 'language_model.model.layers.N...'
    (r"re:model\.layers\.\d+\.mlp\.gate$", 6_488_064),
    (r"re:language_model\.model\.layers\.\d+\.mlp\.gate$", 48 * 524_288),
])
def test_wrapped_text_layers_are_matched_under_vllm_names(entry, router_bytes):
    spec = _spec(VL_MOE, ["Linear"], ["lm_head", entry])
    assert _weights(spec).router_bytes == router_bytes


def test_wrapped_untargeted_gate_is_quoted_under_vllm_name():
    """find_matched_target's ValueError names the layer as vLLM built it."""
    spec = _spec(VL_MOE, ATTENTION_AND_EXPERTS, ["lm_head"])
    [error] = _errors(spec, (0, 19, 0))
    assert "Unable to find matching target for language_model.model.layers.0.mlp.gate in " \
        "the compressed-tensors config." in error
