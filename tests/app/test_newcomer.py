"""What a newcomer hit on the Plan page (issue 13, items 12 and 13).

Item 12: an emptied engine field means the default (the model's max_position_embeddings,
vLLM's batch limits), never the widget's minimum; an out-of-range number gets a message.
Item 13: the default layout uses the hardware (TP = GPUs per node inside each node; the nodes
as the fewest pipeline stages a replica needs, data-parallel replicas over the rest), falls
back to a fitting layout, and says which GPUs a smaller layout leaves idle.

Hand-worked: Qwen3-235B-A22B's config has max_position_embeddings 40,960; vLLM's defaults for
a GPU below 70 GiB (RTX 3090) are 2048 batched tokens and 256 sequences
(planner.serving.engine.default_batch_limits cites vLLM's arg_utils); DeepSeek-V3 has 61
layers and 256 routed experts; 671 B parameters in FP8 (~625 GiB) cannot fit one node
(8 x 0.9 x 79.2 GiB = 570 GiB), but with EP over TP=8 x DP=8 = 64 ranks each GPU holds
256 / 64 = 4 whole experts. Qwen3-235B GPTQ fits one node of 8 RTX 3090 (README), so two
nodes are two replicas.
"""

from tests.app.conftest import launch_command, open_page
from tests.app.test_plan import _in_order, metric


def command(at) -> str:
    return launch_command(at)


def test_clearing_max_model_len_means_the_models_own() -> None:
    at = open_page(None, len="8192")
    assert metric(at, "Concurrency at") and "--max-model-len 8192" in command(at)
    at.number_input(key="plan.max_model_len").set_value(None).run()
    assert not at.exception
    assert "len" not in at.query_params
    assert "--max-model-len 40960" in command(at)
    assert any(m.label == "Concurrency at 40,960 tokens" for m in at.metric)


def test_clearing_the_batch_limits_means_vllms_defaults() -> None:
    at = open_page(None, seqs="64", mbt="4096")
    assert "--max-num-batched-tokens 4096 --max-num-seqs 64" in command(at)
    at.number_input(key="plan.max_num_seqs").set_value(None).run()
    at.number_input(key="plan.max_num_batched_tokens").set_value(None).run()
    assert not at.exception
    assert "seqs" not in at.query_params and "mbt" not in at.query_params
    assert "--max-num-batched-tokens 2048 --max-num-seqs 256" in command(at)


def test_a_refused_output_length_does_not_read_as_the_input_tokens() -> None:
    # 0 typed in "Output tokens" was refused with pydantic's words, "output_len = 0 refused:
    # Input should be greater than or equal to 1", beside the "Input tokens" field
    at = open_page()
    at.number_input(key="plan.output_len").set_value(0).run()
    assert not at.exception
    refusal = [w.value for w in at.main.warning if "refused" in w.value]
    assert refusal == ["Output tokens = 0 refused: the value must be greater than or equal to 1. "
                       "Kept 1,024."]


def test_out_of_range_numbers_are_refused_aloud() -> None:
    at = open_page(None, len="8192")
    for key in ("plan.max_model_len", "plan.max_num_seqs", "plan.max_num_batched_tokens"):
        # no widget bounds: a browser would refuse the value silently (red border, no rerun)
        assert at.number_input(key=key).min is None and at.number_input(key=key).max is None
    at.number_input(key="plan.max_model_len").set_value(0).run()
    assert not at.exception
    refusal = [w.value for w in at.main.warning if "refused" in w.value]
    assert refusal == ["max_model_len = 0 refused: the value must be greater than or equal to 1. "
                       "Kept 8,192."]
    assert at.query_params["len"] == "8192"  # planned with the value kept
    assert at.number_input(key="plan.max_model_len").value == 0  # the field keeps it to correct
    at.number_input(key="plan.max_num_seqs").set_value(10**9).run()
    assert any("max_num_seqs = 1,000,000,000 refused" in w.value for w in at.main.warning)
    assert "seqs" not in at.query_params


