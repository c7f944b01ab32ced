"""Which model classes Headroom sizes multi-LoRA for, and why every other is refused: the
classes read (LORA_ARCHITECTURES; the multimodal ones' unwrapped tower and connector,
LORA_TOWER_CONNECTOR; the Gated-DeltaNet hybrids, HYBRID_GDN_LORA; the Mamba2 hybrids,
HYBRID_MAMBA_LORA), the classes vLLM takes LoRA for only from a release on, or never, and
the multimodal ones not read (SUPPORTS_LORA_FROM), and the refusals a plan asks first
(lora_refusal: the release, the model, its layers, its MoE settings and experts' format).
What each class's wrapped modules take: slots (attention, dense MLP, GDN, embedding, lm_head),
mamba (Mamba2), moe (experts, router gates, shared experts), expert_formats (quantized experts
per release), deepseek_mla and tower."""

from typing import NamedTuple

from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    LayerSpec,
    LinearAttentionMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.lora.deepseek_mla import DEEPSEEK_LORA
from planner.serving.lora.deepseek_mla import release_refusal as deepseek_release_refusal
from planner.serving.lora.expert_formats import (
    fp8_experts,
    marlin_lora_experts,
    marlin_lora_release_refusal,
    mega_moe_lora_refusal,
    moe_engine_refusal,
)
from planner.serving.lora.mamba import layer_refusal as mamba_layer_refusal
from planner.serving.lora.moe import MOE_LORA_ARCHITECTURES, float32_gate_refusal
from planner.serving.lora.settings import LORA_READ, Version, release_refusal
from planner.serving.mlp_activation import text_classes
from planner.serving.vllm_cli import vllm_cli
from planner.serving.vllm_versions import version_label
from planner.serving.weights import transformers_backend

QWEN3_5_EMBEDDINGS_FROM: Version = (0, 29, 0)
"""models/qwen3_5.py Qwen3_5ForCausalLMBase declares embedding_modules (embed_tokens, lm_head)
from the 0.29.0 wheel; to 0.28.0 neither it nor Qwen3VLForConditionalGeneration declares any,
so the language model's embedding and lm_head are not wrapped there."""


QWEN3_VL_TIED_HEAD_OWN_FROM: Version = (0, 28, 0)
"""models/qwen3_vl.py Qwen3LLMForCausalLM builds a tied lm_head as its own ParallelLMHead
(`ParallelLMHead(...).tie_weights(self.model.embed_tokens)`, sharing the weight only) from the
0.28.0 wheel; the 0.17.0-0.27.1 wheels set `self.lm_head = self.model.embed_tokens`
(tied_head_alias)."""


class LinearNames(NamedTuple):
    """Module names of a layer's attention output and ungated first and second MLP linears."""

    attention_out: str = "o_proj"
    mlp_up: str = "up_proj"
    mlp_down: str = "down_proj"


class LoraModules(NamedTuple):
    """What an architecture's class declares to vLLM's LoRA manager: whether its
    embedding_modules wrap embed_tokens and lm_head, and the slices of qkv_proj and gate_up_proj
    (its packed_modules_mapping: q/k/v and gate/up packed, 3 and 2; Phi3's one checkpoint
    module each, 1 and 1); embeddings_from: the first release whose class declares the
    embedding_modules (Qwen3.5: QWEN3_5_EMBEDDINGS_FROM); gdn_slices: the LoRA A slices of a
    Gated-DeltaNet layer's in_proj_qkvz and in_proj_ba (HYBRID_GDN_LORA: Qwen3.5's four and two
    output sizes; Qwen3-Next's interleaved projections one each); tied_head_own_from: the
    first release whose class builds a tied lm_head as its own ParallelLMHead (before it the
    lm_head is embed_tokens itself, wrapped twice: tied_head_alias); no_op_blocks: whether the
    class builds a layer without its attention or FFN block (nemotron_nas.py DeciLM's no-op
    blocks: no module, so no slots; slots' docstring); ungated_mlp: whether its dense MLP is
    two plain linears, the first a ColumnParallelLinear of one A (phi.py PhiMLP fc1 / fc2)
    rather than a gated gate_up_proj; linear_names: its attention output's, ungated first and
    second MLP linears' module names (LinearNames; Phi's dense, fc1, fc2)."""

    embeddings: bool
    qkv_slices: int = 3
    gate_up_slices: int = 2
    embeddings_from: Version = (0, 0, 0)
    gdn_slices: tuple[int, int] = (4, 2)
    tied_head_own_from: Version = (0, 0, 0)
    no_op_blocks: bool = False
    ungated_mlp: bool = False
    linear_names: LinearNames = LinearNames()


