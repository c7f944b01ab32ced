"""Multi-LoRA slots of MoE models (the MoE part of planner.serving.lora): the per-expert
slots vLLM's FusedMoEWithLoRA allocates and the router gate's, for the MoE architectures read,
and the MoE settings refused.

Read from the `.py` files of the vLLM 0.17.0-0.34.0 wheels (lora.LORA_READ):
- lora/layers/fused_moe.py FusedMoEWithLoRA._create_lora_a_weights / _create_lora_b_weights
  (`torch.zeros` in lora_dtype, E = local_num_experts = num_experts without EP, I =
  intermediate_size_per_partition = moe_intermediate_size / the MoE's TP size, R =
  max_lora_rank, N = max_loras): w13 A, one per slice (2: gate and up, is_act_and_mul), (N,
  E, R, hidden); w13 B per slice (N, E, I, R); w2 A (N, E, R, I); w2 B (N, E, hidden, R).
  --fully-sharded-loras: w13 A of R / TP rows, w2 B of hidden / TP rows (divide). Plus
  create_lora_weights' adapter_enabled, int32 of max_loras + 1. These lines read the same in
  every release read, but for 0.26.0's enable_moe_shared_loras (LoRAConfig, default False:
  the per-expert shapes above; Headroom passes no such flag). The MoE's TP size is
  moe_parallel_config.tp_size: tp x dp without EP (layout.expert_tp; fused_moe/config.py
  FusedMoEConfig.__post_init__ asserts the intermediate size divides).
- lora/model_manager.py _create_lora_modules: a FusedMoE (0.17.0-0.23.0) / MoERunner
  (0.24.0-0.34.0) gets the packed list ["w1", "w3"] where the model's is_3d_moe_weight is
  False (models/interfaces.py default; Qwen3MoeForCausalLM keeps it), so FusedMoEWithLoRA
  (can_replace_layer: two packed modules) and not FusedMoE3DWithLoRA.
- the router gate (models/qwen3_moe.py Qwen3MoeSparseMoeBlock.gate: ReplicatedLinear to 0.30.0,
  GateLinear, a ReplicatedLinear, from 0.31.0) is a LinearBase, so `gate` is a supported suffix
  (utils.get_supported_lora_modules) and ReplicatedLinearWithLoRA wraps it (layers/
  replicated_linear.py, base_linear.py create_lora_weights): A (N, 1, R, hidden), B (N, 1,
  num_experts, R), unsharded, --fully-sharded-loras or not. The MoE layer holds the gate too:
  FusedMoE._gate (0.17.0-0.19.0, suffix `_gate`: not wrapped) and MoERunner.gate (0.20.0-0.34.0);
  the 0.20.0 MoERunner is no nn.Module (MoERunnerInterface(ABC)), the 0.21.0 one is
  (PluggableLayer), and 0.21.0's _create_lora_modules (named_modules(remove_duplicate=False))
  wraps that path, `mlp.experts.runner.gate`, a second time: GATE_WRAPPED_TWICE; from 0.22.0
  wrapped_by_id gives the alias the first wrapper.
- models/qwen3_moe.py Qwen3MoeForCausalLM (SupportsLoRA in every release read):
  packed_modules_mapping qkv_proj (q/k/v) and, only with mlp_only_layers, gate_up_proj;
  embedding_modules embed_tokens and lm_head; decoder layers Qwen3MoeAttention (qkv_proj,
  o_proj: the dense rules of planner.serving.lora) and Qwen3MoeSparseMoeBlock (gate, experts),
  with a shared expert only where shared_expert_intermediate_size is set.
- EP: the 0.17.0-0.20.0 FusedMoEWithLoRA asserts `not use_ep` ("EP support for Fused MoE LoRA
  is not implemented yet"); from 0.21.0 it serves EP with all2all_backend
  allgather_reducescatter only (_ep_check) and not with --fully-sharded-loras (_verify_ep_fs),
  and 0.34.0 adds a linear expert placement: not sized here (moe_layout_refusal).
- the unquantized MoE picks the Triton experts with LoRA (fused_moe/oracle/unquantized.py;
  0.17.0: Triton on CUDA by default, FusedMoEWithLoRA asserts TritonExperts); quantized
  experts' LoRA kernels are not read (moe_engine_refusal).

Not sized: the MoE LoRA kernels' transient buffers in the forward (punica_gpu.py
moe_lora_align_block_size's sorted token ids, expert ids and padded counts; fused_moe_lora's
intermediate caches), allocated per call, in the profile run's activations.
"""

from planner.model.spec import AttentionMixer, ModelSpec, MoeMlp

MOE_LORA_ARCHITECTURES = ("Qwen3MoeForCausalLM",)
"""The MoE architectures whose vLLM LoRA modules are read (models/qwen3_moe.py); their attention
and vocabulary rules are lora.LORA_ARCHITECTURES'."""

