"""Parallel layouts: vLLM's PP layer split and the validity checks."""

from types import SimpleNamespace

import pytest

from planner.model.quant import scheme, what_if_scheme
from planner.model.spec import AttentionMixer, DenseMlp, LayerSpec, ModelSpec, MoeMlp, QuantSpec
from planner.serving.layout import (
    ParallelLayout,
    group_size,
    layout_errors,
    layout_warnings,
    pp_layer_split,
)


def _spec(heads: int = 64, kv_heads: int = 4, experts: int | None = 128) -> ModelSpec:
    """A small hand-built spec: 4 layers of GQA attention, MoE or dense MLP."""
    mlp = (
        MoeMlp(num_experts=experts, experts_per_token=8, expert_intermediate_size=1536)
        if experts
        else DenseMlp(intermediate_size=4096)
    )
    mixer = AttentionMixer(num_heads=heads, num_kv_heads=kv_heads, head_dim=128, v_head_dim=128)
    layers = tuple(LayerSpec(index=i, mixer=mixer, mlp=mlp) for i in range(4))
    return ModelSpec(
        model_type="test", hidden_size=4096, vocab_size=151936, layers=layers,
        tie_word_embeddings=False, torch_dtype="bfloat16", max_position_embeddings=40960,
    )


def _cluster(gpus: int) -> SimpleNamespace:
    return SimpleNamespace(gpu_count=gpus)


def test_pp_split_gives_remainder_to_stages_before_last():
    # 94 // 4 = 23, remainder 2 -> partitions[-2] and [-3] get +1: [23, 24, 24, 23]
    assert [len(r) for r in pp_layer_split(94, 4)] == [23, 24, 24, 23]
    # 61 // 4 = 15, remainder 1 -> partitions[-2] + 1: [15, 15, 16, 15] (DeepSeek-V3)
    assert [len(r) for r in pp_layer_split(61, 4)] == [15, 15, 16, 15]
    stages = pp_layer_split(32, 3)  # 10 each + 2 -> [11, 11, 10]
    assert [(r.start, r.stop) for r in stages] == [(0, 11), (11, 22), (22, 32)]


def test_pp_split_rejects_more_stages_than_layers():
    with pytest.raises(ValueError, match="cannot split 2 layers over 3"):
        pp_layer_split(2, 3)


def test_layout_gpus_and_label():
    layout = ParallelLayout(tp=2, pp=2, dp=2, ep=True)
    assert layout.gpus == 8 and layout.ep_size == 4
    assert layout.label() == "TP=2 x PP=2 x DP=2 + EP"


def test_valid_layout_has_no_errors():
    # 64 heads / 8 = 8; 4 KV heads replicated 8 // 4 = 2 times; 1536 / 8 = 192
    assert layout_errors(_spec(), _cluster(8), ParallelLayout(tp=8)) == []


def test_errors_name_the_reason():
    errors = layout_errors(_spec(heads=40, kv_heads=8), _cluster(4), ParallelLayout(tp=3, pp=2))
    text = " ".join(errors)
    assert "needs 6 GPUs" in text and "has 4" in text
    assert "attention heads (40) must be divisible by tensor parallel size (3)" in text
    assert "8 KV heads" in text
    assert "expert intermediate size (1536) is not divisible" not in text  # 1536 % 3 == 0


def test_expert_parallel_checks():
    ep6 = ParallelLayout(tp=2, dp=3, ep=True)  # EP size 6; 128 % 6 = 2
    assert any("not divisible by the expert-parallel size 6" in e
               for e in layout_errors(_spec(heads=6, kv_heads=2), _cluster(6), ep6))
    dense = layout_errors(_spec(experts=None), _cluster(2), ParallelLayout(tp=2, ep=True))
    # vLLM's words (config/model.py _verify_with_expert_parallelism, 0.19.0/0.33.0 wheels)
    assert any(e.endswith(": Number of experts in the model must be greater than 0 when "
                          "expert parallelism is enabled.") for e in dense)


# --- GPTQ/AWQ kernel alignment (vLLM Marlin checks), sizes worked by hand ---------------

G128 = scheme("w4a16-gptq-g128")
EIGHT = SimpleNamespace(gpu_count=8)
STRICT = "0.24.0"  # the last release whose Marlin MoE check pads no expert width


def test_group_size_from_the_scheme():
    assert group_size(G128) == 128
    assert group_size(scheme("w4a16-awq-g128")) == 128
    assert group_size(scheme("w4a16-gptq-g32")) == 32
    assert group_size(scheme("bf16")) is None and group_size(scheme("fp8-tensor")) is None
    assert group_size(None) is None


