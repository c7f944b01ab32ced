"""The vLLM release every page plans for: the sidebar's choice, in the link as `vllm`.

Hand-worked CUDA graphs of the seed (Qwen3-235B GPTQ on 8x RTX 3090, TP=8): 23.57 GiB is under
70 GiB, so vLLM's batch defaults are 2,048 tokens / 256 sequences on every release
(engine/arg_utils.py get_batch_defaults); the largest capture size is min(2 x 256, 512, 2,048)
= 512 (config/vllm.py _set_cudagraph_sizes; the 0.10.x SchedulerConfig sets the same
min(max_num_seqs x 2, 512)).
  0.33.0 and 0.34.0 (the default): sizes 1, 2, 4, every 8 from 8 to 248 (31), every 16 from
          256 to 512 (17) = 51 piecewise graphs; FULL_AND_PIECEWISE adds a full graph per
          size <= 256 sequences: 3 + 31 + 1 = 35. (0.34.0 raises the 512 to 1,024 on compute
          capability 10.x only, is_device_capability_family(100), not on a 3090's 8.6; its
          uniform decode size, max_num_seqs 256, is already among the sizes.)
  0.10.2: every 8 above 4 up to 512 (the 16-step arrives in 0.12.0): 3 + 64 = 67 piecewise;
          the default mode is PIECEWISE (full graphs from 0.11.0): 0 full.
And before 0.20.0 the graphs are not subtracted from the KV budget (vLLM 0.19.0's
VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS defaults to "0"), so 0.10.2's plan warns of them.
"""

import contextlib
import datetime as dt
import io
import json

import pytest

from cli.planner_cli import main
from planner.text import md_escape
from tests.app.conftest import launch_command, open_page, texts

SEED = {"gpu": "rtx-3090", "gpn": "8", "tp": "8"}
# Qwen3-30B-A3B (not MLA) on one A100 (compute capability 8.0) with an fp8 KV cache: the
# 0.10.2 engine oracle keeps a non-auto cache dtype on V1 only as fp8 on Hopper, on compute
# capability 10.0 or for an MLA model (CudaPlatform.is_kv_cache_dtype_supported), so vLLM
# 0.10.2 would start it on V0; from 0.11 there is no V0 engine and it is planned.
A100_FP8 = {"gpu": "a100-80gb", "gpn": "1", "model": "Qwen/Qwen3-30B-A3B", "kv": "fp8"}
A100_FP8_FLAGS = ["--gpu", "a100-80gb", "--gpus", "1", "--model", "Qwen/Qwen3-30B-A3B",
                  "--kv-cache-dtype", "fp8"]


def graphs_formula(at) -> str:
    """The formula of the CUDA graphs row in "How every figure is computed"."""
    table = next(t.value for t in at.table if "formula" in t.value.columns)
    return table.loc["CUDA graphs", "formula"]


def release(at) -> str:
    return at.sidebar.selectbox(key="sidebar.vllm_version").value


def test_the_default_release_is_the_planners() -> None:
    at = open_page(None, **SEED)
    assert not at.exception
    assert release(at) == "0.34.0" and at.query_params["vllm"] == "0.34.0"
    assert "(51 piecewise + 35 full graphs)" in graphs_formula(at)
    assert "does not subtract CUDA graph memory" not in texts(at)
    options = at.sidebar.selectbox(key="sidebar.vllm_version").options
    assert options[0] == "0.34.0 (default)" and options[-1] == "0.9.1"
    assert "0.10.2" in options and "0.8.0" not in options


def test_choosing_0_10_2_plans_with_its_rules_and_goes_into_the_link() -> None:
    at = open_page(None, **SEED)
    at.sidebar.selectbox(key="sidebar.vllm_version").set_value("0.10.2").run()
    assert not at.exception
    assert at.query_params["vllm"] == "0.10.2"
    assert "(67 piecewise + 0 full graphs)" in graphs_formula(at)
    assert "vLLM 0.10.2 does not subtract CUDA graph memory" in texts(at)
    pool = next(m.value for m in at.metric if m.label == "KV pool per GPU")
    # the link opens a new session on the same release and the same figures
    again = open_page(None, **SEED, vllm="0.10.2")
    assert not again.exception and release(again) == "0.10.2"
    assert "(67 piecewise + 0 full graphs)" in graphs_formula(again)
    assert next(m.value for m in again.metric if m.label == "KV pool per GPU") == pool
    # and going back to the default release restores the default figures
    again.sidebar.selectbox(key="sidebar.vllm_version").set_value("0.34.0").run()
    assert "(51 piecewise + 35 full graphs)" in graphs_formula(again)
    assert again.query_params["vllm"] == "0.34.0"


def test_a_refused_start_up_is_the_clis_error_instead_of_a_plan(capsys) -> None:
    capsys.readouterr()
    assert main(["plan", *A100_FP8_FLAGS, "--vllm-version", "0.10.2"]) == 2
    cli_error = capsys.readouterr().err.strip().partition(": error: ")[2]
    at = open_page(None, **A100_FP8, vllm="0.10.2")
    assert not at.exception
    assert [e.value for e in at.error] == [f"Cannot plan this: {cli_error}"]
    assert cli_error.startswith("vLLM 0.10.2 would start it on its V0 engine")
    assert "--kv-cache-dtype fp8 on compute capability 8.0" in cli_error
    assert not at.metric and not at.code  # no figures, no launch command
    # the settings stay on the page: auto KV (or the default release) plans it
    at.selectbox(key="plan.kv_cache_dtype").set_value("auto").run()
    assert not at.error and at.metric and at.query_params["kv"] == "auto"
    at = open_page(None, **A100_FP8)
    assert not at.error and at.metric and " --kv-cache-dtype fp8 " in launch_command(at)


