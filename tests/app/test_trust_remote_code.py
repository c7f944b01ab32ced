"""The Plan page's "Trust remote code": the CLI's --trust-remote-code for a model whose config
brings its own model code under an architecture the release has no class for."""

import shlex

import pytest

from tests.app.conftest import launch_command, open_link, open_page, texts
from tests.conftest import load_remote_code_config

ACME = "acme/Acme-1B"
"""A hub repo answering with tests/fixtures/remote_code's hand-made config: auto_map names
modeling_acme.AcmeForCausalLM, which no vLLM release has (not in any fixture's registry)."""
ON_H100 = {"model": ACME, "gpu": "h100-sxm", "gpn": "1"}
LABEL = "Trust remote code (vLLM --trust-remote-code)"
# the planner's note for vLLM 0.34.0 (the sidebar's default; its models/registry.py has no
# AcmeForCausalLM, nor has planner/serving/vllm_cli/vllm-0.34.0.json), with the app's way to act
# and the flag as inline code
WHY = ("No launch command: vLLM 0.34.0 has no native AcmeForCausalLM: it loads only with "
       "`--trust-remote-code`, which runs the repository's Python code; review it, then tick "
       "Trust remote code on the Plan page.")


@pytest.fixture(autouse=True)
def acme_hub(hub_reply):
    hub_reply(ACME, load_remote_code_config())


def trust_boxes(at) -> list:
    return [box for box in at.checkbox if box.label == LABEL]


def commands(at) -> list[str]:
    return [command] if (command := launch_command(at)) else []


def figures(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_model_vllm_serves_natively_gets_no_checkbox() -> None:
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1")
    assert not at.exception and not trust_boxes(at)
    assert "--trust-remote-code" not in commands(at)[0]


def test_ticking_it_puts_the_flag_in_the_command_and_no_figure_moves() -> None:
    at = open_page(None, **ON_H100)
    assert not at.exception
    [box] = trust_boxes(at)
    assert not box.value and commands(at) == []
    assert [i.value for i in at.info if i.value.startswith("No launch")] == [WHY]
    assert "plan with --trust-remote-code" not in texts(at)  # a CLI flag the app has not
    assert "trust" not in at.query_params
    before = figures(at)
    box.check().run()
    assert not at.exception
    [command] = commands(at)
    words = shlex.split(command)
    assert words[:4] == ["vllm", "serve", ACME, "--trust-remote-code"], command
    assert "trust" not in at.query_params  # a link never carries it (ui.state.SESSION_ONLY)
    assert figures(at) == before  # the flag changes the command only
    assert any("runs acme/Acme-1B's own Python code (modeling_acme.AcmeForCausalLM)"
               in w.value for w in at.warning)
    assert not any(i.value.startswith("No launch") for i in at.info)


def test_the_choice_survives_a_page_switch_and_reaches_the_report() -> None:
    at = open_page(None, **ON_H100)
    trust_boxes(at)[0].check().run()
    at.switch_page("ui/pages/model.py").run()
    at.switch_page("ui/pages/report.py").run()
    assert not at.exception
    # the report: one option a line
    assert "vllm serve acme/Acme-1B \\\n  --trust-remote-code \\\n" in texts(at)
    at.switch_page("ui/pages/plan.py").run()
    assert not at.exception and trust_boxes(at)[0].value
    assert "--trust-remote-code" in commands(at)[0]


def test_a_model_that_does_not_need_it_never_gets_the_flag_from_the_kept_choice() -> None:
    # ticked for Acme, then a native model: no checkbox there, so no flag; back to Acme: ticked
    at = open_page(None, **ON_H100)
    trust_boxes(at)[0].check().run()
    assert trust_boxes(at)[0].value
    at.session_state["app_state"].model = "Qwen/Qwen3-8B"
    at.run()
    assert not at.exception and not trust_boxes(at)
    assert "--trust-remote-code" not in commands(at)[0]
    at.session_state["app_state"].model = ACME
    at.run()
    assert trust_boxes(at)[0].value and "--trust-remote-code" in commands(at)[0]


def test_the_report_page_says_how_to_act_in_the_app() -> None:
    at = open_page("report", **ON_H100)
    assert not at.exception
    shown = texts(at)
    assert "review it, then tick Trust remote code on the Plan page." in shown
    assert "plan with --trust-remote-code" not in shown and "vllm serve" not in shown


def test_a_link_cannot_turn_it_on() -> None:
    # a shared link with trust=1 would hand its reader a command that runs the repository's
    # code without their tick: the parameter is ignored, and the sidebar says why
    at = open_link("plan", **ON_H100, trust="1")
    assert not at.exception and not trust_boxes(at)[0].value and commands(at) == []
    assert any("Link parameter trust='1' ignored: a link cannot turn on Trust remote code"
               in w.value for w in at.warning)


def test_a_config_only_the_repository_reads_gets_the_checkbox_naming_its_class() -> None:
    # Nemotron-Super-49B: vLLM has DeciLMForCausalLM, but neither it nor transformers reads
    # model_type 'nemotron-nas', so vLLM runs auto_map's configuration_decilm.DeciLMConfig
    at = open_page(None, model="nvidia/Llama-3_3-Nemotron-Super-49B-v1", gpu="h100-sxm",
                   gpn="2")
    assert not at.exception and commands(at) == []
    trust_boxes(at)[0].check().run()
    assert not at.exception and "--trust-remote-code" in shlex.split(commands(at)[0])
    assert any("own Python code (configuration_decilm.DeciLMConfig)" in w.value
               for w in at.warning)


def _recommend(at, models: list[str]):
    """The Recommend page's search for `models` on one H100 (the table, shown as-is)."""
    at.switch_page("ui/pages/recommend.py").run()
    at.multiselect(key="recommend.models").set_value(models).run()
    at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    at.selectbox(key="recommend.gpus_max").set_value(1).run()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    return at.dataframe[-1].value


def test_the_recommend_page_plans_with_the_plan_pages_choice() -> None:
    # unticked: Acme's rows are what-ifs whose note names the checkbox, headed once by the
    # run word (it read "What-if, no command: No launch command: ...")
    at = open_page(None, **ON_H100)
    table = _recommend(at, [ACME])
    assert set(table["run"]) == {"what-if"} and commands(at) == []
    assert any(c.value == "What-if, no command: " + WHY.removeprefix("No launch command: ")
               for c in at.caption)
    # ticked on the Plan page: Acme's rows get a command with the flag; a native model
    # searched beside it does not (only a model that needs it, as on the Plan page)
    at.switch_page("ui/pages/plan.py").run()
    trust_boxes(at)[0].check().run()
    table = _recommend(at, [ACME, "Qwen/Qwen3-8B"])
    rows = {model: list(table.index[table["model"] == model]) for model in (ACME, "Qwen/Qwen3-8B")}
    assert rows[ACME] and rows["Qwen/Qwen3-8B"]
    assert set(table["run"]) == {"serve"}
    for model, indices in rows.items():
        at.selectbox(key="recommend.row").set_value(indices[0]).run()
        [command] = commands(at)
        words = shlex.split(command)
        assert words[:3] == ["vllm", "serve", model], command
        assert ("--trust-remote-code" in words) == (model == ACME), command
    assert not any(c.value.startswith("What-if") for c in at.caption)
