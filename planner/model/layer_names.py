"""The names vLLM gives the quantizable layers of a decoder layer (`prefix=f"{prefix}.…"`),
which a checkpoint's per-layer rules are matched against: GPTQ `dynamic` rules
(config.quant.gptq_dynamic) and AWQ's, compressed-tensors' and ModelOpt's exclusion lists
(planner.model.exclusion_match)."""

from typing import NamedTuple

from planner.model.spec import AttentionMixer, DenseMlp, LayerSpec, MoeMlp

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
