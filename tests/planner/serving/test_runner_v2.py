"""Model Runner V2's own start-up terms (planner.serving.runner_v2), per release.

Each rule is read by hand from the unzipped PyPI wheels' vllm/v1/worker/gpu/model_runner.py
(profile_run, _dummy_run, _dummy_sampler_run, profile_cudagraph_memory) and sample/sampler.py
(apply_sampling_params); the figures are worked out by hand from the catalog's configs
(Qwen3-8B: hidden 4,096, intermediate 12,288, vocab 151,936; Qwen3-32B: 5,120 / 25,600;
Qwen3-0.6B: 1,024 / 3,072), bf16 activations (2 B)."""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings, model_facts
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.runner_v2 import v2_warm_activation
from planner.serving.vllm_versions import vllm_rules
from planner.units import GIB

_spec = cache(catalog_spec)


def _warm(repo_id: str, layers: range, last: bool, mbt: int, seqs: int, tp: int, fp32: bool):
    spec = _spec(repo_id)
    return v2_warm_activation(spec, model_facts(spec), layers, last, mbt, seqs, tp, 2, fp32)


@pytest.mark.parametrize(("version", "estimate", "fp32"), [
    ("0.22.0", False, True), ("0.25.0", False, True),  # sampler.py:133 / :157 fp32 copy always
    ("0.26.0", False, False),  # apply_sampling_params works in place (clone for raw logprobs)
    ("0.28.0", False, False),  # model_runner.py:843-845 `return 0`; needs_logits_processing
    ("0.29.0", True, False),  # model_runner.py:896-898 cudagraph_utils.profile_cudagraph_memory
    ("0.32.0", True, False),
    ("0.33.0", True, True),  # model_runner.py:1008-1014 the for_sampler_warmup() pass
])
def test_rules_per_release(version, estimate, fp32):
    rules = vllm_rules(version)
    assert (rules.v2_graph_estimate, rules.v2_sampler_fp32) == (estimate, fp32)


def test_qwen3_8b_rtx4090_forward_moment():
    # vLLM 0.27.1, one RTX 4090, `vllm serve` defaults below 70 GiB: 2,048 batched tokens,
    # 256 sequences. Forward: residual + gate_up (2 x 12,288) + SiluAndMul output (12,288):
    # 2,048 x (4,096 + 24,576 + 12,288) x 2 = 167,772,160 B (0.156 GiB). Sampler: (2,048 +
    # 256) x 4,096 x 2 = 18,874,368 held + 256 x 151,936 x 2 = 77,791,232 logits = 96,665,600,
    # below the forward. The start-ups this is for log 0.19 GiB warm and 1.18 GiB cold
    # (bench/public_memory_runs.json): the warm one within 0.04 GiB.
    total, formula = _warm("Qwen/Qwen3-8B", range(36), True, 2048, 256, 1, False)
    assert total == 167_772_160
    assert "0.090 GiB" in formula and "= 0.156 GiB" in formula
    assert abs(total / GIB - 0.19) < 0.04


def test_fp32_copy_before_0_26():
    # Qwen3-0.6B at 8,192 tokens, 1,024 sequences: the forward 8,192 x (1,024 + 9,216) x 2 =
    # 167,772,160 is below the sampler. 0.26-0.32: (8,192 + 1,024) x 1,024 x 2 = 18,874,368
    # + 1,024 x 151,936 x 2 = 311,164,928 -> 330,039,296; 0.22-0.25 and 0.33 add the fp32 copy,
    # 1,024 x 151,936 x 4 = 622,329,856 -> 952,369,152.
    assert _warm("Qwen/Qwen3-0.6B", range(28), True, 8192, 1024, 1, False)[0] == 330_039_296
    assert _warm("Qwen/Qwen3-0.6B", range(28), True, 8192, 1024, 1, True)[0] == 952_369_152


