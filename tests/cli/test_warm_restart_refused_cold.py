"""Plan's "warm restart" line where the cold start-up is refused for memory and the warm pool
would hold the request: it read "1.04 requests at 36,000 tokens (Model Runner V2 restarting
with a warm torch.compile cache; this plan sizes the first, cold-compile start-up)" under a
"Does not fit" verdict, without saying what that means for the user. vLLM saves the compile
cache in the refused start-up's profile run, before it sizes the KV cache (0.34.0
compilation/decorators.py, v1/engine/core.py), so the same command run again starts warm;
--max-model-len is in the cache key. The line now says so, and (review h433 #6) the plan
prints that command, which it did not ("No launch command: the plan does not fit"), under
"Warm restart", and --json says v2_warm_restart_fits with v2_warm_restart_commands.

Qwen3-8B on one RTX 4090, vLLM 0.34.0 (64-token blocks, vLLM's null block held back), at
--max-model-len 36,000: 36 layers x 8 KV heads x (128 + 128) x 2 B = 147,456 B a token, so
one request is cdiv(36,000, 64) = 563 blocks + the null block = 564 x 64 x 147,456 B =
5,322,571,776 B of pool; the cold pool is short of it, the warm one is not.
"""

import json
import shlex

import pytest

from tests.cli.conftest import run_main

ARGS = ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090", "--vllm-version", "0.34.0")
NEEDED_BYTES = 564 * 64 * 147_456
WARM_FITS = ("(Model Runner V2 restarting with a warm torch.compile cache: enough for the "
             "max_model_len request the first, cold-compile start-up is refused for; vLLM saves "
             "that cache in the refused start-up's profile run, before it sizes the KV cache, "
             "so the \"Warm restart\" command below, run again with the cache kept "
             "(VLLM_CACHE_ROOT, without VLLM_DISABLE_COMPILE_CACHE) starts with this pool; a "
             "changed --max-model-len is another cache key and compiles cold again)")
LAUNCH_NOTE = ("Warm restart (Model Runner V2): vLLM refuses the first, cold-compile start-up "
               "of this command for memory, and that start-up saves the torch.compile cache; "
               "run the same command again with the cache kept (VLLM_CACHE_ROOT, without "
               "VLLM_DISABLE_COMPILE_CACHE) and it starts with the warm restart pool; a changed "
               "--max-model-len is another cache key and compiles cold again:")
COLD_ONLY = ("(Model Runner V2 restarting with a warm torch.compile cache; this plan sizes "
             "the first, cold-compile start-up)")


