"""Plan page, "More vLLM options": the MoE backend (vLLM --moe-backend), as the CLI's flag:
offered for MoE models only, with the sidebar's release's values (its MoEBackend Literal, the
vllm_cli fixtures, 0.17.0 on), in the link as `moe`, and planned as the CLI plans it.

The flashinfer_b12x workspace is the one worked by hand in tests/cli/test_moe_backend_cli.py
(WORKSPACE: 40 MoE layers x the B12xMoEWrapper buffers of nvidia/Qwen3.6-35B-A3B-NVFP4 at
8,192 batched tokens on one RTX PRO 6000, vLLM 0.25)."""

import shlex

import pytest

from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.app.conftest import launch_command, more_options, open_link, open_page, texts
from tests.cli.test_moe_backend_cli import WORKSPACE

QWEN3_MOE = {"model": "Qwen/Qwen3-30B-A3B", "gpu": "h100-sxm", "gpn": "1", "vllm": "0.33.0"}
QWEN36 = {"model": "nvidia/Qwen3.6-35B-A3B-NVFP4", "gpu": "rtx-pro-6000", "gpn": "1",
          "vllm": "0.25.0", "mbt": "8192", "seqs": "8", "len": "180224", "kv": "fp8",
          "gmu": "0.92", "skipmm": "1"}


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network


def backend(at):
    return at.selectbox(key="plan.moe_backend")


def _keys(at) -> set[str]:
    return {box.key for box in at.selectbox}


def test_a_moe_model_is_offered_its_releases_backends_and_the_command_carries_one() -> None:
    at = open_page(None, **QWEN3_MOE)
    assert not at.exception and not at.error
    assert backend(at).value is None and "--moe-backend" not in launch_command(at)
    assert backend(at).options == ["vLLM's choice",
                                   *vllm_cli("0.33.0").choices["--moe-backend"]]
    assert more_options(at) == "More vLLM options"
    backend(at).set_value("marlin").run()
    assert not at.exception and not at.error
    words = shlex.split(launch_command(at))
    assert words[words.index("--moe-backend") + 1] == "marlin"
    assert command_problems(launch_command(at), vllm_cli("0.33.0")) == []
    assert at.query_params["moe"] == "marlin"
    backend(at).set_value(None).run()
    assert "--moe-backend" not in launch_command(at) and "moe" not in at.query_params
    # the Report page plans the model with it too
    report = open_page("report", **QWEN3_MOE, moe="marlin")
    assert not report.exception and "--moe-backend marlin" in report.main.markdown[-1].value


def test_a_linked_b12x_backend_adds_its_workspace_to_the_activation_peak() -> None:
    at = open_link("plan", **QWEN36, moe="flashinfer_b12x")
    assert not at.exception and not at.sidebar.warning
    assert backend(at).value == "flashinfer_b12x"
    assert more_options(at) == "More vLLM options (2 set)"  # the backend and skipmm=1
    assert f"{WORKSPACE / 2**30:.2f}" == "12.58"
    assert "+ 12.58 GiB MoE workspace (the moe_workspace term)" in texts(at)
    assert "--moe-backend flashinfer_b12x" in launch_command(at)


def test_a_dense_model_offers_none_and_keeps_the_choice_for_the_next_moe_model() -> None:
    at = open_link("plan", model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1", moe="marlin")
    assert not at.exception and not at.sidebar.warning and not at.main.warning
    assert "plan.moe_backend" not in _keys(at)  # no control for a dense model
    assert "--moe-backend" not in launch_command(at)  # vLLM reads it for MoE layers only
    assert at.query_params["moe"] == "marlin"


@pytest.mark.parametrize(("version", "value", "refusal"), [
    ("0.16.0", "marlin", "vLLM 0.16.0: unrecognized arguments: --moe-backend (the flag "
                         "arrives in vLLM 0.17.0)."),
    ("0.19.0", "flashinfer_b12x", "vLLM 0.19.0: argument --moe-backend: invalid choice: "
                                  "'flashinfer_b12x' (choose from ")])
def test_a_backend_the_release_refuses_is_dropped_in_its_parsers_words(
        version: str, value: str, refusal: str) -> None:
    at = open_link("plan", **{**QWEN3_MOE, "vllm": version}, moe=value)
    assert not at.exception and not at.error
    [warning] = [w.value for w in at.main.warning if "MoE backend = " in w.value]
    assert warning.startswith(f"MoE backend = {value} is not possible here: {refusal}")
    assert warning.endswith("Showing MoE backend = vLLM's choice instead.")
    assert "moe" not in at.query_params and "--moe-backend" not in launch_command(at)
    # the release's values are offered: none before 0.17
    assert ("plan.moe_backend" in _keys(at)) == (version != "0.16.0")


def test_a_link_value_no_release_takes_is_refused() -> None:
    at = open_link("plan", **QWEN3_MOE, moe="Nonsense")
    assert not at.exception
    [warning] = [w.value for w in at.sidebar.warning]
    assert warning.startswith("Link parameter moe='Nonsense' ignored: 'Nonsense' is no MoE "
                              "backend choice; the covered vLLM releases offer vLLM's choice, "
                              "auto, triton, ")
    # the parser's spelling: 'Marlin' is read as marlin
    at = open_link("plan", **QWEN3_MOE, moe="Marlin")
    assert not at.sidebar.warning and backend(at).value == "marlin"
