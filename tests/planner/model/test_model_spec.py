"""parse_model_config on the reference configs, on malformed input and on arbitrary JSON.

Expected figures are read by hand off the configs in tests/fixtures/configs (copies of
/work/shared/model-configs) and written here, never taken from the parser's output.
"""

import contextlib
import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.model.config.parser import parse_model_config
from planner.model.spec import (
    AttentionMixer,
    ConfigError,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    MoeMlp,
)
from tests.conftest import CONFIG_DIR, load_ref_config

E2B_CONFIG = CONFIG_DIR.parent / "gemma4" / "google__gemma-4-E2B-it.json"


def e2b():
    """google/gemma-4-E2B-it, parsed from its verbatim config.json."""
    return parse_model_config(json.loads(E2B_CONFIG.read_text(encoding="utf-8")),
                              name="google/gemma-4-E2B-it")

NAMES = sorted(
    p.stem for p in CONFIG_DIR.glob("*.json") if not p.name.endswith(".hf_quant_config.json")
)
# The only warnings allowed on the reference configs, each explained.
EXPECTED_WARNINGS = {
    # DeepSeek-V4: all modelled but its CUDA graphs; one log 3.9 GiB under (compressed.py).
    "deepseek-ai__DeepSeek-V4-Flash": ("CUDA graph memory is not",),
    # The repo id says FP8 but config.json has no quantization_config (hf_quant_config.json).
    "nvidia__NVIDIA-Nemotron-3-Super-120B-A12B-FP8": ("looks quantized (fp8)",),
}


def spec_of(name: str):
    config, quant = load_ref_config(name)
    return parse_model_config(config, quant, name=name)


def kinds(spec) -> Counter:
    """Count of (mixer kind, mlp kind) over the layers."""
    return Counter(
        (layer.mixer.kind if layer.mixer else None, layer.mlp.kind if layer.mlp else None)
        for layer in spec.layers
    )


@pytest.mark.parametrize("name", NAMES)
def test_every_reference_config_parses_without_unexplained_warnings(name):
    spec = spec_of(name)
    expected = EXPECTED_WARNINGS.get(name, ())
    assert len(spec.warnings) == len(expected), spec.warnings
    for text, warning in zip(expected, spec.warnings, strict=True):
        assert text in warning


def test_qwen3_235b_a22b():
    # config.json: num_hidden_layers 94, num_key_value_heads 4, head_dim 128 (explicit, not
    # 4096 / 64 = 64), num_experts 128, num_experts_per_tok 8, moe_intermediate_size 1536.
    spec = spec_of("Qwen__Qwen3-235B-A22B")
    assert spec.num_layers == 94
    attn = spec.layers[0].mixer
    assert (attn.num_heads, attn.num_kv_heads, attn.head_dim) == (64, 4, 128)
    assert attn.qk_norm
    mlp = spec.layers[93].mlp
    assert (mlp.num_experts, mlp.experts_per_token, mlp.expert_intermediate_size) == (128, 8, 1536)
    assert spec.torch_dtype == "bfloat16" and not spec.tie_word_embeddings
    sources = {f.field: f.source for f in spec.fields}
    assert sources["head dim"] == "config.json: head_dim"
    assert sources["experts"] == "config.json: num_experts"


def test_head_dim_derived_when_absent():
    # Llama-3.1-8B has no head_dim: 4096 / 32 = 128, recorded as derived.
    spec = spec_of("meta-llama__Meta-Llama-3.1-8B")
    assert spec.layers[0].mixer.head_dim == 128
    head = next(f for f in spec.fields if f.field == "head dim")
    assert head.source == "derived: hidden_size / num_attention_heads"


def test_gpt_oss_20b_alternates_sliding_128_and_full():
    spec = spec_of("openai__gpt-oss-20b")
    assert kinds(spec) == {("sliding", "moe"): 12, ("full", "moe"): 12}
    assert spec.layers[0].mixer.sliding_window == 128 and spec.layers[1].mixer.kind == "full"
    assert spec.layers[0].mixer.sinks
    # rope_scaling yarn: factor 32 x original 4096 = 131,072.
    assert spec.extended_context_tokens == 131_072
    assert spec.quant.scheme == "mxfp4"
    # modules_to_not_convert names lm_head, attention, routers, embeddings: vLLM's
    # Mxfp4Config.from_config reads no list (`return cls()`), and the scheme keeps them 16-bit
    assert spec.quant.excluded_modules == () and spec.quant.excluded_key is None
    assert spec.warnings == ()


