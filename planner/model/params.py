"""Parameter counts per component, total and active per token, from a ModelSpec.

Counts follow the tensors a Hugging Face checkpoint stores for each layer kind, so the
totals match transformers building the same config (checked in
tests/planner/model/test_crosscheck_meta.py and against tests/fixtures/param_counts.json).
"""

from pydantic import BaseModel, ConfigDict

from planner.model.spec import (
    AttentionMixer,
    CompressedAttention,
    DenseMlp,
    LayerSpec,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)


class LayerParams(BaseModel):
    """Parameters of one decoder layer, split by component."""

    model_config = ConfigDict(frozen=True)

    index: int
    attention: int  # token mixer incl. its norms/biases (q/k/v/o, MLA, GDN, Mamba)
    dense_mlp: int  # dense MLP (0 for MoE layers)
    routed_experts: int  # all routed experts of this layer
    expert_size: int  # one routed expert (0 if none)
    shared_experts: int  # shared experts + their gate (+ latent projections, Nemotron-3)
    router: int  # router / gate (+ bias, + Gemma 4's scale and per_expert_scale)
    norms: int  # hidden-size layernorms of the layer (+ Gemma 4's layer_scalar)
    experts_per_token: int = 0  # routed experts each token uses (0 if none)
    expert_bias: int = 0  # biases of one routed expert (part of expert_size; never quantized)
    hyper_connections: int = 0  # DeepSeek-V4's hc mixing (fn, base, scale of attn and ffn)
    per_layer_input: int = 0  # Gemma 4 PLE: input gate, projection and their norm

    @property
    def total(self) -> int:
        """All parameters of the layer."""
        return (
            self.attention
            + self.dense_mlp
            + self.routed_experts
            + self.shared_experts
            + self.router
            + self.norms
            + self.hyper_connections
            + self.per_layer_input
        )

    @property
    def inactive(self) -> int:
        """Routed-expert parameters a token does not use."""
        return self.routed_experts - self.experts_per_token * self.expert_size


class ParamBreakdown(BaseModel):
    """Parameter counts of a whole model by component; vision and MTP kept apart."""

    model_config = ConfigDict(frozen=True)

    embeddings: int
    lm_head: int  # 0 when tied to the embeddings; its bias included
    final_norm: int
    layers: tuple[LayerParams, ...]
    vision: int = 0  # vision/audio tower incl. projector (an estimate)
    mtp: int = 0  # multi-token-prediction module (not loaded by default serving)
    hc_head: int = 0  # DeepSeek-V4's hyper-connection head (collapses the streams)
    per_layer_embeddings: int = 0  # Gemma 4 PLE table, its model projection and norm
    lm_head_bias: int = 0  # Phi's logits bias (vocab_size; part of lm_head, never quantized)

    def _sum(self, name: str) -> int:
        return sum(getattr(layer, name) for layer in self.layers)

    @property
    def attention(self) -> int:
        """All token-mixer parameters."""
        return self._sum("attention")

    @property
    def dense_mlp(self) -> int:
        """All dense-MLP parameters."""
        return self._sum("dense_mlp")

    @property
    def routed_experts(self) -> int:
        """All routed-expert parameters."""
        return self._sum("routed_experts")

    @property
    def shared_experts(self) -> int:
        """All shared-expert parameters."""
        return self._sum("shared_experts")

    @property
    def routers(self) -> int:
        """All router parameters."""
        return self._sum("router")

    @property
    def norms(self) -> int:
        """All per-layer norm parameters (final norm apart)."""
        return self._sum("norms")

    @property
    def text_total(self) -> int:
        """Text model: embeddings + lm_head + final norm + layers (no vision, no MTP)."""
        return (self.embeddings + self.lm_head + self.final_norm + self.hc_head
                + self.per_layer_embeddings + self._sum("total"))

    @property
    def total(self) -> int:
        """Text model plus the vision tower (MTP excluded: vLLM does not load it by default)."""
        return self.text_total + self.vision

    @property
    def active(self) -> int:
        """Parameters used per token: text_total minus the routed experts not selected, the
        whole embedding table and lm_head included.

        NOTE: publishers may count without the input embedding table (a token reads one row of
        it): OpenAI's "117B parameters with 5.1B active parameters" (gpt-oss-120b) and "21B
        ... with 3.6B active" (gpt-oss-20b), openai/gpt-oss README.md, are 5,711,982,912 and
        4,187,440,704 here less 201,088 x 2,880 = 579,133,440: 5.13 B and 3.61 B."""
        return self.text_total - self._sum("inactive")


