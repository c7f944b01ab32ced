"""Vision tower + projector parameters from a config.json vision_config (counted, not planned).

One estimator per tower family, each summing the tensors transformers builds for it (the
modeling files named in each NOTE), so that the figure matches a meta-device count of the
model (tests/fixtures/param_counts.json) rather than a generic ViT guess.
"""

import json
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from planner.model.config.defaults import ClassDefaults
from planner.model.config.processor import PixelLimit
from planner.model.spec import (
    ConfigError,
    Gemma4Tower,
    Llama4Tower,
    LlavaNextTower,
    SiglipTower,
    VisionEncoder,
    VisionSpec,
)
from planner.text import counted


class Reader(Protocol):
    """The validated reads planner.model.config.reader.Reader offers (one config dict)."""

    def int_(self, *keys: str, lo: int = 1, hi: int = ...) -> int | None: ...

    def get(self, *keys: str) -> Any: ...

    def flag(self, *keys: str) -> bool | None: ...

    def int_list(self, key: str, lo: int = 0, hi: int = ...) -> list[int] | None: ...

    def null(self, *keys: str) -> str | None: ...

    def where(self, key: str) -> str: ...


MAX_DIM = 1 << 20
Estimate = tuple[int, str, int]
"""(parameters, one-line note saying what was counted, of them those vLLM keeps whole on every
TP rank: VisionSpec.replicated_params)."""

ROW_BIASES = 2
"""NOTE: a ViT block's two RowParallelLinear outputs (attention out and MLP down projection)
keep their whole bias on every TP rank: layers/linear.py RowParallelLinear.__init__ makes
`torch.empty(self.output_size)` where ColumnParallelLinear / QKVParallelLinear split theirs
(output_size_per_partition), 0.19.0, 0.33.0 and 0.34.0 wheels. Norms (nn.LayerNorm, RMSNorm), Conv
patch embeddings, nn.Embedding / nn.Parameter position tables and nn.Linear / ReplicatedLinear
layers are never split."""


def vit_block(h: int, inter: int) -> int:
    """One pre-norm ViT block with biases: q/k/v/o (4h^2 + 4h), a 2-matrix MLP
    (2 h i + i + h) and two LayerNorms (4h)."""
    return 4 * h * h + 4 * h + 2 * h * inter + inter + h + 4 * h


def _dims(r: Reader, prefix: str = "") -> tuple[int, int, int]:
    """(depth, width, MLP width) from the usual keys (Kimi-K2.5 prefixes them with 'vt_')."""
    depth = r.int_(f"{prefix}num_hidden_layers", "num_hidden_layers", "depth", hi=4096)
    h = r.int_(f"{prefix}hidden_size", "hidden_size", "embed_dim", hi=MAX_DIM)
    inter = r.int_(f"{prefix}intermediate_size", "intermediate_size", hi=MAX_DIM)
    if depth is None or h is None or inter is None:
        raise LookupError("depth/hidden_size/intermediate_size")
    return depth, h, inter


def _qwen2_vl_dims(r: Reader, text_hidden: int) -> tuple[int, int, int, int]:
    """(depth, width, MLP width, output width) of a Qwen2-VL vision_config, whose
    hidden_size is the output width (transformers 5.24.0 Qwen2VLVisionConfig: depth 32,
    embed_dim 1280, mlp_ratio 4, hidden_size 3584)."""
    depth = r.int_("depth", hi=4096) or 32
    h = r.int_("embed_dim", hi=MAX_DIM) or 1280
    ratio = r.get("mlp_ratio")
    ratio = ratio if isinstance(ratio, int | float) and not isinstance(ratio, bool) and (
        0 < ratio <= 64) else 4
    return depth, h, int(h * ratio), r.int_("hidden_size", hi=MAX_DIM) or text_hidden


def _qwen_vl(r: Reader, top: Reader, text_hidden: int, top_type: str) -> Estimate:
    """Qwen2-VL, Qwen2.5-VL, Qwen3-VL and Qwen3.5 towers (transformers qwen2_vl, qwen2_5_vl,
    qwen3_vl modeling files, 5.24.0; vLLM qwen2_vl.py / qwen2_5_vl.py build the same tensors,
    0.24.0, 0.33.0 and 0.34.0 wheels).

    NOTE: Qwen3-VL: blocks = vit_block; Conv3d patch embedding c x t x p x p x h + bias h;
    learned positions P x h; the main merger LayerNorm(h) -> Linear(h m^2, h m^2) -> GELU ->
    Linear(h m^2, out), each deepstack merger the same with LayerNorm(h m^2) after the
    shuffle. Qwen3-VL-30B-A3B (27 x 1152, MLP 4304, c 3, t 2, p 16, 2304 positions, m 2,
    out 2048, 3 deepstack): 27 x 15,239,504 + 1,770,624 + 2,654,208 + 30,679,808 + 3 x
    30,686,720 = 538,631,408, the meta-device count. Qwen2-VL (Qwen2VisionTransformer):
    width embed_dim, MLP embed_dim x mlp_ratio, output vision_config.hidden_size, Conv3d
    without bias, no learned positions (2D RoPE), merger LayerNorm 2h. Qwen2.5-VL
    (Qwen2_5_VisionTransformer): Conv3d without bias, no learned positions, blocks with
    q/k/v/o 4h^2 + 4h, a gated MLP with biases 3 h i + 2i + h and two RMSNorms 2h, merger
    RMSNorm h.

    Whole on every TP rank (qwen2_vl.py, qwen2_5_vl.py, qwen3_vl.py, 0.19.0, 0.33.0 and 0.34.0
    wheels; the 0.9.1, 0.11.0, 0.13.0 and 0.15.1 wheels build the same Column / Row / QKV
    layers): the Conv3d patch embedding, the pos_embed nn.Embedding, each block's norms and
    ROW_BIASES, each merger's norm and its linear_fc2 (RowParallelLinear) bias; the q/k/v, MLP
    and merger weights are split. Qwen3-VL-30B-A3B: 1,770,624 + 2,654,208 + 27 x 6,912 +
    (2,304 + 2,048) + 3 x (9,216 + 2,048) = 4,649,600.
    """
    if top_type == "qwen2_vl" or _type(r).startswith("qwen2_vl"):
        depth, h, inter, out = _qwen2_vl_dims(r, text_hidden)
        block, conv_bias, merger_norm = vit_block(h, inter), 0, 2 * h
        block_norms = 4 * h
    else:
        depth, h, inter = _dims(r)
        out = r.int_("out_hidden_size", hi=MAX_DIM) or text_hidden
        block, conv_bias, merger_norm = vit_block(h, inter), h, 2 * h
        block_norms = 4 * h
        if top_type == "qwen2_5_vl" or _type(r).startswith("qwen2_5_vl"):
            block = 4 * h * h + 4 * h + 3 * h * inter + 2 * inter + h + 2 * h
            conv_bias, merger_norm, block_norms = 0, h, 2 * h
    patch = r.int_("patch_size", hi=1024) or 14
    temporal = r.int_("temporal_patch_size", hi=64) or 1
    channels = r.int_("in_channels", "num_channels", hi=64) or 3
    positions = r.int_("num_position_embeddings", hi=1 << 24) or 0
    merge = r.int_("spatial_merge_size", hi=64) or 1
    extra = _deepstack_mergers(r)
    merged = h * merge * merge
    mlp = merged * merged + merged + merged * out + out
    embed = channels * temporal * patch * patch * h + conv_bias + positions * h
    params = depth * block + embed + (merger_norm + mlp) + extra * (2 * merged + mlp)
    whole = embed + depth * (block_norms + ROW_BIASES * h) + merger_norm + out
    whole += extra * (2 * merged + out)
    return params, (f"{depth} ViT blocks of width {h}, MLP {inter}, "
                    f"{counted(1 + extra, 'merger')} to {out}"), whole


