""""Prefix caching" (default / on / off: the CLI's --enable-prefix-caching /
--no-enable-prefix-caching, link key `prefix`, left out at the release default) under the Plan
page's "More vLLM options" for every model, and with "Mamba cache mode" / "Mamba block size"
(mambamode, mambablock) on the Compare and Recommend pages where one of their models has
Mamba or Gated DeltaNet layers (ui.settle.mamba_paging_inputs), one choice for every row as
recommend and report --compare take the flags.

By hand (tests/planner/serving/test_prefix_caching_flag.py, test_mamba_cache_mode_flag.py,
tests/app/test_runner_state_dtypes_other_pages.py): Nemotron-3-Nano on one H100 at vLLM 0.30.0
holds 822 blocks of 2,096 tokens; a 262,144-token request 126 attention pages + 4 Mamba
groups x 2 state pages ("align", prefix caching on by default) = 134: 1,608,077 KV tokens;
off, 1 state page a group: 130, int(822 x 262,144 / 130) = 1,657,556. At 0.34.0 in BF16 KV
(the Compare page's) 816 blocks of 2,112 tokens, 125 + 4 x 3 = 137 a request (5.96 requests),
off 125 + 4 x 1 = 129 (816 / 129 = 6.33); in FP8 KV (the Recommend page's H100 row) 4,224-token
blocks, 63 + 4 x 3 = 75 a request, off 63 + 4 = 67. In "all" at 0.30.0 the block is 128 x
cdiv(2,084, 128) = 2,176 tokens.
"""

import json

from cli.planner_cli import main
from tests.app.conftest import launch_command, more_options, open_page, texts
from tests.app.test_runner_state_dtypes_other_pages import _recommend, _searched

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
QWEN3_8B = "Qwen/Qwen3-8B"
NANO_H100 = {"model": NANO, "gpu": "h100-sxm", "gpn": "1", "vllm": "0.30.0"}
PAGING = ("prefix_caching", "mamba_cache_mode", "mamba_block_size")


