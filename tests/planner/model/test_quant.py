"""Quantization schemes: bits per weight worked out by hand from each format's tensor layout."""

import re

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.quant import (
    COMPONENTS,
    SCHEMES,
    UnknownSchemeError,
    checkpoint_scheme,
    component_formats,
    parse_exclusions,
    resolve_scheme,
    scheme,
)
from planner.model.spec import (
    AttentionMixer,
    ConfigError,
    DenseMlp,
    LayerSpec,
    ModelSpec,
    ModuleFormat,
    QuantSpec,
)
from planner.units import GIB

FIXED_KEYS = (
    "fp32", "bf16", "fp16", "fp8-tensor", "fp8-channel", "fp8-block128",
    "fp8-block128-fp4experts", "w8a8-int8",
    "w4a16-gptq-g128", "w4a16-gptq-g32", "w4a16-awq-g128", "w8a16-gptq-g128", "mxfp4", "nvfp4",
    "bnb-nf4", "bnb-int8", "gguf-q8_0", "gguf-q6_k", "gguf-q5_k_m", "gguf-q4_k_m",
    "gguf-q3_k_m", "gguf-q2_k",
)


def test_every_fixed_key_is_present_with_a_source():
    assert set(FIXED_KEYS) <= set(SCHEMES)
    for key in FIXED_KEYS:
        s = SCHEMES[key]
        assert s.key == key
        assert s.source and s.label


@pytest.mark.parametrize(
    ("key", "bits"),
    [
        ("fp32", 32),
        ("bf16", 16),
        ("fp16", 16),
        ("fp8-tensor", 8),  # one fp32 scale per whole tensor: negligible
        ("fp8-block128", 8 + 32 / 16384),  # fp32 weight_scale_inv per 128x128 = 8.00195
        ("w4a16-gptq-g128", 4.15625),  # 4 + (16 + 4) / 128
        ("w4a16-gptq-g32", 4.625),  # 4 + 20 / 32
        ("w4a16-awq-g128", 4.15625),  # fp16 scale + 4-bit zero per 128
        ("w8a16-gptq-g128", 8.1875),  # 8 + (16 + 8) / 128
        ("mxfp4", 4.25),  # 4 + e8m0 8 / 32
        ("nvfp4", 4.5),  # 4 + fp8 8 / 16
        ("bnb-nf4", 4.126953125),  # 4 + 8/64 + 32/(64*256)
        ("gguf-q8_0", 8.5),  # 34 B per 32
        ("gguf-q6_k", 6.5625),  # 210 B per 256
    ],
)
def test_bits_per_weight(key, bits):
    assert scheme(key).bits_per_weight == pytest.approx(bits, abs=1e-9)


def test_gguf_mix_base_types_for_embeddings():
    # token_embd keeps the mix's base type: Q5_K 176/256, Q4_K 144/256, Q3_K 110/256, Q2_K 84/256
    assert scheme("gguf-q5_k_m").bits_for("embeddings") == 5.5
    assert scheme("gguf-q4_k_m").bits_for("embeddings") == 4.5
    assert scheme("gguf-q3_k_m").bits_for("embeddings") == 3.4375
    assert scheme("gguf-q2_k").bits_for("embeddings") == 2.625
    # output.weight -> Q6_K except for Q8_0, which keeps Q8_0
    assert scheme("gguf-q4_k_m").bits_for("lm_head") == 6.5625
    assert scheme("gguf-q8_0").bits_for("lm_head") == 8.5


# Llama-3-8B (config: hidden 4096, 32 layers, 32 heads, 8 KV heads x 128, MLP 14336, vocab
# 128256, untied), parameters per component worked by hand:
#   attention 32 x (2 x 4096 x 4096 + 2 x 4096 x 1024)  = 1,342,177,280
#   MLP       32 x 3 x 4096 x 14336                      = 5,637,144,576
#   embeddings = lm_head = 128256 x 4096                 =   525,336,576 each
#   norms     (32 x 2 + 1) x 4096                        =       266,240
LLAMA3_8B = {
    "attention": 1_342_177_280,
    "dense_mlp": 5_637_144_576,
    "embeddings": 525_336_576,
    "lm_head": 525_336_576,
    "norms": 266_240,
}