def test_tp2_all_gather_and_first_stage():
    # Qwen3-32B at TP=2, 8,192 tokens, 1,024 sequences (the RTX PRO 6000 pair): the pynccl
    # all-gather holds the shard (1,024 x 75,968 x 2 = 155,582,464), the gathered buffer and its
    # copy (2 x 311,164,928) beside (8,192 + 1,024) x 5,120 x 2 = 94,371,840 held: 872,284,160,
    # above the forward 8,192 x (5,120 + 76,800 / 2) x 2 = 713,031,680.
    assert _warm("Qwen/Qwen3-32B", range(64), True, 8192, 1024, 2, False)[0] == 872_284_160
    # PP=2's first stage runs no sampler: its forward at TP=1, 8,192 x (5,120 + 76,800) x 2
    assert _warm("Qwen/Qwen3-32B", range(32), False, 8192, 1024, 1, False)[0] == 1_342_177_280


@pytest.mark.parametrize("repo_id", ["Qwen/Qwen3-30B-A3B", "Qwen/Qwen3.5-27B"])
def test_moe_and_hybrids_not_modelled(repo_id):
    # V2's forward of a MoE block or a Gated-DeltaNet layer is not read: no figure
    assert _warm(repo_id, range(4), True, 2048, 256, 1, False) is None


def _plan(version: str):
    return plan(PlanRequest(model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("rtx-4090", 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192)))


def test_plan_keeps_v1_terms_and_shows_the_warm_restart():
    # 0.27.1: the plan still subtracts the V1 runner's figures (a first start-up); the KV term
    # says what V2 sizes on a warm restart: its own activation and no graph estimate
    p = _plan("0.27.1")
    g = p.per_gpu[p.binding_rank]
    notes = {t.key: t.note for t in p.terms}
    warm = g.kv_cache_bytes + g.activation_bytes - 167_772_160 + g.cuda_graph_bytes
    assert "- 0.16 GiB activation" in notes["kv_cache"]
    assert f"0.00 GiB CUDA graphs = {warm / GIB:.2f} GiB" in notes["kv_cache"]
    assert "returns 0 in the 0.20.0-0.28.0 wheels" in notes["cuda_graphs"]
    assert "1.18 GiB cold, 0.19 GiB warm" in notes["activation"]
    # the warm start-ups log 43,040 tokens x 147,456 B a token = 5.91 GiB: within 5 %
    assert abs(warm / GIB / (43_040 * 147_456 / GIB) - 1) < 0.05
    # 0.29.0 estimates the graphs too: a warm restart keeps that figure subtracted
    p = _plan("0.29.0")
    g = p.per_gpu[p.binding_rank]
    notes = {t.key: t.note for t in p.terms}
    warm = g.kv_cache_bytes + g.activation_bytes - 167_772_160
    assert f"= {warm / GIB:.2f} GiB" in notes["kv_cache"]
    assert "estimates it by capturing" in notes["cuda_graphs"]
    assert p.v2_warm_restart_available_kv_bytes == warm  # the note's figure, as data


def test_no_warm_figure_off_v2_or_with_a_given_pool():
    old = _plan("0.19.0")
    assert old.model_runner == "v1"
    assert not any("Model Runner V2" in t.note for t in old.terms)
    given = plan(PlanRequest(model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("rtx-4090", 1),
                             engine=EngineSettings(vllm_version="0.27.1", max_model_len=8192,
                                                   kv_cache_memory_bytes=4 * GIB)))
    assert {t.key: t.note for t in given.terms}["kv_cache"] == ""
    # no warm-restart pool as data either: V1, or a pool given (profiling skipped)
    assert old.v2_warm_restart_available_kv_bytes is None
    assert given.v2_warm_restart_available_kv_bytes is None


def test_a_given_activation_peak_is_shown_as_given():
    # EngineSettings.activation_bytes overrides the fitted peak: the term is that figure,
    # 1,000,000,000 B = 0.93 GiB, not the fit's formula (0.56 GiB for Qwen3-8B at 2,048 tokens)
    # nor its source, and the V2 notes do not call it the V1 runner's figure
    given = plan(PlanRequest(model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("rtx-4090", 1),
                             engine=EngineSettings(vllm_version="0.27.1", max_model_len=8192,
                                                   activation_bytes=10**9)))
    term = next(t for t in given.terms if t.key == "activation")
    assert term.value == 10**9
    assert term.formula == "0.93 GiB (given)"
    assert term.note == ""
    assert given.v2_warm_restart_available_kv_bytes is None  # V2's own peak is not the given one
