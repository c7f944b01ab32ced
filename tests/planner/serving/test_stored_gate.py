"""A ModelOpt checkpoint storing a MoE gate quantized where vLLM's model file builds it
unquantized (startup.stored_gate), per file and release as its load_weights reads the gate's
input_scale (sorted first in the safetensors file) and weight: a hand-written loop's
`params_dict[name]` KeyError, AutoWeightsLoader's ValueError (models/utils.py _load_module), or
a loop that skips the scales and copies the weight into the 16-bit parameter, whose size
assert (ReplicatedLinear.weight_loader, default_weight_loader) an NVFP4 weight, [out, in / 2]
uint8, fails and an FP8 one, [out, in], passes. Read in the 0.9.2, 0.12.0, 0.13.0, 0.17.0,
0.19.0, 0.24.0, 0.25.0, 0.26.0 and 0.34.0 wheels."""

import copy

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme, what_if_scheme
from planner.serving.startup.stored_gate import stored_gate_errors
from tests.planner.serving.test_fused_shards import _plan_errors
from tests.planner.serving.test_weights import SMALL_GLM4_MOE

KEY_ERROR = "KeyError"
VALUE_ERROR = 'ValueError "There is no module or parameter named ..."'
ASSERTION = 'AssertionError "Tried to load weights of size ..."'
DEFAULT_ASSERTION = 'AssertionError "Attempted to load weight (...) into parameter (...)"'


def _modelopt(config: dict, exclude: list[str], algo: str = "FP8"):
    """`config` re-exported by ModelOpt: its own quantization_config dropped, an
    hf_quant_config.json of `algo` excluding `exclude`."""
    config = {k: v for k, v in copy.deepcopy(config).items() if k != "quantization_config"}
    return parse_model_config(config, {
        "producer": {"name": "modelopt", "version": "0.33.0"},
        "quantization": {"quant_algo": algo, "exclude_modules": exclude}},
        name=f"{config['model_type']}-modelopt")


def _catalog(repo: str, exclude: list[str], algo: str = "FP8"):
    return _modelopt(catalog_entry(repo).config, exclude, algo)


def _raised(spec, version) -> str | None:
    """What the refusal says vLLM raises, None where it loads."""
    errors = stored_gate_errors(spec, checkpoint_scheme(spec), version)
    assert len(errors) <= 1
    return errors[0].rsplit(": ", 1)[1].rstrip(".") if errors else None


def _gate(spec, version) -> str:
    """The gate the refusal names."""
    [error] = stored_gate_errors(spec, checkpoint_scheme(spec), version)
    return error.split(" builds ", 1)[1].split(" ", 1)[0]


MIXTRAL = "mistralai/Mixtral-8x7B-Instruct-v0.1"
QWEN3_NEXT = "Qwen/Qwen3-Next-80B-A3B-Instruct"


@pytest.mark.parametrize(("version", "raised"), [
    ((0, 10, 0), KEY_ERROR), ((0, 24, 0), KEY_ERROR),
    ((0, 25, 0), VALUE_ERROR), ((0, 34, 0), VALUE_ERROR)])
def test_mixtral_gate_stored_fp8_is_refused(version, raised):
    spec = _catalog(MIXTRAL, ["lm_head"])
    [error] = stored_gate_errors(spec, checkpoint_scheme(spec), version)
    assert error.startswith(f"vLLM {'.'.join(map(str, version))} stops loading the weights: "
                            "mixtral.py builds model.layers.0.block_sparse_moe.gate unquantized")
    assert "(its exclude_modules does not name the gate)" in error
    assert error.endswith(f": {raised}.")


def test_gates_the_list_names_load():
    """ModelOpt's exporter names the gates it leaves 16-bit: nothing to refuse."""
    for kept in (["lm_head", "model.layers.*.block_sparse_moe.gate"], ["*.block_sparse_moe.gate"],
                 ["*gate"]):
        assert _raised(_catalog(MIXTRAL, kept), (0, 34, 0)) is None


def test_a_gate_left_quantized_in_one_layer_is_named():
    """Layers 0-30's gates named, layer 31's not: vLLM stops at layer 31's."""
    spec = _catalog(MIXTRAL, [f"model.layers.{i}.block_sparse_moe.gate" for i in range(31)])
    assert _gate(spec, (0, 19, 0)) == "model.layers.31.block_sparse_moe.gate"


