"""Plan page, "More vLLM options": multi-LoRA serving (vLLM --enable-lora, --max-loras,
--max-lora-rank, --fully-sharded-loras, --specialize-active-lora, --lora-dtype), as the CLI's
flags: offered where Headroom sizes the LoRA slots (Llama, Qwen2, Qwen3, Mistral, Gemma 2 /
3, Phi3, Granite, MiMo and Nemotron-NAS dense models, Qwen3-MoE, Qwen2-MoE, Mixtral,
DeepSeek-V2/V3 and the others planner/serving/lora/slots.py reads, vLLM 0.17-0.34), in the link as
`lora`, `loras`, `lorarank`, `fslora`, `lorasp` and `loradtype`, planned as the CLI plans them.

Llama-3.1-8B on one H100 under vLLM 0.34.0 (vLLM's defaults there: 8,192 batched tokens,
1,024 sequences), 4 slots of rank 16 at TP=1, by hand as in tests/planner/serving/test_lora.py:
(32 layers x 5,242,880 + 2 x 8,470,528) elements x 2 B + 417,920 B of Punica buffers =
369,844,352 B more weights per GPU.
"""

import pytest

from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.units import GIB
from tests.app.conftest import (
    launch_command,
    more_options,
    open_link,
    open_page,
    show_chart,
    texts,
    weights_bytes,
)
from tests.app.test_display import figure

LLAMA_H100 = {"model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpn": "1"}
LORA_BYTES = (32 * 5_242_880 + 2 * 8_470_528) * 2 + 417_920  # 369,844,352 B


def test_ticking_it_puts_the_slots_in_the_weights_and_the_command() -> None:
    at = open_page(None, **LLAMA_H100)
    assert not at.exception and not at.error
    assert "plan.max_loras" not in {box.key for box in at.number_input}
    before = weights_bytes(at)
    at.checkbox(key="plan.enable_lora").check().run()
    assert not at.exception and not at.error
    at.number_input(key="plan.max_loras").set_value(4).run()
    assert not at.exception and not at.error
    assert weights_bytes(at) - before == LORA_BYTES
    assert "LoRA slots (inside the weights)" in texts(at)
    command = launch_command(at)
    assert command.endswith(" --enable-lora --max-loras 4 --max-lora-rank 16")
    assert command_problems(command, vllm_cli("0.34.0")) == []
    assert at.query_params["lora"] == "1" and at.query_params["loras"] == "4"
    at.checkbox(key="plan.enable_lora").uncheck().run()
    assert "--enable-lora" not in launch_command(at) and weights_bytes(at) == before


def _segment_bytes(bar: dict, name: str) -> list[int]:
    """A memory bar segment's bytes per bar (heights in GiB: a byte count over 2**30 is exact
    in a float)."""
    return [round(gib * GIB) for gib in _trace(bar, name)["y"]]


def _trace(bar: dict, name: str) -> dict:
    """The memory bar's segment whose legend entry starts with `name`."""
    return next(t for t in bar["data"] if t["name"].startswith(name))


def test_the_memory_bar_shows_the_slots_as_their_own_segment_and_the_metric_names_them() -> None:
    at = open_link("plan", **LLAMA_H100, lora="1", loras="4")
    assert not at.exception and not at.error
    bar = figure(at, "memory")
    slots = _trace(bar, "LoRA slots")
    assert _segment_bytes(bar, "LoRA slots") == [LORA_BYTES]
    assert list(slots["customdata"]) == ["0.34 GiB"]  # 369,844,352 / 2**30 = 0.344
    assert slots["name"] == "LoRA slots (0.34 GiB)"  # a sliver of the 80 GiB bar: named
    # the weights segment less the slots: the two together are the plan's weights
    assert [sum(s) for s in zip(_segment_bytes(bar, "weights"), [LORA_BYTES], strict=True)] == [
        weights_bytes(at)]
    assert [t["name"] for t in bar["data"]][:2] == ["weights", slots["name"]]
    [weights] = [m for m in at.metric if m.label == "Weights per GPU"]
    assert weights.delta == "0.34 GiB of them LoRA slots"  # the CLI's words
    off = open_link("plan", **LLAMA_H100)
    assert not any(t["name"].startswith("LoRA") for t in figure(off, "memory")["data"])
    assert not [m for m in off.metric if m.label == "Weights per GPU"][0].delta