def attention_params(mixer: object, hidden: int) -> int:
    """Parameters of one token mixer (projections, biases, norms inside the mixer)."""
    if isinstance(mixer, AttentionMixer):
        return _softmax_attention(mixer, hidden)
    if isinstance(mixer, MlaMixer):
        return _mla(mixer, hidden)
    if isinstance(mixer, LinearAttentionMixer):
        return _gated_deltanet(mixer, hidden)
    if isinstance(mixer, MambaMixer):
        return _mamba2(mixer, hidden)
    return 0


def _softmax_attention(a: AttentionMixer, hidden: int) -> int:
    # NOTE: q (x2 with an output gate, Qwen3-Next), k, v (none when K=V, Gemma 4), o.
    # Llama-3.1-8B: 4096*4096 + 2*4096*1024 + 4096*4096 = 41,943,040 per layer.
    # A layer reading an earlier layer's KV (kv_source) has no k/v projections nor k_norm
    # (vLLM 0.33.0 and 0.34.0 gemma4.py Gemma4Attention: q_proj, o_proj and q_norm only).
    reuses_kv = a.kv_source is not None
    q_out = a.num_heads * a.head_dim * (2 if a.output_gate else 1)
    k_out = 0 if reuses_kv else a.num_kv_heads * a.head_dim
    v_out = 0 if a.kv_shared or reuses_kv else a.num_kv_heads * a.v_head_dim
    params = hidden * (q_out + k_out + v_out) + a.num_heads * a.v_head_dim * hidden
    if a.qkv_bias:
        params += q_out + k_out + v_out
    if a.o_bias:
        params += hidden
    params += qk_norm_params(a)
    if a.sinks:
        params += a.num_heads
    return params


def qk_norm_params(a: AttentionMixer) -> int:
    """A layer's q/k norm weights: one head_dim each (Qwen3), or all heads x head_dim with
    qk_norm_per_layer (MiniMax-M2, OLMo 2); k's none for a layer reading another layer's KV;
    0 without q/k norms."""
    if not a.qk_norm:
        return 0
    reuses_kv = a.kv_source is not None
    if a.qk_norm_per_layer:
        return (a.num_heads + (0 if reuses_kv else a.num_kv_heads)) * a.head_dim
    return (1 if reuses_kv else 2) * a.head_dim


def _mla(m: MlaMixer, hidden: int) -> int:
    # NOTE: DeepSeek-V3 MLA (modeling_deepseek.py): q_a 7168x1536 + norm 1536 +
    # q_b 1536x(128*192); kv_a 7168x(512+64) + norm 512; kv_b 512x(128*(128+128));
    # o (128*128)x7168 -> 187,107,328 per layer.
    qk_dim = m.qk_nope_head_dim + m.qk_rope_head_dim
    if m.q_lora_rank:
        q = hidden * m.q_lora_rank + m.q_lora_rank + m.q_lora_rank * m.num_heads * qk_dim
    else:
        q = hidden * m.num_heads * qk_dim
    kv = hidden * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank
    kv += m.kv_lora_rank * m.num_heads * (m.qk_nope_head_dim + m.v_head_dim)
    o = m.num_heads * m.v_head_dim * hidden
    indexer = 0
    if m.index_n_heads and m.index_head_dim:
        # NOTE: DeepSeek-V3.2 indexer: wq_b q_lora x (heads*dim), wk hidden x dim,
        # k_norm LayerNorm(dim) weight+bias, weights_proj hidden x heads.
        q_in = m.q_lora_rank or hidden
        heads, dim = m.index_n_heads, m.index_head_dim
        indexer = q_in * heads * dim + hidden * dim + 2 * dim + hidden * heads
    return q + kv + o + indexer


