"""Every memory term names its inputs (units in the keys), worked by hand from the configs,
vLLM's rules as docs/how-the-numbers-are-made.md gives them and the fitted constants."""

import math

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan


def _terms(repo_id: str, gpu: str, gpus: int, layout: ParallelLayout, link: str | None = None,
           **engine) -> dict:
    entry = catalog_entry(repo_id)
    spec = parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id)
    cluster = preset_cluster(gpu, gpus, intra_node_link=link)
    return {t.key: t for t in plan(PlanRequest(model=spec, cluster=cluster, layout=layout,
                                               engine=EngineSettings(**engine))).terms}


def _seed(**engine) -> dict:
    """The seed: Qwen3-235B-A22B GPTQ int4 on 8 RTX 3090s at TP=8."""
    return _terms("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "rtx-3090", 8, ParallelLayout(tp=8),
                  **engine)


def test_seed_kv_bytes_per_token_inputs_are_the_configs_heads_replicated_at_tp8() -> None:
    # config.json: 94 layers, 4 KV heads, head_dim 128; vLLM get_num_kv_heads = max(1, 4 // 8)
    # = 1 head per GPU (each head on 2 ranks); 16-bit KV: 94 x 1 x (128 + 128) x 2 B = 48,128 B
    kv = _seed()["kv_bytes_per_token_per_gpu"]
    assert kv.inputs == {"layers": "94", "kv_heads": "4", "tp": "8", "kv_heads_per_gpu": "1",
                         "head_dim": "128", "v_head_dim": "128", "kv_dtype_bytes": "2",
                         "bytes_per_token_per_layer": "512"}
    assert kv.value == 94 * 1 * (128 + 128) * 2 == 48_128
    assert kv.note.startswith("KV heads per GPU: vLLM's ModelConfig.get_num_kv_heads, max(1, ")


def test_seed_activation_inputs_are_the_fits_terms_worked_by_hand() -> None:
    # vLLM's batch defaults below 70 GiB: 2,048 batched tokens, 256 sequences. config.json:
    # vocab 151,936, hidden 4,096, moe_intermediate_size 1,536 -> w13 up-projection 2 x 1,536
    # = 3,072 per expert (the widest MLP; not split by TP for the fit's F: per expert), 8
    # experts per token. S = 256 x 151,936 x 4 B = 155,582,464; F = 2,048 x (4,096 + 3,072) x
    # 2 B = 29,360,128; R = 2,048 x 8 x 4,096 x 2 B = 134,217,728. Fitted
    # (engine.activation.SAMPLER_COEF, v0.19 H100 start-ups): 3.637 S + 0.308 F + 2.574 R
    # = 920,372,772.9 B
    act = _seed()["activation"]
    assert act.inputs == {
        "tp": "8", "fitted_sampler_coef": "3.637", "sampler_seqs": "256", "vocab_size": "151936",
        "logits_dtype_bytes": "4", "sampler_bytes": "155582464", "fitted_forward_coef": "0.308",
        "max_num_batched_tokens": "2048", "hidden_size": "4096", "mlp_width_per_gpu": "3072",
        "activation_dtype_bytes": "2", "forward_bytes": "29360128",
        "fitted_moe_routed_coef": "2.574", "experts_per_token": "8",
        "moe_routed_bytes": "134217728"}
    assert act.value == int(3.637 * 155_582_464 + 0.308 * 29_360_128 + 2.574 * 134_217_728)


def test_seed_graph_inputs_are_vllms_capture_sizes() -> None:
    # capture sizes at 256 sequences, 2,048 batched tokens: 1, 2, 4, 8..248 by 8 (31), then
    # 256..min(2 x 256, 512) = 512 by 16 (17): 51 piecewise graphs; full decode graphs for the
    # sizes <= 256: 3 + 31 + 1 = 35. 8.4 MiB per graph (fitted) = int(8.4 x 2^20) = 8,808,038 B
    graphs = _seed()["cuda_graphs"]
    sizes = [1, 2, 4, *range(8, 256, 8), *range(256, 513, 16)]
    assert graphs.inputs == {
        "fitted_bytes_per_graph": "8808038", "piecewise_graphs": str(len(sizes)),
        "full_graphs": str(sum(1 for n in sizes if n <= 256)), "max_num_seqs": "256",
        "max_num_batched_tokens": "2048"}
    assert (len(sizes), graphs.value) == (51, 8_808_038 * (51 + 35))


