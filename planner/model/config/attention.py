"""Attention: the token mixers (attention, MLA, linear attention, Mamba) and MLPs of the
uniform-layer families from one config, with the attention biases, head dims, q/k norms and
rotary dims vLLM builds."""

from typing import Any

from planner.model.config.families import (
    HEAD_DIM_AS_GIVEN_TYPES,
    HEAD_DIM_UNREAD_TYPES,
    HIDDEN_HEAD_DIM_TYPES,
    HUNYUAN_TYPES,
    KNOWN_TYPES,
    LLAMA_ATTENTION_TYPES,
    MLA_ONLY_TYPES,
    NOPE_TYPES,
    QK_NORM_TYPES,
    QWEN2_BIAS_TYPES,
    QWEN2_VL_TYPES,
    WHOLE_QK_NORM_TYPES,
    ZERO_HEAD_DIM_TYPES,
)
from planner.model.config.length import PER_LAYER_ROPE_TYPES, rope_mixed
from planner.model.config.mamba import mamba_mixer, planned_ssm_dtype, unplanned_ssm_dtype
from planner.model.config.mlp import gated, mlp_bias
from planner.model.config.moe import layer_moe
from planner.model.config.reader import (
    MAX_CONTEXT,
    MAX_HEADS,
    MAX_WIDTH,
    Reader,
    as_int,
    class_default_note,
    need,
)
from planner.model.spec import (
    AttentionMixer,
    ConfigError,
    DenseMlp,
    LinearAttentionMixer,
    MlaMixer,
    MoeMlp,
)


