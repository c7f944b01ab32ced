"""A Quark OCP MX shared expert whose TP share is not a whole number of MX groups, as vLLM
builds it (layout.quark_mx_shared_misaligned; plan.moe.load_on_layout; layout_errors), worked
by hand from ../shared/model-configs' Qwen3-Next-80B-A3B-Instruct.

vLLM's source: qwen3_next.py Qwen3NextSparseMoeBlock asks
_should_replicate_misaligned_shared_expert from the 0.29.0 wheel (0.29.0-0.34.0 the same, not in
0.28.0; Qwen3.5-MoE builds the same block): group_size is get_quark_ocp_mx_group_size's (the OCP
MX group, 32, for a Quark OCP MX checkpoint; None for FP8 blocks, GPTQ/AWQ groups and the rest,
which this rule never replicates). Where intermediate % tp or (intermediate / tp) % 32, it holds
the shared expert whole on every TP rank (disable_tp=True) under expert parallelism, else it
raises ValueError.
"""

import copy

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import resolve_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout, quark_mx_shared_misaligned
from planner.serving.plan import PlanRequest, plan
from planner.serving.plan.layout_facts import setup
from planner.serving.speed import _context
from planner.serving.speed.coefficients import FITTED

REPO = "Qwen/Qwen3-Next-80B-A3B-Instruct"
TP8, TP8_EP = ParallelLayout(tp=8), ParallelLayout(tp=8, ep=True)
# Quark MXFP4: 4-bit values + one 8-bit e8m0 scale a 32 = 4.25 bits = 0.53125 B a weight.
# Qwen3-Next-80B-A3B: 48 MoE layers, hidden 2,048, one shared expert of 512 (gate, up, down:
# 3 x 2,048 x 512 = 3,145,728 weights a layer): 48 x 3,145,728 x 0.53125 = 80,216,064 B whole,
# 10,027,008 B a rank at TP=8 (64 columns = 2 MX groups: split). The shared_expert_gate
# (hidden -> 1, quant_config=None) is BF16 and whole on every rank: 48 x 2,048 x 2 = 196,608 B
GATE = 48 * 2_048 * 2
REAL_WHOLE = 48 * 3 * 2_048 * 512 * 17 // 32
# The same model with a 1,600-wide shared expert (a what-if: no published Qwen3-Next / Qwen3.5
# config trips the rule at a TP its 16 attention heads allow, 512 / 16 = 32 being one group):
# TP=8 -> 200 columns a rank, 200 % 32 = 8. 48 x 3 x 2,048 x 1,600 = 471,859,200 weights,
# x 0.53125 = 250,675,200 B whole, 31,334,400 B a rank split
WIDE_WEIGHTS = 48 * 3 * 2_048 * 1_600
WIDE_WHOLE = WIDE_WEIGHTS * 17 // 32


def _wide_spec():
    config = copy.deepcopy(catalog_entry(REPO).config)
    config["shared_expert_intermediate_size"] = 1_600
    return parse_model_config(config, name=REPO)


def _settings(version: str, quant: str = "quark-mxfp4") -> EngineSettings:
    return EngineSettings(max_model_len=8192, vllm_version=version, target_quant=quant)


def _shared(spec, layout: ParallelLayout, version: str) -> tuple[list[int], bool]:
    facts = setup(spec, preset_cluster("h100-sxm", 8), layout, _settings(version)).facts
    return [t.shared_experts_bytes for t in facts.weight_terms], facts.load.shared_experts_whole


def _request(spec, layout: ParallelLayout, version: str) -> PlanRequest:
    return PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 8), layout=layout,
                       engine=_settings(version))


def test_the_figures_by_hand() -> None:
    assert REAL_WHOLE == 80_216_064 and REAL_WHOLE // 8 == 10_027_008
    assert WIDE_WHOLE == 250_675_200 and WIDE_WHOLE // 8 == 31_334_400
    assert GATE == 196_608