def test_seed_budget_and_pool_inputs_add_up() -> None:
    # budget = ceil(the preset's CUDA total x 0.92); the pool is the budget less every other
    # term (VLLM_ACCOUNTING: requested memory - weights - peak - non-torch - graphs - buffers)
    terms = _seed(gpu_memory_utilization=0.92)
    budget, pool = terms["budget"], terms["kv_cache"]
    assert budget.inputs["gpu_memory_utilization"] == "0.92"
    assert budget.value == math.ceil(int(budget.inputs["total_bytes"]) * 0.92)
    parts = {k: int(v) for k, v in pool.inputs.items()}
    assert set(parts) == {"budget_bytes", "weights_bytes", "activation_bytes",
                          "non_torch_bytes", "runner_buffer_bytes", "cuda_graph_bytes"}
    assert pool.value == parts.pop("budget_bytes") - sum(parts.values())
    blocks = terms["num_blocks"]
    # 94 layers x 64 tokens x 512 B = 3,080,192 B a block
    assert blocks.inputs == {"kv_cache_bytes": str(int(pool.value)), "bytes_per_block": "3080192"}
    assert terms["bytes_per_block"].inputs == {"block_size_tokens": "64",
                                               "layers_per_group": "94", "page_bytes": "32768"}


def test_seed_non_torch_inputs_without_p2p_are_the_cuda_context_only() -> None:
    # GeForce without P2P: NCCL keeps its buffers in host memory; 0.25 GiB CUDA context
    assert _seed()["non_torch"].inputs == {"tp": "8", "pp": "1", "link": "pcie-no-p2p",
                                           "cuda_context_bytes": str(2**28)}


COUNTS = ("layers", "tp", "pp", "pp_stage", "tp_rank", "first_layer", "last_layer",
          "kv_heads", "kv_heads_per_gpu", "head_dim", "v_head_dim", "kv_lora_rank",
          "qk_rope_head_dim", "hidden_size", "vocab_size", "mlp_width_per_gpu",
          "experts_per_token", "max_num_seqs", "sampler_seqs", "kv_blocks", "warm_kv_blocks",
          "blocks_per_request", "kv_groups", "layers_per_group", "pages", "piecewise_graphs",
          "full_graphs", "captured_graphs", "nccl_p2p_connections", "gpu_memory_utilization",
          "fitted_sampler_coef", "fitted_forward_coef", "fitted_moe_routed_coef",
          "encoder_dummy_items", "encoder_patches", "encoder_video_frames",
          "encoder_padded_rows", "ep_size", "num_experts", "bitmask_words",
          "grammar_bitmask_rows", "block_table_blocks", "w13_matrices", "expert_matrices",
          "physical_experts",
          "logical_to_physical_slots", "load_experts", "window_steps", "window_experts")
"""Inputs that are counts or fractions (no unit); the kind-prefixed ones end with these."""
TEXTS = ("weight_format", "link", "runner", "kv_format", "all2all_backend", "moe_backend")
"""Inputs that are names (the kind-prefixed kv_format too)."""


def _has_unit(key: str) -> bool:
    """Bytes or tokens named in the key (total_bytes, bytes_per_block, max_model_len_tokens)."""
    words = key.split("_")
    return "bytes" in words or words[-1] == "tokens"