class Attention:
    """Builds mixers and MLPs for the uniform-layer families from one config."""

    def __init__(self, r: Reader, model_type: str, hidden: int):
        self.r, self.model_type, self.hidden = r, model_type, hidden
        heads_keys = ("num_attention_heads", "n_head", "num_heads")
        heads = r.int_(*heads_keys, hi=MAX_HEADS)
        if heads is None and (null := r.null(*heads_keys)):
            # NOTE: transformers 5.24 refuses it where the class annotates the field `int`
            # (LlamaConfig, Qwen3Config: StrictDataclassFieldValidationError); 4.57.1
            # LlamaConfig divides hidden_size by it.
            raise ConfigError(f"{r.where(null)} is null: the attention head count is needed "
                              "(transformers cannot load the config without it)")
        if heads is None:
            heads = 32
            r.notes.assumptions.append(
                "num_attention_heads missing: assumed 32 (transformers LlamaConfig default)"
            )
        self.heads = heads
        # (key, derivation) of each attention figure, recorded per layer by mixer()
        self.sources: dict[str, tuple[str | None, str]] = {
            "attention heads": (r.key(*heads_keys), class_default_note(r, heads_keys))
        }
        kv_keys = ("num_key_value_heads", "num_kv_heads", "n_head_kv")
        kv = r.int_(*kv_keys, hi=MAX_HEADS)
        kv_key = r.key(*kv_keys)
        kv_derived = class_default_note(r, kv_keys)
        if kv is None:
            kv, kv_derived = heads, "= num_attention_heads"
            if model_type != "nemotron-nas":  # NAS: block_configs give each layer's KV heads
                r.notes.assumptions.append(_null_kv_note(r.prefix, null) if (
                    null := r.null(*kv_keys)) else (
                    "num_key_value_heads missing: assumed = num_attention_heads (MHA, "
                    "transformers default)"))
        self.kv_heads = kv
        self.sources["KV heads"] = (kv_key, kv_derived)
        hd_keys = () if model_type in HIDDEN_HEAD_DIM_TYPES else ("head_dim",
                                                                  "attention_head_dim")
        zero = bool(hd_keys) and _zero_head_dim(r, model_type, hidden, heads)
        hd = hidden // heads if zero else r.int_(*hd_keys, hi=MAX_WIDTH)
        if zero:
            self.sources["head dim"] = (None, "hidden_size / num_attention_heads (head_dim 0)")
        elif hd is not None and r.key(*hd_keys) is None:
            self.sources["head dim"] = (None, class_default_note(r, hd_keys))
        elif hd is None:
            null = r.null(*hd_keys)
            if null and model_type in HEAD_DIM_AS_GIVEN_TYPES:
                raise ConfigError(f"{r.where(null)} is null: vLLM's {model_type} model takes "
                                  "head_dim as given (no hidden_size / num_attention_heads "
                                  "fallback), so it cannot build the attention")
            if hidden % heads:
                raise ConfigError(
                    f"config.json: {r.prefix}num_attention_heads = {heads} does not divide "
                    f"hidden_size = {hidden} and head_dim is not given"
                )
            hd = hidden // heads
            self.sources["head dim"] = (None, "hidden_size / num_attention_heads")
            if null:
                r.notes.assumptions.append(
                    f"{r.prefix}{null} null: read as hidden_size / num_attention_heads = "
                    f"{hidden} / {heads} = {hd}, as vLLM does (ModelConfig.get_head_size: "
                    "\"Some configs may set head_dim=None\")")
        else:
            self.sources["head dim"] = (r.key("head_dim", "attention_head_dim"), "")
        self.head_dim = hd
        _unread_head_dim(r, model_type, hidden, heads)
        self.window = r.int_("sliding_window", hi=MAX_CONTEXT)
        self.chunked = model_type.startswith("llama4")
        if self.chunked:
            self.window = r.int_("attention_chunk_size", hi=MAX_CONTEXT)
        self.qkv_bias, self.o_bias = _attention_biases(r, model_type)
        # Llama 4's use_qk_norm is an L2 norm without weights (vLLM llama4.py Llama4Attention:
        # RMSNorm(head_dim, has_weight=False), 0.9.1 and 0.34.0 wheels; transformers'
        # Llama4TextL2Norm): no q/k norm parameters
        self.qk_norm = model_type in QK_NORM_TYPES or (
            bool(r.flag("use_qk_norm")) and not self.chunked)
        self.qk_norm_whole = model_type in WHOLE_QK_NORM_TYPES
        self.qk_norm_per_layer = self.qk_norm_whole or r.str_("qk_norm_type") == "per_layer"
        self.output_gate = bool(r.flag("attn_output_gate")) or model_type == "qwen3_next"
        self.mla = r.int_("kv_lora_rank", hi=MAX_WIDTH) is not None
        if model_type in MLA_ONLY_TYPES and r.null("kv_lora_rank") and any(
                r.get(k) != 0 for k in ("qk_nope_head_dim", "qk_rope_head_dim")):
            # it read "qk_rope_head_dim = 64 is more than the head dim, 56", a symptom
            raise ConfigError(
                f"{r.where('kv_lora_rank')} is null: vLLM runs {model_type} attention as MLA "
                "only with a kv_lora_rank, and its non-MLA DeepseekV2Attention adds "
                "kv_lora_rank to qk_rope_head_dim, so vLLM stops at load (TypeError); give "
                "the checkpoint's kv_lora_rank (its KV latent width)")
        if model_type in MLA_ONLY_TYPES and r.null("kv_lora_rank"):  # both head dims 0
            # it read "qk_rope_head_dim = 0 is out of range (1 to 1048576)", a symptom
            raise ConfigError(
                f"{r.where('kv_lora_rank')} is null and qk_nope_head_dim and qk_rope_head_dim "
                "are 0: vLLM 0.9.1-0.11.0 build DeepseekV2Attention all the same and stop at "
                "load (ZeroDivisionError: 0.0 cannot be raised to a negative power, its scale "
                "(qk_nope_head_dim + qk_rope_head_dim) ** -0.5); from 0.11.1 deepseek_v2.py "
                f"builds {model_type} attention as plain multi-head attention "
                "(DeepseekAttention), which Headroom does not plan; give the checkpoint's "
                "kv_lora_rank and head dims")
        ropes = r.get("rope_parameters")
        # Gemma 4: one rope block per layer type (rope_parameters.full_attention / ...); beside
        # flat keys only where vLLM's class picks the layer type's block (length.rope_mixed)
        self.typed_ropes = isinstance(ropes, dict) and any(
            isinstance(v, dict) and k.endswith("_attention") for k, v in ropes.items()
        ) and (not rope_mixed(ropes) or model_type.startswith(PER_LAYER_ROPE_TYPES))

    def mixer(self, kind: str, i: int, kv_heads: int | None = None) -> Any:
        """The token mixer of layer i, of the given kind (`kv_heads`: a per-layer override)."""
        if kind == "linear":
            return self._linear()
        if kind == "mamba":
            return mamba_mixer(self.r)
        if self.mla:
            return self._mla(i)
        r = self.r
        sources = dict(self.sources)
        figures = {"attention heads": self.heads, "KV heads": self.kv_heads,
                   "head dim": self.head_dim}  # fmt: skip

        def override(label: str, key: str, hi: int) -> None:
            value = r.int_(key, hi=hi)
            if value is not None:
                figures[label], sources[label] = value, (key, "")

        v_hd = r.int_("v_head_dim", hi=MAX_WIDTH)
        kv_shared = False
        sinks = self.model_type == "gpt_oss"
        if kind == "sliding" and r.key("swa_num_key_value_heads"):
            # MiMo-V2-Flash: sliding layers have their own head counts and dims.
            override("attention heads", "swa_num_attention_heads", MAX_HEADS)
            override("KV heads", "swa_num_key_value_heads", MAX_HEADS)
            override("head dim", "swa_head_dim", MAX_WIDTH)
            v_hd = r.int_("swa_v_head_dim", hi=MAX_WIDTH) or v_hd
            sinks = bool(r.flag("add_swa_attention_sink_bias"))
        elif kind == "full" and self.model_type == "mimo_v2_flash":
            sinks = bool(r.flag("add_full_attention_sink_bias"))
        if kind == "full" and r.key("global_head_dim"):
            # Gemma 4: global layers have their own head_dim and KV heads, and with
            # attention_k_eq_v the value reuses the key projection.
            override("head dim", "global_head_dim", MAX_WIDTH)
            override("KV heads", "num_global_key_value_heads", MAX_HEADS)
            v_hd = None
            kv_shared = bool(r.flag("attention_k_eq_v"))
        if kv_heads is not None:  # Nemotron-NAS: per-block GQA groups
            figures["KV heads"] = kv_heads
            sources["KV heads"] = (None, "num_attention_heads / block_configs[].attention."
                                         "n_heads_in_group")  # fmt: skip
        for label, value in figures.items():
            key, derived = sources[label]
            r.record_layer(label, value, key, i, "mixer", derived)
        heads, kv, hd = figures["attention heads"], figures["KV heads"], figures["head dim"]
        _check_groups(heads, kv, *(r.prefix + sources[label][0] if sources[label][0] else
                                   f"{label} ({sources[label][1]})"
                                   for label in ("attention heads", "KV heads")))
        v_hd = v_hd or hd
        rotary, rope_local, rope_padded = self._rotary(kind, hd, i)
        return AttentionMixer(
            kind="sliding" if kind == "sliding" else "full",
            num_heads=heads,
            num_kv_heads=kv,
            head_dim=hd,
            v_head_dim=v_hd,
            sliding_window=self.window if kind == "sliding" else None,
            chunked=self.chunked and kind == "sliding",
            kv_shared=kv_shared,
            qkv_bias=self.qkv_bias,
            o_bias=self.o_bias,
            qk_norm=self.qk_norm,
            qk_norm_per_layer=self.qk_norm_per_layer,
            qk_norm_whole=self.qk_norm_whole,
            sinks=sinks,
            output_gate=self.output_gate,
            rotary_dim=rotary,
            rope_local=rope_local,
            rope_padded=rope_padded,
        )

    def _rotary(self, kind: str, head_dim: int, i: int) -> tuple[int, bool, bool]:
        """(rotary_dim, own local rope, cache padded to head_dim) of attention layer i.

        NOTE (vLLM get_rope): rotary_dim = int(head_size x partial_rotary_factor), e.g.
        Qwen3-Next 256 x 0.25 = 64, Phi-2 80 x 0.4 = 32, MiMo-V2 192 x 0.334 = 64;
        MiniMax-M2 gives rotary_dim 64 directly. Nemotron-H attention and Llama 4's global
        (no_rope_layers 0) layers have no rope. Gemma 3 / Gemma 4 / MiMo-V2 sliding layers
        use their own unscaled rope (a second cos/sin cache); Gemma 4 "proportional" rope
        pads its cache to the full head_dim (vLLM gemma4_rope.py).
        """
        r = self.r

        def record(value: object, key: str | None, derived: str = "") -> None:
            r.record_layer("rotary dim", value, key, i, "mixer", derived)

        if self.model_type in NOPE_TYPES:
            record("none (NoPE)", None, f"{self.model_type} attention has no rotary embedding")
            return 0, False, False
        if self.model_type == "granitemoehybrid" and r.get("position_embedding_type") != "rope":
            # NOTE: granitemoehybrid.py GraniteMoeHybridAttention builds get_rope only `if
            # config.position_embedding_type == "rope"` (0.9.1-0.34.0 wheels; transformers
            # GraniteMoeHybridConfig's default None; Granite 4.0 configs say "nope")
            record("none (NoPE)", r.key("position_embedding_type"),
                   "granitemoehybrid: rope only where position_embedding_type is \"rope\"")
            return 0, False, False
        if self.model_type.startswith("llama4") and kind == "full":
            record("none (NoPE)", r.key("no_rope_layers"),
                   "0 = no rope" if r.key("no_rope_layers") else "every 4th layer is NoPE")
            return 0, False, False
        block, block_key = self._rope_block(kind)
        rope_local = kind == "sliding" and (
            self.typed_ropes or r.key("rope_local_base_freq", "swa_rope_theta") is not None
        )
        padded = block.get("rope_type") == "proportional"
        if "partial_rotary_factor" in block:
            factor, key = block["partial_rotary_factor"], f"{block_key}.partial_rotary_factor"
        else:
            key = r.key("partial_rotary_factor", "rotary_pct")
            factor = None if key is None else r.cfg[key]
        if factor is not None:
            if isinstance(factor, bool) or not isinstance(factor, int | float) or not (
                0 < factor <= 1
            ):
                raise ConfigError(f"{r.where(key)} must be a number in (0, 1], got {factor!r}")
            rotary = int(head_dim * factor)
            record(rotary, key, f"int({head_dim} x {factor:g})")
            return rotary, rope_local, padded
        key = r.key("rotary_dim", "qk_rope_head_dim")
        if key is None:
            record(head_dim, None, "= head_dim (no partial_rotary_factor)")
            return head_dim, rope_local, padded
        rotary = as_int(r.cfg[key], r.where(key), 1, MAX_WIDTH)
        if rotary > head_dim:  # it read "out of range (1 to 56)", the bound unexplained
            hd_key, derived = self.sources["head dim"]
            how = f" ({hd_key or derived})" if head_dim == self.head_dim and (
                hd_key or derived) else ""
            raise ConfigError(f"{r.where(key)} = {rotary} is more than the head dim, "
                              f"{head_dim}{how}: a head's rotary dims are some of its dims")
        record(rotary, key)
        return rotary, rope_local, padded

    def _rope_block(self, kind: str) -> tuple[dict, str]:
        """The rope_parameters / rope_scaling object of a layer kind, and its key path."""
        r = self.r
        key = r.key("rope_parameters", "rope_scaling")
        block = r.cfg[key] if key else {}
        if key and self.typed_ropes:
            layer_type = "sliding_attention" if kind == "sliding" else "full_attention"
            block, key = block.get(layer_type) or {}, f"{key}.{layer_type}"
        if not isinstance(block, dict):
            raise ConfigError(f"{r.where(str(key))} must be an object")
        return block, str(key)

    def _mla(self, i: int) -> MlaMixer:
        r = self.r
        key, derived = self.sources["attention heads"]
        r.record_layer("attention heads", self.heads, key, i, "mixer", derived)
        q_lora_rank = r.int_("q_lora_rank", hi=MAX_WIDTH)
        kv_lora_rank = r.int_("kv_lora_rank", hi=MAX_WIDTH)
        rope_dim = r.int_("qk_rope_head_dim", hi=MAX_WIDTH) or 64
        # the values planned, a class default's included (the card said "None" where
        # DeepseekV2Config's q_lora_rank 1536 was planned); a null q_lora_rank is vLLM's q_proj
        # straight from the hidden size (deepseek_v2.py: `if self.q_lora_rank is not None`)
        for label, key, value in (
                ("KV LoRA rank", "kv_lora_rank", kv_lora_rank),
                ("Q LoRA rank", "q_lora_rank",
                 "none: q_proj from the hidden size" if q_lora_rank is None else q_lora_rank),
                ("rotary dim", "qk_rope_head_dim", rope_dim)):
            r.record_layer(label, value, r.key(key) or r.null(key), i, "mixer")
        return MlaMixer(
            num_heads=self.heads,
            q_lora_rank=q_lora_rank,
            kv_lora_rank=kv_lora_rank,
            qk_nope_head_dim=r.int_("qk_nope_head_dim", hi=MAX_WIDTH) or 128,
            qk_rope_head_dim=rope_dim,
            v_head_dim=r.int_("v_head_dim", hi=MAX_WIDTH) or 128,
            index_n_heads=r.int_("index_n_heads", hi=MAX_HEADS),
            index_head_dim=r.int_("index_head_dim", hi=MAX_WIDTH),
            index_topk=r.int_("index_topk", hi=MAX_CONTEXT),
        )

    def _linear(self) -> LinearAttentionMixer:
        r = self.r
        return LinearAttentionMixer(
            num_key_heads=need(r, "linear_num_key_heads", MAX_HEADS),
            num_value_heads=need(r, "linear_num_value_heads", MAX_HEADS),
            key_head_dim=need(r, "linear_key_head_dim", MAX_WIDTH),
            value_head_dim=need(r, "linear_value_head_dim", MAX_WIDTH),
            conv_kernel_dim=r.int_("linear_conv_kernel_dim", hi=1024) or 4,
            ssm_dtype=planned_ssm_dtype(r.get("mamba_ssm_dtype")),
            ssm_dtype_unplanned=unplanned_ssm_dtype(r, "mamba_ssm_dtype"),
        )

    def dense_mlp(self, i: int, moe_model: bool) -> DenseMlp:
        """Dense MLP; MoE models' dense layers may use a different width (Llama 4)."""
        r = self.r
        keys = ("intermediate_size_mlp", "intermediate_size") if moe_model else ()
        keys += ("intermediate_size", "ffn_hidden_size", "n_inner")
        size = r.int_(*keys, hi=MAX_WIDTH)
        if size is None:
            raise r.missing("intermediate_size", "needed: dense MLP width", keys)
        r.record_layer("MLP width", size, r.key(*keys), i, "mlp")
        return DenseMlp(intermediate_size=size, gated=gated(r, self.model_type),
                        bias=mlp_bias(r, self.model_type))

    def moe_mlp(self, i: int) -> MoeMlp:
        """The MoE block of layer i from the expert keys of the config."""
        return layer_moe(self.r, self.model_type, i)


