"""The names vLLM gives the quantizable layers of a decoder layer (`prefix=f"{prefix}.…"`),
which a checkpoint's per-layer rules are matched against: GPTQ `dynamic` rules
(config.quant.gptq_dynamic) and AWQ's, compressed-tensors' and ModelOpt's exclusion lists
(planner.model.exclusion_match)."""

from typing import NamedTuple

from planner.model.spec import AttentionMixer, DenseMlp, LayerSpec, ModelSpec, MoeMlp

# NOTE: the vLLM layer prefixes: the decoder layer "model.layers.{i}" (the text models' own
# classes), its attention under "self_attn" (gpt_oss.py: "attn"), its MLP or MoE block under
# "mlp" (mixtral.py and arctic.py: "block_sparse_moe", llama4.py: "feed_forward"), a MoE
# block's FusedMoE "experts", its router "gate" (gpt_oss.py, llama4.py: "router") and its shared
# experts "shared_experts" (qwen2_moe.py, qwen3_moe.py, qwen3_next.py, qwen3_5.py through
# Qwen3NextSparseMoeBlock, llama4.py: "shared_expert"); each attention builds qkv_proj and
# o_proj, each MLP gate_up_proj and down_proj: the `prefix=f"{prefix}.…"` arguments of
# llama.py, qwen2_moe.py, qwen3_moe.py, qwen3_next.py, mixtral.py, gpt_oss.py, deepseek_v2.py,
# glm4_moe.py and llama4.py in the 0.19.0, 0.33.0 and 0.34.0 wheels, arctic.py in 0.19.0.
_ATTENTION_BLOCK = {"gpt_oss": "attn"}
_MLP_BLOCK = {"mixtral": "block_sparse_moe", "arctic": "block_sparse_moe",
              "llama4": "feed_forward"}
_SHARED_BLOCK = dict.fromkeys(("qwen2_moe", "qwen3_moe", "qwen3_next", "qwen3_5_moe",
                               "llama4"), "shared_expert")
_ROUTER = dict.fromkeys(("gpt_oss", "llama4"), "router")

# NOTE: vLLM packed_modules_mapping of the Llama-family model classes (llama.py, qwen2.py,
# qwen3.py): the fused linear layers INCConfig.get_layer_config resolves from their shards
# (Qwen2-MoE / Qwen3-MoE: inc_gate_up_fused_last).
FUSED_SHARDS = {"qkv_proj": ("q_proj", "k_proj", "v_proj"),
                "gate_up_proj": ("gate_proj", "up_proj")}


WRAPPED_ROOT = ("model.language_model.", "language_model.model.")
"""Where a ...ForConditionalGeneration checkpoint saved by transformers 4.52 or later names its
decoder layers, and the name vLLM builds them under (the class's language_model, whose model
holds the layers). A ...ForCausalLM class builds "model.layers.N"."""

WRAPPED: dict[str, tuple[int, int, int] | None] = {
    "gemma3": (0, 9, 2), "llama4": None, "qwen3_vl": (0, 11, 0), "qwen3_vl_moe": (0, 11, 0),
    "qwen3_5": (0, 17, 0), "qwen3_5_moe": (0, 17, 0), "gemma4": (0, 19, 0),
    "llava": (0, 9, 2), "llava_next": (0, 9, 2), "mistral3": (0, 9, 2), "paligemma": (0, 9, 2)}