GATE_WRAPPED_TWICE: tuple[int, int, int] = (0, 21, 0)
"""The release whose _create_lora_modules wraps the router gate twice (mlp.gate and the MoE
runner's mlp.experts.runner.gate: the module docstring); once in the others."""

LORA_MOE_BACKENDS = (None, "auto", "triton")
"""--moe-backend values under which the unquantized experts take vLLM's Triton LoRA path (None:
not passed)."""


def moe_layers_refusal(spec: ModelSpec, name: str) -> str | None:
    """Why the LoRA slots of MoE `spec` are not sized: a checkpoint quantization, or a layer
    other than full attention with a gated routed-expert MLP and no shared expert (the
    modules read); None where they are."""
    if spec.quant is not None:
        return (f"--enable-lora: {name} here has quantized experts ({spec.quant.method}), whose "
                "LoRA MoE kernels are not read, so it is not planned")
    if spec.vision is not None or not all(
            isinstance(layer.mixer, AttentionMixer) and layer.mixer.kind == "full"
            and isinstance(layer.mlp, MoeMlp) and layer.mlp.gated and not layer.mlp.bias
            and not layer.mlp.num_shared_experts for layer in spec.layers):
        return (f"--enable-lora: {name} here has layers other than full attention with routed "
                "gated experts (dense MLP layers, shared experts), whose LoRA modules are not "
                "read, so it is not planned")
    return None


def moe_engine_refusal(spec: ModelSpec, quantization: str | None, moe_backend: str | None
                       ) -> str | None:
    """--enable-lora on an MoE model with runtime quantization (--quantization or a target
    scheme) or a --moe-backend other than LORA_MOE_BACKENDS: vLLM's LoRA path for those experts
    is not read (None for dense models)."""
    if not any(isinstance(layer.mlp, MoeMlp) for layer in spec.layers):
        return None
    if quantization:
        return (f"--enable-lora: the MoE experts quantized at run time ({quantization}) take "
                "LoRA MoE kernels Headroom has not read, so it is not planned")
    if moe_backend not in LORA_MOE_BACKENDS:
        return (f"--enable-lora with --moe-backend {moe_backend}: Headroom sizes MoE LoRA on "
                "vLLM's Triton experts (auto or triton) only, so it is not planned")
    return None


def moe_layout_refusal(spec: ModelSpec, ep: bool, version: tuple[int, int, int]
                       ) -> str | None:
    """--enable-lora on an MoE model with --enable-expert-parallel: vLLM 0.17.0-0.20.0 refuse it
    (FusedMoEWithLoRA asserts); later releases serve it under conditions whose slots are not
    sized here (the module docstring); None for dense models or without EP."""
    if not ep or not any(isinstance(layer.mlp, MoeMlp) for layer in spec.layers):
        return None
    if version < (0, 21, 0):
        return ("--enable-lora with --enable-expert-parallel: vLLM fails at start-up (\"EP "
                "support for Fused MoE LoRA is not implemented yet\", lora/layers/fused_moe.py)")
    return ("--enable-lora with --enable-expert-parallel: vLLM serves MoE LoRA over EP only with "
            "the allgather_reducescatter all2all backend, whose per-rank expert slots Headroom "
            "does not size, so it is not planned (plan it without EP)")


def moe_layer_parts(moe: MoeMlp, hidden_size: int, expert_tp: int, max_loras: int, rank: int,
                    fully_sharded: bool, version: tuple[int, int, int]
                    ) -> tuple[tuple[str, int], ...]:
    """One MoE layer's slots on one rank past its attention, as (module, elements): the router
    gate's (A + B) x max_loras per wrap (GATE_WRAPPED_TWICE) and the experts' w13 A and B (two
    slices), w2 A and B x max_loras x experts, the experts' TP size `expert_tp` (module
    docstring)."""
    n, r, h, e = max_loras, rank, hidden_size, moe.num_experts
    inter = moe.expert_intermediate_size // expert_tp
    rank_a = r // expert_tp if fully_sharded else r  # w13 A rows
    w2_out = h // expert_tp if fully_sharded else h  # w2 B rows
    wraps = 2 if version == GATE_WRAPPED_TWICE else 1
    return (("gate", wraps * n * (r * h + e * r)),
            ("experts", n * e * (2 * rank_a * h + 2 * inter * r + r * inter + w2_out * r)))


def moe_flag_bytes(spec: ModelSpec, layers: range, max_loras: int) -> int:
    """The MoE layers' adapter_enabled flags among `layers`: int32 of max_loras + 1 each
    (FusedMoEWithLoRA.create_lora_weights)."""
    moe_layers = sum(isinstance(spec.layers[index].mlp, MoeMlp) for index in layers)
    return moe_layers * (max_loras + 1) * 4
