"""What a new user's walkthrough of the Plan page found (session 53): the Quantization box
naming the format the chosen GPU serves a BF16 checkpoint in, an unusable hardware's reason
shown once, and the first screen at 1280x800 holding the verdict's caveats and a refused
plan's Apply (tests/browser/test_browser_laptop.py measures the pixels)."""

import pytest

from tests.app.conftest import open_page
from ui.format import caveats_line

QWEN3_8B = "Qwen/Qwen3-8B"
"""A BF16 checkpoint (config.json torch_dtype "bfloat16", ../shared/model-configs)."""


def _quant_box(at) -> str:
    box = at.selectbox(key="plan.quant")
    return box.format_func(box.value)


@pytest.mark.parametrize("link", [{"gpu": "t4", "gpn": "1"},
                                  {"gpu": "v100-32gb", "gpn": "1"},
                                  {"gpu": "rtx-2080-ti", "gpn": "1", "gmem": "22"}])
def test_a_gpu_without_bfloat16_names_the_bf16_checkpoint_served_in_fp16(link) -> None:
    # T4 (compute capability 7.5), V100 (7.0), RTX 2080 Ti (7.5): below 8.0 vLLM's CUDA
    # platform lists [float16, float32] (platforms/cuda.py supported_dtypes), so --dtype auto
    # serves the bfloat16 checkpoint in float16 (config/model.py _resolve_auto_dtype); the
    # box said "Checkpoint: BF16" above a plan sized in FP16
    at = open_page("plan", model=QWEN3_8B, len="8192", **link)
    assert not at.exception
    assert _quant_box(at) == "Checkpoint: BF16, served in FP16"


def test_a_gpu_with_bfloat16_names_the_checkpoint_as_stored() -> None:
    # H100 (9.0) computes bfloat16: served as stored; a quantized checkpoint keeps its label
    at = open_page("plan", model=QWEN3_8B, gpu="h100-sxm", gpn="1")
    assert _quant_box(at) == "Checkpoint: BF16"
    at = open_page("plan", model="openai/gpt-oss-120b", gpu="t4", gpn="8")
    assert _quant_box(at) == "Checkpoint: MXFP4 (experts only)"


SPARK_X4 = {"gpu": "gb10", "gpn": "4"}
"""Four GB10s in one node: a DGX Spark holds one GB10, so the hardware is refused (hardware
presets: the Spark's node is one GPU; four are four nodes)."""


@pytest.mark.parametrize("page", ["plan", "hardware", "compare", "report"])
def test_unusable_hardware_gives_its_reason_once_and_the_sidebar_points_to_the_fix(page
                                                                                   ) -> None:
    # the reason stood twice side by side: "No usable hardware: <reason>" in the sidebar and
    # "Cannot plan this: <reason>" on the page. Kept on the page, beside what the user reads
    # and (on the Hardware page) the fields that fix it; the sidebar, on every page, says
    # only that there is none and links to the Hardware page, where it is fixed
    at = open_page(page, **SPARK_X4)
    assert not at.exception
    why = "a DGX Spark holds one NVIDIA GB10"
    shown = [e.value for e in (*at.main.error, *at.sidebar.error) if why in e.value]
    assert len(shown) == 1 and shown == [e.value for e in at.main.error if why in e.value]
    assert [e.value for e in at.sidebar.error] == ["No usable hardware."]
    [link] = at.sidebar.get("page_link")
    assert (link.proto.page, link.proto.label) == ("hardware", "Why: see the Hardware page")


def test_the_model_page_points_to_the_hardware_page_where_the_reason_is() -> None:
    # the Model page plans nothing and shows no hardware error: the sidebar's link is the way
    # to the reason, which the Hardware page gives once
    at = open_page("model", **SPARK_X4)
    assert not at.exception and [e.value for e in at.sidebar.error] == ["No usable hardware."]
    at.switch_page("ui/pages/hardware.py").run()
    assert [e.value for e in at.main.error if "a DGX Spark holds one NVIDIA GB10" in e.value]


