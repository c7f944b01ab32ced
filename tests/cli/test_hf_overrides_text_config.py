"""--hf-overrides under text_config (a model whose config.json has one): Qwen3-VL-32B served past
its 262,144 tokens with a YaRN block, on plan and inspect, and the forms vLLM ignores or stops on.

Qwen3-VL-32B-Instruct (planner/catalog_data/Qwen__Qwen3-VL-32B-Instruct.json, text_config): 64
layers, 8 KV heads x head_dim 128 (no partial_rotary_factor: rotary dim 128), bfloat16,
max_position_embeddings 262,144, rope_scaling {"mrope_interleaved": true, "mrope_section": [24,
20, 20], "rope_type": "default"}, rope_theta 5,000,000.
NESTED = {"text_config": {"rope_scaling": {"rope_type": "yarn", "factor": 2.0,
"original_max_position_embeddings": 262144}, "max_position_embeddings": 524288}}.
vLLM applies it after loading (config/model.py ModelConfig._apply_dict_overrides ->
_update_nested, 0.11.1-0.34.0 wheels): text_config.max_position_embeddings = 524,288, and the
block is merged into the text config's own (transformers 5.25.0 rope_scaling property: the
loaded rope_parameters dict), which keeps mrope_section, mrope_interleaved and rope_theta.
Derived max_model_len (config/model.py _get_and_verify_max_len): 0.34.0 leaves a yarn factor
unapplied (rope_type in (..., "yarn", ...)), so max_position_embeddings = 524,288; 0.29.0
takes rp["original_max_position_embeddings"] x factor = 262,144 x 2 = 524,288.
Rotary cos/sin cache on every GPU, vLLM 0.34.0: get_rope's yarn branch with an mrope_section
(rotary_embedding/__init__.py:243-270) builds MRotaryEmbedding(max_position =
original_max_position_embeddings 262,144, positions_factor = qwen3_vl.py mrope_positions_factor
= 1 without video pruning), cache_max_position_num = 262,144 x 1 (mrope.py:350), whose
YaRN cache has arange(262,144 x 2.0) = 524,288 rows (yarn_scaling_rope.py:78-79) x 128 x 2 B =
134,217,728 B; without the block the default mrope cache has 262,144 x 1 rows x 128 x 2 B =
67,108,864 B: 67,108,864 B more.
On 8 H100s (TP 8): KV per token per GPU = 64 layers x 2 (K, V) x 8 / 8 heads x 128 x 2 B =
32,768 B; a 524,288-token request holds 524,288 / 64 = 8,192 blocks of vLLM 0.34.0's 64.
"""

import json
import shlex

import pytest

from cli.inputs import load_model
from planner.catalog import catalog_entry
from planner.model.config.overrides import with_hf_overrides
from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from planner.serving.hf_overrides import hf_overrides_errors
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import vllm_rules
from tests.cli.conftest import plan_json, rope_cache_bytes
from tests.cli.conftest import run_main as _run

VL = ("--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu", "h100", "--gpus", "8")
YARN = {"rope_type": "yarn", "factor": 2.0, "original_max_position_embeddings": 262144}
NESTED = json.dumps({"text_config": {"rope_scaling": YARN, "max_position_embeddings": 524288}})
BLOCK_ONLY = json.dumps({"text_config": {"rope_scaling": YARN}})
PARAMETERS = json.dumps({"text_config": {"rope_parameters": YARN,
                                         "max_position_embeddings": 524288}})
ROPE_BYTES, ROPE_BYTES_PLAIN = 524_288 * 128 * 2, 262_144 * 128 * 2


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network


def test_without_the_override_524288_is_refused(capsys) -> None:
    plan = plan_json(capsys, *VL, "--max-model-len", "524288")
    assert not plan["fits"]
    assert "derived max_model_len (max_position_embeddings=262144" in plan["errors"][0]
    assert rope_cache_bytes(plan) == ROPE_BYTES_PLAIN == 67_108_864


