"""ModelSpec: the architecture of a model, parsed once from its config.json.

This is the only module that knows Hugging Face key names. Everything downstream
(parameter counts, weights, KV cache, plans) reads the typed fields here, never a
raw config dict. Each layer carries its own token mixer (attention of some kind,
or a recurrent state) and its own MLP, so hybrid, sliding-window, MLA and
heterogeneous (NAS) models are all described the same way.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.units import TorchDtype


class ConfigError(ValueError):
    """A config.json that cannot be planned; the message says exactly why."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- token mixers (one per layer kind) -------------------------------------------------


class AttentionMixer(_Frozen):
    """Standard softmax attention (MHA / GQA / MQA), full or sliding-window."""

    kind: Literal["full", "sliding"] = "full"
    num_heads: int = Field(gt=0, description="query heads")
    num_kv_heads: int = Field(gt=0, description="key/value heads (GQA groups)")
    head_dim: int = Field(gt=0, description="dimension of one K head")
    v_head_dim: int = Field(gt=0, description="dimension of one V head (usually = head_dim)")
    sliding_window: int | None = Field(default=None, gt=0, description="tokens kept, if sliding")
    chunked: bool = Field(
        default=False, description="chunked local attention (Llama 4): sliding_window is "
        "attention_chunk_size; vLLM ChunkedLocalAttentionSpec sizes its need without the "
        "window's -1 and +1 block"
    )
    kv_shared: bool = Field(default=False, description="K and V share one projection (k_eq_v)")
    kv_source: int | None = Field(
        default=None, ge=0, description="the earlier layer whose KV this layer reads (Gemma 4 "
        "num_kv_shared_layers; vLLM kv_sharing_target_layer_name): q and o projections and "
        "q_norm only"
    )
    qkv_bias: bool = False
    o_bias: bool = False
    qk_norm: bool = Field(default=False, description="per-head RMSNorm on q and k (Qwen3)")
    sinks: bool = Field(default=False, description="learned attention-sink logits (gpt-oss)")
    output_gate: bool = Field(default=False, description="gated output projection (Qwen3-Next)")
    qk_norm_per_layer: bool = Field(
        default=False, description="q/k norms span all heads (MiniMax-M2), not one head"
    )
    qk_norm_whole: bool = Field(
        default=False, description="with qk_norm_per_layer: every TP rank holds the q/k norms "
        "whole, not its heads' share (OLMo 2, OLMoE: vLLM all-gathers q and k before them)"
    )
    rotary_dim: int = Field(
        ge=0,
        description="dims of each q/k head that RoPE rotates (partial_rotary_factor x head_dim,"
        " or rotary_dim); 0: no RoPE (NoPE layers); omitted: the full head_dim",
    )
    rope_local: bool = Field(
        default=False,
        description="sliding layer with its own unscaled rope (Gemma 3 rope_local_base_freq, "
        "Gemma 4 rope_parameters.sliding_attention, MiMo-V2 swa_rope_theta)",
    )
    rope_padded: bool = Field(
        default=False,
        description="proportional rope (Gemma 4): the cos/sin cache spans the full head_dim, "
        "the dims past rotary_dim padded as identity rotations",
    )

    @model_validator(mode="before")
    @classmethod
    def _full_rotary_by_default(cls, data: Any) -> Any:
        """A mixer built without rotary_dim rotates its whole head (most models)."""
        if isinstance(data, dict) and data.get("rotary_dim") is None and "head_dim" in data:
            return {**data, "rotary_dim": data["head_dim"]}
        return data

    @model_validator(mode="after")
    def _rotary_within_head(self) -> "AttentionMixer":
        if self.rotary_dim > self.head_dim:
            raise ValueError(f"rotary_dim {self.rotary_dim} exceeds head_dim {self.head_dim}")
        return self

    @property
    def rope_cache_dim(self) -> int:
        """Width of the cos/sin cache vLLM builds for this layer (0 without RoPE)."""
        return self.head_dim if self.rope_padded and self.rotary_dim else self.rotary_dim


class MlaMixer(_Frozen):
    """Multi-head latent attention (DeepSeek-V2/V3, Kimi K2): one compressed latent per token."""

    kind: Literal["mla"] = "mla"
    num_heads: int = Field(gt=0)
    q_lora_rank: int | None = Field(default=None, gt=0, description="None: q projected directly")
    kv_lora_rank: int = Field(gt=0)
    qk_nope_head_dim: int = Field(gt=0)
    qk_rope_head_dim: int = Field(gt=0)
    v_head_dim: int = Field(gt=0)
    index_n_heads: int | None = Field(default=None, description="sparse-attention indexer heads")
    index_head_dim: int | None = Field(default=None, description="indexer key dimension")
    index_topk: int | None = Field(default=None, description="tokens each query attends to "
                                   "(sparse attention: the indexer's top-k)")


class LinearAttentionMixer(_Frozen):
    """Gated DeltaNet linear attention (Qwen3-Next, Qwen3.5): a fixed state per sequence."""

    kind: Literal["linear"] = "linear"
    num_key_heads: int = Field(gt=0)
    num_value_heads: int = Field(gt=0)
    key_head_dim: int = Field(gt=0)
    value_head_dim: int = Field(gt=0)
    conv_kernel_dim: int = Field(gt=0)
    ssm_dtype: TorchDtype | None = Field(
        default=None, description="config mamba_ssm_dtype: the recurrent state's dtype, if set")
    ssm_dtype_unplanned: str | None = Field(
        default=None, description="config mamba_ssm_dtype written as a string other than "
        "float32, float16 or bfloat16, as \"config.json: text_config.mamba_ssm_dtype = "
        "'half'\" (model_config.ssm_dtype_errors); None: one of those or not written")


class MambaMixer(_Frozen):
    """Mamba2 selective state-space layer (Nemotron-H, Jamba, Granite 4): a fixed state."""

    kind: Literal["mamba"] = "mamba"
    num_heads: int = Field(gt=0)
    head_dim: int = Field(gt=0)
    state_size: int = Field(gt=0, description="ssm_state_size (d_state)")
    n_groups: int = Field(gt=0)
    conv_kernel: int = Field(gt=0)
    state_dtype: TorchDtype | None = Field(
        default=None, description="config mamba_ssm_cache_dtype as written (the SSM state's "
        "dtype where the model class reads it: config_ssm_dtype); None: not written")
    config_ssm_dtype: bool = Field(
        default=False, description="vLLM takes the SSM state's dtype from the config "
        "(NemotronHForCausalLMConfig: Nemotron-H); else the model dtype")
    state_dtype_unplanned: str | None = Field(
        default=None, description="config mamba_ssm_cache_dtype written as a string other "
        "than float32, float16 or bfloat16, as \"config.json: mamba_ssm_cache_dtype = "
        "'fp7'\" (model_config.ssm_dtype_errors); None: one of those or not written")
    conv_bias: bool = Field(default=True, description="conv1d has a bias (use_conv_bias)")
    proj_bias: bool = Field(default=False, description="in_proj and out_proj have biases "
                            "(use_bias)")
    chunk_size: int = Field(default=2048, gt=0, description="the SSD kernel's chunk "
                            "(mamba_chunk_size, else chunk_size; vLLM ModelConfig."
                            "get_mamba_chunk_size's 2048 where neither is set)")


