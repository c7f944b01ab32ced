"""--all2all-backend: each release's parser choices, where vLLM reads the flag, and the DeepEP
buffer the KV pool loses (planner/serving/all2all.py).

Figures worked by hand from the sources the module NOTE cites (vLLM 0.33.0
device_communicators/all2all.py DeepEPHTAll2AllManager._make_all2all_kwargs, envs.py
VLLM_DEEPEP_BUFFER_SIZE_MB = 1024; DeepEP csrc/deep_ep.cpp Buffer::Buffer, configs.cuh) and
Qwen/Qwen3-30B-A3B's config (catalog: 48 layers, every one MoE with 128 experts, 4 KV heads of
128, bfloat16).
"""

import shlex

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.cli.conftest import run_main

NVL = 1024 * 2**20                 # num_nvl_bytes: VLLM_DEEPEP_BUFFER_SIZE_MB x 2^20
META = 8 * 4 + 8 * 8 + 8 * 8      # 8 barrier signals (int) + 8 buffer + 8 signal pointers
WORKSPACE = 32 * 2**20             # NUM_WORKSPACE_BYTES
ONE_NODE = NVL + META + WORKSPACE  # 1,107,296,416 B = 1.03 GiB
BLOCK = 48 * 2 * 16 * (4 // 2) * 128 * 2  # layers x (K, V) x 16 tokens x KV heads at TP 2 x
# head_dim x 2 B = 786,432 B a block
QWEN = "Qwen/Qwen3-30B-A3B"
EP_DP = ParallelLayout(tp=2, dp=4, ep=True)


def _plan(backend: str | None, layout: ParallelLayout = EP_DP, version: str = "0.33.0",
          nodes: int = 1, model: str = QWEN):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100-sxm", 8, nodes), layout=layout,
        engine=EngineSettings(vllm_version=version, all2all_backend=backend)))


def _terms(p) -> dict:
    return {t.key: t for t in p.terms}


def _kv(p) -> int:
    return int(_terms(p)["kv_cache"].value)


def test_deepep_buffer_comes_off_the_kv_pool() -> None:
    assert ONE_NODE == 1_107_296_416 and BLOCK == 786_432
    assert divmod(ONE_NODE, BLOCK) == (1_408, 160)  # 1,408 whole blocks and 160 B
    unset, agrs, ht = _plan(None), _plan("allgather_reducescatter"), _plan(
        "deepep_high_throughput")
    assert _kv(agrs) == _kv(unset)  # AgRsAll2AllManager holds no buffer
    assert _terms(agrs)["all2all_buffers"].value == 0
    assert "allocates no buffer" in _terms(agrs)["all2all_buffers"].note
    assert _kv(unset) - _kv(ht) == ONE_NODE
    term = _terms(ht)["all2all_buffers"]
    assert term.value == ONE_NODE and term.formula.endswith("= 1,107,296,416 B")
    assert "one node: no RDMA buffer" in term.formula and "unverified" in term.note
    assert "+ 1.03 GiB --all2all-backend buffer" in _terms(ht)["non_torch"].formula
    blocks = int(_terms(unset)["num_blocks"].value) - int(_terms(ht)["num_blocks"].value)
    assert blocks in (1_408, 1_409)  # 160 B more than 1,408 blocks, wherever the floor falls
    command = ht.vllm_command
    assert "--all2all-backend deepep_high_throughput" in command
    assert command_problems(command, vllm_cli("0.33.0")) == []
    assert any('"DeepEP kernels not found.' in w for w in ht.warnings)


def test_an_ep_group_over_two_nodes_adds_the_rdma_buffer() -> None:
    # 2 nodes of 8: TP=2 x DP=8 puts the EP group's 16 ranks on both (num_rdma_bytes = NVL)
    wide = _plan("deepep_high_throughput", ParallelLayout(tp=2, dp=8, ep=True), nodes=2)
    assert _terms(wide)["all2all_buffers"].value == ONE_NODE + NVL == 2_181_038_240
    # TP=2 x DP=4 fills node 0 only: no RDMA buffer
    narrow = _plan("deepep_high_throughput", nodes=2)
    assert _terms(narrow)["all2all_buffers"].value == ONE_NODE


def test_low_latency_sizes_its_nvlink_buffer_and_names_the_rest() -> None:
    unset, ll = _plan(None), _plan("deepep_low_latency")
    assert _kv(unset) - _kv(ll) == ONE_NODE
    assert ll.verdict.startswith("Fits (unmodelled: the DeepEP low-latency RDMA buffer): ")


@pytest.mark.parametrize(("layout", "model", "why"), [
    (ParallelLayout(tp=8, ep=True), QWEN, "--data-parallel-size > 1"),
    (ParallelLayout(tp=2, dp=4), QWEN, "without EP the MoE layers all-gather"),
    (ParallelLayout(tp=2, dp=4), "Qwen/Qwen3-8B", "the model has no MoE layers"),
])
def test_a_layout_vllm_ignores_it_on_is_noted_and_costs_nothing(layout, model, why) -> None:
    plain, given = _plan(None, layout, model=model), _plan("deepep_high_throughput", layout,
                                                           model=model)
    assert _kv(given) == _kv(plain) and "all2all_buffers" not in _terms(given)
    assert any(w.startswith("--all2all-backend deepep_high_throughput: vLLM 0.33.0 ignores it "
                            "on this layout") and why in w for w in given.warnings)
    # vLLM builds the manager (and checks its package) wherever DP > 1, EP or not, but from
    # 0.14.0 a dense model has no EP group to build it in (parallel_state.py: "Don't create
    # EP group for dense models"): no package check there
    assert any("DeepEP kernels not found" in w for w in given.warnings) == (
        layout.dp > 1 and model == QWEN)


