"""A ModelOpt checkpoint storing a MoE gate quantized, for the model files h790's table did not
read (startup.stored_gate STORED_GATE_LOADS): qwen3_5.py (its shared_expert_gate), Kimi-VL /
Kimi K2.5 and ernie45_moe.py, each at the releases where its load_weights changes (read in
those wheels: module NOTE). DeepSeek-V3.2 / GLM-5, GLM-4.7-Flash and MiMo-V2-Flash routers
ModelOpt never quantizes (test_stored_gate, r25)."""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.startup.stored_gate import stored_gate_errors
from tests.planner.model.test_ernie45_moe import SMALL as SMALL_ERNIE
from tests.planner.serving.test_stored_gate import (
    ASSERTION,
    KEY_ERROR,
    VALUE_ERROR,
    _catalog,
    _gate,
    _modelopt,
    _raised,
)

QWEN3_5_MOE = "Qwen/Qwen3.5-35B-A3B"
"""Qwen3_5MoeForConditionalGeneration, 40 layers, each MoE with a shared_expert_gate; hidden
2,048: an NVFP4 gate row is 2,048 / 2 = 1,024 bytes, an FP8 one 2,048, the 16-bit 2,048."""


@pytest.mark.parametrize(("version", "fp8", "nvfp4"), [
    # 0.17.0 (qwen3_5.py's first wheel)-0.24.0: Qwen3_5Model's loop skips
    # shared_expert_gate.input_scale ("... not found in params_dict, skip loading") and copies
    # the weight into the ReplicatedLinear(quant_config=None): FP8's [1, 2048] fits, NVFP4's
    # [1, 1024] not
    ((0, 17, 0), None, ASSERTION), ((0, 19, 0), None, ASSERTION), ((0, 24, 0), None, ASSERTION),
    # 0.25.0 on: Qwen3_5Model.load_weights is AutoWeightsLoader's
    ((0, 25, 0), VALUE_ERROR, VALUE_ERROR), ((0, 34, 0), VALUE_ERROR, VALUE_ERROR)])
def test_qwen3_5_moe_shared_expert_gate(version, fp8, nvfp4):
    """The checkpoint names the layers model.language_model.layers.N (layer_names.WRAPPED):
    the shared_expert_gate (an nn.Linear in transformers 5.25.0) is refused by that name, and a
    list naming it so keeps it. The router (Qwen3_5MoeTopKRouter, a bare nn.Parameter: r25)
    ModelOpt never quantizes, listed or not."""
    kept = ["lm_head", "model.language_model.layers.*.mlp.gate"]
    assert _raised(_catalog(QWEN3_5_MOE, kept), version) == fp8
    assert _raised(_catalog(QWEN3_5_MOE, ["lm_head"]), version) == fp8
    spec = _catalog(QWEN3_5_MOE, kept, "NVFP4")
    assert _raised(spec, version) == nvfp4
    assert _gate(spec, version) == "model.language_model.layers.0.mlp.shared_expert_gate"
    for kept in (["lm_head", "*shared_expert_gate"],
                 ["model.language_model.layers.*.mlp.shared_expert_gate"]):
        assert _raised(_catalog(QWEN3_5_MOE, kept, "NVFP4"), version) is None


def test_qwen3_5_moe_text_checkpoint_names_model_layers():
    """A Qwen3_5MoeForCausalLM checkpoint (its text_config alone) names model.layers.N."""
    text = {**catalog_entry(QWEN3_5_MOE).config["text_config"],
            "architectures": ["Qwen3_5MoeForCausalLM"]}
    spec = _modelopt(text, ["lm_head"], "NVFP4")
    assert _gate(spec, (0, 34, 0)) == "model.layers.0.mlp.shared_expert_gate"
    assert _raised(_modelopt(text, ["lm_head", "model.layers.*.mlp.shared_expert_gate"],
                             "NVFP4"), (0, 34, 0)) is None


def test_qwen3_6_nvfp4_catalog_checkpoint_is_not_refused():
    """nvidia/Qwen3.6-35B-A3B-NVFP4 is MIXED_PRECISION: its quantized_layers list no gate, so
    both gates are stored 16-bit and load."""
    spec = parse_model_config(catalog_entry("nvidia/Qwen3.6-35B-A3B-NVFP4").config,
                              catalog_entry("nvidia/Qwen3.6-35B-A3B-NVFP4").hf_quant_config)
    for version in ((0, 17, 0), (0, 24, 0), (0, 34, 0)):
        assert stored_gate_errors(spec, checkpoint_scheme(spec), version) == []


@pytest.mark.parametrize("version", [(0, 9, 2), (0, 14, 0), (0, 15, 0), (0, 16, 0),
                                     (0, 34, 0)])
def test_kimi_vl_and_k25_key_error_by_their_checkpoint_names(version):
    """kimi_vl.py's own loop to 0.14.x, kimi_k25.py's in 0.15.0, then deepseek_v2.py's through
    AutoWeightsLoader: KeyError in each. first_k_dense_replace 1; the checkpoints name
    language_model.model.layers.N (an older K2.5 NVFP4 language_model.layers.N)."""
    for repo in ("moonshotai/Kimi-VL-A3B-Instruct", "moonshotai/Kimi-K2.5"):
        spec = _catalog(repo, ["lm_head"], "NVFP4")
        assert _raised(spec, version) == KEY_ERROR
        assert _gate(spec, version) == "language_model.model.layers.1.mlp.gate"
        for kept in (["language_model.model.layers.*.mlp.gate"],
                     ["language_model.layers.*.mlp.gate"]):
            assert _raised(_catalog(repo, kept), version) is None


@pytest.mark.parametrize(("version", "raised"), [
    ((0, 9, 2), KEY_ERROR), ((0, 25, 1), KEY_ERROR),
    ((0, 26, 0), VALUE_ERROR), ((0, 34, 0), VALUE_ERROR)])
def test_ernie45_moe_key_error_then_value_error_from_0_26(version, raised):
    """Ernie4_5_MoeForCausalLM's loop (0.9.2), Ernie4_5_MoeModel's (0.10.0-0.25.x), its
    AutoWeightsLoader from 0.26.0. SMALL_ERNIE's MoE layers: 1 and 3."""
    spec = _modelopt(SMALL_ERNIE, ["lm_head"])
    assert _raised(spec, version) == raised
    assert _gate(spec, version) == "model.layers.1.mlp.gate"
    assert _raised(_modelopt(SMALL_ERNIE, ["lm_head", "model.layers.1.mlp.gate",
                                           "model.layers.3.mlp.gate"]), version) is None
