"""--enable-tower-connector-lora: the LoRA slots vLLM adds to a multimodal model's vision tower
and connector (the multimodal part of planner.serving.lora), for the towers read.

Read from the `.py` files of the vLLM 0.17.0-0.34.0 wheels (settings.LORA_READ):
- config/lora.py LoRAConfig.enable_tower_connector_lora (default False) and engine/arg_utils.py
  --enable-tower-connector-lora in every release read (the parser fixtures have it from 0.14.0).
- lora/model_manager.py _maybe_init_mm (three readings: 0.17.0-0.18.x, 0.19.0-0.27.x, 0.28.0-
  0.34.0, the same in what is used here): with the flag, where the model supports it
  (hasattr get_num_mm_encoder_tokens to 0.28.0, supports_tower_connector_lora from 0.29.0:
  qwen3_vl.py has both in every release, so Qwen3VL-, Qwen3VLMoe- and Qwen3_5(Moe)-
  ForConditionalGeneration, its subclasses; gemma3_mm.py too), it builds a Punica wrapper for
  the tower prefix ("visual.") of get_punica_wrapper(tower tokens, max_batches = max_num_seqs x
  limit_per_prompt) and one for the connector ("visual.merger", "visual.deepstack_merger_list")
  of the connector tokens, the same max_batches. qwen3_vl.py get_num_mm_encoder_tokens(budget)
  = budget x spatial_merge_size^2 and get_num_mm_connector_tokens(that) = budget (0.30.0 on:
  get_mm_lora_token_counts, the same two). The budget (multimodal/encoder_budget.py
  MultiModalBudget.get_encoder_budget, v1/core/encoder_cache_manager.py
  compute_mm_encoder_budget, config/scheduler.py) is max(max_num_batched_tokens, the most
  tokens per item of any modality), and limit_per_prompt the most of each modality's max(1,
  min(999, max_model_len // its tokens per item)) (_get_max_items). Qwen3-VL's image takes
  QWEN3_VL_MAX_PIXELS / (patch x merge)^2 tokens (16,384) and its video (qwen3_vl.py
  get_max_video_tokens: two frames of get_image_size_with_most_features(video longest_edge //
  temporal_patch_size)) QWEN3_VL_VIDEO_MAX_PIXELS / temporal / (patch x merge)^2 (12,288):
  both processor sizes are UNVERIFIED (planner.model.config.vision), so the Punica figures are.
- _create_lora_modules then wraps each supported module under those prefixes as the language
  model's (settings.LORA_READ's rules, the same create_lora_weights). qwen3_vl.py
  Qwen3_VisionTransformer (Qwen3_5ForConditionalGeneration builds the same class): per block
  attn.qkv (qwen2_5_vl.py Qwen2_5_VisionAttention: QKVParallelLinear(hidden, head_dim, heads,
  kv heads = heads), so 3 x hidden wide), attn.proj (RowParallelLinear hidden -> hidden),
  mlp.linear_fc1 (ColumnParallelLinear hidden -> intermediate), mlp.linear_fc2 (RowParallel);
  merger and each deepstack merger (Qwen3_VisionPatchMerger): linear_fc1 ColumnParallelLinear
  (hidden x merge^2 -> the same), linear_fc2 RowParallelLinear (-> out_hidden_size), all
  split over the attention's TP (disable_tp only with --mm-encoder-tp-mode data, which
  Headroom does not plan). patch_embed.proj is a Conv3dLayer (layers/conv.py, no LinearBase)
  and pos_embed an nn.Embedding: not wrapped (from_layer finds no class; _create_lora_modules
  skips what it could not wrap). attn.qkv is wrapped only where the model's
  packed_modules_mapping has "qkv": ["qkv"] (QKVParallelLinearWithLoRA takes a packed list of
  one: one A over the whole output): Qwen3VLForConditionalGeneration and Qwen3.5's (it joins
  that mapping) in every release; Qwen3VLMoeForConditionalGeneration's mapping is its own
  qkv_proj joined with its language model's, without "qkv", so no LoRA class takes the
  QKVParallelLinear (ColumnParallelLinearWithLoRA wants the exact ColumnParallelLinear or a
  MergedColumnParallelLinear) and it stays unwrapped (TOWER_QKV_WRAPPED).

Not read, refused: Gemma 3's SigLIP tower (gemma3_mm.py supports the flag in every release; its
tower dims are not in Headroom's model), Llama 4's (mllama4.py Llama4VisionModel, its
vision_adapter and multi_modal_projector: get_num_mm_encoder_tokens 0.17.0-0.29.0,
supports_tower_connector_lora and get_mm_lora_token_counts from 0.29.0 / 0.30.0, so the flag
wraps them in every release; Maverick's shared config has no vision_config), Gemma 4's
(gemma4_mm.py vision_tower and embed_vision: 0.20.0-0.28.0 ignore the flag, 0.29.0 on wrap
them: coverage.LORA_TOWER_CONNECTOR), the other multimodal classes
(coverage.MULTIMODAL_LORA_FROM)
and the tower on later pipeline stages (vLLM builds it there in some releases: weights.
VISION_ON_EVERY_STAGE).
"""