def test_qwen3_next_at_tp8_splits_it_in_whole_groups() -> None:
    # 512 / 8 = 64 = 2 groups of 32: split on 0.34.0 with or without EP
    spec = catalog_spec(REPO)
    for layout in (TP8, TP8_EP):
        assert _shared(spec, layout, "0.34.0") == ([REAL_WHOLE // 8 + GATE] * 8, False)


@pytest.mark.parametrize(("width", "tp", "reason"), [
    (512, 8, ""), (512, 16, ""),  # 64, 32: whole groups
    (512, 32, "produces a partition of 16, which is not divisible by the OCP MX group size 32"),
    (1_600, 8, "produces a partition of 200, which is not divisible by the OCP MX group size"),
    (1_600, 2, ""),  # 800 = 25 groups
    (1_600, 3, "Shared-expert intermediate size 1600 must be divisible by tensor-parallel size 3"),
])
def test_the_condition(width: int, tp: int, reason: str) -> None:
    config = copy.deepcopy(catalog_entry(REPO).config)
    config["shared_expert_intermediate_size"] = width
    spec = parse_model_config(config, name=REPO)
    got = quark_mx_shared_misaligned(spec, tp, resolve_scheme("quark-mxfp4"), "0.34.0")
    assert (reason in got and bool(got)) if reason else got == ""


def test_only_quark_mx_and_only_from_0_29() -> None:
    # FP8 128 x 128 blocks and GPTQ groups of 128 at TP=8 (200 columns a rank): vLLM's
    # get_quark_ocp_mx_group_size is None for them, so this rule never replicates
    spec = _wide_spec()
    for key in ("fp8-block", "w4a16-gptq-g128"):
        assert quark_mx_shared_misaligned(spec, 8, resolve_scheme(key), "0.34.0") == ""
    assert quark_mx_shared_misaligned(spec, 8, resolve_scheme("quark-mxfp4"), "0.28.0") == ""
    assert quark_mx_shared_misaligned(spec, 8, resolve_scheme("quark-mxfp4"), "0.29.0")


def test_replicated_under_ep_from_0_29() -> None:
    spec = _wide_spec()
    assert _shared(spec, TP8_EP, "0.28.0") == ([WIDE_WHOLE // 8 + GATE] * 8, False)
    for version in ("0.29.0", "0.34.0"):
        assert _shared(spec, TP8_EP, version) == ([WIDE_WHOLE + GATE] * 8, True)
    term = next(t for t in plan(_request(spec, TP8_EP, "0.34.0")).terms if t.key == "weights")
    assert "vLLM 0.34.0 replicates a Quark OCP MX shared expert" in term.formula
    assert term.inputs["shared_experts_split_ranks"] == "1"


def test_refused_without_ep() -> None:
    p = plan(_request(_wide_spec(), TP8, "0.34.0"))
    assert p.errors == [
        "vLLM 0.34.0 refuses this layout: ValueError: The Quark OCP MX shared expert cannot be "
        "tensor-parallelized: intermediate size 1600 with TP size 8 produces a partition of "
        "200, which is not divisible by the OCP MX group size 32. Choose a compatible "
        "tensor-parallel size or enable expert parallelism."]
    assert not plan(_request(_wide_spec(), TP8, "0.28.0")).errors


def test_the_speed_model_reads_and_multiplies_it_whole() -> None:
    # no sequence-parallel MoE at DP 1: each rank runs all of the step's tokens through its
    # whole copy (Qwen3NextSparseMoeBlock.forward adds it to the routed output), so a decode
    # step reads 250,675,200 - 31,334,400 = 219,340,800 B more a rank and multiplies
    # 471,859,200 x 7 / 8 = 412,876,800 more weights (rank_dense_params: one per weight)
    spec = _wide_spec()
    stages = [_context(request, FITTED, plan(request).max_num_batched_tokens).stages[0]
              for request in (_request(spec, TP8_EP, "0.28.0"),
                              _request(spec, TP8_EP, "0.29.0"))]
    assert stages[1].dense_bytes - stages[0].dense_bytes == WIDE_WHOLE * 7 // 8 == 219_340_800
    assert stages[1].dense_params - stages[0].dense_params == WIDE_WEIGHTS * 7 // 8