Mixer = Annotated[
    AttentionMixer | MlaMixer | LinearAttentionMixer | MambaMixer, Field(discriminator="kind")
]


# --- MLPs ------------------------------------------------------------------------------


class DenseMlp(_Frozen):
    """A dense feed-forward block."""

    kind: Literal["dense"] = "dense"
    intermediate_size: int = Field(gt=0)
    gated: bool = Field(default=True, description="SwiGLU/GeGLU: gate+up+down; else up+down")
    bias: bool = False


class MoeMlp(_Frozen):
    """A mixture-of-experts block: routed experts, optional shared experts and a router."""

    kind: Literal["moe"] = "moe"
    num_experts: int = Field(gt=0)
    experts_per_token: int = Field(gt=0)
    expert_intermediate_size: int = Field(gt=0)
    num_shared_experts: int = Field(default=0, ge=0)
    shared_intermediate_size: int = Field(default=0, ge=0, description="per shared expert")
    shared_expert_gate: bool = Field(default=False, description="sigmoid gate on shared expert")
    gated: bool = True
    bias: bool = Field(default=False, description="biases on expert projections (gpt-oss)")
    router_bias: bool = Field(default=False, description="router bias / correction term")
    renormalize: bool = Field(
        default=False, description="the router renormalizes its top-k weights: config "
        "norm_topk_prob (Qwen3-Next / Qwen3.5 true where left out; Mixtral always)"
    )
    router_scales: bool = Field(
        default=False, description="router input scale (hidden) and per-expert scale (Gemma 4)"
    )
    router_fp32: bool = Field(
        default=False, description="router weight and bias held in float32 (MiniMax-M2, MiMo-V2)"
    )
    router_dtype_float32: bool = Field(
        default=False, description="config moe_router_dtype is \"float32\" (what vLLM holds "
        "in float32 for it is per model and release: router_dtype.gate_fp32)"
    )
    latent_size: int | None = Field(
        default=None, gt=0, description="routed experts work in this latent width (Nemotron-3)"
    )
    latent_bias: bool = Field(
        default=False, description="biases on the latent projections (Nemotron-3 mlp_bias)"
    )


Mlp = Annotated[DenseMlp | MoeMlp, Field(discriminator="kind")]


class LayerSpec(_Frozen):
    """One decoder layer: a token mixer and an MLP (either may be absent: Nemotron-H, NAS)."""

    index: int = Field(ge=0)
    mixer: Mixer | None
    mlp: Mlp | None
    num_norms: int = Field(default=2, ge=0, description="hidden-size norm vectors in the layer")
    num_scalars: int = Field(
        default=0, ge=0, description="one-value tensors in the layer (Gemma 4's layer_scalar)"
    )

    @property
    def kv_source(self) -> int | None:
        """The earlier layer whose KV cache this one reads (AttentionMixer.kv_source: Gemma 4
        num_kv_shared_layers), or None: a layer with a cache of its own, or with none."""
        return self.mixer.kv_source if isinstance(self.mixer, AttentionMixer) else None


# --- everything else ---------------------------------------------------------------------


class IncEntry(_Frozen):
    """An AutoRound extra_config entry vLLM builds as a quantized layer of its own config: its
    bits, group_size and sym, each filled in with the checkpoint's (sym: true where the
    checkpoint has none, as vLLM defaults it from 0.29; None where it is written as null, as
    vLLM reads it). An FP8-block checkpoint's entries may carry a block (two ints)."""

    module: str
    bits: int
    group_size: int | tuple[int, int]
    sym: bool | None


class IncFormat(_Frozen):
    """An AutoRound block planned as 16-bit weights (its format is not planned here), as vLLM's
    INCConfig.__init__ checks it: autoround.inc_format_errors refuses it where that release
    does."""

    method: str = Field(description="quant_method as written, lower-cased ('auto-round')")
    bits: int | None = Field(description="None: absent or not an integer")
    symmetric: bool | None = Field(description="`sym` as stored; None: absent or null")
    sym_null: bool = Field(default=False, description="`sym` written as null, which vLLM reads "
                           "as None (QuantSpec.sym_null)")
    data_type: str = Field(description="as written ('mx_fp4'); 'int' when absent")
    packing_format: str | None = Field(description="None: absent (each release defaults it to "
                                       "one it takes)")
    group_size: int | None = Field(default=None, description="None: absent or not an integer")
    backend: str | None = Field(default=None, description="`backend` (or `vllm_backend`) as "
                                "written; None: absent ('auto')")
    block_size: tuple[int, int] | None = Field(default=None, description="a 2-D group_size as "
                                               "written (block FP8)")
    entries: tuple[IncEntry, ...] = Field(
        default=(), description="MXFP / FP blocks: the extra_config entries vLLM builds as "
        "quantized layers of their own (QuantSpec.inc_entries), which resolve_scheme matches "
        "to a scheme (autoround.inc_format_errors)")


class ModuleFormat(_Frozen):
    """One module's own format in a checkpoint that lists them (ModelOpt MIXED_PRECISION
    quantized_layers, AutoRound extra_config)."""

    module: str = Field(description="as listed: 'model.language_model.layers.0.mlp.experts'")
    algo: str = Field(description="the ModelOpt quant_algo ('FP8', 'NVFP4', 'W4A16_NVFP4') or "
                      "AutoRound's bits and group ('int8 g128')")
    scheme: str = Field(description="key into planner.model.quant schemes, e.g. 'fp8-tensor'")
    weight_only: bool = Field(default=False, description="16-bit activations (W4A16_NVFP4)")


