"""recommend's Launch list said "what-if, no command: No launch command: ..." for a row whose
note opens with "No launch command: " (a folder without weights, a lone config file, a model
needing --trust-remote-code): the row's note is now given after its run word ("what-if, no
command: " for a format only a converted checkpoint holds, "no command: " for the checkpoint's
own or one made at load) without repeating it."""

import json
from pathlib import Path

from tests.cli.conftest import run_main

FIXTURES = Path(__file__).parents[1] / "fixtures" / "configs"


def test_the_note_is_not_said_twice(capsys, model_dir: Path) -> None:
    # model_dir holds config.json and no weights, so no row of it has a command
    code, out, err = run_main(capsys, "recommend", "--model", str(model_dir), "--gpu",
                              "rtx-3090", "--top", "1")
    assert code == 0, err
    launch = out.split("Launch:\n", 1)[1].splitlines()[0]
    assert launch.startswith("#1  what-if, no command: "), launch
    assert "No launch command" not in launch and "holds no weights" in launch, launch


def test_rows_on_one_command_share_its_line(capsys) -> None:
    # Qwen3-8B for 4 requests of 8,192 tokens: the ten cheapest rows are one GPU each of ten
    # GPU models, all on the same command (vllm serve does not name the GPU); the Launch list
    # printed it ten times. Each distinct command (from the JSON rows) is one line now, its
    # ranks as runs, in the order of its first rank.
    argv = ("recommend", "--model", "Qwen/Qwen3-8B", "--context", "8192", "--concurrency", "4",
            "--top", "10")
    code, out, err = run_main(capsys, *argv, "--json")
    assert code == 0, err
    commands = [row["vllm_command"] for row in json.loads(out)["rows"]]
    assert len(commands) == 10 and all(commands)
    code, out, err = run_main(capsys, *argv)
    assert code == 0, err
    launch = out.split("Launch:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    firsts = list(dict.fromkeys(commands))
    assert len(launch) == len(firsts) < len(commands)
    for line, command in zip(launch, firsts, strict=True):
        label, text = line.split("  ", 1)
        assert text == command
        named = []  # "#1-#3, #5" -> [1, 2, 3, 5]
        for run in label.split(", "):
            first, _, last = run.partition("-")
            named += range(int(first[1:]), int((last or first)[1:]) + 1)
        assert named == [i for i, c in enumerate(commands, 1) if c == command]


def test_the_way_out_says_why_no_count_has_a_command(capsys) -> None:
    # Llama-3.1-405B for 64 requests of 32,000 tokens on H100s: 8 of them hold too little (64 x
    # 32,000 x 126 layers x 8 KV heads x 128 dims x 2 x 1 B of fp8 KV = 528.5 GB beside over
    # 203 GB of int4 weights, above 8 x 79.19 GiB), so the way out searches on; a lone config
    # file has no command at any count, and the line says why in the row's own note, not only
    # that none has one
    config = FIXTURES / "meta-llama__Meta-Llama-3.1-405B.json"
    code, out, err = run_main(capsys, "recommend", "--model", str(config), "--context", "32k",
                              "--concurrency", "64", "--gpu", "h100-sxm")
    assert code == 0, err
    (line,) = [x for x in out.splitlines() if x.startswith("Searching on up to 64 GPUs: ")]
    assert "16 would serve it" in line and "rerun with --gpus-max 16" in line
    assert ("none up to 64 has a command. No launch command: " in line
            and "is a lone config file" in line), line


def test_a_row_held_back_in_its_own_format_is_not_called_a_what_if(capsys) -> None:
    # Kimi-K2-Instruct on B200s: its checkpoint is FP8 (128x128 blocks), planned as stored;
    # vLLM 0.34.0 loads its tokenizer (tokenization_kimi.TikTokenTokenizer) only with
    # --trust-remote-code, so no row has a command. The run column said "what-if" and the
    # Launch list "what-if, no command: ...", the words of a format no checkpoint holds: a
    # buyer read the FP8 rows as hypothetical. Smallest count: 1,026,408,232,448 parameters,
    # about 1 B each in FP8, over 1 TB, more than 4 B200s' budget (4 x 0.92 x 178 GiB = 655
    # GiB = 703 GB), so 8.
    argv = ("recommend", "--model", "moonshotai/Kimi-K2-Instruct", "--gpu", "b200",
            "--context", "8k")
    code, out, err = run_main(capsys, *argv, "--json")
    assert code == 0, err
    (row,) = json.loads(out)["rows"]
    assert (row["gpus"], row["quant_key"], row["format_kind"]) == (8, "fp8-block128", "own")
    assert row["vllm_command"] is None and "--trust-remote-code" in row["launch_note"]
    code, out, err = run_main(capsys, *argv)
    assert code == 0, err
    table, launch = out.split("Launch:\n", 1)
    assert [line.split()[-2:] for line in table.splitlines() if line.startswith("1  ")] == [
        ["no", "command"]]
    assert launch.startswith("#1  no command: tokenizer_config.json's tokenizer_class "
                             "'TikTokenTokenizer'"), launch
    assert "what-if" not in launch.split("\n\n", 1)[0]


def test_a_what_if_format_keeps_its_word(capsys) -> None:
    # Qwen3-8B (BF16) at 4 requests/s on RTX 3090s: the INT8 W8A8 what-if serves on fewer cards
    # than the launchable formats (tests/app/test_recommend.py); no known checkpoint holds it
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "rtx-3090", "--requests-per-s", "4", "--json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [(r["format_kind"], r["launchable"]) for r in rows][-1] == ("what-if", False)
    assert {r["format_kind"] for r in rows if r["launchable"]} <= {"own", "at load"}


def test_the_report_says_no_launch_command_once(capsys) -> None:
    # the report's alternatives named Kimi-K2-Instruct's rows (8 B200s, FP8 as stored, held
    # back for --trust-remote-code) as "no launch command for #1-#10: No launch command:
    # tokenizer_config.json's ...": the note's own opening after the line's
    code, out, err = run_main(capsys, "report", "--model", "moonshotai/Kimi-K2-Instruct",
                              "--gpu", "b200", "--gpus", "8", "--sweep")
    assert code == 0, err
    (line,) = [x for x in out.splitlines() if x.startswith("- no launch command for ")]
    assert line.startswith("- no launch command for #1-#10: tokenizer_config.json's "
                           "tokenizer_class 'TikTokenTokenizer'"), line
    assert "No launch command" not in line


def test_the_way_out_does_not_call_an_own_format_row_a_what_if(capsys) -> None:
    # Kimi-K2-Instruct on H100s: 1,026,408,232,448 parameters, about 1 B each in FP8, over
    # 8 x 0.92 x 79.19 GiB = 582.8 GiB (626 GB), so none of up to 8 serves it and the way out
    # searches on: 16 hold it (16 x 79.19 x 0.92 GiB = 1,166 GiB, 1.25 TB), FP8 as stored,
    # without a command for want of --trust-remote-code; it said "a what-if: no command"
    code, out, err = run_main(capsys, "recommend", "--model", "moonshotai/Kimi-K2-Instruct",
                              "--gpu", "h100-sxm", "--context", "8k")
    assert code == 0, err
    (line,) = [x for x in out.splitlines() if x.startswith("Searching on up to 64 GPUs: ")]
    assert line.startswith("Searching on up to 64 GPUs: 16 would serve it (16x h100-sxm, FP8 "
                           "E4M3, 128x128 block scales, "), line
    assert "/hour: no command for the targeted vLLM): rerun with --gpus-max 16" in line
    assert "what-if" not in line and "--trust-remote-code" in line
