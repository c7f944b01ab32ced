"""Recommend page, "vLLM options for every row": the all-to-all backend (recommend
--all2all-backend), the Plan page's box and state (link key a2a): offered where a model searched
is MoE, with the sidebar's release's parser's values, counted in the fold's label, and every
row searched with it, its command carrying it as the CLI's does."""

import json

import pytest

from cli.planner_cli import main
from planner.serving.vllm_cli import vllm_cli
from tests.app.conftest import open_page

HT = "deepep_high_throughput"
KEY = "recommend.all2all_backend"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network


def _page(model: str, **query: str):
    at = open_page("recommend", model=model, vllm="0.33.0", gpu="h100-sxm", conc="4", **query)
    at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    at.number_input(key="recommend.context").set_value(4096).run()
    assert not at.exception and not at.error
    return at


def test_a_moe_model_is_searched_with_the_backend_the_cli_takes(capsys) -> None:
    at = _page("Qwen/Qwen3-30B-A3B", a2a=HT)
    box = at.selectbox(key=KEY)
    assert box.options == ["vLLM's choice", *vllm_cli("0.33.0").choices["--all2all-backend"]]
    assert box.value == HT
    assert at.expander[0].label.startswith("vLLM options for every row (1\u00a0set)")
    at.button(key="recommend.run").click().run()
    assert not at.exception
    command = at.code[0].value.replace(" \\\n  ", " ")
    # the CLI's recommend with the same flag picks the same row, with the same command
    assert main(["recommend", "--model", "Qwen/Qwen3-30B-A3B", "--vllm-version", "0.33.0",
                 "--context", "4096", "--concurrency", "4", "--gpu", "h100-sxm",
                 "--all2all-backend", HT, "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert f"--all2all-backend {HT}" in row["vllm_command"] and command == row["vllm_command"]
    box.set_value(None).run()
    assert "a2a" not in at.query_params


def test_a_dense_model_offers_none() -> None:
    at = _page("Qwen/Qwen3-8B", a2a=HT)
    assert KEY not in {box.key for box in at.selectbox}
