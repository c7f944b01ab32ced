"""A config.json that leaves a field out is read with the transformers config-class default
for its model_type (what transformers, and so vLLM, loads), and the assumption says so.

Expected values are the class defaults as written in the transformers 5.24.0 source
(transformers/models/<type>/configuration_<type>.py), worked through by hand.
"""

from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from tests.cli.tiny_model import TINY_CONFIG
from tests.conftest import load_ref_config
from tools.extract_transformers_defaults import extract


def _without(name: str, key: str, text: bool = False) -> dict:
    config, _ = load_ref_config(name)
    del (config["text_config"] if text else config)[key]
    return config


def test_qwen3_head_dim_is_the_class_128_not_hidden_over_heads():
    # Qwen3-0.6B: hidden 1024, 16 heads; Qwen3Config `head_dim: int = 128`. Derived as
    # 1024 / 16 = 64 before, which halved the KV cache per token.
    spec = parse_model_config(_without("Qwen__Qwen3-0.6B", "head_dim"))
    assert {layer.mixer.head_dim for layer in spec.layers} == {128}
    assert ("head_dim missing: assumed 128 (transformers Qwen3Config class default for "
            "model_type 'qwen3')") in spec.assumptions
    sources = {f.field: f.source for f in spec.fields}
    assert sources["head dim"] == "derived: transformers Qwen3Config default"


def test_qwen3_moe_expert_width_is_the_class_768_not_the_dense_width():
    # Qwen3-235B-A22B: 94 MoE layers x 128 experts, hidden 4096, moe_intermediate_size 1536,
    # 235,093,634,560 parameters. Qwen3MoeConfig `moe_intermediate_size: int = 768`; before,
    # intermediate_size (12288, the dense width) was taken and the model came out at 1.8 T.
    # 768 instead of 1536 removes 94 x 128 x 3 x 4096 x 768 = 113,548,197,888 parameters.
    spec = parse_model_config(_without("Qwen__Qwen3-235B-A22B", "moe_intermediate_size"))
    assert {layer.mlp.expert_intermediate_size for layer in spec.layers} == {768}
    assert count_params(spec).total == 235_093_634_560 - 113_548_197_888


def test_qwen3_moe_without_num_experts_is_moe_with_the_class_128():
    # Qwen3-Coder-480B-A35B has 160 experts; Qwen3MoeConfig `num_experts: int = 128`. It was
    # planned as a dense model before.
    spec = parse_model_config(_without("Qwen__Qwen3-Coder-480B-A35B-Instruct", "num_experts"))
    assert {layer.mlp.num_experts for layer in spec.layers} == {128}


def test_a_vl_text_config_takes_its_text_class_default():
    # Qwen3-VL-30B-A3B text_config (qwen3_vl_moe_text): Qwen3VLMoeTextConfig
    # `max_position_embeddings: int = 128000`; 2048 (the Llama fallback) before.
    spec = parse_model_config(
        _without("Qwen__Qwen3-VL-30B-A3B-Instruct", "max_position_embeddings", text=True))
    assert spec.max_position_embeddings == 128_000
    assert any(a.startswith("text_config.max_position_embeddings missing: assumed 128000 "
                            "(transformers Qwen3VLMoeTextConfig") for a in spec.assumptions)


def test_a_left_out_required_figure_takes_the_class_default_with_its_source():
    # LlamaConfig `hidden_size: int = 4096`, `intermediate_size: int = 11008`: transformers
    # loads such a config, so it is planned (refused as "missing" before).
    spec = parse_model_config({"model_type": "llama", "num_hidden_layers": 2,
                               "vocab_size": 100, "num_attention_heads": 8})
    assert spec.hidden_size == 4096
    assert spec.layers[0].mlp.intermediate_size == 11008
    assert spec.layers[0].mixer.head_dim == 4096 // 8
    sources = {f.field: f.source for f in spec.fields}
    assert sources["hidden size"] == ("default: 4096 (transformers LlamaConfig class default "
                                      "for model_type 'llama')")


def test_a_spelling_the_class_does_not_define_still_wins():
    # gpt2-style n_head for a llama config: the config's own figure, not LlamaConfig's 32
    spec = parse_model_config({"model_type": "llama", "hidden_size": 512, "n_head": 8,
                               "num_hidden_layers": 2, "vocab_size": 100,
                               "intermediate_size": 1024})
    assert spec.layers[0].mixer.num_heads == 8


