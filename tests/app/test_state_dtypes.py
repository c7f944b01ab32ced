"""Plan page, "More vLLM options": "Conv state dtype" and "SSM state dtype", the CLI's
--mamba-cache-dtype and --mamba-ssm-cache-dtype (link keys `mambadt`, `mambassmdt`, left out
at auto), offered for a model with Mamba or Gated DeltaNet layers only, with the release's
choices (config/cache.py MambaDType: auto/float32 0.10.1-0.12, + float16 0.13-0.21, +
bfloat16 0.22 on; neither flag before 0.10.1).

Nemotron-3-Nano on one H100 at vLLM 0.34.0 with the SSM state in float16: its Mamba2 state
page is 1,085,440 B (was 2,134,016 B: the SSM part halves), 1,584 blocks of 1,088 tokens =
1,641,249 KV tokens at 262,144 tokens (tests/planner/serving/test_mamba_dtype_settings.py,
worked by hand); 1,561,383 at auto."""

import json

import pytest

from cli.planner_cli import main
from tests.app.conftest import (
    launch_command,
    metric,
    more_options,
    open_link,
    open_page,
    texts,
)
from ui import format as fmt

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
NANO_H100 = {"model": NANO, "gpu": "h100-sxm", "gpn": "1", "vllm": "0.34.0"}
BOXES = ("plan.mamba_cache_dtype", "plan.mamba_ssm_cache_dtype")


def _boxes(at) -> dict[str, list[str]]:
    """The state dtype boxes on the Plan page, by key: their options."""
    return {box.key: box.options for box in at.selectbox if box.key in BOXES}