LORA_ARCHITECTURES: dict[str, LoraModules] = {
    "LlamaForCausalLM": LoraModules(True), "Qwen2ForCausalLM": LoraModules(False),
    "Qwen3ForCausalLM": LoraModules(True), "MistralForCausalLM": LoraModules(False),
    "Gemma2ForCausalLM": LoraModules(False), "Gemma3ForCausalLM": LoraModules(False),
    "Phi3ForCausalLM": LoraModules(True, 1, 1), "Qwen3MoeForCausalLM": LoraModules(True),
    "Qwen2MoeForCausalLM": LoraModules(False), "MixtralForCausalLM": LoraModules(True),
    "GptOssForCausalLM": LoraModules(False), "Gemma3ForConditionalGeneration": LoraModules(False),
    "Qwen3_5ForConditionalGeneration": LoraModules(
        True, embeddings_from=QWEN3_5_EMBEDDINGS_FROM),
    "Qwen3VLForConditionalGeneration": LoraModules(
        True, tied_head_own_from=QWEN3_VL_TIED_HEAD_OWN_FROM),
    "Qwen3_5MoeForConditionalGeneration": LoraModules(
        True, embeddings_from=QWEN3_5_EMBEDDINGS_FROM),
    "Qwen3NextForCausalLM": LoraModules(False, gdn_slices=(1, 1)),
    "Qwen3VLMoeForConditionalGeneration": LoraModules(True),
    "Llama4ForConditionalGeneration": LoraModules(True),
    "MiniMaxM2ForCausalLM": LoraModules(False),
    "GraniteForCausalLM": LoraModules(True), "MiMoForCausalLM": LoraModules(False),
    "DeciLMForCausalLM": LoraModules(True, no_op_blocks=True),
    "Gemma4ForConditionalGeneration": LoraModules(False),
    "NemotronHForCausalLM": LoraModules(True),
    "PhiForCausalLM": LoraModules(False, ungated_mlp=True,
                                  linear_names=LinearNames("dense", "fc1", "fc2")),
    "GemmaForCausalLM": LoraModules(False),
    "LlavaNextForConditionalGeneration": LoraModules(True),  # its Granite language model's
    **dict.fromkeys(DEEPSEEK_LORA, LoraModules(False))}
"""The architectures whose vLLM module list is read (models/llama.py, qwen2.py, qwen3.py,
mistral.py, gemma2.py, gemma3.py, phi3.py, qwen3_moe.py, qwen2_moe.py, mixtral.py, gpt_oss.py,
gemma3_mm.py, qwen3_5.py, qwen3_next.py, qwen3_vl.py, qwen3_vl_moe.py, deepseek_v2.py,
mllama4.py / llama4.py, minimax_m2.py, granite.py, mimo.py, nemotron_nas.py (those three:
slots' docstring, DeciLM's no-op blocks LoraModules.no_op_blocks), gemma4_mm.py / gemma4.py,
nemotron_h.py (HYBRID_MAMBA_LORA), phi.py and gemma.py (slots' docstring; from the release
whose registry serves them through the Transformers backend, models/transformers/:
on_transformers_backend) and llava_next.py
over granite.py (LORA_TEXT_MODELS): their attention and embedding_modules, the experts in moe;
the same in every release of LORA_READ but Qwen3.5's embedding_modules and Gemma 4's class,
SupportsLoRA from 0.20.0 only, and LLaVA-NeXT's, from 0.29.0 (SUPPORTS_LORA_FROM);
qwen3_5.py: HYBRID_GDN_LORA; deepseek_v2.py's MLA attention, DeepSeek-V3.2's sparse-attention
indexer (deepseek_v32/attention.py from 0.29.0) and the releases that refuse them or wrap them
more than once, and GLM-5's GlmMoeDsaForCausalLM, V3.2's class in every release (deepseek_v2.py
to 0.28.0, vllm/models/deepseek_v32 from 0.29.0): deepseek_mla; MiniMax-M2's float32 router
gate, whose LoRA vLLM runs from 0.23.0 only: moe.float32_gate_refusal): the others are
refused."""

