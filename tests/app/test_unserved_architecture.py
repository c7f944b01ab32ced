"""The app refuses a release whose registry lacks the model's class in the CLI's words
(vllm_cli.unserved_refusal; the figures: tests/planner/serving/test_unserved_architecture.py)."""

from tests.app.conftest import open_link


def test_qwen3_5_on_vllm_0_16_is_refused_as_the_cli_says() -> None:
    at = open_link("plan", model="Qwen/Qwen3.5-27B", gpu="h100-sxm", gpn="1", vllm="0.16.0")
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Cannot plan this: vLLM 0.16.0 has no model class for Qwen3_5ForConditionalGeneration "
        "(its model_executor/models/registry.py; the first release whose registry has it is "
        "0.17.0): it would try its Transformers backend, which Headroom does not model; plan "
        "it with vLLM 0.17.0 or later."]
