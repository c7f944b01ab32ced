"""The CLI's layout when none of --tp/--pp/--dp is given: the hardware's, as the app opens on.

Both call planner.serving.auto_layout (TP = GPUs per node, the nodes as the fewest pipeline
stages a replica needs with data-parallel replicas over the rest, else the best valid layout
that fits); the CLI passes its --ep (off by default, as vLLM), the app its EP box (on).

Hand-worked from the configs (planner/catalog_data):
DeepSeek-V3: 61 layers, the first 3 dense (first_k_dense_replace), so 58 MoE layers of 256
routed experts, each 3 matrices (gate, up, down) of hidden 7168 x moe_intermediate 2048 in
FP8 (1 B) with one fp32 scale per 128 x 128 block: 3 x 7168 x 2048 = 44,040,192 B and
3 x (7168 / 128) x (2048 / 128) x 4 B = 10,752 B per expert; 58 x 256 x 44,050,944 =
654,068,416,512 B of routed experts. On 2 nodes x 8 (TP=8 x DP=2) they are spread over 16
ranks with EP (256 / 16 = 16 whole experts each) and without it too, each expert sliced over
TP x DP = 16 ranks (vLLM's FusedMoEParallelConfig flattens the MoE layer's TP across DP:
planner.serving.layout.ParallelLayout.expert_tp): 654,068,416,512 / 16 = 40,879,276,032 B
(38.07 GiB) per GPU either way, so the weights per GPU are the same with and without EP and
TP=8 x DP=2 fits both ways. Were each replica's experts sliced over its own 8 GPUs only, a
GPU would hold 81,758,552,064 B of them, over the 0.92 x 79.19 GiB budget.
Qwen3-8B: 32 query heads and 8 KV heads, neither divisible by 3, so on 3 GPUs only TP=1
runs (3 replicas or 3 pipeline stages of 36 / 3 = 12 layers); KV bytes per token =
36 layers x 2 (K, V) x 8 heads x 128 x 2 B = 147,456 B, so one request at its
max_position_embeddings 40,960 needs 40,960 x 147,456 = 6,039,797,760 B (5.62 GiB) of KV
cache, per GPU for a replica on one GPU, a third of it on each of 3 pipeline stages.
"""

import json

import pytest

from tests.app.conftest import open_page
from tests.cli.conftest import run_main

DSV3 = ["--model", "deepseek-ai/DeepSeek-V3", "--gpu", "h100-sxm", "--gpus", "16",
        "--nodes", "2"]