LORA_TOWER_CONNECTOR: dict[str, str] = {
    "Gemma3ForConditionalGeneration": "vision_tower (SigLIP) and multi_modal_projector",
    "Qwen3_5ForConditionalGeneration": "visual (the vision tower) and its mergers",
    "Qwen3_5MoeForConditionalGeneration": "visual (the vision tower) and its mergers",
    "Qwen3VLForConditionalGeneration": "visual (the ViT), visual.merger and "
                                       "visual.deepstack_merger_list",
    "Qwen3VLMoeForConditionalGeneration": "visual (the ViT), visual.merger and "
                                          "visual.deepstack_merger_list",
    "Llama4ForConditionalGeneration": "vision_model (the ViT and its vision_adapter) and "
                                      "multi_modal_projector",
    "Gemma4ForConditionalGeneration": "vision_tower and embed_vision (audio_tower and "
                                      "embed_audio where built)",
    "LlavaNextForConditionalGeneration": "vision_tower and multi_modal_projector"}
"""The multimodal architectures sized, with the modules vLLM leaves without LoRA: their
language model's (get_mm_mapping's language_model) only, as the text-only class's.

models/gemma3_mm.py Gemma3ForConditionalGeneration (read in every wheel of settings.LORA_READ):
SupportsLoRA, Gemma3ForCausalLM's packed_modules_mapping, no embedding_modules, its language_model
built by init_vllm_registered_model(architectures=["Gemma3ForCausalLM"]) from text_config (so its
layers are wrapped as the text-only Gemma3ForCausalLM's), get_mm_mapping language_model
"language_model", connector "multi_modal_projector" (a bare nn.Parameter matmul: no linear),
tower_model "vision_tower". lora/model_manager.py _maybe_init_mm gives a Punica wrapper to the
language_model prefix only (the same get_punica_wrapper(max_num_batched_tokens, max_num_seqs)
as a text model's) unless LoRAConfig.enable_tower_connector_lora (--enable-tower-connector-lora,
default False in config/lora.py of every release read; also needs the model's support:
hasattr get_num_mm_encoder_tokens to 0.28.0, supports_tower_connector_lora from 0.29.0, which
gemma3_mm.py sets True from 0.29.0, and gemma3_mm.py has get_num_mm_encoder_tokens in every
release read, so with the flag its SigLIP tower is wrapped in every one); _create_lora_modules
skips a module whose _get_punica_wrapper is None ("will be ignored"), so without the flag the
vision tower's linears get no slots. With it: planner.serving.lora.tower (its SigLIP tower's
self_attn.qkv_proj, out_proj, mlp.fc1 and fc2 sized, as the Qwen3-VL tower's).

models/qwen3_vl.py Qwen3VLForConditionalGeneration (every wheel of settings.LORA_READ):
SupportsLoRA, no embedding_modules of its own, get_mm_mapping language_model "language_model",
connector ["visual.merger", "visual.deepstack_merger_list"], tower_model "visual." (supports tower
LoRA in every release, off by default as above); its language_model is a Qwen3LLMForCausalLM, a
Qwen3ForCausalLM subclass (so its embedding_modules embed_tokens and lm_head: lora/utils.py
get_supported_lora_modules reads every module's), built from text_config, whose Qwen3LLMModel
layers are Qwen3DecoderLayer's (Qwen3VLDecoderLayer from 0.32.0 only passes the mrope factor):
sized as Qwen3ForCausalLM. A tied lm_head is the embedding module itself to 0.27.1
(`self.lm_head = self.model.embed_tokens`; tie_weights from 0.28.0), so there it gets embedding
slots of its own besides the logits processor's (tied_head_alias).

models/qwen3_vl_moe.py Qwen3VLMoeForConditionalGeneration (every wheel of settings.LORA_READ): a
Qwen3VLForConditionalGeneration (the same get_mm_mapping and tower rule) whose language_model is
a Qwen3MoeLLMForCausalLM, a Qwen3MoeForCausalLM subclass (embed_tokens and lm_head; its lm_head
stays a ParallelLMHead where tied, so tied embeddings are sized as Qwen3-MoE's): sized as
Qwen3MoeForCausalLM but for its FusedMoE3DWithLoRA experts (moe).

models/mllama4.py Llama4ForConditionalGeneration (every wheel of settings.LORA_READ; its
language model: moe): get_mm_mapping language_model "language_model", connector
["multi_modal_projector.", "vision_model.vision_adapter."], tower_model "vision_model.", no
Punica wrapper there without --enable-tower-connector-lora, as Gemma 3's; with it the tower is
wrapped in every release (get_num_mm_encoder_tokens to 0.29.0, supports_tower_connector_lora
from 0.29.0): planner.serving.lora.tower.

models/gemma4_mm.py Gemma4ForConditionalGeneration (SupportsLoRA from the 0.20.0 wheel, not in
0.19.0 / 0.19.1: SUPPORTS_LORA_FROM; gemma4_mm.py and gemma4.py of 0.20.0, 0.21.0, 0.22.0,
0.23.0, 0.24.0, 0.25.0, 0.27.0, 0.28.0, 0.29.0, 0.30.0, 0.31.0, 0.32.0, 0.33.0 and 0.34.0
read, 0.20.1, 0.20.2, 0.22.1, 0.25.1, 0.26.0 and 0.27.1 equal to one of them byte for byte):
packed_modules_mapping qkv_proj (q/k/v) and gate_up_proj (gate/up), and neither it nor its
language model (gemma4.py Gemma4ForCausalLM, built by init_vllm_registered_model(architectures=
["Gemma4ForCausalLM"]) from text_config) declares embedding_modules: no embed_tokens or lm_head
slots, so the 262,144 vocabulary meets no LoRA limit; is_3d_moe_weight is SupportsLoRA's False.
get_mm_mapping language_model "language_model", connector "embed_vision" (and "embed_audio"),
tower_model "vision_tower" (and "audio_tower") where audio_config builds them: no Punica wrapper
there without --enable-tower-connector-lora, as Gemma 3's. With the flag 0.20.0-0.27.1's
_maybe_init_mm finds get_num_mm_encoder_tokens (interfaces.py SupportsMultiModal's stub, which
gemma4_mm.py inherits) and fails at start-up on the None it returns (tower.gemma4_tower_refusal);
from 0.28.0 the class counts its tower's tokens (get_mm_lora_token_counts) and its tower is
wrapped: planner.serving.lora.tower. Its decoder
layers: moe (the Gemma 4 rules).

models/llava_next.py LlavaNextForConditionalGeneration (SupportsLoRA from the 0.29.0 wheel, not
in 0.17.0-0.28.0: SUPPORTS_LORA_FROM; llava_next.py of 0.29.0, 0.30.0 and 0.31.0 read, the
same in what is read here, 0.32.0-0.34.0 equal to 0.31.0's byte for byte):
packed_modules_mapping qkv_proj (q/k/v) and gate_up_proj (gate/up), no embedding_modules of its
own; its language_model is init_vllm_registered_model(hf_config=text_config), the class
text_config names (LORA_TEXT_MODELS: granite-vision's GraniteForCausalLM, whose
embedding_modules embed_tokens and lm_head get_supported_lora_modules reads off every module, so
both are wrapped; a tied lm_head its own ParallelLMHead, tie_weights, in every release from
0.28.0). get_mm_mapping language_model "language_model", connector "multi_modal_projector",
tower_model "vision_tower": no Punica wrapper there without --enable-tower-connector-lora, as
Gemma 3's. With the flag (supports_tower_connector_lora in every release from 0.29.0) vLLM wraps
init_vision_tower_for_llava's tower (CLIP, SigLIP or Pixtral, up to the deepest
vision_feature_layer) and LlavaMultiModalProjector's linear_1 / linear_2, its Punica wrappers
sized from the encoder budget, which the image's tokens at image_grid_pinpoints' largest entry
set (get_mm_lora_token_counts): planner.serving.lora.tower, for a SigLIP tower and pinpoints
of whole tiles (tower.tower_refusal refuses the rest)."""

