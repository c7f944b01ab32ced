"""count_params against hand-worked counts, published totals and the measured meta table.

tests/fixtures/param_counts.json holds counts measured by transformers on the meta device
(tests/planner/model/test_crosscheck_meta.py writes it), so CI without torch still checks them.
"""

import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from tests.conftest import load_ref_config
from tests.planner.model.test_model_spec import e2b

TABLE = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "param_counts.json").read_text()
)["models"]
NOT_MODELLED: dict[str, str] = {}
"""Reference configs whose count is knowingly off (none: DeepSeek-V4 is exact since its own
count, tests/planner/serving/test_weights_dsv4.py)."""
MEASURED = sorted(name for name, row in TABLE.items() if row["count"])


def params_of(name: str):
    config, quant = load_ref_config(name)
    return count_params(parse_model_config(config, quant, name=name))


@pytest.mark.parametrize("name", [n for n in MEASURED if n not in NOT_MODELLED])
def test_text_total_is_the_meta_count(name):
    # exact: a 0.1 % tolerance let a model's q/k norms or biases (0.001-0.05 %) go missing
    assert params_of(name).text_total == TABLE[name]["count"]


def test_gemma4_26b_a4b_by_hand():
    # google/gemma-4-26B-A4B text_config: hidden 2816, vocab 262144 (tied), 30 layers, all
    # MoE (128 experts of 704, top 8) beside a dense MLP of 2112; 16 heads; 25 sliding layers
    # (head_dim 256, 8 KV heads), 5 full (global_head_dim 512, 2 KV heads, attention_k_eq_v:
    # no v_proj). q_norm/k_norm are head_dim vectors.
    # sliding attention: 2816 x 4096 (q) + 2 x 2816 x 2048 (k, v) + 4096 x 2816 (o) + 2 x 256
    #   = 34,603,520; full: 2816 x 8192 + 2816 x 1024 + 8192 x 2816 + 2 x 512 = 49,021,952.
    # MLP 3 x 2816 x 2112 = 17,842,176; experts 128 x 3 x 2816 x 704 = 761,266,176;
    # router proj 2816 x 128 = 360,448 + scale 2816 + per_expert_scale 128 = 363,392;
    # norms 4 + 3 MoE (pre_feedforward_layernorm_2, post_feedforward_layernorm_1/_2) = 7 x 2816
    #   = 19,712, + layer_scalar 1 = 19,713 (transformers modeling_gemma4.py, vLLM gemma4.py).
    # Layers: 25 x 34,603,520 + 5 x 49,021,952 + 30 x (17,842,176 + 761,266,176 + 363,392
    #   + 19,713) = 865,088,000 + 245,109,760 + 23,384,743,710 = 24,494,941,470;
    # + embed 262144 x 2816 = 738,197,504 + final norm 2816 = 25,233,141,790.
    p = params_of("google__gemma-4-26B-A4B")
    assert p.layers[0].router == 363_392
    assert p.layers[0].norms == 19_713
    assert p.text_total == 25_233_141_790


def test_gemma4_31b_dense_by_hand():
    # nvidia/Gemma-4-31B-IT-NVFP4 text_config: hidden 5376, vocab 262144 (tied), 60 dense
    # layers (MLP 21504), 32 heads; 50 sliding (256 x 16 KV heads), 10 full (512 x 4 KV
    # heads, k_eq_v). sliding: 5376 x 8192 + 2 x 5376 x 4096 + 8192 x 5376 + 512 = 132,121,088;
    # full: 5376 x 16384 + 5376 x 2048 + 16384 x 5376 + 1024 = 187,171,840; MLP 3 x 5376 x
    # 21504 = 346,816,512; norms 4 x 5376 = 21,504 + layer_scalar 1 = 21,505.
    # 50 x 132,121,088 + 10 x 187,171,840 + 60 x 346,838,017 = 29,288,053,820
    # + embed 262144 x 5376 = 1,409,286,144 + final norm 5376 = 30,697,345,340.
    p = params_of("nvidia__Gemma-4-31B-IT-NVFP4")
    assert p.layers[0].norms == 21_505
    assert p.text_total == 30_697_345_340