QKV_BIAS_ONLY_TYPES = (
    "qwen3", "qwen3_moe", "qwen3_vl", "qwen3_vl_text", "qwen3_vl_moe", "qwen3_vl_moe_text",
    "minimax_m2", "mimo_v2_flash",
)  # fmt: skip
"""NOTE: model_types whose vLLM attention takes its qkv_proj bias from attention_bias and
builds o_proj with bias=False: qwen3.py Qwen3DecoderLayer / qwen3_moe.py Qwen3MoeDecoderLayer
(`qkv_bias=getattr(config, "attention_bias", False)`, o_proj `bias=False`; 0.9.1, 0.10.1,
0.11.0, 0.13.0, 0.15.1, 0.17.0, 0.19.0, 0.21.0, 0.24.0, 0.27.0, 0.30.0-0.34.0 wheels; Qwen3-VL
builds these text models), minimax_m2.py MiniMaxM2DecoderLayer (0.13.0-0.34.0, same wheels),
mimo_v2_flash.py (0.19.0) / mimo_v2.py (0.21.0-0.34.0) MiMoV2Attention (qkv_proj
`bias=attention_bias`, o_proj `bias=False`)."""
QWEN3_NEXT_ATTENTION_TYPES = (
    "qwen3_next", "qwen3_5", "qwen3_5_text", "qwen3_5_moe", "qwen3_5_moe_text",
)  # fmt: skip
"""NOTE: qwen3_next.py Qwen3NextAttention (qwen3_5.py builds it too): qkv_proj
`bias=getattr(config, "qkv_bias", False)`, o_proj `bias=False` (0.11.0-0.34.0 wheels as
above; 0.34.0's CUDA Qwen3.5, vllm/models/qwen3_5/nvidia/model.py, builds it too); attention_bias
is not read."""
NO_ATTENTION_BIAS_TYPES = (
    "gemma", "mixtral", "llama4", "llama4_text", "granitemoe", "granitemoeshared", "olmoe",
    "nemotron_h", "arctic",
)  # fmt: skip
"""NOTE: model_types whose vLLM attention builds qkv_proj and o_proj with bias=False whatever
the config says: gemma.py GemmaAttention, mixtral.py MixtralAttention, llama4.py
Llama4DecoderLayer (`bias=False, bias_o_proj=False`), granitemoe.py GraniteMoeAttention (which
granitemoeshared.py GraniteMoeSharedDecoderLayer builds too: 0.9.1, 0.19.0, 0.27.1, 0.28.0,
0.31.0 and 0.34.0 wheels),
olmoe.py OlmoeAttention, nemotron_h.py NemotronHAttention, arctic.py ArcticAttention (0.28.0
read; deprecated, not served, from 0.29.0) (0.9.1-0.33.0 wheels as above; the
0.34.0 wheel drops gemma.py and olmoe.py and builds Gemma-1 and OLMoE through the Transformers
backend, whose transformers 5.24.0 GemmaAttention / OlmoeAttention q/k/v/o_proj take
`bias=config.attention_bias`: _attention_biases notes a config that sets it)."""
ALL_ATTENTION_BIAS_TYPES = ("phi", "gpt_oss")
"""NOTE: hard-coded bias=True on qkv and o: phi.py PhiAttention (0.9.1-0.31.0 wheels; 0.32.0
to 0.34.0 run Phi through the Transformers backend, which builds each linear with a bias
where the transformers module has one, models/transformers/utils.py `bias=linear.bias is not
None`: transformers 5.24.0 modeling_phi.py PhiAttention q/k/v_proj and dense `bias=True`),
gpt_oss.py OAIAttention (0.10.1-0.34.0)."""


