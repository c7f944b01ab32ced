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
  vision.qwen3_vl_image_grid's tokens (QWEN3_VL_MAX_PIXELS / (patch x merge)^2 = 16,384) and
  its video vision.qwen3_vl_video_tokens's (qwen3_vl.py get_max_video_tokens: two frames of
  get_image_size_with_most_features(video longest_edge // temporal_patch_size), the same
  factor pair: 25,165,824 // 2 // 32^2 = 12,288 = 96 x 128): how vLLM reads both
  sizes is verified (0.17.0-0.34.0), the checkpoints' values are UNVERIFIED (planner.model.
  config.vision: not in ../shared), so the Punica figures are.
  Gemma 3's image takes GEMMA3_IMAGE_TOKENS (images only: get_supported_mm_limits; the
  processor's default, which the checkpoint's processor_config.json may override); Llama 4's
  below.
- _create_lora_modules then wraps each supported module under those prefixes as the language
  model's (settings.LORA_READ's rules, the same create_lora_weights). qwen3_vl.py
  Qwen3_VisionTransformer (Qwen3_5ForConditionalGeneration builds the same class): per block
  attn.qkv (qwen2_5_vl.py Qwen2_5_VisionAttention: QKVParallelLinear(hidden, head_dim, heads,
  kv heads = heads), so 3 x hidden wide), attn.proj (RowParallelLinear hidden -> hidden),
  mlp.linear_fc1 (ColumnParallelLinear hidden -> intermediate), mlp.linear_fc2 (RowParallel);
  merger and each deepstack merger (Qwen3_VisionPatchMerger): linear_fc1 ColumnParallelLinear
  (hidden x merge^2 -> the same), linear_fc2 RowParallelLinear (-> out_hidden_size), all
  split over the attention's TP (under --mm-encoder-tp-mode data built with disable_tp, so
  whole: tower_parts' data_parallel). patch_embed.proj is a Conv3dLayer (layers/conv.py, no
  LinearBase) and pos_embed an nn.Embedding: not wrapped (from_layer finds no class;
  _create_lora_modules skips what it could not wrap). attn.qkv is wrapped only where the
  model's packed_modules_mapping has "qkv": ["qkv"] (QKVParallelLinearWithLoRA takes a packed
  list of one: one A over the whole output): Qwen3VLForConditionalGeneration and Qwen3.5's (it joins
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

