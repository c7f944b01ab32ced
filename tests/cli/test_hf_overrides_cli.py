"""--hf-overrides on plan, sweep, report and recommend: Qwen3-32B served past its 40,960
max_position_embeddings with the YaRN block Qwen's model card gives.

Qwen3-32B (planner/catalog_data/Qwen__Qwen3-32B.json): 64 layers, 8 KV heads x head_dim 128,
bf16, max_position_embeddings 40,960, rope_scaling null, rope_theta 1,000,000.
On 2 H100 (TP 2): KV per token per GPU = 64 layers x 2 (K, V) x 8 / 2 heads x 128 x 2 B =
131,072 B; vLLM's default block (CacheConfig.DEFAULT_BLOCK_SIZE) is 64 tokens in 0.34.0 and
16 in 0.29.0: 64 x 131,072 = 8,388,608 B, or 16 x 131,072 = 2,097,152 B; a 131,072-token
request holds 131,072 / 64 = 2,048 blocks, or 131,072 / 16 = 8,192.
vLLM's derived max_model_len (config/model.py _get_and_verify_max_len): up to 0.29.0 a yarn
block sets it to original_max_position_embeddings x factor = 32,768 x 4 = 131,072; from 0.30.0
yarn's factor is not applied, so it stays max_position_embeddings (40,960 unless overridden).
The rotary cos/sin cache (get_rope; YaRNScalingRotaryEmbedding: original x factor rows) on
every GPU: 32,768 x 4 = 131,072 rows x 128 x 2 B = 33,554,432 B, against 40,960 x 128 x 2 B =
10,485,760 B without the block: 23,068,672 B more.
"""

import json
import shlex

import pytest

from planner.model.config.overrides import with_hf_overrides
from planner.model.spec import ConfigError
from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.cli.conftest import plan_json, rope_cache_bytes
from tests.cli.conftest import run_main as _run

QWEN = ("--model", "Qwen/Qwen3-32B", "--gpu", "h100", "--gpus", "2")
YARN = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
CARD = json.dumps({"rope_scaling": YARN})
"""Qwen's model card override: the yarn block alone."""
LONG = json.dumps({"rope_scaling": {**YARN, "rope_theta": 1000000},
                   "max_position_embeddings": 131072})
"""The yarn block with the config's rope_theta and max_position_embeddings 32,768 x 4."""
BLOCK = {"0.34.0": 64, "0.29.0": 16}
"""vLLM's default block size in tokens (BLOCK_64_DEFAULT_FROM 0.34.0)."""
ROPE_BYTES, ROPE_BYTES_UNSCALED = 131_072 * 128 * 2, 40_960 * 128 * 2


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network


def _plan(capsys, *flags: str) -> dict:
    """plan --json of Qwen3-32B on 2 H100s with `flags`, which must exit 0."""
    return plan_json(capsys, *QWEN, *flags)


@pytest.mark.parametrize("version", ["0.34.0", "0.29.0"])
def test_without_the_override_131072_is_refused(capsys, version: str) -> None:
    plan = _plan(capsys, "--max-model-len", "131072", "--vllm-version", version)
    assert not plan["fits"]
    assert "derived max_model_len (max_position_embeddings=40960" in plan["errors"][0]
    assert rope_cache_bytes(plan) == ROPE_BYTES_UNSCALED == 10_485_760


def test_the_card_override_plans_131072_where_vllm_scales_yarn(capsys) -> None:
    plan = _plan(capsys, "--hf-overrides", CARD, "--vllm-version", "0.29.0")
    # no --max-model-len: vLLM 0.29.0 starts at the derived 32,768 x 4
    assert plan["max_model_len"] == 131_072 and plan["fits"], plan["errors"]
    assert rope_cache_bytes(plan) == ROPE_BYTES == 33_554_432
    assert plan["block_size"] == 16
    assert plan["num_gpu_blocks"] == plan["kv_cache_bytes_per_gpu"] // (16 * 131_072)
    assert plan["max_concurrency"] == pytest.approx(plan["num_gpu_blocks"] / 8_192)
    assert any(w.startswith("--hf-overrides ") for w in plan["warnings"])


def test_from_vllm_030_the_card_override_alone_stays_refused(capsys) -> None:
    plan = _plan(capsys, "--hf-overrides", CARD, "--max-model-len", "131072")
    assert not plan["fits"]
    assert "derived max_model_len (max_position_embeddings=40960" in plan["errors"][0]
    assert any("add \"max_position_embeddings\"" in w for w in plan["warnings"])
    # the block has no rope_theta: transformers 5 leaves it None (the note says to give it)
    assert any("give \"rope_theta\"" in w for w in plan["warnings"])