def test_the_nested_override_plans_524288_and_launches(capsys) -> None:
    plan = plan_json(capsys, *VL, "--hf-overrides", NESTED, "--max-model-len", "524288")
    assert plan["fits"] and plan["max_model_len"] == 524_288, plan["errors"]
    assert rope_cache_bytes(plan) == ROPE_BYTES == 134_217_728
    assert plan["block_size"] == 64
    assert plan["num_gpu_blocks"] == plan["kv_cache_bytes_per_gpu"] // (64 * 32_768)
    assert plan["max_concurrency"] == pytest.approx(plan["num_gpu_blocks"] / 8_192)
    words = shlex.split(plan["vllm_command"])
    assert json.loads(words[words.index("--hf-overrides") + 1]) == json.loads(NESTED)
    assert command_problems(plan["vllm_command"], vllm_cli("0.34.0")) == []
    assert any("set in text_config" in w for w in plan["warnings"])
    assert not any("rope_theta" in w for w in plan["warnings"])  # the merge keeps the config's


def test_the_rope_cache_alone_moves_at_one_length(capsys) -> None:
    """At 262,144 tokens both plans share every term but the rotary cache."""
    plain = plan_json(capsys, *VL, "--max-model-len", "262144")
    over = plan_json(capsys, *VL, "--max-model-len", "262144", "--hf-overrides", NESTED)
    assert rope_cache_bytes(over) - rope_cache_bytes(plain) == 67_108_864
    assert plain["kv_cache_bytes_per_gpu"] - over["kv_cache_bytes_per_gpu"] == 67_108_864


@pytest.mark.parametrize(("version", "fits"), [("0.34.0", False), ("0.29.0", True)])
def test_the_block_alone_lengthens_only_before_vllm_030(capsys, version, fits) -> None:
    plan = plan_json(capsys, *VL, "--hf-overrides", BLOCK_ONLY, "--max-model-len", "524288",
                 "--vllm-version", version)
    assert plan["fits"] is fits
    if not fits:
        assert "derived max_model_len (max_position_embeddings=262144" in plan["errors"][0]
        assert any("to --hf-overrides (in text_config)" in w for w in plan["warnings"])


@pytest.mark.parametrize(("override", "version", "words"), [
    # config.update sets text_config to the object: get_hf_text_config's assertion
    (NESTED, "0.11.0", "AssertionError: vLLM 0.11.0 sets --hf-overrides' text_config"),
    # 0.11.x reads rope_scaling only
    (PARAMETERS, "0.11.2", "text_config.rope_parameters is set beside it, never read"),
])
def test_releases_that_do_not_apply_it_refuse(capsys, override, version, words) -> None:
    plan = plan_json(capsys, *VL, "--hf-overrides", override, "--max-model-len", "524288",
                 "--vllm-version", version)
    assert not plan["fits"] and words in plan["errors"][0]


@pytest.mark.parametrize(("override", "version"), [
    (PARAMETERS, "0.19.0"), (NESTED, "0.11.2"), (PARAMETERS, "0.19.1"), (NESTED, "0.25.0"),
    # transformers 4: Qwen3-VL-32B's text_config has a rope_scaling of its own, which
    # patch_rope_parameters makes rope_parameters (transformers_utils/config.py, 0.12.0 and
    # 0.19.0 wheels: `config.rope_parameters = rope_scaling`, the same dict), so the merge
    # into rope_scaling is the merge into what vLLM reads: yarn, 262,144 x 2.0 = 524,288
    (NESTED, "0.12.0"), (NESTED, "0.19.0")])
def test_the_spelling_each_release_reads_plans(capsys, override, version) -> None:
    plan = plan_json(capsys, *VL, "--hf-overrides", override, "--max-model-len", "524288",
                 "--vllm-version", version)
    assert plan["fits"] and plan["max_model_len"] == 524_288, plan["errors"]
    # the yarn block reaches the rotary cache: MRotaryEmbedding's cache_max_position_num =
    # max_position x 4 (rotary_embedding/mrope.py, 0.9.1-0.31.0 wheels; get_rope's yarn
    # max_position the original 262,144), x factor 2.0 rows: 262,144 x 4 x 2 x 128 x 2 B
    # (without it, 262,144 x 4 rows: half)
    assert rope_cache_bytes(plan) == 4 * ROPE_BYTES == 536_870_912


