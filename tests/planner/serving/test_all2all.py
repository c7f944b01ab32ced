"""--all2all-backend: each release's parser choices, where vLLM reads the flag, and the DeepEP
buffer the KV pool loses (planner/serving/all2all.py).

Figures worked by hand from the sources the module NOTE cites (vLLM 0.33.0
device_communicators/all2all.py DeepEPHTAll2AllManager._make_all2all_kwargs, envs.py
VLLM_DEEPEP_BUFFER_SIZE_MB = 1024; DeepEP csrc/deep_ep.cpp Buffer::Buffer, configs.cuh; the
low-latency RDMA buffer from DeepEP csrc/config.hpp at 3861241a and the tokens, hidden size and
experts vLLM 0.11.1-0.34.0 pass it) and Qwen/Qwen3-30B-A3B's config (catalog: 48 layers, every
one MoE with 128 experts, hidden 2,048, 4 KV heads of 128, bfloat16).
"""

import shlex

import pytest

from planner.catalog import catalog_spec
from planner.serving.all2all import deepep_buffer_bytes, deepep_ll_rdma_bytes, ll_hidden
from planner.serving.engine import EngineSettings, default_batch_limits
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import LayoutRefused, vllm_rules
from planner.units import GIB
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
          nodes: int = 1, model: str = QWEN, tokens: int | None = None, gpus: int = 8,
          seqs: int | None = None):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100-sxm", gpus, nodes),
        layout=layout, engine=EngineSettings(vllm_version=version, all2all_backend=backend,
                                             max_num_batched_tokens=tokens,
                                             max_num_seqs=seqs)))


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


# DeepEP csrc/config.hpp get_low_latency_rdma_size_hint (commit 3861241a), by hand for
# Qwen3-30B-A3B (hidden 2,048, 128 experts; 2,048 // 128 = 16 scales) at T = 256 tokens:
#   dispatch message 16 + max(2 x 2,048, 2,048 + 4 x 16) = 16 + 4,096 = 4,112 B
#   combine message 4 x 16 + 2 x 2,048 = 4,160 B
#   send max(256 x 4,112, 128 x 256 x 4,160) = max(1,052,672, 136,314,880) = 136,314,880
#   receive max(128 x 256 x 4,112, 128 x 256 x 4,160) = max(134,742,016, 136,314,880)
#   signals align_up(4 x 128, 128) = 512
#   2 x (136,314,880 + 136,314,880 + 512) = 545,260,544 = 4,259,848 x 128, so
#   ((545,260,544 + 128) // 128) x 128 = 545,260,672 B
QWEN_LL_256 = 545_260_672
# at T = 512: send and receive 128 x 512 x 4,160 = 272,629,760 each;
# 2 x (2 x 272,629,760 + 512) = 1,090,520,064 = 8,519,688 x 128, + 128 = 1,090,520,192 B
QWEN_LL_512 = 1_090_520_192


def test_low_latency_sizes_its_rdma_buffer() -> None:
    # vLLM 0.33.0 at TP=2 x DP=4 with EP: batched-DP MoE, the token budget defaults to 256
    # (and max_num_seqs to 256): the plan without the flag at the same budget holds no buffer
    unset, ll = _plan(None, tokens=256, seqs=256), _plan("deepep_low_latency")
    assert (ll.max_num_batched_tokens, ll.max_num_seqs) == (256, 256)
    assert _kv(unset) - _kv(ll) == ONE_NODE + QWEN_LL_256 == 1_652_557_088
    term = _terms(ll)["all2all_buffers"]
    assert term.value == 1_652_557_088
    assert ("T=256, hidden 2,048, E=128: dispatch message 16 + max(2 x 2,048, 2,048 + 4 x 16) "
            "= 4,112 B, combine 4 x 16 + 2 x 2,048 = 4,160 B" in term.formula)
    assert term.formula.endswith("= 545,260,672 B = 1,652,557,088 B")
    assert "NVSHMEM_CUMEM_GRANULARITY" in term.note and "unmodelled" in term.note
    assert ll.verdict.startswith("Fits: ")  # nothing left unsized
    given = _plan("deepep_low_latency", tokens=512)
    assert _terms(given)["all2all_buffers"].value == ONE_NODE + QWEN_LL_512


