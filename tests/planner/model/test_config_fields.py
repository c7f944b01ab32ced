"""FieldLog: each architecture figure once, with the layers it holds for when not all.

Layer ranges are read off the reference configs by hand (tests/fixtures/configs), never
taken from the parser's output.
"""

from collections import Counter

import pytest

from planner.catalog import catalog_entry
from planner.model.config.fields import FieldLog
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.spec import AttentionMixer, DenseMlp, LayerSpec, MoeMlp
from tests.conftest import CONFIG_DIR, load_ref_config

NAMES = sorted(
    p.stem for p in CONFIG_DIR.glob("*.json") if not p.name.endswith(".hf_quant_config.json")
)


def fields_of(name: str) -> dict[str, tuple[str, str]]:
    config, quant = load_ref_config(name)
    spec = parse_model_config(config, quant, name=name)
    return {f.field: (f.value, f.source) for f in spec.fields}


@pytest.mark.parametrize("name", NAMES)
def test_each_figure_appears_once(name):
    config, quant = load_ref_config(name)
    labels = Counter(f.field for f in parse_model_config(config, quant).fields)
    assert max(labels.values()) == 1, labels


def test_deepseek_v3_moe_figures_name_their_layers():
    # config.json: num_hidden_layers 61, first_k_dense_replace 3 -> layers 0-2 dense,
    # 3-60 MoE; n_routed_experts 256, num_experts_per_tok 8, moe_intermediate_size 2048,
    # intermediate_size 18432.
    fields = fields_of("deepseek-ai__DeepSeek-V3")
    assert fields["experts"] == (
        "256 (layers 3-60); dense in layers 0-2", "config.json: n_routed_experts"
    )
    assert fields["experts per token"][0] == "8 (layers 3-60); dense in layers 0-2"
    assert fields["expert width"][0] == "2048 (layers 3-60); dense in layers 0-2"
    assert fields["MLP width"][0] == "18432 (layers 0-2); MoE in layers 3-60"
    assert fields["rotary dim"] == ("64", "config.json: qk_rope_head_dim")


def test_mla_figures_are_the_values_planned_a_class_default_and_a_null_included():
    # DeepSeek-V2-Lite-Chat (the catalog's config): q_lora_rank null, so vLLM's q_proj takes the
    # hidden size (deepseek_v2.py `if self.q_lora_rank is not None`); the card read "None" with
    # source "default". Left out, DeepseekV2Config's default 1536 is planned (q_a_proj 2,048 x
    # 1,536 + its norm 1,536 + q_b_proj 1,536 x 16 x 192 = 7,865,856 a layer against q_proj's
    # 2,048 x 16 x 192 = 6,291,456: 27 x 1,574,400 = 42,508,800 parameters more) and the card
    # read "None" too; so did a left-out qk_rope_head_dim, planned at the class's 64
    config = catalog_entry("deepseek-ai/DeepSeek-V2-Lite-Chat").config
    spec = parse_model_config(config)
    fields = {f.field: (f.value, f.source) for f in spec.fields}
    assert fields["Q LoRA rank"] == ("none: q_proj from the hidden size",
                                     "config.json: q_lora_rank")
    rest = {k: v for k, v in config.items() if k not in ("q_lora_rank", "qk_rope_head_dim")}
    left_out = parse_model_config(rest)
    fields = {f.field: (f.value, f.source) for f in left_out.fields}
    assert (fields["Q LoRA rank"], fields["rotary dim"]) == (("1536", "default"), ("64", "default"))
    assert count_params(left_out).total - count_params(spec).total == 42_508_800


def test_uniform_figures_keep_a_plain_value():
    # Qwen3-235B-A22B: every one of its 94 layers is MoE with 128 experts.
    assert fields_of("Qwen__Qwen3-235B-A22B")["experts"] == ("128", "config.json: num_experts")


def test_gemma4_head_dims_differ_between_layer_kinds():
    # config.json: 30 layers, layer_types full on 5, 11, 17, 23, 29; head_dim 256,
    # global_head_dim 512; num_key_value_heads 8, num_global_key_value_heads 2.
    fields = fields_of("google__gemma-4-26B-A4B")
    value, source = fields["head dim"]
    assert value == "256 (sliding window layers); 512 (layers 5, 11, ..., 29)"
    assert source == "config.json: text_config.head_dim; config.json: text_config.global_head_dim"
    assert fields["KV heads"][0] == "8 (sliding window layers); 2 (layers 5, 11, ..., 29)"