def _deepstack_mergers(r: Reader) -> int:
    """The deepstack mergers: one per vision_config.deepstack_visual_indexes entry (vLLM
    0.17.0-0.34.0 qwen3_vl.py builds 1 + len(deepstack_visual_indexes) mergers and looks each
    ViT block's index up in the list), 0 where the key is left out. A null, a non-list or a
    non-integer entry is refused: transformers 5.25.0 Qwen3VLVisionConfig types it list[int],
    and vLLM's len() of a null raises; before, each was read as no deepstack merger."""
    key = "deepstack_visual_indexes"
    if r.null(key):
        raise ConfigError(f"{r.where(key)} must be a list of ViT block indexes, got null: vLLM "
                          "builds 1 + len(deepstack_visual_indexes) mergers (qwen3_vl.py)")
    indexes = r.int_list(key)
    return 0 if indexes is None else len(indexes)


def _type(r: Reader) -> str:
    """vision_config's model_type, or ''."""
    vision_type = r.get("model_type")
    return vision_type if isinstance(vision_type, str) else ""


def siglip_head(h: int, inter: int) -> int:
    """SigLIP's attention-pooling head (siglip/modeling_siglip.py
    SiglipMultiheadAttentionPoolingHead): probe h, nn.MultiheadAttention in_proj 3h^2 + 3h and
    out_proj h^2 + h, LayerNorm 2h, MLP 2 h i + i + h: one vit_block less h."""
    return vit_block(h, inter) - h


class Tower(NamedTuple):
    """A SigLIP, CLIP or Pixtral tower as transformers builds it (_tower)."""

    params: int
    head: int  # the SigLIP pooling head within params
    layer: int  # one encoder layer
    post_norm: int
    embeddings: int  # the patch embedding, positions and pre-norm: whole on every TP rank
    layer_whole: int  # of one layer, what every TP rank holds whole (norms, ROW_BIASES)
    head_whole: int  # of the pooling head, likewise


def _tower(r: Reader, kind: str) -> Tower:
    """A SigLIP, CLIP or Pixtral tower, as transformers builds it.

    NOTE (transformers 5.24.0): SigLIP (siglip/modeling_siglip.py): Conv2d patch c p^2 h + h,
    (image / p)^2 learned positions x h, vit_block layers, post_layernorm 2h, and the pooling
    head where vision_use_head (SiglipVisionConfig's default true; the vision_config
    PaliGemma's and Gemma 3's classes build where config.json has none sets it false). CLIP
    (clip/modeling_clip.py CLIPVisionEmbeddings / CLIPVisionTransformer): class_embedding h,
    Conv2d c p^2 h without bias, ((image / p)^2 + 1) positions x h, pre_layrnorm 2h, vit_block
    layers, post_layernorm 2h. Pixtral (pixtral/modeling_pixtral.py): Conv2d c p^2 h without
    bias, ln_pre RMSNorm h, 2D RoPE (no learned positions), layers of bias-free q/k/v/o 4h^2, a
    gated SiLU MLP 3 h i without biases and two RMSNorms 2h; no post-norm.

    Whole on every TP rank (siglip.py, clip.py, pixtral.py PixtralHFVisionModel, 0.19.0, 0.33.0
    and 0.34.0 wheels; the same Column / Row / QKV layers in the 0.9.1, 0.11.0, 0.13.0 and 0.15.1
    wheels): the Conv2dLayer patch embedding, the nn.Embedding / nn.Parameter positions and
    class embedding, every LayerNorm / RMSNorm and each layer's ROW_BIASES (Pixtral's layers
    have none); the pooling head's probe, torch nn.MultiheadAttention and LayerNorm and its
    SiglipMLP fc2 bias (its fc1 / fc2 weights and fc1 bias are split).
    """
    depth, h, inter = _dims(r)
    defaults = TOWER_CLASS_DEFAULTS[kind].values
    patch = r.int_("patch_size", hi=1024) or defaults["patch_size"]
    channels = r.int_("num_channels", hi=64) or defaults["num_channels"]
    conv = channels * patch * patch * h
    if kind == "pixtral":
        layer = 4 * h * h + 3 * h * inter + 2 * h
        return Tower(conv + h + depth * layer, 0, layer, 0, conv + h, 2 * h, 0)
    image = r.int_("image_size", hi=1 << 16) or defaults["image_size"]
    grid = (image // patch) ** 2
    layer = vit_block(h, inter)
    if kind == "clip":  # class_embedding, one more position, pre_layrnorm; no conv bias
        embeddings = h + conv + (grid + 1) * h + 2 * h
        head = 0
    else:
        embeddings = conv + h + grid * h
        head = siglip_head(h, inter) if r.flag("vision_use_head") is not False else 0
    head_whole = head - (2 * h * inter + inter) if head else 0
    return Tower(embeddings + depth * layer + 2 * h + head, head, layer, 2 * h, embeddings,
                 4 * h + ROW_BIASES * h, head_whole)


TOWER_KINDS = {"gemma3": "siglip", "paligemma": "siglip", "mistral3": "pixtral",
               "llava": "clip", "llava_next": "clip"}
"""NOTE: the vision_config each wrapper builds where vision_config names no model_type
(transformers 5.24.0 Gemma3Config, PaliGemmaConfig: siglip_vision_model; Mistral3Config:
pixtral; LlavaConfig, LlavaNextConfig: clip_vision_model)."""


TOWER_CLASS_DEFAULTS = {
    "siglip": ClassDefaults("siglip_vision_model", "SiglipVisionConfig", {
        "patch_size": 16, "image_size": 224, "num_channels": 3, "vision_use_head": True},
        frozenset(), {}),
    "clip": ClassDefaults("clip_vision_model", "CLIPVisionConfig", {
        "patch_size": 32, "image_size": 224, "num_channels": 3}, frozenset(), {}),
    "pixtral": ClassDefaults("pixtral", "PixtralVisionConfig", {
        "patch_size": 16, "image_size": 1024, "num_channels": 3}, frozenset(), {})}
"""transformers' vision_config class of each _tower kind, with its defaults for the keys _tower
reads besides the widths (transformers 5.25.0 SiglipVisionConfig, CLIPVisionConfig,
PixtralVisionConfig, built and read; Gemma3Config and PaliGemmaConfig build a vision_config
dict as SiglipVisionConfig, so a Gemma 3 vision_config without patch_size has 16-pixel
patches): what a vision_config without the key means, noted as an assumption where taken
(vision_class_defaults). Its depth, hidden_size and intermediate_size are not defaulted, as
QWEN3_VISION_DEFAULTS's."""


def _kind(r: Reader, top_type: str) -> str:
    """'siglip', 'clip' or 'pixtral': vision_config's model_type, else TOWER_KINDS'."""
    return next((k for k in ("pixtral", "clip", "siglip") if _type(r).startswith(k)),
                TOWER_KINDS.get(top_type, "siglip"))


FEATURE_LAYER_DEFAULTS = {"llava": -2, "llava_next": -2, "mistral3": -1}
"""NOTE: vision_feature_layer where config.json leaves it out: transformers 5.24.0 LlavaConfig
and LlavaNextConfig -2, Mistral3Config -1 (the class defaults, built and read)."""


def _feature_depth(top: Reader, depth: int, top_type: str) -> int:
    """Encoder layers vLLM builds for a LLaVA-style wrapper: up to the deepest
    vision_feature_layer.

    NOTE: llava.py init_vision_tower_for_llava / _get_num_hidden_layers and mistral3.py's own
    copy pass num_hidden_layers_override = max over vision_feature_layer of
    get_layer_index (utils.py: depth + index + 1 for a negative index, else the index),
    0.9.1, 0.14.0, 0.15.1, 0.24.0, 0.33.0 and 0.34.0 wheels; missing: FEATURE_LAYER_DEFAULTS."""
    layers = top.get("vision_feature_layer")
    layers = FEATURE_LAYER_DEFAULTS[top_type] if layers is None else layers
    layers = layers if isinstance(layers, list) else [layers]
    index = [i for i in layers if isinstance(i, int) and not isinstance(i, bool)]
    return max((depth + i + 1 if i < 0 else i for i in index), default=depth)


def _vllm_skips(r: Reader, top: Reader, top_type: str) -> tuple[int, int, int]:
    """(checkpoint tensors vLLM never builds, SigLIP pooling head it builds only before 0.15.0,
    of that head what every TP rank holds whole: Tower.head_whole) of a _llava_like tower.

    NOTE: llava.py / llava_next.py / mistral3.py build the tower through
    init_vision_tower_for_llava(..., require_post_norm=False): the layers past the deepest
    feature layer (_feature_depth) and the post_layernorm are never built, their weights
    skipped at load (clip.py / siglip.py / pixtral.py load_weights); gemma3_mm.py and
    paligemma.py build SiglipVisionModel whole (0.9.1, 0.14.0, 0.15.1, 0.24.0, 0.33.0, 0.34.0).
    The pooling head: siglip.py SiglipVisionTransformer builds it where
    config.vision_use_head (true where the config lacks it) in the 0.9.1-0.14.0 wheels; from
    0.15.0 (0.15.1-0.34.0 wheels) SiglipVisionModel takes `use_head: bool | None = False`,
    none of these callers passes it, and the head's weights are dropped at load."""
    tower = _tower(r, _kind(r, top_type))
    if top_type not in FEATURE_LAYER_DEFAULTS:
        return 0, tower.head, tower.head_whole
    unbuilt = (_dims(r)[0] - _built_depth(r, top, top_type)) * tower.layer + tower.post_norm
    return unbuilt, tower.head, tower.head_whole


def _built_depth(r: Reader, top: Reader, top_type: str) -> int:
    """Encoder layers vLLM builds for a _llava_like tower (_vllm_skips)."""
    depth = _dims(r)[0]
    if top_type not in FEATURE_LAYER_DEFAULTS:
        return depth
    return min(depth, _feature_depth(top, depth, top_type))


def _llava_like(r: Reader, top: Reader, text_hidden: int, top_type: str) -> Estimate:
    """A SigLIP / CLIP / Pixtral tower (_tower) + its wrapper's projector.

    NOTE (transformers 5.24.0): Gemma 3 (gemma3/modeling_gemma3.py Gemma3MultiModalProjector):
    mm_input_projection_weight h x text + mm_soft_emb_norm h. PaliGemma
    (paligemma/modeling_paligemma.py PaliGemmaMultiModalProjector): one Linear(h,
    projection_dim) with bias (PaliGemmaConfig copies its projection_dim, default 2048, into
    vision_config). Mistral 3 (mistral3/modeling_mistral3.py Mistral3MultiModalProjector):
    RMSNorm h, patch_merger Linear(h m^2, h) without bias (spatial_merge_size m, default 2),
    linear_1 (h x feature layers) -> text and linear_2 text -> text, biases where
    multimodal_projector_bias (default false). LLaVA(-NeXT) (llava_next/modeling_llava_next.py):
    linear_1 (h x feature layers) -> text and linear_2 text -> text, biases unless
    multimodal_projector_bias is false, LLaVA-NeXT's image_newline text.
    Gemma-3-4B (27 x 1152, MLP 4304, 896 px / 14): 411,466,608 + 678,528 + 4,096 x 1,152
    + 2,304 + 1,152 x 2,560 + 1,152 = 419,816,304.

    Whole on every TP rank, besides the tower's own (Tower.embeddings, layer_whole and the
    post-norm where built): gemma3_mm.py Gemma3MultiModalProjector (an nn.Parameter and a
    GemmaRMSNorm) and paligemma.py's nn.Linear projector entire; mistral3.py's RMSNorm and
    patch_merger nn.Linear; llava.py / mistral3.py linear_2's bias (RowParallelLinear; their
    linear_1 is a ColumnParallelLinear) and llava_next.py's image_newline nn.Parameter (0.19.0,
    0.33.0 and 0.34.0 wheels; the same in the 0.9.1, 0.11.0, 0.13.0 and 0.15.1 wheels).
    """
    kind = _kind(r, top_type)
    depth, h, _ = _dims(r)
    tower = _tower(r, kind)
    params = tower.params
    built = _built_depth(r, top, top_type)
    whole = tower.embeddings + built * tower.layer_whole + (
        0 if top_type in FEATURE_LAYER_DEFAULTS else tower.post_norm)
    name = {"siglip": "SigLIP", "clip": "CLIP", "pixtral": "Pixtral"}[kind]
    if top_type.startswith("gemma3"):
        _refuse_gemma3_pool_of_0(r, top)
        projector = h * text_hidden + h
        return params + projector, f"SigLIP {depth} x {h} + Gemma 3 projector", whole + projector
    if top_type == "paligemma":
        out = top.int_("projection_dim", hi=MAX_DIM) or 2048
        return (params + h * out + out, f"{name} {depth} x {h} + PaliGemma projector to {out}",
                whole + h * out + out)
    n_layers = _feature_layers(top)
    bias = top.get("multimodal_projector_bias")
    bias = bias is True if top_type == "mistral3" else bias is not False
    projector = h * n_layers * text_hidden + text_hidden * text_hidden
    projector += 2 * text_hidden if bias else 0
    whole += text_hidden if bias else 0
    if top_type == "mistral3":
        merge = top.int_("spatial_merge_size", hi=64) or 2
        projector += h + h * merge * merge * h
        whole += h + h * merge * merge * h
        what = "Mistral 3 projector"
    else:
        newline = text_hidden if top_type == "llava_next" else 0
        projector += newline
        whole += newline
        what = "LLaVA projector"
    note = f"{name} {depth} x {h} + {what} over {counted(n_layers, 'feature layer')}"
    return params + projector, note, whole


def _feature_layers(top: Reader) -> int:
    """The vision_feature_layer entries whose hidden states the LLaVA projector concatenates
    (one where it is an int)."""
    layers = top.get("vision_feature_layer")
    return len(layers) if isinstance(layers, list) else 1


LLAVA_NEXT_PINPOINTS_DEFAULT = ((336, 672), (672, 336), (672, 672), (1008, 336), (336, 1008))
"""NOTE: image_grid_pinpoints where config.json leaves it out: transformers 5.25.0
LlavaNextConfig's default (built and read), (height, width) pairs."""


def _pinpoint_pairs(raw: Any) -> tuple[tuple[int, int], ...]:
    """image_grid_pinpoints as (height, width) pairs of positive ints; () where it is not one."""
    pairs = raw if isinstance(raw, list) else []
    good = all(isinstance(p, list) and len(p) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in p) for p in pairs)
    return tuple((p[0], p[1]) for p in pairs) if good else ()


