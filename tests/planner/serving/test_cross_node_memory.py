"""A TP group over nodes: its NCCL memory is not modelled, and the plan says so."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB

LLAMA_70B = "meta-llama/Llama-3.1-70B-Instruct"


def _plan(tp: int, pp: int):
    return plan(PlanRequest(model=catalog_spec(LLAMA_70B),
                            cluster=preset_cluster("h100-sxm", 8, 2),
                            layout=ParallelLayout(tp=tp, pp=pp),
                            engine=EngineSettings(max_model_len=8192)))


def test_tp_over_two_nodes_warns_that_its_nccl_buffers_are_left_out() -> None:
    over = _plan(16, 1)
    # TP=16 on 8-GPU nodes: the non-torch figure is the CUDA context alone (0.25 GiB), where
    # TP=8 inside a node holds 2.10 GiB of NCCL NVLS and custom all-reduce buffers besides
    assert over.non_torch_bytes_per_gpu < 0.26 * GIB
    assert any(w.startswith("TP=16 spans 2 nodes: NCCL's buffers") and "upper bound" in w
               for w in over.warnings)
    inside = _plan(8, 2)  # each TP group in one node: modelled, no warning
    assert inside.non_torch_bytes_per_gpu > 2 * GIB
    assert not any("spans" in w and "nodes" in w for w in inside.warnings)