class ReleaseExclusions(_Frozen):
    """The exclusion list the vLLM releases before `until` read, where it is not the newest
    release's (QuantSpec.older_exclusions): `key`'s list as stored, () where the config gives
    none under it."""

    until: tuple[int, int, int] = Field(description="the first release that reads another")
    key: str = Field(description="the quantization_config key these releases read")
    modules: tuple[str, ...] = ()


class ModelOptFaults(_Frozen):
    """What a ModelOpt config holds where vLLM's config reader asks for another type: the
    exclusion list not a list, or holding a non-string, and kv_cache_quant_algo not a string
    (modelopt.modelopt_type_errors judges them per release)."""

    key: str = Field(description="the exclusion list's key (exclude_modules / ignore)")
    flat: bool = Field(description="a config.json quantization_config (no 'quantization' "
                       "block), whose releases before 0.33 read another exclusion key")
    list_type: str | None = Field(default=None, description="Python type of an exclusion "
                                  "value that is not a list but empty or null ('dict', "
                                  "'NoneType'); a non-empty one is a ConfigError")
    entry: str | None = Field(default=None, description="repr of the list's first non-string")
    kv_type: str | None = Field(default=None, description="Python type of a kv_cache_quant_algo "
                                "that is neither a string nor null")


class QuantSpec(_Frozen):
    """How the checkpoint's weights are stored, from quantization_config / hf_quant_config.json.

    A checkpoint with module_formats stores each listed module in its own format and every
    other one in 16-bit; scheme and weight_only are then its routed experts' (or the 4-bit
    one's: most of its weights)."""

    method: str = Field(description="gptq, awq, compressed-tensors, fp8, mxfp4, modelopt, ...")
    scheme: str = Field(description="key into planner.model.quant schemes, e.g. 'w4a16-gptq-g128'")
    weight_bits: int | None = None
    group_size: int | None = None
    block_size: tuple[int, int] | None = Field(default=None, description="fp8 block scales")
    input_qscheme: str | None = Field(
        default=None, description="a Quark checkpoint's input_tensors qscheme (None: 16-bit "
        "inputs), which vLLM's FP8 MoE method pairs with the weights' and older releases read "
        "per format (torchao_quark.own_loader_errors)")
    excluded_modules: tuple[str, ...] = Field(default=(), description="kept in 16-bit, as "
                                              "the newest vLLM release read reads the list")
    excluded_key: str | None = Field(
        default=None, description="the quantization_config key excluded_modules is read from "
        "('ignored_layers', 'modules_to_not_convert', 'ignore', ...; config.quant."
        "EXCLUSION_KEYS); None where the config gives none the method's loader reads")
    older_exclusions: tuple[ReleaseExclusions, ...] = Field(
        default=(), description="the lists older releases read instead, oldest first (FP8's "
        "ignored_layers alone before 0.10.1, ModelOpt's config.json keys): release_exclusions")
    targets: tuple[str, ...] = Field(
        default=(), description="compressed-tensors: its config groups' targets, in order (a "
        "group targeting one '...Attention' module left out, as vLLM leaves it); () where a "
        "group gives none or another method: every linear layer taken as targeted "
        "(exclusion_match.ct_targeted)")
    kv_cache_dtype: Literal["fp8"] | None = Field(default=None, description="checkpoint KV")
    act_order: bool = Field(
        default=False, description="GPTQ desc_act (group_size not -1) or compressed-tensors "
        "actorder group/dynamic: vllm_versions.marlin_moe_pads")
    act_order_rule: str | None = Field(
        default=None, description="the first GPTQ `dynamic` rule (its pattern as written) that "
        "gives the modules it matches group act-order (its desc_act, else the checkpoint's, true "
        "with its group_size, else the checkpoint's, not -1): wna16_loaders.act_order_errors")
    weight_only: bool = Field(
        default=False, description="activations stay 16-bit where the scheme's GEMMs could "
        "take them quantized (ModelOpt W4A16_NVFP4): speed.kernels.kernel_family")
    module_formats: tuple[ModuleFormat, ...] = Field(
        default=(), description="per-module formats (ModelOpt MIXED_PRECISION quantized_layers)"
    )
    module_schemes: tuple[ModuleFormat, ...] = Field(
        default=(), description="AutoRound extra_config entries vLLM's INC loader builds in "
        "another int format than `scheme` (their own bits / group_size; a listed lm_head, "
        "quantized), or the modules a GPTQ `dynamic` rule gives their own bits / group_size "
        "(config.quant.gptq_dynamic), or an exclusion list's lone projections at 16 bits "
        "(scheme 'bf16': config.quant._kept_alone): each listed module in its own, every "
        "other one in `scheme` (planner.model.quant.checkpoint_module_bits)")
    inc_entries: tuple[IncEntry, ...] = Field(
        default=(), description="AutoRound extra_config entries of linear layers (lm_head "
        "included) in other bits, group_size or sym than the checkpoint's; not 16-bit, regex "
        "or routed experts' ones: autoround.inc_errors checks each against vLLM's kernels")
    dynamic_entries: tuple[IncEntry, ...] = Field(
        default=(), description="GPTQ `dynamic`: the layers (vLLM's prefix, 'model.layers.0."
        "mlp.down_proj') a positive rule gives bits, sym or a group Marlin does not take "
        "(config.quant.gptq_dynamic): wna16_kernels.gptq_dynamic_errors refuses them per release")
    expert_conflict: str | None = Field(
        default=None, description="AutoRound: the first FusedMoE layer ('model.layers.1.mlp."
        "experts') whose routed experts' extra_config entries give different bits, group_size "
        "or sym (autoround.inc_errors)")
    gate_up_conflict: str | None = Field(
        default=None, description="AutoRound: the first dense gate_up_proj ('model.layers.0."
        "mlp.gate_up_proj') whose gate_proj / up_proj extra_config entries differ, on a model "
        "some release does not fuse them in (gate_up_fused_last; autoround.inc_errors)")
    gate_up_fused_last: tuple[int, int, int] | None = Field(
        default=None, description="AutoRound: the last vLLM release whose INC loader fuses this "
        "model's dense gate_proj / up_proj (config.quant.inc_gate_up_fused_last); None: every "
        "release, (0, 0, 0): none")
    symmetric: bool | None = Field(
        default=None, description="AutoRound's `sym` key as stored (None: absent): vLLM's INC "
        "loader needs it up to 0.28, and symmetric GPTQ packing for Marlin (autoround.inc_errors); "
        "GPTQ: its sym likewise (wna16_loaders.gptq_sym_errors, marlin_keys_miss); AWQ: not its "
        "zero_point (true where zero_point is false, which Marlin does not take)")
    awq_old_keys: bool = Field(
        default=False, description="AWQ: bits or group size given only as AutoAWQ's older "
        "w_bit / q_group_size, which vLLM's AWQ config reads but its Marlin check up to 0.23 "
        "does not (wna16_loaders.marlin_keys_miss)")
    backend: str | None = Field(
        default=None, description="AutoRound's backend / vllm_backend key (None: absent, vLLM "
        "reads 'auto'): 'gptq' or 'awq' turns vLLM's Marlin kernels off (autoround.inc_errors)")
    packing_null: bool = Field(
        default=False, description="AutoRound: packing_format written as null, which vLLM "
        "refuses before 0.29 and reads as its default from 0.29 (autoround.inc_errors)")
    desc_act_null: bool = Field(
        default=False, description="GPTQ: desc_act written as null, which vLLM's GPTQ configs "
        "read as None and its Marlin check up to 0.21 does not take "
        "(wna16_loaders.marlin_keys_miss)")
    modelopt_legacy_algo: str | None = Field(
        default=None, description="ModelOpt: the quant_algo of a config in the legacy layout "
        "(producer.name 'modelopt' and a 'quantization' block), as written, which vLLM's config "
        "reader turns into a quant_method or refuses (modelopt.modelopt_legacy_errors)")
    awq_marlin_missing: str | None = Field(
        default=None, description="AWQ: the first of bits / group_size the config does not "
        "hold under that key (AutoAWQ's older w_bit / q_group_size instead), which vLLM's "
        "AWQMarlinConfig.from_config asks for (wna16_loaders.marlin_named_errors)")
    marlin_named: bool = Field(
        default=False, description="GPTQ / AWQ: quant_method written as gptq_marlin / "
        "awq_marlin, which vLLM keeps as its quantization method (no override renames it): up "
        "to 0.21 / 0.23 its own GPTQMarlinConfig / AWQMarlinConfig, with no plain-loader "
        "fallback (wna16_loaders.gptq_sym_errors, marlin_named_errors), after them "
        "AutoGPTQConfig / AutoAWQConfig under that name (wna16_loaders.kept_marlin_method)")
    sym_null: bool = Field(
        default=False, description="AutoRound, GPTQ: sym written as null (`symmetric` None), which "
        "every release reads as None, not as a missing key: no Marlin type map lists it "
        "(config.quant._inc_sym)")
    autoround_gptq: bool = Field(
        default=False, description="GPTQ: config.json gives an autoround_version (AutoRound's "
        "GPTQ export, which stores a MoE gate quantized; AutoGPTQ's and GPTQModel's store it "
        "16-bit): router_dtype.checkpoint_gate_quantized, stored_gate.gptq_gate_errors")
    exporter_transformers: str | None = Field(
        default=None, description="ModelOpt: config.json's transformers_version, the "
        "exporting transformers release, whose model class decides whether ModelOpt could "
        "quantize a MoE gate (an nn.Linear) at all (stored_gate.stored_gate_errors); None "
        "where the config gives none (str() of a value of another type)")
    modelopt_faults: ModelOptFaults | None = Field(
        default=None, description="ModelOpt: values of another type than vLLM's config reader "
        "asks for, refused from a release on (modelopt.modelopt_type_errors)")
    summary: str = Field(description="one line, e.g. 'GPTQ int4, group 128, sym'")

    def release_exclusions(self, version: tuple[int, int, int]) -> tuple[str | None,
                                                                         tuple[str, ...]]:
        """(key, modules): the exclusion list vLLM `version` reads from this checkpoint:
        older_exclusions' where that release reads another key, else the newest release's,
        excluded_modules and the lone projections module_schemes keeps 16-bit (scheme "bf16":
        config.quant._kept_alone)."""
        older = next((o for o in self.older_exclusions if version < o.until), None)
        if older is None:
            return self.excluded_key, self.excluded_modules + tuple(
                f.module for f in self.module_schemes if f.scheme == "bf16")
        return older.key, older.modules


