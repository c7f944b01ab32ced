"""Whether vLLM ties lm_head to the input embeddings, per release: the parser reads the tie
config.json gives; some releases read another one (a multimodal wrapper's text config) or none
(Gemma 2 from 0.29.0), and the plan sizes the weights that release loads."""

from planner.memo import IdentityMemo
from planner.model.spec import ModelSpec
from planner.serving.vllm_versions import (
    GEMMA2_ALWAYS_TIED_FROM,
    TRANSFORMERS_5_ALLOWED_FROM,
    TRANSFORMERS_5_ONLY_FROM,
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
    WRAPPER_TIE_COPIED_FROM (0.19.1, planned under transformers 5 from it); else config.json's
    (ModelSpec.tie_word_embeddings)."""
    if _gemma2_always_tied(spec, version):
        return True
    if spec.text_tie_word_embeddings is not None and version < WRAPPER_TIE_COPIED_FROM:
        return spec.text_tie_word_embeddings
    return spec.tie_word_embeddings


_SERVED: IdentityMemo[ModelSpec] = IdentityMemo(256)


def served_spec(spec: ModelSpec, vllm_version: str) -> ModelSpec:
    """`spec` with the tie vLLM `vllm_version` builds (served_tie): `spec` itself where that is
    config.json's, else one copy per spec and version as written (cached) that says why: its
    note names `vllm_version` as given ('0.18' or '0.18.0'), so the key is the text, not the
    release it parses to."""
    if spec.text_tie_word_embeddings is None and (spec.tie_word_embeddings or not _gemma2(spec)):
        return spec  # every release builds config.json's tie (the sweep's hot path)
    version = parse_version(vllm_version)
    if served_tie(spec, version) == spec.tie_word_embeddings:
        return spec
    return _SERVED.get(spec, (vllm_version,), _retied, spec, version, vllm_version)


def _retied(spec: ModelSpec, version: Version, vllm_version: str) -> ModelSpec:
    tie = not spec.tie_word_embeddings
    note = (f"vLLM {vllm_version} builds Gemma 2 with no lm_head (gemma2.py reads embed_tokens "
            "for the logits whatever tie_word_embeddings says): planned tied; a checkpoint "
            "that stores lm_head.weight fails to load"
            if _gemma2_always_tied(spec, version) else
            f"vLLM {vllm_version} builds the text model {'tied' if tie else 'untied'} from "
            "text_config's tie_word_embeddings (0.19.1 on, under transformers 5, read the "
            "wrapper's): planned so")
    return spec.model_copy(update={"tie_word_embeddings": tie,
                                   "assumptions": (*spec.assumptions, note)})


def transformers_tie_note(spec: ModelSpec, version: Version, vllm_version: str,
                          asserted: bool) -> str | None:
    """The plan's note where the wrapper's and text_config's tie_word_embeddings differ on a
    release that runs under transformers 4 or 5 (TRANSFORMERS_5_ALLOWED_FROM up to
    TRANSFORMERS_5_ONLY_FROM): planned with the wrapper's, as with_hf_config copies it under
    transformers 5, which the release's image and a fresh install run (served_tie), but the
    text model keeps text_config's under transformers 4 where pinned; None elsewhere. The two
    readings differ, so text_config's is the other. `asserted`: the release's model for the
    text model asserts the tie (model_config.gemma_asserts_tie), so it refuses an untied one."""
    text_tie = spec.text_tie_word_embeddings
    if text_tie is None or not TRANSFORMERS_5_ALLOWED_FROM <= version < TRANSFORMERS_5_ONLY_FROM:
        return None
    table = spec.vocab_size * spec.hidden_size
    return (f"vLLM {vllm_version} runs under transformers 4 or 5 (it requires transformers "
            ">=4.56.0, not 5.0-5.5.0), and this model's lm_head depends on which: planned "
            "under transformers 5, which its docker image and a fresh pip install run, "
            f"{'untied' if text_tie else 'tied'} (vLLM copies the wrapper's "
            "tie_word_embeddings onto the text model); with transformers<5 pinned it builds "
            f"the text model {'tied' if text_tie else 'untied'} (text_config's)" + (
                ", which it refuses (`assert config.tie_word_embeddings`)" if not text_tie
                and asserted else f": one {spec.vocab_size:,} x {spec.hidden_size:,} lm_head "
                f"table ({table:,} parameters) {'less' if text_tie else 'more'} than planned")
            + ".")