def test_the_deepseek_v3_figure_by_hand() -> None:
    # DeepSeek-V3: hidden 7,168 (56 scales), 256 routed experts, T = 256
    #   dispatch 16 + max(14,336, 7,168 + 224) = 14,352 B; combine 4 x 56 + 14,336 = 14,560 B
    #   send max(256 x 14,352, 256 x 256 x 14,560) = max(3,674,112, 954,204,160)
    #   receive max(65,536 x 14,352 = 940,572,672, 954,204,160) = 954,204,160
    #   signals align_up(1,024, 128) = 1,024
    #   2 x (954,204,160 x 2 + 1,024) = 3,816,818,688 = 29,818,896 x 128; + 128
    assert deepep_ll_rdma_bytes(256, 7168, 256)[0] == 3_816_818_816


def test_the_hidden_size_is_rounded_up_to_vllms_list() -> None:
    # gpt-oss-20b: hidden 2,880 -> 3,072 (24 scales), 32 experts, T = 256 at TP=1 x DP=2
    #   dispatch 16 + max(6,144, 3,072 + 96) = 6,160 B; combine 96 + 6,144 = 6,240 B
    #   send max(256 x 6,160, 32 x 256 x 6,240) = 51,118,080; receive max(8,192 x 6,160 =
    #   50,462,720, 51,118,080) = 51,118,080; signals align_up(128, 128) = 128
    #   2 x (2 x 51,118,080 + 128) = 204,472,576 = 1,597,442 x 128; + 128 = 204,472,704 B
    oss = _plan("deepep_low_latency", ParallelLayout(tp=1, dp=2, ep=True),
                model="openai/gpt-oss-20b", gpus=2)
    term = _terms(oss)["all2all_buffers"]
    assert term.value == ONE_NODE + 204_472_704
    assert "the layers' hidden 2,880 rounded up to 3,072" in term.formula
    assert [ll_hidden(h) for h in (1024, 2048, 2049, 7169, 8192, 8193)] == [
        2048, 2048, 2560, 8192, 8192, None]


@pytest.mark.parametrize(("shapes", "words"), [
    (frozenset({(12288, 64)}), "hidden 12,288 is above vLLM's largest, 8,192"),
    (frozenset({(2048, 128), (2048, 64)}), "MoE layers of more than one (hidden, experts)"),
])
def test_a_low_latency_buffer_not_sized_says_why(shapes, words) -> None:
    size, formula, complete = deepep_buffer_bytes("deepep_low_latency", False, 256, shapes)
    assert size == ONE_NODE and not complete and words in formula


@pytest.mark.parametrize(("version", "tokens", "budget", "rdma"), [
    # 0.11.1-0.19.0: FusedMoEConfig.max_num_tokens is VLLM_MOE_DP_CHUNK_SIZE (256), whatever
    # the budget (the H100 tier's 8,192 tokens; no batched-DP default before 0.20.0)
    ("0.19.0", None, 8192, QWEN_LL_256),
    ("0.19.0", 512, 512, QWEN_LL_256),
    ("0.11.1", None, 8192, QWEN_LL_256),
    # 0.20.0 on: --max-num-batched-tokens, its default 256 under batched-DP MoE
    ("0.20.0", None, 256, QWEN_LL_256),
    ("0.20.0", 512, 512, QWEN_LL_512),
    ("0.34.0", 512, 512, QWEN_LL_512),
])
def test_the_tokens_each_release_sizes_it_for(version, tokens, budget, rdma) -> None:
    ll = _plan("deepep_low_latency", version=version, tokens=tokens)
    assert ll.max_num_batched_tokens == budget
    assert _terms(ll)["all2all_buffers"].value == ONE_NODE + rdma


@pytest.mark.parametrize(("version", "backend", "layout", "budget"), [
    ("0.20.0", "deepep_low_latency", EP_DP, 256),
    ("0.34.0", "nixl_ep", EP_DP, 256),
    ("0.19.0", "deepep_low_latency", EP_DP, 8192),       # before the rule
    ("0.34.0", "deepep_high_throughput", EP_DP, 8192),   # not a batched-DP backend
    ("0.34.0", "deepep_low_latency", ParallelLayout(tp=8, ep=True), 8192),   # DP = 1
])
def test_batched_dp_moe_defaults_the_token_budget_to_256(version, backend, layout,
                                                          budget) -> None:
    # engine/arg_utils.py _set_default_max_num_seqs_and_batched_tokens_args: 256 tokens in place
    # of the H100's 8,192, and max_num_seqs capped at the tokens (1,024 -> 256)
    p = _plan(backend, layout, version)
    assert (p.max_num_batched_tokens, p.max_num_seqs) == (budget, min(1024, budget))
    assert any("defaults --max-num-batched-tokens to 256" in w for w in p.warnings) == (
        budget == 256)
    assert f"--max-num-batched-tokens {budget} " in p.vllm_command + " "
    # given tokens replace the 256, and the sequences' default is capped at them, not at 256
    given = _plan(backend, layout, version, tokens=4096)
    assert (given.max_num_batched_tokens, given.max_num_seqs) == (4096, 1024)