def test_bad_release_in_a_link_is_named_and_the_default_planned() -> None:
    for raw, why in (("0.8.0", "vLLM 0.8.0 is not covered: Headroom models the V1 engine of "
                               "vLLM 0.9.1 to 0.34.x"),
                     ("garbage", "vLLM version 'garbage' is not like '0.34.0'"),
                     ("0.19.1", "vLLM 0.19.1 plans with the rules and flags of 0.19.0")):
        at = open_page(None, **SEED, vllm=raw)
        assert not at.exception
        warnings = [w.value for w in at.sidebar.warning]
        assert len(warnings) == 1 and warnings[0].startswith(
            f"Link parameter vllm={raw!r} ignored: {why}"), warnings
        assert release(at) == "0.34.0" and at.query_params["vllm"] == "0.34.0"
        assert "(51 piecewise + 35 full graphs)" in graphs_formula(at)
    at = open_page(None, **SEED, vllm="v0.19")  # as people write it
    assert not at.sidebar.warning and release(at) == "0.19.0"


def test_compare_plans_every_model_on_the_chosen_release() -> None:
    # Qwen3-Next has linear-attention state: 0.10.2 runs it on V1 with a layout Headroom has
    # not read for that release (planner.serving.v1_oracle), so that model alone is refused
    at = open_page("compare", vllm="0.10.2",
                   cmp="Qwen/Qwen3-30B-A3B,Qwen/Qwen3-Next-80B-A3B-Instruct")
    assert not at.exception
    assert "with vLLM 0.10.2's rules" in texts(at)
    assert [e.value for e in at.error] == [
        "Qwen/Qwen3-Next-80B-A3B-Instruct: vLLM 0.10.2's V1 layout of Mamba / "
        "linear-attention state is not read; plan it with vLLM 0.11 or later."]
    assert list(at.dataframe[0].value["model"]) == ["Qwen/Qwen3-30B-A3B"]


def test_report_page_on_a_release_is_the_clis_report() -> None:
    out = io.StringIO()
    flags = ["--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090", "--gpus", "8",
             "--tp", "8", "--ep", "--vllm-version", "0.10.2", "--date", "2026-01-01"]
    with contextlib.redirect_stdout(out):
        assert main(["report", *flags]) == 0
    at = open_page("report", **SEED, vllm="0.10.2")
    at.date_input(key="report.date").set_value(dt.date(2026, 1, 1)).run()
    assert not at.exception
    assert at.main.markdown[-1].value == out.getvalue().rstrip("\n")
    assert "vLLM 0.10.2 does not subtract CUDA graph memory" in out.getvalue()


def test_recommend_searches_on_the_chosen_release() -> None:
    # Qwen3-8B on RTX 3090s (compute capability 8.6): 0.10.2 would start an fp8 KV cache on
    # V0 there (not Hopper, not 10.0, not MLA), so the search drops those start-ups and every
    # row keeps auto KV; 0.33.0 runs fp8 KV on it (the cheapest row, at the same price)
    rows = {}
    for version in ("0.33.0", "0.10.2"):
        at = open_page("recommend", model="Qwen/Qwen3-8B", vllm=version)
        at.multiselect(key="recommend.gpus").set_value(["rtx-3090"]).run()
        at.button(key="recommend.run").click().run()
        assert not at.exception
        assert f"under vLLM {version}'s rules" in at.caption[0].value
        rows[version] = (at.dataframe[-1].value, launch_command(at))
    table, command = rows["0.10.2"]
    assert set(table["KV dtype"]) == {"auto"} and "--kv-cache-dtype" not in command
    table, command = rows["0.33.0"]
    assert table["KV dtype"].iloc[0] == "fp8" and "--kv-cache-dtype fp8" in command


def test_the_plan_page_names_the_model_runner_as_the_cli_does(capsys) -> None:
    # the seed on 0.33.0 runs Model Runner V2 (every model from 0.29.0), on 0.19.0 the V1
    # runner (V2 is opt-in before 0.22): the page shows the CLI's --json model_runner and
    # model_runner_reason in the report header's words
    for version, runner in (("0.33.0", "V2"), ("0.19.0", "V1")):
        capsys.readouterr()
        assert main(["plan", "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090",
                     "--gpus", "8", "--tp", "8", "--vllm-version", version, "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["model_runner"].upper() == runner
        at = open_page(None, **SEED, vllm=version)
        assert not at.exception
        line = f"vLLM model runner: {runner} ({data['model_runner_reason']})"
        assert md_escape(line) in [c.value for c in at.caption], version


@pytest.mark.parametrize("gmu, confident", [("0.9", True), ("0.99", False)])
def test_graphs_outside_the_budget_colour_the_verdict(gmu: str, confident: bool) -> None:
    """vLLM 0.17.0 captures its CUDA graphs after the KV cache, outside the utilization:
    Qwen3-8B on one RTX 3090 at 8,192 needs 757,491,268 B for them, within the 2.36 GiB left
    at 0.9 (a green "Fits") but not the 0.24 GiB at 0.99 (a yellow warning, not a confident
    fit; tests/planner/serving/test_old_graphs_room.py works the figures)."""
    at = open_page(None, gpu="rtx-3090", gpn="1", model="Qwen/Qwen3-8B", vllm="0.17.0",
                   len="8192", gmu=gmu)
    assert not at.exception
    shown = [s.value for s in at.success] if confident else [w.value for w in at.warning]
    assert any(v.startswith("Fits") for v in shown), shown
    assert not any(s.value.startswith("Fits") for s in at.success) or confident
    assert (("room for them, the KV figures stand." if confident else
             "more than that room; whether the capture finds the rest is not modelled.")
            in texts(at))
