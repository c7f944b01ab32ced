"""--mamba-cache-mode / --mamba-block-size on plan, sweep, report and recommend: the state paged
as vLLM pages it for the mode asked (figures: tests/planner/serving/test_mamba_cache_mode_flag.py),
the flag in the command only where given, and one line, exit 2, where vLLM refuses it."""

import json

import pytest

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


@pytest.mark.parametrize("command", [
    ["sweep", "--model", NANO, "--gpu", "h100-sxm", "--gpus", "1"],
    ["report", "--model", NANO, "--gpu", "h100-sxm", "--date", "2026-01-01"],
    ["report", "--model", NANO, "--gpu", "h100-sxm", "--date", "2026-01-01", "--compare",
     "Qwen/Qwen3-8B"],
    ["recommend", "--model", NANO, "--context", "8192", "--gpu", "h100-sxm"],
])
def test_every_command_takes_them_and_puts_them_in_the_command(capsys, command) -> None:
    code, out, _ = run_main(capsys, *command, "--vllm-version", "0.30.0",
                            "--mamba-cache-mode", "all", "--mamba-block-size", "256")
    assert code == 0 and "--mamba-cache-mode all" in out and "--mamba-block-size 256" in out


@pytest.mark.parametrize(("argv", "words"), [
    ([*PLAN, "--mamba-cache-mode", "all"],
     "vLLM 0.34.0: argument --mamba-cache-mode: invalid choice: 'all' (choose from 'align', "
     "'none')"),
    ([*PLAN, "--vllm-version", "0.14.0", "--mamba-cache-mode", "align"],
     "vLLM 0.14.0: unrecognized arguments: --mamba-cache-mode (the flag arrives in vLLM 0.15.0)"),
    ([*PLAN, "--vllm-version", "0.11.0", "--mamba-block-size", "256"],
     "vLLM 0.11.0: unrecognized arguments: --mamba-block-size (the flag arrives in vLLM 0.11.1)"),
    # a hybrid's prefix caching is off by default before 0.28.0 (config/vllm.py
    # validate_mamba_block_size's ValueError)
    ([*PLAN, "--vllm-version", "0.27.0", "--mamba-block-size", "256"],
     "--mamba-block-size 256: vLLM 0.27.0 refuses it without prefix caching (config/vllm.py "
     "validate_mamba_block_size): \"--mamba-block-size can only be set with "
     "--enable-prefix-caching\""),
    (["recommend", "--model", NANO, "--context", "8192", "--vllm-version", "0.32.0",
      "--mamba-cache-mode", "all"],
     "vLLM 0.32.0: argument --mamba-cache-mode: invalid choice: 'all'"),
])
def test_a_value_vllm_refuses_exits_2_in_one_line(capsys, argv, words) -> None:
    code, _, err = run_main(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert words in err, err


def test_a_mode_no_release_takes_is_argparses_refusal(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        run_main(capsys, *PLAN, "--mamba-cache-mode", "prefix")
    err = capsys.readouterr().err
    assert stop.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "argument --mamba-cache-mode: invalid choice: 'prefix'" in err


def test_0_34_0_warns_that_it_ignores_the_mode(capsys) -> None:
    # engine/arg_utils.py 0.34.0: _MAMBA_CACHE_MODE_DEPRECATION_MESSAGE, the mode not passed on
    code, out, _ = run_main(capsys, *PLAN, "--mamba-cache-mode", "align")
    assert code == 0
    assert ("vLLM 0.34.0 logs \"--mamba-cache-mode is deprecated and will be removed in v0.34.0. "
            "It has no effect: Mamba prefix caching follows --enable-prefix-caching.\"") in out