from planner.model.spec import ModelSpec, VisionEncoder
from planner.serving.vllm_versions import MM_LIMIT_PER_PROMPT

TOWER_QKV_WRAPPED: dict[str, bool] = {
    "Qwen3VLForConditionalGeneration": True, "Qwen3_5ForConditionalGeneration": True,
    "Qwen3_5MoeForConditionalGeneration": True, "Qwen3VLMoeForConditionalGeneration": False}
"""The architectures whose tower and connector LoRA slots are sized (Qwen3_VisionTransformer),
and whether their vision attn.qkv is wrapped (the module docstring)."""


def tower_refusal(spec: ModelSpec, tower_connector: bool, pp: int, tp: int,
                  fully_sharded: bool) -> str | None:
    """Why --enable-tower-connector-lora is not planned for `spec` at this PP and TP: a model
    without a vision tower (vLLM ignores the flag), a tower not read (TOWER_QKV_WRAPPED), PP >
    1, or --fully-sharded-loras splitting the tower's widths over TP unevenly (divide
    asserts); None where it is, or without the flag."""
    if not tower_connector:
        return None
    name = " / ".join(spec.architectures) or spec.model_type
    if spec.vision is None:
        return (f"--enable-tower-connector-lora: {name} has no vision tower, so vLLM has no "
                "tower or connector to wrap; drop the flag")
    if spec.architectures[0] not in TOWER_QKV_WRAPPED or spec.vision.encoder is None:
        return (f"--enable-tower-connector-lora: Headroom sizes the tower and connector LoRA "
                f"slots of {', '.join(TOWER_QKV_WRAPPED)} only (models/qwen3_vl.py "
                f"Qwen3_VisionTransformer); {name}'s tower is not read, so it is not planned")
    if pp > 1:
        return ("--enable-tower-connector-lora with PP > 1: the tower's slots on later stages "
                "(where vLLM builds the tower in some releases) are not sized, so it is not "
                "planned")
    enc = spec.vision.encoder
    for what, size in (("vision hidden_size", enc.hidden),
                       ("vision out_hidden_size", enc.out_hidden)):
        if fully_sharded and size % tp:
            return (f"--fully-sharded-loras: vLLM splits the {what} {size} over TP {tp}, which "
                    "does not divide it (distributed/utils.py divide asserts), so it fails at "
                    "start-up")
    return None


def tower_model_refusal(spec: ModelSpec, tower_connector: bool) -> str | None:
    """tower_refusal's refusals of the model alone (any layout: PP 1, no sharding)."""
    return tower_refusal(spec, tower_connector, 1, 1, False)