LORA_TEXT_MODELS: dict[str, tuple[str, ...]] = {
    "LlavaNextForConditionalGeneration": ("GraniteForCausalLM",)}
"""The wrappers sized whose language model is whatever class text_config.architectures names
(llava_next.py: init_vllm_registered_model(hf_config=config.text_config)), or where it names
none the class vLLM fills in for text_config.model_type (config/vllm.py with_hf_config, from
vllm_versions.TEXT_CLASS_BY_TYPE_FROM, so in every release LLaVA-NeXT's LoRA runs in:
mlp_activation.text_classes), with the text classes
whose modules are read (LORA_ARCHITECTURES' entry for the wrapper is theirs: granite.py
GraniteForCausalLM, slots' docstring); any other language model is refused (model_refusal)."""

HYBRID_GDN_LORA = frozenset({"Qwen3_5ForConditionalGeneration",
                             "Qwen3_5MoeForConditionalGeneration", "Qwen3NextForCausalLM"})
"""The Gated-DeltaNet hybrids sized (the dense Qwen3.5 and Qwen3.5-MoE, models/qwen3_5.py, and
Qwen3-Next, models/qwen3_next.py; slots' docstring; the MoEs' experts, router gate and shared
expert: moe):
their linear-attention layers' slots are slots.gdn_parts; their vision tower ("visual.") and
connector ("visual.merger", "visual.deepstack_merger_list": qwen3_vl.py get_mm_mapping) get
no Punica wrapper without --enable-tower-connector-lora, as Gemma 3's (LORA_TOWER_CONNECTOR)."""

