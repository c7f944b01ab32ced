"""The target's CUDA graphs with a speculative draft of k tokens (MTP or EAGLE-3): the capture
sizes vLLM moves for it, counted by hand from the vLLM sources named in vllm_versions
(SPEC_GRAPH_ROUND_FROM, SPEC_GRAPH_SIZES_FROM, SPEC_GRAPH_DECODE_SIZES_FROM,
V2_SPEC_DECODE_ROUNDED_FROM, SPEC_DECODE_REQUEST_SIZES_FROM, SPEC_GRAPH_TP_MULTIPLE_UNTIL,
SPEC_GRAPH_ONE_SIZE_FROM)."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import (
    EngineSettings,
    cuda_graph_bytes,
    cuda_graph_count,
    spec_graph_refusal,
)
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import vllm_rules

MIB_8_4 = 8_808_038  # int(8.4 x 1,048,576): engine.GRAPH_BYTES_PER_GRAPH

# No draft, 8,192 batched tokens, off Blackwell: largest = min(2 x max_num_seqs, 512) = 512
# at 256 and 1,024 sequences; sizes 1, 2, 4 | 8, 16, ..., 248 (31) | 256, 272, ..., 512 (17)
# = 51, every one piecewise; full decode graphs the sizes <= max_num_seqs: 51 at 1,024,
# 3 + 31 + 1 (256) = 35 at 256 (0.31+ append 256, already a size; 1,024 is above 512).
#
# k = 3 (q = 4 tokens a decode request): largest = min(max_num_seqs x 4 x 2, 512) = 512 at
# both, the same 51 sizes; from 0.29 the decode sizes n x 4, n in 1, 2, 4, 8..248 by 8,
# 256.. by 16 up to min(max_num_seqs, 512), within 512: n <= 128, i.e. 4, 8, 16, 32, 64, 96,
# ..., 512 (by 32), all already sizes.
# - V1 (full decode graphs) rounds the sizes up to multiples of 4: 1, 2, 4 -> 4; 8..248 and
#   256..512 are multiples: 1 + 31 + 17 = 49 piecewise, and full decode graphs for the sizes
#   in 4..4 x max_num_seqs tokens (4,096 or 1,024): all 49.
# - V2 0.25-0.33 keeps the 51 sizes piecewise; full: round_up(size, 4) within
#   min(4 x max_num_seqs, 512): {4, 8..248, 256..512} = 49.
# - V2 0.34 keeps the 51 sizes piecewise; full: the request counts ceil(size / 4) whose
#   x 4 is within 512, capped at max_num_seqs: 1 (sizes 1, 2, 4), 2..62 by 2 (8..248),
#   64..128 by 4 (256..512) = 1 + 31 + 17 = 49.
CASES = [
    # version, runner, max_num_seqs, k = 0, k = 3
    ("0.19.0", "v1", 1024, (51, 51), (49, 49)),
    ("0.19.0", "v1", 256, (51, 35), (49, 49)),
    ("0.25.0", "v1", 1024, (51, 51), (49, 49)),
    ("0.25.0", "v1", 256, (51, 35), (49, 49)),
    ("0.25.0", "v2", 1024, (51, 51), (51, 49)),
    ("0.25.0", "v2", 256, (51, 35), (51, 49)),
    ("0.30.0", "v1", 1024, (51, 51), (49, 49)),
    ("0.30.0", "v1", 256, (51, 35), (49, 49)),
    ("0.30.0", "v2", 1024, (51, 51), (51, 49)),
    ("0.30.0", "v2", 256, (51, 35), (51, 49)),
    ("0.34.0", "v2", 1024, (51, 51), (51, 49)),
    ("0.34.0", "v2", 256, (51, 35), (51, 49)),
]


@pytest.mark.parametrize(("version", "runner", "seqs", "plain", "drafted"), CASES)
def test_a_draft_of_three_tokens_moves_the_target_graphs(version, runner, seqs, plain,
                                                         drafted):
    rules = vllm_rules(version)
    assert cuda_graph_count(seqs, 8192, False, rules, runner=runner) == plain
    assert cuda_graph_count(seqs, 8192, False, rules, True, 3, runner) == drafted


def test_the_graph_bytes_with_and_without_a_draft():
    # 51 + 51 = 102 graphs x 8,808,038 B = 898,419,876 B; V1's 49 + 49 = 98: 863,187,724 B
    # (4 x 8,808,038 = 35,232,152 B less); V2's 51 + 49 = 100: 880,803,800 B
    assert cuda_graph_bytes(51 + 51) == 898_419_876
    assert cuda_graph_bytes(49 + 49) == 863_187_724
    assert cuda_graph_bytes(51 + 49) == 880_803_800


@pytest.mark.parametrize(("version", "runner", "drafted"), [
    # 0.10.2: no full graphs by default; no factor, no rounding: the 7 sizes 1, 2, 4, 8, 16,
    # 24, 32 (largest 2 x 16 = 32)
    ("0.10.2", "v1", (7, 0)),
    # 0.11.0: full decode graphs, not rounded: sizes within 4..64 tokens: 4, 8, 16, 24, 32
    ("0.11.0", "v1", (7, 5)),
    # 0.12.0: rounded to multiples of 4 (1, 2, 4 -> 4): 4, 8, 16, 24, 32, all full
    ("0.12.0", "v1", (5, 5)),
    # 0.13.0: largest min(16 x 4 x 2, 512) = 128: 1, 2, 4, 8..128 by 8 = 19 sizes, rounded
    # 4, 8..128 = 17; full within 4..64 tokens: 4, 8..64 = 9
    ("0.13.0", "v1", (17, 9)),
    # 0.22.0 V2 rounds as V1 does
    ("0.22.0", "v2", (17, 9)),
    # 0.25.0 V2: the 19 sizes piecewise; full round_up(size, 4) within min(64, 128): 4..64 = 9
    ("0.25.0", "v2", (19, 9)),
    # 0.30.0 V1: the decode sizes n x 4, n = 1, 2, 4, 8, 16, are 4, 8, 16, 32, 64, all sizes
    ("0.30.0", "v1", (17, 9)),
    # 0.34.0: request counts ceil(size / 4) capped at 16: 1, 2, 4, 6, ..., 16 = 9
    ("0.34.0", "v2", (19, 9)),
])
def test_sixteen_sequences_show_each_release_rule(version, runner, drafted):
    # without a draft: largest 32 (0.11.0 and before: every 8, the same sizes): 7 sizes,
    # full (from 0.11) the 5 within 16
    plain = (7, 0) if version == "0.10.2" else (7, 5)
    rules = vllm_rules(version)
    assert cuda_graph_count(16, 8192, False, rules, runner=runner) == plain
    assert cuda_graph_count(16, 8192, False, rules, True, 3, runner) == drafted


def test_piecewise_only_backends_are_not_rounded_on_v1():
    # TRITON_MLA before 0.22 (full_decode False): V1 rounds only with full decode graphs, so
    # the 19 sizes of 16 sequences at k = 3 on 0.19.0 stay, none full
    assert cuda_graph_count(16, 8192, False, vllm_rules("0.19.0"), False, 3, "v1") == (19, 0)


def test_sm100_decode_grid_stops_at_the_tokens_over_the_query_length():
    # 0.34.0 on SM100, 1,024 sequences, 2,048 batched tokens: prefill grid up to 2,048
    # tokens (unchanged); decode grid up to 1,024 requests, capped at min(1,024, 2,048 // 4)
    # = 512 requests with k = 3 against min(1,024, 2,048) = 1,024 without. The decode grid
    # (64 sizes at 1,024): 1-6 and 8-16 by 2 (11), 20-48 by 4 (8), 56, 64, 72-128 by 8 (8),
    # 144-352 by 16 (14), 384-512 by 32 (5) = 48 up to 512, then 544-1,024 by 32 (16): 64
    # full without a draft, 48 with (the sizes above 512 are unreachable)
    rules = vllm_rules("0.34.0")
    plain = cuda_graph_count(1024, 2048, True, rules, runner="v2")
    drafted = cuda_graph_count(1024, 2048, True, rules, True, 3, "v2")
    assert drafted[0] == plain[0]
    assert (plain[1], drafted[1]) == (64, 48)


# vLLM 0.11.1 config/compilation.py adjust_cudagraph_sizes_for_spec_decode: multiple_of =
# max(1 + k, tensor_parallel_size) wherever TP > 1; 0.11.2 (and 0.12.0) only with sequence
# parallelism, which is off (vllm_versions.SPEC_GRAPH_TP_MULTIPLE_UNTIL). 1,024 sequences,
# 8,192 batched tokens: largest min(2 x 1,024, 512) = 512, the 51 sizes 1, 2, 4 | 8..248 by 8
# (31) | 256..512 by 16 (17) (0.11.1's step 16: vllm_versions.GRAPH_STEP16_FROM).
# - k = 1 (1 + k = 2) at TP 8 on 0.11.1: multiple 8; 1, 2, 4 -> 8, the other 48 are
#   multiples of 8: 31 + 17 = 48 sizes, all within 2..2 x 1,024 tokens: 48 + 48. At TP 1 (or
#   on 0.11.2): multiple 2; 1, 2 -> 2, 4 stays: 2 + 31 + 17 = 50 + 50.
# - k = 3 (4) at TP 8 on 0.11.1: 48 + 48 again; TP 2 there: max(4, 2) = 4: 1, 2, 4 -> 4,
#   1 + 48 = 49 + 49, as 0.11.2 at any TP.
@pytest.mark.parametrize(("version", "tokens", "tp", "graphs"), [
    ("0.11.1", 1, 8, (48, 48)),
    ("0.11.1", 1, 1, (50, 50)),
    ("0.11.2", 1, 8, (50, 50)),
    ("0.11.1", 3, 8, (48, 48)),
    ("0.11.1", 3, 2, (49, 49)),
    ("0.11.2", 3, 8, (49, 49)),
    ("0.12.0", 3, 8, (49, 49)),
])
def test_0_11_1_rounds_the_capture_sizes_to_tp_too(version, tokens, tp, graphs):
    assert cuda_graph_count(1024, 8192, False, vllm_rules(version), True, tokens, "v1",
                            tp) == graphs


@pytest.mark.parametrize(("tokens", "tp", "refused"), [
    # max(1 + k, TP) must be a multiple of both (0.11.1's ValueError): 3 against 2, 4, 8 is
    # not; 4 against 2, 4 (4) and 8 (8) is; 6 against 2 (6) is, against 4 (6) and 8 (8) not
    (2, 2, True), (2, 4, True), (2, 8, True), (2, 1, False),
    (3, 2, False), (3, 8, False), (5, 2, False), (5, 4, True), (5, 8, True),
])
def test_0_11_1_refuses_a_draft_whose_length_and_tp_do_not_divide(tokens, tp, refused):
    rules = vllm_rules("0.11.1")
    refusal = spec_graph_refusal(1024, 8192, False, rules, True, tokens, "v1", tp)
    assert bool(refusal) == refused
    if refused:
        assert refusal.startswith(
            f"Can't determine cudagraph shapes that are both a multiple of {tokens + 1} "
            f"(num_speculative_tokens + 1) required by spec-decode and {tp} "
            "(tensor_parallel_size)")
    # 0.11.2 rounds by 1 + k alone, and piecewise-only decoding never rounds
    assert spec_graph_refusal(1024, 8192, False, vllm_rules("0.11.2"), True, tokens, "v1",
                              tp) is None
    assert spec_graph_refusal(1024, 8192, False, rules, False, tokens, "v1", tp) is None


@pytest.mark.parametrize(("version", "graphs", "refused"), [
    # 1 sequence, k = 2 (1 + k = 3): largest min(1 x 2, 512) = 2 before 0.13, sizes 1, 2;
    # both round up to 3 > 2, so none is left. 0.11.1 / 0.11.2 log a warning and keep 1, 2
    # (2 piecewise; full decode sizes within 3..3 tokens: none); 0.12.0 finds 3 over the
    # largest and raises ValueError ("No valid cudagraph sizes after rounding to multiple of
    # 3"). 0.13.0: largest min(1 x 3 x 2, 512) = 6, sizes 1, 2, 4 (the largest is the last
    # size, 4: config/vllm.py valid_max_size); 1, 2 -> 3, 4 -> 6 > 4 dropped: [3], 1 + 1.
    ("0.11.1", (2, 0), False),
    ("0.11.2", (2, 0), False),
    ("0.12.0", (0, 0), True),
    ("0.13.0", (1, 1), False),
])
def test_when_the_rounding_leaves_no_size(version, graphs, refused):
    rules = vllm_rules(version)
    assert cuda_graph_count(1, 8192, False, rules, True, 2, "v1") == graphs
    refusal = spec_graph_refusal(1, 8192, False, rules, True, 2, "v1", 1)
    assert bool(refusal) == refused
    if refused:
        assert refusal.startswith(
            "No valid cudagraph sizes after rounding to multiple of 3 (num_speculative_tokens "
            "+ 1 or tp if sequence parallelism is enabled) please adjust num_speculative_tokens "
            "(2) or max_cudagraph_capture_size (2) or cudagraph_capture_sizes ([1, 2])")


def _mimo(version: str, tokens: int, tp: int, **engine):
    return plan(PlanRequest(
        model=catalog_spec("XiaomiMiMo/MiMo-7B-Base"), cluster=preset_cluster("h100-sxm", tp),
        layout=ParallelLayout(tp=tp),
        engine=EngineSettings(num_speculative_tokens=tokens, vllm_version=version, **engine)))


def test_a_plan_on_0_11_1_takes_the_tp_multiple():
    # MiMo-7B's MTP layer (k = 2 at TP 2: 3 against 2) is refused on 0.11.1, planned on
    # 0.11.2 and under --enforce-eager (no graph captured)
    refused = _mimo("0.11.1", 2, 2)
    assert not refused.fits and any(e.startswith("Can't determine cudagraph shapes")
                                    for e in refused.errors)
    for started in (_mimo("0.11.2", 2, 2), _mimo("0.11.1", 2, 2, enforce_eager=True)):
        assert not any("cudagraph shapes" in e for e in started.errors)
    # k = 1 at TP 8 (H100's default max_num_seqs 1,024: the 51 sizes above): 48 + 48 graphs
    # on 0.11.1 against 50 + 50 on 0.11.2, 8,808,038 B each (GRAPH_BYTES_PER_GRAPH):
    # 845,571,648 B against 880,803,800 B
    assert _mimo("0.11.1", 1, 8).cuda_graph_bytes_per_gpu == 96 * MIB_8_4 == 845_571_648
    assert _mimo("0.11.2", 1, 8).cuda_graph_bytes_per_gpu == 100 * MIB_8_4 == 880_803_800