@pytest.mark.parametrize(("version", "checked"), [("0.13.0", True), ("0.14.0", False),
                                                  ("0.34.0", False)])
def test_a_dense_model_checks_the_package_only_where_vllm_makes_its_ep_group(
        version: str, checked: bool) -> None:
    # Qwen3-8B (no experts) at TP=2 x DP=4: 0.11.1-0.13.0 make the EP group for every model,
    # whose communicator builds the DeepEP manager at DP > 1 and asserts deep_ep; 0.14.0 on
    # make none for a dense model, so a server without deep_ep starts
    dense = _plan("deepep_low_latency", ParallelLayout(tp=2, dp=4), version, model="Qwen/Qwen3-8B")
    assert any("DeepEP kernels not found" in w for w in dense.warnings) == checked
    assert any("ignores it on this layout: the model has no MoE layers" in w
               for w in dense.warnings)


def test_a_removed_backend_runs_allgather_reducescatter() -> None:
    # pplx: removed in 0.17.0 (ParallelConfig.__post_init__); on 0.16.0 its buffers are
    # pplx_kernels', not sized
    removed = _plan("pplx", version="0.17.0")
    assert any("The 'pplx' all2all backend has been removed. Falling back to "
               "'allgather_reducescatter'." in w for w in removed.warnings)
    assert _terms(removed)["all2all_buffers"].value == 0
    assert _plan("pplx", version="0.16.0").verdict.startswith(
        "Fits (unmodelled: the pplx all-to-all buffers): ")
    # naive: removed in 0.19.0; 0.18.0 still runs it (NaiveAll2AllManager, no buffer)
    assert not any("removed" in w for w in _plan("naive", version="0.18.0").warnings)
    assert any("The 'naive' all2all backend has been removed" in w
               for w in _plan("naive", version="0.19.0").warnings)


def test_a_plan_request_the_release_refuses_does_not_fit_in_its_words() -> None:
    # the JSON / API path: no CLI check first, the command's parser check refuses it
    refused = _plan("mori")
    assert refused.verdict.startswith("Does not fit: vLLM 0.33.0: argument --all2all-backend: "
                                      "invalid choice: 'mori' (choose from 'naive', ")
    assert refused.vllm_command is None and "all2all_buffers" not in _terms(refused)
    assert refused.verdict.count("invalid choice") == 1


def test_a_refused_value_does_not_fit_where_no_command_is_built() -> None:
    # a what-if format with no known checkpoint builds no `vllm serve` command, so the
    # command's parser check never ran: the plan said "Fits" and nearest_fit offered
    # that format as the change (helper 297's review)
    refused = plan(PlanRequest(
        model=catalog_spec(QWEN), cluster=preset_cluster("h100-sxm", 8), layout=EP_DP,
        engine=EngineSettings(vllm_version="0.34.0", all2all_backend="bogus",
                              target_quant="w8a8-int8")))
    assert refused.verdict.startswith("Does not fit: vLLM 0.34.0: argument --all2all-backend: "
                                      "invalid choice: 'bogus'")
    assert refused.nearest_fit is None and refused.nearest_fit_change is None


@pytest.mark.parametrize(("version", "value", "words"), [
    ("0.11.0", "deepep_low_latency", "vLLM 0.11.0: unrecognized arguments: --all2all-backend "
     "(the flag arrives in vLLM 0.11.1); this release reads VLLM_ALL2ALL_BACKEND"),
    ("0.23.0", "deepep_v2", "vLLM 0.23.0: argument --all2all-backend: invalid choice: "
     "'deepep_v2'"),
    ("0.33.0", "passthrough", "invalid choice: 'passthrough'"),  # set by --moe-backend only
    ("0.33.0", "mori", "invalid choice: 'mori'"),  # mori_* 0.23-0.33, mori again in 0.34
    ("0.33.0", "DeepEP_Low_Latency", "invalid choice"),  # argparse: no case folding
])
def test_a_value_the_release_refuses_exits_2_in_one_line(capsys, version, value, words) -> None:
    code, out, err = run_main(capsys, "plan", "--model", QWEN, "--gpu", "h100-sxm", "--gpus",
                              "8", "--tp", "2", "--dp", "4", "--ep", "--vllm-version", version,
                              "--all2all-backend", value)
    assert code == 2 and out == "" and words in err and err.count("\n") == 1, err


def test_the_cli_passes_it_to_the_command(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", QWEN, "--gpu", "h100-sxm", "--gpus",
                              "8", "--tp", "2", "--dp", "4", "--ep", "--vllm-version", "0.34.0",
                              "--all2all-backend", "mori")
    assert code == 0, err
    command = next(line for line in out.splitlines() if line.startswith("vllm serve "))
    assert shlex.split(command)[-2:] == ["--all2all-backend", "mori"]
    assert command_problems(command, vllm_cli("0.34.0")) == []
