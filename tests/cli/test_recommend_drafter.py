"""recommend --speculative-model / --num-speculative-tokens, plan's flags: every row is planned
with the EAGLE-3 drafter (or the MTP drafts) and its command carries --speculative-config; a
model the drafts cannot serve exits 2 in vLLM's words, naming it where several are searched.
Before, recommend had no such flags (exit 2, "an option of plan, sweep and report").

By hand, SpecForge's Qwen3-32B drafter at TP 2 (tests/planner/serving/test_eagle.py: its
weights 806,389,760 B a GPU; its one KV layer 4 KV heads a GPU x (80 + 80) head dims). The
row both searches pick at 60 requests of 8,192 tokens on at most 2 H100s is TP 2 with fp8
weights (made at load: the drafter stays 16-bit, as in test_eagle) and an fp8 KV cache:
Qwen3-32B's block, 64 tokens x 64 layers x K and V x 4 KV heads x 128 x 1 B = 4,194,304 B,
grows by the drafter's 64 x 4 x (80 + 80) x 1 B = 40,960 B to 4,235,264 B, and the KV pool
loses the drafter's weights and its speculator's buffers (Model Runner V2, 0.34.0's only, at
1,024 sequences and 8,192 batched tokens: grammar_bitmask's 1,024 x 3 more rows of
cdiv(151,936, 32) = 4,748 int32 words, 58,343,424 B, and TargetDependentARSpeculator's
hidden_states 8,192 x 5,120 x 2 B = 83,886,080 B: 142,229,504 B).
"""

import json
from pathlib import Path

import pytest

from tests.cli.conftest import run_main
from tests.planner.serving.test_eagle import QWEN3_32B_DRAFTER, _drafter_folder

SEARCH = ("recommend", "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--enforce-eager",
          "--context", "8192", "--concurrency", "60", "--gpus-max", "2", "--json")
# its weights, its rotary cache (its own 40,960 positions x head_dim 80 x 2 B: max_model_len
# 8,192 raises nothing) and its buffers
DRAFTER_BYTES = 806_389_760 + 40960 * 80 * 2 + 3 * 1024 * 4748 * 4 + 8192 * 5120 * 2
PLAIN_BLOCK, DRAFT_BLOCK = 4_194_304, 4_194_304 + 40_960


def _search(capsys, *argv: str) -> dict:
    code, out, err = run_main(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def test_every_row_is_planned_with_the_drafter(tmp_path: Path, capsys) -> None:
    folder = _drafter_folder(tmp_path, QWEN3_32B_DRAFTER)
    [plain] = _search(capsys, *SEARCH)["rows"]
    found = _search(capsys, *SEARCH, "--speculative-model", str(folder),
                    "--num-speculative-tokens", "3")
    [row] = found["rows"]
    for r in (plain, row):
        assert (r["gpus"], r["layout"]["tp"], r["quant_key"], r["kv_cache_dtype"]) == (
            2, 2, "fp8-tensor", "fp8")
    # KV blocks from the concurrency: blocks x 64 tokens / 8,192 a request
    plain_blocks, draft_blocks = (round(r["max_concurrency"] * 8192 / 64) for r in (plain, row))
    # the plain pool is plain_blocks whole blocks and less than one more; less the drafter's
    # weights and buffers, in the drafter's larger blocks
    low, high = (plain_blocks * PLAIN_BLOCK - DRAFTER_BYTES) // DRAFT_BLOCK, \
        ((plain_blocks + 1) * PLAIN_BLOCK - DRAFTER_BYTES) // DRAFT_BLOCK
    assert low <= draft_blocks <= high and draft_blocks < plain_blocks
    config = ('--speculative-config \'{"method": "eagle3", "model": '
              f'"{folder.absolute()}", "num_speculative_tokens": 3}}\'')
    assert row["vllm_command"].endswith(config)
    assert "--speculative-config" not in plain["vllm_command"]
    engine = found["engine"]
    assert engine["num_speculative_tokens"] == 3
    assert (engine["speculative_draft"]["model"], engine["speculative_draft"]["head_dim"]) == (
        str(folder.absolute()), 80)


def test_without_drafts_the_engine_block_keeps_its_keys(capsys) -> None:
    engine = _search(capsys, *SEARCH)["engine"]
    assert "num_speculative_tokens" not in engine and "speculative_draft" not in engine


@pytest.mark.parametrize(("extra", "words"), [
    # no --num-speculative-tokens: vLLM's SpeculativeConfig refusal
    ((), "num_speculative_tokens must be provided with speculative model"),
    # the drafter is Qwen3-32B's (hidden 5,120): Llama-3.1-8B's 4,096, named among several
    (("--model", "meta-llama/Llama-3.1-8B-Instruct", "--num-speculative-tokens", "3"),
     "meta-llama/Llama-3.1-8B-Instruct: the drafter "),
])
def test_a_drafter_vllm_refuses_exits_2(tmp_path: Path, capsys, extra, words) -> None:
    folder = _drafter_folder(tmp_path, QWEN3_32B_DRAFTER)
    code, _, err = run_main(capsys, *SEARCH, "--speculative-model", str(folder), *extra)
    assert code == 2 and words in err and err.count("\n") == 1, err


def test_mtp_on_a_model_without_mtp_layers_exits_2(capsys) -> None:
    code, _, err = run_main(capsys, *SEARCH, "--num-speculative-tokens", "2")
    assert code == 2 and "\"Unsupported speculative method: 'mtp'\"" in err, err
