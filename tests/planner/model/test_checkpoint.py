"""Checkpoint metadata aggregation and the architecture-vs-checkpoint parameter check.

Every expected figure is worked out by hand in the comments from tensor shapes.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.model.checkpoint import (
    CheckpointError,
    CheckpointFile,
    build_checkpoint_metadata,
    compare_param_counts,
    is_quant_aux_tensor,
    logical_params,
)

# A toy gpt-oss MoE layer in MXFP4: 2 experts, 64 outputs, hidden 64 = 2 blocks of 32 values.
# blocks [2, 64, 2, 16] U8 = 4096 bytes = 8192 fp4 weights (2 per byte) = 2 x 64 x 64.
# scales [2, 64, 2] U8 = 256 (one E8M0 scale per 32-value block), router [2, 64] BF16 = 128.
MXFP4_TENSORS = [
    ("model.layers.0.mlp.experts.gate_up_proj_blocks", "U8", 2 * 64 * 2 * 16),
    ("model.layers.0.mlp.experts.gate_up_proj_scales", "U8", 2 * 64 * 2),
    ("model.layers.0.mlp.router.weight", "BF16", 2 * 64),
]

# DeepSeek-V3 fp8 block quant: a [7168, 18432] F8_E4M3 weight with one F32 scale per 128x128
# block: ceil(7168/128) x ceil(18432/128) = 56 x 144 = 8064 weight_scale_inv elements.
FP8_TENSORS = [
    ("model.layers.3.mlp.gate_proj.weight", "F8_E4M3", 7168 * 18432),
    ("model.layers.3.mlp.gate_proj.weight_scale_inv", "F32", 56 * 144),
]

# GPTQ int4, group 128, a 4096x4096 layer: qweight [4096/8, 4096] I32 = 2,097,152 elements
# = 16,777,216 weights; qzeros [32, 512] I32 = 16,384; scales [32, 4096] F16 = 131,072;
# g_idx [4096] I32.
GPTQ_TENSORS = [
    ("model.layers.0.self_attn.o_proj.qweight", "I32", 512 * 4096),
    ("model.layers.0.self_attn.o_proj.qzeros", "I32", 32 * 512),
    ("model.layers.0.self_attn.o_proj.scales", "F16", 32 * 4096),
    ("model.layers.0.self_attn.o_proj.g_idx", "I32", 4096),
]


def test_mxfp4_blocks_count_two_weights_per_byte_and_scales_are_left_out():
    meta = build_checkpoint_metadata(MXFP4_TENSORS)
    assert meta.params_by_dtype == {"U8": 4096 + 256, "BF16": 128}
    assert meta.aux_params_by_dtype == {"U8": 256}
    assert meta.total_params == 4480  # stored elements: 4096 + 256 + 128
    assert meta.tensor_bytes == 4096 + 256 + 2 * 128  # 4608
    assert logical_params(meta) == 8192 + 128
    check = compare_param_counts(8320, meta)
    assert check.agrees is True
    assert check.difference_ratio == 0
    assert check.stored_elements == 4480
    assert "4,096 U8 elements read as packed 4-bit" in check.explanation
    assert "256 elements of quantization scales" in check.explanation


def test_fp8_weight_scale_inv_adds_f32_elements_that_are_not_weights():
    meta = build_checkpoint_metadata(FP8_TENSORS)
    assert meta.total_params == 132_120_576 + 8064
    assert meta.tensor_bytes == 132_120_576 + 4 * 8064  # 1 byte per fp8, 4 per F32 scale
    check = compare_param_counts(132_120_576, meta)
    assert check.metadata_params == 132_120_576
    assert check.agrees is True
    assert "8,064 F32" in check.explanation


def test_packed_int4_i32_holds_eight_weights_and_gptq_aux_tensors_are_left_out():
    meta = build_checkpoint_metadata(GPTQ_TENSORS)
    assert meta.aux_params_by_dtype == {"I32": 16_384 + 4096, "F16": 131_072}
    # I32: (2,097,152 + 16,384 + 4,096) x 4 bytes = 8,470,528; F16: 131,072 x 2 = 262,144.
    assert meta.tensor_bytes == 8_470_528 + 262_144
    assert logical_params(meta) == 16_777_216
    check = compare_param_counts(4096 * 4096, meta)
    assert check.agrees is True
    assert "read as packed int4, 8 weights each" in check.explanation


def test_qwen25_72b_published_count_matches_a_hand_count_of_the_architecture():
    # Qwen2.5-72B-Instruct config: hidden 8192, 80 layers, intermediate 29568, 64 q heads,
    # 8 KV heads x 128, q/k/v biases, vocab 152064, untied lm_head. Per layer:
    # q 8192^2 + 8192 bias, k and v 8192*1024 + 1024 each, o 8192^2, MLP 3*8192*29568,
    # 2 norms of 8192 = 877,684,736. Total: 80 layers + 2 x 152064*8192 + final norm 8192
    # = 72,706,203,648, the figure a full shard scan reports (SOURCES.md, source B).
    meta = build_checkpoint_metadata([("all", "BF16", 72_706_203_648)])
    check = compare_param_counts(80 * 877_684_736 + 2 * 152064 * 8192 + 8192, meta)
    assert check.difference_ratio == 0
    assert check.agrees is True


def test_extra_tensors_with_mtp_layers_are_named_as_the_likely_cause():
    # 102,000,000 stored vs 100,000,000 derived: +2 %, over the 1 % tolerance.
    meta = build_checkpoint_metadata([("w", "BF16", 102_000_000)])
    check = compare_param_counts(100_000_000, meta, mtp_layers=1)
    assert check.agrees is False
    assert check.difference_ratio == pytest.approx(0.02)
    assert "2,000,000 more" in check.explanation
    assert "The config declares 1 multi-token-prediction layer, stored" in check.explanation
    assert "not a parser gap" in check.explanation
    without_mtp = compare_param_counts(100_000_000, meta)
    assert "parser gap" in without_mtp.explanation
    assert "multi-token-prediction layer(s)" not in without_mtp.explanation


def test_a_known_mtp_size_attributes_the_gap_exactly():
    # DeepSeek-V3 on the hub: 671B main model + 14B MTP module = 685B (DeepSeek-V3 README).
    meta = build_checkpoint_metadata([("w", "BF16", 685_000_000_000)])
    check = compare_param_counts(671_000_000_000, meta, mtp_layers=1, mtp_params=14_000_000_000)
    assert check.agrees is False  # still flagged: the count differs by 2.09 %
    assert check.difference_ratio == pytest.approx(14 / 671)
    assert ("The 14,000,000,000 parameters of the 1 multi-token-prediction layer account for "
            "it" in check.explanation)
    # MTP parameters known but no layer count: "the declared ... layers"
    unnamed = compare_param_counts(671_000_000_000, meta, mtp_params=14_000_000_000)
    assert "parameters of the declared multi-token-prediction layers account" in \
        unnamed.explanation
    # An MTP size that explains only half of the gap leaves the rest to the parser.
    half = compare_param_counts(671_000_000_000, meta, mtp_layers=1, mtp_params=7_000_000_000)
    assert "leave 7,000,000,000 unexplained" in half.explanation


def test_fewer_stored_parameters_points_at_the_parser():
    meta = build_checkpoint_metadata([("w", "BF16", 90_000_000)])
    check = compare_param_counts(100_000_000, meta, mtp_layers=1)
    assert check.agrees is False
    assert check.difference_ratio == pytest.approx(-0.10)
    assert "10,000,000 fewer" in check.explanation


def test_vision_params_are_added_to_the_architecture_count():
    # 1,000,000 text + 50,000 vision; the checkpoint stores both: 1,050,000.
    meta = build_checkpoint_metadata([("w", "BF16", 1_050_000)])
    check = compare_param_counts(1_000_000, meta, vision_params=50_000)
    assert check.arch_params == 1_050_000
    assert check.agrees is True


def test_just_inside_and_just_outside_one_percent():
    meta_in = build_checkpoint_metadata([("w", "BF16", 101)])  # +1 % of 100
    meta_out = build_checkpoint_metadata([("w", "BF16", 102)])  # +2 %
    assert compare_param_counts(100, meta_in).agrees is True
    assert compare_param_counts(100, meta_out).agrees is False


def test_no_header_means_no_verdict():
    meta = build_checkpoint_metadata([], [CheckpointFile(path="model-Q4_K_M.gguf", size_bytes=10)])
    check = compare_param_counts(1000, meta)
    assert check.agrees is None
    assert check.difference_ratio is None
    assert "cannot be checked" in check.explanation


def test_file_list_sizes_and_gguf_files():
    files = [
        CheckpointFile(path="config.json", size_bytes=700),
        CheckpointFile(path="model-00001-of-00002.safetensors", size_bytes=4_000),
        CheckpointFile(path="model-00002-of-00002.safetensors", size_bytes=1_000),
        CheckpointFile(path="q/model-Q8_0.gguf", size_bytes=9_000),
    ]
    meta = build_checkpoint_metadata([], files)
    assert meta.safetensors_bytes == 5_000
    assert [f.path for f in meta.gguf_files] == ["q/model-Q8_0.gguf"]
    unknown = build_checkpoint_metadata([], [CheckpointFile(path="a.safetensors")])
    assert unknown.safetensors_bytes is None
    assert build_checkpoint_metadata([], files[:1]).safetensors_bytes is None


def test_f4_elements_are_half_a_byte():
    # safetensors F4 counts 4-bit values: 6 of them take 24 bits = 3 bytes.
    assert build_checkpoint_metadata([("w", "F4", 6)]).tensor_bytes == 3


@pytest.mark.parametrize(
    ("name", "aux"),
    [
        ("model.layers.0.mlp.down_proj.weight_scale_inv", True),
        ("model.layers.0.mlp.experts.down_proj_scales", True),
        ("model.layers.0.self_attn.k_proj.k_scale", True),
        ("model.layers.0.self_attn.o_proj.qzeros", True),
        ("model.layers.0.mlp.down_proj.weight.quant_state.bitsandbytes__nf4", True),
        ("model.layers.0.mlp.experts.down_proj_blocks", False),
        ("model.layers.0.self_attn.o_proj.qweight", False),
        ("model.embed_tokens.weight", False),
    ],
)
def test_quant_aux_tensor_names(name, aux):
    assert is_quant_aux_tensor(name) is aux


def test_bad_inputs_are_named():
    with pytest.raises(CheckpointError, match="'Q9'"):
        build_checkpoint_metadata([("w", "Q9", 1)])
    meta = build_checkpoint_metadata([("w", "BF16", 1)])
    with pytest.raises(CheckpointError, match="positive"):
        compare_param_counts(0, meta)
    with pytest.raises(CheckpointError, match="negative"):
        compare_param_counts(1, meta, mtp_layers=-1)


@given(st.dictionaries(st.sampled_from(["BF16", "F16", "F32", "F8_E4M3"]), st.integers(1, 10**12)))
def test_unpacked_dtypes_count_one_weight_per_element(counts):
    meta = build_checkpoint_metadata((f"t{d}", d, n) for d, n in counts.items())
    assert logical_params(meta) == meta.total_params == sum(counts.values())
