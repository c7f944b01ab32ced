"""A flag of another command, given to one that has none: the one-line error says which
commands take it (and the flag this one takes instead, where it has one), not only
argparse's "unrecognized arguments"."""

import pytest

from tests.cli.conftest import run_main

MODEL = ("--model", "Qwen/Qwen3-8B")


def refusal(capsys: pytest.CaptureFixture, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        run_main(capsys, *argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def test_recommend_given_max_model_len_names_its_context_flag(capsys) -> None:
    # recommend sizes the context with --context L (cli/args.py _add_recommend); plan, sweep
    # and report take --max-model-len
    err = refusal(capsys, "recommend", *MODEL, "--max-model-len", "32k")
    assert err == ("python -m planner recommend: error: unrecognized arguments: "
                   "--max-model-len 32k (--max-model-len is an option of plan, sweep and "
                   "report; recommend takes --context L instead).\n")


def test_recommend_given_gpus_names_gpus_max(capsys) -> None:
    err = refusal(capsys, "recommend", *MODEL, "--gpus=4")
    assert "(--gpus is an option of plan, sweep and report; recommend takes --gpus-max N " \
           "instead)" in err


def test_sweep_given_a_layout_flag_says_which_commands_take_it(capsys) -> None:
    # sweep ranks every layout: --tp is plan's and report's only
    err = refusal(capsys, "sweep", *MODEL, "--gpu", "rtx-4090", "--gpus", "2", "--tp", "2")
    assert err == ("python -m planner sweep: error: unrecognized arguments: --tp 2 (--tp is "
                   "an option of plan and report).\n")


def test_an_option_named_after_a_command_names_the_command_too(capsys) -> None:
    # plan --sweep: report takes --sweep, and `sweep` is a command of its own (the one that
    # ranks the alternatives); sweep --sweep is pointed to report alone
    err = refusal(capsys, "plan", *MODEL, "--gpu", "rtx-4090", "--sweep")
    assert err == ("python -m planner plan: error: unrecognized arguments: --sweep (--sweep is "
                   "an option of report; sweep is a command: python -m planner sweep).\n")
    err = refusal(capsys, "sweep", *MODEL, "--gpu", "rtx-4090", "--sweep")
    assert err.endswith("--sweep (--sweep is an option of report).\n")


def test_inspect_given_hardware_says_which_commands_take_it(capsys) -> None:
    err = refusal(capsys, "inspect", "Qwen/Qwen3-8B", "--gpu", "rtx-4090")
    assert "unrecognized arguments: --gpu rtx-4090 (--gpu is an option of plan, sweep, " \
           "recommend and report)." in err


def test_a_flag_no_command_takes_is_refused_as_before(capsys) -> None:
    err = refusal(capsys, "plan", *MODEL, "--gpu", "rtx-4090", "--tensor-parallel", "2")
    assert err == ("python -m planner plan: error: unrecognized arguments: "
                   "--tensor-parallel 2.\n")


def test_vllm_serve_spellings_of_the_layout_flags_plan_the_same_layout(capsys) -> None:
    # the launch command prints them (--tensor-parallel-size 2 --data-parallel-size 2), and
    # plan --help named them beside --tp / --dp, yet pasting them was "unrecognized"
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu",
                              "rtx-4090", "--gpus", "4", "--tensor-parallel-size", "2",
                              "--data-parallel-size", "2", "--pipeline-parallel-size", "1",
                              "--enable-expert-parallel")
    assert code == 0, err
    assert out.splitlines()[0] == "Qwen/Qwen3-30B-A3B on 4x NVIDIA GeForce RTX 4090, " \
                                  "TP=2 x DP=2 + EP"
    # and vLLM's short forms (0.34.0 engine/arg_utils.py: -tp, -pp, -dp, -ep), which launch
    # scripts use: "unrecognized arguments: -tp 2."
    code, short, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu",
                                "rtx-4090", "--gpus", "4", "-tp", "2", "-dp", "2", "-pp", "1",
                                "-ep")
    assert code == 0, err
    assert short == out