def llava_next_image_tokens(pinpoints: tuple[tuple[int, int], ...], image: int, patch: int,
                            full: bool) -> tuple[int, tuple[int, int], str]:
    """(tokens, (height, width), "") of vLLM's largest LLaVA-NeXT image, or (0, the entry, why)
    where not worked out: every pinpoint must be whole `image`-pixel tiles.

    NOTE: llava_next.py (0.29.0-0.34.0) get_image_size_with_most_features takes the pinpoint
    whose get_num_image_tokens is the most (the first of equals); an image of a pinpoint's
    size is that pinpoint's grid (transformers select_best_resolution: the only one holding it
    whole without waste), rows x cols = height / image x width / image tiles, so
    _get_num_unpadded_features unpads nothing (the image's aspect is the grid's): g^2 x rows x
    cols + g x rows (the newlines) + the base tile's get_num_selected_vision_tokens (SigLIP
    get_num_image_tokens g^2, g = image // patch; vision.py: "full" g^2, "default" g^2 - 1)."""
    if not pinpoints:
        return 0, (0, 0), "image_grid_pinpoints is not a list of [height, width] pairs"
    grid = image // patch
    partial = next((p for p in pinpoints if p[0] % image or p[1] % image or not grid), None)
    if partial is not None:
        return 0, partial, (f"image_grid_pinpoints entry {list(partial)} is not whole "
                            f"{image}-pixel tiles of {grid} x {grid} patches (vision_config "
                            "image_size / patch_size)")

    def tokens(pinpoint: tuple[int, int]) -> int:
        rows, cols = pinpoint[0] // image, pinpoint[1] // image
        return grid * grid * rows * cols + grid * rows + grid * grid - (0 if full else 1)

    largest = max(pinpoints, key=tokens)
    return tokens(largest), largest, ""


