"""A compressed-tensors `ignore` list run against the names vLLM gives its layers, as
should_ignore_layer runs it (planner.model.exclusion_match.ct_ignored): an entry equal to the
name or a "re:" pattern re.match-ing it from its start, a merged layer by its own name first
(0.30.0-0.34.0: config_utils.py find_matching_patterns) or its shards, a FusedMoE layer by
'{prefix}.0.gate_proj' / '.0.up_proj' / '.0.down_proj' (compressed_tensors_moe.py
get_moe_method; 0.19.0 and 0.34.0 wheels). Bytes per GPU (H200, TP 1) worked by hand."""

import copy

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.exclusion_match import ct_entry_matches
from planner.model.quant import checkpoint_scheme
from planner.serving.startup.fused_shards import fused_shard_errors
from tests.conftest import load_ref_config
from tests.planner.model.test_exclusion_match import _weights
from tests.planner.serving.test_router_checkpoint_quant import CT_W4A16

# compressed-tensors W4A16 g128, symmetric: weight_packed int32 [out, in / 8] (0.5 B a weight)
# + weight_scale bf16 [out, in / 128] (2 / 128 B a weight) = 0.515625 B a weight (4.125 bits)
# DeepSeek-V3 (config.json): hidden 7,168, dense intermediate 18,432, first_k_dense_replace 3
DSV3_DENSE = 3
GATE_UP = 2 * 7_168 * 18_432  # 264,241,152 weights
DOWN = 7_168 * 18_432  # 132,120,576 weights
GATE_UP_BF16 = GATE_UP * 2  # 528,482,304 B
DOWN_CT = DOWN * 515_625 // 1_000_000  # 68,124,672 B
MLP_CT = (GATE_UP + DOWN) * 515_625 // 1_000_000  # 204,374,016 B


def _spec(repo: str, ignore: list[str]):
    config = copy.deepcopy(catalog_entry(repo).config)
    config["quantization_config"] = {**CT_W4A16, "ignore": ignore}
    return parse_model_config(config)


@pytest.mark.parametrize(("name", "entry", "matches"), [
    # re.match from the start, nothing tying the pattern to the name's end
    ("model.layers.0.mlp.gate_up_proj", "re:.*mlp.gate", True),
    ("model.layers.0.mlp.gate_up_proj", "re:.*mlp.gate$", False),
    ("model.layers.3.mlp.gate", "re:.*mlp.gate$", True),
    # the pattern must match at the name's start: no leading ".*", no match
    ("model.layers.3.mlp.gate", "re:mlp.gate", False),
    # a plain entry is compared whole
    ("model.layers.3.mlp.gate", "mlp.gate", False),
    ("model.layers.3.mlp.gate", "model.layers.3.mlp.gate", True),
    # vLLM matches with the regex package (`import regex as re`: compressed_tensors/utils.py
    # 0.9.0-0.29.0, utils/config_utils.py 0.30.0-0.34.0), which reads what Python's re refuses:
    # a variable-width look-behind, an inline flag after the start
    ("model.layers.3.mlp.gate", r"re:.*(?<=mlp|shared_expert)\.gate$", True),
    ("model.layers.3.mlp.shared_expert_gate", r"re:.*(?<=mlp|shared_expert)\.gate$", False),
    ("model.layers.3.mlp.gate", r"re:.*(?i)MLP\.GATE$", True),
    ("model.layers.3.mlp.gate_up_proj", r"re:.*(?i)MLP\.GATE$", False),
])
def test_ct_entry_matches(name, entry, matches):
    assert ct_entry_matches(name, entry) is matches


