"""A plan over nodes whose network is neither given (--network) nor read by an audit (the
snapshots list no port with a line rate, as on many cloud VMs) says on stderr what it assumes
and how to give it; it assumed one NIC per GPU at the GPU's DGX rate silently. With the
network given or read, or on one node, there is no such note."""

import json
from pathlib import Path

import pytest

from planner.serving.hardware import gpu_preset, network_assumed_text
from tests.cli.conftest import SNAPSHOT, rtx4090_rig, run_main

PLAN = ("plan", "--model", "Qwen/Qwen3-0.6B")
NOTE = "python -m planner plan: note: the network between nodes was neither given nor measured"
HOW = "; give it with --network NICSxGBITS (NICs per node x Gb/s each, e.g. 8x400 or 2x100)\n"


@pytest.mark.parametrize(("gpu", "said"), [
    # no DGX reference: NETWORK_DEFAULT_GBITS, 400 Gb/s, unverified
    ("rtx3090", "assume 400 Gb/s per GPU (unverified: no DGX reference for NVIDIA GeForce RTX "
                "3090"),
    # DGX H100: eight 400 Gb/s ConnectX-7 for eight GPUs; DGX B300: eight 800 Gb/s ConnectX-8
    ("h100-sxm", "assume 400 Gb/s per GPU (DGX H100: 8x ConnectX-7, 400 Gb/s each"),
    ("b300", "assume 800 Gb/s per GPU (DGX B300: 8x ConnectX-8, 800 Gb/s each"),
])
def test_nodes_without_a_network_say_what_is_assumed(capsys, gpu: str, said: str) -> None:
    code, _, err = run_main(capsys, *PLAN, "--gpu", gpu, "--gpus", "16", "--nodes", "2")
    assert code == 0, err
    assert err.startswith(NOTE), err
    assert said in err and err.endswith(HOW), err
    assert err.count("\n") == 1  # one line


def test_a_network_given_or_one_node_says_nothing(capsys) -> None:
    for extra in (("--gpus", "16", "--nodes", "2", "--network", "8x400"), ("--gpus", "8")):
        code, _, err = run_main(capsys, *PLAN, "--gpu", "h100-sxm", *extra)
        assert code == 0 and err == "", (extra, err)


def _pair(tmp_path: Path, nics: list | None) -> tuple[str, str]:
    """The 8x RTX 3090 rig and an 8x RTX 4090 rig, both listing `nics` (None: not read)."""
    paths = []
    for raw in (json.loads(SNAPSHOT.read_text()), rtx4090_rig()):
        raw["host"]["nics"] = nics
        path = tmp_path / f"{raw['hostname']}.json"
        path.write_text(json.dumps(raw))
        paths.append(str(path))
    return paths[0], paths[1]


@pytest.mark.parametrize("nics", [[], None])
def test_snapshots_that_read_no_port_say_what_is_assumed(capsys, tmp_path: Path,
                                                          nics: list | None) -> None:
    first, second = _pair(tmp_path, nics)
    code, _, err = run_main(capsys, *PLAN, "--snapshot", first, "--snapshot", second)
    assert code == 0, err
    assumed = [line for line in err.splitlines(keepends=True) if line.startswith(NOTE)]
    # both GPUs without a DGX reference: the one rate, 400 Gb/s, once, naming both models
    assert len(assumed) == 1 and assumed[0].endswith(HOW), err
    assert assumed[0] == (
        f"{NOTE} (no snapshot read a port's line rate): the speed terms across nodes "
        "(all-reduce, pipeline hop, all-to-all) assume 400 Gb/s per GPU (unverified: no DGX "
        "reference for NVIDIA GeForce RTX 3090 and NVIDIA GeForce RTX 4090, one 400 Gb/s NIC "
        f"per GPU assumed){HOW}"), err
    # --network given beside them, or ports read: no such note
    _, _, err = run_main(capsys, *PLAN, "--snapshot", first, "--snapshot", second,
                         "--network", "2x100")
    assert NOTE not in err, err
    first, second = _pair(tmp_path, [{"name": "eth0", "kind": "ethernet", "gbits": 100.0}])
    _, _, err = run_main(capsys, *PLAN, "--snapshot", first, "--snapshot", second)
    assert NOTE not in err, err


RECOMMEND = ("recommend", "--model", "Qwen/Qwen3-32B", "--gpu", "rtx-3090", "--concurrency",
             "64", "--context", "32k", "--top", "1")