@pytest.mark.parametrize(("repo_id", "gpu", "gpus", "layout", "engine"), [
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "rtx-3090", 8, ParallelLayout(tp=4, pp=2), {}),
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "rtx-3090", 8, ParallelLayout(tp=8),
     {"kv_cache_memory_bytes": 4_000_000_000}),
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "rtx-3090", 8, ParallelLayout(tp=8),
     {"vllm_version": "0.10.1"}),
    ("deepseek-ai/DeepSeek-V3", "h200", 8, ParallelLayout(tp=8), {}),
    ("google/gemma-3-27b-it", "h100-sxm", 1, ParallelLayout(),
     {"kv_cache_dtype": "nvfp4"}),
    ("Qwen/Qwen3-30B-A3B", "h100-sxm", 4, ParallelLayout(tp=4, ep=True),
     {"enable_eplb": True}),
    ("meta-llama/Llama-3.1-8B-Instruct", "rtx-4090", 2, ParallelLayout(tp=2),
     {"enforce_eager": True}),
    ("Qwen/Qwen3-VL-30B-A3B-Instruct", "h100-sxm", 2, ParallelLayout(tp=2), {}),
    ("deepseek-ai/DeepSeek-V4-Flash", "h200", 8, ParallelLayout(tp=8), {}),
])
def test_every_memory_term_names_its_inputs_with_units(repo_id, gpu, gpus, layout,
                                                       engine) -> None:
    for term in _terms(repo_id, gpu, gpus, layout, **engine).values():
        assert term.inputs, term.key
        for key in term.inputs:
            assert _has_unit(key) or key.endswith(COUNTS + TEXTS), (term.key, key)


def test_non_torch_and_graph_notes_say_where_their_constants_come_from() -> None:
    # 2 RTX 4090s told they have PCIe P2P: the CUDA context (measured on the v0.19 H100
    # start-ups) and NCCL's P2P buffers, 4 connections x 9,633,792 B (NCCL src/init.cc's
    # default buffer sizes: 4 MiB + 4,915,200 + 524,288 B), the 4 assumed
    terms = _terms("meta-llama/Llama-3.1-8B-Instruct", "rtx-4090", 2, ParallelLayout(tp=2),
                   link="pcie")
    non_torch = terms["non_torch"]
    assert non_torch.inputs["nccl_connection_bytes"] == str(4 * 2**20 + 4_915_200 + 524_288)
    assert non_torch.inputs["nccl_p2p_connections"] == "4"
    assert non_torch.note.startswith("CUDA context: measured (")
    assert "4 connections per GPU assumed (unverified" in non_torch.note
    assert "8.4 MiB per graph: fitted (" in terms["cuda_graphs"].note
    # a given figure has no constant of ours to source
    given = _terms("meta-llama/Llama-3.1-8B-Instruct", "rtx-4090", 2, ParallelLayout(tp=2),
                   non_torch_bytes=2**28, cuda_graph_bytes=2**29)
    assert given["non_torch"].inputs == {"non_torch_bytes": str(2**28)}
    assert "fitted" not in given["non_torch"].note + given["cuda_graphs"].note


def test_a_vision_models_activation_inputs_hold_its_encoder_profile() -> None:
    # Qwen3-VL-30B-A3B at TP=2: the peak is max(the encoder's own, what it holds + the text
    # decoder's fitted peak), the decoder's from its S, F, R inputs and the fit's coefficients
    act = _terms("Qwen/Qwen3-VL-30B-A3B-Instruct", "h100-sxm", 2, ParallelLayout(tp=2))[
        "activation"]
    n = {k: float(v) for k, v in act.inputs.items()}
    decoder = int(n["fitted_sampler_coef"] * n["sampler_bytes"] + n["fitted_forward_coef"]
                  * n["forward_bytes"] + n["fitted_moe_routed_coef"] * n["moe_routed_bytes"])
    assert act.value == max(n["vision_encoder_peak_bytes"], n["encoder_held_bytes"] + decoder)
    # one dummy image at the image processor's largest size (the formula's 65,536 patches)
    assert (act.inputs["encoder_dummy_items"], act.inputs["encoder_patches"]) == ("1", "65536")