def test_seed_moe_falls_back_without_ep_only():
    spec = _spec()  # 1536-wide experts, hidden 4096
    # TP=8 slices each expert: 1536 / 8 = 192; 192 % max(64, 128) = 64 -> WNA16 fallback
    (warning,) = layout_warnings(spec, ParallelLayout(tp=8), G128, STRICT)
    assert "192 wide" in warning and "--enable-expert-parallel keeps experts whole" in warning
    # EP keeps experts whole: 1536 % 128 = 0 -> Marlin; TP=4: 1536 / 4 = 384 = 3 x 128
    assert layout_warnings(spec, ParallelLayout(tp=8, ep=True), G128, STRICT) == []
    assert layout_warnings(spec, ParallelLayout(tp=4), G128, STRICT) == []
    # group 32: need max(64, 32) = 64 and 192 = 3 x 64 -> Marlin at TP=8
    assert layout_warnings(spec, ParallelLayout(tp=8), scheme("w4a16-gptq-g32"), STRICT) == []
    # not a group-quantized format: no kernel question
    assert layout_warnings(spec, ParallelLayout(tp=8), scheme("fp8-tensor"), STRICT) == []
    # still a layout vLLM runs
    assert layout_errors(spec, EIGHT, ParallelLayout(tp=8), G128, STRICT) == []
    # without EP DP slices each expert too (tp x dp): TP=4 x DP=2 -> 1536 / 8 = 192 again
    (warning,) = layout_warnings(spec, ParallelLayout(tp=4, dp=2), G128, STRICT)
    assert "192 wide" in warning


def test_dp_without_ep_needs_the_expert_width_divisible_by_tp_x_dp():
    # vLLM FusedMoEConfig: intermediate_size % (tp x dp) == 0 without EP; 1536 / (2 x 3) = 256
    # runs, TP=1 x DP=9: 1536 % 9 = 6 is refused; with EP the experts stay whole
    spec = _spec(heads=6, kv_heads=2)
    assert layout_errors(spec, _cluster(6), ParallelLayout(tp=2, dp=3)) == []
    (error,) = layout_errors(spec, _cluster(9), ParallelLayout(tp=1, dp=9))
    assert error == ("The expert intermediate size (1536) is not divisible by the MoE layer's "
                     "tensor parallel size (9: tp x dp without EP); try "
                     "--enable-expert-parallel.")


def test_dense_row_parallel_input_must_hold_whole_groups():
    # Llama-2-7B-like down_proj of 11,008 inputs: TP=4 -> 2,752 = 21.5 x 128 -> refused;
    # TP=2 -> 5,504 = 43 x 128 -> fine. o_proj: 32 heads x 128 / 4 = 1,024 = 8 x 128.
    spec = _spec(heads=32, kv_heads=32, experts=None).model_copy(update={"layers": tuple(
        layer.model_copy(update={"mlp": DenseMlp(intermediate_size=11008)})
        for layer in _spec(heads=32, kv_heads=32, experts=None).layers
    )})
    (error,) = layout_errors(spec, EIGHT, ParallelLayout(tp=4), G128, STRICT)
    assert error.startswith("The input size is not aligned with the quantized weight shape")
    assert "down_proj takes 2752 inputs per GPU" in error
    assert layout_errors(spec, EIGHT, ParallelLayout(tp=2), G128, STRICT) == []
    assert layout_errors(spec, EIGHT, ParallelLayout(tp=4)) == []  # no scheme: not checked
    assert layout_errors(spec, EIGHT, ParallelLayout(tp=4), scheme("bf16"), STRICT) == []


def test_moe_wna16_fallback_needs_a_group_of_32_or_more():
    # vLLM MoeWNA16Method.create_weights halves the group until it divides the per-GPU expert
    # width and hidden (4096), asserting group_size >= 32 (0.19.0/0.30.0/0.33.0 wheels).
    spec = _spec()  # 1536-wide experts
    # TP=16: 1536 / 16 = 96 -> Marlin needs 128: fallback; 128, 64 do not divide 96, 32 does
    assert layout_errors(spec, _cluster(16), ParallelLayout(tp=16), G128, STRICT) == []
    # TP=32: 48 -> 128, 64, 32 do not divide 48; 16 < 32 -> the assertion stops the load
    (error,) = layout_errors(spec, _cluster(32), ParallelLayout(tp=32), G128, STRICT)
    assert "`assert group_size >= 32`" in error and "48 wide per GPU at TP=32" in error
    # EP keeps the experts whole (1536 = 12 x 128): Marlin, no fallback
    assert layout_errors(spec, _cluster(32), ParallelLayout(tp=32, ep=True), G128, STRICT) == []
    # a compressed-tensors checkpoint falls back to CompressedTensorsWNA16MoEMethod, which
    # has no such assertion: only the GPTQ/AWQ path (and a what-if) is refused
    stored = scheme("w4a16-gptq-g128")
    ct = spec.model_copy(update={"quant": QuantSpec(method="compressed-tensors",
                                                    scheme=stored.key, group_size=128,
                                                    summary="W4A16")})
    assert layout_errors(ct, _cluster(32), ParallelLayout(tp=32), stored, STRICT) == []
    gptq = spec.model_copy(update={"quant": QuantSpec(method="gptq", scheme=stored.key,
                                                      group_size=128, summary="W4A16")})
    assert len(layout_errors(gptq, _cluster(32), ParallelLayout(tp=32), stored, STRICT)) == 1