@pytest.mark.parametrize("version", ["0.34.0", "0.29.0"])
def test_with_max_position_embeddings_it_plans_131072_and_launches(capsys, version) -> None:
    plan = _plan(capsys, "--hf-overrides", LONG, "--max-model-len", "131072",
                 "--vllm-version", version)
    assert plan["fits"] and plan["max_model_len"] == 131_072
    assert plan["max_context_tokens"] == 131_072
    assert rope_cache_bytes(plan) == ROPE_BYTES
    block = BLOCK[version]
    assert plan["block_size"] == block
    assert plan["num_gpu_blocks"] == plan["kv_cache_bytes_per_gpu"] // (block * 131_072)
    assert plan["kv_cache_tokens"] == plan["num_gpu_blocks"] * block
    assert plan["max_concurrency"] == pytest.approx(plan["num_gpu_blocks"] / (131_072 // block))
    assert plan["engine"]["hf_overrides"] == LONG
    words = shlex.split(plan["vllm_command"])
    assert json.loads(words[words.index("--hf-overrides") + 1]) == json.loads(LONG)
    assert command_problems(plan["vllm_command"], vllm_cli(version)) == []
    assert not any("add \"max_position_embeddings\"" in w for w in plan["warnings"])


def test_the_rope_cache_alone_moves_at_one_length(capsys) -> None:
    """At --max-model-len 40,960 both plans share every term but the rotary cache: the pool
    loses the cache's 23,068,672 B growth and nothing else."""
    plain = _plan(capsys, "--max-model-len", "40960")
    over = _plan(capsys, "--max-model-len", "40960", "--hf-overrides", LONG)
    assert rope_cache_bytes(over) - rope_cache_bytes(plain) == 23_068_672
    assert over["weights_bytes_per_gpu"] - plain["weights_bytes_per_gpu"] == 23_068_672
    assert plain["kv_cache_bytes_per_gpu"] - over["kv_cache_bytes_per_gpu"] == 23_068_672
    assert "engine" in plain and "hf_overrides" not in plain["engine"]  # a dump keeps its keys


@pytest.mark.parametrize("command", [
    ("sweep", *QWEN, "--max-model-len", "131072"),
    ("report", *QWEN, "--max-model-len", "131072"),
    ("recommend", "--model", "Qwen/Qwen3-32B", "--gpu", "h100", "--context", "131072"),
])
def test_sweep_report_and_recommend_plan_and_launch_it(capsys, command) -> None:
    code, out, err = _run(capsys, *command, "--hf-overrides", LONG)
    assert code == 0, err
    assert f"--hf-overrides {shlex.quote(LONG)}" in out
    assert "max_position_embeddings=40960" not in out


@pytest.mark.parametrize(("given", "words"), [
    ("[1]", "is not a JSON object of config keys"),
    ("{", "is not a JSON object of config keys"),
    ("{}", "is not a JSON object of config keys"),
    ('{"rope_theta": 5}', "key 'rope_theta' is not planned"),
    ('{"rope_scaling": 3}', "rope_scaling must be a JSON object"),
    ('{"rope_scaling": {}, "rope_parameters": {}}', "both rope_scaling and rope_parameters"),
    ('{"max_position_embeddings": 0}', "max_position_embeddings 0 is not a whole number"),
    ('{"max_position_embeddings": 1.5}', "max_position_embeddings 1.5 is not a whole number"),
    ('{"rope_scaling": {"rope_type": "bogus", "factor": 4}}', "Unknown RoPE scaling type"),
    ('{"rope_scaling": {"rope_type": "yarn", "factor": -1}}', "factor must be a positive"),
    ('{"rope_scaling": {"rope_type": "yarn"}}', "but no factor"),
])
def test_bad_overrides_are_one_line_exit_2(capsys, given: str, words: str) -> None:
    try:  # argparse's refusal exits, a config's error returns
        code, out, err = _run(capsys, "plan", *QWEN, "--hf-overrides", given)
    except SystemExit as exc:
        code, (out, err) = exc.code, capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--hf-overrides" in err and words in err


def test_a_text_config_is_refused() -> None:
    with pytest.raises(ConfigError, match="text_config"):
        with_hf_overrides({"text_config": {"max_position_embeddings": 8}},
                          {"max_position_embeddings": 16})


def test_a_rope_block_replaces_either_spelling() -> None:
    config = {"rope_parameters": {"rope_type": "default"}, "max_position_embeddings": 8}
    assert with_hf_overrides(config, {"rope_scaling": YARN}) == {
        "max_position_embeddings": 8, "rope_scaling": YARN}


@pytest.mark.parametrize("command", ["plan", "sweep", "report", "recommend", "inspect"])
def test_the_help_s_example_serves_qwen3_at_131072_without_a_warning(capsys, command) -> None:
    # each command's --help gave '{"rope_scaling": {yarn, factor 4.0, original 32,768},
    # "max_position_embeddings": 131072}': on the default vLLM 0.34.0 (transformers 5) that
    # block loses the config's rope_theta (1,000,000) and vLLM's rotary base becomes None, which
    # the plan warns of; the help now gives the block with it, as LONG and docs/cli.md do
    with pytest.raises(SystemExit):
        _run(capsys, command, "--help")
    text = " ".join(capsys.readouterr().out.split())
    after = text.split("e.g. a YaRN block", 1)[1]
    example = json.loads(after[after.index("'{") + 1:after.index("}'") + 1])
    assert example == json.loads(LONG)
    figures = plan_json(capsys, *QWEN, "--hf-overrides", json.dumps(example))
    # derived max_model_len: the given max_position_embeddings, 32,768 x 4 = 131,072
    assert figures["max_model_len"] == 131_072 and figures["fits"]
    assert not [w for w in figures["warnings"] if "rope_theta to None" in w]
    assert f"--hf-overrides '{json.dumps(example)}'" in figures["vllm_command"]
