"""--enable-tower-connector-lora: the LoRA slots vLLM adds to a multimodal model's vision tower
and connector (the multimodal part of planner.serving.lora), for the towers read.

Read from the `.py` files of the vLLM 0.17.0-0.34.0 wheels (settings.LORA_READ):
- config/lora.py LoRAConfig.enable_tower_connector_lora (default False) and engine/arg_utils.py
  --enable-tower-connector-lora in every release read (the parser fixtures have it from 0.14.0).
- lora/model_manager.py _maybe_init_mm (three readings: 0.17.0-0.18.x, 0.19.0-0.27.x, 0.28.0-
  0.34.0, the same in what is used here): with the flag, where the model supports it
  (hasattr get_num_mm_encoder_tokens to 0.28.0, supports_tower_connector_lora from 0.29.0:
  qwen3_vl.py has both in every release, so Qwen3VL-, Qwen3VLMoe- and Qwen3_5(Moe)-
  ForConditionalGeneration, its subclasses; gemma3_mm.py get_num_mm_encoder_tokens 0.17.0-
  0.29.0, supports_tower_connector_lora from 0.29.0, so Gemma 3's in every release too), it
  builds a Punica wrapper for the tower prefix ("visual.", Gemma 3's "vision_tower") of
  get_punica_wrapper(tower tokens, max_batches = max_num_seqs x limit_per_prompt) and one for
  the connector ("visual.merger", "visual.deepstack_merger_list"; Gemma 3's
  "multi_modal_projector") of the connector tokens, the same max_batches, on every PP stage
  (_init_punica_wrapper runs on each). qwen3_vl.py get_num_mm_encoder_tokens(budget) = budget
  x spatial_merge_size^2 and get_num_mm_connector_tokens(that) = budget; gemma3_mm.py budget x
  16 (a constant: SigLIP's 4,096 patches pooled to 256 tokens) and its connector the same
  budget x 16 (get_num_mm_connector_tokens returns what it is given; 0.30.0 on: both classes'
  get_mm_lora_token_counts, the same numbers). The budget (multimodal/encoder_budget.py
  MultiModalBudget.get_encoder_budget, v1/core/encoder_cache_manager.py
  compute_mm_encoder_budget, config/scheduler.py) is max(max_num_batched_tokens, the most
  tokens per item of any modality), and limit_per_prompt the most of each modality's max(1,
  min(999, max_model_len // its tokens per item)) (_get_max_items). Qwen3-VL's image takes
  QWEN3_VL_MAX_PIXELS / (patch x merge)^2 tokens (16,384) and its video (qwen3_vl.py
  get_max_video_tokens: two frames of get_image_size_with_most_features(video longest_edge //
  temporal_patch_size)) QWEN3_VL_VIDEO_MAX_PIXELS / temporal / (patch x merge)^2 (12,288):
  both processor sizes are UNVERIFIED (planner.model.config.vision), so the Punica figures are.
  Gemma 3's image takes GEMMA3_IMAGE_TOKENS (images only: get_supported_mm_limits).
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
  MergedColumnParallelLinear) and it stays unwrapped (TOWER_QKV_SLICES 0).
- Gemma 3 (gemma3_mm.py Gemma3ForConditionalGeneration builds siglip.py SiglipVisionModel
  from vision_config, the same classes in every release read): per encoder layer
  self_attn.qkv_proj (SiglipAttention: QKVParallelLinear(hidden, head_dim, heads), kv heads =
  heads, so 3 x hidden wide), self_attn.out_proj (RowParallelLinear hidden -> hidden),
  mlp.fc1 (SiglipMLP: ColumnParallelLinear hidden -> intermediate) and mlp.fc2
  (RowParallelLinear), split over TP (disable_tp only with --mm-encoder-tp-mode data, which
  Gemma 3's class does not take). The class's packed_modules_mapping maps "qkv_proj" to
  q_proj, k_proj, v_proj (its language model's), and the tower's module is named qkv_proj
  too: MergedQKVParallelLinearWithLoRA (the exact QKVParallelLinear with a packed list of
  three), three A of rank x hidden, B of 3 x hidden / TP x rank (TOWER_QKV_SLICES 3). The
  patch embedding (Conv2dLayer), positions (nn.Embedding) and norms are not wrapped; no
  pooling head (vllm_versions.SIGLIP_HEAD_DROPPED_FROM: no caller passes use_head). Its
  connector, Gemma3MultiModalProjector, holds an nn.Parameter matmul, a GemmaRMSNorm and an
  AvgPool2d: nothing to wrap, though its Punica wrapper is still allocated.

Not read, refused: Llama 4's tower (mllama4.py Llama4VisionModel, its vision_adapter and
multi_modal_projector: get_num_mm_encoder_tokens 0.17.0-0.29.0, supports_tower_connector_lora
and get_mm_lora_token_counts from 0.29.0 / 0.30.0, so the flag wraps them in every release;
Maverick's shared config has no vision_config), Gemma 4's (gemma4_mm.py vision_tower and
embed_vision: 0.20.0-0.28.0 ignore the flag, 0.29.0 on wrap them:
coverage.LORA_TOWER_CONNECTOR) and the other multimodal classes
(coverage.MULTIMODAL_LORA_FROM).

At PP > 1 every stage holds the tower's and connector's Punica wrappers (_init_punica_wrapper
runs on each stage's model, whose class is multimodal wherever the tower is built), and the
tower's slots where vLLM builds the tower: the first stage, and the later ones too for
weights.VISION_ON_EVERY_STAGE's model types unless vllm_versions.TOWER_FIRST_STAGE_ON_V2_FROM
(Model Runner V2 from 0.33.0, whose later stages hold a StageMissingLayer: not registered as a
child module, so named_modules never meets the tower's linears; LoraSettings.tower_every_stage).
"""