@pytest.mark.parametrize(
    ("key", "published_gib"),
    # llama.cpp tools/quantize/quantize.cpp QUANT_OPTIONS, "... G @ Llama-3-8B" (GiB):
    [
        ("gguf-q8_0", 7.96),
        ("gguf-q6_k", 6.14),
        ("gguf-q5_k_m", 5.33),
        ("gguf-q4_k_m", 4.58),
        ("gguf-q3_k_m", 3.74),
        ("gguf-q2_k", 2.96),
    ],
)
def test_gguf_mixes_match_llama_cpp_published_sizes(key, published_gib):
    s = scheme(key)
    size_bytes = sum(n * s.bits_for(c) for c, n in LLAMA3_8B.items()) / 8
    assert size_bytes / GIB == pytest.approx(published_gib, rel=0.01)


def test_usual_quantized_formats_keep_embeddings_lm_head_router_norms_16bit():
    for key in ("fp8-block128", "w4a16-gptq-g128", "nvfp4", "bnb-nf4", "w8a8-int8"):
        s = scheme(key)
        for component in ("embeddings", "lm_head", "router", "norms"):
            assert s.bits_for(component) == 16
        assert s.bits_for("attention") == s.bits_per_weight


def test_deepseek_v4_fp4_experts_beside_fp8_blocks():
    s = scheme("fp8-block128-fp4experts")
    assert s.bits_for("experts") == 4 + 8 / 32  # e2m1 + one ue8m0 scale per 32 = 4.25
    for component in ("attention", "shared_experts", "dense_mlp"):
        assert s.bits_for(component) == 8 + 32 / 16384  # fp32 scale per 128x128 block
    assert s.bits_for("embeddings") == s.bits_for("router") == 16


def test_mxfp4_quantizes_only_the_experts():
    # vLLM Mxfp4Config: FusedMoE -> MXFP4, every Linear stays bf16
    s = scheme("mxfp4")
    assert s.bits_for("experts") == 4.25
    for component in set(COMPONENTS) - {"experts"}:
        assert s.bits_for(component) == 16


def test_runtime_fp8_is_flagged_for_vllm():
    s = scheme("fp8-tensor")
    assert s.runtime and s.vllm_quantization == "fp8"
    assert not scheme("fp8-block128").runtime
    assert scheme("w4a16-gptq-g128").vllm_quantization is None


@pytest.mark.parametrize(
    ("key", "bits"),
    [
        ("w4a16-gptq-g64", 4 + 20 / 64),  # 4.3125
        ("w4a16-awq-g64", 4 + 20 / 64),
        ("w4a16-gptq-g256", 4 + 20 / 256),  # 4.078125
        ("w8a16-gptq-g32", 8 + 24 / 32),  # 8.75
        ("w4a16-gptq-gchannel", 4 + 20 / 4096),  # one group per 4096-wide row
        # compressed-tensors symmetric: one bf16 scale per group, no zero point
        ("w4a16-ct-g32", 4 + 16 / 32),  # 4.5 (Kimi-K2.5)
        ("w4a16-ct-g128", 4 + 16 / 128),  # 4.125
        ("w8a16-ct-gchannel", 8 + 16 / 4096),
    ],
)
def test_group_size_pattern(key, bits):
    s = scheme(key)
    assert s.key == key
    assert s.bits_per_weight == pytest.approx(bits)


@pytest.mark.parametrize("key", ["int3", "w4a16-gptq-g0", "w8a16-awq-g128", "w4a16-gptq-g"])
def test_unknown_scheme_lists_the_keys(key):
    with pytest.raises(UnknownSchemeError) as err:
        scheme(key)
    message = str(err.value)
    assert repr(key) in message
    assert "gguf-q4_k_m" in message and "w4a16-gptq-g<N>" in message
    assert "w4a16-ct-g<N>" in message


