"""A GPTQ Qwen3-MoE gate on vLLM 0.10.1 (stored_gate.gptq_gate_errors, router_dtype.
checkpoint_gate_quantized). Read in the 0.10.0, 0.10.1, 0.10.1.1 and 0.10.2 wheels: qwen3_moe.py
builds the gate with quant_config=None in 0.10.0, with the model's quant_config in 0.10.1 and
0.10.1.1 (GPTQ(Marlin)LinearMethod: qweight, qzeros, scales, g_idx, no `weight`, so the
16-bit 'layers.N.mlp.gate.weight' AutoGPTQ / GPTQModel store raises KeyError in
Qwen3MoeModel.load_weights), and from 0.10.2 without it for a GPTQ config that has no
autoround_version (_maybe_ignore_quant_config). AutoRound's GPTQ export (autoround_version)
stores the gate quantized: GPTQ wherever the file hands it the config."""

import copy

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import GPU_PRESETS, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.stored_gate import gptq_gate_errors
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.weights import rank_weights

H200 = GPU_PRESETS["h200"]
GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "sym": True, "desc_act": False}
# Qwen3-30B-A3B: 48 MoE layers, each gate 2,048 (hidden) x 128 (experts) = 262,144 weights:
# 16-bit 524,288 B; GPTQ int4 g128: qweight int32 [2,048 / 8, 128] = 131,072 B + scales fp16
# [16, 128] = 4,096 B + qzeros int32 [16, 128 / 8] = 1,024 B = 136,192 B (g_idx: Marlin
# empties it without act-order)
LAYERS = 48
GATE_BF16 = 262_144 * 2
GATE_GPTQ = 131_072 + 4_096 + 1_024


def _qwen3_30b(quantization_config: dict):
    config = copy.deepcopy(catalog_entry("Qwen/Qwen3-30B-A3B").config)
    config["quantization_config"] = quantization_config
    return parse_model_config(config)


def _errors(spec, version):
    return gptq_gate_errors(spec, checkpoint_scheme(spec), version)


def _router_bytes(spec, version) -> int:
    scheme = checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, version, H200)
    return rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0].router_bytes


def test_qwen_gptq_checkpoint_is_refused_on_0_10_1():
    """Qwen/Qwen3-235B-A22B-GPTQ-Int4 has no autoround_version (its config.json: gptq, bits 4,
    group 128, sym, desc_act false): refused on 0.10.1 (0.10.1.1 reads as it), in the plan's
    verdict; 0.10.0 and 0.10.2 load its gate 16-bit."""
    spec = catalog_spec("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    assert not spec.quant.autoround_gptq
    errors = _errors(spec, (0, 10, 1))
    assert errors == [
        "vLLM 0.10.1 stops loading the weights: qwen3_moe.py builds model.layers.0.mlp.gate "
        "with this GPTQ checkpoint's quant config (qweight, qzeros, scales, g_idx), with no "
        "parameter for the 16-bit weight a GPTQ checkpoint without an autoround_version stores "
        "for it: KeyError 'layers.N.mlp.gate.weight'. vLLM 0.10.0 and 0.10.2 on load it 16-bit."]
    assert _errors(spec, (0, 10, 0)) == _errors(spec, (0, 10, 2)) == []
    result = plan(PlanRequest(model=spec, cluster=preset_cluster("h100", 8),
                              layout=ParallelLayout(tp=8),
                              engine=EngineSettings(vllm_version="0.10.1.1")))
    assert not result.fits and errors[0] in result.verdict


@pytest.mark.parametrize("dynamic", [
    {"-:.*mlp\\.gate$": {}},  # get_dynamic_override False: UnquantizedLinearMethod
    {"-:model\\.layers\\.\\d+\\.mlp\\.gate": {}},
])
def test_a_dynamic_rule_keeping_every_gate_loads(dynamic):
    """A "-:" rule re.match-ing each 'model.layers.N.mlp.gate' builds it 16-bit: it loads,
    48 x 524,288 = 25,165,824 B."""
    spec = _qwen3_30b({**GPTQ, "dynamic": dynamic})
    assert _errors(spec, (0, 10, 1)) == []
    assert _router_bytes(spec, (0, 10, 1)) == LAYERS * GATE_BF16 == 25_165_824


def test_a_dynamic_rule_keeping_some_gates_names_the_first_other():
    """Layer 0's gate kept by the rule ('model.layers.0.mlp.gate' only: `$`), layer 1's not."""
    spec = _qwen3_30b({**GPTQ, "dynamic": {"-:model\\.layers\\.0\\.mlp\\.gate$": {}}})
    assert "builds model.layers.1.mlp.gate with" in _errors(spec, (0, 10, 1))[0]


@pytest.mark.parametrize("version", [(0, 10, 1), (0, 10, 2), (0, 19, 0), (0, 34, 0)])
def test_autoround_gptq_gate_is_gptq(version):
    """autoround_version: AutoRound stored the gate quantized, which 0.10.1 loads (no refusal),
    0.10.2 keeps the config for, and 0.11.0 on quantizes as stored (maybe_update_config):
    48 x 136,192 = 6,537,216 B (was planned 16-bit, 25,165,824)."""
    spec = _qwen3_30b({**GPTQ, "autoround_version": "0.6.0"})
    assert _errors(spec, (0, 10, 1)) == []
    assert _router_bytes(spec, version) == LAYERS * GATE_GPTQ == 6_537_216


def test_without_autoround_the_gate_stays_16_bit_from_0_10_2():
    """No autoround_version: 0.10.2 hands the gate no quant config, 0.19.0 quantizes only the
    layers stored quantized: 48 x 524,288 B."""
    spec = _qwen3_30b(GPTQ)
    for version in ((0, 10, 2), (0, 19, 0)):
        assert _router_bytes(spec, version) == LAYERS * GATE_BF16


@pytest.mark.parametrize("version", [(0, 9, 0), (0, 9, 2), (0, 10, 0)])
def test_autoround_gptq_gate_is_refused_before_0_10_1(version):
    """qwen3_moe.py 0.9.0-0.10.0 builds the gate with quant_config=None (a 16-bit `weight`
    only): the qweight / qzeros / scales AutoRound stores for it have no parameter, and
    Qwen3MoeModel.load_weights' `params_dict[name]` raises KeyError (was planned, the gate
    16-bit); 0.10.1 on load it (test_autoround_gptq_gate_is_gptq)."""
    spec = _qwen3_30b({**GPTQ, "autoround_version": "0.6.0"})
    v = f"{version[0]}.{version[1]}.{version[2]}"
    assert _errors(spec, version) == [
        f"vLLM {v} stops loading the weights: qwen3_moe.py builds model.layers.0.mlp.gate "
        "unquantized (quant_config=None), with no parameter for the qweight, qzeros and scales "
        "this AutoRound GPTQ checkpoint (autoround_version) stores for it: KeyError "
        "'layers.N.mlp.gate.qweight' (or its qzeros / scales). vLLM 0.10.1 on load it GPTQ."]
    kept = _qwen3_30b({**GPTQ, "autoround_version": "0.6.0",
                       "dynamic": {"-:.*mlp\\.gate$": {}}})
    assert _errors(kept, version) == []  # a "-:" rule: AutoRound stored it 16-bit