def test_maverick_alternating_moe_layers():
    # interleave_moe_layer_step 2 over 48 layers: odd layers MoE (128 experts), even dense
    # (intermediate_size_mlp 16384).
    fields = fields_of("meta-llama__Llama-4-Maverick-17B-128E-Instruct")
    assert fields["experts"][0] == "128 (layers 1, 3, ..., 47); dense in layers 0, 2, ..., 46"
    assert fields["MLP width"] == (
        "16384 (layers 0, 2, ..., 46); MoE in layers 1, 3, ..., 47",
        "config.json: text_config.intermediate_size_mlp",
    )


def test_qwen3_next_attention_figures_only_on_full_layers():
    # full_attention_interval 4 over 48 layers: 3, 7, ..., 47 full; 36 gated DeltaNet.
    fields = fields_of("Qwen__Qwen3-Next-80B-A3B-Instruct")
    assert fields["head dim"][0] == "256 (layers 3, 7, ..., 47); linear attention in 36 layers"


def test_nas_mlp_widths_summarised_as_a_range():
    # Nemotron-Super-49B block_configs: ffn_mult 0.5 .. 3.5 at hidden 8192 gives widths
    # from 256*ceil(int(2*0.5*8192/3)/256) = 2816 to 256*ceil(int(2*3.5*8192/3)/256) = 19200;
    # the 5.25 blocks give 28672 (2*5.25*8192/3 = 28672). 80 layers, some with no FFN.
    value, source = fields_of("nvidia__Llama-3_3-Nemotron-Super-49B-v1")["MLP width"]
    assert value.startswith("varies per layer:")
    assert "from 2816 to 28672" in value
    assert source == "derived: block_configs[].ffn.ffn_mult (DeciLM rounding)"


def _layers(kinds: str) -> list[LayerSpec]:
    """A layer per character: 'd' dense full-attention layer, 'm' MoE sliding layer."""
    attn = {"num_heads": 4, "num_kv_heads": 2, "head_dim": 8, "v_head_dim": 8}
    out = []
    for i, ch in enumerate(kinds):
        mixer = AttentionMixer(**attn, kind="full" if ch == "d" else "sliding",
                               sliding_window=None if ch == "d" else 16)  # fmt: skip
        mlp = DenseMlp(intermediate_size=32) if ch == "d" else MoeMlp(
            num_experts=4, experts_per_token=1, expert_intermediate_size=16
        )
        out.append(LayerSpec(index=i, mixer=mixer, mlp=mlp))
    return out


def test_field_log_wording():
    layers = _layers("dmdmdmmdm")  # dense: 0, 2, 4, 7; MoE: 1, 3, 5, 6, 8
    log = FieldLog()
    log.add("hidden size", "64", "config.json: hidden_size")
    for i in (1, 3, 5, 6, 8):
        log.add("experts", "4", "config.json: num_experts", i, "mlp")
    for i in (0, 2, 4, 7):
        log.add("MLP width", "32", "config.json: intermediate_size", i, "mlp")
    for i in range(9):
        log.add("head dim", "8" if i < 8 else "16", "k", i, "mixer")
    out = {f.field: f.value for f in log.sources(layers)}
    assert list(out) == ["hidden size", "experts", "MLP width", "head dim"]
    assert out["hidden size"] == "64"
    # MoE layers: 4 runs (1, 3, 5-6, 8), unevenly spaced -> named by their kind; the dense
    # rest (0, 2, 4, 7: 4 runs, uneven) -> counted.
    assert out["experts"] == "4 (MoE layers); dense in 4 layers"
    assert out["MLP width"] == "32 (dense layers); MoE in 5 layers"
    # up to three runs are listed as they are
    assert out["head dim"] == "8 (layers 0-7); 16 (layer 8)"


def test_layer_pattern_from_layer_types_counts_each_kind(ref_config):
    # The architecture card's "layer pattern" from layer_types: the count of each kind, in the
    # order the layers first show it (it said "layer_types", the key's name). gpt-oss-120b:
    # 36 layers, even ones sliding (vLLM gpt_oss.py) -> 18 sliding / 18 full. Qwen3.5-27B: 64
    # layers, every 4th full attention, the rest Gated DeltaNet -> 48 linear / 16 full.
    from planner.model.config.parser import parse_model_config

    for name, pattern in (("openai__gpt-oss-120b", "18 sliding / 18 full"),
                          ("Qwen__Qwen3.5-27B", "48 linear / 16 full")):
        config, quant = ref_config(name)
        fields = {f.field: f for f in parse_model_config(config, quant, name=name).fields}
        assert fields["layer pattern"].value == pattern
        assert fields["layer pattern"].source.endswith("layer_types")