def _attention_biases(r: Reader, model_type: str) -> tuple[bool, bool]:
    """(qkv_proj bias, o_proj bias) as vLLM's model file for `model_type` builds them.

    NOTE: llama.py LlamaDecoderLayer (also mistral.py, phi3.py's Llama model, nemotron_nas.py
    DeciLMDecoderLayer, and a model_type Headroom does not know, read as Llama): `attention_bias
    = config.attention_bias or config.bias` for both, then `if hasattr(config, "qkv_bias"):`
    qkv_proj takes config.qkv_bias instead (InternLM3); granite.py GraniteDecoderLayer takes
    attention_bias or bias for both, with no qkv_bias (0.9.1-0.34.0 wheels as above), as
    does hunyuan_v1.py HunYuanDecoderLayer (HUNYUAN_TYPES; 0.28.0 wheel).
    starcoder2.py Starcoder2Attention: `bias=config.use_bias` on both (0.9.1-0.24.0; 0.25.0 on
    run Starcoder2 through the Transformers backend: transformers 5.24.0 modeling_starcoder2.py
    Starcoder2Attention q/k/v/o_proj `bias=config.use_bias`); transformers 5.24.0
    Starcoder2Config `use_bias: bool = True`. ernie45_moe.py Ernie4_5_MoeAttention: qkv_proj
    `qkv_bias=getattr(config, "use_bias", False)`, o_proj bias=False (0.9.2, 0.19.0, 0.34.0
    wheels; Ernie4_5_MoeConfig use_bias default False). Qwen2
    (qwen2.py, qwen2_moe.py; mimo.py builds Qwen2's model): qkv_proj bias=True, o_proj False.
    gemma2.py, gemma3.py, gemma4.py (and the rest): config.attention_bias on both."""
    if model_type in QWEN2_BIAS_TYPES:
        return True, False
    if model_type in ALL_ATTENTION_BIAS_TYPES:
        return True, True
    if model_type in NO_ATTENTION_BIAS_TYPES:
        if model_type in ("gemma", "olmoe") and r.flag("attention_bias"):
            r.notes.assumptions.append(
                f"{r.prefix}attention_bias true: no q/k/v/o biases counted, as vLLM's own "
                f"{model_type}.py (0.9.1-0.33.x) builds none; vLLM 0.34 on runs this model "
                "through its Transformers backend, which builds them, so the weights there "
                "are that much higher")
        return False, False
    if model_type == "starcoder2":
        use_bias = bool(r.flag("use_bias"))
        return use_bias, use_bias
    if model_type == "ernie4_5_moe":
        return bool(r.flag("use_bias")), False
    if model_type in QWEN3_NEXT_ATTENTION_TYPES:
        return bool(r.flag("qkv_bias")), False
    if model_type in QKV_BIAS_ONLY_TYPES:
        return bool(r.flag("attention_bias")), False
    if model_type in ("granite", *LLAMA_ATTENTION_TYPES, *HUNYUAN_TYPES) or (
            model_type not in KNOWN_TYPES):
        bias = bool(r.flag("attention_bias")) or bool(r.flag("bias"))
        if model_type not in ("granite", *HUNYUAN_TYPES) and "qkv_bias" in r.cfg:
            return bool(r.flag("qkv_bias")), bias
        return bias, bias
    bias = bool(r.flag("attention_bias"))
    if bias and model_type == "olmo3":
        # NOTE: olmo2.py Olmo2Attention (Olmo3ForCausalLM, 0.11.0-0.25.0) and olmo3.py
        # Olmo3Attention (0.26.0-0.28.0) build qkv_proj and o_proj with bias=False; the
        # Transformers backend (0.29.0 on) builds transformers 5.24.0 modeling_olmo3.py's
        # q/k/v/o_proj `bias=config.attention_bias`.
        r.notes.assumptions.append(
            f"{r.prefix}attention_bias true: q/k/v/o biases counted, as vLLM 0.29 on builds "
            "them (Transformers backend); its own olmo2.py / olmo3.py (0.11.0-0.28.x) build "
            "none, so the weights there are that much lower")
    return bias, bias


