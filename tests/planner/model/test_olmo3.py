"""OLMo 3 (model_type "olmo3", Olmo3ForCausalLM) planned as vLLM builds it.

No verbatim Hugging Face OLMo-3 config.json is available offline, so the config is the one
transformers 5.24.0 writes for its class defaults, `Olmo3Config(architectures=
["Olmo3ForCausalLM"])` (models/olmo3/configuration_olmo3.py, "a Olmo3 7B style
configuration"), its architecture fields written out below; that class is the source. The
figures are worked by hand in the comments (the total also equals what transformers 5.24.0
builds for that config on the meta device, 6,888,624,128).
"""

import pytest

from planner.model.attention import FullAttentionKv, kv_bytes_per_token, model_kv_layers
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import EngineError

PATTERN = ["sliding_attention"] * 3 + ["full_attention"]
OLMO3 = {
    "architectures": ["Olmo3ForCausalLM"], "model_type": "olmo3", "torch_dtype": "bfloat16",
    "vocab_size": 50304, "hidden_size": 4096, "intermediate_size": 11008,
    "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
    "hidden_act": "silu", "max_position_embeddings": 2048, "tie_word_embeddings": False,
    "attention_bias": False, "rms_norm_eps": 1e-05, "sliding_window": 4096,
    # Olmo3Config.__post_init__: "sliding_attention" if (i + 1) % 4 != 0 else "full_attention"
    "layer_types": PATTERN * 8,
}  # fmt: skip
BARE = {"architectures": ["Olmo3ForCausalLM"], "model_type": "olmo3", "torch_dtype": "bfloat16"}
"""Every other field left out: read with the Olmo3Config class defaults above."""


def _kinds(spec) -> list[tuple[str, int | None]]:
    return [(layer.mixer.kind, layer.mixer.sliding_window) for layer in spec.layers]


# 24 sliding layers of window 4,096 and 8 full ones, three sliding then one full
WINDOWED = [("sliding", 4096)] * 3 + [("full", None)]


@pytest.mark.parametrize("config", [OLMO3, BARE, BARE | {"layer_types": None}],
                         ids=["written-out", "class-defaults", "null-layer-types"])
def test_olmo3_is_a_known_family_with_its_layers_and_count(config):
    spec = parse_model_config(config, name="x")
    assert not [w for w in spec.warnings if "not a known architecture" in w]
    assert spec.unmodelled == ()
    assert _kinds(spec) == WINDOWED * 8
    # head_dim 4,096 / 32 = 128. A layer: q, k, v, o 4 x 4,096 x 4,096 = 67,108,864; q_norm
    # over the whole q 4,096 + k_norm over 32 KV heads x 128 = 4,096 (olmo2.py Olmo2Attention,
    # which builds Olmo3ForCausalLM in 0.11.0-0.25.0): 67,117,056. MLP 3 x 4,096 x 11,008 =
    # 135,266,304 (no bias); post_attention / post_feedforward norms 2 x 4,096 = 8,192:
    # 202,391,552 x 32 = 6,476,529,664. Embeddings 50,304 x 4,096 = 206,045,184, an untied
    # lm_head the same (tie_word_embeddings False), final norm 4,096:
    # 6,476,529,664 + 2 x 206,045,184 + 4,096 = 6,888,624,128.
    # (Read as an unknown type it was 32 x 8,192 = 262,144 fewer: no q/k norms.)
    params = count_params(spec)
    assert params.layers[0].attention == 67_117_056
    assert params.total == 6_888_624_128


