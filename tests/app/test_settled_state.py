"""Every page that plans plans the settings the Plan page settles (review h427 #2, #3): a link
or a hardware change the Plan page refuses is replaced, with its warning, on whichever page is
opened first, so one link gives one report."""

from tests.app.conftest import open_link, open_page


def _warnings(at) -> str:
    return "\n".join(w.value for w in at.warning)


def _line(at, heading: str) -> str:
    """The report's line that names `heading` (Configuration, Verdict)."""
    body = "\n".join(m.value for m in at.markdown)
    return next(line for line in body.splitlines() if heading in line)


def test_a_linked_tp_the_model_cannot_take_is_replaced_on_the_report_too() -> None:
    # the seed model has 64 attention heads: TP=7 divides none, so the Plan page plans TP=8,
    # the nearest size the 8-GPU seed cluster holds; the Report opened first said
    # "Does not fit: ... divisible by tensor parallel size (7)"
    plan_page, report = open_link("plan", tp="7"), open_link("report", tp="7")
    for at in (plan_page, report):
        assert not at.exception
        assert "Tensor parallel (TP) = 7 is not possible here" in _warnings(at)
        assert at.query_params["tp"] == "8"
    assert "Fits" in _line(report, "Verdict"), _line(report, "Verdict")
    assert "TP=8" in _line(report, "Configuration")


def test_a_pinned_tp_larger_than_the_cluster_is_not_reported() -> None:
    # TP=8 pinned on the 8-GPU seed cluster, then 2 GPUs per node: the report (Plan page not
    # revisited) read "Configuration: TP=8 + EP on 8x NVIDIA GeForce RTX 3090" on 2 GPUs
    at = open_page("plan", tp="8")
    at.switch_page("ui/pages/hardware.py").run()
    at.number_input(key="hw.gpus_per_node").set_value(2).run()
    at.switch_page("ui/pages/report.py").run()
    assert not at.exception
    assert "Tensor parallel (TP) = 8 is not possible here" in _warnings(at)
    line = _line(at, "Configuration")
    assert "TP=2" in line and "on 2x NVIDIA GeForce RTX 3090" in line, line


def test_a_block_size_the_release_refuses_is_replaced_on_the_compare_page() -> None:
    # vLLM 0.9.2's --block-size takes 8, 16, 32, 64, 128: Compare planned 256 and read
    # "invalid choice: 256" for every model
    at = open_link("compare", vllm="0.9.2", bs="256")
    assert not at.exception
    assert "KV block size (tokens) = 256 tokens is not possible here" in _warnings(at)
    verdicts = [t.value.to_string() for t in (*at.table, *at.dataframe)]
    assert verdicts and not any("invalid choice" in v for v in verdicts)
    assert not any("invalid choice" in e.value for e in at.error)
    assert "bs" not in at.query_params


def test_several_settings_replaced_are_one_line_under_the_speed_figures() -> None:
    # Qwen3-30B-A3B on the seed's 8 RTX 3090s from a link with MTP (no draft for qwen3_moe),
    # TP=3 (32 heads: TP takes 1, 2, 4, 8; 2 and 4 as near, the larger kept), PP=2 and DP=3
    # (TP=4 x PP=2 fills the 8 GPUs: DP 1): three warnings of three lines above the controls
    # put the verdict below the fold at 1366x768 (helper 466's QA). One folded line names the
    # three changes, each reason in full inside it, under TTFT and TPOT
    at = open_page(None, model="Qwen/Qwen3-30B-A3B", tp="3", pp="2", dp="3", spec="2")
    assert not at.exception
    [folded] = [e for e in at.expander if "not possible here" in e.label]
    assert folded.label == (":orange[**3 settings are not possible here**, replaced:] MTP "
                            "draft tokens 2 → 0; Tensor parallel (TP) 3 → 4; Data parallel (DP, "
                            "replicas) 3 → 1")
    inside = [w.value for w in folded.warning]
    assert [w.split(" is not possible here")[0] for w in inside] == [
        "MTP draft tokens = 2", "Tensor parallel (TP) = 3", "Data parallel (DP, replicas) = 3"]
    assert inside[2] == ("Data parallel (DP, replicas) = 3 is not possible here: TP=4 x PP=2 x "
                         "DP must fill 8 GPUs. Showing Data parallel (DP, replicas) = 1 instead.")
    assert (at.query_params["tp"], at.query_params["pp"], at.query_params["dp"]) == ("4", "2", "1")
    # one setting replaced stays a warning of its own (tests/app/test_newcomer.py)
    single = open_page(None, model="Qwen/Qwen3-30B-A3B", tp="3")
    assert not [e for e in single.expander if "not possible here" in e.label]
