"""A ModelOpt checkpoint storing the MoE gate quantized where vLLM's model file builds it
unquantized (startup.stored_gate): mixtral.py in every release (KeyError in its load_weights
loop to 0.24.0, AutoWeightsLoader's ValueError from 0.25.0), qwen3_next.py from 0.25.0 (its
0.17.0-0.24.0 loop skips the scales with a warning and loads)."""

import copy

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme, what_if_scheme
from planner.serving.startup.stored_gate import stored_gate_errors
from tests.planner.serving.test_fused_shards import _plan_errors


def _modelopt(repo: str, exclude: list[str], algo: str = "FP8"):
    """`repo`'s config.json with an hf_quant_config.json of ModelOpt `algo` excluding
    `exclude`."""
    config = copy.deepcopy(catalog_entry(repo).config)
    return parse_model_config(config, {
        "producer": {"name": "modelopt", "version": "0.33.0"},
        "quantization": {"quant_algo": algo, "exclude_modules": exclude}},
        name=f"{repo}-modelopt")


def _errors(spec, version):
    return stored_gate_errors(spec, checkpoint_scheme(spec), version)


MIXTRAL = "mistralai/Mixtral-8x7B-Instruct-v0.1"
QWEN3_NEXT = "Qwen/Qwen3-Next-80B-A3B-Instruct"


@pytest.mark.parametrize(("version", "raised"), [
    ((0, 10, 0), "KeyError"), ((0, 24, 0), "KeyError"),
    ((0, 25, 0), 'ValueError "There is no module or parameter named ..."'),
    ((0, 34, 0), 'ValueError "There is no module or parameter named ..."')])
def test_mixtral_gate_stored_fp8_is_refused(version, raised):
    [error] = _errors(_modelopt(MIXTRAL, ["lm_head"]), version)
    assert error.startswith(f"vLLM {'.'.join(map(str, version))} stops loading the weights: "
                            "mixtral.py builds model.layers.0.block_sparse_moe.gate unquantized")
    assert "(its exclude_modules does not name the gate)" in error
    assert error.endswith(f": {raised}.")


def test_gates_the_list_names_load():
    """ModelOpt's exporter names the gates it leaves 16-bit: nothing to refuse."""
    for kept in (["lm_head", "model.layers.*.block_sparse_moe.gate"], ["*.block_sparse_moe.gate"],
                 ["*gate"]):
        assert _errors(_modelopt(MIXTRAL, kept), (0, 34, 0)) == []


def test_a_gate_left_quantized_in_one_layer_is_named():
    """Layers 0-30's gates named, layer 31's not: vLLM stops at layer 31's."""
    spec = _modelopt(MIXTRAL, [f"model.layers.{i}.block_sparse_moe.gate" for i in range(31)])
    assert "builds model.layers.31.block_sparse_moe.gate unquantized" in _errors(
        spec, (0, 19, 0))[0]


@pytest.mark.parametrize(("version", "refused"), [
    ((0, 16, 0), False),  # qwen3_next.py hands the gate the quant config: it loads FP8
    ((0, 24, 0), False),  # the loop skips the gate's scales with a warning
    ((0, 25, 0), True), ((0, 34, 0), True)])
def test_qwen3_next_from_0_25(version, refused):
    errors = _errors(_modelopt(QWEN3_NEXT, ["lm_head"], "NVFP4"), version)
    assert bool(errors) is refused
    assert not errors or "qwen3_next.py builds model.layers.0.mlp.gate unquantized" in errors[0]


def test_other_checkpoints_are_not_read():
    """A what-if FP8 target has no stored gate; a compressed-tensors or fp8 checkpoint's list
    does not say what it stores (DeepSeek-V3's FP8 lists nothing and stores its gates bf16)."""
    spec = _modelopt(MIXTRAL, ["lm_head"])
    assert stored_gate_errors(spec, what_if_scheme("fp8-tensor"), (0, 34, 0)) == []
    config = copy.deepcopy(catalog_entry(MIXTRAL).config)
    config["quantization_config"] = {"quant_method": "fp8", "activation_scheme": "dynamic",
                                     "weight_block_size": [128, 128]}
    assert _errors(parse_model_config(config), (0, 34, 0)) == []


def test_the_plan_is_refused():
    errors = _plan_errors(_modelopt(MIXTRAL, ["lm_head"]), "0.34.0", tp=2)
    assert any("mixtral.py builds model.layers.0.block_sparse_moe.gate unquantized" in e
               for e in errors)