def _gated_deltanet(g: LinearAttentionMixer, hidden: int) -> int:
    # NOTE: Qwen3-Next GatedDeltaNet: in_proj_qkvz hidden x (2*nk*dk + 2*nv*dv), in_proj_ba
    # hidden x 2*nv, conv1d (2*nk*dk + nv*dv) x kernel (no bias), dt_bias nv, A_log nv,
    # gated RMSNorm dv, out_proj (nv*dv) x hidden.
    key_dim = g.num_key_heads * g.key_head_dim
    value_dim = g.num_value_heads * g.value_head_dim
    in_proj = hidden * (2 * key_dim + 2 * value_dim + 2 * g.num_value_heads)
    conv = (2 * key_dim + value_dim) * g.conv_kernel_dim
    return in_proj + conv + 2 * g.num_value_heads + g.value_head_dim + value_dim * hidden


def _mamba2(m: MambaMixer, hidden: int) -> int:
    # NOTE: Mamba2 (transformers NemotronHMamba2Mixer): in_proj hidden x (2*d_inner +
    # 2*groups*d_state + heads), conv1d (d_inner + 2*groups*d_state) x (kernel + 1 bias),
    # dt_bias, A_log, D (heads each), gated RMSNorm d_inner, out_proj d_inner x hidden;
    # in_proj / out_proj biases with use_bias, no conv1d bias without use_conv_bias (mamba_mixer).
    d_inner = m.num_heads * m.head_dim
    conv_dim = d_inner + 2 * m.n_groups * m.state_size
    in_width = 2 * d_inner + 2 * m.n_groups * m.state_size + m.num_heads
    proj_biases = in_width + hidden if m.proj_bias else 0
    conv = conv_dim * (m.conv_kernel + (1 if m.conv_bias else 0))
    return hidden * in_width + conv + 3 * m.num_heads + d_inner + d_inner * hidden + proj_biases


def dsv4_attention_params(c: CompressedAttention, hidden: int, ratio: int) -> int:
    """One DeepSeek-V4 attention block: q/kv projections, q/o LoRA, sinks, compressor and
    (ratio 4) the Lightning indexer with its own compressor.

    NOTE: vLLM models/deepseek_v4 (0.22.0 wheel), nvidia/model.py DeepseekV4Attention:
    fused_wqa_wkv hidden -> q_lora + head_dim, q_norm q_lora, wq_b q_lora -> heads x head_dim,
    kv_norm head_dim, wo_a (heads x head_dim / o_groups) -> o_groups x o_lora (grouped),
    wo_b o_groups x o_lora -> hidden, attn_sink one per head (q_head_norm has no weight);
    compressor.py DeepseekCompressor (coff = 2 for ratio 4, else 1): ape ratio x coff x dim,
    fused_wkv_wgate hidden -> 2 x coff x dim, norm dim; attention.py DeepseekV4Indexer
    (ratio 4 only): wq_b q_lora -> index_heads x index_dim, weights_proj hidden ->
    index_heads, and a compressor of width index_dim. DeepSeek-V4-Flash by hand: base
    4096 x 1536 + 1024 + 1024 x 32768 + 512 + 4096 x 8192 + 8192 x 4096 + 64 = 106,956,352;
    ratio 128 + (128 x 512 + 4096 x 1024 + 512) = 111,216,704; ratio 4 + (4 x 1024 + 4096 x
    2048 + 512) + (1024 x 8192 + 4096 x 64 + 4 x 256 + 4096 x 512 + 128) = 126,098,624.
    """
    heads, dim = c.num_heads, c.head_dim
    params = hidden * (c.q_lora_rank + dim) + c.q_lora_rank + dim
    params += c.q_lora_rank * heads * dim + heads * dim * c.o_lora_rank
    params += c.o_groups * c.o_lora_rank * hidden + heads
    if ratio > 1:
        params += _dsv4_compressor(hidden, dim, ratio)
    if ratio == 4:
        params += c.q_lora_rank * c.index_n_heads * c.index_head_dim + hidden * c.index_n_heads
        params += _dsv4_compressor(hidden, c.index_head_dim, ratio)
    return params


def _dsv4_compressor(hidden: int, dim: int, ratio: int) -> int:
    """DeepseekCompressor: ape (ratio x coff x dim) + fused_wkv_wgate + norm (dim)."""
    coff = 2 if ratio == 4 else 1
    return ratio * coff * dim + hidden * 2 * coff * dim + dim


