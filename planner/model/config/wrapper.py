"""Multimodal wrappers: the text model's type, whose rules build the text layers, and the
towers of the wrappers Headroom plans only the text model of."""

from planner.model.config.families import KNOWN_TYPES
from planner.model.config.reader import Notes, Reader
from planner.model.spec import WRAPPER_TOWERS_UNCOUNTED, ConfigError, VisionSpec

WRAPPER_TEXT_TYPES: dict[str, str] = {"paligemma": "gemma"}
"""NOTE: the text config type a wrapper builds where text_config names none: transformers 4.57.1
PaliGemmaConfig.__init__ (`text_config.get("model_type", "gemma")`) and 5.24.0 (sub_configs
`text_config` SubConfigSpec model_type="gemma")."""


TOWER_CONFIG_KEYS = ("vision_config", "audio_config", "encoder_config", "projector_config")
"""NOTE: the config.json keys of what a multimodal wrapper builds besides its text model, as
transformers 5.24.0's config classes name their sub-configs: vision_config (Idefics3Config,
SmolVLMConfig, InternVLConfig, LlavaOnevisionConfig, LlavaNextVideoConfig, LightOnOcrConfig,
GotOcr2Config, Ovis2Config), audio_config (Qwen2AudioConfig, VoxtralConfig), encoder_config and
projector_config (GraniteSpeechConfig's speech encoder and Q-Former projector)."""

SIZED_WRAPPERS = ("llava", "llava_next", "paligemma")
"""Wrappers outside KNOWN_TYPES whose vision tower and projector vision.py sizes from
vision_config (vision._llava_like: the SigLIP / CLIP / Pixtral tower with its projector)."""


def unsized_wrapper(model_type: str, text_type: str) -> bool:
    """Whether `model_type` is a multimodal wrapper Headroom plans only the text model of: no
    known architecture itself nor a SIZED_WRAPPERS one, around a text_config of a known type
    (layer_type builds its text layers). vLLM loads its towers too (idefics3.py, interns1.py,
    llava_onevision.py, qwen2_audio.py, granite_speech.py, ...), which nothing here sizes."""
    return (model_type not in KNOWN_TYPES and model_type not in SIZED_WRAPPERS
            and text_type in KNOWN_TYPES)


def _head(tied: bool) -> str:
    """What the plan counts for a tie reading, in words."""
    return ("no lm_head of its own (tied to the embeddings)" if tied else
            "a separate lm_head")


def unsized_towers(top: Reader, model_type: str, text_type: str, notes: Notes,
                   ties: tuple[bool, bool | None]) -> VisionSpec | None:
    """Say that an unsized_wrapper's towers are not counted (a warning, and an unmodelled part
    the verdict names), without guessing their size from another family's formula; a
    vision_config still makes it a vision model (VisionSpec of 0 parameters), whose encoder
    start-up profile the plan leaves out (encoder_cover.encoder_gap). `ties`: tie_embeddings'
    (tied, text_config's reading where it differs), whose lm_head count the warning states."""
    for key in TOWER_CONFIG_KEYS:
        if top.get(key) is not None and not isinstance(top.get(key), dict):
            raise ConfigError(f"config.json: {key} must be an object")
    keys = ", ".join(key for key in TOWER_CONFIG_KEYS if top.get(key) is not None)
    given = keys or f"the {model_type} config class's defaults, as config.json gives none"
    notes.warnings.append(
        f"{model_type} is a multimodal wrapper Headroom does not model: it plans only the "
        f"{text_type} text model (text_config). The towers vLLM also loads ({given}) are not "
        "counted, so the weights are too low and the KV cache too high by their size: check "
        "against a real start-up." + ("" if ties[1] is None else (
            f" Its lm_head differs by release: from vLLM 0.19.1, under transformers 5 (0.24.0 "
            f"on require it), config/vllm.py with_hf_config copies the {model_type} config's "
            f"tie_word_embeddings ({str(ties[0]).lower()}) onto the text model, and the plan "
            f"counts {_head(ties[0])}"
            + ("; a checkpoint's own lm_head.weight is then not served (vLLM issue #51063)"
               if ties[0] else "")
            + f"; before 0.19.1 it counts {_head(ties[1])}, as vLLM builds it under "
            f"transformers 4 from text_config's ({str(ties[1]).lower()}), as 0.19.1-0.23.x do "
            "with transformers<5 pinned.")))
    notes.unmodelled.append(f"{model_type} {WRAPPER_TOWERS_UNCOUNTED}"
                            + (f" ({keys})" if keys else ""))
    vision = top.get("vision_config")
    if vision is None:
        return None
    kind = vision.get("model_type")
    return VisionSpec(model_type=kind if isinstance(kind, str) and kind else "vision", params=0,
                      note=f"not counted: Headroom does not size the {model_type} tower")


def text_model_type(r: Reader, model_type: str) -> str:
    """The text model's type: text_config's model_type, else the one its wrapper builds
    (WRAPPER_TEXT_TYPES), else the config's own."""
    return str(r.get("model_type") or WRAPPER_TEXT_TYPES.get(model_type, model_type))


def layer_type(model_type: str, text_type: str) -> str:
    """The model_type whose rules build the text layers: `text_type` (text_config's) for a
    wrapper that is no known architecture itself but whose text model is one (PaliGemma with
    a Gemma 2 text model: alternating sliding layers, four norms a layer), else the config's.

    NOTE: paligemma.py PaliGemmaForConditionalGeneration (0.16.0, 0.19.0, 0.24.0, 0.29.0,
    0.33.0 and 0.34.0 wheels) sets text_config.architectures to GemmaForCausalLM for a "gemma"
    text config (0.34.0's registry serves it through the Transformers backend) and to
    Gemma2ForCausalLM otherwise, and builds it with init_vllm_registered_model(
    hf_config=config.text_config): gemma2.py's layers then slide where
    `config.layer_types[layer_idx] == "sliding_attention"` (even layers: the list Gemma2Config
    writes where text_config gives none, transformers 5.24.0 PaliGemmaConfig building its
    text_config) and each has four GemmaRMSNorms, as for a plain Gemma 2 config.json.
    llava.py and llava_next.py build their text model from text_config the same way, as do
    the wrappers Headroom does not know whose vLLM model runs init_vllm_registered_model(
    hf_config=config.text_config) or with_hf_config(config.text_config) (0.24.0, 0.33.0 and
    0.34.0 wheels: aya_vision.py, idefics3.py, internvl.py, interns1.py, llava_onevision.py and
    others), so their text layers take the text type's rules too."""
    return text_type if model_type not in KNOWN_TYPES and text_type in KNOWN_TYPES else model_type
