"""The Plan, Compare and Recommend pages' counts per prompt ("Images per prompt", "Videos per
prompt", "Audio clips per prompt": vLLM --limit-mm-per-prompt, link keys mmimage, mmvideo,
mmaudio) plan what the CLI plans with the same flag; before, the app had no such control.

Qwen3-VL-32B-Instruct (catalog; ../shared/model-configs: vision patch_size 16,
spatial_merge_size 2), its image processor's largest image 65,536 patches (the plan's own
figure, noted unverified there) = 65,536 / (2 x 2 merge) = 16,384 tokens an image. vLLM's
profile encodes max(1, min(budget // tokens, max_num_seqs x max(1, min(limit,
max_model_len // tokens)))) dummy images (multimodal/encoder_budget.py _get_max_items). At
max_model_len 131,072, --max-num-batched-tokens 131,072 and --max-num-seqs 1:
  vLLM's default 999: min(131,072 // 16,384 = 8, 1 x max(1, min(999, 8)))  = 8 images
                      = 8 x 65,536 = 524,288 patches
  {"image": 2, "video": 0}: min(8, 1 x max(1, min(2, 8)))                   = 2 images
                      = 2 x 65,536 = 131,072 patches
The tower stays built (image above 0): the weights are unchanged. With image and video at 0 the
model is served text-only: the tower (1,190,533,600 B at TP 1) and its deepstack buffers
(251,658,240 B on an H100), hand-worked in tests/planner/serving/test_mm_modes.py, leave the
GPU: 1,442,191,840 B less.
"""

import json
from pathlib import Path

import pytest

from cli.planner_cli import main
from tests.app import conftest as app
from ui import format as fmt

VL, TEXT = "Qwen/Qwen3-VL-32B-Instruct", "Qwen/Qwen3-32B"
E2B = "google/gemma-4-E2B-it"
E2B_CONFIG = (Path(__file__).resolve().parents[1] / "fixtures" / "gemma4"
              / "google__gemma-4-E2B-it.json")
PLAN = {"model": VL, "gpu": "h100-sxm", "gpn": "2", "len": "131072", "seqs": "1",
        "mbt": "131072"}
CLI_PLAN = ["plan", "--model", VL, "--gpu", "h100-sxm", "--gpus", "2", "--max-model-len",
            "131072", "--max-num-seqs", "1", "--max-num-batched-tokens", "131072"]
LIMITS = '{"image": 2, "video": 0}'
FIELDS = ("mm_limit_image", "mm_limit_video", "mm_limit_audio")


def _cli(capsys, *argv: str) -> dict:
    """The CLI's JSON (argv with --json, or report's --format json), in-process."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _fields(at, page: str = "plan") -> dict[str, int | None]:
    """The page's count fields shown: field -> value."""
    return {w.key.split(".")[-1]: w.value for w in at.number_input
            if w.key.split(".")[-1] in FIELDS and w.key.startswith(f"{page}.")}


def _assert_clis_plan(at, cli: dict) -> None:
    assert not at.exception and cli["fits"]
    assert app.metric(at, "Weights per GPU") == fmt.gib(cli["weights_bytes_per_gpu"])
    assert app.metric(at, "KV pool per GPU") == fmt.gib(cli["kv_cache_bytes_per_gpu"])
    assert f"{cli['activation_bytes_per_gpu']:,} B" in app.texts(at)
    assert app.launch_command(at) == cli["vllm_command"]


def test_plan_counts_give_the_clis_plan(capsys) -> None:
    at = app.open_page(None, **PLAN)
    assert _fields(at) == {"mm_limit_image": None, "mm_limit_video": None}  # no audio tower
    assert "8 dummy images at the image processor's largest size, unverified: 524,288 " \
           "patches" in app.texts(at)  # by hand, above
    at.number_input(key="plan.mm_limit_image").set_value(2).run()
    at.number_input(key="plan.mm_limit_video").set_value(0).run()
    cli = _cli(capsys, *CLI_PLAN, "--limit-mm-per-prompt", LIMITS, "--json")
    _assert_clis_plan(at, cli)
    assert "2 dummy images at the image processor's largest size, unverified: 131,072 " \
           "patches" in app.texts(at)  # by hand, above
    assert app.launch_command(at).endswith(" --limit-mm-per-prompt '" + LIMITS + "'")
    assert cli["weights_bytes_per_gpu"] == _cli(capsys, *CLI_PLAN, "--json")[
        "weights_bytes_per_gpu"]  # the tower still built
    assert (at.query_params["mmimage"], at.query_params["mmvideo"]) == ("2", "0")
    assert app.more_options(at) == "More vLLM options (1 set)"


def test_every_modality_at_0_is_text_only(capsys) -> None:
    link = {"model": VL, "gpu": "h100-sxm", "gpn": "1", "len": "16384"}
    before = app.weights_bytes(app.open_page(None, **link))
    at = app.open_page(None, **link, mmimage="0", mmvideo="0")
    assert not at.exception
    assert before - app.weights_bytes(at) == 1_442_191_840  # by hand, above
    cli = _cli(capsys, "plan", "--model", VL, "--gpu", "h100-sxm", "--gpus", "1",
               "--max-model-len", "16384", "--limit-mm-per-prompt",
               '{"image": 0, "video": 0}', "--json")
    assert cli["fits"] and app.weights_bytes(at) == cli["weights_bytes_per_gpu"]
    assert app.launch_command(at) == cli["vllm_command"]


