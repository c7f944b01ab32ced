"""Plan page, "More vLLM options": EPLB (vLLM --enable-eplb) and its redundant experts, as the
CLI's --enable-eplb / --num-redundant-experts: offered for MoE models where the sidebar's
release has the flag, in the link as `eplb` and `redundant`, planned as the CLI plans them.

Qwen/Qwen3-30B-A3B (48 MoE layers of 128 experts, hidden 2,048, moe_intermediate_size 768,
bfloat16) on one node of 8 H100 at the hardware's layout, TP=8 + EP: 8 redundant experts give
each GPU (128 + 8) / 8 = 17 experts a layer, one more than 16: 48 x 3 x 2,048 x 768 x 2 B =
452,984,832 B more weights per GPU, beside EPLB's copy of one layer's 17 local experts
(vLLM 0.12.0 on)."""

import shlex

from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.app.conftest import (
    launch_command,
    more_options,
    open_link,
    open_page,
    texts,
    weights_bytes,
)

QWEN3_MOE = {"model": "Qwen/Qwen3-30B-A3B", "gpu": "h100-sxm", "gpn": "8", "vllm": "0.33.0"}


def test_a_moe_model_takes_eplb_and_redundant_experts_into_the_command() -> None:
    at = open_page(None, **QWEN3_MOE)
    assert not at.exception and not at.error
    assert "--enable-eplb" not in launch_command(at)
    assert "plan.num_redundant_experts" not in {box.key for box in at.number_input}
    before = weights_bytes(at)
    at.checkbox(key="plan.enable_eplb").check().run()
    assert not at.exception and not at.error
    assert " --enable-eplb" in launch_command(at) and at.query_params["eplb"] == "1"
    assert "unmodelled: EPLB's communication buffers" in texts(at)
    at.number_input(key="plan.num_redundant_experts").set_value(8).run()
    assert not at.exception and not at.error
    words = shlex.split(launch_command(at))
    assert words[words.index("--eplb-config") + 1] == '{"num_redundant_experts": 8}'
    assert command_problems(launch_command(at), vllm_cli("0.33.0")) == []
    assert at.query_params["redundant"] == "8"
    # one more expert a layer on every GPU: 48 x 3 x 2,048 x 768 x 2 B = 452,984,832 B,
    # EPLB's transfer buffer of one layer's 17 experts: 17 x 9,437,184 B = 160,432,128 B, and
    # EplbState's maps and statistics (L = 48, E = 128, P = 136, vLLM 0.33.0): 48 x 136 x 8
    # + 48 x 128 x 1,024 x 8 + 48 x 128 x 8 + 48 x 136 x 4 + 1,000 x 48 x 136 x 4 + 4
    # + 48 x 128 x 8 = 52,224 + 50,331,648 + 49,152 + 26,112 + 26,112,000 + 4 + 49,152
    # = 76,620,292 B
    assert weights_bytes(at) - before == 452_984_832 + 160_432_128 + 76_620_292
    at.checkbox(key="plan.enable_eplb").uncheck().run()
    assert "--enable-eplb" not in launch_command(at) and "--eplb-config" not in launch_command(at)


def test_a_linked_count_is_planned_in_the_releases_spelling() -> None:
    at = open_link("plan", **{**QWEN3_MOE, "vllm": "0.10.1"}, eplb="1", redundant="8")
    assert not at.exception and not at.error
    assert more_options(at) == "More vLLM options (1 set)"
    assert " --enable-eplb --num-redundant-experts 8" in launch_command(at)
    assert command_problems(launch_command(at), vllm_cli("0.10.1")) == []


def test_a_release_without_the_flag_drops_it_in_its_parsers_words() -> None:
    at = open_link("plan", **{**QWEN3_MOE, "vllm": "0.9.1"}, eplb="1")
    assert not at.exception and not at.error
    [warning] = [w.value for w in at.main.warning if "not possible here" in w.value]
    assert warning.startswith("Expert-parallel load balancer (EPLB) = on is not possible here: "
                              "vLLM 0.9.1: "
                              "unrecognized arguments: --enable-eplb")
    assert "--enable-eplb" not in launch_command(at) and at.query_params["eplb"] == "0"
    assert "plan.enable_eplb" not in {box.key for box in at.checkbox}


