"""tie_word_embeddings as vLLM builds it: a plain config's, and a multimodal wrapper's two
readings (its own, which vLLM copies onto the text model under transformers 5, and
text_config's, kept under transformers 4)."""

from planner.model.config.families import GEMMA_TYPES, MLA_ONLY_TYPES
from planner.model.config.reader import Reader
from planner.model.config.wrapper import text_model_type

WRAPPER_TIE_DEFAULTS: dict[str, bool | None] = {
    "gemma3": True, "gemma4": True, "paligemma": True, "mistral3": True,
    "internvl": True, "lighton_ocr": True, "granite_speech": True,
    "llama4": False, "qwen3_vl": False, "qwen3_vl_moe": False, "llava": False,
    "llava_next": False, "llava_onevision": False, "llava_next_video": False,
    "qwen2_audio": None, "voxtral": None,
}  # fmt: skip
"""NOTE: multimodal wrappers whose vLLM model builds its language model from config.text_config
through VllmConfig.with_hf_config (init_vllm_registered_model(hf_config=config.text_config):
gemma3_mm.py, gemma4_mm.py, paligemma.py, mistral3.py, llava.py, llava_next.py;
`with_hf_config(config.text_config)`: mllama4.py, qwen3_vl.py, qwen3_vl_moe.py;
0.18.1, 0.19.0, 0.24.0, 0.33.0 and 0.34.0 wheels; qwen3_5.py reads hf_text_config and is not
one, as 0.34.0's CUDA Qwen3.5, vllm/models/qwen3_5/nvidia/model.py), and
the tie_word_embeddings their transformers 5.24.0 config class holds when config.json's top
level leaves it out, which with_hf_config copies onto the text config (serving.tie): Gemma3Config
(`bool | None = True`), Gemma4Config, PaliGemmaConfig and Mistral3Config
(`bool = True`, whatever text_config says), Llama4Config, Qwen3VLConfig, Qwen3VLMoeConfig,
LlavaConfig and LlavaNextConfig (`bool = False`; LlavaConfig.__post_init__ takes text_config's
true over its own false). Read in each configuration_<type>.py and checked by building each
class under 5.24.0. kimi_vl.py and kimi_k25.py build theirs the same way, as
DeepseekV2ForCausalLM, which never ties (NEVER_TIED_TYPES).
The wrappers Headroom plans only the text model of (unsized_wrapper) build it the same way
(interns1.py for InternVLForConditionalGeneration, lightonocr.py, granite_speech.py,
llava_onevision.py, llava_next_video.py, qwen2_audio.py, voxtral.py:
init_vllm_registered_model(hf_config=config.text_config), which calls with_hf_config
(models/utils.py); read in the 0.19.0, 0.19.1, 0.23.0, 0.24.0, 0.29.0, 0.33.0 and 0.34.0 wheels,
lightonocr.py from 0.19.0), and their language models (qwen2.py, qwen3.py, granite.py,
llama.py) tie lm_head to embed_tokens where `config.tie_word_embeddings` (0.24.0, 0.33.0 and
0.34.0 wheels). InternVLConfig, LightOnOcrConfig and GraniteSpeechConfig (5.24.0) hold
`tie_word_embeddings: bool = True` while their text configs (Qwen2Config, Qwen3Config,
GraniteConfig) hold False: from 0.24.0 vLLM ties the lm_head unless config.json's top level
says false, and a checkpoint's own lm_head.weight is not served, as for Mistral 3 (vLLM issue
#51063). LlavaOnevisionConfig and LlavaNextVideoConfig hold False (and take text_config's true,
as LlavaConfig); Qwen2AudioConfig and VoxtralConfig have no such field (None). Idefics3 /
SmolVLM are not listed: idefics3.py ties its own lm_head by the config's text_config
(`self.config.text_config.tie_word_embeddings`), and both classes default to False."""

