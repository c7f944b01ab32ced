"""Plan page, "More vLLM options": MTP speculative decoding and --skip-mm-profiling give the
same plan as the CLI's `plan --json` with the same flags, and are offered only where they apply.

Hand-worked KV figures (../shared/model-configs/Qwen__Qwen3.5-27B.json, text_config: 64 layers,
full_attention_interval 4, so 16 full-attention layers (the other 48 are linear attention, with
state pages, not KV per token); num_key_value_heads 4, head_dim 256, bfloat16;
mtp_num_hidden_layers 1, a full-attention decoder layer):
  KV per token, TP=1:  16 layers x 2 (K,V) x 4 heads x 256 dims x 2 B = 65,536 B
  the MTP draft layer: 1 layer  x 2 x 4 x 256 x 2 B                   =  4,096 B
  with MTP speculative decoding:  65,536 + 4,096                      = 69,632 B
"""

import json

import pytest

from cli.planner_cli import main
from tests.app.conftest import launch_command, metric, more_options, open_page, texts
from ui import format as fmt
from ui.state import LABELS

QWEN35 = {"model": "Qwen/Qwen3.5-27B", "gpu": "h100-sxm", "gpn": "1", "len": "131072"}
# no utilization on either side: vLLM's default for the release on both (0.92 for the default
# 0.34.0, with the extensible KV cache off as the command asks: tests/app/test_utilization.py)
CLI_QWEN35 = ["--model", "Qwen/Qwen3.5-27B", "--gpu", "h100-sxm", "--gpus", "1",
              "--max-model-len", "131072"]


def cli_plan(capsys: pytest.CaptureFixture, *flags: str) -> dict:
    """`python -m planner plan --json` with these flags, in-process."""
    capsys.readouterr()
    main(["plan", *flags, "--json"])
    return json.loads(capsys.readouterr().out)


def assert_same_plan(at, cli: dict) -> None:
    """Every headline figure and the launch command of the page equal the CLI's plan."""
    assert not at.exception
    assert metric(at, "Weights per GPU") == fmt.gib(cli["weights_bytes_per_gpu"])
    assert metric(at, "KV bytes/token per GPU") == f"{cli['kv_bytes_per_token_per_gpu']:,} B"
    assert metric(at, "KV pool per GPU") == fmt.gib(cli["kv_cache_bytes_per_gpu"])
    assert metric(at, "KV room") == f"{cli['kv_limited_context_tokens']:,}"
    assert metric(at, "Context ceiling") == f"{cli['max_context_tokens']:,}"
    assert metric(at, "Concurrency at 131,072") == f"{cli['max_concurrency']:.2f}"
    assert cli["fits"] and launch_command(at) == cli["vllm_command"]


def assert_dropped(at, field: str, values: tuple[str, str], why: str,
                   link: tuple[str, str]) -> None:
    """A linked setting the page cannot take: one warning, `values` (was, now) and `why` in
    it, the link's (key, value) set back, no widget for it and its flag out of the command."""
    assert not at.exception
    label = LABELS[field]
    assert [w.value for w in at.main.warning if label in w.value] == [
        f"{label} = {values[0]} is not possible here: {why} Showing {label} = {values[1]} "
        "instead."]
    assert at.query_params[link[0]] == link[1]
    assert not [w for w in (*at.checkbox, *at.selectbox) if w.key == f"plan.{field}"]
    assert "--" + field.replace("_", "-") not in launch_command(at)


def test_mtp_draft_tokens_give_the_clis_plan(capsys) -> None:
    at = open_page(None, **QWEN35)
    assert metric(at, "KV bytes/token per GPU") == "65,536 B"  # by hand, above
    assert_same_plan(at, cli_plan(capsys, *CLI_QWEN35))
    at.number_input(key="plan.num_speculative_tokens").set_value(2).run()
    assert metric(at, "KV bytes/token per GPU") == "69,632 B"  # + the draft layer's 4,096 B
    cli = cli_plan(capsys, *CLI_QWEN35, "--num-speculative-tokens", "2")
    assert_same_plan(at, cli)
    assert ('--speculative-config \'{"method": "mtp", "num_speculative_tokens": 2}\''
            in launch_command(at))
    assert at.query_params["spec"] == "2"
    # the link reproduces it, counted on the folded options
    linked = open_page(None, **QWEN35, spec="2")
    assert_same_plan(linked, cli)
    assert more_options(linked) == "More vLLM options (1 set)"


