"""A release whose registry lacks the model's architecture, which a later release's has, is
refused (vllm_cli.unserved_refusal): vLLM would try its Transformers backend, which Headroom
does not model. Each first release below was read in the releases' own
model_executor/models/registry.py (grep for the quoted class name, wheel or unpacked source):
absent in the release before, present in the one named."""

import pytest

from cli.planner_cli import main
from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import first_serving_release, unserved_refusal, vllm_cli
from planner.serving.vllm_versions import EngineError

FIRST_RELEASES = [
    # registry.py 0.16.0 (wheel) has no "Qwen3_5..."; 0.17.0 maps both
    ("Qwen3_5ForConditionalGeneration", "0.17.0"),
    ("Qwen3_5MoeForConditionalGeneration", "0.17.0"),
    # 0.18.0: no "Gemma4ForConditionalGeneration"; 0.19.0 has it
    ("Gemma4ForConditionalGeneration", "0.19.0"),
    # 0.19.0: no "DeepseekV4ForCausalLM"; 0.20.0 has it
    ("DeepseekV4ForCausalLM", "0.20.0"),
    # 0.15.1 / 0.16.0 (GLM-5), 0.14.0 / 0.15.0 (Kimi-K2.5), 0.13.0 / 0.14.0 (MiMo-V2-Flash),
    # 0.11.0 / 0.11.1 (MiniMax-M2), 0.10.2 / 0.11.0 (DeepSeek-V3.2, Qwen3-VL)
    ("GlmMoeDsaForCausalLM", "0.16.0"),
    ("KimiK25ForConditionalGeneration", "0.15.0"),
    ("MiMoV2FlashForCausalLM", "0.14.0"),
    ("MiniMaxM2ForCausalLM", "0.11.1"),
    ("DeepseekV32ForCausalLM", "0.11.0"),
    ("Qwen3VLForConditionalGeneration", "0.11.0"),
    # in 0.9.1, the oldest release Headroom covers
    ("LlamaForCausalLM", "0.9.1"),
]


@pytest.mark.parametrize(("architecture", "first"), FIRST_RELEASES)
def test_the_first_release_whose_registry_has_the_architecture(architecture: str,
                                                               first: str) -> None:
    assert first_serving_release((architecture,)) == first


def test_an_architecture_no_release_has_is_left_to_the_backend_gap() -> None:
    # GOT-OCR2 is served by no release's own class: library_backend_gap's warning, as before
    assert first_serving_release(("GotOcr2ForConditionalGeneration",)) is None
    assert unserved_refusal(("GotOcr2ForConditionalGeneration",), vllm_cli("0.16.0")) is None


def test_qwen3_5_on_vllm_0_16_is_refused_naming_0_17() -> None:
    spec = catalog_spec("Qwen/Qwen3.5-27B")
    message = ("vLLM 0.16.0 has no model class for Qwen3_5ForConditionalGeneration (its "
               "model_executor/models/registry.py; the first release whose registry has it is "
               "0.17.0): it would try its Transformers backend, which Headroom does not "
               "model; plan it with vLLM 0.17.0 or later")
    assert unserved_refusal(spec.architectures, vllm_cli("0.16.0")) == message
    with pytest.raises(EngineError) as caught:
        plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                         engine=EngineSettings(vllm_version="0.16.0", max_model_len=8192)))
    assert str(caught.value) == message
    # 0.17.0 and later serve it: planned as before
    assert unserved_refusal(spec.architectures, vllm_cli("0.17.0")) is None
    assert unserved_refusal(spec.architectures, vllm_cli("0.34.0")) is None


def test_the_cli_exits_2_in_one_line(capsys) -> None:
    code = main(["plan", "--model", "google/gemma-4-26B-A4B", "--gpu", "h100-sxm",
                 "--vllm-version", "0.18.0", "--max-model-len", "8192"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.endswith("vLLM 0.18.0 has no model class for Gemma4ForConditionalGeneration (its "
                        "model_executor/models/registry.py; the first release whose registry "
                        "has it is 0.19.0): it would try its Transformers backend, which "
                        "Headroom does not model; plan it with vLLM 0.19.0 or later."), err