def test_olmo3_left_out_fields_are_the_class_defaults_and_say_so():
    spec = parse_model_config(BARE, name="x")
    assert ("layer_types missing: layers (i + 1) % 4 != 0 slide and every 4th is full "
            "attention, as transformers' and vLLM's Olmo3Config write it") in spec.assumptions
    assert ("sliding_window missing: assumed 4096 (transformers Olmo3Config class default for "
            "model_type 'olmo3')") in spec.assumptions
    assert spec.max_position_embeddings == 2048
    # a null window is no window (vLLM's per_layer_sliding_window None): all 32 page as full
    # attention, the 24 sliding ones noted
    null = parse_model_config(BARE | {"sliding_window": None}, name="x")
    assert {type(kv) for kv in model_kv_layers(null)} == {FullAttentionKv}
    assert any(a.startswith("24 layers are sliding-window layers but sliding_window is null")
               for a in null.assumptions)


def test_olmo3_kv_per_token_and_one_requests_blocks_under_the_hybrid_allocator():
    # layer_types left out: the pattern Olmo3Config derives (read as an unknown type, all 32
    # layers slid, Mistral's reading of a sliding_window)
    unlisted = {k: v for k, v in OLMO3.items() if k != "layer_types"}
    spec = parse_model_config(unlisted | {"max_position_embeddings": 65536}, name="x")
    # per token, every layer while its window fills: 32 x (K + V) x 32 KV heads x 128 x 2 B =
    # 524,288 B; at TP 2, 16 KV heads a rank: 262,144 B
    assert kv_bytes_per_token(spec, 2) == 524_288
    assert kv_bytes_per_token(spec, 2, tp=2) == 262_144
    # vLLM's hybrid allocator groups 8 layers a page (8 full, 24 sliding: no padding at
    # 1.0 / 1.25 / 1.5 x the 8), 1 full group + 3 sliding groups. One 8,192-token request on
    # an A100 (max_num_batched_tokens 2,048): 8,192 / 16 = 512 full blocks; a sliding group
    # cdiv(min(4,096 - 1 + 2,048, 8,192), 16) + 1 = 384 + 1 = 385 (SlidingWindowSpec.
    # max_memory_usage_bytes): 512 + 3 x 385 = 1,667 blocks. From 0.26.0 the window counts
    # max_in_flight_tokens, 2 x 2,048 on V1 at PP 1: cdiv(min(4,095 + 4,096, 8,192), 16) + 1
    # = 513, 512 + 3 x 513 = 2,051.
    a100 = preset_cluster("a100-80gb", 1)
    for version, per_request in (("0.11.0", 1667), ("0.17.1", 1667), ("0.26.0", 2051)):
        p = plan(PlanRequest(model=spec, cluster=a100, engine=EngineSettings(
            vllm_version=version, max_model_len=8192)))
        assert p.fits, version
        assert p.max_concurrency == pytest.approx(p.per_gpu[0].num_blocks / per_request,
                                                  rel=1e-12), version


def test_olmo3_is_refused_before_vllm_0_11_whose_registry_lacks_it():
    # Olmo3ForCausalLM enters vLLM's registry in 0.11.0 (models/registry.py: ("olmo2",
    # "Olmo2ForCausalLM")); 0.10.2 has no class for it and would try the Transformers backend
    spec = parse_model_config(OLMO3, name="x")
    with pytest.raises(EngineError, match="vLLM 0.10.2 has no model class for "
                                          "Olmo3ForCausalLM .*Transformers backend"):
        plan(PlanRequest(model=spec, cluster=preset_cluster("a100-80gb", 1),
                         engine=EngineSettings(vllm_version="0.10.2", max_model_len=2048)))


def _olmo3_plan(version: str, **config):
    spec = parse_model_config(OLMO3 | config, name="x")
    return plan(PlanRequest(model=spec, cluster=preset_cluster("a100-80gb", 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=2048)))


KEY_ERROR = ("KeyError: 'rope_theta' (vLLM {v} builds Olmo3ForCausalLM with olmo2.py, whose "
             "sliding-window layers read config.rope_parameters[\"rope_theta\"]; transformers "
             "5's Olmo3Config nests rope_parameters by layer type, sliding_attention / "
             "full_attention, with no rope_theta at the top). vLLM 0.26.0 on build it with "
             "olmo3.py, which reads the nested blocks.")