def test_the_eplb_rearrangement_names_its_parts() -> None:
    # Qwen3-30B-A3B at TP=4 with EP and EPLB: 48 MoE layers of 128 experts, 4 EP ranks; the
    # dummy forward's output 8,192 tokens x 2,048 hidden x 2 B = 33,554,432 B (the last stage)
    eplb = _terms("Qwen/Qwen3-30B-A3B", "h100-sxm", 4, ParallelLayout(tp=4, ep=True),
                  enable_eplb=True)["eplb_profile"]
    assert {k: eplb.inputs[k] for k in ("ep_size", "moe_layers", "num_experts",
                                        "dummy_output_bytes", "load_window_experts")} == {
        "ep_size": "4", "moe_layers": "48", "num_experts": "128",
        "dummy_output_bytes": str(8192 * 2048 * 2), "load_window_experts": "129"}


def test_the_block_term_says_where_its_block_size_comes_from() -> None:
    # vLLM 0.34.0's CacheConfig.DEFAULT_BLOCK_SIZE is 64 (16 before: vllm_versions
    # BLOCK_64_DEFAULT_FROM); a --block-size given is kept on a model without MLA
    assert _seed()["bytes_per_block"].note == (
        "64-token blocks: vLLM 0.34.0's CacheConfig.DEFAULT_BLOCK_SIZE")
    assert _seed(vllm_version="0.19.0")["bytes_per_block"].note.startswith(
        "16-token blocks: vLLM 0.19.0's")
    assert _seed(block_size=32)["bytes_per_block"].note == "32-token blocks: --block-size"
    # MLA: the attention backend's size, whatever it equals
    mla = _terms("deepseek-ai/DeepSeek-V3", "h200", 8, ParallelLayout(tp=8))["bytes_per_block"]
    assert "DEFAULT_BLOCK_SIZE" not in mla.note and "mla_block_size" in mla.note


def _int(inputs: dict, *keys: str) -> list[int]:
    return [int(inputs[k]) for k in keys]


def test_seed_v2_runner_buffers_name_their_row_sizes_with_sources() -> None:
    # Model Runner V2 (0.34.0), 256 sequences, vocab 151,936: int32 penalties and bitmasks of
    # cdiv(151,936, 32) = 4,748 words a row; a request's sampler tables: 1,024 allowed ids +
    # 1,024 logit-bias ids + 1,024 logit-bias values + 128 stop ids + 1,024 bad-word ids + 129
    # bad-word offsets + 128 logprob ids = 4,481 elements x 4 B = 17,924 B
    buffers = _seed()["runner_buffers"]
    n = buffers.inputs
    seqs, vocab, int32, words, rows, row = _int(
        n, "max_num_seqs", "vocab_size", "int32_bytes", "bitmask_words", "grammar_bitmask_rows",
        "sampler_request_row_bytes")
    assert (seqs, vocab, int32, words, rows, row) == (256, 151_936, 4, 4_748, 256, 17_924)
    assert row == (1024 * 3 + 128 + 1024 + 129 + 128) * 4
    assert int(n["output_bin_counts_bytes"]) == seqs * vocab * int32 == 155_582_464
    assert int(n["prompt_bin_mask_bytes"]) == seqs * words * int32 == 4_861_952
    assert int(n["grammar_bitmask_bytes"]) == rows * words * int32
    assert int(n["sampler_request_tables_bytes"]) == seqs * row == 4_588_544
    assert buffers.value == 155_582_464 + 2 * 4_861_952 + 4_588_544
    # each constant's source is in the note, not among the quantities
    assert not [k for k in n if k.endswith("_source")]
    assert ("sampler_request_row_bytes: (1,024 allowed_token_ids + " in buffers.note
            and "sample/logit_bias.py, bad_words.py, sampling_params.py, 0.27.0-0.34.0"
            in buffers.note)
    assert "bitmask_words: cdiv(vocab_size, 32) int32 words" in buffers.note
    assert "int32_bytes: torch.int32" in buffers.note