@pytest.mark.parametrize(("layout", "model", "why"), [
    (ParallelLayout(tp=8, ep=True), QWEN, "--data-parallel-size > 1"),
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


NO_EP = ParallelLayout(tp=2, dp=4)


@pytest.mark.parametrize(("backend", "version"), [
    ("deepep_high_throughput", "0.33.0"), ("deepep_low_latency", "0.19.0"),
    ("deepep_high_throughput", "0.11.1"), ("pplx", "0.16.0"), ("nixl_ep", "0.34.0"),
])
def test_a_backend_without_dispatch_stops_vllm_without_ep(backend, version) -> None:
    # Qwen3-30B-A3B (MoE) at TP=2 x DP=4 without --enable-expert-parallel: the EP group's
    # communicator builds the backend's manager at DP > 1 (base_device_communicator.py
    # `use_ep = data_parallel_size > 1`) and the MoE layers' naive DP dispatch calls
    # get_ep_group().dispatch (0.11.1 fused_moe/layer.py forward_impl; 0.19.0 / 0.34.0
    # prepare_finalize/naive_dp_ep.py and the runner's dispatch_router_logits), which the
    # PPLX / DeepEP / NIXL EP managers leave to All2AllManagerBase: raise NotImplementedError
    with pytest.raises(LayoutRefused) as refused:
        _plan(backend, NO_EP, version)
    assert str(refused.value) == (
        f"NotImplementedError (--all2all-backend {backend} without --enable-expert-parallel "
        f"at --data-parallel-size 4: vLLM {version} builds {backend}'s manager for the EP group "
        "whenever DP > 1 and the MoE layers dispatch through it without EP too, and that "
        "manager has no dispatch; vLLM stops at its profiling forward). Add "
        "--enable-expert-parallel, or give allgather_reducescatter.")
    # (so no batched-DP token budget without EP either: use_batched_dp_moe needs EP too)
    # with EP its all-to-all kernels run (use_all2all_kernels): planned
    assert _plan(backend, ParallelLayout(tp=2, dp=4, ep=True), version).errors == []


@pytest.mark.parametrize(("backend", "version", "how"), [
    # AgRsAll2AllManager all_gatherv's / reduce_scatterv's; NaiveAll2AllManager broadcasts
    # and all-reduces (given naive still runs on 0.18.0); pplx is replaced by
    # allgather_reducescatter from 0.17.0 (ParallelConfig.__post_init__)
    ("allgather_reducescatter", "0.33.0", "all-gather and reduce-scatter"),
    ("naive", "0.18.0", "broadcast and all-reduce"),
    ("pplx", "0.17.0", "all-gather and reduce-scatter"),
])
def test_a_gathering_backend_runs_without_ep(backend, version, how) -> None:
    p = _plan(backend, NO_EP, version)
    assert p.errors == []
    assert f"--all2all-backend {backend}: without --enable-expert-parallel vLLM {version}'s " \
        "MoE layers still dispatch through its manager at --data-parallel-size > 1: they " \
        f"{how} the DP ranks' tokens." in p.warnings


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


def test_the_batched_dp_tokens_go_through_vllms_other_default_rules() -> None:
    # arg_utils.py: 256 in place of the GPU's tier, then with chunked prefill off
    # max(max_model_len, 256), the cap at max_num_seqs x max_model_len, and max_num_seqs
    # capped at the tokens (H100 80GB: 79.19 GiB, the 8,192 / 1,024 tier)
    h100, rules = int(79.19 * GIB), vllm_rules("0.20.0")
    name = "NVIDIA H100 80GB HBM3"
    assert default_batch_limits(h100, name, 40960, rules, batched_dp=True) == (256, 256)
    assert default_batch_limits(h100, name, 40960, rules, chunked_prefill=False,
                                batched_dp=True) == (40960, 1024)
    assert default_batch_limits(h100, name, 100, rules, chunked_prefill=False,
                                batched_dp=True) == (256, 256)