def test_qwen3_next_12_full_36_linear():
    # full_attention_interval 4 over 48 layers: layers 3, 7, ..., 47 are full.
    spec = spec_of("Qwen__Qwen3-Next-80B-A3B-Instruct")
    assert kinds(spec) == {("full", "moe"): 12, ("linear", "moe"): 36}
    assert spec.layers[3].mixer.kind == "full" and spec.layers[3].mixer.output_gate
    gdn = spec.layers[0].mixer
    assert isinstance(gdn, LinearAttentionMixer)
    assert (gdn.num_key_heads, gdn.num_value_heads, gdn.key_head_dim) == (16, 32, 128)
    mlp = spec.layers[0].mlp
    assert mlp.shared_intermediate_size == 512 and mlp.shared_expert_gate
    assert spec.mtp_layers == 1  # mtp.* ships in the checkpoint (SOURCES.md shard scan)


def test_qwen35_27b_16_full_48_linear_and_vision():
    spec = spec_of("Qwen__Qwen3.5-27B")
    assert kinds(spec) == {("full", "dense"): 16, ("linear", "dense"): 48}
    assert spec.layers[3].mixer.head_dim == 256  # text_config.head_dim
    assert spec.vision is not None and spec.vision.params > 0
    assert spec.mtp_layers == 1  # text_config.mtp_num_hidden_layers
    src = next(f for f in spec.fields if f.field == "head dim").source
    assert src == "config.json: text_config.head_dim"


def test_nemotron_h_56b_pattern():
    # hybrid_override_pattern: 118 chars; 'M' x54, '-' x54, '*' x10 (counted by hand:
    # 10 '*', and the 108 others alternate M and -).
    spec = spec_of("nvidia__Nemotron-H-56B-Base-8K")
    assert kinds(spec) == {("mamba", None): 54, (None, "dense"): 54, ("full", None): 10}
    mamba = spec.layers[0].mixer
    assert isinstance(mamba, MambaMixer)
    assert (mamba.num_heads, mamba.head_dim, mamba.state_size, mamba.n_groups) == (256, 64, 256, 8)
    assert not spec.layers[1].mlp.gated  # relu2: up + down only
    assert spec.layers[7].mixer.head_dim == 128  # "M-M-M-M*": layer 7; attention_head_dim
    # no layer reads another's KV: Mamba, MLP-only (no mixer) and attention layers alike
    assert {layer.kv_source for layer in spec.layers[:8]} == {None}


def test_gemma4_31b_sliding_vs_global_layers():
    spec = spec_of("nvidia__Gemma-4-31B-IT-NVFP4")
    assert kinds(spec) == {("sliding", "dense"): 50, ("full", "dense"): 10}
    sliding, full = spec.layers[0].mixer, spec.layers[5].mixer
    assert (sliding.head_dim, sliding.num_kv_heads, sliding.sliding_window) == (256, 16, 1024)
    assert (full.head_dim, full.num_kv_heads, full.kv_shared) == (512, 4, True)
    assert spec.tie_word_embeddings
    assert spec.quant.scheme == "nvfp4" and spec.quant.kv_cache_dtype == "fp8"


