"""--mamba-cache-dtype / --mamba-ssm-cache-dtype / --mamba-cache-mode / --mamba-block-size and
--enable-prefix-caching / --no-enable-prefix-caching on plan, sweep, report and recommend: the
state planned in the dtype and mode asked (figures: tests/planner/serving/
test_mamba_dtype_settings.py, test_mamba_cache_mode_flag.py, test_prefix_caching_flag.py), the
flag in the command, and one line, exit 2, where vLLM refuses it (tests/cli/
test_mamba_cache_mode_flags.py: the mode's own cases)."""

import json

import pytest

from tests.cli.conftest import run_main

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
PLAN = ["plan", "--model", NANO, "--gpu", "h100-sxm", "--gpus", "1"]


def test_plan_json_carries_the_dtype_asked(capsys) -> None:
    code, out, _ = run_main(capsys, *PLAN, "--mamba-ssm-cache-dtype", "float16", "--json")
    data = json.loads(out)
    assert code == 0 and data["engine"]["mamba_ssm_cache_dtype"] == "float16"
    assert data["block_size"] == 1_088  # 1,085,440 B state page (test_mamba_dtype_settings)
    assert "--mamba-ssm-cache-dtype float16" in data["vllm_command"]
    code, out, _ = run_main(capsys, *PLAN, "--json")
    engine = json.loads(out)["engine"]
    assert "mamba_cache_dtype" not in engine and "mamba_ssm_cache_dtype" not in engine


@pytest.mark.parametrize("command", [
    ["sweep", "--model", NANO, "--gpu", "h100-sxm", "--gpus", "1"],
    ["report", "--model", NANO, "--gpu", "h100-sxm", "--date", "2026-01-01"],
    ["report", "--model", NANO, "--gpu", "h100-sxm", "--date", "2026-01-01", "--compare",
     "Qwen/Qwen3-8B"],
    ["recommend", "--model", NANO, "--context", "8192", "--gpu", "h100-sxm"],
])
@pytest.mark.parametrize(("flags", "asked"), [
    (("--mamba-cache-dtype", "float32"), ("--mamba-cache-dtype float32",)),
    (("--vllm-version", "0.30.0", "--mamba-cache-mode", "all", "--mamba-block-size", "256"),
     ("--mamba-cache-mode all", "--mamba-block-size 256")),
    (("--vllm-version", "0.27.0", "--enable-prefix-caching"), (" --enable-prefix-caching",)),
    (("--no-enable-prefix-caching",), ("--no-enable-prefix-caching",)),
])
def test_every_command_takes_it_and_puts_it_in_the_command(capsys, command, flags,
                                                           asked) -> None:
    code, out, _ = run_main(capsys, *command, *flags)
    assert code == 0 and all(flag in out for flag in asked)


@pytest.mark.parametrize(("flag", "value"), [("--mamba-ssm-cache-dtype", "int8"),
                                           ("--mamba-cache-mode", "prefix")])
def test_a_value_no_release_takes_is_argparses_refusal(capsys, flag, value) -> None:
    with pytest.raises(SystemExit) as stop:
        run_main(capsys, *PLAN, flag, value)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and len(err.strip().splitlines()) == 1
    assert f"argument {flag}: invalid choice: '{value}'" in err


@pytest.mark.parametrize(("argv", "words"), [
    ([*PLAN, "--vllm-version", "0.21.0", "--mamba-ssm-cache-dtype", "bfloat16"],
     "vLLM 0.21.0: argument --mamba-ssm-cache-dtype: invalid choice: 'bfloat16' (choose from "
     "'auto', 'float32', 'float16')"),
    ([*PLAN, "--vllm-version", "0.12.0", "--mamba-cache-dtype", "float16"],
     "vLLM 0.12.0: argument --mamba-cache-dtype: invalid choice: 'float16'"),
    ([*PLAN, "--vllm-version", "0.10.0", "--mamba-cache-dtype", "float32"],
     "vLLM 0.10.0: unrecognized arguments: --mamba-cache-dtype"),
    (["recommend", "--model", NANO, "--context", "8192", "--vllm-version", "0.21.0",
      "--mamba-cache-dtype", "bfloat16"],
     "vLLM 0.21.0: argument --mamba-cache-dtype: invalid choice: 'bfloat16'"),
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
def test_a_value_the_release_refuses_exits_2_in_one_line(capsys, argv, words) -> None:
    code, _, err = run_main(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert words in err, err


def test_plan_prints_vllms_warning_on_a_value_over_qwen35s(capsys) -> None:
    # Qwen3.5-27B's text_config mamba_ssm_dtype is float32; vLLM 0.17.0-0.34.0
    # Qwen3_5ForConditionalGenerationConfig logs this where a different value is given
    code, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3.5-27B", "--gpu", "h100-sxm",
                            "--gpus", "2", "--mamba-ssm-cache-dtype", "bfloat16")
    assert code == 0
    assert ("warning: vLLM 0.34.0 logs \"Qwen3.5 model specifies mamba_ssm_dtype='float32' in "
            "its config, but --mamba-ssm-cache-dtype='bfloat16' was passed. Using the "
            "user-specified value.\"") in out
