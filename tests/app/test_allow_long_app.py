""""Allow a context longer than the model's" (the CLI's --allow-long-max-model-len, link key
`longlen`, left out while off) in the Plan page's "More vLLM options" and the Compare and
Recommend pages' vLLM options (ui.settle.allow_long_input).

By hand (tests/planner/serving/test_long_len.py): Qwen3-8B's config.json has
max_position_embeddings 40,960 and no rope scaling, so vLLM derives 40,960; at 65,536 tokens a
request holds 65,536 x 147,456 B of KV (2 x 36 layers x 8 KV heads x 128 x 2 B a token).
Without the box the plan is vLLM's refusal; with it the plan is the CLI's, its verdict no
confident fit, and the command starts VLLM_ALLOW_LONG_MAX_MODEL_LEN=1.
"""

import json

from cli.planner_cli import main
from tests.app.conftest import launch_command, more_options, open_page, texts, unmodelled_verdict
from tests.app.test_runner_state_dtypes_other_pages import _recommend, _searched

QWEN3_8B = "Qwen/Qwen3-8B"
AT_64K = {"model": QWEN3_8B, "gpu": "h100-sxm", "gpn": "1", "vllm": "0.34.0", "len": "65536"}


def _cli(capsys, *argv: str) -> dict:
    """The CLI's JSON, in-process."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_plan_box_plans_the_cli_figures_and_round_trips_the_link(capsys) -> None:
    at = open_page(None, **AT_64K)
    box = at.checkbox(key="plan.allow_long_max_model_len")
    assert not box.value and "longlen" not in at.query_params
    # vLLM's refusal, as without the flag (startup.startup_errors)
    assert "is greater than the derived max_model_len (max_position_embeddings=40960" in texts(at)
    assert launch_command(at) == ""
    # refused for the length only: the nearest change names the box beside a shorter length
    # (fixes.allow_long_fit; the CLI's --allow-long-max-model-len, ui.context._FIT_FLAGS)
    assert ("Nearest change: max_model_len 40960 fits. For the length asked: the \"Allow a "
            "context longer than the model's\" box fits at 65,536 tokens") in texts(at)
    box.check().run()
    assert not at.exception and at.query_params["longlen"] == "1"
    verdict = unmodelled_verdict(at)  # a warning, never a green "Fits"
    assert verdict.startswith("Fits (unmodelled: output past the model's 40,960 tokens "
                              "(VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)): ")
    assert "VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme caution" in texts(at)
    cli = _cli(capsys, "plan", "--model", QWEN3_8B, "--gpu", "h100-sxm", "--gpus", "1",
               "--vllm-version", "0.34.0", "--max-model-len", "65536",
               "--allow-long-max-model-len", "--json")
    assert launch_command(at) == cli["vllm_command"]
    assert cli["vllm_command"].startswith("VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 vllm serve ")
    assert f"{cli['kv_cache_tokens']:,} KV tokens" in verdict
    linked = open_page(None, **AT_64K, longlen="1")
    assert not linked.exception and launch_command(linked) == cli["vllm_command"]
    assert more_options(linked) == "More vLLM options (1 set)"


def test_compare_box_plans_each_model_past_its_own_length() -> None:
    at = open_page("compare", model=QWEN3_8B, gpu="h100-sxm", gpn="1", vllm="0.34.0",
                   cmp=f"{QWEN3_8B},Qwen/Qwen3-4B", ctx="65536")
    assert not at.exception
    grid = at.dataframe[0].value.set_index("model")
    # off: Qwen3-8B refused at 65,536; Qwen3-4B (max_position_embeddings 40,960 too) capped
    # at its own length (auto_layout.compared_max_model_len)
    assert grid.loc[QWEN3_8B, "fits"] == "no"
    assert grid.loc["Qwen/Qwen3-4B", "ceiling (tokens)"] == 40_960
    at.checkbox(key="compare.allow_long_max_model_len").check().run()
    assert not at.exception and at.query_params["longlen"] == "1"
    grid = at.dataframe[0].value.set_index("model")
    # on: both planned at 65,536, each a fit on figures leaving a part out (yes*)
    assert list(grid["fits"]) == ["yes* \u26a0", "yes* \u26a0"]
    assert list(grid["ceiling (tokens)"]) == [65_536, 65_536]
    assert "max_model_len 65,536, VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (CLI: " in texts(at)
    # each yes* says what it risks in report --compare's words (report.unmodelled_fit; the
    # star escaped in Markdown): the output past 40,960, the memory figures holding (it read
    # "...=1); no memory: vLLM warns")
    assert ("Qwen/Qwen3-8B: yes\\*, fits on figures that leave out output past the model's 40,960 "
            "tokens (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1); the memory figures hold, but vLLM warns "
            "that the output past that length may be NaN or wrong") in texts(at)


def test_recommend_box_searches_a_context_past_the_model(capsys) -> None:
    at = _recommend(QWEN3_8B, "0.34.0", 65_536)
    at.checkbox(key="recommend.allow_long_max_model_len").check().run()
    assert not at.exception and at.query_params["longlen"] == "1"
    caption, command = _searched(at)
    assert command.startswith("VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 vllm serve Qwen/Qwen3-8B ")
    assert " --max-model-len 65536 " in command
