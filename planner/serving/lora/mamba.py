"""Multi-LoRA slots of NVIDIA's Nemotron-H hybrids (models/nemotron_h.py NemotronHForCausalLM:
Nemotron-H, Nemotron 3 Nano and Super): their Mamba2 layers' (mamba_parts), the layers read and the
ones refused (layer_refusal), and --fully-sharded-loras where vLLM fails to wrap the Mamba2
projections (fully_sharded_refusal). Their attention, embedding and lm_head take the dense
rules of planner.serving.lora.slots, their relu2 MLP and shared expert the non-gated rule
there (up_proj, down_proj), their experts planner.serving.lora.moe.

Read from the `.py` files of every wheel of settings.LORA_READ (0.17.0-0.34.0; nemotron_h.py
differs between 0.17.0, 0.18.0, 0.19.0, 0.20.0, 0.22.0, 0.23.0, 0.24.0, 0.25.0, 0.26.0,
0.27.0, 0.28.0, 0.29.0, 0.30.0, 0.31.0, 0.32.0 and 0.33.0, each patch release's equal to its
x.y.0's and 0.34.0's to 0.33.0's; layers/mamba/mamba_mixer2.py's in_proj / conv1d / out_proj
construction reads the same in every one but the in_proj weight loader's FP8 scales):
- NemotronHForCausalLM is SupportsLoRA in every release read, packed_modules_mapping qkv_proj
  (q/k/v) only, embedding_modules embed_tokens and lm_head (an untied ParallelLMHead of its own),
  lora_skip_prefixes ["mtp."] (its MTP layers are not built in the target). Each decoder layer is
  one block, by hybrid_override_pattern: "M" NemotronHMambaDecoderLayer (MambaMixer2), "*"
  NemotronHAttentionDecoderLayer (NemotronHAttention: qkv_proj QKVParallelLinear, o_proj
  RowParallelLinear: the dense rules), "-" NemotronHMLPDecoderLayer (NemotronHMLP: up_proj
  ColumnParallelLinear(hidden, intermediate) and down_proj RowParallelLinear, relu2 between, no
  gate: ColumnParallelLinearWithLoRA, one A, and RowParallelLinearWithLoRA) and "E"
  NemotronHMoEDecoderLayer (NemotronHMoE: gate, a GateLinear of hidden -> n_routed_experts in every
  release; shared_experts, a NemotronHMLP of moe_shared_expert_intermediate_size x n_shared_experts
  on the attention's TP; experts, SharedFusedMoE 0.17.0-0.19.x, FusedMoE 0.20.0-0.26.0,
  FusedMoEFactory 0.27.0-0.34.0, given shared_experts and never the gate, non-gated relu2
  (activation_without_mul), is_act_and_mul False; with moe_latent_size (Nemotron 3 Super),
  fc1_latent_proj / fc2_latent_proj around the experts, which then run on the latent width:
  moe.latent_parts). FP8 or other quantized experts (a checkpoint's or a run-time --quantization)
  under LoRA are not read: refused. The class sets is_non_gated_moe True, so lora/model_manager.py
  _create_lora_modules skips a module whose name ends in "mixer.gate" in an MoE model ("LoRA is not
  supported for non-gated MoE gate module", every release read): no router slots.
- layers/mamba/mamba_mixer2.py MambaMixer2 (intermediate = mamba_num_heads x mamba_head_dim,
  G = n_groups x ssm_state_size; every release read): where TP divides n_groups, conv1d is a
  MergedColumnParallelLinear(conv_kernel, [intermediate, G, G]) and in_proj a
  MergedColumnParallelLinear(hidden, [intermediate, intermediate, G, G, mamba_num_heads]), else
  (n_groups 1, replicated to one group a rank: G = TP x ssm_state_size,
  planner.model.attention.mamba.mamba_groups_total) ColumnParallelLinears of the same widths
  summed; out_proj a RowParallelLinear(intermediate, hidden). packed_modules_mapping names
  neither, so their packed list is [] and lora/layers/column_parallel_linear.py
  MergedColumnParallelLinearVariableSliceWithLoRA takes a MergedColumnParallelLinear of 3 or
  more output sizes (can_replace_layer, under _not_fully_sharded_can_replace): one A (rank x
  input) and one B (size / TP x rank) per output size, MergedColumnParallelLinearWithLoRA's
  create_lora_weights (in_proj 5 A, conv1d 3 A of rank x conv_kernel); a ColumnParallelLinear
  is ColumnParallelLinearWithLoRA (one A, B of the width / TP). The forward calls in_proj and
  out_proj; conv1d's weight is viewed as the conv_weights buffer and its bias handed to
  causal_conv1d_fn / causal_conv1d_update, the module never called: its slots are idle.
- --fully-sharded-loras: no class takes the merged in_proj and conv1d (the variable-slice class
  refuses it at any TP, MergedColumnParallelLinearWithShardedLoRA asks two packed modules);
  0.17.0-0.19.x register_module then asserts "Module ... must be a BaseLayerWithLoRA instance"
  (fully_sharded_refusal), 0.20.0-0.34.0 log "could not be wrapped by any LoRA layer
  implementation ... It will be ignored" and leave them without slots (MAMBA_FS_UNWRAPPED_FROM).
"""

