"""Checkpoints whose quant_method is "awq_marlin" or "gptq_marlin", as vLLM reads them.

Worked from the wheels:
- No override renames them: auto_awq.py / auto_gptq.py override_quantization_method (0.23.0,
  0.34.0) and awq_marlin.py is_awq_marlin_compatible (0.21.0, 0.23.0) claim only quant_method
  "awq" / "gptq", so model_config.quantization stays "awq_marlin" / "gptq_marlin", the name
  config/vllm.py _get_quantization_config's capability and dtype errors print.
- Up to 0.23.0 "awq_marlin" is awq_marlin.py AWQMarlinConfig itself (0.9.1, 0.13.0, 0.16.0,
  0.21.0, 0.23.0: the same code; Marlin needs 8.0 in 0.9.1 / 0.13.0, 7.5 from 0.16.0): from_config
  reads bits / group_size / zero_point only; __init__ calls verify_marlin_supported(uint4,
  group, has_zp=zero_point) before the capability check (query_marlin_supported_quant_types: []
  below 7.5; uint4b8, uint8b128, float8_e4m3fn, float4_e2m1f without zero points); from 0.24.0
  AutoAWQConfig (get_quantization_config maps "awq_marlin" there), minimum 75.
- Up to 0.21.0 "gptq_marlin" is gptq_marlin.py GPTQMarlinConfig (0.9.1, 0.13.0, 0.16.0, 0.21.0):
  get_min_capability 80 to 0.13, then 75,
  GPTQMarlinLinearMethod.__init__ verify_marlin_supported(quant_type, group_size).
- act dtypes [torch.half, torch.bfloat16] in AWQMarlinConfig, GPTQMarlinConfig, AutoAWQConfig.
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec, NodeSpec, gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from tests.conftest import past_v100_wheels

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"  # torch_dtype bfloat16
AWQ = {"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": True,
       "version": "gemm"}
AWQ_MARLIN = AWQ | {"quant_method": "awq_marlin"}
GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False, "sym": True}
GPTQ_MARLIN = GPTQ | {"quant_method": "gptq_marlin"}


def _errors(quantization_config: dict, version: str, gpu: str = "h100-sxm", **engine
            ) -> list[str]:
    config = {**catalog_entry(LLAMA).config, "quantization_config": quantization_config}
    spec = parse_model_config(config, name="acme/marlin-named")
    return plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=4096,
                                                  **engine))).errors


def _past_wheels(errors: list[str], version: str) -> list[str]:
    """A V100's errors after the wheels' refusal on 0.20 and later (0.19.0 has none)."""
    return errors if version == "0.19.0" else past_v100_wheels(errors)


def _below_75(method: str, minimum: int = 75, current: int = 70) -> list[str]:
    return [f"The quantization method {method} is not supported for the current GPU. Minimum "
            f"capability: {minimum}. Current capability: {current}."]


@pytest.mark.parametrize("version", ["0.19.0", "0.23.0"])
def test_awq_marlin_on_a_v100_stops_at_awq_marlin_configs_own_marlin_check(version) -> None:
    # was "The quantization method awq is not supported ... Minimum capability: 75": quant_method
    # awq falls back to awq.py (75) there, awq_marlin stays AWQMarlinConfig, whose __init__
    # asks Marlin first (0.20 on, past the wheels' refusal of a V100: startup.wheel_arch)
    assert _past_wheels(_errors(AWQ_MARLIN, version, "v100-32gb"), version) == [
        "Marlin does not support weight_bits = uint4. Only types = [] are supported (for "
        "group_size = 128, device_capability = 70, zp = True). (vLLM " + version + " "
        "AWQMarlinConfig: quant_method awq_marlin loads on Marlin only, which needs compute "
        "capability 7.5; quant_method awq loads on awq.py there)"]
    assert _past_wheels(_errors(AWQ, version, "v100-32gb"), version) == _below_75("awq")


@pytest.mark.parametrize("version", ["0.24.0", "0.34.0"])
def test_awq_marlin_is_named_so_in_the_capability_error(version) -> None:
    # was "auto_awq": only quant_method "awq" is renamed by AutoAWQConfig's override
    assert past_v100_wheels(_errors(AWQ_MARLIN, version, "v100-32gb")) == _below_75("awq_marlin")
    assert past_v100_wheels(_errors(AWQ, version, "v100-32gb")) == _below_75("auto_awq")


@pytest.mark.parametrize("version", ["0.19.0", "0.21.0"])
def test_gptq_marlin_needs_7_5_up_to_0_21(version) -> None:
    # was Fits: GPTQMarlinConfig.get_min_capability() is 75 (quant_method gptq: gptq.py, 60)
    assert _past_wheels(_errors(GPTQ_MARLIN, version, "v100-32gb"), version) == _below_75(
        "gptq_marlin")
    assert _past_wheels(_errors(GPTQ, version, "v100-32gb", dtype="float16"), version) == []


def test_marlin_named_groups_marlin_does_not_take_are_refused_not_sent_to_the_plain_loader(
) -> None:
    marlin_group = ("Marlin does not support group_size = 256. Only group_sizes = [-1, 32, 64, "
                    "128] are supported.")
    # awq_marlin g256: AWQMarlinConfig.__init__ refuses up to 0.23; 0.24's AutoAWQConfig runs
    # it on AWQ's own GEMM (float16); quant_method awq goes to awq.py in 0.23 (was Fits)
    assert _errors(AWQ_MARLIN | {"group_size": 256}, "0.23.0", dtype="float16") == [
        f"{marlin_group} (vLLM 0.23.0 AWQMarlinConfig: quant_method awq_marlin loads on Marlin "
        "only; quant_method awq loads this group on awq.py)"]
    assert _errors(AWQ_MARLIN | {"group_size": 256}, "0.24.0", dtype="float16") == []
    assert _errors(AWQ | {"group_size": 256}, "0.23.0", dtype="float16") == []
    # gptq_marlin g256 on 0.21: each GPTQMarlinLinearMethod asks Marlin (was Fits in float16)
    assert _errors(GPTQ_MARLIN | {"group_size": 256}, "0.21.0", dtype="float16") == [
        f"{marlin_group} (vLLM 0.21.0 GPTQMarlinLinearMethod: quant_method gptq_marlin builds "
        "every quantized linear layer on Marlin; quant_method gptq loads this group on gptq.py)"]
    assert _errors(GPTQ | {"group_size": 256}, "0.21.0", dtype="float16") == []


def test_awq_marlin_without_zero_points_or_with_old_keys_up_to_0_23() -> None:
    # zero_point false: Marlin lists uint4 with zero points only (was Fits in float16)
    assert _errors(AWQ_MARLIN | {"zero_point": False}, "0.23.0", dtype="float16") == [
        "Marlin does not support weight_bits = uint4. Only types = [ScalarType.uint4b8, "
        "ScalarType.uint8b128, ScalarType.float8_e4m3fn, ScalarType.float4_e2m1f] are "
        "supported (for group_size = 128, device_capability = 90, zp = False). (vLLM 0.23.0 "
        "AWQMarlinConfig: quant_method awq_marlin loads on Marlin only, which takes AWQ with "
        "zero points only: zero_point is false)"]
    # AutoAWQ's older keys: AWQMarlinConfig.from_config asks for "bits" (was awq.py's
    # float16-only refusal in bfloat16); AutoAWQConfig reads w_bit from 0.24
    old = {"quant_method": "awq_marlin", "w_bit": 4, "q_group_size": 128, "zero_point": True}
    assert _errors(old, "0.23.0") == [
        "Cannot find any of ['bits'] in the model's quantization config. (vLLM 0.23.0 "
        "AWQMarlinConfig: quant_method awq_marlin loads on Marlin only; it reads bits and "
        "group_size, not AutoAWQ's older w_bit / q_group_size)"]
    assert _errors(old, "0.24.0") == []
    assert _errors(AWQ_MARLIN, "0.23.0") == []  # on Marlin, bfloat16 taken


@pytest.mark.parametrize("version", ["0.21.0", "0.34.0"])
def test_float32_names_the_marlin_method_and_its_dtypes(version) -> None:
    for config, method in ((AWQ_MARLIN, "awq_marlin"), (GPTQ_MARLIN, "gptq_marlin")):
        assert _errors(config, version, dtype="float32") == [
            f"torch.float32 is not supported for quantization method {method}. Supported "
            "dtypes: [torch.float16, torch.bfloat16]"]


def test_before_0_14_marlin_needs_8_0_so_a_t4_is_refused() -> None:
    # 0.11.0 (the 0.9.1 and 0.13.0 wheels read): Marlin lists no type below 8.0; awq_marlin
    # stops in AWQMarlinConfig.__init__, gptq_marlin at GPTQMarlinConfig's minimum 80; quant_method
    # awq / gptq load on awq.py / gptq.py (both Fits before)
    assert _errors(AWQ_MARLIN, "0.11.0", "t4") == [
        "Marlin does not support weight_bits = uint4. Only types = [] are supported (for "
        "group_size = 128, device_capability = 75, zp = True). (vLLM 0.11.0 AWQMarlinConfig: "
        "quant_method awq_marlin loads on Marlin only, which needs compute capability 8.0; "
        "quant_method awq loads on awq.py there)"]
    assert _errors(GPTQ_MARLIN, "0.11.0", "t4") == _below_75("gptq_marlin", 80, 75)
    assert _errors(AWQ_MARLIN, "0.16.0", "t4", dtype="float16") == []


@pytest.mark.parametrize("version", ["0.25.0", "0.34.0"])
def test_gptq_marlin_on_amd_is_refused_once_rocm_stops_listing_it(version) -> None:
    # platforms/rocm.py RocmPlatform.supported_quantization lists "gptq_marlin" in the 0.19.0 to
    # 0.24.0 wheels and not from 0.25.0 (0.25.0-0.34.0 each read); config/model.py
    # _verify_quantization hands platforms/interface.py verify_quantization the name no override
    # changed, gptq_marlin, which raises (was [] : checked as "gptq", which every list has)
    assert _errors(GPTQ_MARLIN, version, "mi300x") == [
        "gptq_marlin quantization is currently not supported in rocm. (vLLM " + version + " "
        "platforms/rocm.py supported_quantization; it lists gptq_marlin up to 0.24.x)"]
    assert _errors(GPTQ, version, "mi300x") == []
    assert _errors(AWQ_MARLIN, version, "mi300x") == []  # awq_marlin is in every list


def test_gptq_marlin_on_amd_loads_while_rocm_lists_it() -> None:
    assert _errors(GPTQ_MARLIN, "0.24.0", "mi300x") == []


@pytest.mark.parametrize(("version", "refusal"), [
    ("0.23.0", "Marlin does not support weight_bits = uint4. Only types = [] are supported (for "
               "group_size = 128, device_capability = 70, zp = True). (vLLM 0.23.0 "
               "AWQMarlinConfig: quant_method awq_marlin loads on Marlin only, which needs "
               "compute capability 7.5; quant_method awq loads on awq.py there)"),
    ("0.24.0", "The quantization method awq_marlin is not supported for the current GPU. "
               "Minimum capability: 75. Current capability: 70."),
])
def test_awq_marlin_on_a_later_v100_node_is_that_nodes_refusal(version, refusal) -> None:
    # H100 node 0, V100 node 1, TP=2 x PP=2: with --nnodes every node's `vllm serve` builds its
    # own VllmConfig (plan.refusals.node_quant_errors), so node 1's AWQMarlinConfig.__init__
    # asks Marlin of its 7.0 GPU up to 0.23 (verify_marlin_supported: no type below 7.5),
    # AutoAWQConfig's minimum 75 from 0.24. Up to 0.23 it read loading (8543a8e), "awq" before
    # that
    config = {**catalog_entry(LLAMA).config, "quantization_config": AWQ_MARLIN}
    spec = parse_model_config(config, name="acme/marlin-named")
    nodes = tuple(NodeSpec(hostname=f"n{i}", gpu=gpu_preset(gpu), gpus_per_node=2,
                           intra_node_link="pcie")
                  for i, gpu in enumerate(("h100-sxm", "v100-32gb")))
    errors = plan(PlanRequest(model=spec, cluster=ClusterSpec(nodes=nodes, source="test"),
                              layout=ParallelLayout(tp=2, pp=2),
                              engine=EngineSettings(vllm_version=version, max_model_len=4096))
                  ).errors
    # then, as its workers start, the wheels' refusal of the V100 (startup.wheel_arch)
    node = "Node 1 (n1, Tesla V100-SXM2-32GB): "
    assert errors[0] == node + refusal
    assert past_v100_wheels(errors[1:], node) == []