def test_compressed_tensors_symmetric_int4_is_a_gptq_family_format_without_zero_points():
    # The layout checks (group alignment) and the sweep's int4 kernel support go by family.
    ct, gptq = scheme("w4a16-ct-g128"), scheme("w4a16-gptq-g128")
    assert ct.family == gptq.family == "gptq"
    assert ct.keeps_16bit == gptq.keeps_16bit
    assert "zero" not in ct.label and "no zero point" in ct.source
    # 4.15625 - 4.125 = 4/128 bit per weight: the zero points GPTQ stores
    assert gptq.bits_per_weight - ct.bits_per_weight == pytest.approx(4 / 128)


def make_spec(**overrides) -> ModelSpec:
    """A one-layer Llama-like spec; overrides replace any field."""
    fields = {
        "model_type": "llama",
        "hidden_size": 64,
        "vocab_size": 128,
        "layers": (
            LayerSpec(
                index=0,
                mixer=AttentionMixer(num_heads=4, num_kv_heads=2, head_dim=16, v_head_dim=16),
                mlp=DenseMlp(intermediate_size=128),
            ),
        ),
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "max_position_embeddings": 4096,
    }
    return ModelSpec(**(fields | overrides))


def test_checkpoint_scheme_from_dtype_and_quant():
    assert checkpoint_scheme(make_spec()).key == "bf16"
    assert checkpoint_scheme(make_spec(torch_dtype="float16")).key == "fp16"
    assert checkpoint_scheme(make_spec(torch_dtype="float32")).key == "fp32"
    quant = QuantSpec(method="gptq", scheme="w4a16-gptq-g64", summary="GPTQ int4 g64")
    assert checkpoint_scheme(make_spec(quant=quant)).bits_per_weight == 4.3125


FBGEMM_LLAMA = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                "hidden_size": 1024, "intermediate_size": 2816, "num_hidden_layers": 2,
                "num_attention_heads": 8, "num_key_value_heads": 8, "vocab_size": 32000,
                "torch_dtype": "bfloat16"}


def test_fbgemm_fp8_needs_both_keys_vllm_reads_first_missing_named() -> None:
    # FBGEMMFp8Config.from_config reads modules_to_not_convert, then activation_scale_ub, each
    # with get_from_keys (no default): with neither, vLLM names modules_to_not_convert
    qc = {"quant_method": "fbgemm_fp8"}
    with pytest.raises(ConfigError, match=r"quantization_config\.modules_to_not_convert is "
                       r"missing, .*\"Cannot find any of \['modules_to_not_convert'\] in the "
                       r"model's quantization config\.\"\): give \[\] where no module"):
        parse_model_config(FBGEMM_LLAMA | {"quantization_config": qc})
    with pytest.raises(ConfigError, match=r"\['activation_scale_ub'\]"):
        parse_model_config(FBGEMM_LLAMA | {"quantization_config": qc
                                           | {"modules_to_not_convert": []}})
    spec = parse_model_config(FBGEMM_LLAMA | {"quantization_config": qc | {
        "modules_to_not_convert": [], "activation_scale_ub": 1200.0}})
    assert spec.quant is not None and spec.quant.scheme == "fp8-channel"
    assert spec.quant.excluded_modules == ()


def test_exclusions_gpt_oss():
    # openai/gpt-oss-20b quantization_config.modules_to_not_convert, verbatim
    ex = parse_exclusions(
        ("model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"),
        24,
    )
    assert ex.all_layers == {"attention", "router", "embeddings", "lm_head"}
    assert ex.excluded(7, "attention") and not ex.excluded(7, "experts")
    assert ex.unmatched == ()


def test_exclusions_qwen3_fp8_per_layer():
    # Qwen/Qwen3-235B-A22B-FP8 modules_to_not_convert (first entries, verbatim)
    ex = parse_exclusions(
        (
            "lm_head",
            "model.layers.0.input_layernorm",
            "model.layers.0.mlp.gate",
            "model.layers.0.post_attention_layernorm",
            "model.layers.1.mlp.gate",
        ),
        94,
    )
    assert ex.all_layers == {"lm_head"}
    assert ex.by_layer[0] == {"norms", "router"}
    assert ex.excluded(1, "router") and not ex.excluded(2, "router")
    assert not ex.excluded(0, "experts")