def test_recommend_rows_over_nodes_say_what_is_assumed(capsys) -> None:
    """recommend plans its own clusters (whole 8-GPU nodes above 8 GPUs), so the note plan
    and sweep give never ran: its rows over several nodes were planned on the assumed network
    silently (review-h436 #3). 64 requests of 32,000 tokens of Qwen3-32B need more than one
    node of RTX 3090s: their fp8 KV alone is 64 x 32,000 tokens x 2 x 64 layers x 8 KV heads
    x 128 x 1 B = 250 GiB, more than 8 x 23.57 GiB."""
    code, out, err = run_main(capsys, *RECOMMEND, "--gpus-max", "16")
    assert code == 0, err
    assert "16x rtx-3090" in out
    said = NOTE.replace(" plan:", " recommend:")
    assert err.startswith(said) and err.endswith(HOW) and err.count("\n") == 1, err
    assert "assume 400 Gb/s per GPU (unverified: no DGX reference for NVIDIA GeForce RTX 3090" \
        in err
    code, out, err = run_main(capsys, *RECOMMEND, "--gpus-max", "16", "--json")
    assert code == 0 and err.startswith(said), err
    assumed = json.loads(out)["network_assumed"]
    assert err == f"{said.split(': note: ')[0]}: note: {assumed}{HOW}"
    # --network given: planned over it, nothing assumed
    code, out, err = run_main(capsys, *RECOMMEND, "--gpus-max", "16", "--network", "2x100")
    assert code == 0 and err == "", err
    # one node: nothing crosses a network
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "rtx-3090", "--json")
    assert code == 0 and err == "" and json.loads(out)["network_assumed"] is None, err


def test_recommend_rows_of_several_gpu_models_over_nodes_say_it_in_one_note(capsys) -> None:
    """Rows over nodes of two GPU models (RTX 3090s and L4s, 24 GB each: Qwen3-32B's 250 GiB
    of fp8 KV, as above, takes two nodes of either), one note naming each rate once, as plan
    names the GPUs of nodes that mix them."""
    code, out, err = run_main(capsys, *RECOMMEND[:3], "--gpu", "rtx-3090", "--gpu", "l4",
                              *RECOMMEND[5:-2], "--top", "2", "--gpus-max", "16", "--json")
    assert code == 0, err
    assert [(r["gpu_key"], r["nodes"]) for r in json.loads(out)["rows"]] == [
        ("rtx-3090", 2), ("l4", 2)]
    # one rate, 400 Gb/s, said once with both models (it was said once per model); recommend
    # plans presets, so no word of a snapshot
    assert err == (
        f"{NOTE.replace(' plan:', ' recommend:')}: the speed terms across nodes (all-reduce, "
        "pipeline hop, all-to-all) assume 400 Gb/s per GPU (unverified: no DGX reference for "
        f"NVIDIA GeForce RTX 3090 and NVIDIA L4, one 400 Gb/s NIC per GPU assumed){HOW}"), err


def test_each_rate_is_said_once_with_its_sources() -> None:
    """GPU models at one rate share it, each DGX's source and one naming the GPUs without a
    DGX reference; another rate follows (NETWORK_GBITS_PER_GPU: DGX H100 and H200 400 Gb/s
    per GPU, DGX B300 800; NETWORK_DEFAULT_GBITS 400 for the RTX 3090 and the L4)."""
    gpus = [gpu_preset(key) for key in ("rtx-3090", "h100-sxm", "b300", "l4", "h200",
                                        "rtx-3090")]
    assert network_assumed_text(gpus).endswith(
        "assume 400 Gb/s per GPU (DGX H100: 8x ConnectX-7, 400 Gb/s each (NVIDIA DGX BasePOD "
        "RA); DGX H200: 8x ConnectX-7, 400 Gb/s each (NVIDIA DGX BasePOD RA); unverified: no "
        "DGX reference for NVIDIA GeForce RTX 3090 and NVIDIA L4, one 400 Gb/s NIC per GPU "
        "assumed) and 800 Gb/s per GPU (DGX B300: 8x ConnectX-8, 800 Gb/s each (DGX B300 User "
        "Guide; unverified))")


def test_more_than_eight_gpus_without_nodes_say_they_are_one_node(capsys) -> None:
    """Two 8x H100 servers given as --gpus 16 alone were planned as one node of 16 on NVLink
    (TP=16 with no network term, a command without --nnodes) and nothing said so; --nodes 2
    plans the two servers. Up to 8, or with --nodes, nothing is said."""
    note = ("note: --gpus 16 without --nodes is one node of 16 GPUs, every one on the node's own "
            "link (--link), none over a network; a server commonly holds 8 (HGX, DGX; the node "
            "recommend plans): for 2 such servers, give --nodes 2\n")
    for command in ("plan", "sweep", "report"):
        code, _, err = run_main(capsys, command, *PLAN[1:], "--gpu", "h100-sxm", "--gpus", "16")
        assert code == 0 and err == f"python -m planner {command}: {note}", err
    code, _, err = run_main(capsys, *PLAN, "--gpu", "h100-sxm", "--gpus", "12")
    assert code == 0 and err.endswith("for M servers, give --nodes M\n"), err
    code, _, err = run_main(capsys, *PLAN, "--gpu", "h100-sxm", "--gpus", "16", "--nodes", "1")
    assert code == 0 and err == "", err
    # a custom GPU too; a GH200's own warning names --nodes 16 (one a rented machine): no note
    code, _, err = run_main(capsys, *PLAN, "--gpu-memory-gib", "79", "--gpu-name", "H100",
                            "--gpus", "16")
    assert code == 0 and "note: --gpus 16 without --nodes" in err, err
    code, out, err = run_main(capsys, *PLAN, "--gpu", "gh200", "--gpus", "16")
    assert code == 0 and "without --nodes" not in err and "--gpus 16 --nodes 16" in out, err