def test_a_text_model_offers_no_count_and_plans_without_it() -> None:
    at = app.open_page(None, model=TEXT, gpu="h100-sxm", gpn="1", mmimage="2")
    assert not at.exception and _fields(at) == {}
    assert "--limit-mm-per-prompt" not in app.launch_command(at)
    assert app.more_options(at) == "More vLLM options"
    assert at.query_params["mmimage"] == "2"  # kept for a vision model looked at next


def test_a_count_before_vllm_0_16_is_refused_in_the_clis_words(capsys) -> None:
    at = app.open_page(None, **PLAN, vllm="0.15.0", mmimage="2", mmvideo="0")
    assert not at.exception
    why = ("--limit-mm-per-prompt image 2: Headroom plans a count above 0 from vLLM 0.16.0 "
           "only (how vLLM 0.15.0 sizes its encoder profile from it is not read); a limit of "
           "0 is planned")
    assert [e.value for e in at.error] == [f"Does not fit: `{why[:21]}`{why[21:]}"]
    capsys.readouterr()
    assert main([*CLI_PLAN, "--vllm-version", "0.15.0", "--limit-mm-per-prompt", LIMITS]) == 2
    assert why in capsys.readouterr().err


def test_the_link_round_trips_and_bad_values_are_ignored() -> None:
    at = app.open_link("plan", **PLAN, mmimage="2", mmvideo="0")
    assert not at.exception
    assert _fields(at) == {"mm_limit_image": 2, "mm_limit_video": 0}
    assert (at.query_params["mmimage"], at.query_params["mmvideo"]) == ("2", "0")
    at.number_input(key="plan.mm_limit_video").set_value(None).run()  # emptied: vLLM's 999
    assert "mmvideo" not in at.query_params
    assert app.launch_command(at).endswith(""" --limit-mm-per-prompt '{"image": 2}'""")
    bad = app.open_link("plan", **PLAN, mmimage="-1", mmvideo="two")
    assert _fields(bad) == {"mm_limit_image": None, "mm_limit_video": None}
    assert [w.value for w in bad.sidebar.warning if "mm" in w.value] == [
        "Link parameter mmimage='-1' ignored: the value must be greater than or equal to 0.",
        "Link parameter mmvideo='two' ignored: the value must be a valid integer, unable to "
        "parse string as an integer."]


def test_compare_counts_plan_each_row_as_report_compare(capsys) -> None:
    # the page's engine limits (not the Plan page's --max-num-seqs): one dummy image either
    # way (8,192 // 16,384 = 0, max(1, 0) = 1), the grid report --compare's
    at = app.open_page("compare", model=VL, cmp=f"{VL},{TEXT}", gpu="h100-sxm", gpn="2",
                   ctx="32768")
    assert set(_fields(at, "compare")) == {"mm_limit_image", "mm_limit_video"}
    at.number_input(key="compare.mm_limit_image").set_value(2).run()
    at.number_input(key="compare.mm_limit_video").set_value(0).run()
    assert not at.exception
    rows = at.dataframe[0].value.set_index("model").to_dict("index")
    report = _cli(capsys, "report", "--model", VL, "--compare", TEXT, "--gpu", "h100-sxm",
                  "--gpus", "2", "--max-model-len", "32768", "--limit-mm-per-prompt", LIMITS,
                  "--format", "json")
    for row in report["comparison"]:
        assert rows[row["model_name"]]["concurrency at 32,768"] == round(
            row["max_concurrency"], 2)
    caption = " ".join(c.value for c in at.caption).replace("\\", "").replace("`", "")
    assert f"--limit-mm-per-prompt '{LIMITS}' on the models with a vision tower" in caption


@pytest.fixture
def e2b_hub(hub_reply):
    """google/gemma-4-E2B-it answers with its verbatim config (tests/fixtures/gemma4)."""
    hub_reply(E2B, json.loads(E2B_CONFIG.read_text(encoding="utf-8")))


@pytest.mark.usefixtures("e2b_hub")
def test_recommend_refuses_an_audio_tower_left_as_the_cli_does(capsys) -> None:
    at = app.open_page("recommend", model=E2B, mmimage="0", mmvideo="0")
    assert _fields(at, "recommend") == {"mm_limit_image": 0, "mm_limit_video": 0,
                                        "mm_limit_audio": None}
    capsys.readouterr()
    assert main(["recommend", "--model", str(E2B_CONFIG), "--gpu", "h100-sxm",
                 "--limit-mm-per-prompt", '{"image": 0, "video": 0}']) == 2
    err = capsys.readouterr().err
    why = err[err.index("--limit-mm-per-prompt"):].strip().rstrip(".")  # the CLI's refusal
    assert "audio_tower" in why
    assert not at.exception
    shown = [e.value.replace("\\", "") for e in at.error]
    assert len(shown) == 1 and shown[0].startswith(f"Cannot search: {E2B}: {why}")
    assert not [b for b in at.button if b.key == "recommend.run"]
    # audio at 0 too: served text-only, searched
    at.number_input(key="recommend.mm_limit_audio").set_value(0).run()
    assert not at.exception and not at.error
