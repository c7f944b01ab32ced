"""--allow-long-max-model-len on plan, sweep, report and recommend (planner.serving.long_len):
a --max-model-len (recommend: --context) past the model's derived length planned as vLLM
serves it under VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, the variable in every command, JSON's engine
key only while on, and one line, exit 2, where nothing asks a longer length.

Qwen3-8B derives 40,960 (max_position_embeddings, no rope scaling: test_long_len); at 65,536
on one H100 (vLLM 0.34.0) its pool holds 6,101 blocks of 64 tokens = 390,464 tokens."""

import json

import pytest

from tests.cli.conftest import run_main

PLAN = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm"]
ENV = "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 vllm serve Qwen/Qwen3-8B"


def test_plan_json_carries_the_key_the_verdict_and_the_command(capsys) -> None:
    code, out, _ = run_main(capsys, *PLAN, "--max-model-len", "64K",
                            "--allow-long-max-model-len", "--json")
    data = json.loads(out)
    assert code == 0 and data["engine"]["allow_long_max_model_len"] is True
    assert data["fits"] and data["kv_cache_tokens"] == 390_464
    assert data["verdict"].startswith("Fits (unmodelled: output past the model's 40,960 tokens")
    assert data["vllm_command"].startswith(f"{ENV} --max-model-len 65536 ")
    code, out, _ = run_main(capsys, *PLAN, "--max-model-len", "64K", "--json")
    data = json.loads(out)  # off: the dump as it was, and vLLM's refusal
    assert "allow_long_max_model_len" not in data["engine"] and not data["fits"]
    assert data["kv_cache_tokens"] == 390_464 and not data["vllm_command"]


def test_a_plan_refused_for_its_length_offers_the_flag_beside_a_shorter_length(capsys) -> None:
    # refused only for 65,536 > 40,960 (fixes.allow_long_fit): planned with the flag it fits
    # (390,464 KV tokens, above), so the advice names it beside nearest_fit's 40,960
    code, out, _ = run_main(capsys, *PLAN, "--max-model-len", "64K", "--json")
    data = json.loads(out)
    assert not data["fits"] and data["nearest_fit"] == "--max-model-len 40960 fits"
    assert data["allow_long_fit"] == (
        "--allow-long-max-model-len fits at 65,536 tokens (unmodelled: output past the "
        "model's 40,960 tokens (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1))")
    code, out, _ = run_main(capsys, *PLAN, "--max-model-len", "64K")
    assert ("Nearest change: --max-model-len 40960 fits. For the length asked: "
            f"{data['allow_long_fit']}.") in out.replace("\n", " ")
    # given, or a length within 40,960 (refused for memory at 25 % of the H100), or a plan
    # the flag does not fit: not offered. One RTX 4090 (24 GiB) holds Qwen3-8B's 15.27 GiB of
    # weights but not one 65,536-token request (65,536 x 147,456 B = 9 GiB of KV)
    rtx = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090"]
    for argv in ((*PLAN, "--max-model-len", "64K", "--allow-long-max-model-len"),
                 (*PLAN, "--max-model-len", "32K", "--gpu-memory-utilization", "0.25"),
                 (*rtx, "--max-model-len", "64K")):
        code, out, _ = run_main(capsys, *argv, "--json")
        assert json.loads(out)["allow_long_fit"] is None, argv


@pytest.mark.parametrize("command", [
    ["sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--gpus", "1",
     "--max-model-len", "65536"],
    ["report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--date", "2026-01-01",
     "--max-model-len", "65536"],
    ["recommend", "--model", "Qwen/Qwen3-8B", "--context", "65536", "--gpu", "h100-sxm"],
])
def test_every_command_takes_it_and_puts_it_in_the_command(capsys, command) -> None:
    code, out, _ = run_main(capsys, *command, "--allow-long-max-model-len")
    assert code == 0 and f"{ENV} " in out