def _llava_next_tower(r: Reader, top: Reader) -> LlavaNextTower:
    """LLaVA-NeXT's SigLIP tower as vLLM builds it (_built_depth) and its projector, with the
    image's tokens (llava_next_image_tokens; image_size / patch_size as _tower reads them,
    vision_feature_select_strategy LlavaNextConfig's "default" where absent)."""
    _, h, inter = _dims(r)
    siglip = TOWER_CLASS_DEFAULTS["siglip"].values
    patch = r.int_("patch_size", hi=1024) or siglip["patch_size"]
    image = r.int_("image_size", hi=1 << 16) or siglip["image_size"]
    raw = top.get("image_grid_pinpoints")
    pinpoints = LLAVA_NEXT_PINPOINTS_DEFAULT if raw is None else _pinpoint_pairs(raw)
    tokens, pinpoint, unsized = llava_next_image_tokens(
        pinpoints, image, patch, top.get("vision_feature_select_strategy") == "full")
    return LlavaNextTower(depth=_built_depth(r, top, "llava_next"), hidden=h, mlp=inter,
                          projector_in=h * _feature_layers(top), image_tokens=tokens,
                          pinpoint=pinpoint, pinpoints_default=raw is None, unsized=unsized)


def _refuse_gemma3_pool_of_0(r: Reader, top: Reader) -> None:
    """ConfigError where the AvgPool2d window gemma3_mm.py's Gemma3MultiModalProjector pools
    SigLIP's patches with, (image_size // patch_size) // int(mm_tokens_per_image ** 0.5)
    (0.17.0-0.34.0), is 0: a side of fewer patches than tokens (an image_size
    under patch_size makes no patch at all): torch's AvgPool2d refuses a kernel of 0 when the
    encoder runs, so vLLM cannot encode an image (nor profile one at startup)."""
    siglip = TOWER_CLASS_DEFAULTS["siglip"].values
    patch = r.int_("patch_size", hi=1024) or siglip["patch_size"]
    image = r.int_("image_size", hi=1 << 16) or siglip["image_size"]
    tokens = top.int_("mm_tokens_per_image", hi=1 << 20) or GEMMA3_IMAGE_TOKENS
    side, per_side = image // patch, int(tokens ** 0.5)
    if side < per_side:
        raise ConfigError(
            f"{r.where('image_size')} {image} / patch_size {patch} makes {side} x {side} patches, "
            f"fewer a side than the {per_side} x {per_side} tokens mm_tokens_per_image {tokens} "
            f"pools them to (gemma3_mm.py Gemma3MultiModalProjector: AvgPool2d kernel {side} // "
            f"{per_side} = 0), so vLLM cannot encode an image: not planned")


def _gemma4(r: Reader, top: Reader, text_hidden: int, top_type: str) -> Estimate:
    """Gemma 4 vision encoder (gemma4/modeling_gemma4.py) + embed_vision projection.

    NOTE: patch input_proj 3 p^2 x h (no bias); position_embedding_table 2 x P x h; per layer
    q/o h x (heads x head_dim), k/v h x (kv_heads x head_dim), no biases, q_norm + k_norm
    (head_dim each), a gated MLP 3 x h x i without biases and four RMSNorms (4h); std_bias +
    std_scale buffers (2h) when standardize; embed_vision Linear(h, text) without bias.
    Gemma-4-26B-A4B (27 x 1152, 16 heads x 72, MLP 4304, p 16, P 10240, text 2816):
    884,736 + 23,592,960 + 27 x 20,187,792 + 2,304 + 3,244,032 = 572,794,416 (meta count).

    All of it whole on every TP rank: gemma4_mm.py Gemma4ForConditionalGeneration builds the
    tower as transformers' own module (`AutoModel.from_config(config=config.vision_config)`,
    torch nn.Linear throughout) and embed_vision's projection as a ReplicatedLinear, in every
    wheel that ships the file (0.19.0-0.34.0 read).
    """
    depth, h, inter, heads, kv_heads, head_dim, patch = _gemma4_dims(r)
    positions = r.int_("position_embedding_size", hi=1 << 24) or 0
    layer = 2 * h * heads * head_dim + 2 * h * kv_heads * head_dim + 2 * head_dim
    layer += 3 * h * inter + 4 * h
    standardize = 2 * h if r.get("standardize") else 0
    params = 3 * patch * patch * h + 2 * positions * h + depth * layer + standardize
    params += h * text_hidden
    return params, f"Gemma 4 encoder {depth} x {h}, MLP {inter} (gated)", params


def _gemma4_dims(r: Reader) -> tuple[int, int, int, int, int, int, int]:
    """Depth, width, MLP width, heads, KV heads, head_dim and patch of a Gemma 4 vision_config."""
    depth, h, inter = _dims(r)
    heads = r.int_("num_attention_heads", hi=1 << 14) or 16
    kv_heads = r.int_("num_key_value_heads", hi=1 << 14) or heads
    head_dim = r.int_("head_dim", hi=MAX_DIM) or h // heads
    return depth, h, inter, heads, kv_heads, head_dim, r.int_("patch_size", hi=1024) or 16


def _gemma4_tower(r: Reader) -> Gemma4Tower:
    """The dims Gemma 4's tower LoRA slots and Punica wrappers read (gemma4_mm.py
    get_mm_lora_token_counts: vision_config default_output_length soft tokens an image, read
    from config.json as vLLM reads it (280 in both ../shared Gemma 4 configs; where missing,
    280, their vision_soft_tokens_per_image, though vLLM would find no such attribute:
    transformers 5.25.0's Gemma4VisionConfig declares none), of pooling_kernel_size^2 patches
    each (Gemma4VisionConfig's default 3)). vLLM takes --mm-processor-kwargs
    '{"max_soft_tokens": N}' (N in 70, 140, 280, 560, 1120) instead where given (gemma4_mm.py
    _get_max_soft_tokens): planner.serving.mm_processor puts N here."""
    depth, h, inter, heads, kv_heads, head_dim, patch = _gemma4_dims(r)
    kernel = r.int_("pooling_kernel_size", hi=1024) or 3
    return Gemma4Tower(depth=depth, hidden=h, mlp=inter, q_width=heads * head_dim,
                       kv_width=kv_heads * head_dim, patch_input=3 * patch * patch,
                       pooled=kernel * kernel,
                       image_tokens=r.int_("default_output_length", hi=1 << 20) or 280)


def _llama4_dims(r: Reader) -> tuple[int, int, int, int, int, int]:
    """Depth, width, MLP width, patch, patches a chunk and channels of a Llama 4 vision_config;
    missing keys take Llama4VisionConfig's defaults (34 layers, 768, 5632, 14, 448 px, 3).
    A chunk is one image_size^2 tile, (image_size / patch)^2 patches: the positions less the
    CLS, and the unit of the encoder profile's item and of the tower LoRA's tokens.

    Refused (ConfigError) where vLLM cannot encode a chunk (mllama4.py, 0.17.0-0.34.0 wheels):
    an image_size that is no multiple of patch_size (Mllama4ProcessingInfo.get_patch_per_chunk
    asserts it), or a chunk side pixel_shuffle cannot pool k x k into tokens (k = 1 /
    pixel_shuffle_ratio; pixel_shuffle views the side k times narrower, and a side under k
    makes no token: get_patch_per_chunk (side^2 // k^2) 0)."""
    depth, hidden, inter, patch, image, channels = (
        r.int_("num_hidden_layers", hi=4096) or 34, r.int_("hidden_size", hi=MAX_DIM) or 768,
        r.int_("intermediate_size", hi=MAX_DIM) or 5632, r.int_("patch_size", hi=1024) or 14,
        r.int_("image_size", hi=1 << 16) or 448, r.int_("num_channels", hi=64) or 3)
    side, pool = image // patch, round(1 / _llama4_shuffle_ratio(r))
    if image % patch:
        raise ConfigError(f"{r.where('image_size')} {image} is no multiple of patch_size {patch}: "
                          "vLLM asserts image_size % patch_size == 0 (mllama4.py "
                          "get_patch_per_chunk)")
    if side % pool:
        raise ConfigError(
            f"{r.where('image_size')} {image} / patch_size {patch} makes chunks of {side} x {side} "
            f"patches, which pixel_shuffle_ratio {1 / pool:g} cannot pool {pool} x {pool} into "
            f"tokens (mllama4.py pixel_shuffle; get_patch_per_chunk: {side * side} // "
            f"{pool * pool} = {side * side // (pool * pool)} tokens a chunk), so vLLM cannot "
            "encode an image: not planned")
    return depth, hidden, inter, patch, side * side, channels


