"""The launch commands of a layout over several nodes: one `vllm serve` per node with vLLM's
--nnodes flags (0.11.1+), or Ray on older releases; none where vLLM could not place the ranks as
planned. A single `vllm serve --tensor-parallel-size 16` on an 8-GPU node is refused by vLLM
("World size (16) is larger than the number of available GPUs (8) in this node", 0.33.0
config/parallel.py), so the old one-line command never ran."""

import shlex

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.launch import other_nodes_note, over_nodes
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan, summary_figures
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.vllm_cli import command_problems, supported_versions, vllm_cli

DSV3 = "deepseek-ai/DeepSeek-V3"
QWEN_8B = "Qwen/Qwen3-8B"


def _plan(model: str, tp: int, pp: int = 1, dp: int = 1, ep: bool = False,
          vllm_version: str = "0.33.0", nodes: int = 2):
    entry = catalog_entry(model)
    spec = parse_model_config(entry.config, entry.hf_quant_config, name=model)
    return plan(PlanRequest(
        model=spec, cluster=preset_cluster("h100-sxm", 8, nodes),
        layout=ParallelLayout(tp=tp, pp=pp, dp=dp, ep=ep),
        engine=EngineSettings(max_model_len=8192, vllm_version=vllm_version)))


def _flags(command: str) -> dict[str, str | None]:
    words = shlex.split(command)
    out: dict[str, str | None] = {}
    for i, word in enumerate(words):
        if word.startswith("--"):
            following = words[i + 1] if i + 1 < len(words) else "--"
            out[word] = None if following.startswith("--") else following
    return out


@pytest.mark.parametrize(("tp", "pp", "dp", "ep"), [(8, 1, 2, True), (16, 1, 1, False),
                                                    (8, 2, 1, False)])
def test_two_nodes_run_one_command_each(tp: int, pp: int, dp: int, ep: bool) -> None:
    # 2 nodes x 8 H100: 16 ranks, 8 a node; node 1 runs --headless, node 0 serves the API
    result = _plan(DSV3, tp, pp, dp, ep)
    assert result.fits, result.verdict
    assert len(result.vllm_commands) == 2
    assert result.vllm_command == result.vllm_commands[0]
    head, other = (_flags(c) for c in result.vllm_commands)
    assert head["--nnodes"] == other["--nnodes"] == "2"
    assert (head["--node-rank"], other["--node-rank"]) == ("0", "1")
    assert head["--master-addr"] == other["--master-addr"] == "$HEAD_NODE_IP"
    assert "--headless" not in head and "--headless" in other
    # the same layout and engine flags on both nodes
    assert {k: v for k, v in head.items() if k not in ("--node-rank", "--headless")} == {
        k: v for k, v in other.items() if k not in ("--node-rank", "--headless")}
    assert "HEAD_NODE_IP" in result.launch_note
    assert result.launch_lines == ["# node 0", result.vllm_commands[0],
                                   "# node 1", result.vllm_commands[1]]


def test_a_layout_inside_one_node_keeps_one_plain_command() -> None:
    result = _plan(QWEN_8B, tp=8)  # 8 GPUs of 16: node 0 only
    assert result.vllm_commands == [result.vllm_command]
    assert "--nnodes" not in result.vllm_command
    assert result.launch_lines == [result.vllm_command]


def test_a_layout_not_filling_whole_nodes_has_no_command() -> None:
    # TP=4 x PP=3 = 12 ranks: planned 8 on node 0 and 4 on node 1, but --nnodes 2 would put
    # 12 / 2 = 6 on each, splitting the second TP group over the nodes
    result = _plan(QWEN_8B, tp=4, pp=3)
    assert result.fits
    assert result.vllm_command is None and result.vllm_commands == []
    assert "12 GPUs do not fill 2 nodes of 8" in result.launch_note


def test_releases_without_nnodes_run_on_ray() -> None:
    result = _plan(QWEN_8B, tp=8, pp=2, vllm_version="0.11.0")
    assert len(result.vllm_commands) == 1
    flags = _flags(result.vllm_command)
    assert flags["--distributed-executor-backend"] == "ray"
    assert "--nnodes" not in flags and "--data-parallel-backend" not in flags
    assert "ray start --head" in result.launch_note
    replicas = _plan(QWEN_8B, tp=8, dp=2, vllm_version="0.11.0")
    assert _flags(replicas.vllm_command)["--data-parallel-backend"] == "ray"


@pytest.mark.parametrize("version", supported_versions())
def test_every_node_command_parses_on_its_release(version: str) -> None:
    cli = vllm_cli(version)
    command = "vllm serve m --tensor-parallel-size 8 --data-parallel-size 4"
    commands, _ = over_nodes(command, 32, 8, 4, cli)
    assert len(commands) == (4 if cli.accepts("--nnodes") else 1)
    for each in commands:
        assert command_problems(each, cli) == []