HYBRID_MAMBA_LORA = frozenset({"NemotronHForCausalLM"})
"""The Mamba2 hybrids sized (models/nemotron_h.py: Nemotron-H's Mamba2, attention and relu2 MLP
layers, Nemotron 3 Nano's and Super's non-gated MoE ones, Super's latent): one block a layer,
the Mamba2 layers' slots planner.serving.lora.mamba's, the layers read its layer_refusal's."""



LORA_VOCAB_LIMIT = 258048
"""layers/logits_processor.py create_lora_weights: "When using LoRA, vocab size must be <=
258048"."""


def _mixers(spec: ModelSpec) -> tuple[type, ...]:
    """The token mixers whose LoRA modules are read for `spec`'s architecture."""
    if spec.architectures[0] in DEEPSEEK_LORA:
        return (MlaMixer,)
    return ((AttentionMixer, LinearAttentionMixer) if spec.architectures[0] in HYBRID_GDN_LORA
            else (AttentionMixer,))


def _dense_layer_read(spec: ModelSpec, layer: LayerSpec) -> bool:
    """Whether a dense model's `layer` is one whose LoRA modules are read: attention (of
    _mixers) with a gated dense MLP (an ungated one where the class builds it:
    LoraModules.ungated_mlp), either block absent where the class builds no-op blocks
    (LoraModules.no_op_blocks)."""
    modules = LORA_ARCHITECTURES[spec.architectures[0]]
    no_ops = modules.no_op_blocks
    return ((isinstance(layer.mixer, _mixers(spec)) or no_ops and layer.mixer is None)
            and (isinstance(layer.mlp, DenseMlp) and layer.mlp.gated != modules.ungated_mlp
                 or no_ops and layer.mlp is None))


def _unread_gemma4_parts(spec: ModelSpec) -> list[tuple[str, str]]:
    """(what the config has, its LoRA modules) of the Gemma 4 parts whose modules are not read
    and that `spec` has: per-layer inputs (gemma4.py per_layer_model_projection,
    per_layer_input_gate, per_layer_projection) and KV-shared layers (their q_proj); empty
    where it has neither."""
    return ([("per-layer embeddings (hidden_size_per_layer_input)",
              "per_layer_model_projection, per_layer_input_gate, per_layer_projection")]
            if spec.per_layer_input_size else []) + (
        [("KV-shared layers (num_kv_shared_layers)", "a KV-shared layer's q_proj")]
        if any(layer.kv_source is not None for layer in spec.layers) else [])


def _moe_lora_rules(spec: ModelSpec) -> bool:
    """Whether `spec`'s layers are sized by the MoE rules (moe_layers_refusal): an architecture
    of MOE_LORA_ARCHITECTURES, unless its class builds dense checkpoints too
    (MoeLoraModules.dense_checkpoints: Gemma 4's 31B) and `spec` has no MoE layer."""
    modules = MOE_LORA_ARCHITECTURES.get(spec.architectures[0])
    return modules is not None and (not modules.dense_checkpoints or spec.is_moe)


