"""A multimodal wrapper Headroom plans only the text model of (parser.unsized_wrapper) reads as
no confident fit on the Plan page and says what is not counted on the Model page. The config
is tests/planner/model/test_wrapper_unmodelled.py's InternVL one (InternVLConfig's documented
defaults: a Qwen2 text model, tie_word_embeddings True at the top, False in text_config)."""

import pytest

from tests.app.conftest import open_page, unmodelled_verdict
from tests.planner.model.test_wrapper_unmodelled import INTERNVL_VISION, QWEN2_TEXT

REPO = "acme/internvl-hf"


@pytest.fixture
def internvl_hub(hub_reply):
    """acme/internvl-hf answers with a hand-built InternVL config (HF format)."""
    hub_reply(REPO, {
        "model_type": "internvl", "architectures": ["InternVLForConditionalGeneration"],
        "text_config": QWEN2_TEXT, "vision_config": INTERNVL_VISION})


@pytest.mark.usefixtures("internvl_hub")
def test_plan_page_verdict_names_the_towers_left_out() -> None:
    # its Qwen2 text model fits one H100 (about 21 GiB of bf16 weights, tied from 0.24), but the
    # vision tower is not counted: a warning naming it, never a plain green "Fits:"
    at = open_page(None, model=REPO, gpu="h100-sxm", gpn="1")
    assert not at.exception
    assert unmodelled_verdict(at).startswith(
        "Fits (unmodelled: internvl tower weights (vision_config), ")
    assert any(w.value.startswith("Not modelled: internvl tower weights (vision_config)")
               for w in at.warning)


@pytest.mark.usefixtures("internvl_hub")
def test_model_page_says_what_is_not_counted_and_the_lm_head_by_release() -> None:
    at = open_page("model", model=REPO)
    assert not at.exception
    [note] = [c.value for c in at.caption if "multimodal wrapper" in c.value]
    assert note.startswith("internvl is a multimodal wrapper Headroom does not model: it plans "
                           "only the qwen2 text model (text_config).")
    assert "from vLLM 0.19.1, under transformers 5 (0.24.0 on require it), config/vllm.py " \
           "with_hf_config copies" in note
