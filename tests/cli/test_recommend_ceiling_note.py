"""recommend's ceiling column beside its commands: Qwen3-32B asked at 20 requests/s at 2,048
tokens listed "ceiling 40,960" on every row while each command starts --max-model-len 2048,
with no word on which to believe. The column is the longest request the row's KV cache holds at
a larger --max-model-len; a note now says so wherever a row's ceiling passes the context."""

from tests.cli.conftest import run_main

ASK = ("recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--top", "1")
NOTE = ("ceiling: the longest single request a row's KV cache holds, at a larger "
        "--max-model-len than the 8,192 its command sets (the model's limit at most).")


def test_a_ceiling_past_the_context_is_explained(capsys) -> None:
    # Qwen3-8B (max_position_embeddings 40,960) on one RTX 3090: 0.92 x 23.57 GiB = 21.7 GiB,
    # less ~8.8 GiB of FP8 weights, leaves ~11 GiB, and an fp8 KV token is 36 layers x 8 KV
    # heads x (128 + 128) x 1 B = 73,728 B: ~160k tokens, so the ceiling is the model's 40,960
    code, out, err = run_main(capsys, *ASK, "--context", "8192")
    assert code == 0, err
    row = out.splitlines()[3].split()
    assert row[:3] == ["1", "Qwen/Qwen3-8B", "1x"] and "40,960" in row
    assert "--max-model-len 8192 " in out and NOTE in out.splitlines()
    code, out, err = run_main(capsys, *ASK, "--context", "40960")
    assert code == 0, err
    assert not [line for line in out.splitlines() if line.startswith("ceiling:")]


WITHOUT_COMMAND = (
    "Rows you can start with the targeted vLLM come first (cheapest first); rows with no "
    "command for it follow, each saying why under Launch: what-if (a format only a converted "
    "checkpoint holds) or no command (another reason, e.g. a flag to give).")


def test_the_kv_room_column_and_rows_without_a_command_are_explained(capsys) -> None:
    # "kv room (req)" had no word under the table; "what-if rows (no command)" read as a
    # converted checkpoint's alone, while a row can also lack a command for its own format
    # (Kimi-K2 without --trust-remote-code: the reason follows under Launch)
    code, out, err = run_main(capsys, *ASK, "--context", "16k")
    assert code == 0, err
    lines = out.splitlines()
    assert ("kv room (req): the requests of 16,000 tokens the KV cache holds at once (under "
            "DP, all replicas': DP x one's).") in lines
    # Qwen3-8B's one row (FP8 at load on one RTX 3090) has its command: no line on rows
    # without one (it printed whatever the rows were)
    assert lines[3].split()[-2:] == ["vllm", "serve"] and WITHOUT_COMMAND not in lines
    # Kimi-K2-Instruct on 8 B200s: FP8 as stored, no command without --trust-remote-code
    # (tests/cli/test_recommend_launch_note.py), so the line explains its "no command"
    code, out, err = run_main(capsys, "recommend", "--model", "moonshotai/Kimi-K2-Instruct",
                              "--gpu", "b200", "--context", "8k")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[3].split()[-2:] == ["no", "command"] and WITHOUT_COMMAND in lines


def test_a_context_longer_than_the_model_s_names_the_flags(capsys) -> None:
    # Qwen3-8B's config.json: max_position_embeddings 40,960, the longest max_model_len vLLM
    # derives; recommend's flag is --context, which the command passes as --max-model-len (it
    # said "vLLM refuses a longer max_model_len", a name no recommend flag has)
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--context",
                              "1000000", "--concurrency", "1")
    assert code == 2, (out, err)
    assert err.strip().endswith(
        "error: Qwen/Qwen3-8B: a context of 1,000,000 tokens is longer than the model's 40,960 "
        "(vLLM refuses a --max-model-len longer than that; --context sets it, "
        "--allow-long-max-model-len plans it past the model's as vLLM serves it under "
        "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)."), err