def model_refusal(spec: ModelSpec) -> str | None:
    """Why the LoRA slots of `spec` are not sized: a config naming several architectures, an
    architecture whose vLLM modules are not read, a wrapper over a language model not read
    (LORA_TEXT_MODELS), Gemma 4's per-layer embeddings or KV-shared
    layers (their modules not read: _unread_gemma4_parts, named as the config has them), a
    layer other than full/sliding attention with a gated dense MLP (the MoE rules:
    moe_layers_refusal; the Mamba2 hybrids: mamba.layer_refusal), or a vocabulary vLLM's LoRA
    lm_head refuses; None where they are."""
    name = " / ".join(spec.architectures) or spec.model_type
    if len(spec.architectures) > 1:  # not "X / X is not read" where X is read
        return (f"--enable-lora: config.json names {len(spec.architectures)} architectures "
                f"({name}); Headroom sizes vLLM's LoRA slots for a config that names one, so "
                "it is not planned")
    if not spec.architectures or spec.architectures[0] not in LORA_ARCHITECTURES:
        return (f"--enable-lora: Headroom sizes vLLM's LoRA slots for "
                f"{', '.join(LORA_ARCHITECTURES)} only (the modules vLLM wraps read in "
                f"models/llama.py, qwen2.py, qwen3.py, mistral.py, gemma2.py, gemma3.py, "
                f"phi3.py, qwen3_moe.py, qwen2_moe.py, mixtral.py, gpt_oss.py, gemma3_mm.py, "
                f"qwen3_5.py, qwen3_next.py, qwen3_vl.py, qwen3_vl_moe.py, deepseek_v2.py, "
                f"deepseek_v32/, mllama4.py, minimax_m2.py, granite.py, mimo.py, "
                f"nemotron_nas.py, gemma4_mm.py, nemotron_h.py, phi.py, gemma.py and "
                f"llava_next.py); "
                f"{name} is not read, so it is not planned")
    texts = LORA_TEXT_MODELS.get(spec.architectures[0], ())
    # the releases that size them fill in a class for text_config.model_type (text_classes)
    named, where = text_classes(spec, spec.architectures[0], LORA_READ[-1]) if texts else ((), "")
    if texts and (len(named) != 1 or named[0] not in texts):
        return (f"--enable-lora: {name}'s language model here is "
                f"{' / '.join(named) or 'not named'} ({where}); Headroom sizes {name}'s LoRA "
                f"slots over {', '.join(texts)} only, so it is not planned")
    unread = _unread_gemma4_parts(spec)
    if unread:
        return (f"--enable-lora: {name} here has {' and '.join(has for has, _ in unread)}, "
                f"whose LoRA modules ({'; '.join(modules for _, modules in unread)}) are not "
                "read, so it is not planned")
    if spec.architectures[0] in HYBRID_MAMBA_LORA:
        refusal = mamba_layer_refusal(spec, name)
        if refusal:
            return refusal
    elif _moe_lora_rules(spec):
        refusal = moe_layers_refusal(spec, name, _mixers(spec),
                                     spec.architectures[0] in LORA_TOWER_CONNECTOR)
        if refusal:
            return refusal
    elif (spec.vision is not None and spec.architectures[0] not in LORA_TOWER_CONNECTOR
          ) or not all(_dense_layer_read(spec, layer) for layer in spec.layers):
        return (f"--enable-lora: {name} here has layers other than attention with a gated dense "
                "MLP, whose LoRA modules are not read, so it is not planned")
    if LORA_ARCHITECTURES[spec.architectures[0]].embeddings and spec.vocab_size > LORA_VOCAB_LIMIT:
        return (f"--enable-lora: vLLM refuses a vocabulary of {spec.vocab_size:,} "
                f"(\"When using LoRA, vocab size must be <= {LORA_VOCAB_LIMIT}\", "
                "lora/layers/logits_processor.py)")
    return None