def _llama4(r: Reader, top: Reader, text_hidden: int, top_type: str) -> Estimate:
    """Llama 4 vision model + pixel-shuffle adapter + projector (llama4/modeling_llama4.py).

    NOTE: Llama4UnfoldConvolution c p^2 x h (no bias); class_embedding h; positions
    ((image / p)^2 + 1) x h; layernorm_pre/post 4h; blocks = vit_block; vision_adapter MLP
    fc1 intermediate x projector_input_dim + fc2 projector_output_dim^2 (no biases);
    multi_modal_projector vision_output_dim x text (no bias). Missing keys take the
    Llama4VisionConfig defaults (768 wide, 34 layers, MLP 5632, 448 px / 14, output 7680,
    projector 4096): with Maverick's text width 5120 that is 455,178,240, the meta count.

    Whole on every TP rank (mllama4.py Llama4VisionModel, 0.19.0, 0.33.0, 0.34.0 wheels; the 0.9.1
    and 0.10.2 wheels split the same layers): class_embedding, positional_embedding_vlm,
    layernorm_pre / post and each layer's two LayerNorms and ROW_BIASES. The patch embedding
    (Llama4UnfoldConvolution's ColumnParallelLinear), q/k/v/o, the MLPs, the adapter and the
    projector (ColumnParallelLinear) are split.
    """
    depth, h, inter, patch, chunk, channels = _llama4_dims(r)
    vision_out, proj_in, proj_out = _llama4_projector_dims(r)
    embeddings = h + (chunk + 1) * h + 4 * h
    params = channels * patch * patch * h + embeddings + depth * vit_block(h, inter)
    params += inter * proj_in + proj_out * proj_out + vision_out * text_hidden
    whole = embeddings + depth * (4 * h + ROW_BIASES * h)
    return params, f"Llama 4 vision {depth} x {h}, MLP {inter}", whole


def _moonvit(r: Reader, top: Reader, text_hidden: int, top_type: str) -> Estimate:
    """MoonViT (Kimi-VL) / MoonViT-3D (Kimi-K2.5) + the patch-merger projector.

    NOTE (kimi_k25/modular_kimi_k25.py, Kimi-VL modeling_kimi_vl.py): Conv2d patch 3 p^2 h + h;
    learned positions H x W x h (init_pos_emb_height/width, default 64); blocks = vit_block;
    final LayerNorm 2h; projector LayerNorm(h) 2h -> Linear(h m^2, h m^2) + bias -> GELU ->
    Linear(h m^2, text) + bias. Kimi-K2.5 (27 x 1152, MLP 4304, p 14, 64 x 64, m 2x2, text
    7168): 678,528 + 4,718,592 + 411,466,608 + 2,304 + 54,277,888 = 471,143,920.

    Whole on every TP rank (moonvit.py, kimi_k25_vit.py, kimi_vl.py, kimi_k25.py, 0.19.0, 0.33.0
    and 0.34.0 wheels): the Conv2dLayer patch embedding, the positions nn.Parameter, each layer's
    norm0 / norm1 and ROW_BIASES (wo and MLP2.fc1 are RowParallelLinear, wqkv a
    QKVParallelLinear, fc0 a ColumnParallelLinear), final_layernorm, and the whole projector
    (pre_norm LayerNorm, linear_1 / linear_2 ReplicatedLinear). Before 0.14.0 the whole
    MoonViT is (vllm_versions.MOONVIT_SPLIT_FROM).
    """
    prefix = "vt_" if r.get("vt_hidden_size") is not None else ""
    depth, h, inter = _dims(r, prefix)
    patch = r.int_("patch_size", hi=1024) or 14
    pos = (r.int_("init_pos_emb_height", hi=4096) or 64) * (r.int_("init_pos_emb_width",
                                                                   hi=4096) or 64)  # fmt: skip
    kernel = r.get("merge_kernel_size")
    if not (isinstance(kernel, list) and len(kernel) == 2 and all(
            isinstance(k, int) and not isinstance(k, bool) and 0 < k <= 64 for k in kernel)):
        kernel = [2, 2]  # fmt: skip
    out = r.int_("text_hidden_size", hi=MAX_DIM) or text_hidden
    merged = h * kernel[0] * kernel[1]
    projector = 2 * h + merged * merged + merged + merged * out + out
    embeddings = 3 * patch * patch * h + h + pos * h
    params = embeddings + depth * vit_block(h, inter) + 2 * h + projector
    whole = embeddings + depth * (4 * h + ROW_BIASES * h) + 2 * h + projector
    return params, f"MoonViT {depth} x {h}, MLP {inter}, patch merger to {out}", whole


def _family(vision_type: str, top_type: str, r: Reader) -> Callable[..., Estimate]:
    """The estimator for a tower, from the vision_config and top-level model_type."""
    if vision_type.startswith("gemma4") or top_type.startswith("gemma4"):
        return _gemma4
    if top_type.startswith("llama4") or vision_type.startswith("llama4"):
        return _llama4
    if vision_type.startswith(("moonvit", "kimi")) or r.get("vt_hidden_size") is not None:
        return _moonvit
    if vision_type.startswith(("siglip", "clip", "pixtral")) or top_type in TOWER_KINDS:
        return _llava_like
    return _qwen_vl


QWEN3_VL_MAX_PIXELS = 16_777_216
"""The Qwen3-VL / Qwen3.5 image processor's size.longest_edge (its max_pixels), 4096 x 4096
pixels: what vLLM sizes its largest image by (qwen3_vl_image_grid). How vLLM reads it is
verified in every wheel 0.17.0-0.34.0 (patch releases included): qwen2_vl.py
Qwen2VLProcessingInfo.get_image_size_with_most_features (inherited by qwen3_vl.py,
qwen3_vl_moe.py and qwen3_5.py's ProcessingInfo classes) takes `size["longest_edge"]` of the
checkpoint's image processor (its --mm-processor-kwargs size override aside), and qwen3_vl.py
_get_vision_info hands `min_pixels=size["shortest_edge"], max_pixels=size["longest_edge"]` to
transformers' smart_resize. Which file gives it (transformers image_processing_base.py
get_image_processor_dict, read in 4.57.0, the first with Qwen3-VL, 5.5.3 and 5.22.0, the
newest vLLM 0.34.0 allows): processor_config.json's nested "image_processor" where there is
one (5.x first; 4.57.0 after preprocessor_config.json), else preprocessor_config.json; the
class default (Qwen2VLImageProcessor, longest_edge 28 x 28 x 1,280 = 1,003,520: 980 tokens;
image_processing_qwen2_vl_fast.py:80 in 4.57.0, image_processing_qwen2_vl.py:96 in 5.22.0)
only fills a file without "size". A checkpoint with neither file does not load its processor
(OSError, which vLLM's transformers_utils/processor.py, 0.19.0 and 0.34.0, does not catch: only
ValueError), so vLLM does not start it as a multimodal model: nothing to plan. The value
itself stays UNVERIFIED for Qwen3-VL: no Qwen/Qwen3-VL checkpoint's preprocessor_config.json is
in ../shared or the stored sources read. 16,777,216 (shortest_edge 65,536, which the largest
image never reaches) is what every copy read gives (re-uploads of Qwen3-VL-4B/8B/32B-Instruct
and Qwen3.5 checkpoints on the Hub; 390 bytes as json.dumps(indent=4) writes them, the size
the official Qwen/Qwen3-VL-2B-Instruct file list gives its preprocessor_config.json), and the
one log of the family read, Qwen3.6-35B-A3B on vLLM 0.20.0 at 8,192 batched tokens
(bench/public_memory_runs.json unresolved-dgx-spark-qwen36-35b-a3b-nvfp4-0.20.0: "Encoder
cache will be initialized with a budget of 16384 tokens, and profiled with 1 image items"),
agrees: budget max(8,192, tokens per image) = 16,384 = longest_edge // 32^2."""