def test_gemma4_e2b_kv_shared_layers_and_per_layer_embeddings():
    # tests/fixtures/gemma4/google__gemma-4-E2B-it.json (SOURCES.md there): 35 layers,
    # layer_types sliding x 4 + full, num_kv_shared_layers 20, use_double_wide_mlp true,
    # hidden_size_per_layer_input 256, vocab_size_per_layer_input 262144.
    spec = e2b()
    assert (spec.per_layer_input_size, spec.per_layer_input_vocab) == (256, 262_144)
    # layers 15-34 read the last earlier layer of their kind (vLLM gemma4.py
    # Gemma4Attention): sliding -> 13 (14 is full), full -> 14; none before 15 reads another
    assert all(layer.mixer.kv_source is None for layer in spec.layers[:15])
    assert {(layer.mixer.kind, layer.mixer.kv_source) for layer in spec.layers[15:]} == {
        ("sliding", 13), ("full", 14)}
    # the layer's own view (LayerSpec.kv_source), in order: four sliding then one full
    assert [layer.kv_source for layer in spec.layers] == [None] * 15 + [13, 13, 13, 13, 14] * 4
    # double-wide MLP on the shared layers only: 6,144 -> 12,288
    assert {layer.mlp.intermediate_size for layer in spec.layers[:15]} == {6_144}
    assert {layer.mlp.intermediate_size for layer in spec.layers[15:]} == {12_288}
    sources = {f.field: f.value for f in spec.fields}
    assert sources["KV-shared layers"] == "15-34 (read layers 13, 14)"
    # still not modelled: the audio tower
    assert spec.unmodelled == ("audio tower (audio_config)",)


def test_gemma4_zero_per_layer_fields_change_nothing_and_bad_sharing_is_refused():
    # google/gemma-4-26B-A4B ships hidden_size_per_layer_input 0, num_kv_shared_layers 0,
    # vocab_size_per_layer_input 262144 and use_double_wide_mlp false: no PLE, no sharing
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    base = parse_model_config(config)
    assert base.unmodelled == ()
    assert (base.per_layer_input_size, base.per_layer_input_vocab) == (0, 0)
    assert all(layer.mixer.kv_source is None for layer in base.layers)
    # a key left out takes transformers' Gemma4TextConfig default (PLE width 256)
    text = {k: v for k, v in config["text_config"].items()
            if k != "hidden_size_per_layer_input"}
    assert parse_model_config({**config, "text_config": text}).per_layer_input_size == 256
    # every layer shared: none left to hold the KV (vLLM raises; transformers refuses too)
    text = {**config["text_config"], "num_kv_shared_layers": 30}
    with pytest.raises(ConfigError, match="layer 0 has no earlier sliding attention layer"):
        parse_model_config({**config, "text_config": text})
    with pytest.raises(ConfigError, match="num_kv_shared_layers = -1 is out of range"):
        parse_model_config({**config, "text_config": {**text, "num_kv_shared_layers": -1}})
    # another model type with these keys (Gemma-3n's) is flagged, not modelled
    other = parse_model_config({"model_type": "gemma3n_text", "hidden_size": 512,
                                "num_hidden_layers": 4, "vocab_size": 1000,
                                "intermediate_size": 1024, "num_attention_heads": 4,
                                "hidden_size_per_layer_input": 64,
                                "num_kv_shared_layers": 2})  # fmt: skip
    assert "per-layer embeddings (hidden_size_per_layer_input)" in other.unmodelled
    assert "KV sharing (num_kv_shared_layers)" in other.unmodelled


def test_deepseek_v3_mla_dense_first_three_and_yarn():
    spec = spec_of("deepseek-ai__DeepSeek-V3")
    assert kinds(spec) == {("mla", "dense"): 3, ("mla", "moe"): 58}
    mla = spec.layers[0].mixer
    assert isinstance(mla, MlaMixer)
    assert (mla.kv_lora_rank, mla.qk_rope_head_dim, mla.q_lora_rank) == (512, 64, 1536)
    moe = spec.layers[3].mlp
    assert (moe.num_experts, moe.experts_per_token, moe.shared_intermediate_size) == (256, 8, 2048)
    assert spec.mtp_layers == 1
    assert spec.extended_context_tokens == 40 * 4096 == 163_840
    assert spec.quant.scheme == "fp8-block128" and spec.quant.block_size == (128, 128)


def test_sparse_attention_indexer():
    spec = spec_of("deepseek-ai__DeepSeek-V3.2")
    assert (spec.layers[0].mixer.index_n_heads, spec.layers[0].mixer.index_head_dim) == (64, 128)
    glm = spec_of("zai-org__GLM-5")
    assert (glm.layers[0].mixer.index_n_heads, glm.layers[0].mixer.qk_nope_head_dim) == (32, 192)