from planner.model.attention.mamba import mamba_groups_total
from planner.model.spec import AttentionMixer, DenseMlp, MambaMixer, ModelSpec, MoeMlp
from planner.serving.lora.part import LayerPart
from planner.serving.lora.settings import Version
from planner.serving.vllm_versions import version_label

MAMBA_FS_UNWRAPPED_FROM: Version = (0, 20, 0)
"""The first release whose lora/model_manager.py _create_lora_modules leaves a module no LoRA
class takes unwrapped with a warning ("could not be wrapped by any LoRA layer implementation");
0.17.0-0.19.x register it and fail register_module's BaseLayerWithLoRA assert."""


def merged_projections(mamba: MambaMixer, tp: int) -> bool:
    """Whether MambaMixer2 builds in_proj and conv1d as MergedColumnParallelLinears (TP divides
    n_groups) rather than ColumnParallelLinears (module docstring)."""
    return mamba.n_groups % tp == 0


def mamba_parts(mamba: MambaMixer, h: int, tp: int, n: int, r: int, rank_a: int,
                row_out: int, fully_sharded: bool) -> tuple[LayerPart, ...]:
    """A Mamba2 layer's slots on one TP rank (module docstring): in_proj (5 A of rank x hidden,
    B of 2 x intermediate + 2 x G + heads per rank) and conv1d (3 A of rank x conv kernel, B of
    intermediate + 2 x G per rank; idle), one A each where they are ColumnParallelLinears,
    neither with --fully-sharded-loras where they are merged (MAMBA_FS_UNWRAPPED_FROM), and
    out_proj (row: A rank x intermediate / TP, B hidden x rank)."""
    inner = mamba.num_heads * mamba.head_dim
    groups = mamba_groups_total(mamba.n_groups, tp) * mamba.state_size
    merged = merged_projections(mamba, tp)
    in_slices, conv_slices = (5, 3) if merged else (1, 1)
    in_out = (2 * inner + 2 * groups + mamba.num_heads) // tp
    conv_out = (inner + 2 * groups) // tp
    out_proj = LayerPart("out_proj", n * (r * inner // tp + row_out * r),
                         inner // tp + 2 * row_out)
    if merged and fully_sharded:
        return (out_proj,)
    return (LayerPart("in_proj", n * (in_slices * rank_a * h + in_out * r),
                      in_slices * h + 2 * in_out),
            LayerPart("conv1d", n * (conv_slices * rank_a * mamba.conv_kernel + conv_out * r),
                      0, idle=True),
            out_proj)


def layer_refusal(spec: ModelSpec, name: str) -> str | None:
    """Why the LoRA slots of Nemotron-H `spec` are not sized: a layer other than one block of
    Mamba2, full attention, a non-gated dense MLP or a non-gated MoE (latent or not) of
    unquantized experts with at most one shared expert (quantized experts are not read); None
    where they are."""
    for layer in spec.layers:
        mlp = layer.mlp
        if isinstance(mlp, MoeMlp) and spec.quant is not None:
            return (f"--enable-lora: {name} here has quantized experts ({spec.quant.method}), "
                    "whose LoRA MoE kernels under a non-gated relu2 MoE are not read, so it is "
                    "not planned")
        mixer_block = mlp is None and (isinstance(layer.mixer, MambaMixer) or isinstance(
            layer.mixer, AttentionMixer) and layer.mixer.kind == "full")
        mlp_block = layer.mixer is None and (
            isinstance(mlp, DenseMlp) and not mlp.gated
            or isinstance(mlp, MoeMlp) and not mlp.gated and not mlp.bias
            and mlp.num_shared_experts <= 1)
        if not (mixer_block or mlp_block):
            return (f"--enable-lora: {name} here has layers other than one Mamba2, full "
                    "attention, relu2 MLP or non-gated MoE block, whose LoRA modules are not "
                    "read, so it is not planned")
    return None


def fully_sharded_refusal(spec: ModelSpec, tp: int, version: Version) -> str | None:
    """vLLM `version` failing at start-up with --fully-sharded-loras on a Mamba2 layer whose
    in_proj and conv1d are merged at TP `tp` (before MAMBA_FS_UNWRAPPED_FROM); None
    otherwise."""
    if version >= MAMBA_FS_UNWRAPPED_FROM or not any(
            isinstance(layer.mixer, MambaMixer) and merged_projections(layer.mixer, tp)
            for layer in spec.layers):
        return None
    label = version_label(version)
    return (f"--fully-sharded-loras: vLLM {label} fails at start-up (lora/model_manager.py "
            "register_module asserts \"Module model.layers.N.mixer.conv1d must be a "
            "BaseLayerWithLoRA instance\"): no LoRA class takes MambaMixer2's merged conv1d and "
            "in_proj with --fully-sharded-loras; from vLLM 0.20.0 they are left without LoRA")
