"""Which models vLLM drafts for with --speculative-config '{"method": "mtp"}', from which
release, and its refusal where it has none.

NOTE: vLLM SpeculativeConfig.hf_config_override (config/speculative.py) turns the target's
config into its MTP draft's: each model type (MiMo: architectures[0]) below is rewritten to
the draft type named here; a model it does not rewrite keeps its own model_type, which is not
one of MTPModelTypes, and __post_init__ raises NotImplementedError("Unsupported speculative
method: 'mtp'"). The first release is the first unpacked wheel (0.7.3-0.34.0, no 0.9; 0.18.0's
hf_config_override is 0.17.0's; the covered patch releases 0.11.1 and 0.15.1 add
pangu_ultra_moe and step3p5) whose hf_config_override names the type; all are still there in
0.33.0 and 0.34.0.
"""

from planner.model.spec import ModelSpec
from planner.serving.vllm_versions import Version, parse_version, version_label

MTP_DRAFTS: dict[str, tuple[str, Version]] = {
    "deepseek_v3": ("deepseek_mtp", (0, 7, 3)),
    "deepseek_v32": ("deepseek_mtp", (0, 11, 0)),
    "glm_moe_dsa": ("deepseek_mtp", (0, 16, 0)),
    "deepseek_v4": ("deepseek_mtp", (0, 20, 0)),
    "mimo": ("mimo_mtp", (0, 10, 0)),
    "mimo_v2_flash": ("mimo_v2_mtp", (0, 21, 0)),
    "glm4_moe": ("glm4_moe_mtp", (0, 10, 0)),
    "glm4_moe_lite": ("glm4_moe_lite_mtp", (0, 15, 0)),
    "ernie4_5_moe": ("ernie_mtp", (0, 11, 0)),
    "qwen3_next": ("qwen3_next_mtp", (0, 11, 0)),
    "qwen3_5": ("qwen3_5_mtp", (0, 17, 0)),
    "qwen3_5_moe": ("qwen3_5_mtp", (0, 17, 0)),
    "nemotron_h": ("nemotron_h_mtp", (0, 17, 0)),
    "exaone_moe": ("exaone_moe_mtp", (0, 14, 0)),
    "longcat_flash": ("longcat_flash_mtp", (0, 11, 0)),
    "step3p5": ("step3p5_mtp", (0, 15, 1)),
    "pangu_ultra_moe": ("pangu_ultra_moe_mtp", (0, 11, 1)),
    "hy_v3": ("hy_v3_mtp", (0, 20, 0)),
}  # fmt: skip
"""model_type -> (vLLM's draft model_type, first release whose hf_config_override maps it)."""

_UNSUPPORTED = "Unsupported speculative method: 'mtp'"


def mtp_refusal(spec: ModelSpec, num_speculative_tokens: int, vllm_version: str
                ) -> tuple[str, ...]:
    """vLLM's refusal of MTP drafting for this model and release, or () where it drafts."""
    if not num_speculative_tokens:
        return ()
    name = spec.name or spec.model_type
    draft = MTP_DRAFTS.get(spec.model_type)
    # NOTE: hf_config_override rewrites nemotron_h only where num_nextn_predict_layers > 0
    # (Nemotron-3 Nano has none): it stays unmapped.
    if draft is None or (spec.model_type == "nemotron_h" and not spec.mtp_layers):
        return (f"vLLM refuses --speculative-config method mtp for {name}: \"{_UNSUPPORTED}\" "
                f"(it has no multi-token-prediction draft for model_type {spec.model_type})",)
    first = version_label(draft[1])
    if parse_version(vllm_version) < draft[1]:
        return (f"vLLM {vllm_version} refuses --speculative-config method mtp for {name}: "
                f"\"{_UNSUPPORTED}\" (its multi-token-prediction draft {draft[0]} arrives in "
                f"{first})",)
    if not spec.mtp_layers:
        return (f"--speculative-config method mtp: {name} declares no multi-token-prediction "
                "layer (num_nextn_predict_layers / mtp_num_hidden_layers), so there is no "
                "draft to load.",)
    return ()


SHARED_HEAD_FROM: Version = (0, 17, 0)
"""NOTE: deepseek_mtp.py gives each MTP layer a SharedHead with its own ParallelLMHead
(shared_head.head, loaded from model.layers.N.shared_head.head). vLLM 0.11.0-0.16.x
(v1/spec_decode/eagle.py load_model) shares only the draft's embed_tokens and model-level
lm_head with the target; from 0.17.0 it also replaces shared_head.head by the target's
lm_head ("Shared target model lm_head with MTP shared_head.head"; 0.34.0, Model Runner V2 only:
v1/worker/gpu/spec_decode/eagle/utils.py load_eagle_model, the same)."""


def draft_own_heads(spec: ModelSpec, vllm_version: str) -> bool:
    """Whether each MTP draft layer keeps its own lm_head copy (DeepSeek-style drafts before
    SHARED_HEAD_FROM)."""
    draft = MTP_DRAFTS.get(spec.model_type)
    return (draft is not None and draft[0] == "deepseek_mtp"
            and parse_version(vllm_version) < SHARED_HEAD_FROM)


DRAFT_EMBED_DROPPED_FROM: dict[str, Version] = {"nemotron_h_mtp": (0, 33, 0)}
"""NOTE: the first release whose draft of that type builds no embed_tokens of its own:
nemotron_h_mtp.py NemotronHMultiTokenPredictor builds a VocabParallelEmbedding in the 0.17.0,
0.25.0 and 0.32.0 wheels, and from 0.33.0 (0.34.0 the same) `self.embed_tokens:
VocabParallelEmbedding | None = None` ("must be shared from target model") with
has_own_embed_tokens = False. The other drafts build `VocabParallelEmbedding(config.vocab_size,
config.hidden_size)` (deepseek_mtp.py, mimo_mtp.py, mimo_v2_mtp.py, qwen3_next_mtp.py,
qwen3_5_mtp.py and vllm/models/qwen3_5/nvidia/mtp.py, glm4_moe_mtp.py, ... in the 0.34.0
wheel)."""


def draft_builds_embed(spec: ModelSpec, vllm_version: str) -> bool:
    """Whether the MTP draft builds embed_tokens of its own (DRAFT_EMBED_DROPPED_FROM), which
    vLLM replaces by the target's at one pipeline stage only (weights.rank_weights).

    NOTE: the draft takes the target's embedding `if get_pp_group().world_size == 1` (V1:
    v1/spec_decode/eagle.py load_model in the 0.11.0-0.19.0 wheels, llm_base_proposer.py
    _maybe_share_embeddings in 0.22.0-0.33.0, else "The draft model's vocab embedding will be
    loaded separately from the target model"; Model Runner V2: v1/worker/gpu/spec_decode/
    eagle/utils.py load_eagle_model in 0.22.0-0.29.0), and from 0.30.0 V2's
    maybe_share_target_embed returns at PP > 1 for a draft without has_own_embed_tokens (0.30.0,
    0.31.0, 0.33.0 and 0.34.0 wheels): at PP > 1 the last stage holds the draft's own copy."""
    draft = MTP_DRAFTS.get(spec.model_type)
    if draft is None:
        return False
    dropped = DRAFT_EMBED_DROPPED_FROM.get(draft[0])
    return dropped is None or parse_version(vllm_version) < dropped