@pytest.mark.parametrize(("model", "version"), [("Qwen/Qwen3.5-27B", "0.19.0")])
def test_transformers_4_ignores_rope_scaling_without_the_configs_own(capsys, model, version
                                                                     ) -> None:
    """Qwen3.5-27B's text_config has only rope_parameters (planner/catalog_data): under
    transformers 4 (vLLM 0.12.0-0.19.0) the loaded text config's rope_scaling is None (vLLM's
    own Qwen3_5TextConfig, 0.17.0 wheel, takes no rope_scaling), so patch_rope_parameters
    (transformers_utils/config.py, 0.12.0 wheel) builds rope_parameters = {"rope_type":
    "default", "rope_theta": ...} apart, and _update_nested (config/model.py) sets
    text_config.rope_scaling to the block beside it: never read. rope_parameters reaches."""
    refused = plan_json(capsys, "--model", model, "--gpu", "h100", "--gpus", "8",
                        "--hf-overrides", NESTED, "--vllm-version", version)
    assert not refused["fits"]
    assert "and this one has none: it is set beside them, never read" in refused["errors"][0]
    planned = plan_json(capsys, "--model", model, "--gpu", "h100", "--gpus", "8",
                        "--hf-overrides", PARAMETERS, "--vllm-version", version)
    assert not any("--hf-overrides" in e for e in planned["errors"])


def test_own_rope_scaling_is_read_before_the_override() -> None:
    """spec.own_rope_scaling is config.json's: Qwen3.5-27B's text_config has no rope_scaling
    (rope_parameters only), and stays so read under an override that sets one there;
    Qwen3-VL-30B-A3B's has the Hub's M-RoPE block (planner/catalog_data, cited)."""
    assert load_model("Qwen/Qwen3-VL-32B-Instruct")[1].own_rope_scaling
    assert load_model("Qwen/Qwen3-VL-30B-A3B-Instruct")[1].own_rope_scaling
    assert not load_model("Qwen/Qwen3.5-27B")[1].own_rope_scaling
    assert not load_model("Qwen/Qwen3.5-27B", hf_overrides=NESTED)[1].own_rope_scaling


def test_inspect_shows_the_derived_context(capsys) -> None:
    code, out, err = _run(capsys, "inspect", "Qwen/Qwen3-VL-32B-Instruct", "--hf-overrides",
                          NESTED, "--json")
    assert code == 0, err
    card = json.loads(out)
    assert card["derived_max_model_len"] == card["max_context_tokens"] == 524_288
    assert card["rope_scaling"] == "yarn x2"
    assert any(w.startswith("--hf-overrides ") for w in card["warnings"])
    code, out, err = _run(capsys, "inspect", "Qwen/Qwen3-VL-32B-Instruct", "--hf-overrides",
                          BLOCK_ONLY)
    assert code == 0 and "262,144 tokens (yarn x2: 524,288)" in out  # as vLLM 0.34.0 derives


@pytest.mark.parametrize(("command", "given", "words"), [
    (("plan", *VL), json.dumps({"rope_scaling": YARN}),
     "config.json has a text_config, and vLLM sets rope_scaling on the top-level config"),
    (("inspect", "Qwen/Qwen3-VL-32B-Instruct"), '{"max_position_embeddings": 524288}',
     "nest it, '{\"text_config\": {\"max_position_embeddings\": ...}}'"),
    (("plan", "--model", "Qwen/Qwen3-32B", "--gpu", "h100"),
     '{"text_config": {"max_position_embeddings": 8}}', "config.json has no text_config"),
    (("inspect", "Qwen/Qwen3-VL-32B-Instruct"), '{"text_config": {"rope_theta": 5}}',
     "key 'text_config.rope_theta' is not planned"),
    (("inspect", "Qwen/Qwen3-VL-32B-Instruct"), '{"text_config": []}',
     "text_config must be a JSON object"),
    (("plan", *VL), '{"text_config": {"max_position_embeddings": 8}, "rope_scaling": {}}',
     "give the keys either at the top level or under text_config"),
    (("inspect", "Qwen/Qwen3-VL-32B-Instruct"),
     '{"text_config": {"rope_scaling": {"type": "yarn", "factor": 2}}}',
     "gives \"type\" without \"rope_type\""),
    (("plan", *VL), json.dumps({"text_config": {"rope_scaling": {"rope_type": "yarn",
                                                                 "factor": 2.0}}}),
     "a yarn block needs original_max_position_embeddings here"),
    (("inspect", "google/gemma-3-27b-it"), json.dumps({"text_config": {"rope_scaling": YARN}}),
     "one block per layer type under transformers 5"),
    (("inspect", "Qwen/Qwen3-VL-32B-Instruct"), '{"text_config": {"max_position_embeddings": -1}}',
     "text_config.max_position_embeddings -1 is not a whole number"),
])
def test_bad_overrides_are_one_line_exit_2(capsys, command, given, words) -> None:
    try:  # argparse's refusal exits, a config's error returns
        code, out, err = _run(capsys, *command, "--hf-overrides", given)
    except SystemExit as exc:
        code, (out, err) = exc.code, capsys.readouterr()
    assert code == 2 and out == ""
    lines = [line for line in err.strip().splitlines() if ": note: " not in line]
    assert len(lines) == 1 and "--hf-overrides" in lines[0] and words in lines[0]