def test_v1_runner_buffers_name_the_block_tables_shape() -> None:
    # Qwen3-30B-A3B on an H100 at 0.27.1 starts on Model Runner V1: the placeholder block table
    # of 1,024 sequences x cdiv(40,960 / 16, 128 // gcd(128, 16) = 8) x 8 = 2,560 blocks, int32
    buffers = _terms("Qwen/Qwen3-30B-A3B", "h100-sxm", 1, ParallelLayout(),
                     vllm_version="0.27.1")["runner_buffers"]
    n = buffers.inputs
    assert n["runner"] == "v1"
    assert _int(n, "max_model_len_tokens", "block_size_tokens", "block_table_align_tokens",
                "block_table_blocks", "int32_bytes") == [40_960, 16, 128, 2_560, 4]
    assert int(n["block_table_bytes"]) == 1024 * 2560 * 4
    assert int(n["inputs_embeds_bytes"]) == 8192 * 2048 * int(n["activation_dtype_bytes"])
    assert ("block_table_align_tokens: v1/worker/block_table.py get_block_table_width("
            "token_alignment=128)") in buffers.note


def test_eplb_state_and_profile_constants_are_inputs_with_sources() -> None:
    # Qwen3-30B-A3B on 8 H100s at DP=8 + EP, EPLB with 8 redundant experts (0.34.0): 48 MoE
    # layers, 128 routed + 8 redundant = 136 physical experts, 17 a rank. EplbState: maps
    # 48 x 136 x 8 + 48 x 128 x (8 + 1 slots) x 8 + 48 x 128 x 8 B, load pass 48 x 136 x 4 B,
    # window 1,000 x 48 x 136 x 4 B, step 4 B, last load 48 x 128 x 8 B
    terms = _terms("Qwen/Qwen3-30B-A3B", "h100-sxm", 8, ParallelLayout(dp=8, ep=True),
                   enable_eplb=True, num_redundant_experts=8)
    w = terms["weights"].inputs
    assert _int(w, "eplb_moe_layers", "eplb_num_experts", "eplb_physical_experts",
                "eplb_int64_bytes", "eplb_logical_to_physical_slots", "eplb_load_experts",
                "eplb_int32_bytes", "eplb_load_window_steps") == [48, 128, 136, 8, 9, 136, 4,
                                                                  1000]
    state = (48 * 136 * 8 + 48 * 128 * 9 * 8 + 48 * 128 * 8 + 48 * 136 * 4
             + 1000 * 48 * 136 * 4 + 4 + 48 * 128 * 8)
    assert int(w["eplb_state_bytes"]) == state == 26_731_012
    # the buffers: that state and the transfer buffer, a copy of one layer's 17 local experts
    # (3 x 768 x 2,048 x 2 B each) in bf16
    layer = 17 * 3 * 768 * 2048 * 2
    assert int(w["buffers_bytes"]) == state + layer
    assert ("eplb_load_window_steps: EPLBConfig.window_size's default"
            in terms["weights"].note)
    # the profile's rearrangement: the copy, 8 ranks x its w13 (2 of 3 matrices), the logical
    # load window 1,000 x 48 x (128 + 1) x 4 B, the dummy output 8,192 x 2,048 x 2 B
    profile = terms["eplb_profile"]
    p = profile.inputs
    assert int(p["layer_experts_bytes"]) == layer
    assert _int(p, "w13_matrices", "expert_matrices") == [2, 3]  # w1 + w3 of w1, w2, w3
    assert int(p["w13_receive_bytes_per_rank"]) == layer * 2 // 3
    assert _int(p, "load_window_steps", "load_window_experts", "int32_bytes") == [1000, 129, 4]
    assert profile.value == layer + 8 * layer * 2 // 3 + 1000 * 48 * 129 * 4 + 8192 * 2048 * 2
    assert "load_window_experts: num_logical_experts + 1 (an invalid_idx + 1" in profile.note
    assert not [k for k in (*w, *p) if k.endswith("_source")]