QWEN3_VL_VIDEO_MAX_PIXELS = 25_165_824
"""The Qwen3-VL / Qwen3.5 video processor's size.longest_edge (shortest_edge 4,096). How vLLM
reads it is verified in every wheel 0.17.0-0.34.0: qwen3_vl.py get_max_video_tokens sizes a
2-frame dummy from get_image_size_with_most_features(video `size["longest_edge"]` //
temporal_patch_size): 25,165,824 // 2 // 32^2 = 12,288 tokens (96 x 128), below the image's
16,384, so the image is profiled. Which file gives it (transformers video_processing_utils.py
get_video_processor_dict): 4.57.0 the first of video_preprocessor_config.json,
preprocessor_config.json, processor_config.json; 5.5.3 and 5.22.0 processor_config.json's
nested "video_processor", else video_preprocessor_config.json, else preprocessor_config.json.
So a checkpoint without video_preprocessor_config.json takes its image file's size:
16,777,216 // 2 // 32^2 = 8,192 tokens (64 x 128), below the image too; the class default
(Qwen3VLVideoProcessor, longest_edge 32 x 32 x 768 = 786,432, shortest_edge 128 x 32 x 32 =
131,072: video_processing_qwen3_vl.py:89 in 4.57.0, :114 in 5.22.0; 384 tokens) only fills a
file without "size", and with no file at all the processor does not load (OSError). The value
itself is UNVERIFIED: no Qwen/Qwen3-VL checkpoint's video_preprocessor_config.json is in
../shared or the stored sources read; 25,165,824 is what the copies read give (385 bytes as
json.dumps(indent=4) writes them, the size of the official Qwen/Qwen3-VL-2B-Instruct file;
Hub duplicates of Qwen/Qwen3.5-9B and Qwen/Qwen3.6-27B alike). A duplicate of
Qwen/Qwen3.5-9B-Base gives 234,881,024: 114,688 tokens (256 x 448), above the image's
16,384, which vLLM then profiles (serving.mm_modes.video_outranks). A checkpoint's own
processor files, where the hub, the cache or a model folder gives them, replace both limits
(model.config.processor, qwen3_vl_sized); this one and QWEN3_VL_MAX_PIXELS stand for a
catalog entry or a config.json alone. vLLM sizes its 0.11-0.12 dummy video with it
(engine.qwen3_vl_dummy_video); with max_model_len >= 16,200 tokens 25,165,824, 16,777,216 and
786,432 all give the same 24,576-frame dummy (engine.encoder.VIDEO_FRAMES_CAP), which the
sipeed log confirms."""

QWEN3_VL_MAX_ASPECT = 200
"""qwen2_vl.py get_image_size_with_most_features (0.17.0-0.34.0): the longest side of vLLM's
largest image over its shortest, at most (transformers' smart_resize refuses more)."""