class VisionEncoder(_Frozen):
    """A ViT as vLLM's profile run sees it (vision_config dims): Qwen3-VL-style, or Llama 4's
    tiles given as patches (planner.model.config.vision._llama4_encoder)."""

    depth: int = Field(gt=0)
    hidden: int = Field(gt=0)
    mlp: int = Field(gt=0)
    patch_input: int = Field(gt=0, description="values per patch: channels x temporal x p^2")
    merge: int = Field(gt=0, description="spatial_merge_size: patches per token = merge^2")
    out_hidden: int = Field(gt=0)
    deepstack: int = Field(ge=0, description="deepstack mergers (extra outputs per token)")
    max_item_patches: int = Field(gt=0, description="patches of the largest image item")
    patch: int = Field(default=0, ge=0, description="patch side in pixels (the video's frames)")
    temporal: int = Field(default=1, gt=0, description="temporal_patch_size: frames per patch")
    video_max_pixels: int = Field(default=0, ge=0, description="the video processor's "
                                  "size.longest_edge; 0: the model takes no video")
    image_max_pixels: int = Field(default=0, ge=0, description="the image processor's "
                                  "size.longest_edge (its max_pixels); 0: no Qwen3-VL-style "
                                  "processor (Llama 4's tiles)")
    image_pixels_source: str = Field(default="", description="the checkpoint file and key that "
                                     "gave image_max_pixels (model.config.processor); '': the "
                                     "assumed vision.QWEN3_VL_MAX_PIXELS, unverified")
    video_pixels_source: str = Field(default="", description="the same for video_max_pixels; "
                                     "'': the assumed vision.QWEN3_VL_VIDEO_MAX_PIXELS")
    pixels_written: tuple[str, ...] = Field(default=(), description="'<source> <value>' of each "
                                            "of image_max_pixels and video_max_pixels its file "
                                            "wrote as a float (read as its floor; vLLM 0.13+ "
                                            "fails on it: serving.mm_modes.float_limit_refusal)")
    heads: int = Field(default=0, ge=0, description="the ViT attention's num_heads, which vLLM "
                       "splits over TP (Qwen3-VL family); 0: not read")
    video_temporal: int = Field(default=0, ge=0, description="the video processor's "
                                "temporal_patch_size, read from the checkpoint's processor file "
                                "(model.config.processor); 0: not read (no file)")
    video_temporal_source: str = Field(default="", description="the file and key that gave "
                                       "video_temporal")
    image_temporal: int = Field(default=0, ge=0, description="the image processor's "
                                "temporal_patch_size (the frames it repeats an image to), read "
                                "from the checkpoint's processor file (model.config.processor); "
                                "0: not read (no file)")
    image_temporal_source: str = Field(default="", description="the file and key that gave "
                                       "image_temporal")