def test_open_ended_gate_pattern_keeps_the_dense_gate_up_proj_16_bit():
    """'re:.*mlp.gate' (no "$") re.match-es 'model.layers.0.mlp.gate_up_proj' of each of
    DeepSeek-V3's 3 dense layers: vLLM 0.30.0 on keeps it 16-bit beside a W4A16 down_proj,
    3 x (528,482,304 + 68,124,672) = 1,789,820,928 B (planned W4A16 before, the pattern read as
    the router alone: 3 x 204,374,016 = 613,122,048 B). 0.29.0 looks at the shards,
    gate_proj matched and up_proj not, and stops (fused_shards)."""
    spec = _spec("deepseek-ai/DeepSeek-V3", ["lm_head", "re:.*mlp.gate"])
    assert _weights(spec).dense_mlp_bytes == DSV3_DENSE * (
        GATE_UP_BF16 + DOWN_CT) == 1_789_820_928
    scheme = checkpoint_scheme(spec)
    assert fused_shard_errors(spec, scheme, (0, 30, 0)) == []
    assert "['gate_proj', 'up_proj'] in model.layers.0.mlp.gate_up_proj" in fused_shard_errors(
        spec, scheme, (0, 29, 0))[0]


def test_anchored_gate_pattern_leaves_the_dense_mlp_quantized():
    """'re:.*mlp.gate$' matches the routers only: the dense MLPs stay W4A16,
    3 x 204,374,016 = 613,122,048 B."""
    spec = _spec("deepseek-ai/DeepSeek-V3", ["lm_head", "re:.*mlp.gate$"])
    assert _weights(spec).dense_mlp_bytes == DSV3_DENSE * MLP_CT == 613_122_048


# Qwen3-30B-A3B: 48 MoE layers of 128 experts, 3 x 2,048 x 768 weights each = 603,979,776
# weights a layer: 16-bit 1,207,959,552 B, W4A16 x 0.515625 = 311,427,072 B
QWEN3_LAYERS = 48
EXPERTS_BF16 = 603_979_776 * 2
EXPERTS_CT = 603_979_776 * 515_625 // 1_000_000


def test_expert_block_name_keeps_nothing():
    """vLLM asks the list about 'model.layers.3.mlp.experts.0.gate_proj' (and up / down):
    'model.layers.3.mlp.experts' equals none of them, so layer 3's experts stay W4A16:
    48 x 311,427,072 = 14,948,499,456 B (planned 16-bit in layer 3 before)."""
    spec = _spec("Qwen/Qwen3-30B-A3B", ["lm_head", "model.layers.3.mlp.experts"])
    assert _weights(spec).experts_bytes == QWEN3_LAYERS * EXPERTS_CT == 14_948_499_456


def test_expert_zero_projections_keep_the_layer_16_bit():
    """Expert 0's three projections listed: get_moe_method finds all three ignored and builds
    the layer unquantized: 1,207,959,552 + 47 x 311,427,072 = 15,845,031,936 B."""
    spec = _spec("Qwen/Qwen3-30B-A3B", ["lm_head"] + [
        f"model.layers.3.mlp.experts.0.{p}" for p in ("gate_proj", "up_proj", "down_proj")])
    assert _weights(spec).experts_bytes == EXPERTS_BF16 + 47 * EXPERTS_CT == 15_845_031_936


def test_kimi_k25_list_keeps_dense_and_shared_mlps_16_bit():
    """Kimi-K2.5's own list ('re:.*self_attn.*', 're:.*shared_experts.*',
    're:.*mlp\\.(gate|up|gate_up|down)_proj.*'): layer 0's dense MLP (gate_up_proj and
    down_proj) 16-bit, 3 x 7,168 x 18,432 x 2 = 792,723,456 B; the 60 MoE layers' shared
    expert 16-bit, 60 x 3 x 7,168 x 2,048 x 2 = 5,284,823,040 B; the routed experts
    ('model.layers.1.mlp.experts.0.gate_proj' matches none) W4A16 g32, 4 + 16 / 32 = 4.5 bits:
    60 x 384 x 3 x 7,168 x 2,048 x 4.5 / 8 = 570,760,888,320 B."""
    config, _ = load_ref_config("moonshotai__Kimi-K2.5")
    weights = _weights(parse_model_config(config))
    assert weights.dense_mlp_bytes == 3 * 7_168 * 18_432 * 2 == 792_723_456
    assert weights.shared_experts_bytes == 60 * 3 * 7_168 * 2_048 * 2 == 5_284_823_040
    assert weights.experts_bytes == 60 * 384 * 3 * 7_168 * 2_048 * 9 // 16 == 570_760_888_320