def test_exclusions_gemma4_nvfp4_globs_and_vision():
    # nvidia/Gemma-4-31B-IT-NVFP4 hf_quant_config.json exclude_modules (entries, verbatim)
    ex = parse_exclusions(
        (
            "lm_head",
            "model.embed_vision*",
            "model.language_model.layers.0.self_attn*",
            "model.language_model.layers.10.self_attn*",
        ),
        60,
    )
    assert ex.all_layers == {"lm_head"}
    assert ex.by_layer == {0: {"attention"}, 10: {"attention"}}
    assert ex.unmatched == ()  # the vision tower is not part of the text model


def test_exclusions_minimax_bare_names_and_mtp():
    # MiniMaxAI/MiniMax-M2.5 modules_to_not_convert, verbatim: the router is a bare 'gate'
    ex = parse_exclusions(("gate", "e_score_correction_bias", "lm_head"), 62)
    assert ex.all_layers == {"router", "lm_head"} and ex.unmatched == ()
    # nvidia/Qwen3.6-35B-A3B-NVFP4 excludes its MTP module, which vLLM does not load
    ex = parse_exclusions(("mtp.layers.0*", "mtp*"), 40)
    assert ex.all_layers == frozenset() and ex.unmatched == ()


def test_exclusions_compressed_tensors_regexes():
    """A compressed-tensors "re:" entry is read as the name it matches (vLLM's
    _is_equal_or_regex_match re.match-es the pattern): llm-compressor's MoE recipe keeps the
    gates, not the dense MLP (as read before)."""
    ex = parse_exclusions(("lm_head", "re:.*mlp.gate$"), 48)
    assert ex.all_layers == {"lm_head", "router"} and ex.unmatched == ()
    ex = parse_exclusions((r"re:model\.layers\.3\.self_attn.*", r"re:.*mlp\.gate$"), 48)
    assert ex.by_layer == {3: {"attention"}} and ex.all_layers == {"router"}


def test_exclusions_compressed_tensors_regex_layer_indexes():
    """A "re:" entry's layer index is a regular expression too: vLLM re.match-es the whole
    pattern from the start of the module's name (quantization/utils/config_utils.py
    is_equal_or_regex_match, 0.34.0; compressed_tensors/utils.py, 0.9.2-0.29.0), so
    'layers\\.1\\d\\.' names layers 10-19 and 'layers\\.[0-2]\\.' layers 0-2 (it read layer 1 and
    every layer). Expected layers: re.match on vLLM's qwen3_moe.py names of a 48-layer model."""
    attention, mlp = r"re:.*layers\.1\d\.self_attn.*", r"re:model\.layers\.[0-2]\.mlp\..*"
    ex = parse_exclusions((attention, mlp), 48)
    assert ex.all_layers == frozenset()
    vllm_attention = {i for i in range(48)
                      if re.match(attention[3:], f"model.layers.{i}.self_attn.qkv_proj")}
    vllm_gate = {i for i in range(48) if re.match(mlp[3:], f"model.layers.{i}.mlp.gate")}
    assert vllm_attention == set(range(10, 20)) and vllm_gate == {0, 1, 2}
    assert {i for i in range(48) if ex.excluded(i, "attention")} == vllm_attention
    assert {i for i in range(48) if ex.excluded(i, "router")} == vllm_gate
    # an unescaped literal index and an alternation ('.' matches the dot itself)
    ex = parse_exclusions(("re:model.layers.3.self_attn.*", r"re:.*layers\.(4|40)\.mlp\.gate$"),
                          48)
    assert ex.by_layer == {3: {"attention"}, 4: {"router"}, 40: {"router"}}
    # no index expression ('layers.*.' repeats its dot): every layer, as before
    assert parse_exclusions(("re:model.layers.*.mlp.gate$",), 48).all_layers == {"router"}


def test_exclusions_whole_mlp_and_unknown_names():
    ex = parse_exclusions(("model.layers.3.mlp", "model.foo.bar"), 48)
    assert ex.by_layer[3] == {"dense_mlp", "experts", "shared_experts", "router"}
    assert ex.unmatched == ("model.foo.bar",)


