"""A rope object that mixes a flat block with per-layer-type blocks ({"rope_type": "default",
"rope_theta": 1e6, "full_attention": {...}}): refused where vLLM stops on it, read as vLLM
reads it elsewhere (startup.model_config.mixed_rope_errors, length.rope_mixed).

vLLM reads such an object as one flat block (it is not nested: is_rope_parameters_nested,
transformers_utils/config.py 0.17.0-0.34.0 wheels, needs every key a layer type) and the
model hands it whole to get_rope, which keys its cache on tuple(rope_parameters.items()) and
tests `if key in _ROPE_DICT`: the block under "full_attention" is a dict, so TypeError:
unhashable type: 'dict' as the model is built (rotary_embedding.py 0.9.1; rotary_embedding/
__init__.py 0.11.2, 0.12.0, 0.34.0 wheels). Before 0.12 a rope_parameters object is read by
neither transformers 4 nor vLLM. Gemma 3 / Gemma 4's classes pick the layer type's block
(gemma4.py 0.34.0: `if layer_type in config.rope_parameters`).
"""

import copy
import json
from pathlib import Path

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings, derived_max_model_len
from planner.serving.hardware import preset_cluster
from planner.serving.hf_overrides import rope_overridden
from planner.serving.plan import PlanRequest, plan
from tests.cli.conftest import run_main
from tests.planner.model.test_olmo3 import OLMO3

CONFIGS = Path(__file__).parents[2] / "fixtures" / "configs"
QWEN3_8B = json.loads((CONFIGS / "Qwen__Qwen3-8B.json").read_text())  # max_position 40,960
MIXED = {"rope_type": "linear", "factor": 2.0,
         "full_attention": {"rope_type": "yarn", "factor": 4.0,
                            "original_max_position_embeddings": 32768}}


def _refusal(key: str, whose: str = "config.json's {}") -> str:
    return (f"TypeError: unhashable type: 'dict' ({whose.format(key)} mixes a flat rope block "
            "with blocks per layer type (full_attention): vLLM {} reads it as one flat block "
            "and hands it whole to get_rope, whose cache key hashes each value, as it builds "
            "the rotary embedding). Give one flat block, or one block per layer type with "
            "nothing beside them.")


def _plan(config: dict, release: str):
    return plan(PlanRequest(model=parse_model_config(config),
                            cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=release, max_model_len=8192)))


def _unhashable(result) -> list[str]:
    return [e for e in result.errors if e.startswith("TypeError: unhashable")]


@pytest.mark.parametrize("release", ["0.9.1", "0.11.2", "0.12.0", "0.34.0"])
def test_a_mixed_rope_scaling_stops_vllm_in_every_release(release):
    # rope_scaling reaches get_rope in every release (config.rope_scaling before 0.12,
    # rope_parameters = rope_scaling after)
    result = _plan({**QWEN3_8B, "rope_scaling": MIXED}, release)
    assert not result.fits
    assert _unhashable(result) == [_refusal("rope_scaling").format(release)]


def test_a_mixed_rope_parameters_stops_vllm_from_0_12():
    config = {**QWEN3_8B, "rope_parameters": MIXED}
    # 0.11.2 reads no rope_parameters: the plan is the plain config's (Qwen3-8B's own
    # rope_theta, no scaling: 40,960), nothing refused
    before = _plan(config, "0.11.2")
    assert before.fits and _unhashable(before) == []
    assert before.max_context_tokens == 40_960
    assert _unhashable(_plan(config, "0.12.0")) == [_refusal("rope_parameters").format("0.12.0")]


def test_vllm_reads_the_flat_keys_for_the_window():
    # the flat block is linear x 2: 40,960 x 2 = 81,920 (the yarn x 4 under full_attention
    # would give 32,768 x 4 = 131,072 up to 0.29.0); what Headroom plans beside the refusal
    spec = parse_model_config({**QWEN3_8B, "rope_scaling": MIXED})
    assert spec.window.ropes_mixed == ("full_attention",)
    assert derived_max_model_len(spec, (0, 34, 0)) == 81_920
    assert derived_max_model_len(spec, (0, 11, 2)) == 81_920


def test_a_flat_or_nested_object_is_not_mixed():
    assert parse_model_config({**QWEN3_8B, "rope_scaling": {
        "rope_type": "linear", "factor": 2.0}}).window.ropes_mixed == ()
    gemma4 = catalog_entry("google/gemma-4-26B-A4B").config  # full / sliding blocks only
    assert parse_model_config(gemma4).window.ropes_mixed == ()


