"""DeepSeek configs (DeepseekV2/V3ForCausalLM and the classes built on it) read as vLLM's
deepseek_v2.py builds them: its own lm_head whatever tie_word_embeddings says, and
moe_layer_freq taken as `getattr(config, "moe_layer_freq", 1)` and used in
`layer_idx % moe_layer_freq`.

Expected figures are worked by hand from the catalog's DeepSeek-V2-Lite-Chat config.json:
vocab_size 102,400, hidden_size 2,048, 27 layers, first_k_dense_replace 1, bfloat16.
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.quant import SCHEMES
from planner.model.spec import ConfigError, MoeMlp
from planner.serving.weights import weights_bytes
from tests.conftest import load_ref_config

V2_LITE = "deepseek-ai/DeepSeek-V2-Lite-Chat"


def _v2_lite(**changes: object) -> dict:
    entry = catalog_entry(V2_LITE)
    assert entry is not None
    return {**entry.config, **changes}


def test_tie_word_embeddings_true_still_plans_deepseeks_own_lm_head():
    # deepseek_v2.py DeepseekV2ForCausalLM.__init__ builds ParallelLMHead(vocab_size,
    # hidden_size) and never ties it (no tie_weights, no read of the flag; 0.9.1-0.34.0).
    # Planned tied, V2-Lite lost its head: 102,400 x 2,048 = 209,715,200 parameters,
    # x 2 B (bf16) = 419,430,400 B of weights.
    untied = parse_model_config(_v2_lite())
    said_tied = parse_model_config(_v2_lite(tie_word_embeddings=True))
    assert said_tied.tie_word_embeddings is False
    assert count_params(said_tied).lm_head == 102_400 * 2_048 == 209_715_200
    bf16 = SCHEMES["bf16"]
    as_tied = said_tied.model_copy(update={"tie_word_embeddings": True})
    assert (weights_bytes(said_tied, bf16).total_bytes
            - weights_bytes(as_tied, bf16).total_bytes) == 419_430_400
    assert weights_bytes(said_tied, bf16).total_bytes == weights_bytes(untied, bf16).total_bytes
    assert any(w.startswith("config.json: tie_word_embeddings is true, but vLLM's "
                            "DeepseekV2ForCausalLM builds its own lm_head")
               for w in said_tied.warnings)
    assert not any("tie_word_embeddings" in w for w in untied.warnings)


@pytest.mark.parametrize("name", ["deepseek-ai__DeepSeek-V3", "deepseek-ai__DeepSeek-V3.2",
                                  "moonshotai__Kimi-K2-Instruct", "zai-org__GLM-5"])
def test_every_deepseekv2forcausallm_subclass_is_untied(name):
    # DeepseekV3ForCausalLM (kimi_k2 too), DeepseekV32ForCausalLM and GlmMoeDsaForCausalLM
    # subclass DeepseekV2ForCausalLM and inherit its __init__'s lm_head (0.17.0-0.34.0).
    config, _ = load_ref_config(name)
    spec = parse_model_config({**config, "tie_word_embeddings": True})
    assert spec.tie_word_embeddings is False
    assert count_params(spec).lm_head == config["vocab_size"] * config["hidden_size"]


def test_kimi_k25_without_a_top_level_tie_is_untied():
    # Kimi_K25Config holds tie_word_embeddings True when config.json's top level leaves it out
    # (tie.WRAPPER_TIE_DEFAULTS), but kimi_k25.py builds its language model as
    # DeepseekV2ForCausalLM, which never ties.
    config, _ = load_ref_config("moonshotai__Kimi-K2.5")
    config = {k: v for k, v in config.items() if k != "tie_word_embeddings"}
    assert parse_model_config(config).tie_word_embeddings is False


def test_null_moe_layer_freq_is_refused_naming_the_field():
    # vLLM computes layer_idx % moe_layer_freq: `% None` is a TypeError at load
    with pytest.raises(ConfigError, match=r"^config.json: moe_layer_freq is null: vLLM's "
                                          r"deepseek_v2.py computes layer_idx % moe_layer_freq"):
        parse_model_config(_v2_lite(moe_layer_freq=None))


@pytest.mark.parametrize("value", ["2", 0, -1, 1.5, True])
def test_a_moe_layer_freq_that_is_no_positive_integer_is_refused(value):
    with pytest.raises(ConfigError, match=r"^config.json: moe_layer_freq "):
        parse_model_config(_v2_lite(moe_layer_freq=value))


def test_missing_moe_layer_freq_is_vllms_getattr_default_and_says_so():
    # getattr(config, "moe_layer_freq", 1): layers 1-26 MoE (first_k_dense_replace 1), 26 of 27
    config = {k: v for k, v in _v2_lite().items() if k != "moe_layer_freq"}
    spec = parse_model_config(config)
    assert [isinstance(layer.mlp, MoeMlp) for layer in spec.layers] == [False] + [True] * 26
    assert any(a.startswith("moe_layer_freq missing: assumed 1") for a in spec.assumptions)


def test_moe_layer_freq_2_makes_every_other_layer_moe():
    # layer i MoE where i >= 1 and i % 2 == 0: layers 2, 4, ..., 26, 13 of 27
    spec = parse_model_config(_v2_lite(moe_layer_freq=2))
    assert [i for i, layer in enumerate(spec.layers) if isinstance(layer.mlp, MoeMlp)] == list(
        range(2, 27, 2))
    assert not any("moe_layer_freq" in a for a in spec.assumptions)
