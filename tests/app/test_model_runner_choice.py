"""Plan page, "More vLLM options": "Model runner", the CLI's --model-runner (link key
`runner`, left out at auto).

Qwen3-8B on one H100 at vLLM 0.28.0 runs Model Runner V2 (a dense model); V1 asked holds V1's
runner buffers, 8,192 x 4,096 x 2 B inputs_embeds + 1,024 x 2,560 x 4 B block table =
77,594,624 B (tests/planner/serving/test_runner_choice.py, by hand), and the command asks it
with VLLM_USE_V2_MODEL_RUNNER=0. vLLM 0.34.0 has no V1 (its validate_environ refuses
VLLM_USE_V2_MODEL_RUNNER=0): the box offers auto and V2 there, and a link's runner=v1 is
replaced, saying why."""

from tests.app.conftest import launch_command, more_options, open_link, open_page, texts

QWEN3_H100 = {"model": "Qwen/Qwen3-8B", "gpu": "h100-sxm", "gpn": "1", "vllm": "0.28.0"}


def test_choosing_v1_plans_v1_and_asks_it_in_the_command() -> None:
    at = open_page(None, **QWEN3_H100)
    assert not at.exception
    box = at.selectbox(key="plan.model_runner")
    assert box.options == ["auto", "V1", "V2"]
    assert launch_command(at).startswith("vllm serve Qwen/Qwen3-8B")
    assert "runner" not in at.query_params
    box.select("v1").run()
    assert not at.exception
    assert launch_command(at).startswith("VLLM_USE_V2_MODEL_RUNNER=0 vllm serve Qwen/Qwen3-8B")
    assert "77,594,624 B" in texts(at)
    assert "vLLM model runner: V1" in texts(at)
    assert at.query_params["runner"] == "v1"
    assert more_options(at) == "More vLLM options (1 set)"


def test_a_link_asking_a_runner_the_release_lacks_is_replaced() -> None:
    at = open_link("plan", **{**QWEN3_H100, "vllm": "0.34.0"}, runner="v1")
    assert not at.exception
    assert at.selectbox(key="plan.model_runner").options == ["auto", "V2"]
    assert at.selectbox(key="plan.model_runner").value == "auto"
    assert "vLLM 0.34.0 has no Model Runner V1" in texts(at)
    assert launch_command(at).startswith("vllm serve Qwen/Qwen3-8B")


def test_the_replaced_runners_reason_ends_its_sentence_before_what_is_shown() -> None:
    # it read '... Unset this variable.") Showing Model runner = auto ...' and, for V2 on
    # 0.19.0, '... or later Showing ...': the refusal's sentence was not ended
    at = open_link("plan", **{**QWEN3_H100, "vllm": "0.19.0"}, runner="v2")
    assert not at.exception
    assert ("plan it with --vllm-version 0.22.0 or later. Showing Model runner = auto "
            "instead.") in texts(at)
    at = open_link("plan", **{**QWEN3_H100, "vllm": "0.34.0"}, runner="v1")
    assert 'Unset this variable."). Showing Model runner = auto' in texts(at)
