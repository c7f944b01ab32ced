"""What vLLM's text-only and encoder-parallel flags change in a multimodal model's memory.

--language-model-only (0.17.0 on) and --limit-mm-per-prompt with every modality of the tower at
0 serve the model text-only: the worker runs no encoder profile and uses no encoder cache, and
the release drops the tower's weights where it builds it under a limit guard
(vllm_versions.TOWER_MODALITIES, TOWER_SKIPPED_AT_ZERO_FROM, EARLY_TOWER_SKIP_TYPES).
--mm-encoder-tp-mode data holds the whole tower on every TP rank where the model class takes it
(vllm_versions.ENCODER_TP_DATA_TYPES); elsewhere vLLM falls back to weights.
"""

from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.vllm_versions import (
    EARLY_TOWER_SKIP_TYPES,
    ENCODER_TP_DATA_FROM,
    ENCODER_TP_DATA_TYPES,
    TOWER_MODALITIES,
    TOWER_SKIPPED_AT_ZERO_FROM,
    Version,
    version_label,
)


def text_only_flag(s: EngineSettings) -> str:
    """The flag that asks for text-only serving, as the notes name it ('' where none does)."""
    if s.language_model_only:
        return "--language-model-only"
    return ("--limit-mm-per-prompt " + ", ".join(f"{m} 0" for m in s.zero_mm_limits)
            if s.zero_mm_limits else "")


def text_only(spec: ModelSpec, s: EngineSettings) -> bool:
    """Whether vLLM serves this vision model text-only: every modality its tower takes
    (TOWER_MODALITIES) is at 0, by --language-model-only or --limit-mm-per-prompt."""
    modalities = TOWER_MODALITIES.get(spec.model_type)
    return (spec.vision is not None and modalities is not None
            and (s.language_model_only or modalities <= set(s.zero_mm_limits)))


def tower_dropped(spec: ModelSpec, s: EngineSettings, version: Version) -> bool:
    """Whether this release builds no vision tower for the text-only model (its weights not
    loaded): every release from TOWER_SKIPPED_AT_ZERO_FROM, EARLY_TOWER_SKIP_TYPES before."""
    return text_only(spec, s) and (version >= TOWER_SKIPPED_AT_ZERO_FROM
                                   or spec.model_type in EARLY_TOWER_SKIP_TYPES)


def encoder_data_parallel(spec: ModelSpec, s: EngineSettings, version: Version) -> bool:
    """Whether --mm-encoder-tp-mode data is in effect: asked, and the model class takes it
    (ENCODER_TP_DATA_TYPES from ENCODER_TP_DATA_FROM); a dropped tower has nothing to hold."""
    return (s.mm_encoder_tp_mode == "data" and spec.vision is not None
            and spec.model_type in ENCODER_TP_DATA_TYPES and version >= ENCODER_TP_DATA_FROM
            and not tower_dropped(spec, s, version))


def mm_mode_notes(spec: ModelSpec, s: EngineSettings, version: Version) -> tuple[str, ...]:
    """The plan's notes where a flag does less than it says: a tower this release still
    builds, modalities left above 0, data mode a model class falls back from."""
    notes = []
    flag = text_only_flag(s)
    modalities = TOWER_MODALITIES.get(spec.model_type)
    release = version_label(version)
    if flag and spec.vision is not None and modalities is None:
        notes.append(f"{flag}: Headroom does not know which modalities build the "
                     f"{spec.model_type} vision tower, so it plans the tower and its encoder "
                     "profile as without the flag")
    elif flag and text_only(spec, s) and not tower_dropped(spec, s, version):
        notes.append(
            f"{flag}: vLLM {release} serves {spec.model_type} text-only (no encoder profile, "
            "no encoder cache) but still builds and loads its vision tower: this model's "
            f"class has no limit guard before {version_label(TOWER_SKIPPED_AT_ZERO_FROM)} "
            "(vllm_versions.EARLY_TOWER_SKIP_TYPES), so its weights stay in the plan")
    elif flag and modalities is not None and spec.vision is not None and not text_only(spec, s):
        left = ", ".join(sorted(modalities - set(s.zero_mm_limits)))
        notes.append(f"{flag}: {left} keeps vLLM's 999 items per prompt, so the vision tower "
                     "is built and its encoder profiled as without the flag (every one of "
                     f"{', '.join(sorted(modalities))} at 0 serves text only)")
    if (s.mm_encoder_tp_mode == "data" and spec.vision is not None
            and not encoder_data_parallel(spec, s, version)
            and not tower_dropped(spec, s, version)):
        notes.append(f"--mm-encoder-tp-mode data: vLLM {release} does not take it for "
                     f"{spec.model_type} and falls back to weights (config/model.py: \"This "
                     "model does not support `--mm-encoder-tp-mode data`\"): planned as the "
                     "default")
    return tuple(notes)
