"""The Plan page's multi-LoRA serving (link keys lora, loras, lorarank, fslora) on the Compare,
Report and Recommend pages, as report --compare and recommend --enable-lora plan it: each model
whose LoRA slots Headroom sizes is planned with them, any other without them and a warning
naming it. Before, the three pages planned every model without LoRA, saying nothing (the
Report page's own plan alone had it).

By hand (tests/planner/serving/test_lora.py, from the vLLM 0.31.0-0.34.0 source), 4 slots of
rank 16 at TP=1: Llama-3.1-8B 369,844,352 B, Qwen2.5-7B 323,379,328 B (no embedding or lm_head
slots). Kimi-VL-A3B-Instruct (KimiVLForConditionalGeneration, whose kimi_vl.py class is not
SupportsLoRA in any release read) has no slots Headroom sizes.
"""

import json

from planner.units import GIB
from tests.app.conftest import launch_command, open_link
from tests.app.test_report import DATE, cli_report
from tests.cli.conftest import run_main
from tests.planner.serving.test_lora import LLAMA, QWEN2_BYTES, TP1_BYTES, UNREAD

QWEN2 = "Qwen/Qwen2.5-7B-Instruct"
ON_H100 = {"model": LLAMA, "gpu": "h100-sxm", "gpn": "1", "lora": "1", "loras": "4"}
WITHOUT = "planned without LoRA: its figures leave out what --enable-lora adds"


def _plain_weights(capsys, model: str) -> int:
    """`plan --json`'s weights per GPU of `model` on one H100, without LoRA."""
    code, out, err = run_main(capsys, "plan", "--model", model, "--gpu", "h100-sxm", "--json")
    assert code == 0, err
    return json.loads(out)["weights_bytes_per_gpu"]


def test_the_compare_page_plans_the_lora_where_it_is_sized_and_warns_where_not(capsys) -> None:
    at = open_link("compare", **ON_H100, cmp=f"{LLAMA},{QWEN2},{UNREAD}")
    assert not at.exception and not at.error
    grid = at.dataframe[0].value.set_index("model")["weights per GPU (GiB)"]
    for model, lora in ((LLAMA, TP1_BYTES), (QWEN2, QWEN2_BYTES), (UNREAD, 0)):
        assert grid[model] == round((_plain_weights(capsys, model) + lora) / GIB, 2), model
    [warned] = [w.value for w in at.warning if w.value.startswith(UNREAD)]
    assert WITHOUT.replace("--enable-lora", "`--enable-lora`") in warned
    assert not any("LoRA" in w.value for w in at.warning if w.value != warned)
    # each flag inline code, kept on one line: as text "--max-lora-rank 16" split after its
    # "--" where the caption wrapped at 1280 px (helper 605's browser pass)
    assert ("`--enable-lora` `--max-loras 4` `--max-lora-rank 16` on the models whose LoRA "
            "slots Headroom sizes") in at.caption[0].value


def test_the_compare_caption_puts_the_tower_flag_on_the_tower_models_only() -> None:
    # Qwen3-VL-32B with LoRA on its tower beside Qwen3-30B-A3B, a text model that keeps LoRA
    # without the flag (auto_layout.lora_where_sized): the caption put it on every model
    at = open_link("compare", model="Qwen/Qwen3-VL-32B-Instruct", gpu="h100-sxm", gpn="2",
                   lora="1", loras="4", loratower="1",
                   cmp="Qwen/Qwen3-VL-32B-Instruct,Qwen/Qwen3-30B-A3B")
    assert not at.exception and not at.error
    assert ("`--enable-lora` `--max-loras 4` `--max-lora-rank 16` on the models whose LoRA "
            "slots Headroom sizes, `--enable-tower-connector-lora` on those with a vision tower "
            "(each other model planned without LoRA") in at.caption[0].value


def test_the_report_page_plans_the_compared_models_as_report_compare(capsys) -> None:
    at = open_link("report", **ON_H100, cmp=f"{LLAMA},{QWEN2},{UNREAD}")
    at.date_input(key="report.date").set_value(DATE)
    at.checkbox(key="report.compare").check().run()
    assert not at.exception and not at.error
    page = at.main.markdown[-1].value
    assert page == cli_report("--enable-lora", "--max-loras", "4", "--compare", QWEN2,
                              "--compare", UNREAD,
                              seed=["--model", LLAMA, "--gpu", "h100-sxm", "--gpus", "1"]
                              ).rstrip("\n")
    [qwen2] = [line for line in page.splitlines() if line.startswith(f"| {QWEN2} |")]
    assert f"| {(_plain_weights(capsys, QWEN2) + QWEN2_BYTES) / GIB:.2f} GiB (BF16) |" in qwen2
    unread = page[page.index(f"- {UNREAD}: "):]
    assert unread.splitlines()[1].startswith(f"  - {WITHOUT}")


def test_the_recommend_page_searches_with_the_lora_and_names_a_model_without() -> None:
    at = open_link("recommend", **ON_H100, eager="1")
    at.multiselect(key="recommend.models").set_value([LLAMA, UNREAD]).run()
    at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    at.number_input(key="recommend.context").set_value(8192).run()
    at.button(key="recommend.run").click().run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning if WITHOUT in w.value][0].startswith(f"{UNREAD}: ")
    assert "Multi-LoRA serving, `--enable-lora` `--max-loras 4`" in at.caption[0].value
    table = at.dataframe[-1].value
    for index, model in enumerate(table["model"]):
        at.selectbox(key="recommend.row").set_value(index).run()
        assert launch_command(at).endswith(" --enable-lora --max-loras 4 --max-lora-rank 16") \
            is (model == LLAMA), model
    assert set(table["model"]) == {LLAMA, UNREAD}


# the seed on 8 RTX 3090s: its int4 experts' LoRA is served on Marlin MoE only, which TP=8
# alone does not take (tests/planner/serving/test_lora_moe.py), and EP at TP > 1 x DP > 1
# runs the experts sequence-parallel, where vLLM's LoRA asserts: the sweep plans neither
WNA16 = "not planned: --enable-lora: at this layout vLLM runs the int4 experts off Marlin MoE"
SEQUENCE_PARALLEL = "not planned: --enable-lora with --enable-expert-parallel at TP > 1 and DP > 1"


def test_the_plan_pages_sweep_says_which_combinations_lora_left_out() -> None:
    at = open_link("plan", gpu="rtx-3090", gpn="8", lora="1", loras="4")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception and not at.error
    shown = [c.value.replace("\\", "") for c in at.caption]  # as shown: markdown unescaped
    for why in (WNA16, SEQUENCE_PARALLEL):
        assert any(line.startswith("N" + why[1:]) for line in shown), why
    # the grid has no row for them: no TP=8 without EP, none at TP=2 x DP=2 + EP
    layouts = set(at.dataframe[-1].value["layout"])
    assert "TP=8 + EP" in layouts and not {"TP=8", "TP=2 x DP=2 + EP"} & layouts


def test_the_reports_sweep_says_which_combinations_lora_left_out() -> None:
    report = cli_report("--enable-lora", "--max-loras", "4", "--sweep", seed=[
        "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090", "--gpus", "8"])
    notes = [line.replace("\\", "") for line in report.splitlines()
             if line.startswith("- not planned: ")]
    assert [n for n in notes if n.startswith(f"- {WNA16}")] and \
        [n for n in notes if n.startswith(f"- {SEQUENCE_PARALLEL}")], notes