class ProcessorReading(_Frozen):
    """A Qwen3-VL-family tower's encoder as transformers 4.57's processor-file order sizes it,
    where that differs from 5.x's (VisionSpec.encoder): vLLM before 0.19.1 runs under
    transformers 4 (serving.processor_order)."""

    encoder: VisionEncoder
    assumption: str = Field(description="the spec's assumption naming the files, 4.57's order")
    warnings: tuple[str, ...] = Field(description="the files not read, 4.57's order")
    replaces: tuple[str, ...] = Field(description="the 5.x order's assumption and warnings, "
                                      "which these stand in for")


class TowerDims(_Frozen):
    """A vision tower's depth, width and MLP width, as the --enable-tower-connector-lora slots
    of the towers below read them (vision_config num_hidden_layers, hidden_size,
    intermediate_size)."""

    depth: int = Field(gt=0)
    hidden: int = Field(gt=0)
    mlp: int = Field(gt=0)


class SiglipTower(TowerDims):
    """Gemma 3's SigLIP vision tower as its --enable-tower-connector-lora slots read it
    (planner.serving.lora.tower); vLLM's encoder profile of it is not modelled
    (VisionSpec.encoder stays None)."""

    image_tokens: int = Field(gt=0, description="tokens of the largest image item: "
                              "GEMMA3_IMAGE_TOKENS, (crops + 1) x it with do_pan_and_scan")


class Llama4Tower(TowerDims):
    """Llama 4's vision model as its --enable-tower-connector-lora slots read it (vision_config
    num_hidden_layers, hidden_size, intermediate_size, num_channels x patch_size^2, (image_size /
    patch_size)^2, pixel_shuffle_ratio, projector_input_dim / output_dim, vision_output_dim:
    planner.serving.lora.tower)."""

    patch_input: int = Field(gt=0, description="values per patch: channels x p^2")
    chunk_patches: int = Field(gt=0, description="patches per chunk: (image_size / p)^2")
    shuffle: int = Field(gt=0, description="patches per token after the pixel shuffle")
    adapter_mid: int = Field(gt=0, description="projector_input_dim")
    adapter_out: int = Field(gt=0, description="projector_output_dim")
    vision_out: int = Field(gt=0, description="vision_output_dim")
    item_tokens: int = Field(gt=0, description="tokens of the largest image item")


class Gemma4Tower(TowerDims):
    """Gemma 4's vision tower as its --enable-tower-connector-lora slots read it (vision_config
    num_hidden_layers, hidden_size, intermediate_size, num_attention_heads / num_key_value_heads
    x head_dim, 3 x patch_size^2, pooling_kernel_size^2, default_output_length:
    planner.serving.lora.tower)."""

    q_width: int = Field(gt=0, description="num_attention_heads x head_dim")
    kv_width: int = Field(gt=0, description="num_key_value_heads x head_dim")
    patch_input: int = Field(gt=0, description="values per patch: 3 x p^2")
    pooled: int = Field(gt=0, description="patches per soft token: pooling_kernel_size^2")
    image_tokens: int = Field(gt=0, description="soft tokens per image: default_output_length, "
                              "or --mm-processor-kwargs max_soft_tokens")


class LlavaNextTower(TowerDims):
    """LLaVA-NeXT's SigLIP tower (depth: the layers vLLM builds, up to the deepest
    vision_feature_layer) and LlavaMultiModalProjector as their --enable-tower-connector-lora
    slots read them (planner.serving.lora.tower), with the image's tokens from
    image_grid_pinpoints (planner.model.config.vision.llava_next_image_tokens)."""

    projector_in: int = Field(gt=0, description="linear_1's input: hidden_size x feature layers")
    image_tokens: int = Field(ge=0, description="tokens of the largest image item; 0 where "
                              "not worked out (unsized says why)")
    pinpoint: tuple[int, int] = Field(description="(height, width) of the image_grid_pinpoints "
                                      "entry with the most tokens, or the one not worked out")
    pinpoints_default: bool = Field(description="config.json has no image_grid_pinpoints: "
                                    "transformers' LlavaNextConfig default")
    unsized: str = Field(default="", description="why image_tokens is not worked out")


VISION_UNCOUNTED = "vision tower (vision_config)"
"""ModelSpec.unmodelled's entry for a vision tower vLLM builds but the plan does not count (a
vision_config without depth, hidden_size or intermediate_size, or none where transformers
builds its default one): vision None there leaves a tower out."""


AUDIO_UNCOUNTED = "audio tower (audio_config)"
"""ModelSpec.unmodelled's entry for the audio tower a config's audio_config builds (Gemma 4's
E2B / E4B), never sized; AUDIO_UNCOUNTED_WARNING the parser's warning of it. A plan where vLLM
builds no audio tower drops both (serving.mm_modes.served_towers)."""

AUDIO_UNCOUNTED_WARNING = ("audio_config: the audio tower's parameters and weights are not "
                           "counted (vLLM loads it): weights too low")

WRAPPER_TOWERS_UNCOUNTED = "tower weights"
"""The end of ModelSpec.unmodelled's entry for the towers of a multimodal wrapper Headroom plans
only the text model of ("qwen2_audio tower weights (audio_config)": model.config.wrapper.
unsized_towers)."""

WRAPPER_TEXT_MODEL_IN = "text model in"
"""ModelSpec.unmodelled's words for a text model inside a wrapper Headroom does not know
(config.identity.read_model_type), whose towers vLLM builds too."""


def uncounted_towers(spec: "ModelSpec") -> tuple[str, ...]:
    """The towers vLLM builds for `spec` that the plan does not count, as ModelSpec.unmodelled
    names them: VISION_UNCOUNTED, AUDIO_UNCOUNTED, a wrapper's (WRAPPER_TOWERS_UNCOUNTED,
    WRAPPER_TEXT_MODEL_IN); () for a text model, or a tower all counted."""
    return tuple(part for part in spec.unmodelled
                 if part in (VISION_UNCOUNTED, AUDIO_UNCOUNTED)
                 or f" {WRAPPER_TOWERS_UNCOUNTED}" in part or f" {WRAPPER_TEXT_MODEL_IN} " in part)