def test_a_dense_model_offers_none_and_keeps_the_choice() -> None:
    at = open_link("plan", model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1", eplb="1")
    assert not at.exception and not at.main.warning
    assert "plan.enable_eplb" not in {box.key for box in at.checkbox}
    assert "--enable-eplb" not in launch_command(at)
    assert at.query_params["eplb"] == "1"


def test_an_ep_layout_only_the_redundant_experts_make_even_is_kept() -> None:
    # 6 H100 at TP=1 x DP=6 + EP: 128 routed experts = 21 x 6 + 2 do not divide, 128 + 4
    # redundant = 132 = 22 x 6 do, and vLLM 0.33.0 starts it; the page kept EP off and
    # planned EPLB without EP, which vLLM refuses
    at = open_link("plan", **{**QWEN3_MOE, "gpn": "6"}, tp="1", dp="6", ep="1", eplb="1",
                   redundant="4")
    assert not at.exception and not at.error
    assert at.query_params["ep"] == "1"
    assert "--enable-expert-parallel" in launch_command(at)
    assert ("`--enable-eplb`: 22 experts a MoE layer on each of the 6 EP ranks (128 routed + "
            "4 redundant)") in texts(at)  # the flag as inline code


EPLB_COMPARE = {**QWEN3_MOE, "gpn": "6", "tp": "1", "dp": "6", "eplb": "1", "redundant": "4",
                "cmp": "Qwen/Qwen3-30B-A3B,Qwen/Qwen3-30B-A3B-FP8,Qwen/Qwen3-8B"}
"""Qwen3-30B-A3B on 6 H100 at TP=1 x DP=6 + EP with EPLB and 4 redundant experts, compared with
its FP8 checkpoint (MoE, 128 routed experts) and the dense Qwen3-8B."""


def test_the_compare_page_carries_eplb_to_the_other_models_as_report_compare() -> None:
    # 128 routed experts do not divide 6 EP ranks (21 x 6 + 2); with the 4 redundant ones
    # 132 = 22 x 6 do, and vLLM 0.33.0 starts it. The page planned the other models without
    # EPLB: the FP8 checkpoint lost EP (TP=1 x DP=6), where report --compare keeps it
    at = open_page("compare", **EPLB_COMPARE)
    assert not at.exception and not at.error, [e.value for e in at.error]
    layouts = at.dataframe[0].value.set_index("model")["layout"].to_dict()
    assert layouts == {"Qwen/Qwen3-30B-A3B": "TP=1 x DP=6 + EP",
                       "Qwen/Qwen3-30B-A3B-FP8": "TP=1 x DP=6 + EP",
                       # dense: no routed experts, so neither EP nor EPLB (vLLM refuses both)
                       "Qwen/Qwen3-8B": "TP=1 x DP=6"}
    shown = texts(at)
    assert "`--enable-eplb` with 4 redundant experts on the models with routed experts." in shown
    # each MoE model's EPLB warning: (128 + 4) / 6 = 22 experts a layer on each GPU
    assert shown.count("`--enable-eplb`: 22 experts a MoE layer on each of the 6 EP ranks "
                       "(128 routed + 4 redundant)") == 2  # the flag as inline code


def test_the_report_page_plans_its_compared_models_as_the_compare_page() -> None:
    # the same three models in the report's comparison: the FP8 checkpoint keeps EP, the
    # dense Qwen3-8B is planned (without EPLB), as in report --compare (test_eplb's CLI test)
    at = open_page("report", **EPLB_COMPARE)
    at.checkbox(key="report.compare").check().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    page = at.main.markdown[-1].value
    assert "| Qwen/Qwen3-30B-A3B-FP8 | TP=1 x DP=6 + EP |" in page
    assert "| Qwen/Qwen3-8B | TP=1 x DP=6 |" in page


def test_redundant_experts_that_divide_no_ep_size_are_refused_not_a_dead_end() -> None:
    # Qwen3-30B-A3B's 128 routed + 3 redundant = 131 experts (a prime) divide no expert-parallel
    # size TP x DP of 4 GPUs (2 or 4), so no layout has EP and EPLB cannot run: the page opened
    # on TP=4 without EP under a greyed EP box and said only "Cannot plan this: vLLM refuses
    # --enable-eplb without --enable-expert-parallel", EP being ticked
    at = open_link("plan", **{**QWEN3_MOE, "gpn": "4", "eplb": "1", "redundant": "3"})
    assert not at.exception
    assert not [e.value for e in at.error if e.value.startswith("Cannot plan this")]
    assert [w.value for w in at.warning if "not possible here" in w.value] == [
        "Redundant experts = 3 is not possible here: 128 routed + 3 redundant experts = 131 "
        "divide no expert-parallel size (TP x DP) on 4 GPUs, and EPLB runs with expert "
        "parallelism only. Showing Redundant experts = vLLM's default instead."]
    assert "redundant" not in at.query_params
    # 128 / 4 = 32 experts a GPU: TP=4 + EP with EPLB, no redundant count passed (0.33.0)
    command = launch_command(at)
    assert "--tensor-parallel-size 4 --enable-expert-parallel" in command
    assert "--enable-eplb" in command and "num_redundant_experts" not in command


def test_the_greyed_ep_box_counts_eplbs_redundant_experts() -> None:
    # pinned TP=8 with 4 redundant experts: 128 + 4 = 132 experts, 132 % 8 = 4, so vLLM
    # refuses EP there (128 alone would divide: 128 / 8 = 16); the box's reason said "128
    # routed experts are not divisible by the expert-parallel size 8"
    at = open_link("plan", **{**QWEN3_MOE, "eplb": "1", "redundant": "4", "tp": "8"})
    assert not at.exception
    assert at.checkbox(key="plan.ep_none").help == (
        "128 routed + 4 redundant experts (EPLB) = 132 are not divisible by the "
        "expert-parallel size 8 (tp x dp).")