@lru_cache(maxsize=64)
def qwen3_vl_image_grid(patch: int, merge: int, max_pixels: int = QWEN3_VL_MAX_PIXELS
                        ) -> tuple[int, int]:
    """(rows, columns) of merged tokens of vLLM's largest Qwen3-VL / Qwen3.5 image, as qwen2_vl.py
    get_image_size_with_most_features (0.17.0-0.34.0) builds it: `max_pixels` // (patch x
    merge)^2 tokens, factored into the closest pair whose sides are within QWEN3_VL_MAX_ASPECT,
    one token fewer while none is; its side is patch x merge times each. smart_resize keeps that
    image as it is (each side a multiple of patch x merge, within longest_edge), so it is
    rows x columns x merge^2 patches. Qwen3-VL (16 px, merge 2): 16,384 tokens, 128 x 128, a
    4,096 x 4,096 image of 65,536 patches. (0, 0) where a merged token is over sqrt(max_pixels)
    px wide (4,096 for the image): vLLM's image is then 0 px wide, which smart_resize divides
    by. The video's frame is the same pair at its longest_edge // temporal_patch_size
    (qwen3_vl_video_tokens)."""
    unit = patch * merge
    for tokens in range(max_pixels // (unit * unit), 0, -1):
        rows = next(d for d in range(math.isqrt(tokens), 0, -1) if tokens % d == 0)
        if tokens // rows <= QWEN3_VL_MAX_ASPECT * rows:
            return rows, tokens // rows
    return 0, 0


def qwen3_vl_video_tokens(patch: int, merge: int, temporal: int,
                          video_max_pixels: int = QWEN3_VL_VIDEO_MAX_PIXELS) -> int:
    """Tokens of vLLM's largest Qwen3-VL / Qwen3.5 video item, as qwen3_vl.py
    get_max_video_tokens (0.17.0-0.34.0) counts it: 2 frames of get_image_size_with_most_features(
    longest_edge // temporal_patch_size) (qwen3_vl_image_grid), through _get_vision_info:
    transformers' video smart_resize(2 frames, temporal_factor t, factor p m, max_pixels
    longest_edge) (video_processing_qwen3_vl.py, 4.57.0 and 5.25.0) shrinks the frame only where
    round(2 / t) t x its pixels are over longest_edge (t 1; never at t 2), then grid_t =
    round_up(2, t) // t. Qwen3-VL (16 px, merge 2, temporal 2): 25,165,824 // 2 // 32^2 = 12,288
    = 96 x 128, one temporal patch: 12,288. 0 where vLLM fails at start-up (get_mm_max_tokens_per_
    item asks for the video whatever the limits): temporal over 2 (smart_resize refuses fewer
    frames than temporal_factor) or a frame 0 px wide (a merged token over sqrt(longest_edge //
    t) px)."""
    rows, columns = qwen3_vl_image_grid(patch, merge, video_max_pixels // temporal)
    if temporal > 2 or not rows:
        return 0
    unit = patch * merge
    height, width = rows * unit, columns * unit
    if round(2 / temporal) * temporal * height * width > video_max_pixels:
        beta = math.sqrt(2 * height * width / video_max_pixels)
        height = max(unit, math.floor(height / beta / unit) * unit)
        width = max(unit, math.floor(width / beta / unit) * unit)
    return 2 // temporal * (height // patch) * (width // patch) // (merge * merge)


QWEN3_VISION_CLASSES = {"qwen3_vl": "Qwen3VLVisionConfig", "qwen3_vl_moe": "Qwen3VLMoeVisionConfig",
                        "qwen3_5": "Qwen3_5VisionConfig", "qwen3_5_moe": "Qwen3_5MoeVisionConfig"}
QWEN3_VISION_DEFAULTS: dict[str, int | bool | str] = {
    "patch_size": 16, "temporal_patch_size": 2, "spatial_merge_size": 2, "out_hidden_size": 3584,
    "in_channels": 3, "num_position_embeddings": 2304}
"""transformers' vision_config class of each Qwen3-VL / Qwen3.5 model_type
(QWEN3_VISION_CLASSES; configuration_qwen3_vl.py, _vl_moe, _5, _5_moe of transformers 5.25.0:
the four classes' annotated defaults are these) for the sizes the tower's parameters, encoder
profile and LoRA slots read: what a vision_config without the key means, noted as an
assumption where taken (vision_class_defaults). Its depth, hidden_size and intermediate_size
are not defaulted: a vision_config without them is not counted (parser._vision warns)."""

QWEN3_VL_DEEPSTACK_DEFAULT = [8, 16, 24]
"""Qwen3VLVisionConfig's and Qwen3VLMoeVisionConfig's deepstack_visual_indexes default (three
deepstack mergers); the Qwen3.5 classes declare none (no deepstack merger)."""


def vision_class_defaults(top_type: str, vision_type: str) -> ClassDefaults | None:
    """The transformers vision_config class defaults a vision_config of `vision_type` (its
    model_type, '' where it names none) under `top_type` takes for a key left out: a Qwen3-VL /
    Qwen3.5 one's (QWEN3_VISION_DEFAULTS), a SigLIP, CLIP or Pixtral one's (TOWER_CLASS_DEFAULTS,
    the kind named, else the one TOWER_KINDS says the wrapper builds); None for other towers."""
    if top_type not in QWEN3_VISION_CLASSES:
        kind = next((k for k in TOWER_CLASS_DEFAULTS if vision_type.startswith(k)),
                    None if vision_type else TOWER_KINDS.get(top_type))
        return TOWER_CLASS_DEFAULTS.get(kind)
    return ClassDefaults(f"{top_type}_vision", QWEN3_VISION_CLASSES[top_type],
                         QWEN3_VISION_DEFAULTS, frozenset(), {})


NULL_REFUSING_VISION = {"gemma3": "SiglipVisionConfig", "gemma4": "Gemma4VisionConfig",
                        "llama4": "Llama4VisionConfig", **QWEN3_VISION_CLASSES}
"""The vision_config class of each top-level model_type whose vision_config widths are never
null: transformers 5.25.0's class (strict) refuses a null for each it declares, and vLLM
builds the tower's modules and token counts from them (siglip.py, gemma4_mm.py: int(
default_output_length), mllama4.py, qwen3_vl.py), where a None fails under transformers 4.
Before, a null read as the key left out."""


TOWER_WITHOUT_VISION_CONFIG = ("gemma3", *QWEN3_VISION_CLASSES)
"""Top-level model types whose transformers config class (5.25.0 Gemma3Config, Qwen3VLConfig,
Qwen3VLMoeConfig, Qwen3_5Config, Qwen3_5MoeConfig, built and read) builds its default
vision_config class (NULL_REFUSING_VISION) where config.json has none or a null, so vLLM builds
that tower: parser._vision warns that it is not counted (before, the plan left it out
silently). Llama 4's is counted with its defaults; Gemma4Config builds none."""


def vision_null_refusal(top_type: str) -> str:
    """Reader.null_refusal for the vision_config of `top_type` (NULL_REFUSING_VISION), else ''."""
    name = NULL_REFUSING_VISION.get(top_type)
    return "" if name is None else (
        f"vLLM builds the vision tower with it and fails on a None (transformers 5's {name} "
        "refuses a null where it declares the field): give the number")


def deepstack_default(vc: dict, top_type: str) -> tuple[dict, str | None]:
    """`vc` with Qwen3-VL's deepstack_visual_indexes default where it is left out, and the
    assumption to note (QWEN3_VL_DEEPSTACK_DEFAULT); `vc` and None otherwise."""
    if not top_type.startswith("qwen3_vl") or "deepstack_visual_indexes" in vc:
        return vc, None
    return ({**vc, "deepstack_visual_indexes": QWEN3_VL_DEEPSTACK_DEFAULT},
            f"vision_config.deepstack_visual_indexes missing: assumed "
            f"{QWEN3_VL_DEEPSTACK_DEFAULT} (transformers {QWEN3_VISION_CLASSES[top_type]} class "
            f"default for model_type '{top_type}_vision')")


QWEN3_VL_TYPES = ("qwen3_vl", "qwen3_5")
"""Top-level model types whose tower is the 16-pixel-patch Qwen3-VL ViT that vLLM profiles
with QWEN3_VL_MAX_PIXELS images (Qwen2/2.5-VL use other patches and pixel limits)."""


def _qwen3_vl_encoder(r: Reader, text_hidden: int) -> VisionEncoder:
    """The dims vLLM's encoder profile run depends on (qwen3_vl.py Qwen3_VisionTransformer)."""
    depth, h, inter = _dims(r)
    patch = r.int_("patch_size", hi=1024) or 16
    temporal = r.int_("temporal_patch_size", hi=64) or 1
    channels = r.int_("in_channels", "num_channels", hi=64) or 3
    heads = r.int_("num_heads", hi=h) or 0
    if heads and h % heads:
        # qwen2_5_vl.py Qwen2_5_VisionAttention: divide(projection_size, num_heads) asserts
        raise ConfigError(f"{r.where('num_heads')} = {heads} does not divide vision_config."
                          f"hidden_size {h}: vLLM's vision attention splits the width into "
                          "heads (qwen2_5_vl.py Qwen2_5_VisionAttention: divide(projection_size, "
                          "num_heads)) and stops at start-up")
    merge = r.int_("spatial_merge_size", hi=64) or 1
    if temporal > 2:
        raise ConfigError(
            f"{r.where('temporal_patch_size')} {temporal} is over 2: vLLM sizes the largest "
            "video as 2 frames (qwen3_vl.py get_max_video_tokens, 0.17.0-0.34.0), which "
            "transformers' smart_resize refuses below temporal_patch_size frames, at start-up "
            "whatever --limit-mm-per-prompt says")
    encoder = VisionEncoder(
        depth=depth, hidden=h, mlp=inter, patch_input=channels * temporal * patch * patch,
        merge=merge, out_hidden=r.int_("out_hidden_size", hi=MAX_DIM) or text_hidden,
        deepstack=_deepstack_mergers(r), max_item_patches=1, patch=patch, temporal=temporal,
        heads=heads)
    return qwen3_vl_sized(encoder, PixelLimit(QWEN3_VL_MAX_PIXELS, ""),
                          PixelLimit(QWEN3_VL_VIDEO_MAX_PIXELS, ""), r.where("patch_size"))


def qwen3_vl_sized(enc: VisionEncoder, image: PixelLimit, video: PixelLimit,
                   where: str = "config.json: vision_config.patch_size") -> VisionEncoder:
    """`enc` (a Qwen3-VL / Qwen3.5 tower) planned at the image and video processors' longest_edge
    (`image`, `video`: a checkpoint's processor files, model.config.processor, or the assumed
    QWEN3_VL_MAX_PIXELS and QWEN3_VL_VIDEO_MAX_PIXELS, source ''); ConfigError where vLLM fails
    at start-up on them (a largest image or video frame 0 px wide), `where` naming patch_size."""
    patch, merge = enc.patch, enc.merge
    unit = patch * merge
    rows, columns = qwen3_vl_image_grid(patch, merge, image.max_pixels)
    if not rows:
        raise ConfigError(
            f"{where} {patch} x spatial_merge_size {merge} is over "
            f"{math.isqrt(image.max_pixels):,} px a merged token: vLLM's largest image "
            "(qwen2_vl.py get_image_size_with_most_features: "
            f"{image.max_pixels:,} px{_from(image)} // {unit:,}^2 = 0 tokens) is 0 px wide, "
            "which transformers' smart_resize divides by when vLLM profiles the encoder at "
            "start-up")
    if not qwen3_vl_video_tokens(patch, merge, enc.temporal, video.max_pixels):
        raise ConfigError(
            f"{where} {patch} x spatial_merge_size {merge} is over "
            f"{math.isqrt(video.max_pixels // enc.temporal):,} px a merged token: vLLM's "
            "largest video frame (qwen3_vl.py get_max_video_tokens, 0.17.0-0.34.0: "
            f"{video.max_pixels:,} px{_from(video)} // {enc.temporal} // {unit:,}^2 = 0 tokens) "
            "is 0 px wide, which transformers' smart_resize refuses at start-up whatever "
            "--limit-mm-per-prompt says")
    return enc.model_copy(update={
        "max_item_patches": rows * columns * merge * merge, "image_max_pixels": image.max_pixels,
        "video_max_pixels": video.max_pixels, "image_pixels_source": image.source,
        "video_pixels_source": video.source})


def _from(limit: PixelLimit) -> str:
    """' (where the limit came from)', or '' for the assumed constants."""
    return f" ({limit.source})" if limit.source else ""


LLAMA4_MAX_TILES = 16
"""The Llama 4 image processor's max_patches, which vLLM reads from the HF processor
(mllama4.py Mllama4ProcessingInfo.get_max_num_tiles: image_processor.max_patches, 0.17.0-
0.34.0): transformers' Llama4ImageProcessor class attribute max_patches = 16
(image_processing_llama4.py, 5.25.0). A checkpoint's preprocessor_config.json (not in
../shared, not read) may override it, and so may --mm-processor-kwargs '{"max_patches": N}'
(vLLM passes those to the processor it builds: multimodal/processing/context.py
get_hf_processor, get_merged_mm_kwargs), which planner.serving.mm_processor plans. The llm-d
Llama-4-Scout log (vLLM 0.19.0, 8,192 batched tokens) profiles 3 image items, which holds for
15 to 18 tiles per item (8,192 // (tiles x 144) = 3)."""


def llama4_item_chunks(tiles: int) -> int:
    """Chunks of vLLM's largest Llama 4 image at `tiles` max_patches: the dummy image is `tiles`
    chunks tall, one wide (mllama4.py get_image_size_with_most_features), and
    _postprocess_hf_mm_data adds the global chunk to any image of more than one
    (patches_per_image: 1 if r_h x r_w == 1 else 1 + r_h x r_w)."""
    return 1 if tiles == 1 else 1 + tiles


GEMMA3_IMAGE_TOKENS = 256
"""Gemma 3's tokens per image: the HF processor's image_seq_length, which gemma3_mm.py
Gemma3ProcessingInfo.get_num_image_tokens reads ((crops + 1) x it, 0.17.0-0.34.0; no crops:
do_pan_and_scan is False in Gemma3Processor.images_kwargs). transformers' Gemma3Processor
default image_seq_length=256 (processing_gemma3.py, 5.25.0); a checkpoint's
processor_config.json (not in ../shared, not read) may override it. 256 is also
Gemma3Config's mm_tokens_per_image default and the catalog configs' value, what gemma3_mm.py's
Gemma3MultiModalProjector pools an image to (tokens_per_side = its square root, 16).
--mm-processor-kwargs '{"do_pan_and_scan": true}' makes vLLM's largest image (crops + 1) x it
(planner.serving.mm_processor.GEMMA3_PAN_AND_SCAN_CROPS)."""


def _llama4_encoder(r: Reader, text_hidden: int) -> VisionEncoder:
    """The dims vLLM's encoder profile run depends on (mllama4.py, 0.19.0 wheel).

    The dummy image is LLAMA4_MAX_TILES tiles tall, one wide (get_image_size_with_most_features,
    get_dummy_mm_data): aspect ratio 16 x 1, so 1 + 16 chunks of image_size^2 pixels
    (_call_hf_processor patches_per_image); each chunk is (image_size / patch)^2 patches of
    c p^2 values, pixel-shuffled by pixel_shuffle_ratio 0.5 (4 patches per token,
    get_patch_per_chunk), and the projector maps each token to the text width
    (_process_image_input: multi_modal_projector, split per image, views of one tensor).
    The ViT-peak half of encoder_profile is Qwen3-VL's block live set, not Llama 4's
    (unverified here); with the Scout dims it is far below the held + decoder half. The
    same dummy image in the 0.11.0, 0.15.0, 0.18.0, 0.33.0 and 0.34.0 wheels.
    """
    depth, hidden, inter, patch, chunk, channels = _llama4_dims(r)
    return VisionEncoder(
        depth=depth, hidden=hidden, mlp=inter, patch_input=channels * patch * patch,
        merge=round(1 / _llama4_shuffle_ratio(r)), out_hidden=text_hidden, deepstack=0,
        max_item_patches=llama4_item_chunks(LLAMA4_MAX_TILES) * chunk)


def _llama4_shuffle_ratio(r: Reader) -> float:
    """vision_config pixel_shuffle_ratio (Llama4VisionConfig's default 0.5 where missing);
    refused unless a float 1 / a whole number: mllama4.py pixel_shuffle views each chunk's patch
    grid 1 / ratio times narrower (int(width x ratio)), and get_patch_per_chunk pools
    round(1 / ratio^2) patches a token."""
    key = "pixel_shuffle_ratio"
    ratio = r.get(key)
    if ratio is None and not r.null(key):
        return 0.5
    if not isinstance(ratio, float) or not 0 < ratio <= 1 or (
            abs(round(1 / ratio) * ratio - 1) > 1e-9):
        raise ConfigError(f"{r.where(key)} must be 1 / a whole number, written as a float (0.5 "
                          f"in Llama 4's checkpoints), got {json.dumps(ratio)}: transformers 5's "
                          "Llama4VisionConfig takes a float only, and vLLM's pixel_shuffle "
                          "(mllama4.py) views each chunk's patch grid 1 / ratio times narrower")
    return ratio


def _llama4_projector_dims(r: Reader) -> tuple[int, int, int]:
    """vision_output_dim, projector_input_dim and projector_output_dim of a Llama 4
    vision_config (Llama4VisionConfig's defaults 7680, 4096, 4096)."""
    return (r.int_("vision_output_dim", hi=MAX_DIM) or 7680,
            r.int_("projector_input_dim", hi=MAX_DIM) or 4096,
            r.int_("projector_output_dim", hi=MAX_DIM) or 4096)


def _llama4_tower(r: Reader) -> Llama4Tower:
    """The dims Llama 4's tower LoRA slots and Punica wrappers read (mllama4.py
    Llama4VisionModel, Llama4VisionPixelShuffleMLP, Llama4MultiModalProjector,
    Mllama4ProcessingInfo.get_patch_per_chunk: (image / patch)^2 // round(1 / ratio^2)
    tokens a chunk, at least one (_llama4_dims); the largest item 1 + LLAMA4_MAX_TILES chunks,
    as _llama4_encoder's)."""
    depth, hidden, inter, patch, chunk, channels = _llama4_dims(r)
    shuffle = round(1 / _llama4_shuffle_ratio(r) ** 2)
    vision_out, proj_in, proj_out = _llama4_projector_dims(r)
    return Llama4Tower(
        depth=depth, hidden=hidden, mlp=inter, patch_input=channels * patch * patch,
        chunk_patches=chunk, shuffle=shuffle, adapter_mid=proj_in, adapter_out=proj_out,
        vision_out=vision_out,
        item_tokens=llama4_item_chunks(LLAMA4_MAX_TILES) * (chunk // shuffle))


def vision_estimate(r: Reader, top: Reader, text_hidden: int, top_type: str) -> VisionSpec:
    """Parameters of the vision tower and its projector; LookupError when its dims are missing.

    `r` reads vision_config, `top` the top-level config (LLaVA keeps projector keys there).
    """
    vision_type = r.get("model_type")
    vision_type = vision_type if isinstance(vision_type, str) else ""
    family = _family(vision_type, top_type, r)
    params, note, whole = family(r, top, text_hidden, top_type)
    encoder = None
    if family is _qwen_vl and top_type.startswith(QWEN3_VL_TYPES):
        encoder = _qwen3_vl_encoder(r, text_hidden)
    elif family is _llama4:
        encoder = _llama4_encoder(r, text_hidden)
    llama4 = _llama4_tower(r) if family is _llama4 else None
    audio = isinstance(top.get("audio_config"), dict)  # its tower not sized (parser._towers)
    # (with audio_config vLLM wraps its audio tower too, not read: tower.tower_refusal)
    gemma4 = _gemma4_tower(r) if family is _gemma4 and not audio else None
    unbuilt, head, head_whole = (_vllm_skips(r, top, top_type) if family is _llava_like
                                 else (0, 0, 0))
    # the SigLIP tower gemma3_mm.py builds (its LoRA slots: planner.serving.lora.tower)
    siglip = (SiglipTower(**dict(zip(("depth", "hidden", "mlp"), _dims(r), strict=True)),
                          image_tokens=GEMMA3_IMAGE_TOKENS)
              if family is _llava_like and top_type == "gemma3" else None)
    # LLaVA-NeXT's SigLIP tower and projector (their LoRA slots: the same)
    llava_next = (_llava_next_tower(r, top) if family is _llava_like and top_type == "llava_next"
                  and _kind(r, top_type) == "siglip" else None)
    return VisionSpec(model_type=vision_type or "vision", params=params, note=f"estimate: {note}",
                      encoder=encoder, unbuilt_params=unbuilt, pooling_head_params=head,
                      replicated_params=whole, pooling_head_replicated_params=head_whole,
                      siglip=siglip, llama4=llama4, gemma4=gemma4, llava_next=llava_next,
                      audio_tower=audio)