def test_llama4_maverick_interleaved_moe():
    # interleave_moe_layer_step 2: odd layers MoE; dense layers use intermediate_size_mlp.
    spec = spec_of("meta-llama__Llama-4-Maverick-17B-128E-Instruct")
    assert spec.layers[0].mlp.kind == "dense" and spec.layers[0].mlp.intermediate_size == 16384
    assert spec.layers[1].mlp.kind == "moe" and spec.layers[1].mlp.num_shared_experts == 1
    # chunked attention (8192) on three layers of four, global every 4th
    assert spec.layers[3].mixer.kind == "full" and spec.layers[0].mixer.sliding_window == 8192


def test_nemotron_nas_block_configs():
    spec = spec_of("nvidia__Llama-3_3-Nemotron-Super-49B-v1")
    first = spec.layers[0]
    # block 0: n_heads_in_group 8 -> 64 / 8 = 8 KV heads; ffn_mult 2.625 -> 14336
    assert first.mixer.num_kv_heads == 8 and first.mlp.intermediate_size == 14336
    assert sum(layer.mixer is None for layer in spec.layers) > 0  # no-op attention blocks


def test_vl_models_plan_the_text_model():
    spec = spec_of("Qwen__Qwen3-VL-30B-A3B-Instruct")
    assert spec.hidden_size == 2048 and spec.num_layers == 48
    assert spec.vision.model_type == "qwen3_vl_moe"
    assert any("estimate" in a for a in spec.assumptions)


@pytest.mark.parametrize(
    ("name", "scheme", "kv"),
    [
        ("Qwen__Qwen3-235B-A22B-FP8", "fp8-block128", None),
        ("nvidia__Qwen3-235B-A22B-NVFP4", "nvfp4", "fp8"),
        ("nvidia__Llama-3.1-70B-Instruct-FP8", "fp8-tensor", "fp8"),
        # compressed-tensors int4 group 32, "symmetric": true -> no zero points ("ct")
        ("moonshotai__Kimi-K2.5", "w4a16-ct-g32", None),
        ("openai__gpt-oss-120b", "mxfp4", None),
        # fp8 128x128 blocks + top-level expert_dtype "fp4" for the routed experts
        ("deepseek-ai__DeepSeek-V4-Flash", "fp8-block128-fp4experts", None),
        ("Qwen__Qwen3-8B", None, None),
    ],
)
def test_quant_schemes(name, scheme, kv):
    spec = spec_of(name)
    assert (spec.quant.scheme if spec.quant else None) == scheme
    if spec.quant:
        assert spec.quant.kv_cache_dtype == kv


def test_fp8_modules_to_not_convert_kept():
    spec = spec_of("Qwen__Qwen3-235B-A22B-FP8")
    assert "lm_head" in spec.quant.excluded_modules
    assert "model.layers.0.mlp.gate" in spec.quant.excluded_modules


def test_gptq_group_size_scheme():
    config, _ = load_ref_config("Qwen__Qwen3-8B")
    config["quantization_config"] = {"quant_method": "gptq", "bits": 4, "group_size": 128,
                                     "sym": True, "desc_act": False}  # fmt: skip
    assert parse_model_config(config).quant.scheme == "w4a16-gptq-g128"
    config["quantization_config"] = {"quant_method": "awq", "bits": 4, "group_size": 64,
                                     "zero_point": True}  # fmt: skip
    assert parse_model_config(config).quant.scheme == "w4a16-awq-g64"


def test_act_order_is_read_for_the_marlin_moe_rule():
    # GPTQ desc_act (auto_gptq.py turns it off for group -1); compressed-tensors actorder
    # group/dynamic under the group strategy (compressed_tensors_moe.py is_actorder)
    config, _ = load_ref_config("Qwen__Qwen3-8B")
    gptq = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": True}
    assert parse_model_config({**config, "quantization_config": gptq}).quant.act_order
    channel = {**gptq, "group_size": -1}
    assert not parse_model_config({**config, "quantization_config": channel}).quant.act_order
    off = {**gptq, "desc_act": False}
    assert not parse_model_config({**config, "quantization_config": off}).quant.act_order
    # vLLM reads desc_act by Python truth (gptq_utils.py `if desc_act: raise` from 0.30.0):
    # "x" and 1 are act-order, refused there as true is; they were read as off and planned
    for truthy in ("x", 1):
        odd = {**gptq, "desc_act": truthy}
        assert parse_model_config({**config, "quantization_config": odd}).quant.act_order
    zero = {**gptq, "desc_act": 0}
    assert not parse_model_config({**config, "quantization_config": zero}).quant.act_order
    weights = {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 128,
               "actorder": "group"}
    ct = {"quant_method": "compressed-tensors",
          "config_groups": {"group_0": {"weights": weights, "targets": ["Linear"]}}}
    assert parse_model_config({**config, "quantization_config": ct}).quant.act_order
    weights["actorder"] = None
    assert not parse_model_config({**config, "quantization_config": ct}).quant.act_order