TYPE_ERROR = ("TypeError: unhashable type: 'dict' (vLLM {v} builds Olmo3ForCausalLM with "
              "olmo2.py, whose full-attention layers pass config.rope_parameters whole to "
              "get_rope, which hashes its items; transformers 5's Olmo3Config nests "
              "rope_parameters by layer type, sliding_attention / full_attention, blocks it "
              "holds even where config.json gives one flat block). vLLM 0.26.0 on build it with "
              "olmo3.py, which reads the nested blocks.")


def test_olmo3_stops_on_olmo2s_rope_theta_under_transformers_5_until_vllm_0_26():
    # olmo2.py (Olmo3ForCausalLM to 0.25.0) reads config.rope_parameters["rope_theta"] for a
    # sliding layer; transformers 5 (run by 0.19.1-0.23.x's images and a fresh install,
    # required from 0.24.0) nests OLMo 3's rope_parameters, so the published configs'
    # top-level rope_theta is not there (EuroEval PR #2052's trace)
    published = {"rope_theta": 500000.0}
    for version in ("0.24.0", "0.25.0"):
        p = _olmo3_plan(version, **published)
        assert not p.fits and p.errors == [KEY_ERROR.format(v=version)], version
        # transformers 5 is the only choice there: no transformers 4 clause
        assert "transformers<5" not in p.errors[0], version
    # 0.19.1-0.23.x allow transformers 4 or 5: planned under 5 (refused), the refusal saying
    # that with transformers<5 pinned (patch_rope_parameters writes a flat block) it starts
    for version in ("0.19.1", "0.23.0"):
        p = _olmo3_plan(version, **published)
        assert not p.fits and p.errors == [KEY_ERROR.format(v=version).replace(
            "reads the nested blocks.", f"reads the nested blocks (vLLM {version} runs "
            "transformers 5 in its image and a fresh pip install; with transformers<5 pinned "
            "it starts).")], version
    # transformers 4 only (0.19.0), vLLM's own flat Olmo3Config (0.11.0-0.18.x), olmo3.py
    # (0.26.0 on): no failure, no note
    for version in ("0.19.0", "0.18.0", "0.26.0"):
        p = _olmo3_plan(version, **published)
        assert p.fits and not [w for w in p.warnings if "rope_theta" in w], version
    # a full-attention layer hands rope_parameters whole to get_rope, which hashes its items:
    # transformers 5.24.0 nests blocks in it even for a flat config.json block (built:
    # {"rope_type", "rope_theta", "full_attention": {...}, "sliding_attention": {...}}), so no
    # windowed layer (sliding_window null: every layer full) stops at layer 0, and a flat block
    # holding rope_theta gets past the sliding layers 0-2 and stops at layer 3
    flat = {"rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}}
    for config in ({"sliding_window": None}, flat):
        p = _olmo3_plan("0.25.0", **config)
        assert not p.fits and p.errors == [TYPE_ERROR.format(v="0.25.0")], config
    # only every layer sliding on a flat block holding rope_theta starts
    assert _olmo3_plan("0.25.0", **flat, layer_types=["sliding_attention"] * 32).fits


def test_olmo3_attention_bias_is_counted_as_the_transformers_backend_builds_it():
    # modeling_olmo3.py q/k/v/o_proj bias=config.attention_bias (vLLM 0.29 on): 4,096 each of
    # q, k (32 KV heads x 128), v and o = 16,384 a layer x 32 = 524,288 more; vLLM's own
    # olmo2.py / olmo3.py (0.11.0-0.28.x) build none, which the assumption says
    spec = parse_model_config(OLMO3 | {"attention_bias": True}, name="x")
    assert count_params(spec).total == 6_888_624_128 + 524_288
    assert any(a.startswith("attention_bias true: q/k/v/o biases counted, as vLLM 0.29 on")
               for a in spec.assumptions)