def dsv4_hyper_params(c: CompressedAttention, hidden: int) -> int:
    """One layer's hyper-connection mixing, for attention and for the MoE: fn (mix x hc_mult
    x hidden), base (mix), scale (3), mix = (2 + hc_mult) x hc_mult (nvidia/model.py
    DeepseekV4DecoderLayer). Flash: 2 x (24 x 16384 + 24 + 3) = 786,486."""
    mix = (2 + c.hc_mult) * c.hc_mult
    return 2 * (mix * c.hc_mult * hidden + mix + 3)


def mlp_params(width: int, hidden: int, gated: bool, bias: bool) -> int:
    """One feed-forward block: gate+up+down (gated) or up+down, with optional biases."""
    matrices = 3 if gated else 2
    biases = (2 * width + hidden if gated else width + hidden) if bias else 0
    return matrices * hidden * width + biases


def latent_params(mlp: MoeMlp, hidden: int) -> int:
    """Nemotron-3's fc1 / fc2 latent projections (hidden -> latent_size -> hidden, counted
    with the shared experts), with their biases where mlp_bias gives them (latent_bias_params);
    0 without a latent MoE."""
    return 2 * hidden * mlp.latent_size + latent_bias_params(mlp, hidden) if mlp.latent_size \
        else 0


def latent_bias_params(mlp: MoeMlp, hidden: int) -> int:
    """The latent projections' biases: fc1's (latent_size) and fc2's (hidden)."""
    return mlp.latent_size + hidden if mlp.latent_size and mlp.latent_bias else 0


def layer_params(
    layer: LayerSpec, hidden: int, norm_bias: bool = False, per_layer_input: int = 0
) -> LayerParams:
    """Parameters of one decoder layer (DeepSeek-V4: see _dsv4_layer); `per_layer_input`:
    the Gemma 4 per-layer embedding width (0: none)."""
    mlp = layer.mlp
    dense = routed = expert = expert_bias = shared = router = top_k = 0
    if isinstance(mlp, DenseMlp):
        dense = mlp_params(mlp.intermediate_size, hidden, mlp.gated, mlp.bias)
    elif isinstance(mlp, MoeMlp):
        width_in = mlp.latent_size or hidden
        expert = mlp_params(mlp.expert_intermediate_size, width_in, mlp.gated, mlp.bias)
        expert_bias = expert - mlp_params(mlp.expert_intermediate_size, width_in, mlp.gated, False)
        routed = mlp.num_experts * expert
        top_k = mlp.experts_per_token
        router = hidden * mlp.num_experts + (mlp.num_experts if mlp.router_bias else 0)
        if mlp.router_scales:
            # NOTE: Gemma 4 router (transformers 5.24 modeling_gemma4.py Gemma4TextRouter;
            # vLLM 0.33.0 and 0.34.0 gemma4.py Gemma4Router): scale [hidden] on its input and
            # per_expert_scale [num_experts] on the top-k weights, beside proj.
            router += hidden + mlp.num_experts
        if mlp.num_shared_experts:
            shared = mlp_params(mlp.shared_intermediate_size, hidden, mlp.gated, False)
            shared += hidden if mlp.shared_expert_gate else 0
        shared += latent_params(mlp, hidden)
    return LayerParams(
        index=layer.index,
        attention=attention_params(layer.mixer, hidden),
        dense_mlp=dense,
        routed_experts=routed,
        expert_size=expert,
        shared_experts=shared,
        router=router,
        norms=layer.num_norms * hidden * (2 if norm_bias else 1) + layer.num_scalars,
        experts_per_token=top_k,
        expert_bias=expert_bias,
        # NOTE: Gemma 4 PLE (transformers 5.24 modeling_gemma4.py Gemma4TextDecoderLayer,
        # vLLM 0.33.0-0.34.0 gemma4.py Gemma4DecoderLayer): per_layer_input_gate hidden x width,
        # per_layer_projection width x hidden, post_per_layer_input_norm hidden.
        per_layer_input=(2 * hidden * per_layer_input + hidden) if per_layer_input else 0,
    )