def tower_parts(spec: ModelSpec, tp: int, max_loras: int, rank: int, fully_sharded: bool
                ) -> tuple[tuple[str, int, int], ...]:
    """The tower's and connector's slots on one TP rank as (module, elements, count): (A + B) x
    max_loras per the lora rules (column A rank x input, B output / TP x rank; row A rank x
    input / TP, B output x rank; --fully-sharded-loras: column A rank / TP, row B output /
    TP): per block attn.qkv (where TOWER_QKV_WRAPPED), attn.proj, mlp.linear_fc1 and
    linear_fc2, and per merger (1 + deepstack) linear_fc1 and linear_fc2."""
    assert spec.vision is not None and spec.vision.encoder is not None
    enc: VisionEncoder = spec.vision.encoder
    n, r, h, i, out = max_loras, rank, enc.hidden, enc.mlp, enc.out_hidden
    merged = h * enc.merge * enc.merge
    rank_a = r // tp if fully_sharded else r

    def row(width: int) -> int:
        return width // tp if fully_sharded else width

    qkv = (("visual attn.qkv", n * (rank_a * h + 3 * h // tp * r), enc.depth),) \
        if TOWER_QKV_WRAPPED[spec.architectures[0]] else ()
    mergers = 1 + enc.deepstack
    return (*qkv,
            ("visual attn.proj", n * (r * h // tp + row(h) * r), enc.depth),
            ("visual mlp.linear_fc1", n * (rank_a * h + i // tp * r), enc.depth),
            ("visual mlp.linear_fc2", n * (r * i // tp + row(h) * r), enc.depth),
            ("merger linear_fc1", n * (rank_a * merged + merged // tp * r), mergers),
            ("merger linear_fc2", n * (r * merged // tp + row(out) * r), mergers))


def tower_punica_shapes(enc: VisionEncoder, max_num_batched_tokens: int, max_num_seqs: int,
                        max_model_len: int) -> tuple[int, int, int]:
    """(tower tokens, connector tokens, max_batches) of the tower's and connector's Punica
    wrappers (module docstring): budget = max(max_num_batched_tokens, the image's and the
    video's tokens per item); tower budget x merge^2, connector budget; max_num_seqs x the most
    items per prompt of either modality."""
    unit = enc.patch * enc.merge
    image = enc.max_item_patches // (enc.merge * enc.merge)
    video = enc.video_max_pixels // enc.temporal // (unit * unit) if enc.video_max_pixels else 0
    per_item = [tokens for tokens in (image, video) if tokens]
    budget = max(max_num_batched_tokens, *per_item)
    limit = max(max(1, min(MM_LIMIT_PER_PROMPT, max_model_len // tokens)) for tokens in per_item)
    return budget * enc.merge * enc.merge, budget, max_num_seqs * limit


def tower_note(spec: ModelSpec, max_num_batched_tokens: int, max_num_seqs: int,
               max_model_len: int) -> str:
    """The lora term's words on the tower's and connector's slots and Punica wrappers."""
    assert spec.vision is not None and spec.vision.encoder is not None  # (tower_refusal)
    tower, connector, batches = tower_punica_shapes(spec.vision.encoder, max_num_batched_tokens,
                                                    max_num_seqs, max_model_len)
    qkv = ("attn.qkv (one A: packed as itself)" if TOWER_QKV_WRAPPED[spec.architectures[0]]
           else "not attn.qkv (the class's packed_modules_mapping lacks it)")
    return (f"the vision tower's and mergers' linears get slots too (--enable-tower-connector-"
            f"lora, models/qwen3_vl.py Qwen3_VisionTransformer: {qkv}, attn.proj, mlp "
            f"linear_fc1/fc2 per block, each merger's linear_fc1/fc2), and two Punica wrappers "
            f"of {tower:,} (tower) and {connector:,} (connector) tokens x {batches:,} batches "
            "(lora/model_manager.py _maybe_init_mm: the encoder budget and items per prompt "
            "from the image's and video's tokens per item, whose processor sizes are "
            "unverified)")