@pytest.mark.parametrize(("version", "fp8", "nvfp4"), [
    # 0.10.2-0.16.0: qwen3_next.py hands the gate the quant config, which builds the scales
    ((0, 12, 0), None, None), ((0, 16, 0), None, None),
    # 0.17.0-0.24.0: quant_config=None; the loop skips a name params_dict lacks ("Parameter ...
    # not found in params_dict, skip loading") and copies the weight: FP8 2,048 columns fit,
    # NVFP4's 1,024 bytes do not (hidden 2,048 / 2)
    ((0, 17, 0), None, ASSERTION), ((0, 24, 0), None, ASSERTION),
    # 0.25.0 on: Qwen3NextModel.load_weights is AutoWeightsLoader's
    ((0, 25, 0), VALUE_ERROR, VALUE_ERROR), ((0, 34, 0), VALUE_ERROR, VALUE_ERROR)])
def test_qwen3_next_router_per_release(version, fp8, nvfp4):
    """The shared_expert_gate named (and so stored 16-bit): the router alone."""
    kept = ["lm_head", "*shared_expert_gate"]
    assert _raised(_catalog(QWEN3_NEXT, kept), version) == fp8
    assert _raised(_catalog(QWEN3_NEXT, kept, "NVFP4"), version) == nvfp4
    if fp8 or nvfp4:
        assert _gate(_catalog(QWEN3_NEXT, kept, "NVFP4"), version) == "model.layers.0.mlp.gate"


@pytest.mark.parametrize(("version", "fp8", "nvfp4"), [
    # torch.nn.Linear(hidden, 1) 0.10.2-0.13.0, ReplicatedLinear(..., quant_config=None) from
    # 0.14.0: never the quant config. 0.10.2-0.12.0's loop ends `param = params_dict[name]`;
    # 0.13.0-0.24.0's skips a missing name with a warning; AutoWeightsLoader's from 0.25.0
    ((0, 11, 0), KEY_ERROR, KEY_ERROR), ((0, 12, 0), KEY_ERROR, KEY_ERROR),
    # 0.13.0's nn.Linear weight has no weight_loader: default_weight_loader's assert
    ((0, 13, 0), None, DEFAULT_ASSERTION),
    ((0, 14, 0), None, ASSERTION), ((0, 16, 0), None, ASSERTION), ((0, 24, 0), None, ASSERTION),
    ((0, 25, 0), VALUE_ERROR, VALUE_ERROR), ((0, 34, 0), VALUE_ERROR, VALUE_ERROR)])
def test_qwen3_next_shared_expert_gate_per_release(version, fp8, nvfp4):
    """Each router named, the shared_expert_gate not ('*mlp.gate' does not match
    'model.layers.0.mlp.shared_expert_gate')."""
    kept = ["lm_head", "*mlp.gate"]
    assert _raised(_catalog(QWEN3_NEXT, kept), version) == fp8
    assert _raised(_catalog(QWEN3_NEXT, kept, "NVFP4"), version) == nvfp4
    if fp8 or nvfp4:
        assert _gate(_catalog(QWEN3_NEXT, kept, "NVFP4"),
                     version) == "model.layers.0.mlp.shared_expert_gate"


@pytest.mark.parametrize("version", [(0, 9, 2), (0, 12, 0), (0, 19, 0), (0, 25, 0), (0, 34, 0)])
def test_kimi_k2_key_error_in_every_release(version):
    """deepseek_v2.py's loop (DeepseekV2ForCausalLM's, DeepseekV2Model's from 0.22.0) ends
    `param = params_dict[name]` in every release. Kimi K2's first_k_dense_replace 1: layer 1's
    gate."""
    for algo in ("FP8", "NVFP4"):
        spec = _catalog("moonshotai/Kimi-K2-Instruct", ["lm_head"], algo)
        assert _raised(spec, version) == KEY_ERROR
        assert _gate(spec, version) == "model.layers.1.mlp.gate"
    assert _raised(_catalog("moonshotai/Kimi-K2-Instruct", ["lm_head", "model.layers.*.mlp.gate"]),
                   version) is None


@pytest.mark.parametrize("version", [(0, 9, 2), (0, 19, 0), (0, 25, 0), (0, 34, 0)])
def test_llama4_router_key_error_in_every_release(version):
    """Llama4Model.load_weights ends `param = params_dict[name]` (mllama4.py's
    AutoWeightsLoader hands it the language model's tensors); Maverick's MoE layers are the odd
    ones (interleave_moe_layer_step 2). The checkpoint names the text model
    language_model.model.layers.N: placed as the router, that entry keeps it."""
    spec = _catalog("meta-llama/Llama-4-Maverick-17B-128E-Instruct", ["lm_head"])
    assert _raised(spec, version) == KEY_ERROR
    assert _gate(spec, version) == "model.layers.1.feed_forward.router"
    assert _raised(_catalog("meta-llama/Llama-4-Maverick-17B-128E-Instruct", [
        "language_model.model.layers.*.feed_forward.router"]), version) is None