class VisionSpec(_Frozen):
    """The vision (or audio) tower of a multimodal model: counted, and for the Qwen3-VL
    family and Llama 4 the encoder vLLM profiles at start-up."""

    model_type: str
    params: int = Field(ge=0, description="parameters of the tower incl. projector (estimated)")
    unbuilt_params: int = Field(default=0, ge=0, description="of params, the checkpoint tensors "
                                "vLLM never builds (vision._vllm_skips)")
    pooling_head_params: int = Field(default=0, ge=0, description="of params, the SigLIP pooling "
                                     "head vLLM builds only before 0.15.0 (SIGLIP_HEAD_UNTIL)")
    replicated_params: int = Field(default=0, ge=0, description="of params built (pooling head "
                                   "aside), those vLLM keeps whole on every TP rank at the "
                                   "default --mm-encoder-tp-mode weights (embeddings, norms, "
                                   "row biases, unsplit projectors; vision.ROW_BIASES)")
    pooling_head_replicated_params: int = Field(default=0, ge=0, description="of "
                                                "pooling_head_params, those held whole")
    note: str = ""
    encoder: VisionEncoder | None = None
    transformers4: ProcessorReading | None = Field(default=None, description="the encoder "
                                                   "under transformers 4.57's processor-file "
                                                   "order, where it differs from encoder's")
    siglip: SiglipTower | None = Field(default=None, description="Gemma 3's SigLIP tower, "
                                       "for its LoRA slots only")
    llama4: Llama4Tower | None = Field(default=None, description="Llama 4's vision model, "
                                       "for its LoRA slots only")
    gemma4: Gemma4Tower | None = Field(default=None, description="Gemma 4's vision tower, "
                                       "for its LoRA slots only")
    llava_next: LlavaNextTower | None = Field(default=None, description="LLaVA-NeXT's SigLIP "
                                              "tower and projector, for its LoRA slots only")
    audio_tower: bool = Field(default=False, description="the config also has an audio tower "
                              "(audio_config), not sized: mm_modes.declared_modalities")


class FieldSource(_Frozen):
    """Where one architecture figure came from, for the architecture card and the report."""

    field: str
    value: str
    source: str = Field(description="'config.json: text_config.head_dim', 'default', 'derived'")


class CompressedAttention(_Frozen):
    """DeepSeek-V4's compressed sparse attention, as its KV cache sees it (config.json
    compress_ratios, sliding_window, head_dim, index_head_dim)."""

    compress_ratios: tuple[int, ...] = Field(description="per decoder layer: 0 (window only), "
                                             "4 (compressed + indexer) or 128")
    sliding_window: int = Field(gt=0)
    head_dim: int = Field(gt=0, description="the compressor's state width per entry")
    index_head_dim: int = Field(gt=0)
    # The weights' shapes (vLLM models/deepseek_v4, 0.22.0 wheel; planner/model/params.py
    # dsv4_attention_params).
    num_heads: int = Field(gt=0)
    q_lora_rank: int = Field(gt=0)
    o_lora_rank: int = Field(gt=0)
    o_groups: int = Field(gt=0)
    rope_head_dim: int = Field(gt=0, description="qk_rope_head_dim")
    index_n_heads: int = Field(gt=0)
    index_topk: int = Field(gt=0)
    hc_mult: int = Field(gt=0, description="hyper-connection streams")
    num_hash_layers: int = Field(ge=0, description="first layers routed by a token-id table "
                                 "(tid2eid) instead of a learned gate bias")


class RopeKey(_Frozen):
    """One YaRN key get_rope passes on as written (length.YARN_PASSED_KEYS), as the Python
    operations vLLM's YaRN classes apply to it fare (startup.rope_keys.yarn_key_errors)."""

    key: str
    shown: str = Field(max_length=64, description="the value as config.json writes it (JSON, "
                       "cut at 64 characters)")
    number: bool = Field(description="a JSON number or bool that float() takes: `x * value` "
                         "works (a string, even \"1.5\", null, an array or object is a "
                         "TypeError)")
    value: float | None = Field(description="float(value) (a number, a bool, a string such "
                                "as \"1.5\"), what vLLM's YaRN classes compute with; None "
                                "where float() fails")
    truthy: bool = Field(description="Python's bool(value), which `if mscale and "
                         "mscale_all_dim` tests")


class RopeBlock(_Frozen):
    """One rope_scaling / rope_parameters block as vLLM reads it for the context window."""

    rope_type: str = Field(description="after vLLM's patch: type -> rope_type, su -> "
                           "longrope, mrope -> default")
    factor: float | None = Field(default=None, gt=0)
    factor_int: bool = Field(
        default=False, description="config.json writes the factor as a JSON integer (40, not "
        "40.0), which vLLM multiplies the derived length by as written: an int stays an int "
        "(engine.window.inputs_window's `shown`)")
    original_max_position_embeddings: int | None = Field(default=None, gt=0)
    original_null: bool = Field(
        default=False, description="the block writes original_max_position_embeddings as null "
        "(other unusable values exit 2 at parse), which transformers 4's rope validation "
        "compares with `>=` (startup.transformers4_rope.llama3_validation_error)")
    legacy_type: str | None = Field(
        default=None, description="the block's `type` as config.json writes it where it gives "
        "no rope_type, which some transformers 4 config classes validate without copying it "
        "(startup.transformers4_rope.legacy_type_error); None where it gives rope_type")
    yarn_keys: tuple[RopeKey, ...] = Field(
        default=(), description="a YaRN block's (length.YARN_ROPE_TYPES) keys of "
        "length.YARN_PASSED_KEYS that it gives, in that order")
    layer_type: str | None = Field(
        default=None, description="the layer type whose block this is in a rope object nested "
        "by layer type (\"full_attention\"); None for a flat block")
    mrope: bool = Field(default=False, description="the block has mrope_section: get_rope "
                        "builds it as an M-RoPE (ModelSpec.mrope, for a flat block)")

    @property
    def yarn_by_key(self) -> dict[str, RopeKey]:
        """The YaRN keys the block gives, by name ("mscale_all_dim"): what the start-up checks
        on them look up (startup.rope_keys)."""
        return {k.key: k for k in self.yarn_keys}