def test_gemma4_e2b_per_layer_embeddings_and_kv_shared_layers_by_hand():
    # google/gemma-4-E2B-it (tests/fixtures/gemma4): hidden 1536, vocab 262144 (tied), 35
    # layers (sliding x 4 + full), 8 heads, 1 KV head, head_dim 256 / global 512, MLP 6144,
    # layers 15-34 KV-shared (double-wide MLP 12288), PLE width 256 over 262144 rows.
    # sliding: 1536 x 2048 (q) + 2 x 1536 x 256 (k, v) + 2048 x 1536 (o) + 2 x 256 (q/k norm)
    #   = 7,078,400; shared sliding (q, o, q_norm only) 6,291,456 + 256 = 6,291,712.
    # full: 1536 x 4096 + 2 x 1536 x 512 + 4096 x 1536 + 2 x 512 = 14,156,800; shared full
    #   12,582,912 + 512 = 12,583,424.
    # MLP 3 x 1536 x 6144 = 28,311,552 (shared: 56,623,104); norms 4 x 1536 + layer_scalar =
    # 6,145; per layer PLE gate 1536 x 256 + projection 256 x 1536 + norm 1536 = 787,968.
    # Layers 0-14: 12 sliding + 3 full; 15-34: 16 sliding + 4 full.
    #   12 x 7,078,400 + 3 x 14,156,800 + 15 x 28,311,552 = 552,084,480
    #   16 x 6,291,712 + 4 x 12,583,424 + 20 x 56,623,104 = 1,283,463,168
    #   35 x (6,145 + 787,968) = 27,793,955
    # PLE table 262,144 x 35 x 256 = 2,348,810,240 + model projection 1536 x 8,960 =
    #   13,762,560 + projection norm 256 = 2,362,573,056; embed 262,144 x 1536 = 402,653,184;
    #   final norm 1536. Total 4,628,569,379: the language model transformers 5.24 builds on
    #   meta from this config (parameters 4,628,569,344 + 35 layer_scalar buffers).
    p = count_params(e2b())
    assert p.layers[0].attention == 7_078_400 and p.layers[15].attention == 6_291_712
    assert p.layers[14].attention == 14_156_800 and p.layers[19].attention == 12_583_424
    assert p.layers[34].dense_mlp == 56_623_104
    assert p.layers[0].per_layer_input == 787_968
    assert p.per_layer_embeddings == 2_362_573_056
    assert p.text_total == 4_628_569_379


def test_qwen25_72b_exact():
    # embed 152064*8192 = 1,245,708,288, untied head: x2 = 2,491,416,576.
    # layer: q 8192^2 + k,v 2*8192*1024 + o 8192^2 = 150,994,944, qkv bias 8192+2*1024,
    # MLP 3*8192*29568 = 726,663,168, norms 2*8192 -> 877,684,736; x80 = 70,214,778,880.
    # + final norm 8192 = 72,706,203,648 (SOURCES.md: full shard scan).
    assert params_of("Qwen__Qwen2.5-72B-Instruct").total == 72_706_203_648


def test_qwen3_235b_total_and_active():
    # layer: attention 71,303,168 + q/k norms 256; experts 128 * 3*4096*1536 =
    # 2,415,919,104; router 4096*128 = 524,288; norms 8192 -> 2,487,755,008; x94 =
    # 233,849,970,752; + embed and head 2*151936*4096 = 1,244,659,712 + final norm 4096
    # = 235,093,634,560. Active: minus 120 unused experts * 18,874,368 * 94 layers
    # (212,902,871,040) = 22,190,763,520 (model card: 22B active).
    p = params_of("Qwen__Qwen3-235B-A22B")
    assert p.total == 235_093_634_560
    assert p.active == 22_190_763_520
    assert p.layers[0].expert_size == 3 * 4096 * 1536
    assert p.embeddings == p.lm_head == 151_936 * 4096