def _cli(capsys, *argv: str) -> dict:
    """The CLI's JSON, in-process."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("model", "offered"), [
    (NANO, True), ("Qwen/Qwen3-Next-80B-A3B-Instruct", True), ("Qwen/Qwen3-8B", False),
])
def test_offered_only_for_a_model_with_state_layers(model, offered) -> None:
    at = open_page(None, model=model, gpu="h100-sxm", gpn="8", vllm="0.34.0")
    assert not at.exception
    all_four = ["auto", "float32", "float16", "bfloat16"]
    assert _boxes(at) == ({key: all_four for key in BOXES} if offered else {})
    labels = [box.label for box in at.selectbox if box.key in BOXES]
    assert labels == (["Conv state dtype", "SSM state dtype"] if offered else [])


@pytest.mark.parametrize(("release", "options"), [
    ("0.21.0", ["auto", "float32", "float16"]),  # no bfloat16 before 0.22.0
    ("0.12.0", ["auto", "float32"]),  # float16 from 0.13.0
])
def test_the_release_choices_auto_first(release, options) -> None:
    at = open_page(None, **{**NANO_H100, "vllm": release})
    assert not at.exception
    assert _boxes(at) == {key: options for key in BOXES}


def test_a_release_without_the_flags_offers_no_box() -> None:
    at = open_page(None, **{**NANO_H100, "vllm": "0.10.0"})
    assert not at.exception and _boxes(at) == {}


def test_ssm_float16_plans_as_the_cli_and_round_trips_its_link(capsys) -> None:
    at = open_page(None, **NANO_H100)
    assert not at.exception and "mambassmdt" not in at.query_params
    assert "1,561,383 KV tokens" in texts(at)  # auto
    at.selectbox(key="plan.mamba_ssm_cache_dtype").select("float16").run()
    assert not at.exception and at.query_params["mambassmdt"] == "float16"
    assert "mambadt" not in at.query_params
    cli = _cli(capsys, "plan", "--model", NANO, "--gpu", "h100-sxm", "--gpus", "1",
               "--vllm-version", "0.34.0", "--mamba-ssm-cache-dtype", "float16", "--json")
    assert (cli["kv_cache_tokens"], cli["max_model_len"]) == (1_641_249, 262_144)
    assert "1,584 blocks = 1,641,249 KV tokens" in texts(at)
    assert metric(at, "KV pool per GPU") == fmt.gib(cli["kv_cache_bytes_per_gpu"])
    assert metric(at, "Concurrency at 262,144 tokens") == f"{cli['max_concurrency']:.2f}"
    assert launch_command(at) == cli["vllm_command"]
    assert launch_command(at).endswith(" --mamba-ssm-cache-dtype float16")
    linked = open_page(None, **NANO_H100, mambassmdt="float16")
    assert not linked.exception
    assert linked.selectbox(key="plan.mamba_ssm_cache_dtype").value == "float16"
    assert launch_command(linked) == cli["vllm_command"]
    assert more_options(linked) == "More vLLM options (1 set)"
    at.selectbox(key="plan.mamba_ssm_cache_dtype").select("auto").run()
    assert "mambassmdt" not in at.query_params and "1,561,383 KV tokens" in texts(at)
    assert "--mamba-ssm-cache-dtype" not in launch_command(at)


def test_conv_dtype_reaches_the_link_and_the_command(capsys) -> None:
    at = open_page(None, **NANO_H100)
    at.selectbox(key="plan.mamba_cache_dtype").select("float32").run()
    assert not at.exception and at.query_params["mambadt"] == "float32"
    cli = _cli(capsys, "plan", "--model", NANO, "--gpu", "h100-sxm", "--gpus", "1",
               "--vllm-version", "0.34.0", "--mamba-cache-dtype", "float32", "--json")
    assert launch_command(at) == cli["vllm_command"]
    assert f"{cli['kv_cache_tokens']:,} KV tokens" in texts(at)


def test_a_linked_dtype_the_release_lacks_is_replaced_by_auto_saying_why() -> None:
    at = open_link("plan", **{**NANO_H100, "vllm": "0.21.0"}, mambassmdt="bfloat16")
    assert not at.exception
    assert at.selectbox(key="plan.mamba_ssm_cache_dtype").value == "auto"
    assert ("SSM state dtype = bfloat16 is not possible here: vLLM 0.21.0: argument "
            "--mamba-ssm-cache-dtype: invalid choice: 'bfloat16' (choose from 'auto', "
            "'float32', 'float16'). Showing SSM state dtype = auto instead.") in texts(at)
    assert "--mamba-ssm-cache-dtype" not in launch_command(at)
    assert "mambassmdt" not in at.query_params


def test_a_kept_dtype_is_not_planned_for_a_model_without_state_layers() -> None:
    at = open_link("plan", model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1",
                   mambassmdt="float16")
    assert not at.exception and _boxes(at) == {}
    assert "--mamba-ssm-cache-dtype" not in launch_command(at)
    assert more_options(at) == "More vLLM options"


def test_compare_and_report_plan_with_it_as_report_compare(capsys) -> None:
    link = {**NANO_H100, "cmp": f"{NANO},Qwen/Qwen3-8B", "ctx": "8192",
            "mambassmdt": "float16"}
    at = open_page("compare", **link)
    assert not at.exception
    rows = at.dataframe[0].value.set_index("model").to_dict("index")
    cli = _cli(capsys, "report", "--model", NANO, "--compare", "Qwen/Qwen3-8B", "--gpu",
               "h100-sxm", "--gpus", "1", "--vllm-version", "0.34.0", "--max-model-len",
               "8192", "--mamba-ssm-cache-dtype", "float16", "--format", "json")
    by_model = {r["model_name"]: r for r in cli["comparison"]}
    for model, row in rows.items():
        assert row["concurrency at 8,192"] == round(by_model[model]["max_concurrency"], 2)
    caption = " ".join(c.value for c in at.caption)
    assert ("--mamba-ssm-cache-dtype float16` on the models with Mamba or Gated DeltaNet "
            "layers") in caption
    report = open_page("report", **NANO_H100, mambassmdt="float16")
    assert not report.exception and "1,641,249" in texts(report)