@pytest.mark.parametrize("version", [(0, 9, 2), (0, 17, 0), (0, 19, 0), (0, 26, 0), (0, 34, 0)])
def test_a_router_modelopt_never_quantizes_is_not_refused(version):
    """r25: DeepSeek-V3 NVFP4 with exclude_modules ['lm_head'] (nvidia's DeepSeek-R1 FP4 export
    lists no gate) was refused on every release ("KeyError"), as GLM-4.5 and gpt-oss were. Their
    transformers routers (DeepseekV3TopkRouter, Glm4MoeTopkRouter, GptOssTopKRouter in the
    4.57.6 and 5.25.0 wheels; DeepseekV32TopkRouter, GlmMoeDsaTopkRouter, Glm4MoeLiteTopkRouter,
    MiMoV2FlashTopkRouter in 5.25.0) are nn.Modules holding a bare nn.Parameter: ModelOpt gives
    quantizers to nn.Linear only and lists only modules holding quantizers (nvidia-modelopt
    0.37.0 get_quant_config), so the gate is stored 16-bit, unlisted, with no scale for vLLM's
    loader to miss."""
    glm4_moe_lite = {**SMALL_GLM4_MOE, "model_type": "glm4_moe_lite",
                     "architectures": ["Glm4MoeLiteForCausalLM"]}
    for algo in ("FP8", "NVFP4"):
        for spec in (_catalog("deepseek-ai/DeepSeek-V3", ["lm_head"], algo),
                     _catalog("deepseek-ai/DeepSeek-V3.2", ["lm_head"], algo),
                     _catalog("zai-org/GLM-5", ["lm_head"], algo),
                     _catalog("openai/gpt-oss-20b", ["lm_head"], algo),
                     _catalog("XiaomiMiMo/MiMo-V2-Flash", ["lm_head"], algo),
                     _modelopt(SMALL_GLM4_MOE, ["lm_head"], algo),
                     _modelopt(glm4_moe_lite, ["lm_head"], algo)):
            assert _raised(spec, version) is None, spec.model_type


@pytest.mark.parametrize(("version", "raised"), [
    ((0, 11, 1), KEY_ERROR), ((0, 24, 0), KEY_ERROR),
    ((0, 25, 0), VALUE_ERROR), ((0, 34, 0), VALUE_ERROR)])
def test_minimax_m2_gate_by_its_checkpoint_name(version, raised):
    """MiniMaxM2DecoderLayer.block_sparse_moe (vLLM prefix "mlp"): the checkpoint stores
    block_sparse_moe.gate, which an entry must name; MiniMaxM2Model's loop to 0.24.0,
    AutoWeightsLoader from 0.25.0."""
    repo = "MiniMaxAI/MiniMax-M2.5"
    for kept in (["lm_head"], ["lm_head", "model.layers.*.mlp.gate"]):
        spec = _catalog(repo, kept)
        assert _raised(spec, version) == raised
        assert _gate(spec, version) == "model.layers.0.block_sparse_moe.gate"
    assert _raised(_catalog(repo, ["model.layers.*.block_sparse_moe.gate"]), version) is None


def test_other_checkpoints_are_not_read():
    """A what-if FP8 target has no stored gate; a compressed-tensors or fp8 checkpoint's list
    does not say what it stores (DeepSeek-V3's FP8 lists nothing and stores its gates bf16);
    ModelOpt MIXED_PRECISION leaves an unlisted gate unquantized."""
    spec = _catalog(MIXTRAL, ["lm_head"])
    assert stored_gate_errors(spec, what_if_scheme("fp8-tensor"), (0, 34, 0)) == []
    config = copy.deepcopy(catalog_entry(MIXTRAL).config)
    config["quantization_config"] = {"quant_method": "fp8", "activation_scheme": "dynamic",
                                     "weight_block_size": [128, 128]}
    spec = parse_model_config(config)
    assert stored_gate_errors(spec, checkpoint_scheme(spec), (0, 34, 0)) == []
    assert _raised(parse_model_config(copy.deepcopy(catalog_entry(
        "deepseek-ai/DeepSeek-V3").config)), (0, 34, 0)) is None


def test_the_plan_is_refused():
    errors = _plan_errors(_catalog(MIXTRAL, ["lm_head"]), "0.34.0", tp=2)
    assert any("mixtral.py builds model.layers.0.block_sparse_moe.gate unquantized" in e
               for e in errors)