SUPPORTS_LORA_FROM: dict[str, tuple[str, Version | None]] = {
    "MiMoV2FlashForCausalLM": ("mimo_v2.py (mimo_v2_flash.py to 0.20.2)", None),
    "Gemma3nForConditionalGeneration": ("gemma3n_mm.py", None),
    "KimiVLForConditionalGeneration": ("kimi_vl.py", None),
    "KimiK25ForConditionalGeneration": ("kimi_k25.py", None),
    "Gemma4ForConditionalGeneration": ("gemma4_mm.py", (0, 20, 0)),
    "LlavaNextForConditionalGeneration": ("llava_next.py", (0, 29, 0)),
    "Mistral3ForConditionalGeneration": ("mistral3.py", (0, 0, 0)),
    "PixtralForConditionalGeneration": ("pixtral.py", (0, 0, 0)),
    "Qwen2VLForConditionalGeneration": ("qwen2_vl.py", (0, 0, 0)),
    "Qwen2_5_VLForConditionalGeneration": ("qwen2_5_vl.py", (0, 0, 0)),
    "LlavaForConditionalGeneration": ("llava.py", (0, 0, 0)),
    "InternVLChatModel": ("internvl.py", (0, 0, 0))}
"""Architectures whose vLLM class takes LoRA only from a release on, or never (MiMo-V2-Flash's
text MoE class among them), and multimodal ones whose LoRA modules Headroom has not read, or has
read from a release on (those also in LORA_ARCHITECTURES: Gemma 4, LLaVA-NeXT), with their vLLM
model file and the first release of settings.LORA_READ whose class there is SupportsLoRA
(None: none; the class lines of every 0.17.0-0.34.0 wheel read): gemma3n_mm.py,
kimi_vl.py and kimi_k25.py never, nor MiMoV2FlashForCausalLM (mimo_v2_flash.py 0.17.0-0.20.2,
mimo_v2.py 0.21.0-0.34.0: nn.Module, SupportsPP, MixtureOfExperts (and SupportsEagle3 from
0.25.0), a packed_modules_mapping from 0.21.0 but no supports_lora nor embedding_modules, so
interfaces.py supports_lora is False), gemma4_mm.py from 0.20.0 (0.19.x's class is not;
0.17-0.18 have no Gemma 4), llava_next.py (granite-vision) from 0.29.0, the others in every
release. Without it v1/worker/lora_model_runner_mixin.py
load_lora_model raises "<class> does not support LoRA yet." at start-up (0.17.0-0.34.0):
supports_lora_refusal says which."""


def supports_lora_refusal(spec: ModelSpec, version: Version, label: str) -> str | None:
    """--enable-lora on an architecture of SUPPORTS_LORA_FROM: vLLM `label`'s start-up
    failure where its class is not SupportsLoRA there, else the modules not read (None where
    they are: LORA_ARCHITECTURES)."""
    arch = spec.architectures[0] if len(spec.architectures) == 1 else ""
    if arch not in SUPPORTS_LORA_FROM:
        return None
    file, since = SUPPORTS_LORA_FROM[arch]
    if since is not None and version >= since and arch in LORA_ARCHITECTURES:
        return None
    if since is None or version < since:
        return (f"--enable-lora: vLLM {label} fails at start-up (\"{arch} does not support LoRA "
                f"yet.\", v1/worker/lora_model_runner_mixin.py): models/{file}'s class is not "
                "SupportsLoRA there" + (f" (it is from vLLM {version_label(since)})"
                                        if since else ""))
    return (f"--enable-lora: vLLM {label}'s models/{file} {arch} takes LoRA (SupportsLoRA), but "
            "Headroom has not read the modules it wraps (its language model's; the tower's "
            "with --enable-tower-connector-lora), so it is not planned")


def lora_refusal(spec: ModelSpec, version: Version, label: str, quantization: str | None = None,
                 moe_backend: str | None = None) -> str | None:
    """Why --enable-lora is not planned for `spec` under vLLM `label` (`version`): the release
    (release_refusal), a class not SupportsLoRA there or not read (supports_lora_refusal), then
    the model and its settings (settings_refusal), then int4 / NVFP4 experts before vLLM 0.20
    (expert_formats.marlin_lora_release_refusal); None where the slots are sized."""
    return (release_refusal(version, label) or supports_lora_refusal(spec, version, label)
            or settings_refusal(spec, version, quantization, moe_backend)
            or marlin_lora_release_refusal(spec, version, label))


