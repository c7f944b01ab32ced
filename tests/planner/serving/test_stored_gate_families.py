"""A ModelOpt checkpoint storing a MoE gate quantized, for the model files h790's table did not
read (startup.stored_gate STORED_GATE_LOADS): qwen3_5.py (its shared_expert_gate), Kimi-VL /
Kimi K2.5, ernie45_moe.py and gemma4.py's router, each at the releases where its load_weights
changes (read in those wheels: module NOTE). DeepSeek-V3.2 / GLM-5, GLM-4.7-Flash and
MiMo-V2-Flash routers ModelOpt never quantizes (test_stored_gate, r25), nor Nemotron-H's."""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.startup.stored_gate import stored_gate_errors
from tests.planner.model.test_ernie45_moe import SMALL as SMALL_ERNIE
from tests.planner.serving.test_fused_shards import _plan_errors
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
    AutoWeightsLoader from 0.26.0. SMALL_ERNIE's MoE layers: 1 and 3. Exported under
    transformers 4.57.1, whose modeling_ernie4_5_moe.py builds the gate nn.Linear (quantized;
    test_stored_gate_exporter)."""
    ernie = {**SMALL_ERNIE, "transformers_version": "4.57.1"}
    spec = _modelopt(ernie, ["lm_head"])
    assert _raised(spec, version) == raised
    assert _gate(spec, version) == "model.layers.1.mlp.gate"
    assert _raised(_modelopt(ernie, ["lm_head", "model.layers.1.mlp.gate",
                                     "model.layers.3.mlp.gate"]), version) is None


GEMMA4_MOE = "google/gemma-4-26B-A4B"
"""Gemma4ForConditionalGeneration, every one of its 30 layers with a MoE block (128 experts);
hidden 2,816: an NVFP4 router.proj row is 2,816 / 2 = 1,408 bytes, an FP8 one 2,816, the
16-bit 2,816."""


@pytest.mark.parametrize(("version", "fp8", "nvfp4"), [
    # 0.19.0 (gemma4.py's first wheel)-0.23.0: Gemma4Model's loop ends
    # `param = params_dict[name]` for the router's input_scale
    ((0, 19, 0), KEY_ERROR, KEY_ERROR), ((0, 23, 0), KEY_ERROR, KEY_ERROR),
    # 0.24.0-0.30.0: `if name not in params_dict: continue` skips the scales; GateLinear's
    # (ReplicatedLinear) weight_loader takes FP8's [128, 2816], not NVFP4's [128, 1408]
    ((0, 24, 0), None, ASSERTION), ((0, 30, 0), None, ASSERTION),
    # 0.31.0 on: Gemma4Model.load_weights is AutoWeightsLoader's
    ((0, 31, 0), VALUE_ERROR, VALUE_ERROR), ((0, 34, 0), VALUE_ERROR, VALUE_ERROR)])
def test_gemma4_router_proj_per_release(version, fp8, nvfp4):
    """transformers' Gemma4TextRouter.proj is an nn.Linear (5.25.0), which ModelOpt quantizes
    unless listed; the checkpoint names it model.language_model.layers.N.router.proj (its
    router.scale an nn.Parameter, never quantized): a list naming it so keeps it, one naming a
    Mixtral-style mlp.gate does not."""
    for kept in (["lm_head"], ["lm_head", "model.language_model.layers.*.mlp.gate"]):
        assert _raised(_catalog(GEMMA4_MOE, kept), version) == fp8
        spec = _catalog(GEMMA4_MOE, kept, "NVFP4")
        assert _raised(spec, version) == nvfp4
        assert _gate(spec, version) == "model.language_model.layers.0.router.proj"
    for kept in (["lm_head", "model.language_model.layers.*.router.proj"], ["*router*"]):
        assert _raised(_catalog(GEMMA4_MOE, kept, "NVFP4"), version) is None


def test_gemma4_text_checkpoint_names_model_layers():
    """A Gemma4ForCausalLM checkpoint (text_config alone, model_type gemma4_text) names
    model.layers.N.router.proj."""
    text = {**catalog_entry(GEMMA4_MOE).config["text_config"],
            "architectures": ["Gemma4ForCausalLM"]}
    spec = _modelopt(text, ["lm_head"], "NVFP4")
    assert _gate(spec, (0, 34, 0)) == "model.layers.0.router.proj"
    assert _raised(_modelopt(text, ["lm_head", "model.layers.*.router.proj"], "NVFP4"),
                   (0, 34, 0)) is None


def test_gemma4_plan_is_refused():
    """The refusal reaches plan's errors."""
    errors = _plan_errors(_catalog(GEMMA4_MOE, ["lm_head"], "NVFP4"), "0.27.0", tp=1)
    assert any("gemma4.py builds model.language_model.layers.0.router.proj unquantized" in e
               and e.endswith('AssertionError "Tried to load weights of size ...".')
               for e in errors)


@pytest.mark.parametrize("version", [(0, 11, 1), (0, 25, 1), (0, 26, 0), (0, 34, 0)])
def test_nemotron_h_and_deepseek_v4_gates_modelopt_never_quantizes_are_not_refused(version):
    """nemotron_h.py's loader would stop at a quantized gate (KeyError 0.11.1-0.25.x,
    ValueError from 0.26.0), but transformers 5.25.0's NemotronHTopkRouter holds a bare
    nn.Parameter (`weight`, float32), which ModelOpt never quantizes nor lists: the checkpoint
    stores backbone.layers.N.mixer.gate 16-bit whatever exclude_modules says. So do
    DeepSeek-V4's DeepseekV4TopKRouter / DeepseekV4HashRouter (5.25.0; vllm/models/deepseek_v4
    from 0.22.0)."""
    for repo in ("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16",
                 "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8",
                 "deepseek-ai/DeepSeek-V4-Flash"):
        for algo in ("FP8", "NVFP4"):
            assert _raised(_catalog(repo, ["lm_head"], algo), version) is None