"""The model_types whose ...ForConditionalGeneration class builds its decoder layers as
language_model.model.layers.N, with the release from which its hf_to_vllm_mapper renames a
listed model.language_model. name to that (orig_to_new_prefix), which each method applies to
its list (exclusion_match.maps_names); None: no mapper (a list names the layers as vLLM does or
matches none).

NOTE: gemma3_mm.py Gemma3ForConditionalGeneration: language_model = Gemma3ForCausalLM (its
model at "model"), the mapper from the 0.9.2 wheel (none in 0.9.1). mllama4.py
Llama4ForConditionalGeneration: language_model = Llama4ForCausalLM, no hf_to_vllm_mapper in
any wheel (Llama 4's checkpoints name language_model.model.layers.N themselves). qwen3_vl.py
Qwen3VLForConditionalGeneration (Qwen3VLMoe... subclasses it) and its mapper from 0.11.0;
qwen3_5.py's classes use Qwen3VL's mapper (0.17.0, 0.19.0 and 0.34.0 wheels).
gemma4_mm.py Gemma4ForConditionalGeneration: language_model = Gemma4ForCausalLM, its mapper
"model.language_model." -> "language_model.model." in every wheel 0.19.0-0.34.0. llava.py,
llava_next.py and mistral3.py: language_model built from text_config (TEXT_BUILT), the mapper
from the 0.9.2 wheel (none in 0.9.1). Each of these classes builds its language_model at
maybe_prefix(prefix, "language_model") in every wheel that has its file (gemma3_mm.py,
mllama4.py, llava.py, mistral3.py, paligemma.py in 0.9.0, 0.13.0, 0.19.0 and 0.27.0; qwen3_vl.py
and qwen3_vl_moe.py from 0.13.0, qwen3_5.py and gemma4_mm.py in 0.19.0 and 0.27.0)."""

def vllm_wrapped(spec: ModelSpec) -> bool:
    """Whether vLLM builds this model's decoder layers as language_model.model.layers.N (its
    ...ForConditionalGeneration class of a WRAPPED model_type), not model.layers.N."""
    return spec.model_type in WRAPPED \
        and any(arch.endswith("ForConditionalGeneration") for arch in spec.architectures)


class LayerPrefix(NamedTuple):
    """One quantizable layer vLLM builds: its prefix, the checkpoint's module names it stands
    for (qkv_proj for q/k/v_proj, gate_up_proj for gate/up_proj: their shares of the
    component, quant._module_share) and the component Headroom counts it in."""

    prefix: str
    names: tuple[str, ...]
    component: str


def layer_prefixes(layer: LayerSpec, model_type: str) -> list[LayerPrefix]:
    """Each quantizable linear or FusedMoE layer of one decoder layer: softmax attention's,
    a gated MLP's, a MoE block's routed experts and shared experts' (not its router:
    router_prefix)."""
    head = f"model.layers.{layer.index}"
    found: list[LayerPrefix] = []

    def mlp(block: str, component: str) -> None:
        found.append(LayerPrefix(f"{block}.gate_up_proj", tuple(
            f"{block}.{s}" for s in FUSED_SHARDS["gate_up_proj"]), component))
        found.append(LayerPrefix(f"{block}.down_proj", (f"{block}.down_proj",), component))

    if isinstance(layer.mixer, AttentionMixer):
        attn = f"{head}.{_ATTENTION_BLOCK.get(model_type, 'self_attn')}"
        found.append(LayerPrefix(f"{attn}.qkv_proj", tuple(
            f"{attn}.{s}" for s in FUSED_SHARDS["qkv_proj"]), "attention"))
        found.append(LayerPrefix(f"{attn}.o_proj", (f"{attn}.o_proj",), "attention"))
    block = _block(layer, model_type)
    if isinstance(layer.mlp, DenseMlp) and layer.mlp.gated:
        mlp(block, "dense_mlp")
    if isinstance(layer.mlp, MoeMlp):
        found.append(LayerPrefix(f"{block}.experts", (f"{block}.experts",), "experts"))
        if layer.mlp.num_shared_experts:
            mlp(f"{block}.{_SHARED_BLOCK.get(model_type, 'shared_experts')}", "shared_experts")
    return found


def router_prefix(layer: LayerSpec, model_type: str) -> LayerPrefix | None:
    """A MoE layer's router ('model.layers.3.mlp.gate'); None for any other layer."""
    if not isinstance(layer.mlp, MoeMlp):
        return None
    prefix = f"{_block(layer, model_type)}.{_ROUTER.get(model_type, 'gate')}"
    return LayerPrefix(prefix, (prefix,), "router")


def _block(layer: LayerSpec, model_type: str) -> str:
    """The prefix of one decoder layer's MLP or MoE block."""
    return f"model.layers.{layer.index}.{_MLP_BLOCK.get(model_type, 'mlp')}"
