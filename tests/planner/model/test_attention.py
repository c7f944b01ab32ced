"""KV cache per layer kind: figures worked by hand from the reference configs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.catalog import catalog_spec
from planner.model.attention import (
    FullAttentionKv,
    GatedDeltaNetKv,
    MlaKv,
    SlidingWindowKv,
    UnknownLayerKindError,
    kv_bytes_per_token,
    kv_layer_spec,
)
from planner.model.attention.kvformat import FP8_DS_MLA, KV_FORMATS
from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    LayerSpec,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
)

DENSE = DenseMlp(intermediate_size=1024)


def gqa(kv_heads: int, head_dim: int, kind: str = "full", window: int | None = None):
    return AttentionMixer(
        kind=kind, num_heads=64, num_kv_heads=kv_heads, head_dim=head_dim, v_head_dim=head_dim,
        sliding_window=window,
    )


def model(mixers: list) -> ModelSpec:
    layers = tuple(LayerSpec(index=i, mixer=m, mlp=DENSE) for i, m in enumerate(mixers))
    return ModelSpec(
        model_type="test", hidden_size=4096, vocab_size=32000, layers=layers,
        tie_word_embeddings=False, torch_dtype="bfloat16", max_position_embeddings=32768,
    )


def test_llama_31_8b():
    # config.json: 32 layers, 8 KV heads, head_dim 4096 / 32 = 128, bf16
    # 2 x 32 x 8 x 128 x 2 B = 131,072 B/token
    assert kv_bytes_per_token(model([gqa(8, 128)] * 32), 2) == 131_072


def test_qwen3_235b_replicates_kv_heads_beyond_tp4():
    spec = model([gqa(4, 128)] * 94)  # 94 layers, 4 KV heads, head_dim 128
    assert kv_bytes_per_token(spec, 2, tp=1) == 192_512  # 2 x 94 x 4 x 128 x 2
    assert kv_bytes_per_token(spec, 2, tp=4) == 48_128  # 2 x 94 x (4 // 4 = 1) x 128 x 2
    assert kv_bytes_per_token(spec, 2, tp=8) == 48_128  # max(1, 4 // 8) = 1: replicated
    assert kv_bytes_per_token(spec, 1, tp=8) == 24_064  # fp8 KV: 1 byte


@pytest.mark.parametrize("tp", [1, 2, 8, 16])
def test_deepseek_v3_mla_not_split_by_tp(tp):
    mla = MlaMixer(num_heads=128, q_lora_rank=1536, kv_lora_rank=512, qk_nope_head_dim=128,
                   qk_rope_head_dim=64, v_head_dim=128)
    assert kv_bytes_per_token(model([mla] * 61), 2, tp=tp) == 70_272  # 61 x 576 x 2


def test_deepseek_v32_indexer_adds_132_bytes_per_layer():
    mla = MlaMixer(num_heads=128, kv_lora_rank=512, qk_nope_head_dim=128, qk_rope_head_dim=64,
                   v_head_dim=128, index_n_heads=64, index_head_dim=128)
    # 576 x 2 latent + (128 fp8 + 128 / 128 x 4 scale bytes) = 1,152 + 132 = 1,284 B per layer
    assert kv_layer_spec(mla).bytes_per_token(2, 8) == 1_284
    # vLLM's fp8_ds_mla row: 512 fp8 NoPE + 4 fp32 scales (16 B) + 64 bf16 RoPE (128 B) = 656
    assert kv_layer_spec(mla).bytes_per_token(FP8_DS_MLA, 8) == 656 + 132
    assert "512 + 512 / 128 x 4 + 64 x 2 = 656" in kv_layer_spec(mla).formula(FP8_DS_MLA, 8)
    # nvfp4_ds_mla row (flashmla_sparse.py): 256 B of e2m1 NoPE + 32 fp8 scales (one per 16)
    # + 64 fp8 RoPE = 352 B; the indexer key stays 132 B
    nvfp4_ds_mla = KV_FORMATS["nvfp4_ds_mla"]
    assert kv_layer_spec(mla).bytes_per_token(nvfp4_ds_mla, 8) == 352 + 132
    assert "512 / 2 + 512 / 16 x 1 + 64 x 1 = 352" in kv_layer_spec(mla).formula(nvfp4_ds_mla, 8)


def test_qwen3_next_only_full_layers_grow():
    # 48 layers: every 4th full attention (2 KV heads, head_dim 256), the rest Gated DeltaNet
    gdn = LinearAttentionMixer(num_key_heads=16, num_value_heads=32, key_head_dim=128,
                               value_head_dim=128, conv_kernel_dim=4)
    mixers = [gqa(2, 256) if (i + 1) % 4 == 0 else gdn for i in range(48)]
    assert kv_bytes_per_token(model(mixers), 2) == 24_576  # 12 x 2 x 2 x 256 x 2
    state = kv_layer_spec(gdn, 2)
    # conv_dim = 128 x 16 x 2 + 128 x 32 = 8,192; 8,192 x 3 + 32 x 128 x 128 = 548,864 elements
    assert state.state_bytes(1) == 1_097_728  # x 2 B
    assert state.state_bytes(2) == 548_864  # both tensors split by TP
    assert state.bytes_per_token(2, 1) == 0


def test_mamba2_state():
    # Nemotron-H-56B-like (its config has 256 heads; 128 here): heads x 64, d_state 256,
    # 8 groups, conv 4
    # conv (128 x 64 + 2 x 8 x 256) x 3 = 12,288 x 3 = 36,864; ssm 128 x 64 x 256 = 2,097,152
    mamba = MambaMixer(num_heads=128, head_dim=64, state_size=256, n_groups=8, conv_kernel=4)
    assert kv_layer_spec(mamba, 2).state_bytes(1) == (36_864 + 2_097_152) * 2
    # vLLM mamba_utils.py _mamba_state_dtype: the conv state in the model dtype, only the SSM
    # state in mamba_ssm_cache_dtype (Nemotron-H's config key): 36,864 x 2 B + 2,097,152 x 4 B
    # = 73,728 + 8,388,608 = 8,462,336 B
    fp32 = MambaMixer(num_heads=128, head_dim=64, state_size=256, n_groups=8, conv_kernel=4,
                      state_dtype="float32", config_ssm_dtype=True)
    assert kv_layer_spec(fp32, 2).state_bytes(1) == 8_462_336
    # a Nemotron-H config without the key: float32 (0.20.0 on, transformers 5's class default)
    unset = fp32.model_copy(update={"state_dtype": None})
    assert kv_layer_spec(unset, 2).state_bytes(1) == 8_462_336
    # a class that reads no dtype from its config (GraniteMoeHybrid): all in the model dtype
    other = fp32.model_copy(update={"config_ssm_dtype": False})
    assert kv_layer_spec(other, 2).state_bytes(1) == (36_864 + 2_097_152) * 2


def test_mamba2_state_of_the_catalog_nemotron_h_56b():
    # nvidia/Nemotron-H-56B-Base-8K's config: mamba_num_heads 256, mamba_head_dim 64, n_groups
    # 8, ssm_state_size 256, conv_kernel 4, no mamba_ssm_cache_dtype. vLLM mamba_utils.py
    # mamba2_state_shape at TP=2: conv (256 x 64 + 2 x 8 x 256) / 2 x (4 - 1) = 10,240 x 3 =
    # 30,720; ssm 256 / 2 x 64 x 256 = 2,097,152 elements
    spec = catalog_spec("nvidia/Nemotron-H-56B-Base-8K")
    mixer = next(layer.mixer for layer in spec.layers if isinstance(layer.mixer, MambaMixer))
    state = kv_layer_spec(mixer, 2)
    assert state.state_elements(2) == 30_720 + 2_097_152 == 2_127_872
    # no key: NemotronHForCausalLMConfig.DEFAULT_MAMBA_SSM_CACHE_DTYPE float32 (0.20.0 on), conv
    # in bfloat16: 30,720 x 2 B + 2,097,152 x 4 B = 61,440 + 8,388,608
    assert state.state_bytes(2) == 8_450_048


def test_sliding_window_need_is_bounded_by_window_and_batch():
    layer = kv_layer_spec(gqa(16, 128, kind="sliding", window=1024))
    assert isinstance(layer, SlidingWindowKv)
    page = 16 * 2 * 16 * 128 * 2  # block 16 x K+V x 16 heads x 128 x 2 B = 131,072
    # min(1023 + 8192, 8192) = 8192 tokens -> 512 blocks + 1
    assert layer.max_memory_usage_bytes(8192, 16, 2, 1, 8192) == 513 * page
    # long context, small batch: min(1023 + 2048, 131072) = 3071 -> 192 + 1 blocks
    assert layer.max_memory_usage_bytes(131072, 16, 2, 1, 2048) == 193 * page
    # the window's "- 1" on a block edge: 1023 + 2049 = 3072 = 192 blocks exactly -> 193
    # (1024 + 2049 would need 194)
    assert layer.max_memory_usage_bytes(131072, 16, 2, 1, 2049) == 193 * page
    full = kv_layer_spec(gqa(16, 128))
    assert isinstance(full, FullAttentionKv) and not isinstance(full, SlidingWindowKv)
    assert full.max_memory_usage_bytes(131072, 16, 2, 1, 2048) == 8192 * page


def test_unknown_kind_names_it():
    with pytest.raises(UnknownLayerKindError, match="'str'"):
        kv_layer_spec("conv")
    assert kv_layer_spec(None) is None


def test_formula_text_has_the_numbers():
    assert FullAttentionKv(num_kv_heads=4, head_dim=128, v_head_dim=128).formula(2, 8) == (
        "max(1, 4 // 8) KV heads x (128 + 128) dims x 2 B = 512 B"
    )
    mla = MlaKv(kv_lora_rank=512, qk_rope_head_dim=64)
    assert "(512 + 64) x 2 B = 1,152 B" in mla.formula(2, 4)
    assert "1,097,728 B" in GatedDeltaNetKv(
        num_key_heads=16, num_value_heads=32, key_head_dim=128, value_head_dim=128,
        conv_kernel_dim=4,
    ).formula(2, 1)


@given(kv_heads=st.sampled_from([1, 2, 4, 8, 16, 32]), tp_exp=st.integers(0, 5))
def test_more_tp_never_more_kv_per_gpu(kv_heads, tp_exp):
    layer = FullAttentionKv(num_kv_heads=kv_heads, head_dim=128, v_head_dim=128)
    tp = 2**tp_exp
    assert layer.bytes_per_token(2, 2 * tp) <= layer.bytes_per_token(2, tp)
