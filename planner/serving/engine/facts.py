"""The per-model figures the engine model reads (ModelFacts), prepared once per ModelSpec,
with the KV layer of an MTP draft."""

from pydantic import BaseModel, ConfigDict

from planner.memo import IdentityMemo
from planner.model.attention import KvLayer, RecurrentStateKv, kv_layer_spec, model_kv_layers
from planner.model.spec import DenseMlp, ModelSpec, MoeMlp, VisionEncoder
from planner.serving.activation_dsv4 import Dsv4Shape, dsv4_shape
from planner.units import TORCH_DTYPE_BYTES


class ModelFacts(BaseModel):
    """Per-model figures the engine model needs, prepared once per ModelSpec."""

    model_config = ConfigDict(frozen=True)

    kv_layers: tuple[KvLayer | None, ...]
    hidden_size: int
    vocab_size: int
    mlp_width: tuple[int, ...]
    routed_per_token: tuple[int, ...]
    vision: VisionEncoder | None = None
    dsv4: Dsv4Shape | None = None  # DeepSeek-V4: its activation comes from activation_dsv4
    draft_kv: KvLayer | None = None  # the KV layer of one MTP draft layer (draft_kv_layer)


_FACTS: IdentityMemo[ModelFacts] = IdentityMemo(256)


def model_facts(spec: ModelSpec) -> ModelFacts:
    """Prepared facts for a spec, cached by identity (hashing a large frozen spec is slow)."""
    return _FACTS.get(spec, (), _prepare_facts, spec)


_TEXT_FACTS: IdentityMemo[ModelFacts] = IdentityMemo(64)


def text_only_facts(spec: ModelSpec) -> ModelFacts:
    """model_facts without the vision encoder: the model served text-only (mm_modes.text_only),
    whose profile run runs no encoder (vllm_versions.TOWER_MODALITIES' note)."""
    return _TEXT_FACTS.get(spec, (), _without_vision, model_facts(spec))


def _without_vision(facts: ModelFacts) -> ModelFacts:
    """`facts` with no vision encoder (text_only_facts)."""
    return facts.model_copy(update={"vision": None})


def _prepare_facts(spec: ModelSpec) -> ModelFacts:
    """Work out the facts model_facts caches."""
    widths, routed = [], []
    for layer in spec.layers:
        mlp = layer.mlp
        if isinstance(mlp, DenseMlp):
            widths.append(mlp.intermediate_size * (2 if mlp.gated else 1))
            routed.append(0)
        elif isinstance(mlp, MoeMlp):
            shared = mlp.num_shared_experts * mlp.shared_intermediate_size
            width = mlp.experts_per_token * mlp.expert_intermediate_size + shared
            widths.append(width * (2 if mlp.gated else 1))
            routed.append(mlp.experts_per_token)
        else:
            widths.append(0)
            routed.append(0)
    kv_layers = model_kv_layers(spec)
    draft_kv = (kv_layer_spec(spec.mtp_layer.mixer, TORCH_DTYPE_BYTES[spec.torch_dtype])
                if spec.mtp_layer else draft_kv_layer(kv_layers))
    return ModelFacts.model_construct(
        kv_layers=kv_layers,
        draft_kv=draft_kv,
        hidden_size=spec.hidden_size,
        vocab_size=spec.vocab_size,
        mlp_width=tuple(widths),
        routed_per_token=tuple(routed),
        vision=spec.vision.encoder if spec.vision else None,
        dsv4=dsv4_shape(spec),
    )


def draft_kv_layer(layers: tuple[KvLayer | None, ...]) -> KvLayer | None:
    """The KV layer of an MTP draft layer: the model's last attention (non-recurrent) layer,
    unless the spec names the draft's own layer (ModelSpec.mtp_layer: MiMo-V2-Flash's
    sliding-window draft, mimo_v2_mtp.py).

    NOTE: vLLM builds the MTP module as a copy of a full decoder layer (qwen3_5_mtp.py
    Qwen3_5MultiTokenPredictor: Qwen3_5DecoderLayer(layer_type="full_attention");
    deepseek_mtp.py: a DeepseekV2DecoderLayer, MLA); its attention registers its own KV cache
    spec, so it joins the attention group like one more layer. A 2x RTX 3090 Qwen3.6-27B log
    with MTP (club3090-pr594) groups 17 attention layers (16 + 1 draft) with 48 GDN layers.
    """
    return next((kv for kv in reversed(layers)
                 if kv is not None and not isinstance(kv, RecurrentStateKv)), None)