@pytest.mark.parametrize("link, flags, utilization", [
    ({}, [], "0.92"),  # unset on both: vLLM 0.34.0's default (0.92 from 0.20.0)
    ({"vllm": "0.19.0"}, ["--vllm-version", "0.19.0"], "0.9"),  # unset: 0.19.0's default
    ({"gmu": "0.9"}, ["--gpu-memory-utilization", "0.9"], "0.9"),  # set: kept on 0.34.0
], ids=["unset", "unset on 0.19.0", "set to 0.9"])
def test_the_utilization_is_the_clis_set_or_not(capsys, link, flags, utilization) -> None:
    at = open_page(None, **QWEN35, **link)
    assert at.slider(key="plan.gpu_memory_utilization").value == float(utilization)
    cli = cli_plan(capsys, *CLI_QWEN35, *flags)
    assert_same_plan(at, cli)
    assert f"--gpu-memory-utilization {utilization} " in launch_command(at)
    assert at.query_params.get("gmu") == link.get("gmu")  # unset stays out of the link


def test_skip_mm_profiling_gives_the_clis_plan(capsys) -> None:
    at = open_page(None, **QWEN35)
    pool = metric(at, "KV pool per GPU")
    at.checkbox(key="plan.skip_mm_profiling").check().run()
    assert_same_plan(at, cli_plan(capsys, *CLI_QWEN35, "--skip-mm-profiling"))
    assert "--skip-mm-profiling" in launch_command(at)
    assert metric(at, "KV pool per GPU") != pool  # no encoder profile peak: a larger pool
    assert at.query_params["skipmm"] == "1"
    # both at once
    at.number_input(key="plan.num_speculative_tokens").set_value(3).run()
    assert_same_plan(at, cli_plan(capsys, *CLI_QWEN35, "--skip-mm-profiling",
                                  "--num-speculative-tokens", "3"))


def test_a_model_without_mtp_layers_or_vision_tower_offers_neither() -> None:
    at = open_page(None, model="Qwen/Qwen3-8B")
    assert not at.exception
    assert not [w for w in at.number_input if w.key == "plan.num_speculative_tokens"]
    assert not [w for w in at.checkbox if w.key == "plan.skip_mm_profiling"]
    # the expander stays, folded, for the KV block size (tests/app/test_block_size.py)
    assert more_options(at) == "More vLLM options" and at.selectbox(key="plan.block_size")
    # a vision model without MTP layers (Qwen3-VL-32B: no mtp_num_hidden_layers) offers only
    # the profiling switch
    vl = open_page(None, model="Qwen/Qwen3-VL-32B-Instruct")
    assert not vl.exception
    assert not [w for w in vl.number_input if w.key == "plan.num_speculative_tokens"]
    assert vl.checkbox(key="plan.skip_mm_profiling")