class WindowInputs(_Frozen):
    """What vLLM's derived max_model_len reads from config.json (planner.serving.engine
    ._vllm_window)."""

    lengths: tuple[tuple[str, int], ...] = Field(
        default=(), description="the text config's length keys vLLM reads (its possible_keys, "
        "in its order), max_position_embeddings as the parser defaulted it")
    ropes: tuple[RopeBlock, ...] = Field(
        default=(), description="the rope blocks, one per layer type where nested")
    ropes_nested: bool = Field(default=False, description="rope_parameters nested by layer type")
    layer_block_problems: tuple[str, ...] = Field(
        default=(), description="why vLLM fails on a block of a rope object nested by layer "
        "type, one line per block of the model's layer types (length.layer_block_problems), "
        "refused on the releases that read the object (startup.rope_keys.layer_block_errors)")
    ropes_mixed: tuple[str, ...] = Field(
        default=(), description="the layer types whose blocks the rope object holds beside "
        "flat keys (rope_type, rope_theta), which vLLM reads as one flat block "
        "(startup.model_config.mixed_rope_errors); () for a flat or a nested one")
    ropes_parameters_only: bool = Field(
        default=False, description="the rope blocks are rope_parameters' (transformers 5's "
        "spelling), with no rope_scaling beside them: vLLM before 0.12 reads neither")
    rope_theta_top_level: bool = Field(
        default=False, description="the text config gives rope_theta (or rotary_emb_base) at "
        "its top level, as transformers 4 reads it")
    rope_theta_as_rotary_emb_base: bool = Field(
        default=False, description="that top-level rope_theta is spelled rotary_emb_base (no "
        "rope_theta beside it), which vLLM 0.12.0 does not read "
        "(startup.transformers4_rope.ROTARY_ALIASES_READ_FROM)")
    rope_parameters_theta: bool = Field(
        default=False, description="the text config's rope_parameters is one flat block holding "
        "rope_theta, which transformers 5 keeps at its top level "
        "(startup.model_config.olmo3_rope_errors)")
    original_max_position_embeddings: int | None = Field(
        default=None, gt=0, description="the text config's own (top-level) "
        "original_max_position_embeddings, or its transformers class default")
    text_model_type: str = Field(description="the text config's model_type")
    tokenizer_model_max_length: int | None = Field(
        default=None, gt=0, description="tokenizer_config.json's model_max_length (None: not "
        "read, or not a usable length)")
    tokenizer_model_max_length_unusable: str | None = Field(
        default=None, max_length=64, description="tokenizer_config.json's model_max_length as "
        "written (JSON, cut at 64 characters) where it is given but is no length: '\"abc\"', "
        "'-5', 'Infinity' (None: a usable length, none given, or a whole number past any real "
        "model's context, transformers' 'no limit')")