def test_two_nodes_default_to_a_replica_per_node_on_all_16_gpus() -> None:
    at = open_page(None, nodes="2")
    assert not at.exception
    assert "--tensor-parallel-size 8 --data-parallel-size 2" in command(at)
    assert not any("idle" in i.value for i in at.info)
    assert [at.selectbox(key=f"plan.{f}").value for f in ("tp", "pp", "dp")] == [8, 1, 2]


def test_deepseek_v3_on_8_nodes_of_8_h100_opens_on_a_fitting_layout() -> None:
    at = open_page(None, model="deepseek-ai/DeepSeek-V3", gpu="h100-sxm", nodes="8")
    assert not at.exception
    assert any(s.value.startswith("Fits:") for s in at.success)
    assert "--tensor-parallel-size 8 --data-parallel-size 8 --enable-expert-parallel" \
        in command(at)
    at.button(key="plan.run_sweep").click().run()
    assert at.dataframe[-1].value["fits"].iloc[0] == "yes"  # the sweep agrees: it fits


def test_a_smaller_layout_says_which_gpus_are_idle_and_can_go_back() -> None:
    at = open_page(None, nodes="2", tp="8", pp="1")  # pinned by the link
    assert "--pipeline-parallel-size" not in command(at)
    assert any(i.value == "This layout uses 8 of 16 GPUs; idle: node 1 GPUs 0-7."
               for i in at.info)
    # the way back names where it goes (README: a replica per node, EP as the seed's), which
    # the bare button did not
    assert at.button(key="plan.auto_layout").label == \
        "Use the hardware's layout (TP=8 x DP=2 + EP)"
    at.button(key="plan.auto_layout").click().run()
    assert "--tensor-parallel-size 8 --data-parallel-size 2" in command(at)
    assert "tp" not in at.query_params
    at = open_page(None, tp="4")
    assert any(i.value == "This layout uses 4 of 8 GPUs; idle: GPUs 4-7." for i in at.info)


def test_no_way_back_is_offered_to_the_layout_already_shown() -> None:
    # TP=2 on one RTX 4090 cannot run: the page shows TP=1, the one GPU's only layout, and
    # offered "Use the hardware's layout (TP=1)", a button that changed nothing in sight
    # (helper 446's review); a pinned layout that is the hardware's offers none either
    at = open_page(None, gpu="rtx-4090", gpn="1", model="meta-llama/Llama-3.1-8B-Instruct",
                   tp="2", pp="1", dp="1", len="8192")
    assert [w.value for w in at.warning] == [
        "Tensor parallel (TP) = 2 is not possible here: The layout TP=2 needs 2 GPUs "
        "(tp x pp x dp) but the cluster has 1. Showing Tensor parallel (TP) = 1 instead."]
    assert "--tensor-parallel-size" not in command(at)  # TP=1: vLLM's default, not passed
    assert not any(b.key == "plan.auto_layout" for b in at.button)
    at = open_page(None, tp="8", pp="1", dp="1")  # the seed's own layout, pinned by the link
    assert not any(b.key == "plan.auto_layout" for b in at.button)
    at = open_page(None, tp="4", pp="1", dp="1")  # another layout: the way back is offered
    assert at.button(key="plan.auto_layout").label == "Use the hardware's layout (TP=8 + EP)"