def test_a_layout_flag_in_both_spellings_is_refused_as_given_twice(capsys) -> None:
    err = refusal(capsys, "plan", *MODEL, "--gpu", "rtx-4090", "--gpus", "2", "--tp", "2",
                  "--tensor-parallel-size", "1")
    assert "given twice ('2', then '1'): give it once" in err


def test_a_model_given_by_position_names_the_model_flag(capsys) -> None:
    # inspect takes the model by position; plan said only "the following arguments are
    # required: --model", not what became of the model given
    err = refusal(capsys, "plan", "Qwen/Qwen3-8B", "--gpu", "rtx-4090")
    assert err == ("python -m planner plan: error: unrecognized arguments: Qwen/Qwen3-8B (plan "
                   "takes the model as --model: give --model Qwen/Qwen3-8B).\n")


def test_an_unquoted_gpu_name_says_to_quote_it(capsys) -> None:
    # `--gpu RTX 4090` without quotes: --gpu took 'RTX', and '4090' was left over
    err = refusal(capsys, "plan", *MODEL, "--gpu", "RTX", "4090", "--max-model-len", "8k")
    assert err == ("python -m planner plan: error: unrecognized arguments: 4090 (--gpu takes "
                   "one value: quote one with spaces, --gpu 'RTX 4090').\n")
    err = refusal(capsys, "plan", *MODEL, "--gpu-memory-gib", "24", "--gpu-name", "Tesla",
                  "P40")
    assert "(--gpu-name takes one value: quote one with spaces, --gpu-name 'Tesla P40')" in err


def test_a_count_left_after_a_gpu_is_pointed_to_gpus_not_quoted(capsys) -> None:
    # 'h100-sxm 2' is a preset key and a count, no GPU's name: quoting advice read "--gpu
    # 'h100-sxm 2'" (review finding #13)
    err = refusal(capsys, "plan", *MODEL, "--gpu", "h100-sxm", "2")
    assert err == ("python -m planner plan: error: unrecognized arguments: 2 (--gpu names the "
                   "GPU, not how many: give --gpus 2).\n")
    # --gpus given already: neither advice (the count is not asked for twice)
    err = refusal(capsys, "plan", *MODEL, "--gpus", "2", "--gpu", "h100-sxm", "2")
    assert err == "python -m planner plan: error: unrecognized arguments: 2.\n"
    # recommend has no --gpus, and a preset key and a word are no GPU's name either
    assert refusal(capsys, "recommend", *MODEL, "--gpu", "h100-sxm", "2").endswith(
        "unrecognized arguments: 2.\n")
    assert refusal(capsys, "plan", *MODEL, "--gpu", "rtx-4090", "x").endswith(
        "unrecognized arguments: x.\n")


def test_a_repo_id_gets_no_quoting_advice_a_folder_with_spaces_does(capsys, tmp_path) -> None:
    # a repo id holds no space: "--model 'Qwen/Qwen3-14B extra'" was advised
    err = refusal(capsys, "recommend", "--model", "A", "--model", "Qwen/Qwen3-14B", "extra")
    assert err == "python -m planner recommend: error: unrecognized arguments: extra.\n"
    folder = tmp_path / "my models"
    folder.mkdir()
    err = refusal(capsys, "plan", "--model", str(tmp_path / "my"), "models", "--gpu", "rtx-4090")
    assert err.endswith(f"(--model takes one value: quote one with spaces, --model "
                        f"'{folder}').\n")


def test_the_word_left_over_is_found_by_position(capsys) -> None:
    # the first '4090' is --max-model-len's value; the one left over is --gpu's second word
    # (argv.index found the first, and no advice was given)
    err = refusal(capsys, "plan", *MODEL, "--max-model-len", "4090", "--gpu", "RTX", "4090")
    assert err == ("python -m planner plan: error: unrecognized arguments: 4090 (--gpu takes "
                   "one value: quote one with spaces, --gpu 'RTX 4090').\n")


def test_words_left_after_a_count_get_no_quoting_advice(capsys) -> None:
    # '--max-model-len 8 k': quoting would give '8 k', which is no count either
    err = refusal(capsys, "plan", *MODEL, "--gpu", "rtx-4090", "--max-model-len", "8", "k")
    assert err == "python -m planner plan: error: unrecognized arguments: k.\n"
