"""Parallel layouts: vLLM's PP layer split and the validity checks."""

from types import SimpleNamespace

import pytest

from planner.layout import ParallelLayout, layout_errors, pp_layer_split
from planner.model_spec import AttentionMixer, DenseMlp, LayerSpec, ModelSpec, MoeMlp


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
    assert any("no routed experts" in e for e in dense)
