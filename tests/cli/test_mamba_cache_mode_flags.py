"""--mamba-cache-mode / --mamba-block-size on plan: the state paged as vLLM pages it for the mode
asked (figures: tests/planner/serving/test_mamba_cache_mode_flag.py), the flag in the command
only where given, and vLLM's log where it ignores the mode (every command and the refusals:
tests/cli/test_mamba_dtype_flags.py)."""

import json

from tests.cli.conftest import run_main

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
PLAN = ["plan", "--model", NANO, "--gpu", "h100-sxm", "--gpus", "1"]


def test_plan_json_carries_the_mode_and_block_asked(capsys) -> None:
    code, out, _ = run_main(capsys, *PLAN, "--vllm-version", "0.30.0", "--mamba-cache-mode",
                            "all", "--mamba-block-size", "512", "--json")
    data = json.loads(out)
    assert code == 0 and data["engine"]["mamba_cache_mode"] == "all"
    assert data["engine"]["mamba_block_size"] == 512
    # 512 x cdiv(2,084, 512) = 2,560-token blocks, 342,568 KV tokens (worked in the planner test)
    assert (data["block_size"], data["kv_cache_tokens"]) == (2_560, 342_568)
    assert data["vllm_command"].endswith("--mamba-cache-mode all --mamba-block-size 512")
    code, out, _ = run_main(capsys, *PLAN, "--vllm-version", "0.30.0", "--json")
    data = json.loads(out)
    assert "mamba_cache_mode" not in data["engine"] and "mamba_block_size" not in data["engine"]
    assert "--mamba" not in data["vllm_command"]


def test_0_34_0_warns_that_it_ignores_the_mode(capsys) -> None:
    # engine/arg_utils.py 0.34.0: _MAMBA_CACHE_MODE_DEPRECATION_MESSAGE, the mode not passed on
    code, out, _ = run_main(capsys, *PLAN, "--mamba-cache-mode", "align")
    assert code == 0
    assert ("vLLM 0.34.0 logs \"--mamba-cache-mode is deprecated and will be removed in v0.34.0. "
            "It has no effect: Mamba prefix caching follows --enable-prefix-caching.\"") in out


def test_align_without_chunked_prefill_exits_2_in_vllms_words(capsys) -> None:
    # models/config.py MambaModelConfig (0.30.0 :642): prefix caching, on for hybrids from
    # 0.28.0, runs Nano in "align", which asserts chunked prefill
    code, out, err = run_main(capsys, *PLAN, "--vllm-version", "0.30.0",
                              "--no-enable-chunked-prefill")
    assert code == 2 and out == ""
    assert err == ("python -m planner plan: error: vLLM 0.30.0 refuses this model in "
                   "mamba_cache_mode 'align' (prefix caching on; models/config.py "
                   "MambaModelConfig): \"Chunked prefill is required for mamba cache mode "
                   "'align'.\" Keep chunked prefill on, or run without prefix caching.\n")
    # "all" needs no chunked prefill: planned (exit 0)
    code, _, _ = run_main(capsys, *PLAN, "--vllm-version", "0.30.0",
                          "--no-enable-chunked-prefill", "--mamba-cache-mode", "all")
    assert code == 0