@pytest.mark.parametrize(
    ("quantization_config", "expert_dtype", "scheme", "warns"),
    [
        ({"quant_method": "fp8", "activation_scheme": "dynamic", "weight_block_size": [128, 128]},
         "fp4", "fp8-block128-fp4experts", False),
        ({"quant_method": "fp8", "activation_scheme": "dynamic", "weight_block_size": [128, 128]},
         "fp8", "fp8-block128", False),
        # fp4 experts beside per-tensor fp8 or a 16-bit model: not a known mix, said so
        ({"quant_method": "fp8", "activation_scheme": "dynamic"}, "fp4", "fp8-tensor", True),
        (None, "fp4", None, True),
    ],
)
def test_expert_dtype(quantization_config, expert_dtype, scheme, warns):
    config, _ = load_ref_config("Qwen__Qwen3-30B-A3B")
    config["quantization_config"] = quantization_config
    config["expert_dtype"] = expert_dtype
    spec = parse_model_config(config)
    assert (spec.quant.scheme if spec.quant else None) == scheme
    assert any("expert_dtype" in w for w in spec.warnings) == warns
    assert not any("keys not understood" in w for w in spec.warnings)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8", "fp8"),
        ("RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16", "w4a16"),
        ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "gptq, int4"),
        ("someone/Llama-3-8B-AWQ", "awq"),
        ("nvidia/Qwen3-235B-A22B-NVFP4", "nvfp4"),
    ],
)
def test_quantized_name_without_quantization_config_warns(name, words):
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    spec = parse_model_config(config, name=name)
    assert spec.quant is None
    (warning,) = spec.warnings
    assert f"{name} looks quantized ({words})" in warning
    assert "no quantization_config" in warning and "16-bit" in warning
    assert "hf_quant_config.json" in warning and "what-if" in warning


@pytest.mark.parametrize(
    "name", ["meta-llama/Llama-4-Scout-17B-16E", "Qwen/Qwen3-8B", "google/gemma-3-4b-it", None]
)
def test_unquantized_names_do_not_warn(name):
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    assert parse_model_config(config, name=name).warnings == ()


def test_quantized_name_with_hf_quant_config_does_not_warn():
    config, quant = load_ref_config("nvidia__Llama-3.1-70B-Instruct-FP8")
    assert quant is not None and "quantization_config" not in config
    spec = parse_model_config(config, quant, name="nvidia/Llama-3.1-70B-Instruct-FP8")
    assert spec.quant.scheme == "fp8-tensor" and spec.warnings == ()


def _compressed_int(**weights) -> dict:
    """A compressed-tensors pack-quantized quantization_config with these weight args."""
    args = {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 128} | weights
    return {"quant_method": "compressed-tensors", "format": "pack-quantized",
            "config_groups": {"group_0": {"targets": ["Linear"], "weights": args}}}  # fmt: skip


@pytest.mark.parametrize(
    ("weights", "scheme"),
    [
        # symmetric: weight_packed + weight_scale only -> the zero-point-free "ct" key
        ({"symmetric": True}, "w4a16-ct-g128"),
        ({}, "w4a16-ct-g128"),  # compressed-tensors QuantizationArgs.symmetric defaults to true
        ({"symmetric": True, "group_size": 32}, "w4a16-ct-g32"),
        ({"symmetric": True, "num_bits": 8, "strategy": "channel", "group_size": None},
         "w8a16-ct-gchannel"),
        # asymmetric: a packed weight_zero_point per group, the same bytes as GPTQ's qzeros
        ({"symmetric": False}, "w4a16-gptq-g128"),
    ],
)
def test_compressed_tensors_int_schemes_follow_symmetric(weights, scheme):
    config, _ = load_ref_config("Qwen__Qwen3-8B")
    config["quantization_config"] = _compressed_int(**weights)
    spec = parse_model_config(config)
    assert spec.quant.scheme == scheme
    assert ("asymmetric" if weights.get("symmetric") is False else "symmetric") in (
        spec.quant.summary
    )