- Llama 4 (mllama4.py Llama4ForConditionalGeneration, SupportsLoRA in every release read:
  get_num_mm_encoder_tokens / get_num_mm_connector_tokens 0.17.0-0.29.0,
  supports_tower_connector_lora from 0.29.0, get_mm_lora_token_counts from 0.30.0, so its tower
  is wrapped in every release; get_mm_mapping tower "vision_model.", connector
  "multi_modal_projector." and "vision_model.vision_adapter." (the longer prefix wins: the
  adapter takes the connector's wrapper), the same in every release). Llama4VisionModel (built
  with quant_config None, so 16-bit whatever the checkpoint): patch_embedding
  (Llama4UnfoldConvolution) .linear ColumnParallelLinear(channels x patch^2 -> hidden,
  gather_output: ColumnParallelLinearWithLoRA takes the exact class, gathering after), per
  layer self_attn.qkv_proj (QKVParallelLinear(hidden, hidden / heads, heads), kv heads = heads;
  the class's packed_modules_mapping "qkv_proj": [q, k, v], so three A as Gemma 3's),
  self_attn.o_proj (RowParallelLinear), mlp.fc1 (ColumnParallelLinear hidden -> intermediate)
  and mlp.fc2 (RowParallelLinear); vision_adapter (Llama4VisionPixelShuffleMLP) mlp.fc1
  (ColumnParallelLinear intermediate -> projector_input_dim) and fc2 (RowParallelLinear ->
  projector_output_dim); multi_modal_projector.linear_1 (ColumnParallelLinear
  vision_output_dim -> the text hidden, gather_output). Split over TP (under
  --mm-encoder-tp-mode data all but multi_modal_projector.linear_1 are built with disable_tp,
  so whole: tower_parts' data_parallel, _Slots.left_split). Its token counts: a chunk of
  (image / patch)^2 patches pools to (image / patch)^2 // round(1 / pixel_shuffle_ratio^2)
  tokens (get_patch_per_chunk), so budget // that chunks, each (image / patch)^2 + 1 tower
  tokens (the CLS) and that many connector tokens; the image's tokens per item are
  planner.model.config.vision.LLAMA4_MAX_TILES + 1 chunks' (transformers' Llama4ImageProcessor
  default max_patches, which the checkpoint's preprocessor_config.json may override, as the
  encoder profile's). A config without vision_config (Maverick's in the catalog) is transformers'
  Llama4VisionConfig defaults, as the parser says.

- Gemma 4 (gemma4_mm.py Gemma4ForConditionalGeneration, SupportsLoRA from 0.20.0): _maybe_init_mm
  to 0.28.0 takes a model that has get_num_mm_encoder_tokens, and every class that subclasses
  interfaces.py SupportsMultiModal inherits its stub (a docstring, so None), Gemma 4's too: the
  flag is never ignored (no "does not support it" line). 0.20.0-0.27.1 then size the tower's
  Punica wrapper from that None (get_punica_wrapper(None, ...): punica_base.py torch.empty(None),
  a TypeError at start-up: GEMMA4_TOWER_FROM, refused); 0.28.0 calls gemma4_mm.py's own
  get_mm_lora_token_counts (from 0.28.0) and wraps the tower as 0.29.0-0.34.0, which set
  supports_tower_connector_lora (0.28.0 matches modules by name suffix, 0.29.0 by name and
  LinearBase class: the same linears here). vision_tower is AutoModel.from_config(
  vision_config), transformers' Gemma4VisionModel, and recursive_replace_linear
  (models/transformers/utils.py) turns every nn.Linear in it into a ReplicatedLinear
  ("replicate": whole, whatever TP or --mm-encoder-tp-mode):
  patch_embedder.input_proj (3 p^2 -> hidden), per layer self_attn q_proj/k_proj/v_proj/o_proj and
  mlp gate_proj/up_proj/down_proj (Gemma4ClippableLinear's `.linear`; the packed_modules_mapping's
  qkv_proj / gate_up_proj names never match them, so one A each); embed_vision's
  embedding_projection is a ReplicatedLinear (hidden -> the text hidden). All
  ReplicatedLinearWithLoRA: A rank x input, B output x rank on every rank, --fully-sharded-loras or
  not. The pooler and norms hold no linear. get_mm_mapping tower "vision_tower", connector
  "embed_vision" (audio_tower / embed_audio where audio_config builds them: not sized, refused by
  coverage). get_mm_lora_token_counts (both releases' readings: the image's max_soft_tokens from
  vision_config default_output_length unless mm_processor_kwargs name one): an image's tower
  default_output_length x pooling_kernel_size^2 patches, a video's (no mm_kwargs at start-up)
  ceil(budget / 70) x 70 x pooling_kernel_size^2, each connector the budget; the items per modality
  from get_mm_max_tokens_per_item: the image's default_output_length and the video's
  GEMMA4_VIDEO_TOKENS (images and video: get_supported_mm_limits).

- LLaVA-NeXT (llava_next.py LlavaNextForConditionalGeneration, SupportsLoRA and
  supports_tower_connector_lora both from 0.29.0 (0.29.0, 0.30.0, 0.31.0 read, 0.32.0-0.34.0
  equal 0.31.0's), so the flag is sized wherever its LoRA is; 0.17.0-0.28.0 refuse --enable-
  lora itself: coverage): get_mm_mapping tower "vision_tower", connector
  "multi_modal_projector". llava.py init_vision_tower_for_llava builds siglip.py
  SiglipVisionModel (a SigLIP vision_config; CLIP and Pixtral towers are not read, refused) to
  the deepest vision_feature_layer (_get_num_hidden_layers), use_head False: per layer the
  SIGLIP_BLOCK linears as Gemma 3's (the class's packed_modules_mapping "qkv_proj": [q, k, v]:
  three A; disable_tp only under --mm-encoder-tp-mode data, which the class does not take);
  LlavaMultiModalProjector linear_1 (ColumnParallelLinear hidden x feature layers -> the text
  hidden) and linear_2 (RowParallelLinear text -> text). get_mm_lora_token_counts without
  mm_kwargs (what _maybe_init_mm passes): tower and connector both the budget. The image's
  tokens per item (get_mm_max_tokens_per_item None, so the dummy image of
  get_image_size_with_most_features, the image_grid_pinpoints entry with the most
  get_num_image_tokens): planner.model.config.vision.llava_next_image_tokens, for pinpoints of
  whole tiles only (any other: LlavaNextTower.unsized, refused; transformers' LlavaNextConfig
  default where config.json has none).

Not read, refused: the other multimodal classes (coverage.SUPPORTS_LORA_FROM).

At PP > 1 every stage holds the tower's and connector's Punica wrappers (_init_punica_wrapper
runs on each stage's model, whose class is multimodal wherever the tower is built), and the
tower's slots where vLLM builds the tower: the first stage, and the later ones too for
weights.VISION_ON_EVERY_STAGE's model types unless vllm_versions.TOWER_FIRST_STAGE_ON_V2_FROM
(Model Runner V2 from 0.33.0, whose later stages hold a StageMissingLayer: not registered as a
child module, so named_modules never meets the tower's linears; LoraSettings.tower_every_stage).
"""

import math
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from planner.model.config.vision import (
    GEMMA3_IMAGE_TOKENS,
    LLAMA4_MAX_TILES,
    llama4_item_chunks,
    qwen3_vl_video_tokens,
)
from planner.model.spec import (
    VISION_UNCOUNTED,
    Gemma4Tower,
    Llama4Tower,
    LlavaNextTower,
    ModelSpec,
    SiglipTower,
    TowerDims,
    VisionEncoder,
    VisionSpec,
    uncounted_towers,
)
from planner.serving.lora.coverage import SUPPORTS_LORA_FROM
from planner.serving.vllm_versions import MM_LIMIT_PER_PROMPT, Version, version_label
from planner.text import counted

TOWER_QKV_SLICES: dict[str, int] = {
    "Qwen3VLForConditionalGeneration": 1, "Qwen3_5ForConditionalGeneration": 1,
    "Qwen3_5MoeForConditionalGeneration": 1, "Qwen3VLMoeForConditionalGeneration": 0,
    "Gemma3ForConditionalGeneration": 3, "Llama4ForConditionalGeneration": 3,
    "Gemma4ForConditionalGeneration": 0, "LlavaNextForConditionalGeneration": 3}
"""The architectures whose tower and connector LoRA slots are sized (the Qwen3-VL family's
Qwen3_VisionTransformer, Gemma 3's and LLaVA-NeXT's SigLIP, Llama 4's Llama4VisionModel, Gemma
4's transformers tower), and the LoRA A of their vision attention's QKV: 0 unwrapped (Gemma 4:
no fused QKV, its q, k and v are tower_parts' own linears), 1 packed as itself, 3 for q, k and
v (the module docstring)."""

GEMMA4_TOWER_FROM: Version = (0, 28, 0)
"""The first release that sizes Gemma 4's tower and connector wrappers: 0.28.0's _maybe_init_mm
calls the model's get_mm_lora_token_counts, which gemma4_mm.py defines from the 0.28.0 wheel
(the same as 0.29.0's, as its get_mm_mapping, get_mm_max_tokens_per_item and tower; 0.29.0 adds
supports_tower_connector_lora, which _maybe_init_mm reads from 0.29.0 where it read hasattr
get_num_mm_encoder_tokens). The 0.20.0-0.27.1 wheels' _maybe_init_mm calls
get_num_mm_encoder_tokens, interfaces.py SupportsMultiModal's stub there (gemma4_mm.py defines
none), and builds the tower's Punica wrapper of None tokens: a TypeError at start-up
(gemma4_tower_refusal)."""

TOWER_LORA_OFF_TEXT_ONLY_FROM: Version = (0, 19, 0)
"""lora/model_manager.py _maybe_init_mm from the 0.19.0 wheel (read in every release 0.19.0-
0.34.0, patch releases included): with the flag, after the model-support test (hasattr
get_num_mm_encoder_tokens to 0.28.0, which every multimodal class inherits; from 0.29.0
supports_tower_connector_lora, which each tower read here sets: GEMMA4_TOWER_FROM) and before
any Punica wrapper, where
multimodal_config.language_model_only it logs TOWER_LORA_OFF_LOG, sets
supports_tower_connector_lora False and returns: no tower or connector wrapper, the tower (a
StageMissingLayer) gets no slots, and the engine starts. The 0.17.0-0.18.1 wheels have no such
test and size the tower's Punica wrapper from max() of no modality's items per prompt, a
ValueError at start-up (mm_modes.tower_lora)."""

TOWER_LORA_OFF_LOG = ("Disabling `enable_tower_connector_lora` because the multimodal model is "
                      "configured to initialize the language model only.")
"""_maybe_init_mm's warning under --language-model-only (TOWER_LORA_OFF_TEXT_ONLY_FROM)."""

TOWER_LORA_CLASS_FLAG_FROM: Version = (0, 29, 0)
"""lora/model_manager.py _maybe_init_mm from the 0.29.0 wheel (the same in 0.30.0-0.34.0):
the model-support test reads the class flag interfaces.py SupportsMultiModal
supports_tower_connector_lora (ClassVar, default False) where 0.17.0-0.28.0 read hasattr
get_num_mm_encoder_tokens (which every multimodal class inherits). With the flag asked and the
class flag False it logs TOWER_LORA_IGNORED_LOG and returns before the --language-model-only
test (TOWER_LORA_OFF_LOG) and before any tower or connector Punica wrapper: the engine starts
with the language model's slots alone (mm_modes.tower_lora)."""

TOWER_LORA_CLASSES: frozenset[str] = frozenset({
    "Alpamayo2Super", "Blip2ForConditionalGeneration", "Cosmos3ForConditionalGeneration",
    "DotsOCRForCausalLM", "Exaone4_5_ForConditionalGeneration", "Gemma3ForConditionalGeneration",
    "Gemma4ForConditionalGeneration", "Gemma4UnifiedForConditionalGeneration",
    "Glm4vForConditionalGeneration", "Glm4vMoeForConditionalGeneration",
    "GlmOcrForConditionalGeneration", "H2OVLChatModel", "Idefics3ForConditionalGeneration",
    "InternS1ProForConditionalGeneration", "InternS2MobiusForConditionalGeneration",
    "InternS2PreviewForConditionalGeneration", "InternVLChatModel",
    "KeyeForConditionalGeneration", "KeyeVL1_5ForConditionalGeneration",
    "Lfm2VlForConditionalGeneration", "Llama4ForConditionalGeneration",
    "LlavaForConditionalGeneration", "LlavaNextForConditionalGeneration",
    "LlavaNextVideoForConditionalGeneration", "NVLM_D", "OpenCUAForConditionalGeneration",
    "PaliGemmaForConditionalGeneration", "PixtralForConditionalGeneration",
    "QianfanOCRForConditionalGeneration", "Qwen2VLForConditionalGeneration",
    "Qwen2_5_VLForConditionalGeneration", "Qwen3ASRForConditionalGeneration",
    "Qwen3ASRRealtimeGeneration", "Qwen3OmniMoeForConditionalGeneration",
    "Qwen3VLForConditionalGeneration", "Qwen3VLMoeForConditionalGeneration",
    "Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForConditionalGeneration",
    "SmolVLMForConditionalGeneration", "UltravoxModel"})
"""The multimodal architectures (models/registry.py _MULTIMODAL_MODELS) whose vLLM class sets
supports_tower_connector_lora = True, itself or through a base class, in the 0.29.0-0.34.0
wheels (the set is the same in each release for the architectures it registers: the Keye two
are gone from 0.34.0's registry, Alpamayo2Super is new in 0.33.0). The flag is set in blip2.py,
dots_ocr.py, gemma3_mm.py, gemma4_mm.py, glm4_1v.py, idefics3.py, internvl.py, keye.py (to
0.33.0), lfm2_vl.py, llava.py, llava_next.py, llava_next_video.py, mllama4.py, paligemma.py,
pixtral.py, qwen2_vl.py, qwen2_5_vl.py, qwen3_asr.py, qwen3_vl.py and ultravox.py; the rest
inherit it (qwen3_vl_moe.py and qwen3_5.py (vllm/models/qwen3_5 in 0.34.0) subclass
Qwen3VLForConditionalGeneration, smolvlm.py Idefics3's, h2ovl.py / nvlm_d.py InternVL's, ...).
Every tower Headroom sizes (TOWER_QKV_SLICES) is here; not here, among others: mistral3.py
Mistral3ForConditionalGeneration, kimi_vl.py, gemma3n_mm.py, qwen2_audio.py, the Transformers
backend's multimodal classes (TOWER_LORA_CLASS_FLAG_FROM)."""

TOWER_LORA_IGNORED_LOG = ("LoRA with tower connector is enabled, but the model {} does not "
                          "support it. This will be ignored.")
"""_maybe_init_mm's warning for a class without the flag (TOWER_LORA_CLASS_FLAG_FROM), the
same words in the 0.19.0-0.34.0 wheels; vLLM fills in self.model.__class__.__name__, the class
the registry builds for the architecture (registry_class_name)."""

REGISTRY_CLASS_NAMES: dict[str, str] = {
    "DiffusionGemmaForBlockDiffusion": "DiffusionGemmaForConditionalGeneration",
    "HfMoondream": "Moondream3ForCausalLM",
    "InternVLForConditionalGeneration": "InternS1ForConditionalGeneration",
    "KimiK31ForConditionalGeneration": "KimiK3ForConditionalGeneration",
    "Llama_Nemotron_Nano_VL": "LlamaNemotronVLChatModel",
    "MoonshotKimiaForCausalLM": "KimiAudioForConditionalGeneration",
    "MuseGlimmerForConditionalGeneration": "MuseGlimmerForCausalLM",
    "NemotronH_Nano_Omni_Reasoning_V3": "NemotronH_Nano_VL_V2",
    "NemotronH_Omni_Reasoning_V3": "NemotronH_Nano_VL_V2",
    "NemotronH_Super_Omni_Reasoning_V3": "NemotronH_Nano_VL_V2",
    "Ovis2_6ForCausalLM": "Ovis2_5",
    "Ovis2_6_MoeForCausalLM": "Ovis2_5",
    "Qwen2_5OmniForConditionalGeneration": "Qwen2_5OmniThinkerForConditionalGeneration",
    "Qwen2_5OmniModel": "Qwen2_5OmniThinkerForConditionalGeneration"}
"""The multimodal architectures outside TOWER_LORA_CLASSES whose models/registry.py
_MULTIMODAL_MODELS entry (architecture: (module, class)) builds a class of another name, in the
0.29.0-0.34.0 wheels (each the same class in every release that registers it:
KimiK31ForConditionalGeneration from 0.34.0); every other architecture's class is its own name
(registry_class_name)."""


def registry_class_name(architecture: str) -> str:
    """The name of the class vLLM builds for `architecture` (REGISTRY_CLASS_NAMES), as its
    logs print self.model.__class__.__name__."""
    return REGISTRY_CLASS_NAMES.get(architecture, architecture)

GEMMA4_VIDEO_TOKENS = 32 * (70 + 2 + 6)
"""gemma4_mm.py Gemma4ProcessingInfo.get_mm_max_tokens_per_item (0.28.0-0.34.0): a video's
tokens, _VIDEO_MAX_FRAMES 32 frames x (_VIDEO_MAX_SOFT_TOKENS 70 + boi + eoi + 6 timestamp
tokens) = 2,496."""

GEMMA4_MIN_SOFT_TOKENS = 70
"""gemma4_mm.py min(_SUPPORTED_SOFT_TOKENS) (70, 140, 280, 560, 1120): get_mm_lora_token_counts
sizes a video's tower as ceil(budget / 70) frames of _VIDEO_MAX_SOFT_TOKENS (70) x
pooling_kernel_size^2 patches."""

GEMMA3_TOWER_TOKENS_PER_TOKEN = 16
"""gemma3_mm.py get_num_mm_encoder_tokens / get_mm_lora_token_counts: num_image_tokens x 16,
a constant in every release read (SigLIP's 4,096 patches of an 896-pixel image pooled 4 x 4
into 256 tokens)."""


Parts = tuple[tuple[str, int, int], ...]
"""A tower's and connector's slots on one TP rank as (module, elements, count)."""


class _Slots(NamedTuple):
    """The (A + B) x max_loras elements of one wrapped linear on one TP rank, per the lora rules:
    column A rank x input, B output / TP x rank; row A rank x input / TP, B output x rank;
    --fully-sharded-loras: column A rank / TP, row B output / TP; whole (ReplicatedLinear) A
    rank x input, B output x rank on every rank, whatever TP or --fully-sharded-loras."""

    max_loras: int
    rank: int
    tp: int
    fully_sharded: bool
    layout_tp: int = 0  # under --mm-encoder-tp-mode data (tp 1): the TP the rest splits over

    def left_split(self) -> "_Slots":
        """These slots for a linear data mode leaves split over the layout's TP (Llama 4's
        multi_modal_projector linear_1: weights.data_mode_split_params)."""
        return self._replace(tp=self.layout_tp or self.tp)

    def column(self, width_in: int, width_out: int) -> int:
        """A ColumnParallelLinear's; a QKV's with `width_in` its A count x hidden."""
        rank_a = self.rank // self.tp if self.fully_sharded else self.rank
        return self.max_loras * (rank_a * width_in + width_out // self.tp * self.rank)

    def row(self, width_in: int, width_out: int) -> int:
        """A RowParallelLinear's."""
        width_b = width_out // self.tp if self.fully_sharded else width_out
        return self.max_loras * (self.rank * width_in // self.tp + width_b * self.rank)

    def whole(self, width_in: int, width_out: int) -> int:
        """A ReplicatedLinear's."""
        return self.max_loras * self.rank * (width_in + width_out)


def _vit_blocks(names: tuple[str, str, str, str], dims: TowerDims | VisionEncoder,
                slots: _Slots, qkv_slices: int) -> Parts:
    """Per block, named `names`: the attention's QKV (`qkv_slices` A of rank x hidden, B 3 x
    hidden wide; none where 0) and output projection, the MLP's two linears (the SigLIP,
    Llama 4 and Qwen3-VL blocks alike)."""
    h, i, depth = dims.hidden, dims.mlp, dims.depth
    qkv = ((names[0], slots.column(qkv_slices * h, 3 * h), depth),) if qkv_slices else ()
    return (*qkv, (names[1], slots.row(h, h), depth), (names[2], slots.column(h, i), depth),
            (names[3], slots.row(i, h), depth))


SIGLIP_BLOCK = ("vision_tower self_attn.qkv_proj", "vision_tower self_attn.out_proj",
                "vision_tower mlp.fc1", "vision_tower mlp.fc2")
"""siglip.py SiglipEncoderLayer's wrapped linears (SiglipAttention, SiglipMLP), as _vit_blocks
names them (Gemma 3's tower and LLaVA-NeXT's)."""


class _TowerLora(Protocol):
    """One tower kind's --enable-tower-connector-lora figures (the module docstring): the
    functions below hold no per-kind branch, so a new kind is one class and _tower_lora's
    line."""

    def split_widths(self) -> tuple[tuple[str, int], ...]:
        """The widths --fully-sharded-loras splits over TP (divide asserts TP divides each)."""

    def parts(self, slots: _Slots, qkv_slices: int, text_hidden: int) -> Parts:
        """The tower's and connector's slots (`qkv_slices`: TOWER_QKV_SLICES' entry)."""

    def item_tokens(self) -> tuple[int, ...]:
        """Each modality's tokens per item (the encoder budget and items per prompt read them)."""

    def punica_tokens(self, budget: int) -> tuple[int, int]:
        """The tower's and connector's Punica wrapper tokens from the encoder budget."""

    def note(self, qkv_slices: int, wrappers: str) -> str:
        """The lora term's words on the slots, with `wrappers` (the Punica wrappers' words)."""


@dataclass(frozen=True)
class _Qwen3VisionLora:
    """The Qwen3-VL family's Qwen3_VisionTransformer and its mergers (qwen3_vl.py)."""

    dims: VisionEncoder

    def split_widths(self) -> tuple[tuple[str, int], ...]:
        """The vision hidden_size and the mergers' out_hidden_size."""
        return (("vision hidden_size", self.dims.hidden),
                ("vision out_hidden_size", self.dims.out_hidden))

    def parts(self, slots: _Slots, qkv_slices: int, text_hidden: int) -> Parts:
        """The blocks, and each merger's (1 + deepstack) linear_fc1 and linear_fc2."""
        d = self.dims
        merged = d.hidden * d.merge * d.merge
        mergers = 1 + d.deepstack
        return (*_vit_blocks(("visual attn.qkv", "visual attn.proj", "visual mlp.linear_fc1",
                              "visual mlp.linear_fc2"), d, slots, qkv_slices),
                ("merger linear_fc1", slots.column(merged, merged), mergers),
                ("merger linear_fc2", slots.row(merged, d.out_hidden), mergers))

    def item_tokens(self) -> tuple[int, ...]:
        """The image's and, where the model takes video, the video's."""
        d = self.dims
        image = d.max_item_patches // (d.merge * d.merge)
        video = (qwen3_vl_video_tokens(d.patch, d.merge, d.temporal, d.video_max_pixels)
                 if d.video_max_pixels else 0)
        return tuple(tokens for tokens in (image, video) if tokens)

    def punica_tokens(self, budget: int) -> tuple[int, int]:
        """Tower budget x merge^2, connector the budget."""
        return budget * self.dims.merge * self.dims.merge, budget

    def note(self, qkv_slices: int, wrappers: str) -> str:
        """The blocks and mergers, attn.qkv as TOWER_QKV_SLICES has it."""
        qkv = ("attn.qkv (one A: packed as itself)" if qkv_slices
               else "not attn.qkv (the class's packed_modules_mapping lacks it)")
        return (f"the vision tower's and mergers' linears get slots too (--enable-tower-"
                f"connector-lora, models/qwen3_vl.py Qwen3_VisionTransformer: {qkv}, attn.proj, "
                f"mlp linear_fc1/fc2 per block, each merger's linear_fc1/fc2), and {wrappers} "
                "from the image's and video's tokens per item, whose processor sizes are "
                "unverified)")


@dataclass(frozen=True)
class _SiglipLora:
    """Gemma 3's SigLIP tower (siglip.py SiglipVisionModel); its connector has no linear."""

    dims: SiglipTower

    def split_widths(self) -> tuple[tuple[str, int], ...]:
        """The vision hidden_size."""
        return (("vision hidden_size", self.dims.hidden),)

    def parts(self, slots: _Slots, qkv_slices: int, text_hidden: int) -> Parts:
        """The blocks alone."""
        return _vit_blocks(SIGLIP_BLOCK, self.dims, slots, qkv_slices)

    def item_tokens(self) -> tuple[int, ...]:
        """The image's (images only)."""
        return (self.dims.image_tokens,)

    def punica_tokens(self, budget: int) -> tuple[int, int]:
        """Tower and connector both budget x GEMMA3_TOWER_TOKENS_PER_TOKEN."""
        scaled = budget * GEMMA3_TOWER_TOKENS_PER_TOKEN
        return scaled, scaled

    def note(self, qkv_slices: int, wrappers: str) -> str:
        """The SigLIP blocks (three A on the QKV), no connector linear."""
        return ("the SigLIP vision tower's linears get slots too (--enable-tower-connector-lora, "
                "models/siglip.py SiglipVisionModel: self_attn.qkv_proj (three A: q, k, v), "
                "out_proj, mlp fc1/fc2 per layer; the multi_modal_projector has no linear), and "
                f"{wrappers} from the image's {self.dims.image_tokens:,} tokens per item "
                + ("(transformers' Gemma3Processor default image_seq_length; "
                   if self.dims.image_tokens == GEMMA3_IMAGE_TOKENS else
                   f"(--mm-processor-kwargs do_pan_and_scan: (crops + 1) x "
                   f"{GEMMA3_IMAGE_TOKENS}, gemma3_mm.py get_num_image_tokens; ")
                + "a checkpoint's processor_config.json, not read, may override it); "
                "gemma3_mm.py: tower and connector both budget x 16)")


@dataclass(frozen=True)
class _Llama4Lora:
    """Llama 4's Llama4VisionModel, vision_adapter and multi_modal_projector (mllama4.py)."""

    dims: Llama4Tower

    def split_widths(self) -> tuple[tuple[str, int], ...]:
        """The vision hidden_size and the adapter's projector_output_dim."""
        return (("vision hidden_size", self.dims.hidden),
                ("vision projector_output_dim", self.dims.adapter_out))

    def parts(self, slots: _Slots, qkv_slices: int, text_hidden: int) -> Parts:
        """The patch embedding linear, the blocks, vision_adapter mlp fc1 / fc2 and
        multi_modal_projector linear_1 (to the text hidden), once each but the blocks."""
        d = self.dims
        return (("vision_model patch_embedding.linear", slots.column(d.patch_input, d.hidden), 1),
                *_vit_blocks(("vision_model self_attn.qkv_proj", "vision_model self_attn.o_proj",
                              "vision_model mlp.fc1", "vision_model mlp.fc2"),
                             d, slots, qkv_slices),
                ("vision_adapter mlp.fc1", slots.column(d.mlp, d.adapter_mid), 1),
                ("vision_adapter mlp.fc2", slots.row(d.adapter_mid, d.adapter_out), 1),
                ("multi_modal_projector linear_1",
                 slots.left_split().column(d.vision_out, text_hidden), 1))

    def item_tokens(self) -> tuple[int, ...]:
        """The image's (images only)."""
        return (self.dims.item_tokens,)

    def punica_tokens(self, budget: int) -> tuple[int, int]:
        """budget // tokens a chunk chunks: tower chunk patches + 1 (the CLS) each, connector
        tokens a chunk each."""
        chunk_tokens = self.dims.chunk_patches // self.dims.shuffle
        chunks = budget // chunk_tokens
        return chunks * (self.dims.chunk_patches + 1), chunks * chunk_tokens

    def note(self, qkv_slices: int, wrappers: str) -> str:
        """The vision model, adapter and projector linears."""
        chunks = self.dims.item_tokens // (self.dims.chunk_patches // self.dims.shuffle)
        return ("the vision model's linears get slots too (--enable-tower-connector-lora, "
                "models/mllama4.py Llama4VisionModel: patch_embedding.linear, "
                "self_attn.qkv_proj (three A: q, k, v), o_proj, mlp fc1/fc2 per layer, "
                "vision_adapter mlp fc1/fc2, multi_modal_projector linear_1), and "
                f"{wrappers} from the image's {self.dims.item_tokens:,} tokens per item ("
                + (f"1 + {LLAMA4_MAX_TILES} tiles: transformers' Llama4ImageProcessor default "
                   "max_patches; " if chunks == llama4_item_chunks(LLAMA4_MAX_TILES) else
                   f"{counted(chunks, 'chunk')}: --mm-processor-kwargs max_patches, which "
                   "mllama4.py get_max_num_tiles reads; ")
                + "a checkpoint's preprocessor_config.json, not read, may override "
                "it); mllama4.py: budget // tokens a chunk chunks, tower chunk patches + 1 "
                "each, connector tokens a chunk each)")


@dataclass(frozen=True)
class _Gemma4Lora:
    """Gemma 4's transformers tower (gemma4_mm.py): every linear a ReplicatedLinear
    (recursive_replace_linear "replicate"; embed_vision's own), so whole on every rank."""

    dims: Gemma4Tower

    def split_widths(self) -> tuple[tuple[str, int], ...]:
        """None: --fully-sharded-loras splits no ReplicatedLinear."""
        return ()

    def parts(self, slots: _Slots, qkv_slices: int, text_hidden: int) -> Parts:
        """patch_embedder.input_proj, per layer q/k/v/o_proj (one A each) and the MLP's three,
        and embed_vision's embedding_projection (to the text hidden)."""
        d, whole = self.dims, slots.whole
        h, q, kv = d.hidden, d.q_width, d.kv_width
        return (("vision_tower patch_embedder.input_proj", whole(d.patch_input, h), 1),
                ("vision_tower self_attn q_proj / o_proj", whole(h, q) + whole(q, h), d.depth),
                ("vision_tower self_attn k_proj / v_proj", 2 * whole(h, kv), d.depth),
                ("vision_tower mlp gate_proj / up_proj / down_proj", 3 * whole(h, d.mlp),
                 d.depth),
                ("embed_vision embedding_projection", whole(h, text_hidden), 1))

    def item_tokens(self) -> tuple[int, ...]:
        """The image's default_output_length and the video's GEMMA4_VIDEO_TOKENS."""
        return (self.dims.image_tokens, GEMMA4_VIDEO_TOKENS)

    def punica_tokens(self, budget: int) -> tuple[int, int]:
        """Tower the larger of the image's and the video's ceil(budget / 70) x 70 soft tokens,
        x pooling_kernel_size^2 patches; connector the budget."""
        video = math.ceil(budget / GEMMA4_MIN_SOFT_TOKENS) * GEMMA4_MIN_SOFT_TOKENS
        return max(self.dims.image_tokens, video) * self.dims.pooled, budget

    def note(self, qkv_slices: int, wrappers: str) -> str:
        """The replicated tower and embed_vision linears (vLLM GEMMA4_TOWER_FROM on)."""
        return ("the vision tower's linears get slots too (--enable-tower-connector-lora, vLLM "
                f"{version_label(GEMMA4_TOWER_FROM)} on: models/gemma4_mm.py builds transformers' "
                "Gemma4VisionModel with every nn.Linear a ReplicatedLinear, so "
                "patch_embedder.input_proj, q/k/v/o_proj and mlp gate/up/down_proj per layer "
                "and embed_vision's embedding_projection are "
                f"whole on every rank), and {wrappers} from the image's "
                f"{self.dims.image_tokens:,} tokens (vision_config default_output_length "
                "unless --mm-processor-kwargs names max_soft_tokens) and the video's 32 frames "
                "x 78 tokens; gemma4_mm.py "
                "get_mm_lora_token_counts: tower the video's ceil(budget / 70) x 70 x "
                "pooling_kernel_size^2 patches, connector the budget)")


@dataclass(frozen=True)
class _LlavaNextLora:
    """LLaVA-NeXT's SigLIP tower and LlavaMultiModalProjector (llava_next.py, vLLM 0.29.0 on)."""

    dims: LlavaNextTower

    def split_widths(self) -> tuple[tuple[str, int], ...]:
        """The vision hidden_size (linear_2's output is the text hidden, split already)."""
        return (("vision hidden_size", self.dims.hidden),)

    def parts(self, slots: _Slots, qkv_slices: int, text_hidden: int) -> Parts:
        """The SigLIP blocks, multi_modal_projector linear_1 (ColumnParallelLinear hidden x
        feature layers -> the text hidden) and linear_2 (RowParallelLinear text -> text), built
        without disable_tp (left_split)."""
        projector = slots.left_split()
        return (*_vit_blocks(SIGLIP_BLOCK, self.dims, slots, qkv_slices),
                ("multi_modal_projector linear_1",
                 projector.column(self.dims.projector_in, text_hidden), 1),
                ("multi_modal_projector linear_2", projector.row(text_hidden, text_hidden), 1))

    def item_tokens(self) -> tuple[int, ...]:
        """The image's (images only: llava.py get_supported_mm_limits)."""
        return (self.dims.image_tokens,)

    def punica_tokens(self, budget: int) -> tuple[int, int]:
        """Tower and connector both the budget (get_mm_lora_token_counts without mm_kwargs)."""
        return budget, budget

    def note(self, qkv_slices: int, wrappers: str) -> str:
        """The SigLIP blocks and the projector's two linears, the image from the pinpoints."""
        d = self.dims
        where = ("transformers' LlavaNextConfig default" if d.pinpoints_default
                 else "config.json")
        return ("the SigLIP vision tower's and projector's linears get slots too (--enable-"
                "tower-connector-lora, vLLM 0.29.0 on: models/llava_next.py builds siglip.py "
                f"SiglipVisionModel to the deepest vision_feature_layer, {d.depth} layers: "
                "self_attn.qkv_proj (three A: q, k, v), out_proj, mlp fc1/fc2 per layer, "
                "multi_modal_projector linear_1/linear_2), and "
                f"{wrappers} from the image's {d.image_tokens:,} tokens per item (llava_next.py "
                f"get_num_image_tokens at image_grid_pinpoints' {list(d.pinpoint)}, from "
                f"{where}: each tile's patches, a newline a tile row, and the base tile's); "
                "llava_next.py get_mm_lora_token_counts: tower and connector both the budget)")


def _tower_lora(vision: VisionSpec) -> _TowerLora | None:
    """The tower the slots read: Gemma 3's SigLIP, Llama 4's vision model, Gemma 4's tower,
    else the Qwen3-VL family's encoder (Llama 4's encoder profile is one too, so it comes
    last); None where none is read."""
    if vision.siglip is not None:
        return _SiglipLora(vision.siglip)
    if vision.llama4 is not None:
        return _Llama4Lora(vision.llama4)
    if vision.gemma4 is not None:
        return _Gemma4Lora(vision.gemma4)
    if vision.llava_next is not None:
        return _LlavaNextLora(vision.llava_next)
    return _Qwen3VisionLora(vision.encoder) if vision.encoder is not None else None


def gemma4_tower_refusal(spec: ModelSpec, version: Version) -> str | None:
    """Why --enable-tower-connector-lora is not planned for Gemma 4 where vLLM takes its LoRA
    (coverage.SUPPORTS_LORA_FROM, 0.20.0) but fails at start-up sizing its tower
    (GEMMA4_TOWER_FROM); None elsewhere. Under --language-model-only vLLM turns the flag off
    before it, and at every limit 0 fails earlier (mm_modes.tower_lora)."""
    arch = "Gemma4ForConditionalGeneration"
    lora_from = SUPPORTS_LORA_FROM[arch][1]
    if spec.architectures[:1] != (arch,) or lora_from is None or not (
            lora_from <= version < GEMMA4_TOWER_FROM):
        return None
    return (f"--enable-tower-connector-lora: vLLM {version_label(version)} fails at start-up "
            f"for {arch}: lora/model_manager.py _maybe_init_mm takes any model with "
            "get_num_mm_encoder_tokens, which gemma4_mm.py inherits as interfaces.py "
            "SupportsMultiModal's stub (it returns None), and sizes the tower's Punica wrapper "
            "from that None (punica_base.py torch.empty(None): a TypeError); gemma4_mm.py "
            f"counts its tower's tokens from vLLM {version_label(GEMMA4_TOWER_FROM)} "
            "(get_mm_lora_token_counts), so it is not planned: drop the flag or use vLLM "
            f"{version_label(GEMMA4_TOWER_FROM)} or later")


def tower_refusal(spec: ModelSpec, tower_connector: bool, tp: int, fully_sharded: bool
                  ) -> str | None:
    """Why --enable-tower-connector-lora is not planned for `spec` at this TP, where vLLM wraps
    its towers (`tower_connector`: mm_modes.tower_lora's wrapped, which decides a text model's
    flag): a tower not counted (VISION_UNCOUNTED, or an audio or wrapper's tower: uncounted_towers)
    or not read (TOWER_QKV_SLICES), LLaVA-NeXT image_grid_pinpoints not worked out
    (LlavaNextTower.unsized), or --fully-sharded-loras splitting the tower's widths over TP
    unevenly (divide asserts); None where it is, or without the flag."""
    if not tower_connector:
        return None
    name = " / ".join(spec.architectures) or spec.model_type
    if spec.vision is None and VISION_UNCOUNTED in spec.unmodelled:
        return (f"--enable-tower-connector-lora: {name}'s vision tower is not counted (no "
                "vision_config, or one without depth, hidden_size or intermediate_size), so its "
                "LoRA slots cannot be sized: not planned")
    if spec.vision is None:
        return (f"--enable-tower-connector-lora: {name}'s towers are not counted "
                f"({', '.join(uncounted_towers(spec))}), so their LoRA slots cannot be sized: "
                "not planned")
    tower = _tower_lora(spec.vision)
    if spec.model_type == "gemma4" and tower is None:
        return (f"--enable-tower-connector-lora: {name} here has an audio_config, so vLLM "
                "wraps its audio_tower and embed_audio too (gemma4_mm.py get_mm_mapping), whose "
                "slots and audio tokens are not read, so it is not planned")
    if spec.architectures[0] not in TOWER_QKV_SLICES or tower is None:
        return (f"--enable-tower-connector-lora: Headroom sizes the tower and connector LoRA "
                f"slots of {', '.join(TOWER_QKV_SLICES)} only (models/qwen3_vl.py "
                f"Qwen3_VisionTransformer, siglip.py SiglipVisionModel under gemma3_mm.py and "
                f"llava_next.py, mllama4.py Llama4VisionModel, gemma4_mm.py vision_tower); "
                f"{name}'s tower is not read, so it is not planned")
    unsized = spec.vision.llava_next.unsized if spec.vision.llava_next else ""
    if unsized:
        return (f"--enable-tower-connector-lora: {name}'s "
                + ("config.json has no image_grid_pinpoints, so transformers' LlavaNextConfig "
                   "default applies, whose " if spec.vision.llava_next.pinpoints_default else "")
                + f"{unsized}: Headroom works llava_next.py get_num_image_tokens out for whole "
                "tiles only, which sizes the tower's and connector's Punica wrappers (the "
                "encoder budget and images per prompt), so it is not planned")
    for what, size in tower.split_widths():
        if fully_sharded and size % tp:
            return (f"--fully-sharded-loras: vLLM splits the {what} {size} over TP {tp}, which "
                    "does not divide it (distributed/utils.py divide asserts), so it fails at "
                    "start-up")
    return None


def tower_model_refusal(spec: ModelSpec, tower_connector: bool) -> str | None:
    """tower_refusal's refusals of the model alone (any layout: TP 1, no sharding)."""
    return tower_refusal(spec, tower_connector, 1, False)


def tower_parts(spec: ModelSpec, tp: int, max_loras: int, rank: int, fully_sharded: bool,
                data_parallel: bool = False) -> Parts:
    """The tower's and connector's slots on one TP rank as (module, elements, count): (A + B) x
    max_loras per the lora rules (_Slots): per block the attention's QKV (TOWER_QKV_SLICES A,
    none where 0) and output projection, the MLP's two linears, and the Qwen3-VL family's
    mergers (1 + deepstack) linear_fc1 and linear_fc2 (Gemma 3's connector has no linear);
    Llama 4's patch embedding linear, vision_adapter mlp fc1 / fc2 and multi_modal_projector
    linear_1 once each; Gemma 4's every linear whole (ReplicatedLinear). `data_parallel`:
    under --mm-encoder-tp-mode data each linear built with disable_tp is TP 1's, as its LoRA
    layer takes base_layer.tp_size (lora/layers/base_linear.py, 0.34.0): all but Llama 4's
    multi_modal_projector linear_1 (_Slots.left_split)."""
    assert spec.vision is not None
    tower = _tower_lora(spec.vision)
    assert tower is not None  # (tower_refusal)
    slots = (_Slots(max_loras, rank, 1, fully_sharded, tp) if data_parallel
             else _Slots(max_loras, rank, tp, fully_sharded))
    return tower.parts(slots,
                       TOWER_QKV_SLICES[spec.architectures[0]], spec.hidden_size)


def tower_punica_shapes(vision: VisionSpec, max_num_batched_tokens: int, max_num_seqs: int,
                        max_model_len: int) -> tuple[int, int, int]:
    """(tower tokens, connector tokens, max_batches) of the tower's and connector's Punica
    wrappers (module docstring): budget = max(max_num_batched_tokens, each modality's tokens
    per item: the Qwen3-VL family's image and video, Gemma 3's and Llama 4's image, Gemma 4's
    image and video); the tower's and connector's tokens from it (_TowerLora.punica_tokens);
    max_num_seqs x the most items per prompt of any modality."""
    tower = _tower_lora(vision)
    assert tower is not None  # (tower_refusal)
    per_item = tower.item_tokens()
    budget = max(max_num_batched_tokens, *per_item)
    limit = max(max(1, min(MM_LIMIT_PER_PROMPT, max_model_len // tokens)) for tokens in per_item)
    return *tower.punica_tokens(budget), max_num_seqs * limit


def tower_note(spec: ModelSpec, max_num_batched_tokens: int, max_num_seqs: int,
               max_model_len: int) -> str:
    """The lora term's words on the tower's and connector's slots and Punica wrappers."""
    assert spec.vision is not None
    lora = _tower_lora(spec.vision)
    assert lora is not None  # (tower_refusal)
    tower, connector, batches = tower_punica_shapes(spec.vision, max_num_batched_tokens,
                                                    max_num_seqs, max_model_len)
    wrappers = (f"two Punica wrappers of {tower:,} (tower) and {connector:,} (connector) tokens "
                f"x {batches:,} batches (lora/model_manager.py _maybe_init_mm: the encoder "
                "budget and items per prompt")
    return lora.note(TOWER_QKV_SLICES[spec.architectures[0]], wrappers)