def test_gemma_4_reads_its_layer_types_blocks_beside_flat_keys():
    # gemma4.py (0.34.0) gives each layer config.rope_parameters[layer_type]: a flat
    # rope_type / rope_theta beside the two blocks changes nothing it builds. Gemma 4 26B's
    # sliding layers: rope_theta 10,000, rotary over the whole head_dim 256; its full
    # layers: proportional, partial_rotary_factor 0.25 of global_head_dim 512 = 128
    config = copy.deepcopy(catalog_entry("google/gemma-4-26B-A4B").config)
    plain = parse_model_config(config)
    config["text_config"]["rope_parameters"].update(rope_type="default", rope_theta=1e6)
    mixed = parse_model_config(config)
    assert mixed.window.ropes_mixed == ("full_attention", "sliding_attention")
    rotary = [(layer.mixer.rotary_dim, layer.mixer.rope_padded) for layer in mixed.layers]
    assert rotary == [(layer.mixer.rotary_dim, layer.mixer.rope_padded)
                      for layer in plain.layers]
    assert rotary[0] == (256, False) and rotary[5] == (128, True)
    result = _plan(config, "0.34.0")
    assert _unhashable(result) == []
    assert result.per_gpu[0].weights_bytes == _plan(
        catalog_entry("google/gemma-4-26B-A4B").config, "0.34.0").per_gpu[0].weights_bytes


def test_hf_overrides_with_a_mixed_block_is_refused_in_the_plan(capsys):
    code, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                            "--max-model-len", "8192", "--hf-overrides",
                            json.dumps({"rope_scaling": MIXED}), "--json")
    planned = json.loads(out)
    assert not planned["fits"]
    # the object vLLM reads is config.json's with the flag applied (Qwen3-8B's config.json has
    # no rope block of its own): the refusal says so, not "config.json's rope_scaling"
    assert planned["verdict"] == "Does not fit: " + _refusal(
        "rope_scaling", "the {} with --hf-overrides applied").format("0.34.0")


@pytest.mark.parametrize(("overrides", "overridden"), [
    (None, False), ("", False),
    ('{"max_position_embeddings": 65536}', False),
    ('{"rope_scaling": {"rope_type": "linear", "factor": 2.0}}', True),
    ('{"rope_parameters": {"rope_type": "linear", "factor": 2.0}}', True),
    ('{"text_config": {"rope_scaling": {"rope_type": "linear", "factor": 2.0}}}', True),
    ('{"text_config": {"max_position_embeddings": 65536}}', False),
])
def test_rope_overridden_is_a_rope_block_the_flag_sets(overrides, overridden):
    assert rope_overridden(overrides) is overridden


def _layer_refusal(key: str, release: str, types: str, mixed: str, why: str) -> str:
    return (f"TypeError: unhashable type: 'dict' (config.json's {key} mixes a flat rope block "
            f"with blocks per layer type ({mixed}): vLLM {release} hands its {types} layers "
            f"a rope block holding blocks per layer type ({why}), and get_rope's cache key "
            "hashes each value, as it builds the rotary embedding). Give one flat block, or "
            "one block per layer type with nothing beside them.")


MERGED = ("transformers 5's config class merges a rope_scaling object into the full_attention "
          "block")
WHOLE = "the object has no block of their layer type, so the class hands them it whole"


def _gemma3(key: str, **blocks: dict) -> dict:
    """Gemma-3-12B (text_config rope_scaling: linear x 8, flat) with `blocks` beside the flat
    keys, under `key`."""
    base = copy.deepcopy(catalog_entry("google/gemma-3-12b-it").config)
    flat = base["text_config"].pop("rope_scaling")
    base["text_config"][key] = {**flat, **blocks}
    return base


DEFAULT = {"rope_type": "default"}