def test_missing_fields_use_defaults_and_say_so():
    spec = parse_model_config(
        {"model_type": "llama", "hidden_size": 1024, "num_hidden_layers": 2,
         "vocab_size": 1000, "intermediate_size": 4096, "num_attention_heads": 16}  # fmt: skip
    )
    assert spec.layers[0].mixer.num_kv_heads == 16  # MHA default
    assert spec.max_position_embeddings == 2048  # LlamaConfig default
    assert spec.torch_dtype == "bfloat16"
    text = " ".join(spec.assumptions)
    assert "num_key_value_heads" in text and "max_position_embeddings" in text
    assert "torch_dtype" in text and "tie_word_embeddings" in text
    sources = {f.field: f.source for f in spec.fields}
    assert sources["max context"] == ("default: 2048 (transformers LlamaConfig class default for "
                                      "model_type 'llama')")


def test_unknown_architecture_warns():
    spec = parse_model_config(
        {"model_type": "brand_new", "hidden_size": 512, "num_hidden_layers": 2, "vocab_size": 100,
         "intermediate_size": 1024, "num_attention_heads": 8, "num_widget_layers": 3}  # fmt: skip
    )
    assert "brand_new" in spec.warnings[0]
    assert "num_widget_layers" in spec.warnings[1]


def rotary(spec) -> set[tuple[str, int, bool, bool]]:
    """(kind, rotary_dim, rope_local, rope_padded) over the attention layers."""
    return {(m.kind, m.rotary_dim, m.rope_local, m.rope_padded)
            for layer in spec.layers if isinstance(m := layer.mixer, AttentionMixer)}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "expected", "source"),
    [
        # no partial_rotary_factor: the whole head_dim 128 (4096 / 32)
        ("meta-llama__Meta-Llama-3.1-8B", {("full", 128, False, False)},
         "derived: = head_dim (no partial_rotary_factor)"),
        # partial_rotary_factor 0.25 x head_dim 256 = 64 (full-attention layers only)
        ("Qwen__Qwen3-Next-80B-A3B-Instruct", {("full", 64, False, False)},
         "config.json: partial_rotary_factor (int(256 x 0.25))"),
        # text_config.rope_parameters.partial_rotary_factor 0.25 x head_dim 256
        ("Qwen__Qwen3.5-27B", {("full", 64, False, False)},
         "config.json: text_config.rope_parameters.partial_rotary_factor (int(256 x 0.25))"),
        # rotary_dim 64 of head_dim 128
        ("MiniMaxAI__MiniMax-M2.5", {("full", 64, False, False)}, "config.json: rotary_dim"),
        # int(192 x 0.334) = int(64.128) = 64; sliding layers rotate with swa_rope_theta
        ("XiaomiMiMo__MiMo-V2-Flash", {("full", 64, False, False), ("sliding", 64, True, False)},
         "config.json: partial_rotary_factor (int(192 x 0.334))"),
        # Gemma 4: rope_parameters.sliding_attention (default rope, full head_dim 256) and
        # rope_parameters.full_attention (proportional, 0.25 x global_head_dim 512 = 128)
        ("google__gemma-4-26B-A4B", {("sliding", 256, True, False), ("full", 128, False, True)},
         "derived: = head_dim (no partial_rotary_factor); config.json: text_config."
         "rope_parameters.full_attention.partial_rotary_factor (int(512 x 0.25))"),
        # Nemotron-H attention layers have no rope, whatever partial_rotary_factor says
        ("nvidia__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", {("full", 0, False, False)},
         "derived: nemotron_h attention has no rotary embedding"),
        # Llama 4: every 4th layer (3, 7, ...) is global NoPE attention; chunked layers rope
        ("meta-llama__Llama-4-Maverick-17B-128E-Instruct",
         {("sliding", 128, False, False), ("full", 0, False, False)},
         "derived: = head_dim (no partial_rotary_factor); derived: every 4th layer is NoPE"),
    ],
)
def test_rotary_dims(name, expected, source):
    spec = spec_of(name)
    assert rotary(spec) == expected
    assert next(f for f in spec.fields if f.field == "rotary dim").source == source


