"""Plan's network note agrees with its subject: "the TP all-reduce (NCCL ring over 4 nodes)
run between nodes", "1 of 1 PP hops runs": one all-reduce, one traffic or one hop now "runs",
several "run", and the hops are counted in the right number ("1 of 1 PP hop")."""

import pytest

from tests.cli.conftest import run_main

QWEN = ("--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "dgx-spark-gb10", "--gpus", "4",
        "--nodes", "4")
LLAMA = ("--model", "meta-llama/Meta-Llama-3.1-405B", "--gpu", "h100-sxm", "--gpus", "16",
         "--nodes", "2", "--max-model-len", "8192")


@pytest.mark.parametrize(("args", "said"), [
    # four one-GPU nodes (DGX Sparks): TP=4 spans all four
    ((*QWEN, "--tp", "4"), "the TP all-reduce (NCCL ring over 4 nodes) runs between nodes"),
    # PP=4 over them: each of the 3 hops goes to another node
    ((*QWEN, "--tp", "1", "--pp", "4"), "3 of 3 PP hops run between nodes"),
    # TP=2 x PP=2: each stage spans two nodes, and its one hop crosses too
    ((*QWEN, "--tp", "2", "--pp", "2"),
     "the TP all-reduce (NCCL ring over 2 nodes) and 1 of 1 PP hop run between nodes"),
    # two nodes of 8 at TP=8 x PP=2: the one hop between the stages
    ((*LLAMA, "--tp", "8", "--pp", "2"), "1 of 1 PP hop runs between nodes"),
])
def test_the_verb_agrees(capsys, args: tuple[str, ...], said: str) -> None:
    code, out, err = run_main(capsys, "plan", *args)
    assert code == 0, err
    assert f"  note: {said} over the network: " in out, out
