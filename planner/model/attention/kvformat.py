"""Packed KV cache formats: whole bytes of one K (or V) head vector of one token, scales included.

A plain KV dtype is an int (bytes per element: bf16 2, fp8 1). The 4-bit and per-token-head
formats vLLM added from 0.20.0 store one head vector of one token as packed data plus its
scales, inline in the same page, so their size is per head vector, not per element:
`side_bytes(fmt, head_dim)`. Every layer kind takes either (`KvBytes`).
"""

from pydantic import BaseModel, ConfigDict


class KvFormat(BaseModel):
    """A packed --kv-cache-dtype: `data_bits` per element, plus one `group_scale_bytes` scale
    per `group` elements, plus `head_scale_bytes` per head vector (each side, K and V)."""

    model_config = ConfigDict(frozen=True)

    name: str
    data_bits: int
    group: int | None = None
    group_scale_bytes: int = 0
    head_scale_bytes: int = 0

    def side_bytes(self, head_dim: int) -> int:
        """Bytes of one head vector (K or V) of one token."""
        data = head_dim * self.data_bits // 8
        scales = head_dim // self.group * self.group_scale_bytes if self.group else 0
        return data + scales + self.head_scale_bytes

    def side_formula(self, head_dim: int) -> str:
        """'128 / 2 + 128 / 16 x 1 = 72' with the head dim filled in."""
        parts = [f"{head_dim} / {8 // self.data_bits}" if self.data_bits < 8 else f"{head_dim}"]
        if self.group:
            parts.append(f"{head_dim} / {self.group} x {self.group_scale_bytes}")
        if self.head_scale_bytes:
            parts.append(f"{self.head_scale_bytes}")
        return f"{' + '.join(parts)} = {self.side_bytes(head_dim)}"


NVFP4_NOTE = """NOTE: vllm/utils/torch_utils.py nvfp4_kv_cache_full_dim(head_size) =
head_size // 2 + head_size // 16: two fp4 values per byte plus one fp8 (e4m3) block scale per
16 elements, stored after the data of each head ([K data | K scale | V data | V scale]).
Page (0.33.0 and 0.34.0 v1/attention/backends/flashinfer.py FlashInferBackend.customize_spec:
num_head_slots = 2 x kv_heads, state_content_bytes = full_dim x 1 B (uint8)) = block x 2 x
kv_heads x (head_dim/2 + head_dim/16); the 0.20.0-0.27.0 wheels compute the same in
v1/kv_cache_interface.py AttentionSpec.real_page_size_bytes. Llama-3.1-8B: 2 x 8 x (64 + 8)
= 1,152 B per layer per token, x 32 layers = 36,864 B (bf16: 131,072 B). nvfp4_4over6 has
the same layout (only the scale choice differs)."""

PER_TOKEN_HEAD_NOTE = """NOTE: per-token-head formats keep one fp32 scale per head per token
and side: 0.33.0 and 0.34.0 triton_attn.py TritonAttentionBackend.customize_spec:
state_content_bytes = (head_size + head_size_v) x 1 B + 2 x 4 B (int4: head sizes halved,
two values per byte); 0.20.0-0.27.0 kv_cache_interface.py AttentionSpec.page_size_bytes adds
2 x block x kv_heads x 4 B to the int8 / uint8 page. Llama-3.1-8B int8_per_token_head:
8 x (128 + 4 + 128 + 4) = 2,112 B per layer per token."""

