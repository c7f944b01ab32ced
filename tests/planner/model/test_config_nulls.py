"""A field written out as null in config.json (or a head_dim of 0) is read as transformers and
vLLM read it, which is not always as a field left out (the class default): vLLM's getattr
fallbacks skip a None (and `head_dim or ...` a 0).

Expected figures are worked by hand from the configs (tests/fixtures/configs, the catalog) and
the rules read in the sources named in each test.
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.attention import kv_bytes_per_token
from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from planner.serving.engine import derived_max_model_len
from tests.conftest import load_ref_config
from tests.planner.model.test_granitemoehybrid import GRANITE_SHARED


def _config(name: str, **changes: object) -> dict:
    entry = catalog_entry(name)
    assert entry is not None
    return {**entry.config, **changes}


def test_null_kv_heads_is_mha_and_says_null():
    # vLLM ModelConfig.get_total_num_kv_heads skips a None count and returns
    # num_attention_heads. Meta-Llama-3.1-8B: 32 layers, head_dim 4096 / 32 = 128, bf16.
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    assert kv_bytes_per_token(parse_model_config(config), 2) == 2 * 32 * 8 * 128 * 2
    spec = parse_model_config({**config, "num_key_value_heads": None})
    assert kv_bytes_per_token(spec, 2) == 2 * 32 * 32 * 128 * 2 == 524_288
    assert any(a.startswith("num_key_value_heads null: assumed = num_attention_heads (MHA)")
               for a in spec.assumptions)


def test_null_head_dim_is_hidden_over_heads_not_the_class_default():
    # Qwen3-0.6B: hidden 1024, 16 heads, 8 KV heads, 28 layers. Left out, head_dim is
    # Qwen3Config's 128; null, vLLM's get_head_size and qwen3.py take 1024 / 16 = 64.
    config, _ = load_ref_config("Qwen__Qwen3-0.6B")
    spec = parse_model_config({**config, "head_dim": None})
    assert {layer.mixer.head_dim for layer in spec.layers} == {64}
    assert kv_bytes_per_token(spec, 2) == 2 * 28 * 8 * 64 * 2 == 57_344
    assert ("head_dim null: read as hidden_size / num_attention_heads = 1024 / 16 = 64, as "
            "vLLM does") in " ".join(spec.assumptions)
    # Qwen3Config `head_dim: int = 128`: transformers 5 refuses the null (kv heads may be None)
    assert [w.split(":")[0] for w in spec.warnings] == ["head_dim null"]
    missing = {k: v for k, v in config.items() if k != "head_dim"}
    assert kv_bytes_per_token(parse_model_config(missing), 2) == 2 * 28 * 8 * 128 * 2


def test_null_head_dim_is_refused_where_vllm_takes_it_as_given():
    # vLLM gemma2.py passes head_dim=config.head_dim to Gemma2Attention: None there fails.
    with pytest.raises(ConfigError, match=r"head_dim is null: vLLM's gemma2 model"):
        parse_model_config(_config("google/gemma-2-9b-it", head_dim=None))
    # gemma.py likewise (GemmaDecoderLayer head_dim=config.head_dim, 0.11.0/0.23.0/0.33.0):
    # gemma-7b's 256 is not hidden 3,072 / 16 heads = 192, so a null cannot be read as that
    with pytest.raises(ConfigError, match=r"head_dim is null: vLLM's gemma model"):
        parse_model_config(_config("google/gemma-7b", head_dim=None))
    # gemma3.py likewise (Gemma3Attention head_dim=config.head_dim), in text_config
    entry = catalog_entry("google/gemma-3-12b-it")
    text = {**entry.config["text_config"], "head_dim": None}
    with pytest.raises(ConfigError, match=r"text_config.head_dim is null: vLLM's gemma3"):
        parse_model_config({**entry.config, "text_config": text})


def test_null_attention_heads_is_refused():
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    with pytest.raises(ConfigError, match=r"^config.json: num_attention_heads is null"):
        parse_model_config({**config, "num_attention_heads": None})


def test_null_sliding_window_is_no_window_but_left_out_is_the_class_4096():
    # Mistral-7B-Instruct-v0.3 writes "sliding_window": null: every one of its 32 layers is
    # full attention (MistralConfig keeps the None; vLLM get_sliding_window reads None). Left
    # out, MistralConfig's class default 4096 applies to every layer.
    config = _config("mistralai/Mistral-7B-Instruct-v0.3")
    assert config["sliding_window"] is None
    spec = parse_model_config(config)
    assert {(layer.mixer.kind, layer.mixer.sliding_window) for layer in spec.layers} == {
        ("full", None)}
    spec = parse_model_config({k: v for k, v in config.items() if k != "sliding_window"})
    assert {(layer.mixer.kind, layer.mixer.sliding_window) for layer in spec.layers} == {
        ("sliding", 4096)}


def test_null_sliding_window_under_layer_types_is_full_attention():
    # gpt-oss-20b: layer_types makes 12 of its 24 layers sliding_attention; with the window
    # null, vLLM gpt_oss.py gives them sliding_window None: every layer keeps all its KV.
    config, _ = load_ref_config("openai__gpt-oss-20b")
    spec = parse_model_config({**config, "sliding_window": None})
    assert {layer.mixer.sliding_window for layer in spec.layers} == {None}
    assert ("12 layers are sliding-window layers but sliding_window is null: planned as full "
            "attention") in " ".join(spec.assumptions)
    assert kv_bytes_per_token(spec, 2) == 2 * 24 * 8 * 64 * 2


def test_null_rope_scaling_is_no_scaling():
    # gpt-oss-20b: yarn 32 x 4096 = 131,072 extended context; null: no rope scaling at all.
    config, _ = load_ref_config("openai__gpt-oss-20b")
    assert parse_model_config(config).extended_context_tokens == 131_072
    spec = parse_model_config({**config, "rope_scaling": None})
    assert spec.rope_scaling_type is None and spec.extended_context_tokens is None
    assert spec.window.ropes == ()


def test_null_max_position_embeddings_is_no_length_for_vllm():
    # vLLM _get_and_verify_max_len skips a None length: with seq_length 8192 beside a null
    # max_position_embeddings it derives 8192 (LlamaConfig's class 2048 was counted before).
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    config = {**config, "max_position_embeddings": None, "seq_length": 8192}
    spec = parse_model_config(config)
    assert dict(spec.window.lengths) == {"seq_length": 8192}
    assert derived_max_model_len(spec, (0, 11, 0)) == 8192
    assert any(a.startswith("max_position_embeddings null: assumed 2048")
               for a in spec.assumptions)


def test_deepseek_with_no_routed_experts_is_refused():
    # vLLM deepseek_v2.py builds a MoE layer wherever n_routed_experts is not None, so 0 gives
    # MoE layers routing 8 tokens over no experts: refused, naming the field.
    config, _ = load_ref_config("deepseek-ai__DeepSeek-V3")
    with pytest.raises(ConfigError, match=r"^config.json: n_routed_experts = 0: vLLM builds "
                                          r"deepseek_v3 MoE layers whatever the count"):
        parse_model_config({**config, "n_routed_experts": 0})
    config = _config("moonshotai/Kimi-K2.5")
    config["text_config"] = {**config["text_config"], "n_routed_experts": 0}
    with pytest.raises(ConfigError, match=r"text_config.n_routed_experts = 0: vLLM builds "
                                          r"kimi_k2 MoE layers"):
        parse_model_config(config)


def test_deepseek_with_null_routed_experts_is_dense_as_vllm_builds_it():
    # null: no MoE layer in vLLM (n_routed_experts is None); DeepSeek-V3's 61 layers are all
    # DeepseekV2MLP of intermediate_size 18432.
    config, _ = load_ref_config("deepseek-ai__DeepSeek-V3")
    spec = parse_model_config({**config, "n_routed_experts": None})
    assert len(spec.layers) == 61
    assert {(layer.mlp.kind, layer.mlp.intermediate_size) for layer in spec.layers} == {
        ("dense", 18432)}
    assert any(a.startswith("n_routed_experts null: every MLP planned dense")
               for a in spec.assumptions)
    # transformers 5.24.0 DeepseekV3Config `n_routed_experts: int = 256` refuses the null
    assert any(w.startswith("n_routed_experts null: transformers 5 refuses it "
                            "(DeepseekV3Config annotates it without None") and
               "vLLM 0.19.1 on" in w for w in spec.warnings)


def test_layer_kinds_vllm_does_not_slide_are_full_attention():
    # vLLM llama.py makes a layer sliding only where layer_types[i] == "sliding_attention";
    # "local" and "chunked_attention" layers keep every token's KV. Meta-Llama-3.1-8B with
    # a 4,096 window over alternate layers: 16 sliding + 16 full; with "local": 32 full.
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    config = {**config, "sliding_window": 4096}
    spec = parse_model_config({**config, "layer_types": ["sliding_attention",
                                                         "full_attention"] * 16})
    assert [layer.mixer.sliding_window for layer in spec.layers].count(4096) == 16
    for kind in ("local", "chunked_attention"):
        spec = parse_model_config({**config, "layer_types": [kind, "full_attention"] * 16})
        assert {(layer.mixer.kind, layer.mixer.sliding_window) for layer in spec.layers} == {
            ("full", None)}
        assert f"layer_types: '{kind}' layers planned as full attention" in " ".join(
            spec.assumptions)


def test_layer_types_of_another_length_are_refused():
    # transformers 5.24 validate_layer_type and 4.57.1 layer_type_validation refuse it
    # ("`num_hidden_layers` (32) must be equal to the number of ..."); vLLM llama.py asserts
    config, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
    with pytest.raises(ConfigError, match="layer_types has 31 entries but num_hidden_layers "
                                          "is 32"):
        parse_model_config({**config, "layer_types": ["full_attention"] * 31})


def test_llama4_chunked_attention_layer_types_stay_chunked():
    # transformers 5.24 Llama4TextConfig writes layer_types "chunked_attention" where a layer
    # has rope and attention_chunk_size is set, "full_attention" on every 4th (NoPE) layer:
    # the layers vLLM llama4.py chunks from no_rope_layers. Scout: 48 layers, chunk 8,192.
    entry = catalog_entry("meta-llama/Llama-4-Scout-17B-16E-Instruct")
    text = entry.config["text_config"]
    assert text["num_hidden_layers"] == 48 and text["attention_chunk_size"] == 8192
    layer_types = ["full_attention" if (i + 1) % 4 == 0 else "chunked_attention"
                   for i in range(48)]
    spec = parse_model_config({**entry.config,
                               "text_config": {**text, "layer_types": layer_types}})
    windows = [layer.mixer.sliding_window for layer in spec.layers]
    assert windows.count(8192) == 36 and windows.count(None) == 12
    assert windows == [layer.mixer.sliding_window
                       for layer in parse_model_config(entry.config).layers]


def test_llama4_empty_no_rope_layers_takes_the_default_pattern():
    # transformers 5.25.0 Llama4TextConfig.__post_init__: `self.no_rope_layers if
    # self.no_rope_layers else default_no_rope_layers`, the default NoPE (global) on every
    # (i + 1) % 4 == 0. A Hub-saved Scout config.json writes `"no_rope_layers": []`
    # (tests/fixtures/configs/SOURCES.md, sixth search); it was refused ("has 0 entries").
    # Scout: 48 layers -> 12 global (3, 7, ..., 47), 36 chunked at 8,192.
    entry = catalog_entry("meta-llama/Llama-4-Scout-17B-16E-Instruct")
    text = entry.config["text_config"]
    assert "no_rope_layers" not in text
    spec = parse_model_config({**entry.config, "text_config": {**text, "no_rope_layers": []}})
    expected = [None if (i + 1) % 4 == 0 else 8192 for i in range(48)]
    assert [layer.mixer.sliding_window for layer in spec.layers] == expected
    with pytest.raises(ConfigError, match="no_rope_layers has 47 entries but num_hidden_layers "
                                          "is 48"):
        parse_model_config({**entry.config, "text_config": {**text, "no_rope_layers": [1] * 47}})


def test_llama4_explicit_no_rope_layers_chunk_the_nonzero_entries():
    # a list given is read as written: 0 is a NoPE (global) layer, any other value a RoPE
    # layer of chunked local attention (vLLM's Llama 4 block window mapping: "no_rope_layers
    # [layer_idx] == 0 means NoPE (global) / Any other value means RoPE (local chunked)").
    # Every other layer global, not the default every 4th: 24 global, 24 chunked at 8,192
    entry = catalog_entry("meta-llama/Llama-4-Scout-17B-16E-Instruct")
    text = entry.config["text_config"]
    spec = parse_model_config({**entry.config,
                               "text_config": {**text, "no_rope_layers": [0, 1] * 24}})
    assert [layer.mixer.sliding_window for layer in spec.layers] == [None, 8192] * 24


def test_gpt_oss_slides_even_layers_whatever_layer_types_says():
    # vLLM gpt_oss.py: sliding_window = config.sliding_window if layer_idx % 2 == 0 else None
    # (0.11.0-0.33.0); gpt-oss-20b: 24 layers, window 128 -> layers 0, 2, ..., 22 slide
    config, _ = load_ref_config("openai__gpt-oss-20b")
    expected = [128 if i % 2 == 0 else None for i in range(24)]
    for layer_types in (["full_attention"] * 24, None):
        changed = {**config, "layer_types": layer_types}
        spec = parse_model_config({k: v for k, v in changed.items() if v is not None})
        assert [layer.mixer.sliding_window for layer in spec.layers] == expected
    spec = parse_model_config({**config, "layer_types": ["full_attention"] * 24})
    assert any(a.startswith("layer_types is not gpt-oss's even-sliding alternation")
               for a in spec.assumptions)
    assert not any("alternation" in a for a in parse_model_config(config).assumptions)


def test_nemotron_nas_null_kv_heads_is_not_read_as_mha():
    # Llama-3.3-Nemotron-Super-49B writes "num_key_value_heads": null; each layer's KV heads
    # come from block_configs (vLLM get_total_num_kv_heads: num_attention_heads //
    # n_heads_in_group for nemotron-nas): layer 0, 64 // 8 = 8. No MHA assumption is made.
    entry = catalog_entry("nvidia/Llama-3_3-Nemotron-Super-49B-v1")
    assert entry.config["num_key_value_heads"] is None
    spec = parse_model_config(entry.config)
    assert spec.layers[0].mixer.num_kv_heads == 64 // 8
    assert not any("num_key_value_heads" in a for a in spec.assumptions)


def test_a_null_transformers_5_refuses_refuses_the_plan_from_vllm_0_19_1():
    # Qwen3Config `head_dim: int = 128` (transformers 5.24.0): from_dict with head_dim None
    # raises StrictDataclassFieldValidationError; vLLM 0.24.0 requires transformers>=5.5.3,
    # 0.19.1-0.23.x run it in their images and a fresh install (planned so) but also take
    # transformers 4 pinned, where the null reads as 1024 / 16 = 64, as on 0.19.0
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    config, _ = load_ref_config("Qwen__Qwen3-0.6B")
    spec = parse_model_config({**config, "head_dim": None})
    assert spec.refused_nulls == ("head_dim (Qwen3Config)",)
    # wheel METADATA: 0.19.1-0.23.0 `transformers!=5.0.*,...,!=5.5.0,>=4.56.0`, 0.19.0 `<5`
    assert "(0.19.1-0.23.x run it unless transformers<5 is pinned" in spec.warnings[0]
    cluster = preset_cluster("h100-sxm", 1)

    def _plan(version: str):
        return plan(PlanRequest(model=spec, cluster=cluster,
                                engine=EngineSettings(vllm_version=version)))

    refusal = ("transformers 5 refuses config.json (StrictDataclassFieldValidationError): "
               "head_dim (Qwen3Config) null where the class annotates the field without None")
    new, both, old = _plan("0.24.0"), _plan("0.23.0"), _plan("0.19.0")
    assert not new.fits and new.errors[0].startswith(refusal + ". Remove the null")
    assert not both.fits and both.errors[0].startswith(
        refusal + " (vLLM 0.23.0 runs transformers 5 in its image and a fresh pip install; "
        "with transformers<5 pinned it loads it, the null read as 0.19.0 reads it). Remove")
    assert old.fits and old.kv_bytes_per_token == 2 * 28 * 8 * 64 * 2
    # a null the class allows (Qwen3Config `num_key_value_heads: int | None`) is not refused
    assert parse_model_config({**config, "num_key_value_heads": None}).refused_nulls == ()


def test_null_tie_word_embeddings_is_untied_not_the_class_default():
    # Starcoder2Config `tie_word_embeddings: bool = True` when left out; null, transformers
    # 4.57.1 keeps the None and vLLM starcoder2.py ties only `if config.tie_word_embeddings`:
    # a separate lm_head of vocab x hidden = 100 x 64 = 6,400 parameters more
    from planner.model.params import count_params

    base = {"model_type": "starcoder2", "hidden_size": 64, "num_hidden_layers": 2,
            "vocab_size": 100, "intermediate_size": 256, "num_attention_heads": 4,
            "num_key_value_heads": 2}
    spec = parse_model_config({**base, "tie_word_embeddings": None})
    assert spec.tie_word_embeddings is False
    assert count_params(spec).total - count_params(parse_model_config(base)).total == 100 * 64
    assert "tie_word_embeddings null: untied" in " ".join(spec.assumptions)
    # Starcoder2Config annotates it `bool`: transformers 5 refuses the null
    assert spec.refused_nulls == ("tie_word_embeddings (Starcoder2Config)",)


def _plan_errors(spec, version: str) -> list[str]:
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    return list(plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                                 engine=EngineSettings(vllm_version=version))).errors)


@pytest.mark.parametrize("versions", [("0.18", "0.18.0"), ("0.18.0", "0.18")])
def test_one_spec_served_at_two_spellings_of_a_release_names_each(versions) -> None:
    # served_spec's copy carries a note naming the version as given; it was cached by the
    # parsed release, so a second spelling of it (the CLI takes '0.18' and '0.18.0') got the
    # first's note, which a fresh process does not print
    from planner.serving.tie import served_spec

    entry = catalog_entry("google/gemma-3-12b-it")
    spec = parse_model_config({**entry.config, "text_config": {
        **entry.config["text_config"], "tie_word_embeddings": None}})
    for version in versions:
        assert served_spec(spec, version).assumptions[-1].startswith(
            f"vLLM {version} builds the text model untied from text_config's")


def test_gemma_3_null_tie_is_untied_and_refused_where_vllm_asserts_the_tie():
    # vLLM gemma3.py Gemma3ForCausalLM (built from text_config by gemma3_mm.py): `assert
    # config.tie_word_embeddings` in the 0.13.0 wheel, `if config.tie_word_embeddings:` tie in
    # 0.14.0: a null there builds a separate lm_head of vocab 262,208 x hidden 3,840. Up to
    # 0.23.0 (transformers 4) the wrapper's text model reads text_config's own; from 0.24.0
    # with_hf_config copies the wrapper's (here left out: Gemma3Config's True) onto it
    # (0.19.0-0.23.0 only under transformers 5, which 0.19.0 does not allow).
    from planner.model.params import count_params
    from planner.serving.tie import served_spec

    entry = catalog_entry("google/gemma-3-12b-it")
    text = entry.config["text_config"]
    assert (text["vocab_size"], text["hidden_size"]) == (262_208, 3_840)
    spec = parse_model_config({**entry.config, "text_config": {
        **text, "tie_word_embeddings": None}})
    assert (spec.tie_word_embeddings, spec.text_tie_word_embeddings) == (True, False)
    tied = parse_model_config(entry.config)
    assert count_params(served_spec(spec, "0.18.0")).total - count_params(tied).total == (
        262_208 * 3_840)
    assert count_params(served_spec(spec, "0.19.0")).total - count_params(tied).total == (
        262_208 * 3_840)
    assert count_params(served_spec(spec, "0.24.0")).total == count_params(tied).total
    assert _plan_errors(spec, "0.13.0")[0].startswith(
        "AssertionError: vLLM 0.13.0 builds gemma3_text only with tie_word_embeddings true")
    # the same text model as a plain gemma3_text config.json
    plain = parse_model_config({**text, "tie_word_embeddings": None,
                                "architectures": ["Gemma3ForCausalLM"]})
    assert plain.model_type == "gemma3_text" and plain.tie_word_embeddings is False
    assert _plan_errors(plain, "0.13.0")[0].startswith(
        "AssertionError: vLLM 0.13.0 builds gemma3_text only with tie_word_embeddings true")
    assert _plan_errors(plain, "0.14.0") == []
    # from 0.24.0 transformers 5 refuses the null (Gemma3TextConfig `tie_word_embeddings: bool`)
    assert [e.split(" (")[0] for e in _plan_errors(spec, "0.24.0")] == [
        "transformers 5 refuses config.json"]
    # a null at the top alone: text_config's True up to 0.23.0, the wrapper's None (untied)
    # from 0.24.0; Gemma3Config annotates it `bool | None`, so transformers 5 keeps it
    top = parse_model_config({**entry.config, "tie_word_embeddings": None})
    assert (top.tie_word_embeddings, top.text_tie_word_embeddings) == (False, True)
    assert top.refused_nulls == ()


def test_a_gemma_wrapper_without_the_flag_is_tied_on_every_release():
    # PaliGemma (model_type paligemma, a gemma2 text_config, no tie_word_embeddings anywhere):
    # vLLM paligemma.py builds Gemma2ForCausalLM from text_config, tied by Gemma2Config's
    # default True up to 0.23.0, by PaliGemmaConfig's True (transformers 5.24) from 0.24.0,
    # and always from 0.29.0 (GEMMA2_ALWAYS_TIED_FROM). The two readings agree, so only one
    # is kept (text_tie_word_embeddings None). It
    # was planned untied: one vocab 256,000 x hidden 2,304 = 589,824,000 parameters too many
    # (1.18 GB at 2 bytes).
    from planner.model.params import count_params

    text = {k: v for k, v in _config("google/gemma-2-2b-it").items()
            if k not in ("tie_word_embeddings", "architectures")}
    assert (text["vocab_size"], text["hidden_size"]) == (256_000, 2_304)
    wrapper = {"model_type": "paligemma", "text_config": text,
               "architectures": ["PaliGemmaForConditionalGeneration"]}
    spec = parse_model_config(wrapper)
    assert (spec.tie_word_embeddings, spec.text_tie_word_embeddings) == (True, None)
    untied = parse_model_config({**wrapper, "tie_word_embeddings": False, "text_config": {
        **text, "tie_word_embeddings": False}})
    assert count_params(untied).total - count_params(spec).total == 256_000 * 2_304
    for version in ("0.18.0", "0.23.0", "0.29.0"):
        assert not any(e.startswith("AssertionError") for e in _plan_errors(spec, version))


def test_gemma_2_untied_is_refused_up_to_0_28():
    # vLLM gemma2.py Gemma2ForCausalLM asserts config.tie_word_embeddings in the 0.10.2-0.28.0
    # wheels; 0.29.0 drops the assertion (its logits always read embed_tokens). A null is
    # refused on every release: the assertion up to 0.19.0, transformers 5 from 0.19.1 (the
    # assertion too up to 0.28.0).
    config = _config("google/gemma-2-9b-it")
    null = parse_model_config({**config, "tie_word_embeddings": None})
    assert _plan_errors(null, "0.19.0")[0].startswith(
        "AssertionError: vLLM 0.19.0 builds gemma2 only with tie_word_embeddings true")
    assert _plan_errors(null, "0.23.0")[0].startswith("transformers 5 refuses config.json")
    assert _plan_errors(null, "0.33.0")[0].startswith("transformers 5 refuses config.json")
    untied = parse_model_config({**config, "tie_word_embeddings": False})
    assert _plan_errors(untied, "0.28.0")[0].startswith("AssertionError: vLLM 0.28.0")
    assert not any(e.startswith("AssertionError") for e in _plan_errors(untied, "0.29.0"))
    assert _plan_errors(parse_model_config(config), "0.23.0") == []


def test_rnj1_chunked_attention_layers_slide_by_sliding_window():
    # vLLM rnj1.py Rnj1Attention (0.20.0-0.33.0 wheels): per_layer_sliding_window =
    # config.sliding_window where layer_types[i] == "chunked_attention" (chunk_lookback 1), so
    # its KV spec is a SlidingWindowSpec of that window; gemma3.py, which Gemma3ForCausalLM
    # loads, slides only "sliding_attention". gemma-3-12b-it's text config (48 layers, window
    # 1,024) with every 6th layer full: 48 - 48 / 6 = 40 chunked layers.
    text = catalog_entry("google/gemma-3-12b-it").config["text_config"]
    layer_types = ["full_attention" if (i + 1) % 6 == 0 else "chunked_attention"
                   for i in range(48)]
    config = {**text, "layer_types": layer_types, "architectures": ["Rnj1ForCausalLM"]}
    windows = [layer.mixer.sliding_window for layer in parse_model_config(config).layers]
    assert windows.count(1024) == 40 and windows.count(None) == 8
    assert windows[5] is None and windows[0] == 1024
    gemma3 = parse_model_config({**config, "architectures": ["Gemma3ForCausalLM"]})
    assert [layer.mixer.sliding_window for layer in gemma3.layers] == [None] * 48


def test_a_zero_head_dim_is_hidden_over_heads_where_vllm_builds_that():
    # vLLM qwen3.py Qwen3Attention `head_dim or hidden_size // total_num_heads` (0.9.1, 0.11.0,
    # 0.17.0, 0.19.1, 0.25.0 and 0.34.0 wheels) makes 0 the fallback too, and
    # ModelConfig.get_head_size does so from 0.25.0 (`head_dim > 0`; 0.9.1-0.24.0 return it
    # as it is): families.ZERO_HEAD_DIM_TYPES.
    # Qwen3-0.6B: 1024 / 16 = 64, 28 layers x 8 KV heads x 64 x (K, V) x 2 B = 57,344 B.
    config, _ = load_ref_config("Qwen__Qwen3-0.6B")
    spec = parse_model_config({**config, "head_dim": 0})
    assert {layer.mixer.head_dim for layer in spec.layers} == {64}
    assert kv_bytes_per_token(spec, 2) == 2 * 28 * 8 * 64 * 2 == 57_344
    assert spec.zero_head_dim == "config.json: head_dim"
    assert ("head_dim 0: read as hidden_size / num_attention_heads = 1024 / 16 = 64, as vLLM's "
            "qwen3 attention builds it") in " ".join(spec.assumptions)
    # Qwen2.5-72B: qwen2.py reads no head_dim (hidden_size // total_num_heads): 8,192 / 64
    qwen2, _ = load_ref_config("Qwen__Qwen2.5-72B-Instruct")
    spec = parse_model_config({**qwen2, "head_dim": 0})
    assert {layer.mixer.head_dim for layer in spec.layers} == {128}


def test_a_zero_head_dim_on_mimo_and_granitemoeshared_is_hidden_over_heads():
    # mimo.py MiMoModel subclasses qwen2.py's Qwen2Model (Qwen2DecoderLayer -> Qwen2Attention
    # `self.head_dim = hidden_size // self.total_num_heads`; mimo_mtp.py's MTP block is a
    # Qwen2DecoderLayer too) and granitemoeshared.py GraniteMoeSharedDecoderLayer builds
    # granitemoe.py's GraniteMoeAttention (the same line): no head_dim read, 0.24.0-0.34.0
    # wheels. MiMo-7B-Base (catalog): 4,096 / 32 = 128; 36 layers x 8 KV heads x 128 x (K, V)
    # x 2 B = 147,456 B a token
    spec = parse_model_config(_config("XiaomiMiMo/MiMo-7B-Base", head_dim=0))
    assert {layer.mixer.head_dim for layer in spec.layers} == {128}
    assert kv_bytes_per_token(spec, 2) == 36 * 8 * 128 * 2 * 2 == 147_456
    assert spec.zero_head_dim == "config.json: head_dim"
    assert ("head_dim 0: read as hidden_size / num_attention_heads = 4096 / 32 = 128, as vLLM's "
            "mimo attention builds it") in " ".join(spec.assumptions)
    # GRANITE_SHARED (test_granitemoehybrid.py): hidden 64 / 4 heads = 16; 2 layers x 2 KV
    # heads x 16 x (K, V) x 2 B = 256 B a token
    spec = parse_model_config({**GRANITE_SHARED, "head_dim": 0})
    assert {layer.mixer.head_dim for layer in spec.layers} == {16}
    assert kv_bytes_per_token(spec, 2) == 2 * 2 * 16 * 2 * 2 == 256
    assert "granitemoeshared attention builds it" in " ".join(spec.assumptions)


def test_a_zero_head_dim_on_mimo_plans_from_vllm_0_25_as_its_128():
    # the release pins are get_head_size's (ZERO_HEAD_DIM_FALLBACK_FROM): 0 read as 0 to 0.24.0,
    # hidden / heads from 0.25.0, where MiMo-7B with head_dim 0 plans as with its 128: the same
    # 147,456 B a token, so the same KV pool and blocks on one H100
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def planned(head_dim: int, version: str):
        return plan(PlanRequest(
            model=parse_model_config(_config("XiaomiMiMo/MiMo-7B-Base", head_dim=head_dim)),
            cluster=preset_cluster("h100-sxm", 1), layout=ParallelLayout(tp=1),
            engine=EngineSettings(vllm_version=version)))
    assert planned(0, "0.24.0").errors[0].startswith(
        "config.json: head_dim is 0: vLLM 0.24.0's ModelConfig.get_head_size reads it as 0")
    zero, given = planned(0, "0.25.0"), planned(128, "0.25.0")
    assert zero.errors == [] and zero.kv_bytes_per_token == 147_456
    assert (zero.num_gpu_blocks, zero.kv_cache_bytes_per_gpu) == (
        given.num_gpu_blocks, given.kv_cache_bytes_per_gpu)


def test_a_zero_head_dim_is_refused_where_vllm_keeps_it():
    # mixtral.py MixtralAttention falls back only where getattr(config, "head_dim", None) is
    # None (0.9.1-0.34.0 wheels): 0 stays, an attention 0 wide
    config, _ = load_ref_config("mistralai__Mixtral-8x7B-Instruct-v0.1")
    with pytest.raises(ConfigError, match=r"^config.json: head_dim is 0: Headroom plans a "
                       r"head_dim of 0 only where vLLM's attention is then hidden_size / "
                       r"num_attention_heads wide \(llama, .*\); mixtral's is not"):
        parse_model_config({**config, "head_dim": 0})
    # qwen3_next.py Qwen3NextAttention (0.25.0 and 0.34.0 wheels): `config.head_dim or
    # (self.hidden_size // self.num_heads)`, num_heads = num_attention_heads // tp_size: for
    # Qwen3-Next-80B-A3B (hidden 2,048, 16 heads) 2,048 / 16 = 128 at TP 1 but 2,048 / 8 = 256
    # at TP 2, wider than the checkpoint's projections: refused, not planned at 128
    config, _ = load_ref_config("Qwen__Qwen3-Next-80B-A3B-Instruct")
    with pytest.raises(ConfigError, match=r"qwen3_next's is not .*qwen3_next\.py falls back "
                       r"to hidden_size over one TP rank's heads"):
        parse_model_config({**config, "head_dim": 0})


def test_a_zero_head_dim_is_refused_before_vllm_0_25_reads_it_as_the_fallback():
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    config, _ = load_ref_config("Qwen__Qwen3-0.6B")
    spec = parse_model_config({**config, "head_dim": 0})

    def errors(version: str) -> list[str]:
        return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                                layout=ParallelLayout(tp=1),
                                engine=EngineSettings(vllm_version=version))).errors
    assert errors("0.24.0") == [
        "config.json: head_dim is 0: vLLM 0.24.0's ModelConfig.get_head_size reads it as 0 (it "
        "falls back to hidden_size / num_attention_heads from 0.25.0), which the attention "
        "backends' metadata builders take (flash_attn.py FlashAttentionMetadataBuilder "
        "headdim): not planned; remove head_dim, or plan vLLM 0.25.0 or later"]
    assert errors("0.25.0") == errors("0.34.0") == []
