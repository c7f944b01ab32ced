"""compressed-tensors checkpoints that keep some, not all, of expert 0's projections of a
FusedMoE layer unquantized: vLLM 0.12.0-0.34.0's get_moe_method asks get_scheme_dict about
'{prefix}.0.gate_proj', '.0.up_proj', '.0.down_proj' and raises "All MoE projections need to
have same quantization scheme but found multiple" where the answers differ
(compressed_tensors_moe.py, 0.12.0, 0.19.0, 0.22.0, 0.34.0 wheels); 0.9.0-0.11.2's reads no
ignore list for the experts (planner.serving.startup.ct_expert_projections)."""

import copy

import pytest

from planner.model.quant import checkpoint_scheme
from planner.serving.startup.ct_expert_projections import ct_expert_projection_errors
from tests.planner.model.test_exclusion_match import _weights
from tests.planner.serving.test_router_checkpoint_quant import CT_W4A16, _qwen3_30b

STOP = ("stops building the model: All MoE projections need to have same quantization scheme "
        "but found multiple (get_moe_method asks about model.layers.0.mlp.experts.0.gate_proj")


def _spec(ignore: list[str], targets: list[str] | None = None):
    config = copy.deepcopy(CT_W4A16)
    if targets is not None:
        config["config_groups"]["group_0"]["targets"] = targets
    return _qwen3_30b({**config, "ignore": ignore})


def _errors(spec, version):
    return ct_expert_projection_errors(spec, checkpoint_scheme(spec), version)


GATE_ONLY = ["lm_head", "re:.*experts.0.gate_proj$"]
"""Every layer's expert 0 gate_proj listed, its up_proj and down_proj not."""


@pytest.mark.parametrize("version", [(0, 12, 0), (0, 19, 0), (0, 22, 0), (0, 34, 0)])
def test_a_partly_listed_expert_stops_vllm(version):
    (error,) = _errors(_spec(GATE_ONLY), version)
    assert error.startswith(f"vLLM {'.'.join(map(str, version))} {STOP}")
    assert "its ignore names gate_proj, which it keeps unquantized, but not up_proj / " \
        "down_proj" in error


def test_before_0_12_the_experts_read_no_ignore_list():
    # 0.11.2's get_moe_method(quant_config, layer) takes no name and never asks the list
    assert _errors(_spec(GATE_ONLY), (0, 11, 2)) == []


def test_all_three_listed_load_16_bit():
    """All three listed: UnquantizedFusedMoEMethod, no refusal. Qwen3-30B-A3B's experts, 48
    layers x 128 experts x 3 projections of 2,048 x 768 = 1,572,864 weights: 16-bit 48 x 128 x
    3 x 3,145,728 = 57,982,058,496 B; W4A16 g128 each projection 786,432 B packed + bf16 scales
    12,288 x 2 = 24,576 B = 811,008 B, 48 x 128 x 3 x 811,008 = 14,948,499,456 B (the partly
    listed checkpoint is planned so, as the refusal stands in the verdict)."""
    every = _spec(["lm_head", "re:.*experts.0.(gate|up|down)_proj$"])
    assert _errors(every, (0, 34, 0)) == []
    assert _weights(every).experts_bytes == 48 * 128 * 3 * 3_145_728 == 57_982_058_496
    assert _weights(_spec(GATE_ONLY)).experts_bytes == 48 * 128 * 3 * 811_008 \
        == 14_948_499_456


def test_a_projection_no_target_takes():
    """Targets taking attention, the gates and gate_proj / up_proj by name, not down_proj: from
    0.22.0 get_scheme_dict answers None for down_proj and the W4A16 scheme for the others;
    before it find_matched_target's "Unable to find matching target" comes first (ct_targets)."""
    spec = _spec(["lm_head"], ["re:.*self_attn.*", "re:.*mlp.gate$", "re:.*(gate|up)_proj$"])
    (error,) = _errors(spec, (0, 22, 0))
    assert "no target takes down_proj, which it keeps unquantized, but not gate_proj / " \
        "up_proj" in error
    assert _errors(spec, (0, 20, 2)) == []


def test_linear_targets_and_a_plain_ignore_load():
    assert _errors(_spec(["lm_head"]), (0, 34, 0)) == []