class TurboQuantFormat(KvFormat):
    """A turboquant_* preset: K and V of one head packed into one slot (TURBOQUANT_NOTE)."""

    key_bits: int
    value_bits: int

    def slot_bytes(self, head_dim: int) -> int:
        """TurboQuantConfig.slot_size_aligned: key + value packed, rounded up to even."""
        key = head_dim if self.key_bits == 8 else -(-head_dim * self.key_bits // 8) + 2
        slot = key + -(-head_dim * self.value_bits // 8) + 4
        return slot + slot % 2

    def side_bytes(self, head_dim: int) -> int:
        """Half the slot: vLLM's effective head size, slot_size_aligned // 2 (K + V = slot)."""
        return self.slot_bytes(head_dim) // 2

    def side_formula(self, head_dim: int) -> str:
        """'(128 + 128 / 2 + 4 = 196) / 2 = 98' with the head dim filled in."""
        key = f"{head_dim}" if self.key_bits == 8 else f"{head_dim} x {self.key_bits} / 8 + 2"
        return (f"({key} + {head_dim} x {self.value_bits} / 8 + 4 -> "
                f"{self.slot_bytes(head_dim)}) / 2 = {self.side_bytes(head_dim)}")


TURBOQUANT_NOTE = """NOTE: model_executor/layers/quantization/turboquant/config.py (0.20.0-0.34.0
wheels, same formula): TQ_PRESETS key/value bits k8v4 8/4, 4bit_nc 4/4, k3v4_nc 3/4, 3bit_nc
3/3; key_packed_size = head_dim (8-bit: fp8 keys) or ceil(head_dim x bits / 8) + 2 (fp16
norm); value_packed_size = ceil(head_dim x bits / 8) + 4 (fp16 scale + zero); slot_size_aligned
= their sum rounded up to even. Page = block x kv_heads x slot (0.33.0-0.34.0 turboquant_attn.py
TurboQuantAttentionBackend.customize_spec state_content_bytes; 0.20.0-0.27.0
kv_cache_interface.py TQFullAttentionSpec.real_page_size_bytes). Boundary layers: arg_utils.py
adds TurboQuantConfig.get_boundary_skip_layers (first and last min(2, layers // 2) of
num_hidden_layers; none for a hybrid model from 0.21.0) to kv_cache_dtype_skip_layers, which
attention.py turns into "auto" (the model's 16-bit dtype: the backend takes float16/bfloat16
only). The mixed pages stay one group (UniformTypeKVCacheSpecs: a block is the sum of every
layer's page, no padding). Llama-3.1-8B k8v4: slot 128 + 64 + 4 = 196 B, 28 layers x 8 x 196
+ 4 layers x 8 x 2 x 128 x 2 = 43,904 + 16,384 = 60,288 B per token (bf16: 131,072 B)."""

class DsMlaFormat(KvFormat):
    """vLLM's DeepSeek sparse-MLA row of one latent: NoPE at `data_bits` with one
    `group_scale_bytes` scale per `group`, RoPE at `rope_bytes` per element (FP8_DS_MLA_NOTE,
    NVFP4_DS_MLA_NOTE). Sized per latent vector (kv_lora_rank + rope)."""

    rope_dim: int = 64
    rope_bytes: int = 2

    def side_bytes(self, head_dim: int) -> int:
        """NoPE x data bits / 8 + NoPE / group x scale bytes + RoPE x rope bytes."""
        nope = head_dim - self.rope_dim
        return (nope * self.data_bits // 8 + nope // self.group * self.group_scale_bytes
                + self.rope_dim * self.rope_bytes)

    def side_formula(self, head_dim: int) -> str:
        """'512 + 512 / 128 x 4 + 64 x 2 = 656' with the latent filled in."""
        nope = head_dim - self.rope_dim
        data = f"{nope} / {8 // self.data_bits}" if self.data_bits < 8 else f"{nope}"
        return (f"{data} + {nope} / {self.group} x {self.group_scale_bytes} + "
                f"{self.rope_dim} x {self.rope_bytes} = {self.side_bytes(head_dim)}")


FP8_DS_MLA_NOTE = """NOTE: 0.33.0 v1/attention/backends/mla/flashmla_sparse.py (module note):
"For DeepSeek V3.2, in the 'FP8 with scale' format, each token's KV cache is 656 Bytes": 512
float8_e4m3 NoPE values, 4 float32 scales (one per 128), 64 bfloat16 RoPE values;
mla_attention.py MLAAttention.get_kv_cache_spec state_content_bytes {"fp8_ds_mla": 656} (0.34.0:
the impl's get_fp8_ds_mla_row_bytes, v1/attention/backend.py's 656; FLASHINFER_MLA_SPARSE_SM120
returns 528 only without RoPE dims, qk_rope_head_dim 0, which no planned model has)."""

FP8_DS_MLA = DsMlaFormat(name="fp8_ds_mla", data_bits=8, group=128, group_scale_bytes=4)
"""The layout vLLM stores a sparse-MLA fp8 (or, on SM120, auto) cache in (FP8_DS_MLA_NOTE);
not a user choice: planner.serving.engine.sparse_mla_kv picks it."""

NVFP4_DS_MLA_NOTE = """NOTE: 0.33.0 and 0.34.0 v1/attention/backends/mla/flashmla_sparse.py (module
note): "In the nvfp4_ds_mla format (SM100 only, DeepSeek V3.2 geometry), each token's KV cache is
352 Bytes": 256 B of 512 e2m1 NoPE values (2 per byte), 64 B of 64 float8_e4m3 RoPE values, 32 B
of float8_e4m3 NoPE scales (one per 16); mla_attention.py MLAAttention.get_kv_cache_spec
state_content_bytes {"nvfp4_ds_mla": 352}. A --kv-cache-dtype choice from 0.30.0 (the CLI
fixtures); FLASHMLA_SPARSE alone takes it, on SM100 only
(planner.serving.startup.attention_backend)."""


KV_FORMATS: dict[str, KvFormat] = {
    "nvfp4": KvFormat(name="nvfp4", data_bits=4, group=16, group_scale_bytes=1),
    "nvfp4_4over6": KvFormat(name="nvfp4_4over6", data_bits=4, group=16, group_scale_bytes=1),
    "int8_per_token_head": KvFormat(name="int8_per_token_head", data_bits=8, head_scale_bytes=4),
    "fp8_per_token_head": KvFormat(name="fp8_per_token_head", data_bits=8, head_scale_bytes=4),
    "int4_per_token_head": KvFormat(name="int4_per_token_head", data_bits=4, head_scale_bytes=4),
    "nvfp4_ds_mla": DsMlaFormat(name="nvfp4_ds_mla", data_bits=4, group=16,
                                group_scale_bytes=1, rope_bytes=1),
    **{f"turboquant_{preset}": TurboQuantFormat(
        name=f"turboquant_{preset}", data_bits=v, key_bits=k, value_bits=v)
       for preset, (k, v) in {"k8v4": (8, 4), "4bit_nc": (4, 4), "k3v4_nc": (3, 4),
                              "3bit_nc": (3, 3)}.items()},
}
"""The packed formats Headroom sizes, by vLLM's --kv-cache-dtype name (NVFP4_NOTE,
PER_TOKEN_HEAD_NOTE, TURBOQUANT_NOTE; nvfp4_ds_mla for sparse MLA only: NVFP4_DS_MLA_NOTE)."""

KvBytes = int | KvFormat
"""What a KV layer is sized with: bytes per element of a plain dtype, or a packed format."""


def side_bytes(kv: KvBytes, head_dim: int) -> int:
    """Bytes of one head vector (K or V) of one token in `kv`."""
    return head_dim * kv if isinstance(kv, int) else kv.side_bytes(head_dim)


def side_formula(kv: KvBytes, head_dim: int) -> str:
    """The formula of side_bytes: '128 x 2 B' or '(128 / 2 + 128 / 16 x 1 = 72) B'."""
    if isinstance(kv, int):
        return f"{head_dim} x {kv} B"
    return f"({kv.side_formula(head_dim)}) B {kv.name}"


def boundary_layers(num_layers: int) -> frozenset[int]:
    """The layers a turboquant_* run keeps 16-bit: TurboQuantConfig.get_boundary_skip_layers,
    the first and last min(2, num_layers // 2) (TURBOQUANT_NOTE)."""
    n = min(2, num_layers // 2)
    return frozenset(range(n)) | frozenset(range(num_layers - n, num_layers))


def describe(kv: KvBytes) -> str:
    """'2 B per element' or 'nvfp4: 4-bit data plus its scales in each head vector'."""
    if isinstance(kv, int):
        return f"{kv} B per element"
    if isinstance(kv, TurboQuantFormat):
        return (f"{kv.name}: {kv.key_bits}-bit keys and {kv.value_bits}-bit values packed per "
                "head with their norms and scales; first and last two layers 16-bit")
    return f"{kv.name}: {kv.data_bits}-bit data plus its scales in each head vector"