WRAPPER_TIE_FROM_TEXT = ("llava", "llava_onevision", "llava_next_video")
"""Wrappers whose transformers 5 class takes text_config's true over its own false
(LlavaConfig.__post_init__, 5.24.0: "forward-pass the attr from text config"; the same lines in
LlavaOnevisionConfig.__post_init__ and LlavaNextVideoConfig.__post_init__)."""


NEVER_TIED_TYPES = MLA_ONLY_TYPES
"""NOTE: text model_types vLLM builds as DeepseekV2ForCausalLM or a subclass (DeepseekV3,
DeepseekV32, GlmMoeDsa; kimi_vl.py and kimi_k25.py build their language model with
architectures=["DeepseekV2ForCausalLM"]): its __init__ makes its own ParallelLMHead(vocab_size,
hidden_size) on the last PP rank and nothing ties it to embed_tokens, whatever
tie_word_embeddings says (model_executor/models/deepseek_v2.py: no tie_weights, no read of
the flag, in the 0.9.1, 0.10.1, 0.10.2 and 0.14.0 wheels and the 0.17.0-0.34.0 sources; from
0.29.0 vllm/models/deepseek_v32/nvidia/model.py passes the flag only to make_input_embedding,
which asserts TP 1 under VLLM_REPLICATE_EMBED with it)."""


def tie_embeddings(top: Reader, r: Reader, model_type: str) -> tuple[bool, bool | None]:
    """(tied, text_config's own reading where it differs for a WRAPPER_TIE_DEFAULTS wrapper,
    else None)."""
    if text_model_type(r, model_type) in NEVER_TIED_TYPES:
        return _never_tied(top, r), None
    if r is not top and model_type in WRAPPER_TIE_DEFAULTS:
        tie, text_tie = _wrapper_tie(top, r, model_type)
        return tie, None if text_tie == tie else text_tie
    return _plain_tie(top, r, model_type), None


def _never_tied(top: Reader, r: Reader) -> bool:
    """Untied (NEVER_TIED_TYPES), warned where the config says tied."""
    said = next((reader for reader in (r, top) if reader.flag("tie_word_embeddings")), None)
    if said is not None:
        said.notes.warnings.append(
            f"{said.where('tie_word_embeddings')} is true, but vLLM's DeepseekV2ForCausalLM "
            "builds its own lm_head (ParallelLMHead, model_executor/models/deepseek_v2.py) and "
            "never ties it to embed_tokens: planned untied; the checkpoint must hold "
            "lm_head.weight")
    r.record("tied embeddings", False, None, "DeepseekV2ForCausalLM never ties")
    return False


def _own_tie(reader: Reader, default: bool) -> bool:
    """A config's own tie_word_embeddings as transformers holds it: its value, `default` left
    out, and a null as untied (vLLM reads the None `if config.tie_word_embeddings`; a Gemma
    model that asserts it refuses it: model_config.gemma_tie_errors)."""
    value = reader.flag("tie_word_embeddings")
    return (reader.null("tie_word_embeddings") is None and default) if value is None else value