def _experts_768(quant: QuantSpec | None = None) -> ModelSpec:
    """Qwen3-30B-A3B's expert shape (../shared/model-configs/Qwen__Qwen3-30B-A3B.json:
    moe_intermediate_size 768, hidden_size 2048)."""
    base = _spec(heads=32, kv_heads=4)
    mlp = MoeMlp(num_experts=128, experts_per_token=8, expert_intermediate_size=768)
    return base.model_copy(update={"hidden_size": 2048, "quant": quant, "layers": tuple(
        layer.model_copy(update={"mlp": mlp}) for layer in base.layers)})


def test_marlin_moe_pads_the_expert_width_from_0_25():
    # marlin_utils.check_moe_marlin_supports_layer: width % max(64, group) up to the 0.24.0
    # wheel; from 0.25.0 GPTQ/AWQ without act-order pass allow_tile_padding: width % group
    spec, tp8 = _experts_768(), ParallelLayout(tp=8)  # 768 / 8 = 96 wide per GPU
    for release in ("0.19.0", "0.24.0", "0.25.0", "0.30.0", "0.33.0"):
        # group 128: 96 % 128 = 96 under either rule -> MoE WNA16 on every release, which
        # halves 128 -> 64 -> 32 (96 = 3 x 32, 2048 = 64 x 32) and loads
        (warning,) = layout_warnings(spec, tp8, G128, release)
        assert "96 wide per GPU at TP=8" in warning
        assert layout_errors(spec, EIGHT, tp8, G128, release) == []
    g32 = scheme("w4a16-gptq-g32")
    for release in ("0.19.0", "0.24.0"):  # 96 % max(64, 32) = 32 -> fallback
        (warning,) = layout_warnings(spec, tp8, g32, release)
        assert "not a multiple of max(64, group 32) = 64" in warning
        assert "from 0.25.0, not in " + release in warning
    for release in ("0.25.0", "0.27.0", "0.33.0"):  # 96 % 32 = 0 -> Marlin MoE
        assert layout_warnings(spec, tp8, g32, release) == []
        assert layout_warnings(spec, tp8, scheme("w4a16-awq-g32"), release) == []
    # the padded rule still needs whole groups: the seed's 1536 / 8 = 192, 192 % 128 = 64
    (warning,) = layout_warnings(_spec(), tp8, G128, "0.33.0")
    assert "not a multiple of group 128, which vLLM 0.33.0 pads to" in warning


def test_act_order_gptq_keeps_the_strict_marlin_moe_rule_until_0_30():
    # auto_gptq.py passes allow_tile_padding=not self.desc_act in the 0.25.0-0.29.0 wheels,
    # True from 0.30.0: a desc_act group-32 checkpoint 96 wide per GPU (96 % 64 = 32)
    stored = scheme("w4a16-gptq-g32")
    spec = _experts_768(QuantSpec(method="gptq", scheme=stored.key, weight_bits=4,
                                  group_size=32, act_order=True, summary="GPTQ int4"))
    tp8 = ParallelLayout(tp=8)
    for release in ("0.25.0", "0.29.0"):
        (warning,) = layout_warnings(spec, tp8, stored, release)
        assert "vLLM pads act-order experts from 0.30.0, not in " + release in warning
    assert layout_warnings(spec, tp8, stored, "0.30.0") == []
    # a what-if in that format is quantized without act-order: padded from 0.25.0
    assert layout_warnings(spec, tp8, what_if_scheme(stored.key), "0.25.0") == []


def test_a_scheme_needs_the_release():
    with pytest.raises(TypeError, match="needs the vllm_version"):
        layout_errors(_spec(), EIGHT, ParallelLayout(tp=8), G128)


def test_a_group_marlin_moe_does_not_take_falls_back_at_every_layout():
    # vLLM marlin_utils.check_moe_marlin_supports_layer: group_size in [-1, 32, 64, 128]
    # (0.19.0, 0.27.0, 0.30.0, 0.33.0 wheels). Group 256 with 1536-wide experts: EP keeps
    # 1536 whole and 1536 % 256 = 0 (hidden 4096 % 128 = 0), yet the group alone sends the
    # experts to MoE WNA16, on the padding releases too; group 128 there runs Marlin MoE
    g256, spec = scheme("w4a16-gptq-g256"), _spec()
    for version in (STRICT, "0.33.0"):
        (warning,) = layout_warnings(spec, ParallelLayout(tp=8, ep=True), g256, version)
        assert "MoE WNA16" in warning and "not 256" in warning
        assert "--enable-expert-parallel" not in warning
        assert layout_warnings(spec, ParallelLayout(tp=8, ep=True), G128, version) == []
    # MoE WNA16 takes group 256: 1536 % 256 = 0 and 4096 % 256 = 0, nothing halved: it loads
    assert layout_errors(spec, _cluster(8), ParallelLayout(tp=8, ep=True), g256, "0.33.0") == []
