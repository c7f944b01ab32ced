"""recommend --enable-lora (--max-loras, --max-lora-rank, --fully-sharded-loras), plan's flags:
each row is planned with the LoRA slots where Headroom sizes them (their bytes come off the KV
cache), a model whose slots are not sized is searched without them and a warning names it, and
an unread release or a LoRA flag without --enable-lora is refused as plan refuses it. Before,
recommend had no such flags (exit 2, "an option of plan, sweep and report").

Llama-3.1-8B's slots, 4 of rank 16, by hand in tests/planner/serving/test_lora.py: 369,844,352 B
at TP=1, 261,818,496 B at TP=2. Under --enforce-eager (no CUDA graphs, so no second capture)
they are all the KV cache loses. Its KV per token per GPU, 32 layers x K and V x 8 / TP heads
of 128 x 1 B in fp8 (2 B in bf16), in vLLM 0.34.0's 64-token blocks: 4,194,304 B a block at
TP=1 in fp8, so 369,844,352 B is 88.18 blocks; 2,097,152 B at TP=2, 261,818,496 B is 124.84.
The pool loses that, rounded down or up to whole blocks as the remainder falls.
"""

import json

import pytest

from planner.catalog import catalog_spec
from planner.serving.auto_layout import compared_lora_note
from planner.serving.engine import EngineSettings
from tests.cli.conftest import run_main
from tests.planner.serving.test_lora import LLAMA, TP1_BYTES, TP2_BYTES, UNREAD, UNREAD_WORDS

SEARCH = ("recommend", "--model", LLAMA, "--gpu", "h100-sxm", "--enforce-eager",
          "--context", "8192", "--gpus-max", "2", "--json")
LORA = ("--enable-lora", "--max-loras", "4")


def _rows(capsys, *argv: str) -> dict:
    code, out, err = run_main(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("concurrency", "tp", "lora_bytes"), [
    ("1", 1, TP1_BYTES), ("200", 2, TP2_BYTES)])  # 200 of 8,192 tokens: more than one H100
def test_the_kv_room_loses_the_hand_worked_lora_bytes(capsys, concurrency, tp,
                                                      lora_bytes) -> None:
    [plain] = _rows(capsys, *SEARCH, "--concurrency", concurrency)["rows"]
    [lora] = _rows(capsys, *SEARCH, "--concurrency", concurrency, *LORA)["rows"]
    for row in (plain, lora):
        assert row["layout"]["tp"] == tp and row["kv_cache_dtype"] in ("fp8", "auto")
    assert (lora["quant_key"], lora["kv_cache_dtype"]) == (plain["quant_key"],
                                                          plain["kv_cache_dtype"])
    assert lora["vllm_command"].endswith(" --enable-lora --max-loras 4 --max-lora-rank 16")
    assert "--enable-lora" not in plain["vllm_command"]
    kv_bytes = 1 if plain["kv_cache_dtype"] == "fp8" else 2
    block_bytes = 64 * 32 * 2 * (8 // tp) * 128 * kv_bytes
    lost_blocks = (plain["max_concurrency"] - lora["max_concurrency"]) * 8192 / 64
    assert lost_blocks in (lora_bytes // block_bytes, lora_bytes // block_bytes + 1)
    assert lora["max_concurrency"] < plain["max_concurrency"]


def test_a_model_whose_slots_are_not_sized_is_searched_without_them_and_named(capsys) -> None:
    both = ("--model", UNREAD, "--concurrency", "1")
    plain = _rows(capsys, *SEARCH, *both)
    found = _rows(capsys, *SEARCH, *both, *LORA)
    [note] = found["lora_notes"]
    assert note.startswith(f"{UNREAD}: planned without LoRA: its figures leave out what "
                           "--enable-lora adds")
    assert UNREAD_WORDS in note and plain["lora_notes"] == []
    moe = [r for r in found["rows"] if r["model_name"] == UNREAD]
    assert moe == [r for r in plain["rows"] if r["model_name"] == UNREAD] and moe
    code, _, err = run_main(capsys, *SEARCH[:-1], *both, *LORA)  # as text: on stderr
    assert code == 0
    assert f"recommend: warning: {UNREAD}: planned without LoRA" in err


@pytest.mark.parametrize(("argv", "words"), [
    (("--enable-lora", "--vllm-version", "0.16.0"), "vLLM 0.16.0 is not read"),
    (("--max-lora-rank", "64"), "--max-lora-rank needs --enable-lora"),
])
def test_an_unread_release_or_a_flag_without_enable_lora_is_refused(capsys, argv,
                                                                      words) -> None:
    code, out, err = run_main(capsys, *SEARCH, *argv)
    assert code == 2 and out == "" and words in err and len(err.strip().splitlines()) == 1


def test_a_compared_multimodal_class_without_lora_is_named_in_plans_words(capsys) -> None:
    # models/kimi_k25.py's class is not SupportsLoRA in any 0.17-0.34 wheel: plan refuses it in
    # vLLM's start-up words, and a compared or searched Kimi-K2.5 planned without LoRA says the
    # same (it listed the classes Headroom sizes, as if the class were only not read)
    code, _, err = run_main(capsys, "plan", "--model", "moonshotai/Kimi-K2.5", "--gpu", "h200",
                            "--gpus", "8", "--enable-lora")
    refusal = err.strip().removeprefix("python -m planner plan: error: --enable-lora: ")
    assert code == 2 and "\"KimiK25ForConditionalGeneration does not support LoRA yet.\"" in refusal
    note = compared_lora_note(catalog_spec("moonshotai/Kimi-K2.5"),
                              EngineSettings(vllm_version="0.34.0", enable_lora=True))
    assert note.endswith(f"`plan --enable-lora` would refuse it: {refusal.removesuffix('.')}")
