"""Parallel layouts: vLLM's PP layer split and the validity checks."""


import pytest

from planner.catalog import catalog_spec
from planner.model.quant import scheme, what_if_scheme
from planner.model.spec import AttentionMixer, DenseMlp, LayerSpec, ModelSpec, MoeMlp, QuantSpec
from planner.serving.hardware import ClusterSpec, NodeSpec, gpu_preset, preset_cluster
from planner.serving.layout import (
    ParallelLayout,
    group_size,
    layout_errors,
    layout_warnings,
    moe_wna16_fallback,
    moe_wna16_load,
    pp_layer_split,
    straddling_tp_group,
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


def _cluster(gpus: int) -> ClusterSpec:
    return ClusterSpec(nodes=(NodeSpec(gpu=gpu_preset("h100-sxm"), gpus_per_node=gpus,
                                       intra_node_link="nvlink"),), source="test")


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
    spec6, six = _spec(heads=6, kv_heads=2), _cluster(6)
    # from 0.10.1 vLLM splits them unevenly (determine_expert_map: 22, 22, 21, 21, 21, 21)
    assert layout_errors(spec6, six, ep6) == []
    assert layout_errors(spec6, six, ep6, vllm_version="0.10.1") == []
    # 0.10.0 gives the last rank the rest (21 x 5 + 23), not planned; EPLB's sum must divide
    old = layout_errors(spec6, six, ep6, vllm_version="0.10.0")
    assert old == ["128 routed experts are not divisible by the expert-parallel size 6 (tp x dp): "
                   "vLLM 0.10.0 puts the remaining experts on the last EP rank, which Headroom "
                   "does not plan (from 0.10.1 it plans the uneven split)."]
    assert layout_errors(spec6, six, ep6, redundant_experts=1) == [
        "128 routed + 1 redundant experts (EPLB) = 129 are not divisible by the expert-parallel "
        "size 6 (tp x dp)."]
    dense = layout_errors(_spec(experts=None), _cluster(2), ParallelLayout(tp=2, ep=True))
    # vLLM's words (config/model.py _verify_with_expert_parallelism, 0.19.0/0.33.0 wheels)
    assert any(e.endswith(": Number of experts in the model must be greater than 0 when "
                          "expert parallelism is enabled.") for e in dense)


# --- GPTQ/AWQ kernel alignment (vLLM Marlin checks), sizes worked by hand ---------------

G128 = scheme("w4a16-gptq-g128")
EIGHT = _cluster(8)
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
    # a fact, not advice: EP's busiest-GPU wait and the fallback's unmeasured slowdown leave
    # which is faster to the load, which the speed notes compare (speed.EpMarlin)
    assert warning.endswith("how much slower the fallback runs is not measured (the speed "
                            "model estimates it): which is faster depends on the load (the "
                            "speed notes compare the two).")
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


def test_alignment_refusals_suggest_only_layouts_that_narrow_the_width():
    # A 1,000-wide down_proj in groups of 128: at TP=1 it is the checkpoint's own width
    # (1,000 = 7.8 x 128), so "a smaller TP" would be no way out; at TP=2, 500 = 3.9 x 128
    # and TP=1 is smaller (though it misaligns too, the advice names a narrower layout)
    dense = _spec(heads=8, kv_heads=8, experts=None)
    spec = dense.model_copy(update={"layers": tuple(
        layer.model_copy(update={"mlp": DenseMlp(intermediate_size=1000)})
        for layer in dense.layers)})
    (error,) = layout_errors(spec, EIGHT, ParallelLayout(tp=1), G128, STRICT)
    assert "1000 inputs per GPU" in error and "at TP=1 no layout narrows it" in error
    assert "smaller TP" not in error
    (error,) = layout_errors(spec, EIGHT, ParallelLayout(tp=2), G128, STRICT)
    assert "500 inputs per GPU" in error and "use a smaller TP" in error
    # routed experts sliced by DP alone (TP=1 x DP=32, no EP: 1536 / 32 = 48 wide, MoE
    # WNA16's halving 128, 64, 32 -> 16 < 32): only EP narrows them, TP is already 1
    (error,) = layout_errors(_spec(), _cluster(32), ParallelLayout(tp=1, dp=32), G128, STRICT)
    assert "48 wide per GPU" in error and error.endswith("; use --enable-expert-parallel.")
    # at TP=32 both narrow them
    (error,) = layout_errors(_spec(), _cluster(32), ParallelLayout(tp=32), G128, STRICT)
    assert error.endswith("; use a smaller TP or --enable-expert-parallel.")


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
    # has no such assertion: refused on its own terms (48 % 128 = 48, create_weights), not
    # at MoE WNA16's
    stored = scheme("w4a16-gptq-g128")
    ct = spec.model_copy(update={"quant": QuantSpec(method="compressed-tensors",
                                                    scheme=stored.key, group_size=128,
                                                    summary="W4A16")})
    (error,) = layout_errors(ct, _cluster(32), ParallelLayout(tp=32), stored, "0.33.0")
    assert "assert group_size" not in error and "partition (48)" in error
    gptq = spec.model_copy(update={"quant": QuantSpec(method="gptq", scheme=stored.key,
                                                      group_size=128, summary="W4A16")})
    assert len(layout_errors(gptq, _cluster(32), ParallelLayout(tp=32), stored, STRICT)) == 1


def _expert_bits(*args) -> float:
    """The bits moe_wna16_load gives a layout's routed experts (0.0: as the scheme)."""
    return moe_wna16_load(*args)[1]


def test_moe_wna16_holds_the_experts_in_its_halved_group():
    # vLLM moe_wna16.py MoeWNA16Method.create_weights (0.17.0-0.34.0 source): qweight uint8
    # (E, 2 x width, hidden / 2) + (E, hidden, width / 2), scales in the model dtype (E, 2 x
    # width, hidden / group) + (E, hidden, width / group) at the group halved until it divides
    # width and hidden, packed uint8 zero points (4 / group bits a weight) only where
    # MoeWNA16Config.from_config's has_zp: GPTQ `not sym`, AWQ `zero_point`
    def gptq(sym: bool, method: str = "gptq") -> ModelSpec:
        return _spec().model_copy(update={"quant": QuantSpec(
            method=method, scheme="w4a16-gptq-g128", group_size=128, symmetric=sym,
            summary="W4A16")})

    stored = scheme("w4a16-gptq-g128")
    # the seed at TP=8: 192 wide -> group 64 (192 = 3 x 64), sym: 4 + 16 / 64 = 4.25 bits
    # (Marlin's 4 + 20 / 128 = 4.15625); per layer and GPU 128 x 3 x 4,096 x 192 x 4.25 / 8 B
    # = 128 x (384 x 2,048 + 4,096 x 96) + 128 x (384 x 64 + 4,096 x 3) x 2 = 160,432,128 B
    assert _expert_bits(gptq(True), ParallelLayout(tp=8), stored, STRICT) == 4.25
    # asymmetric: + 4 / 64 zero-point bits
    assert _expert_bits(gptq(False), ParallelLayout(tp=8), stored, STRICT) == 4.3125
    # a what-if GPTQ is taken as symmetric; AWQ keeps its zero points
    assert _expert_bits(_spec(), ParallelLayout(tp=8), G128, STRICT) == 4.25
    awq = what_if_scheme("w4a16-awq-g128")
    assert _expert_bits(_spec(), ParallelLayout(tp=8), awq, STRICT) == 4.3125
    # TP=16: 96 wide -> group 32: 4 + 16 / 32
    assert _expert_bits(gptq(True), ParallelLayout(tp=16), stored, STRICT) == 4.5
    # Marlin MoE takes them (EP keeps 1536 whole; TP=4: 384 = 3 x 128): the scheme's bits
    for layout in (ParallelLayout(tp=8, ep=True), ParallelLayout(tp=4)):
        assert _expert_bits(gptq(True), layout, stored, STRICT) == 0.0
    # TP=32 (48 wide) stops the load; compressed-tensors falls back to its own method
    assert _expert_bits(gptq(True), ParallelLayout(tp=32), stored, STRICT) == 0.0
    assert _expert_bits(gptq(True, "compressed-tensors"), ParallelLayout(tp=8),
                                 stored, STRICT) == 0.0


def test_a_cached_marlin_moe_message_names_the_layout_it_is_for():
    # TP=32 and TP=16 x DP=2 split each expert over the same 32 GPUs (1536 / 32 = 48 wide,
    # refused as above): each message names its own layout, not the first one checked (the
    # cache keyed them by the expert TP alone: a 4,096-GPU plan of TP=64 x PP=32 x DP=2 named
    # TP=1 x PP=32 x DP=128)
    spec, cluster = _spec(), _cluster(32)
    for layout in (ParallelLayout(tp=32), ParallelLayout(tp=16, dp=2)):
        (error,) = layout_errors(spec, cluster, layout, G128, STRICT)
        assert f"48 wide per GPU at {layout.label()}," in error
    for layout in (ParallelLayout(tp=16), ParallelLayout(tp=8, dp=2)):  # 96 wide: a warning
        (warning,) = layout_warnings(spec, layout, G128, STRICT)
        assert f"96 wide per GPU at {layout.label()}," in warning


def _experts_768(quant: QuantSpec | None = None) -> ModelSpec:
    """Qwen3-30B-A3B's expert shape (../shared/model-configs/Qwen__Qwen3-30B-A3B.json:
    moe_intermediate_size 768, hidden_size 2048)."""
    base = _spec(heads=32, kv_heads=4)
    mlp = MoeMlp(num_experts=128, experts_per_token=8, expert_intermediate_size=768)
    return base.model_copy(update={"hidden_size": 2048, "quant": quant, "layers": tuple(
        layer.model_copy(update={"mlp": mlp}) for layer in base.layers)})


def _ct_768(key: str, act_order: bool = False) -> tuple[ModelSpec, object]:
    """Qwen3-30B-A3B's experts as a compressed-tensors WNA16 checkpoint stored in `key`
    (-ct-: symmetric, -gptq-: asymmetric, zero points) and that scheme."""
    group = int(key.rsplit("-g", 1)[1])
    return _experts_768(QuantSpec(method="compressed-tensors", scheme=key, weight_bits=4,
                                  group_size=group, act_order=act_order, summary="W4A16")), \
        scheme(key)


def test_compressed_tensors_wna16_experts_need_whole_groups_per_gpu_from_0_24():
    # vLLM compressed_tensors_moe_wna16.py CompressedTensorsWNA16MoEMethod.create_weights
    # (0.24.0-0.30.0, 0.32.0, 0.33.0 wheels): ValueError unless hidden_size and
    # intermediate_size_per_partition are multiples of group_size; 0.23.0 divides with //.
    # 768-wide experts in groups of 128 at TP=8: 768 / 8 = 96, 96 % 128 = 96 -> refused
    spec, g128 = _ct_768("w4a16-ct-g128")
    tp8 = ParallelLayout(tp=8)
    for release in ("0.24.0", "0.27.0", "0.30.0", "0.33.0"):
        (error,) = layout_errors(spec, EIGHT, tp8, g128, release)
        assert error.startswith(f"vLLM {release} stops loading the compressed-tensors "
                                "symmetric int4, group 128 (W4A16) experts")
        assert ("intermediate size per tensor-parallel partition (96) to be divisible by "
                "group_size (128)") in error
    assert layout_errors(spec, EIGHT, tp8, g128, "0.23.0") == []
    # EP keeps 768 = 6 x 128 whole: Marlin MoE (hidden 2048 = 16 x 128), nothing refused
    assert layout_errors(spec, EIGHT, ParallelLayout(tp=8, ep=True), g128, "0.33.0") == []
    # group 32 on 0.24.0 (strict Marlin rule): 96 % 64 = 32 sends it off Marlin, yet
    # 96 = 3 x 32 and 2048 = 64 x 32 are whole groups: it loads on the WNA16 path
    spec32, g32 = _ct_768("w4a16-ct-g32")
    assert layout_warnings(spec32, tp8, g32, "0.24.0") != []
    assert layout_errors(spec32, EIGHT, tp8, g32, "0.24.0") == []
    # hidden 2880 (gpt-oss's) in groups of 128: 2880 % 128 = 64 -> off Marlin at any layout,
    # and 2880 is not a whole number of groups: refused whatever the layout
    wide = spec.model_copy(update={"hidden_size": 2880})
    (error,) = layout_errors(wide, EIGHT, ParallelLayout(tp=8, ep=True), g128, "0.33.0")
    assert "requires hidden_size (2880) to be divisible by group_size (128)" in error


def test_compressed_tensors_act_order_and_zero_point_experts_off_marlin_per_release():
    # Group 32 at TP=8: 96 wide, 96 % max(64, 32) = 32: off Marlin MoE on the strict rule
    # (act-order until 0.30, vllm_versions.marlin_moe_pads; all until 0.25).
    # compressed_tensors_moe.py get_moe_method raises "WNA16MoE is not supported with
    # actorder=group/dynamic." there in the 0.19.0-0.26.0 wheels; 0.27.0 asks the oracle
    spec, g32 = _ct_768("w4a16-ct-g32", act_order=True)
    tp8 = ParallelLayout(tp=8)
    for release in ("0.19.0", "0.26.0"):
        (error,) = layout_errors(spec, EIGHT, tp8, g32, release)
        assert "WNA16MoE is not supported with actorder=group/dynamic." in error
    assert layout_errors(spec, EIGHT, tp8, g32, "0.27.0") == []
    # asymmetric (zero points, the -gptq- key): CompressedTensorsWNA16MoEMethod asserts
    # symmetric off Marlin in the 0.19.0-0.28.0 wheels. On 0.24.0 96 wide is off Marlin
    spec, asym = _ct_768("w4a16-gptq-g32")
    (error,) = layout_errors(spec, EIGHT, tp8, asym, "0.24.0")
    assert "Only symmetric quantization is supported for MoE" in error
    # ... on 0.25.0 the padded rule takes 96 = 3 x 32: Marlin MoE, nothing refused
    assert layout_errors(spec, EIGHT, tp8, asym, "0.25.0") == []
    # TP=16: 768 / 16 = 48, 48 % 32 = 16 -> off Marlin: the assertion on 0.28.0; from 0.29.0
    # zero points load and the width check (48 % 32) refuses instead
    tp16, sixteen = ParallelLayout(tp=16), _cluster(16)
    (error,) = layout_errors(spec, sixteen, tp16, asym, "0.28.0")
    assert "Only symmetric quantization" in error
    (error,) = layout_errors(spec, sixteen, tp16, asym, "0.29.0")
    assert "partition (48) to be divisible by group_size (32)" in error
    # a what-if in that format is planned as GPTQ: MoE WNA16's halving (48 -> 32 -> 16 < 32)
    (error,) = layout_errors(spec, sixteen, tp16, what_if_scheme(asym.key), "0.29.0")
    assert "`assert group_size >= 32`" in error


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
    assert "192 wide per GPU at TP=8, not a multiple of group 128 (vLLM 0.33.0 zero-pads" in \
        warning
    # hidden 4096 = 32 x 128 passes Marlin's check: the warning does not name it
    assert "hidden" not in warning, warning


def test_marlin_moe_names_a_hidden_size_it_does_not_take():
    # check_moe_marlin_supports_config asks hidden_size % 128 == 0 and never pads it
    # (marlin_utils.py, 0.34.0 wheel): hidden 2112 = 16.5 x 128 leaves Marlin MoE even where the
    # 768-wide experts are whole (TP=1: 768 % 128 = 0), and EP would not bring it back
    spec = _experts_768().model_copy(update={"hidden_size": 2112})
    for layout in (ParallelLayout(tp=1), ParallelLayout(tp=2, ep=True)):
        (warning,) = layout_warnings(spec, layout, G128, "0.33.0")
        assert warning.endswith("): hidden 2112 is not a multiple of 128."), warning
    # TP=8 adds the width: 768 / 8 = 96, 96 % 128 = 96
    (warning,) = layout_warnings(spec, ParallelLayout(tp=8), G128, "0.33.0")
    assert "96 wide per GPU at TP=8" in warning and "hidden 2112 is not" in warning
    assert "--enable-expert-parallel" not in warning, warning


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


def test_the_marlin_fallback_warning_says_hopper_runs_humming_from_0_32():
    # fused_moe/oracle/int_wna16.py _get_priority_backends: prioritize_humming from the
    # 0.32.0 wheel (absent in 0.30.0) puts Humming first on 9.0, and the MoE WNA16 fallback
    # asks that oracle too (moe_wna16.py MoeWNA16Method.__init__): 1536 / 8 = 192 wide,
    # 192 % 128 = 64 -> off Marlin at TP=8
    (new,) = layout_warnings(_spec(), ParallelLayout(tp=8), G128, "0.32.0")
    assert "vLLM 0.32.0 runs them on Humming's MoE on Hopper" in new
    # with EP the experts pass Marlin's check but the oracle still puts Humming first on 9.0
    assert ("--enable-expert-parallel keeps experts whole (1536 % 128 = 0) and keeps the "
            "Marlin kernel off Hopper, but each MoE layer then waits") in new
    (old,) = layout_warnings(_spec(), ParallelLayout(tp=8), G128, "0.30.0")
    assert "Humming" not in old and "MoE WNA16 (Triton) kernel: each expert is 192 wide" in old
    assert "and keeps the Marlin kernel, but" in old


def test_the_marlin_fallback_warning_names_hopper_only_where_the_gpu_may_be_hopper():
    # prioritize_humming moves Humming ahead of Marlin on compute capability 9.0 only
    # (humming/priority.py _HUMMING_PREFERRED_CAPABILITIES, 0.32.0 and 0.33.0 wheels): an RTX
    # 3090 (8.6) on 0.32.0 falls back to MoE WNA16 with no Hopper words; 1536 / 8 = 192 wide,
    # 192 % 128 = 64 -> off Marlin at TP=8, and EP keeps 1536 = 12 x 128 whole
    tp8 = ParallelLayout(tp=8)
    (ampere,) = layout_warnings(_spec(), tp8, G128, "0.32.0", "nvidia", "8.6")
    assert "Hopper" not in ampere and "Humming" not in ampere
    assert "to the slower MoE WNA16 (Triton) kernel: each expert is 192 wide" in ampere
    assert "(1536 % 128 = 0) and keeps the Marlin kernel, but" in ampere
    # on an H100 (9.0) Humming serves the experts at every layout: no slower kernel to warn
    # of, though vLLM still builds its MoE WNA16 method (the loads that method checks stand)
    assert layout_warnings(_spec(), tp8, G128, "0.32.0", "nvidia", "9.0") == []
    assert moe_wna16_fallback(_spec(), tp8, G128, "0.32.0", "nvidia")
    # before 0.32 Hopper runs the Triton fallback like any other GPU
    (hopper_030,) = layout_warnings(_spec(), tp8, G128, "0.30.0", "nvidia", "9.0")
    assert hopper_030 == layout_warnings(_spec(), tp8, G128, "0.30.0", "nvidia", "8.6")[0]
    # a plan passes its GPU's compute capability: 8 RTX 3090 at TP=8 on 0.33.0 get the
    # fallback warning without Hopper words, 8 H100 none
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    gptq = _spec().model_copy(update={"quant": QuantSpec(
        method="gptq", scheme=G128.key, weight_bits=4, group_size=128, summary="GPTQ int4")})

    def warned(gpu: str) -> list[str]:
        return [w for w in plan(PlanRequest(
            model=gptq, cluster=preset_cluster(gpu, 8), layout=tp8,
            engine=EngineSettings(max_model_len=4096, vllm_version="0.33.0"))).warnings
            if "MoE WNA16" in w]

    (rtx,) = warned("rtx-3090")
    assert "Hopper" not in rtx and "192 wide per GPU at TP=8" in rtx
    assert warned("h100-sxm") == []


def _mi300x(gpus: int) -> ClusterSpec:
    return ClusterSpec(nodes=(NodeSpec(gpu=gpu_preset("mi300x"), gpus_per_node=gpus,
                                       intra_node_link="pcie"),), source="test")


def test_amd_gpus_send_grouped_experts_off_marlin_moe_at_every_layout():
    # marlin_utils.py check_moe_marlin_supports_layer (check_moe_marlin_supports_config from
    # 0.27.0) returns False on ROCm in every wheel 0.19.0-0.33.0 (`if current_platform.is_rocm():
    # return False`), and gptq.py GPTQConfig (0.19.0), auto_gptq.py AutoGPTQConfig (0.24.0,
    # 0.33.0) get_quant_method then build MoeWNA16Config's method. Qwen3-235B-A22B's experts
    # (1536 wide, hidden 4096) as GPTQ g128 at TP=8 + EP: whole experts, 1536 = 12 x 128 ->
    # Marlin MoE on an H100; on an MI300X MoE WNA16 on every release
    spec, ep8 = _spec(), ParallelLayout(tp=8, ep=True)
    for release in ("0.19.0", "0.24.0", "0.33.0"):
        assert layout_warnings(spec, ep8, G128, release) == []  # NVIDIA, the default
        assert layout_errors(spec, EIGHT, ep8, G128, release) == []
        assert moe_wna16_fallback(spec, ep8, G128, release, "amd")
        (warning,) = layout_warnings(spec, ep8, G128, release, "amd")
        assert "MoE WNA16 (Triton)" in warning and "False on ROCm" in warning
        # MoE WNA16 takes it: 1536 % 128 = 0 and 4096 % 128 = 0, group 128 >= 32
        assert layout_errors(spec, _mi300x(8), ep8, G128, release) == []
    # TP=32 without EP: 1536 / 32 = 48 wide; 128, 64, 32 do not divide 48, 16 < 32 -> MoE
    # WNA16's `assert group_size >= 32` (moe_wna16.py MoeWNA16Method.create_weights) on AMD
    # as on NVIDIA, where Marlin MoE fails the same width
    (error,) = layout_errors(spec, _mi300x(32), ParallelLayout(tp=32), G128, "0.33.0")
    assert "`assert group_size >= 32`" in error and "48 wide per GPU at TP=32" in error
    # a format without input-wise groups has no Marlin question on AMD either
    assert layout_warnings(spec, ep8, scheme("fp8-tensor"), "0.33.0", "amd") == []


def test_amd_compressed_tensors_experts_meet_the_wna16_refusals_at_every_layout():
    # compressed_tensors_moe.py get_moe_method builds CompressedTensorsWNA16MoEMethod on ROCm:
    # `not check_moe_marlin_supports_layer(...) or current_platform.is_rocm()` (0.19.0,
    # 0.24.0 wheels), always from 0.27.0 (FlyDSL only with --moe-backend flydsl on gfx950).
    # Qwen3-30B-A3B's experts (768 wide, hidden 2048) in groups of 32 at TP=8 + EP: whole,
    # 768 % max(64, 32) = 0 and 2048 % 128 = 0 -> Marlin MoE on an H100, nothing refused
    ep8, amd8 = ParallelLayout(tp=8, ep=True), _mi300x(8)
    act, g32 = _ct_768("w4a16-ct-g32", act_order=True)
    for release in ("0.19.0", "0.24.0"):
        assert layout_errors(act, EIGHT, ep8, g32, release) == []
        # on an MI300X act-order meets get_moe_method's ValueError (0.19.0-0.26.0)
        (error,) = layout_errors(act, amd8, ep8, g32, release)
        assert "WNA16MoE is not supported with actorder=group/dynamic." in error
        assert "Use" not in error  # EP already keeps experts whole: no layout way out
    # 0.27.0 asks the oracle instead (act-order group vs dynamic not planned): not refused
    assert layout_errors(act, amd8, ep8, g32, "0.27.0") == []
    # zero points (-gptq- key): CompressedTensorsWNA16MoEMethod asserts symmetric (0.19.0
    # compressed_tensors_moe.py, 0.24.0 compressed_tensors_moe_wna16.py __init__) up to 0.28.0
    asym_spec, asym = _ct_768("w4a16-gptq-g32")
    assert layout_errors(asym_spec, EIGHT, ep8, asym, "0.24.0") == []
    for release in ("0.19.0", "0.24.0", "0.28.0"):
        (error,) = layout_errors(asym_spec, amd8, ep8, asym, release)
        assert "Only symmetric quantization is supported for MoE" in error
    # 0.29.0 and 0.33.0 load zero points; 768 = 24 x 32 and 2048 = 64 x 32 pass create_weights
    assert layout_errors(asym_spec, amd8, ep8, asym, "0.33.0") == []


def test_amd_refusals_suggest_a_layout_only_where_one_loads():
    # On ROCm no layout keeps Marlin MoE, so an act-order refusal (0.24.0 get_moe_method)
    # at TP=8 names no way out, where on an H100 --enable-expert-parallel keeps Marlin
    # (768 % max(64, 32) = 0); the width check (create_weights, 0.33.0) depends on the
    # width: Qwen3-30B-A3B's experts in groups of 128 at TP=8 are 768 / 8 = 96, 96 % 128 = 96
    # -> refused, and EP (768 = 6 x 128) or a smaller TP (TP=2: 384 = 3 x 128) loads them
    tp8, amd8 = ParallelLayout(tp=8), _mi300x(8)
    act, g32 = _ct_768("w4a16-ct-g32", act_order=True)
    (nvidia,) = layout_errors(act, EIGHT, tp8, g32, "0.24.0")
    (amd,) = layout_errors(act, amd8, tp8, g32, "0.24.0")
    assert nvidia.endswith(" Use a smaller TP or --enable-expert-parallel.")
    assert amd.endswith("(compressed_tensors_moe.py get_moe_method).")
    assert "Marlin MoE does not take on ROCm (each expert 96 wide per GPU at TP=8)" in amd
    spec, g128 = _ct_768("w4a16-ct-g128")
    (error,) = layout_errors(spec, amd8, tp8, g128, "0.33.0")
    assert "partition (96) to be divisible by group_size (128)" in error
    assert error.endswith(" Use a smaller TP or --enable-expert-parallel.")
    assert layout_errors(spec, amd8, ParallelLayout(tp=8, ep=True), g128, "0.33.0") == []
    assert layout_errors(spec, amd8, ParallelLayout(tp=2), g128, "0.33.0") == []


def test_tp_groups_straddling_a_node_boundary():
    # ranks DP x PP x TP, TP innermost; node n holds ranks n x g .. (n + 1) x g - 1
    assert straddling_tp_group(ParallelLayout(tp=2, pp=5), 5) == (4, 5)  # {4,5}: nodes 0, 1
    assert straddling_tp_group(ParallelLayout(tp=4, pp=3), 6) == (4, 7)  # {4..7}: nodes 0, 1
    assert straddling_tp_group(ParallelLayout(tp=2, pp=2, dp=3), 4) is None  # 2 divides 4
    assert straddling_tp_group(ParallelLayout(tp=4, dp=3), 4) is None
    assert straddling_tp_group(ParallelLayout(tp=16), 8) == (0, 15)  # wider than a node


@pytest.mark.parametrize(("tp", "version", "mode", "refused"), [
    (32, "0.34.0", "weights", True), (32, "0.17.0", "weights", True),
    (16, "0.34.0", "weights", False), (32, "0.16.0", "weights", False),
    (32, "0.34.0", "data", False), (32, "0.17.0", "data", False)])
def test_tp_must_divide_the_qwen3_vl_towers_heads(tp: int, version: str, mode: str,
                                                  refused: bool) -> None:
    # Qwen3-VL-32B: 64 query and 8 KV heads in the language model (TP=32 replicates KV heads),
    # 16 in the vision tower, which vLLM 0.17-0.34 splits over TP (Qwen2_5_VisionAttention:
    # divide(16, 32) asserts): TP=32 on 4 nodes of 8 H100s was planned "Fits". Before 0.17 the
    # source is not read, so nothing is refused there. In data mode the attention's tp_size is
    # 1 (is_vit_use_data_parallel): divide(16, 1), nothing refused
    spec = catalog_spec("Qwen/Qwen3-VL-32B-Instruct")
    errors = layout_errors(spec, preset_cluster("h100-sxm", tp), ParallelLayout(tp=tp),
                           vllm_version=version, mm_encoder_tp_mode=mode)
    words = ("The vision tower's 16 attention heads (vision_config.num_heads) are not divisible "
             f"by tensor parallel size ({tp})")
    assert any(e.startswith(words) for e in errors) == refused
