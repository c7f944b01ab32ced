"""The model runner's persistent buffers vLLM takes off the KV cache from 0.27.0
(planner.serving.runner_buffers, vllm_versions.RUNNER_BUFFERS_COUNTED_FROM).

Read by hand from the unzipped wheels: utils/mem_utils.py memory_profiling (0.26.0: weights +
torch_peak_increase + non_torch_increase; 0.27.0, 0.28.0, 0.31.0, 0.34.0: total_consumed +
transient_peak_headroom), v1/worker/gpu_model_runner.py GPUModelRunner.__init__ and
block_table.py (V1), v1/worker/gpu/model_runner.py load_model, sample/penalties.py,
logit_bias.py, bad_words.py, logprob.py, structured_outputs.py (V2). Figures from the catalog's
configs: Qwen3-8B hidden 4,096, vocab 151,936; Qwen3-30B-A3B hidden 2,048, vocab 151,936,
max_position_embeddings 40,960; bf16 (2 B)."""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan, plan_summary
from planner.serving.runner_buffers import V2_ROW_BYTES, block_table_width, runner_buffer_sizes
from planner.serving.vllm_versions import vllm_rules

_spec = cache(catalog_spec)

# Qwen3-8B on an H100 (>= 70 GiB: 8,192 batched tokens, 1,024 sequences), Model Runner V2:
# output_bin_counts 1,024 x 151,936 x 4 B = 622,329,856 B; prompt_bin_mask and grammar_bitmask
# 1,024 x cdiv(151,936, 32) = 4,748 x 4 B = 19,447,808 B each; the request tables
# 1,024 x 17,924 B = 18,354,176 B: 679,579,648 B in all
QWEN3_8B_V2 = 622_329_856 + 2 * 19_447_808 + 18_354_176


def _plan(repo_id: str, version: str, gpus: int = 1, **layout):
    return plan(PlanRequest(model=_spec(repo_id), cluster=preset_cluster("h100-sxm", gpus),
                            layout=ParallelLayout(**layout),
                            engine=EngineSettings(vllm_version=version)))


def _pool_without_buffers(p) -> int:
    """The binding rank's pool as 0.26.0 sizes it: budget - weights - activation - non-torch
    - CUDA graphs."""
    g = p.per_gpu[p.binding_rank]
    return (g.budget_bytes - g.weights_bytes - g.activation_bytes - g.non_torch_bytes
            - g.cuda_graph_bytes)


def test_the_rule_starts_at_0_27():
    # mem_utils.py: 0.26.0 adds weights_memory, 0.27.0 measures total_consumed
    assert not vllm_rules("0.26.0").runner_buffers
    assert vllm_rules("0.27.0").runner_buffers and vllm_rules("0.34.0").runner_buffers


def test_request_tables():
    # allowed, logit-bias ids, logit-bias values 1,024 each, stop ids 128, bad-word ids 1,024,
    # bad-word offsets 128 + 1, logprob token ids 128: 4,481 x 4 B
    assert V2_ROW_BYTES == 17_924


def test_qwen3_8b_on_v2_at_0_34():
    p = _plan("Qwen/Qwen3-8B", "0.34.0")
    assert (p.model_runner, p.max_num_batched_tokens, p.max_num_seqs) == ("v2", 8192, 1024)
    assert p.runner_buffer_bytes_per_gpu == QWEN3_8B_V2 == 679_579_648
    assert p.kv_cache_bytes_per_gpu == _pool_without_buffers(p) - 679_579_648
    term = next(t for t in p.terms if t.key == "runner_buffers")
    assert "output_bin_counts 1,024 x 151,936 x 4 B = 622,329,856 B" in term.formula
    assert term.formula.endswith("= 679,579,648 B (0.633 GiB)")
    assert "total_consumed" in term.note
    kv = next(t for t in p.terms if t.key == "kv_cache")
    assert "- 0.63 GiB runner buffers" in kv.formula and "- 0.63 GiB runner buffers" in kv.note
    assert plan_summary(PlanRequest(model=_spec("Qwen/Qwen3-8B"),
                                    cluster=preset_cluster("h100-sxm", 1),
                                    engine=EngineSettings(vllm_version="0.34.0"))
                        ).runner_buffer_bytes_per_gpu == 679_579_648


def test_0_26_counts_none():
    # the same V2 start-up at 0.26.0: the old formula, no term, the pool unchanged by them
    p = _plan("Qwen/Qwen3-8B", "0.26.0")
    assert p.model_runner == "v2" and p.runner_buffer_bytes_per_gpu == 0
    assert p.kv_cache_bytes_per_gpu == _pool_without_buffers(p)
    assert "runner_buffers" not in {t.key for t in p.terms}