def _cli(capsys, *argv: str) -> dict:
    """The CLI's JSON, in-process."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _boxes(at, page: str) -> set[str]:
    """The paging boxes `page` shows."""
    keys = {f"{page}.{field}" for field in PAGING}
    return {w.key for w in [*at.selectbox, *at.number_input] if w.key in keys}


def test_plan_off_holds_one_state_page_and_round_trips_the_link(capsys) -> None:
    at = open_page(None, **NANO_H100)
    box = at.selectbox(key="plan.prefix_caching")
    assert box.options == ["default", "on", "off"] and box.value == "auto"
    assert "1,608,077 KV tokens" in texts(at) and "prefix" not in at.query_params
    box.select("off").run()
    assert not at.exception and at.query_params["prefix"] == "off"
    assert "822 blocks = 1,657,556 KV tokens" in texts(at)
    cli = _cli(capsys, "plan", "--model", NANO, "--gpu", "h100-sxm", "--gpus", "1",
               "--vllm-version", "0.30.0", "--no-enable-prefix-caching", "--json")
    assert cli["kv_cache_tokens"] == 1_657_556
    assert launch_command(at) == cli["vllm_command"]
    assert launch_command(at).endswith(" --no-enable-prefix-caching")
    linked = open_page(None, **NANO_H100, prefix="off")
    assert not linked.exception and launch_command(linked) == cli["vllm_command"]
    assert more_options(linked) == "More vLLM options (1 set)"


def test_plan_offers_it_for_a_model_without_state_too() -> None:
    at = open_page(None, model=QWEN3_8B, gpu="h100-sxm", gpn="1", vllm="0.30.0",
                   prefix="off")
    assert not at.exception and _boxes(at, "plan") == {"plan.prefix_caching"}
    assert launch_command(at).endswith(" --no-enable-prefix-caching")


def test_compare_offers_them_for_a_compared_hybrid_and_plans_them(capsys) -> None:
    at = open_page("compare", model=QWEN3_8B, gpu="h100-sxm", gpn="1", vllm="0.34.0",
                   cmp=f"{NANO},{QWEN3_8B}", ctx="262144")
    assert not at.exception
    assert _boxes(at, "compare") == {f"compare.{field}" for field in PAGING}
    grid = at.dataframe[0].value.set_index("model")
    assert grid.loc[NANO, "concurrency at 262,144"] == 5.96
    at.selectbox(key="compare.prefix_caching").select("off").run()
    assert not at.exception and at.query_params["prefix"] == "off"
    grid = at.dataframe[0].value.set_index("model")
    assert grid.loc[NANO, "concurrency at 262,144"] == 6.33
    assert ("`--no-enable-prefix-caching` on the models with Mamba or Gated DeltaNet layers"
            in at.caption[0].value)
    cli = _cli(capsys, "report", "--model", QWEN3_8B, "--compare", NANO, "--gpu", "h100-sxm",
               "--gpus", "1", "--vllm-version", "0.34.0", "--max-model-len", "262144",
               "--no-enable-prefix-caching", "--format", "json")
    for row in cli["comparison"]:
        assert grid.loc[row["model_name"], "concurrency at 262,144"] == round(
            row["max_concurrency"], 2)


def test_compare_offers_none_without_a_hybrid() -> None:
    at = open_page("compare", model=QWEN3_8B, gpu="h100-sxm", gpn="1",
                   cmp=f"{QWEN3_8B},Qwen/Qwen3-30B-A3B", ctx="8192", prefix="off")
    assert not at.exception and _boxes(at, "compare") == set()
    assert "prefix-caching" not in at.caption[0].value


def test_recommend_off_holds_one_state_page(capsys) -> None:
    at = _recommend(NANO, "0.34.0", 262_144)
    assert _boxes(at, "recommend") == {f"recommend.{field}" for field in PAGING}
    auto, auto_command = _searched(at)
    at.selectbox(key="recommend.prefix_caching").select("off").run()
    assert at.query_params["prefix"] == "off"
    off, command = _searched(at)
    assert "KV fp8 " in auto and "KV fp8 " in off
    assert "(262,144 tokens per 75 blocks:" in auto
    assert "(262,144 tokens per 67 blocks:" in off
    assert command == auto_command + " --no-enable-prefix-caching"
    cli = _cli(capsys, "recommend", "--model", NANO, "--gpu", "h100-sxm", "--vllm-version",
               "0.34.0", "--context", "262144", "--input-len", "1024", "--output-len", "1024",
               "--concurrency", "4", "--no-enable-prefix-caching", "--json")["rows"][0]
    assert cli["vllm_command"] == command


def test_recommend_mode_all_moves_the_block(capsys) -> None:
    at = _recommend(NANO, "0.30.0", 8_192)
    at.selectbox(key="recommend.mamba_cache_mode").select("all").run()
    assert at.query_params["mambamode"] == "all"
    caption, command = _searched(at)
    assert command.endswith(" --mamba-cache-mode all")
    # a longer request's max_model_len is this page's Context field (it named the Plan page's)
    assert caption.endswith(" (max_model_len; the KV cache holds one of 262,144 at a larger "
                            "max_model_len (this page's Context field)).")
    cli = _cli(capsys, "recommend", "--model", NANO, "--gpu", "h100-sxm", "--vllm-version",
               "0.30.0", "--context", "8192", "--input-len", "1024", "--output-len", "1024",
               "--concurrency", "4", "--mamba-cache-mode", "all", "--json")["rows"][0]
    assert cli["vllm_command"] == command


def test_recommend_keeps_them_out_without_a_hybrid() -> None:
    at = open_page("recommend", model=QWEN3_8B, prefix="off", mambamode="align")
    assert _boxes(at, "recommend") == set()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    assert not [c for c in at.code if "prefix-caching" in c.value or "--mamba" in c.value]