def test_linked_draft_tokens_on_a_model_without_mtp_are_refused_in_the_clis_words(
        capsys) -> None:
    cli = cli_plan(capsys, "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                   "--num-speculative-tokens", "3")
    refusal = next(e for e in cli["errors"] if "multi-token-prediction" in e)
    at = open_page(None, model="Qwen/Qwen3-8B", spec="3", skipmm="1")
    assert not at.exception
    page = texts(at)
    assert f"MTP draft tokens = 3 is not possible here: {refusal}" in page
    assert ("Skip multimodal profiling = on is not possible here: Qwen/Qwen3-8B has no "
            "vision") in page
    assert (at.query_params["spec"], at.query_params["skipmm"]) == ("0", "0")
    assert "--speculative-config" not in launch_command(at)
    assert "--skip-mm-profiling" not in launch_command(at)


@pytest.mark.parametrize("version", ["0.10.0", "0.10.1"])
def test_skip_mm_profiling_on_a_release_without_the_flag_is_dropped_in_the_clis_words(
        capsys, version: str) -> None:
    # the CLI refuses the flag (exit 2) before vLLM 0.10.1 (vllm_cli fixtures: the flag's
    # first release is 0.10.1); the page drops it with those words, as a MoE backend
    link = {"model": "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "gpu": "h100-sxm",
            "gpn": "8", "vllm": version}
    refusal = (f"vLLM {version}: unrecognized arguments: --skip-mm-profiling (the flag "
               "arrives in vLLM 0.10.1).")
    capsys.readouterr()
    assert main(["plan", "--model", link["model"], "--gpu", "h100-sxm", "--gpus", "8",
                 "--vllm-version", version, "--skip-mm-profiling", "--json"]) == 2
    # 0.10.1 has the flag: its refusal is the release's Llama 4 rule (v1_oracle), not this
    assert (refusal in capsys.readouterr().err) == (version == "0.10.0")
    at = open_page(None, **link, skipmm="1")
    assert not at.exception
    dropped = [w.value for w in at.main.warning if "not possible here" in w.value]
    offered = [w for w in at.checkbox if w.key == "plan.skip_mm_profiling"]
    if version == "0.10.0":
        assert dropped == [f"Skip multimodal profiling = on is not possible here: {refusal} "
                           "Showing Skip multimodal profiling = off instead."]
        assert at.query_params["skipmm"] == "0" and not offered
    else:
        assert not dropped and at.query_params["skipmm"] == "1" and offered


def test_language_model_only_gives_the_clis_plan(capsys) -> None:
    # Qwen3.5-27B builds its Qwen3_VisionTransformer inside _mark_tower_model({"image",
    # "video"}) (qwen3_5.py, 0.17.0-0.34.0): text-only, the tower's weights leave the GPU
    at = open_page(None, **QWEN35)
    weights = metric(at, "Weights per GPU")
    at.checkbox(key="plan.language_model_only").check().run()
    assert_same_plan(at, cli_plan(capsys, *CLI_QWEN35, "--language-model-only"))
    assert launch_command(at).endswith(" --language-model-only")
    assert metric(at, "Weights per GPU") != weights
    assert at.query_params["lmonly"] == "1"
    assert more_options(open_page(None, **QWEN35, lmonly="1")) == "More vLLM options (1 set)"


def test_language_model_only_on_a_release_without_the_flag_is_dropped_in_the_clis_words(
        ) -> None:
    refusal = ("vLLM 0.16.0: unrecognized arguments: --language-model-only (the flag arrives "
               "in vLLM 0.17.0).")
    at = open_page(None, **QWEN35, vllm="0.16.0", lmonly="1")
    assert_dropped(at, "language_model_only", ("on", "off"), refusal, ("lmonly", "0"))


QWEN35_TP2 = {**QWEN35, "gpn": "2", "tp": "2", "pp": "1"}
CLI_QWEN35_TP2 = [*CLI_QWEN35[:5], "2", *CLI_QWEN35[6:], "--tp", "2", "--pp", "1"]


def test_encoder_tp_mode_data_gives_the_clis_plan(capsys) -> None:
    # qwen3_5.py subclasses qwen3_vl.py's class (supports_encoder_tp_data = True): at TP 2
    # data mode holds the whole Qwen3_VisionTransformer on each GPU, so the weights grow
    at = open_page(None, **QWEN35_TP2)
    weights = metric(at, "Weights per GPU")
    assert_same_plan(at, cli_plan(capsys, *CLI_QWEN35_TP2))
    at.selectbox(key="plan.mm_encoder_tp_mode").set_value("data").run()
    cli = cli_plan(capsys, *CLI_QWEN35_TP2, "--mm-encoder-tp-mode", "data")
    assert_same_plan(at, cli)
    assert " --mm-encoder-tp-mode data" in launch_command(at)
    assert metric(at, "Weights per GPU") != weights
    assert at.query_params["mmtp"] == "data"
    linked = open_page(None, **QWEN35_TP2, mmtp="data")
    assert_same_plan(linked, cli)
    assert more_options(linked) == "More vLLM options (1 set)"


@pytest.mark.parametrize(("link", "why"), [
    ({"model": "google/gemma-3-27b-it", "gpu": "h100-sxm", "gpn": "2"},
     "--mm-encoder-tp-mode data: vLLM 0.34.0 does not take it for gemma3 and falls back to "
     "weights (config/model.py: \"This model does not support `--mm-encoder-tp-mode data`\")."),
    ({"model": "Qwen/Qwen3-8B", "gpu": "h100-sxm", "gpn": "2"},
     "Qwen/Qwen3-8B has no vision tower to split.")], ids=["falls back", "no tower"])
def test_encoder_tp_mode_is_offered_only_where_data_mode_changes_the_plan(link, why) -> None:
    at = open_page(None, **link, mmtp="data")
    assert_dropped(at, "mm_encoder_tp_mode", ("data", "weights"), why, ("mmtp", "weights"))