def _plan(capsys, *args: str) -> tuple[dict, list[str]]:
    """plan --json's data and plan's text lines."""
    code, out, err = run_main(capsys, "plan", *ARGS, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    code, out, err = run_main(capsys, "plan", *ARGS, *args)
    assert code == 0, err
    return data, out.splitlines()


def _warm_line(capsys, *args: str) -> tuple[dict, str]:
    data, lines = _plan(capsys, *args)
    return data, next(line for line in lines if "warm restart" in line)


def test_a_cold_refusal_the_warm_pool_covers_says_to_run_it_again(capsys) -> None:
    data, line = _warm_line(capsys, "--max-model-len", "36000")
    assert not data["fits"]
    assert data["kv_cache_bytes_per_gpu"] < NEEDED_BYTES <= data[
        "v2_warm_restart_available_kv_bytes"]
    assert data["memory_shortfall_bytes_per_gpu"] == NEEDED_BYTES - data["kv_cache_bytes_per_gpu"]
    assert line.endswith(WARM_FITS), line
    code, out, err = run_main(capsys, "report", *ARGS, "--max-model-len", "36000")
    assert code == 0, err
    assert WARM_FITS in out


def test_a_warm_pool_short_too_keeps_the_plain_words(capsys) -> None:
    # at 40,960 tokens one request is 641 x 9,437,184 B = 6,049,234,944 B: over both pools
    data, line = _warm_line(capsys)
    assert not data["fits"]
    assert data["v2_warm_restart_available_kv_bytes"] < 641 * 64 * 147_456
    assert line.endswith(COLD_ONLY), line


def test_a_plan_that_fits_keeps_the_plain_words(capsys) -> None:
    data, line = _warm_line(capsys, "--max-model-len", "8192")
    assert data["fits"] and line.endswith(COLD_ONLY), line


def test_the_warm_restart_command_is_printed_and_in_the_json(capsys) -> None:
    data, lines = _plan(capsys, "--max-model-len", "36000")
    # the cold plan fits at --max-model-len 34944 (its nearest fit): its command, at 36,000
    fitting, _ = _plan(capsys, "--max-model-len", "34944")
    assert fitting["fits"]
    command = fitting["vllm_command"].replace("--max-model-len 34944", "--max-model-len 36000")
    assert data["vllm_command"] is None and data["vllm_commands"] == []
    assert data["v2_warm_restart_fits"] is True
    assert data["v2_warm_restart_commands"] == [command]
    # text: the launch note, then what to do and the command
    at = lines.index(LAUNCH_NOTE)
    assert lines[at - 1].startswith("No launch command: the plan does not fit")
    assert lines[at + 1] == command
    code, out, err = run_main(capsys, "report", *ARGS, "--max-model-len", "36000")
    assert code == 0, err
    # the report: the same command, one option a line with " \\" continuations
    block = out.split(f"{LAUNCH_NOTE}\n\n```bash\n", 1)[1].split("\n```", 1)[0]
    assert block.splitlines()[1].startswith("  --")
    assert shlex.split(block.replace(" \\\n", " ")) == shlex.split(command)


@pytest.mark.parametrize("args", [(), ("--max-model-len", "8192")])
def test_no_warm_restart_command_where_the_warm_pool_is_short_or_the_plan_fits(
        capsys, args) -> None:
    data, lines = _plan(capsys, *args)
    assert data["v2_warm_restart_fits"] is False and data["v2_warm_restart_commands"] == []
    assert LAUNCH_NOTE not in lines


OVER_2_NODES = ("Over 2 nodes: set HEAD_NODE_IP to node 0's address on every node and run node "
                "R's command there (--node-rank R; node 0 serves the API, the others run "
                "--headless). The other nodes must reach node 0 on TCP ports 29501 and 29550 "
                "(--master-port and --data-parallel-rpc-port) and on ports vLLM picks at start. "
                "NCCL also connects the GPU processes of every node to one another over TCP, on "
                "ports each node takes from its ephemeral range (net.ipv4.ip_local_port_range): "
                "allow TCP between the nodes, or narrow that range on each and open it between "
                "them. Where a node has more than one network interface, set "
                "VLLM_HOST_IP to the node's own address and NCCL_SOCKET_IFNAME and "
                "GLOO_SOCKET_IFNAME to the interface that reaches the other nodes, in the shell "
                "that runs the node's command.")
TWO_NODES = ("--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "16",
             "--nodes", "2", "--dp", "2")


def test_warm_restart_commands_over_two_nodes_say_to_set_head_node_ip(capsys) -> None:
    """(review h436 #5) Llama-3.1-70B, TP=8 x DP=2 over 2 nodes of 8 H100s, refused cold at
    --gpu-memory-utilization 0.33 and held warm: the two warm commands came without the "Over
    2 nodes: set HEAD_NODE_IP ..." line the same commands carry at 0.34, where the plan fits,
    so pasted as printed `--master-addr $HEAD_NODE_IP` lost its value (HEAD_NODE_IP unset) and
    vLLM's parser stopped ("expected one argument"). Now the note follows them (text, --json
    v2_warm_restart_launch_note, report), word for word the fitting plan's."""
    code, out, err = run_main(capsys, "plan", *TWO_NODES, "--gpu-memory-utilization", "0.34",
                              "--json")
    assert code == 0, err
    fitting = json.loads(out)
    assert fitting["fits"] and fitting["launch_note"] == OVER_2_NODES
    code, out, err = run_main(capsys, "plan", *TWO_NODES, "--gpu-memory-utilization", "0.33",
                              "--json")
    assert code == 0, err
    data = json.loads(out)
    assert not data["fits"] and data["v2_warm_restart_fits"]
    assert data["v2_warm_restart_commands"] == [
        c.replace("--gpu-memory-utilization 0.34", "--gpu-memory-utilization 0.33")
        for c in fitting["vllm_commands"]]
    assert data["v2_warm_restart_launch_note"] == OVER_2_NODES
    code, out, err = run_main(capsys, "plan", *TWO_NODES, "--gpu-memory-utilization", "0.33")
    assert code == 0, err
    lines = out.splitlines()
    at = lines.index(LAUNCH_NOTE)
    assert lines[at + 1] == "# node 0" and lines[at + 3] == "# node 1"
    assert lines[at + 4].endswith("--node-rank 1 --headless")
    assert lines[at + 5] == OVER_2_NODES
    code, out, err = run_main(capsys, "report", *TWO_NODES, "--gpu-memory-utilization", "0.33",
                              "--date", "2026-01-01")
    assert code == 0, err
    block = out.split(LAUNCH_NOTE)[1]
    # (review h440 #9) its flags in code, as the report shows the commands they belong to
    assert block.split("```\n\n")[1].startswith(
        "Over 2 nodes: set HEAD_NODE_IP to node 0's address on every node and run node R's "
        "command there (`--node-rank` R; node 0 serves the API, the others run `--headless`). "
        "The other nodes must reach node 0 on TCP ports 29501 and 29550 (`--master-port` and "
        "`--data-parallel-rpc-port`) and on ports vLLM picks at start. NCCL also connects "
        "the GPU processes of every node to one another over TCP")


def test_no_warm_restart_note_without_warm_restart_commands(capsys) -> None:
    # the same plan held cold (0.34) or short warm too (0.30): no warm commands, no note
    for utilization in ("0.34", "0.30"):
        code, out, err = run_main(capsys, "plan", *TWO_NODES, "--gpu-memory-utilization",
                                  utilization, "--json")
        assert code == 0, err
        data = json.loads(out)
        assert data["v2_warm_restart_commands"] == [] and data["v2_warm_restart_launch_note"] == ""
