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


def test_a_tp_group_straddling_two_nodes_is_named_though_tp_fits_a_node() -> None:
    # vLLM numbers ranks DP x PP x TP, TP innermost (parallel_state.initialize_model_parallel):
    # TP=2 x PP=5 on 2 nodes of 5 H100 makes TP groups {0,1} {2,3} {4,5} {6,7} {8,9}, and
    # ranks 0-4 are node 0, 5-9 node 1, so {4,5} straddles. The plan said nothing of it.
    result = plan(PlanRequest(model=catalog_spec(LLAMA_70B),
                              cluster=preset_cluster("h100-sxm", 5, 2),
                              layout=ParallelLayout(tp=2, pp=5),
                              engine=EngineSettings(max_model_len=8192)))
    assert any(w.startswith("A TP group of TP=2 x PP=5 straddles nodes of 5 GPUs: ranks 4-5 on "
                            "nodes 0-1") for w in result.warnings)
    # groups {0,1} and {2,3} sit in node 0 with its NCCL buffers and bound every KV pool:
    # the non-torch figure is TP=2's inside a node, not the CUDA context alone (0.25 GiB)
    assert result.non_torch_bytes_per_gpu > 0.26 * GIB