from planner.model.spec import ModelSpec, SiglipTower, VisionEncoder, VisionSpec
from planner.serving.vllm_versions import MM_LIMIT_PER_PROMPT

TOWER_QKV_SLICES: dict[str, int] = {
    "Qwen3VLForConditionalGeneration": 1, "Qwen3_5ForConditionalGeneration": 1,
    "Qwen3_5MoeForConditionalGeneration": 1, "Qwen3VLMoeForConditionalGeneration": 0,
    "Gemma3ForConditionalGeneration": 3}
"""The architectures whose tower and connector LoRA slots are sized (the Qwen3-VL family's
Qwen3_VisionTransformer, Gemma 3's SigLIP), and the LoRA A of their vision attention's QKV:
0 unwrapped, 1 packed as itself, 3 for q, k and v (the module docstring)."""

GEMMA3_IMAGE_TOKENS = 256
"""UNVERIFIED (processor_config.json is not in ../shared): Gemma 3's tokens per image, the
processor's image_seq_length that gemma3_mm.py get_num_image_tokens reads ((crops + 1) x it;
no crops: do_pan_and_scan is off unless asked), transformers 5.25.0 Gemma3Processor's default
256, which the catalog configs' mm_tokens_per_image matches."""

GEMMA3_TOWER_TOKENS_PER_TOKEN = 16
"""gemma3_mm.py get_num_mm_encoder_tokens / get_mm_lora_token_counts: num_image_tokens x 16,
a constant in every release read (SigLIP's 4,096 patches of an 896-pixel image pooled 4 x 4
into 256 tokens)."""


def _tower_read(vision: VisionSpec) -> VisionEncoder | SiglipTower | None:
    """The tower dims the slots read: Gemma 3's SigLIP, else the Qwen3-VL family's encoder."""
    return vision.siglip or vision.encoder


def tower_refusal(spec: ModelSpec, tower_connector: bool, tp: int, fully_sharded: bool
                  ) -> str | None:
    """Why --enable-tower-connector-lora is not planned for `spec` at this TP: a model without
    a vision tower (vLLM ignores the flag), a tower not read (TOWER_QKV_SLICES), or
    --fully-sharded-loras splitting the tower's widths over TP unevenly (divide asserts); None
    where it is, or without the flag."""
    if not tower_connector:
        return None
    name = " / ".join(spec.architectures) or spec.model_type
    if spec.vision is None:
        return (f"--enable-tower-connector-lora: {name} has no vision tower, so vLLM has no "
                "tower or connector to wrap; drop the flag")
    tower = _tower_read(spec.vision)
    if spec.architectures[0] not in TOWER_QKV_SLICES or tower is None:
        return (f"--enable-tower-connector-lora: Headroom sizes the tower and connector LoRA "
                f"slots of {', '.join(TOWER_QKV_SLICES)} only (models/qwen3_vl.py "
                f"Qwen3_VisionTransformer, siglip.py SiglipVisionModel); {name}'s tower is not "
                "read, so it is not planned")
    sizes = (("vision hidden_size", tower.hidden),) + (
        (("vision out_hidden_size", tower.out_hidden),) if isinstance(tower, VisionEncoder)
        else ())
    for what, size in sizes:
        if fully_sharded and size % tp:
            return (f"--fully-sharded-loras: vLLM splits the {what} {size} over TP {tp}, which "
                    "does not divide it (distributed/utils.py divide asserts), so it fails at "
                    "start-up")
    return None


def tower_model_refusal(spec: ModelSpec, tower_connector: bool) -> str | None:
    """tower_refusal's refusals of the model alone (any layout: TP 1, no sharding)."""
    return tower_refusal(spec, tower_connector, 1, False)


