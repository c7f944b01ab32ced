"""A what-if row's launch command must not load a known checkpoint that the same release
refuses when that checkpoint is planned itself.

The catalog's RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16 (the known GPTQ int4 g128
checkpoint of meta-llama/Llama-3.1-8B-Instruct, planner.serving.launch.QUANTIZED_CHECKPOINTS)
has "desc_act": true with group_size 128 in its quantization_config
(planner/catalog_data/RedHatAI__Meta-Llama-3.1-8B-Instruct-quantized.w4a16.json), and vLLM
0.30.0 on refuses group act-order ("GPTQ group activation ordering (desc_act=True) is no longer
supported", utils/gptq_utils.py normalize_and_validate_gptq_desc_act; 0.29 loads it). So
`plan --model <that checkpoint>` says "Does not fit" on 0.34.0, and `plan --target-quant
w4a16`, `sweep` and `recommend` of the 16-bit model printed `vllm serve <that checkpoint>` as
what to run on 0.34.0 all the same.
"""

import json

from tests.cli.conftest import run_main

MODEL = "meta-llama/Llama-3.1-8B-Instruct"
CHECKPOINT = "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16"
BASE = ("--gpu", "rtx-3090", "--max-model-len", "8192", "--json")


def _what_if(capsys, version: str) -> dict:
    code, out, err = run_main(capsys, "plan", "--model", MODEL, "--target-quant", "w4a16",
                              "--vllm-version", version, *BASE)
    assert code == 0, err
    return json.loads(out)


def test_the_checkpoint_itself_is_refused_on_0_34(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", CHECKPOINT, "--vllm-version", "0.34.0",
                              *BASE)
    assert code == 0, err
    data = json.loads(out)
    assert not data["fits"] and data["vllm_command"] is None
    assert "desc_act=True" in data["verdict"]


def test_the_what_if_gets_no_command_loading_it_on_0_34(capsys) -> None:
    data = _what_if(capsys, "0.34.0")
    assert data["vllm_command"] is None
    note = data["launch_note"]
    assert note.startswith("No GPTQ int4, group 128 (W4A16) checkpoint of "
                           f"{MODEL} that vLLM 0.34.0 loads is in Headroom's catalog"), note
    # the other known checkpoint (w8a8) is offered, the refused one is named with vLLM's reason
    assert "another format: RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8." in note
    assert f"The catalog's checkpoint in that format, {CHECKPOINT}, is refused there: " in note
    assert "desc_act=True" in note


def test_on_0_29_the_what_if_still_loads_it(capsys) -> None:
    data = _what_if(capsys, "0.29.0")
    assert data["vllm_command"].startswith(f"vllm serve {CHECKPOINT} "), data["vllm_command"]


def test_recommend_lists_no_row_running_it_on_0_34(capsys) -> None:
    code, out, err = run_main(capsys, "recommend", "--model", MODEL, "--gpu", "rtx-3090",
                              "--context", "8192", "--top", "20", "--json")
    assert code == 0, err
    commands = [row.get("vllm_command") or "" for row in json.loads(out)["rows"]]
    assert commands and not any(CHECKPOINT in c for c in commands), commands


def test_another_formats_what_if_does_not_offer_it_on_0_34(capsys) -> None:
    # no AWQ checkpoint is known: the note offers the known ones of other formats, which on
    # 0.34.0 is the w8a8 alone (the w4a16 one is refused there, as above), on 0.29 both
    code, out, err = run_main(capsys, "plan", "--model", MODEL, "--target-quant", "awq",
                              "--vllm-version", "0.34.0", *BASE)
    assert code == 0, err
    note = json.loads(out)["launch_note"]
    assert note.endswith("another format: RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8."), \
        note
    code, out, err = run_main(capsys, "plan", "--model", MODEL, "--target-quant", "awq",
                              "--vllm-version", "0.29.0", *BASE)
    assert code == 0, err
    assert json.loads(out)["launch_note"].endswith(
        f"another format: {CHECKPOINT}, RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8.")
