"""Compare and Recommend pages: "Language model only" and "Encoder TP mode" (link keys lmonly,
mmtp), offered where one of the page's models takes them, plan what the CLI plans with
--language-model-only / --mm-encoder-tp-mode data. Before, both pages planned every model
with the tower whatever the Plan page's box said.

Qwen3-VL-32B-Instruct's tower, by hand (tests/planner/serving/test_mm_modes.py): 1,190,533,600
B at TP 1 and 251,658,240 B of deepstack buffers on an H100: text-only, 1,442,191,840 B less
per GPU (1.34 GiB); a text model (Qwen3-32B) is planned as without the flags.
"""

import json
from pathlib import Path

import pytest

from cli.planner_cli import main
from tests.app.conftest import open_link, open_page
from ui.state import LABELS

VL, TEXT = "Qwen/Qwen3-VL-32B-Instruct", "Qwen/Qwen3-32B"
E2B = "google/gemma-4-E2B-it"
E2B_CONFIG = (Path(__file__).resolve().parents[1] / "fixtures" / "gemma4"
              / "google__gemma-4-E2B-it.json")
COMPARE = {"model": VL, "cmp": f"{VL},{TEXT}", "gpu": "h100-sxm", "gpn": "1", "ctx": "32768"}


def _cli(capsys, *argv: str) -> dict:
    """The CLI's JSON (argv with --json, or report's --format json), in-process."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _plan(capsys, model: str, *flags: str) -> dict:
    return _cli(capsys, "plan", "--model", model, "--gpu", "h100-sxm", "--gpus", "1",
                "--max-model-len", "32768", "--json", *flags)


def _grid(at) -> dict:
    return at.dataframe[0].value.set_index("model").to_dict("index")


def _replaced(at) -> list[str]:
    return [w.value for w in at.warning if "is not possible here" in w.value]


def test_compare_language_model_only_plans_each_row_as_the_cli(capsys) -> None:
    at = open_page("compare", **COMPARE)
    assert not at.exception
    before = _grid(at)
    at.checkbox(key="compare.language_model_only").check().run()
    assert not at.exception and at.query_params["lmonly"] == "1"
    rows = _grid(at)
    for model, flags in ((VL, ("--language-model-only",)), (TEXT, ())):
        cli = _plan(capsys, model, *flags)
        assert rows[model]["weights per GPU (GiB)"] == round(
            cli["weights_bytes_per_gpu"] / 2**30, 2)
        assert rows[model]["concurrency at 32,768"] == round(cli["max_concurrency"], 2)
    # the tower and its deepstack buffers off the VL model's GPU; the text model as it was
    assert round(before[VL]["weights per GPU (GiB)"] - rows[VL]["weights per GPU (GiB)"],
                 2) == round(1_442_191_840 / 2**30, 2) == 1.34
    assert rows[TEXT] == before[TEXT]
    caption = " ".join(c.value for c in at.caption)
    assert "--language-model-only` on the models with a vision tower" in caption
    # report --compare with the flag gives the same rows (the CLI's compare)
    report = _cli(capsys, "report", "--model", VL, "--compare", TEXT, "--gpu", "h100-sxm",
                  "--gpus", "1", "--max-model-len", "32768", "--language-model-only",
                  "--format", "json")
    by_model = {r["model_name"]: r for r in report["comparison"]}
    for model, flags in ((VL, ("--language-model-only",)), (TEXT, ())):
        cli = _plan(capsys, model, *flags)
        assert by_model[model]["weights_bytes_per_gpu"] == cli["weights_bytes_per_gpu"]
        assert by_model[model]["max_concurrency"] == cli["max_concurrency"]


def test_compare_encoder_tp_mode_data_follows_the_cli_at_tp2(capsys) -> None:
    at = open_page("compare", **{**COMPARE, "gpn": "2", "tp": "2"})
    at.selectbox(key="compare.mm_encoder_tp_mode").set_value("data").run()
    assert not at.exception and at.query_params["mmtp"] == "data"
    cli = _cli(capsys, "plan", "--model", VL, "--gpu", "h100-sxm", "--gpus", "2", "--tp", "2",
               "--max-model-len", "32768", "--mm-encoder-tp-mode", "data", "--json")
    assert _grid(at)[VL]["weights per GPU (GiB)"] == round(
        cli["weights_bytes_per_gpu"] / 2**30, 2)


def test_compare_offers_neither_for_text_models() -> None:
    at = open_page("compare", cmp=f"{TEXT},Qwen/Qwen3-8B")
    assert not at.exception
    keys = {w.key for w in (*at.checkbox, *at.selectbox)}
    assert not {"compare.language_model_only", "compare.mm_encoder_tp_mode"} & keys


def test_a_text_plan_page_model_keeps_the_compare_pages_choice() -> None:
    # the Plan page's model has no tower: the Plan page replaces the box (it cannot take it),
    # the Compare page, opened by the link, keeps it for its vision model
    at = open_link("compare", **{**COMPARE, "model": TEXT}, lmonly="1")
    assert not at.exception and not _replaced(at)
    assert at.checkbox(key="compare.language_model_only").value
    assert at.query_params["lmonly"] == "1"
    at.switch_page("ui/pages/plan.py")
    at.run()
    assert [LABELS["language_model_only"] in w for w in _replaced(at)] == [True]


@pytest.mark.parametrize("page", ["compare", "recommend"])
def test_a_release_without_the_flag_replaces_it_on_every_page(page) -> None:
    at = open_link(page, **COMPARE, vllm="0.16.0", lmonly="1")
    assert not at.exception
    assert [w for w in _replaced(at) if LABELS["language_model_only"] in w] == [
        "Language model only = on is not possible here: vLLM 0.16.0: unrecognized arguments: "
        "--language-model-only (the flag arrives in vLLM 0.17.0). Showing Language model "
        "only = off instead."]
    assert not [w for w in at.checkbox if w.key == f"{page}.language_model_only"]


def test_recommend_language_model_only_rows_are_the_clis(capsys) -> None:
    at = open_page("recommend", model=VL)
    at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    at.number_input(key="recommend.context").set_value(32768).run()
    at.number_input(key="recommend.concurrency").set_value(8).run()
    at.checkbox(key="recommend.language_model_only").check().run()
    assert at.query_params["lmonly"] == "1"
    at.button(key="recommend.run").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    cli = _cli(capsys, "recommend", "--model", VL, "--gpu", "h100-sxm", "--context", "32768",
               "--concurrency", "8", "--language-model-only", "--json")
    row = cli["rows"][0]
    assert table["GPUs"].iloc[0] == f"{row['gpus']}x {row['gpu_name']}"
    assert table["$/hour"].iloc[0] == round(row["usd_per_hour"], 2)
    # the page's command, one flag a line, is the CLI's
    assert [c.value.replace(" \\\n  ", " ") for c in at.code] == [row["vllm_command"]]
    assert row["vllm_command"].endswith(" --language-model-only")


@pytest.fixture
def e2b_hub(hub_reply):
    """google/gemma-4-E2B-it answers with its verbatim config (tests/fixtures/gemma4)."""
    hub_reply(E2B, json.loads(E2B_CONFIG.read_text(encoding="utf-8")))


@pytest.mark.usefixtures("e2b_hub")
@pytest.mark.parametrize("lm_only", [False, True])
def test_recommend_shows_the_model_warnings_the_cli_gives(capsys, lm_only) -> None:
    # Gemma 4 E2B's audio tower: vLLM 0.19.0 on builds none under --language-model-only
    # (gemma4_mm.py _mark_tower_model(vllm_config, "audio")), so the CLI's recommend drops the
    # parser's warning of it (mm_modes.served_towers); the page showed it regardless
    at = open_page("recommend", model=E2B)
    at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    at.number_input(key="recommend.context").set_value(8192).run()
    if lm_only:
        at.checkbox(key="recommend.language_model_only").check().run()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    cli = _cli(capsys, "recommend", "--model", str(E2B_CONFIG), "--gpu", "h100-sxm",
               "--context", "8192", "--json", *(["--language-model-only"] if lm_only else []))
    audio = [w for w in cli["model_warnings"] if w.startswith("audio_config: ")]
    assert len(audio) == (0 if lm_only else 1)
    shown = [w.value.replace("\\", "") for w in at.warning]
    assert [w for w in shown if "audio_config: " in w] == [f"{E2B}: {w}" for w in audio]