def tower_parts(spec: ModelSpec, tp: int, max_loras: int, rank: int, fully_sharded: bool
                ) -> tuple[tuple[str, int, int], ...]:
    """The tower's and connector's slots on one TP rank as (module, elements, count): (A + B) x
    max_loras per the lora rules (column A rank x input, B output / TP x rank; row A rank x
    input / TP, B output x rank; --fully-sharded-loras: column A rank / TP, row B output /
    TP): per block the attention's QKV (TOWER_QKV_SLICES A, none where 0) and output
    projection, the MLP's two linears, and the Qwen3-VL family's mergers (1 + deepstack)
    linear_fc1 and linear_fc2 (Gemma 3's connector has no linear)."""
    assert spec.vision is not None
    tower = _tower_read(spec.vision)
    assert tower is not None  # (tower_refusal)
    n, r, h, i = max_loras, rank, tower.hidden, tower.mlp
    rank_a = r // tp if fully_sharded else r
    slices = TOWER_QKV_SLICES[spec.architectures[0]]

    def row(width: int) -> int:
        return width // tp if fully_sharded else width

    names = (("vision_tower self_attn.qkv_proj", "vision_tower self_attn.out_proj",
              "vision_tower mlp.fc1", "vision_tower mlp.fc2")
             if isinstance(tower, SiglipTower) else
             ("visual attn.qkv", "visual attn.proj", "visual mlp.linear_fc1",
              "visual mlp.linear_fc2"))
    qkv = ((names[0], n * (slices * rank_a * h + 3 * h // tp * r), tower.depth),) \
        if slices else ()
    blocks = (*qkv,
              (names[1], n * (r * h // tp + row(h) * r), tower.depth),
              (names[2], n * (rank_a * h + i // tp * r), tower.depth),
              (names[3], n * (r * i // tp + row(h) * r), tower.depth))
    if isinstance(tower, SiglipTower):
        return blocks
    merged = h * tower.merge * tower.merge
    mergers = 1 + tower.deepstack
    return (*blocks,
            ("merger linear_fc1", n * (rank_a * merged + merged // tp * r), mergers),
            ("merger linear_fc2", n * (r * merged // tp + row(tower.out_hidden) * r), mergers))


def tower_punica_shapes(vision: VisionSpec, max_num_batched_tokens: int, max_num_seqs: int,
                        max_model_len: int) -> tuple[int, int, int]:
    """(tower tokens, connector tokens, max_batches) of the tower's and connector's Punica
    wrappers (module docstring): budget = max(max_num_batched_tokens, each modality's tokens
    per item: the Qwen3-VL family's image and video, Gemma 3's image); the Qwen3-VL family's
    tower budget x merge^2 and connector budget, Gemma 3's both budget x 16; max_num_seqs x
    the most items per prompt of any modality."""
    tower = _tower_read(vision)
    if isinstance(tower, SiglipTower):
        per_item = [GEMMA3_IMAGE_TOKENS]
        tower_scale = connector_scale = GEMMA3_TOWER_TOKENS_PER_TOKEN
    else:
        assert tower is not None  # (tower_refusal)
        unit = tower.patch * tower.merge
        image = tower.max_item_patches // (tower.merge * tower.merge)
        video = (tower.video_max_pixels // tower.temporal // (unit * unit)
                 if tower.video_max_pixels else 0)
        per_item = [tokens for tokens in (image, video) if tokens]
        tower_scale, connector_scale = tower.merge * tower.merge, 1
    budget = max(max_num_batched_tokens, *per_item)
    limit = max(max(1, min(MM_LIMIT_PER_PROMPT, max_model_len // tokens)) for tokens in per_item)
    return budget * tower_scale, budget * connector_scale, max_num_seqs * limit


def tower_note(spec: ModelSpec, max_num_batched_tokens: int, max_num_seqs: int,
               max_model_len: int) -> str:
    """The lora term's words on the tower's and connector's slots and Punica wrappers."""
    assert spec.vision is not None and _tower_read(spec.vision) is not None  # (tower_refusal)
    tower, connector, batches = tower_punica_shapes(spec.vision, max_num_batched_tokens,
                                                    max_num_seqs, max_model_len)
    wrappers = (f"two Punica wrappers of {tower:,} (tower) and {connector:,} (connector) tokens "
                f"x {batches:,} batches (lora/model_manager.py _maybe_init_mm: the encoder "
                "budget and items per prompt")
    if spec.vision.siglip is not None:
        return ("the SigLIP vision tower's linears get slots too (--enable-tower-connector-lora, "
                "models/siglip.py SiglipVisionModel: self_attn.qkv_proj (three A: q, k, v), "
                "out_proj, mlp fc1/fc2 per layer; the multi_modal_projector has no linear), and "
                f"{wrappers} from the image's tokens per item, whose processor size is "
                "unverified; gemma3_mm.py: tower and connector both budget x 16)")
    qkv = ("attn.qkv (one A: packed as itself)" if TOWER_QKV_SLICES[spec.architectures[0]]
           else "not attn.qkv (the class's packed_modules_mapping lacks it)")
    return (f"the vision tower's and mergers' linears get slots too (--enable-tower-connector-"
            f"lora, models/qwen3_vl.py Qwen3_VisionTransformer: {qkv}, attn.proj, mlp "
            f"linear_fc1/fc2 per block, each merger's linear_fc1/fc2), and {wrappers} from "
            "the image's and video's tokens per item, whose processor sizes are unverified)")