def _zero_head_dim(r: Reader, model_type: str, hidden: int, heads: int) -> bool:
    """Whether config.json's head_dim is 0 on a model_type whose vLLM attention is then
    hidden_size / num_attention_heads wide (families.ZERO_HEAD_DIM_TYPES): noted, and recorded
    for vLLM before 0.25 (Notes.zero_head_dim). ConfigError for another model_type's, or where
    num_attention_heads does not divide hidden_size."""
    value = r.cfg.get("head_dim")
    if type(value) is not int or value:
        return False
    where = r.where("head_dim")
    if model_type not in ZERO_HEAD_DIM_TYPES:
        raise ConfigError(
            f"{where} is 0: Headroom plans a head_dim of 0 only where vLLM's attention is then "
            f"hidden_size / num_attention_heads wide ({', '.join(ZERO_HEAD_DIM_TYPES)}); "
            f"{model_type}'s is not or was not read for it (mixtral.py and granite.py fall back "
            "for a missing or null head_dim only; gpt_oss.py, llama4.py and the gemma models "
            "take it as given; qwen3_next.py falls back to hidden_size over one TP rank's "
            "heads, TP times wider past TP 1): remove head_dim or give the head width")
    if hidden % heads:
        raise ConfigError(f"{where} is 0 and {r.prefix}num_attention_heads = {heads} does not "
                          f"divide hidden_size = {hidden}")
    r.used.add("head_dim")
    r.notes.zero_head_dim = where
    r.notes.assumptions.append(
        f"{r.prefix}head_dim 0: read as hidden_size / num_attention_heads = {hidden} / {heads} "
        f"= {hidden // heads}, as vLLM's {model_type} attention builds it (`head_dim or "
        "hidden_size // total_num_heads`, or no head_dim read: families.ZERO_HEAD_DIM_TYPES; "
        "vLLM 0.25.0 and later, whose ModelConfig.get_head_size falls back too)")
    return True


