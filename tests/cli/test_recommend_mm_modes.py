"""recommend --language-model-only, --limit-mm-per-prompt (zero counts), --mm-encoder-tp-mode
and --skip-mm-profiling: plan's flags (cli.args.add_mm_modes), checked as plan checks them, each
row planned with them, --json's engine block carrying them. Before, recommend had none of them
(exit 2), so a vision-language checkpoint served text-only could not be searched.

Qwen3-VL-32B-Instruct's vision tower by hand in tests/planner/serving/test_mm_modes.py:
595,266,800 parameters x 2 B = 1,190,533,600 B at TP 1, beside 3 x 8,192 batched tokens x 5,120
x 2 B = 251,658,240 B of deepstack input buffers on an H100 (8,192 batched tokens): served
text-only, vLLM builds neither, so the weights per GPU fall by 1,442,191,840 B. The tower is
not quantized by --quantization fp8 (the weights figure keeps it in bfloat16), so the fp8 row
loses the same bytes.
"""

import json

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.recommend import _smallest_weights
from planner.serving.sweep import quant_candidates
from tests.cli.conftest import run_main
from tests.planner.serving.test_mm_modes import DEEPSTACK_BYTES, QWEN3_VL, TOWER_BYTES

SEARCH = ("recommend", "--model", QWEN3_VL, "--context", "32768", "--concurrency", "8",
          "--json")
TEXT_ONLY = {"--language-model-only": ("--language-model-only",),
             "--limit-mm-per-prompt": ("--limit-mm-per-prompt", '{"image": 0, "video": 0}')}