def test_each_gpu_of_several_nodes_shows_its_own_stages_slots() -> None:
    # Qwen2.5-7B at PP=3, a GPU on each of 3 nodes (9 / 10 / 9 layers; no embedding or lm_head
    # slots), 4 slots of rank 16, worked in tests/planner/serving/test_lora.py
    # (test_the_reported_lora_bytes_are_the_heaviest_gpus): 5,767,168 elements a layer x 2 B,
    # plus 417,920 B of Punica buffers on each GPU
    at = open_link("plan", model="Qwen/Qwen2.5-7B-Instruct", gpu="h100-sxm", gpn="1",
                   nodes="3", tp="1", pp="3", lora="1", loras="4")
    assert not at.exception and not at.error
    bar = figure(at, "memory")
    layer = 5_767_168 * 2
    assert _segment_bytes(bar, "LoRA slots") == [9 * layer + 417_920, 10 * layer + 417_920,
                                                 9 * layer + 417_920]
    slots = _trace(bar, "LoRA slots")
    assert slots["name"] == "LoRA slots (up to 0.11 GiB)"  # 115,761,280 B = 0.108 GiB
    nodes, _ = slots["x"]
    assert list(nodes) == ["node 0", "node 1", "node 2"]  # the two-level, several-node axis


def test_a_link_plans_its_rank_and_sharding_counted_on_the_folded_options() -> None:
    at = open_link("plan", **{**LLAMA_H100, "gpn": "2"}, tp="2", lora="1", loras="2",
                   lorarank="64", fslora="1")
    assert not at.exception and not at.error
    assert more_options(at) == "More vLLM options (1 set)"
    assert at.selectbox(key="plan.max_lora_rank").value == 64
    assert " --enable-lora --max-loras 2 --max-lora-rank 64 --fully-sharded-loras" in (
        launch_command(at))


def test_a_link_specializes_the_graphs_per_active_lora_count() -> None:
    # 4 slots: graphs for 0, 1, 2, 4 and 5 active LoRAs, 5 x (51 + 51) x 8,808,038 B =
    # 4,492,099,380 B (tests/planner/serving/test_lora.py), where 2 x 102 x 8,808,038 B without
    at = open_link("plan", **LLAMA_H100, lora="1", loras="4", lorasp="1")
    assert not at.exception and not at.error
    assert at.checkbox(key="plan.specialize_active_lora").value is True
    assert " --enable-lora --max-loras 4 --max-lora-rank 16 --specialize-active-lora" in (
        launch_command(at))
    assert "CUDA graphs captured x 5 (0, 1, 2, 4 and 5 active LoRAs" in texts(at)
    assert "4,492,099,380" in texts(at)


def test_a_link_sets_the_lora_dtype_passed_when_not_auto() -> None:
    # vLLM's LoRADType offers auto, float16 and bfloat16 only: bfloat16 slots are the 2 B of
    # Llama-3.1-8B's auto ones, so the weights grow by the same 369,844,352 B
    base = weights_bytes(open_link("plan", **LLAMA_H100))
    at = open_link("plan", **LLAMA_H100, lora="1", loras="4", loradtype="bfloat16")
    assert not at.exception and not at.error
    assert at.selectbox(key="plan.lora_dtype").value == "bfloat16"
    assert weights_bytes(at) - base == LORA_BYTES
    command = launch_command(at)
    assert " --max-lora-rank 16 --lora-dtype bfloat16" in command
    assert command_problems(command, vllm_cli("0.34.0")) == []
    at.selectbox(key="plan.lora_dtype").set_value("auto").run()
    assert "--lora-dtype" not in launch_command(at)
    # float16 slots beside its bfloat16: vLLM's LoRA shrink asserts one dtype (lora.settings
    # .served_dtype_refusal), the plan's error
    at.selectbox(key="plan.lora_dtype").set_value("float16").run()
    assert not at.exception
    assert any("float16` slots beside a model served in bfloat16" in e.value
               and e.value.startswith("Does not fit: `--enable-lora`: vLLM fails as soon as")
               for e in at.error)


def test_a_model_whose_modules_are_not_read_drops_it_in_the_clis_words() -> None:
    at = open_link("plan", model="moonshotai/Kimi-VL-A3B-Instruct", gpu="h100-sxm",
                   gpn="1", lora="1")
    assert not at.exception
    [warning] = [w.value for w in at.main.warning if "not possible here" in w.value]
    assert warning.startswith("Multi-LoRA serving = on is not possible here: --enable-lora: "
                              "vLLM 0.34.0 fails at start-up (\"KimiVLForConditionalGeneration "
                              "does not support LoRA yet.\"")
    assert "plan.enable_lora" not in {box.key for box in at.checkbox}
    assert "--enable-lora" not in launch_command(at) and at.query_params["lora"] == "0"


