"""Numbers typed with full-width digits ("１０２４", as a Japanese or Chinese input method
writes them) read alike by the CLI and the app's links: both as Python's int() and float()
read them (Unicode decimal digits), and both refuse a full-width point ("０．９", which float()
refuses) with one line. The app's links were refused for them ("unable to parse string as an
integer") where the CLI planned."""

import json

from tests.cli.conftest import run_main
from tests.cli.test_bad_inputs import QWEN3_8B, assert_one_line_error, run
from ui.state import AppState, decode


def test_full_width_numbers_plan_alike_in_the_cli_and_a_link(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", str(QWEN3_8B), "--gpu", "h100-sxm",
                              "--gpus", "２", "--tp", "２", "--max-model-len", "１０２４",
                              "--gpu-memory-utilization", "０.８５", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert (plan["layout"]["tp"], plan["max_model_len"]) == (2, 1024)
    state, messages = decode({"tp": "２", "len": "１０２４", "gmu": "０.８５", "gpn": "２"},
                             AppState())
    assert messages == []
    assert (state.tp, state.max_model_len, state.gpu_memory_utilization,
            state.gpus_per_node) == (2, 1024, 0.85, 2)


def test_a_full_width_point_is_refused_by_both_in_one_line() -> None:
    done = run("planner", "plan", "--model", str(QWEN3_8B), "--gpu", "h100-sxm",
               "--gpu-memory-utilization", "０．９")
    assert_one_line_error(done, "python -m planner plan: error:",
                          "argument --gpu-memory-utilization: '０．９' is not a number: give "
                          "a fraction of GPU memory in (0, 1] (e.g. 0.9).")
    state, messages = decode({"gmu": "０．９"}, AppState())
    assert state.gpu_memory_utilization is None
    assert messages == ["Link parameter gmu='０．９' ignored: the value must be a valid number, "
                        "unable to parse string as a number."]


def test_text_fields_keep_their_full_width_digits() -> None:
    # only numeric fields are read as numbers: a model's name is kept as typed
    state, messages = decode({"model": "Qwen/Qwen3-８B"}, AppState())
    assert messages == [] and state.model == "Qwen/Qwen3-８B"
