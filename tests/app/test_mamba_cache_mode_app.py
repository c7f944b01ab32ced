"""Plan page, "More vLLM options": "Mamba cache mode" and "Mamba block size", the CLI's
--mamba-cache-mode and --mamba-block-size (link keys `mambamode`, `mambablock`, left out while
unset), offered on the Plan page for a model with Mamba or Gated DeltaNet layers only (on the
Compare and Recommend pages where one of theirs has such layers), the modes the release's
parser takes (config/cache.py MambaCacheMode: all/align/none 0.15.0-0.31.0, align/none from
0.32.0; no flag before 0.15.0), the block size from 0.11.1.

Nemotron-3-Nano on one H100 at vLLM 0.30.0 (prefix caching on for hybrids from 0.28.0):
"align", its default, 2,096-token blocks and 1,608,077 KV tokens; "all" 128 x cdiv(2,084, 128)
= 2,176-token blocks, 121 pages a group, 792 blocks = 343,170 KV tokens; with a 512-token Mamba
block 512 x cdiv(2,084, 512) = 2,560, 673 blocks = 342,568 (worked by hand in
tests/planner/serving/test_mamba_cache_mode_flag.py)."""

import json

import pytest

from cli.planner_cli import main
from tests.app.conftest import launch_command, more_options, open_link, open_page, texts

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
NANO_H100 = {"model": NANO, "gpu": "h100-sxm", "gpn": "1", "vllm": "0.30.0"}
MODE, BLOCK = "plan.mamba_cache_mode", "plan.mamba_block_size"


def _cli(capsys, *argv: str) -> dict:
    """The CLI's JSON, in-process."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _modes(at) -> list[str] | None:
    """The Mamba cache mode box's options; None where it is not offered."""
    boxes = [box for box in at.selectbox if box.key == MODE]
    return boxes[0].options if boxes else None


@pytest.mark.parametrize(("model", "release", "modes", "block"), [
    (NANO, "0.30.0", ["auto", "all", "align", "none"], True),
    (NANO, "0.34.0", ["auto", "align", "none"], True),
    (NANO, "0.14.0", None, True),  # the mode from 0.15.0, the block size from 0.11.1
    ("Qwen/Qwen3-8B", "0.30.0", None, False),
])
def test_offered_for_a_hybrid_with_the_releases_modes(model, release, modes, block) -> None:
    at = open_page(None, model=model, gpu="h100-sxm", gpn="8", vllm=release)
    assert not at.exception
    assert _modes(at) == modes
    assert any(box.key == BLOCK for box in at.number_input) == block


def test_all_and_a_block_plan_as_the_cli_and_round_trip_the_link(capsys) -> None:
    at = open_page(None, **NANO_H100)
    assert not at.exception and "mambamode" not in at.query_params
    assert "1,608,077 KV tokens" in texts(at)  # auto: align
    at.selectbox(key=MODE).select("all").run()
    assert not at.exception and at.query_params["mambamode"] == "all"
    assert "792 blocks = 343,170 KV tokens" in texts(at)
    at.number_input(key=BLOCK).set_value(512).run()
    assert not at.exception and at.query_params["mambablock"] == "512"
    cli = _cli(capsys, "plan", "--model", NANO, "--gpu", "h100-sxm", "--gpus", "1",
               "--vllm-version", "0.30.0", "--mamba-cache-mode", "all", "--mamba-block-size",
               "512", "--json")
    assert cli["kv_cache_tokens"] == 342_568
    assert "673 blocks = 342,568 KV tokens" in texts(at)
    assert launch_command(at) == cli["vllm_command"]
    assert launch_command(at).endswith(" --mamba-cache-mode all --mamba-block-size 512")
    linked = open_page(None, **NANO_H100, mambamode="all", mambablock="512")
    assert not linked.exception and launch_command(linked) == cli["vllm_command"]
    assert more_options(linked) == "More vLLM options (2 set)"
    at.selectbox(key=MODE).select("auto").run()
    at.number_input(key=BLOCK).set_value(None).run()
    assert "mambamode" not in at.query_params and "mambablock" not in at.query_params
    assert "1,608,077 KV tokens" in texts(at) and "--mamba" not in launch_command(at)


def test_a_linked_mode_the_release_lacks_is_replaced_by_auto_saying_why() -> None:
    at = open_link("plan", **{**NANO_H100, "vllm": "0.34.0"}, mambamode="all")
    assert not at.exception and at.selectbox(key=MODE).value == "auto"
    assert ("Mamba cache mode = all is not possible here: vLLM 0.34.0: argument "
            "--mamba-cache-mode: invalid choice: 'all' (choose from 'align', 'none'). "
            "Showing Mamba cache mode = auto instead.") in texts(at)
    assert "--mamba-cache-mode" not in launch_command(at)


def test_a_linked_block_size_the_release_lacks_is_dropped_saying_why() -> None:
    at = open_link("plan", **{**NANO_H100, "vllm": "0.10.0"}, mambablock="256")
    assert not at.exception and "mambablock" not in at.query_params
    assert ("Mamba block size (tokens) = 256 is not possible here: vLLM 0.10.0: unrecognized "
            "arguments: --mamba-block-size (the flag arrives in vLLM 0.11.1). Showing Mamba "
            "block size (tokens) = not passed instead.") in texts(at)
    assert "--mamba-block-size" not in launch_command(at)


def test_a_block_without_prefix_caching_is_the_plans_error_in_vllms_words() -> None:
    at = open_link("plan", **{**NANO_H100, "vllm": "0.27.0"}, mambablock="256")
    assert not at.exception
    assert ("\"--mamba-block-size can only be set with --enable-prefix-caching\""
            in texts(at))


def test_the_report_page_plans_with_them() -> None:
    report = open_page("report", **NANO_H100, mambamode="all")
    assert not report.exception and "343,170" in texts(report)
    assert "--mamba-cache-mode all" in texts(report)


def test_the_compare_page_plans_them_for_a_compared_hybrid() -> None:
    # Compare offers them where a compared model has such layers (tests/app/
    # test_prefix_caching_app.py) and names them in its caption, as report --compare
    at = open_page("compare", **NANO_H100, cmp=f"{NANO},Qwen/Qwen3-8B", ctx="8192",
                   mambamode="all")
    assert not at.exception and at.selectbox(key="compare.mamba_cache_mode").value == "all"
    assert "`--mamba-cache-mode` all on the models" in " ".join(c.value for c in at.caption)
