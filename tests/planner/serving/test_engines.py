"""The engine seam: plan() applies one Engine's rules; vLLM's are VLLM."""

import math

from planner.serving.engine import EngineSettings
from planner.serving.engines import VLLM, Overheads, VllmEngine
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan, shared
from planner.units import GIB
from tests.planner.serving.test_plan import LLAMA_8B


def _select_engine(monkeypatch, engine) -> None:
    """Make `engine` the one plan() applies: every plan module reads it as shared.ENGINE."""
    monkeypatch.setattr(shared, "ENGINE", engine)


def test_vllm_budget_is_a_fraction_of_total_memory():
    # vLLM v1/worker/utils.py request_memory: ceil(total x gpu_memory_utilization);
    # H100 79.19 GiB x 0.95 = 75.23 GiB (the v0.19 logs' requested_memory)
    total = int(79.19 * GIB)
    budget = VLLM.budget_bytes(total, EngineSettings(gpu_memory_utilization=0.95))
    assert budget == math.ceil(total * 0.95) and round(budget / GIB, 2) == 75.23


def test_graphs_come_off_the_budget_only_where_the_engine_subtracts_them():
    assert Overheads(1, 2, 4, graphs_subtracted=True).subtracted == 7
    assert Overheads(1, 2, 4, graphs_subtracted=False).subtracted == 3


class _NoOverheads(VllmEngine):
    """Another engine beside vLLM: the same pages, nothing subtracted but the weights."""

    name = "test-engine"

    def overheads(self, worker, settings, graphs_subtracted):
        return Overheads(0, 0, 0, graphs_subtracted)


def test_plan_applies_the_selected_engine(monkeypatch):
    request = PlanRequest(model=LLAMA_8B, cluster=preset_cluster("h100-sxm", 1),
                          engine=EngineSettings(max_model_len=8192))
    before = plan(request)
    _select_engine(monkeypatch, _NoOverheads())
    after = plan(request)
    rank = after.per_gpu[0]
    assert rank.kv_cache_bytes == rank.budget_bytes - rank.weights_bytes
    assert after.kv_cache_bytes_per_gpu > before.kv_cache_bytes_per_gpu


class _HalfBudget(VllmEngine):
    """Another engine beside vLLM: half of each GPU's memory, vLLM's pages and overheads."""

    name = "test-half-budget"

    def budget_bytes(self, total_bytes, settings):
        return total_bytes // 2


def test_plan_takes_the_selected_engine_s_budget_after_another_engine_planned(monkeypatch):
    request = PlanRequest(model=LLAMA_8B, cluster=preset_cluster("h100-sxm", 1),
                          engine=EngineSettings(max_model_len=8192))
    plan(request)
    _select_engine(monkeypatch, _HalfBudget())
    rank = plan(request).per_gpu[0]
    assert rank.budget_bytes == rank.total_bytes // 2