def test_the_merge_keeps_the_text_configs_block() -> None:
    """Qwen3.5's text_config gives rope_parameters (partial_rotary_factor 0.25, rope_theta
    10,000,000, mrope_section [11, 11, 10]): a nested rope_scaling is merged into it, as
    transformers 5's rope_scaling property returns that dict to _update_nested."""
    text = {"model_type": "qwen3_5_text", "max_position_embeddings": 262144,
            "rope_parameters": {"mrope_section": [11, 11, 10], "rope_type": "default",
                                "rope_theta": 10000000, "partial_rotary_factor": 0.25}}
    out = with_hf_overrides({"model_type": "qwen3_5", "text_config": text},
                            {"text_config": {"rope_scaling": YARN}})
    assert out["text_config"] == {
        "model_type": "qwen3_5_text", "max_position_embeddings": 262144,
        "rope_parameters": {"mrope_section": [11, 11, 10], "rope_type": "yarn",
                            "rope_theta": 10000000, "partial_rotary_factor": 0.25,
                            "factor": 2.0, "original_max_position_embeddings": 262144}}
    assert "rope_scaling" not in out["text_config"] and text["rope_parameters"]["rope_type"] \
        == "default"  # the config read is not changed


def test_a_flat_qwen2_vl_config_takes_it_at_the_top_level() -> None:
    """Qwen2VLConfig builds its text_config from a flat config.json's top-level keys
    (FLAT_TEXT_CONFIG_TYPES), which is where Headroom reads them."""
    flat = {"model_type": "qwen2_vl", "max_position_embeddings": 32768,
            "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]}}
    out = with_hf_overrides(flat, {"text_config": {"max_position_embeddings": 65536}})
    assert out == {**flat, "max_position_embeddings": 65536}
    with pytest.raises(ConfigError, match="has no text_config"):
        with_hf_overrides({**flat, "model_type": "qwen2"}, {"text_config": {"x": 1}})


@pytest.mark.parametrize(("version", "refused"), [("0.19.0", False), ("0.19.1", True)])
def test_top_level_keys_on_qwen2_vl_stop_reaching_under_transformers_5(version, refused
                                                                       ) -> None:
    """transformers 4.57.6's Qwen2VLConfig.__setattr__ forwards a top-level key to its
    text_config; 5.x's does not (TRANSFORMERS_5_ALLOWED_FROM 0.19.1 is planned under it)."""
    spec = load_model("Qwen/Qwen3-32B")[1].model_copy(update={"model_type": "qwen2_vl"})
    errors = hf_overrides_errors(spec, '{"max_position_embeddings": 65536}',
                                 vllm_rules(version).version, version)
    assert bool(errors) is refused
    assert not refused or "nest them, '{\"text_config\": {...}}'" in errors[0]


@pytest.mark.parametrize(("model", "given", "path"), [
    ("Qwen/Qwen3-VL-32B-Instruct", NESTED, "text_config.max_position_embeddings"),
    ("Qwen/Qwen3-8B", '{"max_position_embeddings": 65536}', "max_position_embeddings")])
def test_the_card_sources_the_overridden_length_to_the_flag(capsys, model, given, path
                                                            ) -> None:
    """inspect's 'max context' row named config.json as the source of the override's length
    (524,288 / 65,536, where config.json says 262,144 / 40,960)."""
    code, out, err = _run(capsys, "inspect", model, "--hf-overrides", given, "--json")
    assert code == 0, err
    row = next(f for f in json.loads(out)["fields"] if f["field"] == "max context")
    assert row["source"] == f"--hf-overrides: {path}"
    code, out, err = _run(capsys, "inspect", model, "--json")
    row = next(f for f in json.loads(out)["fields"] if f["field"] == "max context")
    assert row["source"] == f"config.json: {path}"


def test_a_length_alone_is_not_called_a_merged_rope_block(capsys) -> None:
    code, out, err = _run(capsys, "inspect", "Qwen/Qwen3-VL-32B-Instruct", "--hf-overrides",
                          '{"text_config": {"max_position_embeddings": 524288}}', "--json")
    note = next(w for w in json.loads(out)["warnings"] if w.startswith("--hf-overrides "))
    assert "set in text_config, as vLLM" in note and "rope block" not in note


@pytest.mark.parametrize(("command", "given", "line"), [
    # Qwen3-VL-32B's text_config spells its block rope_scaling ({"mrope_interleaved": true,
    # "mrope_section": [24, 20, 20], "rope_type": "default"}); the user's rope_parameters is
    # merged into it (overrides._merged_text), so the parsed config holds
    # text_config.rope_scaling.factor = -2, yet the user wrote text_config.rope_parameters
    (("plan", *VL), {"text_config": {"rope_parameters": {**YARN, "factor": -2}}},
     "--hf-overrides {\"text_config\": {\"rope_parameters\": {\"rope_type\": \"yarn\", \"fa...: "
     "text_config.rope_parameters.factor must be a positive number."),
    # no factor given: the merged block as a whole lacks it (the config's own has none either)
    (("plan", *VL), {"text_config": {"rope_parameters": {
        "rope_type": "yarn", "original_max_position_embeddings": 262144}}},
     "--hf-overrides {\"text_config\": {\"rope_parameters\": {\"rope_type\": \"yarn\", \"or...: "
     "text_config.rope_parameters (merged into config.json's text_config.rope_scaling) has "
     "rope_type 'yarn' but no factor: vLLM's get_rope reads rope_parameters[\"factor\"] for it "
     "(KeyError), as transformers' rope validation does (\"Missing required keys in "
     "`rope_parameters`\"); give the scaling factor."),
    # top level on Qwen3-32B (no text_config): the block replaces the config's, its own name
    (("plan", "--model", "Qwen/Qwen3-32B", "--gpu", "h100"),
     {"rope_parameters": {**YARN, "factor": -2}},
     "--hf-overrides {\"rope_parameters\": {\"rope_type\": \"yarn\", \"factor\": -2, \"orig...: "
     "rope_parameters.factor must be a positive number."),
])
def test_an_error_names_the_key_the_flag_gave(capsys, command, given, line) -> None:
    code, out, err = _run(capsys, *command, "--hf-overrides", json.dumps(given))
    assert code == 2 and out == ""
    assert err.strip() == f"python -m planner {command[0]}: error: {line}"
    assert "config.json" not in err.replace("config.json's text_config.rope_scaling", "")


def test_a_field_the_flag_did_not_give_stays_config_jsons() -> None:
    """A text config whose own rope_scaling (rope_type default: factor unread) carries factor -1,
    turned yarn by a rope_parameters override without a factor: the merged block's factor -1 is
    config.json's, and the error says so."""
    config = json.loads(json.dumps(catalog_entry("Qwen/Qwen3-VL-32B-Instruct").config))
    config["text_config"]["rope_scaling"]["factor"] = -1
    over = {"text_config": {"rope_parameters": {"rope_type": "yarn",
                                                "original_max_position_embeddings": 262144}}}
    with pytest.raises(ConfigError) as exc:
        parse_model_config(config, hf_overrides=over)
    assert str(exc.value) == ("config.json: text_config.rope_scaling.factor must be a positive "
                              "number")