def test_mla_rotary_dim_is_the_rope_head_dim():
    # DeepSeek-V3 config.json: qk_rope_head_dim 64
    spec = spec_of("deepseek-ai__DeepSeek-V3")
    assert {f.field: f.value for f in spec.fields}["rotary dim"] == "64"


def test_gemma3_local_rope_from_rope_local_base_freq():
    config = {**BASE, "model_type": "gemma3_text", "head_dim": 64, "sliding_window": 512,
              "sliding_window_pattern": 2, "rope_local_base_freq": 10000.0,
              "rope_scaling": {"rope_type": "linear", "factor": 8.0}}  # fmt: skip
    spec = parse_model_config(config)
    # pattern 2: layer 0 slides (own unscaled rope), layer 1 is global (scaled rope)
    assert rotary(spec) == {("sliding", 64, True, False), ("full", 64, False, False)}


BASE = {"model_type": "llama", "hidden_size": 512, "num_hidden_layers": 2, "vocab_size": 100,
        "intermediate_size": 1024, "num_attention_heads": 8}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"num_hidden_layers": 10**9}, "num_hidden_layers"),
        ({"num_hidden_layers": 0}, "num_hidden_layers"),
        ({"vocab_size": -5}, "vocab_size"),
        ({"hidden_size": "4096"}, "hidden_size"),
        ({"num_attention_heads": 7}, "num_attention_heads"),
        ({"tie_word_embeddings": "yes"}, "tie_word_embeddings"),
        ({"layer_types": ["full_attention"]}, "layer_types"),
        ({"num_local_experts": 4, "num_experts_per_tok": 8}, "num_experts_per_tok"),
        ({"quantization_config": {"quant_method": "fp8", "weight_block_size": "x"}},
         "weight_block_size"),
        ({"partial_rotary_factor": 1.5}, "partial_rotary_factor"),
        ({"partial_rotary_factor": "half"}, "partial_rotary_factor"),
        ({"rotary_dim": 128}, "rotary_dim"),  # head_dim is 512 / 8 = 64
        ({"rope_parameters": [1]}, "rope_parameters"),
    ],
)
def test_malformed_configs_name_the_field(change, field):
    config = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    with pytest.raises(ConfigError, match=field):
        parse_model_config(config)


def test_a_speculators_draft_is_refused_whatever_it_else_holds():
    # vLLM reads speculators_config before model_type (maybe_override_with_speculators), so
    # readable top-level fields change nothing; without verifier.name_or_path vLLM 0.11.0 on
    # raises "Invalid speculators config structure" (SpeculatorsConfig.validate_...)
    draft = {**BASE, "speculators_config": {"algorithm": "eagle3", "verifier": {}}}
    with pytest.raises(ConfigError, match=r"draft checkpoint \(speculators_config\) that "
                       r"names no verifier \(speculators_config\.verifier\.name_or_path\)"):
        parse_model_config(draft)
    assert parse_model_config({**BASE, "speculators_config": None}).hidden_size == \
        BASE["hidden_size"]  # vLLM tests `is not None`


def test_not_a_dict():
    with pytest.raises(ConfigError, match="JSON object"):
        parse_model_config([1, 2, 3])  # type: ignore[arg-type]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(sorted(set(BASE) | {
    "num_key_value_heads", "head_dim", "layer_types", "num_experts", "num_experts_per_tok",
    "kv_lora_rank", "hybrid_override_pattern", "block_configs", "rope_scaling", "text_config",
    "quantization_config", "vision_config", "sliding_window", "torch_dtype", "moe_layer_freq",
}))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=8), JSON)
def test_arbitrary_json_raises_only_config_error(overrides, quant):
    for config in ({**BASE, **overrides}, overrides):
        with contextlib.suppress(ConfigError):
            parse_model_config(config, quant if isinstance(quant, dict) else None)


def test_mixer_types_are_the_schema_classes():
    spec = spec_of("Qwen__Qwen3-8B")
    assert isinstance(spec.layers[0].mixer, AttentionMixer)
    assert not isinstance(spec.layers[0].mlp, MoeMlp)