def test_a_spark_plans_unified_memory_caveat_is_named_under_the_verdict() -> None:
    # gpt-oss-120b on one DGX Spark fits, but vLLM 0.34 reads the GB10's free memory from the
    # host's available RAM (the unified-memory warning, planner.serving.plan.notes): the
    # warning stands whole under the figures, below the fold at 1280x800, so a line under
    # the verdict (and over the key figures) names it
    at = open_page("plan", model="openai/gpt-oss-120b", gpu="dgx-spark-gb10", gpn="1")
    assert not at.exception and at.success[0].value.startswith("Fits: ")
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("NVIDIA GB10 has unified memory: vLLM 0.34.0 takes its free "
                              "memory from the host's available RAM (psutil)")
    line = ":orange[:material/warning:] Read the figures with the warning under them: " \
        "NVIDIA GB10 has unified memory."
    assert line in [c.value for c in at.caption]
    # in the first screen: the verdict, the line, then the key row (TTFT ... KV pool); the
    # warning itself after every figure
    kinds = [(e.type, getattr(e, "label", "") or getattr(e, "value", ""))
             for e in _in_order(at.main) if e.type in ("success", "caption", "metric",
                                                      "warning")]
    start = kinds.index(("success", at.success[0].value))
    assert kinds[start + 1] == ("caption", line)
    assert [label for _, label in kinds[start + 2:start + 7]] == [
        "TTFT", "TPOT", "Output tokens/s at 1", "Weights per GPU", "KV pool per GPU"]
    assert kinds.index(("warning", warning)) > start + 7


def test_a_plan_without_warnings_has_no_caveat_line() -> None:
    at = open_page("plan", model=QWEN3_8B, gpu="h100-sxm", gpn="1")
    assert not at.exception and not at.warning
    assert not [c for c in at.caption if "Read the figures with" in c.value]


def test_the_caveat_line_gives_each_warnings_head_whole_or_cut_at_a_word() -> None:
    # a head: up to the first ": " or ". "; over 90 characters, cut at the last space in them
    # and before a parenthesis left open
    long = ("vLLM 0.10.2 turns chunked prefill back on for every generative model "
            "(engine/arg_utils.py _set_default_args): --no-enable-chunked-prefill has no effect")
    assert caveats_line([long]) == (
        "Read the figures with the warning under them: "
        # long[:90] ends "model (engine/arg_utils.py ": cut there, the "(" left open dropped
        "vLLM 0.10.2 turns chunked prefill back on for every generative model….")
    # the line stays within 130 characters (one line at 1280 px): 49 + 30 = 79 characters with
    # the first head; the second (69) and "; and 1 more." would make 163, so two are counted
    assert caveats_line(["NVIDIA GB10 has unified memory: vLLM reads ...", long,
                         "Planned without LoRA. The model ..."]) == (
        "Read the figures with the 3 warnings under them: NVIDIA GB10 has unified memory; "
        "and 2 more.")
    # no head fits beside the count: the count alone (DeepSeek-V4-Flash's 86-character head)
    dsv4 = ("DeepSeek-V4's KV cache layout is read from vLLM 0.21-0.24; vLLM 0.34.0 reorganised "
            "it: its KV figures here are unverified.")
    assert caveats_line([dsv4, "Not modelled: x", "Planned without LoRA. y"]) == (
        "Read the figures with the 3 warnings under them.")


def _in_order(node):
    """The elements under `node` in the order the page shows them."""
    children = getattr(node, "children", None)
    if not children:
        yield node
        return
    for key in sorted(children):
        yield from _in_order(children[key])


def test_a_refused_plans_apply_sits_under_the_weights_beside_the_advice() -> None:
    # Qwen3-8B at 65,536 tokens on one H100 without "Allow a context longer than the model's":
    # vLLM refuses a max_model_len over its derived 40,960 (config.json
    # max_position_embeddings; six lines of its words at 1280 px), the advice four lines;
    # Apply under the advice was 15 px below the fold at 1280x800, under the weights it is
    # level with the advice's last lines
    at = open_page("plan", model=QWEN3_8B, gpu="h100-sxm", gpn="1", len="65536")
    assert not at.exception and at.error[0].value.startswith("Does not fit: User-specified "
                                                             "max_model_len (65536)")
    columns = list(at.columns)
    weights = next(i for i, c in enumerate(columns)
                   if [m.label for m in c.metric] == ["Weights per GPU"])
    beside = columns[weights + 2]
    assert beside.info[0].value.startswith("Nearest change: max_model_len 40960 fits.")
    assert not beside.button
    [apply] = columns[weights].button
    apply.click().run()
    assert not at.exception and at.query_params["len"] == "40960"