def test_modelopt_mixed_precision_keeps_each_module_format(ref_config):
    """nvidia/Qwen3.6-35B-A3B-NVFP4's hf_quant_config.json: 130 FP8 entries (30 GDN x 3
    projections, 10 attention x 4) and 161 W4A16_NVFP4 (40 x experts + 3 shared-expert
    projections, lm_head); the scheme and group describe the experts; no warning is left."""
    config, hf_quant = ref_config("nvidia__Qwen3.6-35B-A3B-NVFP4")
    spec = parse_model_config(config, hf_quant)
    quant = spec.quant
    assert (quant.scheme, quant.group_size, quant.weight_only) == ("nvfp4", 16, True)
    assert len(quant.module_formats) == 291 and spec.warnings == ()
    formats = component_formats(quant.module_formats)
    gdn, attention = formats.by_layer[0], formats.by_layer[3]  # full_attention_interval 4
    assert {c: f.algo for c, f in gdn.items()} == {
        "attention": "FP8", "experts": "W4A16_NVFP4", "shared_experts": "W4A16_NVFP4"}
    assert attention["attention"].module.endswith("layers.3.self_attn.q_proj")
    assert formats.format(5, "router") is None  # mlp.gate is not listed: 16-bit
    assert formats.bits(5, "attention") == 8 and formats.bits(5, "norms") == 16
    assert formats.bits(None, "lm_head") == 4.5  # listed: quantized, unlike nvfp4's keeps
    assert formats.notes == ()
    # the same map in config.json's quantization_config ("ignore" for exclude_modules)
    assert parse_model_config(config).quant.excluded_modules == ("mtp.layers.0*", "mtp*")


def test_mixed_precision_component_in_two_formats_is_planned_wide_and_noted():
    fp8 = ModuleFormat(module="model.layers.0.self_attn.q_proj", algo="FP8",
                       scheme="fp8-tensor")
    fp4 = ModuleFormat(module="model.layers.0.self_attn.o_proj", algo="NVFP4", scheme="nvfp4")
    formats = component_formats((fp4, fp8))
    assert formats.bits(0, "attention") == 8
    assert formats.notes == ("model.layers.0.self_attn.o_proj (NVFP4) and "
                             "model.layers.0.self_attn.q_proj (FP8) are one component "
                             "(attention) here: planned as FP8",)


@pytest.mark.parametrize(("name", "key", "bits"), [
    ("w4a16", "w4a16-gptq-g128", 4 + 20 / 128),  # GPTQ int4 g128: 4 + (16 + 4) / 128
    ("int4", "w4a16-gptq-g128", 4 + 20 / 128),
    ("GPTQ", "w4a16-gptq-g128", 4 + 20 / 128),
    ("awq", "w4a16-awq-g128", 4 + 20 / 128),
    ("fp8", "fp8-tensor", 8),
    ("nvfp4", "nvfp4", 4 + 8 / 16),  # one fp8 scale per 16 values
    ("mxfp4", "mxfp4", 4 + 8 / 32),  # one e8m0 scale per 32 values
    ("int8", "w8a8-int8", 8 + 32 / 4096),
    ("W8A8", "w8a8-int8", 8 + 32 / 4096),
])
def test_common_weight_format_names_map_to_the_family_default(name, key, bits) -> None:
    resolved = resolve_scheme(name)
    assert resolved.key == key
    assert resolved.bits_per_weight == pytest.approx(bits)


def test_scheme_keys_still_resolve_and_unknown_names_list_the_aliases() -> None:
    assert resolve_scheme("w4a16-awq-g64").key == "w4a16-awq-g64"
    with pytest.raises(UnknownSchemeError, match="or int4, w4a16, gptq"):
        resolve_scheme("int3")


@pytest.mark.parametrize("algo", [["FP8"], {"a": 1}, 8])
def test_a_mixed_precision_entry_whose_quant_algo_is_no_string_is_named(ref_config, algo):
    # a list was "config.json is malformed: TypeError: unhashable type: 'list'"
    config, _ = ref_config("nvidia__Qwen3.6-35B-A3B-NVFP4")
    layers = config["quantization_config"]["quantized_layers"]
    module = next(iter(layers))
    layers[module]["quant_algo"] = algo
    with pytest.raises(ConfigError, match=(rf"quantized_layers\[{module!r}\] quant_algo "
                                           r".* is not a known ModelOpt algorithm$")):
        parse_model_config(config)
