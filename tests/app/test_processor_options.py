"""The processor options (vLLM --mm-processor-kwargs, link key mmkw) on the Plan, Compare and
Recommend pages: a field per key Headroom plans, shown only for a model whose processor reads
it (Gemma 4 max_soft_tokens, Llama 4 max_patches, Gemma 3 do_pan_and_scan), each plan the CLI's
with the flag. Before, the flag was CLI-only.

Llama 4 Scout on 8 H200s at 8,192 tokens, by hand in tests/planner/serving/test_mm_processor.py:
max_patches 4 makes vLLM's largest image 4 tiles, 5 chunks of 576 patches, 720 tokens: the
encoder profile runs 8,192 // 720 = 11 dummy images, 31,680 patches (3 of 9,792 = 29,376 by
default). At 1,024 tiles (the most Headroom plans) the image is 1,025 chunks (the global one
added), 1,025 x 576 = 590,400 patches and 1,025 x 144 = 147,600 tokens, above 8,192: one dummy
image (max(1, 8,192 // 147,600)), 590,400 patches, so the activation term grows and the KV
pool beside it shrinks.
"""

import json

import pytest

from cli.planner_cli import main
from tests.app.conftest import launch_command, metric, more_options, open_link, open_page
from ui import format as fmt

SCOUT, GEMMA3, GEMMA4 = ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "google/gemma-3-27b-it",
                         "google/gemma-4-26B-A4B")
SCOUT_LINK = {"model": SCOUT, "gpu": "h200", "gpn": "8", "len": "8192", "ep": "0"}
TILES = ("--mm-processor-kwargs", '{"max_patches": 1024}')
FIELDS = {"max_soft_tokens": "selectbox", "max_patches": "number_input",
          "do_pan_and_scan": "checkbox"}