def test_the_extractor_follows_bases_keeps_fields_and_constant_arithmetic(tmp_path: Path):
    folder = tmp_path / "transformers" / "models" / "toy"
    folder.mkdir(parents=True)
    (folder / "configuration_toy.py").write_text(
        "class BaseToy(PreTrainedConfig):\n"
        "    hidden_size: int = 64\n"
        "    head_dim: int | None = None\n"
        "class ToyConfig(BaseToy):\n"
        "    model_type = 'llama'\n"
        "    base_config_key = 'text_config'\n"
        "    hidden_act: str = 'silu'\n"
        "    max_position_embeddings: int = 4096 * 32\n"
        "    tie_word_embeddings: bool = False\n")
    table = extract(tmp_path, "0.0", ("llama",))
    assert table["types"]["llama"]["defaults"] == {"hidden_size": 64,
                                                   "max_position_embeddings": 131_072,
                                                   "tie_word_embeddings": False,
                                                   "hidden_act": "silu"}
    # fields annotated without None, bases' included: a null there is refused (head_dim not)
    assert table["types"]["llama"]["not_null"] == ["hidden_act", "hidden_size",
                                                   "max_position_embeddings",
                                                   "tie_word_embeddings"]


def test_gemma4_without_enable_moe_block_is_dense_as_its_class_says():
    # Gemma4TextConfig `enable_moe_block: bool = False`, and vLLM's gemma4.py builds the
    # experts only when it is true: gemma-4-26B-A4B without the key was planned as MoE.
    spec = parse_model_config(_without("google__gemma-4-26B-A4B", "enable_moe_block", text=True))
    assert {layer.mlp.kind for layer in spec.layers} == {"dense"}
    assert ("text_config.enable_moe_block missing: assumed False (transformers "
            "Gemma4TextConfig class default for model_type 'gemma4_text')") in spec.assumptions


def test_qwen2_without_use_sliding_window_has_no_window():
    # Qwen2Config `use_sliding_window: bool = False`: sliding_window alone does not slide.
    # Every layer was planned as a sliding layer of 131,072 tokens before.
    config = {"model_type": "qwen2", "hidden_size": 512, "num_hidden_layers": 2,
              "vocab_size": 100, "intermediate_size": 1024, "num_attention_heads": 8,
              "num_key_value_heads": 8, "sliding_window": 131072}
    spec = parse_model_config(config)
    assert {layer.mixer.kind for layer in spec.layers} == {"full"}


def test_a_second_spelling_beside_the_first_is_still_reported_unread():
    # num_local_experts is read (vLLM 0.34.0 mixtral.py:247 `num_experts=
    # config.num_local_experts`); num_experts beside it is not, and is named as such
    spec = parse_model_config({"model_type": "mixtral", "hidden_size": 64,
                               "num_hidden_layers": 2, "vocab_size": 10,
                               "intermediate_size": 32, "num_attention_heads": 4,
                               "num_key_value_heads": 2, "num_experts": 4,
                               "num_local_experts": 8, "num_experts_per_tok": 2})
    assert {layer.mlp.num_experts for layer in spec.layers} == {8}
    assert spec.warnings[1:] == ("mixtral: keys not understood (ignored in the counts): "
                                 "num_experts",)


def test_nemotron_h_without_mlp_hidden_act_keeps_its_relu2_mlp():
    # NemotronHConfig `mlp_hidden_act: str = "relu2"`: a non-gated MLP (up and down only).
    # Without the key the MLP was read as gated (gate, up, down): 56,324,350,464 parameters
    # became 70,819,865,088, 14,495,514,624 more = one hidden x width gate per MLP layer.
    spec = parse_model_config(_without("nvidia__Nemotron-H-56B-Base-8K", "mlp_hidden_act"))
    assert count_params(spec).total == 56_324_350_464
    assert {layer.mlp.gated for layer in spec.layers if layer.mlp} == {False}