def test_ray_replicas_over_nodes_say_how_many_start_on_node_0() -> None:
    # vLLM 0.9.1-0.11.0: --data-parallel-size-local defaults to --data-parallel-size
    # (engine/arg_utils.py create_engine_config), and the Ray placement asserts that node 0
    # holds that many replicas ("Not enough resources to allocate DP ranks on DP master node",
    # create_dp_placement_groups). TP=8 x DP=2 on 2 nodes of 8: one replica of 8 GPUs a node
    result = _plan(QWEN_8B, tp=8, dp=2, vllm_version="0.11.0")
    assert _flags(result.vllm_command)["--data-parallel-size-local"] == "1"
    # TP=2 x DP=8 on 2 nodes: 8 / 2 = 4 replicas on node 0, 4 on node 1
    result = _plan(QWEN_8B, tp=2, dp=8, vllm_version="0.10.0")
    assert _flags(result.vllm_command)["--data-parallel-size-local"] == "4"


def test_ray_replicas_wider_than_a_node_have_no_command() -> None:
    # the same placement gives each replica one node ("For now, each DP rank can only be
    # assigned to one node"): TP=8 x PP=2 x DP=2 on 4 nodes of 8 cannot start on Ray
    result = _plan(QWEN_8B, tp=8, pp=2, dp=2, vllm_version="0.11.0", nodes=4)
    assert result.fits
    assert result.vllm_command is None and result.vllm_commands == []
    assert "each data-parallel replica within one node" in result.launch_note
    assert "vLLM 0.11.1 or later runs this layout" in result.launch_note
    # from 0.11.1 (--nnodes; engine/arg_utils.py of the 0.11.1 and 0.11.2 wheels) every node
    # runs its own command
    for version in ("0.11.1", "0.11.2", "0.12.0"):
        assert len(_plan(QWEN_8B, tp=8, pp=2, dp=2, vllm_version=version,
                         nodes=4).vllm_commands) == 4, version


def test_replicas_that_straddle_nodes_have_no_nnodes_command() -> None:
    # TP=4 x PP=3 x DP=2 on 3 nodes of 8: 24 ranks fill the nodes, but each replica's 12 ranks
    # are a node and a half. vLLM infers --data-parallel-size-local 8 // 12 -> 1 (arg_utils.py
    # create_engine_config), so 2 / 1 = 2 replica groups over 3 nodes: 0.33.0's
    # ParallelConfig.nnodes_within_dp refuses it ("nnodes (3) must be divisible by the number
    # of data parallel node groups (2)"), 0.12.0 and 0.13.0 take 3 // 2 = 1 node a replica and
    # start 12 workers on an 8-GPU node
    for version in ("0.12.0", "0.33.0"):
        result = _plan(QWEN_8B, tp=4, pp=3, dp=2, vllm_version=version, nodes=3)
        assert result.fits
        assert result.vllm_command is None and result.vllm_commands == []
        assert "replicas of 12 GPUs" in result.launch_note
    # replicas a whole number of nodes wide (TP=8 x PP=2 x DP=2 on 4 nodes of 8), or a whole number
    # to a node (TP=2 x DP=8 on 2), keep their commands
    assert len(_plan(QWEN_8B, tp=8, pp=2, dp=2, nodes=4).vllm_commands) == 4
    assert len(_plan(QWEN_8B, tp=2, dp=8).vllm_commands) == 2


@pytest.mark.parametrize(("version", "off"), [("0.11.0", False), ("0.11.1", True),
                                              ("0.11.2", True), ("0.12.0", True),
                                              ("0.26.0", True), ("0.27.0", False)])