def settings_refusal(spec: ModelSpec, version: Version, quantization: str | None,
                     moe_backend: str | None) -> str | None:
    """Why the LoRA slots of `spec` are not sized under a read release `version`: the model
    (model_refusal), a MegaMoE `moe_backend` the release refuses LoRA with for any model
    (expert_formats.mega_moe_lora_refusal), then an MoE model's run-time `quantization` or
    `moe_backend` (expert_formats.moe_engine_refusal), then a release that fails to start it
    (deepseek_mla.release_refusal) or to run its float32 router gate's LoRA
    (moe.float32_gate_refusal); None where they are."""
    return (model_refusal(spec) or mega_moe_lora_refusal(version, moe_backend)
            or moe_engine_refusal(spec, quantization, moe_backend)
            or deepseek_release_refusal(spec, version)
            or float32_gate_refusal(spec, version))


def on_transformers_backend(spec: ModelSpec, version: Version) -> bool:
    """Whether vLLM `version`'s registry serves `spec` through its Transformers backend
    (weights.transformers_backend, from the release's vllm_cli fixture; each wheel's
    models/registry.py): of LORA_ARCHITECTURES, PhiForCausalLM from 0.32.0 (phi.py gone from the
    wheel) and GemmaForCausalLM from 0.34.0 (gemma.py gone), sized there by the backend's
    rules (slots' docstring: the same layer modules, embed_tokens wrapped, lm_head not)."""
    return transformers_backend(spec, vllm_cli(version_label(version)).transformers_architectures)


def moe_layers_refusal(spec: ModelSpec, name: str, mixers: tuple[type, ...], tower: bool
                       ) -> str | None:
    """Why the LoRA slots of MoE `spec` are not sized: a checkpoint quantization (but FP8,
    fp8_experts, and gpt-oss's MXFP4), a vision tower where `tower` is False, or a layer other
    than full attention (or another of `mixers`: Qwen3.5-MoE's Gated DeltaNet) with a gated
    routed-expert MLP (with at most one gated shared expert where MOE_LORA_ARCHITECTURES takes
    one, and gated dense MLP layers where it takes them; gpt-oss's and Gemma 4's sliding
    layers, gpt-oss's biased experts, Llama 4's chunked local layers: the modules read); None
    where they are."""
    modules = MOE_LORA_ARCHITECTURES[spec.architectures[0]]
    read = (spec.quant is not None and spec.quant.method == "mxfp4" if modules.mxfp4
            else spec.quant is None or fp8_experts(spec, None) or marlin_lora_experts(spec))
    if not read:
        held = f"quantized experts ({spec.quant.method})" if spec.quant else "unquantized experts"
        return (f"--enable-lora: {name} here has {held}, whose LoRA MoE kernels are not read "
                "(Headroom sizes MoE LoRA on unquantized, FP8, int4 (GPTQ, AWQ, "
                "compressed-tensors W4A16) and NVFP4 experts, and gpt-oss's MXFP4), so it is not "
                "planned")
    kinds = ("full", "sliding") if modules.sliding_attention else ("full",)
    if (spec.vision is not None and not tower) or not all(
            isinstance(layer.mixer, mixers)
            and (not isinstance(layer.mixer, AttentionMixer) or layer.mixer.kind in kinds
                 or modules.chunked_attention and layer.mixer.chunked)
            and (isinstance(layer.mlp, MoeMlp) and layer.mlp.gated
                 and layer.mlp.bias == modules.mxfp4
                 and (layer.mlp.num_shared_experts == 0 or modules.shared_expert and (
                     layer.mlp.num_shared_experts, layer.mlp.shared_expert_gate) == (
                         1, modules.shared_expert_gate))
                 or modules.dense_layers and isinstance(layer.mlp, DenseMlp)
                 and layer.mlp.gated and not layer.mlp.bias)
            for layer in spec.layers):
        unread = [what for what, read in (("dense MLP layers", modules.dense_layers),
                                          ("shared experts", modules.shared_expert)) if not read]
        return (f"--enable-lora: {name} here has layers other than full attention with routed "
                "gated experts" + (f" ({', '.join(unread)})" if unread else "")
                + ", whose LoRA modules are not read, so it is not planned")
    return None