def test_recommend_without_it_leaves_the_model_out(capsys) -> None:
    code, _, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--context",
                            "65536", "--gpu", "h100-sxm")
    assert code == 2 and "a context of 65,536 tokens is longer than the model's 40,960" in err


def test_recommend_names_the_rows_past_the_length(capsys) -> None:
    code, out, _ = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--context",
                            "65536", "--gpu", "h100-sxm", "--allow-long-max-model-len")
    assert code == 0
    assert ("Qwen/Qwen3-8B (#1): the figures leave out output past the model's 40,960 tokens "
            "(VLLM_ALLOW_LONG_MAX_MODEL_LEN=1), the memory figures hold, but vLLM warns") in out


def test_report_compares_a_model_at_the_plans_length_not_its_own(capsys) -> None:
    # off, report --compare plans Qwen3-4B (max_position_embeddings 40,960) at its own 40,960
    # (auto_layout.compared_max_model_len); on, at the report's 65,536 as vLLM would serve it
    argv = ["report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--date", "2026-01-01",
            "--max-model-len", "65536", "--compare", "Qwen/Qwen3-4B"]
    code, out, _ = run_main(capsys, *argv)
    assert code == 0 and "| 40,960 | 10.92 at 40,960 (its maximum) |" in out
    code, out, _ = run_main(capsys, *argv, "--allow-long-max-model-len")
    assert code == 0 and "| yes\\* | 65,536 | 6.82 at 65,536 |" in out
    # the yes* line says what such a row risks: the output, not the memory
    # (long_len.unmodelled_risk)
    assert ("- yes\\* (Qwen/Qwen3-4B): fits on figures that leave out output past the model's "
            "40,960 tokens (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1); the memory figures hold, but vLLM "
            "warns") in out


@pytest.mark.parametrize("argv", [
    [*PLAN, "--allow-long-max-model-len"],
    ["sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--allow-long-max-model-len"],
    ["report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--allow-long-max-model-len"],
])
def test_without_a_length_it_exits_2_in_one_line(capsys, argv) -> None:
    code, _, err = run_main(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--allow-long-max-model-len lets vLLM serve a --max-model-len above" in err


def test_within_the_derived_length_a_note_says_it_changes_nothing(capsys) -> None:
    code, out, err = run_main(capsys, *PLAN, "--max-model-len", "8192",
                              "--allow-long-max-model-len")
    assert code == 0 and "VLLM_ALLOW_LONG_MAX_MODEL_LEN" not in out.split("vllm serve")[0]
    assert ("--allow-long-max-model-len changes nothing: --max-model-len 8,192 is within the "
            "40,960 tokens vLLM 0.34.0 derives for Qwen/Qwen3-8B") in err


def test_a_sweep_refused_for_its_length_names_the_flag(capsys) -> None:
    # Qwen3-8B's config.json: max_position_embeddings 40,960, no rope scaling, so vLLM 0.34.0
    # derives 40,960 and refuses 65,536 on every row of the sweep (config/model.py
    # _get_and_verify_max_len); plan names the flag in its fit advice (Plan.allow_long_fit),
    # the sweep in a note. With the flag the note goes and the rows fit (yes*).
    argv = ["sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--max-model-len", "65536"]
    code, out, err = run_main(capsys, *argv)
    assert code == 0 and "no row fits" in out
    assert ("note: --max-model-len 65,536 is above the 40,960 tokens vLLM 0.34.0 derives for "
            "Qwen/Qwen3-8B, which vLLM refuses on every row: --allow-long-max-model-len plans "
            "it as vLLM serves it under VLLM_ALLOW_LONG_MAX_MODEL_LEN=1") in err
    code, out, err = run_main(capsys, *argv, "--allow-long-max-model-len")
    assert code == 0 and "no row fits" not in out and "refuses on every row" not in err
    # within the derived length the sweep says nothing of the flag
    code, _, err = run_main(capsys, *argv[:-1], "32768")
    assert code == 0 and "--allow-long-max-model-len" not in err