def _dsv4_layer(spec: ModelSpec, layer: LayerSpec) -> LayerParams:
    """A DeepSeek-V4 layer: its own attention block, hyper-connections, and a router with a
    token-id table (int, vocab x top_k) on the first num_hash_layers layers in place of the
    e_score_correction_bias (nvidia/model.py DeepseekV4MoE)."""
    c, hidden = spec.compressed_attention, spec.hidden_size
    base = layer_params(layer, hidden)
    mlp = layer.mlp
    router = base.router
    if isinstance(mlp, MoeMlp):
        router = hidden * mlp.num_experts + (
            spec.vocab_size * mlp.experts_per_token if layer.index < c.num_hash_layers
            else mlp.num_experts)
    return base.model_copy(update={
        "attention": dsv4_attention_params(c, hidden, c.compress_ratios[layer.index]),
        "router": router, "hyper_connections": dsv4_hyper_params(c, hidden)})


def count_params(spec: ModelSpec) -> ParamBreakdown:
    """Parameter counts of the model, per component and per layer."""
    hidden = spec.hidden_size
    norm = hidden * (2 if spec.norm_bias else 1)
    c = spec.compressed_attention
    ple = spec.per_layer_input_size
    layers = tuple(_dsv4_layer(spec, layer) if c else layer_params(
        layer, hidden, spec.norm_bias, ple) for layer in spec.layers)
    embeddings = spec.vocab_size * hidden
    lm_head = 0 if spec.tie_word_embeddings else embeddings
    # NOTE: Phi's lm_head carries a bias, vocab_size values: phi.py PhiForCausalLM
    # `ParallelLMHead(config.vocab_size, config.hidden_size, bias=True)` (0.9.1-0.31.0 wheels;
    # it asserts the head untied); 0.32.0-0.34.0 run Phi through the Transformers backend,
    # whose models/transformers/causal.py load_weights registers lm_head.bias from the
    # checkpoint (transformers 5.24.0 modeling_phi.py PhiForCausalLM lm_head bias=True).
    # Phi-2: 51,200 parameters.
    lm_head_bias = spec.vocab_size if spec.lm_head_bias and lm_head else 0
    mtp = 0
    if spec.mtp_layers:
        # NOTE: one MTP module = a copy of the last decoder layer + enorm + hnorm +
        # eh_proj (2*hidden -> hidden) + its output norm; DeepSeek-V3 also stores its own
        # embedding and head copies per module (model.layers.61.embed_tokens / shared_head).
        # MiMo-V2-Flash: its own draft layer shape (spec.mtp_layer).
        last = (layer_params(spec.mtp_layer, hidden, spec.norm_bias).total if spec.mtp_layer
                else layers[-1].total)
        own = 2 * embeddings if spec.mtp_own_embeddings else 0
        mtp = spec.mtp_layers * (last + 3 * norm + 2 * hidden * hidden + own)
    return ParamBreakdown(
        embeddings=embeddings,
        lm_head=lm_head + lm_head_bias,
        lm_head_bias=lm_head_bias,
        final_norm=norm,
        layers=layers,
        vision=spec.vision.params if spec.vision else 0,
        mtp=mtp,
        # NOTE: DeepseekV4Model hc_head_fn (hc_mult x hc_mult x hidden), base, scale (1).
        hc_head=c.hc_mult * (c.hc_mult * hidden + 1) + 1 if c else 0,
        per_layer_embeddings=per_layer_embedding_params(spec),
    )


def per_layer_embedding_params(spec: ModelSpec) -> int:
    """Gemma 4's model-wide PLE tensors: embed_tokens_per_layer (vocab_size_per_layer_input x
    layers x width), per_layer_model_projection (hidden x layers x width) and
    per_layer_projection_norm (width); 0 without PLE.

    NOTE: transformers 5.24 modeling_gemma4.py Gemma4TextModel; vLLM 0.33.0 and 0.34.0 gemma4.py
    Gemma4Model (VocabParallelEmbedding, ColumnParallelLinear, RMSNorm).
    """
    width = spec.per_layer_input_size
    return (spec.per_layer_input_vocab + spec.hidden_size) * spec.num_layers * width + width
