"""The vLLM releases Headroom covers, and each version-dependent memory rule pinned to the
release that changed it.

Every rule below was read from the `.py` files of vLLM's PyPI wheels (`pip download
vllm==X --no-deps`, unzipped, never installed): 0.9.1, 0.9.2, 0.10.0, 0.10.1, 0.10.2 and every
minor release 0.11.0-0.34.0 (0.18.0, sha256 0bc51491..., read against 0.17.0 and 0.19.0 for
each rule's source: it changes GROUP_PAD_WIDER_FROM and the MLA backends' dtypes,
planner.serving.startup.attention_backend, and DeepSeek-V3.2's fp8_ds_mla,
engine.sparse_mla.DS_MLA_BY_HEADS). A rule's `FROM` version is the first release
whose wheel has the new behaviour, with the last one read that does not. Versions outside the
covered range are refused with one line (the CLI exits 2), never planned with guessed rules.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from planner.serving.hardware import parse_capability
from planner.serving.vllm_cli import (
    release_numbers,
    supported_versions,
    unrecognized_flag,
    vllm_cli,
)
from planner.text import shortened
from planner.units import VLLM_KV_DTYPE

Version = tuple[int, int, int]


def in_span(version: Version, first: Version, until: Version | None) -> bool:
    """Whether `version` lies in the release span from `first` up to, not including, `until`
    (None: every release from `first` on), the form every (first, until) pair of release
    rules here takes."""
    return first <= version and (until is None or version < until)

DEFAULT_VLLM_VERSION = "0.34.0"
"""The newest release on PyPI when this table was written (`pip index versions vllm`)."""

OLDEST_COVERED: Version = (0, 9, 1)
"""NOTE: the V1 engine is vLLM's default from 0.8.0 (envs.py VLLM_USE_V1), but only from the
0.9.1 wheel does v1/worker/gpu_worker.py determine_available_memory size the KV pool as
0.11-0.34 do (0.34 with its extensible KV cache off: EXTENSIBLE_KV_CACHE_FROM):
requested_memory (total x gpu_memory_utilization) - memory_profiling's
non_kv_cache_memory (weights + torch_peak_increase + non_torch_increase over the snapshot taken
before the model loads; utils memory_profiling is the same code in 0.9.2, 0.10.x and 0.11.0;
from 0.27.0 it measures the same budget from free memory, which also takes the runner's
persistent buffers: RUNNER_BUFFERS_COUNTED_FROM).
The 0.8.0, 0.8.5 and 0.9.0 wheels subtract torch's allocated peak plus ALL memory the device
reports used outside torch (mem_get_info total - free - torch allocated): the CUDA context
created before loading and other processes on the GPU, which no source sizes, so they are not
covered. Start-ups of 0.9.1-0.10.x that vLLM would run on its V0 engine are refused
(planner.serving.v1_oracle)."""

ARCHITECTURES_FILLED_FROM: Version = (0, 11, 1)
"""NOTE: from 0.11.1 get_config (transformers_utils/config.py) gives a config.json with no
`architectures` transformers' base model class of its model_type
(planner.serving.unnamed_architecture); 0.9.1-0.11.0 fill them in for GGUF files only."""
V1_ONLY_FROM: Version = (0, 11, 0)
"""NOTE: the 0.11.0 wheel has no V0 engine (no vllm/worker/worker.py): from it on every start-up
is V1. Before it EngineArgs._is_v1_supported_oracle (engine/arg_utils.py) falls back to V0 for
some settings, hardware and models (planner.serving.v1_oracle refuses those)."""

WRAPPER_TIE_COPIED_FROM: Version = (0, 19, 1)
"""NOTE: VllmConfig.with_hf_config (config/vllm.py), which init_vllm_registered_model runs on
the text config a multimodal model builds its language model from, copies the top-level
hf_config.tie_word_embeddings onto it: the 0.16.0-0.18.1 wheels only where the text config has
no such attribute, which under the transformers 4 they require (`transformers<5`) every config
has (4.57.1 PretrainedConfig.__init__ sets it); the 0.19.0, 0.19.1 and 0.20.0-0.23.0 wheels only
under `Version(version("transformers")) >= Version("5.0.0")` (0.19.0 requires `<5`;
0.19.1-0.23.0 allow 5.5.1 on and are planned under it, TRANSFORMERS_5_ALLOWED_FROM); the 0.24.0
wheel on always (0.24.0, 0.25.0, 0.29.0, 0.33.0, 0.34.0 read), under the transformers 5 they
require. The with_hf_config of the 0.9.1, 0.10.1, 0.10.2, 0.11.0, 0.12.0, 0.13.0, 0.14.0 and
0.15.1 wheels copies nothing. So from 0.19.1 the text model is planned with the wrapper's tie;
before it with text_config's own (config.tie._wrapper_tie), and on 0.19.1-0.23.x the plan says
what transformers 4, where pinned, would build instead (tie.transformers_tie_note)."""

GEMMA2_ALWAYS_TIED_FROM: Version = (0, 29, 0)
"""NOTE: gemma2.py Gemma2ForCausalLM in the 0.29.0, 0.33.0 and 0.34.0 wheels builds no lm_head: its
compute_logits reads self.model.embed_tokens whatever config.tie_word_embeddings says (the
0.19.0, 0.24.0 and 0.28.0 wheels `assert config.tie_word_embeddings`:
model_config.GEMMA_TIE_ASSERTED_LAST). One embedding table is loaded; a checkpoint that stores
lm_head.weight finds no parameter for it (AutoWeightsLoader: "There is no module or parameter
named 'lm_head'")."""

TOWER_FIRST_STAGE_ON_V2_FROM: Version = (0, 33, 0)
"""NOTE: from the 0.33.0 wheel SupportsMultiModal._mark_tower_model (model_executor/models/
interfaces.py) builds a multimodal model's towers as StageMissingLayer "on pipeline stages after
the first under Model Runner V2" (`vllm_config.use_v2_model_runner and not
get_pp_group().is_first_rank`; 0.34.0, where V2 is the only runner: `not
get_pp_group().is_first_rank`); the 0.15.0-0.32.0 wheels skip them only for
--limit-mm-per-prompt 0, and V1 builds them on every stage in every release
(weights.VISION_ON_EVERY_STAGE)."""

MOONVIT_SPLIT_FROM: Version = (0, 14, 0)
"""NOTE: moonvit.py builds MoonViT's wqkv / wo / MLP2 fc0 / fc1 as torch nn.Linear in the
0.9.1-0.10.1 wheels and as ReplicatedLinear in the 0.10.2-0.13.0 wheels (every one read), and
kimi_vl.py its projector as nn.Linear (0.9.1, 0.10.1) then ReplicatedLinear: every TP rank holds
the whole Kimi-VL tower. From the 0.14.0 wheel (read in 0.14.0, 0.16.0, 0.19.0, 0.22.0, 0.25.0,
0.29.0, 0.33.0, 0.34.0) they are QKVParallelLinear / RowParallelLinear /
ColumnParallelLinear, split over TP (weights.rank_weights `tower_whole`;
VisionSpec.replicated_params)."""

MM_LIMIT_PER_PROMPT = 999
"""NOTE: vLLM config/multimodal.py get_limit_per_prompt: a modality without
--limit-mm-per-prompt allows 999 items per prompt."""

ENCODER_TP_DATA_FROM: Version = (0, 11, 0)
ENCODER_TP_DATA_TYPES = frozenset({
    "kimi_k25", "kimi_vl", "llama4", "qwen2_5_vl", "qwen2_vl", "qwen3_5", "qwen3_5_moe",
    "qwen3_vl", "qwen3_vl_moe",
})  # fmt: skip
"""NOTE: --mm-encoder-tp-mode (config/multimodal.py MultiModalConfig.mm_encoder_tp_mode,
default "weights": the tower split over TP like the text model) takes "data" (the whole tower
on every GPU, each encoding its share of the images) for a model class with
`supports_encoder_tp_data = True` (interfaces.py supports_encoder_tp_data): kimi_vl.py,
kimi_k25.py, mllama4.py, qwen2_vl.py, qwen2_5_vl.py, qwen3_vl.py (Qwen3VLMoe- and
Qwen3_5(Moe)ForConditionalGeneration subclass it) in the 0.11.0, 0.14.0, 0.16.0, 0.19.0,
0.33.0 and 0.34.0 wheels, where each ships (the 0.10.2 wheel: kimi_vl, mllama4, qwen2_5_vl only;
0.34.0 adds gemma4_mm.py and mimo_v2_omni.py, not listed here: Headroom holds Gemma 4's tower
whole on every GPU, so data mode adds nothing to note).
Headroom plans the default and says what data mode would add (plan: the weights term's
note); with --mm-encoder-tp-mode data it plans the tower whole on every GPU (weights.rank_weights
`tower_whole`) and the encoder profile at TP 1 widths (EncoderRules.data_parallel). For any
other model class config/model.py ModelConfig (0.11.0, 0.17.0, 0.34.0 wheels) logs "This model
does not support `--mm-encoder-tp-mode data`. Falling back to `--mm-encoder-tp-mode weights`":
nothing changes."""

def encoder_tp_data_taken(model_type: str, version: Version) -> bool:
    """Whether this release's model class takes --mm-encoder-tp-mode data for a tower TP splits
    at weights mode (ENCODER_TP_DATA_TYPES from ENCODER_TP_DATA_FROM); config/model.py falls
    back to weights for any other."""
    return model_type in ENCODER_TP_DATA_TYPES and version >= ENCODER_TP_DATA_FROM


ENCODER_TP_DATA_WHOLE_FROM: dict[str, Version] = {"gemma4": (0, 34, 0)}
"""NOTE: model classes that take --mm-encoder-tp-mode data from the release given (gemma4_mm.py
Gemma4ForConditionalGeneration `supports_encoder_tp_data = True` in the 0.34.0 wheel, not in
0.19.0-0.33.0) but whose tower every GPU holds whole at weights mode already (the transformers
vision tower's nn.Linear layers made ReplicatedLinear: models/transformers/utils.py
recursive_replace_linear "replicate"; embed_vision ReplicatedLinear): data mode only spreads
the images over the GPUs (gemma4_mm.py _dp_execute_and_gather), so the plan is the default's
(mm_modes.data_mode_inert). Kimi-VL is the same before MOONVIT_SPLIT_FROM (mm_modes.
_whole_at_weights)."""

TOWER_MODALITIES: dict[str, frozenset[str]] = {
    **dict.fromkeys(("gemma3", "kimi_vl", "llama4", "llava", "llava_next", "mistral3",
                     "paligemma"), frozenset({"image"})),
    **dict.fromkeys(("gemma4", "qwen2_5_vl", "qwen2_vl", "qwen3_5", "qwen3_5_moe", "qwen3_vl",
                     "qwen3_vl_moe"), frozenset({"image", "video"})),
    "kimi_k25": frozenset({"vision_chunk"}),
}
"""NOTE: the modalities whose --limit-mm-per-prompt (config/multimodal.py get_limit_per_prompt:
999 where unset, 0 for every modality under --language-model-only, 0.17.0 on) decide whether
vLLM builds a model's vision tower: the set each model passes to
SupportsMultiModal._mark_tower_model (interfaces.py, 0.15.0-0.34.0 wheels: gemma3_mm.py,
kimi_vl.py, mllama4.py, llava.py, llava_next.py, mistral3.py, paligemma.py "image"; gemma4_mm.py,
qwen2_vl.py, qwen2_5_vl.py, qwen3_vl.py, qwen3_vl_moe.py, qwen3_5.py {"image", "video"};
kimi_k25.py "vision_chunk"), which is also each one's get_supported_mm_limits (gemma4_mm.py adds
"audio" where config.audio_config is set: that tower, not sized, marks its own: AUDIO_TOWER_TYPES).
With all of a
tower's modalities at 0 the worker runs text-only (multimodal/registry.py
supports_multimodal_inputs, 0.11.0-0.25.0; config/model.py _supports_multimodal_inputs from
0.29.0): profile_run runs no encoder profile and no encoder cache is used
(v1/worker/gpu_model_runner.py; v1/worker/gpu/model_runner.py on V2)."""

AUDIO_TOWER_TYPES = frozenset({"gemma4"})
"""NOTE: the model types whose class builds an audio tower where config.json has an
audio_config (VisionSpec.audio_tower): gemma4_mm.py Gemma4ForConditionalGeneration (every
release that has it, read in the 0.19.0, 0.25.0, 0.33.0 and 0.34.0 wheels) declares "audio" in
get_supported_mm_limits (Gemma4ProcessingInfo) then and builds audio_tower and embed_audio
inside _mark_tower_model(vllm_config, "audio"): with "audio" left unset (999 items) the vision
tower goes at image and video 0 but the audio tower is built and loaded, and the worker, not
text-only (config/model.py _supports_multimodal_inputs: every supported modality at 0),
profiles the encoder. Headroom sizes neither (mm_modes.audio_limit_refusal)."""

AUDIO_TOWER_SKIPPED_FROM: Version = (0, 19, 0)
"""NOTE: the first wheel with gemma4_mm.py (models/registry.py maps
Gemma4ForConditionalGeneration to it from 0.19.0), whose audio tower is built inside
_mark_tower_model(vllm_config, "audio") and so skipped at audio's limit 0
(TOWER_SKIPPED_AT_ZERO_FROM; mm_modes.audio_tower_dropped). The 0.17.0-0.18.1 wheels have no
Gemma 4 class: the Transformers backend builds transformers' own, towers and all
(models/transformers/ has no limit guard in them)."""

TOWER_SKIPPED_AT_ZERO_FROM: Version = (0, 15, 0)
EARLY_TOWER_SKIP_TYPES = frozenset({
    "llama4", "llava", "mistral3", "qwen2_5_vl", "qwen2_vl", "qwen3_vl", "qwen3_vl_moe",
})  # fmt: skip
"""NOTE: from the 0.15.0 wheel (read in 0.15.0, 0.16.0, 0.17.0, 0.20.0, 0.25.0, 0.29.0, 0.34.0)
SupportsMultiModal._mark_tower_model builds each tower module as a StageMissingLayer (no
parameters, no weights loaded) when every one of its modalities' limit is 0
(TOWER_MODALITIES). The 0.11.0-0.14.0 wheels guard only some models' __init__:
qwen2_vl.py, qwen2_5_vl.py, qwen3_vl.py, qwen3_vl_moe.py (`self.visual = None` when image and
video are 0), mllama4.py (vision_model and multi_modal_projector None when image is 0), llava.py
and mistral3.py (vision_tower and projector None); gemma3_mm.py, kimi_vl.py, llava_next.py and
paligemma.py build and load their tower whatever the limits (no get_limit_per_prompt), though
the worker still runs text-only."""

SIGLIP_HEAD_DROPPED_FROM: Version = (0, 15, 0)
"""NOTE: siglip.py SiglipVisionTransformer builds the attention-pooling head where
config.vision_use_head (true where the config lacks it) in the 0.9.1-0.14.0 wheels; from the
0.15.1 wheel (read in 0.15.1-0.34.0) SiglipVisionModel takes `use_head: bool | None = False`,
which no caller (gemma3_mm.py, paligemma.py, llava.py init_vision_tower_for_llava) passes,
and drops the head's weights at load (weights.rank_weights: VisionSpec.pooling_head_params)."""

LATENT_MOE_FROM: Version = (0, 13, 0)
"""NOTE: nemotron_h.py NemotronHMoE reads moe_latent_size and builds fc1_latent_proj /
fc2_latent_proj (hidden -> moe_latent_size -> hidden) with its routed experts
moe_latent_size wide from the 0.13.0 wheel (read in 0.13.0, 0.14.0, 0.19.0, 0.33.0, 0.34.0); the
0.11.2 and 0.12.0 wheels' NemotronHMoE has no latent projections and builds the experts
hidden_size wide, so a latent MoE checkpoint (Nemotron-3-Super) does not load there
(model_config.nemotron_h_moe_errors). The 0.11.0 wheel has no NemotronHMoE at all
(NEMOTRON_H_MOE_FROM)."""

NEMOTRON_H_MOE_FROM: Version = (0, 11, 1)
"""NOTE: nemotron_h.py ALL_DECODER_LAYER_TYPES maps hybrid_override_pattern's 'M', '-' and '*'
only in the 0.11.0 wheel, so NemotronHModel stops at an 'E' (MoE) layer with KeyError: 'E';
the 0.11.1 wheel adds 'E': NemotronHMoEDecoderLayer (0.11.1, 0.11.2, 0.12.0 read). Releases
before 0.11.0 are not planned for hybrid models (V1 state layout)."""

DECILM_BLOCK_ACT_FROM: Version = (0, 16, 0)
"""NOTE: nemotron_nas.py DeciLMDecoderLayer builds LlamaMLP(hidden_act=config.hidden_act) for
every block whose ffn is not no_op in the 0.9.1-0.15.1 wheels; from the 0.16.0 wheel
(0.16.0-0.34.0 read) it takes block_config.ffn.hidden_act where the block's ffn
config object has that attribute, which the repository's own block_config.py decides (one
FFNConfig defines it, default "silu"; Nemotron-Super's does not), and Headroom runs no such
code (planner.serving.mlp_activation)."""

KIMI_LINEAR_K3_FROM: Version = (0, 27, 0)
"""NOTE: registry.py serves KimiLinearForCausalLM from kimi_linear.py in the 0.11.1-0.26.0
wheels, whose KimiMLP and KimiMoE take hidden_act "silu" only; from the 0.27.0 wheel
(0.27.0 and 0.34.0 read) from vllm/models/kimi_k3 (nvidia/model.py, amd/linear.py), whose MLP
also takes "situ" and refuses the rest as "Only silu and situ are supported."
(planner.serving.mlp_activation)."""

TEXT_CLASS_BY_TYPE_FROM: Version = (0, 20, 0)
"""NOTE: VllmConfig.with_hf_config (config/vllm.py), which init_vllm_registered_model runs on
the text_config a wrapper such as mistral3.py or llava.py builds its language model from, gives
a text config that names no architectures the class transformers' MODEL_FOR_CAUSAL_LM_MAPPING_
NAMES maps its model_type to, from the 0.20.0 wheel (0.20.0-0.34.0 read); the with_hf_config of
the 0.9.1 (vllm/config.py), 0.10.2 and 0.11.0 (config/__init__.py) and 0.11.1-0.19.0
(config/vllm.py) wheels sets none, so the registry gets no class from it
(planner.serving.mlp_activation)."""

QWEN3_MOE_SHARED_EXPERT_FROM: Version = (0, 15, 0)
"""NOTE: qwen3_moe.py Qwen3MoeSparseMoeBlock builds a shared expert as Qwen3MoeMLP (which
takes hidden_act "silu" only: planner.serving.mlp_activation) where config.json's
shared_expert_intermediate_size is above 0, from the 0.15.0 wheel (0.15.0-0.34.0 read); the
0.9.1-0.14.0 wheels build none."""

GPTQ_UNUSED_ZEROS_KEPT_FROM: Version = (0, 34, 0)
"""NOTE: a symmetric GPTQ checkpoint stores qzeros (int32 [in/g, out/8]: w bits a group) that
no kernel reads. gptq_marlin.py GPTQMarlinLinearMethod (0.9.1-0.21.0) and auto_gptq.py
AutoGPTQLinearMethod (0.22.0-0.34.0) register them and build their MPLinearLayerConfig with
zero_points=False; mixed_precision/marlin.py MarlinLinearKernel.process_weights_after_loading
then does `setattr(layer, self.w_zp_name, marlin_make_empty_g_idx(device))` (marlin_make_empty
from 0.33.0): the registered qzeros Parameter is replaced by an empty one and freed, inside the
model runner's load_model (DeviceMemoryProfiler: gc.collect, empty_cache, max_memory_allocated
after the load), so the weights vLLM measures hold w + 16/g bits a weight on those layers
(read in the 0.9.1, 0.10.0, 0.14.0, 0.19.0, 0.22.0, 0.24.0, 0.29.0 and 0.33.0 wheels). The
0.34.0 wheel calls self._retire_unused_zp(layer) first (MPLinearKernel: utils.retire_parameter
marks qzeros `retired`, "Loaded but unused: keep the param and its data") and replaces only
w_zp: qzeros stay on the GPU (w + (16 + w)/g). Machete (9.0) and AllSpark never touch them;
fused Marlin MoE experts keep their w13/w2_qzeros in every release (auto_gptq.py 0.33.0
AutoGPTQMoEMethod replace_or_register). weight_load.gptq_zeros_freed_bits."""

LATENT_FC1_WHOLE_FROM: Version = (0, 14, 0)
"""NOTE: nemotron_h.py NemotronHMoE, 0.13.0 wheel: fc1_latent_proj is a ColumnParallelLinear
(gather_output=True), split over TP like the shared expert, and fc2_latent_proj a
ReplicatedLinear; from the 0.14.0 wheel (0.14.0, 0.19.0, 0.33.0, 0.34.0 read) both are
ReplicatedLinear, whole on every TP rank (weights._latent_projections). Either takes
disable_tp=is_sequence_parallel, which holds 0.13.0's fc1 whole with the shared experts under
sequence-parallel MoE (SP_MOE_SHARED_WHOLE_FROM)."""

GATE_FP32_OFF_SM90_SM100_FROM: Version = (0, 17, 0)
"""NOTE: nemotron_h.py NemotronHMoE builds its gate as ReplicatedLinear(..., params_dtype=
torch.float32) in the 0.13.0-0.16.0 wheels (0.16.0 through router_logits_dtype = torch.float32):
float32 on every GPU. From the 0.17.0 wheel (read 0.17.0, 0.18.0, 0.19.0, 0.24.0, 0.34.0) it is a
GateLinear(..., force_fp32_compute=True), and fused_moe/router/gate_linear.py GateLinear.__init__
sets params_dtype = torch.float32 only where no specialized router kernel runs: not on CUDA
with compute capability 9.0 (Hopper) or family 10.x (B200, B300; is_device_capability_family
(100)); so float32 on Ampere, Ada, SM 12.x (RTX 50, RTX PRO, GB10) and AMD, the model dtype on
H100 / H200 / B200 (router_dtype.gate_fp32)."""

ERNIE_GATE_FP32_FROM: Version = (0, 11, 1)
"""NOTE: ernie45_moe.py Ernie4_5_MoeMoE builds its gate as ReplicatedLinear(hidden_size,
moe_num_experts, bias=False, quant_config=None) and gate.e_score_correction_bias as
torch.empty(moe_num_experts), both in the model dtype, in the 0.10.2 and 0.11.0 wheels (0.9.2:
the gate alike, no bias); from the 0.11.1 wheel (read 0.11.1, 0.12.0, 0.13.0, 0.14.0, 0.19.0:
ReplicatedLinear; 0.34.0: GateLinear, which keeps a params_dtype given where
force_fp32_compute is off) with params_dtype=torch.float32 and the bias
dtype=torch.float32, on every GPU (router_dtype.gate_fp32). ERNIE-4.5-21B-A3B: 27 x (2,560 x 64 +
64) x 4 B = 17,701,632 B, twice the model dtype's."""

GLM4_MOE_GATE_FP32_FROM: Version = (0, 10, 1)
"""NOTE: glm4_moe.py Glm4MoE (GLM-4.5 / 4.6 / 4.7) builds its gate as ReplicatedLinear(
hidden_size, n_routed_experts, bias=False, quant_config=None) and gate.e_score_correction_bias
as torch.empty(n_routed_experts), both in the model dtype, in the 0.10.0 wheel (its first);
from the 0.10.1 wheel as nn.Linear(..., dtype=torch.float32) and the bias dtype=torch.float32
(read 0.10.1, 0.10.2, 0.11.0, 0.12.0, 0.13.0, 0.14.0, 0.16.0, 0.17.0, 0.19.1, 0.20.0, 0.22.1,
0.23.0, 0.24.0, 0.25.0, 0.26.0, 0.27.0, 0.30.0; GateLinear(params_dtype=torch.float32,
out_dtype=torch.float32) in 0.32.0 and 0.34.0): float32 on every GPU, whole on every rank.
glm4_moe_lite.py's Glm4MoeLite (GLM-4.7-Flash, 0.15.0 on) is that class (`class
Glm4MoeLite(Glm4MoE): pass`), and glm4_moe_mtp.py's draft a Glm4MoeDecoderLayer, so theirs too
(router_dtype.gate_fp32). Per MoE layer: (hidden x n_routed_experts + n_routed_experts) x (4 - 2)
B more than in bf16."""

QWEN3_MOE_GATE_QUANTIZED_FROM: Version = (0, 10, 1)
"""NOTE: qwen3_moe.py Qwen3MoeSparseMoeBlock builds its router `self.gate =
ReplicatedLinear(hidden_size, num_experts, ..., quant_config=None)` in the 0.9.0-0.10.0 wheels
and with the model's quant_config from the 0.10.1 wheel (`quant_config=quant_config`; 0.10.2's
_maybe_ignore_quant_config drops it for GPTQ configs only; `GateLinear(..., quant_config=
quant_config)` from 0.32.0; read in 0.10.1, 0.10.2, every minor 0.11.0-0.34.0 but 0.21.0). Under
`--quantization fp8` on a 16-bit checkpoint the gate, a LinearBase with no ignore list naming it,
is quantized at load like every Linear: Fp8Config.get_quant_method -> Fp8LinearMethod (0.10.1-
0.33.x), from 0.34.0 the online fp8_per_tensor config (model_loader/weight_utils.py: "--quantization
fp8 is deprecated for online quantization"; quantization/online/base.py
OnlineQuantizationConfig.get_quant_method for any LinearBase). router_dtype.gate_quantized."""

QWEN3_MOE_GPTQ_GATE_DROPPED_FROM: Version = (0, 10, 2)
"""NOTE: the first wheel whose qwen3_moe.py builds the gate with `quant_config=self.
_maybe_ignore_quant_config(quant_config)`, None for a GPTQConfig / GPTQMarlinConfig without an
autoround_version ("AutoGPTQ seems to avoid gate quantization while AutoRound does", citing
Qwen/Qwen3-30B-A3B-GPTQ-Int4); the 0.10.1 and 0.10.1.1 wheels (the same qwen3_moe.py) hand it
the GPTQ config whatever the checkpoint stores (`quant_config=quant_config`), so
get_linear_quant_method gives it GPTQ(Marlin)LinearMethod unless a `dynamic` "-:" rule matches
it. stored_gate.gptq_gate_errors."""

QWEN3_NEXT_GATE_QUANTIZED_SPAN: tuple[Version, Version] = ((0, 10, 2), (0, 17, 0))
"""NOTE: qwen3_next.py Qwen3NextSparseMoeBlock builds its router `self.gate = ReplicatedLinear(
hidden_size, num_experts, ..., quant_config=...)` with the model's quant_config from the file's
first wheel, 0.10.2 (`self._maybe_ignore_quant_config(quant_config)`, None for GPTQ configs
only), to 0.16.0 (`quant_config=quant_config` from 0.11.0), and with `quant_config=None` from the
0.17.0 wheel (`GateLinear(...)` without one, so None, from 0.31.0; read in every minor 0.10.2-
0.34.0 but 0.21.0). Under `--quantization fp8` Fp8Config.get_quant_method gives the gate, a
LinearBase no ignore list names, Fp8LinearMethod, as for Qwen3-MoE's
(QWEN3_MOE_GATE_QUANTIZED_FROM). qwen3_5.py (0.17.0-0.34.0) builds Qwen3NextSparseMoeBlock, so
Qwen3.5's gate never takes it. router_dtype.GATE_QUANT_CONFIG_SPANS."""

AWQ_STORED_DTYPES_FROM: Version = (0, 11, 1)
"""NOTE: the first wheel whose AWQ loaders, given no modules_to_not_convert, derive it from the
checkpoint's safetensors dtypes: AWQConfig / AWQMarlinConfig.maybe_update_config (0.11.1-0.23.0)
and AutoAWQConfig.maybe_update_config (0.24.0-0.34.0): `if self.modules_to_not_convert: return`,
else every layer whose tensors are all float16 / bfloat16 / float32 is left unquantized (run by
VllmConfig at start-up). The 0.9.0-0.11.0 wheels have no such method: an empty or absent list
keeps nothing 16-bit, and get_quant_method hands every LinearBase AWQLinearMethod / AWQMarlin-
LinearMethod (a MoE gate built with the quant config too: router_dtype.gate_quantized)."""

CORRECTION_BIAS_FP32_FROM: Version = (0, 10, 2)
"""NOTE: deepseek_v2.py DeepseekV2MoE.__init__ builds, where `topk_method == "noaux_tc"`,
`self.gate.e_score_correction_bias = nn.Parameter(torch.empty(config.n_routed_experts))` in the
0.9.1, 0.9.2, 0.10.0 and 0.10.1 wheels, so in the model dtype (the default dtype the loader
builds the model under: set_default_torch_dtype), and `torch.empty(config.n_routed_experts,
dtype=torch.float32)` from the 0.10.2 wheel (read in 0.10.2, 0.11.0-0.11.2 and every minor
0.12.0-0.34.0): float32 on every GPU, whole on every rank (a plain Parameter beside the gate, not
split over TP nor EP: default_weight_loader), whatever the gate's own dtype. The models that
build this class: DeepSeek-V3 / R1 / V3.2, Kimi K2 / K2.5, Kimi-VL's text model and GLM-5 (0.34.0's
vllm/models/deepseek_v32 imports the same DeepseekV2MoE). router_dtype.correction_bias_fp32;
Nemotron-H's is float32 in every release that builds its MoE. DeepSeek-V3: 58 MoE layers x 256 x
(4 - 2) B = 29,696 B more per GPU than in bf16."""

MIMO_V2_BIAS_OUT_DTYPE_FROM: Version = (0, 31, 0)
"""NOTE: MiMoV2MoE (mimo_v2_flash.py 0.14.0-0.20.0, mimo_v2.py 0.24.0-0.30.0 read) builds its
gate as nn.Linear(hidden_size, n_routed_experts, dtype=gate_dtype) and
gate.e_score_correction_bias as `torch.empty(config.n_routed_experts, dtype=self.gate_dtype)`,
gate_dtype = getattr(config, "moe_router_dtype", "float32"); from the 0.31.0 wheel (0.31.0,
0.32.0, 0.33.0, 0.34.0 read) the gate is a GateLinear(params_dtype=gate_dtype,
out_dtype=torch.float32) and the bias `dtype=self.gate.out_dtype`: float32 whatever
moe_router_dtype says, whole on every rank (router_dtype.correction_bias_fp32). At the default
"float32" the whole router is float32 in every release (MoeMlp.router_fp32); a config asking
"bfloat16" keeps the gate in bf16 and, from 0.31.0, its bias in float32. MiMo-V2-Flash (47 MoE
layers of 256 experts) asking bf16: 47 x 256 x (4 - 2) B = 24,064 B more per GPU."""

DEEPSEEK_GATE_ROUTER_DTYPE_SPAN: tuple[Version, Version] = ((0, 25, 0), (0, 26, 0))
"""NOTE: deepseek_v2.py DeepseekV2MoE.__init__ builds its gate as `GateLinear(hidden_size,
n_routed_experts, prefix=...)`, in the model dtype, in the 0.24.0 wheel (no router dtype); the
0.25.0 and 0.25.1 wheels add `_get_moe_router_dtype(config)`: torch.float32 where
`config.model_type == "glm_moe_dsa"` (GLM-5, "Older GLM-5/5.2 configs require fp32 routing but
do not expose moe_router_dtype yet") or `config.moe_router_dtype == "float32"`, else None, and
pass it as `params_dtype=self.router_dtype, out_dtype=self.router_dtype,
force_fp32_compute=...`: the gate weight itself float32 on every GPU (ReplicatedLinear: whole
on every TP and EP rank, split by layer over PP). From the 0.26.0 wheel (0.26.0-0.34.0 read,
_get_moe_router_dtype unchanged; 0.30.0-0.34.0 glm5next/*/model.py the same) only
`out_dtype=self.router_dtype`: a float32 output of a gate held in the model dtype. The MTP
draft builds the same class over its own config, which SpeculativeConfig.hf_config_override
renames from glm_moe_dsa to deepseek_mtp (config/speculative.py, 0.25.0 and 0.25.1): its gate
is float32 only by moe_router_dtype. [from, until): router_dtype.gate_fp32. GLM-5 (78 layers,
first_k_dense_replace 3, hidden 6,144, 256 experts): 75 x 6,144 x 256 x (4 - 2) B =
235,929,600 B more per GPU on 0.25."""

INDEXER_WK_UNQUANTIZED_FROM: Version = (0, 20, 0)
"""NOTE: the DeepSeek-V3.2 / GLM-5 sparse-attention Indexer's wk (hidden -> index_head_dim) is a
ReplicatedLinear built with the model's quant_config in the 0.19.0 wheel (deepseek_v2.py
Indexer: `self.wk = ReplicatedLinear(..., quant_config=quant_config)`); from the 0.20.0 wheel
it is fused with weights_proj into `wk_weights_proj = MergedColumnParallelLinear(hidden,
[head_dim, n_head], quant_config=None, disable_tp=True)`, held in the model dtype on every rank
(deepseek_v2.py 0.20.0-0.34.0; 0.34.0's DeepseekV32ForCausalLM / GlmMoeDsaForCausalLM,
vllm/models/deepseek_v32/attention.py, the same; read in 0.20.0-0.34.0). weights.rank_weights
indexer_wk_quantized for the releases before."""

DSV4_PP_FROM: Version = (0, 21, 0)
"""NOTE: DeepseekV4ForCausalLM is `class DeepseekV4ForCausalLM(nn.Module)` in the 0.20.0-0.20.2
wheels (model_executor/models/deepseek_v4.py, which builds embed_tokens, the final norm and
lm_head on every rank, no PP guard), so config/model.py verify_with_parallel_config raises
NotImplementedError "Pipeline parallelism is not supported for this model. Supported models
implement the `SupportsPP` interface." at PP > 1; from the 0.21.0 wheel it is (nn.Module,
SupportsPP), embed_tokens on the first rank and norm / lm_head on the last
(layout.layout_errors)."""

DSV4_MTP_BUFFER_DRAFT_ONLY_FROM: Version = (0, 27, 0)
"""NOTE: DeepseekV4Model builds _mtp_hidden_buffer, torch.empty(max_num_batched_tokens,
hc_mult x hidden, model dtype), the pre-hc_head residual its MTP draft reads: on every rank in
the 0.20.0-0.20.2 wheels (model_executor/models/deepseek_v4.py, no condition; no PP there:
DeepseekV4ForCausalLM is no SupportsPP), on the last PP rank in 0.21.0 (deepseek_v4.py) and
0.22.0-0.26.0 (models/deepseek_v4/nvidia/model.py, 0.25.1 too), with or without a draft; from
the 0.27.0 wheel (0.27.1-0.33.0 the same) only `if get_pp_group().is_last_rank and
needs_mtp_hidden_states`, spec_config.use_eagle() or uses_draft_model() (method mtp is one),
and in 0.34.0 common/spec_decode.py needs_mtp_hidden_buffer (the same, DSpark left out).
weights.rank_weights dsv4_mtp_buffer_draft_only from it."""

DSV4_INDEXER_SKIPS_SHORT_FROM: Version = (0, 27, 0)
"""NOTE: from the 0.27.0 wheel (0.28.0-0.34.0 the same) models/deepseek_v4/attention.py
DeepseekV4Indexer.forward skips the indexer's scoring where `indexer_metadata.max_seq_len //
self.compress_ratio <= self.topk_tokens` ("candidates num smaller than topk, every candidate
is selected": fill_short_context_topk_indices, the compressor still run); the 0.22.0 and
0.26.0 sources score every compressed entry at any length. speed.stages.CompressedRead reads
it (the indexer keys a decode step reads and scores)."""

DSV4_INDEXER_GRAPH_SCORES_FROM: Version = (0, 28, 0)
"""NOTE: DeepseekV4Indexer.forward decides the skip in Python, inside the attention input
preparation a full CUDA graph captures (0.34.0 attention.py DeepseekV4Attention.forward: "Keep
the attention input preparation in the captured graph. Only the sparse indexer and MLA
attention run in the eager break below"), so a decode step replayed from a full graph runs what
the capture recorded. From the 0.28.0 wheel (0.29.0-0.34.0 the same) the skip also requires
`not torch.cuda.is_current_stream_capturing()`: the graph records the scoring, and every
graph-replayed decode step scores all its keys, short or not. The 0.27.0 wheel has no such
condition and captures with dummy seq_lens = max_query_len (v1/worker/gpu_model_runner.py
_dummy_run; 1 // 4 = 0 <= 512): its graphs record the skip (fill_short_context_topk_indices:
the first min(held, top-k) entries), scoring nothing at any length. speed.step.indexer_skip
reads it."""

SP_MOE_BACKEND_CHANGES: tuple[tuple[Version, tuple[str, ...], tuple[str, ...]], ...] = (
    # (release, the backends it adds, the backends it drops)
    ((0, 11, 0), ("allgather_reducescatter", "naive", "deepep_high_throughput",
                  "deepep_low_latency"), ()),
    ((0, 15, 0), ("mori",), ()),
    ((0, 18, 0), ("nixl_ep",), ()),
    ((0, 19, 0), (), ("naive",)),
    ((0, 23, 0), ("mori_high_throughput", "mori_low_latency"), ("mori",)),
    ((0, 29, 0), ("flashinfer_nvlink_one_sided",), ()),
    ((0, 31, 0), ("deepep_v2",), ()),
    ((0, 32, 0), ("passthrough",), ()),
    ((0, 34, 0), ("mori",), ()),
)
"""NOTE: how the all2all backends ParallelConfig.use_sequence_parallel_moe (config/parallel.py)
names change, each release's list against the one before (read in the 0.11.0-0.20.0,
0.22.0-0.34.0 wheels; 0.21 not read, taken as 0.20.0's; mori_high_throughput / mori_low_latency
replace mori from the 0.23.0 wheel, as in the parser's choices): the property is True with one
of them, --enable-expert-parallel, TP > 1 and DP > 1. 0.11.0 reads envs.VLLM_ALL2ALL_BACKEND,
0.11.1 on the field. The 0.10.2 wheel has no property (only DeepseekV2MoE turns
sequence-parallel there, on the DeepEP backends, which 0.10.2 reads from VLLM_ALL2ALL_BACKEND
alone and Headroom does not plan: its default is naive). pplx, flashinfer_all2allv, moonep and
mori before 0.15 / 0.23-0.33 are never in it."""

SP_MOE_FROM: dict[str, Version] = {
    **dict.fromkeys(("Qwen3MoeForCausalLM", "Qwen3VLMoeForConditionalGeneration",
                     "Qwen3NextForCausalLM", "Qwen3_5MoeForConditionalGeneration",
                     "GptOssForCausalLM", "Llama4ForConditionalGeneration",
                     "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM",
                     "GlmMoeDsaForCausalLM", "KimiK25ForConditionalGeneration",
                     "KimiVLForConditionalGeneration", "GraniteMoeForCausalLM"), (0, 11, 0)),
    "NemotronHForCausalLM": (0, 11, 1), "MiMoV2FlashForCausalLM": (0, 14, 0)}
"""NOTE: the architectures whose MoE block sets is_sequence_parallel = parallel_config
.use_sequence_parallel_moe, from the first wheel whose model file reads it: qwen3_moe.py
Qwen3MoeSparseMoeBlock (also Qwen3-VL-MoE's text model, qwen3_vl_moe.py), qwen3_next.py
Qwen3NextSparseMoeBlock (also Qwen3.5-MoE's, qwen3_5.py), gpt_oss.py MLPBlock, llama4.py
Llama4MoE, granitemoe.py GraniteMoeMoE (GraniteMoeForCausalLM's decoder layer passes it; not
granitemoeshared.py's nor granitemoehybrid.py's) and deepseek_v2.py DeepseekV2MoE (DeepSeek-V2/
V3/V3.2, GLM-5's GlmMoeDsa, Kimi-K2.5's language model, and Kimi-VL's: kimi_vl.py builds
DeepseekV2Model from a deepcopy of the VllmConfig, 0.11.0, or DeepseekV2ForCausalLM through
init_vllm_registered_model, 0.34.0) from 0.11.0 (0.11.0, 0.19.0, 0.34.0 read); nemotron_h.py
NemotronHMoE from 0.11.1; mimo_v2_flash.py from 0.14.0 (mimo_v2.py from 0.23.0); every wheel
to 0.34.0. Not: MiniMax-M2, Mixtral, Gemma 4,
Qwen2-MoE (their blocks pass no is_sequence_parallel) and DeepSeek-V4 (its own mode:
DSV4_SEQUENCE_PARALLEL_FROM). gpt_oss.py adds `and vllm_config.lora_config is None` from the
0.25.0 wheel (SP_MOE_GPT_OSS_LORA_OFF_FROM); the other blocks run it under LoRA too, which
vLLM refuses (lora/moe.py SEQUENCE_PARALLEL_MOE_UNTIL)."""
SP_MOE_GPT_OSS_LORA_OFF_FROM: Version = (0, 25, 0)
"""NOTE: gpt_oss.py MLPBlock.__init__ is_sequence_parallel also asks `lora_config is None`
from the 0.25.0 wheel (not in 0.24.0's)."""

SP_MOE_SHARED_WHOLE_FROM: dict[str, Version] = {
    **dict.fromkeys(("Llama4ForConditionalGeneration", "DeepseekV2ForCausalLM",
                     "DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM", "GlmMoeDsaForCausalLM",
                     "KimiK25ForConditionalGeneration", "KimiVLForConditionalGeneration"),
                    (0, 11, 0)),
    "NemotronHForCausalLM": (0, 11, 1),
    **dict.fromkeys(("Qwen3NextForCausalLM", "Qwen3_5MoeForConditionalGeneration"), (0, 20, 0))}
"""NOTE: the sequence-parallel MoE blocks (SP_MOE_FROM) that build their shared experts whole on
every TP rank while it runs, from the first wheel that does: deepseek_v2.py DeepseekV2MoE
passes is_sequence_parallel to DeepseekV2MLP, whose gate_up_proj / down_proj take
`disable_tp=is_sequence_parallel` (0.11.0, 0.13.0, 0.19.0, 0.25.0, 0.34.0 wheels; 0.34.0's
vllm/models/deepseek_v32/nvidia/model.py, DeepSeek-V3.2's and GLM-5's, builds DeepseekV2MoE);
llama4.py Llama4MoE builds shared_expert = LlamaMLP(..., disable_tp=self.is_sequence_parallel)
(same wheels); nemotron_h.py NemotronHMoE passes is_sequence_parallel to NemotronHMLP (same
disable_tp) from 0.11.1 (0.11.1, 0.13.0, 0.19.0, 0.25.0, 0.34.0), and its fc1 / fc2 latent
projections take disable_tp=is_sequence_parallel too (0.13.0: fc1 whole then, not split);
qwen3_next.py Qwen3NextSparseMoeBlock (Qwen3.5-MoE's too: qwen3_5.py, 0.34.0's
vllm/models/qwen3_5) passes is_sequence_parallel to Qwen3NextMLP (qwen2_moe.py Qwen2MoeMLP,
`disable_tp=is_sequence_parallel`) from 0.20.0 (0.20.0, 0.22.0-0.25.0, 0.34.0); 0.19.0 and
0.19.1 do not (split over TP there). Kimi-VL's text model is DeepseekV2MoE too
(SP_MOE_FROM). The other SP_MOE_FROM blocks (Qwen3-MoE, Qwen3-VL-MoE, gpt-oss, MiMo-V2-Flash,
Granite MoE) have no shared experts; Qwen2-MoE, GLM-4.5, ERNIE 4.5 and MiniMax-M2 never run
sequence-parallel (their blocks do not read it). weights.WeightLoadRules.shared_experts_whole
from it (plan.moe.load_on_layout)."""

SP_MOE_ATTENTION_SCATTER_FROM: dict[str, Version] = {
    **dict.fromkeys(("DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM",
                     "GlmMoeDsaForCausalLM", "KimiK25ForConditionalGeneration",
                     "KimiVLForConditionalGeneration"), (0, 25, 0)),
    **dict.fromkeys(("Qwen3NextForCausalLM", "Qwen3_5MoeForConditionalGeneration"),
                    (0, 26, 0))}
"""NOTE: from these wheels the decoder layer itself shards the tokens of a sequence-parallel
MoE layer at PP = 1 (deepseek_v2.py DeepseekV2DecoderLayer.use_sequence_parallel_moe from
0.25.0, not in 0.24.0's; qwen3_next.py / qwen3_5.py use_attn_reduce_scatter_for_moe from
0.26.0, not in 0.25.1's; `parallel_config.use_sequence_parallel_moe and
pipeline_parallel_size == 1 and is_moe_layer`; the same through 0.34.0): the attention's
o_proj skips its all-reduce (reduce_results False) and the layer reduce-scatters its output
over TP (padded to a multiple of TP), the MoE block takes that shard (already_sequence_parallel:
no chunk, no all-gather), the next MoE layer all-gathers its input before attention, and the
first layer that is not (or the model's end) all-gathers hidden states and residual together
(_all_gather_hidden_and_residual, 2 x hidden a token). Before, and at PP > 1, the MoE block
chunks its replicated input and all-gathers its output over TP (SP_MOE_FROM)."""

SP_EVERY_LAYER_FROM: dict[str, Version] = dict.fromkeys(
    ("DeepseekV32ForCausalLM", "GlmMoeDsaForCausalLM"), (0, 29, 0))
"""NOTE: from the 0.29.0 wheel the registry builds these architectures from vllm/models/
deepseek_v32 (registry.py; 0.27.0 / 0.28.0 map them to deepseek_v2.py), whose __init__ takes
nvidia/model.py on CUDA and deepseek_v2.py's classes elsewhere (ROCm keeps
SP_MOE_ATTENTION_SCATTER_FROM's rule). nvidia/model.py DeepseekV32DecoderLayer and
DeepseekV32Model set use_sequence_parallel = parallel_config.use_sequence_parallel_moe and
pipeline_parallel_size == 1 (0.29.0, 0.30.0, 0.31.0, 0.34.0 read): the model sp_shard's the
embedding, every layer, dense or MoE, sp_all_gather's its input before attention and
sp_reduce_scatter's the attention's output (vLLM's custom all-reduce buffers where the TP
communicator has custom_all_gather / custom_reduce_scatter, else NCCL:
models/common/ops/sequence_parallel.py), the dense layers' DeepseekV2MLP takes
is_sequence_parallel (disable_tp: whole on every TP rank), and the forward ends with one
sp_all_gather of the normed hidden states (1 x hidden a token). At PP > 1 the blocks chunk as
SP_MOE_FROM's do."""

SP_MOE_CHUNK, SP_MOE_SCATTER, SP_MOE_EVERY = "chunk", "scatter", "every"


def sequence_parallel_moe(architecture: str, version: Version, backend: str, ep: bool, tp: int,
                          dp: int, pp: int, lora: bool, cuda: bool = True) -> str:
    """How vLLM `version` runs sequence-parallel MoE for this layout: "" off (ParallelConfig
    .use_sequence_parallel_moe false, or a block that does not read it: SP_MOE_FROM),
    SP_MOE_EVERY where every layer runs on the TP shards (SP_EVERY_LAYER_FROM: CUDA, PP = 1),
    SP_MOE_SCATTER where the decoder layer reduce-scatters the attention's output
    (SP_MOE_ATTENTION_SCATTER_FROM, PP = 1), else SP_MOE_CHUNK (the MoE block chunks its input
    and all-gathers its output). `backend`: the all2all backend vLLM runs
    (all2all.running_backend); `cuda`: an NVIDIA GPU (vLLM's CUDA platform)."""
    since = SP_MOE_FROM.get(architecture)
    if (since is None or version < since or backend not in _sp_moe_backends(version) or not ep
            or tp == 1 or dp == 1):
        return ""
    if lora and architecture == "GptOssForCausalLM" and version >= SP_MOE_GPT_OSS_LORA_OFF_FROM:
        return ""
    every = SP_EVERY_LAYER_FROM.get(architecture)
    if every is not None and cuda and version >= every and pp == 1:
        return SP_MOE_EVERY
    scatter = SP_MOE_ATTENTION_SCATTER_FROM.get(architecture)
    return SP_MOE_SCATTER if scatter is not None and version >= scatter and pp == 1 \
        else SP_MOE_CHUNK


@lru_cache(maxsize=64)
def _sp_moe_backends(version: Version) -> frozenset[str]:
    """The all2all backends use_sequence_parallel_moe names in vLLM `version`: the changes of
    SP_MOE_BACKEND_CHANGES up to it, in order. Cached per release: sequence_parallel_moe asks
    it for every plan of a sweep."""
    names: frozenset[str] = frozenset()
    for since, added, dropped in SP_MOE_BACKEND_CHANGES:
        if version >= since:
            names = names.difference(dropped).union(added)
    return names


def sp_moe_shared_whole(architecture: str, version: Version, sp_moe: str) -> bool:
    """Whether vLLM `version` builds the shared experts whole on every TP rank where it runs
    sequence-parallel MoE (`sp_moe`: sequence_parallel_moe's mode, "" off;
    SP_MOE_SHARED_WHOLE_FROM)."""
    since = SP_MOE_SHARED_WHOLE_FROM.get(architecture)
    return bool(sp_moe) and since is not None and version >= since


QUARK_MX_SHARED_REPLICATE_FROM: dict[str, Version] = dict.fromkeys(
    ("Qwen3NextForCausalLM", "Qwen3_5MoeForConditionalGeneration"), (0, 29, 0))
"""NOTE: from the 0.29.0 wheel (0.30.0-0.34.0 the same) qwen3_next.py Qwen3NextSparseMoeBlock
(Qwen3.5-MoE's too: qwen3_5.py, 0.34.0's vllm/models/qwen3_5/nvidia/model.py) asks
_should_replicate_misaligned_shared_expert(shared_expert_intermediate_size, tp_size,
group_size, enable_expert_parallel, is_sequence_parallel), group_size from
quantization/utils/config_utils.py get_quark_ocp_mx_group_size: the shared expert
down_proj's OCP MX group where the checkpoint is Quark OCP MX and the layer not excluded,
else None (FP8 blocks, GPTQ/AWQ groups and every other method: never replicated by this
rule). Where intermediate % tp or (intermediate / tp) % group it builds Qwen3NextMLP with
disable_tp=True (whole on every TP rank, run beside FusedMoE) under expert parallelism (or
sequence-parallel MoE, which needs it: ParallelConfig.use_sequence_parallel_moe), else raises
ValueError. 0.28.0 has no such rule; alice_ai.py (0.33.0+) shares it but Headroom does not
plan AliceAI; ROCm AITER's fused shared expert (resolve_layer_fused_shared_expert, 0.29.0+,
off by default) skips it and is not modelled. layout.quark_mx_shared_misaligned."""


DSV4_SEQUENCE_PARALLEL_FROM: Version = (0, 27, 0)
"""NOTE: from the 0.27.0 wheel (0.27.1-0.34.0 the same rule) models/deepseek_v4/nvidia/model.py
_use_sequence_parallel turns DeepSeek-V4 sequence-parallel where `pipeline_parallel_size == 1
and enable_expert_parallel and tensor_parallel_size > 1` and the MoE takes token-sharded input:
`data_parallel_size > 1` or a mega-MoE --moe-backend (moe_backend.mega_moe_backend). Each
DeepseekV4DecoderLayer (the MTP draft's mtp_block too: nvidia/mtp.py) then builds the shared
experts' DeepseekV4MLP with is_sequence_parallel, its gate_up_proj and down_proj
`disable_tp=True`: whole on every rank, not split over TP nor padded to whole 128-blocks per
rank (pad_shared_expert off); attention stays TP-split (all-gather before it, wo_b's
reduce-scatter after), the GateLinear router is whole either way. The 0.20.0-0.26.0 sources
build DeepseekV4MLP with is_sequence_parallel unset (False), as do the ROCm and XPU model files
(models/deepseek_v4/amd/, xpu/, which __init__.py picks on those platforms) in every release:
NVIDIA GPUs only. weights.rank_weights dsv4_sequence_parallel from it
(weights_dsv4.dsv4_sequence_parallel)."""

GDN_BA_WHOLE_FROM: Version = (0, 22, 0)
"""NOTE: from the 0.22.0 wheel mamba/gdn/qwen_gdn_linear_attn.py QwenGatedDeltaNetAttention
builds in_proj_ba with `disable_tp=self.maybe_disable_tp(quant_config)` (create_ba_proj), and
maybe_disable_tp is `current_platform.is_cuda() and not self.gqa_interleaved_layout and
isinstance(quant_config, (AWQMarlinConfig, AutoGPTQConfig, INCConfig))` (AutoAWQConfig for
AWQMarlinConfig from 0.24.0): the projection is whole on every TP rank, still built with the
quant_config, and split_ba slices b and a for the rank in forward (Marlin's minimum output
width is 64: vLLM issue #35924). Read in the 0.22.0-0.34.0 wheels; the 0.19.0, 0.19.1, 0.20.0
and 0.21.0 wheels (mamba/gdn_linear_attn.py GatedDeltaNetAttention.create_ba_proj) and
0.17.0-0.18.1 (qwen3_5.py) split it over TP in every format. Qwen3.5 and Qwen3.5-MoE (Qwen3.6
too: Qwen3_5MoeForConditionalGeneration) pass gqa_interleaved_layout=False
(qwen3_5.py Qwen3_5DecoderLayer), Qwen3-Next True (qwen3_next.py Qwen3NextDecoderLayer)."""

GDN_A_LOG_MODEL_DTYPE_SPAN: tuple[Version, Version] = ((0, 11, 1), (0, 19, 0))
"""NOTE: the releases [start, until) that build Gated DeltaNet's A_log in the model dtype;
the others build it in float32 (weights.rank_weights a_fp32_mixers). `self.A_log =
nn.Parameter(torch.empty(divide(self.num_v_heads, self.tp_size), dtype=torch.float32))` in
qwen3_next.py Qwen3NextGatedDeltaNet.__init__ in the 0.10.2 and 0.11.0 wheels; the same without
`dtype` (the default dtype, the model dtype while vLLM builds the model) in the 0.11.1, 0.11.2,
0.12.0-0.18.0 and 0.18.1 wheels (qwen3_5.py Qwen3_5GatedDeltaNet subclasses it, 0.17.0-0.18.1);
float32 again in mamba/gdn_linear_attn.py GatedDeltaNetAttention.__init__ (0.19.0, 0.20.0) and
mamba/gdn/qwen_gdn_linear_attn.py QwenGatedDeltaNetAttention.__init__ (0.22.0, 0.23.0, 0.24.0,
0.27.1, 0.30.0, 0.34.0 read). dt_bias (`torch.ones(num_v_heads // tp_size)`), conv1d and the
gated norm stay in the model dtype in every one of them; A_log is split over TP
(sharded_weight_loader(0))."""

V2_GRAPH_ESTIMATE_FROM: Version = (0, 29, 0)
"""NOTE: Model Runner V2's GPUModelRunner.profile_cudagraph_memory (v1/worker/gpu/
model_runner.py) is `return 0` ("It is TBD whether we keep this API or not") in the 0.20.0,
0.21.0, 0.22.0, 0.23.0, 0.24.0, 0.25.0, 0.25.1, 0.26.0, 0.27.1 and 0.28.0 wheels, so
gpu_worker.py determine_available_memory subtracts no CUDA graph estimate for a V2 start-up
there (the graphs are captured after the KV cache is sized). From the 0.29.0 wheel (to 0.34.0,
where it returns 0 under the extensible KV cache, which Headroom's commands turn off)
it calls cudagraph_utils.py profile_cudagraph_memory: a capture into a throwaway pool on a
minimal KV cache, PIECEWISE graphs measured in full, FULL graphs extrapolated from the largest
two (first + second x (graphs - 1)), which determine_available_memory subtracts as it does
V1's estimate (planner.serving.runner_v2)."""

RUNNER_BUFFERS_COUNTED_FROM: Version = (0, 27, 0)
"""NOTE: utils/mem_utils.py memory_profiling sets non_kv_cache_memory = weights_memory +
torch_peak_increase + non_torch_increase in the 0.9.1-0.26.0 wheels (0.26.0 read) and, from the
0.27.0 wheel (0.28.0, 0.31.0 and 0.34.0 read), total_consumed (init snapshot's free memory -
free memory after the profile run, mem_get_info) + transient_peak_headroom (torch's peak -
torch's allocated after it); v1/worker/gpu_worker.py determine_available_memory subtracts it
from requested_memory and logs "Actual usage is ... GiB for consumed memory (weights +
non-torch)". The difference is the torch tensors made after Worker.init_device's snapshot
outside the load window (model runner __init__, load_model after its DeviceMemoryProfiler)
that live into the profile run: the model runner's persistent buffers, which from 0.27.0 come
off the KV cache (planner.serving.runner_buffers sizes them per runner)."""

V2_SAMPLER_IN_PLACE_FROM: Version = (0, 26, 0)
"""NOTE: Model Runner V2's dummy sampler (v1/worker/gpu/model_runner.py _dummy_sampler_run ->
sample/sampler.py Sampler.apply_sampling_params): the 0.22.0, 0.23.0, 0.24.0, 0.25.0 and
0.25.1 wheels copy the logits to a new fp32 tensor on every call (`torch.empty_like(logits,
dtype=torch.float32).copy_(logits)`); the 0.26.0 wheel applies the ops in place on the
model-dtype logits (a clone only for raw logprobs, which the dummy batch does not ask for);
0.27.1 copies only when _requires_logits_processing, and 0.28.0-0.34.0 only when
needs_logits_processing (np.zeros at start-up): the dummy batch's states are temperature 0,
top_k = vocab, top_p = 1, min_p 0 (sample/states.py), so no copy in 0.26.0-0.32.0
(V2_SAMPLER_WARMUP_FROM; planner.serving.runner_v2)."""

V2_SAMPLER_WARMUP_FROM: Version = (0, 33, 0)
"""NOTE: the 0.33.0 wheel's _dummy_sampler_run (v1/worker/gpu/model_runner.py:993-1014) runs
the default pass, then a second over the same model-dtype logits with
SamplingParams.for_sampler_warmup() (sampling_params.py:1477: temperature 0.9, top_k 50, top_p
0.9, min_p, penalties, logit bias, bad words, 5 logprobs) on every dummy request ("warmup_kernels
(run after the KV cache is sized) pays for the fp32 logits pipeline, so the profiled peak must
too"): needs_logits_processing is set, so sample/sampler.py:242 makes the fp32 copy again, the
processors, temperature, min-p and top-k / top-p work on it in place and the logprobs take a
top-5 and per-row log-sum-exp (sample/logprob.py compute_topk_scores), so the moment is the
logits and their fp32 copy, 6 B a logit at bf16. Not counted: the Triton top-k / top-p path's
cached SMs x vocab x 4 B buffer (topk_topp_triton.py:1695), whose SM count no GPU preset
holds. The 0.29.0-0.32.0 wheels run the default pass only; the 0.34.0 wheel runs both
(model_runner.py:1039-1067, after a model-state hook that only diffusion_gemma.py takes)."""

NEWEST_COVERED: Version = (0, 34, 99)
"""Any 0.34.x patch release; 0.35 and later have not been read."""

GRAPHS_SUBTRACTED_FROM: Version = (0, 20, 0)
"""NOTE: envs.py VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS defaults to "0" in the 0.19.0
wheel and to "1" in the 0.20.0 wheel (gpu_worker.py then subtracts the estimate from the KV
budget). The log line of 0.20.0-0.34.0 says "default since v0.21.0", but the 0.20.0 code
already subtracts it; the code wins. v0.19 H100 logs print the estimate and do not subtract."""

UTILIZATION_092_FROM: Version = (0, 20, 0)
"""NOTE: config/cache.py CacheConfig.gpu_memory_utilization defaults to 0.9 in the 0.9.1-0.19.0
wheels (`Field(default=0.9, gt=0, le=1)` in 0.19.0) and to 0.92 from the 0.20.0 wheel on ("If
unspecified, will use the default value of 0.92"; read in 0.20.0, 0.22.0-0.25.0 and
0.29.0-0.33.0; a 0.27.1 log without the flag prints "Desired GPU memory utilization is
(0.92, 28.88 GiB)", noonghunna/club-3090#1087): the release that began subtracting the CUDA
graph estimate (GRAPHS_SUBTRACTED_FROM) raised the default with it. The 0.34.0 wheel keeps
0.92 (CacheConfig.DEFAULT_GPU_MEMORY_UTILIZATION) without the extensible KV cache, which
Headroom's commands turn off, and takes 1.0 with it (resolved_gpu_memory_utilization;
EXTENSIBLE_KV_CACHE_FROM)."""


def default_gpu_memory_utilization(text: str) -> float:
    """vLLM's --gpu-memory-utilization when it is not given: 0.92 from 0.20.0, 0.9 before
    (UTILIZATION_092_FROM); 0.9 for a version that does not parse (refused elsewhere)."""
    try:
        version = parse_version(text)
    except EngineError:
        return 0.9
    return 0.92 if version >= UTILIZATION_092_FROM else 0.9


TOKENS_FROM_CONCURRENCY_FROM: Version = (0, 20, 1)
"""NOTE: "GPU KV cache size" is num_blocks // groups x min block_size in
v1/core/kv_cache_utils.py _report_kv_cache_config up to the 0.20.0 wheel, and
int(max_concurrency x max_model_len) from the 0.20.1 wheel on (_report_kv_cache_config in
0.20.1-0.23.0, get_kv_cache_capacity from 0.24.0; read in the 0.20.0, 0.20.1, 0.21.0, 0.22.0,
0.23.0 and 0.24.0 wheels). A patch release's change: 0.20.1 is planned with 0.20.0's flags
(covered_releases) but this rule's own release."""

MARLIN_MOE_TILE_PADDING_FROM: Version = (0, 25, 0)
"""NOTE: marlin_utils.py check_moe_marlin_supports_layer, which decides whether GPTQ/AWQ (and
compressed-tensors WNA16) experts run Marlin MoE or fall back to MoE WNA16: the 0.19.0,
0.23.0 and 0.24.0 wheels require intermediate_size_per_partition % max(64, group_size) == 0
(and hidden_size % 128 == 0) for every caller. From the 0.25.0 wheel it takes
allow_tile_padding ("a tile-misaligned intermediate size is then zero-padded to a valid thread
tile at weight prep ... so only a group straddling the padded boundary stays unsupported"):
the width need only be a multiple of the group (any width per channel, group -1), hidden still
% 128. auto_awq.py passes allow_tile_padding=True; auto_gptq.py `not self.desc_act` and
compressed_tensors_moe.py `not is_actorder` (actorder group or dynamic) in the 0.25.0, 0.26.0,
0.27.0, 0.28.0 and 0.29.0 wheels, so act-order checkpoints keep the strict rule there
(MARLIN_MOE_ACT_ORDER_PADDING_FROM). 0.25.1 is a patch of 0.25.0 (not read)."""

MARLIN_MOE_ACT_ORDER_PADDING_FROM: Version = (0, 30, 0)
"""NOTE: auto_gptq.py and compressed_tensors_moe_wna16.py pass allow_tile_padding=True for
every checkpoint, act-order included, from the 0.30.0 wheel (also 0.33.0, 0.34.0); the 0.29.0 wheel
still passes `not self.desc_act` (MARLIN_MOE_TILE_PADDING_FROM). A group act-order
checkpoint stops at its config from that same release (ACT_ORDER_REFUSED_FROM)."""


HUMMING_FIRST_ON_HOPPER_FROM: Version = (0, 32, 0)
"""NOTE: fused_moe/oracle/int_wna16.py _get_priority_backends returns
prioritize_humming(backends) from the 0.32.0 wheel (also 0.33.0, 0.34.0; absent in 0.27.0-0.30.0),
which
on compute capability 9.0 (humming/priority.py _HUMMING_PREFERRED_CAPABILITIES) moves Humming
ahead of Marlin: int4 experts run Humming's MoE there whether or not Marlin MoE takes the
layout (speed/kernels.py moe_kernel, whose 0.32 test is this release, and layout_moe_kernel;
layout._marlin_moe_warning says so). The dense linears' choose_mp_linear_kernel does the same
through kernels/linear/__init__.py _resolve_backend_kernels (0.32.0, 0.33.0 wheels): Humming
after Machete, ahead of Marlin, on 9.0 (weight_load.gptq_zeros_freed_bits)."""

CT_WNA16_MOE_READ_FROM: Version = (0, 19, 0)
"""The first release whose compressed-tensors WNA16 MoE fallback (the experts Marlin MoE does
not take) is read: the 0.19.0, 0.20.0, 0.22.0-0.30.0, 0.32.0 and 0.33.0 wheels (0.21.0 and
0.31.0 not read, taken as their neighbours, which agree). Older releases are not refused."""

CT_WNA16_MOE_ACT_ORDER_FROM: Version = (0, 27, 0)
"""NOTE: compressed_tensors_moe.py CompressedTensorsMoEMethod.get_moe_method (0.19.0-0.26.0
wheels) raises ValueError("WNA16MoE is not supported with actorder=group/dynamic.") for an
act-order checkpoint whose experts fail check_moe_marlin_supports_layer; from the 0.27.0
wheel CompressedTensorsWNA16MoEMethod asks fused_moe/oracle/int_wna16.py
select_wna16_moe_backend instead, which has no such refusal (what it then does with
actorder group, an assertion in 0.27.0-0.29.0, is not planned: QuantSpec.act_order does not
tell group from dynamic)."""

CT_WNA16_MOE_ASYMMETRIC_FROM: Version = (0, 29, 0)
"""NOTE: CompressedTensorsWNA16MoEMethod (the non-Marlin path) asserts `weight_quant.symmetric`
("Only symmetric quantization is supported for MoE") in the 0.19.0-0.28.0 wheels (__init__;
0.27.0 and 0.28.0 when the oracle picks a backend other than Marlin); the 0.29.0 wheel drops
it (zero points load on every backend)."""

ROCM_QUANTIZATION_READ_FROM: Version = (0, 19, 0)
"""The first release whose ROCm quantization list is read (ROCM_QUANTIZATION_LISTED)."""

ROCM_BNB_FROM: Version = (0, 12, 0)
"""The first release whose ROCm platform lists bitsandbytes, on AMD GPUs other than gfx9 ones
(ROCM_GFX9_ARCHS get it from ROCM_BNB_GFX9_FROM); the 0.28.0 wheel drops the method.

NOTE: platforms/rocm.py RocmPlatform.supported_quantization: the 0.9.1, 0.9.2, 0.10.0-0.10.2,
0.11.0 and 0.11.1 wheels' lists have no "bitsandbytes"; the 0.12.0-0.16.0 wheels append it
after the list in the class body only `if not on_gfx9()` ("# bitsandbytes not supported on gfx9
(warp size 64 limitation)"), on_gfx9 asking whether the GPU's gcnArchName holds "gfx90a",
"gfx942" or "gfx950"; the 0.17.0-0.27.0 wheels list it on every GPU (0.17.0's
quantization/bitsandbytes.py then asks bitsandbytes >= 0.49.2 on ROCm, an install requirement,
not planned). vllm serve's parser takes --quantization bitsandbytes on every release to 0.27;
where the list lacks it, config/model.py (config.py in 0.9.x-0.10.x) ModelConfig.
_verify_quantization calls platforms/interface.py verify_quantization at start-up, which raises
ValueError(f"{quant} quantization is currently not supported in {cls.device_name}.")
(device_name "rocm")."""

ROCM_BNB_GFX9_FROM: Version = (0, 17, 0)
"""The first release whose ROCm platform lists bitsandbytes on gfx9 GPUs too (ROCM_BNB_FROM's
NOTE: 0.12.0-0.16.0 leave it out there)."""

ROCM_GFX9_ARCHS: tuple[str, ...] = ("gfx90a", "gfx942", "gfx950")
"""platforms/rocm.py on_gfx9's targets (0.12.0-0.16.0 wheels), as GpuSpec.compute_capability
names them (the MI300X preset: gfx942)."""

ROCM_QUANTIZATION_LISTED: dict[str, tuple[Version, Version | None]] = {
    "modelopt_fp4": ((0, 20, 0), None), "modelopt": ((0, 21, 0), None),
    "modelopt_mixed": ((0, 21, 0), None), "inc": ((0, 28, 0), None),
    "bitsandbytes": (ROCM_BNB_FROM, (0, 27, 99)),
    "gptq_marlin": (ROCM_QUANTIZATION_READ_FROM, (0, 24, 99)),
}
"""NOTE: platforms/rocm.py RocmPlatform.supported_quantization, read in every wheel
0.19.0-0.34.0: the first and last release (None: to 0.34.x) listing each method Headroom
plans that some release leaves out; awq, awq_marlin, gptq, fp8, compressed-tensors,
fbgemm_fp8 and mxfp4 are in every list (auto_gptq from 0.22.0, auto_awq from 0.24.0, with the
loaders they name). gptq_marlin is listed up to 0.24.0 and not from 0.25.0: a checkpoint whose
quant_method says gptq_marlin keeps that name (wna16_loaders.kept_marlin_method). modelopt_fp4
arrives in 0.20.0 (0.19.0's petit_nvfp4 override comes after ModelOptNvFp4Config's in
config/model.py's overrides, so it never takes a ModelOpt NVFP4 checkpoint), modelopt and
modelopt_mixed in 0.21.0, inc in 0.28.0, which drops bitsandbytes. platforms/interface.py
verify_quantization raises ValueError(f"{quant} quantization is currently not supported in
{cls.device_name}.") for the others (device_name "rocm"). bitsandbytes alone is read before
0.19.0 too, from 0.9.1 (ROCM_BNB_FROM; on gfx9 ROCM_BNB_GFX9_FROM)."""

ROCM_QUANTIZATION_UNLISTED: tuple[str, ...] = ("w4afp8",)
"""Methods Headroom plans that no ROCm list read has (0.34.0 platforms/rocm.py
supported_quantization lacks "w4afp8", the one release that has the method: W4AFP8_FROM)."""

NVFP4_ROCM_EMULATION_FROM: Version = (0, 20, 0)
"""The first release that runs NVFP4 experts on AMD GPUs, on vLLM's emulation.

NOTE: fused_moe/oracle/nvfp4.py select_nvfp4_moe_backend (0.20.0-0.33.0 wheels, each read):
on ROCm every backend but the last is CUDA-only (FlashInfer TRT-LLM / CuteDSL / CUTLASS /
B12X, vLLM CUTLASS, Marlin, Humming: their _supports_current_device asks
current_platform.is_cuda()), and EMULATION's Nvfp4QuantizationEmulationTritonExperts
(experts/nvfp4_emulation_moe.py, a TritonExperts: is_cuda_alike()) takes (kNvfp4Static,
kNvfp4Dynamic), W4A4 experts: their FP4 weights dequantized to 16-bit on every forward
(dequantize_to_dtype before the Triton MoE, 0.20.0-0.24.0; inside its own Triton kernel from
0.25.0), activations fake-quantized. The 0.19.0 oracle has no EMULATION; W4A16 NVFP4 experts
(activation key None) have no ROCm backend in any release (fp4_weights.rocm_fp4_moe_errors)."""

ROCM_CONCH_G_IDX_FROM: Version = (0, 24, 0)
"""NOTE: kernels/linear/mixed_precision/conch.py ConchLinearKernel.can_implement returns
"Activation reordering (g_idx) is not supported by ConchLinearKernel" for an act-order layer
from the 0.24.0 wheel (0.24.0-0.29.0); the 0.19.0-0.23.0 wheels do not ask has_g_idx."""

ACT_ORDER_REFUSED_FROM: Version = (0, 30, 0)
"""NOTE: from the 0.30.0 wheel (0.30.0-0.34.0) vLLM refuses group act-order checkpoints at
config time on every platform: utils/gptq_utils.py normalize_and_validate_gptq_desc_act,
called by auto_gptq.py AutoGPTQConfig.__init__ (and moe_wna16.py), raises ValueError("GPTQ
group activation ordering (desc_act=True) is no longer supported. ...") for desc_act with a
group other than -1; compressed_tensors.py _quantization_scheme_map_from_config raises
ValueError("Compressed-tensors group/dynamic activation ordering (actorder=...) is no longer
supported. ...") for actorder group or dynamic. The same wheel drops has_g_idx from
MPLinearKernel.py MPLinearLayerConfig. The 0.19.0-0.29.0 wheels have neither check."""

CT_WNA16_MOE_GROUP_CHECK_FROM: Version = (0, 24, 0)
"""NOTE: compressed_tensors_moe_wna16.py CompressedTensorsWNA16MoEMethod.create_weights raises
ValueError when hidden_size or intermediate_size_per_partition is not a multiple of the group
("... with static group scales requires the MoE intermediate size per tensor-parallel
partition (96) to be divisible by group_size (128) ...") from the 0.24.0 wheel (read in
0.24.0-0.30.0, 0.32.0-0.34.0; in 0.27.0-0.29.0 not for act-order group, which stops at
the assertion above); the 0.19.0-0.23.0 wheels divide with // and load (what that computes
is not read). From 0.27.0 every backend goes through it, Marlin and Humming included, so a
width that is not a whole number of groups is refused on every GPU."""


def marlin_moe_pads(version: Version, act_order: bool) -> bool:
    """Whether vLLM `version` zero-pads a Marlin MoE expert's per-GPU width, so the width need
    only be a multiple of the group (MARLIN_MOE_TILE_PADDING_FROM; act-order checkpoints from
    MARLIN_MOE_ACT_ORDER_PADDING_FROM)."""
    return version >= (MARLIN_MOE_ACT_ORDER_PADDING_FROM if act_order
                       else MARLIN_MOE_TILE_PADDING_FROM)


BIG_GPU_TIER_FROM: Version = (0, 28, 0)
"""NOTE: engine/arg_utils.py EngineArgs.get_batch_defaults: the tier for GPUs with
>= 160 GiB (16384 tokens / 1024 sequences for `vllm serve`) is absent from the 0.27.0 wheel
and present from the 0.28.0 wheel on."""

CHUNKED_OFF_TOKENS_MAX_FROM: Version = (0, 11, 1)
"""NOTE: engine/arg_utils.py, --no-enable-chunked-prefill without --max-num-batched-tokens:
from the 0.11.1 wheel on (_set_default_args in 0.11.1 and 0.11.2,
_set_default_max_num_seqs_and_batched_tokens_args from 0.12.0, to 0.34.0) the
batch defaults to max(max_model_len, the GPU's default), so SchedulerConfig.
verify_max_model_len passes. Before, the 0.9.1-0.11.0 wheels' EngineArgs._set_default_args
(_set_default_args_v1) set enable_chunked_prefill = True for every non-pooling model, the
user's flag notwithstanding: the flag has no effect on a generative model there."""

SEQS_CAPPED_AT_GIVEN_TOKENS_FROM: Version = (0, 10, 1)
"""NOTE: engine/arg_utils.py, --max-num-batched-tokens given without --max-num-seqs: from the
0.10.1 wheel on the sequences default to the GPU's default capped at the given tokens
(`min(default_max_num_seqs[usage_context], self.max_num_batched_tokens or sys.maxsize)` in
the 0.10.1, 0.10.2 and 0.11.0 wheels; `min(self.max_num_seqs, self.max_num_batched_tokens)`
in 0.11.1, 0.12.0, 0.19.0, 0.20.0 and 0.34.0), so fewer tokens than the default sequences
start; the 0.9.2 and 0.10.0 wheels take the GPU's default uncapped, and SchedulerConfig
refuses tokens below it."""

ASYNC_SCHEDULING_FROM: Version = (0, 14, 0)
"""First release whose engine schedules one step ahead by default (async scheduling), at one
pipeline stage. NOTE: the 0.9.1 wheel has no such option; config/scheduler.py
SchedulerConfig.async_scheduling defaults to False in the 0.10.1-0.13.0 wheels (0.13.0
config/vllm.py: "we won't reach here until async scheduling is enabled by default") and to None
from 0.14.0, which VllmConfig.__post_init__ (config/vllm.py, read in every wheel 0.14.0-0.34.0)
turns into True unless pipeline parallelism (pipeline_parallel_size > 1, on the V1 model runner,
which 0.34.0 no longer has), a speculative method other than EAGLE/MTP-style drafting, or an
executor other than mp / uni / external_launcher turns it off. With it on, the engine's batch
queue holds 2 steps (max_concurrent_batches: uniproc_executor.py and multiproc_executor.py in
0.14.0-0.22.0, VllmConfig from 0.23.0: 2 at one stage), and v1/engine/core.py
EngineCore.step_with_batch_queue (the same loop 0.14.0-0.34.0) schedules the next step before it
blocks on the running one's output. A request read between steps (run_busy_loop:
_process_input_queue, then step_fn) so joins the step after the one already queued: one decode
step later than in the synchronous loop (EngineCore.step: schedule, execute, update) of the
releases before."""

def float16_refused(model_type: str, version: Version) -> bool:
    """Whether vLLM `version` refuses float16 for a model of this (top-level) model_type.

    NOTE: config/model.py (config.py / config/__init__.py before 0.11) _FLOAT16_NOT_SUPPORTED_
    MODELS ("Numerical instability. Please use bfloat16 or float32 instead."), read in every
    wheel 0.9.1-0.34.0: gemma2, gemma3 and glm4 throughout; gemma3_text from the 0.10.2 wheel;
    plamo2 up to the 0.26.0 wheel (gone in 0.27.1; 0.27.0 not read). _resolve_auto_dtype drops
    float16 from the platform's supported dtypes for them, so with --dtype auto a GPU without
    bfloat16 (compute capability < 8.0: T4, V100) serves them in float32, and a float16
    checkpoint runs in bfloat16 where the GPU has it (planner.serving.engine.served_dtype)."""
    if model_type in ("gemma2", "gemma3", "glm4"):
        return True
    if model_type == "gemma3_text":
        return version >= (0, 10, 2)
    return model_type == "plamo2" and version < (0, 27, 0)


TOKENIZER_WINDOW_POOLING_ONLY_FROM: Version = (0, 9, 2)
"""NOTE: config.py ModelConfig.get_and_verify_max_len in the 0.9.1 wheel caps every model's
max_model_len, given or derived, at tokenizer_config.json's model_max_length
(try_get_tokenizer_config); from the 0.9.2 wheel it reads tokenizer_config only for pooling
models ("for generative models, this can be incorrect and unduly limit the context window
(e.g., DeepSeek-R1)"), and from 0.10.0 to 0.34.0 only for pooling models with absolute
position embeddings: never for the generative models Headroom plans
(planner.serving.engine.derived_max_model_len)."""

LONGROPE_WINDOW_FROM: Version = (0, 11, 1)
"""NOTE: config/model.py _get_and_verify_max_len: from the 0.11.1 wheel (to 0.34.0), without
--max-model-len a longrope model (Phi-3 / Phi-3.5 / Phi-4-mini style) starts at
int(getattr(hf_config, "original_max_position_embeddings", derived)) "to avoid performance
degradation for shorter sequences"; the derived length (max_position_embeddings, longrope's
factor never applied) stays the limit a given --max-model-len is checked against. The
0.9.1-0.11.0 wheels start it at the derived length."""

LONG_LEN_CAUTION_FROM: Version = (0, 10, 2)
"""NOTE: _get_and_verify_max_len's warning under VLLM_ALLOW_LONG_MAX_MODEL_LEN=1
(planner.serving.long_len.over_window_warning): the 0.9.1-0.10.1 wheels (config.py,
config/__init__.py) log "%s Make sure the value is correct and within the model context size."
after a msg ending "This may lead to incorrect model outputs or CUDA errors."; from the 0.10.2
wheel (to 0.34.0) logger.warning_once("%s %s", msg, warning) with "VLLM_ALLOW_LONG_MAX_MODEL_LEN
must be used with extreme caution. ..." (the refusal without the variable appends it too)."""

ROPE_PARAMETERS_WINDOW_FROM: Version = (0, 12, 0)
"""NOTE: config/model.py _get_and_verify_max_len reads hf_config.rope_scaling (one block) in
the 0.9.1-0.11.1 wheels and hf_config.rope_parameters from the 0.12.0 wheel on: one block per
layer type where nested (the factor is the last non-skipped block's), and its yarn
original_max_position_embeddings is the config's own top-level one where it has one
(transformers_utils/config.py patch_rope_parameters copies it in under transformers 4.x,
0.12.0-0.23.0; under transformers 5, which 0.13.0 on call and 0.24.0 on require,
standardize_rope_params gives it priority too and otherwise falls back on
max_position_embeddings)."""

TRANSFORMERS_5_ALLOWED_FROM: Version = (0, 19, 1)
"""NOTE: the first release whose wheel METADATA allows transformers 5, and the first Headroom
plans under transformers 5: `Requires-Dist:
transformers!=5.0.*,!=5.1.*,!=5.2.*,!=5.3.*,!=5.4.*,!=5.5.0,>=4.56.0` in the 0.19.1, 0.20.0,
0.21.0, 0.22.0 and 0.23.0 wheels, where the 0.12.0, 0.13.0, 0.14.0, 0.15.1, 0.16.0, 0.17.0,
0.18.0, 0.18.1 and 0.19.0 wheels say `transformers<5,>=4.56.0`. What 0.19.1-0.23.x run:
transformers 5. pip and uv take the newest version a requirement allows, and none of these
releases' other requirements caps transformers (compressed-tensors 0.15.0.1 and 0.17.0
`transformers>=4.45.0`, xgrammar 0.2.0 `transformers>=4.38.0`, lm-format-enforcer 0.11.3 none);
transformers 5.5.1-5.5.3 were on PyPI on 2026-04-09, before 0.19.1 (2026-04-18; PyPI upload
times), so a fresh install or image build of any of them resolves transformers 5 (`pip index
versions transformers`, 2026-12-02: 5.25.0 newest). vLLM PR #30566 ("Update to transformers
v5") pins vLLM's own tests to 5.5.3 and keeps 4.57.5 as a backward-compatibility job only (the
0.19.1 test lock: 5.5.3; vllm-metal PR #286: "vllm 0.19.1, which ships transformers v5
officially upstream (#30566)"); vllm-project/recipes PR #354 (2026-04-21) points the Gemma 4
recipe at the vllm/vllm-openai:v0.19.1 image "now that v0.19.1 has transformers v5"
(gemma4_mm.py imports transformers.models.gemma4, which no 4.x has, so every Gemma 4 run on
0.19.1-0.23.x ran it);
a collect_env of a 0.20.1 build prints transformers==5.7.0. So each rule whose figure depends on
the transformers major plans 0.19.1-0.23.x under transformers 5 and notes the transformers 4
figure (pinned `transformers<5`, as llmcompressor 0.9.0.2's `<=4.57.3` forces; unverified how
many do)."""

TRANSFORMERS_5_ONLY_FROM: Version = (0, 24, 0)
"""NOTE: the wheel METADATA's transformers requirement: 0.12.0 and 0.19.0 `<5,>=4.56.0`,
0.19.1-0.23.0 `>=4.56.0` but not 5.0-5.5.0 (TRANSFORMERS_5_ALLOWED_FROM: planned under
transformers 5, transformers 4 only where pinned, whose figure the plan notes), 0.24.0
`>=5.5.3`: from it no transformers 4 to note. Under transformers 4 (0.12.0-0.19.0, and
0.19.1-0.23.x where pinned) patch_rope_parameters (transformers_utils/config.py, 0.12.0, 0.19.0
and 0.23.0 wheels) writes the config object's rope_theta, the transformers 4 class default when
config.json has none at its top level, into a flat rope_parameters block over the block's own."""

GEMMA3_ROPE_PER_LAYER_FROM: Version = (0, 12, 0)
"""NOTE: gemma3.py Gemma3Attention and gemma3n.py hand each attention layer the block of its
layer type where the rope object has one (`if layer_type in config.rope_parameters:
rope_parameters = config.rope_parameters[layer_type]`) from the 0.12.0 wheel (0.34.0 the same);
the 0.11.2 wheel gives a global layer `config.rope_scaling` whole (gemma3.py `self.rope_scaling
= config.rope_scaling`, gemma3n.py `rope_scaling = config.rope_scaling`), so before it a rope
object mixing flat keys with per-layer-type blocks stops vLLM as on any model that reads it
flat (startup.model_config.mixed_rope_errors)."""

OLMO3_MODEL_FROM: Version = (0, 26, 0)
"""NOTE: the registry maps Olmo3ForCausalLM to ("olmo2", "Olmo2ForCausalLM") in the 0.11.0-0.25.0
wheels (0.10.2 has no entry; models/registry.py) and to olmo3.py's own Olmo3ForCausalLM in the
0.26.0-0.28.0 wheels (0.29.0 on: ("transformers", "TransformersForCausalLM")). olmo2.py
Olmo2Attention gives a sliding layer (`layer_types[layer_idx] == "sliding_attention"`, window
config.sliding_window) `rope_theta = self.config.rope_parameters["rope_theta"]` in the
0.12.0-0.25.0 wheels, where olmo3.py Olmo3Attention reads `rope_parameters.get(attn_type,
rope_parameters)`. transformers 5's Olmo3Config (convert_rope_params_to_dict, 5.24.0) nests
rope_parameters by layer type, {"sliding_attention": ..., "full_attention": ...}, whatever
config.json gives (rope_theta and rope_scaling at the top, as the published OLMo 3 configs), and
keeps a top-level rope_theta only inside a flat rope_parameters block given as such; vLLM's own
Olmo3Config (transformers_utils/configs/olmo3.py, registered 0.11.0-0.18.x) writes a flat one,
and under transformers 4 patch_rope_parameters does (0.19.0-0.23.0). So under transformers 5
(TRANSFORMERS_5_ALLOWED_FROM: planned so from 0.19.1, required from TRANSFORMERS_5_ONLY_FROM)
olmo2.py stops with KeyError: 'rope_theta' (startup.model_config.olmo3_rope_errors), as in
EuroEval/EuroEval PR #2052 (2026-07-25: "File .../vllm/model_executor/models/olmo2.py, line
144", the 0.19.x-0.24.0 line)."""

TRANSFORMERS_4_ROPE_THETA: dict[str, float] = {
    "llama": 10000.0, "mistral": 10000.0, "mixtral": 1000000.0, "qwen2": 10000.0,
    "qwen2_moe": 10000.0, "qwen3": 10000.0, "qwen3_moe": 10000.0, "qwen3_next": 10000.0,
    "phi3": 10000.0, "phi": 10000.0, "granite": 10000.0, "granitemoe": 10000.0,
    "granitemoeshared": 10000.0, "gemma": 10000.0, "gemma2": 10000.0,
    "gemma3_text": 1000000.0, "deepseek_v2": 10000.0, "deepseek_v3": 10000.0,
    "gpt_oss": 150000.0, "llama4_text": 500000.0, "olmo2": 10000.0, "olmoe": 10000.0,
    "starcoder2": 10000.0,
}  # fmt: skip
"""NOTE: the rope_theta default of each (text) model type's transformers 4.57.1 config class
(`rope_theta=...` of its __init__, models/<type>/configuration_<type>.py), the value
patch_rope_parameters writes over a flat rope_parameters block's own under transformers 4
(TRANSFORMERS_5_ONLY_FROM); types whose class has none (qwen3_5: vLLM's own Qwen3_5Config) are
left alone."""

NESTED_HF_OVERRIDES_FROM: Version = (0, 11, 1)
"""NOTE: config/model.py ModelConfig.__post_init__: from the 0.11.1 wheel (0.11.1, 0.12.0, 0.19.1,
0.25.0, 0.29.0, 0.30.0 and 0.34.0 read) a dict-valued --hf-overrides key is applied after loading
by _apply_dict_overrides, which updates a sub-config such as text_config key by key
(_update_nested: a dict value merged into the dict it names). The 0.9.1, 0.9.2, 0.10.0,
0.10.1, 0.10.2 and 0.11.0 wheels pass every key to config.update() (PretrainedConfig.update:
setattr), which sets text_config to the JSON object itself; get_hf_text_config
(transformers_utils/config.py) then stops on `assert hasattr(text_config,
"num_attention_heads")`."""

YARN_WINDOW_UNSCALED_FROM: Version = (0, 30, 0)
"""NOTE: config/model.py _get_and_verify_max_len: up to the 0.29.0 wheel a yarn block sets the
derived length to original_max_position_embeddings x factor; from the 0.30.0 wheel (to 0.34.0)
"yarn", "deepseek_yarn" and "deepseek_llama_scaling" join su / longrope / llama3 as types whose
factor is not applied ("YaRN variants leave max_position_embeddings already scaled"), so the
derived length is max_position_embeddings. Before 0.30.0 deepseek_yarn and
deepseek_llama_scaling multiply max_position_embeddings by their factor like linear."""

MROPE_CACHE_FACTOR = 4
"""NOTE: model_executor/layers/rotary_embedding MRotaryEmbedding.__init__ builds its cos/sin
cache over `cache_max_position_num = max_position_embeddings * 4` positions ("In Qwen2.5-VL, the
maximum index value is related to the duration of the input video. We enlarge
max_position_embeddings to 4 times to get a larger the cos and sin cache"): rotary_embedding.py
in the 0.9.1, 0.9.2 and 0.10.0 wheels, rotary_embedding/mrope.py in every wheel 0.10.1-0.31.0
(each read), and from 0.32.0 the default of its `positions_factor` argument (mrope.py:351 of
0.32.0, :350 of 0.34.0). MRotaryEmbeddingInterleaved (mrope_interleaved.py, the openpangu rope
type, 0.16.0-0.34.0) sets cache_max_position_num to max_position_embeddings but then calls
MRotaryEmbedding.__init__ with it, which multiplies it by 4 again (and passes no
positions_factor); BailingMRotaryEmbedding (bailing_mrope.py, 0.30.0-0.34.0) likewise. Each is
a cache of [rows, rotary_dim] (cos and sin rotary_dim / 2 each, RotaryEmbeddingBase
`cache.to(dtype)`: the model dtype), built once per get_rope key."""

MROPE_ROPE_TYPES = frozenset(("default", "yarn", "openpangu", "bailing_mrope"))
"""NOTE: the rope types whose block, holding mrope_section, get_rope
(model_executor/layers/rotary_embedding/__init__.py; rotary_embedding.py before 0.10.1) builds
as an M-RoPE class: "default" (MRotaryEmbedding, 0.9.1-0.34.0 wheels), "yarn" (MRotaryEmbedding
with the YaRN scaling_factor from MROPE_YARN_FROM, whose cache is YaRN's
`arange(max_position_embeddings * scaling_factor)` over the enlarged max_position_embeddings:
original_max_position_embeddings x 4 x factor rows), "openpangu" with mrope_interleaved
(MRotaryEmbeddingInterleaved, 0.16.0 on) and "bailing_mrope" (0.30.0 on). Any other type
(linear, llama3, dynamic, ...) ignores mrope_section and builds its own class. Read in every
wheel 0.9.1-0.34.0."""

MROPE_YARN_FROM: Version = (0, 11, 0)
"""NOTE: get_rope's "yarn" branch builds MRotaryEmbedding (scaling_factor=factor, over
original_max_position_embeddings) for a block with mrope_section from the 0.11.0 wheel
(rotary_embedding/__init__.py, to 0.34.0); the 0.9.1-0.10.2 wheels build YaRNScalingRotaryEmbedding
whatever the block holds: original x factor rows, not enlarged."""

MROPE_POSITIONS_FACTOR_FROM: Version = (0, 32, 0)
"""NOTE: from the 0.32.0 wheel (0.32.0, 0.33.0 and 0.34.0 read) get_rope takes
`mrope_positions_factor: int = 4` (also in its _ROPE_DICT key) and MRotaryEmbedding sizes its
cache at `max_position_embeddings * positions_factor`. Only MROPE_UNENLARGED_TYPES' decoder
layers pass another: qwen3_vl.py mrope_positions_factor(vllm_config) is 4 where the target's
multimodal config prunes video (--video-pruning-rate > 0: MultiModalConfig.
is_multimodal_pruning_enabled, "Video pruning keeps the positions of the tokens it drops"), else
1 (video_pruning.video_pruned says which).
Every other M-RoPE model (Qwen2-VL, Qwen2.5-VL, GLM-4.xV, Keye, Qwen3-Omni's thinker, ...) keeps
get_rope's default 4."""

MROPE_UNENLARGED_TYPES = frozenset((
    "qwen3_vl", "qwen3_vl_moe", "qwen3_5", "qwen3_5_moe", "qwen3_5_text", "qwen3_5_moe_text"))
"""NOTE: model types whose decoder layer passes qwen3_vl.py mrope_positions_factor(vllm_config)
to get_rope (0.32.0, 0.33.0 and 0.34.0 wheels): Qwen3VLDecoderLayer (qwen3_vl.py),
Qwen3VLMoeDecoderLayer (qwen3_vl_moe.py) and Qwen3_5DecoderLayer (qwen3_5.py: the
Qwen3_5 / Qwen3_5Moe ForConditionalGeneration and ForCausalLM classes, and qwen3_5_mtp.py's
draft layer)."""


def mrope_cache_factor(mrope: bool, rope_type: str | None, model_type: str,
                       version: Version, video_pruned: bool = False) -> int:
    """Rows per position of the rotary cos/sin cache vLLM `version` builds for a model whose
    rope block has mrope_section (`mrope`) and rope type `rope_type` (None: default):
    MROPE_CACHE_FACTOR where get_rope builds an M-RoPE class (MROPE_ROPE_TYPES; yarn from
    MROPE_YARN_FROM), 1 for MROPE_UNENLARGED_TYPES from MROPE_POSITIONS_FACTOR_FROM unless
    `video_pruned` (--video-pruning-rate above 0: video_pruning.video_pruned), and 1 where no
    M-RoPE is built."""
    kind = rope_type or "default"
    if not mrope or kind not in MROPE_ROPE_TYPES or (kind == "yarn" and version < MROPE_YARN_FROM):
        return 1
    if (version >= MROPE_POSITIONS_FACTOR_FROM and model_type in MROPE_UNENLARGED_TYPES
            and kind in ("default", "yarn") and not video_pruned):
        return 1
    return MROPE_CACHE_FACTOR


CLAMP_OUTPUT_FROM: Version = (0, 32, 0)
"""NOTE: a request whose prompt + max_tokens exceeds max_model_len. The 0.9.1-0.17.0 wheels'
OpenAIServing._validate_input (entrypoints/openai/serving_engine.py; engine/serving.py from
0.15) reject it with HTTP 400 ("However, you requested P + N tokens" to 0.10.0, then
"'max_tokens' or 'max_completion_tokens' is too large"), the 0.18.0-0.31.0 wheels'
TokenizeParams._token_len_check (renderers/params.py: max_input_tokens = max_total_tokens -
max_output_tokens) likewise ("However, you requested N output tokens ...").
From the 0.32.0 wheel max_input_tokens is max_model_len itself ("Downstream clamping of the
sampling max_tokens is handled by get_max_tokens()"), and get_max_tokens
(entrypoints/serve/utils/api_utils.py) generates min(max_tokens, max_model_len - prompt);
max_tokens > max_model_len is still rejected (TokenizeParams.__post_init__), and a prompt of
max_model_len or more on every release (clamped to 0 tokens: "max_tokens must be at least
1", sampling_params.py). Read in the 0.9.1, 0.12.0, 0.17.0, 0.18.0, 0.31.0, 0.32.0, 0.33.0
and 0.34.0 wheels."""

BLACKWELL_GRAPHS_1024_FROM: Version = (0, 28, 0)
"""NOTE: config/vllm.py _set_cudagraph_sizes: the largest default CUDA graph capture size is
min(2 x max_num_seqs, 512) up to the 0.27.0 wheel; from the 0.28.0 wheel on Blackwell
(is_device_capability_family(100)) gets 1024 instead of 512."""

EXTENSIBLE_KV_CACHE_FROM: Version = (0, 34, 0)
"""NOTE: the 0.34.0 wheel adds CacheConfig.enable_extensible_kv_cache (config/cache.py,
--enable-extensible-kv-cache), which VllmConfig._resolve_extensible_kv_cache (config/vllm.py)
turns on where unset on CUDA and ROCm unless --kv-cache-memory-bytes or
--num-gpu-blocks-override is given (or a KV connector rules it out). With it on: the
unset --gpu-memory-utilization is 1.0 (CacheConfig.resolved_gpu_memory_utilization; 0.92
with it off), v1/worker/utils.py request_memory skips its "Free memory on device ... is less
than desired GPU memory utilization" check, v1/worker/gpu/model_runner.py
profile_cudagraph_memory returns 0, and the KV cache is sized after warmup and CUDA graph
capture from the memory then free (v1/worker/extensible_kv_cache.py measure_kv_cache_bytes:
min(requested - memory used since start-up, free + committed - max(1 GiB (3 on ROCm),
0.75 x the measured transient peak)) less that peak; v1/core/kv_cache_planning.py
finalize_extensible_kv_cache), which depends on the CUDA context and other processes'
memory and on warmup peaks that no source sizes. With it off, gpu_worker.py
determine_available_memory sizes the pool from the profile run as the 0.33.0 wheel does
(requested - non_kv_cache_memory - the CUDA graph estimate), the sizing Headroom plans, so
a 0.34 launch command passes --no-enable-extensible-kv-cache (launch.engine_flags; not with
--kv-cache-memory-bytes, which turns it off). The 0.33.0 wheel has no such option."""

KV_SHORTFALL_HINT_FROM: Version = (0, 34, 0)
"""NOTE: v1/core/kv_cache_planning.py _check_enough_kv_cache_memory ends its "To serve at least
one request with the model's max seq len ..." refusal with "Try increasing
`gpu_memory_utilization` (which also controls CPU memory on the CPU backend) or decreasing
`max_model_len` when initializing the engine." in the 0.33.0 wheel, and with
_more_kv_cache_memory_hint's "Try increasing `gpu_memory_utilization` when initializing the
engine (this flag also controls CPU memory reservation on the CPU backend, despite its name).
Decreasing `max_model_len` also reduces what is needed." in the 0.34.0 wheel without the
extensible KV cache (EXTENSIBLE_KV_CACHE_FROM; its own hint otherwise). The plan quotes
either without the parenthesis."""

KV_CHECK_IN_BLOCKS_FROM: Version = (0, 14, 0)
"""NOTE: v1/core/kv_cache_utils.py get_kv_cache_configs checks one max_model_len request
against the pool with check_enough_kv_cache_memory, the layers' max_memory_usage_bytes summed,
in the 0.12.0 and 0.13.0 wheels, and with _check_enough_kv_cache_memory of
_max_memory_usage_bytes_from_groups, whole blocks (group size x page x the blocks a request
needs), from the 0.14.0 wheel (0.14.0-0.34.0; kv_cache_planning.py from 0.33): a hybrid
model's request whose bytes fit but whose blocks do not is refused from 0.14.0 only. The
0.14.0-0.18.0 wheels count the first group's blocks only (0.27.1 sums every group's) and
0.14.0-0.16.0 check the whole model's groups against the smallest worker's memory; the plan
words the miss with its own blocks (plan.verdict._short_of_blocks)."""

KV_CHECK_NULL_BLOCK_FROM: Version = (0, 29, 0)
"""NOTE: v1/core/kv_cache_utils.py get_kv_cache_configs compares that need with the worker's
available memory in the 0.14.0-0.28.0 wheels, and with it less one block from the 0.29.0
wheel ("Reserve the null block BlockPool permanently holds back", 0.29.0-0.34.0): the
"available KV cache memory" its refusal prints."""

KV_CHECK_GIB_AS_ROUNDED_FROM: Version = (0, 14, 0)
"""NOTE: vLLM's refusal of a KV cache short of one max_model_len request writes its two
figures ("(X GiB KV cache is needed, which is larger than the available KV cache memory (Y
GiB)") as f"{b / GiB_bytes:.2f}" in the 0.9.0-0.13.0 wheels ("4.50"; v1/core/kv_cache_utils.py
check_enough_kv_cache_memory), and as vllm.utils.mem_utils.format_gib's
f"{round(b / GiB_bytes, 2)}" from the 0.14.0 wheel (0.14.0-0.34.0: kv_cache_utils.py
_check_enough_kv_cache_memory, kv_cache_planning.py from 0.33.0): the rounded float's shortest
text ("4.5", "5.0"). Both round to two decimals (neither truncates), in GiB of 2^30 B
(GiB_bytes = 1 << 30: vllm/utils.py 0.9.x, utils/__init__.py 0.10.0-0.11.0,
utils/mem_constants.py from 0.12.0), without a thousands separator: the quoted figure's digits
are vLLM's wherever the planned bytes are."""

FREE_MEMORY_CHECK_ON_DEVICE_FROM: Version = (0, 14, 0)
"""NOTE: vLLM refuses a GPU whose free memory at start-up is below total x
gpu_memory_utilization with "Free memory on device (F/T GiB) on startup is less than desired
GPU memory utilization (U, R GiB). Decrease GPU memory utilization or reduce GPU memory used by
other processes." in the 0.9.1-0.13.0 wheels (v1/worker/gpu_worker.py Worker.init_device: R
from the float total x U, each figure `GiB = lambda b: round(b / GiB_bytes, 2)`), and from the
0.14.0 wheel with the device named, "Free memory on device cuda:N (F/T GiB) ..." (0.14.0-0.34.0:
v1/worker/utils.py request_memory, f"... {init_snapshot.device_} ...", the MemorySnapshot of
the worker's torch.device: cuda:<local rank> in gpu_worker.py 0.14.0, cuda:<visible device
index> 0.34.0; R = math.ceil(total x U); each figure
mem_utils.format_gib, the same round(b / GiB_bytes, 2) as text: "110.0/121.69 GiB")."""

MAX_SEQ_LEN_REFUSAL_SPELT_MODEL_S_FROM: Version = (0, 22, 0)
"""NOTE: vLLM's KV cache refusal opens "To serve at least one request with the models's max seq
len (N), ..." in the 0.9.1-0.20.2 wheels (v1/core/kv_cache_utils.py
check_enough_kv_cache_memory / _check_enough_kv_cache_memory; read in 0.9.1, 0.10.2, 0.13.0,
0.14.0, 0.19.0, 0.20.0 and 0.20.2) and "... with the model's max seq len (N), ..." in the
0.22.0-0.34.0 wheels (kv_cache_utils.py, kv_cache_planning.py from 0.33.0). No 0.21.0 wheel
was read (pip's index here has none): taken as 0.20's."""

FULL_SEQUENCE_ADMISSION_FROM: Version = (0, 19, 0)
"""NOTE: config/scheduler.py SchedulerConfig.scheduler_reserve_full_isl (default True) is in
the 0.19.0 and 0.28.0 wheels and not in the 0.18.0 one: v1/core/sched/scheduler.py then admits
a waiting (or preempted) request only where all its tokens fit the free blocks
(KVCacheManager.can_fit_full_sequence in 0.19.0; allocate_slots' full_sequence_must_fit in
0.28.0, min(request.num_tokens, max_model_len)), and the waiting loop `break`s on a request
it cannot admit, first come first served. Before it (0.11.0 wheel) only the tokens scheduled
now must fit, prefix-cache hits still in the free queue counted among them
(single_type_kv_cache_manager.py get_num_blocks_to_allocate: num_evictable_computed_blocks);
plan.verdict._unusable_last_block words what this does to a request the pool can never hold."""

BLOCK_64_DEFAULT_FROM: Version = (0, 34, 0)
"""NOTE: config/cache.py CacheConfig.DEFAULT_BLOCK_SIZE is 16 in the 0.9.1-0.33.0 wheels and
64 in the 0.34.0 wheel; CacheConfig._apply_block_size_default sets it where --block-size is
not given, and platforms/interface.py update_block_size_for_backend (0.34.0, as 0.33.0) passes
it to _preferred_block_size_for_backends: one backend's get_preferred_block_size
(v1/attention/backend.py) keeps it where the backend supports it, else takes its smallest
kernel block; several backends keep it where all support it. Every CUDA attention backend
Headroom plans takes 64: FLASH_ATTN and TRITON_ATTN MultipleOf(16) (FLASH_ATTN's SM90 fp8
head-512 layers [64]), FLASH_ATTN_MLA and TRITON_MLA MultipleOf(16), FLASHINFER_MLA [32, 64],
FLASHMLA [64] (v1/attention/backends/*.py get_supported_kernel_block_sizes, 0.34.0 the same
as 0.33.0); CUTLASS_MLA keeps [128] (planner.serving.mla_block). On ROCm, ROCM_ATTN (first for
a plain decoder on gfx9) prefers 16 whatever the default, new in the 0.34.0 wheel
(rocm_attn.py get_preferred_block_size; mla_block.rocm_attn_default)."""

HYBRID_ALIGN_TO_BLOCK_FROM: Version = (0, 20, 0)
"""NOTE: platforms/interface.py Platform._align_hybrid_block_size (a hybrid attention + Mamba /
GDN model) takes kernel_block_alignment_size = max(the first attention backend's smallest
kernel block, cache_config.block_size) from the 0.20.0 wheel (0.20.0, 0.21.0, 0.22.0, 0.26.0,
0.30.0, 0.33.0 and 0.34.0 read): the attention block is that multiple x cdiv(mamba page,
multiple x attention bytes per token), so a block size above the kernel's (--block-size 64,
or 0.34's default: BLOCK_64_DEFAULT_FROM) rounds the state-sized block up by whole blocks.
The 0.19.0 and 0.19.1 wheels (model_executor/models/config.py
HybridAttentionMambaModelConfig) align to a fixed 16 (engine.kv_layout._attention_block). In
mamba_cache_mode "align" the multiple is also lcm'd with the layers' prefill checkpoint
alignment from 0.33 (GDN_CHECKPOINT_FROM)."""

GDN_CHECKPOINT_FROM: Version = (0, 33, 0)
"""NOTE: Gated DeltaNet layers on FlashInfer's GDN prefill kernel (gdn_flashinfer_prefill) in
mamba_cache_mode "align" (prefix caching on a hybrid: MAMBA_ALIGN_FROM) export prefill
checkpoints: mamba/gdn/qwen_gdn_linear_attn.py QwenGatedDeltaNetAttention sets
_checkpoint_alignment = FLASHINFER_GDN_CHECKPOINT_ALIGNMENT (v1/attention/backends/
gdn_attn.py: 64), which platforms/interface.py Platform._align_hybrid_block_size lcm's into
kernel_block_alignment_size (get_mamba_prefill_checkpoint_alignment: the lcm of every Mamba
layer's, None where one has none), so the attention block is a multiple of 64 (Qwen3-Next at
16-token blocks: 64 x cdiv(1,097,728, 131,072) = 576 tokens, not 544); and its
get_kv_cache_spec gives the MambaSpec num_prefill_checkpoint_blocks=1, a third state page a
request holds (v1/kv_cache_interface.py MambaSpec.max_memory_usage_bytes: 2 +
num_speculative_blocks + num_prefill_checkpoint_blocks in "align"). In the 0.33.0 and 0.34.0
wheels; absent from 0.32.0 (no _checkpoint_alignment, no platform lcm)."""

FLASHINFER_GDN_CHECKPOINT_TOKENS = 64
"""v1/attention/backends/gdn_attn.py FLASHINFER_GDN_CHECKPOINT_ALIGNMENT (0.33.0 and 0.34.0
wheels): the token multiple of FlashInfer's GDN prefill checkpoints (GDN_CHECKPOINT_FROM)."""

MAMBA2_CHECKPOINT_BLOCK_FROM: Version = (0, 32, 0)
"""NOTE: layers/mamba/mamba_mixer2.py MambaMixer2.get_kv_cache_spec gives every Mamba2 layer
(Nemotron-H) num_prefill_checkpoint_blocks=1 ("the block-boundary state can be exported from
inside one forward pass"), so in mamba_cache_mode "align" a request holds 3 state pages
(MambaSpec.max_memory_usage_bytes), 1 more than GDN_CHECKPOINT_FROM's rule gives GDN off
FlashInfer: in the 0.32.0-0.34.0 wheels, absent from 0.31.0. Its
get_prefill_checkpoint_alignment is the base class's None (mamba/abstract.py), so the block
multiple is not changed."""



def gdn_flashinfer_prefill(version: Version, compute_capability: str, key_head_dim: int) -> bool:
    """Whether vLLM `version` runs Gated DeltaNet prefill on FlashInfer's kernel on this GPU,
    which exports align-mode checkpoints from GDN_CHECKPOINT_FROM (no --additional-config
    gdn_prefill_backend: "auto").

    NOTE: qwen_gdn_linear_attn.py _resolve_gdn_prefill_backend (0.33.0, 0.34.0 wheels), CUDA
    only (ROCm: Triton, FlyDSL or HIP): compute capability 9.0 (is_device_capability(90)), or
    the 10.x and 12.x families with head_k_dim (linear_key_head_dim) 128 and
    get_cuda_runtime_major() >= 13, which the PyPI wheels are built for (METADATA Requires-Dist
    nvidia-cutlass-dsl[cu13], humming-kernels[cu13]). The 0.34.0 wheel's 11.x branch sets
    supports_cutedsl only (the in-tree CuteDSL kernel, opt-in: gdn_prefill_backend "cutedsl"),
    so "auto" runs Triton/FLA there, and only the "flashinfer" backend sets
    _checkpoint_alignment (QwenGatedDeltaNetAttention.__init__)."""
    capability = parse_capability(compute_capability)
    if version < GDN_CHECKPOINT_FROM or capability is None:
        return False
    return capability == (9, 0) or (capability[0] in (10, 12) and key_head_dim == 128)

SM100_GRAPH_GRIDS_FROM: Version = (0, 34, 0)
"""NOTE: the 0.34.0 wheel splits the CUDA graph capture sizes into prefill token counts
(PIECEWISE graphs) and decode request counts (FULL graphs): config/vllm.py
VllmConfig._split_cudagraph_capture_sizes, read by v1/worker/gpu/cudagraph_utils.py
CudaGraphManager._init_candidates. On SM100 (current_platform.is_device_capability_family(100):
compute capability 10.x), with no capture sizes given, "unset kinds default to wider grids":
prefill sizes config/compilation.py prefill_cudagraph_capture_grid(min(8192,
max_num_batched_tokens)), decode sizes decode_cudagraph_capture_grid(max_num_seqs),
max_decode_cudagraph_capture_tokens 8192 (engine.cuda_graphs._sm100_graph_count). Elsewhere both
come from the shared sizes of _set_cudagraph_sizes, which capture as 0.33.0's V2 manager did (a
PIECEWISE graph per size, a FULL one per size up to max_num_seqs). The 0.33.0 wheel captures the
shared sizes on every GPU (1024 the largest on SM100: BLACKWELL_GRAPHS_1024_FROM)."""

SM90_FA4_FP8_HD512_FROM: Version = (0, 31, 0)
"""NOTE: v1/attention/backends/flash_attn.py _get_sm90_fa4_fp8_kv_block_size: 64-token blocks
for head-size-512 layers with an fp8 KV cache on Hopper, absent from the 0.30.0 wheel,
present from the 0.31.0 wheel on."""

UNKNOWN_QUANT_READ_FROM: Version = (0, 16, 0)
"""NOTE: config/model.py (config.py up to 0.10) ModelConfig._verify_quantization lets each
quantization config's override_quantization_method claim the checkpoint (the listed overrides
last, in their order), then raises ValueError("Unknown quantization method: X. Must be one of
[...]") for a quant_method outside the release's QUANTIZATION_METHODS (the fixtures'
--quantization choices); the same steps in every wheel 0.9.1-0.34.0. Which overrides can claim
an unlisted quant_method without a --quantization of the user's, read in each wheel 0.9.1-0.34.0
(every override_quantization_method body compared): from 0.16.0 on CUDA only by the quant_method
itself: gptq / awq (gptq_marlin, awq_marlin, auto_gptq from 0.22, auto_awq from 0.24,
moe_wna16 only on the user's moe_wna16), "auto-round" (inc), mxfp4 / gpt_oss_mxfp4 (gpt-oss,
0.20+), exactly "modelopt" up to 0.21.0 and one starting with "modelopt" from 0.22.0
(MODELOPT_PREFIX_FROM); humming and gguf only on the user's own; cpu_awq / ipex on CPU / XPU
only. Before 0.16.0 other keys claim it too: checkpoint_format "marlin" or is_marlin_format
(marlin.py, 0.9.1-0.10.1), "bitblas" or is_bitblas_format (bitblas.py) and "marlin_24"
(gptq_marlin_24.py, both to 0.15.1), which Headroom does not keep: not refused there. So from
0.16 such a checkpoint stops the start-up: bitsandbytes from 0.28 (the 0.28.0 wheel drops
quantization/bitsandbytes.py and the method; 0.27.0 has both), fp_quant from 0.34, AutoRound's
older spellings (INC_UNKNOWN_NAMES: no release lists them, INCConfig claims only "auto-round"),
or a quant_method Headroom reads no format from; on AMD GPUs the last only from
UNKNOWN_QUANT_ROCM_FROM (quant_method.unknown_quant_errors)."""

W4AFP8_FROM: Version = (0, 34, 0)
"""The first release that loads quant_method "w4afp8" (quantization/w4afp8.py W4AFP8Config).

NOTE: the 0.34.0 wheel's quantization/__init__.py lists "w4afp8" in QuantizationMethods and
maps it to W4AFP8Config in get_quantization_config; the 0.33.0 wheel has neither the file nor
the name, and no override claims it (config/model.py _verify_quantization's list: the gptq /
awq / inc / modelopt / mxfp4 ones), so 0.33.0 and earlier stop at "Unknown quantization method:
w4afp8" (UNKNOWN_QUANT_READ_FROM; quant_method.unknown_quant_errors). The other rules it brings are
0.34.0's: the method is not in platforms/rocm.py supported_quantization
(ROCM_QUANTIZATION_UNLISTED), get_min_capability 75 and get_supported_act_dtypes [bfloat16,
half] (Fp8Config's, inherited), and CompressedTensorsW4A8Fp8MoEMethod's asserts
(w4afp8.w4afp8_errors, w4afp8_shape_refusal)."""

FP8_BLOCK_MERGED_LAST_FREE_FROM: Version = (0, 10, 0)
FP8_BLOCK_MERGED_EXEMPT_FROM: Version = (0, 14, 0)
"""NOTE: block-FP8 linears (Fp8Config weight_block_size [block_n, block_k]) are checked as
Fp8LinearMethod.create_weights builds each one (quantization/fp8.py inline in the 0.9.1-0.10.2
wheels, utils/fp8_utils.py validate_fp8_block_shape from 0.11.0; every wheel 0.9.1-0.34.0
read): at TP > 1 a layer whose input TP splits (RowParallelLinear: input_size //
input_size_per_partition == tp) raises "Weight input_size_per_partition = K is not divisible by
weight quantization block_k = B." where K % block_k; a layer whose output TP splits, or one
that merges several outputs (QKVParallelLinear, MergedColumnParallelLinear), raises "Weight
output_partition_size = N is not divisible by weight quantization block_n = B." for each
output shard N % block_n. From 0.10.0 (0.9.1 and 0.9.2 check every part) a merged layer TP
does not split (TP=1, or MLA's replicated fused_qkv_a_proj, which deepseek_v2.py builds from
0.10.0: q_a_proj and kv_a_proj_with_mqa before) checks all its parts but the last. From 0.14.0
(0.13.0 has neither) ColumnParallelLinear._maybe_allow_fp8_block_shape_mismatch (layers/
linear.py, called in ColumnParallelLinear.__init__ only) sets allow_fp8_block_shape_mismatch on
a merged layer with any part not a multiple of block_n, and validate_fp8_block_shape skips
such a layer: from then only RowParallelLinear and single-output ColumnParallelLinear layers
are refused (0.14.0-0.34.0 read). E.g. Qwen3-32B-FP8 at TP=16: down_proj 25600 / 16 = 1600,
1600 % 128 = 64 on every release; before 0.14.0 gate_up_proj's 1600 outputs first
(fp8_block.fp8_block_refusal)."""

GDN_BA_PAIR_FROM: Version = (0, 17, 0)
GDN_BA_ONE_SHARD_FROM: Version = (0, 18, 0)
"""NOTE: Gated DeltaNet's linears as vLLM builds them with a block-FP8 quant_config, checked as
FP8_BLOCK_MERGED_EXEMPT_FROM's NOTE says. conv1d is a ColumnParallelLinear built without the
quant_config in every wheel 0.10.2-0.34.0 (16-bit); out_proj a RowParallelLinear(value_dim,
hidden) with it in every wheel. In the 0.10.2 wheel qwen3_next.py Qwen3NextGatedDeltaNet builds
one MergedColumnParallelLinear in_proj ([qkvz, 2 x num_v_heads], packed_modules_mapping "in_proj":
["in_proj_qkvz", "in_proj_ba"]): where the checkpoint's ignored list names one of the two,
Fp8Config.get_quant_method's quant_utils.is_layer_skipped raises "Detected some but not all
shards of model.layers.0.linear_attn.in_proj are quantized. All shards of fused layers to have
the same precision." at every TP (vLLM issue #25378, Qwen3-Next-80B-A3B-Instruct-FP8: its
traceback's qwen3_next.py line 256 and linear.py lines 588 / 427 are the 0.10.2 wheel's in_proj
and LinearBase.__init__); Headroom plans no Gated DeltaNet model on 0.10.2 (v1_oracle: its state
layout is not read; 0.11 or later advised), so it is not checked here. From 0.11.0 to 0.16.0
(0.11.0, 0.11.1, 0.12.0-0.16.0 wheels) in_proj_qkvz (2 x key_dim + 2 x value_dim) and in_proj_ba
(2 x num_v_heads) are one-output ColumnParallelLinear layers, in_proj_ba under the comment "ba_proj
doesn't support blockwise fp8 quantization." From 0.17.0 both are MergedColumnParallelLinear
(create_qkvz_proj / create_ba_proj): Qwen3.5 (qwen3_5.py Qwen3_5GatedDeltaNet in 0.17.0 and
0.18.0, gqa_interleaved_layout False from 0.19.0) [key_dim, key_dim, value_dim, value_dim] and
[num_v_heads] * 2 (exempt while num_v_heads / TP is no multiple of 128: Qwen3.5-27B's 48,
Qwen3.5-35B-A3B's 32); Qwen3-Next
[2 x key_dim + 2 x value_dim] and, in the 0.17.0 wheel, in_proj_ba [num_v_heads] * 2 (two
shards: exempt from the check); from 0.18.0 [num_v_heads * 2], one shard (qwen3_next.py 0.18.0,
mamba/gdn_linear_attn.py 0.19.0-0.21.0, mamba/gdn/qwen_gdn_linear_attn.py 0.22.0-0.34.0, the
same output_sizes in each). create_ba_proj's disable_tp is for AWQ / GPTQ / INC only
(GDN_BA_WHOLE_FROM). E.g. a Qwen3-Next checkpoint with in_proj_ba in FP8 blocks at TP=2: 64 / 2
= 32 outputs, 32 % 128 = 32: refused from 0.11.0 except on 0.17.0 (fp8_block._gdn_linears)."""

FP8_MOE_BLOCK_REFINED_FROM: Version = (0, 29, 0)
FP8_MOE_BLOCK_PADDED_FROM: Version = (0, 31, 0)
"""NOTE: block-FP8 routed experts: Fp8MoEMethod.create_weights (quantization/fp8.py; from
0.30.0 utils/fp8_utils.py validate_fp8_block_shape_moe) raises "The output_size of gate's and
up's weight = W is not divisible by weight quantization block_n = B." where the expert width
per rank W (FusedMoE intermediate_size_per_partition = intermediate_size // the MoE TP size:
layout.ParallelLayout.expert_tp) is not a multiple of block_n, then "The input_size of down's
weight = W is not divisible by weight quantization block_k = B." at TP > 1 (the attention TP)
where W % block_k: every wheel 0.9.1-0.28.0 read. From 0.29.0 (0.28.0 has none of it)
fused_moe/oracle/fp8.py refine_fp8_moe_block_shape refines the block scales to
[g, g], g = gcd(block_n, block_k, W, the experts' hidden size), where g >= 32, and skips the
check (Fp8MoEMethod.__init__ sets weight_scale_refine; the refined weight key is only taken by
Triton kernels). From 0.31.0 (0.29.0, 0.30.0 have no pad) resolve_fp8_moe_weight_block_shape
also pads the shard to whole blocks (pad_tp_shard_to_weight_blocks) where --moe-backend is
not "auto" and the refined shape is not taken: block_n == block_k, MoE TP > 1, the whole
intermediate and hidden sizes multiples of the block, no EP and no expert bias (else "Block-
aligned FP8 TP sharding requires ..."); 0.31.0-0.34.0 read. With --enable-expert-parallel each
expert is whole (W = intermediate_size). E.g. Qwen3-235B-A22B-FP8 (moe_intermediate_size
1536, hidden 4096) at TP=8: 1536 / 8 = 192, 192 % 128 = 64: refused on 0.9.1-0.28.0; 0.29.0
refines to gcd(128, 128, 192, 4096) = 64 (fp8_block.fp8_block_refusal)."""

UNKNOWN_QUANT_ROCM_FROM: Version = (0, 20, 0)
"""NOTE: petit.py PetitNvFp4Config.override_quantization_method (0.10.2-0.19.1 wheels; the file
is gone from 0.20.0) claims a checkpoint on ROCm whose quant_algo (under "quantization" where
the config has it) or quant_method, upper-cased, is NVFP4, MODELOPT_FP4 or MODELOPT, whatever
its quant_method: a config key Headroom does not keep for a method it reads no format from, so
such a checkpoint is refused on AMD GPUs from 0.20.0 only (UNKNOWN_QUANT_READ_FROM)."""

MODELOPT_PREFIX_FROM: Version = (0, 22, 0)
"""NOTE: modelopt.py _extract_modelopt_quant_algo, which every ModelOpt override calls, reads a
config whose quant_method, lower-cased, starts with "modelopt" from the 0.22.0 wheel (each of
0.22.0-0.34.0); up to 0.21.0 (0.17.0-0.21.0; 0.16.0's overrides inline it) only one that is exactly
"modelopt", so an unlisted "modelopt_..." method is claimed by no override there
(UNKNOWN_QUANT_READ_FROM)."""

DEPRECATED_QUANTIZATION: dict[str, tuple[Version, Version | None]] = {
    "fbgemm_fp8": ((0, 14, 0), None),
    "fp_quant": ((0, 14, 0), (0, 34, 0)),
    "experts_int8": ((0, 14, 0), (0, 20, 0)),
    "petit_nvfp4": ((0, 14, 0), (0, 20, 0)),
    "ptpc_fp8": ((0, 14, 0), (0, 19, 0)),
    "tpu_int8": ((0, 14, 0), (0, 23, 0)),
    **dict.fromkeys(("bitblas", "gptq_marlin_24", "gptq_bitblas", "ipex"),
                    ((0, 14, 0), (0, 16, 0))),
    **dict.fromkeys(("deepspeedfp", "hqq", "auto-round", "rtn"), ((0, 14, 0), (0, 15, 0))),
}
"""NOTE: config/model.py ModelConfig._verify_quantization raises ValueError("The quantization
method %s is deprecated and will be removed in future versions of vLLM. To bypass, set
`--allow-deprecated-quantization`.") for the method it resolved (the checkpoint's quant_method
after the overrides) when it is in model_executor/layers/quantization/__init__.py
DEPRECATED_QUANTIZATION_METHODS, unless --allow-deprecated-quantization is given. Each method's
releases, first up to (not including) second, from that list in every wheel 0.14.0-0.34.0 read
(0.14.0, 0.15.1, 0.16.0-0.19.1, 0.20.0-0.34.0): fbgemm_fp8 in all of them; fp_quant to 0.33.0
(0.34.0 drops the method, refused as unknown: quant_method.unknown_quant_errors); experts_int8 and
petit_nvfp4 to 0.19.1, ptpc_fp8 to 0.18.1, tpu_int8 to 0.22.0; bitblas, gptq_marlin_24,
gptq_bitblas and ipex in 0.14.0 and 0.15.1 (gone from the 0.16.0 fixture's --quantization
choices); deepspeedfp, hqq, auto-round and rtn in 0.14.0 only (gone from the 0.15.0 fixture's).
Neither the list nor the flag is in the 0.11.0 or 0.13.0 wheels."""


INC_OVERRIDE_FROM: Version = (0, 15, 0)
"""The first release whose INCConfig.override_quantization_method turns quant_method
"auto-round" into "inc" whatever --quantization says (autoround.inc_overrides_quantization).
NOTE: the 0.15.1 wheel's quantization/inc.py has it and lists "inc" in config/model.py
_verify_quantization's overrides (each wheel 0.15.1-0.34.0 read the same); the 0.14.0 wheel has
neither: "auto-round" is quantization/auto_round.py AutoRoundConfig's own name, with no
override, so --quantization fp8 on it is the mismatch ValueError. The 0.15.0 wheel is not read;
its --quantization choices (vllm_cli fixture) no longer list auto-round, as 0.15.1's do not."""


FP8_AT_LOAD_ON_META_FROM: Version = (0, 16, 0)
"""The first release that allocates no whole 16-bit model on the GPU while it makes fp8 at load
(`--quantization fp8` on a 16-bit checkpoint; planner.serving.plan.load_peak.load_peak_errors).
NOTE: in the 0.9.1, 0.11.0, 0.12.0, 0.13.0, 0.14.0, 0.15.0 and 0.15.1 wheels
model_executor/layers/quantization/fp8.py creates every Linear's weight (Fp8LinearMethod,
0.15: Fp8OnlineLinearMethod) and every MoE layer's w13_weight and w2_weight (Fp8MoEMethod,
0.13-0.15: Fp8OnlineMoEMethod) with `torch.empty(..., dtype=params_dtype)` where the checkpoint
is not fp8-serialized, and model_loader/base_loader.py builds the model under `with
target_device:` (the GPU): the whole 16-bit model is allocated before the first weight is
read. 0.9.1-0.12.0 quantize after load_weights (process_weights_after_loading,
ops.scaled_fp8_quant per layer); 0.13.0-0.15.1 quantize each layer once its last shard is
loaded (patched_weight_loader), beside the 16-bit model already allocated, whose weights the
model's load_weights keeps referenced (params_dict) until it returns: the peak is more than the
16-bit model, by fp8 copies not modelled (load_peak.load_peak_errors). The 0.16.0 wheel
creates them with `device="meta"` and materializes each layer in patched_weight_loader
(layer._load_device) just before its first shard; so do the 0.18.0, 0.20.0, 0.24.0, 0.28.0
and 0.31.0 wheels (from 0.24.0 in quantization/online/fp8.py and online/moe_base.py) and
0.34.0, whose weight_utils.get_quant_config turns `--quantization fp8` without a checkpoint
quantization config into OnlineQuantizationConfig("fp8_per_tensor") ("--quantization fp8 is
deprecated for online quantization")."""


FP8_QUANTIZED_IN_LOAD_FROM: Version = (0, 13, 0)
"""The first release that makes fp8 at load of each layer inside the model's load_weights, once
the layer's last shard is copied (patched_weight_loader), while that call still holds every
16-bit weight in its params_dict: the fp8 copies of the layers one call quantizes are held
beside the whole 16-bit model (load_peak.load_peak_errors), up to FP8_AT_LOAD_ON_META_FROM.
NOTE: read in the 0.13.0, 0.14.0 and 0.15.1 wheels (model_executor/layers/quantization/fp8.py,
utils.py replace_parameter); 0.9.1-0.12.0 quantize after load_weights
(FP8_AT_LOAD_ON_META_FROM's NOTE)."""

FP8_COPIED_NUMEL_FROM: Version = (0, 14, 0)
"""The first release whose patched_weight_loader counts the elements each load copies into the
layer (CopyNumelCounter, aten.copy_) against the layer's own numel, so that every layer is
quantized inside load_weights at any TP or EP. NOTE: the 0.14.0 and 0.15.1 wheels' fp8.py; the
0.13.0 wheel adds loaded_weight.numel(), the whole checkpoint tensor, which equals what the
layer holds only where no rank slices or splits the weights (TP 1, and for MoE no DP): elsewhere
a layer may be quantized early, late or after load_weights, not worked out."""


def deprecated_quantization(method: str | None, version: Version) -> bool:
    """Whether vLLM `version` loads a checkpoint of quant_method `method` only with
    --allow-deprecated-quantization (DEPRECATED_QUANTIZATION)."""
    releases = DEPRECATED_QUANTIZATION.get(method or "")
    return releases is not None and in_span(version, *releases)


CHECKPOINT_KV_DTYPE_FROM: Version = (0, 14, 0)
"""NOTE: utils/torch_utils.py resolve_kv_cache_dtype_string (called by EngineArgs when the
cache config is built): --kv-cache-dtype auto takes the checkpoint's kv_cache_quant_algo
(ModelOpt "FP8" -> fp8). Absent from the 0.13.0 wheel, present from 0.14.0 on."""

CT_KV_SCHEME_FROM: Version = (0, 15, 0)
"""NOTE: a compressed-tensors checkpoint's kv_cache_scheme (CompressedTensorsConfig is the only
quantization config with that attribute: 0.15.0, 0.19.0, 0.34.0 wheels) makes the Attention
layer's KV cache fp8 and sets cache_config.cache_dtype "fp8" ("llm-compressor mdls need to set
cache_dtype to "fp8" manually": attention/layer.py Attention.__init__ in the 0.15.0 wheel,
model_executor/layers/attention/attention.py from 0.16.0). Absent from the 0.14.0 wheel, where
such a checkpoint's KV cache is the model dtype under `auto` (resolve_kv_cache_dtype_string's
get_kv_cache_quant_algo_string reads ModelOpt configs only, 0.14.0-0.34.0)."""

CT_KV_SCHEME_AUTO_ONLY_FROM: Version = (0, 22, 0)
"""NOTE: up to 0.21.x the kv_cache_scheme branch (CT_KV_SCHEME_FROM) sets fp8 whatever
--kv-cache-dtype says (`if kv_cache_scheme is not None:`, 0.15.0-0.21.0 wheels); from 0.22.0
only under `auto` ("Honor it only when the user did not explicitly pick a kv_cache_dtype; an
explicit choice (e.g. bfloat16) must win": attention.py, 0.22.0, 0.33.0 and 0.34.0 wheels)."""

MAMBA_DTYPE_CHOICES: tuple[tuple[Version, tuple[str, ...]], ...] = (
    ((0, 10, 1), ("auto", "float32")),
    ((0, 13, 0), ("auto", "float32", "float16")),
    ((0, 22, 0), ("auto", "float32", "float16", "bfloat16")),
)
"""NOTE: --mamba-cache-dtype and --mamba-ssm-cache-dtype take config/cache.py's MambaDType
Literal (engine/arg_utils.py `**cache_kwargs["mamba_cache_dtype"]`, argparse choices from the
Literal): Literal["auto", "float32"] in the 0.10.1-0.12.0 wheels, + "float16" in 0.13.0-0.21.0,
+ "bfloat16" from 0.22.0 (0.22.0-0.34.0 sources); neither flag is in the 0.9.1-0.10.0 parsers
(vllm_cli fixtures). Each release's per-model configs (models/config.py
NemotronHForCausalLMConfig from 0.13.0, Qwen3_5ForConditionalGenerationConfig from 0.17.0)
replace mamba_ssm_cache_dtype only where it is "auto": a value given wins (0.13.0-0.34.0)."""


def mamba_mode_choices(version: Version) -> tuple[str, ...]:
    """What --mamba-cache-mode takes in vLLM `version` (MAMBA_MODE_CHOICES); () where its
    parser lacks the flag."""
    return next((choices for since, choices in reversed(MAMBA_MODE_CHOICES)
                 if version >= since), ())


def mamba_dtype_choices(version: Version) -> tuple[str, ...]:
    """What --mamba-cache-dtype / --mamba-ssm-cache-dtype take in vLLM `version`
    (MAMBA_DTYPE_CHOICES); () where its parser has neither flag."""
    return next((choices for since, choices in reversed(MAMBA_DTYPE_CHOICES)
                 if version >= since), ())


def mamba_flag_refusal(release: str, field: str, value: str | int | None) -> str | None:
    """vLLM `release`'s parser refusing `value` for EngineSettings' `field` (mamba_cache_dtype:
    --mamba-cache-dtype; mamba_ssm_cache_dtype: --mamba-ssm-cache-dtype; mamba_cache_mode:
    --mamba-cache-mode; mamba_block_size: --mamba-block-size, any count), in its words: the
    flag missing (before 0.10.1, 0.15.0, 0.11.1) or the value not among its choices
    (mamba_dtype_choices, mamba_mode_choices); None where it takes it, and for auto / None
    (the flag left out). The CLI's check and the app's."""
    if value in ("auto", None):
        return None
    flag = "--" + field.replace("_", "-")
    missing = unrecognized_flag(flag, vllm_cli(release))
    if missing or field == "mamba_block_size":
        return missing
    version = vllm_rules(release).version
    choices = (mamba_mode_choices(version) if field == "mamba_cache_mode"
               else mamba_dtype_choices(version))
    if value in choices:
        return None
    allowed = ", ".join(f"'{c}'" for c in choices)
    return f"vLLM {release}: argument {flag}: invalid choice: '{value}' (choose from {allowed})"


CONFIG_SSM_DTYPE_FROM: Version = (0, 17, 0)
"""NOTE: model_executor/models/config.py Qwen3_5ForConditionalGenerationConfig sets
mamba_ssm_cache_dtype from the config's mamba_ssm_dtype (float32 for Qwen3.5/3.6): absent
from the 0.16.0 wheel, present from 0.17.0 on. Before, the GDN state is in the model dtype."""

QWEN35_SSM_OVERRIDE_LOG = ("Qwen3.5 model specifies mamba_ssm_dtype='{config}' in its config, "
                           "but --mamba-ssm-cache-dtype='{given}' was passed. "
                           "Using the user-specified value.")
"""What vLLM logs (logger.warning) where --mamba-ssm-cache-dtype is given, not auto, and differs
from the text config's mamba_ssm_dtype: model_executor/models/config.py
Qwen3_5ForConditionalGenerationConfig.verify_and_update_config, the same words and test in
every release read (0.17.0-0.34.0, patch releases included); the given value wins (the config's
replaces only "auto"). No other per-model config logs on a given value (NemotronHForCausalLMConfig
logs "Updating mamba_ssm_cache_dtype" only where it is auto)."""

QWEN35_SSM_CONFIG_ARCHITECTURES: tuple[tuple[Version, frozenset[str]], ...] = (
    ((0, 17, 0), frozenset({"Qwen3_5ForConditionalGeneration",
                            "Qwen3_5MoeForConditionalGeneration"})),
    ((0, 19, 0), frozenset({"ColQwen3_5"})),
    ((0, 27, 0), frozenset({"Qwen3_5ForCausalLM", "Qwen3_5MoeForCausalLM"})),
    ((0, 29, 0), frozenset({"Qwen4ExpForCausalLM", "Qwen4ExpForConditionalGeneration",
                            "Qwen4ExpMTP"})),
)
"""NOTE: the architectures models/config.py MODELS_CONFIG_MAP sends through
Qwen3_5ForConditionalGenerationConfig.verify_and_update_config (QWEN35_SSM_OVERRIDE_LOG), from
the release each joins: the two Qwen3.5 classes from 0.17.0, ColQwen3_5 from 0.19.0 (its own
ColQwen3_5Config subclass from 0.24.0 overrides only verify_and_update_model_config),
Qwen3_5ForCausalLMConfig (calls it first) from 0.27.0, the Qwen4Exp configs (likewise) from
0.29.0 (0.17.0-0.34.0 sources)."""


def qwen35_ssm_architectures(version: Version) -> frozenset[str]:
    """The architectures whose config's mamba_ssm_dtype vLLM `version` compares a given
    --mamba-ssm-cache-dtype with (QWEN35_SSM_CONFIG_ARCHITECTURES)."""
    return _joined_by(QWEN35_SSM_CONFIG_ARCHITECTURES, version)


def _joined_by(table: tuple[tuple[Version, frozenset[str]], ...], version: Version
               ) -> frozenset[str]:
    """The architectures of a (since, names) `table` that have joined by `version`."""
    return frozenset().union(*(names for since, names in table if version >= since))


NEMOTRON_H_SSM_CONFIG_ARCHITECTURES: tuple[tuple[Version, frozenset[str]], ...] = (
    ((0, 13, 0), frozenset({"NemotronHForCausalLM"})),
    ((0, 16, 0), frozenset({"NemotronHPuzzleForCausalLM"})),
    ((0, 20, 0), frozenset({"NemotronH_Nano_VL_V2"})),
    ((0, 34, 0), frozenset({"NemotronH_Nano_Omni_Reasoning_V3",
                            "NemotronH_Super_Omni_Reasoning_V3",
                            "NemotronH_Omni_Reasoning_V3"})),
)
"""NOTE: the architectures whose model_executor/models/config.py class sets
cache_config.mamba_ssm_cache_dtype, where it is "auto" (--mamba-ssm-cache-dtype left out), to
`getattr(hf_config, "mamba_ssm_cache_dtype", <default>)`, the Mamba2 SSM state's dtype
(mamba_utils.py _mamba_state_dtype; the conv state stays in mamba_cache_dtype, auto: the model
dtype), from the release each joins. VllmConfig.try_verify_and_update_config looks the class up
by the top-level architecture vLLM resolved (`MODELS_CONFIG_MAP.get(architecture)`,
config/vllm.py 1615-1626 in 0.19.1). NemotronHForCausalLMConfig: absent from the 0.11.0-0.12.0
wheels (the whole state in the model dtype, whatever config.json says), mapped from 0.13.0,
NemotronHPuzzleForCausalLM to it from the 0.16.0 wheel (0.13.0-0.16.0 wheels, 0.17.0-0.34.0
sources). NemotronHNanoVLV2Config (0.19.1 models/config.py:503, mapped at :740 from 0.18.0)
only sets the video backend up to 0.19.1; from 0.20.0 it runs NemotronHForCausalLMConfig's
update_mamba_ssm_cache_dtype on `hf_config.text_config` (0.20.0 :439-445); the three Nemotron
Omni V3 architectures, in the registry from 0.20.0 / 0.29.0 (nano_nemotron_vl.py), join the map
only in 0.34.0 (:1591-1593). Before that a wrapper's SSM state stays "auto": the model dtype
(nano_nemotron_vl.py get_mamba_state_dtype_from_config passes cache_config's to
NemotronHForCausalLM's). No other Mamba2 class reads a dtype from its config
(granitemoehybrid.py, bamba.py, falcon_h1.py, zamba2.py)."""

NEMOTRON_H_SSM_FP32_FROM: Version = (0, 20, 0)
"""NOTE: the `<default>` of NEMOTRON_H_SSM_CONFIG_ARCHITECTURES, for a config object without the
attribute: "float16" in the 0.13.0-0.19.1 wheels (0.19.1 models/config.py:493-495
`getattr(hf_config, "mamba_ssm_cache_dtype", "float16")`), `DEFAULT_MAMBA_SSM_CACHE_DTYPE =
"float32"` ("Only `float32` is known to have no accuracy issues by default") from 0.20.0
(0.20.0 :409-429; 0.20.0-0.34.0 sources). Which config object vLLM holds: the
_CONFIG_REGISTRY of the 0.17.0-0.20.0 sources has no nemotron_h (transformers_utils/config.py;
vLLM's own NemotronHConfig, configs/nemotron_h.py, declares no mamba_ssm_cache_dtype and is not
registered), so AutoConfig.from_pretrained (0.19.1 transformers_utils/config.py:215) builds
auto_map's AutoConfig class, the repository's, where --trust-remote-code is given (transformers
4.x and 5 alike: configuration_auto.py `if has_remote_code and trust_remote_code and not
explicit_local_code`, 5.5.1 :1499), else transformers' NemotronHConfig, which declares
`mamba_ssm_cache_dtype: str = "float32"` (5.5.1 configuration_nemotron_h.py:121, 5.25.0 :132;
5.10.4, 5.16.1, 5.17.0, 5.18.0 too) and which transformers 4.x lacks (4.57.6: no nemotron_h), so
there vLLM reads the config only with the flag. The repository's class names none where it is
NVIDIA's as vLLM copies it (configs/nemotron_h.py; the third-party copy read,
nvidia-cosmos/cosmos-rl, neither). So float16 on 0.13.0-0.19.0 (transformers<5 only) and on
0.19.1 with --trust-remote-code and an auto_map AutoConfig; float32 on 0.19.1 otherwise
(planned under transformers 5, TRANSFORMERS_5_ALLOWED_FROM: `pip install vllm==0.19.1` resolves
transformers 5.25.0, 2026-12-06), and float32 either way from 0.20.0."""


def nemotron_ssm_architectures(version: Version) -> frozenset[str]:
    """The architectures whose config's mamba_ssm_cache_dtype vLLM `version` reads
    (NEMOTRON_H_SSM_CONFIG_ARCHITECTURES)."""
    return _joined_by(NEMOTRON_H_SSM_CONFIG_ARCHITECTURES, version)


def nemotron_ssm_default(version: Version, architectures: tuple[str, ...],
                         remote_config: bool) -> str | None:
    """The Mamba2 SSM state dtype vLLM `version` takes for a config.json of `architectures`
    without mamba_ssm_cache_dtype (NEMOTRON_H_SSM_FP32_FROM; `remote_config`: vLLM reads the
    config with the repository's class, --trust-remote-code and an auto_map AutoConfig); None
    where the release reads no dtype from the config of `architectures`, with or without the
    key: the model dtype."""
    if not nemotron_ssm_architectures(version).intersection(architectures):
        return None
    if version >= NEMOTRON_H_SSM_FP32_FROM or (
            version >= TRANSFORMERS_5_ALLOWED_FROM and not remote_config):
        return "float32"
    return "float16"


MAMBA_ALIGN_FROM: Version = (0, 15, 0)
"""NOTE: config/cache.py mamba_cache_mode and MambaModelConfig (models/config.py): with prefix
caching a hybrid model runs mamba_cache_mode "align" ("all" for some up to 0.27.1:
MAMBA_ALL_BEFORE), where one request holds 2 state pages
(MambaSpec.max_memory_usage_bytes: 2 + speculative + prefill-checkpoint blocks) instead of 1.
Absent from the 0.14.0 wheel, present from 0.15.0 on."""

DSV4_LAYOUT_FROM: Version = (0, 21, 0)
"""NOTE: DeepSeek-V4's KV layout (planner.model.attention.compressed,
engine.kv_layout._dsv4_stage) was read from the 0.22.0 wheel; the 0.21.0 and 0.24.0 wheels have
the same 584 B token, 64-token window blocks and layer-tuple grouping. Later wheels move it
(kv_cache_planning.py, no fixed window block; DSV4_LAYOUT_GONE_FROM): a plan on another release
says the layout is unverified there."""

DSV4_LAYOUT_GONE_FROM: Version = (0, 25, 0)
"""The first minor release after the DeepSeek-V4 layout read (DSV4_LAYOUT_FROM) last held."""

MAMBA_ALL_BEFORE: Version = (0, 28, 0)
"""NOTE: model_executor/models/config.py MambaModelConfig.verify_and_update_config (0.15.0-
0.27.1 wheels): with prefix caching on and mamba_cache_mode left "none", `"all" if
model_config.supports_mamba_prefix_caching else "align"`; from the 0.28.0 wheel the default is
"align" for every hybrid ("all" only where --mamba-cache-mode asks it, gone from
config/cache.py MambaCacheMode in 0.32.0). In "all" a request holds one state page per block
of max_model_len (MambaSpec.max_memory_usage_bytes: cdiv(max_model_len, block_size) pages,
+ num_speculative_blocks from MAMBA_ALL_SPEC_PAGES_FROM), and the attention block is a
multiple of the model's Mamba chunk (platforms/interface.py _align_hybrid_block_size, 0.20.0-
0.31.0; models/config.py HybridAttentionMambaModelConfig before: `chunk_size =
lcm(base_chunk_size, kernel_block_alignment_size)`, `attn_block_size = chunk_size *
cdiv(attn_tokens_per_mamba_state, chunk_size)`, base_chunk_size = ModelConfig.
get_mamba_chunk_size: mamba_chunk_size, else chunk_size, else 2048). The profile run is the
same: ssd_combined.py computes every chunk's state in both modes
(return_intermediate_states only returns them)."""

MAMBA_ALL_SPEC_ALIGN: tuple[Version, Version] = ((0, 20, 0), (0, 22, 0))
"""NOTE: MambaModelConfig in the 0.20.0-0.21.0 wheels: a model that supports Mamba prefix
caching gets "align", not "all", when a speculative_config is set."""

MAMBA_ALL_SPEC_PAGES_FROM: Version = (0, 22, 0)
"""NOTE: MambaSpec.max_memory_usage_bytes in "all": `cdiv(max_model_len, self.block_size) *
self.page_size_bytes` in the 0.15.0-0.21.0 wheels, `(cdiv(max_model_len, self.block_size) +
self.num_speculative_blocks) * self.page_size_bytes` from 0.22.0."""

MAMBA_PREFIX_CACHING_ARCHITECTURES: frozenset[str] = frozenset({
    "BambaForCausalLM", "FalconH1ForCausalLM", "FalconMambaForCausalLM",
    "GraniteMoeHybridForCausalLM", "JambaForCausalLM", "Mamba2ForCausalLM",
    "MambaForCausalLM", "NemotronHForCausalLM", "NemotronHPuzzleForCausalLM",
    "Zamba2ForCausalLM"})
"""NOTE: the architectures whose model class (model_executor/models/registry.py) subclasses
SupportsMambaPrefixCaching (ModelConfig.supports_mamba_prefix_caching), the same in the
0.16.0-0.31.0 wheels (nemotron_h.py and granitemoehybrid.py in 0.15.0's too; Bamba's left the
registry in 0.24.0); not Qwen3-Next / Qwen3.5 (GDN) nor NemotronH_Nano_VL_V2
(nano_nemotron_vl.py)."""


def mamba_cache_mode(version: Version, architectures: tuple[str, ...], prefix_caching: bool,
                     speculative: bool, asked: str = "auto") -> str:
    """vLLM's mamba_cache_mode for a hybrid model (`asked`: --mamba-cache-mode, auto where
    not given): "none" without prefix caching, whatever is asked; before MAMBA_ALIGN_FROM,
    which has no modes, "all" (a state page per block) where prefix caching stays on
    (hybrid_prefix_caching_dropped: MAMBA_PREFIX_CACHING_FROM, a model that supports Mamba
    prefix caching), else "none"; "all" asked stays "all" on a model that supports Mamba
    prefix caching (MAMBA_PREFIX_CACHING_ARCHITECTURES), else falls back to "align"; "align"
    asked stays; "none" asked, like auto, is the release's pick: "all" where MambaModelConfig
    picks it (MAMBA_ALL_BEFORE, MAMBA_ALL_SPEC_ALIGN), "align" else (MAMBA_MODE_ASKED)."""
    if not prefix_caching or hybrid_prefix_caching_dropped(version, architectures):
        return "none"
    supports = any(a in MAMBA_PREFIX_CACHING_ARCHITECTURES for a in architectures)
    if version < MAMBA_ALIGN_FROM:
        return "all"
    if asked in ("all", "align"):
        return "all" if asked == "all" and supports else "align"
    if (version < MAMBA_ALL_BEFORE and not (speculative and in_span(version, *MAMBA_ALL_SPEC_ALIGN))
            and supports):
        return "all"
    return "align"


MAMBA_PREFIX_CACHING_FROM: Version = (0, 11, 1)
"""NOTE: model_executor/models/config.py MambaModelConfig.verify_and_update_config with prefix
caching on for a hybrid model (HybridAttentionMambaModelConfig calls it): the 0.10.2 and 0.11.0
wheels turn it off for every such model (`cache_config.enable_prefix_caching = False`, the
first of HYBRID_PREFIX_CACHING_DROPPED, logger.info); the 0.11.1, 0.11.2, 0.12.0, 0.13.0 and
0.14.0 wheels keep it on a model that supports Mamba prefix caching (the classes subclassing
SupportsMambaPrefixCaching: bamba, falcon_h1, granitemoehybrid, jamba, mamba, mamba2,
nemotron_h, zamba2, as MAMBA_PREFIX_CACHING_ARCHITECTURES) and turn it off for any other (the
second, logger.info). Kept, the state is paged as mamba_cache_mode "all" is from 0.15.0: the
attention block `chunk_size * cdiv(attn_tokens_per_mamba_state, chunk_size)`, chunk_size =
lcm(mamba_block_size or the model's Mamba chunk, kernel block alignment) (models/config.py
HybridAttentionMambaModelConfig, the same code under `if cache_config.enable_prefix_caching`
that 0.15.0 runs under `mamba_cache_mode == "all"`) and MambaSpec.max_memory_usage_bytes
`cdiv(max_model_len, self.block_size) * self.page_size_bytes` (v1/kv_cache_interface.py).
Hybrids start on V1 from 0.10.2 (v1_oracle); no release before 0.10.2 is planned for them."""

HYBRID_PREFIX_CACHING_DROPPED = (
    "Hybrid or mamba-based model detected: disabling prefix caching since it is not yet "
    "supported.",
    "Hybrid or mamba-based model detected without support for prefix caching: disabling.",
)
"""vLLM's log where it turns prefix caching off for a hybrid model (MAMBA_PREFIX_CACHING_FROM):
every such model in 0.10.2-0.11.0, one without Mamba prefix caching support in 0.11.1-0.14.0."""


def hybrid_prefix_caching_dropped(version: Version, architectures: tuple[str, ...]
                                  ) -> str | None:
    """vLLM `version`'s log where it turns prefix caching off for a hybrid model of these
    `architectures`, asked or not (HYBRID_PREFIX_CACHING_DROPPED, MAMBA_PREFIX_CACHING_FROM);
    None where it keeps what is asked (from 0.15.0 every hybrid)."""
    every, unsupported = HYBRID_PREFIX_CACHING_DROPPED
    if version >= MAMBA_ALIGN_FROM:
        return None
    if version < MAMBA_PREFIX_CACHING_FROM:
        return every
    supports = any(a in MAMBA_PREFIX_CACHING_ARCHITECTURES for a in architectures)
    return None if supports else unsupported


def hybrid_prefix_caching(rules: "VllmRules", given: bool | None) -> bool:
    """Whether vLLM `rules` runs a hybrid model with prefix caching: as `given`
    (EngineSettings.enable_prefix_caching), else the release's default
    (HYBRID_PREFIX_CACHING_FROM)."""
    return rules.hybrid_prefix_caching if given is None else given


MAMBA_MODE_CHOICES: tuple[tuple[Version, tuple[str, ...]], ...] = (
    ((0, 15, 0), ("all", "align", "none")),
    ((0, 32, 0), ("align", "none")),
)
"""NOTE: --mamba-cache-mode takes config/cache.py's MambaCacheMode Literal (engine/arg_utils.py
`cache_kwargs["mamba_cache_mode"]`, argparse choices from the Literal: literal_to_kwargs):
Literal["all", "align", "none"] in the 0.15.0 and 0.16.0 wheels and the 0.17.0-0.31.0
sources, Literal["align", "none"] from 0.32.0 (0.32.0-0.34.0); the flag is not in the
0.9.1-0.14.0 parsers (vllm_cli fixtures). Default "none" (0.15.0-0.32.0: CacheConfig's; None
from 0.33.0: MAMBA_MODE_IGNORED_FROM)."""

MAMBA_MODE_ASKED = (
    "Mamba cache mode is set to 'none' when prefix caching is disabled",
    "Hybrid or mamba-based model detected without support for prefix caching with Mamba cache "
    "'all' mode: falling back to 'align' mode.",
    "Mamba cache mode is set to '{mode}' for {architecture} by default when prefix caching is "
    "enabled",
)
"""NOTE: model_executor/models/config.py MambaModelConfig.verify_and_update_config (0.15.0-
0.32.0; a hybrid model: HybridAttentionMambaModelConfig calls it) on the mode given: with
prefix caching off any mode becomes "none" (logger.warning, the first words); with it on,
"all" on a model without supports_mamba_prefix_caching falls back to "align"
(logger.warning, the second; 0.15.0-0.31.0), and "none", the field's default, is replaced by
the release's pick as if not given (the third; logger.warning before 0.28.0, logger.info
from 0.28.0). "align" given with prefix caching on stays "align"."""

MAMBA_ALL_DEPRECATED = ((0, 30, 0), (0, 32, 0),
                        "Mamba cache mode 'all' is deprecated and will be removed in an upcoming "
                        "release. If this is a problem, please open an issue at "
                        "https://github.com/vllm-project/vllm/issues.")
"""NOTE: config/cache.py CacheConfig._validate_mamba_cache_mode (a field validator, any model)
logs this (logger.warning_once) for "all" in the 0.30.0 and 0.31.0 sources; absent from
0.29.0, and "all" is no choice from 0.32.0 (MAMBA_MODE_CHOICES)."""

MAMBA_MODE_IGNORED_FROM: Version = (0, 33, 0)
"""NOTE: engine/arg_utils.py in the 0.33.0 and 0.34.0 sources: --mamba-cache-mode (default None)
is no longer passed to CacheConfig, whose mamba_cache_mode follows --enable-prefix-caching
alone (MambaModelConfig: "align" with it, "none" without); a value given logs
_MAMBA_CACHE_MODE_DEPRECATION_MESSAGE (logger.warning_once, any model), MAMBA_MODE_IGNORED_LOG
with the release's own version as the one it goes in ("v0.33.0" in 0.33.0, "v0.34.0" in
0.34.0). 0.32.0 still passes it (MAMBA_MODE_ASKED)."""

MAMBA_MODE_IGNORED_LOG = ("--mamba-cache-mode is deprecated and will be removed in {release}. It "
                          "has no effect: Mamba prefix caching follows --enable-prefix-caching.")

MAMBA_BLOCK_WITHOUT_PREFIX_CACHING = ("--mamba-block-size can only be set with "
                                      "--enable-prefix-caching")
"""NOTE: config/vllm.py VllmConfig.validate_mamba_block_size raises this ValueError where
mamba_block_size is given, other than max_model_len, and prefix caching is off (0.11.1, 0.14.0,
0.15.0 and 0.16.0 wheels, 0.17.0-0.34.0 sources, the same words). With prefix caching on,
--mamba-block-size (config/cache.py: `Field(default=None, gt=0)`, no other check; its docstring's
"multiple of 8" is not enforced) sizes only mamba_cache_mode "all": the attention block is
lcm(mamba_block_size, kernel_block_alignment_size) x cdiv(attention tokens per state, that)
in place of the model's Mamba chunk (models/config.py HybridAttentionMambaModelConfig
0.15.0-0.19.1, platforms/interface.py _align_hybrid_block_size 0.20.0-0.31.0: `base_chunk_size
= mamba_block_size or model_config.get_mamba_chunk_size()`); in "align" vLLM sets it to the
attention block (`cache_config.mamba_block_size = cache_config.block_size`, every release), so
a value given changes nothing (MAMBA_BLOCK_IN_ALIGN)."""

MAMBA_BLOCK_IN_ALIGN = ("--mamba-block-size {given}: no effect in mamba_cache_mode 'align', "
                        "where vLLM {release} sets the Mamba block to the attention block "
                        "(models/config.py / platforms/interface.py: `cache_config."
                        "mamba_block_size = cache_config.block_size`)")

ALIGN_NEEDS_CHUNKED_PREFILL: tuple[tuple[Version, str], ...] = (
    ((0, 15, 0), "Chunked prefill is required for mamba cache mode 'align'."),
    ((0, 33, 0), "Chunked prefill is required for Mamba prefix caching."),
)
"""NOTE: model_executor/models/config.py MambaModelConfig.verify_and_update_config (run from
VllmConfig.__post_init__ for every model with Mamba / GDN / short-conv state) asserts
`vllm_config.scheduler_config.enable_chunked_prefill` with this message: under
`if cache_config.mamba_cache_mode == "align"` in the 0.15.0 and 0.16.0 wheels (config.py:354)
and the 0.17.0-0.31.0 sources (0.17.0 :398, 0.30.0 :642); with prefix caching on whatever the
mode from 0.32.0 (:694, the same words), where the mode under prefix caching is always "align"
(mamba_cache_mode); the words "... for Mamba prefix caching." in 0.33.0 (:772) and 0.34.0
(:1103). "all" and "none" do not need it (before 0.32.0)."""

ALIGN_SPECULATIVE_BEFORE: Version = (0, 17, 0)
ALIGN_SPECULATIVE = ("Mamba cache mode 'align' is currently not compatible with speculative "
                     "decoding.")
"""NOTE: MambaModelConfig.verify_and_update_config in the 0.15.0 and 0.16.0 wheels
(models/config.py:357, right after the chunked-prefill assert) asserts `not
vllm_config.speculative_config` in mamba_cache_mode "align" with this message; gone from the
0.17.0 source (0.20.0-0.21.0 instead pick "align" for speculative decoding:
MAMBA_ALL_SPEC_ALIGN)."""

ALIGN_BLOCK_BATCHED: tuple[Version, Version] = ((0, 17, 0), (0, 27, 0))
ALIGN_BLOCK_BATCHED_LOG = ("In Mamba cache align mode, block_size ({block}) must be <= "
                           "max_num_batched_tokens ({mbt}).")
"""NOTE: config/vllm.py in mamba_cache_mode "align" asserts `block_size <=
scheduler_config.max_num_batched_tokens` with this message, block_size the attention block
after the hybrid alignment (the state page's: _attention_block): in VllmConfig.__post_init__
in the 0.17.0 source (:1216, after try_verify_and_update_config aligns it) and in
VllmConfig.validate_block_size from 0.18.0 (v1/engine/core.py calls it once the KV cache
config is made, block_size = the smallest group block) up to 0.26.0 (:2266); not in the 0.15.0
and 0.16.0 wheels (config/vllm.py:1008 asserts only long_prefill_token_threshold and chunked
MM input there) and gone from the 0.27.0 source (:2304 keeps only the chunked MM input
assert)."""


def align_refusal(version: Version, label: str, chunked_prefill: bool,
                  speculative: bool) -> str | None:
    """vLLM `version`'s start-up assert (AssertionError) on a model with recurrent state run in
    mamba_cache_mode "align": chunked prefill off (ALIGN_NEEDS_CHUNKED_PREFILL), then
    speculative decoding before ALIGN_SPECULATIVE_BEFORE; None where it starts."""
    if not chunked_prefill:
        words = next(w for since, w in reversed(ALIGN_NEEDS_CHUNKED_PREFILL) if version >= since)
        remedy = "Keep chunked prefill on, or run without prefix caching."
    elif speculative and version < ALIGN_SPECULATIVE_BEFORE:
        words, remedy = ALIGN_SPECULATIVE, ("Drop speculative decoding, run without prefix "
                                            "caching, or use vLLM 0.17 or later.")
    else:
        return None
    return (f"vLLM {label} refuses this model in mamba_cache_mode 'align' (prefix caching on; "
            f"models/config.py MambaModelConfig): \"{words}\" {remedy}")


def align_block_refusal(label: str, block: int, mbt: int) -> str:
    """vLLM's start-up assert where the mamba_cache_mode "align" attention block exceeds
    --max-num-batched-tokens (ALIGN_BLOCK_BATCHED), in its words."""
    return (f"vLLM {label} refuses this layout's {block}-token attention block in "
            "mamba_cache_mode 'align' (config/vllm.py): \""
            + ALIGN_BLOCK_BATCHED_LOG.format(block=block, mbt=mbt)
            + "\" Raise --max-num-batched-tokens to at least the block.")


HYBRID_PREFIX_CACHING_FROM: Version = (0, 28, 0)
"""NOTE: engine/arg_utils.py _set_default_chunked_prefill_and_prefix_caching_args sets
default_prefix_caching = config/model.py is_prefix_caching_supported, so prefix caching is on
by default for hybrid models from the 0.28.0 wheel on. Before, it is off for them: up to
0.25.1 is_prefix_caching_supported says "Hybrid models do not support prefix caching"; the
0.26.0-0.27.1 wheels say "Generative hybrid models support prefix caching" there but take
`is_prefix_caching_supported and not model_config.is_hybrid` ("Hybrid models support prefix
caching but keep it opt-in for now while the feature matures")."""

CHUNKED_HYBRID_FROM: Version = (0, 14, 0)
"""NOTE: VllmConfig.__post_init__ sets scheduler_config.disable_hybrid_kv_cache_manager when
the model has attention_chunk_size (Llama 4) and envs.VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_
HYBRID_KV_CACHE is off ("There is a latency regression when using chunked local attention
with the hybrid KV cache manager. Disabling it, by default"): that variable defaults to "0"
in the 0.11.0 (config/__init__.py), 0.12.0 and 0.13.0 (config/vllm.py) wheels and to "1"
from the 0.14.0 wheel (envs.py; still in 0.33.0 and 0.34.0). With the manager off,
kv_cache_utils.unify_hybrid_kv_cache_specs turns every ChunkedLocalAttentionSpec into a
FullAttentionSpec, whose need is cdiv(max_model_len, block) blocks, and all layers form one
group."""

IN_FLIGHT_WINDOW_FROM: Version = (0, 26, 0)
"""NOTE: v1/kv_cache_interface.py SlidingWindowSpec.max_admission_blocks_per_request (and
ChunkedLocalAttentionSpec's, the same tokens as min(chunk + T, max_model_len) without the
extra block: SlidingWindowKv.chunked), which max_memory_usage_bytes calls, so both the
start-up check and the concurrency vLLM reports read it: a sliding layer's tokens are
min(window - 1 + max_num_batched_tokens, max_model_len) up to the 0.25.1 wheel
(kv_cache_interface.py:561 in 0.25.0 and 0.25.1) and
min(window - 1 + VllmConfig.max_in_flight_tokens, max_model_len) from the 0.26.0 wheel
(kv_cache_interface.py:584; the same in 0.27.1 and 0.28.0-0.34.0, 0.33.0 :938, which from
0.28.0 adds extra_retained_tokens: num_speculative_tokens - 1 only for multi-module MTP,
min(the draft's num_nextn_predict_layers, num_speculative_tokens) > 1 (kv_cache_utils.py /
kv_cache_planning.py, SpeculativeConfig.use_multi_module_mtp); 0 for every sliding model
Headroom drafts: hf_config_override sets MiMo-V2-Flash's draft to 1 layer and
DeepSeek-V4-Flash declares 1; not modelled for a config declaring more), where
max_in_flight_tokens = max_concurrent_batches x max_num_batched_tokens (config/vllm.py:525 in
0.26.0, :601 in 0.33.0; "out-of-window blocks are freed on the processed-token basis, so
in-flight steps transiently keep their blocks"). max_concurrent_batches (config/vllm.py:512
in 0.26.0, the same text to 0.33.0): with async scheduling, pp + 1 on Model Runner V2, 2 on V1
at PP 1, pp on V1 at PP > 1; without it, pp (0.34.0, V2 only: pp + 1 with async scheduling,
config/vllm.py:560-566). VllmConfig.__post_init__ turns async scheduling
on when unset (0.26.0 config/vllm.py:1059-1107) unless the model pools, a speculator other
than EAGLE / MTP / NGram-GPU / DSpark runs (MTP, Headroom's only one, keeps it) or the
executor lacks it (Ray's V1 RayDistributedExecutor: not planned here; mp and uniproc have
it)."""


def window_batched_tokens(in_flight: bool, runner: str, pp: int, mbt: int) -> int:
    """The batched tokens a sliding-window (or chunked-local) layer's need counts
    (IN_FLIGHT_WINDOW_FROM; `in_flight`: VllmRules.in_flight_window): `mbt` before vLLM 0.26;
    from it max_in_flight_tokens =
    max_concurrent_batches x mbt with async scheduling on (vLLM's default): pp + 1 batches on
    Model Runner V2 (`runner` "v2"), 2 on V1 at PP 1, pp on V1 at PP > 1."""
    if not in_flight:
        return mbt
    batches = pp + 1 if runner == "v2" else max(pp, 2)
    return batches * mbt


UMA_PSUTIL_BY_CC_FROM: Version = (0, 11, 1)
"""NOTE: utils/mem_utils.py MemorySnapshot.measure takes a GPU's free memory from psutil's
available host memory instead of cudaMemGetInfo for compute capabilities 8.7, 11.0 and 12.1
("Orin, Thor, Spark") from the 0.11.1 wheel on (0.11.2, 0.12.0 the same); the 0.11.0 wheel
(utils/__init__.py) always uses cudaMemGetInfo."""

UMA_PSUTIL_BY_INTEGRATED_FROM: Version = (0, 20, 0)
"""NOTE: from the 0.20.0 wheel the test is current_platform.is_integrated_gpu (torch's device
property is_integrated) instead of the capability list; its comment names GH200 beside DGX
Spark and Jetson Orin, but whether torch reports a GH200 as integrated is not in vLLM's
source (unverified)."""

FULL_GRAPHS_FROM: Version = (0, 11, 0)
"""NOTE: no full CUDA graphs by default before 0.11: CompilationConfig.full_cuda_graph is False
in the 0.9.1-0.10.0 wheels (config.py), VllmConfig.__post_init__ sets an unset cudagraph_mode
to PIECEWISE in 0.10.1-0.10.2 (config/__init__.py) and to FULL_AND_PIECEWISE from 0.11.0."""

TRITON_MLA_FULL_GRAPHS_FROM: Version = (0, 22, 0)
"""NOTE: TRITON_MLA, the only dense-MLA attention backend on NVIDIA compute capabilities other
than 9.x and 10.x (platforms/cuda.py: FLASH_ATTN_MLA major 9, FLASHMLA 9 or 10, FLASHINFER_MLA
and CUTLASS_MLA 10; attention_backend.dense_mla_backends), supports no CUDA graph before 0.22: its
metadata builder keeps the base class's AttentionCGSupport.NEVER (v1/attention/backend.py
`_cudagraph_support` in the 0.16.0 wheel; no override in v1/attention/backends/mla/
triton_mla.py of the 0.11.0-0.21.0 wheels), so the cudagraph-mode check (gpu_model_runner.py
_check_and_update_cudagraph_mode in 0.11.0-0.16.0, config/compilation.py in 0.21.0) turns
FULL_AND_PIECEWISE into PIECEWISE ("attention is compiled piecewise"): no full decode graphs,
every layer's attention launched from Python each step. The 0.22.0 wheel adds
TritonMLAMetadataBuilder with UNIFORM_BATCH (vLLM PR #42885)."""

SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM: Version = (0, 20, 0)
"""NOTE: with a draft (uniform decode batches of q = 1 + num_speculative_tokens tokens a
request) vLLM keeps full decode graphs only where every attention backend's metadata builder
reports AttentionCGSupport.UNIFORM_BATCH or ALWAYS; below that (UNIFORM_SINGLE_TOKEN_DECODE) it
turns FULL_AND_PIECEWISE into PIECEWISE ("attention is compiled piecewise": the default
splitting ops hold attention) and logs "CUDAGraphMode.FULL_AND_PIECEWISE is not supported with
spec-decode for attention backend {name} (support: AttentionCGSupport.UNIFORM_SINGLE_TOKEN_DECODE);
setting cudagraph_mode=PIECEWISE". The check sits in v1/worker/gpu_model_runner.py
initialize_cudagraph_capture in the 0.10.1-0.11.0 wheels ({name}: the metadata builder's class
name), _check_and_update_cudagraph_mode in the 0.11.1-0.19.1 wheels (the backend's class name
from 0.11.1) and in config/compilation.py
resolve_cudagraph_mode_and_sizes from the 0.20.0 wheel (0.34.0 the same), which Model Runner V2
calls too (v1/worker/gpu/model_runner.py, 0.22.0-0.34.0 wheels; v1/worker/gpu/attn_utils.py
takes the minimum over its attention groups as V1 does). The rounding of the capture sizes to
multiples of q (SPEC_GRAPH_ROUND_FROM) then does not happen on V1 (it needs FULL decode
graphs); Model Runner V2 0.22-0.24 rounds in its CudaGraphManager whatever the mode
(engine.cuda_graphs._spec_rounds). CutlassMLAMetadataBuilder (v1/attention/backends/mla/
cutlass_mla.py) reports UNIFORM_SINGLE_TOKEN_DECODE in every wheel 0.10.1-0.34.0 read. Which
backends a plan runs below UNIFORM_BATCH: spec_graph_mode.spec_piecewise_backend."""

SPEC_SINGLE_TOKEN_STATE_UNTIL: Version = (0, 17, 0)
"""NOTE: BaseMambaAttentionMetadataBuilder (v1/attention/backends/mamba_attn.py: Mamba2 layers)
and DeepseekV32IndexerMetadataBuilder (v1/attention/backends/mla/indexer.py: a sparse-MLA
model's indexer, DeepSeek-V3.2, GLM-5) report AttentionCGSupport.UNIFORM_SINGLE_TOKEN_DECODE in
the 0.11.0-0.16.0 wheels (0.11.0, 0.11.1, 0.12.0, 0.13.0, 0.14.0, 0.15.0, 0.15.1, 0.16.0 read)
and UNIFORM_BATCH from the 0.17.0 wheel (0.19.1, 0.25.0, 0.29.0, 0.34.0 the same): with a draft
before 0.17 vLLM captures piecewise graphs only (SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM)."""

TRITON_MLA_SINGLE_TOKEN_SPAN: tuple[Version, Version] = ((0, 26, 0), (0, 31, 0))
"""NOTE: TritonMLAMetadataBuilder (v1/attention/backends/mla/triton_mla.py) reports
AttentionCGSupport.UNIFORM_BATCH in the 0.22.0-0.25.0 wheels (TRITON_MLA_FULL_GRAPHS_FROM),
UNIFORM_SINGLE_TOKEN_DECODE in the 0.26.0-0.30.0 wheels (0.29.0 and 0.30.0 return UNIFORM_BATCH
only for a non-causal multi-token draft block, DSpark's, not MTP or EAGLE-3) and UNIFORM_BATCH
again from the 0.31.0 wheel (0.32.0-0.34.0 the same): [from, until) with a draft, vLLM captures
piecewise graphs only on TRITON_MLA (SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM)."""

FLASHINFER_SINGLE_TOKEN_BELOW_SM90_SPAN: tuple[Version, Version] = ((0, 11, 1), (0, 33, 0))
"""NOTE: FlashInferMetadataBuilder.get_cudagraph_support (v1/attention/backends/flashinfer.py)
returns UNIFORM_BATCH only where TRT-LLM attention runs (utils/flashinfer.py
supports_trtllm_attention: the SM100 family), else UNIFORM_SINGLE_TOKEN_DECODE, in the 0.11.1,
0.12.0, 0.17.0, 0.19.1, 0.25.0, 0.29.0 and 0.32.0 wheels; from the 0.33.0 wheel (0.34.0 the
same) _use_fa2_native_decode ("Below SM90, native decode runs fa2, which takes uniform
multi-token queries") returns UNIFORM_BATCH below compute capability 9.0. So below 9.0, where
FlashInfer serves a layer (compute capability 7.5, whose FLASH_ATTN needs 8.0; an fp8 cache on
8.x, which FlashAttention 2 does not take: attention_backend._triton_fp8_below_sm89), a draft
gets piecewise graphs only in [from, until) (SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM). 9.0 and
12.x: FLASHINFER_SINGLE_TOKEN_SM90_E5M2_SPAN, FLASHINFER_SINGLE_TOKEN_SM12X_SPAN."""

FLASHINFER_SINGLE_TOKEN_SM100_SPAN: tuple[Version, Version] = ((0, 11, 0), (0, 11, 1))
"""NOTE: the 0.11.0 wheel's platforms/cuda.py get_attn_backend_cls gives compute capability 10.0
(is_device_capability(100)) FlashInfer by default where is_attn_backend_supported takes the
layer's head size (64, 128, 256) and dtype (16-bit): "Using FlashInfer backend with HND KV cache
layout on V1 engine by default for Blackwell (SM 10.0) GPUs", sinks or not. Its
FlashInferMetadataBuilder has the class constant `cudagraph_support =
AttentionCGSupport.UNIFORM_SINGLE_TOKEN_DECODE` (v1/attention/backends/flashinfer.py; from the
0.11.1 wheel get_cudagraph_support gives UNIFORM_BATCH where TRT-LLM attention runs), so on
0.11.0, the first release with full graphs by default (FULL_GRAPHS_FROM), a draft gets piecewise
graphs only on 10.0 (SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM). 10.x other than 10.0:
FLASHINFER_SINGLE_TOKEN_SM10X_SPAN."""

FLASHINFER_SINGLE_TOKEN_SM10X_SPAN: tuple[Version, Version] = ((0, 11, 1), (0, 13, 0))
"""NOTE: utils/flashinfer.py supports_trtllm_attention holds on
`current_platform.is_device_capability(100)`, 10.0 alone, in the 0.11.1, 0.11.2 and 0.12.0
wheels, on is_device_capability_family(100), every 10.x, from the 0.13.0 wheel (0.14.0-0.24.0
the same; 0.25.0 on adds 9.0 decode). platforms/cuda.py _get_backend_priorities puts FLASHINFER
first on major 10 from 0.11.1, and its supports_sink needs TRT-LLM attention, so on a 10.x GPU
other than 10.0 (B300, 10.3) FlashInfer serves the layers without sinks whose head size it takes,
and its get_cudagraph_support gives UNIFORM_SINGLE_TOKEN_DECODE there: [from, until) a draft gets
piecewise graphs only (SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM)."""

FLASHINFER_SINGLE_TOKEN_SM90_E5M2_SPAN: tuple[Version, Version] = ((0, 22, 0), (0, 30, 0))
"""NOTE: on compute capability 9.0 FLASH_ATTN (FlashAttention 3) claims fp8 and fp8_e4m3 only
from the 0.22.0 wheel (v1/attention/backends/flash_attn.py supports_kv_cache_dtype; 0.22.1,
0.23.0, 0.24.0 the same; 0.20.0-0.21.0 claim every quantized cache), so an fp8_e5m2 cache goes
to FlashInfer, whose get_cudagraph_support is UNIFORM_SINGLE_TOKEN_DECODE there: TRT-LLM
attention needs the SM100 family (utils/flashinfer.py supports_trtllm_attention, 0.22.0-0.24.0
wheels) and the 0.25.0-0.29.0 wheels return UNIFORM_SINGLE_TOKEN_DECODE on
is_device_capability(90) outright ("SM90 XQA supports only single-token decode"; 0.25.0,
0.26.0, 0.27.0, 0.28.0, 0.29.0 read). [from, until): a draft gets piecewise graphs only
(SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM); from the 0.30.0 wheel XQA decode reports UNIFORM_BATCH
on 9.0 for the head sizes FLASHINFER_XQA_HEAD_SIZES_FROM names."""

FLASHINFER_XQA_HEAD_SIZES_FROM: Version = (0, 30, 0)
"""NOTE: FlashInferMetadataBuilder.get_cudagraph_support (v1/attention/backends/flashinfer.py)
of the 0.30.0 wheel (0.31.0, 0.32.0, 0.33.0, 0.34.0 the same) sets `is_xqa_arch =
is_device_capability(90) or is_device_capability_family(120)` and reports UNIFORM_BATCH there
only where every FlashInfer layer's head size passes `_is_xqa_head_dim_supported`: `16 <=
head_dim <= 256 and head_dim % 16 == 0` (0.30.0 flashinfer.py:575, 0.34.0 :765), else
UNIFORM_SINGLE_TOKEN_DECODE (0.25.0-0.29.0 return it on 9.0 outright:
FLASHINFER_SINGLE_TOKEN_SM90_E5M2_SPAN; 0.28.0-0.29.0 give 12.x UNIFORM_BATCH whatever the
head). Of the head sizes FlashInfer takes (64, 128, 256, 512:
attention_backend.flashinfer_head_sizes) only 512 fails, so from `from` a FlashInfer layer of
head 512 on 9.0 (an fp8_e5m2 cache) or 12.x (an fp8 cache) gives a draft piecewise graphs
only (SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM): Gemma 4's global layers (global_head_dim 512)
with fp8_e5m2 on an H100. The 0.32.0 wheel adds an nvfp4 clause there:
FLASHINFER_NVFP4_SINGLE_TOKEN_SM90_FROM."""

FLASHINFER_XQA_SM90_FROM: Version = (0, 25, 0)
"""NOTE: utils/flashinfer.py supports_trtllm_attention(is_prefill=False) holds on
is_device_capability(90) from the 0.25.0 wheel ("SM90 has XQA decode; prefill is not
supported"; 0.24.0: the SM100 family alone), so FlashInferMetadataBuilder's
use_trtllm_decode_attention (can_use_trtllm_attention: that and query heads a multiple of KV
heads) picks FlashInferDecodeKernel.XQA on 9.0 (_get_flashinfer_trtllm_api_decode_kernel), and
FlashInferImpl.forward's decode takes the module-global _get_trtllm_workspace_buffer for it
(v1/attention/backends/flashinfer.py: 0.25.0 L2018, 0.27.0 L2130, 0.30.0 L2431, 0.34.0 L2687):
the TRT-LLM buffer flashinfer_workspace counts. 12.x: FLASHINFER_XQA_SM12X_FROM."""

FLASHINFER_XQA_SM12X_FROM: Version = (0, 28, 0)
"""NOTE: supports_trtllm_attention(is_prefill=False) adds is_device_capability_family(120)
in the 0.28.0 wheel ("SM90 and SM12x have XQA decode only"; 0.25.0-0.27.0: 9.0 and the SM100
family), and _get_flashinfer_trtllm_api_decode_kernel gives XQA there (0.28.0, 0.30.0, 0.34.0
read): decode on 12.x takes the same _get_trtllm_workspace_buffer (0.28.0 L2356, before the
dedicated flashinfer_xqa_batch_decode_with_kv_cache call; 0.30.0 L2431). The 0.32.0 wheel
keeps XQA for an nvfp4 cache on 12.x alone ("XQA reads an NVFP4 cache only on SM12x; SM90
decodes it with fa2"; 0.33.0, 0.34.0 the same). The same release turns
FLASHINFER_SINGLE_TOKEN_SM12X_SPAN's single-token graphs into UNIFORM_BATCH."""

FLASHINFER_NVFP4_SINGLE_TOKEN_SM90_FROM: Version = (0, 32, 0)
"""NOTE: FlashInferMetadataBuilder.get_cudagraph_support (v1/attention/backends/flashinfer.py)
of the 0.32.0 wheel (0.33.0, 0.34.0 the same) also denies UNIFORM_BATCH on is_xqa_arch where
`spec.kv_quant_mode.is_nvfp4 and not current_platform.is_device_capability_family(120)`
(KVQuantMode.NVFP4: --kv-cache-dtype nvfp4): an nvfp4 KV cache on 9.0, which FlashInfer alone
serves there from 0.32 (FLASH_ATTN lists auto/float16/bfloat16/fp8/fp8_e4m3; _nvfp4_kv_on_fa2
runs it through fa2: attention_backend._nvfp4_error), reports UNIFORM_SINGLE_TOKEN_DECODE, and
a draft gets piecewise graphs only (SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM); 0.33.0's
_use_fa2_native_decode holds below 9.0 only. On 8.x the same cache falls in
FLASHINFER_SINGLE_TOKEN_BELOW_SM90_SPAN (0.32 alone: fa2 native decode from 0.33); 12.x takes
the XQA head rule only (FLASHINFER_XQA_HEAD_SIZES_FROM)."""

FLASHINFER_SINGLE_TOKEN_SM12X_SPAN: tuple[Version, Version] = ((0, 11, 1), (0, 28, 0))
"""NOTE: on compute capability 12.x FLASH_ATTN runs FlashAttention 2 (fa_utils.py
get_flash_attn_version: FA3 on 9.x, FA4 on 10.x), which takes no fp8* cache, so FlashInfer
serves an fp8 cache; its get_cudagraph_support gives UNIFORM_BATCH only where TRT-LLM
attention runs, the SM100 family alone in utils/flashinfer.py supports_trtllm_attention of the
0.11.1, 0.17.0, 0.19.1, 0.20.0, 0.22.0, 0.23.0, 0.24.0 wheels (0.25.0-0.27.0 add 9.0 decode,
not 12.x): UNIFORM_SINGLE_TOKEN_DECODE. The 0.28.0 wheel adds the SM12x family (XQA decode)
and returns UNIFORM_BATCH there ("SM12x uses the dedicated XQA API, which supports
speculative and non-causal decode"). [from, until): a draft gets piecewise graphs only
(SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM)."""

GRAPH_STEP16_FROM: Version = (0, 11, 1)
"""NOTE: _set_cudagraph_sizes: capture sizes 1, 2, 4, then every 8 up to the largest in the
0.9.1-0.11.0 wheels; every 16 above 256 from the 0.11.1 wheel (config/vllm.py; 0.11.2 and
0.12.0 the same; the faradawn/bench3 H200 log of 0.11.2 lists 51 sizes up to 512)."""

GRAPH_ADDS_BATCHED_TOKENS_FROM: Version = (0, 20, 1)
"""NOTE: _set_cudagraph_sizes (config/vllm.py) appends max_num_batched_tokens to the capture
sizes where it is within the largest ("ensure max_num_tokens is captured if within max capture
size") from the 0.20.1 wheel, a patch release's change (every wheel 0.20.1-0.34.0 read, 0.20.2,
0.25.1 and 0.27.1 included); absent from the 0.17.0-0.20.0 wheels and 0.17.1, 0.18.1, 0.19.1.
It is within only when the batched tokens are the largest size, min(2 x max_num_seqs, 512 or
1024, batched tokens) (engine.cuda_graphs.capture_sizes)."""

GRAPH_ADDS_MAX_SEQS_FROM: Version = (0, 31, 0)
"""NOTE: _set_cudagraph_sizes appends the uniform decode sizes, [max_num_seqs] without
speculative decoding (`elif max_num_seqs <= max_cudagraph_capture_size`, that bound being
min(2 x max_num_seqs, 512, or 1024 on SM100) before the batched tokens cap it), where at most
max_num_batched_tokens ("Uniform decode sizes are appended when they fit within the platform's
default capture ceiling"), from the 0.31.0 wheel (0.31.0-0.34.0); the 0.29.0 and 0.30.0 wheels
build uniform_decode_sizes only for decode query lengths above 1."""

SPEC_GRAPH_ROUND_FROM: Version = (0, 11, 1)
"""NOTE: with a speculative draft (num_speculative_tokens k > 0) and full decode graphs, Model
Runner V1 rounds every capture size up to a multiple of 1 + k, dropping those the rounding
lifts above the largest size: config/compilation.py
CompilationConfig.adjust_cudagraph_sizes_for_spec_decode, called from gpu_model_runner.py
_check_and_update_cudagraph_mode where decode_mode() is FULL and uniform_decode_query_len > 1
from the 0.11.1 wheel (0.11.1-0.19.1), from config/compilation.py's cudagraph-mode resolution
from 0.20.0 (0.20.0-0.33.0; for V1 only from 0.25.0: "MRV2 handles cudagraph capture sizing in
cudagraph_utils.py"); absent from the 0.11.0 wheel. Model Runner V2's CudaGraphManager.__init__
calls it whatever the mode in 0.22.0-0.24.0 (v1/worker/gpu/cudagraph_utils.py) and not from
0.25.0 (V2_SPEC_DECODE_ROUNDED_FROM). On both runners the full decode graphs are the sizes
from 1 + k to (1 + k) x max_num_seqs tokens (v1/cudagraph_dispatcher.py
initialize_cudagraph_keys from the 0.10.1 wheel; V2 _init_candidates 0.22.0-0.24.0): at k = 3
and 1,024 sequences 1, 2, 4 become 4 and the 51 sizes 49, so 49 + 49 graphs, not 51 + 51
(engine.cuda_graphs.spec_capture_sizes). The multiple is max(1 + k, TP) at TP > 1 in the
0.11.1 wheel (SPEC_GRAPH_TP_MULTIPLE_UNTIL); where the rounding leaves no size,
SPEC_GRAPH_ONE_SIZE_FROM."""

SPEC_GRAPH_TP_MULTIPLE_UNTIL: Version = (0, 11, 2)
"""NOTE: config/compilation.py adjust_cudagraph_sizes_for_spec_decode(uniform_decode_query_len,
tensor_parallel_size) of the 0.11.1 wheel takes `multiple_of = max(uniform_decode_query_len,
tensor_parallel_size)` wherever tensor_parallel_size > 1 and raises ValueError("Can't determine
cudagraph shapes that are both a multiple of {1 + k} (num_speculative_tokens + 1) required by
spec-decode and {TP} (tensor_parallel_size) required by sequence parallelism please adjust
num_speculative_tokens or disable sequence parallelism") where that is not a multiple of both;
the 0.11.2 wheel does so only with pass_config.enable_sequence_parallelism, 0.12.0 (and the
0.19.1, 0.25.0, 0.30.0 wheels) only with pass_config.enable_sp, which no optimization level
turns on (config/vllm.py OPTIMIZATION_LEVEL_02/03 "enable_sp": IS_DENSE, IS_DENSE = False)
and Headroom plans off. So on 0.11.1 at k = 3 (1 + k = 4) and TP = 8 the sizes round to
multiples of 8, and k = 2 at TP = 2, 4 or 8 (3 against 2, 4, 8) fails at start-up."""

SPEC_GRAPH_ONE_SIZE_FROM: Version = (0, 12, 0)
"""NOTE: where adjust_cudagraph_sizes_for_spec_decode's rounding leaves no capture size (each
rounds up past the largest), the 0.12.0 wheel (and 0.19.1, 0.25.0, 0.29.0, 0.30.0) keeps
[multiple_of] where it is within the largest ("if one valid but would be round_down use that")
and otherwise raises ValueError("No valid cudagraph sizes after rounding to multiple of
{multiple_of} (num_speculative_tokens + 1 or tp if sequence parallelism is enabled) please
adjust num_speculative_tokens ({k}) or max_cudagraph_capture_size ({largest}) or
cudagraph_capture_sizes ({sizes})"); the 0.11.1 and 0.11.2 wheels log "No valid cudagraph
sizes after rounding ..." and return, keeping the sizes as they were."""

SPEC_GRAPH_SIZES_FROM: Version = (0, 13, 0)
"""NOTE: config/vllm.py _set_cudagraph_sizes: the default largest capture size is
min(max_num_seqs x decode_query_len x 2, 512 (1024 on SM100 from BLACKWELL_GRAPHS_1024_FROM)),
decode_query_len 1 + num_speculative_tokens, from the 0.13.0 wheel (0.13.0-0.34.0); the
0.10.0-0.12.0 wheels take max_num_seqs x 2 whatever the draft (GRAPH_SIZES_BY_SEQS_FROM)."""

SPEC_GRAPH_DECODE_SIZES_FROM: Version = (0, 29, 0)
"""NOTE: with num_speculative_tokens k > 0, _set_cudagraph_sizes (config/vllm.py) appends the
uniform decode sizes n x (1 + k) for n in 1, 2, 4, every 8 below 256, every 16 from 256 up to
min(max_num_seqs, 512 (1024 on SM100)) and that bound itself, those within the largest size
before max_num_batched_tokens caps it and within the batched tokens, from the 0.29.0 wheel
(0.29.0-0.34.0; GRAPH_ADDS_MAX_SEQS_FROM is the k = 0 branch of 0.31.0)."""

V2_SPEC_DECODE_ROUNDED_FROM: Version = (0, 25, 0)
"""NOTE: Model Runner V2's CudaGraphManager._init_candidates (v1/worker/gpu/cudagraph_utils.py)
from the 0.25.0 wheel (0.25.0-0.33.0) keeps the capture sizes as they are for its piecewise
graphs and gives each size a full decode graph of round_up(size, 1 + k) tokens, skipped above
(1 + k) x max_num_seqs or the largest size, duplicates dropped ("avoid duplicate graphs");
0.22.0-0.24.0 round the shared sizes first (SPEC_GRAPH_ROUND_FROM). The 0.34.0 wheel
(SPEC_DECODE_REQUEST_SIZES_FROM) sizes decode graphs by requests instead."""

SPEC_DECODE_REQUEST_SIZES_FROM: Version = (0, 34, 0)
"""NOTE: config/vllm.py _split_cudagraph_capture_sizes (the 0.34.0 wheel; SM100_GRAPH_GRIDS_FROM
for its SM100 grids): off SM100 the piecewise (prefill) graphs take the shared sizes and the
full decode graphs the request counts min(ceil(size / (1 + k)), max_num_seqs) of the shared
sizes whose ceil(size / (1 + k)) x (1 + k) is within the largest, one graph of 1 + k tokens
per request each (config/compilation.py decode_cudagraph_capture_shapes; v1/worker/gpu/
cudagraph_utils.py _init_candidates); on SM100 its decode grid stops at
min(max_num_seqs, min(8192, batched tokens) // (1 + k)) requests."""

GRAPH_SIZES_BY_SEQS_FROM: Version = (0, 10, 0)
"""NOTE: SchedulerConfig.cuda_graph_sizes defaults to [512] in the 0.9.x wheels and to
[min(max_num_seqs x 2, 512)] from the 0.10.0 wheel (__post_init__)."""

TRITON_TOP_K_TOP_P_FROM: Version = (0, 17, 0)
"""NOTE: v1/sample/ops/topk_topp_sampler.py: the 0.17.0 wheel adds topk_topp_triton.py and
apply_top_k_top_p runs it for 8 rows or more; the 0.9.1-0.16.0 wheels sort the logits
(apply_top_k_top_p: logits.sort(dim=-1)) on the default path, which the profile run's dummy
sampler takes (gpu_model_runner.py _dummy_sampler_run: top_k = vocab - 1, top_p = 0.9, not
all greedy). FlashInfer's sampler replaces the sort where it is on: 0.11.1-0.16.0 only with
VLLM_USE_FLASHINFER_SAMPLER=1 (the 0.11.1 wheel made it opt-in, though its metadata requires
flashinfer-python); 0.9.1-0.11.0 whenever flashinfer imports (the env var unset means on),
which the wheel does not install (flashinfer-python is the "flashinfer" extra in the
0.10.1.1-0.11.0 metadata, not named in 0.9.1-0.10.0's): planned as a pip install without
it, as the L40S 0.10.2 start-up in bench/public_memory_runs.json ran ("FlashInfer is not
available. Falling back to the PyTorch-native implementation of top-p & top-k sampling")."""

SAMPLER_HOLDS_FORWARD_FROM: Version = (0, 9, 2)
"""NOTE: gpu_model_runner.py _dummy_run returns (hidden_states, hidden_states[logit_indices])
from the 0.9.2 wheel and profile_run keeps both through the dummy sampler; the 0.9.1 wheel
returns the sampled rows only."""

NNODES_CUSTOM_AR_OFF: tuple[Version, Version] = ((0, 11, 1), (0, 27, 0))
"""NOTE: config/parallel.py ParallelConfig._verify_args sets disable_custom_all_reduce when
nnodes > 1 ("Disabled the custom all-reduce since we are running on multi-node.") in the
0.11.1, 0.11.2, 0.12.0, 0.13.0, 0.20.0, 0.21.0, 0.24.0, 0.25.0 and 0.26.0 wheels, so every TP
group of a start-up over several nodes, those inside one node too, runs without vLLM's custom
all-reduce (cuda_communicator.py: _ENABLE_CUSTOM_ALL_REDUCE); the 0.27.0 and 0.27.1 wheels
drop it (custom_all_reduce.py checks each group's own nodes). 0.11.1 is the first CLI with
--nnodes, which launch.over_nodes uses from there (older releases run several nodes on Ray,
nnodes 1). [start, end)."""

SYMM_MEM_FROM: Version = (0, 11, 0)
"""NOTE: envs.py VLLM_ALLREDUCE_USE_SYMM_MEM defaults to "0" in the 0.10.2 wheel (the first
with distributed/device_communicators/symm_mem.py) and to "1" from the 0.11.0 wheel on: before
0.11 no symmetric-memory all-reduce buffer is allocated (speed.collectives; from 0.11 it is built
before the memory snapshot, COMM_BEFORE_SNAPSHOT_FROM, so it is in no memory plan)."""

COMM_BEFORE_SNAPSHOT_FROM: Version = (0, 11, 0)
"""NOTE: v1/worker/gpu_worker.py Worker.init_device runs init_worker_distributed_environment
("Initialize the distributed environment BEFORE taking memory snapshot") before its
init_snapshot from the 0.11.0 wheel (0.11.0, 0.19.0, 0.27.0 and 0.34.0 read; after it in the
0.9.1 and 0.10.2 wheels), and memory_profiling measures non-torch growth from that snapshot.
CudaCommunicator's constructor builds vLLM's custom all-reduce
(engine.non_torch.CUSTOM_AR_BYTES) and the symmetric-memory communicator (symm_mem.py
SymmMemCommunicator: one torch_symm_mem.empty buffer of all_reduce_utils.py
SYMM_MEM_ALL_REDUCE_MAX_SIZES[capability][TP], 64 MiB at TP=2 on 9.0) there, so from 0.11
neither is in the figure the KV budget takes out, nor are the connections PyNcclCommunicator's
warm-up all_reduce opens. engine.NCCL_P2P_CONNECTIONS' buffers stay charged (ASSUMED: NCCL opens
further connections lazily for the profile run's larger all-reduces; which ones the warm-up
opened no log says), as the fitted NVLS term does."""

SCALED_VIDEO_RULE = ((0, 11), (0, 12))
"""NOTE: the vLLM minor releases (inclusive) whose qwen3_vl.py Qwen3VLProcessingInfo
.get_max_video_tokens returns int(12.5 x the dummy video's embeddings) ("one video token is
converted to '<{timestamp} seconds>' (on average 9.5 tokens) + vision_start_token +
video_token + vision_end_token") and whose dummy video takes get_num_frames_with_most_features
frames, up to _MAX_FRAMES_PER_VIDEO = 24,576 (the 0.11.0, 0.11.1, 0.11.2 and 0.12.0 wheels).
The 0.13.0 wheel returns the embeddings unscaled (the 24,576-frame cap stays to 0.14.0); from
0.15.0 the dummy video is 2 frames at the video processor's longest_edge / temporal_patch_size
pixels (get_image_size_with_most_features(max_pixels=...); to 0.34.0, which may spread them
over more frames under cap_pixels_per_frame without changing the total). Qwen3-VL is not in the
0.10.2 wheel; Qwen3.5 (qwen3_5.py, from 0.17.0) shares Qwen3VLProcessingInfo."""

EXPAND_TO_BUDGET_RULE = ((0, 11), (0, 11))
"""NOTE: the minor releases whose v1/worker/gpu_model_runner.py profile_run pads each dummy
encoder output to (encoder budget, width) with output.new_zeros when the first output has fewer
rows than the budget, and caches the padded copies through the decoder's dummy run (the
0.11.0, 0.11.1 and 0.11.2 wheels)."""

EXPAND_TO_ITEM_RULE = ((0, 12), (0, 12))
"""NOTE: the 0.12.0 wheel pads them to the modality's max tokens per item
(mm_budget.max_tokens_by_modality) instead; the 0.13.0-0.33.0 wheels' V1 runner caches the
outputs as they come (encoder_cache[f"tmp_{i}"] = output), as Model Runner V2, 0.34.0's only
runner, does (v1/worker/gpu/mm/encoder_runner.py EncoderRunner.profile_encoder_cache, the
0.27.0-0.34.0 wheels: encoder_outputs.update((f"tmp_{i}", output) ...), the dummy items from
MultiModalBudget.get_dummy_encoder_profile_inputs: mm_max_items_per_batch items of
get_modality_with_max_tokens)."""


class EncoderRules(NamedTuple):
    """One release's multimodal encoder-profile rules (engine.encoder_profile); the default is
    0.13.0-0.34.0's on Model Runner V1 (EXPAND_TO_ITEM_RULE's NOTE; runner_encoder_rules
    gives V2's)."""

    scaled_video: bool = False  # SCALED_VIDEO_RULE
    expand_to: str = ""  # "budget" (EXPAND_TO_BUDGET_RULE), "item" (EXPAND_TO_ITEM_RULE), ""
    data_parallel: bool = False  # --mm-encoder-tp-mode data taken (ENCODER_TP_DATA_TYPES)
    inputs_held: bool = True  # the dummy batch held through the decoder's run (V1 only:
    # runner_encoder_rules)
    profiled: bool = True  # the runner runs an encoder profile (V2: V2_ENCODER_PROFILE_FROM)
    profile_run: str = "v1/worker/gpu_model_runner.py profile_run"  # where it runs (V2's:
    # runner_encoder_rules), as a warning cites it
    items_per_prompt: int = MM_LIMIT_PER_PROMPT  # the profiled modality's
    # --limit-mm-per-prompt (mm_modes.profiled_limit, LIMITS_READ_FROM)
    video_patches: int = 0  # the dummy video's patches where vLLM profiles it instead of the
    # image (mm_modes.profiled_video_patches); 0: the image
    position_channels: int = 0  # the M-RoPE position channels video pruning appends to each
    # output row (video_pruning.position_channels); 0: none


DEFAULT_ENCODER_RULES = EncoderRules()
"""0.13.0-0.34.0's encoder-profile rules."""


V2_ENCODER_PROFILE_FROM: Version = (0, 27, 0)
"""NOTE: Model Runner V2's profile_run (v1/worker/gpu/model_runner.py) runs the multimodal
encoder profile from the 0.27.0 wheel (EncoderRunner.profile_encoder_cache, v1/worker/gpu/mm/
encoder_runner.py, the same through 0.34.0). In the 0.17.0-0.26.0 wheels (every one read) its
profile_run is _dummy_run and the dummy sampler (or pooler) only: no encoder runs and no
encoder output is held, though the runner serves multimodal models (its encoder_runner.py
encodes requests' items). A multimodal model starts on V2 there by default when dense
(0.25.0-0.26.0: V2_RUNNER_DEFAULTS), so its KV cache is sized without the encoder."""

def runner_encoder_rules(encoder: EncoderRules, runner: str, version: Version) -> EncoderRules:
    """A release's encoder-profile rules on the model runner that starts the model ("v1" |
    "v2": model_runner): V2 holds no input batch through the decoder's dummy run and, before
    V2_ENCODER_PROFILE_FROM, runs no encoder profile.

    NOTE: what each runner's profile_run keeps alive through the decoder's dummy run. V1
    (v1/worker/gpu_model_runner.py profile_run, the 0.13.0-0.33.0 wheels) binds the dummy batch
    on the GPU to its local batched_dummy_mm_inputs (_get_mm_dummy_batch) and keeps it, with
    the outputs in encoder_cache, until the function returns. V2 (v1/worker/gpu/mm/
    encoder_runner.py EncoderRunner.execute_mm_encoder, the 0.27.0-0.34.0 wheels) moves the
    dummy items to the GPU inside its loop (group_and_batch_mm_kwargs(..., device=self.device)
    binds the batch to the local mm_kwargs_batch) and returns the outputs only, which
    profile_encoder_cache puts in encoder_cache.encoder_outputs (tmp_i); profile_run's
    dummy_mm_inputs are the processor's host-side items (multimodal/encoder_budget.py
    get_dummy_encoder_profile_inputs). So V2's decoder dummy run holds the outputs alone; the
    input batch and the outputs live together only as embed_multimodal returns, below the
    ViT's own peak (input, positions and a block's live set). That run reads V2's
    EncoderRunner.inputs_embeds (model_states/default.py dummy_inputs_embeds), made at start-up
    (planner.serving.runner_buffers), no new tensor."""
    if runner != "v2":
        return encoder
    return encoder._replace(inputs_held=False, profiled=version >= V2_ENCODER_PROFILE_FROM,
                            profile_run="v1/worker/gpu/model_runner.py profile_run")


def encoder_rules(version: Version) -> EncoderRules:
    """The encoder-profile rules of a release (SCALED_VIDEO_RULE, EXPAND_TO_*_RULE)."""
    minor = version[:2]
    expand = next((to for to, (lo, hi) in (("budget", EXPAND_TO_BUDGET_RULE),
                                            ("item", EXPAND_TO_ITEM_RULE))
                   if lo <= minor <= hi), "")
    return EncoderRules(SCALED_VIDEO_RULE[0] <= minor <= SCALED_VIDEO_RULE[1], expand)


CUSTOM_AR_WORLD_SIZES: tuple[int, ...] = (2, 4, 6, 8)
"""The TP sizes whose all-reduces vLLM's custom kernel takes, in every covered release.

NOTE: custom_all_reduce.py CustomAllreduce._SUPPORTED_WORLD_SIZES is [2, 4, 6, 8] in the
0.9.1-0.26.0 wheels; any other TP size logs "Custom allreduce is disabled due to an
unsupported world size" and NCCL runs its all-reduces. From the 0.27.0 wheel (0.28.0-0.34.0
the same) the list adds 16, for MNNVL all-gather and reduce-scatter (one node fully
NVLink-connected, or a multi-node NVLink group with multicast), but should_custom_ar returns
False for `self.world_size > 8` in the same wheels, so a TP=16 group's all-reduces still run
on NCCL (or torch symmetric memory, which takes 2/4/6/8 only). Its buffers at 16 are
engine.non_torch.CUSTOM_AR_BYTES' NOTE."""


@dataclass(frozen=True)
class V2RunnerDefault:
    """Which start-ups one release's VllmConfig.use_v2_model_runner (config/vllm.py) puts on
    Model Runner V2 (v1/worker/gpu/model_runner.py) when VLLM_USE_V2_MODEL_RUNNER is unset,
    on an NVIDIA or an AMD (ROCm) GPU with none of the features its
    _get_v2_model_runner_unsupported_features lists (none of them is a Headroom setting:
    ngram / suffix speculators, sequence parallelism, dual batch overlap, custom logits
    processors, prompt embeds, ...)."""

    listed: frozenset[str] = frozenset()
    """DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES: an architecture named here runs V2."""
    listed_plain_only: bool = False
    """A listed architecture runs V2 only when dense and unquantized (the config has no
    quantization_config: ModelConfig.is_quantized)."""
    dense: bool = False
    """Any dense generative model without Mamba / linear-attention state runs V2 too."""
    listed_hybrid: bool = False
    """A listed hybrid (Mamba / linear-attention) architecture runs V2; else hybrids run V1."""
    every: bool = False
    """Every model runs V2 (the architecture test is gone)."""
    rocm_unlisted: frozenset[str] = frozenset()
    """On ROCm these leave `listed` (default_v2_model_runner_architectures, 0.27-0.28)."""
    rocm_v1: frozenset[str] = frozenset()
    """On ROCm these run V1 though `every` holds (ROCM_DEFAULT_MRV1_ARCHITECTURES, 0.29-0.31)."""
    only: bool = False
    """Model Runner V1 is gone: V2 is the only runner (V1_RUNNER_REMOVED_FROM)."""


V2_RUNNER_DEFAULTS: tuple[tuple[Version, V2RunnerDefault], ...] = (
    ((0, 22, 0), V2RunnerDefault(frozenset({"Qwen3ForCausalLM"}), listed_plain_only=True)),
    ((0, 23, 0), V2RunnerDefault(frozenset({"LlamaForCausalLM", "MistralForCausalLM",
                                            "Qwen3ForCausalLM"}), listed_plain_only=True)),
    ((0, 24, 0), V2RunnerDefault(frozenset({
        "Qwen3ForCausalLM", "DeepseekV2ForCausalLM", "Qwen2MoeForCausalLM",
        "GraniteMoeForCausalLM", "LlamaForCausalLM", "MistralForCausalLM"}))),
    ((0, 25, 0), V2RunnerDefault(frozenset({
        "DeepseekV2ForCausalLM", "Qwen2MoeForCausalLM", "GraniteMoeForCausalLM"}), dense=True)),
    ((0, 26, 0), V2RunnerDefault(frozenset({
        "DeepseekV2ForCausalLM", "GraniteMoeForCausalLM", "InklingForCausalLM",
        "InklingForConditionalGeneration", "LongcatFlashNgramForCausalLM",
        "Qwen2MoeForCausalLM"}), dense=True)),
    ((0, 27, 0), V2RunnerDefault(frozenset({
        "DeepseekV2ForCausalLM", "GraniteMoeForCausalLM", "InklingForCausalLM",
        "InklingForConditionalGeneration", "KimiK3ForConditionalGeneration",
        "LongcatFlashNgramForCausalLM", "Qwen2MoeForCausalLM"}), dense=True,
        listed_hybrid=True, rocm_unlisted=frozenset({"KimiK3ForConditionalGeneration"}))),
    ((0, 28, 0), V2RunnerDefault(frozenset({
        "DeepseekV2ForCausalLM", "DeepseekV4ForCausalLM", "GraniteMoeForCausalLM",
        "InklingForCausalLM", "InklingForConditionalGeneration",
        "KimiK3ForConditionalGeneration", "LongcatFlashNgramForCausalLM",
        "Qwen2MoeForCausalLM"}), dense=True, listed_hybrid=True,
        rocm_unlisted=frozenset({"DeepseekV4ForCausalLM"}))),
    ((0, 29, 0), V2RunnerDefault(every=True, rocm_v1=frozenset({
        "DeepseekV32ForCausalLM", "DeepseekV4ForCausalLM"}))),
    ((0, 30, 0), V2RunnerDefault(every=True, rocm_v1=frozenset({
        "DeepseekV32ForCausalLM", "DeepseekV4ForCausalLM", "GlmMoeDsaForCausalLM"}))),
    ((0, 32, 0), V2RunnerDefault(every=True)),
    ((0, 34, 0), V2RunnerDefault(every=True, only=True)),
)
"""NOTE: read in each wheel's config/vllm.py (VllmConfig.use_v2_model_runner,
_is_default_v2_model_runner_model, DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES), each entry the
first release with that behaviour:
- 0.20.0 and 0.21.0: envs.py VLLM_USE_V2_MODEL_RUNNER defaults to "0" (V2 only when set;
  gpu_worker.py reads the variable itself), so V1 runs.
- 0.22.0: Qwen3ForCausalLM alone, `not is_moe and not is_quantized`.
- 0.23.0: Llama, Mistral and Qwen3, dense and unquantized (the same test).
- 0.24.0: the list grows by DeepseekV2, Qwen2Moe and GraniteMoe and `return any(arch in
  DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES ...)`: a listed architecture runs V2 MoE or
  quantized.
- 0.25.0: `is_hybrid` and `is_attention_free` return False, then `any(listed) or not
  is_moe`: every dense model runs V2, MoE only when listed (DeepseekV2, Qwen2Moe, GraniteMoe).
- 0.26.0: the list adds Inkling (two classes) and LongcatFlashNgram; the same test.
- 0.27.0 (0.27.1 the same): the list adds KimiK3ForConditionalGeneration, and a hybrid runs V1
  only when not listed (`is_hybrid and not is_default_v2_architecture`; an attention-free
  model runs V1 listed or not, and none is listed). On ROCm default_v2_model_runner_architectures
  takes ROCM_EXCLUDED_V2_MODEL_RUNNER_ARCHITECTURES (KimiK3) off the list.
- 0.28.0: the list adds DeepseekV4ForCausalLM; on ROCm the list less DeepseekV4 (KimiK3 back).
- 0.29.0 (0.30.0-0.33.0 the same test): no architecture test; V2 unless Triton is missing or
  an unsupported feature is set; on ROCm ROCM_DEFAULT_MRV1_ARCHITECTURES run V1: DeepseekV32
  and DeepseekV4, from 0.30.0 GlmMoeDsa too (0.31.0 yields to V2 where V1 lacks a feature,
  prefill context parallelism, not a Headroom setting); 0.32.0 drops that ROCm default.
- 0.34.0: V1 is gone (V1_RUNNER_REMOVED_FROM).
`VLLM_USE_V2_MODEL_RUNNER=0` restores V1 in every release 0.22-0.33."""

DRAFTS_SKIPPED_FROM: Version = (0, 33, 0)
"""NOTE: from the 0.33.0 wheel (0.34.0 the same) v1/core/sched/scheduler.py
Scheduler._drafts_unused marks a step whose every scheduled request is a non-final prefill
chunk (or samples its last output token) and SchedulerOutput.skip_drafts carries it; Model
Runner V2's execute_model (v1/worker/gpu/model_runner.py) then sets
num_spec_tokens_to_schedule 0 and propose runs its first pass alone (skip_sample, "this pass
only keeps the drafter KV in sync"). The 0.32.0 wheel's scheduler has no skip_drafts (every
step proposes k drafts), nor has 0.33.0's Model Runner V1 (gpu_model_runner.py
propose_draft_token_ids takes the scheduler's num_spec_tokens_to_schedule as it is), which no
model runs there by default (V2_RUNNER_DEFAULTS: every from 0.29.0, ROCm's V1 list gone from
0.32.0) but --model-runner v1 starts (step.draft_prefill: every chunk proposes there)."""

V1_RUNNER_REMOVED_FROM: Version = (0, 34, 0)
"""NOTE: the 0.34.0 wheel has no v1/worker/gpu_model_runner.py (Model Runner V1; present in
0.33.0) and no VllmConfig.use_v2_model_runner (config/vllm.py) nor VLLM_USE_V2_MODEL_RUNNER
(envs.py): v1/worker/gpu_worker.py Worker._make_model_runner builds v1/worker/gpu/
model_runner.py GPUModelRunner for every generative model, and platforms/interface.py
Platform.validate_environ raises ValueError("VLLM_USE_V2_MODEL_RUNNER=0 is no longer
supported: Model Runner V1 has been removed. Unset this variable.") for any value but 1."""


def model_runner(rules: "VllmRules", architectures: tuple[str, ...], moe: bool,
                 quantized: bool, stateful: bool, *, rocm: bool) -> tuple[str, str]:
    """("v1" | "v2", why, with its source) for a model on vLLM `rules`: the runner
    VllmConfig.use_v2_model_runner picks without VLLM_USE_V2_MODEL_RUNNER (V2RunnerDefault).
    `stateful`: Mamba / linear-attention layers (vLLM's is_hybrid / is_attention_free);
    `quantized`: the checkpoint has a quantization_config (ModelConfig.is_quantized);
    `rocm`: an AMD GPU, where some releases keep a few architectures on V1."""
    rule = rules.v2_runner
    where = f"vLLM {rules.label} config/vllm.py VllmConfig.use_v2_model_runner"
    if rule is None:
        return "v1", (f"vLLM {rules.label} envs.py: VLLM_USE_V2_MODEL_RUNNER defaults to off "
                      "(Model Runner V2 is opt-in before 0.22)")
    if rule.only:
        return "v2", (f"vLLM {rules.label} v1/worker/gpu_worker.py Worker._make_model_runner: "
                      "Model Runner V2 is the only runner (Model Runner V1 has been removed)")
    if rule.every:
        kept = next((a for a in architectures if a in rule.rocm_v1), None) if rocm else None
        if kept:
            return "v1", f"{where}: {kept} is in ROCM_DEFAULT_MRV1_ARCHITECTURES (V1 on ROCm)"
        gpus = ("ROCm" + (" but ROCM_DEFAULT_MRV1_ARCHITECTURES" if rule.rocm_v1 else "")
                if rocm else "an NVIDIA GPU")
        return "v2", f"{where}: every model on {gpus} (VLLM_USE_V2_MODEL_RUNNER=0 restores V1)"
    unlisted = rule.rocm_unlisted if rocm else frozenset()
    listed = next((a for a in architectures if a in rule.listed - unlisted), None)
    dropped = next((a for a in architectures if a in unlisted), None)
    off = (f" ({dropped} is left off it on ROCm: default_v2_model_runner_architectures)"
           if dropped else "")
    if rule.dense:
        if stateful and not (rule.listed_hybrid and listed):
            return "v1", f"{where}: a hybrid or attention-free model" + (
                f" not in DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES{off}" if rule.listed_hybrid else
                "") + " runs V1"
        if listed:
            return "v2", f"{where}: {listed} is in DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES"
        if not moe:
            return "v2", f"{where}: a dense model runs V2"
        return "v1", (f"{where}: a MoE model not in DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES{off} "
                      "runs V1")
    if not listed:
        return "v1", (f"{where}: {', '.join(architectures) or 'the architecture'} is not in "
                      "DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES")
    if rule.listed_plain_only and (moe or quantized):
        return "v1", (f"{where}: {listed} runs V2 only dense and unquantized (this one is "
                       + ("MoE" if moe else "quantized") + ")")
    return "v2", f"{where}: {listed} is in DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES"


def custom_ar_enabled(nvlink: bool, p2p: bool, n: int, world_sizes: tuple[int, ...]) -> bool:
    """Whether vLLM enables its custom all-reduce on a TP group of `n` GPUs (custom_all_reduce.py
    CustomAllreduce.__init__): `n` in the world sizes it takes (`world_sizes`:
    CUSTOM_AR_WORLD_SIZES, or none where --nnodes turns it off, speed.collectives), every rank
    can P2P (`_can_p2p`), and the group is two GPUs or fully NVLink-connected ("not supported
    on more than two PCIe-only GPUs")."""
    return p2p and n in world_sizes and (nvlink or n == 2)


GROUP_PAD_FROM: Version = (0, 12, 0)
"""NOTE: v1/core/kv_cache_utils.py _get_kv_cache_groups_uniform_page_size: group_size is the
smallest attention type's layer count in the 0.9.1-0.11.0 wheels; from the 0.12.0 wheel it is
the largest when that is < 1.25 x the smallest ("pad it to (13 sw, 13 full) instead of (12
sw, 24 full)")."""

GROUP_PAD_WIDER_FROM: Version = (0, 18, 0)
"""NOTE: the same test reads "max_num_layers < min_num_layers * 1.5" from the 0.18.0 wheel
("accommodating speculative decoding drafters that add extra layers to one attention type"):
1.25 in the 0.12.0-0.17.0 wheels; 1.5 in 0.18.0, 0.19.0, 0.33.0 and 0.34.0 (moved to
v1/core/kv_cache_planning.py)."""

PAGE_UNIFY_FROM: Version = (0, 12, 0)
"""NOTE: kv_cache_utils.py unify_kv_cache_spec_page_size (layers of smaller pages get larger
blocks) is absent from the 0.9.1-0.11.0 wheels, whose get_kv_cache_config (get_kv_cache_groups
in 0.11.0) raises NotImplementedError for layers of different page sizes; present from 0.12.0."""

GLOBAL_KV_GROUPS_FROM: Version = (0, 11, 0)
"""NOTE: where vLLM groups the KV layers of a pipeline-parallel model. The 0.10.1 and 0.10.2
wheels group each worker's layers alone (v1/engine/core.py _initialize_kv_caches calls
v1/core/kv_cache_utils.py get_kv_cache_config per worker, then unify_kv_cache_configs takes
the fewest blocks). From the 0.11.0 wheel (vLLM PR #23974) get_kv_cache_configs merges every
worker's specs ("Merge the KV cache specs of all workers to get the KVCacheSpecs for the whole
model"), groups them once (get_kv_cache_groups: types, group size, unified pages of the whole
model; group i of a type takes its layers i, i + groups, ...) and gives each worker every
group with its own layers, an empty group kept (inline in 0.11.0-0.16.0,
_project_kv_cache_groups_to_worker from 0.17.0); the worker's num_blocks is its pool // (page
x its fullest group's layers) and the fewest of all workers is every worker's. So every stage
takes a request's blocks in the whole model's groups. Read in the 0.11.0, 0.11.1, 0.12.0-0.20.0,
0.22.0, 0.24.0, 0.26.0, 0.27.1 and 0.28.0-0.34.0 wheels
(kv_cache_planning.py get_kv_cache_configs / get_global_kv_cache_groups in 0.33-0.34).
gemma-4-26B-A4B at PP=2 (25 sliding + 5 full layers): 5 sliding groups + 1 full, blocks of 3
pages on both stages, where each stage grouped alone made 7 + 1 groups of 2 and 4 + 1 of 3."""

FLASHINFER_HD256_FROM: Version = (0, 11, 1)
"""NOTE: flashinfer-ai/flashinfer issue 1993, "head size 256 and block size 16 is not
supported on blackwell", worked around from the 0.11.1 wheel (0.11.2, 0.12.0 the same; not
in 0.11.0) to 0.17.x (FLASHINFER_HD256_GONE_FROM):
v1/attention/backends/flashinfer.py FlashInferMetadataBuilder.__init__ asserts
kv_cache_spec.block_size != 16 for head_dim 256 ("There is a bug in FlashInfer block_size 16
head size 256 support. ..."), and model_executor/models/config.py
HybridAttentionMambaModelConfig aligns a hybrid model's attention block to 32 instead of 16
when get_head_size() == 256 and no other attention backend is forced. Both test
current_platform.is_device_capability(100) (10.0 only) in 0.11.1-0.12.0 and
is_device_capability_family(100) (any 10.x) from 0.13.0 (SM100_FAMILY_FROM)."""

FLASHINFER_HD256_GONE_FROM: Version = (0, 18, 0)
"""NOTE: the assertion and the 32-token alignment of FLASHINFER_HD256_FROM are gone from the
0.18.0 wheel (present in 0.17.0's)."""

SM100_FAMILY_FROM: Version = (0, 13, 0)
"""NOTE: where vLLM singles out datacenter Blackwell it tests
current_platform.is_device_capability(100), exactly 10.0 (B200; not B300's 10.3), up to the
0.12.0 wheel, and is_device_capability_family(100), any 10.x, from the 0.13.0 wheel, in every
rule here that reads it: FlashInfer's head-256 workaround (FLASHINFER_HD256_FROM), the MXFP4
backend (quantization/mxfp4.py get_mxfp4_backend, planner.serving.mxfp4) and the MLA backend
platforms/cuda.py check_and_update_config forces (planner.serving.mla_block)."""


def sm100_family(version: Version, capability: tuple[int, int]) -> bool:
    """Whether vLLM `version` takes this compute capability for datacenter Blackwell
    (SM100_FAMILY_FROM): exactly 10.0 before 0.13, any 10.x from it."""
    return capability == (10, 0) or (version >= SM100_FAMILY_FROM and capability[0] == 10)


def flashinfer_hd256_bug(rules: "VllmRules", compute_capability: str) -> bool:
    """Whether vLLM `rules` works around FlashInfer's head-256 block-16 bug on this GPU
    (FLASHINFER_HD256_FROM): 0.11.1-0.12 on compute capability 10.0, 0.13-0.17 on any 10.x."""
    if not FLASHINFER_HD256_FROM <= rules.version < FLASHINFER_HD256_GONE_FROM:
        return False
    capability = parse_capability(compute_capability)
    return capability is not None and sm100_family(rules.version, capability)


UMA_PSUTIL_CCS = ("8.7", "11.0", "12.1")
"""The capabilities of the 0.11.1-0.19.x list (Jetson Orin, Thor, DGX Spark's GB10)."""


def free_memory_source(rules: "VllmRules", compute_capability: str,
                       unified_memory: bool) -> str:
    """Where vLLM `rules` reads a GPU's free memory: "cudaMemGetInfo", "psutil" (the host's
    available RAM) or "unverified" (is_integrated decides, and vLLM does not say how a
    unified-memory GPU outside the old list reports it)."""
    if rules.version < UMA_PSUTIL_BY_CC_FROM:
        return "cudaMemGetInfo"
    if compute_capability in UMA_PSUTIL_CCS:
        return "psutil"
    if unified_memory and rules.version >= UMA_PSUTIL_BY_INTEGRATED_FROM:
        return "unverified"
    return "cudaMemGetInfo"


def unified_memory_note(gpu_name: str, source: str, version: str) -> str:
    """The plan's warning for a unified-memory GPU: where vLLM reads its free memory and
    what the plan leaves out because of it."""
    if source == "psutil":
        how = (f"vLLM {version} takes its free memory from the host's available RAM (psutil), "
               "so other processes and the page cache count against the start-up check")
    elif source == "unverified":
        how = (f"vLLM {version} takes its free memory from the host's available RAM only if "
               f"torch reports the {gpu_name} as integrated (is_integrated), which vLLM's "
               "source does not settle, else from cudaMemGetInfo")
    else:
        how = (f"vLLM {version} reads its free memory from cudaMemGetInfo, which on such "
               "devices misses reclaimable OS memory (page cache; vLLM utils/mem_utils.py)")
    return (f"{gpu_name} has unified memory: {how}. Memory the host takes while vLLM "
            "profiles is measured as non-torch memory, which this plan does not model.")


# NOTE: the --kv-cache-dtype choices of each release are read from its wheel's
# config/cache.py CacheDType by tools/extract_vllm_cli.py (planner/serving/vllm_cli/):
# 0.11.0-0.17.0 offer auto, bfloat16 and the fp8 variants; float16 arrives in 0.18.0; later
# releases add packed formats, sized in planner.model.attention.kvformat (nvfp4, the
# per-token-head ones, turboquant, nvfp4_ds_mla) or refused with their reason
# (planner.serving.kv_unsized: ultraquant, octave, fp8_inc, fp8_ds_mla). fp32 is none of them.


class EngineError(ValueError):
    """Engine settings that cannot be planned (bad or uncovered version, unknown dtype)."""


class LayoutRefused(EngineError):
    """A start-up vLLM refuses on this layout only (0.10.1's FlashInfer MXFP4 MoE with EP:
    mxfp4.mxfp4_ep_reason, raised by plan.layout_facts.setup): other layouts of the same
    settings may run. Every other refusal of a plan is raised by plan.derive._derive (a V0
    fall-back, MXFP4 before 0.10.1, DeepSeek-V4's block size): it depends on the settings only,
    so it refuses every layout."""


class UncoveredRelease(EngineError):
    """A vLLM release outside the covered range. The message says so and what is covered;
    `stand_in` is the nearest covered release where its rules may stand in (the newest, for
    a later release), None for one before the range (its memory is sized otherwise). The
    edges say how to pick it: the CLI its --vllm-version flag, the app its sidebar."""

    def __init__(self, message: str, stand_in: str | None = None) -> None:
        super().__init__(message)
        self.stand_in = stand_in


@dataclass(frozen=True)
class VllmRules:
    """The memory rules of one vLLM release (see the module constants for their sources)."""

    version: Version
    graphs_subtracted: bool
    tokens_from_concurrency: bool
    big_gpu_tier: bool
    blackwell_graphs_1024: bool
    sm90_fa4_fp8_hd512: bool
    checkpoint_kv_dtype: bool
    config_ssm_dtype: bool
    mamba_align: bool
    hybrid_prefix_caching: bool
    kv_cache_dtypes: tuple[str, ...]
    symm_mem: bool = True
    nnodes_custom_ar_off: bool = False  # NNODES_CUSTOM_AR_OFF
    ct_kv_scheme: bool = True  # CT_KV_SCHEME_FROM
    ct_kv_scheme_forced: bool = False  # before CT_KV_SCHEME_AUTO_ONLY_FROM
    group_pad_ratio: float = 1.5
    """The largest attention type's layer count is the KV group size when it is below this
    times the smallest's (1.0: never, before 0.12)."""
    page_unify: bool = True
    global_kv_groups: bool = True  # GLOBAL_KV_GROUPS_FROM
    full_graphs: bool = True
    graph_step16: bool = True
    graph_sizes_by_seqs: bool = True
    graph_adds_batched_tokens: bool = True  # GRAPH_ADDS_BATCHED_TOKENS_FROM
    graph_adds_max_seqs: bool = True  # GRAPH_ADDS_MAX_SEQS_FROM
    sort_sampler: bool = False  # before TRITON_TOP_K_TOP_P_FROM
    sampler_holds_forward: bool = True  # SAMPLER_HOLDS_FORWARD_FROM
    v2_runner: V2RunnerDefault | None = None  # V2_RUNNER_DEFAULTS; None: V2 is opt-in
    v2_graph_estimate: bool = True  # V2_GRAPH_ESTIMATE_FROM
    v2_sampler_fp32: bool = False  # before V2_SAMPLER_IN_PLACE_FROM, from V2_SAMPLER_WARMUP_FROM
    runner_buffers: bool = True  # RUNNER_BUFFERS_COUNTED_FROM
    extensible_kv_cache: bool = False  # EXTENSIBLE_KV_CACHE_FROM: on unless turned off
    sm100_graph_grids: bool = False  # SM100_GRAPH_GRIDS_FROM
    in_flight_window: bool = True  # IN_FLIGHT_WINDOW_FROM
    chunked_hybrid: bool = True  # CHUNKED_HYBRID_FROM
    encoder: EncoderRules = DEFAULT_ENCODER_RULES  # encoder_rules

    @property
    def label(self) -> str:
        """'0.33.0'."""
        return version_label(self.version)


@lru_cache(maxsize=64)
def parse_version(text: str) -> Version:
    """'0.19', 'v0.21.0', '0.20.2', '0.10.1.1', '0.11.0+cu128' -> (0, 19, 0), (0, 21, 0),
    (0, 20, 2), (0, 10, 1), (0, 11, 0) (vllm_cli.release_numbers); EngineError else. Cached:
    every plan's release rules ask it (a sweep, thousands of times)."""
    numbers = release_numbers(text)
    if numbers is None:
        raise EngineError(f"vLLM version {shortened(text)!r} is not like "
                          f"'{DEFAULT_VLLM_VERSION}', '0.19', 'v0.21.0', '0.10.1.1', "
                          "'0.6.1.post1' or '0.11.0+cu128' (rc and dev builds are not covered)")
    return numbers


def version_label(version: Version) -> str:
    """(0, 10, 2) -> "0.10.2"."""
    return ".".join(str(part) for part in version)


@lru_cache(maxsize=64)
def vllm_rules(text: str) -> VllmRules:
    """The rules of vLLM `text`; EngineError (one line) for a version Headroom does not cover."""
    version = parse_version(text)
    if version < OLDEST_COVERED:
        raise UncoveredRelease(
            f"vLLM {text} is not covered: Headroom models the V1 engine of vLLM "
            f"{version_label(OLDEST_COVERED)} to {NEWEST_COVERED[0]}.{NEWEST_COVERED[1]}.x (before "
            "0.9.1 V1 subtracts the CUDA context and other processes' memory, which no source "
            "sizes; before 0.8 the V0 engine runs)"
        )
    if version > NEWEST_COVERED:
        raise UncoveredRelease(
            f"vLLM {text} is not covered: the newest release Headroom was checked against is "
            f"{NEWEST_COVERED[0]}.{NEWEST_COVERED[1]}.x", stand_in=covered_releases()[-1])
    return VllmRules(
        version=version,
        graphs_subtracted=version >= GRAPHS_SUBTRACTED_FROM,
        tokens_from_concurrency=version >= TOKENS_FROM_CONCURRENCY_FROM,
        big_gpu_tier=version >= BIG_GPU_TIER_FROM,
        blackwell_graphs_1024=version >= BLACKWELL_GRAPHS_1024_FROM,
        sm90_fa4_fp8_hd512=version >= SM90_FA4_FP8_HD512_FROM,
        checkpoint_kv_dtype=version >= CHECKPOINT_KV_DTYPE_FROM,
        ct_kv_scheme=version >= CT_KV_SCHEME_FROM,
        ct_kv_scheme_forced=CT_KV_SCHEME_FROM <= version < CT_KV_SCHEME_AUTO_ONLY_FROM,
        kv_cache_dtypes=vllm_cli(version_label(version)).choices["--kv-cache-dtype"],
        config_ssm_dtype=version >= CONFIG_SSM_DTYPE_FROM,
        mamba_align=version >= MAMBA_ALIGN_FROM,
        hybrid_prefix_caching=version >= HYBRID_PREFIX_CACHING_FROM,
        in_flight_window=version >= IN_FLIGHT_WINDOW_FROM,
        chunked_hybrid=version >= CHUNKED_HYBRID_FROM,
        encoder=encoder_rules(version),
        symm_mem=version >= SYMM_MEM_FROM,
        nnodes_custom_ar_off=in_span(version, *NNODES_CUSTOM_AR_OFF),
        group_pad_ratio=(1.5 if version >= GROUP_PAD_WIDER_FROM else
                         1.25 if version >= GROUP_PAD_FROM else 1.0),
        page_unify=version >= PAGE_UNIFY_FROM,
        global_kv_groups=version >= GLOBAL_KV_GROUPS_FROM,
        full_graphs=version >= FULL_GRAPHS_FROM,
        graph_step16=version >= GRAPH_STEP16_FROM,
        graph_sizes_by_seqs=version >= GRAPH_SIZES_BY_SEQS_FROM,
        graph_adds_batched_tokens=version >= GRAPH_ADDS_BATCHED_TOKENS_FROM,
        graph_adds_max_seqs=version >= GRAPH_ADDS_MAX_SEQS_FROM,
        sort_sampler=version < TRITON_TOP_K_TOP_P_FROM,
        sampler_holds_forward=version >= SAMPLER_HOLDS_FORWARD_FROM,
        v2_runner=next((rule for start, rule in reversed(V2_RUNNER_DEFAULTS)
                        if version >= start), None),
        v2_graph_estimate=version >= V2_GRAPH_ESTIMATE_FROM,
        v2_sampler_fp32=not V2_SAMPLER_IN_PLACE_FROM <= version < V2_SAMPLER_WARMUP_FROM,
        runner_buffers=version >= RUNNER_BUFFERS_COUNTED_FROM,
        extensible_kv_cache=version >= EXTENSIBLE_KV_CACHE_FROM,
        sm100_graph_grids=version >= SM100_GRAPH_GRIDS_FROM,
    )


def covered_releases() -> tuple[str, ...]:
    """The releases to choose from, oldest first ('0.9.1' ... '0.33.0'; the app's list): each
    covered release with a command-line fixture (planner.serving.vllm_cli), one per patch
    release before 0.11, one per minor release from it, and 0.11.1 (whose parser is not
    0.11.0's), 0.15.1 and 0.22.1 (a model class more). A later patch release of one of them
    (--vllm-version 0.19.1) plans with its flags and rules: every rule above changes at one
    of these releases but two from 0.20.1, the KV tokens vLLM reports
    (TOKENS_FROM_CONCURRENCY_FROM) and the batched tokens joining the CUDA graph sizes
    (GRAPH_ADDS_BATCHED_TOKENS_FROM): the version given decides them."""
    return tuple(v for v in supported_versions()
                 if OLDEST_COVERED <= parse_version(v) <= NEWEST_COVERED)


def listed_stand_in(rules: VllmRules) -> str | None:
    """The listed release (covered_releases) whose rules and flags plan `rules`, for a later
    patch release without its own fixture ('0.19.0' for 0.19.1: vllm_cli); None for a listed
    release."""
    listed = vllm_cli(rules.label).vllm_version
    return None if listed == rules.label else listed


VLLM_CACHE_DTYPE = VLLM_KV_DTYPE
"""Headroom's KV dtype -> vLLM's --kv-cache-dtype spelling (planner.units; fp32 is
"float32", which no release offers as a cache dtype, so it is refused)."""


def require_kv_cache_dtype(rules: VllmRules, dtype: str) -> None:
    """EngineError (one line) when vLLM `rules.label` has no such --kv-cache-dtype."""
    name = VLLM_CACHE_DTYPE.get(dtype)
    if name is not None and name not in rules.kv_cache_dtypes:
        raise EngineError(
            f"vLLM {rules.label} has no --kv-cache-dtype {name} (it offers: "
            f"{', '.join(rules.kv_cache_dtypes)})"
        )
