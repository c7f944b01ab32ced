"""Whether vLLM ties lm_head to the input embeddings, per release: the parser reads the tie
config.json gives; some releases read another one (a multimodal wrapper's text config) or none
(Gemma 2 from 0.29.0), and the plan sizes the weights that release loads."""

from planner.memo import IdentityMemo
from planner.model.spec import ModelSpec
from planner.serving.vllm_versions import (
    GEMMA2_ALWAYS_TIED_FROM,
    WRAPPER_TIE_COPIED_FROM,
    Version,
    parse_version,
)


def _gemma2(spec: ModelSpec) -> bool:
    """Whether the text model is Gemma 2 (plain or a wrapper's text_config)."""
    return (spec.window.text_model_type if spec.window else spec.model_type) == "gemma2"


def _gemma2_always_tied(spec: ModelSpec, version: Version) -> bool:
    """A Gemma 2 text model on a release whose gemma2.py builds no lm_head."""
    return _gemma2(spec) and version >= GEMMA2_ALWAYS_TIED_FROM


def served_tie(spec: ModelSpec, version: Version) -> bool:
    """Whether vLLM `version` ties lm_head to embed_tokens: always for a Gemma 2 text model
    from GEMMA2_ALWAYS_TIED_FROM; a wrapper's text_config reading (where it differs) before
    WRAPPER_TIE_COPIED_FROM; else config.json's (ModelSpec.tie_word_embeddings)."""
    if _gemma2_always_tied(spec, version):
        return True
    if spec.text_tie_word_embeddings is not None and version < WRAPPER_TIE_COPIED_FROM:
        return spec.text_tie_word_embeddings
    return spec.tie_word_embeddings


_SERVED: IdentityMemo[ModelSpec] = IdentityMemo(256)


def served_spec(spec: ModelSpec, vllm_version: str) -> ModelSpec:
    """`spec` with the tie vLLM `vllm_version` builds (served_tie): `spec` itself where that is
    config.json's, else one copy per spec and release (cached) that says why."""
    if spec.text_tie_word_embeddings is None and (spec.tie_word_embeddings or not _gemma2(spec)):
        return spec  # every release builds config.json's tie (the sweep's hot path)
    version = parse_version(vllm_version)
    if served_tie(spec, version) == spec.tie_word_embeddings:
        return spec
    return _SERVED.get(spec, (version,), _retied, spec, version, vllm_version)


def _retied(spec: ModelSpec, version: Version, vllm_version: str) -> ModelSpec:
    tie = not spec.tie_word_embeddings
    note = (f"vLLM {vllm_version} builds Gemma 2 with no lm_head (gemma2.py reads embed_tokens "
            "for the logits whatever tie_word_embeddings says): planned tied; a checkpoint "
            "that stores lm_head.weight fails to load"
            if _gemma2_always_tied(spec, version) else
            f"vLLM {vllm_version} builds the text model {'tied' if tie else 'untied'} from "
            "text_config's tie_word_embeddings (0.24.0 on, under transformers 5, read the "
            "wrapper's): planned so")
    return spec.model_copy(update={"tie_word_embeddings": tie,
                                   "assumptions": (*spec.assumptions, note)})