def test_the_way_back_and_why_not_tp_are_under_the_speed_figures() -> None:
    # TP=3 on 8 RTX 3090s for Qwen3-30B-A3B: 32 query heads and 4 KV heads take TP = 1, 2, 4
    # or 8, so the link's 3 is shown at the nearest, 4 (larger on a tie with 2). Its notice
    # stays above the fields; "Use the hardware's layout (TP=8 + EP)" and "Why not TP = 3,
    # 5-7?" were two rows above the verdict and put TTFT below the fold at 1366x768: they are
    # one row under TTFT and TPOT now, and the button still goes back to the hardware's layout
    at = open_page(None, gpu="rtx-3090", gpn="8", model="Qwen/Qwen3-30B-A3B", tp="3", pp="1",
                   dp="1")
    assert not at.exception
    [notice] = [w.value for w in at.warning if "not possible here" in w.value]
    assert notice.startswith("Tensor parallel (TP) = 3 is not possible here: ")
    assert notice.endswith(" Showing Tensor parallel (TP) = 4 instead.")
    shown = list(_in_order(at.main))
    where = {"verdict": next(i for i, e in enumerate(shown) if e.type == "success"),
             "TPOT": next(i for i, e in enumerate(shown) if e.type == "metric"
                          and e.label == "TPOT"),
             "button": next(i for i, e in enumerate(shown) if getattr(e, "key", None)
                            == "plan.auto_layout"),
             "why": next(i for i, e in enumerate(shown) if e.type == "expander"
                         and e.label == "Why not TP = 3, 5-7?")}
    assert where["verdict"] < where["TPOT"] < where["button"] < where["why"], where
    assert at.button(key="plan.auto_layout").label == "Use the hardware's layout (TP=8 + EP)"
    at.button(key="plan.auto_layout").click().run()
    assert not at.exception and "tp" not in at.query_params
    assert at.selectbox(key="plan.tp").value == 8 and not any(
        b.key == "plan.auto_layout" for b in at.button)


def test_picking_tp_pins_the_layout_and_keeps_every_gpu_busy() -> None:
    at = open_page(None, nodes="2")
    at.selectbox(key="plan.tp").set_value(4).run()
    assert not at.exception
    # TP=4 x PP=1 x DP=2 would leave 8 GPUs idle: the other two move to a layout on all 16,
    # keeping the 2 replicas -> TP=4 x PP=2 x DP=2
    assert [at.query_params[f] for f in ("tp", "pp", "dp")] == ["4", "2", "2"]
    assert not at.warning or not any("not possible here" in w.value for w in at.warning)


def test_every_state_bound_number_field_refuses_aloud_not_silently() -> None:
    # the same widget kind elsewhere: GPUs per node and nodes (1..64), the Compare context
    at = open_page("hardware", hw="preset")
    for key in ("hw.gpus_per_node", "hw.nodes"):
        assert at.number_input(key=key).min is None and at.number_input(key=key).max is None
    at.number_input(key="hw.nodes").set_value(65).run()
    assert any(w.value.startswith("Nodes = 65 refused") for w in at.main.warning)
    assert at.query_params["nodes"] == "1"
    at = open_page("compare")
    field = at.number_input(key="compare.compare_context")
    assert field.min is None and field.max is None
    field.set_value(0).run()
    # the field was untouched, following the Plan page (no ctx in the link): it stays so
    assert any(w.value == "max_model_len for every model = 0 refused: the value must be "
               "greater than or equal to 1. Kept 32,768." for w in at.main.warning)
    assert "ctx" not in at.query_params
    assert at.number_input(key="compare.compare_context").value == 0  # kept to correct


def test_a_pinned_layout_that_does_not_fit_points_to_one_that_does() -> None:
    # DeepSeek-V3 pinned at TP=8 (8 of 64 H100): ~625 GiB of FP8 weights cannot fit 8 GPUs
    at = open_page(None, model="deepseek-ai/DeepSeek-V3", gpu="h100-sxm", nodes="8", tp="8")
    assert any(e.value.startswith("Does not fit") for e in at.error)
    assert any(i.value.startswith("TP=8 x DP=8 + EP fits this hardware") for i in at.info)
    at.button(key="plan.auto_layout").click().run()
    assert any(s.value.startswith("Fits:") for s in at.success)


def test_a_tpot_target_below_the_limit_is_refused_aloud_on_plan_and_report() -> None:
    # the sweep's TPOT target had the widget bound min_value=0.1: 0.05 typed in was dropped
    # without a word (the field stayed empty), where the state's own limit (AppState:
    # tpot_target_ms >= 0.1) says why
    for page in ("plan", "report"):
        at = open_page(page if page != "plan" else None, obj="throughput")
        field = at.number_input(key=f"{page}.tpot_target_ms")
        assert field.min is None and field.max is None
        field.set_value(0.05).run()
        assert not at.exception
        assert [w.value for w in at.main.warning if "refused" in w.value] == [
            "TPOT target (ms) = 0.05 refused: the value must be greater than or equal to 0.1. "
            "Kept empty (the default)."]
        assert "tpot" not in at.query_params