def _json(capsys, *argv: str) -> dict:
    code, out, err = run_main(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def _row_plan(capsys, row: dict, *flags: str) -> dict:
    """`plan --json` of a recommended row's GPUs, layout, formats and raised flags."""
    layout, raised = row["layout"], row["raised_flags"]
    quant = () if row["quant_key"] == "bf16" else ("--quantization", "fp8")
    return _json(capsys, "plan", "--model", QWEN3_VL, "--gpu", row["gpu_key"],
                 "--gpus", str(row["gpus"]), "--tp", str(layout["tp"]),
                 "--pp", str(layout["pp"]), "--dp", str(layout["dp"]), *quant,
                 "--kv-cache-dtype", row["kv_cache_dtype"], "--max-model-len", "32768",
                 *(("--max-num-seqs", str(raised["max_num_seqs"])) if raised else ()),
                 "--json", *flags)


@pytest.mark.parametrize("flag", list(TEXT_ONLY))
def test_text_only_row_is_the_plan_with_the_flag_less_the_hand_worked_tower(capsys,
                                                                            flag) -> None:
    h100 = (*SEARCH, "--gpu", "h100-sxm")
    [base] = _json(capsys, *h100, "--top", "1")["rows"]
    found = _json(capsys, *h100, "--top", "1", *TEXT_ONLY[flag])
    [text] = found["rows"]
    assert found["engine"]["language_model_only"] == (flag == "--language-model-only")
    assert text["vllm_command"].endswith(" ".join(
        TEXT_ONLY[flag][:1] + tuple(f"'{v}'" for v in TEXT_ONLY[flag][1:])))
    # one H100 either way (fp8 weights and KV), and the text-only row holds more requests
    assert (text["gpus"], text["quant_key"], text["kv_cache_dtype"]) == (
        base["gpus"], base["quant_key"], base["kv_cache_dtype"]) == (1, "fp8-tensor", "fp8")
    assert text["usd_per_hour"] <= base["usd_per_hour"]
    assert text["max_concurrency"] > base["max_concurrency"]
    # each row is plan's at its settings, with and without the flag
    with_flag, without = _row_plan(capsys, text, *TEXT_ONLY[flag]), _row_plan(capsys, base)
    assert (with_flag["max_concurrency"], without["max_concurrency"]) == (
        text["max_concurrency"], base["max_concurrency"])
    assert without["weights_bytes_per_gpu"] - with_flag["weights_bytes_per_gpu"] == (
        TOWER_BYTES[1] + DEEPSTACK_BYTES) == 1_442_191_840


def test_text_only_picks_a_config_at_least_as_cheap_over_every_preset(capsys) -> None:
    base = _json(capsys, *SEARCH, "--top", "1")["rows"][0]
    text = _json(capsys, *SEARCH, "--top", "1", "--language-model-only")["rows"][0]
    assert text["usd_per_hour"] <= base["usd_per_hour"]
    assert text["vllm_command"].endswith(" --language-model-only")


def test_the_pruning_bound_leaves_the_tower_off_when_it_is_not_built() -> None:
    # a count whose memory holds the language model alone is planned, not pruned: the
    # smallest format's bytes lose the bfloat16 tower, 1,190,533,600 B, in every format
    spec = catalog_spec(QWEN3_VL)
    quants = quant_candidates(spec, preset_cluster("h100-sxm", 1))
    assert _smallest_weights(spec, quants, False, {}) - _smallest_weights(
        spec, quants, True, {}) == TOWER_BYTES[1]


def test_json_engine_block_carries_the_flags_under_plans_keys(capsys) -> None:
    found = _json(capsys, *SEARCH, "--gpu", "h100-sxm", "--top", "1",
                  "--mm-encoder-tp-mode", "data", "--skip-mm-profiling")
    plan = EngineSettings(mm_encoder_tp_mode="data", skip_mm_profiling=True).model_dump(
        mode="json")
    assert found["engine"] == {key: plan[key] for key in (
        "skip_mm_profiling", "language_model_only", "zero_mm_limits", "mm_encoder_tp_mode",
        "mm_processor_kwargs")}
    assert found["rows"][0]["vllm_command"].endswith(
        " --skip-mm-profiling --mm-encoder-tp-mode data")


@pytest.mark.parametrize(("flag", "arrives"), [
    (("--skip-mm-profiling",), "0.10.1"), (("--mm-encoder-tp-mode", "data"), "0.10.2"),
    (("--language-model-only",), "0.17.0")])
def test_a_flag_the_release_lacks_exits_2_as_plan_does(capsys, flag, arrives) -> None:
    code, out, err = run_main(capsys, *SEARCH, "--vllm-version", "0.9.2", *flag)
    assert code == 2 and out == "", err
    assert err == (f"python -m planner recommend: error: vLLM 0.9.2: unrecognized arguments: "
                   f"{flag[0]} (the flag arrives in vLLM {arrives}).\n")


def test_a_negative_limit_is_refused_by_the_shared_parser(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        run_main(capsys, *SEARCH, "--limit-mm-per-prompt", '{"image": -2}')
    err = capsys.readouterr().err
    assert done.value.code == 2 and len(err.strip().splitlines()) == 1, err
    assert "image -2: vLLM refuses a count below 0" in err


def test_tower_lora_beside_text_only_serving_exits_2_naming_the_model(capsys) -> None:
    # every limit at 0 fails at start-up in every release (mm_modes.tower_lora);
    # --language-model-only does only before 0.19.0, which turns the flag off and starts
    code, out, err = run_main(capsys, *SEARCH, "--model", "Qwen/Qwen3-8B", "--enable-lora",
                              "--enable-tower-connector-lora", *TEXT_ONLY["--limit-mm-per-prompt"])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert (f"error: {QWEN3_VL}: --enable-tower-connector-lora with --limit-mm-per-prompt "
            "image 0, video 0: the model is served text-only") in err, err
    code, out, err = run_main(capsys, *SEARCH, "--model", "Qwen/Qwen3-8B", "--enable-lora",
                              "--enable-tower-connector-lora", "--language-model-only")
    assert code == 0 and json.loads(out)["lora_notes"] == [], err  # searched with its LoRA
