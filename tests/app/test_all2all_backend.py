"""Plan page, "More vLLM options": the all-to-all backend (vLLM --all2all-backend), as the CLI's
flag: offered for MoE models where the sidebar's release has it (0.11.1 on), with that
release's parser's values, in the link as `a2a`, and planned as the CLI plans it.

Qwen/Qwen3-30B-A3B (hidden 2,048) on one node of 8 H100 at TP=2, DP=4 + EP, vLLM 0.33.0:
deepep_high_throughput's buffer on one node (no RDMA buffer) is the 1,024 MiB NVLink buffer
(VLLM_DEEPEP_BUFFER_SIZE_MB's default), DeepEP's 8 x 4 + 8 x 8 + 8 x 8 = 160 B of signals and
pointers after it, and its 32 MiB workspace: 1,073,741,824 + 160 + 33,554,432 =
1,107,296,416 B per GPU, non-torch memory the KV pool loses."""

import re
import shlex

import pytest

from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.app.conftest import launch_command, more_options, open_link, open_page, texts

DP_EP = {"model": "Qwen/Qwen3-30B-A3B", "gpu": "h100-sxm", "gpn": "8", "vllm": "0.33.0",
         "tp": "2", "pp": "1", "dp": "4", "ep": "1"}
DEEPEP_HT_BYTES = 1024 * 2**20 + (8 * 4 + 8 * 8 + 8 * 8) + 32 * 2**20
NON_TORCH, KV_POOL = "Non-torch memory (CUDA context, NCCL)", "KV cache pool per GPU"
BUFFER = "All-to-all buffer (inside the non-torch term)"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network


def backend(at):
    return at.selectbox(key="plan.all2all_backend")


def _offered(at) -> bool:
    return "plan.all2all_backend" in {box.key for box in at.selectbox}


def _term_bytes(at, label: str) -> int:
    """A figure of "How every figure is computed" as the page writes it ("x GiB (N B)")."""
    found = re.search(re.escape(label) + r"\s+[\d.]+ [GM]iB \(([\d,]+) B\)", texts(at))
    assert found, f"no {label} row"
    return int(found.group(1).replace(",", ""))


def test_deepep_high_throughput_takes_its_buffer_off_the_kv_pool() -> None:
    assert DEEPEP_HT_BYTES == 1_107_296_416
    at = open_page(None, **DP_EP)
    assert not at.exception and not at.error
    assert backend(at).value is None and "--all2all-backend" not in launch_command(at)
    assert backend(at).options == ["vLLM's choice",
                                   *vllm_cli("0.33.0").choices["--all2all-backend"]]
    assert more_options(at) == "More vLLM options"
    non_torch = _term_bytes(at, NON_TORCH)
    kv_pool = _term_bytes(at, KV_POOL)
    assert "All-to-all buffer" not in texts(at)
    backend(at).set_value("deepep_high_throughput").run()
    assert not at.exception and not at.error
    words = shlex.split(launch_command(at))
    assert words[words.index("--all2all-backend") + 1] == "deepep_high_throughput"
    assert command_problems(launch_command(at), vllm_cli("0.33.0")) == []
    assert at.query_params["a2a"] == "deepep_high_throughput"
    assert _term_bytes(at, BUFFER) == DEEPEP_HT_BYTES
    assert _term_bytes(at, NON_TORCH) - non_torch == DEEPEP_HT_BYTES
    assert kv_pool - _term_bytes(at, KV_POOL) == DEEPEP_HT_BYTES
    assert "needs the deep_ep package" in texts(at)
    backend(at).set_value(None).run()
    assert "--all2all-backend" not in launch_command(at) and "a2a" not in at.query_params
    assert _term_bytes(at, NON_TORCH) == non_torch
    # the Report page plans the model with it too
    report = open_page("report", **DP_EP, a2a="deepep_high_throughput")
    assert not report.exception
    assert "--all2all-backend deepep_high_throughput" in report.main.markdown[-1].value


def test_a_linked_backend_is_counted_on_the_folded_options() -> None:
    at = open_link("plan", **DP_EP, a2a="deepep_high_throughput")
    assert not at.exception and not at.sidebar.warning and not at.error
    assert backend(at).value == "deepep_high_throughput"
    assert more_options(at) == "More vLLM options (1 set)"


def test_a_dense_model_offers_none_and_keeps_the_choice_for_the_next_moe_model() -> None:
    at = open_link("plan", model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="8",
                   a2a="deepep_high_throughput")
    assert not at.exception and not at.sidebar.warning and not at.main.warning
    assert not _offered(at)
    assert "--all2all-backend" not in launch_command(at)
    assert at.query_params["a2a"] == "deepep_high_throughput"


def test_a_release_without_the_flag_offers_none_and_drops_a_linked_value() -> None:
    at = open_link("plan", **{**DP_EP, "vllm": "0.10.1"}, a2a="deepep_high_throughput")
    assert not at.exception and not at.error
    assert not _offered(at)
    [warning] = [w.value for w in at.main.warning if "not possible here" in w.value]
    assert warning.startswith("All-to-all backend (DP + EP) = deepep_high_throughput is not "
                              "possible here: vLLM 0.10.1: unrecognized arguments: "
                              "--all2all-backend")
    assert "a2a" not in at.query_params and "--all2all-backend" not in launch_command(at)


def test_a_link_value_no_release_takes_is_refused() -> None:
    at = open_link("plan", **DP_EP, a2a="deepep")
    assert not at.exception
    [warning] = [w.value for w in at.sidebar.warning]
    assert warning.startswith("Link parameter a2a='deepep' ignored: 'deepep' is no "
                              "All-to-all backend (DP + EP) choice; the covered vLLM releases "
                              "offer vLLM's choice, naive, ")