def test_nnodes_turns_the_custom_all_reduce_off_in_0_11_1_to_0_26(version: str,
                                                                   off: bool) -> None:
    # ParallelConfig._verify_args, 0.11.1-0.26.0 wheels: `if self.nnodes > 1:
    # self.disable_custom_all_reduce = True` ("Disabled the custom all-reduce since we are
    # running on multi-node"), for every TP group, those inside one node too; 0.27.0 drops it,
    # 0.11.0 runs several nodes on Ray (nnodes 1). TP=8 x DP=2 on 2 nodes of 8 H100 against
    # TP=8 on one node. Memory: the same either way, as every release from 0.11 builds the
    # custom all-reduce before the worker's memory snapshot (gpu_worker.py init_device,
    # vllm_versions.COMM_BEFORE_SNAPSHOT_FROM), so its 2 x 8 MiB are in no plan's non-torch
    two = _plan(QWEN_8B, tp=8, dp=2, vllm_version=version)
    one = _plan(QWEN_8B, tp=8, vllm_version=version, nodes=1)
    assert one.per_gpu[0].non_torch_bytes == two.per_gpu[0].non_torch_bytes
    term = next(t for t in two.terms if t.key == "non_torch")
    assert "custom all-reduce" not in term.formula
    # the decode all-reduces skip the custom kernel too: on H100s torch symmetric memory takes
    # its messages (cuda_communicator.py all_reduce: custom, then symmetric memory, then
    # pynccl), charged alike, so the step's figure stays; on A100s (no symmetric-memory table
    # for 8.0) NCCL's ring runs them, 2 x (8 - 1) = 14 latency hops instead of the custom
    # kernel's start-up
    for gpu, hops in (("h100-sxm", None), ("a100-80gb", 14)):
        two_ar, one_ar = (_allreduce_term(gpu, version, nodes) for nodes in (2, 1))
        assert ("--nnodes turns vLLM's custom all-reduce off" in two_ar.note) == off
        if off and hops:
            assert two_ar.formula.startswith(f"2 x 36 layers x [{hops} hops x ")
            assert two_ar.value > one_ar.value
        else:
            assert two_ar.value == pytest.approx(one_ar.value)


def _allreduce_term(gpu: str, version: str, nodes: int):
    """The decode all-reduce term of Qwen3-8B at TP=8 on `nodes` nodes of 8 `gpu` (DP=nodes)."""
    entry = catalog_entry(QWEN_8B)
    request = PlanRequest(
        model=parse_model_config(entry.config, entry.hf_quant_config, name=QWEN_8B),
        cluster=preset_cluster(gpu, 8, nodes), layout=ParallelLayout(tp=8, dp=nodes),
        engine=EngineSettings(max_model_len=8192, vllm_version=version))
    speed = estimate_speed(request, ServingLoad(input_len=1024, output_len=256))
    return next(t for t in speed.terms if t.key == "allreduce")


def test_a_sweep_row_makes_node_0s_command_alone() -> None:
    # summary_figures(every_node=False), as the sweep asks it: the plan's node 0 command and
    # note, and no per-node list (TP 8 x DP 4 over 4 nodes of 8: four commands in the plan)
    entry = catalog_entry(QWEN_8B)
    spec = parse_model_config(entry.config, entry.hf_quant_config, name=QWEN_8B)
    cluster, layout = preset_cluster("h100-sxm", 8, 4), ParallelLayout(tp=8, dp=4)
    engine = EngineSettings(max_model_len=8192, vllm_version="0.33.0")
    whole = plan(PlanRequest(model=spec, cluster=cluster, layout=layout, engine=engine))
    row = summary_figures(spec, cluster, layout, engine, every_node=False)
    assert len(whole.vllm_commands) == 4 and whole.vllm_commands[0] == whole.vllm_command
    assert row["vllm_command"] == whole.vllm_command
    assert row["vllm_command"].endswith("--nnodes 4 --master-addr $HEAD_NODE_IP --node-rank 0")
    assert row["launch_note"] == whole.launch_note and "vllm_commands" not in row
    commands, _ = over_nodes("vllm serve m", 32, 8, 4, vllm_cli("0.33.0"), every_node=False)
    assert commands == ("vllm serve m --nnodes 4 --master-addr $HEAD_NODE_IP --node-rank 0",)


@pytest.mark.parametrize(("version", "memory"), [
    ("0.19.0", "--gpu-memory-utilization 0.9"),
    ("0.34.0", "--gpu-memory-utilization 0.92 --no-enable-extensible-kv-cache")])
def test_two_h100_nodes_commands_word_for_word(version: str, memory: str) -> None:
    # DeepSeek-V3 at TP=8 x PP=2 on 2 x 8 H100: written by hand from the 0.19.0 and 0.34.0
    # wheels. engine/arg_utils.py add_cli_args: --nnodes (-n), --node-rank (-r), --master-addr;
    # entrypoints/openai/cli_args.py: --headless. create_engine_config: world 16 / 2 nodes = 8
    # ranks a node, node R's ranks 8R on; serve.py run_headless: node 1 (node_rank_within_dp 1)
    # runs its 8 workers for node 0's engine. Batch defaults for a >= 70 GiB GPU that is no
    # A100 (arg_utils.py get_batch_defaults: 8192 tokens, 1024 sequences for the API server)
    engine = (f"--max-model-len 8192 {memory} --max-num-batched-tokens 8192 "
              "--max-num-seqs 1024")
    common = (f"vllm serve {DSV3} --tensor-parallel-size 8 --pipeline-parallel-size 2 {engine} "
              "--nnodes 2 --master-addr $HEAD_NODE_IP")
    result = _plan(DSV3, tp=8, pp=2, vllm_version=version)
    assert result.vllm_commands == [f"{common} --node-rank 0",
                                    f"{common} --node-rank 1 --headless"]
    cli = vllm_cli(version)
    for command in result.vllm_commands:
        assert command_problems(command, cli) == []
    # node 0's ports: --master-port's default, 29501 (ParallelConfig.master_port, read in the
    # 0.19.0 and 0.34.0 wheels), where every node's torch.distributed group meets; no DP, no
    # --data-parallel-rpc-port
    assert ("The other nodes must reach node 0 on TCP port 29501 (--master-port) and on ports "
            "vLLM picks at start.") in result.launch_note
    assert "29550" not in result.launch_note
    # each node's network interface, set where its own command runs
    assert result.launch_note.endswith(
        "Where a node has more than one network interface, set VLLM_HOST_IP to the node's own "
        "address and NCCL_SOCKET_IFNAME and GLOO_SOCKET_IFNAME to the interface that reaches "
        "the other nodes, in the shell that runs the node's command.")


