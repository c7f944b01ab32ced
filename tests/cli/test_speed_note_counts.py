"""Counts in plan's speed notes carry thousands separators, as the rest of the plan's text:
the cap note read "concurrency capped at 1024 by max_num_seqs 1,024" and the
network note "traffic to the 1016 of 1024 ranks in other nodes"."""

from tests.cli.conftest import run_main


def _note(out: str, start: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(f"  note: {start}"))


def test_the_max_num_seqs_cap(capsys) -> None:
    # Qwen3-0.6B (28 layers x 8 KV heads x (128 + 128) x 2 B = 114,688 B a token) on one
    # H100: a request holds 100 in + 100 / 2 out = 150 tokens, 17.2 MB; 5,000 of them would
    # need 86 GB, more than the GPU, but max_num_seqs (vLLM's 1,024 at >= 70 GiB) binds first:
    # 1,024 x 17.2 MB = 17.6 GB fits the pool
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu", "h100-sxm",
                              "--max-model-len", "4096", "--input-len", "100", "--output-len",
                              "100", "--concurrency", "5000")
    assert code == 0, err
    note = _note(out, "concurrency capped")
    assert note.startswith("  note: concurrency capped at 1,024 by max_num_seqs 1,024 (the "
                           "KV cache's "), note


def test_the_ranks_in_other_nodes(capsys) -> None:
    # DeepSeek-V3 on 128 nodes of 8 H100s at TP=8 x DP=128 with EP: its MoE all-to-all runs
    # over all 8 x 128 = 1,024 ranks, 1,024 - 8 = 1,016 of them in other nodes than a rank's
    # own (without EP vLLM splits each expert over TP x DP, 2048 / 1,024 = 2 wide, and refuses
    # the 128 x 128 FP8 blocks: FusedMoEParallelConfig.make, validate_fp8_block_shape_moe),
    # under --all2all-backend deepep_low_latency (tokens sent to their experts' ranks)
    args = ["plan", "--model", "deepseek-ai/DeepSeek-V3", "--gpu", "h100-sxm", "--gpus",
            "1024", "--nodes", "128", "--tp", "8", "--dp", "128", "--enable-expert-parallel",
            "--max-model-len", "8192"]
    code, out, err = run_main(capsys, *args, "--all2all-backend", "deepep_low_latency")
    assert code == 0, err
    note = _note(out, "the EP all-to-all")
    assert "traffic to the 1,016 of 1,024 ranks in other nodes runs between nodes" in note, note
    # on vLLM's default, allgather_reducescatter, at TP=8 > 1 with DP > 1 and EP vLLM turns
    # on sequence-parallel MoE (vllm_versions.sequence_parallel_moe): each TP rank takes an
    # eighth of the tokens and gathers over the whole EP group, not its DP group: the same
    # 1,016 of 1,024 ranks in other nodes (without sequence-parallel MoE, 127 of the 128 DP
    # ranks: tests/planner/serving/test_all2all_speed.py, EP off)
    code, out, err = run_main(capsys, *args)
    assert code == 0, err
    note = _note(out, "the EP all-to-all")
    assert "traffic to the 1,016 of 1,024 ranks in other nodes runs between nodes" in note, note