def test_deepseek_v3_main_and_mtp():
    # DeepSeek-V3 README: 671B main model + 14B MTP module = 685B on the hub.
    # MTP by hand: last MoE layer 11,507,286,272 (MLA 187,107,328 + experts 256*3*7168*2048
    # + shared 3*7168*2048 + router 7168*256+256 + norms 2*7168) + enorm/hnorm/norm 3*7168
    # + eh_proj 2*7168^2 + own embed/head 2*129280*7168 = 13,463,426,304.
    p = params_of("deepseek-ai__DeepSeek-V3")
    assert p.text_total == pytest.approx(671e9, rel=2e-3)
    assert p.mtp == 13_463_426_304
    assert p.text_total + p.mtp == pytest.approx(685e9, rel=2e-3)
    assert p.layers[0].attention == 187_107_328
    assert p.active == pytest.approx(37e9, rel=0.02)  # README: 37B activated


def test_qwen3_next_with_mtp_matches_shard_scan():
    # SOURCES.md: 81,324,862,720 including mtp.*; MTP by hand: full-attention MoE layer
    # 1,642,076,672 + 3 norms 3*2048 + fc 2*2048*2048 = 1,650,471,424.
    p = params_of("Qwen__Qwen3-Next-80B-A3B-Instruct")
    assert p.mtp == 1_650_471_424
    assert p.text_total + p.mtp == 81_324_862_720


def test_gpt_oss_published_totals():
    # Model card: gpt-oss-20b 21B total, 3.6B active; gpt-oss-120b 117B total, 5.1B
    # active. The card's active figure leaves out the embedding table (201088*2880).
    small, big = params_of("openai__gpt-oss-20b"), params_of("openai__gpt-oss-120b")
    assert small.total == pytest.approx(21e9, rel=0.01)
    assert big.total == pytest.approx(117e9, rel=0.01)
    assert small.active - small.embeddings == pytest.approx(3.6e9, rel=0.01)
    assert big.active - big.embeddings == pytest.approx(5.1e9, rel=0.02)


def test_nemotron_nas_49b_by_hand():
    # Not buildable without remote code. Model card: 49B. Checked per block from the
    # config: attention 2*8192^2 + 2*8192*(8192/g) where present, MLP 3*8192*w with
    # w = ceil(int(2*mult*8192/3) / 256) * 256, one norm per present sub-block.
    config, _ = load_ref_config("nvidia__Llama-3_3-Nemotron-Super-49B-v1")
    expected = 2 * 128_256 * 8192 + 8192
    for block in config["block_configs"]:
        a, f = block["attention"], block["ffn"]
        if not a["no_op"]:
            expected += 2 * 8192 * 8192 + 2 * 8192 * (8192 // a["n_heads_in_group"]) + 8192
        if not f["no_op"]:
            width = -(-int(2 * f["ffn_mult"] * 8192 / 3) // 256) * 256
            expected += 3 * 8192 * width + 8192
    p = params_of("nvidia__Llama-3_3-Nemotron-Super-49B-v1")
    assert p.total == expected
    assert p.total == pytest.approx(49.9e9, rel=0.01)


def test_tied_embeddings_have_no_lm_head():
    p = params_of("Qwen__Qwen3-0.6B")
    assert p.lm_head == 0 and p.embeddings == 151_936 * 1024


def test_dense_model_active_equals_total():
    p = params_of("meta-llama__Meta-Llama-3.1-8B")
    assert p.active == p.total == 8_030_261_248  # Llama-3.1-8B: 8.03B


def test_vision_tower_counted_apart():
    # Qwen3-VL-32B: text model = Qwen3-32B (same text dims); vision tower about 0.6B.
    vl, text = params_of("Qwen__Qwen3-VL-32B-Instruct"), params_of("Qwen__Qwen3-32B")
    assert vl.text_total == text.text_total
    assert vl.total - vl.text_total == vl.vision
    assert vl.vision == TABLE["Qwen__Qwen3-VL-32B-Instruct"]["vision_count"]  # the meta count
