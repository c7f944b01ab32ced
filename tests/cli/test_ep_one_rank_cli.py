"""--ep on a layout of one TP x DP rank per stage (TP=1 x PP=2 + EP): vLLM's
FusedMoEParallelConfig.make (0.10.1 and 0.34.0 fused_moe/config.py) sets use_ep only where
dp_size x tp_size > 1, so there the flag changes nothing; plan and report say so on stderr
rather than let '+ EP' suggest the experts are spread."""

import json

from tests.cli.conftest import run_main

GPT_OSS = ["--model", "openai/gpt-oss-20b", "--gpu", "l4", "--gpus", "2"]
NOTE = ("note: --ep at TP x DP = 1: vLLM runs expert parallelism only over more than one "
        "TP x DP rank (FusedMoEParallelConfig.make), so each GPU holds its layers' experts "
        "whole, as without --ep; the command passes the flag as given")


def test_ep_on_one_rank_per_stage_is_named_and_plans_as_without_it(capsys) -> None:
    code, out, err = run_main(capsys, "plan", *GPT_OSS, "--tp", "1", "--pp", "2", "--ep",
                              "--json")
    assert code == 0 and NOTE in err
    with_ep = json.loads(out)
    code, out, err = run_main(capsys, "plan", *GPT_OSS, "--tp", "1", "--pp", "2", "--json")
    assert code == 0 and "--ep at" not in err
    without = json.loads(out)
    # each stage holds its 12 layers' 32 experts whole either way: the same bytes per GPU
    assert with_ep["weights_bytes_per_gpu"] == without["weights_bytes_per_gpu"]


def test_ep_over_two_ranks_has_no_such_note(capsys) -> None:
    # two ranks by TP (tp 2 x dp 1) or by DP (tp 1 x dp 2): dp_size x tp_size = 2 > 1, EP runs
    for ranks in (("--tp", "2"), ("--tp", "1", "--dp", "2")):
        code, _, err = run_main(capsys, "plan", *GPT_OSS, *ranks, "--ep")
        assert code == 0 and "--ep at" not in err, ranks
    code, _, err = run_main(capsys, "report", *GPT_OSS, "--tp", "1", "--pp", "2", "--ep")
    assert code == 0 and NOTE in err
