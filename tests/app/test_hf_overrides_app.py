"""The Plan page's "HF overrides (JSON)" (vLLM --hf-overrides, link key hfov; also in the
Compare and Recommend folds) plans what `plan --hf-overrides` plans: Qwen3-32B (catalog:
max_position_embeddings 40,960) at 131,072 tokens on 2 H100s, refused without it, fits with
the YaRN block and max_position_embeddings 131,072 (vLLM 0.34.0 derives max_model_len from
max_position_embeddings under a yarn block). The rotary cos/sin cache then holds 32,768 x 4
= 131,072 rows x head_dim 128 x 2 B = 33,554,432 B a GPU (tests/cli/test_hf_overrides_cli.py
works the rest by hand)."""

import json

from cli.planner_cli import main
from tests.app import conftest as app
from ui import format as fmt

MODEL = "Qwen/Qwen3-32B"
PLAN = {"model": MODEL, "gpu": "h100-sxm", "gpn": "2", "len": "131072"}
LONG = json.dumps({"rope_scaling": {"rope_type": "yarn", "factor": 4.0,
                                    "original_max_position_embeddings": 32768,
                                    "rope_theta": 1000000},
                   "max_position_embeddings": 131072})


def _cli(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_the_field_gives_the_clis_plan(capsys) -> None:
    at = app.open_page(None, **PLAN)
    assert "max_position_embeddings=40960" in app.texts(at)  # refused, as the CLI
    at.text_input(key="plan.hf_overrides").set_value(LONG).run()
    assert not at.exception
    cli = _cli(capsys, "plan", "--model", MODEL, "--gpu", "h100-sxm", "--gpus", "2",
               "--max-model-len", "131072", "--hf-overrides", LONG, "--json")
    assert cli["fits"]
    assert app.metric(at, "Weights per GPU") == fmt.gib(cli["weights_bytes_per_gpu"])
    assert app.metric(at, "KV pool per GPU") == fmt.gib(cli["kv_cache_bytes_per_gpu"])
    assert app.launch_command(at) == cli["vllm_command"]
    weights = next(t for t in cli["terms"] if t["key"] == "weights")
    assert weights["inputs"]["rope_cache_bytes"] == "33554432"  # by hand, above
    assert json.loads(at.query_params["hfov"]) == json.loads(LONG)
    assert app.more_options(at) == "More vLLM options (1 set)"


def test_a_refused_value_is_said_in_the_clis_words_and_kept_out() -> None:
    at = app.open_page(None, **PLAN)
    at.text_input(key="plan.hf_overrides").set_value('{"rope_theta": 5}').run()
    assert not at.exception
    assert "key 'rope_theta' is not planned" in app.texts(at)
    assert "hfov" not in at.query_params
    bad = app.open_link("plan", **PLAN, hfov="[1]")
    assert any("hfov" in w.value and "is not a JSON object" in w.value
               for w in bad.sidebar.warning)


def test_compare_plans_each_row_as_report_compare(capsys) -> None:
    at = app.open_page("compare", model=MODEL, cmp=f"{MODEL},Qwen/Qwen3-8B", gpu="h100-sxm",
                       gpn="2", ctx="131072")
    at.text_input(key="compare.hf_overrides").set_value(LONG).run()
    assert not at.exception
    rows = at.dataframe[0].value.set_index("model").to_dict("index")
    report = _cli(capsys, "report", "--model", MODEL, "--compare", "Qwen/Qwen3-8B", "--gpu",
                  "h100-sxm", "--gpus", "2", "--max-model-len", "131072", "--hf-overrides",
                  LONG, "--format", "json")
    for row in report["comparison"]:
        assert rows[row["model_name"]]["concurrency at 131,072"] == round(
            row["max_concurrency"], 2)


def test_a_yarn_beta_vllm_cannot_use_is_refused_in_the_clis_words() -> None:
    # vLLM's YaRN computes log(32,768 / (beta_fast x 2 x pi)): a string is a TypeError as it
    # builds the rotary embedding (tests/cli/test_bad_input_sweep.py)
    at = app.open_page(None, **PLAN)
    bad = json.loads(LONG)
    bad["rope_scaling"]["beta_fast"] = "fast"
    at.text_input(key="plan.hf_overrides").set_value(json.dumps(bad)).run()
    assert not at.exception
    assert "rope_scaling.beta_fast is a string, not a number" in app.texts(at)
    assert not at.metric  # no plan: vLLM would not start