def _unread_head_dim(r: Reader, model_type: str, hidden: int, heads: int) -> None:
    """config.json's head_dim where vLLM's own attention for `model_type` reads none and it is
    not hidden_size / num_attention_heads: recorded for the releases that build the model with
    that class (families.HEAD_DIM_UNREAD_TYPES: Notes.unread_head_dim), or noted where
    transformers does not read it either (families.QWEN2_VL_TYPES; a 0 recorded as
    Notes.zero_head_dim, what ModelConfig.get_head_size returns before 0.25.0)."""
    value, width = r.cfg.get("head_dim"), hidden // heads
    if model_type in QWEN2_VL_TYPES and "head_dim" in r.cfg:
        r.used.add("head_dim")  # read, and not planned: not an unmodelled field
        if value == 0 and type(value) is int:  # get_head_size's 0 before 0.25.0
            r.notes.zero_head_dim = r.where("head_dim")
    if type(value) is not int or value in (0, width):
        return
    where = f"{r.where('head_dim')} = {value}"
    if model_type in HEAD_DIM_UNREAD_TYPES:
        r.notes.unread_head_dim = (f"{where}, not hidden_size / num_attention_heads = {hidden} "
                                   f"/ {heads} = {width}")
    elif model_type in QWEN2_VL_TYPES:
        r.notes.assumptions.append(
            f"{where} not read: planned as hidden_size / num_attention_heads = {hidden} / "
            f"{heads} = {width}, as vLLM's {model_type} text attention (qwen2.py) and "
            "transformers build it; vLLM's ModelConfig.get_head_size returns the head_dim, "
            "which its attention backends' metadata builders take (not planned)")


def _null_kv_note(prefix: str, key: str) -> str:
    """The assumption a KV head count written out as null is read under."""
    return (f"{prefix}{key} null: assumed = num_attention_heads (MHA), as vLLM reads it "
            "(ModelConfig.get_total_num_kv_heads: a null count falls back on "
            "num_attention_heads; transformers 4.57.1 LlamaConfig and Qwen3Config set it so)")


def _check_groups(heads: int, kv: int, heads_key: str, kv_key: str) -> None:
    """Grouped-query attention shares each KV head with an equal group of query heads.

    NOTE (vLLM Attention.__init__, model_executor/layers/attention): `assert num_heads %
    num_kv_heads == 0, "num_heads (...) is not divisible by num_kv_heads (...)"`; more KV
    heads than query heads cannot divide them either. Llama-3.1-8B: 32 / 8 = 4 per group.
    """
    if kv > heads:
        raise ConfigError(f"config.json: {kv_key} = {kv} is more than {heads_key} = {heads}: "
                          "a model cannot have more KV heads than query heads")
    if heads % kv:
        raise ConfigError(f"config.json: {heads_key} = {heads} is not divisible by {kv_key} = "
                          f"{kv}: each KV head serves an equal group of query heads (vLLM "
                          "refuses this)")