DSV3_ROUTED_BYTES = 58 * 256 * (3 * 7168 * 2048 + 3 * (7168 // 128) * (2048 // 128) * 4)
QWEN3_8B = ["--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--gpus", "3"]
QWEN3_8B_KV_BYTES_PER_TOKEN = 36 * 2 * 8 * 128 * 2
QWEN3_8B_MAX_LEN = 40_960


def plan_json(capsys, *argv: str) -> tuple[dict, str]:
    code, out, err = run_main(capsys, "plan", *argv, "--json")
    assert code == 0, err
    return json.loads(out), err


def layout(tp: int, pp: int = 1, dp: int = 1, ep: bool = False) -> dict:
    return {"tp": tp, "pp": pp, "dp": dp, "ep": ep}


def test_the_hand_figures() -> None:
    assert DSV3_ROUTED_BYTES == 654_068_416_512
    assert QWEN3_8B_KV_BYTES_PER_TOKEN * QWEN3_8B_MAX_LEN == 6_039_797_760


@pytest.mark.parametrize("ep", [False, True])
def test_deepseek_v3_on_two_nodes_of_8_h100_opens_on_a_replica_per_node(capsys, ep) -> None:
    """TP=8 x DP=2 (it was TP=8 x PP=2), with EP only where --ep asks; the routed experts
    cost 1/16 of theirs per GPU either way."""
    data, _ = plan_json(capsys, *DSV3, *(["--ep"] if ep else []))
    assert data["layout"] == layout(8, dp=2, ep=ep)
    assert data["layout_auto"] is True
    assert data["layout_note"].startswith("Layout chosen for this hardware: TP = GPUs per node")
    assert data["fits"] is True
    assert data["gpus_used"] == 16
    assert "--tensor-parallel-size 8 --data-parallel-size 2" in data["vllm_command"]
    assert ("--enable-expert-parallel" in data["vllm_command"]) is ep
    per_gpu_routed = DSV3_ROUTED_BYTES // 16
    assert per_gpu_routed == 40_879_276_032
    assert data["weights_bytes_per_gpu"] > per_gpu_routed
    # a replica's experts over its own 8 GPUs would not fit the budget
    assert data["per_gpu"][0]["budget_bytes"] < DSV3_ROUTED_BYTES // 8


def test_deepseek_v3_weighs_the_same_per_gpu_with_and_without_ep_but_its_shared_experts(
        capsys) -> None:
    """TP=8 x DP=2: the routed experts weigh the same per GPU whether EP spreads them over the
    16 ranks or TP x DP slices each over 16; with EP vLLM also turns on sequence-parallel MoE
    (EP, TP > 1, DP > 1: vllm_versions.sequence_parallel_moe), under which deepseek_v2.py
    builds the shared expert whole on every GPU (disable_tp=is_sequence_parallel, 0.11.0 on):
    58 MoE layers x (3 x 7,168 x 2,048 FP8 bytes + 3 x 56 x 16 float32 block scales x 4 B) =
    2,554,954,752 B whole, where TP=8 holds an eighth: 7/8 of it more a GPU."""
    without, _ = plan_json(capsys, *DSV3)
    with_ep, _ = plan_json(capsys, *DSV3, "--ep")
    shared_bytes = 58 * (3 * 7168 * 2048 + 3 * (7168 // 128) * (2048 // 128) * 4)
    assert shared_bytes == 2_554_954_752
    assert with_ep["weights_bytes_per_gpu"] - without["weights_bytes_per_gpu"] \
        == shared_bytes - shared_bytes // 8 == 2_235_585_408


def test_explicit_flags_are_honoured_as_before(capsys) -> None:
    """--tp 8 alone keeps PP = DP = 1 (8 of the 16 GPUs), though it does not fit: the
    weights of 671 B FP8 parameters over 8 GPUs pass a GPU's budget; --pp 2 alone gives
    TP = 16 / 2 = 8, the CLI's old default."""
    data, err = plan_json(capsys, *DSV3, "--tp", "8")
    assert data["layout"] == layout(8)
    assert data["layout_auto"] is False and data["layout_note"] is None
    assert data["fits"] is False
    assert data["per_gpu"][0]["budget_bytes"] < DSV3_ROUTED_BYTES // 8
    data, _ = plan_json(capsys, *DSV3, "--pp", "2")
    assert data["layout"] == layout(8, pp=2)
    assert data["layout_auto"] is False


def test_the_text_plan_says_the_layout_is_the_hardwares(capsys) -> None:
    code, out, _ = run_main(capsys, "plan", *DSV3)
    assert code == 0
    first, second = out.splitlines()[:2]
    assert first.endswith(", TP=8 x DP=2")
    assert second.startswith("Layout chosen for this hardware: ")
    assert second.endswith("; give --tp, --pp or --dp to change it.")
    code, out, _ = run_main(capsys, "plan", *DSV3, "--dp", "2")
    assert code == 0 and "Layout chosen" not in out
    # one GPU has no other layout: no rule to explain (the JSON keeps layout_note)
    code, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090",
                            "--max-model-len", "8k")
    assert code == 0 and out.splitlines()[:2] == ["Qwen/Qwen3-8B on 1x NVIDIA GeForce RTX 4090, "
                                                  "TP=1", ""]


def test_one_node_where_tp_over_all_gpus_is_refused_opens_on_pipeline_stages(capsys) -> None:
    """3 RTX 3090s, Qwen3-8B: TP=3 (the old default: exit 2) is refused, so the layout is the
    best of TP=1 x DP=3 and TP=1 x PP=3. A whole replica on one GPU leaves too little for
    one 40,960-token request (6,039,797,760 B of KV cache); three stages hold it."""
    code, _, err = run_main(capsys, "plan", *QWEN3_8B, "--tp", "3")
    assert code == 2 and "invalid layout TP=3" in err
    data, _ = plan_json(capsys, *QWEN3_8B)
    assert data["layout"] == layout(1, pp=3)
    assert data["layout_auto"] is True and data["fits"] is True
    assert data["kv_bytes_per_token"] == QWEN3_8B_KV_BYTES_PER_TOKEN
    assert data["kv_bytes_per_token_per_gpu"] == QWEN3_8B_KV_BYTES_PER_TOKEN // 3
    replicas, _ = plan_json(capsys, *QWEN3_8B, "--dp", "3")
    assert replicas["layout"] == layout(1, dp=3) and replicas["fits"] is False
    assert replicas["kv_cache_bytes_per_gpu"] < QWEN3_8B_KV_BYTES_PER_TOKEN * QWEN3_8B_MAX_LEN
    assert data["kv_cache_bytes_per_gpu"] >= \
        QWEN3_8B_KV_BYTES_PER_TOKEN // 3 * QWEN3_8B_MAX_LEN


def test_ep_is_as_given_on_the_hardwares_layout(capsys) -> None:
    """--ep keeps the flag where it spreads nothing (Qwen3-30B-A3B on one H100: TP=1 + EP,
    as before) and is refused on a dense model (Qwen3-8B has no routed experts) naming the
    hardware's layout and the ones vLLM takes."""
    data, _ = plan_json(capsys, "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--ep")
    assert data["layout"] == layout(1, ep=True) and data["layout_auto"] is True
    assert "--enable-expert-parallel" in data["vllm_command"]
    code, out, err = run_main(capsys, "plan", *QWEN3_8B, "--ep")
    assert code == 2 and out == ""
    assert err == ("python -m planner plan: error: invalid layout TP=1 x PP=3 + EP: "
                   "vLLM refuses --enable-expert-parallel for a model without routed "
                   "experts: Number of experts in the model must be greater than 0 when "
                   "expert parallelism is enabled. "
                   "Layouts vLLM takes on all 3 GPUs (--tp, --pp, --dp): TP=1 x DP=3, "
                   "TP=1 x PP=3.\n")


def test_a_refused_ep_is_said_in_one_line_as_before(capsys) -> None:
    """gpt-oss-120b (MXFP4) on 2 B200s of 48 GiB under vLLM 0.10.1: with EP vLLM runs
    FlashInfer's MXFP4 MoE, which asserts "EP is not supported for flashinfer mxfp4 moe
    backend yet." (quantization/mxfp4.py); auto_layout passes over that layout, but --ep asks
    for it, so the CLI exits 2 in vLLM's words; without --ep it plans TP=2."""
    base = ["--model", "openai/gpt-oss-120b", "--gpu-memory-gib", "48", "--gpu-name", "B200",
            "--gpus", "2", "--vllm-version", "0.10.1", "--max-model-len", "8192"]
    code, out, err = run_main(capsys, "plan", *base, "--ep")
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    assert err.startswith("python -m planner plan: error: vLLM 0.10.1 stops at start-up")
    assert '"EP is not supported for flashinfer mxfp4 moe backend yet."' in err
    data, _ = plan_json(capsys, *base)
    assert data["layout"] == layout(2) and data["layout_auto"] is True


@pytest.mark.parametrize(("model", "gpu", "gpn", "nodes", "ep"), [
    ("deepseek-ai/DeepSeek-V3", "h100-sxm", 8, 2, False),
    ("deepseek-ai/DeepSeek-V3", "h100-sxm", 8, 2, True),
    ("Qwen/Qwen3-30B-A3B", "h100-sxm", 2, 1, True),
    ("Qwen/Qwen3-8B", "rtx-3090", 3, 1, False),  # dense: the CLI refuses --ep on it
])
def test_the_cli_and_the_app_open_on_the_same_layout(capsys, model, gpu, gpn, nodes,
                                                     ep) -> None:
    """The Plan page's widgets and command (ui.context.layout_for) against plan --json, for
    the same hardware and EP choice."""
    data, _ = plan_json(capsys, "--model", model, "--gpu", gpu, "--gpus", str(gpn * nodes),
                        "--nodes", str(nodes), *(["--ep"] if ep else []))
    at = open_page(None, model=model, gpu=gpu, gpn=str(gpn), nodes=str(nodes),
                   ep="1" if ep else "0")
    assert not at.exception
    app = {field: at.selectbox(key=f"plan.{field}").value for field in ("tp", "pp", "dp")}
    app["ep"] = "--enable-expert-parallel" in at.code[0].value
    assert app == data["layout"]


def test_the_report_names_the_layout_rule_only_where_there_was_a_choice(capsys) -> None:
    # as plan's text: one GPU has one layout (TP=1), so the markdown leaves the rule out, and
    # the report's JSON keeps layout_rule (a contract); 16 H100s do list it
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090",
                            "--max-model-len", "8k")
    assert code == 0 and "Layout chosen" not in out
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090",
                            "--max-model-len", "8k", "--format", "json")
    assert code == 0 and json.loads(out)["layout_rule"].startswith("TP = GPUs per node")
    code, out, _ = run_main(capsys, "report", *DSV3)
    assert code == 0 and "- Layout chosen for this hardware: TP = GPUs per node" in out


KIMI_K2 = ["--model", "moonshotai/Kimi-K2-Instruct", "--gpu", "h100-sxm", "--gpus", "16",
           "--nodes", "2"]


def test_a_fall_back_says_why_the_first_choice_was_passed_over(capsys) -> None:
    """Kimi-K2 on 2 nodes of 8 H100 opens on TP=4 x PP=4, and the note said only the rule:
    it now names the first choice with the most stages, TP=8 x PP=2, and what turned it down,
    the memory it misses by (its own plan's memory_shortfall_bytes_per_gpu), as that plan's
    verdict says it does not fit (TP=8 x DP=2 holds more per GPU: the full model a replica)."""
    data, _ = plan_json(capsys, *KIMI_K2)
    assert data["layout"] == layout(4, pp=4) and data["fits"] is True
    first, _ = plan_json(capsys, *KIMI_K2, "--tp", "8", "--pp", "2")
    assert first["fits"] is False and first["verdict"].startswith("Does not fit: ")
    short_gib = first["memory_shortfall_bytes_per_gpu"] / 2**30
    assert short_gib > 0
    assert data["layout_note"].endswith(
        f"fitting); TP=8 x PP=2 was passed over: it is {short_gib:,.2f} GiB per GPU short of "
        "memory; give --tp, --pp or --dp to change it.")


def test_a_pipeline_refusal_quotes_the_refusing_stages_need(capsys) -> None:
    """vLLM checks each worker's own layers against its own memory, in rank order
    (get_kv_cache_configs, 0.29.0), and raises at the first short one. Kimi-K2 (61 MLA
    layers, one latent of kv_lora_rank 512 + qk_rope_head_dim 64 in 2 B: 1,152 B a token a
    layer, the same on every TP rank) at TP=8 x PP=2: stage 0 holds 31 layers and fits, stage 1
    holds 30, where a 131,072-token request needs 131,072 x 30 x 1,152 = 4,529,848,320 B
    (4.22 GiB). The message said 4.36 GiB, stage 0's 131,072 x 31 x 1,152 B, against stage 1's
    memory, 0.38 GiB apart where the shortfall reads 0.24. From 0.29 the check holds one block
    (64 tokens x 30 x 1,152 = 2,211,840 B) back, so the shortfall is need + block - pool."""
    first, _ = plan_json(capsys, *KIMI_K2, "--tp", "8", "--pp", "2")
    need, block = 131_072 * 30 * 1_152, 64 * 30 * 1_152
    assert "(4.22 GiB KV cache is needed, which is larger than the available KV cache" \
        in first["verdict"]
    stage1 = [g for g in first["per_gpu"] if g["pp_stage"] == 1]
    assert {g["kv_bytes_per_token"] for g in stage1} == {30 * 1_152}
    pool = min(g["kv_cache_bytes"] for g in stage1)
    assert first["memory_shortfall_bytes_per_gpu"] == need + block - pool
    assert f"memory ({(pool - block) / 2**30:.2f} GiB)" in first["verdict"]


def test_a_fall_back_names_the_vllm_rule_that_refused_the_first_choice(capsys) -> None:
    # Qwen3-8B on 3 GPUs of one node: TP=3 splits 32 query heads 3 ways (module docstring)
    code, out, err = run_main(capsys, "plan", *QWEN3_8B)
    assert code == 0, err
    first, second = out.splitlines()[:2]
    assert first.endswith(", TP=1 x PP=3")
    assert second.endswith(
        "; TP=3 was passed over: vLLM refuses it (Total number of attention heads (32) must "
        "be divisible by tensor parallel size (3)); give --tp, --pp or --dp to change it.")
    # the report says it too (its JSON's layout_rule; its markdown line is the same text)
    code, out, _ = run_main(capsys, "report", *QWEN3_8B, "--format", "json")
    assert code == 0
    assert json.loads(out)["layout_rule"].endswith(
        "; TP=3 was passed over: vLLM refuses it (Total number of attention heads (32) must "
        "be divisible by tensor parallel size (3))")
    # the app's Plan page caption, in its own words for the flags
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-3090", gpn="3")
    assert not at.exception
    [caption] = [c.value for c in at.caption
                 if c.value.startswith("Layout chosen for this hardware: ")]
    assert "; TP=3 was passed over: vLLM refuses it (Total number of attention heads " in caption
    assert caption.endswith("; pick TP, PP or DP to change it.")


def test_no_reason_where_the_first_choice_is_taken(capsys) -> None:
    # DeepSeek-V3's TP=8 x DP=2 is the rule's first choice: the rule alone
    data, _ = plan_json(capsys, *DSV3)
    assert data["layout_note"].endswith(
        "split closest to fitting); give --tp, --pp or --dp to change it.")
    assert "passed over" not in data["layout_note"]


def test_plan_and_report_say_the_passed_over_layout_with_the_wanted_ep(capsys) -> None:
    # Qwen3-30B-A3B (MoE, 32 query heads) on 3 RTX 3090 with EP wanted: the first choice
    # TP=3 + EP is refused (32 heads over 3), so the plan opens on TP=1 x PP=3, where the
    # app drops EP (one rank per stage). The Report page ranked with that dropped EP and said
    # "TP=3 was passed over" where the Plan page (and the CLI) said "TP=3 + EP was passed over"
    url = {"model": "Qwen/Qwen3-30B-A3B", "gpu": "rtx-3090", "gpn": "3", "ep": "1"}
    said = "; TP=3 + EP was passed over: vLLM refuses it (Total number of attention heads (32)"
    at = open_page(None, **url)
    assert not at.exception
    [caption] = [c.value for c in at.caption
                 if c.value.startswith("Layout chosen for this hardware: ")]
    assert said in caption
    at = open_page("report", **url)
    assert not at.exception
    page = at.main.markdown[-1].value
    assert "- Configuration: TP=1 x PP=3 on 3x" in page  # EP dropped at TP x DP = 1
    assert said in page
    flags = ["--model", "Qwen/Qwen3-30B-A3B", "--gpu", "rtx-3090", "--gpus", "3", "--ep"]
    for command in ("plan", "report"):  # the CLI keeps EP as given: the same words
        code, out, err = run_main(capsys, command, *flags)
        assert code == 0, err
        assert said in out


def test_the_reports_decode_terms_name_their_pp_stage(capsys) -> None:
    # Kimi-K2 at TP=4 x PP=4: vLLM splits 61 layers 15, 15, 16, 15, and the memory plan binds
    # on PP stage 2 (layers 30-45: 16 x 1,152 B = 18,432 B of KV a token); the speed terms
    # are the slowest stage's, the last (15 layers, with the lm_head: 15 x 1,152 = 17,280 B),
    # which the report left unsaid, so the two KV figures read as disagreeing
    code, out, err = run_main(capsys, "report", *KIMI_K2)
    assert code == 0, err
    assert "one GPU at TP=4, PP stage 2, layers 30-45:" in out
    assert " x 17,280 B / " in out
    assert ("\n- the decode terms above are the slowest stage's, PP stage 3 of 0-3 (15 layers; "
            in out)