def test_a_plain_config_without_tie_word_embeddings_takes_its_class_default():
    # Starcoder2Config `tie_word_embeddings: bool = True`: no lm_head of its own. It was
    # planned untied (the Llama-style rule), one vocab x hidden matrix too many:
    # 100 x 64 = 6,400 parameters here.
    base = {"model_type": "starcoder2", "hidden_size": 64, "num_hidden_layers": 2,
            "vocab_size": 100, "intermediate_size": 256, "num_attention_heads": 4,
            "num_key_value_heads": 2}
    spec = parse_model_config(base)
    untied = parse_model_config({**base, "tie_word_embeddings": False})
    assert spec.tie_word_embeddings is True
    assert count_params(untied).total - count_params(spec).total == 100 * 64
    sources = {f.field: f.source for f in spec.fields}
    assert sources["tied embeddings"] == ("default: True (transformers Starcoder2Config class "
                                          "default for model_type 'starcoder2')")


def test_kimi_k2_text_config_reads_as_deepseek_v3():
    # Kimi-K2.5's text_config has model_type kimi_k2, which transformers 5.24.0
    # Kimi_K25Config rewrites to deepseek_v3 and vLLM 0.33.0's _CONFIG_REGISTRY maps to
    # DeepseekV3Config; DeepseekV3Config `max_position_embeddings: int = 4096` (2048, the
    # Llama fallback, before). Kimi-K2-Instruct's top-level kimi_k2 reads the same way.
    spec = parse_model_config(
        _without("moonshotai__Kimi-K2.5", "max_position_embeddings", text=True))
    assert spec.max_position_embeddings == 4096
    assert any(a.startswith("text_config.max_position_embeddings missing: assumed 4096 "
                            "(transformers DeepseekV3Config") for a in spec.assumptions)
    spec = parse_model_config(_without("moonshotai__Kimi-K2-Instruct", "max_position_embeddings"))
    assert spec.max_position_embeddings == 4096


def test_an_expert_count_of_0_is_planned_dense_and_says_so():
    # vLLM 0.33.0 qwen3_moe.py builds Qwen3MoeSparseMoeBlock only where config.num_experts > 0:
    # with 0 every layer is a Qwen3MoeMLP of intermediate_size (Qwen3-235B-A22B: 12288)
    config, _ = load_ref_config("Qwen__Qwen3-235B-A22B")
    spec = parse_model_config({**config, "num_experts": 0})
    assert {layer.mlp.intermediate_size for layer in spec.layers} == {12288}
    assert any(a.startswith("num_experts = 0: no routed experts") and "as vLLM builds it" in a
               for a in spec.assumptions)
    # DeepSeek's (deepseek_v2.py: MoE where n_routed_experts is not None) is refused instead:
    # tests/planner/model/test_config_nulls.py


@pytest.mark.parametrize(("key", "default"), [
    # transformers 5.24.0 models/llama/configuration_llama.py LlamaConfig's annotated defaults
    ("hidden_size", 4096), ("num_hidden_layers", 32), ("num_attention_heads", 32),
    ("vocab_size", 32000), ("intermediate_size", 11008),
])
def test_a_core_dimension_left_out_is_a_warning_not_only_an_assumption(key, default):
    # review h419 #7: the tiny Llama without hidden_size was planned at LlamaConfig's 4,096
    # (0.62 GiB of weights for the 512-wide model's 0.08) while plan, sweep and plan --json
    # said nothing: the assumption is now a warning too, which they carry
    config = {k: v for k, v in TINY_CONFIG.items() if k != key}
    spec = parse_model_config(config)
    said = f"{key} missing: assumed {default} (transformers LlamaConfig class default for " \
           "model_type 'llama')"
    assert said in spec.assumptions
    assert spec.warnings == (f"{said}: the plan is sized on it, as vLLM builds the model on "
                             "it too; a checkpoint of another size fails vLLM's weight load",)


def test_a_default_that_sizes_no_weight_stays_an_assumption():
    # max_position_embeddings left out takes LlamaConfig's 2048: it bounds the context, sizes
    # no weight, and stays an assumption (inspect and report list it), not a warning
    config = {k: v for k, v in TINY_CONFIG.items() if k != "max_position_embeddings"}
    spec = parse_model_config(config)
    assert any(a.startswith("max_position_embeddings missing") for a in spec.assumptions)
    assert spec.warnings == ()