class ModelSpec(_Frozen):
    """A model's architecture, from the fields actually present in its config.json."""

    name: str | None = Field(default=None, description="repo id or file name, for display")
    unservable: str | None = Field(
        default=None, description="why `vllm serve` cannot load the model as given (a lone "
        "config file, a folder without weights): the launch note then, and no command"
    )
    model_type: str
    config_model_type: str | None = Field(
        default=None, description="config.json's top-level model_type, None where it has none "
        "(model_type then falls back on text_config's): the one vLLM's get_config and "
        "transformers' AutoConfig look up (planner.serving.launch.remote_code_note). Not "
        "given, it is model_type: only the config parser says a config.json has none"
    )
    architectures: tuple[str, ...] = ()
    text_architectures: tuple[str, ...] = Field(
        default=(), description="text_config's architectures (a wrapper's; () where it names "
        "none): the class vLLM builds the text model of Mistral 3 or LLaVA as "
        "(planner.serving.mlp_activation)"
    )
    architectures_missing: bool = Field(
        default=False, description="config.json names no architectures (the key absent, null "
        "or []): vLLM fills one in by model_type, or stops (planner.serving."
        "unnamed_architecture). Only the config parser sets it: a spec built by hand is "
        "planned by its model_type"
    )
    remote_model_class: str | None = Field(
        default=None, description="config.json auto_map's AutoModel* entry (module.Class): the "
        "repository's own model code, which vLLM runs only with --trust-remote-code"
    )
    remote_config_class: str | None = Field(
        default=None, description="config.json auto_map's AutoConfig entry (module.Class): the "
        "repository's own config code, which vLLM runs only with --trust-remote-code where "
        "neither it nor transformers has a config class for the model_type"
    )
    remote_tokenizer_class: str | None = Field(
        default=None, description="tokenizer_config.json auto_map's AutoTokenizer entry "
        "(module.Class, the fast one where given): the repository's own tokenizer code, which "
        "vLLM runs only with --trust-remote-code where transformers has no `tokenizer_class`"
    )
    tokenizer_class: str | None = Field(
        default=None, description="tokenizer_config.json's tokenizer_class (None where there "
        "is no tokenizer_config.json, or it names none)"
    )
    hidden_size: int = Field(gt=0)
    vocab_size: int = Field(gt=0)
    layers: tuple[LayerSpec, ...] = Field(min_length=1)
    tie_word_embeddings: bool
    text_tie_word_embeddings: bool | None = Field(
        default=None, description="a multimodal wrapper's (config.tie.WRAPPER_TIE_DEFAULTS) "
        "text_config tie_word_embeddings as transformers 4 holds it, which vLLM before 0.19.1 "
        "builds the text model with, where it differs from tie_word_embeddings, the wrapper's "
        "own, which vLLM 0.19.1 on copies onto the text config under transformers 5 "
        "(serving.tie.served_tie). None: "
        "a plain config, another wrapper, or the two agree"
    )
    torch_dtype: TorchDtype
    max_position_embeddings: int = Field(gt=0)
    per_layer_input_size: int = Field(
        default=0, ge=0, description="Gemma 4 per-layer embedding width "
        "(hidden_size_per_layer_input; 0: none)"
    )
    per_layer_input_vocab: int = Field(
        default=0, ge=0, description="rows of the per-layer embedding table "
        "(vocab_size_per_layer_input)"
    )
    use_bidirectional_attention: str | None = Field(
        default=None, description="the text config's use_bidirectional_attention where it is "
        "a string (Gemma 4: \"vision\", bidirectional attention over image tokens, which "
        "vLLM's Gemma4ModelArchConfigConvertor.is_mm_prefix_lm reads: "
        "planner.serving.startup.gemma4_backend.gemma4_mm_prefix)"
    )
    rope_scaling_type: str | None = None
    rope_scaling_factor: float | None = None
    mrope: bool = Field(
        default=False, description="the text config's rope block (rope_scaling / "
        "rope_parameters) has mrope_section: vLLM's get_rope builds it as an M-RoPE "
        "(MRotaryEmbedding) for the rope types vllm_versions.MROPE_ROPE_TYPES names, whose "
        "cos/sin cache holds more rows than positions (weights.rope_cache_rows)"
    )
    extended_context_tokens: int | None = Field(
        default=None, description="context a YaRN-style factor gives (factor x original)"
    )
    quant: QuantSpec | None = None
    inc_unplanned: IncFormat | None = Field(
        default=None, description="an AutoRound block planned as 16-bit weights, as read "
        "(autoround.inc_format_errors)")
    unread_quant_method: str | None = Field(
        default=None, description="quantization_config's quant_method where Headroom reads no "
        "format from it, planned as 16-bit weights (quant_method.unknown_quant_errors)")
    vision: VisionSpec | None = None
    compressed_attention: CompressedAttention | None = Field(
        default=None, description="DeepSeek-V4 compressed attention (its KV cache layout)")
    mtp_layers: int = Field(default=0, ge=0, description="multi-token-prediction layers")
    mtp_layer: LayerSpec | None = Field(
        default=None, description="the MTP draft's decoder layer where vLLM builds one unlike "
        "the model's last layer (MiMo-V2-Flash: a sliding-window layer with a dense MLP)"
    )
    mtp_own_embeddings: bool = Field(
        default=False, description="each MTP layer stores its own embedding and head copies"
    )
    experts_unquantized: bool = Field(
        default=False, description="vLLM holds the routed experts in the model dtype whatever "
        "the quantization: Arctic (arctic.py ArcticMoE's ws / w2s are plain parameters no quant "
        "method wraps, 0.28.0 wheel); planner.model.quant.model_keeps_16bit"
    )
    norm_bias: bool = Field(default=False, description="LayerNorm with bias (2 vectors per norm)")
    lm_head_bias: bool = Field(default=False, description="an untied lm_head with a bias "
                               "(vocab_size values; Phi)")
    original_max_position_embeddings: int | None = Field(
        default=None, gt=0, description="pre-scaling context of a rope_scaling block"
    )
    window: WindowInputs | None = Field(
        default=None, description="the config.json fields vLLM's derived max_model_len reads "
        "(None for a hand-built spec: max_position_embeddings and the rope_scaling fields)"
    )
    own_rope_scaling: bool = Field(
        default=False, description="config.json's text config holds a rope_scaling object, "
        "read before any --hf-overrides (model.config.overrides.own_rope_scaling): under "
        "transformers 4 a text_config.rope_scaling override reaches the rope_parameters vLLM "
        "reads only then (planner.serving.hf_overrides)"
    )
    fields: tuple[FieldSource, ...] = ()
    assumptions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    unmodelled: tuple[str, ...] = Field(
        default=(), description="parts of the architecture the figures leave out (an unknown "
        "model_type, config keys not understood); each also has its line in warnings"
    )
    hidden_act: str | None = Field(
        default=None, description="config.json's hidden_act (text_config's for a wrapper), else "
        "the model_type's transformers class default; None where neither gives one: what vLLM's "
        "SiLU-only MLP classes check (planner.serving.mlp_activation)"
    )
    activation_function: str | None = Field(
        default=None, description="config.json's activation_function (text_config's for a "
        "wrapper), else its class default; None where neither gives one: what vLLM's EXAONE 3 "
        "class checks (planner.serving.mlp_activation)"
    )
    zero_head_dim: str = Field(
        default="", description="where config.json's head_dim is 0 ('config.json: head_dim'), "
        "planned as hidden_size / num_attention_heads as vLLM's attention builds it "
        "(model.config.families.ZERO_HEAD_DIM_TYPES); vLLM before 0.25.0 reads it as 0 "
        "(startup.model_config.zero_head_dim_errors)"
    )
    unread_head_dim: str = Field(
        default="", description="config.json's head_dim where it is not hidden_size / "
        "num_attention_heads and vLLM's own attention for the model_type reads none ('config."
        "json: head_dim = 256, not hidden_size / num_attention_heads = 3584 / 28 = 128'; "
        "model.config.families.HEAD_DIM_UNREAD_TYPES): planned as given, as transformers and "
        "vLLM's Transformers backend build it; refused where vLLM's own class builds the model "
        "(startup.model_config.unread_head_dim_errors)"
    )
    refused_nulls: tuple[str, ...] = Field(
        default=(), description="fields read, written out as null, that the transformers config "
        "class annotates without None ('text_config.head_dim (Qwen3Config)'): transformers 5 "
        "refuses the config.json (ClassDefaults.not_null)"
    )
    mistyped_fields: tuple[str, ...] = Field(
        default=(), description="fields, read or not, whose config.json value is not of the "
        "type the transformers config class declares ('use_cache = \"x\" (LlamaConfig "
        "declares bool)'; nulls of fields read are refused_nulls): transformers 5 refuses the "
        "config.json (ClassDefaults.types)"
    )
    mlp_keys: tuple[tuple[str, int | bool | None], ...] = Field(
        default=(), description="config.json's (text_config's for a wrapper) keys of "
        "config.mlp.MLP_KEYS as written, where given as an integer, a bool or null: the keys that "
        "build HunYuan-MoE's shared_mlp, Arctic's dense and residual MLPs and "
        "GraniteMoeShared's shared_mlp (planned as shared experts and dense MLPs), which "
        "their SiLU-only classes check by release (planner.serving.mlp_activation)"
    )

    @model_validator(mode="before")
    @classmethod
    def _typed_by_default(cls, data: Any) -> Any:
        """A spec built without config_model_type (by hand, not from a config.json) has its
        model_type at the top: launch.untyped_config_note must not read it as untyped."""
        if isinstance(data, dict) and "config_model_type" not in data:
            return {**data, "config_model_type": data.get("model_type")}
        return data

    @property
    def num_layers(self) -> int:
        """Decoder layers (MTP layers not included)."""
        return len(self.layers)

    @property
    def is_moe(self) -> bool:
        """True when any layer has a mixture-of-experts MLP."""
        return any(isinstance(layer.mlp, MoeMlp) for layer in self.layers)

    @property
    def has_state_layers(self) -> bool:
        """True when any layer keeps a recurrent state (Mamba2 or Gated DeltaNet): the layers
        whose conv and SSM state dtypes vLLM's --mamba-cache-dtype and --mamba-ssm-cache-dtype
        set."""
        return any(isinstance(layer.mixer, MambaMixer | LinearAttentionMixer)
                   for layer in self.layers)


__all__ = [
    "AttentionMixer", "CompressedAttention", "ConfigError", "DenseMlp", "FieldSource", "LayerSpec",
    "LinearAttentionMixer", "MambaMixer", "MlaMixer", "ModelSpec", "MoeMlp", "QuantSpec",
    "VisionEncoder", "VisionSpec",
]  # fmt: skip