def test_a_rank_tp_does_not_divide_is_a_plan_vllm_cannot_start() -> None:
    at = open_link("plan", **{**LLAMA_H100, "gpn": "2"}, tp="2", lora="1", lorarank="1",
                   fslora="1")
    assert not at.exception
    assert any("--max-lora-rank 1 over TP 2, which does not divide it" in e.value
               for e in at.error)


def test_qwen3_moe_gets_its_per_expert_slots() -> None:
    # Qwen3-30B-A3B on one H100, 4 slots of rank 16 at TP=1: worked by hand in
    # tests/planner/serving/test_lora_moe.py (TP1_BYTES: 48 layers x 70,459,392 + 2 x 9,854,976
    # elements x 2 B + 960 B of adapter flags + 417,920 B of Punica buffers)
    moe = {"model": "Qwen/Qwen3-30B-A3B", "gpu": "h100-sxm", "gpn": "1"}
    before = weights_bytes(open_link("plan", **moe))
    at = open_link("plan", **moe, lora="1", loras="4")
    assert not at.exception and not at.error
    assert weights_bytes(at) - before == 6_803_940_416
    assert launch_command(at).endswith(" --enable-lora --max-loras 4 --max-lora-rank 16")


def test_its_help_names_the_sized_expert_formats_and_deepseek() -> None:
    # the help listed the unquantized Qwen3-MoE family and gpt-oss only after FP8 (every
    # release), int4 / NVFP4 (vLLM 0.20 on) experts and DeepSeek-V2/V3 (0.19 on; a q_lora_rank
    # 0.20 on) were sized; DeepSeek-V2-Lite-Chat on one H100, 4 slots of rank 16 under 0.34.0:
    # (27 x 1,052,672 + 2,494,464 + 26 x 43,536,384) elements x 2 B + 520 B of adapter flags +
    # 417,920 B of Punica buffers (tests/planner/serving/test_lora_deepseek.py by hand)
    help_text = open_page(None, **LLAMA_H100).checkbox(key="plan.enable_lora").proto.help
    for words in ("DeepSeek-V2/V3's MLA ones from vLLM 0.19", "Kimi-K2, from 0.20",
                  "DeepSeek-V3.2 and GLM-5 also their sparse-attention indexer's wq_b, from "
                  "0.20",
                  "unquantized or FP8 experts", "FP8 on GPUs without FP8 from vLLM 0.20",
                  "int4 (GPTQ, AWQ, compressed-tensors) and NVFP4 experts from vLLM 0.20"):
        assert words in help_text, words
    deepseek = {"model": "deepseek-ai/DeepSeek-V2-Lite-Chat", "gpu": "h100-sxm", "gpn": "1"}
    before = weights_bytes(open_link("plan", **deepseek))
    at = open_link("plan", **deepseek, lora="1", loras="4")
    assert not at.exception and not at.error
    assert weights_bytes(at) - before == (
        (27 * 1_052_672 + 2_494_464 + 26 * 43_536_384) * 2 + 520 + 417_920)  # 2,326,143,624 B
    # vLLM's MLA decode never calls kv_b_proj (tests/planner/serving/test_lora_deepseek.py)
    assert any("kv_b_proj delta in prefill only" in w.value for w in at.main.warning)


def test_its_help_fits_its_tooltip_and_no_family_list_leaves_out_a_sized_one() -> None:
    # the help named the MoE families whose experts are wrapped, the models whose embedding
    # is, and the multimodal ones, as closed lists: Gemma 4, MiniMax-M2, GLM-5 and
    # Nemotron-H (sized since) read as left out, and Nemotron-H's Mamba2 projections and
    # router (no slots: vLLM skips a non-gated MoE's gate) were not said. At 1,475
    # characters it ran 25 px past Streamlit's 300 px tooltip at 1280x800 (cut at "one per",
    # helper 605's browser pass); 1,285 show whole there
    help_text = open_link("plan", **LLAMA_H100, lora="1").checkbox(
        key="plan.enable_lora").proto.help
    for words in ("on an MoE model every expert's and the router's (Nemotron-H: no router "
                  "slots)", "the Gated-DeltaNet and Mamba2 projections and conv1d on Qwen3.5, "
                  "Qwen3-Next and Nemotron-H", "the embedding and lm_head where the model "
                  "declares them", "a vision tower only with the tower option below, where it "
                  "is offered"):
        assert words in help_text, words
    assert "Qwen3-VL vision tower only" not in help_text  # Gemma 3's SigLIP tower is sized too
    assert len(help_text) <= 1_300, len(help_text)