def test_ray_note_sets_the_interfaces_where_ray_starts() -> None:
    # vLLM 0.10.2 (no --nnodes) on Ray: the GPU workers are Ray actors, and the executor copies
    # them only the variables vllm/envs.py names (ray/ray_env.py get_env_vars_to_copy, no
    # NCCL_ or GLOO_ one; VLLM_HOST_IP is in WORKER_SPECIFIC_ENV_VARS, never copied), so they
    # must be in the environment of `ray start`
    result = _plan(DSV3, tp=8, pp=2, vllm_version="0.10.2")
    assert result.vllm_commands == [
        f"vllm serve {DSV3} --tensor-parallel-size 8 --pipeline-parallel-size 2 "
        "--max-model-len 8192 --gpu-memory-utilization 0.9 --max-num-batched-tokens 8192 "
        "--max-num-seqs 1024 --distributed-executor-backend ray"]
    assert command_problems(result.vllm_command, vllm_cli("0.10.2")) == []
    assert "in the shell that runs `ray start` there (and on node 0 in this command's too)" \
        in result.launch_note
    assert "vLLM 0.10.2 passes only its own variables" in result.launch_note
    # Ray's GCS port (`ray start --port`, 6379 by Ray's CLI reference), the port the others'
    # `ray start --address` names
    assert ("The other nodes must reach node 0 on TCP port 6379 and on ports Ray and vLLM pick "
            "at start.") in result.launch_note


@pytest.mark.parametrize("version", ["0.19.0", "0.34.0"])
def test_replicas_over_nodes_name_the_data_parallel_rpc_port(version: str) -> None:
    # TP=8 x DP=4 on 4 nodes of 8: nodes 1-3 each start a replica's engine, which handshakes with
    # node 0's front end at --data-parallel-rpc-port, 29550 by default (ParallelConfig
    # .data_parallel_rpc_port; serve.py run_headless), beside --master-port's 29501
    _, note = over_nodes("vllm serve m", 32, 8, 4, vllm_cli(version))
    assert ("The other nodes must reach node 0 on TCP ports 29501 and 29550 (--master-port and "
            "--data-parallel-rpc-port) and on ports vLLM picks at start.") in note


def test_a_row_of_node_0_says_what_the_other_nodes_run() -> None:
    # a sweep or recommend row shows node 0's command alone: with --nnodes the others' is it
    # at their --node-rank with --headless; on Ray only node 0 runs a command; one node, none
    nnodes = "vllm serve m --nnodes 2 --master-addr $HEAD_NODE_IP --node-rank 0"
    assert other_nodes_note(nnodes) == \
        " Node R's command is this one with --node-rank R --headless."
    assert other_nodes_note("vllm serve m --distributed-executor-backend ray") == ""
    assert other_nodes_note("vllm serve m --tensor-parallel-size 8") == ""


@pytest.mark.parametrize("version", ["0.10.2", "0.19.0"])
def test_the_note_says_nccl_connects_every_node_on_ephemeral_ports(version: str) -> None:
    # NCCL's Networking Troubleshooting guide, "IP ports": NCCL opens TCP ports to connect
    # processes, restricted only by the kernel's net.ipv4.ip_local_port_range; NVIDIA/nccl issue
    # 388: the ranks connect directly to each other, on ports that cannot be chosen. So the note
    # names no NCCL port, and asks for TCP between all the nodes (on Ray and with --nnodes)
    nccl = ("NCCL also connects the GPU processes of every node to one another over TCP, on "
            "ports each node takes from its ephemeral range (net.ipv4.ip_local_port_range): "
            "allow TCP between the nodes, or narrow that range on each and open it between "
            "them. Where a node has more than one network interface")
    assert nccl in _plan(DSV3, tp=8, pp=2, vllm_version=version).launch_note
    assert "NCCL also" not in _plan(QWEN_8B, tp=8, vllm_version=version).launch_note