def test_v1_runner_at_0_28():
    # Qwen3-30B-A3B (Qwen3MoeForCausalLM, unlisted MoE) runs V1 at 0.28.0: inputs_embeds
    # 8,192 x 2,048 x 2 B = 33,554,432 B; the placeholder block table at block 16 (--block-size
    # unset: CacheConfig.DEFAULT_BLOCK_SIZE), max_model_len 40,960: cdiv(40,960, 16) = 2,560
    # columns, a multiple of 128 / 16 = 8 already: 1,024 x 2,560 x 4 B = 10,485,760 B
    p = _plan("Qwen/Qwen3-30B-A3B", "0.28.0")
    assert p.model_runner == "v1"
    assert p.runner_buffer_bytes_per_gpu == 33_554_432 + 10_485_760 == 44_040_192
    assert p.kv_cache_bytes_per_gpu == _pool_without_buffers(p) - 44_040_192


def test_pp_stages_on_v2():
    # PP 2 on two H100s: the first stage holds no sampler and no intermediate tensors (the
    # small index buffers are left out); the last holds the sampler's 679,579,648 B and, off
    # the first stage, intermediate_tensors 2 x 8,192 x 4,096 x 2 B = 134,217,728 B
    p = _plan("Qwen/Qwen3-8B", "0.34.0", gpus=2, pp=2)
    assert [(g.pp_stage, g.runner_buffer_bytes) for g in p.per_gpu] == [
        (0, 0), (1, 679_579_648 + 134_217_728)]


def test_block_table_width():
    # get_block_table_width(token_alignment=128): 1,000 tokens in blocks of 16 = 63 blocks,
    # rounded up to a multiple of 128 / gcd(128, 16) = 8: 64; blocks of 48: cdiv(1,000, 48) =
    # 21, multiple of 128 / 16 = 8: 24; blocks of 256: 4, multiple of 1: 4
    assert block_table_width(1000, 16) == 64
    assert block_table_width(1000, 48) == 24
    assert block_table_width(1000, 256) == 4


@pytest.mark.parametrize(("runner", "first", "last", "draft", "multimodal", "expected"), [
    # V1 with an MTP draft on the last stage: + 2 x 2,048 x 1,024 x 2 B proposer buffers
    ("v1", True, True, 1, False, 2048 * 1024 * 2 + 256 * 128 * 4 + 2 * 2048 * 1024 * 2),
    # V2, 2 draft tokens: grammar_bitmask 256 x 3 rows; the speculator's hidden_states
    ("v2", True, True, 2, False,
     256 * 1000 * 4 + 256 * 32 * 4 + 768 * 32 * 4 + 256 * 17_924 + 2048 * 1024 * 2),
    # V2 middle stage of a multimodal model: the intermediate tensors only
    ("v2", False, False, 0, True, 2 * 2048 * 1024 * 2),
    # V2 first stage of a multimodal model: EncoderRunner's inputs_embeds only
    ("v2", True, False, 0, True, 2048 * 1024 * 2),
])
def test_parts_by_stage(runner, first, last, draft, multimodal, expected):
    # hidden 1,024, vocab 1,000 (cdiv(1,000, 32) = 32 words), 2,048 tokens, 256 sequences,
    # max_model_len 2,000 in blocks of 16: 125 blocks -> 128 columns
    parts = runner_buffer_sizes(runner, 1024, 1000, 2048, 256, 2000, 16, 2, first_stage=first,
                                last_stage=last, multimodal=multimodal,
                                draft_tokens=draft).parts
    assert sum(n for _, n in parts) == expected


def test_a_formula_of_one_part_gives_its_figure_once():
    # Kimi-K2 at PP 4 binds on stage 2, a middle stage: no sampler, only the intermediate
    # tensors 2 x 8,192 x 7,168 (hidden_size) x 2 B = 234,881,024 B, which the formula said
    # twice ("... x 2 B = 234,881,024 B = 234,881,024 B")
    p = plan(PlanRequest(model=_spec("moonshotai/Kimi-K2-Instruct"),
                         cluster=preset_cluster("h100-sxm", 8, nodes=2),
                         layout=ParallelLayout(tp=4, pp=4),
                         engine=EngineSettings(vllm_version="0.34.0")))
    [term] = [t for t in p.terms if t.key == "runner_buffers"]
    assert term.formula == ("Model Runner V2 (vLLM 0.34.0): PP intermediate tensors 2 x 8,192 x "
                            "7,168 x 2 B = 234,881,024 B (0.219 GiB)")
