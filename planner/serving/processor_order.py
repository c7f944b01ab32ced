"""Which processor-file order a plan reads a Qwen3-VL-family checkpoint with: the one of the
transformers major the targeted vLLM release runs with (model.config.processor's NOTE).
vLLM before TRANSFORMERS_5_ALLOWED_FROM (0.19.1) requires transformers < 5 (4.57's order:
VisionSpec.transformers4); 0.19.1 on is planned under transformers 5 (5.x's order:
VisionSpec.encoder), 0.19.1-0.23.x with a note of what 4.57 reads where transformers<5 is
pinned (vllm_versions.TRANSFORMERS_5_ALLOWED_FROM's NOTE)."""

from planner.memo import IdentityMemo
from planner.model.spec import ModelSpec, VisionEncoder
from planner.serving.vllm_versions import (
    TRANSFORMERS_5_ALLOWED_FROM,
    TRANSFORMERS_5_ONLY_FROM,
    Version,
    version_label,
)


def read_encoder(spec: ModelSpec, version: Version) -> VisionEncoder | None:
    """The Qwen3-VL-family encoder vLLM `version` profiles: 4.57's reading before
    TRANSFORMERS_5_ALLOWED_FROM where it differs, else VisionSpec.encoder (None: no tower)."""
    vision = spec.vision
    if vision is None:
        return None
    if vision.transformers4 is not None and version < TRANSFORMERS_5_ALLOWED_FROM:
        return vision.transformers4.encoder
    return vision.encoder


_READ: IdentityMemo[ModelSpec] = IdentityMemo(256)


def processor_order_spec(spec: ModelSpec, version: Version) -> ModelSpec:
    """`spec` with the encoder, assumption and warnings of 4.57's processor-file order before
    TRANSFORMERS_5_ALLOWED_FROM where that order reads other files (VisionSpec.transformers4
    kept: processor_order_note names it, and a second call gives the copy itself); `spec`
    itself otherwise (one copy per spec, cached)."""
    if read_encoder(spec, version) is (spec.vision.encoder if spec.vision else None):
        return spec
    return _READ.get(spec, (), _transformers4, spec)


def _transformers4(spec: ModelSpec) -> ModelSpec:
    vision = spec.vision
    assert vision is not None and vision.transformers4 is not None  # (processor_order_spec)
    four = vision.transformers4
    return spec.model_copy(update={
        "vision": vision.model_copy(update={"encoder": four.encoder}),
        "assumptions": (*(a for a in spec.assumptions if a not in four.replaces),
                        four.assumption),
        "warnings": (*(w for w in spec.warnings if w not in four.replaces), *four.warnings)})


def processor_order_note(spec: ModelSpec, version: Version) -> str | None:
    """The plan's note where the two orders read other files: which one the plan took (4.57's
    before TRANSFORMERS_5_ALLOWED_FROM; 5.x's up to TRANSFORMERS_5_ONLY_FROM, where vLLM runs
    under transformers 4 or 5, with what 4.57's gives); None elsewhere."""
    vision = spec.vision
    four = vision.transformers4 if vision is not None else None
    if four is None or version >= TRANSFORMERS_5_ONLY_FROM:
        return None
    label = version_label(version)
    if version < TRANSFORMERS_5_ALLOWED_FROM:
        return (f"vLLM {label} requires transformers<5, whose 4.57 reads this checkpoint's "
                "processor files in another order than transformers 5: planned in 4.57's "
                f"({four.assumption})")
    return (f"vLLM {label} runs under transformers 4 or 5, which read this checkpoint's "
            "processor files in another order: planned in transformers 5's (its docker image "
            f"and a fresh pip install); with transformers<5 pinned, {four.assumption}")