def _cli(capsys, *argv: str) -> dict:
    """The CLI's JSON, in-process."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _fields(at, page: str) -> dict[str, object]:
    """The processor option fields on the page, by key: their values."""
    prefix = f"{page}.mm_processor_kwargs."
    return {w.key.removeprefix(prefix): w.value for kind in set(FIELDS.values())
            for w in getattr(at, kind) if (w.key or "").startswith(prefix)}


def test_plan_page_max_patches_gives_the_clis_plan_and_round_trips_its_link(capsys) -> None:
    at = open_page(None, **SCOUT_LINK)
    assert _fields(at, "plan") == {"max_patches": None}
    pool = metric(at, "KV pool per GPU")
    at.number_input(key="plan.mm_processor_kwargs.max_patches").set_value(1024).run()
    assert not at.exception and at.query_params["mmkw"] == '{"max_patches": 1024}'
    cli = _cli(capsys, "plan", "--model", SCOUT, "--gpu", "h200", "--gpus", "8",
               "--max-model-len", "8192", *TILES, "--json")
    inputs = next(t for t in cli["terms"] if t["key"] == "activation")["inputs"]
    # by hand: one image of 1,025 chunks x 576 patches
    assert (inputs["encoder_dummy_items"], inputs["encoder_patches"]) == ("1", "590400")
    assert metric(at, "KV pool per GPU") == fmt.gib(cli["kv_cache_bytes_per_gpu"]) != pool
    assert launch_command(at) == cli["vllm_command"]
    assert launch_command(at).count(" --mm-processor-kwargs '{\"max_patches\": 1024}'") == 1
    linked = open_page(None, **SCOUT_LINK, mmkw='{"max_patches": 1024}')
    assert not linked.exception and _fields(linked, "plan") == {"max_patches": 1024}
    assert launch_command(linked) == cli["vllm_command"]
    assert more_options(linked) == "More vLLM options (1 set)"
    # emptied: the processor's default again, out of the link and the command
    at.number_input(key="plan.mm_processor_kwargs.max_patches").set_value(None).run()
    assert "mmkw" not in at.query_params and metric(at, "KV pool per GPU") == pool
    assert "--mm-processor-kwargs" not in launch_command(at)


@pytest.mark.parametrize(("model", "fields"), [
    (GEMMA4, {"max_soft_tokens": None}), (GEMMA3, {"do_pan_and_scan": False}),
    ("Qwen/Qwen3-VL-32B-Instruct", {}), ("Qwen/Qwen3-8B", {})])
def test_plan_page_offers_the_keys_its_models_processor_reads(model, fields) -> None:
    at = open_page(None, model=model, gpu="h100-sxm", gpn="1")
    assert not at.exception and _fields(at, "plan") == fields
    if "max_soft_tokens" in fields:
        options = at.selectbox(key="plan.mm_processor_kwargs.max_soft_tokens").options
        assert options[1:] == ["70", "140", "280", "560", "1,120"]


def test_gemma_4_soft_tokens_and_gemma_3_pan_and_scan_reach_the_command() -> None:
    at = open_page(None, model=GEMMA4, gpu="h100-sxm", gpn="1")
    at.selectbox(key="plan.mm_processor_kwargs.max_soft_tokens").set_value(1120).run()
    assert not at.exception and at.query_params["mmkw"] == '{"max_soft_tokens": 1120}'
    assert launch_command(at).endswith(" --mm-processor-kwargs '{\"max_soft_tokens\": 1120}'")
    at = open_page(None, model=GEMMA3, gpu="h100-sxm", gpn="1", len="8192")
    at.checkbox(key="plan.mm_processor_kwargs.do_pan_and_scan").check().run()
    assert at.query_params["mmkw"] == '{"do_pan_and_scan": true}'
    assert "--mm-processor-kwargs '{\"do_pan_and_scan\": true}'" in launch_command(at)
    at.checkbox(key="plan.mm_processor_kwargs.do_pan_and_scan").uncheck().run()
    assert "mmkw" not in at.query_params


def test_bad_values_are_refused_in_the_clis_words_not_raised() -> None:
    at = open_page(None, **SCOUT_LINK)
    at.number_input(key="plan.mm_processor_kwargs.max_patches").set_value(0).run()
    assert not at.exception and "mmkw" not in at.query_params
    assert [w.value for w in at.main.warning if "refused" in w.value] == [
        "Llama 4 image tiles = 0 refused: max_patches 0: a whole number of tiles, 1 to 1,024. "
        "Kept empty (the default)."]
    # the field keeps the 0 typed, to correct; the plan its default (no mmkw in the link)
    assert at.number_input(key="plan.mm_processor_kwargs.max_patches").value == 0
    for link, why in (('{"max_soft_tokens": 300}', "max_soft_tokens 300: vLLM's Gemma 4 "
                       "processor takes one of 70, 140, 280, 560, 1120"),
                      ('{"num_crops": 4}', '"num_crops": Headroom plans max_soft_tokens'),
                      ("max_patches=4", "'max_patches=4' is not JSON")):
        linked = open_link("plan", model=GEMMA4, mmkw=link)
        assert not linked.exception and "mmkw" not in linked.query_params
        messages = [w.value.replace("\\", "") for w in linked.sidebar.warning]
        assert [m for m in messages if "Link parameter mmkw=" in m and why in m], messages


def test_compare_plans_the_vision_model_with_it_and_the_text_model_without(capsys) -> None:
    link = {**SCOUT_LINK, "cmp": f"{SCOUT},Qwen/Qwen3-8B", "ctx": "8192"}
    at = open_page("compare", **link)
    assert not at.exception and _fields(at, "compare") == {"max_patches": None}
    before = at.dataframe[0].value.set_index("model").to_dict("index")
    at.number_input(key="compare.mm_processor_kwargs.max_patches").set_value(1024).run()
    assert not at.exception and at.query_params["mmkw"] == '{"max_patches": 1024}'
    rows = at.dataframe[0].value.set_index("model").to_dict("index")
    cli = _cli(capsys, "report", "--model", SCOUT, "--compare", "Qwen/Qwen3-8B", "--gpu",
               "h200", "--gpus", "8", "--max-model-len", "8192", "--mm-processor-kwargs",
               '{"max_patches": 1024}', "--format", "json")
    by_model = {r["model_name"]: r for r in cli["comparison"]}
    column = "concurrency at 8,192"
    for model in rows:
        name = next(n for n in by_model if n.endswith(model) or model in n)
        assert rows[model][column] == round(by_model[name]["max_concurrency"], 2)
    [scout] = [m for m in rows if "Scout" in m]
    assert rows[scout][column] < before[scout][column]
    [text] = [m for m in rows if "Qwen3-8B" in m]
    assert rows[text] == before[text]
    caption = " ".join(c.value for c in at.caption).replace("\\", "")  # markdown's escapes
    assert "`--mm-processor-kwargs` '{\"max_patches\": 1024}' on the models with a vision " \
        "tower" in caption
    assert _fields(open_page("compare", cmp="Qwen/Qwen3-8B,Qwen/Qwen3-32B"), "compare") == {}


def test_recommend_searches_with_it_as_the_cli(capsys) -> None:
    at = open_page("recommend", model=GEMMA3)
    assert _fields(at, "recommend") == {"do_pan_and_scan": False}
    at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    at.number_input(key="recommend.context").set_value(8192).run()
    at.checkbox(key="recommend.mm_processor_kwargs.do_pan_and_scan").check().run()
    assert at.query_params["mmkw"] == '{"do_pan_and_scan": true}'
    at.button(key="recommend.run").click().run()
    assert not at.exception
    cli = _cli(capsys, "recommend", "--model", GEMMA3, "--gpu", "h100-sxm", "--context", "8192",
               "--mm-processor-kwargs", '{"do_pan_and_scan": true}', "--json")
    row = cli["rows"][0]
    assert at.dataframe[-1].value["$/hour"].iloc[0] == round(row["usd_per_hour"], 2)
    assert [c.value.replace(" \\\n  ", " ") for c in at.code] == [row["vllm_command"]]
    assert "--mm-processor-kwargs '{\"do_pan_and_scan\": true}'" in row["vllm_command"]
    assert _fields(open_page("recommend", model="Qwen/Qwen3-8B"), "recommend") == {}


def test_compare_and_recommend_show_a_key_in_force_for_another_model_and_clear_it() -> None:
    # pan and scan ticked on the Plan page for Gemma 3: the Compare and Recommend pages pass it
    # to every vision model (report --compare and recommend carry it), Llama 4 Scout here, which
    # read it without a field to see or clear it by
    pan = '{"do_pan_and_scan": true}'
    compare = open_page("compare", **SCOUT_LINK, cmp=f"{SCOUT},Qwen/Qwen3-8B", ctx="8192",
                        mmkw=pan)
    assert not compare.exception
    assert _fields(compare, "compare") == {"max_patches": None, "do_pan_and_scan": True}
    compare.checkbox(key="compare.mm_processor_kwargs.do_pan_and_scan").uncheck().run()
    assert not compare.exception and "mmkw" not in compare.query_params
    recommend = open_page("recommend", model=GEMMA4, mmkw='{"max_patches": 4}')
    assert not recommend.exception
    assert _fields(recommend, "recommend") == {"max_soft_tokens": None, "max_patches": 4}
    recommend.number_input(key="recommend.mm_processor_kwargs.max_patches").set_value(None).run()
    assert not recommend.exception and "mmkw" not in recommend.query_params
    # text models only: vLLM ignores the flag for them (no field, nothing in force)
    text = open_page("compare", cmp="Qwen/Qwen3-8B,Qwen/Qwen3-32B", mmkw=pan)
    assert not text.exception and _fields(text, "compare") == {}
