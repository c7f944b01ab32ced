"""Bad input found by the session-55 sweep over the flags of sessions 53-54 (--hf-overrides,
--requests-per-s, ...): each exits 2 in one line naming the bad value, where it was a
traceback or a figure no one could read.

Qwen3-8B (planner/catalog_data/Qwen__Qwen3-8B.json): max_position_embeddings 40,960,
rope_scaling null.
"""

import json

import pytest

from tests.cli.conftest import plan_errors, run_main
from tests.conftest import load_ref_config

QWEN3_8B = ("--model", "Qwen/Qwen3-8B", "--gpu", "h100", "--gpus", "1")


def assert_one_line(code: int, out: str, err: str, *words: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr holding each of `words`."""
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize(("block", "version", "words"), [
    # yarn scales the derived length up to 0.29.0: 1e-300 x original 32,768 = 3.2768e-296
    # tokens, int() = 0; the plan divided by it (activation.py, ZeroDivisionError traceback)
    ({"rope_type": "yarn", "factor": 1e-300, "original_max_position_embeddings": 32768},
     "0.29.0", "factor = 1e-300 shrinks the context to 3.28e-296 tokens (1e-300 x 32,768)"),
    # dynamic scales max_position_embeddings: 1e-5 x 40,960 = 0.4096 tokens, under one
    ({"rope_type": "dynamic", "factor": 1e-5}, "0.34.0",
     "factor = 1e-05 shrinks the context to 0.41 tokens (1e-05 x 40,960)"),
    # on 0.34.0 yarn leaves the derived length alone, but its cos/sin cache is
    # original x factor = 32,768 x 1e-5 = 0.32768 rows
    ({"rope_type": "yarn", "factor": 1e-5, "original_max_position_embeddings": 32768},
     "0.34.0", "shrinks the context to 0.328 tokens (1e-05 x 32,768)")])
def test_a_rope_factor_under_one_token_is_refused(capsys, block, version, words) -> None:
    code, out, err = run_main(capsys, "plan", *QWEN3_8B, "--vllm-version", version,
                              "--hf-overrides", json.dumps({"rope_scaling": block}))
    assert_one_line(code, out, err, words, "not a usable rope scaling")


def _yarn(**keys: object) -> str:
    """--hf-overrides JSON of Qwen3-8B's YaRN block (4 x 32,768, Qwen's own long-context
    setting) with `keys` added."""
    return json.dumps({"rope_scaling": {"rope_type": "yarn", "factor": 4.0,
                                        "original_max_position_embeddings": 32768, **keys}})


@pytest.mark.parametrize(("keys", "words"), [
    # vLLM's yarn_find_correction_dim computes beta x 2 x pi: "fast" x 2 = "fastfast", then
    # x pi is a TypeError (0.9.2, 0.29.0, 0.34.0 wheels); null is passed as given (TypeError)
    ({"beta_fast": "fast"}, 'rope_scaling.beta_fast is a string, not a number'),
    ({"beta_slow": None}, "rope_scaling.beta_slow is null, not a number"),
    ({"beta_fast": [32]}, "rope_scaling.beta_fast is an array, not a number"),
    # false is Python's 0: 32,768 / (0 x 2 x pi), a ZeroDivisionError
    ({"beta_slow": False}, "rope_scaling.beta_slow = false divides by zero in vLLM's YaRN "
                           "log(32,768 / (beta_slow x 2 x pi))"),
    ({"beta_fast": 0}, "rope_scaling.beta_fast = 0 divides by zero"),
    # 1e400 reads as inf: 32,768 / inf = 0, log(0) is a math domain error
    ({"beta_fast": 1e400}, "rope_scaling.beta_fast = Infinity leaves no finite log in vLLM's "
                           "YaRN log(32,768 / (beta_fast x 2 x pi)): 32,768 / (Infinity x 2 x "
                           "pi) = 0"),
    # -1: 32,768 / (-2 pi) = -5,215.19, the log of a negative number (math domain error)
    ({"beta_slow": -1}, "32,768 / (-1 x 2 x pi) = -5215.19"),
    # 5e-324 x 2 x pi = 3e-323; 32,768 / 3e-323 overflows to inf, and floor(log(inf)) is an
    # OverflowError (yarn_find_correction_range)
    ({"beta_slow": 5e-324}, "32,768 / (5e-324 x 2 x pi) = inf"),
])
def test_a_yarn_beta_vllm_cannot_use_is_refused(capsys, keys, words) -> None:
    code, out, err = run_main(capsys, "plan", *QWEN3_8B, "--hf-overrides", _yarn(**keys))
    assert_one_line(code, out, err, words, "an error as vLLM builds the rotary embedding")


@pytest.mark.parametrize("keys", [
    {"beta_fast": 32, "beta_slow": 1},  # DeepSeek-V3's (shared/model-configs)
    {"beta_fast": 32.0, "beta_slow": 1.0},
    # true is Python's 1 (32,768 / 2 pi = 5,215.19, log 8.56): vLLM builds it
    {"beta_fast": True},
    # a yarn mscale alone: 0.30.0-0.34.0's YaRNScalingRotaryEmbedding reads it only beside a
    # truthy mscale_all_dim (`elif mscale and mscale_all_dim`), earlier yarn never: vLLM
    # starts (startup.rope_keys.yarn_key_errors)
    {"mscale": "x"},
])
def test_a_usable_yarn_beta_still_plans(capsys, keys) -> None:
    code, _, err = run_main(capsys, "plan", *QWEN3_8B, "--hf-overrides", _yarn(**keys),
                            "--json")
    assert code == 0, err


def test_a_deepseek_yarn_beta_is_checked_on_its_original_length(capsys) -> None:
    # DeepSeek-V2-Lite-Chat's config.json rope block (shared/model-configs; vLLM builds it as
    # deepseek_yarn): original_max_position_embeddings 4,096, so the log is of 4,096 / (beta
    # x 2 x pi): -1 gives 4,096 / -6.2832 = -651.899
    block = {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 0.707,
             "mscale_all_dim": 0.707, "original_max_position_embeddings": 4096, "type": "yarn"}
    code, out, err = run_main(capsys, "plan", "--model", "deepseek-ai/DeepSeek-V2-Lite-Chat",
                              "--gpu", "h100-sxm", "--hf-overrides",
                              json.dumps({"rope_scaling": {**block, "beta_slow": -1}}))
    assert_one_line(code, out, err, "beta_slow = -1 leaves no finite log",
                    "4,096 / (-1 x 2 x pi) = -651.899")


def test_a_rope_factor_of_a_few_tokens_still_plans(capsys) -> None:
    # 1e-4 x 32,768 = 3.2768: vLLM derives int() = 3 tokens on 0.29.0, a context it serves
    code, out, err = run_main(capsys, "plan", *QWEN3_8B, "--vllm-version", "0.29.0",
                              "--hf-overrides", json.dumps({"rope_scaling": {
                                  "rope_type": "yarn", "factor": 1e-4,
                                  "original_max_position_embeddings": 32768}}), "--json")
    assert code == 0, err
    assert json.loads(out)["max_model_len"] == 3


@pytest.mark.parametrize(("argv", "words"), [
    # float() rounds 0.99999999999999999 to 1.0 (the nearest double: 1 - 2^-53 is
    # 0.99999999999999988898): it read "1 is not a fraction 0 <= R < 1", not what was typed
    (("plan", "--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu", "h100", "--video-pruning-rate",
      "0.99999999999999999"),
     "--video-pruning-rate: float() reads 0.99999999999999999 as 1: 1 is not a fraction 0 <= "
     "R < 1"),
    # 1e400 is past the largest double (1.8e308): float() reads inf
    (("plan", *QWEN3_8B, "--gpu-memory-utilization", "1e400"),
     "--gpu-memory-utilization: float() reads 1e400 as inf: inf is not a fraction of GPU "
     "memory in (0, 1]"),
    # 1e-400 is under the smallest double (4.9e-324): float() reads 0
    (("recommend", "--model", "Qwen/Qwen3-8B", "--requests-per-s", "1e-400"),
     "--requests-per-s: float() reads 1e-400 as 0: 0 is not a rate in requests per second"),
    # 1023.99999999999999 is 1024 - 1e-14; the double below 1024 is 1024 - 2^-43 (1.1e-13
    # away), so float() reads 1024.0
    (("plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib", "1023.99999999999999"),
     "--gpu-memory-gib: float() reads 1023.99999999999999 as 1024: 1024 is not a GPU memory "
     "size in GiB (0 < GiB < 1024)"),
    # read exactly (the double nearest 1.0000001 reads back as it), named in full: ':g' wrote
    # "1 is not a fraction of GPU memory in (0, 1]"
    (("plan", *QWEN3_8B, "--gpu-memory-utilization", "1.0000001"),
     "--gpu-memory-utilization: 1.0000001 is not a fraction of GPU memory in (0, 1]"),
    # read exactly, the value alone, as before
    (("plan", "--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu", "h100", "--video-pruning-rate",
      "1"), "--video-pruning-rate: 1 is not a fraction 0 <= R < 1")])
def test_a_refused_float_names_the_text_typed(capsys, argv, words) -> None:
    with pytest.raises(SystemExit) as caught:
        run_main(capsys, *argv)
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert_one_line(2, "", err, words)


def test_a_tiny_rate_reads_as_typed(capsys) -> None:
    # 5e-324 is the smallest double (2^-1074 = 4.94065645841246544e-324), whose shortest
    # round-trip text is "5e-324": ':g' headed the table "4.94066e-324 requests/s"
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "h100-sxm", "--gpus-max", "1", "--requests-per-s", "5e-324")
    assert code == 0, err
    assert out.startswith("Cheapest configurations for 5e-324 requests/s at "), out


def _usd_per_million_cell(out: str) -> str:
    """The first row's "$/M out tok" cell of recommend's table (its columns start under
    their headers)."""
    lines = out.splitlines()
    head = next(line for line in lines if line.startswith("#  model"))
    at = head.index("$/M out tok")
    row = lines[lines.index(head) + 1]
    return row[at:].split("  ")[0]


@pytest.mark.parametrize(("rate", "cell"), [
    # 1x h100-sxm at $3.99/h; 1e-300 requests/s x 1,024 output tokens = 1.024e-297 tok/s:
    # 3.99 / (1.024e-297 x 3,600) x 10^6 = 3.99e6 / 3.6864e-294 = 1.0824e300 (it printed
    # 1,082,356,770,833,333,449,... in 301 digits)
    ("1e-300", "1.08e+300"),
    # 5e-324 x 1,024 x 3,600 = 1.89e-317 tok/h: 3.99e6 / 1.89e-317 = 2.1e323, past the
    # largest double (1.8e308): inf, printed "inf" (the JSON's null)
    ("5e-324", "> 1.8e+308"),
    # 1e-3 x 1,024 x 3,600 = 3,686.4 tok/h: 3.99e6 / 3,686.4 = 1,082.36 (under $1e6: cents)
    ("0.001", "1,082.36"),
])
def test_a_tiny_rate_prices_a_token_in_a_readable_cell(capsys, rate: str, cell: str) -> None:
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "h100-sxm", "--gpus-max", "1", "--requests-per-s", rate)
    assert code == 0, err
    assert "1x h100-sxm" in out and "  3.99  " in out, out
    assert _usd_per_million_cell(out) == cell, out


@pytest.mark.parametrize(("block", "words"), [
    # get_rope reads rope_parameters["low_freq_factor"] / ["high_freq_factor"] for llama3 and
    # ["short_factor"] / ["long_factor"] for longrope (rotary_embedding/__init__.py, 0.34.0
    # wheel): a KeyError as vLLM builds the model, where Headroom's plan read "Fits"
    ({"rope_type": "llama3", "factor": 8.0},
     "rope_scaling has rope_type 'llama3' but no low_freq_factor or high_freq_factor"),
    ({"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0},
     "rope_scaling has rope_type 'llama3' but no high_freq_factor"),
    ({"rope_type": "longrope", "factor": 4.0},
     "rope_scaling has rope_type 'longrope' but no short_factor or long_factor"),
    # su is longrope's legacy name, renamed before get_rope reads the block
    # (patch_rope_scaling_dict, 0.9.2 wheel; patch_legacy_rope_type, 0.29.0 / 0.34.0 wheels)
    ({"type": "su", "factor": 4.0},
     "rope_scaling has rope_type 'su' but no short_factor or long_factor"),
    ({"rope_type": "su", "short_factor": [1.0] * 64},
     "rope_scaling has rope_type 'su' but no long_factor")])
def test_a_rope_block_without_the_keys_get_rope_reads_is_refused(capsys, block, words) -> None:
    code, out, err = run_main(capsys, "plan", *QWEN3_8B, "--hf-overrides",
                              json.dumps({"rope_scaling": block}))
    assert_one_line(code, out, err, words, "(KeyError)")


def test_llama_31s_own_block_still_plans(capsys) -> None:
    # Llama-3.1's rope block (tests/fixtures/configs/meta-llama__Meta-Llama-3.1-8B.json) has
    # every key get_rope reads: an override with it plans
    block = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
             "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
    code, out, err = run_main(capsys, "plan", *QWEN3_8B, "--hf-overrides",
                              json.dumps({"rope_scaling": block}), "--json")
    assert code == 0, err
    assert json.loads(out)["fits"]


@pytest.mark.parametrize(("block", "version"), [
    # vLLM applies no llama3 / longrope / su factor to the derived length
    # (_get_and_verify_max_len: `if rope_type not in ("su", "longrope", "llama3")`, config.py
    # 0.9.2, config/model.py 0.14.0 / 0.29.0 / 0.34.0 wheels), and their rotary caches are built
    # over max_position_embeddings rows, not x factor (Llama3RotaryEmbedding: RotaryEmbedding's
    # torch.arange(max_position_embeddings); Phi3LongRoPEScaledRotaryEmbedding reads no factor):
    # 1e-5 x 40,960 = 0.4096 "tokens" and 1e5 x 40,960 = 4,096,000,000 > 2^30 shrink or stretch
    # nothing: vLLM derives Qwen3-8B's own 40,960 and starts there (a longrope model starts at
    # the config's top-level original_max_position_embeddings from 0.11.1, which Qwen3-8B has
    # not: vllm_versions.LONGROPE_WINDOW_FROM)
    ({"rope_type": "llama3", "factor": 1e-5, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
      "original_max_position_embeddings": 8192}, "0.29.0"),
    ({"rope_type": "llama3", "factor": 1e5, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
      "original_max_position_embeddings": 8192}, "0.9.2"),
    ({"rope_type": "longrope", "factor": 1e-5, "short_factor": [1.0] * 64,
      "long_factor": [1.0] * 64, "original_max_position_embeddings": 8192}, "0.34.0")])
def test_a_factor_vllm_leaves_off_the_context_plans_at_the_models_length(
        capsys, block, version) -> None:
    code, out, err = run_main(capsys, "plan", *QWEN3_8B, "--vllm-version", version,
                              "--hf-overrides", json.dumps({"rope_scaling": block}), "--json")
    assert code == 0, err
    assert json.loads(out)["max_model_len"] == 40_960


def test_a_gemma_4_layer_types_rope_block_without_its_keys_is_refused(capsys, tmp_path) -> None:
    # Gemma-4-26B-A4B's full_attention block as llama3 without low_freq_factor /
    # high_freq_factor: gemma4.py hands its full-attention layers that block and get_rope reads
    # rope_parameters["low_freq_factor"] (KeyError; 0.29.0 and 0.34.0 wheels), where the plan
    # read "Fits"; a refusal in the verdict of the releases that read the object (0.12.0 on)
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    config["text_config"]["rope_parameters"]["full_attention"] = {
        "rope_type": "llama3", "factor": 8.0, "rope_theta": 1e6}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    fits, (error,) = plan_errors(capsys, "--model", str(path), "--gpu", "h100-sxm",
                                 "--vllm-version", "0.34.0", word="low_freq_factor")
    assert not fits
    assert error.startswith("config.json: text_config.rope_parameters.full_attention has "
                            "rope_type 'llama3' but no low_freq_factor or high_freq_factor: "
                            "vLLM's get_rope reads rope_parameters[\"low_freq_factor\"] for it "
                            "(KeyError)")
    assert error.endswith("(vLLM 0.34.0 reads each layer type's block)")