def test_a_huge_float_is_named_as_written_not_as_its_309_digit_integer():
    # JSON 1e308 is a whole float; int(1e308) has 309 digits, which the message printed
    config = {**BASE, "hidden_size": 1e308}
    with pytest.raises(ConfigError) as caught:
        parse_model_config(config)
    assert str(caught.value) == "config.json: hidden_size = 1e+308 is out of range (1 to 1048576)"


@pytest.mark.parametrize("value", [["qwen3_vl_moe_text"], 0, True, ""])
def test_a_text_config_model_type_that_is_no_string_is_named(value):
    # a list was "config.json is malformed: TypeError: unhashable type: 'list'"; a number or
    # true was taken as an unknown architecture and planned
    config, _ = load_ref_config("Qwen__Qwen3-VL-30B-A3B-Instruct")
    config["text_config"]["model_type"] = value
    with pytest.raises(ConfigError) as caught:
        parse_model_config(config)
    assert str(caught.value) == (f"config.json: text_config.model_type must be a string, "
                                 f"got {value!r}")


@pytest.mark.parametrize(("value", "words"), [
    ("x", "config.json: rope_scaling.rope_type = 'x': vLLM stops on \"Unknown RoPE scaling type "
          "x\" when it builds the rotary embedding"),
    (0, "config.json: rope_scaling.rope_type must be a string, got 0"),
    (["llama3"], "config.json: rope_scaling.rope_type must be a string, got ['llama3']"),
])
def test_a_rope_type_vllm_cannot_build_is_refused(value, words):
    # Llama-3.1-8B's llama3 block (factor 8): any other type stretched the context to
    # 8 x 131,072 = 1,048,576 tokens and planned it as a fit
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    config["rope_scaling"]["rope_type"] = value
    with pytest.raises(ConfigError) as caught:
        parse_model_config(config)
    assert str(caught.value).startswith(words)


def test_a_rope_type_that_is_no_string_without_a_factor_is_refused_in_words():
    # the factor and beta checks test the type against their rope-type lists before the blocks'
    # own type check runs: a list there raised TypeError (unhashable) inside a set's membership
    # test, read back as "config.json is malformed: TypeError: unhashable type: 'list'"
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    config["rope_scaling"] = {"rope_type": ["llama3"]}
    with pytest.raises(ConfigError) as caught:
        parse_model_config(config)
    assert str(caught.value) == ("config.json: rope_scaling.rope_type must be a string, "
                                 "got ['llama3']")


def test_a_nested_rope_block_names_its_layer_type():
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    config["text_config"]["rope_parameters"]["sliding_attention"]["rope_type"] = True
    with pytest.raises(ConfigError, match=r"^config.json: text_config.rope_parameters."
                       r"sliding_attention.rope_type must be a string, got True$"):
        parse_model_config(config)


@pytest.mark.parametrize(("name", "key", "value"), [
    # Nemotron-H's relu2 MLP read as gated: 56.3 B parameters became 70.8 B
    ("nvidia__Nemotron-H-56B-Base-8K", "mlp_hidden_act", 0),
    ("nvidia__Nemotron-H-56B-Base-8K", "mlp_hidden_act", ["relu2"]),
    # DeepSeek-V3's noaux_tc router bias dropped
    ("deepseek-ai__DeepSeek-V3", "topk_method", True),
])
def test_a_string_field_of_another_type_is_named(name, key, value):
    config, _ = load_ref_config(name)
    config[key] = value
    with pytest.raises(ConfigError) as caught:
        parse_model_config(config)
    assert str(caught.value) == f"config.json: {key} must be a string, got {value!r}"


def test_a_nemotron_h_config_without_its_layer_pattern_is_refused():
    # it was planned as 118 uniform attention + MLP layers, 83.3 B parameters (56.3 B)
    config, _ = load_ref_config("nvidia__Nemotron-H-56B-Base-8K")
    del config["hybrid_override_pattern"]
    with pytest.raises(ConfigError, match=r"^config.json: hybrid_override_pattern is missing: a "
                       r"nemotron_h config gives its Mamba / attention / MLP layout there"):
        parse_model_config(config)
