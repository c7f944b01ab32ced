"""The pool behind the Plan page's nearest change for Llama-3.1-8B on one RTX 4000 Ada under
vLLM 0.33.0, term by term in bytes: tests/app/test_plan.py's module docstring works each out
by hand from the config, the preset and vLLM 0.33.0's rules; the pages' tests assert only the
lengths (11,232 and 22,480) that follow, so a term off by a block would pass there unseen."""

import json

from tests.cli.conftest import run_main


def test_each_term_of_the_pool_is_the_hand_worked_one(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "meta-llama/Meta-Llama-3.1-8B", "--gpu",
                              "rtx-4000-ada", "--gpus", "1", "--vllm-version", "0.33.0", "--json")
    assert code == 0, err
    data = json.loads(out)
    [gpu] = data["per_gpu"]
    assert gpu["total_bytes"] == (20_475 - 512) * 2**20  # 20,932,722,688
    assert gpu["budget_bytes"] == 19_258_104_873  # ceil(20,932,722,688 x 0.92)
    assert data["params_total"] == (128_256 * 4096 * 2 + 4096 + 32 * (
        4096 * 4096 * 2 + 4096 * 1024 * 2 + 3 * 4096 * 14_336 + 2 * 4096))  # 8,030,261,248
    assert gpu["weights_bytes"] == 8_030_261_248 * 2 + 131_072 * 128 * 2
    assert gpu["activation_bytes"] == int(3.637 * 256 * 128_256 * 4
                                          + 0.308 * 2048 * (4096 + 2 * 14_336) * 2)
    assert gpu["non_torch_bytes"] == 2**28  # 0.25 GiB
    assert gpu["runner_buffer_bytes"] == 256 * 128_256 * 4 + 2 * 256 * 4_008 * 4 + 256 * 17_924
    assert gpu["cuda_graph_bytes"] == (51 + 35) * 8_808_038
    assert gpu["kv_cache_bytes"] == 1_474_968_808  # the budget less the five terms above
    assert gpu["num_blocks"] == 1_474_968_808 // (16 * 131_072) == 703
    # 702 usable (the null block held back), 702 x 16 tokens; fp8's 1,405 x 16
    assert data["max_context_tokens"] == 702 * 16
    assert data["nearest_fit_change"] == {"max_model_len": 702 * 16}
    assert data["longer_context_fit"] == (
        f"--kv-cache-dtype fp8 with --max-model-len {1405 * 16} fits")