@pytest.mark.parametrize(("config", "release", "refusal"), [
    # Gemma 3 reads its layer type's block from the 0.12.0 wheel (gemma3.py `if layer_type in
    # config.rope_parameters`, else the object whole on a global layer, a default block with
    # rope_local_base_freq on a sliding one); the 0.11.2 wheel gives a global layer
    # config.rope_scaling whole (`self.rope_scaling = config.rope_scaling`): stopped.
    # Under transformers 4 (0.12.0-0.19.0) patch_rope_parameters makes rope_parameters the
    # rope_scaling object as written: the global layers take its full_attention block.
    (_gemma3("rope_scaling", full_attention=DEFAULT), "0.11.2", "flat"),
    (_gemma3("rope_scaling", full_attention=DEFAULT), "0.12.0", None),
    (_gemma3("rope_scaling", full_attention=DEFAULT), "0.19.0", None),
    # no full_attention block: the global layers get the object whole under transformers 4
    (_gemma3("rope_scaling", sliding_attention=DEFAULT), "0.12.0",
     ("full_attention", "sliding_attention", WHOLE)),
    # transformers 5 (planned from 0.19.1): Gemma3TextConfig.convert_rope_params_to_dict
    # `self.rope_parameters["full_attention"].update(rope_scaling)` (5.5.3 and 5.25.0), so the
    # global layers' block holds the object's own full_attention dict: stopped
    (_gemma3("rope_scaling", full_attention=DEFAULT), "0.19.1",
     ("full_attention", "full_attention", MERGED)),
    (_gemma3("rope_scaling", full_attention=DEFAULT), "0.34.0",
     ("full_attention", "full_attention", MERGED)),
    # a rope_parameters object is kept as given, a missing layer type's block filled with the
    # default (`if self.rope_parameters.get("sliding_attention") is None`): each layer gets a
    # block of plain values
    (_gemma3("rope_parameters", full_attention=DEFAULT), "0.34.0", None),
    # OLMo 3 on olmo2.py (registry, 0.11.0-0.25.0): its full-attention layers get
    # config.rope_scaling whole (0.11.2 wheel): stopped. olmo3.py's own class (0.26.0-0.28.0)
    # takes rope_parameters.get(attn_type, rope_parameters) under transformers 5 only, whose
    # Olmo3Config (5.25.0) merges a rope_scaling object into the full_attention block as
    # Gemma 3's does: stopped; a rope_parameters one keeps its blocks and gets the missing
    # sliding one. From 0.29.0 the Transformers backend builds it (HF's rotary, no get_rope)
    ({**OLMO3, "rope_scaling": MIXED}, "0.11.2", "flat"),
    ({**OLMO3, "rope_scaling": MIXED}, "0.26.0", ("full_attention", "full_attention", MERGED)),
    ({**OLMO3, "rope_parameters": MIXED}, "0.26.0", None),
    ({**OLMO3, "rope_scaling": MIXED}, "0.29.0", None),
])
def test_a_per_layer_class_reads_a_mixed_block_per_release(config, release, refusal):
    spec = parse_model_config(config)
    assert spec.window.ropes_mixed
    key = "rope_parameters" if config.get("text_config", config).get("rope_parameters") \
        else "rope_scaling"
    mixed = ", ".join(spec.window.ropes_mixed)
    expected = ([] if refusal is None else [_refusal(key).format(release)] if refusal == "flat"
                else [_layer_refusal(key, release, refusal[0], mixed, refusal[2])])
    assert _unhashable(_plan(config, release)) == expected


def test_gemma_4_without_a_block_for_a_layer_type_is_refused():
    # gemma4.py (0.34.0): a layer type absent from the object gets `dict(config.rope_parameters
    # .copy())`, the object whole, holding the other type's block: gemma-4-26B-A4B with its
    # sliding_attention block taken out and flat keys beside its full_attention one stops on
    # its 25 sliding layers; transformers 5.25.0's Gemma4TextConfig converts nothing
    # (convert_rope_params_to_dict returns the kwargs), so no default block is filled in
    config = copy.deepcopy(catalog_entry("google/gemma-4-26B-A4B").config)
    rope = config["text_config"]["rope_parameters"]
    del rope["sliding_attention"]
    rope.update(rope_type="default", rope_theta=10000.0)
    assert parse_model_config(config).window.ropes_mixed == ("full_attention",)
    assert _unhashable(_plan(config, "0.34.0")) == [_layer_refusal(
        "rope_parameters", "0.34.0", "sliding_attention", "full_attention", WHOLE)]


@pytest.mark.parametrize(("repo", "release", "refused"), [
    # mixtral.py / gemma2.py of the 0.9.1-0.11.2 wheels build their rotary embedding with
    # get_rope(head_size, rotary_dim, max_position, base=rope_theta, is_neox_style): no
    # rope_scaling reaches get_rope's cache key, so nothing is hashed and vLLM starts (the
    # flat keys still scale the derived length); from 0.12.0 both pass
    # rope_parameters=config.rope_parameters (the object whole): stopped
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "0.9.1", False),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "0.11.2", False),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "0.12.0", True),
    ("google/gemma-2-9b-it", "0.11.2", False),
    ("google/gemma-2-9b-it", "0.12.0", True),
])
def test_a_class_passing_no_rope_block_before_0_12_is_not_stopped(repo, release, refused):
    config = {**catalog_entry(repo).config, "rope_scaling": MIXED}
    expected = [_refusal("rope_scaling").format(release)] if refused else []
    assert _unhashable(_plan(config, release)) == expected
