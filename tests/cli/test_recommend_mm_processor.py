"""recommend --mm-processor-kwargs (cli.args.add_mm_modes, plan's flag): each model searched
with it where it has a vision tower, a text model as without it (vLLM builds no
MultiModalConfig for it: mm_modes.TOWER_SETTINGS), refused as plan refuses it. Before, recommend
had no such flag (exit 2).

Gemma 3 27B with --enable-tower-connector-lora at 8,192 tokens of context (H100: 8,192
batched tokens, 1,024 sequences, 4 LoRAs), by hand in tests/planner/serving/test_mm_processor.py:
do_pan_and_scan makes an image (4 + 1) x 256 = 1,280 tokens, so 8,192 // 1,280 = 6 items per
prompt, not 32: the tower's and connector's Punica index buffers hold 6,144 batches, not
32,768, 2 x 6,439,040 = 12,878,080 B against 14,156,032 B: 1,277,952 B less LoRA per GPU,
whatever the weight format (the buffers are int64 and int32 indices).
"""

import json

import pytest

from tests.cli.conftest import run_main

GEMMA3, TEXT = "google/gemma-3-27b-it", "Qwen/Qwen3-8B"
PAN = ("--mm-processor-kwargs", '{"do_pan_and_scan": true}')
LORA = ("--enable-lora", "--max-loras", "4", "--enable-tower-connector-lora")
SEARCH = ("recommend", "--model", GEMMA3, "--model", TEXT, "--gpu", "h100-sxm", "--context",
          "8192", *LORA, "--json")


def _json(capsys, *argv: str) -> dict:
    code, out, err = run_main(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def _rows(capsys, *flags: str) -> dict[str, dict]:
    """The cheapest row of each model searched."""
    rows = {}
    for row in _json(capsys, *SEARCH, *flags)["rows"]:
        rows.setdefault(row["model_name"], row)
    return rows


def _row_plan(capsys, row: dict, *flags: str) -> dict:
    """`plan --json` of a recommended row's GPUs, layout and formats."""
    layout = row["layout"]
    quant = () if row["quant_key"] == "bf16" else ("--quantization", "fp8")
    return _json(capsys, "plan", "--model", row["model_name"], "--gpu", row["gpu_key"],
                 "--gpus", str(row["gpus"]), "--tp", str(layout["tp"]), "--pp",
                 str(layout["pp"]), "--dp", str(layout["dp"]), *quant, "--kv-cache-dtype",
                 row["kv_cache_dtype"], "--max-model-len", "8192", *LORA, "--json", *flags)


def test_pan_and_scan_moves_gemma_3s_row_and_leaves_the_text_models(capsys) -> None:
    base, pan = _rows(capsys), _rows(capsys, *PAN)
    gemma, text = pan[GEMMA3], pan[TEXT]
    assert gemma["vllm_command"].count("--mm-processor-kwargs '{\"do_pan_and_scan\": true}'") \
        == 1
    # the text model: searched and launched as without the flag (vLLM would ignore it)
    assert "--mm-processor-kwargs" not in text["vllm_command"]
    assert text == base[TEXT]
    # Gemma 3's row is plan's with the flag: 1,277,952 B less tower LoRA, more KV room
    assert (gemma["gpus"], gemma["quant_key"]) == (base[GEMMA3]["gpus"],
                                                   base[GEMMA3]["quant_key"])
    with_flag, without = _row_plan(capsys, gemma, *PAN), _row_plan(capsys, gemma)
    assert without["lora_bytes_per_gpu"] - with_flag["lora_bytes_per_gpu"] == (
        14_156_032 - 2 * 6_439_040) == 1_277_952
    assert (with_flag["max_concurrency"], without["max_concurrency"]) == (
        gemma["max_concurrency"], base[GEMMA3]["max_concurrency"])
    assert gemma["max_concurrency"] > base[GEMMA3]["max_concurrency"]


def test_json_engine_block_carries_the_kwargs_under_plans_key(capsys) -> None:
    found = _json(capsys, *SEARCH, "--top", "1", *PAN)
    assert found["engine"]["mm_processor_kwargs"] == [["do_pan_and_scan", True]]
    assert _json(capsys, *SEARCH, "--top", "1")["engine"]["mm_processor_kwargs"] == []


@pytest.mark.parametrize(("given", "why"), [
    ('{"max_soft_tokens": 300}', "max_soft_tokens 300: vLLM's Gemma 4 processor takes one of "
     "70, 140, 280, 560, 1120"),
    ('{"num_crops": 4}', '"num_crops": Headroom plans max_soft_tokens (Gemma 4)'),
    ("max_patches=4", "'max_patches=4' is not JSON")])
def test_a_value_plan_refuses_exits_2_in_one_line(capsys, given, why) -> None:
    with pytest.raises(SystemExit) as done:
        run_main(capsys, *SEARCH, "--mm-processor-kwargs", given)
    out, err = capsys.readouterr()
    assert done.value.code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert f"argument --mm-processor-kwargs: {why}" in err, err


def test_report_compares_a_text_model_as_without_it(capsys) -> None:
    args = ("report", "--model", GEMMA3, "--compare", TEXT, "--gpu", "h100-sxm", "--gpus", "1",
            "--max-model-len", "8192", *LORA, "--format", "json")
    base, pan = _json(capsys, *args), _json(capsys, *args, *PAN)
    rows = [{r["model_name"]: r for r in found["comparison"]} for found in (base, pan)]
    assert rows[1][TEXT] == rows[0][TEXT]
    # the report's own plan, Gemma 3's, at 1 H100 in bfloat16: the hand-worked LoRA bytes
    assert base["plan"]["lora_bytes_per_gpu"] - pan["plan"]["lora_bytes_per_gpu"] == 1_277_952