def _wrapper_tie(top: Reader, r: Reader, model_type: str) -> tuple[bool, bool]:
    """A wrapper's two readings: its own (its value, else its class's WRAPPER_TIE_DEFAULTS),
    which vLLM copies onto the text config under transformers 5; and text_config's (its
    value, else its transformers 4.57.1 class default: GemmaConfig, Gemma2Config and
    Gemma3TextConfig True, LlamaConfig, MistralConfig, GraniteConfig, DeepseekV2/V3Config,
    Llama4TextConfig, Qwen3VLTextConfig and Qwen3VLMoeTextConfig False), which transformers 4
    leaves it. serving.tie.served_tie picks the release's.

    NOTE: VllmConfig.with_hf_config (config/vllm.py) copies the top-level
    hf_config.tie_word_embeddings onto the text config of a multimodal model: in the
    0.16.0-0.18.1 wheels only where the text config has no such attribute (under the
    transformers 4 they require every config has one), in the 0.19.0-0.23.0 wheels only under
    transformers >= 5.0.0 (which 0.19.1-0.23.0 allow and are planned under:
    vllm_versions.TRANSFORMERS_5_ALLOWED_FROM), from 0.24.0 always (0.24.0, 0.29.0, 0.33.0,
    0.34.0 wheels)."""
    text_tie = _own_tie(r, text_model_type(r, model_type) in GEMMA_TYPES)
    default = WRAPPER_TIE_DEFAULTS[model_type]
    tie = _own_tie(top, text_tie if default is None else default)
    if model_type in WRAPPER_TIE_FROM_TEXT:
        tie = tie or text_tie
    key, null = top.key("tie_word_embeddings"), top.null("tie_word_embeddings")
    if key is None and null is None and default is not None:
        top.notes.assumptions.append(
            f"tie_word_embeddings missing: assumed {default} (the transformers 5 {model_type} "
            "config class default)")
    for reader in (top, r):
        if reader.null("tie_word_embeddings"):
            reader.notes.assumptions.append(
                f"{reader.prefix}tie_word_embeddings null: untied (a separate lm_head), as "
                "vLLM reads a None (`if config.tie_word_embeddings`)")
    top.record("tied embeddings", tie, key or null, "null: untied" if null else "")
    if tie != text_tie:
        top.notes.assumptions.append(
            f"tie_word_embeddings: vLLM under transformers 5 (0.24.0 on; 0.19.1-0.23.x unless "
            f"transformers<5 is pinned) builds the text model with the "
            f"wrapper's ({'tied' if tie else 'untied'}), under transformers 4 with text_config's "
            f"({'tied' if text_tie else 'untied'}): each release is planned as it builds it "
            "(transformers 4 before 0.19.1, transformers 5 from it)" + (
                "; tied, a checkpoint's own lm_head.weight is not served (vLLM issue #51063)"
                if tie else ""))
    return tie, text_tie


def _plain_tie(top: Reader, r: Reader, model_type: str) -> bool:
    """The tie of a plain config or another wrapper: text_config's value, else the top's;
    a null as untied; else the config class's default, Gemma's True or Llama's False. Both
    values are checked even where text_config's decides: transformers 5 (vLLM 0.19.1 on, planned)
    refuses a wrapper's tie_word_embeddings that is not a boolean, as the text config's
    (5.24.0 Idefics3Config(tie_word_embeddings="yes"): StrictDataclassFieldValidationError,
    "expected bool, got str", checked by building it)."""
    values = [(reader, reader.flag("tie_word_embeddings")) for reader in (r, top)]
    for reader, value in values:
        if value is not None:
            reader.record("tied embeddings", value, "tie_word_embeddings")
            return value
    null = next((reader for reader in (r, top) if reader.null("tie_word_embeddings")), None)
    if null is not None:
        # NOTE: transformers 4.57.1 PretrainedConfig keeps the None, and vLLM ties only where
        # `config.tie_word_embeddings` is true (llama.py, qwen3.py, starcoder2.py, 0.11.0
        # wheel; gemma3.py from 0.14.0). Gemma's models that assert it instead refuse the
        # null, as an untied Gemma (model_config.gemma_tie_errors).
        null.notes.assumptions.append(
            f"{null.prefix}tie_word_embeddings null: untied (a separate lm_head), as vLLM "
            "reads a None (`if config.tie_word_embeddings`)")
        null.record("tied embeddings", False, "tie_word_embeddings", "null: untied")
        return False
    class_default = top.defaults.values.get("tie_word_embeddings") if (
        r is top and top.defaults) else None
    if isinstance(class_default, bool):  # a plain config: its class's (Starcoder2Config True)
        top._note_default("tie_word_embeddings")
        top.notes.fields.add("tied embeddings", str(class_default),
                             f"default: {top.defaults.why('tie_word_embeddings')}")
        return class_default
    default = model_type in GEMMA_TYPES
    r.notes.assumptions.append(
        f"tie_word_embeddings missing: assumed {default} (transformers default for "
        f"{'Gemma' if default else 'Llama-style'} configs)"
    )
    r.record("tied embeddings", default, None)
    return default