@pytest.mark.parametrize(("model", "tower_bytes"), [
    # Qwen3-VL-32B on one H100, 4 slots, 8,192 tokens of context, vLLM's 8,192 batched tokens
    # and 1,024 sequences: the tower's and mergers' slots 71,299,072 B and their two Punica
    # wrappers 3,981,568 B; gemma-3-27b-it (a reconstructed catalog config), the same
    # settings: its SigLIP tower's slots 69,562,368 B and two Punica wrappers of 131,072 tokens
    # x 32,768 batches, 14,156,032 B (tests/planner/serving/test_lora_tower.py works them by
    # hand)
    ("Qwen/Qwen3-VL-32B-Instruct", 71_299_072 + 3_981_568),
    ("google/gemma-3-27b-it", 69_562_368 + 14_156_032)])
def test_a_link_puts_lora_on_the_vision_tower(model, tower_bytes) -> None:
    link = {"model": model, "gpu": "h100-sxm", "gpn": "1", "len": "8192", "lora": "1",
            "loras": "4"}
    base = weights_bytes(open_link("plan", **link))
    at = open_link("plan", **link, loratower="1")
    assert not at.exception and not at.error
    assert at.checkbox(key="plan.enable_tower_connector_lora").value is True
    assert weights_bytes(at) - base == tower_bytes
    command = launch_command(at)
    assert " --max-lora-rank 16 --enable-tower-connector-lora" in command
    assert command_problems(command, vllm_cli("0.34.0")) == []


def test_a_text_model_drops_the_tower_flag_saying_why() -> None:
    at = open_link("plan", **LLAMA_H100, lora="1", loratower="1")
    assert not at.exception
    # in mm_modes.tower_lora's words: vLLM ignores the flag for a model with no tower
    assert any("LoRA on the vision tower = on is not possible here" in w.value
               and "has no vision tower, and vLLM 0.34.0 reads the flag only for a multimodal "
               "model" in w.value and "ignores it without a log" in w.value
               for w in at.main.warning)
    assert "--enable-tower-connector-lora" not in launch_command(at)
    assert "--enable-lora" in launch_command(at)
    # and the box is not offered there: ticked, it only unticked itself again, saying why
    # below the figures (under the fold at 1366x768)
    assert "plan.enable_tower_connector_lora" not in _checkbox_keys(at)


def test_the_tower_box_is_offered_where_a_tower_is_sized() -> None:
    vl = open_link("plan", model="Qwen/Qwen3-VL-32B-Instruct", gpu="h100-sxm", gpn="1",
                   lora="1")
    assert "plan.enable_tower_connector_lora" in _checkbox_keys(vl)
    assert "plan.enable_tower_connector_lora" not in _checkbox_keys(
        open_link("plan", **LLAMA_H100, lora="1"))


def _checkbox_keys(at) -> set[str]:
    return {box.key for box in at.checkbox}


def test_the_speed_terms_show_the_lora_kernels_unvalidated() -> None:
    # the LoRA kernels' time (tests/planner/serving/test_lora_speed.py works it by hand): its
    # speed terms, labelled as not validated, beside the others
    at = show_chart(open_link("plan", **LLAMA_H100, lora="1", loras="4"),
                    "Throughput and latency")
    assert not at.exception and not at.error
    shown = texts(at)
    assert "Decode: LoRA kernels per stage step (not validated against measured LoRA runs)" \
        in shown
    assert "Prefill: LoRA kernels in one request's prefill (not validated against measured " \
        "LoRA runs)" in shown
    # the prefill's note says its own assumption, one adapter, and refers to the decode's
    # shared caveats (tests/planner/serving/test_lora_speed.py checks the words)
    assert ("1 adapter read: the one request's own, its prompt prefilled alone (no other "
            "request's adapter in its chunks); its slots read whole by every chunk on every "
            "stage; calibration, vLLM source and what is not counted: as lora_decode's note"
            ) in shown


def test_granite_is_offered_and_planned_as_the_cli_plans_it() -> None:
    # granite-3.3-8b-instruct at TP=1, 4 slots of rank 16 (worked by hand in
    # tests/planner/serving/test_lora_granite_mimo_nas.py): (40 x 4,947,968 + 2 x 3,408,320)
    # elements x 2 B + 417,920 B
    granite = {**LLAMA_H100, "model": "ibm-granite/granite-3.3-8b-instruct"}
    base = weights_bytes(open_link("plan", **granite))
    at = open_link("plan", **granite, lora="1", loras="4")
    assert not at.exception and not at.error
    assert weights_bytes(at) - base == (40 * 4_947_968 + 2 * 3_408_320) * 2 + 417_920
    assert launch_command(at).endswith(" --enable-lora --max-loras 4 --max-lora-rank 16")
